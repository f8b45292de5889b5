/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * names.c - find an item by name: a stable sorted index and a lower-bound
 * binary search (see names.h for the layout it expects).
 *
 * Easy to get wrong: the search must return the lowest position among
 * equal names (lower bound, not "any match") so that a duplicated name
 * resolves as the linear searches it replaced did; the merge sort is
 * stable for the same reason (qsort is not).
 *
 * Also the one rule for a name that becomes a path component (a context,
 * a model file stem, a scenario id, a user): tyche_safe_name.  Every
 * front end and loader asks it, so a name valid in one is valid in all.
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"

static const char *name_at(const void *base, size_t stride, size_t i)
{
	return *(const char *const *)(const void *)((const char *)base + i * stride);
}

static void merge_sort(const void *base, size_t stride, size_t *ix, size_t *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	merge_sort(base, stride, ix, tmp, h);
	merge_sort(base, stride, ix + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = strcmp(name_at(base, stride, ix[i]), name_at(base, stride, ix[j])) <= 0
			? ix[i++] : ix[j++];
	while (i < h)
		tmp[k++] = ix[i++];
	while (j < n)
		tmp[k++] = ix[j++];
	memcpy(ix, tmp, n * sizeof(size_t));
}

size_t *ty_names_order(const void *base, size_t n, size_t stride)
{
	size_t *ix, *tmp;

	if (n > SIZE_MAX / sizeof(size_t) / 2)
		return NULL;
	ix = ty_calloc(n ? n : 1, sizeof(size_t));
	tmp = ty_calloc(n ? n : 1, sizeof(size_t));
	if (!ix || !tmp) {
		free(ix);
		free(tmp);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	merge_sort(base, stride, ix, tmp, n);
	free(tmp);
	return ix;
}

long ty_names_find(const void *base, size_t n, size_t stride, const size_t *ord,
		   const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(name_at(base, stride, ord ? ord[mid] : mid), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && !strcmp(name_at(base, stride, ord ? ord[lo] : lo), name))
		return (long)(ord ? ord[lo] : lo);
	return -1;
}

int tyche_safe_name(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !*s || *s == '.' || *s == '-')
		return 0;
	for (; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (n >= max)
			return 0;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return 0;
	}
	return 1;
}
