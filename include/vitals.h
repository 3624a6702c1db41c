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

/* The rest of the API, one header per area. */
#include "vitals/runs.h"
#include "vitals/kpis.h"
#include "vitals/tools.h"

#endif /* VITALS_H */
