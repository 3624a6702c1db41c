/*
 * report_html.c - the HTML of the report (report.c): text escaped for HTML,
 * amounts with thousands separators, band colours, the page head with its
 * inline CSS, and the two SVG charts (customers and ARR per band, the score
 * histogram), drawn here: no script and no external resource.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "report.h"

/* Text as HTML: the five special characters escaped, control characters
 * (invalid in HTML) replaced by U+FFFD. */
void rpt_text(FILE *f, const char *s)
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

void rpt_put(rpt *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->out, fmt, ap);
    va_end(ap);
}

/* A whole amount with thousands separators: 1108278.24 -> "1,108,278". */
const char *rpt_money(char buf[40], double v)
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

void rpt_band(rpt *r, const char *band)
{
    const color *c = band_color(band ? band : "", rpt_band_pos(r, band));
    rpt_put(r, "<span class=\"band\" style=\"background:%s;color:%s\">", c->fill, c->ink);
    rpt_text(r->out, band);
    rpt_put(r, "</span>");
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

void rpt_write_head(rpt *r)
{
    rpt_put(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>Vitals report: run %lld as of %s</title>\n<style>\n%s</style>\n</head>\n"
               "<body>\n<main>\n", r->sum->run_id, r->sum->as_of, css);
}

/* One horizontal bar of the band chart, its value written after it. */
static void hbar(rpt *r, double x, double y, double w, const color *c, const char *label)
{
    rpt_put(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"20\" rx=\"3\" "
               "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
            x, y, w, c->fill, x + w + 6, y + 15, label);
}

void rpt_band_chart(rpt *r)
{
    long long max_c = 1;
    double max_a = 1;
    for (int i = 0; i < r->n_bands; i++) {
        max_c = r->bands[i].customers > max_c ? r->bands[i].customers : max_c;
        max_a = r->bands[i].arr > max_a ? r->bands[i].arr : max_a;
    }
    int h = 40 + 30 * r->n_bands;
    rpt_put(r, "<svg viewBox=\"0 0 760 %d\" width=\"760\" height=\"%d\" role=\"img\">"
               "<title>Customers and ARR per band</title>\n"
               "<text x=\"110\" y=\"18\" font-weight=\"600\">customers</text>"
               "<text x=\"440\" y=\"18\" font-weight=\"600\">ARR</text>\n", h, h);
    for (int i = 0; i < r->n_bands; i++) {
        const band_info *b = &r->bands[i];
        const color *c = band_color(b->name, i);
        double y = 30 + 30 * i;
        char num[40], money[40];
        rpt_put(r, "<text x=\"10\" y=\"%.1f\">", y + 15);
        rpt_text(r->out, b->name);
        rpt_put(r, "</text>\n");
        snprintf(num, sizeof num, "%lld", b->customers);
        hbar(r, 110, y, 240.0 * (double)b->customers / (double)max_c, c, num);
        hbar(r, 440, y, 240.0 * b->arr / max_a, c, rpt_money(money, b->arr));
    }
    rpt_put(r, "</svg>\n");
}

void rpt_histogram_chart(rpt *r, const long long counts[NBUCKETS])
{
    long long max = 1;
    for (int i = 0; i < NBUCKETS; i++)
        max = counts[i] > max ? counts[i] : max;
    rpt_put(r, "<svg viewBox=\"0 0 760 250\" width=\"760\" height=\"250\" role=\"img\">"
               "<title>Customers per 10-point score bucket</title>\n"
               "<line x1=\"40\" y1=\"210\" x2=\"740\" y2=\"210\" stroke=\"#9aa5b1\"/>\n");
    for (int i = 0; i < NBUCKETS; i++) {
        double h = 170.0 * (double)counts[i] / (double)max, x = 44 + 70 * i;
        rpt_put(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"62\" height=\"%.1f\" rx=\"2\" "
                   "fill=\"#4a6fa5\"/>\n"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%lld</text>"
                   "<text x=\"%.1f\" y=\"228\" text-anchor=\"middle\">%d&#8211;%d</text>\n",
                x, 210 - h, h, x + 31, 204 - h, counts[i], x + 31, 10 * i, 10 * i + 10);
    }
    rpt_put(r, "</svg>\n");
}
