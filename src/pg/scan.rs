//! Scans that count every row whose value may be in use, each with its tuple slot and snapshot:
//! ended, dropped and released when the guard is dropped.
//!
//! Two views of a table (`Rows`): the rows a dirty snapshot sees (committed, and inserted by
//! transactions still in progress), and the rows as they stood before this transaction changed
//! them (its own deletes and key updates may still be rolled back, and `setval()` is not).

use super::relation::OpenRelation;
use pgrx::pg_sys;

/// Which rows a scan returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Committed rows and rows of transactions still in progress (this one's included), less a
    /// row that the one transaction still in progress inserted and deleted again.
    InUse,
    /// Committed rows as of now, as this transaction found them before its first command: rows
    /// it deleted or whose key it updated are still there; rows it inserted are not.
    BeforeOwnChanges,
}

/// PostgreSQL's InitDirtySnapshot, boxed so that its address stays put while a scan uses it;
/// after each row a scan returns, `xmin` holds the other transaction in progress that inserted
/// it, if any.
pub(super) fn dirty_snapshot() -> Box<pg_sys::SnapshotData> {
    // SAFETY: an all-zero SnapshotData is what InitDirtySnapshot starts from.
    let mut snapshot: Box<pg_sys::SnapshotData> = Box::new(unsafe { std::mem::zeroed() });
    snapshot.snapshot_type = pg_sys::SnapshotType::SNAPSHOT_DIRTY;
    snapshot
}

/// The snapshot a scan reads under: PostgreSQL's InitDirtySnapshot (boxed, so that its address
/// stays put while the scan uses it), or a registered copy of the latest MVCC snapshot.
enum ScanSnapshot {
    Dirty(Box<pg_sys::SnapshotData>),
    Registered(pg_sys::Snapshot),
}

impl ScanSnapshot {
    fn new(rows: Rows) -> ScanSnapshot {
        match rows {
            Rows::InUse => ScanSnapshot::Dirty(dirty_snapshot()),
            // SAFETY: RegisterSnapshot copies the latest snapshot (it is not marked copied), so
            // the copy is ours to change; unregistered by Drop. Command id 0 makes every change
            // of this transaction's invisible: its inserts, and its deletes of committed rows.
            Rows::BeforeOwnChanges => unsafe {
                let snapshot = pg_sys::RegisterSnapshot(pg_sys::GetLatestSnapshot());
                (*snapshot).curcid = pg_sys::FirstCommandId;
                ScanSnapshot::Registered(snapshot)
            },
        }
    }

    fn as_ptr(&mut self) -> pg_sys::Snapshot {
        match self {
            ScanSnapshot::Dirty(snapshot) => &mut **snapshot,
            ScanSnapshot::Registered(snapshot) => *snapshot,
        }
    }

    /// After a dirty snapshot let a row through: the other transaction, still in progress, that
    /// inserted it (HeapTupleSatisfiesDirty leaves it in `xmin`), if any.
    fn in_progress_writer(&self) -> Option<pg_sys::TransactionId> {
        match self {
            ScanSnapshot::Dirty(snapshot) => {
                (snapshot.xmin != pg_sys::InvalidTransactionId).then_some(snapshot.xmin)
            }
            ScanSnapshot::Registered(_) => None,
        }
    }
}

impl Drop for ScanSnapshot {
    fn drop(&mut self) {
        if let ScanSnapshot::Registered(snapshot) = self {
            if super::may_release() {
                // SAFETY: unregisters the snapshot registered in `new`, once, after the scan
                // that used it has ended (fields drop after their owner's Drop).
                unsafe { pg_sys::UnregisterSnapshot(*snapshot) };
            }
        }
    }
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

/// Whether the slot's row was deleted by the same transaction, still in progress, that
/// inserted it (`writer`): it can never be seen committed, whatever that transaction does, so
/// its value is in use by no one. A dirty snapshot lets such a row through. A delete in a
/// subtransaction of the inserter (another xid) may roll back, and is not matched.
///
/// # Safety
/// The slot must hold a heap tuple from a buffer (a heap table's slot after a fetch).
unsafe fn deleted_by_its_inserter(
    slot: *mut pg_sys::TupleTableSlot,
    writer: pg_sys::TransactionId,
) -> bool {
    // SAFETY: a heap table's slot is a BufferHeapTupleTableSlot, whose first member is the
    // HeapTupleTableSlot holding the tuple it points into the pinned buffer. The header's xmax
    // may be set concurrently; an aligned 32-bit read sees the old or the new value, and the
    // old one (not deleted) only makes the row count.
    unsafe {
        let tuple = (*slot.cast::<pg_sys::HeapTupleTableSlot>()).tuple;
        if tuple.is_null() || (*tuple).t_data.is_null() {
            return false;
        }
        let header = &*(*tuple).t_data;
        let mask = u32::from(header.t_infomask);
        let lock_only = mask & pg_sys::HEAP_XMAX_LOCK_ONLY != 0
            || mask & (pg_sys::HEAP_XMAX_IS_MULTI | pg_sys::HEAP_LOCK_MASK)
                == pg_sys::HEAP_XMAX_EXCL_LOCK;
        mask & (pg_sys::HEAP_XMAX_INVALID | pg_sys::HEAP_XMAX_IS_MULTI) == 0
            && !lock_only
            && header.t_choice.t_heap.t_xmax == writer
    }
}

/// An index scan over the non-NULL entries of an index's first key, in one direction.
///
/// With `key_from_index`, an entry whose heap page the visibility map marks all-visible is
/// answered from the index entry itself, as an index-only scan does: every row on such a page
/// is visible to every transaction, so none was written by one still in progress. Other
/// entries are fetched from the heap under the dirty snapshot.
pub struct IndexScan {
    scan: pg_sys::IndexScanDesc,
    slot: *mut pg_sys::TupleTableSlot,
    direction: pg_sys::ScanDirection::Type,
    key_from_index: bool,
    /// The visibility map page pinned by the last check (InvalidBuffer before the first).
    vm_buffer: pg_sys::Buffer,
    /// Dropped after the scan (fields drop after `Drop::drop` has ended the scan).
    snapshot: ScanSnapshot,
}

impl IndexScan {
    /// Begins the scan; `backward` starts from the index's high end.
    ///
    /// # Safety
    /// `index` must be an index on `table`, both open and locked; the caller has checked what
    /// they are (a heap table of this session's, an index of an access method it trusts). With
    /// `key_from_index`, the index must return its keys (btree does) and its first key must be
    /// stored as the column's own type.
    pub unsafe fn begin(
        table: &OpenRelation,
        index: &OpenRelation,
        rows: Rows,
        backward: bool,
        key_from_index: bool,
    ) -> IndexScan {
        let mut snapshot = ScanSnapshot::new(rows);
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
            let scan = begin_index_scan(table.raw(), index.raw(), snapshot.as_ptr(), 1);
            (*scan).xs_want_itup = key_from_index;
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
                key_from_index,
                vm_buffer: pg_sys::InvalidBuffer as pg_sys::Buffer,
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
        // has column `attnum` (checked by the caller against the table's descriptor). This is
        // index_getnext_slot, with the visibility map consulted before each heap visit.
        unsafe {
            loop {
                // A HOT chain may hold more than one row the dirty snapshot sees: finish it first.
                if !(*self.scan).xs_heap_continue {
                    let tid = pg_sys::index_getnext_tid(self.scan, self.direction);
                    if tid.is_null() {
                        return None;
                    }
                    if let Some(key) = self.key_if_all_visible(tid) {
                        return Some((Some(key), None));
                    }
                }
                if pg_sys::index_fetch_heap(self.scan, self.slot) {
                    let writer = self.snapshot.in_progress_writer();
                    if writer.is_some_and(|w| deleted_by_its_inserter(self.slot, w)) {
                        continue;
                    }
                    return Some((slot_value(self.slot, attnum), writer));
                }
            }
        }
    }

    /// The entry's first key, when its heap page is all-visible and the key can be read from
    /// the index entry (not NULL: the scan key skips NULLs, but a tuple with any NULL is left
    /// to the heap visit rather than decoded here).
    ///
    /// # Safety
    /// `tid` is the entry the scan just returned.
    unsafe fn key_if_all_visible(&mut self, tid: pg_sys::ItemPointer) -> Option<pg_sys::Datum> {
        if !self.key_from_index {
            return None;
        }
        // SAFETY: the scan's heap relation is open and locked; `tid` is the current entry, and
        // xs_itup its index tuple (xs_want_itup), described by xs_itupdesc.
        unsafe {
            let block = pgrx::itemptr::item_pointer_get_block_number(tid);
            let status = pg_sys::visibilitymap_get_status(
                (*self.scan).heapRelation,
                block,
                &mut self.vm_buffer,
            );
            if u32::from(status) & pg_sys::VISIBILITYMAP_ALL_VISIBLE == 0 {
                return None;
            }
            let tuple = (*self.scan).xs_itup;
            if tuple.is_null() || u32::from((*tuple).t_info) & pg_sys::INDEX_NULL_MASK != 0 {
                return None;
            }
            Some(pg_sys::nocache_index_getattr(
                tuple,
                1,
                (*self.scan).xs_itupdesc,
            ))
        }
    }
}

impl Drop for IndexScan {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: releases the visibility map pin, drops the slot and ends the scan begun in
            // `begin`, once.
            unsafe {
                if self.vm_buffer != pg_sys::InvalidBuffer as pg_sys::Buffer {
                    pg_sys::ReleaseBuffer(self.vm_buffer);
                }
                pg_sys::ExecDropSingleTupleTableSlot(self.slot);
                pg_sys::index_endscan(self.scan);
            }
        }
    }
}

/// `index_beginscan` for `nkeys` keys and no ORDER BY keys: the one place that knows the
/// function gained an instrumentation argument in PostgreSQL 18.
///
/// # Safety
/// The caller holds both relations open and locked, and `snapshot` lives as long as the scan.
#[cfg(not(feature = "pg18"))]
pub(super) unsafe fn begin_index_scan(
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
    nkeys: i32,
) -> pg_sys::IndexScanDesc {
    // SAFETY: the caller's relations and snapshot.
    unsafe { pg_sys::index_beginscan(heap, index, snapshot, nkeys, 0) }
}

/// `index_beginscan`, PostgreSQL 18: with no instrumentation.
///
/// # Safety
/// As above.
#[cfg(feature = "pg18")]
pub(super) unsafe fn begin_index_scan(
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
    nkeys: i32,
) -> pg_sys::IndexScanDesc {
    // SAFETY: the caller's relations and snapshot.
    unsafe { pg_sys::index_beginscan(heap, index, snapshot, std::ptr::null_mut(), nkeys, 0) }
}

/// A sequential scan of a heap table.
pub struct HeapScan {
    scan: pg_sys::TableScanDesc,
    slot: *mut pg_sys::TupleTableSlot,
    /// Dropped after the scan (fields drop after `Drop::drop` has ended the scan).
    snapshot: ScanSnapshot,
}

impl HeapScan {
    /// Begins the scan (with a ring buffer, as any large sequential scan).
    ///
    /// # Safety
    /// `table` must be open, locked, and checked to be a heap table of this session's.
    pub unsafe fn begin(table: &OpenRelation, rows: Rows) -> HeapScan {
        let mut snapshot = ScanSnapshot::new(rows);
        let flags = pg_sys::ScanOptions::SO_TYPE_SEQSCAN
            | pg_sys::ScanOptions::SO_ALLOW_STRAT
            | pg_sys::ScanOptions::SO_ALLOW_SYNC;
        // SAFETY: the caller's heap table; the scan and slot are released by Drop.
        unsafe {
            HeapScan {
                scan: pg_sys::heap_beginscan(
                    table.raw(),
                    snapshot.as_ptr(),
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
            loop {
                if !pg_sys::heap_getnextslot(
                    self.scan,
                    pg_sys::ScanDirection::ForwardScanDirection,
                    self.slot,
                ) {
                    return None;
                }
                let writer = self.snapshot.in_progress_writer();
                if writer.is_some_and(|w| deleted_by_its_inserter(self.slot, w)) {
                    continue;
                }
                return Some((slot_value(self.slot, attnum), writer));
            }
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
