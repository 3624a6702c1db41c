/*
 * diff.c - `vitals diff`: what would change if a new rule file replaced an
 * old one.  The customers active at one date are scored with the new file
 * and with the old one (both dry runs: nothing is stored), or compared with
 * a stored run; the outcome is the band migration matrix (old band x new
 * band), the customers whose band changed, the largest score moves and the
 * customers that could not be compared (they failed the rules on a side, or
 * are on one side only).
 *
 * Scores and bands are the final ones, as a run stores them and `export`
 * shows them: flags force bands, and CSMs' overrides active at the date
 * apply on both sides.  Each side computes the indicators from the
 * database; PRAGMA data_version tells whether another connection changed
 * the data in between (d->data_changed).  diff_write.c renders the outcome.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "score.h"

#define DEFAULT_TOP 10

/* One customer on one side. */
typedef struct side_row {
    char *id;
    int failed;
    double score;
    char *band;        /* NULL when failed */
    char *error;       /* NULL unless failed */
} side_row;

typedef struct side {
    side_row *rows;
    int n, cap;
    int oom;
    char **bands;      /* the side's bands in their order (rules ascending) */
    int n_bands;
} side;

static void side_free(side *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->rows[i].id);
        free(s->rows[i].band);
        free(s->rows[i].error);
    }
    free(s->rows);
    for (int i = 0; i < s->n_bands; i++)
        free(s->bands[i]);
    free(s->bands);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Append a customer; 0, or -1 when out of memory. */
static int side_add(side *s, const char *id, int failed, double score, const char *band,
                    const char *error)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 256;
        side_row *grown = realloc(s->rows, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        s->rows = grown;
        s->cap = cap;
    }
    side_row *r = &s->rows[s->n];
    r->id = strdup(id);
    r->failed = failed;
    r->score = score;
    r->band = failed ? NULL : dup_or_null(band);
    r->error = failed ? strdup(error ? error : "the rules failed") : NULL;
    if (!r->id || (failed ? !r->error : band && !r->band)) {
        free(r->id);
        free(r->band);
        free(r->error);
        return -1;
    }
    s->n++;
    return 0;
}

static int side_add_band(side *s, const char *band)
{
    char **grown = realloc(s->bands, ((size_t)s->n_bands + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->bands = grown;
    if (!(grown[s->n_bands] = strdup(band)))
        return -1;
    s->n_bands++;
    return 0;
}

/* ------------------------------------------------------------ the sides */

static void collect_row(void *ctx, const vt_score_row *row)
{
    side *s = ctx;
    if (!s->oom && side_add(s, row->customer_id, row->failed, row->score, row->band,
                            row->result->error) != 0)
        s->oom = 1;
}

/* Score every customer with rules (a dry run); fills the rule file's path
 * and digest. */
static vt_status score_side(sqlite3 *db, const char *rules, vt_day as_of,
                            const vt_rule_limits *lim, side *s, char path[4096],
                            char sha256[65], vt_error *err)
{
    vt_score_summary sum;
    vt_status st = vt_score_run_each(db, rules, as_of, lim, 1, collect_row, s, &sum, err);
    if (st != VT_OK && st != VT_EPARTIAL)
        return st;
    if (s->oom)
        return vt_fail(err, VT_EINTERNAL, "diff: out of memory");
    snprintf(path, 4096, "%s", sum.rules_path);
    snprintf(sha256, 65, "%s", sum.rules_sha256);
    for (int i = 0; i < sum.n_bands; i++)
        if (side_add_band(s, sum.bands[i].name) != 0)
            return vt_fail(err, VT_EINTERNAL, "diff: out of memory");
    return VT_OK;
}

static vt_status db_error(sqlite3 *db, vt_error *err, const char *what)
{
    return vt_fail(err, VT_EINTERNAL, "diff: %s: %s", what, sqlite3_errmsg(db));
}

/* The run's rule file, digest and as-of date. */
static vt_status read_run_info(sqlite3 *db, vt_diff *d, vt_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT as_of, rules_path, rules_sha256 FROM runs"
                               " WHERE run_id = ?1", -1, &q, NULL) != SQLITE_OK)
        return db_error(db, err, "reading runs");
    sqlite3_bind_int64(q, 1, d->old_run_id);
    vt_status st = VT_OK;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *as_of = (const char *)sqlite3_column_text(q, 0);
        const char *path = (const char *)sqlite3_column_text(q, 1);
        const char *sha = (const char *)sqlite3_column_text(q, 2);
        snprintf(d->old_as_of, sizeof d->old_as_of, "%s", as_of ? as_of : "");
        snprintf(d->old_rules, sizeof d->old_rules, "%s", path ? path : "");
        snprintf(d->old_sha256, sizeof d->old_sha256, "%s", sha ? sha : "");
    } else {
        st = db_error(db, err, "reading runs");
    }
    sqlite3_finalize(q);
    return st;
}

/* The bands a run used, lowest scores first. */
static vt_status read_run_bands(sqlite3 *db, long long run_id, side *s, vt_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT band FROM scores WHERE run_id = ?1 AND band IS NOT NULL"
                               " GROUP BY band ORDER BY min(score), band", -1, &q, NULL) !=
        SQLITE_OK)
        return db_error(db, err, "reading scores");
    sqlite3_bind_int64(q, 1, run_id);
    vt_status st = VT_OK;
    int rc = SQLITE_DONE;
    while (st == VT_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
        if (side_add_band(s, (const char *)sqlite3_column_text(q, 0)) != 0)
            st = vt_fail(err, VT_EINTERNAL, "diff: out of memory");
    if (st == VT_OK && rc != SQLITE_DONE)
        st = db_error(db, err, "reading scores");
    sqlite3_finalize(q);
    return st;
}

/* The customers of a stored run: a NULL score is a failed customer. */
static vt_status read_run(sqlite3 *db, long long run_id, side *s, vt_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT customer_id, score, band, error FROM scores"
                               " WHERE run_id = ?1", -1, &q, NULL) != SQLITE_OK)
        return db_error(db, err, "reading scores");
    sqlite3_bind_int64(q, 1, run_id);
    vt_status st = VT_OK;
    int rc = SQLITE_DONE;
    while (st == VT_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        const char *band = (const char *)sqlite3_column_text(q, 2);
        int failed = sqlite3_column_type(q, 1) == SQLITE_NULL || !band;
        if (side_add(s, id ? id : "", failed, sqlite3_column_double(q, 1), band,
                     (const char *)sqlite3_column_text(q, 3)) != 0)
            st = vt_fail(err, VT_EINTERNAL, "diff: out of memory");
    }
    if (st == VT_OK && rc != SQLITE_DONE)
        st = db_error(db, err, "reading scores");
    sqlite3_finalize(q);
    return st == VT_OK ? read_run_bands(db, run_id, s, err) : st;
}

static long long data_version(sqlite3 *db)
{
    sqlite3_stmt *q;
    long long v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &q, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* ------------------------------------------------------------ comparing */

static int by_id(const void *a, const void *b)
{
    return strcmp(((const side_row *)a)->id, ((const side_row *)b)->id);
}

static int band_index(const vt_diff *d, const char *band)
{
    for (int i = 0; i < d->n_bands; i++)
        if (strcmp(d->bands[i], band) == 0)
            return i;
    return -1;
}

static int add_band(vt_diff *d, const char *band)
{
    if (!band || band_index(d, band) >= 0)
        return 0;
    char **grown = realloc(d->bands, ((size_t)d->n_bands + 1) * sizeof *grown);
    if (!grown)
        return -1;
    d->bands = grown;
    if (!(grown[d->n_bands] = strdup(band)))
        return -1;
    d->n_bands++;
    return 0;
}

/* Move one side's row into x (its strings too; the id unless x has one). */
static void take_side(side_row *r, vt_diff_customer *x, int old_side)
{
    if (!x->customer_id) {
        x->customer_id = r->id;
        r->id = NULL;
    }
    if (old_side) {
        x->has_old = !r->failed;
        x->old_score = r->score;
        x->old_band = r->band;
        x->old_error = r->error;
    } else {
        x->has_new = !r->failed;
        x->new_score = r->score;
        x->new_band = r->band;
        x->new_error = r->error;
    }
    r->band = r->error = NULL;
}

/* Pair the two sides by customer_id into d->all. */
static int merge(vt_diff *d, side *old, side *neu)
{
    qsort(old->rows, (size_t)old->n, sizeof *old->rows, by_id);
    qsort(neu->rows, (size_t)neu->n, sizeof *neu->rows, by_id);
    d->all = calloc((size_t)old->n + (size_t)neu->n + 1, sizeof *d->all);
    if (!d->all)
        return -1;
    int i = 0, j = 0;
    while (i < old->n || j < neu->n) {
        int c = i == old->n ? 1 : j == neu->n ? -1 : strcmp(old->rows[i].id, neu->rows[j].id);
        vt_diff_customer *x = &d->all[d->n_all++];
        if (c <= 0)
            take_side(&old->rows[i++], x, 1);
        if (c >= 0)
            take_side(&neu->rows[j++], x, 0);
    }
    return 0;
}

double diff_change(const vt_diff_customer *x)
{
    double change = round((x->new_score - x->old_score) * 10) / 10;
    return change == 0 ? 0 : change;
}

/* A score move, for sorting: largest |change| first, then customer_id. */
typedef struct move {
    double size;
    const char *id;
    int index;
} move;

static int by_move(const void *a, const void *b)
{
    const move *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Keep the top largest moves of d->moves, largest first. */
static int sort_moves(vt_diff *d, int top)
{
    move *m = malloc(((size_t)d->n_moves + 1) * sizeof *m);
    if (!m)
        return -1;
    for (int i = 0; i < d->n_moves; i++) {
        const vt_diff_customer *x = &d->all[d->moves[i]];
        m[i] = (move){fabs(diff_change(x)), x->customer_id, d->moves[i]};
    }
    qsort(m, (size_t)d->n_moves, sizeof *m, by_move);
    if (d->n_moves > top)
        d->n_moves = top;
    for (int i = 0; i < d->n_moves; i++)
        d->moves[i] = m[i].index;
    free(m);
    return 0;
}

/* Count one customer into the totals, the matrix and the lists. */
static void classify(vt_diff *d, int i)
{
    const vt_diff_customer *x = &d->all[i];
    d->customers++;
    if (!x->has_old || !x->has_new) {
        d->failed += (!x->has_old && x->old_error) || (!x->has_new && x->new_error);
        d->absent += (!x->has_old && !x->old_error) || (!x->has_new && !x->new_error);
        d->uncompared[d->n_uncompared++] = i;
        return;
    }
    d->compared++;
    d->matrix[band_index(d, x->old_band) * d->n_bands + band_index(d, x->new_band)]++;
    if (strcmp(x->old_band, x->new_band) != 0) {
        d->changed++;
        d->changes[d->n_changes++] = i;
    }
    if (diff_change(x) != 0)
        d->moves[d->n_moves++] = i;
}

static int tabulate(vt_diff *d, const side *old, const side *neu, int top)
{
    for (int i = 0; i < neu->n_bands; i++)
        if (add_band(d, neu->bands[i]))
            return -1;
    for (int i = 0; i < old->n_bands; i++)
        if (add_band(d, old->bands[i]))
            return -1;
    for (int i = 0; i < d->n_all; i++)
        if (add_band(d, d->all[i].old_band) || add_band(d, d->all[i].new_band))
            return -1;
    size_t n = (size_t)d->n_all + 1, nb = (size_t)d->n_bands;
    d->matrix = calloc(nb * nb + 1, sizeof *d->matrix);
    d->changes = malloc(n * sizeof *d->changes);
    d->moves = malloc(n * sizeof *d->moves);
    d->uncompared = malloc(n * sizeof *d->uncompared);
    if (!d->matrix || !d->changes || !d->moves || !d->uncompared)
        return -1;
    for (int i = 0; i < d->n_all; i++)
        classify(d, i);
    return sort_moves(d, top);
}

/* Both sides: the old one first (a run also fixes the date). */
static vt_status score_sides(sqlite3 *db, const vt_diff_options *opt, vt_diff *d, side *old,
                             side *neu, vt_error *err)
{
    vt_day as_of = opt->has_as_of ? opt->as_of : vt_today();
    vt_status st = VT_OK;
    if (!opt->against) {
        char run_as_of[11];
        st = vt_resolve_run(db, opt->run_id, &d->old_run_id, run_as_of, err);
        if (st == VT_OK && !opt->has_as_of && vt_date_parse(run_as_of, &as_of) != 0)
            st = vt_fail(err, VT_EINTERNAL, "diff: run %lld has a bad as_of '%s'",
                         d->old_run_id, run_as_of);
        if (st == VT_OK)
            st = read_run_info(db, d, err);
    }
    vt_date_format(as_of, d->as_of);
    long long version = data_version(db);
    if (st == VT_OK)
        st = opt->against ? score_side(db, opt->against, as_of, opt->lim, old, d->old_rules,
                                       d->old_sha256, err)
                          : read_run(db, d->old_run_id, old, err);
    if (st == VT_OK)
        st = score_side(db, opt->rules, as_of, opt->lim, neu, d->new_rules, d->new_sha256, err);
    d->data_changed = version != data_version(db);
    return st;
}

void vt_diff_free(vt_diff *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n_all; i++) {
        vt_diff_customer *x = &d->all[i];
        free(x->customer_id);
        free(x->old_band);
        free(x->new_band);
        free(x->old_error);
        free(x->new_error);
    }
    free(d->all);
    for (int i = 0; i < d->n_bands; i++)
        free(d->bands[i]);
    free(d->bands);
    free(d->matrix);
    free(d->changes);
    free(d->moves);
    free(d->uncompared);
    free(d);
}

vt_status vt_diff_compute(sqlite3 *db, const vt_diff_options *opt, vt_diff **out,
                          vt_error *err)
{
    *out = NULL;
    vt_diff *d = calloc(1, sizeof *d);
    if (!d)
        return vt_fail(err, VT_EINTERNAL, "diff: out of memory");
    side old = {0}, neu = {0};
    vt_status st = score_sides(db, opt, d, &old, &neu, err);
    if (st == VT_OK && (merge(d, &old, &neu) || tabulate(d, &old, &neu, opt->top > 0 ? opt->top
                                                                             : DEFAULT_TOP)))
        st = vt_fail(err, VT_EINTERNAL, "diff: out of memory");
    side_free(&old);
    side_free(&neu);
    if (st != VT_OK) {
        vt_diff_free(d);
        return st;
    }
    *out = d;
    if (d->failed)
        return vt_fail(err, VT_EPARTIAL, "%lld customer%s failed the rules on a side", d->failed,
                       d->failed == 1 ? "" : "s");
    return VT_OK;
}
