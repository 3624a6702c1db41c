# test_kpis.sh - `vitals kpis` on the example portfolio: every KPI of SPEC §4
# in the JSON, the MRR bridge reconciling every month, --explain's formulas
# and parts, --by totals equal to the ungrouped figures, a few figures
# recomputed here in python3 from the SPEC views, and the usage errors.
. "$E2E/lib.sh"

new_db
run_vitals load "$REPO"/examples/data/*.csv
assert_exit 0 "load"

SPEC_KPIS="logo_churn_rate retention_rate customers_start customers_end new_customers
churned_customers mrr_start mrr_end new_mrr expansion_mrr upsell_mrr cross_sell_mrr
contraction_mrr churned_mrr reactivation_mrr gross_revenue_churn_rate grr nrr arr nps csat
ces_avg resolution_hours_avg fcr_rate solve_rate abandon_rate renewal_rate cac arpa ltv
avg_lifetime_months avg_ticket referrals"
export SPEC_KPIS

# py FILE SCRIPT: run a python3 check on a JSON file; it prints problems.
py() {
    file=$1
    shift
    problems=$("$PYTHON" -c "$1" "$file" "$VITALS_DB" 2>&1) || problems="python failed: $problems"
    [ -z "$problems" ] || fail "$problems"
}

section "json"
run_vitals kpis --month 2026-07 --format json
assert_exit 0 "kpis --month 2026-07 --format json"
printf '%s\n' "$OUT" >month.json
py month.json '
import json, os, sys
rows = json.load(open(sys.argv[1]))
if len(rows) != 1: print("expected one row, got", len(rows))
row = rows[0]
for k in os.environ["SPEC_KPIS"].split():
    if k not in row: print("missing", k)
    elif row[k] is not None and not isinstance(row[k], (int, float)): print(k, "is not a number:", row[k])
if row["from"] != "2026-07-01" or row["to"] != "2026-07-31": print("period", row["from"], row["to"])
for k in ("customers_start", "new_customers", "referrals"):
    if not isinstance(row[k], int): print(k, "is not an integer")
'

section "figures recomputed from the views"
py month.json '
import json, sqlite3, sys
row = json.load(open(sys.argv[1]))[0]
db = sqlite3.connect(sys.argv[2])
one = lambda sql: db.execute(sql).fetchone()[0]
want = {
  "customers_start": one("SELECT count(*) FROM customers WHERE start_date < \"2026-07-01\" AND (churn_date IS NULL OR churn_date >= \"2026-07-01\")"),
  "churned_customers": one("SELECT count(*) FROM customers WHERE start_date < \"2026-07-01\" AND churn_date BETWEEN \"2026-07-01\" AND \"2026-07-31\""),
  "new_customers": one("SELECT count(*) FROM customers WHERE start_date BETWEEN \"2026-07-01\" AND \"2026-07-31\""),
  "mrr_start": one("SELECT total(mrr) FROM subscriptions JOIN customers USING (customer_id) WHERE month = \"2026-06\""),
  "mrr_end": one("SELECT total(mrr) FROM subscriptions JOIN customers USING (customer_id) WHERE month = \"2026-07\""),
}
p, d, n = db.execute("SELECT sum(score >= 9), sum(score <= 6), count(*) FROM surveys WHERE type = \"nps\" AND date BETWEEN \"2026-07-01\" AND \"2026-07-31\"").fetchone()
want["nps"] = (p - d) / n * 100
want["logo_churn_rate"] = want["churned_customers"] / want["customers_start"] * 100
want["arr"] = 12 * want["mrr_end"]
for k, v in want.items():
    if abs(row[k] - v) > 1e-6 * max(1, abs(v)): print(k, "is", row[k], "expected", v)
'

section "movements"
run_vitals kpis --from 2025-08-01 --to 2026-10-31 --movements --format json
assert_exit 0 "kpis --movements over the whole example data"
printf '%s\n' "$OUT" >bridge.json
py bridge.json '
import json, sys
rows = json.load(open(sys.argv[1]))
if len(rows) != 15: print("expected 15 months, got", len(rows))
prev = None
for r in rows:
    m = r["month"]
    end = r["mrr_start"] + r["new_mrr"] + r["expansion_mrr"] + r["reactivation_mrr"] - r["contraction_mrr"] - r["churned_mrr"]
    if abs(end - r["mrr_end"]) >= 0.005: print(m, "does not reconcile:", end, "!=", r["mrr_end"])
    if abs(r["upsell_mrr"] + r["cross_sell_mrr"] - r["expansion_mrr"]) >= 0.005: print(m, "expansion != upsell + cross_sell")
    if prev is not None and abs(prev - r["mrr_start"]) >= 0.005: print(m, "starts at", r["mrr_start"], "but the month before ended at", prev)
    prev = r["mrr_end"]
if rows and rows[0]["mrr_start"] != 0: print("2025-07 has no subscriptions, but mrr_start is", rows[0]["mrr_start"])
'
run_vitals kpis --from 2025-09-01 --to 2026-10-31 --movements
assert_exit 0 "kpis --movements, table"
assert_contains "$OUT" "=mrr_end" "the bridge table"
assert_contains "$OUT" "2026-10" "the bridge table"
run_vitals kpis --quarter 2026-Q3 --movements --by segment --format csv
assert_exit 0 "kpis --movements --by segment"
printf '%s\n' "$OUT" >bridge.csv
assert_eq 12 "$(csv_rows bridge.csv)" "3 months x (3 segments + total)"

section "explain"
run_vitals kpis --month 2026-07 --explain
assert_exit 0 "kpis --explain"
for k in $SPEC_KPIS; do
    assert_contains "$OUT" "
$k = " "--explain of $k"
done
assert_contains "$OUT" "    formula      churned_customers / customers_start * 100" "--explain"
assert_contains "$OUT" "    numerator    " "--explain"
assert_contains "$OUT" "    denominator  " "--explain"
assert_contains "$OUT" "customers_start" "--explain terms"
run_vitals kpis --list --format json
printf '%s\n' "$OUT" >list.json
run_vitals kpis --month 2026-07 --explain --format json
assert_exit 0 "kpis --explain --format json"
printf '%s\n' "$OUT" >explain.json
py explain.json '
import json, sys
recs = json.load(open(sys.argv[1]))
scales = {d["name"]: d["scale"] for d in json.load(open("list.json"))}
for r in recs:
    if not r["formula"]: print(r["kpi"], "has no formula")
    if r["denominator_sql"] is None:
        continue
    scale = scales[r["kpi"]]
    if r["denominator"] in (None, 0):
        if r["value"] is not None: print(r["kpi"], "has a value over a zero denominator")
    elif abs(r["numerator"] / r["denominator"] * scale - r["value"]) > 1e-9 * max(1, abs(r["value"])):
        print(r["kpi"], "value is not numerator / denominator")
'

section "by segment"
run_vitals kpis --quarter 2026-Q3 --format json
assert_exit 0 "kpis --quarter"
printf '%s\n' "$OUT" >plain.json
run_vitals kpis --quarter 2026-Q3 --by segment --format json
assert_exit 0 "kpis --quarter --by segment"
printf '%s\n' "$OUT" >by.json
py by.json '
import json, os, sys
rows = json.load(open(sys.argv[1]))
plain = json.load(open("plain.json"))[0]
total = [r for r in rows if r["total"]]
if len(total) != 1 or rows[-1] is not total[0]: print("expected one total row, last")
total = total[0]
for k in os.environ["SPEC_KPIS"].split():
    if total[k] != plain[k]: print("total", k, total[k], "!= ungrouped", plain[k])
groups = [r for r in rows if not r["total"]]
if sorted(r["segment"] for r in groups) != ["enterprise", "mid", "smb"]: print("groups", [r["segment"] for r in groups])
for k in ("customers_start", "customers_end", "new_customers", "churned_customers", "mrr_start", "mrr_end", "new_mrr", "churned_mrr", "referrals"):
    if abs(sum(r[k] for r in groups) - total[k]) > 0.005: print("groups do not add up to the total for", k)
if any(r["cac"] is not None for r in groups): print("cac in a group row")
'
run_vitals kpis --from 2025-09-01 --to 2026-10-31 --monthly --format csv
printf '%s\n' "$OUT" >plain.csv
for by in segment plan owner region; do
    run_vitals kpis --from 2025-09-01 --to 2026-10-31 --monthly --by "$by" --format csv
    assert_exit 0 "kpis --monthly --by $by"
    printf '%s\n' "$OUT" >"by-$by.csv"
    py "by-$by.csv" '
import csv, sys
plain = list(csv.DictReader(open("plain.csv")))
totals = [r for r in csv.DictReader(open(sys.argv[1])) if r["total"] == "true"]
if len(totals) != len(plain): print(sys.argv[1], len(totals), "total rows for", len(plain), "months")
for p, t in zip(plain, totals):
    for k, v in p.items():
        if t[k] != v: print(sys.argv[1], p["month"], k, "total", t[k], "!= ungrouped", v)
'
done
run_vitals kpis --quarter 2026-Q3 --by owner
assert_exit 0 "kpis --by owner, table"
assert_contains "$OUT" "total" "the --by table"
assert_contains "$OUT" "Carla Mendes" "the --by table"

section "monthly and csv"
run_vitals kpis --from 2026-01-15 --to 2026-04-10 --monthly --format csv
assert_exit 0 "kpis --monthly --format csv"
printf '%s\n' "$OUT" >monthly.csv
assert_eq 4 "$(csv_rows monthly.csv)" "January to April"
assert_contains "$OUT" "2026-01-15,2026-01-31,2026-01," "the first month starts with the period"
assert_contains "$OUT" "2026-04-01,2026-04-10,2026-04," "the last month ends with the period"
run_vitals kpis --month 2026-07
assert_exit 0 "kpis, table"
assert_contains "$OUT" "logo_churn_rate" "the table"
assert_contains "$OUT" "2026-07-01 to 2026-07-31 (1 month)" "the table title"

section "help and list"
run_vitals kpis --help
assert_exit 0 "kpis --help"
for k in $SPEC_KPIS; do
    assert_contains "$OUT" "$k" "--help"
done
assert_contains "$OUT" "--quarter" "--help"
run_vitals --db "$TMP/none.db" kpis --list --format json
assert_exit 0 "kpis --list needs no database"
assert_contains "$OUT" '"name":"nrr"' "--list"
assert_no_file "$TMP/none.db" "--list"

section "errors"
for args in "--month 2026-13" "--month 2026-07 --from 2026-07-01 --to 2026-07-31" \
    "--from 2026-08-01 --to 2026-07-01" "--from 2026-02-30 --to 2026-03-31" "--from 2026-07-01" \
    "--quarter 2026-Q5" "--month 2026-07 --format xml" "--month 2026-07 --by country" \
    "--month 2026-07 --movements --explain" "--month 2026-07 extra" ""; do
    # shellcheck disable=SC2086 # the arguments are split on purpose
    run_vitals kpis $args
    assert_exit 1 "kpis $args"
    assert_contains "$ERR" "kpis" "the message of kpis $args"
done
run_vitals kpis --from 2026-08-01 --to 2026-07-01
assert_contains "$ERR" "--from 2026-08-01 is after --to 2026-07-01" "from > to"
run_vitals kpis --month 2026-07 --from 2026-07-01 --to 2026-07-31
assert_contains "$ERR" "give one period" "two periods"
run_vitals --db "$TMP/none.db" kpis --month 2026-07
assert_ne 0 "$RC" "kpis without a database"
assert_no_file "$TMP/none.db" "kpis without a database"

finish
