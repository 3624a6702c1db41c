/*
 * indicator_table.h - private access to the in-memory indicator table for
 * the modules that fill it (indicators.c, rules.c).
 */
#ifndef VITALS_INDICATOR_TABLE_H
#define VITALS_INDICATOR_TABLE_H

#include "vitals.h"

/* Internal integer key of a row's customer (customer_keys.cust), or 0 for
 * tables built with vt_indicators_new. */
int64_t vt_indicators_key(const vt_indicators *ind, int row);
/* Row of an internal customer key, or -1. */
int vt_indicators_row_of_key(const vt_indicators *ind, int64_t key);
/* Build a table whose rows are the given customers (ids sorted ascending,
 * keys[i] the non-negative key of ids[i]); everything is copied. */
vt_indicators *vt_indicators_new_keyed(vt_day as_of, int n, const char *const *ids,
                                       const int64_t *keys);

#endif /* VITALS_INDICATOR_TABLE_H */
