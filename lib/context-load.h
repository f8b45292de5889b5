/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context-load.h - what the files that load a context share (private to
 * lib/context*.c): the loader's state and its cell helpers.
 *
 *   context.c            read the tables, check columns, the technology and
 *                        scenario sets, uncertainty, load order, free, API
 *   context-tech.c       a technology's tables: indices, designs,
 *                        parameters, results
 *   context-models.c     the functions table and the model files it names
 *   context-portfolio.c  tranches and investments
 *   context-hash.c       the context's identity (context.h)
 *   context-cells.c      table names, required columns and the helpers
 *                        below (the bottom file: it calls no other)
 *
 * Easy to get wrong: a ty_context_load_* step may run only when the tables
 * it reads passed check_columns (L->table_ok), and the order in
 * tyche_context_load matters (sets first: every other table is checked
 * against the technologies and scenarios of the designs table).  Every
 * problem is a located diagnostic; no step stops at the first.
 */
#ifndef TY_CONTEXT_LOAD_H
#define TY_CONTEXT_LOAD_H

#include "context.h"

struct loader {
	tyche_context *ctx;
	tyche_diags *d;
	struct ty_table **t;      /* ctx->tables */
	long col[7][8];           /* required column positions */
	int table_ok[7];          /* table present with its columns */
	const tyche_load_opts *opts;
	int timeout;              /* the work budget ran out (TYCHE_ETIMEOUT) */
	struct ty_table *corr;    /* the optional correlations table, or NULL
	                             (lib/correlate.c; freed after loading) */
};

/* Required columns of each table, in the reference's order. */
extern const char *const ty_context_required_cols[7][8];

/* Cell k (a required column) of row r of table ti, and its column. */
static inline const char *cell(struct loader *L, int ti, size_t r, int k)
{
	return ty_table_cell(L->t[ti], r, (size_t)L->col[ti][k]);
}

static inline size_t colpos(struct loader *L, int ti, int k)
{
	return (size_t)L->col[ti][k];
}

/* Bytes of cell text to quote in a message: at most 60, cut at a UTF-8
 * character boundary; CLIPPED(s) gives the "%.*s%s" arguments with "..."
 * after a cut.  A 1 MB cell quoted whole pushed the "expected ..." part
 * off the end of the message. */
static inline int clip_len(const char *s)
{
	size_t n = strnlen(s, 61);

	if (n <= 60)
		return (int)n;
	n = 60;
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return (int)n;
}
#define CLIPPED(s) clip_len(s), (s), (s)[clip_len(s)] ? "..." : ""

/* Unique list of strings, in insertion order until ty_strset_sort.  A hash
 * index makes add O(1): with a linear search, a hostile table of 100k
 * distinct names took minutes (quadratic). */
struct strset {
	char **v;
	size_t n, cap;
	size_t *h;        /* hcap slots: index into v plus 1, 0 = free */
	size_t hcap;      /* a power of two, at least 2 * n, or 0 */
	int oom;
};

#define cell_err(L, ti, r, c, ...) ty_context_cell_diag(L, TYCHE_SEV_ERROR, ti, r, c, __VA_ARGS__)
#define cell_warn(L, ti, r, c, ...) ty_context_cell_diag(L, TYCHE_SEV_WARNING, ti, r, c, __VA_ARGS__)

/* A located error or warning at row r, column c of table ti. */
TY_HIDDEN void ty_context_cell_diag(struct loader *L, int sev, int ti, size_t r, size_t c,
				    const char *fmt, ...) TY_PRINTF(6, 7);
/* Cell k of row r as an Offset (a non-negative integer), or as a value
 * (a distribution; *out's key, the random stream's identity, is set
 * either way); -1 after a located error. */
TY_HIDDEN int ty_context_parse_offset(struct loader *L, int ti, size_t r, int k, long *out);
TY_HIDDEN int ty_context_parse_value(struct loader *L, int ti, size_t r, int k,
				     struct ty_cell *out, const char *key);

TY_HIDDEN long ty_strset_find(const struct strset *s, const char *x);
TY_HIDDEN void ty_strset_add(struct strset *s, const char *x);
TY_HIDDEN void ty_strset_sort(struct strset *s);
TY_HIDDEN void ty_strset_release(struct strset *s);

/* A comma-separated list of up to 12 names, for messages (malloc'd). */
TY_HIDDEN char *ty_context_list_names(char *const *v, size_t n);
/* Position by name, or -1: a technology, a technology's scenario (both
 * sorted, through names.c), an element of an index set (linear, as labels). */
TY_HIDDEN long ty_context_find_tech(const tyche_context *ctx, const char *name);
TY_HIDDEN long ty_context_find_scen(const struct ty_tech *t, const char *name);
TY_HIDDEN long ty_context_find_label(char *const *v, size_t n, const char *name);

/* The loading steps, in tyche_context_load's order. */
/* The correlations table (lib/correlate.c): check it, keep it in ctx. */
TY_HIDDEN void ty_context_load_correlations(struct loader *L);
TY_HIDDEN void ty_context_load_indices(struct loader *L);
TY_HIDDEN void ty_context_load_designs(struct loader *L);
TY_HIDDEN void ty_context_load_parameters(struct loader *L);
TY_HIDDEN void ty_context_load_functions(struct loader *L);
TY_HIDDEN void ty_context_load_results(struct loader *L);
TY_HIDDEN void ty_context_load_tranches(struct loader *L);
TY_HIDDEN void ty_context_load_investments(struct loader *L);
TY_HIDDEN void ty_context_load_models(struct loader *L);

#endif
