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

/// (In both queries a superuser caller, `$2`/`$4`, skips the privilege and row-security
/// functions: for a superuser they always answer yes and no, but would each fetch the relation
/// from the catalog cache again.)
///
/// Edges between sequences and columns: OWNED BY / identity (`pg_depend` deptype a or i from the
/// sequence to the column) and defaults (deptype n from a `pg_attrdef` to the sequence).
/// `{filter}` restricts the edges to a set of sequences or of tables.
const EDGES: &str = r#"
WITH raw_edges AS (
    SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid::pg_catalog.int2 AS attnum,
           NULL::pg_catalog.text AS adbin
      FROM pg_catalog.pg_depend AS d
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.refobjsubid OPERATOR(pg_catalog.>) 0
       AND d.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'::pg_catalog."char"[])
    UNION ALL
    SELECT d.refobjid, ad.adrelid, ad.adnum, ad.adbin::pg_catalog.text
      FROM pg_catalog.pg_depend AS d
      JOIN pg_catalog.pg_attrdef AS ad ON ad.oid OPERATOR(pg_catalog.=) d.objid
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass
       AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.deptype OPERATOR(pg_catalog.=) 'n'
), edges AS (
    -- A serial column is both OWNED BY and a default: one row per column.
    SELECT r.seq, r.rel, r.attnum, pg_catalog.max(r.adbin) AS adbin
      FROM raw_edges AS r
     WHERE {filter} OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])
     GROUP BY r.seq, r.rel, r.attnum
), usable_index AS (
    -- Per table and column: the btree index (default operator class, valid, not partial)
    -- whose first key is that column, primary key first.
    SELECT DISTINCT ON (i.indrelid, i.indkey[0])
           i.indrelid, i.indkey[0] AS attnum, i.indexrelid,
           (i.indoption[0] OPERATOR(pg_catalog.&) 1::pg_catalog.int2) OPERATOR(pg_catalog.<>) 0
             AS descending
      FROM pg_catalog.pg_index AS i
      JOIN pg_catalog.pg_class AS ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
      JOIN pg_catalog.pg_am AS am ON am.oid OPERATOR(pg_catalog.=) ic.relam
      JOIN pg_catalog.pg_opclass AS oc ON oc.oid OPERATOR(pg_catalog.=) i.indclass[0]
     WHERE i.indrelid OPERATOR(pg_catalog.=) ANY (SELECT e.rel FROM edges AS e)
       AND am.amname OPERATOR(pg_catalog.=) 'btree'
       AND oc.opcdefault AND i.indisvalid AND i.indisready AND i.indislive
       AND i.indpred IS NULL
     ORDER BY i.indrelid, i.indkey[0], i.indisprimary DESC, i.indnatts, i.indexrelid
)
SELECT e.seq, e.rel, a.attname::pg_catalog.text, e.attnum, c.relhassubclass,
       pg_catalog.format('%I.%I', n.nspname, c.relname),
       pg_catalog.quote_ident(a.attname),
       NULL::pg_catalog.text,
       a.atttypid,
       CASE WHEN a.atttypid OPERATOR(pg_catalog.<>) ALL ('{int2,int4,int8,numeric}'::pg_catalog.regtype[])
            THEN pg_catalog.format_type(a.atttypid, a.atttypmod) END,
       e.adbin,
       NULL::pg_catalog.text,
       $2 OR pg_catalog.has_column_privilege(e.rel, e.attnum, 'SELECT'),
       NOT $2 AND pg_catalog.row_security_active(e.rel),
       CASE WHEN c.relispartition OR EXISTS (SELECT FROM pg_catalog.pg_inherits AS i
                                               WHERE i.inhrelid OPERATOR(pg_catalog.=) e.rel)
       THEN ARRAY(WITH RECURSIVE up(rel) AS (
                 SELECT i.inhparent FROM pg_catalog.pg_inherits AS i
                  WHERE i.inhrelid OPERATOR(pg_catalog.=) e.rel
                 UNION
                 SELECT i.inhparent FROM pg_catalog.pg_inherits AS i
                   JOIN up ON i.inhrelid OPERATOR(pg_catalog.=) up.rel)
             SELECT up.rel FROM up) END,
       ix.indexrelid, ix.descending
  FROM edges AS e
  JOIN pg_catalog.pg_class AS s ON s.oid OPERATOR(pg_catalog.=) e.seq
                               AND s.relkind OPERATOR(pg_catalog.=) 'S'
  JOIN pg_catalog.pg_class AS c ON c.oid OPERATOR(pg_catalog.=) e.rel
  JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid OPERATOR(pg_catalog.=) e.rel
                                   AND a.attnum OPERATOR(pg_catalog.=) e.attnum
                                   AND NOT a.attisdropped
  LEFT JOIN usable_index AS ix ON ix.indrelid OPERATOR(pg_catalog.=) e.rel
                              AND ix.attnum OPERATOR(pg_catalog.=) e.attnum
 ORDER BY 6, 7
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
    let column = match filter {
        EdgeFilter::Sequences => "r.seq",
        EdgeFilter::Tables => "r.rel",
    };
    let query = EDGES.replace("{filter}", column);
    let mut out = Vec::new();
    let args = [oids.to_vec().into(), caller_is_superuser().into()];
    for row in client.select(query.as_str(), None, &args)? {
        let sequence: pg_sys::Oid = row.get(1)?.expect("edge without a sequence");
        let adbin: Option<String> = row.get(11)?;
        let atttypid: pg_sys::Oid = row.get(9)?.expect("pg_attribute.atttypid is never NULL");
        out.push(Edge {
            sequence,
            consumer: Consumer {
                relation: row.get(2)?.expect("edge without a table"),
                column_name: row.get(3)?.expect("attname is never NULL"),
                attnum: row.get(4)?.expect("attnum is never NULL"),
                has_children: row.get(5)?.unwrap_or(true),
                table_sql: row.get(6)?.expect("format() is never NULL"),
                column_sql: row.get(7)?.expect("quote_ident() is never NULL"),
                display: String::new(), // filled in below from the quoted parts
                // SAFETY: getBaseType only reads the type cache for an existing type.
                base_type: unsafe { pg_sys::getBaseType(atttypid) },
                type_name: row.get(10)?.unwrap_or_default(),
                default_use: adbin.map(|text| default_expr::classify(&text, sequence)),
                can_select: row.get(13)?.unwrap_or(false),
                row_security_active: row.get(14)?.unwrap_or(false),
                ancestors: row.get(15)?.unwrap_or_default(),
                index: row
                    .get::<pg_sys::Oid>(16)?
                    .map(|index| (index, row.get(17).ok().flatten().unwrap_or(false))),
            },
        });
        let consumer = &mut out.last_mut().expect("just pushed").consumer;
        consumer.display = format!("{}.{}", consumer.table_sql, consumer.column_sql);
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
