/*
 * ruletest_internal.h - what the files of rule unit tests (`vitals test`)
 * share: a fixture file as read (struct vt_fixtures), one fixture per row
 * with its indicator values and its expectations.
 *
 *   fixtures.c        read the fixture CSV: rows, lines, the header
 *   fixtures_cells.c  one cell of a row: a value or an expectation, its
 *                     names checked against the rule file
 *   ruletest.c        the fixture file format; the indicator table;
 *                     matching expectations; the runner
 *
 * Ownership: a vt_fixtures owns every string and array below.
 */
#ifndef VITALS_RULETEST_INTERNAL_H
#define VITALS_RULETEST_INTERNAL_H

#include "vitals.h"

/* What a column of the fixture file holds. */
typedef enum col_kind {
    COL_FIXTURE, COL_CUSTOMER, COL_BAND, COL_FLAGS, COL_SCORE, COL_ERROR, COL_NOTE, COL_VALUE
} col_kind;

typedef struct fixture_column {
    col_kind kind;
    int indicator;             /* COL_VALUE: index in vt_fixtures.indicators */
} fixture_column;

typedef struct expect_flag {
    char *name;
    int negated;               /* !NAME: must not be raised */
} expect_flag;

typedef struct expectation {
    char *band;                /* NULL: any band */
    int has_score, exact;
    double lo, hi;             /* inclusive; -HUGE_VAL / HUGE_VAL when open */
    char *score_text;          /* as written, for messages */
    int no_flags;              /* "-" or "none" */
    expect_flag *flags;
    int n_flags;
    char *error;               /* NULL: the rules must not fail */
} expectation;

typedef struct fixture {
    char *name;
    char *customer_id;         /* NULL: the name */
    long line;
    vt_value *values;          /* one per file column; COL_VALUE ones only */
    expectation ex;
} fixture;

struct vt_fixtures {
    char *path;
    char **indicators;         /* the indicator table's columns */
    int n_indicators;
    fixture_column *cols;      /* the file's header */
    int n_cols;
    fixture *rows;
    int n_rows, cap_rows;
};

#endif
