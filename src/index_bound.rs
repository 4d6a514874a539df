//! Reading MAX (or MIN) of an integer column straight from a btree index on it.
//!
//! The same walk the planner's min/max optimisation plans (`Index Scan Backward ... IS NOT
//! NULL`, first visible tuple), without parsing, planning or starting an executor. Used where a
//! bound must be cheap: the check after every write. Anything else — a table with partitions
//! or children, a numeric column, no suitable index — goes through SQL.

use crate::bound::Direction;
use crate::catalog::Consumer;
use pgrx::prelude::*;

/// A consumer column whose bound can be read from an index.
#[derive(Debug, Clone, Copy)]
pub struct IndexedColumn {
    table: pg_sys::Oid,
    index: pg_sys::Oid,
    attnum: i16,
    base_type: pg_sys::Oid,
    /// The index keeps the column in descending order (`DESC`).
    descending_index: bool,
}

impl IndexedColumn {
    /// The consumer's bound can be read from its index: an integer column with a usable btree
    /// index (see `Consumer::index`) on a table without partitions or children.
    pub fn of(consumer: &Consumer) -> Option<IndexedColumn> {
        let integer =
            [pg_sys::INT2OID, pg_sys::INT4OID, pg_sys::INT8OID].contains(&consumer.base_type);
        let (index, descending_index) = consumer.index?;
        (integer && !consumer.has_children).then_some(IndexedColumn {
            table: consumer.relation,
            index,
            attnum: consumer.attnum,
            base_type: consumer.base_type,
            descending_index,
        })
    }
}

/// Which rows count.
#[derive(Debug, Clone, Copy)]
pub enum Visibility {
    /// The caller's active (MVCC) snapshot, as a query would see them.
    ActiveSnapshot,
    /// Committed rows and this transaction's own, the current statement's included
    /// (`SnapshotSelf`): what the check after a write needs, with no new snapshot to take. A row
    /// committed by another session a moment ago counts too, which can only make the bound
    /// larger, never miss a value in use.
    CommittedAndOwn,
}

/// The largest (`Ascending`) or smallest (`Descending`) non-NULL value among the rows that
/// `visibility` lets count, or `None` when there is none.
pub fn read(column: &IndexedColumn, direction: Direction, visibility: Visibility) -> Option<i64> {
    let backward = (direction == Direction::Ascending) != column.descending_index;
    let scan_direction = if backward {
        pg_sys::ScanDirection::BackwardScanDirection
    } else {
        pg_sys::ScanDirection::ForwardScanDirection
    };
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    // SAFETY: the table and index exist (their OIDs come from a catalog read invalidated by any
    // DDL on them) and are locked here in AccessShareLock, as a SELECT would; the scan, slot
    // and relations are released in reverse order before returning.
    unsafe {
        let heap = pg_sys::relation_open(column.table, lock);
        let index = pg_sys::index_open(column.index, lock);
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
        let snapshot = match visibility {
            Visibility::ActiveSnapshot => pg_sys::GetActiveSnapshot(),
            Visibility::CommittedAndOwn => &raw mut pg_sys::SnapshotSelfData,
        };
        let scan = begin_scan(heap, index, snapshot);
        pg_sys::index_rescan(scan, &mut not_null, 1, std::ptr::null_mut(), 0);
        let slot = pg_sys::table_slot_create(heap, std::ptr::null_mut());
        let mut value = None;
        if pg_sys::index_getnext_slot(scan, scan_direction, slot) {
            let mut is_null = false;
            let datum = pg_sys::slot_getattr(slot, column.attnum.into(), &mut is_null);
            if !is_null {
                value = Some(match column.base_type {
                    pg_sys::INT2OID => i64::from(datum.value() as i16),
                    pg_sys::INT4OID => i64::from(datum.value() as i32),
                    _ => datum.value() as i64,
                });
            }
        }
        pg_sys::ExecDropSingleTupleTableSlot(slot);
        pg_sys::index_endscan(scan);
        pg_sys::index_close(index, lock);
        pg_sys::relation_close(heap, lock);
        value
    }
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
    pg_sys::index_beginscan(heap, index, snapshot, 1, 0)
}

#[cfg(feature = "pg18")]
unsafe fn begin_scan(
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
) -> pg_sys::IndexScanDesc {
    // PostgreSQL 18 added an instrumentation argument.
    pg_sys::index_beginscan(heap, index, snapshot, std::ptr::null_mut(), 1, 0)
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::{read, IndexedColumn, Visibility};
    use crate::bound::Direction;
    use crate::catalog::{self, Scope};
    use crate::snapshot::with_fresh_snapshot;
    use pgrx::prelude::*;

    /// Creates `table` with column `id` of `column_type` drawing from a new sequence, runs
    /// `extra` (indexes, rows), and returns the indexed column behind it, if usable.
    fn column(table: &str, column_type: &str, extra: &str) -> Option<IndexedColumn> {
        Spi::run(&format!(
            "CREATE SEQUENCE {table}_s;
             CREATE TABLE {table} (id {column_type} DEFAULT nextval('{table}_s'));
             {extra}"
        ))
        .unwrap();
        Spi::connect(|client| {
            let oid = client
                .select(&format!("SELECT '{table}_s'::regclass::oid"), None, &[])?
                .first()
                .get_one::<pg_sys::Oid>()?
                .unwrap();
            let sequences = catalog::load(client, &Scope::Sequences(&[oid]))?;
            Ok::<_, pgrx::spi::Error>(IndexedColumn::of(&sequences[0].consumers[0]))
        })
        .unwrap()
    }

    const ROWS: &str = "INSERT INTO {t} VALUES (NULL), (-7), (3), (42), (NULL);";

    #[pg_test]
    fn reads_max_and_min_from_an_ascending_index() {
        let id = column(
            "asc_t",
            "int",
            &format!(
                "CREATE INDEX ON asc_t (id); {}",
                ROWS.replace("{t}", "asc_t")
            ),
        )
        .expect("a plain btree index is usable");
        assert_eq!(
            with_fresh_snapshot(|| read(&id, Direction::Ascending, Visibility::ActiveSnapshot)),
            Some(42)
        );
        assert_eq!(
            read(&id, Direction::Descending, Visibility::CommittedAndOwn),
            Some(-7)
        );
    }

    #[pg_test]
    fn reads_max_and_min_from_a_descending_index() {
        let id = column(
            "desc_t",
            "bigint",
            &format!(
                "CREATE INDEX ON desc_t (id DESC NULLS LAST); {}",
                ROWS.replace("{t}", "desc_t")
            ),
        )
        .expect("a DESC btree index is usable");
        assert_eq!(
            with_fresh_snapshot(|| read(&id, Direction::Ascending, Visibility::ActiveSnapshot)),
            Some(42)
        );
        assert_eq!(
            read(&id, Direction::Descending, Visibility::CommittedAndOwn),
            Some(-7)
        );
    }

    #[pg_test]
    fn smallint_values_and_an_empty_index() {
        let id = column(
            "small_t",
            "smallint",
            "CREATE UNIQUE INDEX ON small_t (id);",
        )
        .expect("a unique index is usable");
        assert_eq!(
            with_fresh_snapshot(|| read(&id, Direction::Ascending, Visibility::ActiveSnapshot)),
            None
        );
        Spi::run("INSERT INTO small_t VALUES (32767), (-32768)").unwrap();
        assert_eq!(
            with_fresh_snapshot(|| read(&id, Direction::Ascending, Visibility::ActiveSnapshot)),
            Some(32767)
        );
        assert_eq!(
            read(&id, Direction::Descending, Visibility::CommittedAndOwn),
            Some(-32768)
        );
    }

    #[pg_test]
    fn unusable_indexes_are_refused() {
        assert!(column("no_index", "int", "").is_none());
        assert!(column(
            "partial",
            "int",
            "CREATE INDEX ON partial (id) WHERE id > 0;"
        )
        .is_none());
        assert!(column("expr", "int", "CREATE INDEX ON expr ((id + 1));").is_none());
        assert!(column(
            "second_key",
            "int",
            "ALTER TABLE second_key ADD COLUMN k int; CREATE INDEX ON second_key (k, id);"
        )
        .is_none());
        assert!(column("hashed", "int", "CREATE INDEX ON hashed USING hash (id);").is_none());
        assert!(column("num", "numeric", "CREATE INDEX ON num (id);").is_none());
    }
}
