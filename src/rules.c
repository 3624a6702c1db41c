/*
 * rules.c - a loaded rule file: read it, hash it, run its top level in a
 * fresh sandbox, validate what it declared; the accessors of vitals.h.
 *
 * Problems are collected rather than thrown one at a time: a declaration
 * that is wrong is reported and skipped, the top level goes on, and the
 * caller gets every problem, one "FILE:LINE: message" per line.
 *
 * The engine's other files are listed in rules_internal.h; the JSON of a
 * vt_result (measures_json, flags_json) is described in rules_json.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"
#include "sha256.h"

#define RULE_FILE_MAX (16u << 20)           /* a rule file is text a person wrote */
#define MEMORY_MIN (1u << 20)               /* the sandbox itself needs some */

const char *const rule_severity_names[] = {"low", "medium", "high", "critical"};

void vt_rule_limits_default(vt_rule_limits *lim)
{
    lim->memory_bytes = (size_t)64 << 20;
    lim->customer_ms = 1000.0;
}

/* Append a finished problem line (copied). */
static int add_problem(vt_rules *r, int line, const char *text)
{
    if (vt_reserve((void **)&r->problems, &r->cap_problems, r->n_problems,
                      sizeof *r->problems))
        return -1;
    char *copy = strdup(text);
    if (!copy)
        return -1;
    r->problems[r->n_problems].line = line;
    r->problems[r->n_problems].text = copy;
    r->n_problems++;
    return 0;
}

int rules_problem(vt_rules *r, int line, const char *fmt, ...)
{
    char text[VT_RULE_MSG_MAX + 8], full[VT_RULE_MSG_MAX + 8], bounded[VT_RULE_MSG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int n = line > 0 ? snprintf(full, sizeof full, "%s:%d: %s", r->path, line, text)
                     : snprintf(full, sizeof full, "%s: %s", r->path, text);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof full - 1 ? (size_t)n : sizeof full - 1;
    vt_bound_message(full, len, bounded, sizeof bounded);
    if (add_problem(r, line > 0 ? line : 0, bounded) != 0)
        r->problems_lost = 1;
    return 1;
}

/* A message from the sandbox is already "FILE:LINE: ..." or "FILE: ...":
 * keep it as it is, with its line for sorting. */
static int add_sandbox_message(vt_rules *r, const char *msg)
{
    size_t plen = strlen(r->path);
    int line = 0;
    if (strncmp(msg, r->path, plen) == 0 && msg[plen] == ':')
        line = atoi(msg + plen + 1);
    return add_problem(r, line > 0 ? line : 0, msg);
}

vt_status rules_report_problems(vt_rules *r, vt_error *err)
{
    for (int i = 1; i < r->n_problems; i++) {   /* stable insertion sort by line */
        rule_problem p = r->problems[i];
        int j = i;
        for (; j > 0 && r->problems[j - 1].line > p.line; j--)
            r->problems[j] = r->problems[j - 1];
        r->problems[j] = p;
    }
    if (!err)
        return VT_EINPUT;
    size_t used = 0, size = sizeof err->msg;
    err->msg[0] = '\0';
    for (int i = 0; i < r->n_problems; i++) {
        const char *text = r->problems[i].text;
        size_t need = strlen(text) + (i > 0);
        size_t reserve = i + 1 < r->n_problems ? 40 : 0;   /* room for "...and N more" */
        if (used + need + reserve >= size) {
            snprintf(err->msg + used, size - used, "%s...and %d more problem%s",
                     i > 0 ? "\n" : "", r->n_problems - i, r->n_problems - i > 1 ? "s" : "");
            break;
        }
        used += (size_t)snprintf(err->msg + used, size - used, "%s%s", i > 0 ? "\n" : "", text);
    }
    return VT_EINPUT;
}

/* ------------------------------------------------------------ declarations */

/* Default bands when a file declares none. */
static const rule_band default_bands[] = {{"red", 0}, {"yellow", 50}, {"green", 75}};

static int band_index(const vt_rules *r, const char *name)
{
    for (int i = 0; i < r->n_bands; i++)
        if (strcmp(r->bands[i].name, name) == 0)
            return i;
    return -1;
}

static int measure_index(const vt_rules *r, const char *name)
{
    for (int i = 0; i < r->n_measures; i++)
        if (strcmp(r->measures[i].name, name) == 0)
            return i;
    return -1;
}

static void resolve_force_bands(vt_rules *r)
{
    const char *names[64];
    int n = r->n_bands < 64 ? r->n_bands : 64;
    for (int i = 0; i < n; i++)
        names[i] = r->bands[i].name;
    for (int i = 0; i < r->n_flags; i++) {
        rule_flag *f = &r->flags[i];
        if (!f->force_band_name)
            continue;
        f->force_band = band_index(r, f->force_band_name);
        if (f->force_band < 0) {
            const char *near = vt_nearest_name(f->force_band_name, names, n);
            rules_problem(r, f->line, "flag \"%s\": force_band \"%s\" is not a band%s%s%s",
                          f->name, f->force_band_name, near ? "; did you mean " : "",
                          near ? near : "", near ? "?" : "");
        }
    }
}

static void resolve_scorecards(vt_rules *r)
{
    const char **names = malloc((r->n_measures > 0 ? (size_t)r->n_measures : 1) * sizeof *names);
    for (int i = 0; names && i < r->n_measures; i++)
        names[i] = r->measures[i].name;
    for (int i = 0; i < r->n_scorecards; i++) {
        rule_scorecard *sc = &r->scorecards[i];
        sc->weights = malloc((r->n_measures > 0 ? (size_t)r->n_measures : 1) * sizeof *sc->weights);
        if (!sc->weights || !names) {
            rules_problem(r, sc->line, "scorecard \"%s\": out of memory", sc->name);
            continue;
        }
        for (int m = 0; m < r->n_measures; m++)
            sc->weights[m] = NAN;
        for (int k = 0; k < sc->n_listed; k++) {
            int m = measure_index(r, sc->listed[k].measure);
            if (m >= 0) {
                sc->weights[m] = sc->listed[k].weight;
                continue;
            }
            const char *near = vt_nearest_name(sc->listed[k].measure, names, r->n_measures);
            rules_problem(r, sc->line, "scorecard \"%s\": weights: no measure named \"%s\"%s%s%s",
                          sc->name, sc->listed[k].measure, near ? "; did you mean " : "",
                          near ? near : "", near ? "?" : "");
        }
        int any = 0;
        for (int m = 0; m < r->n_measures; m++)
            any |= isnan(sc->weights[m]) ? r->measures[m].weight > 0 : sc->weights[m] > 0;
        if (!any && r->n_measures > 0)
            rules_problem(r, sc->line, "scorecard \"%s\": every measure has weight 0", sc->name);
    }
    free(names);
}

/* After the top level ran: default bands; and when it completed, bodies
 * present, force_band and scorecard references resolved, at least one
 * measure.  Records problems. */
static void finish_declarations(vt_rules *r, int completed)
{
    r->sealed = 1;
    if (r->n_bands == 0) {
        r->bands = malloc(sizeof default_bands);
        if (r->bands) {
            memcpy(r->bands, default_bands, sizeof default_bands);
            r->n_bands = (int)(sizeof default_bands / sizeof *default_bands);
        } else {
            rules_problem(r, 0, "out of memory");
        }
    }
    if (!completed)
        return;   /* what comes after the failure is unknown: no more guesses */
    for (int i = 0; i < r->n_pending; i++) {
        const rule_pending *p = &r->pending[i];
        if (!p->done)
            rules_problem(r, p->line, "%s \"%s\" has no body: write %s \"%s\" %s", p->kind, p->name,
                          p->kind, p->name, strcmp(p->kind, "indicator") == 0 ? "[[ SELECT ... ]]"
                                                                              : "{ ... }");
    }
    resolve_force_bands(r);
    resolve_scorecards(r);
    if (r->n_measures == 0)
        rules_problem(r, 0, "no measure declared: a rule file needs at least one "
                      "measure \"name\" { weight = ..., value = ... }");
}

/* Free what the declarations own (their Lua callbacks die with the state). */
static void free_declarations(vt_rules *r)
{
    for (int i = 0; i < r->n_measures; i++) {
        free(r->measures[i].name);
        free(r->measures[i].group);
        free(r->measures[i].indicator);
        free(r->measures[i].steps);
    }
    for (int i = 0; i < r->n_flags; i++) {
        free(r->flags[i].name);
        free(r->flags[i].reason_text);
        free(r->flags[i].force_band_name);
    }
    for (int i = 0; i < r->n_scorecards; i++) {
        for (int k = 0; k < r->scorecards[i].n_listed; k++)
            free(r->scorecards[i].listed[k].measure);
        free(r->scorecards[i].listed);
        free(r->scorecards[i].weights);
        free(r->scorecards[i].name);
    }
    for (int i = 0; i < r->n_indicators; i++) {
        free(r->indicators[i].name);
        free(r->indicators[i].sql);
    }
    for (int i = 0; i < r->n_pending; i++)
        free(r->pending[i].name);
    free(r->measures);
    free(r->flags);
    free(r->scorecards);
    free(r->indicators);
    free(r->pending);
    free(r->bands);
}

static vt_status read_file(const char *path, char **out, size_t *out_len, vt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vt_fail(err, VT_EINPUT, "%s: cannot read: %s", path, strerror(errno));
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap || cap > RULE_FILE_MAX)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    if (failed || len > RULE_FILE_MAX) {
        free(buf);
        return vt_fail(err, VT_EINPUT, failed ? "%s: cannot read" : "%s: larger than 16 MiB; "
                       "not a rule file", path);
    }
    *out = buf;
    *out_len = len;
    return VT_OK;
}

vt_status rules_open(const char *path, const vt_rule_limits *lim, vt_rules **out, vt_error *err)
{
    vt_rule_limits limits;
    *out = NULL;
    if (!lim) {
        vt_rule_limits_default(&limits);
        lim = &limits;
    }
    if (lim->memory_bytes < MEMORY_MIN || !isfinite(lim->customer_ms) || !(lim->customer_ms > 0))
        return vt_fail(err, VT_EUSAGE, "rule limits: memory must be at least 1 MiB and the "
                       "time per customer a positive number of milliseconds");
    vt_rules *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    }
    r->limits = *lim;
    r->score_prev_column = -1;
    vt_status st = read_file(path, &r->source, &r->source_len, err);
    if (st == VT_OK) {
        vt_sha256_hex(r->source, r->source_len, r->sha256);
        st = vt_sandbox_new(path, lim, &r->sb, err);
    }
    if (st == VT_OK)
        st = rules_api_define(r, err);
    if (st != VT_OK) {
        vt_rules_free(r);
        return st;
    }
    vt_error run_err;
    int completed = vt_sandbox_run(r->sb, r->source, r->source_len, &run_err) == VT_OK;
    if (!completed && add_sandbox_message(r, run_err.msg) != 0)
        r->problems_lost = 1;
    finish_declarations(r, completed);
    if (r->problems_lost) {
        vt_rules_free(r);
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    }
    *out = r;
    return VT_OK;
}

vt_status vt_rules_load(const char *path, const vt_rule_limits *lim, vt_rules **out,
                        vt_error *err)
{
    vt_rules *r;
    *out = NULL;
    vt_status st = rules_open(path, lim, &r, err);
    if (st != VT_OK)
        return st;
    if (r->n_problems > 0) {
        rules_report_problems(r, err);
        vt_rules_free(r);
        return VT_EINPUT;
    }
    if (rules_eval_prepare(r) != 0) {
        vt_rules_free(r);
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    }
    *out = r;
    return VT_OK;
}

void vt_rules_free(vt_rules *r)
{
    if (!r)
        return;
    rules_eval_free(r);
    free_declarations(r);
    vt_sandbox_free(r->sb);
    for (int i = 0; i < r->n_problems; i++)
        free(r->problems[i].text);
    free(r->problems);
    free(r->source);
    free(r->path);
    free(r);
}

const char *vt_rules_path(const vt_rules *r) { return r->path; }
const char *vt_rules_sha256(const vt_rules *r) { return r->sha256; }
int vt_rules_band_count(const vt_rules *r) { return r->n_bands; }

const char *vt_rules_band_name(const vt_rules *r, int i)
{
    return i >= 0 && i < r->n_bands ? r->bands[i].name : NULL;
}

double vt_rules_band_floor(const vt_rules *r, int i)
{
    return i >= 0 && i < r->n_bands ? r->bands[i].floor : NAN;
}

int vt_rules_flag_count(const vt_rules *r) { return r->n_flags; }

const char *vt_rules_flag_name(const vt_rules *r, int i)
{
    return i >= 0 && i < r->n_flags ? r->flags[i].name : NULL;
}

int vt_rules_indicator_count(const vt_rules *r) { return r->n_indicators; }

const char *vt_rules_indicator_name(const vt_rules *r, int i)
{
    return i >= 0 && i < r->n_indicators ? r->indicators[i].name : NULL;
}

void vt_result_clear(vt_result *res)
{
    free(res->measures_json);
    free(res->flags_json);
    free(res->error);
    memset(res, 0, sizeof *res);
}
