//! Resolving `resync_sequence(target, column_name)` to the sequences it means.
//!
//! A sequence stands for itself. A table stands for the sequences behind its columns (or the
//! named column), including those its parents' columns draw from: a row routed into a
//! partition gets the parent's default, and on PostgreSQL 15 and older an identity column of a
//! partitioned table lives only on the parent.

use crate::error;
use crate::pg::catalog_lookup::{self, ColumnRows};
use crate::pg::encoding;
use crate::resync::discovery::{self, Scope, Sequence};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use std::ffi::CString;

/// The sequences `target` (and `column_name`) stand for, with their consumers: the catalog is
/// read once for the whole call.
pub fn resolve(
    target: pg_sys::Oid,
    column_name: Option<&str>,
) -> Result<Vec<Sequence>, ErrorReport> {
    let (kind, name, other_sessions_temp) = describe(target)?;
    if other_sessions_temp {
        return Err(error::other_sessions_temp(&name));
    }
    let scope = match kind {
        'S' => match column_name {
            Some(_) => return Err(error::column_with_sequence_target(&name)),
            None => Scope::Sequences(std::slice::from_ref(&target)),
        },
        'r' | 'p' => {
            if let Some(column) = column_name {
                if !has_column(target, column) {
                    return Err(error::undefined_column(&name, column));
                }
            }
            Scope::Table {
                relation: target,
                column: column_name,
            }
        }
        other => return Err(error::wrong_object_type(&name, kind_name(other))),
    };
    let sequences = discovery::load(&scope);
    match (sequences.is_empty(), kind, column_name) {
        (true, 'r' | 'p', Some(column)) => Err(error::column_without_sequence(&name, column)),
        (true, 'r' | 'p', None) => Err(error::table_without_sequence(&name)),
        _ => Ok(sequences),
    }
}

/// The relation's kind (`pg_class.relkind`), its qualified name, and whether it is another
/// session's temporary relation, read from the system caches: no query, so no planner hook
/// (Citus hides tables named like its shards from queries on `pg_class`) changes the answer.
pub fn describe(target: pg_sys::Oid) -> Result<(char, String, bool), ErrorReport> {
    let mut rows = ColumnRows::default();
    let Some(class) = rows.class(target) else {
        return Err(error::undefined_relation(u32::from(target)));
    };
    let (kind, namespace) = (char::from(class.kind), class.namespace);
    let Some(name) = rows.table_sql(target) else {
        return Err(error::undefined_relation(u32::from(target)));
    };
    Ok((
        kind,
        name,
        catalog_lookup::is_other_temp_namespace(namespace),
    ))
}

/// Whether `relation` has a column named `column` that is not dropped (a system column is not
/// one).
fn has_column(relation: pg_sys::Oid, column: &str) -> bool {
    let Ok(name) = CString::new(encoding::to_server(column)) else {
        return false;
    };
    catalog_lookup::attnum_by_name(relation, &name).is_some_and(|attnum| attnum > 0)
}

pub fn kind_name(relkind: char) -> &'static str {
    match relkind {
        'v' => "a view",
        'm' => "a materialized view",
        'i' | 'I' => "an index",
        'f' => "a foreign table",
        't' => "a TOAST table",
        'c' => "a composite type",
        'S' => "a sequence",
        _ => "not a table",
    }
}
