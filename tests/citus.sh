#!/usr/bin/env bash
# Citus (13.2.2, from ../shared/vendor, built against Debian's PostgreSQL 15 when missing): a
# coordinator and a worker over Unix sockets, both with pg_seqsync. A table whose rows Citus
# keeps in shards is never bounded by its empty shell:
#   1. a distributed table loaded with explicit ids 1..1000 through the coordinator: every entry
#      point (resync_sequence, resync_all_sequences, the batched procedure, sequence_health)
#      answers `skip` naming the table and Citus, never `none` from the empty shell, and the
#      sequence does not move; the same for its table's owner, an ordinary role;
#   2. a reference table and a Citus-managed local table: the same;
#   3. on the worker: the shell's sequence skipped too, and a shard given a default named as a
#      part of its Citus table; a look-alike of a shard name owned by another role is not one;
#   4. automatic resync (the COPY hook) says so in a WARNING, and moves nothing;
#   5. a plain table on the same coordinator is resynced as anywhere else, and the statement
#      the detail gives for a Citus table works.
# Skipped, saying why, on majors other than 15 or when the Citus source tarball is absent.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
source "$(dirname "$0")/lib/vendored.sh"
vendored_source Citus citus-13.2.2.tar.gz
TARBALL=$VENDORED
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/citus
COORDINATOR=$BASE/coordinator WORKER=$BASE/worker
C_PORT=54371 W_PORT=54372
expect_match() { # expect_match WHAT ACTUAL PATTERN
  [[ $2 == $3 ]] || fail "$1: expected something like [$3], got [$2]"
  echo "ok - $1"
}

# Citus itself, built once into Debian's PostgreSQL 15 (about 5 minutes on 2 cores).
pkglib=$("$PG_CONFIG" --pkglibdir)
if [[ ! -f $pkglib/citus.so ]] || ! grep -q "default_version = '13.2-1'" "$("$PG_CONFIG" --sharedir)/extension/citus.control" 2>/dev/null; then
  step "building Citus 13.2.2 (test-only; about 5 minutes)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq liblz4-dev libzstd-dev libselinux1-dev libxslt1-dev libpam0g-dev \
    libreadline-dev libkrb5-dev >/dev/null
  build=$BASE/build
  rm -rf "$build" && mkdir -p "$build"
  tar -C "$build" -xzf "$TARBALL"
  (
    cd "$build"/citus-13.2.2
    patch -p1 <"$(dirname "$TARBALL")/citus-13.2.2-debian-15.20.patch" >/dev/null
    ./configure PG_CONFIG="$PG_CONFIG" --without-libcurl >"$build/configure.log" 2>&1
    make -j2 >"$build/make.log" 2>&1
    make install >"$build/install.log" 2>&1
  ) || fail "building Citus failed: see $build/*.log"
fi

install -d -o postgres -g postgres -m 0755 "$BASE"
OPTS="-c shared_preload_libraries=citus,pg_seqsync -c citus.node_conninfo=sslmode=disable -c max_prepared_transactions=20"
CLUSTER_OPTS="$OPTS -c pg_seqsync.resync_after_copy=on" cluster_start "$COORDINATOR" "$C_PORT"
CLUSTER_OPTS="$OPTS" cluster_start "$WORKER" "$W_PORT"
[[ -n ${PG_SEQSYNC_KEEP_CLUSTERS:-} ]] || trap 'cluster_stop "$COORDINATOR"; cluster_stop "$WORKER"' EXIT
c() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$COORDINATOR" -p "$C_PORT" -d postgres "$@"; }
w() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$WORKER" -p "$W_PORT" -d postgres "$@"; }

w -U postgres -c "CREATE EXTENSION citus" -c "CREATE EXTENSION pg_seqsync" >/dev/null
c -U postgres >/dev/null <<SQL
CREATE EXTENSION citus;
CREATE EXTENSION pg_seqsync;
SELECT citus_set_coordinator_host('$COORDINATOR', $C_PORT);
SELECT citus_add_node('$WORKER', $W_PORT);
CREATE ROLE app LOGIN;
GRANT CREATE ON SCHEMA public TO app;
SQL
c -U app >/dev/null <<'SQL'
CREATE TABLE orders (id bigserial PRIMARY KEY, v int);
SELECT create_distributed_table('orders', 'id');
INSERT INTO orders (id, v) SELECT g, 0 FROM generate_series(1, 1000) AS g;
CREATE TABLE countries (id serial PRIMARY KEY, name text);
SELECT create_reference_table('countries');
INSERT INTO countries (id, name) VALUES (7, 'x');
CREATE TABLE plain (id serial PRIMARY KEY, v int);
INSERT INTO plain (id, v) VALUES (40, 0);
SQL
c -U postgres >/dev/null <<'SQL'
CREATE TABLE settings (id serial PRIMARY KEY, v int);
INSERT INTO settings (id, v) VALUES (12, 0);
SELECT citus_add_local_table_to_metadata('settings');
SQL
expect "the coordinator's table is an empty shell" \
  "$(c -U app -c "SELECT pg_relation_size('orders')")" "0"

# 1. The distributed table, through every entry point, as its owner and as a superuser.
for role in app postgres; do
  expect_match "resync_sequence on a distributed table ($role): skip naming Citus" \
    "$(c -U "$role" -c "SELECT action || ': ' || detail FROM resync_sequence('orders')")" \
    'skip: public.orders is a Citus distributed table: its rows are in shards on the cluster*'
done
expect "the detail, word for word as the README shows it" \
  "$(c -U app -c "SELECT detail FROM resync_sequence('orders')")" \
  "public.orders is a Citus distributed table: its rows are in shards on the cluster's nodes, and pg_seqsync does not read Citus shards yet, so the sequence is left alone; until it does, run on the coordinator: SELECT pg_catalog.setval('public.orders_id_seq', max(id)) FROM public.orders;"
expect "the sequence did not move" "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "1 false"
expect "resync_all_sequences: skip for every Citus table, advance for the plain one" \
  "$(c -U postgres -c "SELECT sequence || ' ' || action FROM resync_all_sequences() ORDER BY 1")" \
  "$(printf '%s\n' 'countries_id_seq skip' 'orders_id_seq skip' 'plain_id_seq advance' 'settings_id_seq skip')"
expect "the plain table's sequence moved past its data" "$(c -U app -c "SELECT nextval('plain_id_seq')")" "41"
expect_match "sequence_health does not call the distributed table's sequence healthy" \
  "$(c -U app -c "SELECT coalesce(behind::text, 'unknown') || ': ' || detail FROM sequence_health() WHERE sequence = 'orders_id_seq'::regclass")" \
  'unknown: public.orders is a Citus distributed table*'
summary=$(c -U postgres -c "CALL resync_all_sequences_in_batches(batch_size => 1, summary => NULL)")
expect "the batched procedure lists the Citus tables as problems" \
  "$(c -U postgres -v summary="$summary" <<'SQL'
SELECT string_agg((p->>'sequence') || ' ' || (p->>'action'), ', ' ORDER BY p->>'sequence')
  FROM jsonb_array_elements(:'summary'::jsonb -> 'problems') AS p
SQL
)" \
  "public.countries_id_seq skip, public.orders_id_seq skip, public.settings_id_seq skip"

# 2. Reference and Citus-managed local tables name what they are.
expect_match "a reference table" \
  "$(c -U app -c "SELECT detail FROM resync_sequence('countries')")" 'public.countries is a Citus reference table*'
expect_match "a Citus-managed local table" \
  "$(c -U postgres -c "SELECT detail FROM resync_sequence('settings')")" 'public.settings is a Citus table with a single shard*'

# 3. On the worker: Citus's shards (tables named <table>_<shard id>, hidden from pg_class
# queries by Citus) hold the rows. The shell's sequence is skipped there too; a shard given a
# default of its own is named as a part of the Citus table.
shard=$(w -U postgres -c "SET citus.override_table_visibility = off" \
  -c "SELECT relname FROM pg_class WHERE relname ~ '^orders_[0-9]+$' AND relkind = 'r' ORDER BY 1 LIMIT 1")
[[ -n $shard ]] || fail "no shard of orders on the worker"
expect_match "worker: the shell's sequence is skipped" \
  "$(w -U postgres -c "SELECT action || ': ' || detail FROM resync_sequence('orders_id_seq')")" \
  'skip: public.orders is a Citus distributed table*'
w -U postgres >/dev/null <<SQL
CREATE SEQUENCE shard_ids;
GRANT USAGE ON SEQUENCE shard_ids TO app;
ALTER TABLE $shard ALTER COLUMN id SET DEFAULT nextval('shard_ids');
SQL
expect_match "worker: a shard with a default is named as part of the Citus table" \
  "$(w -U postgres -c "SELECT action || ': ' || detail FROM resync_sequence('shard_ids')")" \
  "skip: public.$shard is a shard of the Citus table public.orders: it holds only part of that table's rows*"
expect "worker: the shard's sequence did not move" \
  "$(w -U postgres -c "SELECT last_value || ' ' || is_called FROM shard_ids")" "1 false"

# A table another role names like a shard is that role's own: resynced as any other.
c -U postgres -c "CREATE ROLE mallory LOGIN; GRANT CREATE ON SCHEMA public TO mallory" >/dev/null
c -U mallory >/dev/null <<SQL
SET citus.enable_ddl_propagation = off;
CREATE TABLE $shard (id serial PRIMARY KEY);
INSERT INTO $shard VALUES (5);
SQL
expect "a look-alike of a shard name, owned by another role, is not a shard" \
  "$(c -U mallory -c "SELECT action || ' ' || new_next FROM resync_sequence('$shard')")" "advance 6"

# 4. Automatic resync (the COPY hook on the coordinator): a WARNING, and nothing moved.
out=$(printf '2001\t0\n2002\t0\n' | c -U app -c "COPY orders (id, v) FROM STDIN" 2>&1)
expect_match "COPY into a distributed table with automatic resync: a WARNING naming Citus" \
  "$out" '*WARNING:*orders_id_seq*Citus distributed table*'
expect "the sequence still did not move" "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "1 false"
# enable_auto_resync refuses a Citus table with its own error (and places nothing), naming it.
out=$(c -U app -c "SELECT enable_auto_resync('orders')" 2>&1 || true)
expect_match "enable_auto_resync on a distributed table: refused, naming the table and Citus" \
  "$out" '*ERROR:  automatic resync cannot watch public.orders: a sequence behind it is drawn on by a table whose rows Citus keeps elsewhere*DETAIL:  public.orders is a Citus distributed table*HINT:  *'
expect "no trigger was placed" \
  "$(c -U app -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal")" "0"

# Citus's catalog cannot be locked against the resync by a role that is not its owner.
out=$(c -U mallory -c "BEGIN" -c "LOCK pg_catalog.pg_dist_partition IN ACCESS EXCLUSIVE MODE" 2>&1 || true)
expect_match "a role without rights cannot lock Citus's catalog" "$out" '*permission denied*'

# 5. The statement the detail gives works: run on the coordinator, the next INSERT gets a new id.
statement=$(c -U app -c "SELECT detail FROM resync_sequence('orders', dry_run => true)")
statement=${statement##*run on the coordinator: }
c -U app -c "$statement" >/dev/null
expect "after the detail's statement, the next INSERT through the coordinator gets a free id" \
  "$(c -U app -c "INSERT INTO orders (v) VALUES (0) RETURNING id")" "2003"
echo "citus: all checks passed"
