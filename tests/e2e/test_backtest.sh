# test_backtest.sh - `vitals backtest` on the example portfolio: its figures
# equal an independent computation, here in python3, from the dry-run scores
# (`vitals score --dry-run`), the customers' churn dates and the
# subscriptions; the AUC by counting every (churner, non-churner) pair, not
# by ranks.  Then nil figures, the incomplete-window warning, overrides,
# failed customers and exit statuses.
. "$E2E/lib.sh"

RULES=$REPO/rules/health.lua
DATA=$(mk data)
cp "$REPO"/examples/data/*.csv "$DATA"/
new_db
run_vitals load "$DATA"/*.csv
assert_exit 0 "load"

# expected.py DRY_RUN_CSV AS_OF HORIZON: the backtest's figures as JSON,
# from the dry run's customer_id,score,band (empty score: failed) and the
# database's customers and subscriptions.
cat >expected.py <<'EOF'
import csv, datetime, json, sqlite3, sys
dry, as_of, horizon = sys.argv[1], sys.argv[2], int(sys.argv[3])
end = (datetime.date.fromisoformat(as_of) + datetime.timedelta(days=horizon)).isoformat()
db = sqlite3.connect(sys.argv[4])
churn = {cid: d for cid, d in db.execute("SELECT customer_id, churn_date FROM customers")}
arr = {}
for cid, m in db.execute("SELECT customer_id, mrr FROM subscriptions WHERE month = ?",
                         (as_of[:7],)):
    arr[cid] = arr.get(cid, 0) + 12 * m
rows = list(csv.DictReader(open(dry, newline="")))
churned = lambda cid: churn.get(cid) is not None and as_of < churn[cid] <= end
scored = [r for r in rows if r["score"] != ""]
failed = [r for r in rows if r["score"] == ""]
pos = [float(r["score"]) for r in scored if churned(r["customer_id"])]
neg = [float(r["score"]) for r in scored if not churned(r["customer_id"])]
pairs = sum(1.0 if p < n else 0.5 if p == n else 0.0 for p in pos for n in neg)
pct = lambda a, b: None if b == 0 else 100.0 * a / b
bands = ["red", "yellow", "green"]
def group(names):
    inb = [r for r in scored if r["band"] in names]
    caught = [r for r in inb if churned(r["customer_id"])]
    all_arr = sum(arr.get(r["customer_id"], 0) for r in scored if churned(r["customer_id"]))
    caught_arr = sum(arr.get(r["customer_id"], 0) for r in caught)
    return {"bands": "+".join(names), "customers": len(inb), "churners": len(caught),
            "precision": pct(len(caught), len(inb)), "recall": pct(len(caught), len(pos)),
            "arr_caught": round(caught_arr, 2), "arr_caught_pct": pct(caught_arr, all_arr)}
out = {"customers": len(rows), "scored": len(scored), "failed": len(failed),
       "failed_churners": sum(churned(r["customer_id"]) for r in failed),
       "churners": len(pos), "churn_rate": pct(len(pos), len(scored)),
       "auc": pairs / (len(pos) * len(neg)) if pos and neg else None,
       "churned_arr": round(sum(arr.get(r["customer_id"], 0) for r in scored
                                if churned(r["customer_id"])), 2),
       "red": group(bands[:1]), "red_yellow": group(bands[:2]),
       "bands": [], "window_end": end}
for b in bands:
    inb = [r for r in scored if r["band"] == b]
    c = sum(churned(r["customer_id"]) for r in inb)
    out["bands"].append({"band": b, "customers": len(inb), "churners": c,
                         "churn_rate": pct(c, len(inb)),
                         "arr": round(sum(arr.get(r["customer_id"], 0) for r in inb), 2)})
print(json.dumps(out))
EOF

# compare.py EXPECTED GOT: every key of EXPECTED equals GOT's (numbers to
# 1e-6, money to the cent); prints the differences.
cat >compare.py <<'EOF'
import json, sys
exp, got = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
def same(path, e, g):
    if isinstance(e, dict):
        if not isinstance(g, dict): bad.append((path, e, g)); return
        for k in e: same(path + "." + k, e[k], g.get(k, "<missing>"))
    elif isinstance(e, list):
        if not isinstance(g, list) or len(e) != len(g): bad.append((path, e, g)); return
        for i, (a, b) in enumerate(zip(e, g)): same("%s[%d]" % (path, i), a, b)
    elif isinstance(e, (int, float)) and not isinstance(e, bool):
        if not isinstance(g, (int, float)) or isinstance(g, bool) or abs(e - g) > 0.006:
            bad.append((path, e, g))
    elif e != g:
        bad.append((path, e, g))
same("", exp, got)
for b in bad: print("%s: expected %r, got %r" % b)
EOF

# check AS_OF HORIZON [RULES]: the backtest equals the independent figures.
check() {
    run_vitals score --rules "${3:-$RULES}" --as-of "$1" --dry-run
    printf '%s\n' "$OUT" >dry.csv
    "$PYTHON" expected.py dry.csv "$1" "$2" "$VITALS_DB" >expected.json
    run_vitals backtest --rules "${3:-$RULES}" --as-of "$1" --horizon "$2" --format json
    printf '%s\n' "$OUT" >got.json
    assert_eq "" "$("$PYTHON" compare.py expected.json got.json 2>&1)" "backtest $1 +$2 vs python"
}

section "examples/data at 2026-07-31, 90 days"
check 2026-07-31 90
assert_exit 0 "backtest json"
assert_eq "" "$ERR" "no warning: the window ends before the data does"
jq_() { "$PYTHON" -c "import json,sys; d=json.load(open('got.json')); print(json.dumps($1))"; }
assert_eq 169 "$(jq_ 'd["scored"]')" "scored customers"
assert_eq true "$(jq_ 'd["churners"] > 0 and d["auc"] is not None')" "churners and an AUC"
assert_eq true "$(jq_ 'all(isinstance(d[k], (int, float)) for k in ("auc", "churn_rate", "churned_arr"))')" \
    "numbers are JSON numbers"
assert_eq '"2026-10-29"' "$(jq_ 'd["window_end"]')" "window end"
assert_eq false "$(jq_ 'd["window_incomplete"]')" "window complete"

section "text"
run_vitals backtest --as-of 2026-07-31
assert_exit 0 "backtest text"
auc=$("$PYTHON" -c "import json; print('%.4f' % json.load(open('got.json'))['auc'])")
assert_contains "$OUT" "AUC" "text"
assert_contains "$OUT" "$auc" "text shows the AUC"
assert_contains "$OUT" "churn dated 2026-08-01 to 2026-10-29" "text window"
assert_contains "$OUT" "red+yellow" "text"

section "other windows"
check 2026-04-30 180
assert_exit 0 "backtest 2026-04-30 +180"
check 2026-01-31 30
assert_exit 0 "backtest 2026-01-31 +30"

section "incomplete window"
check 2026-09-30 90
assert_exit 0 "backtest 2026-09-30 +90"
assert_contains "$ERR" "warning" "incomplete window"
assert_contains "$ERR" "2026-10-31" "the warning names the latest usage date"
assert_eq true "$(jq_ 'd["window_incomplete"]')" "window_incomplete"

section "no churners: nil, not 0"
check 2026-10-31 30
run_vitals backtest --as-of 2026-10-31 --horizon 30 --format json
printf '%s\n' "$OUT" >got.json
assert_eq '[0, null, null, null, null]' \
    "$(jq_ '[d["churners"], d["auc"], d["red"]["recall"], d["red"]["arr_caught_pct"], d["red_yellow"]["recall"]]')" \
    "no churners"
run_vitals backtest --as-of 2026-10-31 --horizon 30
assert_contains "$OUT" "AUC                -" "text shows - for nil"

section "before any customer"
run_vitals backtest --as-of 1990-01-01 --format json
assert_exit 0 "backtest before the data"
printf '%s\n' "$OUT" >got.json
assert_eq '[0, 0, null, null, null]' \
    "$(jq_ '[d["scored"], d["churners"], d["churn_rate"], d["auc"], d["red"]["precision"]]')" "empty"

section "overrides do not change the backtest"
run_vitals backtest --as-of 2026-07-31 --format json
printf '%s\n' "$OUT" >before.json
green=$(q "SELECT customer_id FROM customers WHERE start_date < '2026-01-01' AND churn_date IS NULL ORDER BY customer_id LIMIT 1")
run_vitals override "$green" --band red --score 5 --reason "backtest test"
assert_exit 0 "override"
run_vitals backtest --as-of 2026-07-31 --format json
printf '%s\n' "$OUT" >after.json
assert_eq 1 "$("$PYTHON" -c "import json; print(json.load(open('after.json'))['overridden'])")" "overridden"
assert_eq "same" "$("$PYTHON" -c "
import json
a, b = json.load(open('before.json')), json.load(open('after.json'))
a.pop('overridden'); b.pop('overridden')
print('same' if a == b else 'differ')")" "figures with an override"
run_vitals override "$green" --clear
assert_exit 0 "clear override"

section "failed customers are counted apart"
cat >fails.lua <<'EOF'
bands { red = 0, yellow = 60, green = 75 }
measure "usage" { weight = 1, value = "seat_utilization", scale = linear(0.2, 0.8), missing = 0 }
flag "boom" {
  severity = "low",
  when = function(c) if c.segment == "smb" then error("no smb today") end return false end,
  reason = function() return "never" end,
}
EOF
check 2026-07-31 90 fails.lua
assert_exit 3 "some customers failed"
assert_contains "$ERR" "failed" "failures are reported"
assert_eq true "$(jq_ 'd["failed"] > 0 and d["scored"] + d["failed"] == d["customers"]')" "failed apart"

section "usage and input errors"
run_vitals backtest
assert_exit 1 "no --as-of"
assert_contains "$ERR" "--as-of" "no --as-of"
run_vitals backtest --as-of 2026-02-30
assert_exit 1 "bad date"
run_vitals backtest --as-of 2026-07-31 --horizon 0
assert_exit 1 "horizon 0"
run_vitals backtest --as-of 2026-07-31 --horizon 9x
assert_exit 1 "horizon 9x"
run_vitals backtest --as-of 2026-07-31 --format xml
assert_exit 1 "bad format"
run_vitals backtest --as-of 2026-07-31 extra
assert_exit 1 "extra argument"
printf 'bands { red = 0 \n measure "x" {' >bad.lua
run_vitals backtest --as-of 2026-07-31 --rules bad.lua
assert_exit 2 "rules that cannot load"
assert_contains "$ERR" "bad.lua" "the error names the file"
run_vitals backtest --as-of 2026-07-31 --rules missing.lua
assert_exit 2 "missing rule file"
run_vitals backtest --help
assert_exit 0 "--help"
assert_contains "$OUT" "Examples:" "--help teaches"

section "database errors"
cp "$VITALS_DB" broken.db
sqlite3 broken.db "DROP VIEW customers"
run_vitals --db broken.db backtest --as-of 2026-07-31
assert_exit 4 "a database error"

section "stores nothing"
assert_eq 0 "$(q 'SELECT count(*) FROM runs')" "no runs stored"

finish
