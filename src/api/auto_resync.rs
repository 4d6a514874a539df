//! The SQL functions of automatic resync: switching it on and off, its status, and the entry
//! point of the database-wide DDL event trigger. The work is `auto::manage`'s.

use crate::auto::manage;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

#[pg_extern(name = "_enable_auto_resync", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn enable_auto_resync(target: Option<pg_sys::Oid>) -> Result<i32, ErrorReport> {
    manage::enable(target)
}

#[pg_extern(name = "_disable_auto_resync", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn disable_auto_resync(target: Option<pg_sys::Oid>) -> Result<i32, ErrorReport> {
    manage::disable(target)
}

/// Called by the event trigger for each table or sequence a DDL command touched.
#[pg_extern(name = "_auto_resync_after_ddl", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn auto_resync_after_ddl(object: pg_sys::Oid) -> Result<(), ErrorReport> {
    crate::settings::with_automatic_waits(|| manage::after_ddl(object))
}

#[allow(clippy::type_complexity)] // pgrx's SQL generator needs the row type spelled out
#[pg_extern(name = "_auto_resync_status", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn auto_resync_status() -> Result<
    TableIterator<
        'static,
        (
            name!(relation, Option<pg_sys::Oid>),
            name!(mode, String),
            name!(trigger_name, String),
            name!(sequences, Vec<pg_sys::Oid>),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(manage::status()?.into_iter().map(
        |row| {
            (
                row.relation,
                row.mode.to_string(),
                row.trigger_name.to_string(),
                row.sequences,
            )
        },
    )))
}

extension_sql_file!(
    "../../sql/auto_resync_api.sql",
    name = "auto_resync_api",
    requires = [
        enable_auto_resync,
        disable_auto_resync,
        auto_resync_status,
        auto_resync_after_ddl
    ]
);
