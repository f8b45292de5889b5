/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-eval - test helper: evaluate a model-language expression or a
 * model file section over samples, or dump its bytecode.
 *
 *   tyche-eval [options] EXPR                 one expression (role metrics)
 *   tyche-eval [options] FILE.yml SECTION ROLE
 *
 * Options:
 *   -n N                 number of samples (default 1)
 *   -D NAME=V[,V...]     input values: scale, cost, or an array (p, capital,
 *                        lifetime, fixed, input_raw, input, input_price,
 *                        output_raw, output), one value per component; a
 *                        value "a|b|c" varies by sample (cycled)
 *   --capital A,B  --input A,B  --output A,B  --metric A,B  --params A,B
 *                        index names (else the sets are unnamed and sized
 *                        from -D)
 *   --fixed N            number of fixed components
 *   --context DIR        take index and parameter names from DIR/indices.csv
 *                        and DIR/parameters.csv (first technology)
 *   --role ROLE          capital, fixed, production or metrics
 *   --dump-bytecode      print the bytecode instead of evaluating
 *
 * Output: one line per sample, components separated by ",", numbers in
 * shortest round-trip form (NaN, inf, -inf).  Errors: "file:line:col: msg"
 * on stderr, exit 1; usage errors exit 2.
 *
 * It links libtyche statically to reach the internal model API; that is
 * what a test helper is for, and why it is not installed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "table.h"

#define MAXN 64

struct names {
	char *v[MAXN];
	size_t n;
	int given;
};

struct input {
	char *name;
	/* comp[c] = list of per-sample values */
	double *vals[MAXN];
	size_t nvals[MAXN];
	size_t ncomp;
};

static struct input inputs[16];
static size_t ninputs;
static struct names cap, inp, outp, met, par;   /* index names */

/* atexit: so every exit path is leak-free under LeakSanitizer */
static void free_all(void)
{
	struct names *all[] = { &cap, &inp, &outp, &met, &par };

	for (size_t k = 0; k < ninputs; k++) {
		for (size_t c = 0; c < inputs[k].ncomp; c++)
			free(inputs[k].vals[c]);
		free(inputs[k].name);
	}
	for (size_t k = 0; k < 5; k++)
		for (size_t c = 0; c < MAXN; c++)
			free(all[k]->v[c]);
}

static void usage(void)
{
	fprintf(stderr, "usage: tyche-eval [-n N] [-D NAME=V,...] [--capital A,B] [--input A,B]\n"
		"         [--output A,B] [--metric A,B] [--params A,B] [--fixed N]\n"
		"         [--context DIR] [--role ROLE] [--dump-bytecode] (EXPR | FILE SECTION ROLE)\n");
	exit(2);
}

static char *xstrdup(const char *s)
{
	char *r = strdup(s);

	if (!r) {
		fprintf(stderr, "tyche-eval: out of memory\n");
		exit(3);
	}
	return r;
}

static void split_names(struct names *nm, const char *s)
{
	char *copy = xstrdup(s), *p = copy, *c;

	for (size_t k = 0; k < nm->n; k++) {
		free(nm->v[k]);
		nm->v[k] = NULL;
	}
	nm->n = 0;
	nm->given = 1;
	if (!*s) {
		free(copy);
		return;
	}
	for (;;) {
		c = strchr(p, ',');
		if (c)
			*c = 0;
		if (nm->n == MAXN)
			usage();
		nm->v[nm->n++] = xstrdup(p);
		if (!c)
			break;
		p = c + 1;
	}
	free(copy);
}

static double parse_val(const char *s)
{
	char *end;
	double v;

	if (!strcmp(s, "nan") || !strcmp(s, "NaN"))
		return NAN;
	v = strtod(s, &end);
	if (end == s || *end) {
		fprintf(stderr, "tyche-eval: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void add_input(const char *spec)
{
	const char *eq = strchr(spec, '=');
	struct input *in;
	char *copy, *p, *c;

	if (!eq || ninputs == TY_ARRAY_SIZE(inputs))
		usage();
	in = &inputs[ninputs++];
	in->name = strndup(spec, (size_t)(eq - spec));
	copy = xstrdup(eq + 1);
	p = copy;
	for (;;) {
		char *q, *bar;
		size_t k = 0;

		c = strchr(p, ',');
		if (c)
			*c = 0;
		if (in->ncomp == MAXN)
			usage();
		in->vals[in->ncomp] = calloc(strlen(p) + 1, sizeof(double));
		q = p;
		for (;;) {
			bar = strchr(q, '|');
			if (bar)
				*bar = 0;
			in->vals[in->ncomp][k++] = parse_val(q);
			if (!bar)
				break;
			q = bar + 1;
		}
		in->nvals[in->ncomp++] = k;
		if (!c)
			break;
		p = c + 1;
	}
	free(copy);
}

static struct input *find_input(const char *name)
{
	for (size_t i = 0; i < ninputs; i++)
		if (!strcmp(inputs[i].name, name))
			return &inputs[i];
	return NULL;
}

static size_t input_ncomp(const char *name)
{
	struct input *in = find_input(name);

	return in ? in->ncomp : 0;
}

static int read_context(const char *dir, struct names *xcap, struct names *xinp,
			struct names *xoutp, struct names *xmet, struct names *xpar)
{
	char path[4096];
	struct ty_table *t = NULL;
	tyche_error err = { 0 };
	char buf[1200];
	const char *tech = NULL;

	snprintf(path, sizeof(path), "%s/indices.csv", dir);
	if (ty_csv_read(path, &t, &err)) {
		fprintf(stderr, "%s\n", tyche_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	long ct = ty_table_col(t, "Technology"), cy = ty_table_col(t, "Type"),
	     ci = ty_table_col(t, "Index"), co = ty_table_col(t, "Offset");
	if (ct < 0 || cy < 0 || ci < 0 || co < 0) {
		fprintf(stderr, "%s: missing columns\n", path);
		return 1;
	}
	xcap->given = xinp->given = xoutp->given = xmet->given = 1;
	for (size_t r = 0; r < t->nrows; r++) {
		const char *ty = ty_table_cell(t, r, (size_t)cy);
		struct names *nm = !strcmp(ty, "Capital") ? xcap : !strcmp(ty, "Input") ? xinp :
			!strcmp(ty, "Output") ? xoutp : !strcmp(ty, "Metric") ? xmet : NULL;
		long off = strtol(ty_table_cell(t, r, (size_t)co), NULL, 10);

		if (!tech)
			tech = xstrdup(ty_table_cell(t, r, (size_t)ct));
		if (strcmp(tech, ty_table_cell(t, r, (size_t)ct)) || !nm || off < 0 || off >= MAXN)
			continue;
		free(nm->v[off]);
		nm->v[off] = xstrdup(ty_table_cell(t, r, (size_t)ci));
		if ((size_t)off + 1 > nm->n)
			nm->n = (size_t)off + 1;
	}
	ty_table_free(t);
	snprintf(path, sizeof(path), "%s/parameters.csv", dir);
	if (ty_csv_read(path, &t, &err)) {
		fprintf(stderr, "%s\n", tyche_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	ct = ty_table_col(t, "Technology");
	long cp = ty_table_col(t, "Parameter");
	co = ty_table_col(t, "Offset");
	xpar->given = 1;
	for (size_t r = 0; ct >= 0 && cp >= 0 && co >= 0 && r < t->nrows; r++) {
		long off = strtol(ty_table_cell(t, r, (size_t)co), NULL, 10);

		if ((tech && strcmp(tech, ty_table_cell(t, r, (size_t)ct))) || off < 0 ||
		    off >= MAXN || xpar->v[off])
			continue;
		xpar->v[off] = xstrdup(ty_table_cell(t, r, (size_t)cp));
		if ((size_t)off + 1 > xpar->n)
			xpar->n = (size_t)off + 1;
	}
	ty_table_free(t);
	free((char *)tech);
	return 0;
}

/* Column pointers for an array input: comp[c] -> n samples. */
static const double *const *make_cols(const char *name, size_t ncomp, size_t n, size_t first)
{
	struct input *in = find_input(name);
	double **cols = calloc(ncomp ? ncomp : 1, sizeof(*cols));

	for (size_t c = 0; c < ncomp; c++) {
		cols[c] = calloc(n ? n : 1, sizeof(double));
		for (size_t i = 0; i < n; i++) {
			if (in && c < in->ncomp)
				cols[c][i] = in->vals[c][(first + i) % in->nvals[c]];
			else
				cols[c][i] = NAN;   /* not given */
		}
	}
	return (const double *const *)cols;
}

static void free_cols(const double *const *cols, size_t ncomp)
{
	for (size_t c = 0; c < ncomp; c++)
		free((void *)cols[c]);
	free((void *)cols);
}

static int parse_role(const char *s, enum ty_fn_role *r)
{
	if (!strcmp(s, "capital"))
		*r = TY_FN_CAPITAL;
	else if (!strcmp(s, "fixed"))
		*r = TY_FN_FIXED;
	else if (!strcmp(s, "production"))
		*r = TY_FN_PRODUCTION;
	else if (!strcmp(s, "metrics"))
		*r = TY_FN_METRICS;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	size_t nsamples = 1;
	long nfixed = -2;
	const char *role_s = NULL, *ctx = NULL;
	int dump = 0, i;
	enum ty_fn_role role = TY_FN_METRICS;
	struct ty_model *m = NULL;
	struct ty_fn *f = NULL;
	const char *section = "expr";
	tyche_error err = { 0 };
	char ebuf[1200];
	int rc;

	atexit(free_all);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-n") && i + 1 < argc) {
			nsamples = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "-D") && i + 1 < argc) {
			add_input(argv[++i]);
		} else if (!strcmp(a, "--capital") && i + 1 < argc) {
			split_names(&cap, argv[++i]);
		} else if (!strcmp(a, "--input") && i + 1 < argc) {
			split_names(&inp, argv[++i]);
		} else if (!strcmp(a, "--output") && i + 1 < argc) {
			split_names(&outp, argv[++i]);
		} else if (!strcmp(a, "--metric") && i + 1 < argc) {
			split_names(&met, argv[++i]);
		} else if (!strcmp(a, "--params") && i + 1 < argc) {
			split_names(&par, argv[++i]);
		} else if (!strcmp(a, "--fixed") && i + 1 < argc) {
			nfixed = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--context") && i + 1 < argc) {
			ctx = argv[++i];
		} else if (!strcmp(a, "--role") && i + 1 < argc) {
			role_s = argv[++i];
		} else if (!strcmp(a, "--dump-bytecode")) {
			dump = 1;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9') && a[1] != '.' &&
			   a[1] != ' ' && a[1] != '(') {
			usage();
		} else {
			break;
		}
	}
	if (ctx && read_context(ctx, &cap, &inp, &outp, &met, &par))
		return 1;
	if (argc - i == 1) {
		rc = ty_model_parse_expr(&m, "<expr>", argv[i], &err);
	} else if (argc - i == 3) {
		section = argv[i + 1];
		role_s = argv[i + 2];
		rc = ty_model_load(&m, argv[i], &err);
	} else {
		usage();
		return 2;
	}
	if (role_s && parse_role(role_s, &role))
		usage();
	if (rc) {
		fprintf(stderr, "%s\n", tyche_error_format(&err, ebuf, sizeof(ebuf)));
		return rc == TYCHE_EDATA ? 1 : 3;
	}

	struct ty_model_names nm = { 0 };
	size_t ncap = cap.given ? cap.n : (input_ncomp("capital") > input_ncomp("lifetime") ?
					   input_ncomp("capital") : input_ncomp("lifetime"));
	size_t ninp = inp.given ? inp.n : input_ncomp("input");
	if (!inp.given && input_ncomp("input_raw") > ninp)
		ninp = input_ncomp("input_raw");
	if (!inp.given && input_ncomp("input_price") > ninp)
		ninp = input_ncomp("input_price");
	size_t nout = outp.given ? outp.n : input_ncomp("output");
	if (!outp.given && input_ncomp("output_raw") > nout)
		nout = input_ncomp("output_raw");
	size_t npar = par.given ? par.n : input_ncomp("p");
	size_t nmet = met.given ? met.n : 1;

	if (nfixed == -2)
		nfixed = find_input("fixed") ? (long)input_ncomp("fixed") : -1;
	nm.n_capital = ncap;
	nm.n_input = ninp;
	nm.n_output = nout;
	nm.n_metric = nmet;
	nm.n_param = npar;
	nm.n_fixed = nfixed;
	nm.capital = (const char *const *)cap.v;
	nm.input = (const char *const *)inp.v;
	nm.output = (const char *const *)outp.v;
	nm.metric = (const char *const *)met.v;
	nm.param = (const char *const *)par.v;
	if (!strcmp(section, "expr") && argc - i == 1) {
		/* one expression: any number of metrics is fine */
		nm.n_metric = 1;
		if (role == TY_FN_CAPITAL)
			nm.n_capital = ncap ? ncap : 1;
		if (role == TY_FN_PRODUCTION)
			nm.n_output = nout ? nout : 1;
		if (role == TY_FN_CAPITAL && nm.n_capital != 1) {
			fprintf(stderr, "tyche-eval: an expression in role capital needs one capital "
				"component\n");
			return 2;
		}
		if (role == TY_FN_PRODUCTION && nm.n_output != 1) {
			fprintf(stderr, "tyche-eval: an expression in role production needs one "
				"output\n");
			return 2;
		}
	}
	rc = ty_fn_compile(&f, m, section, role, &nm, &err);
	if (rc) {
		fprintf(stderr, "%s\n", tyche_error_format(&err, ebuf, sizeof(ebuf)));
		ty_model_free(m);
		return rc == TYCHE_EDATA ? 1 : 3;
	}
	if (dump) {
		char *s = ty_fn_disassemble(f);

		fputs(s ? s : "", stdout);
		free(s);
		ty_fn_free(f);
		ty_model_free(m);
		return 0;
	}

	struct ty_vm *vm = ty_vm_create();
	size_t nc = ty_fn_ncomp(f), nfix = nfixed > 0 ? (size_t)nfixed : 0;
	double **out = calloc(nc, sizeof(*out));
	char num[32];

	for (size_t c = 0; c < nc; c++)
		out[c] = calloc(TY_VM_BLOCK, sizeof(double));
	for (size_t first = 0; first < nsamples; first += TY_VM_BLOCK) {
		size_t n = nsamples - first < TY_VM_BLOCK ? nsamples - first : TY_VM_BLOCK;
		const double *const *scale = make_cols("scale", 1, n, first);
		const double *const *cost = make_cols("cost", 1, n, first);
		struct ty_fn_args args = {
			.n = n,
			.scale = scale[0],
			.cost = cost[0],
			.p = make_cols("p", npar, n, first),
			.capital = make_cols("capital", ncap, n, first),
			.lifetime = make_cols("lifetime", ncap, n, first),
			.fixed = make_cols("fixed", nfix, n, first),
			.input_raw = make_cols("input_raw", ninp, n, first),
			.input = make_cols("input", ninp, n, first),
			.input_price = make_cols("input_price", ninp, n, first),
			.output_raw = make_cols("output_raw", nout, n, first),
			.output = make_cols("output", nout, n, first),
		};

		rc = ty_fn_eval(vm, f, &args, out);
		if (rc) {
			fprintf(stderr, "tyche-eval: evaluation failed (code %d)\n", rc);
			return 3;
		}
		for (size_t s = 0; s < n; s++) {
			for (size_t c = 0; c < nc; c++)
				printf("%s%s", c ? "," : "", ty_fmt_double(out[c][s], num));
			printf("\n");
		}
		free_cols(scale, 1);
		free_cols(cost, 1);
		free_cols(args.p, npar);
		free_cols(args.capital, ncap);
		free_cols(args.lifetime, ncap);
		free_cols(args.fixed, nfix);
		free_cols(args.input_raw, ninp);
		free_cols(args.input, ninp);
		free_cols(args.input_price, ninp);
		free_cols(args.output_raw, nout);
		free_cols(args.output, nout);
	}
	for (size_t c = 0; c < nc; c++)
		free(out[c]);
	free(out);
	ty_vm_free(vm);
	ty_fn_free(f);
	ty_model_free(m);
	return 0;
}
