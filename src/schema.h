/*
 * schema.h - private schema helpers shared with the loader.
 */
#ifndef VITALS_SCHEMA_H
#define VITALS_SCHEMA_H

#include "tables.h"

/* The CREATE UNIQUE INDEX statement of t's natural key (sqlite3_free it), or
 * NULL when the key is the table's primary key. */
char *vt_schema_key_index_sql(const vt_table *t);

#endif /* VITALS_SCHEMA_H */
