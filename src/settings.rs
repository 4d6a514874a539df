//! The extension's settings (`pg_seqsync.*`) and the wait limit they make for the current
//! resync. Only this module reads them; the PostgreSQL layer is handed the limit.

use crate::pg::relation::WaitLimit;
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};

/// How long a resync waits for a sequence that other transactions are using (milliseconds).
static LOCK_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(1000);

/// How long an automatic resync (trigger, COPY hook, DDL hook) waits for a lock. Superuser-only:
/// those paths run as the table's owner inside other roles' writes, and a writer must not
/// choose how long the owner's sequence and tables are queued for.
static AUTOMATIC_LOCK_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(1000);

thread_local! {
    /// Set while an automatic resync runs: the wait it may make instead of `LOCK_TIMEOUT`.
    static AUTOMATIC_WAIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The longest this backend's current resync may wait for a lock or a writer, and the setting
/// that says so: `pg_seqsync.automatic_lock_timeout` inside an automatic resync, else
/// `pg_seqsync.lock_timeout`.
pub fn wait_limit() -> WaitLimit {
    if AUTOMATIC_WAIT.get() {
        WaitLimit {
            ms: AUTOMATIC_LOCK_TIMEOUT.get(),
            setting: "pg_seqsync.automatic_lock_timeout",
        }
    } else {
        WaitLimit {
            ms: LOCK_TIMEOUT.get(),
            setting: "pg_seqsync.lock_timeout",
        }
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
static RESYNC_AFTER_COPY: GucSetting<bool> = GucSetting::<bool>::new(false);

/// Whether the COPY hook resyncs after a COPY FROM (`pg_seqsync.resync_after_copy`).
pub fn resync_after_copy() -> bool {
    RESYNC_AFTER_COPY.get()
}

/// With the library in shared_preload_libraries: resync a Citus table's sequences after every
/// INSERT into it through this node (no trigger fires for one). Superuser-only, as above.
static RESYNC_AFTER_CITUS_INSERT: GucSetting<bool> = GucSetting::<bool>::new(false);

/// Whether the INSERT hook resyncs after an INSERT into a Citus table
/// (`pg_seqsync.resync_after_citus_insert`).
pub fn resync_after_citus_insert() -> bool {
    RESYNC_AFTER_CITUS_INSERT.get()
}

/// Defines the settings (from `_PG_init`).
pub fn define() {
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
    GucRegistry::define_bool_guc(
        c"pg_seqsync.resync_after_citus_insert",
        c"Resync a Citus table's sequences after every INSERT into it through this node.",
        c"Needs the library in shared_preload_libraries: a write through Citus fires no trigger. Other tables are left to their triggers. Only superusers can change it.",
        &RESYNC_AFTER_CITUS_INSERT,
        GucContext::Suset,
        GucFlags::default(),
    );
}
