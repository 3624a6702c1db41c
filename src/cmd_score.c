/*
 * cmd_score.c - `vitals score`: score every customer active at --as-of with a
 * rule file, store the run (unless --dry-run) and print a summary on stderr.
 * A dry run prints each customer's result as CSV on stdout instead.
 */
#include <getopt.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_score[] =
    "usage: vitals score [--rules FILE] [--as-of YYYY-MM-DD] [--dry-run]\n"
    "                    [--memory-mb N] [--timeout-ms N]\n"
    "\n"
    "Score every customer active at the as-of date with a Lua rule file: compute\n"
    "the indicators, evaluate the measures, flags and bands, apply the CSMs'\n"
    "overrides (`vitals override`) and store the run: one row in `runs`, one row\n"
    "per customer in `scores`, all in one transaction (a run is complete or\n"
    "absent; readers are never blocked).  Prints a summary on stderr: customers\n"
    "per band with their ARR, failures, overrides, time taken.\n"
    "\n"
    "A rule error for one customer fails that customer only: it is stored with\n"
    "its error and no score, the run completes and the exit status is 3.\n"
    "\n"
    "Options:\n"
    "  --rules FILE       the rule file (default: the shipped rules/health.lua)\n"
    "  --as-of DATE       score as of DATE (default: today, UTC); nothing dated\n"
    "                     after it is used\n"
    "  --dry-run          store nothing; print customer_id,score,band,coverage,flags\n"
    "                     as CSV on stdout (the summary stays on stderr)\n"
    "  --memory-mb N      Lua heap cap of the rule file (default: the engine's)\n"
    "  --timeout-ms N     CPU budget per customer before its rules are stopped\n"
    "\n"
    "Examples:\n"
    "  vitals score --as-of 2026-10-31\n"
    "  vitals score --rules my-rules.lua --dry-run > preview.csv\n"
    "  vitals score && vitals export --band red,yellow --out at-risk.csv\n"
    "\n"
    "Exit status: 0 every customer scored; 2 the rule file cannot load (nothing\n"
    "stored); 3 some customers failed (the run is stored); 4 database error.\n";

#define SHOWN_FAILURES 5

typedef struct score_args {
    const char *rules, *as_of;
    int dry_run;
    vt_rule_limits lim;
} score_args;

typedef struct printer {
    int dry_run;
    int header;          /* the dry-run CSV header is out */
    long long failures;
} printer;

static void dry_run_header(printer *p)
{
    if (p->dry_run && !p->header++)
        fputs("customer_id,score,band,coverage,flags\n", stdout);
}

static void csv_field(const char *s, int first)
{
    if (!first)
        putchar(',');
    size_t n = strlen(s);
    if (strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' ')))
        csv_fwrite(stdout, s, n);
    else
        fwrite(s, 1, n, stdout);
}

/* Per customer: failures on stderr (the first few), dry-run rows on stdout. */
static void on_row(void *ctx, const vt_score_row *row)
{
    printer *p = ctx;
    if (row->failed && p->failures++ < SHOWN_FAILURES)
        cli_errorf("%s", row->result->error ? row->result->error : row->customer_id);
    if (!p->dry_run)
        return;
    dry_run_header(p);
    char score[32] = "", coverage[32] = "";
    if (!row->failed) {
        snprintf(score, sizeof score, "%.1f", row->score);
        snprintf(coverage, sizeof coverage, "%.1f", row->result->coverage);
    }
    csv_field(row->customer_id, 1);
    csv_field(score, 0);
    csv_field(row->failed ? "" : row->band, 0);
    csv_field(coverage, 0);
    csv_field(row->flags_text ? row->flags_text : "", 0);
    putchar('\n');
}

static void print_summary(const vt_score_summary *s, int dry_run)
{
    if (dry_run)
        fprintf(stderr, "dry run (nothing stored): ");
    else
        fprintf(stderr, "run %lld: ", s->run_id);
    fprintf(stderr, "%lld customers as of %s with %s in %.2f s\n", s->customers, s->as_of,
            s->rules_path, s->elapsed);
    fprintf(stderr, "  %-12s %9s %16s\n", "band", "customers", "ARR");
    for (int i = 0; i < s->n_bands; i++)
        fprintf(stderr, "  %-12s %9lld %16.2f\n", s->bands[i].name, s->bands[i].customers,
                s->bands[i].arr);
    fprintf(stderr, "  %-12s %9lld\n", "failed", s->failed);
    if (s->overridden)
        fprintf(stderr, "  (%lld customer%s overridden by a CSM: `vitals override --list`)\n",
                s->overridden, s->overridden == 1 ? "" : "s");
}

/* A positive whole number option. */
static int parse_positive(const char *opt, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (*arg == '\0' || *end != '\0' || !(v > 0 && v < 1e9)) {
        cli_errorf("score: --%s %s: expected a positive number", opt, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, score_args *a)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},    {"as-of", required_argument, NULL, 'd'},
        {"dry-run", no_argument, NULL, 'n'},        {"memory-mb", required_argument, NULL, 'm'},
        {"timeout-ms", required_argument, NULL, 't'}, {NULL, 0, NULL, 0},
    };
    int c;
    double v;
    optind = 1;
    vt_rule_limits_default(&a->lim);
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': a->rules = optarg; break;
        case 'd': a->as_of = optarg; break;
        case 'n': a->dry_run = 1; break;
        case 'm':
            if (parse_positive("memory-mb", optarg, &v))
                return VT_EUSAGE;
            a->lim.memory_bytes = (size_t)(v * 1024 * 1024);
            break;
        case 't':
            if (parse_positive("timeout-ms", optarg, &v))
                return VT_EUSAGE;
            a->lim.customer_ms = v;
            break;
        default: return VT_EUSAGE;
        }
    }
    if (optind < argc) {
        cli_errorf("score: unexpected argument '%s'; see `vitals score --help`", argv[optind]);
        return VT_EUSAGE;
    }
    return 0;
}

int cmd_score(int argc, char **argv, const vt_cli *cli)
{
    score_args a;
    memset(&a, 0, sizeof a);
    vt_day as_of;
    int status = parse_args(argc, argv, &a);
    if (status != VT_OK)
        return status;
    if (cli_parse_as_of(a.as_of, &as_of))
        return VT_EUSAGE;
    sqlite3 *db;
    if ((status = cli_open_db(cli, 0, &db)) != VT_OK)
        return status;
    printer p = {.dry_run = a.dry_run};
    vt_score_summary sum;
    vt_error err;
    vt_status st = vt_score_run_each(db, a.rules, as_of, &a.lim, a.dry_run, on_row, &p, &sum,
                                     &err);
    vt_db_close(db);
    if (st == VT_OK || st == VT_EPARTIAL) {
        dry_run_header(&p);
        if (p.failures > SHOWN_FAILURES)
            cli_errorf("... and %lld more failed customers", p.failures - SHOWN_FAILURES);
        print_summary(&sum, a.dry_run);
        if (st == VT_EPARTIAL)
            cli_errorf("score: %lld of %lld customers failed (stored with their error; "
                       "`vitals explain ID` shows it)", sum.failed, sum.customers);
    } else {
        cli_errorf("score: %s", err.msg);
        if (!a.dry_run)
            cli_errorf("score: nothing stored");
    }
    return st;
}
