/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elicit-pool.c - combine several experts' fitted distributions into the
 * one distribution a study cell holds.
 *
 *  - linear opinion pool: the weighted mixture of the experts' fits,
 *    written with the parser's own mixture syntax
 *    (mixture([w...], [dist...]), doc/contributing.md), so its CDF is the
 *    weighted sum of the experts' CDFs and its draws pick an expert by
 *    weight, then draw from that expert's fit;
 *  - triangular average (the reference's planned method): one triang whose
 *    min, mode and max are the weighted means of the experts'.
 *
 * Easy to get wrong: the weights are written with the shortest
 * round-trip digits (ty_fmt_double) so that the study reads back exactly
 * the weights computed here; experts with weight 0 are left out of the
 * mixture (a zero-weight component would still be parsed and checked).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "elicit.h"

char *ty_elicit_pool_linear(const struct ty_dist *d, const double *w, size_t n)
{
	struct ty_buf b = TY_BUF_INIT;
	char num[32];
	double sum = 0;
	size_t npos = 0, last = 0;

	for (size_t i = 0; i < n; i++)
		if (w[i] > 0) {
			sum += w[i];
			npos++;
			last = i;
		}
	if (!npos || !(sum > 0))
		return NULL;
	if (npos == 1)
		return ty_dist_format(&d[last]);
	ty_buf_adds(&b, "mixture([");
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!(w[i] > 0))
			continue;
		ty_buf_adds(&b, k++ ? ", " : "");
		ty_buf_adds(&b, ty_fmt_double(w[i] / sum, num));
	}
	ty_buf_adds(&b, "], [");
	for (size_t i = 0, k = 0; i < n; i++) {
		char *t;

		if (!(w[i] > 0))
			continue;
		t = ty_dist_format(&d[i]);
		if (!t) {
			ty_buf_release(&b);
			return NULL;
		}
		ty_buf_adds(&b, k++ ? ", " : "");
		ty_buf_adds(&b, t);
		free(t);
	}
	ty_buf_adds(&b, "])");
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	return ty_buf_detach(&b);
}

int ty_elicit_pool_triang(const double *mins, const double *modes, const double *maxs,
			  const double *w, size_t n, struct ty_dist *out)
{
	double sum = 0, lo = 0, mode = 0, hi = 0;

	for (size_t i = 0; i < n; i++)
		sum += w[i];
	if (!(sum > 0))
		return -1;
	for (size_t i = 0; i < n; i++) {
		lo += w[i] / sum * mins[i];
		mode += w[i] / sum * modes[i];
		hi += w[i] / sum * maxs[i];
	}
	if (!(hi > lo) || !isfinite(lo) || !isfinite(hi))
		return -1;
	memset(out, 0, sizeof(*out));
	out->kind = TY_DIST_TRIANG;
	out->loc = lo;
	out->scale = hi - lo;
	out->a = (mode - lo) / (hi - lo);
	if (out->a < 0)
		out->a = 0;
	if (out->a > 1)
		out->a = 1;
	return 0;
}
