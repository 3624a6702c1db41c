/*
 * fixtures_internal.h - what the two files of the fixture reader share:
 * the parser's state while libcsv feeds it a fixture file (fixtures.c),
 * and the functions that read one cell of a row (fixtures_cells.c).
 */
#ifndef VITALS_FIXTURES_INTERNAL_H
#define VITALS_FIXTURES_INTERNAL_H

#include "ruletest_internal.h"

typedef struct fx_parser {
    vt_fixtures *fx;
    const vt_fixture_names *names;
    vt_error *err;
    vt_status status;
    long line;                 /* physical line being fed (1-based) */
    long row_line;             /* line the current row started on */
    int row_open;
    int header_done;
    char **fields;             /* the current row, trimmed copies */
    int n_fields, cap_fields;
} fx_parser;

/* (fixtures.c) Fail with "PATH:LINE: message" at the current row. */
vt_status fx_fail(fx_parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
vt_status fx_out_of_memory(fx_parser *p);
int fx_is_blank(char c);
/* Take field i out of the current row: the caller owns it; NULL when empty. */
char *fx_take(fx_parser *p, int i);

/* (fixtures_cells.c) The index of name in names[0..n), or -1. */
int fx_find_name(const char *name, const char *const *names, int n);
/* Read cell i of the current row into fixture f: a value, the customer_id
 * or an expectation (the fixture's name is read before, by the row). */
vt_status fx_read_cell(fx_parser *p, fixture *f, int i);

#endif
