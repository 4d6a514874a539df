//! Resolving `resync_sequence(target, column_name)` to the sequences it means.
//!
//! A sequence stands for itself. A table stands for the sequences behind its columns (or the
//! named column), including those its parents' columns draw from: a row routed into a
//! partition gets the parent's default, and on PostgreSQL 15 and older an identity column of a
//! partitioned table lives only on the parent.

use crate::error;
use crate::pg::encoding::ServerText;
use crate::resync::catalog::{self, Scope, Sequence};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;

/// The sequences `target` (and `column_name`) stand for, with their consumers: the catalog is
/// read once for the whole call.
pub fn resolve(
    client: &SpiClient<'_>,
    target: pg_sys::Oid,
    column_name: Option<&str>,
) -> Result<Vec<Sequence>, ErrorReport> {
    let (kind, name, other_sessions_temp) = describe(client, target)?;
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
                if !has_column(client, target, column)? {
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
    let sequences = catalog::load(client, &scope).map_err(error::catalog_query_failed)?;
    match (sequences.is_empty(), kind, column_name) {
        (true, 'r' | 'p', Some(column)) => Err(error::column_without_sequence(&name, column)),
        (true, 'r' | 'p', None) => Err(error::table_without_sequence(&name)),
        _ => Ok(sequences),
    }
}

/// The relation's kind (`pg_class.relkind`), its qualified name, and whether it is another
/// session's temporary relation.
pub fn describe(
    client: &SpiClient<'_>,
    target: pg_sys::Oid,
) -> Result<(char, String, bool), ErrorReport> {
    let row = client
        .select(
            "SELECT c.relkind::pg_catalog.text, pg_catalog.format('%I.%I', n.nspname, c.relname),
                    pg_catalog.pg_is_other_temp_schema(c.relnamespace)
               FROM pg_catalog.pg_class AS c
               JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
              WHERE c.oid OPERATOR(pg_catalog.=) $1",
            Some(1),
            &[target.into()],
        )
        .map_err(error::catalog_query_failed)?;
    if row.is_empty() {
        return Err(error::undefined_relation(u32::from(target)));
    }
    let row = row.first();
    let kind: String = row
        .get(1)
        .map_err(error::catalog_query_failed)?
        .unwrap_or_default();
    let ServerText(name) = row
        .get(2)
        .map_err(error::catalog_query_failed)?
        .unwrap_or_default();
    let other_sessions_temp: bool = row
        .get(3)
        .map_err(error::catalog_query_failed)?
        .unwrap_or(false);
    Ok((
        kind.chars().next().unwrap_or('?'),
        name,
        other_sessions_temp,
    ))
}

fn has_column(
    client: &SpiClient<'_>,
    relation: pg_sys::Oid,
    column: &str,
) -> Result<bool, ErrorReport> {
    let found = client
        .select(
            "SELECT 1 FROM pg_catalog.pg_attribute
              WHERE attrelid OPERATOR(pg_catalog.=) $1
                AND attname OPERATOR(pg_catalog.=) $2::pg_catalog.name
                AND attnum OPERATOR(pg_catalog.>) 0 AND NOT attisdropped",
            Some(1),
            &[relation.into(), ServerText(column.to_owned()).into()],
        )
        .map_err(error::catalog_query_failed)?;
    Ok(!found.is_empty())
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
