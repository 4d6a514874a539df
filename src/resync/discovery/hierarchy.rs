//! Partitions, inheritance children and ancestors, from `pg_inherits` through its indexes: the
//! tables below a consumer hold its rows, and a row routed into a partition gets the defaults of
//! the tables above it.

use super::model::{Consumer, Leaf};
use crate::pg::catalog_lookup;
use crate::pg::catalog_scan::{self, CatalogScan, InheritsRow};
use pgrx::prelude::*;
use std::collections::HashSet;

/// The `(classid, objid)` or `(refclassid, refobjid)` key of relation `relation` in pg_depend.
pub fn class_key(relation: pg_sys::Oid) -> [pg_sys::Datum; 2] {
    [
        pg_sys::Datum::from(pg_sys::RelationRelationId),
        pg_sys::Datum::from(relation),
    ]
}

/// `relation` and every table it inherits from or is a partition of, nearest first.
pub fn self_and_ancestors(relation: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    let mut scan = CatalogScan::open(&catalog_scan::INHERITS_BY_CHILD);
    let mut out = vec![relation];
    out.extend(ancestors_through(&mut scan, relation));
    out
}

/// Every table `relation` inherits from or is a partition of, transitively, nearest first.
pub fn ancestors_through(scan: &mut CatalogScan, relation: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    walk_inheritance(scan, relation, |row| row.inhparent)
}

/// Breadth-first over pg_inherits from `start` (not included), each relation once: `next`
/// picks the parent or the child from a row the scan finds for the current relation.
pub fn walk_inheritance(
    scan: &mut CatalogScan,
    start: pg_sys::Oid,
    next: impl Fn(&InheritsRow) -> pg_sys::Oid,
) -> Vec<pg_sys::Oid> {
    let mut seen: HashSet<pg_sys::Oid> = HashSet::from([start]);
    let mut out = Vec::new();
    let mut at = 0;
    let mut current = start;
    loop {
        scan.for_each(&[pg_sys::Datum::from(current)], |row| {
            // SAFETY: a pg_inherits row.
            let found = next(unsafe { row.form::<InheritsRow>() });
            if seen.insert(found) {
                out.push(found);
            }
        });
        let Some(&following) = out.get(at) else { break };
        current = following;
        at += 1;
    }
    out
}

/// `relation` and every partition or inheritance child below it that is a table.
pub fn self_and_descendants(relation: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    let mut scan = CatalogScan::open(&catalog_scan::INHERITS_BY_PARENT);
    let mut out: Vec<pg_sys::Oid> = std::iter::once(relation)
        .chain(walk_inheritance(&mut scan, relation, |row| row.inhrelid))
        .filter(|&rel| {
            catalog_lookup::class(rel).is_some_and(|class| {
                matches!(
                    class.kind,
                    pg_sys::RELKIND_RELATION | pg_sys::RELKIND_PARTITIONED_TABLE
                )
            })
        })
        .collect();
    out.sort_unstable_by_key(|rel| u32::from(*rel));
    out
}

/// The tables that hold `consumer`'s rows now, as the catalog lists them (under the latest
/// snapshot): a partition attached or created since discovery is among them.
pub fn leaves_now(consumer: &Consumer) -> Vec<Leaf> {
    if !consumer.may_have_children {
        return consumer.leaves.clone();
    }
    let mut leaves = vec![consumer.own_leaf()];
    let below = crate::pg::snapshot::read_latest(|| {
        let mut scan = CatalogScan::open(&catalog_scan::INHERITS_BY_PARENT);
        descendants_of(&mut scan, consumer.relation, consumer.attnum)
    });
    leaves.extend(
        below
            .into_iter()
            .filter(|d| d.kind == pg_sys::RELKIND_RELATION && !d.other_session_temp)
            .map(|d| Leaf {
                relation: d.relation,
                attnum: d.attnum,
                display: d.display,
            }),
    );
    leaves
}

/// A partition or inheritance child below a consumer table.
pub struct Descendant {
    pub relation: pg_sys::Oid,
    /// The consumer column's number in this table (matched by name).
    pub attnum: i16,
    pub kind: u8,
    pub other_session_temp: bool,
    /// `schema.table.column`, quoted as needed.
    pub display: String,
}

/// Every partition and inheritance child below `root` (detach-pending ones included) that has
/// the column `attnum` of `root` (by name), in OID order; `scan` reads pg_inherits by parent.
pub fn descendants_of(scan: &mut CatalogScan, root: pg_sys::Oid, attnum: i16) -> Vec<Descendant> {
    let Some(column) = catalog_lookup::column(root, attnum) else {
        return Vec::new();
    };
    let mut below = walk_inheritance(scan, root, |row| row.inhrelid);
    below.sort_unstable_by_key(|rel| u32::from(*rel));
    below
        .into_iter()
        .filter_map(|relation| {
            let class = catalog_lookup::class(relation)?;
            let schema = catalog_lookup::namespace_name(class.namespace)?;
            let attnum = catalog_lookup::attnum_by_name(relation, &column.raw_name)?;
            Some(Descendant {
                relation,
                attnum,
                kind: class.kind,
                other_session_temp: catalog_lookup::is_other_temp_namespace(class.namespace),
                display: format!(
                    "{}.{}.{}",
                    catalog_lookup::quote(&schema),
                    catalog_lookup::quote(&class.name),
                    catalog_lookup::quote(&column.name)
                ),
            })
        })
        .collect()
}
