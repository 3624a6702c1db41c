/*
 * fuzz_rules.c - libFuzzer target: a rule file's source through
 * vt_rules_check, vt_rules_load, the rule-defined indicators and the scoring
 * of a small fixed portfolio (and, with score.c, a dry-run vt_score_run).
 *
 * The portfolio (4 customers with usage, revenue, surveys, tickets,
 * engagement and a custom table) is loaded once into an in-memory database.
 * Whatever the rule file says, these must hold:
 *   - check and load answer VT_OK or VT_EINPUT with a message; a file that
 *     cannot load does not pass check;
 *   - rule SQL never writes: the database's total_changes() stays the same,
 *     nothing is attached, no file appears in the working directory;
 *   - every customer is scored or fails alone (VT_EPARTIAL with an error that
 *     names the customer); a score and coverage are finite and within 0-100,
 *     the band is one of the file's bands, measures/flags are valid JSON;
 *   - the CPU and memory caps hold: libFuzzer's -timeout and -rss_limit_mb
 *     turn a rule that escapes them into a reported failure;
 *   - no leak, no sanitizer report, no transaction left open.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vitals.h"

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_rules: %s:%d: check failed: %s\n  ", __FILE__, \
                    __LINE__, #cond);                                            \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            abort();                                                             \
        }                                                                        \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AS_OF "2026-10-31"

static const struct {
    const char *table, *csv;
} portfolio[] = {
    {"customers",
     "customer_id,name,segment,plan,owner,region,seats,start_date,renewal_date,churn_date,referred_by\n"
     "C1,Coral Crest,smb,basic,Elena Rossi,emea,20,2024-01-10,2026-12-01,,\n"
     "C2,Harbor Wave,enterprise,pro,Carla Mendes,na,200,2023-05-01,2027-05-01,,C1\n"
     "C3,Quiet Fields,mid,pro,Ana Souza,latam,,2026-10-31,,,\n"
     "C4,Gone Away,smb,basic,Ana Souza,na,5,2022-01-01,2026-01-01,2026-11-15,\n"},
    {"subscriptions",
     "customer_id,month,product,mrr\n"
     "C1,2026-07,core,100\nC1,2026-10,core,150\nC1,2026-10,analytics,20\n"
     "C2,2026-07,core,2000\nC2,2026-10,core,1500\nC4,2026-10,core,0.00\n"},
    {"usage",
     "customer_id,date,active_users,sessions,events\n"
     "C1,2026-10-01,10,30,300\nC1,2026-10-30,12,31,320\nC2,2026-09-15,150,400,9000\n"
     "C2,2026-10-31,90,200,5000\nC4,2026-08-01,1,1,1\n"},
    {"features", "feature,key\nsso,true\ndashboards,false\nreports,yes\n"},
    {"adoption", "customer_id,feature,date,uses\nC1,sso,2026-10-01,3\nC2,reports,2026-09-01,\n"},
    {"surveys",
     "customer_id,date,type,score,respondent,comment\n"
     "C1,2026-10-01,nps,9,a@x,\nC1,2026-10-01,nps,6,b@x,\nC2,2026-06-01,csat,4,c@y,ok\n"
     "C2,2026-10-20,feeling,2,Carla Mendes,tense\n"},
    {"tickets",
     "ticket_id,customer_id,opened_at,first_response_at,resolved_at,status,priority,contacts,csat\n"
     "T1,C1,2026-10-20T10:00Z,2026-10-20T11:00Z,2026-10-21T10:00Z,solved,normal,1,5\n"
     "T2,C2,2026-10-25 09:00,,,open,urgent,,\nT3,C2,2026-09-01,,,abandoned,low,,\n"},
    {"engagement",
     "customer_id,date,kind,count\nC1,2026-10-15,webinar,\nC2,2026-09-30,qbr,1\n"},
    {"spend", "month,channel,amount\n2026-10,ads,1000\n"},
    {"crm_deals", "customer_id,stage,amount\nC1,won,1200\nC2,lost,\n"},
};

static char dir[256], rules_path[300];
static sqlite3 *db;
static vt_day as_of;
static int baseline_files;
static vt_rule_limits limits;

static int count_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n++;
    if (d)
        closedir(d);
    return n;
}

static void remove_dir(void)
{
    unlink(rules_path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/vitals-fuzz-rules-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(rules_path, sizeof rules_path, "%s/rules.lua", dir);
    atexit(remove_dir);
    vt_error err;
    CHECK(vt_db_open(":memory:", &db, &err) == VT_OK, "%s", err.msg);
    CHECK(vt_schema_init(db, &err) == VT_OK, "%s", err.msg);
    for (size_t i = 0; i < sizeof portfolio / sizeof portfolio[0]; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s.csv", dir, portfolio[i].table);
        FILE *f = fopen(path, "w");
        CHECK(f && fputs(portfolio[i].csv, f) >= 0 && fclose(f) == 0, "writing %s", path);
        vt_load_options opt = {.table = portfolio[i].table};
        vt_load_summary sum;
        CHECK(vt_load_file(db, path, &opt, &sum, &err) == VT_OK, "%s", err.msg);
        unlink(path);
    }
    CHECK(vt_date_parse(AS_OF, &as_of) == 0, "as_of");
    vt_rule_limits_default(&limits);
    limits.memory_bytes = 64u << 20;
    limits.customer_ms = 25;   /* a looping rule costs 4 x 25 ms, twice */
    baseline_files = count_files();
    return 0;
}

static int json_valid(const char *s)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(db, "SELECT json_valid(?)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    }
    sqlite3_finalize(st);
    return ok;
}

static int is_band(const vt_rules *r, const char *band)
{
    for (int i = 0; i < vt_rules_band_count(r); i++)
        if (strcmp(vt_rules_band_name(r, i), band) == 0)
            return 1;
    return 0;
}

static void score_portfolio(vt_rules *r)
{
    vt_indicators *ind = NULL;
    vt_error err;
    err.msg[0] = '\0';
    CHECK(vt_indicators_compute(db, as_of, &ind, &err) == VT_OK, "%s", err.msg);
    vt_status st = vt_rules_compute_indicators(r, db, ind, &err);
    CHECK(st != VT_EINTERNAL && st != VT_EUSAGE,
          "rule-defined indicators: status %d (a bad rule file is exit 2): %s", st, err.msg);
    if (st == VT_OK || st == VT_EPARTIAL) {
        st = vt_rules_bind(r, ind, &err);
        CHECK(st == VT_OK || st == VT_EINPUT, "vt_rules_bind: status %d: %s", st, err.msg);
    }
    if (st == VT_OK) {
        for (int row = 0; row < vt_indicators_rows(ind); row++) {
            vt_result res;
            memset(&res, 0, sizeof res);
            const char *id = vt_indicators_customer(ind, row);
            st = vt_rules_eval(r, row, &res);
            CHECK(st == VT_OK || st == VT_EPARTIAL, "vt_rules_eval(%s): status %d", id, st);
            if (st == VT_OK) {
                CHECK(isfinite(res.score) && res.score >= 0 && res.score <= 100,
                      "%s: score %g", id, res.score);
                CHECK(isfinite(res.coverage) && res.coverage >= 0 && res.coverage <= 100,
                      "%s: coverage %g", id, res.coverage);
                CHECK(is_band(r, res.band), "%s: band \"%s\" is not one of the file's", id,
                      res.band);
                CHECK(res.measures_json && json_valid(res.measures_json),
                      "%s: measures JSON: %s", id, res.measures_json ? res.measures_json : "NULL");
                CHECK(res.flags_json && json_valid(res.flags_json), "%s: flags JSON: %s", id,
                      res.flags_json ? res.flags_json : "NULL");
            } else {
                CHECK(res.error && res.error[0], "%s failed without an error", id);
                CHECK(strstr(res.error, id), "the error does not name customer %s: %s", id,
                      res.error);
            }
            vt_result_clear(&res);
        }
    }
    vt_indicators_free(ind);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(rules_path, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "writing %s", rules_path);
    int changes = sqlite3_total_changes(db);

    vt_error err;
    err.msg[0] = '\0';
    vt_status checked = vt_rules_check(rules_path, &err);
    CHECK(checked == VT_OK || checked == VT_EINPUT, "vt_rules_check: status %d: %s", checked,
          err.msg);
    if (checked != VT_OK)
        CHECK(err.msg[0], "vt_rules_check failed without a message");

    vt_rules *r = NULL;
    err.msg[0] = '\0';
    vt_status loaded = vt_rules_load(rules_path, &limits, &r, &err);
    CHECK(loaded == VT_OK || loaded == VT_EINPUT, "vt_rules_load: status %d: %s", loaded,
          err.msg);
    if (loaded == VT_OK) {
        CHECK(r != NULL, "vt_rules_load: VT_OK without rules");
        score_portfolio(r);
        vt_rules_free(r);
    } else {
        CHECK(err.msg[0], "vt_rules_load failed without a message");
        CHECK(checked != VT_OK, "vt_rules_check passes a file that cannot load: %s", err.msg);
    }

#ifdef FUZZ_HAVE_SCORE
    vt_score_summary sum;
    err.msg[0] = '\0';
    vt_status scored = vt_score_run(db, rules_path, as_of, &limits, 1, &sum, &err);
    CHECK(scored == VT_OK || scored == VT_EPARTIAL || scored == VT_EINPUT,
          "vt_score_run (dry run): status %d: %s", scored, err.msg);
    if (loaded != VT_OK)
        CHECK(scored == VT_EINPUT, "vt_score_run scored a file vt_rules_load refuses");
    if (scored != VT_EINPUT) {
        long long banded = 0;
        for (int i = 0; i < sum.n_bands; i++)
            banded += sum.bands[i].customers;
        CHECK(sum.run_id == 0, "a dry run stored run %lld", sum.run_id);
        CHECK(banded + sum.failed == sum.customers, "bands %lld + failed %lld != customers %lld",
              banded, sum.failed, sum.customers);
        CHECK((scored == VT_EPARTIAL) == (sum.failed > 0), "status %d with %lld failed", scored,
              sum.failed);
    }
#endif

    CHECK(sqlite3_total_changes(db) == changes, "rule code wrote to the database (%d changes)",
          sqlite3_total_changes(db) - changes);
    CHECK(sqlite3_get_autocommit(db), "a transaction was left open");
    unlink(rules_path);
    CHECK(count_files() == baseline_files, "rule code created a file in %s", dir);
    sqlite3_stmt *st = NULL;
    int dbs = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA database_list", -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            dbs++;
    sqlite3_finalize(st);
    CHECK(dbs <= 2, "rule code attached a database (%d in the list)", dbs);
    return 0;
}
