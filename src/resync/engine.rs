//! The resync of a list of sequences: checks, then for each sequence, in its own subtransaction,
//! read the bound, lock, read the sequence, decide, set. Every outcome becomes a report row;
//! only a cancel, a termination or running out of memory ends the call.

use crate::error;
use crate::error::Triage;
use crate::pg::owner;
use crate::pg::subxact;
use crate::pg::transaction_wait;
use crate::resync::apply::{self, Waiting};
use crate::resync::bound::{self, BoundError, Direction, Reader};
use crate::resync::column_type;
use crate::resync::discovery::default_expr::DefaultUse;
use crate::resync::discovery::{self, Consumer, Sequence};
use crate::resync::plan::{self, Options};
use crate::resync::report::{Action, ReportRow};
use crate::resync::sequence_state;
use pgrx::pg_sys::panic::{CaughtError, ErrorReport};
use pgrx::prelude::*;

/// How problems that are the caller's to fix are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The caller named this target: a missing privilege is an error (SQLSTATE 42501).
    Explicit,
    /// A database-wide sweep: a missing privilege is a `skip` row and the sweep goes on.
    Sweep,
}

#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub dry_run: bool,
    pub options: Options,
    pub mode: Mode,
    /// `Never` for automatic resync: the bound counts committed rows and this transaction's
    /// (another's rows in progress are its own to move), and no lock on the sequence is waited
    /// for (`apply`).
    pub waiting: Waiting,
}

/// Why a sequence is not compared with its data at all.
enum Precheck {
    Skip(String),
    Denied { message: String, hint: String },
}

/// Resyncs every sequence in order and returns one row per sequence.
pub fn resync(sequences: &[Sequence], request: &Request) -> Result<Vec<ReportRow>, ErrorReport> {
    let mut rows = Vec::with_capacity(sequences.len());
    for listed in sequences {
        let rediscovered;
        let sequence = match settle_uncommitted_ddl(listed, request) {
            Settled::AsListed => listed,
            Settled::Rediscovered(fresh) => {
                rediscovered = fresh;
                &rediscovered
            }
            Settled::Unsettled(row) => {
                rows.push(row);
                continue;
            }
        };
        let roots = sequence.root_consumers();
        let mut consumers: Vec<String> = roots.iter().map(|c| c.display.clone()).collect();
        consumers.sort();

        let row = match precheck(sequence, &roots, request.dry_run) {
            Some(Precheck::Denied { message, hint }) if request.mode == Mode::Explicit => {
                return Err(error::insufficient_privilege(&message, &hint));
            }
            Some(Precheck::Denied { message, .. }) => {
                ReportRow::unchecked(sequence.oid, consumers, Action::Skip, message)
            }
            Some(Precheck::Skip(reason)) => {
                ReportRow::unchecked(sequence.oid, consumers, Action::Skip, reason)
            }
            None => match subxact::run(|| resync_one(sequence, &roots, request)) {
                Ok(plan_row) => plan_row.into_row(sequence.oid, consumers),
                Err(caught) => row_for_error(sequence, consumers, caught, request.mode),
            },
        };
        rows.push(row.with_note(sequence.ignored_note()));
    }
    Ok(rows)
}

/// What became of a sequence whose consumers uncommitted DDL may be changing.
enum Settled {
    /// No such DDL: discovery's answer stands.
    AsListed,
    /// The DDL ended within the wait: the sequence as the catalog shows it now.
    Rediscovered(Sequence),
    /// Still in progress after `pg_seqsync.lock_timeout` (or the sequence is gone): its row.
    Unsettled(ReportRow),
}

/// An explicit call waits (at most `pg_seqsync.lock_timeout`, polling) for other transactions
/// whose uncommitted DDL may add consumers of the sequence (`discovery::uncommitted_consumer_ddl`),
/// then discovers it again: a value that may still commit is a value in use, and so is a table
/// that may still become a consumer. Automatic resync waits for no one: the DDL's own
/// transaction resyncs after it (database-wide mode) or its next write does.
fn settle_uncommitted_ddl(sequence: &Sequence, request: &Request) -> Settled {
    if request.waiting == Waiting::Never {
        return Settled::AsListed;
    }
    let pending = discovery::uncommitted_consumer_ddl(sequence);
    if pending.is_empty() {
        return Settled::AsListed;
    }
    let consumers = || {
        let mut names: Vec<String> = sequence
            .root_consumers()
            .iter()
            .map(|c| c.display.clone())
            .collect();
        names.sort();
        names
    };
    let limit = crate::settings::wait_limit();
    let deadline = transaction_wait::deadline_in(limit.ms);
    if !transaction_wait::wait_for_all(&pending, deadline) {
        return Settled::Unsettled(ReportRow::unchecked(
            sequence.oid,
            consumers(),
            Action::Skip,
            format!(
                "lock not available: uncommitted DDL of another transaction (xid {}) may add \
                 consumers of the sequence (waited {} ms, {})",
                u32::from(pending[0]),
                limit.ms,
                limit.setting
            ),
        ));
    }
    let scope = discovery::Scope::Sequences(std::slice::from_ref(&sequence.oid));
    match crate::pg::snapshot::in_latest_snapshot(|| discovery::load(&scope)) {
        Ok(mut fresh) if fresh.len() == 1 => Settled::Rediscovered(fresh.remove(0)),
        Ok(_) => Settled::Unsettled(ReportRow::unchecked(
            sequence.oid,
            consumers(),
            Action::Skip,
            "the sequence was dropped during the resync".into(),
        )),
        Err(caught) => {
            Settled::Unsettled(row_for_error(sequence, consumers(), caught, request.mode))
        }
    }
}

/// Why `sequence` would not be compared with its data at all, if it would not: no consumers,
/// CYCLE, an unusable consumer column, a missing privilege or row-level security.
pub fn precheck_reason(sequence: &Sequence, roots: &[&Consumer], dry_run: bool) -> Option<String> {
    precheck(sequence, roots, dry_run).map(|problem| match problem {
        Precheck::Skip(reason) => reason,
        Precheck::Denied { message, .. } => message,
    })
}

/// Whether `sequence` is left alone by design (no consumers, CYCLE, an unusable consumer
/// column), as opposed to for a missing privilege or for Citus, which the caller may want to
/// hear about.
pub fn is_deliberate_skip(sequence: &Sequence, roots: &[&Consumer]) -> bool {
    sequence.left_to_citus().is_none()
        && matches!(precheck(sequence, roots, false), Some(Precheck::Skip(_)))
}

/// Checks that need only the catalog: is there anything to compare, and may this role do it?
fn precheck(sequence: &Sequence, roots: &[&Consumer], dry_run: bool) -> Option<Precheck> {
    // The caller's rights on the sequence come first: a named sequence the caller may not
    // use is an error, whatever shape it is in.
    if !sequence.can_select {
        return Some(denied(
            format!(
                "permission denied for sequence {}: reading it needs SELECT",
                sequence.name
            ),
            format!(
                "GRANT SELECT ON SEQUENCE {} TO {};",
                sequence.name,
                owner::current_role_name()
            ),
        ));
    }
    if !dry_run && !sequence.can_update {
        return Some(denied(
            format!(
                "permission denied for sequence {}: moving it needs UPDATE",
                sequence.name
            ),
            format!(
                "GRANT UPDATE ON SEQUENCE {} TO {}; or call with dry_run => true.",
                sequence.name,
                owner::current_role_name()
            ),
        ));
    }
    if sequence.consumers.is_empty() {
        return Some(Precheck::Skip(
            "no column draws from this sequence, so there is no data to bound it".into(),
        ));
    }
    if let Some(reason) = sequence.left_to_citus() {
        return Some(Precheck::Skip(reason.to_string()));
    }
    if sequence.cycle {
        return Some(Precheck::Skip(plan::cycle_reason(Direction::of_increment(
            sequence.increment,
        ))));
    }
    if let Some(reason) = sequence.consumers.iter().find_map(Consumer::unusable_type) {
        return Some(Precheck::Skip(reason));
    }
    if let Some(deep) = sequence
        .consumers
        .iter()
        .find(|c| c.default_use == Some(DefaultUse::TooDeep))
    {
        return Some(Precheck::Skip(format!(
            "{}'s default nests deeper than {} levels, so how it uses the sequence is not read",
            deep.display,
            crate::resync::discovery::default_expr::MAX_NESTING
        )));
    }
    if let Some(wrapped) = sequence
        .consumers
        .iter()
        .find(|c| c.default_use == Some(DefaultUse::Wrapped))
    {
        return Some(Precheck::Skip(format!(
            "{} uses the sequence inside an expression, {}, so its values cannot bound it",
            wrapped.display,
            wrapped.default_text().as_deref().unwrap_or("?")
        )));
    }
    if let Some(column) = sequence.consumers.iter().find(|c| c.rounds()) {
        return Some(Precheck::Skip(format!(
            "{} rounds the values nextval() gives it ({}), so its values cannot bound the sequence",
            column.display,
            if column_type::rounds_whole_numbers(column.base_type, column.base_typmod) {
                column.type_name.clone()
            } else {
                column
                    .default_text()
                    .unwrap_or_else(|| "its default".into())
            }
        )));
    }
    if let Some(column) = roots.iter().find(|c| !c.can_select) {
        return Some(denied(
            format!(
                "permission denied for table {}: reading the data bound needs SELECT on column {}",
                column.table_sql, column.column_sql
            ),
            format!(
                "GRANT SELECT ({}) ON {} TO {};",
                column.column_sql,
                column.table_sql,
                owner::current_role_name()
            ),
        ));
    }
    if let Some(column) = roots.iter().find(|c| c.row_security_active) {
        return Some(denied(
            format!(
                "row-level security on {} may hide rows from this role, so the data bound could be too low",
                column.table_sql
            ),
            "Run as a role with BYPASSRLS, or as the table's owner while FORCE ROW LEVEL SECURITY is off.".into(),
        ));
    }
    None
}

fn denied(message: String, hint: String) -> Precheck {
    Precheck::Denied { message, hint }
}

/// What one sequence's resync produced, before it becomes a row.
struct PlanRow {
    data_bound: Option<i64>,
    plan: plan::Plan,
    /// What the report says about the data besides (rows in other Citus nodes' ranges).
    note: Option<String>,
}

impl PlanRow {
    fn into_row(self, sequence: pg_sys::Oid, consumers: Vec<String>) -> ReportRow {
        ReportRow {
            sequence,
            consumers,
            data_bound: self.data_bound,
            old_next: self.plan.old_next,
            new_next: self.plan.new_next,
            action: self.plan.action,
            detail: self.plan.detail,
        }
        .with_note(self.note)
    }
}

/// Runs inside the sequence's own subtransaction; a lock wait that times out raises 55P03 here.
fn resync_one(sequence: &Sequence, roots: &[&Consumer], request: &Request) -> PlanRow {
    let direction = Direction::of_increment(sequence.increment);
    // The bound is read before the lock: a scan may be slow, and nextval() must not wait on it.
    let reader = match request.waiting {
        Waiting::Bounded => Reader::Caller,
        Waiting::Never => Reader::AfterOwnWrite,
    };
    let (data_bound, note) = match bound::read_sequence(sequence, roots, direction, reader) {
        Ok(bound) => (bound.value, bound.note),
        Err(problem) => {
            let action = match problem {
                BoundError::OutOfRange { .. } | BoundError::Failed(_) => Action::Error,
                BoundError::Unreadable(_) => Action::Skip,
            };
            return PlanRow {
                data_bound: None,
                plan: plan::Plan {
                    old_next: None,
                    new_next: None,
                    action,
                    detail: Some(problem.describe()),
                },
                note: None,
            };
        }
    };

    // A dry run decides on the position read without the lock. So does a forward-only run when
    // the sequence is already at or past its target: that stays so whatever nextval() does
    // meanwhile, so there is nothing to set and no lock to take (and no wait for the
    // transactions drawing from it, which hold nextval()'s lock until they end).
    if request.dry_run || !request.options.allow_backward {
        let state = sequence_state::read(sequence.oid);
        let plan = plan::decide(&state, data_bound, &request.options);
        let settled = plan.action == Action::None && state.direction() == direction;
        if request.dry_run || settled {
            return PlanRow {
                data_bound,
                plan,
                note,
            };
        }
    }

    let plan = apply::check_and_set(
        sequence.oid,
        direction,
        data_bound,
        &request.options,
        request.waiting,
    );
    PlanRow {
        data_bound,
        plan,
        note,
    }
}

/// A lock error's message as the detail of a row about `sequence`, which calls it "the sequence".
pub fn lock_detail(sequence: &Sequence, message: String) -> String {
    // As the error wrote it: with the escapes a database that is not UTF-8 gets.
    let own =
        crate::pg::encoding::for_error(&format!("lock not available: {} is in use", sequence.name));
    match message.strip_prefix(&own) {
        Some(rest) => format!("lock not available: the sequence is in use{rest}"),
        None => message,
    }
}

/// Turns an error raised inside a sequence's subtransaction into its row, or raises it again when
/// it must end the whole call (see `must_end_call`; for an explicit target, a missing privilege).
fn row_for_error(
    sequence: &Sequence,
    consumers: Vec<String>,
    caught: CaughtError,
    mode: Mode,
) -> ReportRow {
    let (action, detail) = match error::triage(caught, mode == Mode::Explicit) {
        Triage::LockNotAvailable(message) => (Action::Skip, lock_detail(sequence, message)),
        Triage::Denied(message) => (Action::Skip, message),
        Triage::Failed { message, sqlstate } => {
            (Action::Error, format!("{message} (SQLSTATE {sqlstate})"))
        }
    };
    ReportRow::unchecked(sequence.oid, consumers, action, detail)
}
