//! The bound from a btree index: the first non-NULL entry from the index's high end (low end
//! for a descending sequence), fetched from the heap under a dirty snapshot, or read from the
//! entry itself when the visibility map says its heap page is all-visible. Only an index whose
//! first key is the column itself, in the built-in operator family of the column's type, is
//! used: its order is then the type's natural order, whoever created the index.

use super::value::{self, Column, Direction, Found};
use crate::pg::relation::OpenRelation;
use crate::pg::scan::{IndexScan, Rows};
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
        let index = OpenRelation::open(
            oid,
            pg_sys::AccessShareLock as pg_sys::LOCKMODE,
            crate::settings::wait_limit(),
        )?;
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

/// The first non-NULL value from the end of `index` that `direction` asks for, among `rows`
/// (passing over at most `skip_in_progress` rows written by other transactions in progress), with the transaction in progress that wrote it, if any. `Err` carries a
/// numeric value no bigint can follow.
pub fn read(
    table: &OpenRelation,
    index: &OpenRelation,
    column: Column,
    direction: Direction,
    rows: Rows,
    skip_in_progress: usize,
) -> Result<Option<Found>, String> {
    // SAFETY: reads the option flags of an open btree index's first key.
    let descending_index =
        unsafe { (*(*index.raw()).rd_indoption & pg_sys::INDOPTION_DESC as i16) != 0 };
    let backward = (direction == Direction::Ascending) != descending_index;
    // A btree stores a plain column's key as the column's own type; the key is read from the
    // index entry (on all-visible pages) only when the descriptors agree on it.
    let key_from_index = matches!(
        (index.column_type(1), table.column_type(column.attnum)),
        (Some((key_type, _)), Some((column_type, _))) if key_type == column_type
    );
    // SAFETY: `index` is a btree index on `table` (checked by `is_usable`), both open and
    // locked, and `table` a heap table of this session's (checked by the caller); btree
    // returns its keys, and their type was just compared with the column's.
    let mut scan = unsafe { IndexScan::begin(table, index, rows, backward, key_from_index) };
    // The scan key skips NULLs, so the first row holds the value (a row whose value is NULL
    // through a concurrent update is passed over). Up to `skip_in_progress` rows of other
    // transactions still in progress are passed over too; the next one is returned as it is.
    let mut skipped = 0;
    while let Some((value, writer)) = scan.next(column.attnum) {
        if let Some(datum) = value {
            if writer.is_some() && skipped < skip_in_progress {
                skipped += 1;
                continue;
            }
            // SAFETY: a non-NULL value of the column's checked type.
            let value = unsafe { value::datum_value(datum, column.kind, direction) }?;
            return Ok(Some(Found { value, writer }));
        }
    }
    Ok(None)
}
