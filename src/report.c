/*
 * report.c - a self-contained HTML report of a stored run (SPEC §1
 * `report`): one file with inline CSS and inline SVG charts, no scripts and
 * no external resources, so it can be mailed or archived as is.
 *
 * This file: the entry points (vt_report, vt_report_file), reading the run
 * and its bands, and the query helpers the sections share.  The sections are
 * written by report_sections.c, the markup and the charts by report_html.c.
 *
 * ARR is 12 x the customer's MRR in the run's as-of month, as `export` has
 * it.  Bands are ordered as the run's rule file declares them when that file
 * is still there unchanged (same sha256); otherwise from the scores (a band
 * whose scores are lower comes first).  The file is written atomically (a
 * temporary file renamed over it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "report.h"
#include "score.h"

/* ---------------------------------------------------------------- reading */

vt_status rpt_db_fail(rpt *r, const char *what)
{
    return vt_fail(r->err, VT_EINTERNAL, "%s: %s", what, sqlite3_errmsg(r->db));
}

vt_status rpt_prepare(rpt *r, const char *sql, sqlite3_stmt **q)
{
    if (sqlite3_prepare_v2(r->db, sql, -1, q, NULL) != SQLITE_OK)
        return rpt_db_fail(r, "preparing a query");
    sqlite3_bind_int64(*q, 1, r->sum->run_id);
    return VT_OK;
}

vt_status rpt_done(rpt *r, sqlite3_stmt *q, int rc, const char *what)
{
    vt_status st = rc == SQLITE_DONE ? VT_OK : rpt_db_fail(r, what);
    sqlite3_finalize(q);
    return st;
}

int rpt_band_pos(const rpt *r, const char *band)
{
    for (int i = 0; band && i < r->n_bands; i++)
        if (strcmp(r->bands[i].name, band) == 0)
            return i;
    return -1;
}

static char *column_dup(sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return strdup(s ? s : "");
}

static vt_status read_run(rpt *r)
{
    sqlite3_stmt *q;
    vt_status st = rpt_prepare(r, "SELECT started_at, coalesce(finished_at, ''), rules_path,"
                                  " rules_sha256, customers, failed FROM runs WHERE run_id = ?1",
                               &q);
    if (st != VT_OK)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {    /* deleted since vt_resolve_run found it */
        sqlite3_finalize(q);
        return vt_fail(r->err, VT_EINPUT, "no run %lld", r->sum->run_id);
    }
    if (rc == SQLITE_ROW) {
        r->started_at = column_dup(q, 0);
        r->finished_at = column_dup(q, 1);
        r->rules_path = column_dup(q, 2);
        r->rules_sha256 = column_dup(q, 3);
        r->sum->customers = sqlite3_column_int64(q, 4);
        r->sum->failed = sqlite3_column_int64(q, 5);
        rc = SQLITE_DONE;
        if (!r->started_at || !r->finished_at || !r->rules_path || !r->rules_sha256)
            st = vt_fail(r->err, VT_EINTERNAL, "out of memory");
    }
    vt_status st2 = rpt_done(r, q, rc, "reading the run");
    return st != VT_OK ? st : st2;
}

/* The run's rule file, when it is still there unchanged: its bands (all of
 * them, even those no customer is in) rank first, in their order. */
static void rule_bands(rpt *r)
{
    vt_rule_limits lim;
    vt_rule_limits_default(&lim);
    vt_rules *rules;
    vt_error ignored;
    if (access(r->rules_path, R_OK) != 0 || vt_rules_load(r->rules_path, &lim, &rules, &ignored))
        return;
    if (strcmp(vt_rules_sha256(rules), r->rules_sha256) == 0) {
        int n = vt_rules_band_count(rules);
        for (int i = 0; i < n && r->n_bands < VT_MAX_BANDS; i++) {
            band_info *b = &r->bands[r->n_bands++];
            snprintf(b->name, sizeof b->name, "%s", vt_rules_band_name(rules, i));
            b->rank = i - 1e9;   /* before any rank taken from scores */
        }
        r->rule_order = 1;
    }
    vt_rules_free(rules);
}

static int by_rank(const void *a, const void *b)
{
    const band_info *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Customers and ARR per band.  A band the rule file does not rank ranks by
 * the lowest score that the score alone put in it (score bands do not
 * overlap), else by its lowest score. */
static vt_status read_bands(rpt *r)
{
    rule_bands(r);
    sqlite3_stmt *q;
    vt_status st = rpt_prepare(r, RUN_ROWS "SELECT band, count(*), total(arr),"
                                  " coalesce((SELECT min(t.score) FROM s t"
                                  "   WHERE t.score_band = s.band), min(score))"
                                  " FROM s GROUP BY band", &q);
    if (st != VT_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        int i = rpt_band_pos(r, name ? name : "");
        if (i < 0 && r->n_bands == VT_MAX_BANDS)
            continue;   /* a 33rd band: left out of the band chart only */
        if (i < 0) {
            i = r->n_bands++;
            snprintf(r->bands[i].name, sizeof r->bands[i].name, "%s", name ? name : "");
            r->bands[i].rank = sqlite3_column_double(q, 3);
        }
        r->bands[i].customers = sqlite3_column_int64(q, 1);
        r->bands[i].arr = sqlite3_column_double(q, 2);
        r->scored += r->bands[i].customers;
    }
    st = rpt_done(r, q, rc, "reading the bands");
    qsort(r->bands, (size_t)r->n_bands, sizeof *r->bands, by_rank);
    return st;
}

/* ---------------------------------------------------------------- the report */

static void rpt_free(rpt *r)
{
    free(r->started_at);
    free(r->finished_at);
    free(r->rules_path);
    free(r->rules_sha256);
}

/* Read the run and its bands, then write the page. */
static vt_status write_sections(rpt *r)
{
    vt_status st = read_run(r);
    if (st == VT_OK)
        st = read_bands(r);
    return st == VT_OK ? rpt_write_page(r) : st;
}

vt_status vt_report(sqlite3 *db, const vt_report_options *opt, FILE *out,
                    vt_report_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    vt_status st = vt_resolve_run(db, opt->run_id, &sum->run_id, sum->as_of, err);
    if (st != VT_OK)
        return st;
    rpt r = {.db = db, .out = out, .err = err, .opt = opt, .sum = sum};
    st = write_sections(&r);
    rpt_free(&r);
    if (st == VT_OK && (fflush(out) != 0 || ferror(out)))
        st = vt_fail(err, VT_EINTERNAL, "writing the report: %s", strerror(errno));
    return st;
}

/* ---------------------------------------------------------------- --out */

typedef struct report_job {
    sqlite3 *db;
    const vt_report_options *opt;
    vt_report_summary *sum;
} report_job;

static vt_status write_report(FILE *out, void *ctx, vt_error *err)
{
    report_job *job = ctx;
    return vt_report(job->db, job->opt, out, job->sum, err);
}

vt_status vt_report_file(sqlite3 *db, const vt_report_options *opt, const char *path,
                         vt_report_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    report_job job = {db, opt, sum};
    return vt_write_file_atomic(path, write_report, &job, err);
}
