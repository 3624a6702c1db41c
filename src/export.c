/*
 * export.c - the at-risk list of a run (SPEC §1 `export`): the customers of
 * the chosen bands (and flags, segments), sorted by ARR at risk, highest
 * first, as CSV (libcsv), one JSON array, or NDJSON (SQLite's json_object).
 *
 * arr is 12 x the customer's MRR in the run's as-of month, read from the
 * subscriptions view; name, segment, owner and renewal_date from the
 * customers view; score_change is the score minus the customer's previous
 * score (SPEC §3 score_prev, as explain shows it).  Failed customers (stored
 * with an error and no score) are never exported; the summary counts them.
 * Output to a path is atomic: a temporary file in the same directory is
 * renamed over it once complete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "csv_out.h"
#include "score.h"

static const char *const columns[] = {
    "customer_id", "name", "segment", "owner", "arr", "score", "band",
    "coverage", "score_change", "flags", "renewal_date",
};
#define NCOLUMNS ((int)(sizeof columns / sizeof columns[0]))
#define COL_FLAGS_TEXT 9
#define COL_JSON NCOLUMNS   /* the row as a JSON object */

/* The rows of the run, one per customer, in export order; the filters
 * follow as "AND ..." clauses with their parameters from ?2 on. */
static const char select_sql[] =
    "SELECT x.customer_id, x.name, x.segment, x.owner, x.arr, x.score, x.band, x.coverage,"
    " x.score_change, x.flags_text, x.renewal_date,"
    " json_object('customer_id', x.customer_id, 'name', x.name, 'segment', x.segment,"
    "   'owner', x.owner, 'arr', x.arr, 'score', x.score, 'band', x.band,"
    "   'coverage', x.coverage, 'score_change', x.score_change,"
    "   'flags', json((SELECT json_group_array(json_object('name', f.value ->> 'name',"
    "      'severity', f.value ->> 'severity', 'reason', f.value ->> 'reason'))"
    "      FROM json_each(x.flags) f)),"
    "   'renewal_date', x.renewal_date)"
    " FROM (SELECT s.customer_id, c.name, c.segment, c.owner,"
    "   round(12 * coalesce((SELECT sum(sub.mrr) FROM subscriptions sub"
    "     WHERE sub.customer_id = s.customer_id AND sub.month = substr(r.as_of, 1, 7)), 0), 2)"
    "     AS arr,"
    "   s.score, s.band, round(s.coverage, 1) AS coverage,"
    "   round(s.score - (SELECT p.score" VT_PREV_SCORE_FROM("s.customer_id", "r.as_of") "), 1)"
    "     AS score_change,"
    "   " VT_FLAGS_TEXT_SQL("s.flags") " AS flags_text,"
    "   c.renewal_date, s.flags"
    "  FROM scores s JOIN runs r ON r.run_id = s.run_id"
    "  LEFT JOIN customers c ON c.customer_id = s.customer_id"
    "  WHERE s.run_id = ?1 AND s.error IS NULL";

/* " AND expr IN (?n, ?n+1, ...)" for n values, numbering from *param. */
static void add_in(sqlite3_str *sql, const char *expr, int n, int *param)
{
    if (n <= 0)
        return;
    sqlite3_str_appendf(sql, " AND %s IN (", expr);
    for (int i = 0; i < n; i++)
        sqlite3_str_appendf(sql, "%s?%d", i ? ", " : "", (*param)++);
    sqlite3_str_appendall(sql, ")");
}

static char *build_sql(const vt_export_options *opt)
{
    int param = 2;
    sqlite3_str *sql = sqlite3_str_new(NULL);
    sqlite3_str_appendall(sql, select_sql);
    add_in(sql, "s.band", opt->n_bands, &param);
    add_in(sql, "c.segment", opt->n_segments, &param);
    if (opt->n_flags > 0) {
        sqlite3_str_appendall(sql, " AND EXISTS (SELECT 1 FROM json_each(s.flags) f WHERE 1");
        add_in(sql, "f.value ->> 'name'", opt->n_flags, &param);
        sqlite3_str_appendall(sql, ")");
    }
    sqlite3_str_appendall(sql, ") x ORDER BY x.arr DESC, x.customer_id");
    return sqlite3_str_finish(sql);
}

static void bind_list(sqlite3_stmt *q, const char *const *values, int n, int *param)
{
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(q, (*param)++, values[i], -1, SQLITE_STATIC);
}

/* Counts and hints about the run: failed customers and its bands. */
static vt_status run_facts(sqlite3 *db, vt_export_summary *sum, vt_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM scores WHERE run_id = ?1"
                           "  AND error IS NOT NULL),"
                           " (SELECT group_concat(band, ', ') FROM (SELECT DISTINCT band"
                           "  FROM scores WHERE run_id = ?1 AND band IS NOT NULL ORDER BY band))",
                           -1, &q, NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "export: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, sum->run_id);
    vt_status st = VT_OK;
    if (sqlite3_step(q) == SQLITE_ROW) {
        sum->failed = sqlite3_column_int64(q, 0);
        const char *bands = (const char *)sqlite3_column_text(q, 1);
        snprintf(sum->bands, sizeof sum->bands, "%s", bands ? bands : "");
    } else {
        st = vt_fail(err, VT_EINTERNAL, "export: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    return st;
}

/* One CSV field: quoted by libcsv only when it must be (a comma, quote,
 * line break or surrounding space), so plain values stay readable. */
static void write_csv_row(FILE *out, sqlite3_stmt *q)
{
    for (int i = 0; i < NCOLUMNS; i++)
        vt_csv_field(out, (const char *)sqlite3_column_text(q, i), i == 0);
    fputc('\n', out);
}

static void write_row(FILE *out, vt_export_format format, sqlite3_stmt *q, long long n)
{
    const char *json = (const char *)sqlite3_column_text(q, COL_JSON);
    switch (format) {
    case VT_EXPORT_CSV: write_csv_row(out, q); break;
    case VT_EXPORT_JSON: fprintf(out, "%s  %s", n ? ",\n" : "", json); break;
    case VT_EXPORT_NDJSON: fprintf(out, "%s\n", json); break;
    }
}

static void write_start(FILE *out, vt_export_format format)
{
    if (format == VT_EXPORT_CSV) {
        for (int i = 0; i < NCOLUMNS; i++)
            fprintf(out, "%s%s", i ? "," : "", columns[i]);
        fputc('\n', out);
    } else if (format == VT_EXPORT_JSON) {
        fputs("[\n", out);
    }
}

static void write_end(FILE *out, vt_export_format format, long long rows)
{
    if (format == VT_EXPORT_JSON)
        fputs(rows ? "\n]\n" : "]\n", out);
}

static vt_status write_rows(sqlite3 *db, const vt_export_options *opt, FILE *out,
                            vt_export_summary *sum, vt_error *err)
{
    char *sql = build_sql(opt);
    sqlite3_stmt *q;
    int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &q, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "export: %s", sqlite3_errmsg(db));
    int param = 1;
    sqlite3_bind_int64(q, param++, sum->run_id);
    bind_list(q, opt->bands, opt->n_bands, &param);
    bind_list(q, opt->segments, opt->n_segments, &param);
    bind_list(q, opt->flags, opt->n_flags, &param);
    write_start(out, opt->format);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        write_row(out, opt->format, q, sum->rows++);
    write_end(out, opt->format, sum->rows);
    vt_status st = VT_OK;
    if (rc != SQLITE_DONE)
        st = vt_fail(err, VT_EINTERNAL, "export: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return st;
}

vt_status vt_export(sqlite3 *db, const vt_export_options *opt, FILE *out,
                    vt_export_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    vt_status st = vt_resolve_run(db, opt->run_id, &sum->run_id, sum->as_of, err);
    if (st == VT_OK)
        st = run_facts(db, sum, err);
    if (st == VT_OK)
        st = write_rows(db, opt, out, sum, err);
    if (st == VT_OK && (fflush(out) != 0 || ferror(out)))
        st = vt_fail(err, VT_EINTERNAL, "writing the export: %s", strerror(errno));
    return st;
}

/* ---------------------------------------------------------------- --out */

typedef struct export_job {
    sqlite3 *db;
    const vt_export_options *opt;
    vt_export_summary *sum;
} export_job;

static vt_status write_export(FILE *out, void *ctx, vt_error *err)
{
    export_job *job = ctx;
    return vt_export(job->db, job->opt, out, job->sum, err);
}

vt_status vt_export_file(sqlite3 *db, const vt_export_options *opt, const char *path,
                         vt_export_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    export_job job = {db, opt, sum};
    return vt_write_file_atomic(path, write_export, &job, err);
}
