#!/usr/bin/env bash
# The Debian package, installed the way a Debian host installs PGDG's, next to Debian's own
# postgresql-$PG_MAJOR (15 on bookworm; scripts/test runs scripts/package first):
#   0. lintian finds no error or warning;
#   1. `apt-get install ./postgresql-NN-pg-seqsync_*.deb`; every file is where PGDG puts it,
#      owned by the package, with the licence;
#   2. a fresh cluster of Debian's server: CREATE EXTENSION, a resync, automatic resync, and
#      the upgrade from 0.1.0 (the frozen install scripts are in the package);
#   3. installing the same .deb again changes nothing;
#   4. `apt-get remove` leaves none of its files or directories behind.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/common.sh"
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/deb
PORT=54366
export DEBIAN_FRONTEND=noninteractive

version=$VERSION
deb_version=$version-1.deb$(. /etc/os-release && echo "$VERSION_ID")
package=postgresql-$PG_MAJOR-pg-seqsync
deb=$PROJECT_DIR/dist/${package}_${deb_version}_$ARCH.deb
[[ -f $deb ]] || fail "no $deb: run scripts/package $PG_MAJOR first"
dpkg-query -W -f='${Status}' "postgresql-$PG_MAJOR" 2>/dev/null | grep -q "install ok installed" \
  || fail "Debian's postgresql-$PG_MAJOR is not installed"
bin=/usr/lib/postgresql/$PG_MAJOR/bin
depends=$(dpkg-deb -f "$deb" Depends)
[[ $depends == "postgresql-$PG_MAJOR, "* && $depends == *"libc6 (>= 2."* && $depends == *libgcc-s1* ]] \
  || fail "Depends: $depends (wants the server, and the packages of the libraries the .so links)"
echo "ok - Depends: $depends"

# lintian, Debian's package checker, finds no error or warning (run unprivileged, as it wants);
# the same package with a maintainer that has no address is refused, so the check is live.
out=$(runuser -u nobody -- lintian --fail-on error,warning "$deb" 2>&1) || fail "lintian: $out"
lint_dir=$(mktemp -d)
dpkg-deb -R "$deb" "$lint_dir/root"
sed -i 's/^Maintainer: .*/Maintainer: The pg_seqsync developers/' "$lint_dir/root/DEBIAN/control"
dpkg-deb --root-owner-group --build "$lint_dir/root" "$lint_dir/bad.deb" >/dev/null
chmod -R a+rX "$lint_dir"
if out=$(runuser -u nobody -- lintian --fail-on error,warning "$lint_dir/bad.deb" 2>&1); then
  fail "lintian accepted a maintainer without an address"
fi
[[ $out == *malformed-contact* ]] || fail "lintian on the broken package: $out"
rm -rf "$lint_dir"
echo "ok - lintian: no error or warning (and a maintainer without an address is caught)"

# Start from a tree without pg_seqsync: the suite's own `cargo pgrx install` put unpackaged
# copies there (and puts them back before it needs them again).
apt-get remove -y -qq "$package" >/dev/null 2>&1 || true
rm -f "$("$bin/pg_config" --pkglibdir)/pg_seqsync.so" "$("$bin/pg_config" --sharedir)"/extension/pg_seqsync*
dirs_before=$(find /usr/lib/postgresql /usr/share/postgresql /usr/share/doc -type d | sort)

# 1. Install.
apt-get install -y -qq "$deb" >/dev/null 2>&1 || fail "apt-get install $deb failed"
expect "installed" "$(dpkg-query -W -f='${Status} ${Version}' "$package")" "install ok installed $deb_version"
files=$(dpkg -L "$package")
for f in "/usr/lib/postgresql/$PG_MAJOR/lib/pg_seqsync.so" \
  "/usr/share/postgresql/$PG_MAJOR/extension/pg_seqsync.control" \
  "/usr/share/postgresql/$PG_MAJOR/extension/pg_seqsync--$version.sql" \
  "/usr/share/postgresql/$PG_MAJOR/extension/pg_seqsync--0.1.0.sql" \
  "/usr/share/postgresql/$PG_MAJOR/extension/pg_seqsync--0.1.0--0.2.0.sql" \
  "/usr/share/doc/$package/copyright" "/usr/share/doc/$package/changelog.Debian.gz"; do
  grep -qx "$f" <<<"$files" && [[ -f $f ]] || fail "$f is not installed by the package"
done
echo "ok - library, control file, install and upgrade scripts and copyright are the package's"
grep -q "^License: PostgreSQL" "/usr/share/doc/$package/copyright" || fail "no licence in the copyright file"
[[ -z $(dpkg --verify "$package") ]] || fail "dpkg --verify: $(dpkg --verify "$package")"
echo "ok - dpkg --verify finds every file as packaged"

# 2. A fresh cluster of Debian's server.
rm -rf "$BASE"
install -d -o postgres -g postgres -m 0755 "$BASE"
as_postgres "$bin/initdb" -D "$BASE/data" -U postgres --auth=trust >/dev/null
env -u RUST_BACKTRACE runuser -u postgres -- "$bin/pg_ctl" -D "$BASE/data" -l "$BASE/server.log" -w start \
  -o "-p $PORT -k $BASE -c listen_addresses=''" >/dev/null
trap 'as_postgres "$bin/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null 2>&1 || true' EXIT
q() { PGOPTIONS="-c client_min_messages=warning" "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$BASE" -p "$PORT" -U postgres "$@"; }
extension_works
expect "C functions name the library without a directory (found through dynamic_library_path)" \
  "$(q -c "SELECT count(*) FROM pg_proc WHERE probin = 'pg_seqsync'")" \
  "$(q -c "SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c') AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_seqsync')")"
as_postgres "$bin/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null
trap - EXIT

# 3. The same .deb again: nothing to do, and a forced reinstall leaves the same files.
out=$(apt-get install -y "$deb" 2>&1) || fail "a second apt-get install failed: $out"
[[ $out == *"already the newest version"* ]] || fail "a second install did something: $out"
apt-get install -y -qq --reinstall "$deb" >/dev/null 2>&1 || fail "apt-get install --reinstall failed"
expect "files after a reinstall" "$(dpkg -L "$package")" "$files"
[[ -z $(dpkg --verify "$package") ]] || fail "dpkg --verify after reinstall: $(dpkg --verify "$package")"
echo "ok - a second install of the same .deb is idempotent"

# 4. Remove.
apt-get remove -y -qq "$package" >/dev/null || fail "apt-get remove failed"
status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
[[ -z $status || $status == *not-installed ]] || fail "after apt-get remove the package is [$status]"
while read -r f; do
  [[ -d $f ]] && continue
  [[ ! -e $f ]] || fail "$f is left behind after apt-get remove"
done <<<"$files"
[[ ! -e /usr/share/doc/$package ]] || fail "/usr/share/doc/$package is left behind"
expect "directories after remove" "$(find /usr/lib/postgresql /usr/share/postgresql /usr/share/doc -type d | sort)" "$dirs_before"
echo "ok - apt-get remove leaves nothing behind"
echo "deb: all checks passed for PostgreSQL $PG_MAJOR"
