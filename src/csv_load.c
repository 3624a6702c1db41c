/*
 * csv_load.c - streams one CSV file through libcsv into its table, in one
 * transaction, so that every row is either loaded or written to
 * FILE.rejects.csv with the reason (SPEC §2).
 *
 * The file is read in fixed blocks and fed to libcsv up to each newline, so
 * memory stays flat however large the file is and every row knows the line
 * it started on.  Built-in tables are validated column by column against
 * tables.c and upserted on their natural key; a first load into an empty
 * table inserts without the key index and builds it afterwards, which is
 * several times faster for the large tables.  Other table names load as
 * custom all-TEXT tables (SPEC §2, "Custom tables").  The header row and the
 * statements it leads to are load_header.c's.
 */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csv_out.h"
#include "load_internal.h"
#include "load_limits.h"
#include "schema.h"


/* ------------------------------------------------------------------ rows */

static int field_append(field *f, const char *s, size_t len)
{
    if (len + 1 > f->cap) {
        size_t cap = f->cap ? f->cap : 64;
        while (cap < len + 1)
            cap *= 2;
        char *p = realloc(f->data, cap);
        if (!p)
            return -1;
        f->data = p;
        if (!(p = realloc(f->trimmed, cap)))
            return -1;
        f->trimmed = p;
        f->cap = cap;
    }
    memcpy(f->data, s, len);
    f->data[len] = '\0';
    f->len = len;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    loader *l = data;
    if (l->status != VT_OK)
        return;
    if (l->nfields == LOAD_MAX_COLUMNS) {
        l->status = vt_fail(l->err, VT_EINPUT, "%s:%ld: more than %d columns", l->path,
                            l->row_line, LOAD_MAX_COLUMNS);
        return;
    }
    if (l->nfields == l->cap_fields) {
        int cap = l->cap_fields ? l->cap_fields * 2 : 16;
        field *f = realloc(l->fields, (size_t)cap * sizeof *f);
        if (!f) {
            l->status = vt_fail(l->err, VT_EINTERNAL, "out of memory");
            return;
        }
        memset(f + l->cap_fields, 0, (size_t)(cap - l->cap_fields) * sizeof *f);
        l->fields = f;
        l->cap_fields = cap;
    }
    if (field_append(&l->fields[l->nfields++], s ? s : "", s ? len : 0))
        l->status = vt_fail(l->err, VT_EINTERNAL, "out of memory");
}

int load_valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                  : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0 || (extra == 1 && c < 0xC2) || i + (size_t)extra >= n + (extra == 0))
            return 0;
        uint32_t cp = extra == 0 ? c : extra == 1 ? c & 0x1F : extra == 2 ? c & 0x0F : c & 0x07;
        for (int k = 1; k <= extra; k++) {
            if (i + (size_t)k >= n || (s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += (size_t)extra + 1;
    }
    return 1;
}

/* The value without surrounding spaces and tabs (the original is kept
 * for the rejects file). */
const char *load_trim(field *f)
{
    const char *s = f->data, *e = f->data + f->len;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    memcpy(f->trimmed, s, (size_t)(e - s));
    f->trimmed[e - s] = '\0';
    return f->trimmed;
}

static const char *column_label(const loader *l, int field_index)
{
    return field_index < l->nheader ? l->header[field_index] : "?";
}

/* Write the row, unchanged, to FILE.rejects.csv with its error; report it. */
static void reject(loader *l, int field_index, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reject(loader *l, int field_index, const char *fmt, ...)
{
    char what[600], msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (field_index >= 0)
        snprintf(msg, sizeof msg, "line %ld: column %s: %s", l->row_line,
                 column_label(l, field_index), what);
    else
        snprintf(msg, sizeof msg, "line %ld: %s", l->row_line, what);
    l->sum->rejected++;
    if (l->opt && l->opt->on_reject)
        l->opt->on_reject(l->opt->ctx, l->path, l->row_line, field_index + 1, msg + strlen("line "));

    if (!l->rejects) {
        l->rejects = fopen(l->sum->rejects_path, "w");
        if (!l->rejects) {
            l->status = vt_fail(l->err, VT_EINTERNAL, "%s: cannot write rejects: %s",
                                l->sum->rejects_path, strerror(errno));
            return;
        }
        for (int i = 0; i < l->nheader; i++)
            vt_csv_field(l->rejects, l->header[i], i == 0);
        vt_csv_field(l->rejects, "error", l->nheader == 0);
        fputc('\n', l->rejects);
    }
    for (int i = 0; i < l->nfields; i++)
        vt_csv_field_n(l->rejects, l->fields[i].data, l->fields[i].len, i == 0);
    vt_csv_field(l->rejects, msg, l->nfields == 0);
    fputc('\n', l->rejects);
}

static int bind_cell(sqlite3_stmt *st, int i, const vt_cell *c)
{
    switch (c->type) {
    case VT_INT: return sqlite3_bind_int64(st, i, c->i);
    case VT_REAL: return sqlite3_bind_double(st, i, c->r);
    case VT_TEXT: return sqlite3_bind_text(st, i, c->s, -1, SQLITE_TRANSIENT);
    default: return sqlite3_bind_null(st, i);
    }
}

static void db_fail(loader *l, const char *what)
{
    l->status = vt_fail(l->err, VT_EINTERNAL, "%s:%ld: %s: %s", l->path, l->row_line, what,
                        sqlite3_errmsg(l->db));
}

static void load_custom_row(loader *l)
{
    int rc = SQLITE_OK;
    for (int i = 0; i < l->nfields && rc == SQLITE_OK; i++)
        rc = sqlite3_bind_text(l->insert, i + 1, l->fields[i].data, (int)l->fields[i].len,
                               SQLITE_TRANSIENT);
    if (rc != SQLITE_OK || sqlite3_step(l->insert) != SQLITE_DONE)
        db_fail(l, "insert");
    else
        l->sum->inserted++;
    sqlite3_reset(l->insert);
}

static void load_row(loader *l)
{
    const vt_table *t = l->table;
    char msg[512];
    for (int c = 0; c < t->ncols; c++) {
        int f = l->header_of_col[c];
        if (f < 0) {
            /* an absent key part is '' so that keys still compare equal */
            l->cells[c].type = (t->cols[c].flags & COL_KEY) ? VT_TEXT : VT_NIL;
            l->cells[c].s = "";
            continue;
        }
        if (vt_validate(&t->cols[c], load_trim(&l->fields[f]), &l->cells[c], msg, sizeof msg)) {
            reject(l, f, "%s", msg);
            return;
        }
    }
    int bad = t->check ? t->check(t, l->cells, msg, sizeof msg) : -1;
    if (bad >= 0) {
        if (l->header_of_col[bad] >= 0)
            reject(l, l->header_of_col[bad], "%s", msg);
        else
            reject(l, -1, "column %s (not in the file): %s", t->cols[bad].name, msg);
        return;
    }

    int param = 1, key_param = 1, known = 1, rc = SQLITE_OK;
    for (int c = 0; c < t->ncols; c++) {
        if (!load_stored(l, c))
            continue;
        const vt_column *col = &t->cols[c];
        vt_cell cell = l->cells[c];
        if (col->kind == K_CUSTOMER) {
            int64_t key = vt_custmap_key(l->customers, cell.s, &known);
            if (!key) {
                db_fail(l, "customer key");
                return;
            }
            if (l->table == vt_table_find("customers")) {
                vt_custmap_mark_known(l->customers, cell.s);
                known = 1;
            }
            cell.type = VT_INT;
            cell.i = key;
        }
        rc |= bind_cell(l->insert, param++, &cell);
        if ((col->flags & COL_KEY) && l->exists)
            rc |= bind_cell(l->exists, key_param++, &cell);
    }
    for (int f = 0; f < l->nfields; f++) {
        if (l->col_of_field[f] >= 0)
            continue;
        rc |= sqlite3_bind_text(l->insert, param++, l->header[f], -1, SQLITE_STATIC);
        rc |= sqlite3_bind_text(l->insert, param++, load_trim(&l->fields[f]), -1, SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) {
        db_fail(l, "bind");
        return;
    }

    int existed = 0;
    if (l->exists) {
        rc = sqlite3_step(l->exists);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            db_fail(l, "lookup");
            return;
        }
        existed = rc == SQLITE_ROW;
        sqlite3_reset(l->exists);
    }
    if (sqlite3_step(l->insert) != SQLITE_DONE) {
        db_fail(l, "insert");
        sqlite3_reset(l->insert);
        return;
    }
    sqlite3_reset(l->insert);
    if (existed)
        l->sum->updated++;
    else
        l->sum->inserted++;
    if (!known)
        l->sum->unknown_customers++;
}

static void on_row(int term, void *data)
{
    loader *l = data;
    (void)term;
    l->row_open = 0;
    if (l->status != VT_OK)
        goto done;
    if (!l->header) {
        l->status = load_setup_header(l);
        goto done;
    }
    l->sum->read++;
    if (l->nfields != l->nheader) {
        reject(l, -1, "expected %d fields (as in the header), found %d", l->nheader, l->nfields);
        goto done;
    }
    for (int i = 0; i < l->nfields; i++) {
        const field *f = &l->fields[i];
        if (memchr(f->data, '\0', f->len)) {
            reject(l, i, "contains a NUL byte");
            goto done;
        }
        if (!load_valid_utf8((const unsigned char *)f->data, f->len)) {
            reject(l, i, "is not valid UTF-8");
            goto done;
        }
        if (f->len > LOAD_MAX_FIELD) {
            reject(l, i, "field of %zu bytes is longer than the %d-byte limit", f->len,
                   LOAD_MAX_FIELD);
            goto done;
        }
    }
    if (l->table)
        load_row(l);
    else
        load_custom_row(l);
done:
    l->nfields = 0;
    l->row_bytes = 0;
}

/* ------------------------------------------------------------------ file */

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

static int blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != '\r' && *p != '\n')
            return 0;
    return 1;
}

/* Feed the file to libcsv one line (or block) at a time, counting lines. */
static void feed(loader *l, FILE *in)
{
    enum { BLOCK = 65536 };
    char *buf = malloc(BLOCK);
    size_t n;
    if (!buf) {
        l->status = vt_fail(l->err, VT_EINTERNAL, "out of memory");
        return;
    }
    int first = 1;
    l->line = 1;
    while (l->status == VT_OK && (n = fread(buf, 1, BLOCK, in)) > 0) {
        char *p = buf, *end = buf + n;
        if (first && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            p += 3;
        first = 0;
        while (p < end && l->status == VT_OK) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            char *stop = nl ? nl + 1 : end;
            if (!l->row_open && !blank(p, stop)) {
                l->row_open = 1;
                l->row_line = l->line;
            }
            l->row_bytes += (size_t)(stop - p);
            if (l->row_bytes > LOAD_MAX_ROW) {
                l->status = vt_fail(l->err, VT_EINPUT,
                                    "%s:%ld: row longer than %d bytes (an unterminated quote?)",
                                    l->path, l->row_line, LOAD_MAX_ROW);
                break;
            }
            if (csv_parse(&l->parser, p, (size_t)(stop - p), on_field, on_row, l) !=
                (size_t)(stop - p)) {
                l->status = vt_fail(l->err, VT_EINPUT, "%s:%ld: %s", l->path, l->line,
                                    csv_strerror(csv_error(&l->parser)));
                break;
            }
            if (nl)
                l->line++;
            p = stop;
        }
    }
    free(buf);
    if (l->status != VT_OK)
        return;
    if (ferror(in)) {
        l->status = vt_fail(l->err, VT_EINPUT, "%s: read error: %s", l->path, strerror(errno));
        return;
    }
    /* libcsv only reports an unclosed quote at the end in its strict mode,
     * which also refuses stray quotes inside unquoted fields (common in real
     * exports); so look at its state: 2 is FIELD_BEGUN in libcsv.c. */
    if (l->parser.pstate == 2 && l->parser.quoted) {
        l->status = vt_fail(l->err, VT_EINPUT,
                            "%s:%ld: unterminated quoted field: the quote opened on this row "
                            "is never closed",
                            l->path, l->row_line);
        return;
    }
    if (csv_fini(&l->parser, on_field, on_row, l) != 0 && l->status == VT_OK)
        l->status = vt_fail(l->err, VT_EINPUT, "%s:%ld: %s", l->path, l->row_line,
                            csv_strerror(csv_error(&l->parser)));
}

/* After a bulk insert, build the key index; duplicates within the file are
 * updates where the last row wins. */
static void finish_bulk(loader *l)
{
    char *index = vt_schema_key_index_sql(l->table);
    if (!index) {
        l->status = vt_fail(l->err, VT_EINTERNAL, "%s: out of memory", l->path);
        return;
    }
    int rc = sqlite3_exec(l->db, index, NULL, NULL, NULL);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT) {
        sqlite3_str *dedupe = sqlite3_str_new(l->db), *keys = sqlite3_str_new(l->db);
        for (int c = 0, n = 0; c < l->table->ncols; c++)
            if (l->table->cols[c].flags & COL_KEY)
                sqlite3_str_appendf(keys, "%s\"%w\"", n++ ? ", " : "",
                                    vt_column_store_name(&l->table->cols[c]));
        char *k = sqlite3_str_finish(keys);
        sqlite3_str_appendf(dedupe,
                            "DELETE FROM data_%s WHERE rowid NOT IN "
                            "(SELECT max(rowid) FROM data_%s GROUP BY %s)",
                            l->table->name, l->table->name, k);
        sqlite3_free(k);
        char *sql = sqlite3_str_finish(dedupe);
        rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
        sqlite3_free(sql);
        if (rc == SQLITE_OK) {
            long long dups = sqlite3_changes(l->db);
            l->sum->updated += dups;
            l->sum->inserted -= dups;
            rc = sqlite3_exec(l->db, index, NULL, NULL, NULL);
        }
    }
    sqlite3_free(index);
    if (rc != SQLITE_OK)
        l->status = vt_fail(l->err, VT_EINTERNAL, "%s: building the key index: %s", l->path,
                            sqlite3_errmsg(l->db));
}

static void rejects_path_for(const char *path, char *out, size_t len)
{
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".csv") == 0)
        n -= 4;
    snprintf(out, len, "%.*s.rejects.csv", (int)n, path);
}

static void table_name_for(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strchr(base, '.');
    snprintf(out, len, "%.*s", dot ? (int)(dot - base) : (int)strlen(base), base);
}

static void loader_free(loader *l)
{
    for (int i = 0; i < l->cap_fields; i++) {
        free(l->fields[i].data);
        free(l->fields[i].trimmed);
    }
    free(l->fields);
    for (int i = 0; l->header && i < l->nheader; i++)
        free(l->header[i]);
    free(l->header);
    free(l->col_of_field);
    sqlite3_finalize(l->insert);
    sqlite3_finalize(l->exists);
    vt_custmap_free(l->customers);
    csv_free(&l->parser);
}

vt_status vt_load_file(sqlite3 *db, const char *path, const vt_load_options *opt,
                       vt_load_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    if (opt && opt->table)
        snprintf(sum->table, sizeof sum->table, "%s", opt->table);
    else
        table_name_for(path, sum->table, sizeof sum->table);
    loader l = {.db = db, .path = path, .opt = opt, .sum = sum, .err = err};
    l.table = vt_table_find(sum->table);
    if (l.table)
        snprintf(sum->table, sizeof sum->table, "%s", l.table->name);
    if (!l.table && !(opt && opt->table))
        return vt_fail(err, VT_EINPUT,
                       "%s: no table named %s (tables: customers, subscriptions, usage, features, "
                       "adoption, surveys, tickets, engagement, spend); use --table NAME to load "
                       "it as a custom table",
                       path, sum->table);
    if (!l.table && opt && opt->n_maps)
        return vt_fail(err, VT_EUSAGE, "--map applies to the built-in tables only");
    vt_status named = l.table ? VT_OK : load_check_custom_name(db, sum->table, err);
    if (named != VT_OK)
        return named;

    FILE *in = fopen(path, "rb");
    if (!in)
        return vt_fail(err, VT_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    rejects_path_for(path, sum->rejects_path, sizeof sum->rejects_path);
    if (csv_init(&l.parser, CSV_APPEND_NULL | CSV_STRICT_FINI) != 0) {
        fclose(in);
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    }
    csv_set_space_func(&l.parser, never_space);
    /* libcsv grows a field's buffer by this much at a time: its default of
     * 128 bytes makes long fields quadratic where realloc copies */
    csv_set_blk_size(&l.parser, 1 << 20);

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        l.status = vt_fail(err, VT_EINTERNAL, "%s: cannot load into %s: %s", path,
                           sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
    } else if (l.table && !(l.customers = vt_custmap_open(db))) {
        l.status = vt_fail(err, VT_EINTERNAL, "%s: reading customer keys: %s", path,
                           sqlite3_errmsg(db));
    }
    if (l.status == VT_OK) {
        unlink(sum->rejects_path);
        feed(&l, in);
    }
    if (l.status == VT_OK && !l.header)
        l.status = vt_fail(err, VT_EINPUT, "%s:1: empty file: expected a header row", path);
    if (l.status == VT_OK && l.bulk)
        finish_bulk(&l);
    if (l.rejects && fclose(l.rejects) != 0 && l.status == VT_OK)
        l.status = vt_fail(err, VT_EINTERNAL, "%s: writing rejects: %s", sum->rejects_path,
                           strerror(errno));
    l.rejects = NULL;
    fclose(in);
    loader_free(&l);

    if (l.status == VT_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        l.status = vt_fail(err, VT_EINTERNAL, "%s: commit: %s", path, sqlite3_errmsg(db));
    if (l.status != VT_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        unlink(sum->rejects_path);
        sum->inserted = sum->updated = sum->rejected = sum->unknown_customers = 0;
        sum->rejects_path[0] = '\0';
        return l.status;
    }
    if (!sum->rejected)
        sum->rejects_path[0] = '\0';
    return sum->rejected ? VT_EPARTIAL : VT_OK;
}
