/*
 * cmd_indicators.c - `vitals indicators`: print every indicator of every
 * customer active at --as-of, as CSV (libcsv's writer) or JSON (SQLite's
 * json_object), customer_id first; nil is an empty field or null.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "csv_out.h"

const char usage_indicators[] =
    "usage: vitals indicators [--as-of YYYY-MM-DD] [--rules FILE] [--format csv|json]\n"
    "\n"
    "Print the indicators of every customer active at the as-of date (default:\n"
    "today, UTC): one row per customer, customer_id first.  A value with no data\n"
    "(no survey answered, no seats, ...) is empty in CSV and null in JSON; counts\n"
    "and sums with no rows are 0.  With --rules, the file's rule-defined\n"
    "`indicator` columns are added after the built-in ones.\n"
    "\n"
    "  vitals indicators --as-of 2026-10-31 > indicators.csv\n"
    "  vitals indicators --format json | jq '.[] | select(.usage_trend_pct < -30)'\n";

static void write_field(FILE *out, const vt_value *v)
{
    char num[64];
    switch (v->type) {
    case VT_INT: fprintf(out, "%lld", v->u.i); break;
    case VT_REAL:
        snprintf(num, sizeof num, "%.15g", v->u.r);
        fputs(num, out);
        break;
    case VT_TEXT: vt_csv_field(out, v->u.s, 1); break;
    default: break;
    }
}

static void print_csv(const vt_indicators *ind)
{
    int cols = vt_indicators_columns(ind);
    fputs("customer_id", stdout);
    for (int c = 0; c < cols; c++)
        printf(",%s", vt_indicators_name(ind, c));
    fputc('\n', stdout);
    for (int r = 0; r < vt_indicators_rows(ind); r++) {
        vt_csv_field(stdout, vt_indicators_customer(ind, r), 1);
        for (int c = 0; c < cols; c++) {
            fputc(',', stdout);
            write_field(stdout, vt_indicators_get(ind, r, c));
        }
        fputc('\n', stdout);
    }
}

/* One json_object(name, value, ...) statement reused for every customer. */
static int print_json(sqlite3 *db, const vt_indicators *ind)
{
    int cols = vt_indicators_columns(ind);
    sqlite3_str *sql = sqlite3_str_new(db);
    sqlite3_str_appendall(sql, "SELECT json_object('customer_id', ?");
    for (int c = 0; c < cols; c++)
        sqlite3_str_appendf(sql, ", %Q, ?", vt_indicators_name(ind, c));
    sqlite3_str_appendall(sql, ")");
    char *text = sqlite3_str_finish(sql);
    sqlite3_stmt *st = NULL;
    int rc = text ? sqlite3_prepare_v2(db, text, -1, &st, NULL) : SQLITE_NOMEM;
    sqlite3_free(text);
    if (rc != SQLITE_OK) {
        cli_errorf("indicators: %s", sqlite3_errmsg(db));
        return VT_EINTERNAL;
    }
    fputs("[", stdout);
    for (int r = 0; r < vt_indicators_rows(ind); r++) {
        sqlite3_bind_text(st, 1, vt_indicators_customer(ind, r), -1, SQLITE_STATIC);
        for (int c = 0; c < cols; c++) {
            const vt_value *v = vt_indicators_get(ind, r, c);
            switch (v->type) {
            case VT_INT: sqlite3_bind_int64(st, c + 2, v->u.i); break;
            case VT_REAL: sqlite3_bind_double(st, c + 2, v->u.r); break;
            case VT_TEXT: sqlite3_bind_text(st, c + 2, v->u.s, -1, SQLITE_STATIC); break;
            default: sqlite3_bind_null(st, c + 2); break;
            }
        }
        if (sqlite3_step(st) == SQLITE_ROW)
            printf("%s\n  %s", r ? "," : "", sqlite3_column_text(st, 0));
        sqlite3_reset(st);
    }
    fputs("\n]\n", stdout);
    sqlite3_finalize(st);
    return VT_OK;
}

int cmd_indicators(int argc, char **argv, const vt_cli *cli)
{
    static const struct option longopts[] = {
        {"as-of", required_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'f'},
        {"rules", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    const char *as_of_arg = NULL, *format = "csv", *rules_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': as_of_arg = optarg; break;
        case 'f': format = optarg; break;
        case 'r': rules_path = optarg; break;
        default: return VT_EUSAGE;
        }
    }
    if (optind < argc) {
        cli_errorf("indicators: unexpected argument '%s'", argv[optind]);
        return VT_EUSAGE;
    }
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        cli_errorf("indicators: --format %s: expected csv or json", format);
        return VT_EUSAGE;
    }
    vt_day as_of;
    if (cli_parse_as_of(as_of_arg, &as_of))
        return VT_EUSAGE;

    sqlite3 *db;
    int status = cli_open_db(cli, 1, &db);
    if (status != VT_OK)
        return status;
    vt_indicators *ind = NULL;
    vt_rules *rules = NULL;
    vt_error err;
    vt_rule_limits limits;
    vt_rule_limits_default(&limits);
    status = vt_indicators_compute(db, as_of, &ind, &err);
    if (status == VT_OK && rules_path) {
        status = vt_rules_load(rules_path, &limits, &rules, &err);
        if (status == VT_OK)
            status = vt_rules_compute_indicators(rules, db, ind, &err);
    }
    if (status != VT_OK)
        cli_errorf("%s", err.msg);
    else if (format[0] == 'j')
        status = print_json(db, ind);
    else
        print_csv(ind);
    vt_rules_free(rules);
    vt_indicators_free(ind);
    vt_db_close(db);
    return status;
}
