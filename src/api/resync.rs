//! The SQL surface. The Rust functions are private (`_resync_*`, taking `oid` and `text`); the
//! public functions are thin SQL wrappers below that give the documented signatures (`regclass`,
//! `name`, `name[]`, a `regclass` result column), pinned `search_path` and `row_security = off`.

use crate::error;
use crate::pg::encoding::{self, ServerText};
use crate::resync::discovery::{self, Scope};
use crate::resync::engine::{self, Mode};
use crate::resync::report::{ReportRow, Summary};
use crate::resync::target;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The report row as Rust hands it to SQL; the wrappers turn `sequence` into `regclass`.
/// (pgrx's SQL generator needs the `name!` tuple spelled out in each signature.)
type Row = (
    pg_sys::Oid,
    Vec<ServerText>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    Option<ServerText>,
);

#[allow(clippy::type_complexity)] // pgrx's SQL generator needs the row type spelled out
#[pg_extern(name = "_resync_sequence", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn resync_sequence_internal(
    target: Option<pg_sys::Oid>,
    column_name: Option<ServerText>,
    dry_run: Option<bool>,
    allow_backward: Option<bool>,
    margin: Option<i64>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(sequence, pg_sys::Oid),
            name!(consumers, Vec<ServerText>),
            name!(data_bound, Option<i64>),
            name!(old_next, Option<i64>),
            name!(new_next, Option<i64>),
            name!(action, String),
            name!(detail, Option<ServerText>),
        ),
    >,
    ErrorReport,
> {
    let target = target.ok_or_else(|| error::null_argument("target"))?;
    let request = super::request(dry_run, allow_backward, margin, Mode::Explicit)?;
    warn_about_enabled_subscriptions()?;
    let sequences = crate::pg::snapshot::read_latest(|| {
        target::resolve(target, column_name.as_ref().map(|c| c.0.as_str()))
    })?;
    let rows = engine::resync(&sequences, &request)?;
    Ok(into_table(rows))
}

#[allow(clippy::type_complexity)]
#[pg_extern(name = "_resync_all_sequences", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn resync_all_sequences_internal(
    schemas: Option<Vec<Option<ServerText>>>,
    exclude_schemas: Option<Vec<Option<ServerText>>>,
    dry_run: Option<bool>,
    allow_backward: Option<bool>,
    margin: Option<i64>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(sequence, pg_sys::Oid),
            name!(consumers, Vec<ServerText>),
            name!(data_bound, Option<i64>),
            name!(old_next, Option<i64>),
            name!(new_next, Option<i64>),
            name!(action, String),
            name!(detail, Option<ServerText>),
        ),
    >,
    ErrorReport,
> {
    let request = super::request(dry_run, allow_backward, margin, Mode::Sweep)?;
    let scope = Scope::Database {
        schemas: schemas.map(super::names),
        exclude_schemas: exclude_schemas.map(super::names),
    };
    let sequences = discovery::discover(&scope);
    warn_about_enabled_subscriptions()?;
    let rows = engine::resync(&sequences, &request)?;
    pgrx::notice!("{}", Summary::of(&rows).message(request.dry_run));
    Ok(into_table(rows))
}

/// Logical replication does not carry sequences, which is why a subscriber needs a resync at
/// cutover; but while its subscriptions are enabled, rows (with their ids) may still arrive after
/// the resync has read the bound. Say so, naming them.
fn warn_about_enabled_subscriptions() -> Result<(), ErrorReport> {
    // `select` keeps the query read-only: no transaction ID for a dry run.
    let names = Spi::connect(|client| {
        client
            .select(
                "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(s.subname), ', ' ORDER BY s.subname)
                   FROM pg_catalog.pg_subscription AS s
                  WHERE s.subenabled
                    AND s.subdbid OPERATOR(pg_catalog.=)
                        (SELECT d.oid FROM pg_catalog.pg_database AS d
                          WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())",
                Some(1),
                &[],
            )?
            .first()
            .get_one::<ServerText>()
    })
    .map_err(error::catalog_query_failed)?;
    if let Some(ServerText(names)) = names {
        encoding::warning_with(
            &format!("pg_seqsync: subscriptions still enabled in this database: {names}"),
            Some("Rows replicated after this resync may carry ids past the new sequence positions."),
            Some("At a cutover, disable them (ALTER SUBSCRIPTION ... DISABLE) first, or resync again once they are."),
        );
    }
    Ok(())
}

fn into_table(rows: Vec<ReportRow>) -> TableIterator<'static, Row> {
    TableIterator::new(rows.into_iter().map(|row| {
        (
            row.sequence,
            row.consumers.into_iter().map(ServerText).collect(),
            row.data_bound,
            row.old_next,
            row.new_next,
            row.action.to_string(),
            row.detail.map(ServerText),
        )
    }))
}

extension_sql_file!(
    "../../sql/public_api.sql",
    name = "public_api",
    requires = [resync_sequence_internal, resync_all_sequences_internal]
);
