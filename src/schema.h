/*
 * schema.h - private schema helpers shared with the loader.
 */
#ifndef VITALS_SCHEMA_H
#define VITALS_SCHEMA_H

#include "tables.h"

/* Whether t's natural key has its own unique index (customers' key is the
 * table's INTEGER PRIMARY KEY instead). */
int vt_schema_has_key_index(const vt_table *t);
/* The CREATE UNIQUE INDEX statement of t's natural key (sqlite3_free it);
 * NULL when out of memory.  Only for tables with vt_schema_has_key_index. */
char *vt_schema_key_index_sql(const vt_table *t);

#endif /* VITALS_SCHEMA_H */
