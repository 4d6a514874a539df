#!/usr/bin/env bash
# Errors that PostgreSQL raises in a utility statement pass through the preloaded library
# unchanged. The same failing COPY (a unique violation: CONTEXT with the line, the schema,
# table and constraint names), DDL (with a cursor position), CALL (every field RAISE can set),
# DO, and a COPY inside PL/pgSQL caught with GET STACKED DIAGNOSTICS, give exactly the same
# psql output, at VERBOSITY verbose with CONTEXT always, on a cluster without pg_seqsync and on
# one with it in shared_preload_libraries, with pg_seqsync.resync_after_copy off and on, and
# with RUST_BACKTRACE set in the server's environment.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/errors
PLAIN=$BASE/plain
PRELOADED=$BASE/preloaded
install -d -o postgres -g postgres -m 0755 "$(dirname "$BASE")" "$BASE"
fail() { echo "FAIL: $*"; exit 1; }

cluster_start "$PLAIN" 54366
# As cluster_start, but with the library preloaded and RUST_BACKTRACE in the server's
# environment (with it, a re-raised error would carry a Rust backtrace in its DETAIL).
cluster_stop "$PRELOADED"
rm -rf "$PRELOADED"
install -d -o postgres -g postgres -m 0755 "$PRELOADED"
as_postgres "$PG_BIN/initdb" -D "$PRELOADED/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
env RUST_BACKTRACE=1 runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PRELOADED/data" \
  -l "$PRELOADED/server.log" -w start \
  -o "-p 54367 -k $PRELOADED -c listen_addresses='' -c fsync=off -c shared_preload_libraries=pg_seqsync" >/dev/null
trap 'cluster_stop "$PLAIN"; cluster_stop "$PRELOADED"' EXIT

failing_statements() {
  cat <<'SQL'
\set VERBOSITY verbose
\set SHOW_CONTEXT always
CREATE TABLE u (id int CONSTRAINT u_key PRIMARY KEY, v text);
INSERT INTO u VALUES (1, 'a');
COPY u FROM stdin;
2	b
1	c
\.
CREATE TABLE u (id int);
CREATE TABLE w (id no_such_type);
CREATE PROCEDURE fails() LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'boom', DETAIL = 'the detail', HINT = 'the hint',
    ERRCODE = 'P0001', COLUMN = 'c', CONSTRAINT = 'k', DATATYPE = 'int', TABLE = 't', SCHEMA = 's';
END $$;
CALL fails();
DO $$ BEGIN PERFORM 1 / 0; END $$;
DO $$
DECLARE c text; t text; s text;
BEGIN
  EXECUTE $c$COPY u FROM PROGRAM 'printf "1\tz\n"'$c$;
EXCEPTION WHEN unique_violation THEN
  GET STACKED DIAGNOSTICS c = CONSTRAINT_NAME, t = TABLE_NAME, s = SCHEMA_NAME;
  RAISE NOTICE 'caught: constraint %, table %, schema %', c, t, s;
END $$;
SQL
}

# run SOCKET_DIR PORT DATABASE [PGOPTIONS]: the statements' whole psql output.
run() {
  "$PG_BIN/psql" -X -h "$1" -p "$2" -U postgres -d postgres -qc "CREATE DATABASE $3" >/dev/null
  failing_statements | PGOPTIONS=${4:-} "$PG_BIN/psql" -X -q -h "$1" -p "$2" -U postgres -d "$3" 2>&1
}
plain=$(run "$PLAIN" 54366 errors)
for expected in 'CONTEXT:  COPY u, line 2' 'SCHEMA NAME:  public' 'TABLE NAME:  u' \
                'CONSTRAINT NAME:  u_key' 'LINE 1: CREATE TABLE w (id no_such_type);' \
                'DETAIL:  the detail' 'caught: constraint u_key, table u, schema public'; do
  [[ $plain == *"$expected"* ]] || fail "the plain cluster's output lacks [$expected]:
$plain"
done
echo "ok - the plain cluster reports every field"

for setting in off on; do
  preloaded=$(run "$PRELOADED" 54367 "errors_$setting" "-c pg_seqsync.resync_after_copy=$setting")
  if [[ $preloaded != "$plain" ]]; then
    diff <(echo "$plain") <(echo "$preloaded") || true
    fail "preloaded, resync_after_copy $setting: the errors differ from PostgreSQL's own"
  fi
  echo "ok - preloaded, resync_after_copy $setting: the same errors, field for field"
done
echo "error_passthrough: all checks passed"
