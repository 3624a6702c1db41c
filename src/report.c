/*
 * report.c - a self-contained HTML report of a stored run (SPEC §1
 * `report`): one file with inline CSS and inline SVG charts drawn here, no
 * scripts and no external resources, so it can be mailed or archived as is.
 *
 * Sections: the run (as-of, rules file and its sha256, customers, failed);
 * customers and ARR per band (SVG bars and a table); the score histogram
 * (10-point buckets, SVG); the top at-risk customers (the two lowest bands,
 * largest ARR first) with their flags and reasons; how often each flag was
 * raised; a summary per owner; headline KPIs of the as-of month
 * (vt_kpis_compute); the customers whose rules failed.
 *
 * ARR is 12 x the customer's MRR in the run's as-of month, as `export` has
 * it.  Bands are ordered as the run's rule file declares them when that file
 * is still there unchanged (same sha256); otherwise from the scores (a band
 * whose scores are lower comes first).  Every text from the database goes
 * through put_text, which HTML-escapes it: customer names may hold <, &, ".
 * The file is written atomically (a temporary file renamed over it).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "score.h"

#define DEFAULT_TOP 25
#define SHOWN_FAILED 10
#define NBUCKETS 10

typedef struct band_info {
    char name[32];
    long long customers;
    double arr;
    double rank;          /* the sort key: rule order, else the scores */
} band_info;

typedef struct rpt {
    sqlite3 *db;
    FILE *out;
    vt_error *err;
    const vt_report_options *opt;
    vt_report_summary *sum;
    char *started_at, *finished_at, *rules_path, *rules_sha256;
    int n_bands;
    band_info bands[VT_MAX_BANDS];
    int rule_order;       /* bands ordered by the rule file itself */
    long long scored;
} rpt;

/* ---------------------------------------------------------------- output */

/* Text as HTML: the five special characters escaped, control characters
 * (invalid in HTML) replaced by U+FFFD. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                fputs("&#xFFFD;", f);
            else
                fputc(c, f);
        }
    }
}

/* printf to the report; %s arguments are not escaped: callers pass only
 * literals and numbers through it, text through put_text. */
static void put(rpt *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(rpt *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->out, fmt, ap);
    va_end(ap);
}

/* A whole amount with thousands separators: 1108278.24 -> "1,108,278". */
static const char *fmt_money(char buf[40], double v)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(v) < 1e18 ? fabs(v) : 0.0);
    size_t n = strlen(digits), o = 0;
    if (v <= -0.5)
        buf[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

typedef struct color {
    const char *name, *fill, *ink;
} color;

static const color known_colors[] = {
    {"red", "#c0392b", "#fff"},    {"orange", "#e67e22", "#fff"}, {"yellow", "#f1c40f", "#1f2933"},
    {"amber", "#f39c12", "#1f2933"}, {"green", "#27ae60", "#fff"}, {"blue", "#2e86de", "#fff"},
};
static const color other_colors[] = {
    {"", "#7f8c8d", "#fff"}, {"", "#8e44ad", "#fff"}, {"", "#16a085", "#fff"}, {"", "#34495e", "#fff"},
};

static const color *band_color(const char *band, int i)
{
    for (size_t k = 0; k < sizeof known_colors / sizeof *known_colors; k++)
        if (strcmp(known_colors[k].name, band) == 0)
            return &known_colors[k];
    return &other_colors[(size_t)i % (sizeof other_colors / sizeof *other_colors)];
}

static int band_pos(const rpt *r, const char *band)
{
    for (int i = 0; band && i < r->n_bands; i++)
        if (strcmp(r->bands[i].name, band) == 0)
            return i;
    return -1;
}

static void put_band(rpt *r, const char *band)
{
    const color *c = band_color(band ? band : "", band_pos(r, band));
    put(r, "<span class=\"band\" style=\"background:%s;color:%s\">", c->fill, c->ink);
    put_text(r->out, band);
    put(r, "</span>");
}

/* ---------------------------------------------------------------- reading */

/* The run's scored customers with name, segment, owner and ARR; ?1 is the
 * run.  Each query below starts with it. */
#define RUN_ROWS                                                                       \
    "WITH s AS MATERIALIZED (SELECT sc.customer_id, sc.score, sc.band, sc.score_band,"  \
    " sc.flags, c.name, c.segment, c.owner,"                                           \
    " round(12 * coalesce((SELECT sum(sub.mrr) FROM subscriptions sub"                 \
    "   WHERE sub.customer_id = sc.customer_id AND sub.month = substr(r.as_of, 1, 7)),"\
    "   0), 2) AS arr"                                                                 \
    " FROM scores sc JOIN runs r ON r.run_id = sc.run_id"                              \
    " LEFT JOIN customers c ON c.customer_id = sc.customer_id"                         \
    " WHERE sc.run_id = ?1 AND sc.error IS NULL) "

static vt_status db_fail(rpt *r, const char *what)
{
    return vt_fail(r->err, VT_EINTERNAL, "%s: %s", what, sqlite3_errmsg(r->db));
}

static vt_status prepare(rpt *r, const char *sql, sqlite3_stmt **q)
{
    if (sqlite3_prepare_v2(r->db, sql, -1, q, NULL) != SQLITE_OK)
        return db_fail(r, "preparing a query");
    sqlite3_bind_int64(*q, 1, r->sum->run_id);
    return VT_OK;
}

/* After a loop of sqlite3_step: VT_OK when it ended with SQLITE_DONE. */
static vt_status done(rpt *r, sqlite3_stmt *q, int rc, const char *what)
{
    vt_status st = rc == SQLITE_DONE ? VT_OK : db_fail(r, what);
    sqlite3_finalize(q);
    return st;
}

static char *column_dup(sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return strdup(s ? s : "");
}

static vt_status read_run(rpt *r)
{
    sqlite3_stmt *q;
    vt_status st = prepare(r, "SELECT started_at, coalesce(finished_at, ''), rules_path,"
                              " rules_sha256, customers, failed FROM runs WHERE run_id = ?1", &q);
    if (st != VT_OK)
        return st;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {    /* deleted since vt_resolve_run found it */
        sqlite3_finalize(q);
        return vt_fail(r->err, VT_EINPUT, "no run %lld", r->sum->run_id);
    }
    if (rc == SQLITE_ROW) {
        r->started_at = column_dup(q, 0);
        r->finished_at = column_dup(q, 1);
        r->rules_path = column_dup(q, 2);
        r->rules_sha256 = column_dup(q, 3);
        r->sum->customers = sqlite3_column_int64(q, 4);
        r->sum->failed = sqlite3_column_int64(q, 5);
        rc = SQLITE_DONE;
        if (!r->started_at || !r->finished_at || !r->rules_path || !r->rules_sha256)
            st = vt_fail(r->err, VT_EINTERNAL, "out of memory");
    }
    vt_status st2 = done(r, q, rc, "reading the run");
    return st != VT_OK ? st : st2;
}

/* The run's rule file, when it is still there unchanged: its bands (all of
 * them, even those no customer is in) rank first, in their order. */
static void rule_bands(rpt *r)
{
    vt_rule_limits lim;
    vt_rule_limits_default(&lim);
    vt_rules *rules;
    vt_error ignored;
    if (access(r->rules_path, R_OK) != 0 || vt_rules_load(r->rules_path, &lim, &rules, &ignored))
        return;
    if (strcmp(vt_rules_sha256(rules), r->rules_sha256) == 0) {
        int n = vt_rules_band_count(rules);
        for (int i = 0; i < n && r->n_bands < VT_MAX_BANDS; i++) {
            band_info *b = &r->bands[r->n_bands++];
            snprintf(b->name, sizeof b->name, "%s", vt_rules_band_name(rules, i));
            b->rank = i - 1e9;   /* before any rank taken from scores */
        }
        r->rule_order = 1;
    }
    vt_rules_free(rules);
}

static int by_rank(const void *a, const void *b)
{
    const band_info *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Customers and ARR per band.  A band the rule file does not rank ranks by
 * the lowest score that the score alone put in it (score bands do not
 * overlap), else by its lowest score. */
static vt_status read_bands(rpt *r)
{
    rule_bands(r);
    sqlite3_stmt *q;
    vt_status st = prepare(r, RUN_ROWS "SELECT band, count(*), total(arr),"
                              " coalesce((SELECT min(t.score) FROM s t WHERE t.score_band = s.band),"
                              "   min(score)) FROM s GROUP BY band", &q);
    if (st != VT_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        int i = band_pos(r, name ? name : "");
        if (i < 0 && r->n_bands == VT_MAX_BANDS)
            continue;   /* a 33rd band: left out of the band chart only */
        if (i < 0) {
            i = r->n_bands++;
            snprintf(r->bands[i].name, sizeof r->bands[i].name, "%s", name ? name : "");
            r->bands[i].rank = sqlite3_column_double(q, 3);
        }
        r->bands[i].customers = sqlite3_column_int64(q, 1);
        r->bands[i].arr = sqlite3_column_double(q, 2);
        r->scored += r->bands[i].customers;
    }
    st = done(r, q, rc, "reading the bands");
    qsort(r->bands, (size_t)r->n_bands, sizeof *r->bands, by_rank);
    return st;
}

/* The two lowest bands: "at risk" in this report. */
static const char *low_band(const rpt *r, int i)
{
    return i < r->n_bands ? r->bands[i].name : "";
}

/* ---------------------------------------------------------------- the page */

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;"
    "margin:0;background:#f5f7fa}\n"
    "main{max-width:1100px;margin:0 auto;padding:24px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 12px}\n"
    "section{background:#fff;border:1px solid #e4e7eb;border-radius:8px;padding:16px 20px;"
    "margin:16px 0}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0 0}\n"
    "dt{color:#616e7c}dd{margin:0;word-break:break-all}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}\n"
    "th{color:#52606d;font-weight:600}.n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    ".band{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px}\n"
    "ul.flags{margin:0;padding-left:16px}\n"
    ".sev{font-weight:600;text-transform:uppercase;font-size:11px;margin-right:4px}\n"
    ".sev-critical{color:#b00020}.sev-high{color:#d9480f}.sev-medium{color:#9c7a00}"
    ".sev-low{color:#52606d}\n"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}\n"
    ".kpi{border:1px solid #e4e7eb;border-radius:6px;padding:10px}\n"
    ".kpi .v{font-size:22px;font-weight:600}.kpi .l{color:#616e7c;font-size:12px}\n"
    ".note{color:#616e7c;font-size:12px}\n"
    "svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:#1f2933}\n";

static void write_head(rpt *r)
{
    put(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>Vitals report: run %lld as of %s</title>\n<style>\n%s</style>\n</head>\n"
           "<body>\n<main>\n", r->sum->run_id, r->sum->as_of, css);
}

static void meta_row(rpt *r, const char *label, const char *value)
{
    put(r, "<dt>%s</dt><dd>", label);
    put_text(r->out, value);
    put(r, "</dd>\n");
}

static void write_header(rpt *r)
{
    char n[32];
    put(r, "<header>\n<h1>Customer health: run %lld as of %s</h1>\n<dl class=\"meta\">\n",
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
    put(r, "</dl>\n</header>\n");
}

/* One horizontal bar of the band chart, its value written after it. */
static void hbar(rpt *r, double x, double y, double w, const color *c, const char *label)
{
    put(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"20\" rx=\"3\" fill=\"%s\"/>"
           "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x, y, w, c->fill, x + w + 6, y + 15, label);
}

static void band_chart(rpt *r)
{
    long long max_c = 1;
    double max_a = 1;
    for (int i = 0; i < r->n_bands; i++) {
        max_c = r->bands[i].customers > max_c ? r->bands[i].customers : max_c;
        max_a = r->bands[i].arr > max_a ? r->bands[i].arr : max_a;
    }
    int h = 40 + 30 * r->n_bands;
    put(r, "<svg viewBox=\"0 0 760 %d\" width=\"760\" height=\"%d\" role=\"img\">"
           "<title>Customers and ARR per band</title>\n"
           "<text x=\"110\" y=\"18\" font-weight=\"600\">customers</text>"
           "<text x=\"440\" y=\"18\" font-weight=\"600\">ARR</text>\n", h, h);
    for (int i = 0; i < r->n_bands; i++) {
        const band_info *b = &r->bands[i];
        const color *c = band_color(b->name, i);
        double y = 30 + 30 * i;
        char num[40], money[40];
        put(r, "<text x=\"10\" y=\"%.1f\">", y + 15);
        put_text(r->out, b->name);
        put(r, "</text>\n");
        snprintf(num, sizeof num, "%lld", b->customers);
        hbar(r, 110, y, 240.0 * (double)b->customers / (double)max_c, c, num);
        hbar(r, 440, y, 240.0 * b->arr / max_a, c, fmt_money(money, b->arr));
    }
    put(r, "</svg>\n");
}

static void write_bands(rpt *r)
{
    char money[40];
    put(r, "<section>\n<h2>Bands</h2>\n");
    band_chart(r);
    put(r, "<table>\n<tr><th>band</th><th class=\"n\">customers</th><th class=\"n\">share</th>"
           "<th class=\"n\">ARR</th></tr>\n");
    for (int i = 0; i < r->n_bands; i++) {
        const band_info *b = &r->bands[i];
        put(r, "<tr><td>");
        put_band(r, b->name);
        put(r, "</td><td class=\"n\">%lld</td><td class=\"n\">", b->customers);
        if (r->scored)
            put(r, "%.1f %%", 100.0 * (double)b->customers / (double)r->scored);
        else
            put(r, "-");
        put(r, "</td><td class=\"n\">%s</td></tr>\n", fmt_money(money, b->arr));
    }
    put(r, "</table>\n");
    if (!r->rule_order)
        put(r, "<p class=\"note\">The run's rule file is gone or changed since the run: bands "
               "are ordered by their scores.</p>\n");
    put(r, "</section>\n");
}

static vt_status read_histogram(rpt *r, long long counts[NBUCKETS])
{
    sqlite3_stmt *q;
    vt_status st = prepare(r, RUN_ROWS "SELECT max(0, min(9, CAST(score / 10 AS INTEGER))),"
                              " count(*) FROM s GROUP BY 1", &q);
    if (st != VT_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        counts[sqlite3_column_int(q, 0)] += sqlite3_column_int64(q, 1);
    return done(r, q, rc, "reading the scores");
}

static vt_status write_histogram(rpt *r)
{
    long long counts[NBUCKETS] = {0}, max = 1;
    vt_status st = read_histogram(r, counts);
    if (st != VT_OK)
        return st;
    for (int i = 0; i < NBUCKETS; i++)
        max = counts[i] > max ? counts[i] : max;
    put(r, "<section>\n<h2>Scores</h2>\n"
           "<svg viewBox=\"0 0 760 250\" width=\"760\" height=\"250\" role=\"img\">"
           "<title>Customers per 10-point score bucket</title>\n"
           "<line x1=\"40\" y1=\"210\" x2=\"740\" y2=\"210\" stroke=\"#9aa5b1\"/>\n");
    for (int i = 0; i < NBUCKETS; i++) {
        double h = 170.0 * (double)counts[i] / (double)max, x = 44 + 70 * i;
        put(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"62\" height=\"%.1f\" rx=\"2\" "
               "fill=\"#4a6fa5\"/>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%lld</text>"
               "<text x=\"%.1f\" y=\"228\" text-anchor=\"middle\">%d&#8211;%d</text>\n",
            x, 210 - h, h, x + 31, 204 - h, counts[i], x + 31, 10 * i, 10 * i + 10);
    }
    put(r, "</svg>\n<p class=\"note\">Customers per score bucket; a bucket holds its lower "
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
        put(r, "%s<li><span class=\"sev%s%s\">", n++ ? "" : "<ul class=\"flags\">",
            *cls ? " sev-" : "", cls);
        put_text(r->out, sev);
        put(r, "</span>");
        put_text(r->out, reason && *reason ? reason : name);
        put(r, "</li>");
    }
    if (n)
        put(r, "</ul>");
    return rc == SQLITE_DONE ? VT_OK : db_fail(r, "reading flags");
}

static vt_status top_row(rpt *r, sqlite3_stmt *q, sqlite3_stmt *fq)
{
    char money[40];
    put(r, "<tr>");
    for (int i = 0; i < 4; i++) {
        put(r, "<td>");
        put_text(r->out, (const char *)sqlite3_column_text(q, i));
        put(r, "</td>");
    }
    put(r, "<td class=\"n\">%s</td><td class=\"n\">%.1f</td><td>",
        fmt_money(money, sqlite3_column_double(q, 4)), sqlite3_column_double(q, 5));
    put_band(r, (const char *)sqlite3_column_text(q, 6));
    put(r, "</td><td>");
    const char *flags = (const char *)sqlite3_column_text(q, 7);
    vt_status st = flags ? put_flags(r, fq, flags) : VT_OK;
    put(r, "</td></tr>\n");
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
    return st != VT_OK ? st : rc == SQLITE_DONE ? VT_OK : db_fail(r, "reading at-risk customers");
}

static vt_status write_top(rpt *r)
{
    sqlite3_stmt *q, *fq;
    vt_status st = prepare(r, RUN_ROWS "SELECT customer_id, name, segment, owner, arr, score,"
                              " band, flags, count(*) OVER () FROM s WHERE band IN (?2, ?3)"
                              " ORDER BY arr DESC, customer_id LIMIT ?4", &q);
    if (st != VT_OK)
        return st;
    if ((st = prepare(r, "SELECT f.value ->> 'name', f.value ->> 'severity',"
                         " f.value ->> 'reason' FROM json_each(?1) f", &fq)) != VT_OK) {
        sqlite3_finalize(q);
        return st;
    }
    put(r, "<section>\n<h2>At risk: the largest ARR in ");
    put_text(r->out, low_band(r, 0));
    if (r->n_bands > 1) {
        put(r, " and ");
        put_text(r->out, low_band(r, 1));
    }
    put(r, "</h2>\n<table>\n<tr><th>customer</th><th>name</th><th>segment</th><th>owner</th>"
           "<th class=\"n\">ARR</th><th class=\"n\">score</th><th>band</th>"
           "<th>flags (most severe first)</th></tr>\n");
    st = top_rows(r, q, fq);
    sqlite3_finalize(q);
    sqlite3_finalize(fq);
    put(r, "</table>\n<p class=\"note\">%lld of %lld at-risk customers shown.</p>\n</section>\n",
        r->sum->listed, r->sum->at_risk);
    return st;
}

static vt_status write_flags(rpt *r)
{
    sqlite3_stmt *q;
    vt_status st = prepare(r, RUN_ROWS "SELECT f.value ->> 'name' AS name,"
                              " f.value ->> 'severity', count(DISTINCT s.customer_id), total(s.arr)"
                              " FROM s, json_each(s.flags) f GROUP BY 1, 2"
                              " ORDER BY 3 DESC, 1, 2", &q);
    if (st != VT_OK)
        return st;
    put(r, "<section>\n<h2>Flags</h2>\n<table>\n<tr><th>flag</th><th>severity</th>"
           "<th class=\"n\">customers</th><th class=\"n\">share</th><th class=\"n\">their ARR</th>"
           "</tr>\n");
    int rc, n = 0;
    char money[40];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long c = sqlite3_column_int64(q, 2);
        put(r, "<tr>");
        for (int i = 0; i < 2; i++) {
            put(r, "<td>");
            put_text(r->out, (const char *)sqlite3_column_text(q, i));
            put(r, "</td>");
        }
        n++;
        put(r, "<td class=\"n\">%lld</td><td class=\"n\">%.1f %%</td><td class=\"n\">%s</td>"
               "</tr>\n", c, r->scored ? 100.0 * (double)c / (double)r->scored : 0.0,
            fmt_money(money, sqlite3_column_double(q, 3)));
    }
    put(r, "</table>\n%s</section>\n", n ? "" : "<p class=\"note\">No flag was raised.</p>\n");
    return done(r, q, rc, "reading flags");
}

static vt_status write_owners(rpt *r)
{
    sqlite3_stmt *q;
    vt_status st = prepare(r, RUN_ROWS "SELECT owner, count(*), sum(band = ?2), sum(band = ?3),"
                              " total(arr), total(CASE WHEN band IN (?2, ?3) THEN arr END) AS risk"
                              " FROM s GROUP BY owner ORDER BY risk DESC, owner IS NULL, owner",
                           &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_text(q, 2, low_band(r, 0), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, low_band(r, 1), -1, SQLITE_STATIC);
    put(r, "<section>\n<h2>Owners</h2>\n<table>\n<tr><th>owner</th><th class=\"n\">customers</th>"
           "<th class=\"n\">");
    put_text(r->out, low_band(r, 0));
    put(r, "</th><th class=\"n\">");
    put_text(r->out, low_band(r, 1));
    put(r, "</th><th class=\"n\">ARR</th><th class=\"n\">ARR at risk</th></tr>\n");
    int rc;
    char a[40], b[40];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *owner = (const char *)sqlite3_column_text(q, 0);
        put(r, "<tr><td>");
        put_text(r->out, owner ? owner : "(none)");
        put(r, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
               "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
            sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3),
            fmt_money(a, sqlite3_column_double(q, 4)), fmt_money(b, sqlite3_column_double(q, 5)));
    }
    put(r, "</table>\n<p class=\"note\">ARR at risk: the ARR of the owner's customers in the "
           "two lowest bands.</p>\n</section>\n");
    return done(r, q, rc, "reading owners");
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
    put(r, "<div class=\"kpi\"><div class=\"v\">");
    if (!v || i < 0 || v->value.nil)
        put(r, "-");
    else if (vt_kpi_def_at(i)->unit == VT_KPI_MONEY)
        put(r, "%s", fmt_money(money, v->value.v));
    else if (vt_kpi_def_at(i)->unit == VT_KPI_PERCENT)
        put(r, "%.1f %%", v->value.v);
    else
        put(r, "%.1f", v->value.v);
    put(r, "</div><div class=\"l\">%s</div></div>\n", h->label);
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
    put(r, "<section>\n<h2>KPIs, %s to %s</h2>\n", r->sum->kpis_from, r->sum->kpis_to);
    const vt_kpi_row *row = st == VT_OK && rep->nrows > 0 ? &rep->rows[rep->nrows - 1] : NULL;
    if (!row) {
        put(r, "<p class=\"note\">Not available: ");
        put_text(r->out, st == VT_OK ? "no rows" : kerr.msg);
        put(r, "</p>\n");
    } else if (kpis_empty(row)) {
        put(r, "<p class=\"note\">No customers in this period.</p>\n");
    } else {
        r->sum->kpis = 1;
        put(r, "<div class=\"kpis\">\n");
        for (size_t i = 0; i < sizeof headlines / sizeof *headlines; i++)
            put_kpi(r, row, &headlines[i]);
        put(r, "</div>\n<p class=\"note\"><code>vitals kpis --from %s --to %s --explain</code> "
               "shows how each is computed; -: no data.</p>\n", r->sum->kpis_from, r->sum->kpis_to);
    }
    put(r, "</section>\n");
    vt_kpis_free(rep);
    return VT_OK;
}

/* ---------------------------------------------------------------- failures */

static vt_status write_failed(rpt *r)
{
    if (r->sum->failed == 0)
        return VT_OK;
    sqlite3_stmt *q;
    vt_status st = prepare(r, "SELECT customer_id, error FROM scores WHERE run_id = ?1"
                              " AND error IS NOT NULL ORDER BY customer_id LIMIT ?2", &q);
    if (st != VT_OK)
        return st;
    sqlite3_bind_int(q, 2, SHOWN_FAILED);
    put(r, "<section>\n<h2>Failed customers</h2>\n<table>\n<tr><th>customer</th><th>error</th>"
           "</tr>\n");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        put(r, "<tr><td>");
        put_text(r->out, (const char *)sqlite3_column_text(q, 0));
        put(r, "</td><td>");
        put_text(r->out, (const char *)sqlite3_column_text(q, 1));
        put(r, "</td></tr>\n");
    }
    put(r, "</table>\n<p class=\"note\">%lld customer%s failed their rules (no score); the "
           "first %d are shown; <code>vitals explain ID</code> tells why.</p>\n</section>\n",
        r->sum->failed, r->sum->failed == 1 ? "" : "s", SHOWN_FAILED);
    return done(r, q, rc, "reading failed customers");
}

/* ---------------------------------------------------------------- the report */

static void rpt_free(rpt *r)
{
    free(r->started_at);
    free(r->finished_at);
    free(r->rules_path);
    free(r->rules_sha256);
}

static vt_status write_sections(rpt *r)
{
    vt_status st = read_run(r);
    if (st == VT_OK)
        st = read_bands(r);
    if (st != VT_OK)
        return st;
    write_head(r);
    write_header(r);
    write_bands(r);
    if ((st = write_histogram(r)) == VT_OK && (st = write_top(r)) == VT_OK &&
        (st = write_flags(r)) == VT_OK && (st = write_owners(r)) == VT_OK &&
        (st = write_kpis(r)) == VT_OK)
        st = write_failed(r);
    put(r, "<footer class=\"note\">Written by vitals %s from run %lld.</footer>\n"
           "</main>\n</body>\n</html>\n", VITALS_VERSION, r->sum->run_id);
    return st;
}

vt_status vt_report(sqlite3 *db, const vt_report_options *opt, FILE *out,
                    vt_report_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    vt_status st = vt_resolve_run(db, opt->run_id, &sum->run_id, sum->as_of, err);
    if (st != VT_OK)
        return st;
    rpt r = {.db = db, .out = out, .err = err, .opt = opt, .sum = sum};
    st = write_sections(&r);
    rpt_free(&r);
    if (st == VT_OK && (fflush(out) != 0 || ferror(out)))
        st = vt_fail(err, VT_EINTERNAL, "writing the report: %s", strerror(errno));
    return st;
}

/* ---------------------------------------------------------------- --out */

typedef struct report_job {
    sqlite3 *db;
    const vt_report_options *opt;
    vt_report_summary *sum;
} report_job;

static vt_status write_report(FILE *out, void *ctx, vt_error *err)
{
    report_job *job = ctx;
    return vt_report(job->db, job->opt, out, job->sum, err);
}

vt_status vt_report_file(sqlite3 *db, const vt_report_options *opt, const char *path,
                         vt_report_summary *sum, vt_error *err)
{
    memset(sum, 0, sizeof *sum);
    report_job job = {db, opt, sum};
    return vt_write_file_atomic(path, write_report, &job, err);
}
