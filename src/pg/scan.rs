//! Scans under a dirty snapshot (committed rows, and rows of transactions still in progress),
//! each with its tuple slot: ended and dropped when the guard is dropped.

use super::relation::OpenRelation;
use pgrx::pg_sys;

/// PostgreSQL's InitDirtySnapshot, boxed so that its address stays put while a scan uses it.
fn dirty_snapshot() -> Box<pg_sys::SnapshotData> {
    // SAFETY: an all-zero SnapshotData is what InitDirtySnapshot starts from.
    let mut snapshot: Box<pg_sys::SnapshotData> = Box::new(unsafe { std::mem::zeroed() });
    snapshot.snapshot_type = pg_sys::SnapshotType::SNAPSHOT_DIRTY;
    snapshot
}

/// After a dirty snapshot let a row through: the other transaction, still in progress, that
/// inserted it (HeapTupleSatisfiesDirty leaves it in `xmin`), if any.
fn in_progress_writer(snapshot: &pg_sys::SnapshotData) -> Option<pg_sys::TransactionId> {
    (snapshot.xmin != pg_sys::InvalidTransactionId).then_some(snapshot.xmin)
}

/// The value of column `attnum` in the slot's current row; `None` for NULL.
///
/// # Safety
/// The slot must hold a row of a table that has column `attnum`.
unsafe fn slot_value(slot: *mut pg_sys::TupleTableSlot, attnum: i16) -> Option<pg_sys::Datum> {
    let mut is_null = false;
    // SAFETY: the caller's slot and column.
    let datum = unsafe { pg_sys::slot_getattr(slot, attnum.into(), &mut is_null) };
    (!is_null).then_some(datum)
}

/// An index scan over the non-NULL entries of an index's first key, in one direction.
pub struct IndexScan {
    scan: pg_sys::IndexScanDesc,
    slot: *mut pg_sys::TupleTableSlot,
    direction: pg_sys::ScanDirection::Type,
    snapshot: Box<pg_sys::SnapshotData>,
}

impl IndexScan {
    /// Begins the scan; `backward` starts from the index's high end.
    ///
    /// # Safety
    /// `index` must be an index on `table`, both open and locked; the caller has checked what
    /// they are (a heap table of this session's, an index of an access method it trusts).
    pub unsafe fn begin(table: &OpenRelation, index: &OpenRelation, backward: bool) -> IndexScan {
        let mut snapshot = dirty_snapshot();
        // SAFETY: the caller's relations; the key only tests for NULL (no operator runs), and
        // the scan and slot are released by Drop.
        unsafe {
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
            let scan = begin_index_scan(table.raw(), index.raw(), &mut *snapshot);
            pg_sys::index_rescan(scan, &mut not_null, 1, std::ptr::null_mut(), 0);
            IndexScan {
                scan,
                slot: pg_sys::table_slot_create(table.raw(), std::ptr::null_mut()),
                direction: if backward {
                    pg_sys::ScanDirection::BackwardScanDirection
                } else {
                    pg_sys::ScanDirection::ForwardScanDirection
                },
                snapshot,
            }
        }
    }

    /// The next row's value of column `attnum` and its writer in progress; `None` at the end.
    pub fn next(
        &mut self,
        attnum: i16,
    ) -> Option<(Option<pg_sys::Datum>, Option<pg_sys::TransactionId>)> {
        pgrx::check_for_interrupts!();
        // SAFETY: the scan and slot are live; the slot holds a row of the scanned table, which
        // has column `attnum` (checked by the caller against the table's descriptor).
        unsafe {
            if !pg_sys::index_getnext_slot(self.scan, self.direction, self.slot) {
                return None;
            }
            Some((
                slot_value(self.slot, attnum),
                in_progress_writer(&self.snapshot),
            ))
        }
    }
}

impl Drop for IndexScan {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: drops the slot and ends the scan begun in `begin`, once.
            unsafe {
                pg_sys::ExecDropSingleTupleTableSlot(self.slot);
                pg_sys::index_endscan(self.scan);
            }
        }
    }
}

#[cfg(any(
    feature = "pg13",
    feature = "pg14",
    feature = "pg15",
    feature = "pg16",
    feature = "pg17"
))]
unsafe fn begin_index_scan(
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
) -> pg_sys::IndexScanDesc {
    // SAFETY: the caller holds both relations open and locked.
    unsafe { pg_sys::index_beginscan(heap, index, snapshot, 1, 0) }
}

#[cfg(feature = "pg18")]
unsafe fn begin_index_scan(
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
) -> pg_sys::IndexScanDesc {
    // SAFETY: as above; PostgreSQL 18 added an instrumentation argument.
    unsafe { pg_sys::index_beginscan(heap, index, snapshot, std::ptr::null_mut(), 1, 0) }
}

/// A sequential scan of a heap table.
pub struct HeapScan {
    scan: pg_sys::TableScanDesc,
    slot: *mut pg_sys::TupleTableSlot,
    snapshot: Box<pg_sys::SnapshotData>,
}

impl HeapScan {
    /// Begins the scan (with a ring buffer, as any large sequential scan).
    ///
    /// # Safety
    /// `table` must be open, locked, and checked to be a heap table of this session's.
    pub unsafe fn begin(table: &OpenRelation) -> HeapScan {
        let mut snapshot = dirty_snapshot();
        let flags = pg_sys::ScanOptions::SO_TYPE_SEQSCAN
            | pg_sys::ScanOptions::SO_ALLOW_STRAT
            | pg_sys::ScanOptions::SO_ALLOW_SYNC;
        // SAFETY: the caller's heap table; the scan and slot are released by Drop.
        unsafe {
            HeapScan {
                scan: pg_sys::heap_beginscan(
                    table.raw(),
                    &mut *snapshot,
                    0,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    flags as _,
                ),
                slot: pg_sys::table_slot_create(table.raw(), std::ptr::null_mut()),
                snapshot,
            }
        }
    }

    /// The next row's value of column `attnum` and its writer in progress; `None` at the end.
    pub fn next(
        &mut self,
        attnum: i16,
    ) -> Option<(Option<pg_sys::Datum>, Option<pg_sys::TransactionId>)> {
        pgrx::check_for_interrupts!();
        // SAFETY: the scan and slot are live; the slot holds a row of the scanned table, which
        // has column `attnum` (checked by the caller against the table's descriptor).
        unsafe {
            if !pg_sys::heap_getnextslot(
                self.scan,
                pg_sys::ScanDirection::ForwardScanDirection,
                self.slot,
            ) {
                return None;
            }
            Some((
                slot_value(self.slot, attnum),
                in_progress_writer(&self.snapshot),
            ))
        }
    }
}

impl Drop for HeapScan {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: drops the slot and ends the scan begun in `begin`, once.
            unsafe {
                pg_sys::ExecDropSingleTupleTableSlot(self.slot);
                pg_sys::heap_endscan(self.scan);
            }
        }
    }
}
