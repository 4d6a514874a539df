//! pg_seqsync: move sequences past the data that uses them, correctly in every case.
//!
//! Layers (docs/architecture.md walks through them): `api` (the SQL surface) → `resync` (the
//! engine: discovery, the bound, the plan, applying it) → `pg` (thin guards over PostgreSQL
//! internals). `auto` (trigger, DDL handler, COPY hook) feeds the engine from writes.

// ErrorReport (pgrx's error carrying SQLSTATE, detail and hint) is what every fallible path
// returns; it is large, but errors end the statement, so the size never sits on a hot path.
#![allow(clippy::result_large_err)]
// Every unsafe operation sits in its own block with a SAFETY note, inside unsafe fns too.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use pgrx::prelude::*;

mod api;
mod auto;
mod error;
mod pg;
mod resync;
mod settings;

::pgrx::pg_module_magic!(name, version);

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::define();
    // The COPY hook acts only where the administrator loaded it for every session.
    // SAFETY: reads a flag PostgreSQL sets while it loads shared_preload_libraries.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        auto::copy_hook::install();
        auto::insert_hook::install();
    }
    auto::register_invalidation_callback();
}

#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
