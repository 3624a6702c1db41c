/*
 * override.c - a CSM's manual band or score for a customer (SPEC §6): set,
 * clear and list the rows of `overrides`, and read the ones a run honours.
 *
 * An override is active for a run as of D when its `until` is NULL or
 * until >= D.  Its band and/or score replace the computed ones (score.c
 * applies them).  Bands are defined by rule files, so any name of the form
 * [a-z_]+ is accepted (red, yellow, green in the shipped rules).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "score.h"

int vt_band_name_valid(const char *band)
{
    size_t n = 0;
    if (!band)
        return 0;
    for (const char *p = band; *p; p++, n++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return 0;
    return n > 0 && n < 32;
}

void vt_utc_now(char buf[21])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* VT_OK when customer_id has a row in customers, VT_EINPUT when not. */
static vt_status check_customer(sqlite3 *db, const char *customer_id, vt_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM customers WHERE customer_id = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "looking up customer %s: %s", customer_id,
                       sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return VT_OK;
    if (rc == SQLITE_DONE)
        return vt_fail(err, VT_EINPUT, "%s: no such customer", customer_id);
    return vt_fail(err, VT_EINTERNAL, "looking up customer %s: %s", customer_id,
                   sqlite3_errmsg(db));
}

static vt_status validate(const vt_override *o, vt_error *err)
{
    vt_day day;
    if (!o->customer_id || !*o->customer_id)
        return vt_fail(err, VT_EUSAGE, "an override needs a customer id");
    if (!o->band && !o->has_score)
        return vt_fail(err, VT_EUSAGE, "an override needs a band or a score");
    if (o->band && !vt_band_name_valid(o->band))
        return vt_fail(err, VT_EUSAGE,
                       "band '%s': a band is a rule file's band name, lower-case letters "
                       "and _ (red, yellow, green in the shipped rules)", o->band);
    if (o->has_score && !(isfinite(o->score) && o->score >= 0 && o->score <= 100))
        return vt_fail(err, VT_EUSAGE, "score %g: a score is a number from 0 to 100", o->score);
    if (!o->reason || !o->reason[strspn(o->reason, " \t\r\n")])
        return vt_fail(err, VT_EUSAGE, "an override needs a reason (--reason TEXT)");
    if (o->until && vt_date_parse(o->until, &day))
        return vt_fail(err, VT_EUSAGE, "until %s: expected a calendar date YYYY-MM-DD", o->until);
    return VT_OK;
}

vt_status vt_override_set(sqlite3 *db, const vt_override *o, vt_error *err)
{
    vt_status st = validate(o, err);
    if (st == VT_OK)
        st = check_customer(db, o->customer_id, err);
    if (st != VT_OK)
        return st;
    char now[21];
    vt_utc_now(now);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO overrides(customer_id, band, score, reason, author,"
                           " created_at, until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                           " ON CONFLICT(customer_id) DO UPDATE SET band = excluded.band,"
                           " score = excluded.score, reason = excluded.reason,"
                           " author = excluded.author, created_at = excluded.created_at,"
                           " until = excluded.until",
                           -1, &q, NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "setting the override: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, o->customer_id, -1, SQLITE_STATIC);
    if (o->band)
        sqlite3_bind_text(q, 2, o->band, -1, SQLITE_STATIC);
    if (o->has_score)
        sqlite3_bind_double(q, 3, o->score);
    sqlite3_bind_text(q, 4, o->reason, -1, SQLITE_STATIC);
    if (o->author && *o->author)
        sqlite3_bind_text(q, 5, o->author, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
    if (o->until)
        sqlite3_bind_text(q, 7, o->until, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return vt_fail(err, VT_EINTERNAL, "setting the override: %s", sqlite3_errmsg(db));
    return VT_OK;
}

vt_status vt_override_clear(sqlite3 *db, const char *customer_id, int *removed, vt_error *err)
{
    *removed = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "DELETE FROM overrides WHERE customer_id = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "clearing the override: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, customer_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return vt_fail(err, VT_EINTERNAL, "clearing the override: %s", sqlite3_errmsg(db));
    *removed = sqlite3_changes(db) > 0;
    if (*removed)
        return VT_OK;
    /* nothing to clear: say whether the id is a typo */
    return check_customer(db, customer_id, err);
}

static const char *column_text(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* Fill o from a row of (customer_id, band, score, reason, author,
 * created_at, until); the strings point into the statement's row. */
static void read_override(sqlite3_stmt *q, vt_override *o)
{
    memset(o, 0, sizeof *o);
    o->customer_id = column_text(q, 0);
    o->band = column_text(q, 1);
    o->has_score = sqlite3_column_type(q, 2) != SQLITE_NULL;
    o->score = sqlite3_column_double(q, 2);
    o->reason = column_text(q, 3);
    o->author = column_text(q, 4);
    o->created_at = column_text(q, 5);
    o->until = column_text(q, 6);
}

#define OVERRIDE_COLUMNS "customer_id, band, score, reason, author, created_at, until"

vt_status vt_override_list(sqlite3 *db, vt_day as_of, vt_override_fn fn, void *ctx,
                           vt_error *err)
{
    char day[11];
    vt_date_format(as_of, day);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT " OVERRIDE_COLUMNS ", until IS NULL OR until >= ?1"
                           " FROM overrides ORDER BY customer_id",
                           -1, &q, NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "listing overrides: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        vt_override o;
        read_override(q, &o);
        if (fn(ctx, &o, sqlite3_column_int(q, 7)))
            break;
    }
    vt_status st = rc == SQLITE_ROW || rc == SQLITE_DONE
                       ? VT_OK
                       : vt_fail(err, VT_EINTERNAL, "listing overrides: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return st;
}

/* ---------------------------------------------------------------- active set */

struct vt_active_overrides {
    int n, cap;
    vt_override *items;     /* sorted by customer_id; strings malloc'ed */
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void free_override(vt_override *o)
{
    free((char *)o->customer_id);
    free((char *)o->band);
    free((char *)o->reason);
    free((char *)o->author);
    free((char *)o->created_at);
    free((char *)o->until);
}

void vt_overrides_free(vt_active_overrides *set)
{
    if (!set)
        return;
    for (int i = 0; i < set->n; i++)
        free_override(&set->items[i]);
    free(set->items);
    free(set);
}

/* Append a copy of o; -1 when out of memory. */
static int push_copy(vt_active_overrides *set, const vt_override *o)
{
    if (set->n == set->cap) {
        int cap = set->cap ? set->cap * 2 : 16;
        vt_override *items = realloc(set->items, (size_t)cap * sizeof *items);
        if (!items)
            return -1;
        set->items = items;
        set->cap = cap;
    }
    vt_override *c = &set->items[set->n];
    *c = *o;
    c->customer_id = dup_or_null(o->customer_id);
    c->band = dup_or_null(o->band);
    c->reason = dup_or_null(o->reason);
    c->author = dup_or_null(o->author);
    c->created_at = dup_or_null(o->created_at);
    c->until = dup_or_null(o->until);
    set->n++;
    if (!c->customer_id || (o->band && !c->band) || (o->reason && !c->reason) ||
        (o->author && !c->author) || (o->created_at && !c->created_at) ||
        (o->until && !c->until))
        return -1;
    return 0;
}

vt_status vt_overrides_load_active(sqlite3 *db, vt_day as_of, vt_active_overrides **out,
                                   vt_error *err)
{
    *out = NULL;
    char day[11];
    vt_date_format(as_of, day);
    vt_active_overrides *set = calloc(1, sizeof *set);
    if (!set)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT " OVERRIDE_COLUMNS " FROM overrides"
                           " WHERE until IS NULL OR until >= ?1 ORDER BY customer_id",
                           -1, &q, NULL) != SQLITE_OK) {
        vt_overrides_free(set);
        return vt_fail(err, VT_EINTERNAL, "reading overrides: %s", sqlite3_errmsg(db));
    }
    sqlite3_bind_text(q, 1, day, -1, SQLITE_STATIC);
    vt_status st = VT_OK;
    int rc = SQLITE_DONE;
    while (st == VT_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        vt_override o;
        read_override(q, &o);
        if (push_copy(set, &o))
            st = vt_fail(err, VT_EINTERNAL, "out of memory");
    }
    if (st == VT_OK && rc != SQLITE_DONE)
        st = vt_fail(err, VT_EINTERNAL, "reading overrides: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    if (st != VT_OK) {
        vt_overrides_free(set);
        return st;
    }
    *out = set;
    return VT_OK;
}

const vt_override *vt_overrides_find(const vt_active_overrides *set, const char *customer_id)
{
    int lo = 0, hi = set ? set->n - 1 : -1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(set->items[mid].customer_id, customer_id);
        if (c == 0)
            return &set->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}
