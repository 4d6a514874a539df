//! The cheap test run after every write: could it have left a sequence behind its data?
//!
//! For each table, the sequences behind its columns are found once. After a write, each one's
//! data bound is compared with its position, without locking the sequence: the bound straight
//! from a btree index or the heap (`bound`, no SQL), the position from the sequence's own page.
//! Only when the bound has reached the position does the caller run the real, locked resync;
//! rows written through nextval() never get there. What is cached lives for the backend and is
//! rebuilt only after a change that concerns it: a relcache invalidation of a relation it was
//! built from (the table, its sequences, every consumer table, its partitions and ancestors,
//! the views a consumer is written through), of a view whose default names one of the
//! sequences and whose owner may draw from it (a view sends no invalidation to the tables it
//! reads, and a new one may make another table a consumer), or of everything. A change to
//! another role's table or view that merely refers to one of the sequences (an ignored
//! reference), or to a view that names none of them, leaves it: such objects cost the writer
//! nothing, however many are planted and however often they change.

use crate::resync::bound::{self, Direction};
use crate::resync::discovery::{self, Consumer, Scope, Sequence};
use crate::resync::engine;
use crate::resync::sequence_state;
use pgrx::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

/// One sequence to watch after writes to a table.
struct Watch {
    sequence: pg_sys::Oid,
    increment: i64,
    /// The root consumers, whose data bound is compared with the sequence's position.
    roots: Vec<Consumer>,
    /// Citus keeps a consumer's rows in shards: the bound is a query over them, so every
    /// write ends in the resync, which makes it once.
    citus: bool,
}

impl Watch {
    fn direction(&self) -> Direction {
        Direction::of_increment(self.increment)
    }
}

/// Invalidated relations outside `BUILT_FROM` held for a look at their kind; past this many,
/// the cache is rebuilt instead.
const PENDING_CAPACITY: usize = 64;

thread_local! {
    static WATCHES: RefCell<HashMap<pg_sys::Oid, Vec<Watch>>> = RefCell::new(HashMap::new());
    /// The relations and sequences the cached watches were built from.
    static BUILT_FROM: RefCell<HashSet<pg_sys::Oid>> = RefCell::new(HashSet::new());
    /// Other relations invalidated since: a view among them whose default names one of the
    /// sequences empties the cache.
    static PENDING: RefCell<Vec<pg_sys::Oid>> = RefCell::new(Vec::with_capacity(PENDING_CAPACITY));
    /// Bumped by the relcache callback for a change that concerns the cache; the cache is
    /// valid for the value it was built at.
    static INVALIDATIONS: Cell<u64> = const { Cell::new(0) };
    static BUILT_AT: Cell<u64> = const { Cell::new(u64::MAX) };
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Registers (once per backend) the relcache callback that invalidates the cache.
pub fn register_invalidation_callback() {
    if CALLBACK_REGISTERED.get() {
        return;
    }
    // SAFETY: the callback only reads a set, bumps a counter or pushes into a vector within its
    // capacity; it never errors or allocates.
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

/// Runs while invalidations are processed, so it looks nothing up: a relation the cache was
/// built from (or all of them: `InvalidOid`) empties it, any other is kept for `settle`.
#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relation: pg_sys::Oid) {
    let concerns = relation == pg_sys::InvalidOid
        || BUILT_FROM.with(|built| built.try_borrow().map_or(true, |b| b.contains(&relation)))
        || !PENDING.with(|pending| match pending.try_borrow_mut() {
            // A command sends one invalidation per catalog row it changes: the same relation
            // many times over.
            Ok(pending) if pending.contains(&relation) => true,
            Ok(mut pending) if pending.len() < PENDING_CAPACITY => {
                pending.push(relation);
                true
            }
            _ => false,
        });
    if concerns {
        INVALIDATIONS.set(INVALIDATIONS.get().wrapping_add(1));
    }
}

/// Empties the cache if a change concerned it: one the callback saw, or a view among the other
/// relations invalidated since whose default names one of the cached sequences and whose
/// owner may draw from it (another one's default cannot make a consumer).
fn settle() {
    let pending: Vec<pg_sys::Oid> = PENDING.with_borrow_mut(std::mem::take);
    PENDING.with_borrow_mut(|p| p.reserve(PENDING_CAPACITY));
    let concerns = pending.into_iter().any(|relation| {
        let Some(view) = crate::pg::catalog_lookup::class(relation)
            .filter(|class| class.kind == pg_sys::RELKIND_VIEW)
        else {
            return false;
        };
        BUILT_FROM.with_borrow(|built| {
            discovery::sequences_of_tables(&[relation])
                .into_iter()
                .any(|sequence| {
                    built.contains(&sequence) && discovery::may_draw(view.owner, sequence)
                })
        })
    });
    if concerns {
        INVALIDATIONS.set(INVALIDATIONS.get().wrapping_add(1));
    }
    if BUILT_AT.get() != INVALIDATIONS.get() {
        WATCHES.with_borrow_mut(|w| w.clear());
        BUILT_FROM.with_borrow_mut(|b| b.clear());
        BUILT_AT.set(INVALIDATIONS.get());
    }
}

/// The sequences behind `relation`'s columns whose data bound has reached their next value.
pub fn sequences_behind(relation: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    register_invalidation_callback();
    settle();
    if !WATCHES.with_borrow(|w| w.contains_key(&relation)) {
        pgrx::debug1!(
            "pg_seqsync: finding the sequences behind relation {}",
            crate::pg::catalog_lookup::class(relation)
                .map_or_else(|| u32::from(relation).to_string(), |class| class.name)
        );
        let sequences = discovery::discover(&Scope::Table {
            relation,
            column: None,
        });
        let built_from = built_from(relation, &sequences);
        // A change to one of them seen while reading the catalog may not be in what was read:
        // the next write rebuilds.
        if PENDING.with_borrow(|p| p.iter().any(|oid| built_from.contains(oid))) {
            INVALIDATIONS.set(INVALIDATIONS.get().wrapping_add(1));
        }
        BUILT_FROM.with_borrow_mut(|b| b.extend(built_from));
        let watches = sequences.iter().filter_map(watch).collect();
        WATCHES.with_borrow_mut(|w| w.insert(relation, watches));
    }
    WATCHES.with_borrow(|watches| {
        watches[&relation]
            .iter()
            .filter(|watch| has_reached(watch))
            .map(|watch| watch.sequence)
            .collect()
    })
}

/// The check for one sequence. A bound that cannot be read as a bigint counts as reached: the
/// real resync then reports it. Rows another transaction is still writing into a table with
/// automatic resync are passed over: that transaction's own check runs when its statement ends.
fn has_reached(watch: &Watch) -> bool {
    if watch.citus {
        return true;
    }
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

/// What the watches of `relation` were built from: the table, its sequences, every table
/// holding or passing on a consumer's rows and every view a consumer is written through.
fn built_from(relation: pg_sys::Oid, sequences: &[Sequence]) -> HashSet<pg_sys::Oid> {
    let mut oids = HashSet::from([relation]);
    for sequence in sequences {
        oids.insert(sequence.oid);
        oids.extend(&sequence.views);
        for consumer in &sequence.consumers {
            oids.insert(consumer.relation);
            oids.extend(&consumer.ancestors);
            oids.extend(consumer.leaves.iter().map(|leaf| leaf.relation));
        }
    }
    oids
}

/// What to watch for `sequence`; `None` for one left alone by design (nothing draws from it,
/// CYCLE, a consumer whose values cannot bound it). One the table owner may not resync (a
/// missing privilege) is watched: once its data reaches it, the resync says why it cannot,
/// in a WARNING, rather than nothing happening silently. So is one whose rows Citus keeps
/// in shards, after every write: its data bound is read only by the resync itself.
fn watch(sequence: &Sequence) -> Option<Watch> {
    let roots = sequence.root_consumers();
    if engine::is_deliberate_skip(sequence, &roots) {
        return None;
    }
    Some(Watch {
        sequence: sequence.oid,
        increment: sequence.increment,
        roots: roots.into_iter().cloned().collect(),
        citus: sequence.citus.is_some(),
    })
}
