/*
 * cmd_load.c - `vitals load FILE.csv...`: load each file in its own
 * transaction and report, per file, how many rows were read, inserted,
 * updated and rejected.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_load[] =
    "usage: vitals load [--table NAME] [--map COLUMN=HEADER]... [--format text|json] FILE.csv...\n"
    "\n"
    "Load CSV files (a header row, RFC 4180, UTF-8).  The table is the file's base\n"
    "name (usage.csv -> usage) unless --table names it.  Columns are matched by\n"
    "header, in any order, ignoring case; other columns are kept as JSON in `extra`.\n"
    "Rows are upserted on the table's natural key, so loading a file again updates\n"
    "it.  Each file is one transaction: interrupted, it leaves the table unchanged.\n"
    "\n"
    "A row that fails validation is written unchanged to FILE.rejects.csv (next to\n"
    "the input) with an `error` column, and the rest of the file still loads.\n"
    "\n"
    "Tables: customers, subscriptions, usage, features, adoption, surveys, tickets,\n"
    "engagement, spend.  Any other --table NAME loads a custom table of TEXT\n"
    "columns that rule-defined indicators can query.\n"
    "\n"
    "Options:\n"
    "  --table NAME          load every FILE into table NAME\n"
    "  --map COLUMN=HEADER   read COLUMN from a differently named header (repeatable)\n"
    "  --format text|json    text: one summary line per file on stderr (default);\n"
    "                        json: an array of summaries on stdout\n"
    "\n"
    "Examples:\n"
    "  vitals load examples/data/*.csv\n"
    "  vitals load --table tickets --map ticket_id=\"Ticket ID\" \\\n"
    "              --map customer_id=\"Organization\" zendesk-export.csv\n"
    "\n"
    "Limits: a field up to 65536 bytes (longer: the row is rejected), a row up to\n"
    "16 MiB and 1000 columns (more: the file is refused).\n"
    "Exit status: 0 all loaded, 2 a file could not be loaded (nothing of it was),\n"
    "3 some rows rejected, 4 database error.\n";

#define SHOWN_REJECTS 5

typedef struct reject_log {
    int shown;
} reject_log;

static void print_reject(void *ctx, const char *path, long line, int column, const char *msg)
{
    reject_log *log = ctx;
    if (log->shown++ >= SHOWN_REJECTS)
        return;
    /* msg starts with the line number: "17: column score: ..." */
    const char *rest = strchr(msg, ':');
    if (column > 0)
        fprintf(stderr, "%s:%ld:%d%s\n", path, line, column, rest ? rest : "");
    else
        fprintf(stderr, "%s:%ld%s\n", path, line, rest ? rest : "");
}

/* Worst status wins: internal error, then bad input, then partial. */
static int worse(int a, int b)
{
    static const int rank[] = {0, 3, 4, 2, 5};  /* by vt_status */
    return rank[b] > rank[a] ? b : a;
}

static void print_json(sqlite3 *db, const char *path, const vt_load_summary *s, vt_status st,
                       const char *error, int first)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT json_object('file', ?1, 'table', ?2, 'read', ?3, 'inserted', ?4,"
                           " 'updated', ?5, 'rejected', ?6, 'unknown_customers', ?7,"
                           " 'rejects', ?8, 'status', ?9, 'error', ?10)",
                           -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, s->table, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, s->read);
    sqlite3_bind_int64(q, 4, s->inserted);
    sqlite3_bind_int64(q, 5, s->updated);
    sqlite3_bind_int64(q, 6, s->rejected);
    sqlite3_bind_int64(q, 7, s->unknown_customers);
    if (s->rejects_path[0])
        sqlite3_bind_text(q, 8, s->rejects_path, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 9, st);
    if (error)
        sqlite3_bind_text(q, 10, error, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        printf("%s  %s", first ? "[\n" : ",\n", sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
}

int cmd_load(int argc, char **argv, const vt_cli *cli)
{
    static const struct option longopts[] = {
        {"table", required_argument, NULL, 't'},
        {"map", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    const char **maps = calloc((size_t)argc, sizeof *maps);
    vt_load_options opt = {.maps = maps};
    int json = 0, c;
    if (!maps)
        return VT_EINTERNAL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 't': opt.table = optarg; break;
        case 'm':
            if (!strchr(optarg, '=')) {
                cli_errorf("load: --map %s: expected COLUMN=HEADER", optarg);
                free(maps);
                return VT_EUSAGE;
            }
            maps[opt.n_maps++] = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0) {
                json = optarg[0] == 'j';
                break;
            }
            cli_errorf("load: --format %s: expected text or json", optarg);
            free(maps);
            return VT_EUSAGE;
        default:
            free(maps);
            return VT_EUSAGE;
        }
    }
    if (optind >= argc) {
        cli_errorf("load: no files given; see `vitals load --help`");
        free(maps);
        return VT_EUSAGE;
    }
    sqlite3 *db;
    int status = cli_open_db(cli, 0, &db);
    if (status != VT_OK) {
        free(maps);
        return status;
    }
    for (int i = optind; i < argc; i++) {
        reject_log log = {0};
        opt.on_reject = print_reject;
        opt.ctx = &log;
        vt_load_summary sum;
        vt_error err;
        vt_status st = vt_load_file(db, argv[i], &opt, &sum, &err);
        status = worse(status, st);
        if (st == VT_OK || st == VT_EPARTIAL) {
            if (log.shown > SHOWN_REJECTS)
                fprintf(stderr, "%s: ... and %d more rejected rows\n", argv[i],
                        log.shown - SHOWN_REJECTS);
            if (!json)
                fprintf(stderr, "%s: read %lld, inserted %lld, updated %lld, rejected %lld, "
                                "unknown customers %lld\n",
                        argv[i], sum.read, sum.inserted, sum.updated, sum.rejected,
                        sum.unknown_customers);
            if (sum.rejected)
                fprintf(stderr, "%s: rejected rows are in %s\n", argv[i], sum.rejects_path);
        } else {
            cli_errorf("%s", err.msg);
            if (st == VT_EINPUT || st == VT_EINTERNAL)
                fprintf(stderr, "%s: nothing loaded from this file\n", argv[i]);
        }
        if (json)
            print_json(db, argv[i], &sum, st, st == VT_OK || st == VT_EPARTIAL ? NULL : err.msg,
                       i == optind);
        if (st == VT_EUSAGE)
            break;
    }
    if (json)
        printf("\n]\n");
    vt_db_close(db);
    free(maps);
    return status;
}
