//! The report row every entry point returns: one per sequence.

use pgrx::pg_sys;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What happened to a sequence (in a dry run: what would happen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Moved forward to just past its data.
    Advance,
    /// Moved backward to just past its data (only with `allow_backward`).
    Lower,
    /// Already where it should be, or ahead of its data.
    None,
    /// Deliberately not touched (CYCLE, no consumers, no privilege, busy, ...).
    Skip,
    /// Could not be resynced (target out of range, unexpected error).
    Error,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Advance => "advance",
            Action::Lower => "lower",
            Action::None => "none",
            Action::Skip => "skip",
            Action::Error => "error",
        })
    }
}

#[derive(Debug, Clone)]
pub struct ReportRow {
    pub sequence: pg_sys::Oid,
    pub consumers: Vec<String>,
    pub data_bound: Option<i64>,
    pub old_next: Option<i64>,
    pub new_next: Option<i64>,
    pub action: Action,
    pub detail: Option<String>,
}

impl ReportRow {
    /// A row for a sequence that was not compared with its data at all.
    pub fn unchecked(
        sequence: pg_sys::Oid,
        consumers: Vec<String>,
        action: Action,
        detail: String,
    ) -> Self {
        ReportRow {
            sequence,
            consumers,
            data_bound: None,
            old_next: None,
            new_next: None,
            action,
            detail: Some(detail),
        }
    }

    /// The row with `note` (references to the sequence that were ignored) added to its detail.
    pub fn with_note(mut self, note: Option<String>) -> Self {
        if let Some(note) = note {
            self.detail = Some(match self.detail {
                Some(detail) => format!("{detail}; {note}"),
                None => note,
            });
        }
        self
    }
}

/// Counts per action: the closing NOTICE of a database-wide run, and (with serde) the counts in
/// the batched procedure's summary.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    pub checked: u64,
    pub advanced: u64,
    pub lowered: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub errors: u64,
}

impl Summary {
    pub fn of(rows: &[ReportRow]) -> Self {
        let mut summary = Summary::default();
        summary.add(rows);
        summary
    }

    /// Counts `rows` in.
    pub fn add(&mut self, rows: &[ReportRow]) {
        for row in rows {
            self.checked += 1;
            match row.action {
                Action::Advance => self.advanced += 1,
                Action::Lower => self.lowered += 1,
                Action::None => self.unchanged += 1,
                Action::Skip => self.skipped += 1,
                Action::Error => self.errors += 1,
            }
        }
    }

    pub fn message(&self, dry_run: bool) -> String {
        let (advanced, lowered) = if dry_run {
            ("to advance", "to lower")
        } else {
            ("advanced", "lowered")
        };
        format!(
            "pg_seqsync{}: {} {} checked, {} {advanced}, {} {lowered}, {} skipped, {} errors",
            if dry_run {
                " (dry run, nothing changed)"
            } else {
                ""
            },
            self.checked,
            if self.checked == 1 {
                "sequence"
            } else {
                "sequences"
            },
            self.advanced,
            self.lowered,
            self.skipped,
            self.errors,
        )
    }
}
