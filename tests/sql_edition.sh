#!/usr/bin/env bash
# The SQL edition (editions/sql), on a cluster of this major, installed as a managed service
# lets you: by a role that owns its database and is not superuser.
#   1. scripts/build-sql-edition builds its files;
#   2. the plain script, run with psql into schema tools; run again, it changes nothing; run over
#      the previous release, it leaves the routines of a fresh install;
#   3. pg_test/sql_edition (pg_regress, as that role): the behaviour, with the native edition's
#      functions, report columns and action words; and an unprivileged role's attacks
#      (look-alikes in the edition's schema, squatters on the victim's sequence, a trap in an
#      index predicate): none of its code runs, none of its objects moves the victim's sequence;
#      who may move a sequence; database-wide mode (a superuser places its event trigger);
#      the native edition's behaviour and attack tests, unchanged, against it: with the native
#      expected output, or this edition's own where it differs by design (README's table);
#      concurrent sessions (writers in progress, locks held, tests/concurrency.sh under load);
#   4. the plain uninstall script leaves nothing of it, and the tables as they were;
#   5. where extension_control_path exists (18), the trusted control file: CREATE EXTENSION by
#      that role from the edition's own directory, a resync, DROP EXTENSION; the previous release
#      created and updated from there.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/sql_edition
DIR=$BASE/cluster
PORT=${PG_SEQSYNC_SQL_EDITION_PORT:-54374}
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect WHAT ACTUAL EXPECTED
  [[ $2 == "$3" ]] || fail "$1: expected [$3], got [$2]"
  echo "ok - $1"
}

# 1.
install -d -o postgres -g postgres -m 0755 "$BASE"
rm -rf "$BASE/dist"
"$PROJECT_DIR/scripts/build-sql-edition" "$BASE/dist" >/dev/null
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$PROJECT_DIR/Cargo.toml" | head -1)
plain=$BASE/dist/pg_seqsync-$version-plain.sql
# The previous release of the edition, frozen as released, built the same way.
previous=$(cd "$PROJECT_DIR/editions/sql/releases" && ls pg_seqsync--*.sql | sed 's/^pg_seqsync--//; s/\.sql$//' | sort -V | tail -1)
rm -rf "$BASE/previous"
PG_SEQSYNC_EDITION_SOURCE=$PROJECT_DIR/editions/sql/releases/pg_seqsync--$previous.sql PG_SEQSYNC_EDITION_VERSION=$previous \
  "$PROJECT_DIR/scripts/build-sql-edition" "$BASE/previous" >/dev/null
chmod -R a+rX "$BASE/dist" "$BASE/previous"

options=""
((PG_MAJOR >= 18)) && options="-c extension_control_path='$BASE/dist/pg_seqsync-$version-sql-edition:\$system'"
CLUSTER_OPTS="$options" cluster_start "$DIR" "$PORT"
trap 'cluster_stop "$DIR"' EXIT
q() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" "$@"; }
until_one() { # until_one WHAT QUERY: wait (10 s at most) until QUERY, as postgres, counts 1
  for _ in $(seq 200); do
    [[ $(q -U postgres -d edition -c "$2") == 1 ]] && return 0
    sleep 0.05
  done
  fail "$1 did not happen"
}

q -U postgres -d postgres >/dev/null <<'SQL'
CREATE ROLE regress_app LOGIN;
CREATE ROLE regress_evil LOGIN;
CREATE ROLE regress_loader LOGIN;
CREATE ROLE regress_planter;
CREATE DATABASE edition OWNER regress_app;
SQL
# Another role's function, for the test's index predicate: the edition must never run it.
q -U postgres -d edition >/dev/null <<'SQL'
CREATE FUNCTION public.planted(int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'planted code ran as %', current_user; RETURN true; END $$;
ALTER FUNCTION public.planted(int) OWNER TO regress_planter;
CREATE SCHEMA evil AUTHORIZATION regress_evil;
SQL
q -U regress_app -d edition -c "CREATE SCHEMA tools" >/dev/null

# 2.
fingerprint() {
  q -U regress_app -d edition -c "SELECT count(*) || ' ' || md5(string_agg(pg_get_functiondef(oid), '' ORDER BY oid))
                                     FROM pg_proc WHERE pronamespace = 'tools'::regnamespace"
}
q -U regress_app -d edition -v schema=tools -f "$plain" >/dev/null
first=$(fingerprint)
[[ ${first%% *} -gt 20 ]] || fail "the plain script installed ${first%% *} routines"
echo "ok - the plain script installs ${first%% *} routines into schema tools, as a role that is not superuser"
q -U regress_app -d edition -v schema=tools -f "$plain" >/dev/null
expect "the plain script run again changes nothing" "$(fingerprint)" "$first"
# Over the previous release, in use (automatic resync on a table): the same routines as a fresh
# install, and the table's trigger still works.
routines() { # routines DATABASE: every routine in schema tools, by signature, with its definition's digest
  q -U regress_app -d "$1" -c "SELECT string_agg(p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid)), E'\\n'
                                                 ORDER BY p.oid::regprocedure::text)
                                 FROM pg_proc AS p WHERE p.pronamespace = 'tools'::regnamespace"
}
q -U postgres -d postgres -c "CREATE DATABASE upgraded OWNER regress_app" >/dev/null
q -U regress_app -d upgraded -c "CREATE SCHEMA tools" >/dev/null
q -U regress_app -d upgraded -v schema=tools -f "$BASE/previous/pg_seqsync-$previous-plain.sql" >/dev/null
q -U regress_app -d upgraded -c "CREATE TABLE kept (id serial PRIMARY KEY)" -c "SELECT tools.enable_auto_resync('kept')" >/dev/null
expect "the previous release, installed" "$(q -U regress_app -d upgraded -c "SELECT tools.pg_seqsync_edition()")" "sql $previous"
q -U regress_app -d upgraded -v schema=tools -f "$plain" >/dev/null
diff <(routines upgraded) <(routines edition) || fail "the plain script over $previous left other routines than a fresh install"
echo "ok - the plain script over $previous leaves the routines of a fresh install, $(routines edition | wc -l) of them"
q -U regress_app -d upgraded -c "INSERT INTO kept VALUES (30)" >/dev/null
expect "automatic resync switched on under $previous still works" \
  "$(q -U regress_app -d upgraded -c "SELECT tools.pg_seqsync_edition()" -c "INSERT INTO kept DEFAULT VALUES RETURNING id" | tr '\n' ' ')" \
  "sql $version 31 "
out=$(q -U regress_app -d edition -v schema=nowhere -f "$plain" 2>&1 || true)
[[ $out == *'schema "nowhere" does not exist'* ]] || fail "a missing schema: $out"
echo "ok - a schema that does not exist is refused, naming it"

# 3.
rm -rf "$BASE/regress"
"$PG_REGRESS" --host="$DIR" --port="$PORT" --user=regress_app --bindir="$PG_BIN" \
  --use-existing --dbname=edition --inputdir="$PROJECT_DIR/pg_test/sql_edition" \
  --outputdir="$BASE/regress" sql_edition sql_edition_attacks sql_edition_roles sql_edition_database || {
  cat "$BASE/regress/regression.diffs" 2>/dev/null
  fail "pg_test/sql_edition"
}

# Concurrent sessions. Rows a writer has not committed are invisible to a query: the edition
# waits for the writer (at most pg_seqsync.lock_timeout), then counts its rows or skips.
q -U regress_app -d edition -c "CREATE TABLE public.busy (id serial PRIMARY KEY)" >/dev/null
q -U regress_app -d edition -c "BEGIN" -c "INSERT INTO public.busy VALUES (500)" -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null &
writer=$!
until_one "the writer's start" "SELECT count(*) FROM pg_locks WHERE relation = 'public.busy'::regclass AND mode = 'RowExclusiveLock'"
expect "a writer still running past the limit: skip, naming the table" \
  "$(q -U regress_app -d edition -c "SET pg_seqsync.lock_timeout = '200ms'" -c "SELECT action || ': ' || detail FROM tools.resync_sequence('public.busy')" 2>/dev/null)" \
  "skip: lock not available: public.busy is in use by another transaction (waited 200 ms, pg_seqsync.lock_timeout)"
expect "with a longer limit, the writer is waited for and its row counts" \
  "$(q -U regress_app -d edition -c "SET pg_seqsync.lock_timeout = '20s'" -c "SELECT action || ' ' || new_next FROM tools.resync_sequence('public.busy')" 2>/dev/null)" \
  "advance 501"
wait "$writer"
# The sequence's lock is held for the move alone (taken in a block rolled back after the
# setval): nextval() in another session goes on while the resync's transaction is still open,
# past the margin, as with the native edition.
q -U regress_app -d edition -c "BEGIN" -c "SELECT count(*) FROM tools.resync_sequence('public.busy', allow_backward => true, margin => 10)" \
  -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 &
resync=$!
until_one "the resync" "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(3)'"
expect "nextval() goes on during the resync's transaction, past the margin" \
  "$(q -U regress_app -d edition -c "SET lock_timeout = '200ms'" -c "SELECT nextval('public.busy_id_seq')" 2>&1)" "511"
expect "no lock of the resync's that a writer or nextval() waits for is left" \
  "$(q -U postgres -d edition -c "SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
                                   WHERE a.query = 'SELECT pg_sleep(3)' AND l.locktype = 'relation'
                                     AND l.relation IN ('public.busy'::regclass, 'public.busy_id_seq'::regclass)
                                     AND l.mode NOT IN ('AccessShareLock', 'RowExclusiveLock')")" "0"
wait "$resync"

# A role that keeps its own sequence (or a table) locked cannot hang a sweep: every statement of
# it waits at most pg_seqsync.lock_timeout, and the sequence is a row of its own.
q -U regress_evil -d edition -c "BEGIN" -c "ALTER SEQUENCE evil.wide_seq RENAME TO wide_seq_held" \
  -c "SELECT pg_sleep(4)" -c "ROLLBACK" >/dev/null 2>&1 &
holder=$!
until_one "evil's lock" "SELECT count(*) FROM pg_locks WHERE relation = 'evil.wide_seq'::regclass AND mode = 'AccessExclusiveLock'"
started=$(date +%s%N)
row=$(q -U postgres -d edition -c "SET pg_seqsync.lock_timeout = '200ms'" \
  -c "SELECT action || ': ' || detail FROM tools.resync_all_sequences(schemas => '{evil}') WHERE sequence = 'evil.wide_seq'::regclass" 2>/dev/null)
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
[[ $row == "skip: "*"lock timeout"* ]] || fail "a sweep past another role's locked sequence: [$row]"
((elapsed_ms < 3000)) || fail "the sweep waited ${elapsed_ms} ms for another role's lock"
echo "ok - another role's locked sequence is a skip row within the limit (${elapsed_ms} ms), not a hang"
wait "$holder"

# Automatic resync waits at most pg_seqsync.automatic_lock_timeout, whatever lock_timeout the
# writer set; past it, the INSERT is done with a WARNING naming the setting.
q -U regress_app -d edition >/dev/null <<'SQL'
CREATE TABLE public.auto_t (id serial PRIMARY KEY);
CREATE TABLE public.auto_other (id int DEFAULT nextval('public.auto_t_id_seq'));
SELECT tools.enable_auto_resync('public.auto_t');
SQL
q -U regress_app -d edition -c "BEGIN" -c "LOCK TABLE public.auto_other IN ACCESS EXCLUSIVE MODE" \
  -c "SELECT pg_sleep(6)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
until_one "the holder's lock" "SELECT count(*) FROM pg_locks WHERE relation = 'public.auto_other'::regclass AND mode = 'AccessExclusiveLock'"
# Another session's lock on a consumer table is waited for at most the limit, on every path
# (reading the table's default waits for no lock), and is a row of its own.
started=$(date +%s%N)
expect "an explicit call past another session's ACCESS EXCLUSIVE on a consumer table: a skip row" \
  "$(q -U regress_app -d edition -c "SET pg_seqsync.lock_timeout = '200ms'" -c "SELECT action || ': ' || detail FROM tools.resync_sequence('public.auto_t')" 2>/dev/null)" \
  "skip: lock not available: public.auto_other is in use by another transaction (waited 200 ms, pg_seqsync.lock_timeout)"
expect "and in a sweep" \
  "$(q -U postgres -d edition -c "SET pg_seqsync.lock_timeout = '200ms'" -c "SELECT action FROM tools.resync_all_sequences(schemas => '{public}') WHERE sequence = 'public.auto_t_id_seq'::regclass" 2>/dev/null)" \
  "skip"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
((elapsed_ms < 2500)) || fail "the two calls waited ${elapsed_ms} ms"
started=$(date +%s%N)
out=$(q -U regress_app -d edition -c "SET pg_seqsync.lock_timeout = '1h'" -c "SET pg_seqsync.automatic_lock_timeout = '200ms'" \
  -c "INSERT INTO public.auto_t VALUES (500)" -c "SELECT count(*) FROM public.auto_t" 2>&1)
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
[[ $out == *"WARNING:  pg_seqsync: automatic resync after a write could not check public.auto_t_id_seq: lock not available: public.auto_other is in use by another transaction (waited 200 ms, pg_seqsync.automatic_lock_timeout)"*1 ]] ||
  fail "automatic resync past pg_seqsync.automatic_lock_timeout: [$out]"
((elapsed_ms < 3000)) || fail "the INSERT waited ${elapsed_ms} ms"
echo "ok - automatic resync gives up after pg_seqsync.automatic_lock_timeout (${elapsed_ms} ms), with a WARNING, the row written"
wait "$holder"

# Squatters: a role with no privilege at all on the victim's table and sequence holds locks on
# them through PREPAREd statements (which take locks before any privilege check), writing
# nothing; the victim's resync neither waits for it nor skips.
q -U regress_app -d edition >/dev/null <<'SQL'
CREATE TABLE public.squatted (id serial PRIMARY KEY);
INSERT INTO public.squatted VALUES (80);
SQL
q -U regress_evil -d edition -c "BEGIN" -c "PREPARE w AS INSERT INTO public.squatted VALUES (1)" \
  -c "PREPARE r AS SELECT * FROM public.squatted_id_seq" -c "SELECT pg_sleep(4)" -c "ROLLBACK" >/dev/null 2>&1 &
squatter=$!
until_one "the squatter's locks" "SELECT count(*) FROM pg_locks WHERE relation = 'public.squatted'::regclass AND mode = 'RowExclusiveLock'"
started=$(date +%s%N)
expect "another role's PREPAREd statements on the victim's table and sequence hold nothing up" \
  "$(q -U regress_app -d edition -c "SET pg_seqsync.lock_timeout = '200ms'" -c "SELECT action || ' ' || new_next FROM tools.resync_sequence('public.squatted')" 2>/dev/null)" \
  "advance 81"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
((elapsed_ms < 1500)) || fail "the resync waited ${elapsed_ms} ms for a squatter"
wait "$squatter"
# A writer with only a column privilege (or through a SECURITY DEFINER function) writes all the
# same: its rows in progress are waited for.
q -U regress_app -d edition >/dev/null <<'SQL'
CREATE TABLE public.items (id serial PRIMARY KEY, note text);
GRANT INSERT (id, note) ON public.items TO regress_loader;
SQL
q -U regress_loader -d edition -c "BEGIN" -c "INSERT INTO public.items (id, note) VALUES (50, 'x')" \
  -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 &
writer=$!
until_one "the column writer's start" "SELECT count(*) FROM pg_locks WHERE relation = 'public.items'::regclass AND mode = 'RowExclusiveLock'"
expect "a writer with a column privilege is waited for" \
  "$(q -U regress_app -d edition -c "SET pg_seqsync.lock_timeout = '200ms'" -c "SELECT action || ': ' || detail FROM tools.resync_sequence('public.items')" 2>/dev/null)" \
  "skip: lock not available: public.items is in use by another transaction (waited 200 ms, pg_seqsync.lock_timeout)"
wait "$writer"

# Before 16 an empty table can be turned into a view in place: one turned so after a sweep
# read its references (here while the sweep waits on another table's writer) is not read.
if ((PG_MAJOR < 16)); then
  q -U regress_evil -d edition >/dev/null <<'SQL'
CREATE TABLE evil.busy_a (id serial);
CREATE TABLE evil.turns (id serial, v int);
CREATE FUNCTION evil.turned() RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN RAISE WARNING 'planted code ran as %', current_user; RETURN 1; END $$;
SQL
  q -U regress_evil -d edition -c "BEGIN" -c "INSERT INTO evil.busy_a DEFAULT VALUES" -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 &
  writer=$!
  until_one "evil's writer" "SELECT count(*) FROM pg_locks WHERE relation = 'evil.busy_a'::regclass AND mode = 'RowExclusiveLock'"
  q -U postgres -d edition -c "SET pg_seqsync.lock_timeout = '1500ms'" -c "SET client_min_messages = warning" \
    -c "SELECT sequence || ' ' || action || ': ' || detail FROM tools.resync_all_sequences(schemas => '{evil}') WHERE sequence::text = 'evil.turns_id_seq'" \
    >"$BASE/turned.out" 2>&1 &
  sweep=$!
  sleep 0.5
  q -U regress_evil -d edition -c "CREATE RULE \"_RETURN\" AS ON SELECT TO evil.turns DO INSTEAD SELECT evil.turned() AS id, 1 AS v" >/dev/null
  wait "$sweep"
  wait "$writer"
  expect "a table turned into a view during a sweep is not read, and its code never runs" \
    "$(cat "$BASE/turned.out")" "evil.turns_id_seq skip: evil.turns is no longer a table"
else
  echo "ok - # skip a table turned into a view: PostgreSQL 16 and later refuse to turn one"
fi

# 3b. One suite, two editions: the native edition's behaviour and attack tests, unchanged,
# against this edition installed into public (as a superuser: the native suite runs as one).
# SAME pass with the native expected output; DIFFERENT with this edition's own
# (pg_test/sql_edition/native_expected), where it differs by design as README's table says.
SAME="readme_examples procedures targets sequence_options dry_run rounding hierarchy schemas by_hand bad_input
      auto_resync_paths safe_sql index_only health attack_victim_calls"
DIFFERENT="discovery privileges isolation_of_failures auto_resync_table auto_resync_privileges
           auto_resync_database own_changes view_leaks hostile_input deep_default"
ATTACKS="attack_planting attack_superuser_calls attack_victim_calls attack_own_objects"
OWN=$PROJECT_DIR/pg_test/sql_edition/native_expected
for f in "$OWN"/*.out; do
  t=$(basename "$f" .out)
  [[ " $(echo $DIFFERENT $ATTACKS) " == *" $t "* ]] || fail "$f: $t is in no list of this test"
  ! cmp -s "$f" "$PROJECT_DIR/pg_test/expected/$t.out" || fail "$f: the same as the native expected output; list $t in SAME"
done
input=$BASE/native-input
rm -rf "$input" "$BASE/native"
mkdir -p "$input/expected"
ln -s "$PROJECT_DIR/pg_test/sql" "$input/sql"
cp "$PROJECT_DIR"/pg_test/expected/*.out "$input/expected/"
for f in "$OWN"/*.out; do
  t=$(basename "$f" .out)
  rm -f "$input/expected/${t}"_[0-9].out
  cp "$f" "$input/expected/"
done
q -U postgres -d postgres -c "CREATE DATABASE suite" >/dev/null
q -U postgres -d suite -v schema=public -f "$plain" >/dev/null
# The attack tests last, in their order: attack_planting plants what the others attack.
# shellcheck disable=SC2086
"$PG_REGRESS" --host="$DIR" --port="$PORT" --user=postgres --bindir="$PG_BIN" \
  --use-existing --dbname=suite --inputdir="$input" --outputdir="$BASE/native" \
  $(echo $SAME | sed 's/attack_victim_calls//') $DIFFERENT $ATTACKS || {
  cat "$BASE/native/regression.diffs" 2>/dev/null
  fail "the native behaviour and attack tests against the SQL edition"
}

# 3c. Under load (tests/concurrency.sh, with this edition in place of the extension): nextval()
# inserters, a loader writing explicit ids ahead, explicit resyncs in a loop, then automatic
# resync alone: no duplicate key, no sequence backward, no WARNING, in sync at the end.
PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PG_BIN=$PG_BIN PG_SEQSYNC_SQL_EDITION=$plain \
  bash "$PROJECT_DIR/tests/concurrency.sh" || fail "tests/concurrency.sh against the SQL edition"
echo "ok - tests/concurrency.sh against the SQL edition"

# 4. Another role's trigger on the edition's trigger function cannot keep it from being removed.
q -U regress_evil -d edition -c "CREATE TRIGGER squat AFTER INSERT ON evil.squat FOR EACH STATEMENT EXECUTE FUNCTION tools._auto_resync_trigger()" >/dev/null
q -U regress_app -d edition -v schema=tools -f "$BASE/dist/pg_seqsync-$version-plain-uninstall.sql" >/dev/null
expect "the uninstall script leaves no routine of it" \
  "$(q -U regress_app -d edition -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'tools'::regnamespace AND proowner = 'regress_app'::regrole")" "0"
expect "and drops none of another role's look-alikes in that schema" \
  "$(q -U regress_app -d edition -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'tools'::regnamespace AND proowner = 'regress_evil'::regrole")" "7"
expect "and no trigger of it" \
  "$(q -U regress_app -d edition -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'pg_seqsync_auto_resync'")" "0"
expect "the tables stay" "$(q -U regress_app -d edition -c "SELECT max(id) FROM public.orders")" "41"
expect "another role's trigger on its function went with it, its table stays" \
  "$(q -U regress_app -d edition -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'squat'")$(q -U regress_app -d edition -c "SELECT to_regclass('evil.squat') IS NOT NULL")" "0t"

# 5.
if ((PG_MAJOR >= 18)); then
  q -U postgres -d postgres -c "CREATE DATABASE trusted OWNER regress_app" >/dev/null
  q -U regress_app -d trusted >/dev/null <<'SQL'
CREATE EXTENSION pg_seqsync;
CREATE TABLE t (id serial PRIMARY KEY);
INSERT INTO t VALUES (9);
SQL
  expect "trusted control file: CREATE EXTENSION by the database owner, then a resync" \
    "$(q -U regress_app -d trusted -c "SELECT pg_seqsync_edition() || ' ' || action || ' ' || new_next FROM resync_sequence('t')" 2>/dev/null)" \
    "sql $version advance 10"
  q -U regress_app -d trusted -c "DROP EXTENSION pg_seqsync" >/dev/null
  q -U regress_app -d trusted -c "CREATE EXTENSION pg_seqsync VERSION '$previous'" -c "ALTER EXTENSION pg_seqsync UPDATE" >/dev/null
  expect "trusted control file: CREATE EXTENSION of $previous, then ALTER EXTENSION ... UPDATE" \
    "$(q -U regress_app -d trusted -c "SELECT extversion || ' ' || pg_seqsync_edition() FROM pg_extension WHERE extname = 'pg_seqsync'" -c "SELECT action FROM resync_sequence('t')" 2>/dev/null | tr '\n' ' ')" \
    "$version sql $version none "
  q -U regress_app -d trusted -c "DROP EXTENSION pg_seqsync" >/dev/null
  expect "DROP EXTENSION leaves no routine of it" \
    "$(q -U regress_app -d trusted -c "SELECT count(*) FROM pg_proc WHERE proname IN ('resync_sequence', '_resync')")" "0"
else
  echo "ok - # skip the trusted control file: extension_control_path needs PostgreSQL 18"
fi
echo "sql_edition: all checks passed"
