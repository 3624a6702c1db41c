/*
 * cli.h - what every subcommand of the `vitals` command line shares.
 *
 * main.c parses the global options (--db), handles --help and --version, and
 * dispatches to cmd_<name>(argc, argv, cli) where argv[0] is the subcommand.
 * Commands parse their own options with getopt_long, call the library,
 * print data on stdout and messages on stderr, and return an exit status
 * (vt_status).
 */
#ifndef VITALS_CLI_H
#define VITALS_CLI_H

#include "vitals.h"

typedef struct vt_cli {
    const char *db_path;   /* --db, else $VITALS_DB, else ./vitals.db */
    const char *argv0;     /* the program name for messages */
} vt_cli;

typedef int (*vt_cmd_fn)(int argc, char **argv, const vt_cli *cli);

/* Print "vitals: message" to stderr. */
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Parse --as-of: NULL means today (UTC).  Prints and returns -1 on error. */
int cli_parse_as_of(const char *arg, vt_day *day);

/* Open the database of the command line, checking the schema exists. */
int cli_open_db(const vt_cli *cli, int readonly, sqlite3 **db);

/* The subcommands; each lives in cmd_<name>.c with its --help text, which
 * the dispatcher prints. */
extern const char usage_init[], usage_load[], usage_indicators[], usage_check[],
    usage_score[], usage_explain[], usage_export[], usage_override[], usage_kpis[];
extern const char usage_backtest[], usage_report[];

int cmd_init(int argc, char **argv, const vt_cli *cli);
int cmd_load(int argc, char **argv, const vt_cli *cli);
int cmd_indicators(int argc, char **argv, const vt_cli *cli);
int cmd_check(int argc, char **argv, const vt_cli *cli);
int cmd_score(int argc, char **argv, const vt_cli *cli);
int cmd_explain(int argc, char **argv, const vt_cli *cli);
int cmd_export(int argc, char **argv, const vt_cli *cli);
int cmd_override(int argc, char **argv, const vt_cli *cli);
int cmd_kpis(int argc, char **argv, const vt_cli *cli);
extern const char usage_test[], usage_diff[];
int cmd_test(int argc, char **argv, const vt_cli *cli);
int cmd_diff(int argc, char **argv, const vt_cli *cli);
int cmd_backtest(int argc, char **argv, const vt_cli *cli);
int cmd_report(int argc, char **argv, const vt_cli *cli);

#endif /* VITALS_CLI_H */
