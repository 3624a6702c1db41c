/*
 * movements.c - the MRR bridge of SPEC §4: the SQL that compares each
 * customer's and each product's MRR in the starting month (the month before
 * the period) with the ending month (the period's last), and the check that
 * the bridge reconciles:
 *
 *   mrr_start + new + expansion + reactivation - contraction - churned = mrr_end
 *
 * Per customer: 0 -> >0 is reactivation when it paid in an earlier month,
 * new otherwise; >0 -> 0 is churned (all its starting MRR); otherwise, per
 * product, growth is expansion (upsell when the product had MRR at the start,
 * cross-sell when it had none) and a fall, to 0 included, is contraction.
 * Every customer's MRR change lands in exactly one of these, so the bridge
 * reconciles by construction; the check guards against a broken query.
 */
#include <math.h>
#include <stdio.h>

#include "kpis.h"

const char vt_movements_sql[] =
    /* each product's MRR at the start (sp) and at the end (ep) */
    "prod AS MATERIALIZED (SELECT p.g, s.cust, s.product,"
    "   total(CASE WHEN s.month = :ms THEN s.mrr END) AS sp,"
    "   total(CASE WHEN s.month = :me THEN s.mrr END) AS ep"
    " FROM people p CROSS JOIN data_subscriptions s"
    " ON s.cust = p.cust AND s.month IN (:ms, :me) GROUP BY s.cust, s.product),\n"
    /* each customer's: paid_before is asked only of those going 0 -> >0 */
    "acct AS MATERIALIZED (SELECT a.*, a.s = 0 AND a.e > 0 AND EXISTS (SELECT 1"
    "   FROM data_subscriptions h WHERE h.cust = a.cust AND h.month <= :ms AND h.mrr > 0)"
    "   AS paid_before"
    " FROM (SELECT g, cust, total(sp) AS s, total(ep) AS e FROM prod GROUP BY cust) a),\n"
    "kept AS MATERIALIZED (SELECT p.g, p.sp, p.ep FROM prod p"
    " JOIN acct a ON a.cust = p.cust WHERE a.s > 0 AND a.e > 0),\n"
    "paying AS MATERIALIZED (SELECT p.g, total(s.mrr) AS mrr"
    " FROM people p CROSS JOIN data_subscriptions s"
    " ON s.cust = p.cust AND s.month BETWEEN :mf AND :me"
    " GROUP BY s.cust, s.month HAVING total(s.mrr) > 0),\n";

/* A KPI's value, NaN when nil (so a nil never reconciles). */
static double money(const vt_kpi_row *row, const char *name)
{
    const vt_kpi_value *v = vt_kpi_get(row, name);
    return v && !v->value.nil ? v->value.v : NAN;
}

/* "2026-03" or "2026-01-01..2026-03-31", then the group. */
static void row_label(const vt_kpi_row *row, char *buf, size_t len)
{
    char from[11], to[11];
    vt_date_format(row->from, from);
    vt_date_format(row->to, to);
    if (row->month >= 0)
        from[7] = '\0';  /* a monthly row lies within its month: YYYY-MM */
    snprintf(buf, len, "%s%s%s, %s%s%s", from, row->month >= 0 ? "" : "..",
             row->month >= 0 ? "" : to, row->total ? "all customers" : "group '",
             row->total ? "" : row->group ? row->group : "(none)", row->total ? "" : "'");
}

vt_status vt_kpis_reconcile(const vt_kpi_row *row, vt_error *err)
{
    double start = money(row, "mrr_start"), added = money(row, "new_mrr"),
           expansion = money(row, "expansion_mrr"), back = money(row, "reactivation_mrr"),
           contraction = money(row, "contraction_mrr"), churned = money(row, "churned_mrr"),
           end = money(row, "mrr_end");
    double bridged = start + added + expansion + back - contraction - churned;
    if (fabs(bridged - end) < 0.005)  /* the same to the cent */
        return VT_OK;
    char label[160];
    row_label(row, label, sizeof label);
    return vt_fail(err, VT_EINTERNAL,
                   "internal error: the MRR bridge of %s does not reconcile: mrr_start %.2f"
                   " + new %.2f + expansion %.2f + reactivation %.2f - contraction %.2f"
                   " - churned %.2f = %.2f, but mrr_end is %.2f",
                   label, start, added, expansion, back, contraction, churned, bridged, end);
}
