//! The preloaded INSERT hook for Citus tables: a write through Citus into a distributed,
//! reference or single-shard table fires no trigger on this node (Citus runs it as a custom
//! scan and refuses triggers on such tables), so with the library in shared_preload_libraries
//! and `pg_seqsync.resync_after_citus_insert = on` (a superuser's setting), every statement that
//! inserts into one (INSERT, INSERT ... SELECT, a MERGE that inserts, a data-modifying CTE)
//! resyncs its sequences when it finishes. Any other statement passes through untouched; COPY
//! is the COPY hook's.

use pgrx::prelude::*;

static mut PREVIOUS_HOOK: pg_sys::ExecutorFinish_hook_type = None;

/// Chains our hook in front of any existing ExecutorFinish hook. Called from _PG_init.
pub fn install() {
    // SAFETY: _PG_init runs once per backend, before any query of ours.
    unsafe {
        PREVIOUS_HOOK = pg_sys::ExecutorFinish_hook;
        pg_sys::ExecutorFinish_hook = Some(executor_finish);
    }
}

/// The tables a statement inserts into (an INSERT, a MERGE that inserts, a data-modifying CTE),
/// from its plan's permission checks (Citus keeps the original range table there; its plan has
/// no result relation of its own).
///
/// # Safety
/// `query` must be the QueryDesc the executor was handed.
unsafe fn inserted_tables(query: *mut pg_sys::QueryDesc) -> Vec<pg_sys::Oid> {
    // SAFETY: a valid QueryDesc and plan; the lists hold the node types PostgreSQL documents.
    unsafe {
        let plan = (*query).plannedstmt;
        if plan.is_null()
            || ((*query).operation == pg_sys::CmdType::CMD_SELECT && !(*plan).hasModifyingCTE)
        {
            return Vec::new();
        }
        let mut tables = Vec::new();
        #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
        for entry in pointers((*plan).rtable) {
            let entry = entry.cast::<pg_sys::RangeTblEntry>();
            if (*entry).rtekind == pg_sys::RTEKind::RTE_RELATION
                && u64::from((*entry).requiredPerms) & u64::from(pg_sys::ACL_INSERT) != 0
            {
                tables.push((*entry).relid);
            }
        }
        #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
        for info in pointers((*plan).permInfos) {
            let info = info.cast::<pg_sys::RTEPermissionInfo>();
            if (*info).requiredPerms & u64::from(pg_sys::ACL_INSERT) != 0 {
                tables.push((*info).relid);
            }
        }
        tables.sort_unstable_by_key(|oid| u32::from(*oid));
        tables.dedup();
        tables
    }
}

/// The pointers in a PostgreSQL `List` of nodes (none for NIL).
///
/// # Safety
/// `list` must be NIL or a valid pointer list.
unsafe fn pointers(list: *mut pg_sys::List) -> Vec<*mut std::ffi::c_void> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: a valid List has `length` cells in `elements`.
    unsafe {
        (0..usize::try_from((*list).length).unwrap_or(0))
            .map(|i| (*(*list).elements.add(i)).ptr_value)
            .collect()
    }
}

/// After a statement that inserted: the Citus tables among those it inserted into, when the
/// setting is on.
/// Guarded: an error here is raised as PostgreSQL's own.
///
/// # Safety
/// `query` must be the QueryDesc the executor was handed.
#[pg_guard]
unsafe extern "C-unwind" fn resync_after_insert(query: *mut pg_sys::QueryDesc) {
    if !crate::settings::resync_after_citus_insert() {
        return;
    }
    // SAFETY: the caller's QueryDesc.
    let tables = unsafe { inserted_tables(query) };
    if tables.is_empty() {
        return;
    }
    for table in crate::pg::citus::tables_held(&tables, crate::settings::wait_limit()) {
        super::resync_after_write_to(table);
    }
}

// As in the COPY hook, the statement itself finishes through the previous hook or the
// standard implementation called directly, so that its errors reach PostgreSQL unchanged; this
// frame holds nothing to drop.

extern "C-unwind" {
    #[link_name = "standard_ExecutorFinish"]
    fn standard_executor_finish(query: *mut pg_sys::QueryDesc);
}

unsafe extern "C-unwind" fn executor_finish(query: *mut pg_sys::QueryDesc) {
    // SAFETY: PostgreSQL calls the hook with a valid QueryDesc, passed on unchanged;
    // PREVIOUS_HOOK is only written in _PG_init.
    unsafe {
        match PREVIOUS_HOOK {
            Some(previous) => previous(query),
            None => standard_executor_finish(query),
        }
        resync_after_insert(query);
    }
}
