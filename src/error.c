/*
 * error.c - the one way the library reports failure: a status and a message
 * written into the caller's vt_error.
 */
#include <stdarg.h>
#include <stdio.h>

#include "vitals.h"

vt_status vt_fail(vt_error *err, vt_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}
