//! Switching automatic resync on and off: per table (statement triggers) or database-wide
//! (a `ddl_command_end` event trigger that keeps every table with a sequence covered and
//! resyncs after DDL that can leave a sequence behind).
//!
//! The state lives in the catalog only: our triggers have fixed names, one for each mode, so
//! disabling a mode removes exactly what enabling it placed.

use crate::error;
use crate::pg::encoding::{self, ServerText};
use crate::pg::relation;
use crate::resync::discovery::{self, Scope};
use crate::resync::engine;
use crate::resync::target;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use std::collections::HashSet;

/// Placed by `enable_auto_resync(table)`.
const TABLE_TRIGGER: &str = "pg_seqsync_auto_resync";
/// Placed by database-wide mode (and its event trigger).
const DATABASE_TRIGGER: &str = "pg_seqsync_auto_resync_db";
const EVENT_TRIGGER: &str = "pg_seqsync_auto_resync";

/// `enable_auto_resync(target)`: the table's triggers, or (NULL) database-wide mode. Returns the
/// number of triggers placed.
pub fn enable(target: Option<pg_sys::Oid>) -> Result<i32, ErrorReport> {
    Spi::connect_mut(|client| match target {
        Some(table) => {
            // Errors (not a table, no sequence behind it) before anything is placed.
            require_table(table, "enable_auto_resync")?;
            let sequences = target::resolve(table, None)?;
            if sequences.iter().any(|s| s.citus.is_some()) {
                return Err(error::citus_table_needs_hooks(&discovery::relation_name(
                    table,
                )));
            }
            let mut placed = 0;
            for relation in discovery::self_and_descendants(table) {
                placed += place_trigger(client, relation, TABLE_TRIGGER)?;
            }
            Ok(placed)
        }
        None => {
            require_superuser()?;
            client
                .update(
                    &format!(
                        "DO $$BEGIN
                           IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger
                                           WHERE evtname OPERATOR(pg_catalog.=) '{EVENT_TRIGGER}') THEN
                             EXECUTE pg_catalog.format(
                               'CREATE EVENT TRIGGER %I ON ddl_command_end EXECUTE FUNCTION %I._auto_resync_ddl()',
                               '{EVENT_TRIGGER}', (SELECT n.nspname FROM pg_catalog.pg_extension AS e
                                                     JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
                                                    WHERE e.extname OPERATOR(pg_catalog.=) 'pg_seqsync'));
                           END IF;
                         END$$"
                    ),
                    None,
                    &[],
                )
                .map_err(error::catalog_query_failed)?;
            let mut placed = 0;
            for relation in tables_with_sequences()? {
                placed += contained(relation, "place the automatic resync trigger on", || {
                    place_trigger(client, relation, DATABASE_TRIGGER)
                })?;
            }
            Ok(placed)
        }
    })
}

/// `disable_auto_resync(target)`: removes what `enable` placed. Returns the number removed.
pub fn disable(target: Option<pg_sys::Oid>) -> Result<i32, ErrorReport> {
    Spi::connect_mut(|client| {
        let (name, relations) = match target {
            Some(table) => {
                require_table(table, "disable_auto_resync")?;
                let relations = discovery::self_and_descendants(table);
                (TABLE_TRIGGER, relations)
            }
            None => {
                require_superuser()?;
                client
                    .update(
                        &format!("DROP EVENT TRIGGER IF EXISTS {EVENT_TRIGGER}"),
                        None,
                        &[],
                    )
                    .map_err(error::catalog_query_failed)?;
                (
                    DATABASE_TRIGGER,
                    triggered_tables(client, DATABASE_TRIGGER)?,
                )
            }
        };
        let mut dropped = 0;
        for relation in relations {
            if !has_trigger(client, relation, name)? {
                continue;
            }
            let drop = |client: &mut SpiClient<'_>| -> Result<i32, ErrorReport> {
                // Ownership before any lock, as DROP TRIGGER checks it: a role that may not
                // drop the trigger must not queue ACCESS EXCLUSIVE ahead of the owner's reads.
                if !owns(client, relation)? {
                    return Err(must_be_owner(relation));
                }
                // DROP TRIGGER's own lock, taken first with a bounded wait.
                relation::lock_bounded(
                    relation,
                    pg_sys::AccessExclusiveLock as pg_sys::LOCKMODE,
                    crate::settings::wait_limit(),
                );
                client
                    .update(
                        "SELECT pg_catalog.format('DROP TRIGGER %I ON %s', $1::pg_catalog.text, $2::pg_catalog.regclass)",
                        None,
                        &[name.into(), relation.into()],
                    )
                    .and_then(|t| t.first().get_one::<ServerText>())
                    .and_then(|sql| {
                        let sql = sql.map(|ServerText(sql)| encoding::ascii_sql(&sql));
                        client.update(sql.unwrap_or_default().as_str(), None, &[])
                    })
                    .map_err(error::catalog_query_failed)?;
                Ok(1)
            };
            dropped += match target {
                Some(_) => drop(client)?,
                None => contained(relation, "remove the automatic resync trigger from", || {
                    drop(client)
                })?,
            };
        }
        Ok(dropped)
    })
}

/// Called by the event trigger for each table or sequence a DDL command touched: keep the
/// table (and its partitions or children) covered, and resync what the command may have left
/// behind. Runs as the role that ran the DDL.
pub fn after_ddl(object: pg_sys::Oid) -> Result<(), ErrorReport> {
    let sequences = Spi::connect_mut(|client| -> Result<Vec<pg_sys::Oid>, ErrorReport> {
        let kind = relkind(client, object)?;
        // The DDL that fired us needed ownership of `object`; a direct call needs it too.
        if kind.is_some() && !owns(client, object)? {
            return Err(error::insufficient_privilege(
                &format!(
                    "permission denied for relation {}: the DDL hook acts only for its owner",
                    discovery::relation_name(object)
                ),
                "It is called by the database-wide event trigger after DDL on a table one owns.",
            ));
        }
        let sequences = match kind {
            Some('r' | 'p') => target::resolve(object, None).unwrap_or_default(),
            Some('S') => discovery::load(&Scope::Sequences(&[object])),
            _ => return Ok(Vec::new()),
        };
        let mut tables: Vec<pg_sys::Oid> = Vec::new();
        if matches!(kind, Some('r' | 'p')) && !sequences.is_empty() {
            tables.push(object);
        }
        let mut to_resync = Vec::new();
        for sequence in sequences {
            tables.extend(sequence.consumers.iter().map(|c| c.relation));
            // A new sequence nothing draws from yet, a CYCLE sequence, ...: nothing to say.
            if !engine::is_deliberate_skip(&sequence, &sequence.root_consumers()) {
                to_resync.push(sequence.oid);
            }
        }
        let mut seen: HashSet<pg_sys::Oid> = HashSet::new();
        for table in tables {
            for relation in discovery::self_and_descendants(table) {
                if !seen.insert(relation) {
                    continue;
                }
                if !has_trigger(client, relation, TABLE_TRIGGER)? {
                    contained(relation, "place the automatic resync trigger on", || {
                        place_trigger(client, relation, DATABASE_TRIGGER)
                    })?;
                }
            }
        }
        Ok(to_resync)
    })?;
    if !sequences.is_empty() {
        super::resync_and_warn(&sequences, "DDL");
    }
    Ok(())
}

/// One covered table (or, with `relation` NULL, database-wide mode itself).
pub struct StatusRow {
    pub relation: Option<pg_sys::Oid>,
    /// `table` or `database`.
    pub mode: &'static str,
    pub trigger_name: &'static str,
    /// The sequences behind the table.
    pub sequences: Vec<pg_sys::Oid>,
}

/// What `auto_resync_status()` reports.
pub fn status() -> Result<Vec<StatusRow>, ErrorReport> {
    Spi::connect(|client| -> Result<_, ErrorReport> {
        let mut rows = Vec::new();
        let event_trigger_on = !client
            .select(
                "SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname OPERATOR(pg_catalog.=) $1 AND evtenabled OPERATOR(pg_catalog.<>) 'D'",
                None,
                &[EVENT_TRIGGER.into()],
            )
            .map_err(error::catalog_query_failed)?
            .is_empty();
        if event_trigger_on {
            rows.push(StatusRow {
                relation: None,
                mode: "database",
                trigger_name: EVENT_TRIGGER,
                sequences: Vec::new(),
            });
        }
        for (name, mode) in [(TABLE_TRIGGER, "table"), (DATABASE_TRIGGER, "database")] {
            for relation in triggered_tables(client, name)? {
                let sequences = target::resolve(relation, None)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| s.oid)
                    .collect();
                rows.push(StatusRow {
                    relation: Some(relation),
                    mode,
                    trigger_name: name,
                    sequences,
                });
            }
        }
        Ok(rows)
    })
}

/// Runs one table's part of a database-wide change in a subtransaction: a failure (a lock not
/// granted within `pg_seqsync.lock_timeout`, ...) is a WARNING naming the table, and the rest
/// goes on. Only a cancel, a termination or running out of memory end the call.
fn contained(
    relation: pg_sys::Oid,
    what: &str,
    work: impl FnOnce() -> Result<i32, ErrorReport>,
) -> Result<i32, ErrorReport> {
    // Under the latest snapshot: what earlier steps of the same call placed is seen.
    match crate::pg::snapshot::in_latest_snapshot(work) {
        Ok(result) => result,
        Err(caught) => {
            let reason = error::triage(caught, false).into_message();
            crate::pg::encoding::warning(&format!(
                "pg_seqsync: could not {what} {}: {reason}",
                discovery::relation_name(relation)
            ));
            Ok(0)
        }
    }
}

fn require_superuser() -> Result<(), ErrorReport> {
    // SAFETY: reads the current role's superuser flag.
    if unsafe { pg_sys::superuser() } {
        return Ok(());
    }
    Err(error::insufficient_privilege(
        "database-wide automatic resync needs a superuser: it places an event trigger",
        "A table's owner can switch it on per table: SELECT enable_auto_resync('schema.table');",
    ))
}

fn require_table(relation: pg_sys::Oid, function: &str) -> Result<(), ErrorReport> {
    match target::describe(relation)? {
        ('r' | 'p', _, _) => Ok(()),
        (kind, name, _) => Err(error::not_a_table(&name, target::kind_name(kind), function)),
    }
}

/// PostgreSQL's own error for a role that does not own `relation` (aclcheck_error's wording).
fn must_be_owner(relation: pg_sys::Oid) -> ErrorReport {
    ErrorReport::new(
        pgrx::PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        crate::pg::encoding::for_error(&format!(
            "must be owner of table {}",
            discovery::relation_name(relation)
        )),
        "pg_seqsync",
    )
}

/// Whether the current role owns `relation` (is a member of its owner role; superusers own all).
fn owns(client: &SpiClient<'_>, relation: pg_sys::Oid) -> Result<bool, ErrorReport> {
    client
        .select(
            "SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class AS c
              WHERE c.oid OPERATOR(pg_catalog.=) $1",
            Some(1),
            &[relation.into()],
        )
        .and_then(|rows| rows.first().get_one::<bool>())
        .map(|owns| owns.unwrap_or(false))
        .map_err(error::catalog_query_failed)
}

/// The relation's kind, or `None` if it no longer exists.
fn relkind(client: &SpiClient<'_>, relation: pg_sys::Oid) -> Result<Option<char>, ErrorReport> {
    let kind = client
        .select(
            "SELECT relkind::pg_catalog.text FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) $1",
            Some(1),
            &[relation.into()],
        )
        .map_err(error::catalog_query_failed)?;
    if kind.is_empty() {
        return Ok(None);
    }
    let kind: Option<String> = kind.first().get(1).map_err(error::catalog_query_failed)?;
    Ok(kind.and_then(|k| k.chars().next()))
}

fn has_trigger(
    client: &SpiClient<'_>,
    relation: pg_sys::Oid,
    name: &str,
) -> Result<bool, ErrorReport> {
    let found = client
        .select(
            "SELECT 1 FROM pg_catalog.pg_trigger
              WHERE tgrelid OPERATOR(pg_catalog.=) $1 AND tgname OPERATOR(pg_catalog.=) $2::pg_catalog.name",
            Some(1),
            &[relation.into(), name.into()],
        )
        .map_err(error::catalog_query_failed)?;
    Ok(!found.is_empty())
}

/// Places trigger `name` on `relation` unless one of ours is already there. Returns 1 if placed.
fn place_trigger(
    client: &mut SpiClient<'_>,
    relation: pg_sys::Oid,
    name: &str,
) -> Result<i32, ErrorReport> {
    if has_trigger(client, relation, TABLE_TRIGGER)?
        || has_trigger(client, relation, DATABASE_TRIGGER)?
    {
        return Ok(0);
    }
    // CREATE TRIGGER's own lock, taken first with a bounded wait: a table someone keeps locked
    // must not hang the call.
    relation::lock_bounded(
        relation,
        pg_sys::ShareRowExclusiveLock as pg_sys::LOCKMODE,
        crate::settings::wait_limit(),
    );
    let sql: Option<ServerText> = client
        .select(
            "SELECT pg_catalog.format(
                 'CREATE TRIGGER %I AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION %I._auto_resync_trigger()',
                 $1::pg_catalog.text, $2::pg_catalog.regclass, n.nspname)
               FROM pg_catalog.pg_extension AS e
               JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
              WHERE e.extname OPERATOR(pg_catalog.=) 'pg_seqsync'",
            Some(1),
            &[name.into(), relation.into()],
        )
        .and_then(|t| t.first().get_one())
        .map_err(error::catalog_query_failed)?;
    let sql = sql.map(|ServerText(sql)| encoding::ascii_sql(&sql));
    client
        .update(sql.unwrap_or_default().as_str(), None, &[])
        .map_err(error::catalog_query_failed)?;
    Ok(1)
}

/// The tables that carry trigger `name`, ordered by name.
fn triggered_tables(client: &SpiClient<'_>, name: &str) -> Result<Vec<pg_sys::Oid>, ErrorReport> {
    let mut out = Vec::new();
    for row in client
        .select(
            "SELECT t.tgrelid FROM pg_catalog.pg_trigger AS t
              WHERE t.tgname OPERATOR(pg_catalog.=) $1::pg_catalog.name
              ORDER BY t.tgrelid::pg_catalog.regclass::pg_catalog.text",
            None,
            &[name.into()],
        )
        .map_err(error::catalog_query_failed)?
    {
        out.extend(
            row.get::<pg_sys::Oid>(1)
                .map_err(error::catalog_query_failed)?,
        );
    }
    Ok(out)
}

/// Every table (outside the system schemas) with a column that draws from a sequence, with its
/// partitions and inheritance children.
fn tables_with_sequences() -> Result<Vec<pg_sys::Oid>, ErrorReport> {
    let scope = Scope::Database {
        schemas: None,
        exclude_schemas: None,
    };
    let mut tables: Vec<pg_sys::Oid> = Vec::new();
    let mut seen: HashSet<pg_sys::Oid> = HashSet::new();
    for sequence in discovery::load(&scope) {
        for consumer in &sequence.consumers {
            for relation in discovery::self_and_descendants(consumer.relation) {
                if seen.insert(relation) {
                    tables.push(relation);
                }
            }
        }
    }
    Ok(tables)
}
