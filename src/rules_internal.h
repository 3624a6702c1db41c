/*
 * rules_internal.h - what the files of the rules engine share: the loaded
 * rule file (struct vt_rules) and the functions each file gives the others.
 *
 *   rules.c        lifecycle: read, hash, load, resolve references between
 *                  declarations, report problems, free; accessors
 *   rules_api.c    the rule language: bands, measure, flag, indicator,
 *                  scorecard, linear, inverse, steps; each one validated
 *   rules_eval.c   bind an indicator table; score one customer (c and s)
 *   rules_json.c   the result JSON (measures_json, flags_json)
 *   rules_sql.c    rule-defined indicators: read-only SQL
 *   rules_check.c  `vitals check`: load plus static checks of the source
 *
 * Ownership: a vt_rules owns every string and array below; Lua callbacks
 * are registry references in its sandbox and die with it.
 */
#ifndef VITALS_RULES_INTERNAL_H
#define VITALS_RULES_INTERNAL_H

#include "rules_sandbox.h"
#include "scale.h"
#include "reserve.h"
#include "vitals.h"

#define RULE_NAME_MAX 63     /* longest measure, flag, scorecard name */
#define RULE_BAND_MAX 31     /* longest band name (vt_result.band) */

typedef enum rule_severity {
    SEVERITY_LOW, SEVERITY_MEDIUM, SEVERITY_HIGH, SEVERITY_CRITICAL
} rule_severity;

extern const char *const rule_severity_names[];   /* indexed by rule_severity */

typedef struct rule_band {
    char name[RULE_BAND_MAX + 1];
    double floor;
} rule_band;

typedef struct rule_measure {
    char *name;
    char *group;            /* NULL when none */
    int line;               /* where it is declared */
    double weight;          /* > 0 */
    char *indicator;        /* value = "NAME", else NULL */
    int column;             /* indicator's column once bound, else -1 */
    int value_ref;          /* value = function: registry reference */
    vt_scale scale;         /* scale.steps points into steps */
    vt_step *steps;
    int has_missing;
    double missing;         /* the score used when the value is nil */
} rule_measure;

typedef struct rule_flag {
    char *name;
    int line;
    rule_severity severity;
    int when_ref;
    int reason_ref;         /* reason = function, else LUA_NOREF */
    char *reason_text;      /* reason = "text", else NULL */
    char *force_band_name;  /* as written, NULL when none */
    int force_band;         /* band index once validated, else -1 */
} rule_flag;

typedef struct rule_weight {
    char *measure;
    double weight;
} rule_weight;

typedef struct rule_scorecard {
    char *name;
    int line;
    int when_ref;
    rule_weight *listed;    /* weights = {...} as written */
    int n_listed;
    double *weights;        /* per measure once validated; NAN: keep its own */
} rule_scorecard;

typedef struct rule_indicator {
    char *name;
    int line;
    char *sql;
} rule_indicator;

typedef struct rule_problem {
    int line;               /* 0: about the whole file */
    char *text;             /* "FILE:LINE: message" */
} rule_problem;

/* A declaration whose name was given ("measure "x"") but whose body may
 * not be ("{ ... }"). */
typedef struct rule_pending {
    const char *kind;
    char *name;
    int line;
    int done;
} rule_pending;

/* The JSON writer's state (rules_json.c): a buffer reused for every
 * customer and the constant parts of each entry, rendered once. */
typedef struct rule_json {
    char *buf;
    size_t len, cap;
    char **measure_heads;     /* {"name":...,"group":...,"value": */
    char **flag_heads;        /* {"name":...,"severity":...,"reason": */
    char **flag_tails;        /* ,"force_band":...} */
} rule_json;

/* The per-customer state of an evaluation (rules_eval.c). */
typedef struct rule_outcome {
    int row;
    int scorecard;            /* index, or -1 */
    vt_part *parts;           /* per measure */
    double *values;           /* per measure, meaningful when parts[i].has_data */
    double *floors;           /* per band, ascending */
    vt_mean mean;
    int score_band;
    int has_score_change;
    double score_change;
    int *raised;              /* flag indexes, declaration order */
    int n_raised;
    int *forced;              /* per raised flag: band index or -1 */
    char (*reasons)[VT_RULE_MSG_MAX + 1];   /* per raised flag */
} rule_outcome;

struct vt_rules {
    char *path;
    char sha256[65];
    char *source;
    size_t source_len;
    vt_rule_limits limits;
    vt_sandbox *sb;

    rule_band *bands;
    int n_bands;
    int bands_line;             /* 0 when the file declares none */
    rule_measure *measures;
    int n_measures, cap_measures;
    rule_flag *flags;
    int n_flags, cap_flags;
    rule_scorecard *scorecards;
    int n_scorecards, cap_scorecards;
    rule_indicator *indicators;
    int n_indicators, cap_indicators;
    rule_pending *pending;
    int n_pending, cap_pending;
    rule_problem *problems;
    int n_problems, cap_problems;
    int problems_lost;          /* a problem could not be recorded (memory) */
    int sealed;                 /* loaded: no more declarations */

    const vt_indicators *bound; /* not owned */
    int score_prev_column;      /* -1 when absent */
    int c_ref, s_ref;           /* the views c and s of the bound table */
    rule_outcome out;
    rule_json json;
    char failure[VT_RULE_MSG_MAX + 2 * RULE_NAME_MAX + 64];   /* why a customer failed */
};

/* rules.c: read, hash and run the rule file, validate its declarations.
 * VT_OK with *out set even when the file has problems (r->problems);
 * an error status only when it cannot be read or set up at all. */
vt_status rules_open(const char *path, const vt_rule_limits *lim, vt_rules **out,
                     vt_error *err);

/* Record a problem "FILE:LINE: message" (line 0: "FILE: message").
 * Returns 1 (one more problem), so that callers can count them; when
 * memory runs out the problem is lost and r->problems_lost is set. */
int rules_problem(vt_rules *r, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The problems, sorted by line, one per line, into err (truncated with a
 * count of the rest).  Returns VT_EINPUT. */
vt_status rules_report_problems(vt_rules *r, vt_error *err);

/* rules_api.c: register the rule language in r's sandbox. */
vt_status rules_api_define(vt_rules *r, vt_error *err);

/* rules_eval.c: allocate the per-customer state once the file is loaded. */
int rules_eval_prepare(vt_rules *r);
void rules_eval_free(vt_rules *r);

/* rules_json.c: render the constant parts once (0, or -1 when out of
 * memory); the result JSON of one evaluated customer, malloc'ed, NULL when
 * out of memory; free the writer's state. */
int rules_json_prepare(vt_rules *r);
char *rules_measures_json(vt_rules *r);
char *rules_flags_json(vt_rules *r);
void rules_json_free(vt_rules *r);

#endif /* VITALS_RULES_INTERNAL_H */
