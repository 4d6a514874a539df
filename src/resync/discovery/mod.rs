//! Discovery: which sequences a call covers, and which columns draw from each of them.
//!
//! A column of a table (or partitioned table) draws from a sequence when the sequence is OWNED
//! BY it (serial, identity, `ALTER SEQUENCE ... OWNED BY`) or when its default calls `nextval()`
//! on it, and the table's owner could draw from the sequence at all (owns it, or holds USAGE or
//! UPDATE on it): a role with no right on someone's sequence cannot make its own table count.
//! A simply updatable view's default counts through the base-table column it writes to.
//! Everything else that refers to a sequence (`currval()`, regclass constants, other views,
//! foreign tables, other sessions' temporary tables, tables whose owner may not use the
//! sequence) is listed as ignored and never blocks, skips or moves it.
//!
//! Discovery reads only the catalog, never user data: the sequences in scope, their
//! dependencies and the tables' ancestors by a few queries per call (whatever the scope), and
//! what it needs of each relation and column (names, kinds, owners, privileges, row-level
//! security) from the system caches, which a warm session already holds.
//!
//! The parts: `model` (what discovery returns), `scope` (which sequences a call covers),
//! `references` (which columns draw from each, judged one reference at a time, with
//! `default_expr` reading defaults and `views` following views to their tables), `hierarchy`
//! (partitions, inheritance children and ancestors), `citus` (tables whose rows Citus keeps
//! elsewhere). `resync::target` resolves what `resync_sequence(target)` means on top of it.

mod citus;
pub mod default_expr;
mod hierarchy;
mod model;
mod references;
mod scope;
mod views;

pub use hierarchy::{leaves_now, self_and_descendants};
pub use model::{Consumer, Leaf, NodeRange, Sequence};
pub use references::may_draw;
pub use scope::{sequence_oids, sequences_of_tables, Scope};

use crate::pg::catalog_lookup;
use crate::pg::catalog_scan::{self, CatalogScan};
use crate::pg::snapshot::read_latest;
use pgrx::prelude::*;

/// The sequences in `scope`, as `load` finds them under the latest snapshot (`read_latest`).
pub fn discover(scope: &Scope<'_>) -> Vec<Sequence> {
    read_latest(|| load(scope))
}

/// The other transactions still in progress whose uncommitted DDL may add consumers of
/// `sequence`: a default or `OWNED BY` naming it (`pg_depend` rows on either side of it), a
/// partition or inheritance child attached to or created under a table holding its consumers
/// (`pg_inherits` rows). Their rows, once committed, bound the sequence as well.
pub fn uncommitted_consumer_ddl(sequence: &Sequence) -> Vec<pg_sys::TransactionId> {
    let as_class = |oid: pg_sys::Oid| {
        vec![
            pg_sys::Datum::from(pg_sys::RelationRelationId),
            pg_sys::Datum::from(oid),
        ]
    };
    let mut inserters = catalog_scan::uncommitted_inserters(
        &catalog_scan::DEPEND_BY_REFERENCED,
        &[as_class(sequence.oid)],
    );
    inserters.extend(catalog_scan::uncommitted_inserters(
        &catalog_scan::DEPEND_BY_DEPENDER,
        &[as_class(sequence.oid)],
    ));
    // Every table of each consumer's hierarchy, partitioned levels included (a partition can
    // be attached under any of them).
    let mut scan = CatalogScan::open(&catalog_scan::INHERITS_BY_PARENT);
    let mut tables: Vec<pg_sys::Oid> = Vec::new();
    for consumer in &sequence.consumers {
        tables.push(consumer.relation);
        if consumer.may_have_children {
            tables.extend(hierarchy::walk_inheritance(
                &mut scan,
                consumer.relation,
                |row| row.inhrelid,
            ));
        }
    }
    drop(scan);
    tables.sort_unstable_by_key(|oid| u32::from(*oid));
    tables.dedup();
    let parents: Vec<Vec<pg_sys::Datum>> = tables
        .into_iter()
        .map(|table| vec![pg_sys::Datum::from(table)])
        .collect();
    inserters.extend(catalog_scan::uncommitted_inserters(
        &catalog_scan::INHERITS_BY_PARENT,
        &parents,
    ));
    inserters.sort_unstable_by_key(|xid| u32::from(*xid));
    inserters.dedup();
    inserters
}

/// A relation's schema-qualified name, for messages (its OID if it is gone), from the system
/// caches: a query on `pg_class` may be filtered by another extension's planner hook.
pub fn relation_name(relation: pg_sys::Oid) -> String {
    catalog_lookup::ColumnRows::default()
        .table_sql(relation)
        .unwrap_or_else(|| u32::from(relation).to_string())
}

/// The sequences in `scope`, ordered by schema and name, each with all of its consumers, as the
/// caller's snapshot shows the catalog.
pub fn load(scope: &Scope<'_>) -> Vec<Sequence> {
    let mut sequences = scope::sequences_without_consumers(scope);
    let owners: Vec<(pg_sys::Oid, pg_sys::Oid)> =
        sequences.iter().map(|s| (s.oid, s.owner)).collect();
    let mut found = references::consumers_of(&owners);
    for sequence in &mut sequences {
        if let Some(uses) = found.remove(&sequence.oid) {
            sequence.consumers = uses.consumers;
            sequence.ignored = uses.ignored;
            sequence.views = uses.views;
        }
    }
    citus::note_placements(&mut sequences);
    if let Scope::Table { relation, column } = scope {
        let tables = hierarchy::self_and_ancestors(*relation);
        sequences.retain(|s| {
            s.consumers.iter().any(|c| {
                tables.contains(&c.relation) && column.is_none_or(|name| name == c.column_name)
            })
        });
    }
    sequences
}
