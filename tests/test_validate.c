/*
 * test_validate.c - the value rules of SPEC §2, through the table catalogue
 * (vt_table_find, vt_table_column), vt_validate and each table's row check.
 *
 * vt_validate receives a value already trimmed by the loader, so surrounding
 * spaces are not tested here (tests/e2e/test_load.sh does that end to end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tables.h"
#include "vitals.h"

/* ---------------------------------------------------------------- helpers */

static const vt_table *table(const char *name)
{
    const vt_table *t = vt_table_find(name);
    if (!t)
        fail_msg("no table %s", name);
    return t;
}

static const vt_column *column(const char *tname, const char *cname)
{
    const vt_table *t = table(tname);
    int c = vt_table_column(t, cname);
    if (c < 0)
        fail_msg("no column %s.%s", tname, cname);
    return &t->cols[c];
}

/* Validate text into *cell, failing the test if it is rejected. */
static vt_cell valid(const char *tname, const char *cname, const char *text)
{
    vt_cell cell;
    char msg[256] = "";
    memset(&cell, 0xAB, sizeof cell);
    if (vt_validate(column(tname, cname), text, &cell, msg, sizeof msg) != 0)
        fail_msg("%s.%s = \"%s\" rejected: %s", tname, cname, text, msg);
    return cell;
}

static long long valid_int(const char *tname, const char *cname, const char *text)
{
    vt_cell c = valid(tname, cname, text);
    if (c.type != VT_INT)
        fail_msg("%s.%s = \"%s\": type %d, expected VT_INT", tname, cname, text, (int)c.type);
    return c.i;
}

static double valid_real(const char *tname, const char *cname, const char *text)
{
    vt_cell c = valid(tname, cname, text);
    if (c.type != VT_REAL)
        fail_msg("%s.%s = \"%s\": type %d, expected VT_REAL", tname, cname, text, (int)c.type);
    return c.r;
}

static const char *valid_text(const char *tname, const char *cname, const char *text)
{
    vt_cell c = valid(tname, cname, text);
    if (c.type != VT_TEXT)
        fail_msg("%s.%s = \"%s\": type %d, expected VT_TEXT", tname, cname, text, (int)c.type);
    return c.s;
}

/* Validate text and expect a rejection whose message contains needle. */
static void invalid(const char *tname, const char *cname, const char *text, const char *needle)
{
    vt_cell cell;
    char msg[256];
    strcpy(msg, "<unset>");
    if (vt_validate(column(tname, cname), text, &cell, msg, sizeof msg) != -1)
        fail_msg("%s.%s = \"%s\" accepted (type %d)", tname, cname, text, (int)cell.type);
    if (needle && !strstr(msg, needle))
        fail_msg("%s.%s = \"%s\": message \"%s\" lacks \"%s\"", tname, cname, text, msg, needle);
}

/* Build a row as the loader does (absent columns VT_NIL), validating each
 * given name/value pair, then run the table's row check.  Returns the index
 * of the offending column or -1; the message goes to msg. */
static int row_check(const char *tname, const char *const *kv, char *msg, size_t len)
{
    const vt_table *t = table(tname);
    vt_cell cells[32];
    assert_true(t->ncols <= 32);
    for (int c = 0; c < t->ncols; c++) {
        memset(&cells[c], 0, sizeof cells[c]);
        cells[c].type = VT_NIL;
    }
    for (int i = 0; kv[i]; i += 2) {
        int c = vt_table_column(t, kv[i]);
        if (c < 0)
            fail_msg("no column %s.%s", tname, kv[i]);
        char m[256];
        if (vt_validate(&t->cols[c], kv[i + 1], &cells[c], m, sizeof m) != 0)
            fail_msg("%s.%s = \"%s\" rejected by vt_validate: %s", tname, kv[i], kv[i + 1], m);
    }
    if (!t->check)
        fail_msg("table %s has no row check", tname);
    msg[0] = '\0';
    return t->check(t, cells, msg, len);
}

static int col_index(const char *tname, const char *cname)
{
    return vt_table_column(table(tname), cname);
}

/* A survey row of type/score: the check's verdict (-1 ok, else column). */
static int survey(const char *type, const char *score, char *msg)
{
    const char *const kv[] = {"customer_id", "C1", "date", "2026-03-01", "type", type,
                              "score", score, NULL};
    return row_check("surveys", kv, msg, 256);
}

static void survey_ok(const char *type, const char *score)
{
    char msg[256];
    int bad = survey(type, score, msg);
    if (bad != -1)
        fail_msg("survey %s score %s rejected: %s", type, score, msg);
}

static void survey_bad(const char *type, const char *score)
{
    char msg[256];
    int bad = survey(type, score, msg);
    if (bad != col_index("surveys", "score"))
        fail_msg("survey %s score %s: check returned %d, expected the score column", type,
                 score, bad);
    if (!strstr(msg, "outside"))
        fail_msg("survey %s score %s: message \"%s\" lacks \"outside\"", type, score, msg);
}

/* ---------------------------------------------------------------- catalogue */

typedef struct expect_table {
    const char *name;
    const char *columns;   /* in SPEC order, space separated */
    const char *required;
    const char *key;
} expect_table;

/* SPEC §2, table by table. */
static const expect_table spec_tables[] = {
    {"customers",
     "customer_id name segment plan owner region seats start_date renewal_date churn_date referred_by",
     "customer_id start_date", "customer_id"},
    {"subscriptions", "customer_id month product mrr", "customer_id month product mrr",
     "customer_id month product"},
    {"usage", "customer_id date active_users sessions events", "customer_id date active_users",
     "customer_id date"},
    {"features", "feature key", "feature", "feature"},
    {"adoption", "customer_id feature date uses", "customer_id feature date",
     "customer_id feature date"},
    {"surveys", "customer_id date type score respondent comment", "customer_id date type score",
     "customer_id date type respondent"},
    {"tickets",
     "ticket_id customer_id opened_at first_response_at resolved_at status priority contacts csat",
     "ticket_id customer_id opened_at status", "ticket_id"},
    {"engagement", "customer_id date kind count", "customer_id date kind",
     "customer_id date kind"},
    {"spend", "month channel amount", "month channel amount", "month channel"},
};

static int in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

static void catalogue_matches_spec(void **state)
{
    (void)state;
    const vt_table *const *all = vt_tables();
    int n = 0;
    for (; all[n]; n++) {
        assert_true(n < 9);
        assert_string_equal(all[n]->name, spec_tables[n].name);
    }
    assert_int_equal(n, 9);
    for (int i = 0; i < 9; i++) {
        const expect_table *e = &spec_tables[i];
        const vt_table *t = vt_table_find(e->name);
        assert_non_null(t);
        assert_ptr_equal(t, all[i]);
        char names[512] = "";
        for (int c = 0; c < t->ncols; c++) {
            const vt_column *col = &t->cols[c];
            if (c)
                strcat(names, " ");
            strcat(names, col->name);
            assert_int_equal(vt_table_column(t, col->name), c);
            int req = (col->flags & COL_REQUIRED) != 0, key = (col->flags & COL_KEY) != 0;
            if (req != in_list(e->required, col->name))
                fail_msg("%s.%s: required is %d", e->name, col->name, req);
            if (key != in_list(e->key, col->name))
                fail_msg("%s.%s: key is %d", e->name, col->name, key);
        }
        assert_string_equal(names, e->columns);
        assert_int_equal(vt_table_column(t, "no_such_column"), -1);
        assert_int_equal(vt_table_column(t, "extra"), -1);
    }
    assert_null(vt_table_find("no_such_table"));
    assert_null(vt_table_find(""));
    assert_null(vt_table_find("data_usage"));
}

static void catalogue_kinds(void **state)
{
    (void)state;
    static const struct { const char *t, *c; vt_kind k; } kinds[] = {
        {"customers", "customer_id", K_CUSTOMER}, {"customers", "seats", K_INT},
        {"customers", "start_date", K_DATE},      {"customers", "renewal_date", K_DATE},
        {"customers", "churn_date", K_DATE},      {"customers", "referred_by", K_TEXT},
        {"subscriptions", "month", K_MONTH},      {"subscriptions", "mrr", K_DECIMAL},
        {"usage", "date", K_DATE},                {"usage", "active_users", K_INT},
        {"usage", "sessions", K_INT},             {"usage", "events", K_INT},
        {"features", "key", K_BOOL},              {"adoption", "uses", K_INT},
        {"surveys", "type", K_ENUM},              {"surveys", "score", K_DECIMAL},
        {"tickets", "opened_at", K_TIMESTAMP},    {"tickets", "first_response_at", K_TIMESTAMP},
        {"tickets", "resolved_at", K_TIMESTAMP},  {"tickets", "status", K_ENUM},
        {"tickets", "priority", K_ENUM},          {"tickets", "contacts", K_INT},
        {"tickets", "csat", K_DECIMAL},           {"engagement", "kind", K_ENUM},
        {"engagement", "count", K_INT},           {"spend", "month", K_MONTH},
        {"spend", "amount", K_DECIMAL},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (column(kinds[i].t, kinds[i].c)->kind != kinds[i].k)
            fail_msg("%s.%s has kind %d, expected %d", kinds[i].t, kinds[i].c,
                     (int)column(kinds[i].t, kinds[i].c)->kind, (int)kinds[i].k);
    assert_string_equal(vt_column_store_name(column("usage", "customer_id")), "cust");
    assert_string_equal(vt_column_store_name(column("usage", "date")), "date");
}

/* ---------------------------------------------------------------- whole numbers */

static void whole_numbers(void **state)
{
    (void)state;
    assert_int_equal(valid_int("usage", "active_users", "0"), 0);
    assert_int_equal(valid_int("usage", "active_users", "42"), 42);
    assert_int_equal(valid_int("usage", "active_users", "007"), 7);
    assert_int_equal(valid_int("usage", "events", "123456789012"), 123456789012LL);
    assert_int_equal(valid_int("customers", "seats", "250"), 250);
    assert_int_equal(valid_int("adoption", "uses", "3"), 3);
    assert_int_equal(valid_int("tickets", "contacts", "1"), 1);
    assert_int_equal(valid_int("engagement", "count", "12"), 12);
    assert_int_equal(valid_int("usage", "sessions", "1000000000000000"), 1000000000000000LL);

    invalid("usage", "active_users", "1.5", "not a whole number");
    invalid("usage", "active_users", "abc", "not a whole number");
    invalid("usage", "active_users", "lots", "\"lots\"");
    invalid("usage", "active_users", "1e3", "not a whole number");
    invalid("usage", "active_users", "0x10", "not a whole number");
    invalid("usage", "active_users", "1,000", NULL);
    invalid("usage", "active_users", "1 000", NULL);
    invalid("usage", "active_users", "12abc", NULL);
    invalid("usage", "active_users", "+", NULL);
    invalid("usage", "active_users", "-", NULL);
    invalid("usage", "active_users", "inf", NULL);
    invalid("usage", "active_users", "99999999999999999999", NULL);   /* overflows */
}

static void counts_are_not_negative(void **state)
{
    (void)state;
    static const struct { const char *t, *c; } counts[] = {
        {"customers", "seats"}, {"usage", "active_users"}, {"usage", "sessions"},
        {"usage", "events"},    {"adoption", "uses"},      {"tickets", "contacts"},
        {"engagement", "count"},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        assert_int_equal(valid_int(counts[i].t, counts[i].c, "0"), 0);
        invalid(counts[i].t, counts[i].c, "-1", "-1 is below 0");
        invalid(counts[i].t, counts[i].c, "-9999999", "is below 0");
    }
    invalid("usage", "events", "1000000000000001", "is above");
}

/* ---------------------------------------------------------------- decimals */

static void decimals(void **state)
{
    (void)state;
    assert_float_equal(valid_real("subscriptions", "mrr", "186.74"), 186.74, 1e-9);
    assert_float_equal(valid_real("subscriptions", "mrr", "0.00"), 0.0, 0);
    assert_float_equal(valid_real("subscriptions", "mrr", "0"), 0.0, 0);
    assert_float_equal(valid_real("subscriptions", "mrr", "1500"), 1500.0, 0);
    assert_float_equal(valid_real("subscriptions", "mrr", "12345678.125"), 12345678.125, 0);
    assert_float_equal(valid_real("spend", "amount", "13954.06"), 13954.06, 1e-9);
    assert_float_equal(valid_real("surveys", "score", "7.5"), 7.5, 0);
    assert_float_equal(valid_real("tickets", "csat", "4"), 4.0, 0);
}

static void decimal_comma_rejected_with_hint(void **state)
{
    (void)state;
    const char *hint = "use '.' as the decimal point";
    invalid("subscriptions", "mrr", "1,5", hint);
    invalid("subscriptions", "mrr", "1,000", hint);
    invalid("subscriptions", "mrr", "1,000.50", hint);
    invalid("spend", "amount", "13954,06", hint);
    invalid("surveys", "score", "8,5", hint);
    invalid("tickets", "csat", "4,5", hint);
    invalid("subscriptions", "mrr", "1,5", "is not a number");
    invalid("subscriptions", "mrr", "1,5", "\"1,5\"");
    /* the hint is only for commas */
    vt_cell c;
    char msg[256];
    assert_int_equal(vt_validate(column("subscriptions", "mrr"), "abc", &c, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "is not a number"));
    assert_null(strstr(msg, "decimal point"));
}

static void decimal_forms_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "1e3", "1E3", "1.5e2", "2e-1", "0x10", "0X1A", "inf", "-inf", "Infinity", "nan",
        "NaN", "1.2.3", ".", "-", "+", "", "12abc", "abc", "1 000", "$100", "100%",
        "1_000", "1'000", "١٢", "0x1p3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!*bad[i])
            invalid("subscriptions", "mrr", bad[i], "required value is empty");
        else
            invalid("subscriptions", "mrr", bad[i], NULL);
    }
    invalid("subscriptions", "mrr", "1e400", NULL);
}

static void decimal_ranges(void **state)
{
    (void)state;
    invalid("subscriptions", "mrr", "-0.01", "-0.01 is below 0");
    invalid("subscriptions", "mrr", "-5", "is below 0");
    invalid("spend", "amount", "-100", "is below 0");
    /* tickets csat 1-5 */
    assert_float_equal(valid_real("tickets", "csat", "1"), 1.0, 0);
    assert_float_equal(valid_real("tickets", "csat", "5"), 5.0, 0);
    assert_float_equal(valid_real("tickets", "csat", "4.5"), 4.5, 0);
    invalid("tickets", "csat", "0", "outside 1–5");
    invalid("tickets", "csat", "0.99", "outside");
    invalid("tickets", "csat", "5.01", "outside");
    invalid("tickets", "csat", "6", "outside 1–5");
    invalid("tickets", "csat", "-1", "outside");
    /* surveys score: any number at the column; its range depends on the
     * type and is the row check's (so the message names the type) */
    assert_float_equal(valid_real("surveys", "score", "0"), 0.0, 0);
    assert_float_equal(valid_real("surveys", "score", "11"), 11.0, 0);
    invalid("surveys", "score", "eleven", "not a number");
}

/* ---------------------------------------------------------------- surveys per type */

static void survey_nps_range(void **state)
{
    (void)state;
    survey_ok("nps", "0");
    survey_ok("nps", "6");
    survey_ok("nps", "9.5");
    survey_ok("nps", "10");
    survey_bad("nps", "11");
    survey_bad("nps", "10.01");
    survey_bad("nps", "-1");
    char msg[256];
    assert_int_equal(survey("nps", "11", msg), col_index("surveys", "score"));
    assert_non_null(strstr(msg, "nps score 11 is outside 0–10"));
}

static void survey_csat_range(void **state)
{
    (void)state;
    survey_ok("csat", "1");
    survey_ok("csat", "3.5");
    survey_ok("csat", "5");
    survey_bad("csat", "0");
    survey_bad("csat", "0.99");
    survey_bad("csat", "5.01");
    survey_bad("csat", "6");
    survey_bad("csat", "10");
}

static void survey_ces_range(void **state)
{
    (void)state;
    survey_ok("ces", "1");
    survey_ok("ces", "4");
    survey_ok("ces", "7");
    survey_bad("ces", "0");
    survey_bad("ces", "0.5");
    survey_bad("ces", "7.01");
    survey_bad("ces", "8");
    survey_bad("ces", "10");
}

static void survey_feeling_range(void **state)
{
    (void)state;
    survey_ok("feeling", "1");
    survey_ok("feeling", "5");
    survey_bad("feeling", "0");
    survey_bad("feeling", "5.5");
    survey_bad("feeling", "6");
}

static void survey_type_any_case(void **state)
{
    (void)state;
    survey_ok("NPS", "10");
    survey_ok("Csat", "5");
    survey_bad("CSAT", "0");
    survey_bad("Ces", "8");
    survey_bad("FEELING", "6");
    char msg[256];
    assert_int_equal(survey("csat", "0", msg), col_index("surveys", "score"));
    assert_non_null(strstr(msg, "csat"));
    assert_non_null(strstr(msg, "1–5"));
    assert_int_equal(survey("ces", "8", msg), col_index("surveys", "score"));
    assert_non_null(strstr(msg, "ces"));
    assert_non_null(strstr(msg, "1–7"));
}

/* ---------------------------------------------------------------- enumerations */

static void enums_any_case_stored_lower(void **state)
{
    (void)state;
    static const struct { const char *t, *c, *in, *out; } ok[] = {
        {"surveys", "type", "nps", "nps"},          {"surveys", "type", "NPS", "nps"},
        {"surveys", "type", "Csat", "csat"},        {"surveys", "type", "cEs", "ces"},
        {"surveys", "type", "FEELING", "feeling"},  {"tickets", "status", "open", "open"},
        {"tickets", "status", "Solved", "solved"},  {"tickets", "status", "ABANDONED", "abandoned"},
        {"tickets", "priority", "low", "low"},      {"tickets", "priority", "Normal", "normal"},
        {"tickets", "priority", "HIGH", "high"},    {"tickets", "priority", "Urgent", "urgent"},
        {"engagement", "kind", "webinar", "webinar"}, {"engagement", "kind", "Event", "event"},
        {"engagement", "kind", "COMMUNITY", "community"},
        {"engagement", "kind", "Training", "training"},
        {"engagement", "kind", "meeting", "meeting"}, {"engagement", "kind", "QBR", "qbr"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *s = valid_text(ok[i].t, ok[i].c, ok[i].in);
        if (strcmp(s, ok[i].out) != 0)
            fail_msg("%s.%s = \"%s\" stored as \"%s\", expected \"%s\"", ok[i].t, ok[i].c,
                     ok[i].in, s, ok[i].out);
    }
}

static void enums_unknown_rejected(void **state)
{
    (void)state;
    invalid("tickets", "status", "closed", "not one of open|solved|abandoned");
    invalid("tickets", "status", "pending", "\"pending\"");
    invalid("tickets", "status", "solved!", NULL);
    invalid("tickets", "priority", "critical", "not one of low|normal|high|urgent");
    invalid("tickets", "priority", "p1", NULL);
    invalid("surveys", "type", "promoter", "not one of nps|csat|ces|feeling");
    invalid("surveys", "type", "npss", NULL);
    invalid("engagement", "kind", "party",
            "not one of webinar|event|community|training|meeting|qbr");
    invalid("engagement", "kind", "webinars", NULL);
    invalid("engagement", "kind", "qbr meeting", NULL);
}

/* ---------------------------------------------------------------- booleans */

static void booleans(void **state)
{
    (void)state;
    static const char *const yes[] = {"true", "TRUE", "True", "yes", "YES", "Yes", "1"};
    static const char *const no[] = {"false", "FALSE", "False", "no", "NO", "No", "0"};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(valid_int("features", "key", yes[i]), 1);
        assert_int_equal(valid_int("features", "key", no[i]), 0);
    }
    static const char *const bad[] = {"y", "n", "t", "f", "2", "-1", "on", "off", "truee",
                                      "yes please", "01", "0.0", "nope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        invalid("features", "key", bad[i], "not a boolean");
    /* optional: empty is nil */
    assert_int_equal(valid("features", "key", "").type, VT_NIL);
}

/* ---------------------------------------------------------------- required / empty */

static void required_empty_rejected(void **state)
{
    (void)state;
    int n = 0;
    for (const vt_table *const *t = vt_tables(); *t; t++) {
        for (int c = 0; c < (*t)->ncols; c++) {
            const vt_column *col = &(*t)->cols[c];
            vt_cell cell;
            char msg[256] = "";
            int rc = vt_validate(col, "", &cell, msg, sizeof msg);
            if (col->flags & COL_REQUIRED) {
                if (rc != -1 || !strstr(msg, "required value is empty"))
                    fail_msg("%s.%s: empty accepted or wrong message \"%s\"", (*t)->name,
                             col->name, msg);
                n++;
            } else if (rc != 0) {
                fail_msg("%s.%s: empty optional value rejected: %s", (*t)->name, col->name, msg);
            } else if (col->flags & COL_KEY) {
                /* an empty optional key part is '' so that keys compare equal */
                assert_int_equal(cell.type, VT_TEXT);
                assert_string_equal(cell.s, "");
            } else {
                assert_int_equal(cell.type, VT_NIL);
            }
        }
    }
    assert_int_equal(n, 27);   /* required columns in SPEC §2 (keys included) */
    assert_int_equal(valid("surveys", "respondent", "").type, VT_TEXT);
    assert_int_equal(valid("customers", "churn_date", "").type, VT_NIL);
    assert_int_equal(valid("tickets", "csat", "").type, VT_NIL);
}

/* ---------------------------------------------------------------- text, dates, months */

static void text_and_customers(void **state)
{
    (void)state;
    const char *s = valid_text("customers", "name", "Acme, Inc. \"quoted\"");
    assert_string_equal(s, "Acme, Inc. \"quoted\"");
    assert_string_equal(valid_text("customers", "customer_id", "C0001"), "C0001");
    assert_string_equal(valid_text("usage", "customer_id", "acct-42"), "acct-42");
    assert_string_equal(valid_text("tickets", "ticket_id", "T000001"), "T000001");
    assert_string_equal(valid_text("surveys", "comment", "Great,\nreally"), "Great,\nreally");
    assert_string_equal(valid_text("customers", "owner", "João Pereira"), "João Pereira");
}

static void date_columns(void **state)
{
    (void)state;
    assert_int_equal(valid_int("usage", "date", "2024-02-29"), 19782);
    assert_int_equal(valid_int("customers", "start_date", "1970-01-01"), 0);
    assert_int_equal(valid_int("customers", "start_date", "2000-03-01"), 11017);
    assert_int_equal(valid_int("customers", "renewal_date", "2026-10-31"), 20757);
    invalid("usage", "date", "2026-02-30", "not a calendar date");
    invalid("usage", "date", "2026-02-29", "YYYY-MM-DD");
    invalid("usage", "date", "2026-13-01", NULL);
    invalid("usage", "date", "2026-04-31", NULL);
    invalid("usage", "date", "31/01/2026", NULL);
    invalid("usage", "date", "2026-01-01T10:00", NULL);
    invalid("customers", "churn_date", "yesterday", "\"yesterday\"");
    invalid("surveys", "date", "2026-1-5", NULL);
    invalid("adoption", "date", "2026-01-00", NULL);
    invalid("engagement", "date", "20260101", NULL);
}

static void timestamp_columns(void **state)
{
    (void)state;
    assert_int_equal(valid_int("tickets", "opened_at", "2026-03-15"), 1773532800LL);
    assert_int_equal(valid_int("tickets", "opened_at", "2026-03-15T10:30"), 1773570600LL);
    assert_int_equal(valid_int("tickets", "opened_at", "2026-03-15 10:30:45"), 1773570645LL);
    assert_int_equal(valid_int("tickets", "resolved_at", "2026-03-15T10:30:45Z"), 1773570645LL);
    invalid("tickets", "opened_at", "2026-03-15T25:00", "not a timestamp");
    invalid("tickets", "opened_at", "2026-02-30T10:00", NULL);
    invalid("tickets", "first_response_at", "2026-03-15T10:00 UTC", NULL);
    invalid("tickets", "resolved_at", "15/03/2026", NULL);
}

static void month_columns(void **state)
{
    (void)state;
    assert_int_equal(valid_int("subscriptions", "month", "2026-01"), 24312);
    assert_int_equal(valid_int("spend", "month", "2025-08"), 2025 * 12 + 7);
    invalid("subscriptions", "month", "2026-13", "not a month");
    invalid("subscriptions", "month", "2026-01-01", "YYYY-MM");
    invalid("subscriptions", "month", "2026-1", NULL);
    invalid("spend", "month", "Jan 2026", NULL);
}

static void message_fits_small_buffer(void **state)
{
    (void)state;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char msg[12];
    vt_cell c;
    memset(msg, 'Z', sizeof msg);
    assert_int_equal(vt_validate(column("usage", "active_users"), big, &c, msg, sizeof msg), -1);
    assert_true(memchr(msg, '\0', sizeof msg) != NULL);
    char full[256];
    assert_int_equal(vt_validate(column("tickets", "status"), big, &c, full, sizeof full), -1);
    assert_true(strlen(full) < 200);   /* the value is abbreviated in messages */
}

/* ---------------------------------------------------------------- row checks */

static void tickets_solved_needs_resolved_at(void **state)
{
    (void)state;
    char msg[256];
    const char *const solved_no_res[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                         "2026-03-15T10:00", "status", "solved", NULL};
    assert_int_equal(row_check("tickets", solved_no_res, msg, sizeof msg),
                     col_index("tickets", "resolved_at"));
    assert_non_null(strstr(msg, "solved"));

    const char *const solved_empty_res[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                            "2026-03-15T10:00", "resolved_at", "", "status",
                                            "SOLVED", NULL};
    assert_int_equal(row_check("tickets", solved_empty_res, msg, sizeof msg),
                     col_index("tickets", "resolved_at"));

    const char *const solved_ok[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                     "2026-03-15T10:00", "resolved_at", "2026-03-16 09:00",
                                     "status", "solved", NULL};
    assert_int_equal(row_check("tickets", solved_ok, msg, sizeof msg), -1);

    const char *const open_no_res[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                       "2026-03-15T10:00", "resolved_at", "", "status", "open",
                                       NULL};
    assert_int_equal(row_check("tickets", open_no_res, msg, sizeof msg), -1);

    const char *const abandoned_no_res[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                            "2026-03-15T10:00", "status", "Abandoned", NULL};
    assert_int_equal(row_check("tickets", abandoned_no_res, msg, sizeof msg), -1);
}

static void tickets_times_run_forwards(void **state)
{
    (void)state;
    char msg[256];
    const char *const before[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                  "2026-03-15T10:30Z", "resolved_at", "2026-03-15 10:29:59",
                                  "status", "solved", NULL};
    assert_int_equal(row_check("tickets", before, msg, sizeof msg),
                     col_index("tickets", "resolved_at"));
    assert_non_null(strstr(msg, "before"));

    /* a date-only timestamp is midnight: before 10:00 the same day */
    const char *const date_only[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                     "2026-03-15T10:00", "resolved_at", "2026-03-15", "status",
                                     "open", NULL};
    assert_int_equal(row_check("tickets", date_only, msg, sizeof msg),
                     col_index("tickets", "resolved_at"));

    const char *const same[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                "2026-03-15T10:00", "resolved_at", "2026-03-15 10:00:00Z",
                                "status", "solved", NULL};
    assert_int_equal(row_check("tickets", same, msg, sizeof msg), -1);

    const char *const first_before[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                        "2026-03-15T10:00", "first_response_at",
                                        "2026-03-14T23:00", "status", "open", NULL};
    assert_int_equal(row_check("tickets", first_before, msg, sizeof msg),
                     col_index("tickets", "first_response_at"));
    assert_non_null(strstr(msg, "before"));

    const char *const all_ok[] = {"ticket_id", "T1", "customer_id", "C1", "opened_at",
                                  "2026-03-15T10:00", "first_response_at", "2026-03-15T11:00",
                                  "resolved_at", "2026-03-17", "status", "solved", "priority",
                                  "URGENT", "contacts", "2", "csat", "5", NULL};
    assert_int_equal(row_check("tickets", all_ok, msg, sizeof msg), -1);
}

static void customers_churn_not_before_start(void **state)
{
    (void)state;
    char msg[256];
    const char *const before[] = {"customer_id", "C1", "start_date", "2026-03-15", "churn_date",
                                  "2026-03-14", NULL};
    assert_int_equal(row_check("customers", before, msg, sizeof msg),
                     col_index("customers", "churn_date"));
    assert_non_null(strstr(msg, "before"));

    const char *const long_before[] = {"customer_id", "C1", "start_date", "2026-03-15",
                                       "churn_date", "1999-01-01", NULL};
    assert_int_equal(row_check("customers", long_before, msg, sizeof msg),
                     col_index("customers", "churn_date"));

    const char *const same_day[] = {"customer_id", "C1", "start_date", "2026-03-15", "churn_date",
                                    "2026-03-15", NULL};
    assert_int_equal(row_check("customers", same_day, msg, sizeof msg), -1);

    const char *const after[] = {"customer_id", "C1", "start_date", "2026-03-15", "churn_date",
                                 "2026-09-01", "renewal_date", "2027-03-15", "seats", "10", NULL};
    assert_int_equal(row_check("customers", after, msg, sizeof msg), -1);

    const char *const empty[] = {"customer_id", "C1", "start_date", "2026-03-15", "churn_date",
                                 "", NULL};
    assert_int_equal(row_check("customers", empty, msg, sizeof msg), -1);

    const char *const absent[] = {"customer_id", "C1", "start_date", "2026-03-15", NULL};
    assert_int_equal(row_check("customers", absent, msg, sizeof msg), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_matches_spec),
        cmocka_unit_test(catalogue_kinds),
        cmocka_unit_test(whole_numbers),
        cmocka_unit_test(counts_are_not_negative),
        cmocka_unit_test(decimals),
        cmocka_unit_test(decimal_comma_rejected_with_hint),
        cmocka_unit_test(decimal_forms_rejected),
        cmocka_unit_test(decimal_ranges),
        cmocka_unit_test(survey_nps_range),
        cmocka_unit_test(survey_csat_range),
        cmocka_unit_test(survey_ces_range),
        cmocka_unit_test(survey_feeling_range),
        cmocka_unit_test(survey_type_any_case),
        cmocka_unit_test(enums_any_case_stored_lower),
        cmocka_unit_test(enums_unknown_rejected),
        cmocka_unit_test(booleans),
        cmocka_unit_test(required_empty_rejected),
        cmocka_unit_test(text_and_customers),
        cmocka_unit_test(date_columns),
        cmocka_unit_test(timestamp_columns),
        cmocka_unit_test(month_columns),
        cmocka_unit_test(message_fits_small_buffer),
        cmocka_unit_test(tickets_solved_needs_resolved_at),
        cmocka_unit_test(tickets_times_run_forwards),
        cmocka_unit_test(customers_churn_not_before_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
