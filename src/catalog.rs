//! Discovery: which sequences exist, and which columns draw from each of them.
//!
//! A column draws from a sequence when the sequence is OWNED BY it (serial, identity, `ALTER
//! SEQUENCE ... OWNED BY`) or when its default calls `nextval()` on it. Both show up in
//! `pg_depend`, so one query finds every edge for a whole set of sequences.

use crate::default_expr::{self, DefaultUse};
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use std::collections::HashMap;

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
}

#[derive(Debug, Clone)]
pub struct Sequence {
    pub oid: pg_sys::Oid,
    /// Schema-qualified and quoted as needed: safe to splice into SQL and readable in messages.
    pub name: String,
    pub increment: i64,
    pub cycle: bool,
    pub can_select: bool,
    pub can_update: bool,
    /// Every column drawing from the sequence, partitions and inheritance children included.
    pub consumers: Vec<Consumer>,
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
    pub type_name: String,
    /// `None` when the column only owns the sequence; otherwise how its default uses it.
    pub default_use: Option<DefaultUse>,
    pub can_select: bool,
    pub row_security_active: bool,
    /// Every table this one inherits from, or is a partition of, transitively.
    pub ancestors: Vec<pg_sys::Oid>,
    /// The table may have partitions or inheritance children (`pg_class.relhassubclass`).
    pub has_children: bool,
    /// A valid, non-partial btree index (default operator class) whose first key is this
    /// column, and whether it keeps the column in descending order.
    pub index: Option<(pg_sys::Oid, bool)>,
}

/// A relation's name as `regclass` prints it, for messages (its OID if it is gone).
pub fn relation_name(relation: pg_sys::Oid) -> String {
    Spi::get_one_with_args::<String>(
        "SELECT $1::pg_catalog.regclass::pg_catalog.text",
        &[relation.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| u32::from(relation).to_string())
}

impl Consumer {
    /// The column's default as SQL text, for messages (deparsed on demand: it is rarely needed).
    pub fn default_text(&self) -> Option<String> {
        Spi::get_one_with_args::<String>(
            "SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef AS d
              WHERE d.adrelid OPERATOR(pg_catalog.=) $1 AND d.adnum OPERATOR(pg_catalog.=) $2",
            &[self.relation.into(), self.attnum.into()],
        )
        .ok()
        .flatten()
    }
}

impl Sequence {
    /// The consumers that are not covered by another consumer: a partition or child whose
    /// ancestor draws from the same sequence in the same column is read through that ancestor
    /// (a query on a parent covers its whole hierarchy).
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
}

const SEQUENCES: &str = r#"
SELECT c.oid,
       pg_catalog.format('%I.%I', n.nspname, c.relname),
       p.seqincrement,
       p.seqcycle,
       $4 OR pg_catalog.has_sequence_privilege(c.oid, 'SELECT'),
       $4 OR pg_catalog.has_sequence_privilege(c.oid, 'UPDATE')
  FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_sequence AS p ON p.seqrelid OPERATOR(pg_catalog.=) c.oid
 WHERE c.relkind OPERATOR(pg_catalog.=) 'S'
   AND CASE WHEN $1::pg_catalog.oid[] IS NOT NULL
            THEN c.oid OPERATOR(pg_catalog.=) ANY ($1)
            ELSE n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema}'::pg_catalog.name[])
             AND NOT pg_catalog.starts_with(n.nspname::pg_catalog.text, 'pg_toast')
             AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
             AND ($2::pg_catalog.text[] IS NULL
                  OR n.nspname::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($2))
             AND ($3::pg_catalog.text[] IS NULL
                  OR n.nspname::pg_catalog.text OPERATOR(pg_catalog.<>) ALL ($3))
       END
 ORDER BY n.nspname, c.relname
"#;

/// (In the queries below a superuser caller skips the privilege and row-security functions:
/// for a superuser they always answer yes and no, but would each fetch the relation from the
/// catalog cache again.)
///
/// Edges between sequences and columns: OWNED BY / identity (`pg_depend` deptype a or i from the
/// sequence to the column) and defaults (deptype n from a `pg_attrdef` to the sequence).
/// `{owned_by}` and `{default}` name the column each branch is restricted by (the sequence's or
/// the table's). The wanted OIDs are joined as `unnest($1)`, whose row count the planner knows,
/// so it uses pg_depend's indexes for a few and hash joins for many; no CTE hides the counts.
/// A serial column appears in both branches; the two rows are merged in Rust.
const EDGES: &str = r#"
SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid::pg_catalog.int2 AS attnum,
       NULL::pg_catalog.text AS adbin
  FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS w(oid)
  JOIN pg_catalog.pg_depend AS d ON {owned_by} OPERATOR(pg_catalog.=) w.oid
  JOIN pg_catalog.pg_class AS s ON s.oid OPERATOR(pg_catalog.=) d.objid
                               AND s.relkind OPERATOR(pg_catalog.=) 'S'
 WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
   AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
   AND d.refobjsubid OPERATOR(pg_catalog.>) 0
   AND d.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'::pg_catalog."char"[])
UNION ALL
SELECT d.refobjid, ad.adrelid, ad.adnum, ad.adbin::pg_catalog.text
  FROM pg_catalog.pg_depend AS d
  JOIN pg_catalog.pg_attrdef AS ad ON ad.oid OPERATOR(pg_catalog.=) d.objid
  JOIN pg_catalog.pg_class AS s ON s.oid OPERATOR(pg_catalog.=) d.refobjid
                               AND s.relkind OPERATOR(pg_catalog.=) 'S'
  JOIN pg_catalog.unnest($1::pg_catalog.oid[]) AS w(oid) ON {default} OPERATOR(pg_catalog.=) w.oid
 WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass
   AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
   AND d.deptype OPERATOR(pg_catalog.=) 'n'
"#;

/// What the report and the checks need of each consumer column (`$1`/`$2`: the tables and
/// attnums, pairwise), in the order consumers are listed: by table, then column.
const COLUMNS: &str = r#"
SELECT k.rel, k.attnum, a.attname::pg_catalog.text, c.relhassubclass,
       pg_catalog.format('%I.%I', n.nspname, c.relname),
       pg_catalog.quote_ident(a.attname),
       a.atttypid,
       CASE WHEN a.atttypid OPERATOR(pg_catalog.<>) ALL ('{int2,int4,int8,numeric}'::pg_catalog.regtype[])
            THEN pg_catalog.format_type(a.atttypid, a.atttypmod) END,
       $3 OR pg_catalog.has_column_privilege(k.rel, k.attnum, 'SELECT'),
       NOT $3 AND pg_catalog.row_security_active(k.rel),
       CASE WHEN c.relispartition OR EXISTS (SELECT FROM pg_catalog.pg_inherits AS i
                                               WHERE i.inhrelid OPERATOR(pg_catalog.=) k.rel)
       THEN ARRAY(WITH RECURSIVE up(rel) AS (
                 SELECT i.inhparent FROM pg_catalog.pg_inherits AS i
                  WHERE i.inhrelid OPERATOR(pg_catalog.=) k.rel
                 UNION
                 SELECT i.inhparent FROM pg_catalog.pg_inherits AS i
                   JOIN up ON i.inhrelid OPERATOR(pg_catalog.=) up.rel)
             SELECT up.rel FROM up) END
  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]),
                  pg_catalog.unnest($2::pg_catalog.int2[])) AS k(rel, attnum)
  JOIN pg_catalog.pg_class AS c ON c.oid OPERATOR(pg_catalog.=) k.rel
  JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid OPERATOR(pg_catalog.=) k.rel
                                   AND a.attnum OPERATOR(pg_catalog.=) k.attnum
                                   AND NOT a.attisdropped
 ORDER BY 5, 6
"#;

/// Per table and column: the btree index (default operator class, valid, not partial) whose
/// first key is that column, primary key first, and whether it is descending.
const USABLE_INDEXES: &str = r#"
SELECT DISTINCT ON (i.indrelid, i.indkey[0])
       i.indrelid, i.indkey[0], i.indexrelid,
       (i.indoption[0] OPERATOR(pg_catalog.&) 1::pg_catalog.int2) OPERATOR(pg_catalog.<>) 0
  FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS k(rel)
  JOIN pg_catalog.pg_index AS i ON i.indrelid OPERATOR(pg_catalog.=) k.rel
  JOIN pg_catalog.pg_class AS ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
  JOIN pg_catalog.pg_am AS am ON am.oid OPERATOR(pg_catalog.=) ic.relam
  JOIN pg_catalog.pg_opclass AS oc ON oc.oid OPERATOR(pg_catalog.=) i.indclass[0]
 WHERE am.amname OPERATOR(pg_catalog.=) 'btree'
   AND oc.opcdefault AND i.indisvalid AND i.indisready AND i.indislive
   AND i.indpred IS NULL
 ORDER BY i.indrelid, i.indkey[0], i.indisprimary DESC, i.indnatts, i.indexrelid
"#;

/// One edge as read from the catalog, before edges of the same column are merged.
struct Edge {
    sequence: pg_sys::Oid,
    consumer: Consumer,
}

/// The sequences in `scope`, ordered by schema and name, each with all of its consumers.
pub fn load(client: &SpiClient<'_>, scope: &Scope<'_>) -> spi::Result<Vec<Sequence>> {
    let mut sequences = sequences_without_consumers(client, scope)?;
    let oids: Vec<pg_sys::Oid> = sequences.iter().map(|s| s.oid).collect();
    let mut by_sequence: HashMap<pg_sys::Oid, Vec<Consumer>> = HashMap::new();
    for edge in edges(client, EdgeFilter::Sequences, &oids)? {
        by_sequence
            .entry(edge.sequence)
            .or_default()
            .push(edge.consumer);
    }
    for sequence in &mut sequences {
        sequence.consumers = merge(by_sequence.remove(&sequence.oid).unwrap_or_default());
    }
    Ok(sequences)
}

/// Just the OIDs of the sequences in `scope`, in the order `load` returns them.
pub fn sequence_oids(client: &SpiClient<'_>, scope: &Scope<'_>) -> spi::Result<Vec<pg_sys::Oid>> {
    Ok(sequences_without_consumers(client, scope)?
        .into_iter()
        .map(|s| s.oid)
        .collect())
}

fn sequences_without_consumers(
    client: &SpiClient<'_>,
    scope: &Scope<'_>,
) -> spi::Result<Vec<Sequence>> {
    let (oids, schemas, excluded) = scope_parameters(scope);
    let args = [
        oids.into(),
        schemas.into(),
        excluded.into(),
        caller_is_superuser().into(),
    ];
    let mut sequences = Vec::new();
    for row in client.select(SEQUENCES, None, &args)? {
        sequences.push(Sequence {
            oid: row.get(1)?.expect("pg_class.oid is never NULL"),
            name: row.get(2)?.expect("format() is never NULL"),
            increment: row.get(3)?.expect("pg_sequence.seqincrement is never NULL"),
            cycle: row.get(4)?.unwrap_or(false),
            can_select: row.get(5)?.unwrap_or(false),
            can_update: row.get(6)?.unwrap_or(false),
            consumers: Vec::new(),
        });
    }
    Ok(sequences)
}

#[allow(clippy::type_complexity)]
fn scope_parameters(
    scope: &Scope<'_>,
) -> (
    Option<Vec<pg_sys::Oid>>,
    Option<Vec<String>>,
    Option<Vec<String>>,
) {
    match scope {
        Scope::Sequences(oids) => (Some(oids.to_vec()), None, None),
        Scope::Database {
            schemas,
            exclude_schemas,
        } => (None, schemas.clone(), exclude_schemas.clone()),
    }
}

/// The columns of `relations` that draw from a sequence, with the sequence's OID.
pub fn consumers_of_tables(
    client: &SpiClient<'_>,
    relations: &[pg_sys::Oid],
) -> spi::Result<Vec<(pg_sys::Oid, Consumer)>> {
    Ok(edges(client, EdgeFilter::Tables, relations)?
        .into_iter()
        .map(|edge| (edge.sequence, edge.consumer))
        .collect())
}

/// `relation` and every table it inherits from or is a partition of, nearest first.
pub fn self_and_ancestors(
    client: &SpiClient<'_>,
    relation: pg_sys::Oid,
) -> spi::Result<Vec<pg_sys::Oid>> {
    let query = r#"
        WITH RECURSIVE up(rel, depth) AS (
            SELECT $1::pg_catalog.oid, 0
            UNION
            SELECT i.inhparent, up.depth OPERATOR(pg_catalog.+) 1
              FROM pg_catalog.pg_inherits AS i
              JOIN up ON i.inhrelid OPERATOR(pg_catalog.=) up.rel)
        SELECT rel FROM up ORDER BY depth"#;
    let mut out = Vec::new();
    for row in client.select(query, None, &[relation.into()])? {
        out.extend(row.get::<pg_sys::Oid>(1)?);
    }
    Ok(out)
}

/// `relation` and every partition or inheritance child below it that is a table.
pub fn self_and_descendants(
    client: &SpiClient<'_>,
    relation: pg_sys::Oid,
) -> spi::Result<Vec<pg_sys::Oid>> {
    let query = r#"
        WITH RECURSIVE down(rel) AS (
            SELECT $1::pg_catalog.oid
            UNION
            SELECT i.inhrelid FROM pg_catalog.pg_inherits AS i
              JOIN down ON i.inhparent OPERATOR(pg_catalog.=) down.rel)
        SELECT down.rel FROM down
          JOIN pg_catalog.pg_class AS c ON c.oid OPERATOR(pg_catalog.=) down.rel
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[])
         ORDER BY 1"#;
    let mut out = Vec::new();
    for row in client.select(query, None, &[relation.into()])? {
        out.extend(row.get::<pg_sys::Oid>(1)?);
    }
    Ok(out)
}

fn caller_is_superuser() -> bool {
    // SAFETY: reads the current role's superuser flag.
    unsafe { pg_sys::superuser() }
}

#[derive(Clone, Copy)]
enum EdgeFilter {
    Sequences,
    Tables,
}

fn edges(
    client: &SpiClient<'_>,
    filter: EdgeFilter,
    oids: &[pg_sys::Oid],
) -> spi::Result<Vec<Edge>> {
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let (owned_by, default) = match filter {
        EdgeFilter::Sequences => ("d.objid", "d.refobjid"),
        EdgeFilter::Tables => ("d.refobjid", "ad.adrelid"),
    };
    let mut wanted = oids.to_vec();
    wanted.sort_unstable_by_key(|oid| u32::from(*oid));
    wanted.dedup();

    // (sequence, table, column) -> the column's default, if it uses the sequence.
    type Key = (pg_sys::Oid, pg_sys::Oid, i16);
    let mut raw: Vec<(Key, Option<String>)> = Vec::new();
    let mut position: HashMap<Key, usize> = HashMap::new();
    let query = EDGES
        .replace("{owned_by}", owned_by)
        .replace("{default}", default);
    for row in client.select(query.as_str(), None, &[wanted.into()])? {
        let key: Key = (
            row.get(1)?.expect("edge without a sequence"),
            row.get(2)?.expect("edge without a table"),
            row.get(3)?.expect("edge without a column"),
        );
        let adbin: Option<String> = row.get(4)?;
        match position.get(&key) {
            Some(&at) => {
                if adbin.is_some() {
                    raw[at].1 = adbin;
                }
            }
            None => {
                position.insert(key, raw.len());
                raw.push((key, adbin));
            }
        }
    }
    if raw.is_empty() {
        return Ok(Vec::new());
    }

    // Each column once, with the edges that end in it.
    let mut by_column: HashMap<(pg_sys::Oid, i16), Vec<usize>> = HashMap::new();
    for (at, ((_, rel, att), _)) in raw.iter().enumerate() {
        by_column.entry((*rel, *att)).or_default().push(at);
    }
    let mut columns: Vec<(pg_sys::Oid, i16)> = by_column.keys().copied().collect();
    columns.sort_unstable_by_key(|(rel, att)| (u32::from(*rel), *att));
    let mut tables: Vec<pg_sys::Oid> = columns.iter().map(|(rel, _)| *rel).collect();
    tables.dedup();
    let indexes = usable_indexes(client, tables)?;

    let superuser = caller_is_superuser();
    let rels: Vec<pg_sys::Oid> = columns.iter().map(|(rel, _)| *rel).collect();
    let atts: Vec<i16> = columns.iter().map(|(_, att)| *att).collect();
    let mut out = Vec::with_capacity(raw.len());
    for row in client.select(COLUMNS, None, &[rels.into(), atts.into(), superuser.into()])? {
        let relation: pg_sys::Oid = row.get(1)?.expect("column without a table");
        let attnum: i16 = row.get(2)?.expect("column without an attnum");
        let atttypid: pg_sys::Oid = row.get(7)?.expect("pg_attribute.atttypid is never NULL");
        let table_sql: String = row.get(5)?.expect("format() is never NULL");
        let column_sql: String = row.get(6)?.expect("quote_ident() is never NULL");
        let template = Consumer {
            relation,
            attnum,
            column_name: row.get(3)?.expect("attname is never NULL"),
            has_children: row.get(4)?.unwrap_or(true),
            display: format!("{table_sql}.{column_sql}"),
            table_sql,
            column_sql,
            // SAFETY: getBaseType only reads the type cache for an existing type.
            base_type: unsafe { pg_sys::getBaseType(atttypid) },
            type_name: row.get(8)?.unwrap_or_default(),
            default_use: None,
            can_select: row.get(9)?.unwrap_or(false),
            row_security_active: row.get(10)?.unwrap_or(false),
            ancestors: row.get(11)?.unwrap_or_default(),
            index: indexes.get(&(relation, attnum)).copied(),
        };
        for &at in by_column.get(&(relation, attnum)).into_iter().flatten() {
            let ((sequence, _, _), adbin) = &raw[at];
            let mut consumer = template.clone();
            consumer.default_use = adbin
                .as_deref()
                .map(|text| default_expr::classify(text, *sequence));
            out.push(Edge {
                sequence: *sequence,
                consumer,
            });
        }
    }
    Ok(out)
}

/// `USABLE_INDEXES` for `tables`, by (table, column).
fn usable_indexes(
    client: &SpiClient<'_>,
    tables: Vec<pg_sys::Oid>,
) -> spi::Result<HashMap<(pg_sys::Oid, i16), (pg_sys::Oid, bool)>> {
    let mut out = HashMap::new();
    for row in client.select(USABLE_INDEXES, None, &[tables.into()])? {
        let table: pg_sys::Oid = row.get(1)?.expect("index without a table");
        let attnum: i16 = row.get(2)?.expect("indkey[0] is never NULL");
        let index: pg_sys::Oid = row.get(3)?.expect("index without an OID");
        out.insert((table, attnum), (index, row.get(4)?.unwrap_or(false)));
    }
    Ok(out)
}

/// A serial column appears twice (OWNED BY and its default): keep one consumer per column,
/// remembering how its default uses the sequence.
fn merge(edges: Vec<Consumer>) -> Vec<Consumer> {
    let mut merged: Vec<Consumer> = Vec::with_capacity(edges.len());
    for edge in edges {
        match merged
            .iter_mut()
            .find(|c| c.relation == edge.relation && c.column_name == edge.column_name)
        {
            Some(existing) if edge.default_use.is_some() => {
                existing.default_use = edge.default_use;
            }
            Some(_) => {}
            None => merged.push(edge),
        }
    }
    merged
}
