//! Opening a relation that anyone may have made: a lock taken with a bounded wait, then a look
//! at what the relation really is before anything touches its storage.
//!
//! Every relation the engine reads (tables, partitions, indexes, sequences) comes through here.
//! A wait longer than `pg_seqsync.lock_timeout` raises SQLSTATE 55P03, which the sequence's
//! subtransaction turns into a `skip` row naming the relation (`lock_wait_relation`).

use super::guc::GucNest;
use crate::LOCK_TIMEOUT;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{PgLogLevel, PgSqlErrorCode};
use std::cell::Cell;

thread_local! {
    /// The relation the current bounded wait is for; cleared once the lock is granted.
    static WAITING_FOR: Cell<Option<pg_sys::Oid>> = const { Cell::new(None) };
}

/// The relation whose lock wait timed out last (taken: a second call returns `None`).
pub fn lock_wait_relation() -> Option<pg_sys::Oid> {
    WAITING_FOR.take()
}

/// Takes `mode` on `relation`, waiting at most `pg_seqsync.lock_timeout` (0: not at all).
/// Raises 55P03 when the lock is not granted in time; the lock is then not held.
pub fn lock_bounded(relation: pg_sys::Oid, mode: pg_sys::LOCKMODE) {
    // SAFETY: lock-manager calls on a relation OID inside a transaction; a lock on an OID that
    // no longer names a relation is harmless and released with the transaction.
    if unsafe { pg_sys::ConditionalLockRelationOid(relation, mode) } {
        return;
    }
    WAITING_FOR.set(Some(relation));
    let timeout_ms = LOCK_TIMEOUT.get();
    if timeout_ms == 0 {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE,
            format!(
                "pg_seqsync: relation {} is locked by another transaction",
                u32::from(relation)
            ),
            "pg_seqsync",
        )
        .report(PgLogLevel::ERROR);
    }
    // The caller's lock_timeout comes back when the nest level is dropped (or, if the wait times
    // out, with the (sub)transaction abort).
    let nest = GucNest::new();
    nest.set(c"lock_timeout", &format!("{timeout_ms}ms"));
    // SAFETY: a lock-manager wait, ended by lock_timeout at the latest.
    unsafe { pg_sys::LockRelationOid(relation, mode) };
    drop(nest);
    WAITING_FOR.set(None);
}

/// A relation locked with a bounded wait and open. Dropping it closes the relation and releases
/// the lock at once (a bound needs no snapshot consistency, and a sweep over many thousands of
/// tables must not keep a lock on each until commit). On an error nothing is released here: the
/// (sub)transaction abort does that.
pub struct OpenRelation {
    relation: pg_sys::Relation,
    mode: pg_sys::LOCKMODE,
}

impl OpenRelation {
    /// Locks (bounded wait) and opens `oid`; `None` if it no longer exists.
    pub fn open(oid: pg_sys::Oid, mode: pg_sys::LOCKMODE) -> Option<OpenRelation> {
        lock_bounded(oid, mode);
        // SAFETY: the lock is held, and taking it processed pending invalidations, so the
        // relation cache returns NULL for a relation dropped meanwhile (relation_open without
        // its error; try_relation_open would probe the syscache once more for nothing).
        let relation = unsafe { pg_sys::RelationIdGetRelation(oid) };
        if relation.is_null() {
            // SAFETY: releases the lock taken above on an OID that names nothing now.
            unsafe { pg_sys::UnlockRelationOid(oid, mode) };
            return None;
        }
        let opened = OpenRelation { relation, mode };
        if opened.form().relpersistence as u8 == pg_sys::RELPERSISTENCE_TEMP {
            // As relation_open notes it: a transaction that touched a temporary relation
            // cannot be prepared.
            // SAFETY: a flag word of the current transaction.
            unsafe { pg_sys::MyXactFlags |= pg_sys::XACT_FLAGS_ACCESSEDTEMPNAMESPACE as i32 };
        }
        Some(opened)
    }

    pub fn raw(&self) -> pg_sys::Relation {
        self.relation
    }

    fn form(&self) -> &pg_sys::FormData_pg_class {
        // SAFETY: an open relation always has its pg_class row in rd_rel.
        unsafe { &*(*self.relation).rd_rel }
    }

    pub fn kind(&self) -> u8 {
        self.form().relkind as u8
    }

    pub fn access_method(&self) -> pg_sys::Oid {
        self.form().relam
    }

    /// The base type and typmod of column `attnum` (a domain's base), `None` if the table has
    /// no such column or it was dropped.
    pub fn column_type(&self, attnum: i16) -> Option<(pg_sys::Oid, i32)> {
        let index = usize::try_from(attnum).ok()?.checked_sub(1)?;
        // SAFETY: an open relation's tuple descriptor; `get` checks the index against natts.
        unsafe {
            let descriptor = pgrx::PgTupleDesc::from_pg_unchecked((*self.relation).rd_att);
            let attribute = descriptor.get(index)?;
            if attribute.attisdropped {
                return None;
            }
            let mut typmod = attribute.atttypmod;
            let base = pg_sys::getBaseTypeAndTypmod(attribute.atttypid, &mut typmod);
            Some((base, typmod))
        }
    }

    pub fn owner(&self) -> pg_sys::Oid {
        self.form().relowner
    }

    /// Another session's temporary relation: its pages live in that session's memory.
    pub fn is_other_sessions_temp(&self) -> bool {
        // SAFETY: reads flags of the open relation.
        unsafe {
            self.form().relpersistence as u8 == pg_sys::RELPERSISTENCE_TEMP
                && !(*self.relation).rd_islocaltemp
        }
    }

    /// A plain table stored by the built-in heap access method: the only kind read directly.
    pub fn is_heap_table(&self) -> bool {
        self.kind() == pg_sys::RELKIND_RELATION
            && self.access_method() == pg_sys::HEAP_TABLE_AM_OID
            && !self.is_other_sessions_temp()
    }
}

impl Drop for OpenRelation {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: the relation was opened by `open` and is closed once, releasing our lock.
            unsafe { pg_sys::relation_close(self.relation, self.mode) };
        }
    }
}

/// A relation lock taken only if it is free right now (no wait at all); released when dropped.
pub struct FreeLock {
    relation: pg_sys::Oid,
    mode: pg_sys::LOCKMODE,
}

impl FreeLock {
    pub fn take(relation: pg_sys::Oid, mode: pg_sys::LOCKMODE) -> Option<FreeLock> {
        // SAFETY: a conditional lock on a relation OID, released by Drop.
        unsafe { pg_sys::ConditionalLockRelationOid(relation, mode) }
            .then_some(FreeLock { relation, mode })
    }
}

impl Drop for FreeLock {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: releases the lock taken in `take`, once.
            unsafe { pg_sys::UnlockRelationOid(self.relation, self.mode) };
        }
    }
}
