/*
 * load_internal.h - what the two halves of the loader share: csv_load.c
 * (streaming rows, validation, rejects, the transaction) and load_header.c
 * (reading the header: columns, --map, custom tables, the SQL statements).
 */
#ifndef VITALS_LOAD_INTERNAL_H
#define VITALS_LOAD_INTERNAL_H

#include <csv.h>
#include <stdio.h>

#include "custmap.h"
#include "tables.h"

typedef struct field {
    char *data;      /* the value as in the file (after CSV unquoting) */
    char *trimmed;   /* the same without surrounding spaces, for validation */
    size_t len, cap; /* both buffers have cap bytes */
} field;

typedef struct loader {
    sqlite3 *db;
    const char *path;
    const vt_load_options *opt;
    vt_load_summary *sum;
    vt_error *err;
    vt_status status;          /* VT_OK until something fatal happens */

    struct csv_parser parser;
    field *fields;             /* the current row */
    int nfields, cap_fields;
    long line;                 /* physical line being fed (1-based) */
    long row_line;             /* line the current row started on */
    int row_open;
    size_t row_bytes;

    /* header and its mapping */
    char **header;
    int nheader;
    const vt_table *table;     /* NULL for a custom table */
    int *col_of_field;         /* field -> table column, or -1 for extra */
    int header_of_col[32];     /* table column -> field, or -1 */
    vt_cell cells[32];

    sqlite3_stmt *insert, *exists;
    int bulk;                  /* inserting into an empty table without its key index */
    vt_custmap *customers;
    FILE *rejects;
} loader;

/* The value without surrounding spaces and tabs (the original is kept for
 * the rejects file). */
const char *load_trim(field *f);
/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int load_valid_utf8(const unsigned char *s, size_t n);

/* The header row is in l->fields: map it to the table's columns (or create
 * the custom table) and prepare the statements. */
vt_status load_setup_header(loader *l);
/* Whether column c is stored by this load (see load_header.c). */
int load_stored(const loader *l, int c);

/* Whether name may be a custom table: an identifier, not one of ours, not
 * an index or view of db.  VT_OK, or VT_EUSAGE with the reason in err. */
vt_status load_check_custom_name(sqlite3 *db, const char *name, vt_error *err);

#endif /* VITALS_LOAD_INTERNAL_H */
