//! The cheap test run after every write: could it have left a sequence behind its data?
//!
//! For each table, the sequences behind its columns are found once. After a write, each one's
//! data bound is compared with its position, without locking anything: straight from a btree
//! index and the sequence's own page where possible (a few microseconds), otherwise through one
//! prepared query. Only when the bound has reached the position does the caller run the real,
//! locked resync; rows written through nextval() never get there. What is cached lives for the
//! backend and is rebuilt after any relcache invalidation (DDL on a table, a sequence, an
//! inheritance link, a change of owner, ...).

use crate::bound::{self, Direction};
use crate::catalog::{self, Scope, Sequence};
use crate::engine;
use crate::index_bound::{self, IndexedColumn, Visibility};
use crate::snapshot::with_fresh_snapshot;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// One sequence to watch after writes to a table.
struct Watch {
    sequence: pg_sys::Oid,
    increment: i64,
    /// Every root consumer, when all of them can be read from an index.
    indexed: Option<Vec<IndexedColumn>>,
    /// `SELECT <bound as text>, s.last_value, s.is_called FROM <sequence> AS s`
    check: OwnedPreparedStatement,
}

impl Watch {
    fn direction(&self) -> Direction {
        Direction::of_increment(self.increment)
    }

    /// Has the data bound reached the value nextval() returns next?
    fn reached(&self, bound: i64, next: i128) -> bool {
        let bound = i128::from(bound);
        if self.increment > 0 {
            bound >= next
        } else {
            bound <= next
        }
    }
}

thread_local! {
    static WATCHES: RefCell<HashMap<pg_sys::Oid, Vec<Watch>>> = RefCell::new(HashMap::new());
    /// Bumped by the relcache callback; the cache is valid for the value it was built at.
    static INVALIDATIONS: Cell<u64> = const { Cell::new(0) };
    static BUILT_AT: Cell<u64> = const { Cell::new(u64::MAX) };
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Registers (once per backend) the relcache callback that invalidates the cache.
pub fn register_invalidation_callback() {
    if CALLBACK_REGISTERED.get() {
        return;
    }
    // SAFETY: the callback only bumps a counter; it never errors or allocates.
    unsafe {
        register_relcache_callback(Some(on_relcache_invalidation), pg_sys::Datum::from(0));
    }
    CALLBACK_REGISTERED.set(true);
}

#[cfg(not(feature = "pg13"))]
use pg_sys::CacheRegisterRelcacheCallback as register_relcache_callback;

// pgrx's PostgreSQL 13 bindings leave out utils/inval.h; the function is the same.
#[cfg(feature = "pg13")]
extern "C-unwind" {
    #[link_name = "CacheRegisterRelcacheCallback"]
    fn register_relcache_callback(
        func: Option<unsafe extern "C-unwind" fn(pg_sys::Datum, pg_sys::Oid)>,
        arg: pg_sys::Datum,
    );
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, _relation: pg_sys::Oid) {
    INVALIDATIONS.set(INVALIDATIONS.get().wrapping_add(1));
}

/// The sequences behind `relation`'s columns whose data bound has reached their next value.
pub fn sequences_behind(relation: pg_sys::Oid) -> spi::Result<Vec<pg_sys::Oid>> {
    register_invalidation_callback();
    if BUILT_AT.get() != INVALIDATIONS.get() {
        WATCHES.with_borrow_mut(|w| w.clear());
        BUILT_AT.set(INVALIDATIONS.get());
    }
    if !WATCHES.with_borrow(|w| w.contains_key(&relation)) {
        pgrx::debug1!(
            "pg_seqsync: finding the sequences behind relation {}",
            u32::from(relation)
        );
        let watches = Spi::connect(|client| build(client, relation))?;
        WATCHES.with_borrow_mut(|w| w.insert(relation, watches));
    }
    WATCHES.with_borrow(|watches| {
        let mut behind = Vec::new();
        for watch in &watches[&relation] {
            let reached = match direct_check(watch) {
                Some(reached) => reached,
                None => {
                    with_fresh_snapshot(|| Spi::connect(|client| checked_by_query(client, watch)))?
                }
            };
            if reached {
                behind.push(watch.sequence);
            }
        }
        Ok(behind)
    })
}

/// The check without SQL, when every consumer is indexed and the sequence has been called
/// since it was last set (`pg_sequence_last_value` is NULL otherwise). `None`: use the query.
fn direct_check(watch: &Watch) -> Option<bool> {
    let indexed = watch.indexed.as_ref()?;
    // SAFETY: a plain fmgr call of a built-in function with a valid sequence OID.
    let last_value: i64 = unsafe {
        pgrx::fcinfo::direct_function_call(
            pg_sys::pg_sequence_last_value,
            &[Some(pg_sys::Datum::from(watch.sequence))],
        )
    }?;
    let next = i128::from(last_value) + i128::from(watch.increment);
    let direction = watch.direction();
    let bound = indexed
        .iter()
        .filter_map(|column| index_bound::read(column, direction, Visibility::CommittedAndOwn))
        .reduce(|a, b| match direction {
            Direction::Ascending => a.max(b),
            Direction::Descending => a.min(b),
        });
    Some(bound.is_some_and(|bound| watch.reached(bound, next)))
}

fn checked_by_query(client: &SpiClient<'_>, watch: &Watch) -> spi::Result<bool> {
    let row = client.select(&watch.check, Some(1), &[])?.first();
    let bound = match bound::parse(row.get::<String>(1)?) {
        Ok(Some(bound)) => bound,
        Ok(None) => return Ok(false),
        // A value no bigint can follow: let the real resync report it.
        Err(_) => return Ok(true),
    };
    let last_value: i64 = row.get(2)?.unwrap_or_default();
    let is_called: bool = row.get(3)?.unwrap_or(false);
    let next = if is_called {
        i128::from(last_value) + i128::from(watch.increment)
    } else {
        i128::from(last_value)
    };
    Ok(watch.reached(bound, next))
}

/// Finds the sequences behind `relation` (and its parents' columns) and prepares their checks.
/// Sequences the current role (the table owner) could not resync are left out: their
/// automatic resync would only ever be skipped.
fn build(client: &SpiClient<'_>, relation: pg_sys::Oid) -> spi::Result<Vec<Watch>> {
    let relations = catalog::self_and_ancestors(client, relation)?;
    let mut oids: Vec<pg_sys::Oid> = Vec::new();
    for (sequence, _) in catalog::consumers_of_tables(client, &relations)? {
        if !oids.contains(&sequence) {
            oids.push(sequence);
        }
    }
    let mut watches = Vec::new();
    for sequence in catalog::load(client, &Scope::Sequences(&oids))? {
        if let Some(watch) = prepare(client, &sequence)? {
            watches.push(watch);
        }
    }
    Ok(watches)
}

fn prepare(client: &SpiClient<'_>, sequence: &Sequence) -> spi::Result<Option<Watch>> {
    let roots = sequence.root_consumers();
    if engine::precheck_reason(sequence, &roots, false).is_some() {
        return Ok(None);
    }
    let direction = Direction::of_increment(sequence.increment);
    let query = format!(
        "SELECT ({}), s.last_value, s.is_called FROM {} AS s",
        bound::sql(&roots, direction),
        sequence.name
    );
    let check = client.prepare(query.as_str(), &[])?.keep();
    let indexed: Option<Vec<IndexedColumn>> = roots.iter().map(|c| IndexedColumn::of(c)).collect();
    Ok(Some(Watch {
        sequence: sequence.oid,
        increment: sequence.increment,
        indexed,
        check,
    }))
}
