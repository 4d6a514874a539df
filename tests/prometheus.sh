#!/usr/bin/env bash
# Monitoring, README "Monitoring" and contrib/prometheus:
#   1. (every major) who can monitor without superuser: a role with pg_monitor and
#      pg_read_all_data (14 and later; on 13, SELECT granted on the tables and sequences) sees
#      every sequence checked by the native edition; with pg_monitor alone, every row says
#      "permission denied" and is counted unchecked by the query file. The SQL edition reads a
#      table only under a lock that needs more: pg_maintain too (17 and later) checks every
#      sequence; below 17 each row names the privilege it lacks;
#   2. (15: Debian's packages) promtool checks the alerting rules and its rule tests say each
#      alert fires when it should, and only then;
#   3. (15) the real postgres_exporter on 127.0.0.1, with the query file, as the role of 1,
#      exports a drifted sequence as behind, a nearly exhausted one with its fraction used and
#      the column that limits it, a narrower one; after a resync, none is behind.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/prometheus
DIR=$BASE/cluster
PORT=54377
WEB_PORT=59187
QUERIES=$PROJECT_DIR/contrib/prometheus/queries.yaml
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect WHAT ACTUAL EXPECTED
  [[ $2 == "$3" ]] || fail "$1: expected [$3], got [$2]"
  echo "ok - $1"
}

install -d -o postgres -g postgres -m 0755 "$BASE"
rm -rf "$BASE/dist"
"$PROJECT_DIR/scripts/build-sql-edition" "$BASE/dist" >/dev/null
chmod -R a+rX "$BASE/dist"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$PROJECT_DIR/Cargo.toml" | head -1)
cluster_start "$DIR" "$PORT"
exporter_pid=
trap '[[ -n $exporter_pid ]] && kill "$exporter_pid" 2>/dev/null; cluster_stop "$DIR"' EXIT
q() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d app "$@"; }
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE app"
q -U postgres >/dev/null <<'SQL'
CREATE EXTENSION pg_seqsync;
CREATE SCHEMA tools;
CREATE ROLE exporter LOGIN;
CREATE ROLE watcher LOGIN;
GRANT pg_monitor TO exporter, watcher;
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id serial PRIMARY KEY, item text);
INSERT INTO sales.orders (id, item) SELECT g, 'item ' || g FROM generate_series(1, 50) AS g;
CREATE TABLE sales.tickets (id bigserial PRIMARY KEY, subject text);
ALTER TABLE sales.tickets ALTER COLUMN id TYPE integer;
INSERT INTO sales.tickets (id, subject) VALUES (10, 'loaded');
SELECT setval('sales.tickets_id_seq', 2000000000);
CREATE SEQUENCE sales.legacy_seq AS integer;
CREATE TABLE sales.legacy (id bigint PRIMARY KEY DEFAULT nextval('sales.legacy_seq'));
SQL
q -U postgres -v schema=tools -f "$BASE/dist/pg_seqsync-$version-plain.sql" >/dev/null
# (pg_read_all_data brings USAGE on every schema; on 13 the SQL edition's schema is granted.)
q -U postgres -c "GRANT USAGE ON SCHEMA tools TO exporter"
if ((PG_MAJOR >= 14)); then
  q -U postgres -c "GRANT pg_read_all_data TO exporter"
else
  q -U postgres -c "GRANT USAGE ON SCHEMA sales TO exporter" -c "GRANT SELECT ON ALL TABLES IN SCHEMA sales TO exporter" \
    -c "GRANT SELECT ON ALL SEQUENCES IN SCHEMA sales TO exporter"
fi
((PG_MAJOR >= 17)) && q -U postgres -c "GRANT pg_maintain TO exporter"
# The query file's query, as the exporter runs it, against either edition.
query=$(sed -n '/^  query: |$/,/^  metrics:$/p' "$QUERIES" | sed '1d;$d')
checked() { # checked ROLE EDITION_SCHEMA: per sequence, behind/unchecked as the query file computes them
  q -U "$1" -c "SET search_path = $2" -c "SELECT string_agg(sequence || ':' || behind || '/' || unchecked, ' ' ORDER BY sequence) FROM ($query) AS m"
}
expect "native edition, pg_monitor and the right to read: every sequence checked" \
  "$(checked exporter public)" "legacy_seq:0/0 orders_id_seq:1/0 tickets_id_seq:0/0"
expect "native edition, pg_monitor alone: every row unchecked" \
  "$(checked watcher public)" "legacy_seq:0/1 orders_id_seq:0/1 tickets_id_seq:0/1"
expect "and its detail says why" \
  "$(q -U watcher -c "SELECT detail FROM sequence_health() WHERE sequence::text = 'sales.orders_id_seq'")" \
  "permission denied for sequence sales.orders_id_seq"
if ((PG_MAJOR >= 17)); then
  expect "SQL edition, with pg_maintain too: every sequence checked" \
    "$(checked exporter tools)" "legacy_seq:0/0 orders_id_seq:1/0 tickets_id_seq:0/0"
else
  expect "SQL edition below 17, the right to read only: every sequence unchecked (a narrower one too)" \
    "$(checked exporter tools)" "legacy_seq:0/1 orders_id_seq:0/1 tickets_id_seq:0/1"
  expect "and its detail names the privilege" \
    "$(q -U exporter -c "SELECT detail FROM tools.sequence_health() WHERE sequence::text = 'sales.orders_id_seq'")" \
    "reading sales.orders needs UPDATE, DELETE or TRUNCATE on it in the SQL edition"
fi

if [[ $PG_MAJOR != 15 ]]; then
  echo "ok - # skip postgres_exporter and promtool: tested with Debian's packages, on its major (15)"
  exit 0
fi
EXPORTER=/usr/bin/prometheus-postgres-exporter
PROMTOOL=/usr/bin/promtool
[[ -x $EXPORTER && -x $PROMTOOL ]] || fail "postgres_exporter or promtool missing (scripts/setup installs them)"

# 2. The rules.
"$PROMTOOL" check rules "$PROJECT_DIR/contrib/prometheus/alerts.yaml" >/dev/null || fail "promtool check rules"
echo "ok - promtool check rules"
(cd "$PROJECT_DIR/contrib/prometheus" && "$PROMTOOL" test rules alerts_test.yaml >"$BASE/promtool.log" 2>&1) || {
  cat "$BASE/promtool.log"
  fail "promtool test rules"
}
echo "ok - promtool test rules: each alert fires on its series, and only there"

# 3. The exporter, as the role of 1 (its default metrics left on, as a user runs it).
DATA_SOURCE_NAME="host=$DIR port=$PORT user=exporter dbname=app sslmode=disable" \
  runuser -u postgres -- "$EXPORTER" --web.listen-address="127.0.0.1:$WEB_PORT" \
  --extend.query-path="$QUERIES" >"$BASE/exporter.log" 2>&1 &
exporter_pid=$!
scrape() {
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$WEB_PORT/metrics" >"$BASE/metrics" 2>/dev/null && grep -q '^pg_seqsync_behind{' "$BASE/metrics" && return 0
    sleep 0.1
  done
  cat "$BASE/exporter.log"
  fail "the exporter served no pg_seqsync series"
}
series() { # series NAME SEQUENCE: that series' labels (but server) and value
  grep "^pg_seqsync_$1{" "$BASE/metrics" | grep "sequence=\"$2\"" | sed 's/,server="[^"]*"//'
}
scrape
for m in behind behind_by values_left fraction_used narrower_than_consumer unchecked; do
  grep -q "^# HELP pg_seqsync_$m .\{20,\}" "$BASE/metrics" || fail "no help text for pg_seqsync_$m"
done
echo "ok - the exporter serves every pg_seqsync series with its help text"
expect "a drifted sequence is behind" "$(series behind orders_id_seq)" \
  'pg_seqsync_behind{datname="app",limited_by="sequence",schema="sales",sequence="orders_id_seq"} 1'
expect "by how much" "$(series behind_by orders_id_seq)" \
  'pg_seqsync_behind_by{datname="app",limited_by="sequence",schema="sales",sequence="orders_id_seq"} 50'
expect "a bigint sequence feeding an integer column: limited by the column, 93% used" \
  "$(series fraction_used tickets_id_seq | sed 's/\(0\.93\)[0-9]*$/\1/')" \
  'pg_seqsync_fraction_used{datname="app",limited_by="sales.tickets.id (integer)",schema="sales",sequence="tickets_id_seq"} 0.93'
expect "and the values left before that column's limit" "$(series values_left tickets_id_seq)" \
  'pg_seqsync_values_left{datname="app",limited_by="sales.tickets.id (integer)",schema="sales",sequence="tickets_id_seq"} 1.47483647e+08'
expect "an AS integer sequence feeding a bigint column is narrower" "$(series narrower_than_consumer legacy_seq)" \
  'pg_seqsync_narrower_than_consumer{datname="app",limited_by="sequence",schema="sales",sequence="legacy_seq"} 1'
expect "and checked (its table is empty)" "$(series unchecked legacy_seq)" \
  'pg_seqsync_unchecked{datname="app",limited_by="sequence",schema="sales",sequence="legacy_seq"} 0'
q -U postgres -c "SELECT count(*) FROM resync_all_sequences(schemas => '{sales}')" >/dev/null
scrape
expect "after a resync, no sequence is behind" "$(grep -c '^pg_seqsync_behind{.* 1$' "$BASE/metrics" || true)" "0"
echo "prometheus: all checks passed"
