/*
 * load_header.c - the header row of a CSV file: which header feeds which
 * column of the table (by name, any case, or --map COLUMN=HEADER), which
 * columns are extra (kept as JSON), the custom tables, and the INSERT /
 * upsert statements the rows will run.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load_internal.h"
#include "schema.h"

static int is_identifier(const char *s)
{
    if (!*s || isdigit((unsigned char)*s) || strncasecmp(s, "sqlite_", 7) == 0)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* Whether name is an index, view or trigger of the database (a table of
 * that name is a custom table loaded before). */
static int name_taken(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE "
                               "AND type <> 'table'", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int taken = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return taken;
}

/* Names a custom table may not take: our own storage and results. */
static int is_reserved(const char *name)
{
    static const char *const reserved[] = {"runs", "scores", "overrides", "customer_keys", NULL};
    if (strncasecmp(name, "data_", 5) == 0)
        return 1;
    for (int i = 0; reserved[i]; i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return 1;
    return 0;
}

vt_status load_check_custom_name(sqlite3 *db, const char *name, vt_error *err)
{
    if (!is_identifier(name) || is_reserved(name))
        return vt_fail(err, VT_EUSAGE,
                       "--table %s: a custom table name is letters, digits and _, not starting "
                       "with a digit, and not sqlite_*, data_*, runs, scores, overrides",
                       name);
    if (name_taken(db, name))
        return vt_fail(err, VT_EUSAGE, "--table %s: that name is already used by the database",
                       name);
    return VT_OK;
}

static vt_status prepare(loader *l, sqlite3_stmt **st, char *sql)
{
    int rc = sql ? sqlite3_prepare_v2(l->db, sql, -1, st, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return vt_fail(l->err, VT_EINTERNAL, "%s: preparing the load: %s", l->path,
                       sqlite3_errmsg(l->db));
    return VT_OK;
}

static vt_status setup_custom(loader *l, const char *name)
{
    sqlite3_stmt *info = NULL;
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q)", name);
    vt_status st = prepare(l, &info, sql);
    if (st != VT_OK)
        return st;
    int existing = 0, same = 1, rc;
    while ((rc = sqlite3_step(info)) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(info, 0);
        if (!col || existing >= l->nheader || strcmp(col, l->header[existing]) != 0)
            same = 0;
        existing++;
    }
    sqlite3_finalize(info);
    if (rc != SQLITE_DONE)
        return vt_fail(l->err, VT_EINTERNAL, "%s: reading table %s: %s", l->path, name,
                       sqlite3_errmsg(l->db));
    if (existing && (!same || existing != l->nheader))
        return vt_fail(l->err, VT_EINPUT,
                       "%s:1: the header differs from the columns of custom table %s", l->path,
                       name);

    sqlite3_str *create = sqlite3_str_new(l->db), *insert = sqlite3_str_new(l->db);
    sqlite3_str_appendf(create, "CREATE TABLE IF NOT EXISTS \"%w\" (", name);
    sqlite3_str_appendf(insert, "INSERT INTO \"%w\" VALUES (", name);
    for (int i = 0; i < l->nheader; i++) {
        sqlite3_str_appendf(create, "%s\"%w\" TEXT", i ? ", " : "", l->header[i]);
        sqlite3_str_appendf(insert, "%s?", i ? ", " : "");
    }
    sqlite3_str_appendf(create, ") STRICT");
    sqlite3_str_appendf(insert, ")");
    char *create_sql = sqlite3_str_finish(create);
    rc = create_sql ? sqlite3_exec(l->db, create_sql, NULL, NULL, NULL) : SQLITE_NOMEM;
    sqlite3_free(create_sql);
    if (rc != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(insert));
        return vt_fail(l->err, VT_EINTERNAL, "%s: creating table %s: %s", l->path, name,
                       sqlite3_errmsg(l->db));
    }
    return prepare(l, &l->insert, sqlite3_str_finish(insert));
}

/* The header name that feeds column col: its --map, else its own name. */
static const char *source_header(const loader *l, const char *col)
{
    for (int i = 0; l->opt && i < l->opt->n_maps; i++) {
        const char *m = l->opt->maps[i], *eq = strchr(m, '=');
        if (eq && (size_t)(eq - m) == strlen(col) && strncmp(m, col, strlen(col)) == 0)
            return eq + 1;
    }
    return col;
}

static int find_header(const loader *l, const char *name)
{
    for (int f = 0; f < l->nheader; f++)
        if (strcasecmp(l->header[f], name) == 0)
            return f;
    return -1;
}

static void list_headers(const loader *l, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int f = 0; f < l->nheader; f++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", f ? ", " : "", l->header[f]);
    }
}

/* Whether column c is stored by this load: present in the file, or a key
 * part that must be '' rather than NULL so that keys compare equal. */
int load_stored(const loader *l, int c)
{
    return l->header_of_col[c] >= 0 || (l->table->cols[c].flags & COL_KEY);
}

static vt_status setup_builtin(loader *l)
{
    const vt_table *t = l->table;
    char headers[1024];
    for (int f = 0; f < l->nheader; f++)
        l->col_of_field[f] = -1;
    for (int i = 0; l->opt && i < l->opt->n_maps; i++) {
        const char *m = l->opt->maps[i], *eq = strchr(m, '=');
        char col[128];
        snprintf(col, sizeof col, "%.*s", eq ? (int)(eq - m) : 0, m);
        if (!eq || vt_table_column(t, col) < 0)
            return vt_fail(l->err, VT_EUSAGE, "--map %s: %s is not a column of table %s", m,
                           eq ? col : "expected COLUMN=HEADER;", t->name);
        if (find_header(l, eq + 1) < 0) {
            list_headers(l, headers, sizeof headers);
            return vt_fail(l->err, VT_EINPUT, "%s:1: --map %s: no header \"%s\" (the header has: %s)",
                           l->path, m, eq + 1, headers);
        }
    }
    for (int c = 0; c < t->ncols; c++) {
        int f = find_header(l, source_header(l, t->cols[c].name));
        l->header_of_col[c] = f;
        if (f >= 0) {
            if (l->col_of_field[f] >= 0)
                return vt_fail(l->err, VT_EINPUT, "%s:1:%d: header %s feeds two columns",
                               l->path, f + 1, l->header[f]);
            l->col_of_field[f] = c;
        } else if (t->cols[c].flags & COL_REQUIRED) {
            list_headers(l, headers, sizeof headers);
            return vt_fail(l->err, VT_EINPUT,
                           "%s:1: missing required column %s (the header has: %s); "
                           "use --map %s=HEADER if it has another name",
                           l->path, t->cols[c].name, headers, t->cols[c].name);
        }
    }

    /* INSERT with the stored columns, the unknown ones as JSON in extra */
    sqlite3_str *ins = sqlite3_str_new(l->db), *upd = sqlite3_str_new(l->db);
    sqlite3_str *key = sqlite3_str_new(l->db), *cond = sqlite3_str_new(l->db);
    sqlite3_str_appendf(ins, "INSERT INTO data_%s (", t->name);
    int n = 0, nkey = 0, nupd = 0, nextra = 0;
    for (int c = 0; c < t->ncols; c++) {
        if (!load_stored(l, c))
            continue;
        const char *name = vt_column_store_name(&t->cols[c]);
        sqlite3_str_appendf(ins, "%s\"%w\"", n++ ? ", " : "", name);
        if (t->cols[c].flags & COL_KEY) {
            sqlite3_str_appendf(key, "%s\"%w\"", nkey ? ", " : "", name);
            sqlite3_str_appendf(cond, "%s\"%w\" = ?", nkey++ ? " AND " : "", name);
        } else {
            sqlite3_str_appendf(upd, "%s\"%w\" = excluded.\"%w\"", nupd++ ? ", " : "", name, name);
        }
    }
    sqlite3_str_appendf(ins, ", extra) VALUES (");
    for (int i = 0; i < n; i++)
        sqlite3_str_appendf(ins, "%s?", i ? ", " : "");
    /* SQLite functions take at most 127 arguments: unknown columns go into
     * json_object() calls of up to 60 pairs, merged by nested json_patch() */
    int nchunks = 0;
    for (int f = 0; f < l->nheader; f++) {
        if (l->col_of_field[f] >= 0)
            continue;
        if (nextra % 60 == 0)
            sqlite3_str_appendf(ins, nextra ? "), json_patch(json_object(" : ", json_patch(json_object(");
        else
            sqlite3_str_appendall(ins, ", ");
        sqlite3_str_appendall(ins, "?, ?");
        if (nextra++ % 60 == 0)
            nchunks++;
    }
    if (nextra) {
        sqlite3_str_appendall(ins, "), '{}'");
        for (int i = 0; i < nchunks; i++)
            sqlite3_str_appendall(ins, ")");
        sqlite3_str_appendall(ins, ")");
    } else {
        sqlite3_str_appendall(ins, ", NULL)");
    }
    if (nextra)
        sqlite3_str_appendf(upd, "%sextra = excluded.extra", nupd++ ? ", " : "");

    vt_status st = VT_OK;
    sqlite3_stmt *probe = NULL;
    l->bulk = 0;
    if (vt_schema_has_key_index(t)) {
        char *sql = sqlite3_mprintf("SELECT 1 FROM data_%s LIMIT 1", t->name);
        st = prepare(l, &probe, sql);
        int rc = st == VT_OK ? sqlite3_step(probe) : SQLITE_OK;
        if (st == VT_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
            st = vt_fail(l->err, VT_EINTERNAL, "%s: %s", l->path, sqlite3_errmsg(l->db));
        l->bulk = rc == SQLITE_DONE;
        sqlite3_finalize(probe);
    }
    char *keys = sqlite3_str_finish(key), *conds = sqlite3_str_finish(cond);
    char *updates = sqlite3_str_finish(upd);
    if (st == VT_OK && l->bulk) {
        char *drop = sqlite3_mprintf("DROP INDEX IF EXISTS data_%s_key", t->name);
        if (sqlite3_exec(l->db, drop, NULL, NULL, NULL) != SQLITE_OK)
            st = vt_fail(l->err, VT_EINTERNAL, "%s: %s", l->path, sqlite3_errmsg(l->db));
        sqlite3_free(drop);
    } else if (st == VT_OK) {
        sqlite3_str_appendf(ins, " ON CONFLICT (%s) DO %s%s", keys, nupd ? "UPDATE SET " : "NOTHING",
                            nupd ? updates : "");
        st = prepare(l, &l->exists,
                     sqlite3_mprintf("SELECT 1 FROM data_%s WHERE %s", t->name, conds));
    }
    sqlite3_free(keys);
    sqlite3_free(conds);
    sqlite3_free(updates);
    char *insert_sql = sqlite3_str_finish(ins);
    if (st != VT_OK) {
        sqlite3_free(insert_sql);
        return st;
    }
    return prepare(l, &l->insert, insert_sql);
}

vt_status load_setup_header(loader *l)
{
    l->nheader = l->nfields;
    l->header = calloc((size_t)l->nheader, sizeof *l->header);
    l->col_of_field = calloc((size_t)l->nheader, sizeof *l->col_of_field);
    if (!l->header || !l->col_of_field)
        return vt_fail(l->err, VT_EINTERNAL, "out of memory");
    for (int f = 0; f < l->nheader; f++) {
        const char *name = l->table ? load_trim(&l->fields[f]) : l->fields[f].data;
        if (!(l->header[f] = strdup(name)))
            return vt_fail(l->err, VT_EINTERNAL, "out of memory");
        if (!*name || memchr(l->fields[f].data, '\0', l->fields[f].len) ||
            !load_valid_utf8((const unsigned char *)name, strlen(name)))
            return vt_fail(l->err, VT_EINPUT, "%s:1:%d: header %d is empty or not valid text",
                           l->path, f + 1, f + 1);
        for (int g = 0; g < f; g++)
            if (strcasecmp(l->header[g], name) == 0)
                return vt_fail(l->err, VT_EINPUT, "%s:1:%d: header %s appears twice", l->path,
                               f + 1, name);
    }
    if (l->table)
        return setup_builtin(l);
    return setup_custom(l, l->sum->table);
}
