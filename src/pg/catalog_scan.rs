//! System catalogs read through their own indexes, without SQL: one index scan per catalog and
//! call, rescanned for each key. Discovery looks up thousands of keys per call; a scan begun
//! and ended for each of them (what a system-cache miss does) costs more than the lookup, and a
//! planned SQL join pays the executor on top.
//!
//! Only system catalogs and their own indexes are scanned, with built-in equality procedures:
//! no code anyone else wrote runs here. Rows are read under the catalog snapshot, as the
//! system caches read them (and `systable_beginscan` without a snapshot).

use pgrx::pg_sys;
use std::collections::HashSet;

/// A system catalog, one of its indexes, and the equality procedure of each leading index
/// column a lookup gives a value for. The OIDs are fixed by PostgreSQL's catalog headers (the
/// same from 13 to 18; `#[pg_test]` `catalog_oids_are_the_servers` checks them).
pub struct CatalogIndex {
    catalog: u32,
    index: u32,
    key_procs: &'static [u32],
}

/// `pg_depend` by depender: `(classid, objid)`.
pub const DEPEND_BY_DEPENDER: CatalogIndex = CatalogIndex {
    catalog: 2608,
    index: 2673,
    key_procs: &[pg_sys::F_OIDEQ, pg_sys::F_OIDEQ],
};

/// `pg_depend` by referenced object: `(refclassid, refobjid)`.
pub const DEPEND_BY_REFERENCED: CatalogIndex = CatalogIndex {
    catalog: 2608,
    index: 2674,
    key_procs: &[pg_sys::F_OIDEQ, pg_sys::F_OIDEQ],
};

/// `pg_attrdef` by its own OID.
pub const ATTRDEF_BY_OID: CatalogIndex = CatalogIndex {
    catalog: 2604,
    index: 2657,
    key_procs: &[pg_sys::F_OIDEQ],
};

/// `pg_attrdef` by table: `(adrelid)`.
pub const ATTRDEF_BY_TABLE: CatalogIndex = CatalogIndex {
    catalog: 2604,
    index: 2656,
    key_procs: &[pg_sys::F_OIDEQ],
};

/// `pg_inherits` by child: `(inhrelid)`.
pub const INHERITS_BY_CHILD: CatalogIndex = CatalogIndex {
    catalog: 2611,
    index: 2680,
    key_procs: &[pg_sys::F_OIDEQ],
};

/// `pg_inherits` by parent: `(inhparent)`.
pub const INHERITS_BY_PARENT: CatalogIndex = CatalogIndex {
    catalog: 2611,
    index: 2187,
    key_procs: &[pg_sys::F_OIDEQ],
};

/// `pg_class`, for a scan of every row of one kind.
pub const PG_CLASS: pg_sys::Oid = pg_sys::RelationRelationId;

/// `pg_attrdef`'s OID, as `pg_depend.classid` names it.
pub const PG_ATTRDEF: pg_sys::Oid = pg_sys::Oid::from_u32(2604);

// The row structs below (and `catalog_lookup::SequenceRow`) are copied by hand from
// PostgreSQL's catalog headers: pgrx 0.18 has no bindings for these catalogs. They are the same
// from 13 to 18; change them only with the headers (docs/architecture.md).

/// `FormData_pg_depend` (catalog/pg_depend.h), the same on every supported major.
#[repr(C)]
pub struct DependRow {
    pub classid: pg_sys::Oid,
    pub objid: pg_sys::Oid,
    pub objsubid: i32,
    pub refclassid: pg_sys::Oid,
    pub refobjid: pg_sys::Oid,
    pub refobjsubid: i32,
    pub deptype: std::ffi::c_char,
}

impl DependRow {
    /// `(classid, objid)`: the key of `DEPEND_BY_DEPENDER`.
    pub fn depender(&self) -> (pg_sys::Oid, pg_sys::Oid) {
        (self.classid, self.objid)
    }

    /// `(refclassid, refobjid)`: the key of `DEPEND_BY_REFERENCED`.
    pub fn referenced(&self) -> (pg_sys::Oid, pg_sys::Oid) {
        (self.refclassid, self.refobjid)
    }
}

/// The fixed part of `FormData_pg_attrdef` (catalog/pg_attrdef.h); `adbin` follows.
#[repr(C)]
pub struct AttrdefRow {
    pub oid: pg_sys::Oid,
    pub adrelid: pg_sys::Oid,
    pub adnum: i16,
}

/// `pg_attrdef.adbin`'s column number.
const ANUM_ATTRDEF_ADBIN: i32 = 4;

/// The leading part of `FormData_pg_inherits` (catalog/pg_inherits.h), common to every major.
#[repr(C)]
pub struct InheritsRow {
    pub inhrelid: pg_sys::Oid,
    pub inhparent: pg_sys::Oid,
    pub inhseqno: i32,
}

/// Whether `which`'s index may be read: not while `ignore_system_indexes` is on (the way around
/// a damaged catalog index) or the index is being rebuilt, as `systable_beginscan` decides.
fn index_usable(which: &CatalogIndex) -> bool {
    // SAFETY: reads a setting and this backend's reindex state.
    unsafe {
        !pg_sys::IgnoreSystemIndexes
            && !pg_sys::ReindexIsProcessingIndex(pg_sys::Oid::from(which.index))
    }
}

/// One catalog index scan, rescanned for each key; closed when dropped. Where the index may
/// not be read (`index_usable`), each key is looked up by `systable_beginscan`, which then
/// reads the catalog sequentially.
pub struct CatalogScan {
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    /// NULL where the index may not be read.
    scan: pg_sys::IndexScanDesc,
    slot: *mut pg_sys::TupleTableSlot,
    keys: Vec<pg_sys::ScanKeyData>,
    snapshot: pg_sys::Snapshot,
}

impl CatalogScan {
    pub fn open(which: &CatalogIndex) -> CatalogScan {
        let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
        // SAFETY: a system catalog and one of its own indexes (fixed OIDs), opened and locked
        // as every catalog reader does, and read under a registered catalog snapshot (as
        // systable_beginscan does); each key compares a leading index column with a built-in
        // equality procedure of its type. Everything is released by Drop.
        unsafe {
            let heap = pg_sys::table_open(pg_sys::Oid::from(which.catalog), lock);
            let snapshot = pg_sys::RegisterSnapshot(pg_sys::GetCatalogSnapshot(pg_sys::Oid::from(
                which.catalog,
            )));
            let index = pg_sys::index_open(pg_sys::Oid::from(which.index), lock);
            let mut keys: Vec<pg_sys::ScanKeyData> = Vec::with_capacity(which.key_procs.len());
            for (column, proc) in which.key_procs.iter().enumerate() {
                let mut key: pg_sys::ScanKeyData = std::mem::zeroed();
                pg_sys::ScanKeyInit(
                    &mut key,
                    (column + 1) as pg_sys::AttrNumber,
                    pg_sys::BTEqualStrategyNumber as pg_sys::StrategyNumber,
                    pg_sys::Oid::from(*proc),
                    pg_sys::Datum::from(0),
                );
                keys.push(key);
            }
            let scan = if index_usable(which) {
                super::scan::begin_index_scan(heap, index, snapshot, keys.len() as i32)
            } else {
                std::ptr::null_mut()
            };
            CatalogScan {
                heap,
                index,
                scan,
                slot: pg_sys::table_slot_create(heap, std::ptr::null_mut()),
                keys,
                snapshot,
            }
        }
    }

    /// Calls `each` with every row whose leading index columns equal `key` (one value per
    /// column of the `CatalogIndex`). A row is valid only during its call.
    pub fn for_each(&mut self, key: &[pg_sys::Datum], mut each: impl FnMut(CatalogRow<'_>)) {
        assert_eq!(key.len(), self.keys.len(), "one value per key column");
        for (scan_key, value) in self.keys.iter_mut().zip(key) {
            scan_key.sk_argument = *value;
        }
        if self.scan.is_null() {
            self.for_each_without_index(&mut each);
            return;
        }
        // SAFETY: the scan, its keys and slot are live; each tuple is read while the slot
        // still holds it (until the next index_getnext_slot).
        unsafe {
            pg_sys::index_rescan(
                self.scan,
                self.keys.as_mut_ptr(),
                self.keys.len() as i32,
                std::ptr::null_mut(),
                0,
            );
            while pg_sys::index_getnext_slot(
                self.scan,
                pg_sys::ScanDirection::ForwardScanDirection,
                self.slot,
            ) {
                let mut should_free = false;
                let tuple = pg_sys::ExecFetchSlotHeapTuple(self.slot, false, &mut should_free);
                each(CatalogRow {
                    tuple,
                    descriptor: (*self.heap).rd_att,
                    _scan: std::marker::PhantomData,
                });
                if should_free {
                    pg_sys::heap_freetuple(tuple);
                }
            }
        }
    }
}

impl CatalogScan {
    /// `for_each` through `systable_beginscan`, whose keys name the catalog's own columns.
    fn for_each_without_index(&mut self, each: &mut impl FnMut(CatalogRow<'_>)) {
        // SAFETY: the index's key columns are columns of the catalog (indkey), with the
        // built-in equality procedures `open` set; the catalog stays open while the scan lives.
        unsafe {
            let columns = (*(*self.index).rd_index)
                .indkey
                .values
                .as_slice(self.keys.len());
            let mut keys = self.keys.clone();
            for (key, column) in keys.iter_mut().zip(columns) {
                key.sk_attno = *column;
            }
            let mut scan = SysScan::begin(
                self.heap,
                (*self.index).rd_id,
                true,
                self.snapshot,
                &mut keys,
            );
            while let Some(row) = scan.next() {
                each(row);
            }
        }
    }
}

impl Drop for CatalogScan {
    fn drop(&mut self) {
        if super::may_release() {
            let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
            // SAFETY: ends the scan, releases its snapshot and closes the relations opened in
            // `open`, once.
            unsafe {
                pg_sys::ExecDropSingleTupleTableSlot(self.slot);
                if !self.scan.is_null() {
                    pg_sys::index_endscan(self.scan);
                }
                pg_sys::UnregisterSnapshot(self.snapshot);
                pg_sys::index_close(self.index, lock);
                pg_sys::table_close(self.heap, lock);
            }
        }
    }
}

/// One catalog row, borrowed from its scan.
pub struct CatalogRow<'scan> {
    tuple: pg_sys::HeapTuple,
    descriptor: pg_sys::TupleDesc,
    _scan: std::marker::PhantomData<&'scan ()>,
}

/// One `systable_beginscan` ... `systable_endscan`: a scan of a catalog-like heap table through
/// one of its indexes or sequentially, ended when dropped (on an error the abort ends it).
pub struct SysScan {
    scan: pg_sys::SysScanDesc,
    descriptor: pg_sys::TupleDesc,
}

impl SysScan {
    /// Begins the scan. `index` is used if `use_index` (else the heap is read and the keys are
    /// tested on each row); a NULL `snapshot` is the catalog snapshot.
    ///
    /// # Safety
    /// `heap` must be open and locked for as long as the scan lives, `index` one of its indexes
    /// (or invalid without `use_index`), each key on a column of `heap` with a built-in
    /// procedure of its type, and `snapshot` NULL or valid for as long as the scan lives.
    pub unsafe fn begin(
        heap: pg_sys::Relation,
        index: pg_sys::Oid,
        use_index: bool,
        snapshot: pg_sys::Snapshot,
        keys: &mut [pg_sys::ScanKeyData],
    ) -> SysScan {
        // SAFETY: the caller's relation, index, keys and snapshot; systable_beginscan copies
        // the keys.
        unsafe {
            SysScan {
                scan: pg_sys::systable_beginscan(
                    heap,
                    index,
                    use_index,
                    snapshot,
                    keys.len() as i32,
                    keys.as_mut_ptr(),
                ),
                descriptor: (*heap).rd_att,
            }
        }
    }

    /// The next row, valid until the next call.
    pub fn next(&mut self) -> Option<CatalogRow<'_>> {
        // SAFETY: a live scan; the tuple stays valid until the next systable_getnext.
        let tuple = unsafe { pg_sys::systable_getnext(self.scan) };
        (!tuple.is_null()).then_some(CatalogRow {
            tuple,
            descriptor: self.descriptor,
            _scan: std::marker::PhantomData,
        })
    }
}

impl Drop for SysScan {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: ends the scan begun in `begin`, once.
            unsafe { pg_sys::systable_endscan(self.scan) };
        }
    }
}

impl CatalogRow<'_> {
    /// The row as the catalog's fixed-size `FormData_*` struct (or a leading part of it).
    ///
    /// # Safety
    /// `T` must be the fixed part of this catalog's rows, or a `repr(C)` prefix of it.
    pub unsafe fn form<T>(&self) -> &T {
        // SAFETY: the caller names the struct; the tuple outlives the borrow.
        unsafe { &*pg_sys::heap_tuple_get_struct::<T>(self.tuple) }
    }

    /// A `text`-like column (`text`, `pg_node_tree`) as a Rust string; `None` for NULL.
    ///
    /// # Safety
    /// Column `attnum` of this catalog must have a `text`-compatible type.
    pub unsafe fn text(&self, attnum: i32) -> Option<std::ffi::CString> {
        let mut is_null = false;
        // SAFETY: the caller's column of this row, read with the catalog's own descriptor;
        // text_to_cstring detoasts and returns a palloc'd copy, freed once read.
        unsafe {
            let datum = pg_sys::heap_getattr(self.tuple, attnum, self.descriptor, &mut is_null);
            if is_null {
                return None;
            }
            let copy = pg_sys::text_to_cstring(datum.cast_mut_ptr());
            let text = std::ffi::CStr::from_ptr(copy).to_owned();
            pg_sys::pfree(copy.cast());
            Some(text)
        }
    }

    /// Column `attnum` of this row as a datum; `None` for NULL.
    ///
    /// # Safety
    /// `attnum` must be a column of this row's table, and its type passed by value (the datum
    /// of a by-reference type points into the tuple, valid only during the row's call).
    pub unsafe fn datum(&self, attnum: i16) -> Option<pg_sys::Datum> {
        let mut is_null = false;
        // SAFETY: the caller's column, read with the table's own descriptor.
        let datum = unsafe {
            pg_sys::heap_getattr(self.tuple, attnum.into(), self.descriptor, &mut is_null)
        };
        (!is_null).then_some(datum)
    }

    /// `pg_attrdef.adbin` of this `pg_attrdef` row.
    ///
    /// # Safety
    /// The row must come from `pg_attrdef`.
    pub unsafe fn attrdef_adbin(&self) -> Option<std::ffi::CString> {
        // SAFETY: adbin is pg_attrdef's pg_node_tree column.
        unsafe { self.text(ANUM_ATTRDEF_ADBIN) }
    }
}

/// The transactions still in progress (other than this one) that inserted a row of `which`'s
/// catalog whose leading index columns equal one of `keys`: uncommitted DDL (a default, an
/// `OWNED BY`, a partition or inheritance child) that this transaction's catalog snapshot does
/// not show yet. Read under a dirty snapshot, which reports such a row's inserter.
pub fn uncommitted_inserters(
    which: &CatalogIndex,
    keys: &[Vec<pg_sys::Datum>],
) -> Vec<pg_sys::TransactionId> {
    let mut inserters = Vec::new();
    if keys.is_empty() {
        return inserters;
    }
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    // SAFETY: a system catalog and its own index, scanned by systable_beginscan (which falls
    // back to a heap scan where the index may not be read) under a dirty snapshot boxed so
    // that its address stays put; each scan ends before the next, and the relation is closed
    // below (on an error the abort does it). Each key compares a leading index column with a
    // built-in equality procedure.
    unsafe {
        let heap = pg_sys::table_open(pg_sys::Oid::from(which.catalog), lock);
        let index = pg_sys::index_open(pg_sys::Oid::from(which.index), lock);
        // systable_beginscan takes keys on the catalog's own columns (the index's indkey).
        let columns: Vec<pg_sys::AttrNumber> = (*(*index).rd_index)
            .indkey
            .values
            .as_slice(which.key_procs.len())
            .to_vec();
        pg_sys::index_close(index, lock);
        let mut snapshot = super::scan::dirty_snapshot();
        for key in keys {
            let mut scan_keys: Vec<pg_sys::ScanKeyData> = Vec::with_capacity(key.len());
            for ((column, proc), value) in columns.iter().zip(which.key_procs).zip(key) {
                let mut scan_key: pg_sys::ScanKeyData = std::mem::zeroed();
                pg_sys::ScanKeyInit(
                    &mut scan_key,
                    *column,
                    pg_sys::BTEqualStrategyNumber as pg_sys::StrategyNumber,
                    pg_sys::Oid::from(*proc),
                    *value,
                );
                scan_keys.push(scan_key);
            }
            let mut scan = SysScan::begin(
                heap,
                pg_sys::Oid::from(which.index),
                index_usable(which),
                &mut *snapshot,
                &mut scan_keys,
            );
            while scan.next().is_some() {
                if snapshot.xmin != pg_sys::InvalidTransactionId {
                    inserters.push(snapshot.xmin);
                }
            }
        }
        pg_sys::table_close(heap, lock);
    }
    inserters.sort_unstable_by_key(|xid| u32::from(*xid));
    inserters.dedup();
    inserters
}

/// How a catalog is read for a set of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Each key looked up through the index.
    ByIndex,
    /// The whole catalog read once, each row tested against the keys.
    Sequential,
}

impl Access {
    /// The cheaper way to make `lookups` index lookups in `which`: few keys through the index;
    /// so many that reading the whole catalog once costs less (a sweep of a whole database),
    /// sequentially.
    pub fn for_lookups(which: &CatalogIndex, lookups: usize) -> Access {
        if !index_usable(which) || sequential_is_cheaper(which, lookups) {
            Access::Sequential
        } else {
            Access::ByIndex
        }
    }
}

/// Calls `each` with every row of `which`'s catalog whose leading index columns equal one of
/// `keys`, and that key. `datums` gives a key's values for the index columns; `key_of` reads
/// the same columns from a row. Where the index's later columns are the same for all rows of a
/// key (as for a sequence's rows in `pg_depend`), rows come in the same order either way: the
/// index orders equal keys by heap position.
pub fn rows_for_keys<K: Copy + Eq + std::hash::Hash>(
    which: &CatalogIndex,
    access: Access,
    keys: &[K],
    datums: impl Fn(K) -> Vec<pg_sys::Datum>,
    key_of: impl Fn(&CatalogRow<'_>) -> K,
    mut each: impl FnMut(K, CatalogRow<'_>),
) {
    if keys.is_empty() {
        return;
    }
    if access == Access::ByIndex {
        let mut scan = CatalogScan::open(which);
        for &key in keys {
            scan.for_each(&datums(key), |row| each(key, row));
        }
        return;
    }
    let wanted: HashSet<K> = keys.iter().copied().collect();
    all_rows(which, |row| {
        let key = key_of(&row);
        if wanted.contains(&key) {
            each(key, row);
        }
    });
}

/// Calls `each` with every row of `which`'s catalog, read sequentially.
pub fn all_rows(which: &CatalogIndex, each: impl FnMut(CatalogRow<'_>)) {
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    // SAFETY: a system catalog, opened and locked as every catalog reader does; closed below
    // (on an error the abort does it).
    unsafe {
        let heap = pg_sys::table_open(pg_sys::Oid::from(which.catalog), lock);
        scan_heap(heap, each);
        pg_sys::table_close(heap, lock);
    }
}

/// Calls `each` with every row of `table`, a catalog-like heap table (an extension's metadata
/// in `pg_catalog`), read sequentially under the catalog snapshot.
pub fn rows_of(table: &super::relation::OpenRelation, each: impl FnMut(CatalogRow<'_>)) {
    assert!(table.is_heap_table(), "a heap scan reads heap tables only");
    // SAFETY: an open heap table, checked above.
    unsafe { scan_heap(table.raw(), each) }
}

/// A sequential scan of `heap` under the catalog snapshot.
///
/// # Safety
/// `heap` must be an open, locked heap table.
unsafe fn scan_heap(heap: pg_sys::Relation, mut each: impl FnMut(CatalogRow<'_>)) {
    // SAFETY: the caller's open heap, no index, no keys, the catalog snapshot (NULL).
    let mut scan = unsafe {
        SysScan::begin(
            heap,
            pg_sys::Oid::INVALID,
            false,
            std::ptr::null_mut(),
            &mut [],
        )
    };
    while let Some(row) = scan.next() {
        each(row);
    }
}

/// Whether reading all of `which`'s catalog once costs less than `keys` index lookups. Measured
/// on a 10,000-table database: a lookup (descending the index, visiting the heap) costs about
/// as much as reading six rows sequentially and testing each against the keys.
fn sequential_is_cheaper(which: &CatalogIndex, keys: usize) -> bool {
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    // SAFETY: opens a system catalog to read its size and row estimate; closed at once.
    let (pages, rows) = unsafe {
        let heap = pg_sys::table_open(pg_sys::Oid::from(which.catalog), lock);
        let pages = pg_sys::RelationGetNumberOfBlocksInFork(heap, pg_sys::ForkNumber::MAIN_FORKNUM);
        let rows = (*(*heap).rd_rel).reltuples;
        pg_sys::table_close(heap, lock);
        (f64::from(pages), f64::from(rows))
    };
    // Never analysed (-1): assume full pages.
    let rows = if rows < 0.0 { pages * 100.0 } else { rows };
    keys as f64 * 6.0 >= rows.max(pages)
}

/// Every row of `pg_class` of kind `relkind`, by a sequential scan of the catalog (no index
/// leads with the kind).
pub fn classes_of_kind(relkind: u8, mut each: impl FnMut(&pg_sys::FormData_pg_class)) {
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    // SAFETY: a heap scan of pg_class with one key comparing relkind through the built-in
    // char equality; each row is read during its call; the relation is closed below, after
    // the scan (on an error the abort does it).
    unsafe {
        let heap = pg_sys::table_open(PG_CLASS, lock);
        let mut key: pg_sys::ScanKeyData = std::mem::zeroed();
        pg_sys::ScanKeyInit(
            &mut key,
            pg_sys::Anum_pg_class_relkind as pg_sys::AttrNumber,
            pg_sys::BTEqualStrategyNumber as pg_sys::StrategyNumber,
            pg_sys::Oid::from(pg_sys::F_CHAREQ),
            pg_sys::Datum::from(relkind as std::ffi::c_char),
        );
        let mut scan = SysScan::begin(
            heap,
            pg_sys::Oid::INVALID,
            false,
            std::ptr::null_mut(),
            std::slice::from_mut(&mut key),
        );
        while let Some(row) = scan.next() {
            each(row.form::<pg_sys::FormData_pg_class>());
        }
        drop(scan);
        pg_sys::table_close(heap, lock);
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::*;
    use pgrx::prelude::*;

    fn oid_of(name: &str) -> u32 {
        let oid =
            Spi::get_one::<pg_sys::Oid>(&format!("SELECT '{name}'::pg_catalog.regclass::oid"))
                .unwrap()
                .unwrap();
        u32::from(oid)
    }

    #[pg_test]
    fn catalog_oids_are_the_servers() {
        for (which, catalog, index) in [
            (&DEPEND_BY_DEPENDER, "pg_depend", "pg_depend_depender_index"),
            (
                &DEPEND_BY_REFERENCED,
                "pg_depend",
                "pg_depend_reference_index",
            ),
            (&ATTRDEF_BY_OID, "pg_attrdef", "pg_attrdef_oid_index"),
            (
                &ATTRDEF_BY_TABLE,
                "pg_attrdef",
                "pg_attrdef_adrelid_adnum_index",
            ),
            (
                &INHERITS_BY_CHILD,
                "pg_inherits",
                "pg_inherits_relid_seqno_index",
            ),
            (
                &INHERITS_BY_PARENT,
                "pg_inherits",
                "pg_inherits_parent_index",
            ),
        ] {
            assert_eq!(which.catalog, oid_of(catalog), "{catalog}");
            assert_eq!(which.index, oid_of(index), "{index}");
        }
        let adbin = Spi::get_one::<i16>(
            "SELECT attnum FROM pg_catalog.pg_attribute
              WHERE attrelid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND attname = 'adbin'",
        );
        assert_eq!(adbin.unwrap(), Some(ANUM_ATTRDEF_ADBIN as i16));
    }

    #[pg_test]
    fn a_rescanned_scan_finds_each_keys_rows() {
        Spi::run("CREATE TABLE scanned_a (id serial, b bigserial)").unwrap();
        Spi::run("CREATE TABLE scanned_b (id serial)").unwrap();
        let a = pg_sys::Oid::from(oid_of("scanned_a"));
        let b = pg_sys::Oid::from(oid_of("scanned_b"));
        let mut scan = CatalogScan::open(&DEPEND_BY_REFERENCED);
        let mut owned_columns = |table: pg_sys::Oid| {
            let mut columns = Vec::new();
            let key = [
                pg_sys::Datum::from(pg_sys::RelationRelationId),
                pg_sys::Datum::from(table),
            ];
            scan.for_each(&key, |row| {
                // SAFETY: a pg_depend row.
                let dep = unsafe { row.form::<DependRow>() };
                if dep.deptype as u8 == b'a' && dep.classid == pg_sys::RelationRelationId {
                    columns.push(dep.refobjsubid);
                }
            });
            columns.sort();
            columns
        };
        assert_eq!(owned_columns(a), vec![1, 2]);
        assert_eq!(owned_columns(b), vec![1]);
        assert_eq!(owned_columns(a), vec![1, 2]);
    }
}
