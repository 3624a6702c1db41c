/*
 * rules_sql.c - rule-defined indicators: each `indicator "name" [[SQL]]`
 * runs once per run and becomes a column of the indicator table.
 *
 * The SQL must return two columns, customer_id and the value, one row per
 * customer; :as_of is bound to the run's date ('YYYY-MM-DD').  It runs
 * under an authorizer that allows reading only: SELECT, recursive CTEs,
 * functions other than the denied_functions, and reads of any table but
 * the hidden_tables and SQLite's own sqlite_* tables.  Everything else
 * (writes, ATTACH, PRAGMA, transactions, DDL) is refused when the statement
 * is prepared.  A progress handler stops a query after SQL_SECONDS, and
 * values are limited to SQL_MAX_LENGTH bytes while it runs.  The authorizer,
 * progress handler and length limit are restored on every exit path.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rules_internal.h"

#define SQL_SECONDS 30
#define SQL_MAX_LENGTH (16 << 20)

/* A rule file does not read past runs, stored scores or overrides. */
static const char *const hidden_tables[] = {"runs", "scores", "overrides", NULL};
static const char *const denied_functions[] = {"load_extension", "fts3_tokenizer", NULL};

static int listed(const char *const *list, const char *name)
{
    for (int i = 0; name && list[i]; i++)
        if (strcasecmp(list[i], name) == 0)
            return 1;
    return 0;
}

static int authorize(void *ud, int action, const char *a, const char *b, const char *db,
                     const char *inner)
{
    (void)ud;
    (void)db;
    (void)inner;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_READ:   /* a: table, b: column */
        return a && (strncasecmp(a, "sqlite_", 7) == 0 || listed(hidden_tables, a))
                   ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_FUNCTION:   /* b: function */
        return listed(denied_functions, b) ? SQLITE_DENY : SQLITE_OK;
    default:
        return SQLITE_DENY;
    }
}

static int past_deadline(void *ud)
{
    return time(NULL) > *(const time_t *)ud;
}

/* Run one indicator's statement into column col. */
static vt_status fill_column(vt_rules *r, const rule_indicator *ri, sqlite3_stmt *stmt,
                             vt_indicators *ind, int col, vt_error *err)
{
    int rows = vt_indicators_rows(ind);
    char *seen = calloc(rows > 0 ? (size_t)rows : 1, 1);
    if (!seen)
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", r->path);
    vt_status st = VT_OK;
    int rc;
    while (st == VT_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(stmt, 0);
        if (!id) {
            st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": a row has no customer_id "
                         "(the first column)", r->path, ri->line, ri->name);
            break;
        }
        int row = vt_indicators_find_row(ind, id);
        if (row < 0)
            continue;   /* not active at as_of */
        if (seen[row]++) {
            st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": customer %s has more than "
                         "one row (GROUP BY customer_id)", r->path, ri->line, ri->name, id);
            break;
        }
        vt_value v = {VT_NIL, {0}};
        switch (sqlite3_column_type(stmt, 1)) {
        case SQLITE_INTEGER:
            v.type = VT_INT;
            v.u.i = sqlite3_column_int64(stmt, 1);
            break;
        case SQLITE_FLOAT:
            v.type = VT_REAL;
            v.u.r = sqlite3_column_double(stmt, 1);
            break;
        case SQLITE_TEXT:
            v.type = VT_TEXT;
            v.u.s = (const char *)sqlite3_column_text(stmt, 1);
            break;
        case SQLITE_NULL:
            break;
        default:
            st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": the value of customer %s "
                         "is a blob", r->path, ri->line, ri->name, id);
            continue;
        }
        if (vt_indicators_set(ind, row, col, &v) != 0)
            st = vt_fail(err, VT_EINTERNAL, "%s: out of memory", r->path);
    }
    if (st == VT_OK && rc != SQLITE_DONE)
        st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": %s", r->path, ri->line, ri->name,
                     rc == SQLITE_INTERRUPT ? "stopped: the query ran longer than 30 s"
                                            : sqlite3_errmsg(sqlite3_db_handle(stmt)));
    free(seen);
    return st;
}

/* Prepare ri's SQL: one read-only statement of two columns whose only
 * parameter is :as_of. */
static vt_status prepare(vt_rules *r, const rule_indicator *ri, sqlite3 *db, const char *as_of,
                         sqlite3_stmt **out, vt_error *err)
{
    const char *tail = NULL;
    sqlite3_stmt *stmt = NULL, *extra = NULL;
    *out = NULL;
    if (sqlite3_prepare_v2(db, ri->sql, -1, &stmt, &tail) != SQLITE_OK)
        return vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": %s", r->path, ri->line,
                       ri->name, sqlite3_errmsg(db));
    if (!stmt)
        return vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": no SQL statement", r->path,
                       ri->line, ri->name);
    vt_status st = VT_OK;
    if (tail && *tail && (sqlite3_prepare_v2(db, tail, -1, &extra, NULL) != SQLITE_OK || extra))
        st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": only one SQL statement is "
                     "allowed", r->path, ri->line, ri->name);
    else if (!sqlite3_stmt_readonly(stmt))
        st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": the SQL must only read",
                     r->path, ri->line, ri->name);
    else if (sqlite3_column_count(stmt) != 2)
        st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": the query returns %d columns; "
                     "it must return 2 (customer_id, value)", r->path, ri->line, ri->name,
                     sqlite3_column_count(stmt));
    for (int i = 1; st == VT_OK && i <= sqlite3_bind_parameter_count(stmt); i++) {
        const char *name = sqlite3_bind_parameter_name(stmt, i);
        if (!name || strcmp(name, ":as_of") != 0)
            st = vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": unknown parameter %s; only "
                         ":as_of is bound", r->path, ri->line, ri->name, name ? name : "?");
        else if (sqlite3_bind_text(stmt, i, as_of, -1, SQLITE_TRANSIENT) != SQLITE_OK)
            st = vt_fail(err, VT_EINTERNAL, "%s: %s", r->path, sqlite3_errmsg(db));
    }
    sqlite3_finalize(extra);
    if (st != VT_OK) {
        sqlite3_finalize(stmt);
        return st;
    }
    *out = stmt;
    return VT_OK;
}

static vt_status compute_one(vt_rules *r, const rule_indicator *ri, sqlite3 *db,
                             vt_indicators *ind, vt_error *err)
{
    char as_of[11];
    vt_date_format(vt_indicators_as_of(ind), as_of);
    if (vt_indicators_find(ind, ri->name) >= 0)
        return vt_fail(err, VT_EINPUT, "%s:%d: indicator \"%s\": the indicator table already has "
                       "a column of that name", r->path, ri->line, ri->name);
    sqlite3_stmt *stmt;
    vt_status st = prepare(r, ri, db, as_of, &stmt, err);
    if (st != VT_OK)
        return st;
    int col = vt_indicators_add_column(ind, ri->name);
    st = col < 0 ? vt_fail(err, VT_EINTERNAL, "%s: out of memory", r->path)
                 : fill_column(r, ri, stmt, ind, col, err);
    sqlite3_finalize(stmt);
    return st;
}

vt_status vt_rules_compute_indicators(vt_rules *r, sqlite3 *db, vt_indicators *ind,
                                      vt_error *err)
{
    if (r->n_indicators == 0)
        return VT_OK;
    time_t deadline = 0;
    int old_length = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, SQL_MAX_LENGTH);
    sqlite3_set_authorizer(db, authorize, NULL);
    vt_status st = VT_OK;
    for (int i = 0; i < r->n_indicators && st == VT_OK; i++) {
        deadline = time(NULL) + SQL_SECONDS;
        sqlite3_progress_handler(db, 10000, past_deadline, &deadline);
        st = compute_one(r, &r->indicators[i], db, ind, err);
    }
    sqlite3_progress_handler(db, 0, NULL, NULL);
    sqlite3_set_authorizer(db, NULL, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, old_length);
    return st;
}
