/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compile-cse.c - compute each repeated expression of a section once.
 *
 * Inlined helpers repeat work: discount(p[0], p[12]) written twice in a
 * section is two pow() calls on the same columns, and pow is the dearest
 * operation of the reference models.  This pass numbers the values of the
 * straight-line stack code (value numbering: an operation, its immediate
 * operands and the numbers of its stack operands name a value; a local
 * read has the number of what was stored in it), keeps the first
 * computation of every number that recurs, stores it in a local, and
 * replaces each later computation, its whole code range, by a read of
 * that local.
 *
 * Why this cannot change a bit: every opcode is a pure function of its
 * operands (IEEE arithmetic, C's pow, exp, log, sqrt), the inputs do not
 * change while a section runs, and nothing is reassociated: a replaced
 * range computed exactly the same operations on exactly the same columns.
 *
 * What is easy to get wrong:
 *  - a value's code range in postfix code runs from its deepest operand's
 *    first instruction to the operation itself; ranges nest, so replacing
 *    the outermost repeated range at each point is enough;
 *  - a replaced range may contain stores of helper arguments; removing
 *    them is only right if nothing after the range reads those locals
 *    (checked; otherwise the section keeps its code unchanged);
 *  - a local stored twice would make "the number of what was stored"
 *    ambiguous: the compiler never does that, and the pass gives up if it
 *    sees it;
 *  - the first occurrence of a number always comes before any later
 *    occurrence's whole range (a value cannot contain itself), so its
 *    local is stored before it is read.
 */
#include <stdlib.h>
#include <string.h>

#include "modelint.h"

#define NONE UINT32_MAX

struct vkey {
	uint16_t op, a;
	uint32_t b, x, y, z;
};

struct vtab {
	struct vkey *keys;     /* by value number */
	uint32_t n, cap;
	uint32_t *slot;        /* hash -> number + 1; 0 = empty */
	size_t scap;
};

static size_t vhash(const struct vkey *k)
{
	uint64_t h = ((uint64_t)k->op << 48) ^ ((uint64_t)k->a << 32) ^ k->b;

	h = (h ^ (h >> 31)) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)k->x << 32) ^ k->y;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	h ^= k->z;
	h = (h ^ (h >> 32)) * 0x94d049bb133111ebull;
	return (size_t)(h ^ (h >> 31));
}

static int vkey_eq(const struct vkey *p, const struct vkey *q)
{
	return p->op == q->op && p->a == q->a && p->b == q->b && p->x == q->x &&
	       p->y == q->y && p->z == q->z;
}

/* The number of the value k, a new one if it is new; NONE when out of memory. */
static uint32_t vnumber(struct vtab *t, const struct vkey *k)
{
	size_t i;

	if (2 * ((size_t)t->n + 1) > t->scap) {
		size_t ncap = t->scap ? 2 * t->scap : 256;
		uint32_t *ns = ty_calloc(ncap, sizeof(*ns));

		if (!ns)
			return NONE;
		for (uint32_t v = 0; v < t->n; v++) {
			for (i = vhash(&t->keys[v]) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = v + 1;
		}
		free(t->slot);
		t->slot = ns;
		t->scap = ncap;
	}
	for (i = vhash(k) & (t->scap - 1); t->slot[i]; i = (i + 1) & (t->scap - 1))
		if (vkey_eq(&t->keys[t->slot[i] - 1], k))
			return t->slot[i] - 1;
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? 2 * t->cap : 256;
		struct vkey *nk = ty_realloc(t->keys, (size_t)ncap * sizeof(*nk));

		if (!nk)
			return NONE;
		t->keys = nk;
		t->cap = ncap;
	}
	t->keys[t->n] = *k;
	t->slot[i] = t->n + 1;
	return t->n++;
}

/* Operations worth a local: everything but pushing a column that is
 * already there (an input, a local, a constant). */
static int computes(int op)
{
	return op != OP_LOAD && op != OP_LOADL && op != OP_PUSHK;
}

/* Remove "push a column; store it in a local" when the local is never
 * read: helper arguments of a replaced call are left over like that.
 * Returns the new length. */
static size_t drop_dead_stores(struct ty_insn *code, size_t n, size_t nloc)
{
	unsigned char *read = ty_calloc(nloc ? nloc : 1, 1);
	size_t m = 0;

	if (!read)
		return n;       /* keeping dead stores is still right */
	for (size_t i = 0; i < n; i++)
		if (code[i].op == OP_LOADL)
			read[code[i].b] = 1;
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && !computes(code[i].op) && code[i + 1].op == OP_STOREL &&
		    !read[code[i + 1].b]) {
			i++;
			continue;
		}
		code[m++] = code[i];
	}
	free(read);
	return m;
}

int ty_fn_cse(struct ty_insn **codep, size_t *ncodep, size_t *nlocalsp)
{
	const struct ty_insn *code = *codep;
	size_t n = *ncodep, nloc = *nlocalsp, nout = 0;
	struct vtab t = { 0 };
	uint32_t *vn = NULL, *start = NULL, *first = NULL, *rep = NULL, *cache = NULL;
	uint32_t *locvn = NULL, *lastload = NULL, *sv = NULL, *ss = NULL;
	unsigned char *need = NULL;
	struct ty_insn *out = NULL;
	size_t sp = 0, nrep = 0, nnew = 0;
	int rc = TYCHE_ENOMEM, giveup = 0;

	if (n > UINT32_MAX / 2 || nloc > UINT32_MAX / 2)
		return 0;
	vn = ty_malloc((n + 1) * sizeof(*vn));
	start = ty_malloc((n + 1) * sizeof(*start));
	rep = ty_malloc((n + 1) * sizeof(*rep));
	sv = ty_malloc((n + 1) * sizeof(*sv));
	ss = ty_malloc((n + 1) * sizeof(*ss));
	locvn = ty_malloc((nloc + 1) * sizeof(*locvn));
	lastload = ty_malloc((nloc + 1) * sizeof(*lastload));
	if (!vn || !start || !rep || !sv || !ss || !locvn || !lastload)
		goto done;
	for (size_t l = 0; l < nloc; l++)
		locvn[l] = lastload[l] = NONE;

	/* number every value; sv/ss are the stack's numbers and range starts */
	for (size_t i = 0; i < n && !giveup; i++) {
		const struct ty_insn *in = &code[i];
		const struct ty_op_info *info = &ty_op_info[in->op];
		struct vkey k = { in->op, in->a, in->b, NONE, NONE, NONE };
		uint32_t v, s = (uint32_t)i;

		vn[i] = start[i] = rep[i] = NONE;
		if ((size_t)info->pops > sp || ((in->op == OP_LOADL || in->op == OP_STOREL) &&
		    in->b >= nloc)) {
			giveup = 1;      /* not code the compiler makes: leave it */
			break;
		}
		if (in->op == OP_STOREL) {
			if (locvn[in->b] != NONE) {
				giveup = 1;
				break;
			}
			locvn[in->b] = sv[--sp];
			continue;
		}
		if (in->op == OP_RET) {
			sp--;
			continue;
		}
		if (in->op == OP_LOADL) {
			if (locvn[in->b] == NONE) {
				giveup = 1;
				break;
			}
			lastload[in->b] = (uint32_t)i;
			v = locvn[in->b];
		} else {
			if (info->pops >= 1)
				k.x = sv[sp - (size_t)info->pops];
			if (info->pops >= 2)
				k.y = sv[sp - (size_t)info->pops + 1];
			if (info->pops >= 3)
				k.z = sv[sp - (size_t)info->pops + 2];
			if (info->operands == 0)
				k.a = 0, k.b = 0;
			else if (info->operands == 1)
				k.a = 0;
			if ((v = vnumber(&t, &k)) == NONE)
				goto done;
		}
		if (info->pops)
			s = ss[sp - (size_t)info->pops];
		sp -= (size_t)info->pops;
		sv[sp] = v;
		ss[sp] = s;
		sp++;
		vn[i] = v;
		start[i] = s;
	}
	if (giveup || !t.n) {
		rc = 0;
		goto done;
	}
	first = ty_malloc((size_t)t.n * sizeof(*first));
	cache = ty_malloc((size_t)t.n * sizeof(*cache));
	need = ty_calloc(t.n, 1);
	if (!first || !cache || !need)
		goto done;
	for (uint32_t v = 0; v < t.n; v++)
		first[v] = cache[v] = NONE;
	/* a later computation of a number is replaced; rep[s] = the end of the
	 * outermost replaced range that starts at s */
	for (size_t i = 0; i < n; i++) {
		uint32_t v = vn[i];

		if (v == NONE || !computes(code[i].op))
			continue;
		if (first[v] == NONE) {
			first[v] = (uint32_t)i;
			continue;
		}
		if (rep[start[i]] == NONE || rep[start[i]] < i)
			rep[start[i]] = (uint32_t)i;
	}
	/* keep only outermost ranges; stores inside them must be dead after */
	for (size_t i = 0; i < n; i++) {
		uint32_t e = rep[i];

		if (e == NONE)
			continue;
		for (size_t j = i + 1; j <= e; j++) {
			rep[j] = NONE;
			if (code[j].op == OP_STOREL && lastload[code[j].b] != NONE &&
			    lastload[code[j].b] > e) {
				rc = 0;
				goto done;
			}
		}
		need[vn[e]] = 1;
		nrep++;
		i = e;
	}
	if (!nrep) {
		rc = 0;
		goto done;
	}
	if (!(out = ty_malloc((n + 2 * nrep) * sizeof(*out))))
		goto done;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = vn[i];

		if (rep[i] != NONE) {
			out[nout++] = (struct ty_insn){ OP_LOADL, 0, cache[vn[rep[i]]] };
			i = rep[i];
			continue;
		}
		out[nout++] = code[i];
		if (v == NONE || first[v] != i || !need[v])
			continue;
		if (i + 1 < n && code[i + 1].op == OP_STOREL) {
			cache[v] = code[i + 1].b;    /* already stored in a local */
			continue;
		}
		cache[v] = (uint32_t)(nloc + nnew++);
		out[nout++] = (struct ty_insn){ OP_STOREL, 0, cache[v] };
		out[nout++] = (struct ty_insn){ OP_LOADL, 0, cache[v] };
	}
	nout = drop_dead_stores(out, nout, nloc + nnew);
	free(*codep);
	*codep = out;
	*ncodep = nout;
	*nlocalsp = nloc + nnew;
	out = NULL;
	rc = 0;
done:
	free(out);
	free(vn);
	free(start);
	free(rep);
	free(sv);
	free(ss);
	free(locvn);
	free(lastload);
	free(first);
	free(cache);
	free(need);
	free(t.keys);
	free(t.slot);
	return rc;
}
