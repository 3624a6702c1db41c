# lib.sh - helpers for the end-to-end tests (POSIX sh; sourced, not run).
#
# A test is tests/e2e/test_NAME.sh.  run.sh runs each one with `sh`, in a fresh
# empty temporary directory (also its working directory), with:
#   VITALS   absolute path of the vitals binary
#   REPO     absolute path of the repository root (examples/, rules/, ...)
#   E2E      absolute path of tests/e2e (fixtures are in $E2E/fixtures/)
#   TMP      the fresh temporary directory (removed afterwards when the test passes)
# A test passes when it exits 0.  Start it with
#   . "$E2E/lib.sh"
# and end it with `finish`.  Failed assertions are reported and counted; the
# script goes on, so one run shows every failure; `finish` exits 1 if any.
#
#   section NAME                  label the following assertions in messages
#   fail MESSAGE                  record a failure
#   assert_eq EXPECTED ACTUAL [WHAT]
#   assert_ne UNEXPECTED ACTUAL [WHAT]
#   assert_contains HAYSTACK NEEDLE [WHAT]       (fixed string, not a pattern)
#   assert_not_contains HAYSTACK NEEDLE [WHAT]
#   assert_file FILE / assert_no_file FILE
#   run_vitals ARGS...            run "$VITALS" ARGS; sets RC, OUT (stdout), ERR (stderr);
#                                 never stops the script
#   run_vitals_within SECS ARGS...  the same, but killed after SECS seconds (then RC is 124)
#   assert_exit EXPECTED [WHAT]   compare RC of the last run_vitals (shows stderr on failure)
#   new_db [NAME]                 fresh database $TMP/NAME.db (default: test) after
#                                 `vitals init`; exports VITALS_DB, so vitals and q use it
#   q SQL                         run SQL on $VITALS_DB with the sqlite3 shell (list mode,
#                                 '|' separator, no header); prints the result
#   table_sum SQL                 a checksum of the SQL's whole result: md5 of its output
#                                 lines sorted, so the row order does not matter
#   csv_rows FILE                 number of data rows in a CSV file (python3 csv module:
#                                 quoted newlines are one row; blank lines do not count)
#   summary_of FILE               the `FILE: read N, ...` summary line from $ERR
#   summary_field FILE FIELD      N of FIELD (read, inserted, updated, rejected,
#                                 unknown customers) in that line
#   mk NAME                       make and print a fresh directory $TMP/NAME
#   $PYTHON                       python3 (resolved once: version-manager shims are slow)

: "${VITALS:?VITALS must be the absolute path of the vitals binary}"
: "${TMP:=$(pwd)}"
: "${REPO:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${E2E:=$REPO/tests/e2e}"
export VITALS REPO E2E TMP
: "${PYTHON:=$(python3 -c 'import sys; print(sys.executable)')}"
export PYTHON

FAILURES=0
SECTION=""

section() {
    SECTION=$1
}

fail() {
    FAILURES=$((FAILURES + 1))
    if [ -n "$SECTION" ]; then
        printf 'FAIL [%s]: %s\n' "$SECTION" "$*" >&2
    else
        printf 'FAIL: %s\n' "$*" >&2
    fi
}

assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-value}: expected [$1], got [$2]"
}

assert_ne() {
    [ "$1" != "$2" ] || fail "${3:-value}: expected something other than [$1]"
}

assert_contains() {
    case $1 in
    *"$2"*) ;;
    *) fail "${3:-output} does not contain [$2]; it is: [$1]" ;;
    esac
}

assert_not_contains() {
    case $1 in
    *"$2"*) fail "${3:-output} contains [$2]; it is: [$1]" ;;
    esac
}

assert_file() {
    [ -f "$1" ] || fail "${2:-file} $1 does not exist"
}

assert_no_file() {
    [ ! -e "$1" ] || fail "${2:-file} $1 exists but should not"
}

run_vitals() {
    "$VITALS" "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
}

run_vitals_within() {
    _secs=$1
    shift
    timeout -s KILL "$_secs" "$VITALS" "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    [ "$RC" = 137 ] && RC=124
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
}

assert_exit() {
    [ "$RC" = "$1" ] || fail "${2:-exit status}: expected $1, got $RC; stderr: [$ERR]"
}

new_db() {
    VITALS_DB="$TMP/${1:-test}.db"
    export VITALS_DB
    rm -f "$VITALS_DB" "$VITALS_DB-wal" "$VITALS_DB-shm"
    "$VITALS" init >/dev/null 2>"$TMP/.init.err" || fail "vitals init failed: $(cat "$TMP/.init.err")"
}

q() {
    sqlite3 -batch -noheader -list "$VITALS_DB" "$1"
}

table_sum() {
    q "$1" | LC_ALL=C sort | md5sum | cut -d' ' -f1
}

csv_rows() {
    "$PYTHON" -c '
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
    csv.field_size_limit(sys.maxsize)
    print(max(0, sum(1 for r in csv.reader(f) if r) - 1))' "$1"
}

summary_of() {
    printf '%s\n' "$ERR" | grep -F "$1: read " | tail -n 1
}

summary_field() {
    summary_of "$1" | sed -n "s/.*[:,] $2 \([0-9][0-9]*\).*/\1/p"
}

mk() {
    rm -rf "${TMP:?}/$1"
    mkdir -p "$TMP/$1"
    printf '%s\n' "$TMP/$1"
}

finish() {
    if [ "$FAILURES" -gt 0 ]; then
        printf '%d failure(s)\n' "$FAILURES" >&2
        exit 1
    fi
    exit 0
}
