//! The decision: given a sequence's state and its data bound, where should it go?
//!
//! Pure arithmetic, no PostgreSQL calls, so every rule is unit-tested directly. All values are
//! widened to i128 so that `bound + increment + margin` can never overflow before the range check.

use crate::resync::bound::Direction;
use crate::resync::report::Action;
pub use crate::resync::sequence_state::SequenceState;

/// The caller's choices that shape the target.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub allow_backward: bool,
    /// Extra values to leave unused beyond the data, in the increment's direction. Never negative.
    pub margin: i64,
}

/// What the resync will do (or would do, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub old_next: Option<i64>,
    pub new_next: Option<i64>,
    pub action: Action,
    pub detail: Option<String>,
}

/// Why a CYCLE sequence is left alone.
pub fn cycle_reason(direction: Direction) -> String {
    format!(
        "CYCLE sequence: after a wrap-around the {} value in the data is not the last one issued",
        match direction {
            Direction::Ascending => "largest",
            Direction::Descending => "smallest",
        }
    )
}

/// Decides the target for one sequence. `data_bound` is MAX (MIN when descending) over every
/// consumer, or `None` when they are all empty.
pub fn decide(state: &SequenceState, data_bound: Option<i64>, options: &Options) -> Plan {
    let old_next = state.next_value();
    let keep = |detail: Option<String>| Plan {
        old_next,
        new_next: old_next,
        action: Action::None,
        detail,
    };

    if state.cycle {
        return Plan {
            old_next,
            new_next: None,
            action: Action::Skip,
            detail: Some(cycle_reason(state.direction())),
        };
    }

    let direction: i128 = state.increment.signum().into();
    let base = match data_bound {
        Some(bound) => i128::from(bound) + i128::from(state.increment),
        None => i128::from(state.start_value),
    };
    let target = base + direction * i128::from(options.margin);

    // Forward only, a sequence at or past its target is fine wherever the target lies: the
    // comparison comes before the range check.
    if let Some(next) = old_next {
        let ahead_by = state.ahead_by(i128::from(next), target);
        if ahead_by == 0 {
            return keep(None);
        }
        if ahead_by > 0 && !options.allow_backward {
            return keep(Some(format!(
                "sequence is ahead of its data by {ahead_by} (next value {next}, target {target})"
            )));
        }
    }

    if !state.in_range(target) {
        let (side, limit_name, limit) = if target > i128::from(state.max_value) {
            ("above", "MAXVALUE", state.max_value)
        } else {
            ("below", "MINVALUE", state.min_value)
        };
        let origin = match data_bound {
            Some(bound) => format!("data bound {bound} needs next value {target}"),
            None => format!("empty data needs next value {target}"),
        };
        return Plan {
            old_next,
            new_next: None,
            action: Action::Error,
            detail: Some(format!(
                "{origin}, {side} the sequence's {limit_name} {limit}"
            )),
        };
    }
    let target = target as i64; // in [MINVALUE, MAXVALUE], so it fits.

    let Some(next) = old_next else {
        // Exhausted: nextval() already fails, so every value up to the limit may be out there.
        let detail = format!(
            "sequence is exhausted (last value {} is at its {})",
            state.last_value,
            match state.direction() {
                Direction::Ascending => "MAXVALUE",
                Direction::Descending => "MINVALUE",
            }
        );
        return if options.allow_backward {
            lower(old_next, target, detail)
        } else {
            keep(Some(detail))
        };
    };

    // How far the sequence is past the target, in its own direction; negative means behind.
    let ahead_by = state.ahead_by(i128::from(next), i128::from(target));
    if ahead_by < 0 {
        Plan {
            old_next,
            new_next: Some(target),
            action: Action::Advance,
            detail: None,
        }
    } else {
        lower(
            old_next,
            target,
            format!("back by {ahead_by} from next value {next} (allow_backward)"),
        )
    }
}

fn lower(old_next: Option<i64>, target: i64, detail: String) -> Plan {
    Plan {
        old_next,
        new_next: Some(target),
        action: Action::Lower,
        detail: Some(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascending(last_value: i64, is_called: bool) -> SequenceState {
        SequenceState {
            last_value,
            is_called,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            start_value: 1,
            cycle: false,
        }
    }

    const FORWARD: Options = Options {
        allow_backward: false,
        margin: 0,
    };
    const BACKWARD: Options = Options {
        allow_backward: true,
        margin: 0,
    };

    #[test]
    fn behind_sequence_advances_to_bound_plus_increment() {
        let plan = decide(&ascending(1, false), Some(41), &FORWARD);
        assert_eq!(plan.action, Action::Advance);
        assert_eq!((plan.old_next, plan.new_next), (Some(1), Some(42)));
    }

    #[test]
    fn in_sync_sequence_is_left_alone_without_detail() {
        let plan = decide(&ascending(41, true), Some(41), &FORWARD);
        assert_eq!(plan.action, Action::None);
        assert_eq!(plan.detail, None);
        assert_eq!(plan.new_next, Some(42));
    }

    #[test]
    fn ahead_sequence_is_kept_unless_backward_is_allowed() {
        let kept = decide(&ascending(1000, true), Some(41), &FORWARD);
        assert_eq!(kept.action, Action::None);
        assert_eq!(kept.new_next, Some(1001));
        assert!(kept.detail.unwrap().contains("ahead of its data by 959"));

        let lowered = decide(&ascending(1000, true), Some(41), &BACKWARD);
        assert_eq!(lowered.action, Action::Lower);
        assert_eq!(lowered.new_next, Some(42));
    }

    #[test]
    fn empty_data_targets_start_not_minvalue() {
        let state = SequenceState {
            start_value: 100,
            min_value: 1,
            ..ascending(500, true)
        };
        assert_eq!(decide(&state, None, &FORWARD).action, Action::None);
        let plan = decide(&state, None, &BACKWARD);
        assert_eq!((plan.action, plan.new_next), (Action::Lower, Some(100)));
    }

    #[test]
    fn descending_sequence_uses_minimum_and_negative_increment() {
        let state = SequenceState {
            last_value: -1,
            is_called: false,
            increment: -2,
            min_value: i64::MIN,
            max_value: -1,
            start_value: -1,
            cycle: false,
        };
        let plan = decide(
            &state,
            Some(-41),
            &Options {
                allow_backward: false,
                margin: 10,
            },
        );
        assert_eq!(plan.action, Action::Advance);
        assert_eq!(plan.new_next, Some(-53));
    }

    #[test]
    fn margin_moves_in_the_increment_direction() {
        let plan = decide(
            &ascending(1, false),
            Some(41),
            &Options {
                allow_backward: false,
                margin: 100,
            },
        );
        assert_eq!(plan.new_next, Some(142));
    }

    #[test]
    fn target_past_maxvalue_is_an_error_with_numbers() {
        let state = SequenceState {
            max_value: 32767,
            ..ascending(1, false)
        };
        let plan = decide(&state, Some(40000), &FORWARD);
        assert_eq!(plan.action, Action::Error);
        assert_eq!(plan.new_next, None);
        assert_eq!(
            plan.detail.as_deref(),
            Some("data bound 40000 needs next value 40001, above the sequence's MAXVALUE 32767")
        );
    }

    #[test]
    fn arithmetic_near_i64_limits_does_not_overflow() {
        let plan = decide(
            &ascending(1, false),
            Some(i64::MAX),
            &Options {
                allow_backward: false,
                margin: i64::MAX,
            },
        );
        assert_eq!(plan.action, Action::Error);
        let state = SequenceState {
            last_value: i64::MAX,
            ..ascending(1, true)
        };
        assert_eq!(state.next_value(), None);
        assert_eq!(decide(&state, Some(5), &FORWARD).action, Action::None);
    }

    #[test]
    fn ahead_of_data_is_none_even_when_the_target_is_out_of_range() {
        // MINVALUE 100, data at 5: the target 6 lies below MINVALUE, yet nextval() gives 150.
        let state = SequenceState {
            min_value: 100,
            start_value: 100,
            ..ascending(149, true)
        };
        let plan = decide(&state, Some(5), &FORWARD);
        assert_eq!(plan.action, Action::None);
        assert_eq!(plan.new_next, Some(150));
        assert_eq!(decide(&state, Some(5), &BACKWARD).action, Action::Error);
    }

    #[test]
    fn cycle_sequences_are_skipped() {
        let state = SequenceState {
            cycle: true,
            ..ascending(1, false)
        };
        let plan = decide(&state, Some(10), &FORWARD);
        assert_eq!(plan.action, Action::Skip);
        assert_eq!(plan.new_next, None);
    }
}
