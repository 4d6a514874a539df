//! The lock that makes the check-and-set on a sequence atomic (`resync::apply`).
//!
//! `nextval()` and `setval()` take RowExclusiveLock on the sequence. We take
//! ShareRowExclusiveLock, which conflicts with both (and with another resync and with ALTER
//! SEQUENCE), read the sequence, decide, `setval()`, and release the lock at once: no value can
//! be handed out between our read and our write, and writers wait only for that instant. The
//! wait for the lock is bounded by the caller's limit (55P03 past it: a `skip` row).

use super::relation;
use pgrx::prelude::*;

const RESYNC_LOCK: pg_sys::LOCKMODE = pg_sys::ShareRowExclusiveLock as pg_sys::LOCKMODE;

/// Proof that the sequence is locked; dropping it ends the critical section. On an error the
/// enclosing subtransaction's abort releases the lock instead.
#[must_use]
pub struct SequenceLock {
    oid: pg_sys::Oid,
}

impl Drop for SequenceLock {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return; // an error is unwinding: the abort releases the lock
        }
        // SAFETY: we hold this lock (taken in `lock`); releasing it before the end of the
        // transaction is what keeps nextval() callers waiting only for the check-and-set.
        unsafe { pg_sys::UnlockRelationOid(self.oid, RESYNC_LOCK) }
    }
}

/// Locks `sequence` against `nextval()`, waiting at most `limit`.
pub fn lock(sequence: pg_sys::Oid, limit: relation::WaitLimit) -> SequenceLock {
    relation::lock_bounded(sequence, RESYNC_LOCK, limit);
    SequenceLock { oid: sequence }
}

/// Locks `sequence` against `nextval()` only if no other transaction holds or awaits a lock
/// that conflicts: no wait at all.
pub fn try_lock(sequence: pg_sys::Oid) -> Option<SequenceLock> {
    // SAFETY: a conditional lock on a relation OID; released by the guard's Drop.
    unsafe { pg_sys::ConditionalLockRelationOid(sequence, RESYNC_LOCK) }
        .then(|| SequenceLock { oid: sequence })
}

/// Whether this transaction holds the lock `nextval()` and `setval()` take on `sequence` (it
/// drew from it): waiting for the resync lock then would wait for every other transaction that
/// drew from it, each of which may be waiting for the same.
pub fn drawn_from_in_this_transaction(sequence: pg_sys::Oid) -> bool {
    relation::held_by_me(sequence, pg_sys::RowExclusiveLock as pg_sys::LOCKMODE)
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn locking_leaves_the_callers_lock_timeout_as_it_was() {
        Spi::run("CREATE SEQUENCE locked_seq; SET lock_timeout = '7s'").unwrap();
        let oid = Spi::get_one::<pg_sys::Oid>("SELECT 'locked_seq'::regclass::oid")
            .unwrap()
            .unwrap();
        drop(super::lock(
            oid,
            super::relation::WaitLimit {
                ms: 1000,
                setting: "test",
            },
        ));
        let setting = Spi::get_one::<String>("SELECT current_setting('lock_timeout')").unwrap();
        assert_eq!(setting.as_deref(), Some("7s"));
    }
}
