//! The statement trigger placed by `enable_auto_resync`: AFTER INSERT FOR EACH STATEMENT, which
//! COPY FROM fires too. Written against the fmgr interface directly so that any other use (a
//! direct call, a row-level or BEFORE trigger) gets PostgreSQL's own trigger-protocol error.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{PgLogLevel, PgSqlErrorCode};

#[no_mangle]
#[doc(hidden)]
pub extern "C" fn pg_finfo_auto_resync_trigger() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

#[no_mangle]
#[pg_guard]
pub unsafe extern "C-unwind" fn auto_resync_trigger(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    // SAFETY: fmgr hands us a valid fcinfo; `context` is a TriggerData when called as a trigger.
    let context = unsafe { (*fcinfo).context };
    // SAFETY: a non-NULL context is a node; is_a reads only its tag.
    if context.is_null() || !unsafe { pgrx::is_a(context, pg_sys::NodeTag::T_TriggerData) } {
        protocol_violation("_auto_resync_trigger() can only be called as a trigger");
    }
    let data = context.cast::<pg_sys::TriggerData>();
    // SAFETY: checked above to be the TriggerData fmgr passes to a trigger.
    let event = unsafe { (*data).tg_event };
    let statement_level = event & pg_sys::TRIGGER_EVENT_ROW == 0;
    let after = event & pg_sys::TRIGGER_EVENT_TIMINGMASK == 0; // neither BEFORE nor INSTEAD
    let insert = event & pg_sys::TRIGGER_EVENT_OPMASK == pg_sys::TRIGGER_EVENT_INSERT;
    if !(statement_level && after && insert) {
        protocol_violation("_auto_resync_trigger() must be fired AFTER INSERT FOR EACH STATEMENT");
    }
    // SAFETY: a trigger's tg_relation is the open relation it fired on, with its pg_class row.
    let (relation, owner) = unsafe {
        let rel = (*data).tg_relation;
        ((*rel).rd_id, (*(*rel).rd_rel).relowner)
    };
    super::resync_after_write(relation, owner);
    pg_sys::Datum::from(0) // a statement-level AFTER trigger's result is ignored
}

fn protocol_violation(message: &'static str) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
        message,
        "pg_seqsync",
    )
    .set_hint("Place it with enable_auto_resync('schema.table').")
    .report(PgLogLevel::ERROR);
    unreachable!("an ERROR does not return")
}

extension_sql_file!(
    "../../sql/auto_resync_trigger_function.sql",
    name = "auto_resync_trigger_function"
);
