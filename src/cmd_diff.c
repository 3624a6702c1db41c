/*
 * cmd_diff.c - `vitals diff`: compare a rule file with another one
 * (--against) or with a stored run, on the customers active at one date:
 * the band migration matrix, the customers whose band changed, the largest
 * score moves.  The report goes to stdout (text, CSV or JSON); messages to
 * stderr.  Nothing is stored.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_diff[] =
    "usage: vitals diff [--rules NEW.lua] [--against OLD.lua | --run ID]\n"
    "                   [--as-of YYYY-MM-DD] [--format text|csv|json] [--top N]\n"
    "\n"
    "What would change if NEW.lua replaced the rules you use today?  Scores every\n"
    "customer active at the as-of date with NEW.lua and with OLD.lua (or takes\n"
    "the scores of a stored run) and shows:\n"
    "  - the band migration matrix: customers per old band (rows) and new band\n"
    "    (columns); the diagonal is the customers who keep their band;\n"
    "  - every customer whose band changed, with both scores;\n"
    "  - the largest score moves (top 10 by |new - old|);\n"
    "  - the customers that could not be compared: they failed the rules on a\n"
    "    side, or are on one side only (a run made before data changed).\n"
    "Scores and bands are final, as `vitals score` stores them: flags force\n"
    "bands and CSMs' overrides apply on both sides.  Nothing is stored.\n"
    "\n"
    "Options:\n"
    "  --rules FILE     the new rule file (default: the shipped rules/health.lua)\n"
    "  --against FILE   the old rule file; both are scored on the same data\n"
    "  --run ID         without --against: compare with this run (default: the\n"
    "                   latest run, as `vitals score` stored it)\n"
    "  --as-of DATE     the date to score at (default: the run's as-of date, or\n"
    "                   today with --against)\n"
    "  --format F       text (default), csv (one table; its kind column says\n"
    "                   matrix, changed, move or uncompared) or json (one object:\n"
    "                   matrix as {old: {new: count}}, changes, moves, uncompared)\n"
    "  --top N          how many score moves to list (default 10)\n"
    "\n"
    "Examples:\n"
    "  # does raising the yellow floor to 65 move many customers?\n"
    "  vitals diff --rules strict.lua --against rules/health.lua --as-of 2026-10-31\n"
    "  # what has my edit changed since last night's run?\n"
    "  vitals diff --rules rules/health.lua\n"
    "  vitals diff --rules new.lua --format json | jq '.matrix.green.red'\n"
    "  vitals diff --rules new.lua --format csv > changes.csv\n"
    "\n"
    "Exit status: 0 compared; 3 some customers failed the rules on a side (listed\n"
    "as uncompared; the rest is compared); 2 a rule file cannot load, or there\n"
    "is no run to compare with; 1 usage error; 4 database error.\n";

typedef struct diff_args {
    vt_diff_options opt;
    const char *as_of;
    vt_diff_format format;
} diff_args;

static int parse_format(const char *arg, vt_diff_format *format)
{
    static const struct {
        const char *name;
        vt_diff_format format;
    } formats[] = {{"text", VT_DIFF_TEXT}, {"csv", VT_DIFF_CSV}, {"json", VT_DIFF_JSON}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(arg, formats[i].name) == 0) {
            *format = formats[i].format;
            return 0;
        }
    cli_errorf("diff: --format %s: expected text, csv or json", arg);
    return -1;
}

/* A positive whole number of at most max. */
static int parse_count(const char *opt, const char *arg, long long max, long long *out)
{
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v < 1 || v > max) {
        cli_errorf("diff: --%s %s: expected a whole number from 1 to %lld", opt, arg, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_option(int c, diff_args *a)
{
    long long n;
    switch (c) {
    case 'r': a->opt.rules = optarg; return 0;
    case 'a': a->opt.against = optarg; return 0;
    case 'd': a->as_of = optarg; return 0;
    case 'f': return parse_format(optarg, &a->format);
    case 'n':
        if (parse_count("run", optarg, 1LL << 62, &n))
            return -1;
        a->opt.run_id = n;
        return 0;
    case 't':
        if (parse_count("top", optarg, 1000000, &n))
            return -1;
        a->opt.top = (int)n;
        return 0;
    default: return -1;
    }
}

static int parse_args(int argc, char **argv, diff_args *a)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'}, {"against", required_argument, NULL, 'a'},
        {"as-of", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},
        {"run", required_argument, NULL, 'n'},   {"top", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
        if (parse_option(c, a))
            return VT_EUSAGE;
    if (optind < argc) {
        cli_errorf("diff: unexpected argument '%s'; see `vitals diff --help`", argv[optind]);
        return VT_EUSAGE;
    }
    if (a->opt.against && a->opt.run_id) {
        cli_errorf("diff: --against and --run: compare with a rule file or a run, not both");
        return VT_EUSAGE;
    }
    if (a->as_of) {
        if (cli_parse_as_of(a->as_of, &a->opt.as_of))
            return VT_EUSAGE;
        a->opt.has_as_of = 1;
    }
    return VT_OK;
}

/* Messages on stderr: failures, and data that changed under the diff. */
static void report(const vt_diff *d)
{
    if (d->data_changed)
        cli_errorf("diff: warning: the data changed while the sides were scored; run it "
                   "again for an exact comparison");
    if (d->failed)
        cli_errorf("diff: %lld customer%s failed the rules on a side (listed as not compared)",
                   d->failed, d->failed == 1 ? "" : "s");
}

int cmd_diff(int argc, char **argv, const vt_cli *cli)
{
    diff_args a;
    memset(&a, 0, sizeof a);
    int status = parse_args(argc, argv, &a);
    if (status != VT_OK)
        return status;
    sqlite3 *db;
    if ((status = cli_open_db(cli, 1, &db)) != VT_OK)
        return status;
    vt_diff *d = NULL;
    vt_error err;
    vt_status st = vt_diff_compute(db, &a.opt, &d, &err);
    vt_db_close(db);
    if (!d) {
        cli_errorf("diff: %s", err.msg);
        return st;
    }
    vt_status wst = vt_diff_write(d, a.format, stdout, &err);
    if (wst != VT_OK) {
        cli_errorf("%s", err.msg);
        st = wst;
    } else {
        report(d);
    }
    vt_diff_free(d);
    return st;
}
