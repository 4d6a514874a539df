//! Sequences whose data Citus keeps elsewhere: left alone, saying why and what to do.
//!
//! A consumer table that Citus distributes (or a shard of one, seen from the node that holds
//! it) has no rows of the table in its heap, or only some. A bound read from it would set the
//! sequence back into values the shards hold, so every entry point skips such a sequence with
//! the reason discovery notes here.

use super::model::{Consumer, Sequence};
use crate::pg::catalog_lookup::ColumnRows;
use crate::pg::citus::{CitusCatalog, Placement};
use pgrx::pg_sys;

/// Sets `citus` on every sequence with a consumer table whose rows Citus places elsewhere: the
/// table itself, a table it is a partition or child of, or one of its partitions.
pub fn note_placements(sequences: &mut [Sequence]) {
    if sequences.iter().all(|s| s.consumers.is_empty()) {
        return;
    }
    let Some(citus) = CitusCatalog::load(crate::settings::wait_limit()) else {
        return;
    };
    let mut rows = ColumnRows::default();
    for sequence in sequences.iter_mut() {
        let found = sequence
            .consumers
            .iter()
            .find_map(|consumer| placed_table(&citus, &mut rows, consumer).map(|p| (consumer, p)));
        sequence.citus = found.map(|(consumer, (table, placement))| {
            reason(sequence, consumer, table, placement, &mut rows)
        });
    }
}

/// The first table holding or passing on `consumer`'s rows that Citus places, and how.
fn placed_table(
    citus: &CitusCatalog,
    rows: &mut ColumnRows,
    consumer: &Consumer,
) -> Option<(pg_sys::Oid, Placement)> {
    let tables = std::iter::once(consumer.relation)
        .chain(consumer.ancestors.iter().copied())
        .chain(consumer.leaves.iter().map(|leaf| leaf.relation));
    for table in tables {
        let Some(class) = rows.class(table) else {
            continue;
        };
        if let Some(placement) = citus.placement(table, class) {
            return Some((table, placement));
        }
    }
    None
}

/// Why `sequence` is left alone, naming the table, what Citus made of it, and the statement
/// that resyncs it by hand meanwhile.
fn reason(
    sequence: &Sequence,
    consumer: &Consumer,
    table: pg_sys::Oid,
    placement: Placement,
    rows: &mut ColumnRows,
) -> String {
    let mut name = |relation: pg_sys::Oid| {
        rows.table_sql(relation)
            .unwrap_or_else(|| u32::from(relation).to_string())
    };
    let shown = name(table);
    let (what, citus_table) = match placement {
        Placement::Distributed => (
            "a Citus distributed table: its rows are in shards on the cluster's nodes".to_string(),
            shown.clone(),
        ),
        Placement::Reference => (
            "a Citus reference table: its rows are in a shard copied to every node".to_string(),
            shown.clone(),
        ),
        Placement::SingleShard => (
            "a Citus table with a single shard: its rows are in that shard".to_string(),
            shown.clone(),
        ),
        Placement::Shard { table } => {
            let of = name(table);
            (
                format!("a shard of the Citus table {of}: it holds only part of that table's rows"),
                of,
            )
        }
    };
    let aggregate = if sequence.increment > 0 { "max" } else { "min" };
    format!(
        "{shown} is {what}, and pg_seqsync does not read Citus shards yet, so the sequence is \
         left alone; until it does, run on the coordinator: SELECT pg_catalog.setval('{}', \
         {aggregate}({})) FROM {citus_table};",
        sequence.name.replace('\'', "''"),
        consumer.column_sql,
    )
}
