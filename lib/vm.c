/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vm.c - run a compiled section over a block of n <= TY_VM_BLOCK samples.
 *
 * A stack machine whose stack slots are whole columns: dispatch once per
 * instruction, then one tight loop over the n samples, so interpretation
 * costs O(instructions), not O(instructions x samples).  The stack holds
 * POINTERS to columns: LOAD and LOADL push the caller's or a local's
 * column without copying; an operation writes into a scratch buffer of
 * its slot.  Each slot owns two buffers and writes into the one its left
 * operand is not in, so no kernel ever reads and writes the same array
 * (the loops are alias-free and vectorisable).  STOREL hands the slot's
 * buffer over to the local and gives the slot a fresh one from the pool.
 *
 * The VM (fn_eval) has a second copy for AVX2 (target_clones, picked once
 * at load time): its column loops run four lanes instead of two.  Same bits:
 * element-wise IEEE operations round alike in any register width, and
 * "avx2" does not enable FMA (u-lang's random sections check the VM
 * against scalar C bit for bit on whichever copy the CPU runs).
 *
 * Bad domains: none is trapped or reported.  Arithmetic is plain IEEE:
 * x/0 = +-inf, 0/0 = NaN, log(-1) = NaN, pow() as C's; NaN propagates and
 * comparisons with NaN are false (except !=), as numpy does.  Counting
 * NaNs is the caller's business (it sees every output).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modelint.h"

#define OP(name, operands, pops, pushes) { #name, operands, pops, pushes },
const struct ty_op_info ty_op_info[OP_COUNT_] = {
#include "opcodes.h"
};
#undef OP

struct ty_vm {
	double *mem;          /* nbufs * TY_VM_BLOCK doubles */
	size_t nbufs;
	const double **stk;
	double *(*pair)[2];
	const double **loc;
	size_t nstk, nloc;
};

struct ty_vm *ty_vm_create(void)
{
	return ty_calloc(1, sizeof(struct ty_vm));
}

void ty_vm_free(struct ty_vm *vm)
{
	if (!vm)
		return;
	free(vm->mem);
	free(vm->stk);
	free(vm->pair);
	free(vm->loc);
	free(vm);
}

static int vm_reserve(struct ty_vm *vm, size_t nstk, size_t nloc)
{
	size_t nbufs = 2 * nstk + nloc;

	if (nbufs > vm->nbufs) {
		void *p = NULL;

		if (posix_memalign(&p, 64, nbufs * TY_VM_BLOCK * sizeof(double)))
			return TYCHE_ENOMEM;
		free(vm->mem);
		vm->mem = p;
		vm->nbufs = nbufs;
	}
	if (nstk > vm->nstk) {
		const double **s = ty_realloc(vm->stk, nstk * sizeof(*s));

		if (!s)
			return TYCHE_ENOMEM;
		vm->stk = s;
		double *(*pr)[2] = ty_realloc(vm->pair, nstk * sizeof(*pr));
		if (!pr)
			return TYCHE_ENOMEM;
		vm->pair = pr;
		vm->nstk = nstk;
	}
	if (nloc > vm->nloc) {
		const double **l = ty_realloc(vm->loc, nloc * sizeof(*l));

		if (!l)
			return TYCHE_ENOMEM;
		vm->loc = l;
		vm->nloc = nloc;
	}
	return 0;
}

/* ------------------------------------------------------------- kernels */

#define K2(fn, expr) \
	static void fn(size_t n, double *restrict d, const double *restrict x, \
		       const double *restrict y) \
	{ \
		for (size_t i = 0; i < n; i++) \
			d[i] = (expr); \
	}
#define KK(fn, expr) \
	static void fn(size_t n, double *restrict d, const double *restrict x, double k) \
	{ \
		for (size_t i = 0; i < n; i++) \
			d[i] = (expr); \
	}
#define K1(fn, expr) \
	static void fn(size_t n, double *restrict d, const double *restrict x) \
	{ \
		for (size_t i = 0; i < n; i++) \
			d[i] = (expr); \
	}

K2(k_add, x[i] + y[i])
K2(k_sub, x[i] - y[i])
K2(k_mul, x[i] * y[i])
K2(k_div, x[i] / y[i])
K2(k_pow, pow(x[i], y[i]))
K2(k_lt, x[i] < y[i] ? 1.0 : 0.0)
K2(k_gt, x[i] > y[i] ? 1.0 : 0.0)
K2(k_le, x[i] <= y[i] ? 1.0 : 0.0)
K2(k_ge, x[i] >= y[i] ? 1.0 : 0.0)
K2(k_eq, x[i] == y[i] ? 1.0 : 0.0)
K2(k_ne, x[i] != y[i] ? 1.0 : 0.0)
K2(k_min, ty_op_min(x[i], y[i]))
K2(k_max, ty_op_max(x[i], y[i]))
KK(k_addk, x[i] + k)
KK(k_subk, x[i] - k)
KK(k_ksub, k - x[i])
KK(k_mulk, x[i] * k)
KK(k_divk, x[i] / k)
KK(k_kdiv, k / x[i])
KK(k_powk, pow(x[i], k))
KK(k_kpow, pow(k, x[i]))
K1(k_neg, -x[i])
K1(k_abs, fabs(x[i]))
K1(k_exp, exp(x[i]))
K1(k_log, log(x[i]))
K1(k_sqrt, sqrt(x[i]))

static void k_select(size_t n, double *restrict d, const double *restrict c,
		     const double *restrict x, const double *restrict y)
{
	for (size_t i = 0; i < n; i++)
		d[i] = ty_op_select(c[i], x[i], y[i]);
}

static const double *const *arr_of(const struct ty_fn_args *a, int arr, const double **tmp)
{
	switch (arr) {
	case ARR_SCALE: *tmp = a->scale; return a->scale ? tmp : NULL;
	case ARR_COST: *tmp = a->cost; return a->cost ? tmp : NULL;
	case ARR_P: return a->p;
	case ARR_CAPITAL: return a->capital;
	case ARR_LIFETIME: return a->lifetime;
	case ARR_FIXED: return a->fixed;
	case ARR_INPUT_RAW: return a->input_raw;
	case ARR_INPUT: return a->input;
	case ARR_INPUT_PRICE: return a->input_price;
	case ARR_OUTPUT_RAW: return a->output_raw;
	case ARR_OUTPUT: return a->output;
	default: return NULL;
	}
}

/* The clones are of a static function: clang cannot make an ifunc of a
 * hidden global symbol in a static library. */
__attribute__((target_clones("avx2", "default")))
static int fn_eval(struct ty_vm *vm, const struct ty_fn *f, const struct ty_fn_args *a,
		   double *const *out)
{
	const double *arrs_scalar[ARR_COUNT_];
	const double *const *arrs[ARR_COUNT_];
	const struct ty_insn *code = f->code;
	size_t n = a->n, sp = 0, next;
	const double **stk;
	double *(*pair)[2];
	const double **loc;

	if (n > TY_VM_BLOCK)
		return TYCHE_EUSAGE;
	if (n == 0)
		return 0;
	for (int i = 0; i < ARR_COUNT_; i++) {
		arrs[i] = arr_of(a, i, &arrs_scalar[i]);
		if ((f->used & (1u << i)) && !arrs[i])
			return TYCHE_EUSAGE;
	}
	if (vm_reserve(vm, f->maxsp ? f->maxsp : 1, f->nlocals ? f->nlocals : 1))
		return TYCHE_ENOMEM;
	stk = vm->stk;
	pair = vm->pair;
	loc = vm->loc;
	for (size_t s = 0; s < f->maxsp; s++) {
		pair[s][0] = vm->mem + (2 * s) * TY_VM_BLOCK;
		pair[s][1] = vm->mem + (2 * s + 1) * TY_VM_BLOCK;
	}
	next = 2 * f->maxsp;

/* the scratch buffer of slot s that is not x */
#define DEST(s, x) (pair[s][0] != (x) ? pair[s][0] : pair[s][1])

	for (size_t pc = 0; pc < f->ncode; pc++) {
		const struct ty_insn *in = &code[pc];
		double *d;

		switch ((enum ty_opcode)in->op) {
		case OP_PUSHK: {
			double k = f->k[in->b];

			d = pair[sp][0];
			for (size_t i = 0; i < n; i++)
				d[i] = k;
			stk[sp++] = d;
			break;
		}
		case OP_LOAD:
			stk[sp++] = arrs[in->a][in->b];
			break;
		case OP_LOADL:
			stk[sp++] = loc[in->b];
			break;
		case OP_STOREL: {
			const double *v = stk[--sp];

			loc[in->b] = v;
			if (v == pair[sp][0])
				pair[sp][0] = vm->mem + next++ * TY_VM_BLOCK;
			else if (v == pair[sp][1])
				pair[sp][1] = vm->mem + next++ * TY_VM_BLOCK;
			break;
		}
#define BIN(OPC, fn) \
		case OPC: \
			sp--; \
			d = DEST(sp - 1, stk[sp - 1]); \
			fn(n, d, stk[sp - 1], stk[sp]); \
			stk[sp - 1] = d; \
			break;
#define BINK(OPC, fn) \
		case OPC: \
			d = DEST(sp - 1, stk[sp - 1]); \
			fn(n, d, stk[sp - 1], f->k[in->b]); \
			stk[sp - 1] = d; \
			break;
#define UN(OPC, fn) \
		case OPC: \
			d = DEST(sp - 1, stk[sp - 1]); \
			fn(n, d, stk[sp - 1]); \
			stk[sp - 1] = d; \
			break;
		BIN(OP_ADD, k_add)
		BIN(OP_SUB, k_sub)
		BIN(OP_MUL, k_mul)
		BIN(OP_DIV, k_div)
		BIN(OP_POW, k_pow)
		BIN(OP_LT, k_lt)
		BIN(OP_GT, k_gt)
		BIN(OP_LE, k_le)
		BIN(OP_GE, k_ge)
		BIN(OP_EQ, k_eq)
		BIN(OP_NE, k_ne)
		BIN(OP_MIN, k_min)
		BIN(OP_MAX, k_max)
		BINK(OP_ADDK, k_addk)
		BINK(OP_SUBK, k_subk)
		BINK(OP_KSUB, k_ksub)
		BINK(OP_MULK, k_mulk)
		BINK(OP_DIVK, k_divk)
		BINK(OP_KDIV, k_kdiv)
		BINK(OP_POWK, k_powk)
		BINK(OP_KPOW, k_kpow)
		UN(OP_NEG, k_neg)
		UN(OP_ABS, k_abs)
		UN(OP_EXP, k_exp)
		UN(OP_LOG, k_log)
		UN(OP_SQRT, k_sqrt)
#undef BIN
#undef BINK
#undef UN
		case OP_SELECT:
			sp -= 2;
			d = DEST(sp - 1, stk[sp - 1]);
			k_select(n, d, stk[sp - 1], stk[sp], stk[sp + 1]);
			stk[sp - 1] = d;
			break;
		case OP_RET:
			memcpy(out[in->b], stk[--sp], n * sizeof(double));
			break;
		case OP_COUNT_:
			return TYCHE_EINTERNAL;
		}
	}
#undef DEST
	return 0;
}

int ty_fn_eval(struct ty_vm *vm, const struct ty_fn *f, const struct ty_fn_args *a,
	       double *const *out)
{
	return fn_eval(vm, f, a, out);
}
