//! Thin safe wrappers over PostgreSQL internals, each resource a guard whose `Drop` releases it.
//!
//! On the normal path a guard releases what it holds when it goes out of scope, so no early
//! return leaks. While an error unwinds (pgrx turns a PostgreSQL ERROR into a Rust panic),
//! guards release nothing: the (sub)transaction abort that follows releases relations, locks,
//! buffer pins, scans, GUC nest levels and snapshots itself, and touching them before it would
//! be unsafe.

pub mod buffer;
pub mod catalog_lookup;
pub mod catalog_scan;
pub mod citus;
pub mod encoding;
pub mod guc;
pub mod owner;
pub mod relation;
pub mod scan;
pub mod sequence_lock;
pub mod sequence_page;
pub mod snapshot;
pub mod subxact;
pub mod syscache;
pub mod transaction_wait;

/// Whether a guard's `Drop` may release its resource: not while an error unwinds.
fn may_release() -> bool {
    !std::thread::panicking()
}
