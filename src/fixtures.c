/*
 * fixtures.c - the fixture file of `vitals test` (its format is described
 * in ruletest.c) read into a vt_fixtures: libcsv fed one line at a time so
 * that every row knows its line, the header's columns checked against the
 * rule file's names, one fixture per row (fixtures_cells.c reads its
 * cells), and every problem reported as FILE:LINE before anything is
 * scored.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "fixtures_internal.h"
#include "reserve.h"

#define FIXTURE_FILE_MAX (16L << 20)  /* a fixture file is a spreadsheet people keep */
#define FIXTURE_COLUMNS_MAX 4096

static const struct {
    const char *name;
    col_kind kind;
} fixed_columns[] = {
    {"fixture", COL_FIXTURE},     {"customer_id", COL_CUSTOMER}, {"expect_band", COL_BAND},
    {"expect_flags", COL_FLAGS},  {"expect_score", COL_SCORE},   {"expect_error", COL_ERROR},
    {"note", COL_NOTE},
};
#define N_FIXED (int)(sizeof fixed_columns / sizeof fixed_columns[0])

/* ------------------------------------------------------------ freeing */

static void free_fixture(fixture *f, int n_cols)
{
    free(f->name);
    free(f->customer_id);
    for (int i = 0; f->values && i < n_cols; i++)
        if (f->values[i].type == VT_TEXT)
            free((char *)f->values[i].u.s);
    free(f->values);
    free(f->ex.band);
    free(f->ex.score_text);
    for (int i = 0; i < f->ex.n_flags; i++)
        free(f->ex.flags[i].name);
    free(f->ex.flags);
    free(f->ex.error);
}

void vt_fixtures_free(vt_fixtures *fx)
{
    if (!fx)
        return;
    for (int i = 0; i < fx->n_rows; i++)
        free_fixture(&fx->rows[i], fx->n_cols);
    for (int i = 0; i < fx->n_indicators; i++)
        free(fx->indicators[i]);
    free(fx->indicators);
    free(fx->rows);
    free(fx->cols);
    free(fx->path);
    free(fx);
}

int vt_fixtures_count(const vt_fixtures *fx) { return fx->n_rows; }
const char *vt_fixture_name(const vt_fixtures *fx, int i) { return fx->rows[i].name; }
long vt_fixture_line(const vt_fixtures *fx, int i) { return fx->rows[i].line; }

/* ------------------------------------------------------------ the parser */

vt_status fx_fail(fx_parser *p, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vt_fail(p->err, VT_EINPUT, "%s:%ld: %s", p->fx->path, p->row_line, msg);
}

vt_status fx_out_of_memory(fx_parser *p)
{
    return vt_fail(p->err, VT_EINTERNAL, "%s: out of memory", p->fx->path);
}

int fx_is_blank(char c) { return c == ' ' || c == '\t'; }

/* A copy of s[0..len) without surrounding spaces and tabs. */
static char *trimmed_copy(const char *s, size_t len)
{
    while (len > 0 && fx_is_blank(*s))
        s++, len--;
    while (len > 0 && fx_is_blank(s[len - 1]))
        len--;
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

char *fx_take(fx_parser *p, int i)
{
    char *s = p->fields[i];
    if (!*s)
        return NULL;
    p->fields[i] = NULL;
    return s;
}

static void on_field(void *s, size_t len, void *data)
{
    fx_parser *p = data;
    if (p->status != VT_OK)
        return;
    if (len > 0 && memchr(s, '\0', len)) {
        p->status = fx_fail(p, "a NUL byte in field %d (is this a text file?)", p->n_fields + 1);
        return;
    }
    if (p->n_fields == FIXTURE_COLUMNS_MAX) {
        p->status = fx_fail(p, "more than %d fields", FIXTURE_COLUMNS_MAX);
        return;
    }
    if (vt_reserve((void **)&p->fields, &p->cap_fields, p->n_fields, sizeof *p->fields)) {
        p->status = fx_out_of_memory(p);
        return;
    }
    char *copy = trimmed_copy(len > 0 ? s : "", len);
    if (!copy) {
        p->status = fx_out_of_memory(p);
        return;
    }
    p->fields[p->n_fields++] = copy;
}

/* A known name nearest to name, among the fixed columns and indicators. */
static const char *nearest_column(const vt_fixtures *fx, const char *name)
{
    int n = N_FIXED + fx->n_indicators;
    const char **all = malloc((size_t)n * sizeof *all);
    if (!all)
        return NULL;
    for (int i = 0; i < N_FIXED; i++)
        all[i] = fixed_columns[i].name;
    for (int i = 0; i < fx->n_indicators; i++)
        all[N_FIXED + i] = fx->indicators[i];
    const char *near = vt_nearest_name(name, all, n);
    free(all);
    return near;
}

static vt_status unknown_column(fx_parser *p, const char *name)
{
    if (strcmp(name, "score_change") == 0)
        return fx_fail(p, "column score_change: the engine derives it from score_prev and "
                          "the score; give score_prev instead");
    const char *near = nearest_column(p->fx, name);
    if (near)
        return fx_fail(p, "unknown column '%s'; did you mean %s?", name, near);
    return fx_fail(p, "unknown column '%s': not an indicator of the rule file, nor fixture, "
                      "customer_id, expect_band, expect_flags, expect_score, expect_error or "
                      "note", name);
}

static vt_status classify_column(fx_parser *p, const char *name, fixture_column *col)
{
    for (int i = 0; i < N_FIXED; i++)
        if (strcmp(name, fixed_columns[i].name) == 0) {
            col->kind = fixed_columns[i].kind;
            return VT_OK;
        }
    for (int i = 0; i < p->fx->n_indicators; i++)
        if (strcmp(name, p->fx->indicators[i]) == 0) {
            col->kind = COL_VALUE;
            col->indicator = i;
            return VT_OK;
        }
    return unknown_column(p, name);
}

static vt_status read_header(fx_parser *p)
{
    vt_fixtures *fx = p->fx;
    if (!(fx->cols = calloc((size_t)p->n_fields, sizeof *fx->cols)))
        return fx_out_of_memory(p);
    fx->n_cols = p->n_fields;
    int has_fixture = 0;
    for (int i = 0; i < p->n_fields; i++) {
        const char *name = p->fields[i];
        if (!*name)
            return fx_fail(p, "column %d has no name in the header", i + 1);
        for (int j = 0; j < i; j++)
            if (strcmp(p->fields[j], name) == 0)
                return fx_fail(p, "column '%s' appears twice (columns %d and %d)", name, j + 1,
                               i + 1);
        vt_status st = classify_column(p, name, &fx->cols[i]);
        if (st != VT_OK)
            return st;
        has_fixture |= fx->cols[i].kind == COL_FIXTURE;
    }
    if (!has_fixture)
        return fx_fail(p, "no 'fixture' column: the header needs one, and every row a name "
                          "in it");
    p->header_done = 1;
    return VT_OK;
}

/* ------------------------------------------------------------ rows */

/* The fixture's name, unique; 0 when there is none. */
static vt_status read_name(fx_parser *p, fixture *f)
{
    for (int i = 0; i < p->fx->n_cols; i++)
        if (p->fx->cols[i].kind == COL_FIXTURE)
            f->name = fx_take(p, i);
    if (!f->name)
        return fx_fail(p, "the fixture has no name (column fixture is empty)");
    for (int i = 0; i < p->fx->n_rows - 1; i++)
        if (strcmp(p->fx->rows[i].name, f->name) == 0)
            return fx_fail(p, "fixture '%s' is also on line %ld: names must be unique", f->name,
                           p->fx->rows[i].line);
    return VT_OK;
}

static vt_status add_fixture(fx_parser *p)
{
    vt_fixtures *fx = p->fx;
    if (p->n_fields != fx->n_cols)
        return fx_fail(p, "%d field%s, but the header has %d columns", p->n_fields,
                       p->n_fields == 1 ? "" : "s", fx->n_cols);
    if (vt_reserve((void **)&fx->rows, &fx->cap_rows, fx->n_rows, sizeof *fx->rows))
        return fx_out_of_memory(p);
    fixture *f = &fx->rows[fx->n_rows++];
    memset(f, 0, sizeof *f);
    f->line = p->row_line;
    if (!(f->values = calloc((size_t)fx->n_cols, sizeof *f->values)))
        return fx_out_of_memory(p);
    vt_status st = read_name(p, f);
    for (int i = 0; i < fx->n_cols && st == VT_OK; i++)
        st = fx_read_cell(p, f, i);
    if (st == VT_OK && f->ex.error && (f->ex.band || f->ex.has_score || f->ex.n_flags ||
                                       f->ex.no_flags))
        st = fx_fail(p, "fixture '%s': expect_error goes alone: a customer whose rules fail "
                        "gets no band, score or flags", f->name);
    return st;
}

static int row_is_empty(const fx_parser *p)
{
    for (int i = 0; i < p->n_fields; i++)
        if (p->fields[i] && *p->fields[i])
            return 0;
    return 1;
}

static void clear_fields(fx_parser *p)
{
    for (int i = 0; i < p->n_fields; i++)
        free(p->fields[i]);
    p->n_fields = 0;
}

static void on_row(int c, void *data)
{
    fx_parser *p = data;
    (void)c;
    if (p->status == VT_OK && !row_is_empty(p))
        p->status = p->header_done ? add_fixture(p) : read_header(p);
    clear_fields(p);
    p->row_open = 0;
}

static int blank_line(const char *s, const char *end)
{
    for (; s < end; s++)
        if (*s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* A libcsv error in words for people who keep fixtures in a spreadsheet. */
static vt_status csv_problem(fx_parser *p, struct csv_parser *csv, int at_end)
{
    if (csv_error(csv) != CSV_EPARSE)
        return fx_out_of_memory(p);
    if (at_end)
        return fx_fail(p, "malformed CSV: a quoted field is never closed");
    p->row_line = p->line;
    return fx_fail(p, "malformed CSV: a stray quote (a field with quotes must be quoted as a "
                      "whole, its quotes doubled: \"say \"\"hi\"\"\")");
}

/* Feed text to libcsv one line at a time, so that every row knows its line. */
static void feed(fx_parser *p, struct csv_parser *csv, const char *text, size_t len)
{
    const char *s = text, *end = text + len;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    p->line = 1;
    while (s < end && p->status == VT_OK) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *stop = nl ? nl + 1 : end;
        if (!p->row_open && !blank_line(s, stop)) {
            p->row_open = 1;
            p->row_line = p->line;
        }
        size_t n = (size_t)(stop - s);
        if (csv_parse(csv, s, n, on_field, on_row, p) != n && p->status == VT_OK)
            p->status = csv_problem(p, csv, 0);
        p->line += nl != NULL;
        s = stop;
    }
    if (p->status == VT_OK && csv_fini(csv, on_field, on_row, p) != 0 && p->status == VT_OK)
        p->status = csv_problem(p, csv, 1);
}

static vt_fixtures *fixtures_new(const char *path, const vt_fixture_names *names)
{
    vt_fixtures *fx = calloc(1, sizeof *fx);
    if (!fx)
        return NULL;
    fx->path = strdup(path);
    fx->indicators = calloc((size_t)names->n_indicators + 1, sizeof *fx->indicators);
    if (!fx->path || !fx->indicators) {
        vt_fixtures_free(fx);
        return NULL;
    }
    for (int i = 0; i < names->n_indicators; i++) {
        if (fx_find_name(names->indicators[i], (const char *const *)fx->indicators,
                         fx->n_indicators) >= 0)
            continue;
        if (!(fx->indicators[fx->n_indicators] = strdup(names->indicators[i]))) {
            vt_fixtures_free(fx);
            return NULL;
        }
        fx->n_indicators++;
    }
    return fx;
}

vt_status vt_fixtures_parse(const char *path, const char *text, size_t len,
                            const vt_fixture_names *names, vt_fixtures **out, vt_error *err)
{
    *out = NULL;
    fx_parser p = {.names = names, .err = err, .status = VT_OK, .row_line = 1};
    if (!(p.fx = fixtures_new(path, names)))
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    struct csv_parser csv;
    if (csv_init(&csv, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
        vt_fixtures_free(p.fx);
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    }
    feed(&p, &csv, text, len);
    csv_free(&csv);
    clear_fields(&p);
    free(p.fields);
    if (p.status == VT_OK && !p.header_done)
        p.status = vt_fail(err, VT_EINPUT, "%s:1: empty file: expected a header row "
                                           "(fixture, indicators..., expect_band...)", path);
    if (p.status != VT_OK) {
        vt_fixtures_free(p.fx);
        return p.status;
    }
    *out = p.fx;
    return VT_OK;
}

vt_status vt_fixtures_read(const char *path, const vt_fixture_names *names, vt_fixtures **out,
                           vt_error *err)
{
    *out = NULL;
    FILE *in = fopen(path, "rb");
    if (!in)
        return vt_fail(err, VT_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    char *text = malloc((size_t)FIXTURE_FILE_MAX + 1);
    size_t len = text ? fread(text, 1, (size_t)FIXTURE_FILE_MAX + 1, in) : 0;
    vt_status st = VT_OK;
    if (!text)
        st = vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    else if (ferror(in))
        st = vt_fail(err, VT_EINPUT, "%s: cannot read: %s", path, strerror(errno));
    else if (len > (size_t)FIXTURE_FILE_MAX)
        st = vt_fail(err, VT_EINPUT, "%s: larger than %ld MB: is it a fixture file?", path,
                     FIXTURE_FILE_MAX >> 20);
    fclose(in);
    if (st == VT_OK)
        st = vt_fixtures_parse(path, text, len, names, out, err);
    free(text);
    return st;
}
