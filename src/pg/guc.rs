//! A GUC nest level: settings made through it are undone when it is dropped.

use pgrx::pg_sys;
use std::ffi::{CStr, CString};

/// Settings local to a scope, like a function's `SET` clause.
#[must_use]
pub struct GucNest {
    level: i32,
}

impl GucNest {
    pub fn new() -> GucNest {
        // SAFETY: opens a nest level, closed by Drop (or by the transaction abort).
        let level = unsafe { pg_sys::NewGUCNestLevel() };
        GucNest { level }
    }

    /// Sets `name` to `value` for this nest level, as the session's user would with SET.
    pub fn set(&self, name: &CStr, value: &str) {
        let value = CString::new(value).expect("a setting's value has no NUL");
        // SAFETY: a plain set_config_option at this nest level (GUC_ACTION_SAVE), which raises
        // an ERROR for a bad value rather than returning.
        unsafe {
            pg_sys::set_config_option(
                name.as_ptr(),
                value.as_ptr(),
                pg_sys::GucContext::PGC_USERSET,
                pg_sys::GucSource::PGC_S_SESSION,
                pg_sys::GucAction::GUC_ACTION_SAVE,
                true,
                0,
                false,
            );
        }
    }
}

impl Drop for GucNest {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: closes the nest level opened in `new`, restoring what it changed.
            unsafe { pg_sys::AtEOXact_GUC(true, self.level) };
        }
    }
}
