//! The values a bound is made of: which way a sequence runs, one column to read, the best value
//! found so far, and a column value as a whole number on the safe side of the data.

pub use crate::resync::column_type::ValueKind;
use pgrx::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    /// The direction of a sequence with this INCREMENT.
    pub fn of_increment(increment: i64) -> Direction {
        if increment > 0 {
            Direction::Ascending
        } else {
            Direction::Descending
        }
    }

    /// The better of two bounds in this direction.
    pub fn further(self, a: i64, b: i64) -> i64 {
        match self {
            Direction::Ascending => a.max(b),
            Direction::Descending => a.min(b),
        }
    }
}

/// One column of one table to read.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub attnum: i16,
    pub kind: ValueKind,
}

/// The best value found, and the transaction still in progress that wrote its row, if another
/// one did.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    pub value: i64,
    pub writer: Option<pg_sys::TransactionId>,
}

impl Found {
    /// The better of `self` and `other` in `direction`.
    pub fn further(self, other: Found, direction: Direction) -> Found {
        if direction.further(self.value, other.value) == self.value {
            self
        } else {
            other
        }
    }
}

/// A numeric bound as text (`numeric_out`), rounded to a whole number on the safe side: up for
/// an ascending sequence, down for a descending one. `Err` carries the text when no bigint can
/// follow it (NaN, Infinity, or beyond the bigint range).
pub fn whole_number(text: &str, direction: Direction) -> Result<i64, String> {
    let out_of_range = || text.to_string();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(out_of_range()); // NaN, Infinity
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(out_of_range());
    }
    let magnitude: i128 = whole
        .trim_start_matches('0')
        .parse::<i128>()
        .or_else(|e| {
            if whole.trim_start_matches('0').is_empty() {
                Ok(0)
            } else {
                Err(e)
            }
        })
        .map_err(|_| out_of_range())?;
    let mut value = if negative { -magnitude } else { magnitude };
    let has_fraction = fraction.bytes().any(|b| b != b'0');
    if has_fraction {
        // Truncation went toward zero; step away from the data's side where needed.
        match direction {
            Direction::Ascending if !negative => value += 1,
            Direction::Descending if negative => value -= 1,
            _ => {}
        }
    }
    i64::try_from(value).map_err(|_| out_of_range())
}

/// An integer datum of `kind` as i64.
pub fn integer_value(datum: pg_sys::Datum, kind: ValueKind) -> i64 {
    match kind {
        ValueKind::Int2 => i64::from(datum.value() as i16),
        ValueKind::Int4 => i64::from(datum.value() as i32),
        _ => datum.value() as i64,
    }
}

/// A column value as a whole-number bound; `Err` carries a numeric no bigint can follow.
///
/// # Safety
/// `datum` must be a non-NULL value of `kind`.
pub unsafe fn datum_value(
    datum: pg_sys::Datum,
    kind: ValueKind,
    direction: Direction,
) -> Result<i64, String> {
    if kind != ValueKind::Numeric {
        return Ok(integer_value(datum, kind));
    }
    // SAFETY: a numeric datum; numeric_out returns a palloc'd C string, freed here.
    let text = unsafe {
        let out = pgrx::fcinfo::direct_function_call_as_datum(pg_sys::numeric_out, &[Some(datum)])
            .expect("numeric_out never returns NULL")
            .cast_mut_ptr::<std::ffi::c_char>();
        let text = std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned();
        pg_sys::pfree(out.cast());
        text
    };
    whole_number(&text, direction)
}

#[cfg(test)]
mod whole_number_tests {
    use super::{whole_number, Direction};

    #[test]
    fn numeric_text_rounds_to_the_safe_side() {
        assert_eq!(whole_number("41", Direction::Ascending), Ok(41));
        assert_eq!(whole_number("41.2", Direction::Ascending), Ok(42));
        assert_eq!(whole_number("41.2", Direction::Descending), Ok(41));
        assert_eq!(whole_number("-41.2", Direction::Ascending), Ok(-41));
        assert_eq!(whole_number("-41.2", Direction::Descending), Ok(-42));
        assert_eq!(whole_number("-0.5", Direction::Ascending), Ok(0));
        assert_eq!(whole_number("0.000", Direction::Ascending), Ok(0));
        assert_eq!(whole_number("00012.000", Direction::Ascending), Ok(12));
    }

    #[test]
    fn values_no_bigint_can_follow_are_refused() {
        assert!(whole_number("NaN", Direction::Ascending).is_err());
        assert!(whole_number("Infinity", Direction::Ascending).is_err());
        assert!(whole_number("-Infinity", Direction::Descending).is_err());
        assert!(whole_number("9223372036854775808", Direction::Ascending).is_err());
        assert!(whole_number("9223372036854775806.5", Direction::Ascending).is_ok());
        assert!(whole_number("9223372036854775807.5", Direction::Ascending).is_err());
        assert!(whole_number("1e30", Direction::Ascending).is_err());
        assert!(whole_number(
            "1000000000000000000000000000000000000000000000",
            Direction::Ascending
        )
        .is_err());
    }
}
