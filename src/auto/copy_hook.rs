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

/// The table to resync after `statement`, when it is a `COPY ... FROM` and
/// `pg_seqsync.resync_after_copy` is on (read before the statement runs: its tree may be
/// scribbled on); InvalidOid otherwise. Guarded: an error here is raised as PostgreSQL's own.
///
/// # Safety
/// `statement` must be the planned statement ProcessUtility was handed.
#[pg_guard]
unsafe extern "C-unwind" fn copy_target(statement: *mut pg_sys::PlannedStmt) -> pg_sys::Oid {
    if !crate::settings::resync_after_copy() {
        return pg_sys::Oid::INVALID;
    }
    // SAFETY: the caller's statement.
    unsafe { copy_from_target(statement) }.unwrap_or(pg_sys::Oid::INVALID)
}

/// The resync after a COPY FROM into `relation`, guarded like `copy_target`.
#[pg_guard]
extern "C-unwind" fn resync_after_copy(relation: pg_sys::Oid) {
    super::resync_after_write_to(relation);
}

// The statement itself runs through the previous hook or the standard implementation called
// directly, not through pgrx's guarded bindings: an error it raises (a unique violation, a
// failed DDL, ...) then reaches PostgreSQL's own handler unchanged, with every field it was
// raised with (SQLSTATE, CONTEXT, cursor position, schema, table and constraint names), rather
// than being caught, turned into a Rust panic and raised again with fewer fields (and a Rust
// backtrace in its DETAIL when the server runs with RUST_BACKTRACE). The hook's own frame holds
// nothing to drop, so the error's longjmp passes through it as through a C frame; everything
// of ours runs in the guarded functions above, before and after.

#[cfg(not(feature = "pg13"))]
extern "C-unwind" {
    #[link_name = "standard_ProcessUtility"]
    fn standard_process_utility(
        statement: *mut pg_sys::PlannedStmt,
        query: *const std::ffi::c_char,
        read_only_tree: bool,
        context: pg_sys::ProcessUtilityContext::Type,
        params: pg_sys::ParamListInfo,
        environment: *mut pg_sys::QueryEnvironment,
        destination: *mut pg_sys::DestReceiver,
        completion: *mut pg_sys::QueryCompletion,
    );
}

#[cfg(not(feature = "pg13"))]
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
    // No value with a destructor lives in this frame (see above).
    unsafe {
        let target = copy_target(statement);
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
            None => standard_process_utility(
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
        if target != pg_sys::Oid::INVALID {
            resync_after_copy(target);
        }
    }
}

#[cfg(feature = "pg13")]
extern "C-unwind" {
    #[link_name = "standard_ProcessUtility"]
    fn standard_process_utility(
        statement: *mut pg_sys::PlannedStmt,
        query: *const std::ffi::c_char,
        context: pg_sys::ProcessUtilityContext::Type,
        params: pg_sys::ParamListInfo,
        environment: *mut pg_sys::QueryEnvironment,
        destination: *mut pg_sys::DestReceiver,
        completion: *mut pg_sys::QueryCompletion,
    );
}

/// PostgreSQL 13's hook has no `read_only_tree`.
#[cfg(feature = "pg13")]
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
        let target = copy_target(statement);
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
            None => standard_process_utility(
                statement,
                query,
                context,
                params,
                environment,
                destination,
                completion,
            ),
        }
        if target != pg_sys::Oid::INVALID {
            resync_after_copy(target);
        }
    }
}
