/*
 * csv_out.h - writing CSV fields the way every Vitals output does.
 */
#ifndef VITALS_CSV_OUT_H
#define VITALS_CSV_OUT_H

#include <stdio.h>

/* Write one field, preceded by a comma unless it is the row's first; NULL
 * is an empty field.  libcsv quotes it only when it must (a comma, quote,
 * line break or surrounding space), so plain values stay readable. */
void vt_csv_field(FILE *out, const char *s, int first);
/* The same for n bytes that may hold NULs (a rejected row, as it was). */
void vt_csv_field_n(FILE *out, const char *s, size_t n, int first);

#endif /* VITALS_CSV_OUT_H */
