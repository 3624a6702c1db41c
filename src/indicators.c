/*
 * indicators.c - every built-in indicator of SPEC §3 for every customer
 * active at a date D, computed set-based: one aggregate query per source
 * table, each a single pass over that table, never one query per customer.
 *
 * Each pass selects `cust` and then columns named exactly like the
 * indicators of indicator_names.c; its values land in the in-memory table.
 * Passes drive from data_customers and LEFT JOIN their aggregate, so the
 * "no rows" cases are decided here, in SQL: counts and sums are 0; means,
 * ratios, rates and "last" values are NULL (nil), and a ratio with a zero
 * denominator is NULL.
 *
 * Parameters: :d is D as a day number, :m D's month (year*12 + month-1),
 * :dt D as 'YYYY-MM-DD'.  Timestamps are seconds: D ends at (:d+1)*86400.
 * Windows are the N days ending at D inclusive: 30d = D-29 .. D.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicator_table.h"

static const char account_sql[] =
    "SELECT cust, segment, plan, seats,"
    "  :d - start_date AS tenure_days,"
    "  renewal_date - :d AS days_to_renewal "
    "FROM data_customers";

/* Movements compare each month with the one before, per product, for the
 * three month-steps ending at D's month (SPEC §4 definitions per customer):
 * a step where the customer's total goes from 0 to > 0 or from > 0 to 0 is
 * new/reactivated or churned MRR, not an expansion or contraction, so only
 * steps with both totals > 0 count.  Two passes over subscriptions: by
 * (customer, month) for the totals, by (customer, product) pivoting the last
 * four months into columns. */
static const char revenue_sql[] =
    "WITH cm AS (SELECT cust, month, sum(mrr) AS mrr FROM data_subscriptions"
    "            WHERE month <= :m GROUP BY cust, month),"
    " totals AS (SELECT cust,"
    "    sum(CASE WHEN month = :m THEN mrr ELSE 0.0 END) AS mrr,"
    "    sum(CASE WHEN month = :m - 3 THEN mrr ELSE 0.0 END) AS mrr_3m,"
    "    sum(mrr) AS billed,"
    "    sum(mrr > 0) AS paid_months"
    "  FROM cm GROUP BY cust),"
    " pm AS (SELECT cust, product,"
    "    sum(CASE WHEN month = :m - 3 THEN mrr ELSE 0.0 END) AS m0,"
    "    sum(CASE WHEN month = :m - 2 THEN mrr ELSE 0.0 END) AS m1,"
    "    sum(CASE WHEN month = :m - 1 THEN mrr ELSE 0.0 END) AS m2,"
    "    sum(CASE WHEN month = :m THEN mrr ELSE 0.0 END) AS m3"
    "  FROM data_subscriptions WHERE month BETWEEN :m - 3 AND :m GROUP BY cust, product),"
    " pt AS (SELECT *, sum(m0) OVER w AS t0, sum(m1) OVER w AS t1, sum(m2) OVER w AS t2,"
    "    sum(m3) OVER w AS t3 FROM pm WINDOW w AS (PARTITION BY cust)),"
    " steps AS (SELECT cust, m0 AS b, m1 AS a FROM pt WHERE t0 > 0 AND t1 > 0"
    "    UNION ALL SELECT cust, m1, m2 FROM pt WHERE t1 > 0 AND t2 > 0"
    "    UNION ALL SELECT cust, m2, m3 FROM pt WHERE t2 > 0 AND t3 > 0),"
    " flows AS (SELECT cust,"
    "    sum(max(a - b, 0.0)) AS expansion,"
    "    sum(CASE WHEN b > 0 THEN max(a - b, 0.0) ELSE 0.0 END) AS upsell,"
    "    sum(CASE WHEN b = 0 THEN a ELSE 0.0 END) AS cross_sell,"
    "    sum(max(b - a, 0.0)) AS contraction"
    "  FROM steps GROUP BY cust),"
    " products AS (SELECT cust, count(*) AS n FROM pm WHERE m3 > 0 GROUP BY cust) "
    "SELECT c.cust,"
    "  coalesce(t.mrr, 0.0) AS mrr,"
    "  coalesce(t.mrr, 0.0) * 12 AS arr,"
    "  CASE WHEN t.mrr_3m > 0 THEN (t.mrr - t.mrr_3m) * 100.0 / t.mrr_3m END AS mrr_change_90d_pct,"
    "  coalesce(p.n, 0) AS products,"
    "  coalesce(t.billed, 0.0) AS ltv_to_date,"
    "  coalesce(f.expansion, 0.0) AS expansion_mrr_90d,"
    "  coalesce(f.contraction, 0.0) AS contraction_mrr_90d,"
    "  coalesce(f.upsell, 0.0) AS upsell_mrr_90d,"
    "  coalesce(f.cross_sell, 0.0) AS cross_sell_mrr_90d,"
    "  coalesce(t.billed, 0.0) AS tcv,"
    "  CASE WHEN t.paid_months > 0 THEN t.billed / t.paid_months END AS avg_monthly_revenue "
    "FROM data_customers c LEFT JOIN totals t USING (cust) LEFT JOIN flows f USING (cust)"
    " LEFT JOIN products p USING (cust)";

static const char usage_sql[] =
    "WITH u AS (SELECT cust,"
    "    sum(CASE WHEN date >= :d - 29 THEN active_users ELSE 0 END) / 30.0 AS a30,"
    "    sum(CASE WHEN date BETWEEN :d - 59 AND :d - 30 THEN active_users ELSE 0 END) / 30.0 AS p30,"
    "    sum(CASE WHEN date >= :d - 29 THEN sessions ELSE 0 END) AS sessions,"
    "    sum(CASE WHEN date >= :d - 29 THEN events ELSE 0 END) AS events,"
    "    max(CASE WHEN active_users > 0 THEN date END) AS last_active"
    "  FROM data_usage WHERE date <= :d GROUP BY cust) "
    "SELECT c.cust,"
    "  coalesce(u.a30, 0.0) AS active_users_30d,"
    "  coalesce(u.p30, 0.0) AS active_users_prev_30d,"
    "  CASE WHEN u.p30 > 0 THEN (u.a30 - u.p30) * 100.0 / u.p30 END AS usage_trend_pct,"
    "  CASE WHEN c.seats > 0 THEN coalesce(u.a30, 0.0) / c.seats END AS seat_utilization,"
    "  coalesce(u.sessions, 0) AS sessions_30d,"
    "  coalesce(u.events, 0) AS events_30d,"
    "  :d - u.last_active AS days_since_last_activity "
    "FROM data_customers c LEFT JOIN u USING (cust)";

static const char adoption_sql[] =
    "WITH catalog AS (SELECT count(*) AS n, sum(coalesce(key, 0)) AS nkey FROM data_features),"
    " used AS (SELECT a.cust, count(DISTINCT a.feature) AS n,"
    "    count(DISTINCT CASE WHEN f.key = 1 THEN a.feature END) AS nkey"
    "  FROM data_adoption a JOIN data_features f ON f.feature = a.feature"
    "  WHERE a.date BETWEEN :d - 89 AND :d AND coalesce(a.uses, 1) > 0 GROUP BY a.cust) "
    "SELECT c.cust,"
    "  coalesce(u.n, 0) AS features_used_90d,"
    "  CASE WHEN catalog.n > 0 THEN coalesce(u.n, 0) * 100.0 / catalog.n END AS adoption_pct,"
    "  CASE WHEN catalog.nkey > 0 THEN coalesce(u.nkey, 0) * 100.0 / catalog.nkey END"
    "    AS key_adoption_pct "
    "FROM data_customers c CROSS JOIN catalog LEFT JOIN used u USING (cust)";

/* "last" values: the mean of the answers on the latest date with one. */
static const char surveys_sql[] =
    "WITH s AS (SELECT cust, type, date, score,"
    "    max(date) OVER (PARTITION BY cust, type) AS last_date"
    "  FROM data_surveys WHERE date <= :d),"
    " agg AS (SELECT cust,"
    "    avg(CASE WHEN type = 'nps' AND date = last_date THEN score END) AS nps_last,"
    "    sum(CASE WHEN type = 'nps' AND date > :d - 365 THEN 1 ELSE 0 END) AS nps_n,"
    "    sum(CASE WHEN type = 'nps' AND date > :d - 365 AND score >= 9 THEN 1 ELSE 0 END) AS promoters,"
    "    sum(CASE WHEN type = 'nps' AND date > :d - 365 AND score <= 6 THEN 1 ELSE 0 END) AS detractors,"
    "    avg(CASE WHEN type = 'csat' AND date > :d - 90 THEN score END) AS csat,"
    "    avg(CASE WHEN type = 'ces' AND date > :d - 90 THEN score END) AS ces,"
    "    sum(CASE WHEN type <> 'feeling' AND date > :d - 365 THEN 1 ELSE 0 END) AS responses,"
    "    avg(CASE WHEN type = 'feeling' AND date = last_date THEN score END) AS feeling_last"
    "  FROM s GROUP BY cust) "
    "SELECT c.cust, a.nps_last,"
    "  CASE WHEN a.nps_n > 0 THEN (a.promoters - a.detractors) * 100.0 / a.nps_n END AS nps_365d,"
    "  a.csat AS csat_avg_90d, a.ces AS ces_avg_90d,"
    "  coalesce(a.responses, 0) AS responses_365d, a.feeling_last "
    "FROM data_customers c LEFT JOIN agg a USING (cust)";

/* A ticket counts as of D only if it was opened by the end of D; "resolved
 * by D" means resolved before the end of D.  An abandoned ticket is never
 * open. */
static const char tickets_sql[] =
    "WITH t AS (SELECT cust, status, priority, contacts, csat, opened_at,"
    "    CASE WHEN resolved_at < (:d + 1) * 86400 THEN resolved_at END AS resolved,"
    "    opened_at >= (:d - 29) * 86400 AS in_30d,"
    "    opened_at >= (:d - 89) * 86400 AS opened_90d"
    "  FROM data_tickets WHERE opened_at < (:d + 1) * 86400),"
    " agg AS (SELECT cust,"
    "    sum(in_30d) AS opened_30d,"
    "    sum(status <> 'abandoned' AND resolved IS NULL) AS open_now,"
    "    sum(status <> 'abandoned' AND resolved IS NULL AND priority IN ('high', 'urgent'))"
    "      AS urgent_open,"
    "    avg(CASE WHEN resolved >= (:d - 89) * 86400 THEN (resolved - opened_at) / 3600.0 END)"
    "      AS resolution_hours,"
    "    sum(status = 'solved' AND resolved >= (:d - 89) * 86400) AS solved_90d,"
    "    sum(status = 'solved' AND resolved >= (:d - 89) * 86400 AND contacts = 1) AS fcr_90d,"
    "    sum(opened_90d) AS opened_90d,"
    "    sum(opened_90d AND status = 'solved' AND resolved IS NOT NULL) AS opened_solved_90d,"
    "    sum(opened_90d AND status = 'abandoned') AS opened_abandoned_90d,"
    "    avg(CASE WHEN resolved >= (:d - 89) * 86400 THEN csat END) AS csat"
    "  FROM t GROUP BY cust) "
    "SELECT c.cust,"
    "  coalesce(a.opened_30d, 0) AS tickets_30d,"
    "  coalesce(a.open_now, 0) AS tickets_open,"
    "  coalesce(a.urgent_open, 0) AS tickets_urgent_open,"
    "  a.resolution_hours AS resolution_hours_avg_90d,"
    "  CASE WHEN a.solved_90d > 0 THEN a.fcr_90d * 100.0 / a.solved_90d END AS fcr_rate_90d,"
    "  CASE WHEN a.opened_90d > 0 THEN a.opened_solved_90d * 100.0 / a.opened_90d END"
    "    AS solve_rate_90d,"
    "  CASE WHEN a.opened_90d > 0 THEN a.opened_abandoned_90d * 100.0 / a.opened_90d END"
    "    AS abandon_rate_90d,"
    "  a.csat AS ticket_csat_avg_90d "
    "FROM data_customers c LEFT JOIN agg a USING (cust)";

static const char engagement_sql[] =
    "WITH e AS (SELECT cust,"
    "    sum(CASE WHEN date > :d - 90 THEN coalesce(count, 1) ELSE 0 END) AS n90,"
    "    sum(CASE WHEN date > :d - 90 AND kind = 'webinar' THEN coalesce(count, 1) ELSE 0 END)"
    "      AS webinars,"
    "    max(date) AS last_date"
    "  FROM data_engagement WHERE date <= :d GROUP BY cust),"
    " r AS (SELECT k.cust, count(*) AS n FROM data_customers referred"
    "    JOIN customer_keys k ON k.customer_id = referred.referred_by"
    "    WHERE referred.start_date BETWEEN :d - 364 AND :d GROUP BY k.cust) "
    "SELECT c.cust,"
    "  coalesce(e.n90, 0) AS engagements_90d,"
    "  coalesce(e.webinars, 0) AS webinars_90d,"
    "  :d - e.last_date AS days_since_last_engagement,"
    "  coalesce(r.n, 0) AS referrals_365d "
    "FROM data_customers c LEFT JOIN e USING (cust) LEFT JOIN r USING (cust)";

/* The customer's score in the latest complete run with an as-of date
 * before D (ties: the newest run); nil when that run has no score for it. */
static const char history_sql[] =
    "SELECT k.cust, s.score AS score_prev FROM scores s"
    " JOIN customer_keys k ON k.customer_id = s.customer_id"
    " WHERE s.run_id = (SELECT run_id FROM runs WHERE as_of < :dt AND finished_at IS NOT NULL"
    "                   ORDER BY as_of DESC, run_id DESC LIMIT 1)";

static const char *const passes[] = {
    account_sql, revenue_sql, usage_sql, adoption_sql, surveys_sql,
    tickets_sql, engagement_sql, history_sql,
};

static void bind_as_of(sqlite3_stmt *st, vt_day d)
{
    char text[11];
    vt_date_format(d, text);
    int i;
    if ((i = sqlite3_bind_parameter_index(st, ":d")))
        sqlite3_bind_int64(st, i, d);
    if ((i = sqlite3_bind_parameter_index(st, ":m")))
        sqlite3_bind_int64(st, i, vt_day_month(d));
    if ((i = sqlite3_bind_parameter_index(st, ":dt")))
        sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
}

static vt_status run_pass(sqlite3 *db, const char *sql, vt_indicators *ind, vt_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "indicators: %s", sqlite3_errmsg(db));
    bind_as_of(st, vt_indicators_as_of(ind));
    int ncols = sqlite3_column_count(st), col_of[64];
    for (int i = 1; i < ncols && i < 64; i++)
        col_of[i] = vt_indicators_find(ind, sqlite3_column_name(st, i));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int row = vt_indicators_row_of_key(ind, sqlite3_column_int64(st, 0));
        if (row < 0)
            continue;
        for (int i = 1; i < ncols && i < 64; i++) {
            vt_value v = {.type = VT_NIL};
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER: v.type = VT_INT; v.u.i = sqlite3_column_int64(st, i); break;
            case SQLITE_FLOAT: v.type = VT_REAL; v.u.r = sqlite3_column_double(st, i); break;
            case SQLITE_TEXT: v.type = VT_TEXT; v.u.s = (const char *)sqlite3_column_text(st, i); break;
            default: break;
            }
            if (col_of[i] >= 0 && v.type != VT_NIL && vt_indicators_set(ind, row, col_of[i], &v)) {
                sqlite3_finalize(st);
                return vt_fail(err, VT_EINTERNAL, "indicators: out of memory");
            }
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return vt_fail(err, VT_EINTERNAL, "indicators: %s", sqlite3_errmsg(db));
    return VT_OK;
}

/* The customers active at D, ordered by customer_id. */
static vt_status active_customers(sqlite3 *db, vt_day d, vt_indicators **out, vt_error *err)
{
    sqlite3_stmt *st;
    const char *sql = "SELECT k.cust, k.customer_id FROM data_customers c JOIN customer_keys k "
                      "USING (cust) WHERE c.start_date <= :d AND "
                      "(c.churn_date IS NULL OR c.churn_date > :d) ORDER BY k.customer_id";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "indicators: %s", sqlite3_errmsg(db));
    bind_as_of(st, d);
    size_t n = 0, cap = 1024;
    char **ids = malloc(cap * sizeof *ids);
    int64_t *keys = malloc(cap * sizeof *keys);
    vt_status status = VT_OK;
    int rc = SQLITE_DONE;
    while (ids && keys && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            char **more_ids = realloc(ids, cap * sizeof *ids);
            if (more_ids)
                ids = more_ids;
            int64_t *more_keys = realloc(keys, cap * sizeof *keys);
            if (more_keys)
                keys = more_keys;
            if (!more_ids || !more_keys) {
                status = vt_fail(err, VT_EINTERNAL, "indicators: out of memory");
                break;
            }
        }
        keys[n] = sqlite3_column_int64(st, 0);
        if (!(ids[n] = strdup((const char *)sqlite3_column_text(st, 1)))) {
            status = vt_fail(err, VT_EINTERNAL, "indicators: out of memory");
            break;
        }
        n++;
    }
    if (!ids || !keys)
        status = vt_fail(err, VT_EINTERNAL, "indicators: out of memory");
    else if (status == VT_OK && rc != SQLITE_DONE)
        status = vt_fail(err, VT_EINTERNAL, "indicators: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (status == VT_OK) {
        *out = vt_indicators_new_keyed(d, (int)n, (const char *const *)ids, keys);
        if (!*out)
            status = vt_fail(err, VT_EINTERNAL, "indicators: out of memory");
    }
    for (size_t i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
    free(keys);
    return status;
}

vt_status vt_indicators_compute(sqlite3 *db, vt_day as_of, vt_indicators **out, vt_error *err)
{
    *out = NULL;
    vt_indicators *ind = NULL;
    /* one read transaction: every pass sees the same snapshot */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "indicators: %s", sqlite3_errmsg(db));
    vt_status st = active_customers(db, as_of, &ind, err);
    if (st != VT_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    for (const char *const *name = vt_builtin_indicator_names(); *name && st == VT_OK; name++)
        if (strcmp(*name, "score_change") != 0 && vt_indicators_add_column(ind, *name) < 0)
            st = vt_fail(err, VT_EINTERNAL, "indicators: out of memory");
    for (size_t i = 0; st == VT_OK && i < sizeof passes / sizeof passes[0]; i++)
        st = run_pass(db, passes[i], ind, err);
    /* a read transaction: ending it cannot lose anything, but it must end */
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (st != VT_OK) {
        vt_indicators_free(ind);
        return st;
    }
    *out = ind;
    return VT_OK;
}
