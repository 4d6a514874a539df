//! Reading the data as it is now.
//!
//! pgrx runs SPI queries read-only, on the caller's active snapshot, until the current
//! (sub)transaction has an xid. Inside our per-sequence subtransactions that is always so, and
//! in an AFTER trigger or right after a COPY the active snapshot was taken before the rows just
//! written. So every bound is read under a fresh snapshot that sees all committed data and this
//! transaction's own writes, including the statement that fired us.

use pgrx::pg_sys;

pub fn with_fresh_snapshot<R>(work: impl FnOnce() -> R) -> R {
    // SAFETY: the same calls SPI makes for a non-read-only query. If `work` raises an error, the
    // (sub)transaction abort pops the snapshot.
    unsafe {
        pg_sys::CommandCounterIncrement();
        pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
    }
    let result = work();
    // SAFETY: pops the snapshot pushed above.
    unsafe { pg_sys::PopActiveSnapshot() };
    result
}
