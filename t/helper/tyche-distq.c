/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-distq - test helper: quantiles of a distribution cell.
 *
 *   tyche-distq 'TEXT' P [P ...]     one quantile per line
 *
 * Used by t4600-elicit.sh to bound a pooled cell's Monte-Carlo quantiles.
 * Errors: the parser's message on stderr, exit 1; usage errors exit 2.
 * Links libtyche statically to reach lib/dist.c's internal API.
 */
#include <stdio.h>
#include <stdlib.h>   /* before internal.h, which bans atoi */
#include "dist.h"

int main(int argc, char **argv)
{
	struct ty_dist *d = NULL;
	size_t pos = 0;
	char msg[256], buf[32];

	if (argc < 3) {
		fprintf(stderr, "usage: tyche-distq TEXT P [P ...]\n");
		return 2;
	}
	if (ty_dist_parse(argv[1], &d, &pos, msg, sizeof(msg))) {
		fprintf(stderr, "tyche-distq: at character %zu: %s\n", pos + 1, msg);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		double p;

		if (ty_parse_number(argv[i], &p) || !(p >= 0 && p <= 1)) {
			fprintf(stderr, "tyche-distq: '%s' is not a probability\n", argv[i]);
			ty_dist_free(d);
			return 2;
		}
		printf("%s\n", ty_fmt_double(ty_dist_quantile(d, p), buf));
	}
	ty_dist_free(d);
	return 0;
}
