# Shared by the packaging tests (sourced after scripts/lib.sh): what a release is called on
# this machine, and the checks every installed form of it must pass.
fail() { echo "FAIL: $*"; exit 1; }
expect() { [[ $2 == "$3" ]] || fail "$1: expected [$3], got [$2]"; echo "ok - $1"; }

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$PROJECT_DIR/Cargo.toml")
DIST=$(. /etc/os-release && echo "$VERSION_CODENAME")
ARCH=$(dpkg --print-architecture)

# extension_works: through q() (psql on the server under test, one database to spare), the
# extension installs at this version, resyncs, resyncs automatically after INSERT, and updates
# from the oldest release in a second database.
extension_works() {
  q -c "CREATE EXTENSION pg_seqsync"
  expect "version" "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_seqsync'")" "$VERSION"
  q -c "CREATE TABLE t (id serial PRIMARY KEY)" -c "INSERT INTO t SELECT generate_series(1, 10)"
  expect "resync" "$(q -c "SELECT action || ' ' || new_next FROM resync_sequence('t')")" "advance 11"
  q -c "SELECT enable_auto_resync('t')" >/dev/null
  q -c "INSERT INTO t VALUES (50)"
  expect "automatic resync" "$(q -c "INSERT INTO t DEFAULT VALUES RETURNING id")" "51"
  q -c "CREATE DATABASE old"
  q -d old -c "CREATE EXTENSION pg_seqsync VERSION '0.1.0'" -c "ALTER EXTENSION pg_seqsync UPDATE"
  expect "upgrade from 0.1.0" "$(q -d old -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_seqsync'")" "$VERSION"
}
