/*
 * vitals/kpis.h - part of the libvitals API: portfolio KPIs and the MRR bridge.
 * vitals.h includes it; include vitals.h.
 */
#ifndef VITALS_API_KPIS_H
#define VITALS_API_KPIS_H

#include <stdio.h>

#include "../vitals.h"

/* Portfolio KPIs (SPEC §4) over a period [from, to] of day numbers: customers,
 * the MRR bridge, satisfaction, support and unit economics; for all customers
 * and optionally per group (segment, plan, owner or region) and per calendar
 * month.  Every KPI is defined once, in the table of kpis.c, as a numerator
 * and an optional denominator over "terms" (counts and sums over the period);
 * the same table computes the figures, explains them and documents them. */

typedef enum vt_kpi_unit {
    VT_KPI_COUNT,    /* a whole number */
    VT_KPI_MONEY,    /* the currency of subscriptions and spend */
    VT_KPI_PERCENT,  /* 0-100 (nrr may exceed 100) */
    VT_KPI_SCORE,    /* a survey index or mean (nps -100..100, ces 1..7) */
    VT_KPI_HOURS,
    VT_KPI_MONTHS
} vt_kpi_unit;

/* A number that may be nil: no data, or a ratio with a zero denominator. */
typedef struct vt_kpi_num {
    double v;
    int nil;
} vt_kpi_num;

/* A KPI: value = numerator / denominator * scale, or the numerator alone. */
typedef struct vt_kpi_def {
    const char *name;
    vt_kpi_unit unit;
    const char *meaning;      /* one line, for --help, --list and the docs */
    const char *formula;      /* how it is computed, for people */
    const char *numerator;    /* SQL expression over the terms */
    const char *denominator;  /* SQL expression over the terms, or NULL */
    double scale;             /* 100 for percentages, else 1 */
} vt_kpi_def;

/* A term: one count or sum over the period's customers, subscriptions,
 * surveys, tickets or spend, which the KPIs are built from. */
typedef struct vt_kpi_term {
    const char *name;
    vt_kpi_unit unit;
    const char *meaning;
    const char *source;       /* the population it aggregates (a CTE of kpis.c) */
    const char *sql;          /* the aggregate over source */
    int total_only;           /* nil in group rows: spend belongs to no customer */
} vt_kpi_term;

int vt_kpi_count(void);
const vt_kpi_def *vt_kpi_def_at(int i);          /* 0 <= i < vt_kpi_count() */
int vt_kpi_index(const char *name);              /* -1 when there is no such KPI */
int vt_kpi_term_count(void);
const vt_kpi_term *vt_kpi_term_at(int i);        /* 0 <= i < vt_kpi_term_count() */

/* A KPI's value and the numerator and denominator it came from
 * (denominator.nil when the KPI has none). */
typedef struct vt_kpi_value {
    vt_kpi_num value, numerator, denominator;
} vt_kpi_value;

typedef struct vt_kpi_row {
    vt_day from, to;          /* this row's period (a month of it when monthly) */
    int32_t month;            /* monthly rows: year*12 + month-1; else -1 */
    int total;                /* 1: all customers; 0: one group */
    char *group;              /* the group's value; NULL for the total row and
                                 for the customers that have no value */
    vt_kpi_value *kpis;       /* vt_kpi_count() values, in definition order */
    vt_kpi_num *terms;        /* vt_kpi_term_count() values */
} vt_kpi_row;

typedef struct vt_kpi_options {
    vt_day from, to;          /* the period, both days included */
    const char *by;           /* NULL, "segment", "plan", "owner" or "region" */
    int monthly;              /* 1: rows per calendar month of the period */
} vt_kpi_options;

typedef struct vt_kpi_report {
    vt_kpi_options opt;       /* opt.by points to a static string */
    int nrows;
    vt_kpi_row *rows;         /* by month, then group; each month's total last */
} vt_kpi_report;

/* Compute the KPIs.  VT_EUSAGE for a bad period or --by; VT_EINTERNAL for a
 * database error or an MRR bridge that does not reconcile (a bug). */
vt_status vt_kpis_compute(sqlite3 *db, const vt_kpi_options *opt, vt_kpi_report **out,
                          vt_error *err);
void vt_kpis_free(vt_kpi_report *rep);
/* The value of KPI name in row, or NULL when there is no such KPI. */
const vt_kpi_value *vt_kpi_get(const vt_kpi_row *row, const char *name);
/* VT_OK when mrr_start + new + expansion + reactivation - contraction -
 * churned equals mrr_end to the cent, else VT_EINTERNAL with the figures. */
vt_status vt_kpis_reconcile(const vt_kpi_row *row, vt_error *err);
/* The first day of month (year*12 + month-1) and the last day n months on:
 * n = 1 for a month, 3 for a quarter. */
void vt_kpis_month_span(int32_t month, int n, vt_day *from, vt_day *to);

#endif /* VITALS_API_KPIS_H */
