/*
 * cmd_init.c - `vitals init`: create the database or migrate its schema.
 */
#include <stdio.h>

#include "cli.h"

const char usage_init[] =
    "usage: vitals [--db PATH] init\n"
    "\n"
    "Create the database with every table, or bring an older database up to the\n"
    "current schema.  Safe to run again: nothing is dropped or lost.\n"
    "\n"
    "  vitals --db portfolio.db init\n";

int cmd_init(int argc, char **argv, const vt_cli *cli)
{
    if (argc > 1) {
        cli_errorf("init: unexpected argument '%s'", argv[1]);
        return VT_EUSAGE;
    }
    sqlite3 *db;
    vt_error err;
    vt_status st = vt_db_open(cli->db_path, &db, &err);
    if (st == VT_OK)
        st = vt_schema_init(db, &err);
    vt_db_close(db);
    if (st != VT_OK) {
        cli_errorf("init: %s", err.msg);
        return st;
    }
    fprintf(stderr, "%s: ready\n", cli->db_path);
    return VT_OK;
}
