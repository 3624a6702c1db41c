#!/bin/sh
# demo.sh - the tour behind `make demo`: a fresh database (demo.db in the
# repository root, ignored by git), the example portfolio loaded, scored with
# the shipped rules as of the last day of the data, the top 10 at-risk
# customers by ARR as a table, and the explanation of the first of them.
#
#   sh scripts/demo.sh [PATH-TO-VITALS]      (default: ./build/vitals)
#
# Needs only a POSIX shell and awk.
set -eu

cd "$(dirname "$0")/.."
VITALS=${1:-./build/vitals}
case $VITALS in
/*) ;;
*) VITALS=$(pwd)/$VITALS ;;
esac
[ -x "$VITALS" ] || { echo "demo: $VITALS is not built; run make first" >&2; exit 1; }

DB=demo.db
AS_OF=2026-10-31
rm -f "$DB" "$DB-wal" "$DB-shm"
v() { "$VITALS" --db "$DB" "$@"; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "vitals init"
v init

step "vitals load examples/data/*.csv   (customers first, so every row finds its customer)"
v load examples/data/customers.csv $(ls examples/data/*.csv | grep -v '/customers.csv$')

step "vitals score --rules rules/health.lua --as-of $AS_OF"
status=0
v score --rules rules/health.lua --as-of "$AS_OF" || status=$?
# 3: some customers failed a rule; the run is still stored
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"

step "vitals export   (the red band: top 10 by ARR at risk)"
list=$(mktemp)
trap 'rm -f "$list"' EXIT
v export >"$list"
# A small RFC 4180 reader: quoted fields may hold commas, quotes and line breaks.
awk '
function field(    f) {
    f = ""
    if (substr(rec, 1, 1) == "\"") {
        rec = substr(rec, 2)
        while (1) {
            i = index(rec, "\"")
            if (i == 0) { f = f rec; rec = ""; break }
            f = f substr(rec, 1, i - 1)
            rec = substr(rec, i + 1)
            if (substr(rec, 1, 1) == "\"") { f = f "\""; rec = substr(rec, 2) }
            else break
        }
        rec = substr(rec, 2)              # the comma
    } else {
        i = index(rec, ",")
        if (i == 0) { f = rec; rec = "" } else { f = substr(rec, 1, i - 1); rec = substr(rec, i + 1) }
    }
    gsub(/\n/, " ", f)
    return f
}
function cut(s, n) { return length(s) > n ? substr(s, 1, n - 1) "~" : s }
{
    line = pending == "" ? $0 : pending "\n" $0
    q = gsub(/"/, "\"", line)
    if (q % 2) { pending = line; next }   # inside a quoted field: read on
    pending = ""
    rec = line; n = 0
    while (rec != "" || n < 11) { v[++n] = field(); if (n > 20) break }
    if (NR == 1 || v[1] == "customer_id") {
        printf "%-8s %-28s %-11s %-16s %11s %6s %-7s %7s  %s\n", \
            "customer", "name", "segment", "owner", "arr", "score", "band", "change", "top flag"
        next
    }
    if (++rows > 10) exit
    top = v[10]; sub(/; .*/, "", top)
    printf "%-8s %-28s %-11s %-16s %11.2f %6.1f %-7s %7s  %s\n", \
        v[1], cut(v[2], 28), cut(v[3], 11), cut(v[4], 16), v[5], v[6], v[7], \
        (v[9] == "" ? "-" : v[9]), cut(top, 60)
}' "$list"

first=$(awk -F, 'NR == 2 { print $1; exit }' "$list")
rm -f demo-at-risk.csv
if [ -n "$first" ]; then
    step "vitals explain $first"
    v explain "$first"
fi

printf '\nThe database is %s: try `./vitals --db %s explain ID`,\n' "$DB" "$DB"
printf '`./vitals --db %s export --band red,yellow --format json`, or sqlite3 %s.\n' "$DB" "$DB"
