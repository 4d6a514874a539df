//! The bound by a heap scan, when no usable index exists: every tuple a dirty snapshot sees,
//! compared with built-in comparisons only (Rust's for integers, `numeric_cmp` for numeric).

use super::value::{self, Column, Direction, Found, ValueKind};
use crate::pg::relation::OpenRelation;
use crate::pg::scan::{HeapScan, Rows};
use pgrx::prelude::*;

/// MAX (MIN when descending) of `column` over the `rows` of `table` (less the rows of other
/// transactions in progress, with `skip_in_progress`), with the transaction in progress that
/// wrote it, if any; `Err` carries a numeric value no bigint can follow.
pub fn read(
    table: &OpenRelation,
    column: Column,
    direction: Direction,
    rows: Rows,
    skip_in_progress: bool,
) -> Result<Option<Found>, String> {
    // SAFETY: `table` is open, locked, and checked by the caller to be a heap table of this
    // session's whose column `column.attnum` has the type `column.kind` reads.
    let mut scan = unsafe { HeapScan::begin(table, rows) };
    if column.kind != ValueKind::Numeric {
        let mut best: Option<Found> = None;
        while let Some((value, writer)) = scan.next(column.attnum) {
            if skip_in_progress && writer.is_some() {
                continue;
            }
            if let Some(datum) = value {
                let value = value::integer_value(datum, column.kind);
                if best.is_none_or(|b| direction.further(b.value, value) != b.value) {
                    best = Some(Found { value, writer });
                }
            }
        }
        return Ok(best);
    }
    let mut best: Option<(NumericCopy, Option<pg_sys::TransactionId>)> = None;
    while let Some((value, writer)) = scan.next(column.attnum) {
        if skip_in_progress && writer.is_some() {
            continue;
        }
        let Some(datum) = value else { continue };
        let better = best.as_ref().is_none_or(|(b, _)| {
            // SAFETY: both are numeric values (the column's checked type).
            let order = unsafe { numeric_cmp(datum, b.datum()) };
            match direction {
                Direction::Ascending => order > 0,
                Direction::Descending => order < 0,
            }
        });
        if better {
            // SAFETY: a numeric value of the current row, copied before the scan moves on.
            best = Some((unsafe { NumericCopy::of(datum) }, writer));
        }
    }
    match best {
        Some((copy, writer)) => {
            // SAFETY: a detoasted numeric copy.
            unsafe { value::datum_value(copy.datum(), ValueKind::Numeric, direction) }
                .map(|value| Some(Found { value, writer }))
        }
        None => Ok(None),
    }
}

/// A numeric value copied out of a row (detoasted), freed when dropped.
struct NumericCopy(*mut pg_sys::varlena);

impl NumericCopy {
    /// # Safety
    /// `datum` must be a numeric value.
    unsafe fn of(datum: pg_sys::Datum) -> NumericCopy {
        // SAFETY: the caller's numeric datum; the copy is palloc'd in the current context.
        NumericCopy(unsafe { pg_sys::pg_detoast_datum_copy(datum.cast_mut_ptr()) })
    }

    fn datum(&self) -> pg_sys::Datum {
        pg_sys::Datum::from(self.0)
    }
}

impl Drop for NumericCopy {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: frees the copy made in `of`, once.
            unsafe { pg_sys::pfree(self.0.cast()) };
        }
    }
}

/// The built-in three-way comparison of two numeric values.
///
/// # Safety
/// Both must be numeric datums.
unsafe fn numeric_cmp(a: pg_sys::Datum, b: pg_sys::Datum) -> i32 {
    // SAFETY: both are numeric datums; numeric_cmp is the built-in btree support function.
    unsafe {
        pgrx::fcinfo::direct_function_call::<i32>(pg_sys::numeric_cmp, &[Some(a), Some(b)])
            .expect("numeric_cmp never returns NULL")
    }
}
