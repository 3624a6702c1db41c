/*
 * test_sandbox.c - hostile rule files (the .lua files of tests/sandbox, and bytecode
 * written here) against the rules sandbox.  Each either must not load
 * (VT_EINPUT, "FILE:LINE: message" naming the problem) or must fail the
 * customers it attacks (VT_EPARTIAL, a bounded message naming customer and
 * measure) while the next customer scores and the process goes on.
 *
 * Run from the repository root (the fixtures are found by relative path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vitals.h"

#define DIR "tests/sandbox/"
#define MESSAGE_MAX 700   /* "customer ID: measure "NAME": " + the bounded rule message */

static vt_rule_limits limits;
static vt_indicators *table;   /* C1: nps_last 9, C2: nps_last 7 */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void expect_text(const char *text, const char *needle)
{
    if (!text || !strstr(text, needle))
        fail_msg("expected \"%s\" in: %s", needle, text ? text : "(null)");
}

static void expect_load_fails(const char *file, const char *needle)
{
    char path[256];
    snprintf(path, sizeof path, DIR "%s", file);
    vt_error err;
    vt_rules *r = NULL;
    assert_int_equal(vt_rules_load(path, &limits, &r, &err), VT_EINPUT);
    assert_null(r);
    expect_text(err.msg, needle);
    assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);   /* FILE:LINE: ... */
    assert_int_equal(vt_rules_check(path, &err), VT_EINPUT);   /* check agrees */
}

typedef struct outcome {
    vt_status status[2];
    vt_result result[2];
    double seconds[2];
} outcome;

/* Load file (it must load), bind the table and score C1 then C2. */
static void score_both(const char *file, outcome *out)
{
    char path[256];
    snprintf(path, sizeof path, DIR "%s", file);
    vt_error err;
    vt_rules *r = NULL;
    if (vt_rules_load(path, &limits, &r, &err) != VT_OK)
        fail_msg("%s does not load: %s", path, err.msg);
    assert_int_equal(vt_rules_bind(r, table, &err), VT_OK);
    for (int row = 0; row < 2; row++) {
        double start = seconds();
        out->status[row] = vt_rules_eval(r, row, &out->result[row]);
        out->seconds[row] = seconds() - start;
        if (out->status[row] != VT_OK) {
            assert_int_equal(out->status[row], VT_EPARTIAL);
            assert_non_null(out->result[row].error);
            assert_true(strlen(out->result[row].error) < MESSAGE_MAX);
            assert_null(strchr(out->result[row].error, '\n'));
        }
    }
    vt_rules_free(r);
}

static void clear_outcome(outcome *out)
{
    vt_result_clear(&out->result[0]);
    vt_result_clear(&out->result[1]);
}

/* C1 fails with needle, naming itself and the measure; C2 scores 7. */
static void expect_first_fails(const char *file, const char *measure, const char *needle,
                               double within_seconds)
{
    outcome out;
    char who[128];
    score_both(file, &out);
    assert_int_equal(out.status[0], VT_EPARTIAL);
    snprintf(who, sizeof who, "customer C1: measure \"%s\": " DIR "%s:", measure, file);
    expect_text(out.result[0].error, who);
    expect_text(out.result[0].error, needle);
    assert_true(out.seconds[0] < within_seconds);
    assert_int_equal(out.status[1], VT_OK);
    assert_true(out.result[1].score == 7.0);
    clear_outcome(&out);
}

/* Both customers fail with needle. */
static void expect_both_fail(const char *file, const char *needle)
{
    outcome out;
    score_both(file, &out);
    for (int row = 0; row < 2; row++) {
        assert_int_equal(out.status[row], VT_EPARTIAL);
        expect_text(out.result[row].error, row == 0 ? "customer C1: " : "customer C2: ");
        expect_text(out.result[row].error, needle);
    }
    clear_outcome(&out);
}

/* ------------------------------------------------------------ absent libraries */

static void test_io(void **state) { (void)state; expect_load_fails("io.lua", "io is not available"); }
static void test_debug(void **state) { (void)state; expect_load_fails("debug.lua", "debug is not available"); }
static void test_package(void **state) { (void)state; expect_load_fails("package.lua", "package is not available"); }
static void test_require(void **state) { (void)state; expect_load_fails("require.lua", "require is not available"); }
static void test_load(void **state) { (void)state; expect_load_fails("load.lua", "load is not available"); }
static void test_loadfile(void **state) { (void)state; expect_load_fails("loadfile.lua", "loadfile is not available"); }
static void test_dofile(void **state) { (void)state; expect_load_fails("dofile.lua", "dofile is not available"); }
static void test_collectgarbage(void **state) { (void)state; expect_load_fails("collectgarbage.lua", "collectgarbage is not available"); }
static void test_print(void **state) { (void)state; expect_load_fails("print.lua", "print is not available"); }
static void test_coroutine(void **state) { (void)state; expect_load_fails("coroutine.lua", "coroutine is not available"); }
static void test_string_dump(void **state) { (void)state; expect_load_fails("string_dump.lua", "field 'dump'"); }

static void test_os_execute(void **state)
{
    (void)state;
    unlink("/tmp/vitals-sandbox-os-execute");
    expect_load_fails("os_execute.lua", "field 'execute'");
    assert_int_not_equal(access("/tmp/vitals-sandbox-os-execute", F_OK), 0);
}

static void test_os_exit(void **state)
{
    (void)state;
    expect_load_fails("os_exit.lua", "field 'exit'");   /* and we are still here */
}

static void test_os_remove(void **state)
{
    (void)state;
    FILE *f = fopen("/tmp/vitals-sandbox-victim", "w");
    assert_non_null(f);
    fclose(f);
    expect_load_fails("os_remove.lua", "field 'remove'");
    assert_int_equal(access("/tmp/vitals-sandbox-victim", F_OK), 0);
    unlink("/tmp/vitals-sandbox-victim");
}

static void test_os_getenv(void **state)
{
    (void)state;
    expect_both_fail("os_getenv.lua", "measure \"m\": " DIR "os_getenv.lua:2: attempt to call "
                     "a nil value (field 'getenv')");
}

static int write_chunk(lua_State *L, const void *p, size_t n, void *ud)
{
    (void)L;
    return fwrite(p, 1, n, ud) == n ? 0 : 1;
}

static void test_bytecode(void **state)
{
    (void)state;
    char path[] = "/tmp/vitals-bytecode-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    lua_State *L = luaL_newstate();
    assert_int_equal(luaL_loadstring(L, "measure 'm' { weight = 1, value = 'nps_last' }"), LUA_OK);
    assert_int_equal(lua_dump(L, write_chunk, f, 0), 0);
    lua_close(L);
    fclose(f);
    vt_error err;
    vt_rules *r = NULL;
    assert_int_equal(vt_rules_load(path, &limits, &r, &err), VT_EINPUT);
    assert_null(r);
    expect_text(err.msg, "bytecode");
    expect_text(err.msg, path);
    unlink(path);
}

/* ------------------------------------------------------------ CPU */

static void test_loop_in_measure(void **state)
{
    (void)state;
    expect_first_fails("loop_measure.lua", "spin", "time limit of 250 ms", 2.0);
}

static void test_loop_catching_the_timeout(void **state)
{
    (void)state;
    expect_first_fails("loop_pcall.lua", "stubborn", "time limit of 250 ms", 2.0);
}

static void test_loop_at_top_level(void **state)
{
    (void)state;
    double start = seconds();
    expect_load_fails("loop_toplevel.lua", "loop_toplevel.lua:2: stopped: used more than its "
                      "time limit of 1000 ms");
    assert_true(seconds() - start < 5.0);   /* load and check, about 1 s each */
}

static void test_pattern_blowup(void **state)
{
    (void)state;
    outcome out;
    score_both("pattern_blowup.lua", &out);
    assert_int_equal(out.status[0], VT_EPARTIAL);
    expect_text(out.result[0].error, "string.find: pattern too costly for a 20000-byte subject");
    assert_true(out.seconds[0] < 0.5);
    clear_outcome(&out);
}

/* ------------------------------------------------------------ memory */

static void test_memory_string_rep(void **state)
{
    (void)state;
    expect_first_fails("memory_rep.lua", "big", "not enough memory", 2.0);
}

static void test_memory_table_growth(void **state)
{
    (void)state;
    expect_first_fails("memory_table.lua", "hoard", "not enough memory", 2.0);
}

static void test_memory_concat(void **state)
{
    (void)state;
    expect_both_fail("memory_concat.lua", "not enough memory: a rule file may use 32 MiB");
}

static void test_deep_recursion(void **state)
{
    (void)state;
    outcome out;
    score_both("deep_recursion.lua", &out);
    assert_int_equal(out.status[0], VT_EPARTIAL);
    const char *e = out.result[0].error;
    if (!strstr(e, "stack overflow") && !strstr(e, "not enough memory"))
        fail_msg("expected a stack or memory error: %s", e);
    clear_outcome(&out);
}

static void test_table_shift_bomb(void **state)
{
    (void)state;
    expect_both_fail("table_shift.lua", "table.insert: tables with a metatable are not accepted");
}

static void test_table_move_bomb(void **state)
{
    (void)state;
    expect_both_fail("table_move.lua", "table.move: too many elements (1000000000000)");
}

static void test_gc_finalizer(void **state)
{
    (void)state;
    expect_load_fails("gc_finalizer.lua", "__gc metamethods are not allowed");
}

/* ------------------------------------------------------------ integrity */

static void test_string_metatable(void **state)
{
    (void)state;
    expect_load_fails("string_metatable.lua", "string_metatable.lua:3: attempt to index a nil value");
}

static void test_libraries_read_only(void **state)
{
    (void)state;
    outcome out;
    score_both("string_readonly.lua", &out);
    assert_int_equal(out.status[0], VT_OK);
    assert_int_equal(out.status[1], VT_OK);
    assert_true(out.result[0].score == 3.0 && out.result[1].score == 3.0);
    clear_outcome(&out);
}

static void test_env_nil(void **state)
{
    (void)state;
    expect_load_fails("env_nil.lua", "env_nil.lua:3: attempt to index a nil value (upvalue '_ENV')");
}

static void test_env_metatable(void **state)
{
    (void)state;
    expect_load_fails("env_metatable.lua", "setmetatable: argument 1 must be a table");
}

static void test_env_rawset(void **state)
{
    (void)state;
    expect_load_fails("env_rawset.lua", "bad argument #1 to 'rawset' (table expected, got userdata)");
}

static void test_rawset_on_c(void **state)
{
    (void)state;
    expect_both_fail("c_rawset.lua", "bad argument #1 to 'rawset' (table expected, got userdata)");
}

static void test_setmetatable_on_c(void **state)
{
    (void)state;
    expect_both_fail("c_setmetatable.lua", "setmetatable: argument 1 must be a table (got userdata)");
}

static void test_write_to_c(void **state)
{
    (void)state;
    expect_both_fail("c_write.lua", "c_write.lua:2: c is read-only");
}

static void test_global_leak(void **state)
{
    (void)state;
    expect_both_fail("global_leak.lua", "global_leak.lua:6: rules must not set globals during "
                     "scoring: seen");
}

static void test_yield_across_c(void **state)
{
    (void)state;
    expect_both_fail("coroutine_yield.lua", "coroutine is not available");
}

/* ------------------------------------------------------------ error objects */

static void test_huge_error(void **state)
{
    (void)state;
    outcome out;
    score_both("huge_error.lua", &out);   /* checks: bounded, one line */
    assert_int_equal(out.status[0], VT_EPARTIAL);
    const char *e = out.result[0].error;
    expect_text(e, "customer C1: measure \"m\": " DIR "huge_error.lua:5: line line line");
    assert_string_equal(e + strlen(e) - 3, "...");
    clear_outcome(&out);
}

static void test_error_objects(void **state)
{
    (void)state;
    outcome out;
    score_both("error_objects.lua", &out);
    assert_int_equal(out.status[0], VT_EPARTIAL);
    expect_text(out.result[0].error, "customer C1: measure \"table\": " DIR "error_objects.lua:2: "
                "error object is a table value");
    assert_int_equal(out.status[1], VT_EPARTIAL);
    expect_text(out.result[1].error, "customer C2: measure \"nil\": " DIR "error_objects.lua:3: "
                "error object is a nil value");
    clear_outcome(&out);
}

static int setup(void **state)
{
    (void)state;
    static const char *const ids[] = {"C1", "C2"};
    vt_rule_limits_default(&limits);
    limits.memory_bytes = (size_t)32 << 20;
    limits.customer_ms = 250;
    table = vt_indicators_new(0, 2, ids);
    if (!table)
        return -1;
    int nps = vt_indicators_add_column(table, "nps_last");
    vt_value nine = {VT_INT, {.i = 9}}, seven = {VT_INT, {.i = 7}};
    return nps < 0 || vt_indicators_set(table, 0, nps, &nine) || vt_indicators_set(table, 1, nps, &seven);
}

static int teardown(void **state)
{
    (void)state;
    vt_indicators_free(table);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_os_execute),
        cmocka_unit_test(test_os_exit),
        cmocka_unit_test(test_os_getenv),
        cmocka_unit_test(test_os_remove),
        cmocka_unit_test(test_debug),
        cmocka_unit_test(test_package),
        cmocka_unit_test(test_require),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_loadfile),
        cmocka_unit_test(test_dofile),
        cmocka_unit_test(test_collectgarbage),
        cmocka_unit_test(test_print),
        cmocka_unit_test(test_coroutine),
        cmocka_unit_test(test_string_dump),
        cmocka_unit_test(test_bytecode),
        cmocka_unit_test(test_loop_in_measure),
        cmocka_unit_test(test_loop_catching_the_timeout),
        cmocka_unit_test(test_loop_at_top_level),
        cmocka_unit_test(test_pattern_blowup),
        cmocka_unit_test(test_memory_string_rep),
        cmocka_unit_test(test_memory_table_growth),
        cmocka_unit_test(test_memory_concat),
        cmocka_unit_test(test_deep_recursion),
        cmocka_unit_test(test_table_shift_bomb),
        cmocka_unit_test(test_table_move_bomb),
        cmocka_unit_test(test_gc_finalizer),
        cmocka_unit_test(test_string_metatable),
        cmocka_unit_test(test_libraries_read_only),
        cmocka_unit_test(test_env_nil),
        cmocka_unit_test(test_env_metatable),
        cmocka_unit_test(test_env_rawset),
        cmocka_unit_test(test_rawset_on_c),
        cmocka_unit_test(test_setmetatable_on_c),
        cmocka_unit_test(test_write_to_c),
        cmocka_unit_test(test_global_leak),
        cmocka_unit_test(test_yield_across_c),
        cmocka_unit_test(test_huge_error),
        cmocka_unit_test(test_error_objects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
