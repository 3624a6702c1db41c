/*
 * reserve.h - growing a dynamic array by doubling.
 */
#ifndef VITALS_RESERVE_H
#define VITALS_RESERVE_H

#include <stddef.h>

/* Make room in *array (holding n of *cap elements of size bytes) for one
 * more, doubling the capacity when full.  0, or -1 when out of memory
 * (*array is then unchanged). */
int vt_reserve(void **array, int *cap, int n, size_t size);

#endif /* VITALS_RESERVE_H */
