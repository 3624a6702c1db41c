/*
 * ruletest.c - rule unit tests (`vitals test`): fixture customers read from
 * a CSV file, scored with a rule file without any database, and checked
 * against the band, flags, score or error they are expected to get.  This
 * file builds the fixtures' indicator table, matches the expectations and
 * runs a fixture file; fixtures.c and fixtures_cells.c read it.
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
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruletest_internal.h"

#define SCORE_TOLERANCE 0.05          /* "72.5" matches the scores shown as 72.5 */
#define EPSILON 1e-9

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
