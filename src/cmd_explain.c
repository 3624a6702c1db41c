/*
 * cmd_explain.c - `vitals explain CUSTOMER_ID`: how a customer's score in a
 * run came about, as a readable report or as JSON (built by the library with
 * SQLite's JSON functions).  Reads through a read-only connection.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_explain[] =
    "usage: vitals explain CUSTOMER_ID [--run ID] [--format text|json]\n"
    "\n"
    "Show how a customer's health score came about in a stored run (default: the\n"
    "latest): for each measure of the rule file, the indicator value, its 0-100\n"
    "score, its weight and its contribution to the score (points); the measures\n"
    "left out for lack of data; coverage (the share of weight that had data); the\n"
    "flags raised, with their reasons; the band, and whether a flag forced it or\n"
    "a CSM overrode it (`vitals override`); the change since the customer's\n"
    "previous score (the latest run with an earlier as-of date); and the biggest\n"
    "lever: the one measure that would raise the score most if it scored 100.\n"
    "\n"
    "A measure's contribution is score x weight / (sum of the used weights), so\n"
    "the contributions add up to the score.  The lever's gain is\n"
    "(100 - score) x weight / (used weights); for a measure left out for missing\n"
    "data it is (100 - S) x weight / (used weights + weight), since data at 100\n"
    "would also bring it into the score.\n"
    "\n"
    "Options:\n"
    "  --run ID              explain the score of run ID (default: the latest run)\n"
    "  --format text|json    text (default) or one JSON object; numbers are JSON\n"
    "                        numbers, missing values null\n"
    "\n"
    "Examples:\n"
    "  vitals explain C0042\n"
    "  vitals explain C0042 --run 7\n"
    "  vitals explain C0042 --format json | jq '.measures[] | {name, contribution}'\n"
    "\n"
    "Exit status: 0 ok; 1 usage error; 2 no such customer, customer not in the\n"
    "run, or no such run; 4 database error.\n";

/* A number without trailing zeros: 0.35, 2240.88, 45. */
static const char *fmt_num(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.2f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        strcpy(buf, "0");
    return buf;
}

static const char *fmt_value(const vt_explain_measure *m, char *buf, size_t len)
{
    switch (m->value_type) {
    case VT_INT:
    case VT_REAL: return fmt_num(m->value, buf, len);
    case VT_TEXT: return m->value_text;
    default: return "-";
    }
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static void print_header(const vt_explanation *e)
{
    printf("%s", e->customer_id);
    if (e->name)
        printf("  %s", e->name);
    if (e->segment || e->owner)
        printf("  (%s%s%s)", e->segment ? e->segment : "", e->segment && e->owner ? ", " : "",
               e->owner ? e->owner : "");
    printf("\nrun %lld as of %s, rules %s", e->run_id, e->as_of, or_dash(e->rules_path));
    if (e->scorecard)
        printf(", scorecard %s", e->scorecard);
    printf("\n\n");
}

static int text_width(const char *s, int min)
{
    int n = s ? (int)strlen(s) : 1;
    return n > min ? n : min;
}

static void print_measures(const vt_explanation *e)
{
    if (e->n_measures == 0)
        return;
    int wn = 7, wg = 5;      /* "measure", "group" */
    for (int i = 0; i < e->n_measures; i++) {
        wn = text_width(e->measures[i].name, wn);
        wg = text_width(e->measures[i].group, wg);
    }
    printf("%-*s  %-*s %12s %6s %7s %13s\n", wn, "measure", wg, "group", "value", "score",
           "weight", "contribution");
    for (int i = 0; i < e->n_measures; i++) {
        const vt_explain_measure *m = &e->measures[i];
        char v[64], s[32], w[32], c[32];
        printf("%-*s  %-*s %12s %6s %7s %13s", wn, m->name ? m->name : "?", wg,
               or_dash(m->group), fmt_value(m, v, sizeof v),
               m->has_score ? (snprintf(s, sizeof s, "%.1f", m->score), s) : "-",
               fmt_num(m->weight, w, sizeof w),
               m->used ? (snprintf(c, sizeof c, "%.1f", m->contribution), c) : "-");
        if (!m->used)
            printf("  left out: %s", m->weight > 0 ? "no data" : "weight 0 in this scorecard");
        else if (m->missing)
            printf("  no data: scored as `missing`");
        printf("\n");
    }
    printf("\n");
}

/* The band the rules gave, before any override: the forcing flag's band,
 * else the score's. */
static const char *rules_band(const vt_explanation *e)
{
    for (int i = 0; e->forced_by && i < e->n_flags; i++)
        if (e->flags[i].name && strcmp(e->flags[i].name, e->forced_by) == 0 &&
            e->flags[i].force_band)
            return e->flags[i].force_band;
    return or_dash(e->score_band);
}

static void print_band(const vt_explanation *e)
{
    printf("score     %.1f   (coverage %.0f%% of the weight had data)\n", e->score, e->coverage);
    printf("band      %s", or_dash(e->band));
    if (e->forced_by && !e->overridden && e->band && e->score_band &&
        strcmp(e->band, e->score_band) == 0)
        printf("   (the flag %s forces it too)", e->forced_by);
    else if (e->forced_by && !e->overridden)
        printf("   forced by the flag %s (the score alone gives %s)", e->forced_by,
               or_dash(e->score_band));
    else if (e->forced_by)
        printf("   (the flag %s forced %s; the score alone gives %s)", e->forced_by,
               rules_band(e), or_dash(e->score_band));
    printf("\n");
    if (!e->overridden)
        return;
    printf("override  set by a CSM: the rules gave %.1f, %s\n", e->computed_score,
           rules_band(e));
    if (!e->override_found) {
        printf("          (the override has been cleared since this run)\n");
        return;
    }
    printf("          \"%s\"", or_dash(e->override_reason));
    if (e->override_author)
        printf(" - %s", e->override_author);
    printf(", %s", e->override_until ? "until " : "no end date");
    if (e->override_until)
        printf("%s", e->override_until);
    printf("\n");
}

static void print_flags(const vt_explanation *e)
{
    if (e->n_flags == 0) {
        printf("flags     none\n");
        return;
    }
    for (int i = 0; i < e->n_flags; i++) {
        const vt_explain_flag *f = &e->flags[i];
        printf("%-9s %-9s %-24s %s", i == 0 ? "flags" : "", or_dash(f->severity),
               or_dash(f->name), or_dash(f->reason));
        if (f->force_band)
            printf("  [forces %s]", f->force_band);
        printf("\n");
    }
}

static void print_change_and_lever(const vt_explanation *e)
{
    if (e->has_prev)
        printf("change    %+.1f since run %lld as of %s (%.1f)\n", e->score_change,
               e->prev_run_id, e->prev_as_of, e->score_prev);
    else
        printf("change    - (no earlier score)\n");
    if (e->lever < 0) {
        printf("biggest lever: none (every measure is at 100)\n");
        return;
    }
    const vt_explain_measure *m = &e->measures[e->lever];
    if (m->used)
        printf("biggest lever: %s - from %.1f to 100 would add %.1f points\n", m->name,
               m->score, m->gain);
    else
        printf("biggest lever: %s - no data now; data scoring 100 would add %.1f points\n",
               m->name, m->gain);
}

static void print_text(const vt_explanation *e)
{
    print_header(e);
    if (e->error) {
        printf("failed: the rules could not score this customer in this run:\n  %s\n", e->error);
        return;
    }
    print_measures(e);
    print_band(e);
    print_flags(e);
    print_change_and_lever(e);
}

static int parse_run(const char *arg, long long *run)
{
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v <= 0) {
        cli_errorf("--run %s: expected a run number (see the runs table)", arg);
        return -1;
    }
    *run = v;
    return 0;
}

int cmd_explain(int argc, char **argv, const vt_cli *cli)
{
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    long long run = 0;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (parse_run(optarg, &run))
                return VT_EUSAGE;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                cli_errorf("explain: --format %s: expected text or json", optarg);
                return VT_EUSAGE;
            }
            json = optarg[0] == 'j';
            break;
        default: return VT_EUSAGE;
        }
    }
    if (argc - optind != 1) {
        cli_errorf("explain: expected one CUSTOMER_ID; see `vitals explain --help`");
        return VT_EUSAGE;
    }
    sqlite3 *db;
    int status = cli_open_db(cli, 1, &db);
    if (status != VT_OK)
        return status;
    vt_explanation *e;
    vt_error err;
    vt_status st = vt_explain(db, argv[optind], run, &e, &err);
    vt_db_close(db);
    if (st != VT_OK) {
        cli_errorf("explain: %s", err.msg);
        return st;
    }
    if (json)
        printf("%s\n", e->json);
    else
        print_text(e);
    vt_explanation_free(e);
    return VT_OK;
}
