//! Errors raised to the caller, each with its SQLSTATE, the object it concerns and a hint; and
//! which caught errors may be turned into a report row.

use crate::pg::encoding;
use pgrx::pg_sys::panic::{CaughtError, ErrorReport};
use pgrx::PgSqlErrorCode;

fn report(code: PgSqlErrorCode, message: String, hint: &str) -> ErrorReport {
    ErrorReport::new(code, encoding::for_error(&message), "pg_seqsync")
        .set_hint(encoding::for_error(hint))
}

pub fn null_argument(argument: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        format!("{argument} must not be NULL"),
        match argument {
            "target" => "Pass a table or a sequence, e.g. resync_sequence('public.orders').",
            _ => "Leave the argument out to use its default.",
        },
    )
}

pub fn negative_margin(margin: i64) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        format!("margin must not be negative, got {margin}"),
        "margin is how many values to leave unused past the data; use 0 for none.",
    )
}

pub fn undefined_relation(oid: u32) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        format!("relation with OID {oid} does not exist"),
        "The relation may have been dropped; pass its name instead of an OID.",
    )
}

/// `enable_auto_resync` on a table behind whose sequences Citus keeps rows in shards: no
/// trigger of the coordinator fires for a write through Citus.
pub fn citus_table_needs_hooks(relation: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!(
            "automatic resync cannot place a trigger for {relation}: a sequence behind it is drawn on by a table whose rows Citus keeps in shards"
        ),
        "Writes through Citus fire no trigger on this node; set pg_seqsync.resync_after_copy and pg_seqsync.resync_after_citus_insert (pg_seqsync in shared_preload_libraries) instead.",
    )
}

pub fn other_sessions_temp(relation: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!("\"{relation}\" is another session's temporary relation"),
        "Only the session that created a temporary table can read it; resync it from that session.",
    )
}

pub fn wrong_object_type(relation: &str, kind: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
        format!("\"{relation}\" is {kind}, not a table or sequence"),
        "resync_sequence() takes a table, a partitioned table or a sequence.",
    )
}

pub fn not_a_table(relation: &str, kind: &str, function: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
        format!("\"{relation}\" is {kind}, not a table"),
        &format!(
            "{function}() takes a table or a partitioned table, or NULL for the whole database."
        ),
    )
}

pub fn column_with_sequence_target(sequence: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        format!("column_name cannot be given when the target \"{sequence}\" is a sequence"),
        "Name the table with column_name, or the sequence alone: it is checked against every column that draws from it.",
    )
}

pub fn undefined_column(relation: &str, column: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
        format!("column \"{column}\" of relation \"{relation}\" does not exist"),
        "Check the column's spelling; names are case-sensitive when quoted.",
    )
}

pub fn column_without_sequence(relation: &str, column: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!("column \"{column}\" of relation \"{relation}\" does not draw from a sequence"),
        "Only serial, identity, OWNED BY and DEFAULT nextval(...) columns have a sequence to resync.",
    )
}

pub fn table_without_sequence(relation: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!("relation \"{relation}\" has no column that draws from a sequence"),
        "Only serial, identity, OWNED BY and DEFAULT nextval(...) columns have a sequence to resync.",
    )
}

/// A privilege problem found for an explicitly named target (a sweep reports it as a `skip` row).
pub fn insufficient_privilege(message: &str, hint: &str) -> ErrorReport {
    report(
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        message.to_string(),
        hint,
    )
}

/// An SPI failure in one of our own catalog queries: not the caller's doing.
pub fn catalog_query_failed(error: pgrx::spi::Error) -> ErrorReport {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        format!("pg_seqsync: catalog query failed: {error}"),
        "pg_seqsync",
    )
}

/// The five-character SQLSTATE packed into an error code (PostgreSQL's MAKE_SQLSTATE).
pub fn sqlstate(code: PgSqlErrorCode) -> String {
    let packed = code as isize;
    (0..5)
        .map(|i| char::from(((packed >> (6 * i)) & 0x3F) as u8 + b'0'))
        .collect()
}

/// Errors no per-sequence handling may swallow: a cancel or statement timeout (57014), an
/// administrator's termination or shutdown (57P01-57P05), running out of memory (53200).
pub fn must_end_call(code: PgSqlErrorCode) -> bool {
    let sqlstate = sqlstate(code);
    sqlstate == "57014" || sqlstate.starts_with("57P") || sqlstate == "53200"
}

/// What an error caught in a subtransaction is to the call that caught it.
pub enum Triage {
    /// A lock not granted in time (55P03); the message names the relation waited for.
    LockNotAvailable(String),
    /// A missing privilege (42501).
    Denied(String),
    /// Anything else.
    Failed { message: String, sqlstate: String },
}

/// Sorts an error caught in a subtransaction, raising again at once what no per-object handling
/// may swallow (`must_end_call`) and, with `denied_ends_call`, a missing privilege.
pub fn triage(caught: CaughtError, denied_ends_call: bool) -> Triage {
    let (code, message) = caught_code_and_message(&caught);
    if must_end_call(code)
        || (denied_ends_call && code == PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE)
    {
        caught.rethrow();
    }
    match code {
        PgSqlErrorCode::ERRCODE_LOCK_NOT_AVAILABLE => Triage::LockNotAvailable(message),
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE => Triage::Denied(message),
        _ => Triage::Failed {
            message,
            sqlstate: sqlstate(code),
        },
    }
}

impl Triage {
    /// The error's message as it was raised.
    pub fn into_message(self) -> String {
        match self {
            Triage::LockNotAvailable(message) | Triage::Denied(message) => message,
            Triage::Failed { message, .. } => message,
        }
    }
}

/// The SQLSTATE and message of an error caught in a subtransaction.
pub fn caught_code_and_message(caught: &CaughtError) -> (PgSqlErrorCode, String) {
    match caught {
        CaughtError::PostgresError(report)
        | CaughtError::ErrorReport(report)
        | CaughtError::RustPanic {
            ereport: report, ..
        } => (
            report.sql_error_code(),
            encoding::from_caught(report.message()),
        ),
    }
}
