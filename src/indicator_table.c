/*
 * indicator_table.c - the in-memory table of indicator values: one row per
 * customer, one column per indicator, stored column by column so that rule
 * files can add columns after the built-in ones are computed.
 *
 * The table owns every string in it: customer ids, column names and text
 * values are copied in and freed by vt_indicators_free.
 */
#include <stdlib.h>
#include <string.h>

#include "indicator_table.h"

struct vt_indicators {
    vt_day as_of;
    int rows;
    int cols, cap_cols;
    char **ids;          /* rows customer ids, ascending */
    int64_t *keys;       /* rows internal keys, or NULL */
    int *row_of_key;     /* key -> row (or -1), keys are small dense integers */
    int64_t max_key;
    char **names;        /* cols column names */
    vt_value **values;   /* cols arrays of rows values */
};

vt_indicators *vt_indicators_new_keyed(vt_day as_of, int n, const char *const *ids,
                                       const int64_t *keys)
{
    vt_indicators *ind = calloc(1, sizeof *ind);
    if (!ind)
        return NULL;
    ind->as_of = as_of;
    ind->ids = calloc(n > 0 ? (size_t)n : 1, sizeof *ind->ids);
    if (keys)
        ind->keys = malloc((n > 0 ? (size_t)n : 1) * sizeof *ind->keys);
    if (!ind->ids || (keys && !ind->keys)) {
        vt_indicators_free(ind);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        ind->ids[i] = strdup(ids[i]);
        ind->rows = i + 1;
        if (!ind->ids[i]) {
            vt_indicators_free(ind);
            return NULL;
        }
        if (keys) {
            ind->keys[i] = keys[i];
            if (keys[i] > ind->max_key)
                ind->max_key = keys[i];
        }
    }
    if (keys) {
        ind->row_of_key = malloc((size_t)(ind->max_key + 1) * sizeof *ind->row_of_key);
        if (!ind->row_of_key) {
            vt_indicators_free(ind);
            return NULL;
        }
        for (int64_t k = 0; k <= ind->max_key; k++)
            ind->row_of_key[k] = -1;
        for (int i = 0; i < n; i++)
            ind->row_of_key[keys[i]] = i;
    }
    return ind;
}

vt_indicators *vt_indicators_new(vt_day as_of, int n, const char *const *customer_ids)
{
    return vt_indicators_new_keyed(as_of, n, customer_ids, NULL);
}

static void clear_value(vt_value *v)
{
    if (v->type == VT_TEXT)
        free((char *)v->u.s);
    v->type = VT_NIL;
}

void vt_indicators_free(vt_indicators *ind)
{
    if (!ind)
        return;
    for (int c = 0; c < ind->cols; c++) {
        for (int r = 0; r < ind->rows; r++)
            clear_value(&ind->values[c][r]);
        free(ind->values[c]);
        free(ind->names[c]);
    }
    for (int r = 0; r < ind->rows; r++)
        free(ind->ids[r]);
    free(ind->values);
    free(ind->names);
    free(ind->ids);
    free(ind->keys);
    free(ind->row_of_key);
    free(ind);
}

vt_day vt_indicators_as_of(const vt_indicators *ind) { return ind->as_of; }
int vt_indicators_rows(const vt_indicators *ind) { return ind->rows; }
int vt_indicators_columns(const vt_indicators *ind) { return ind->cols; }
const char *vt_indicators_name(const vt_indicators *ind, int col) { return ind->names[col]; }
const char *vt_indicators_customer(const vt_indicators *ind, int row) { return ind->ids[row]; }

int64_t vt_indicators_key(const vt_indicators *ind, int row)
{
    return ind->keys ? ind->keys[row] : 0;
}

int vt_indicators_find_row(const vt_indicators *ind, const char *customer_id)
{
    int lo = 0, hi = ind->rows - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(ind->ids[mid], customer_id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int vt_indicators_row_of_key(const vt_indicators *ind, int64_t key)
{
    if (!ind->row_of_key || key < 0 || key > ind->max_key)
        return -1;
    return ind->row_of_key[key];
}

int vt_indicators_find(const vt_indicators *ind, const char *name)
{
    for (int c = 0; c < ind->cols; c++)
        if (strcmp(ind->names[c], name) == 0)
            return c;
    return -1;
}

const vt_value *vt_indicators_get(const vt_indicators *ind, int row, int col)
{
    return &ind->values[col][row];
}

int vt_indicators_add_column(vt_indicators *ind, const char *name)
{
    if (vt_indicators_find(ind, name) >= 0)
        return -1;
    if (ind->cols == ind->cap_cols) {
        int cap = ind->cap_cols ? ind->cap_cols * 2 : 64;
        char **names = realloc(ind->names, (size_t)cap * sizeof *names);
        if (!names)
            return -1;
        ind->names = names;
        vt_value **values = realloc(ind->values, (size_t)cap * sizeof *values);
        if (!values)
            return -1;
        ind->values = values;
        ind->cap_cols = cap;
    }
    vt_value *col = calloc(ind->rows > 0 ? (size_t)ind->rows : 1, sizeof *col);
    char *copy = strdup(name);
    if (!col || !copy) {
        free(col);
        free(copy);
        return -1;
    }
    ind->names[ind->cols] = copy;
    ind->values[ind->cols] = col;
    return ind->cols++;
}

int vt_indicators_set(vt_indicators *ind, int row, int col, const vt_value *v)
{
    vt_value *dst = &ind->values[col][row];
    vt_value copy = *v;
    if (v->type == VT_TEXT) {
        copy.u.s = strdup(v->u.s);
        if (!copy.u.s)
            return -1;
    }
    clear_value(dst);
    *dst = copy;
    return 0;
}

/* Levenshtein distance, bounded to short names (indicator names are). */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 1000;
    int prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *vt_nearest_name(const char *name, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = 1000;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(name, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    int limit = (int)strlen(name) / 3;
    if (limit < 2)
        limit = 2;
    return best_d <= limit ? best : NULL;
}
