/*
 * fixtures_cells.c - one cell of a fixture row (the format is described in
 * ruletest.c): an indicator value (nil, an integer, a real or text), the
 * customer_id, or an expectation - a band or flags the rule file must
 * declare (a wrong name gets the nearest known one), a score or a range.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixtures_internal.h"

#define FLAG_SEPARATORS " \t,;"

/* ------------------------------------------------------------ values */

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
static vt_status read_value(fx_parser *p, const fixture *f, int i, vt_value *v)
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
            return fx_fail(p, "fixture '%s': %s '%s': number out of range", f->name,
                           p->fx->indicators[p->fx->cols[i].indicator], s);
        v->type = VT_REAL;
        v->u.r = x;
        return VT_OK;
    }
    v->type = VT_TEXT;
    v->u.s = fx_take(p, i);
    return VT_OK;
}

/* ------------------------------------------------------------ bands and flags */

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

int fx_find_name(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* A band or flag name that the rule file must declare. */
static vt_status known_name(fx_parser *p, const fixture *f, const char *column, const char *kind,
                            const char *name, const char *const *names, int n)
{
    if (fx_find_name(name, names, n) >= 0)
        return VT_OK;
    const char *near = vt_nearest_name(name, names, n);
    if (near)
        return fx_fail(p, "fixture '%s': %s: no %s '%s' in the rule file; did you mean %s?",
                       f->name, column, kind, name, near);
    char list[512];
    name_list(names, n, list, sizeof list);
    return fx_fail(p, "fixture '%s': %s: no %s '%s' in the rule file (it has: %s)", f->name,
                   column, kind, name, list);
}

static vt_status read_band(fx_parser *p, fixture *f, int i)
{
    const vt_fixture_names *nm = p->names;
    if (!*p->fields[i])
        return VT_OK;
    vt_status st = known_name(p, f, "expect_band", "band", p->fields[i], nm->bands, nm->n_bands);
    if (st == VT_OK)
        f->ex.band = fx_take(p, i);
    return st;
}

static int is_no_flag(const char *token)
{
    return strcmp(token, "-") == 0 || strcasecmp(token, "none") == 0;
}

static vt_status add_expected_flag(fx_parser *p, fixture *f, const char *token)
{
    int negated = token[0] == '!';
    const char *name = token + negated;
    if (!*name)
        return fx_fail(p, "fixture '%s': expect_flags: '!' without a flag name", f->name);
    vt_status st = known_name(p, f, "expect_flags", "flag", name, p->names->flags,
                              p->names->n_flags);
    if (st != VT_OK)
        return st;
    for (int i = 0; i < f->ex.n_flags; i++)
        if (strcmp(f->ex.flags[i].name, name) == 0)
            return fx_fail(p, "fixture '%s': expect_flags: %s is listed twice", f->name, name);
    expect_flag *grown = realloc(f->ex.flags, ((size_t)f->ex.n_flags + 1) * sizeof *grown);
    if (!grown)
        return fx_out_of_memory(p);
    f->ex.flags = grown;
    if (!(grown[f->ex.n_flags].name = strdup(name)))
        return fx_out_of_memory(p);
    grown[f->ex.n_flags++].negated = negated;
    return VT_OK;
}

static vt_status read_flags(fx_parser *p, fixture *f, int i)
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
        return fx_fail(p, "fixture '%s': expect_flags: '-' or 'none' (no flag at all) goes "
                          "alone, without flag names", f->name);
    f->ex.no_flags = none;
    return VT_OK;
}

/* ------------------------------------------------------------ scores */

/* A decimal number filling s, spaces around allowed; 0 on success. */
static int parse_number(const char *s, double *x)
{
    char buf[64];
    size_t len = strlen(s);
    while (len > 0 && fx_is_blank(*s))
        s++, len--;
    while (len > 0 && fx_is_blank(s[len - 1]))
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
    while (fx_is_blank(*lo))
        lo++;
    while (fx_is_blank(*hi))
        hi++;
    ex->lo = -HUGE_VAL;
    ex->hi = HUGE_VAL;
    if ((!*lo && !*hi) || (*lo && parse_number(lo, &ex->lo)) || (*hi && parse_number(hi, &ex->hi)))
        return -1;
    return ex->lo <= ex->hi ? 0 : -1;
}

static vt_status read_score(fx_parser *p, fixture *f, int i)
{
    const char *s = p->fields[i];
    if (!*s)
        return VT_OK;
    char *work = strdup(s);
    if (!work)
        return fx_out_of_memory(p);
    int bad = parse_score(work, &f->ex);
    free(work);
    if (bad)
        return fx_fail(p, "fixture '%s': expect_score '%s': expected a score like 72.5 or a "
                          "range like 60..80 (low end first; 60.. and ..80 are open)",
                       f->name, s);
    f->ex.has_score = 1;
    f->ex.score_text = fx_take(p, i);
    return VT_OK;
}

/* ------------------------------------------------------------ a cell */

vt_status fx_read_cell(fx_parser *p, fixture *f, int i)
{
    switch (p->fx->cols[i].kind) {
    case COL_CUSTOMER: f->customer_id = fx_take(p, i); return VT_OK;
    case COL_BAND: return read_band(p, f, i);
    case COL_FLAGS: return read_flags(p, f, i);
    case COL_SCORE: return read_score(p, f, i);
    case COL_ERROR: f->ex.error = fx_take(p, i); return VT_OK;
    case COL_VALUE: return read_value(p, f, i, &f->values[i]);
    case COL_FIXTURE: return VT_OK;   /* read first, by add_fixture */
    case COL_NOTE: return VT_OK;      /* for people */
    }
    return VT_OK;
}
