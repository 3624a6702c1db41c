/*
 * cmd_override.c - `vitals override`: set, clear or list a CSM's manual band
 * or score for a customer, honoured by score runs until it expires.
 */
#include <csv.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_override[] =
    "usage: vitals override CUSTOMER_ID (--band BAND | --score N) --reason TEXT\n"
    "                       [--until YYYY-MM-DD] [--author NAME]\n"
    "       vitals override CUSTOMER_ID --clear\n"
    "       vitals override --list [--as-of YYYY-MM-DD]\n"
    "\n"
    "A CSM knows things the data does not.  An override replaces the computed band\n"
    "and/or score of a customer in every `vitals score` run whose as-of date is on\n"
    "or before --until (no --until: until cleared).  The run stores the final band\n"
    "and score, marks the row overridden and keeps the computed band (score_band);\n"
    "`explain` shows the override and its reason, `export` lists the final band.\n"
    "With --score only, the band is the one that score falls in; with --band only,\n"
    "the computed score is kept.  Setting an override again replaces it.\n"
    "\n"
    "Bands are defined by the rule file (red, yellow, green in the shipped\n"
    "rules/health.lua), so any name of lower-case letters and _ is accepted.\n"
    "\n"
    "Options:\n"
    "  --band BAND        the band to report (e.g. red, yellow, green)\n"
    "  --score N          the score to report, 0 to 100\n"
    "  --reason TEXT      why (required): shown by explain\n"
    "  --until DATE       last as-of date it applies to (default: no end)\n"
    "  --author NAME      who set it (default: $USER)\n"
    "  --clear            remove the customer's override\n"
    "  --list             print every override as CSV; `active` tells whether a run\n"
    "                     as of --as-of (default: today) honours it\n"
    "\n"
    "Examples:\n"
    "  vitals override C0042 --band yellow --reason \"exec sponsor re-engaged at QBR\" \\\n"
    "                 --until 2026-12-31\n"
    "  vitals override C0107 --score 30 --reason \"champion left; no replacement yet\"\n"
    "  vitals override C0042 --clear\n"
    "  vitals override --list\n"
    "\n"
    "Changes apply from the next `vitals score` run.\n"
    "Exit status: 0 ok; 1 usage error; 2 unknown customer; 4 database error.\n";

typedef struct override_args {
    vt_override o;
    int clear, list;
    const char *as_of;
} override_args;

static int parse_score(const char *arg, vt_override *o)
{
    char *end;
    double v = strtod(arg, &end);
    if (*arg == '\0' || *end != '\0' || !(v >= 0 && v <= 100)) {
        cli_errorf("override: --score %s: expected a number from 0 to 100", arg);
        return -1;
    }
    o->has_score = 1;
    o->score = v;
    return 0;
}

/* Parse and check the combination of options; 0, or an exit status. */
static int parse_args(int argc, char **argv, override_args *a)
{
    static const struct option longopts[] = {
        {"band", required_argument, NULL, 'b'},   {"score", required_argument, NULL, 's'},
        {"reason", required_argument, NULL, 'r'}, {"until", required_argument, NULL, 'u'},
        {"author", required_argument, NULL, 'a'}, {"clear", no_argument, NULL, 'c'},
        {"list", no_argument, NULL, 'l'},         {"as-of", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    a->o.author = getenv("USER");
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': a->o.band = optarg; break;
        case 's': if (parse_score(optarg, &a->o)) return VT_EUSAGE; break;
        case 'r': a->o.reason = optarg; break;
        case 'u': a->o.until = optarg; break;
        case 'a': a->o.author = optarg; break;
        case 'c': a->clear = 1; break;
        case 'l': a->list = 1; break;
        case 'd': a->as_of = optarg; break;
        default: return VT_EUSAGE;
        }
    }
    int nargs = argc - optind;
    int setting = a->o.band || a->o.has_score || a->o.reason || a->o.until;
    if (a->list && (nargs || a->clear || setting)) {
        cli_errorf("override: --list takes no customer and no other option but --as-of");
        return VT_EUSAGE;
    }
    if (!a->list && nargs != 1) {
        cli_errorf("override: expected one CUSTOMER_ID (or --list); see `vitals override --help`");
        return VT_EUSAGE;
    }
    if (a->clear && setting) {
        cli_errorf("override: --clear takes no --band, --score, --reason or --until");
        return VT_EUSAGE;
    }
    if (!a->list && !a->clear && !a->o.band && !a->o.has_score) {
        cli_errorf("override: give --band BAND or --score N (or --clear)");
        return VT_EUSAGE;
    }
    if (!a->list)
        a->o.customer_id = argv[optind];
    return 0;
}

static void csv_field(const char *s, int first)
{
    if (!first)
        putchar(',');
    if (!s)
        return;
    size_t n = strlen(s);
    if (strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' ')))
        csv_fwrite(stdout, s, n);
    else
        fwrite(s, 1, n, stdout);
}

static int print_override(void *ctx, const vt_override *o, int active)
{
    (void)ctx;
    char score[32] = "";
    if (o->has_score)
        snprintf(score, sizeof score, "%g", o->score);
    const char *fields[] = {o->customer_id, o->band, o->has_score ? score : NULL, o->until,
                            active ? "yes" : "no", o->author, o->created_at, o->reason};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        csv_field(fields[i], i == 0);
    fputc('\n', stdout);
    return 0;
}

static vt_status list_overrides(sqlite3 *db, const override_args *a, vt_error *err)
{
    vt_day day;
    if (cli_parse_as_of(a->as_of, &day))
        return VT_EUSAGE;
    fputs("customer_id,band,score,until,active,author,created_at,reason\n", stdout);
    return vt_override_list(db, day, print_override, NULL, err);
}

static vt_status set_override(sqlite3 *db, const override_args *a, vt_error *err)
{
    vt_status st = vt_override_set(db, &a->o, err);
    if (st != VT_OK)
        return st;
    vt_day until;
    if (a->o.until && vt_date_parse(a->o.until, &until) == 0 && until < vt_today())
        fprintf(stderr, "vitals: note: --until %s has passed: only runs as of that date or "
                        "earlier honour it\n", a->o.until);
    fprintf(stderr, "%s: override set (", a->o.customer_id);
    if (a->o.band)
        fprintf(stderr, "band %s%s", a->o.band, a->o.has_score ? ", " : "");
    if (a->o.has_score)
        fprintf(stderr, "score %g", a->o.score);
    fprintf(stderr, ", %s%s); it applies from the next `vitals score`\n",
            a->o.until ? "until " : "no end date", a->o.until ? a->o.until : "");
    return VT_OK;
}

static vt_status clear_override(sqlite3 *db, const override_args *a, vt_error *err)
{
    int removed;
    vt_status st = vt_override_clear(db, a->o.customer_id, &removed, err);
    if (st == VT_OK)
        fprintf(stderr, "%s: %s\n", a->o.customer_id,
                removed ? "override cleared (from the next `vitals score` on)"
                        : "had no override");
    return st;
}

int cmd_override(int argc, char **argv, const vt_cli *cli)
{
    override_args a;
    memset(&a, 0, sizeof a);
    int status = parse_args(argc, argv, &a);
    if (status != VT_OK)
        return status;
    sqlite3 *db;
    if ((status = cli_open_db(cli, a.list, &db)) != VT_OK)
        return status;
    vt_error err = {.msg = ""};
    vt_status st = a.list ? list_overrides(db, &a, &err)
                   : a.clear ? clear_override(db, &a, &err)
                             : set_override(db, &a, &err);
    vt_db_close(db);
    if (st != VT_OK && err.msg[0])   /* else the message is already out */
        cli_errorf("override: %s", err.msg);
    return st;
}
