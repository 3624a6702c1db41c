/*
 * main.c - the `vitals` command: global options, --help and --version, and
 * dispatch to the subcommand (git-style).  Every subcommand lives in its own
 * cmd_<name>.c; nothing else happens here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    vt_cmd_fn fn;
    const char *usage;
    const char *summary;
} command;

static const command commands[] = {
    {"init", cmd_init, usage_init, "create or migrate the database"},
    {"load", cmd_load, usage_load, "load CSV files (customers, usage, tickets, ...)"},
    {"check", cmd_check, usage_check, "validate a rule file without scoring"},
    {"indicators", cmd_indicators, usage_indicators, "print every customer's indicators"},
    {"score", cmd_score, usage_score, "score every active customer and store the run"},
    {"explain", cmd_explain, usage_explain, "show how a customer's score came about"},
    {"export", cmd_export, usage_export, "the at-risk list, sorted by ARR at risk"},
    {"override", cmd_override, usage_override, "set or clear a CSM's manual band or score"},
    {"kpis", cmd_kpis, usage_kpis, "portfolio KPIs for a period"},
    {"diff", cmd_diff, usage_diff, "compare two rule files, or one with the latest run"},
    {"test", cmd_test, usage_test, "rule unit tests: fixture customers and expected bands"},
    {"backtest", cmd_backtest, usage_backtest, "how well the rules would have predicted churn"},
    {"report", cmd_report, usage_report, "a self-contained HTML report of a run, with charts"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "usage: vitals [--db PATH] COMMAND [OPTIONS] [ARGS]\n"
            "\n"
            "Vitals turns customer data (CSV) into health scores, bands and risk flags\n"
            "with reasons, using Lua rule files that Customer Success teams write.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Global options:\n"
            "  --db PATH    the database (default: $VITALS_DB, else ./vitals.db)\n"
            "  --version    print the version\n"
            "  --help       this help; `vitals COMMAND --help` for a command\n"
            "\n"
            "A typical night:\n"
            "  vitals init\n"
            "  vitals load data/*.csv\n"
            "  vitals score --rules rules/health.lua\n"
            "  vitals export --band red,yellow --out at-risk.csv\n"
            "\n"
            "Exit status: 0 ok, 1 usage error, 2 bad input, 3 partial success\n"
            "(rows rejected or customers failed), 4 internal or database error.\n");
}

/* Take --db PATH / --db=PATH out of argv wherever it is (before or after
 * the subcommand), so commands never see it. */
static int take_db_option(int *argc, char **argv, const char **db)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= *argc) {
                cli_errorf("--db needs a PATH");
                return -1;
            }
            *db = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            *db = argv[i] + 5;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    vt_cli cli = {.db_path = getenv("VITALS_DB"), .argv0 = "vitals"};
    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "vitals.db";
    if (take_db_option(&argc, argv, &cli.db_path))
        return VT_EUSAGE;
    if (argc < 2) {
        usage(stderr);
        return VT_EUSAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2)
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(argv[2], commands[i].name) == 0)
                    return fputs(commands[i].usage, stdout), VT_OK;
        usage(stdout);
        return VT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("vitals %s (SQLite %s, %s)\n", VITALS_VERSION, sqlite3_libversion(), "Lua 5.4");
        return VT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        if (wants_help(argc - 1, argv + 1)) {
            fputs(commands[i].usage, stdout);
            return VT_OK;
        }
        return commands[i].fn(argc - 1, argv + 1, &cli);
    }
    cli_errorf("'%s' is not a vitals command; see `vitals --help`", argv[1]);
    return VT_EUSAGE;
}
