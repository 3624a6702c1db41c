/*
 * indicator_names.c - the catalogue of built-in indicator names, in output
 * order (SPEC §3 plus the revenue-movement indicators).  indicators.c
 * computes exactly these columns; rules.c uses the list to resolve c.NAME
 * and to suggest the nearest name for a typo.
 */
#include <stddef.h>

#include "vitals.h"

static const char *const builtin_names[] = {
    /* account */
    "segment", "plan", "seats", "tenure_days", "days_to_renewal",
    /* revenue */
    "mrr", "arr", "mrr_change_90d_pct", "products", "ltv_to_date",
    "expansion_mrr_90d", "contraction_mrr_90d", "upsell_mrr_90d", "cross_sell_mrr_90d",
    "tcv", "avg_monthly_revenue",
    /* usage */
    "active_users_30d", "active_users_prev_30d", "usage_trend_pct", "seat_utilization",
    "sessions_30d", "events_30d", "days_since_last_activity",
    /* adoption */
    "features_used_90d", "adoption_pct", "key_adoption_pct",
    /* surveys */
    "nps_last", "nps_365d", "csat_avg_90d", "ces_avg_90d", "responses_365d", "feeling_last",
    /* support */
    "tickets_30d", "tickets_open", "tickets_urgent_open", "resolution_hours_avg_90d",
    "fcr_rate_90d", "solve_rate_90d", "abandon_rate_90d", "ticket_csat_avg_90d",
    /* engagement */
    "engagements_90d", "webinars_90d", "days_since_last_engagement", "referrals_365d",
    /* history: score_change is filled by the rules engine once the score is known */
    "score_prev", "score_change",
    NULL,
};

const char *const *vt_builtin_indicator_names(void)
{
    return builtin_names;
}
