//! What discovery returns: each sequence in scope with its consumers (the columns that draw from
//! it), the references it ignored, and what the engine asks of them.

use crate::pg::encoding::ServerText;
use crate::pg::relation::FreeLock;
use crate::resync::column_type::{self, ValueKind};
use crate::resync::discovery::default_expr::DefaultUse;
use pgrx::prelude::*;

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
    /// How Citus keeps a consumer table's rows (`discovery::citus`); `None` on a database
    /// without Citus or where every consumer is a table of this node's own.
    pub citus: Option<CitusUse>,
}

/// What a sequence with a consumer table that Citus places needs.
#[derive(Debug, Clone)]
pub enum CitusUse {
    /// Left alone, with the reason: a consumer is a shard, or this node does not draw from the
    /// sequence.
    LeftAlone(String),
    /// The consumers whose table Citus holds (distributed, reference, single-shard) are read
    /// through Citus, over every shard; the others as on any node.
    ReadThrough(CitusRead),
}

#[derive(Debug, Clone)]
pub struct CitusRead {
    /// The root consumer tables that Citus holds.
    pub tables: Vec<pg_sys::Oid>,
    /// The values this node draws from the sequence (Citus gives each node group its own
    /// range of a bigint sequence); `None` when every row counts (an int or smallint sequence,
    /// which only the coordinator draws from).
    pub own_range: Option<NodeRange>,
}

/// The range of a bigint sequence's values that Citus gives one node group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRange {
    pub group: i32,
    pub low: i64,
    pub high: i64,
}

impl NodeRange {
    /// The width of each group's range: 2^48 values.
    const BITS: u32 = 48;

    /// Group `group`'s range: from `(group << 48) + 1` to `(group + 1) << 48`, as Citus sets
    /// the sequence's MINVALUE on a worker (its MAXVALUE is one higher, the first value of the
    /// next group's range, which is that group's). The coordinator (group 0) draws from the
    /// sequence as it was defined, below group 1's range.
    pub fn of_group(group: i32) -> Option<NodeRange> {
        let group64 = i64::from(group);
        if group64 == 0 {
            return Some(NodeRange {
                group,
                low: i64::MIN,
                high: 1i64 << Self::BITS,
            });
        }
        if group64 < 0 {
            return None;
        }
        let low = group64.checked_mul(1i64 << Self::BITS)?.checked_add(1)?;
        let high = low.checked_add((1i64 << Self::BITS) - 1)?;
        Some(NodeRange { group, low, high })
    }
}

impl Sequence {
    /// Why the sequence is left alone for Citus, if it is.
    pub fn left_to_citus(&self) -> Option<&str> {
        match &self.citus {
            Some(CitusUse::LeftAlone(reason)) => Some(reason),
            _ => None,
        }
    }

    /// What Citus holds of its consumers, if it holds any that are read through it.
    pub fn citus_read(&self) -> Option<&CitusRead> {
        match &self.citus {
            Some(CitusUse::ReadThrough(read)) => Some(read),
            _ => None,
        }
    }
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
    pub fn add(&mut self, name: impl FnOnce() -> String) {
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
    /// How the column's values are read as whole numbers; `None` for a type that cannot bound
    /// a sequence.
    pub fn value_kind(&self) -> Option<ValueKind> {
        ValueKind::of(self.base_type)
    }

    /// Why the column's values cannot bound the sequence, if its type is one that cannot.
    pub fn unusable_type(&self) -> Option<String> {
        self.value_kind().is_none().then(|| {
            format!(
                "{} has type {}, so its values cannot bound the sequence",
                self.display, self.type_name
            )
        })
    }

    /// The consumer's own table as a table holding its rows.
    pub fn own_leaf(&self) -> Leaf {
        Leaf {
            relation: self.relation,
            attnum: self.attnum,
            display: self.display.clone(),
        }
    }

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

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::NodeRange;
    use pgrx::prelude::*;

    #[pg_test]
    fn node_ranges_are_citus_s_and_never_overlap() {
        let coordinator = NodeRange::of_group(0).unwrap();
        assert_eq!((coordinator.low, coordinator.high), (i64::MIN, 1 << 48));
        let first = NodeRange::of_group(1).unwrap();
        assert_eq!((first.low, first.high), ((1 << 48) + 1, 2 << 48));
        let second = NodeRange::of_group(2).unwrap();
        assert_eq!(second.low, first.high + 1);
        assert_eq!(coordinator.high + 1, first.low);
        // The last group whose range fits a bigint, and none past it or below zero.
        assert_eq!(NodeRange::of_group(32766).unwrap().high, 32767i64 << 48);
        assert!(NodeRange::of_group(32767).is_none());
        assert!(NodeRange::of_group(-1).is_none());
    }
}
