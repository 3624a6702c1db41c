/*
 * custmap.c - open-addressing hash map from customer id to integer key.
 */
#include <stdlib.h>
#include <string.h>

#include "custmap.h"

typedef struct slot {
    char *id;        /* NULL: empty */
    int64_t key;
    int known;
} slot;

struct vt_custmap {
    sqlite3 *db;
    sqlite3_stmt *insert;
    slot *slots;
    size_t cap, used;   /* cap is a power of two */
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static slot *find(vt_custmap *m, const char *id)
{
    size_t i = (size_t)hash(id) & (m->cap - 1);
    while (m->slots[i].id && strcmp(m->slots[i].id, id) != 0)
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

static int grow(vt_custmap *m)
{
    slot *old = m->slots;
    size_t old_cap = m->cap;
    m->cap = old_cap ? old_cap * 2 : 1024;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        m->cap = old_cap;
        return -1;
    }
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].id)
            *find(m, old[i].id) = old[i];
    free(old);
    return 0;
}

static slot *put(vt_custmap *m, const char *id, int64_t key, int known)
{
    if ((m->used + 1) * 2 > m->cap && grow(m))
        return NULL;
    slot *s = find(m, id);
    if (!s->id) {
        if (!(s->id = strdup(id)))
            return NULL;
        m->used++;
    }
    s->key = key;
    s->known = known;
    return s;
}

vt_custmap *vt_custmap_open(sqlite3 *db)
{
    vt_custmap *m = calloc(1, sizeof *m);
    sqlite3_stmt *st = NULL;
    if (!m || grow(m))
        goto fail;
    m->db = db;
    if (sqlite3_prepare_v2(db, "SELECT k.cust, k.customer_id, c.cust IS NOT NULL "
                               "FROM customer_keys k LEFT JOIN data_customers c USING (cust)",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (!put(m, (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 0),
                 sqlite3_column_int(st, 2)))
            goto fail;
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO customer_keys(customer_id) VALUES (?)", -1,
                           &m->insert, NULL) != SQLITE_OK)
        goto fail;
    return m;
fail:
    sqlite3_finalize(st);
    vt_custmap_free(m);
    return NULL;
}

void vt_custmap_free(vt_custmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].id);
    free(m->slots);
    sqlite3_finalize(m->insert);
    free(m);
}

int64_t vt_custmap_key(vt_custmap *m, const char *id, int *known)
{
    slot *s = find(m, id);
    if (!s->id) {
        sqlite3_bind_text(m->insert, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(m->insert);
        sqlite3_reset(m->insert);
        if (rc != SQLITE_DONE)
            return 0;
        if (!(s = put(m, id, sqlite3_last_insert_rowid(m->db), 0)))
            return 0;
    }
    *known = s->known;
    return s->key;
}

void vt_custmap_mark_known(vt_custmap *m, const char *id)
{
    slot *s = find(m, id);
    if (s->id)
        s->known = 1;
}
