/*
 * rules_json.c - the JSON of one scored customer (vt_result):
 *
 * measures_json, one object per measure in declaration order:
 *   {"name":"usage","group":"adoption","value":0.42,"score":36.7,
 *    "weight":30,"contribution":12.2,"used":true,"missing":false}
 *   group null when none; value null when nil; score and contribution null
 *   when the measure is left out ("used":false: nil without a missing
 *   default, or weight 0 in the scorecard); "missing":true when the
 *   missing default gave the score; weight is the weight applied (after
 *   the scorecard); contribution = weight * score / sum of used weights,
 *   the score points the measure adds.
 * flags_json, one object per raised flag, most severe first (critical,
 * high, medium, low), then in declaration order:
 *   {"name":"renewal_at_risk","severity":"high",
 *    "reason":"renews in 45 days at health 42","force_band":"red"}
 *   force_band null when the flag forces none.
 *
 * Strings are escaped (quote, backslash, control characters); valid UTF-8
 * passes through and invalid bytes become U+FFFD.  Numbers are finite;
 * integers print as integers, others with at most 6 decimals in
 * [1e-4, 1e9) (trailing zeros dropped) and 15 significant digits outside.
 *
 * Fast path: the constant part of each entry is rendered once; a customer's
 * JSON is written into one reused buffer, reserving room per entry and then
 * writing without further checks, and copied out once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

#define NUMBER_MAX 32   /* bytes a number can take */

/* Make room for n more bytes in the buffer; 0, or -1 when out of memory. */
static int reserve(rule_json *j, size_t n)
{
    if (j->len + n + 1 <= j->cap)
        return 0;
    size_t cap = j->cap ? j->cap : 1024;
    while (j->len + n + 1 > cap)
        cap *= 2;
    char *grown = realloc(j->buf, cap);
    if (!grown)
        return -1;
    j->buf = grown;
    j->cap = cap;
    return 0;
}

/* The unchecked writers below append at j->buf + j->len: reserve first. */
static void emit(rule_json *j, const char *s, size_t n)
{
    memcpy(j->buf + j->len, s, n);
    j->len += n;
}

#define EMIT_LITERAL(j, lit) emit((j), (lit), sizeof(lit) - 1)

static void emit_integer(rule_json *j, long long v)
{
    char digits[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[sizeof digits - 1 - n++] = '-';
    emit(j, digits + sizeof digits - n, (size_t)n);
}

static void emit_number(rule_json *j, double x)
{
    double ax = fabs(x);
    if (!isfinite(x)) {
        EMIT_LITERAL(j, "null");   /* not produced: values are checked finite */
    } else if (ax < 1e15 && x == floor(x)) {
        emit_integer(j, (long long)x);
    } else if (ax >= 1e-4 && ax < 1e9) {
        long long micros = (long long)(ax * 1e6 + 0.5);
        long long frac = micros % 1000000;
        if (x < 0)
            EMIT_LITERAL(j, "-");
        emit_integer(j, micros / 1000000);
        if (frac) {
            char decimals[7] = ".";
            int n = 7;
            for (int i = 6; i >= 1; i--, frac /= 10)
                decimals[i] = (char)('0' + frac % 10);
            while (decimals[n - 1] == '0')
                n--;
            emit(j, decimals, (size_t)n);
        }
    } else {
        char text[NUMBER_MAX];
        emit(j, text, (size_t)snprintf(text, sizeof text, "%.15g", x));
    }
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||   /* overlong, surrogate */
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))     /* overlong, > U+10FFFF */
        return 0;
    return len;
}

/* A quoted, escaped string (reserves what it needs). */
static int put_string(rule_json *j, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), start = 0, i = 0;
    if (reserve(j, 6 * n + 2) != 0)
        return -1;
    EMIT_LITERAL(j, "\"");
    while (i < n) {
        unsigned c = p[i];
        char escape[8] = "";
        size_t skip = 1;
        if (c == '"' || c == '\\')
            snprintf(escape, sizeof escape, "\\%c", c);
        else if (c == '\n')
            memcpy(escape, "\\n", 3);
        else if (c == '\t')
            memcpy(escape, "\\t", 3);
        else if (c == '\r')
            memcpy(escape, "\\r", 3);
        else if (c < 0x20)
            snprintf(escape, sizeof escape, "\\u%04x", c);
        else if (c >= 0x80 && (skip = utf8_length(p + i, n - i)) == 0) {
            memcpy(escape, "\\ufffd", 7);
            skip = 1;
        }
        if (escape[0]) {
            emit(j, s + start, i - start);
            emit(j, escape, strlen(escape));
            start = i + skip;
        }
        i += skip;
    }
    emit(j, s + start, n - start);
    EMIT_LITERAL(j, "\"");
    return 0;
}

/* A malloc'ed copy of what the buffer holds from start on. */
static char *take(rule_json *j, size_t start)
{
    char *out = malloc(j->len - start + 1);
    if (out) {
        memcpy(out, j->buf + start, j->len - start);
        out[j->len - start] = '\0';
    }
    return out;
}

/* Render the strings concatenated with `s` (a NULL s renders null) into a
 * malloc'ed constant: parts alternate literal, string, literal, ... */
static char *render(rule_json *j, const char *const *parts, int n)
{
    j->len = 0;
    for (int i = 0; i < n; i++) {
        size_t len = parts[i] ? strlen(parts[i]) : 4;
        if (i % 2 == 0) {
            if (reserve(j, len) != 0)
                return NULL;
            emit(j, parts[i], len);
        } else if (!parts[i]) {
            if (reserve(j, 4) != 0)
                return NULL;
            EMIT_LITERAL(j, "null");
        } else if (put_string(j, parts[i]) != 0) {
            return NULL;
        }
    }
    return take(j, 0);
}

int rules_json_prepare(vt_rules *r)
{
    rule_json *j = &r->json;
    j->measure_heads = calloc(r->n_measures > 0 ? (size_t)r->n_measures : 1, sizeof (char *));
    j->flag_heads = calloc(r->n_flags > 0 ? (size_t)r->n_flags : 1, sizeof (char *));
    j->flag_tails = calloc(r->n_flags > 0 ? (size_t)r->n_flags : 1, sizeof (char *));
    if (!j->measure_heads || !j->flag_heads || !j->flag_tails)
        return -1;
    for (int i = 0; i < r->n_measures; i++) {
        const char *parts[] = {"{\"name\":", r->measures[i].name, ",\"group\":",
                               r->measures[i].group, ",\"value\":"};
        if (!(j->measure_heads[i] = render(j, parts, 5)))
            return -1;
    }
    for (int i = 0; i < r->n_flags; i++) {
        const rule_flag *f = &r->flags[i];
        const char *head[] = {"{\"name\":", f->name, ",\"severity\":",
                              rule_severity_names[f->severity], ",\"reason\":"};
        const char *tail[] = {",\"force_band\":",
                              f->force_band >= 0 ? r->bands[f->force_band].name : NULL, "}"};
        if (!(j->flag_heads[i] = render(j, head, 5)) || !(j->flag_tails[i] = render(j, tail, 3)))
            return -1;
    }
    return 0;
}

char *rules_measures_json(vt_rules *r)
{
    const rule_outcome *o = &r->out;
    rule_json *j = &r->json;
    j->len = 0;
    if (reserve(j, 1) != 0)
        return NULL;
    EMIT_LITERAL(j, "[");
    for (int i = 0; i < r->n_measures; i++) {
        const vt_part *part = &o->parts[i];
        const char *head = j->measure_heads[i];
        size_t head_len = strlen(head);
        if (reserve(j, head_len + 4 * NUMBER_MAX + 80) != 0)
            return NULL;
        if (i > 0)
            EMIT_LITERAL(j, ",");
        emit(j, head, head_len);
        if (part->has_data)
            emit_number(j, o->values[i]);
        else
            EMIT_LITERAL(j, "null");
        EMIT_LITERAL(j, ",\"score\":");
        if (part->used)
            emit_number(j, part->score);
        else
            EMIT_LITERAL(j, "null");
        EMIT_LITERAL(j, ",\"weight\":");
        emit_number(j, part->weight);
        EMIT_LITERAL(j, ",\"contribution\":");
        if (part->used)
            emit_number(j, vt_contribution(part, o->mean.used_weight));
        else
            EMIT_LITERAL(j, "null");
        if (!part->used)
            EMIT_LITERAL(j, ",\"used\":false,\"missing\":false}");
        else if (part->has_data)
            EMIT_LITERAL(j, ",\"used\":true,\"missing\":false}");
        else
            EMIT_LITERAL(j, ",\"used\":true,\"missing\":true}");
    }
    if (reserve(j, 1) != 0)
        return NULL;
    EMIT_LITERAL(j, "]");
    return take(j, 0);
}

char *rules_flags_json(vt_rules *r)
{
    const rule_outcome *o = &r->out;
    rule_json *j = &r->json;
    int first = 1;
    j->len = 0;
    if (reserve(j, 1) != 0)
        return NULL;
    EMIT_LITERAL(j, "[");
    for (int sev = SEVERITY_CRITICAL; sev >= SEVERITY_LOW; sev--) {
        for (int k = 0; k < o->n_raised; k++) {
            int f = o->raised[k];
            if ((int)r->flags[f].severity != sev)
                continue;
            size_t head_len = strlen(j->flag_heads[f]);
            if (reserve(j, head_len + 1) != 0)
                return NULL;
            if (!first)
                EMIT_LITERAL(j, ",");
            first = 0;
            emit(j, j->flag_heads[f], head_len);
            if (put_string(j, o->reasons[k]) != 0 || reserve(j, strlen(j->flag_tails[f])) != 0)
                return NULL;
            emit(j, j->flag_tails[f], strlen(j->flag_tails[f]));
        }
    }
    if (reserve(j, 1) != 0)
        return NULL;
    EMIT_LITERAL(j, "]");
    return take(j, 0);
}

void rules_json_free(vt_rules *r)
{
    rule_json *j = &r->json;
    for (int i = 0; j->measure_heads && i < r->n_measures; i++)
        free(j->measure_heads[i]);
    for (int i = 0; j->flag_heads && i < r->n_flags; i++)
        free(j->flag_heads[i]);
    for (int i = 0; j->flag_tails && i < r->n_flags; i++)
        free(j->flag_tails[i]);
    free(j->measure_heads);
    free(j->flag_heads);
    free(j->flag_tails);
    free(j->buf);
}
