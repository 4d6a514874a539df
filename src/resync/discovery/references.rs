//! Which columns draw from each sequence: every reference to it in `pg_depend` (an `OWNED BY`
//! or a default naming it), judged one at a time. First whether the table's owner may draw
//! from the sequence at all, then what kind of relation it is and how its default uses the
//! sequence; everything else is ignored, with the reason.

use super::default_expr::{self, DefaultUse};
use super::hierarchy::{self, Descendant};
use super::model::{Consumer, Ignored, Leaf};
use super::scope;
use super::views;
use crate::pg::catalog_lookup;
use crate::pg::catalog_scan::{self, Access, AttrdefRow, CatalogScan, DependRow};
use pgrx::prelude::*;
use std::collections::{HashMap, HashSet};
use std::ffi::CString;

/// A column that may draw from a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    sequence: pg_sys::Oid,
    relation: pg_sys::Oid,
    attnum: i16,
}

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
pub struct Uses {
    pub consumers: Vec<Consumer>,
    pub ignored: Ignored,
    pub views: Vec<pg_sys::Oid>,
}

/// By sequence.
pub type Found = HashMap<pg_sys::Oid, Uses>;

/// A sequence a column draws from, and how its default uses it.
#[derive(Clone, Copy)]
struct SequenceUse {
    sequence: pg_sys::Oid,
    default_use: Option<DefaultUse>,
}

/// A consumer column and the sequence it draws from.
struct SequenceConsumer {
    sequence: pg_sys::Oid,
    consumer: Consumer,
}

/// The consumers of `sequences` (each with its owner) and the references ignored, by sequence.
pub fn consumers_of(sequences: &[(pg_sys::Oid, pg_sys::Oid)]) -> Found {
    let mut found: Found = HashMap::new();
    if sequences.is_empty() {
        return found;
    }
    let mut rows = catalog_lookup::ColumnRows::default();
    let references = references_to(sequences, &mut rows);
    let columns = judge(references, &mut rows, &mut found);
    if columns.is_empty() {
        return found;
    }
    let mut consumers = consumers_from(columns, &mut rows, &mut found);
    add_descendants(&mut consumers, &mut found);
    for SequenceConsumer { sequence, consumer } in consumers {
        found.entry(sequence).or_default().consumers.push(consumer);
    }
    found
}

/// Every reference to `sequences` whose relation and column still exist, the OWNED BY row and
/// the default row of the same column merged into one.
fn references_to(
    sequences: &[(pg_sys::Oid, pg_sys::Oid)],
    rows: &mut catalog_lookup::ColumnRows,
) -> Vec<Reference> {
    let mut references: Vec<Reference> = Vec::new();
    let mut position: HashMap<Key, Option<usize>> = HashMap::new();
    let sequence_owners: HashMap<pg_sys::Oid, pg_sys::Oid> = sequences.iter().copied().collect();
    let oids: Vec<pg_sys::Oid> = sequences.iter().map(|(oid, _)| *oid).collect();
    // Whether a role may draw from a sequence, judged once per pair: a role may own thousands
    // of references.
    let mut rights: HashMap<(pg_sys::Oid, pg_sys::Oid), bool> = HashMap::new();
    for Edge { key, adbin } in dependencies_of(&oids) {
        let at = *position.entry(key).or_insert_with(|| {
            let owner = sequence_owners[&key.sequence];
            describe_reference(key, owner, rows, &mut rights).map(|reference| {
                references.push(reference);
                references.len() - 1
            })
        });
        // A relation or column gone since the dependency was read is no reference.
        let Some(at) = at else { continue };
        match adbin {
            Some(adbin) => references[at].adbin = Some(adbin),
            None => references[at].owned = true,
        }
    }
    references
}

/// Judges each reference: a consumer column (perhaps a view's base column), with how its
/// default uses the sequence, or ignored (into `found`). Who may draw from the sequence comes
/// first: nothing else is done with the reference of a table whose owner may not (its default
/// is not even parsed).
fn judge(
    references: Vec<Reference>,
    rows: &mut catalog_lookup::ColumnRows,
    found: &mut Found,
) -> Vec<(Key, Option<DefaultUse>)> {
    let mut columns = Vec::new();
    for reference in references {
        let key = reference.key;
        // The reference's name is made only for what is ignored.
        let mut ignore = |found: &mut Found, why: &str| {
            found
                .entry(key.sequence)
                .or_default()
                .ignored
                .add(|| format!("{} ({why})", rows.column_display(key.relation, key.attnum)));
        };
        if !reference.owner_may_draw {
            ignore(found, "its owner has no right to draw from the sequence");
            continue;
        }
        let default_use = reference
            .adbin
            .as_deref()
            .map(|adbin| default_expr::classify(adbin, key.sequence));
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
            ignore(found, "its default does not call nextval() on it");
        } else if reference.other_session_temp {
            ignore(found, "another session's temporary table");
        } else {
            match reference.relkind {
                pg_sys::RELKIND_RELATION | pg_sys::RELKIND_PARTITIONED_TABLE => {
                    columns.push((key, default_use));
                }
                pg_sys::RELKIND_VIEW => match views::base_column(key.relation, key.attnum) {
                    Ok(written) => {
                        found
                            .entry(key.sequence)
                            .or_default()
                            .views
                            .extend(written.through);
                        let base = Key {
                            sequence: key.sequence,
                            relation: written.relation,
                            attnum: written.attnum,
                        };
                        columns.push((base, default_use));
                    }
                    Err(why) => ignore(found, &why),
                },
                pg_sys::RELKIND_FOREIGN_TABLE => {
                    ignore(found, "a foreign table: its rows are not read");
                }
                _ => ignore(found, "not a table"),
            }
        }
    }
    columns
}

/// One consumer per column and sequence it draws from, listed by table, then column, as the
/// report names them; a view's base relation that is not a table is ignored (into `found`).
fn consumers_from(
    columns: Vec<(Key, Option<DefaultUse>)>,
    rows: &mut catalog_lookup::ColumnRows,
    found: &mut Found,
) -> Vec<SequenceConsumer> {
    // The same column may come twice (a view's default and the table's own): keep one.
    let mut by_column: HashMap<(pg_sys::Oid, i16), Vec<SequenceUse>> = HashMap::new();
    for (key, default_use) in columns {
        let uses = by_column.entry((key.relation, key.attnum)).or_default();
        match uses.iter_mut().find(|u| u.sequence == key.sequence) {
            Some(existing) => existing.default_use = merge_uses(existing.default_use, default_use),
            None => uses.push(SequenceUse {
                sequence: key.sequence,
                default_use,
            }),
        }
    }
    let mut keys: Vec<(pg_sys::Oid, i16)> = by_column.keys().copied().collect();
    keys.sort_unstable_by_key(|(rel, att)| (u32::from(*rel), *att));
    let superuser = scope::caller_is_superuser();
    let mut inherits = CatalogScan::open(&catalog_scan::INHERITS_BY_CHILD);
    let mut ancestors: HashMap<pg_sys::Oid, Vec<pg_sys::Oid>> = HashMap::new();
    for &(relation, _) in &keys {
        ancestors
            .entry(relation)
            .or_insert_with(|| hierarchy::ancestors_through(&mut inherits, relation));
    }
    drop(inherits);
    let mut columns: Vec<ColumnFacts> = keys
        .iter()
        .filter_map(|&(relation, attnum)| column_facts(relation, attnum, rows))
        .collect();
    columns.sort_by(|a, b| (&a.table_sql, &a.column_sql).cmp(&(&b.table_sql, &b.column_sql)));
    let mut consumers: Vec<SequenceConsumer> = Vec::new();
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
            for SequenceUse { sequence, .. } in uses {
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
        let mut template = Consumer {
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
        if !template.may_have_children {
            template.leaves.push(template.own_leaf());
        }
        // One consumer per sequence the column draws from (most draw from one: no copy).
        let Some((last, others)) = uses.split_last() else {
            continue;
        };
        for other in others {
            let mut consumer = template.clone();
            consumer.default_use = other.default_use;
            consumers.push(SequenceConsumer {
                sequence: other.sequence,
                consumer,
            });
        }
        template.default_use = last.default_use;
        consumers.push(SequenceConsumer {
            sequence: last.sequence,
            consumer: template,
        });
    }
    consumers
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
                key: Key {
                    sequence,
                    relation: dep.refobjid,
                    attnum: dep.refobjsubid as i16,
                },
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
                    key: Key {
                        sequence: *sequence,
                        relation: *relation,
                        attnum: *attnum,
                    },
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
    let Key {
        sequence,
        relation,
        attnum,
    } = key;
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

/// Fills in the leaves of the consumers that may have partitions or children, and lists the
/// foreign partitions and other sessions' temporary children as ignored.
fn add_descendants(consumers: &mut [SequenceConsumer], found: &mut Found) {
    let mut roots: Vec<(pg_sys::Oid, i16)> = consumers
        .iter()
        .map(|c| &c.consumer)
        .filter(|c| c.may_have_children)
        .map(|c| (c.relation, c.attnum))
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
        for below in hierarchy::descendants_of(&mut scan, root.0, root.1) {
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
    for SequenceConsumer { sequence, consumer } in consumers.iter_mut() {
        if !consumer.may_have_children {
            continue;
        }
        let root = (consumer.relation, consumer.attnum);
        // The table itself may hold rows too (inheritance parent); a partitioned table not.
        let own = consumer.own_leaf();
        consumer.leaves.push(own);
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
            .map(|edge| {
                let key = edge.key;
                (
                    (key.sequence, key.relation, key.attnum),
                    edge.adbin.is_some(),
                )
            })
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
