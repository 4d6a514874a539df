//! The cheap test run after every write: could it have left a sequence behind its data?
//!
//! For each table, the sequences behind its columns are found once and, for each, one query is
//! prepared that reads the data bound (from the index when there is one) and the sequence's
//! position, without locking anything. Only when the bound has reached the position does the
//! caller run the real, locked resync; rows written through nextval() never get there. The
//! prepared queries live for the backend and are rebuilt after any relcache invalidation (DDL on
//! a table, a sequence, an inheritance link, a change of owner, ...).

use crate::bound::{self, Direction};
use crate::catalog::{self, Scope, Sequence};
use crate::engine;
use crate::snapshot::with_fresh_snapshot;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// One sequence to watch after writes to a table.
struct Watch {
    sequence: pg_sys::Oid,
    increment: i64,
    /// `SELECT <bound as text>, s.last_value, s.is_called FROM <sequence> AS s`
    check: OwnedPreparedStatement,
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
        pg_sys::CacheRegisterRelcacheCallback(
            Some(on_relcache_invalidation),
            pg_sys::Datum::from(0),
        );
    }
    CALLBACK_REGISTERED.set(true);
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
    with_fresh_snapshot(|| {
        Spi::connect(|client| {
            if !WATCHES.with_borrow(|w| w.contains_key(&relation)) {
                let watches = build(client, relation)?;
                WATCHES.with_borrow_mut(|w| w.insert(relation, watches));
            }
            WATCHES.with_borrow(|watches| {
                let mut behind = Vec::new();
                for watch in &watches[&relation] {
                    if is_behind(client, watch)? {
                        behind.push(watch.sequence);
                    }
                }
                Ok(behind)
            })
        })
    })
}

fn is_behind(client: &SpiClient<'_>, watch: &Watch) -> spi::Result<bool> {
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
    let bound = i128::from(bound);
    Ok(if watch.increment > 0 {
        bound >= next
    } else {
        bound <= next
    })
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
    let direction = if sequence.increment > 0 {
        Direction::Ascending
    } else {
        Direction::Descending
    };
    let query = format!(
        "SELECT ({}), s.last_value, s.is_called FROM {} AS s",
        bound::sql(&roots, direction),
        sequence.name
    );
    let check = client.prepare(query.as_str(), &[])?.keep();
    Ok(Some(Watch {
        sequence: sequence.oid,
        increment: sequence.increment,
        check,
    }))
}
