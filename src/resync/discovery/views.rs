//! Which base-table column a view's column writes to, when the view is simply updatable.
//!
//! An INSERT into such a view fills the view column's default and stores it in one column of
//! the view's single base relation, so that column holds the sequence's values. The view's
//! query is read from its stored rule (`pg_rewrite`) and inspected, never planned or run. The
//! view's owner must be able to both read and insert into that column: without INSERT no row
//! can get there through the view, and without SELECT the resync would tell the owner (through
//! its own sequence) how far data it may not read goes. For the same reason nothing between the
//! view and the table may hide rows from the view's owner: a view further down that filters
//! (a WHERE, or `security_barrier`), or row-level security on the table that applies to the
//! owner of the view reading it. Its own WHERE hides nothing from its owner, who may read the
//! column below it.

use crate::pg::catalog_lookup::{self, ColumnRows};
use pgrx::list::PgList;
use pgrx::prelude::*;
use std::ffi::CStr;

/// Views on views are followed this deep.
const MAX_DEPTH: usize = 8;

/// The base-table column a view column's values are stored in.
pub struct BaseColumn {
    pub relation: pg_sys::Oid,
    pub attnum: i16,
    /// The view and every view below it, down to the table.
    pub through: Vec<pg_sys::Oid>,
}

/// The base table column `attnum` of `view` is stored in, or why there is none. Read from the
/// system caches: the rule's stored query and each relation's row, no SQL.
pub fn base_column(view: pg_sys::Oid, attnum: i16) -> Result<BaseColumn, String> {
    let (mut relation, mut column) = (view, attnum);
    let mut through = Vec::new();
    let mut names = ColumnRows::default();
    for depth in 0..MAX_DEPTH {
        through.push(relation);
        let (Some(action), Some(owner)) = (
            catalog_lookup::view_query_text(relation),
            names.class(relation).map(|class| class.owner),
        ) else {
            return Err("a view without a query".into());
        };
        let Some(WrittenColumn {
            relation: base,
            attnum: base_column,
            relkind: kind,
            filters,
        }) = written_column(&action, column)
        else {
            return Err("a view that is not simply updatable".into());
        };
        if depth > 0 {
            let barrier = catalog_lookup::is_security_barrier(relation);
            if barrier || filters {
                let name = names
                    .table_sql(relation)
                    .unwrap_or_else(|| u32::from(relation).to_string());
                return Err(format!(
                    "it reads through {name}, a view that hides rows{}, so rows its owner may not \
                     see would bound the sequence",
                    if barrier {
                        " (security_barrier)"
                    } else {
                        " (WHERE)"
                    }
                ));
            }
        }
        if !catalog_lookup::role_may_read_and_insert(owner, base, base_column) {
            return Err(
                "a view whose owner may not both read and insert into the column it writes to"
                    .into(),
            );
        }
        if kind != pg_sys::RELKIND_VIEW {
            // SAFETY: check_enable_rls reads the catalog; with noError it does not raise.
            let rls = unsafe { pg_sys::check_enable_rls(base, owner, true) };
            if rls == pg_sys::CheckEnableRlsResult::RLS_ENABLED as i32 {
                return Err(format!(
                    "row-level security on {} applies to the owner of {}, so rows it may \
                     not see would bound the sequence",
                    names
                        .table_sql(base)
                        .unwrap_or_else(|| u32::from(base).to_string()),
                    names
                        .table_sql(relation)
                        .unwrap_or_else(|| u32::from(relation).to_string()),
                ));
            }
            return Ok(BaseColumn {
                relation: base,
                attnum: base_column,
                through,
            });
        }
        (relation, column) = (base, base_column);
    }
    Err("views nested too deep".into())
}

/// Where a view column writes to, and whether the view's query filters rows.
struct WrittenColumn {
    relation: pg_sys::Oid,
    attnum: i16,
    relkind: u8,
    filters: bool,
}

/// For a view's stored query (`ev_action`), the base relation, column and relkind that view
/// column `attnum` writes to, if the query is a simple one-relation SELECT of plain columns.
fn written_column(text: &CStr, attnum: i16) -> Option<WrittenColumn> {
    // SAFETY: ev_action is a nodeToString list of Query nodes from the catalog; stringToNode
    // parses it into palloc'd nodes that are only read here, each checked by tag before use.
    unsafe {
        let actions = PgList::<pg_sys::Node>::from_pg(pg_sys::stringToNode(text.as_ptr()).cast());
        if actions.len() != 1 {
            return None;
        }
        let node = actions.get_ptr(0)?;
        if !pgrx::is_a(node, pg_sys::NodeTag::T_Query) {
            return None;
        }
        let query = &*node.cast::<pg_sys::Query>();
        let simple = !query.hasAggs
            && !query.hasWindowFuncs
            && !query.hasTargetSRFs
            && query.cteList.is_null()
            && query.distinctClause.is_null()
            && query.groupClause.is_null()
            && query.groupingSets.is_null()
            && query.havingQual.is_null()
            && query.limitCount.is_null()
            && query.limitOffset.is_null()
            && query.setOperations.is_null()
            && !query.jointree.is_null();
        if !simple {
            return None;
        }
        let from = PgList::<pg_sys::Node>::from_pg((*query.jointree).fromlist);
        let only = from.get_ptr(0)?;
        if from.len() != 1 || !pgrx::is_a(only, pg_sys::NodeTag::T_RangeTblRef) {
            return None;
        }
        let rtindex = (*only.cast::<pg_sys::RangeTblRef>()).rtindex;
        let rtable = PgList::<pg_sys::RangeTblEntry>::from_pg(query.rtable);
        let rte = &*rtable.get_ptr(usize::try_from(rtindex).ok()?.checked_sub(1)?)?;
        if rte.rtekind != pg_sys::RTEKind::RTE_RELATION {
            return None;
        }
        let targets = PgList::<pg_sys::TargetEntry>::from_pg(query.targetList);
        let entry = targets
            .iter_ptr()
            .map(|t| &*t)
            .find(|t| t.resno == attnum && !t.resjunk)?;
        let expr = entry.expr.cast::<pg_sys::Node>();
        if expr.is_null() || !pgrx::is_a(expr, pg_sys::NodeTag::T_Var) {
            return None;
        }
        let var = &*expr.cast::<pg_sys::Var>();
        let same_relation = var.varlevelsup == 0 && i64::from(var.varno) == i64::from(rtindex);
        (same_relation && var.varattno > 0).then(|| WrittenColumn {
            relation: rte.relid,
            attnum: var.varattno,
            relkind: rte.relkind as u8,
            filters: !(*query.jointree).quals.is_null(),
        })
    }
}
