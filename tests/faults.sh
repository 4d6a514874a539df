#!/usr/bin/env bash
# Faults in the middle of a large resync_all_sequences() (waiting on a consumer table another
# session keeps locked), on a cluster of its own:
#   kill -9 of the backend, an immediate shutdown of the server, and a query cancel.
# After each: every sequence is at or past where it was before the run, nextval() works on all
# of them, after a cancel each sequence is either untouched or fully resynced (nothing
# half-done), and a rerun completes with every sequence at max(id)+1.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
DIR=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/faults
PORT=54363
install -d -o postgres -g postgres -m 0755 "$(dirname "$DIR")"
cluster_start "$DIR" "$PORT"
trap 'cluster_stop "$DIR"' EXIT
q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
TABLES=300

q -c "CREATE EXTENSION pg_seqsync" -c "CREATE SCHEMA f" -c "DO \$\$ BEGIN FOR i IN 1..$TABLES LOOP
        EXECUTE format('CREATE TABLE f.t%s (id serial PRIMARY KEY)', lpad(i::text, 3, '0'));
        EXECUTE format('INSERT INTO f.t%s SELECT generate_series(1, 100)', lpad(i::text, 3, '0'));
      END LOOP; END \$\$"
# A consumer in the middle of the run (by name) that another session keeps locked, so the run
# waits there (with pg_seqsync.lock_timeout raised for it) long enough to be interrupted.
q -c "CREATE SEQUENCE f.t150_slow_seq" \
  -c "CREATE TABLE f.t150_slow (id bigint DEFAULT nextval('f.t150_slow_seq'))"
hold_lock() { # a session that keeps f.t150_slow locked; LOCKER is its psql
  q -c "BEGIN" -c "LOCK TABLE f.t150_slow IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
  LOCKER=$!
  for _ in $(seq 1 100); do
    [[ -n $(q -At -c "SELECT 1 FROM pg_locks WHERE relation = 'f.t150_slow'::regclass AND mode = 'AccessExclusiveLock' AND granted") ]] && return 0
    sleep 0.1
  done
  fail "the locking session never took its lock"
}
release_lock() {
  q -At -c "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = 'f.t150_slow'::regclass AND mode = 'AccessExclusiveLock' AND granted" >/dev/null || true
  wait "$LOCKER" 2>/dev/null || true
}

# next value of every sequence in f, as "name value" lines (not calling nextval).
positions() {
  q -At -c "DO \$\$ DECLARE s regclass; lv bigint; c bool; BEGIN
    FOR s IN SELECT oid FROM pg_class WHERE relkind = 'S' AND relnamespace = 'f'::regnamespace ORDER BY relname LOOP
      EXECUTE format('SELECT last_value, is_called FROM %s', s) INTO lv, c;
      RAISE NOTICE '% %', s, CASE WHEN c THEN lv + 1 ELSE lv END;
    END LOOP; END \$\$" 2>&1 | sed 's/^NOTICE: *//'
}
drift() { q -c "DO \$\$ DECLARE s regclass; BEGIN FOR s IN SELECT oid FROM pg_class
                 WHERE relkind = 'S' AND relnamespace = 'f'::regnamespace LOOP
                 PERFORM setval(s, 1, false); END LOOP; END \$\$"; }
wait_ready() { for _ in $(seq 1 100); do "$PG_BIN/pg_isready" -q -h "$DIR" -p "$PORT" && return 0; sleep 0.2; done; fail "server did not come back"; }
start_run() { # starts the resync in the background; sets RUN_PID (psql) and BACKEND (server pid)
  hold_lock
  q -c "SET pg_seqsync.lock_timeout = '600s'" -c "SELECT count(*) FROM resync_all_sequences(schemas => '{f}')" >"$DIR/run.out" 2>&1 &
  RUN_PID=$!
  for _ in $(seq 1 100); do
    BACKEND=$(q -At -c "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%resync_all_sequences%'")
    [[ -n "$BACKEND" ]] && return 0
    sleep 0.1
  done
  fail "the run never reached the slow consumer"
}
check_after() { # $1: positions before the run
  local before=$1 after
  after=$(positions)
  join <(echo "$before" | sort) <(echo "$after" | sort) | awk '$3 < $2 { print "moved backward: " $0; bad = 1 } END { exit bad }' \
    || fail "a sequence is behind where it was before the run"
  q -At -c "DO \$\$ DECLARE s regclass; BEGIN FOR s IN SELECT oid FROM pg_class
              WHERE relkind = 'S' AND relnamespace = 'f'::regnamespace LOOP PERFORM nextval(s); END LOOP; END \$\$" \
    || fail "nextval() failed after recovery"
}
# Reruns the resync with the lock released; every table's sequence must end past its data
# (at 101, or beyond where the nextval() probes moved it). Prints "N of M" resynced rows.
rerun() {
  release_lock
  RERUN=$(q -At -c "SELECT count(*) FILTER (WHERE action IN ('advance', 'none')) || ' of ' || count(*)
                      FROM resync_all_sequences(schemas => '{f}')" 2>/dev/null)
  local past
  past=$(positions | awk '$1 != "f.t150_slow_seq" && $2 >= 101' | wc -l)
  [[ "$past" == "$TABLES" ]] || fail "after the rerun only $past of $TABLES sequences are past their data"
}

echo "--- kill -9 of the backend in the middle of the run"
drift; before=$(positions)
start_run
kill -9 "$BACKEND"
wait "$RUN_PID" || true
wait "$LOCKER" 2>/dev/null || true
wait_ready
check_after "$before"
rerun
echo "recovered: every sequence at or past its value before, nextval() works; rerun: $RERUN"

echo "--- immediate shutdown of the server in the middle of the run"
drift; before=$(positions)
start_run
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null
wait "$RUN_PID" || true
wait "$LOCKER" 2>/dev/null || true
env -u RUST_BACKTRACE runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start \
  -o "-p $PORT -k $DIR -c listen_addresses=''" >/dev/null
wait_ready
check_after "$before"
rerun
echo "recovered: every sequence at or past its value before, nextval() works; rerun: $RERUN"

echo "--- query cancel in the middle of the run"
drift; before=$(positions)
start_run
q -At -c "SELECT pg_cancel_backend($BACKEND)" >/dev/null
wait "$RUN_PID" || true
release_lock
grep -q "canceling statement due to user request" "$DIR/run.out" || fail "the run was not cancelled: $(cat "$DIR/run.out")"
after=$(positions)
half=$(echo "$after" | awk '$1 != "f.t150_slow_seq" && $2 != 1 && $2 != 101' | wc -l)
advanced=$(echo "$after" | awk '$2 == 101' | wc -l)
[[ "$half" == 0 ]] || fail "$half sequences were left half-done"
((advanced > 0 && advanced < TABLES)) || fail "expected the cancel to stop the run part-way, $advanced advanced"
check_after "$before"
rerun
echo "cancelled after $advanced of $TABLES sequences; none half-done; rerun: $RERUN"
echo "faults: ok"
