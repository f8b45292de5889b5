/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compile.c - bind a parsed section to one technology's names, check it,
 * and emit stack bytecode for vm.c.
 *
 * What happens here:
 *  - every name is resolved now (locals, helper parameters, scale, cost,
 *    p[...], capital[...], ...; an index by offset, by bare name or by
 *    quoted name), so evaluation never looks anything up;
 *  - helpers are inlined (their arguments are evaluated once, into
 *    locals), sums are unrolled in offset order ((x0 + x1) + x2) ...;
 *  - constant folding, but only of an operation whose operands are ALL
 *    constants, computed with the same C operation the VM would run;
 *  - then compile-cse.c computes each repeated expression once (a helper
 *    called twice with the same arguments costs one pow, not two).
 *
 * The decision a newcomer gets wrong: folding must never reassociate or
 * rewrite.  "2 * x * 3" is (2 * x) * 3 and stays two multiplications;
 * "x / 4" stays a division (x * 0.25 can differ in the last bit).  The
 * reference results are reproduced bit for bit only because the written
 * grouping is kept.
 *
 * Hostile models: a sum of 50,000 terms is a left-deep tree 50,000 tall,
 * so compile_bin and find_set walk the left spine in a loop (never
 * recurse on args[0]); the remaining recursion follows real nesting,
 * which the parser caps, plus inlined helpers (MAX_COMPILE_DEPTH).
 * Scopes, index sets and the constant pool are hashed, and MAX_WORK
 * bounds the nodes visited, since folded code emits nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelint.h"

#define MAX_CODE (1u << 20)   /* instructions per section after inlining */
#define MAX_HELPER_DEPTH 64
/* compile() calls on the C stack: an expression's own nesting (at most
 * about 4 AST levels per TY_MAX_NEST level) plus inlined helper bodies. */
#define MAX_COMPILE_DEPTH 2048
/* AST nodes visited per section, counting every inlined helper body and
 * every unrolled sum body: folding emits no code, so MAX_CODE alone would
 * not bound the work of h() + h() + ... with a large constant helper. */
#define MAX_WORK (1u << 23)

const char *const ty_arr_names[ARR_COUNT_] = {
	"scale", "cost", "p", "capital", "lifetime", "fixed", "input_raw", "input",
	"input_price", "output_raw", "output"
};

enum set { SET_NONE, SET_PARAM, SET_CAPITAL, SET_FIXED, SET_INPUT, SET_OUTPUT, SET_METRIC };

static const char *const set_names[] = {
	"", "parameter", "Capital", "Fixed", "Input", "Output", "Metric"
};

static const enum set arr_set[ARR_COUNT_] = {
	SET_NONE, SET_NONE, SET_PARAM, SET_CAPITAL, SET_CAPITAL, SET_FIXED, SET_INPUT,
	SET_INPUT, SET_INPUT, SET_OUTPUT, SET_OUTPUT
};

static const char *const role_names[] = { "capital", "fixed", "production", "metrics" };

static unsigned role_scope(enum ty_fn_role r)
{
	unsigned s = 1u << ARR_SCALE | 1u << ARR_P;

	if (r == TY_FN_PRODUCTION || r == TY_FN_METRICS)
		s |= 1u << ARR_CAPITAL | 1u << ARR_LIFETIME | 1u << ARR_FIXED | 1u << ARR_INPUT;
	if (r == TY_FN_METRICS)
		s |= 1u << ARR_INPUT_RAW | 1u << ARR_INPUT_PRICE | 1u << ARR_OUTPUT_RAW |
			1u << ARR_OUTPUT | 1u << ARR_COST;
	return s;
}

static int arr_lookup(const char *name)
{
	for (int i = 0; i < ARR_COUNT_; i++)
		if (!strcmp(ty_arr_names[i], name))
			return i;
	return -1;
}

enum bkind { B_CONST, B_LOCAL, B_SUMVAR, B_PENDING };

struct binding {
	const char *name;
	enum bkind kind;
	double k;
	uint32_t slot;
	size_t idx;
	enum set set;
};

struct scope {
	struct scope *up;
	struct binding *b;
	size_t n;
	int barrier;     /* a helper body: nothing outside is visible */
	const struct ty_names *idx;   /* b by name, or NULL: search b */
};

/* The names of one index set by name, built on first use. */
struct set_index {
	int built;
	struct ty_names t;
};

struct cc {
	const struct ty_model *m;
	enum ty_fn_role role;
	const struct ty_model_names *nm;
	tyche_error *err;
	struct ty_insn *code;
	size_t ncode, capcode;
	double *k;
	size_t nk, capk;
	uint32_t nlocals;
	unsigned used;
	struct scope *sc;
	int helper_depth;
	int depth;               /* compile() calls on the stack */
	size_t work;             /* AST nodes visited */
	uint32_t *khash;         /* k by bit pattern: index + 1, 0 = empty */
	size_t khcap;
	struct ty_pool pool;     /* the set indexes */
	struct set_index sets[SET_METRIC + 1];
};

struct val {
	int is_k;
	double k;
};

/* ------------------------------------------------------------- emitting */

static int oom(struct cc *c)
{
	return ty_error_at(c->err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
}

static int emit_at(struct cc *c, size_t pos, int op, unsigned a, uint32_t b, const struct ty_ast *at)
{
	if (c->ncode >= MAX_CODE)
		return ty_src_error(c->err, at->src, at->pos, "section too large after inlining "
				    "helpers and sums (more than %u instructions)", MAX_CODE);
	if (c->ncode == c->capcode) {
		size_t ncap = c->capcode ? 2 * c->capcode : 64;
		struct ty_insn *nc = ty_realloc(c->code, ncap * sizeof(*nc));

		if (!nc)
			return oom(c);
		c->code = nc;
		c->capcode = ncap;
	}
	memmove(c->code + pos + 1, c->code + pos, (c->ncode - pos) * sizeof(*c->code));
	c->code[pos] = (struct ty_insn){ (uint16_t)op, (uint16_t)a, b };
	c->ncode++;
	return 0;
}

static int emit(struct cc *c, int op, unsigned a, uint32_t b, const struct ty_ast *at)
{
	return emit_at(c, c->ncode, op, a, b, at);
}

static size_t khash_of(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	u ^= u >> 33;
	u *= 0xff51afd7ed558ccdull;
	u ^= u >> 33;
	return (size_t)u;
}

/* Index of the constant with v's bit pattern, or where to insert it. */
static size_t kslot(const struct cc *c, double v)
{
	size_t k = khash_of(v) & (c->khcap - 1);

	for (; c->khash[k]; k = (k + 1) & (c->khcap - 1))
		if (!memcmp(&c->k[c->khash[k] - 1], &v, sizeof(v)))
			break;
	return k;
}

static int kindex(struct cc *c, double v, uint32_t *out)
{
	size_t slot;

	if (2 * (c->nk + 1) > c->khcap) {
		size_t ncap = c->khcap ? 2 * c->khcap : 64;
		uint32_t *nh = ty_calloc(ncap, sizeof(*nh));

		if (!nh)
			return oom(c);
		free(c->khash);
		c->khash = nh;
		c->khcap = ncap;
		for (size_t i = 0; i < c->nk; i++)
			c->khash[kslot(c, c->k[i])] = (uint32_t)(i + 1);
	}
	slot = kslot(c, v);
	if (c->khash[slot]) {
		*out = c->khash[slot] - 1;
		return 0;
	}
	if (c->nk == c->capk) {
		size_t ncap = c->capk ? 2 * c->capk : 16;
		double *nk = ty_realloc(c->k, ncap * sizeof(*nk));

		if (!nk)
			return oom(c);
		c->k = nk;
		c->capk = ncap;
	}
	c->k[c->nk] = v;
	c->khash[slot] = (uint32_t)(c->nk + 1);
	*out = (uint32_t)c->nk++;
	return 0;
}

static int emit_k(struct cc *c, size_t pos, int op, double v, const struct ty_ast *at)
{
	uint32_t ki = 0;
	int rc = kindex(c, v, &ki);

	return rc ? rc : emit_at(c, pos, op, 0, ki, at);
}

/* Make sure the value is on the stack. */
static int materialize(struct cc *c, const struct val *v, const struct ty_ast *at)
{
	return v->is_k ? emit_k(c, c->ncode, OP_PUSHK, v->k, at) : 0;
}

/* ------------------------------------------------------------- names */

static size_t set_size(const struct cc *c, enum set s)
{
	switch (s) {
	case SET_PARAM: return c->nm->n_param;
	case SET_CAPITAL: return c->nm->n_capital;
	case SET_FIXED: return c->nm->n_fixed < 0 ? 0 : (size_t)c->nm->n_fixed;
	case SET_INPUT: return c->nm->n_input;
	case SET_OUTPUT: return c->nm->n_output;
	case SET_METRIC: return c->nm->n_metric;
	default: return 0;
	}
}

static const char *set_name_at(const struct cc *c, enum set s, size_t i)
{
	const char *const *v = NULL;
	const char *r;

	switch (s) {
	case SET_PARAM: v = c->nm->param; break;
	case SET_CAPITAL: v = c->nm->capital; break;
	case SET_FIXED: v = c->nm->fixed; break;
	case SET_INPUT: v = c->nm->input; break;
	case SET_OUTPUT: v = c->nm->output; break;
	case SET_METRIC: v = c->nm->metric; break;
	default: break;
	}
	if (!v || i >= set_size(c, s))
		return NULL;
	r = v[i];
	return r && !ty_label_is_empty(r) ? r : NULL;
}

/* Offset of the first index of set s named `name`, or -1.  A set can
 * have 100,000 names and be searched once per component: hashed. */
static long set_find(struct cc *c, enum set s, const char *name)
{
	struct set_index *si = &c->sets[s];
	size_t n = set_size(c, s);

	if (!si->built) {
		if (ty_names_init(&si->t, &c->pool, n)) {
			/* out of memory: search linearly */
			for (size_t i = 0; i < n; i++) {
				const char *x = set_name_at(c, s, i);

				if (x && !strcmp(x, name))
					return (long)i;
			}
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			const char *x = set_name_at(c, s, i);

			if (x)
				ty_names_put(&si->t, x, i);   /* the first one wins */
		}
		si->built = 1;
	}
	return ty_names_get(&si->t, name);
}

/* "Module, Inverter, BoS" (at most 12 names) */
static void set_list(const struct cc *c, enum set s, struct ty_buf *b)
{
	size_t n = set_size(c, s), shown = 0;

	for (size_t i = 0; i < n; i++) {
		const char *x = set_name_at(c, s, i);

		if (!x)
			continue;
		if (shown == 12) {
			ty_buf_adds(b, ", ...");
			break;
		}
		ty_buf_addf(b, "%s%s", shown ? ", " : "", x);
		shown++;
	}
	if (!shown)
		ty_buf_adds(b, "no names");
}

/* "scale, p[...], capital[...]" for the role */
static void scope_list(const struct cc *c, struct ty_buf *b)
{
	unsigned s = role_scope(c->role);
	int first = 1;

	for (int i = 0; i < ARR_COUNT_; i++) {
		if (!(s & (1u << i)))
			continue;
		ty_buf_addf(b, "%s%s%s", first ? "" : ", ", ty_arr_names[i],
			    arr_set[i] == SET_NONE ? "" : "[...]");
		first = 0;
	}
}

static struct binding *lookup(struct cc *c, const char *name)
{
	for (struct scope *s = c->sc; s; s = s->up) {
		if (s->idx) {
			long i = ty_names_get(s->idx, name);

			if (i >= 0 && (size_t)i < s->n)
				return &s->b[i];
		} else {
			for (size_t i = s->n; i-- > 0;)
				if (!strcmp(s->b[i].name, name))
					return &s->b[i];
		}
		if (s->barrier)
			break;
	}
	return NULL;
}

static int not_in_scope(struct cc *c, const struct ty_ast *at, size_t pos, const char *name)
{
	return ty_src_error(c->err, at->src, pos, "'%s' is not available in a %s section",
			    name, role_names[c->role]);
}

/* ------------------------------------------------------------- compile */

static int too_much_work(struct cc *c, const struct ty_ast *at)
{
	return ty_src_error(c->err, at->src, at->pos, "section too large after inlining "
			    "helpers and sums (more than %u expression nodes)", MAX_WORK);
}

static int compile(struct cc *c, const struct ty_ast *a, struct val *out);

static int resolve_index(struct cc *c, const struct ty_ast *a, int arr, size_t *off)
{
	enum set s = arr_set[arr];
	size_t n = set_size(c, s);
	struct ty_buf b = TY_BUF_INIT;
	int rc;

	if (s == SET_FIXED && c->nm->n_fixed < 0)
		return ty_src_error(c->err, a->src, a->pos, "the number of fixed components is "
				    "not known: compile the fixed section first");
	if (a->idx_kind == IDX_NUM) {
		double v = a->idx_num;

		if (v != floor(v))
			return ty_src_error(c->err, a->src, a->idx_pos, "offset %.*s in %s[...] is "
					    "not a whole number: expected an offset from 0",
					    (int)(a->end - 1 - a->idx_pos), a->src->text + a->idx_pos,
					    a->name);
		if (v >= (double)n) {
			if (s == SET_PARAM)
				return ty_src_error(c->err, a->src, a->idx_pos, "parameter offset %.0f "
						    "out of range: expected p[0] to p[%zu] (%zu parameters)",
						    v, n ? n - 1 : 0, n);
			if (!n)
				return ty_src_error(c->err, a->src, a->idx_pos, "offset %.0f out of "
						    "range: the %s set is empty", v, set_names[s]);
			return ty_src_error(c->err, a->src, a->idx_pos, "offset %.0f out of range: "
					    "expected %s[0] to %s[%zu] (%zu %s indices)", v, a->name,
					    a->name, n - 1, n, set_names[s]);
		}
		*off = (size_t)v;
		return 0;
	}
	if (a->idx_kind == IDX_IDENT) {
		struct binding *bd = lookup(c, a->idx_name);

		if (bd && bd->kind == B_SUMVAR) {
			if (bd->set != s)
				return ty_src_error(c->err, a->src, a->idx_pos, "sum index '%s' ranges "
						    "over the %s set: expected an array of that set, "
						    "not %s[...]", a->idx_name, set_names[bd->set], a->name);
			*off = bd->idx;
			return 0;
		}
	}
	long i = set_find(c, s, a->idx_name);
	if (i >= 0) {
		*off = (size_t)i;
		return 0;
	}
	if (s == SET_PARAM)
		return ty_src_error(c->err, a->src, a->idx_pos, "unknown parameter name '%s': "
				    "expected a name from the parameters table or an offset",
				    a->idx_name);
	set_list(c, s, &b);
	rc = ty_src_error(c->err, a->src, a->idx_pos, "'%s' is not %s %s index: expected an "
			  "offset or one of %s", a->idx_name, s == SET_INPUT ? "an" : "a",
			  set_names[s], b.p ? b.p : "");
	ty_buf_release(&b);
	return rc;
}

static int compile_index(struct cc *c, const struct ty_ast *a, struct val *out)
{
	int arr = arr_lookup(a->name);
	size_t off = 0;
	int rc;

	if (arr < 0) {
		struct ty_buf b = TY_BUF_INIT;

		scope_list(c, &b);
		rc = ty_src_error(c->err, a->src, a->pos, "unknown array '%s': expected one of %s",
				  a->name, b.p ? b.p : "");
		ty_buf_release(&b);
		return rc;
	}
	if (!(role_scope(c->role) & (1u << arr)))
		return not_in_scope(c, a, a->pos, a->name);
	if (arr_set[arr] == SET_NONE)
		return ty_src_error(c->err, a->src, a->pos, "'%s' is a number, not an array: "
				    "expected '%s' without [...]", a->name, a->name);
	if ((rc = resolve_index(c, a, arr, &off)))
		return rc;
	c->used |= 1u << arr;
	out->is_k = 0;
	return emit(c, OP_LOAD, (unsigned)arr, (uint32_t)off, a);
}

static int inline_helper(struct cc *c, const struct ty_ast *a, const struct ty_helper *h,
			 struct val *out)
{
	struct binding *bs = NULL;
	struct scope sc;
	int rc = 0;

	if (a->nargs != h->nparams) {
		struct ty_buf b = TY_BUF_INIT;

		for (size_t i = 0; i < h->nparams; i++)
			ty_buf_addf(&b, "%s%s", i ? ", " : "", h->params[i]);
		rc = ty_src_error(c->err, a->src, a->pos, "helper '%s' takes %zu argument%s "
				  "(%s), got %zu", h->name, h->nparams, h->nparams == 1 ? "" : "s",
				  b.p ? b.p : "", a->nargs);
		ty_buf_release(&b);
		return rc;
	}
	if (c->helper_depth >= MAX_HELPER_DEPTH)
		return ty_src_error(c->err, a->src, a->pos, "helpers nested too deeply "
				    "(more than %d levels)", MAX_HELPER_DEPTH);
	if (h->nparams && !(bs = ty_calloc(h->nparams, sizeof(*bs))))
		return oom(c);
	for (size_t i = 0; i < h->nparams && !rc; i++) {
		struct val v;

		bs[i].name = h->params[i];
		if ((rc = compile(c, a->args[i], &v)))
			break;
		if (v.is_k) {
			bs[i].kind = B_CONST;
			bs[i].k = v.k;
		} else {
			bs[i].kind = B_LOCAL;
			bs[i].slot = c->nlocals++;
			rc = emit(c, OP_STOREL, 0, bs[i].slot, a);
		}
	}
	if (!rc) {
		sc = (struct scope){ c->sc, bs, h->nparams, 1,
				     h->param_idx.cap ? &h->param_idx : NULL };
		c->sc = &sc;
		c->helper_depth++;
		rc = compile(c, h->body, out);
		c->helper_depth--;
		c->sc = sc.up;
	}
	free(bs);
	return rc;
}

static int compile_name(struct cc *c, const struct ty_ast *a, struct val *out)
{
	struct binding *bd = lookup(c, a->name);
	const struct ty_helper *h;
	int arr;

	if (bd) {
		switch (bd->kind) {
		case B_CONST:
			out->is_k = 1;
			out->k = bd->k;
			return 0;
		case B_LOCAL:
			out->is_k = 0;
			return emit(c, OP_LOADL, 0, bd->slot, a);
		case B_SUMVAR:
			return ty_src_error(c->err, a->src, a->pos, "sum index '%s' can only be used "
					    "inside [...]: expected e.g. capital[%s]", a->name, a->name);
		case B_PENDING:
			return ty_src_error(c->err, a->src, a->pos, "local '%s' is used before it is "
					    "defined: locals are defined in order", a->name);
		}
	}
	h = ty_model_helper(c->m, a->name);
	if (h && !h->nparams)
		return inline_helper(c, a, h, out);
	arr = arr_lookup(a->name);
	if (arr >= 0) {
		if (!(role_scope(c->role) & (1u << arr)))
			return not_in_scope(c, a, a->pos, a->name);
		if (arr_set[arr] != SET_NONE) {
			const char *n0 = set_name_at(c, arr_set[arr], 0);

			if (n0 && ty_is_ident(n0))
				return ty_src_error(c->err, a->src, a->pos, "'%s' needs an index: "
						    "expected e.g. %s[0] or %s[%s]", a->name,
						    a->name, a->name, n0);
			return ty_src_error(c->err, a->src, a->pos, "'%s' needs an index: "
					    "expected e.g. %s[0]", a->name, a->name);
		}
		c->used |= 1u << arr;
		out->is_k = 0;
		return emit(c, OP_LOAD, (unsigned)arr, 0, a);
	}
	if (h)
		return ty_src_error(c->err, a->src, a->pos, "helper '%s' takes %zu argument%s: "
				    "expected %s(...)", a->name, h->nparams,
				    h->nparams == 1 ? "" : "s", a->name);
	if (!strcmp(a->name, "min") || !strcmp(a->name, "max") || !strcmp(a->name, "abs") ||
	    !strcmp(a->name, "exp") || !strcmp(a->name, "log") || !strcmp(a->name, "sqrt") ||
	    !strcmp(a->name, "pow") || !strcmp(a->name, "if") || !strcmp(a->name, "sum"))
		return ty_src_error(c->err, a->src, a->pos, "'%s' is a function: expected %s(...)",
				    a->name, a->name);
	{
		struct ty_buf b = TY_BUF_INIT;
		int rc;

		scope_list(c, &b);
		rc = ty_src_error(c->err, a->src, a->pos, "unknown name '%s': expected a local, "
				  "a helper parameter or one of %s", a->name, b.p ? b.p : "");
		ty_buf_release(&b);
		return rc;
	}
}

/* The index set a sum variable ranges over: the set of every array it
 * indexes directly in the sum's body. */
static int find_set(struct cc *c, const struct ty_ast *body, const char *var, enum set *set,
		    const struct ty_ast **first)
{
	/* pre-order, left to right, with an explicit stack: a left-deep
	 * chain is as tall as it is long */
	const struct ty_ast *small[64], **st = small, *a;
	size_t n = 0, cap = TY_ARRAY_SIZE(small);
	int rc = 0;

	st[n++] = body;
	while (n && !rc) {
		a = st[--n];
		if (++c->work > MAX_WORK) {
			rc = too_much_work(c, a);
			break;
		}
		if (a->kind == AST_CALL && !strcmp(a->name, "sum") && a->nargs == 2 &&
		    a->args[0]->kind == AST_NAME && !strcmp(a->args[0]->name, var))
			continue;   /* an inner sum rebinding the same name */
		if (a->kind == AST_INDEX && a->idx_kind == IDX_IDENT && !strcmp(a->idx_name, var)) {
			int arr = arr_lookup(a->name);

			if (arr >= 0 && arr_set[arr] != SET_NONE) {
				enum set s = arr_set[arr];

				if (*set == SET_NONE) {
					*set = s;
					*first = a;
				} else if (*set != s) {
					int l1, c1;

					ty_src_loc((*first)->src, (*first)->pos, &l1, &c1);
					rc = ty_src_error(c->err, a->src, a->idx_pos, "sum index '%s' "
							  "indexes %s[...] (the %s set) here but %s[...] "
							  "(the %s set) at %d:%d: expected arrays of one "
							  "set", var, a->name, set_names[s],
							  (*first)->name, set_names[*set], l1, c1);
					break;
				}
			}
		}
		if (n + a->nargs > cap) {
			size_t ncap = 2 * (n + a->nargs);
			const struct ty_ast **ns = ty_malloc(ncap * sizeof(*ns));

			if (!ns) {
				rc = oom(c);
				break;
			}
			memcpy(ns, st, n * sizeof(*ns));
			if (st != small)
				free(st);
			st = ns;
			cap = ncap;
		}
		for (size_t i = a->nargs; i-- > 0;)
			st[n++] = a->args[i];
	}
	if (st != small)
		free(st);
	return rc;
}

static int add_vals(struct cc *c, struct val *acc, const struct val *v, const struct ty_ast *at)
{
	if (acc->is_k && v->is_k) {
		acc->k = acc->k + v->k;
		return 0;
	}
	if (acc->is_k) {
		/* k + x: emitted as x + k, exact (addition commutes bitwise) */
		acc->is_k = 0;
		return emit_k(c, c->ncode, OP_ADDK, acc->k, at);
	}
	if (v->is_k)
		return emit_k(c, c->ncode, OP_ADDK, v->k, at);
	return emit(c, OP_ADD, 0, 0, at);
}

static int compile_sum(struct cc *c, const struct ty_ast *a, struct val *out)
{
	const struct ty_ast *body, *first = NULL;
	struct ty_ast shorthand;
	const char *var;
	enum set s = SET_NONE;
	size_t n;
	int rc;

	if (a->nargs == 1 && a->args[0]->kind == AST_NAME && arr_lookup(a->args[0]->name) >= 0) {
		int arr = arr_lookup(a->args[0]->name);

		if (!(role_scope(c->role) & (1u << arr)))
			return not_in_scope(c, a->args[0], a->args[0]->pos, a->args[0]->name);
		if (arr_set[arr] == SET_NONE)
			return ty_src_error(c->err, a->src, a->args[0]->pos, "'%s' is a number, not "
					    "an array: expected sum(capital) or sum(c, ...)",
					    a->args[0]->name);
		/* sum(capital) == sum(_, capital[_]) */
		shorthand = *a->args[0];
		shorthand.kind = AST_INDEX;
		shorthand.idx_kind = IDX_IDENT;
		shorthand.idx_name = " sum";   /* cannot clash with a name */
		shorthand.idx_pos = shorthand.pos;
		shorthand.end = a->end;
		body = &shorthand;
		var = " sum";
	} else if (a->nargs == 2 && a->args[0]->kind == AST_NAME) {
		var = a->args[0]->name;
		body = a->args[1];
	} else {
		return ty_src_error(c->err, a->src, a->pos, "sum takes an index name and an "
				    "expression, e.g. sum(c, capital[c] / lifetime[c]), or an "
				    "array, e.g. sum(capital)");
	}
	if ((rc = find_set(c, body, var, &s, &first)))
		return rc;
	if (s == SET_NONE)
		return ty_src_error(c->err, a->src, a->args[0]->pos, "sum index '%s' does not "
				    "index any array: expected e.g. sum(%s, capital[%s])",
				    var, var, var);
	if (s == SET_FIXED && c->nm->n_fixed < 0)
		return ty_src_error(c->err, a->src, first->pos, "the number of fixed components "
				    "is not known: compile the fixed section first");
	n = set_size(c, s);
	out->is_k = 1;
	out->k = 0.0;
	for (size_t i = 0; i < n; i++) {
		struct binding bd = { .name = var, .kind = B_SUMVAR, .idx = i, .set = s };
		struct scope sc = { c->sc, &bd, 1, 0, NULL };
		struct val v;

		c->sc = &sc;
		rc = compile(c, body, &v);
		c->sc = sc.up;
		if (rc)
			return rc;
		if (i == 0)
			*out = v;
		else if ((rc = add_vals(c, out, &v, a)))
			return rc;
	}
	return 0;
}

struct fn_def {
	const char *name;
	int min_args, max_args;
	int op;
};

static const struct fn_def fn_defs[] = {
	{ "min", 2, 1 << 16, OP_MIN },
	{ "max", 2, 1 << 16, OP_MAX },
	{ "abs", 1, 1, OP_ABS },
	{ "exp", 1, 1, OP_EXP },
	{ "log", 1, 1, OP_LOG },
	{ "sqrt", 1, 1, OP_SQRT },
	{ "pow", 2, 2, OP_POW },
	{ "if", 3, 3, OP_SELECT },
};

static double fold1(int op, double x)
{
	switch (op) {
	case OP_ABS: return fabs(x);
	case OP_EXP: return exp(x);
	case OP_LOG: return log(x);
	case OP_SQRT: return sqrt(x);
	default: return NAN;
	}
}

static int compile_call(struct cc *c, const struct ty_ast *a, struct val *out)
{
	const struct fn_def *fd = NULL;
	const struct ty_helper *h;
	struct val *vals;
	size_t *ends;
	int all_k = 1, rc = 0;

	if (!strcmp(a->name, "sum"))
		return compile_sum(c, a, out);
	h = ty_model_helper(c->m, a->name);
	if (h)
		return inline_helper(c, a, h, out);
	for (size_t i = 0; i < TY_ARRAY_SIZE(fn_defs); i++)
		if (!strcmp(fn_defs[i].name, a->name))
			fd = &fn_defs[i];
	if (!fd) {
		int arr = arr_lookup(a->name);

		if (arr >= 0)
			return ty_src_error(c->err, a->src, a->pos, "'%s' is not a function: "
					    "expected %s[...]", a->name, a->name);
		return ty_src_error(c->err, a->src, a->pos, "unknown function '%s': expected a "
				    "helper or one of min, max, abs, exp, log, sqrt, pow, if, sum",
				    a->name);
	}
	if ((int)a->nargs < fd->min_args || (int)a->nargs > fd->max_args) {
		if (fd->min_args == fd->max_args)
			return ty_src_error(c->err, a->src, a->pos, "%s takes %d argument%s, got %zu",
					    fd->name, fd->min_args, fd->min_args == 1 ? "" : "s",
					    a->nargs);
		return ty_src_error(c->err, a->src, a->pos, "%s takes at least %d arguments, "
				    "got %zu", fd->name, fd->min_args, a->nargs);
	}
	if (fd->op == OP_MIN || fd->op == OP_MAX) {
		/* min(a, b, c) = min(min(a, b), c), folded while both are constant */
		struct val acc, v;

		if ((rc = compile(c, a->args[0], &acc)))
			return rc;
		for (size_t j = 1; j < a->nargs; j++) {
			size_t lend = c->ncode;

			if ((rc = compile(c, a->args[j], &v)))
				return rc;
			if (acc.is_k && v.is_k) {
				acc.k = fd->op == OP_MIN ? ty_op_min(acc.k, v.k) : ty_op_max(acc.k, v.k);
				continue;
			}
			if (acc.is_k && (rc = emit_k(c, lend, OP_PUSHK, acc.k, a)))
				return rc;
			if (v.is_k && (rc = emit_k(c, c->ncode, OP_PUSHK, v.k, a)))
				return rc;
			if ((rc = emit(c, fd->op, 0, 0, a)))
				return rc;
			acc.is_k = 0;
		}
		*out = acc;
		return 0;
	}
	vals = ty_calloc(a->nargs, sizeof(*vals));
	ends = ty_calloc(a->nargs, sizeof(*ends));
	if (!vals || !ends) {
		free(vals);
		free(ends);
		return oom(c);
	}
	for (size_t i = 0; i < a->nargs && !rc; i++) {
		rc = compile(c, a->args[i], &vals[i]);
		ends[i] = c->ncode;
		if (!vals[i].is_k)
			all_k = 0;
	}
	if (rc)
		goto out;
	if (all_k) {
		double r = vals[0].k;

		switch (fd->op) {
		case OP_POW:
			r = pow(vals[0].k, vals[1].k);
			break;
		case OP_SELECT:
			r = ty_op_select(vals[0].k, vals[1].k, vals[2].k);
			break;
		default:
			r = fold1(fd->op, r);
			break;
		}
		out->is_k = 1;
		out->k = r;
		goto out;
	}
	out->is_k = 0;
	/* fixed arity: every constant argument is pushed in place */
	for (size_t i = a->nargs; i-- > 0;)
		if (vals[i].is_k && (rc = emit_k(c, ends[i], OP_PUSHK, vals[i].k, a)))
			goto out;
	rc = emit(c, fd->op, 0, 0, a);
out:
	free(vals);
	free(ends);
	return rc;
}

static int cmp_op(int tk)
{
	switch (tk) {
	case TK_LT: return OP_LT;
	case TK_GT: return OP_GT;
	case TK_LE: return OP_LE;
	case TK_GE: return OP_GE;
	case TK_EQ: return OP_EQ;
	case TK_NE: return OP_NE;
	default: return -1;
	}
}

static double fold2(int tk, double x, double y)
{
	switch (tk) {
	case TK_PLUS: return x + y;
	case TK_MINUS: return x - y;
	case TK_STAR: return x * y;
	case TK_SLASH: return x / y;
	case TK_CARET: return pow(x, y);
	case TK_LT: return x < y;
	case TK_GT: return x > y;
	case TK_LE: return x <= y;
	case TK_GE: return x >= y;
	case TK_EQ: return x == y;
	case TK_NE: return x != y;
	default: return NAN;
	}
}

/* Combine l (whose code ends at lend) with r, for node a. */
static int combine(struct cc *c, const struct ty_ast *a, struct val lv, size_t lend,
		   const struct val *r, struct val *out)
{
	const struct val *l = &lv;     /* a copy: out may be the left operand */
	int rc, op;

	if (l->is_k && r->is_k) {
		out->is_k = 1;
		out->k = fold2(a->op, l->k, r->k);
		return 0;
	}
	out->is_k = 0;
	if (l->is_k) {
		switch (a->op) {
		case TK_PLUS: return emit_k(c, c->ncode, OP_ADDK, l->k, a);
		case TK_STAR: return emit_k(c, c->ncode, OP_MULK, l->k, a);
		case TK_MINUS: return emit_k(c, c->ncode, OP_KSUB, l->k, a);
		case TK_SLASH: return emit_k(c, c->ncode, OP_KDIV, l->k, a);
		case TK_CARET: return emit_k(c, c->ncode, OP_KPOW, l->k, a);
		default:
			/* k < x: push k before x's code, keep the order */
			if ((rc = emit_k(c, lend, OP_PUSHK, l->k, a)))
				return rc;
			return emit(c, cmp_op(a->op), 0, 0, a);
		}
	}
	if (r->is_k) {
		switch (a->op) {
		case TK_PLUS: return emit_k(c, c->ncode, OP_ADDK, r->k, a);
		case TK_STAR: return emit_k(c, c->ncode, OP_MULK, r->k, a);
		case TK_MINUS: return emit_k(c, c->ncode, OP_SUBK, r->k, a);
		case TK_SLASH: return emit_k(c, c->ncode, OP_DIVK, r->k, a);
		case TK_CARET: return emit_k(c, c->ncode, OP_POWK, r->k, a);
		default:
			if ((rc = emit_k(c, c->ncode, OP_PUSHK, r->k, a)))
				return rc;
			return emit(c, cmp_op(a->op), 0, 0, a);
		}
	}
	switch (a->op) {
	case TK_PLUS: op = OP_ADD; break;
	case TK_MINUS: op = OP_SUB; break;
	case TK_STAR: op = OP_MUL; break;
	case TK_SLASH: op = OP_DIV; break;
	case TK_CARET: op = OP_POW; break;
	default: op = cmp_op(a->op); break;
	}
	return emit(c, op, 0, 0, a);
}

/*
 * A binary node and the whole left spine under it (a + b - c * d ... is
 * a left-deep tree as tall as it is long): walk down args[0] in a loop,
 * compile the leftmost operand, then each right operand and its operator
 * bottom-up, which is exactly the order and code the plain recursion
 * (compile l, compile r, combine) would give.
 */
static int compile_bin(struct cc *c, const struct ty_ast *a, struct val *out)
{
	const struct ty_ast *stack_spine[64], **spine = stack_spine, *x;
	size_t n = 0, cap = TY_ARRAY_SIZE(stack_spine);
	struct val acc;
	int rc = 0;

	for (x = a; x->kind == AST_BIN; x = x->args[0]) {
		if (n == cap) {
			const struct ty_ast **ns = ty_malloc(2 * cap * sizeof(*ns));

			if (!ns) {
				rc = oom(c);
				goto out;
			}
			memcpy(ns, spine, n * sizeof(*ns));
			if (spine != stack_spine)
				free(spine);
			spine = ns;
			cap *= 2;
		}
		spine[n++] = x;
		if (++c->work > MAX_WORK) {
			rc = too_much_work(c, x);
			goto out;
		}
	}
	if ((rc = compile(c, x, &acc)))
		goto out;
	while (n-- > 0) {
		struct val r;
		size_t lend = c->ncode;

		if ((rc = compile(c, spine[n]->args[1], &r)))
			goto out;
		if ((rc = combine(c, spine[n], acc, lend, &r, &acc)))
			goto out;
		if (!(n & 4095) && (rc = ty_budget_check(c->err, "compiling the model")))
			goto out;
	}
	*out = acc;
out:
	if (spine != stack_spine)
		free(spine);
	return rc;
}

static int compile_node(struct cc *c, const struct ty_ast *a, struct val *out)
{
	int rc;

	switch (a->kind) {
	case AST_NUM:
		out->is_k = 1;
		out->k = a->num;
		return 0;
	case AST_NAME:
		return compile_name(c, a, out);
	case AST_INDEX:
		return compile_index(c, a, out);
	case AST_CALL:
		return compile_call(c, a, out);
	case AST_NEG:
		if ((rc = compile(c, a->args[0], out)))
			return rc;
		if (out->is_k) {
			out->k = -out->k;
			return 0;
		}
		return emit(c, OP_NEG, 0, 0, a);
	case AST_BIN:
		return compile_bin(c, a, out);
	}
	return ty_src_error(c->err, a->src, a->pos, "internal error: bad node");
}

static int compile(struct cc *c, const struct ty_ast *a, struct val *out)
{
	int rc;

	if (++c->work > MAX_WORK)
		return too_much_work(c, a);
	if (c->depth >= MAX_COMPILE_DEPTH)
		return ty_src_error(c->err, a->src, a->pos, "expression too deeply nested "
				    "after inlining helpers (limit %d levels)", MAX_COMPILE_DEPTH);
	c->depth++;
	rc = compile_node(c, a, out);
	c->depth--;
	return rc;
}

/* ------------------------------------------------------------- sections */

static int check_shape(struct cc *c, const struct ty_section *sec, enum set *lab_set)
{
	size_t want = 0;
	struct ty_buf b = TY_BUF_INIT;
	enum set s = SET_NONE;
	int rc;

	switch (c->role) {
	case TY_FN_CAPITAL: s = SET_CAPITAL; break;
	case TY_FN_PRODUCTION: s = SET_OUTPUT; break;
	case TY_FN_METRICS: s = SET_METRIC; break;
	case TY_FN_FIXED: s = SET_FIXED; break;
	}
	*lab_set = s;
	if (s == SET_FIXED) {
		if (c->nm->n_fixed < 0 || (size_t)c->nm->n_fixed == sec->ncomps)
			return 0;
		return ty_src_error(c->err, &sec->key, 0, "section '%s' returns %zu component%s, "
				    "expected %ld (the number of fixed components)", sec->name,
				    sec->ncomps, sec->ncomps == 1 ? "" : "s", c->nm->n_fixed);
	}
	want = set_size(c, s);
	if (want == sec->ncomps)
		return 0;
	set_list(c, s, &b);
	rc = ty_src_error(c->err, &sec->key, 0, "section '%s' returns %zu component%s, expected "
			  "%zu: one per %s index (%s)", sec->name, sec->ncomps,
			  sec->ncomps == 1 ? "" : "s", want, set_names[s], b.p ? b.p : "");
	ty_buf_release(&b);
	return rc;
}

static void fn_free_parts(struct ty_fn *f)
{
	if (!f)
		return;
	if (f->comp_names)
		for (size_t i = 0; i < f->ncomp; i++)
			free(f->comp_names[i]);
	free(f->comp_names);
	free(f->code);
	free(f->k);
	free(f->section);
	free(f);
}

void ty_fn_free(struct ty_fn *f)
{
	fn_free_parts(f);
}

static size_t max_depth(const struct ty_insn *code, size_t n)
{
	long d = 0, mx = 0;

	for (size_t i = 0; i < n; i++) {
		d += ty_op_info[code[i].op].pushes - ty_op_info[code[i].op].pops;
		if (d > mx)
			mx = d;
	}
	return (size_t)mx;
}

int ty_fn_compile(struct ty_fn **out, const struct ty_model *m, const char *section,
		  enum ty_fn_role role, const struct ty_model_names *names, tyche_error *err)
{
	const struct ty_section *sec = NULL;
	struct cc c = { .m = m, .role = role, .nm = names, .err = err };
	struct binding *lets = NULL;
	struct scope sc;
	struct ty_fn *f = NULL;
	enum set lab_set;
	int rc;

	if (m->section_idx.cap) {
		long si = ty_names_get(&m->section_idx, section);

		sec = si >= 0 && (size_t)si < m->nsections ? &m->sections[si] : NULL;
	} else {
		for (size_t i = 0; i < m->nsections; i++)
			if (!strcmp(m->sections[i].name, section))
				sec = &m->sections[i];
	}
	if (!sec)
		return ty_error_at(err, TYCHE_EDATA, m->name, 0, 0, "no section '%s' in the "
				   "model file", section);
	if ((rc = check_shape(&c, sec, &lab_set)))
		goto fail;
	/* a label that names an index must sit at that index's offset */
	for (size_t i = 0; i < sec->ncomps; i++) {
		long at = set_find(&c, lab_set, sec->comps[i].name);

		if (at >= 0 && (size_t)at != i) {
			rc = ty_src_error(err, &sec->comps[i].key, 0, "component '%s' is at "
					  "offset %zu but the %s index '%s' has offset %ld: "
					  "expected the components in offset order",
					  sec->comps[i].name, i, set_names[lab_set],
					  sec->comps[i].name, at);
			goto fail;
		}
	}
	if (sec->nlets && !(lets = ty_calloc(sec->nlets, sizeof(*lets)))) {
		rc = oom(&c);
		goto fail;
	}
	for (size_t i = 0; i < sec->nlets; i++) {
		lets[i].name = sec->lets[i].name;
		lets[i].kind = B_PENDING;
	}
	sc = (struct scope){ NULL, lets, sec->nlets, 0,
			     sec->let_idx.cap ? &sec->let_idx : NULL };
	c.sc = &sc;
	rc = 0;
	for (size_t i = 0; i < sec->nlets && !rc; i++) {
		struct val v;

		if (!(i & 4095) && (rc = ty_budget_check(err, "compiling the model")))
			break;
		if ((rc = compile(&c, sec->lets[i].ast, &v)))
			break;
		if (v.is_k) {
			lets[i].kind = B_CONST;
			lets[i].k = v.k;
		} else {
			lets[i].kind = B_LOCAL;
			lets[i].slot = c.nlocals++;
			rc = emit(&c, OP_STOREL, 0, lets[i].slot, sec->lets[i].ast);
		}
	}
	for (size_t i = 0; i < sec->ncomps && !rc; i++) {
		struct val v;

		if ((rc = compile(&c, sec->comps[i].ast, &v)))
			break;
		if ((rc = materialize(&c, &v, sec->comps[i].ast)))
			break;
		rc = emit(&c, OP_RET, 0, (uint32_t)i, sec->comps[i].ast);
	}
	free(lets);
	free(c.khash);
	ty_pool_release(&c.pool);
	if (!rc) {
		size_t nloc = c.nlocals;

		if (ty_fn_cse(&c.code, &c.ncode, &nloc))
			rc = oom(&c);
		else if (nloc > UINT32_MAX)
			rc = ty_error_at(err, TYCHE_EDATA, m->name, 0, 0, "section '%s' needs "
					 "too many local values", sec->name);
		c.nlocals = (uint32_t)nloc;
	}
	if (!rc && !(f = ty_calloc(1, sizeof(*f))))
		rc = oom(&c);
	if (rc) {
		free(c.code);
		free(c.k);
		return rc;
	}
	f->section = ty_strdup(sec->name);
	f->role = role;
	f->code = c.code;
	f->ncode = c.ncode;
	f->k = c.k;
	f->nk = c.nk;
	f->ncomp = sec->ncomps;
	f->nlocals = c.nlocals;
	f->maxsp = max_depth(c.code, c.ncode);
	f->used = c.used;
	f->comp_names = ty_calloc(sec->ncomps, sizeof(*f->comp_names));
	if (!f->section || !f->comp_names) {
		fn_free_parts(f);
		return oom(&c);
	}
	for (size_t i = 0; i < sec->ncomps; i++)
		if (!(f->comp_names[i] = ty_strdup(sec->comps[i].name))) {
			fn_free_parts(f);
			return oom(&c);
		}
	*out = f;
	return 0;
fail:
	ty_pool_release(&c.pool);
	return rc;
}

size_t ty_fn_ncomp(const struct ty_fn *f)
{
	return f->ncomp;
}

const char *ty_fn_comp_name(const struct ty_fn *f, size_t c)
{
	return c < f->ncomp ? f->comp_names[c] : NULL;
}

char *ty_fn_disassemble(const struct ty_fn *f)
{
	struct ty_buf b = TY_BUF_INIT;
	char num[32];

	ty_buf_addf(&b, "; section %s (%s): %zu component%s, %zu local%s, stack %zu\n",
		    f->section, role_names[f->role], f->ncomp, f->ncomp == 1 ? "" : "s",
		    f->nlocals, f->nlocals == 1 ? "" : "s", f->maxsp);
	for (size_t i = 0; i < f->ncode; i++) {
		const struct ty_insn *in = &f->code[i];
		const struct ty_op_info *oi = &ty_op_info[in->op];

		ty_buf_addf(&b, "%4zu  %-7s", i, oi->name);
		switch (in->op) {
		case OP_LOAD:
			if (arr_set[in->a] == SET_NONE)
				ty_buf_addf(&b, "%s", ty_arr_names[in->a]);
			else
				ty_buf_addf(&b, "%s[%u]", ty_arr_names[in->a], in->b);
			break;
		case OP_LOADL:
		case OP_STOREL:
			ty_buf_addf(&b, "$%u", in->b);
			break;
		case OP_RET:
			ty_buf_addf(&b, "%u (%s)", in->b, f->comp_names[in->b]);
			break;
		default:
			if (oi->operands == 1)
				ty_buf_adds(&b, ty_fmt_double(f->k[in->b], num));
			break;
		}
		/* trim the padding of operand-less instructions */
		while (b.len && b.p[b.len - 1] == ' ')
			b.len--;
		ty_buf_addc(&b, '\n');
	}
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	return ty_buf_detach(&b);
}
