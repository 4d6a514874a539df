//! What a consumer column's type is to pg_seqsync: how its values are read and compared
//! (`ValueKind`), whether it keeps whole numbers whole or rounds them (numeric with a negative
//! scale), and up to which limit it can hold them.

use pgrx::pg_sys;

const VARHDRSZ: i32 = 4;

/// btree `numeric_ops` (pg_opfamily.dat; the bindings name only its operator class).
const NUMERIC_BTREE_FAMILY: u32 = 1988;

/// How a column's values are read and compared: as integers, or as numeric (built-in
/// `numeric_cmp`, then rounded to a whole number on the safe side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Int2,
    Int4,
    Int8,
    Numeric,
}

impl ValueKind {
    pub fn of(base_type: pg_sys::Oid) -> Option<ValueKind> {
        match base_type {
            pg_sys::INT2OID => Some(ValueKind::Int2),
            pg_sys::INT4OID => Some(ValueKind::Int4),
            pg_sys::INT8OID => Some(ValueKind::Int8),
            pg_sys::NUMERICOID => Some(ValueKind::Numeric),
            _ => None,
        }
    }

    /// The built-in btree operator family whose order is this type's natural order.
    pub fn btree_family(self) -> pg_sys::Oid {
        match self {
            ValueKind::Numeric => pg_sys::Oid::from(NUMERIC_BTREE_FAMILY),
            _ => pg_sys::INTEGER_BTREE_FAM_OID,
        }
    }
}

/// The scale of a numeric typmod (negative from PostgreSQL 15), `None` when unconstrained.
pub fn numeric_scale(typmod: i32) -> Option<i32> {
    (typmod >= VARHDRSZ).then(|| (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024)
}

/// The precision of a numeric typmod, `None` when unconstrained.
fn numeric_precision(typmod: i32) -> Option<i32> {
    (typmod >= VARHDRSZ).then(|| ((typmod - VARHDRSZ) >> 16) & 0xffff)
}

/// A column of this type rounds the whole numbers nextval() returns (`numeric(10,-2)`).
pub fn rounds_whole_numbers(base_type: pg_sys::Oid, typmod: i32) -> bool {
    base_type == pg_sys::NUMERICOID && numeric_scale(typmod).is_some_and(|s| s < 0)
}

/// The smallest and largest whole numbers the column can hold, `None` when no bigint reaches
/// its limits (unconstrained numeric).
pub fn whole_number_range(base_type: pg_sys::Oid, typmod: i32) -> Option<(i128, i128)> {
    match base_type {
        pg_sys::INT2OID => Some((i16::MIN.into(), i16::MAX.into())),
        pg_sys::INT4OID => Some((i32::MIN.into(), i32::MAX.into())),
        pg_sys::INT8OID => Some((i64::MIN.into(), i64::MAX.into())),
        pg_sys::NUMERICOID => {
            let digits = numeric_precision(typmod)? - numeric_scale(typmod)?;
            // 10^digits - 1; beyond 19 digits every bigint fits.
            (digits <= 19).then(|| {
                let limit = 10_i128.pow(digits.max(0) as u32) - 1;
                (-limit, limit)
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numeric(p, s)'s typmod as PostgreSQL 15 encodes it.
    fn typmod(precision: i32, scale: i32) -> i32 {
        ((precision << 16) | (scale & 0x7ff)) + VARHDRSZ
    }

    #[test]
    fn numeric_typmods() {
        assert_eq!(numeric_scale(-1), None);
        assert_eq!(numeric_scale(typmod(10, 2)), Some(2));
        assert_eq!(numeric_scale(typmod(10, -2)), Some(-2));
        assert!(rounds_whole_numbers(pg_sys::NUMERICOID, typmod(10, -2)));
        assert!(!rounds_whole_numbers(pg_sys::NUMERICOID, typmod(10, 2)));
        assert!(!rounds_whole_numbers(pg_sys::INT4OID, -1));
        assert_eq!(
            whole_number_range(pg_sys::NUMERICOID, typmod(5, 2)),
            Some((-999, 999))
        );
        assert_eq!(whole_number_range(pg_sys::NUMERICOID, -1), None);
        assert_eq!(whole_number_range(pg_sys::NUMERICOID, typmod(30, 0)), None);
        assert_eq!(
            whole_number_range(pg_sys::INT4OID, -1),
            Some((-2147483648, 2147483647))
        );
    }
}
