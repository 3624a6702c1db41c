#!/bin/sh
# test_concurrency.sh - readers and writers at the same time (issue
# "Hardening", item 4; SPEC §6: "Readers (a BI tool, sqlite3) can read while
# a run writes").
#
#   while `vitals load` of a large file writes, a sqlite3 CLI reader reads
#     customers and usage over and over: every read succeeds within 1 s and
#     sees the file all or nothing (never part of it)
#   while `vitals score` writes (once it exists), a reader reads runs and
#     scores the same way: never a run without all its scores
#   two writers at once (two loads, two score runs, a load and a score):
#     each either succeeds (they serialize) or fails cleanly with exit 4 and
#     "database is locked", storing nothing; PRAGMA integrity_check = ok
# Uses lib.sh (run.sh gives it a fresh $TMP); `set -u` only, see test_faults.sh.
set -u
. "$E2E/lib.sh"

CUSTOMERS=4000
DAYS=150       # usage rows: CUSTOMERS x DAYS = 600,000, a load of a second or two

new_db
DB=$VITALS_DB
DATA=$(mk data)

# gen_usage FILE FIRST_DAY_OFFSET: CUSTOMERS x DAYS usage rows
gen_usage() {
    python3 - "$1" "$CUSTOMERS" "$DAYS" "$2" <<'EOF'
import datetime, sys
path, customers, days, offset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
start = datetime.date(2026, 10, 31) - datetime.timedelta(days=days - 1 + offset)
with open(path, "w") as f:
    f.write("customer_id,date,active_users,sessions,events\n")
    for d in range(days):
        day = (start + datetime.timedelta(days=d)).isoformat()
        for c in range(customers):
            f.write("C%05d,%s,%d,%d,%d\n" % (c + 1, day, (c * 7 + d) % 40 + 1, c % 13, d % 97))
EOF
}

python3 - "$DATA/customers.csv" "$CUSTOMERS" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("customer_id,name,segment,seats,start_date,renewal_date\n")
    for c in range(n):
        f.write("C%05d,Customer %d,%s,%d,2024-01-%02d,2027-0%d-01\n"
                % (c + 1, c + 1, ("smb", "mid", "enterprise")[c % 3], 10 + c % 90, c % 28 + 1, c % 9 + 1))
EOF
mkdir -p "$DATA/a" "$DATA/b"
gen_usage "$DATA/a/usage.csv" 0
gen_usage "$DATA/b/usage.csv" "$DAYS"
cp "$DATA/customers.csv" "$DATA/b/customers.csv"
run_vitals load "$DATA/customers.csv"
assert_exit 0 "load customers"
ROWS=$((CUSTOMERS * DAYS))

# The reader: while process PID runs, run each query with the sqlite3 CLI
# again and again (no busy timeout: a reader that has to wait is reported);
# each must succeed within LIMIT seconds and print output that its CHECK (a
# Python expression over `out`, the output split into words) accepts.
cat >"$TMP/reader.py" <<'EOF'
import os, subprocess, sys, time
db, pid, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
pairs = list(zip(sys.argv[4::2], sys.argv[5::2]))    # (sql, check)
reads, worst, problems = 0, 0.0, []
start = time.monotonic()
def alive():
    # a zombie (exited, not yet reaped by the shell) is not writing any more
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
while alive():
    for sql, check in pairs:
        t = time.monotonic()
        p = subprocess.run(["sqlite3", "-batch", db, sql], capture_output=True, text=True)
        took = time.monotonic() - t
        reads += 1
        worst = max(worst, took)
        out = p.stdout.split()
        at = "at %.2f s" % (t - start)
        if p.returncode != 0:
            problems.append("%s: %r failed (exit %d): %s" % (at, sql, p.returncode, p.stderr.strip()))
        elif took > limit:
            problems.append("%s: %r took %.2f s" % (at, sql, took))
        else:
            try:
                ok = eval(check, {"out": out})
            except Exception:
                ok = False
            if not ok:
                problems.append("%s: %r read %s, expected %s" % (at, sql, out, check))
print("reads %d in %.2f s, slowest %.3f s" % (reads, time.monotonic() - start, worst))
for p in problems[:5]:
    print("PROBLEM " + p)
EOF

# read_while PID SQL CHECK [SQL CHECK]...: run the reader alongside PID
read_while() {
    _pid=$1
    shift
    python3 "$TMP/reader.py" "$DB" "$_pid" 1.0 "$@" >"$TMP/reader.out" 2>&1
    sed "s/^/    $SECTION: /" "$TMP/reader.out" >&2
    grep -q '^PROBLEM' "$TMP/reader.out" && fail "$(grep '^PROBLEM' "$TMP/reader.out" | head -n 3)"
    _reads=$(sed -n 's/^reads \([0-9]*\).*/\1/p' "$TMP/reader.out")
    [ "${_reads:-0}" -ge 3 ] || fail "only ${_reads:-0} reads while the writer ran: nothing was tested"
}

integrity() {
    assert_eq ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "$1: integrity_check"
}

# ---------------------------------------------------------------- load
section "readers during a load"
"$VITALS" --db "$DB" load "$DATA/a/usage.csv" 2>"$TMP/load.err" &
pid=$!
read_while $pid "SELECT count(*) FROM customers;" "out == ['$CUSTOMERS']" \
    "SELECT count(*) FROM usage;" "out in (['0'], ['$ROWS'])"
wait $pid
rc=$?
assert_eq 0 "$rc" "the load (stderr: $(cat "$TMP/load.err"))"
assert_eq "$ROWS" "$(q 'SELECT count(*) FROM usage')" "rows after the load"
integrity "load"

# ---------------------------------------------------------------- two loads
section "two loads at once"
# b/usage.csv: other dates (new rows); b/customers.csv: the same customers
"$VITALS" --db "$DB" load "$DATA/b/usage.csv" 2>"$TMP/w1.err" &
p1=$!
"$VITALS" --db "$DB" load "$DATA/b/customers.csv" "$DATA/a/usage.csv" 2>"$TMP/w2.err" &
p2=$!
wait $p1
rc1=$?
wait $p2
rc2=$?
for w in "1 $rc1" "2 $rc2"; do
    set -- $w
    case $2 in
    0) ;;
    4) assert_contains "$(cat "$TMP/w$1.err")" "database is locked" "writer $1 stderr" ;;
    *) fail "writer $1: exit $2, expected 0 or 4: $(cat "$TMP/w$1.err")" ;;
    esac
done
[ "$rc1" = 0 ] || [ "$rc2" = 0 ] || fail "neither writer succeeded"
expect=$ROWS
[ "$rc1" = 0 ] && expect=$((2 * ROWS))
assert_eq "$expect" "$(q 'SELECT count(*) FROM usage')" "usage rows after two writers"
assert_eq "$CUSTOMERS" "$(q 'SELECT count(*) FROM customers')" "customers after two writers"
integrity "two loads"

# ---------------------------------------------------------------- score
if [ -f "$REPO/rules/health.lua" ] && "$VITALS" score --help 2>/dev/null | grep -q -- "--rules"; then
    section "readers during a score run"
    complete="SELECT count(*) FROM runs r WHERE r.customers <> (SELECT count(*) FROM scores s WHERE s.run_id = r.run_id);"
    "$VITALS" --db "$DB" score --as-of 2026-10-31 >/dev/null 2>"$TMP/score.err" &
    pid=$!
    read_while $pid "$complete" "out == ['0']" "SELECT count(*) FROM scores;" "len(out) == 1" \
        "SELECT band, count(*) FROM scores GROUP BY band;" "True"
    wait $pid
    rc=$?
    case $rc in
    0 | 3) ;;
    *) fail "score: exit $rc: $(cat "$TMP/score.err")" ;;
    esac
    assert_eq 1 "$(q 'SELECT count(*) FROM runs')" "runs after one score"
    assert_eq 0 "$(q "$complete")" "incomplete runs"
    integrity "score"

    section "two score runs at once"
    "$VITALS" --db "$DB" score --as-of 2026-10-31 >/dev/null 2>"$TMP/s1.err" &
    p1=$!
    "$VITALS" --db "$DB" score --as-of 2026-10-30 >/dev/null 2>"$TMP/s2.err" &
    p2=$!
    wait $p1
    rc1=$?
    wait $p2
    rc2=$?
    ok=0
    for w in "1 $rc1" "2 $rc2"; do
        set -- $w
        case $2 in
        0 | 3) ok=$((ok + 1)) ;;
        4) assert_contains "$(cat "$TMP/s$1.err")" "database is locked" "score $1 stderr" ;;
        *) fail "score $1: exit $2, expected 0, 3 or 4: $(cat "$TMP/s$1.err")" ;;
        esac
    done
    [ $ok -ge 1 ] || fail "neither score run succeeded"
    assert_eq $((1 + ok)) "$(q 'SELECT count(*) FROM runs')" "runs stored"
    assert_eq 0 "$(q "$complete")" "incomplete runs"
    integrity "two score runs"

    section "a load and a score run at once"
    rows=$(q 'SELECT count(*) FROM usage')
    "$VITALS" --db "$DB" load "$DATA/a/usage.csv" 2>"$TMP/l.err" &
    p1=$!
    "$VITALS" --db "$DB" score --as-of 2026-10-31 >/dev/null 2>"$TMP/s.err" &
    p2=$!
    wait $p1
    rc1=$?
    wait $p2
    rc2=$?
    case $rc1 in
    0) ;;
    4) assert_contains "$(cat "$TMP/l.err")" "database is locked" "load stderr" ;;
    *) fail "load: exit $rc1: $(cat "$TMP/l.err")" ;;
    esac
    case $rc2 in
    0 | 3) ;;
    4) assert_contains "$(cat "$TMP/s.err")" "database is locked" "score stderr" ;;
    *) fail "score: exit $rc2: $(cat "$TMP/s.err")" ;;
    esac
    assert_eq 0 "$(q "$complete")" "incomplete runs"
    assert_eq "$rows" "$(q 'SELECT count(*) FROM usage')" "usage rows (a reload updates)"
    integrity "load and score"
else
    echo "SKIP score cases: vitals score is not there yet" >&2
fi

finish
