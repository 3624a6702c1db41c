#!/bin/sh
# test_load_kill.sh - SPEC §2: "A load of one file is one transaction:
# interrupted, it leaves the database as it was."  A large usage load is
# killed with SIGKILL part-way, at several delays; the database must pass
# PRAGMA integrity_check and hold exactly what it held before (rows,
# checksum, customer keys, the key index).  Both load paths are covered: the
# upsert path (table already has rows) and the bulk path (empty table, key
# index dropped during the load and rebuilt at the end).
. "$E2E/lib.sh"

D=$(mk kill)

section "generate a large usage file"
"$PYTHON" "$REPO/scripts/gen_portfolio.py" --only usage --customers 20000 --usage-days 90 \
    --out "$D/gen" >"$TMP/gen.log" 2>&1
if [ -f "$D/gen/usage.csv" ]; then
    mv "$D/gen/usage.csv" "$D/usage.csv"
else
    # fallback: 20000 customers x 64 days of plain rows
    awk 'BEGIN {
        print "customer_id,date,active_users,sessions,events"
        for (d = 1; d <= 64; d++)
            for (c = 1; c <= 20000; c++)
                printf "K%05d,2026-%02d-%02d,%d,%d,%d\n", c, 1 + int((d - 1) / 28), 1 + (d - 1) % 28, c % 50, c % 97, c % 1013
    }' >"$D/usage.csv"
fi
BIG_ROWS=$(($(wc -l <"$D/usage.csv") - 1))
[ "$BIG_ROWS" -gt 1000000 ] || fail "large file has only $BIG_ROWS rows"

# The small file: the first 2000 rows of the large one with other values, so
# that any row the killed load managed to update would show.
head -n 2001 "$D/usage.csv" | awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next }
    { $3 = $3 + 1000; $4 = ""; print }' >"$D/small.csv"

# snapshot: what must not change
snapshot() {
    printf '%s %s %s %s' \
        "$(q "SELECT count(*) FROM data_usage")" \
        "$(table_sum "SELECT * FROM usage")" \
        "$(table_sum "SELECT * FROM customer_keys")" \
        "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'data_usage_key'")"
}

# kill_load DELAY: start loading the large file, SIGKILL it after DELAY
# seconds and wait for it.  KILLED=1 when it was killed; KILLED=0 when it
# had already finished (a fast machine): then it must have succeeded, and
# the database is put back as it was for the next round.
kill_load() {
    "$VITALS" load --table usage "$D/usage.csv" >"$TMP/kill.out" 2>&1 &
    pid=$!
    sleep "$1"
    if kill -0 "$pid" 2>/dev/null; then
        wal=$(stat -c %s "$VITALS_DB-wal" 2>/dev/null || echo 0)
        kill -9 "$pid"
        wait "$pid"
        rc=$?
        assert_eq 137 "$rc" "exit status of the killed load (SIGKILL)"
        echo "killed after ${1}s, WAL at $wal bytes" >&2
        KILLED=1
    else
        wait "$pid"
        assert_eq 0 "$?" "a load that finished before the kill at ${1}s succeeded"
        assert_eq "$BIG_ROWS" "$(q "SELECT count(*) FROM data_usage")" \
            "a load that finished before the kill holds the whole file"
        echo "the load finished before the kill at ${1}s" >&2
        rm -f "$VITALS_DB-wal" "$VITALS_DB-shm"
        cp "$VITALS_DB.before" "$VITALS_DB"
        KILLED=0
    fi
}

# Keep a copy of the database as it is now, for kill_load to put back.
keep_copy() {
    q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    cp "$VITALS_DB" "$VITALS_DB.before"
}

check_unchanged() {
    [ "$KILLED" = 1 ] || return 0
    assert_eq ok "$(q "PRAGMA integrity_check")" "integrity_check after a kill at $1s"
    assert_eq "$2" "$(snapshot)" "rows, checksums and key index after a kill at $1s"
    assert_eq "" "$(ls "$D"/*.rejects.csv 2>/dev/null)" "no rejects file after a kill"
}

section "upsert path"
new_db kill
cp "$D/small.csv" "$D/small_usage.csv"
run_vitals load --table usage "$D/small_usage.csv"
assert_exit 0 "loading the small file"
assert_eq 2000 "$(q "SELECT count(*) FROM usage")" "rows of the small file"
before=$(snapshot)
keep_copy
# ten moments spread over the load, random but the same on every run
DELAYS=$(python3 -c 'import random; r = random.Random(7); print(" ".join("%.2f" % r.uniform(0.1, 1.2) for _ in range(10)))')
for delay in $DELAYS; do
    section "upsert path, kill after ${delay}s"
    kill_load "$delay"
    check_unchanged "$delay" "$before"
done

section "upsert path: the database still works"
run_vitals load --table usage "$D/small_usage.csv"
assert_exit 0 "re-loading the small file after the kills"
assert_contains "$ERR" "read 2000, inserted 0, updated 2000, rejected 0" "summary"
assert_eq "$before" "$(snapshot)" "same content after the re-load"

section "bulk path (empty table), kill after 0.7s"
new_db bulk
before=$(snapshot)
keep_copy
assert_eq "0" "${before%% *}" "empty usage table"
kill_load 0.7
check_unchanged 0.7 "$before"
assert_eq 1 "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'data_usage_key'")" \
    "key index still there after a killed bulk load"

section "bulk path: a complete load afterwards"
run_vitals load --table usage "$D/usage.csv"
assert_exit 0 "loading the large file to the end"
assert_contains "$ERR" "read $BIG_ROWS, inserted $BIG_ROWS, updated 0, rejected 0" "summary"
assert_eq "$BIG_ROWS" "$(q "SELECT count(*) FROM data_usage")" "rows after a complete load"
assert_eq ok "$(q "PRAGMA integrity_check")" "integrity_check after a complete load"

finish
