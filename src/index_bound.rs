//! The bound from a btree index: the first non-NULL entry from the index's high end (low end
//! for a descending sequence), fetched from the heap under a dirty snapshot. Only an index whose
//! first key is the column itself, in the built-in operator family of the column's type, is
//! used: its order is then the type's natural order, whoever created the index.

use crate::bound::{self, Column, Direction, Found};
use crate::relation::OpenRelation;
use pgrx::list::PgList;
use pgrx::prelude::*;

/// A usable index on `table` for `column`, locked (bounded wait) and open; the primary key
/// first. `None` when there is none: the caller scans the heap instead.
pub fn usable_index(table: &OpenRelation, column: Column) -> Option<OpenRelation> {
    // SAFETY: the table is open and locked; RelationGetIndexList returns a fresh list of OIDs
    // and fills in rd_pkindex.
    let (list, primary) = unsafe {
        let list = PgList::<pg_sys::Oid>::from_pg(pg_sys::RelationGetIndexList(table.raw()));
        (list, (*table.raw()).rd_pkindex)
    };
    let mut candidates: Vec<pg_sys::Oid> = list.iter_oid().collect();
    candidates.sort_by_key(|oid| (*oid != primary, u32::from(*oid)));
    candidates.into_iter().find_map(|oid| {
        let index = OpenRelation::open(oid, pg_sys::AccessShareLock as pg_sys::LOCKMODE)?;
        is_usable(&index, column).then_some(index)
    })
}

/// Valid, ready, live, and its first key column is `attnum` (not an expression).
fn first_key_is(form: &pg_sys::FormData_pg_index, attnum: i16) -> bool {
    // SAFETY: indkey holds indnatts entries, and indnkeyatts >= 1 is checked first.
    form.indisvalid
        && form.indisready
        && form.indislive
        && form.indnkeyatts >= 1
        && unsafe { form.indkey.values.as_slice(1)[0] } == attnum
}

/// A partial index (`pg_index.indpred` is set). Read from the tuple, never through
/// RelationGetIndexPredicate, which would const-fold (run) the predicate's functions.
unsafe fn is_partial(index_tuple: pg_sys::HeapTuple) -> bool {
    // SAFETY: `index_tuple` is a pg_index row, which has no attributes with missing values, so
    // no tuple descriptor is needed (the relcache makes the same call).
    unsafe {
        !pg_sys::heap_attisnull(
            index_tuple,
            pg_sys::Anum_pg_index_indpred as _,
            std::ptr::null_mut(),
        )
    }
}

/// The full check on the open index, from the relcache entry the scan will use.
fn is_usable(index: &OpenRelation, column: Column) -> bool {
    if index.kind() != pg_sys::RELKIND_INDEX || index.access_method() != pg_sys::BTREE_AM_OID {
        return false;
    }
    // SAFETY: an open btree index has rd_index, rd_indextuple and one opfamily per key column.
    unsafe {
        let relation = index.raw();
        let form = &*(*relation).rd_index;
        first_key_is(form, column.attnum)
            && !is_partial((*relation).rd_indextuple)
            && *(*relation).rd_opfamily == column.kind.btree_family()
    }
}

/// The first non-NULL value from the end of `index` that `direction` asks for, among rows a
/// dirty snapshot sees, with the transaction in progress that wrote it, if any. `Err` carries a
/// numeric value no bigint can follow.
pub fn read(
    table: &OpenRelation,
    index: &OpenRelation,
    column: Column,
    direction: Direction,
) -> Result<Option<Found>, String> {
    // SAFETY: both relations are open and locked and were checked (a heap table of this
    // session's, a btree index on it in a built-in family); the scan and slot are released
    // before returning, or by the (sub)transaction abort on an error.
    unsafe {
        let descending_index = (*(*index.raw()).rd_indoption & pg_sys::INDOPTION_DESC as i16) != 0;
        let backward = (direction == Direction::Ascending) != descending_index;
        let scan_direction = if backward {
            pg_sys::ScanDirection::BackwardScanDirection
        } else {
            pg_sys::ScanDirection::ForwardScanDirection
        };
        let mut not_null: pg_sys::ScanKeyData = std::mem::zeroed();
        pg_sys::ScanKeyEntryInitialize(
            &mut not_null,
            (pg_sys::SK_ISNULL | pg_sys::SK_SEARCHNOTNULL) as i32,
            1,
            0, // InvalidStrategy: a null test, not a comparison
            pg_sys::Oid::INVALID,
            pg_sys::Oid::INVALID,
            pg_sys::Oid::INVALID,
            pg_sys::Datum::from(0),
        );
        let mut snapshot = dirty_snapshot();
        let scan = begin_scan(table.raw(), index.raw(), &mut snapshot);
        pg_sys::index_rescan(scan, &mut not_null, 1, std::ptr::null_mut(), 0);
        let slot = pg_sys::table_slot_create(table.raw(), std::ptr::null_mut());
        let mut value = Ok(None);
        if pg_sys::index_getnext_slot(scan, scan_direction, slot) {
            let mut is_null = false;
            let datum = pg_sys::slot_getattr(slot, column.attnum.into(), &mut is_null);
            if !is_null {
                let writer = in_progress_writer(&snapshot);
                value = bound::datum_value(datum, column.kind, direction)
                    .map(|value| Some(Found { value, writer }));
            }
        }
        pg_sys::ExecDropSingleTupleTableSlot(slot);
        pg_sys::index_endscan(scan);
        value
    }
}

/// After a dirty snapshot let a row through: the other transaction, still in progress, that
/// inserted it (HeapTupleSatisfiesDirty leaves it in `xmin`), if any.
pub fn in_progress_writer(snapshot: &pg_sys::SnapshotData) -> Option<pg_sys::TransactionId> {
    (snapshot.xmin != pg_sys::InvalidTransactionId).then_some(snapshot.xmin)
}

/// A snapshot that sees committed rows and rows of transactions still in progress
/// (PostgreSQL's InitDirtySnapshot).
pub fn dirty_snapshot() -> pg_sys::SnapshotData {
    // SAFETY: an all-zero SnapshotData is what InitDirtySnapshot starts from.
    let mut snapshot: pg_sys::SnapshotData = unsafe { std::mem::zeroed() };
    snapshot.snapshot_type = pg_sys::SnapshotType::SNAPSHOT_DIRTY;
    snapshot
}

#[cfg(any(
    feature = "pg13",
    feature = "pg14",
    feature = "pg15",
    feature = "pg16",
    feature = "pg17"
))]
unsafe fn begin_scan(
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
) -> pg_sys::IndexScanDesc {
    // SAFETY: the caller holds both relations open and locked.
    unsafe { pg_sys::index_beginscan(heap, index, snapshot, 1, 0) }
}

#[cfg(feature = "pg18")]
unsafe fn begin_scan(
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
) -> pg_sys::IndexScanDesc {
    // SAFETY: as above; PostgreSQL 18 added an instrumentation argument.
    unsafe { pg_sys::index_beginscan(heap, index, snapshot, std::ptr::null_mut(), 1, 0) }
}
