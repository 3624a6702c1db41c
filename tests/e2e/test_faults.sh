#!/bin/sh
# test_faults.sh - fault injection end to end (issue "Hardening", item 3).
#
# Every fault must give a clear message on stderr, the documented exit status
# (SPEC §1: 2 bad input, 3 partial, 4 internal or database error) and leave
# the database as it was: the same `sqlite3 .dump` (sha256) before and after,
# and PRAGMA integrity_check = ok.
#
#   disk full        a 1 MiB tmpfs (needs mount; skipped when not permitted)
#                    and, without root, RLIMIT_FSIZE with SIGXFSZ ignored, so
#                    writes come up short exactly as on a full disk
#   read-only db     a 0444 file and a read-only directory, as user nobody
#                    (root bypasses permissions), and `chattr +i` as root
#   locked db        another writer holds BEGIN IMMEDIATE past the 5 s busy
#                    timeout: "database is locked", exit 4; released within
#                    the timeout, the load waits and succeeds
#   input files      missing, unreadable, a directory: exit 2, message names it
#   --table NAME     a custom table named like an index of the schema: exit 1
#   killed           SIGKILL at 10 random moments of a score run: a run is
#                    complete or absent (loads: see test_load_kill.sh)
#   export --out     a missing directory (once `vitals export` exists)
#   Lua memory       a rule that allocates without bound (once `vitals score`
#                    exists): the customer fails, not the run or the process
#
# Uses lib.sh (run by run.sh in a fresh $TMP).  `set -u` only: lib.sh's
# run_vitals must see failing commands, and a failed assertion is counted,
# not fatal, so that one run shows every failure.
set -u
. "$E2E/lib.sh"

DATA=$REPO/examples/data

snap() {
    sqlite3 "$1" .dump | sha256sum | cut -d' ' -f1
}

integrity() {
    sqlite3 "$1" "PRAGMA integrity_check" 2>&1
}

# unchanged DB BEFORE WHAT
unchanged() {
    assert_eq "$2" "$(snap "$1")" "$3: database dump (sha256) after the failure"
    assert_eq ok "$(integrity "$1")" "$3: integrity_check"
}

# as_nobody ARGS...: like run_vitals, but as user nobody (sets RC OUT ERR)
as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$VITALS" "$@" \
        >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
}

# is_stub COMMAND: the command is still the placeholder (exit 4, no output)
is_stub() {
    run_vitals "$1" --help
    case $OUT in
    "" | "not yet"*) return 0 ;;
    esac
    return 1
}

chmod 711 "$TMP"    # let user nobody reach the directories made below

# ---------------------------------------------------------------- disk full
section "disk full (tmpfs)"
FULL=$(mk full)
if mount -t tmpfs -o size=1m tmpfs "$FULL" 2>/dev/null; then
    trap 'umount "$FULL" 2>/dev/null' EXIT
    trap 'umount "$FULL" 2>/dev/null; exit 1' INT TERM
    DB=$FULL/full.db
    run_vitals --db "$DB" init
    assert_exit 0 "init on the small filesystem"
    run_vitals --db "$DB" load "$DATA/customers.csv"
    assert_exit 0 "a small load that fits"
    before=$(snap "$DB")
    run_vitals --db "$DB" load "$DATA/usage.csv"
    assert_exit 4 "a load that fills the disk"
    assert_contains "$ERR" "disk is full" "stderr"
    assert_contains "$ERR" "usage.csv" "stderr names the file"
    unchanged "$DB" "$before" "disk full"
    run_vitals --db "$DB" load "$DATA/features.csv"
    assert_exit 0 "a small load after the disk-full failure"

    # rejects written next to the input, on a full disk
    section "disk full (rejects file)"
    DB2=$TMP/rejects.db
    run_vitals --db "$DB2" init
    rm -f "$FULL"/*
    python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("customer_id,date,active_users\n")
    for i in range(25000):
        f.write("C%05d,2025-02-30,%d\n" % (i, i))' "$FULL/usage.csv"
    before=$(snap "$DB2")
    run_vitals --db "$DB2" load "$FULL/usage.csv"
    assert_exit 4 "rejects cannot be written"
    assert_contains "$ERR" "rejects" "stderr"
    unchanged "$DB2" "$before" "rejects on a full disk"
    assert_no_file "$FULL/usage.rejects.csv" "partial rejects file"
    umount "$FULL"
    trap - EXIT INT TERM
else
    echo "SKIP disk full (tmpfs): mount -t tmpfs is not permitted here" >&2
fi

section "disk full (RLIMIT_FSIZE)"
DB=$TMP/fsize.db
run_vitals --db "$DB" init
run_vitals --db "$DB" load "$DATA/customers.csv"
before=$(snap "$DB")
limit=$(($(wc -c <"$DB") + 262144))
python3 - "$limit" "$VITALS" --db "$DB" load "$DATA/usage.csv" >"$TMP/.out" 2>"$TMP/.err" <<'EOF'
import os, resource, signal, sys
limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)    # write() comes up short instead
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv(sys.argv[2], sys.argv[2:])
EOF
RC=$?
ERR=$(cat "$TMP/.err")
assert_exit 4 "a load past the file size limit"
# the write that crosses the limit comes up short (SQLITE_FULL); when SQLite
# writes again, write() fails with EFBIG (SQLITE_IOERR): either is fine here
case $ERR in
*"disk is full"* | *"disk I/O error"*) ;;
*) fail "stderr says neither \"disk is full\" nor \"disk I/O error\": [$ERR]" ;;
esac
assert_contains "$ERR" "usage.csv" "stderr names the file"
unchanged "$DB" "$before" "file size limit"

# ---------------------------------------------------------------- read-only
if command -v setpriv >/dev/null 2>&1 &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$VITALS" --version >/dev/null 2>&1; then
    section "read-only database file (0444, as nobody)"
    RO=$(mk ro-file)
    chmod 777 "$RO"
    cp "$DATA/features.csv" "$DATA/customers.csv" "$RO/"
    chmod 644 "$RO"/*.csv
    DB=$RO/ro.db
    run_vitals --db "$DB" init
    run_vitals --db "$DB" load "$RO/customers.csv"
    chmod 444 "$DB"
    before=$(snap "$DB")
    as_nobody --db "$DB" load "$RO/features.csv"
    assert_exit 4 "load into a read-only database"
    assert_contains "$ERR" "readonly database" "stderr"
    unchanged "$DB" "$before" "read-only file"
    as_nobody --db "$DB" init
    assert_exit 4 "init of a read-only database"
    unchanged "$DB" "$before" "init, read-only file"

    section "read-only directory (as nobody)"
    ROD=$(mk ro-dir)
    DB=$ROD/ro.db
    run_vitals --db "$DB" init
    run_vitals --db "$DB" load "$RO/customers.csv"
    chown nobody "$DB"
    chmod 755 "$ROD"
    before=$(snap "$DB")
    as_nobody --db "$DB" load "$RO/features.csv"
    assert_exit 4 "load where the -wal file cannot be created"
    assert_contains "$ERR" "readonly database" "stderr"
    unchanged "$DB" "$before" "read-only directory"
    as_nobody --db "$ROD/new.db" init
    assert_ne 0 "$RC" "init of a database in a read-only directory"
    assert_contains "$ERR" "$ROD/new.db" "stderr names the database"
    assert_no_file "$ROD/new.db"

    section "unreadable input file (as nobody)"
    cp "$DATA/features.csv" "$RO/secret.csv"
    chmod 600 "$RO/secret.csv"
    run_vitals --db "$RO/in.db" init
    chmod 666 "$RO/in.db"
    before=$(snap "$RO/in.db")
    as_nobody --db "$RO/in.db" load --table features "$RO/secret.csv"
    assert_exit 2 "unreadable input"
    assert_contains "$ERR" "$RO/secret.csv" "stderr names the file"
    assert_contains "$ERR" "Permission denied" "stderr"
    unchanged "$RO/in.db" "$before" "unreadable input"
else
    echo "SKIP read-only and unreadable cases: cannot run $VITALS as nobody (setpriv)" >&2
fi

section "immutable database file (chattr +i)"
DB=$TMP/immutable.db
run_vitals --db "$DB" init
run_vitals --db "$DB" load "$DATA/customers.csv"
before=$(snap "$DB")
if chattr +i "$DB" 2>/dev/null; then
    run_vitals --db "$DB" load "$DATA/features.csv"
    chattr -i "$DB"
    assert_exit 4 "load into an immutable database file"
    assert_contains "$ERR" "readonly database" "stderr"
    unchanged "$DB" "$before" "immutable file"
else
    echo "SKIP immutable database: chattr +i is not supported here" >&2
fi

# ---------------------------------------------------------------- locked
section "database locked by another writer"
DB=$TMP/locked.db
run_vitals --db "$DB" init
run_vitals --db "$DB" load "$DATA/customers.csv"
before=$(snap "$DB")
# hold_lock SECONDS: another process holds the write lock that long
hold_lock() {
    { echo "BEGIN IMMEDIATE;"; echo "UPDATE data_customers SET name = name;"
      sleep "$1"; echo "ROLLBACK;"; } | sqlite3 "$DB" &
    HOLDER=$!
    _i=0
    while sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1 && [ $_i -lt 50 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
}
hold_lock 8
start=$(date +%s)
run_vitals --db "$DB" load "$DATA/features.csv"
took=$(($(date +%s) - start))
wait "$HOLDER"
assert_exit 4 "load while another writer holds the lock"
assert_contains "$ERR" "database is locked" "stderr"
assert_contains "$ERR" "features.csv" "stderr names the file"
[ "$took" -ge 4 ] || fail "gave up after ${took}s, before the 5 s busy timeout"
unchanged "$DB" "$before" "locked"

section "lock released within the busy timeout"
hold_lock 2
run_vitals --db "$DB" load "$DATA/features.csv"
wait "$HOLDER"
assert_exit 0 "load waits for a short lock"
assert_eq 12 "$(sqlite3 "$DB" 'SELECT count(*) FROM features')" "features loaded after the wait"
assert_eq ok "$(integrity "$DB")" "integrity_check"

# ---------------------------------------------------------------- input files
section "missing input file"
DB=$TMP/input.db
run_vitals --db "$DB" init
before=$(snap "$DB")
run_vitals --db "$DB" load "$TMP/nowhere/usage.csv"
assert_exit 2 "missing input file"
assert_contains "$ERR" "$TMP/nowhere/usage.csv" "stderr names the file"
assert_contains "$ERR" "No such file" "stderr"
unchanged "$DB" "$before" "missing input"

section "a directory as input file"
mkdir -p "$TMP/dir/usage.csv"
run_vitals --db "$DB" load "$TMP/dir/usage.csv"
assert_exit 2 "directory as input"
assert_contains "$ERR" "$TMP/dir/usage.csv" "stderr names the file"
unchanged "$DB" "$before" "directory input"

section "a custom table name taken by an index"
# scores_customer is an index of the schema: like the other reserved names
# (runs, scores, data_*), a usage error, not a database error
printf 'a,b\n1,2\n' >"$TMP/deals.csv"
run_vitals --db "$DB" load --table scores_customer "$TMP/deals.csv"
assert_exit 1 "--table scores_customer"
assert_contains "$ERR" "scores_customer" "stderr names the table"
unchanged "$DB" "$before" "custom table named like an index"

section "one bad file among good ones"
run_vitals --db "$DB" load "$DATA/features.csv" "$TMP/nowhere/usage.csv" "$DATA/spend.csv"
assert_exit 2 "missing file among good ones"
assert_eq 12 "$(sqlite3 "$DB" 'SELECT count(*) FROM features')" "the good files before it load"
assert_eq 60 "$(sqlite3 "$DB" 'SELECT count(*) FROM spend')" "the good files after it load"
assert_eq ok "$(integrity "$DB")" "integrity_check"

# ---------------------------------------------------------------- score
if [ -f "$REPO/rules/health.lua" ] && ! is_stub score; then
    section "SIGKILL during score"
    # a portfolio large enough for a run to last about a second
    KDB=$TMP/kill-score.db
    mkdir -p "$TMP/kill"
    python3 - "$TMP/kill" <<'EOF'
import datetime, sys
d = sys.argv[1]
with open(d + "/customers.csv", "w") as f:
    f.write("customer_id,name,segment,seats,start_date,renewal_date\n")
    for c in range(6000):
        f.write("K%05d,Customer %d,%s,%d,2024-01-%02d,2027-0%d-01\n"
                % (c, c, ("smb", "mid", "enterprise")[c % 3], 10 + c % 90, c % 28 + 1, c % 9 + 1))
with open(d + "/usage.csv", "w") as f:
    f.write("customer_id,date,active_users,sessions,events\n")
    end = datetime.date(2026, 10, 31)
    for day in range(30):
        date = (end - datetime.timedelta(days=day)).isoformat()
        for c in range(6000):
            f.write("K%05d,%s,%d,%d,%d\n" % (c, date, (c + day) % 40, c % 7, day))
EOF
    run_vitals --db "$KDB" init
    run_vitals --db "$KDB" load "$TMP/kill/customers.csv" "$TMP/kill/usage.csv"
    start=$(date +%s%N)
    run_vitals --db "$KDB" score --as-of 2026-10-31
    full_ms=$((($(date +%s%N) - start) / 1000000))
    assert_exit 0 "a first complete run"
    complete=1
    for i in 1 2 3 4 5 6 7 8 9 10; do
        delay=$(python3 -c "import random; print(random.uniform(0.005, max(0.01, $full_ms / 1000)))")
        "$VITALS" --db "$KDB" score --as-of 2026-10-31 >/dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        case $? in 0 | 3) complete=$((complete + 1)) ;; esac    # it finished first
        assert_eq ok "$(integrity "$KDB")" "score kill $i after ${delay}s: integrity_check"
        incomplete=$(sqlite3 "$KDB" "SELECT count(*) FROM runs r WHERE r.finished_at IS NULL
            OR r.customers <> (SELECT count(*) FROM scores s WHERE s.run_id = r.run_id)")
        assert_eq 0 "$incomplete" "score kill $i after ${delay}s: runs stored incomplete"
    done
    runs=$(sqlite3 "$KDB" 'SELECT count(*) FROM runs')
    if [ "$runs" -lt "$complete" ] || [ "$runs" -gt 11 ]; then
        fail "$runs runs stored: expected the first one, those that finished before the kill ($((complete - 1))) and perhaps those killed after their commit"
    fi
    run_vitals --db "$KDB" export --band red,yellow,green --format csv
    assert_exit 0 "export after the kills"
    assert_eq 6000 "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l | tr -d ' ')" \
        "export lists a whole run"

    section "Lua out of memory (a rule that allocates without bound)"
    SDB=$TMP/score.db
    run_vitals --db "$SDB" init
    run_vitals --db "$SDB" load "$DATA"/*.csv
    run_vitals --db "$SDB" score --as-of 2026-10-31
    assert_exit 0 "a first run on the example data"
    cat >"$TMP/bomb.lua" <<'EOF'
bands { red = 0, yellow = 50, green = 75 }
measure "grow" {
  weight = 1,
  value = function(c)
    local t = {}
    for i = 1, 1e9 do t[i] = string.rep("x", 4096) .. i end
    return 1
  end,
}
EOF
    runs=$(sqlite3 "$SDB" "SELECT count(*) FROM runs")
    run_vitals --db "$SDB" score --rules "$TMP/bomb.lua" --as-of 2026-10-31
    assert_exit 3 "every customer fails, the run does not"
    assert_contains "$ERR" "memory" "stderr says memory"
    assert_eq ok "$(integrity "$SDB")" "integrity_check"
    assert_eq "$((runs + 1))" "$(sqlite3 "$SDB" 'SELECT count(*) FROM runs')" "the run is stored"

    cat >"$TMP/topbomb.lua" <<'EOF'
local t = {}
for i = 1, 1e9 do t[i] = string.rep("y", 65536) .. i end
bands { red = 0 }
EOF
    before=$(snap "$SDB")
    run_vitals --db "$SDB" score --rules "$TMP/topbomb.lua" --as-of 2026-10-31
    assert_exit 2 "a rule file that exhausts memory while loading"
    assert_contains "$ERR" "topbomb.lua" "stderr names the rule file"
    unchanged "$SDB" "$before" "Lua memory at load"
else
    echo "SKIP score cases (SIGKILL during score, Lua out of memory): vitals score is not there yet" >&2
fi

# ---------------------------------------------------------------- export
section "export --out in a missing directory"
if ! is_stub export && [ -n "${SDB:-}" ]; then
    before=$(snap "$SDB")
    run_vitals --db "$SDB" export --out "$TMP/missing/dir/x.csv"
    assert_exit 2 "export into a missing directory"
    assert_contains "$ERR" "$TMP/missing/dir" "stderr names the directory"
    assert_no_file "$TMP/missing/dir/x.csv"
    unchanged "$SDB" "$before" "export"
else
    echo "SKIP export --out: vitals export (or score) is not there yet" >&2
fi

finish
