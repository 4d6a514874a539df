//! A system cache entry, released when the guard is dropped.

use pgrx::pg_sys;

pub struct CacheEntry {
    tuple: pg_sys::HeapTuple,
}

impl CacheEntry {
    /// The entry of cache `cache` for `key`, if there is one.
    pub fn search(cache: pg_sys::SysCacheIdentifier::Type, key: pg_sys::Oid) -> Option<CacheEntry> {
        // SAFETY: a syscache lookup by OID; a non-NULL result is released by Drop.
        let tuple = unsafe { pg_sys::SearchSysCache1(cache as _, pg_sys::Datum::from(key)) };
        (!tuple.is_null()).then(|| CacheEntry { tuple })
    }

    /// The catalog row, as the catalog's `FormData_*` struct `T`.
    ///
    /// # Safety
    /// `T` must be the fixed part of the catalog row this cache holds.
    pub unsafe fn form<T>(&self) -> &T {
        // SAFETY: the caller names the right struct; the tuple lives as long as `self`.
        unsafe { &*pg_sys::heap_tuple_get_struct::<T>(self.tuple) }
    }
}

impl Drop for CacheEntry {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: releases the reference taken in `search`.
            unsafe { pg_sys::ReleaseSysCache(self.tuple) };
        }
    }
}
