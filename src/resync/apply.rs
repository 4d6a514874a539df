//! The check-and-set on a sequence: read the sequence, decide, and set it, with nothing handed
//! out between the read and the write.
//!
//! Two ways to make it atomic. The resync lock (`pg::sequence_lock`, which keeps nextval() out
//! and waits for every transaction that drew from the sequence) around `setval()`: the way an
//! explicit call that drew nothing goes, waiting at most `pg_seqsync.lock_timeout`. And the
//! sequence page's own buffer lock (`pg::sequence_page`), as nextval() itself: the way a move
//! forward goes when the resync lock is not free and waiting for it could deadlock or stall
//! writers (automatic resync, or a transaction that drew from the sequence itself, whose
//! nextval() lock the resync lock would wait for in every other such transaction).

use crate::pg::relation::OpenRelation;
use crate::pg::sequence_lock;
use crate::pg::sequence_page;
use crate::resync::bound::Direction;
use crate::resync::plan::{self, Options, Plan};
use crate::resync::report::Action;
use crate::resync::sequence_state::{self, SequenceState};
use pgrx::pg_sys;

/// Whether a check-and-set may wait for the resync lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// At most `pg_seqsync.lock_timeout`, unless this transaction drew from the sequence.
    Bounded,
    /// Never: automatic resync, which runs inside other roles' writes.
    Never,
}

/// Moves `sequence` to where `data_bound` puts it (the bound was read in `direction`), or says
/// why not. A wait for the resync lock is bounded by `pg_seqsync.lock_timeout` (55P03 past it);
/// without it a move forward is made on the page, and a move back is `lock not available`.
pub fn check_and_set(
    sequence: pg_sys::Oid,
    direction: Direction,
    data_bound: Option<i64>,
    options: &Options,
    waiting: Waiting,
) -> Plan {
    let may_wait =
        waiting == Waiting::Bounded && !sequence_lock::drawn_from_in_this_transaction(sequence);
    let lock = if may_wait {
        Some(sequence_lock::lock(sequence, crate::settings::wait_limit()))
    } else {
        sequence_lock::try_lock(sequence)
    };
    let Some(lock) = lock else {
        if options.allow_backward {
            // Lowering needs every transaction that drew from it to have ended, and this one
            // did: waiting would wait for transactions that may be waiting for this one.
            return Plan {
                old_next: None,
                new_next: None,
                action: Action::Skip,
                detail: Some(
                    "lock not available: the sequence is in use by another transaction, and \
                     this transaction drew from it, so it cannot wait to lower it"
                        .into(),
                ),
            };
        }
        return set_on_page(sequence, direction, data_bound, options);
    };
    let state = sequence_state::read(sequence);
    let plan = decide(&state, direction, data_bound, options);
    if let (Action::Advance | Action::Lower, Some(next)) = (plan.action, plan.new_next) {
        sequence_state::set_next(sequence, next);
    }
    drop(lock);
    plan
}

/// The plan for `state`, unless ALTER SEQUENCE flipped the direction after the bound was read.
fn decide(
    state: &SequenceState,
    direction: Direction,
    data_bound: Option<i64>,
    options: &Options,
) -> Plan {
    if state.direction() != direction {
        return Plan {
            old_next: state.next_value(),
            new_next: None,
            action: Action::Error,
            detail: Some(
                "the sequence's INCREMENT changed sign during the resync; run it again".into(),
            ),
        };
    }
    plan::decide(state, data_bound, options)
}

/// A move forward decided and written under the page's buffer lock, holding only the lock
/// nextval() and setval() take (kept until the transaction ends, as they keep it).
fn set_on_page(
    sequence: pg_sys::Oid,
    direction: Direction,
    data_bound: Option<i64>,
    options: &Options,
) -> Plan {
    let lock = pg_sys::RowExclusiveLock as pg_sys::LOCKMODE;
    let Some(relation) = OpenRelation::open(sequence, lock, crate::settings::wait_limit()) else {
        sequence_state::gone(sequence, "was dropped during the resync");
    };
    if relation.kind() != pg_sys::RELKIND_SEQUENCE {
        sequence_state::gone(sequence, "is no longer a sequence");
    }
    // Options read with the lock held, which ALTER SEQUENCE's conflicts with.
    let options_state = sequence_state::read(sequence);
    let mut plan = None;
    // SAFETY: an open sequence, checked above, with RowExclusiveLock held for the transaction
    // (`close_keeping_lock` below). `decide` is arithmetic only.
    let outcome = unsafe {
        sequence_page::compare_and_set(&relation, |position| {
            let state = SequenceState {
                last_value: position.last_value,
                is_called: position.is_called,
                ..options_state
            };
            let decided = decide(&state, direction, data_bound, options);
            let next = match (decided.action, decided.new_next) {
                (Action::Advance, Some(next)) => Some(next),
                _ => None,
            };
            plan = Some(decided);
            next
        })
    };
    relation.close_keeping_lock();
    match (outcome, plan) {
        (Ok(_), Some(plan)) => plan,
        _ => sequence_state::gone(sequence, "has a page that is not a sequence's"),
    }
}
