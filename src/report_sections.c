/*
 * report_sections.c - the page of the report (report.c), section by
 * section, each with its own query over the run: the header (the run), the
 * bands, the score histogram, the top at-risk customers with their flags and
 * reasons, how often each flag was raised, a summary per owner, headline
 * KPIs of the as-of month (vt_kpis_compute), the customers whose rules
 * failed.  The markup primitives and the charts are in report_html.c.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define DEFAULT_TOP 25
#define SHOWN_FAILED 10

/* The two lowest bands: "at risk" in this report. */
static const char *low_band(const rpt *r, int i)
{
    return i < r->n_bands ? r->bands[i].name : "";
}

/* ---------------------------------------------------------------- the run, the bands */

static void meta_row(rpt *r, const char *label, const char *value)
{
    rpt_put(r, "<dt>%s</dt><dd>", label);
    rpt_text(r->out, value);
    rpt_put(r, "</dd>\n");
}

static void write_header(rpt *r)
{
    char n[32];
    rpt_put(r, "<header>\n<h1>Customer health: run %lld as of %s</h1>\n<dl class=\"meta\">\n",
            r->sum->run_id, r->sum->as_of);
    meta_row(r, "as of", r->sum->as_of);
    meta_row(r, "rules", r->rules_path);
    meta_row(r, "sha256", r->rules_sha256);
    snprintf(n, sizeof n, "%lld", r->sum->customers);
    meta_row(r, "customers", n);
    snprintf(n, sizeof n, "%lld", r->sum->failed);
    meta_row(r, "failed", n);
    meta_row(r, "run started", r->started_at);
    meta_row(r, "run finished", r->finished_at[0] ? r->finished_at : "(unfinished)");
    rpt_put(r, "</dl>\n</header>\n");
}

static void write_bands(rpt *r)
{
    char money[40];
    rpt_put(r, "<section>\n<h2>Bands</h2>\n");
    rpt_band_chart(r);
    rpt_put(r, "<table>\n<tr><th>band</th><th class=\"n\">customers</th><th class=\"n\">share</th>"
               "<th class=\"n\">ARR</th></tr>\n");
    for (int i = 0; i < r->n_bands; i++) {
        const band_info *b = &r->bands[i];
        rpt_put(r, "<tr><td>");
        rpt_band(r, b->name);
        rpt_put(r, "</td><td class=\"n\">%lld</td><td class=\"n\">", b->customers);
        if (r->scored)
            rpt_put(r, "%.1f %%", 100.0 * (double)b->customers / (double)r->scored);
        else
            rpt_put(r, "-");
        rpt_put(r, "</td><td class=\"n\">%s</td></tr>\n", rpt_money(money, b->arr));
    }
    rpt_put(r, "</table>\n");
    if (!r->rule_order)
        rpt_put(r, "<p class=\"note\">The run's rule file is gone or changed since the run: bands "
                   "are ordered by their scores.</p>\n");
    rpt_put(r, "</section>\n");
}

static vt_status read_histogram(rpt *r, long long counts[NBUCKETS])
{
    sqlite3_stmt *q;
    vt_status st = rpt_prepare(r, RUN_ROWS "SELECT max(0, min(9, CAST(score / 10 AS INTEGER))),"
                                  " count(*) FROM s GROUP BY 1", &q);
    if (st != VT_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        counts[sqlite3_column_int(q, 0)] += sqlite3_column_int64(q, 1);
    return rpt_done(r, q, rc, "reading the scores");
}

static vt_status write_histogram(rpt *r)
{
    long long counts[NBUCKETS] = {0};
    vt_status st = read_histogram(r, counts);
    if (st != VT_OK)
        return st;
    rpt_put(r, "<section>\n<h2>Scores</h2>\n");
    rpt_histogram_chart(r, counts);
    rpt_put(r, "<p class=\"note\">Customers per score bucket; a bucket holds its lower "
               "bound, and 100 is in 90&#8211;100.</p>\n</section>\n");
    return VT_OK;
}

/* The flags of one customer (a JSON array) as a list: severity, reason. */
static vt_status put_flags(rpt *r, sqlite3_stmt *fq, const char *flags_json)
{
    sqlite3_reset(fq);
    sqlite3_bind_text(fq, 1, flags_json, -1, SQLITE_TRANSIENT);
    int rc, n = 0;
    while ((rc = sqlite3_step(fq)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(fq, 0);
        const char *sev = (const char *)sqlite3_column_text(fq, 1);
        const char *reason = (const char *)sqlite3_column_text(fq, 2);
        static const char *const known[] = {"critical", "high", "medium", "low"};
        const char *cls = "";
        for (int i = 0; sev && i < 4; i++)
            if (strcmp(sev, known[i]) == 0)
                cls = known[i];
        rpt_put(r, "%s<li><span class=\"sev%s%s\">", n++ ? "" : "<ul class=\"flags\">",
                *cls ? " sev-" : "", cls);
        rpt_text(r->out, sev);
        rpt_put(r, "</span>");
        rpt_text(r->out, reason && *reason ? reason : name);
        rpt_put(r, "</li>");
    }
    if (n)
        rpt_put(r, "</ul>");
    return rc == SQLITE_DONE ? VT_OK : rpt_db_fail(r, "reading flags");
}

static vt_status top_row(rpt *r, sqlite3_stmt *q, sqlite3_stmt *fq)
{
    char money[40];
    rpt_put(r, "<tr>");
    for (int i = 0; i < 4; i++) {
        rpt_put(r, "<td>");
        rpt_text(r->out, (const char *)sqlite3_column_text(q, i));
        rpt_put(r, "</td>");
    }
    rpt_put(r, "<td class=\"n\">%s</td><td class=\"n\">%.1f</td><td>",
            rpt_money(money, sqlite3_column_double(q, 4)), sqlite3_column_double(q, 5));
    rpt_band(r, (const char *)sqlite3_column_text(q, 6));
    rpt_put(r, "</td><td>");
    const char *flags = (const char *)sqlite3_column_text(q, 7);
    vt_status st = flags ? put_flags(r, fq, flags) : VT_OK;
    rpt_put(r, "</td></tr>\n");
    return st;
}

static vt_status top_rows(rpt *r, sqlite3_stmt *q, sqlite3_stmt *fq)
{
    sqlite3_bind_text(q, 2, low_band(r, 0), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, low_band(r, 1), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, r->opt->top > 0 ? r->opt->top : DEFAULT_TOP);
    int rc;
    vt_status st = VT_OK;
    while (st == VT_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        r->sum->at_risk = sqlite3_column_int64(q, 8);
        r->sum->listed++;
        st = top_row(r, q, fq);
    }
    if (st != VT_OK)
        return st;
    return rc == SQLITE_DONE ? VT_OK : rpt_db_fail(r, "reading at-risk customers");
}

static vt_status write_top(rpt *r)
{
    sqlite3_stmt *q, *fq;
    vt_status st = rpt_prepare(r, RUN_ROWS "SELECT customer_id, name, segment, owner, arr, score,"
                                  " band, flags, count(*) OVER () FROM s WHERE band IN (?2, ?3)"
                                  " ORDER BY arr DESC, customer_id LIMIT ?4", &q);
    if (st != VT_OK)
        return st;
    if ((st = rpt_prepare(r, "SELECT f.value ->> 'name', f.value ->> 'severity',"
                             " f.value ->> 'reason' FROM json_each(?1) f", &fq)) != VT_OK) {
        sqlite3_finalize(q);
        return st;
    }
    rpt_put(r, "<section>\n<h2>At risk: the largest ARR in ");
    rpt_text(r->out, low_band(r, 0));
    if (r->n_bands > 1) {
        rpt_put(r, " and ");
        rpt_text(r->out, low_band(r, 1));
    }
    rpt_put(r, "</h2>\n<table>\n<tr><th>customer</th><th>name</th><th>segment</th><th>owner</th>"
               "<th class=\"n\">ARR</th><th class=\"n\">score</th><th>band</th>"
               "<th>flags (most severe first)</th></tr>\n");
    st = top_rows(r, q, fq);
    sqlite3_finalize(q);
    sqlite3_finalize(fq);
    rpt_put(r, "</table>\n<p class=\"note\">%lld of %lld at-risk customers shown.</p>\n"
               "</section>\n", r->sum->listed, r->sum->at_risk);
    return st;
}

static vt_status write_flags(rpt *r)
{
    sqlite3_stmt *q;
    vt_status st = rpt_prepare(r, RUN_ROWS "SELECT f.value ->> 'name' AS name,"
                                  " f.value ->> 'severity', count(DISTINCT s.customer_id),"
                                  " total(s.arr)"
                                  " FROM s, json_each(s.flags) f GROUP BY 1, 2"
                                  " ORDER BY 3 DESC, 1, 2", &q);
    if (st != VT_OK)
        return st;
    rpt_put(r, "<section>\n<h2>Flags</h2>\n<table>\n<tr><th>flag</th><th>severity</th>"
               "<th class=\"n\">customers</th><th class=\"n\">share</th>"
               "<th class=\"n\">their ARR</th></tr>\n");
    int rc, n = 0;
    char money[40];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long c = sqlite3_column_int64(q, 2);
        rpt_put(r, "<tr>");
        for (int i = 0; i < 2; i++) {
            rpt_put(r, "<td>");
            rpt_text(r->out, (const char *)sqlite3_column_text(q, i));
            rpt_put(r, "</td>");
        }
        n++;
        rpt_put(r, "<td class=\"n\">%lld</td><td class=\"n\">%.1f %%</td><td class=\"n\">%s</td>"
                   "</tr>\n", c, r->scored ? 100.0 * (double)c / (double)r->scored : 0.0,
                rpt_money(money, sqlite3_column_double(q, 3)));
    }
    rpt_put(r, "</table>\n%s</section>\n", n ? "" : "<p class=\"note\">No flag was raised.</p>\n");
    return rpt_done(r, q, rc, "reading flags");
}

static vt_status write_owners(rpt *r)
{
    sqlite3_stmt *q;
    vt_status st = rpt_prepare(r, RUN_ROWS "SELECT owner, count(*), sum(band = ?2),"
                                  " sum(band = ?3), total(arr),"
                                  " total(CASE WHEN band IN (?2, ?3) THEN arr END) AS risk"
                                  " FROM s GROUP BY owner"
                                  " ORDER BY risk DESC, owner IS NULL, owner", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 2, low_band(r, 0), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, low_band(r, 1), -1, SQLITE_STATIC);
    rpt_put(r, "<section>\n<h2>Owners</h2>\n<table>\n<tr><th>owner</th>"
               "<th class=\"n\">customers</th><th class=\"n\">");
    rpt_text(r->out, low_band(r, 0));
    rpt_put(r, "</th><th class=\"n\">");
    rpt_text(r->out, low_band(r, 1));
    rpt_put(r, "</th><th class=\"n\">ARR</th><th class=\"n\">ARR at risk</th></tr>\n");
    int rc;
    char a[40], b[40];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *owner = (const char *)sqlite3_column_text(q, 0);
        rpt_put(r, "<tr><td>");
        rpt_text(r->out, owner ? owner : "(none)");
        rpt_put(r, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                   "<td class=\"n\">%lld</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                   "</tr>\n",
                sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
                sqlite3_column_int64(q, 3), rpt_money(a, sqlite3_column_double(q, 4)),
                rpt_money(b, sqlite3_column_double(q, 5)));
    }
    rpt_put(r, "</table>\n<p class=\"note\">ARR at risk: the ARR of the owner's customers in the "
               "two lowest bands.</p>\n</section>\n");
    return rpt_done(r, q, rc, "reading owners");
}

/* ---------------------------------------------------------------- KPIs */

typedef struct headline {
    const char *kpi, *label;
} headline;

static const headline headlines[] = {
    {"logo_churn_rate", "logo churn"}, {"nrr", "NRR"}, {"grr", "GRR"},
    {"nps", "NPS"}, {"csat", "CSAT (share of 4-5)"}, {"arr", "ARR"},
};

static void put_kpi(rpt *r, const vt_kpi_row *row, const headline *h)
{
    const vt_kpi_value *v = vt_kpi_get(row, h->kpi);
    int i = vt_kpi_index(h->kpi);
    char money[40];
    rpt_put(r, "<div class=\"kpi\"><div class=\"v\">");
    if (!v || i < 0 || v->value.nil)
        rpt_put(r, "-");
    else if (vt_kpi_def_at(i)->unit == VT_KPI_MONEY)
        rpt_put(r, "%s", rpt_money(money, v->value.v));
    else if (vt_kpi_def_at(i)->unit == VT_KPI_PERCENT)
        rpt_put(r, "%.1f %%", v->value.v);
    else
        rpt_put(r, "%.1f", v->value.v);
    rpt_put(r, "</div><div class=\"l\">%s</div></div>\n", h->label);
}

/* The KPI period: --kpis-month in full, else the as-of month up to as-of. */
static void kpi_period(rpt *r, vt_kpi_options *o)
{
    vt_day as_of = 0;
    vt_date_parse(r->sum->as_of, &as_of);
    int32_t m = r->opt->kpis_month >= 0 ? r->opt->kpis_month : vt_day_month(as_of);
    vt_kpis_month_span(m, 1, &o->from, &o->to);
    if (r->opt->kpis_month < 0 && as_of < o->to)
        o->to = as_of;
    vt_date_format(o->from, r->sum->kpis_from);
    vt_date_format(o->to, r->sum->kpis_to);
}

/* No customers at either end: no data for that month. */
static int kpis_empty(const vt_kpi_row *row)
{
    const vt_kpi_value *a = vt_kpi_get(row, "customers_start");
    const vt_kpi_value *b = vt_kpi_get(row, "customers_end");
    return a && b && !(a->value.v > 0) && !(b->value.v > 0);
}

/* The KPI block.  An explicit --kpis-month that cannot be computed fails the
 * report; for the default month the block says why it is missing. */
static vt_status write_kpis(rpt *r)
{
    vt_kpi_options o = {0};
    kpi_period(r, &o);
    vt_kpi_report *rep = NULL;
    vt_error kerr;
    vt_status st = vt_kpis_compute(r->db, &o, &rep, &kerr);
    if (st != VT_OK && r->opt->kpis_month >= 0)
        return vt_fail(r->err, st, "KPIs of %s to %s: %s", r->sum->kpis_from,
                       r->sum->kpis_to, kerr.msg);
    rpt_put(r, "<section>\n<h2>KPIs, %s to %s</h2>\n", r->sum->kpis_from, r->sum->kpis_to);
    const vt_kpi_row *row = st == VT_OK && rep->nrows > 0 ? &rep->rows[rep->nrows - 1] : NULL;
    if (!row) {
        rpt_put(r, "<p class=\"note\">Not available: ");
        rpt_text(r->out, st == VT_OK ? "no rows" : kerr.msg);
        rpt_put(r, "</p>\n");
    } else if (kpis_empty(row)) {
        rpt_put(r, "<p class=\"note\">No customers in this period.</p>\n");
    } else {
        r->sum->kpis = 1;
        rpt_put(r, "<div class=\"kpis\">\n");
        for (size_t i = 0; i < sizeof headlines / sizeof *headlines; i++)
            put_kpi(r, row, &headlines[i]);
        rpt_put(r, "</div>\n<p class=\"note\"><code>vitals kpis --from %s --to %s --explain</code>"
                   " shows how each is computed; -: no data.</p>\n",
                r->sum->kpis_from, r->sum->kpis_to);
    }
    rpt_put(r, "</section>\n");
    vt_kpis_free(rep);
    return VT_OK;
}

/* ---------------------------------------------------------------- failures */

static vt_status write_failed(rpt *r)
{
    if (r->sum->failed == 0)
        return VT_OK;
    sqlite3_stmt *q;
    vt_status st = rpt_prepare(r, "SELECT customer_id, error FROM scores WHERE run_id = ?1"
                                  " AND error IS NOT NULL ORDER BY customer_id LIMIT ?2", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_int(q, 2, SHOWN_FAILED);
    rpt_put(r, "<section>\n<h2>Failed customers</h2>\n<table>\n<tr><th>customer</th><th>error</th>"
               "</tr>\n");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        rpt_put(r, "<tr><td>");
        rpt_text(r->out, (const char *)sqlite3_column_text(q, 0));
        rpt_put(r, "</td><td>");
        rpt_text(r->out, (const char *)sqlite3_column_text(q, 1));
        rpt_put(r, "</td></tr>\n");
    }
    rpt_put(r, "</table>\n<p class=\"note\">%lld customer%s failed their rules (no score); the "
               "first %d are shown; <code>vitals explain ID</code> tells why.</p>\n</section>\n",
            r->sum->failed, r->sum->failed == 1 ? "" : "s", SHOWN_FAILED);
    return rpt_done(r, q, rc, "reading failed customers");
}

/* ---------------------------------------------------------------- the page */

vt_status rpt_write_page(rpt *r)
{
    vt_status st;
    rpt_write_head(r);
    write_header(r);
    write_bands(r);
    if ((st = write_histogram(r)) == VT_OK && (st = write_top(r)) == VT_OK &&
        (st = write_flags(r)) == VT_OK && (st = write_owners(r)) == VT_OK &&
        (st = write_kpis(r)) == VT_OK)
        st = write_failed(r);
    rpt_put(r, "<footer class=\"note\">Written by vitals %s from run %lld.</footer>\n"
               "</main>\n</body>\n</html>\n", VITALS_VERSION, r->sum->run_id);
    return st;
}
