/*
 * cmd_check.c - `vitals check RULES.lua...`: compile and validate rule files
 * without scoring.  Problems go to stderr as FILE:LINE: message, one per
 * line; a sound file gets "FILE: ok".  Exit 0 when every file is sound,
 * 2 when one is not, 1 on a usage error (4 if the check itself failed).
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

const char usage_check[] =
    "usage: vitals check RULES.lua...\n"
    "\n"
    "Compile and validate rule files without scoring: the syntax, every\n"
    "declaration (bands, measure, flag, indicator, scorecard: keys, weights,\n"
    "scales, severities, forced bands), and every indicator the file names,\n"
    "as value = \"NAME\" or c.NAME.  Each problem is printed on stderr as\n"
    "FILE:LINE: message; a sound file prints FILE: ok.\n"
    "\n"
    "Exit status: 0 when every file is sound, 2 when one is not, 1 on a usage\n"
    "error.\n"
    "\n"
    "  vitals check rules/health.lua\n";

int cmd_check(int argc, char **argv, const vt_cli *cli)
{
    static const struct option options[] = {{NULL, 0, NULL, 0}};
    (void)cli;
    optind = 1;
    opterr = 0;
    if (getopt_long(argc, argv, "", options, NULL) != -1) {
        cli_errorf("check: unknown option %s", argv[optind - 1]);
        return VT_EUSAGE;
    }
    if (optind >= argc) {
        cli_errorf("usage: vitals check RULES.lua...");
        return VT_EUSAGE;
    }
    int status = VT_OK;
    for (int i = optind; i < argc; i++) {
        vt_error err;
        vt_status st = vt_rules_check(argv[i], &err);
        if (st == VT_OK) {
            fprintf(stderr, "%s: ok\n", argv[i]);
            continue;
        }
        fprintf(stderr, "%s\n", err.msg);
        if (st == VT_EINTERNAL)
            status = VT_EINTERNAL;
        else if (status == VT_OK)
            status = VT_EINPUT;
    }
    return status;
}
