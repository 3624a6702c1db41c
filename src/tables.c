/*
 * tables.c - the input tables of SPEC §2 as data: columns, kinds, ranges,
 * enumerations, natural keys, and the row-level rules that span columns.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tables.h"

#define REQ COL_REQUIRED
#define KEY (COL_KEY | COL_REQUIRED)
#define NOLIMIT 0, 0
#define COUNT 0, 1e15

static const char *const survey_types[] = {"nps", "csat", "ces", "feeling", NULL};
static const char *const ticket_status[] = {"open", "solved", "abandoned", NULL};
static const char *const ticket_priority[] = {"low", "normal", "high", "urgent", NULL};
static const char *const engagement_kinds[] = {"webinar", "event", "community", "training",
                                                "meeting", "qbr", NULL};

static const vt_column customers_cols[] = {
    {"customer_id", K_CUSTOMER, KEY, NOLIMIT, NULL},
    {"name", K_TEXT, 0, NOLIMIT, NULL},
    {"segment", K_TEXT, 0, NOLIMIT, NULL},
    {"plan", K_TEXT, 0, NOLIMIT, NULL},
    {"owner", K_TEXT, 0, NOLIMIT, NULL},
    {"region", K_TEXT, 0, NOLIMIT, NULL},
    {"seats", K_INT, 0, COUNT, NULL},
    {"start_date", K_DATE, REQ, NOLIMIT, NULL},
    {"renewal_date", K_DATE, 0, NOLIMIT, NULL},
    {"churn_date", K_DATE, 0, NOLIMIT, NULL},
    {"referred_by", K_TEXT, 0, NOLIMIT, NULL},
};

static const vt_column subscriptions_cols[] = {
    {"customer_id", K_CUSTOMER, KEY, NOLIMIT, NULL},
    {"month", K_MONTH, KEY, NOLIMIT, NULL},
    {"product", K_TEXT, KEY, NOLIMIT, NULL},
    {"mrr", K_DECIMAL, REQ, COUNT, NULL},
};

static const vt_column usage_cols[] = {
    {"customer_id", K_CUSTOMER, KEY, NOLIMIT, NULL},
    {"date", K_DATE, KEY, NOLIMIT, NULL},
    {"active_users", K_INT, REQ, COUNT, NULL},
    {"sessions", K_INT, 0, COUNT, NULL},
    {"events", K_INT, 0, COUNT, NULL},
};

static const vt_column features_cols[] = {
    {"feature", K_TEXT, KEY, NOLIMIT, NULL},
    {"key", K_BOOL, 0, NOLIMIT, NULL},
};

static const vt_column adoption_cols[] = {
    {"customer_id", K_CUSTOMER, KEY, NOLIMIT, NULL},
    {"feature", K_TEXT, KEY, NOLIMIT, NULL},
    {"date", K_DATE, KEY, NOLIMIT, NULL},
    {"uses", K_INT, 0, COUNT, NULL},
};

static const vt_column surveys_cols[] = {
    {"customer_id", K_CUSTOMER, KEY, NOLIMIT, NULL},
    {"date", K_DATE, KEY, NOLIMIT, NULL},
    {"type", K_ENUM, KEY, NOLIMIT, survey_types},
    {"score", K_DECIMAL, REQ, -1e15, 1e15, NULL},  /* range by type: check_survey */
    {"respondent", K_TEXT, COL_KEY, NOLIMIT, NULL},
    {"comment", K_TEXT, 0, NOLIMIT, NULL},
};

static const vt_column tickets_cols[] = {
    {"ticket_id", K_TEXT, KEY, NOLIMIT, NULL},
    {"customer_id", K_CUSTOMER, REQ, NOLIMIT, NULL},
    {"opened_at", K_TIMESTAMP, REQ, NOLIMIT, NULL},
    {"first_response_at", K_TIMESTAMP, 0, NOLIMIT, NULL},
    {"resolved_at", K_TIMESTAMP, 0, NOLIMIT, NULL},
    {"status", K_ENUM, REQ, NOLIMIT, ticket_status},
    {"priority", K_ENUM, 0, NOLIMIT, ticket_priority},
    {"contacts", K_INT, 0, COUNT, NULL},
    {"csat", K_DECIMAL, 0, 1, 5, NULL},
};

static const vt_column engagement_cols[] = {
    {"customer_id", K_CUSTOMER, KEY, NOLIMIT, NULL},
    {"date", K_DATE, KEY, NOLIMIT, NULL},
    {"kind", K_ENUM, KEY, NOLIMIT, engagement_kinds},
    {"count", K_INT, 0, COUNT, NULL},
};

static const vt_column spend_cols[] = {
    {"month", K_MONTH, KEY, NOLIMIT, NULL},
    {"channel", K_TEXT, KEY, NOLIMIT, NULL},
    {"amount", K_DECIMAL, REQ, COUNT, NULL},
};

/* customers: a customer cannot churn before it starts. */
static int check_customer(const vt_table *t, const vt_cell *v, char *msg, size_t len)
{
    int start = vt_table_column(t, "start_date"), churn = vt_table_column(t, "churn_date");
    if (v[churn].type == VT_INT && v[churn].i < v[start].i) {
        snprintf(msg, len, "churn_date is before start_date");
        return churn;
    }
    return -1;
}

/* surveys: the score range depends on the survey type. */
static int check_survey(const vt_table *t, const vt_cell *v, char *msg, size_t len)
{
    static const struct { const char *type; double lo, hi; } ranges[] = {
        {"nps", 0, 10}, {"csat", 1, 5}, {"ces", 1, 7}, {"feeling", 1, 5},
    };
    int type = vt_table_column(t, "type"), score = vt_table_column(t, "score");
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (strcmp(v[type].s, ranges[i].type) != 0)
            continue;
        if (v[score].r < ranges[i].lo || v[score].r > ranges[i].hi) {
            snprintf(msg, len, "%s score %g is outside %g–%g", ranges[i].type, v[score].r,
                     ranges[i].lo, ranges[i].hi);
            return score;
        }
    }
    return -1;
}

/* tickets: a solved ticket has a resolution time, and times run forwards. */
static int check_ticket(const vt_table *t, const vt_cell *v, char *msg, size_t len)
{
    int opened = vt_table_column(t, "opened_at"), first = vt_table_column(t, "first_response_at");
    int resolved = vt_table_column(t, "resolved_at"), status = vt_table_column(t, "status");
    if (strcmp(v[status].s, "solved") == 0 && v[resolved].type == VT_NIL) {
        snprintf(msg, len, "required when status is solved, but empty");
        return resolved;
    }
    if (v[resolved].type == VT_INT && v[resolved].i < v[opened].i) {
        snprintf(msg, len, "resolved_at is before opened_at");
        return resolved;
    }
    if (v[first].type == VT_INT && v[first].i < v[opened].i) {
        snprintf(msg, len, "first_response_at is before opened_at");
        return first;
    }
    return -1;
}

#define TABLE(n, check) {#n, n##_cols, (int)(sizeof n##_cols / sizeof n##_cols[0]), check}

static const vt_table all_tables[] = {
    TABLE(customers, check_customer), TABLE(subscriptions, NULL), TABLE(usage, NULL),
    TABLE(features, NULL),            TABLE(adoption, NULL),      TABLE(surveys, check_survey),
    TABLE(tickets, check_ticket),     TABLE(engagement, NULL),    TABLE(spend, NULL),
};

static const vt_table *const table_list[] = {
    &all_tables[0], &all_tables[1], &all_tables[2], &all_tables[3], &all_tables[4],
    &all_tables[5], &all_tables[6], &all_tables[7], &all_tables[8], NULL,
};

const vt_table *const *vt_tables(void)
{
    return table_list;
}

const vt_table *vt_table_find(const char *name)
{
    for (int i = 0; table_list[i]; i++)
        if (strcasecmp(table_list[i]->name, name) == 0)
            return table_list[i];
    return NULL;
}

int vt_table_column(const vt_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

const char *vt_column_store_name(const vt_column *c)
{
    return c->kind == K_CUSTOMER ? "cust" : c->name;
}
