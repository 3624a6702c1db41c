/*
 * score.c - a scoring run: compute every active customer's indicators once,
 * evaluate the rule file for each customer, apply the CSMs' overrides, and
 * store the run (SPEC §6) so that it is either complete or absent.
 *
 * The per-customer path does no SQL but the one reused INSERT: indicators
 * are computed set-based up front (vt_indicators_compute, then the rule
 * file's own `indicator` SQL), overrides are read once into a sorted array.
 * The writes happen in one IMMEDIATE transaction after the reads; the
 * database is WAL, so readers (explain, export, a BI tool) are never blocked
 * and never see a half-written run.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "score.h"

#ifndef VITALS_SHARE
#define VITALS_SHARE "/usr/local/share/vitals"
#endif

#define RULES_FILE "rules/health.lua"

const char *vt_default_rules_path(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const beside[] = {"%s/" RULES_FILE, "%s/../" RULES_FILE};
        char found[PATH_MAX];
        for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
            snprintf(buf, len, beside[i], exe);
            if (access(buf, R_OK) == 0) {
                if (realpath(buf, found))      /* build/../rules -> rules */
                    snprintf(buf, len, "%s", found);
                return buf;
            }
        }
    }
    snprintf(buf, len, "%s/%s", VITALS_SHARE, RULES_FILE);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

/* ---------------------------------------------------------------- the run */

typedef struct run_ctx {
    sqlite3 *db;
    vt_rules *rules;
    vt_indicators *ind;
    vt_active_overrides *overrides;
    sqlite3_stmt *insert;        /* one scores row; reused for every customer */
    sqlite3_stmt *flags_text;    /* dry runs: the flags as text */
    int arr_col;                 /* the arr indicator, or -1 */
    int dry_run;
    int in_txn;                  /* the write transaction is open */
    long long run_id;
    vt_score_summary *sum;
    vt_error *err;
} run_ctx;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The rule file's bands, in ascending order, each with no customers yet. */
static void summary_bands(vt_score_summary *sum, const vt_rules *r)
{
    int n = vt_rules_band_count(r);
    for (int i = 0; i < n && sum->n_bands < VT_MAX_BANDS; i++)
        snprintf(sum->bands[sum->n_bands++].name, sizeof sum->bands[0].name, "%s",
                 vt_rules_band_name(r, i));
}

/* The summary slot of band, added at the end if new (an override's band);
 * the last slot takes every band beyond VT_MAX_BANDS. */
static vt_band_total *band_slot(vt_score_summary *sum, const char *band)
{
    for (int i = 0; i < sum->n_bands; i++)
        if (strcmp(sum->bands[i].name, band) == 0)
            return &sum->bands[i];
    if (sum->n_bands == VT_MAX_BANDS)
        return &sum->bands[VT_MAX_BANDS - 1];
    vt_band_total *b = &sum->bands[sum->n_bands++];
    snprintf(b->name, sizeof b->name, "%s", band);
    return b;
}

/* The highest band whose lower bound score reaches (the lowest band when it
 * reaches none), as the rules map a score to a band. */
static const char *band_of_score(const vt_rules *r, double score)
{
    int n = vt_rules_band_count(r);
    const char *band = n > 0 ? vt_rules_band_name(r, 0) : "";
    for (int i = 0; i < n; i++)
        if (score >= vt_rules_band_floor(r, i))
            band = vt_rules_band_name(r, i);
    return band;
}

static double arr_of(const run_ctx *run, int row)
{
    if (run->arr_col < 0)
        return 0;
    const vt_value *v = vt_indicators_get(run->ind, row, run->arr_col);
    return v->type == VT_REAL ? v->u.r : v->type == VT_INT ? (double)v->u.i : 0;
}

static void bind_text_or_null(sqlite3_stmt *q, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

/* Insert the scores row of one customer. */
static vt_status store_row(run_ctx *run, const vt_score_row *row)
{
    sqlite3_stmt *q = run->insert;
    const vt_result *res = row->result;
    sqlite3_bind_int64(q, 1, run->run_id);
    sqlite3_bind_text(q, 2, row->customer_id, -1, SQLITE_STATIC);
    if (row->failed) {
        for (int i = 3; i <= 5; i++)
            sqlite3_bind_null(q, i);
        sqlite3_bind_null(q, 9);
    } else {
        sqlite3_bind_double(q, 3, row->score);
        sqlite3_bind_text(q, 4, row->band, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 5, res->coverage);
        sqlite3_bind_text(q, 9, res->score_band, -1, SQLITE_STATIC);
    }
    bind_text_or_null(q, 6, res->measures_json);
    bind_text_or_null(q, 7, res->flags_json);
    if (row->failed)
        sqlite3_bind_text(q, 8, res->error ? res->error : "the rules failed", -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 8);
    bind_text_or_null(q, 10, row->failed ? NULL : res->forced_by);
    bind_text_or_null(q, 11, res->scorecard);
    sqlite3_bind_int(q, 12, row->overridden);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return vt_fail(run->err, VT_EINTERNAL, "storing the score of %s: %s", row->customer_id,
                       sqlite3_errmsg(run->db));
    return VT_OK;
}

/* The final score and band of a scored customer: the rules' (band after
 * flags), then an active override's score (with the band of that score)
 * and/or band. */
static void finalize_row(run_ctx *run, vt_score_row *row)
{
    const vt_result *res = row->result;
    row->score = res->score;
    row->band = res->band;
    const vt_override *o = vt_overrides_find(run->overrides, row->customer_id);
    if (!o)
        return;
    if (o->has_score) {
        row->score = round(o->score * 10) / 10;
        row->band = band_of_score(run->rules, row->score);
    }
    if (o->band)
        row->band = o->band;
    row->overridden = 1;
}

/* Dry runs: the flags as "severity: reason; ..." (owned by the statement). */
static const char *flags_text(run_ctx *run, const char *flags_json)
{
    sqlite3_stmt *q = run->flags_text;
    if (!q || !flags_json)
        return "";
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, flags_json, -1, SQLITE_TRANSIENT);
    const char *text = NULL;
    if (sqlite3_step(q) == SQLITE_ROW)
        text = (const char *)sqlite3_column_text(q, 0);
    return text ? text : "";
}

/* Count one customer into the summary. */
static void tally(vt_score_summary *sum, const vt_score_row *row)
{
    sum->customers++;
    if (row->failed) {
        if (sum->failed++ == 0)
            snprintf(sum->first_error, sizeof sum->first_error, "%s",
                     row->result->error ? row->result->error : "the rules failed");
        return;
    }
    vt_band_total *b = band_slot(sum, row->band);
    b->customers++;
    b->arr += row->arr;
    sum->overridden += row->overridden;
}

/* Score row i of the indicator table: evaluate, override, store, report. */
static vt_status score_one(run_ctx *run, int i, vt_score_row_fn each, void *ctx)
{
    vt_result res;
    memset(&res, 0, sizeof res);
    vt_status st = vt_rules_eval(run->rules, i, &res);
    vt_score_row row = {.customer_id = vt_indicators_customer(run->ind, i), .result = &res};
    if (st != VT_OK && st != VT_EPARTIAL) {
        st = vt_fail(run->err, st, "scoring %s: %s", row.customer_id,
                     res.error ? res.error : "the rules engine failed");
        vt_result_clear(&res);
        return st;
    }
    row.failed = st == VT_EPARTIAL;
    row.arr = arr_of(run, i);
    if (!row.failed)
        finalize_row(run, &row);
    st = run->dry_run ? VT_OK : store_row(run, &row);
    if (st == VT_OK) {
        tally(run->sum, &row);
        if (each) {
            if (run->dry_run)
                row.flags_text = flags_text(run, res.flags_json);
            each(ctx, &row);
        }
    }
    vt_result_clear(&res);
    return st;
}

static vt_status exec(run_ctx *run, const char *sql, const char *what)
{
    if (sqlite3_exec(run->db, sql, NULL, NULL, NULL) == SQLITE_OK)
        return VT_OK;
    return vt_fail(run->err, VT_EINTERNAL, "%s: %s", what, sqlite3_errmsg(run->db));
}

static vt_status prepare(run_ctx *run, const char *sql, sqlite3_stmt **q)
{
    if (sqlite3_prepare_v2(run->db, sql, -1, q, NULL) == SQLITE_OK)
        return VT_OK;
    return vt_fail(run->err, VT_EINTERNAL, "preparing the run: %s", sqlite3_errmsg(run->db));
}

/* Open the write transaction and insert the runs row (finished later). */
static vt_status begin_run(run_ctx *run, const char *started_at)
{
    vt_status st = exec(run, "BEGIN IMMEDIATE", "cannot start the run");
    if (st != VT_OK)
        return st;
    run->in_txn = 1;
    sqlite3_stmt *q;
    if ((st = prepare(run, "INSERT INTO runs(started_at, as_of, rules_path, rules_sha256)"
                           " VALUES (?1, ?2, ?3, ?4)", &q)) != VT_OK)
        return st;
    sqlite3_bind_text(q, 1, started_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, run->sum->as_of, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, run->sum->rules_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, run->sum->rules_sha256, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_DONE)
        run->run_id = sqlite3_last_insert_rowid(run->db);
    else
        st = vt_fail(run->err, VT_EINTERNAL, "storing the run: %s", sqlite3_errmsg(run->db));
    sqlite3_finalize(q);
    if (st == VT_OK)
        st = prepare(run, "INSERT INTO scores(run_id, customer_id, score, band, coverage,"
                          " measures, flags, error, score_band, forced_by, scorecard, overridden)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                     &run->insert);
    return st;
}

/* Record the totals and the finish time, and commit. */
static vt_status finish_run(run_ctx *run)
{
    char finished[21];
    vt_utc_now(finished);
    sqlite3_stmt *q;
    vt_status st = prepare(run, "UPDATE runs SET finished_at = ?1, customers = ?2, failed = ?3"
                                " WHERE run_id = ?4", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 1, finished, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, run->sum->customers);
    sqlite3_bind_int64(q, 3, run->sum->failed);
    sqlite3_bind_int64(q, 4, run->run_id);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = vt_fail(run->err, VT_EINTERNAL, "storing the run: %s", sqlite3_errmsg(run->db));
    sqlite3_finalize(q);
    if (st == VT_OK && (st = exec(run, "COMMIT", "cannot commit the run")) == VT_OK)
        run->in_txn = 0;
    return st;
}

/* Everything up to the first customer: rules, indicators, overrides. */
static vt_status prepare_inputs(run_ctx *run, const char *rules_path, vt_day as_of,
                                const vt_rule_limits *lim)
{
    vt_rule_limits defaults;
    if (!lim) {
        vt_rule_limits_default(&defaults);
        lim = &defaults;
    }
    vt_status st = vt_rules_load(rules_path, lim, &run->rules, run->err);
    if (st != VT_OK)
        return st;
    snprintf(run->sum->rules_path, sizeof run->sum->rules_path, "%s", vt_rules_path(run->rules));
    snprintf(run->sum->rules_sha256, sizeof run->sum->rules_sha256, "%s",
             vt_rules_sha256(run->rules));
    summary_bands(run->sum, run->rules);
    if ((st = vt_indicators_compute(run->db, as_of, &run->ind, run->err)) != VT_OK ||
        (st = vt_rules_compute_indicators(run->rules, run->db, run->ind, run->err)) != VT_OK ||
        (st = vt_rules_bind(run->rules, run->ind, run->err)) != VT_OK)
        return st;
    run->arr_col = vt_indicators_find(run->ind, "arr");
    st = vt_overrides_load_active(run->db, as_of, &run->overrides, run->err);
    if (st == VT_OK && run->dry_run)
        st = prepare(run, "SELECT " VT_FLAGS_TEXT_SQL("?1"), &run->flags_text);
    return st;
}

static vt_status score_all(run_ctx *run, vt_score_row_fn each, void *ctx)
{
    int rows = vt_indicators_rows(run->ind);
    vt_status st = VT_OK;
    for (int i = 0; i < rows && st == VT_OK; i++)
        st = score_one(run, i, each, ctx);
    return st;
}

static void run_free(run_ctx *run)
{
    sqlite3_finalize(run->insert);
    sqlite3_finalize(run->flags_text);
    vt_overrides_free(run->overrides);
    vt_indicators_free(run->ind);
    vt_rules_free(run->rules);
}

vt_status vt_score_run_each(sqlite3 *db, const char *rules_path, vt_day as_of,
                            const vt_rule_limits *lim, int dry_run,
                            vt_score_row_fn each, void *ctx,
                            vt_score_summary *sum, vt_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char started[21], path[4096];
    vt_utc_now(started);
    memset(sum, 0, sizeof *sum);
    vt_date_format(as_of, sum->as_of);
    if (!rules_path && !(rules_path = vt_default_rules_path(path, sizeof path)))
        return vt_fail(err, VT_EINPUT, "no rule file given and the shipped one is missing (%s);"
                                       " use --rules FILE", path);

    run_ctx run = {.db = db, .dry_run = dry_run, .sum = sum, .err = err, .arr_col = -1};
    vt_status st = prepare_inputs(&run, rules_path, as_of, lim);
    if (st == VT_OK && !dry_run)
        st = begin_run(&run, started);
    if (st == VT_OK)
        st = score_all(&run, each, ctx);
    if (st == VT_OK && !dry_run)
        st = finish_run(&run);
    if (run.in_txn)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    run_free(&run);
    sum->elapsed = seconds_since(&t0);
    if (st != VT_OK)
        return st;
    sum->run_id = run.run_id;
    if (sum->failed)
        return vt_fail(err, VT_EPARTIAL, "%lld of %lld customers failed; first: %s", sum->failed,
                       sum->customers, sum->first_error);
    return VT_OK;
}

vt_status vt_score_run(sqlite3 *db, const char *rules_path, vt_day as_of,
                       const vt_rule_limits *lim, int dry_run,
                       vt_score_summary *sum, vt_error *err)
{
    return vt_score_run_each(db, rules_path, as_of, lim, dry_run, NULL, NULL, sum, err);
}
