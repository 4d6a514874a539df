//! The check-and-set on a sequence: under the lock that keeps nextval() out, read the sequence,
//! decide, and setval(), so that no value is handed out between the read and the write.

use crate::pg::sequence_lock;
use crate::resync::bound::Direction;
use crate::resync::plan::{self, Options, Plan};
use crate::resync::report::Action;
use crate::resync::sequence_state;
use pgrx::pg_sys;

/// Moves `sequence` to where `data_bound` puts it (the bound was read in `direction`), or says
/// why not. The lock's wait is bounded by `pg_seqsync.lock_timeout` (55P03 past it).
pub fn check_and_set(
    sequence: pg_sys::Oid,
    direction: Direction,
    data_bound: Option<i64>,
    options: &Options,
) -> Plan {
    let lock = sequence_lock::lock(sequence);
    let state = sequence_state::read(sequence);
    let plan = if state.ascending() != (direction == Direction::Ascending) {
        // ALTER SEQUENCE flipped the direction after the bound was read.
        Plan {
            old_next: state.next_value(),
            new_next: None,
            action: Action::Error,
            detail: Some(
                "the sequence's INCREMENT changed sign during the resync; run it again".into(),
            ),
        }
    } else {
        plan::decide(&state, data_bound, options)
    };
    if let (Action::Advance | Action::Lower, Some(next)) = (plan.action, plan.new_next) {
        sequence_state::set_next(sequence, next);
    }
    drop(lock);
    plan
}
