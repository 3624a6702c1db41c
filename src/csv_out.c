/*
 * csv_out.c - one CSV field at a time, quoted by libcsv only when needed.
 */
#include <csv.h>
#include <string.h>

#include "csv_out.h"

void vt_csv_field(FILE *out, const char *s, int first)
{
    if (!first)
        fputc(',', out);
    if (!s)
        return;
    size_t n = strlen(s);
    if (strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' ')))
        csv_fwrite(out, s, n);
    else
        fwrite(s, 1, n, out);
}
