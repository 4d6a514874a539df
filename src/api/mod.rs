//! The SQL surface: every `#[pg_extern]` that is not part of automatic resync, its argument
//! checks, and the SQL wrappers that give the documented signatures.

pub mod batches;
pub mod health;
pub mod resync;
