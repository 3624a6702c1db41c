/*
 * vitals/tools.h - part of the libvitals API: tuning tools: backtests, HTML reports, rule unit tests, rule diffs.
 * vitals.h includes it; include vitals.h.
 */
#ifndef VITALS_API_TOOLS_H
#define VITALS_API_TOOLS_H

#include <stdio.h>

#include "../vitals.h"

/* A backtest (`vitals backtest`): score every customer active at a past date
 * D without storing anything and compare the scores with what happened in
 * the next horizon days: a customer "churned" when its churn_date is in
 * (D, D + horizon].  Rates are percent (0-100); the AUC is a probability
 * (0-1).  A figure whose denominator is empty is nil, never 0. */

/* One scored customer, as the backtest arithmetic sees it. */
typedef struct vt_backtest_obs {
    double score;          /* the rules' health score: lower is riskier */
    int band;              /* its band's index, ascending (0: the lowest); -1: none */
    double arr;            /* the arr indicator at D (nil counts as 0) */
    int churned;           /* 1 when it churned within the horizon */
} vt_backtest_obs;

/* The customers the rules put in the lowest band(s), against the churners. */
typedef struct vt_backtest_pr {
    long long flagged;     /* customers in the band(s) */
    long long caught;      /* churners among them */
    long long churners;    /* every churner */
    vt_kpi_num precision;  /* caught / flagged * 100; nil when flagged is 0 */
    vt_kpi_num recall;     /* caught / churners * 100; nil without churners */
    double churned_arr;    /* ARR of every churner */
    double arr_caught;     /* ARR of the churners in the band(s) */
    vt_kpi_num arr_caught_pct;  /* arr_caught / churned_arr * 100; nil when that is 0 */
} vt_backtest_pr;

/* The AUC of the score as a churn predictor: the probability that a random
 * churner scores lower than a random non-churner, ties counting 1/2, computed
 * exactly from the rank sum of the non-churners (Mann-Whitney U).  nil when
 * there are no churners or no non-churners.  VT_EINTERNAL when out of memory. */
vt_status vt_backtest_auc(const vt_backtest_obs *obs, size_t n, vt_kpi_num *auc,
                          vt_error *err);
/* Precision and recall of "band index in [0, max_band]" for churn. */
void vt_backtest_classify(const vt_backtest_obs *obs, size_t n, int max_band,
                          vt_backtest_pr *out);

typedef struct vt_backtest_options {
    const char *rules_path;       /* NULL: the shipped rules (vt_default_rules_path) */
    vt_day as_of;                 /* D */
    int horizon_days;             /* > 0 */
    const vt_rule_limits *lim;    /* NULL: vt_rule_limits_default */
} vt_backtest_options;

typedef struct vt_backtest_band {
    char name[32];
    long long customers;          /* scored customers whose band this is */
    long long churners;           /* of them, those that churned */
    vt_kpi_num churn_rate;        /* churners / customers * 100; nil without customers */
    double arr;                   /* their ARR at D */
} vt_backtest_band;

typedef struct vt_backtest_summary {
    char as_of[11];               /* D */
    char window_end[11];          /* D + horizon: outcomes are churn dates in (D, end] */
    int horizon_days;
    char rules_path[4096];
    char rules_sha256[65];
    char data_end[11];            /* the latest usage date, "" without usage rows */
    int window_incomplete;        /* window_end is after data_end (or no usage data) */
    long long customers;          /* active at D: scored + failed */
    long long scored;             /* customers the figures are about */
    long long failed;             /* customers whose rules failed: excluded */
    long long failed_churners;    /* of them, those that churned */
    long long overridden;         /* scored customers a CSM override would have changed
                                     (the backtest judges the rules' own band) */
    long long churners;           /* scored customers that churned */
    vt_kpi_num churn_rate;        /* churners / scored * 100 */
    vt_kpi_num auc;
    char low_band[32];            /* the lowest band ("red"), "" without bands */
    char low_bands[72];           /* the two lowest ("red+yellow"), "" with fewer than 2 */
    vt_backtest_pr red;           /* the lowest band: precision, recall, churned ARR caught */
    vt_backtest_pr red_yellow;    /* the two lowest; meaningless with fewer than 2 bands */
    int n_bands;                  /* the rule file's bands, ascending */
    vt_backtest_band bands[VT_MAX_BANDS];
    double elapsed;               /* seconds, wall clock */
} vt_backtest_summary;

/* Run the backtest: score as of opt->as_of (a dry run: nothing is stored;
 * the database is only read) and compare with the churn dates.  VT_OK;
 * VT_EPARTIAL when some customers failed (counted and excluded; sum is
 * complete); VT_EUSAGE for a horizon <= 0; VT_EINPUT when the rules cannot
 * load; VT_EINTERNAL on a database error. */
vt_status vt_backtest(sqlite3 *db, const vt_backtest_options *opt, vt_backtest_summary *sum,
                      vt_error *err);
/* The summary as one JSON object (SQLite's JSON functions; numbers as JSON
 * numbers, nil as null) in *json, malloc'ed: the caller frees it. */
vt_status vt_backtest_json(const vt_backtest_summary *sum, char **json, vt_error *err);

/* A self-contained HTML report of a stored run (`vitals report`): inline CSS
 * and SVG, no scripts, no external resources; every text HTML-escaped. */
typedef struct vt_report_options {
    long long run_id;             /* 0: the latest run */
    int32_t kpis_month;           /* year*12 + month-1; -1: the run's as-of month,
                                     from its first day to the as-of date */
    int top;                      /* at-risk customers listed; 0: 25 */
} vt_report_options;

typedef struct vt_report_summary {
    long long run_id;
    char as_of[11];
    long long customers, failed;  /* of the run */
    long long at_risk;            /* customers in the two lowest bands */
    long long listed;             /* of them, in the top list */
    int kpis;                     /* the KPI block is in the report */
    char kpis_from[11], kpis_to[11];
} vt_report_summary;

/* Write the report of a run to out.  VT_EINPUT when there is no such run;
 * VT_EINTERNAL on a database or write error. */
vt_status vt_report(sqlite3 *db, const vt_report_options *opt, FILE *out,
                    vt_report_summary *sum, vt_error *err);
/* The same into path, atomically (a temporary file renamed over it).
 * VT_EINPUT when its directory does not exist or cannot be written. */
vt_status vt_report_file(sqlite3 *db, const vt_report_options *opt, const char *path,
                         vt_report_summary *sum, vt_error *err);

/* ---------------------------------------------------------------- rule tests and diffs */

/* Rule unit tests (`vitals test`): fixture customers, given as indicator
 * values in a CSV file (one row per fixture: fixture, customer_id,
 * indicator columns, expect_band, expect_flags, expect_score,
 * expect_error; the cell syntax is described in ruletest.c), scored with a
 * rule file without a database and checked against their expectations. */
typedef struct vt_fixtures vt_fixtures;

/* The names a fixture file may use: its indicator columns (the table's
 * columns, in this order) and the bands and flags its expectations name. */
typedef struct vt_fixture_names {
    const char *const *indicators;
    int n_indicators;
    const char *const *bands;
    int n_bands;
    const char *const *flags;
    int n_flags;
} vt_fixture_names;

/* Parse fixture CSV text (path names it in messages) or read the file at
 * path.  VT_EINPUT with "PATH:LINE: message" for a bad header (an unknown
 * column names the nearest known one), a bad cell or a malformed CSV. */
vt_status vt_fixtures_parse(const char *path, const char *text, size_t len,
                            const vt_fixture_names *names, vt_fixtures **out, vt_error *err);
vt_status vt_fixtures_read(const char *path, const vt_fixture_names *names,
                           vt_fixtures **out, vt_error *err);
void vt_fixtures_free(vt_fixtures *fx);
int vt_fixtures_count(const vt_fixtures *fx);
const char *vt_fixture_name(const vt_fixtures *fx, int i);
long vt_fixture_line(const vt_fixtures *fx, int i);      /* line of its row in the file */
/* One row per fixture (customer_id, else its name), one column per name of
 * names->indicators; NULL when out of memory. */
vt_indicators *vt_fixtures_table(const vt_fixtures *fx, vt_day as_of);
/* Check fixture i's expectations against the outcome of vt_rules_eval
 * (st, res): 1 when they hold; 0 with the reasons in why ("expected band
 * red, got yellow (score 61.2); ..."). */
int vt_fixture_check(const vt_fixtures *fx, int i, vt_status st, const vt_result *res,
                     char *why, size_t len);

typedef struct vt_fixture_outcome {
    int index, total;          /* 0-based position; number of fixtures */
    const char *name;
    long line;                 /* its row in the fixture file */
    int passed;
    const char *why;           /* the failed expectations, "" when passed */
    int failed;                /* the rules failed for this customer */
    const vt_result *result;   /* result->error when failed */
    const char *flags;         /* names of the raised flags, ", "-separated */
} vt_fixture_outcome;

typedef void (*vt_fixture_fn)(void *ctx, const vt_fixture_outcome *o);

typedef struct vt_ruletest_summary {
    int fixtures, passed, failed;
} vt_ruletest_summary;

/* Check and load the rule file, read the fixtures, score each fixture and
 * call each(ctx, outcome) in file order.  VT_OK when every fixture passed,
 * VT_EPARTIAL when some failed, VT_EINPUT when the rule file or the fixture
 * file is bad (FILE:LINE: message; nothing is scored), VT_EINTERNAL. */
vt_status vt_ruletest_run(const char *rules_path, const char *fixtures_path,
                          const vt_rule_limits *lim, vt_fixture_fn each, void *ctx,
                          vt_ruletest_summary *sum, vt_error *err);

/* Rule diffs (`vitals diff`): the customers active at one date scored with
 * a new rule file and with an old one, or compared with a stored run. */

typedef struct vt_diff_options {
    const char *rules;         /* the new rule file; NULL: the shipped one */
    const char *against;       /* the old rule file; NULL: compare with a run */
    long long run_id;          /* without against: the run (0: the latest) */
    int has_as_of;             /* else today with against, the run's as_of without */
    vt_day as_of;
    const vt_rule_limits *lim; /* NULL: vt_rule_limits_default */
    int top;                   /* largest score moves to keep; <= 0: 10 */
} vt_diff_options;

/* One customer on both sides.  A side without a score (has_* 0, band NULL)
 * either has an error (the customer failed the rules there) or none (the
 * customer is absent there: not active at the date, or not in the run). */
typedef struct vt_diff_customer {
    char *customer_id;
    int has_old, has_new;
    double old_score, new_score;
    char *old_band, *new_band;
    char *old_error, *new_error;   /* why a side has no score */
} vt_diff_customer;

typedef struct vt_diff {
    char as_of[11];
    char new_rules[4096], new_sha256[65];
    char old_rules[4096], old_sha256[65];   /* the run's rule file without against */
    long long old_run_id;          /* 0 when the old side is a rule file */
    char old_as_of[11];            /* the run's as-of date ("" with against) */
    int n_bands;                   /* the new file's bands (ascending), then others */
    char **bands;
    long long *matrix;             /* [old * n_bands + new]: customers */
    long long customers;           /* on either side */
    long long compared;            /* scored on both sides */
    long long changed;             /* of those, band changed */
    long long failed;              /* failed the rules on either side */
    long long absent;              /* on one side only */
    int data_changed;              /* the data changed between the two sides */
    int n_all;
    vt_diff_customer *all;         /* customer_id order */
    int n_changes, n_moves, n_uncompared;
    int *changes;                  /* indexes into all: band changed (customer_id order) */
    int *moves;                    /* largest |new - old| first, at most top */
    int *uncompared;               /* failed or absent on a side */
} vt_diff;

/* Score and compare.  VT_OK; VT_EPARTIAL when customers failed the rules on
 * either side (*out is complete); VT_EINPUT when a rule file cannot load or
 * there is no run; VT_EINTERNAL on a database error.  *out is NULL unless
 * VT_OK or VT_EPARTIAL. */
vt_status vt_diff_compute(sqlite3 *db, const vt_diff_options *opt, vt_diff **out,
                          vt_error *err);
void vt_diff_free(vt_diff *d);

typedef enum vt_diff_format { VT_DIFF_TEXT = 0, VT_DIFF_CSV, VT_DIFF_JSON } vt_diff_format;

/* Write d to out: a report for people, one CSV table (column kind: matrix,
 * changed, move, failed) or one JSON object.  VT_EINTERNAL on a write error. */
vt_status vt_diff_write(const vt_diff *d, vt_diff_format format, FILE *out, vt_error *err);

#endif /* VITALS_API_TOOLS_H */
