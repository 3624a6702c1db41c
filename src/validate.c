/*
 * validate.c - turns one trimmed CSV field into a typed value, or explains in
 * a short phrase why it cannot be (the loader adds file, line and column).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tables.h"

/* Strict decimal: optional sign, digits, optional '.' and digits.  No
 * exponent, no thousands separators, no hex, no inf/nan. */
static int parse_decimal(const char *s, double *out)
{
    const char *p = s;
    int digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (*p != '\0' || digits == 0)
        return -1;
    errno = 0;
    *out = strtod(s, NULL);
    return errno == ERANGE || !isfinite(*out) ? -1 : 0;
}

static int parse_integer(const char *s, long long *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '\0')
        return -1;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    *out = strtoll(s, NULL, 10);
    return errno == ERANGE ? -1 : 0;
}

static int parse_bool(const char *s, long long *out)
{
    static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* Why v is out of c's range: "is outside 0–10", or for a count with no
 * real upper bound "is below 0" / "is above 1e+15". */
static void describe_range(const vt_column *c, double v, char *buf, size_t len)
{
    if (c->max < 1e15)
        snprintf(buf, len, "is outside %g–%g", c->min, c->max);
    else if (v < c->min)
        snprintf(buf, len, "is below %g", c->min);
    else
        snprintf(buf, len, "is above %g", c->max);
}

/* The start of text for a message: at most 40 bytes, cut on a UTF-8
 * character boundary so that messages and rejects stay valid UTF-8. */
static const char *snippet(const char *text, char out[41])
{
    size_t n = strlen(text);
    if (n > 40) {
        n = 40;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    return out;
}

int vt_validate(const vt_column *c, const char *text, vt_cell *cell, char *msg, size_t len)
{
    char range[64], shown[41];
    cell->type = VT_NIL;
    cell->s = text;
    if (*text == '\0') {
        if (c->flags & COL_REQUIRED) {
            snprintf(msg, len, "required value is empty");
            return -1;
        }
        /* an empty optional key part must still compare equal to itself */
        if (c->flags & COL_KEY)
            cell->type = VT_TEXT;
        return 0;
    }
    switch (c->kind) {
    case K_TEXT:
    case K_CUSTOMER:
        cell->type = VT_TEXT;
        return 0;
    case K_INT:
        if (parse_integer(text, &cell->i)) {
            snprintf(msg, len, "\"%s\" is not a whole number", snippet(text, shown));
            return -1;
        }
        if ((double)cell->i < c->min || (double)cell->i > c->max) {
            describe_range(c, (double)cell->i, range, sizeof range);
            snprintf(msg, len, "%lld %s", cell->i, range);
            return -1;
        }
        cell->type = VT_INT;
        return 0;
    case K_DECIMAL:
        if (parse_decimal(text, &cell->r)) {
            snprintf(msg, len, "\"%s\" is not a number%s", snippet(text, shown),
                     strchr(text, ',') ? " (use '.' as the decimal point, no thousands separators)"
                                       : "");
            return -1;
        }
        if (cell->r < c->min || cell->r > c->max) {
            describe_range(c, cell->r, range, sizeof range);
            snprintf(msg, len, "%s %s", text, range);
            return -1;
        }
        cell->type = VT_REAL;
        return 0;
    case K_DATE: {
        vt_day d;
        if (vt_date_parse(text, &d)) {
            snprintf(msg, len, "\"%s\" is not a calendar date (expected YYYY-MM-DD)",
                     snippet(text, shown));
            return -1;
        }
        cell->type = VT_INT;
        cell->i = d;
        return 0;
    }
    case K_TIMESTAMP: {
        int64_t secs;
        if (vt_timestamp_parse(text, &secs)) {
            snprintf(msg, len,
                     "\"%s\" is not a timestamp (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z])",
                     snippet(text, shown));
            return -1;
        }
        cell->type = VT_INT;
        cell->i = secs;
        return 0;
    }
    case K_MONTH: {
        int32_t m;
        if (vt_month_parse(text, &m)) {
            snprintf(msg, len, "\"%s\" is not a month (expected YYYY-MM)", snippet(text, shown));
            return -1;
        }
        cell->type = VT_INT;
        cell->i = m;
        return 0;
    }
    case K_BOOL:
        if (parse_bool(text, &cell->i)) {
            snprintf(msg, len, "\"%s\" is not a boolean (expected true/false, yes/no, 1/0)",
                     snippet(text, shown));
            return -1;
        }
        cell->type = VT_INT;
        return 0;
    case K_ENUM:
        for (int i = 0; c->choices[i]; i++) {
            if (strcasecmp(text, c->choices[i]) == 0) {
                cell->type = VT_TEXT;
                cell->s = c->choices[i];
                return 0;
            }
        }
        {
            char list[128] = "";
            for (int i = 0; c->choices[i]; i++) {
                if (i)
                    strncat(list, "|", sizeof list - strlen(list) - 1);
                strncat(list, c->choices[i], sizeof list - strlen(list) - 1);
            }
            snprintf(msg, len, "\"%s\" is not one of %s", snippet(text, shown), list);
        }
        return -1;
    }
    snprintf(msg, len, "unknown column kind");
    return -1;
}
