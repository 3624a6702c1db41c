/*
 * cmd_report.c - `vitals report`: a self-contained HTML report of a stored
 * run (charts included, no external resources), written atomically to
 * --out (default report.html) or to stdout with --out -.  Reads through a
 * read-only connection.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_report[] =
    "usage: vitals report [--run ID] [--out FILE] [--kpis-month YYYY-MM] [--top N]\n"
    "\n"
    "Write one HTML file about a run (default: the latest) that opens in any\n"
    "browser and can be mailed or archived as it is: the CSS and the SVG charts\n"
    "are inline, there is no script and nothing is fetched from the network.\n"
    "\n"
    "  the run        as-of date, rule file and its sha256, customers, failed\n"
    "  bands          customers and ARR per band (chart and table)\n"
    "  scores         a histogram of the scores in 10-point buckets\n"
    "  at risk        the top N customers (default 25) of the two lowest bands\n"
    "                 (red and yellow in the shipped rules), largest ARR first,\n"
    "                 with their flags and reasons\n"
    "  flags          how many customers raised each flag, and their ARR\n"
    "  owners         per owner: customers, red, yellow, ARR, ARR at risk\n"
    "  KPIs           logo churn, NRR, GRR, NPS, CSAT and ARR (`vitals kpis`) of\n"
    "                 the run's as-of month up to the as-of date, or of\n"
    "                 --kpis-month in full\n"
    "  failed         the customers whose rules failed, with the error\n"
    "ARR is 12 x the customer's MRR in the run's as-of month, as in `export`.\n"
    "\n"
    "Options:\n"
    "  --run ID              report run ID (default: the latest run)\n"
    "  --out FILE            write FILE atomically (default: report.html); - for\n"
    "                        stdout\n"
    "  --kpis-month YYYY-MM  the KPIs of this calendar month\n"
    "  --top N               customers in the at-risk list (default: 25)\n"
    "\n"
    "Examples:\n"
    "  vitals score && vitals report                   # ./report.html of the new run\n"
    "  vitals report --run 12 --out /srv/share/health-$(date +%F).html\n"
    "  vitals report --kpis-month 2026-09 --top 50 --out q3.html\n"
    "\n"
    "Exit status: 0 ok; 1 usage error; 2 no such run, or --out in a directory\n"
    "that does not exist; 4 database or write error.\n";

typedef struct report_args {
    vt_report_options opt;
    const char *out;
} report_args;

static int parse_count(const char *opt, const char *arg, long long max, long long *out)
{
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v <= 0 || v > max) {
        cli_errorf("report: --%s %s: expected a whole number from 1 to %lld", opt, arg, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_month(const char *arg, int32_t *month)
{
    if (vt_month_parse(arg, month) == 0)
        return 0;
    cli_errorf("report: --kpis-month %s: expected a month YYYY-MM", arg);
    return -1;
}

static int parse_args(int argc, char **argv, report_args *a)
{
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'},        {"out", required_argument, NULL, 'o'},
        {"kpis-month", required_argument, NULL, 'k'}, {"top", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int c;
    long long v;
    optind = 1;
    a->opt.kpis_month = -1;
    a->out = "report.html";
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'r': bad = parse_count("run", optarg, 1LL << 62, &a->opt.run_id); break;
        case 'o': a->out = optarg; break;
        case 'k': bad = parse_month(optarg, &a->opt.kpis_month); break;
        case 't':
            if (!(bad = parse_count("top", optarg, 100000, &v)))
                a->opt.top = (int)v;
            break;
        default: return VT_EUSAGE;
        }
        if (bad)
            return VT_EUSAGE;
    }
    if (optind < argc) {
        cli_errorf("report: unexpected argument '%s'; see `vitals report --help`", argv[optind]);
        return VT_EUSAGE;
    }
    if (!*a->out) {
        cli_errorf("report: --out needs a file name (or - for stdout)");
        return VT_EUSAGE;
    }
    return VT_OK;
}

static void print_note(const report_args *a, const vt_report_summary *s)
{
    fprintf(stderr, "%s: run %lld as of %s: %lld customers (%lld failed), %lld at risk, "
                    "top %lld listed%s%s%s%s\n",
            strcmp(a->out, "-") == 0 ? "(stdout)" : a->out, s->run_id, s->as_of, s->customers,
            s->failed, s->at_risk, s->listed, s->kpis ? ", KPIs " : "", s->kpis ? s->kpis_from : "",
            s->kpis ? " to " : "", s->kpis ? s->kpis_to : "");
}

int cmd_report(int argc, char **argv, const vt_cli *cli)
{
    report_args a;
    memset(&a, 0, sizeof a);
    int status = parse_args(argc, argv, &a);
    if (status != VT_OK)
        return status;
    sqlite3 *db;
    if ((status = cli_open_db(cli, 1, &db)) != VT_OK)
        return status;
    vt_report_summary sum;
    vt_error err;
    vt_status st = strcmp(a.out, "-") == 0 ? vt_report(db, &a.opt, stdout, &sum, &err)
                                           : vt_report_file(db, &a.opt, a.out, &sum, &err);
    vt_db_close(db);
    if (st == VT_OK)
        print_note(&a, &sum);
    else
        cli_errorf("report: %s", err.msg);
    return st;
}
