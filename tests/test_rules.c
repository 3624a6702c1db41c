/*
 * test_rules.c - the rules engine through the public API: rule files of
 * tests/rules (and the shipped rules/) loaded, bound to hand-made indicator
 * tables and scored; expected scores, bands, coverage, JSON and reasons are
 * computed by hand in the comments.  Also check's FILE:LINE problems,
 * rule-defined indicators under the SQL authorizer, and SHA-256.
 *
 * Run from the repository root (the fixtures are found by relative path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "vitals.h"

#define DIR "tests/rules/"

/* ------------------------------------------------------------ helpers */

static void expect_text(const char *text, const char *needle)
{
    if (!text || !strstr(text, needle))
        fail_msg("expected \"%s\" in: %s", needle, text ? text : "(null)");
}

static vt_rules *load_ok(const char *path)
{
    vt_error err;
    vt_rules *r = NULL;
    if (vt_rules_load(path, NULL, &r, &err) != VT_OK)
        fail_msg("%s does not load: %s", path, err.msg);
    return r;
}

/* A table of n customers (ids ascending) with the given columns, all nil. */
static vt_indicators *make_table(int n, const char *const *ids, const char *const *columns)
{
    vt_indicators *ind = vt_indicators_new(0, n, ids);
    assert_non_null(ind);
    for (int i = 0; columns[i]; i++)
        assert_true(vt_indicators_add_column(ind, columns[i]) >= 0);
    return ind;
}

static void set_value(vt_indicators *ind, int row, const char *column, vt_value v)
{
    int col = vt_indicators_find(ind, column);
    assert_true(col >= 0);
    assert_int_equal(vt_indicators_set(ind, row, col, &v), 0);
}

static void set_int(vt_indicators *ind, int row, const char *column, long long i)
{
    set_value(ind, row, column, (vt_value){VT_INT, {.i = i}});
}

static void set_real(vt_indicators *ind, int row, const char *column, double x)
{
    set_value(ind, row, column, (vt_value){VT_REAL, {.r = x}});
}

static void set_text(vt_indicators *ind, int row, const char *column, const char *s)
{
    set_value(ind, row, column, (vt_value){VT_TEXT, {.s = s}});
}

static void bind_ok(vt_rules *r, const vt_indicators *ind)
{
    vt_error err;
    if (vt_rules_bind(r, ind, &err) != VT_OK)
        fail_msg("bind: %s", err.msg);
}

static void eval_ok(vt_rules *r, int row, vt_result *res)
{
    vt_status st = vt_rules_eval(r, row, res);
    if (st != VT_OK)
        fail_msg("row %d: status %d: %s", row, st, res->error ? res->error : "");
}

static void eval_fails(vt_rules *r, int row, const char *expected)
{
    vt_result res;
    assert_int_equal(vt_rules_eval(r, row, &res), VT_EPARTIAL);
    assert_non_null(res.error);
    assert_string_equal(res.error, expected);
    vt_result_clear(&res);
}

static void check_fails(const char *path, const char *expected)
{
    vt_error err;
    assert_int_equal(vt_rules_check(path, &err), VT_EINPUT);
    assert_string_equal(err.msg, expected);
}

#define EXACT(expected, actual) assert_true((double)(expected) == (double)(actual))

/* ------------------------------------------------------------ scoring */

static void test_basic_scores(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1", "C2"};
    static const char *const cols[] = {"seat_utilization", "tickets_30d", "nps_last", "csat_pct",
                                       "days_to_renewal", NULL};
    vt_rules *r = load_ok(DIR "basic.lua");
    vt_indicators *ind = make_table(2, ids, cols);
    set_real(ind, 0, "seat_utilization", 0.5);
    set_int(ind, 0, "tickets_30d", 2);
    set_real(ind, 0, "csat_pct", 88);
    set_int(ind, 0, "days_to_renewal", 200);
    set_int(ind, 1, "tickets_30d", 6);
    set_int(ind, 1, "nps_last", 4);
    set_real(ind, 1, "csat_pct", 20);
    set_int(ind, 1, "days_to_renewal", 45);
    bind_ok(r, ind);

    /* C1: usage (0.5-0.2)/0.6 = 50 (w30); support (10-2)/10 = 80 (w15);
     * sentiment nil -> missing 50 (w20, no data); raw 88 (w10).
     * (1500 + 1200 + 1000 + 880) / 75 = 61.07 -> 61.1, yellow;
     * coverage (30 + 15 + 10) / 75 = 73.3; no flag. */
    vt_result res;
    eval_ok(r, 0, &res);
    EXACT(61.1, res.score);
    EXACT(73.3, res.coverage);
    assert_string_equal(res.band, "yellow");
    assert_string_equal(res.score_band, "yellow");
    assert_string_equal(res.forced_by, "");
    assert_string_equal(res.scorecard, "");
    assert_string_equal(res.measures_json,
        "[{\"name\":\"usage\",\"group\":\"adoption\",\"value\":0.5,\"score\":50,\"weight\":30,"
        "\"contribution\":20,\"used\":true,\"missing\":false},"
        "{\"name\":\"support\",\"group\":\"support\",\"value\":2,\"score\":80,\"weight\":15,"
        "\"contribution\":16,\"used\":true,\"missing\":false},"
        "{\"name\":\"sentiment\",\"group\":null,\"value\":null,\"score\":50,\"weight\":20,"
        "\"contribution\":13.333333,\"used\":true,\"missing\":true},"
        "{\"name\":\"raw\",\"group\":null,\"value\":88,\"score\":88,\"weight\":10,"
        "\"contribution\":11.733333,\"used\":true,\"missing\":false}]");
    assert_string_equal(res.flags_json, "[]");
    assert_null(res.error);
    vt_result_clear(&res);

    /* C2: usage nil, no default: left out; support (10-6)/10 = 40; sentiment
     * 4 -> 0; raw 20.  (600 + 0 + 200) / 45 = 17.78 -> 17.8, red; coverage
     * 45 / 75 = 60.  Flags, most severe first: critical_thing (score band
     * red), renewal_at_risk (45 days, forces red), detractor, watch. */
    eval_ok(r, 1, &res);
    EXACT(17.8, res.score);
    EXACT(60.0, res.coverage);
    assert_string_equal(res.band, "red");
    assert_string_equal(res.score_band, "red");
    assert_string_equal(res.forced_by, "renewal_at_risk");
    assert_string_equal(res.measures_json,
        "[{\"name\":\"usage\",\"group\":\"adoption\",\"value\":null,\"score\":null,\"weight\":30,"
        "\"contribution\":null,\"used\":false,\"missing\":false},"
        "{\"name\":\"support\",\"group\":\"support\",\"value\":6,\"score\":40,\"weight\":15,"
        "\"contribution\":13.333333,\"used\":true,\"missing\":false},"
        "{\"name\":\"sentiment\",\"group\":null,\"value\":4,\"score\":0,\"weight\":20,"
        "\"contribution\":0,\"used\":true,\"missing\":false},"
        "{\"name\":\"raw\",\"group\":null,\"value\":20,\"score\":20,\"weight\":10,"
        "\"contribution\":4.444444,\"used\":true,\"missing\":false}]");
    /* reasons: tostring(17.8) and tostring(60.0); the string reason keeps its
     * quotes and backslash, UTF-8 passes, the invalid byte becomes U+FFFD */
    assert_string_equal(res.flags_json,
        "[{\"name\":\"critical_thing\",\"severity\":\"critical\","
        "\"reason\":\"score 17.8 in red, coverage 60.0\",\"force_band\":null},"
        "{\"name\":\"renewal_at_risk\",\"severity\":\"high\","
        "\"reason\":\"renews in 45 days at health 17.8\",\"force_band\":\"red\"},"
        "{\"name\":\"detractor\",\"severity\":\"medium\","
        "\"reason\":\"NPS \\\"detractor\\\" \\\\ caf\xC3\xA9 \\ufffd\",\"force_band\":null},"
        "{\"name\":\"watch\",\"severity\":\"low\",\"reason\":\"watch\",\"force_band\":null}]");
    vt_result_clear(&res);
    vt_rules_free(r);
    vt_indicators_free(ind);
}

static void test_forced_bands(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1", "C2", "C3"};
    static const char *const cols[] = {"v", NULL};
    vt_rules *r = load_ok(DIR "forced.lua");
    assert_int_equal(vt_rules_band_count(r), 4);
    assert_string_equal(vt_rules_band_name(r, 1), "amber");
    EXACT(60, vt_rules_band_floor(r, 2));
    vt_indicators *ind = make_table(3, ids, cols);
    set_int(ind, 0, "v", 92);
    set_int(ind, 1, "v", 97);
    set_int(ind, 2, "v", 50);
    bind_ok(r, ind);
    vt_result res;
    eval_ok(r, 0, &res);   /* 92: green by score, forced up to... yellow */
    assert_string_equal(res.score_band, "green");
    assert_string_equal(res.band, "yellow");
    assert_string_equal(res.forced_by, "to_yellow");
    vt_result_clear(&res);
    eval_ok(r, 1, &res);   /* 97: yellow, amber, yellow forced: amber wins */
    assert_string_equal(res.band, "amber");
    assert_string_equal(res.forced_by, "to_amber");
    assert_string_equal(res.flags_json,
        "[{\"name\":\"to_yellow\",\"severity\":\"medium\",\"reason\":\"to_yellow\",\"force_band\":\"yellow\"},"
        "{\"name\":\"to_amber\",\"severity\":\"medium\",\"reason\":\"to_amber\",\"force_band\":\"amber\"},"
        "{\"name\":\"to_yellow_again\",\"severity\":\"medium\",\"reason\":\"to_yellow_again\","
        "\"force_band\":\"yellow\"}]");
    vt_result_clear(&res);
    eval_ok(r, 2, &res);   /* 50: amber (40 <= 50 < 60), nothing forced */
    assert_string_equal(res.band, "amber");
    assert_string_equal(res.forced_by, "");
    vt_result_clear(&res);
    vt_rules_free(r);
    vt_indicators_free(ind);
}

static void test_scorecard_first_match(void **state)
{
    (void)state;
    static const char *const ids[] = {"B1", "E1", "S1"};
    static const char *const cols[] = {"usage", "nps", "extra", "segment", "seats", NULL};
    vt_rules *r = load_ok(DIR "scorecard.lua");
    vt_indicators *ind = make_table(3, ids, cols);
    for (int row = 0; row < 3; row++) {
        set_int(ind, row, "usage", 80);
        set_int(ind, row, "nps", 20);
        set_int(ind, row, "extra", 100);
    }
    set_text(ind, 0, "segment", "smb");
    set_int(ind, 0, "seats", 200);
    set_text(ind, 1, "segment", "enterprise");
    set_int(ind, 1, "seats", 500);   /* "big" matches too, but comes second */
    set_text(ind, 2, "segment", "smb");
    set_int(ind, 2, "seats", 5);
    bind_ok(r, ind);
    vt_result res;
    /* B1, "big": nps 40, others 10: (800 + 800 + 1000) / 60 = 43.3 */
    eval_ok(r, 0, &res);
    assert_string_equal(res.scorecard, "big");
    EXACT(43.3, res.score);
    expect_text(res.flags_json, "\"reason\":\"big\"");
    vt_result_clear(&res);
    /* E1, "enterprise": usage 30, nps 10, extra 0 (left out, not evaluated):
     * (2400 + 200) / 40 = 65.0, coverage 100 */
    eval_ok(r, 1, &res);
    assert_string_equal(res.scorecard, "enterprise");
    EXACT(65.0, res.score);
    EXACT(100.0, res.coverage);
    expect_text(res.measures_json, "{\"name\":\"extra\",\"group\":null,\"value\":null,\"score\":null,"
                "\"weight\":0,\"contribution\":null,\"used\":false,\"missing\":false}");
    expect_text(res.measures_json, "\"weight\":30,\"contribution\":60,");
    vt_result_clear(&res);
    /* S1, no scorecard: (800 + 200 + 1000) / 30 = 66.7 */
    eval_ok(r, 2, &res);
    assert_string_equal(res.scorecard, "");
    EXACT(66.7, res.score);
    expect_text(res.flags_json, "\"reason\":\"nil\"");
    vt_result_clear(&res);
    vt_rules_free(r);
    vt_indicators_free(ind);
}

static void test_score_change(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1", "C2", "C3"};
    static const char *const cols[] = {"v", "score_prev", NULL};
    vt_rules *r = load_ok(DIR "score_change.lua");
    vt_indicators *ind = make_table(3, ids, cols);
    set_int(ind, 0, "v", 60);
    set_real(ind, 0, "score_prev", 75.5);
    set_int(ind, 1, "v", 70);            /* no previous score */
    set_real(ind, 2, "v", 71.2);
    set_int(ind, 2, "score_prev", 80);
    bind_ok(r, ind);
    vt_result res;
    /* 60 - 75.5 = -15.5: drift (medium) before any_change (low) */
    eval_ok(r, 0, &res);
    EXACT(60.0, res.score);
    assert_string_equal(res.flags_json,
        "[{\"name\":\"health_drift\",\"severity\":\"medium\","
        "\"reason\":\"fell 15.5 points (75.5 to 60.0), s says -15.5\",\"force_band\":null},"
        "{\"name\":\"any_change\",\"severity\":\"low\",\"reason\":\"-15.5\",\"force_band\":null}]");
    vt_result_clear(&res);
    eval_ok(r, 1, &res);
    assert_string_equal(res.flags_json, "[]");
    vt_result_clear(&res);
    /* 71.2 - 80 = -8.8 (rounded): a change, not a drift */
    eval_ok(r, 2, &res);
    assert_string_equal(res.flags_json,
        "[{\"name\":\"any_change\",\"severity\":\"low\",\"reason\":\"-8.8\",\"force_band\":null}]");
    vt_result_clear(&res);
    vt_rules_free(r);
    vt_indicators_free(ind);
}

static void test_customer_failures(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"};
    static const char *const cols[] = {"segment", "v", NULL};
    vt_rules *r = load_ok(DIR "failures.lua");
    vt_indicators *ind = make_table(8, ids, cols);
    set_text(ind, 0, "segment", "enterprise");
    for (int row = 0; row < 7; row++)
        set_int(ind, row, "v", 50);   /* C8: no data */
    bind_ok(r, ind);
    eval_fails(r, 0, "customer C1: measure \"text\": " DIR "failures.lua:3: indicator segment is "
               "text (\"enterprise\"), not a number");
    eval_fails(r, 1, "customer C2: measure \"nan\": " DIR "failures.lua:4: value is NaN, not a "
               "finite number");
    eval_fails(r, 2, "customer C3: measure \"bool\": " DIR "failures.lua:5: value returned a "
               "boolean, not a number or nil");
    eval_fails(r, 3, "customer C4: measure \"late\": " DIR "failures.lua:9: measure: declarations "
               "belong at the top level of the rule file");
    eval_fails(r, 4, "customer C5: flag \"s_typo\": " DIR "failures.lua:12: s.scroe: no such "
               "field; did you mean score?");
    eval_fails(r, 5, "customer C6: flag \"m_typo\": " DIR "failures.lua:13: s.measures.txet: no "
               "such measure; did you mean text?");
    eval_fails(r, 6, "customer C7: flag \"bad_reason\" reason: " DIR "failures.lua:14: returned a "
               "table, not a string");
    /* C8 has no data at all: no score (see vt_rules_eval) */
    eval_fails(r, 7, "customer C8: no measure had data (every value was nil and none of those "
               "measures has a missing default), so there is no score");
    vt_rules_free(r);
    vt_indicators_free(ind);
}

static void test_typo_at_run_time(void **state)
{
    (void)state;
    static const char *const ids[] = {"C0042"};
    static const char *const cols[] = {"adoption_pct", NULL};
    vt_rules *r = load_ok(DIR "typo.lua");
    vt_indicators *ind = make_table(1, ids, cols);
    bind_ok(r, ind);
    eval_fails(r, 0, "customer C0042: measure \"adoption\": " DIR "typo.lua:4: c.adoptoin_pct: "
               "no such indicator; did you mean adoption_pct?");
    vt_rules_free(r);
    vt_indicators_free(ind);
}

static void test_value_typo_at_bind(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1"};
    static const char *const cols[] = {"adoption_pct", "nps_last", NULL};
    vt_rules *r = load_ok(DIR "value_typo.lua");
    vt_indicators *ind = make_table(1, ids, cols);
    vt_error err;
    assert_int_equal(vt_rules_bind(r, ind, &err), VT_EINPUT);
    assert_string_equal(err.msg, DIR "value_typo.lua:2: measure \"adoption\": value \"adoptoin_pct\": "
                        "no such indicator; did you mean adoption_pct?");
    vt_result res;
    assert_int_equal(vt_rules_eval(r, 0, &res), VT_EUSAGE);   /* not bound */
    vt_result_clear(&res);
    vt_rules_free(r);
    vt_indicators_free(ind);
}

static void test_no_data(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1"};
    static const char *const cols[] = {"nps_last", NULL};
    vt_rules *r = load_ok(DIR "no_data.lua");
    vt_indicators *ind = make_table(1, ids, cols);
    bind_ok(r, ind);
    eval_fails(r, 0, "customer C1: no measure had data (every value was nil and none of those "
               "measures has a missing default), so there is no score");
    vt_result res;
    assert_int_equal(vt_rules_eval(r, 1, &res), VT_EUSAGE);   /* row out of range */
    vt_result_clear(&res);
    vt_rules_free(r);
    vt_indicators_free(ind);
}

/* ------------------------------------------------------------ the shipped rules */

static void test_shipped_rules_check(void **state)
{
    (void)state;
    vt_error err;
    if (vt_rules_check("rules/health.lua", &err) != VT_OK)
        fail_msg("%s", err.msg);
    if (vt_rules_check("rules/enterprise.lua", &err) != VT_OK)
        fail_msg("%s", err.msg);
}

static void test_health_playbook(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1"};
    vt_rules *r = load_ok("rules/health.lua");
    vt_indicators *ind = make_table(1, ids, vt_builtin_indicator_names());
    set_real(ind, 0, "seat_utilization", 0.35);        /* 25 (w12) */
    set_real(ind, 0, "usage_trend_pct", -40);          /* 10/60 = 16.67 (w12) */
    set_real(ind, 0, "adoption_pct", 40);              /* key nil: 30/60 = 50 (w11) */
    set_int(ind, 0, "days_since_last_activity", 20);   /* 10/27 = 37.04 (w10) */
    set_int(ind, 0, "nps_last", 5);                    /* detractor: 0 (w10) */
    set_int(ind, 0, "feeling_last", 2);                /* 1/4 = 25 (w5) */
    set_int(ind, 0, "tickets_urgent_open", 2);         /* 1/3 = 33.33 (w6) */
    set_real(ind, 0, "resolution_hours_avg_90d", 40);  /* 32/64 = 50 (w5) */
    set_real(ind, 0, "mrr_change_90d_pct", -10);       /* 10/30 = 33.33 (w10) */
    set_int(ind, 0, "days_to_renewal", 45);            /* step 30: 70 (w5) */
    set_real(ind, 0, "contraction_mrr_90d", 120);
    set_int(ind, 0, "seats", 50);
    set_real(ind, 0, "score_prev", 61);
    bind_ok(r, ind);
    /* csat and effort missing: 60 each (w6, w4, no data); fcr nil: left out
     * (w4).  Sum = 300 + 200 + 550 + 370.37 + 0 + 360 + 240 + 125 + 200 + 250
     * + 333.33 + 350 = 3278.70 over 96 = 34.15 -> 34.2, red.  Coverage:
     * 100 - 6 - 4 - 4 = 86.  score_change 34.2 - 61 = -26.8. */
    vt_result res;
    eval_ok(r, 0, &res);
    EXACT(34.2, res.score);
    EXACT(86.0, res.coverage);
    assert_string_equal(res.band, "red");
    assert_string_equal(res.forced_by, "renewal_at_risk");
    assert_string_equal(res.flags_json,
        "[{\"name\":\"renewal_at_risk\",\"severity\":\"critical\","
        "\"reason\":\"renews in 45 days at health 34.2\",\"force_band\":\"red\"},"
        "{\"name\":\"usage_drop\",\"severity\":\"high\","
        "\"reason\":\"usage down 40% vs the previous 30 days\",\"force_band\":null},"
        "{\"name\":\"urgent_tickets_open\",\"severity\":\"high\","
        "\"reason\":\"2 urgent tickets open\",\"force_band\":null},"
        "{\"name\":\"inactive_14d\",\"severity\":\"high\","
        "\"reason\":\"no activity for 20 days\",\"force_band\":null},"
        "{\"name\":\"detractor\",\"severity\":\"medium\","
        "\"reason\":\"latest NPS answer is 5 (detractor)\",\"force_band\":null},"
        "{\"name\":\"contraction\",\"severity\":\"medium\","
        "\"reason\":\"MRR contracted by 120 in the last 90 days\",\"force_band\":null},"
        "{\"name\":\"health_drift\",\"severity\":\"medium\","
        "\"reason\":\"health fell 26.8 points since the previous run (61 to 34.2)\","
        "\"force_band\":null}]");
    expect_text(res.measures_json, "{\"name\":\"first_contact_resolution\",\"group\":\"support\","
                "\"value\":null,\"score\":null,\"weight\":4,\"contribution\":null,\"used\":false");
    expect_text(res.measures_json, "{\"name\":\"csat\",\"group\":\"sentiment\",\"value\":null,"
                "\"score\":60,\"weight\":6,\"contribution\":3.75,\"used\":true,\"missing\":true}");
    vt_result_clear(&res);
    vt_rules_free(r);
    vt_indicators_free(ind);
}

/* ------------------------------------------------------------ check */

static void test_check_reports_every_problem(void **state)
{
    (void)state;
    vt_error err;
    assert_int_equal(vt_rules_check(DIR "broken.lua", &err), VT_EINPUT);
    static const char *const lines[] = {
        DIR "broken.lua:2: measure \"usage\": unknown key 'wieght'; did you mean weight?\n",
        DIR "broken.lua:2: measure \"usage\": weight is required (a positive number)\n",
        DIR "broken.lua:4: flag \"f\": severity must be one of low, medium, high, critical\n",
        DIR "broken.lua:6: flag \"g\": when must be a function(c, s)\n",
        DIR "broken.lua:8: flag \"h\": force_band \"amber\" is not a band\n",
        DIR "broken.lua:10: measure \"usage\" is already declared on line 2\n",
        DIR "broken.lua:12: measure \"m2\": weight must be a positive number (at most 1000000)\n",
        DIR "broken.lua:14: measure \"m3\": value \"nps_lst\": no such indicator; did you mean nps_last?\n",
        "have the same lower bound\n" DIR "broken.lua:18: ",
        DIR "broken.lua:18: scorecard \"sc\": weights: no measure named \"m33\"; did you mean m3?\n",
        DIR "broken.lua:20: measure \"pending\" has no body: write measure \"pending\" { ... }\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        expect_text(err.msg, lines[i]);
    expect_text(err.msg, DIR "broken.lua:16: bands: ");
    /* the last problem, and nothing after it */
    const char *last = DIR "broken.lua:22: linear(lo, hi) needs lo ~= hi";
    assert_string_equal(err.msg + strlen(err.msg) - strlen(last), last);
    /* load refuses the file with the same problems */
    vt_rules *r = NULL;
    vt_error load_err;
    assert_int_equal(vt_rules_load(DIR "broken.lua", NULL, &r, &load_err), VT_EINPUT);
    assert_null(r);
    expect_text(load_err.msg, DIR "broken.lua:2: measure \"usage\": unknown key 'wieght'");
}

static void test_check_messages(void **state)
{
    (void)state;
    check_fails(DIR "typo.lua", DIR "typo.lua:4: c.adoptoin_pct: no such indicator; did you mean "
                "adoption_pct?");
    check_fails(DIR "value_typo.lua", DIR "value_typo.lua:2: measure \"adoption\": value "
                "\"adoptoin_pct\": no such indicator; did you mean adoption_pct?");
    check_fails(DIR "syntax.lua", DIR "syntax.lua:5: unexpected symbol near <eof>");
    check_fails(DIR "double_body.lua", DIR "double_body.lua:4: measure \"twice\" already has a "
                "body (line 2)");
    check_fails(DIR "top_error.lua", DIR "top_error.lua:5: undefined global 'nps_lsat'; did you "
                "mean c.nps_last?");
    /* comments, strings and long brackets are not code; a declared
     * indicator is known; "c . name" is still c.name */
    check_fails(DIR "check_scan.lua", DIR "check_scan.lua:12: c.npss_last: no such indicator; did "
                "you mean nps_last?");
    vt_error err;
    assert_int_equal(vt_rules_check(DIR "missing.lua", &err), VT_EINPUT);
    expect_text(err.msg, DIR "missing.lua: cannot read: No such file or directory");
}

/* Lua shortens long chunk names ("...tail.lua:2:"); messages keep the path. */
static void test_long_path_messages(void **state)
{
    (void)state;
    char dir[] = "/tmp/vitals-a-directory-with-a-rather-long-name-for-rule-files-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], expected[300];
    snprintf(path, sizeof path, "%s/health.lua", dir);
    static const char *const sources[] = {
        "-- a syntax error\nmeasure \"m\" { weight = 1 value = \"nps_last\" }\n",
        "-- a run-time error\nlocal x = nil + 1\n",
    };
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(sources[i], f);
        fclose(f);
        vt_error err;
        assert_int_equal(vt_rules_check(path, &err), VT_EINPUT);
        snprintf(expected, sizeof expected, "%s:2: ", path);
        if (strncmp(err.msg, expected, strlen(expected)) != 0 || strchr(err.msg, '\n'))
            fail_msg("expected one problem starting with %s, got: %s", expected, err.msg);
    }
    unlink(path);
    rmdir(dir);
}

static void test_check_truncates(void **state)
{
    (void)state;
    vt_error err;
    assert_int_equal(vt_rules_check(DIR "many_problems.lua", &err), VT_EINPUT);
    assert_true(strlen(err.msg) < sizeof err.msg);
    expect_text(err.msg, DIR "many_problems.lua:2: flag \"a01\": when must be a function(c, s)\n");
    const char *tail = strstr(err.msg, "\n...and ");
    assert_non_null(tail);
    int shown = 0, rest = 0;
    for (const char *p = err.msg; p < tail; p++)
        shown += *p == '\n';
    assert_int_equal(sscanf(tail, "\n...and %d more problems", &rest), 1);
    assert_int_equal(shown + 1 + rest, 25);   /* every problem shown or counted */
}

/* ------------------------------------------------------------ rule-defined indicators */

static sqlite3 *sql_fixture(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "CREATE TABLE customers(customer_id TEXT PRIMARY KEY);"
        "CREATE TABLE engagement(customer_id TEXT, date TEXT, kind TEXT, count INTEGER);"
        "CREATE TABLE scores(run_id INTEGER, customer_id TEXT, score REAL);"
        "INSERT INTO customers VALUES ('C1'), ('C2'), ('C3');"
        "INSERT INTO engagement VALUES"
        " ('C1', '2026-10-20', 'webinar', 1), ('C1', '2026-10-31', 'webinar', 1),"
        " ('C1', '2026-10-01', 'webinar', 1),"     /* 31 days before: outside */
        " ('C1', '2026-11-01', 'webinar', 1),"     /* after as_of: never used */
        " ('C2', '2026-10-25', 'qbr', 1), ('C9', '2026-10-25', 'webinar', 1);",
        NULL, NULL, NULL), SQLITE_OK);
    return db;
}

static vt_indicators *active_table(void)
{
    static const char *const ids[] = {"C1", "C2"};   /* C3 and C9 are not active */
    vt_day as_of;
    assert_int_equal(vt_date_parse("2026-10-31", &as_of), 0);
    vt_indicators *ind = vt_indicators_new(as_of, 2, ids);
    assert_non_null(ind);
    return ind;
}

static void test_rule_defined_indicators(void **state)
{
    (void)state;
    sqlite3 *db = sql_fixture();
    vt_rules *r = load_ok(DIR "sql.lua");
    vt_indicators *ind = active_table();
    vt_error err;
    if (vt_rules_compute_indicators(r, db, ind, &err) != VT_OK)
        fail_msg("%s", err.msg);
    int webinars = vt_indicators_find(ind, "webinars_30d"), label = vt_indicators_find(ind, "label");
    assert_true(webinars >= 0 && label >= 0);
    const vt_value *v = vt_indicators_get(ind, 0, webinars);
    assert_int_equal(v->type, VT_INT);
    assert_int_equal(v->u.i, 2);
    assert_int_equal(vt_indicators_get(ind, 1, webinars)->type, VT_NIL);
    assert_int_equal(vt_indicators_get(ind, 0, label)->type, VT_NIL);
    assert_string_equal(vt_indicators_get(ind, 1, label)->u.s, "vip");
    bind_ok(r, ind);
    vt_result res;
    eval_ok(r, 0, &res);   /* 2 webinars: step 1 -> 50 */
    EXACT(50.0, res.score);
    vt_result_clear(&res);
    eval_ok(r, 1, &res);   /* none: missing 0, coverage 0 */
    EXACT(0.0, res.score);
    EXACT(0.0, res.coverage);
    vt_result_clear(&res);
    /* the authorizer is gone afterwards: the connection writes again */
    assert_int_equal(sqlite3_exec(db, "INSERT INTO scores VALUES (1, 'C1', 50)", NULL, NULL, NULL),
                     SQLITE_OK);
    vt_rules_free(r);
    vt_indicators_free(ind);
    sqlite3_close(db);
}

/* Compute the single indicator "x" with sql; expect VT_EINPUT and needle. */
static void expect_sql_refused(sqlite3 *db, const char *sql, const char *needle)
{
    char path[] = "/tmp/vitals-rule-sql-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "indicator \"x\" [==[%s]==]\nmeasure \"m\" { weight = 1, value = \"x\" }\n", sql);
    fclose(f);
    vt_rules *r = load_ok(path);
    vt_indicators *ind = active_table();
    vt_error err;
    int changes = sqlite3_total_changes(db);
    assert_int_equal(vt_rules_compute_indicators(r, db, ind, &err), VT_EINPUT);
    expect_text(err.msg, ":1: indicator \"x\": ");
    expect_text(err.msg, needle);
    assert_int_equal(sqlite3_total_changes(db), changes);
    vt_rules_free(r);
    vt_indicators_free(ind);
    unlink(path);
}

static void test_rule_sql_is_read_only(void **state)
{
    (void)state;
    sqlite3 *db = sql_fixture();
    expect_sql_refused(db, "INSERT INTO customers VALUES ('X')", "not authorized");
    expect_sql_refused(db, "DELETE FROM engagement", "not authorized");
    expect_sql_refused(db, "SELECT customer_id, score FROM scores", "access to scores.");
    expect_sql_refused(db, "SELECT name, 1 FROM sqlite_master", "access to sqlite_master.");
    expect_sql_refused(db, "PRAGMA table_info(customers)", "not authorized");
    expect_sql_refused(db, "ATTACH DATABASE ':memory:' AS other", "not authorized");
    expect_sql_refused(db, "SELECT customer_id, load_extension('x') FROM customers", "not authorized");
    expect_sql_refused(db, "SELECT customer_id, 1 FROM customers; DELETE FROM customers",
                       "only one SQL statement is allowed");
    expect_sql_refused(db, "SELECT customer_id FROM customers", "the query returns 1 columns; it "
                       "must return 2 (customer_id, value)");
    expect_sql_refused(db, "SELECT customer_id, :other FROM customers", "unknown parameter :other");
    expect_sql_refused(db, "SELECT 'C1', 1 UNION ALL SELECT 'C1', 2", "customer C1 has more than one row");
    expect_sql_refused(db, "SELECT customer_id, nosuch FROM customers", "no such column: nosuch");
    int count = -1;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM customers", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    count = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    assert_int_equal(count, 3);
    sqlite3_close(db);
}

/* ------------------------------------------------------------ hashing */

static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    vt_sha256_hex("abc", 3, hex);   /* FIPS 180-2, appendix B.1 */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vt_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";   /* B.2 */
    vt_sha256_hex(two_blocks, strlen(two_blocks), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* a million 'a' (B.3), fed in uneven pieces across block boundaries */
    static char a[1000];
    memset(a, 'a', sizeof a);
    vt_sha256 ctx;
    unsigned char digest[32];
    vt_sha256_init(&ctx);
    for (int i = 0; i < 1000; i++) {
        vt_sha256_update(&ctx, a, 7);
        vt_sha256_update(&ctx, a, 993);
    }
    vt_sha256_final(&ctx, digest);
    static const unsigned char million[32] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
        0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
    };
    assert_memory_equal(digest, million, 32);
}

static void test_rules_sha256(void **state)
{
    (void)state;
    FILE *f = fopen(DIR "forced.lua", "rb");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char hex[65];
    vt_sha256_hex(buf, n, hex);
    vt_rules *r = load_ok(DIR "forced.lua");
    assert_string_equal(vt_rules_sha256(r), hex);
    assert_string_equal(vt_rules_path(r), DIR "forced.lua");
    vt_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_scores),
        cmocka_unit_test(test_forced_bands),
        cmocka_unit_test(test_scorecard_first_match),
        cmocka_unit_test(test_score_change),
        cmocka_unit_test(test_customer_failures),
        cmocka_unit_test(test_typo_at_run_time),
        cmocka_unit_test(test_value_typo_at_bind),
        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_shipped_rules_check),
        cmocka_unit_test(test_health_playbook),
        cmocka_unit_test(test_check_reports_every_problem),
        cmocka_unit_test(test_check_messages),
        cmocka_unit_test(test_long_path_messages),
        cmocka_unit_test(test_check_truncates),
        cmocka_unit_test(test_rule_defined_indicators),
        cmocka_unit_test(test_rule_sql_is_read_only),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_rules_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
