/*
 * diff_internal.h - what the files of `vitals diff` share:
 *
 *   diff.c        score both sides, pair the customers, tabulate
 *   diff_write.c  the outcome as text, CSV or JSON
 */
#ifndef VITALS_DIFF_INTERNAL_H
#define VITALS_DIFF_INTERNAL_H

#include "vitals.h"

/* (diff.c) A customer's new - old score to one decimal, never -0.0. */
double diff_change(const vt_diff_customer *x);

#endif
