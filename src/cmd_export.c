/*
 * cmd_export.c - `vitals export`: the at-risk list of a run, sorted by ARR
 * at risk, as CSV, JSON or NDJSON, on stdout or atomically into --out FILE.
 * Reads through a read-only connection.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_export[] =
    "usage: vitals export [--run ID] [--band LIST] [--flag LIST] [--segment LIST]\n"
    "                     [--format csv|json|ndjson] [--out FILE]\n"
    "\n"
    "The at-risk list of a run (default: the latest): the customers in the chosen\n"
    "bands, highest ARR at risk first (ties by customer_id).  Fields:\n"
    "  customer_id, name, segment, owner, arr (12 x MRR in the run's as-of month),\n"
    "  score, band, coverage, score_change (since the customer's previous score,\n"
    "  empty/null without one), flags, renewal_date\n"
    "In CSV, flags read \"severity: reason; severity: reason\", most severe first;\n"
    "in JSON they are a list of {name, severity, reason}.  Customers whose rules\n"
    "failed in the run are not exported; a note on stderr counts them.\n"
    "\n"
    "Options (a LIST is comma-separated; the options may be repeated):\n"
    "  --run ID                   export run ID (default: the latest run)\n"
    "  --band LIST                bands to export (default: red); `all` for every band\n"
    "  --flag LIST                only customers raising one of these flags\n"
    "  --segment LIST             only customers of these segments\n"
    "  --format csv|json|ndjson   csv (default, with a header row), json (one array\n"
    "                             of objects) or ndjson (one object per line)\n"
    "  --out FILE                 write FILE atomically instead of stdout\n"
    "\n"
    "Examples:\n"
    "  vitals export                                    # red customers, CSV\n"
    "  vitals export --band red,yellow --out at-risk.csv\n"
    "  vitals export --flag renewal_at_risk --segment enterprise --format json\n"
    "  vitals export --band all --format ndjson | jq -c 'select(.score_change < -10)'\n"
    "\n"
    "Exit status: 0 ok; 1 usage error; 2 no such run, or --out in a directory\n"
    "that does not exist; 4 database or write error.\n";

/* Values of a repeatable comma-separated option. */
typedef struct list {
    const char **items;
    int n, cap;
    char **copies;          /* the strdup'ed option values the items point into */
    int ncopies;
} list;

static int list_add(list *l, const char *arg)
{
    char **copies = realloc(l->copies, (size_t)(l->ncopies + 1) * sizeof *copies);
    if (!copies)
        return -1;
    l->copies = copies;
    char *copy = strdup(arg);
    if (!copy)
        return -1;
    l->copies[l->ncopies++] = copy;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        tok += strspn(tok, " ");
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        if (!*tok)
            continue;
        if (l->n == l->cap) {
            int cap = l->cap ? l->cap * 2 : 8;
            const char **items = realloc(l->items, (size_t)cap * sizeof *items);
            if (!items)
                return -1;
            l->items = items;
            l->cap = cap;
        }
        l->items[l->n++] = tok;
    }
    return 0;
}

static void list_free(list *l)
{
    for (int i = 0; i < l->ncopies; i++)
        free(l->copies[i]);
    free(l->copies);
    free(l->items);
}

static int has_item(const list *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}

typedef struct export_args {
    vt_export_options opt;
    list bands, flags, segments;
    const char *out;
} export_args;

static int parse_format(const char *arg, vt_export_format *f)
{
    static const char *const names[] = {"csv", "json", "ndjson"};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) {
            *f = (vt_export_format)i;
            return 0;
        }
    cli_errorf("export: --format %s: expected csv, json or ndjson", arg);
    return -1;
}

static int parse_run(const char *arg, long long *run)
{
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v <= 0) {
        cli_errorf("export: --run %s: expected a run number (see the runs table)", arg);
        return -1;
    }
    *run = v;
    return 0;
}

/* Parse the options into a; 0, or an exit status. */
static int parse_args(int argc, char **argv, export_args *a)
{
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'},   {"band", required_argument, NULL, 'b'},
        {"flag", required_argument, NULL, 'F'},  {"segment", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'}, {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'r': bad = parse_run(optarg, &a->opt.run_id); break;
        case 'b': bad = list_add(&a->bands, optarg); break;
        case 'F': bad = list_add(&a->flags, optarg); break;
        case 's': bad = list_add(&a->segments, optarg); break;
        case 'f': bad = parse_format(optarg, &a->opt.format); break;
        case 'o': a->out = optarg; break;
        default: return VT_EUSAGE;
        }
        if (bad)
            return VT_EUSAGE;
    }
    if (optind < argc) {
        cli_errorf("export: unexpected argument '%s'; see `vitals export --help`", argv[optind]);
        return VT_EUSAGE;
    }
    if (a->bands.n == 0 && list_add(&a->bands, "red"))
        return VT_EINTERNAL;
    for (int i = 0; i < a->bands.n; i++)
        if (strcmp(a->bands.items[i], "all") != 0 && !vt_band_name_valid(a->bands.items[i])) {
            cli_errorf("export: --band %s: a band is a name of lower-case letters and _ "
                       "(red, yellow, green in the shipped rules), or all", a->bands.items[i]);
            return VT_EUSAGE;
        }
    if (!has_item(&a->bands, "all")) {
        a->opt.bands = a->bands.items;
        a->opt.n_bands = a->bands.n;
    }
    a->opt.flags = a->flags.items;
    a->opt.n_flags = a->flags.n;
    a->opt.segments = a->segments.items;
    a->opt.n_segments = a->segments.n;
    return 0;
}

static void print_notes(const export_args *a, const vt_export_summary *sum)
{
    if (a->out)
        fprintf(stderr, "%s: %lld customer%s from run %lld (as of %s)\n", a->out, sum->rows,
                sum->rows == 1 ? "" : "s", sum->run_id, sum->as_of);
    if (sum->failed)
        fprintf(stderr, "vitals: note: %lld customer%s failed in run %lld and %s not exported "
                        "(`vitals explain ID` shows why)\n", sum->failed,
                sum->failed == 1 ? "" : "s", sum->run_id, sum->failed == 1 ? "is" : "are");
    if (sum->rows == 0 && a->opt.n_bands > 0)
        fprintf(stderr, "vitals: note: nothing to export; the bands of run %lld are: %s\n",
                sum->run_id, sum->bands[0] ? sum->bands : "(none)");
}

int cmd_export(int argc, char **argv, const vt_cli *cli)
{
    export_args a;
    memset(&a, 0, sizeof a);
    int status = parse_args(argc, argv, &a);
    sqlite3 *db = NULL;
    if (status == VT_OK)
        status = cli_open_db(cli, 1, &db);
    if (status == VT_OK) {
        vt_export_summary sum;
        vt_error err;
        vt_status st = a.out ? vt_export_file(db, &a.opt, a.out, &sum, &err)
                             : vt_export(db, &a.opt, stdout, &sum, &err);
        if (st == VT_OK)
            print_notes(&a, &sum);
        else
            cli_errorf("export: %s", err.msg);
        status = st;
    }
    vt_db_close(db);
    list_free(&a.bands);
    list_free(&a.flags);
    list_free(&a.segments);
    return status;
}
