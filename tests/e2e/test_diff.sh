# test_diff.sh - `vitals diff` on the example portfolio: the band migration
# matrix, the band changes and the largest score moves of two rule files
# equal those computed here, in python3, from `vitals score --dry-run` of
# each file; a diff against the latest run with the same rules changes
# nothing; failures, formats, usage errors; nothing is ever stored.
. "$E2E/lib.sh"

HEALTH=$REPO/rules/health.lua
AS_OF=2026-10-31
DATA=$(mk data)
cp "$REPO"/examples/data/*.csv "$DATA"/
new_db
run_vitals load "$DATA"/*.csv
assert_exit 0 "load"

# strict.lua: the shipped rules with a higher yellow floor (60 -> 65);
# weights.lua: the NPS weighs three times as much (scores move).
sed 's/yellow = 60,/yellow = 65,/' "$HEALTH" >strict.lua
sed '/^measure "nps"/,/^}/s/weight  = 10,/weight  = 30,/' "$HEALTH" >weights.lua
assert_ne "$(md5sum <"$HEALTH")" "$(md5sum <strict.lua)" "strict.lua differs"
assert_ne "$(md5sum <"$HEALTH")" "$(md5sum <weights.lua)" "weights.lua differs"

section "no runs yet"
run_vitals diff --rules "$HEALTH"
assert_exit 2 "diff without a run"
assert_contains "$ERR" "no runs yet"

# expected.py OLD.csv NEW.csv: the diff of two dry runs as JSON (matrix as
# {old: {new: n}} over the bands seen, changes, top 10 moves).
cat >expected.py <<'EOF'
import csv, json, sys
def read(path):
    return {r["customer_id"]: r for r in csv.DictReader(open(path, newline=""))}
old, new = read(sys.argv[1]), read(sys.argv[2])
matrix, changes, moves = {}, [], []
for cid in sorted(set(old) & set(new)):
    o, n = old[cid], new[cid]
    if not o["band"] or not n["band"]:
        continue
    row = matrix.setdefault(o["band"], {})
    row[n["band"]] = row.get(n["band"], 0) + 1
    if o["band"] != n["band"]:
        changes.append(cid)
    delta = round(float(n["score"]) - float(o["score"]), 1)
    if delta != 0:
        moves.append((-abs(delta), cid, delta))
moves.sort()
print(json.dumps({"matrix": matrix, "changes": changes,
                  "moves": [[cid, d] for _, cid, d in moves[:10]]}, sort_keys=True))
EOF

# got.py: the same from `vitals diff --format json` (zero cells left out).
cat >got.py <<'EOF'
import json, sys
d = json.load(sys.stdin)
matrix = {o: {n: c for n, c in row.items() if c} for o, row in d["matrix"].items()}
matrix = {o: row for o, row in matrix.items() if row}
print(json.dumps({"matrix": matrix, "changes": [c["customer_id"] for c in d["changes"]],
                  "moves": [[m["customer_id"], m["change"]] for m in d["moves"]]},
                 sort_keys=True))
EOF

dry_run() {
    run_vitals score --dry-run --rules "$1" --as-of "$AS_OF"
    assert_exit 0 "score --dry-run $1"
    printf '%s\n' "$OUT" >"$2"
}
dry_run "$HEALTH" health.csv
dry_run strict.lua strict.csv
dry_run weights.lua weights.csv

section "a higher yellow floor"
run_vitals diff --rules strict.lua --against "$HEALTH" --as-of $AS_OF --format json
assert_exit 0 "diff strict"
printf '%s\n' "$OUT" >strict.json
expected=$("$PYTHON" expected.py health.csv strict.csv)
assert_eq "$expected" "$("$PYTHON" got.py <strict.json)" "strict vs health"
# the floor only moves yellow customers scoring 60 to 65 to red
moved=$(awk -F, 'NR > 1 && $3 == "yellow" && $2 < 65' health.csv | wc -l | tr -d ' ')
assert_ne 0 "$moved" "customers between 60 and 65"
assert_eq "$moved" "$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["matrix"]["yellow"]["red"])' <strict.json)" "yellow -> red"
assert_eq "$moved" "$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["changed"])' <strict.json)" "changed"
customers=$(csv_rows health.csv)
assert_eq "$customers $customers 0 0 2026-10-31" "$("$PYTHON" -c '
import json,sys; d=json.load(sys.stdin)
print(d["customers"], d["compared"], d["failed"], d["absent"], d["as_of"])' <strict.json)" "totals"

section "text"
run_vitals diff --rules strict.lua --against "$HEALTH" --as-of $AS_OF
assert_exit 0 "diff strict text"
assert_contains "$OUT" "Band migration (rows: old band, columns: new band)"
assert_contains "$OUT" "Band changes ($moved)"
assert_contains "$OUT" "Score moves: none"
assert_contains "$OUT" "  old: $HEALTH"
# the matrix lines: old band, counts per new band, total
row=$(printf '%s\n' "$OUT" | awk '$1 == "yellow" && NF == 5 { print $2, $3, $4, $5; exit }')
yellow=$(awk -F, 'NR > 1 && $3 == "yellow"' health.csv | wc -l | tr -d ' ')
assert_eq "$moved $((yellow - moved)) 0 $yellow" "$row" "text matrix, yellow row"

section "csv"
run_vitals diff --rules strict.lua --against "$HEALTH" --as-of $AS_OF --format csv
assert_exit 0 "diff strict csv"
printf '%s\n' "$OUT" >strict_diff.csv
assert_eq "kind,customer_id,old_band,new_band,old_score,new_score,change,customers,old_error,new_error" \
    "$(sed -n 1p strict_diff.csv)" "csv header"
assert_eq "matrix 9
changed $moved" "$("$PYTHON" -c '
import csv, sys, collections
c = collections.Counter(r["kind"] for r in csv.DictReader(open(sys.argv[1], newline="")))
print("\n".join("%s %d" % kv for kv in c.items()))' strict_diff.csv)" "csv kinds"
assert_eq "$moved" "$(awk -F, '$1 == "matrix" && $3 == "yellow" && $4 == "red" { print $8 }' strict_diff.csv)" "csv yellow -> red"

section "score moves"
run_vitals diff --rules weights.lua --against "$HEALTH" --as-of $AS_OF --format json
assert_exit 0 "diff weights"
expected=$("$PYTHON" expected.py health.csv weights.csv)
assert_eq "$expected" "$(printf '%s\n' "$OUT" | "$PYTHON" got.py)" "weights vs health"
assert_eq 10 "$(printf '%s\n' "$OUT" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["moves"]))')" "top 10"
run_vitals diff --rules weights.lua --against "$HEALTH" --as-of $AS_OF --format json --top 3
assert_eq 3 "$(printf '%s\n' "$OUT" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["moves"]))')" "top 3"

section "against the latest run"
run_vitals score --rules "$HEALTH" --as-of 2026-09-30
assert_exit 0 "score 2026-09-30"
run_vitals score --rules "$HEALTH" --as-of $AS_OF
assert_exit 0 "score $AS_OF"
runs=$(q "SELECT count(*) FROM runs")
run_vitals diff --rules "$HEALTH" --format json
assert_exit 0 "diff same rules"
assert_eq "2 $AS_OF 0 $customers 0 0" "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json,sys; d=json.load(sys.stdin)
off = sum(c for o, row in d["matrix"].items() for n, c in row.items() if o != n)
print(d["old"]["run_id"], d["as_of"], d["changed"], d["compared"], len(d["moves"]), off)')" "no change"
run_vitals diff --rules "$HEALTH"
assert_exit 0 "diff same rules, text"
assert_contains "$OUT" "old: run 2 as of $AS_OF ($HEALTH), the same rules"
assert_contains "$OUT" "Band changes: none"
assert_contains "$OUT" "Score moves: none"

run_vitals diff --rules strict.lua --format json
assert_exit 0 "diff strict vs run"
assert_eq "$("$PYTHON" expected.py health.csv strict.csv)" "$(printf '%s\n' "$OUT" | "$PYTHON" got.py)" "strict vs the run"

# --run 1 is the 2026-09-30 run: its date is used, so the same rules agree
run_vitals diff --rules "$HEALTH" --run 1 --format json
assert_exit 0 "diff run 1"
assert_eq "2026-09-30 0 0" "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json,sys; d=json.load(sys.stdin); print(d["as_of"], d["changed"], d["absent"])')" "run 1"
# ... unless --as-of says otherwise: customers on one side only are counted
run_vitals diff --rules "$HEALTH" --run 1 --as-of 2025-06-30 --format json
assert_exit 0 "diff run 1 at another date"
assert_ne 0 "$(printf '%s\n' "$OUT" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["absent"])')" "absent"
assert_eq "$runs" "$(q "SELECT count(*) FROM runs")" "diff stores nothing"

section "failing customers"
first=$(awk -F, 'NR == 2 { print $1 }' health.csv)
sed "s/^measure \"usage_trend\" {/measure \"boom\" { weight = 1, value = function(c) if c.customer_id == \"$first\" then error(\"boom\") end return 50 end }\n&/" \
    "$HEALTH" >boom.lua
run_vitals diff --rules boom.lua --format json
assert_exit 3 "a customer fails"
assert_eq "1 $((customers - 1)) $first boom.lua" "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json,sys; d=json.load(sys.stdin); u=d["uncompared"][0]
print(d["failed"], d["compared"], u["customer_id"], u["new_error"].split(":")[2].strip())')" "failure listed"
assert_contains "$ERR" "1 customer failed the rules on a side"
run_vitals diff --rules boom.lua
assert_exit 3 "a customer fails, text"
assert_contains "$OUT" "Not compared (1)"

section "bad input"
printf 'bands { red = 0 \n' >broken.lua
run_vitals diff --rules broken.lua --against "$HEALTH"
assert_exit 2 "broken new rules"
assert_contains "$ERR" "broken.lua:"
run_vitals diff --rules "$HEALTH" --against broken.lua
assert_exit 2 "broken old rules"
assert_contains "$ERR" "broken.lua:"
run_vitals diff --rules "$HEALTH" --run 99
assert_exit 2 "no such run"
run_vitals diff --format xml
assert_exit 1 "bad format"
run_vitals diff --against "$HEALTH" --run 1
assert_exit 1 "--against and --run"
run_vitals diff --top 0
assert_exit 1 "--top 0"
run_vitals diff --as-of 2026-02-30
assert_exit 1 "bad date"
run_vitals diff extra
assert_exit 1 "extra argument"
run_vitals diff --help
assert_exit 0 "help"
assert_contains "$OUT" "--against"

finish
