/*
 * test_backtest.c - the arithmetic of `vitals backtest` on hand-made lists
 * of (score, band, ARR, churned): the AUC from the rank sum, precision,
 * recall and churned ARR caught of the lowest band(s), nil figures, and the
 * JSON of a summary.  Every expected number is worked out by hand below.
 *
 * AUC = P(a random churner scores lower than a random non-churner), ties
 * counting 1/2.  The code computes it from ranks: sort all scores ascending,
 * give tied scores their average rank, sum the non-churners' ranks (R0);
 * then U0 = R0 - n0(n0+1)/2 counts the (churner, non-churner) pairs where
 * the non-churner scores higher, ties 1/2, and AUC = U0 / (n0 n1).  The
 * comments count the pairs directly, as a check of that identity.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vitals.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-12

/* An observation with only a score and an outcome. */
#define OBS(score, churned) {(score), 0, 0.0, (churned)}

static double auc_of(const vt_backtest_obs *obs, size_t n, int *nil)
{
    vt_kpi_num auc;
    vt_error err;
    assert_int_equal(vt_backtest_auc(obs, n, &auc, &err), VT_OK);
    *nil = auc.nil;
    return auc.v;
}

static void assert_auc(const vt_backtest_obs *obs, size_t n, double expected)
{
    int nil;
    double auc = auc_of(obs, n, &nil);
    assert_false(nil);
    assert_true(fabs(auc - expected) < EPS);
}

static void assert_auc_nil(const vt_backtest_obs *obs, size_t n)
{
    int nil;
    auc_of(obs, n, &nil);
    assert_true(nil);
}

/* Churners 10, 20; non-churners 30, 40, 50: every one of the 2 x 3 pairs has
 * the churner lower -> 6/6 = 1.0.  Ranks: 1 2 | 3 4 5, R0 = 12,
 * U0 = 12 - 3*4/2 = 6. */
static void perfect_separation(void **state)
{
    (void)state;
    const vt_backtest_obs obs[] = {OBS(40, 0), OBS(10, 1), OBS(50, 0), OBS(20, 1), OBS(30, 0)};
    assert_auc(obs, N(obs), 1.0);
}

/* Churners 80, 90; non-churners 10, 20, 30: no pair has the churner lower
 * -> 0/6 = 0.0.  Ranks of the non-churners 1, 2, 3: R0 = 6, U0 = 6 - 6 = 0. */
static void reversed(void **state)
{
    (void)state;
    const vt_backtest_obs obs[] = {OBS(80, 1), OBS(10, 0), OBS(90, 1), OBS(20, 0), OBS(30, 0)};
    assert_auc(obs, N(obs), 0.0);
}

/* Churners 50, 30; non-churners 50, 70, 10.  Pairs (churner, non-churner):
 *   (50,50) tie 1/2   (50,70) 1   (50,10) 0
 *   (30,50) 1         (30,70) 1   (30,10) 0      -> 3.5 / 6 = 7/12.
 * Ranks: 10 -> 1, 30 -> 2, the two 50s share 3.5, 70 -> 5; R0 = 1 + 3.5 + 5
 * = 9.5, U0 = 9.5 - 6 = 3.5. */
static void ties_count_half(void **state)
{
    (void)state;
    const vt_backtest_obs obs[] = {OBS(50, 1), OBS(50, 0), OBS(30, 1), OBS(70, 0), OBS(10, 0)};
    assert_auc(obs, N(obs), 7.0 / 12.0);
}

/* Everyone scores 60: every pair is a tie -> 1/2.  Ranks all 2.5 (of 1..4);
 * with 1 churner, R0 = 7.5, U0 = 7.5 - 3*4/2 = 1.5, AUC = 1.5 / 3 = 0.5. */
static void all_tied(void **state)
{
    (void)state;
    const vt_backtest_obs obs[] = {OBS(60, 0), OBS(60, 1), OBS(60, 0), OBS(60, 0)};
    assert_auc(obs, N(obs), 0.5);
}

/* Scores with one decimal, as the rules round them, and a larger group of
 * ties: churners 45.5, 62.0, 62.0; non-churners 45.5, 62.0, 62.0, 80.1, 12.3.
 * Pairs, churner by churner, over the 5 non-churners (45.5 62 62 80.1 12.3):
 *   45.5: 1/2 + 1 + 1 + 1 + 0 = 3.5
 *   62.0: 0 + 1/2 + 1/2 + 1 + 0 = 2     (twice)
 * -> 7.5 / 15 = 0.5.  Ranks: 12.3 -> 1, the 45.5s 2.5, the four 62s 5.5,
 * 80.1 -> 8; R0 = 1 + 2.5 + 5.5 + 5.5 + 8 = 22.5, U0 = 22.5 - 15 = 7.5. */
static void decimal_ties(void **state)
{
    (void)state;
    const vt_backtest_obs obs[] = {OBS(45.5, 1), OBS(62.0, 1), OBS(62.0, 1), OBS(45.5, 0),
                                   OBS(62.0, 0), OBS(62.0, 0), OBS(80.1, 0), OBS(12.3, 0)};
    assert_auc(obs, N(obs), 0.5);
}

/* No churners, only churners, nobody: no pair to compare -> nil, not 0. */
static void auc_nil(void **state)
{
    (void)state;
    const vt_backtest_obs none[] = {OBS(10, 0), OBS(20, 0)};
    const vt_backtest_obs all[] = {OBS(10, 1), OBS(20, 1), OBS(20, 1)};
    assert_auc_nil(none, N(none));
    assert_auc_nil(all, N(all));
    assert_auc_nil(none, 0);
}

/* The input is not reordered (the AUC sorts a copy). */
static void auc_keeps_input(void **state)
{
    (void)state;
    vt_backtest_obs obs[] = {OBS(90, 0), OBS(10, 1), OBS(50, 0)};
    vt_backtest_obs copy[3];
    memcpy(copy, obs, sizeof obs);
    assert_auc(obs, N(obs), 1.0);
    assert_memory_equal(obs, copy, sizeof obs);
}

/* Six customers over bands 0 (red), 1 (yellow), 2 (green):
 *   score band   arr  churned
 *     20    0    100    yes
 *     30    0     50    no
 *     40    0      0    no
 *     55    1    300    yes
 *     80    2   1000    no
 *     90    2    200    yes
 * churners 3, their ARR 100 + 300 + 200 = 600.
 * red:        flagged 3, caught 1: precision 1/3, recall 1/3, ARR 100/600
 * red+yellow: flagged 4, caught 2: precision 2/4, recall 2/3, ARR 400/600 */
static const vt_backtest_obs portfolio[] = {
    {20, 0, 100, 1}, {30, 0, 50, 0}, {40, 0, 0, 0}, {55, 1, 300, 1}, {80, 2, 1000, 0},
    {90, 2, 200, 1},
};

static void assert_num(vt_kpi_num v, double expected)
{
    assert_false(v.nil);
    assert_true(fabs(v.v - expected) < 1e-9);
}

static void precision_recall_red(void **state)
{
    (void)state;
    vt_backtest_pr pr;
    vt_backtest_classify(portfolio, N(portfolio), 0, &pr);
    assert_int_equal(pr.flagged, 3);
    assert_int_equal(pr.caught, 1);
    assert_int_equal(pr.churners, 3);
    assert_num(pr.precision, 100.0 / 3);
    assert_num(pr.recall, 100.0 / 3);
    assert_true(fabs(pr.churned_arr - 600) < EPS);
    assert_true(fabs(pr.arr_caught - 100) < EPS);
    assert_num(pr.arr_caught_pct, 100.0 / 6);
}

static void precision_recall_red_yellow(void **state)
{
    (void)state;
    vt_backtest_pr pr;
    vt_backtest_classify(portfolio, N(portfolio), 1, &pr);
    assert_int_equal(pr.flagged, 4);
    assert_int_equal(pr.caught, 2);
    assert_num(pr.precision, 50.0);
    assert_num(pr.recall, 200.0 / 3);
    assert_true(fabs(pr.arr_caught - 400) < EPS);
    assert_num(pr.arr_caught_pct, 200.0 / 3);
}

/* Empty denominators are nil, never 0:
 *   nobody in the band          -> precision nil (recall 0 of 1 churner = 0)
 *   no churners                 -> recall and ARR caught nil (precision 0/1 = 0)
 *   churners without ARR        -> ARR caught nil (recall 1/1 = 100)
 *   a customer of no known band (-1) is never in the band. */
static void empty_denominators(void **state)
{
    (void)state;
    vt_backtest_pr pr;
    const vt_backtest_obs outside[] = {{10, 1, 500, 1}, {20, -1, 0, 0}};
    vt_backtest_classify(outside, N(outside), 0, &pr);
    assert_int_equal(pr.flagged, 0);
    assert_true(pr.precision.nil);
    assert_num(pr.recall, 0);
    assert_num(pr.arr_caught_pct, 0);

    const vt_backtest_obs calm[] = {{10, 0, 500, 0}, {90, 1, 100, 0}};
    vt_backtest_classify(calm, N(calm), 0, &pr);
    assert_num(pr.precision, 0);
    assert_true(pr.recall.nil);
    assert_true(pr.arr_caught_pct.nil);

    const vt_backtest_obs free_churner[] = {{10, 0, 0, 1}};
    vt_backtest_classify(free_churner, N(free_churner), 0, &pr);
    assert_num(pr.recall, 100);
    assert_true(pr.arr_caught_pct.nil);

    vt_backtest_classify(NULL, 0, 0, &pr);
    assert_true(pr.precision.nil && pr.recall.nil && pr.arr_caught_pct.nil);
}

/* A horizon outside 1..36500 days is a usage error, before the database is
 * touched (so no database is needed here). */
static void bad_horizon(void **state)
{
    (void)state;
    vt_backtest_options opt = {.as_of = 20000, .horizon_days = 0};
    vt_backtest_summary sum;
    vt_error err;
    assert_int_equal(vt_backtest(NULL, &opt, &sum, &err), VT_EUSAGE);
    assert_non_null(strstr(err.msg, "horizon"));
    opt.horizon_days = 36501;
    assert_int_equal(vt_backtest(NULL, &opt, &sum, &err), VT_EUSAGE);
}

/* The JSON: numbers as numbers, nil as null, red_yellow null with one band. */
static void json_numbers_and_nulls(void **state)
{
    (void)state;
    vt_backtest_summary s;
    memset(&s, 0, sizeof s);
    strcpy(s.as_of, "2026-07-31");
    strcpy(s.window_end, "2026-10-29");
    strcpy(s.data_end, "2026-10-31");
    strcpy(s.rules_path, "r \"quoted\".lua");
    strcpy(s.low_band, "red");
    s.horizon_days = 90;
    s.customers = s.scored = 2;
    s.auc.nil = 1;
    s.churn_rate = (vt_kpi_num){0, 0};
    vt_backtest_classify(portfolio + 1, 2, 0, &s.red);     /* no churners */
    s.n_bands = 1;
    strcpy(s.bands[0].name, "red");
    s.bands[0].customers = 2;
    s.bands[0].churn_rate = (vt_kpi_num){0, 0};
    s.bands[0].arr = 50.004;
    char *json;
    vt_error err;
    assert_int_equal(vt_backtest_json(&s, &json, &err), VT_OK);
    const char *expect[] = {
        "\"as_of\":\"2026-07-31\"", "\"horizon_days\":90", "\"window_incomplete\":false",
        "\"rules_path\":\"r \\\"quoted\\\".lua\"", "\"churn_rate\":0.0", "\"auc\":null",
        "\"red\":{\"bands\":\"red\",\"customers\":2,\"churners\":0,\"precision\":0.0,"
        "\"recall\":null,\"arr_caught\":0.0,\"arr_caught_pct\":null}",
        "\"red_yellow\":null",
        "\"bands\":[{\"band\":\"red\",\"customers\":2,\"churners\":0,\"churn_rate\":0.0,"
        "\"arr\":50.0}]",
    };
    for (size_t i = 0; i < N(expect); i++)
        if (!strstr(json, expect[i]))
            fail_msg("%s not in %s", expect[i], json);
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(perfect_separation),
        cmocka_unit_test(reversed),
        cmocka_unit_test(ties_count_half),
        cmocka_unit_test(all_tied),
        cmocka_unit_test(decimal_ties),
        cmocka_unit_test(auc_nil),
        cmocka_unit_test(auc_keeps_input),
        cmocka_unit_test(precision_recall_red),
        cmocka_unit_test(precision_recall_red_yellow),
        cmocka_unit_test(empty_denominators),
        cmocka_unit_test(bad_horizon),
        cmocka_unit_test(json_numbers_and_nulls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
