/*
 * kpis.c - portfolio KPIs (SPEC §4): the one table that defines them and the
 * set-based SQL that computes them for a period, per group and per month.
 *
 * Three layers, each plain data:
 *   sources  CTEs over the data_* tables (movements.c has the MRR ones), one
 *            row per customer, product, survey answer, ticket or spend line,
 *            each with g, the customer's group (its --by value; NULL without
 *            --by, so that all customers make one group);
 *   terms    counts and sums over one source: customers_start, promoters...,
 *            aggregated twice over the same rows: per group (t = 0, with
 *            --by) and over all of them (t = 1, the total row, so it equals
 *            the figures without --by to the last digit);
 *   kpis     a numerator and an optional denominator over the terms.
 * One statement, generated from the tables, computes every term and KPI of
 * every group of a period; the same tables feed --explain, --list and docs.
 * Ratios with an empty or zero denominator are nil, never 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpis.h"

/* The columns --by may group on, as the SQL names them. */
static const char *const by_columns[] = {"segment", "plan", "owner", "region", NULL};

/* The period's customers (the base flagged once), their groups, and the
 * sources that are not MRR.  Parameters: :from, :to (days), :t0, :t1
 * (seconds, t1 excluded), :ms (the month before from's month), :mf and :me
 * (from's and to's months), :months, :by (the --by column or NULL).
 * Rows are looked up from the customers through the (cust, date) keys. */
static const char customers_sql[] =
    " start_date, churn_date, renewal_date, referred_by,"
    "   start_date < :from AND (churn_date IS NULL OR churn_date >= :from) AS in_base"
    " FROM data_customers),\n"
    "grp AS (SELECT DISTINCT 0 AS t, g FROM people WHERE :by IS NOT NULL"
    " UNION ALL SELECT 1, NULL),\n";

static const char other_sources_sql[] =
    "srv AS MATERIALIZED (SELECT p.g, s.type, s.score FROM people p CROSS JOIN data_surveys s"
    " ON s.cust = p.cust AND s.date BETWEEN :from AND :to),\n"
    "tix AS MATERIALIZED (SELECT p.g, k.status, k.contacts, k.opened_at, k.resolved_at,"
    "   k.opened_at >= :t0 AND k.opened_at < :t1 AS opened_in,"
    "   k.status = 'solved' AND k.resolved_at >= :t0 AND k.resolved_at < :t1 AS solved_in"
    " FROM data_tickets k JOIN people p ON p.cust = k.cust"
    " WHERE (k.opened_at >= :t0 AND k.opened_at < :t1)"
    "   OR (k.resolved_at >= :t0 AND k.resolved_at < :t1)),\n"
    "spent AS MATERIALIZED (SELECT amount FROM data_spend WHERE month BETWEEN :mf AND :me),\n";

#define PERIOD "period"  /* the source of terms that are constants of the period */

/* Every term: name, unit, meaning, source, aggregate, total only. */
static const vt_kpi_term terms[] = {
    {"customers_start", VT_KPI_COUNT,
     "the base: customers active the day before `from` "
     "(start_date < from, churn_date empty or >= from)",
     "people", "sum(in_base)", 0},
    {"churned_customers", VT_KPI_COUNT, "base customers with churn_date in [from, to]",
     "people", "sum(in_base AND churn_date BETWEEN :from AND :to)", 0},
    {"new_customers", VT_KPI_COUNT, "customers with start_date in [from, to] (so not in the base)",
     "people", "sum(start_date BETWEEN :from AND :to)", 0},
    {"customers_end", VT_KPI_COUNT,
     "customers active at `to` (start_date <= to, churn_date empty or > to)",
     "people", "sum(start_date <= :to AND (churn_date IS NULL OR churn_date > :to))", 0},
    {"referrals", VT_KPI_COUNT, "new customers with referred_by set",
     "people", "sum(start_date BETWEEN :from AND :to AND referred_by IS NOT NULL)", 0},
    {"renewals_due", VT_KPI_COUNT, "base customers with renewal_date in [from, to]",
     "people", "sum(in_base AND renewal_date BETWEEN :from AND :to)", 0},
    {"renewed", VT_KPI_COUNT,
     "renewals_due customers not churned by `to` (churn_date empty or > to)",
     "people",
     "sum(in_base AND renewal_date BETWEEN :from AND :to"
     " AND (churn_date IS NULL OR churn_date > :to))", 0},
    {"mrr_start", VT_KPI_MONEY, "MRR (all products) of the month before from's month",
     "acct", "total(s)", 0},
    {"mrr_end", VT_KPI_MONEY, "MRR of to's month", "acct", "total(e)", 0},
    {"new_mrr", VT_KPI_MONEY,
     "end MRR of customers at 0 at the start who never paid before the period",
     "acct", "total(CASE WHEN s = 0 AND e > 0 AND NOT paid_before THEN e END)", 0},
    {"reactivation_mrr", VT_KPI_MONEY,
     "end MRR of customers at 0 at the start who paid in an earlier month",
     "acct", "total(CASE WHEN s = 0 AND e > 0 AND paid_before THEN e END)", 0},
    {"churned_mrr", VT_KPI_MONEY, "start MRR of customers whose MRR falls to 0",
     "acct", "total(CASE WHEN s > 0 AND e = 0 THEN s END)", 0},
    {"upsell_mrr", VT_KPI_MONEY,
     "growth of products with MRR at the start, of customers paying at both ends",
     "kept", "total(CASE WHEN sp > 0 AND ep > sp THEN ep - sp END)", 0},
    {"cross_sell_mrr", VT_KPI_MONEY,
     "end MRR of products without MRR at the start, of customers paying at both ends",
     "kept", "total(CASE WHEN sp = 0 AND ep > 0 THEN ep END)", 0},
    {"contraction_mrr", VT_KPI_MONEY,
     "falls of products (to 0 included) of customers paying at both ends",
     "kept", "total(CASE WHEN ep < sp THEN sp - ep END)", 0},
    {"revenue", VT_KPI_MONEY, "MRR summed over the months of the period",
     "paying", "total(mrr)", 0},
    {"paying_months", VT_KPI_COUNT, "(customer, month) pairs of the period with MRR > 0",
     "paying", "count(*)", 0},
    {"nps_responses", VT_KPI_COUNT, "nps answers dated in the period",
     "srv", "sum(type = 'nps')", 0},
    {"promoters", VT_KPI_COUNT, "nps answers scoring 9-10", "srv",
     "sum(type = 'nps' AND score >= 9)", 0},
    {"detractors", VT_KPI_COUNT, "nps answers scoring 0-6", "srv",
     "sum(type = 'nps' AND score <= 6)", 0},
    {"csat_responses", VT_KPI_COUNT, "csat answers dated in the period",
     "srv", "sum(type = 'csat')", 0},
    {"csat_satisfied", VT_KPI_COUNT, "csat answers scoring 4-5", "srv",
     "sum(type = 'csat' AND score >= 4)", 0},
    {"ces_responses", VT_KPI_COUNT, "ces answers dated in the period",
     "srv", "sum(type = 'ces')", 0},
    {"ces_sum", VT_KPI_SCORE, "their scores, summed", "srv",
     "total(CASE WHEN type = 'ces' THEN score END)", 0},
    {"solved_tickets", VT_KPI_COUNT, "tickets with status solved and resolved_at in the period",
     "tix", "sum(solved_in)", 0},
    {"resolution_hours", VT_KPI_HOURS, "their opened_at -> resolved_at hours, summed", "tix",
     "total(CASE WHEN solved_in THEN (resolved_at - opened_at) / 3600.0 END)", 0},
    {"first_contact_solved", VT_KPI_COUNT, "solved_tickets with contacts = 1",
     "tix", "sum(solved_in AND contacts = 1)", 0},
    {"opened_tickets", VT_KPI_COUNT, "tickets with opened_at in the period",
     "tix", "sum(opened_in)", 0},
    {"opened_solved", VT_KPI_COUNT, "opened_tickets solved by the end of `to`", "tix",
     "sum(opened_in AND status = 'solved' AND resolved_at < :t1)", 0},
    {"opened_abandoned", VT_KPI_COUNT, "opened_tickets with status abandoned", "tix",
     "sum(opened_in AND status = 'abandoned')", 0},
    {"spend", VT_KPI_MONEY,
     "acquisition spend of the period's months (whole months; nil in group rows)",
     "spent", "total(amount)", 1},
    {"months", VT_KPI_COUNT, "calendar months from from's month to to's month",
     PERIOD, ":months", 0},
};

#define PCT VT_KPI_PERCENT
#define MONEY VT_KPI_MONEY
#define COUNT VT_KPI_COUNT
#define MONTHLY_CHURN "1.0 * churned_customers / customers_start / months"

/* Every KPI of SPEC §4, in its order: name, unit, meaning, formula,
 * numerator, denominator (NULL: the value is the numerator), scale. */
static const vt_kpi_def kpis[] = {
    /* logo_churn_rate = churned / base * 100 */
    {"logo_churn_rate", PCT, "share of the base lost in the period",
     "churned_customers / customers_start * 100", "churned_customers", "customers_start", 100},
    /* retention_rate = (base - churned) / base * 100 */
    {"retention_rate", PCT, "share of the base still a customer at the end",
     "(customers_start - churned_customers) / customers_start * 100",
     "customers_start - churned_customers", "customers_start", 100},
    /* customers_start = |base| */
    {"customers_start", COUNT, "customers active the day before `from` (the base)",
     "count of customers with start_date < from and (churn_date empty or >= from)",
     "customers_start", NULL, 1},
    /* customers_end = |active at to| */
    {"customers_end", COUNT, "customers active at `to`",
     "count of customers with start_date <= to and (churn_date empty or > to)", "customers_end",
     NULL, 1},
    /* new_customers = |start_date in period| */
    {"new_customers", COUNT, "customers who started in the period",
     "count of customers with from <= start_date <= to", "new_customers", NULL, 1},
    /* churned_customers = |base with churn_date in period| */
    {"churned_customers", COUNT, "base customers who churned in the period",
     "count of base customers with from <= churn_date <= to", "churned_customers", NULL, 1},
    /* mrr_start = MRR(month before from's month) */
    {"mrr_start", MONEY, "MRR of the month before the period",
     "sum of mrr, all products, in the month before from's month", "mrr_start", NULL, 1},
    /* mrr_end = MRR(to's month) */
    {"mrr_end", MONEY, "MRR of the period's last month", "sum of mrr, all products, in to's month",
     "mrr_end", NULL, 1},
    /* new_mrr = end MRR of first-time payers */
    {"new_mrr", MONEY, "MRR of customers paying for the first time",
     "end MRR of customers 0 -> >0 whose first paid month is in the period", "new_mrr", NULL, 1},
    /* expansion_mrr = upsell + cross-sell */
    {"expansion_mrr", MONEY, "growth of paying customers: upsell + cross-sell",
     "upsell_mrr + cross_sell_mrr", "upsell_mrr + cross_sell_mrr", NULL, 1},
    /* upsell_mrr = growth of existing products */
    {"upsell_mrr", MONEY, "growth of products the customer already paid for",
     "sum of end - start over the products with start MRR > 0 that grew, of customers paying "
     "at both ends", "upsell_mrr", NULL, 1},
    /* cross_sell_mrr = MRR of new products */
    {"cross_sell_mrr", MONEY, "MRR of products the customer did not pay for at the start",
     "sum of end MRR over the products without start MRR, of customers paying at both ends",
     "cross_sell_mrr", NULL, 1},
    /* contraction_mrr = falls of products of paying customers */
    {"contraction_mrr", MONEY, "MRR lost by customers who still pay",
     "sum of start - end over the products that fell (to 0 included), of customers paying at "
     "both ends", "contraction_mrr", NULL, 1},
    /* churned_mrr = start MRR of customers falling to 0 */
    {"churned_mrr", MONEY, "starting MRR of customers who stopped paying",
     "start MRR of customers >0 -> 0", "churned_mrr", NULL, 1},
    /* reactivation_mrr = end MRR of returning payers */
    {"reactivation_mrr", MONEY, "MRR of customers who paid before, stopped, and pay again",
     "end MRR of customers 0 -> >0 who paid in a month before the period", "reactivation_mrr",
     NULL, 1},
    /* gross_revenue_churn_rate = (contraction + churned) / mrr_start * 100 */
    {"gross_revenue_churn_rate", PCT, "share of the starting MRR lost",
     "(contraction_mrr + churned_mrr) / mrr_start * 100", "contraction_mrr + churned_mrr",
     "mrr_start", 100},
    /* grr = (mrr_start - contraction - churned) / mrr_start * 100 */
    {"grr", PCT, "gross revenue retention: starting MRR kept, growth not counted",
     "(mrr_start - contraction_mrr - churned_mrr) / mrr_start * 100",
     "mrr_start - contraction_mrr - churned_mrr", "mrr_start", 100},
    /* nrr = (mrr_start + expansion - contraction - churned) / mrr_start * 100 */
    {"nrr", PCT, "net revenue retention: starting MRR kept, with expansion",
     "(mrr_start + expansion_mrr - contraction_mrr - churned_mrr) / mrr_start * 100",
     "mrr_start + upsell_mrr + cross_sell_mrr - contraction_mrr - churned_mrr", "mrr_start",
     100},
    /* arr = 12 * mrr_end */
    {"arr", MONEY, "annual recurring revenue at the end", "12 * mrr_end", "12 * mrr_end", NULL, 1},
    /* nps = (promoters - detractors) / responses * 100 */
    {"nps", VT_KPI_SCORE, "Net Promoter Score of the period's answers, -100..100",
     "(promoters - detractors) / nps_responses * 100", "promoters - detractors",
     "nps_responses", 100},
    /* csat = satisfied / responses * 100 */
    {"csat", PCT, "share of csat answers scoring 4-5",
     "csat_satisfied / csat_responses * 100", "csat_satisfied", "csat_responses", 100},
    /* ces_avg = mean ces score */
    {"ces_avg", VT_KPI_SCORE, "mean Customer Effort Score (1-7)", "ces_sum / ces_responses",
     "ces_sum", "ces_responses", 1},
    /* resolution_hours_avg = mean opened -> resolved hours */
    {"resolution_hours_avg", VT_KPI_HOURS, "mean hours to resolve the tickets solved in the period",
     "resolution_hours / solved_tickets", "resolution_hours", "solved_tickets", 1},
    /* fcr_rate = solved at the first contact / solved * 100 */
    {"fcr_rate", PCT, "share of solved tickets solved at the first contact",
     "first_contact_solved / solved_tickets * 100", "first_contact_solved", "solved_tickets",
     100},
    /* solve_rate = opened and solved by to / opened * 100 */
    {"solve_rate", PCT, "share of the tickets opened in the period solved by `to`",
     "opened_solved / opened_tickets * 100", "opened_solved", "opened_tickets", 100},
    /* abandon_rate = opened and abandoned / opened * 100 */
    {"abandon_rate", PCT, "share of the tickets opened in the period abandoned",
     "opened_abandoned / opened_tickets * 100", "opened_abandoned", "opened_tickets", 100},
    /* renewal_rate = renewed / renewals due * 100 */
    {"renewal_rate", PCT, "share of the base's renewals due in the period not churned by `to`",
     "renewed / renewals_due * 100", "renewed", "renewals_due", 100},
    /* cac = spend / new customers */
    {"cac", MONEY, "customer acquisition cost: spend per new customer",
     "spend / new_customers", "spend", "new_customers", 1},
    /* arpa = mrr_end / customers_end */
    {"arpa", MONEY, "average MRR per account at the end", "mrr_end / customers_end", "mrr_end",
     "customers_end", 1},
    /* ltv = arpa / monthly logo churn (a fraction) */
    {"ltv", MONEY, "lifetime value: arpa over the monthly logo churn",
     "arpa / monthly_churn, monthly_churn = churned_customers / customers_start / months",
     "1.0 * mrr_end / customers_end", MONTHLY_CHURN, 1},
    /* avg_lifetime_months = 1 / monthly logo churn (a fraction) */
    {"avg_lifetime_months", VT_KPI_MONTHS, "expected customer lifetime at this churn",
     "1 / monthly_churn, monthly_churn = churned_customers / customers_start / months", "1",
     MONTHLY_CHURN, 1},
    /* avg_ticket = revenue / paying customer-months */
    {"avg_ticket", MONEY, "ticket médio: revenue per paying customer-month",
     "revenue / paying_months", "revenue", "paying_months", 1},
    /* referrals = new customers with referred_by */
    {"referrals", COUNT, "new customers referred by a customer",
     "count of new customers with referred_by set", "referrals", NULL, 1},
};

#define NTERMS ((int)(sizeof terms / sizeof terms[0]))
#define NKPIS ((int)(sizeof kpis / sizeof kpis[0]))

int vt_kpi_count(void)
{
    return NKPIS;
}

const vt_kpi_def *vt_kpi_def_at(int i)
{
    return i >= 0 && i < NKPIS ? &kpis[i] : NULL;
}

int vt_kpi_index(const char *name)
{
    for (int i = 0; i < NKPIS; i++)
        if (strcmp(kpis[i].name, name) == 0)
            return i;
    return -1;
}

int vt_kpi_term_count(void)
{
    return NTERMS;
}

const vt_kpi_term *vt_kpi_term_at(int i)
{
    return i >= 0 && i < NTERMS ? &terms[i] : NULL;
}

const vt_kpi_value *vt_kpi_get(const vt_kpi_row *row, const char *name)
{
    int i = vt_kpi_index(name);
    return i < 0 ? NULL : &row->kpis[i];
}

/* ------------------------------------------------------------ the statement */

/* people: the customers with their group g (a CASE over by_columns). */
static void add_people(sqlite3_str *s)
{
    sqlite3_str_appendall(s, "WITH people AS (SELECT cust, CASE :by");
    for (int i = 0; by_columns[i]; i++)
        sqlite3_str_appendf(s, " WHEN '%s' THEN \"%s\"", by_columns[i], by_columns[i]);
    sqlite3_str_appendall(s, " END AS g,");
    sqlite3_str_appendall(s, customers_sql);
}

/* Whether terms[i] is the first term of its source. */
static int first_of_source(int i)
{
    for (int j = 0; j < i; j++)
        if (strcmp(terms[j].source, terms[i].source) == 0)
            return 0;
    return 1;
}

static int is_period(const vt_kpi_term *t)
{
    return strcmp(t->source, PERIOD) == 0;
}

/* ", AGG AS term" for every term of source src. */
static void add_aggregates(sqlite3_str *s, const char *src)
{
    for (int j = 0; j < NTERMS; j++)
        if (strcmp(terms[j].source, src) == 0)
            sqlite3_str_appendf(s, ", %s AS %s", terms[j].sql, terms[j].name);
}

/* f_SOURCE: the terms of a source per group (t = 0, only with --by) and
 * over all its rows (t = 1); a total-only source has the t = 1 row only. */
static void add_term_ctes(sqlite3_str *s)
{
    for (int i = 0; i < NTERMS; i++) {
        const char *src = terms[i].source;
        if (!first_of_source(i) || is_period(&terms[i]))
            continue;
        sqlite3_str_appendf(s, "f_%s AS (", src);
        if (!terms[i].total_only) {
            sqlite3_str_appendall(s, "SELECT 0 AS t, g");
            add_aggregates(s, src);
            sqlite3_str_appendf(s, " FROM %s WHERE :by IS NOT NULL GROUP BY g UNION ALL ", src);
        }
        sqlite3_str_appendall(s, "SELECT 1 AS t, NULL AS g");
        add_aggregates(s, src);
        sqlite3_str_appendf(s, " FROM %s),\n", src);
    }
}

/* facts: one row per group and the total row, with every term (0 when its
 * source has no rows for the group; total-only terms nil in group rows). */
static void add_facts(sqlite3_str *s)
{
    sqlite3_str_appendall(s, "facts AS (SELECT grp.t AS t, grp.g AS g");
    for (int i = 0; i < NTERMS; i++) {
        const vt_kpi_term *tm = &terms[i];
        if (is_period(tm))
            sqlite3_str_appendf(s, ", %s AS %s", tm->sql, tm->name);
        else
            sqlite3_str_appendf(s, ", %scoalesce(f_%s.%s, 0)%s AS %s",
                                tm->total_only ? "CASE WHEN grp.t = 1 THEN " : "", tm->source,
                                tm->name, tm->total_only ? " END" : "", tm->name);
    }
    sqlite3_str_appendall(s, " FROM grp");
    for (int i = 0; i < NTERMS; i++)
        if (first_of_source(i) && !is_period(&terms[i]))
            sqlite3_str_appendf(s, " LEFT JOIN f_%s ON f_%s.t = grp.t AND f_%s.g IS grp.g",
                                terms[i].source, terms[i].source, terms[i].source);
    sqlite3_str_appendall(s, ")\n");
}

/* Result columns: t, g, every term, then each KPI's numerator and denominator. */
enum { COL_T, COL_G, COL_TERMS };
#define COL_KPIS (COL_TERMS + NTERMS)

static void add_select(sqlite3_str *s)
{
    sqlite3_str_appendall(s, "SELECT t, g");
    for (int i = 0; i < NTERMS; i++)
        sqlite3_str_appendf(s, ", %s", terms[i].name);
    for (int i = 0; i < NKPIS; i++)
        sqlite3_str_appendf(s, ", (%s), (%s)", kpis[i].numerator,
                            kpis[i].denominator ? kpis[i].denominator : "NULL");
    sqlite3_str_appendall(s, " FROM facts ORDER BY t, g IS NULL, g");
}

static vt_status prepare(sqlite3 *db, sqlite3_stmt **q, vt_error *err)
{
    sqlite3_str *s = sqlite3_str_new(db);
    add_people(s);
    sqlite3_str_appendall(s, vt_movements_sql);
    sqlite3_str_appendall(s, other_sources_sql);
    add_term_ctes(s);
    add_facts(s);
    add_select(s);
    char *sql = sqlite3_str_finish(s);
    if (!sql)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    int rc = sqlite3_prepare_v2(db, sql, -1, q, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return vt_fail(err, VT_EINTERNAL, "preparing the KPI query: %s", sqlite3_errmsg(db));
    return VT_OK;
}

/* ------------------------------------------------------------ running it */

static void bind_int(sqlite3_stmt *q, const char *name, long long v)
{
    int i = sqlite3_bind_parameter_index(q, name);
    if (i > 0)
        sqlite3_bind_int64(q, i, v);
}

static void bind_period(sqlite3_stmt *q, vt_day from, vt_day to, const char *by)
{
    int32_t mf = vt_day_month(from), me = vt_day_month(to);
    bind_int(q, ":from", from);
    bind_int(q, ":to", to);
    bind_int(q, ":t0", (long long)from * 86400);
    bind_int(q, ":t1", ((long long)to + 1) * 86400);
    bind_int(q, ":ms", mf - 1);
    bind_int(q, ":mf", mf);
    bind_int(q, ":me", me);
    bind_int(q, ":months", me - mf + 1);
    int i = sqlite3_bind_parameter_index(q, ":by");
    if (by)
        sqlite3_bind_text(q, i, by, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

static vt_kpi_num column_num(sqlite3_stmt *q, int col)
{
    vt_kpi_num n = {0, 1};
    if (sqlite3_column_type(q, col) != SQLITE_NULL) {
        n.v = sqlite3_column_double(q, col);
        n.nil = 0;
    }
    return n;
}

/* value = numerator / denominator * scale; nil on a nil part or a zero denominator. */
static vt_kpi_value kpi_value(const vt_kpi_def *d, vt_kpi_num num, vt_kpi_num den)
{
    vt_kpi_value v = {.value = {0, 1}, .numerator = num, .denominator = den};
    if (num.nil || (d->denominator && (den.nil || den.v == 0)))
        return v;
    v.value.v = (d->denominator ? num.v / den.v : num.v) * d->scale;
    v.value.nil = 0;
    return v;
}

static vt_kpi_row *new_row(vt_kpi_report *rep)
{
    if (rep->nrows % 16 == 0) {
        vt_kpi_row *rows = realloc(rep->rows, (size_t)(rep->nrows + 16) * sizeof *rows);
        if (!rows)
            return NULL;
        rep->rows = rows;
    }
    vt_kpi_row *row = &rep->rows[rep->nrows];
    memset(row, 0, sizeof *row);
    row->kpis = calloc(NKPIS, sizeof *row->kpis);
    row->terms = calloc(NTERMS, sizeof *row->terms);
    rep->nrows++;  /* counted at once, so vt_kpis_free frees what was allocated */
    return row->kpis && row->terms ? row : NULL;
}

static vt_status add_row(vt_kpi_report *rep, sqlite3_stmt *q, vt_day from, vt_day to,
                         int32_t month, vt_error *err)
{
    vt_kpi_row *row = new_row(rep);
    if (!row)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    row->from = from;
    row->to = to;
    row->month = month;
    row->total = sqlite3_column_int(q, COL_T);
    const unsigned char *g = sqlite3_column_text(q, COL_G);
    if (g && !(row->group = strdup((const char *)g)))
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    for (int i = 0; i < NTERMS; i++)
        row->terms[i] = column_num(q, COL_TERMS + i);
    for (int i = 0; i < NKPIS; i++)
        row->kpis[i] = kpi_value(&kpis[i], column_num(q, COL_KPIS + 2 * i),
                                 column_num(q, COL_KPIS + 2 * i + 1));
    return VT_OK;
}

/* Run the statement for one period, adding a row per group. */
static vt_status run_period(sqlite3_stmt *q, vt_kpi_report *rep, vt_day from, vt_day to,
                            int32_t month, vt_error *err)
{
    bind_period(q, from, to, rep->opt.by);
    vt_status st = VT_OK;
    int rc = SQLITE_DONE;
    while (st == VT_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
        st = add_row(rep, q, from, to, month, err);
    if (st == VT_OK && rc != SQLITE_DONE)
        st = vt_fail(err, VT_EINTERNAL, "computing the KPIs: %s",
                     sqlite3_errmsg(sqlite3_db_handle(q)));
    sqlite3_reset(q);
    return st;
}

static vt_status run_all(sqlite3_stmt *q, vt_kpi_report *rep, vt_error *err)
{
    const vt_kpi_options *o = &rep->opt;
    if (!o->monthly)
        return run_period(q, rep, o->from, o->to, -1, err);
    vt_status st = VT_OK;
    for (int32_t m = vt_day_month(o->from); st == VT_OK && m <= vt_day_month(o->to); m++) {
        vt_day first, last;
        vt_kpis_month_span(m, 1, &first, &last);
        st = run_period(q, rep, first > o->from ? first : o->from, last < o->to ? last : o->to,
                        m, err);
    }
    return st;
}

static vt_status check_options(const vt_kpi_options *o, const char **by, vt_error *err)
{
    *by = NULL;
    if (o->from > o->to) {
        char a[11], b[11];
        vt_date_format(o->from, a);
        vt_date_format(o->to, b);
        return vt_fail(err, VT_EUSAGE, "the period starts (%s) after it ends (%s)", a, b);
    }
    if (!o->by)
        return VT_OK;
    for (int i = 0; by_columns[i]; i++)
        if (strcmp(o->by, by_columns[i]) == 0) {
            *by = by_columns[i];
            return VT_OK;
        }
    return vt_fail(err, VT_EUSAGE, "cannot group by '%s': expected segment, plan, owner or region",
                   o->by);
}

vt_status vt_kpis_compute(sqlite3 *db, const vt_kpi_options *opt, vt_kpi_report **out,
                          vt_error *err)
{
    *out = NULL;
    const char *by;
    vt_status st = check_options(opt, &by, err);
    if (st != VT_OK)
        return st;
    vt_kpi_report *rep = calloc(1, sizeof *rep);
    if (!rep)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    rep->opt = *opt;
    rep->opt.by = by;
    sqlite3_stmt *q = NULL;
    st = prepare(db, &q, err);
    if (st == VT_OK)
        st = run_all(q, rep, err);
    sqlite3_finalize(q);
    for (int i = 0; st == VT_OK && i < rep->nrows; i++)
        st = vt_kpis_reconcile(&rep->rows[i], err);
    if (st != VT_OK) {
        vt_kpis_free(rep);
        return st;
    }
    *out = rep;
    return VT_OK;
}

void vt_kpis_free(vt_kpi_report *rep)
{
    if (!rep)
        return;
    for (int i = 0; i < rep->nrows; i++) {
        free(rep->rows[i].group);
        free(rep->rows[i].kpis);
        free(rep->rows[i].terms);
    }
    free(rep->rows);
    free(rep);
}

/* ------------------------------------------------------------ months */

static vt_day first_day(int32_t month)
{
    char buf[32];
    vt_day d = 0;
    snprintf(buf, sizeof buf, "%04d-%02d-01", (int)(month / 12), (int)(month % 12 + 1));
    vt_date_parse(buf, &d);
    return d;
}

void vt_kpis_month_span(int32_t month, int n, vt_day *from, vt_day *to)
{
    int32_t last = month + n - 1;
    *from = first_day(month);
    *to = first_day(last) + 27;  /* every month has 28 days; find its end */
    while (vt_day_month(*to + 1) == last)
        (*to)++;
}
