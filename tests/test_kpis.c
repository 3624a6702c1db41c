/*
 * test_kpis.c - the portfolio KPIs of SPEC §4 (vt_kpis_compute), on
 * databases loaded from the CSV fixtures of tests/fixtures/kpis/:
 *
 *   the seeds' worked examples (churn 5 %, CLV 600, NPS 40);
 *   portfolio/, ten customers over January-April 2025 with every MRR
 *   movement, every KPI worked out by hand below and asserted;
 *   edge cases: no base, no surveys, no spend, a group with no customers
 *   in the period, a bridge that does not reconcile, bad options.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vitals.h"

#define FIXTURES "tests/fixtures/kpis"

/* ---------------------------------------------------------------- helpers */

static sqlite3 *new_db(void)
{
    sqlite3 *db;
    vt_error err;
    if (vt_db_open(":memory:", &db, &err) != VT_OK || vt_schema_init(db, &err) != VT_OK)
        fail_msg("cannot create a database: %s", err.msg);
    return db;
}

static void load_as(sqlite3 *db, const char *path, const char *table)
{
    vt_load_options opt = {.table = table};
    vt_load_summary sum;
    vt_error err;
    if (vt_load_file(db, path, &opt, &sum, &err) != VT_OK)
        fail_msg("loading %s: %s (rejected %lld)", path, err.msg, sum.rejected);
}

/* A temporary CSV file to write (path receives its name). */
static FILE *temp_csv(char path[64])
{
    snprintf(path, 64, "/tmp/vitals-test-kpis-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        fail_msg("cannot create a temporary file");
    return f;
}

/* Load the temporary CSV as table, then remove it. */
static void load_temp(sqlite3 *db, FILE *f, const char *path, const char *table)
{
    fclose(f);
    load_as(db, path, table);
    unlink(path);
}

/* A database with the named tables of fixture dir loaded. */
static sqlite3 *fixture_db(const char *dir, const char *const *tables)
{
    sqlite3 *db = new_db();
    for (; *tables; tables++) {
        char path[256];
        snprintf(path, sizeof path, FIXTURES "/%s/%s.csv", dir, *tables);
        load_as(db, path, *tables);
    }
    return db;
}

static vt_day day(const char *s)
{
    vt_day d;
    if (vt_date_parse(s, &d))
        fail_msg("bad date %s", s);
    return d;
}

static vt_kpi_report *kpis(sqlite3 *db, const char *from, const char *to, const char *by,
                           int monthly)
{
    vt_kpi_options opt = {.from = day(from), .to = day(to), .by = by, .monthly = monthly};
    vt_kpi_report *rep;
    vt_error err;
    if (vt_kpis_compute(db, &opt, &rep, &err) != VT_OK)
        fail_msg("vt_kpis_compute %s..%s: %s", from, to, err.msg);
    return rep;
}

static const vt_kpi_value *get(const vt_kpi_row *row, const char *name)
{
    const vt_kpi_value *v = vt_kpi_get(row, name);
    if (!v)
        fail_msg("no KPI %s", name);
    return v;
}

/* KPI name of row is want (to 1e-9, relative: exact up to the last digits). */
static void expect(const vt_kpi_row *row, const char *name, double want)
{
    const vt_kpi_value *v = get(row, name);
    if (v->value.nil)
        fail_msg("%s: expected %.12g, got nil", name, want);
    if (fabs(v->value.v - want) > 1e-9 * fmax(1, fabs(want)))
        fail_msg("%s: expected %.12g, got %.12g", name, want, v->value.v);
}

static void expect_nil(const vt_kpi_row *row, const char *name)
{
    const vt_kpi_value *v = get(row, name);
    if (!v->value.nil)
        fail_msg("%s: expected nil, got %.12g", name, v->value.v);
}

/* The only row of a report without --by or --monthly. */
static const vt_kpi_row *only_row(const vt_kpi_report *rep)
{
    assert_int_equal(rep->nrows, 1);
    assert_true(rep->rows[0].total);
    return &rep->rows[0];
}

/* Every row's MRR bridge reconciles (vt_kpis_compute checked it too). */
static void expect_bridges(const vt_kpi_report *rep)
{
    for (int i = 0; i < rep->nrows; i++) {
        vt_error err;
        if (vt_kpis_reconcile(&rep->rows[i], &err) != VT_OK)
            fail_msg("%s", err.msg);
    }
}

static const char *const portfolio_tables[] = {"customers", "subscriptions", "surveys",
                                               "tickets", "spend", NULL};

/* ---------------------------------------------------------------- seeds */

/* Seed 004: 2,000 customers at the start of July, 100 lost in July, 50 new
 * in July: logo churn 100 / 2,000 = 5 % (the article's "0,05 %" is a slip),
 * the new customers are not in the base. */
static void test_seed_logo_churn(void **state)
{
    (void)state;
    char path[64];
    FILE *f = temp_csv(path);
    fprintf(f, "customer_id,start_date,churn_date\n");
    for (int i = 0; i < 2000; i++)  /* the base; the first 100 leave in July */
        fprintf(f, "B%04d,2024-01-01,%s\n", i, i < 100 ? "2025-07-20" : "");
    for (int i = 0; i < 50; i++)    /* new in July */
        fprintf(f, "N%02d,2025-07-%02d,\n", i, 1 + i % 31);
    sqlite3 *db = new_db();
    load_temp(db, f, path, "customers");

    vt_kpi_report *rep = kpis(db, "2025-07-01", "2025-07-31", NULL, 0);
    const vt_kpi_row *row = only_row(rep);
    expect(row, "customers_start", 2000);
    expect(row, "churned_customers", 100);
    expect(row, "new_customers", 50);
    expect(row, "customers_end", 1950);
    expect(row, "logo_churn_rate", 5);
    expect(row, "retention_rate", 95);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* Seed 004: a customer spending $50 a month for a year is worth $600.  Here:
 * 12 customers at 50 MRR, one lost in July, so the monthly churn is 1/12,
 * the lifetime 12 months, and ltv = arpa / (1/12) = 50 * 12 = 600. */
static void test_seed_clv(void **state)
{
    (void)state;
    static const char *const tables[] = {"customers", "subscriptions", NULL};
    sqlite3 *db = fixture_db("seed_clv", tables);
    vt_kpi_report *rep = kpis(db, "2025-07-01", "2025-07-31", NULL, 0);
    const vt_kpi_row *row = only_row(rep);
    expect(row, "mrr_end", 550);
    expect(row, "customers_end", 11);
    expect(row, "arpa", 50);
    expect(row, "avg_lifetime_months", 12);
    expect(row, "ltv", 600);
    expect(row, "churned_mrr", 50);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* 6 promoters, 2 passives, 2 detractors: 60 % - 20 % = 40. */
static void test_seed_nps(void **state)
{
    (void)state;
    static const char *const tables[] = {"customers", "surveys", NULL};
    sqlite3 *db = fixture_db("seed_nps", tables);
    vt_kpi_report *rep = kpis(db, "2025-07-01", "2025-07-31", NULL, 0);
    expect(only_row(rep), "nps", 40);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* ---------------------------------------------------------------- the portfolio */

/*
 * MRR by month (tests/fixtures/kpis/portfolio/subscriptions.csv):
 *
 *        Jan            Feb            Mar            Apr
 *   A    core 100       100            100            100
 *   B    core 100       150            150            200
 *   C    core 200       200            200+an 50      180+an 70
 *   D    core 300+ad 40 250+ad 40      250            250
 *   E    core 120       120            -              -     churn_date 2025-03-10
 *   F    core 80        0 (a 0 row)    90             90
 *   G    -              -              60             60    start 2025-03-05, referred by A
 *   H    -              100            100            -     start 2025-02-10, churn 2025-04-20
 *   I    core 70        -              -              70    (no segment)
 *   K    -              -              -              -     start 2025-06-01 (enterprise)
 *   Z999 500 a month, but not in customers: ignored everywhere.
 *   total 1010          960            1000           1020
 *
 * The period 2025-02-01..2025-04-30 compares January (start) with April (end):
 *   A =; B core +100 upsell; C core -20 contraction, analytics +70 cross-sell;
 *   D core -50 and addon -40 contraction; E 120 -> 0 churned; F core +10
 *   upsell; G 0 -> 60 new (first paid in March); I 70 -> 70 =; H 0 -> 0.
 *   new 60, upsell 110, cross-sell 70, expansion 180, reactivation 0,
 *   contraction 110, churned 120: 1010 + 60 + 180 + 0 - 110 - 120 = 1020.
 * Customers: base (active on 2025-01-31) A B C D E F I = 7; churned E = 1;
 *   new G H = 2 (H churns too, but was never in the base); end A B C D F G I = 7;
 *   referrals G = 1.
 * Surveys Feb-Apr (A's January 0 and Z999 left out): nps 10 9 9 10 | 8 7 | 3 6:
 *   4 promoters, 2 passives, 2 detractors of 8 -> 25; csat 5 4 3 2 -> 50 %;
 *   ces 2 3 7 -> 4.
 * Tickets: solved in the period T1 4 h (1 contact), T2 24 h (3), T5 288 h (1,
 *   opened in January), T8 2 h (2): 318 / 4 = 79.5 h, fcr 2 / 4 = 50 %.
 *   Opened in the period T1 T2 T3 T4 T6 T8 = 6: solved by April 30 T1 T2 T8
 *   (T6 on May 1) = 50 %; abandoned T3 = 1/6.
 * Renewals due in the period among the base: A (Mar 15), B (Feb 28), E (Mar
 *   1, churned Mar 10); H's is not counted (not in the base): 2/3.
 * Spend Feb-Apr: 1000 + 500 (January's 9999 is outside) -> cac 1500 / 2 = 750.
 * Monthly churn 1/7 / 3 months = 1/21: ltv = (1020 / 7) * 21 = 3060,
 *   lifetime 21 months.  avg_ticket: Feb A B C D E H = 960, Mar A B C D F G H
 *   = 1000, Apr A B C D F G I = 1020: 2980 / 20 pairs = 149.
 */
static void test_portfolio_period(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2025-02-01", "2025-04-30", NULL, 0);
    const vt_kpi_row *r = only_row(rep);
    expect(r, "customers_start", 7);
    expect(r, "churned_customers", 1);
    expect(r, "new_customers", 2);
    expect(r, "customers_end", 7);
    expect(r, "logo_churn_rate", 100.0 / 7);
    expect(r, "retention_rate", 600.0 / 7);
    expect(r, "mrr_start", 1010);
    expect(r, "mrr_end", 1020);
    expect(r, "new_mrr", 60);
    expect(r, "expansion_mrr", 180);
    expect(r, "upsell_mrr", 110);
    expect(r, "cross_sell_mrr", 70);
    expect(r, "contraction_mrr", 110);
    expect(r, "churned_mrr", 120);
    expect(r, "reactivation_mrr", 0);
    expect(r, "gross_revenue_churn_rate", 230.0 / 1010 * 100);
    expect(r, "grr", 780.0 / 1010 * 100);
    expect(r, "nrr", 960.0 / 1010 * 100);
    expect(r, "arr", 12240);
    expect(r, "nps", 25);
    expect(r, "csat", 50);
    expect(r, "ces_avg", 4);
    expect(r, "resolution_hours_avg", 79.5);
    expect(r, "fcr_rate", 50);
    expect(r, "solve_rate", 50);
    expect(r, "abandon_rate", 100.0 / 6);
    expect(r, "renewal_rate", 200.0 / 3);
    expect(r, "cac", 750);
    expect(r, "arpa", 1020.0 / 7);
    expect(r, "ltv", 3060);
    expect(r, "avg_lifetime_months", 21);
    expect(r, "avg_ticket", 149);
    expect(r, "referrals", 1);
    /* --explain's parts: numerator and denominator of a ratio */
    assert_true(get(r, "logo_churn_rate")->numerator.v == 1);
    assert_true(get(r, "logo_churn_rate")->denominator.v == 7);
    assert_true(get(r, "ltv")->denominator.v > 1.0 / 21 - 1e-12);
    expect_bridges(rep);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/*
 * Month by month, each month its own period (start = the month before):
 *   Feb: 1010 -> 960: B upsell 50; D core contraction 50; F 80 -> 0 and I 70
 *        -> 0 churned 150; H new 100.  1010 + 100 + 50 - 50 - 150 = 960.
 *        base A B C D E F I = 7, churned 0, new H, end 8; spend 1500, cac 1500.
 *   Mar: 960 -> 1000: C analytics cross-sell 50; D addon contraction 40; E
 *        churned 120; F 0 -> 90 reactivation (paid in January); G new 60.
 *        960 + 60 + 50 + 90 - 40 - 120 = 1000.
 *        base 8 (H joined), churned E, new G, end 8; no spend: cac 0.
 *   Apr: 1000 -> 1020: B upsell 50, C analytics upsell 20 and core
 *        contraction 20; H churned 100; I 0 -> 70 reactivation (no rows in
 *        Feb-Mar, paid in January).  1000 + 0 + 70 + 70 - 20 - 100 = 1020.
 *        base 8, churned H, new 0 (cac nil), end 7.
 */
static void test_portfolio_monthly(void **state)
{
    (void)state;
    static const struct {
        double start, added, upsell, cross, back, contraction, churned, end;
        double base, lost, won, last, cac;
    } want[] = {
        {1010, 100, 50, 0, 0, 50, 150, 960, 7, 0, 1, 8, 1500},
        {960, 60, 0, 50, 90, 40, 120, 1000, 8, 1, 1, 8, 0},
        {1000, 0, 70, 0, 70, 20, 100, 1020, 8, 1, 0, 7, -1},
    };
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2025-02-01", "2025-04-30", NULL, 1);
    assert_int_equal(rep->nrows, 3);
    for (int m = 0; m < 3; m++) {
        const vt_kpi_row *r = &rep->rows[m];
        assert_int_equal(r->month, 2025 * 12 + 1 + m);
        static const char *const firsts[] = {"2025-02-01", "2025-03-01", "2025-04-01"};
        assert_int_equal(r->from, day(firsts[m]));
        expect(r, "mrr_start", want[m].start);
        expect(r, "new_mrr", want[m].added);
        expect(r, "upsell_mrr", want[m].upsell);
        expect(r, "cross_sell_mrr", want[m].cross);
        expect(r, "expansion_mrr", want[m].upsell + want[m].cross);
        expect(r, "reactivation_mrr", want[m].back);
        expect(r, "contraction_mrr", want[m].contraction);
        expect(r, "churned_mrr", want[m].churned);
        expect(r, "mrr_end", want[m].end);
        expect(r, "customers_start", want[m].base);
        expect(r, "churned_customers", want[m].lost);
        expect(r, "new_customers", want[m].won);
        expect(r, "customers_end", want[m].last);
        if (want[m].cac < 0)
            expect_nil(r, "cac");
        else
            expect(r, "cac", want[m].cac);
    }
    expect_nil(&rep->rows[0], "ltv");  /* no churn in February: no finite lifetime */
    expect(&rep->rows[1], "ltv", 1000.0 / 8 * 8);  /* arpa 125 / monthly churn 1/8 */
    expect_bridges(rep);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/*
 * --by segment over the period: enterprise (K, starts in June: no customers
 * in the period), mid (C D H), smb (A B E F G), no segment (I), then total.
 *   mid: base C D, new H, end C D; MRR 540 -> 500: cross-sell 70 (C
 *        analytics), contraction 110; no churn, so ltv is nil.
 *   smb: base A B E F, churned E, new G, end A B F G; MRR 400 -> 450: new
 *        60, upsell 110, churned 120; logo churn 25 %.
 *   none: base I; 70 -> 70.
 */
static void test_portfolio_by_segment(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2025-02-01", "2025-04-30", "segment", 0);
    assert_int_equal(rep->nrows, 5);
    const vt_kpi_row *ent = &rep->rows[0], *mid = &rep->rows[1], *smb = &rep->rows[2];
    const vt_kpi_row *none = &rep->rows[3], *total = &rep->rows[4];
    assert_string_equal(ent->group, "enterprise");
    assert_string_equal(mid->group, "mid");
    assert_string_equal(smb->group, "smb");
    assert_null(none->group);
    assert_false(none->total);
    assert_true(total->total);
    assert_null(total->group);

    static const char *const zero[] = {"customers_start", "customers_end", "new_customers",
                                       "churned_customers", "mrr_start", "mrr_end", "new_mrr",
                                       "churned_mrr", "referrals", NULL};
    for (const char *const *k = zero; *k; k++)
        expect(ent, *k, 0);
    static const char *const nil[] = {"logo_churn_rate", "retention_rate", "grr", "nrr",
                                      "gross_revenue_churn_rate", "nps", "csat", "ces_avg",
                                      "resolution_hours_avg", "fcr_rate", "solve_rate",
                                      "abandon_rate", "renewal_rate", "cac", "arpa", "ltv",
                                      "avg_lifetime_months", "avg_ticket", NULL};
    for (const char *const *k = nil; *k; k++)
        expect_nil(ent, *k);

    expect(mid, "customers_start", 2);
    expect(mid, "new_customers", 1);
    expect(mid, "customers_end", 2);
    expect(mid, "mrr_start", 540);
    expect(mid, "mrr_end", 500);
    expect(mid, "cross_sell_mrr", 70);
    expect(mid, "contraction_mrr", 110);
    expect(mid, "logo_churn_rate", 0);
    expect_nil(mid, "ltv");
    expect_nil(mid, "cac");  /* spend belongs to no segment */

    expect(smb, "customers_start", 4);
    expect(smb, "churned_customers", 1);
    expect(smb, "customers_end", 4);
    expect(smb, "logo_churn_rate", 25);
    expect(smb, "mrr_start", 400);
    expect(smb, "mrr_end", 450);
    expect(smb, "new_mrr", 60);
    expect(smb, "upsell_mrr", 110);
    expect(smb, "churned_mrr", 120);
    expect(smb, "referrals", 1);

    expect(none, "customers_start", 1);
    expect(none, "mrr_start", 70);
    expect(none, "mrr_end", 70);

    expect(total, "customers_start", 7);
    expect(total, "cac", 750);
    expect(total, "nrr", 960.0 / 1010 * 100);
    expect_bridges(rep);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* The total row of --by is the ungrouped figures, to the last digit. */
static void test_total_equals_ungrouped(void **state)
{
    (void)state;
    static const char *const by[] = {"segment", "plan", "owner", "region"};
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *plain = kpis(db, "2025-02-01", "2025-04-30", NULL, 1);
    for (int b = 0; b < 4; b++) {
        vt_kpi_report *rep = kpis(db, "2025-02-01", "2025-04-30", by[b], 1);
        int per_month = rep->nrows / plain->nrows;
        for (int m = 0; m < plain->nrows; m++) {
            const vt_kpi_row *want = &plain->rows[m], *got = &rep->rows[(m + 1) * per_month - 1];
            assert_true(got->total);
            for (int k = 0; k < vt_kpi_count(); k++) {
                const vt_kpi_num *w = &want->kpis[k].value, *g = &got->kpis[k].value;
                if (w->nil != g->nil || (!w->nil && w->v != g->v))
                    fail_msg("--by %s, month %d: total %s differs", by[b], m,
                             vt_kpi_def_at(k)->name);
            }
        }
        vt_kpis_free(rep);
    }
    vt_kpis_free(plain);
    vt_db_close(db);
}

/* --by and --monthly together: a row per group and month, totals last. */
static void test_portfolio_by_month(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2025-02-01", "2025-04-30", "plan", 1);
    assert_int_equal(rep->nrows, 3 * 4);  /* basic, enterprise, pro + total */
    for (int m = 0; m < 3; m++) {
        const vt_kpi_row *total = &rep->rows[m * 4 + 3];
        assert_true(total->total);
        double sum = 0;
        for (int g = 0; g < 3; g++)
            sum += get(&rep->rows[m * 4 + g], "mrr_end")->value.v;
        expect(total, "mrr_end", sum);
    }
    expect_bridges(rep);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* ---------------------------------------------------------------- edge cases */

/* Before anyone started: counts and sums 0, every ratio nil. */
static void test_no_base(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2023-06-01", "2023-06-30", NULL, 0);
    const vt_kpi_row *r = only_row(rep);
    for (int i = 0; i < vt_kpi_count(); i++) {
        const vt_kpi_def *d = vt_kpi_def_at(i);
        if (d->denominator)
            expect_nil(r, d->name);
        else
            expect(r, d->name, 0);
    }
    vt_kpis_free(rep);

    /* January 2024: A starts on the 10th: new, but no base to churn from */
    rep = kpis(db, "2024-01-01", "2024-01-31", NULL, 0);
    r = only_row(rep);
    expect(r, "new_customers", 1);
    expect(r, "customers_end", 1);
    expect_nil(r, "logo_churn_rate");
    expect_nil(r, "retention_rate");
    expect(r, "arpa", 0);  /* no subscription rows before 2025 */
    expect(r, "cac", 0);   /* no spend rows: spend 0 for one new customer */
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* The days at the edges of the period [2025-07-01, 2025-07-31]. */
static void test_boundaries(void **state)
{
    (void)state;
    char path[64];
    FILE *f = temp_csv(path);
    fputs("customer_id,start_date,renewal_date,churn_date\n"
          "P1,2025-06-30,2025-08-01,\n"            /* base (started the day before) */
          "P2,2025-07-01,,\n"                      /* new on the first day */
          "P3,2025-07-31,,\n"                      /* new on the last day */
          "P4,2025-08-01,,\n"                      /* after the period: nothing */
          "Q1,2024-01-01,,2025-07-01\n"            /* base, churned on the first day */
          "Q2,2024-01-01,,2025-06-30\n"            /* gone before: not in the base */
          "Q3,2024-01-01,2025-07-01,2025-07-31\n"  /* base, churned on the last day */
          "Q4,2024-01-01,2025-07-31,2025-08-01\n", /* base, still active on the last day */
          f);
    sqlite3 *db = new_db();
    load_temp(db, f, path, "customers");
    vt_kpi_report *rep = kpis(db, "2025-07-01", "2025-07-31", NULL, 0);
    const vt_kpi_row *r = only_row(rep);
    expect(r, "customers_start", 4);    /* P1 Q1 Q3 Q4 */
    expect(r, "churned_customers", 2);  /* Q1 Q3 */
    expect(r, "new_customers", 2);      /* P2 P3 */
    expect(r, "customers_end", 4);      /* P1 P2 P3 Q4 */
    expect(r, "renewal_rate", 50);      /* Q3 churned by `to`, Q4 did not */
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* May 2025 has no survey answers and no tickets: nil, not 0. */
static void test_no_surveys(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2025-05-01", "2025-05-31", NULL, 0);
    const vt_kpi_row *r = only_row(rep);
    expect_nil(r, "nps");
    expect_nil(r, "csat");
    expect_nil(r, "ces_avg");
    expect(r, "resolution_hours_avg", 6);  /* T6, opened April 30 20:00, solved May 1 02:00 */
    expect_nil(r, "solve_rate");
    expect(r, "customers_start", 7);
    vt_kpis_free(rep);
    vt_db_close(db);
}

/* A partial month counts its subscriptions and spend as whole months. */
static void test_partial_months(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2025-02-15", "2025-03-10", NULL, 1);
    assert_int_equal(rep->nrows, 2);
    assert_int_equal(rep->rows[0].from, day("2025-02-15"));
    assert_int_equal(rep->rows[0].to, day("2025-02-28"));
    assert_int_equal(rep->rows[1].from, day("2025-03-01"));
    assert_int_equal(rep->rows[1].to, day("2025-03-10"));
    expect(&rep->rows[0], "new_customers", 0);  /* H started on Feb 10 */
    expect(&rep->rows[0], "mrr_end", 960);
    expect(&rep->rows[1], "churned_customers", 1);  /* E, on Mar 10 */
    vt_kpis_free(rep);

    rep = kpis(db, "2025-02-15", "2025-03-10", NULL, 0);
    const vt_kpi_row *r = only_row(rep);
    expect(r, "mrr_start", 1010);  /* January */
    expect(r, "mrr_end", 1000);    /* March */
    expect(r, "cac", 1500);        /* all of February's spend, for G */
    vt_kpis_free(rep);
    vt_db_close(db);
}

static void test_reconcile(void **state)
{
    (void)state;
    sqlite3 *db = fixture_db("portfolio", portfolio_tables);
    vt_kpi_report *rep = kpis(db, "2025-03-01", "2025-03-31", "segment", 0);
    vt_kpi_row *r = &rep->rows[2];  /* smb */
    vt_kpi_value *end = &r->kpis[vt_kpi_index("mrr_end")];
    vt_error err;
    end->value.v += 0.001;  /* within a cent: reconciles */
    assert_int_equal(vt_kpis_reconcile(r, &err), VT_OK);
    end->value.v += 0.01;
    assert_int_equal(vt_kpis_reconcile(r, &err), VT_EINTERNAL);
    assert_non_null(strstr(err.msg, "does not reconcile"));
    assert_non_null(strstr(err.msg, "2025-03-01..2025-03-31, group 'smb'"));
    end->value.nil = 1;
    assert_int_equal(vt_kpis_reconcile(r, &err), VT_EINTERNAL);
    vt_kpis_free(rep);
    vt_db_close(db);
}

static void test_bad_options(void **state)
{
    (void)state;
    sqlite3 *db = new_db();
    static vt_kpi_report untouched;
    vt_kpi_report *rep = &untouched;  /* must be set to NULL on failure */
    vt_error err;
    vt_kpi_options opt = {.from = day("2025-03-01"), .to = day("2025-02-28")};
    assert_int_equal(vt_kpis_compute(db, &opt, &rep, &err), VT_EUSAGE);
    assert_null(rep);
    assert_non_null(strstr(err.msg, "2025-03-01"));
    opt = (vt_kpi_options){.from = day("2025-03-01"), .to = day("2025-03-31"), .by = "country"};
    assert_int_equal(vt_kpis_compute(db, &opt, &rep, &err), VT_EUSAGE);
    assert_non_null(strstr(err.msg, "country"));
    vt_db_close(db);
}

/* ---------------------------------------------------------------- the definitions */

static void test_definitions(void **state)
{
    (void)state;
    static const char *const spec[] = {
        "logo_churn_rate", "retention_rate", "customers_start", "customers_end",
        "new_customers", "churned_customers", "mrr_start", "mrr_end", "new_mrr",
        "expansion_mrr", "upsell_mrr", "cross_sell_mrr", "contraction_mrr", "churned_mrr",
        "reactivation_mrr", "gross_revenue_churn_rate", "grr", "nrr", "arr", "nps", "csat",
        "ces_avg", "resolution_hours_avg", "fcr_rate", "solve_rate", "abandon_rate",
        "renewal_rate", "cac", "arpa", "ltv", "avg_lifetime_months", "avg_ticket", "referrals",
    };
    int n = (int)(sizeof spec / sizeof spec[0]);
    assert_int_equal(vt_kpi_count(), n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(vt_kpi_index(spec[i]), i);
        const vt_kpi_def *d = vt_kpi_def_at(i);
        assert_true(d->meaning[0] && d->formula[0] && d->numerator[0]);
        assert_true(d->scale == (d->unit == VT_KPI_PERCENT || !strcmp(d->name, "nps") ? 100 : 1));
    }
    assert_int_equal(vt_kpi_index("no_such_kpi"), -1);
    assert_null(vt_kpi_def_at(n));
    for (int i = 0; i < vt_kpi_term_count(); i++)
        assert_true(vt_kpi_term_at(i)->meaning[0] && vt_kpi_term_at(i)->sql[0]);
    assert_null(vt_kpi_term_at(vt_kpi_term_count()));
}

static void test_month_span(void **state)
{
    (void)state;
    vt_day from, to;
    vt_kpis_month_span(2024 * 12 + 1, 1, &from, &to);  /* February 2024, a leap year */
    assert_int_equal(from, day("2024-02-01"));
    assert_int_equal(to, day("2024-02-29"));
    vt_kpis_month_span(2025 * 12 + 9, 3, &from, &to);  /* 2025-Q4 */
    assert_int_equal(from, day("2025-10-01"));
    assert_int_equal(to, day("2025-12-31"));
    vt_kpis_month_span(9999 * 12 + 11, 1, &from, &to);
    assert_int_equal(to, day("9999-12-31"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_logo_churn),   cmocka_unit_test(test_seed_clv),
        cmocka_unit_test(test_seed_nps),          cmocka_unit_test(test_portfolio_period),
        cmocka_unit_test(test_portfolio_monthly), cmocka_unit_test(test_portfolio_by_segment),
        cmocka_unit_test(test_portfolio_by_month), cmocka_unit_test(test_total_equals_ungrouped),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_no_base),
        cmocka_unit_test(test_no_surveys),        cmocka_unit_test(test_partial_months),
        cmocka_unit_test(test_reconcile),         cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_definitions),       cmocka_unit_test(test_month_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
