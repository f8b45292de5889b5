/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * grow.h - checked growth of a heap array (internal, header only).
 *
 * Easy to get wrong: the new capacity is computed in size_t and may
 * overflow (cap * 2, cap * elem); both are checked here, so a caller only
 * tests the return value.  On failure the old array is untouched (still
 * owned by the caller), never half freed.
 */
#ifndef TY_GROW_H
#define TY_GROW_H

#include <stdint.h>
#include <string.h>

#include "internal.h"

/* Make *pp (an array of elem-byte items with *cap of them) hold at least
 * `need` items, doubling from 16.  0, or -1 (out of memory or a size that
 * does not fit) with *pp and *cap unchanged. */
static inline int ty_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	void *old, *q;
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	if (elem && n > SIZE_MAX / elem)
		return -1;
	memcpy(&old, pp, sizeof old);    /* pp: the address of a T * */
	q = ty_realloc(old, n * elem);
	if (!q)
		return -1;
	memcpy(pp, &q, sizeof q);
	*cap = n;
	return 0;
}

#endif
