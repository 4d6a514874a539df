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
