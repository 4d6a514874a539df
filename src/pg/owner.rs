//! Running work with a table owner's rights, in a security-restricted operation.
//!
//! Every bound is read as the table's owner (`bound`), as VACUUM and ANALYZE do, although that
//! read runs no SQL: defence in depth. The statement trigger also runs as the table's owner: a
//! loader may be allowed to INSERT and call nextval() but not to move the sequence (no UPDATE
//! on it). Rather than a SECURITY DEFINER function running as the extension's (superuser)
//! owner, the resync runs as the *table owner*, the way PostgreSQL itself runs REFRESH
//! MATERIALIZED VIEW or an index expression. The loader gains exactly what the owner could do
//! for that table's sequences, forward only, and nothing else.

use super::guc::GucNest;
use pgrx::prelude::*;
use pgrx::{PgRelation, PgTryBuilder};
use std::panic::AssertUnwindSafe;

thread_local! {
    /// The role whose write an automatic resync follows, while it runs (`with_writer`).
    static WRITER: std::cell::Cell<Option<pg_sys::Oid>> = const { std::cell::Cell::new(None) };
}

/// Runs `work` remembering the current role as the writer an automatic resync follows: Citus
/// lets a transaction read the shard placements it wrote only as the role that wrote them.
pub fn with_writer<R>(work: impl FnOnce() -> R) -> R {
    struct Restore(Option<pg_sys::Oid>);
    impl Drop for Restore {
        fn drop(&mut self) {
            WRITER.set(self.0);
        }
    }
    // SAFETY: reads the current role's OID.
    let _restore = Restore(WRITER.replace(Some(unsafe { pg_sys::GetUserId() })));
    work()
}

/// The role whose write the running automatic resync follows, if one is running.
pub fn writer() -> Option<pg_sys::Oid> {
    WRITER.get()
}

/// The owner of `relation`.
pub fn owner_of(relation: pg_sys::Oid) -> pg_sys::Oid {
    // SAFETY: the relation is open and locked by the statement that wrote to it.
    unsafe { (*PgRelation::open(relation).rd_rel).relowner }
}

/// Runs `work` as `owner`, in a security-restricted operation.
pub fn run_as<R>(owner: pg_sys::Oid, work: impl FnOnce() -> R) -> R {
    // SAFETY: the user switch is undone in `finally`; on an error the (sub)transaction abort
    // also restores the user id saved when it began.
    unsafe {
        let mut saved_user = pg_sys::Oid::INVALID;
        let mut saved_context = 0;
        pg_sys::GetUserIdAndSecContext(&mut saved_user, &mut saved_context);
        pg_sys::SetUserIdAndSecContext(
            owner,
            saved_context
                | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32
                | pg_sys::SECURITY_RESTRICTED_OPERATION as i32,
        );
        PgTryBuilder::new(AssertUnwindSafe(work))
            .finally(|| pg_sys::SetUserIdAndSecContext(saved_user, saved_context))
            .execute()
    }
}

/// Runs `work` with `search_path = pg_catalog, pg_temp`, restoring the caller's afterwards.
/// Every query we build is schema-qualified; this is a second line of defence for the code
/// that runs in the writer's session with the owner's rights.
pub fn with_pinned_search_path<R>(work: impl FnOnce() -> R) -> R {
    let nest = GucNest::new();
    nest.set(c"search_path", "pg_catalog, pg_temp");
    work()
}

/// The current role's name, for GRANT hints.
pub fn current_role_name() -> String {
    // SAFETY: GetUserId() is the current role, which always has a name.
    unsafe {
        let name = pg_sys::GetUserNameFromId(pg_sys::GetUserId(), false);
        super::encoding::c_to_utf8(std::ffi::CStr::from_ptr(name))
    }
}
