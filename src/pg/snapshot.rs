//! An active snapshot pushed for a scope: popped when the guard is dropped.

use pgrx::pg_sys;

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
