/*
 * reserve.c - growing a dynamic array by doubling (see reserve.h).
 */
#include <stdlib.h>

#include "reserve.h"

int vt_reserve(void **array, int *cap, int n, size_t size)
{
    if (n < *cap)
        return 0;
    int grown = *cap ? *cap * 2 : 8;
    void *bigger = realloc(*array, (size_t)grown * size);
    if (!bigger)
        return -1;
    *array = bigger;
    *cap = grown;
    return 0;
}
