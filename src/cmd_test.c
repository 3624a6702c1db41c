/*
 * cmd_test.c - `vitals test RULES.lua FIXTURES.csv`: rule unit tests.  Each
 * fixture customer of the CSV file is scored with the rule file (no
 * database) and checked against the band, flags, score or error it expects;
 * one line per fixture and a summary on stdout, like a test runner, or TAP
 * with --format tap.  Bad rule or fixture files go to stderr as FILE:LINE.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char usage_test[] =
    "usage: vitals test RULES.lua FIXTURES.csv [--format text|tap] [--verbose]\n"
    "\n"
    "Unit tests for a rule file: made-up customers (fixtures) with the band,\n"
    "flags or score you expect them to get.  Keep the fixtures in a spreadsheet\n"
    "saved as CSV, one row per fixture; no database is needed.  Run it after\n"
    "every edit of the rules: a change that moves a customer you care about\n"
    "shows up at once, by name.\n"
    "\n"
    "Columns (any order; only fixture is required):\n"
    "  fixture       the fixture's name, shown in the results\n"
    "  customer_id   what c.customer_id returns (default: the fixture's name)\n"
    "  INDICATOR     any indicator by name, as `vitals indicators` names them (the\n"
    "                rule file's own indicators too; score_prev, the previous\n"
    "                score): the customer's value.  Empty is nil (no data); 12\n"
    "                is an integer, 0.45 a decimal, other text is text.\n"
    "                Indicators without a column are nil.\n"
    "  expect_band   the band the customer must end in (after flags force one)\n"
    "  expect_flags  flags that must be raised, separated by spaces or ';';\n"
    "                !NAME must NOT be raised; - or none: no flag at all\n"
    "  expect_score  72.5 (to one decimal) or a range 60..80 (ends included;\n"
    "                60.. and ..80 are open)\n"
    "  expect_error  part of the error the rules must fail with (alone)\n"
    "  note          ignored: say why the fixture is there\n"
    "An empty expectation cell checks nothing; a fixture without any only has to\n"
    "score without error.\n"
    "\n"
    "Example: fixtures.csv\n"
    "  fixture,seat_utilization,usage_trend_pct,days_since_last_activity,nps_last,expect_band,expect_flags\n"
    "  healthy,0.9,12,1,10,green,!usage_drop\n"
    "  usage collapse,0.3,-60,2,,yellow,usage_drop;!detractor\n"
    "\n"
    "  $ vitals test rules/health.lua fixtures.csv\n"
    "  ok - healthy\n"
    "  FAIL - usage collapse: expected band yellow, got red (score 44.1)\n"
    "  1 passed, 1 failed\n"
    "\n"
    "The shipped rules come with ten fixtures to start from (a healthy account,\n"
    "a renewal at risk, a detractor, a usage drop, an inactive customer, one\n"
    "with no data at all, ...):\n"
    "  vitals test rules/health.lua examples/rules-tests/health.csv\n"
    "\n"
    "To start from real customers, `vitals indicators --as-of DATE > real.csv`\n"
    "has the same columns: keep the rows you care about, add a fixture column\n"
    "and the expectations.\n"
    "\n"
    "Options:\n"
    "  --format text|tap  text (default): ok - NAME / FAIL - NAME: why, then\n"
    "                     N passed, M failed; tap: Test Anything Protocol for CI\n"
    "  --verbose          also show each fixture's band, score, coverage, flags\n"
    "                     and line in the file (handy when writing fixtures)\n"
    "\n"
    "Exit status: 0 every fixture passed; 3 some failed; 2 the rule file or the\n"
    "fixture file is bad (FILE:LINE: message on stderr; an unknown column names\n"
    "the nearest indicator); 1 usage error.\n";

typedef struct test_args {
    const char *rules, *fixtures;
    int tap, verbose;
} test_args;

typedef struct reporter {
    const test_args *a;
    const char *fixtures;
} reporter;

static void print_details(const reporter *rep, const vt_fixture_outcome *o)
{
    const char *lead = rep->a->tap ? "#" : "   ";
    const vt_result *res = o->result;
    if (o->failed)
        printf("%s error: %s\n", lead, res->error ? res->error : "the rules failed");
    else
        printf("%s band %s, score %.1f, coverage %.1f, flags: %s\n", lead, res->band,
               res->score, res->coverage, o->flags[0] ? o->flags : "none");
    printf("%s at %s:%ld\n", lead, rep->fixtures, o->line);
}

static void on_fixture(void *ctx, const vt_fixture_outcome *o)
{
    const reporter *rep = ctx;
    if (rep->a->tap) {
        if (o->index == 0)
            printf("TAP version 13\n1..%d\n", o->total);
        printf("%s %d - %s\n", o->passed ? "ok" : "not ok", o->index + 1, o->name);
        if (!o->passed)
            printf("# %s\n", o->why);
    } else if (o->passed) {
        printf("ok - %s\n", o->name);
    } else {
        printf("FAIL - %s: %s\n", o->name, o->why);
    }
    if (rep->a->verbose)
        print_details(rep, o);
    fflush(stdout);
}

static int parse_args(int argc, char **argv, test_args *a)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        if (c == 'v') {
            a->verbose = 1;
        } else if (c == 'f' && (strcmp(optarg, "text") == 0 || strcmp(optarg, "tap") == 0)) {
            a->tap = strcmp(optarg, "tap") == 0;
        } else {
            if (c == 'f')
                cli_errorf("test: --format %s: expected text or tap", optarg);
            return VT_EUSAGE;
        }
    }
    if (argc - optind != 2) {
        cli_errorf("usage: vitals test RULES.lua FIXTURES.csv; see `vitals test --help`");
        return VT_EUSAGE;
    }
    a->rules = argv[optind];
    a->fixtures = argv[optind + 1];
    return VT_OK;
}

int cmd_test(int argc, char **argv, const vt_cli *cli)
{
    (void)cli;
    test_args a;
    memset(&a, 0, sizeof a);
    int status = parse_args(argc, argv, &a);
    if (status != VT_OK)
        return status;
    reporter rep = {.a = &a, .fixtures = a.fixtures};
    vt_ruletest_summary sum;
    vt_error err;
    vt_status st = vt_ruletest_run(a.rules, a.fixtures, NULL, on_fixture, &rep, &sum, &err);
    if (st != VT_OK && st != VT_EPARTIAL) {
        fprintf(stderr, "%s\n", err.msg);
        if (sum.fixtures == 0)
            cli_errorf("test: no fixture was scored");
        return st;
    }
    if (a.tap)
        printf("# %d passed, %d failed\n", sum.passed, sum.failed);
    else
        printf("%d passed, %d failed\n", sum.passed, sum.failed);
    return st;
}
