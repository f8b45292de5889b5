/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mcse.c - Monte-Carlo standard errors of a portfolio's statistics, and
 * growing the sample count until one of them is small enough
 * (tyche/sensitivity.h, doc/sensitivity.md).
 *
 * The values are the per-sample portfolio values of tyche_surface_eval
 * put through tyche_stat_eval_many, exactly as tyche_explore computes
 * them, so the Value column equals explore's bit for bit.  SEs: the mean
 * sd/sqrt(N) (ddof 1); a probability sqrt(p (1 - p) / N); everything else
 * (std, quantiles, VaR, CVaR, min, max) the standard deviation of 200
 * bootstrap replicates, the resampling indices drawn from keyed streams
 * (seed = the surface's, parts "mcse-bootstrap"), so they are as
 * reproducible as the values.
 *
 * Easy to get wrong: a bootstrap SE of min or max is not a meaningful
 * error (the estimator is biased and its replicates discrete); it is
 * given, and doc/sensitivity.md says not to trust it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "surface.h"

#define TY_MCSE_BOOT 200

struct tyche_mcse {
	const tyche_surface *s;
	size_t M, nst, nlevels, N;
	tyche_stat *st;
	double *value, *se;     /* [(level * M + m) * nst + k] */
	int design;
};

void tyche_mcse_free(tyche_mcse *m)
{
	if (!m)
		return;
	free(m->st);
	free(m->value);
	free(m->se);
	free(m);
}

double tyche_mcse_se(const tyche_mcse *m, size_t metric, size_t k, double *value)
{
	if (metric >= m->M || k >= m->nst)
		return NAN;
	if (value)
		*value = m->value[metric * m->nst + k];
	return m->se[metric * m->nst + k];
}

/* Values and SEs of the statistics of x[0..N-1]. */
static int stats_se(const tyche_stat *st, size_t nst, const double *x, size_t N, uint64_t seed,
		    double *val, double *se, double *work, double *rs, double *rep, double *u)
{
	struct ty_rng_key key;
	const char *parts[1] = { "mcse-bootstrap" };
	int need_boot = 0;

	if (tyche_stat_eval_many(st, nst, x, N, work, val))
		return -1;
	for (size_t k = 0; k < nst; k++) {
		se[k] = NAN;
		if (st[k].kind == TYCHE_STAT_MEAN) {
			double m = 0, v = 0;

			for (size_t i = 0; i < N; i++)
				m += x[i];
			m /= (double)N;
			for (size_t i = 0; i < N; i++)
				v += (x[i] - m) * (x[i] - m);
			se[k] = N > 1 ? sqrt(v / (double)(N - 1) / (double)N) : NAN;
		} else if (st[k].kind == TYCHE_STAT_PGT || st[k].kind == TYCHE_STAT_PLT) {
			se[k] = sqrt(val[k] * (1 - val[k]) / (double)N);
		} else {
			need_boot = 1;
		}
	}
	if (!need_boot || N < 2)
		return 0;
	ty_rng_key_derive(&key, seed, parts, 1);
	{
		double *acc = calloc(2 * nst, sizeof *acc);

		if (!acc)
			return -1;
		for (unsigned r = 0; r < TY_MCSE_BOOT; r++) {
			ty_rng_uniform(&key, r, 0, N, u);
			for (size_t i = 0; i < N; i++) {
				size_t j = (size_t)(u[i] * (double)N);

				rs[i] = x[j < N ? j : N - 1];
			}
			if (tyche_stat_eval_many(st, nst, rs, N, work, rep)) {
				free(acc);
				return -1;
			}
			for (size_t k = 0; k < nst; k++) {
				acc[2 * k] += rep[k];
				acc[2 * k + 1] += rep[k] * rep[k];
			}
		}
		for (size_t k = 0; k < nst; k++)
			if (isnan(se[k])) {
				double m = acc[2 * k] / TY_MCSE_BOOT;
				double v = (acc[2 * k + 1] - TY_MCSE_BOOT * m * m) / (TY_MCSE_BOOT - 1);

				se[k] = sqrt(v > 0 ? v : 0);
			}
		free(acc);
	}
	return 0;
}

int tyche_mcse_compute(tyche_mcse **out, const tyche_surface *s, const double *amounts,
		       const tyche_stat *st, size_t nst, int by_category, tyche_error *err)
{
	size_t N = s->N, M = s->M, C = s->C, L = by_category ? C + 1 : 1;
	tyche_mcse *m = ty_calloc(1, sizeof *m);
	double *tot = NULL, *bycat = NULL, *work = NULL, *rs = NULL, *rep = NULL, *u = NULL;
	int rc = 0;

	if (!m)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	m->s = s;
	m->M = M;
	m->nst = nst;
	m->nlevels = L;
	m->N = N;
	m->st = ty_calloc(nst + 1, sizeof *m->st);
	m->value = ty_calloc(L * M * nst + 1, sizeof(double));
	m->se = ty_calloc(L * M * nst + 1, sizeof(double));
	tot = ty_calloc(M * N + 1, sizeof(double));
	bycat = by_category ? ty_calloc(C * M * N + 1, sizeof(double)) : NULL;
	work = ty_calloc(N + 1, sizeof(double));
	rs = ty_calloc(N + 1, sizeof(double));
	u = ty_calloc(N + 1, sizeof(double));
	rep = ty_calloc(nst + 1, sizeof(double));
	if (!m->st || !m->value || !m->se || !tot || (by_category && !bycat) || !work || !rs ||
	    !u || !rep) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory for %zu samples", N);
		goto out;
	}
	memcpy(m->st, st, nst * sizeof *st);
	tyche_surface_eval(s, amounts, tot, bycat);
	for (size_t l = 0; l < L && !rc; l++)
		for (size_t k = 0; k < M && !rc; k++) {
			const double *x = l ? bycat + ((l - 1) * M + k) * N : tot + k * N;
			size_t o = (l * M + k) * nst;

			if (stats_se(st, nst, x, N, s->seed, m->value + o, m->se + o, work, rs, rep, u))
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
	if (!rc) {
		*out = m;
		m = NULL;
	}
out:
	tyche_mcse_free(m);
	free(tot);
	free(bycat);
	free(work);
	free(rs);
	free(u);
	free(rep);
	return rc;
}

int tyche_mcse_write(const tyche_mcse *m, const char *context_name, int format,
		     tyche_write_fn w, void *arg, tyche_error *err)
{
	const tyche_surface *s = m->s;
	struct ty_buf b = TY_BUF_INIT;
	int json = format == TYCHE_FMT_JSON, first = 1;

	if (json) {
		ty_buf_adds(&b, "{\"context\":");
		ty_buf_json_str(&b, context_name ? context_name : "");
		ty_buf_addf(&b, ",\"context_hash\":\"%s\",\"samples\":%zu,\"seed\":%llu,\"design\":\"%s\",\"statistics\":[",
			    s->ctx_hash, m->N, (unsigned long long)s->seed,
			    tyche_design_name(s->design));
	} else {
		ty_buf_adds(&b, "Level,Category,Metric,Statistic,Value,SE,Units\n");
	}
	for (size_t l = 0; l < m->nlevels; l++)
		for (size_t k = 0; k < m->M; k++)
			for (size_t j = 0; j < m->nst; j++) {
				size_t o = (l * m->M + k) * m->nst + j;
				const char *cat = l ? s->cat[l - 1] : NULL;

				if (json) {
					ty_buf_adds(&b, first ? "\n{\"level\":" : ",\n{\"level\":");
					ty_buf_adds(&b, l ? "\"category\",\"category\":"
							  : "\"portfolio\",\"category\":");
					if (cat)
						ty_buf_json_str(&b, cat);
					else
						ty_buf_adds(&b, "null");
					ty_buf_adds(&b, ",\"metric\":");
					ty_buf_json_str(&b, s->metric[k]);
					ty_buf_adds(&b, ",\"statistic\":");
					ty_buf_json_str(&b, m->st[j].name);
					ty_buf_adds(&b, ",\"value\":");
					ty_buf_num(&b, m->value[o], 1);
					ty_buf_adds(&b, ",\"se\":");
					ty_buf_num(&b, m->se[o], 1);
					ty_buf_adds(&b, ",\"units\":");
					ty_buf_json_str(&b, s->units[k]);
					ty_buf_addc(&b, '}');
				} else {
					ty_buf_adds(&b, l ? "category," : "portfolio,");
					if (cat)
						ty_buf_csv(&b, cat);
					ty_buf_addc(&b, ',');
					ty_buf_csv(&b, s->metric[k]);
					ty_buf_addc(&b, ',');
					ty_buf_csv(&b, m->st[j].name);
					ty_buf_addc(&b, ',');
					ty_buf_num(&b, m->value[o], 0);
					ty_buf_addc(&b, ',');
					ty_buf_num(&b, m->se[o], 0);
					ty_buf_addc(&b, ',');
					ty_buf_csv(&b, s->units[k]);
					ty_buf_addc(&b, '\n');
				}
				first = 0;
			}
	if (json)
		ty_buf_adds(&b, "\n]}\n");
	return ty_buf_deliver(&b, w, arg, err);
}

int tyche_until_se(tyche_surface **out, const tyche_context *ctx, const tyche_analysis_opts *o,
		   const char *const *assign, size_t nassign, const char *metric,
		   const tyche_stat *st, double target, size_t max_samples,
		   void (*progress)(size_t n, double se, void *arg), void *arg, double *se_out,
		   tyche_error *err)
{
	tyche_analysis_opts ao = *o;
	double se = INFINITY;

	if (!(target > 0))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "until-se: expected a standard error > 0");
	if (ao.samples < 2)
		ao.samples = 2;
	for (;;) {
		tyche_surface *s = NULL;
		tyche_mcse *m = NULL;
		double *amounts;
		long mi;
		int rc = tyche_surface_build(&s, ctx, &ao, NULL, err);

		if (rc)
			return rc;
		amounts = ty_calloc(s->C + 1, sizeof *amounts);
		if (!amounts) {
			tyche_surface_free(s);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		rc = tyche_surface_parse_amounts(s, assign, nassign, amounts, err);
		mi = rc ? -1 : tyche_surface_find_metric(s, metric);
		if (!rc && mi < 0)
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "until-se: unknown metric '%s'", metric);
		if (!rc)
			rc = tyche_mcse_compute(&m, s, amounts, st, 1, 0, err);
		free(amounts);
		if (!rc) {
			se = tyche_mcse_se(m, (size_t)mi, 0, NULL);
			tyche_mcse_free(m);
			if (progress)
				progress(ao.samples, se, arg);
		}
		if (rc) {
			tyche_surface_free(s);
			return rc;
		}
		if (se <= target) {
			*out = s;
			if (se_out)
				*se_out = se;
			return 0;
		}
		tyche_surface_free(s);
		if (ao.samples >= max_samples || (rc = ty_budget_check(err, "adding samples")))
			return rc ? rc : ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
						     "until-se: the standard error of %s of %s is %g at %zu samples, above %g; allow more samples (--max-samples)",
						     st->name, metric, se, ao.samples, target);
		ao.samples = 2 * ao.samples < max_samples ? 2 * ao.samples : max_samples;
	}
}
