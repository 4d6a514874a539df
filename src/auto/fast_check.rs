//! The cheap test run after every write: could it have left a sequence behind its data?
//!
//! For each table, the sequences behind its columns are found once. After a write, each one's
//! data bound is compared with its position, without locking the sequence: the bound straight
//! from a btree index or the heap (`bound`, no SQL), the position from the sequence's own page.
//! Only when the bound has reached the position does the caller run the real, locked resync;
//! rows written through nextval() never get there. What is cached lives for the backend and is
//! rebuilt after any relcache invalidation (DDL on a table, a sequence, an inheritance link, a
//! change of owner, ...).

use crate::resync::bound::{self, Direction};
use crate::resync::catalog::{self, Consumer, Scope, Sequence};
use crate::resync::engine;
use crate::resync::sequence_state;
use pgrx::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// One sequence to watch after writes to a table.
struct Watch {
    sequence: pg_sys::Oid,
    increment: i64,
    /// The root consumers, whose data bound is compared with the sequence's position.
    roots: Vec<Consumer>,
}

impl Watch {
    fn direction(&self) -> Direction {
        Direction::of_increment(self.increment)
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
        let watches = catalog::read_latest(|| {
            Spi::connect(|client| {
                catalog::load(
                    client,
                    &Scope::Table {
                        relation,
                        column: None,
                    },
                )
            })
        })?
        .iter()
        .filter_map(watch)
        .collect();
        WATCHES.with_borrow_mut(|w| w.insert(relation, watches));
    }
    WATCHES.with_borrow(|watches| {
        Ok(watches[&relation]
            .iter()
            .filter(|watch| has_reached(watch))
            .map(|watch| watch.sequence)
            .collect())
    })
}

/// The check for one sequence. A bound that cannot be read as a bigint counts as reached: the
/// real resync then reports it. Rows another transaction is still writing into a table with
/// automatic resync are passed over: that transaction's own check runs when its statement ends.
fn has_reached(watch: &Watch) -> bool {
    let roots: Vec<&Consumer> = watch.roots.iter().collect();
    let bound = match bound::read_own(&roots, watch.direction()) {
        Ok(Some(bound)) => bound,
        Ok(None) => return false,
        Err(_) => return true,
    };
    let state = sequence_state::read(watch.sequence);
    let next = state.next_unbounded();
    state.ahead_by(next, i128::from(bound)) <= 0
}

/// What to watch for `sequence`; `None` for one left alone by design (nothing draws from it,
/// CYCLE, a consumer whose values cannot bound it). One the table owner may not resync (a
/// missing privilege) is watched: once its data reaches it, the resync says why it cannot,
/// in a WARNING, rather than nothing happening silently.
fn watch(sequence: &Sequence) -> Option<Watch> {
    let roots = sequence.root_consumers();
    if engine::is_deliberate_skip(sequence, &roots) {
        return None;
    }
    Some(Watch {
        sequence: sequence.oid,
        increment: sequence.increment,
        roots: roots.into_iter().cloned().collect(),
    })
}
