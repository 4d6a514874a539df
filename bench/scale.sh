#!/usr/bin/env bash
# Benchmark: resync_all_sequences() against the in-server PL/pgSQL loop that the PostgreSQL
# wiki's "Fixing Sequences" query and pg_sequence_fixer amount to, over many drifted tables;
# then the batched procedure over 100,000 sequences with its peak backend memory. Not run by CI.
# Usage: bench/scale.sh [tables] [rounds] [batched_sequences]   (defaults 10000 5 100000)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
TABLES=${1:-10000}
ROUNDS=${2:-5}
BATCHED=${3:-100000}
DIR=/tmp/pg_seqsync-scale
PORT=54350

install_extension --release
cluster_stop "$DIR"; rm -rf "$DIR"
install -d -o postgres -g postgres "$DIR"
as_postgres "$PG_BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
# One transaction that advances N sequences keeps N sequence locks until it ends (setval's
# RowExclusiveLock), for the baseline and for resync_all_sequences() alike: the comparison runs
# with room for them. The batched run below restarts with every lock setting at its default.
start_server() {
  env -u RUST_BACKTRACE runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start \
    -o "-p $PORT -k $DIR -c listen_addresses='' -c max_wal_size=4GB $*" >/dev/null
}
# SHARED_BUFFERS=1GB bench/scale.sh: the comparison with shared buffers that hold the 10,000
# tables (the default 128MB does not, so both sides then spend much of their time reading pages).
start_server -c max_locks_per_transaction=256 ${SHARED_BUFFERS:+-c shared_buffers=$SHARED_BUFFERS}
trap 'cluster_stop "$DIR"' EXIT
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
sql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
timed() { sql -At -c "SET client_min_messages = warning" -c "\\timing on" -c "$1" | awk '/^Time:/ {print $2}'; }

echo "building $TABLES tables (serial primary key, 100 rows each) ..."
sql -c "CREATE EXTENSION pg_seqsync" -c "CREATE SCHEMA bench"
for first in $(seq 1 500 "$TABLES"); do
  sql -c "DO \$\$ BEGIN FOR i IN $first..LEAST($first + 499, $TABLES) LOOP
    EXECUTE format('CREATE TABLE bench.t%s (id serial PRIMARY KEY, v int)', i);
    EXECUTE format('INSERT INTO bench.t%s (id, v) SELECT g, g FROM generate_series(1, 100) AS g', i);
  END LOOP; END \$\$"
done
sql -c "VACUUM ANALYZE"

# Drift: every sequence back to its start, as after a data-only restore. Not timed.
DRIFT="DO \$\$ DECLARE s regclass; BEGIN
  FOR s IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'S' AND n.nspname = 'bench' LOOP
    PERFORM setval(s, 1, false);
  END LOOP; END \$\$"
# The baseline: one dynamic setval(max) query per sequence found through pg_depend.
BASELINE="DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT d.objid::regclass AS seq, d.refobjid::regclass AS tbl, a.attname
             FROM pg_depend d
             JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.deptype IN ('a', 'i') LOOP
    EXECUTE format('SELECT setval(%L, COALESCE(max(%I), 1)) FROM %s', r.seq, r.attname, r.tbl);
  END LOOP; END \$\$"
OURS="SELECT count(*) FROM resync_all_sequences(schemas => '{bench}')"

: > "$DIR/ours_drifted"; : > "$DIR/base_drifted"; : > "$DIR/ours_synced"; : > "$DIR/base_synced"
echo "alternating rounds (ms): drifted pass, then an in-sync pass"
for round in $(seq "$ROUNDS"); do
  sql -c "$DRIFT"; base_d=$(timed "$BASELINE"); base_s=$(timed "$BASELINE")
  sql -c "$DRIFT"; ours_d=$(timed "$OURS"); ours_s=$(timed "$OURS")
  printf '  round %d: drifted  baseline %8.1f  ours %8.1f | in sync  baseline %8.1f  ours %8.1f\n' \
    "$round" "$base_d" "$ours_d" "$base_s" "$ours_s"
  echo "$base_d" >> "$DIR/base_drifted"; echo "$ours_d" >> "$DIR/ours_drifted"
  echo "$base_s" >> "$DIR/base_synced"; echo "$ours_s" >> "$DIR/ours_synced"
done
# Sanity: after the last (ours) drifted + in-sync pass, every sequence hands out max(id)+1 next.
sql -c "DO \$\$ DECLARE s regclass; ok int := 0; total int := 0; lv bigint; called bool; BEGIN
  FOR s IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'S' AND n.nspname = 'bench' LOOP
    EXECUTE format('SELECT last_value, is_called FROM %s', s) INTO lv, called;
    total := total + 1;
    IF (called AND lv = 100) OR (NOT called AND lv = 101) THEN ok := ok + 1; END IF;
  END LOOP;
  RAISE NOTICE 'check: % of % sequences hand out max(id)+1 next', ok, total; END \$\$" 2>&1 | sed 's/^NOTICE: *//'

# The same alternation inside one session, after one warm-up pass each: the relation cache
# already holds every table, index and sequence, so only per-call work is compared.
{
  echo "SET client_min_messages = warning;"
  echo "$BASELINE;"; echo "$OURS;"; echo "\\timing on"
  for _ in $(seq "$ROUNDS"); do
    echo "\\timing off"; echo "$DRIFT;"; echo "\\timing on"; echo "$BASELINE;"; echo "$BASELINE;"
    echo "\\timing off"; echo "$DRIFT;"; echo "\\timing on"; echo "$OURS;"; echo "$OURS;"
  done
} > "$DIR/warm.sql"
sql -At -f "$DIR/warm.sql" | awk '/^Time:/ {print $2}' > "$DIR/warm_times"
# Lines come in fours per round: baseline drifted, baseline in sync, ours drifted, ours in sync.
awk 'NR % 4 == 1' "$DIR/warm_times" > "$DIR/warm_base_drifted"; awk 'NR % 4 == 2' "$DIR/warm_times" > "$DIR/warm_base_synced"
awk 'NR % 4 == 3' "$DIR/warm_times" > "$DIR/warm_ours_drifted"; awk 'NR % 4 == 0' "$DIR/warm_times" > "$DIR/warm_ours_synced"

report() { # report LABEL BASELINE_FILE OURS_FILE
  local b o
  b=$(median < "$2"); o=$(median < "$3")
  printf '%-34s baseline %8.1f ms, resync_all_sequences %8.1f ms: %.2fx faster (target >= 3x)\n' \
    "$1" "$b" "$o" "$(echo "$b $o" | awk '{print $1 / $2}')"
}
echo
echo "$TABLES tables, shared_buffers ${SHARED_BUFFERS:-default (128MB)}, medians of $ROUNDS rounds:"
report "drifted pass, fresh sessions:" "$DIR/base_drifted" "$DIR/ours_drifted"
report "in-sync pass, fresh sessions:" "$DIR/base_synced" "$DIR/ours_synced"
report "drifted pass, one warm session:" "$DIR/warm_base_drifted" "$DIR/warm_ours_drifted"
report "in-sync pass, one warm session:" "$DIR/warm_base_synced" "$DIR/warm_ours_synced"

((BATCHED > 0)) || exit 0
echo
echo "batched run: $BATCHED sequences (100 per table), every setting at its default ..."
cluster_stop "$DIR"; start_server
sql -c "CREATE SCHEMA big"
tables=$(( (BATCHED + 99) / 100 ))
for first in $(seq 1 50 "$tables"); do
  sql -c "DO \$\$ DECLARE cols text; BEGIN FOR t IN $first..LEAST($first + 49, $tables) LOOP
    FOR c IN 1..100 LOOP EXECUTE format('CREATE SEQUENCE big.s%s_%s', t, c); END LOOP;
    SELECT string_agg(format('c%s bigint DEFAULT nextval(%L)', c, format('big.s%s_%s', t, c)), ', ')
      INTO cols FROM generate_series(1, 100) AS c;
    EXECUTE format('CREATE TABLE big.t%s (%s)', t, cols);
    EXECUTE format('INSERT INTO big.t%s SELECT %s FROM generate_series(1, 10) AS g', t,
                   (SELECT string_agg('g * 1000', ', ') FROM generate_series(1, 100)));
  END LOOP; END \$\$"
done
sql -At -c "SELECT 'sequences: ' || count(*) FROM pg_class WHERE relkind = 'S' AND relnamespace = 'big'::regnamespace" \
        -c "SHOW max_locks_per_transaction"
{
  echo "SELECT pg_backend_pid() AS pid \\gset"
  echo "\\setenv BACKEND_PID :pid"
  echo "\\! grep VmHWM /proc/\$BACKEND_PID/status | sed 's/^/peak resident memory before (shared buffers touched included): /'"
  echo "\\timing on"
  echo "CALL resync_all_sequences_in_batches(schemas => '{big}', batch_size => 500, summary => NULL);"
  echo "\\! grep VmHWM /proc/\$BACKEND_PID/status | sed 's/^/peak resident memory after (shared buffers touched included):  /'"
  echo "SELECT 'memory contexts after: ' || pg_size_pretty(sum(total_bytes)) || ', of which caches: ' || pg_size_pretty(sum(total_bytes) FILTER (WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext')) FROM pg_backend_memory_contexts;"
} > "$DIR/batched.sql"
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -f "$DIR/batched.sql" 2>&1 \
  | sed -E 's/"problems": \[[^]]*\]/"problems": [...]/' | cut -c1-400
