//! Automatic resync after writes: a statement trigger per table (`trigger`), a `ddl_command_end`
//! event trigger for database-wide mode (`manage`), and a COPY hook for preloaded setups
//! (`copy_hook`). All three end in `resync_after_write`, which is cheap when nothing is behind
//! (`fast_check`) and runs with the table owner's rights (`crate::pg::owner`). None of them ever
//! fails or hangs the user's statement for a resync problem: it becomes a WARNING.

pub mod copy_hook;
mod drop_extension;
mod fast_check;
pub mod insert_hook;
pub mod manage;
mod trigger;

use crate::error::Triage;
use crate::pg::owner;
use crate::pg::subxact;
use crate::resync::apply::Waiting;
use crate::resync::discovery::{self, Scope};
use crate::resync::engine::{self, Mode, Request};
use crate::resync::plan::Options;
use crate::resync::report::{Action, ReportRow};
use pgrx::prelude::*;

pub use fast_check::register_invalidation_callback;

/// What an automatic resync may do: forward only, no margin, problems reported as rows.
const AUTOMATIC: Request = Request {
    dry_run: false,
    options: Options {
        allow_backward: false,
        margin: 0,
    },
    mode: Mode::Sweep,
    waiting: Waiting::Never,
};

/// After rows were written into `relation`: advance every sequence behind its columns that the
/// rows may have left behind. Runs as the table's owner, so a loader that may insert but not
/// move the sequence still gets it advanced, and gains nothing else.
/// Everything happens in a subtransaction: any error (a lock wait past
/// `pg_seqsync.automatic_lock_timeout`, which the writer cannot change, a table dropped
/// meanwhile, ...) becomes a WARNING and the user's
/// statement goes on; only a cancel, a termination or running out of memory ends it.
pub fn resync_after_write(relation: pg_sys::Oid, owner: pg_sys::Oid) {
    owner::with_writer(|| {
        crate::settings::with_automatic_waits(|| resync_after_write_bounded(relation, owner))
    });
}

/// `resync_after_write`, with waits bounded by `pg_seqsync.automatic_lock_timeout`.
fn resync_after_write_bounded(relation: pg_sys::Oid, owner: pg_sys::Oid) {
    let outcome = subxact::run(|| {
        owner::run_as(owner, || {
            owner::with_pinned_search_path(|| {
                // The common case ends here: nothing is behind, nothing is locked.
                let behind = fast_check::sequences_behind(relation);
                if !behind.is_empty() {
                    resync_and_warn(&behind, "a write");
                }
            })
        })
    });
    if let Err(caught) = outcome {
        let (what, message) = match crate::error::triage(caught, false) {
            Triage::LockNotAvailable(message) => ("skipped", message),
            other => ("failed", other.into_message()),
        };
        crate::pg::encoding::warning(&format!(
            "pg_seqsync: automatic resync after a write {what}: {message}"
        ));
    }
}

/// `resync_after_write` for a relation given by OID only (the COPY hook).
pub fn resync_after_write_to(relation: pg_sys::Oid) {
    resync_after_write(relation, owner::owner_of(relation));
}

/// Resyncs `sequences` forward only and turns every row that needs attention into a WARNING
/// (an automatic resync has no caller to hand rows to). `cause` names what triggered it.
pub(crate) fn resync_and_warn(sequences: &[pg_sys::Oid], cause: &str) {
    let sequences = discovery::discover(&Scope::Sequences(sequences));
    let rows = engine::resync(&sequences, &AUTOMATIC).unwrap_or_else(|e| {
        crate::pg::encoding::warning(&format!(
            "pg_seqsync: automatic resync after {cause} failed: {}",
            e.message()
        ));
        Vec::new()
    });
    for row in rows.iter().filter(|r| needs_attention(r)) {
        crate::pg::encoding::warning(&format!(
            "pg_seqsync: automatic resync after {cause} could not {} {}: {}",
            if row.action == Action::Error {
                "resync"
            } else {
                "check"
            },
            discovery::relation_name(row.sequence),
            row.detail.as_deref().unwrap_or("")
        ));
    }
}

fn needs_attention(row: &ReportRow) -> bool {
    matches!(row.action, Action::Error | Action::Skip)
}
