//! The data bound of a table Citus holds, read through Citus over every shard.
//!
//! On the coordinator a distributed, reference or single-shard table is an empty shell; its
//! rows are in shards, often on other nodes, and only Citus knows where. This is the one read
//! of a user's table that runs a query: `max()` (or `min()`) of the consumer column, which
//! Citus pushes down to every shard. It runs as the table's owner in a security-restricted
//! operation, with `search_path` pinned and row-level security off (a policy that would hide
//! rows makes it fail instead), inside a subtransaction that is always rolled back; its lock
//! waits are bounded by the resync's limit on this node and, through Citus's propagation of
//! `SET LOCAL`, on every node it reaches.
//!
//! Citus gives each node group its own range of a bigint sequence: only the rows in this
//! node's range bound this node's sequence, and the furthest row in another node's range is
//! reported, never followed (following it would hand out that node's values).

use super::value::{whole_number, Direction};
use super::{BoundError, Reader};
use crate::error::Triage;
use crate::pg::catalog_lookup::{self, ColumnRows};
use crate::pg::encoding::{self, ServerText};
use crate::pg::guc::GucNest;
use crate::pg::owner;
use crate::pg::relation::{self, OpenRelation, WaitLimit};
use crate::pg::snapshot::ActiveSnapshot;
use crate::pg::subxact;
use crate::pg::transaction_wait;
use crate::resync::discovery::{self, Consumer, NodeRange};
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

/// What a read through Citus found.
#[derive(Debug, Clone, Copy, Default)]
pub struct CitusBound {
    /// The bound of the rows in this node's range (every row without a range).
    pub own: Option<i64>,
    /// The lowest value below this node's range and the highest above it (other nodes'), read
    /// for a caller only.
    pub below: Option<i64>,
    pub above: Option<i64>,
}

/// Reads `consumer`'s bound through Citus. For a caller (`Reader::Caller`), transactions writing
/// the table or its partitions through this node are waited for first (at most the resync's
/// limit): their rows are not visible to a query until they commit, and a value that may still
/// commit is in use; and a table this transaction wrote is refused, since rows it deleted or
/// updated there, which come back if it rolls back, are out of a query's sight. After a write
/// (`Reader::AfterOwnWrite`), the read runs as the role that wrote when it may read the column:
/// Citus lets a transaction read the placements it wrote only as that role.
pub fn read(
    consumer: &Consumer,
    direction: Direction,
    own_range: Option<NodeRange>,
    reader: Reader,
) -> Result<CitusBound, BoundError> {
    let limit = crate::settings::wait_limit();
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    let Some(table) = OpenRelation::open(consumer.relation, lock, limit) else {
        return Ok(CitusBound::default()); // dropped meanwhile: no data
    };
    // Judged a table by discovery, it may have become something else since (before 16 an
    // empty table can become a view, whose query would run instead).
    if !matches!(
        table.kind(),
        pg_sys::RELKIND_RELATION | pg_sys::RELKIND_PARTITIONED_TABLE
    ) {
        return Err(BoundError::Unreadable(format!(
            "the table of {} is no longer a table",
            consumer.display
        )));
    }
    if table.column_type(consumer.attnum) != Some((consumer.base_type, consumer.base_typmod)) {
        return Err(BoundError::Unreadable(format!(
            "{} changed during the resync; run it again",
            consumer.display
        )));
    }
    let mut rows = ColumnRows::default();
    let (Some(table_sql), Some(column)) = (
        rows.table_sql(consumer.relation),
        rows.column(consumer.relation, consumer.attnum)
            .map(|c| catalog_lookup::quote(&c.name)),
    ) else {
        return Ok(CitusBound::default());
    };
    if reader == Reader::Caller {
        let tables = discovery::self_and_descendants(consumer.relation);
        if tables.iter().any(|&table| relation::written_by_me(table)) {
            return Err(BoundError::Unreadable(format!(
                "this transaction wrote into {table_sql}, and rows it deleted or updated there \
                 come back if it rolls back, out of a query's sight: resync after it ends"
            )));
        }
        let writers: Vec<_> = tables
            .iter()
            .flat_map(|&t| relation::writers_of(t))
            .collect();
        let deadline = transaction_wait::deadline_in(limit.ms);
        if !transaction_wait::wait_for_virtual(&writers, deadline) {
            return Err(BoundError::Unreadable(format!(
                "lock not available: a transaction writing {table_sql} through this node is \
                 still in progress (waited {} ms, {})",
                limit.ms, limit.setting
            )));
        }
    }
    let query = Query {
        table_sql: &table_sql,
        column: &column,
        direction,
    };
    let role = match (reader, owner::writer()) {
        (Reader::AfterOwnWrite, Some(writer))
            if catalog_lookup::role_may_select_column(
                writer,
                consumer.relation,
                consumer.attnum,
            ) =>
        {
            writer
        }
        _ => table.owner(),
    };
    let texts = subxact::run_and_roll_back(|| {
        owner::run_as(role, || {
            let settings = GucNest::new();
            settings.set(c"citus.propagate_set_commands", "local");
            settings.set(c"search_path", "pg_catalog, pg_temp");
            Spi::connect_mut(|client| {
                for setting in [
                    format!("SET LOCAL lock_timeout = {}", limit.ms.max(1)),
                    "SET LOCAL row_security = off".to_string(),
                    "SET LOCAL search_path = pg_catalog, pg_temp".to_string(),
                ] {
                    client.update(&setting, None, &[])?;
                }
                let _snapshot = ActiveSnapshot::latest();
                let (low, high) = own_range.map_or((None, None), |r| {
                    (Some(r.low).filter(|&low| low > i64::MIN), Some(r.high))
                });
                let own = query.aggregate(client, low, high)?;
                // Rows in other nodes' ranges only make a note for a caller.
                let mut above = None;
                let mut below = None;
                if reader == Reader::Caller {
                    if let Some(high) = high {
                        above = query.beyond(client, "max", ">", high)?;
                    }
                    if let Some(low) = low {
                        below = query.beyond(client, "min", "<", low)?;
                    }
                }
                Ok::<_, pgrx::spi::Error>((own, below, above))
            })
        })
    });
    let (own, below, above) = match texts {
        Ok(Ok(found)) => found,
        Ok(Err(spi)) => return Err(BoundError::Unreadable(format!("{spi}"))),
        // Another node's error is about that table alone, whatever its SQLSTATE: its owner's
        // settings and code there (a statement_timeout of theirs, a view raising a cancel's
        // SQLSTATE) must not end a sweep. A cancel of this backend is raised here again.
        Err(caught) if raised_by_another_node(&caught) => {
            pgrx::check_for_interrupts!();
            let (code, message) = crate::error::caught_code_and_message(&caught);
            return Err(match code {
                PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE => {
                    lock_skip(&table_sql, limit, &message)
                }
                _ => BoundError::Failed(format!(
                    "reading {table_sql} through Citus failed on another node: {message} \
                     (SQLSTATE {})",
                    crate::error::sqlstate(code)
                )),
            });
        }
        // A lock wait past the limit, here or on another node: a skip naming the table.
        Err(caught) => match crate::error::triage(caught, false) {
            Triage::LockNotAvailable(message) => {
                return Err(lock_skip(&table_sql, limit, &message))
            }
            Triage::Denied(message) => {
                return Err(BoundError::Unreadable(format!(
                    "reading {table_sql} through Citus as its owner was refused: {message}"
                )))
            }
            Triage::Failed { message, sqlstate } => {
                return Err(BoundError::Failed(format!(
                    "reading {table_sql} through Citus failed: {message} (SQLSTATE {sqlstate})"
                )))
            }
        },
    };
    let number = |text: Option<String>| -> Result<Option<i64>, BoundError> {
        text.map(|text| {
            whole_number(&text, direction).map_err(|value| BoundError::OutOfRange {
                table: consumer.display.clone(),
                value,
            })
        })
        .transpose()
    };
    Ok(CitusBound {
        own: number(own)?,
        below: number(below)?,
        above: number(above)?,
    })
}

/// A lock wait past the limit while reading `table_sql` through Citus: a skip.
fn lock_skip(table_sql: &str, limit: WaitLimit, message: &str) -> BoundError {
    BoundError::Unreadable(format!(
        "lock not available: reading {table_sql} through Citus waited {} ms ({}) for a lock \
         held by another transaction on this node or another: {message}",
        limit.ms, limit.setting
    ))
}

/// Whether Citus raised `caught` again from another node's answer (its remote-command code
/// reports each such error), as opposed to an error of this backend's own.
fn raised_by_another_node(caught: &CaughtError) -> bool {
    match caught {
        CaughtError::PostgresError(report) => report.file().ends_with("remote_commands.c"),
        _ => false,
    }
}

/// The statements of one read: the aggregate of one column of one table.
struct Query<'a> {
    table_sql: &'a str,
    column: &'a str,
    direction: Direction,
}

impl Query<'_> {
    fn aggregate_name(&self) -> &'static str {
        match self.direction {
            Direction::Ascending => "max",
            Direction::Descending => "min",
        }
    }

    /// The aggregate over the rows between `low` and `high` (each bound optional).
    fn aggregate(
        &self,
        client: &mut pgrx::spi::SpiClient<'_>,
        low: Option<i64>,
        high: Option<i64>,
    ) -> Result<Option<String>, pgrx::spi::Error> {
        let mut conditions = Vec::new();
        let mut args = Vec::new();
        if let Some(low) = low {
            args.push(low.into());
            conditions.push(format!(
                "{} OPERATOR(pg_catalog.>=) ${}",
                self.column,
                args.len()
            ));
        }
        if let Some(high) = high {
            args.push(high.into());
            conditions.push(format!(
                "{} OPERATOR(pg_catalog.<=) ${}",
                self.column,
                args.len()
            ));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        self.run(client, self.aggregate_name(), &filter, &args)
    }

    /// `aggregate` (`max` or `min`) over the rows `operator` (`>` or `<`) `limit`.
    fn beyond(
        &self,
        client: &mut pgrx::spi::SpiClient<'_>,
        aggregate: &str,
        operator: &str,
        limit: i64,
    ) -> Result<Option<String>, pgrx::spi::Error> {
        let filter = format!(" WHERE {} OPERATOR(pg_catalog.{operator}) $1", self.column);
        self.run(client, aggregate, &filter, &[limit.into()])
    }

    fn run(
        &self,
        client: &mut pgrx::spi::SpiClient<'_>,
        aggregate: &str,
        filter: &str,
        args: &[pgrx::datum::DatumWithOid<'_>],
    ) -> Result<Option<String>, pgrx::spi::Error> {
        let statement = encoding::ascii_sql(&format!(
            "SELECT pg_catalog.{aggregate}({})::pg_catalog.text FROM {}{filter}",
            self.column, self.table_sql
        ));
        Ok(client
            .select(&statement, Some(1), args)?
            .first()
            .get_one::<ServerText>()?
            .map(|text| text.0))
    }
}
