/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-eval.c - tyche_evaluate's output does not depend on how the work is
 * cut: streamed CSV and JSON and --summary are byte-identical for 1, 2
 * and 3 threads and odd block sizes, and --summary with a memory bound so
 * small that every row of a scenario needs its own pass (the scenario
 * evaluated once per row) prints what one pass prints.  Also: the
 * summary's statistics are those of the streamed samples (mean and q50
 * recomputed here from the CSV), so the passes read the right rows.
 */
#include <unistd.h>
#include "tap.h"    /* first: internal.h bans atoi, which stdlib.h defines */
#include "tyche.h"

struct out {
	char *p;
	size_t n, cap;
};

static int put(const char *buf, size_t n, void *arg)
{
	struct out *o = arg;

	if (o->n + n + 1 > o->cap) {
		o->cap = 2 * (o->n + n + 1);
		o->p = realloc(o->p, o->cap);
		if (!o->p)
			return -1;
	}
	memcpy(o->p + o->n, buf, n);
	o->n += n;
	o->p[o->n] = '\0';
	return 0;
}

static int run(const tyche_context *ctx, tyche_eval_opts o, struct out *res)
{
	tyche_error err = { 0 };

	memset(res, 0, sizeof *res);
	o.write = put;
	o.write_arg = res;
	if (tyche_evaluate(ctx, &o, NULL, &err)) {
		printf("# %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int same(const struct out *a, const struct out *b)
{
	return a->n == b->n && a->n && !memcmp(a->p, b->p, a->n);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Mean and median of the streamed values of one scenario's row, from the
 * CSV text (the last column but one is the value). */
static int row_stats(const struct out *csv, const char *scen, const char *var,
		     const char *index, size_t N, double *mean, double *median)
{
	double *v = malloc(N * sizeof(double));
	size_t k = 0;
	char want[256];
	const char *line = csv->p;

	snprintf(want, sizeof want, ",%s,", scen);
	while (line && *line && v) {
		const char *eol = strchr(line, '\n');
		char l[512];
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len < sizeof l) {
			char *f[8];
			int nf = 0;

			memcpy(l, line, len);
			l[len] = '\0';
			for (char *p = l; nf < 8; p++) {
				f[nf++] = p;
				p = strchr(p, ',');
				if (!p)
					break;
				*p = '\0';
			}
			if (nf == 7 && !strcmp(f[1], scen) && !strcmp(f[3], var) &&
			    !strcmp(f[4], index) && k < N)
				v[k++] = strtod(f[5], NULL);
		}
		line = eol ? eol + 1 : NULL;
	}
	if (!v || k != N) {
		free(v);
		return -1;
	}
	*mean = 0;
	for (size_t i = 0; i < N; i++)
		*mean += v[i];
	*mean /= (double)N;
	qsort(v, N, sizeof(double), cmp_dbl);
	*median = N % 2 ? v[N / 2] : v[N / 2 - 1] + (v[N / 2] - v[N / 2 - 1]) * 0.5;
	free(v);
	return 0;
}

int main(void)
{
	const char *ex = "../examples/electrolysis";
	tyche_context *ctx = NULL;
	tyche_eval_opts o = TYCHE_EVAL_OPTS_INIT;
	struct out a, b, c, d;
	int ok1;

	if (access(ex, R_OK))
		ex = "examples/electrolysis";
	ok(tyche_context_load(&ctx, ex, NULL, NULL) == 0, "the example loads");
	if (!ctx)
		return tap_done();

	/* streamed CSV and JSON */
	o.samples = 1537;     /* not a multiple of any block */
	o.seed = 11;
	for (int json = 0; json < 2; json++) {
		o.format = json ? TYCHE_FMT_JSON : TYCHE_FMT_CSV;
		o.threads = 1;
		o.block = 0;
		ok1 = !run(ctx, o, &a);
		o.threads = 2;
		ok1 &= !run(ctx, o, &b);
		o.threads = 3;
		o.block = 100;
		ok1 &= !run(ctx, o, &c);
		ok(ok1 && same(&a, &b) && same(&a, &c),
		   "%s: 1, 2 and 3 threads (block 100) give the same bytes", json ? "JSON" : "CSV");
		free(a.p);
		free(b.p);
		free(c.p);
	}

	/* --summary: threads and memory bound */
	o.format = TYCHE_FMT_CSV;
	o.block = 0;
	o.summary = 1;
	o.samples = 5000;
	o.threads = 1;
	ok1 = !run(ctx, o, &a);
	o.threads = 2;
	ok1 &= !run(ctx, o, &b);
	o.summary_mem = 1;    /* one row a pass */
	ok1 &= !run(ctx, o, &c);
	o.threads = 1;
	o.summary_mem = 3 * 5000 * sizeof(double);   /* three rows a pass */
	ok1 &= !run(ctx, o, &d);
	ok(ok1 && same(&a, &b), "summary: 1 and 2 threads give the same bytes");
	ok(ok1 && same(&a, &c), "summary: one row a pass gives the same bytes");
	ok(ok1 && same(&a, &d), "summary: three rows a pass gives the same bytes");
	{
		tyche_eval_opts s = o;
		struct out csv;
		double mean = NAN, median = NAN, m2, q2;
		char line[512];
		int found = 0;

		s.summary = 0;
		s.summary_mem = 0;
		if (!run(ctx, s, &csv) &&
		    !row_stats(&csv, "Base", "Metric", "GHG", 5000, &mean, &median)) {
			/* the summary line of that row */
			const char *p = strstr(c.p, ",Base,Metric,GHG,");

			if (p) {
				const char *l = p;
				const char *eol;

				while (l > c.p && l[-1] != '\n')
					l--;
				eol = strchr(l, '\n');
				if (eol && (size_t)(eol - l) < sizeof line) {
					char *f[10], *q;
					int nf = 0;

					memcpy(line, l, (size_t)(eol - l));
					line[eol - l] = '\0';
					for (q = line; q && nf < 10; nf++) {
						f[nf] = q;
						q = strchr(q, ',');
						if (q)
							*q++ = '\0';
					}
					if (nf == 10) {
						m2 = strtod(f[5], NULL);
						q2 = strtod(f[8], NULL);
						found = fabs(m2 - mean) <= 1e-9 * (fabs(mean) + 1) &&
							q2 == median;
						if (!found)
							printf("# mean %.17g vs %.17g, q50 %.17g vs %.17g\n",
							       m2, mean, q2, median);
					}
				}
			}
		}
		ok(found, "summary with one row a pass: mean and q50 of Base GHG match the streamed samples");
		free(csv.p);
	}
	free(a.p);
	free(b.p);
	free(c.p);
	free(d.p);
	tyche_context_free(ctx);
	return tap_done();
}
