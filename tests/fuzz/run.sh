#!/bin/sh
# run.sh - replay every regression input, then fuzz each target for
# FUZZ_SECONDS seconds; fail if anything crashes, leaks, times out or
# runs out of memory.  Called by `make fuzz`:
#
#   FUZZ_BUILD=build-fuzz FUZZ_SECONDS=60 sh tests/fuzz/run.sh fuzz_load fuzz_parsers ...
#
# Per target it uses
#   tests/fuzz/regressions/<target>/  inputs that once crashed (replayed first)
#   tests/fuzz/corpus/<target>/       hand-made seeds (read only)
#   $FUZZ_BUILD/corpus/<target>/      the growing corpus (kept between runs)
#   tests/fuzz/<target>.dict          a libFuzzer dictionary, when present
# and, for fuzz_rules, the rule files of rules/ and tests/sandbox/ as seeds.
# A crash is written to $FUZZ_BUILD/crashes/<target>/; copy it to
# tests/fuzz/regressions/<target>/ with a name that says what it found.
set -eu

here=$(dirname "$0")
build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
# FUZZ_JOBS=N runs N fuzzing processes per target (libFuzzer -fork=N)
jobs=${FUZZ_JOBS:-1}
targets=${*:-fuzz_load fuzz_parsers fuzz_rules}
common="-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=16}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

max_len() {
    case $1 in
    fuzz_parsers) echo 256 ;;
    fuzz_rules) echo 8192 ;;
    *) echo 16384 ;;
    esac
}

failed=""
total_execs=0
summary=""
for t in $targets; do
    bin=$build/$t
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin is not built" >&2
        failed="$failed $t"
        continue
    fi
    log=$build/logs/$t.log
    mkdir -p "$build/corpus/$t" "$build/crashes/$t" "$build/logs"

    # 1. regressions: every input that once crashed must now pass
    reg=$here/regressions/$t
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        n=$(ls "$reg" | wc -l)
        if "$bin" $common "$reg"/* >"$build/logs/$t.regressions.log" 2>&1; then
            echo "fuzz: $t: $n regression inputs pass"
        else
            echo "fuzz: $t: a regression input fails again:" >&2
            grep -a -E "check failed|Running: |ERROR: |SUMMARY|runtime error|^  " \
                "$build/logs/$t.regressions.log" | grep -a -v "^    #" | tail -n 12 >&2
            failed="$failed $t"
            # keep fuzzing the other targets; this one is already failing
            continue
        fi
    fi

    # 2. fuzz for the time budget
    seeds="$here/corpus/$t"
    if [ "$t" = fuzz_rules ]; then
        for d in rules tests/sandbox tests/rules; do
            [ -d "$d" ] && [ -n "$(ls "$d"/*.lua 2>/dev/null)" ] && seeds="$seeds $d"
        done
    fi
    dict=""
    [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
    fork=""
    [ "$jobs" -gt 1 ] && fork="-fork=$jobs"
    set +e
    # shellcheck disable=SC2086
    "$bin" $common $dict $fork -max_total_time="$seconds" -max_len="$(max_len "$t")" \
        -use_value_profile=1 -print_final_stats=1 \
        -artifact_prefix="$build/crashes/$t/" "$build/corpus/$t" $seeds >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(grep -a -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    [ -n "$execs" ] || execs=0
    cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
    ft=$(grep -a -o 'ft: [0-9]*' "$log" | tail -n 1 | sed 's/ft: //')
    corp=$(grep -a -o 'corp: [0-9]*' "$log" | tail -n 1 | sed 's/corp: //')
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    total_execs=$((total_execs + execs))
    line=$(printf '%-14s %10s execs  cov: %-6s ft: %-7s corpus: %-6s peak rss: %s MB' \
        "$t" "$execs" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}")
    summary="$summary$line
"
    if [ $rc -ne 0 ]; then
        echo "fuzz: $t FAILED (exit $rc); log: $log" >&2
        grep -a -E "check failed|ERROR: |SUMMARY|runtime error|Test unit written|^  " "$log" |
            grep -a -v "^    #" | tail -n 12 >&2
        failed="$failed $t"
    fi
done

echo "fuzz: ${seconds}s per target"
printf '%s' "$summary"
echo "fuzz: total executions: $total_execs"
if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed" >&2
    exit 1
fi
echo "fuzz: no crashes"
