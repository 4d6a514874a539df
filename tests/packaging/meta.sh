#!/usr/bin/env bash
# META.json: valid against the PGXN Meta spec by PGXN's own validator (the pgxn_meta crate's
# CLI, installed by scripts/setup), and true to the release: its version and the provided
# extension's are Cargo.toml's, the files it names exist, its licence is Cargo.toml's, and the
# SQL edition's files it lists are exactly those scripts/build-sql-edition makes.
# The validator must also reject a META.json known to be invalid, so a validator that passes
# everything cannot pass this test.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
validator=$TOOLS_DIR/bin/pgxn_meta
meta=$PROJECT_DIR/META.json
[[ -x $validator ]] || fail "no $validator: run scripts/setup"

"$validator" "$meta" || fail "pgxn_meta rejects META.json"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$PROJECT_DIR/Cargo.toml")
[[ $(jq -r .version "$meta") == "$version" ]] || fail "META.json version is not Cargo.toml's $version"
[[ $(jq -r .provides.pg_seqsync.version "$meta") == "$version" ]] || fail "META.json provides another version than $version"
for key in file docfile; do
  f=$(jq -r ".provides.pg_seqsync.$key" "$meta")
  [[ -f $PROJECT_DIR/$f ]] || fail "META.json names $key $f, which does not exist"
done
[[ $(jq -r .license "$meta") == "$(sed -n 's/^license = "\(.*\)"/\1/p' "$PROJECT_DIR/Cargo.toml" | tr 'A-Z' 'a-z')" ]] \
  || fail "META.json's licence is not Cargo.toml's"

# The SQL edition's files it lists are the ones scripts/build-sql-edition makes.
built=$(mktemp -d)
"$PROJECT_DIR/scripts/build-sql-edition" "$built" >/dev/null
listed=$(jq -r '.x_sql_edition.files[]' "$meta")
[[ -n $listed ]] || fail "META.json lists no SQL edition files"
while read -r f; do
  [[ $f == *"$version"* && -f $built/$f ]] || fail "META.json lists $f, which scripts/build-sql-edition does not make"
done <<<"$listed"
[[ $(cd "$built" && find . -type f ! -name LICENSE | wc -l) == $(wc -l <<<"$listed") ]] \
  || fail "scripts/build-sql-edition makes files META.json does not list"
rm -rf "$built"

bad=$(mktemp)
trap 'rm -f "$bad"' EXIT
jq '.resources = {"x_build_tool": "cargo-pgrx"}' "$meta" >"$bad"
if "$validator" "$bad" >/dev/null 2>&1; then fail "pgxn_meta accepts resources without homepage, bugtracker or repository"; fi
echo "ok - META.json is valid PGXN metadata for $version; an invalid one is rejected"
