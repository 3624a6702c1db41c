/*
 * cmd_kpis.c - `vitals kpis`: portfolio KPIs for a period (SPEC §4), as an
 * aligned table for people or CSV / JSON for programs; the MRR bridge per
 * month (--movements); each KPI's formula, numerator and denominator
 * (--explain); the definitions themselves (--list).
 *
 * The figures and their definitions come from the library (kpis.c); this
 * file parses options, computes the report and hands it to the printer of
 * the output asked for: cmd_kpis_tables.c (tables for people) or
 * cmd_kpis_records.c (CSV and JSON).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kpis_print.h"

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

typedef enum show_what { SHOW_KPIS, SHOW_MOVEMENTS, SHOW_EXPLAIN, SHOW_LIST } show_what;

typedef struct kpis_args {
    const char *from, *to, *month, *quarter;
    vt_kpi_options opt;
    kpis_format format;
    show_what show;
} kpis_args;

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

static int parse_format(const char *s, kpis_format *f)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *f = (kpis_format)i;
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

/* ------------------------------------------------------------ the command */

static int print_report(sqlite3 *db, const kpis_args *a, const vt_kpi_report *rep)
{
    if (a->show == SHOW_EXPLAIN)
        return a->format == KPIS_TABLE ? kpis_print_explain(rep)
                                       : kpis_write_explain(db, a->format, rep);
    if (a->show == SHOW_MOVEMENTS)
        return a->format == KPIS_TABLE
                   ? kpis_print_bridge(rep)
                   : kpis_write_rows(db, a->format, rep, kpis_bridge, KPIS_NBRIDGE);
    return a->format == KPIS_TABLE ? kpis_print_table(rep)
                                   : kpis_write_rows(db, a->format, rep, NULL, 0);
}

static int run_list(kpis_format format)
{
    if (format == KPIS_TABLE)
        return kpis_print_list();
    sqlite3 *mem;
    if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(mem);
        cli_errorf("kpis: cannot open an in-memory database");
        return VT_EINTERNAL;
    }
    int status = kpis_write_list(mem, format);
    sqlite3_close(mem);
    return status;
}

int cmd_kpis(int argc, char **argv, const vt_cli *cli)
{
    kpis_args a = {.format = KPIS_TABLE, .show = SHOW_KPIS};
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
