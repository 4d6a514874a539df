#!/usr/bin/env bash
# Benchmark: the SQL edition's resync_all_sequences() against the native edition's and the
# in-server PL/pgSQL loop (the PostgreSQL wiki's "Fixing Sequences" query), then the SQL
# edition's batched procedure per sequence as the number of sequences grows. Not run by CI.
# Usage: bench/sql_edition.sh [tables ...] [-- rounds [batched sizes ...]]
#   defaults: bench/sql_edition.sh 2000 10000 -- 3 1000 10000 100000
# Each figure is the median of the rounds, in fresh sessions, with the contenders alternating;
# the SQL edition is installed in schema sqled beside the native extension, in the same database.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
SIZES=() ROUNDS=3 BATCHED=()
while (($#)) && [[ $1 != -- ]]; do SIZES+=("$1"); shift; done
if (($#)); then shift; ROUNDS=${1:-3}; shift || true; BATCHED=("$@"); fi
((${#SIZES[@]})) || SIZES=(2000 10000)
[[ -n ${BATCHED[*]:-} ]] || BATCHED=(1000 10000 100000)
[[ ${BATCHED[*]} == 0 ]] && BATCHED=()
DIR=/tmp/pg_seqsync-bench-sql
PORT=54351

install_extension --release
"$PROJECT_DIR/scripts/build-sql-edition" "$DIR-dist" >/dev/null
chmod -R a+rX "$DIR-dist"
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

echo "| tables | pass | loop | native | SQL edition | SQL edition vs loop | SQL edition vs native |"
echo "|---|---|---|---|---|---|---|"
for TABLES in "${SIZES[@]}"; do
  build "$TABLES"
  : > "$DIR/loop_d"; : > "$DIR/native_d"; : > "$DIR/sqled_d"; : > "$DIR/loop_s"; : > "$DIR/native_s"; : > "$DIR/sqled_s"
  for _ in $(seq "$ROUNDS"); do
    sql -c "$DRIFT"; timed "$BASELINE" >> "$DIR/loop_d"; timed "$BASELINE" >> "$DIR/loop_s"
    sql -c "$DRIFT"; timed "$NATIVE" >> "$DIR/native_d"; timed "$NATIVE" >> "$DIR/native_s"
    sql -c "$DRIFT"; timed "$SQLED" >> "$DIR/sqled_d"; timed "$SQLED" >> "$DIR/sqled_s"
  done
  for pass in d s; do
    loop=$(median < "$DIR/loop_$pass") native=$(median < "$DIR/native_$pass") sqled=$(median < "$DIR/sqled_$pass")
    echo "$TABLES $([[ $pass == d ]] && echo drifted || echo 'in sync') $loop $native $sqled" |
      awk '{n=$1; p=$2; if (p == "in") {p="in sync"; $3=$4; $4=$5; $5=$6}
            printf "| %s | %s | %.1f ms | %.1f ms | %.1f ms | %.2fx | %.2fx |\n", n, p, $3, $4, $5, $5 / $3, $5 / $4}'
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
