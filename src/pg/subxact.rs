//! Running a piece of work in its own subtransaction, as a PL/pgSQL `BEGIN ... EXCEPTION` block
//! does: on any error the subtransaction is rolled back (releasing its locks, SPI state and
//! memory) and the error is handed back as a value, so the caller can report it and go on.

use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;
use std::panic::AssertUnwindSafe;

/// Runs `work` in a subtransaction. `Ok` commits it into the caller's transaction; `Err` carries
/// the error that rolled it back (`CaughtError::rethrow` raises it again).
pub fn run<R>(work: impl FnOnce() -> R) -> Result<R, CaughtError> {
    in_subtransaction(work, End::Commit)
}

/// Runs `work` in a subtransaction that is rolled back whatever happens: for a read whose
/// settings (and whatever Citus propagated of them to other nodes) must not outlive it. `work`
/// must return only values that live outside the subtransaction (owned Rust data).
pub fn run_and_roll_back<R>(work: impl FnOnce() -> R) -> Result<R, CaughtError> {
    in_subtransaction(work, End::RollBack)
}

/// How a subtransaction whose work succeeded ends.
#[derive(Clone, Copy)]
enum End {
    Commit,
    RollBack,
}

fn in_subtransaction<R>(work: impl FnOnce() -> R, end: End) -> Result<R, CaughtError> {
    // SAFETY: the same sequence of calls PL/pgSQL uses around an exception block: remember the
    // caller's memory context and resource owner, and restore both after commit or rollback.
    unsafe {
        let caller_context = pg_sys::CurrentMemoryContext;
        let caller_owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(caller_context);

        let restore = move || {
            pg_sys::MemoryContextSwitchTo(caller_context);
            pg_sys::CurrentResourceOwner = caller_owner;
        };
        PgTryBuilder::new(AssertUnwindSafe(|| {
            let result = work();
            match end {
                End::Commit => pg_sys::ReleaseCurrentSubTransaction(),
                End::RollBack => pg_sys::RollbackAndReleaseCurrentSubTransaction(),
            }
            restore();
            Ok(result)
        }))
        .catch_others(|caught| {
            restore();
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
            restore();
            Err(caught)
        })
        .execute()
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn an_error_rolls_back_only_the_subtransaction() {
        Spi::run("CREATE TABLE kept (v int)").unwrap();
        let ok = super::run(|| Spi::run("INSERT INTO kept VALUES (1)").unwrap());
        assert!(ok.is_ok());
        let failed = super::run(|| {
            Spi::run("INSERT INTO kept VALUES (2)").unwrap();
            Spi::run("SELECT 1 / 0").unwrap();
        });
        assert!(failed.is_err());
        // The caller's transaction goes on: the first insert stays, the second is gone.
        let rows = Spi::get_one::<i64>("SELECT count(*) FROM kept").unwrap();
        assert_eq!(rows, Some(1));
    }

    #[pg_test]
    fn a_rolled_back_read_keeps_its_answer_and_nothing_else() {
        Spi::run("CREATE TABLE read_only (v int); INSERT INTO read_only VALUES (7)").unwrap();
        let read = super::run_and_roll_back(|| {
            Spi::run("SET LOCAL lock_timeout = 123").unwrap();
            Spi::run("INSERT INTO read_only VALUES (8)").unwrap();
            Spi::get_one::<i64>("SELECT count(*) FROM read_only").unwrap()
        });
        assert_eq!(read.ok().flatten(), Some(2));
        // Its setting and its write are gone; the caller's transaction goes on.
        let rows = Spi::get_one::<i64>("SELECT count(*) FROM read_only").unwrap();
        assert_eq!(rows, Some(1));
        let timeout = Spi::get_one::<String>("SELECT current_setting('lock_timeout')").unwrap();
        assert_eq!(timeout.as_deref(), Some("0"));
    }
}
