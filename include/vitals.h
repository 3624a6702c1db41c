/*
 * vitals.h - the public API of libvitals, the customer health-score engine.
 *
 * The `vitals` command line is a thin layer over this library: it parses
 * options, calls these functions and prints.  The library never prints and
 * never exits; every function returns a vt_status and, on failure, fills a
 * vt_error the caller owns.
 *
 * Data flows one way:
 *   CSV -> vt_load_file (parse, validate, upsert) -> SQLite
 *       -> vt_indicators_compute (one set-based pass per run)
 *       -> vt_rules_* (Lua sandbox: measures, flags, bands)
 *       -> vt_score_run (combine, store) -> explain / export / kpis
 */
#ifndef VITALS_H
#define VITALS_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define VITALS_VERSION "0.1.0"

/* Exit statuses of the command line (SPEC §1), also used as library status. */
typedef enum vt_status {
    VT_OK = 0,        /* success */
    VT_EUSAGE = 1,    /* bad command line or API misuse */
    VT_EINPUT = 2,    /* bad input: file, CSV, rules */
    VT_EPARTIAL = 3,  /* some rows rejected or some customers failed */
    VT_EINTERNAL = 4  /* internal or database error */
} vt_status;

/* An error message owned by the caller, filled by the library on failure. */
typedef struct vt_error {
    char msg[1024];
} vt_error;

/* Format msg into err (if err is not NULL) and return status. */
vt_status vt_fail(vt_error *err, vt_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---------------------------------------------------------------- dates */

/* Day numbers count days since 1970-01-01 (negative before). */
typedef int32_t vt_day;

/* Parse YYYY-MM-DD (a real calendar date) into *day. 0 on success, -1 if not. */
int vt_date_parse(const char *s, vt_day *day);
/* Parse an ISO 8601 timestamp (SPEC §2) into seconds since the epoch, UTC. */
int vt_timestamp_parse(const char *s, int64_t *secs);
/* Parse YYYY-MM into a month number (year*12 + month-1). */
int vt_month_parse(const char *s, int32_t *month);
/* Write day as YYYY-MM-DD into buf (at least 11 bytes). */
void vt_date_format(vt_day day, char buf[11]);
/* Today's date in UTC. */
vt_day vt_today(void);
/* Month number (year*12 + month-1) of a day. */
int32_t vt_day_month(vt_day day);

/* ---------------------------------------------------------------- database */

/* Open (creating if needed) the database at path with Vitals' settings:
 * WAL, busy timeout, defensive mode, no extension loading.  Does not create
 * the schema: call vt_schema_init for that. */
vt_status vt_db_open(const char *path, sqlite3 **db, vt_error *err);
/* Open an existing database read-only (for explain, export, kpis). */
vt_status vt_db_open_readonly(const char *path, sqlite3 **db, vt_error *err);
void vt_db_close(sqlite3 *db);

/* Create or migrate the schema (idempotent). */
vt_status vt_schema_init(sqlite3 *db, vt_error *err);
/* VT_OK if the schema is present and current, else VT_EUSAGE with a hint. */
vt_status vt_schema_check(sqlite3 *db, vt_error *err);

/* ---------------------------------------------------------------- loading */

typedef struct vt_load_options {
    const char *table;          /* NULL: the file's base name */
    const char *const *maps;    /* "COLUMN=HEADER" strings, n_maps of them */
    int n_maps;
    /* Called for each rejected row (may be NULL): line is the row's first
     * line in the file, column its 1-based field (0: the whole row). */
    void (*on_reject)(void *ctx, const char *path, long line, int column, const char *msg);
    void *ctx;
} vt_load_options;

typedef struct vt_load_summary {
    char table[64];
    long long read, inserted, updated, rejected, unknown_customers;
    char rejects_path[4096];    /* "" when nothing was rejected */
} vt_load_summary;

/* Load one CSV file in one transaction.  VT_OK: every row loaded;
 * VT_EPARTIAL: some rows were rejected (written to FILE.rejects.csv);
 * VT_EINPUT: the file cannot be loaded at all (nothing changed);
 * VT_EINTERNAL: database error (nothing changed). */
vt_status vt_load_file(sqlite3 *db, const char *path, const vt_load_options *opt,
                       vt_load_summary *sum, vt_error *err);

/* ---------------------------------------------------------------- indicators */

typedef enum vt_type { VT_NIL = 0, VT_INT, VT_REAL, VT_TEXT } vt_type;

typedef struct vt_value {
    vt_type type;
    union {
        long long i;
        double r;
        const char *s;  /* owned by the vt_indicators it belongs to */
    } u;
} vt_value;

/* Indicator values of every customer active at as_of: a table with one row
 * per customer (ordered by customer_id) and one column per indicator. */
typedef struct vt_indicators vt_indicators;

vt_status vt_indicators_compute(sqlite3 *db, vt_day as_of, vt_indicators **out,
                                vt_error *err);
void vt_indicators_free(vt_indicators *ind);
/* An empty table of n customers with no columns (for rule fixtures and
 * tests); customer_ids are copied. NULL on allocation failure. */
vt_indicators *vt_indicators_new(vt_day as_of, int n, const char *const *customer_ids);

vt_day vt_indicators_as_of(const vt_indicators *ind);
int vt_indicators_rows(const vt_indicators *ind);
int vt_indicators_columns(const vt_indicators *ind);
const char *vt_indicators_name(const vt_indicators *ind, int col);
const char *vt_indicators_customer(const vt_indicators *ind, int row);
/* Row of a customer_id, or -1 when that customer is not active at as_of. */
int vt_indicators_find_row(const vt_indicators *ind, const char *customer_id);
/* Column of an indicator name, or -1. */
int vt_indicators_find(const vt_indicators *ind, const char *name);
const vt_value *vt_indicators_get(const vt_indicators *ind, int row, int col);

/* Add a column (e.g. a rule-defined indicator); all its values start nil.
 * Returns the new column, or -1 on allocation failure / duplicate name. */
int vt_indicators_add_column(vt_indicators *ind, const char *name);
/* Set a value; text is copied into the table. */
int vt_indicators_set(vt_indicators *ind, int row, int col, const vt_value *v);

/* Names of the built-in indicators, NULL-terminated (for check and
 * nearest-name suggestions without a database). */
const char *const *vt_builtin_indicator_names(void);

/* The name in names[0..n) nearest to name (edit distance), or NULL when
 * nothing is close enough to be a plausible typo. */
const char *vt_nearest_name(const char *name, const char *const *names, int n);


/* ---------------------------------------------------------------- rules */

/* A loaded rule file: its own sandboxed Lua state, the declared bands,
 * measures, flags, scorecards and rule-defined indicators. */
typedef struct vt_rules vt_rules;

typedef struct vt_rule_limits {
    size_t memory_bytes;     /* Lua heap cap for the rule state */
    double customer_ms;      /* CPU budget per customer before it is stopped */
} vt_rule_limits;

void vt_rule_limits_default(vt_rule_limits *lim);

/* Load and run the rule file's top level in a fresh sandbox.  VT_EINPUT with
 * "FILE:LINE: message" when it cannot load. */
vt_status vt_rules_load(const char *path, const vt_rule_limits *lim,
                        vt_rules **out, vt_error *err);
void vt_rules_free(vt_rules *r);

/* Static validation for `vitals check`: VT_OK when sound, else VT_EINPUT and
 * one "FILE:LINE: message" line per problem in err. */
vt_status vt_rules_check(const char *path, vt_error *err);

const char *vt_rules_path(const vt_rules *r);
const char *vt_rules_sha256(const vt_rules *r);   /* hex digest of the file */

/* Run every rule-defined `indicator` SQL once (read-only, :as_of bound) and
 * add its values as columns of ind. */
vt_status vt_rules_compute_indicators(vt_rules *r, sqlite3 *db, vt_indicators *ind,
                                      vt_error *err);

/* Prepare the fast per-customer path for this indicator table (must be called
 * after all columns are added and before vt_rules_eval). */
vt_status vt_rules_bind(vt_rules *r, const vt_indicators *ind, vt_error *err);

/* The outcome of scoring one customer. */
typedef struct vt_result {
    double score;          /* 0-100, rounded half away from zero to 0.1 */
    double coverage;       /* 0-100 */
    char band[32];         /* final band (after forcing) */
    char score_band[32];   /* band from the score alone */
    char forced_by[64];    /* flag that forced the band, or "" */
    char scorecard[64];    /* scorecard applied, or "" */
    char *measures_json;   /* malloc'ed JSON array, see rules.c */
    char *flags_json;      /* malloc'ed JSON array, most severe first */
    char *error;           /* malloc'ed message when the customer failed */
} vt_result;

/* Score row `row` of the bound indicator table.  VT_OK, or VT_EPARTIAL when
 * this customer failed (res->error names the customer and the rule). */
vt_status vt_rules_eval(vt_rules *r, int row, vt_result *res);
void vt_result_clear(vt_result *res);

/* Band names in ascending order of lower bound (for export filters). */
int vt_rules_band_count(const vt_rules *r);
const char *vt_rules_band_name(const vt_rules *r, int i);
double vt_rules_band_floor(const vt_rules *r, int i);
/* The flags, in declaration order, and the rule-defined indicators. */
int vt_rules_flag_count(const vt_rules *r);
const char *vt_rules_flag_name(const vt_rules *r, int i);
int vt_rules_indicator_count(const vt_rules *r);
const char *vt_rules_indicator_name(const vt_rules *r, int i);

/* ---- runs, explain, export, overrides */

#include <stdio.h>

/* The shipped rule file: rules/health.lua next to the binary, or one level
 * up (build/vitals run from the source tree), else the installed
 * VITALS_SHARE/rules/health.lua.  Writes the path into buf and returns buf,
 * or NULL when none exists (buf then holds the installed path, for the
 * message). */
const char *vt_default_rules_path(char *buf, size_t len);

/* A band name as rule files and overrides spell it: [a-z_]+, at most 31
 * characters.  1 when valid. */
int vt_band_name_valid(const char *band);

#define VT_MAX_BANDS 32

typedef struct vt_band_total {
    char name[32];
    long long customers;   /* customers whose final band this is */
    double arr;            /* their ARR (the arr indicator; nil counts as 0) */
} vt_band_total;

typedef struct vt_score_summary {
    long long run_id;          /* the stored run; 0 for a dry run */
    char as_of[11];
    char rules_path[4096];
    char rules_sha256[65];
    long long customers;       /* customers active at as_of: scored + failed */
    long long failed;          /* customers whose rules failed (stored with error) */
    long long overridden;      /* customers whose band or score an override set */
    int n_bands;               /* the rule file's bands, ascending, then any band
                                  that only an override uses */
    vt_band_total bands[VT_MAX_BANDS];
    double elapsed;            /* seconds, wall clock */
    char first_error[512];     /* the first failed customer's error, or "" */
} vt_score_summary;

/* One customer's outcome, as vt_score_run_each reports it. */
typedef struct vt_score_row {
    const char *customer_id;
    const vt_result *result;   /* what the rules computed; result->error when failed */
    int failed;
    double score;              /* final score (override applied); 0 when failed */
    const char *band;          /* final band (flags, then override); NULL when failed */
    int overridden;
    double arr;                /* the arr indicator, 0 when nil */
    const char *flags_text;    /* dry runs only (else NULL): "severity: reason; ..."
                                  most severe first, "" without flags */
} vt_score_row;

typedef void (*vt_score_row_fn)(void *ctx, const vt_score_row *row);

/* Score every customer active at as_of with the rule file at rules_path
 * (NULL: vt_default_rules_path) and, unless dry_run, store the run: one runs
 * row and one scores row per customer, in one transaction, so a run is
 * either complete or absent.  Active overrides (until NULL or >= as_of)
 * replace the computed band and/or score; an override with a score only
 * takes the band of that score.  lim NULL: vt_rule_limits_default.
 * VT_OK; VT_EPARTIAL when some customers failed (they are stored with their
 * error and a NULL score); VT_EINPUT when the rules cannot load;
 * VT_EINTERNAL on a database error (nothing stored).  sum is filled in
 * every case (run_id 0 when nothing was stored). */
vt_status vt_score_run(sqlite3 *db, const char *rules_path, vt_day as_of,
                       const vt_rule_limits *lim, int dry_run,
                       vt_score_summary *sum, vt_error *err);
/* The same, calling each(ctx, row) for every customer in customer_id order
 * (each may be NULL). */
vt_status vt_score_run_each(sqlite3 *db, const char *rules_path, vt_day as_of,
                            const vt_rule_limits *lim, int dry_run,
                            vt_score_row_fn each, void *ctx,
                            vt_score_summary *sum, vt_error *err);

/* The latest run (highest run_id), 0 when there is none, -1 on error. */
long long vt_latest_run(sqlite3 *db, vt_error *err);

typedef struct vt_explain_measure {
    char *name;
    char *group;            /* NULL when the rule names none */
    vt_type value_type;     /* the indicator value; VT_NIL when it had no data */
    double value;           /* VT_INT and VT_REAL */
    char *value_text;       /* VT_TEXT, else NULL */
    int has_score;
    double score;           /* 0-100 */
    double weight;          /* the weight applied (after the scorecard) */
    double contribution;    /* points of the score: score * weight / used weights */
    int used;               /* counted in the score */
    int missing;            /* the value was nil and the measure's `missing` score
                               stood in (a nil value without one: used is 0) */
    double gain;            /* points the score would gain if this measure scored
                               100: (100 - score) * weight / used weights; for a
                               left-out measure, (100 - S) * weight / (used + weight) */
} vt_explain_measure;

typedef struct vt_explain_flag {
    char *name, *severity, *reason;
    char *force_band;       /* NULL unless the flag forces a band */
} vt_explain_flag;

/* How one customer's score in one run came about.  Every string is owned by
 * the explanation (NULL when absent); free it with vt_explanation_free. */
typedef struct vt_explanation {
    long long run_id;
    char as_of[11];
    char *rules_path;
    char *customer_id, *name, *segment, *owner;
    char *error;                /* the customer failed in this run (no score) */
    int has_score;
    double score;               /* stored (final) score */
    double computed_score;      /* the rules' score: differs when overridden */
    double coverage;
    char *band, *score_band, *forced_by, *scorecard;
    int overridden;
    int override_found;         /* the override is still in the overrides table */
    char *override_band, *override_reason, *override_author, *override_until,
        *override_created_at;
    int has_override_score;
    double override_score;
    int has_prev;               /* a previous score exists (SPEC §3 score_prev) */
    long long prev_run_id;
    char prev_as_of[11];
    double score_prev, score_change;
    int n_measures;
    vt_explain_measure *measures;   /* declaration order */
    int n_flags;
    vt_explain_flag *flags;         /* most severe first */
    int lever;                  /* index of the measure with the largest gain, -1 */
    char *json;                 /* all of the above as one JSON object */
} vt_explanation;

/* Explain customer_id's score in run run_id (0: the latest run).  VT_EINPUT
 * when there is no such run, no such customer, or the customer is not in the
 * run (the message names the latest run that has it). */
vt_status vt_explain(sqlite3 *db, const char *customer_id, long long run_id,
                     vt_explanation **out, vt_error *err);
void vt_explanation_free(vt_explanation *e);

typedef enum vt_export_format {
    VT_EXPORT_CSV = 0,
    VT_EXPORT_JSON,       /* one array of objects */
    VT_EXPORT_NDJSON      /* one object per line */
} vt_export_format;

typedef struct vt_export_options {
    long long run_id;                  /* 0: the latest run */
    const char *const *bands;          /* keep these final bands; n_bands 0: all */
    int n_bands;
    const char *const *flags;          /* keep customers raising any of these; 0: all */
    int n_flags;
    const char *const *segments;       /* keep these segments; 0: all */
    int n_segments;
    vt_export_format format;
} vt_export_options;

typedef struct vt_export_summary {
    long long run_id;
    char as_of[11];
    long long rows;                    /* customers written */
    long long failed;                  /* customers of the run that failed: never exported */
    char bands[256];                   /* the run's bands, comma-separated, for hints */
} vt_export_summary;

/* Write the at-risk list of a run to out: customer_id, name, segment, owner,
 * arr, score, band, coverage, score_change, flags, renewal_date, sorted by
 * arr (12 x MRR in the run's as-of month) highest first, then customer_id. */
vt_status vt_export(sqlite3 *db, const vt_export_options *opt, FILE *out,
                    vt_export_summary *sum, vt_error *err);
/* The same into path, atomically (a temporary file renamed over it).
 * VT_EINPUT when its directory does not exist or cannot be written. */
vt_status vt_export_file(sqlite3 *db, const vt_export_options *opt, const char *path,
                         vt_export_summary *sum, vt_error *err);

/* A CSM's manual band and/or score for a customer (SPEC §6). */
typedef struct vt_override {
    const char *customer_id;
    const char *band;          /* NULL: keep the computed band (or the score's) */
    int has_score;
    double score;              /* 0-100 */
    const char *reason;        /* required */
    const char *author;
    const char *created_at;    /* set by vt_override_set */
    const char *until;         /* YYYY-MM-DD, last day it applies; NULL: no end */
} vt_override;

/* Set (or replace) the override of o->customer_id.  VT_EUSAGE for a bad
 * band, score, until or empty reason; VT_EINPUT for an unknown customer. */
vt_status vt_override_set(sqlite3 *db, const vt_override *o, vt_error *err);
/* Remove it; *removed tells whether there was one.  VT_EINPUT for an
 * unknown customer. */
vt_status vt_override_clear(sqlite3 *db, const char *customer_id, int *removed,
                            vt_error *err);
/* Call fn for each override in customer_id order; active tells whether runs
 * as of as_of honour it.  fn returns nonzero to stop. */
typedef int (*vt_override_fn)(void *ctx, const vt_override *o, int active);
vt_status vt_override_list(sqlite3 *db, vt_day as_of, vt_override_fn fn, void *ctx,
                           vt_error *err);

/* ---- kpis */

/* Portfolio KPIs (SPEC §4) over a period [from, to] of day numbers: customers,
 * the MRR bridge, satisfaction, support and unit economics; for all customers
 * and optionally per group (segment, plan, owner or region) and per calendar
 * month.  Every KPI is defined once, in the table of kpis.c, as a numerator
 * and an optional denominator over "terms" (counts and sums over the period);
 * the same table computes the figures, explains them and documents them. */

typedef enum vt_kpi_unit {
    VT_KPI_COUNT,    /* a whole number */
    VT_KPI_MONEY,    /* the currency of subscriptions and spend */
    VT_KPI_PERCENT,  /* 0-100 (nrr may exceed 100) */
    VT_KPI_SCORE,    /* a survey index or mean (nps -100..100, ces 1..7) */
    VT_KPI_HOURS,
    VT_KPI_MONTHS
} vt_kpi_unit;

/* A number that may be nil: no data, or a ratio with a zero denominator. */
typedef struct vt_kpi_num {
    double v;
    int nil;
} vt_kpi_num;

/* A KPI: value = numerator / denominator * scale, or the numerator alone. */
typedef struct vt_kpi_def {
    const char *name;
    vt_kpi_unit unit;
    const char *meaning;      /* one line, for --help, --list and the docs */
    const char *formula;      /* how it is computed, for people */
    const char *numerator;    /* SQL expression over the terms */
    const char *denominator;  /* SQL expression over the terms, or NULL */
    double scale;             /* 100 for percentages, else 1 */
} vt_kpi_def;

/* A term: one count or sum over the period's customers, subscriptions,
 * surveys, tickets or spend, which the KPIs are built from. */
typedef struct vt_kpi_term {
    const char *name;
    vt_kpi_unit unit;
    const char *meaning;
    const char *source;       /* the population it aggregates (a CTE of kpis.c) */
    const char *sql;          /* the aggregate over source */
    int total_only;           /* nil in group rows: spend belongs to no customer */
} vt_kpi_term;

int vt_kpi_count(void);
const vt_kpi_def *vt_kpi_def_at(int i);          /* 0 <= i < vt_kpi_count() */
int vt_kpi_index(const char *name);              /* -1 when there is no such KPI */
int vt_kpi_term_count(void);
const vt_kpi_term *vt_kpi_term_at(int i);        /* 0 <= i < vt_kpi_term_count() */

/* A KPI's value and the numerator and denominator it came from
 * (denominator.nil when the KPI has none). */
typedef struct vt_kpi_value {
    vt_kpi_num value, numerator, denominator;
} vt_kpi_value;

typedef struct vt_kpi_row {
    vt_day from, to;          /* this row's period (a month of it when monthly) */
    int32_t month;            /* monthly rows: year*12 + month-1; else -1 */
    int total;                /* 1: all customers; 0: one group */
    char *group;              /* the group's value; NULL for the total row and
                                 for the customers that have no value */
    vt_kpi_value *kpis;       /* vt_kpi_count() values, in definition order */
    vt_kpi_num *terms;        /* vt_kpi_term_count() values */
} vt_kpi_row;

typedef struct vt_kpi_options {
    vt_day from, to;          /* the period, both days included */
    const char *by;           /* NULL, "segment", "plan", "owner" or "region" */
    int monthly;              /* 1: rows per calendar month of the period */
} vt_kpi_options;

typedef struct vt_kpi_report {
    vt_kpi_options opt;       /* opt.by points to a static string */
    int nrows;
    vt_kpi_row *rows;         /* by month, then group; each month's total last */
} vt_kpi_report;

/* Compute the KPIs.  VT_EUSAGE for a bad period or --by; VT_EINTERNAL for a
 * database error or an MRR bridge that does not reconcile (a bug). */
vt_status vt_kpis_compute(sqlite3 *db, const vt_kpi_options *opt, vt_kpi_report **out,
                          vt_error *err);
void vt_kpis_free(vt_kpi_report *rep);
/* The value of KPI name in row, or NULL when there is no such KPI. */
const vt_kpi_value *vt_kpi_get(const vt_kpi_row *row, const char *name);
/* VT_OK when mrr_start + new + expansion + reactivation - contraction -
 * churned equals mrr_end to the cent, else VT_EINTERNAL with the figures. */
vt_status vt_kpis_reconcile(const vt_kpi_row *row, vt_error *err);
/* The first day of month (year*12 + month-1) and the last day n months on:
 * n = 1 for a month, 3 for a quarter. */
void vt_kpis_month_span(int32_t month, int n, vt_day *from, vt_day *to);

/* ---- backtest and report */

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

/* ---- rule tests and diffs */

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

#endif /* VITALS_H */
