# Sourced by the tests that build third-party software from ../shared/vendor (after
# scripts/lib.sh): the checks they print, and the skip when the source is not there.
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect WHAT ACTUAL EXPECTED
  [[ $2 == "$3" ]] || fail "$1: expected [$3], got [$2]"
  echo "ok - $1"
}

# vendored_source WHAT FILE: the path of ../shared/vendor/FILE (PG_SEQSYNC_VENDOR moves the
# folder), built here against Debian's PostgreSQL 15 only; otherwise says why and ends the test
# as skipped.
vendored_source() {
  local what=$1 file=$2 tarball
  if [[ $PG_MAJOR != 15 ]]; then
    echo "skip - $what is built here against Debian's PostgreSQL 15 only"
    exit 0
  fi
  tarball=${PG_SEQSYNC_VENDOR:-$PROJECT_DIR/../shared/vendor}/$file
  if [[ ! -f $tarball ]]; then
    echo "skip - no $what source at $tarball"
    exit 0
  fi
  VENDORED=$tarball
}
