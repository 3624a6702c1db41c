/*
 * kpis.h - private to the KPI engine: what kpis.c and movements.c share.
 *
 * kpis.c builds one statement per period: CTE `people` (data_customers
 * with g, the customer's --by group, and in_base) and `grp` (the rows to
 * output: t = 0 and g per group with --by, t = 1 for the total), then the
 * sources, then the terms aggregated per group and over all rows.
 * movements.c supplies the MRR sources.
 */
#ifndef VITALS_KPIS_H
#define VITALS_KPIS_H

#include "vitals.h"

/* The MRR sources, CTEs that follow `people` (each ends with ",\n"):
 *   prod    one row per (customer, product) with subscriptions in the starting
 *           or ending month: g, cust, sp and ep (its MRR then);
 *   acct    one row per such customer: g, cust, s and e (its MRR then), and
 *           paid_before (it went 0 -> >0 and had MRR > 0 in a month before);
 *   kept    one row per product of the customers paying at both ends: g, sp, ep;
 *   paying  one row per (customer, month) of the period with MRR > 0: g, mrr. */
extern const char vt_movements_sql[];

#endif /* VITALS_KPIS_H */
