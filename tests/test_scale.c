/*
 * test_scale.c - the arithmetic of a health score (scale.c): every scale at
 * its edges, clamping, weighting with renormalisation, coverage, rounding
 * half away from zero, band selection, forced bands; and the nearest-name
 * suggestions used in error messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "scale.h"
#include "vitals.h"

#define EXACT(expected, actual) assert_true((double)(expected) == (double)(actual))
#define NEAR(expected, actual, eps) assert_true(fabs((double)(expected) - (double)(actual)) < (eps))

static const vt_scale linear_up = {VT_SCALE_LINEAR, 0.2, 0.8, NULL, 0};
static const vt_scale linear_down = {VT_SCALE_LINEAR, 10, 0, NULL, 0};
static const vt_scale inverse = {VT_SCALE_INVERSE, 0, 10, NULL, 0};
static const vt_step nps_steps[] = {{0, 0}, {7, 60}, {9, 100}};
static const vt_scale steps = {VT_SCALE_STEPS, 0, 0, nps_steps, 3};
static const vt_scale none = {VT_SCALE_NONE, 0, 0, NULL, 0};

static void test_linear(void **state)
{
    (void)state;
    EXACT(0, vt_scale_apply(&linear_up, 0.2));
    EXACT(100, vt_scale_apply(&linear_up, 0.8));
    NEAR(50.0, vt_scale_apply(&linear_up, 0.5), 1e-9);
    EXACT(0, vt_scale_apply(&linear_up, 0.1));       /* clamped below */
    EXACT(100, vt_scale_apply(&linear_up, 5.0));     /* clamped above */
    EXACT(0, vt_scale_apply(&linear_down, 10));      /* lo > hi: decreasing */
    EXACT(100, vt_scale_apply(&linear_down, 0));
    EXACT(25, vt_scale_apply(&linear_down, 7.5));
    EXACT(100, vt_scale_apply(&linear_down, -3));
}

static void test_inverse(void **state)
{
    (void)state;
    EXACT(100, vt_scale_apply(&inverse, 0));
    EXACT(0, vt_scale_apply(&inverse, 10));
    EXACT(50, vt_scale_apply(&inverse, 5));
    EXACT(100, vt_scale_apply(&inverse, -1));        /* less than lo */
    EXACT(0, vt_scale_apply(&inverse, 11));          /* "10 or more" */
}

static void test_steps(void **state)
{
    (void)state;
    static const vt_step high_first[] = {{5, 40}};
    const vt_scale from_five = {VT_SCALE_STEPS, 0, 0, high_first, 1};
    EXACT(0, vt_scale_apply(&steps, -1));            /* below the first threshold */
    EXACT(0, vt_scale_apply(&steps, 0));
    EXACT(0, vt_scale_apply(&steps, 6.99));
    EXACT(60, vt_scale_apply(&steps, 7));
    EXACT(60, vt_scale_apply(&steps, 8.5));
    EXACT(100, vt_scale_apply(&steps, 9));
    EXACT(100, vt_scale_apply(&steps, 10));
    EXACT(0, vt_scale_apply(&from_five, 4.999));
    EXACT(40, vt_scale_apply(&from_five, 5));
}

static void test_no_scale_clamps(void **state)
{
    (void)state;
    EXACT(42.5, vt_scale_apply(&none, 42.5));
    EXACT(100, vt_scale_apply(&none, 150));
    EXACT(0, vt_scale_apply(&none, -5));
    EXACT(0, vt_clamp_score(NAN));
    assert_true(vt_is_score(0) && vt_is_score(100) && vt_is_score(55.5));
    assert_false(vt_is_score(-0.1) || vt_is_score(100.1) || vt_is_score(NAN) || vt_is_score(INFINITY));
}

static void test_scale_problems(void **state)
{
    (void)state;
    static const vt_step unordered[] = {{7, 60}, {0, 0}};
    static const vt_step too_high[] = {{0, 101}};
    const vt_scale bad[] = {
        {VT_SCALE_LINEAR, 1, 1, NULL, 0},
        {VT_SCALE_LINEAR, NAN, 1, NULL, 0},
        {VT_SCALE_LINEAR, -1e308, 1e308, NULL, 0},
        {VT_SCALE_INVERSE, 2, 1, NULL, 0},
        {VT_SCALE_INVERSE, 0, INFINITY, NULL, 0},
        {VT_SCALE_STEPS, 0, 0, unordered, 2},
        {VT_SCALE_STEPS, 0, 0, too_high, 1},
        {VT_SCALE_STEPS, 0, 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_non_null(vt_scale_problem(&bad[i]));
    assert_string_equal(vt_scale_problem(&bad[0]), "linear(lo, hi) needs lo ~= hi");
    assert_string_equal(vt_scale_problem(&bad[3]), "inverse(lo, hi) needs lo < hi");
    assert_null(vt_scale_problem(&linear_up));
    assert_null(vt_scale_problem(&linear_down));
    assert_null(vt_scale_problem(&inverse));
    assert_null(vt_scale_problem(&steps));
    assert_null(vt_scale_problem(&none));
}

static void test_rounding(void **state)
{
    (void)state;
    EXACT(75.0, vt_round1(74.95));       /* 74.95 is 74.9500000000000028... */
    EXACT(75.0, vt_round1(74.94999999999999));   /* float noise on a half */
    EXACT(74.9, vt_round1(74.9499));
    EXACT(74.9, vt_round1(74.94));
    EXACT(2.3, vt_round1(2.25));         /* exact half in binary: away from zero */
    EXACT(2.4, vt_round1(2.35));         /* 2.35000000000000008882 */
    EXACT(0.2, vt_round1(0.15));         /* 0.1499999999999999944: a decimal half */
    EXACT(-2.3, vt_round1(-2.25));
    EXACT(100.0, vt_round1(99.95));
    EXACT(33.3, vt_round1(100.0 / 3));
    EXACT(66.7, vt_round1(200.0 / 3));
    double zero = vt_round1(-0.04);
    EXACT(0.0, zero);
    assert_false(signbit(zero));         /* never -0.0 */
    /* A mean whose exact decimal value is a half: (74.9 + 75.0) / 2 = 74.95. */
    vt_part halves[] = {{1, 74.9, 1, 1}, {1, 75.0, 1, 1}};
    vt_mean mean;
    assert_int_equal(vt_weighted_mean(halves, 2, &mean), 0);
    EXACT(75.0, mean.score);
}

static void test_weighted_mean(void **state)
{
    (void)state;
    /* usage 50 (w30), support 80 (w15), sentiment: missing default 50 (w20):
     * (1500 + 1200 + 1000) / 65 = 56.923 -> 56.9; coverage 45 / 65 = 69.2 */
    vt_part parts[] = {{30, 50, 1, 1}, {15, 80, 1, 1}, {20, 50, 1, 0}};
    vt_mean mean;
    assert_int_equal(vt_weighted_mean(parts, 3, &mean), 0);
    EXACT(56.9, mean.score);
    EXACT(69.2, mean.coverage);
    EXACT(65, mean.used_weight);
    NEAR(1500.0 / 65, vt_contribution(&parts[0], mean.used_weight), 1e-12);
    NEAR(1000.0 / 65, vt_contribution(&parts[2], mean.used_weight), 1e-12);
}

static void test_renormalisation(void **state)
{
    (void)state;
    /* sentiment nil without a default: left out, the others re-weighted:
     * (1500 + 1200) / 45 = 60.0; coverage still counts its weight: 45/65. */
    vt_part parts[] = {{30, 50, 1, 1}, {15, 80, 1, 1}, {20, 0, 0, 0}};
    vt_mean mean;
    assert_int_equal(vt_weighted_mean(parts, 3, &mean), 0);
    EXACT(60.0, mean.score);
    EXACT(69.2, mean.coverage);
    EXACT(45, mean.used_weight);
    EXACT(0, vt_contribution(&parts[2], mean.used_weight));
}

static void test_zero_weight_left_out(void **state)
{
    (void)state;
    /* weight 0 (a scorecard leaving a measure out) counts nowhere */
    vt_part parts[] = {{0, 0, 1, 1}, {10, 90, 1, 1}, {10, 70, 1, 1}};
    vt_mean mean;
    assert_int_equal(vt_weighted_mean(parts, 3, &mean), 0);
    EXACT(80.0, mean.score);
    EXACT(100.0, mean.coverage);
}

static void test_no_data(void **state)
{
    (void)state;
    vt_part parts[] = {{30, 0, 0, 0}, {15, 0, 0, 0}};
    vt_mean mean;
    assert_int_equal(vt_weighted_mean(parts, 2, &mean), -1);
    EXACT(0, mean.coverage);
    /* only missing defaults: a score, coverage 0 */
    vt_part defaults[] = {{30, 50, 1, 0}, {10, 70, 1, 0}};
    assert_int_equal(vt_weighted_mean(defaults, 2, &mean), 0);
    EXACT(55.0, mean.score);
    EXACT(0, mean.coverage);
}

static void test_bands(void **state)
{
    (void)state;
    const double floors[] = {0, 50, 75};
    assert_int_equal(vt_band_of(floors, 3, 0), 0);
    assert_int_equal(vt_band_of(floors, 3, 49.9), 0);
    assert_int_equal(vt_band_of(floors, 3, 50), 1);
    assert_int_equal(vt_band_of(floors, 3, 74.9), 1);
    assert_int_equal(vt_band_of(floors, 3, 75), 2);
    assert_int_equal(vt_band_of(floors, 3, 100), 2);
    assert_int_equal(vt_band_of(floors, 3, -1), -1);
    /* the band is taken from the rounded score: 49.95 -> 50.0 -> yellow */
    assert_int_equal(vt_band_of(floors, 3, vt_round1(49.95)), 1);
}

static void test_forced_bands(void **state)
{
    (void)state;
    const int none_forced[] = {-1, -1};
    const int worst_wins[] = {-1, 2, 0, 1, 0};
    const int one[] = {1};
    assert_int_equal(vt_worst_forced(none_forced, 2), -1);
    assert_int_equal(vt_worst_forced(worst_wins, 5), 2);   /* band 0, first such flag */
    assert_int_equal(vt_worst_forced(one, 1), 0);
    assert_int_equal(vt_worst_forced(NULL, 0), -1);
}

static void test_nearest_names(void **state)
{
    (void)state;
    const char *const *builtins = vt_builtin_indicator_names();
    int n = 0;
    while (builtins[n])
        n++;
    assert_string_equal(vt_nearest_name("adoptoin_pct", builtins, n), "adoption_pct");
    assert_string_equal(vt_nearest_name("np_last", builtins, n), "nps_last");
    assert_string_equal(vt_nearest_name("seat_utilisation", builtins, n), "seat_utilization");
    assert_null(vt_nearest_name("favourite_colour", builtins, n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_inverse),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_no_scale_clamps),
        cmocka_unit_test(test_scale_problems),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_weighted_mean),
        cmocka_unit_test(test_renormalisation),
        cmocka_unit_test(test_zero_weight_left_out),
        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_forced_bands),
        cmocka_unit_test(test_nearest_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
