/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-model.c - libFuzzer target for the model language: parse any bytes
 * as a model file (or, if the first byte is 'E', as one expression), then
 * compile every section in every role against a fixed set of names and
 * run what compiles over a small block holding NaN, inf, 0 and negatives.
 *
 * Compiling in all four roles matters: name resolution, index checks and
 * component counts differ by role, and each path must fail cleanly.  The
 * input is copied to a NUL-terminated buffer because ty_model_parse_expr
 * takes a C string.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N 8

static const char *const cap[] = { "Module", "Inverter", "BoS" };
static const char *const in[] = { "Water", "Natural Gas" };
static const char *const out[] = { "Oxygen", "Hydrogen" };
static const char *const met[] = { "Cost", "Jobs", "GHG" };
static const char *const par[] = { "a", "b", "Discount Rate", "d" };

static double col[16][N];

static void run(struct ty_vm *vm, const struct ty_fn *f)
{
	const double *p[16];
	double o[64][N], *op[64];
	size_t nc = ty_fn_ncomp(f);

	if (nc > 64)
		return;
	for (size_t k = 0; k < 16; k++)
		p[k] = col[k];
	for (size_t k = 0; k < nc; k++)
		op[k] = o[k];
	struct ty_fn_args a = {
		.n = N, .scale = col[0], .p = p, .capital = p + 1, .lifetime = p + 2,
		.fixed = p + 3, .input_raw = p + 4, .input = p + 5, .input_price = p + 6,
		.output_raw = p + 7, .output = p + 8, .cost = col[9],
	};
	ty_fn_eval(vm, f, &a, op);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double vals[N] = { 0, -0.0, 1, -2.5, NAN, INFINITY, -INFINITY, 1e308 };
	struct ty_model_names nm = {
		.n_capital = 3, .n_input = 2, .n_output = 2, .n_metric = 3, .n_param = 4,
		.capital = cap, .input = in, .output = out, .metric = met, .param = par,
		.n_fixed = -1,
	};
	struct ty_model *m = NULL;
	tyche_error err;
	struct ty_vm *vm;
	char *text;
	int rc;

	if (size > 65536)
		return 0;
	for (size_t k = 0; k < 16; k++)
		for (size_t i = 0; i < N; i++)
			col[k][i] = vals[(i + k) % N];
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (size && text[0] == 'E')
		rc = ty_model_parse_expr(&m, "<expr>", text + 1, &err);
	else
		rc = ty_model_parse(&m, "fuzz.yml", text, size, &err);
	free(text);
	if (rc)
		return 0;
	vm = ty_vm_create();
	for (size_t s = 0; s < ty_model_nsections(m); s++) {
		const char *name = ty_model_section_name(m, s);

		for (int role = TY_FN_CAPITAL; role <= TY_FN_METRICS; role++) {
			struct ty_fn *f = NULL;

			nm.n_fixed = role >= TY_FN_PRODUCTION ? 2 : -1;
			if (ty_fn_compile(&f, m, name, (enum ty_fn_role)role, &nm, &err) == 0) {
				char *dis = ty_fn_disassemble(f);

				free(dis);
				run(vm, f);
				ty_fn_free(f);
			}
		}
	}
	ty_vm_free(vm);
	ty_model_free(m);
	return 0;
}
