/*
 * vitals/runs.h - part of the libvitals API: scoring runs, explanations, at-risk exports and overrides.
 * vitals.h includes it; include vitals.h.
 */
#ifndef VITALS_API_RUNS_H
#define VITALS_API_RUNS_H

#include <stdio.h>

#include "../vitals.h"

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

#endif /* VITALS_API_RUNS_H */
