//! The SQL surface: every `#[pg_extern]`, its argument checks, and the SQL wrappers that give
//! the documented signatures (`sql/*.sql`, loaded with `extension_sql_file!`).

pub mod auto_resync;
pub mod batches;
pub mod health;
pub mod resync;

use crate::error;
use crate::pg::encoding::ServerText;
use crate::resync::apply::Waiting;
use crate::resync::engine::{Mode, Request};
use crate::resync::plan::Options;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The schema of the functions behind the SQL surface (`sql/internal_schema.sql` says why).
#[pg_schema]
mod seqsync_internal {}

extension_sql_file!(
    "../../sql/internal_schema.sql",
    name = "internal_schema",
    requires = [seqsync_internal]
);

/// The names in a `name[]`/`text[]` argument (NULL elements left out).
pub fn names(names: Vec<Option<ServerText>>) -> Vec<String> {
    names.into_iter().flatten().map(|name| name.0).collect()
}

/// A request from the SQL functions' arguments: none may be NULL, `margin` not negative.
pub fn request(
    dry_run: Option<bool>,
    allow_backward: Option<bool>,
    margin: Option<i64>,
    mode: Mode,
) -> Result<Request, ErrorReport> {
    let dry_run = dry_run.ok_or_else(|| error::null_argument("dry_run"))?;
    let allow_backward = allow_backward.ok_or_else(|| error::null_argument("allow_backward"))?;
    let margin = margin.ok_or_else(|| error::null_argument("margin"))?;
    if margin < 0 {
        return Err(error::negative_margin(margin));
    }
    Ok(Request {
        dry_run,
        options: Options {
            allow_backward,
            margin,
        },
        mode,
        waiting: Waiting::Bounded,
    })
}
