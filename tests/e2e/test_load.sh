#!/bin/sh
# test_load.sh - `vitals load` end to end on real files (SPEC §1 load, §2).
#
# Part 1: the example portfolio (examples/data): counts, re-load, views.
# Part 2: malformed and unusual inputs, one section each: exit status, the
# FILE:LINE[:COL] message on stderr, FILE.rejects.csv (original header + error,
# values unchanged), and read = inserted + updated + rejected, checked against
# the summary line and the table.  Fixtures: tests/e2e/fixtures/load/.
. "$E2E/lib.sh"

FIX=$E2E/fixtures/load

# fixture SRC TABLE DIR: copy fixture SRC to DIR/TABLE.csv
fixture() {
    cp "$FIX/$1" "$3/$2.csv" || fail "cannot copy fixture $1"
}

# load_in DIR ARGS...: run `vitals load ARGS` with DIR as working directory
load_in() {
    _dir=$1
    shift
    cd "$_dir" || { fail "no directory $_dir"; return; }
    run_vitals load "$@"
    cd "$TMP" || exit 1
}

# counts FILE [INPUT]: read the summary of FILE into READ INS UPD REJ UNK and
# check read = inserted + updated + rejected, read = data rows of INPUT
# (default FILE, relative to DIR of the last load_in), and that the rejects
# file holds exactly REJ rows (or does not exist when REJ is 0).
counts() {
    _in=${2:-$_dir/$1}
    READ=$(summary_field "$1" read)
    INS=$(summary_field "$1" inserted)
    UPD=$(summary_field "$1" updated)
    REJ=$(summary_field "$1" rejected)
    UNK=$(summary_field "$1" "unknown customers")
    if [ -z "$READ" ] || [ -z "$INS" ] || [ -z "$UPD" ] || [ -z "$REJ" ] || [ -z "$UNK" ]; then
        fail "$1: no complete summary line in stderr: [$ERR]"
        READ=x INS=x UPD=x REJ=x UNK=x
        return
    fi
    assert_eq "$READ" "$((INS + UPD + REJ))" "$1: read = inserted + updated + rejected"
    assert_eq "$(csv_rows "$_in")" "$READ" "$1: read = data rows of the file"
    _rej=${_in%.[cC][sS][vV]}.rejects.csv
    if [ "$REJ" -gt 0 ]; then
        if [ -f "$_rej" ]; then
            assert_eq "$REJ" "$(csv_rows "$_rej")" "$1: rows in $_rej"
        else
            fail "$1: $REJ rejected but no $_rej"
        fi
    else
        assert_no_file "$_rej" "rejects file of a clean load"
    fi
}

# check_rejects INPUT: check INPUT's rejects file against INPUT - header =
# INPUT's header + error, each row's values exactly those of the input row on
# the line its error names ("line N: ...").  Sets REJ_LINES ("3 5") and
# REJ_ERRORS (one error per line).
check_rejects() {
    _rej=${1%.[cC][sS][vV]}.rejects.csv
    REJ_LINES=""
    REJ_ERRORS=""
    if [ ! -f "$_rej" ]; then
        fail "no rejects file $_rej"
        return
    fi
    "$PYTHON" - "$_rej" "$1" >"$TMP/.rej" 2>"$TMP/.rej.err" <<'EOF'
import csv, re, sys

csv.field_size_limit(sys.maxsize)

def records(path):
    out = []
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        r = csv.reader(f)
        while True:
            start = r.line_num + 1
            try:
                row = next(r)
            except StopIteration:
                break
            if row:
                out.append((start, row))
    return out

rej, inp = records(sys.argv[1]), records(sys.argv[2])
ok = True
header = inp[0][1]
rows = dict(inp[1:])
if rej[0][1] != header + ["error"]:
    print("rejects header %r, expected %r" % (rej[0][1], header + ["error"]), file=sys.stderr)
    ok = False
for _, row in rej[1:]:
    err = row[-1]
    m = re.match(r"line (\d+): ", err)
    if not m:
        print("error column %r does not start with 'line N: '" % err, file=sys.stderr)
        ok = False
        continue
    line = int(m.group(1))
    if rows.get(line) != row[:-1]:
        print("line %d: rejects row %r != input row %r" % (line, row[:-1], rows.get(line)),
              file=sys.stderr)
        ok = False
    print("%d\t%s" % (line, err.replace("\n", "\\n")))
sys.exit(0 if ok else 1)
EOF
    [ $? -eq 0 ] || fail "rejects file $_rej: $(cat "$TMP/.rej.err")"
    REJ_LINES=$(cut -f1 "$TMP/.rej" | tr '\n' ' ' | sed 's/ $//')
    REJ_ERRORS=$(cut -f2- "$TMP/.rej")
}

# ------------------------------------------------------------------ part 1

section "examples: first load"
EX=$(mk examples)
cp "$REPO"/examples/data/*.csv "$EX/" || fail "cannot copy examples/data"
TABLES="customers subscriptions usage features adoption surveys tickets engagement spend"
new_db examples
load_in "$EX" customers.csv subscriptions.csv usage.csv features.csv adoption.csv \
    surveys.csv tickets.csv engagement.csv spend.csv
assert_exit 0
for t in $TABLES; do
    counts "$t.csv"
    n=$(csv_rows "$EX/$t.csv")
    assert_ne 0 "$n" "$t.csv data rows"
    assert_eq "$n" "$INS" "$t.csv: inserted"
    assert_eq 0 "$UPD" "$t.csv: updated"
    assert_eq 0 "$REJ" "$t.csv: rejected"
    assert_eq 0 "$UNK" "$t.csv: unknown customers (customers loaded first)"
    assert_eq "$n" "$(q "SELECT count(*) FROM data_$t")" "$t: rows stored"
    assert_eq "$n" "$(q "SELECT count(*) FROM $t")" "$t: rows in the view"
done
# the example surveys have comments with quoted newlines: rows, not lines, count
assert_ne 0 "$(q "SELECT count(*) FROM surveys WHERE comment LIKE '%' || char(10) || '%'")" \
    "multi-line survey comments"
sums_before=""
for t in $TABLES; do
    sums_before="$sums_before $t=$(table_sum "SELECT * FROM $t")"
done

section "examples: re-load"
load_in "$EX" customers.csv subscriptions.csv usage.csv features.csv adoption.csv \
    surveys.csv tickets.csv engagement.csv spend.csv
assert_exit 0
for t in $TABLES; do
    counts "$t.csv"
    assert_eq "$READ" "$UPD" "$t.csv: re-load updated = read"
    assert_eq 0 "$INS" "$t.csv: re-load inserted"
    assert_eq "$(csv_rows "$EX/$t.csv")" "$(q "SELECT count(*) FROM $t")" "$t: rows after re-load"
done
sums_after=""
for t in $TABLES; do
    sums_after="$sums_after $t=$(table_sum "SELECT * FROM $t")"
done
assert_eq "$sums_before" "$sums_after" "table contents after a re-load"

section "examples: views equal the files"
"$PYTHON" - "$VITALS_DB" "$EX" >"$TMP/.views" 2>&1 <<'EOF'
import csv, re, sqlite3, sys

db, d = sys.argv[1], sys.argv[2]
# column kinds as SPEC §2 gives them; keys
T = {
    "customers": ("customer_id", "customer_id:t name:t segment:t plan:t owner:t region:t seats:n "
                  "start_date:t renewal_date:t churn_date:t referred_by:t"),
    "subscriptions": ("customer_id month product", "customer_id:t month:t product:t mrr:n"),
    "usage": ("customer_id date", "customer_id:t date:t active_users:n sessions:n events:n"),
    "features": ("feature", "feature:t key:b"),
    "adoption": ("customer_id feature date", "customer_id:t feature:t date:t uses:n"),
    "surveys": ("customer_id date type respondent",
                "customer_id:t date:t type:e score:n respondent:t comment:t"),
    "tickets": ("ticket_id", "ticket_id:t customer_id:t opened_at:s first_response_at:s "
                "resolved_at:s status:e priority:e contacts:n csat:n"),
    "engagement": ("customer_id date kind", "customer_id:t date:t kind:e count:n"),
    "spend": ("month channel", "month:t channel:t amount:n"),
}
TS = re.compile(r"(\d{4}-\d\d-\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?Z?)?")

def fval(kind, s):
    s = s.strip()
    if s == "":
        return None
    if kind == "n":
        return float(s)
    if kind == "b":
        return 1 if s.lower() in ("true", "yes", "1") else 0
    if kind == "e":
        return s.lower()
    if kind == "s":
        m = TS.fullmatch(s)
        if not m:
            raise ValueError("bad timestamp in file: %r" % s)
        return "%sT%s:%s:%sZ" % (m[1], m[2] or "00", m[3] or "00", m[4] or "00")
    return s

def dval(kind, v):
    if v is None or v == "":
        return None
    return float(v) if kind == "n" else v

con = sqlite3.connect(db)
bad = 0
for table, (keys, spec) in T.items():
    cols = [c.split(":") for c in spec.split()]
    keyi = [i for i, (n, _) in enumerate(cols) if n in keys.split()]
    with open("%s/%s.csv" % (d, table), newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        want = {}
        for row in r:
            vals = [fval(k, row[n]) for n, k in cols]
            want[tuple(vals[i] if vals[i] is not None else "" for i in keyi)] = vals
    got = {}
    q = "SELECT %s FROM %s" % (", ".join('"%s"' % n for n, _ in cols), table)
    for row in con.execute(q):
        vals = [dval(k, v) for (n, k), v in zip(cols, row)]
        got[tuple(vals[i] if vals[i] is not None else "" for i in keyi)] = vals
    if len(got) != len(want):
        print("%s: %d keys in the view, %d in the file" % (table, len(got), len(want)))
        bad += 1
    diffs = 0
    for k, vals in want.items():
        if got.get(k) != vals:
            diffs += 1
            if diffs <= 3:
                print("%s %r: view %r, file %r" % (table, k, got.get(k), vals))
    bad += diffs
    print("%s: %d rows compared, %d differ" % (table, len(want), diffs))
sys.exit(1 if bad else 0)
EOF
[ $? -eq 0 ] || fail "views differ from the files: $(cat "$TMP/.views")"
assert_eq "2026-10-31" "$(q "SELECT max(date) FROM usage")" "latest usage date in the view"
assert_eq "text" "$(q "SELECT DISTINCT typeof(customer_id) FROM usage")" "usage.customer_id type"

# ------------------------------------------------------------------ part 2

# A small base: customers C0001-C0003 and two surveys, so that a refused file
# can be checked to leave the table exactly as it was.
base_db() {
    new_db "$1"
    _b=$(mk "base-$1")
    fixture customers.csv customers "$_b"
    fixture surveys_valid.csv surveys "$_b"
    load_in "$_b" customers.csv surveys.csv
    assert_exit 0 "loading the base"
}

section "unterminated quote: whole file refused"
base_db unterminated
before=$(table_sum "SELECT * FROM data_surveys")
D=$(mk unterminated)
fixture surveys_unterminated.csv surveys "$D"
load_in "$D" surveys.csv
assert_exit 2
assert_contains "$ERR" "surveys.csv:3: unterminated quoted field" "stderr"
assert_contains "$ERR" "surveys.csv: nothing loaded from this file" "stderr"
assert_not_contains "$ERR" "surveys.csv: read" "stderr"
assert_no_file "$D/surveys.rejects.csv"
assert_eq "$before" "$(table_sum "SELECT * FROM data_surveys")" \
    "surveys after a refused file"
assert_eq 2 "$(q "SELECT count(*) FROM surveys")" "surveys rows after a refused file"

section "wrong column count: row rejected"
new_db columns
D=$(mk columns)
fixture usage_columns.csv usage "$D"
load_in "$D" usage.csv
assert_exit 3
assert_contains "$ERR" "usage.csv:3: expected 5 fields (as in the header), found 4" "stderr"
assert_contains "$ERR" "usage.csv:5: expected 5 fields (as in the header), found 6" "stderr"
assert_contains "$ERR" "usage.csv: rejected rows are in usage.rejects.csv" "stderr"
counts usage.csv
assert_eq "5 3 0 2" "$READ $INS $UPD $REJ" "read inserted updated rejected"
assert_eq 3 "$(q "SELECT count(*) FROM usage")" "rows stored"
check_rejects "$D/usage.csv"
assert_eq "3 5" "$REJ_LINES" "rejected lines"

section "missing required header: nothing loaded"
new_db missing_header
D=$(mk missing_header)
fixture usage_bad_date.csv usage "$D"
load_in "$D" usage.csv
before=$(table_sum "SELECT * FROM data_usage")
fixture usage_missing_header.csv usage "$D"
load_in "$D" usage.csv
assert_exit 2
assert_contains "$ERR" "usage.csv:1: missing required column active_users" "stderr"
assert_contains "$ERR" "--map active_users=HEADER" "stderr (hint)"
assert_no_file "$D/usage.rejects.csv" "rejects of a refused file (also the older one is gone)"
assert_eq "$before" "$(table_sum "SELECT * FROM data_usage")" "usage unchanged"

section "invalid calendar dates"
new_db dates
D=$(mk dates)
fixture usage_bad_date.csv usage "$D"
load_in "$D" usage.csv
assert_exit 3
assert_contains "$ERR" "usage.csv:3:2: column date: \"2026-02-30\" is not a calendar date" "stderr"
assert_contains "$ERR" "usage.csv:5:2: column date: \"2026-04-31\"" "stderr"
counts usage.csv
assert_eq "4 2 2" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/usage.csv"
assert_eq "3 5" "$REJ_LINES" "rejected lines"
assert_contains "$REJ_ERRORS" "line 3: column date: \"2026-02-30\" is not a calendar date" "rejects error"
assert_eq "2024-02-29|7
2026-02-28|5" "$(q "SELECT date, active_users FROM usage ORDER BY date")" "rows loaded"

section "fixed file: the old rejects file goes away"
printf 'customer_id,date,active_users,sessions,events\nC0001,2026-02-27,5,10,100\n' >"$D/usage.csv"
load_in "$D" usage.csv
assert_exit 0
assert_no_file "$D/usage.rejects.csv" "stale rejects file"

section "survey score ranges and types"
new_db surveys
D=$(mk surveys)
fixture surveys_ranges.csv surveys "$D"
load_in "$D" surveys.csv
assert_exit 3
assert_contains "$ERR" "surveys.csv:3:4: column score: nps score 11 is outside 0–10" "nps 11"
assert_contains "$ERR" "surveys.csv:5:4: column score: csat score 0 is outside 1–5" "csat 0"
assert_contains "$ERR" "surveys.csv:8:4: column score: ces score 8 is outside 1–7" "ces 8"
assert_contains "$ERR" "surveys.csv:11:4: column score: feeling score 6 is outside 1–5" "feeling 6"
assert_contains "$ERR" "surveys.csv:14:3: column type: \"promoter\" is not one of nps|csat|ces|feeling" \
    "unknown type"
assert_contains "$ERR" "surveys.csv: ... and 3 more rejected rows" "stderr shows 5 rejects"
counts surveys.csv
assert_eq "16 8 0 8" "$READ $INS $UPD $REJ" "read inserted updated rejected"
assert_eq 8 "$(q "SELECT count(*) FROM surveys")" "rows stored"
check_rejects "$D/surveys.csv"
assert_eq "3 5 8 11 14 15 16 17" "$REJ_LINES" "rejected lines"
assert_contains "$REJ_ERRORS" "line 15: column score: nps score -1 is outside 0–10" "nps -1"
assert_contains "$REJ_ERRORS" "line 16: column score: \"nine\" is not a number" "text score"
assert_contains "$REJ_ERRORS" "line 17: column score: \"8,5\" is not a number (use '.' as the decimal point" \
    "decimal comma"
assert_eq "ces|1.0,7.0
csat|1.0,5.0
feeling|1.0,5.0
nps|0.0,10.0" "$(q "SELECT type, group_concat(score) FROM (SELECT * FROM surveys ORDER BY score) GROUP BY type ORDER BY type")" \
    "boundary scores loaded, type stored lower case"

section "tickets: enums, solved without resolved_at, times backwards"
new_db tickets
D=$(mk tickets)
fixture tickets_bad.csv tickets "$D"
load_in "$D" tickets.csv
assert_exit 3
assert_contains "$ERR" "tickets.csv:3:6: column status: \"closed\" is not one of open|solved|abandoned" "status"
assert_contains "$ERR" "tickets.csv:4:7: column priority: \"critical\" is not one of low|normal|high|urgent" "priority"
assert_contains "$ERR" "tickets.csv:5:5: column resolved_at: required when status is solved" "solved"
assert_contains "$ERR" "tickets.csv:6:5: column resolved_at: resolved_at is before opened_at" "backwards"
assert_contains "$ERR" "tickets.csv:8:3: column opened_at: \"2026-03-05T25:00\" is not a timestamp" "25:00"
counts tickets.csv
assert_eq "8 2 6" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/tickets.csv"
assert_eq "3 4 5 6 8 9" "$REJ_LINES" "rejected lines"
assert_contains "$REJ_ERRORS" "line 9: column csat: 0 is outside 1–5" "ticket csat 0"
assert_eq "T1|C0001|2026-03-01T09:00:00Z|2026-03-01T09:30:00Z|2026-03-02T10:00:00Z|solved|urgent|1|5.0
T6|C0003|2026-03-05T10:00:00Z|||abandoned|||" \
    "$(q "SELECT ticket_id, customer_id, opened_at, first_response_at, resolved_at, status, priority, contacts, csat FROM tickets ORDER BY 1")" \
    "tickets view"

section "engagement: unknown kind"
new_db engagement
D=$(mk engagement)
fixture engagement_kind.csv engagement "$D"
load_in "$D" engagement.csv
assert_exit 3
assert_contains "$ERR" "engagement.csv:3:3: column kind: \"party\" is not one of webinar|event|community|training|meeting|qbr" "kind"
assert_contains "$ERR" "engagement.csv:5:4: column count: -1 is below 0" "count -1"
counts engagement.csv
assert_eq "4 2 2" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/engagement.csv"
assert_eq "3 5" "$REJ_LINES" "rejected lines"
assert_eq "2026-03-01|webinar|1
2026-03-02|qbr|" "$(q "SELECT date, kind, count FROM engagement ORDER BY date")" "kinds stored lower case"

section "text in numeric columns"
new_db numeric
D=$(mk numeric)
fixture usage_text.csv usage "$D"
load_in "$D" usage.csv
assert_exit 3
assert_contains "$ERR" "usage.csv:2:3: column active_users: \"lots\" is not a whole number" "lots"
assert_contains "$ERR" "usage.csv:3:4: column sessions: \"1.5\" is not a whole number" "1.5"
assert_contains "$ERR" "usage.csv:4:5: column events: \"1,000\"" "1,000"
counts usage.csv
assert_eq "4 1 3" "$READ $INS $REJ" "read inserted rejected"
assert_eq 1 "$(q "SELECT count(*) FROM usage")" "rows stored"
check_rejects "$D/usage.csv"
assert_eq "2 3 4" "$REJ_LINES" "rejected lines"

section "decimals: comma, exponent, negative; bad month"
new_db decimals
D=$(mk decimals)
fixture subscriptions_decimal.csv subscriptions "$D"
load_in "$D" subscriptions.csv
assert_exit 3
assert_contains "$ERR" "subscriptions.csv:2:4: column mrr: \"1,5\" is not a number (use '.' as the decimal point, no thousands separators)" "1,5"
assert_contains "$ERR" "subscriptions.csv:3:4: column mrr: \"1,000\" is not a number (use '.'" "1,000"
assert_contains "$ERR" "subscriptions.csv:4:4: column mrr: \"1e3\" is not a number" "1e3"
assert_contains "$ERR" "subscriptions.csv:5:4: column mrr: -1 is below 0" "-1"
assert_contains "$ERR" "subscriptions.csv:8:2: column month: \"2026-13\" is not a month" "2026-13"
counts subscriptions.csv
assert_eq "7 2 5" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/subscriptions.csv"
assert_eq "2 3 4 5 8" "$REJ_LINES" "rejected lines"
assert_eq "2026-05|0.0
2026-06|1500.5" "$(q "SELECT month, mrr FROM subscriptions ORDER BY month")" "rows loaded"

section "NUL byte in a field"
new_db nul
D=$(mk nul)
printf 'customer_id,date,type,score,respondent,comment\nC0001,2026-03-01,nps,9,a@x.example,fine\nC0001,2026-03-02,nps,8,b@x.example,bad\000byte\nC0001,2026-03-03,nps,7,c@x.example,fine too\n' \
    >"$D/surveys.csv"
load_in "$D" surveys.csv
assert_exit 3
assert_contains "$ERR" "surveys.csv:3:6: column comment: contains a NUL byte" "stderr"
counts surveys.csv
assert_eq "3 2 1" "$READ $INS $REJ" "read inserted rejected"
assert_eq 2 "$(q "SELECT count(*) FROM surveys")" "rows stored"
check_rejects "$D/surveys.csv"
assert_eq "3" "$REJ_LINES" "rejected lines"

section "invalid UTF-8"
new_db utf8
D=$(mk utf8)
printf 'customer_id,date,type,score,respondent,comment\nC0001,2026-03-01,nps,9,a@x.example,caf\351 latin-1\nC0001,2026-03-02,nps,8,b@x.example,caf\303\251 \342\234\223 \360\237\230\200\nC0001,2026-03-03,nps,7,c@x.example,overlong \300\257\nC0001,2026-03-04,nps,7,d@x.example,surrogate \355\240\200\nC0001,2026-03-05,nps,7,e@x.example,cut \342\234\n' \
    >"$D/surveys.csv"
load_in "$D" surveys.csv
assert_exit 3
assert_contains "$ERR" "surveys.csv:2:6: column comment: is not valid UTF-8" "latin-1"
assert_contains "$ERR" "surveys.csv:4:6: column comment: is not valid UTF-8" "overlong"
assert_contains "$ERR" "surveys.csv:5:6: column comment: is not valid UTF-8" "surrogate"
assert_contains "$ERR" "surveys.csv:6:6: column comment: is not valid UTF-8" "truncated"
counts surveys.csv
assert_eq "5 1 4" "$READ $INS $REJ" "read inserted rejected"
assert_eq 1 "$(q "SELECT count(*) FROM surveys")" "rows stored"
check_rejects "$D/surveys.csv"
assert_eq "2 4 5 6" "$REJ_LINES" "rejected lines"
assert_eq "636166C3A920E29C9320F09F9880" "$(q "SELECT hex(comment) FROM surveys")" \
    "valid UTF-8 stored byte for byte"

section "field longer than 65536 bytes"
new_db bigfield
D=$(mk bigfield)
"$PYTHON" - "$D/surveys.csv" <<'EOF'
import sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("customer_id,date,type,score,respondent,comment\n")
    f.write("C0001,2026-03-01,nps,9,a@x.example,short\n")
    f.write("C0001,2026-03-02,nps,9,b@x.example,%s\n" % ("x" * 1048576))
    f.write("C0001,2026-03-03,nps,9,c@x.example,%s\n" % ("y" * 65536))
    f.write("C0001,2026-03-04,nps,9,d@x.example,\"%s\"\n" % ("z" * 65537))
    f.write("C0001,2026-03-05,nps,9,e@x.example,after\n")
EOF
load_in "$D" surveys.csv
assert_exit 3
assert_contains "$ERR" "surveys.csv:3:6: column comment: field of 1048576 bytes is longer than the 65536-byte limit" "1 MB"
assert_contains "$ERR" "surveys.csv:5:6: column comment: field of 65537 bytes" "65537"
counts surveys.csv
assert_eq "5 3 2" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/surveys.csv"
assert_eq "3 5" "$REJ_LINES" "rejected lines"
assert_eq 3 "$(q "SELECT count(*) FROM surveys")" "rows stored"
assert_eq 65536 "$(q "SELECT length(comment) FROM surveys WHERE date = '2026-03-03'")" \
    "65536-byte field stored whole"

section "BOM"
new_db bom
D=$(mk bom)
printf '\357\273\277' >"$D/customers.csv"
cat "$FIX/customers.csv" >>"$D/customers.csv"
load_in "$D" customers.csv
assert_exit 0
counts customers.csv
assert_eq "3 3 0" "$READ $INS $REJ" "read inserted rejected"
assert_eq "C0001|Acme Corp" "$(q "SELECT customer_id, name FROM customers ORDER BY 1 LIMIT 1")" \
    "first header (customer_id) recognised"
assert_eq "" "$(q "SELECT extra FROM customers WHERE extra IS NOT NULL")" "no header kept as extra"
printf '\357\273\277"customer_id",date,active_users\nC0001,2026-03-01,4\n' >"$D/usage.csv"
load_in "$D" usage.csv
assert_exit 0 "BOM before a quoted header"
assert_eq "C0001|4" "$(q "SELECT customer_id, active_users FROM usage")" "quoted first header"

section "CRLF line endings"
new_db crlf
D=$(mk crlf)
sed 's/$/\r/' "$FIX/usage_bad_date.csv" >"$D/usage.csv"
sed 's/$/\r/' "$FIX/surveys_multiline.csv" >"$D/surveys.csv"
load_in "$D" usage.csv surveys.csv
assert_exit 3
assert_contains "$ERR" "usage.csv:3:2: column date:" "CRLF line numbers"
assert_contains "$ERR" "usage.csv:5:2: column date:" "CRLF line numbers"
assert_contains "$ERR" "surveys.csv:7:4: column score:" "CRLF + quoted newlines line numbers"
assert_contains "$ERR" "surveys.csv:9:4: column score:" "CRLF + quoted newlines line numbers"
counts usage.csv
assert_eq "4 2 2" "$READ $INS $REJ" "usage read inserted rejected"
check_rejects "$D/usage.csv"
assert_eq "3 5" "$REJ_LINES" "rejected lines"
assert_eq "240|integer" "$(q "SELECT sum(events), typeof(events) FROM usage GROUP BY 2")" \
    "last column parsed without the CR"
assert_eq 0 "$(q "SELECT count(*) FROM surveys WHERE respondent LIKE '%' || char(13) || '%' OR comment = 'plain' || char(13)")" \
    "no CR kept at the end of a row"

section "quoted newlines: loads, later line numbers right"
new_db multiline
D=$(mk multiline)
fixture surveys_multiline.csv surveys "$D"
load_in "$D" surveys.csv
assert_exit 3
assert_contains "$ERR" "surveys.csv:7:4: column score: nps score 12 is outside 0–10" "line of a row after multi-line rows"
assert_contains "$ERR" "surveys.csv:9:4: column score: csat score 9 is outside 1–5" "line 9"
counts surveys.csv
assert_eq "5 3 2" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/surveys.csv"
assert_eq "7 9" "$REJ_LINES" "rejected lines"
assert_eq 3 "$(q "SELECT count(*) FROM surveys")" "rows stored"
assert_eq 1 "$(q "SELECT comment = 'Loves the product.' || char(10) || 'Especially dashboards, \"really\".' || char(10) || 'Wants SSO.' FROM surveys WHERE customer_id = 'C0001'")" \
    "multi-line comment stored exactly"
assert_eq 1 "$(q "SELECT comment = 'trailing' || char(10) FROM surveys WHERE respondent = 'e@x.example'")" \
    "quoted trailing newline kept"

section "line numbers across 64 KiB read blocks"
new_db blocks
D=$(mk blocks)
bad=$("$PYTHON" - "$D/surveys.csv" <<'EOF'
import sys
# 6000 rows, a third with 2- or 3-line quoted comments; every 1000th row has
# score 42: print the lines those rows start on
with open(sys.argv[1], "w", newline="") as f:
    f.write("customer_id,date,type,score,respondent,comment\n")
    line, bad = 2, []
    for i in range(6000):
        n = i % 3 + 1
        comment = '"%s"' % "\n".join(["word %d %s" % (i, "x" * (i % 37))] * n)
        score = "42" if i % 1000 == 999 else "9"
        if score == "42":
            bad.append(str(line))
        f.write("C%04d,2026-03-01,nps,%s,r%d@x.example,%s\n" % (i, score, i, comment))
        line += n
print(" ".join(bad))
EOF
)
assert_eq "2000 3999 5999 8000 9999 11999" "$bad" "generated bad lines"
load_in "$D" surveys.csv
assert_exit 3
assert_contains "$ERR" "surveys.csv:2000:4: column score: nps score 42 is outside 0–10" "line 2000"
assert_contains "$ERR" "surveys.csv:9999:4: column score:" "line 9999"
counts surveys.csv
assert_eq "6000 5994 6" "$READ $INS $REJ" "read inserted rejected"
assert_eq 5994 "$(q "SELECT count(*) FROM surveys")" "rows stored"
check_rejects "$D/surveys.csv"
assert_eq "$bad" "$REJ_LINES" "rejected lines"

section "empty trailing lines are ignored"
new_db blank
D=$(mk blank)
fixture usage_trailing_blank.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
counts usage.csv
assert_eq "2 2 0" "$READ $INS $REJ" "read inserted rejected"
printf 'customer_id,date,active_users\r\nC0003,2026-03-01,1\r\n\r\n\r\n' >"$D/usage.csv"
load_in "$D" usage.csv
assert_exit 0 "trailing CRLF blank lines"
counts usage.csv
assert_eq "1 1 0" "$READ $INS $REJ" "read inserted rejected (CRLF)"

section "empty file: exit 2"
base_db emptyfile
before=$(table_sum "SELECT * FROM data_surveys")
D=$(mk emptyfile)
: >"$D/surveys.csv"
load_in "$D" surveys.csv
assert_exit 2
assert_contains "$ERR" "surveys.csv:1: empty file" "stderr"
assert_eq "$before" "$(table_sum "SELECT * FROM data_surveys")" "surveys unchanged"
printf '\n\n' >"$D/surveys.csv"
load_in "$D" surveys.csv
assert_exit 2 "only blank lines"

section "header only: exit 0, read 0"
new_db headeronly
D=$(mk headeronly)
fixture usage_header_only.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
counts usage.csv
assert_eq "0 0 0 0" "$READ $INS $UPD $REJ" "read inserted updated rejected"
assert_eq 0 "$(q "SELECT count(*) FROM usage")" "rows"

section "duplicate key within a file: last wins (empty table)"
new_db dupes
D=$(mk dupes)
fixture usage_dupes.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
counts usage.csv
assert_eq "4 2 2 0" "$READ $INS $UPD $REJ" "read inserted updated rejected"
assert_eq "C0001|8|16|160
C0002|6|12|120" "$(q "SELECT customer_id, active_users, sessions, events FROM usage ORDER BY 1")" "last row wins"
assert_eq 1 "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'data_usage_key'")" "key index rebuilt"

section "duplicate key within a file: last wins (table with rows)"
new_db dupes2
printf 'customer_id,date,active_users\nC0003,2026-03-01,1\n' >"$D/usage.csv"
load_in "$D" usage.csv
fixture usage_dupes.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
counts usage.csv
assert_eq "4 2 2 0" "$READ $INS $UPD $REJ" "read inserted updated rejected"
assert_eq "C0001|8
C0002|6
C0003|1" "$(q "SELECT customer_id, active_users FROM usage ORDER BY 1")" "last row wins"
load_in "$D" usage.csv
counts usage.csv
assert_eq "4 0 4" "$READ $INS $UPD" "re-load: read inserted updated"
assert_eq 3 "$(q "SELECT count(*) FROM usage")" "rows after re-load"

section "--map: a CRM export"
new_db map
D=$(mk map)
cp "$FIX/crm_accounts.csv" "$D/"
load_in "$D" --table customers --map customer_id="Account ID" --map "name=Account Name" \
    --map "start_date=Customer Since" --map renewal_date=Renewal --map "seats=Seats Purchased" \
    crm_accounts.csv
assert_exit 0
counts crm_accounts.csv
assert_eq "2 2 0" "$READ $INS $REJ" "read inserted rejected"
assert_eq "ACC-1|Acme Corp|10|2024-01-15|2026-01-15|Ana Souza|Retail
ACC-2|Globex, Inc.|50|2023-06-01|2026-06-01|Bruno Lima|Energy" \
    "$(q "SELECT customer_id, name, seats, start_date, renewal_date, owner, json_extract(extra, '\$.Industry') FROM customers ORDER BY 1")" \
    "mapped columns (Owner matched ignoring case, Industry in extra)"

section "--map naming a missing header"
load_in "$D" --table customers --map customer_id="Account Number" --map "name=Account Name" \
    --map "start_date=Customer Since" crm_accounts.csv
assert_exit 2
assert_contains "$ERR" "crm_accounts.csv:1: --map customer_id=Account Number: no header \"Account Number\"" "stderr"
assert_contains "$ERR" "Account ID" "stderr lists the headers"
assert_eq 2 "$(q "SELECT count(*) FROM customers")" "nothing loaded"
load_in "$D" --table customers --map nosuch=X crm_accounts.csv
assert_exit 1 "--map of an unknown column"
assert_contains "$ERR" "nosuch is not a column of table customers" "stderr"
load_in "$D" --map customer_id crm_accounts.csv
assert_exit 1 "--map without ="

section "unknown table name without --table"
new_db unknown_table
D=$(mk unknown_table)
cp "$FIX/stuff.csv" "$D/"
load_in "$D" stuff.csv
assert_exit 2
assert_contains "$ERR" "stuff.csv: no table named stuff" "stderr"
assert_contains "$ERR" "--table" "stderr hint"
assert_eq "" "$(q "SELECT name FROM sqlite_master WHERE name = 'stuff'")" "no table created"

section "missing input file"
load_in "$D" no_such_dir/usage.csv
assert_exit 2
assert_contains "$ERR" "no_such_dir/usage.csv: cannot open" "stderr"

section "custom table via --table"
new_db custom
D=$(mk custom)
cp "$FIX/opportunities.csv" "$FIX/opportunities_other_header.csv" "$D/"
load_in "$D" --table opportunities opportunities.csv
assert_exit 0
counts opportunities.csv
assert_eq "2 2 0" "$READ $INS $REJ" "read inserted rejected"
assert_eq "opp_id|TEXT
 Amount |TEXT
stage|TEXT" "$(q "SELECT name, type FROM pragma_table_info('opportunities')")" "columns: the headers as they are"
assert_eq "[O-1][ 1000 ][won]text
[O-2][][open, late]text" \
    "$(q "SELECT '[' || opp_id || '][' || \" Amount \" || '][' || stage || ']' || typeof(\" Amount \") FROM opportunities ORDER BY 1")" \
    "values exactly as in the file, empty as ''"
load_in "$D" --table opportunities opportunities.csv
assert_exit 0 "second load, same header"
assert_eq 4 "$(q "SELECT count(*) FROM opportunities")" "later loads append"
before=$(table_sum "SELECT * FROM opportunities")
load_in "$D" --table opportunities opportunities_other_header.csv
assert_exit 2 "second load, another header"
assert_contains "$ERR" "opportunities_other_header.csv:1: the header differs from the columns of custom table opportunities" "stderr"
assert_eq "$before" "$(table_sum "SELECT * FROM opportunities")" "custom table unchanged"
printf 'opp_id, Amount ,stage\nO-4,1\nO-5,2,won,extra\nO-6,3,lost\n' >"$D/opportunities.csv"
load_in "$D" --table opportunities opportunities.csv
assert_exit 3 "custom table: rows with another field count"
assert_contains "$ERR" "opportunities.csv:2: expected 3 fields (as in the header), found 2" "stderr"
counts opportunities.csv
assert_eq "3 1 2" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/opportunities.csv"
assert_eq "2 3" "$REJ_LINES" "rejected lines"
assert_eq 5 "$(q "SELECT count(*) FROM opportunities")" "custom rows after appending one"
load_in "$D" --table 1opps opportunities.csv
assert_exit 1 "a name starting with a digit"
load_in "$D" --table data_usage opportunities.csv
assert_exit 1 "a reserved name"
load_in "$D" --table "opp-s" opportunities.csv
assert_exit 1 "a name with a dash"
load_in "$D" --table opportunities --map a=b opportunities.csv
assert_exit 1 "--map with a custom table"

section "extra columns kept as JSON"
new_db extra
D=$(mk extra)
fixture usage_extra.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
assert_eq "EMEA|trimmed note" \
    "$(q "SELECT json_extract(extra, '\$.\"Region Code\"'), json_extract(extra, '\$.notes') FROM usage WHERE customer_id = 'C0001'")" \
    "extra of C0001"
assert_eq "1|" "$(q "SELECT json_valid(extra), json_extract(extra, '\$.notes') FROM usage WHERE customer_id = 'C0002'")" \
    "extra of C0002 (empty values)"

section "unknown customers are loaded and counted"
base_db unknown
D=$(mk unknown)
fixture usage_unknown.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
counts usage.csv
assert_eq "4 4 0 3" "$READ $INS $REJ $UNK" "read inserted rejected unknown"
assert_eq 4 "$(q "SELECT count(*) FROM usage")" "all rows loaded"
printf 'customer_id,name,start_date\nC0009,Late Co,2025-01-01\n' >"$D/customers.csv"
load_in "$D" customers.csv usage.csv
assert_exit 0
counts usage.csv
assert_eq "4 0 4 1" "$READ $INS $UPD $UNK" "after C0009 joins customers: read inserted updated unknown"

section "--format json"
new_db json
D=$(mk json)
fixture usage_bad_date.csv usage "$D"
fixture customers.csv customers "$D"
: >"$D/spend.csv"
load_in "$D" --format json customers.csv usage.csv spend.csv
assert_exit 2 "a refused file wins over rejected rows"
printf '%s' "$OUT" >"$TMP/load.json"
"$PYTHON" - "$TMP/load.json" 2>"$TMP/.json.err" <<'EOF' || fail "JSON summary: $(cat "$TMP/.json.err")"
import json, sys
a = json.load(open(sys.argv[1]))
def check(cond, what):
    if not cond:
        sys.exit("%s: %r" % (what, a))
check(isinstance(a, list) and len(a) == 3, "an array of 3 summaries")
c, u, s = a
for o in a:
    for k in ("read", "inserted", "updated", "rejected", "unknown_customers"):
        check(type(o[k]) is int, "%s is a JSON number" % k)
check((c["file"], c["table"], c["read"], c["inserted"], c["updated"], c["rejected"],
       c["unknown_customers"], c["rejects"]) == ("customers.csv", "customers", 3, 3, 0, 0, 0, None),
      "customers summary")
check((u["table"], u["read"], u["inserted"], u["updated"], u["rejected"], u["unknown_customers"])
      == ("usage", 4, 2, 0, 2, 0), "usage summary")
check(u["rejects"] == "usage.rejects.csv", "usage rejects path")
check(s["table"] == "spend" and s["inserted"] == 0 and "empty file" in (s.get("error") or ""),
      "spend refused with an error")
EOF
assert_eq 3 "$(q "SELECT count(*) FROM customers")" "customers loaded beside the refused file"

section "exit status: one file fine, one with rejects"
new_db mixed
D=$(mk mixed)
fixture customers.csv customers "$D"
fixture usage_bad_date.csv usage "$D"
load_in "$D" customers.csv usage.csv
assert_exit 3
counts customers.csv
assert_eq "3 3 0" "$READ $INS $REJ" "customers"
counts usage.csv
assert_eq "4 2 2" "$READ $INS $REJ" "usage"
load_in "$D" customers.csv
assert_exit 0 "the fine file alone"

section "required values, churn before start, trimming"
new_db customers
D=$(mk customers)
fixture customers_bad.csv customers "$D"
load_in "$D" customers.csv
assert_exit 3
assert_contains "$ERR" "customers.csv:3:1: column customer_id: required value is empty" "customer_id"
assert_contains "$ERR" "customers.csv:4:8: column start_date: required value is empty" "start_date"
assert_contains "$ERR" "customers.csv:5:10: column churn_date: churn_date is before start_date" "churn"
assert_contains "$ERR" "customers.csv:6:7: column seats: \"five\" is not a whole number" "seats"
counts customers.csv
assert_eq "7 3 4" "$READ $INS $REJ" "read inserted rejected"
assert_eq 3 "$(q "SELECT count(*) FROM customers")" "rows stored"
check_rejects "$D/customers.csv"
assert_eq "3 4 5 6" "$REJ_LINES" "rejected lines"
assert_eq "C0101|Ok Co|5
C0106|Same Day|
C0107|Spaces Co|7" "$(q "SELECT customer_id, name, seats FROM customers ORDER BY 1")" \
    "loaded rows, values trimmed"

section "rejects file keeps untrimmed values unchanged"
new_db trailing
D=$(mk trailing)
fixture customers_trailing_spaces.csv customers "$D"
load_in "$D" customers.csv
assert_exit 3
assert_contains "$ERR" "customers.csv:2:8: column start_date:" "stderr"
check_rejects "$D/customers.csv"
assert_eq "2" "$REJ_LINES" "rejected lines"
assert_eq 0 "$(tr -d -c '\000' <"$D/customers.rejects.csv" | wc -c | tr -d ' ')" "NUL bytes in the rejects file"

section "limits: a row over 16 MiB refuses the file"
new_db rowlimit
D=$(mk rowlimit)
"$PYTHON" -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("month,channel,amount\n2026-01,ads,1\n2026-02,ads,\"" + "x" * (17 << 20) + "\n2026-03,ads,2\n")
' "$D/spend.csv"
cd "$D" && run_vitals_within 30 load spend.csv
cd "$TMP" || exit 1
[ "$RC" != 124 ] || fail "refusing a 17 MiB row took over 30 s (the CSV field buffer grows by small steps?)"
assert_exit 2
assert_contains "$ERR" "spend.csv:3: row longer than 16777216 bytes" "stderr"
assert_eq 0 "$(q "SELECT count(*) FROM spend")" "nothing loaded"

section "limits: 1001 columns refuse the file"
new_db collimit
D=$(mk collimit)
"$PYTHON" -c '
import sys
n = 1001 - 3
with open(sys.argv[1], "w") as f:
    f.write("customer_id,date,active_users," + ",".join("x%d" % i for i in range(n)) + "\n")
    f.write("C0001,2026-03-01,1" + ",v" * n + "\n")
' "$D/usage.csv"
load_in "$D" usage.csv
assert_exit 2
assert_contains "$ERR" "usage.csv:1: more than 1000 columns" "stderr"

section "extra columns: 64 of them"
new_db extra64
D=$(mk extra64)
"$PYTHON" -c '
import sys
n = 64
with open(sys.argv[1], "w") as f:
    f.write("customer_id,date,active_users," + ",".join("x%d" % i for i in range(n)) + "\n")
    f.write("C0001,2026-03-01,1," + ",".join("v%d" % i for i in range(n)) + "\n")
' "$D/usage.csv"
load_in "$D" usage.csv
assert_exit 0
assert_eq "64|v0|v63" "$(q "SELECT (SELECT count(*) FROM json_each(extra)), json_extract(extra, '\$.x0'), json_extract(extra, '\$.x63') FROM usage")" \
    "all 64 extra columns kept"

section "limits: 1000 columns load"
new_db col1000
D=$(mk col1000)
"$PYTHON" -c '
import sys
n = 1000 - 3
with open(sys.argv[1], "w") as f:
    f.write("customer_id,date,active_users," + ",".join("x%d" % i for i in range(n)) + "\n")
    f.write("C0001,2026-03-01,1" + ",v" * n + "\n")
' "$D/usage.csv"
load_in "$D" usage.csv
assert_exit 0
assert_eq 997 "$(q "SELECT count(*) FROM usage, json_each(usage.extra)")" "997 extra columns kept"

section "solved ticket in a file without resolved_at"
new_db noresolved
D=$(mk noresolved)
printf 'ticket_id,customer_id,opened_at,status\nT1,C0001,2026-03-01,solved\nT2,C0001,2026-03-01,open\n' >"$D/tickets.csv"
load_in "$D" tickets.csv
assert_exit 3
counts tickets.csv
assert_eq "2 1 1" "$READ $INS $REJ" "read inserted rejected"
check_rejects "$D/tickets.csv"
assert_eq "2" "$REJ_LINES" "rejected lines"
assert_contains "$REJ_ERRORS" "resolved_at" "the error names the column"
assert_contains "$ERR" "tickets.csv:2" "stderr"

section "booleans"
new_db features
D=$(mk features)
fixture features_bool.csv features "$D"
load_in "$D" features.csv
assert_exit 3
assert_contains "$ERR" "features.csv:8:2: column key: \"maybe\" is not a boolean" "stderr"
counts features.csv
assert_eq "7 6 1" "$READ $INS $REJ" "read inserted rejected"
assert_eq 6 "$(q "SELECT count(*) FROM features")" "rows stored"
assert_eq "alerts|0
api|1
dashboards|1
exports|
reports|1
sso|0" "$(q "SELECT feature, key FROM features ORDER BY 1")" "stored booleans"

section "headers: any case, quoted; duplicate or empty refused"
new_db headers
D=$(mk headers)
fixture usage_header_case.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
assert_eq "C0001|2026-03-01|5|10" "$(q "SELECT customer_id, date, active_users, sessions FROM usage")" "row"
fixture usage_dup_header.csv usage "$D"
load_in "$D" usage.csv
assert_exit 2 "a header twice"
assert_contains "$ERR" "usage.csv:1:4: header Date appears twice" "stderr"
fixture usage_empty_header.csv usage "$D"
load_in "$D" usage.csv
assert_exit 2 "an empty header"
assert_contains "$ERR" "usage.csv:1:3: header 3 is empty" "stderr"
assert_eq 1 "$(q "SELECT count(*) FROM usage")" "usage unchanged"

section "headers with surrounding spaces are trimmed"
new_db header_spaces
D=$(mk header_spaces)
fixture usage_header_spaces.csv usage "$D"
load_in "$D" usage.csv
assert_exit 0
assert_eq "C0001|2026-03-02|6|11" "$(q "SELECT customer_id, date, active_users, sessions FROM usage")" "row"

section "surveys without a respondent column"
new_db norespondent
D=$(mk norespondent)
fixture surveys_no_respondent.csv surveys "$D"
load_in "$D" surveys.csv
assert_exit 0
assert_eq "C0001|9.0||great
C0002|3.0||slow support" "$(q "SELECT customer_id, score, respondent, comment FROM surveys ORDER BY 1")" \
    "comment in comment, respondent ''"
load_in "$D" surveys.csv
assert_exit 0
counts surveys.csv
assert_eq "2 0 2" "$READ $INS $UPD" "re-load: read inserted updated"
assert_eq 2 "$(q "SELECT count(*) FROM surveys")" "no duplicate rows after a re-load"
printf 'customer_id,date,type,score,Channel\nC0003,2026-03-01,csat,4,email\n' >"$D/surveys.csv"
load_in "$D" surveys.csv
load_in "$D" surveys.csv
assert_exit 0
assert_eq 3 "$(q "SELECT count(*) FROM surveys")" "no duplicate row (no respondent, an extra column)"
assert_eq "|email" "$(q "SELECT respondent, json_extract(extra, '\$.Channel') FROM surveys WHERE customer_id = 'C0003'")" \
    "respondent '' and extra kept"
printf 'customer_id,date,type,score\nC0004,2026-03-01,ces,2\n' >"$D/surveys.csv"
load_in "$D" surveys.csv
load_in "$D" surveys.csv
assert_exit 0
counts surveys.csv
assert_eq "1 0 1" "$READ $INS $UPD" "re-load, only the required columns: read inserted updated"
assert_eq 1 "$(q "SELECT count(*) FROM surveys WHERE customer_id = 'C0004'")" \
    "no duplicate row after a re-load (only the required columns)"


section "a rejected row is written as it was read"
D=$(mk verbatim)
new_db verbatim
printf 'customer_id,date,active_users,sessions\nC0001,2026-03-01,three,4\nC0002,2026-03-01,"5",x y\nC0003,2026-03-02,7,"a, b"\n' >"$D/usage.csv"
load_in "$D" usage.csv
assert_exit 3
# the last field is the error; everything before it is the input line itself
# (quotes kept only where CSV needs them)
assert_eq "customer_id,date,active_users,sessions,error" "$(sed -n 1p "$D/usage.rejects.csv")" "rejects header"
assert_contains "$(sed -n 2p "$D/usage.rejects.csv")" 'C0001,2026-03-01,three,4,"line 2: column active_users: ""three"" is not a whole number"' "row 2 verbatim"
assert_contains "$(sed -n 3p "$D/usage.rejects.csv")" 'C0002,2026-03-01,5,x y,"line 3: column sessions: ""x y"" is not a whole number"' "row 3: unneeded quotes dropped"
assert_contains "$(sed -n 4p "$D/usage.rejects.csv")" 'C0003,2026-03-02,7,"a, b","line 4: column sessions: ""a, b"" is not a whole number"' "row 4: needed quotes kept"

finish
