//! A compare-and-set on a sequence's page, under the page's buffer lock: the lock `nextval()`
//! and `setval()` hold while they read and write the position. Nothing can be handed out
//! between the read and the write, and only the lock `nextval()` itself takes on the sequence
//! (RowExclusiveLock) is needed: the transactions drawing from it are not waited for, and a
//! transaction that drew from it can move it without waiting for anyone who did the same.
//!
//! This is `setval(seq, next, false)` (commands/sequence.c, `do_setval`), decided and written in
//! one critical section: the same tuple change, the same WAL record (`XLOG_SEQ_LOG`, replayed by
//! PostgreSQL's own sequence redo), the same checks before it. What it does not do is discard
//! values this backend has cached from a `CACHE` > 1 sequence, which `setval()` does for its own
//! backend only (no backend's cache is ever recalled by another's).

use super::relation::OpenRelation;
use pgrx::pg_sys;

/// InvalidSubTransactionId (c.h).
const INVALID_SUBTRANSACTION_ID: pg_sys::SubTransactionId = 0;

/// The magic number in a sequence page's special space (commands/sequence.c).
const SEQUENCE_MAGIC: u32 = 0x1717;

/// `FormData_pg_sequence_data` (commands/sequence.h): the one tuple on a sequence's page.
#[repr(C)]
struct SequenceData {
    last_value: i64,
    log_cnt: i64,
    is_called: bool,
}

/// `xl_seq_rec` (commands/sequence.h): which relation the logged page belongs to.
#[repr(C)]
struct SequenceRecord {
    #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
    node: pg_sys::RelFileNode,
    #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
    locator: pg_sys::RelFileLocator,
}

/// `XLOG_SEQ_LOG` (commands/sequence.h), the sequence resource manager's only record type.
const XLOG_SEQ_LOG: u8 = 0x00;

/// A sequence's position as its page holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub last_value: i64,
    pub is_called: bool,
}

/// The page did not carry the sequence magic: nothing was read or written.
#[derive(Debug)]
pub struct NotASequencePage;

/// Reads the position of `sequence` under an exclusive buffer lock, asks `decide` for the next
/// value `nextval()` must return (`None`: leave it), and writes and WAL-logs it before the lock
/// is released. Returns the position found and whether it was changed.
///
/// `decide` runs with the buffer locked: it must be plain arithmetic that neither raises an
/// error nor waits.
///
/// # Safety
/// `sequence` must be open and checked to be a sequence (relkind `S`), with RowExclusiveLock
/// (or stronger) held on it for the rest of the transaction, as `setval()` holds it.
pub unsafe fn compare_and_set(
    sequence: &OpenRelation,
    decide: impl FnOnce(Position) -> Option<i64>,
) -> Result<(Position, bool), NotASequencePage> {
    let relation = sequence.raw();
    let needs_wal = needs_wal(sequence);
    // SAFETY: the checks setval() makes before it touches the page; they raise an ERROR (no
    // buffer is locked yet). A transaction that logs WAL needs an xid, so that its commit
    // flushes the record and waits for synchronous replication, as nextval() notes.
    unsafe {
        pg_sys::PreventCommandIfReadOnly(c"setval()".as_ptr());
        pg_sys::PreventCommandIfParallelMode(c"setval()".as_ptr());
        if needs_wal {
            pg_sys::GetTopTransactionId();
        }
    }
    // SAFETY: block 0 of an open sequence, pinned and locked exclusively, then checked for the
    // sequence magic before its one tuple is read, as read_seq_tuple() does. Between the lock
    // and its release nothing can raise an ERROR: no allocation, no lookup, and the write is a
    // critical section, as in do_setval().
    unsafe {
        let buffer = pg_sys::ReadBuffer(relation, 0);
        pg_sys::LockBuffer(buffer, pg_sys::BUFFER_LOCK_EXCLUSIVE as _);
        let page = pg_sys::BufferGetPage(buffer);
        if *pg_sys::PageGetSpecialPointer(page).cast::<u32>() != SEQUENCE_MAGIC {
            pg_sys::UnlockReleaseBuffer(buffer);
            return Err(NotASequencePage);
        }
        let item = pg_sys::PageGetItemId(page, pg_sys::FirstOffsetNumber as _);
        let header = pg_sys::PageGetItem(page, item).cast::<pg_sys::HeapTupleHeaderData>();
        let length = (*item).lp_len();
        let data = &mut *header
            .cast::<u8>()
            .add((*header).t_hoff as usize)
            .cast::<SequenceData>();
        let found = Position {
            last_value: data.last_value,
            is_called: data.is_called,
        };
        let Some(next) = decide(found) else {
            pg_sys::UnlockReleaseBuffer(buffer);
            return Ok((found, false));
        };

        pg_sys::CritSectionCount += 1;
        // A row lock left on the tuple (read_seq_tuple clears it the same way).
        if (*header).t_choice.t_heap.t_xmax != pg_sys::InvalidTransactionId {
            (*header).t_choice.t_heap.t_xmax = pg_sys::InvalidTransactionId;
            (*header).t_infomask &= !(pg_sys::HEAP_XMAX_COMMITTED as u16);
            (*header).t_infomask |= pg_sys::HEAP_XMAX_INVALID as u16;
        }
        data.last_value = next;
        data.is_called = false;
        data.log_cnt = 0;
        pg_sys::MarkBufferDirty(buffer);
        if needs_wal {
            let record = SequenceRecord {
                #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
                node: (*relation).rd_node,
                #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
                locator: (*relation).rd_locator,
            };
            pg_sys::XLogBeginInsert();
            pg_sys::XLogRegisterBuffer(0, buffer, pg_sys::REGBUF_WILL_INIT as u8);
            pg_sys::XLogRegisterData(
                std::ptr::addr_of!(record).cast_mut().cast(),
                std::mem::size_of::<SequenceRecord>() as _,
            );
            pg_sys::XLogRegisterData(header.cast(), length as _);
            let lsn = pg_sys::XLogInsert(pg_sys::RmgrIds::RM_SEQ_ID as u8, XLOG_SEQ_LOG);
            let page_header = &mut *page.cast::<pg_sys::PageHeaderData>();
            page_header.pd_lsn = pg_sys::PageXLogRecPtr {
                xlogid: (lsn >> 32) as u32,
                xrecoff: lsn as u32,
            };
        }
        pg_sys::CritSectionCount -= 1;
        pg_sys::UnlockReleaseBuffer(buffer);
        Ok((found, true))
    }
}

/// RelationNeedsWAL(): a permanent relation, unless `wal_level = minimal` skips WAL for
/// storage created in this transaction (it is synced at commit instead).
fn needs_wal(sequence: &OpenRelation) -> bool {
    // SAFETY: flags of an open relation and a server setting.
    unsafe {
        let relation = sequence.raw();
        if (*(*relation).rd_rel).relpersistence as u8 != pg_sys::RELPERSISTENCE_PERMANENT {
            return false;
        }
        #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
        let first_storage = (*relation).rd_firstRelfilenodeSubid;
        #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
        let first_storage = (*relation).rd_firstRelfilelocatorSubid;
        pg_sys::wal_level >= pg_sys::WalLevel::WAL_LEVEL_REPLICA as i32
            || ((*relation).rd_createSubid == INVALID_SUBTRANSACTION_ID
                && first_storage == INVALID_SUBTRANSACTION_ID)
    }
}
