/*
 * ruletest.c - rule unit tests (`vitals test`): fixture customers read from
 * a CSV file, scored with a rule file without any database, and checked
 * against the band, flags, score or error they are expected to get.
 *
 * The fixture file (RFC 4180, UTF-8, an optional BOM; read with libcsv) has
 * a header row and one row per fixture; columns in any order:
 *   fixture        the fixture's name (required, unique, not empty)
 *   customer_id    what c.customer_id returns (default: the fixture's name)
 *   INDICATOR      a built-in indicator (score_prev included, score_change
 *                  not: the engine derives it) or one the rule file defines:
 *                  an empty cell is nil, 12 an integer (VT_INT), 0.5, -3.0
 *                  or 1e3 a real (VT_REAL), anything else text (VT_TEXT);
 *                  indicators without a column are nil
 *   expect_band    the final band, after flags force one
 *   expect_flags   flag names that must be raised, separated by spaces,
 *                  commas or semicolons; !NAME must not be raised; - or
 *                  none alone: no flag at all (other flags may be raised
 *                  when names are listed)
 *   expect_score   72.5: the score to one decimal (|score - 72.5| < 0.05);
 *                  60..80: a range, both ends included; 60.. and ..80 are
 *                  open on one side
 *   expect_error   a piece of the error the rules must fail with (alone:
 *                  a customer that fails has no band, score or flags)
 *   note           ignored: why the fixture is there, for people
 * Cells are trimmed of spaces and tabs.  An empty expectation expects
 * nothing; a fixture without any expectation has only to score without
 * error.  Every name is checked when the file is read - columns, bands,
 * flags - and a wrong one is reported as FILE:LINE with the nearest known
 * name, before anything is scored.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "reserve.h"
#include "vitals.h"

#define FIXTURE_FILE_MAX (16L << 20)  /* a fixture file is a spreadsheet people keep */
#define FIXTURE_COLUMNS_MAX 4096
#define SCORE_TOLERANCE 0.05          /* "72.5" matches the scores shown as 72.5 */
#define EPSILON 1e-9
#define FLAG_SEPARATORS " \t,;"

typedef enum col_kind {
    COL_FIXTURE, COL_CUSTOMER, COL_BAND, COL_FLAGS, COL_SCORE, COL_ERROR, COL_NOTE, COL_VALUE
} col_kind;

static const struct {
    const char *name;
    col_kind kind;
} fixed_columns[] = {
    {"fixture", COL_FIXTURE},     {"customer_id", COL_CUSTOMER}, {"expect_band", COL_BAND},
    {"expect_flags", COL_FLAGS},  {"expect_score", COL_SCORE},   {"expect_error", COL_ERROR},
    {"note", COL_NOTE},
};
#define N_FIXED (int)(sizeof fixed_columns / sizeof fixed_columns[0])

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

typedef struct parser {
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
} parser;

/* Fail with "PATH:LINE: message" at the current row. */
static vt_status fail_at(parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static vt_status fail_at(parser *p, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vt_fail(p->err, VT_EINPUT, "%s:%ld: %s", p->fx->path, p->row_line, msg);
}

static vt_status out_of_memory(parser *p)
{
    return vt_fail(p->err, VT_EINTERNAL, "%s: out of memory", p->fx->path);
}

static int is_blank_char(char c) { return c == ' ' || c == '\t'; }

/* A copy of s[0..len) without surrounding spaces and tabs. */
static char *trimmed_copy(const char *s, size_t len)
{
    while (len > 0 && is_blank_char(*s))
        s++, len--;
    while (len > 0 && is_blank_char(s[len - 1]))
        len--;
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

/* Take field i out of the current row: the caller owns it; NULL when empty. */
static char *take(parser *p, int i)
{
    char *s = p->fields[i];
    if (!*s)
        return NULL;
    p->fields[i] = NULL;
    return s;
}

static void on_field(void *s, size_t len, void *data)
{
    parser *p = data;
    if (p->status != VT_OK)
        return;
    if (len > 0 && memchr(s, '\0', len)) {
        p->status = fail_at(p, "a NUL byte in field %d (is this a text file?)", p->n_fields + 1);
        return;
    }
    if (p->n_fields == FIXTURE_COLUMNS_MAX) {
        p->status = fail_at(p, "more than %d fields", FIXTURE_COLUMNS_MAX);
        return;
    }
    if (vt_reserve((void **)&p->fields, &p->cap_fields, p->n_fields, sizeof *p->fields)) {
        p->status = out_of_memory(p);
        return;
    }
    char *copy = trimmed_copy(len > 0 ? s : "", len);
    if (!copy) {
        p->status = out_of_memory(p);
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

static vt_status unknown_column(parser *p, const char *name)
{
    if (strcmp(name, "score_change") == 0)
        return fail_at(p, "column score_change: the engine derives it from score_prev and "
                          "the score; give score_prev instead");
    const char *near = nearest_column(p->fx, name);
    if (near)
        return fail_at(p, "unknown column '%s'; did you mean %s?", name, near);
    return fail_at(p, "unknown column '%s': not an indicator of the rule file, nor fixture, "
                      "customer_id, expect_band, expect_flags, expect_score, expect_error or "
                      "note", name);
}

static vt_status classify_column(parser *p, const char *name, fixture_column *col)
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

static vt_status read_header(parser *p)
{
    vt_fixtures *fx = p->fx;
    if (!(fx->cols = calloc((size_t)p->n_fields, sizeof *fx->cols)))
        return out_of_memory(p);
    fx->n_cols = p->n_fields;
    int has_fixture = 0;
    for (int i = 0; i < p->n_fields; i++) {
        const char *name = p->fields[i];
        if (!*name)
            return fail_at(p, "column %d has no name in the header", i + 1);
        for (int j = 0; j < i; j++)
            if (strcmp(p->fields[j], name) == 0)
                return fail_at(p, "column '%s' appears twice (columns %d and %d)", name, j + 1,
                               i + 1);
        vt_status st = classify_column(p, name, &fx->cols[i]);
        if (st != VT_OK)
            return st;
        has_fixture |= fx->cols[i].kind == COL_FIXTURE;
    }
    if (!has_fixture)
        return fail_at(p, "no 'fixture' column: the header needs one, and every row a name "
                          "in it");
    p->header_done = 1;
    return VT_OK;
}

/* ------------------------------------------------------------ cells */

static const char *skip_digits(const char *s, int *count)
{
    while (isdigit((unsigned char)*s))
        s++, (*count)++;
    return s;
}

/* [+-]digits */
static int is_integer(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    s = skip_digits(s, &digits);
    return digits > 0 && *s == '\0';
}

/* [+-]digits[.digits][e[+-]digits], with digits on at least one side of the point */
static int is_decimal(const char *s)
{
    int digits = 0, exp_digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    s = skip_digits(s, &digits);
    if (*s == '.')
        s = skip_digits(s + 1, &digits);
    if (digits == 0)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        s = skip_digits(s, &exp_digits);
        if (exp_digits == 0)
            return 0;
    }
    return *s == '\0';
}

/* An indicator cell: nil, an integer, a real or text (taken from the row). */
static vt_status read_value(parser *p, const fixture *f, int i, vt_value *v)
{
    const char *s = p->fields[i];
    v->type = VT_NIL;
    if (!*s)
        return VT_OK;
    if (is_integer(s)) {
        errno = 0;
        long long n = strtoll(s, NULL, 10);
        if (errno == 0) {
            v->type = VT_INT;
            v->u.i = n;
            return VT_OK;
        }
    }
    if (is_decimal(s)) {
        double x = strtod(s, NULL);
        if (!isfinite(x))
            return fail_at(p, "fixture '%s': %s '%s': number out of range", f->name,
                           p->fx->indicators[p->fx->cols[i].indicator], s);
        v->type = VT_REAL;
        v->u.r = x;
        return VT_OK;
    }
    v->type = VT_TEXT;
    v->u.s = take(p, i);
    return VT_OK;
}

/* "a, b and c" of names, truncated to fit buf. */
static void name_list(const char *const *names, int n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : ", ", names[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    if (n == 0)
        snprintf(buf, len, "none");
}

static int find_name(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* A band or flag name that the rule file must declare. */
static vt_status known_name(parser *p, const fixture *f, const char *column, const char *kind,
                            const char *name, const char *const *names, int n)
{
    if (find_name(name, names, n) >= 0)
        return VT_OK;
    const char *near = vt_nearest_name(name, names, n);
    if (near)
        return fail_at(p, "fixture '%s': %s: no %s '%s' in the rule file; did you mean %s?",
                       f->name, column, kind, name, near);
    char list[512];
    name_list(names, n, list, sizeof list);
    return fail_at(p, "fixture '%s': %s: no %s '%s' in the rule file (it has: %s)", f->name,
                   column, kind, name, list);
}

static vt_status read_band(parser *p, fixture *f, int i)
{
    const vt_fixture_names *nm = p->names;
    if (!*p->fields[i])
        return VT_OK;
    vt_status st = known_name(p, f, "expect_band", "band", p->fields[i], nm->bands, nm->n_bands);
    if (st == VT_OK)
        f->ex.band = take(p, i);
    return st;
}

static int is_no_flag(const char *token)
{
    return strcmp(token, "-") == 0 || strcasecmp(token, "none") == 0;
}

static vt_status add_expected_flag(parser *p, fixture *f, const char *token)
{
    int negated = token[0] == '!';
    const char *name = token + negated;
    if (!*name)
        return fail_at(p, "fixture '%s': expect_flags: '!' without a flag name", f->name);
    vt_status st = known_name(p, f, "expect_flags", "flag", name, p->names->flags,
                              p->names->n_flags);
    if (st != VT_OK)
        return st;
    for (int i = 0; i < f->ex.n_flags; i++)
        if (strcmp(f->ex.flags[i].name, name) == 0)
            return fail_at(p, "fixture '%s': expect_flags: %s is listed twice", f->name, name);
    expect_flag *grown = realloc(f->ex.flags, ((size_t)f->ex.n_flags + 1) * sizeof *grown);
    if (!grown)
        return out_of_memory(p);
    f->ex.flags = grown;
    if (!(grown[f->ex.n_flags].name = strdup(name)))
        return out_of_memory(p);
    grown[f->ex.n_flags++].negated = negated;
    return VT_OK;
}

static vt_status read_flags(parser *p, fixture *f, int i)
{
    char *save = NULL;
    int tokens = 0, none = 0;
    for (char *t = strtok_r(p->fields[i], FLAG_SEPARATORS, &save); t;
         t = strtok_r(NULL, FLAG_SEPARATORS, &save)) {
        tokens++;
        if (is_no_flag(t)) {
            none = 1;
            continue;
        }
        vt_status st = add_expected_flag(p, f, t);
        if (st != VT_OK)
            return st;
    }
    if (none && tokens > 1)
        return fail_at(p, "fixture '%s': expect_flags: '-' or 'none' (no flag at all) goes "
                          "alone, without flag names", f->name);
    f->ex.no_flags = none;
    return VT_OK;
}

/* A decimal number filling s, spaces around allowed; 0 on success. */
static int parse_number(const char *s, double *x)
{
    char buf[64];
    size_t len = strlen(s);
    while (len > 0 && is_blank_char(*s))
        s++, len--;
    while (len > 0 && is_blank_char(s[len - 1]))
        len--;
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!is_decimal(buf))
        return -1;
    *x = strtod(buf, NULL);
    return isfinite(*x) ? 0 : -1;
}

/* "72.5", "60..80", "60.." or "..80" into lo, hi. */
static int parse_score(char *s, expectation *ex)
{
    char *dots = strstr(s, "..");
    if (!dots) {
        ex->exact = 1;
        if (parse_number(s, &ex->lo))
            return -1;
        ex->hi = ex->lo;
        return 0;
    }
    *dots = '\0';
    const char *lo = s, *hi = dots + 2;
    while (is_blank_char(*lo))
        lo++;
    while (is_blank_char(*hi))
        hi++;
    ex->lo = -HUGE_VAL;
    ex->hi = HUGE_VAL;
    if ((!*lo && !*hi) || (*lo && parse_number(lo, &ex->lo)) || (*hi && parse_number(hi, &ex->hi)))
        return -1;
    return ex->lo <= ex->hi ? 0 : -1;
}

static vt_status read_score(parser *p, fixture *f, int i)
{
    const char *s = p->fields[i];
    if (!*s)
        return VT_OK;
    char *work = strdup(s);
    if (!work)
        return out_of_memory(p);
    int bad = parse_score(work, &f->ex);
    free(work);
    if (bad)
        return fail_at(p, "fixture '%s': expect_score '%s': expected a score like 72.5 or a "
                          "range like 60..80 (low end first; 60.. and ..80 are open)",
                       f->name, s);
    f->ex.has_score = 1;
    f->ex.score_text = take(p, i);
    return VT_OK;
}

static vt_status read_cell(parser *p, fixture *f, int i)
{
    switch (p->fx->cols[i].kind) {
    case COL_CUSTOMER: f->customer_id = take(p, i); return VT_OK;
    case COL_BAND: return read_band(p, f, i);
    case COL_FLAGS: return read_flags(p, f, i);
    case COL_SCORE: return read_score(p, f, i);
    case COL_ERROR: f->ex.error = take(p, i); return VT_OK;
    case COL_VALUE: return read_value(p, f, i, &f->values[i]);
    case COL_FIXTURE: return VT_OK;   /* read first, by add_fixture */
    case COL_NOTE: return VT_OK;      /* for people */
    }
    return VT_OK;
}

/* The fixture's name, unique; 0 when there is none. */
static vt_status read_name(parser *p, fixture *f)
{
    for (int i = 0; i < p->fx->n_cols; i++)
        if (p->fx->cols[i].kind == COL_FIXTURE)
            f->name = take(p, i);
    if (!f->name)
        return fail_at(p, "the fixture has no name (column fixture is empty)");
    for (int i = 0; i < p->fx->n_rows - 1; i++)
        if (strcmp(p->fx->rows[i].name, f->name) == 0)
            return fail_at(p, "fixture '%s' is also on line %ld: names must be unique", f->name,
                           p->fx->rows[i].line);
    return VT_OK;
}

static vt_status add_fixture(parser *p)
{
    vt_fixtures *fx = p->fx;
    if (p->n_fields != fx->n_cols)
        return fail_at(p, "%d field%s, but the header has %d columns", p->n_fields,
                       p->n_fields == 1 ? "" : "s", fx->n_cols);
    if (vt_reserve((void **)&fx->rows, &fx->cap_rows, fx->n_rows, sizeof *fx->rows))
        return out_of_memory(p);
    fixture *f = &fx->rows[fx->n_rows++];
    memset(f, 0, sizeof *f);
    f->line = p->row_line;
    if (!(f->values = calloc((size_t)fx->n_cols, sizeof *f->values)))
        return out_of_memory(p);
    vt_status st = read_name(p, f);
    for (int i = 0; i < fx->n_cols && st == VT_OK; i++)
        st = read_cell(p, f, i);
    if (st == VT_OK && f->ex.error && (f->ex.band || f->ex.has_score || f->ex.n_flags ||
                                       f->ex.no_flags))
        st = fail_at(p, "fixture '%s': expect_error goes alone: a customer whose rules fail "
                        "gets no band, score or flags", f->name);
    return st;
}

static int row_is_empty(const parser *p)
{
    for (int i = 0; i < p->n_fields; i++)
        if (p->fields[i] && *p->fields[i])
            return 0;
    return 1;
}

static void clear_fields(parser *p)
{
    for (int i = 0; i < p->n_fields; i++)
        free(p->fields[i]);
    p->n_fields = 0;
}

static void on_row(int c, void *data)
{
    parser *p = data;
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
static vt_status csv_problem(parser *p, struct csv_parser *csv, int at_end)
{
    if (csv_error(csv) != CSV_EPARSE)
        return out_of_memory(p);
    if (at_end)
        return fail_at(p, "malformed CSV: a quoted field is never closed");
    p->row_line = p->line;
    return fail_at(p, "malformed CSV: a stray quote (a field with quotes must be quoted as a "
                      "whole, its quotes doubled: \"say \"\"hi\"\"\")");
}

/* Feed text to libcsv one line at a time, so that every row knows its line. */
static void feed(parser *p, struct csv_parser *csv, const char *text, size_t len)
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
        if (find_name(names->indicators[i], (const char *const *)fx->indicators,
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
    parser p = {.names = names, .err = err, .status = VT_OK, .row_line = 1};
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

/* ------------------------------------------------------------ the table */

vt_indicators *vt_fixtures_table(const vt_fixtures *fx, vt_day as_of)
{
    int n = fx->n_rows;
    const char **ids = malloc((n > 0 ? (size_t)n : 1) * sizeof *ids);
    if (!ids)
        return NULL;
    for (int i = 0; i < n; i++)
        ids[i] = fx->rows[i].customer_id ? fx->rows[i].customer_id : fx->rows[i].name;
    vt_indicators *ind = vt_indicators_new(as_of, n, ids);
    free(ids);
    for (int c = 0; ind && c < fx->n_indicators; c++)
        if (vt_indicators_add_column(ind, fx->indicators[c]) != c) {
            vt_indicators_free(ind);
            return NULL;
        }
    for (int r = 0; ind && r < n; r++)
        for (int c = 0; c < fx->n_cols; c++) {
            if (fx->cols[c].kind != COL_VALUE || fx->rows[r].values[c].type == VT_NIL)
                continue;
            if (vt_indicators_set(ind, r, fx->cols[c].indicator, &fx->rows[r].values[c]) != 0) {
                vt_indicators_free(ind);
                return NULL;
            }
        }
    return ind;
}

/* ------------------------------------------------------------ checking */

/* The next flag name of a flags_json array after p, decoded into name;
 * NULL when there is none.  A raw {"name":" only opens an entry: inside a
 * JSON string every quote is escaped. */
static const char *next_flag(const char *p, char *name, size_t len)
{
    static const char key[] = "{\"name\":\"";
    if (!p || !(p = strstr(p, key)))
        return NULL;
    p += sizeof key - 1;
    size_t n = 0;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\' && *p) {
            c = *p++;
            if (c == 'u' && isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) &&
                isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3])) {
                char hex[5] = {p[0], p[1], p[2], p[3], '\0'};
                unsigned long u = strtoul(hex, NULL, 16);
                p += 4;
                c = u < 0x80 ? (char)u : '?';   /* names have no control characters */
            } else if (c == 'n' || c == 't' || c == 'r' || c == 'b' || c == 'f') {
                c = ' ';
            }
        }
        if (n + 1 < len)
            name[n++] = c;
    }
    name[n] = '\0';
    return p;
}

static int flag_raised(const char *flags_json, const char *flag)
{
    char name[256];
    for (const char *p = next_flag(flags_json, name, sizeof name); p;
         p = next_flag(p, name, sizeof name))
        if (strcmp(name, flag) == 0)
            return 1;
    return 0;
}

/* The names of the flags res raised, ", "-separated, most severe first. */
static void flag_names(const vt_result *res, char *buf, size_t len)
{
    char name[256];
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = next_flag(res->flags_json, name, sizeof name); p && used < len;
         p = next_flag(p, name, sizeof name)) {
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* The reasons a fixture failed, "; "-separated, truncated to fit. */
typedef struct why_buf {
    char *buf;
    size_t len, used;
    int reasons;               /* how many, whether they fit or not */
} why_buf;

static void why_add(why_buf *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void why_add(why_buf *w, const char *fmt, ...)
{
    if (w->reasons++ > 0 && w->used + 1 < w->len) {
        int n = snprintf(w->buf + w->used, w->len - w->used, "; ");
        w->used += n > 0 ? (size_t)n : 0;
    }
    if (w->used + 1 >= w->len) {
        w->used = w->len ? w->len - 1 : 0;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->used, w->len - w->used, fmt, ap);
    va_end(ap);
    w->used += n > 0 ? (size_t)n : 0;
    if (w->used >= w->len)
        w->used = w->len - 1;
}

static void check_band(const expectation *ex, const vt_result *res, why_buf *w)
{
    if (!ex->band || strcmp(ex->band, res->band) == 0)
        return;
    if (res->forced_by[0])
        why_add(w, "expected band %s, got %s (forced by %s; score %.1f)", ex->band, res->band,
                res->forced_by, res->score);
    else
        why_add(w, "expected band %s, got %s (score %.1f)", ex->band, res->band, res->score);
}

static void check_score(const expectation *ex, const vt_result *res, why_buf *w)
{
    if (!ex->has_score)
        return;
    double s = res->score;
    int ok = ex->exact ? fabs(s - ex->lo) < SCORE_TOLERANCE + EPSILON
                       : s >= ex->lo - EPSILON && s <= ex->hi + EPSILON;
    if (!ok)
        why_add(w, "expected score %s, got %.1f", ex->score_text, s);
}

static void check_flags(const expectation *ex, const vt_result *res, why_buf *w)
{
    char raised[512];
    flag_names(res, raised, sizeof raised);
    if (ex->no_flags && raised[0])
        why_add(w, "expected no flag, got %s", raised);
    for (int i = 0; i < ex->n_flags; i++) {
        int on = flag_raised(res->flags_json, ex->flags[i].name);
        if (ex->flags[i].negated && on)
            why_add(w, "flag %s raised, expected not", ex->flags[i].name);
        else if (!ex->flags[i].negated && !on)
            why_add(w, "expected flag %s, not raised (raised: %s)", ex->flags[i].name,
                    raised[0] ? raised : "none");
    }
}

int vt_fixture_check(const vt_fixtures *fx, int i, vt_status st, const vt_result *res,
                     char *why, size_t len)
{
    const expectation *ex = &fx->rows[i].ex;
    why_buf w = {why, len, 0, 0};
    if (len)
        why[0] = '\0';
    if (st != VT_OK) {
        const char *error = res->error ? res->error : "the rules failed";
        if (!ex->error)
            why_add(&w, "the rules failed: %s", error);
        else if (!strstr(error, ex->error))
            why_add(&w, "expected an error containing \"%s\", got: %s", ex->error, error);
        return w.reasons == 0;
    }
    if (ex->error) {
        why_add(&w, "expected an error containing \"%s\", got band %s (score %.1f)", ex->error,
                res->band, res->score);
        return 0;
    }
    check_band(ex, res, &w);
    check_score(ex, res, &w);
    check_flags(ex, res, &w);
    return w.reasons == 0;
}

/* ------------------------------------------------------------ the runner */

/* What a fixture file of this rule file may name. */
typedef struct rule_names {
    vt_fixture_names pub;
    const char **indicators, **bands, **flags;
} rule_names;

static void rule_names_free(rule_names *n)
{
    free(n->indicators);
    free(n->bands);
    free(n->flags);
}

/* Built-in indicators (but score_change) and the file's own; bands; flags. */
static vt_status collect_names(const vt_rules *r, rule_names *n, vt_error *err)
{
    const char *const *builtin = vt_builtin_indicator_names();
    int n_builtin = 0;
    while (builtin[n_builtin])
        n_builtin++;
    int n_own = vt_rules_indicator_count(r), n_bands = vt_rules_band_count(r);
    int n_flags = vt_rules_flag_count(r);
    n->indicators = malloc(((size_t)n_builtin + (size_t)n_own + 1) * sizeof(char *));
    n->bands = malloc(((size_t)n_bands + 1) * sizeof(char *));
    n->flags = malloc(((size_t)n_flags + 1) * sizeof(char *));
    if (!n->indicators || !n->bands || !n->flags)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    int k = 0;
    for (int i = 0; i < n_builtin; i++)
        if (strcmp(builtin[i], "score_change") != 0)
            n->indicators[k++] = builtin[i];
    for (int i = 0; i < n_own; i++)
        n->indicators[k++] = vt_rules_indicator_name(r, i);
    for (int i = 0; i < n_bands; i++)
        n->bands[i] = vt_rules_band_name(r, i);
    for (int i = 0; i < n_flags; i++)
        n->flags[i] = vt_rules_flag_name(r, i);
    n->pub = (vt_fixture_names){n->indicators, k, n->bands, n_bands, n->flags, n_flags};
    return VT_OK;
}

/* Score fixture i and report it. */
static vt_status run_one(vt_rules *r, const vt_fixtures *fx, int i, vt_fixture_fn each,
                         void *ctx, vt_ruletest_summary *sum, vt_error *err)
{
    vt_result res;
    memset(&res, 0, sizeof res);
    vt_status st = vt_rules_eval(r, i, &res);
    if (st != VT_OK && st != VT_EPARTIAL) {
        st = vt_fail(err, st, "fixture '%s': %s", fx->rows[i].name,
                     res.error ? res.error : "the rules engine failed");
        vt_result_clear(&res);
        return st;
    }
    char why[1024], flags[512];
    int passed = vt_fixture_check(fx, i, st, &res, why, sizeof why);
    flag_names(&res, flags, sizeof flags);
    sum->fixtures++;
    if (passed)
        sum->passed++;
    else
        sum->failed++;
    if (each) {
        vt_fixture_outcome o = {.index = i, .total = fx->n_rows, .name = fx->rows[i].name,
                                .line = fx->rows[i].line, .passed = passed, .why = why,
                                .failed = st != VT_OK, .result = &res, .flags = flags};
        each(ctx, &o);
    }
    vt_result_clear(&res);
    return VT_OK;
}

/* Read the fixtures of r and bind their table; *ind owns the values. */
static vt_status prepare(vt_rules *r, const char *fixtures_path, vt_fixtures **fx,
                         vt_indicators **ind, vt_error *err)
{
    rule_names names;
    memset(&names, 0, sizeof names);
    vt_status st = collect_names(r, &names, err);
    if (st == VT_OK)
        st = vt_fixtures_read(fixtures_path, &names.pub, fx, err);
    rule_names_free(&names);
    if (st != VT_OK)
        return st;
    if ((*fx)->n_rows == 0)
        return vt_fail(err, VT_EINPUT, "%s:2: no fixtures: add one row per fixture customer "
                                       "below the header", fixtures_path);
    if (!(*ind = vt_fixtures_table(*fx, vt_today())))
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", fixtures_path);
    return vt_rules_bind(r, *ind, err);
}

vt_status vt_ruletest_run(const char *rules_path, const char *fixtures_path,
                          const vt_rule_limits *lim, vt_fixture_fn each, void *ctx,
                          vt_ruletest_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    vt_rule_limits defaults;
    if (!lim) {
        vt_rule_limits_default(&defaults);
        lim = &defaults;
    }
    vt_rules *r = NULL;
    vt_fixtures *fx = NULL;
    vt_indicators *ind = NULL;
    vt_status st = vt_rules_check(rules_path, err);
    if (st == VT_OK)
        st = vt_rules_load(rules_path, lim, &r, err);
    if (st == VT_OK)
        st = prepare(r, fixtures_path, &fx, &ind, err);
    for (int i = 0; st == VT_OK && i < fx->n_rows; i++)
        st = run_one(r, fx, i, each, ctx, sum, err);
    vt_rules_free(r);
    vt_indicators_free(ind);
    vt_fixtures_free(fx);
    if (st == VT_OK && sum->failed)
        st = vt_fail(err, VT_EPARTIAL, "%d of %d fixtures failed", sum->failed, sum->fixtures);
    return st;
}
