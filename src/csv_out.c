/*
 * csv_out.c - one CSV field at a time, quoted by libcsv only when needed.
 */
#include <csv.h>
#include <string.h>

#include "csv_out.h"

void vt_csv_field_n(FILE *out, const char *s, size_t n, int first)
{
    if (!first)
        fputc(',', out);
    int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        csv_fwrite(out, s, n);
    else
        fwrite(s, 1, n, out);
}

void vt_csv_field(FILE *out, const char *s, int first)
{
    vt_csv_field_n(out, s ? s : "", s ? strlen(s) : 0, first);
}
