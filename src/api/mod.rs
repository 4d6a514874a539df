//! The SQL surface: every `#[pg_extern]`, its argument checks, and the SQL wrappers that give
//! the documented signatures (`sql/*.sql`, loaded with `extension_sql_file!`).

pub mod auto_resync;
pub mod batches;
pub mod health;
pub mod resync;
