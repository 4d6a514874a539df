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
unsafe fn copy_from_target(statement: *mut pg_sys::PlannedStmt) -> Option<pg_sys::Oid> {
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
    // Read before running it: the statement tree may be scribbled on.
    let target = if crate::RESYNC_AFTER_COPY.get() {
        copy_from_target(statement)
    } else {
        None
    };
    match PREVIOUS_HOOK {
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
    }
    if let Some(relation) = target {
        super::resync_after_write_to(relation);
    }
}

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
    let target = if crate::RESYNC_AFTER_COPY.get() {
        copy_from_target(statement)
    } else {
        None
    };
    match PREVIOUS_HOOK {
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
    }
    if let Some(relation) = target {
        super::resync_after_write_to(relation);
    }
}
