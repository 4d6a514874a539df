//! Is a column default a plain `nextval('seq')`, or is the sequence wrapped in an expression?
//!
//! Only a plain call (possibly behind the casts PostgreSQL adds to reach the column's type) puts
//! the sequence's own values in the column, so only then does the column's MAX bound the
//! sequence. We walk the stored expression tree (`pg_attrdef.adbin`) instead of matching deparsed
//! text, which depends on search_path and quoting.

use pgrx::list::PgList;
use pgrx::{is_a, pg_sys};
use std::ffi::CString;

/// `nextval(regclass)`: OID 1574 in every PostgreSQL release (its fmgroids.h name changed in 14).
const NEXTVAL_REGCLASS: u32 = 1574;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultUse {
    /// `nextval('seq')`, at most cast to the column's type: the column holds the sequence's values.
    Plain,
    /// The sequence feeds a larger expression (`'INV-' || nextval(...)`, `nextval(...) * 2`, ...).
    Wrapped,
}

/// Classifies how the default expression `adbin` (nodeToString form) uses `sequence`.
pub fn classify(adbin: &str, sequence: pg_sys::Oid) -> DefaultUse {
    let Ok(text) = CString::new(adbin) else {
        return DefaultUse::Wrapped;
    };
    // SAFETY: adbin comes straight from pg_attrdef, so stringToNode can parse it; the tree is
    // palloc'd in the current memory context and only read here.
    unsafe {
        let mut node = pg_sys::stringToNode(text.as_ptr()).cast::<pg_sys::Node>();
        while !node.is_null() {
            if is_a(node, pg_sys::NodeTag::T_RelabelType) {
                node = (*node.cast::<pg_sys::RelabelType>()).arg.cast();
            } else if is_a(node, pg_sys::NodeTag::T_CoerceToDomain) {
                node = (*node.cast::<pg_sys::CoerceToDomain>()).arg.cast();
            } else if is_a(node, pg_sys::NodeTag::T_FuncExpr) {
                let call = node.cast::<pg_sys::FuncExpr>();
                let args = PgList::<pg_sys::Node>::from_pg((*call).args);
                if (*call).funcid == pg_sys::Oid::from(NEXTVAL_REGCLASS) {
                    return match args.get_ptr(0) {
                        Some(arg) if args.len() == 1 && is_regclass_const(arg, sequence) => {
                            DefaultUse::Plain
                        }
                        _ => DefaultUse::Wrapped,
                    };
                }
                if !is_builtin_cast(call, &args) {
                    return DefaultUse::Wrapped;
                }
                node = args.get_ptr(0).unwrap_or(std::ptr::null_mut());
            } else {
                return DefaultUse::Wrapped;
            }
        }
    }
    DefaultUse::Wrapped
}

/// A cast written by PostgreSQL (or as `::type`) through one of its own cast functions. A
/// length coercion such as `numeric(value, typmod)` carries constants after the value.
unsafe fn is_builtin_cast(call: *const pg_sys::FuncExpr, args: &PgList<pg_sys::Node>) -> bool {
    let form = (*call).funcformat;
    let is_cast = form == pg_sys::CoercionForm::COERCE_IMPLICIT_CAST
        || form == pg_sys::CoercionForm::COERCE_EXPLICIT_CAST;
    let extra_args_are_constants = (1..args.len()).all(|i| {
        args.get_ptr(i)
            .is_some_and(|a| is_a(a, pg_sys::NodeTag::T_Const))
    });
    is_cast
        && !args.is_empty()
        && extra_args_are_constants
        && u32::from((*call).funcid) < pg_sys::FirstNormalObjectId
}

unsafe fn is_regclass_const(node: *mut pg_sys::Node, sequence: pg_sys::Oid) -> bool {
    if !is_a(node, pg_sys::NodeTag::T_Const) {
        return false;
    }
    let constant = node.cast::<pg_sys::Const>();
    (*constant).consttype == pg_sys::REGCLASSOID
        && !(*constant).constisnull
        && pg_sys::Oid::from((*constant).constvalue.value() as u32) == sequence
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::{classify, DefaultUse};
    use pgrx::prelude::*;

    /// The sequences and domain the defaults below refer to (each test is its own transaction).
    fn fixture() {
        Spi::run("CREATE SEQUENCE s; CREATE SEQUENCE other").unwrap();
        Spi::run("CREATE DOMAIN positive_id AS bigint CHECK (VALUE > 0)").unwrap();
    }

    /// Creates a table whose column `c` has `default`, and classifies the stored default
    /// against sequence `s`.
    fn classify_default(column_type: &str, default: &str) -> DefaultUse {
        Spi::run("DROP TABLE IF EXISTS t").unwrap();
        Spi::run(&format!(
            "CREATE TABLE t (c {column_type} DEFAULT {default})"
        ))
        .unwrap();
        let adbin = Spi::get_one::<String>(
            "SELECT adbin::text FROM pg_attrdef WHERE adrelid = 't'::regclass",
        )
        .unwrap()
        .unwrap();
        let sequence = Spi::get_one::<pg_sys::Oid>("SELECT 's'::regclass::oid")
            .unwrap()
            .unwrap();
        classify(&adbin, sequence)
    }

    #[pg_test]
    fn plain_nextval_and_the_casts_postgres_adds_are_plain() {
        fixture();
        assert_eq!(
            classify_default("bigint", "nextval('s')"),
            DefaultUse::Plain
        );
        assert_eq!(
            classify_default("integer", "nextval('s')"),
            DefaultUse::Plain
        );
        assert_eq!(
            classify_default("smallint", "nextval('s')"),
            DefaultUse::Plain
        );
        assert_eq!(
            classify_default("numeric(12,2)", "nextval('s')"),
            DefaultUse::Plain
        );
        assert_eq!(
            classify_default("integer", "nextval('s')::integer"),
            DefaultUse::Plain
        );
        assert_eq!(
            classify_default("positive_id", "nextval('s')"),
            DefaultUse::Plain
        );
    }

    #[pg_test]
    fn expressions_around_nextval_are_wrapped() {
        fixture();
        assert_eq!(
            classify_default("bigint", "nextval('s') * 2"),
            DefaultUse::Wrapped
        );
        assert_eq!(
            classify_default("bigint", "nextval('s') + 0"),
            DefaultUse::Wrapped
        );
        assert_eq!(
            classify_default("text", "'INV-' || nextval('s')"),
            DefaultUse::Wrapped
        );
        assert_eq!(
            classify_default("text", "nextval('s')"),
            DefaultUse::Wrapped
        );
        assert_eq!(
            classify_default("bigint", "COALESCE(nextval('s'), 0)"),
            DefaultUse::Wrapped
        );
        assert_eq!(
            classify_default("bigint", "abs(nextval('s'))"),
            DefaultUse::Wrapped
        );
    }

    #[pg_test]
    fn nextval_of_another_sequence_does_not_count() {
        fixture();
        assert_eq!(
            classify_default("bigint", "nextval('other')"),
            DefaultUse::Wrapped
        );
    }

    #[pg_test]
    fn a_user_function_around_nextval_is_wrapped() {
        fixture();
        Spi::run("CREATE FUNCTION my_id(bigint) RETURNS bigint LANGUAGE sql AS 'SELECT $1 * 10'")
            .unwrap();
        assert_eq!(
            classify_default("bigint", "my_id(nextval('s'))"),
            DefaultUse::Wrapped
        );
    }
}
