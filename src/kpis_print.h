/*
 * kpis_print.h - private to `vitals kpis`: what its files share.
 *
 *   cmd_kpis.c          options, the period, which output, the command
 *   cmd_kpis_records.c  CSV and JSON: KPI rows, --movements, --explain, --list
 *   cmd_kpis_tables.c   aligned tables for people: the same four outputs
 *
 * Each printer writes to stdout and returns VT_OK, or VT_EINTERNAL when out
 * of memory or when SQLite fails to build JSON (that one said on stderr).
 */
#ifndef VITALS_KPIS_PRINT_H
#define VITALS_KPIS_PRINT_H

#include "vitals.h"

typedef enum kpis_format { KPIS_TABLE, KPIS_CSV, KPIS_JSON } kpis_format;

/* (cmd_kpis_tables.c) The MRR bridge, in the order it adds up, as
 * --movements prints it. */
#define KPIS_NBRIDGE 9
extern const char *const kpis_bridge[KPIS_NBRIDGE];

/* "count", "money", "percent", ... */
const char *kpis_unit_name(vt_kpi_unit u);

/* ---- cmd_kpis_records.c: format is KPIS_CSV or KPIS_JSON; db builds the
 * JSON objects (json_object), so numbers are JSON numbers and nil is null. */

/* The KPIs named in names (all of them when names is NULL) of every row. */
int kpis_write_rows(sqlite3 *db, kpis_format format, const vt_kpi_report *rep,
                    const char *const *names, int nnames);
/* --explain: a record per (row, KPI). */
int kpis_write_explain(sqlite3 *db, kpis_format format, const vt_kpi_report *rep);
/* --list: a record per KPI. */
int kpis_write_list(sqlite3 *db, kpis_format format);

/* ---- cmd_kpis_tables.c */

int kpis_print_table(const vt_kpi_report *rep);
int kpis_print_bridge(const vt_kpi_report *rep);
int kpis_print_explain(const vt_kpi_report *rep);
int kpis_print_list(void);

#endif /* VITALS_KPIS_PRINT_H */
