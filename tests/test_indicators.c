/*
 * test_indicators.c - every built-in indicator of SPEC §3, computed by
 * vt_indicators_compute over a small hand-made portfolio
 * (the CSV files in tests/fixtures/indicators) at D = 2026-03-31, checked value by value
 * and type by type against numbers worked out by hand.
 *
 * Calendar around D (2026 is not a leap year):
 *   D+1  = 2026-04-01        D-29 = 2026-03-02 (first day of 30d)
 *   D-30 = 2026-03-01 (last day of prev 30d)   D-59 = 2026-01-31 (first of prev 30d)
 *   D-60 = 2026-01-30 (outside both)           D-89 = 2026-01-01 (first day of 90d)
 *   D-90 = 2025-12-31 (outside 90d)            D-364 = 2025-04-01 (first day of 365d)
 *   D-365 = 2025-03-31 (outside 365d)
 *   D's month is 2026-03; "3 months before" is 2025-12; the three month-steps
 *   of the 90d revenue movements are Dec->Jan, Jan->Feb, Feb->Mar, which here
 *   is also the §4 comparison of the month before D-89's month (Dec) with
 *   D's month (Mar), so both readings give the same movements.
 *
 * The fixture (see customers.csv):
 *   C01 healthy, data in every table     C02 no seats, no plan, no renewal
 *   C03 0 seats, renewal passed          C04 no data anywhere (nil vs 0)
 *   C05 churn_date = D (absent)          C06 churned earlier (absent)
 *   C07 churn_date = D+1 (present)       C08 starts on D (tenure 0)
 *   C09 starts on D+1 (absent)           C10-C12 referred by C01 at several dates
 *   C13 paid until 2025-12, nothing since (MRR fell to 0 inside the 90d)
 *   ZZ99 usage rows of an unknown customer (ignored)
 *
 * Every built-in indicator except score_change (filled by the rules engine)
 * is asserted for C01, C02, C03, C04, C07, C08 and C13; check_customer fails if an
 * expectation list omits one.  Integer-valued indicators must be VT_INT,
 * means, ratios and money VT_REAL, text VT_TEXT and missing values VT_NIL;
 * reals are compared with an absolute tolerance of 1e-9.
 *
 * Mismatches are all printed (customer.indicator: expected vs got) before
 * the test fails, so one run shows every disagreement.
 */
#include <dirent.h>
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

#define TOL 1e-9

/* ---------------------------------------------------------------- fixture */

typedef struct fixture {
    char dir[256];          /* mkdtemp directory holding the db and the CSV copies */
    sqlite3 *db;
    vt_indicators *ind;     /* computed at D = 2026-03-31 */
} fixture;

static vt_day day(const char *iso)
{
    vt_day d;
    if (vt_date_parse(iso, &d) != 0)
        fail_msg("bad date %s in the test", iso);
    return d;
}

/* tests/fixtures/indicators, found from this file's path (the tests run
 * from the repository root, where __FILE__ is "tests/test_indicators.c"). */
static void fixture_dir(char *buf, size_t len)
{
    const char *file = __FILE__, *slash = strrchr(file, '/');
    if (slash)
        snprintf(buf, len, "%.*s/fixtures/indicators", (int)(slash - file), file);
    else
        snprintf(buf, len, "fixtures/indicators");
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        fail_msg("cannot open fixture %s (run the test from the repository root)", from);
    FILE *out = fopen(to, "wb");
    assert_non_null(out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void print_reject(void *ctx, const char *path, long line, int column, const char *msg)
{
    (void)ctx;
    (void)line;
    (void)column;
    print_error("unexpected reject in %s: %s\n", path, msg);
}

/* Load fixture NAME.csv (copied into the temp dir first, so that nothing,
 * not even a rejects file, is ever written into the source tree) into
 * table (NULL: the file's base name).  Every row must load. */
static void load(fixture *f, const char *name, const char *table)
{
    char src[512], dst[512], dir[256];
    fixture_dir(dir, sizeof dir);
    snprintf(src, sizeof src, "%s/%s", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", f->dir, name);
    copy_file(src, dst);
    vt_load_options opt = {.table = table, .on_reject = print_reject};
    vt_load_summary sum;
    vt_error err = {""};
    vt_status st = vt_load_file(f->db, dst, &opt, &sum, &err);
    if (st != VT_OK)
        fail_msg("loading %s: status %d: %s", name, (int)st, err.msg);
    assert_int_equal(sum.rejected, 0);
    assert_int_equal(sum.read, sum.inserted + sum.updated);
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        print_error("%s\n", msg ? msg : "?");
        sqlite3_free(msg);
        fail_msg("SQL failed: %s", sql);
    }
}

static fixture *fixture_new(void)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/vitals-test-indicators-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    char path[512];
    snprintf(path, sizeof path, "%s/vitals.db", f->dir);
    vt_error err = {""};
    if (vt_db_open(path, &f->db, &err) != VT_OK)
        fail_msg("vt_db_open: %s", err.msg);
    if (vt_schema_init(f->db, &err) != VT_OK)
        fail_msg("vt_schema_init: %s", err.msg);
    return f;
}

static void fixture_free(fixture *f)
{
    if (!f)
        return;
    vt_indicators_free(f->ind);
    vt_db_close(f->db);
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *e;
        char path[600];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
}

static vt_indicators *compute(fixture *f, const char *as_of)
{
    vt_indicators *ind = NULL;
    vt_error err = {""};
    vt_status st = vt_indicators_compute(f->db, day(as_of), &ind, &err);
    if (st != VT_OK)
        fail_msg("vt_indicators_compute(%s): status %d: %s", as_of, (int)st, err.msg);
    assert_non_null(ind);
    return ind;
}

/*
 * Stored runs for score_prev (SPEC §3: "the customer's score in the latest
 * stored run with an as-of date before D; ties: the newest run").  run_id
 * and started_at grow together, so "newest" is the same either way.
 *
 *   run as_of        C01   C02   C03   C04
 *   1   2026-02-28   50.0  30.0
 *   2   2026-03-30   70.0  45.0
 *   3   2026-03-30   72.5  47.5              <- same as-of as run 2, newer: wins at D
 *   4   2026-03-31   99.0  99.0  88.0        <- as_of = D: not before D
 *   5   2026-04-10   10.0  10.0        77.0  <- after D
 *   6   2026-01-15    5.0   5.0              <- newest run, but an older as-of
 */
static const char runs_sql[] =
    "INSERT INTO runs (run_id, started_at, finished_at, as_of, rules_path, rules_sha256,"
    " customers, failed) VALUES"
    " (1, '2026-03-01T02:00:00Z', '2026-03-01T02:01:00Z', '2026-02-28', 'rules/health.lua', 'aa', 2, 0),"
    " (2, '2026-03-31T02:00:00Z', '2026-03-31T02:01:00Z', '2026-03-30', 'rules/health.lua', 'aa', 2, 0),"
    " (3, '2026-03-31T09:00:00Z', '2026-03-31T09:01:00Z', '2026-03-30', 'rules/health.lua', 'bb', 2, 0),"
    " (4, '2026-04-01T02:00:00Z', '2026-04-01T02:01:00Z', '2026-03-31', 'rules/health.lua', 'bb', 3, 0),"
    " (5, '2026-04-11T02:00:00Z', '2026-04-11T02:01:00Z', '2026-04-10', 'rules/health.lua', 'bb', 3, 0),"
    " (6, '2026-04-12T02:00:00Z', '2026-04-12T02:01:00Z', '2026-01-15', 'rules/health.lua', 'bb', 2, 0);"
    "INSERT INTO scores (run_id, customer_id, score, band, coverage) VALUES"
    " (1, 'C01', 50.0, 'yellow', 100), (1, 'C02', 30.0, 'red', 100),"
    " (2, 'C01', 70.0, 'yellow', 100), (2, 'C02', 45.0, 'red', 100),"
    " (3, 'C01', 72.5, 'yellow', 100), (3, 'C02', 47.5, 'red', 100),"
    " (4, 'C01', 99.0, 'green', 100), (4, 'C02', 99.0, 'green', 100), (4, 'C03', 88.0, 'green', 100),"
    " (5, 'C01', 10.0, 'red', 100), (5, 'C02', 10.0, 'red', 100), (5, 'C04', 77.0, 'green', 100),"
    " (6, 'C01', 5.0, 'red', 100), (6, 'C02', 5.0, 'red', 100);";

static int setup_portfolio(void **state)
{
    fixture *f = fixture_new();
    /* files load in any order (SPEC §2): usage and tickets go in before the
     * customers they name, the rest after */
    load(f, "usage.csv", NULL);
    load(f, "tickets.csv", NULL);
    load(f, "customers.csv", NULL);
    load(f, "subscriptions.csv", NULL);
    load(f, "features.csv", NULL);
    load(f, "adoption.csv", NULL);
    load(f, "surveys.csv", NULL);
    load(f, "engagement.csv", NULL);
    exec(f->db, runs_sql);
    f->ind = compute(f, "2026-03-31");
    *state = f;
    return 0;
}

static int teardown_portfolio(void **state)
{
    fixture_free(*state);
    return 0;
}

/* ---------------------------------------------------------------- expectations */

typedef struct expect {
    const char *name;
    vt_type type;
    long long i;
    double r;
    const char *s;
} expect;

#define XI(n, v) {n, VT_INT, (v), 0, NULL}
#define XR(n, v) {n, VT_REAL, 0, (v), NULL}
#define XT(n, v) {n, VT_TEXT, 0, 0, (v)}
#define XN(n) {n, VT_NIL, 0, 0, NULL}
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void describe(char *buf, size_t len, vt_type t, long long i, double r, const char *s)
{
    switch (t) {
    case VT_NIL: snprintf(buf, len, "nil"); break;
    case VT_INT: snprintf(buf, len, "int %lld", i); break;
    case VT_REAL: snprintf(buf, len, "real %.12g", r); break;
    case VT_TEXT: snprintf(buf, len, "text \"%s\"", s ? s : "(null)"); break;
    }
}

/* Compare one value; print and count a mismatch. */
static int check_value(const vt_indicators *ind, int row, const char *who, const expect *e)
{
    int col = vt_indicators_find(ind, e->name);
    if (col < 0) {
        print_error("%s.%s: no such column in the indicator table\n", who, e->name);
        return 1;
    }
    const vt_value *v = vt_indicators_get(ind, row, col);
    int ok = v->type == e->type;
    if (ok && e->type == VT_INT)
        ok = v->u.i == e->i;
    else if (ok && e->type == VT_REAL)
        ok = fabs(v->u.r - e->r) <= TOL;
    else if (ok && e->type == VT_TEXT)
        ok = v->u.s && strcmp(v->u.s, e->s) == 0;
    if (ok)
        return 0;
    char want[128], got[128];
    describe(want, sizeof want, e->type, e->i, e->r, e->s);
    describe(got, sizeof got, v->type, v->type == VT_INT ? v->u.i : 0,
             v->type == VT_REAL ? v->u.r : 0, v->type == VT_TEXT ? v->u.s : NULL);
    print_error("%s.%s: expected %s, got %s%s\n", who, e->name, want, got,
                v->type != e->type ? " (type differs)" : "");
    return 1;
}

/* Check one customer: every built-in indicator but score_change must be in
 * exps exactly once, and every value must match. */
static void check_customer(const vt_indicators *ind, const char *id, const expect *exps, int n)
{
    int row = vt_indicators_find_row(ind, id);
    if (row < 0)
        fail_msg("%s is not in the indicator table", id);
    for (const char *const *name = vt_builtin_indicator_names(); *name; name++) {
        if (strcmp(*name, "score_change") == 0)
            continue;
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen += strcmp(exps[i].name, *name) == 0;
        if (seen != 1)
            fail_msg("test bug: %s expectations list %s %d times", id, *name, seen);
    }
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += check_value(ind, row, id, &exps[i]);
    if (bad)
        fail_msg("%s: %d indicator(s) differ from the expected values (listed above)", id, bad);
}

/* ---------------------------------------------------------------- the active set */

static void test_active_customers(void **state)
{
    fixture *f = *state;
    const vt_indicators *ind = f->ind;
    assert_int_equal(vt_indicators_as_of(ind), day("2026-03-31"));

    /* active at D: start_date <= D and (no churn_date or churn_date > D).
     * C05 churns on D, C06 churned on 2026-02-01, C09 starts on D+1,
     * ZZ99 is not a customer at all: none of them is a row. */
    static const char *const active[] = {"C01", "C02", "C03", "C04", "C07",
                                         "C08", "C10", "C11", "C12", "C13"};
    assert_int_equal(vt_indicators_rows(ind), COUNT(active));
    for (int i = 0; i < COUNT(active); i++) {
        assert_string_equal(vt_indicators_customer(ind, i), active[i]); /* ordered by id */
        assert_int_equal(vt_indicators_find_row(ind, active[i]), i);
    }
    assert_int_equal(vt_indicators_find_row(ind, "C05"), -1); /* churn_date = D */
    assert_int_equal(vt_indicators_find_row(ind, "C06"), -1); /* churned before D */
    assert_int_equal(vt_indicators_find_row(ind, "C09"), -1); /* starts after D */
    assert_int_equal(vt_indicators_find_row(ind, "ZZ99"), -1); /* unknown customer */

    /* one column per built-in indicator except score_change */
    int n = 0;
    for (const char *const *name = vt_builtin_indicator_names(); *name; name++) {
        if (strcmp(*name, "score_change") == 0)
            continue;
        n++;
        if (vt_indicators_find(ind, *name) < 0)
            fail_msg("built-in indicator %s has no column", *name);
    }
    assert_int_equal(vt_indicators_columns(ind), n);
}

/* ---------------------------------------------------------------- C01: healthy */

/* Tickets of C01 (opened <= D unless said; T06 opened at D+1 00:00 is ignored):
 *   T01 03-10 08:00 -> 03-10 20:00 solved, normal, contacts 1, csat 5   12 h
 *   T02 02-01 00:00 -> 02-03 00:00 solved, high,   contacts 2, csat 3   48 h
 *   T03 03-20 10:00 (no zone: UTC)  open, urgent
 *   T04 03-25 09:00 -> 04-02 09:00 solved after D: still open at D, high, csat 1
 *   T05 03-05 (date only)          abandoned, urgent: never open
 *   T07 2025-12-15 00:00 -> 01-01 00:00 (the first second of 90d) solved, low,
 *       contacts 1, csat 4: 17 days = 408 h (opened before 90d, resolved inside it)
 *   T08 2025-12-20 00:00 -> 2025-12-31 23:59:59 (the last second before 90d)
 *       solved, contacts 1, csat 2: outside every 90d measure
 *   T09 03-31 23:59 (no zone)       open, low: opened on D, counted
 *   T10 03-02 00:00 (date only = midnight, the first second of 30d)
 *       -> 03-31 23:59:59 (the last second of D) solved, no contacts, no csat
 *       29 days + 86399 s = 2591999 s = 719.99972.. h
 *   T11 03-01 23:59:59 (the last second before 30d)  open, normal
 */
static const double c01_t10_hours = (29 * 86400.0 + 86399.0) / 3600.0;

static const expect c01[] = {
    /* account */
    XT("segment", "enterprise"),
    XT("plan", "pro"),
    XI("seats", 10),
    XI("tenure_days", 806),          /* 2026-03-31 - 2024-01-15: 731 (to 2026-01-15) + 16 + 28 + 31 */
    XI("days_to_renewal", 91),       /* 2026-06-30 - 2026-03-31: 30 + 31 + 30 */
    /* revenue, per month (2026-04 core 5000 is after D's month: ignored)
     *   Oct core 1000 + support 200                      = 1200
     *   Nov core 1000 + support 200 + legacy 50           = 1250
     *   Dec core 1000 + support 200 + training 100        = 1300  (3 months before)
     *   Jan core 1200 + support 200 + training 100        = 1500  (core upsell +200)
     *   Feb core 1200 + support 150 + analytics 300.25 + addon 0 = 1650.25
     *       (analytics cross-sell +300.25; support -50 and training -100 contractions)
     *   Mar core 1200 + support 150 + analytics 300.25 + addon 0 = 1650.25 */
    XR("mrr", 1650.25),
    XR("arr", 19803.0),              /* 12 * 1650.25 */
    XR("mrr_change_90d_pct", (1650.25 - 1300.0) * 100.0 / 1300.0), /* 26.9423..% vs Dec */
    XI("products", 3),               /* core, support, analytics; addon has mrr 0 */
    XR("ltv_to_date", 8550.5),       /* 1200 + 1250 + 1300 + 1500 + 1650.25 + 1650.25 */
    XR("expansion_mrr_90d", 500.25), /* upsell 200 + cross-sell 300.25 */
    XR("contraction_mrr_90d", 150.0),/* support 200 -> 150, training 100 -> 0 (a fall to 0) */
    XR("upsell_mrr_90d", 200.0),     /* core 1000 -> 1200: a product that had MRR grows */
    XR("cross_sell_mrr_90d", 300.25),/* analytics 0 -> 300.25: a new product */
    XR("tcv", 8550.5),               /* all MRR billed up to D's month */
    XR("avg_monthly_revenue", 8550.5 / 6), /* 6 paid months Oct..Mar = 1425.0833.. */
    /* usage; 30d = 03-02..03-31: 03-02 6, 03-15 8, 03-30 10, 03-31 0 -> 24 / 30 days
     * (the other 26 days have no row and count as 0); prev 30d = 01-31..03-01:
     * 01-31 3, 03-01 9 -> 12 / 30; 01-30 (50) and 2025-12-01 (40) are outside;
     * 04-01 (100) is after D */
    XR("active_users_30d", 24.0 / 30),        /* 0.8 */
    XR("active_users_prev_30d", 12.0 / 30),   /* 0.4 */
    XR("usage_trend_pct", 100.0),             /* (0.8 - 0.4) / 0.4 * 100 */
    XR("seat_utilization", 0.08),             /* 0.8 / 10 seats, a fraction */
    XI("sessions_30d", 35),          /* 10 + 20 + (empty on 03-30) + 5; 03-01's 7 is prev */
    XI("events_30d", 380),           /* 100 + 200 + 30 + 50 */
    XI("days_since_last_activity", 1), /* 03-31 has active_users 0, 03-30 has 10; 04-01 ignored */
    /* adoption; catalog: dashboards(key), reports(key), sso, api, alerts(key) = 5, 3 key.
     * In 90d (01-01..03-31): dashboards (twice: counted once), reports (empty uses = 1),
     * sso on 01-01 = D-89; not: api on D-90, alerts uses 0, alerts on D+1,
     * chatbot (not in the catalog) */
    XI("features_used_90d", 3),
    XR("adoption_pct", 60.0),        /* 3 / 5 * 100 */
    XR("key_adoption_pct", 200.0 / 3), /* dashboards, reports of 3 key: 66.66..% */
    /* surveys */
    XR("nps_last", 23.0 / 3),        /* 03-25: 10, 7, 6 from three respondents -> mean 7.66..;
                                        the 0 on 04-02 is after D */
    XR("nps_365d", 20.0),            /* 365d = 2025-04-01..D: 10 9 (promoters), 7 8 (passives),
                                        6 (detractor) -> (2 - 1) / 5 * 100; the 0 on D-365 is out */
    XR("csat_avg_90d", 4.5),         /* 01-01 4, 03-01 5; 2025-12-31 (1) is D-90: out */
    XR("ces_avg_90d", 2.75),         /* 02-10 3, 02-11 2.5; 04-01 (7) after D */
    XI("responses_365d", 10),        /* nps 5 + csat 3 (12-31 is within 365d) + ces 2; not feeling */
    XR("feeling_last", 2.0),         /* 03-01 4, 03-20 2 (latest), 04-05 5 after D */
    /* support (see the table above) */
    XI("tickets_30d", 6),            /* T01 T03 T04 T05 T09 T10 (not T11, T02, T06) */
    XI("tickets_open", 4),           /* T03, T04 (solved after D), T09, T11; T05 abandoned */
    XI("tickets_urgent_open", 2),    /* T03 urgent, T04 high; T05 abandoned, T06 after D */
    XR("resolution_hours_avg_90d", (12.0 + 48.0 + 408.0 + c01_t10_hours) / 4),
                                     /* T01 T02 T07 T10 resolved in 90d: 296.9999.. h */
    XR("fcr_rate_90d", 50.0),        /* solved in 90d: T01 (1), T02 (2), T07 (1), T10 (none) */
    XR("solve_rate_90d", 37.5),      /* opened in 90d: T01 T02 T03 T04 T05 T09 T10 T11 = 8;
                                        solved by D: T01 T02 T10 = 3 */
    XR("abandon_rate_90d", 12.5),    /* T05: 1 / 8 */
    XR("ticket_csat_avg_90d", 4.0),  /* T01 5, T02 3, T07 4 (T10 has none; T08's 2 is out) */
    /* engagement; 90d: 03-10 webinar 2, 03-10 meeting (empty = 1), 01-01 qbr 1 (D-89),
     * 03-28 webinar (empty = 1); not 2025-12-31 webinar 5 (D-90), 04-01 webinar 10 (D+1) */
    XI("engagements_90d", 5),        /* 2 + 1 + 1 + 1 */
    XI("webinars_90d", 3),           /* 2 + 1 */
    XI("days_since_last_engagement", 3), /* D - 03-28 */
    XI("referrals_365d", 3),         /* referred_by C01 with start_date in 2025-04-01..D:
                                        C05 (2025-05-01; churned since, still a referral),
                                        C10 (2025-06-01), C12 (2025-04-01 = D-364);
                                        not C11 (2025-03-31 = D-365), C09 (starts D+1) */
    /* history */
    XR("score_prev", 72.5),          /* runs 2 and 3 share the latest as-of before D
                                        (2026-03-30): run 3 is newer; run 4 (as_of D),
                                        5 (after D) and 6 (newest, as_of 01-15) are not it */
};

static void test_healthy_customer(void **state)
{
    fixture *f = *state;
    check_customer(f->ind, "C01", c01, COUNT(c01));
}

/* ---------------------------------------------------------------- C02: no seats */

static const expect c02[] = {
    XT("segment", "smb"),
    XN("plan"),                      /* empty in the CSV */
    XN("seats"),                     /* empty in the CSV */
    XI("tenure_days", 454),          /* 2026-03-31 - 2025-01-01: 365 + 31 + 28 + 30 */
    XN("days_to_renewal"),           /* no renewal_date */
    /* Dec core 0 (an explicit 0 row), Jan 100, Feb 100, Mar 100 */
    XR("mrr", 100.0),
    XR("arr", 1200.0),
    XN("mrr_change_90d_pct"),        /* the month 3 months before (Dec) was 0 */
    XI("products", 1),
    XR("ltv_to_date", 300.0),
    XR("expansion_mrr_90d", 0.0),    /* Dec 0 -> Jan 100 is a new customer's first MRR, */
    XR("contraction_mrr_90d", 0.0),  /* not an expansion or a cross-sell */
    XR("upsell_mrr_90d", 0.0),
    XR("cross_sell_mrr_90d", 0.0),
    XR("tcv", 300.0),
    XR("avg_monthly_revenue", 100.0),/* 300 over 3 paid months (Dec had 0) */
    /* usage: one row, 03-20 active 3, no sessions or events */
    XR("active_users_30d", 0.1),     /* 3 / 30 */
    XR("active_users_prev_30d", 0.0),
    XN("usage_trend_pct"),           /* prev 30d is 0: zero denominator */
    XN("seat_utilization"),          /* no seats */
    XI("sessions_30d", 0),           /* a sum with no values is 0 */
    XI("events_30d", 0),
    XI("days_since_last_activity", 11), /* D - 03-20 */
    XI("features_used_90d", 0),
    XR("adoption_pct", 0.0),
    XR("key_adoption_pct", 0.0),
    /* surveys: one nps 9 on 2025-01-10, more than 365 days ago */
    XR("nps_last", 9.0),             /* "last" has no window */
    XN("nps_365d"),                  /* no response in 365d */
    XN("csat_avg_90d"),
    XN("ces_avg_90d"),
    XI("responses_365d", 0),
    XN("feeling_last"),
    /* tickets: T20 opened 03-01 10:00 (D-30: in 90d, not 30d), abandoned */
    XI("tickets_30d", 0),
    XI("tickets_open", 0),
    XI("tickets_urgent_open", 0),
    XN("resolution_hours_avg_90d"),
    XN("fcr_rate_90d"),              /* nothing solved in 90d */
    XR("solve_rate_90d", 0.0),       /* 0 of 1 opened in 90d */
    XR("abandon_rate_90d", 100.0),   /* 1 of 1 */
    XN("ticket_csat_avg_90d"),
    /* engagement: one event (count 4) on 2025-11-01 */
    XI("engagements_90d", 0),
    XI("webinars_90d", 0),
    XI("days_since_last_engagement", 150), /* D - 2025-11-01 */
    XI("referrals_365d", 0),         /* C07 names C02 but started 2024-07-01 */
    XR("score_prev", 47.5),          /* run 3 (as_of 03-30, newer than run 2) */
};

static void test_customer_without_seats(void **state)
{
    fixture *f = *state;
    check_customer(f->ind, "C02", c02, COUNT(c02));
}

/* ---------------------------------------------------------------- C03: 0 seats */

static const expect c03[] = {
    XT("segment", "mid-market"),
    XT("plan", "basic"),
    XI("seats", 0),
    XI("tenure_days", 423),          /* 2026-03-31 - 2025-02-01 */
    XI("days_to_renewal", -30),      /* renewal 2026-03-01 has passed */
    /* no subscriptions: sums 0, ratios and means nil */
    XR("mrr", 0.0),
    XR("arr", 0.0),
    XN("mrr_change_90d_pct"),
    XI("products", 0),
    XR("ltv_to_date", 0.0),
    XR("expansion_mrr_90d", 0.0),
    XR("contraction_mrr_90d", 0.0),
    XR("upsell_mrr_90d", 0.0),
    XR("cross_sell_mrr_90d", 0.0),
    XR("tcv", 0.0),
    XN("avg_monthly_revenue"),       /* no paid month */
    /* usage: one row 02-15 (inside prev 30d): active 6, sessions 4, events 40 */
    XR("active_users_30d", 0.0),
    XR("active_users_prev_30d", 0.2),/* 6 / 30 */
    XR("usage_trend_pct", -100.0),   /* (0 - 0.2) / 0.2 * 100 */
    XN("seat_utilization"),          /* 0 seats: zero denominator */
    XI("sessions_30d", 0),
    XI("events_30d", 0),
    XI("days_since_last_activity", 44), /* D - 2026-02-15: 13 + 31 */
    XI("features_used_90d", 0),
    XR("adoption_pct", 0.0),
    XR("key_adoption_pct", 0.0),
    /* surveys: one csat 2 on 03-30 */
    XN("nps_last"),
    XN("nps_365d"),
    XR("csat_avg_90d", 2.0),
    XN("ces_avg_90d"),
    XI("responses_365d", 1),
    XN("feeling_last"),
    XI("tickets_30d", 0),
    XI("tickets_open", 0),
    XI("tickets_urgent_open", 0),
    XN("resolution_hours_avg_90d"),
    XN("fcr_rate_90d"),
    XN("solve_rate_90d"),
    XN("abandon_rate_90d"),
    XN("ticket_csat_avg_90d"),
    XI("engagements_90d", 0),
    XI("webinars_90d", 0),
    XN("days_since_last_engagement"),
    XI("referrals_365d", 0),
    XN("score_prev"),                /* its only score is in run 4, as_of = D */
};

static void test_customer_with_zero_seats(void **state)
{
    fixture *f = *state;
    check_customer(f->ind, "C03", c03, COUNT(c03));
}

/* ---------------------------------------------------------------- C04: no data */

static const expect c04[] = {
    XT("segment", "smb"),
    XT("plan", "basic"),
    XI("seats", 5),
    XI("tenure_days", 303),          /* 2026-03-31 - 2025-06-01 */
    XI("days_to_renewal", 290),      /* 2027-01-15 - 2026-03-31 */
    XR("mrr", 0.0),
    XR("arr", 0.0),
    XN("mrr_change_90d_pct"),
    XI("products", 0),
    XR("ltv_to_date", 0.0),
    XR("expansion_mrr_90d", 0.0),
    XR("contraction_mrr_90d", 0.0),
    XR("upsell_mrr_90d", 0.0),
    XR("cross_sell_mrr_90d", 0.0),
    XR("tcv", 0.0),
    XN("avg_monthly_revenue"),
    XR("active_users_30d", 0.0),     /* 30 days without rows, each 0 */
    XR("active_users_prev_30d", 0.0),
    XN("usage_trend_pct"),
    XR("seat_utilization", 0.0),     /* 0 / 5 seats: a real 0, not nil */
    XI("sessions_30d", 0),
    XI("events_30d", 0),
    XN("days_since_last_activity"),  /* never active */
    XI("features_used_90d", 0),
    XR("adoption_pct", 0.0),         /* 0 / 5 catalog features */
    XR("key_adoption_pct", 0.0),     /* 0 / 3 key features */
    XN("nps_last"),                  /* no survey answered is not a score of 0 */
    XN("nps_365d"),
    XN("csat_avg_90d"),
    XN("ces_avg_90d"),
    XI("responses_365d", 0),
    XN("feeling_last"),
    XI("tickets_30d", 0),
    XI("tickets_open", 0),
    XI("tickets_urgent_open", 0),
    XN("resolution_hours_avg_90d"),
    XN("fcr_rate_90d"),
    XN("solve_rate_90d"),
    XN("abandon_rate_90d"),
    XN("ticket_csat_avg_90d"),
    XI("engagements_90d", 0),
    XI("webinars_90d", 0),
    XN("days_since_last_engagement"),
    XI("referrals_365d", 0),
    XN("score_prev"),                /* its only score is in run 5, after D */
};

static void test_customer_without_data(void **state)
{
    fixture *f = *state;
    check_customer(f->ind, "C04", c04, COUNT(c04));
}

/* ---------------------------------------------------------------- C07: churns at D+1 */

static const expect c07[] = {
    XT("segment", "smb"),
    XT("plan", "pro"),
    XI("seats", 4),
    XI("tenure_days", 638),          /* 2026-03-31 - 2024-07-01 */
    XI("days_to_renewal", 1),        /* 2026-04-01 */
    /* core Dec 500, Jan 500, Feb 500, Mar 400 */
    XR("mrr", 400.0),
    XR("arr", 4800.0),
    XR("mrr_change_90d_pct", -20.0), /* (400 - 500) / 500 * 100 */
    XI("products", 1),
    XR("ltv_to_date", 1900.0),
    XR("expansion_mrr_90d", 0.0),
    XR("contraction_mrr_90d", 100.0),/* Feb 500 -> Mar 400 */
    XR("upsell_mrr_90d", 0.0),
    XR("cross_sell_mrr_90d", 0.0),
    XR("tcv", 1900.0),
    XR("avg_monthly_revenue", 475.0),/* 1900 / 4 */
    /* usage: 03-31 (D) active 2, sessions 1, events 1 */
    XR("active_users_30d", 2.0 / 30),
    XR("active_users_prev_30d", 0.0),
    XN("usage_trend_pct"),
    XR("seat_utilization", 2.0 / 30 / 4), /* 0.01666.. */
    XI("sessions_30d", 1),
    XI("events_30d", 1),
    XI("days_since_last_activity", 0),
    /* adoption: api (in the catalog, not key) on 03-01 */
    XI("features_used_90d", 1),
    XR("adoption_pct", 20.0),        /* 1 / 5 */
    XR("key_adoption_pct", 0.0),     /* 0 / 3 */
    /* surveys: nps 9 and feeling 3 on 02-01 */
    XR("nps_last", 9.0),
    XR("nps_365d", 100.0),           /* one promoter of one */
    XN("csat_avg_90d"),
    XN("ces_avg_90d"),
    XI("responses_365d", 1),         /* the feeling is not a response */
    XR("feeling_last", 3.0),
    /* tickets: T30 opened 03-15, open, normal */
    XI("tickets_30d", 1),
    XI("tickets_open", 1),
    XI("tickets_urgent_open", 0),
    XN("resolution_hours_avg_90d"),
    XN("fcr_rate_90d"),              /* none solved in 90d: zero denominator */
    XR("solve_rate_90d", 0.0),       /* 0 of 1 */
    XR("abandon_rate_90d", 0.0),
    XN("ticket_csat_avg_90d"),
    XI("engagements_90d", 0),
    XI("webinars_90d", 0),
    XN("days_since_last_engagement"),
    XI("referrals_365d", 0),
    XN("score_prev"),
};

static void test_customer_churning_tomorrow(void **state)
{
    fixture *f = *state;
    check_customer(f->ind, "C07", c07, COUNT(c07));
}

/* ---------------------------------------------------------------- C08: starts on D */

static const expect c08[] = {
    XT("segment", "enterprise"),
    XT("plan", "pro"),
    XI("seats", 20),
    XI("tenure_days", 0),            /* first day */
    XI("days_to_renewal", 365),      /* 2027-03-31 */
    /* core 800 in Mar only */
    XR("mrr", 800.0),
    XR("arr", 9600.0),
    XN("mrr_change_90d_pct"),        /* nothing 3 months before */
    XI("products", 1),
    XR("ltv_to_date", 800.0),
    XR("expansion_mrr_90d", 0.0),    /* new MRR, not expansion */
    XR("contraction_mrr_90d", 0.0),
    XR("upsell_mrr_90d", 0.0),
    XR("cross_sell_mrr_90d", 0.0),
    XR("tcv", 800.0),
    XR("avg_monthly_revenue", 800.0),
    /* usage: 03-31 active 5, sessions 2, events 20; still a mean over 30 days */
    XR("active_users_30d", 5.0 / 30),
    XR("active_users_prev_30d", 0.0),
    XN("usage_trend_pct"),
    XR("seat_utilization", 5.0 / 30 / 20), /* 0.00833.. */
    XI("sessions_30d", 2),
    XI("events_30d", 20),
    XI("days_since_last_activity", 0),
    XI("features_used_90d", 0),
    XR("adoption_pct", 0.0),
    XR("key_adoption_pct", 0.0),
    XN("nps_last"),
    XN("nps_365d"),
    XN("csat_avg_90d"),
    XN("ces_avg_90d"),
    XI("responses_365d", 0),
    XN("feeling_last"),
    XI("tickets_30d", 0),
    XI("tickets_open", 0),
    XI("tickets_urgent_open", 0),
    XN("resolution_hours_avg_90d"),
    XN("fcr_rate_90d"),
    XN("solve_rate_90d"),
    XN("abandon_rate_90d"),
    XN("ticket_csat_avg_90d"),
    /* engagement: qbr count 3 on D */
    XI("engagements_90d", 3),
    XI("webinars_90d", 0),
    XI("days_since_last_engagement", 0),
    XI("referrals_365d", 0),
    XN("score_prev"),
};

static void test_customer_starting_on_d(void **state)
{
    fixture *f = *state;
    check_customer(f->ind, "C08", c08, COUNT(c08));
}

/* ---------------------------------------------------------------- C13: lapsed payer */

static const expect c13[] = {
    XT("segment", "smb"),
    XT("plan", "basic"),
    XI("seats", 1),
    XI("tenure_days", 454),          /* 2026-03-31 - 2025-01-01 */
    XN("days_to_renewal"),
    /* core Oct 50, Nov 50, Dec 50, nothing in Jan..Mar: the month of D has no
     * row, so MRR is the money amount 0 (a real, like every other customer's
     * mrr, not an integer 0) */
    XR("mrr", 0.0),
    XR("arr", 0.0),
    XR("mrr_change_90d_pct", -100.0),/* (0 - 50) / 50 * 100 vs Dec */
    XI("products", 0),
    XR("ltv_to_date", 150.0),
    XR("expansion_mrr_90d", 0.0),
    XR("contraction_mrr_90d", 0.0),  /* Dec 50 -> Jan 0: the customer's MRR falls to 0,
                                        which is churned MRR, not a contraction (SPEC §4) */
    XR("upsell_mrr_90d", 0.0),
    XR("cross_sell_mrr_90d", 0.0),
    XR("tcv", 150.0),
    XR("avg_monthly_revenue", 50.0), /* 150 / 3 paid months */
    XR("active_users_30d", 0.0),
    XR("active_users_prev_30d", 0.0),
    XN("usage_trend_pct"),
    XR("seat_utilization", 0.0),     /* 0 / 1 seat */
    XI("sessions_30d", 0),
    XI("events_30d", 0),
    XN("days_since_last_activity"),
    XI("features_used_90d", 0),
    XR("adoption_pct", 0.0),
    XR("key_adoption_pct", 0.0),
    XN("nps_last"),
    XN("nps_365d"),
    XN("csat_avg_90d"),
    XN("ces_avg_90d"),
    XI("responses_365d", 0),
    XN("feeling_last"),
    XI("tickets_30d", 0),
    XI("tickets_open", 0),
    XI("tickets_urgent_open", 0),
    XN("resolution_hours_avg_90d"),
    XN("fcr_rate_90d"),
    XN("solve_rate_90d"),
    XN("abandon_rate_90d"),
    XN("ticket_csat_avg_90d"),
    XI("engagements_90d", 0),
    XI("webinars_90d", 0),
    XN("days_since_last_engagement"),
    XI("referrals_365d", 0),
    XN("score_prev"),
};

static void test_customer_whose_mrr_lapsed(void **state)
{
    fixture *f = *state;
    check_customer(f->ind, "C13", c13, COUNT(c13));
}

/* ---------------------------------------------------------------- score_prev at other dates */

static void expect_score_prev(const vt_indicators *ind, const char *id, int is_nil, double want)
{
    int row = vt_indicators_find_row(ind, id), col = vt_indicators_find(ind, "score_prev");
    assert_true(row >= 0);
    assert_true(col >= 0);
    expect e = is_nil ? (expect)XN("score_prev") : (expect)XR("score_prev", want);
    if (check_value(ind, row, id, &e))
        fail_msg("%s.score_prev differs (see above)", id);
}

static void test_score_prev_at_other_dates(void **state)
{
    fixture *f = *state;
    /* D = 2026-03-30: runs 2 and 3 (as_of 03-30) are not before D; the
     * latest as-of before it is run 1 (02-28), not run 6 (newer, 01-15) */
    vt_indicators *ind = compute(f, "2026-03-30");
    expect_score_prev(ind, "C01", 0, 50.0);
    expect_score_prev(ind, "C02", 0, 30.0);
    vt_indicators_free(ind);

    /* D = 2026-04-11: run 5 (as_of 04-10) is the latest before D */
    ind = compute(f, "2026-04-11");
    expect_score_prev(ind, "C01", 0, 10.0);
    expect_score_prev(ind, "C04", 0, 77.0);
    /* SPEC §3: "the customer's score in the latest stored run with an as-of
     * date before D": that run is run 5, which did not score C03, so nil even
     * though run 4 (as_of 03-31) did */
    expect_score_prev(ind, "C03", 1, 0);
    vt_indicators_free(ind);

    /* D = 2026-01-15: run 6 has as_of = D, nothing is before it */
    ind = compute(f, "2026-01-15");
    expect_score_prev(ind, "C01", 1, 0);
    expect_score_prev(ind, "C02", 1, 0);
    vt_indicators_free(ind);
}

/* ---------------------------------------------------------------- the feature catalogue */

/* adoption_pct and key_adoption_pct are ratios: with no features (or no key
 * features) in the catalogue the denominator is 0 and they are nil. */
static void test_adoption_without_catalog(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    load(f, "customers.csv", NULL);
    load(f, "adoption.csv", NULL);
    f->ind = compute(f, "2026-03-31");
    static const expect empty_catalog[] = {
        XI("features_used_90d", 0),  /* only catalogue features count */
        XN("adoption_pct"),          /* 0 / 0 */
        XN("key_adoption_pct"),      /* 0 / 0 */
    };
    int row = vt_indicators_find_row(f->ind, "C01"), bad = 0;
    assert_true(row >= 0);
    for (int i = 0; i < COUNT(empty_catalog); i++)
        bad += check_value(f->ind, row, "C01 (empty catalogue)", &empty_catalog[i]);
    assert_int_equal(bad, 0);
    vt_indicators_free(f->ind);

    /* catalogue: dashboards (key false), sso (key no): 2 features, 0 key */
    load(f, "features_nokey.csv", "features");
    f->ind = compute(f, "2026-03-31");
    static const expect c01_nokey[] = {
        XI("features_used_90d", 2),  /* dashboards and sso; reports is not in it now */
        XR("adoption_pct", 100.0),   /* 2 / 2 */
        XN("key_adoption_pct"),      /* no key features: 0 / 0 */
    };
    static const expect c07_nokey[] = {
        XI("features_used_90d", 0),  /* api is not in this catalogue */
        XR("adoption_pct", 0.0),
        XN("key_adoption_pct"),
    };
    row = vt_indicators_find_row(f->ind, "C01");
    assert_true(row >= 0);
    for (int i = 0; i < COUNT(c01_nokey); i++)
        bad += check_value(f->ind, row, "C01 (catalogue without key features)", &c01_nokey[i]);
    row = vt_indicators_find_row(f->ind, "C07");
    assert_true(row >= 0);
    for (int i = 0; i < COUNT(c07_nokey); i++)
        bad += check_value(f->ind, row, "C07 (catalogue without key features)", &c07_nokey[i]);
    fixture_free(f);
    assert_int_equal(bad, 0);
}

/* ---------------------------------------------------------------- main */

int main(void)
{
    const struct CMUnitTest portfolio[] = {
        cmocka_unit_test(test_active_customers),
        cmocka_unit_test(test_healthy_customer),
        cmocka_unit_test(test_customer_without_seats),
        cmocka_unit_test(test_customer_with_zero_seats),
        cmocka_unit_test(test_customer_without_data),
        cmocka_unit_test(test_customer_churning_tomorrow),
        cmocka_unit_test(test_customer_starting_on_d),
        cmocka_unit_test(test_customer_whose_mrr_lapsed),
        cmocka_unit_test(test_score_prev_at_other_dates),
    };
    const struct CMUnitTest standalone[] = {
        cmocka_unit_test(test_adoption_without_catalog),
    };
    int failed = cmocka_run_group_tests_name("indicators (portfolio at 2026-03-31)", portfolio,
                                             setup_portfolio, teardown_portfolio);
    failed += cmocka_run_group_tests_name("indicators (feature catalogue)", standalone, NULL, NULL);
    return failed ? 1 : 0;
}
