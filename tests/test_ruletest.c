/*
 * test_ruletest.c - rule unit tests (`vitals test`) through the public API:
 * fixture CSV parsing (values, lines, every header and cell problem with its
 * FILE:LINE), expectation matching against hand-made results (every
 * expectation kind, passing and failing, with the exact message), and whole
 * runs of tests/fixtures/ruletest and the shipped examples.
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

#include "vitals.h"

#define DIR "tests/fixtures/ruletest/"

/* ------------------------------------------------------------ helpers */

static const char *const indicators[] = {"segment", "seats", "seat_utilization", "nps_last",
                                         "adoption_pct", "score_prev"};
static const char *const bands[] = {"red", "yellow", "green"};
static const char *const flags[] = {"usage_drop", "detractor", "low_coverage", "q\"x"};

static const vt_fixture_names names = {indicators, 6, bands, 3, flags, 4};

static vt_fixtures *parse_ok(const char *text)
{
    vt_fixtures *fx = NULL;
    vt_error err;
    if (vt_fixtures_parse("fx.csv", text, strlen(text), &names, &fx, &err) != VT_OK)
        fail_msg("does not parse: %s", err.msg);
    return fx;
}

static void parse_fails(const char *text, const char *expected)
{
    vt_fixtures *fx = NULL;
    vt_error err;
    assert_int_equal(vt_fixtures_parse("fx.csv", text, strlen(text), &names, &fx, &err),
                     VT_EINPUT);
    assert_null(fx);
    assert_string_equal(err.msg, expected);
}

/* A scored customer's result; flags_json as rules_json.c writes it. */
static vt_result scored(const char *band, double score, const char *forced_by,
                        const char *flags_json)
{
    vt_result res;
    memset(&res, 0, sizeof res);
    res.score = score;
    res.coverage = 100;
    snprintf(res.band, sizeof res.band, "%s", band);
    snprintf(res.score_band, sizeof res.score_band, "%s", band);
    snprintf(res.forced_by, sizeof res.forced_by, "%s", forced_by);
    res.flags_json = (char *)flags_json;
    return res;
}

#define HEADER "fixture,expect_band,expect_flags,expect_score,expect_error\n"

/* Check fixture 0 of HEADER + row against res: passed, and the message. */
static void check(const char *row, vt_status st, const vt_result *res, int passed,
                  const char *why)
{
    char text[1024], got[1024];
    snprintf(text, sizeof text, HEADER "%s\n", row);
    vt_fixtures *fx = parse_ok(text);
    assert_int_equal(vt_fixture_check(fx, 0, st, res, got, sizeof got), passed);
    assert_string_equal(got, why);
    vt_fixtures_free(fx);
}

static const char flags_json[] =
    "[{\"name\":\"usage_drop\",\"severity\":\"high\","
    "\"reason\":\"{\\\"name\\\":\\\"detractor\\\"\","
    "\"force_band\":null},{\"name\":\"low_coverage\",\"severity\":\"low\",\"reason\":\"x\","
    "\"force_band\":null}]";

/* ------------------------------------------------------------ parsing */

static void test_parse_values(void **state)
{
    (void)state;
    vt_fixtures *fx = parse_ok(
        "\xEF\xBB\xBF"
        "fixture , customer_id,seats,seat_utilization,segment,nps_last,score_prev\r\n"
        "\r\n"
        "first,,12,0.5,smb,,  -3 \r\n"
        "\"second\nfixture\",C9,+7,1e2,\"enterprise, EU\",1.,x12\r\n"
        ",,,,,,\r\n"
        "third,C1,99999999999999999999,.5,12a,-0,\r\n");
    assert_int_equal(vt_fixtures_count(fx), 3);
    assert_string_equal(vt_fixture_name(fx, 0), "first");
    assert_int_equal(vt_fixture_line(fx, 0), 3);
    assert_string_equal(vt_fixture_name(fx, 1), "second\nfixture");
    assert_int_equal(vt_fixture_line(fx, 1), 4);
    assert_int_equal(vt_fixture_line(fx, 2), 7);

    vt_indicators *ind = vt_fixtures_table(fx, 0);
    assert_non_null(ind);
    assert_int_equal(vt_indicators_rows(ind), 3);
    assert_int_equal(vt_indicators_columns(ind), 6);
    assert_string_equal(vt_indicators_customer(ind, 0), "first");   /* the name */
    assert_string_equal(vt_indicators_customer(ind, 1), "C9");
    int seats = vt_indicators_find(ind, "seats");
    int util = vt_indicators_find(ind, "seat_utilization");
    int seg = vt_indicators_find(ind, "segment"), nps = vt_indicators_find(ind, "nps_last");
    int prev = vt_indicators_find(ind, "score_prev");
    int adopt = vt_indicators_find(ind, "adoption_pct");
    const vt_value *v = vt_indicators_get(ind, 0, seats);
    assert_int_equal(v->type, VT_INT);
    assert_int_equal(v->u.i, 12);
    v = vt_indicators_get(ind, 0, util);
    assert_int_equal(v->type, VT_REAL);
    assert_true(v->u.r == 0.5);
    assert_string_equal(vt_indicators_get(ind, 0, seg)->u.s, "smb");
    assert_int_equal(vt_indicators_get(ind, 0, nps)->type, VT_NIL);        /* empty */
    v = vt_indicators_get(ind, 0, prev);
    assert_int_equal(v->type, VT_INT);                                     /* trimmed */
    assert_int_equal(v->u.i, -3);
    assert_int_equal(vt_indicators_get(ind, 0, adopt)->type, VT_NIL);      /* no column */
    v = vt_indicators_get(ind, 1, seats);
    assert_int_equal(v->type, VT_INT);
    assert_int_equal(v->u.i, 7);
    v = vt_indicators_get(ind, 1, util);
    assert_int_equal(v->type, VT_REAL);
    assert_true(v->u.r == 100);
    assert_string_equal(vt_indicators_get(ind, 1, seg)->u.s, "enterprise, EU");
    assert_int_equal(vt_indicators_get(ind, 1, nps)->type, VT_REAL);       /* 1. */
    assert_int_equal(vt_indicators_get(ind, 1, prev)->type, VT_TEXT);      /* x12 */
    v = vt_indicators_get(ind, 2, seats);
    assert_int_equal(v->type, VT_REAL);                                    /* beyond long long */
    assert_true(v->u.r == 1e20);
    assert_true(vt_indicators_get(ind, 2, util)->u.r == 0.5);              /* .5 */
    assert_string_equal(vt_indicators_get(ind, 2, seg)->u.s, "12a");
    v = vt_indicators_get(ind, 2, nps);
    assert_int_equal(v->type, VT_INT);
    assert_int_equal(v->u.i, 0);
    vt_indicators_free(ind);
    vt_fixtures_free(fx);
}

static void test_parse_expectations(void **state)
{
    (void)state;
    vt_fixtures *fx = parse_ok(
        HEADER
        "a,red,usage_drop; !detractor,60..80,\n"
        "b,,-,72.5,\n"
        "c,,none,..40,\n"
        "d,,\"usage_drop,low_coverage\",60..,\n"
        "e,,,,boom\n"
        "f,,,,\n"
        "g,,  ,  10 .. 20  ,\n");
    assert_int_equal(vt_fixtures_count(fx), 7);
    vt_fixtures_free(fx);
}

static void test_bad_headers(void **state)
{
    (void)state;
    parse_fails("fixture,seat_utilisation\nx,1\n",
                "fx.csv:1: unknown column 'seat_utilisation'; did you mean seat_utilization?");
    parse_fails("fixture,expect_bnad\nx,red\n",
                "fx.csv:1: unknown column 'expect_bnad'; did you mean expect_band?");
    parse_fails("fixture,zzzzzzzz\nx,1\n",
                "fx.csv:1: unknown column 'zzzzzzzz': not an indicator of the rule file, nor "
                "fixture, customer_id, expect_band, expect_flags, expect_score, expect_error or "
                "note");
    parse_fails("\n\nname,seats\nx,1\n",
                "fx.csv:3: unknown column 'name'; did you mean note?");
    parse_fails("seats,expect_band\n1,red\n",
                "fx.csv:1: no 'fixture' column: the header needs one, and every row a name in it");
    parse_fails("fixture,seats,seats\nx,1,2\n",
                "fx.csv:1: column 'seats' appears twice (columns 2 and 3)");
    parse_fails("fixture,,seats\nx,1,2\n", "fx.csv:1: column 2 has no name in the header");
    parse_fails("fixture,score_change\nx,1\n",
                "fx.csv:1: column score_change: the engine derives it from score_prev and the "
                "score; give score_prev instead");
    parse_fails("", "fx.csv:1: empty file: expected a header row (fixture, indicators..., "
                    "expect_band...)");
    parse_fails("\n\r\n", "fx.csv:1: empty file: expected a header row (fixture, indicators..., "
                          "expect_band...)");
}

static void test_bad_rows(void **state)
{
    (void)state;
    parse_fails("fixture,seats\nx,1\ny,1,2\n", "fx.csv:3: 3 fields, but the header has 2 columns");
    parse_fails("fixture,seats\nx\n", "fx.csv:2: 1 field, but the header has 2 columns");
    parse_fails("fixture,seats\n,1\n",
                "fx.csv:2: the fixture has no name (column fixture is empty)");
    parse_fails("fixture,seats\nx,1\n\"multi\nline\",2\nx,3\n",
                "fx.csv:5: fixture 'x' is also on line 2: names must be unique");
    parse_fails("fixture,seats\nx,1e999\n",
                "fx.csv:2: fixture 'x': seats '1e999': number out of range");
    parse_fails("fixture,seats\nx,\"1\n\n",
                "fx.csv:2: malformed CSV: a quoted field is never closed");
    parse_fails("fixture,seats\nx,1\ny,\"2\"3\n",
                "fx.csv:3: malformed CSV: a stray quote (a field with quotes must be quoted as a "
                "whole, its quotes doubled: \"say \"\"hi\"\"\")");
    parse_fails(HEADER "x,amber,,,\n",
                "fx.csv:2: fixture 'x': expect_band: no band 'amber' in the rule file (it has: "
                "red, yellow, green)");
    parse_fails(HEADER "x,yelow,,,\n",
                "fx.csv:2: fixture 'x': expect_band: no band 'yelow' in the rule file; did you "
                "mean yellow?");
    parse_fails(HEADER "x,,!usage_dorp,,\n",
                "fx.csv:2: fixture 'x': expect_flags: no flag 'usage_dorp' in the rule file; did "
                "you mean usage_drop?");
    parse_fails(HEADER "x,,!,,\n", "fx.csv:2: fixture 'x': expect_flags: '!' without a flag name");
    parse_fails(HEADER "x,,- detractor,,\n",
                "fx.csv:2: fixture 'x': expect_flags: '-' or 'none' (no flag at all) goes alone, "
                "without flag names");
    parse_fails(HEADER "x,,detractor !detractor,,\n",
                "fx.csv:2: fixture 'x': expect_flags: detractor is listed twice");
    static const char *const bad_scores[] = {"abc", "80..60", "..", "1..2..3", "7x", "nan",
                                             "0x10", "72 5", "1e999"};
    for (size_t i = 0; i < sizeof bad_scores / sizeof bad_scores[0]; i++) {
        char text[256], expected[512];
        snprintf(text, sizeof text, HEADER "x,,,%s,\n", bad_scores[i]);
        snprintf(expected, sizeof expected,
                 "fx.csv:2: fixture 'x': expect_score '%s': expected a score like 72.5 or a "
                 "range like 60..80 (low end first; 60.. and ..80 are open)", bad_scores[i]);
        parse_fails(text, expected);
    }
    parse_fails(HEADER "x,red,,,boom\n",
                "fx.csv:2: fixture 'x': expect_error goes alone: a customer whose rules fail gets "
                "no band, score or flags");
}

/* A NUL byte cannot be written in a C string literal test above (strlen
 * stops there): parse it with an explicit length. */
static void test_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "fixture,seats\nx,a\0b\n";
    vt_fixtures *fx = NULL;
    vt_error err;
    assert_int_equal(vt_fixtures_parse("fx.csv", text, sizeof text - 1, &names, &fx, &err),
                     VT_EINPUT);
    assert_string_equal(err.msg, "fx.csv:2: a NUL byte in field 2 (is this a text file?)");
}

/* ------------------------------------------------------------ matching */

static void test_band(void **state)
{
    (void)state;
    vt_result green = scored("green", 80, "", "[]");
    vt_result forced = scored("red", 67, "renewal_at_risk", "[]");
    check("x,green,,,", VT_OK, &green, 1, "");
    check("x,red,,,", VT_OK, &green, 0, "expected band red, got green (score 80.0)");
    check("x,red,,,", VT_OK, &forced, 1, "");
    check("x,yellow,,,", VT_OK, &forced, 0,
          "expected band yellow, got red (forced by renewal_at_risk; score 67.0)");
}

static void test_score(void **state)
{
    (void)state;
    vt_result r = scored("yellow", 72.5, "", "[]");
    vt_result r61 = scored("yellow", 61.2, "", "[]");
    check("x,,,72.5,", VT_OK, &r, 1, "");
    check("x,,,72.54,", VT_OK, &r, 1, "");
    check("x,,,72.4,", VT_OK, &r, 0, "expected score 72.4, got 72.5");
    check("x,,,72.6,", VT_OK, &r, 0, "expected score 72.6, got 72.5");
    check("x,,,60..72.5,", VT_OK, &r, 1, "");      /* both ends included */
    check("x,,,72.5..80,", VT_OK, &r, 1, "");
    check("x,,,60..72.4,", VT_OK, &r, 0, "expected score 60..72.4, got 72.5");
    check("x,,,72.6..,", VT_OK, &r, 0, "expected score 72.6.., got 72.5");
    check("x,,,..72.5,", VT_OK, &r, 1, "");
    check("x,,,..61,", VT_OK, &r61, 0, "expected score ..61, got 61.2");
    check("x,,,0..100,", VT_OK, &r61, 1, "");
}

static void test_flags(void **state)
{
    (void)state;
    vt_result two = scored("red", 40, "", flags_json);
    vt_result none = scored("green", 90, "", "[]");
    vt_result quoted = scored("green", 90, "",
        "[{\"name\":\"q\\\"x\",\"severity\":\"low\",\"reason\":\"r\",\"force_band\":null}]");
    check("x,,usage_drop,,", VT_OK, &two, 1, "");
    check("x,,usage_drop;low_coverage,,", VT_OK, &two, 1, "");
    check("x,,detractor,,", VT_OK, &two, 0,
          "expected flag detractor, not raised (raised: usage_drop, low_coverage)");
    check("x,,detractor,,", VT_OK, &none, 0, "expected flag detractor, not raised (raised: none)");
    /* the reason of usage_drop contains {"name":"detractor" escaped: not a flag */
    check("x,,!detractor,,", VT_OK, &two, 1, "");
    check("x,,!usage_drop,,", VT_OK, &two, 0, "flag usage_drop raised, expected not");
    check("x,,-,,", VT_OK, &none, 1, "");
    check("x,,NONE,,", VT_OK, &none, 1, "");
    check("x,,-,,", VT_OK, &two, 0, "expected no flag, got usage_drop, low_coverage");
    check("x,,\"q\"\"x\",,", VT_OK, &quoted, 1, "");
    check("x,,!usage_drop detractor,,", VT_OK, &two, 0,
          "flag usage_drop raised, expected not; expected flag detractor, not raised (raised: "
          "usage_drop, low_coverage)");
}

static void test_error(void **state)
{
    (void)state;
    vt_result failed = scored("", 0, "", NULL);
    char error[] = "customer x: measure \"usage\": rules.lua:4: boom";
    failed.error = error;
    vt_result ok = scored("green", 80, "", "[]");
    check("x,,,,boom", VT_EPARTIAL, &failed, 1, "");
    check("x,,,,bang", VT_EPARTIAL, &failed, 0,
          "expected an error containing \"bang\", got: customer x: measure \"usage\": "
          "rules.lua:4: boom");
    check("x,,,,boom", VT_OK, &ok, 0,
          "expected an error containing \"boom\", got band green (score 80.0)");
    check("x,green,,,", VT_EPARTIAL, &failed, 0,
          "the rules failed: customer x: measure \"usage\": rules.lua:4: boom");
}

static void test_no_expectation(void **state)
{
    (void)state;
    vt_result failed = scored("", 0, "", NULL);
    char boom[] = "boom";
    failed.error = boom;
    vt_result ok = scored("green", 80, "", "[{\"name\":\"detractor\"}]");
    check("x,,,,", VT_OK, &ok, 1, "");
    check("x,,,,", VT_EPARTIAL, &failed, 0, "the rules failed: boom");
}

static void test_several_failures(void **state)
{
    (void)state;
    vt_result r = scored("yellow", 61.2, "", flags_json);
    check("x,red,detractor,70..80,", VT_OK, &r, 0,
          "expected band red, got yellow (score 61.2); expected score 70..80, got 61.2; "
          "expected flag detractor, not raised (raised: usage_drop, low_coverage)");
    char small[24];
    char text[256];
    snprintf(text, sizeof text, HEADER "x,red,detractor,70..80,\n");
    vt_fixtures *fx = parse_ok(text);
    assert_int_equal(vt_fixture_check(fx, 0, VT_OK, &r, small, sizeof small), 0);
    assert_string_equal(small, "expected band red, got ");   /* truncated, terminated */
    assert_int_equal(vt_fixture_check(fx, 0, VT_OK, &r, NULL, 0), 0);   /* no room at all */
    vt_fixtures_free(fx);
}

/* ------------------------------------------------------------ runs */

typedef struct seen {
    int n;
    char names[16][64];
    char why[16][256];
    int passed[16];
} seen;

static void collect(void *ctx, const vt_fixture_outcome *o)
{
    seen *s = ctx;
    assert_int_equal(o->index, s->n);
    snprintf(s->names[s->n], sizeof s->names[0], "%s", o->name);
    snprintf(s->why[s->n], sizeof s->why[0], "%s", o->why);
    s->passed[s->n++] = o->passed;
}

static void test_run_custom(void **state)
{
    (void)state;
    seen s = {0};
    vt_ruletest_summary sum;
    vt_error err;
    vt_status st = vt_ruletest_run(DIR "custom.lua", DIR "custom.csv", NULL, collect, &s, &sum,
                                   &err);
    if (st != VT_OK)
        fail_msg("%s (%s: %s)", err.msg, s.names[0], s.why[0]);
    assert_int_equal(sum.fixtures, 5);
    assert_int_equal(sum.passed, 5);
    assert_string_equal(s.names[4], "fails");
}

static void test_run_failing(void **state)
{
    (void)state;
    seen s = {0};
    vt_ruletest_summary sum;
    vt_error err;
    assert_int_equal(vt_ruletest_run(DIR "custom.lua", DIR "failing.csv", NULL, collect, &s, &sum,
                                     &err),
                     VT_EPARTIAL);
    assert_int_equal(sum.passed, 1);
    assert_int_equal(sum.failed, 3);
    assert_string_equal(s.names[1], "wrong band");
    assert_string_equal(s.why[1],
                        "expected band yellow, got red (forced by vip_watch; score 67.0)");
    assert_string_equal(s.why[2], "flag quiet raised, expected not; expected flag vip_watch, not "
                                  "raised (raised: quiet)");
    assert_string_equal(s.why[3], "expected score 50..70, got 100.0");
}

static void test_run_shipped(void **state)
{
    (void)state;
    vt_ruletest_summary sum;
    vt_error err;
    if (vt_ruletest_run("rules/health.lua", "examples/rules-tests/health.csv", NULL, NULL, NULL,
                        &sum, &err) != VT_OK)
        fail_msg("%s", err.msg);
    assert_true(sum.fixtures >= 8);
    assert_int_equal(sum.failed, 0);
}

static void test_run_bad_inputs(void **state)
{
    (void)state;
    vt_ruletest_summary sum;
    vt_error err;
    assert_int_equal(vt_ruletest_run(DIR "custom.lua", DIR "bad_column.csv", NULL, NULL, NULL,
                                     &sum, &err), VT_EINPUT);
    assert_string_equal(err.msg, DIR "bad_column.csv:1: unknown column 'seat_utilisation'; did "
                                     "you mean seat_utilization?");
    assert_int_equal(vt_ruletest_run(DIR "custom.lua", DIR "bad_cell.csv", NULL, NULL, NULL,
                                     &sum, &err), VT_EINPUT);
    assert_string_equal(err.msg, DIR "bad_cell.csv:5: fixture 'wrong band': expect_band: no band "
                                     "'amber' in the rule file (it has: red, yellow, green)");
    assert_int_equal(vt_ruletest_run(DIR "custom.lua", DIR "empty.csv", NULL, NULL, NULL, &sum,
                                     &err), VT_EINPUT);
    assert_string_equal(err.msg, DIR "empty.csv:2: no fixtures: add one row per fixture customer "
                                     "below the header");
    assert_int_equal(vt_ruletest_run(DIR "custom.lua", DIR "missing.csv", NULL, NULL, NULL, &sum,
                                     &err), VT_EINPUT);
    assert_string_equal(err.msg, DIR "missing.csv: cannot open: No such file or directory");
    assert_int_equal(vt_ruletest_run("tests/rules/syntax.lua", DIR "custom.csv", NULL, NULL, NULL,
                                     &sum, &err), VT_EINPUT);
    assert_non_null(strstr(err.msg, "tests/rules/syntax.lua:"));
    assert_int_equal(sum.fixtures, 0);
    /* a fixture file of another rule file: its flags are unknown here */
    assert_int_equal(vt_ruletest_run("rules/health.lua", DIR "custom.csv", NULL, NULL, NULL, &sum,
                                     &err), VT_EINPUT);
    assert_non_null(strstr(err.msg, DIR "custom.csv:1: unknown column 'webinars_30d'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_expectations),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_band),
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_no_expectation),
        cmocka_unit_test(test_several_failures),
        cmocka_unit_test(test_run_custom),
        cmocka_unit_test(test_run_failing),
        cmocka_unit_test(test_run_shipped),
        cmocka_unit_test(test_run_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
