/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * names.h - the one way lib/ finds an item by name in an array: a binary
 * search, over the array itself when it is sorted by name (a technology's
 * scenarios) or over a sorted index of it (a surface's categories and
 * metrics, kept in their data order).
 *
 * Easy to get wrong: the name must be the FIRST member of the item (a
 * `char *` at offset 0; a plain `char **` array qualifies), and the index
 * is a stable sort, so among equal names the search returns the lowest
 * position, as a linear search would.
 */
#ifndef TY_NAMES_H
#define TY_NAMES_H

#include "internal.h"

/* Positions 0..n-1 of the items sorted by name (strcmp, stable); malloc'd,
 * NULL when out of memory.  n == 0 gives a valid 1-element allocation. */
TY_HIDDEN size_t *ty_names_order(const void *base, size_t n, size_t stride);
/* Position of the first item named `name`, or -1.  ord: the index from
 * ty_names_order, or NULL when base itself is sorted by name. */
TY_HIDDEN long ty_names_find(const void *base, size_t n, size_t stride,
			     const size_t *ord, const char *name);

#endif
