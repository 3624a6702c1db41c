/*
 * cmd_kpis_tables.c - `vitals kpis` for people: the KPIs as aligned tables
 * (a line per KPI, a column per month or group, in blocks that fit a
 * terminal), the MRR bridge (--movements), each KPI with its formula,
 * numerator and denominator (--explain), the definitions (--list).
 * cmd_kpis_records.c writes the same for programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpis_print.h"

const char *const kpis_bridge[KPIS_NBRIDGE] = {
    "mrr_start",  "new_mrr",          "expansion_mrr",   "upsell_mrr", "cross_sell_mrr",
    "reactivation_mrr", "contraction_mrr", "churned_mrr", "mrr_end",
};
/* Their heads in the --movements table. */
static const char *const bridge_heads[KPIS_NBRIDGE] = {
    "mrr_start", "+new", "+expansion", "(upsell", "cross_sell)",
    "+reactivation", "-contraction", "-churned", "=mrr_end",
};

const char *kpis_unit_name(vt_kpi_unit u)
{
    static const char *const names[] = {"count", "money", "percent", "score", "hours", "months"};
    return names[u];
}

#define CELL 48
#define BLOCK 6  /* value columns per block of a KPI table, so it fits a terminal */

/* Print a grid of cells (row-major, the first row the header), the first
 * `left` columns left-aligned and the others right-aligned. */
static int print_grid(char (*cells)[CELL], int nrows, int ncols, int left)
{
    int *width = calloc((size_t)ncols, sizeof *width);
    if (!width)
        return VT_EINTERNAL;
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            int len = (int)strlen(cells[r * ncols + c]);
            width[c] = len > width[c] ? len : width[c];
        }
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *s = cells[r * ncols + c], *sep = c < ncols - 1 ? "  " : "";
            if (c < left && c == ncols - 1)
                fputs(s, stdout);
            else if (c < left)
                printf("%-*s%s", width[c], s, sep);
            else
                printf("%*s%s", width[c], s, sep);
        }
        putchar('\n');
    }
    free(width);
    return VT_OK;
}

static void fmt_num(vt_kpi_num n, vt_kpi_unit u, char *buf)
{
    if (n.nil)
        snprintf(buf, CELL, "-");
    else
        snprintf(buf, CELL, u == VT_KPI_COUNT ? "%.0f" : "%.2f", n.v);
}

/* The column label of a row: its month and/or group, or "value". */
static void row_label(const vt_kpi_report *rep, const vt_kpi_row *row, char *buf)
{
    char day[11];
    vt_date_format(row->from, day);
    const char *group = row->total ? "total" : row->group ? row->group : "(none)";
    if (rep->opt.monthly && rep->opt.by)
        snprintf(buf, CELL, "%.7s %.38s", day, group);
    else if (rep->opt.monthly)
        snprintf(buf, CELL, "%.7s", day);
    else if (rep->opt.by)
        snprintf(buf, CELL, "%.46s", group);
    else
        snprintf(buf, CELL, "value");
}

static void print_title(const vt_kpi_report *rep, const char *what)
{
    char from[11], to[11];
    vt_date_format(rep->opt.from, from);
    vt_date_format(rep->opt.to, to);
    int months = vt_day_month(rep->opt.to) - vt_day_month(rep->opt.from) + 1;
    printf("%s, %s to %s (%d month%s)%s%s%s\n\n", what, from, to, months, months == 1 ? "" : "s",
           rep->opt.by ? ", by " : "", rep->opt.by ? rep->opt.by : "",
           rep->opt.monthly ? ", monthly" : "");
}

/* The KPIs as lines and rows first..first+n-1 (months, groups) as columns. */
static int print_kpi_block(const vt_kpi_report *rep, int first, int n)
{
    int ncols = n + 2, nlines = vt_kpi_count() + 1;
    char (*cells)[CELL] = calloc((size_t)ncols * (size_t)nlines, CELL);
    if (!cells)
        return VT_EINTERNAL;
    snprintf(cells[0], CELL, "kpi");
    snprintf(cells[1], CELL, "unit");
    for (int r = 0; r < n; r++)
        row_label(rep, &rep->rows[first + r], cells[2 + r]);
    for (int k = 0; k < vt_kpi_count(); k++) {
        const vt_kpi_def *d = vt_kpi_def_at(k);
        char(*line)[CELL] = cells + (k + 1) * ncols;
        snprintf(line[0], CELL, "%s", d->name);
        snprintf(line[1], CELL, "%s", kpis_unit_name(d->unit));
        for (int r = 0; r < n; r++)
            fmt_num(rep->rows[first + r].kpis[k].value, d->unit, line[2 + r]);
    }
    int status = print_grid(cells, nlines, ncols, 2);
    free(cells);
    return status;
}

int kpis_print_table(const vt_kpi_report *rep)
{
    int status = VT_OK;
    print_title(rep, "Portfolio KPIs");
    for (int first = 0; first < rep->nrows && status == VT_OK; first += BLOCK) {
        if (first)
            putchar('\n');
        int n = rep->nrows - first < BLOCK ? rep->nrows - first : BLOCK;
        status = print_kpi_block(rep, first, n);
    }
    printf("\n-: not defined (no data, or a zero denominator); see --explain\n");
    return status;
}

/* The bridge: a line per month (and group), a column per movement. */
int kpis_print_bridge(const vt_kpi_report *rep)
{
    int ncols = KPIS_NBRIDGE + 1, nlines = rep->nrows + 1;
    char (*cells)[CELL] = calloc((size_t)ncols * (size_t)nlines, CELL);
    if (!cells)
        return VT_EINTERNAL;
    snprintf(cells[0], CELL, rep->opt.by ? "month %s" : "month", rep->opt.by);
    for (int b = 0; b < KPIS_NBRIDGE; b++)
        snprintf(cells[1 + b], CELL, "%s", bridge_heads[b]);
    for (int r = 0; r < rep->nrows; r++) {
        char(*line)[CELL] = cells + (r + 1) * ncols;
        row_label(rep, &rep->rows[r], line[0]);
        for (int b = 0; b < KPIS_NBRIDGE; b++)
            fmt_num(vt_kpi_get(&rep->rows[r], kpis_bridge[b])->value, VT_KPI_MONEY, line[1 + b]);
    }
    print_title(rep, "MRR bridge");
    int status = print_grid(cells, nlines, ncols, 1);
    printf("\nEvery line adds up: mrr_start + new + expansion + reactivation - contraction\n"
           "- churned = mrr_end (expansion = upsell + cross_sell).\n");
    free(cells);
    return status;
}

static const char *unit_suffix(vt_kpi_unit u)
{
    switch (u) {
    case VT_KPI_PERCENT: return " %";
    case VT_KPI_HOURS: return " h";
    case VT_KPI_MONTHS: return " months";
    default: return "";
    }
}

/* A numerator or denominator, with every digit that matters. */
static void fmt_part(vt_kpi_num n, char *buf)
{
    if (n.nil)
        snprintf(buf, CELL, "-");
    else
        snprintf(buf, CELL, "%.10g", n.v);
}

static void explain_kpi(const vt_kpi_def *d, const vt_kpi_value *v)
{
    char value[CELL];
    fmt_num(v->value, d->unit, value);
    printf("%s = %s%s\n", d->name, value, v->value.nil ? "" : unit_suffix(d->unit));
    printf("    %s\n    formula      %s\n", d->meaning, d->formula);
    if (!d->denominator) {
        if (strcmp(d->numerator, d->name) != 0 && strcmp(d->numerator, d->formula) != 0)
            printf("    computed as  %s\n", d->numerator);
        return;
    }
    char num[CELL], den[CELL];
    fmt_part(v->numerator, num);
    fmt_part(v->denominator, den);
    printf("    numerator    %-14s %s\n", num, d->numerator);
    printf("    denominator  %-14s %s\n", den, d->denominator);
    if (v->value.nil)
        printf("    (not defined: %s)\n", v->numerator.nil || v->denominator.nil
                                              ? "a part of it is not defined"
                                              : "the denominator is 0");
}

static void explain_terms(const vt_kpi_row *row)
{
    printf("The counts and sums above (terms):\n");
    for (int i = 0; i < vt_kpi_term_count(); i++) {
        const vt_kpi_term *t = vt_kpi_term_at(i);
        char value[CELL];
        fmt_num(row->terms[i], t->unit, value);
        printf("    %-22s %12s  %s\n", t->name, value, t->meaning);
    }
}

int kpis_print_explain(const vt_kpi_report *rep)
{
    print_title(rep, "Portfolio KPIs explained");
    for (int r = 0; r < rep->nrows; r++) {
        const vt_kpi_row *row = &rep->rows[r];
        char from[11], to[11];
        vt_date_format(row->from, from);
        vt_date_format(row->to, to);
        if (row->total)
            printf("== %s to %s, all customers ==\n\n", from, to);
        else
            printf("== %s to %s, %s %s ==\n\n", from, to, rep->opt.by,
                   row->group ? row->group : "(none)");
        for (int k = 0; k < vt_kpi_count(); k++) {
            explain_kpi(vt_kpi_def_at(k), &row->kpis[k]);
            putchar('\n');
        }
        explain_terms(row);
        if (r + 1 < rep->nrows)
            putchar('\n');
    }
    return VT_OK;
}

int kpis_print_list(void)
{
    for (int k = 0; k < vt_kpi_count(); k++) {
        const vt_kpi_def *d = vt_kpi_def_at(k);
        printf("%s (%s)\n    %s\n    = %s\n", d->name, kpis_unit_name(d->unit), d->meaning,
               d->formula);
    }
    printf("\nTerms (counts and sums over the period):\n");
    for (int i = 0; i < vt_kpi_term_count(); i++) {
        const vt_kpi_term *t = vt_kpi_term_at(i);
        printf("    %-22s %s\n", t->name, t->meaning);
    }
    return VT_OK;
}
