//! Opening a relation that anyone may have made: a lock taken with a bounded wait, then a look
//! at what the relation really is before anything touches its storage.
//!
//! Every relation the engine reads (tables, partitions, indexes, sequences) comes through here.
//! A wait longer than the caller's `WaitLimit` raises SQLSTATE 55P03 naming the relation, which
//! the sequence's subtransaction turns into a `skip` row.

use super::catalog_lookup::ColumnRows;
use super::guc::GucNest;
use super::syscache::CacheEntry;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// InvalidSubTransactionId (c.h).
const INVALID_SUBTRANSACTION_ID: pg_sys::SubTransactionId = 0;

/// How long a lock wait may last (0: not at all), and the setting that says so, for the error.
#[derive(Debug, Clone, Copy)]
pub struct WaitLimit {
    pub ms: i32,
    pub setting: &'static str,
}

/// Takes `mode` on `relation`, waiting at most `limit`. Raises 55P03 naming the relation when
/// the lock is not granted in time; the lock is then not held.
pub fn lock_bounded(relation: pg_sys::Oid, mode: pg_sys::LOCKMODE, limit: WaitLimit) {
    // SAFETY: lock-manager calls on a relation OID inside a transaction; a lock on an OID that
    // no longer names a relation is harmless and released with the transaction.
    if unsafe { pg_sys::ConditionalLockRelationOid(relation, mode) } {
        return;
    }
    // Named before the wait, so that the error raised when it times out only formats text.
    let name = ColumnRows::default()
        .table_sql(relation)
        .unwrap_or_else(|| format!("relation {}", u32::from(relation)));
    if limit.ms == 0 {
        not_available(&name, limit);
    }
    // The caller's lock_timeout comes back when the nest level is dropped (or, if the wait times
    // out, with the (sub)transaction abort).
    let nest = GucNest::new();
    nest.set(c"lock_timeout", &format!("{}ms", limit.ms));
    PgTryBuilder::new(|| {
        // SAFETY: a lock-manager wait, ended by lock_timeout at the latest.
        unsafe { pg_sys::LockRelationOid(relation, mode) }
    })
    .catch_when(PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE, |_| {
        // Raised at once, in place of the server's "canceling statement due to lock timeout".
        not_available(&name, limit)
    })
    .execute();
    drop(nest);
}

/// The lock tag of a relation of this database (SET_LOCKTAG_RELATION).
fn relation_tag(relation: pg_sys::Oid) -> pg_sys::LOCKTAG {
    pg_sys::LOCKTAG {
        // SAFETY: a plain read of this backend's database OID.
        locktag_field1: u32::from(unsafe { pg_sys::MyDatabaseId }),
        locktag_field2: u32::from(relation),
        locktag_field3: 0,
        locktag_field4: 0,
        locktag_type: pg_sys::LockTagType::LOCKTAG_RELATION as u8,
        locktag_lockmethodid: pg_sys::DEFAULT_LOCKMETHOD as u8,
    }
}

/// Whether this transaction holds `mode` itself on `relation` (a relation of this database).
pub fn held_by_me(relation: pg_sys::Oid, mode: pg_sys::LOCKMODE) -> bool {
    let tag = relation_tag(relation);
    // SAFETY: looks the tag up in this backend's own lock table.
    #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15", feature = "pg16"))]
    let held = unsafe { pg_sys::LockHeldByMe(&tag, mode) };
    // SAFETY: as above; PostgreSQL 17 added "or a stronger mode".
    #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15", feature = "pg16")))]
    let held = unsafe { pg_sys::LockHeldByMe(&tag, mode, false) };
    held
}

/// Whether this transaction holds a lock on `relation` that writing rows (or truncating or
/// rewriting it) takes: it may have deleted or updated rows there that a query cannot see.
pub fn written_by_me(relation: pg_sys::Oid) -> bool {
    [
        pg_sys::RowExclusiveLock,
        pg_sys::ShareRowExclusiveLock,
        pg_sys::ExclusiveLock,
        pg_sys::AccessExclusiveLock,
    ]
    .into_iter()
    .any(|mode| held_by_me(relation, mode as pg_sys::LOCKMODE))
}

/// Whether another transaction holds a lock on `table` that writing rows takes (any mode that
/// conflicts with SHARE: an INSERT's ROW EXCLUSIVE, and also VACUUM's SHARE UPDATE EXCLUSIVE).
/// A writer's heap tuple can be in the table before its index entry is in the index, so an
/// index is complete only when this is false. Never waits.
pub fn others_may_be_writing(table: pg_sys::Oid) -> bool {
    // SAFETY: a read of the lock table. In recovery no transaction writes (and the result
    // would be a static array); elsewhere GetLockConflicts pallocs the array freed here.
    unsafe {
        if pg_sys::RecoveryInProgress() {
            return false;
        }
        let tag = relation_tag(table);
        let mut count = 0;
        let holders =
            pg_sys::GetLockConflicts(&tag, pg_sys::ShareLock as pg_sys::LOCKMODE, &mut count);
        if !holders.is_null() {
            pg_sys::pfree(holders.cast());
        }
        count > 0
    }
}

/// The other transactions holding a lock on `table` that writing rows takes (a mode that
/// conflicts with SHARE), as virtual transaction IDs to wait for (`transaction_wait`). Never
/// waits.
pub fn writers_of(table: pg_sys::Oid) -> Vec<pg_sys::VirtualTransactionId> {
    // SAFETY: as in `others_may_be_writing`; the array ends at `count` (and with an invalid
    // entry, which is not copied).
    unsafe {
        if pg_sys::RecoveryInProgress() {
            return Vec::new();
        }
        let tag = relation_tag(table);
        let mut count = 0;
        let holders =
            pg_sys::GetLockConflicts(&tag, pg_sys::ShareLock as pg_sys::LOCKMODE, &mut count);
        if holders.is_null() {
            return Vec::new();
        }
        let writers = std::slice::from_raw_parts(holders, count.max(0) as usize).to_vec();
        pg_sys::pfree(holders.cast());
        writers
    }
}

/// Raises 55P03 for the relation `name`, waited for up to `limit`.
fn not_available(name: &str, limit: WaitLimit) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE,
        super::encoding::for_error(&format!(
            "lock not available: {name} is in use by another transaction (waited {} ms, {})",
            limit.ms, limit.setting
        )),
        "pg_seqsync",
    )
    .report(PgLogLevel::ERROR);
    unreachable!("an ERROR does not return")
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
    /// Locks (waiting at most `limit`) and opens `oid`; `None` if it no longer exists.
    pub fn open(
        oid: pg_sys::Oid,
        mode: pg_sys::LOCKMODE,
        limit: WaitLimit,
    ) -> Option<OpenRelation> {
        lock_bounded(oid, mode, limit);
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

    /// Closes the relation but keeps its lock until the transaction ends, as `setval()` keeps
    /// the lock it takes on a sequence.
    pub fn close_keeping_lock(self) {
        let relation = self.relation;
        std::mem::forget(self);
        // SAFETY: closes the relation opened by `open`, once (Drop will not run); NoLock leaves
        // the lock to the transaction.
        unsafe { pg_sys::relation_close(relation, pg_sys::NoLock as pg_sys::LOCKMODE) };
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

    /// Whether this transaction gave the relation new storage (TRUNCATE, or a rewrite) after it
    /// existed: the rows it had before are then not in the storage read, but come back if the
    /// transaction rolls back.
    pub fn storage_replaced_in_this_transaction(&self) -> bool {
        // SAFETY: flags of the open relation. rd_first* is set by the first new storage of
        // the transaction and kept until it ends (rd_new* can be forgotten, rel.h says).
        unsafe {
            #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
            let new_storage = (*self.relation).rd_firstRelfilenodeSubid;
            #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
            let new_storage = (*self.relation).rd_firstRelfilelocatorSubid;
            new_storage != INVALID_SUBTRANSACTION_ID
                && (*self.relation).rd_createSubid == INVALID_SUBTRANSACTION_ID
        }
    }

    /// Whether this transaction may have deleted rows of the relation or changed their key: it
    /// has an xid, and the relation's statistics counters (when kept) count an update or a
    /// delete at some open level of it.
    pub fn may_have_own_deletes(&self) -> bool {
        // SAFETY: reads the transaction's xid and the relation's pending statistics, a chain
        // of per-level counters owned by this backend.
        unsafe {
            if pg_sys::GetTopTransactionIdIfAny() == pg_sys::InvalidTransactionId {
                return false;
            }
            let stats = (*self.relation).pgstat_info;
            if stats.is_null() {
                // Nothing counted for it in this backend; with counting off, assume the worst.
                return !pg_sys::pgstat_track_counts;
            }
            let mut level = (*stats).trans;
            while !level.is_null() {
                if (*level).tuples_updated > 0 || (*level).tuples_deleted > 0 {
                    return true;
                }
                level = (*level).upper;
            }
            false
        }
    }

    /// Whether an enabled AFTER INSERT FOR EACH STATEMENT trigger of the relation calls the C
    /// function `symbol` (only a superuser can create a C function, so no one can fake it).
    pub fn has_statement_trigger_calling(&self, symbol: &str) -> bool {
        // SAFETY: the trigger descriptor of the open relation (NULL when it has none), with
        // `numtriggers` entries.
        let triggers = unsafe {
            let description = (*self.relation).trigdesc;
            if description.is_null() {
                return false;
            }
            std::slice::from_raw_parts(
                (*description).triggers,
                usize::try_from((*description).numtriggers).unwrap_or(0),
            )
        };
        let after_statement_insert = |kind: i16| {
            let kind = kind as u32;
            kind & (pg_sys::TRIGGER_TYPE_ROW
                | pg_sys::TRIGGER_TYPE_BEFORE
                | pg_sys::TRIGGER_TYPE_INSTEAD)
                == 0
                && kind & pg_sys::TRIGGER_TYPE_INSERT != 0
        };
        triggers.iter().any(|trigger| {
            trigger.tgenabled as u8 != pg_sys::TRIGGER_DISABLED
                && after_statement_insert(trigger.tgtype)
                && calls_c_function(trigger.tgfoid, symbol)
        })
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

/// ClanguageId (pg_language_d.h): the pinned OID of language C.
const C_LANGUAGE: pg_sys::Oid = pg_sys::Oid::from_u32(13);

/// Whether function `function` is written in C with the link symbol `symbol`.
fn calls_c_function(function: pg_sys::Oid, symbol: &str) -> bool {
    let cache = pg_sys::SysCacheIdentifier::PROCOID;
    let Some(entry) = CacheEntry::search(cache, function) else {
        return false;
    };
    // SAFETY: a pg_proc row from the PROCOID cache; prosrc is its text column.
    unsafe {
        entry.form::<pg_sys::FormData_pg_proc>().prolang == C_LANGUAGE
            && entry
                .text(cache, pg_sys::Anum_pg_proc_prosrc as i16)
                .as_deref()
                == Some(symbol)
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
            .then(|| FreeLock { relation, mode })
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
