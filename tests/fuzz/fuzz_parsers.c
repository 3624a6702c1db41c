/*
 * fuzz_parsers.c - libFuzzer target: the value parsers of SPEC §2 against
 * independent reference implementations, with round-trip properties.
 *
 *   vt_date_parse       accepted iff the reference accepts; the day number
 *                       matches timegm(); vt_date_format gives the input back
 *   vt_timestamp_parse  the same for YYYY-MM-DD[(T| )HH:MM[:SS][Z]]
 *   vt_month_parse      the same for YYYY-MM; formatting gives the input back
 *   vt_validate         over every column of every table (vt_tables()): the
 *                       cell agrees with the column's kind and range, a
 *                       rejection comes with a message that fits the buffer
 *                       (the buffer is sized by the input, so ASan sees any
 *                       overrun) and is valid UTF-8 when the input is
 *   vt_nearest_name     returns NULL or one of the names it was given
 *
 * Input: byte 0 sizes the message buffer (1..256 bytes); the rest is the text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tables.h"
#include "vitals.h"

#define CHECK(cond, ...)                                                           \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "fuzz_parsers: %s:%d: check failed: %s\n  ", __FILE__, \
                    __LINE__, #cond);                                              \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
            abort();                                                               \
        }                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------ references */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int leap(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int month_days(int y, int m)
{
    return m == 2 ? 28 + leap(y) : 30 + ((m + (m > 7)) & 1);
}

/* "YYYY-MM-DD" at s (exactly 10 characters available). */
static int ref_ymd(const char *s, int *y, int *m, int *d)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
            return 0;
    *y = num(s, 4), *m = num(s + 5, 2), *d = num(s + 8, 2);
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= month_days(*y, *m);
}

static long long ref_days(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    return (long long)((t - 12 * 3600) / 86400);
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], need, cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, cp = c & 0x07;
        else
            return 0;
        if (i + need >= n)
            return 0;
        for (unsigned k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* ------------------------------------------------------------ properties */

static void check_date(const char *s)
{
    vt_day day = 0;
    int y, m, d;
    int ok = vt_date_parse(s, &day) == 0;
    int ref = strlen(s) == 10 && ref_ymd(s, &y, &m, &d);
    CHECK(ok == ref, "vt_date_parse(\"%s\") %s, the reference %s", s, ok ? "accepts" : "refuses",
          ref ? "accepts" : "refuses");
    if (!ok)
        return;
    CHECK(day == ref_days(y, m, d), "vt_date_parse(\"%s\") = %d, timegm says %lld", s, (int)day,
          ref_days(y, m, d));
    char buf[11];
    vt_date_format(day, buf);
    CHECK(strcmp(buf, s) == 0, "vt_date_format(vt_date_parse(\"%s\")) = \"%s\"", s, buf);
    CHECK(vt_day_month(day) == y * 12 + m - 1, "vt_day_month(%s) = %d", s, (int)vt_day_month(day));
}

static void check_timestamp(const char *s)
{
    int64_t secs = 0;
    int ok = vt_timestamp_parse(s, &secs) == 0;
    size_t n = strlen(s);
    int y, m, d, hh = 0, mm = 0, ss = 0, ref = n >= 10 && ref_ymd(s, &y, &m, &d);
    if (ref && n > 10) {
        const char *p = s + 10;
        ref = (*p == 'T' || *p == ' ') && is_digit(p[1]) && is_digit(p[2]) && p[3] == ':' &&
              is_digit(p[4]) && is_digit(p[5]);
        if (ref) {
            hh = num(p + 1, 2), mm = num(p + 4, 2);
            p += 6;
            if (*p == ':') {
                ref = is_digit(p[1]) && is_digit(p[2]);
                if (ref)
                    ss = num(p + 1, 2);
                p += 3;
            }
        }
        if (ref) {
            if (*p == 'Z')
                p++;
            ref = *p == '\0' && hh <= 23 && mm <= 59 && ss <= 59;
        }
    }
    CHECK(ok == ref, "vt_timestamp_parse(\"%s\") %s, the reference %s", s,
          ok ? "accepts" : "refuses", ref ? "accepts" : "refuses");
    if (!ok)
        return;
    long long want = ref_days(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    CHECK(secs == want, "vt_timestamp_parse(\"%s\") = %lld, expected %lld", s, (long long)secs,
          want);
    /* round trip: the date part formats back, the time of day is kept */
    char buf[11];
    long long day = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    vt_date_format((vt_day)day, buf);
    CHECK(strncmp(buf, s, 10) == 0, "timestamp \"%s\" has date %s", s, buf);
    CHECK(secs - day * 86400 == hh * 3600 + mm * 60 + ss, "timestamp \"%s\": time of day", s);
}

static void check_month(const char *s)
{
    int32_t month = 0;
    int ok = vt_month_parse(s, &month) == 0;
    int ref = strlen(s) == 7 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
              is_digit(s[3]) && s[4] == '-' && is_digit(s[5]) && is_digit(s[6]) &&
              num(s, 4) >= 1 && num(s + 5, 2) >= 1 && num(s + 5, 2) <= 12;
    CHECK(ok == ref, "vt_month_parse(\"%s\") %s, the reference %s", s, ok ? "accepts" : "refuses",
          ref ? "accepts" : "refuses");
    if (!ok)
        return;
    char buf[16];
    snprintf(buf, sizeof buf, "%04d-%02d", (int)(month / 12), (int)(month % 12 + 1));
    CHECK(strcmp(buf, s) == 0, "vt_month_parse(\"%s\") = %d formats as %s", s, (int)month, buf);
}

/* [+-]digits[.digits] or [+-].digits (at least one digit), nothing else */
static int ref_decimal_syntax(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; is_digit(*s); s++)
        digits++;
    if (*s == '.')
        for (s++; is_digit(*s); s++)
            digits++;
    return *s == '\0' && digits > 0;
}

static int ref_integer_syntax(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!is_digit(*s))
            return 0;
    return 1;
}

static void check_validate(const vt_table *t, const vt_column *c, const char *s, size_t msg_len)
{
    char *msg = malloc(msg_len);
    vt_cell cell;
    memset(msg, 0x55, msg_len);
    memset(&cell, 0, sizeof cell);
    int rc = vt_validate(c, s, &cell, msg, msg_len);
    const char *where = c->name;
    CHECK(rc == 0 || rc == -1, "%s.%s: vt_validate returned %d", t->name, where, rc);
    if (rc) {
        size_t n = strnlen(msg, msg_len);
        CHECK(n < msg_len, "%s.%s: message not terminated within %zu bytes", t->name, where, msg_len);
        CHECK(msg_len < 2 || n > 0, "%s.%s: rejected \"%s\" without a message", t->name, where, s);
        if (msg_len >= 512 && valid_utf8((const unsigned char *)s, strlen(s)))
            CHECK(valid_utf8((const unsigned char *)msg, n),
                  "%s.%s: the message for valid UTF-8 input is not valid UTF-8: %s", t->name,
                  where, msg);
    }
    if (*s == '\0') {
        CHECK(rc == ((c->flags & COL_REQUIRED) ? -1 : 0), "%s.%s: empty value", t->name, where);
        if (!rc)
            CHECK(cell.type == ((c->flags & COL_KEY) ? VT_TEXT : VT_NIL),
                  "%s.%s: an empty optional value gives type %d", t->name, where, cell.type);
        free(msg);
        return;
    }
    switch (c->kind) {
    case K_TEXT:
    case K_CUSTOMER:
        CHECK(rc == 0 && cell.type == VT_TEXT && strcmp(cell.s, s) == 0, "%s.%s: text", t->name,
              where);
        break;
    case K_INT: {
        int syntax = ref_integer_syntax(s);
        if (!syntax) {
            CHECK(rc, "%s.%s: \"%s\" accepted as a whole number", t->name, where, s);
            break;
        }
        long double v = strtold(s, NULL);
        int in_range = v >= c->min && v <= c->max && v >= -9.2e18L && v <= 9.2e18L;
        if (in_range)
            CHECK(rc == 0 && cell.type == VT_INT && (long double)cell.i == v,
                  "%s.%s: \"%s\" refused or misread (%lld)", t->name, where, s, cell.i);
        if (rc == 0)
            CHECK(cell.type == VT_INT && cell.i >= c->min && cell.i <= c->max,
                  "%s.%s: \"%s\" accepted outside the range", t->name, where, s);
        break;
    }
    case K_DECIMAL: {
        int syntax = ref_decimal_syntax(s);
        if (!syntax) {
            CHECK(rc, "%s.%s: \"%s\" accepted as a number", t->name, where, s);
            break;
        }
        double v = strtod(s, NULL);
        if (rc == 0)
            CHECK(cell.type == VT_REAL && isfinite(cell.r) && cell.r == v && cell.r >= c->min &&
                      cell.r <= c->max,
                  "%s.%s: \"%s\" read as %g", t->name, where, s, cell.r);
        else if (isfinite(v) && v >= c->min && v <= c->max && (v == 0 || fabs(v) > 1e-300))
            CHECK(0, "%s.%s: the number \"%s\" (within range) refused: %s", t->name, where, s, msg);
        break;
    }
    case K_DATE: {
        vt_day d;
        int ok = vt_date_parse(s, &d) == 0;
        CHECK(ok == (rc == 0), "%s.%s: date \"%s\"", t->name, where, s);
        if (ok)
            CHECK(cell.type == VT_INT && cell.i == d, "%s.%s: date value", t->name, where);
        break;
    }
    case K_TIMESTAMP: {
        int64_t secs;
        int ok = vt_timestamp_parse(s, &secs) == 0;
        CHECK(ok == (rc == 0), "%s.%s: timestamp \"%s\"", t->name, where, s);
        if (ok)
            CHECK(cell.type == VT_INT && cell.i == secs, "%s.%s: timestamp value", t->name, where);
        break;
    }
    case K_MONTH: {
        int32_t m;
        int ok = vt_month_parse(s, &m) == 0;
        CHECK(ok == (rc == 0), "%s.%s: month \"%s\"", t->name, where, s);
        if (ok)
            CHECK(cell.type == VT_INT && cell.i == m, "%s.%s: month value", t->name, where);
        break;
    }
    case K_BOOL: {
        static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
        int want = -1;
        for (int i = 0; i < 3; i++) {
            if (strcasecmp(s, yes[i]) == 0)
                want = 1;
            if (strcasecmp(s, no[i]) == 0)
                want = 0;
        }
        CHECK((want >= 0) == (rc == 0), "%s.%s: boolean \"%s\"", t->name, where, s);
        if (want >= 0)
            CHECK(cell.type == VT_INT && cell.i == want, "%s.%s: boolean value", t->name, where);
        break;
    }
    case K_ENUM: {
        const char *hit = NULL;
        for (int i = 0; c->choices[i]; i++)
            if (strcasecmp(s, c->choices[i]) == 0)
                hit = c->choices[i];
        CHECK((hit != NULL) == (rc == 0), "%s.%s: choice \"%s\"", t->name, where, s);
        if (hit)
            CHECK(cell.type == VT_TEXT && strcmp(cell.s, hit) == 0, "%s.%s: choice stored as %s",
                  t->name, where, cell.s);
        break;
    }
    }
    free(msg);
}

static void check_nearest(const char *s)
{
    const char *const *names = vt_builtin_indicator_names();
    int n = 0;
    while (names[n])
        n++;
    const char *hit = vt_nearest_name(s, names, n);
    if (!hit)
        return;
    int found = 0;
    for (int i = 0; i < n; i++)
        found |= hit == names[i];
    CHECK(found, "vt_nearest_name(\"%s\") returned a name it was not given", s);
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            CHECK(strcmp(hit, s) == 0, "vt_nearest_name(\"%s\") = %s, not the exact name", s, hit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return -1;
    size_t msg_len = (size_t)data[0] + 1;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';

    check_date(s);
    check_timestamp(s);
    check_month(s);
    for (const vt_table *const *t = vt_tables(); *t; t++)
        for (int c = 0; c < (*t)->ncols; c++) {
            check_validate(*t, &(*t)->cols[c], s, msg_len);
            check_validate(*t, &(*t)->cols[c], s, 512);
        }
    check_nearest(s);
    free(s);
    return 0;
}
