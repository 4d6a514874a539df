//! Waiting for other transactions to end, by polling the proc array: bounded by a deadline,
//! and never a lock wait, so that neither side can be picked as a deadlock victim (the
//! transaction waited for may itself be about to wait for something this one holds).

use pgrx::pg_sys;

/// The time `timeout_ms` milliseconds from now.
pub fn deadline_in(timeout_ms: i32) -> pg_sys::TimestampTz {
    // SAFETY: reads the clock.
    unsafe { pg_sys::GetCurrentTimestamp() + i64::from(timeout_ms) * 1000 }
}

/// Whether transaction `xid` is still running.
pub fn in_progress(xid: pg_sys::TransactionId) -> bool {
    // SAFETY: a read of the proc array.
    unsafe { pg_sys::TransactionIdIsInProgress(xid) }
}

/// Waits until transaction `xid` has ended, or `deadline` has passed (`false` then).
pub fn wait_for(xid: pg_sys::TransactionId, deadline: pg_sys::TimestampTz) -> bool {
    loop {
        // SAFETY: plain reads of the clock and the proc array; pg_usleep only sleeps.
        unsafe {
            // The deadline first: a pass that ended past it starts no other.
            if pg_sys::GetCurrentTimestamp() >= deadline {
                return false;
            }
            if !pg_sys::TransactionIdIsInProgress(xid) {
                return true;
            }
            pgrx::check_for_interrupts!();
            pg_sys::pg_usleep(1000);
        }
    }
}

/// Waits until every transaction in `xids` has ended, or `deadline` has passed (`false` then).
pub fn wait_for_all(xids: &[pg_sys::TransactionId], deadline: pg_sys::TimestampTz) -> bool {
    xids.iter().all(|&xid| wait_for(xid, deadline))
}

/// Waits until every transaction in `writers` (virtual transaction IDs, as a lock table lists
/// them) has ended, or `deadline` has passed (`false` then). Polls: never a lock wait.
pub fn wait_for_virtual(
    writers: &[pg_sys::VirtualTransactionId],
    deadline: pg_sys::TimestampTz,
) -> bool {
    writers.iter().all(|&writer| loop {
        // SAFETY: VirtualXactLock with wait = false only checks whether it is still running.
        unsafe {
            if pg_sys::VirtualXactLock(writer, false) {
                break true;
            }
            if pg_sys::GetCurrentTimestamp() >= deadline {
                break false;
            }
            pgrx::check_for_interrupts!();
            pg_sys::pg_usleep(1000);
        }
    })
}
