# Shared by the scripts: paths and a throwaway PostgreSQL cluster owned by `postgres`.
# PostgreSQL refuses to run as root, so every server command runs through `as_postgres`.

PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PGXS_DIR=/usr/lib/postgresql/$PG_MAJOR/lib/pgxs
PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

step() { printf '\n==> %s\n' "$*"; }

as_postgres() { runuser -u postgres -- "$@"; }

# cluster_start DIR PORT: a fresh cluster in DIR (any old one there is stopped and removed),
# listening only on a Unix socket in DIR.
cluster_start() {
  local dir=$1 port=$2
  cluster_stop "$dir"
  rm -rf "$dir"
  install -d -o postgres -g postgres -m 0755 "$dir"
  as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  # Without RUST_BACKTRACE: with it, pgrx appends a Rust backtrace to re-raised errors' DETAIL.
  env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE \
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start \
    -o "-p $port -k $dir -c listen_addresses='' -c fsync=off ${CLUSTER_OPTS:-}" >/dev/null
}

cluster_stop() {
  local dir=$1
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# Builds the extension and installs it into PostgreSQL $PG_MAJOR.
install_extension() {
  (cd "$PROJECT_DIR" && cargo pgrx install --pg-config "$PG_CONFIG" "$@" >/dev/null)
}
