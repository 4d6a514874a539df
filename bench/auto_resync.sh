#!/usr/bin/env bash
# Benchmark: what automatic resync costs the writes it watches. Not run by CI.
#   1. COPY of 1,000,000 rows with explicit ids into a serial-PK table, trigger on vs off
#      (target: cost ratio <= 1.01);
#   2. single-row INSERT ... DEFAULT VALUES under pgbench, 2 clients, trigger on vs off
#      (target: cost ratio <= 1.05).
# On and off runs alternate in one go; the script prints each run, the medians and the ratios.
# Usage: bench/auto_resync.sh [rounds]   (default 5; needs ./scripts/setup to have run)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
ROUNDS=${1:-5}
DIR=/tmp/pg_seqsync-bench
PORT=54340
ROWS=1000000
PGBENCH_SECONDS=${PGBENCH_SECONDS:-10}

install_extension --release
# A durable cluster with default settings (fsync on): what production runs.
cluster_stop "$DIR"; rm -rf "$DIR"
install -d -o postgres -g postgres "$DIR"
as_postgres "$PG_BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
env -u RUST_BACKTRACE runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start \
  -o "-p $PORT -k $DIR -c listen_addresses='' -c max_wal_size=4GB -c checkpoint_timeout=30min" >/dev/null
trap 'cluster_stop "$DIR"' EXIT
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
sql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

sql <<SQL
CREATE EXTENSION pg_seqsync;
CREATE TABLE copy_on (id serial PRIMARY KEY, payload text);
CREATE TABLE copy_off (id serial PRIMARY KEY, payload text);
CREATE TABLE insert_on (id bigserial PRIMARY KEY, at timestamptz DEFAULT now());
CREATE TABLE insert_off (id bigserial PRIMARY KEY, at timestamptz DEFAULT now());
SELECT enable_auto_resync('copy_on'), enable_auto_resync('insert_on');
COPY (SELECT g, 'row ' || g FROM generate_series(1, $ROWS) AS g) TO '$DIR/rows.tsv';
SQL

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

copy_ms() { # table -> milliseconds for one COPY of all rows into a fresh table
  sql -c "TRUNCATE $1; SELECT setval(pg_get_serial_sequence('$1', 'id'), 1, false)" >/dev/null
  sql -c "CHECKPOINT" >/dev/null
  sql -At -c "\\timing on" -c "COPY $1 FROM '$DIR/rows.tsv'" | awk '/^Time:/ {print $2}'
}
insert_tps() { # table -> transactions per second
  echo "INSERT INTO $1 DEFAULT VALUES;" > "$DIR/insert_$1.sql"
  "$PG_BIN/pgbench" -n -c 2 -j 2 -T "$PGBENCH_SECONDS" -f "$DIR/insert_$1.sql" 2>/dev/null \
    | awk '/^tps/ {print $3}'
}

echo "COPY of $ROWS rows with explicit ids (ms), $ROUNDS alternating rounds:"
: > "$DIR/copy_on"; : > "$DIR/copy_off"
for round in $(seq "$ROUNDS"); do
  off=$(copy_ms copy_off); on=$(copy_ms copy_on)
  echo "$off" >> "$DIR/copy_off"; echo "$on" >> "$DIR/copy_on"
  printf '  round %d: off %8.1f  on %8.1f\n' "$round" "$off" "$on"
done
sql -At -c "SELECT 'sequence after COPY with auto-resync: next value ' || nextval('copy_on_id_seq')"

echo "pgbench INSERT ... DEFAULT VALUES, 2 clients, ${PGBENCH_SECONDS}s per run (tps):"
: > "$DIR/insert_on"; : > "$DIR/insert_off"
for round in $(seq "$ROUNDS"); do
  off=$(insert_tps insert_off); on=$(insert_tps insert_on)
  echo "$off" >> "$DIR/insert_off"; echo "$on" >> "$DIR/insert_on"
  printf '  round %d: off %8.1f  on %8.1f\n' "$round" "$off" "$on"
done

# The pgbench figures above carry the disk's noise (fsync on). The CPU cost per statement is
# steadier: 50,000 single-row INSERT statements in one server-side loop, median of the rounds.
statement_us() { # table -> microseconds per INSERT statement
  sql -At -c "\\timing on" \
    -c "DO \$\$ BEGIN FOR i IN 1..50000 LOOP INSERT INTO $1 DEFAULT VALUES; END LOOP; END \$\$" \
    | awk '/^Time:/ {print $2 * 1000 / 50000}'
}
echo "server-side loop of 50,000 INSERT statements (microseconds per statement):"
: > "$DIR/stmt_on"; : > "$DIR/stmt_off"
for round in $(seq "$ROUNDS"); do
  off=$(statement_us insert_off); on=$(statement_us insert_on)
  echo "$off" >> "$DIR/stmt_off"; echo "$on" >> "$DIR/stmt_on"
  printf '  round %d: off %6.2f  on %6.2f\n' "$round" "$off" "$on"
done

copy_off=$(median < "$DIR/copy_off"); copy_on=$(median < "$DIR/copy_on")
tps_off=$(median < "$DIR/insert_off"); tps_on=$(median < "$DIR/insert_on")
echo
printf 'COPY 1M rows:      median off %.1f ms, on %.1f ms, cost ratio %.3f (target <= 1.01)\n' \
  "$copy_off" "$copy_on" "$(echo "$copy_on $copy_off" | awk '{print $1 / $2}')"
printf 'single-row INSERT: median off %.1f tps, on %.1f tps, cost ratio %.3f (target <= 1.05)\n' \
  "$tps_off" "$tps_on" "$(echo "$tps_off $tps_on" | awk '{print $1 / $2}')"
printf 'per INSERT statement, CPU only: median off %.2f us, on %.2f us, +%.2f us\n' \
  "$(median < "$DIR/stmt_off")" "$(median < "$DIR/stmt_on")" \
  "$(echo "$(median < "$DIR/stmt_on") $(median < "$DIR/stmt_off")" | awk '{print $1 - $2}')"
