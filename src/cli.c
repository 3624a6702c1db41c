/*
 * cli.c - helpers every subcommand shares: messages, --as-of, opening the
 * database named on the command line.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    fputs("vitals: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_parse_as_of(const char *arg, vt_day *day)
{
    if (!arg) {
        *day = vt_today();
        return 0;
    }
    if (vt_date_parse(arg, day)) {
        cli_errorf("--as-of %s: expected a calendar date YYYY-MM-DD", arg);
        return -1;
    }
    return 0;
}

int cli_open_db(const vt_cli *cli, int readonly, sqlite3 **db)
{
    vt_error err;
    vt_status st = readonly ? vt_db_open_readonly(cli->db_path, db, &err)
                            : vt_db_open(cli->db_path, db, &err);
    if (st == VT_OK && (st = vt_schema_check(*db, &err)) != VT_OK) {
        vt_db_close(*db);
        *db = NULL;
    }
    if (st != VT_OK)
        cli_errorf("%s", err.msg);
    return st;
}
