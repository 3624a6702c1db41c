/*
 * test_dates.c - calendar dates, timestamps and months (SPEC §2: "Timestamps
 * are ISO 8601 (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] or with a space instead
 * of T); a date must exist in the calendar").
 *
 * Day numbers count days since 1970-01-01.  Every expected number below was
 * worked out by hand (and cross-checked with Python's datetime):
 *   1970-01-01 = 0, 1969-12-31 = -1, 1969-01-01 = -365 (1969 has 365 days)
 *   2000-01-01 = 30 years of 365 days + 7 leap days (72,76,...,96) = 10957
 *   2000-02-29 = 10957 + 31 + 28 = 11016;  2000-03-01 = 11017
 *   2024-01-01 = 54*365 + 13 leap days (1972..2020) = 19723
 *   2024-02-29 = 19723 + 31 + 28 = 19782;  2024-03-01 = 19783
 *   2026-01-01 = 19723 + 366 + 365 = 20454; 2026-10-31 = 20454 + 273 + 30 = 20757
 *   2026-03-15 = 20454 + 31 + 28 + 14 = 20527
 *   0001-01-01 = -719162 (first day the parser accepts), 9999-12-31 = 2932896
 * Months are year*12 + month-1: 2026-01 = 24312, 1970-01 = 23640.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vitals.h"

/* ---------------------------------------------------------------- helpers */

static vt_day day_of(const char *s)
{
    vt_day d = 123456789;
    if (vt_date_parse(s, &d) != 0)
        fail_msg("vt_date_parse(\"%s\") failed", s);
    return d;
}

static void assert_date_rejected(const char *s)
{
    vt_day d = 42;
    if (vt_date_parse(s, &d) != -1)
        fail_msg("vt_date_parse(\"%s\") accepted it (day %d)", s, (int)d);
}

static int64_t ts_of(const char *s)
{
    int64_t t = -123456789;
    if (vt_timestamp_parse(s, &t) != 0)
        fail_msg("vt_timestamp_parse(\"%s\") failed", s);
    return t;
}

static void assert_ts_rejected(const char *s)
{
    int64_t t = 0;
    if (vt_timestamp_parse(s, &t) != -1)
        fail_msg("vt_timestamp_parse(\"%s\") accepted it (%lld)", s, (long long)t);
}

static void assert_month_rejected(const char *s)
{
    int32_t m = 0;
    if (vt_month_parse(s, &m) != -1)
        fail_msg("vt_month_parse(\"%s\") accepted it (%d)", s, (int)m);
}

static void assert_formats(vt_day d, const char *expected)
{
    char buf[11];
    memset(buf, 'x', sizeof buf);
    vt_date_format(d, buf);
    assert_int_equal(buf[10], '\0');
    assert_string_equal(buf, expected);
}

/* ---------------------------------------------------------------- vt_date_parse */

static void date_known_days(void **state)
{
    (void)state;
    assert_int_equal(day_of("1970-01-01"), 0);
    assert_int_equal(day_of("1970-01-02"), 1);
    assert_int_equal(day_of("1969-12-31"), -1);
    assert_int_equal(day_of("1969-01-01"), -365);
    assert_int_equal(day_of("2000-01-01"), 10957);
    assert_int_equal(day_of("2000-02-29"), 11016);
    assert_int_equal(day_of("2000-03-01"), 11017);
    assert_int_equal(day_of("2024-01-01"), 19723);
    assert_int_equal(day_of("2024-02-29"), 19782);
    assert_int_equal(day_of("2024-03-01"), 19783);
    assert_int_equal(day_of("2026-01-01"), 20454);
    assert_int_equal(day_of("2026-03-15"), 20527);
    assert_int_equal(day_of("2026-10-31"), 20757);
    assert_int_equal(day_of("0001-01-01"), -719162);
    assert_int_equal(day_of("9999-12-31"), 2932896);
    assert_int_equal(day_of("1968-02-29"), -672);   /* 1968 is a leap year before the epoch */
    assert_int_equal(day_of("1600-02-29"), -135081); /* divisible by 400: leap */
    assert_int_equal(day_of("1900-03-01"), -25508);
    assert_int_equal(day_of("2100-03-01"), 47541);
}

static void date_month_lengths(void **state)
{
    (void)state;
    /* last valid day of each month of 2026 (not leap) and the day after */
    static const char *const ok[] = {"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30",
                                     "2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31",
                                     "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"};
    static const char *const bad[] = {"2026-01-32", "2026-02-29", "2026-03-32", "2026-04-31",
                                      "2026-05-32", "2026-06-31", "2026-07-32", "2026-08-32",
                                      "2026-09-31", "2026-10-32", "2026-11-31", "2026-12-32"};
    for (int i = 0; i < 12; i++) {
        vt_day d = day_of(ok[i]);
        char buf[11];
        vt_date_format(d, buf);
        assert_string_equal(buf, ok[i]);
        assert_date_rejected(bad[i]);
    }
}

static void date_leap_years(void **state)
{
    (void)state;
    assert_int_equal(day_of("2024-02-29"), 19782);
    assert_int_equal(day_of("2000-02-29"), 11016);   /* divisible by 400 */
    assert_date_rejected("2026-02-29");
    assert_date_rejected("2026-02-30");
    assert_date_rejected("2024-02-30");
    assert_date_rejected("1900-02-29");              /* divisible by 100, not 400 */
    assert_date_rejected("2100-02-29");
    assert_date_rejected("2023-02-29");
}

static void date_rejects_bad_fields(void **state)
{
    (void)state;
    assert_date_rejected("2026-13-01");
    assert_date_rejected("2026-00-10");
    assert_date_rejected("2026-01-00");
    assert_date_rejected("2026-04-31");
    assert_date_rejected("0000-01-01");  /* no year 0 */
    assert_date_rejected("2026-99-99");
}

static void date_rejects_wrong_shape(void **state)
{
    (void)state;
    assert_date_rejected("");
    assert_date_rejected("2026");
    assert_date_rejected("2026-01");
    assert_date_rejected("2026-1-01");
    assert_date_rejected("2026-01-1");
    assert_date_rejected("26-01-01");
    assert_date_rejected("2026-01-011");
    assert_date_rejected("12026-01-01");
    assert_date_rejected("2026-01-01 ");
    assert_date_rejected(" 2026-01-01");
    assert_date_rejected("2026-01-01T00:00");  /* a timestamp is not a date */
    assert_date_rejected("2026/01/01");
    assert_date_rejected("2026.01.01");
    assert_date_rejected("01-01-2026");
    assert_date_rejected("2026-0a-01");
    assert_date_rejected("+026-01-01");
    assert_date_rejected("-026-01-01");
    assert_date_rejected("2026--1-01");
    assert_date_rejected("20260101");
}

static void date_rejected_leaves_output(void **state)
{
    (void)state;
    vt_day d = 777;
    assert_int_equal(vt_date_parse("2026-02-30", &d), -1);
    assert_int_equal(d, 777);
}

/* ---------------------------------------------------------------- vt_date_format */

static void format_known_days(void **state)
{
    (void)state;
    assert_formats(0, "1970-01-01");
    assert_formats(-1, "1969-12-31");
    assert_formats(-365, "1969-01-01");
    assert_formats(-366, "1968-12-31");
    assert_formats(-672, "1968-02-29");
    assert_formats(10957, "2000-01-01");
    assert_formats(11016, "2000-02-29");
    assert_formats(11017, "2000-03-01");
    assert_formats(19782, "2024-02-29");
    assert_formats(20757, "2026-10-31");
    assert_formats(-719162, "0001-01-01");
    assert_formats(2932896, "9999-12-31");
    assert_formats(-25508, "1900-03-01");
    assert_formats(-25509, "1900-02-28");  /* no 1900-02-29 */
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Walk every day from 0001-01-01 to 9999-12-31 with an independent calendar
 * (y, m, d incremented by hand) and check format, parse and day_month. */
static void format_parse_round_trip_all_days(void **state)
{
    (void)state;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1, m = 1, d = 1;
    char expect[40], buf[11];
    long checked = 0;
    for (vt_day day = -719162; day <= 2932896; day++) {
        snprintf(expect, sizeof expect, "%04d-%02d-%02d", y, m, d);
        vt_date_format(day, buf);
        if (strcmp(buf, expect) != 0)
            fail_msg("vt_date_format(%d) = %s, expected %s", (int)day, buf, expect);
        vt_day back = 0;
        if (vt_date_parse(buf, &back) != 0 || back != day)
            fail_msg("vt_date_parse(%s) = %d, expected %d", buf, (int)back, (int)day);
        if (vt_day_month(day) != y * 12 + m - 1)
            fail_msg("vt_day_month(%d) = %d, expected %d", (int)day, (int)vt_day_month(day),
                     y * 12 + m - 1);
        checked++;
        int len = mdays[m - 1] + (m == 2 && is_leap(y));
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_int_equal(checked, 2932896 + 719162 + 1);
    assert_int_equal(y, 10000);  /* walked off the end of 9999 exactly */
}

/* ---------------------------------------------------------------- vt_timestamp_parse */

#define DAY_2026_03_15 (20527LL * 86400)  /* 1773532800 */

static void timestamp_forms(void **state)
{
    (void)state;
    assert_int_equal(ts_of("1970-01-01"), 0);
    assert_int_equal(ts_of("1970-01-01T00:00"), 0);
    assert_int_equal(ts_of("1970-01-01T00:00:01"), 1);
    assert_int_equal(ts_of("2026-03-15"), DAY_2026_03_15);
    assert_int_equal(ts_of("2026-03-15"), 1773532800LL);
    assert_int_equal(ts_of("2026-03-15T10:30"), DAY_2026_03_15 + 37800);
    assert_int_equal(ts_of("2026-03-15T10:30"), 1773570600LL);
    assert_int_equal(ts_of("2026-03-15T10:30:45"), 1773570645LL);
    assert_int_equal(ts_of("2026-03-15T10:30Z"), 1773570600LL);
    assert_int_equal(ts_of("2026-03-15T10:30:45Z"), 1773570645LL);
    assert_int_equal(ts_of("2026-03-15 10:30"), 1773570600LL);
    assert_int_equal(ts_of("2026-03-15 10:30:45"), 1773570645LL);
    assert_int_equal(ts_of("2026-03-15 10:30:45Z"), 1773570645LL);
    assert_int_equal(ts_of("2026-03-15T00:00:00Z"), DAY_2026_03_15);
    assert_int_equal(ts_of("2026-03-15T23:59:59"), DAY_2026_03_15 + 86399);
    assert_int_equal(ts_of("2024-02-29T23:59:59Z"), 1709251199LL);
    assert_int_equal(ts_of("1969-12-31T23:59:59"), -1);   /* before the epoch */
    assert_int_equal(ts_of("1969-12-31"), -86400);
}

static void timestamp_invalid(void **state)
{
    (void)state;
    assert_ts_rejected("");
    assert_ts_rejected("2026-03-1");
    assert_ts_rejected("2026-03-15T25:00");
    assert_ts_rejected("2026-03-15T24:00");
    assert_ts_rejected("2026-03-15T10:60");
    assert_ts_rejected("2026-03-15T10:00:60");
    assert_ts_rejected("2026-03-15T10:00x");       /* trailing junk */
    assert_ts_rejected("2026-03-15T10:00:00x");
    assert_ts_rejected("2026-03-15T10:00ZZ");
    assert_ts_rejected("2026-03-15T10:00Z ");
    assert_ts_rejected("2026-03-15 ");
    assert_ts_rejected("2026-03-15Z");              /* a zone needs a time */
    assert_ts_rejected("2026-03-15x");
    assert_ts_rejected("2026-02-30T10:00");         /* not in the calendar */
    assert_ts_rejected("2026-02-29 10:00");
    assert_ts_rejected("2026-13-01T10:00");
    assert_ts_rejected("2026-03-15T");
    assert_ts_rejected("2026-03-15T1");
    assert_ts_rejected("2026-03-15T10");
    assert_ts_rejected("2026-03-15T10:");
    assert_ts_rejected("2026-03-15T10:0");
    assert_ts_rejected("2026-03-15T1:00");
    assert_ts_rejected("2026-03-15T10:00:");
    assert_ts_rejected("2026-03-15T10:00:5");
    assert_ts_rejected("2026-03-15T10-00");
    assert_ts_rejected("2026-03-15t10:00");         /* only T or a space */
    assert_ts_rejected("2026-03-15_10:00");
    assert_ts_rejected("2026-03-15T10:00+02:00");  /* offsets are not in SPEC §2 */
    assert_ts_rejected("2026-03-15T10:00:00.123Z");
    assert_ts_rejected("15/03/2026 10:00");
    assert_ts_rejected("tomorrow");
}

static void timestamp_rejected_leaves_output(void **state)
{
    (void)state;
    int64_t t = 99;
    assert_int_equal(vt_timestamp_parse("2026-02-30T10:00", &t), -1);
    assert_int_equal(t, 99);
}

/* ---------------------------------------------------------------- months */

static void month_parse(void **state)
{
    (void)state;
    int32_t m = -1;
    assert_int_equal(vt_month_parse("2026-01", &m), 0);
    assert_int_equal(m, 24312);
    assert_int_equal(vt_month_parse("2026-12", &m), 0);
    assert_int_equal(m, 24323);
    assert_int_equal(vt_month_parse("1970-01", &m), 0);
    assert_int_equal(m, 23640);
    assert_int_equal(vt_month_parse("2025-08", &m), 0);
    assert_int_equal(m, 2025 * 12 + 7);
    assert_int_equal(vt_month_parse("0001-01", &m), 0);
    assert_int_equal(m, 12);

    assert_month_rejected("");
    assert_month_rejected("2026-13");
    assert_month_rejected("2026-00");
    assert_month_rejected("0000-01");
    assert_month_rejected("2026-1");
    assert_month_rejected("2026-011");
    assert_month_rejected("2026-01-01");  /* a date is not a month */
    assert_month_rejected("2026/01");
    assert_month_rejected("202601");
    assert_month_rejected("26-01");
    assert_month_rejected("2026-0a");
    assert_month_rejected("2026-01 ");
}

static void day_month(void **state)
{
    (void)state;
    assert_int_equal(vt_day_month(0), 23640);                  /* 1970-01 */
    assert_int_equal(vt_day_month(30), 23640);                 /* 1970-01-31 */
    assert_int_equal(vt_day_month(31), 23641);                 /* 1970-02-01 */
    assert_int_equal(vt_day_month(-1), 23639);                 /* 1969-12 */
    assert_int_equal(vt_day_month(19782), 2024 * 12 + 1);      /* 2024-02-29 */
    assert_int_equal(vt_day_month(19783), 2024 * 12 + 2);      /* 2024-03-01 */
    assert_int_equal(vt_day_month(20757), 2026 * 12 + 9);      /* 2026-10-31 */
    /* the month of a day is the month vt_month_parse gives for its YYYY-MM */
    for (vt_day d = -1000; d <= 25000; d += 7) {
        char buf[11];
        int32_t m;
        vt_date_format(d, buf);
        buf[7] = '\0';
        assert_int_equal(vt_month_parse(buf, &m), 0);
        assert_int_equal(vt_day_month(d), m);
    }
}

static void today_is_utc_now(void **state)
{
    (void)state;
    time_t before = time(NULL);
    vt_day t = vt_today();
    time_t after = time(NULL);
    assert_true(t >= (vt_day)(before / 86400) && t <= (vt_day)(after / 86400));
    assert_true(t > day_of("2024-01-01"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(date_known_days),
        cmocka_unit_test(date_month_lengths),
        cmocka_unit_test(date_leap_years),
        cmocka_unit_test(date_rejects_bad_fields),
        cmocka_unit_test(date_rejects_wrong_shape),
        cmocka_unit_test(date_rejected_leaves_output),
        cmocka_unit_test(format_known_days),
        cmocka_unit_test(format_parse_round_trip_all_days),
        cmocka_unit_test(timestamp_forms),
        cmocka_unit_test(timestamp_invalid),
        cmocka_unit_test(timestamp_rejected_leaves_output),
        cmocka_unit_test(month_parse),
        cmocka_unit_test(day_month),
        cmocka_unit_test(today_is_utc_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
