/*
 * date.c - calendar arithmetic on day numbers (days since 1970-01-01, UTC)
 * and strict parsing of the ISO dates, timestamps and months of SPEC §2.
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days
 * algorithms, exact for the proleptic Gregorian calendar.
 */
#include <string.h>
#include <time.h>

#include "vitals.h"

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return mdays[m - 1];
}

/* Read exactly n digits at s into *out. */
static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Parse YYYY-MM-DD at the start of s, checking the calendar. */
static int parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) || s[7] != '-' ||
        digits(s + 8, 2, d))
        return -1;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    return 0;
}

int vt_date_parse(const char *s, vt_day *day)
{
    int y, m, d;
    if (strlen(s) != 10 || parse_ymd(s, &y, &m, &d))
        return -1;
    *day = (vt_day)days_from_civil(y, m, d);
    return 0;
}

int vt_timestamp_parse(const char *s, int64_t *secs)
{
    int y, m, d, hh = 0, mm = 0, ss = 0;
    size_t n = strlen(s);
    if (n < 10 || parse_ymd(s, &y, &m, &d))
        return -1;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (digits(p + 1, 2, &hh) || p[3] != ':' || digits(p + 4, 2, &mm))
            return -1;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &ss))
                return -1;
            p += 3;
        }
        if (*p == 'Z')
            p++;
        if (hh > 23 || mm > 59 || ss > 59)
            return -1;
    }
    if (*p != '\0')
        return -1;
    *secs = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
}

int vt_month_parse(const char *s, int32_t *month)
{
    int y, m;
    if (strlen(s) != 7 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) ||
        y < 1 || m < 1 || m > 12)
        return -1;
    *month = y * 12 + m - 1;
    return 0;
}

void vt_date_format(vt_day day, char buf[11])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    /* y is within 1..9999 for every parsed date; clamp keeps the buffer safe */
    if (y < 0) y = 0;
    if (y > 9999) y = 9999;
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
}

vt_day vt_today(void)
{
    return (vt_day)(time(NULL) / 86400);
}

int32_t vt_day_month(vt_day day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return y * 12 + m - 1;
}
