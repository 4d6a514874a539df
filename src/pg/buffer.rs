//! A shared buffer pinned and share-locked: unlocked and unpinned when the guard is dropped.

use super::relation::OpenRelation;
use pgrx::pg_sys;

pub struct SharedPage {
    buffer: pg_sys::Buffer,
}

impl SharedPage {
    /// Block `block` of `relation`, pinned and locked for reading.
    pub fn read(relation: &OpenRelation, block: pg_sys::BlockNumber) -> SharedPage {
        // SAFETY: the relation is open and locked; the pin and lock are released by Drop.
        let buffer = unsafe {
            let buffer = pg_sys::ReadBuffer(relation.raw(), block);
            pg_sys::LockBuffer(buffer, pg_sys::BUFFER_LOCK_SHARE as _);
            buffer
        };
        SharedPage { buffer }
    }

    pub fn page(&self) -> pg_sys::Page {
        // SAFETY: the buffer is pinned for as long as `self` lives.
        unsafe { pg_sys::BufferGetPage(self.buffer) }
    }
}

impl Drop for SharedPage {
    fn drop(&mut self) {
        if super::may_release() {
            // SAFETY: releases the lock and pin taken in `read`.
            unsafe { pg_sys::UnlockReleaseBuffer(self.buffer) };
        }
    }
}
