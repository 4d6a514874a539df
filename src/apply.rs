//! The atomic check-and-set on one sequence.
//!
//! `nextval()` and `setval()` take RowExclusiveLock on the sequence. We take
//! ShareRowExclusiveLock, which conflicts with both (and with another resync), read the
//! sequence, decide, `setval()`, and release the lock at once: no value can be handed out between
//! our read and our write, and writers wait only for that instant. The wait for the lock is
//! bounded by `pg_seqsync.lock_timeout`; a sequence that stays busy is reported, never waited on.

use crate::plan::SequenceState;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
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
        if timeout_ms == 0 {
            if !pg_sys::ConditionalLockRelationOid(sequence, RESYNC_LOCK) {
                return None;
            }
        } else {
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
    }
    Some(SequenceLock { oid: sequence })
}

/// Reads the sequence's position and options. `sequence_sql` is the server-quoted name.
pub fn read_state(
    client: &SpiClient<'_>,
    sequence: pg_sys::Oid,
    sequence_sql: &str,
) -> spi::Result<SequenceState> {
    let query = format!(
        "SELECT s.last_value, s.is_called, p.seqincrement, p.seqmin, p.seqmax, p.seqstart, p.seqcycle
           FROM {sequence_sql} AS s, pg_catalog.pg_sequence AS p
          WHERE p.seqrelid OPERATOR(pg_catalog.=) $1"
    );
    let row = client
        .select(query.as_str(), Some(1), &[sequence.into()])?
        .first();
    let field = |n: usize| -> spi::Result<i64> { Ok(row.get::<i64>(n)?.unwrap_or_default()) };
    Ok(SequenceState {
        last_value: field(1)?,
        is_called: row.get::<bool>(2)?.unwrap_or(false),
        increment: field(3)?,
        min_value: field(4)?,
        max_value: field(5)?,
        start_value: field(6)?,
        cycle: row.get::<bool>(7)?.unwrap_or(false),
    })
}

/// Makes the next `nextval()` return exactly `next`.
pub fn set_next(client: &mut SpiClient<'_>, sequence: pg_sys::Oid, next: i64) -> spi::Result<()> {
    // is_called = false: valid for every value in [MINVALUE, MAXVALUE], START included.
    client.update(
        "SELECT pg_catalog.setval($1::pg_catalog.regclass, $2, false)",
        Some(1),
        &[sequence.into(), next.into()],
    )?;
    Ok(())
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

    #[pg_test]
    fn set_next_makes_nextval_return_exactly_that_value() {
        Spi::connect_mut(|client| {
            client.update("CREATE SEQUENCE exact_seq MINVALUE 5 START 5", None, &[])?;
            let oid = client
                .select("SELECT 'exact_seq'::regclass::oid", None, &[])?
                .first()
                .get_one::<pg_sys::Oid>()?
                .unwrap();
            super::set_next(client, oid, 5)?;
            let next = client
                .select("SELECT nextval('exact_seq')", None, &[])?
                .first()
                .get_one::<i64>()?;
            assert_eq!(next, Some(5));
            Ok::<_, pgrx::spi::Error>(())
        })
        .unwrap();
    }
}
