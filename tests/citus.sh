#!/usr/bin/env bash
# Citus (13.2.2, from ../shared/vendor, built against Debian's PostgreSQL 15 when missing): a
# coordinator and two workers over Unix sockets, all with pg_seqsync, the tables owned by an
# ordinary role. A migration into Citus leaves sequences behind as on one machine, and Citus
# gives each node group its own range of a bigint sequence (group g from (g << 48) + 1), so
# max(id) over every shard can be another node's value:
#   1. a distributed table loaded through the coordinator (explicit-id COPY and INSERT ... SELECT)
#      next to rows a worker drew from its own range: every entry point (resync_sequence, the
#      sweep, the batched procedure, sequence_health) reads through Citus, moves the
#      coordinator's sequence past its own rows only and names the other range's rows; then
#      INSERTs through nextval() on the coordinator and on the worker, no duplicate key;
#   2. a reference table (an integer sequence, which only the coordinator draws from: every row
#      counts; on a worker it is left alone, saying why) and a schema-based sharding table;
#   3. rows restored into a worker's range: reported on the coordinator, resynced on that worker;
#   4. a rebalance (citus_rebalance_start, onto a second worker) between a load and the resync;
#   5. automatic resync after COPY and INSERT through the coordinator (the preloaded hooks), and
#      enable_auto_resync's error for a Citus table;
#   6. an unprivileged role: its lock on its own shard on a worker makes a superuser's sweep skip
#      only its sequence within the limit; its table drawing on another role's sequence moves
#      nothing; forced row-level security is an error, never a low bound; it cannot switch the
#      hooks on; a table it names like a shard is its own;
#   7. shards on a worker are never consumers of their own;
#   8. the SQL edition on the same coordinator (its own schema): the same ranges.
# Skipped, saying why, on majors other than 15 or when the Citus source tarball is absent.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
source "$(dirname "$0")/lib/vendored.sh"
vendored_source Citus citus-13.2.2.tar.gz
TARBALL=$VENDORED
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/citus
COORDINATOR=$BASE/coordinator WORKER=$BASE/worker WORKER2=$BASE/worker2
C_PORT=54371 W_PORT=54372 W2_PORT=54373
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
# citus.local_hostname: Citus's background tasks (the rebalance) reach their own node there.
CLUSTER_OPTS="$OPTS -c citus.local_hostname=$COORDINATOR" cluster_start "$COORDINATOR" "$C_PORT"
CLUSTER_OPTS="$OPTS -c citus.local_hostname=$WORKER" cluster_start "$WORKER" "$W_PORT"
CLUSTER_OPTS="$OPTS -c citus.local_hostname=$WORKER2" cluster_start "$WORKER2" "$W2_PORT"
[[ -n ${PG_SEQSYNC_KEEP_CLUSTERS:-} ]] ||
  trap 'cluster_stop "$COORDINATOR"; cluster_stop "$WORKER"; cluster_stop "$WORKER2"' EXIT
c() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$COORDINATOR" -p "$C_PORT" -d postgres "$@"; }
w() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$WORKER" -p "$W_PORT" -d postgres "$@"; }
w2() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$WORKER2" -p "$W2_PORT" -d postgres "$@"; }
# shard_on_worker TABLE: the name of one shard of TABLE placed on the first worker, by Citus's
# catalog (a shard moved away by a rebalance may be left behind there until it is cleaned up).
shard_on_worker() {
  c -U postgres -c "SELECT '$1_' || s.shardid FROM pg_dist_shard AS s JOIN pg_dist_placement AS p USING (shardid) WHERE s.logicalrelid = '$1'::regclass AND p.groupid = $group1 ORDER BY s.shardid LIMIT 1"
}
# lock_on_worker ROLE TABLE: holds ACCESS EXCLUSIVE on TABLE (a shard) on the worker in a
# background session (PID in $locker), returning once the lock is granted.
lock_on_worker() {
  w -U "$1" -c "SET citus.enable_manual_changes_to_shards = on" -c "BEGIN" \
    -c "LOCK TABLE $2 IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(20)" -c "COMMIT" >/dev/null 2>&1 &
  locker=$!
  for _ in $(seq 200); do
    [[ $(w -U postgres -c "SELECT count(*) FROM pg_locks WHERE relation = '$2'::regclass AND mode = 'AccessExclusiveLock' AND granted") == 1 ]] && return 0
    sleep 0.1
  done
  fail "the lock on $2 was not granted"
}
# end_locker PID: ends a background session holding a lock on the worker (its backend too, which
# would sleep on with the lock after its client is gone).
end_locker() {
  w -U postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)'" >/dev/null
  wait "$1" 2>/dev/null || true
}

for node in w w2; do $node -U postgres -c "CREATE EXTENSION citus" -c "CREATE EXTENSION pg_seqsync" >/dev/null; done
c -U postgres >/dev/null <<SQL
CREATE EXTENSION citus;
CREATE EXTENSION pg_seqsync;
SELECT citus_set_coordinator_host('$COORDINATOR', $C_PORT);
SELECT citus_add_node('$WORKER', $W_PORT);
CREATE ROLE app LOGIN;
CREATE ROLE mallory LOGIN;
GRANT CREATE ON SCHEMA public TO app, mallory;
SQL
group1=$(c -U postgres -c "SELECT groupid FROM pg_dist_node WHERE nodeport = $W_PORT")
low1=$(((group1 << 48) + 1))
expect "the worker is node group 1, drawing from 2^48 + 1" "$group1 $low1" "1 281474976710657"

# 1. A distributed table: explicit ids through the coordinator, nextval() on the worker.
c -U app >/dev/null <<'SQL'
CREATE TABLE orders (id bigserial PRIMARY KEY, v int);
SELECT create_distributed_table('orders', 'id');
CREATE TABLE staging (id bigint, v int);
INSERT INTO staging SELECT g, 0 FROM generate_series(1001, 1500) AS g;
SQL
seq 1 1000 | sed 's/$/\t0/' | c -U app -c "COPY orders (id, v) FROM STDIN"
c -U app -c "INSERT INTO orders (id, v) SELECT id, v FROM staging" >/dev/null
expect "the worker draws from its own range" \
  "$(w -U app -c "INSERT INTO orders (v) VALUES (1), (2), (3) RETURNING id" | sort -n | tr '\n' ' ')" \
  "$low1 $((low1 + 1)) $((low1 + 2)) "
expect "the coordinator's table is an empty shell" "$(c -U app -c "SELECT pg_relation_size('orders')")" "0"
expect "max(id) over every shard is the worker's value, not the coordinator's" \
  "$(c -U app -c "SELECT max(id) FROM orders")" "$((low1 + 2))"
note="public.orders.id also holds values in other Citus nodes' ranges of the sequence (up to $((low1 + 2))), which those nodes draw past themselves: this node (group 0) draws up to 281474976710656"
expect "sequence_health: behind, bounded by the coordinator's rows only, the worker's named" \
  "$(c -U app -c "SELECT behind || ' ' || behind_by || ' ' || detail FROM sequence_health() WHERE sequence = 'orders_id_seq'::regclass")" \
  "true 1500 $note"
expect "a dry run: the bound is 1500, the other range in the detail" \
  "$(c -U app -c "SELECT data_bound || ' ' || new_next || ' ' || action || ' ' || detail FROM resync_sequence('orders', dry_run => true)")" \
  "1500 1501 advance $note"
expect "resync_sequence as the table's owner: past its own rows, never into the worker's range" \
  "$(c -U app -c "SELECT action || ' ' || new_next FROM resync_sequence('orders')")" "advance 1501"
expect "the next INSERT through the coordinator gets the next free id" \
  "$(c -U app -c "INSERT INTO orders (v) VALUES (0) RETURNING id")" "1501"
expect "the next INSERT on the worker stays in its range" \
  "$(w -U app -c "INSERT INTO orders (v) VALUES (0) RETURNING id")" "$((low1 + 3))"
expect "no id is there twice" "$(c -U app -c "SELECT count(*) - count(DISTINCT id) FROM orders")" "0"

# An explicit call waits for a transaction writing the table through this node (its rows are
# invisible to a query until it commits), within pg_seqsync.lock_timeout.
c -U app -c "BEGIN" -c "INSERT INTO orders (id, v) VALUES (1700, 0)" -c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null &
writer=$!
for _ in $(seq 200); do
  [[ $(c -U postgres -c "SELECT count(*) FROM pg_locks WHERE relation = 'orders'::regclass AND mode = 'RowExclusiveLock' AND granted") == 1 ]] && break
  sleep 0.05
done
expect "a writer through the coordinator still in progress after the limit: a skip saying so" \
  "$(c -U app -c "SET pg_seqsync.lock_timeout = 100" -c "SELECT action || ' ' || detail FROM resync_sequence('orders', dry_run => true)")" \
  "skip lock not available: a transaction writing public.orders through this node is still in progress (waited 100 ms, pg_seqsync.lock_timeout)"
expect "within the limit: its row counts once it commits" \
  "$(c -U app -c "SET pg_seqsync.lock_timeout = '10s'" -c "SELECT data_bound || ' ' || action FROM resync_sequence('orders')")" "1700 advance"
wait "$writer"
c -U app -c "DELETE FROM orders WHERE id = 1700" -c "SELECT setval('orders_id_seq', 1501)" >/dev/null

# A sequence shared by a distributed table and a table of the coordinator's own: bounded over both.
c -U app >/dev/null <<'SQL'
CREATE TABLE orders_archive (id bigint DEFAULT nextval('orders_id_seq') PRIMARY KEY);
INSERT INTO orders_archive VALUES (1600);
SQL
expect "a shared sequence: the local table's rows count next to the shards'" \
  "$(c -U app -c "SELECT data_bound || ' ' || array_to_string(consumers, ',') FROM resync_sequence('orders', dry_run => true)")" \
  "1600 public.orders.id,public.orders_archive.id"
c -U app -c "DROP TABLE orders_archive" >/dev/null

# A caller's transaction that wrote into the table: rows it deleted come back if it rolls back,
# and a query cannot see them, so it is refused (setval() is not undone by a rollback).
expect "this transaction deleted rows: a skip, not a bound from what is left" \
  "$(c -U app -c "BEGIN" -c "DELETE FROM orders WHERE id > 1000 AND id < 1500" \
    -c "SELECT action || ' ' || detail FROM resync_sequence('orders', allow_backward => true)" -c "ROLLBACK")" \
  "skip this transaction wrote into public.orders, and rows it deleted or updated there come back if it rolls back, out of a query's sight: resync after it ends"

# Rows at the very end of the coordinator's range: its next value would be group 1's first.
c -U app >/dev/null <<'SQL'
CREATE TABLE edge (id bigserial PRIMARY KEY);
SELECT create_distributed_table('edge', 'id');
INSERT INTO edge VALUES (281474976710656);
SQL
expect "a bound at the end of the node's range: an error, the sequence not moved into the next" \
  "$(c -U app -c "SELECT action || ' ' || detail FROM resync_sequence('edge')")" \
  "error the rows in this node's range of the sequence reach 281474976710656, the end of the range Citus gives node group 0, so its next value would be another node's"
expect "edge's sequence did not move" "$(c -U app -c "SELECT last_value || ' ' || is_called FROM edge_id_seq")" "1 false"
c -U app -c "DROP TABLE edge" >/dev/null

# The sweep and the batched procedure read through Citus too (a second distributed table).
c -U app >/dev/null <<'SQL'
CREATE TABLE payments (id bigserial PRIMARY KEY, v int);
SELECT create_distributed_table('payments', 'id', colocate_with => 'none');
INSERT INTO payments (id, v) SELECT g, 0 FROM generate_series(1, 250) AS g;
SQL
expect "resync_all_sequences: the loaded table advanced, the resynced one left" \
  "$(c -U postgres -c "SELECT sequence || ' ' || action || ' ' || coalesce(new_next::text, '-') FROM resync_all_sequences() WHERE sequence::text IN ('orders_id_seq', 'payments_id_seq') ORDER BY 1")" \
  "$(printf '%s\n' 'orders_id_seq none 1502' 'payments_id_seq advance 251')"
c -U app -c "INSERT INTO payments (id, v) SELECT g, 0 FROM generate_series(251, 400) AS g" >/dev/null
summary=$(c -U postgres -c "CALL resync_all_sequences_in_batches(batch_size => 1, summary => NULL)")
expect "the batched procedure advanced the distributed table's sequence, no problems" \
  "$(c -U postgres -v summary="$summary" <<<"SELECT (:'summary'::jsonb ->> 'advanced') || ' ' || jsonb_array_length(:'summary'::jsonb -> 'problems')")" \
  "1 0"
expect "payments: the next INSERT gets 401" "$(c -U app -c "INSERT INTO payments (v) VALUES (0) RETURNING id")" "401"

# 2. A reference table (an integer sequence: only the coordinator draws from it, every row
# counts) and a schema-based sharding table (a single shard).
c -U app >/dev/null <<'SQL'
CREATE TABLE countries (id serial PRIMARY KEY, name text);
SELECT create_reference_table('countries');
INSERT INTO countries (id, name) VALUES (7, 'x'), (40, 'y');
SQL
expect "a reference table: resynced past every row" \
  "$(c -U app -c "SELECT action || ' ' || new_next || ' ' || coalesce(detail, '-') FROM resync_sequence('countries')")" "advance 41 -"
expect "its next INSERT" "$(c -U app -c "INSERT INTO countries (name) VALUES ('z') RETURNING id")" "41"
expect "on a worker an integer sequence of a Citus table is left alone, saying why" \
  "$(w -U postgres -c "SELECT action || ': ' || detail FROM resync_sequence('countries')")" \
  "skip: Citus lets only the coordinator draw from a sequence narrower than bigint (nextval() fails on the other nodes), so it is resynced there, not on this node"
c -U postgres >/dev/null <<'SQL'
SET citus.enable_schema_based_sharding = on;
CREATE SCHEMA tenant_a AUTHORIZATION app;
SQL
c -U app >/dev/null <<'SQL'
CREATE TABLE tenant_a.items (id bigserial PRIMARY KEY, v int);
SQL
expect "schema-based sharding made a single-shard table" \
  "$(c -U app -c "SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = 'tenant_a.items'::regclass")" "n"
seq 1 50 | sed 's/$/\t0/' | c -U app -c "COPY tenant_a.items (id, v) FROM STDIN"
expect "a schema-based sharding table: resynced" \
  "$(c -U app -c "SELECT action || ' ' || new_next FROM resync_sequence('tenant_a.items')")" "advance 51"
expect "its next INSERT" "$(c -U app -c "INSERT INTO tenant_a.items (v) VALUES (0) RETURNING id")" "51"

# 3. Rows restored into the worker's range (a data-only restore carries every node's ids): the
# coordinator reports them and stays in its range; the worker resyncs its own sequence.
c -U app -c "INSERT INTO orders (id, v) VALUES ($((low1 + 500)), 9)" >/dev/null
expect_match "coordinator: nothing to do, the worker's rows named" \
  "$(c -U app -c "SELECT action || ' ' || detail FROM resync_sequence('orders')")" \
  "none *(up to $((low1 + 500)))*"
expect "worker: its own sequence is behind its range's rows, and is resynced" \
  "$(w -U app -c "SELECT data_bound || ' ' || action || ' ' || new_next FROM resync_sequence('orders')")" \
  "$((low1 + 500)) advance $((low1 + 501))"
expect "worker: the next INSERT there is free" \
  "$(w -U app -c "INSERT INTO orders (v) VALUES (0) RETURNING id")" "$((low1 + 501))"
expect "coordinator: unchanged by the worker's rows" \
  "$(c -U app -c "INSERT INTO orders (v) VALUES (0) RETURNING id")" "1502"

# 4. A rebalance between a load and the resync: a second worker joins and shards move to it.
c -U app >/dev/null <<'SQL'
CREATE TABLE events (id bigserial PRIMARY KEY, v int);
SELECT create_distributed_table('events', 'id', colocate_with => 'none');
INSERT INTO events (id, v) SELECT g, 0 FROM generate_series(1, 3000) AS g;
SQL
c -U postgres >/dev/null <<SQL
SELECT citus_add_node('$WORKER2', $W2_PORT);
SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes');
SELECT citus_rebalance_wait();
SQL
group2=$(c -U postgres -c "SELECT groupid FROM pg_dist_node WHERE nodeport = $W2_PORT")
moved=$(c -U postgres -c "SELECT count(*) FROM pg_dist_placement p JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'events'::regclass AND p.groupid = $group2")
((moved > 0)) || fail "the rebalance moved no shard of events to the second worker"
echo "ok - the rebalance moved $moved shards of events to the second worker"
expect "after the rebalance: every row still counts" \
  "$(c -U app -c "SELECT action || ' ' || new_next FROM resync_sequence('events')")" "advance 3001"
expect "the next INSERT through the coordinator" "$(c -U app -c "INSERT INTO events (v) VALUES (0) RETURNING id")" "3001"
expect "the next INSERT on the new worker draws from its own range" \
  "$(w2 -U app -c "INSERT INTO events (v) VALUES (0) RETURNING id")" "$(((group2 << 48) + 1))"
expect "no id twice in events" "$(c -U app -c "SELECT count(*) - count(DISTINCT id) FROM events")" "0"

# 5. Automatic resync through the coordinator: the preloaded COPY and INSERT hooks.
c -U postgres -c "ALTER ROLE app SET pg_seqsync.resync_after_copy = on" \
  -c "ALTER ROLE app SET pg_seqsync.resync_after_citus_insert = on" >/dev/null
printf '5001\t0\n5002\t0\n' | c -U app -c "COPY orders (id, v) FROM STDIN"
expect "after COPY: the sequence moved past the copied ids" \
  "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "5003 false"
c -U app -c "INSERT INTO staging SELECT g, 0 FROM generate_series(5003, 6000) AS g" \
  -c "INSERT INTO orders (id, v) SELECT id, v FROM staging WHERE id > 5002" >/dev/null
expect "after INSERT ... SELECT: past its rows" \
  "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "6001 false"
c -U app -c "BEGIN" -c "INSERT INTO orders (id, v) VALUES (7000, 0)" \
  -c "INSERT INTO orders (v) VALUES (0)" -c "COMMIT" >/dev/null
expect "after an INSERT with an explicit id, the next nextval() in the same transaction was free" \
  "$(c -U app -c "SELECT max(id) FROM orders WHERE id < 7100")" "7001"
expect "a worker's INSERT needs no resync of the coordinator's sequence" \
  "$(w -U app -c "INSERT INTO orders (v) VALUES (0) RETURNING id")" "$((low1 + 502))"
c -U app -c "INSERT INTO countries (id, name) VALUES (90, 'w')" >/dev/null
expect "a reference table's INSERT too" "$(c -U app -c "INSERT INTO countries (name) VALUES ('v') RETURNING id")" "91"
c -U app -c "WITH loaded AS (INSERT INTO orders (id, v) VALUES (7100, 0) RETURNING id) SELECT count(*) FROM loaded" >/dev/null
expect "after an INSERT in a data-modifying CTE: past its row" \
  "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "7101 false"
c -U app -c "CREATE TABLE incoming (id bigint)" -c "SELECT create_distributed_table('incoming', 'id')" \
  -c "INSERT INTO incoming VALUES (7150)" \
  -c "MERGE INTO orders AS o USING incoming AS n ON o.id = n.id WHEN NOT MATCHED THEN INSERT (id, v) VALUES (n.id, 0)" >/dev/null
expect "after a MERGE that inserted: past its row" \
  "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "7151 false"
# A loader that is not the owner: Citus lets its transaction read the placements it wrote only
# as itself, so the read runs as the loader when it may read the column.
c -U postgres >/dev/null <<'SQL'
CREATE ROLE loader LOGIN;
CREATE ROLE blind_loader LOGIN;
ALTER ROLE loader SET pg_seqsync.resync_after_copy = on;
ALTER ROLE loader SET pg_seqsync.resync_after_citus_insert = on;
ALTER ROLE blind_loader SET pg_seqsync.resync_after_citus_insert = on;
SQL
c -U app -c "GRANT SELECT, INSERT ON orders TO loader" -c "GRANT INSERT ON orders TO blind_loader" \
  -c "GRANT USAGE ON SEQUENCE orders_id_seq TO loader, blind_loader" >/dev/null
printf '7200\t0\n' | c -U loader -c "COPY orders (id, v) FROM STDIN"
expect "a loader that is not the owner: its COPY resynced the owner's sequence" \
  "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "7201 false"
c -U loader -c "INSERT INTO orders (id, v) VALUES (7300, 0)" >/dev/null
expect "and its INSERT" "$(c -U app -c "SELECT last_value || ' ' || is_called FROM orders_id_seq")" "7301 false"
out=$(c -U blind_loader -c "INSERT INTO orders (id, v) VALUES (7400, 0)" 2>&1)
expect_match "a loader that may not read the column: a WARNING saying why, the INSERT done" "$out" \
  "WARNING:  pg_seqsync: automatic resync after a write could not resync public.orders_id_seq: reading public.orders through Citus failed*modified in this transaction by a different user*"
expect "its row is there" "$(c -U app -c "SELECT count(*) FROM orders WHERE id = 7400")" "1"
expect "the owner's next resync moves it" \
  "$(c -U app -c "SELECT action || ' ' || new_next FROM resync_sequence('orders')")" "advance 7401"
out=$(c -U app -v VERBOSITY=verbose -c "SELECT enable_auto_resync('orders')" 2>&1 || true)
expect_match "enable_auto_resync on a distributed table: 0A000" "$out" '*ERROR:  0A000: *'
out=$(c -U app -c "SELECT enable_auto_resync('orders')" 2>&1 || true)
expect_match "enable_auto_resync on a distributed table: refused, naming the table and the hooks" \
  "$out" '*ERROR:  automatic resync cannot place a trigger for public.orders: a sequence behind it is drawn on by a table whose rows Citus keeps in shards*HINT:  *pg_seqsync.resync_after_citus_insert*'
expect "no trigger was placed" \
  "$(c -U app -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal")" "0"
# A lock held on a worker past pg_seqsync.automatic_lock_timeout: a WARNING, and the statement
# goes on (the read's lock waits are bounded on every node it reaches).
pay_shard=$(shard_on_worker payments)
lock_on_worker app "$pay_shard"
started=$(date +%s)
out=$(printf '9001\t0\n' | c -U app -c "COPY payments (id, v) FROM STDIN" 2>&1)
took=$(($(date +%s) - started))
end_locker "$locker"
expect_match "automatic resync past a worker's lock: a WARNING, the COPY done" "$out" \
  "WARNING:  pg_seqsync: automatic resync after a write could not check public.payments_id_seq: lock not available: reading public.payments through Citus waited 1000 ms (pg_seqsync.automatic_lock_timeout)*"
expect "the copied row is there" "$(c -U app -c "SELECT count(*) FROM payments WHERE id = 9001")" "1"
((took < 10)) || fail "the COPY waited $took s for a lock held on a worker"
echo "ok - the COPY's resync waited within the limit ($took s)"
c -U postgres -c "ALTER ROLE app RESET ALL" >/dev/null

# Real concurrent sessions through the coordinator (pgbench): nextval() inserters in one- and
# two-INSERT transactions, a loader writing explicit ids far ahead (INSERT batches 20,000 past
# the data, COPY batches 100,000 past it: gaps no burst of nextval() crosses while a batch is
# written), an explicit resync_sequence() loop, all with the hooks on. No session may see an
# error (a duplicate key would abort its client) or a WARNING (a resync that failed or timed
# out would leave a batch ahead of the sequence); twice over.
c -U app -c "CREATE TABLE conc (id bigserial PRIMARY KEY, src text NOT NULL)" \
  -c "SELECT create_distributed_table('conc', 'id')" >/dev/null
load=$BASE/load
mkdir -p "$load"
echo "INSERT INTO conc (src) VALUES ('nextval');" >"$load/insert1.sql"
printf '%s\n' "BEGIN;" "INSERT INTO conc (src) VALUES ('nextval');" \
  "INSERT INTO conc (src) VALUES ('nextval');" "COMMIT;" >"$load/insert2.sql"
echo "SELECT action FROM resync_sequence('conc');" >"$load/resync.sql"
bench() { # NAME SCRIPT
  "$PG_BIN/pgbench" -n -c 1 -j 1 -T 6 -h "$COORDINATOR" -p "$C_PORT" -U app -f "$load/$2" postgres \
    >"$load/$1.log" 2>&1
}
loader() {
  local end=$((SECONDS + 6)) base
  while ((SECONDS < end)); do
    c -U app -c "INSERT INTO conc (id, src) SELECT d.top + 20000 + g, 'explicit'
                   FROM (SELECT COALESCE(max(id), 0) AS top FROM conc) AS d, generate_series(1, 200) AS g" || return 1
    base=$(c -U app -c "SELECT COALESCE(max(id), 0) + 100000 FROM conc")
    seq "$base" $((base + 49)) | awk '{ print $1 "\tcopy" }' | c -U app -c "COPY conc (id, src) FROM STDIN" || return 1
  done
}
c -U postgres -c "ALTER ROLE app SET pg_seqsync.resync_after_copy = on" \
  -c "ALTER ROLE app SET pg_seqsync.resync_after_citus_insert = on" >/dev/null
for round in 1 2; do
  bench insert1 insert1.sql & p1=$!
  bench insert2 insert2.sql & p2=$!
  bench resync resync.sql & p3=$!
  loader >"$load/loader.log" 2>&1 & p4=$!
  status=0
  for p in $p1 $p2 $p3 $p4; do wait "$p" || status=1; done
  if ((status)) || grep -qiE 'error|warning|abort' "$load"/*.log; then
    cat "$load"/*.log
    fail "round $round: a session failed or warned under concurrent load through the coordinator"
  fi
  expect "round $round: no id twice, and nextval() is past every row" \
    "$(c -U app -c "SELECT count(*) - count(DISTINCT id) FROM conc" -c "SELECT nextval('conc_id_seq') > max(id) FROM conc" | tr '\n' ' ')" "0 t "
  counts=$(c -U app -c "SELECT count(*) FILTER (WHERE src = 'nextval') || ' ' || count(*) FILTER (WHERE src <> 'nextval') FROM conc")
  read -r drawn loaded <<<"$counts"
  ((drawn > 20 && loaded > 200)) || fail "round $round: too little traffic ($drawn drawn, $loaded loaded)"
  echo "ok - round $round: $drawn rows through nextval(), $loaded with explicit ids"
done
c -U postgres -c "ALTER ROLE app RESET ALL" >/dev/null

# 6. An unprivileged role.
out=$(c -U mallory -c "SET pg_seqsync.resync_after_citus_insert = on" 2>&1 || true)
expect_match "mallory cannot switch the INSERT hook on" "$out" '*permission denied to set parameter*'
c -U mallory >/dev/null <<'SQL'
CREATE TABLE loot (id bigint DEFAULT nextval('public.orders_id_seq'), v int);
SELECT create_distributed_table('loot', 'v');
INSERT INTO loot (id, v) VALUES (200000000000, 1);
CREATE TABLE hidden (id bigserial PRIMARY KEY, owner_name text DEFAULT current_user);
SELECT create_distributed_table('hidden', 'id');
INSERT INTO hidden (id) VALUES (900);
ALTER TABLE hidden ENABLE ROW LEVEL SECURITY;
ALTER TABLE hidden FORCE ROW LEVEL SECURITY;
CREATE POLICY mine ON hidden USING (id < 10);
CREATE TABLE stuck (id bigserial PRIMARY KEY);
SELECT create_distributed_table('stuck', 'id');
INSERT INTO stuck VALUES (5);
CREATE TABLE slow (id bigserial, v int);
SELECT create_distributed_table('slow', 'v');
INSERT INTO slow (id, v) SELECT g, g FROM generate_series(1, 300000) AS g;
SQL
c -U app >/dev/null <<'SQL'
CREATE TABLE zeta (id bigserial PRIMARY KEY);
SELECT create_distributed_table('zeta', 'id');
INSERT INTO zeta VALUES (77);
SQL
next_orders=$(c -U app -c "SELECT last_value FROM orders_id_seq")
expect "a table drawing on another role's sequence without a right to it is not its consumer" \
  "$(c -U postgres -c "SELECT action FROM resync_sequence('orders')")" "none"
expect "the other role's sequence did not move" "$(c -U app -c "SELECT last_value FROM orders_id_seq")" "$next_orders"
# Her own statement_timeout, which her connections to the workers carry, cancels her reads there.
c -U mallory -c "ALTER ROLE mallory SET statement_timeout = 1" >/dev/null
expect_match "mallory's statement_timeout on her own reads: an error row for her sequence, never the end of a sweep" \
  "$(c -U postgres -c "SELECT sequence || ' ' || action || ' ' || coalesce(detail, '-') FROM resync_all_sequences() WHERE sequence::text IN ('slow_id_seq', 'zeta_id_seq') ORDER BY 1")" \
  "slow_id_seq error reading public.slow through Citus failed on another node: canceling statement due to statement timeout (SQLSTATE 57014)
zeta_id_seq advance -"
c -U postgres -c "ALTER ROLE mallory RESET statement_timeout" >/dev/null
expect "forced row-level security: a skip, never a bound from the rows a policy shows" \
  "$(c -U postgres -c "SELECT action || ' ' || detail FROM resync_sequence('hidden')")" \
  'skip reading public.hidden through Citus as its owner was refused: query would be affected by row-level security policy for table "hidden"'
expect "its sequence did not move" "$(c -U mallory -c "SELECT last_value || ' ' || is_called FROM hidden_id_seq")" "1 false"
stuck_shard=$(shard_on_worker stuck)
[[ -n $stuck_shard ]] || fail "no shard of stuck on the worker"
lock_on_worker mallory "$stuck_shard"
c -U app -c "INSERT INTO payments (id, v) VALUES (9500, 0)" -c "INSERT INTO zeta VALUES (90)" >/dev/null
started=$(date +%s)
sweep=$(c -U postgres -c "SELECT sequence || ' ' || action || ' ' || coalesce(detail, '-') FROM resync_all_sequences() WHERE sequence::text IN ('stuck_id_seq', 'payments_id_seq', 'zeta_id_seq') ORDER BY 1")
took=$(($(date +%s) - started))
end_locker "$locker"
expect_match "a sweep past mallory's lock on her shard: only her sequence skipped, saying where it waited" \
  "$sweep" "payments_id_seq advance -
stuck_id_seq skip lock not available: reading public.stuck through Citus waited 1000 ms (pg_seqsync.lock_timeout) for a lock held by another transaction on this node or another: *lock timeout
zeta_id_seq advance -"
((took < 10)) || fail "the sweep waited $took s for a lock held on a worker"
echo "ok - the sweep waited for the worker's lock within the limit ($took s)"
# 7. On a worker: Citus's shards (tables named <table>_<shard id>, hidden from pg_class queries
# by Citus) are never consumers of their own; a shard given a default is named as a part of its
# Citus table, and a look-alike of a shard name owned by another role is that role's own.
shard=$(shard_on_worker orders)
[[ -n $shard ]] || fail "no shard of orders on the worker"
w -U postgres >/dev/null <<SQL
CREATE SEQUENCE shard_ids;
GRANT USAGE ON SEQUENCE shard_ids TO app;
SET citus.enable_manual_changes_to_shards = on;
ALTER TABLE $shard ALTER COLUMN id SET DEFAULT nextval('shard_ids');
SQL
expect "worker: a shard with a default is named as part of the Citus table" \
  "$(w -U postgres -c "SELECT action || ': ' || detail FROM resync_sequence('shard_ids')")" \
  "skip: public.$shard is a shard of the Citus table public.orders: it holds only part of that table's rows, so it does not bound the sequence"
expect "worker: the shard's sequence did not move" \
  "$(w -U postgres -c "SELECT last_value || ' ' || is_called FROM shard_ids")" "1 false"
c -U mallory >/dev/null <<SQL
SET citus.enable_ddl_propagation = off;
CREATE TABLE $shard (id serial PRIMARY KEY);
INSERT INTO $shard VALUES (5);
SQL
expect "a look-alike of a shard name, owned by another role, is not a shard" \
  "$(c -U mallory -c "SELECT action || ' ' || new_next FROM resync_sequence('$shard')")" "advance 6"

# 8. The SQL edition, installed into its own schema on the coordinator: the same ranges.
"$PROJECT_DIR/scripts/build-sql-edition" "$BASE/dist" >/dev/null
c -U postgres -c "CREATE SCHEMA sqled" -c "GRANT USAGE ON SCHEMA sqled TO app" >/dev/null
c -U postgres -v schema=sqled -f "$(ls "$BASE"/dist/pg_seqsync-*-plain.sql)" >/dev/null
c -U app -c "INSERT INTO events (id, v) SELECT g, 0 FROM generate_series(3002, 3500) AS g" >/dev/null
w -U app -c "INSERT INTO events (v) VALUES (0)" >/dev/null
expect "SQL edition: past the coordinator's rows only" \
  "$(c -U app -c "SELECT data_bound || ' ' || action || ' ' || new_next FROM sqled.resync_sequence('events')")" \
  "3500 advance 3501"
expect "SQL edition: the next INSERT" "$(c -U app -c "INSERT INTO events (v) VALUES (0) RETURNING id")" "3501"
c -U app -c "INSERT INTO events (id, v) SELECT g, 0 FROM generate_series(3502, 3600) AS g" \
  -c "INSERT INTO countries (id, name) VALUES (120, 'u')" >/dev/null
expect "SQL edition: the sweep, in the coordinator's range for bigint, every row for integer" \
  "$(c -U app -c "SELECT sequence || ' ' || action || ' ' || coalesce(new_next::text, '-') FROM sqled.resync_all_sequences() WHERE sequence::text IN ('events_id_seq', 'countries_id_seq', 'orders_id_seq') ORDER BY 1")" \
  "$(printf '%s\n' 'countries_id_seq advance 121' 'events_id_seq advance 3601' 'orders_id_seq none 7401')"
expect "SQL edition: sequence_health is not fooled by the workers' rows" \
  "$(c -U app -c "SELECT behind || ' ' || data_bound FROM sqled.sequence_health() WHERE sequence = 'orders_id_seq'::regclass")" \
  "false 7400"
expect "after the SQL edition's sweep: the next INSERTs" \
  "$(c -U app -c "INSERT INTO events (v) VALUES (0) RETURNING id" -c "INSERT INTO countries (name) VALUES ('t') RETURNING id" | tr '\n' ' ')" \
  "3601 121 "
expect "SQL edition: a Citus table is read only as its owner (a query over its shards runs their code)" \
  "$(c -U postgres -c "SELECT action || ' ' || detail FROM sqled.resync_sequence('events')")" \
  "skip the SQL edition reads public.events, a table Citus holds in shards, only as its owner: a query over its shards runs the code its owner may put there as the caller; resync as app"
ev_shard=$(shard_on_worker events)
[[ -n $ev_shard ]] || fail "no shard of events on the worker"
lock_on_worker app "$ev_shard"
started=$(date +%s)
out=$(c -U app -c "SELECT action || ' ' || coalesce(detail, '-') FROM sqled.resync_sequence('events')")
took=$(($(date +%s) - started))
end_locker "$locker"
expect_match "SQL edition: a lock held on a worker is a skip within the limit" "$out" "skip *lock*"
((took < 10)) || fail "the SQL edition waited $took s for a lock held on a worker"
echo "ok - the SQL edition waited within the limit ($took s)"
echo "citus: all checks passed"
