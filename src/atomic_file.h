/*
 * atomic_file.h - write an output file so that readers see the old file or
 * the complete new one, never half of it (export --out, report --out).
 */
#ifndef VITALS_ATOMIC_FILE_H
#define VITALS_ATOMIC_FILE_H

#include <stdio.h>

#include "vitals.h"

/* Writes the content into out; returns a status and fills err. */
typedef vt_status (*vt_write_fn)(FILE *out, void *ctx, vt_error *err);

/* Call write() on a temporary file beside path, sync it and rename it over
 * path.  A missing directory is VT_EINPUT; on any failure path is untouched
 * and the temporary file removed. */
vt_status vt_write_file_atomic(const char *path, vt_write_fn write, void *ctx, vt_error *err);

#endif /* VITALS_ATOMIC_FILE_H */
