/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parse.c - recursive descent from tokens to an AST, one grammar rule per
 * function.  Precedence, loosest first:
 *
 *   expr    -> sum [ ('<' | '>' | '<=' | '>=' | '==' | '!=') sum ]
 *   sum     -> term { ('+' | '-') term }
 *   term    -> unary { ('*' | '/') unary }
 *   unary   -> '-' unary | power
 *   power   -> primary [ '^' unary ]            (right-associative)
 *   primary -> NUM | NAME | NAME '[' index ']' | NAME '(' [expr {',' expr}] ')'
 *            | '(' expr ')'
 *   index   -> NUM | NAME | QUOTED
 *
 * The decision a newcomer gets wrong: '^' binds tighter than unary minus,
 * as in mathematics, so -x^2 is -(x^2), while 2^-x is 2^(-x).  Comparisons
 * do not chain (a < b < c is an error, not (a < b) < c).  Nothing here is
 * evaluated or folded: the AST keeps the written grouping, which is what
 * makes the results bit-identical to the reference.
 *
 * Hostile input: a chain of one level (a + b + ... with 50,000 terms) is
 * built by a loop as a left-deep tree, so it costs no stack here, and
 * every later walk must follow args[0] in a loop too, never recurse on
 * it.  Real nesting ('(', unary '-', '^', call arguments) recurses and is
 * capped at TY_MAX_NEST levels with a located error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelint.h"

/* ------------------------------------------------------------------ pool */

struct ty_pool_blk {
	struct ty_pool_blk *next;
	size_t used, cap;
	max_align_t data[];
};

void *ty_pool_alloc(struct ty_pool *p, size_t n)
{
	struct ty_pool_blk *b = p->head;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 16384 ? n : 16384;

		b = ty_malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = p->head;
		p->head = b;
	}
	void *r = (char *)b->data + b->used;
	b->used += n;
	memset(r, 0, n);
	return r;
}

char *ty_pool_strndup(struct ty_pool *p, const char *s, size_t n)
{
	char *r = ty_pool_alloc(p, n + 1);

	if (!r)
		return NULL;
	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

void ty_pool_release(struct ty_pool *p)
{
	struct ty_pool_blk *b = p->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	p->head = NULL;
}

/* ------------------------------------------------------------ name table */

static size_t name_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;    /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	h ^= h >> 33;                           /* murmur3 finaliser: names */
	h *= 0xff51afd7ed558ccdull;             /* like x1 .. x400000 differ */
	h ^= h >> 33;                           /* only in a few low bits */
	return (size_t)h;
}

int ty_names_init(struct ty_names *t, struct ty_pool *pool, size_t n)
{
	size_t cap = 4;

	while (cap <= 2 * n)
		cap *= 2;
	t->keys = ty_pool_alloc(pool, cap * sizeof(*t->keys));
	t->vals = ty_pool_alloc(pool, cap * sizeof(*t->vals));
	t->cap = t->keys && t->vals ? cap : 0;
	return t->cap ? 0 : TYCHE_ENOMEM;
}

long ty_names_getn(const struct ty_names *t, const char *key, size_t len)
{
	if (!t->cap)
		return -1;
	for (size_t k = name_hash(key, len) & (t->cap - 1); t->keys[k];
	     k = (k + 1) & (t->cap - 1))
		if (!strncmp(t->keys[k], key, len) && !t->keys[k][len])
			return (long)t->vals[k];
	return -1;
}

long ty_names_get(const struct ty_names *t, const char *key)
{
	return ty_names_getn(t, key, strlen(key));
}

long ty_names_put(struct ty_names *t, const char *key, size_t val)
{
	size_t len = strlen(key), k;

	for (k = name_hash(key, len) & (t->cap - 1); t->keys[k]; k = (k + 1) & (t->cap - 1))
		if (!strcmp(t->keys[k], key))
			return (long)t->vals[k];
	t->keys[k] = key;
	t->vals[k] = val;
	return -1;
}

/* ---------------------------------------------------------------- parser */

struct parser {
	struct ty_pool *pool;
	const struct ty_src *src;
	struct ty_lexer lx;
	struct ty_tok tok;       /* current (lookahead) token */
	tyche_error *err;
	int failed;
	int depth;
};

static void advance(struct parser *p)
{
	ty_lex_next(&p->lx, &p->tok);
}

/* The text of a token for a message, e.g. "'foo'" or "end of expression". */
static const char *tok_text(const struct parser *p, const struct ty_tok *t, char *buf, size_t n)
{
	if (t->kind == TK_EOF)
		return "end of expression";
	size_t len = t->end - t->start;
	if (len == 0)
		len = 1;
	if (len > 40)
		snprintf(buf, n, "'%.40s...'", p->src->text + t->start);
	else
		snprintf(buf, n, "'%.*s'", (int)len, p->src->text + t->start);
	return buf;
}

static struct ty_ast *fail(struct parser *p, size_t off, const char *fmt, ...) TY_PRINTF(3, 4);
static struct ty_ast *fail(struct parser *p, size_t off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ty_src_error(p->err, p->src, off, "%s", msg);
	return NULL;
}

/* Report the current token as unexpected. */
static struct ty_ast *unexpected(struct parser *p, const char *expected)
{
	char buf[64];
	const struct ty_tok *t = &p->tok;

	if (t->kind == TK_ERR) {
		char c = t->start < p->src->len ? p->src->text[t->start] : 0;

		if (c == '"' || c == '\'')
			return fail(p, t->start, "unterminated quoted name: expected a closing %c", c);
		if (c >= '0' && c <= '9')
			return fail(p, t->start, "malformed number %s", tok_text(p, t, buf, sizeof(buf)));
		if (c == '.')
			return fail(p, t->start, "malformed number %s", tok_text(p, t, buf, sizeof(buf)));
		if (c == '=')
			return fail(p, t->start, "unexpected '=': expected %s (use '==' to compare)", expected);
		return fail(p, t->start, "unexpected character %s: expected %s",
			    tok_text(p, t, buf, sizeof(buf)), expected);
	}
	return fail(p, t->start, "unexpected %s: expected %s",
		    tok_text(p, t, buf, sizeof(buf)), expected);
}

static struct ty_ast *node(struct parser *p, enum ty_ast_kind kind, size_t pos)
{
	struct ty_ast *a = ty_pool_alloc(p->pool, sizeof(*a));

	if (!a) {
		if (!p->failed) {
			p->failed = 1;
			ty_error_at(p->err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		return NULL;
	}
	a->kind = kind;
	a->pos = pos;
	a->end = pos;
	a->src = p->src;
	return a;
}

static struct ty_ast *parse_expr(struct parser *p);
static struct ty_ast *parse_unary(struct parser *p);

/* One more level of real nesting at the current token; 0 when too deep
 * (the error is set).  Every caller undoes it with p->depth-- on success. */
static int enter(struct parser *p)
{
	if (++p->depth <= TY_MAX_NEST)
		return 1;
	fail(p, p->tok.start, "expression too deeply nested (limit %d): expected fewer "
	     "parentheses, unary '-', '^' or nested calls", TY_MAX_NEST);
	return 0;
}

static struct ty_ast *binary(struct parser *p, int op, size_t pos, struct ty_ast *l, struct ty_ast *r)
{
	struct ty_ast *a;

	if (!l || !r)
		return NULL;
	a = node(p, AST_BIN, pos);
	if (!a)
		return NULL;
	a->op = op;
	a->args = ty_pool_alloc(p->pool, 2 * sizeof(*a->args));
	if (!a->args)
		return NULL;
	a->args[0] = l;
	a->args[1] = r;
	a->nargs = 2;
	a->end = r->end;
	return a;
}

static struct ty_ast *parse_index(struct parser *p, struct ty_ast *a)
{
	char buf[64];

	/* at '[' */
	advance(p);
	a->idx_pos = p->tok.start;
	switch (p->tok.kind) {
	case TK_NUM:
		a->idx_kind = IDX_NUM;
		a->idx_num = p->tok.num;
		break;
	case TK_IDENT:
		a->idx_kind = IDX_IDENT;
		a->idx_name = ty_pool_strndup(p->pool, p->src->text + p->tok.start,
					      p->tok.end - p->tok.start);
		break;
	case TK_STR:
		a->idx_kind = IDX_STR;
		a->idx_name = ty_pool_strndup(p->pool, p->src->text + p->tok.start + 1,
					      p->tok.end - p->tok.start - 2);
		break;
	case TK_MINUS:
		return fail(p, p->tok.start, "negative offset in %s[...]: expected an offset >= 0",
			    a->name);
	default:
		return unexpected(p, "an offset, an index name or a quoted name inside [...]");
	}
	if ((a->idx_kind != IDX_NUM) && !a->idx_name)
		return fail(p, p->tok.start, "out of memory");
	advance(p);
	if (p->tok.kind != TK_RBRACK) {
		if (p->tok.kind == TK_IDENT && a->idx_kind == IDX_IDENT) {
			const char *close = memchr(p->src->text + a->idx_pos, ']',
						   p->src->len - a->idx_pos);
			int len = close ? (int)(close - (p->src->text + a->idx_pos)) : 0;

			if (!close || len > 60)
				return fail(p, a->idx_pos, "index name with spaces must be quoted: "
					    "expected %s[\"...\"]", a->name);
			return fail(p, a->idx_pos, "index name with spaces must be quoted: "
				    "expected %s[\"%.*s\"]", a->name, len,
				    p->src->text + a->idx_pos);
		}
		return unexpected(p, "']'");
	}
	a->end = p->tok.end;
	advance(p);
	(void)buf;
	return a;
}

static struct ty_ast *parse_call(struct parser *p, struct ty_ast *a)
{
	struct ty_ast **args = NULL;
	size_t n = 0, cap = 0;

	/* at '(' */
	if (!enter(p))
		return NULL;
	advance(p);
	if (p->tok.kind != TK_RPAREN) {
		for (;;) {
			struct ty_ast *e = parse_expr(p);

			if (!e)
				return NULL;
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 4;
				struct ty_ast **na = ty_pool_alloc(p->pool, ncap * sizeof(*na));

				if (!na)
					return fail(p, a->pos, "out of memory");
				if (n)
					memcpy(na, args, n * sizeof(*na));
				args = na;
				cap = ncap;
			}
			args[n++] = e;
			if (p->tok.kind == TK_COMMA) {
				advance(p);
				continue;
			}
			if (p->tok.kind == TK_RPAREN)
				break;
			return unexpected(p, "',' or ')' in the arguments");
		}
	}
	a->args = args;
	a->nargs = n;
	a->end = p->tok.end;
	advance(p);
	p->depth--;
	return a;
}

static struct ty_ast *parse_primary(struct parser *p)
{
	struct ty_tok t = p->tok;
	struct ty_ast *a;

	switch (t.kind) {
	case TK_NUM:
		a = node(p, AST_NUM, t.start);
		if (!a)
			return NULL;
		a->num = t.num;
		a->end = t.end;
		advance(p);
		return a;
	case TK_IDENT:
		a = node(p, AST_NAME, t.start);
		if (!a)
			return NULL;
		a->name = ty_pool_strndup(p->pool, p->src->text + t.start, t.end - t.start);
		if (!a->name)
			return fail(p, t.start, "out of memory");
		a->end = t.end;
		advance(p);
		if (p->tok.kind == TK_LBRACK) {
			a->kind = AST_INDEX;
			return parse_index(p, a);
		}
		if (p->tok.kind == TK_LPAREN) {
			a->kind = AST_CALL;
			return parse_call(p, a);
		}
		return a;
	case TK_LPAREN:
		if (!enter(p))
			return NULL;
		advance(p);
		a = parse_expr(p);
		if (!a)
			return NULL;
		if (p->tok.kind != TK_RPAREN) {
			char buf[64];
			int l, c;

			ty_src_loc(p->src, t.start, &l, &c);
			return fail(p, p->tok.start, "unexpected %s: expected ')' to close the '(' "
				    "at %d:%d", tok_text(p, &p->tok, buf, sizeof(buf)), l, c);
		}
		advance(p);
		p->depth--;
		return a;
	case TK_STR:
		return fail(p, t.start, "a quoted name is only allowed inside [...]: "
			    "expected e.g. p[%.*s]", (int)(t.end - t.start), p->src->text + t.start);
	default:
		return unexpected(p, "a number, a name or '('");
	}
}

static struct ty_ast *parse_power(struct parser *p)
{
	struct ty_ast *base = parse_primary(p);

	if (!base)
		return NULL;
	if (p->tok.kind == TK_CARET) {
		size_t pos = p->tok.start;
		struct ty_ast *a;

		if (!enter(p))
			return NULL;
		advance(p);
		a = binary(p, TK_CARET, pos, base, parse_unary(p));
		p->depth--;
		return a;
	}
	return base;
}

static struct ty_ast *parse_unary(struct parser *p)
{
	struct ty_ast *a, *e;

	if (p->tok.kind == TK_MINUS) {
		size_t pos = p->tok.start;

		if (!enter(p))
			return NULL;
		advance(p);
		e = parse_unary(p);
		if (!e)
			return NULL;
		a = node(p, AST_NEG, pos);
		if (!a)
			return NULL;
		a->args = ty_pool_alloc(p->pool, sizeof(*a->args));
		if (!a->args)
			return NULL;
		a->args[0] = e;
		a->nargs = 1;
		a->end = e->end;
		p->depth--;
		return a;
	}
	if (p->tok.kind == TK_PLUS) {
		return fail(p, p->tok.start, "unary '+' is not supported: expected a number, "
			    "a name, '-' or '('");
	}
	return parse_power(p);
}

static struct ty_ast *parse_term(struct parser *p)
{
	struct ty_ast *l = parse_unary(p);

	while (l && (p->tok.kind == TK_STAR || p->tok.kind == TK_SLASH)) {
		int op = p->tok.kind;
		size_t pos = p->tok.start;

		advance(p);
		l = binary(p, op, pos, l, parse_unary(p));
	}
	return l;
}

static struct ty_ast *parse_sum(struct parser *p)
{
	struct ty_ast *l = parse_term(p);

	while (l && (p->tok.kind == TK_PLUS || p->tok.kind == TK_MINUS)) {
		int op = p->tok.kind;
		size_t pos = p->tok.start;

		advance(p);
		l = binary(p, op, pos, l, parse_term(p));
	}
	return l;
}

static int is_cmp(int k)
{
	return k == TK_LT || k == TK_GT || k == TK_LE || k == TK_GE || k == TK_EQ || k == TK_NE;
}

static struct ty_ast *parse_expr(struct parser *p)
{
	struct ty_ast *l = parse_sum(p);

	if (l && is_cmp(p->tok.kind)) {
		int op = p->tok.kind;
		size_t pos = p->tok.start;

		advance(p);
		l = binary(p, op, pos, l, parse_sum(p));
		if (l && is_cmp(p->tok.kind)) {
			char buf[64];

			return fail(p, p->tok.start, "comparisons do not chain: %s after a comparison, "
				    "expected parentheses, e.g. (a < b) < c",
				    tok_text(p, &p->tok, buf, sizeof(buf)));
		}
	}
	return l;
}

int ty_parse_expr(struct ty_pool *pool, const struct ty_src *src, struct ty_ast **out,
		  tyche_error *err)
{
	struct parser p = { .pool = pool, .src = src, .err = err };
	struct ty_ast *a;

	if (src->len > TY_MAX_EXPR_BYTES)
		return ty_src_error(err, src, 0, "expression too large (%zu bytes, limit %u): "
				    "expected a shorter formula; use let bindings or helpers",
				    src->len, TY_MAX_EXPR_BYTES);
	ty_lex_init(&p.lx, src->text, src->len);
	advance(&p);
	if (p.tok.kind == TK_EOF)
		return ty_src_error(err, src, 0, "empty expression: expected a formula");
	a = parse_expr(&p);
	if (a && p.tok.kind != TK_EOF)
		a = unexpected(&p, "an operator or the end of the expression");
	if (!a)
		return p.failed ? (err ? err->code : TYCHE_EDATA) : TYCHE_EDATA;
	*out = a;
	return 0;
}

int ty_parse_helper_key(struct ty_pool *pool, const struct ty_src *src, char **name,
			char ***params, size_t **param_pos, size_t *nparams,
			struct ty_names *param_idx, tyche_error *err)
{
	struct parser p = { .pool = pool, .src = src, .err = err };
	char **pv = NULL;
	size_t *pp = NULL, n = 0;

	ty_lex_init(&p.lx, src->text, src->len);
	advance(&p);
	if (p.tok.kind != TK_IDENT) {
		unexpected(&p, "a helper name, e.g. npv(rate, n)");
		return TYCHE_EDATA;
	}
	*name = ty_pool_strndup(pool, src->text + p.tok.start, p.tok.end - p.tok.start);
	advance(&p);
	if (p.tok.kind == TK_LPAREN) {
		/* at most len/2 parameters */
		size_t cap = src->len / 2 + 1;

		pv = ty_pool_alloc(pool, cap * sizeof(*pv));
		pp = ty_pool_alloc(pool, cap * sizeof(*pp));
		if (!pv || !pp || ty_names_init(param_idx, pool, cap))
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		advance(&p);
		if (p.tok.kind != TK_RPAREN) {
			for (;;) {
				if (p.tok.kind != TK_IDENT) {
					unexpected(&p, "a parameter name");
					return TYCHE_EDATA;
				}
				pp[n] = p.tok.start;
				pv[n] = ty_pool_strndup(pool, src->text + p.tok.start,
							p.tok.end - p.tok.start);
				if (!pv[n])
					return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				if (ty_names_put(param_idx, pv[n], n) >= 0)
					return ty_src_error(err, src, p.tok.start,
							    "duplicate parameter '%s'", pv[n]);
				n++;
				advance(&p);
				if (p.tok.kind == TK_COMMA) {
					advance(&p);
					continue;
				}
				if (p.tok.kind == TK_RPAREN)
					break;
				unexpected(&p, "',' or ')' in the parameter list");
				return TYCHE_EDATA;
			}
		}
		advance(&p);
	}
	if (p.tok.kind != TK_EOF) {
		unexpected(&p, "'(' or the end of the helper name");
		return TYCHE_EDATA;
	}
	*params = pv;
	*param_pos = pp;
	*nparams = n;
	return 0;
}
