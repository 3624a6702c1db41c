/*
 * cmd_kpis.c - `vitals kpis`: portfolio KPIs for a period (SPEC §4), as an
 * aligned table for people or CSV / JSON for programs; the MRR bridge per
 * month (--movements); each KPI's formula, numerator and denominator
 * (--explain); the definitions themselves (--list).
 *
 * The figures and their definitions come from the library (kpis.c); this
 * file parses options and prints.  JSON objects are built by SQLite's
 * json_object, so numbers are JSON numbers and nil is null.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_kpis[] =
    "usage: vitals kpis (--month YYYY-MM | --quarter YYYY-Qn | --from DATE --to DATE)\n"
    "                   [--by segment|plan|owner|region] [--monthly]\n"
    "                   [--movements | --explain] [--format table|csv|json]\n"
    "       vitals kpis --list [--format table|csv|json]\n"
    "\n"
    "Portfolio KPIs for a period: customers won and lost, the MRR bridge,\n"
    "satisfaction, support and unit economics.  Rates are percentages.  A ratio\n"
    "with no data or a zero denominator is not a number: `-` in the table, empty\n"
    "in CSV, null in JSON.\n"
    "\n"
    "The period (both days included):\n"
    "  --from DATE --to DATE   any span of days (YYYY-MM-DD)\n"
    "  --month YYYY-MM         a calendar month\n"
    "  --quarter YYYY-Qn       a calendar quarter (Q1 = January to March)\n"
    "The base is the customers active on the day before the period.  MRR is\n"
    "monthly: mrr_start is the MRR of the month before the period's first month,\n"
    "mrr_end that of its last month; revenue and spend count every calendar month\n"
    "the period touches, in full, so use whole months for cac and avg_ticket.\n"
    "\n"
    "Options:\n"
    "  --by COLUMN     a row per segment, plan, owner or region, then a total row\n"
    "                  (cac is blank in group rows: spend belongs to no customer)\n"
    "  --monthly       a row per calendar month of the period, each its own period\n"
    "  --movements     the MRR bridge of each month of the period:\n"
    "                  mrr_start + new + expansion (upsell + cross-sell)\n"
    "                  + reactivation - contraction - churned = mrr_end;\n"
    "                  a bridge that does not add up to the cent is refused (exit 4)\n"
    "  --explain       every KPI with its formula, numerator and denominator, and\n"
    "                  the counts and sums they come from, to check it by hand\n"
    "  --list          the definitions of the KPIs (needs no database)\n"
    "  --format F      table (default), csv or json (an array of objects)\n"
    "\n"
    "Examples:\n"
    "  vitals kpis --month 2026-09\n"
    "  vitals kpis --quarter 2026-Q3 --by segment\n"
    "  vitals kpis --from 2026-01-01 --to 2026-06-30 --monthly --format csv > kpis.csv\n"
    "  vitals kpis --from 2025-09-01 --to 2026-10-31 --movements\n"
    "  vitals kpis --month 2026-09 --explain\n"
    "\n"
    "The KPIs:\n"
    "  logo_churn_rate           % of the base that churned in the period\n"
    "  retention_rate            % of the base still a customer at the end (100 - churn)\n"
    "  customers_start           the base: customers active the day before the period\n"
    "  customers_end             customers active on the last day\n"
    "  new_customers             customers whose start_date is in the period\n"
    "  churned_customers         base customers whose churn_date is in the period\n"
    "  mrr_start, mrr_end        MRR of the month before the period, of its last month\n"
    "  new_mrr                   MRR of customers paying for the first time\n"
    "  expansion_mrr             upsell_mrr (a product grows) + cross_sell_mrr (a new one)\n"
    "  contraction_mrr           MRR lost by customers who still pay\n"
    "  churned_mrr               starting MRR of customers who stopped paying\n"
    "  reactivation_mrr          MRR of customers who paid before, stopped, and pay again\n"
    "  gross_revenue_churn_rate  (contraction + churned) / mrr_start, %\n"
    "  grr                       (mrr_start - contraction - churned) / mrr_start, %\n"
    "  nrr                       (mrr_start + expansion - contraction - churned) / mrr_start, %\n"
    "  arr                       12 x mrr_end\n"
    "  nps                       % promoters (9-10) - % detractors (0-6), answers in the period\n"
    "  csat                      % of csat answers scoring 4-5\n"
    "  ces_avg                   mean Customer Effort Score\n"
    "  resolution_hours_avg      mean opened -> resolved hours, tickets solved in the period\n"
    "  fcr_rate                  % of those solved at the first contact (contacts = 1)\n"
    "  solve_rate, abandon_rate  % of tickets opened in the period solved by the end, abandoned\n"
    "  renewal_rate              % of the base's renewals due in the period not churned\n"
    "  cac                       acquisition spend / new_customers\n"
    "  arpa                      mrr_end / customers_end\n"
    "  ltv                       arpa / monthly logo churn (a fraction); blank with no churn\n"
    "  avg_lifetime_months       1 / monthly logo churn; monthly = period churn / months\n"
    "  avg_ticket                ticket medio: MRR summed over the months / paying\n"
    "                            customer-months\n"
    "  referrals                 new customers with referred_by set\n"
    "\n"
    "Exit status: 0 ok, 1 usage error, 4 database error or an MRR bridge that does\n"
    "not reconcile.\n";

typedef enum out_format { FMT_TABLE, FMT_CSV, FMT_JSON } out_format;
typedef enum show_what { SHOW_KPIS, SHOW_MOVEMENTS, SHOW_EXPLAIN, SHOW_LIST } show_what;

typedef struct kpis_args {
    const char *from, *to, *month, *quarter;
    vt_kpi_options opt;
    out_format format;
    show_what show;
} kpis_args;

/* The bridge, in the order it adds up, as --movements prints it. */
static const char *const bridge[] = {
    "mrr_start",  "new_mrr",          "expansion_mrr",   "upsell_mrr", "cross_sell_mrr",
    "reactivation_mrr", "contraction_mrr", "churned_mrr", "mrr_end",
};
static const char *const bridge_heads[] = {
    "mrr_start", "+new", "+expansion", "(upsell", "cross_sell)",
    "+reactivation", "-contraction", "-churned", "=mrr_end",
};
#define NBRIDGE ((int)(sizeof bridge / sizeof bridge[0]))

/* ------------------------------------------------------------ options */

static int set_show(kpis_args *a, show_what s)
{
    if (a->show != SHOW_KPIS && a->show != s) {
        cli_errorf("kpis: --movements, --explain and --list are different outputs; choose one");
        return -1;
    }
    a->show = s;
    return 0;
}

static int parse_format(const char *s, out_format *f)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *f = (out_format)i;
            return 0;
        }
    cli_errorf("kpis: --format %s: expected table, csv or json", s);
    return -1;
}

static int parse_args(int argc, char **argv, kpis_args *a)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"month", required_argument, NULL, 'm'},  {"quarter", required_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'F'}, {"by", required_argument, NULL, 'b'},
        {"monthly", no_argument, NULL, 'M'},      {"movements", no_argument, NULL, 'v'},
        {"explain", no_argument, NULL, 'e'},      {"list", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    int c, bad = 0;
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'm': a->month = optarg; break;
        case 'q': a->quarter = optarg; break;
        case 'F': bad = parse_format(optarg, &a->format); break;
        case 'b': a->opt.by = optarg; break;
        case 'M': a->opt.monthly = 1; break;
        case 'v': bad = set_show(a, SHOW_MOVEMENTS); break;
        case 'e': bad = set_show(a, SHOW_EXPLAIN); break;
        case 'l': bad = set_show(a, SHOW_LIST); break;
        default: bad = -1; break;
        }
    }
    if (!bad && optind < argc) {
        cli_errorf("kpis: unexpected argument '%s'; see `vitals kpis --help`", argv[optind]);
        bad = -1;
    }
    return bad;
}

static int parse_day(const char *opt, const char *s, vt_day *day)
{
    if (vt_date_parse(s, day) == 0)
        return 0;
    cli_errorf("kpis: %s %s: expected a calendar date YYYY-MM-DD", opt, s);
    return -1;
}

/* YYYY-Qn -> the quarter's first month. */
static int parse_quarter(const char *s, int32_t *month)
{
    if (strlen(s) == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' &&
        s[6] <= '4') {
        char ym[8];
        snprintf(ym, sizeof ym, "%.4s-01", s);
        if (vt_month_parse(ym, month) == 0) {
            *month += (s[6] - '1') * 3;
            return 0;
        }
    }
    cli_errorf("kpis: --quarter %s: expected YYYY-Qn, n from 1 to 4 (2026-Q3)", s);
    return -1;
}

/* Turn --from/--to, --month or --quarter into opt.from and opt.to. */
static int resolve_period(kpis_args *a)
{
    int forms = (a->from || a->to) + !!a->month + !!a->quarter;
    int32_t m;
    if (forms != 1) {
        cli_errorf(forms ? "kpis: give one period: --month, --quarter or --from/--to, not several"
                         : "kpis: give a period: --month YYYY-MM, --quarter YYYY-Qn or "
                           "--from DATE --to DATE");
        return -1;
    }
    if (a->month) {
        if (vt_month_parse(a->month, &m)) {
            cli_errorf("kpis: --month %s: expected YYYY-MM (2026-09)", a->month);
            return -1;
        }
        vt_kpis_month_span(m, 1, &a->opt.from, &a->opt.to);
        return 0;
    }
    if (a->quarter) {
        if (parse_quarter(a->quarter, &m))
            return -1;
        vt_kpis_month_span(m, 3, &a->opt.from, &a->opt.to);
        return 0;
    }
    if (!a->from || !a->to) {
        cli_errorf("kpis: --from and --to go together");
        return -1;
    }
    if (parse_day("--from", a->from, &a->opt.from) || parse_day("--to", a->to, &a->opt.to))
        return -1;
    if (a->opt.from > a->opt.to) {
        cli_errorf("kpis: --from %s is after --to %s", a->from, a->to);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ CSV and JSON records */

typedef enum field_type { F_TEXT, F_INT, F_REAL, F_BOOL } field_type;

typedef struct column {
    const char *name;
    field_type type;
} column;

typedef struct field {
    int nil;
    long long i;  /* F_INT, F_BOOL */
    double r;     /* F_REAL */
    const char *s;
} field;

/* Writes records of fixed columns as CSV (a header first) or as a JSON
 * array of objects, one per line. */
typedef struct writer {
    out_format format;
    const column *cols;
    int ncols;
    sqlite3_stmt *obj;  /* JSON: SELECT json_object(?1, ?2, ...) */
    long records;
} writer;

static void csv_text(const char *s)
{
    if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!*s || s[strlen(s) - 1] != ' ')) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void csv_field(field_type t, const field *f)
{
    if (f->nil)
        return;
    switch (t) {
    case F_TEXT: csv_text(f->s); break;
    case F_INT: printf("%lld", f->i); break;
    case F_REAL: printf("%.15g", f->r); break;
    case F_BOOL: fputs(f->i ? "true" : "false", stdout); break;
    }
}

static int writer_open(writer *w, sqlite3 *db, out_format format, const column *cols, int n)
{
    *w = (writer){.format = format, .cols = cols, .ncols = n};
    if (format == FMT_CSV) {
        for (int i = 0; i < n; i++) {
            if (i)
                putchar(',');
            csv_text(cols[i].name);
        }
        putchar('\n');
        return 0;
    }
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_str_appendall(s, "SELECT json_object(");
    for (int i = 0; i < n; i++)
        sqlite3_str_appendf(s, "%s?%d, %s?%d%s", i ? ", " : "", 2 * i + 1,
                            cols[i].type == F_BOOL ? "json(" : "", 2 * i + 2,
                            cols[i].type == F_BOOL ? ")" : "");
    sqlite3_str_appendall(s, ")");
    char *sql = sqlite3_str_finish(s);
    int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &w->obj, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        cli_errorf("kpis: preparing JSON output: %s", sqlite3_errstr(rc));
        return -1;
    }
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(w->obj, 2 * i + 1, cols[i].name, -1, SQLITE_STATIC);
    return 0;
}

static void json_bind(sqlite3_stmt *st, int i, field_type t, const field *f)
{
    if (f->nil)
        sqlite3_bind_null(st, i);
    else if (t == F_TEXT)
        sqlite3_bind_text(st, i, f->s, -1, SQLITE_STATIC);
    else if (t == F_INT)
        sqlite3_bind_int64(st, i, f->i);
    else if (t == F_REAL)
        sqlite3_bind_double(st, i, f->r);
    else
        sqlite3_bind_text(st, i, f->i ? "true" : "false", -1, SQLITE_STATIC);
}

static int writer_record(writer *w, const field *fields)
{
    if (w->format == FMT_CSV) {
        for (int i = 0; i < w->ncols; i++) {
            if (i)
                putchar(',');
            csv_field(w->cols[i].type, &fields[i]);
        }
        putchar('\n');
        w->records++;
        return 0;
    }
    for (int i = 0; i < w->ncols; i++)
        json_bind(w->obj, 2 * i + 2, w->cols[i].type, &fields[i]);
    int rc = sqlite3_step(w->obj);
    if (rc == SQLITE_ROW)
        printf("%s%s", w->records++ ? ",\n" : "[\n", (const char *)sqlite3_column_text(w->obj, 0));
    sqlite3_reset(w->obj);
    if (rc != SQLITE_ROW) {
        cli_errorf("kpis: building JSON: %s", sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

static void writer_close(writer *w)
{
    if (w->format == FMT_JSON)
        fputs(w->records ? "\n]\n" : "[]\n", stdout);
    sqlite3_finalize(w->obj);
}

/* ------------------------------------------------------------ rows as records */

/* The identity of a row: its period, its month and its group. */
static int identity_columns(const vt_kpi_report *rep, column *cols)
{
    int n = 0;
    cols[n++] = (column){"from", F_TEXT};
    cols[n++] = (column){"to", F_TEXT};
    if (rep->opt.monthly)
        cols[n++] = (column){"month", F_TEXT};
    if (rep->opt.by) {
        cols[n++] = (column){rep->opt.by, F_TEXT};
        cols[n++] = (column){"total", F_BOOL};
    }
    return n;
}

typedef struct row_text {
    char from[11], to[11], month[8];
} row_text;

static void identity_fields(const vt_kpi_report *rep, const vt_kpi_row *row, row_text *t,
                            field *f)
{
    int n = 0;
    vt_date_format(row->from, t->from);
    vt_date_format(row->to, t->to);
    memcpy(t->month, t->from, 7);
    t->month[7] = '\0';
    f[n++] = (field){.s = t->from};
    f[n++] = (field){.s = t->to};
    if (rep->opt.monthly)
        f[n++] = (field){.s = t->month};
    if (rep->opt.by) {
        f[n++] = (field){.nil = !row->group, .s = row->group};
        f[n++] = (field){.i = row->total};
    }
}

static column kpi_column(const vt_kpi_def *d)
{
    return (column){d->name, d->unit == VT_KPI_COUNT ? F_INT : F_REAL};
}

static field num_field(vt_kpi_num n)
{
    return (field){.nil = n.nil, .i = n.nil ? 0 : llround(n.v), .r = n.v};
}

/* The KPIs named in names (all of them when names is NULL) of every row. */
static int write_rows(sqlite3 *db, out_format format, const vt_kpi_report *rep,
                      const char *const *names, int nnames)
{
    int nk = names ? nnames : vt_kpi_count(), status = VT_OK;
    column *cols = calloc((size_t)nk + 8, sizeof *cols);
    field *fields = calloc((size_t)nk + 8, sizeof *fields);
    int *idx = calloc((size_t)nk, sizeof *idx);
    writer w;
    if (!cols || !fields || !idx) {
        status = VT_EINTERNAL;
        goto done;
    }
    int ni = identity_columns(rep, cols);
    for (int k = 0; k < nk; k++) {
        idx[k] = names ? vt_kpi_index(names[k]) : k;
        cols[ni + k] = kpi_column(vt_kpi_def_at(idx[k]));
    }
    if (writer_open(&w, db, format, cols, ni + nk)) {
        status = VT_EINTERNAL;
        goto done;
    }
    for (int r = 0; r < rep->nrows && status == VT_OK; r++) {
        row_text t;
        identity_fields(rep, &rep->rows[r], &t, fields);
        for (int k = 0; k < nk; k++)
            fields[ni + k] = num_field(rep->rows[r].kpis[idx[k]].value);
        if (writer_record(&w, fields))
            status = VT_EINTERNAL;
    }
    writer_close(&w);
done:
    free(cols);
    free(fields);
    free(idx);
    return status;
}

/* --explain as records: one per (row, KPI). */
static int write_explain_records(sqlite3 *db, out_format format, const vt_kpi_report *rep)
{
    static const column tail[] = {
        {"kpi", F_TEXT},         {"value", F_REAL},         {"numerator", F_REAL},
        {"denominator", F_REAL}, {"formula", F_TEXT},       {"numerator_sql", F_TEXT},
        {"denominator_sql", F_TEXT},
    };
    column cols[16];
    field f[16];
    writer w;
    int ni = identity_columns(rep, cols);
    memcpy(cols + ni, tail, sizeof tail);
    if (writer_open(&w, db, format, cols, ni + 7))
        return VT_EINTERNAL;
    int status = VT_OK;
    for (int r = 0; r < rep->nrows && status == VT_OK; r++) {
        row_text t;
        identity_fields(rep, &rep->rows[r], &t, f);
        for (int k = 0; k < vt_kpi_count() && status == VT_OK; k++) {
            const vt_kpi_def *d = vt_kpi_def_at(k);
            const vt_kpi_value *v = &rep->rows[r].kpis[k];
            f[ni] = (field){.s = d->name};
            f[ni + 1] = num_field(v->value);
            f[ni + 2] = num_field(v->numerator);
            f[ni + 3] = num_field(v->denominator);
            f[ni + 4] = (field){.s = d->formula};
            f[ni + 5] = (field){.s = d->numerator};
            f[ni + 6] = (field){.nil = !d->denominator, .s = d->denominator};
            if (writer_record(&w, f))
                status = VT_EINTERNAL;
        }
    }
    writer_close(&w);
    return status;
}

static const char *unit_name(vt_kpi_unit u)
{
    static const char *const names[] = {"count", "money", "percent", "score", "hours", "months"};
    return names[u];
}

/* --list as records: one per KPI. */
static int write_list_records(sqlite3 *db, out_format format)
{
    static const column cols[] = {
        {"name", F_TEXT},    {"unit", F_TEXT},      {"meaning", F_TEXT}, {"formula", F_TEXT},
        {"numerator", F_TEXT}, {"denominator", F_TEXT}, {"scale", F_REAL},
    };
    writer w;
    if (writer_open(&w, db, format, cols, 7))
        return VT_EINTERNAL;
    int status = VT_OK;
    for (int k = 0; k < vt_kpi_count() && status == VT_OK; k++) {
        const vt_kpi_def *d = vt_kpi_def_at(k);
        field f[] = {
            {.s = d->name},      {.s = unit_name(d->unit)}, {.s = d->meaning},
            {.s = d->formula},   {.s = d->numerator},
            {.nil = !d->denominator, .s = d->denominator}, {.r = d->scale},
        };
        if (writer_record(&w, f))
            status = VT_EINTERNAL;
    }
    writer_close(&w);
    return status;
}

/* ------------------------------------------------------------ tables for people */

#define CELL 48
#define BLOCK 6  /* value columns per block of a KPI table, so it fits a terminal */

/* Print a grid of cells (row-major, the first row the header), the first
 * `left` columns left-aligned and the others right-aligned. */
static int print_grid(char (*cells)[CELL], int nrows, int ncols, int left)
{
    int *width = calloc((size_t)ncols, sizeof *width);
    if (!width)
        return VT_EINTERNAL;
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            int len = (int)strlen(cells[r * ncols + c]);
            width[c] = len > width[c] ? len : width[c];
        }
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *s = cells[r * ncols + c], *sep = c < ncols - 1 ? "  " : "";
            if (c < left && c == ncols - 1)
                fputs(s, stdout);
            else if (c < left)
                printf("%-*s%s", width[c], s, sep);
            else
                printf("%*s%s", width[c], s, sep);
        }
        putchar('\n');
    }
    free(width);
    return VT_OK;
}

static void fmt_num(vt_kpi_num n, vt_kpi_unit u, char *buf)
{
    if (n.nil)
        snprintf(buf, CELL, "-");
    else
        snprintf(buf, CELL, u == VT_KPI_COUNT ? "%.0f" : "%.2f", n.v);
}

/* The column label of a row: its month and/or group, or "value". */
static void row_label(const vt_kpi_report *rep, const vt_kpi_row *row, char *buf)
{
    char day[11];
    vt_date_format(row->from, day);
    const char *group = row->total ? "total" : row->group ? row->group : "(none)";
    if (rep->opt.monthly && rep->opt.by)
        snprintf(buf, CELL, "%.7s %.38s", day, group);
    else if (rep->opt.monthly)
        snprintf(buf, CELL, "%.7s", day);
    else if (rep->opt.by)
        snprintf(buf, CELL, "%.46s", group);
    else
        snprintf(buf, CELL, "value");
}

static void print_title(const vt_kpi_report *rep, const char *what)
{
    char from[11], to[11];
    vt_date_format(rep->opt.from, from);
    vt_date_format(rep->opt.to, to);
    int months = vt_day_month(rep->opt.to) - vt_day_month(rep->opt.from) + 1;
    printf("%s, %s to %s (%d month%s)%s%s%s\n\n", what, from, to, months, months == 1 ? "" : "s",
           rep->opt.by ? ", by " : "", rep->opt.by ? rep->opt.by : "",
           rep->opt.monthly ? ", monthly" : "");
}

/* The KPIs as lines and rows first..first+n-1 (months, groups) as columns. */
static int print_kpi_block(const vt_kpi_report *rep, int first, int n)
{
    int ncols = n + 2, nlines = vt_kpi_count() + 1;
    char (*cells)[CELL] = calloc((size_t)ncols * (size_t)nlines, CELL);
    if (!cells)
        return VT_EINTERNAL;
    snprintf(cells[0], CELL, "kpi");
    snprintf(cells[1], CELL, "unit");
    for (int r = 0; r < n; r++)
        row_label(rep, &rep->rows[first + r], cells[2 + r]);
    for (int k = 0; k < vt_kpi_count(); k++) {
        const vt_kpi_def *d = vt_kpi_def_at(k);
        char(*line)[CELL] = cells + (k + 1) * ncols;
        snprintf(line[0], CELL, "%s", d->name);
        snprintf(line[1], CELL, "%s", unit_name(d->unit));
        for (int r = 0; r < n; r++)
            fmt_num(rep->rows[first + r].kpis[k].value, d->unit, line[2 + r]);
    }
    int status = print_grid(cells, nlines, ncols, 2);
    free(cells);
    return status;
}

static int print_kpi_table(const vt_kpi_report *rep)
{
    int status = VT_OK;
    print_title(rep, "Portfolio KPIs");
    for (int first = 0; first < rep->nrows && status == VT_OK; first += BLOCK) {
        if (first)
            putchar('\n');
        int n = rep->nrows - first < BLOCK ? rep->nrows - first : BLOCK;
        status = print_kpi_block(rep, first, n);
    }
    printf("\n-: not defined (no data, or a zero denominator); see --explain\n");
    return status;
}

/* The bridge: a line per month (and group), a column per movement. */
static int print_bridge_table(const vt_kpi_report *rep)
{
    int ncols = NBRIDGE + 1, nlines = rep->nrows + 1;
    char (*cells)[CELL] = calloc((size_t)ncols * (size_t)nlines, CELL);
    if (!cells)
        return VT_EINTERNAL;
    snprintf(cells[0], CELL, rep->opt.by ? "month %s" : "month", rep->opt.by);
    for (int b = 0; b < NBRIDGE; b++)
        snprintf(cells[1 + b], CELL, "%s", bridge_heads[b]);
    for (int r = 0; r < rep->nrows; r++) {
        char(*line)[CELL] = cells + (r + 1) * ncols;
        row_label(rep, &rep->rows[r], line[0]);
        for (int b = 0; b < NBRIDGE; b++)
            fmt_num(vt_kpi_get(&rep->rows[r], bridge[b])->value, VT_KPI_MONEY, line[1 + b]);
    }
    print_title(rep, "MRR bridge");
    int status = print_grid(cells, nlines, ncols, 1);
    printf("\nEvery line adds up: mrr_start + new + expansion + reactivation - contraction\n"
           "- churned = mrr_end (expansion = upsell + cross_sell).\n");
    free(cells);
    return status;
}

static const char *unit_suffix(vt_kpi_unit u)
{
    switch (u) {
    case VT_KPI_PERCENT: return " %";
    case VT_KPI_HOURS: return " h";
    case VT_KPI_MONTHS: return " months";
    default: return "";
    }
}

/* A numerator or denominator, with every digit that matters. */
static void fmt_part(vt_kpi_num n, char *buf)
{
    if (n.nil)
        snprintf(buf, CELL, "-");
    else
        snprintf(buf, CELL, "%.10g", n.v);
}

static void explain_kpi(const vt_kpi_def *d, const vt_kpi_value *v)
{
    char value[CELL];
    fmt_num(v->value, d->unit, value);
    printf("%s = %s%s\n", d->name, value, v->value.nil ? "" : unit_suffix(d->unit));
    printf("    %s\n    formula      %s\n", d->meaning, d->formula);
    if (!d->denominator) {
        if (strcmp(d->numerator, d->name) != 0 && strcmp(d->numerator, d->formula) != 0)
            printf("    computed as  %s\n", d->numerator);
        return;
    }
    char num[CELL], den[CELL];
    fmt_part(v->numerator, num);
    fmt_part(v->denominator, den);
    printf("    numerator    %-14s %s\n", num, d->numerator);
    printf("    denominator  %-14s %s\n", den, d->denominator);
    if (v->value.nil)
        printf("    (not defined: %s)\n", v->numerator.nil || v->denominator.nil
                                              ? "a part of it is not defined"
                                              : "the denominator is 0");
}

static void explain_terms(const vt_kpi_row *row)
{
    printf("The counts and sums above (terms):\n");
    for (int i = 0; i < vt_kpi_term_count(); i++) {
        const vt_kpi_term *t = vt_kpi_term_at(i);
        char value[CELL];
        fmt_num(row->terms[i], t->unit, value);
        printf("    %-22s %12s  %s\n", t->name, value, t->meaning);
    }
}

static int print_explain(const vt_kpi_report *rep)
{
    print_title(rep, "Portfolio KPIs explained");
    for (int r = 0; r < rep->nrows; r++) {
        const vt_kpi_row *row = &rep->rows[r];
        char from[11], to[11];
        vt_date_format(row->from, from);
        vt_date_format(row->to, to);
        if (row->total)
            printf("== %s to %s, all customers ==\n\n", from, to);
        else
            printf("== %s to %s, %s %s ==\n\n", from, to, rep->opt.by,
                   row->group ? row->group : "(none)");
        for (int k = 0; k < vt_kpi_count(); k++) {
            explain_kpi(vt_kpi_def_at(k), &row->kpis[k]);
            putchar('\n');
        }
        explain_terms(row);
        if (r + 1 < rep->nrows)
            putchar('\n');
    }
    return VT_OK;
}

static int print_list_table(void)
{
    for (int k = 0; k < vt_kpi_count(); k++) {
        const vt_kpi_def *d = vt_kpi_def_at(k);
        printf("%s (%s)\n    %s\n    = %s\n", d->name, unit_name(d->unit), d->meaning,
               d->formula);
    }
    printf("\nTerms (counts and sums over the period):\n");
    for (int i = 0; i < vt_kpi_term_count(); i++) {
        const vt_kpi_term *t = vt_kpi_term_at(i);
        printf("    %-22s %s\n", t->name, t->meaning);
    }
    return VT_OK;
}

/* ------------------------------------------------------------ the command */

static int print_report(sqlite3 *db, const kpis_args *a, const vt_kpi_report *rep)
{
    if (a->show == SHOW_EXPLAIN)
        return a->format == FMT_TABLE ? print_explain(rep)
                                      : write_explain_records(db, a->format, rep);
    if (a->show == SHOW_MOVEMENTS)
        return a->format == FMT_TABLE ? print_bridge_table(rep)
                                      : write_rows(db, a->format, rep, bridge, NBRIDGE);
    return a->format == FMT_TABLE ? print_kpi_table(rep) : write_rows(db, a->format, rep, NULL, 0);
}

static int run_list(out_format format)
{
    if (format == FMT_TABLE)
        return print_list_table();
    sqlite3 *mem;
    if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(mem);
        cli_errorf("kpis: cannot open an in-memory database");
        return VT_EINTERNAL;
    }
    int status = write_list_records(mem, format);
    sqlite3_close(mem);
    return status;
}

int cmd_kpis(int argc, char **argv, const vt_cli *cli)
{
    kpis_args a = {.format = FMT_TABLE, .show = SHOW_KPIS};
    if (parse_args(argc, argv, &a))
        return VT_EUSAGE;
    if (a.show == SHOW_LIST)
        return run_list(a.format);
    if (resolve_period(&a))
        return VT_EUSAGE;
    if (a.show == SHOW_MOVEMENTS)
        a.opt.monthly = 1;  /* the bridge is per month */
    sqlite3 *db;
    int status = cli_open_db(cli, 1, &db);
    if (status != VT_OK)
        return status;
    vt_kpi_report *rep;
    vt_error err;
    status = vt_kpis_compute(db, &a.opt, &rep, &err);
    if (status == VT_OK) {
        status = print_report(db, &a, rep);
        vt_kpis_free(rep);
    } else {
        cli_errorf("kpis: %s", err.msg);
    }
    vt_db_close(db);
    return status;
}
