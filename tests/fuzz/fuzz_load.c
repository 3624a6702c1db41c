/*
 * fuzz_load.c - libFuzzer target: one CSV file through the whole loader
 * (vt_load_file) into a fresh in-memory database made by vt_schema_init.
 *
 * Input layout (so that one input reaches every table and --map):
 *   byte 0        the table: byte % 10 picks one of the 9 built-in tables
 *                 (vt_tables() order) or, for 9, the custom table "crm_deals"
 *   byte 1        bits 0-1: number of --map options that follow, one per line
 *                 bit 2:    load the file a second time (the upsert path)
 *   [map lines]   "COLUMN=HEADER\n" each
 *   rest          the CSV file, written to a temporary file
 *
 * After every load these must hold, whatever the input:
 *   - the status is one the API documents for input problems: VT_OK,
 *     VT_EPARTIAL, VT_EINPUT or VT_EUSAGE.  VT_EINTERNAL ("exit 4: database
 *     error") for a file that is merely malformed is a bug;
 *   - on VT_OK/VT_EPARTIAL: read == inserted + updated + rejected, the table
 *     holds exactly `inserted` rows (nothing silently lost, no duplicates),
 *     the view shows the same number, EPARTIAL iff rejected > 0, and the
 *     rejects file holds a header plus exactly `rejected` records;
 *   - on failure: a message, nothing stored (table and customer_keys empty),
 *     no rejects file left behind;
 *   - no transaction left open and PRAGMA integrity_check = ok;
 *   - loading the same file again inserts nothing into a built-in table: every
 *     accepted row becomes an update, the same rows are rejected.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tables.h"
#include "vitals.h"

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz_load: %s:%d: check failed: %s\n  ", __FILE__, \
                    __LINE__, #cond);                                           \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

static char dir[256], csv_path[300], rejects_path[300];
/* A freshly initialised database, serialized once: deserializing it is much
 * faster than running vt_schema_init for every input. */
static unsigned char *template_db;
static sqlite3_int64 template_size;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_dir(void)
{
    unlink(csv_path);
    unlink(rejects_path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/vitals-fuzz-load-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(csv_path, sizeof csv_path, "%s/input.csv", dir);
    snprintf(rejects_path, sizeof rejects_path, "%s/input.rejects.csv", dir);
    atexit(remove_dir);

    sqlite3 *db;
    vt_error err;
    CHECK(vt_db_open(":memory:", &db, &err) == VT_OK, "%s", err.msg);
    CHECK(vt_schema_init(db, &err) == VT_OK, "%s", err.msg);
    template_db = sqlite3_serialize(db, "main", &template_size, 0);
    CHECK(template_db != NULL, "sqlite3_serialize: %s", sqlite3_errmsg(db));
    vt_db_close(db);
    return 0;
}

/* A fresh database with the schema, opened as vt_db_open opens one. */
static sqlite3 *fresh_db(void)
{
    sqlite3 *db;
    vt_error err;
    CHECK(vt_db_open(":memory:", &db, &err) == VT_OK, "%s", err.msg);
    unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)template_size);
    CHECK(copy != NULL, "out of memory");
    memcpy(copy, template_db, (size_t)template_size);
    CHECK(sqlite3_deserialize(db, "main", copy, template_size, template_size,
                              SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) ==
              SQLITE_OK,
          "sqlite3_deserialize: %s", sqlite3_errmsg(db));
    CHECK(vt_schema_check(db, &err) == VT_OK, "%s", err.msg);
    return db;
}

static long long query_int(sqlite3 *db, const char *sql, int *ok)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    *ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW;
    if (*ok)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static long long count_rows(sqlite3 *db, const char *table, int builtin)
{
    char sql[200];
    int ok;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s%s\"", builtin ? "data_" : "", table);
    long long n = query_int(db, sql, &ok);
    return ok ? n : 0;  /* a custom table that was never created holds nothing */
}

static void check_integrity(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_get_autocommit(db), "vt_load_file left a transaction open");
    CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK, "%s",
          sqlite3_errmsg(db));
    CHECK(sqlite3_step(st) == SQLITE_ROW, "%s", sqlite3_errmsg(db));
    const char *res = (const char *)sqlite3_column_text(st, 0);
    CHECK(res && strcmp(res, "ok") == 0, "integrity_check: %s", res ? res : "(null)");
    sqlite3_finalize(st);
}

/* No part of a natural key is ever NULL: NULLs never compare equal, so the
 * unique key index would let the same row in twice. */
static void check_keys(sqlite3 *db, const char *table)
{
    const vt_table *t = vt_table_find(table);
    for (int c = 0; c < t->ncols; c++) {
        if (!(t->cols[c].flags & COL_KEY))
            continue;
        char sql[200];
        int ok;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM data_%s WHERE \"%s\" IS NULL", table,
                 vt_column_store_name(&t->cols[c]));
        long long n = query_int(db, sql, &ok);
        CHECK(ok && n == 0, "%lld rows of %s have a NULL key column %s", n, table,
              t->cols[c].name);
    }
}

typedef struct counter {
    long rows;
} counter;

static void count_field(void *s, size_t len, void *ctx)
{
    (void)s, (void)len, (void)ctx;
}

static void count_row(int c, void *ctx)
{
    (void)c;
    ((counter *)ctx)->rows++;
}

/* Records in the rejects file, -1 when it does not exist. */
static long rejects_records(void)
{
    FILE *f = fopen(rejects_path, "rb");
    if (!f)
        return -1;
    struct csv_parser p;
    counter n = {0};
    char buf[4096];
    size_t got;
    CHECK(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) == 0, "csv_init");
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        CHECK(csv_parse(&p, buf, got, count_field, count_row, &n) == got,
              "the rejects file is not valid CSV: %s", csv_strerror(csv_error(&p)));
    CHECK(csv_fini(&p, count_field, count_row, &n) == 0, "the rejects file ends inside a quote");
    csv_free(&p);
    fclose(f);
    return n.rows;
}

typedef struct outcome {
    vt_status st;
    vt_load_summary sum;
    long long rows;
} outcome;

static outcome load_once(sqlite3 *db, const char *table, int builtin, const char **maps,
                         int n_maps)
{
    outcome o;
    vt_error err;
    err.msg[0] = '\0';
    vt_load_options opt = {.table = table, .maps = maps, .n_maps = n_maps};
    o.st = vt_load_file(db, csv_path, &opt, &o.sum, &err);
    vt_load_summary *s = &o.sum;

    CHECK(o.st == VT_OK || o.st == VT_EPARTIAL || o.st == VT_EINPUT || o.st == VT_EUSAGE,
          "status %d for a malformed file (exit 4 means a database error): %s", o.st, err.msg);
    check_integrity(db);
    o.rows = count_rows(db, table, builtin);
    long rejects = rejects_records();
    if (o.st == VT_OK || o.st == VT_EPARTIAL) {
        CHECK(s->read == s->inserted + s->updated + s->rejected,
              "read %lld != inserted %lld + updated %lld + rejected %lld", s->read, s->inserted,
              s->updated, s->rejected);
        CHECK(s->inserted >= 0 && s->updated >= 0 && s->rejected >= 0, "negative count");
        CHECK((o.st == VT_EPARTIAL) == (s->rejected > 0), "status %d with %lld rejected", o.st,
              s->rejected);
        CHECK(s->unknown_customers <= s->inserted + s->updated, "more unknown customers than rows");
        if (s->rejected) {
            CHECK(strcmp(s->rejects_path, rejects_path) == 0, "rejects_path %s", s->rejects_path);
            CHECK(rejects == s->rejected + 1, "rejects file has %ld records for %lld rejected rows",
                  rejects, s->rejected);
        } else {
            CHECK(s->rejects_path[0] == '\0', "rejects_path set without rejects");
            CHECK(rejects < 0, "a rejects file without rejected rows");
        }
        if (builtin) {
            char sql[160];
            int ok;
            snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
            long long shown = query_int(db, sql, &ok);
            CHECK(ok && shown == o.rows, "view %s shows %lld rows, data_%s holds %lld", table, shown,
                  table, o.rows);
            check_keys(db, table);
        }
    } else {
        CHECK(err.msg[0] != '\0', "status %d without a message", o.st);
        CHECK(rejects < 0, "a failed load left %s behind", rejects_path);
        CHECK(s->rejects_path[0] == '\0', "rejects_path set on failure");
    }
    unlink(rejects_path);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return -1;
    const vt_table *const *tables = vt_tables();
    int pick = data[0] % 10, builtin = pick < 9;
    const char *table = builtin ? tables[pick]->name : "crm_deals";
    int n_maps = data[1] & 3, twice = (data[1] >> 2) & 1;
    data += 2, size -= 2;

    char *maps_buf[3] = {NULL, NULL, NULL};
    const char *maps[3];
    for (int i = 0; i < n_maps; i++) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t len = nl ? (size_t)(nl - data) : size;
        maps_buf[i] = strndup((const char *)data, len);
        maps[i] = maps_buf[i];
        data += nl ? len + 1 : len, size -= nl ? len + 1 : len;
    }

    FILE *f = fopen(csv_path, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "writing %s", csv_path);

    sqlite3 *db = fresh_db();
    outcome a = load_once(db, table, builtin, maps, n_maps);
    if (a.st != VT_OK && a.st != VT_EPARTIAL) {
        CHECK(a.rows == 0, "failed load stored %lld rows", a.rows);
        int ok;
        long long keys = query_int(db, "SELECT count(*) FROM customer_keys", &ok);
        CHECK(ok && keys == 0, "failed load stored %lld customer keys", keys);
    } else {
        CHECK(a.rows == a.sum.inserted, "table holds %lld rows after %lld inserted", a.rows,
              a.sum.inserted);
    }

    if (twice) {
        outcome b = load_once(db, table, builtin, maps, n_maps);
        if (a.st == VT_OK || a.st == VT_EPARTIAL) {
            CHECK(b.st == a.st, "second load of the same file: status %d, first %d", b.st, a.st);
            CHECK(b.sum.read == a.sum.read && b.sum.rejected == a.sum.rejected,
                  "second load: read %lld rejected %lld, first read %lld rejected %lld",
                  b.sum.read, b.sum.rejected, a.sum.read, a.sum.rejected);
            if (builtin) {
                CHECK(b.sum.inserted == 0 && b.rows == a.rows,
                      "loading the same rows again inserted %lld (rows %lld -> %lld)",
                      b.sum.inserted, a.rows, b.rows);
            } else {
                CHECK(b.rows == 2 * a.rows, "custom table append: %lld -> %lld rows", a.rows,
                      b.rows);
            }
        }
    }

    vt_db_close(db);
    for (int i = 0; i < n_maps; i++)
        free(maps_buf[i]);
    unlink(csv_path);
    return 0;
}
