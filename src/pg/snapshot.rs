//! An active snapshot pushed for a scope: popped when the guard is dropped; and work run under
//! the latest snapshot in a subtransaction of its own.

use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;

#[must_use]
pub struct ActiveSnapshot(());

impl ActiveSnapshot {
    /// The latest snapshot, after a command counter increment (this transaction's own changes
    /// so far included), whatever the transaction's isolation level.
    pub fn latest() -> ActiveSnapshot {
        // SAFETY: the calls SPI itself makes before a query; popped by Drop.
        unsafe {
            pg_sys::CommandCounterIncrement();
            pg_sys::PushActiveSnapshot(pg_sys::GetLatestSnapshot());
        }
        ActiveSnapshot(())
    }
}

impl Drop for ActiveSnapshot {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: pops the snapshot pushed by `latest`; nothing pushed after it remains
            // (the subtransaction inside has ended).
            unsafe { pg_sys::PopActiveSnapshot() };
        }
    }
}

/// Runs `work` (catalog reads) so that it sees the catalog as committed now, with this
/// transaction's own changes, whatever the caller's isolation level: a REPEATABLE READ
/// transaction's snapshot would hide a partition or a consumer table created after it began.
/// The queries run in a subtransaction of their own, which has no transaction ID, so SPI runs
/// them read-only on the snapshot pushed here. An error is raised again as it was.
pub fn read_latest<R>(work: impl FnOnce() -> R) -> R {
    in_latest_snapshot(work).unwrap_or_else(|caught| caught.rethrow())
}

/// `read_latest`, handing back the error that rolled the subtransaction back instead of
/// raising it again.
pub fn in_latest_snapshot<R>(work: impl FnOnce() -> R) -> Result<R, CaughtError> {
    // Popped when dropped, on success and on a caught error alike (the subtransaction's abort
    // pops only what was pushed inside it).
    let _snapshot = ActiveSnapshot::latest();
    super::subxact::run(work)
}
