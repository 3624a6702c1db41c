#!/bin/sh
# test_limits.sh - the documented input limits of `vitals load`
# (src/load_limits.h, `vitals load --help`) and flat memory as files grow
# (issue "Hardening", item 7).
#
#   a field of 65536 bytes loads; 65537 bytes: that row is rejected (exit 3)
#   a row over 16 MiB (long fields, or an unterminated quote): the file is
#     refused (exit 2), nothing of it stored
#   1000 columns load (custom and built-in tables: 997 extra columns go to
#     the JSON `extra`); 1001 in the header or in any row: the file is refused
#   peak RSS of a load grows by less than 20 % from 50,000 to 500,000 rows,
#     for a first load (bulk insert) and for a reload (upsert)
# There is no limit on the file size: the loader streams.
set -u
. "$E2E/lib.sh"

snap() {
    sqlite3 "$VITALS_DB" .dump | sha256sum | cut -d' ' -f1
}

new_db
DIR=$(mk limits)

# ---------------------------------------------------------------- field size
section "field size"
python3 - "$DIR/customers.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("customer_id,name,start_date\n")
    f.write("C1,%s,2024-01-01\n" % ("x" * 65536))
    f.write("C2,\"%s\",2024-01-01\n" % ("y" * 65537))
    f.write("C3,%s,2024-01-01\n" % ("\u00e9" * 32768))       # 65536 bytes of UTF-8
    f.write("C4,ok,2024-01-01\n")
EOF
run_vitals load "$DIR/customers.csv"
assert_exit 3 "one field over the limit: that row is rejected"
assert_contains "$ERR" "customers.csv:3:2: column name: field of 65537 bytes is longer than the 65536-byte limit" "stderr"
assert_eq 3 "$(summary_field "$DIR/customers.csv" inserted)" "rows inserted"
assert_eq 1 "$(summary_field "$DIR/customers.csv" rejected)" "rows rejected"
assert_eq 65536 "$(q "SELECT length(name) FROM customers WHERE customer_id = 'C1'")" "a 65536-byte field is kept whole"
assert_eq 65537 "$(python3 -c '
import csv, sys
csv.field_size_limit(1 << 30)
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len(rows[1][1]))' "$DIR/customers.rejects.csv")" "the rejected row is written unchanged"

# ---------------------------------------------------------------- row size
section "row size"
before=$(snap)
python3 - "$DIR/bigrow.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("customer_id,date,active_users,note\n")
    f.write("C1,2025-01-01,1,small\n")
    f.write("C1,2025-01-02,2,%s\n" % ",".join(["z" * 60000] * 300))   # 18 MB in one row
EOF
run_vitals load --table usage "$DIR/bigrow.csv"
assert_exit 2 "a row over 16 MiB"
assert_contains "$ERR" "bigrow.csv:3: row longer than 16777216 bytes" "stderr"
assert_contains "$ERR" "nothing loaded from this file" "stderr"
assert_eq "$before" "$(snap)" "database unchanged"

python3 - "$DIR/unterminated.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("customer_id,date,active_users\nC1,2025-01-01,1\nC1,\"2025-01-02,2\n")
    for i in range(330000):
        f.write("C%d,2025-01-03,%d,an unterminated quote swallows the rest of the file\n" % (i, i))
EOF
run_vitals load --table usage "$DIR/unterminated.csv"
assert_exit 2 "an unterminated quote"
assert_contains "$ERR" "unterminated.csv:3: row longer than 16777216 bytes (an unterminated quote?)" "stderr"
assert_eq "$before" "$(snap)" "database unchanged"

printf 'customer_id,date,active_users\nC1,2025-01-01,1\nC2,"2025-01-02,2\nC3,2025-01-03,3\n' >"$DIR/open.csv"
run_vitals load --table usage "$DIR/open.csv"
assert_exit 2 "an unterminated quote at the end of the file"
assert_contains "$ERR" "open.csv:3: unterminated quoted field" "stderr"
assert_eq "$before" "$(snap)" "database unchanged"

# ---------------------------------------------------------------- columns
section "columns"
# wide N EXTRA_ROW_FIELDS FILE: a header of N columns c0..c(N-1), two rows
wide() {
    python3 - "$@" <<'EOF'
import sys
n, extra, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    f.write(",".join("c%d" % i for i in range(n)) + "\n")
    f.write(",".join("v%d" % i for i in range(n)) + "\n")
    f.write(",".join("w%d" % i for i in range(n + extra)) + "\n")
EOF
}
wide 1000 0 "$DIR/wide1000.csv"
run_vitals load --table wide_ok "$DIR/wide1000.csv"
assert_exit 0 "1000 columns in a custom table"
assert_eq "v999" "$(q 'SELECT c999 FROM wide_ok LIMIT 1')" "the last column"

before=$(snap)
wide 1001 0 "$DIR/wide1001.csv"
run_vitals load --table wide_bad "$DIR/wide1001.csv"
assert_exit 2 "1001 columns in the header"
assert_contains "$ERR" "wide1001.csv:1: more than 1000 columns" "stderr"
assert_eq "$before" "$(snap)" "database unchanged"

wide 10 991 "$DIR/widerow.csv"
run_vitals load --table wide_row "$DIR/widerow.csv"
assert_exit 2 "a row of 1001 fields"
assert_contains "$ERR" "widerow.csv:3: more than 1000 columns" "stderr"
assert_eq "$before" "$(snap)" "database unchanged"

# a built-in table keeps unknown columns in `extra` (SPEC §2), up to the limit
python3 - "$DIR/usage.csv" <<'EOF'
import sys
extra = ["x%d" % i for i in range(997)]
with open(sys.argv[1], "w") as f:
    f.write(",".join(["customer_id", "date", "active_users"] + extra) + "\n")
    f.write(",".join(["C1", "2025-01-01", "3"] + ["v%d" % i for i in range(997)]) + "\n")
EOF
run_vitals load "$DIR/usage.csv"
assert_exit 0 "a built-in table with 997 extra columns (1000 in all)"
assert_eq "v996" "$(q "SELECT json_extract(extra, '\$.x996') FROM usage WHERE customer_id = 'C1'")" \
    "the last extra column in extra"

# ---------------------------------------------------------------- memory
section "peak memory is flat"
# ASan keeps freed memory in quarantine and adds shadow memory, so peak RSS
# says nothing about the program there: the plain build is what is measured.
if [ "${VITALS_SANITIZED:-}" = 1 ]; then
    echo "SKIP peak memory: a sanitizer build (VITALS_SANITIZED=1)" >&2
    finish
fi
python3 - "$VITALS" "$TMP/mem" <<'EOF' >"$TMP/mem.out" 2>&1
import datetime, os, subprocess, sys
vitals, base = sys.argv[1], sys.argv[2]

def gen(path, customers, days):
    start = datetime.date(2023, 1, 1)
    with open(path, "w") as f:
        f.write("customer_id,date,active_users,sessions,events,note\n")
        for d in range(days):
            day = (start + datetime.timedelta(days=d)).isoformat()
            for c in range(customers):
                f.write("C%04d,%s,%d,%d,%d,n%d\n" % (c + 1, day, (c * 7 + d) % 50, c % 13, d % 97, d))

def peak_kb(*args):
    """Peak RSS (KB) of one vitals run: its own rusage, from wait4."""
    p = subprocess.Popen([vitals] + list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("vitals %s failed: %s" % (" ".join(args), err))
    return usage.ru_maxrss

peaks = {}
for name, days in (("50k", 100), ("500k", 1000)):
    d = os.path.join(base, name)
    os.makedirs(d, exist_ok=True)
    gen(os.path.join(d, "usage.csv"), 500, days)
    db = os.path.join(d, "m.db")
    subprocess.run([vitals, "--db", db, "init"], check=True, stderr=subprocess.DEVNULL)
    first = peak_kb("--db", db, "load", os.path.join(d, "usage.csv"))
    again = peak_kb("--db", db, "load", os.path.join(d, "usage.csv"))
    peaks[name] = (first, again)
    print("%s rows: peak RSS %d KB (first load), %d KB (reload)" % (name, first, again))
for i, what in enumerate(("first load", "reload")):
    small, large = peaks["50k"][i], peaks["500k"][i]
    growth = (large - small) * 100.0 / small
    print("%s: %+.1f %%" % (what, growth))
    if growth >= 20:
        print("FAIL %s: peak RSS grows %.1f %% (%d -> %d KB) for 10x the rows" % (what, growth, small, large))
EOF
[ $? -eq 0 ] || fail "memory measurement failed: $(cat "$TMP/mem.out")"
cat "$TMP/mem.out" >&2
if grep -q '^FAIL' "$TMP/mem.out"; then
    fail "$(grep '^FAIL' "$TMP/mem.out")"
fi
rm -rf "$TMP/mem"

finish
