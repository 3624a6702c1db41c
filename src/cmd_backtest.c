/*
 * cmd_backtest.c - `vitals backtest`: score as of a past date without
 * storing anything and compare with the churn that followed (AUC, precision
 * and recall of the red band, churned ARR caught, churn per band), as a
 * table for people or JSON for programs.  Reads through a read-only
 * connection.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_backtest[] =
    "usage: vitals backtest --as-of YYYY-MM-DD [--horizon DAYS] [--rules FILE]\n"
    "                       [--format text|json]\n"
    "\n"
    "Would the rules have seen it coming?  Score every customer active at a past\n"
    "date D with a rule file, store nothing, and compare with what happened next:\n"
    "a customer churned when its churn_date is after D and at most D + DAYS.\n"
    "\n"
    "  customers    scored customers (those whose rules failed are counted apart\n"
    "               and left out of every figure)\n"
    "  churners     scored customers that churned within the horizon\n"
    "  auc          how well the score ranks churners first: the chance that a\n"
    "               random churner scores lower than a random non-churner (ties\n"
    "               count half); 0.5 is a coin toss, 1.0 a perfect ranking\n"
    "  precision    of the customers in the red band (the rule file's lowest),\n"
    "               the share that churned (percent)\n"
    "  recall       of the churners, the share the red band held (percent)\n"
    "  ARR caught   the churners' ARR at D that the red band held, of all the\n"
    "               churners' ARR\n"
    "  red+yellow   the same for the two lowest bands together\n"
    "  bands        customers, churners and churn rate per band\n"
    "A figure with nothing to divide by (no churners, an empty band) is `-` in\n"
    "the table and null in JSON, never 0.  The backtest judges the rules: it uses\n"
    "the band they computed, not a CSM's override (set today, it would leak the\n"
    "future into the past).  Indicators only use data dated up to D, but the\n"
    "customers table is as it is today (segment, seats, renewal_date).\n"
    "\n"
    "A warning on stderr says when D + DAYS is after the latest usage date: the\n"
    "outcome window is not over yet, so churn may be missing from it.\n"
    "\n"
    "Options:\n"
    "  --as-of DATE          the past date D to score as of (required)\n"
    "  --horizon DAYS        the outcome window after D (default: 90)\n"
    "  --rules FILE          the rule file (default: the shipped rules/health.lua)\n"
    "  --format text|json    text (default) or one JSON object: as_of, horizon_days,\n"
    "                        window_end, data_end, window_incomplete, rules_path,\n"
    "                        rules_sha256, customers, scored, failed, failed_churners,\n"
    "                        overridden, churners, churn_rate, auc, churned_arr,\n"
    "                        red and red_yellow ({bands, customers, churners,\n"
    "                        precision, recall, arr_caught, arr_caught_pct}),\n"
    "                        bands ([{band, customers, churners, churn_rate, arr}])\n"
    "\n"
    "Examples:\n"
    "  vitals backtest --as-of 2026-07-31                 # the next 90 days\n"
    "  vitals backtest --as-of 2026-04-30 --horizon 180 --rules my-rules.lua\n"
    "  vitals backtest --as-of 2026-07-31 --format json | jq '.auc, .red.recall'\n"
    "  vitals backtest --as-of 2026-07-31 --rules rules/enterprise.lua  # compare files\n"
    "\n"
    "Exit status: 0 ok; 1 usage error; 2 the rule file cannot load; 3 some\n"
    "customers failed their rules (left out; the figures are printed);\n"
    "4 database error.\n";

#define DEFAULT_HORIZON 90

typedef struct backtest_args {
    const char *rules, *as_of;
    int horizon;
    int json;
} backtest_args;

static int parse_horizon(const char *arg, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v <= 0 || v > 36500) {
        cli_errorf("backtest: --horizon %s: expected a number of days, 1 to 36500", arg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_format(const char *arg, int *json)
{
    if (strcmp(arg, "text") == 0 || strcmp(arg, "json") == 0) {
        *json = arg[0] == 'j';
        return 0;
    }
    cli_errorf("backtest: --format %s: expected text or json", arg);
    return -1;
}

static int parse_args(int argc, char **argv, backtest_args *a)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},   {"as-of", required_argument, NULL, 'd'},
        {"horizon", required_argument, NULL, 'h'}, {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    a->horizon = DEFAULT_HORIZON;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'r': a->rules = optarg; break;
        case 'd': a->as_of = optarg; break;
        case 'h': bad = parse_horizon(optarg, &a->horizon); break;
        case 'f': bad = parse_format(optarg, &a->json); break;
        default: return VT_EUSAGE;
        }
        if (bad)
            return VT_EUSAGE;
    }
    if (optind < argc) {
        cli_errorf("backtest: unexpected argument '%s'; see `vitals backtest --help`",
                   argv[optind]);
        return VT_EUSAGE;
    }
    if (!a->as_of) {
        cli_errorf("backtest: --as-of DATE is required: the past date to score as of "
                   "(e.g. --as-of 2026-07-31)");
        return VT_EUSAGE;
    }
    return VT_OK;
}

/* ---------------------------------------------------------------- text */

/* A nil-able number as "%.*f" + suffix, or "-". */
static const char *fmt_num(char *buf, size_t len, vt_kpi_num v, int decimals, const char *suffix)
{
    if (v.nil)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.*f%s", decimals, v.v, suffix);
    return buf;
}

static void print_pr(const char *label, const vt_backtest_pr *pr)
{
    char p[32], r[32], a[32];
    printf("%-12s %9lld %9lld %11s %9s  %.2f of %.2f (%s)\n", label, pr->flagged, pr->caught,
           fmt_num(p, sizeof p, pr->precision, 2, " %"), fmt_num(r, sizeof r, pr->recall, 2, " %"),
           pr->arr_caught, pr->churned_arr, fmt_num(a, sizeof a, pr->arr_caught_pct, 2, " %"));
}

static void print_bands(const vt_backtest_summary *s)
{
    char rate[32];
    printf("\n%-12s %9s %9s %11s %16s\n", "band", "customers", "churners", "churn rate", "ARR");
    for (int i = 0; i < s->n_bands; i++) {
        const vt_backtest_band *b = &s->bands[i];
        printf("%-12s %9lld %9lld %11s %16.2f\n", b->name, b->customers, b->churners,
               fmt_num(rate, sizeof rate, b->churn_rate, 2, " %"), b->arr);
    }
    if (s->failed)
        printf("%-12s %9lld %9lld %11s\n", "(failed)", s->failed, s->failed_churners, "");
}

static void print_text(const vt_backtest_summary *s)
{
    char first[11], buf[32], rate[32];
    vt_day d;
    vt_date_parse(s->as_of, &d);
    vt_date_format(d + 1, first);
    printf("Backtest as of %s, horizon %d days: churn dated %s to %s\n", s->as_of,
           s->horizon_days, first, s->window_end);
    printf("rules %s (sha256 %.12s)\n\n", s->rules_path, s->rules_sha256);
    printf("customers  %9lld scored", s->scored);
    if (s->failed)
        printf(" (%lld more failed their rules and are left out)", s->failed);
    printf("\nchurners   %9lld (%s of scored)\n", s->churners,
           fmt_num(rate, sizeof rate, s->churn_rate, 2, " %"));
    printf("AUC        %9s (0.5 is chance, 1.0 a perfect ranking)\n\n",
           fmt_num(buf, sizeof buf, s->auc, 4, ""));
    printf("%-12s %9s %9s %11s %9s  %s\n", "bands", "customers", "churners", "precision",
           "recall", "churned ARR caught");
    print_pr(s->low_band, &s->red);
    if (s->low_bands[0])
        print_pr(s->low_bands, &s->red_yellow);
    print_bands(s);
    printf("\n-: not defined (nothing to divide by)\n");
}

static int print_json(const vt_backtest_summary *s)
{
    char *json;
    vt_error err;
    if (vt_backtest_json(s, &json, &err) != VT_OK) {
        cli_errorf("backtest: %s", err.msg);
        return VT_EINTERNAL;
    }
    printf("%s\n", json);
    free(json);
    return VT_OK;
}

static void warn_window(const vt_backtest_summary *s)
{
    if (!s->window_incomplete)
        return;
    if (!s->data_end[0])
        cli_errorf("warning: no usage data: the outcome window %s to %s cannot be judged",
                   s->as_of, s->window_end);
    else
        cli_errorf("warning: the outcome window ends %s, after the latest usage date %s: it is "
                   "incomplete and churn after %s is not known yet", s->window_end, s->data_end,
                   s->data_end);
}

int cmd_backtest(int argc, char **argv, const vt_cli *cli)
{
    backtest_args a;
    memset(&a, 0, sizeof a);
    int status = parse_args(argc, argv, &a);
    vt_backtest_options opt = {.rules_path = a.rules, .horizon_days = a.horizon};
    if (status != VT_OK)
        return status;
    if (cli_parse_as_of(a.as_of, &opt.as_of))
        return VT_EUSAGE;
    sqlite3 *db;
    if ((status = cli_open_db(cli, 1, &db)) != VT_OK)
        return status;
    vt_backtest_summary sum;
    vt_error err;
    vt_status st = vt_backtest(db, &opt, &sum, &err);
    vt_db_close(db);
    if (st != VT_OK && st != VT_EPARTIAL) {
        cli_errorf("backtest: %s", err.msg);
        return st;
    }
    warn_window(&sum);
    if (st == VT_EPARTIAL)
        cli_errorf("backtest: %s", err.msg);
    int out = a.json ? print_json(&sum) : (print_text(&sum), VT_OK);
    if (out == VT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_errorf("backtest: cannot write the output");
        out = VT_EINTERNAL;
    }
    return out != VT_OK ? out : (int)st;
}
