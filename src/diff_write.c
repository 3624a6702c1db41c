/*
 * diff_write.c - a vt_diff (diff.c computes it) written as text for people,
 * as one CSV table (a `kind` column: matrix, changed, move, uncompared) or
 * as one JSON object.
 */
#include <stdio.h>
#include <string.h>


#include "csv_out.h"
#include "diff_internal.h"

/* ------------------------------------------------------------ text */

static int max_int(int a, int b) { return a > b ? a : b; }

/* Column widths of the text report. */
typedef struct widths {
    int id, band;
} widths;

static widths text_widths(const vt_diff *d)
{
    widths w = {(int)strlen("customer_id"), (int)strlen("old \\ new")};
    for (int i = 0; i < d->n_bands; i++)
        w.band = max_int(w.band, (int)strlen(d->bands[i]));
    const int *lists[] = {d->changes, d->moves, d->uncompared};
    const int counts[] = {d->n_changes, d->n_moves, d->n_uncompared};
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < counts[l]; i++)
            w.id = max_int(w.id, (int)strlen(d->all[lists[l][i]].customer_id));
    return w;
}

static void text_matrix(const vt_diff *d, const widths *w, FILE *out)
{
    int cell = max_int(w->band, 7);
    fprintf(out, "\nBand migration (rows: old band, columns: new band)\n  %-*s", w->band,
            "old \\ new");
    for (int j = 0; j < d->n_bands; j++)
        fprintf(out, " %*s", cell, d->bands[j]);
    fprintf(out, " %*s\n", cell, "total");
    for (int i = 0; i < d->n_bands; i++) {
        long long row_total = 0;
        fprintf(out, "  %-*s", w->band, d->bands[i]);
        for (int j = 0; j < d->n_bands; j++) {
            row_total += d->matrix[i * d->n_bands + j];
            fprintf(out, " %*lld", cell, d->matrix[i * d->n_bands + j]);
        }
        fprintf(out, " %*lld\n", cell, row_total);
    }
    fprintf(out, "  %-*s", w->band, "total");
    for (int j = 0; j < d->n_bands; j++) {
        long long col_total = 0;
        for (int i = 0; i < d->n_bands; i++)
            col_total += d->matrix[i * d->n_bands + j];
        fprintf(out, " %*lld", cell, col_total);
    }
    fprintf(out, " %*lld\n", cell, d->compared);
}

static void text_score(FILE *out, int has, double score)
{
    if (has)
        fprintf(out, " %9.1f", score);
    else
        fprintf(out, " %9s", "-");
}

static void text_customers(const vt_diff *d, const widths *w, const int *list, int n,
                           FILE *out)
{
    fprintf(out, "  %-*s %-*s %-*s %9s %9s %7s\n", w->id, "customer_id", w->band, "old",
            w->band, "new", "old score", "new score", "change");
    for (int i = 0; i < n; i++) {
        const vt_diff_customer *x = &d->all[list[i]];
        fprintf(out, "  %-*s %-*s %-*s", w->id, x->customer_id, w->band,
                x->old_band ? x->old_band : "-", w->band, x->new_band ? x->new_band : "-");
        text_score(out, x->has_old, x->old_score);
        text_score(out, x->has_new, x->new_score);
        if (x->has_old && x->has_new)
            fprintf(out, " %+7.1f\n", diff_change(x));
        else
            fprintf(out, " %7s\n", "-");
    }
}

static const char *side_state(int has, const char *error, const char *absent)
{
    return has ? "scored" : error ? error : absent;
}

static void text_uncompared(const vt_diff *d, const widths *w, FILE *out)
{
    char not_in_run[64], not_active[64];
    snprintf(not_in_run, sizeof not_in_run, "not in run %lld", d->old_run_id);
    snprintf(not_active, sizeof not_active, "not active at %s", d->as_of);
    fprintf(out, "\nNot compared (%d): failed the rules or on one side only\n", d->n_uncompared);
    for (int i = 0; i < d->n_uncompared; i++) {
        const vt_diff_customer *x = &d->all[d->uncompared[i]];
        fprintf(out, "  %-*s old: %s\n  %-*s new: %s\n", w->id, x->customer_id,
                side_state(x->has_old, x->old_error, d->old_run_id ? not_in_run : not_active),
                w->id, "", side_state(x->has_new, x->new_error, not_active));
    }
}

static void text_header(const vt_diff *d, FILE *out)
{
    fprintf(out, "diff as of %s: %lld customers, %lld compared, %lld changed band, "
                 "%lld failed, %lld on one side only\n",
            d->as_of, d->customers, d->compared, d->changed, d->failed, d->absent);
    fprintf(out, "  new: %s\n", d->new_rules);
    if (d->old_run_id)
        fprintf(out, "  old: run %lld as of %s (%s)%s\n", d->old_run_id, d->old_as_of,
                d->old_rules, strcmp(d->old_sha256, d->new_sha256) == 0 ? ", the same rules" : "");
    else
        fprintf(out, "  old: %s%s\n", d->old_rules,
                strcmp(d->old_sha256, d->new_sha256) == 0 ? " (the same rules)" : "");
}

static void write_text(const vt_diff *d, FILE *out)
{
    widths w = text_widths(d);
    text_header(d, out);
    text_matrix(d, &w, out);
    if (d->n_changes) {
        fprintf(out, "\nBand changes (%d)\n", d->n_changes);
        text_customers(d, &w, d->changes, d->n_changes, out);
    } else {
        fprintf(out, "\nBand changes: none\n");
    }
    if (d->n_moves) {
        fprintf(out, "\nLargest score moves (top %d by |change|)\n", d->n_moves);
        text_customers(d, &w, d->moves, d->n_moves, out);
    } else {
        fprintf(out, "\nScore moves: none\n");
    }
    if (d->n_uncompared)
        text_uncompared(d, &w, out);
}

/* ------------------------------------------------------------ CSV */

static void csv_score(FILE *out, int has, double score)
{
    fputc(',', out);
    if (has)
        fprintf(out, "%.1f", score);
}

static void csv_customer(const vt_diff *d, const char *kind, int i, FILE *out)
{
    const vt_diff_customer *x = &d->all[i];
    vt_csv_field(out, kind, 1);
    vt_csv_field(out, x->customer_id, 0);
    vt_csv_field(out, x->old_band, 0);
    vt_csv_field(out, x->new_band, 0);
    csv_score(out, x->has_old, x->old_score);
    csv_score(out, x->has_new, x->new_score);
    csv_score(out, x->has_old && x->has_new, x->has_old && x->has_new ? diff_change(x) : 0);
    fputc(',', out);   /* customers */
    vt_csv_field(out, x->old_error, 0);
    vt_csv_field(out, x->new_error, 0);
    fputc('\n', out);
}

static void write_csv(const vt_diff *d, FILE *out)
{
    fputs("kind,customer_id,old_band,new_band,old_score,new_score,change,customers,"
          "old_error,new_error\n", out);
    for (int i = 0; i < d->n_bands; i++)
        for (int j = 0; j < d->n_bands; j++) {
            fputs("matrix,", out);
            vt_csv_field(out, d->bands[i], 0);
            vt_csv_field(out, d->bands[j], 0);
            fprintf(out, ",,,,%lld,,\n", d->matrix[i * d->n_bands + j]);
        }
    for (int i = 0; i < d->n_changes; i++)
        csv_customer(d, "changed", d->changes[i], out);
    for (int i = 0; i < d->n_moves; i++)
        csv_customer(d, "move", d->moves[i], out);
    for (int i = 0; i < d->n_uncompared; i++)
        csv_customer(d, "uncompared", d->uncompared[i], out);
}

/* ------------------------------------------------------------ JSON */

/* Bytes of the valid UTF-8 sequence at s (1-4), or 0 when it is not. */
static int utf8_length(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
          : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4))
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (n == 3 && s[0] == 0xED && s[1] >= 0xA0) ||
        (n == 4 && s[0] == 0xF0 && s[1] < 0x90) || (n == 4 && s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* A JSON string (null for NULL): quote, backslash and control characters
 * escaped; invalid UTF-8 becomes U+FFFD. */
static void json_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_length(p);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", out);
            p++;
        } else if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p++);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(out, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, (size_t)n, out);
            p += n;
        }
    }
    fputc('"', out);
}

static void json_score(FILE *out, int has, double score)
{
    if (has)
        fprintf(out, "%.1f", score);
    else
        fputs("null", out);
}

static void json_customer(const vt_diff *d, int i, FILE *out)
{
    const vt_diff_customer *x = &d->all[i];
    fputs("{\"customer_id\":", out);
    json_string(out, x->customer_id);
    fputs(",\"old_band\":", out);
    json_string(out, x->old_band);
    fputs(",\"new_band\":", out);
    json_string(out, x->new_band);
    fputs(",\"old_score\":", out);
    json_score(out, x->has_old, x->old_score);
    fputs(",\"new_score\":", out);
    json_score(out, x->has_new, x->new_score);
    fputs(",\"change\":", out);
    json_score(out, x->has_old && x->has_new, x->has_old && x->has_new ? diff_change(x) : 0);
    fputs(",\"old_error\":", out);
    json_string(out, x->old_error);
    fputs(",\"new_error\":", out);
    json_string(out, x->new_error);
    fputc('}', out);
}

static void json_list(const vt_diff *d, const char *key, const int *list, int n, FILE *out)
{
    fprintf(out, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        json_customer(d, list[i], out);
    }
    fputc(']', out);
}

static void json_sides(const vt_diff *d, FILE *out)
{
    fputs("{\"as_of\":", out);
    json_string(out, d->as_of);
    fputs(",\"new\":{\"rules\":", out);
    json_string(out, d->new_rules);
    fputs(",\"sha256\":", out);
    json_string(out, d->new_sha256);
    fputs("},\"old\":{\"rules\":", out);
    json_string(out, d->old_rules);
    fputs(",\"sha256\":", out);
    json_string(out, d->old_sha256);
    if (d->old_run_id) {
        fprintf(out, ",\"run_id\":%lld,\"as_of\":", d->old_run_id);
        json_string(out, d->old_as_of);
    } else {
        fputs(",\"run_id\":null,\"as_of\":null", out);
    }
    fprintf(out, "},\"customers\":%lld,\"compared\":%lld,\"changed\":%lld,\"failed\":%lld,"
                 "\"absent\":%lld,\"data_changed\":%s",
            d->customers, d->compared, d->changed, d->failed, d->absent,
            d->data_changed ? "true" : "false");
}

static void json_matrix(const vt_diff *d, FILE *out)
{
    fputs(",\"bands\":[", out);
    for (int i = 0; i < d->n_bands; i++) {
        if (i)
            fputc(',', out);
        json_string(out, d->bands[i]);
    }
    fputs("],\"matrix\":{", out);
    for (int i = 0; i < d->n_bands; i++) {
        fputs(i ? "," : "", out);
        json_string(out, d->bands[i]);
        fputs(":{", out);
        for (int j = 0; j < d->n_bands; j++) {
            fputs(j ? "," : "", out);
            json_string(out, d->bands[j]);
            fprintf(out, ":%lld", d->matrix[i * d->n_bands + j]);
        }
        fputc('}', out);
    }
    fputc('}', out);
}

static void write_json(const vt_diff *d, FILE *out)
{
    json_sides(d, out);
    json_matrix(d, out);
    json_list(d, "changes", d->changes, d->n_changes, out);
    json_list(d, "moves", d->moves, d->n_moves, out);
    json_list(d, "uncompared", d->uncompared, d->n_uncompared, out);
    fputs("}\n", out);
}

vt_status vt_diff_write(const vt_diff *d, vt_diff_format format, FILE *out, vt_error *err)
{
    switch (format) {
    case VT_DIFF_CSV: write_csv(d, out); break;
    case VT_DIFF_JSON: write_json(d, out); break;
    case VT_DIFF_TEXT: write_text(d, out); break;
    }
    if (fflush(out) != 0 || ferror(out))
        return vt_fail(err, VT_EINTERNAL, "diff: cannot write the output");
    return VT_OK;
}
