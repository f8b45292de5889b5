/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * draws.c - draws per second of ty_dist_sample for the families the
 * reference contexts use (triang, beta, truncnorm) and a mixture.
 *
 * Draws are made in blocks of 4096 into one buffer, as the evaluator
 * does; one call per draw would measure call overhead and the per-call
 * ChaCha20 block setup instead.  DRAWS=n in the environment changes the
 * count (default 1e7 per family).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "dist.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
	static const struct { const char *name, *cell; } cases[] = {
		{ "uniform(raw)", NULL },
		{ "triang", "st.triang(0.3, 8.0, 2.0)" },
		{ "beta", "st.beta(3, 2, loc=0.90, scale=0.06)" },
		{ "truncnorm", "st.truncnorm(-1, 4, loc=0.96, scale=0.01)" },
		{ "mixture", "mixture([0.7, 0.3], [st.triang(0.1, 0.5, 0.1), st.triang(0.5, 0.6, 0.4)])" },
	};
	enum { BLOCK = 4096 };
	static double buf[BLOCK];
	const char *env = getenv("DRAWS");
	size_t total = env ? (size_t)strtoull(env, NULL, 10) : 10000000;
	const char *parts[] = { "perf" };
	struct ty_rng_key key;

	ty_rng_key_derive(&key, 1, parts, 1);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ty_dist *d = NULL;
		size_t pos;
		char msg[256];
		double t0, t1, sink = 0;

		if (cases[c].cell && ty_dist_parse(cases[c].cell, &d, &pos, msg, sizeof(msg))) {
			fprintf(stderr, "draws: %s: %s\n", cases[c].cell, msg);
			return 1;
		}
		t0 = now();
		for (size_t done = 0; done < total; done += BLOCK) {
			size_t n = total - done < BLOCK ? total - done : BLOCK;

			if (d)
				ty_dist_sample(d, &key, done, n, buf);
			else
				ty_rng_uniform(&key, 0, done, n, buf);
			sink += buf[n - 1];
		}
		t1 = now();
		printf("draws/s %s: %.3g (%zu draws in %.3f s; check %g)\n", cases[c].name,
		       (double)total / (t1 - t0), total, t1 - t0, sink / (double)total);
		ty_dist_free(d);
	}
	return 0;
}
