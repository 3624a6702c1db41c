# test_export.sh - `vitals export` on the example portfolio: every format and
# filter against the list computed independently here, in python3, from the
# scores, runs, customers and subscriptions tables.
. "$E2E/lib.sh"

RULES=$REPO/rules/health.lua
DATA=$(mk data)
cp "$REPO"/examples/data/*.csv "$DATA"/
new_db
run_vitals load "$DATA"/*.csv
assert_exit 0 "load"

section "no runs"
run_vitals export
assert_exit 2 "export before any run"
assert_contains "$ERR" "no runs yet" "export before any run"

run_vitals score --rules "$RULES" --as-of 2026-09-30
assert_ne 4 "$RC" "score 2026-09-30"
run_vitals score --rules "$RULES" --as-of 2026-10-31
assert_ne 4 "$RC" "score 2026-10-31"

# expected.py RUN BANDS FLAGS SEGMENTS: the export computed from the tables,
# as JSON objects one per line (the fields of SPEC §1, flags as a list);
# an empty argument means no filter.
cat >expected.py <<'EOF'
import json, sqlite3, sys
db_path, run, bands, flags, segments = sys.argv[1:6]
db = sqlite3.connect(db_path)
run = int(run) if run else db.execute("SELECT max(run_id) FROM runs").fetchone()[0]
as_of = db.execute("SELECT as_of FROM runs WHERE run_id = ?", (run,)).fetchone()[0]
cust = {r[0]: r[1:] for r in db.execute(
    "SELECT customer_id, name, segment, owner, renewal_date FROM customers")}
mrr = {}
for cid, m in db.execute("SELECT customer_id, mrr FROM subscriptions WHERE month = ?",
                         (as_of[:7],)):
    mrr[cid] = mrr.get(cid, 0) + m
def previous(cid):
    r = db.execute("SELECT s.score FROM scores s JOIN runs r USING (run_id) WHERE"
                   " s.customer_id = ? AND r.as_of < ? AND s.score IS NOT NULL"
                   " ORDER BY r.as_of DESC, r.run_id DESC LIMIT 1", (cid, as_of)).fetchone()
    return r[0] if r else None
out = []
for cid, score, band, cov, fl in db.execute(
        "SELECT customer_id, score, band, coverage, flags FROM scores"
        " WHERE run_id = ? AND error IS NULL", (run,)):
    fl = json.loads(fl or "[]")
    name, segment, owner, renewal = cust.get(cid, (None,) * 4)
    if bands and band not in bands.split(","): continue
    if segments and segment not in segments.split(","): continue
    if flags and not any(f["name"] in flags.split(",") for f in fl): continue
    prev = previous(cid)
    out.append({"customer_id": cid, "name": name, "segment": segment, "owner": owner,
                "arr": round(12 * mrr.get(cid, 0), 2), "score": score, "band": band,
                "coverage": round(cov, 1),
                "score_change": None if prev is None else round(score - prev, 1),
                "flags": [{"name": f["name"], "severity": f["severity"],
                           "reason": f["reason"]} for f in fl],
                "renewal_date": renewal})
out.sort(key=lambda r: (-r["arr"], r["customer_id"]))
for r in out:
    print(json.dumps(r, sort_keys=True))
EOF

# compare.py FORMAT FILE EXPECTED: the export in FILE equals EXPECTED.
cat >compare.py <<'EOF'
import csv, json, sys
fmt, path, expected_path = sys.argv[1:4]
expected = [json.loads(l) for l in open(expected_path) if l.strip()]
text = open(path, newline="").read()
if fmt == "json":
    got = json.loads(text)
elif fmt == "ndjson":
    got = [json.loads(l) for l in text.splitlines()]
else:
    rows = list(csv.DictReader(text.splitlines(True)))
    assert rows == [] or list(rows[0].keys()) == ["customer_id", "name", "segment", "owner",
        "arr", "score", "band", "coverage", "score_change", "flags", "renewal_date"], rows[0]
    num = lambda s: None if s == "" else float(s)
    got = [dict(r, arr=num(r["arr"]), score=num(r["score"]), coverage=num(r["coverage"]),
                score_change=num(r["score_change"])) for r in rows]
    for r in got:
        for k in ("name", "segment", "owner", "renewal_date"):
            r[k] = r[k] or None
    for r in expected:
        for k in ("name", "segment", "owner", "renewal_date"):
            r[k] = r[k] or None
        r["flags"] = "; ".join("%s: %s" % (f["severity"], f["reason"]) for f in r["flags"])
def close(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, (int, float)) and abs(a - b) < 1e-6)
bad = [(g, e) for g, e in zip(got, expected)
       if set(g) != set(e) or not all(close(g[k], e[k]) or close(e[k], g[k]) for k in e)]
if len(got) != len(expected) or bad:
    print("rows: got %d, expected %d" % (len(got), len(expected)))
    for g, e in bad[:3]:
        print("got     ", g)
        print("expected", e)
    sys.exit(1)
EOF

# check NAME FORMAT RUN BANDS FLAGS SEGMENTS -- EXPORT-ARGS...
check() {
    name=$1 fmt=$2 run=$3 bands=$4 flags=$5 segments=$6
    shift 7
    python3 expected.py "$VITALS_DB" "$run" "$bands" "$flags" "$segments" >"$name.expected" ||
        fail "$name: expected.py failed"
    run_vitals export "$@"
    assert_exit 0 "$name"
    printf '%s\n' "$OUT" >"$name.out"
    python3 compare.py "$fmt" "$name.out" "$name.expected" >"$name.diff" 2>&1 ||
        fail "$name: export differs: $(cat "$name.diff")"
    [ -s "$name.expected" ] || fail "$name: the test selects nothing; choose another filter"
}

section "csv"
check red csv "" red "" "" -- 
check red_yellow csv "" red,yellow "" "" -- --band red,yellow
check all_csv csv "" "" "" "" -- --band all
check run1 csv 1 red,yellow "" "" -- --run 1 --band red,yellow
run_vitals export --band red,yellow
printf '%s\n' "$OUT" | head -n 1 >header.txt
assert_eq "customer_id,name,segment,owner,arr,score,band,coverage,score_change,flags,renewal_date" \
    "$(cat header.txt)" "csv header"

section "json"
check json json "" red,yellow "" "" -- --band red,yellow --format json
check ndjson ndjson "" red,yellow "" "" -- --band red,yellow --format ndjson
run_vitals export --band red,yellow --format ndjson
assert_eq "$(python3 expected.py "$VITALS_DB" "" red,yellow "" "" | wc -l)" \
    "$(printf '%s\n' "$OUT" | wc -l)" "one ndjson object per line"

section "filters"
FLAG=$(q "SELECT f.value ->> 'name' FROM scores s, json_each(s.flags) f
          WHERE s.run_id = 2 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
[ -n "$FLAG" ] || fail "no flag raised in run 2"
check flag csv "" red,yellow,green "$FLAG" "" -- --band all --flag "$FLAG"
check flag_red json "" red "$FLAG" "" -- --flag "$FLAG" --format json
SEGMENT=$(q "SELECT segment FROM customers GROUP BY segment ORDER BY count(*) DESC LIMIT 1")
check segment csv "" red,yellow "" "$SEGMENT" -- --band red,yellow --segment "$SEGMENT"
check both ndjson "" red,yellow,green "$FLAG" "$SEGMENT" -- --band all --flag "$FLAG" \
    --segment "$SEGMENT" --format ndjson
run_vitals export --band purple
assert_exit 0 "an unknown band"
assert_contains "$ERR" "the bands of run 2 are" "hint for an unknown band"
run_vitals export --band 'red;drop'
assert_exit 1 "a malformed band"
run_vitals export --format xml
assert_exit 1 "a bad format"
run_vitals export --run 99
assert_exit 2 "no such run"

section "sorted by ARR"
run_vitals export --band all --format ndjson
printf '%s\n' "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
keys = [(-r["arr"], r["customer_id"]) for r in rows]
sys.exit(0 if keys == sorted(keys) and len(rows) > 10 else 1)' || fail "not sorted by arr desc"

section "--out"
run_vitals export --band red,yellow
printf '%s\n' "$OUT" >stdout.csv
OUTDIR=$(mk out)
run_vitals export --band red,yellow --out "$OUTDIR/at-risk.csv"
assert_exit 0 "--out"
assert_eq "" "$OUT" "nothing on stdout with --out"
cmp -s stdout.csv "$OUTDIR/at-risk.csv" || fail "--out differs from stdout"
assert_eq "at-risk.csv" "$(ls "$OUTDIR")" "no temporary file left"
run_vitals export --band red,yellow --out "$TMP/no-such-dir/at-risk.csv"
assert_exit 2 "--out in a missing directory"
assert_contains "$ERR" "no-such-dir" "the error names the directory"
assert_no_file "$TMP/no-such-dir"

section "failed customers"
# a customer stored as failed (as a rule error would) is not exported
q "UPDATE scores SET score = NULL, band = NULL, error = 'rules: boom'
   WHERE run_id = 2 AND customer_id = (SELECT min(customer_id) FROM scores WHERE run_id = 2)" \
    2>/dev/null || true
FAILED_ID=$(q "SELECT customer_id FROM scores WHERE run_id = 2 AND error IS NOT NULL LIMIT 1")
run_vitals export --band all
assert_exit 0 "export with a failed customer"
assert_not_contains "$OUT" "$FAILED_ID," "the failed customer"
assert_contains "$ERR" "failed in run 2" "the note on failed customers"

section "readers are not blocked"
# export works while another connection holds the write lock
python3 - "$VITALS_DB" "$VITALS" <<'EOF' || fail "export blocked by a writer"
import sqlite3, subprocess, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO overrides(customer_id, reason, band, created_at) VALUES ('x', 'r', 'red', 'now')")
r = subprocess.run([sys.argv[2], "--db", sys.argv[1], "export"], capture_output=True, timeout=20)
db.execute("ROLLBACK")
sys.exit(r.returncode)
EOF

finish
