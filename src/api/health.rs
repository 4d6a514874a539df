//! `sequence_health()`: what a monitoring job polls. One row per sequence: is it behind its
//! data, how many values are left before the first limit nextval()'s values hit (the
//! sequence's MAXVALUE, MINVALUE when descending, or the narrowest column it feeds: a bigint
//! sequence feeding an `integer` column fails at 2,147,483,647), which limit that is, and is the
//! sequence narrower than a column it feeds (an `AS integer` sequence left behind by an int ->
//! bigint migration). It changes nothing and takes no lock that blocks writers: catalog reads,
//! the sequence's own page, and the bound under AccessShareLock (from an index when there is one).

use crate::pg::encoding::ServerText;
use crate::resync::discovery::{self, Scope};
use crate::resync::health::{self, Health};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AnyNumeric;

type HealthRow = (
    pg_sys::Oid,
    Vec<ServerText>,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    Option<i64>,
    Option<AnyNumeric>,
    Option<f64>,
    bool,
    Option<ServerText>,
    Option<ServerText>,
);

#[allow(clippy::type_complexity)]
#[pg_extern(name = "_sequence_health", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn sequence_health(
    schemas: Option<Vec<Option<ServerText>>>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(sequence, pg_sys::Oid),
            name!(consumers, Vec<ServerText>),
            name!(data_bound, Option<i64>),
            name!(next_value, Option<i64>),
            name!(behind, Option<bool>),
            name!(behind_by, Option<i64>),
            name!(values_left, Option<AnyNumeric>),
            name!(fraction_used, Option<f64>),
            name!(narrower_than_consumer, bool),
            name!(detail, Option<ServerText>),
            name!(limited_by, Option<ServerText>),
        ),
    >,
    ErrorReport,
> {
    let scope = Scope::Database {
        schemas: schemas.map(super::names),
        exclude_schemas: None,
    };
    let sequences = discovery::discover(&scope);
    let rows: Vec<HealthRow> = sequences
        .iter()
        .map(|sequence| row(health::health_of(sequence)))
        .collect();
    Ok(TableIterator::new(rows))
}

/// A health report as `sequence_health()`'s row.
fn row(health: Health) -> HealthRow {
    (
        health.sequence,
        health.consumers.into_iter().map(ServerText).collect(),
        health.data_bound,
        health.next_value,
        health.behind,
        health.behind_by,
        health.values_left.map(AnyNumeric::from),
        health.fraction_used,
        health.narrower_than_consumer,
        health.detail.map(ServerText),
        health.limited_by.map(ServerText),
    )
}

extension_sql_file!(
    "../../sql/sequence_health_api.sql",
    name = "sequence_health_api",
    requires = [sequence_health]
);
