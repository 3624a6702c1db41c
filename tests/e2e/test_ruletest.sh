# test_ruletest.sh - `vitals test RULES FIXTURES`: the shipped fixtures pass,
# failing fixtures are named with why (exit 3), bad fixture or rule files
# give FILE:LINE (exit 2), usage errors exit 1, no database is touched; and
# every customer of the example portfolio, turned into a fixture from
# `vitals indicators`, gets the band and score that `vitals score` gives it.
. "$E2E/lib.sh"

FX=$REPO/tests/fixtures/ruletest
HEALTH=$REPO/rules/health.lua
VITALS_DB=$TMP/never.db
export VITALS_DB

section "shipped examples"
run_vitals test "$HEALTH" "$REPO/examples/rules-tests/health.csv"
assert_exit 0 "shipped fixtures"
assert_contains "$OUT" "ok - healthy"
assert_contains "$OUT" "ok - renewal at risk"
assert_contains "$OUT" "ok - no data"
assert_not_contains "$OUT" "FAIL"
fixtures=$(csv_rows "$REPO/examples/rules-tests/health.csv")
assert_eq "$fixtures passed, 0 failed" "$(printf '%s\n' "$OUT" | tail -n 1)" "summary"
assert_eq "$fixtures" "$(printf '%s\n' "$OUT" | grep -c '^ok - ')" "one line per fixture"
assert_no_file "$VITALS_DB" "database"

section "tap"
run_vitals test --format tap "$HEALTH" "$REPO/examples/rules-tests/health.csv"
assert_exit 0 "tap"
assert_eq "TAP version 13" "$(printf '%s\n' "$OUT" | sed -n 1p)" "tap version"
assert_eq "1..$fixtures" "$(printf '%s\n' "$OUT" | sed -n 2p)" "tap plan"
assert_contains "$OUT" "ok 1 - healthy"

section "verbose"
run_vitals test -v "$FX/custom.lua" "$FX/custom.csv"
assert_exit 0 "verbose"
assert_contains "$OUT" "ok - vip forced red
    band red, score 67.0, coverage 100.0, flags: vip_watch
    at $FX/custom.csv:3"
assert_contains "$OUT" "error: customer BOOM: flag \"boom\": $FX/custom.lua:"

section "failing fixtures"
run_vitals test "$FX/custom.lua" "$FX/failing.csv"
assert_exit 3 "failing fixtures"
assert_contains "$OUT" "ok - passes"
assert_contains "$OUT" "FAIL - wrong band: expected band yellow, got red (forced by vip_watch; score 67.0)"
assert_contains "$OUT" "FAIL - wrong flags: flag quiet raised, expected not; expected flag vip_watch, not raised (raised: quiet)"
assert_contains "$OUT" "FAIL - wrong score: expected score 50..70, got 100.0"
assert_eq "1 passed, 3 failed" "$(printf '%s\n' "$OUT" | tail -n 1)" "summary"
run_vitals test --format tap "$FX/custom.lua" "$FX/failing.csv"
assert_exit 3 "failing fixtures, tap"
assert_contains "$OUT" "not ok 2 - wrong band
# expected band yellow, got red (forced by vip_watch; score 67.0)"

section "a fixture of one's own"
cat >mine.csv <<'EOF'
fixture,seat_utilization,usage_trend_pct,days_since_last_activity,nps_last,expect_band,expect_flags
healthy,0.9,12,1,10,green,!usage_drop
usage collapse,0.3,-60,2,,yellow,usage_drop;!detractor
EOF
run_vitals test "$HEALTH" mine.csv
assert_exit 3 "mine"
assert_eq "ok - healthy
FAIL - usage collapse: expected band yellow, got red (score 44.1)
1 passed, 1 failed" "$OUT" "the example of --help"

section "bad fixture files"
run_vitals test "$FX/custom.lua" "$FX/bad_column.csv"
assert_exit 2 "bad column"
assert_contains "$ERR" "$FX/bad_column.csv:1: unknown column 'seat_utilisation'; did you mean seat_utilization?"
assert_eq "" "$OUT" "nothing scored"
run_vitals test "$FX/custom.lua" "$FX/bad_cell.csv"
assert_exit 2 "bad cell"
assert_contains "$ERR" "$FX/bad_cell.csv:5: fixture 'wrong band': expect_band: no band 'amber' in the rule file (it has: red, yellow, green)"
run_vitals test "$FX/custom.lua" "$FX/empty.csv"
assert_exit 2 "no fixtures"
assert_contains "$ERR" "$FX/empty.csv:2: no fixtures"
run_vitals test "$FX/custom.lua" missing.csv
assert_exit 2 "missing file"
assert_contains "$ERR" "missing.csv: cannot open"
printf 'fixture,seats\nx,"1\n' >open.csv
run_vitals test "$FX/custom.lua" open.csv
assert_exit 2 "unclosed quote"
assert_contains "$ERR" "open.csv:2: malformed CSV: a quoted field is never closed"

section "bad rule files"
printf 'bands { red = 0, green = 75 }\nmeasure "u" { weight = 1, value = "seat_utilization" \n' >broken.lua
run_vitals test broken.lua "$FX/custom.csv"
assert_exit 2 "syntax error"
assert_contains "$ERR" "broken.lua:"
printf 'bands { red = 0, green = 75 }\nmeasure "u" { weight = 1, value = function(c) return c.seat_utilisation end }\n' >typo.lua
run_vitals test typo.lua "$FX/custom.csv"
assert_exit 2 "typo"
assert_contains "$ERR" "typo.lua:2: c.seat_utilisation: no such indicator; did you mean seat_utilization?"

section "usage"
run_vitals test
assert_exit 1 "no arguments"
run_vitals test "$HEALTH"
assert_exit 1 "one argument"
run_vitals test "$HEALTH" a.csv b.csv
assert_exit 1 "three arguments"
run_vitals test --format xml "$HEALTH" "$REPO/examples/rules-tests/health.csv"
assert_exit 1 "bad format"
assert_contains "$ERR" "--format xml"
run_vitals test --help
assert_exit 0 "help"
assert_contains "$OUT" "examples/rules-tests/health.csv"
run_vitals --help
assert_contains "$OUT" "test "
assert_contains "$OUT" "diff "

# Every active customer of the examples as a fixture: `vitals indicators`
# has the columns a fixture file takes, `vitals score --dry-run` the band
# and score each must get.  Indicators print 15 significant digits, so the
# score is expected to within 0.1.
section "the real portfolio as fixtures"
DATA=$(mk data)
cp "$REPO"/examples/data/*.csv "$DATA"/
new_db
run_vitals load "$DATA"/*.csv
assert_exit 0 "load"
run_vitals indicators --as-of 2026-10-31
assert_exit 0 "indicators"
printf '%s\n' "$OUT" >indicators.csv
run_vitals score --dry-run --as-of 2026-10-31
assert_exit 0 "score --dry-run"
printf '%s\n' "$OUT" >scores.csv
"$PYTHON" - indicators.csv scores.csv >portfolio.csv <<'EOF'
import csv, sys
scores = {r["customer_id"]: r for r in csv.DictReader(open(sys.argv[2], newline=""))}
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["fixture"] + list(rows[0].keys()) + ["expect_band", "expect_score"])
for r in rows:
    s = scores[r["customer_id"]]
    x = float(s["score"])
    out.writerow([r["customer_id"]] + list(r.values()) +
                 [s["band"], "%.1f..%.1f" % (x - 0.1, x + 0.1)])
EOF
customers=$(csv_rows scores.csv)
assert_ne 0 "$customers" "customers"
run_vitals test "$HEALTH" portfolio.csv
assert_exit 0 "portfolio fixtures"
assert_eq "$customers passed, 0 failed" "$(printf '%s\n' "$OUT" | tail -n 1)" "portfolio summary"

finish
