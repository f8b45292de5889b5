/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-dist.c - libFuzzer target for distribution cells: parse any bytes,
 * and for what parses, compute moments, CDF, quantiles and a few draws.
 *
 * The input is copied into a NUL-terminated buffer first: ty_dist_parse
 * takes a C string, and reading the fuzzer's buffer past its size would
 * be a bug in this harness, not in the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double ps[] = { 0, 1e-300, 0.1, 0.5, 0.9, 1 - 1e-16, 1 };
	struct ty_dist *d = NULL;
	struct ty_rng_key key;
	char msg[256], *text, *fmt;
	size_t pos = 0;
	double x[5], acc = 0;

	if (size > 100000)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ty_dist_parse(text, &d, &pos, msg, sizeof(msg)) == 0) {
		for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
			double q = ty_dist_quantile(d, ps[i]);

			acc += q + ty_dist_cdf(d, q);
		}
		acc += ty_dist_mean(d) + ty_dist_var(d) + ty_dist_median(d);
		ty_rng_key_derive(&key, 1, NULL, 0);
		ty_dist_sample(d, &key, 7, 5, x);
		fmt = ty_dist_format(d);
		if (fmt) {
			struct ty_dist *d2 = NULL;

			/* the canonical text must parse again */
			if (ty_dist_parse(fmt, &d2, &pos, msg, sizeof(msg)) != 0)
				abort();
			ty_dist_free(d2);
			free(fmt);
		}
		ty_dist_free(d);
	} else if (pos > size) {
		abort();   /* the error position must lie inside the text */
	}
	free(text);
	(void)acc;
	return 0;
}
