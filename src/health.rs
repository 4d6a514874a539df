//! `sequence_health()`: what a monitoring job polls. One row per sequence: is it behind its
//! data, how many values are left before MAXVALUE (MINVALUE when descending), and is it
//! narrower than a column it feeds (an `AS integer` sequence left behind by an int -> bigint
//! migration). It changes nothing and takes no lock that blocks writers: catalog reads, the
//! sequence's own page, and the bound under AccessShareLock (from an index when there is one).

use crate::bound::Direction;
use crate::catalog::{self, Consumer, Scope, Sequence};
use crate::engine;
use crate::plan::SequenceState;
use crate::sequence_state;
use crate::snapshot::with_fresh_snapshot;
use crate::subxact;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AnyNumeric;

type HealthRow = (
    pg_sys::Oid,
    Vec<String>,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    Option<i64>,
    Option<AnyNumeric>,
    Option<f64>,
    bool,
    Option<String>,
);

#[allow(clippy::type_complexity)]
#[pg_extern(name = "_sequence_health")]
#[search_path(pg_catalog, pg_temp)]
fn sequence_health(
    schemas: Option<Vec<Option<String>>>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(sequence, pg_sys::Oid),
            name!(consumers, Vec<String>),
            name!(data_bound, Option<i64>),
            name!(next_value, Option<i64>),
            name!(behind, Option<bool>),
            name!(behind_by, Option<i64>),
            name!(values_left, Option<AnyNumeric>),
            name!(fraction_used, Option<f64>),
            name!(narrower_than_consumer, bool),
            name!(detail, Option<String>),
        ),
    >,
    ErrorReport,
> {
    let scope = Scope::Database {
        schemas: schemas.map(|s| s.into_iter().flatten().collect()),
        exclude_schemas: None,
    };
    let sequences = Spi::connect(|client| catalog::load(client, &scope))
        .map_err(crate::error::catalog_query_failed)?;
    let rows = with_fresh_snapshot(|| sequences.iter().map(health_of).collect::<Vec<_>>());
    Ok(TableIterator::new(rows))
}

fn health_of(sequence: &Sequence) -> HealthRow {
    let roots = sequence.root_consumers();
    let mut consumers: Vec<String> = roots.iter().map(|c| c.display.clone()).collect();
    consumers.sort();
    if !sequence.can_select {
        // Nothing is read from a sequence the caller may not read.
        return (
            sequence.oid,
            consumers,
            None,
            None,
            None,
            None,
            None,
            None,
            false,
            Some(format!("permission denied for sequence {}", sequence.name)),
        );
    }
    let state = sequence_state::read(sequence.oid);
    let narrow = narrower_consumer(&state, &roots);
    let mut detail = narrow.clone();
    let next = state.next_value();
    let (values_left, fraction_used) = capacity(&state);

    // The bound, unless the sequence is one the resync would leave alone anyway.
    let reason = engine::precheck_reason(sequence, &roots, true);
    let bound = match reason {
        Some(reason) => {
            detail = Some(join(detail, reason));
            None
        }
        None => match subxact::run(|| engine::read_bound(&roots, direction(&state))) {
            Ok(Ok(Ok(bound))) => bound,
            Ok(Ok(Err(out_of_range))) => {
                detail = Some(join(detail, out_of_range.describe(&roots)));
                None
            }
            Ok(Err(error)) => {
                detail = Some(join(detail, error.to_string()));
                None
            }
            Err(caught) => {
                detail = Some(join(detail, engine::caught_message(&caught)));
                None
            }
        },
    };

    // Behind: the data has reached the value nextval() hands out next (or it is exhausted
    // while the data needs more). behind_by: how far nextval() must move to clear the data.
    let (behind, behind_by) = match bound {
        None => (None, None),
        Some(bound) => {
            let step = i128::from(state.increment.signum());
            let target = i128::from(bound) + i128::from(state.increment);
            let next = next.map(i128::from).unwrap_or(target + step);
            let gap = (target - next) * step;
            (
                Some(gap > 0),
                Some(i64::try_from(gap.max(0)).unwrap_or(i64::MAX)),
            )
        }
    };
    (
        sequence.oid,
        consumers,
        bound,
        next,
        behind,
        behind_by,
        values_left,
        fraction_used,
        narrow.is_some(),
        detail,
    )
}

fn direction(state: &SequenceState) -> Direction {
    Direction::of_increment(state.increment)
}

/// Values nextval() can still hand out, and the fraction of the range already used.
fn capacity(state: &SequenceState) -> (Option<AnyNumeric>, Option<f64>) {
    let (min, max) = (i128::from(state.min_value), i128::from(state.max_value));
    let step = i128::from(state.increment).abs();
    let range = max - min + 1;
    let left = match state.next_value() {
        None => 0,
        Some(next) if state.increment > 0 => (max - i128::from(next)) / step + 1,
        Some(next) => (i128::from(next) - min) / step + 1,
    };
    if state.cycle {
        return (None, None); // a CYCLE sequence never runs out
    }
    let used = 1.0 - (left * step) as f64 / range as f64;
    (Some(AnyNumeric::from(left)), Some(used.clamp(0.0, 1.0)))
}

/// A consumer column that can hold values beyond the sequence's limit in its direction.
fn narrower_consumer(state: &SequenceState, roots: &[&Consumer]) -> Option<String> {
    let ascending = state.increment > 0;
    roots.iter().find_map(|c| {
        let (lowest, highest): (i128, i128) = match c.base_type {
            pg_sys::INT2OID => (i16::MIN.into(), i16::MAX.into()),
            pg_sys::INT4OID => (i32::MIN.into(), i32::MAX.into()),
            pg_sys::INT8OID => (i64::MIN.into(), i64::MAX.into()),
            pg_sys::NUMERICOID => (i128::MIN, i128::MAX),
            _ => return None,
        };
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

fn join(first: Option<String>, second: String) -> String {
    match first {
        Some(first) => format!("{first}; {second}"),
        None => second,
    }
}

extension_sql!(
    r#"
CREATE FUNCTION sequence_health(schemas pg_catalog.name[] DEFAULT NULL)
RETURNS TABLE (sequence pg_catalog.regclass, consumers pg_catalog.text[],
               data_bound pg_catalog.int8, next_value pg_catalog.int8,
               behind pg_catalog.bool, behind_by pg_catalog.int8,
               values_left pg_catalog.numeric, fraction_used pg_catalog.float8,
               narrower_than_consumer pg_catalog.bool, detail pg_catalog.text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.sequence::pg_catalog.regclass, h.consumers, h.data_bound, h.next_value, h.behind,
           h.behind_by, h.values_left, h.fraction_used, h.narrower_than_consumer, h.detail
      FROM @extschema@._sequence_health(schemas::pg_catalog.text[]) AS h
$$;
COMMENT ON FUNCTION sequence_health(pg_catalog.name[]) IS
'One row per sequence: behind its data or not, values left, fraction used, and whether a column it feeds is wider than the sequence. Changes nothing; blocks no writer.';
"#,
    name = "sequence_health_api",
    requires = [sequence_health]
);
