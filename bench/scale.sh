#!/usr/bin/env bash
# Benchmark: resync_all_sequences() against the floor and against the in-server PL/pgSQL loop
# that the PostgreSQL wiki's "Fixing Sequences" query and pg_sequence_fixer amount to, then the
# batched procedure's cost per sequence from 1,000 to 100,000 sequences. Not run by CI.
# Usage: bench/scale.sh [tables ...] [-- rounds [batched sizes ...]]
#   defaults: bench/scale.sh 2000 10000 -- 5 1000 10000 100000
# The floor is what any correct resync must pay and nothing more: in a fresh session, opening
# every relation a resync opens (each table, its indexes, each sequence) once. Each contender is
# shown as a multiple of the floor measured in the same rounds, and against the loop.
# The page floor adds the pages a resync cannot avoid reading: each index's metapage and root
# (only the root in the warm session, which keeps the metapage in its relation cache), the
# visibility-map page that says the root's rows are all visible, and each sequence's page
# (pg_prewarm, from contrib; left out where the server lacks it).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
SIZES=() ROUNDS=5 BATCHED=()
while (($#)) && [[ $1 != -- ]]; do SIZES+=("$1"); shift; done
if (($#)); then shift; ROUNDS=${1:-5}; shift || true; BATCHED=("$@"); fi
((${#SIZES[@]})) || SIZES=(2000 10000)
[[ -n ${BATCHED[*]:-} ]] || BATCHED=(1000 10000 100000)
[[ ${BATCHED[*]} == 0 ]] && BATCHED=()
DIR=/tmp/pg_seqsync-scale
PORT=54350

install_extension --release
cluster_stop "$DIR"; rm -rf "$DIR"
install -d -o postgres -g postgres "$DIR"
as_postgres "$PG_BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
# Every setting at its default, except room for one sequence lock per sequence: one transaction
# that advances N sequences keeps N sequence locks until it ends (setval's RowExclusiveLock),
# for the baseline and for resync_all_sequences() alike. The batched run needs none of it.
start_server() {
  env -u RUST_BACKTRACE runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start \
    -o "-p $PORT -k $DIR -c listen_addresses='' -c max_wal_size=4GB $*" >/dev/null
}
# SHARED_BUFFERS=1GB bench/scale.sh: with shared buffers that hold the 10,000 tables.
start_server -c max_locks_per_transaction=256 ${SHARED_BUFFERS:+-c shared_buffers=$SHARED_BUFFERS}
trap 'cluster_stop "$DIR"' EXIT
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
sql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
source "$(dirname "$0")/lib.sh"
sql -c "CREATE EXTENSION pg_seqsync"

OURS="SELECT count(*) FROM resync_all_sequences(schemas => '{bench}')"
# The floor: open each table, index and sequence once (pg_relation_size locks and opens it).
FLOOR="SELECT count(pg_catalog.pg_relation_size(c.oid)) FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace = 'bench'::regnamespace AND c.relkind IN ('r', 'p', 'i', 'S')"

HAVE_PREWARM=$(sql -At -c "SELECT count(*) FROM pg_catalog.pg_available_extensions WHERE name = 'pg_prewarm'")
((HAVE_PREWARM)) && sql -c "CREATE EXTENSION pg_prewarm"
# PAGES FIRST_INDEX_BLOCK: read, for each bench table, its primary key's blocks from the first
# given to the root (block 1 in these one-page indexes), visibility-map block 0 and its
# sequence's block 0.
pages() {
  echo "SELECT sum(pg_prewarm(i.indexrelid, 'buffer', 'main', $1, 1)
                 + pg_prewarm(t.oid, 'buffer', 'vm', 0, 0)
                 + pg_prewarm(d.objid, 'buffer', 'main', 0, 0))
          FROM pg_catalog.pg_class AS t
          JOIN pg_catalog.pg_index AS i ON i.indrelid = t.oid AND i.indisprimary
          JOIN pg_catalog.pg_depend AS d ON d.refobjid = t.oid AND d.refobjsubid = 1
           AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a'
         WHERE t.relnamespace = 'bench'::regnamespace AND t.relkind = 'r'"
}
PAGES_FRESH=$(pages 0)
PAGES_WARM=$(pages 1)
# Without pg_prewarm the page floor is the floor again (and says nothing).
((HAVE_PREWARM)) || { PAGES_FRESH=$FLOOR; PAGES_WARM=$FLOOR; }

for TABLES in "${SIZES[@]}"; do
echo
echo "building $TABLES tables (serial primary key, 100 rows each) ..."
sql -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS bench CASCADE" -c "CREATE SCHEMA bench"
for first in $(seq 1 500 "$TABLES"); do
  sql -c "DO \$\$ BEGIN FOR i IN $first..LEAST($first + 499, $TABLES) LOOP
    EXECUTE format('CREATE TABLE bench.t%s (id serial PRIMARY KEY, v int)', i);
    EXECUTE format('INSERT INTO bench.t%s (id, v) SELECT g, g FROM generate_series(1, 100) AS g', i);
  END LOOP; END \$\$"
done
sql -c "VACUUM ANALYZE"
sql -c "CHECKPOINT"

: > "$DIR/ours_drifted"; : > "$DIR/base_drifted"; : > "$DIR/ours_synced"; : > "$DIR/base_synced"; : > "$DIR/floor"; : > "$DIR/pages"
echo "alternating rounds, fresh sessions (ms):"
for round in $(seq "$ROUNDS"); do
  floor_a=$(timed "$FLOOR")
  sql -c "$DRIFT"; base_d=$(timed "$BASELINE"); base_s=$(timed "$BASELINE")
  floor_b=$(timed "$FLOOR")
  pages=$(timed "$PAGES_FRESH")
  sql -c "$DRIFT"; ours_d=$(timed "$OURS"); ours_s=$(timed "$OURS")
  printf '  round %d: floor %7.1f %7.1f  pages %7.1f | drifted  loop %8.1f  ours %8.1f | in sync  loop %8.1f  ours %8.1f\n' \
    "$round" "$floor_a" "$floor_b" "$pages" "$base_d" "$ours_d" "$base_s" "$ours_s"
  echo "$floor_a" >> "$DIR/floor"; echo "$floor_b" >> "$DIR/floor"; echo "$pages" >> "$DIR/pages"
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
  echo "$BASELINE;"; echo "$OURS;"; echo "$FLOOR;"; echo "$PAGES_WARM;"; echo "\\timing on"
  for _ in $(seq "$ROUNDS"); do
    echo "$FLOOR;"; echo "$PAGES_WARM;"
    echo "\\timing off"; echo "$DRIFT;"; echo "\\timing on"; echo "$BASELINE;"; echo "$BASELINE;"
    echo "\\timing off"; echo "$DRIFT;"; echo "\\timing on"; echo "$OURS;"; echo "$OURS;"
  done
} > "$DIR/warm.sql"
sql -At -f "$DIR/warm.sql" | awk '/^Time:/ {print $2}' > "$DIR/warm_times"
# Lines come in sixes per round: floor, page floor, loop drifted, loop in sync, ours drifted,
# ours in sync.
for i in 1 2 3 4 5 0; do awk -v i=$i 'NR % 6 == i' "$DIR/warm_times" > "$DIR/warm_$i"; done

ratio() { echo "$1 $2" | awk '{printf "%.2fx", $1 / $2}'; }
row() { # row LABEL FLOOR PAGE-FLOOR LOOP OURS TARGET
  local f p l o
  f=$(median < "$2"); p=$(median < "$3"); l=$(median < "$4"); o=$(median < "$5")
  printf '| %s | %.1f | %.1f (%s) | %.1f (%s) | %.1f (%s) | %s | %s | %s |\n' "$1" "$f" "$p" "$(ratio "$p" "$f")" \
    "$l" "$(ratio "$l" "$f")" "$o" "$(ratio "$o" "$f")" "$(ratio "$o" "$p")" "$(ratio "$l" "$o")" "$6"
}
echo
echo "$TABLES tables, shared_buffers ${SHARED_BUFFERS:-default (128MB)}, medians of $ROUNDS rounds (ms; multiples of the floor):"
echo "| pass | floor | page floor | loop | resync_all_sequences | ours vs page floor | ours vs loop | target |"
echo "|---|---|---|---|---|---|---|---|"
row "drifted, fresh sessions" "$DIR/floor" "$DIR/pages" "$DIR/base_drifted" "$DIR/ours_drifted" "ours <= 1.6x floor"
row "in sync, fresh sessions" "$DIR/floor" "$DIR/pages" "$DIR/base_synced" "$DIR/ours_synced" "ours <= 1.3x floor"
row "drifted, one warm session" "$DIR/warm_1" "$DIR/warm_2" "$DIR/warm_3" "$DIR/warm_5" "ours >= 3x faster than loop"
row "in sync, one warm session" "$DIR/warm_1" "$DIR/warm_2" "$DIR/warm_4" "$DIR/warm_0" "ours >= 3x faster than loop"
# What the warm target leaves: a third of the loop, against the pages no resync can avoid.
printf 'warm session: a third of the loop is %.1f ms drifted and %.1f ms in sync; the page floor alone is %.1f ms\n' \
  "$(median < "$DIR/warm_3" | awk '{print $1 / 3}')" "$(median < "$DIR/warm_4" | awk '{print $1 / 3}')" \
  "$(median < "$DIR/warm_2")"

# Discovery alone: with every sequence CYCLE, a call finds every consumer as usual, then skips
# each sequence before reading any data (a wrapped-around CYCLE sequence cannot be bounded).
cycle() { # cycle "CYCLE" | "NO CYCLE": on every bench sequence
  sql -c "DO \$\$ DECLARE s regclass; BEGIN
    FOR s IN SELECT c.oid FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = 'bench'::regnamespace LOOP
      EXECUTE format('ALTER SEQUENCE %s $1', s);
    END LOOP; END \$\$"
}
cycle "CYCLE"
: > "$DIR/discovery_fresh"
for _ in $(seq "$ROUNDS"); do timed "$OURS" >> "$DIR/discovery_fresh"; done
{
  echo "SET client_min_messages = warning;"; echo "$OURS;"; echo "\\timing on"
  for _ in $(seq "$ROUNDS"); do echo "$OURS;"; done
} > "$DIR/discovery.sql"
sql -At -f "$DIR/discovery.sql" | awk '/^Time:/ {print $2}' > "$DIR/discovery_warm"
cycle "NO CYCLE"
printf 'discovery alone (every sequence CYCLE, so none is read), medians: fresh session %.1f ms, warm session %.1f ms\n' \
  "$(median < "$DIR/discovery_fresh")" "$(median < "$DIR/discovery_warm")"
done

((${#BATCHED[@]})) || exit 0
# Cost growth: the batched procedure over N sequences (tables of 100 sequence-backed columns,
# no index, 10 rows each), every setting at its default, in a fresh session per run, the median
# of three runs per size.
echo
echo "batched procedure, every setting at its default (server restarted without the comparison's settings):"
cluster_stop "$DIR"; start_server
echo "| sequences | batches | time | per sequence | floor per sequence | memory contexts after (caches) | peak resident |"
echo "|---|---|---|---|---|---|---|"
for n in "${BATCHED[@]}"; do
  big=big$n # a schema per size: dropping one this large would need more locks than the default
  sql -c "CREATE SCHEMA $big"
  tables=$(( (n + 99) / 100 )) per=$(( n < 100 ? n : 100 ))
  for first in $(seq 1 50 "$tables"); do
    sql -c "DO \$\$ DECLARE cols text; BEGIN FOR t IN $first..LEAST($first + 49, $tables) LOOP
      FOR c IN 1..$per LOOP EXECUTE format('CREATE SEQUENCE $big.s%s_%s', t, c); END LOOP;
      SELECT string_agg(format('c%s bigint DEFAULT nextval(%L)', c, format('$big.s%s_%s', t, c)), ', ')
        INTO cols FROM generate_series(1, $per) AS c;
      EXECUTE format('CREATE TABLE $big.t%s (%s)', t, cols);
      EXECUTE format('INSERT INTO $big.t%s SELECT %s FROM generate_series(1, 10) AS g', t,
                     (SELECT string_agg('g * 1000', ', ') FROM generate_series(1, $per)));
    END LOOP; END \$\$"
  done
  sql -c "CHECKPOINT"
  {
    echo "SET client_min_messages = warning;"
    echo "SELECT pg_backend_pid() AS pid \\gset"
    echo "\\timing on"
    echo "CALL resync_all_sequences_in_batches(schemas => '{$big}', batch_size => 500, summary => NULL);"
    echo "\\timing off"
    echo "SELECT 'memory: ' || pg_size_pretty(sum(total_bytes)) || ' (' || pg_size_pretty(sum(total_bytes) FILTER (WHERE name = 'CacheMemoryContext' OR parent = 'CacheMemoryContext')) || ')' FROM pg_backend_memory_contexts;"
    echo "\\setenv BACKEND_PID :pid"
    echo "\\! grep VmHWM /proc/\$BACKEND_PID/status"
  } > "$DIR/batched.sql"
  # Three runs, each in a fresh session after every sequence is set back to its start (in
  # transactions of 1,000: one lock per sequence); the median time, the last run's memory.
  : > "$DIR/batched_ms"
  for _ in 1 2 3; do
    sql -c "DO \$\$ DECLARE s regclass; i int := 0; BEGIN
      FOR s IN SELECT c.oid FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = '$big'::regnamespace LOOP
        PERFORM setval(s, 1, false); i := i + 1;
        IF i % 1000 = 0 THEN COMMIT; END IF;
      END LOOP; END \$\$"
    out=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -f "$DIR/batched.sql" 2>&1)
    awk '/^Time:/ {print $2}' <<<"$out" >> "$DIR/batched_ms"
  done
  # The floor at this size: a fresh session opening each of these tables and sequences once.
  floor_ms=$(timed "SELECT count(pg_catalog.pg_relation_size(c.oid)) FROM pg_catalog.pg_class AS c
                     WHERE c.relnamespace = '$big'::regnamespace AND c.relkind IN ('r', 'S')")
  summary=$(grep -o '"batches": [0-9]*' <<<"$out" | grep -o '[0-9]*$' || echo "?")
  ms=$(median < "$DIR/batched_ms")
  printf '| %s | %s | %.2f s | %.1f µs | %.1f µs | %s | %s |\n' "$n" "$summary" "$(echo "$ms" | awk '{print $1 / 1000}')" \
    "$(echo "$ms $n" | awk '{print $1 * 1000 / $2}')" "$(echo "$floor_ms $n" | awk '{print $1 * 1000 / $2}')" \
    "$(sed -n 's/^memory: //p' <<<"$out")" \
    "$(awk '/VmHWM/ {print $2 " " $3}' <<<"$out")"
done
