//! The preloaded COPY hook: with the library in shared_preload_libraries (the only place it is
//! installed from) and `pg_seqsync.resync_after_copy = on` (a superuser's setting), every
//! `COPY ... FROM` resyncs its table's sequences without any trigger. Plain INSERTs never reach
//! this code.

use pgrx::prelude::*;

static mut PREVIOUS_HOOK: pg_sys::ProcessUtility_hook_type = None;

/// Chains our hook in front of any existing ProcessUtility hook. Called from _PG_init.
pub fn install() {
    // SAFETY: _PG_init runs once per backend, before any utility statement of ours.
    unsafe {
        PREVIOUS_HOOK = pg_sys::ProcessUtility_hook;
        pg_sys::ProcessUtility_hook = Some(process_utility);
    }
}

/// The table a `COPY ... FROM` statement loaded, if `statement` is one.
///
/// # Safety
/// `statement` must be the planned statement ProcessUtility was handed.
unsafe fn copy_from_target(statement: *mut pg_sys::PlannedStmt) -> Option<pg_sys::Oid> {
    // SAFETY: a valid PlannedStmt; its utility node is read only after its tag is checked.
    unsafe {
        let utility = (*statement).utilityStmt;
        if utility.is_null() || !pgrx::is_a(utility, pg_sys::NodeTag::T_CopyStmt) {
            return None;
        }
        let copy = utility.cast::<pg_sys::CopyStmt>();
        if !(*copy).is_from || (*copy).relation.is_null() {
            return None;
        }
        // The COPY holds its lock until the end of the transaction, so the name still resolves
        // to the table it loaded.
        let relation = pg_sys::RangeVarGetRelidExtended(
            (*copy).relation,
            pg_sys::NoLock as _,
            pg_sys::RVROption::RVR_MISSING_OK,
            None,
            std::ptr::null_mut(),
        );
        (relation != pg_sys::Oid::INVALID).then_some(relation)
    }
}

/// What both hook signatures do around the statement: note a COPY FROM's table before it runs
/// (the statement tree may be scribbled on), run it, then resync that table's sequences.
///
/// # Safety
/// `statement` must be the planned statement ProcessUtility was handed.
unsafe fn around_statement(statement: *mut pg_sys::PlannedStmt, run: impl FnOnce()) {
    let target = if crate::RESYNC_AFTER_COPY.get() {
        // SAFETY: the caller's statement.
        unsafe { copy_from_target(statement) }
    } else {
        None
    };
    run();
    if let Some(relation) = target {
        super::resync_after_write_to(relation);
    }
}

#[cfg(not(feature = "pg13"))]
#[pg_guard]
#[allow(clippy::too_many_arguments)]
unsafe extern "C-unwind" fn process_utility(
    statement: *mut pg_sys::PlannedStmt,
    query: *const std::ffi::c_char,
    read_only_tree: bool,
    context: pg_sys::ProcessUtilityContext::Type,
    params: pg_sys::ParamListInfo,
    environment: *mut pg_sys::QueryEnvironment,
    destination: *mut pg_sys::DestReceiver,
    completion: *mut pg_sys::QueryCompletion,
) {
    // SAFETY: PostgreSQL calls the hook with valid arguments, passed on unchanged to the
    // previous hook or the standard implementation; PREVIOUS_HOOK is only written in _PG_init.
    unsafe {
        around_statement(statement, || match PREVIOUS_HOOK {
            Some(previous) => previous(
                statement,
                query,
                read_only_tree,
                context,
                params,
                environment,
                destination,
                completion,
            ),
            None => pg_sys::standard_ProcessUtility(
                statement,
                query,
                read_only_tree,
                context,
                params,
                environment,
                destination,
                completion,
            ),
        })
    }
}

/// PostgreSQL 13's hook has no `read_only_tree`.
#[cfg(feature = "pg13")]
#[pg_guard]
unsafe extern "C-unwind" fn process_utility(
    statement: *mut pg_sys::PlannedStmt,
    query: *const std::ffi::c_char,
    context: pg_sys::ProcessUtilityContext::Type,
    params: pg_sys::ParamListInfo,
    environment: *mut pg_sys::QueryEnvironment,
    destination: *mut pg_sys::DestReceiver,
    completion: *mut pg_sys::QueryCompletion,
) {
    // SAFETY: as above.
    unsafe {
        around_statement(statement, || match PREVIOUS_HOOK {
            Some(previous) => previous(
                statement,
                query,
                context,
                params,
                environment,
                destination,
                completion,
            ),
            None => pg_sys::standard_ProcessUtility(
                statement,
                query,
                context,
                params,
                environment,
                destination,
                completion,
            ),
        })
    }
}
