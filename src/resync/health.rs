//! What `sequence_health()` says of one sequence: is it behind its data, how many values are
//! left before the first limit nextval()'s values hit (its MAXVALUE, MINVALUE when descending,
//! or the narrowest column it feeds), which limit that is, and is it narrower than a column it
//! feeds. Changes nothing and takes no lock that blocks writers.

use crate::error::Triage;
use crate::pg::subxact;
use crate::resync::bound::{self, Direction, Reader};
use crate::resync::column_type;
use crate::resync::discovery::{Consumer, Sequence};
use crate::resync::engine;
use crate::resync::sequence_state::{self, SequenceState};
use pgrx::pg_sys;

/// One sequence's health, a row of `sequence_health()`.
pub struct Health {
    pub sequence: pg_sys::Oid,
    /// The root consumers, sorted.
    pub consumers: Vec<String>,
    pub data_bound: Option<i64>,
    pub next_value: Option<i64>,
    pub behind: Option<bool>,
    pub behind_by: Option<i64>,
    pub values_left: Option<i128>,
    pub fraction_used: Option<f64>,
    pub narrower_than_consumer: bool,
    pub detail: Option<String>,
    pub limited_by: Option<String>,
}

/// The health of `sequence`: what `sequence_health()` reports of it.
pub fn health_of(sequence: &Sequence) -> Health {
    let roots = sequence.root_consumers();
    let mut consumers: Vec<String> = roots.iter().map(|c| c.display.clone()).collect();
    consumers.sort();
    if !sequence.can_select {
        // Nothing is read from a sequence the caller may not read.
        let detail = format!("permission denied for sequence {}", sequence.name);
        return unread(sequence, consumers, detail);
    }
    let state = match subxact::run(|| sequence_state::read(sequence.oid)) {
        Ok(state) => state,
        Err(caught) => {
            let detail = failure_message(sequence, caught);
            return unread(sequence, consumers, detail);
        }
    };
    let narrow = narrower_consumer(&state, &roots);
    let mut detail = narrow.clone();
    let next = state.next_value();
    let limit = binding_limit(&state, &roots);
    let (values_left, fraction_used) = capacity(&state, &limit);

    // The bound, unless the sequence is one the resync would leave alone anyway.
    let reason = engine::precheck_reason(sequence, &roots, true);
    let bound = match reason {
        Some(reason) => {
            detail = Some(join(detail, reason));
            None
        }
        None => match subxact::run(|| {
            bound::read_sequence(sequence, &roots, state.direction(), Reader::Caller)
        }) {
            Ok(Ok(bound)) => {
                if let Some(note) = bound.note {
                    detail = Some(join(detail, note));
                }
                bound.value
            }
            Ok(Err(problem)) => {
                detail = Some(join(detail, problem.describe()));
                None
            }
            Err(caught) => {
                detail = Some(join(detail, failure_message(sequence, caught)));
                None
            }
        },
    };
    if let Some(note) = sequence.ignored_note() {
        detail = Some(join(detail, note));
    }

    // Behind: the data has reached the value nextval() hands out next (or it is exhausted
    // while the data needs more). behind_by: how far nextval() must move to clear the data.
    let (behind, behind_by) = match bound {
        None => (None, None),
        Some(bound) => {
            let step = i128::from(state.increment.signum());
            let target = i128::from(bound) + i128::from(state.increment);
            let next = next.map(i128::from).unwrap_or(target + step);
            let gap = -state.ahead_by(next, target);
            (
                Some(gap > 0),
                Some(i64::try_from(gap.max(0)).unwrap_or(i64::MAX)),
            )
        }
    };
    Health {
        sequence: sequence.oid,
        consumers,
        data_bound: bound,
        next_value: next,
        behind,
        behind_by,
        values_left,
        fraction_used,
        narrower_than_consumer: narrow.is_some(),
        detail,
        limited_by: Some(limit.name),
    }
}

/// The row of a sequence whose position could not be read: only the reason.
fn unread(sequence: &Sequence, consumers: Vec<String>, detail: String) -> Health {
    Health {
        sequence: sequence.oid,
        consumers,
        data_bound: None,
        next_value: None,
        behind: None,
        behind_by: None,
        values_left: None,
        fraction_used: None,
        narrower_than_consumer: false,
        detail: Some(detail),
        limited_by: None,
    }
}

/// The first value nextval() may not hand out usefully, in the sequence's direction: past its
/// MAXVALUE (MINVALUE), or past what the narrowest consumer column can hold.
struct Limit {
    value: i128,
    /// `sequence`, or the column that binds first: `schema.table.column (type)`.
    name: String,
}

fn binding_limit(state: &SequenceState, roots: &[&Consumer]) -> Limit {
    let ascending = state.direction() == Direction::Ascending;
    let mut limit = Limit {
        value: i128::from(if ascending {
            state.max_value
        } else {
            state.min_value
        }),
        name: "sequence".into(),
    };
    for consumer in roots {
        let Some((lowest, highest)) =
            column_type::whole_number_range(consumer.base_type, consumer.base_typmod)
        else {
            continue;
        };
        let column_limit = if ascending { highest } else { lowest };
        let tighter = if ascending {
            column_limit < limit.value
        } else {
            column_limit > limit.value
        };
        if tighter {
            limit = Limit {
                value: column_limit,
                name: format!("{} ({})", consumer.display, consumer.type_name),
            };
        }
    }
    limit
}

/// Values nextval() can still hand out before `limit`, and the fraction of that range used.
fn capacity(state: &SequenceState, limit: &Limit) -> (Option<i128>, Option<f64>) {
    if state.cycle {
        return (None, None); // a CYCLE sequence never runs out
    }
    let step = i128::from(state.increment).abs();
    let ascending = state.direction() == Direction::Ascending;
    // The range from the sequence's far limit up to the binding one.
    let (low, high) = if ascending {
        (i128::from(state.min_value), limit.value)
    } else {
        (limit.value, i128::from(state.max_value))
    };
    let range = (high - low + 1).max(1);
    let left = match state.next_value().map(i128::from) {
        None => 0,
        Some(next) if ascending && next > high => 0,
        Some(next) if ascending => (high - next) / step + 1,
        Some(next) if next < low => 0,
        Some(next) => (next - low) / step + 1,
    };
    let used = 1.0 - (left * step) as f64 / range as f64;
    (Some(left), Some(used.clamp(0.0, 1.0)))
}

/// A consumer column that can hold values beyond the sequence's limit in its direction.
fn narrower_consumer(state: &SequenceState, roots: &[&Consumer]) -> Option<String> {
    let ascending = state.direction() == Direction::Ascending;
    roots.iter().find_map(|c| {
        c.value_kind()?;
        let (lowest, highest) = column_type::whole_number_range(c.base_type, c.base_typmod)
            .unwrap_or((i128::MIN, i128::MAX));
        let narrower = if ascending {
            i128::from(state.max_value) < highest
        } else {
            i128::from(state.min_value) > lowest
        };
        narrower.then(|| {
            format!(
                "{} can hold values past the sequence's {} {}",
                c.display,
                if ascending { "MAXVALUE" } else { "MINVALUE" },
                if ascending {
                    state.max_value
                } else {
                    state.min_value
                }
            )
        })
    })
}

/// The detail for a failure while reading `sequence` or its data; a cancel, a termination or
/// running out of memory is raised again instead.
fn failure_message(sequence: &Sequence, caught: pgrx::pg_sys::panic::CaughtError) -> String {
    match crate::error::triage(caught, false) {
        Triage::LockNotAvailable(message) => engine::lock_detail(sequence, message),
        other => other.into_message(),
    }
}

fn join(first: Option<String>, second: String) -> String {
    match first {
        Some(first) => format!("{first}; {second}"),
        None => second,
    }
}
