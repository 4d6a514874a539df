#!/usr/bin/env bash
# The COPY hook, on a cluster of its own with pg_seqsync in shared_preload_libraries (the only
# place it is installed from):
#   1. off by default: COPY leaves the sequence behind, as PostgreSQL does;
#   2. on: COPY FROM resyncs its table's sequences, as the table's owner; INSERT and COPY TO
#      do not go through it;
#   3. the setting is a superuser's: a loader cannot SET it, while ALTER ROLE ... SET and
#      ALTER DATABASE ... SET by a superuser switch it on for that loader's sessions, whose
#      COPY then advances the sequence the loader could not move itself;
#   4. a COPY into a table that shares its sequence with a table someone keeps locked finishes
#      (with a WARNING) instead of waiting on that lock.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
DIR=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/copy_hook
PORT=54365
install -d -o postgres -g postgres -m 0755 "$(dirname "$DIR")"
CLUSTER_OPTS="-c shared_preload_libraries=pg_seqsync" cluster_start "$DIR" "$PORT"
trap 'cluster_stop "$DIR"' EXIT
q() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d postgres "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect WHAT ACTUAL EXPECTED
  [[ $2 == "$3" ]] || fail "$1: expected [$3], got [$2]"
  echo "ok - $1"
}
position() { q -U postgres -c "SELECT last_value || ' ' || is_called FROM $1"; }

q -U postgres >/dev/null <<'SQL'
CREATE EXTENSION pg_seqsync;
CREATE TABLE loaded (id serial PRIMARY KEY, v text);
CREATE ROLE loader LOGIN;
GRANT INSERT, SELECT ON loaded TO loader;
GRANT USAGE ON SEQUENCE loaded_id_seq TO loader;
SQL

# 1. Off by default.
printf '10\ta\n' | q -U postgres -c "COPY loaded (id, v) FROM stdin"
expect "off by default: COPY leaves the sequence behind" "$(position loaded_id_seq)" "1 false"

# 2. On, in a superuser's session.
printf '20\tb\n' | q -U postgres -c "SET pg_seqsync.resync_after_copy = on" -c "COPY loaded (id, v) FROM stdin"
expect "on: COPY FROM resyncs" "$(position loaded_id_seq)" "21 false"
q -U postgres -c "SET pg_seqsync.resync_after_copy = on" -c "INSERT INTO loaded VALUES (30, 'c')" -c "COPY loaded TO stdout" >/dev/null
expect "INSERT and COPY TO do not go through the hook" "$(position loaded_id_seq)" "21 false"

# 3. A loader cannot switch it on; a superuser can, for the loader.
out=$(q -U loader -c "SET pg_seqsync.resync_after_copy = on" 2>&1 || true)
[[ $out == *"permission denied to set parameter"* ]] || fail "a loader could SET the setting: $out"
echo "ok - a loader cannot SET pg_seqsync.resync_after_copy"
q -U postgres -c "ALTER ROLE loader SET pg_seqsync.resync_after_copy = on"
printf '40\td\n' | q -U loader -c "COPY loaded (id, v) FROM stdin"
expect "ALTER ROLE ... SET by a superuser: the loader's COPY advances the sequence as the owner" \
  "$(position loaded_id_seq)" "41 false"
q -U postgres -c "ALTER ROLE loader RESET pg_seqsync.resync_after_copy" \
  -c "ALTER DATABASE postgres SET pg_seqsync.resync_after_copy = on"
printf '50\te\n' | q -U loader -c "COPY loaded (id, v) FROM stdin"
expect "ALTER DATABASE ... SET by a superuser" "$(position loaded_id_seq)" "51 false"

# 4. A lock on another consumer of the same sequence bounds the wait; the COPY goes on. The
#    bound is the superuser's pg_seqsync.automatic_lock_timeout (1 s by default): the loader
#    raising pg_seqsync.lock_timeout to an hour changes nothing.
q -U postgres -c "CREATE TABLE other_user (id integer DEFAULT nextval('loaded_id_seq'))"
q -U postgres -c "BEGIN" -c "LOCK TABLE other_user IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 1 100); do
  [[ -n $(q -U postgres -c "SELECT 1 FROM pg_locks WHERE relation = 'other_user'::regclass AND granted AND mode = 'AccessExclusiveLock'") ]] && break
  sleep 0.1
done
start=$(date +%s%N)
out=$(printf '60\tf\n' | q -U loader -c "SET statement_timeout = '20s'" -c "SET pg_seqsync.lock_timeout = '1h'" -c "COPY loaded (id, v) FROM stdin" 2>&1 || echo "COPY FAILED")
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
q -U postgres -c "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = 'other_user'::regclass AND mode = 'AccessExclusiveLock' AND granted" >/dev/null
wait "$locker" 2>/dev/null || true
[[ $out != *"COPY FAILED"* ]] || fail "the COPY failed: $out"
[[ $out == *"WARNING"*"lock not available"* ]] || fail "no WARNING about the lock: $out"
((elapsed_ms < 10000)) || fail "the COPY waited ${elapsed_ms} ms"
expect "the loaded row is there" "$(q -U postgres -c "SELECT count(*) FROM loaded WHERE id = 60")" "1"
echo "ok - a locked consumer elsewhere: WARNING, the COPY finished in ${elapsed_ms} ms"
echo "copy_hook: all checks passed"
