# test_score.sh - `vitals score`, `explain` and `override` on the example
# portfolio, checked against the database with sqlite3 and python3.
. "$E2E/lib.sh"

AS_OF=2026-10-31
RULES=$REPO/rules/health.lua
DATA=$(mk data)
cp "$REPO"/examples/data/*.csv "$DATA"/
new_db

section load
run_vitals load "$DATA"/*.csv
assert_exit 0

# Customers active at D (SPEC §3), computed here from the customers view.
ACTIVE=$(q "SELECT count(*) FROM customers WHERE start_date <= '$AS_OF'
            AND (churn_date IS NULL OR churn_date = '' OR churn_date > '$AS_OF')")

section "score"
run_vitals score --rules "$RULES" --as-of "$AS_OF"
FAILED=$(q "SELECT failed FROM runs WHERE run_id = 1")
if [ "$FAILED" = 0 ]; then assert_exit 0; else assert_exit 3 "exit with $FAILED failed"; fi
assert_contains "$ERR" "run 1:" "summary"
assert_contains "$ERR" "$ACTIVE customers as of $AS_OF" "summary"
assert_eq 1 "$(q 'SELECT count(*) FROM runs')" "runs"
assert_eq "$ACTIVE" "$(q 'SELECT customers FROM runs')" "runs.customers"
assert_eq "$ACTIVE" "$(q 'SELECT count(*) FROM scores WHERE run_id = 1')" "scores rows"
assert_eq "$FAILED" "$(q 'SELECT count(*) FROM scores WHERE error IS NOT NULL')" "failed rows"
assert_eq "$AS_OF|$RULES" "$(q 'SELECT as_of, rules_path FROM runs')" "run as_of and rules"
assert_eq "$(sha256sum "$RULES" | cut -d' ' -f1)" "$(q 'SELECT rules_sha256 FROM runs')" "sha256"
assert_eq 1 "$(q "SELECT finished_at >= started_at AND started_at LIKE '____-__-__T__:__:__Z'
                  FROM runs")" "timestamps"
assert_eq 0 "$(q "SELECT count(*) FROM scores WHERE error IS NULL AND NOT (score BETWEEN 0 AND 100
                  AND coverage BETWEEN 0 AND 100 AND band IN ('red', 'yellow', 'green')
                  AND json_valid(measures) AND json_valid(flags))")" "valid score rows"
assert_eq 0 "$(q "SELECT count(*) FROM scores WHERE score <> round(score, 1)")" "one decimal"
# every band of the summary matches the stored rows
for b in red yellow green; do
    n=$(q "SELECT count(*) FROM scores WHERE run_id = 1 AND band = '$b'")
    line=$(printf '%s\n' "$ERR" | grep -E "^  $b ")
    assert_eq "$n" "$(echo "$line" | awk '{print $2}')" "summary count of $b"
done
# the ARR per band in the summary: 12 x MRR of the as-of month
red_arr=$(q "SELECT printf('%.2f', coalesce(sum(12 * sub.mrr), 0)) FROM scores s
             JOIN subscriptions sub ON sub.customer_id = s.customer_id
             WHERE s.run_id = 1 AND s.band = 'red' AND sub.month = substr('$AS_OF', 1, 7)")
assert_eq "$red_arr" "$(printf '%s\n' "$ERR" | grep -E '^  red ' | awk '{print $3}')" "red ARR"

section "dry run"
run_vitals score --rules "$RULES" --as-of "$AS_OF" --dry-run
assert_ne 4 "$RC" "dry run"
assert_eq 1 "$(q 'SELECT count(*) FROM runs')" "a dry run stores nothing"
printf '%s\n' "$OUT" >dry.csv
assert_eq "$ACTIVE" "$(csv_rows dry.csv)" "dry-run rows"
assert_eq "customer_id,score,band,coverage,flags" "$(head -n 1 dry.csv)" "dry-run header"
assert_contains "$ERR" "dry run (nothing stored)" "dry-run summary"
# the same scores as the stored run
python3 - "$VITALS_DB" dry.csv <<'EOF' || fail "dry-run rows differ from run 1"
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
stored = {r[0]: (r[1], r[2]) for r in db.execute(
    "SELECT customer_id, score, band FROM scores WHERE run_id = 1 AND error IS NULL")}
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
got = {r["customer_id"]: (float(r["score"]), r["band"]) for r in rows if r["score"]}
sys.exit(0 if got == stored else 1)
EOF

section "default rules"
run_vitals score --as-of "$AS_OF"
assert_ne 4 "$RC" "score with the shipped rules"
assert_ne 2 "$RC" "score with the shipped rules"
assert_contains "$(q 'SELECT rules_path FROM runs WHERE run_id = 2')" "rules/health.lua" "default rules"

section "bad rules"
printf 'bands { red = 0\nmeasure "x" {\n' >bad.lua
run_vitals score --rules bad.lua --as-of "$AS_OF"
assert_exit 2 "rules that do not load"
assert_contains "$ERR" "bad.lua" "the error names the file"
run_vitals score --rules missing.lua --as-of "$AS_OF"
assert_exit 2 "a missing rule file"
assert_eq 2 "$(q 'SELECT count(*) FROM runs')" "nothing stored by failed runs"
run_vitals score --as-of 2026-02-30
assert_exit 1 "a bad date"

section "failed customers"
# a rule error for some customers (6 have no seats: c.seats > 10 fails on nil)
cat >fragile.lua <<'EOF2'
bands { red = 0, yellow = 50, green = 75 }
measure "tenure" { weight = 1, value = "tenure_days", scale = linear(0, 1000) }
flag "big" { severity = "low", when = function(c) return c.seats > 10 end, reason = "big" }
EOF2
NOSEATS=$(q "SELECT count(*) FROM customers WHERE start_date <= '$AS_OF'
             AND (churn_date IS NULL OR churn_date = '' OR churn_date > '$AS_OF')
             AND seats IS NULL")
[ "$NOSEATS" -gt 0 ] || fail "the example data should have active customers without seats"
run_vitals score --rules fragile.lua --as-of "$AS_OF"
assert_exit 3 "some customers failed"
RUN=$(q 'SELECT max(run_id) FROM runs')
assert_eq "$ACTIVE|$NOSEATS" "$(q "SELECT customers, failed FROM runs WHERE run_id = $RUN")" \
    "the run is stored, failures counted"
assert_eq "$NOSEATS" "$(q "SELECT count(*) FROM scores WHERE run_id = $RUN AND error IS NOT NULL
                          AND score IS NULL AND band IS NULL")" "failed rows"
assert_contains "$ERR" "fragile.lua" "the error names the rule file"
assert_contains "$ERR" "$NOSEATS of $ACTIVE customers failed" "the failure count"
BROKEN=$(q "SELECT customer_id FROM scores WHERE run_id = $RUN AND error IS NOT NULL LIMIT 1")
run_vitals explain "$BROKEN" --run "$RUN"
assert_exit 0 "explain a failed customer"
assert_contains "$OUT" "failed" "explain a failed customer"
run_vitals export --run "$RUN" --band all
assert_not_contains "$OUT" "$BROKEN," "failed customers are not exported"
assert_contains "$ERR" "$NOSEATS customers failed in run $RUN" "export note"
q "DELETE FROM scores WHERE run_id = $RUN; DELETE FROM runs WHERE run_id = $RUN"

section "explain"
ID=$(q "SELECT customer_id FROM scores WHERE run_id = 2 AND error IS NULL
        ORDER BY score, customer_id LIMIT 1")
run_vitals explain "$ID"
assert_exit 0
assert_contains "$OUT" "$ID" "explain text"
assert_contains "$OUT" "run 2 as of $AS_OF" "explain text"
assert_contains "$OUT" "contribution" "explain text"
assert_contains "$OUT" "band      $(q "SELECT band FROM scores WHERE run_id = 2 AND customer_id = '$ID'")" \
    "explain band"
assert_contains "$OUT" "biggest lever" "explain text"
run_vitals explain "$ID" --format json
assert_exit 0
printf '%s\n' "$OUT" >explain.json
python3 - explain.json "$VITALS_DB" "$ID" <<'EOF' || fail "explain json: $(cat explain.json)"
import json, sqlite3, sys
e = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
score, band, cov = db.execute("SELECT score, band, coverage FROM scores WHERE run_id = 2"
                              " AND customer_id = ?", (sys.argv[3],)).fetchone()
total = sum(m["contribution"] or 0 for m in e["measures"] if m["used"])
assert e["customer_id"] == sys.argv[3] and e["run_id"] == 2, e
assert abs(total - e["score"]) <= 0.1, (total, e["score"])
assert e["score"] == score and e["band"] == band and abs(e["coverage"] - cov) < 1e-9
assert e["overridden"] is False and e["override"] is None
assert isinstance(e["flags"], list) and all("reason" in f for f in e["flags"])
# score_prev: run 1 has the same as-of date, so there is no earlier score
assert e["score_prev"] is None and e["score_change"] is None
lever = e["biggest_lever"]
gains = [m["gain"] for m in e["measures"]]
assert lever is None or lever["gain"] == max(gains), (lever, gains)
EOF
run_vitals explain NO-SUCH-CUSTOMER
assert_exit 2 "unknown customer"
assert_contains "$ERR" "no such customer" "unknown customer"
CHURNED=$(q "SELECT customer_id FROM customers WHERE churn_date <> '' AND churn_date <= '$AS_OF' LIMIT 1")
run_vitals explain "$CHURNED"
assert_exit 2 "customer not in the run"
assert_contains "$ERR" "not in run 2" "churned customer"
run_vitals explain "$ID" --run 99
assert_exit 2 "no such run"
run_vitals explain
assert_exit 1 "no customer id"

section "override"
GREEN=$(q "SELECT customer_id FROM scores WHERE run_id = 2 AND band = 'green'
           ORDER BY customer_id LIMIT 1")
GSCORE=$(q "SELECT score FROM scores WHERE run_id = 2 AND customer_id = '$GREEN'")
run_vitals override "$GREEN" --band red --reason "champion left, renewal in doubt" \
    --author "Ana Souza" --until 2026-12-31
assert_exit 0 "override set"
run_vitals override --list
assert_contains "$OUT" "$GREEN,red,,2026-12-31,yes,Ana Souza," "override list"
run_vitals override "$GREEN" --band Red --reason x
assert_exit 1 "a bad band"
run_vitals override "$GREEN" --score 120 --reason x
assert_exit 1 "a bad score"
run_vitals override "$GREEN" --band red
assert_exit 1 "no reason"
run_vitals override NO-SUCH-CUSTOMER --band red --reason x
assert_exit 2 "unknown customer"
run_vitals score --rules "$RULES" --as-of "$AS_OF"
assert_eq "red|$GSCORE|green|1" \
    "$(q "SELECT band, score, score_band, overridden FROM scores WHERE run_id = 3 AND customer_id = '$GREEN'")" \
    "overridden row"
run_vitals export --band red
assert_contains "$OUT" "$GREEN," "overridden customer exported as red"
run_vitals explain "$GREEN"
assert_contains "$OUT" "override" "explain shows the override"
assert_contains "$OUT" "champion left, renewal in doubt" "explain shows the reason"
run_vitals explain "$GREEN" --format json
assert_contains "$OUT" '"overridden":true' "explain json"
assert_contains "$OUT" '"reason":"champion left, renewal in doubt"' "explain json"
# a run after the override expired does not honour it
run_vitals score --rules "$RULES" --as-of 2027-01-01
assert_eq 0 "$(q "SELECT coalesce(sum(overridden), 0) FROM scores WHERE run_id = 4")" "expired override"
run_vitals override "$GREEN" --clear
assert_exit 0 "clear"
assert_eq 0 "$(q 'SELECT count(*) FROM overrides')" "cleared"
run_vitals score --rules "$RULES" --as-of "$AS_OF"
assert_eq "green|0" \
    "$(q "SELECT band, overridden FROM scores WHERE run_id = 5 AND customer_id = '$GREEN'")" \
    "after --clear"
run_vitals export --band red
assert_not_contains "$OUT" "$GREEN," "no longer exported as red"

section "help"
for cmd in score explain export override; do
    run_vitals "$cmd" --help
    assert_exit 0 "$cmd --help"
    assert_contains "$OUT" "usage: vitals $cmd" "$cmd --help"
    assert_contains "$OUT" "Examples:" "$cmd --help"
done

finish
