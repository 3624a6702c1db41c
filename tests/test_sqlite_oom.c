/*
 * test_sqlite_oom.c - out-of-memory inside SQLite, the way SQLite tests
 * itself: an allocator (SQLITE_CONFIG_MALLOC, installed before
 * sqlite3_initialize) that fails the N-th allocation, for N = 1, 2, ... until
 * the operation runs to the end without reaching allocation N.
 *
 * For every N the library must return a status (never crash, never leak -
 * run it under ASan: make SANITIZE=1 build-asan/tests/test_sqlite_oom), and:
 *   vt_db_open           VT_OK or an error with a message, no handle leaked
 *   vt_schema_init       an error, or the whole schema; after the allocator
 *                        recovers, either the whole schema or none of it, and
 *                        a second vt_schema_init completes it
 *   vt_load_file         VT_EINTERNAL with a message (a file is not "bad
 *                        input" because memory ran out), no transaction left
 *                        open, no rejects file; the database holds either the
 *                        complete file or exactly what it held before (also
 *                        for the upsert path: a second load of the same file)
 *   vt_indicators_compute  VT_EINTERNAL and no table, or a complete table
 * and PRAGMA integrity_check = ok after every attempt.  Two modes: the N-th
 * allocation alone fails (SQLite often recovers), or it and every later one
 * fails until the operation returns.  In the second mode even the ROLLBACK
 * may find no memory, so a transaction may stay open on that connection; the
 * database must then be as before once the connection is closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vitals.h"

/* ---------------------------------------------------------------- allocator */

static sqlite3_mem_methods real_mem;
static long alloc_count, fail_at;   /* fail_at 0: never fail */
static int fail_persist, fail_hit;

static int should_fail(void)
{
    if (fail_at <= 0)
        return 0;
    alloc_count++;
    if (alloc_count == fail_at || (fail_persist && alloc_count > fail_at)) {
        fail_hit = 1;
        return 1;
    }
    return 0;
}

static void *oom_malloc(int n)
{
    return should_fail() ? NULL : real_mem.xMalloc(n);
}

static void *oom_realloc(void *p, int n)
{
    return should_fail() ? NULL : real_mem.xRealloc(p, n);
}

static void oom_free(void *p)
{
    real_mem.xFree(p);
}

static int oom_size(void *p)
{
    return real_mem.xSize(p);
}

static int oom_roundup(int n)
{
    return real_mem.xRoundup(n);
}

static int oom_init(void *app)
{
    (void)app;
    return real_mem.xInit(real_mem.pAppData);
}

static void oom_shutdown(void *app)
{
    (void)app;
    real_mem.xShutdown(real_mem.pAppData);
}

static void arm(long n, int persist)
{
    alloc_count = 0;
    fail_hit = 0;
    fail_persist = persist;
    fail_at = n;
}

static void disarm(void)
{
    fail_at = 0;
}

/* ---------------------------------------------------------------- fixtures */

static char dir[256], template_path[320], db_path[320], customers_csv[320], usage_csv[320],
    usage_rejects[320];

#define USAGE_ROWS 12

static const char customers_data[] =
    "customer_id,name,segment,seats,start_date,renewal_date,churn_date\n"
    "C1,Coral Crest,smb,20,2024-01-10,2026-12-01,\n"
    "C2,Harbor Wave,enterprise,200,2023-05-01,2027-05-01,\n"
    "C3,Quiet Fields,mid,,2026-10-01,,\n";

/* 12 rows: known and unknown customers (C9 gets a new customer key), a
 * repeated key (an update), extra columns (the JSON extra) */
static const char usage_data[] =
    "customer_id,date,active_users,sessions,events,note\n"
    "C1,2026-10-01,10,30,300,a\nC1,2026-10-02,11,31,310,\nC1,2026-10-03,12,32,320,b\n"
    "C2,2026-10-01,150,400,9000,\nC2,2026-10-02,140,380,8000,c\nC2,2026-10-03,130,350,7000,\n"
    "C3,2026-10-01,1,1,1,\nC3,2026-10-02,2,2,2,\nC9,2026-10-01,5,5,5,unknown\n"
    "C9,2026-10-02,6,6,6,\nC9,2026-10-03,7,7,7,\nC1,2026-10-01,99,99,99,again\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
    char buf[65536];
    size_t n;
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void remove_db(const char *path)
{
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A checksum of a query's whole result (order given by the query). */
static unsigned long long query_sum(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    unsigned long long h = 1469598103934665603ULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *s = sqlite3_column_text(st, i);
            for (; s && *s; s++)
                h = (h ^ *s) * 1099511628211ULL;
            h = (h ^ 0xFF) * 1099511628211ULL;
        }
    sqlite3_finalize(st);
    return h;
}

static void assert_integrity(sqlite3 *db, long n)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *res = (const char *)sqlite3_column_text(st, 0);
    if (!res || strcmp(res, "ok") != 0)
        fail_msg("allocation %ld: integrity_check: %s", n, res ? res : "(null)");
    sqlite3_finalize(st);
}

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    vt_error err;
    if (vt_db_open(path, &db, &err) != VT_OK)
        fail_msg("vt_db_open(%s): %s", path, err.msg);
    return db;
}

static int setup_dir(void **state)
{
    (void)state;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/vitals-oom-XXXXXX", base);
    if (!mkdtemp(dir))
        return -1;
    snprintf(template_path, sizeof template_path, "%s/template.db", dir);
    snprintf(db_path, sizeof db_path, "%s/work.db", dir);
    snprintf(customers_csv, sizeof customers_csv, "%s/customers.csv", dir);
    snprintf(usage_csv, sizeof usage_csv, "%s/usage.csv", dir);
    snprintf(usage_rejects, sizeof usage_rejects, "%s/usage.rejects.csv", dir);
    write_file(customers_csv, customers_data);
    write_file(usage_csv, usage_data);

    /* the template: the schema and the customers */
    sqlite3 *db = open_db(template_path);
    vt_error err;
    vt_load_summary sum;
    if (vt_schema_init(db, &err) != VT_OK || vt_load_file(db, customers_csv, NULL, &sum, &err) != VT_OK)
        return -1;
    vt_db_close(db);
    return 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    remove_db(template_path);
    remove_db(db_path);
    unlink(customers_csv);
    unlink(usage_csv);
    unlink(usage_rejects);
    rmdir(dir);
    return 0;
}

/* ---------------------------------------------------------------- tests */

/* Stop after this many allocations in case an operation never ends. */
#define MAX_N 200000

/* The long loops (schema, indicators: ~5000 allocations each) test every N
 * in one-shot mode, but only every STRIDE-th N in persistent mode, where
 * neighbouring N fail alike; VITALS_OOM_FULL=1 tests every N. */
#define STRIDE 5

static long stride(int persist)
{
    const char *full = getenv("VITALS_OOM_FULL");
    return persist && !(full && *full == '1') ? STRIDE : 1;
}

static void oom_db_open(int persist)
{
    long n;
    for (n = 1; n < MAX_N; n++) {
        remove_db(db_path);
        sqlite3 *db = NULL;
        vt_error err;
        err.msg[0] = '\0';
        arm(n, persist);
        vt_status st = vt_db_open(db_path, &db, &err);
        disarm();
        if (st == VT_OK) {
            assert_non_null(db);
            vt_db_close(db);
        } else {
            assert_null(db);
            if (!err.msg[0])
                fail_msg("allocation %ld: vt_db_open failed (%d) without a message", n, st);
        }
        if (!fail_hit) {
            assert_int_equal(st, VT_OK);
            break;
        }
    }
    assert_true(n < MAX_N);
    print_message("vt_db_open: %ld allocations (%s)\n", n - 1, persist ? "persistent" : "one-shot");
}

static void test_db_open_oom(void **state)
{
    (void)state;
    oom_db_open(0);
    oom_db_open(1);
}

/* An in-memory database: the schema is what is tested, and it is faster. */
static void oom_schema_init(int persist)
{
    long n;
    vt_error err;
    sqlite3 *db = open_db(":memory:");
    assert_int_equal(vt_schema_init(db, &err), VT_OK);
    long long objects = query_int(db, "SELECT count(*) FROM sqlite_schema");
    vt_db_close(db);
    for (n = 1; n < MAX_N; n += stride(persist)) {
        db = open_db(":memory:");
        err.msg[0] = '\0';
        arm(n, persist);
        vt_status st = vt_schema_init(db, &err);
        disarm();
        if (!sqlite3_get_autocommit(db)) {
            if (!persist)
                fail_msg("allocation %ld: vt_schema_init left a transaction open", n);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        }
        assert_integrity(db, n);
        long long have = query_int(db, "SELECT count(*) FROM sqlite_schema");
        if (st == VT_OK) {
            if (vt_schema_check(db, &err) != VT_OK)
                fail_msg("allocation %ld: vt_schema_init succeeded, but: %s", n, err.msg);
            if (have != objects)
                fail_msg("allocation %ld: vt_schema_init succeeded with %lld schema objects of %lld",
                         n, have, objects);
        } else {
            if (!err.msg[0])
                fail_msg("allocation %ld: vt_schema_init failed (%d) without a message", n, st);
            if (have != 0)
                fail_msg("allocation %ld: vt_schema_init failed (%s) but left %lld schema objects",
                         n, err.msg, have);
            if (vt_schema_init(db, &err) != VT_OK)
                fail_msg("allocation %ld: vt_schema_init after the failure: %s", n, err.msg);
            if (query_int(db, "SELECT count(*) FROM sqlite_schema") != objects)
                fail_msg("allocation %ld: vt_schema_init after the failure left the schema "
                         "incomplete", n);
        }
        vt_db_close(db);
        if (!fail_hit) {
            assert_int_equal(st, VT_OK);
            break;
        }
    }
    assert_true(n < MAX_N);
    print_message("vt_schema_init: %s%ld allocations (%s)\n", stride(persist) > 1 ? "~" : "",
                  n - 1, persist ? "persistent, every 5th" : "one-shot");
}

static void test_schema_init_oom(void **state)
{
    (void)state;
    oom_schema_init(0);
    oom_schema_init(1);
}

static const char usage_content[] =
    "SELECT k.customer_id, d.date, d.active_users, d.sessions, d.events, d.extra "
    "FROM data_usage d JOIN customer_keys k USING (cust) ORDER BY 1, 2";
static const char custom_content[] = "SELECT * FROM crm_usage ORDER BY rowid";
static const char count_objects[] =
    "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%'";

enum load_mode {
    FIRST,          /* usage.csv into an empty usage table (bulk insert, key index rebuilt) */
    RELOAD,         /* the same file again (upsert: every row an update) */
    CUSTOM,         /* usage.csv as the new custom table crm_usage (created by the load) */
    CUSTOM_APPEND   /* the same into the existing crm_usage (appended) */
};

static const char *const mode_names[] = {"first load", "reload", "custom table",
                                         "custom table, append"};

/* The table's whole content, or a fixed value when it does not exist. */
static unsigned long long content(sqlite3 *db, enum load_mode mode)
{
    if (mode >= CUSTOM &&
        query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'crm_usage'") == 0)
        return 0;
    return query_sum(db, mode >= CUSTOM ? custom_content : usage_content);
}

static vt_status load_usage(sqlite3 *db, enum load_mode mode, vt_load_summary *sum,
                            vt_error *err)
{
    vt_load_options opt = {.table = mode >= CUSTOM ? "crm_usage" : "usage"};
    return vt_load_file(db, usage_csv, &opt, sum, err);
}

/* Load usage.csv with allocation N failing, into a copy of a base database:
 * the template (customers), with usage.csv loaded once already for the
 * RELOAD and CUSTOM_APPEND modes. */
static void oom_load(int persist, enum load_mode mode)
{
    long n;
    vt_error err;
    vt_load_summary sum;
    char base_path[400];
    snprintf(base_path, sizeof base_path, "%s/base.db", dir);

    remove_db(base_path);
    copy_file(template_path, base_path);
    sqlite3 *db = open_db(base_path);
    if (mode == RELOAD || mode == CUSTOM_APPEND)
        assert_int_equal(load_usage(db, mode, &sum, &err), VT_OK);
    vt_db_close(db);

    /* what "nothing" is, and what a complete load gives */
    remove_db(db_path);
    copy_file(base_path, db_path);
    db = open_db(db_path);
    unsigned long long before_sum = content(db, mode);
    long long before_keys = query_int(db, "SELECT count(*) FROM customer_keys");
    long long before_objects = query_int(db, count_objects);
    if (load_usage(db, mode, &sum, &err) != VT_OK)
        fail_msg("%s without failures: %s", mode_names[mode], err.msg);
    unsigned long long full_sum = content(db, mode);
    long long full_keys = query_int(db, "SELECT count(*) FROM customer_keys");
    long long full_objects = query_int(db, count_objects);
    vt_db_close(db);
    assert_int_equal(sum.read, USAGE_ROWS);

    for (n = 1; n < MAX_N; n++) {
        remove_db(db_path);
        copy_file(base_path, db_path);
        db = open_db(db_path);
        err.msg[0] = '\0';
        arm(n, persist);
        vt_status st = load_usage(db, mode, &sum, &err);
        disarm();

        if (!sqlite3_get_autocommit(db)) {
            if (!persist || st == VT_OK)
                fail_msg("%s, allocation %ld: vt_load_file left a transaction open (status %d: "
                         "%s)",
                         mode_names[mode], n, st, err.msg);
            vt_db_close(db);  /* rolls back */
            db = open_db(db_path);
        }
        assert_integrity(db, n);
        unsigned long long now = content(db, mode);
        long long keys = query_int(db, "SELECT count(*) FROM customer_keys");
        long long objects = query_int(db, count_objects);
        if (st == VT_OK) {
            if (now != full_sum || keys != full_keys || sum.read != USAGE_ROWS)
                fail_msg("%s, allocation %ld: vt_load_file reported success, but the table is "
                         "not the complete file (read %lld, inserted %lld, updated %lld)",
                         mode_names[mode], n, sum.read, sum.inserted, sum.updated);
            if (objects != full_objects)
                fail_msg("%s, allocation %ld: vt_load_file reported success, but left %lld "
                         "schema objects, not %lld (the key index?)",
                         mode_names[mode], n, objects, full_objects);
        } else {
            if (st != VT_EINTERNAL)
                fail_msg("%s, allocation %ld: out of memory reported as status %d (not 4): %s",
                         mode_names[mode], n, st, err.msg);
            if (!err.msg[0])
                fail_msg("%s, allocation %ld: vt_load_file failed without a message",
                         mode_names[mode], n);
            if (now != before_sum || keys != before_keys || objects != before_objects)
                fail_msg("%s, allocation %ld: the load failed (%s) but changed the database "
                         "(%lld customer keys, %lld before; %lld schema objects, %lld before)",
                         mode_names[mode], n, err.msg, keys, before_keys, objects,
                         before_objects);
            if (access(usage_rejects, F_OK) == 0)
                fail_msg("%s, allocation %ld: a failed load left %s", mode_names[mode], n,
                         usage_rejects);
        }
        vt_db_close(db);

        /* and as the next process sees it */
        db = open_db(db_path);
        assert_integrity(db, n);
        if (content(db, mode) != (st == VT_OK ? full_sum : before_sum))
            fail_msg("%s, allocation %ld: after reopening, the table is neither complete nor as "
                     "before",
                     mode_names[mode], n);
        vt_db_close(db);
        if (!fail_hit) {
            assert_int_equal(st, VT_OK);
            break;
        }
    }
    assert_true(n < MAX_N);
    remove_db(base_path);
    print_message("vt_load_file, %s: %ld allocations (%s)\n", mode_names[mode], n - 1,
                  persist ? "persistent" : "one-shot");
}

static void test_load_oom(void **state)
{
    (void)state;
    oom_load(0, FIRST);
    oom_load(1, FIRST);
}

static void test_reload_oom(void **state)
{
    (void)state;
    oom_load(0, RELOAD);
    oom_load(1, RELOAD);
}

static void test_custom_load_oom(void **state)
{
    (void)state;
    oom_load(0, CUSTOM);
    oom_load(1, CUSTOM);
    oom_load(0, CUSTOM_APPEND);
    oom_load(1, CUSTOM_APPEND);
}

static void oom_indicators(int persist)
{
    long n;
    vt_error err;
    vt_day as_of;
    assert_int_equal(vt_date_parse("2026-10-31", &as_of), 0);
    sqlite3 *db = open_db(template_path);
    vt_load_summary sum;
    vt_load_file(db, usage_csv, NULL, &sum, &err);
    for (n = 1; n < MAX_N; n += stride(persist)) {
        vt_indicators *ind = NULL;
        err.msg[0] = '\0';
        arm(n, persist);
        vt_status st = vt_indicators_compute(db, as_of, &ind, &err);
        disarm();
        if (!sqlite3_get_autocommit(db)) {
            if (!persist)
                fail_msg("allocation %ld: vt_indicators_compute left a transaction open", n);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        }
        if (st == VT_OK) {
            assert_non_null(ind);
            assert_int_equal(vt_indicators_rows(ind), 3);   /* C1, C2, C3 */
            int col = vt_indicators_find(ind, "active_users_30d");
            assert_true(col >= 0);
            const vt_value *v = vt_indicators_get(ind, vt_indicators_find_row(ind, "C2"), col);
            assert_true(v->type == VT_REAL || v->type == VT_INT);
        } else {
            if (st != VT_EINTERNAL)
                fail_msg("allocation %ld: out of memory reported as status %d: %s", n, st, err.msg);
            if (!err.msg[0])
                fail_msg("allocation %ld: vt_indicators_compute failed without a message", n);
        }
        vt_indicators_free(ind);
        if (!fail_hit) {
            assert_int_equal(st, VT_OK);
            break;
        }
    }
    assert_integrity(db, n);
    vt_db_close(db);
    assert_true(n < MAX_N);
    print_message("vt_indicators_compute: %s%ld allocations (%s)\n",
                  stride(persist) > 1 ? "~" : "", n - 1,
                  persist ? "persistent, every 5th" : "one-shot");
}

static void test_indicators_oom(void **state)
{
    (void)state;
    oom_indicators(0);
    oom_indicators(1);
}

/* Each test starts with the allocator working, whatever the last one did. */
static int reset_allocator(void **state)
{
    (void)state;
    disarm();
    return 0;
}

int main(void)
{
    /* before anything touches SQLite */
    static sqlite3_mem_methods mine = {oom_malloc,   oom_free, oom_realloc,  oom_size,
                                       oom_roundup,  oom_init, oom_shutdown, NULL};
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_MALLOC, &mine) != SQLITE_OK ||
        sqlite3_initialize() != SQLITE_OK) {
        fprintf(stderr, "test_sqlite_oom: cannot install the failing allocator\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_db_open_oom, reset_allocator),
        cmocka_unit_test_setup(test_schema_init_oom, reset_allocator),
        cmocka_unit_test_setup(test_load_oom, reset_allocator),
        cmocka_unit_test_setup(test_reload_oom, reset_allocator),
        cmocka_unit_test_setup(test_custom_load_oom, reset_allocator),
        cmocka_unit_test_setup(test_indicators_oom, reset_allocator),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
