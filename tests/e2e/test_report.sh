# test_report.sh - `vitals report` on the example portfolio: the HTML file is
# written atomically, parses cleanly (python3's html.parser, with every
# non-void element closed), has its SVG charts and no external resources,
# names the run and its top at-risk customer, agrees with the tables, and
# escapes every text (a customer named with <script> in it).
. "$E2E/lib.sh"

RULES=$REPO/rules/health.lua
DATA=$(mk data)
cp "$REPO"/examples/data/*.csv "$DATA"/
new_db
run_vitals load "$DATA"/*.csv
assert_exit 0 "load"

section "no runs"
run_vitals report --out none.html
assert_exit 2 "report before any run"
assert_contains "$ERR" "no runs yet" "report before any run"
assert_no_file none.html

run_vitals score --rules "$RULES" --as-of 2026-10-31
assert_exit 0 "score"

# check.py FILE: well-formed enough: parses, every non-void element closed
# in order; prints problems, then the page's text on stdout after "TEXT:".
cat >check.py <<'EOF'
import sys
from html.parser import HTMLParser
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.text = [], [], []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes %s" % (tag, self.stack[-1:] or "nothing"))
        else:
            self.stack.pop()
    def handle_data(self, data):
        self.text.append(data)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
if p.stack:
    p.problems.append("unclosed: %s" % p.stack)
for x in p.problems:
    print(x)
print("TEXT:" + " ".join(p.text))
EOF

problems() { "$PYTHON" check.py "$1" 2>&1 | sed '/^TEXT:/,$d'; }
page_text() { "$PYTHON" check.py "$1" | sed -n '/^TEXT:/,$p'; }

section "the report"
OUTDIR=$(mk out)
run_vitals report --out "$OUTDIR/report.html"
assert_exit 0 "report"
assert_file "$OUTDIR/report.html"
assert_contains "$ERR" "run 1 as of 2026-10-31" "the note on stderr"
assert_eq "report.html" "$(ls "$OUTDIR")" "no temporary file left"
HTML=$(cat "$OUTDIR/report.html")
assert_eq "" "$(problems "$OUTDIR/report.html")" "html.parser"
assert_contains "$HTML" "<!DOCTYPE html>" "doctype"
assert_contains "$HTML" "<svg" "an SVG chart"
assert_eq 2 "$(grep -c '<svg' "$OUTDIR/report.html")" "two charts"
assert_contains "$HTML" "2026-10-31" "the run's as-of"
assert_contains "$HTML" "$(q 'SELECT rules_sha256 FROM runs WHERE run_id = 1')" "the sha256"
for x in "<script" "<link" "src=" "href=" "http://" "https://" "url(" "@import"; do
    assert_not_contains "$HTML" "$x" "a self-contained report"
done

section "it agrees with the tables"
# the top at-risk customer: red and yellow, largest ARR (vitals export's order)
run_vitals export --band red,yellow --format json
printf '%s\n' "$OUT" >atrisk.json
top_name=$("$PYTHON" -c "import json; print(json.load(open('atrisk.json'))[0]['name'])")
esc() { "$PYTHON" -c "import html, sys; print(html.escape(sys.argv[1]).replace('&#x27;', '&#39;'))" "$1"; }
assert_contains "$HTML" "$(esc "$top_name")" "the top at-risk customer's escaped name"
first_row=$(printf '%s\n' "$HTML" | grep -m1 '<tr><td>C[0-9]')
assert_contains "$first_row" "$(esc "$top_name")" "the top at-risk customer comes first"
n_risk=$("$PYTHON" -c "import json; print(len(json.load(open('atrisk.json'))))")
listed=$(printf '%s\n' "$HTML" | sed -n '/<h2>At risk/,/<\/section>/p' | grep -c '<tr><td>')
assert_eq "$([ "$n_risk" -lt 25 ] && echo "$n_risk" || echo 25)" "$listed" "the top 25"
assert_contains "$HTML" "25 of $n_risk at-risk customers shown" "the count of at-risk customers"
for band in red yellow green; do
    n=$(q "SELECT count(*) FROM scores WHERE run_id = 1 AND band = '$band'")
    assert_contains "$HTML" ">$band</span></td><td class=\"n\">$n</td>" "customers in $band"
done
assert_contains "$HTML" "<h2>KPIs, 2026-10-01 to 2026-10-31</h2>" "KPIs of the as-of month"
assert_contains "$HTML" "NRR" "KPI block"
# the histogram counts the run's scores
total=$(printf '%s\n' "$HTML" | sed -n '/<h2>Scores/,/<\/svg>/p' |
    sed -n 's/.*text-anchor="middle">\([0-9][0-9]*\)<\/text><text.*/\1/p' | awk '{ s += $1 } END { print s }')
assert_eq "$(q 'SELECT count(*) FROM scores WHERE run_id = 1 AND score IS NOT NULL')" "$total" \
    "histogram total"

section "names are escaped"
EVIL='<script>alert("x")</script> & Co'"'"'s'
top_id=$("$PYTHON" -c "import json; print(json.load(open('atrisk.json'))[0]['customer_id'])")
"$PYTHON" - "$DATA/customers.csv" "$top_id" "$EVIL" >evil.csv <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
w.writeheader()
for r in rows:
    if r["customer_id"] == sys.argv[2]:
        r["name"] = sys.argv[3]
        w.writerow(r)
EOF
run_vitals load --table customers evil.csv
assert_exit 0 "load the renamed customer"
run_vitals report --out "$OUTDIR/report.html"
assert_exit 0 "report with a <script> name"
HTML=$(cat "$OUTDIR/report.html")
assert_not_contains "$HTML" "<script" "no script element"
assert_contains "$HTML" "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s" "escaped"
assert_eq "" "$(problems "$OUTDIR/report.html")" "html.parser with the renamed customer"
assert_contains "$(page_text "$OUTDIR/report.html")" "$EVIL" "the name reads as written"

section "options"
run_vitals report --kpis-month 2026-09 --top 3 --out "$OUTDIR/sept.html"
assert_exit 0 "--kpis-month --top"
HTML=$(cat "$OUTDIR/sept.html")
assert_contains "$HTML" "<h2>KPIs, 2026-09-01 to 2026-09-30</h2>" "--kpis-month"
assert_contains "$HTML" "3 of $n_risk at-risk customers shown" "--top 3"
run_vitals score --rules "$RULES" --as-of 2026-10-15
assert_exit 0 "score mid-month"
run_vitals report --run 1 --out "$OUTDIR/run1.html"
assert_exit 0 "--run 1"
assert_contains "$(cat "$OUTDIR/run1.html")" "run 1 as of 2026-10-31" "--run 1"
run_vitals report --out "$OUTDIR/latest.html"
assert_exit 0 "the latest run"
HTML=$(cat "$OUTDIR/latest.html")
assert_contains "$HTML" "run 2 as of 2026-10-15" "the latest run by default"
assert_contains "$HTML" "<h2>KPIs, 2026-10-01 to 2026-10-15</h2>" "KPIs up to the as-of date"
run_vitals report --out -
assert_exit 0 "--out -"
assert_contains "$OUT" "</html>" "--out - writes stdout"
(cd "$OUTDIR" && "$VITALS" report >/dev/null 2>&1)
assert_file "$OUTDIR/report.html" "default report.html"

section "failed customers"
cat >fails.lua <<'EOF'
bands { red = 0, yellow = 60, green = 75 }
measure "usage" { weight = 1, value = "seat_utilization", scale = linear(0.2, 0.8), missing = 0 }
flag "boom" {
  severity = "low",
  when = function(c) if c.segment == "smb" then error("no <smb> today") end return false end,
  reason = function() return "never" end,
}
EOF
run_vitals score --rules fails.lua --as-of 2026-10-31
assert_exit 3 "score with failures"
run_vitals report --out "$OUTDIR/failed.html"
assert_exit 0 "report of a run with failures"
HTML=$(cat "$OUTDIR/failed.html")
assert_contains "$HTML" "<h2>Failed customers</h2>" "failed section"
assert_contains "$HTML" "no &lt;smb&gt; today" "the error, escaped"
assert_eq "" "$(problems "$OUTDIR/failed.html")" "html.parser with failures"

section "errors"
run_vitals report --out "$TMP/no/such/dir/report.html"
assert_exit 2 "missing directory"
assert_contains "$ERR" "does not exist" "missing directory"
assert_no_file "$TMP/no/such/dir/report.html"
run_vitals report --run 99 --out x.html
assert_exit 2 "no such run"
assert_no_file x.html
run_vitals report --kpis-month 2026-13
assert_exit 1 "bad month"
run_vitals report --top 0
assert_exit 1 "bad --top"
run_vitals report --run abc
assert_exit 1 "bad --run"
run_vitals report extra
assert_exit 1 "extra argument"
cp "$VITALS_DB" broken.db
sqlite3 broken.db "DROP VIEW subscriptions"
run_vitals --db broken.db report --out broken.html
assert_exit 4 "a database error"
assert_no_file broken.html
run_vitals report --help
assert_exit 0 "--help"
assert_contains "$OUT" "Examples:" "--help teaches"

finish
