//! Tables whose rows Citus keeps elsewhere, read from Citus's own catalog when it is there.
//!
//! On a Citus node a distributed table, a reference table or a table with a single shard (a
//! Citus-managed local table, a schema-based sharding table) is a shell: its rows live in
//! shards, which are tables of their own named `<table>_<shard id>` on the nodes that hold
//! them. A bound read from the shell's heap finds nothing, and one read from a shard finds a
//! part. So every such table is recognised and its sequence left alone.
//!
//! Citus need not be installed: its catalog (`pg_catalog.pg_dist_partition`,
//! `pg_catalog.pg_dist_shard`) is read only when the extension exists, only by a heap scan (no
//! query, no function of Citus's runs), and only once each table is checked to be a plain heap
//! table with the columns and types Citus gives it. Only a superuser can create a table in
//! `pg_catalog`, and only Citus's functions (which check table ownership) write these rows.

use super::catalog_lookup::{self, ClassRow};
use super::catalog_scan;
use super::relation::{OpenRelation, WaitLimit};
use pgrx::pg_sys;
use std::collections::HashMap;
use std::ffi::CStr;

/// How Citus holds a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Distributed by a column (hash, range or append): rows spread over many shards.
    Distributed,
    /// A reference table: every row in one shard, copied to every node.
    Reference,
    /// One shard holds every row: a Citus-managed local table, or a table of a distributed
    /// schema.
    SingleShard,
    /// A shard itself, holding part of the rows of this Citus table.
    Shard { table: pg_sys::Oid },
}

/// What Citus's catalog says, read once per discovery.
pub struct CitusCatalog {
    /// Every table in `pg_dist_partition`, with how its rows are placed.
    placed: HashMap<pg_sys::Oid, Placement>,
    /// `pg_dist_shard`: the table each shard ID belongs to.
    shard_tables: HashMap<i64, pg_sys::Oid>,
    /// This node's group (`pg_dist_local_group`): 0 on the coordinator. `None` when it cannot
    /// be read.
    pub local_group: Option<i32>,
}

/// `pg_dist_partition.partmethod` of a table without a distribution column.
const PARTMETHOD_NONE: u8 = b'n';
/// `pg_dist_partition.repmodel` of a reference table (two-phase commit replication).
const REPMODEL_TWO_PHASE: u8 = b't';

impl CitusCatalog {
    /// Citus's catalog, or `None` where the extension is not installed in this database. Its
    /// tables are locked waiting at most `limit`.
    /// Where it is but a table is not what Citus makes, every lookup answers what it can: a
    /// table found nowhere is this node's own.
    pub fn load(limit: WaitLimit) -> Option<CitusCatalog> {
        // SAFETY: looks an extension up by name in pg_extension; missing_ok.
        let extension = unsafe { pg_sys::get_extension_oid(c"citus".as_ptr(), true) };
        if extension == pg_sys::InvalidOid {
            return None;
        }
        let mut placed = HashMap::new();
        read_rows(
            limit,
            c"pg_dist_partition",
            &[
                ("logicalrelid", pg_sys::REGCLASSOID),
                ("partmethod", pg_sys::CHAROID),
                ("repmodel", pg_sys::CHAROID),
            ],
            |row| {
                let [Some(relation), Some(method), Some(model)] = row else {
                    return;
                };
                let placement = match (method.value() as u8, model.value() as u8) {
                    (PARTMETHOD_NONE, REPMODEL_TWO_PHASE) => Placement::Reference,
                    (PARTMETHOD_NONE, _) => Placement::SingleShard,
                    _ => Placement::Distributed,
                };
                placed.insert(oid_of(*relation), placement);
            },
        );
        let mut shard_tables = HashMap::new();
        read_rows(
            limit,
            c"pg_dist_shard",
            &[
                ("logicalrelid", pg_sys::REGCLASSOID),
                ("shardid", pg_sys::INT8OID),
            ],
            |row| {
                if let [Some(relation), Some(shard)] = row {
                    shard_tables.insert(shard.value() as i64, oid_of(*relation));
                }
            },
        );
        let mut local_group = None;
        read_rows(
            limit,
            c"pg_dist_local_group",
            &[("groupid", pg_sys::INT4OID)],
            |[group]| {
                if let Some(group) = group {
                    // More than one row is not a catalog Citus made: no group then.
                    local_group = match local_group {
                        None => Some(Some(group.value() as i32)),
                        Some(_) => Some(None),
                    };
                }
            },
        );
        Some(CitusCatalog {
            placed,
            shard_tables,
            local_group: local_group.flatten(),
        })
    }

    /// Whether Citus holds the rows of `relation` itself in shards (a distributed, reference
    /// or single-shard table), as opposed to a shard or a table of this node's own.
    pub fn holds_rows_of(&self, relation: pg_sys::Oid) -> bool {
        self.placed.contains_key(&relation)
    }

    /// How Citus places the rows of `relation` (whose `pg_class` row is `class`); `None` for a
    /// table of this node's own.
    pub fn placement(&self, relation: pg_sys::Oid, class: &ClassRow) -> Option<Placement> {
        if let Some(placement) = self.placed.get(&relation) {
            return Some(*placement);
        }
        let (table_name, shard) = shard_suffix(&class.raw_name)?;
        let table = *self.shard_tables.get(&shard)?;
        // A shard is named after its table, lives beside it and has its owner: a table another
        // role names like a shard is that role's own.
        let owner = catalog_lookup::class(table)?;
        (owner.raw_name == table_name
            && owner.namespace == class.namespace
            && owner.owner == class.owner)
            .then_some(Placement::Shard { table })
    }
}

/// Those of `tables` whose rows Citus holds in shards (distributed, reference or single-shard
/// tables); none where Citus is not installed. Reads only `pg_dist_partition`.
pub fn tables_held(tables: &[pg_sys::Oid], limit: WaitLimit) -> Vec<pg_sys::Oid> {
    // SAFETY: looks an extension up by name in pg_extension; missing_ok.
    if unsafe { pg_sys::get_extension_oid(c"citus".as_ptr(), true) } == pg_sys::InvalidOid {
        return Vec::new();
    }
    let mut held = Vec::new();
    read_rows(
        limit,
        c"pg_dist_partition",
        &[("logicalrelid", pg_sys::REGCLASSOID)],
        |[relation]| {
            if let Some(relation) = relation {
                let relation = oid_of(*relation);
                if tables.contains(&relation) && !held.contains(&relation) {
                    held.push(relation);
                }
            }
        },
    );
    held
}

/// `name` split as `<table>_<digits>`: the table's name and the shard ID.
fn shard_suffix(name: &[u8]) -> Option<(&[u8], i64)> {
    let underscore = name.iter().rposition(|&b| b == b'_')?;
    let digits = &name[underscore + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let shard = std::str::from_utf8(digits).ok()?.parse::<i64>().ok()?;
    Some((&name[..underscore], shard))
}

fn oid_of(datum: pg_sys::Datum) -> pg_sys::Oid {
    pg_sys::Oid::from(datum.value() as u32)
}

/// Calls `each` with the named columns of every row of Citus's catalog table `pg_catalog.name`
/// (NULL as `None`), if it is a plain heap table where each column has exactly the type given;
/// otherwise reads nothing.
fn read_rows<const N: usize>(
    limit: WaitLimit,
    name: &CStr,
    columns: &[(&str, pg_sys::Oid); N],
    mut each: impl FnMut(&[Option<pg_sys::Datum>; N]),
) {
    // SAFETY: looks a relation up by name in pg_catalog (no search path).
    let oid =
        unsafe { pg_sys::get_relname_relid(name.as_ptr(), pg_sys::PG_CATALOG_NAMESPACE.into()) };
    if oid == pg_sys::InvalidOid {
        return;
    }
    let Some(table) = OpenRelation::open(oid, pg_sys::AccessShareLock as pg_sys::LOCKMODE, limit)
    else {
        return;
    };
    if !table.is_heap_table() {
        return;
    }
    let mut numbers = [0i16; N];
    for (number, (column, type_oid)) in numbers.iter_mut().zip(columns) {
        let Ok(column) = std::ffi::CString::new(*column) else {
            return;
        };
        let Some(attnum) = catalog_lookup::attnum_by_name(oid, &column) else {
            return;
        };
        if table.column_type(attnum).map(|(base, _)| base) != Some(*type_oid) {
            return;
        }
        *number = attnum;
    }
    catalog_scan::rows_of(&table, |row| {
        // SAFETY: each column number was checked above to be a live column of this table
        // with a by-value type (regclass, "char", bigint), so its datum is the value itself.
        let values = numbers.map(|attnum| unsafe { row.datum(attnum) });
        each(&values);
    });
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::shard_suffix;
    use pgrx::prelude::*;

    #[pg_test]
    fn shard_names_split_at_the_last_underscore() {
        assert_eq!(
            shard_suffix(b"orders_102009"),
            Some((&b"orders"[..], 102009))
        );
        assert_eq!(shard_suffix(b"line_items_7"), Some((&b"line_items"[..], 7)));
        assert_eq!(shard_suffix(b"orders"), None);
        assert_eq!(shard_suffix(b"orders_"), None);
        assert_eq!(shard_suffix(b"orders_1x"), None);
        assert_eq!(shard_suffix(b"orders_99999999999999999999"), None);
    }
}
