//! Which sequences a call covers: named ones, every sequence of a database (or of some
//! schemas), or those behind a table's columns; each listed once, in a stable order.

use super::hierarchy;
use super::model::{Ignored, Sequence};
use crate::pg::catalog_lookup;
use crate::pg::catalog_scan::{self, AttrdefRow, CatalogScan, DependRow};
use crate::pg::encoding;
use pgrx::prelude::*;
use std::collections::HashMap;
use std::ffi::CString;

/// Which sequences a run covers.
pub enum Scope<'a> {
    /// These sequences, wherever they live.
    Sequences(&'a [pg_sys::Oid]),
    /// Every sequence in the database outside the system schemas (and other sessions' temporary
    /// schemas), optionally limited to `schemas` and minus `exclude_schemas`.
    Database {
        schemas: Option<Vec<String>>,
        exclude_schemas: Option<Vec<String>>,
    },
    /// The sequences behind a table's columns (or one column of it), its parents' included: a
    /// row routed into a partition gets the parent's default.
    Table {
        relation: pg_sys::Oid,
        column: Option<&'a str>,
    },
}

/// Just the OIDs of the sequences in `scope`, in the order `discover` returns them, under the
/// latest snapshot.
pub fn sequence_oids(scope: &Scope<'_>) -> Vec<pg_sys::Oid> {
    crate::pg::snapshot::read_latest(|| {
        sequences_listed(scope).into_iter().map(|s| s.oid).collect()
    })
}

/// A sequence in scope, before anything but its `pg_class` row and schema is looked up.
struct Listed {
    oid: pg_sys::Oid,
    class: catalog_lookup::ClassRow,
    /// The schema's name, quoted as needed.
    quoted_schema: String,
}

/// The sequences in `scope`, each once, ordered by schema and name as `name` sorts (the bytes
/// as stored).
fn sequences_listed(scope: &Scope<'_>) -> Vec<Listed> {
    let (candidates, mut classes) = match scope {
        Scope::Sequences(oids) => (oids.to_vec(), classes_of(oids)),
        Scope::Database {
            schemas,
            exclude_schemas,
        } => sequences_in_schemas(schemas.as_deref(), exclude_schemas.as_deref()),
        Scope::Table { relation, .. } => {
            let oids = sequences_of_tables(&hierarchy::self_and_ancestors(*relation));
            let classes = classes_of(&oids);
            (oids, classes)
        }
    };
    // Each schema's name, as stored and quoted, looked up once.
    let mut schema_names: HashMap<pg_sys::Oid, Option<(CString, String)>> = HashMap::new();
    let mut listed: Vec<(CString, Listed)> = Vec::new();
    for oid in candidates {
        // A sequence named twice comes once (its row is taken the first time).
        let Some(class) = classes.remove(&oid) else {
            continue;
        };
        if class.kind != pg_sys::RELKIND_SEQUENCE {
            continue;
        }
        let Some((schema, quoted_schema)) = schema_names
            .entry(class.namespace)
            .or_insert_with(|| {
                catalog_lookup::namespace_raw_name(class.namespace).map(|name| {
                    let quoted = catalog_lookup::quote(&encoding::c_to_utf8(&name));
                    (name, quoted)
                })
            })
            .clone()
        else {
            continue;
        };
        listed.push((
            schema,
            Listed {
                oid,
                class,
                quoted_schema,
            },
        ));
    }
    listed.sort_by(|(a_schema, a), (b_schema, b)| {
        (a_schema.as_bytes(), &a.class.raw_name).cmp(&(b_schema.as_bytes(), &b.class.raw_name))
    });
    listed.into_iter().map(|(_, listed)| listed).collect()
}

/// The sequences in `scope`, each with what its own catalog rows say (consumers not yet found).
pub fn sequences_without_consumers(scope: &Scope<'_>) -> Vec<Sequence> {
    let superuser = caller_is_superuser();
    // SAFETY: reads the current role's OID.
    let role = unsafe { pg_sys::GetUserId() };
    let mut sequences = Vec::new();
    for Listed {
        oid,
        class,
        quoted_schema,
    } in sequences_listed(scope)
    {
        let Some(options) = catalog_lookup::sequence_options(oid) else {
            continue;
        };
        sequences.push(Sequence {
            oid,
            name: format!("{quoted_schema}.{}", catalog_lookup::quote(&class.name)),
            increment: options.increment,
            cycle: options.cycle,
            can_select: superuser || catalog_lookup::role_has_any(role, oid, pg_sys::ACL_SELECT),
            can_update: superuser || catalog_lookup::role_has_any(role, oid, pg_sys::ACL_UPDATE),
            owner: class.owner,
            consumers: Vec::new(),
            ignored: Ignored::default(),
            views: Vec::new(),
            citus: None,
        });
    }
    sequences
}

/// The `pg_class` rows of `relations` that exist.
fn classes_of(relations: &[pg_sys::Oid]) -> HashMap<pg_sys::Oid, catalog_lookup::ClassRow> {
    relations
        .iter()
        .filter_map(|&oid| catalog_lookup::class(oid).map(|class| (oid, class)))
        .collect()
}

/// Every sequence outside the system schemas and other sessions' temporary schemas, in
/// `schemas` (all when `None`) and not in `exclude_schemas`.
fn sequences_in_schemas(
    schemas: Option<&[String]>,
    exclude_schemas: Option<&[String]>,
) -> (
    Vec<pg_sys::Oid>,
    HashMap<pg_sys::Oid, catalog_lookup::ClassRow>,
) {
    let mut wanted: HashMap<pg_sys::Oid, bool> = HashMap::new();
    let mut found = Vec::new();
    let mut rows = HashMap::new();
    catalog_scan::classes_of_kind(pg_sys::RELKIND_SEQUENCE, |row| {
        let namespace = row.relnamespace;
        let in_scope = *wanted.entry(namespace).or_insert_with(|| {
            let Some(name) = catalog_lookup::namespace_name(namespace) else {
                return false;
            };
            !matches!(name.as_str(), "pg_catalog" | "information_schema")
                && !name.starts_with("pg_toast")
                && !catalog_lookup::is_other_temp_namespace(namespace)
                && schemas.is_none_or(|list| list.contains(&name))
                && !exclude_schemas.is_some_and(|list| list.contains(&name))
        });
        if in_scope {
            found.push(row.oid);
            rows.insert(row.oid, catalog_lookup::ClassRow::of(row));
        }
    });
    (found, rows)
}

/// The sequences that columns of `tables` own or whose defaults name them (any relation a
/// default names is a candidate; the caller keeps the sequences).
pub fn sequences_of_tables(tables: &[pg_sys::Oid]) -> Vec<pg_sys::Oid> {
    let mut found = Vec::new();
    let mut referenced = CatalogScan::open(&catalog_scan::DEPEND_BY_REFERENCED);
    let mut defaults = CatalogScan::open(&catalog_scan::ATTRDEF_BY_TABLE);
    let mut depender = CatalogScan::open(&catalog_scan::DEPEND_BY_DEPENDER);
    for &table in tables {
        // OWNED BY and identity: the sequence depends on the column (deptype a or i).
        referenced.for_each(&hierarchy::class_key(table), |row| {
            // SAFETY: a pg_depend row.
            let dep = unsafe { row.form::<DependRow>() };
            if dep.classid == pg_sys::RelationRelationId && matches!(dep.deptype as u8, b'a' | b'i')
            {
                found.push(dep.objid);
            }
        });
        // Defaults: each pg_attrdef row of the table depends on what it names (deptype n).
        let mut attrdefs = Vec::new();
        defaults.for_each(&[pg_sys::Datum::from(table)], |row| {
            // SAFETY: a pg_attrdef row.
            attrdefs.push(unsafe { row.form::<AttrdefRow>() }.oid);
        });
        for attrdef in attrdefs {
            let key = [
                pg_sys::Datum::from(catalog_scan::PG_ATTRDEF),
                pg_sys::Datum::from(attrdef),
            ];
            depender.for_each(&key, |row| {
                // SAFETY: a pg_depend row.
                let dep = unsafe { row.form::<DependRow>() };
                if dep.refclassid == pg_sys::RelationRelationId && dep.deptype as u8 == b'n' {
                    found.push(dep.refobjid);
                }
            });
        }
    }
    found
}

pub fn caller_is_superuser() -> bool {
    // SAFETY: reads the current role's superuser flag.
    unsafe { pg_sys::superuser() }
}
