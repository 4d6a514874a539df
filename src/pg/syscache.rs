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

impl CacheEntry {
    /// A text column of the entry, `None` when NULL.
    ///
    /// # Safety
    /// `cache` must be the cache the entry came from, and `attnum` a text column of its catalog.
    pub unsafe fn text(
        &self,
        cache: pg_sys::SysCacheIdentifier::Type,
        attnum: i16,
    ) -> Option<String> {
        let mut is_null = false;
        // SAFETY: the caller's cache and column; text_to_cstring returns a palloc'd copy.
        unsafe {
            let datum = pg_sys::SysCacheGetAttr(cache as _, self.tuple, attnum as _, &mut is_null);
            if is_null {
                return None;
            }
            let text = pg_sys::text_to_cstring(datum.cast_mut_ptr());
            let value = super::encoding::c_to_utf8(std::ffi::CStr::from_ptr(text));
            pg_sys::pfree(text.cast());
            Some(value)
        }
    }
}

impl CacheEntry {
    /// A column of the entry as a datum, `None` when NULL; a by-reference datum points into
    /// the entry and lives as long as it.
    ///
    /// # Safety
    /// `cache` must be the cache the entry came from, and `attnum` a column of its catalog.
    pub(super) unsafe fn datum(
        &self,
        cache: pg_sys::SysCacheIdentifier::Type,
        attnum: i16,
    ) -> Option<pg_sys::Datum> {
        let mut is_null = false;
        // SAFETY: the caller's cache and column of this entry's tuple.
        let datum =
            unsafe { pg_sys::SysCacheGetAttr(cache as _, self.tuple, attnum as _, &mut is_null) };
        (!is_null).then_some(datum)
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
