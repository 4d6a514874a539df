//! The lock that makes the check-and-set on a sequence atomic.
//!
//! `nextval()` and `setval()` take RowExclusiveLock on the sequence. We take
//! ShareRowExclusiveLock, which conflicts with both (and with another resync and with ALTER
//! SEQUENCE), read the sequence, decide, `setval()`, and release the lock at once: no value can
//! be handed out between our read and our write, and writers wait only for that instant. The
//! wait for the lock is bounded by `pg_seqsync.lock_timeout`; a sequence that stays busy is
//! reported, never waited on.

use pgrx::prelude::*;
use std::ffi::CString;

const RESYNC_LOCK: pg_sys::LOCKMODE = pg_sys::ShareRowExclusiveLock as pg_sys::LOCKMODE;

/// Proof that the sequence is locked; `release` ends the critical section. On an error the
/// enclosing subtransaction's abort releases the lock instead.
#[must_use]
pub struct SequenceLock {
    oid: pg_sys::Oid,
}

impl SequenceLock {
    pub fn release(self) {
        // SAFETY: we hold this lock (taken in `lock`); releasing it before the end of the
        // transaction is what keeps nextval() callers waiting only for the check-and-set.
        unsafe { pg_sys::UnlockRelationOid(self.oid, RESYNC_LOCK) }
    }
}

/// Locks `sequence` against `nextval()`, waiting at most `timeout_ms` (0: not at all).
/// Returns `None` when the lock could not be had in time.
pub fn lock(sequence: pg_sys::Oid, timeout_ms: i32) -> Option<SequenceLock> {
    // SAFETY: plain lock-manager calls on an existing relation OID, inside a transaction.
    unsafe {
        // The usual case: nobody is drawing from it right now.
        if pg_sys::ConditionalLockRelationOid(sequence, RESYNC_LOCK) {
            return Some(SequenceLock { oid: sequence });
        }
        if timeout_ms == 0 {
            return None;
        }
        // lock_timeout makes the wait end with SQLSTATE 55P03, which the caller's
        // subtransaction turns into a `skip` row. The GUC nest level restores the caller's
        // lock_timeout on success; a subtransaction abort restores it on failure.
        let nest_level = pg_sys::NewGUCNestLevel();
        let value = CString::new(format!("{timeout_ms}ms")).expect("no NUL in a number");
        pg_sys::set_config_option(
            c"lock_timeout".as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_SAVE,
            true,
            0,
            false,
        );
        pg_sys::LockRelationOid(sequence, RESYNC_LOCK);
        pg_sys::AtEOXact_GUC(true, nest_level);
    }
    Some(SequenceLock { oid: sequence })
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
        let lock = super::lock(oid, 100).expect("an unused sequence can be locked");
        lock.release();
        let setting = Spi::get_one::<String>("SELECT current_setting('lock_timeout')").unwrap();
        assert_eq!(setting.as_deref(), Some("7s"));
    }
}
