/*
 * explain.c - how one customer's score in one run came about: each measure's
 * indicator value, 0-100 score, weight and contribution (and which were left
 * out for lack of data), coverage, flags with reasons, the band (forced by a
 * flag? overridden by a CSM?), the change since the previous score, and the
 * one measure that would raise the score most if brought to 100.
 *
 * Everything is read from the stored run with SQLite's JSON functions
 * (json_each over scores.measures and scores.flags); the JSON form is built
 * by SQLite too (json_object / json_group_array), from the same queries as
 * the C structure, so the two always agree.
 *
 * The "biggest lever": for a measure counted in the score,
 *     gain = (100 - score_i) * w_i / W          (W: the sum of used weights)
 * and for a measure left out for missing data (with a weight > 0), bringing
 * it to 100 would also bring it into the score, so
 *     gain = (100 - S) * w_i / (W + w_i)        (S: the computed score)
 * Both are the exact rise of the weighted mean.  Flags and overrides are not
 * considered: the lever is about the score, not the band.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

/* The measures of scores row (?1 run, ?2 customer) as rows of m, with the
 * totals t (W: used weight, SW: sum of score * weight over used measures). */
#define MEASURES_CTE                                                                   \
    "WITH j AS (SELECT CAST(e.key AS INTEGER) AS idx, e.value AS v"                    \
    "   FROM scores s, json_each(s.measures) e WHERE s.run_id = ?1 AND s.customer_id = ?2)," \
    " m0 AS (SELECT idx, v ->> 'name' AS name, v ->> 'group' AS grp,"                  \
    "   json_type(v, '$.value') AS vtype, v ->> 'value' AS value,"                     \
    "   v ->> 'score' AS score, coalesce(v ->> 'weight', 0) AS weight,"                \
    "   v ->> 'contribution' AS contribution, coalesce(v ->> 'used', 0) AS used,"      \
    "   coalesce(v ->> 'missing', 0) AS missing FROM j),"                              \
    " t AS (SELECT coalesce(sum(iif(used, weight, 0)), 0) AS w,"                       \
    "   coalesce(sum(iif(used, coalesce(score, 0) * weight, 0)), 0) AS sw FROM m0),"   \
    " m AS (SELECT m0.*, CASE"                                                         \
    "   WHEN used AND t.w > 0 THEN (100 - coalesce(score, 0)) * weight / t.w"          \
    "   WHEN NOT used AND weight > 0"                                                  \
    "     THEN (100 - iif(t.w > 0, t.sw / t.w, 0)) * weight / (t.w + weight)"          \
    "   ELSE 0 END AS gain FROM m0, t) "

long long vt_latest_run(sqlite3 *db, vt_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT max(run_id) FROM runs", -1, &q, NULL) != SQLITE_OK) {
        vt_fail(err, VT_EINTERNAL, "reading runs: %s", sqlite3_errmsg(db));
        return -1;
    }
    long long id = -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    else
        vt_fail(err, VT_EINTERNAL, "reading runs: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return id;
}

vt_status vt_resolve_run(sqlite3 *db, long long run_id, long long *out, char as_of[11],
                         vt_error *err)
{
    *out = 0;
    as_of[0] = '\0';
    if (run_id == 0) {
        run_id = vt_latest_run(db, err);
        if (run_id < 0)
            return VT_EINTERNAL;
        if (run_id == 0)
            return vt_fail(err, VT_EINPUT, "no runs yet: score first (`vitals score`)");
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT as_of FROM runs WHERE run_id = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "reading runs: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, run_id);
    int rc = sqlite3_step(q);
    vt_status st = VT_OK;
    if (rc == SQLITE_ROW) {
        snprintf(as_of, 11, "%s", (const char *)sqlite3_column_text(q, 0));
        *out = run_id;
    } else if (rc == SQLITE_DONE) {
        st = vt_fail(err, VT_EINPUT, "no run %lld (the runs table lists them)",
                     run_id);
    } else {
        st = vt_fail(err, VT_EINTERNAL, "reading runs: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    return st;
}

/* Gains below this (points) are not worth naming as a lever. */
#define LEVER_MIN_GAIN 0.05

typedef struct reader {
    sqlite3 *db;
    vt_error *err;
    int oom;
} reader;

/* A malloc'ed copy of column i, NULL when it is NULL. */
static char *col_dup(reader *rd, sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        rd->oom = 1;
    return c;
}

/* Like col_dup, but "" reads as NULL (forced_by, scorecard). */
static char *col_dup_nonempty(reader *rd, sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return s && *s ? col_dup(rd, q, i) : NULL;
}

static vt_status prep(reader *rd, const char *sql, sqlite3_stmt **q)
{
    if (sqlite3_prepare_v2(rd->db, sql, -1, q, NULL) == SQLITE_OK)
        return VT_OK;
    return vt_fail(rd->err, VT_EINTERNAL, "explain: %s", sqlite3_errmsg(rd->db));
}

static vt_status step_failed(reader *rd, sqlite3_stmt *q)
{
    vt_status st = vt_fail(rd->err, VT_EINTERNAL, "explain: %s", sqlite3_errmsg(rd->db));
    sqlite3_finalize(q);
    return st;
}

/* Why customer_id has no row in run_id: unknown, or not active then. */
static vt_status not_in_run(reader *rd, const char *customer_id, long long run_id,
                            const char *as_of)
{
    sqlite3_stmt *q;
    vt_status st = prep(rd,
                        "SELECT (SELECT count(*) FROM customers WHERE customer_id = ?1),"
                        " (SELECT max(run_id) FROM scores WHERE customer_id = ?1)", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 1, customer_id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW)
        return step_failed(rd, q);
    int known = sqlite3_column_int(q, 0);
    long long last = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    if (!known && !last)
        return vt_fail(rd->err, VT_EINPUT, "%s: no such customer", customer_id);
    if (!last)
        return vt_fail(rd->err, VT_EINPUT,
                       "%s is not in run %lld (as of %s): not active then, and never scored",
                       customer_id, run_id, as_of);
    return vt_fail(rd->err, VT_EINPUT,
                   "%s is not in run %lld (as of %s): not active then; last scored in run %lld"
                   " (try --run %lld)", customer_id, run_id, as_of, last, last);
}

/* The scores row, the run and the customer's details. */
static vt_status read_score(reader *rd, vt_explanation *e)
{
    sqlite3_stmt *q;
    vt_status st = prep(rd,
                        "SELECT s.score, s.band, s.coverage, s.error, s.score_band, s.forced_by,"
                        " s.scorecard, s.overridden, r.rules_path, c.name, c.segment, c.owner"
                        " FROM scores s JOIN runs r ON r.run_id = s.run_id"
                        " LEFT JOIN customers c ON c.customer_id = s.customer_id"
                        " WHERE s.run_id = ?1 AND s.customer_id = ?2", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_int64(q, 1, e->run_id);
    sqlite3_bind_text(q, 2, e->customer_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(q);
        return not_in_run(rd, e->customer_id, e->run_id, e->as_of);
    }
    if (rc != SQLITE_ROW)
        return step_failed(rd, q);
    e->has_score = sqlite3_column_type(q, 0) != SQLITE_NULL;
    e->score = e->computed_score = sqlite3_column_double(q, 0);
    e->band = col_dup(rd, q, 1);
    e->coverage = sqlite3_column_double(q, 2);
    e->error = col_dup(rd, q, 3);
    e->score_band = col_dup(rd, q, 4);
    e->forced_by = col_dup_nonempty(rd, q, 5);
    e->scorecard = col_dup_nonempty(rd, q, 6);
    e->overridden = sqlite3_column_int(q, 7);
    e->rules_path = col_dup(rd, q, 8);
    e->name = col_dup(rd, q, 9);
    e->segment = col_dup(rd, q, 10);
    e->owner = col_dup(rd, q, 11);
    sqlite3_finalize(q);
    return VT_OK;
}

static void read_measure(reader *rd, sqlite3_stmt *q, vt_explain_measure *m)
{
    m->name = col_dup(rd, q, 1);
    m->group = col_dup(rd, q, 2);
    const char *vtype = (const char *)sqlite3_column_text(q, 3);
    vtype = vtype ? vtype : "null";
    if (strcmp(vtype, "integer") == 0 || strcmp(vtype, "real") == 0) {
        m->value_type = vtype[0] == 'i' ? VT_INT : VT_REAL;
        m->value = sqlite3_column_double(q, 4);
    } else if (strcmp(vtype, "null") != 0) {
        m->value_type = VT_TEXT;
        m->value_text = strcmp(vtype, "true") == 0 || strcmp(vtype, "false") == 0
                            ? strdup(vtype) : col_dup(rd, q, 4);
        if (!m->value_text)
            rd->oom = 1;
    }
    m->has_score = sqlite3_column_type(q, 5) != SQLITE_NULL;
    m->score = sqlite3_column_double(q, 5);
    m->weight = sqlite3_column_double(q, 6);
    m->contribution = sqlite3_column_double(q, 7);
    m->used = sqlite3_column_int(q, 8);
    m->missing = sqlite3_column_int(q, 9);
    m->gain = sqlite3_column_double(q, 10);
}

/* The measures, the computed score (when overridden) and the lever. */
static vt_status read_measures(reader *rd, vt_explanation *e)
{
    sqlite3_stmt *q;
    vt_status st = prep(rd, MEASURES_CTE
                        "SELECT idx, name, grp, vtype, value, score, weight, contribution,"
                        " used, missing, gain, (SELECT w FROM t), (SELECT sw FROM t)"
                        " FROM m ORDER BY idx", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_int64(q, 1, e->run_id);
    sqlite3_bind_text(q, 2, e->customer_id, -1, SQLITE_STATIC);
    int rc, cap = 0;
    double w = 0, sw = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (e->n_measures == cap) {
            cap = cap ? cap * 2 : 16;
            vt_explain_measure *more = realloc(e->measures, (size_t)cap * sizeof *more);
            if (!more) {
                sqlite3_finalize(q);
                return vt_fail(rd->err, VT_EINTERNAL, "out of memory");
            }
            e->measures = more;
        }
        vt_explain_measure *m = &e->measures[e->n_measures++];
        memset(m, 0, sizeof *m);
        read_measure(rd, q, m);
        w = sqlite3_column_double(q, 11);
        sw = sqlite3_column_double(q, 12);
        if (m->gain >= LEVER_MIN_GAIN && (e->lever < 0 || m->gain > e->measures[e->lever].gain))
            e->lever = e->n_measures - 1;
    }
    if (rc != SQLITE_DONE)
        return step_failed(rd, q);
    sqlite3_finalize(q);
    if (e->overridden && w > 0)
        e->computed_score = round(sw / w * 10) / 10;
    return VT_OK;
}

static vt_status read_flags(reader *rd, vt_explanation *e)
{
    sqlite3_stmt *q;
    vt_status st = prep(rd,
                        "SELECT f.value ->> 'name', f.value ->> 'severity', f.value ->> 'reason',"
                        " f.value ->> 'force_band'"
                        " FROM scores s, json_each(s.flags) f"
                        " WHERE s.run_id = ?1 AND s.customer_id = ?2 ORDER BY CAST(f.key AS INTEGER)",
                        &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_int64(q, 1, e->run_id);
    sqlite3_bind_text(q, 2, e->customer_id, -1, SQLITE_STATIC);
    int rc, cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (e->n_flags == cap) {
            cap = cap ? cap * 2 : 8;
            vt_explain_flag *more = realloc(e->flags, (size_t)cap * sizeof *more);
            if (!more) {
                sqlite3_finalize(q);
                return vt_fail(rd->err, VT_EINTERNAL, "out of memory");
            }
            e->flags = more;
        }
        vt_explain_flag *f = &e->flags[e->n_flags++];
        f->name = col_dup(rd, q, 0);
        f->severity = col_dup(rd, q, 1);
        f->reason = col_dup(rd, q, 2);
        f->force_band = col_dup_nonempty(rd, q, 3);
    }
    if (rc != SQLITE_DONE)
        return step_failed(rd, q);
    sqlite3_finalize(q);
    return VT_OK;
}

/* The override row as it is now (it may have changed since the run). */
static vt_status read_override(reader *rd, vt_explanation *e)
{
    if (!e->overridden)
        return VT_OK;
    sqlite3_stmt *q;
    vt_status st = prep(rd, "SELECT band, score, reason, author, until, created_at"
                            " FROM overrides WHERE customer_id = ?1", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 1, e->customer_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        e->override_found = 1;
        e->override_band = col_dup(rd, q, 0);
        e->has_override_score = sqlite3_column_type(q, 1) != SQLITE_NULL;
        e->override_score = sqlite3_column_double(q, 1);
        e->override_reason = col_dup(rd, q, 2);
        e->override_author = col_dup(rd, q, 3);
        e->override_until = col_dup(rd, q, 4);
        e->override_created_at = col_dup(rd, q, 5);
    } else if (rc != SQLITE_DONE) {
        return step_failed(rd, q);
    }
    sqlite3_finalize(q);
    return VT_OK;
}

static vt_status read_previous(reader *rd, vt_explanation *e)
{
    sqlite3_stmt *q;
    vt_status st = prep(rd, "SELECT p.run_id, pr.as_of, p.score" VT_PREV_SCORE_FROM("?1", "?2"),
                        &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 1, e->customer_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, e->as_of, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        e->has_prev = 1;
        e->prev_run_id = sqlite3_column_int64(q, 0);
        snprintf(e->prev_as_of, sizeof e->prev_as_of, "%s", (const char *)sqlite3_column_text(q, 1));
        e->score_prev = sqlite3_column_double(q, 2);
        e->score_change = round((e->score - e->score_prev) * 10) / 10;
    } else if (rc != SQLITE_DONE) {
        return step_failed(rd, q);
    }
    sqlite3_finalize(q);
    return VT_OK;
}

static const char json_sql[] =
    MEASURES_CTE
    "SELECT json_object("
    " 'customer_id', s.customer_id, 'name', c.name, 'segment', c.segment, 'owner', c.owner,"
    " 'run_id', s.run_id, 'as_of', r.as_of, 'rules_path', r.rules_path,"
    " 'score', s.score, 'computed_score', ?3, 'band', s.band, 'score_band', s.score_band,"
    " 'forced_by', nullif(s.forced_by, ''), 'scorecard', nullif(s.scorecard, ''),"
    " 'coverage', s.coverage, 'error', s.error,"
    " 'overridden', json(iif(s.overridden, 'true', 'false')),"
    " 'override', json(iif(s.overridden AND o.customer_id IS NOT NULL,"
    "    json_object('band', o.band, 'score', o.score, 'reason', o.reason, 'author', o.author,"
    "                'until', o.until, 'created_at', o.created_at), NULL)),"
    " 'score_prev', ?4, 'score_change', ?5,"
    " 'previous_run', json(iif(?6 IS NULL, NULL, json_object('run_id', ?6, 'as_of', ?7))),"
    " 'measures', json((SELECT json_group_array(json_object("
    "    'name', name, 'group', grp,"
    "    'value', CASE vtype WHEN 'true' THEN json('true') WHEN 'false' THEN json('false')"
    "             ELSE value END,"
    "    'score', score, 'weight', weight, 'contribution', contribution,"
    "    'used', json(iif(used, 'true', 'false')), 'missing', json(iif(missing, 'true', 'false')),"
    "    'gain', round(gain, 2))) FROM (SELECT * FROM m ORDER BY idx))),"
    " 'flags', json((SELECT json_group_array(json_object('name', f.value ->> 'name',"
    "    'severity', f.value ->> 'severity', 'reason', f.value ->> 'reason',"
    "    'force_band', f.value ->> 'force_band')) FROM json_each(s.flags) f)),"
    " 'biggest_lever', json((SELECT json_object('measure', name, 'score', score,"
    "    'gain', round(gain, 2)) FROM m WHERE idx = ?8)))"
    " FROM scores s JOIN runs r ON r.run_id = s.run_id"
    " LEFT JOIN customers c ON c.customer_id = s.customer_id"
    " LEFT JOIN overrides o ON o.customer_id = s.customer_id"
    " WHERE s.run_id = ?1 AND s.customer_id = ?2";

static vt_status build_json(reader *rd, vt_explanation *e)
{
    sqlite3_stmt *q;
    vt_status st = prep(rd, json_sql, &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_int64(q, 1, e->run_id);
    sqlite3_bind_text(q, 2, e->customer_id, -1, SQLITE_STATIC);
    if (e->has_score)
        sqlite3_bind_double(q, 3, e->computed_score);
    if (e->has_prev) {
        sqlite3_bind_double(q, 4, e->score_prev);
        sqlite3_bind_double(q, 5, e->score_change);
        sqlite3_bind_int64(q, 6, e->prev_run_id);
        sqlite3_bind_text(q, 7, e->prev_as_of, -1, SQLITE_STATIC);
    }
    if (e->lever >= 0)
        sqlite3_bind_int(q, 8, e->lever);
    if (sqlite3_step(q) != SQLITE_ROW)
        return step_failed(rd, q);
    e->json = col_dup(rd, q, 0);
    sqlite3_finalize(q);
    return VT_OK;
}

vt_status vt_explain(sqlite3 *db, const char *customer_id, long long run_id,
                     vt_explanation **out, vt_error *err)
{
    *out = NULL;
    vt_explanation *e = calloc(1, sizeof *e);
    if (!e || !(e->customer_id = strdup(customer_id))) {
        free(e);
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    }
    e->lever = -1;
    reader rd = {.db = db, .err = err};
    vt_status st = vt_resolve_run(db, run_id, &e->run_id, e->as_of, err);
    if (st == VT_OK)
        st = read_score(&rd, e);
    if (st == VT_OK)
        st = read_measures(&rd, e);
    if (st == VT_OK)
        st = read_flags(&rd, e);
    if (st == VT_OK)
        st = read_override(&rd, e);
    if (st == VT_OK && e->has_score)
        st = read_previous(&rd, e);
    if (st == VT_OK)
        st = build_json(&rd, e);
    if (st == VT_OK && rd.oom)
        st = vt_fail(err, VT_EINTERNAL, "out of memory");
    if (st != VT_OK) {
        vt_explanation_free(e);
        return st;
    }
    *out = e;
    return VT_OK;
}

void vt_explanation_free(vt_explanation *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->n_measures; i++) {
        free(e->measures[i].name);
        free(e->measures[i].group);
        free(e->measures[i].value_text);
    }
    for (int i = 0; i < e->n_flags; i++) {
        free(e->flags[i].name);
        free(e->flags[i].severity);
        free(e->flags[i].reason);
        free(e->flags[i].force_band);
    }
    free(e->measures);
    free(e->flags);
    char *strings[] = {e->rules_path, e->customer_id, e->name, e->segment, e->owner, e->error,
                       e->band, e->score_band, e->forced_by, e->scorecard, e->override_band,
                       e->override_reason, e->override_author, e->override_until,
                       e->override_created_at, e->json};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(strings[i]);
    free(e);
}
