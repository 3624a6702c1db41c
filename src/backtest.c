/*
 * backtest.c - how well a rule file would have predicted churn (SPEC §1
 * `backtest`): score every customer active at a past date D in a dry run
 * (nothing stored, the database only read), then compare with what happened
 * next: a customer churned when its churn_date is in (D, D + horizon].
 *
 * The figures, all over the customers the rules scored (those whose rules
 * failed are counted apart and left out):
 *   auc        the probability that a random churner scores lower than a
 *              random non-churner, ties counting 1/2; exact, from the rank
 *              sum of the non-churners (Mann-Whitney U), in integers;
 *   red        precision and recall of "in the lowest band" for churn, and
 *              the churners' ARR it catches; red_yellow the same for the two
 *              lowest bands;
 *   bands      per band: customers, churners, churn rate.
 * The backtest judges the rules, so it takes the band and score the rules
 * computed (flags that force a band included) and not a CSM's override: an
 * override is set today and would leak the future into the past.
 * Every ratio with an empty denominator is nil, never 0.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vitals.h"

#define MAX_HORIZON_DAYS 36500   /* a century: beyond it D + horizon is noise */

/* ---------------------------------------------------------------- arithmetic */

static vt_kpi_num ratio(double num, double den, double scale)
{
    vt_kpi_num r = {0, 1};
    if (den != 0) {
        r.v = num / den * scale;
        r.nil = 0;
    }
    return r;
}

static int by_score(const void *a, const void *b)
{
    const vt_backtest_obs *x = a, *y = b;
    return (x->score > y->score) - (x->score < y->score);
}

/* Twice the rank sum of the non-churners among obs sorted by score, ties
 * sharing their average rank: a group of equal scores at 0-based positions
 * i..j-1 has the ranks i+1..j, average (i+1+j)/2. */
static long long twice_rank_sum_negatives(const vt_backtest_obs *sorted, size_t n)
{
    long long sum2 = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        long long negatives = 0;
        while (j < n && sorted[j].score == sorted[i].score)
            negatives += !sorted[j++].churned;
        sum2 += negatives * (long long)(i + 1 + j);
        i = j;
    }
    return sum2;
}

vt_status vt_backtest_auc(const vt_backtest_obs *obs, size_t n, vt_kpi_num *auc, vt_error *err)
{
    auc->v = 0;
    auc->nil = 1;
    long long n1 = 0;
    for (size_t i = 0; i < n; i++)
        n1 += obs[i].churned != 0;
    long long n0 = (long long)n - n1;
    if (n0 == 0 || n1 == 0)
        return VT_OK;
    vt_backtest_obs *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    memcpy(sorted, obs, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_score);
    /* 2U = 2R0 - n0(n0+1): twice the pairs where the non-churner scores
     * higher, ties counting 1 (half of 2). */
    long long u2 = twice_rank_sum_negatives(sorted, n) - n0 * (n0 + 1);
    free(sorted);
    auc->v = (double)u2 / (2.0 * (double)n0 * (double)n1);
    auc->nil = 0;
    return VT_OK;
}

void vt_backtest_classify(const vt_backtest_obs *obs, size_t n, int max_band,
                          vt_backtest_pr *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        int in = obs[i].band >= 0 && obs[i].band <= max_band;
        out->flagged += in;
        if (!obs[i].churned)
            continue;
        out->churners++;
        out->churned_arr += obs[i].arr;
        if (in) {
            out->caught++;
            out->arr_caught += obs[i].arr;
        }
    }
    out->precision = ratio((double)out->caught, (double)out->flagged, 100);
    out->recall = ratio((double)out->caught, (double)out->churners, 100);
    out->arr_caught_pct = ratio(out->arr_caught, out->churned_arr, 100);
}

/* ---------------------------------------------------------------- collecting */

/* One customer of the dry run. */
typedef struct bt_row {
    char *customer_id;
    double score, arr;
    int band;            /* index in the rule file's bands, -1 when failed */
    int failed, churned;
} bt_row;

typedef struct bt_ctx {
    bt_row *rows;
    size_t n, cap;
    int oom;
    int n_bands;
    char bands[VT_MAX_BANDS][32];
    long long overridden;
} bt_ctx;

static int band_index(const bt_ctx *c, const char *band)
{
    for (int i = 0; band && i < c->n_bands; i++)
        if (strcmp(c->bands[i], band) == 0)
            return i;
    return -1;
}

static bt_row *next_row(bt_ctx *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        bt_row *rows = realloc(c->rows, cap * sizeof *rows);
        if (!rows)
            return NULL;
        c->rows = rows;
        c->cap = cap;
    }
    return &c->rows[c->n];
}

/* vt_score_run_each's callback: keep what the comparison needs. */
static void on_row(void *ctx, const vt_score_row *row)
{
    bt_ctx *c = ctx;
    bt_row *r = c->oom ? NULL : next_row(c);
    char *id = r ? strdup(row->customer_id) : NULL;
    if (!id) {
        c->oom = 1;
        return;
    }
    memset(r, 0, sizeof *r);
    r->customer_id = id;
    r->failed = row->failed;
    r->arr = row->arr;
    r->band = row->failed ? -1 : band_index(c, row->result->band);
    r->score = row->failed ? 0 : row->result->score;
    c->overridden += !row->failed && row->overridden;
    c->n++;
}

static void ctx_free(bt_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->rows[i].customer_id);
    free(c->rows);
}

/* The rule file's bands, ascending (loaded once more on its own: the run's
 * summary also lists the bands only overrides use). */
static vt_status load_bands(const char *path, const vt_rule_limits *lim, bt_ctx *c,
                            vt_error *err)
{
    vt_rule_limits defaults;
    if (!lim) {
        vt_rule_limits_default(&defaults);
        lim = &defaults;
    }
    vt_rules *r;
    vt_status st = vt_rules_load(path, lim, &r, err);
    if (st != VT_OK)
        return st;
    int n = vt_rules_band_count(r);
    for (int i = 0; i < n && c->n_bands < VT_MAX_BANDS; i++)
        snprintf(c->bands[c->n_bands++], sizeof c->bands[0], "%s", vt_rules_band_name(r, i));
    vt_rules_free(r);
    return VT_OK;
}

static int by_customer(const void *a, const void *b)
{
    return strcmp(((const bt_row *)a)->customer_id, ((const bt_row *)b)->customer_id);
}

/* Mark the customers whose churn_date is in (as_of, end]. */
static vt_status mark_churners(sqlite3 *db, bt_ctx *c, const char *as_of, const char *end,
                               vt_error *err)
{
    if (c->n > 1)
        qsort(c->rows, c->n, sizeof *c->rows, by_customer);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT customer_id FROM customers"
                               " WHERE churn_date > ?1 AND churn_date <= ?2", -1, &q,
                           NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "reading churn dates: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, as_of, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, end, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        bt_row key = {.customer_id = (char *)sqlite3_column_text(q, 0)};
        bt_row *r = key.customer_id && c->n
                        ? bsearch(&key, c->rows, c->n, sizeof *c->rows, by_customer) : NULL;
        if (r)      /* else not active at as_of: not scored, not counted */
            r->churned = 1;
    }
    vt_status st = VT_OK;
    if (rc != SQLITE_DONE)
        st = vt_fail(err, VT_EINTERNAL, "reading churn dates: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return st;
}

/* The latest usage date, the end of the data the outcomes can come from. */
static vt_status read_data_end(sqlite3 *db, vt_backtest_summary *sum, vt_error *err)
{
    sqlite3_stmt *q;
    /* data_usage keeps day numbers (the usage view converts every row) */
    if (sqlite3_prepare_v2(db, "SELECT date(max(date) + 2440587.5) FROM data_usage", -1, &q,
                           NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "reading the latest usage date: %s",
                       sqlite3_errmsg(db));
    vt_status st = VT_OK;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(q, 0);
        snprintf(sum->data_end, sizeof sum->data_end, "%s", d ? d : "");
    } else {
        st = vt_fail(err, VT_EINTERNAL, "reading the latest usage date: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    sum->window_incomplete = !sum->data_end[0] || strcmp(sum->window_end, sum->data_end) > 0;
    return st;
}

/* ---------------------------------------------------------------- figures */

/* Counts of the failed customers, the band table, and the scored customers
 * as observations (*obs: malloc'ed, *n of them). */
static vt_status tally(const bt_ctx *c, vt_backtest_summary *sum, vt_backtest_obs **obs,
                       size_t *n, vt_error *err)
{
    *obs = malloc((c->n ? c->n : 1) * sizeof **obs);
    if (!*obs)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    *n = 0;
    sum->n_bands = c->n_bands;
    for (int i = 0; i < c->n_bands; i++)
        snprintf(sum->bands[i].name, sizeof sum->bands[i].name, "%s", c->bands[i]);
    for (size_t i = 0; i < c->n; i++) {
        const bt_row *r = &c->rows[i];
        sum->customers++;
        if (r->failed) {
            sum->failed++;
            sum->failed_churners += r->churned;
            continue;
        }
        (*obs)[(*n)++] = (vt_backtest_obs){r->score, r->band, r->arr, r->churned};
        sum->churners += r->churned;
        if (r->band >= 0) {
            vt_backtest_band *b = &sum->bands[r->band];
            b->customers++;
            b->churners += r->churned;
            b->arr += r->arr;
        }
    }
    sum->scored = (long long)*n;
    for (int i = 0; i < sum->n_bands; i++)
        sum->bands[i].churn_rate = ratio((double)sum->bands[i].churners,
                                         (double)sum->bands[i].customers, 100);
    sum->churn_rate = ratio((double)sum->churners, (double)sum->scored, 100);
    return VT_OK;
}

static vt_status compute_figures(const bt_ctx *c, vt_backtest_summary *sum, vt_error *err)
{
    vt_backtest_obs *obs;
    size_t n = 0;
    vt_status st = tally(c, sum, &obs, &n, err);
    if (st != VT_OK)
        return st;
    st = vt_backtest_auc(obs, n, &sum->auc, err);
    sum->overridden = c->overridden;
    if (c->n_bands > 0)      /* a rule file always has bands (defaults when it declares none) */
        snprintf(sum->low_band, sizeof sum->low_band, "%s", c->bands[0]);
    vt_backtest_classify(obs, n, 0, &sum->red);
    if (c->n_bands > 1)
        snprintf(sum->low_bands, sizeof sum->low_bands, "%s+%s", c->bands[0], c->bands[1]);
    vt_backtest_classify(obs, c->n_bands > 1 ? n : 0, 1, &sum->red_yellow);
    free(obs);
    return st;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static vt_status start(const vt_backtest_options *opt, vt_backtest_summary *sum,
                       const char **rules, char *path, size_t len, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    sum->auc.nil = sum->churn_rate.nil = 1;
    sum->horizon_days = opt->horizon_days;
    vt_date_format(opt->as_of, sum->as_of);
    if (opt->horizon_days <= 0 || opt->horizon_days > MAX_HORIZON_DAYS)
        return vt_fail(err, VT_EUSAGE, "the horizon must be 1 to %d days, not %d",
                       MAX_HORIZON_DAYS, opt->horizon_days);
    vt_date_format(opt->as_of + opt->horizon_days, sum->window_end);
    *rules = opt->rules_path;
    if (!*rules && !(*rules = vt_default_rules_path(path, len)))
        return vt_fail(err, VT_EINPUT, "no rule file given and the shipped one is missing (%s);"
                                       " use --rules FILE", path);
    return VT_OK;
}

vt_status vt_backtest(sqlite3 *db, const vt_backtest_options *opt, vt_backtest_summary *sum,
                      vt_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char path[4096];
    const char *rules;
    vt_status st = start(opt, sum, &rules, path, sizeof path, err);
    if (st != VT_OK)
        return st;
    bt_ctx c;
    memset(&c, 0, sizeof c);
    vt_score_summary run;
    if ((st = load_bands(rules, opt->lim, &c, err)) == VT_OK) {
        st = vt_score_run_each(db, rules, opt->as_of, opt->lim, 1, on_row, &c, &run, err);
        if (st == VT_EPARTIAL)   /* failed customers are counted, not fatal */
            st = VT_OK;
    }
    if (st == VT_OK && c.oom)
        st = vt_fail(err, VT_EINTERNAL, "out of memory");
    if (st == VT_OK) {
        snprintf(sum->rules_path, sizeof sum->rules_path, "%s", run.rules_path);
        snprintf(sum->rules_sha256, sizeof sum->rules_sha256, "%s", run.rules_sha256);
        st = mark_churners(db, &c, sum->as_of, sum->window_end, err);
    }
    if (st == VT_OK)
        st = read_data_end(db, sum, err);
    if (st == VT_OK)
        st = compute_figures(&c, sum, err);
    ctx_free(&c);
    sum->elapsed = seconds_since(&t0);
    if (st == VT_OK && sum->failed)
        return vt_fail(err, VT_EPARTIAL, "%lld of %lld customers failed their rules and are"
                       " left out (`vitals score --dry-run --as-of %s` shows why)", sum->failed,
                       sum->customers, sum->as_of);
    return st;
}

/* ---------------------------------------------------------------- JSON */

/* The JSON is built by SQLite in a private in-memory database, from
 * parameters: numbers bound as numbers, nil as NULL. */
typedef struct json_ctx {
    sqlite3 *db;
    vt_error *err;
} json_ctx;

static void bind_num(sqlite3_stmt *q, int i, vt_kpi_num v)
{
    if (v.nil)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_double(q, i, v.v);
}

/* Run q (one row, one text column) and take its text into *out. */
static vt_status step_text(json_ctx *j, sqlite3_stmt *q, char **out)
{
    vt_status st = VT_OK;
    const char *text = NULL;
    if (sqlite3_step(q) == SQLITE_ROW)
        text = (const char *)sqlite3_column_text(q, 0);
    if (!text || !(*out = strdup(text)))
        st = vt_fail(j->err, VT_EINTERNAL, "building the JSON: %s", sqlite3_errmsg(j->db));
    sqlite3_finalize(q);
    return st;
}

static vt_status prepare_json(json_ctx *j, const char *sql, sqlite3_stmt **q)
{
    if (sqlite3_prepare_v2(j->db, sql, -1, q, NULL) == SQLITE_OK)
        return VT_OK;
    return vt_fail(j->err, VT_EINTERNAL, "building the JSON: %s", sqlite3_errmsg(j->db));
}

/* {"bands", "customers", "churners", "precision", "recall", "arr_caught",
 * "arr_caught_pct"} of one band group, or null when it has no bands. */
static vt_status pr_json(json_ctx *j, const char *bands, const vt_backtest_pr *pr, char **out)
{
    sqlite3_stmt *q;
    vt_status st = prepare_json(j, "SELECT CASE WHEN ?1 = '' THEN 'null' ELSE"
                                   " json_object('bands', ?1, 'customers', ?2, 'churners', ?3,"
                                   " 'precision', ?4, 'recall', ?5, 'arr_caught', round(?6, 2),"
                                   " 'arr_caught_pct', ?7) END", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 1, bands, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, pr->flagged);
    sqlite3_bind_int64(q, 3, pr->caught);
    bind_num(q, 4, pr->precision);
    bind_num(q, 5, pr->recall);
    sqlite3_bind_double(q, 6, pr->arr_caught);
    bind_num(q, 7, pr->arr_caught_pct);
    return step_text(j, q, out);
}

/* [{"band", "customers", "churners", "churn_rate", "arr"}, ...] */
static vt_status bands_json(json_ctx *j, const vt_backtest_summary *s, char **out)
{
    sqlite3_stmt *q;
    vt_status st = prepare_json(j, "SELECT json_insert(?1, '$[#]', json_object('band', ?2,"
                                   " 'customers', ?3, 'churners', ?4, 'churn_rate', ?5,"
                                   " 'arr', round(?6, 2)))", &q);
    char *acc = strdup("[]");
    if (!acc)
        st = vt_fail(j->err, VT_EINTERNAL, "out of memory");
    for (int i = 0; st == VT_OK && i < s->n_bands; i++) {
        const vt_backtest_band *b = &s->bands[i];
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, acc, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, b->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, b->customers);
        sqlite3_bind_int64(q, 4, b->churners);
        bind_num(q, 5, b->churn_rate);
        sqlite3_bind_double(q, 6, b->arr);
        const char *text = sqlite3_step(q) == SQLITE_ROW
                               ? (const char *)sqlite3_column_text(q, 0) : NULL;
        free(acc);
        if (!text || !(acc = strdup(text))) {
            acc = NULL;
            st = vt_fail(j->err, VT_EINTERNAL, "building the JSON: %s", sqlite3_errmsg(j->db));
        }
    }
    sqlite3_finalize(q);
    if (st == VT_OK)
        *out = acc;
    else
        free(acc);
    return st;
}

static const char summary_json_sql[] =
    "SELECT json_object('as_of', ?1, 'horizon_days', ?2, 'window_end', ?3,"
    " 'data_end', nullif(?4, ''), 'window_incomplete', json(CASE WHEN ?5 THEN 'true'"
    "  ELSE 'false' END),"
    " 'rules_path', ?6, 'rules_sha256', ?7, 'customers', ?8, 'scored', ?9, 'failed', ?10,"
    " 'failed_churners', ?11, 'overridden', ?12, 'churners', ?13, 'churn_rate', ?14,"
    " 'auc', ?15, 'churned_arr', round(?16, 2), 'red', json(?17), 'red_yellow', json(?18),"
    " 'bands', json(?19))";

static vt_status summary_json(json_ctx *j, const vt_backtest_summary *s, char *parts[3],
                              char **out)
{
    sqlite3_stmt *q;
    vt_status st = prepare_json(j, summary_json_sql, &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 1, s->as_of, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, s->horizon_days);
    sqlite3_bind_text(q, 3, s->window_end, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, s->data_end, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 5, s->window_incomplete);
    sqlite3_bind_text(q, 6, s->rules_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, s->rules_sha256, -1, SQLITE_STATIC);
    const long long counts[] = {s->customers, s->scored, s->failed, s->failed_churners,
                                s->overridden, s->churners};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(q, 8 + i, counts[i]);
    bind_num(q, 14, s->churn_rate);
    bind_num(q, 15, s->auc);
    sqlite3_bind_double(q, 16, s->red.churned_arr);
    for (int i = 0; i < 3; i++)
        sqlite3_bind_text(q, 17 + i, parts[i], -1, SQLITE_STATIC);
    return step_text(j, q, out);
}

vt_status vt_backtest_json(const vt_backtest_summary *sum, char **json, vt_error *err)
{
    *json = NULL;
    json_ctx j = {NULL, err};
    if (sqlite3_open_v2(":memory:", &j.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY,
                        NULL) != SQLITE_OK) {
        sqlite3_close(j.db);
        return vt_fail(err, VT_EINTERNAL, "cannot open an in-memory database");
    }
    char *parts[3] = {NULL, NULL, NULL};
    vt_status st = pr_json(&j, sum->low_band, &sum->red, &parts[0]);
    if (st == VT_OK)
        st = pr_json(&j, sum->low_bands, &sum->red_yellow, &parts[1]);
    if (st == VT_OK)
        st = bands_json(&j, sum, &parts[2]);
    if (st == VT_OK)
        st = summary_json(&j, sum, parts, json);
    for (int i = 0; i < 3; i++)
        free(parts[i]);
    sqlite3_close(j.db);
    return st;
}
