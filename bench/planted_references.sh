#!/usr/bin/env bash
# Benchmark: what references another role plants to a victim's sequence cost the victim's
# writes with automatic resync. Not run by CI.
#   baseline  the victim's single-row INSERT (pgbench, 1 client), nothing planted;
#   busy      the same while the squatter keeps changing a table of its own that refers to
#             nothing (ALTER TABLE ... SET (fillfactor)): the cost of a second busy session
#             on the machine, the baseline of the two phases below;
#   planted   the victim's INSERT after the squatter planted 16,000 references (10 tables of
#             1,600 columns defaulting to the victim's sequence by OID);
#   churn     the same while the squatter keeps changing its planted tables;
#   views     the same while the squatter keeps replacing a view of its own whose default
#             names the victim's sequence (its owner may not draw from it: no consumer).
# Prints the median latency of each phase over the rounds and its ratio to its baseline
# (planted to baseline; churn and views to busy), and the length of the victim's report
# detail. Target: every ratio within 1.10.
# Usage: bench/planted_references.sh [rounds]   (default 3; needs ./scripts/setup to have run)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
ROUNDS=${1:-3}
SECONDS_EACH=${SECONDS_EACH:-5}
DIR=/tmp/pg_seqsync-bench-planted
PORT=54341

[[ ${SKIP_INSTALL:-} ]] || install_extension --release
cluster_stop "$DIR"; rm -rf "$DIR"
install -d -o postgres -g postgres "$DIR"
as_postgres "$PG_BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
env -u RUST_BACKTRACE runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start \
  -o "-p $PORT -k $DIR -c listen_addresses=''" >/dev/null
trap 'cluster_stop "$DIR"' EXIT
export PGHOST=$DIR PGPORT=$PORT PGDATABASE=postgres
sql() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -U postgres "$@"; }

sql <<'SQL'
CREATE EXTENSION pg_seqsync;
CREATE ROLE victim LOGIN;
CREATE ROLE squatter LOGIN;
CREATE SCHEMA victim AUTHORIZATION victim;
CREATE SCHEMA squatter AUTHORIZATION squatter;
SET ROLE victim;
CREATE TABLE victim.orders (id bigserial PRIMARY KEY, v int);
SELECT enable_auto_resync('victim.orders');
SQL
victim_seq=$(sql -c "SELECT 'victim.orders_id_seq'::regclass::oid")

echo 'INSERT INTO victim.orders (v) VALUES (1);' >"$DIR/insert.sql"
echo 'ALTER TABLE squatter.w0 SET (fillfactor = 60); ALTER TABLE squatter.w0 RESET (fillfactor);' >"$DIR/busy.sql"
echo 'ALTER TABLE squatter.w1 SET (fillfactor = 60); ALTER TABLE squatter.w1 RESET (fillfactor);' >"$DIR/churn.sql"
cat >"$DIR/views.sql" <<VIEWS
CREATE OR REPLACE VIEW squatter.v AS SELECT c1 FROM squatter.w1;
ALTER VIEW squatter.v ALTER COLUMN c1 SET DEFAULT nextval('$victim_seq'::regclass);
VIEWS
sql -c "CREATE TABLE squatter.w0 (c bigint); ALTER TABLE squatter.w0 OWNER TO squatter"
chmod 644 "$DIR"/*.sql

# Average latency in ms of the victim's INSERT over one run.
insert_ms() {
  "$PG_BIN/pgbench" -n -U victim -c 1 -T "$SECONDS_EACH" -f "$DIR/insert.sql" postgres 2>/dev/null |
    sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p'
}
# Same, while the squatter runs SCRIPT in a loop.
insert_ms_while() {
  "$PG_BIN/pgbench" -n -U squatter -c 1 -T $((SECONDS_EACH + 2)) -f "$DIR/$1" postgres >/dev/null 2>&1 &
  local squatter=$!
  sleep 0.5
  insert_ms
  wait "$squatter" || true
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

baseline=() busy=() planted=() churn=() views=()
for _ in $(seq "$ROUNDS"); do
  baseline+=("$(insert_ms)")
  busy+=("$(insert_ms_while busy.sql)")
done

for t in $(seq 10); do
  sql -c "SET ROLE squatter" -c "SELECT pg_catalog.format('CREATE TABLE squatter.w$t (%s)',
            pg_catalog.string_agg(pg_catalog.format('c%s bigint DEFAULT nextval(%L::regclass)', g, '$victim_seq'),
                                  ', ' ORDER BY g))
          FROM pg_catalog.generate_series(1, 1600) AS g" | sql -c "SET ROLE squatter" -f - >/dev/null
done
sql -c "SET ROLE squatter" -c "CREATE VIEW squatter.v AS SELECT c1 FROM squatter.w1"
references=$(sql -c "SELECT count(*) FROM pg_catalog.pg_depend WHERE refobjid = $victim_seq AND classid = 'pg_attrdef'::regclass")

for _ in $(seq "$ROUNDS"); do
  planted+=("$(insert_ms)")
  churn+=("$(insert_ms_while churn.sql)")
  views+=("$(insert_ms_while views.sql)")
done
detail=$(sql -c "SELECT pg_catalog.length(detail) FROM resync_sequence('victim.orders', dry_run => true)")

echo "planted references to the victim's sequence: $references; report detail: $detail characters"
printf '%-9s %-40s %10s %8s %s\n' phase "runs (ms per INSERT)" median ratio "(to)"
for phase in baseline busy planted churn views; do
  declare -n runs=$phase
  case $phase in churn | views) against=busy ;; *) against=baseline ;; esac
  declare -n base_runs=$against
  m=$(printf '%s\n' "${runs[@]}" | median)
  b=$(printf '%s\n' "${base_runs[@]}" | median)
  printf '%-9s %-40s %10s %8s %s\n' "$phase" "${runs[*]}" "$m" "$(awk -v m="$m" -v b="$b" 'BEGIN {printf "%.2f", m / b}')" "($against)"
done
