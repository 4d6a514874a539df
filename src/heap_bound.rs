//! The bound by a heap scan, when no usable index exists: every tuple a dirty snapshot sees,
//! compared with built-in comparisons only (Rust's for integers, `numeric_cmp` for numeric).

use crate::bound::{self, Column, Direction, Found, ValueKind};
use crate::index_bound::{dirty_snapshot, in_progress_writer};
use crate::relation::OpenRelation;
use pgrx::prelude::*;

/// MAX (MIN when descending) of `column` over `table`, with the transaction in progress that
/// wrote it, if any; `Err` carries a numeric value no bigint can follow.
pub fn read(
    table: &OpenRelation,
    column: Column,
    direction: Direction,
) -> Result<Option<Found>, String> {
    let flags = pg_sys::ScanOptions::SO_TYPE_SEQSCAN
        | pg_sys::ScanOptions::SO_ALLOW_STRAT
        | pg_sys::ScanOptions::SO_ALLOW_SYNC;
    // SAFETY: the table is open, locked, and checked to be a heap table of this session's; the
    // scan and slot are released before returning, or by the (sub)transaction abort on error.
    unsafe {
        let mut snapshot = dirty_snapshot();
        let scan = pg_sys::heap_beginscan(
            table.raw(),
            &mut snapshot,
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            flags as _,
        );
        let slot = pg_sys::table_slot_create(table.raw(), std::ptr::null_mut());
        let mut best_integer: Option<i64> = None;
        let mut best_numeric: Option<pg_sys::Datum> = None;
        let mut writer: Option<pg_sys::TransactionId> = None;
        while pg_sys::heap_getnextslot(scan, pg_sys::ScanDirection::ForwardScanDirection, slot) {
            pgrx::check_for_interrupts!();
            let mut is_null = false;
            let datum = pg_sys::slot_getattr(slot, column.attnum.into(), &mut is_null);
            if is_null {
                continue;
            }
            if column.kind == ValueKind::Numeric {
                let better = match best_numeric {
                    None => true,
                    Some(best) => {
                        let order = numeric_cmp(datum, best);
                        match direction {
                            Direction::Ascending => order > 0,
                            Direction::Descending => order < 0,
                        }
                    }
                };
                if better {
                    writer = in_progress_writer(&snapshot);
                    let copy = pg_sys::pg_detoast_datum_copy(datum.cast_mut_ptr());
                    if let Some(old) = best_numeric.replace(pg_sys::Datum::from(copy)) {
                        pg_sys::pfree(old.cast_mut_ptr());
                    }
                }
            } else {
                let value = bound::integer_value(datum, column.kind);
                if best_integer.is_none_or(|best| direction.further(best, value) != best) {
                    best_integer = Some(value);
                    writer = in_progress_writer(&snapshot);
                }
            }
        }
        pg_sys::ExecDropSingleTupleTableSlot(slot);
        pg_sys::heap_endscan(scan);
        match best_numeric {
            Some(best) => {
                let value = bound::datum_value(best, ValueKind::Numeric, direction);
                pg_sys::pfree(best.cast_mut_ptr());
                value.map(|value| Some(Found { value, writer }))
            }
            None => Ok(best_integer.map(|value| Found { value, writer })),
        }
    }
}

/// The built-in three-way comparison of two numeric values.
unsafe fn numeric_cmp(a: pg_sys::Datum, b: pg_sys::Datum) -> i32 {
    // SAFETY: both are numeric datums; numeric_cmp is the built-in btree support function.
    unsafe {
        pgrx::fcinfo::direct_function_call::<i32>(pg_sys::numeric_cmp, &[Some(a), Some(b)])
            .expect("numeric_cmp never returns NULL")
    }
}
