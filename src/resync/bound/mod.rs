//! Reading the data bound: MAX over every consumer column (MIN for a descending sequence),
//! without running a line of anyone's code.
//!
//! Each table that holds a consumer's rows (the table itself, or every partition and
//! inheritance child below it) is locked with a bounded wait, opened by OID, checked (a plain
//! heap table of this session's, else it is not read) and read directly: from a btree index of
//! the built-in integer or numeric operator family when there is one, else by a heap scan. No
//! SQL, so no planner, executor, view, policy, operator or index expression of anyone's runs,
//! and every read is done as the table's owner in a security-restricted operation besides.
//!
//! Which rows count: every row committed before the read and every row inserted by a
//! transaction still in progress (a dirty snapshot), whatever the caller's isolation level: a
//! value that may still commit is a value in use. When the largest value was written by a
//! transaction still in progress, the read waits (at most `pg_seqsync.lock_timeout`) for that
//! transaction to end and reads again: a load still writing its batch is then counted whole,
//! not half-way (moving the sequence into the middle of a batch being written would hand out
//! the ids its next rows carry). Rows the calling transaction deleted, or whose key it updated,
//! still count while it is open: it may roll back, and `setval()` is not undone. An index is
//! trusted only when no other transaction is writing the table (a writer's heap tuple is in
//! the table before its index entry is in the index); otherwise the heap is read.
//!
//! Automatic resync reads differently (`read_own`): rows another transaction is still writing
//! into a table with automatic resync are that transaction's to move (its own trigger runs
//! when its statement ends) and are passed over, and the index is complete for every other
//! row; only a long run of them at the top of an index is waited for.

use crate::pg::owner;
use crate::pg::relation::{self, OpenRelation};
use crate::pg::scan::Rows;
use crate::pg::transaction_wait;
use crate::resync::discovery::{self, Consumer, Leaf, NodeRange, Sequence};
use pgrx::prelude::*;
use std::collections::HashSet;

mod citus;
mod heap;
mod index;
mod value;

pub use value::{Column, Direction, Found};

/// Why a bound could not be read as a bigint.
#[derive(Debug)]
pub enum BoundError {
    /// The data holds a value no bigint sequence can follow, e.g. numeric 1e30 or NaN.
    OutOfRange { table: String, value: String },
    /// A table holding consumer rows cannot be read directly (another access method, ...).
    Unreadable(String),
    /// Reading a table through Citus failed (`citus`): an error, not a skip.
    Failed(String),
}

impl BoundError {
    pub fn describe(&self) -> String {
        match self {
            BoundError::OutOfRange { table, value } => {
                format!("the data in {table} holds {value}, which no bigint sequence can follow")
            }
            BoundError::Unreadable(reason) | BoundError::Failed(reason) => reason.clone(),
        }
    }
}

/// A sequence's bound, and what the report should say about the data besides.
#[derive(Debug, Clone, Default)]
pub struct SequenceBound {
    pub value: Option<i64>,
    /// Rows in other Citus nodes' ranges of the sequence, which do not bound it here.
    pub note: Option<String>,
}

/// The bound of `sequence` over its root consumers `roots`: read directly from each table of
/// this node's own, and through Citus (`citus`) from each table Citus holds, counting only the
/// rows in this node's range of the sequence.
pub fn read_sequence(
    sequence: &Sequence,
    roots: &[&Consumer],
    direction: Direction,
    reader: Reader,
) -> Result<SequenceBound, BoundError> {
    let Some(held) = sequence.citus_read() else {
        let value = match reader {
            Reader::Caller => read(roots, direction)?,
            Reader::AfterOwnWrite => read_own(roots, direction)?,
        };
        return Ok(SequenceBound { value, note: None });
    };
    let (through_citus, own): (Vec<&Consumer>, Vec<&Consumer>) = roots
        .iter()
        .partition(|consumer| held.tables.contains(&consumer.relation));
    let mut value = match reader {
        Reader::Caller => read(&own, direction)?,
        Reader::AfterOwnWrite => read_own(&own, direction)?,
    };
    let mut below: Option<(i64, &Consumer)> = None;
    let mut above: Option<(i64, &Consumer)> = None;
    for consumer in through_citus {
        let found = citus::read(consumer, direction, held.own_range, reader)?;
        if let Some(bound) = found.own {
            value = Some(value.map_or(bound, |v| direction.further(v, bound)));
        }
        if let Some(low) = found.below {
            if below.is_none_or(|(b, _)| low < b) {
                below = Some((low, consumer));
            }
        }
        if let Some(high) = found.above {
            if above.is_none_or(|(a, _)| high > a) {
                above = Some((high, consumer));
            }
        }
    }
    let Some(range) = held.own_range else {
        return Ok(SequenceBound { value, note: None });
    };
    // A bound at the edge of this node's range leaves no value of its own to hand out next.
    let edge = match direction {
        Direction::Ascending => range.high,
        Direction::Descending => range.low,
    };
    if value == Some(edge) {
        return Err(BoundError::Failed(format!(
            "the rows in this node's range of the sequence reach {edge}, the end of the range \
             Citus gives node group {}, so its next value would be another node's",
            range.group
        )));
    }
    Ok(SequenceBound {
        value,
        note: elsewhere_note(below, above, range),
    })
}

/// Names the values in other Citus nodes' ranges: the lowest below this node's range and the
/// highest above it, each with its column.
fn elsewhere_note(
    below: Option<(i64, &Consumer)>,
    above: Option<(i64, &Consumer)>,
    range: NodeRange,
) -> Option<String> {
    let extent = match (below, above) {
        (None, None) => return None,
        (Some((low, _)), None) => format!("down to {low}"),
        (None, Some((high, _))) => format!("up to {high}"),
        (Some((low, _)), Some((high, _))) => format!("down to {low} and up to {high}"),
    };
    let mut columns: Vec<&str> = [below, above]
        .into_iter()
        .flatten()
        .map(|(_, consumer)| consumer.display.as_str())
        .collect();
    columns.dedup();
    let own = if range.low == i64::MIN {
        format!("up to {}", range.high)
    } else {
        format!("from {} to {}", range.low, range.high)
    };
    Some(format!(
        "{} also holds values in other Citus nodes' ranges of the sequence ({extent}), which \
         those nodes draw past themselves: this node (group {}) draws {own}",
        columns.join(" and "),
        range.group
    ))
}

/// The bound over `consumers`, or `None` when they hold no non-NULL value.
pub fn read(consumers: &[&Consumer], direction: Direction) -> Result<Option<i64>, BoundError> {
    let deadline = transaction_wait::deadline_in(crate::settings::wait_limit().ms);
    // Past the deadline, one more pass is made only if the writer has ended by then.
    let mut last_pass_made = false;
    loop {
        let found = read_once(consumers, direction, Leaves::Relisted, Reader::Caller)?;
        let Some(writer) = found.and_then(|f| f.writer) else {
            return Ok(found.map(|f| f.value));
        };
        if transaction_wait::wait_for(writer, deadline) {
            continue;
        }
        if last_pass_made || transaction_wait::in_progress(writer) {
            return Ok(found.map(|f| f.value));
        }
        last_pass_made = true;
    }
}

/// The bound for automatic resync after a write: the best row committed or written by this
/// transaction. A row another transaction is still writing into a table with automatic resync
/// is passed over, as that transaction's own resync moves the sequence past it when its
/// statement ends (and its rows vanish if it fails); in a table without automatic resync it
/// counts at once. Past `SKIPPED_AT_MOST` such rows at the top of an index, the writer of the
/// next is waited for (polling, bounded by the timeout) and the table read again; a writer
/// still running then has its best row counted: this transaction's own rows below it must not
/// be left behind. Partitions as discovery listed them: the check's cache is rebuilt after an
/// ATTACH anyway.
pub fn read_own(consumers: &[&Consumer], direction: Direction) -> Result<Option<i64>, BoundError> {
    let deadline = transaction_wait::deadline_in(crate::settings::wait_limit().ms);
    loop {
        let found = read_once(
            consumers,
            direction,
            Leaves::AsDiscovered,
            Reader::AfterOwnWrite,
        )?;
        match found.and_then(|f| f.writer) {
            Some(writer) if transaction_wait::wait_for(writer, deadline) => continue,
            _ => return Ok(found.map(|f| f.value)),
        }
    }
}

/// How many rows of other transactions in progress automatic resync passes over at the top of
/// an index before it waits for their writer: a bounded walk, cheap while a batch is written.
const SKIPPED_AT_MOST: usize = 1024;

/// Who reads the bound, which decides which rows count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// An explicit call or `sequence_health()`: every value that may be in use counts.
    Caller,
    /// Automatic resync after this transaction wrote: its rows and committed rows count.
    AfterOwnWrite,
}

/// Which tables a pass reads for a consumer with partitions or children.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaves {
    /// Those discovery found.
    AsDiscovered,
    /// Those discovery found, and those the catalog lists now, listed again after they are read
    /// (at most `RELISTINGS` times) until nothing new appears: a partition attached or created
    /// while a read waited for a lock counts too, and one detached meanwhile still does.
    Relisted,
}

/// How many times a pass lists a consumer's partitions again, at most: adding them needs the
/// parent's owner, whose own sequence this is, but the pass must end however fast they come.
const RELISTINGS: usize = 8;

/// One pass over every table of every consumer.
fn read_once(
    consumers: &[&Consumer],
    direction: Direction,
    which: Leaves,
    reader: Reader,
) -> Result<Option<Found>, BoundError> {
    let mut bound: Option<Found> = None;
    for consumer in consumers {
        let Some(kind) = consumer.value_kind() else {
            return Err(BoundError::Unreadable(
                consumer.unusable_type().unwrap_or_default(),
            ));
        };
        let mut read: HashSet<pg_sys::Oid> = HashSet::new();
        let mut leaves = consumer.leaves.clone();
        for listing in 0..=RELISTINGS {
            let unread: Vec<&Leaf> = leaves
                .iter()
                .filter(|leaf| !read.contains(&leaf.relation))
                .collect();
            if unread.is_empty() && listing > 0 {
                break;
            }
            for leaf in unread {
                read.insert(leaf.relation);
                let column = Column {
                    attnum: leaf.attnum,
                    kind,
                };
                if let Some(found) = read_leaf(leaf, consumer, column, direction, reader)? {
                    bound = Some(bound.map_or(found, |b| b.further(found, direction)));
                }
            }
            if which == Leaves::AsDiscovered || !consumer.may_have_children {
                break;
            }
            leaves = discovery::leaves_now(consumer);
        }
    }
    Ok(bound)
}

/// The bound of one table, read as its owner. A table dropped meanwhile holds no data.
fn read_leaf(
    leaf: &Leaf,
    consumer: &Consumer,
    column: Column,
    direction: Direction,
    reader: Reader,
) -> Result<Option<Found>, BoundError> {
    let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
    let Some(table) = OpenRelation::open(leaf.relation, lock, crate::settings::wait_limit()) else {
        return Ok(None);
    };
    match table.kind() {
        // A partitioned table stores nothing; its partitions are leaves of their own. A foreign
        // partition is never read (discovery lists it as ignored).
        pg_sys::RELKIND_PARTITIONED_TABLE | pg_sys::RELKIND_FOREIGN_TABLE => return Ok(None),
        pg_sys::RELKIND_RELATION => {}
        _ => {
            return Err(BoundError::Unreadable(format!(
                "the table of {} is no longer a table",
                leaf.display
            )))
        }
    }
    if table.is_other_sessions_temp() {
        return Ok(None); // never read; discovery lists it as ignored
    }
    if !table.is_heap_table() {
        return Err(BoundError::Unreadable(format!(
            "{} is stored by another access method than heap, so pg_seqsync does not read it",
            leaf.display
        )));
    }
    // Discovery read the column's type earlier; an ALTER TABLE since may have changed it, and a
    // value must never be read as a type it is not.
    if table.column_type(leaf.attnum) != Some((consumer.base_type, consumer.base_typmod)) {
        return Err(BoundError::Unreadable(format!(
            "{} changed during the resync; run it again",
            leaf.display
        )));
    }
    // Automatic resync only moves forward, which a rollback can never make wrong; a caller's
    // answer must hold either way, and the rows before a TRUNCATE are out of reach.
    if reader == Reader::Caller && table.storage_replaced_in_this_transaction() {
        return Err(BoundError::Unreadable(format!(
            "{} was truncated or rewritten in this transaction, and its rows from before then \
             come back if it rolls back: resync after it ends",
            leaf.display
        )));
    }
    let value = owner::run_as(table.owner(), || {
        let in_use = match reader {
            Reader::AfterOwnWrite => {
                // Other writers' rows are left to them only where their own resync will run.
                let leave = table.has_statement_trigger_calling(AUTO_RESYNC_TRIGGER_SYMBOL);
                read_rows(&table, column, direction, Rows::InUse, true, leave).map(|found| {
                    found.map(|f| Found {
                        writer: f.writer.filter(|_| leave),
                        ..f
                    })
                })
            }
            Reader::Caller => {
                let index_complete = !relation::others_may_be_writing(leaf.relation);
                read_rows(
                    &table,
                    column,
                    direction,
                    Rows::InUse,
                    index_complete,
                    false,
                )
            }
        }?;
        if reader == Reader::AfterOwnWrite || !table.may_have_own_deletes() {
            return Ok(in_use);
        }
        // Deleted rows keep their index entries: the index serves this pass.
        let before = read_rows(
            &table,
            column,
            direction,
            Rows::BeforeOwnChanges,
            true,
            false,
        )?;
        Ok(match (in_use, before) {
            (Some(a), Some(b)) => Some(a.further(b, direction)),
            (a, b) => a.or(b),
        })
    });
    value.map_err(|value| BoundError::OutOfRange {
        table: leaf.display.clone(),
        value,
    })
}

/// The C symbol of the automatic-resync trigger function (`auto::trigger`).
const AUTO_RESYNC_TRIGGER_SYMBOL: &str = "auto_resync_trigger";

/// The bound of `rows` in `table`, from a usable btree index when `index_allowed`, else from
/// the heap; with `pass_over_writers`, rows of other transactions in progress are passed over
/// (in an index, `SKIPPED_AT_MOST` of them; the next is returned with its writer).
fn read_rows(
    table: &OpenRelation,
    column: Column,
    direction: Direction,
    rows: Rows,
    index_allowed: bool,
    pass_over_writers: bool,
) -> Result<Option<Found>, String> {
    match index_allowed
        .then(|| index::usable_index(table, column))
        .flatten()
    {
        Some(index) => {
            let skip = if pass_over_writers {
                SKIPPED_AT_MOST
            } else {
                0
            };
            index::read(table, &index, column, direction, rows, skip)
        }
        None => heap::read(table, column, direction, rows, pass_over_writers),
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::{read, Direction};
    use crate::resync::discovery::{self, Scope};
    use pgrx::prelude::*;

    /// The bound over every root consumer of sequence `name`, both ways.
    fn bounds(name: &str) -> (Option<i64>, Option<i64>) {
        Spi::connect(|client| {
            let oid = client
                .select(&format!("SELECT '{name}'::regclass::oid"), None, &[])?
                .first()
                .get_one::<pg_sys::Oid>()?
                .unwrap();
            let sequences = discovery::load(&Scope::Sequences(&[oid]));
            let roots = sequences[0].root_consumers();
            Ok::<_, pgrx::spi::Error>((
                read(&roots, Direction::Ascending).unwrap(),
                read(&roots, Direction::Descending).unwrap(),
            ))
        })
        .unwrap()
    }

    const ROWS: &str = "(NULL), (-7), (3), (42), (NULL)";

    #[pg_test]
    fn index_and_heap_paths_agree_for_every_integer_type_and_order() {
        for (n, (column_type, index)) in [
            ("int", "CREATE INDEX ON t{n} (id)"),
            ("bigint", "CREATE INDEX ON t{n} (id DESC NULLS LAST)"),
            ("smallint", "CREATE UNIQUE INDEX ON t{n} (id)"),
            ("int", "CREATE INDEX ON t{n} (id) WHERE id > 0"), // partial: heap scan
            ("int", "CREATE INDEX ON t{n} USING hash (id)"),   // hash: heap scan
            ("bigint", "SELECT 1"),                            // no index: heap scan
            ("numeric", "CREATE INDEX ON t{n} (id)"),
            ("numeric(12,2)", "SELECT 1"),
        ]
        .iter()
        .enumerate()
        {
            Spi::run(&format!(
                "CREATE SEQUENCE s{n}; CREATE TABLE t{n} (id {column_type} DEFAULT nextval('s{n}'));
                 {}; INSERT INTO t{n} VALUES {ROWS};",
                index.replace("{n}", &n.to_string())
            ))
            .unwrap();
            assert_eq!(
                bounds(&format!("s{n}")),
                (Some(42), Some(-7)),
                "{column_type} with {index}"
            );
        }
    }

    #[pg_test]
    fn numeric_values_round_to_the_safe_side() {
        Spi::run(
            "CREATE SEQUENCE ns; CREATE TABLE nt (id numeric DEFAULT nextval('ns'));
             INSERT INTO nt VALUES (41.2), (-6.5)",
        )
        .unwrap();
        assert_eq!(bounds("ns"), (Some(42), Some(-7)));
    }

    #[pg_test]
    fn an_empty_table_and_an_empty_partitioned_table_have_no_bound() {
        Spi::run(
            "CREATE TABLE e (id serial PRIMARY KEY);
             CREATE TABLE ep (id serial PRIMARY KEY) PARTITION BY RANGE (id);",
        )
        .unwrap();
        assert_eq!(bounds("e_id_seq"), (None, None));
        assert_eq!(bounds("ep_id_seq"), (None, None));
    }

    #[pg_test]
    fn partitions_are_read_through_their_root() {
        Spi::run(
            "CREATE TABLE pt (id bigserial, k int) PARTITION BY RANGE (k);
             CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (10);
             CREATE TABLE pt2 (k int, id bigint NOT NULL);
             ALTER TABLE pt ATTACH PARTITION pt2 FOR VALUES FROM (10) TO (20);
             INSERT INTO pt (id, k) VALUES (5, 1), (77, 15);",
        )
        .unwrap();
        assert_eq!(bounds("pt_id_seq"), (Some(77), Some(5)));
    }

    /// A domain's DEFAULT operator class, in a family of its own, that orders integers backward:
    /// the index is not used, the heap is, and the class's comparison function never runs.
    #[pg_test]
    fn an_index_outside_the_builtin_family_is_not_used() {
        Spi::run(
            "CREATE FUNCTION backward_cmp(int, int) RETURNS int LANGUAGE plpgsql IMMUTABLE
                 AS 'BEGIN PERFORM set_config(''seqsync_test.cmp_calls'', ''called'', false);
                           RETURN btint4cmp($2, $1); END';
             CREATE DOMAIN backward_int AS int;
             CREATE OPERATOR CLASS backward_ops DEFAULT FOR TYPE backward_int USING btree AS
                 OPERATOR 1 > (int, int), OPERATOR 2 >= (int, int), OPERATOR 3 = (int, int),
                 OPERATOR 4 <= (int, int), OPERATOR 5 < (int, int),
                 FUNCTION 1 backward_cmp(int, int);
             CREATE SEQUENCE bs; CREATE TABLE bt (id backward_int DEFAULT nextval('bs'));
             INSERT INTO bt VALUES (-7), (3), (42);
             CREATE INDEX ON bt (id);
             SELECT set_config('seqsync_test.cmp_calls', 'never', false);",
        )
        .unwrap();
        assert_eq!(bounds("bs"), (Some(42), Some(-7)));
        assert_eq!(
            Spi::get_one::<String>("SELECT current_setting('seqsync_test.cmp_calls')").unwrap(),
            Some("never".to_string())
        );
    }
}
