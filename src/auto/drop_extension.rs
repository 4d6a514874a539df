//! `DROP EXTENSION pg_seqsync` leaves nothing behind. Automatic resync places triggers on
//! users' tables and an event trigger that call our functions; they are not members of the
//! extension, so without this the DROP would fail on them (or need CASCADE). An event trigger
//! that *is* a member, on `ddl_command_start` for `DROP EXTENSION`, removes them first, with the
//! `pg_seqsync.*` settings made for this database, when (and only when) the statement drops
//! pg_seqsync. Written against the fmgr interface because only C sees the statement's parse tree.

use crate::error;
use crate::pg::encoding::{self, ServerText};
use crate::pg::relation;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{PgList, PgLogLevel, PgSqlErrorCode};
use std::ffi::CStr;

const EXTENSION_NAME: &str = "pg_seqsync";

#[no_mangle]
#[doc(hidden)]
pub extern "C" fn pg_finfo_before_drop_extension() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

#[no_mangle]
#[pg_guard]
pub unsafe extern "C-unwind" fn before_drop_extension(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    // SAFETY: fmgr hands us a valid fcinfo; `context` is an EventTriggerData when called as an
    // event trigger.
    let context = unsafe { (*fcinfo).context };
    // SAFETY: a non-NULL context is a node; is_a reads only its tag.
    if context.is_null() || !unsafe { pgrx::is_a(context, pg_sys::NodeTag::T_EventTriggerData) } {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED,
            "_before_drop_extension() can only be called as an event trigger",
            "pg_seqsync",
        )
        .report(PgLogLevel::ERROR);
    }
    // SAFETY: checked above to be the EventTriggerData fmgr passes to an event trigger.
    let parsetree = unsafe { (*context.cast::<pg_sys::EventTriggerData>()).parsetree };
    // SAFETY: the parse tree of the statement that fired the event trigger, or NULL.
    // Only for a role that may drop the extension: anyone else gets PostgreSQL's own "must be
    // owner of extension" once this returns, having locked nothing.
    // SAFETY: as above.
    if unsafe { drops_this_extension(parsetree) } && may_drop_extension() {
        if let Err(e) = remove_what_auto_resync_placed() {
            e.report(PgLogLevel::ERROR);
        }
    }
    pg_sys::Datum::from(0)
}

/// Whether `parsetree` is a `DROP EXTENSION` naming pg_seqsync (among others, perhaps).
///
/// # Safety
/// `parsetree` must be NULL or a parse tree node.
unsafe fn drops_this_extension(parsetree: *mut pg_sys::Node) -> bool {
    // SAFETY: a non-NULL parse tree is a node; is_a reads only its tag.
    if parsetree.is_null() || !unsafe { pgrx::is_a(parsetree, pg_sys::NodeTag::T_DropStmt) } {
        return false;
    }
    let drop = parsetree.cast::<pg_sys::DropStmt>();
    // SAFETY: checked above to be a DropStmt.
    if unsafe { (*drop).removeType } != pg_sys::ObjectType::OBJECT_EXTENSION {
        return false;
    }
    // SAFETY: a DropStmt's objects list; for DROP EXTENSION its elements are name nodes.
    let names = unsafe { PgList::<pg_sys::Node>::from_pg((*drop).objects) };
    let named = names.iter_ptr().any(|name| {
        // SAFETY: each element is a name node (see above).
        unsafe { name_node_value(name) }.to_bytes() == EXTENSION_NAME.as_bytes()
    });
    named
}

#[cfg(any(feature = "pg13", feature = "pg14"))]
unsafe fn name_node_value<'a>(node: *mut pg_sys::Node) -> &'a CStr {
    // SAFETY: before PostgreSQL 15 a name is a `Value` node holding a NUL-terminated string.
    unsafe { CStr::from_ptr((*node.cast::<pg_sys::Value>()).val.str_) }
}

#[cfg(not(any(feature = "pg13", feature = "pg14")))]
unsafe fn name_node_value<'a>(node: *mut pg_sys::Node) -> &'a CStr {
    // SAFETY: a name is a `String` node holding a NUL-terminated string.
    unsafe { CStr::from_ptr((*node.cast::<pg_sys::String>()).sval) }
}

/// Functions of the extension (the triggers' and the event trigger's targets).
const EXTENSION_FUNCTIONS: &str = "
    SELECT d.objid FROM pg_catalog.pg_depend AS d
      JOIN pg_catalog.pg_extension AS e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
     WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
       AND d.deptype OPERATOR(pg_catalog.=) 'e'
       AND e.extname OPERATOR(pg_catalog.=) 'pg_seqsync'";

/// Whether the current role owns the extension (is a member of its owner role; superusers own
/// all), which DROP EXTENSION requires.
fn may_drop_extension() -> bool {
    Spi::get_one::<bool>(
        "SELECT pg_catalog.pg_has_role(e.extowner, 'USAGE') FROM pg_catalog.pg_extension AS e
          WHERE e.extname OPERATOR(pg_catalog.=) 'pg_seqsync'",
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// Drops the triggers and the event trigger automatic resync placed (by their names, calling our
/// functions; tolerating one already gone: a partition's trigger clone goes with its parent's),
/// and resets
/// the `pg_seqsync.*` settings of this database (ALTER DATABASE / ALTER ROLE ... IN DATABASE).
fn remove_what_auto_resync_placed() -> Result<(), ErrorReport> {
    let statements = format!(
        "SELECT pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', t.tgname, t.tgrelid::pg_catalog.regclass),
                t.tgrelid
           FROM pg_catalog.pg_trigger AS t
          WHERE t.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY({EXTENSION_FUNCTIONS}))
            -- Only what automatic resync placed; a trigger of a user's own keeps PostgreSQL's
            -- dependency error (DROP EXTENSION ... CASCADE drops it).
            AND t.tgname OPERATOR(pg_catalog.=) ANY ('{{pg_seqsync_auto_resync,pg_seqsync_auto_resync_db}}'::pg_catalog.name[])
            -- A partition's clone goes with its parent's trigger.
            AND t.tgparentid OPERATOR(pg_catalog.=) 0
         UNION ALL
         SELECT pg_catalog.format('DROP EVENT TRIGGER IF EXISTS %I', v.evtname), NULL
           FROM pg_catalog.pg_event_trigger AS v
          WHERE v.evtfoid OPERATOR(pg_catalog.=) ANY (ARRAY({EXTENSION_FUNCTIONS}))
            AND v.evtname OPERATOR(pg_catalog.=) 'pg_seqsync_auto_resync'
            AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS d
                             WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                               AND d.objid OPERATOR(pg_catalog.=) v.oid
                               AND d.deptype OPERATOR(pg_catalog.=) 'e')
         UNION ALL
         -- The part after the prefix is quoted: before PostgreSQL 15 a custom setting's name
         -- could be any string.
         SELECT CASE WHEN s.setrole OPERATOR(pg_catalog.=) 0
                     THEN pg_catalog.format('ALTER DATABASE %I RESET pg_seqsync.%I',
                                            db.datname, pg_catalog.substr(g.name, 12))
                     ELSE pg_catalog.format('ALTER ROLE %I IN DATABASE %I RESET pg_seqsync.%I',
                                            r.rolname, db.datname, pg_catalog.substr(g.name, 12)) END,
                NULL
           FROM pg_catalog.pg_db_role_setting AS s
           JOIN pg_catalog.pg_database AS db ON db.oid OPERATOR(pg_catalog.=) s.setdatabase
           LEFT JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) s.setrole
          CROSS JOIN LATERAL (SELECT pg_catalog.split_part(c, '=', 1) AS name
                                FROM pg_catalog.unnest(s.setconfig) AS c) AS g
          WHERE db.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
            AND pg_catalog.lower(g.name) OPERATOR(pg_catalog.~~) 'pg\\_seqsync.%'"
    );
    Spi::connect_mut(|client| {
        let mut ddl: Vec<(String, Option<pg_sys::Oid>)> = Vec::new();
        for row in client
            .select(&statements, None, &[])
            .map_err(error::catalog_query_failed)?
        {
            if let Some(ServerText(statement)) = row
                .get::<ServerText>(1)
                .map_err(error::catalog_query_failed)?
            {
                let statement = encoding::ascii_sql(&statement);
                ddl.push((statement, row.get(2).map_err(error::catalog_query_failed)?));
            }
        }
        for (statement, table) in ddl {
            if let Some(table) = table {
                // DROP TRIGGER's own lock, taken first with a bounded wait.
                relation::lock_bounded(
                    table,
                    pg_sys::AccessExclusiveLock as pg_sys::LOCKMODE,
                    crate::settings::wait_limit(),
                );
            }
            client
                .update(&statement, None, &[])
                .map_err(error::catalog_query_failed)?;
        }
        Ok(())
    })
}

extension_sql_file!(
    "../../sql/before_drop_extension.sql",
    name = "before_drop_extension"
);
