//! A sequence's position and options, read without SQL: the position from the sequence's own
//! page (as nextval() reads it), the options from the syscache. Call it while holding a lock
//! that keeps nextval() and ALTER SEQUENCE out when the answer must stay true.

use crate::pg::buffer::SharedPage;
use crate::pg::catalog_lookup::SequenceRow;
use crate::pg::relation::OpenRelation;
use crate::pg::syscache::CacheEntry;
use crate::resync::bound::Direction;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// The magic number in a sequence page's special space (commands/sequence.c).
const SEQUENCE_MAGIC: u32 = 0x1717;

/// A sequence's options and position, as read under the resync lock.
#[derive(Debug, Clone, Copy)]
pub struct SequenceState {
    pub last_value: i64,
    pub is_called: bool,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub start_value: i64,
    pub cycle: bool,
}

impl SequenceState {
    pub fn direction(&self) -> Direction {
        Direction::of_increment(self.increment)
    }

    /// The value the next `nextval()` returns, or `None` when it would fail (exhausted).
    pub fn next_value(&self) -> Option<i64> {
        if !self.is_called {
            return Some(self.last_value);
        }
        let next = i128::from(self.last_value) + i128::from(self.increment);
        self.in_range(next).then_some(next as i64)
    }

    /// The value the next `nextval()` would return were there no MAXVALUE (MINVALUE): what the
    /// data must reach for the sequence to be behind, exhausted or not.
    pub fn next_unbounded(&self) -> i128 {
        if self.is_called {
            i128::from(self.last_value) + i128::from(self.increment)
        } else {
            i128::from(self.last_value)
        }
    }

    /// How far `next` is past `target` in the sequence's direction; negative means behind.
    pub fn ahead_by(&self, next: i128, target: i128) -> i128 {
        (next - target) * i128::from(self.increment.signum())
    }

    pub fn in_range(&self, value: i128) -> bool {
        (i128::from(self.min_value)..=i128::from(self.max_value)).contains(&value)
    }
}

/// `FormData_pg_sequence_data` (commands/sequence.h): the one tuple on a sequence's page.
#[repr(C)]
struct SequenceData {
    last_value: i64,
    log_cnt: i64,
    is_called: bool,
}

/// Raises the error for a sequence that is gone, or no longer what discovery found.
pub fn gone(sequence: pg_sys::Oid, what: &str) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
        format!(
            "pg_seqsync: sequence with OID {} {what}",
            u32::from(sequence)
        ),
        "pg_seqsync",
    )
    .report(PgLogLevel::ERROR);
    unreachable!("an ERROR does not return")
}

/// The sequence's position and options. Its lock is taken with a bounded wait (55P03 past
/// `pg_seqsync.lock_timeout`), and the relation is checked to be a sequence, whose one page
/// carries the sequence magic, before its page is read.
pub fn read(sequence: pg_sys::Oid) -> SequenceState {
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    let Some(relation) = OpenRelation::open(sequence, lock, crate::settings::wait_limit()) else {
        gone(sequence, "was dropped during the resync");
    };
    if relation.kind() != pg_sys::RELKIND_SEQUENCE {
        gone(sequence, "is no longer a sequence");
    }
    let Some(options) = CacheEntry::search(pg_sys::SysCacheIdentifier::SEQRELID, sequence) else {
        gone(sequence, "has no pg_sequence row");
    };
    // SAFETY: the SEQRELID cache holds pg_sequence rows.
    let row = unsafe { options.form::<SequenceRow>() };
    let page = SharedPage::read(&relation, 0);
    // SAFETY: the page of an open, locked sequence, pinned and share-locked.
    let magic = unsafe { *pg_sys::PageGetSpecialPointer(page.page()).cast::<u32>() };
    if magic != SEQUENCE_MAGIC {
        // Raised with the buffer released: an ERROR raised from Rust while a buffer lock is
        // held would leave interrupts held off after the subtransaction's abort.
        drop(page);
        gone(sequence, "has a page that is not a sequence's");
    }
    // SAFETY: as above; the special space carries the sequence magic, so its one tuple is read
    // as nextval() reads it.
    let (last_value, is_called) = unsafe {
        let item = pg_sys::PageGetItemId(page.page(), pg_sys::FirstOffsetNumber as _);
        let header = pg_sys::PageGetItem(page.page(), item).cast::<pg_sys::HeapTupleHeaderData>();
        let data = &*header
            .cast::<u8>()
            .add((*header).t_hoff as usize)
            .cast::<SequenceData>();
        (data.last_value, data.is_called)
    };
    SequenceState {
        last_value,
        is_called,
        increment: row.seqincrement,
        min_value: row.seqmin,
        max_value: row.seqmax,
        start_value: row.seqstart,
        cycle: row.seqcycle,
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
