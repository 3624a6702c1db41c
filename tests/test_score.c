/*
 * test_score.c - scoring runs, overrides, explain and export, end to end
 * through the library: a temporary database (vt_db_open + vt_schema_init),
 * small CSV files written by the test and loaded with vt_load_file, and a
 * tiny rule file written by the test, with every expected number worked out
 * by hand below.
 *
 * The rule file: bands red 0, yellow 50, green 75;
 *   measure seats   weight 1, value seats, linear(0, 100)
 *   measure revenue weight 3, value mrr,   linear(0, 1000)
 *   flag small (low): seats < 20, reason "only N seats"
 *   flag boom: raises a Lua error when seats == 13 (that customer fails)
 * so score = (seats + 3 * mrr / 10) / 4.
 *
 * The portfolio as of D = 2026-10-31 (MRR of 2026-10; 2026-09 in brackets):
 *   A  seats 20,  MRR 800 [400]  -> (20 + 240) / 4 = 65.0 yellow  [(20+120)/4 = 35.0 red]
 *   B  seats 100, MRR 700 [700]  -> (100 + 210) / 4 = 77.5 green   [77.5]
 *   C  seats 10,  MRR 100 [100]  -> (10 + 30) / 4 = 10.0 red, flag small  [10.0]
 *   D  seats 13                   -> fails (boom)
 *   E  churned 2026-06-30         -> not active, not in the run
 * ARR = 12 x MRR: A 9600, B 8400, C 1200, D 0.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vitals.h"

typedef struct fixture {
    char dir[256];
    char rules[300];
    sqlite3 *db;
} fixture;

static const char customers_csv[] =
    "customer_id,name,segment,owner,seats,start_date,renewal_date,churn_date\n"
    "A,\"Alpha, Inc.\",enterprise,Ana,20,2024-01-01,2027-01-31,\n"
    "B,Beta,smb,Bo,100,2024-01-01,2026-12-15,\n"
    "C,Gamma,smb,Ana,10,2024-01-01,,\n"
    "D,Delta,smb,Bo,13,2024-01-01,,\n"
    "E,Epsilon,smb,Bo,50,2024-01-01,,2026-06-30\n";

static const char subscriptions_csv[] =
    "customer_id,month,product,mrr\n"
    "A,2026-09,core,400\n"
    "A,2026-10,core,500\n"
    "A,2026-10,addon,300\n"
    "B,2026-09,core,700\n"
    "B,2026-10,core,700\n"
    "C,2026-09,core,100\n"
    "C,2026-10,core,100\n";

static const char rules_lua[] =
    "bands { red = 0, yellow = 50, green = 75 }\n"
    "measure \"seats\" { weight = 1, value = \"seats\", scale = linear(0, 100) }\n"
    "measure \"revenue\" { group = \"revenue\", weight = 3, value = \"mrr\",\n"
    "                    scale = linear(0, 1000) }\n"
    "flag \"boom\" { severity = \"critical\",\n"
    "  when = function(c, s) if c.seats == 13 then error(\"boom\") end return false end,\n"
    "  reason = \"never\" }\n"
    "flag \"small\" { severity = \"low\",\n"
    "  when = function(c, s) return c.seats < 20 end,\n"
    "  reason = function(c, s) return (\"only %d seats\"):format(c.seats) end }\n";

/* ---------------------------------------------------------------- helpers */

static vt_day day(const char *iso)
{
    vt_day d;
    if (vt_date_parse(iso, &d) != 0)
        fail_msg("bad date %s in the test", iso);
    return d;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void load(fixture *f, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    write_file(path, text);
    vt_load_summary sum;
    vt_error err = {""};
    vt_status st = vt_load_file(f->db, path, NULL, &sum, &err);
    if (st != VT_OK)
        fail_msg("loading %s: status %d: %s", name, (int)st, err.msg);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s/vitals-test-score.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    char db[512];
    snprintf(db, sizeof db, "%s/test.db", f->dir);
    vt_error err = {""};
    if (vt_db_open(db, &f->db, &err) != VT_OK || vt_schema_init(f->db, &err) != VT_OK)
        fail_msg("database: %s", err.msg);
    load(f, "customers.csv", customers_csv);
    load(f, "subscriptions.csv", subscriptions_csv);
    snprintf(f->rules, sizeof f->rules, "%s/rules.lua", f->dir);
    write_file(f->rules, rules_lua);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vt_db_close(f->db);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        print_error("could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* The single value of an SQL query as an integer / double / text. */
static long long q_int(fixture *f, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static double q_double(fixture *f, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    double v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* The text of an SQL query's single value, copied into buf ("<null>"). */
static const char *q_text(fixture *f, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    const char *s = (const char *)sqlite3_column_text(q, 0);
    snprintf(buf, len, "%s", s ? s : "<null>");
    sqlite3_finalize(q);
    return buf;
}

static void assert_near(double expected, double got)
{
    if (fabs(expected - got) > 1e-9)
        fail_msg("expected %.10g, got %.10g", expected, got);
}

static vt_status score(fixture *f, const char *as_of, int dry_run, vt_score_summary *sum)
{
    vt_error err = {""};
    vt_status st = vt_score_run(f->db, f->rules, day(as_of), NULL, dry_run, sum, &err);
    if (st != VT_OK && st != VT_EPARTIAL)
        fail_msg("score run: status %d: %s", (int)st, err.msg);
    return st;
}

static const vt_band_total *band(const vt_score_summary *sum, const char *name)
{
    for (int i = 0; i < sum->n_bands; i++)
        if (strcmp(sum->bands[i].name, name) == 0)
            return &sum->bands[i];
    fail_msg("no band %s in the summary", name);
    return NULL;
}

static void set_override(fixture *f, const char *id, const char *band_name, double score_v,
                         const char *until)
{
    vt_override o = {.customer_id = id, .band = band_name, .has_score = score_v >= 0,
                     .score = score_v, .reason = "test", .author = "tester", .until = until};
    vt_error err = {""};
    if (vt_override_set(f->db, &o, &err) != VT_OK)
        fail_msg("override: %s", err.msg);
}

/* ---------------------------------------------------------------- tests */

static void test_run_is_stored(void **state)
{
    fixture *f = *state;
    vt_score_summary sum;
    char buf[256];
    assert_int_equal(score(f, "2026-10-31", 0, &sum), VT_EPARTIAL);
    assert_int_equal(sum.run_id, 1);
    assert_int_equal(sum.customers, 4);
    assert_int_equal(sum.failed, 1);
    assert_int_equal(sum.overridden, 0);
    assert_non_null(strstr(sum.first_error, "boom"));
    assert_int_equal(sum.n_bands, 3);
    assert_string_equal(sum.bands[0].name, "red");
    assert_string_equal(sum.bands[2].name, "green");
    assert_int_equal(band(&sum, "red")->customers, 1);
    assert_int_equal(band(&sum, "yellow")->customers, 1);
    assert_int_equal(band(&sum, "green")->customers, 1);
    assert_near(1200, band(&sum, "red")->arr);
    assert_near(9600, band(&sum, "yellow")->arr);
    assert_near(8400, band(&sum, "green")->arr);

    /* the runs row */
    assert_int_equal(q_int(f, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(q_int(f, "SELECT customers FROM runs"), 4);
    assert_int_equal(q_int(f, "SELECT failed FROM runs"), 1);
    assert_string_equal(q_text(f, "SELECT as_of FROM runs", buf, sizeof buf), "2026-10-31");
    assert_string_equal(q_text(f, "SELECT rules_path FROM runs", buf, sizeof buf), f->rules);
    assert_int_equal(q_int(f, "SELECT length(rules_sha256) = 64 AND started_at <= finished_at"
                              " AND finished_at LIKE '____-__-__T__:__:__Z' FROM runs"), 1);

    /* the scores rows */
    assert_int_equal(q_int(f, "SELECT count(*) FROM scores"), 4);
    assert_near(65.0, q_double(f, "SELECT score FROM scores WHERE customer_id = 'A'"));
    assert_near(77.5, q_double(f, "SELECT score FROM scores WHERE customer_id = 'B'"));
    assert_near(10.0, q_double(f, "SELECT score FROM scores WHERE customer_id = 'C'"));
    assert_string_equal(q_text(f, "SELECT group_concat(customer_id || ':' || band, ' ')"
                                  " FROM scores WHERE band IS NOT NULL", buf, sizeof buf),
                        "A:yellow B:green C:red");
    assert_near(100, q_double(f, "SELECT coverage FROM scores WHERE customer_id = 'A'"));
    assert_string_equal(q_text(f, "SELECT score_band FROM scores WHERE customer_id = 'A'", buf,
                               sizeof buf), "yellow");
    assert_int_equal(q_int(f, "SELECT sum(overridden) FROM scores"), 0);
    /* measures: declaration order, contributions add up to the score */
    assert_string_equal(q_text(f, "SELECT group_concat(j.value ->> 'name') FROM scores s,"
                                  " json_each(s.measures) j WHERE customer_id = 'A'", buf,
                               sizeof buf), "seats,revenue");
    assert_near(65.0, q_double(f, "SELECT round(sum(j.value ->> 'contribution'), 6)"
                                  " FROM scores s, json_each(s.measures) j"
                                  " WHERE customer_id = 'A'"));
    /* flags */
    assert_string_equal(q_text(f, "SELECT flags ->> '$[0].reason' FROM scores"
                                  " WHERE customer_id = 'C'", buf, sizeof buf), "only 10 seats");
    assert_int_equal(q_int(f, "SELECT json_array_length(flags) FROM scores"
                              " WHERE customer_id = 'A'"), 0);
    /* the failed customer: stored with its error and no score */
    assert_int_equal(q_int(f, "SELECT score IS NULL AND band IS NULL AND error LIKE '%boom%'"
                              " FROM scores WHERE customer_id = 'D'"), 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM scores WHERE customer_id = 'E'"), 0);
}

static void test_overrides_applied(void **state)
{
    fixture *f = *state;
    set_override(f, "A", "red", -1, NULL);                 /* band only */
    set_override(f, "B", NULL, 40, "2026-10-31");          /* score only, last day */
    set_override(f, "C", "green", -1, "2026-10-30");       /* expired the day before */
    vt_score_summary sum;
    char buf[64];
    assert_int_equal(score(f, "2026-10-31", 0, &sum), VT_EPARTIAL);
    assert_int_equal(sum.overridden, 2);
    assert_int_equal(band(&sum, "red")->customers, 3);
    assert_near(9600 + 8400 + 1200, band(&sum, "red")->arr);

    /* A: band replaced, computed score kept, computed band in score_band */
    assert_string_equal(q_text(f, "SELECT band || ' ' || score || ' ' || score_band || ' '"
                                  " || overridden FROM scores WHERE customer_id = 'A'", buf,
                               sizeof buf), "red 65.0 yellow 1");
    /* B: score replaced, band of that score */
    assert_string_equal(q_text(f, "SELECT band || ' ' || score || ' ' || score_band || ' '"
                                  " || overridden FROM scores WHERE customer_id = 'B'", buf,
                               sizeof buf), "red 40.0 green 1");
    /* C: the expired override is ignored */
    assert_string_equal(q_text(f, "SELECT band || ' ' || score || ' ' || overridden"
                                  " FROM scores WHERE customer_id = 'C'", buf, sizeof buf),
                        "red 10.0 0");

    /* explain shows the override, with the rules' own score */
    vt_explanation *e;
    vt_error err = {""};
    assert_int_equal(vt_explain(f->db, "B", 0, &e, &err), VT_OK);
    assert_int_equal(e->overridden, 1);
    assert_int_equal(e->override_found, 1);
    assert_string_equal(e->override_reason, "test");
    assert_near(40, e->score);
    assert_near(77.5, e->computed_score);
    vt_explanation_free(e);

    /* cleared, the next run no longer applies it */
    int removed;
    assert_int_equal(vt_override_clear(f->db, "A", &removed, &err), VT_OK);
    assert_int_equal(removed, 1);
    score(f, "2026-10-31", 0, &sum);
    assert_string_equal(q_text(f, "SELECT band || ' ' || overridden FROM scores"
                                  " WHERE customer_id = 'A' AND run_id = 2", buf, sizeof buf),
                        "yellow 0");
}

static void test_override_validation(void **state)
{
    fixture *f = *state;
    vt_error err = {""};
    vt_override o = {.customer_id = "A", .band = "Red", .reason = "x"};
    assert_int_equal(vt_override_set(f->db, &o, &err), VT_EUSAGE);
    o.band = NULL;
    o.has_score = 1;
    o.score = 100.5;
    assert_int_equal(vt_override_set(f->db, &o, &err), VT_EUSAGE);
    o.score = 50;
    o.reason = "  ";
    assert_int_equal(vt_override_set(f->db, &o, &err), VT_EUSAGE);
    o.reason = "x";
    o.until = "2026-02-30";
    assert_int_equal(vt_override_set(f->db, &o, &err), VT_EUSAGE);
    o.until = NULL;
    o.customer_id = "Z";
    assert_int_equal(vt_override_set(f->db, &o, &err), VT_EINPUT);
    int removed;
    assert_int_equal(vt_override_clear(f->db, "Z", &removed, &err), VT_EINPUT);
    assert_int_equal(vt_override_clear(f->db, "A", &removed, &err), VT_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM overrides"), 0);
    assert_int_equal(vt_band_name_valid("at_risk"), 1);
    assert_int_equal(vt_band_name_valid(""), 0);
    assert_int_equal(vt_band_name_valid("red-ish"), 0);
}

typedef struct collected {
    int rows, failed;
    char c_flags[128];
} collected;

static void collect(void *ctx, const vt_score_row *row)
{
    collected *c = ctx;
    c->rows++;
    c->failed += row->failed;
    if (strcmp(row->customer_id, "C") == 0)
        snprintf(c->c_flags, sizeof c->c_flags, "%s", row->flags_text ? row->flags_text : "?");
}

static void test_dry_run_stores_nothing(void **state)
{
    fixture *f = *state;
    collected c = {0};
    vt_score_summary sum;
    vt_error err = {""};
    assert_int_equal(vt_score_run_each(f->db, f->rules, day("2026-10-31"), NULL, 1, collect, &c,
                                       &sum, &err), VT_EPARTIAL);
    assert_int_equal(sum.run_id, 0);
    assert_int_equal(c.rows, 4);
    assert_int_equal(c.failed, 1);
    assert_string_equal(c.c_flags, "low: only 10 seats");
    assert_int_equal(band(&sum, "green")->customers, 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM runs"), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM scores"), 0);
}

static void test_rules_that_do_not_load(void **state)
{
    fixture *f = *state;
    char bad[320];
    snprintf(bad, sizeof bad, "%s/bad.lua", f->dir);
    write_file(bad, "bands { red = 0 \nmeasure \"x\" {\n");
    vt_score_summary sum;
    vt_error err = {""};
    assert_int_equal(vt_score_run(f->db, bad, day("2026-10-31"), NULL, 0, &sum, &err), VT_EINPUT);
    assert_non_null(strstr(err.msg, "bad.lua"));
    assert_int_equal(q_int(f, "SELECT count(*) FROM runs"), 0);
}

static void test_explain_and_change(void **state)
{
    fixture *f = *state;
    vt_score_summary sum;
    score(f, "2026-09-30", 0, &sum);     /* A: 35.0 */
    score(f, "2026-10-31", 0, &sum);     /* A: 65.0 */
    score(f, "2026-10-31", 0, &sum);     /* the same again: its previous is still 09-30 */
    vt_explanation *e;
    vt_error err = {""};
    assert_int_equal(vt_explain(f->db, "A", 0, &e, &err), VT_OK);
    assert_int_equal(e->run_id, 3);
    assert_near(65.0, e->score);
    assert_int_equal(e->has_prev, 1);
    assert_int_equal(e->prev_run_id, 1);
    assert_string_equal(e->prev_as_of, "2026-09-30");
    assert_near(35.0, e->score_prev);
    assert_near(30.0, e->score_change);
    assert_string_equal(e->name, "Alpha, Inc.");
    assert_int_equal(e->n_measures, 2);
    assert_string_equal(e->measures[0].name, "seats");
    assert_int_equal(e->measures[0].value_type, VT_INT);
    assert_near(20, e->measures[0].value);
    assert_near(20, e->measures[0].score);
    assert_near(5, e->measures[0].contribution);      /* 20 * 1 / 4 */
    assert_near(60, e->measures[1].contribution);     /* 80 * 3 / 4 */
    /* gains: seats (100 - 20) * 1 / 4 = 20, revenue (100 - 80) * 3 / 4 = 15 */
    assert_near(20, e->measures[0].gain);
    assert_near(15, e->measures[1].gain);
    assert_int_equal(e->lever, 0);
    assert_non_null(strstr(e->json, "\"score_change\":30.0"));
    assert_non_null(strstr(e->json, "\"biggest_lever\":{\"measure\":\"seats\""));
    vt_explanation_free(e);

    /* run 1 has no earlier run */
    assert_int_equal(vt_explain(f->db, "A", 1, &e, &err), VT_OK);
    assert_int_equal(e->has_prev, 0);
    vt_explanation_free(e);

    /* a failed customer explains its error; unknown ones are bad input */
    assert_int_equal(vt_explain(f->db, "D", 0, &e, &err), VT_OK);
    assert_non_null(strstr(e->error, "boom"));
    assert_int_equal(e->has_score, 0);
    vt_explanation_free(e);
    assert_int_equal(vt_explain(f->db, "E", 0, &e, &err), VT_EINPUT);
    assert_null(e);
    assert_int_equal(vt_explain(f->db, "nobody", 0, &e, &err), VT_EINPUT);
    assert_non_null(strstr(err.msg, "no such customer"));
    assert_int_equal(vt_explain(f->db, "A", 99, &e, &err), VT_EINPUT);
}

/* Export run `run` with opt into a string (caller frees). */
static char *export_text(fixture *f, vt_export_options *opt, vt_export_summary *sum)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    vt_error err = {""};
    vt_status st = vt_export(f->db, opt, out, sum, &err);
    assert_int_equal(fclose(out), 0);
    if (st != VT_OK)
        fail_msg("export: %s", err.msg);
    return text;
}

static void test_export(void **state)
{
    fixture *f = *state;
    vt_score_summary ssum;
    score(f, "2026-09-30", 0, &ssum);
    score(f, "2026-10-31", 0, &ssum);
    vt_export_summary sum;
    vt_export_options opt = {0};

    /* every band, CSV: by ARR, highest first; the failed customer left out */
    char *csv = export_text(f, &opt, &sum);
    assert_int_equal(sum.rows, 3);
    assert_int_equal(sum.failed, 1);
    assert_string_equal(csv,
        "customer_id,name,segment,owner,arr,score,band,coverage,score_change,flags,renewal_date\n"
        "A,\"Alpha, Inc.\",enterprise,Ana,9600.0,65.0,yellow,100.0,30.0,,2027-01-31\n"
        "B,Beta,smb,Bo,8400.0,77.5,green,100.0,0.0,,2026-12-15\n"
        "C,Gamma,smb,Ana,1200.0,10.0,red,100.0,0.0,low: only 10 seats,\n");
    free(csv);

    /* red only, NDJSON */
    const char *red[] = {"red"};
    opt.bands = red;
    opt.n_bands = 1;
    opt.format = VT_EXPORT_NDJSON;
    char *nd = export_text(f, &opt, &sum);
    assert_string_equal(nd,
        "{\"customer_id\":\"C\",\"name\":\"Gamma\",\"segment\":\"smb\",\"owner\":\"Ana\","
        "\"arr\":1200.0,\"score\":10.0,\"band\":\"red\",\"coverage\":100.0,\"score_change\":0.0,"
        "\"flags\":[{\"name\":\"small\",\"severity\":\"low\",\"reason\":\"only 10 seats\"}],"
        "\"renewal_date\":null}\n");
    free(nd);

    /* segment and flag filters, JSON array; run 1 has no score_change */
    const char *smb[] = {"smb"}, *small[] = {"small"};
    opt.bands = NULL;
    opt.n_bands = 0;
    opt.segments = smb;
    opt.n_segments = 1;
    opt.format = VT_EXPORT_JSON;
    opt.run_id = 1;
    char *json = export_text(f, &opt, &sum);
    assert_int_equal(sum.rows, 2);
    assert_non_null(strstr(json, "\"customer_id\":\"B\""));
    assert_non_null(strstr(json, "\"score_change\":null"));
    assert_int_equal(json[0], '[');
    free(json);
    opt.flags = small;
    opt.n_flags = 1;
    json = export_text(f, &opt, &sum);
    assert_int_equal(sum.rows, 1);
    assert_non_null(strstr(json, "\"customer_id\":\"C\""));
    free(json);

    /* an atomic file; a missing directory is bad input */
    char path[400];
    vt_error err = {""};
    snprintf(path, sizeof path, "%s/no-such-dir/out.csv", f->dir);
    assert_int_equal(vt_export_file(f->db, &opt, path, &sum, &err), VT_EINPUT);
    snprintf(path, sizeof path, "%s/out.json", f->dir);
    assert_int_equal(vt_export_file(f->db, &opt, path, &sum, &err), VT_OK);
    assert_int_equal(access(path, R_OK), 0);
}

static void test_empty_run(void **state)
{
    fixture *f = *state;
    vt_score_summary sum;
    assert_int_equal(score(f, "2020-01-01", 0, &sum), VT_OK);   /* nobody active yet */
    assert_int_equal(sum.customers, 0);
    assert_int_equal(q_int(f, "SELECT customers FROM runs WHERE run_id = 1"), 0);
    vt_export_summary esum;
    vt_export_options opt = {0};
    char *csv = export_text(f, &opt, &esum);
    assert_int_equal(esum.rows, 0);
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_is_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overrides_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_override_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_that_do_not_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain_and_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_run, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
