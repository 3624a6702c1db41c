/*
 * load_limits.h - the documented input limits of `vitals load`.  A file that
 * exceeds them gets a clear error; memory use stays bounded by them.
 */
#ifndef VITALS_LOAD_LIMITS_H
#define VITALS_LOAD_LIMITS_H

#define LOAD_MAX_FIELD   65536        /* bytes in one field: longer rows are rejected */
#define LOAD_MAX_ROW     (16 << 20)   /* bytes in one row: longer stops the load */
#define LOAD_MAX_COLUMNS 1000         /* fields in one row: more stops the load */

#endif /* VITALS_LOAD_LIMITS_H */
