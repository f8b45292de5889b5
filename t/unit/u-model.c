/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-model.c - conformance of the model library (models/ files) with Python
 * Tyche: for each of the 7 reference contexts, feed the golden inputs of
 * every scenario (../shared/reference/golden/<ctx>/intermediates-median.csv)
 * into the compiled sections and require capital, fixed, output_raw and
 * metric to be EXACTLY the golden values (same bits; NaN equals NaN).
 *
 * Each stage is fed the golden values of its arguments, not our own
 * earlier results, so a mismatch names the section at fault.  All
 * scenarios run as the samples of one VM block, then again one sample at a
 * time: the result must not depend on the block layout.
 */
#include <stdint.h>

#include "tap.h"
#include "model.h"
#include "table.h"

#define MAXC 64
#define MAXS 64

enum q { Q_SCALE, Q_LIFETIME, Q_PARAM, Q_CAPITAL, Q_FIXED, Q_INPUT_RAW, Q_INPUT_EFF, Q_INPUT,
	 Q_INPUT_PRICE, Q_OUTPUT_RAW, Q_OUTPUT_EFF, Q_OUTPUT, Q_OUTPUT_PRICE, Q_COST, Q_METRIC,
	 Q_N };
static const char *const qnames[Q_N] = {
	"scale", "lifetime", "parameter", "capital", "fixed", "input_raw", "input_efficiency",
	"input", "input_price", "output_raw", "output_efficiency", "output", "output_price",
	"cost", "metric"
};

struct golden {
	size_t nscen;
	char *scen[MAXS];
	/* col[q][offset][scenario] */
	double col[Q_N][MAXC][MAXS];
	size_t ncomp[Q_N];
};

static struct golden g;

static int same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return !memcmp(&a, &b, sizeof(a));
}

static struct ty_table *read_csv(const char *dir, const char *file)
{
	char path[4096], buf[1200];
	struct ty_table *t = NULL;
	tyche_error err = { 0 };

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (ty_csv_read(path, &t, &err)) {
		tap_diag("%s", tyche_error_format(&err, buf, sizeof(buf)));
		return NULL;
	}
	return t;
}

static const char *models_dir(void)
{
	static const char *cands[] = { "models", "../models", "../../models", "../../../models" };
	static char buf[4096];
	const char *env = getenv("TYCHE_MODELS_DIR");

	if (env)
		return env;
	for (size_t i = 0; i < TY_ARRAY_SIZE(cands); i++) {
		snprintf(buf, sizeof(buf), "%s/pv_residential_simple.yml", cands[i]);
		FILE *f = fopen(buf, "r");
		if (f) {
			fclose(f);
			return cands[i];
		}
	}
	return "models";
}

static int load_golden(const char *dir)
{
	struct ty_table *t = read_csv(dir, "intermediates-median.csv");
	long cs, cq, co, cv;

	memset(&g, 0, sizeof(g));
	if (!t)
		return -1;
	cs = ty_table_col(t, "Scenario");
	cq = ty_table_col(t, "Quantity");
	co = ty_table_col(t, "Offset");
	cv = ty_table_col(t, "Value");
	if (cs < 0 || cq < 0 || co < 0 || cv < 0) {
		ty_table_free(t);
		return -1;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		const char *sc = ty_table_cell(t, r, (size_t)cs), *qs = ty_table_cell(t, r, (size_t)cq);
		long off = strtol(ty_table_cell(t, r, (size_t)co), NULL, 10);
		const char *vs = ty_table_cell(t, r, (size_t)cv);
		size_t s, q;

		for (s = 0; s < g.nscen; s++)
			if (!strcmp(g.scen[s], sc))
				break;
		if (s == g.nscen) {
			if (g.nscen == MAXS)
				continue;
			g.scen[g.nscen++] = strdup(sc);
		}
		for (q = 0; q < Q_N; q++)
			if (!strcmp(qnames[q], qs))
				break;
		if (q == Q_N || off < 0 || off >= MAXC)
			continue;
		g.col[q][off][s] = *vs ? strtod(vs, NULL) : NAN;
		if ((size_t)off + 1 > g.ncomp[q])
			g.ncomp[q] = (size_t)off + 1;
	}
	ty_table_free(t);
	return 0;
}

struct names {
	char *cap[MAXC], *inp[MAXC], *out[MAXC], *met[MAXC], *par[MAXC];
	size_t ncap, ninp, nout, nmet, npar;
};

static void put(char **v, size_t *n, long off, const char *s)
{
	if (off < 0 || off >= MAXC || v[off])
		return;
	v[off] = strdup(s);
	if ((size_t)off + 1 > *n)
		*n = (size_t)off + 1;
}

static int load_names(const char *dir, const char *tech, struct names *nm)
{
	struct ty_table *t = read_csv(dir, "indices.csv");

	memset(nm, 0, sizeof(*nm));
	if (!t)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		const char *ty = ty_table_cell(t, r, (size_t)ty_table_col(t, "Type"));
		const char *ix = ty_table_cell(t, r, (size_t)ty_table_col(t, "Index"));
		long off = strtol(ty_table_cell(t, r, (size_t)ty_table_col(t, "Offset")), NULL, 10);

		if (strcmp(ty_table_cell(t, r, (size_t)ty_table_col(t, "Technology")), tech))
			continue;
		if (!strcmp(ty, "Capital"))
			put(nm->cap, &nm->ncap, off, ix);
		else if (!strcmp(ty, "Input"))
			put(nm->inp, &nm->ninp, off, ix);
		else if (!strcmp(ty, "Output"))
			put(nm->out, &nm->nout, off, ix);
		else if (!strcmp(ty, "Metric"))
			put(nm->met, &nm->nmet, off, ix);
	}
	ty_table_free(t);
	t = read_csv(dir, "parameters.csv");
	if (!t)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		long off = strtol(ty_table_cell(t, r, (size_t)ty_table_col(t, "Offset")), NULL, 10);

		if (!strcmp(ty_table_cell(t, r, (size_t)ty_table_col(t, "Technology")), tech))
			put(nm->par, &nm->npar, off, ty_table_cell(t, r, (size_t)ty_table_col(t, "Parameter")));
	}
	ty_table_free(t);
	return 0;
}

static void free_names(struct names *nm)
{
	for (size_t i = 0; i < MAXC; i++) {
		free(nm->cap[i]);
		free(nm->inp[i]);
		free(nm->out[i]);
		free(nm->met[i]);
		free(nm->par[i]);
	}
}

/* Column pointers of golden quantity q, for scenarios first..first+n. */
static void cols(const double *p[MAXC], enum q q, size_t first)
{
	for (size_t c = 0; c < MAXC; c++)
		p[c] = &g.col[q][c][first];
}

static double outbuf[MAXC][MAXS];

/* Evaluate f over scenarios [first, first + n) with golden inputs. */
static int run(struct ty_vm *vm, const struct ty_fn *f, size_t first, size_t n)
{
	const double *p[MAXC], *cap[MAXC], *life[MAXC], *fix[MAXC], *inr[MAXC], *in[MAXC],
		*inp[MAXC], *outr[MAXC], *out[MAXC];
	double *o[MAXC];

	cols(p, Q_PARAM, first);
	cols(cap, Q_CAPITAL, first);
	cols(life, Q_LIFETIME, first);
	cols(fix, Q_FIXED, first);
	cols(inr, Q_INPUT_RAW, first);
	cols(in, Q_INPUT, first);
	cols(inp, Q_INPUT_PRICE, first);
	cols(outr, Q_OUTPUT_RAW, first);
	cols(out, Q_OUTPUT, first);
	for (size_t c = 0; c < MAXC; c++)
		o[c] = &outbuf[c][first];
	struct ty_fn_args a = {
		.n = n, .scale = &g.col[Q_SCALE][0][first], .p = p, .capital = cap,
		.lifetime = life, .fixed = fix, .input_raw = inr, .input = in,
		.input_price = inp, .output_raw = outr, .output = out,
		.cost = &g.col[Q_COST][0][first],
	};
	return ty_fn_eval(vm, f, &a, o);
}

static void check_section(const char *ctx, const struct ty_model *m, const char *section,
			  enum ty_fn_role role, struct ty_model_names *tn, enum q want,
			  struct ty_vm *vm)
{
	struct ty_fn *f = NULL;
	tyche_error err = { 0 };
	char buf[1200];
	size_t bad = 0;
	int rc;

	rc = ty_fn_compile(&f, m, section, role, tn, &err);
	if (!ok(rc == 0, "%s: section %s compiles", ctx, section)) {
		tap_diag("%s", tyche_error_format(&err, buf, sizeof(buf)));
		return;
	}
	if (role == TY_FN_FIXED)
		tn->n_fixed = (long)ty_fn_ncomp(f);
	ok(ty_fn_ncomp(f) == g.ncomp[want], "%s: %s returns %zu components (golden %zu)", ctx,
	   section, ty_fn_ncomp(f), g.ncomp[want]);
	memset(outbuf, 0, sizeof(outbuf));
	rc = run(vm, f, 0, g.nscen);
	for (size_t c = 0; !rc && c < ty_fn_ncomp(f) && c < g.ncomp[want]; c++)
		for (size_t s = 0; s < g.nscen; s++)
			if (!same(outbuf[c][s], g.col[want][c][s])) {
				if (bad++ < 5)
					tap_diag("%s %s[%zu] %s: got %.17g, golden %.17g", ctx,
						 qnames[want], c, g.scen[s], outbuf[c][s],
						 g.col[want][c][s]);
			}
	ok(rc == 0 && bad == 0, "%s: %s equals the golden %s bit for bit (%zu scenarios)",
	   ctx, section, qnames[want], g.nscen);
	/* one sample at a time gives the same bits */
	bad = 0;
	memset(outbuf, 0, sizeof(outbuf));
	for (size_t s = 0; s < g.nscen && !rc; s++)
		rc = run(vm, f, s, 1);
	for (size_t c = 0; !rc && c < ty_fn_ncomp(f) && c < g.ncomp[want]; c++)
		for (size_t s = 0; s < g.nscen; s++)
			if (!same(outbuf[c][s], g.col[want][c][s]))
				bad++;
	ok(rc == 0 && bad == 0, "%s: %s one sample per block gives the same bits", ctx, section);
	ty_fn_free(f);
}

static void check_context(const char *ref, const char *ctx, struct ty_vm *vm)
{
	char dir[2048], inputs[4096], path[4096], buf[1200];
	struct ty_table *fn;
	struct names nm;
	struct ty_model *m = NULL;
	tyche_error err = { 0 };
	const char *tech, *model, *sec[4];

	snprintf(dir, sizeof(dir), "%s/golden/%s", ref, ctx);
	snprintf(inputs, sizeof(inputs), "%s/inputs-median", dir);
	fn = read_csv(inputs, "functions.csv");
	if (!ok(fn && fn->nrows == 1, "%s: functions.csv has one technology", ctx)) {
		ty_table_free(fn);
		return;
	}
	tech = ty_table_cell(fn, 0, (size_t)ty_table_col(fn, "Technology"));
	model = ty_table_cell(fn, 0, (size_t)ty_table_col(fn, "Model"));
	sec[0] = ty_table_cell(fn, 0, (size_t)ty_table_col(fn, "Capital"));
	sec[1] = ty_table_cell(fn, 0, (size_t)ty_table_col(fn, "Fixed"));
	sec[2] = ty_table_cell(fn, 0, (size_t)ty_table_col(fn, "Production"));
	sec[3] = ty_table_cell(fn, 0, (size_t)ty_table_col(fn, "Metrics"));
	snprintf(path, sizeof(path), "%s/%s.yml", models_dir(), model);
	if (!ok(ty_model_load(&m, path, &err) == 0, "%s: %s loads", ctx, path)) {
		tap_diag("%s", tyche_error_format(&err, buf, sizeof(buf)));
		ty_table_free(fn);
		return;
	}
	ok(load_names(inputs, tech, &nm) == 0 && load_golden(dir) == 0 && g.nscen > 0,
	   "%s: golden data read (%zu scenarios)", ctx, g.nscen);

	struct ty_model_names tn = {
		.n_capital = nm.ncap, .n_input = nm.ninp, .n_output = nm.nout,
		.n_metric = nm.nmet, .n_param = nm.npar,
		.capital = (const char *const *)nm.cap, .input = (const char *const *)nm.inp,
		.output = (const char *const *)nm.out, .metric = (const char *const *)nm.met,
		.param = (const char *const *)nm.par, .n_fixed = -1,
	};
	check_section(ctx, m, sec[0], TY_FN_CAPITAL, &tn, Q_CAPITAL, vm);
	check_section(ctx, m, sec[1], TY_FN_FIXED, &tn, Q_FIXED, vm);
	check_section(ctx, m, sec[2], TY_FN_PRODUCTION, &tn, Q_OUTPUT_RAW, vm);
	check_section(ctx, m, sec[3], TY_FN_METRICS, &tn, Q_METRIC, vm);
	for (size_t s = 0; s < g.nscen; s++)
		free(g.scen[s]);
	free_names(&nm);
	ty_model_free(m);
	ty_table_free(fn);
}

int main(void)
{
	static const char *const ctxs[] = {
		"pv-residential-large", "pv-residential-simple", "simple-electrolysis",
		"transport-model", "tutorial-basic", "tutorial-biorefinery", "utility-pv"
	};
	const char *ref = tap_shared_reference();
	struct ty_vm *vm;

	if (!ref)
		tap_skip_all("../shared/reference absent");
	vm = ty_vm_create();
	for (size_t i = 0; i < TY_ARRAY_SIZE(ctxs); i++)
		check_context(ref, ctxs[i], vm);
	ty_vm_free(vm);
	return tap_done();
}
