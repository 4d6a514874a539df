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

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::prelude::*;

mod api;
mod auto;
mod error;
mod pg;
mod resync;

::pgrx::pg_module_magic!(name, version);

/// How long a resync waits for a sequence that other transactions are using (milliseconds).
pub static LOCK_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(1000);

/// How long an automatic resync (trigger, COPY hook, DDL hook) waits for a lock. Superuser-only:
/// those paths run as the table's owner inside other roles' writes, and a writer must not
/// choose how long the owner's sequence and tables are queued for.
pub static AUTOMATIC_LOCK_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(1000);

thread_local! {
    /// Set while an automatic resync runs: the wait it may make instead of `LOCK_TIMEOUT`.
    static AUTOMATIC_WAIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The longest this backend's current resync may wait for a lock or a writer (milliseconds):
/// `pg_seqsync.automatic_lock_timeout` inside an automatic resync, else `pg_seqsync.lock_timeout`.
pub fn lock_timeout_ms() -> i32 {
    if AUTOMATIC_WAIT.get() {
        AUTOMATIC_LOCK_TIMEOUT.get()
    } else {
        LOCK_TIMEOUT.get()
    }
}

/// The setting that bounds the current resync's waits, for messages.
pub fn lock_timeout_setting() -> &'static str {
    if AUTOMATIC_WAIT.get() {
        "pg_seqsync.automatic_lock_timeout"
    } else {
        "pg_seqsync.lock_timeout"
    }
}

/// Runs `work` as an automatic resync: its waits are bounded by the superuser's
/// `pg_seqsync.automatic_lock_timeout`, whatever the writing session set.
pub fn with_automatic_waits<R>(work: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            AUTOMATIC_WAIT.set(self.0);
        }
    }
    let _restore = Restore(AUTOMATIC_WAIT.replace(true));
    work()
}

/// With the library in shared_preload_libraries: resync a table's sequences after every COPY
/// FROM into it. Superuser-only (`ALTER DATABASE/ROLE ... SET` by a superuser): it moves
/// sequences as their tables' owners, which a loader must not switch on for them.
pub static RESYNC_AFTER_COPY: GucSetting<bool> = GucSetting::<bool>::new(false);

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    GucRegistry::define_int_guc(
        c"pg_seqsync.lock_timeout",
        c"How long a resync waits for a sequence in use by other transactions.",
        c"A sequence still locked after this long is reported as skipped (lock not available). 0 means do not wait at all.",
        &LOCK_TIMEOUT,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_MS,
    );
    GucRegistry::define_int_guc(
        c"pg_seqsync.automatic_lock_timeout",
        c"How long an automatic resync (trigger, COPY hook, DDL hook) waits for a lock.",
        c"Only superusers can change it: automatic resync runs as the table's owner inside other roles' writes. 0 means do not wait at all.",
        &AUTOMATIC_LOCK_TIMEOUT,
        0,
        i32::MAX,
        GucContext::Suset,
        GucFlags::UNIT_MS,
    );
    GucRegistry::define_bool_guc(
        c"pg_seqsync.resync_after_copy",
        c"Resync a table's sequences after every COPY FROM into it.",
        c"Needs the library in shared_preload_libraries; no trigger is involved and plain INSERTs cost nothing. Only superusers can change it.",
        &RESYNC_AFTER_COPY,
        GucContext::Suset,
        GucFlags::default(),
    );
    // The COPY hook acts only where the administrator loaded it for every session.
    // SAFETY: reads a flag PostgreSQL sets while it loads shared_preload_libraries.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        auto::copy_hook::install();
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
