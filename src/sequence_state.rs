//! A sequence's position and options, read without SQL: the position from the sequence's own
//! page (as nextval() reads it), the options from the syscache. Call it while holding a lock
//! that keeps nextval() and ALTER SEQUENCE out when the answer must stay true.

use crate::plan::SequenceState;
use pgrx::pg_sys;

/// `FormData_pg_sequence` (catalog/pg_sequence.h), the same on PostgreSQL 10 and later.
#[repr(C)]
struct PgSequenceRow {
    seqrelid: pg_sys::Oid,
    seqtypid: pg_sys::Oid,
    seqstart: i64,
    seqincrement: i64,
    seqmax: i64,
    seqmin: i64,
    seqcache: i64,
    seqcycle: bool,
}

/// `FormData_pg_sequence_data` (commands/sequence.h): the one tuple on a sequence's page.
#[repr(C)]
struct SequenceData {
    last_value: i64,
    log_cnt: i64,
    is_called: bool,
}

pub fn read(sequence: pg_sys::Oid) -> SequenceState {
    // SAFETY: `sequence` is an existing sequence (from the catalog, locked or in use by the
    // caller). The syscache tuple is released, the buffer read under a share lock and released,
    // and the relation closed, before returning; nothing here can leave state behind on error.
    unsafe {
        let options = pg_sys::SearchSysCache1(
            pg_sys::SysCacheIdentifier::SEQRELID as _,
            pg_sys::Datum::from(sequence),
        );
        if options.is_null() {
            pgrx::error!(
                "pg_seqsync: cache lookup failed for sequence {}",
                u32::from(sequence)
            );
        }
        let row = &*pg_sys::heap_tuple_get_struct::<PgSequenceRow>(options);
        let (increment, min_value, max_value, start_value, cycle) = (
            row.seqincrement,
            row.seqmin,
            row.seqmax,
            row.seqstart,
            row.seqcycle,
        );
        pg_sys::ReleaseSysCache(options);

        let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
        let relation = pg_sys::relation_open(sequence, lock);
        let buffer = pg_sys::ReadBuffer(relation, 0);
        pg_sys::LockBuffer(buffer, pg_sys::BUFFER_LOCK_SHARE as _);
        let page = pg_sys::BufferGetPage(buffer);
        let item = pg_sys::PageGetItemId(page, pg_sys::FirstOffsetNumber as _);
        let header = pg_sys::PageGetItem(page, item).cast::<pg_sys::HeapTupleHeaderData>();
        let data = &*header
            .cast::<u8>()
            .add((*header).t_hoff as usize)
            .cast::<SequenceData>();
        let (last_value, is_called) = (data.last_value, data.is_called);
        pg_sys::UnlockReleaseBuffer(buffer);
        pg_sys::relation_close(relation, lock);

        SequenceState {
            last_value,
            is_called,
            increment,
            min_value,
            max_value,
            start_value,
            cycle,
        }
    }
}

/// Makes the next nextval() return exactly `next`, through setval() itself (which checks the
/// caller's UPDATE privilege and WAL-logs the change).
pub fn set_next(sequence: pg_sys::Oid, next: i64) {
    // SAFETY: a plain fmgr call of the built-in setval(regclass, bigint, boolean).
    unsafe {
        pgrx::fcinfo::direct_function_call::<i64>(
            pg_sys::setval3_oid,
            &[
                Some(pg_sys::Datum::from(sequence)),
                Some(pg_sys::Datum::from(next)),
                Some(pg_sys::Datum::from(false)),
            ],
        );
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn oid(name: &str) -> pg_sys::Oid {
        Spi::get_one::<pg_sys::Oid>(&format!("SELECT '{name}'::regclass::oid"))
            .unwrap()
            .unwrap()
    }

    #[pg_test]
    fn reads_what_sql_shows() {
        Spi::run("CREATE SEQUENCE st INCREMENT BY -3 MINVALUE -1000 MAXVALUE 50 START 20 CYCLE")
            .unwrap();
        let fresh = super::read(oid("st"));
        assert_eq!((fresh.last_value, fresh.is_called), (20, false));
        assert_eq!(
            (
                fresh.increment,
                fresh.min_value,
                fresh.max_value,
                fresh.start_value,
                fresh.cycle
            ),
            (-3, -1000, 50, 20, true)
        );
        Spi::run("SELECT nextval('st'), nextval('st')").unwrap();
        let called = super::read(oid("st"));
        assert_eq!((called.last_value, called.is_called), (17, true));
    }

    #[pg_test]
    fn set_next_makes_nextval_return_exactly_that_value() {
        Spi::run("CREATE SEQUENCE exact_seq MINVALUE 5 START 5").unwrap();
        super::set_next(oid("exact_seq"), 5);
        assert_eq!(
            Spi::get_one::<i64>("SELECT nextval('exact_seq')").unwrap(),
            Some(5)
        );
        super::set_next(oid("exact_seq"), 900);
        assert_eq!(
            Spi::get_one::<i64>("SELECT nextval('exact_seq')").unwrap(),
            Some(900)
        );
    }
}
