/*
 * rules_check.c - `vitals check`: load the rule file in the sandbox with no
 * data (so every load-time validation runs), then check statically what
 * loading cannot see: every c.NAME written in the source and every
 * value = "NAME" must name a known indicator - a built-in one,
 * customer_id, or one the file declares with `indicator "NAME"`.
 *
 * The source is scanned token by token with Lua's lexical rules (comments,
 * short and long strings skipped), so c.name inside a string or a comment
 * is not checked, nor is x.c.name.  The context is recognised by its
 * conventional name c: a different variable called c is checked too.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

typedef struct scanner {
    const char *src;
    size_t len, pos;
    int line;
} scanner;

/* A c.NAME use or an `indicator "NAME"` declaration found in the source. */
typedef struct name_use {
    char name[RULE_NAME_MAX + 1];
    int line;
} name_use;

typedef struct scan_result {
    name_use *uses;          /* c.NAME */
    int n_uses, cap_uses;
    name_use *declared;      /* indicator "NAME" */
    int n_declared, cap_declared;
    int failed;              /* out of memory */
} scan_result;

static int is_name_start(char ch) { return isalpha((unsigned char)ch) || ch == '_'; }
static int is_name_char(char ch) { return isalnum((unsigned char)ch) || ch == '_'; }

static char peek(const scanner *sc, size_t ahead)
{
    return sc->pos + ahead < sc->len ? sc->src[sc->pos + ahead] : '\0';
}

static void advance(scanner *sc)
{
    if (sc->src[sc->pos] == '\n')
        sc->line++;
    sc->pos++;
}

/* At "[", "[=", ...: the level of a long bracket "[==[", or -1. */
static int long_bracket_level(const scanner *sc)
{
    size_t i = 1;
    while (peek(sc, i) == '=')
        i++;
    return peek(sc, i) == '[' ? (int)i - 1 : -1;
}

static void skip_long_bracket(scanner *sc, int level)
{
    sc->pos += (size_t)level + 2;
    while (sc->pos < sc->len) {
        if (peek(sc, 0) == ']') {
            int i = 1;
            while (peek(sc, (size_t)i) == '=')
                i++;
            if (i - 1 == level && peek(sc, (size_t)i) == ']') {
                sc->pos += (size_t)i + 1;
                return;
            }
        }
        advance(sc);
    }
}

/* Skip a quoted string; copy up to size-1 bytes of its text into out. */
static void skip_quoted(scanner *sc, char *out, size_t size)
{
    char quote = sc->src[sc->pos++];
    size_t n = 0;
    while (sc->pos < sc->len && peek(sc, 0) != quote && peek(sc, 0) != '\n') {
        if (peek(sc, 0) == '\\' && sc->pos + 1 < sc->len)
            advance(sc);
        else if (out && n + 1 < size)
            out[n++] = peek(sc, 0);
        advance(sc);
    }
    if (out)
        out[n] = '\0';
    if (sc->pos < sc->len && peek(sc, 0) == quote)
        sc->pos++;
}

static void skip_space(scanner *sc)
{
    while (sc->pos < sc->len && isspace((unsigned char)peek(sc, 0)))
        advance(sc);
}

static void read_name(scanner *sc, char *out, size_t size)
{
    size_t n = 0;
    while (sc->pos < sc->len && is_name_char(peek(sc, 0))) {
        if (n + 1 < size)
            out[n++] = peek(sc, 0);
        sc->pos++;
    }
    out[n] = '\0';
}

static void record(scan_result *res, name_use **list, int *n, int *cap, const char *name, int line)
{
    if (vt_reserve((void **)list, cap, *n, sizeof **list) != 0) {
        res->failed = 1;
        return;
    }
    snprintf((*list)[*n].name, sizeof (*list)[*n].name, "%s", name);
    (*list)[(*n)++].line = line;
}

/* After the name "c" or "indicator": note c.NAME or indicator "NAME". */
static void after_name(scanner *sc, scan_result *res, const char *word)
{
    char name[RULE_NAME_MAX + 1];
    int line = sc->line;
    size_t mark = sc->pos;
    int mark_line = sc->line;
    skip_space(sc);
    if (strcmp(word, "c") == 0 && peek(sc, 0) == '.' && peek(sc, 1) != '.') {
        sc->pos++;
        skip_space(sc);
        if (is_name_start(peek(sc, 0))) {
            read_name(sc, name, sizeof name);
            record(res, &res->uses, &res->n_uses, &res->cap_uses, name, line);
            return;
        }
    } else if (strcmp(word, "indicator") == 0 && (peek(sc, 0) == '"' || peek(sc, 0) == '\'')) {
        skip_quoted(sc, name, sizeof name);
        record(res, &res->declared, &res->n_declared, &res->cap_declared, name, line);
        return;
    }
    sc->pos = mark;   /* nothing of interest: rescan from after the word */
    sc->line = mark_line;
}

static void scan(const char *src, size_t len, scan_result *res)
{
    scanner sc = {src, len, 0, 1};
    char prev = 0;   /* the previous token, as far as it matters: '.', ':' or other */
    char word[RULE_NAME_MAX + 1];
    while (sc.pos < sc.len && !res->failed) {
        char ch = peek(&sc, 0);
        int level;
        if (isspace((unsigned char)ch)) {
            advance(&sc);
        } else if (ch == '-' && peek(&sc, 1) == '-') {
            sc.pos += 2;
            if (peek(&sc, 0) == '[' && (level = long_bracket_level(&sc)) >= 0)
                skip_long_bracket(&sc, level);
            else
                while (sc.pos < sc.len && peek(&sc, 0) != '\n')
                    sc.pos++;
        } else if (ch == '[' && (level = long_bracket_level(&sc)) >= 0) {
            skip_long_bracket(&sc, level);
            prev = 'v';
        } else if (ch == '"' || ch == '\'') {
            skip_quoted(&sc, NULL, 0);
            prev = 'v';
        } else if (is_name_start(ch)) {
            read_name(&sc, word, sizeof word);
            if (prev != '.' && prev != ':')
                after_name(&sc, res, word);
            prev = 'n';
        } else if (isdigit((unsigned char)ch)) {
            while (sc.pos < sc.len && (is_name_char(peek(&sc, 0)) || peek(&sc, 0) == '.' ||
                   ((peek(&sc, 0) == '+' || peek(&sc, 0) == '-') &&
                    strchr("eEpP", sc.src[sc.pos - 1]))))
                sc.pos++;
            prev = 'v';
        } else if (ch == '.' || ch == ':') {
            int run = 1;
            while (peek(&sc, (size_t)run) == ch)
                run++;
            sc.pos += (size_t)run;
            prev = run == 1 ? ch : 'o';
        } else {
            sc.pos++;
            prev = 'o';
        }
    }
}

static int known_indicator(const char *name, const scan_result *res, const vt_rules *r)
{
    for (const char *const *n = vt_builtin_indicator_names(); *n; n++)
        if (strcmp(*n, name) == 0)
            return 1;
    for (int i = 0; i < res->n_declared; i++)
        if (strcmp(res->declared[i].name, name) == 0)
            return 1;
    for (int i = 0; i < r->n_indicators; i++)
        if (strcmp(r->indicators[i].name, name) == 0)
            return 1;
    return strcmp(name, "customer_id") == 0;
}

/* "WHAT: no such indicator[; did you mean X?]" at line. */
static void unknown(vt_rules *r, const scan_result *res, int line, const char *what,
                    const char *name)
{
    const char *names[512];
    int n = 0;
    for (const char *const *b = vt_builtin_indicator_names(); *b && n < 512; b++)
        names[n++] = *b;
    names[n++] = "customer_id";
    for (int i = 0; i < res->n_declared && n < 512; i++)
        names[n++] = res->declared[i].name;
    const char *near = vt_nearest_name(name, names, n);
    rules_problem(r, line, "%s: no such indicator%s%s%s", what, near ? "; did you mean " : "",
                  near ? near : "", near ? "?" : "");
}

vt_status vt_rules_check(const char *path, vt_error *err)
{
    vt_rules *r;
    vt_rule_limits lim;
    vt_rule_limits_default(&lim);
    vt_status st = rules_open(path, &lim, &r, err);
    if (st != VT_OK)
        return st;
    scan_result res = {0};
    scan(r->source, r->source_len, &res);
    char what[2 * RULE_NAME_MAX + 32];
    for (int i = 0; i < res.n_uses; i++) {
        if (known_indicator(res.uses[i].name, &res, r))
            continue;
        snprintf(what, sizeof what, "c.%s", res.uses[i].name);
        unknown(r, &res, res.uses[i].line, what, res.uses[i].name);
    }
    for (int i = 0; i < r->n_measures; i++) {
        const rule_measure *m = &r->measures[i];
        if (!m->indicator || known_indicator(m->indicator, &res, r))
            continue;
        snprintf(what, sizeof what, "measure \"%s\": value \"%s\"", m->name, m->indicator);
        unknown(r, &res, m->line, what, m->indicator);
    }
    if (res.failed || r->problems_lost)
        st = vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    else if (r->n_problems > 0)
        st = rules_report_problems(r, err);
    free(res.uses);
    free(res.declared);
    vt_rules_free(r);
    return st;
}
