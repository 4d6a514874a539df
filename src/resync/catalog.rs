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

use crate::pg::catalog_lookup;
use crate::pg::catalog_scan::{self, Access, AttrdefRow, CatalogScan, DependRow, InheritsRow};
use crate::pg::encoding::{self, ServerText};
use crate::pg::relation::FreeLock;
use crate::pg::snapshot::ActiveSnapshot;
use crate::pg::subxact;
use crate::resync::column_type;
use crate::resync::default_expr::{self, DefaultUse};
use crate::resync::views;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use std::collections::{HashMap, HashSet};
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

#[derive(Debug, Clone)]
pub struct Sequence {
    pub oid: pg_sys::Oid,
    /// Schema-qualified and quoted as needed: readable in messages.
    pub name: String,
    pub increment: i64,
    pub cycle: bool,
    pub can_select: bool,
    pub can_update: bool,
    pub owner: pg_sys::Oid,
    /// Every column drawing from the sequence, partitions and inheritance children included.
    pub consumers: Vec<Consumer>,
    /// References to the sequence that are not consumers, each with the reason.
    pub ignored: Ignored,
    /// The views a consumer is written through: each view with a default that makes one, and
    /// every view below it. A change to any of them may change the consumers.
    pub views: Vec<pg_sys::Oid>,
    /// Why the sequence is left alone because Citus keeps a consumer table's rows elsewhere
    /// (`resync::citus`); `None` on a database without Citus.
    pub citus: Option<String>,
}

/// References to a sequence that are not consumers: the first few by name, each with the
/// reason, and a count of the rest. Another role may plant thousands of them; neither the
/// report nor the time to discover them grows with the names (only the first are made).
#[derive(Debug, Clone, Default)]
pub struct Ignored {
    pub named: Vec<String>,
    pub more: usize,
}

impl Ignored {
    /// How many ignored references a report names.
    pub const NAMED: usize = 20;

    /// Counts one more; `name` is made only while fewer than `NAMED` are named.
    fn add(&mut self, name: impl FnOnce() -> String) {
        if self.named.len() < Self::NAMED {
            self.named.push(name());
        } else {
            self.more += 1;
        }
    }
}

#[derive(Debug, Clone)]
pub struct Consumer {
    pub relation: pg_sys::Oid,
    pub attnum: i16,
    pub column_name: String,
    /// `schema.table`, quoted as needed.
    pub table_sql: String,
    /// The column, quoted as needed.
    pub column_sql: String,
    /// `schema.table.column`, quoted as needed: what the report shows.
    pub display: String,
    pub base_type: pg_sys::Oid,
    pub base_typmod: i32,
    pub type_name: String,
    /// `None` when the column only owns the sequence; otherwise how its default uses it.
    pub default_use: Option<DefaultUse>,
    pub can_select: bool,
    pub row_security_active: bool,
    /// Every table this one inherits from, or is a partition of, transitively.
    pub ancestors: Vec<pg_sys::Oid>,
    /// The tables that hold this column's rows: the table itself, or every partition and
    /// inheritance child below it (detach-pending ones included), as discovery found them.
    pub leaves: Vec<Leaf>,
    /// The table is partitioned or has inheritance children: `leaves_now` lists them again
    /// when the bound is read (one may have been attached since discovery).
    pub may_have_children: bool,
}

/// One table holding rows of a consumer column, and that column's number there.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub relation: pg_sys::Oid,
    pub attnum: i16,
    /// `schema.table.column`, for messages.
    pub display: String,
}

/// Runs `work` (catalog queries) so that it sees the catalog as committed now, with this
/// transaction's own changes, whatever the caller's isolation level: a REPEATABLE READ
/// transaction's snapshot would hide a partition or a consumer table created after it began.
/// The queries run in a subtransaction of their own, which has no transaction ID, so SPI runs
/// them read-only on the snapshot pushed here. An error is raised again as it was.
pub fn read_latest<R>(work: impl FnOnce() -> R) -> R {
    in_latest_snapshot(work).unwrap_or_else(|caught| caught.rethrow())
}

/// `read_latest`, handing back the error that rolled the subtransaction back instead of
/// raising it again.
pub fn in_latest_snapshot<R>(work: impl FnOnce() -> R) -> Result<R, CaughtError> {
    // Popped when dropped, on success and on a caught error alike (the subtransaction's abort
    // pops only what was pushed inside it).
    let _snapshot = ActiveSnapshot::latest();
    subxact::run(work)
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
            tables.extend(walk_inheritance(&mut scan, consumer.relation, |row| {
                row.inhrelid
            }));
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

/// The one text value a catalog query returns, for messages. Run through `select`, which stays
/// read-only (no transaction ID is assigned: it works on a standby, and a dry run writes
/// nothing).
fn catalog_text(query: &str, args: &[pgrx::datum::DatumWithOid<'_>]) -> Option<String> {
    Spi::connect(|client| {
        client
            .select(query, Some(1), args)?
            .first()
            .get_one::<ServerText>()
    })
    .ok()
    .flatten()
    .map(|text| text.0)
}

impl Consumer {
    /// The column's default as SQL text, for messages (deparsed on demand: it is rarely needed).
    /// Deparsing locks the table, so only a table free right now is deparsed: no wait, and
    /// `None` otherwise.
    pub fn default_text(&self) -> Option<String> {
        let _lock = FreeLock::take(self.relation, pg_sys::AccessShareLock as pg_sys::LOCKMODE)?;
        // A table dropped meanwhile is gone from the syscache (taking the lock processed
        // invalidations): nothing to deparse.
        // SAFETY: a syscache existence probe by OID.
        let exists = unsafe {
            pg_sys::SearchSysCacheExists(
                pg_sys::SysCacheIdentifier::RELOID as _,
                pg_sys::Datum::from(self.relation),
                pg_sys::Datum::from(0),
                pg_sys::Datum::from(0),
                pg_sys::Datum::from(0),
            )
        };
        exists
            .then(|| {
                catalog_text(
                    "SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef AS d
                      WHERE d.adrelid OPERATOR(pg_catalog.=) $1 AND d.adnum OPERATOR(pg_catalog.=) $2",
                    &[self.relation.into(), self.attnum.into()],
                )
            })
            .flatten()
    }

    /// The column rounds the whole numbers nextval() returns, by its type or its default.
    pub fn rounds(&self) -> bool {
        self.default_use == Some(DefaultUse::Rounded)
            || column_type::rounds_whole_numbers(self.base_type, self.base_typmod)
    }
}

impl Sequence {
    /// The consumers that are not covered by another consumer: a partition or child whose
    /// ancestor draws from the same sequence in the same column is read through that ancestor.
    pub fn root_consumers(&self) -> Vec<&Consumer> {
        self.consumers
            .iter()
            .filter(|c| {
                !self.consumers.iter().any(|other| {
                    other.column_name == c.column_name && c.ancestors.contains(&other.relation)
                })
            })
            .collect()
    }

    /// `ignored: ...` for the report's detail, if anything was ignored.
    pub fn ignored_note(&self) -> Option<String> {
        let Ignored { named, more } = &self.ignored;
        (!named.is_empty()).then(|| match more {
            0 => format!("ignored: {}", named.join(", ")),
            more => format!("ignored: {} and {more} more", named.join(", ")),
        })
    }
}

/// The sequences in `scope`, ordered by schema and name, each with all of its consumers.
pub fn load(client: &SpiClient<'_>, scope: &Scope<'_>) -> spi::Result<Vec<Sequence>> {
    let mut sequences = sequences_without_consumers(client, scope)?;
    let owners: Vec<(pg_sys::Oid, pg_sys::Oid)> =
        sequences.iter().map(|s| (s.oid, s.owner)).collect();
    let mut found = consumers_of(client, &owners)?;
    for sequence in &mut sequences {
        if let Some(uses) = found.remove(&sequence.oid) {
            sequence.consumers = uses.consumers;
            sequence.ignored = uses.ignored;
            sequence.views = uses.views;
        }
    }
    crate::resync::citus::note_placements(&mut sequences);
    if let Scope::Table { relation, column } = scope {
        let tables = self_and_ancestors(client, *relation)?;
        sequences.retain(|s| {
            s.consumers.iter().any(|c| {
                tables.contains(&c.relation) && column.is_none_or(|name| name == c.column_name)
            })
        });
    }
    Ok(sequences)
}

/// Just the OIDs of the sequences in `scope`, in the order `load` returns them.
pub fn sequence_oids(_client: &SpiClient<'_>, scope: &Scope<'_>) -> spi::Result<Vec<pg_sys::Oid>> {
    Ok(sequences_listed(scope).into_iter().map(|s| s.oid).collect())
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
            let oids = sequences_of_tables(&self_and_ancestors_now(*relation));
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

fn sequences_without_consumers(
    _client: &SpiClient<'_>,
    scope: &Scope<'_>,
) -> spi::Result<Vec<Sequence>> {
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
    Ok(sequences)
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
        referenced.for_each(&class_key(table), |row| {
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

/// The `(classid, objid)` or `(refclassid, refobjid)` key of relation `relation` in pg_depend.
fn class_key(relation: pg_sys::Oid) -> [pg_sys::Datum; 2] {
    [
        pg_sys::Datum::from(pg_sys::RelationRelationId),
        pg_sys::Datum::from(relation),
    ]
}

/// `relation` and every table it inherits from or is a partition of, nearest first.
pub fn self_and_ancestors(
    _client: &SpiClient<'_>,
    relation: pg_sys::Oid,
) -> spi::Result<Vec<pg_sys::Oid>> {
    Ok(self_and_ancestors_now(relation))
}

fn self_and_ancestors_now(relation: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    let mut scan = CatalogScan::open(&catalog_scan::INHERITS_BY_CHILD);
    let mut out = vec![relation];
    out.extend(ancestors_through(&mut scan, relation));
    out
}

/// Every table `relation` inherits from or is a partition of, transitively, nearest first.
fn ancestors_through(scan: &mut CatalogScan, relation: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    walk_inheritance(scan, relation, |row| row.inhparent)
}

/// Breadth-first over pg_inherits from `start` (not included), each relation once: `next`
/// picks the parent or the child from a row the scan finds for the current relation.
fn walk_inheritance(
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
pub fn self_and_descendants(
    _client: &SpiClient<'_>,
    relation: pg_sys::Oid,
) -> spi::Result<Vec<pg_sys::Oid>> {
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
    Ok(out)
}

fn caller_is_superuser() -> bool {
    // SAFETY: reads the current role's superuser flag.
    unsafe { pg_sys::superuser() }
}

/// A column that may draw from a sequence: `(sequence, table, column)`.
type Key = (pg_sys::Oid, pg_sys::Oid, i16);

/// What the catalog says about one reference, before it is judged.
struct Reference {
    key: Key,
    owned: bool,
    adbin: Option<CString>,
    relkind: u8,
    owner_may_draw: bool,
    other_session_temp: bool,
}

/// What discovery found of one sequence's references.
#[derive(Default)]
struct Uses {
    consumers: Vec<Consumer>,
    ignored: Ignored,
    views: Vec<pg_sys::Oid>,
}

type Found = HashMap<pg_sys::Oid, Uses>;

/// A sequence a column draws from, and how its default uses it.
type SequenceUse = (pg_sys::Oid, Option<DefaultUse>);

/// The consumers of `sequences` (each with its owner) and the references ignored, by sequence.
fn consumers_of(
    client: &SpiClient<'_>,
    sequences: &[(pg_sys::Oid, pg_sys::Oid)],
) -> spi::Result<Found> {
    let mut found: Found = HashMap::new();
    if sequences.is_empty() {
        return Ok(found);
    }
    // Merge the OWNED BY row and the default row of the same column.
    let mut references: Vec<Reference> = Vec::new();
    let mut position: HashMap<Key, Option<usize>> = HashMap::new();
    let sequence_owners: HashMap<pg_sys::Oid, pg_sys::Oid> = sequences.iter().copied().collect();
    let oids: Vec<pg_sys::Oid> = sequences.iter().map(|(oid, _)| *oid).collect();
    let edges = dependencies_of(&oids);
    let mut rows = catalog_lookup::ColumnRows::default();
    // Whether a role may draw from a sequence, judged once per pair: a role may own thousands
    // of references.
    let mut rights: HashMap<(pg_sys::Oid, pg_sys::Oid), bool> = HashMap::new();
    for edge in edges {
        let key = edge.key;
        let adbin = edge.adbin;
        let at = match position.get(&key) {
            Some(at) => *at,
            None => {
                let owner = sequence_owners[&key.0];
                let reference = describe_reference(key, owner, &mut rows, &mut rights);
                let at = reference.map(|reference| {
                    references.push(reference);
                    references.len() - 1
                });
                position.insert(key, at);
                at
            }
        };
        // A relation or column gone since the dependency was read is no reference.
        let Some(at) = at else { continue };
        match adbin {
            Some(adbin) => references[at].adbin = Some(adbin),
            None => references[at].owned = true,
        }
    }

    // Judge each reference: a consumer column (perhaps a view's base column), or ignored. Who
    // may draw from the sequence comes first: nothing else is done with the reference of a
    // table whose owner may not (its default is not even parsed).
    let mut columns: Vec<(Key, Option<DefaultUse>)> = Vec::new();
    for reference in references {
        let (sequence, relation, attnum) = reference.key;
        // The reference's name is made only for what is ignored.
        let mut ignore = |found: &mut Found, why: &str| {
            found
                .entry(sequence)
                .or_default()
                .ignored
                .add(|| format!("{} ({why})", rows.column_display(relation, attnum)));
        };
        if !reference.owner_may_draw {
            ignore(
                &mut found,
                "its owner has no right to draw from the sequence",
            );
            continue;
        }
        let default_use = reference
            .adbin
            .as_deref()
            .map(|adbin| default_expr::classify(adbin, sequence));
        let draws = reference.owned
            || matches!(
                default_use,
                Some(
                    DefaultUse::Plain
                        | DefaultUse::Wrapped
                        | DefaultUse::Rounded
                        | DefaultUse::TooDeep
                )
            );
        let default_use = default_use.filter(|u| *u != DefaultUse::NotDrawing);
        if !draws {
            ignore(&mut found, "its default does not call nextval() on it");
        } else if reference.other_session_temp {
            ignore(&mut found, "another session's temporary table");
        } else {
            match reference.relkind {
                pg_sys::RELKIND_RELATION | pg_sys::RELKIND_PARTITIONED_TABLE => {
                    columns.push(((sequence, relation, attnum), default_use));
                }
                pg_sys::RELKIND_VIEW => match views::base_column(client, relation, attnum)? {
                    Ok(written) => {
                        found
                            .entry(sequence)
                            .or_default()
                            .views
                            .extend(written.through);
                        columns.push(((sequence, written.relation, written.attnum), default_use));
                    }
                    Err(why) => ignore(&mut found, &why),
                },
                pg_sys::RELKIND_FOREIGN_TABLE => {
                    ignore(&mut found, "a foreign table: its rows are not read");
                }
                _ => ignore(&mut found, "not a table"),
            }
        }
    }
    if columns.is_empty() {
        return Ok(found);
    }

    // The same column may come twice (a view's default and the table's own): keep one.
    let mut by_column: HashMap<(pg_sys::Oid, i16), Vec<SequenceUse>> = HashMap::new();
    for ((sequence, relation, attnum), default_use) in columns {
        let uses = by_column.entry((relation, attnum)).or_default();
        match uses.iter_mut().find(|(s, _)| *s == sequence) {
            Some(existing) => existing.1 = merge_uses(existing.1, default_use),
            None => uses.push((sequence, default_use)),
        }
    }
    let mut keys: Vec<(pg_sys::Oid, i16)> = by_column.keys().copied().collect();
    keys.sort_unstable_by_key(|(rel, att)| (u32::from(*rel), *att));
    let superuser = caller_is_superuser();
    let mut inherits = CatalogScan::open(&catalog_scan::INHERITS_BY_CHILD);
    let mut ancestors: HashMap<pg_sys::Oid, Vec<pg_sys::Oid>> = HashMap::new();
    for &(relation, _) in &keys {
        ancestors
            .entry(relation)
            .or_insert_with(|| ancestors_through(&mut inherits, relation));
    }
    drop(inherits);
    // Listed by table, then column, as the report names them.
    let mut columns: Vec<ColumnFacts> = keys
        .iter()
        .filter_map(|&(relation, attnum)| column_facts(relation, attnum, &mut rows))
        .collect();
    columns.sort_by(|a, b| (&a.table_sql, &a.column_sql).cmp(&(&b.table_sql, &b.column_sql)));
    let mut consumers: Vec<(pg_sys::Oid, Consumer, bool)> = Vec::new();
    let mut type_names: HashMap<(pg_sys::Oid, i32), String> = HashMap::new();
    for column in columns {
        let ColumnFacts {
            relation,
            attnum,
            class,
            row,
            table_sql,
            column_sql,
        } = column;
        let display = format!("{table_sql}.{column_sql}");
        let uses = by_column.remove(&(relation, attnum)).unwrap_or_default();
        // A view's base table may be anything the view reads from.
        let unusable = if catalog_lookup::is_other_temp_namespace(class.namespace) {
            Some("another session's temporary table")
        } else if !matches!(
            class.kind,
            pg_sys::RELKIND_RELATION | pg_sys::RELKIND_PARTITIONED_TABLE
        ) {
            Some("a view's base relation that is not a table")
        } else {
            None
        };
        if let Some(why) = unusable {
            for (sequence, _) in uses {
                found
                    .entry(sequence)
                    .or_default()
                    .ignored
                    .add(|| format!("{display} ({why})"));
            }
            continue;
        }
        let mut base_typmod = row.typmod;
        // SAFETY: getBaseTypeAndTypmod only reads the type cache for an existing type.
        let base_type = unsafe { pg_sys::getBaseTypeAndTypmod(row.type_oid, &mut base_typmod) };
        let template = Consumer {
            relation,
            attnum,
            display,
            table_sql,
            column_sql,
            base_type,
            base_typmod,
            type_name: type_names
                .entry((row.type_oid, row.typmod))
                .or_insert_with(|| catalog_lookup::type_name(row.type_oid, row.typmod))
                .clone(),
            default_use: None,
            can_select: superuser || catalog_lookup::may_select_column(relation, attnum),
            row_security_active: !superuser && catalog_lookup::row_security_active(relation),
            ancestors: ancestors.get(&relation).cloned().unwrap_or_default(),
            leaves: Vec::new(),
            may_have_children: class.has_subclass
                || class.kind == pg_sys::RELKIND_PARTITIONED_TABLE,
            column_name: row.name,
        };
        let may_have_children = template.may_have_children;
        let mut template = template;
        if !may_have_children {
            template.leaves.push(Leaf {
                relation,
                attnum,
                display: template.display.clone(),
            });
        }
        // One consumer per sequence the column draws from (most draw from one: no copy).
        let Some(((last_sequence, last_use), others)) = uses.split_last() else {
            continue;
        };
        for (sequence, default_use) in others {
            let mut consumer = template.clone();
            consumer.default_use = *default_use;
            consumers.push((*sequence, consumer, may_have_children));
        }
        template.default_use = *last_use;
        consumers.push((*last_sequence, template, may_have_children));
    }

    add_descendants(&mut consumers, &mut found);
    for (sequence, consumer, _) in consumers {
        found.entry(sequence).or_default().consumers.push(consumer);
    }
    Ok(found)
}

/// One reference from a column to a sequence, as pg_depend records it: OWNED BY or identity
/// (the sequence depends on the column, deptype a or i), or a default naming the sequence (the
/// column's pg_attrdef row depends on it, deptype n), with that default's expression.
#[derive(Debug, PartialEq, Eq)]
struct Edge {
    key: Key,
    adbin: Option<CString>,
}

/// Every reference from a column of any relation to one of `sequences`, sequence by sequence:
/// its OWNED BY edge first, then its defaults. A serial column has both; merged by the caller.
fn dependencies_of(sequences: &[pg_sys::Oid]) -> Vec<Edge> {
    let access = Access::for_lookups(&catalog_scan::DEPEND_BY_DEPENDER, 2 * sequences.len());
    dependencies_read(sequences, access)
}

/// `dependencies_of`, reading `pg_depend` and `pg_attrdef` the given way.
fn dependencies_read(sequences: &[pg_sys::Oid], access: Access) -> Vec<Edge> {
    let mut owned: HashMap<pg_sys::Oid, Vec<Edge>> = HashMap::new();
    let mut defaults: HashMap<pg_sys::Oid, Vec<pg_sys::Oid>> = HashMap::new();
    // The sequence depends on the column it is OWNED BY (deptype a, or i for identity).
    let mut take_owned = |sequence: pg_sys::Oid, dep: &DependRow| {
        if dep.refclassid == pg_sys::RelationRelationId
            && dep.refobjsubid > 0
            && matches!(dep.deptype as u8, b'a' | b'i')
        {
            owned.entry(sequence).or_default().push(Edge {
                key: (sequence, dep.refobjid, dep.refobjsubid as i16),
                adbin: None,
            });
        }
    };
    // A column default (its pg_attrdef row) depends on each sequence it names (deptype n).
    let mut take_default = |sequence: pg_sys::Oid, dep: &DependRow| {
        if dep.classid == catalog_scan::PG_ATTRDEF && dep.deptype as u8 == b'n' {
            defaults.entry(sequence).or_default().push(dep.objid);
        }
    };
    let keys: Vec<(pg_sys::Oid, pg_sys::Oid)> = sequences
        .iter()
        .map(|s| (pg_sys::RelationRelationId, *s))
        .collect();
    if access == Access::Sequential {
        // One pass over pg_depend for both kinds of rows.
        let wanted: HashSet<pg_sys::Oid> = sequences.iter().copied().collect();
        catalog_scan::all_rows(&catalog_scan::DEPEND_BY_DEPENDER, |row| {
            // SAFETY: rows of pg_depend.
            let dep = unsafe { row.form::<DependRow>() };
            if dep.classid == pg_sys::RelationRelationId && wanted.contains(&dep.objid) {
                take_owned(dep.objid, dep);
            }
            if dep.refclassid == pg_sys::RelationRelationId && wanted.contains(&dep.refobjid) {
                take_default(dep.refobjid, dep);
            }
        });
    } else {
        let datums = |(class, oid): (pg_sys::Oid, pg_sys::Oid)| {
            vec![pg_sys::Datum::from(class), pg_sys::Datum::from(oid)]
        };
        catalog_scan::rows_for_keys(
            &catalog_scan::DEPEND_BY_DEPENDER,
            access,
            &keys,
            datums,
            // SAFETY: rows of pg_depend.
            |row| unsafe { row.form::<DependRow>() }.depender(),
            // SAFETY: as above.
            |(_, sequence), row| take_owned(sequence, unsafe { row.form::<DependRow>() }),
        );
        catalog_scan::rows_for_keys(
            &catalog_scan::DEPEND_BY_REFERENCED,
            access,
            &keys,
            datums,
            // SAFETY: rows of pg_depend.
            |row| unsafe { row.form::<DependRow>() }.referenced(),
            // SAFETY: as above.
            |(_, sequence), row| take_default(sequence, unsafe { row.form::<DependRow>() }),
        );
    }
    let attrdef_oids: Vec<pg_sys::Oid> = defaults.values().flatten().copied().collect();
    let mut attrdefs: HashMap<pg_sys::Oid, (pg_sys::Oid, i16, CString)> = HashMap::new();
    catalog_scan::rows_for_keys(
        &catalog_scan::ATTRDEF_BY_OID,
        access,
        &attrdef_oids,
        |oid| vec![pg_sys::Datum::from(oid)],
        // SAFETY: rows of pg_attrdef.
        |row| unsafe { row.form::<AttrdefRow>() }.oid,
        |oid, row| {
            // SAFETY: as above.
            let (form, adbin) = unsafe { (row.form::<AttrdefRow>(), row.attrdef_adbin()) };
            attrdefs.insert(oid, (form.adrelid, form.adnum, adbin.unwrap_or_default()));
        },
    );
    let mut edges = Vec::new();
    for sequence in sequences {
        edges.extend(owned.remove(sequence).unwrap_or_default());
        for attrdef in defaults.remove(sequence).unwrap_or_default() {
            // One default may name several sequences: each gets its own copy.
            if let Some((relation, attnum, adbin)) = attrdefs.get(&attrdef) {
                edges.push(Edge {
                    key: (*sequence, *relation, *attnum),
                    adbin: Some(adbin.clone()),
                });
            }
        }
    }
    edges
}

/// Whether `role` may draw from `sequence` (owns it, or holds USAGE or UPDATE on it): only a
/// column of such a role's table or view can be a consumer.
pub fn may_draw(role: pg_sys::Oid, sequence: pg_sys::Oid) -> bool {
    catalog_lookup::class(sequence).is_some_and(|class| class.owner == role)
        || catalog_lookup::role_has_any(role, sequence, pg_sys::ACL_USAGE | pg_sys::ACL_UPDATE)
}

/// What the system caches say about the relation and column of a reference to a sequence
/// owned by `sequence_owner`; `None` if either is gone (or the column dropped).
fn describe_reference(
    key: Key,
    sequence_owner: pg_sys::Oid,
    rows: &mut catalog_lookup::ColumnRows,
    rights: &mut HashMap<(pg_sys::Oid, pg_sys::Oid), bool>,
) -> Option<Reference> {
    let (sequence, relation, attnum) = key;
    let (kind, owner, namespace) = rows
        .class(relation)
        .map(|class| (class.kind, class.owner, class.namespace))?;
    rows.column(relation, attnum)?;
    rows.table_sql(relation)?; // its schema is gone: no reference
    Some(Reference {
        key,
        owned: false,
        adbin: None,
        relkind: kind,
        owner_may_draw: owner == sequence_owner
            || *rights
                .entry((owner, sequence))
                .or_insert_with(|| may_draw(owner, sequence)),
        other_session_temp: catalog_lookup::is_other_temp_namespace(namespace),
    })
}

/// A consumer column as the system caches describe it.
struct ColumnFacts {
    relation: pg_sys::Oid,
    attnum: i16,
    class: catalog_lookup::ClassRow,
    row: catalog_lookup::ColumnRow,
    /// `schema.table`, quoted as needed.
    table_sql: String,
    /// The column, quoted as needed.
    column_sql: String,
}

/// Column `attnum` of `relation`; `None` if the table or column is gone.
fn column_facts(
    relation: pg_sys::Oid,
    attnum: i16,
    rows: &mut catalog_lookup::ColumnRows,
) -> Option<ColumnFacts> {
    let class = rows.class(relation)?.clone();
    let row = rows.column(relation, attnum)?.clone();
    Some(ColumnFacts {
        relation,
        attnum,
        table_sql: rows.table_sql(relation)?,
        column_sql: catalog_lookup::quote(&row.name),
        class,
        row,
    })
}

/// OWNED BY and a default on the same column: the default says how the values get there.
fn merge_uses(a: Option<DefaultUse>, b: Option<DefaultUse>) -> Option<DefaultUse> {
    match (a, b) {
        (Some(DefaultUse::Plain), other) | (other, Some(DefaultUse::Plain)) => {
            other.or(Some(DefaultUse::Plain))
        }
        (a, b) => a.or(b),
    }
}

/// The tables that hold `consumer`'s rows now, as the catalog lists them (under the latest
/// snapshot): a partition attached or created since discovery is among them.
pub fn leaves_now(consumer: &Consumer) -> spi::Result<Vec<Leaf>> {
    if !consumer.may_have_children {
        return Ok(consumer.leaves.clone());
    }
    let mut leaves = vec![Leaf {
        relation: consumer.relation,
        attnum: consumer.attnum,
        display: consumer.display.clone(),
    }];
    let below = read_latest(|| {
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
    Ok(leaves)
}

/// Fills in the leaves of the consumers that may have partitions or children (the third field),
/// and lists the foreign partitions and other sessions' temporary children as ignored.
fn add_descendants(consumers: &mut [(pg_sys::Oid, Consumer, bool)], found: &mut Found) {
    let mut roots: Vec<(pg_sys::Oid, i16)> = consumers
        .iter()
        .filter(|(_, _, has_children)| *has_children)
        .map(|(_, c, _)| (c.relation, c.attnum))
        .collect();
    if roots.is_empty() {
        return;
    }
    roots.sort_unstable_by_key(|(rel, att)| (u32::from(*rel), *att));
    roots.dedup();
    let mut leaves: HashMap<(pg_sys::Oid, i16), Vec<Leaf>> = HashMap::new();
    let mut skipped: HashMap<(pg_sys::Oid, i16), Vec<String>> = HashMap::new();
    let mut scan = CatalogScan::open(&catalog_scan::INHERITS_BY_PARENT);
    for &root in &roots {
        for below in descendants_of(&mut scan, root.0, root.1) {
            let Descendant {
                relation,
                attnum,
                kind,
                other_session_temp,
                display,
            } = below;
            match (kind, other_session_temp) {
                (_, true) => skipped
                    .entry(root)
                    .or_default()
                    .push(format!("{display} (another session's temporary table)")),
                (pg_sys::RELKIND_RELATION, false) => leaves.entry(root).or_default().push(Leaf {
                    relation,
                    attnum,
                    display,
                }),
                (pg_sys::RELKIND_FOREIGN_TABLE, false) => skipped.entry(root).or_default().push(
                    format!("{display} (a foreign partition: its rows are not read)"),
                ),
                _ => {} // a partitioned table stores nothing; its own partitions are listed
            }
        }
    }
    drop(scan);
    for (sequence, consumer, has_children) in consumers.iter_mut() {
        if !*has_children {
            continue;
        }
        let root = (consumer.relation, consumer.attnum);
        // The table itself may hold rows too (inheritance parent); a partitioned table not.
        consumer.leaves.push(Leaf {
            relation: consumer.relation,
            attnum: consumer.attnum,
            display: consumer.display.clone(),
        });
        consumer
            .leaves
            .extend(leaves.get(&root).cloned().unwrap_or_default());
        if let Some(notes) = skipped.get(&root) {
            let ignored = &mut found.entry(*sequence).or_default().ignored;
            for note in notes {
                ignored.add(|| note.clone());
            }
        }
    }
}

/// A partition or inheritance child below a consumer table.
struct Descendant {
    relation: pg_sys::Oid,
    /// The consumer column's number in this table (matched by name).
    attnum: i16,
    kind: u8,
    other_session_temp: bool,
    /// `schema.table.column`, quoted as needed.
    display: String,
}

/// Every partition and inheritance child below `root` (detach-pending ones included) that has
/// the column `attnum` of `root` (by name), in OID order; `scan` reads pg_inherits by parent.
fn descendants_of(scan: &mut CatalogScan, root: pg_sys::Oid, attnum: i16) -> Vec<Descendant> {
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

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::{dependencies_read, Access};
    use pgrx::prelude::*;

    fn oid(name: &str) -> pg_sys::Oid {
        Spi::get_one::<pg_sys::Oid>(&format!("SELECT '{name}'::pg_catalog.regclass::oid"))
            .unwrap()
            .unwrap()
    }

    #[pg_test]
    fn the_index_and_a_sequential_read_find_the_same_references() {
        Spi::run(
            "CREATE SEQUENCE both_shared;
             CREATE TABLE both_a (id serial, s bigint DEFAULT nextval('both_shared'));
             CREATE TABLE both_b (s bigint DEFAULT nextval('both_shared') + nextval('both_a_id_seq'));
             CREATE TABLE both_c (id int GENERATED ALWAYS AS IDENTITY, v int);
             ALTER SEQUENCE both_shared OWNED BY both_b.s;",
        )
        .unwrap();
        let (a, b, c) = (oid("both_a"), oid("both_b"), oid("both_c"));
        let sequences = [
            oid("both_shared"),
            oid("both_a_id_seq"),
            oid("both_c_id_seq"),
        ];
        let by_index = dependencies_read(&sequences, Access::ByIndex);
        let sequential = dependencies_read(&sequences, Access::Sequential);
        // The same edges in the same order (both follow pg_depend's heap order within a key).
        assert_eq!(by_index, sequential);
        // Sequence by sequence, its OWNED BY edge first, then its defaults (in heap order, which
        // need not be the order they were made in: compared sorted).
        let found: Vec<_> = by_index
            .iter()
            .map(|edge| (edge.key, edge.adbin.is_some()))
            .collect();
        let owned_first = found
            .iter()
            .enumerate()
            .all(|(at, ((sequence, ..), is_default))| {
                *is_default || at == 0 || found[at - 1].0 .0 != *sequence
            });
        assert!(owned_first, "{found:?}");
        let mut sorted = found.clone();
        sorted.sort_by_key(|((sequence, relation, attnum), is_default)| {
            (
                u32::from(*sequence),
                *is_default,
                u32::from(*relation),
                *attnum,
            )
        });
        let mut expected = vec![
            ((sequences[0], b, 1), false),
            ((sequences[0], a, 2), true),
            ((sequences[0], b, 1), true),
            ((sequences[1], a, 1), false),
            ((sequences[1], a, 1), true),
            ((sequences[1], b, 1), true),
            ((sequences[2], c, 1), false),
        ];
        expected.sort_by_key(|((sequence, relation, attnum), is_default)| {
            (
                u32::from(*sequence),
                *is_default,
                u32::from(*relation),
                *attnum,
            )
        });
        assert_eq!(sorted, expected);
    }
}
