//! Sequences whose data Citus keeps in shards: which consumers are read through Citus, which
//! values this node draws, and which sequences are left alone and why.
//!
//! A consumer table that Citus holds (a distributed, reference or single-shard table) has an
//! empty heap on the coordinator: its rows are read through Citus, over every shard
//! (`bound::citus`). Citus gives each node group its own range of a bigint sequence, so only
//! the rows in this node's range bound this node's sequence. A shard, seen from the node that
//! holds it, has only part of its table's rows and never bounds a sequence by itself.

use super::model::{CitusRead, CitusUse, Consumer, NodeRange, Sequence};
use crate::pg::catalog_lookup::{self, ColumnRows};
use crate::pg::citus::{CitusCatalog, Placement};
use pgrx::pg_sys;

/// Sets `citus` on every sequence with a root consumer table that Citus holds or places.
pub fn note_placements(sequences: &mut [Sequence]) {
    if sequences.iter().all(|s| s.consumers.is_empty()) {
        return;
    }
    let Some(citus) = CitusCatalog::load(crate::settings::wait_limit()) else {
        return;
    };
    let mut rows = ColumnRows::default();
    for sequence in sequences.iter_mut() {
        sequence.citus = citus_use(&citus, &mut rows, sequence);
    }
}

/// What `sequence` needs on this Citus node; `None` when no consumer table is Citus's.
fn citus_use(citus: &CitusCatalog, rows: &mut ColumnRows, sequence: &Sequence) -> Option<CitusUse> {
    let mut tables = Vec::new();
    for consumer in sequence.root_consumers() {
        if citus.holds_rows_of(consumer.relation) {
            tables.push(consumer.relation);
        } else if let Some((table, placement)) = placed_table(citus, rows, consumer) {
            return Some(CitusUse::LeftAlone(reason(table, placement, rows)));
        }
    }
    if tables.is_empty() {
        return None;
    }
    let Some(group) = citus.local_group else {
        return Some(CitusUse::LeftAlone(
            "this node's Citus group cannot be read from pg_catalog.pg_dist_local_group, so \
             which of the sequence's values this node draws is not known"
                .into(),
        ));
    };
    let bigint = catalog_lookup::sequence_type(sequence.oid) == Some(pg_sys::INT8OID);
    if bigint {
        return Some(match NodeRange::of_group(group) {
            Some(range) => CitusUse::ReadThrough(CitusRead {
                tables,
                own_range: Some(range),
            }),
            None => CitusUse::LeftAlone(format!(
                "this node's Citus group {group} has no range of a bigint sequence"
            )),
        });
    }
    if group == 0 {
        return Some(CitusUse::ReadThrough(CitusRead {
            tables,
            own_range: None,
        }));
    }
    Some(CitusUse::LeftAlone(
        "Citus lets only the coordinator draw from a sequence narrower than bigint (nextval() \
         fails on the other nodes), so it is resynced there, not on this node"
            .into(),
    ))
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

/// Why a sequence with a consumer that is (or sits above or below) a table Citus places, other
/// than one read through Citus, is left alone.
fn reason(table: pg_sys::Oid, placement: Placement, rows: &mut ColumnRows) -> String {
    let mut name = |relation: pg_sys::Oid| {
        rows.table_sql(relation)
            .unwrap_or_else(|| u32::from(relation).to_string())
    };
    let shown = name(table);
    match placement {
        Placement::Shard { table } => format!(
            "{shown} is a shard of the Citus table {}: it holds only part of that table's rows, \
             so it does not bound the sequence",
            name(table)
        ),
        Placement::Distributed | Placement::Reference | Placement::SingleShard => format!(
            "{shown} is a Citus table within a partition or inheritance tree of tables Citus \
             does not hold, so its rows are not read here"
        ),
    }
}
