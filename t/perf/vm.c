/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vm.c - model VM against hand-written C: the pv_residential_simple
 * capital, fixed, production and metrics (plus the unit cost between
 * them) over SAMPLES (default 1e6) samples in blocks of TY_VM_BLOCK.
 * Prints both rates and the ratio; the goal is a ratio below 2.
 *
 * The hand-written version keeps the model file's grouping, so both
 * must also agree bit for bit; the benchmark fails if they do not (a
 * fast VM that computes something else is worthless).  Most of the time
 * goes to pow(): ten calls per sample in either version.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

#define NP 21
#define B TY_VM_BLOCK

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double D(double rate, double t)
{
	return 1 / pow(1 + rate, t);
}

static double NPV(double rate, double t)
{
	return (1 - 1 / pow(1 + rate, t + 1)) / (1 - 1 / (1 + rate));
}

/* The same formulas as models/pv_residential_simple.yml, by hand. */
static void hand(size_t n, const double *const *p, const double *scale, const double *const *life,
		 double *const *cap, double *fix, double *out, double *cost, double *const *met)
{
	for (size_t i = 0; i < n; i++) {
		double p0 = p[0][i], p1 = p[1][i], p2 = p[2][i], p4 = p[4][i], p12 = p[12][i];
		double MOD = p2 * p[3][i];
		double INV0 = p1 * p2 * p[5][i] * p[11][i];
		double R1 = ((p4 > p12) * (p4 < 2 * p12)) *
			(D(p0, p12) - ((2 * p12 - p4) / p12) * D(p0, p4));
		double R2 = ((p4 > 2 * p12) * (p4 < 3 * p12)) *
			((D(p0, p12) + D(p0, 2 * p12)) - ((3 * p12 - p4) / p12) * D(p0, p4));
		double INV = INV0 * (1 + p[13][i] * (R1 + R2));
		double HW = p[16][i] * p2;
		double SOFT = p[17][i] + p[18][i] + p[19][i];
		double OH = p[20][i] * (MOD + INV + HW + SOFT);

		cap[0][i] = MOD;
		cap[1][i] = INV;
		cap[2][i] = HW + SOFT + OH;
		fix[i] = p[7][i] * p1 / 1000 * p2 * p[5][i] * NPV(p0, p4);
		double rate_d = p[8][i] / (1 - p[8][i]);
		out[i] = p1 / 1000 * 24 * 365 * p2 * p[6][i] * p[9][i] * p[5][i] * p[14][i] *
			(1 - p[10][i]) * NPV(rate_d, p4);
		cost[i] = ((cap[0][i] / life[0][i] + cap[1][i] / life[1][i]) +
			   cap[2][i] / life[2][i]) / scale[i] + fix[i] / scale[i];
		met[0][i] = 0.106125 - cost[i] / out[i];
		met[1][i] = p[17][i] - 2000.077451;
		met[2][i] = 0.4490564e-3 * out[i] - 82.676202217;
	}
}

static void unit_cost(size_t n, const double *const *cap, const double *const *life,
		      const double *fix, const double *scale, double *cost)
{
	for (size_t i = 0; i < n; i++)
		cost[i] = ((cap[0][i] / life[0][i] + cap[1][i] / life[1][i]) +
			   cap[2][i] / life[2][i]) / scale[i] + fix[i] / scale[i];
}

static int compile(struct ty_fn **f, const struct ty_model *m, const char *sec,
		   enum ty_fn_role role, const struct ty_model_names *nm)
{
	tyche_error err = { 0 };
	char buf[1200];

	if (ty_fn_compile(f, m, sec, role, nm, &err)) {
		fprintf(stderr, "vm: %s\n", tyche_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	return 0;
}

int main(void)
{
	static const double base[NP] = {
		0.07, 1000, 36, 110.055, 25.00125, 0.160008, 0.900045, 20.001, 0.007500375,
		0.20001, 0.0500025, 0.300015, 16.0008, 0.500025, 0.900045, 1.40007, 80.004,
		2000.1, 600.03, 2000.1, 0.3500175
	};
	static const char *const capn[] = { "Module", "Inverter", "BoS" };
	static const char *const outn[] = { "Electricity" };
	static const char *const metn[] = { "LCOE", "Labor", "GHG" };
	static double pcol[NP][B], scale[B], life[3][B], cap[2][3][B], fix[2][B], out[2][B],
		cost[2][B], met[2][3][B], zero[B];
	const char *env = getenv("SAMPLES"), *top = getenv("TOP");
	size_t total = env ? (size_t)strtoull(env, NULL, 10) : 1000000;
	char path[4096];
	struct ty_model *m = NULL;
	struct ty_fn *fc = NULL, *ff = NULL, *fp = NULL, *fm = NULL;
	struct ty_vm *vm = ty_vm_create();
	tyche_error err = { 0 };
	char buf[1200];
	const double *p[NP], *lifep[3], *capp[3], *fixp[1], *outp[1], *zp[1];
	double *capo[3], *fixo[1], *outo[1], *meto[3], *caph[3], *meth[3];
	double t0, t_vm, t_hand;
	size_t mismatches = 0;

	snprintf(path, sizeof(path), "%s/models/pv_residential_simple.yml", top ? top : ".");
	if (ty_model_load(&m, path, &err)) {
		fprintf(stderr, "vm: %s\n", tyche_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	struct ty_model_names nm = {
		.n_capital = 3, .n_input = 1, .n_output = 1, .n_metric = 3, .n_param = NP,
		.capital = capn, .output = outn, .metric = metn, .n_fixed = -1,
	};
	if (compile(&fc, m, "capital_cost", TY_FN_CAPITAL, &nm) ||
	    compile(&ff, m, "fixed_cost", TY_FN_FIXED, &nm))
		return 1;
	nm.n_fixed = (long)ty_fn_ncomp(ff);
	if (compile(&fp, m, "production", TY_FN_PRODUCTION, &nm) ||
	    compile(&fm, m, "metrics", TY_FN_METRICS, &nm))
		return 1;

	/* samples spread around the 2015 medians, some across the R1/R2 branches */
	for (size_t k = 0; k < NP; k++)
		for (size_t i = 0; i < B; i++)
			pcol[k][i] = base[k] * (1 + 0.2 * ((double)((i * (k + 3)) % 97) / 97 - 0.5));
	for (size_t i = 0; i < B; i++) {
		scale[i] = 1;
		life[0][i] = life[1][i] = life[2][i] = 1;
	}
	for (size_t k = 0; k < NP; k++)
		p[k] = pcol[k];
	for (size_t c = 0; c < 3; c++) {
		lifep[c] = life[c];
		capp[c] = cap[0][c];
		capo[c] = cap[0][c];
		caph[c] = cap[1][c];
		meto[c] = met[0][c];
		meth[c] = met[1][c];
	}
	fixp[0] = fix[0];
	fixo[0] = fix[0];
	outp[0] = out[0];
	outo[0] = out[0];
	zp[0] = zero;

	t0 = now();
	for (size_t done = 0; done < total; done += B) {
		size_t n = total - done < B ? total - done : B;
		struct ty_fn_args a = {
			.n = n, .scale = scale, .p = p, .capital = capp, .lifetime = lifep,
			.fixed = fixp, .input_raw = zp, .input = zp, .input_price = zp,
			.output_raw = outp, .output = outp, .cost = cost[0],
		};

		if (ty_fn_eval(vm, fc, &a, capo) || ty_fn_eval(vm, ff, &a, fixo) ||
		    ty_fn_eval(vm, fp, &a, outo))
			return 1;
		unit_cost(n, capp, lifep, fix[0], scale, cost[0]);
		if (ty_fn_eval(vm, fm, &a, meto))
			return 1;
	}
	t_vm = now() - t0;

	t0 = now();
	for (size_t done = 0; done < total; done += B) {
		size_t n = total - done < B ? total - done : B;

		hand(n, p, scale, lifep, caph, fix[1], out[1], cost[1], meth);
	}
	t_hand = now() - t0;

	/* the last block of both must agree bit for bit */
	size_t n = total % B ? total % B : B;
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < 3; c++) {
			if (memcmp(&cap[0][c][i], &cap[1][c][i], sizeof(double)))
				mismatches++;
			if (memcmp(&met[0][c][i], &met[1][c][i], sizeof(double)) &&
			    !(isnan(met[0][c][i]) && isnan(met[1][c][i])))
				mismatches++;
		}
		if (memcmp(&fix[0][i], &fix[1][i], sizeof(double)) ||
		    memcmp(&out[0][i], &out[1][i], sizeof(double)))
			mismatches++;
	}
	printf("pv_residential_simple, %zu samples in blocks of %d\n", total, B);
	printf("  vm:   %.3f s  %.2f Msamples/s\n", t_vm, (double)total / t_vm / 1e6);
	printf("  C:    %.3f s  %.2f Msamples/s\n", t_hand, (double)total / t_hand / 1e6);
	printf("  ratio vm/C: %.2f (goal < 2)\n", t_vm / t_hand);
	printf("  results identical: %s\n", mismatches ? "NO" : "yes");
	ty_fn_free(fc);
	ty_fn_free(ff);
	ty_fn_free(fp);
	ty_fn_free(fm);
	ty_model_free(m);
	ty_vm_free(vm);
	return mismatches ? 1 : 0;
}
