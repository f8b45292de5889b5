/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model.h - technology models as data: the model language.
 *
 * A model file `<Model>.yml` holds named sections; the functions table's
 * Capital, Fixed, Production and Metrics columns pick the section for each
 * role.  Compilation is lex -> parse (AST) -> check/resolve names against a
 * technology's indices and parameters -> bytecode; the VM runs every
 * instruction over a block of samples.
 */
#ifndef TY_MODEL_H
#define TY_MODEL_H

#include "internal.h"

/* The role a section plays; it decides which names are in scope:
 *   CAPITAL, FIXED:  scale, p
 *   PRODUCTION:      scale, capital, lifetime, fixed, input, p
 *   METRICS:         scale, capital, lifetime, fixed, input_raw, input,
 *                    input_price, output_raw, output, cost, p          */
enum ty_fn_role { TY_FN_CAPITAL, TY_FN_FIXED, TY_FN_PRODUCTION, TY_FN_METRICS };

/* Names known for one technology, by offset.  A NULL or "" entry has no
 * name (it can still be addressed by offset). */
struct ty_model_names {
	size_t n_capital, n_input, n_output, n_metric, n_param;
	const char *const *capital, *const *input, *const *output,
		*const *metric, *const *param;
	long n_fixed;                 /* -1: unknown, set by the fixed section */
	const char *const *fixed;     /* may be NULL */
};

struct ty_model;   /* a parsed model file (syntax checked, not yet bound) */
struct ty_fn;      /* one section compiled for one technology */
struct ty_vm;      /* per-thread scratch space of the VM */

/* Largest block of samples one ty_fn_eval call may run. */
#define TY_VM_BLOCK 1024

/* Parse a model file.  Syntax errors are TYCHE_EDATA with file:line:col. */
TY_HIDDEN int ty_model_load(struct ty_model **out, const char *path, tyche_error *err);
/* Same from memory; `name` is used in messages. */
TY_HIDDEN int ty_model_parse(struct ty_model **out, const char *name,
			     const char *text, size_t len, tyche_error *err);
TY_HIDDEN void ty_model_free(struct ty_model *m);
/* A model of one section "expr" whose single component is the expression
 * `expr` (for tyche-eval and tests); `name` is used in messages, whose
 * line is 1 and column the byte offset in expr plus 1. */
TY_HIDDEN int ty_model_parse_expr(struct ty_model **out, const char *name,
				  const char *expr, tyche_error *err);
/* The sections, in file order. */
TY_HIDDEN size_t ty_model_nsections(const struct ty_model *m);
TY_HIDDEN const char *ty_model_section_name(const struct ty_model *m, size_t i);
/* 1 if the model file defines a section of that name. */
TY_HIDDEN int ty_model_has_section(const struct ty_model *m, const char *section);

/*
 * Compile section `section` in role `role` against `names`: resolve every
 * name, check arity, index sets, offsets, helper recursion and the number
 * of components (capital: n_capital; production: n_output; metrics:
 * n_metric; fixed: any number >= 1, or n_fixed when known).  Errors are
 * TYCHE_EDATA located at file:line:col of the offending text.
 */
TY_HIDDEN int ty_fn_compile(struct ty_fn **out, const struct ty_model *m,
			    const char *section, enum ty_fn_role role,
			    const struct ty_model_names *names, tyche_error *err);
TY_HIDDEN void ty_fn_free(struct ty_fn *f);
/* Number of components the section returns. */
TY_HIDDEN size_t ty_fn_ncomp(const struct ty_fn *f);
/* Label of component c (the section's key). */
TY_HIDDEN const char *ty_fn_comp_name(const struct ty_fn *f, size_t c);
/* Human-readable bytecode listing (for tests and --dump-bytecode). */
TY_HIDDEN char *ty_fn_disassemble(const struct ty_fn *f);

/* The inputs of one evaluation over n <= TY_VM_BLOCK samples.  Each array
 * pointer is an array of component columns: p[k][i] is parameter k of
 * sample i.  Arrays not in scope for the role may be NULL. */
struct ty_fn_args {
	size_t n;
	const double *scale;
	const double *const *p;
	const double *const *capital, *const *lifetime, *const *fixed;
	const double *const *input_raw, *const *input, *const *input_price;
	const double *const *output_raw, *const *output;
	const double *cost;
};

TY_HIDDEN struct ty_vm *ty_vm_create(void);
TY_HIDDEN void ty_vm_free(struct ty_vm *vm);
/* out[c][i] = component c for sample i.  IEEE semantics: no traps; NaN and
 * inf propagate as in numpy. */
TY_HIDDEN int ty_fn_eval(struct ty_vm *vm, const struct ty_fn *f,
			 const struct ty_fn_args *a, double *const *out);

#endif
