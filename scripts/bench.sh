#!/bin/sh
# bench.sh - `make bench`: how fast Vitals handles a nightly-sized portfolio.
#
# Every figure is a ratio against a baseline measured in the same run on the
# same files, so results compare across machines:
#   load        vitals load usage.csv      vs  sqlite3 .import of the same file
#                                              (no validation, no keys)
#   indicators  vitals indicators          vs  one bare scan of every table the
#                                              indicators read
#   score       vitals score --dry-run     vs  vitals indicators (the Lua part
#                                              is the difference)
# BENCH_CUSTOMERS (default 50000) and BENCH_DAYS (default 90) set the size.
set -eu
VITALS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_CUSTOMERS:-50000}
DAYS=${BENCH_DAYS:-90}
WORK=${BENCH_DIR:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "print($2 - $1)"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
secs() { python3 -c "print('%.2f s' % $1)"; }

echo "generating $N customers, $DAYS days of usage in $WORK ..."
python3 "$ROOT/scripts/gen_portfolio.py" --out "$WORK/data" --customers "$N" \
    --usage-days "$DAYS" >/dev/null 2>&1
rows=$(($(wc -l <"$WORK/data/usage.csv") - 1))
all_rows=$(cat "$WORK"/data/*.csv | wc -l)

cd "$WORK"
"$VITALS" --db bench.db init 2>/dev/null
for f in data/*.csv; do
    [ "$f" = data/usage.csv ] || "$VITALS" --db bench.db load "$f" 2>/dev/null
done

t0=$(now); sqlite3 base.db ".import --csv data/usage.csv usage_import"; t1=$(now)
base_load=$(elapsed "$t0" "$t1")
t0=$(now); "$VITALS" --db bench.db load data/usage.csv 2>/dev/null; t1=$(now)
load=$(elapsed "$t0" "$t1")

t0=$(now)
for t in customers subscriptions usage adoption surveys tickets engagement; do
    sqlite3 bench.db "SELECT count(*), max(extra) FROM data_$t" >/dev/null
done
t1=$(now)
base_scan=$(elapsed "$t0" "$t1")
t0=$(now); "$VITALS" --db bench.db indicators --as-of 2026-10-31 >/dev/null; t1=$(now)
ind=$(elapsed "$t0" "$t1")

t0=$(now); "$VITALS" --db bench.db score --dry-run --as-of 2026-10-31 \
    --rules "$ROOT/rules/health.lua" >/dev/null 2>&1 || true; t1=$(now)
score=$(elapsed "$t0" "$t1")
active=$("$VITALS" --db bench.db indicators --as-of 2026-10-31 | wc -l)
active=$((active - 1))

echo
echo "portfolio: $N customers ($active active), $rows usage rows, about $all_rows rows in all"
printf '%-12s %10s %10s %8s   %s\n' step vitals baseline ratio "baseline is"
printf '%-12s %10s %10s %8s   %s\n' load "$(secs "$load")" "$(secs "$base_load")" \
    "$(ratio "$load" "$base_load")" "sqlite3 .import of usage.csv"
printf '%-12s %10s %10s %8s   %s\n' indicators "$(secs "$ind")" "$(secs "$base_scan")" \
    "$(ratio "$ind" "$base_scan")" "a bare scan of every input table"
printf '%-12s %10s %10s %8s   %s\n' score "$(secs "$score")" "$(secs "$ind")" \
    "$(ratio "$score" "$ind")" "vitals indicators"
python3 -c "print('Lua rules: %.1f us per customer' % (max($score - $ind, 0) * 1e6 / max($active, 1)))"
