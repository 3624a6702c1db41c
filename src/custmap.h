/*
 * custmap.h - customer id -> integer key, cached in memory for the loader.
 *
 * Every customer id seen in any file gets a key in customer_keys; rows of
 * the large tables store that key instead of the text.  The map is filled
 * once per load from the database and grows as new ids appear, so a 9M-row
 * file does one hash lookup per row instead of one query.
 */
#ifndef VITALS_CUSTMAP_H
#define VITALS_CUSTMAP_H

#include <sqlite3.h>
#include <stdint.h>

typedef struct vt_custmap vt_custmap;

/* Load every known key; NULL on failure (see sqlite3_errmsg(db)). */
vt_custmap *vt_custmap_open(sqlite3 *db);
void vt_custmap_free(vt_custmap *m);

/* Key of id, inserting it into customer_keys if new.  *known tells whether
 * the customer has a row in customers.  Returns 0 on database error. */
int64_t vt_custmap_key(vt_custmap *m, const char *id, int *known);
/* Record that id now has a row in customers. */
void vt_custmap_mark_known(vt_custmap *m, const char *id);

#endif /* VITALS_CUSTMAP_H */
