/*
 * tables.h - the one description of the input tables of SPEC §2: their
 * columns, kinds, ranges and keys.  It drives the schema (schema.c), the
 * validation of every CSV value (validate.c) and the loader (csv_load.c).
 *
 * Storage: each table T is kept in data_T with integer customer keys
 * (customer_keys.cust) and integer day/second/month numbers, and offered to
 * users, rule SQL and BI tools as a view T with the columns of §2 (customer_id
 * as text, dates as ISO text).
 */
#ifndef VITALS_TABLES_H
#define VITALS_TABLES_H

#include "vitals.h"

typedef enum vt_kind {
    K_TEXT,       /* free text */
    K_CUSTOMER,   /* customer id; stored as the integer key `cust` */
    K_INT,        /* whole number within [min, max] */
    K_DECIMAL,    /* number with '.' decimal point within [min, max] */
    K_DATE,       /* YYYY-MM-DD, stored as a day number */
    K_TIMESTAMP,  /* ISO 8601, stored as seconds since the epoch (UTC) */
    K_MONTH,      /* YYYY-MM, stored as year*12 + month-1 */
    K_BOOL,       /* true/false, yes/no, 1/0; stored as 0/1 */
    K_ENUM        /* one of `choices` (any case), stored lower case */
} vt_kind;

enum { COL_REQUIRED = 1, COL_KEY = 2 };

typedef struct vt_column {
    const char *name;
    vt_kind kind;
    int flags;
    double min, max;               /* for K_INT and K_DECIMAL */
    const char *const *choices;    /* for K_ENUM, NULL-terminated */
} vt_column;

/* A parsed, validated value ready to bind. */
typedef struct vt_cell {
    vt_type type;                  /* VT_NIL, VT_INT, VT_REAL or VT_TEXT */
    long long i;
    double r;
    const char *s;                 /* points into the row buffer */
} vt_cell;

typedef struct vt_table vt_table;

/* Cross-column validation of a whole row (e.g. surveys score by type);
 * writes the error into msg and returns the index of the offending column,
 * or -1 when the row is valid. */
typedef int (*vt_row_check)(const vt_table *t, const vt_cell *cells, char *msg, size_t len);

struct vt_table {
    const char *name;
    const vt_column *cols;
    int ncols;
    vt_row_check check;
};

/* The built-in table called name (any case), or NULL. */
const vt_table *vt_table_find(const char *name);
/* All built-in tables, NULL-terminated. */
const vt_table *const *vt_tables(void);
/* Index of column name in t, or -1. */
int vt_table_column(const vt_table *t, const char *name);

/* Physical column name of a column (customer columns are "cust"). */
const char *vt_column_store_name(const vt_column *c);

/* Validate text (already trimmed) against column c into cell.  Returns 0,
 * or -1 with a message such as `"abc" is not a whole number`. */
int vt_validate(const vt_column *c, const char *text, vt_cell *cell, char *msg, size_t len);

#endif /* VITALS_TABLES_H */
