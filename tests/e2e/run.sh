#!/bin/sh
# run.sh - run the end-to-end tests: every tests/e2e/test_*.sh, or the ones
# named on the command line (`sh tests/e2e/run.sh test_load.sh`).
#
# Each script runs independently with `sh`, in its own fresh temporary
# directory, with VITALS (absolute path of the binary; default
# build/vitals), REPO, E2E and TMP exported (see lib.sh).  One line per script:
#   PASS test_load.sh (4s)
#   FAIL test_load.sh (4s), kept /tmp/vitals-e2e.XXXX  + the script's output
# Exit status: 0 when every script passed, 1 otherwise.
# E2E_TIMEOUT (seconds, default 300) bounds each script when timeout(1) exists.

E2E=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$E2E/../.." && pwd)
VITALS=${VITALS:-$REPO/build/vitals}
case $VITALS in
/*) ;;
*) VITALS=$(pwd)/$VITALS ;;
esac
if [ ! -x "$VITALS" ]; then
    echo "run.sh: $VITALS is not an executable; build it with make or set VITALS" >&2
    exit 1
fi
for tool in sqlite3 python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: $tool is required" >&2; exit 1; }
done
export VITALS REPO E2E
unset VITALS_DB

if [ $# -gt 0 ]; then
    scripts=""
    for name in "$@"; do
        name=${name##*/}
        case $name in test_*) ;; *) name=test_$name ;; esac
        case $name in *.sh) ;; *) name=$name.sh ;; esac
        [ -f "$E2E/$name" ] || { echo "run.sh: no $E2E/$name" >&2; exit 1; }
        scripts="$scripts $E2E/$name"
    done
else
    scripts=$(ls "$E2E"/test_*.sh 2>/dev/null)
fi

TIMEOUT=""
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout ${E2E_TIMEOUT:-300}"

passed=0
failed=0
for script in $scripts; do
    name=${script##*/}
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/vitals-e2e.XXXXXX") || exit 1
    export TMP
    start=$(date +%s)
    (cd "$TMP" && $TIMEOUT sh "$script") >"$TMP/.log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS $name (${secs}s)"
        rm -rf "$TMP"
    else
        failed=$((failed + 1))
        [ "$rc" -eq 124 ] && echo "(timed out)" >>"$TMP/.log"
        echo "FAIL $name (${secs}s, exit $rc), kept $TMP"
        sed 's/^/    /' "$TMP/.log"
    fi
done

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
