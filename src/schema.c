/*
 * schema.c - opening a Vitals database and creating or migrating its schema.
 *
 * The input tables are generated from their descriptions in tables.c: a
 * STRICT storage table data_T with integer keys and day numbers, its unique
 * natural-key index, and a view T with the columns of SPEC §2 for users,
 * rule SQL and BI tools.  PRAGMA user_version records the schema version;
 * each migration step brings the database from one version to the next.
 */
#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "tables.h"

#define SCHEMA_VERSION 1

static const char *store_type(vt_kind k)
{
    switch (k) {
    case K_TEXT: case K_ENUM: return "TEXT";
    case K_DECIMAL: return "REAL";
    default: return "INTEGER";
    }
}

/* The view expression that shows a stored column as SPEC §2 has it. */
static void view_expr(const vt_column *c, char *buf, size_t len)
{
    switch (c->kind) {
    case K_CUSTOMER: snprintf(buf, len, "k.customer_id"); break;
    case K_DATE: snprintf(buf, len, "date(d.\"%s\" + 2440587.5)", c->name); break;
    case K_TIMESTAMP:
        snprintf(buf, len, "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', d.\"%s\", 'unixepoch')", c->name);
        break;
    case K_MONTH:
        snprintf(buf, len, "printf('%%04d-%%02d', d.\"%s\" / 12, d.\"%s\" %% 12 + 1)", c->name, c->name);
        break;
    default: snprintf(buf, len, "d.\"%s\"", c->name); break;
    }
}

static int has_customer(const vt_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].kind == K_CUSTOMER)
            return 1;
    return 0;
}

/* Append printf-style text to a sqlite3_str. */
#define ADD sqlite3_str_appendf

int vt_schema_has_key_index(const vt_table *t)
{
    return strcmp(t->name, "customers") != 0;  /* its key is the INTEGER PRIMARY KEY */
}

char *vt_schema_key_index_sql(const vt_table *t)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    ADD(s, "CREATE UNIQUE INDEX IF NOT EXISTS data_%s_key ON data_%s(", t->name, t->name);
    const char *sep = "";
    for (int i = 0; i < t->ncols; i++) {
        if (t->cols[i].flags & COL_KEY) {
            ADD(s, "%s\"%s\"", sep, vt_column_store_name(&t->cols[i]));
            sep = ", ";
        }
    }
    ADD(s, ");");
    return sqlite3_str_finish(s);
}

static char *table_sql(const vt_table *t)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    int is_customers = strcmp(t->name, "customers") == 0;
    ADD(s, "CREATE TABLE IF NOT EXISTS data_%s (", t->name);
    for (int i = 0; i < t->ncols; i++) {
        const vt_column *c = &t->cols[i];
        if (c->kind == K_CUSTOMER)
            ADD(s, is_customers ? "cust INTEGER PRIMARY KEY, " : "cust INTEGER NOT NULL, ");
        else
            ADD(s, "\"%s\" %s%s, ", c->name, store_type(c->kind),
                (c->flags & COL_REQUIRED) ? " NOT NULL" : "");
    }
    ADD(s, "extra TEXT) STRICT;\n");

    if (vt_schema_has_key_index(t)) {
        char *index = vt_schema_key_index_sql(t);
        if (!index) {
            sqlite3_free(sqlite3_str_finish(s));
            return NULL;
        }
        ADD(s, "%s\n", index);
        sqlite3_free(index);
    }

    ADD(s, "CREATE VIEW IF NOT EXISTS \"%s\" AS SELECT ", t->name);
    for (int i = 0; i < t->ncols; i++) {
        char expr[160];
        view_expr(&t->cols[i], expr, sizeof expr);
        ADD(s, "%s AS \"%s\", ", expr, t->cols[i].name);
    }
    ADD(s, "d.extra AS extra FROM data_%s d", t->name);
    if (has_customer(t))
        ADD(s, " JOIN customer_keys k ON k.cust = d.cust");
    ADD(s, ";\n");
    return sqlite3_str_finish(s);
}

static const char results_sql[] =
    "CREATE TABLE IF NOT EXISTS customer_keys ("
    "  cust INTEGER PRIMARY KEY, customer_id TEXT NOT NULL UNIQUE) STRICT;\n"
    "CREATE TABLE IF NOT EXISTS runs ("
    "  run_id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,"
    "  as_of TEXT NOT NULL, rules_path TEXT NOT NULL, rules_sha256 TEXT NOT NULL,"
    "  customers INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0) STRICT;\n"
    "CREATE TABLE IF NOT EXISTS scores ("
    "  run_id INTEGER NOT NULL REFERENCES runs(run_id), customer_id TEXT NOT NULL,"
    "  score REAL, band TEXT, coverage REAL, measures TEXT, flags TEXT, error TEXT,"
    "  score_band TEXT, forced_by TEXT, scorecard TEXT, overridden INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (run_id, customer_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS scores_customer ON scores(customer_id, run_id);\n"
    "CREATE TABLE IF NOT EXISTS overrides ("
    "  customer_id TEXT PRIMARY KEY, band TEXT, score REAL, reason TEXT NOT NULL,"
    "  author TEXT, created_at TEXT NOT NULL, until TEXT,"
    "  CHECK (band IS NOT NULL OR score IS NOT NULL)) STRICT;\n";

/* Version 0 -> 1: every table, index and view. */
static vt_status migrate_to_1(sqlite3 *db, vt_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, results_sql, NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    for (const vt_table *const *t = vt_tables(); *t; t++) {
        char *sql = table_sql(*t);
        if (!sql)
            return vt_fail(err, VT_EINTERNAL, "creating the schema: out of memory");
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        sqlite3_free(sql);
        if (rc != SQLITE_OK)
            goto fail;
    }
    return VT_OK;
fail:
    vt_fail(err, VT_EINTERNAL, "creating the schema: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return VT_EINTERNAL;
}

static vt_status (*const migrations[SCHEMA_VERSION])(sqlite3 *, vt_error *) = {
    migrate_to_1,
};

static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

vt_status vt_schema_init(sqlite3 *db, vt_error *err)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "cannot start the migration: %s", sqlite3_errmsg(db));
    int v = user_version(db);
    vt_status st = VT_OK;
    if (v < 0 || v > SCHEMA_VERSION)
        st = vt_fail(err, VT_EUSAGE,
                     "database schema version %d is newer than this vitals (%d): upgrade vitals",
                     v, SCHEMA_VERSION);
    for (; st == VT_OK && v < SCHEMA_VERSION; v++)
        st = migrations[v](db, err);
    if (st == VT_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            st = vt_fail(err, VT_EINTERNAL, "cannot commit the schema: %s", sqlite3_errmsg(db));
    }
    if (st != VT_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

vt_status vt_schema_check(sqlite3 *db, vt_error *err)
{
    int v = user_version(db);
    if (v == SCHEMA_VERSION)
        return VT_OK;
    if (v > SCHEMA_VERSION)
        return vt_fail(err, VT_EUSAGE, "database schema version %d is newer than this vitals (%d)",
                       v, SCHEMA_VERSION);
    return vt_fail(err, VT_EUSAGE, "%s: run `vitals init` first",
                   v == 0 ? "the database has no Vitals schema" : "the database schema is old");
}

static vt_status configure(sqlite3 *db, int readonly, vt_error *err)
{
    sqlite3_busy_timeout(db, 5000);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    /* The full checkpoint SQLite does when the last connection closes takes
     * an exclusive lock that a reader without a busy timeout (a BI tool)
     * sees as "database is locked"; vt_db_close checkpoints passively. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    const char *pragmas = readonly ? "PRAGMA query_only = 1;"
                                   : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                                     "PRAGMA journal_size_limit = 67108864;";
    char *msg = NULL;
    if (sqlite3_exec(db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        vt_fail(err, VT_EINTERNAL, "%s: %s", sqlite3_db_filename(db, "main"), msg);
        sqlite3_free(msg);
        return VT_EINTERNAL;
    }
    return VT_OK;
}

static vt_status open_with(const char *path, int flags, int readonly, sqlite3 **db, vt_error *err)
{
    *db = NULL;
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, flags, NULL);
    if (rc != SQLITE_OK) {
        vt_status st = vt_fail(err, rc == SQLITE_CANTOPEN ? VT_EUSAGE : VT_EINTERNAL,
                               "%s: cannot open database: %s", path,
                               h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return st;
    }
    sqlite3_extended_result_codes(h, 1);
    vt_status st = configure(h, readonly, err);
    if (st != VT_OK) {
        sqlite3_close(h);
        return st;
    }
    *db = h;
    return VT_OK;
}

vt_status vt_db_open(const char *path, sqlite3 **db, vt_error *err)
{
    return open_with(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0, db, err);
}

vt_status vt_db_open_readonly(const char *path, sqlite3 **db, vt_error *err)
{
    return open_with(path, SQLITE_OPEN_READONLY, 1, db, err);
}

void vt_db_close(sqlite3 *db)
{
    if (!db)
        return;
    if (!sqlite3_db_readonly(db, "main")) {
        sqlite3_exec(db, "PRAGMA optimize", NULL, NULL, NULL);
        /* copy the WAL into the database file without blocking readers, so
         * that the file alone (a backup with cp) holds everything written */
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    sqlite3_close(db);
}
