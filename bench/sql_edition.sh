#!/usr/bin/env bash
# Benchmark: the SQL edition's resync_all_sequences() against the native edition's, the
# in-server PL/pgSQL loop (the PostgreSQL wiki's "Fixing Sequences" query) and the bound queries
# alone (the floor of any resync in SQL), then the SQL edition's batched procedure per sequence
# as the number of sequences grows. Not run by CI.
# Usage: bench/sql_edition.sh [tables ...] [-- rounds [batched sizes ...]]
#   defaults: bench/sql_edition.sh 2000 10000 -- 3 1000 10000 100000 (0 for none of either)
# Each figure is the median of the rounds, in fresh sessions, with the contenders alternating;
# the SQL edition is installed in schema sqled beside the native extension, in the same database.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
SIZES=() ROUNDS=3 BATCHED=()
while (($#)) && [[ $1 != -- ]]; do SIZES+=("$1"); shift; done
if (($#)); then shift; ROUNDS=${1:-3}; shift || true; BATCHED=("$@"); fi
((${#SIZES[@]})) || SIZES=(2000 10000)
[[ ${SIZES[*]} == 0 ]] && SIZES=()
[[ -n ${BATCHED[*]:-} ]] || BATCHED=(1000 10000 100000)
[[ ${BATCHED[*]} == 0 ]] && BATCHED=()
DIR=/tmp/pg_seqsync-bench-sql
PORT=54351

install_extension --release
"$PROJECT_DIR/scripts/build-sql-edition" "$DIR-dist" >/dev/null
chmod -R a+rX "$DIR-dist"
# Dropping 100,000 tables in one statement takes a lock on each of them and their sequences.
CLUSTER_OPTS="-c max_locks_per_transaction=4096 -c max_wal_size=4GB" cluster_start "$DIR" "$PORT"
trap 'cluster_stop "$DIR"' EXIT
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
sql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
source "$(dirname "$0")/lib.sh"
sql -c "CREATE EXTENSION pg_seqsync" -c "CREATE SCHEMA sqled"
sql -v schema=sqled -f "$DIR-dist/pg_seqsync-$(sed -n 's/^version = "\(.*\)"/\1/p' "$PROJECT_DIR/Cargo.toml" | head -1)-plain.sql" >/dev/null
NATIVE="SELECT count(*) FROM resync_all_sequences(schemas => '{bench}')"
SQLED="SELECT count(*) FROM sqled.resync_all_sequences(schemas => '{bench}')"

build() { # build N: N tables of 100 rows, each with a serial primary key
  sql -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS bench CASCADE" -c "CREATE SCHEMA bench"
  for first in $(seq 1 500 "$1"); do
    sql -c "DO \$\$ BEGIN FOR i IN $first..LEAST($first + 499, $1) LOOP
      EXECUTE format('CREATE TABLE bench.t%s (id serial PRIMARY KEY, v int)', i);
      EXECUTE format('INSERT INTO bench.t%s (id, v) SELECT g, g FROM generate_series(1, 100) AS g', i);
    END LOOP; END \$\$"
  done
  sql -c "VACUUM ANALYZE" -c "CHECKPOINT"
}

# The floor of any SQL resync: the planned max() query per consumer column alone, no check,
# no sequence read, no move. The loop is one such query per table too (with setval in it).
BOUNDS="DO \$\$ DECLARE r record; v bigint; BEGIN
  FOR r IN SELECT d.refobjid::regclass AS tbl, a.attname
             FROM pg_depend d
             JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.deptype IN ('a', 'i') LOOP
    EXECUTE format('SELECT max(%I) FROM %s', r.attname, r.tbl) INTO v;
  END LOOP; END \$\$"

echo "| tables | pass | bounds alone | loop | native | SQL edition | SQL edition vs loop | SQL edition vs bounds alone | SQL edition vs native |"
echo "|---|---|---|---|---|---|---|---|---|"
for TABLES in "${SIZES[@]+"${SIZES[@]}"}"; do
  build "$TABLES"
  for f in loop_d native_d sqled_d loop_s native_s sqled_s floor; do : > "$DIR/$f"; done
  for _ in $(seq "$ROUNDS"); do
    timed "$BOUNDS" >> "$DIR/floor"
    sql -c "$DRIFT"; timed "$BASELINE" >> "$DIR/loop_d"; timed "$BASELINE" >> "$DIR/loop_s"
    sql -c "$DRIFT"; timed "$NATIVE" >> "$DIR/native_d"; timed "$NATIVE" >> "$DIR/native_s"
    sql -c "$DRIFT"; timed "$SQLED" >> "$DIR/sqled_d"; timed "$SQLED" >> "$DIR/sqled_s"
  done
  floor=$(median < "$DIR/floor")
  for pass in d s; do
    loop=$(median < "$DIR/loop_$pass") native=$(median < "$DIR/native_$pass") sqled=$(median < "$DIR/sqled_$pass")
    echo "$TABLES $([[ $pass == d ]] && echo drifted || echo in-sync) $floor $loop $native $sqled" |
      awk '{printf "| %s | %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2fx | %.2fx | %.2fx |\n",
                   $1, ($2 == "in-sync" ? "in sync" : $2), $3, $4, $5, $6, $6 / $4, $6 / $3, $6 / $5}'
  done
done

if ((${#BATCHED[@]})); then
  echo
  echo "| sequences | batched procedure (SQL edition) | per sequence |"
  echo "|---|---|---|"
  for n in "${BATCHED[@]}"; do
    build "$n"
    sql -c "$DRIFT"
    ms=$(timed "CALL sqled.resync_all_sequences_in_batches(schemas => '{bench}', summary => NULL)")
    echo "$n $ms" | awk '{printf "| %d | %.2f s | %.1f µs |\n", $1, $2 / 1000, $2 * 1000 / $1}'
  done
fi
