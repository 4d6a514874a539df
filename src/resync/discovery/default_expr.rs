//! How does a column default use a sequence it refers to?
//!
//! Only a plain `nextval('seq')` (possibly behind the casts PostgreSQL adds to reach the
//! column's type) puts the sequence's own values in the column, so only then does the column's
//! MAX bound the sequence. A default that merely names the sequence (`currval`, a regclass
//! constant) draws nothing from it. We walk the stored expression tree (`pg_attrdef.adbin`)
//! instead of matching deparsed text, which depends on search_path and quoting.

use pgrx::list::PgList;
use pgrx::{is_a, pg_sys};
use std::ffi::CStr;

/// `nextval(regclass)`: OID 1574 in every PostgreSQL release (its fmgroids.h name changed in 14).
const NEXTVAL_REGCLASS: u32 = 1574;
/// `numeric(numeric, integer)`, the length coercion to a numeric typmod.
const NUMERIC_LENGTH_COERCION: u32 = 1703;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultUse {
    /// `nextval('seq')`, at most cast to the column's type: the column holds the sequence's values.
    Plain,
    /// The sequence feeds a larger expression (`'INV-' || nextval(...)`, `nextval(...) * 2`, ...).
    Wrapped,
    /// A cast on the way rounds what nextval() returns (`numeric(10,-2)`).
    Rounded,
    /// The default names the sequence without calling nextval() on it (`currval`, a regclass
    /// constant): the column draws nothing from it.
    NotDrawing,
    /// The default's expression nests deeper than `MAX_NESTING`: it is not parsed (PostgreSQL's
    /// own reader recurses once per level), so how it uses the sequence is not known.
    TooDeep,
}

/// How deep a default's expression may nest for it to be read. A plain `nextval()` behind
/// PostgreSQL's casts is a handful of levels; anything far deeper is no plain default.
pub const MAX_NESTING: usize = 64;

/// The deepest nesting of nodes in `adbin` (nodeToString form, where each node is `{...}` and
/// a brace inside a name is escaped with a backslash), counted without parsing it.
fn nesting(adbin: &CStr) -> usize {
    let (mut depth, mut deepest, mut escaped) = (0usize, 0usize, false);
    for &byte in adbin.to_bytes() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Classifies how the default expression `adbin` (nodeToString form) uses `sequence`.
pub fn classify(adbin: &CStr, sequence: pg_sys::Oid) -> DefaultUse {
    if nesting(adbin) > MAX_NESTING {
        return DefaultUse::TooDeep;
    }
    // SAFETY: adbin comes straight from pg_attrdef, so stringToNode can parse it; the tree is
    // palloc'd in the current memory context and only read here.
    unsafe {
        let tree = pg_sys::stringToNode(adbin.as_ptr()).cast::<pg_sys::Node>();
        match spine(tree, sequence) {
            Some(found) => found,
            None if calls_nextval_on(tree, sequence) => DefaultUse::Wrapped,
            None => DefaultUse::NotDrawing,
        }
    }
}

/// Follows the chain of casts from the top of the default down to a nextval() call on
/// `sequence`: `Some` if the chain ends there, `None` if it ends anywhere else.
unsafe fn spine(mut node: *mut pg_sys::Node, sequence: pg_sys::Oid) -> Option<DefaultUse> {
    let mut rounded = false;
    // SAFETY: every node is a valid node of the parsed tree; casts match the tags tested.
    unsafe {
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
                            Some(if rounded {
                                DefaultUse::Rounded
                            } else {
                                DefaultUse::Plain
                            })
                        }
                        _ => None,
                    };
                }
                if !is_exact_cast(call, &args) {
                    return None;
                }
                rounded |= rounds_to_typmod(call, &args);
                node = args.get_ptr(0).unwrap_or(std::ptr::null_mut());
            } else {
                return None;
            }
        }
    }
    None
}

/// A cast written by PostgreSQL (or as `::type`) through one of its own cast functions to an
/// integer or numeric type: it keeps a whole number whole or fails, unless a numeric typmod
/// with a negative scale rounds it (see `rounds_to_typmod`). A length coercion such as
/// `numeric(value, typmod)` carries constants after the value.
unsafe fn is_exact_cast(call: *const pg_sys::FuncExpr, args: &PgList<pg_sys::Node>) -> bool {
    // SAFETY: `call` is a FuncExpr of the parsed tree.
    let (form, result_type, funcid) =
        unsafe { ((*call).funcformat, (*call).funcresulttype, (*call).funcid) };
    let is_cast = form == pg_sys::CoercionForm::COERCE_IMPLICIT_CAST
        || form == pg_sys::CoercionForm::COERCE_EXPLICIT_CAST;
    let extra_args_are_constants = (1..args.len()).all(|i| {
        args.get_ptr(i)
            // SAFETY: list elements of a parsed tree are nodes; is_a reads only the tag.
            .is_some_and(|a| unsafe { is_a(a, pg_sys::NodeTag::T_Const) })
    });
    let whole_number_type = [
        pg_sys::INT2OID,
        pg_sys::INT4OID,
        pg_sys::INT8OID,
        pg_sys::NUMERICOID,
    ]
    .contains(&result_type);
    is_cast
        && whole_number_type
        && !args.is_empty()
        && extra_args_are_constants
        && u32::from(funcid) < pg_sys::FirstNormalObjectId
}

/// `numeric(value, typmod)` with a typmod whose scale is negative (PostgreSQL 15 and later):
/// it rounds to a multiple of a power of ten.
unsafe fn rounds_to_typmod(call: *const pg_sys::FuncExpr, args: &PgList<pg_sys::Node>) -> bool {
    // SAFETY: `call` is a FuncExpr; its second argument, when present, is a Const (checked by
    // is_exact_cast) of type integer for numeric's length coercion.
    unsafe {
        if (*call).funcid != pg_sys::Oid::from(NUMERIC_LENGTH_COERCION) {
            return false;
        }
        match args.get_ptr(1) {
            Some(typmod) => {
                let constant = typmod.cast::<pg_sys::Const>();
                !(*constant).constisnull
                    && crate::resync::column_type::numeric_scale(
                        (*constant).constvalue.value() as i32
                    )
                    .is_some_and(|scale| scale < 0)
            }
            None => false,
        }
    }
}

unsafe fn is_regclass_const(node: *mut pg_sys::Node, sequence: pg_sys::Oid) -> bool {
    // SAFETY: `node` is a node of the parsed tree; it is read as a Const only if it is one.
    unsafe {
        if !is_a(node, pg_sys::NodeTag::T_Const) {
            return false;
        }
        let constant = node.cast::<pg_sys::Const>();
        (*constant).consttype == pg_sys::REGCLASSOID
            && !(*constant).constisnull
            && pg_sys::Oid::from((*constant).constvalue.value() as u32) == sequence
    }
}

/// Whether a nextval() call on `sequence` appears anywhere in the tree.
unsafe fn calls_nextval_on(tree: *mut pg_sys::Node, sequence: pg_sys::Oid) -> bool {
    let mut target = sequence;
    // SAFETY: PostgreSQL's own walker over a parsed expression; the context is our OID.
    unsafe { finds_nextval(tree, (&raw mut target).cast::<std::ffi::c_void>()) }
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn finds_nextval(
    node: *mut pg_sys::Node,
    context: *mut std::ffi::c_void,
) -> bool {
    if node.is_null() {
        return false;
    }
    // SAFETY: `context` is the OID passed by calls_nextval_on; nodes come from the walker.
    unsafe {
        let sequence = *context.cast::<pg_sys::Oid>();
        if is_a(node, pg_sys::NodeTag::T_FuncExpr) {
            let call = node.cast::<pg_sys::FuncExpr>();
            let args = PgList::<pg_sys::Node>::from_pg((*call).args);
            if (*call).funcid == pg_sys::Oid::from(NEXTVAL_REGCLASS)
                && args.get_ptr(0).is_none_or(|arg| {
                    !is_a(arg, pg_sys::NodeTag::T_Const) || is_regclass_const(arg, sequence)
                })
            {
                return true; // nextval() on this sequence, or on a computed regclass
            }
        }
        pg_sys::expression_tree_walker(node, Some(finds_nextval), context)
    }
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
        classify(&std::ffi::CString::new(adbin).unwrap(), sequence)
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
    fn naming_the_sequence_without_nextval_draws_nothing() {
        fixture();
        assert_eq!(
            classify_default("bigint", "currval('s')"),
            DefaultUse::NotDrawing
        );
        assert_eq!(
            classify_default("bigint", "('s'::regclass)::oid::bigint"),
            DefaultUse::NotDrawing
        );
    }

    #[pg_test]
    fn casts_that_round_or_lose_precision_are_not_plain() {
        fixture();
        assert_eq!(
            classify_default("bigint", "nextval('s')::float4::bigint"),
            DefaultUse::Wrapped
        );
        if Spi::get_one::<i32>("SELECT current_setting('server_version_num')::int")
            .unwrap()
            .unwrap()
            >= 150000
        {
            assert_eq!(
                classify_default("bigint", "nextval('s')::numeric(20,-2)::bigint"),
                DefaultUse::Rounded
            );
        }
    }

    #[pg_test]
    fn nextval_of_another_sequence_does_not_count() {
        fixture();
        assert_eq!(
            classify_default("bigint", "nextval('other')"),
            DefaultUse::NotDrawing
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

#[cfg(test)]
mod nesting_tests {
    use super::nesting;

    #[test]
    fn counts_node_depth_and_skips_escaped_braces() {
        let depth = |text: &str| nesting(&std::ffi::CString::new(text).unwrap());
        assert_eq!(depth(""), 0);
        assert_eq!(depth("{FUNCEXPR :args ({CONST} {VAR})}"), 2);
        assert_eq!(depth("{A {B {C {D}}} {E}}"), 4);
        assert_eq!(depth(r"{CONST :name a\{b\}c}"), 1);
        let deep = format!("{}{}", "{OPEXPR ".repeat(1500), "}".repeat(1500));
        assert_eq!(depth(&deep), 1500);
    }
}
