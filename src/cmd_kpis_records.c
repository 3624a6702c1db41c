/*
 * cmd_kpis_records.c - `vitals kpis` for programs: KPI rows, the MRR bridge
 * (--movements), --explain and --list as records of fixed columns, written
 * as CSV (a header first) or as a JSON array of objects.  JSON objects are
 * built by SQLite's json_object, so numbers are JSON numbers and nil is null.
 * cmd_kpis_tables.c prints the same for people.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kpis_print.h"

typedef enum field_type { F_TEXT, F_INT, F_REAL, F_BOOL } field_type;

typedef struct column {
    const char *name;
    field_type type;
} column;

typedef struct field {
    int nil;
    long long i;  /* F_INT, F_BOOL */
    double r;     /* F_REAL */
    const char *s;
} field;

/* Writes records of fixed columns as CSV (a header first) or as a JSON
 * array of objects, one per line. */
typedef struct writer {
    kpis_format format;
    const column *cols;
    int ncols;
    sqlite3_stmt *obj;  /* JSON: SELECT json_object(?1, ?2, ...) */
    long records;
} writer;

static void csv_text(const char *s)
{
    if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!*s || s[strlen(s) - 1] != ' ')) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void csv_field(field_type t, const field *f)
{
    if (f->nil)
        return;
    switch (t) {
    case F_TEXT: csv_text(f->s); break;
    case F_INT: printf("%lld", f->i); break;
    case F_REAL: printf("%.15g", f->r); break;
    case F_BOOL: fputs(f->i ? "true" : "false", stdout); break;
    }
}

static int writer_open(writer *w, sqlite3 *db, kpis_format format, const column *cols, int n)
{
    *w = (writer){.format = format, .cols = cols, .ncols = n};
    if (format == KPIS_CSV) {
        for (int i = 0; i < n; i++) {
            if (i)
                putchar(',');
            csv_text(cols[i].name);
        }
        putchar('\n');
        return 0;
    }
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_str_appendall(s, "SELECT json_object(");
    for (int i = 0; i < n; i++)
        sqlite3_str_appendf(s, "%s?%d, %s?%d%s", i ? ", " : "", 2 * i + 1,
                            cols[i].type == F_BOOL ? "json(" : "", 2 * i + 2,
                            cols[i].type == F_BOOL ? ")" : "");
    sqlite3_str_appendall(s, ")");
    char *sql = sqlite3_str_finish(s);
    int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &w->obj, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        cli_errorf("kpis: preparing JSON output: %s", sqlite3_errstr(rc));
        return -1;
    }
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(w->obj, 2 * i + 1, cols[i].name, -1, SQLITE_STATIC);
    return 0;
}

static void json_bind(sqlite3_stmt *st, int i, field_type t, const field *f)
{
    if (f->nil)
        sqlite3_bind_null(st, i);
    else if (t == F_TEXT)
        sqlite3_bind_text(st, i, f->s, -1, SQLITE_STATIC);
    else if (t == F_INT)
        sqlite3_bind_int64(st, i, f->i);
    else if (t == F_REAL)
        sqlite3_bind_double(st, i, f->r);
    else
        sqlite3_bind_text(st, i, f->i ? "true" : "false", -1, SQLITE_STATIC);
}

static int writer_record(writer *w, const field *fields)
{
    if (w->format == KPIS_CSV) {
        for (int i = 0; i < w->ncols; i++) {
            if (i)
                putchar(',');
            csv_field(w->cols[i].type, &fields[i]);
        }
        putchar('\n');
        w->records++;
        return 0;
    }
    for (int i = 0; i < w->ncols; i++)
        json_bind(w->obj, 2 * i + 2, w->cols[i].type, &fields[i]);
    int rc = sqlite3_step(w->obj);
    if (rc == SQLITE_ROW)
        printf("%s%s", w->records++ ? ",\n" : "[\n", (const char *)sqlite3_column_text(w->obj, 0));
    sqlite3_reset(w->obj);
    if (rc != SQLITE_ROW) {
        cli_errorf("kpis: building JSON: %s", sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

static void writer_close(writer *w)
{
    if (w->format == KPIS_JSON)
        fputs(w->records ? "\n]\n" : "[]\n", stdout);
    sqlite3_finalize(w->obj);
}

/* ------------------------------------------------------------ rows as records */

/* The identity of a row: its period, its month and its group. */
static int identity_columns(const vt_kpi_report *rep, column *cols)
{
    int n = 0;
    cols[n++] = (column){"from", F_TEXT};
    cols[n++] = (column){"to", F_TEXT};
    if (rep->opt.monthly)
        cols[n++] = (column){"month", F_TEXT};
    if (rep->opt.by) {
        cols[n++] = (column){rep->opt.by, F_TEXT};
        cols[n++] = (column){"total", F_BOOL};
    }
    return n;
}

typedef struct row_text {
    char from[11], to[11], month[8];
} row_text;

static void identity_fields(const vt_kpi_report *rep, const vt_kpi_row *row, row_text *t,
                            field *f)
{
    int n = 0;
    vt_date_format(row->from, t->from);
    vt_date_format(row->to, t->to);
    memcpy(t->month, t->from, 7);
    t->month[7] = '\0';
    f[n++] = (field){.s = t->from};
    f[n++] = (field){.s = t->to};
    if (rep->opt.monthly)
        f[n++] = (field){.s = t->month};
    if (rep->opt.by) {
        f[n++] = (field){.nil = !row->group, .s = row->group};
        f[n++] = (field){.i = row->total};
    }
}

static column kpi_column(const vt_kpi_def *d)
{
    return (column){d->name, d->unit == VT_KPI_COUNT ? F_INT : F_REAL};
}

static field num_field(vt_kpi_num n)
{
    return (field){.nil = n.nil, .i = n.nil ? 0 : llround(n.v), .r = n.v};
}

int kpis_write_rows(sqlite3 *db, kpis_format format, const vt_kpi_report *rep,
                    const char *const *names, int nnames)
{
    int nk = names ? nnames : vt_kpi_count(), status = VT_OK;
    column *cols = calloc((size_t)nk + 8, sizeof *cols);
    field *fields = calloc((size_t)nk + 8, sizeof *fields);
    int *idx = calloc((size_t)nk, sizeof *idx);
    writer w;
    if (!cols || !fields || !idx) {
        status = VT_EINTERNAL;
        goto done;
    }
    int ni = identity_columns(rep, cols);
    for (int k = 0; k < nk; k++) {
        idx[k] = names ? vt_kpi_index(names[k]) : k;
        cols[ni + k] = kpi_column(vt_kpi_def_at(idx[k]));
    }
    if (writer_open(&w, db, format, cols, ni + nk)) {
        status = VT_EINTERNAL;
        goto done;
    }
    for (int r = 0; r < rep->nrows && status == VT_OK; r++) {
        row_text t;
        identity_fields(rep, &rep->rows[r], &t, fields);
        for (int k = 0; k < nk; k++)
            fields[ni + k] = num_field(rep->rows[r].kpis[idx[k]].value);
        if (writer_record(&w, fields))
            status = VT_EINTERNAL;
    }
    writer_close(&w);
done:
    free(cols);
    free(fields);
    free(idx);
    return status;
}

int kpis_write_explain(sqlite3 *db, kpis_format format, const vt_kpi_report *rep)
{
    static const column tail[] = {
        {"kpi", F_TEXT},         {"value", F_REAL},         {"numerator", F_REAL},
        {"denominator", F_REAL}, {"formula", F_TEXT},       {"numerator_sql", F_TEXT},
        {"denominator_sql", F_TEXT},
    };
    column cols[16];
    field f[16];
    writer w;
    int ni = identity_columns(rep, cols);
    memcpy(cols + ni, tail, sizeof tail);
    if (writer_open(&w, db, format, cols, ni + 7))
        return VT_EINTERNAL;
    int status = VT_OK;
    for (int r = 0; r < rep->nrows && status == VT_OK; r++) {
        row_text t;
        identity_fields(rep, &rep->rows[r], &t, f);
        for (int k = 0; k < vt_kpi_count() && status == VT_OK; k++) {
            const vt_kpi_def *d = vt_kpi_def_at(k);
            const vt_kpi_value *v = &rep->rows[r].kpis[k];
            f[ni] = (field){.s = d->name};
            f[ni + 1] = num_field(v->value);
            f[ni + 2] = num_field(v->numerator);
            f[ni + 3] = num_field(v->denominator);
            f[ni + 4] = (field){.s = d->formula};
            f[ni + 5] = (field){.s = d->numerator};
            f[ni + 6] = (field){.nil = !d->denominator, .s = d->denominator};
            if (writer_record(&w, f))
                status = VT_EINTERNAL;
        }
    }
    writer_close(&w);
    return status;
}

int kpis_write_list(sqlite3 *db, kpis_format format)
{
    static const column cols[] = {
        {"name", F_TEXT},    {"unit", F_TEXT},      {"meaning", F_TEXT}, {"formula", F_TEXT},
        {"numerator", F_TEXT}, {"denominator", F_TEXT}, {"scale", F_REAL},
    };
    writer w;
    if (writer_open(&w, db, format, cols, 7))
        return VT_EINTERNAL;
    int status = VT_OK;
    for (int k = 0; k < vt_kpi_count() && status == VT_OK; k++) {
        const vt_kpi_def *d = vt_kpi_def_at(k);
        field f[] = {
            {.s = d->name},      {.s = kpis_unit_name(d->unit)}, {.s = d->meaning},
            {.s = d->formula},   {.s = d->numerator},
            {.nil = !d->denominator, .s = d->denominator}, {.r = d->scale},
        };
        if (writer_record(&w, f))
            status = VT_EINTERNAL;
    }
    writer_close(&w);
    return status;
}
