/*
 * report.h - private to the HTML report (`vitals report`): what its files
 * share.
 *
 *   report.c           the entry points; reading the run and its bands; the
 *                      query helpers every section uses
 *   report_sections.c  the page, section by section: each one's query and
 *                      markup
 *   report_html.c      HTML: escaping, money, band colours, the CSS and the
 *                      SVG charts
 *
 * Every text from the database goes through rpt_text, which HTML-escapes it:
 * customer names may hold <, &, ".
 */
#ifndef VITALS_REPORT_H
#define VITALS_REPORT_H

#include <stdio.h>

#include "vitals.h"

#define NBUCKETS 10     /* score histogram: 10-point buckets */

typedef struct band_info {
    char name[32];
    long long customers;
    double arr;
    double rank;          /* the sort key: rule order, else the scores */
} band_info;

typedef struct rpt {
    sqlite3 *db;
    FILE *out;
    vt_error *err;
    const vt_report_options *opt;
    vt_report_summary *sum;
    char *started_at, *finished_at, *rules_path, *rules_sha256;
    int n_bands;
    band_info bands[VT_MAX_BANDS];   /* lowest band first */
    int rule_order;       /* bands ordered by the rule file itself */
    long long scored;
} rpt;

/* ---- report.c */

/* The run's scored customers with name, segment, owner and ARR; ?1 is the
 * run.  Each query of the report over its customers starts with it. */
#define RUN_ROWS                                                                       \
    "WITH s AS MATERIALIZED (SELECT sc.customer_id, sc.score, sc.band, sc.score_band,"  \
    " sc.flags, c.name, c.segment, c.owner,"                                           \
    " round(12 * coalesce((SELECT sum(sub.mrr) FROM subscriptions sub"                 \
    "   WHERE sub.customer_id = sc.customer_id AND sub.month = substr(r.as_of, 1, 7)),"\
    "   0), 2) AS arr"                                                                 \
    " FROM scores sc JOIN runs r ON r.run_id = sc.run_id"                              \
    " LEFT JOIN customers c ON c.customer_id = sc.customer_id"                         \
    " WHERE sc.run_id = ?1 AND sc.error IS NULL) "

/* VT_EINTERNAL with "what: sqlite3_errmsg". */
vt_status rpt_db_fail(rpt *r, const char *what);
/* Prepare sql with ?1 bound to the run. */
vt_status rpt_prepare(rpt *r, const char *sql, sqlite3_stmt **q);
/* After a loop of sqlite3_step: VT_OK when it ended with SQLITE_DONE; q is
 * finalized either way. */
vt_status rpt_done(rpt *r, sqlite3_stmt *q, int rc, const char *what);
/* The index of band in r->bands, -1 when it is not there (or NULL). */
int rpt_band_pos(const rpt *r, const char *band);

/* ---- report_sections.c */

/* The whole page, once the run and its bands are read. */
vt_status rpt_write_page(rpt *r);

/* ---- report_html.c */

/* Text as HTML, escaped; NULL writes nothing. */
void rpt_text(FILE *f, const char *s);

/* printf to the report; %s arguments are not escaped: callers pass only
 * literals and numbers through it, text through rpt_text. */
void rpt_put(rpt *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A whole amount with thousands separators: 1108278.24 -> "1,108,278". */
const char *rpt_money(char buf[40], double v);

/* A band name in its colour. */
void rpt_band(rpt *r, const char *band);

/* From <!DOCTYPE html> to <main>, the CSS inline. */
void rpt_write_head(rpt *r);

/* SVG: customers and ARR per band, horizontal bars. */
void rpt_band_chart(rpt *r);

/* SVG: customers per 10-point score bucket. */
void rpt_histogram_chart(rpt *r, const long long counts[NBUCKETS]);

#endif /* VITALS_REPORT_H */
