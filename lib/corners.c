/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * corners.c - every combination of tranche levels (the reference's
 * evaluate_corners_wide): one row per corner with each category's amount,
 * the budget the corner costs (the sum of its amounts) and the chosen
 * statistics of every metric's portfolio totals.  An independent check
 * of the optimiser: no feasible corner may beat an `optimal` answer.
 *
 * Easy to get wrong:
 *  - A category's levels are its tranche amounts (mean amounts when
 *    uncertain), sorted, duplicates dropped; a category with no tranche
 *    sits at 0.  No 0 is added: the reference's corners are the tranches.
 *  - The number of corners is the product of the level counts: it is
 *    computed in double and refused above TYCHE_CORNERS_MAX before
 *    anything is allocated; the loop checks the process's work budget.
 *  - The budget filter keeps corners whose cost is <= budget (no
 *    tolerance: a corner costs exactly the sum of tranche amounts).
 *  - Statistics come from tyche_stat_eval_many, bit-identical to
 *    tyche_stat_eval of each, so the table, the report and the tests
 *    agree to the last digit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

#define TYCHE_CORNERS_MAX 1000000.0

void tyche_corners_free(tyche_corners *k)
{
	if (!k)
		return;
	free(k->stats);
	free(k->index);
	free(k->amounts);
	free(k->budget);
	free(k->value);
	free(k);
}

/* Room for one more kept corner (doubling). */
static int grow(tyche_corners *k, size_t *cap)
{
	size_t C = k->ncategories, V = k->nmetrics * k->nstats, nc;
	void *p;

	if (k->n < *cap)
		return 0;
	nc = *cap ? 2 * *cap : 64;
	if (!(p = ty_realloc(k->index, nc * sizeof(size_t))))
		return -1;
	k->index = p;
	if (!(p = ty_realloc(k->amounts, nc * (C ? C : 1) * sizeof(double))))
		return -1;
	k->amounts = p;
	if (!(p = ty_realloc(k->budget, nc * sizeof(double))))
		return -1;
	k->budget = p;
	if (!(p = ty_realloc(k->value, nc * (V ? V : 1) * sizeof(double))))
		return -1;
	k->value = p;
	*cap = nc;
	return 0;
}

int tyche_corners_build(tyche_corners **out, const tyche_surface *s, const tyche_stat *st,
			size_t nst, int has_budget, double budget, tyche_error *err)
{
	size_t C = tyche_surface_ncategories(s), M = tyche_surface_nmetrics(s);
	size_t N = tyche_surface_nsamples(s), cap = 0;
	size_t *nl = ty_calloc(C + 1, sizeof(size_t)), K;
	double **lv = ty_calloc(C + 1, sizeof(double *)), total = 1;
	double *tot = ty_calloc(M * N + 1, sizeof(double)), *work = ty_calloc(N + 1, sizeof(double));
	double *a = ty_calloc(C + 1, sizeof(double));
	tyche_corners *k = ty_calloc(1, sizeof *k);
	int rc = 0;

	if (!nl || !lv || !tot || !work || !a || !k) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (nst == 0 || (has_budget && !(budget >= 0 && isfinite(budget)))) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "corners: expected at least one statistic and a budget >= 0");
		goto out;
	}
	k->ncategories = C;
	k->nmetrics = M;
	k->nstats = nst;
	if (!(k->stats = ty_calloc(nst, sizeof(tyche_stat)))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	memcpy(k->stats, st, nst * sizeof(tyche_stat));
	for (size_t c = 0; c < C; c++) {
		size_t T = tyche_surface_ntranches(s, c);

		lv[c] = ty_calloc(T + 1, sizeof(double));
		if (!lv[c]) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		for (size_t t = 0; t < T; t++) {
			double x;

			tyche_surface_tranche(s, c, t, &x);   /* sorted by amount */
			if (nl[c] == 0 || x != lv[c][nl[c] - 1])
				lv[c][nl[c]++] = x;
		}
		if (nl[c] == 0)
			lv[c][nl[c]++] = 0;
		total *= (double)nl[c];
	}
	if (total > TYCHE_CORNERS_MAX) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "%.0f corners, more than the limit of %.0f", total,
				 TYCHE_CORNERS_MAX);
		goto out;
	}
	K = (size_t)total;
	k->total = K;
	for (size_t i = 0; i < K; i++) {
		size_t r = i;
		double cost = 0;

		if (i % 64 == 0 && (rc = ty_budget_check(err, "tabulating corners")))
			goto out;
		for (size_t c = 0; c < C; c++) {
			a[c] = lv[c][r % nl[c]];
			r /= nl[c];
			cost += a[c];
		}
		if (has_budget && cost > budget)
			continue;
		if (grow(k, &cap)) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		tyche_surface_eval(s, a, tot, NULL);
		k->index[k->n] = i + 1;
		memcpy(k->amounts + k->n * C, a, C * sizeof(double));
		k->budget[k->n] = cost;
		for (size_t m = 0; m < M; m++)
			tyche_stat_eval_many(st, nst, tot + m * N, N, work,
					     k->value + (k->n * M + m) * nst);
		k->n++;
	}
	*out = k;
	k = NULL;                       /* the caller owns it now */
out:
	tyche_corners_free(k);
	for (size_t c = 0; lv && c < C; c++)
		free(lv[c]);
	free(lv);
	free(nl);
	free(tot);
	free(work);
	free(a);
	return rc;
}

/* A corner's value (negated when maximising) and its row, for qsort. */
struct key {
	double v;
	size_t i;
};

static int by_value(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int nx = isnan(x->v), ny = isnan(y->v);

	if (nx != ny)
		return nx - ny;                 /* NaN last */
	if (!nx && x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;  /* ties: grid order */
}

int tyche_corners_order(const tyche_corners *k, size_t m, size_t j, int minimize,
			size_t *order, tyche_error *err)
{
	struct key *v;

	if (m >= k->nmetrics || j >= k->nstats)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "corners: metric %zu or statistic %zu out of range", m, j);
	v = ty_calloc(k->n + 1, sizeof *v);
	if (!v)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	for (size_t i = 0; i < k->n; i++) {
		double x = k->value[(i * k->nmetrics + m) * k->nstats + j];

		v[i].v = minimize ? x : -x;
		v[i].i = i;
	}
	qsort(v, k->n, sizeof *v, by_value);
	for (size_t i = 0; i < k->n; i++)
		order[i] = v[i].i;
	free(v);
	return 0;
}

int tyche_corners_write(const tyche_surface *s, const tyche_corners *k, int format,
			tyche_write_fn w, void *arg, tyche_error *err)
{
	size_t C = k->ncategories, M = k->nmetrics, nst = k->nstats;
	struct ty_buf b = TY_BUF_INIT;
	cJSON *arr = NULL;
	int rc = 0;

	if (format == TYCHE_FMT_JSON) {
		arr = cJSON_CreateArray();
		if (!arr)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	} else {
		ty_buf_adds(&b, "Corner");
		for (size_t c = 0; c < C; c++) {
			ty_buf_addc(&b, ',');
			ty_buf_csv(&b, tyche_surface_category(s, c));
		}
		ty_buf_adds(&b, ",Budget");
		for (size_t m = 0; m < M; m++)
			for (size_t j = 0; j < nst; j++) {
				char lab[200];

				snprintf(lab, sizeof lab, "%s(%s)", k->stats[j].name,
					 tyche_surface_metric(s, m));
				ty_buf_addc(&b, ',');
				ty_buf_csv(&b, lab);
			}
		ty_buf_addc(&b, '\n');
	}
	for (size_t i = 0; i < k->n; i++) {
		const double *a = k->amounts + i * C, *v = k->value + i * M * nst;

		if (arr) {
			cJSON *o = cJSON_CreateObject(), *am, *me;

			if (!o)
				continue;
			cJSON_AddNumberToObject(o, "corner", (double)k->index[i]);
			am = cJSON_AddObjectToObject(o, "amounts");
			for (size_t c = 0; am && c < C; c++)
				cJSON_AddItemToObject(am, tyche_surface_category(s, c), ty_json_num(a[c]));
			cJSON_AddItemToObject(o, "budget", ty_json_num(k->budget[i]));
			me = cJSON_AddObjectToObject(o, "metrics");
			for (size_t m = 0; me && m < M; m++) {
				cJSON *mo = cJSON_AddObjectToObject(me, tyche_surface_metric(s, m));

				for (size_t j = 0; mo && j < nst; j++)
					cJSON_AddItemToObject(mo, k->stats[j].name,
							      ty_json_num(v[m * nst + j]));
			}
			cJSON_AddItemToArray(arr, o);
		} else {
			ty_buf_addf(&b, "%zu", k->index[i]);
			for (size_t c = 0; c < C; c++) {
				ty_buf_addc(&b, ',');
				ty_buf_num(&b, a[c], 0);
			}
			ty_buf_addc(&b, ',');
			ty_buf_num(&b, k->budget[i], 0);
			for (size_t j = 0; j < M * nst; j++) {
				ty_buf_addc(&b, ',');
				ty_buf_num(&b, v[j], 0);
			}
			ty_buf_addc(&b, '\n');
		}
	}
	if (arr) {
		char *txt = ty_opt_json_print(arr, 1);

		arr = NULL;
		if (!txt) {
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		ty_buf_adds(&b, txt);
		ty_buf_addc(&b, '\n');
		free(txt);
	}
	if (b.oom)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	else if (w(b.p ? b.p : "", b.len, arg))
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot write the output");
out:
	cJSON_Delete(arr);
	ty_buf_release(&b);
	return rc;
}
