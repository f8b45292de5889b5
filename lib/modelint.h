/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * modelint.h - what the stages of the model language share: tokens, the
 * AST, the parsed model and the compiled function.  Only lex.c, parse.c,
 * compile.c, vm.c, model.c and srcloc.c include it.
 *
 * Every AST node remembers its byte offset inside the expression text and
 * the scalar it came from (struct ty_src), and every scalar remembers its
 * byte range in the raw YAML file.  A newcomer might store a line:col per
 * scalar and add the offset; that is wrong for quoted scalars (the quote)
 * and for plain scalars folded over several lines, so ty_src_loc walks the
 * raw text instead.
 */
#ifndef TY_MODELINT_H
#define TY_MODELINT_H

#include <stdint.h>

#include "model.h"

/* ------------------------------------------------------------------ lex */

enum ty_tok_kind {
	TK_EOF, TK_NUM, TK_IDENT, TK_STR,
	TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_CARET,
	TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK, TK_COMMA,
	TK_LT, TK_GT, TK_LE, TK_GE, TK_EQ, TK_NE,
	TK_ERR      /* a character that starts no token, or a bad number */
};

struct ty_tok {
	enum ty_tok_kind kind;
	size_t start, end;   /* byte range in the expression text */
	double num;          /* TK_NUM */
};

struct ty_lexer {
	const char *s;
	size_t len, pos;
};

TY_HIDDEN void ty_lex_init(struct ty_lexer *lx, const char *s, size_t len);
/* Scan the next token into *t; returns t->kind.  On TK_ERR, t->start is
 * the offending byte and ty_lex_error() says what was wrong. */
TY_HIDDEN enum ty_tok_kind ty_lex_next(struct ty_lexer *lx, struct ty_tok *t);
TY_HIDDEN const char *ty_tok_name(enum ty_tok_kind k);

/* ---------------------------------------------------------------- source */

/* One expression (or key) text and where it lives in the model file. */
struct ty_src {
	const struct ty_model *m;
	const char *text;      /* the scalar's value (NUL-terminated) */
	size_t len;
	size_t raw_start;      /* byte offset of the scalar in m->text */
	size_t raw_end;
	int style;             /* TY_SRC_* */
};
enum { TY_SRC_PLAIN, TY_SRC_SQUOTE, TY_SRC_DQUOTE, TY_SRC_BLOCK, TY_SRC_EXACT };

/* 1-based line and column of byte offset `byte` of the model file
 * (srcloc.c). */
TY_HIDDEN void ty_byte_loc(const struct ty_model *m, size_t byte, int *line, int *col);
/* 1-based line and column of byte `off` of the expression text. */
TY_HIDDEN void ty_src_loc(const struct ty_src *s, size_t off, int *line, int *col);
/* Fill *err with a located TYCHE_EDATA; returns TYCHE_EDATA. */
TY_HIDDEN int ty_src_error(tyche_error *err, const struct ty_src *s, size_t off,
			   const char *fmt, ...) TY_PRINTF(4, 5);

/* ------------------------------------------------------------------- AST */

enum ty_ast_kind {
	AST_NUM,     /* num */
	AST_NAME,    /* name */
	AST_INDEX,   /* name[idx] */
	AST_CALL,    /* name(args...) */
	AST_NEG,     /* -args[0] */
	AST_BIN      /* args[0] op args[1]; op is a TK_* */
};

enum ty_idx_kind { IDX_NUM, IDX_IDENT, IDX_STR };

struct ty_ast {
	enum ty_ast_kind kind;
	int op;
	size_t pos, end;          /* byte range of the node's text */
	const struct ty_src *src;
	double num;
	char *name;
	struct ty_ast **args;
	size_t nargs;
	enum ty_idx_kind idx_kind; /* AST_INDEX */
	double idx_num;
	char *idx_name;
	size_t idx_pos;
};

/* Allocation pool owned by a model: every AST node and string of it. */
struct ty_pool_blk;
struct ty_pool {
	struct ty_pool_blk *head;
};
TY_HIDDEN void *ty_pool_alloc(struct ty_pool *p, size_t n);
TY_HIDDEN char *ty_pool_strndup(struct ty_pool *p, const char *s, size_t n);
TY_HIDDEN void ty_pool_release(struct ty_pool *p);

/* Limits that keep every walk of a hostile model bounded.  Long chains of
 * one precedence level (a + b + ... , a * b * ...) are not nesting: the
 * parser builds them in a loop and every walk follows the left spine in a
 * loop too, so only real nesting ('(', unary '-', '^', call arguments)
 * costs stack and is capped. */
#define TY_MAX_NEST 256                 /* nesting levels in one expression */
#define TY_MAX_EXPR_BYTES (1u << 20)    /* one expression's text */

/* A string -> index table (open addressing) sized once for at most n
 * names; its memory comes from a pool, so it has no release. */
struct ty_names {
	const char **keys;
	size_t *vals;
	size_t cap;          /* power of two, > 2 n; 0 = empty table */
};
TY_HIDDEN int ty_names_init(struct ty_names *t, struct ty_pool *pool, size_t n);
/* Index of key[0..len) or -1. */
TY_HIDDEN long ty_names_getn(const struct ty_names *t, const char *key, size_t len);
TY_HIDDEN long ty_names_get(const struct ty_names *t, const char *key);
/* Insert key -> val unless present; returns the index already stored or
 * -1 when inserted.  The key is not copied. */
TY_HIDDEN long ty_names_put(struct ty_names *t, const char *key, size_t val);

/* Parse one expression; errors are located TYCHE_EDATA. */
TY_HIDDEN int ty_parse_expr(struct ty_pool *pool, const struct ty_src *src,
			    struct ty_ast **out, tyche_error *err);
/* Parse a helper key "name(a, b)" or "name". */
TY_HIDDEN int ty_parse_helper_key(struct ty_pool *pool, const struct ty_src *src,
				  char **name, char ***params, size_t **param_pos,
				  size_t *nparams, struct ty_names *param_idx,
				  tyche_error *err);
/* 1 if s is a valid identifier. */
TY_HIDDEN int ty_is_ident(const char *s);

/* ----------------------------------------------------------------- model */

struct ty_item {               /* a let binding or a returned component */
	char *name;
	struct ty_src key, val;
	struct ty_ast *ast;
};

struct ty_helper {
	char *name;
	char **params;
	size_t *param_pos;
	size_t nparams;
	struct ty_names param_idx;   /* params by name */
	struct ty_src key, val;
	struct ty_ast *body;
};

struct ty_section {
	char *name;
	struct ty_src key;
	struct ty_item *lets;
	size_t nlets;
	struct ty_names let_idx;     /* lets by name */
	struct ty_item *comps;
	size_t ncomps;
};

struct ty_model {
	char *name;               /* file path (for messages) */
	char *text;               /* raw file text */
	size_t len;
	size_t *line_start;       /* byte offset of each line of text */
	size_t nlines;
	struct ty_helper *helpers;
	size_t nhelpers;
	struct ty_section *sections;
	size_t nsections;
	struct ty_names helper_idx;   /* helpers by name */
	struct ty_names section_idx;  /* sections by name */
	struct ty_pool pool;
};

TY_HIDDEN const struct ty_helper *ty_model_helper(const struct ty_model *m, const char *name);

/* --------------------------------------------------------------- bytecode */

#define OP(name, operands, pops, pushes) OP_##name,
enum ty_opcode {
#include "opcodes.h"
	OP_COUNT_
};
#undef OP

/* Array kinds of OP_LOAD (operand a). */
enum ty_arr {
	ARR_SCALE, ARR_COST, ARR_P, ARR_CAPITAL, ARR_LIFETIME, ARR_FIXED,
	ARR_INPUT_RAW, ARR_INPUT, ARR_INPUT_PRICE, ARR_OUTPUT_RAW, ARR_OUTPUT,
	ARR_COUNT_
};
TY_HIDDEN extern const char *const ty_arr_names[ARR_COUNT_];

struct ty_insn {
	uint16_t op;
	uint16_t a;
	uint32_t b;
};

struct ty_op_info {
	const char *name;
	int operands, pops, pushes;
};
TY_HIDDEN extern const struct ty_op_info ty_op_info[OP_COUNT_];

/* Common subexpressions of a compiled section computed once (compile-cse.c):
 * rewrites *code and *ncode, may raise *nlocals; the code computes the
 * same bits.  Returns 0, or TYCHE_ENOMEM with the code unchanged. */
TY_HIDDEN int ty_fn_cse(struct ty_insn **code, size_t *ncode, size_t *nlocals);

/* Scalar semantics shared by the VM kernels and the constant folder, so a
 * folded constant is exactly what the VM would have computed. */
static inline double ty_op_min(double x, double y)
{
	return (x <= y || x != x) ? x : y;     /* numpy minimum: NaN wins */
}
static inline double ty_op_max(double x, double y)
{
	return (x >= y || x != x) ? x : y;
}
static inline double ty_op_select(double c, double a, double b)
{
	return (c != 0 && c == c) ? a : b;
}

struct ty_fn {
	char *section;
	enum ty_fn_role role;
	struct ty_insn *code;
	size_t ncode;
	double *k;
	size_t nk;
	size_t ncomp;
	size_t nlocals;
	size_t maxsp;
	unsigned used;          /* bit (1 << ARR_*) for every array loaded */
	char **comp_names;      /* ncomp labels */
};

#endif
