//! The procedure form for very large or live databases: `resync_all_sequences_in_batches`
//! resyncs a batch, commits, and goes on, so no lock is held longer than one batch, the lock
//! table never fills up, and the backend's memory stays flat. The loop and its COMMITs are
//! PL/pgSQL (a procedure's transaction control); each batch and the running summary are Rust.

use crate::pg::encoding::{ServerJsonb, ServerText};
use crate::resync::discovery::{self, Scope};
use crate::resync::engine::{self, Mode};
use crate::resync::report::{Action, ReportRow, Summary};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use serde::{Deserialize, Serialize};

/// What the procedure hands back in its INOUT `summary`: the counts of every batch together,
/// how many batches, and every sequence that needs attention.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BatchSummary {
    #[serde(flatten)]
    pub counts: Summary,
    pub batches: u64,
    /// Every sequence that was skipped or failed, with the reason.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Problem {
    pub sequence: String,
    pub action: String,
    pub detail: String,
}

impl BatchSummary {
    fn add(&mut self, rows: &[ReportRow]) {
        if rows.is_empty() {
            return;
        }
        self.batches += 1;
        self.counts.add(rows);
        for row in rows
            .iter()
            .filter(|r| matches!(r.action, Action::Skip | Action::Error))
        {
            self.problems.push(Problem {
                sequence: discovery::relation_name(row.sequence),
                action: row.action.to_string(),
                detail: row.detail.clone().unwrap_or_default(),
            });
        }
    }
}

/// Empties this backend's catalog and relation caches, as PostgreSQL itself does when a backend
/// falls behind on invalidation messages. They keep an entry for every relation and catalog row
/// a backend has looked at, so without this a run over 100,000 sequences would grow the backend
/// by several kilobytes per sequence; with it, memory stays at what one batch needs, and the
/// next batch reloads only what it uses.
fn forget_cached_catalog() {
    // SAFETY: the reset sinval processing performs; entries still in use are rebuilt.
    unsafe { reset_system_caches() };
}

#[cfg(not(feature = "pg13"))]
unsafe fn reset_system_caches() {
    // SAFETY: the reset sinval overflow processing performs; entries in use are rebuilt.
    unsafe { pg_sys::InvalidateSystemCaches() };
}

/// PostgreSQL 13's bindings lack `InvalidateSystemCaches`; these are the two resets it makes
/// (its callbacks tell other caches that the catalog changed, and here nothing has).
#[cfg(feature = "pg13")]
unsafe fn reset_system_caches() {
    // SAFETY: the two resets InvalidateSystemCaches makes; entries in use are rebuilt.
    unsafe {
        pg_sys::ResetCatalogCaches();
        pg_sys::RelationCacheInvalidate();
    }
}

/// The sequences a batched run covers, in the order it resyncs them.
#[pg_extern(name = "_sequences_in_scope", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn sequences_in_scope(
    schemas: Option<Vec<Option<ServerText>>>,
    exclude_schemas: Option<Vec<Option<ServerText>>>,
) -> Result<Vec<pg_sys::Oid>, ErrorReport> {
    let scope = Scope::Database {
        schemas: schemas.map(super::names),
        exclude_schemas: exclude_schemas.map(super::names),
    };
    Ok::<_, pgrx::pg_sys::panic::ErrorReport>(discovery::sequence_oids(&scope))
}

/// Resyncs one batch and returns `summary` with the batch's outcome added.
#[pg_extern(name = "_resync_batch", schema = "seqsync_internal")]
#[search_path(pg_catalog, pg_temp)]
fn resync_batch(
    batch: Vec<pg_sys::Oid>,
    summary: Option<ServerJsonb>,
    dry_run: Option<bool>,
    allow_backward: Option<bool>,
    margin: Option<i64>,
) -> Result<ServerJsonb, ErrorReport> {
    let request = super::request(dry_run, allow_backward, margin, Mode::Sweep)?;
    let mut running: BatchSummary = summary
        .and_then(|ServerJsonb(value)| serde_json::from_value(value).ok())
        .unwrap_or_default();
    let sequences = discovery::discover(&Scope::Sequences(&batch));
    let rows = engine::resync(&sequences, &request)?;
    forget_cached_catalog();
    running.add(&rows);
    Ok(ServerJsonb(
        serde_json::to_value(&running).expect("a summary always serializes"),
    ))
}

extension_sql_file!(
    "../../sql/batched_procedure.sql",
    name = "batched_procedure",
    requires = [sequences_in_scope, resync_batch]
);
