/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval.h - Monte-Carlo evaluation of scenarios (internal core shared by
 * tyche_evaluate, tranches, the response surface and the tornado).
 */
#ifndef TY_EVAL_H
#define TY_EVAL_H

#include "context.h"

struct ty_eval;      /* a run: context, seed and every cell's stream key */
struct ty_eval_ws;   /* one thread's scratch space */

TY_HIDDEN int ty_eval_create(struct ty_eval **out, const tyche_context *ctx,
			     uint64_t seed, tyche_error *err);
TY_HIDDEN void ty_eval_free(struct ty_eval *E);
/* Draw through a plan (design.h: designs, Saltelli's shifts, correlated
 * orders) instead of plain Monte Carlo; NULL restores it.  The evaluation
 * keeps the pointer: the plan must outlive its use, and must not change
 * while a ty_eval_scenario runs. */
struct ty_draw_plan;
TY_HIDDEN void ty_eval_set_plan(struct ty_eval *E, const struct ty_draw_plan *plan);
/* Samples first .. first+n-1 of one cell of scenario (tech, scen)
 * exactly as the evaluation draws them (its key, dimension and plan); -1
 * when the cell is not the scenario's.  The value of information
 * regresses on these. */
TY_HIDDEN int ty_eval_draw_cell(const struct ty_eval *E, size_t tech, size_t scen,
				const struct ty_cell *cell, uint64_t first, size_t n,
				double *out);
/* Draw with a sampling design (enum tyche_design) of n samples and the
 * context's correlations (Iman-Conover orders for n samples); MC without
 * correlations restores the plain path. */
TY_HIDDEN int ty_eval_set_design(struct ty_eval *E, int design, uint64_t n,
				 tyche_error *err);
TY_HIDDEN struct ty_eval_ws *ty_eval_ws_create(const struct ty_eval *E);
TY_HIDDEN void ty_eval_ws_free(struct ty_eval_ws *ws);

/* Overrides of single cells, for the tornado: when `override` is set for
 * a scenario, cell values come from it instead of being drawn. */
struct ty_cell_override {
	const struct ty_cell *cell;   /* which cell */
	double value;
};

/*
 * Evaluate samples first .. first+n-1 (n <= TY_VM_BLOCK) of scenario
 * `scen` of technology `tech`; out[r][i] = results row r (the technology's
 * sorted results rows) of sample first + i.  Rows never produced
 * (offset -1) are NaN.
 */
TY_HIDDEN int ty_eval_block(const struct ty_eval *E, struct ty_eval_ws *ws,
			    size_t tech, size_t scen, uint64_t first, size_t n,
			    double *const *out);
/* Cells at fixed values (e.g. medians) instead of draws; NULL = none.
 * `fixed_all` = 1 puts every cell not listed at its median. */
TY_HIDDEN void ty_eval_ws_set_overrides(struct ty_eval_ws *ws,
					const struct ty_cell_override *ov, size_t nov,
					int fixed_all);

/* All N samples of one scenario into out[r][0..N-1], on `threads` threads
 * (0 = all cores). */
TY_HIDDEN int ty_eval_scenario(const struct ty_eval *E, size_t tech, size_t scen,
			       size_t N, unsigned threads, double *const *out,
			       tyche_error *err);
/* ty_eval_scenario through a memo (lib/eval-memo.c; m NULL: none): the
 * values of an earlier call with the same context, seed, design and N,
 * else evaluated and kept.  design: the one E was set to. */
/* Scenarios a memo holds and how often it answered (for tests). */
TY_HIDDEN void ty_eval_memo_count(const tyche_eval_memo *m, size_t *entries, size_t *hits);
TY_HIDDEN int ty_eval_scenario_memo(tyche_eval_memo *m, const struct ty_eval *E, int design,
				    size_t tech, size_t scen, size_t N, unsigned threads,
				    double *const *out, tyche_error *err);

/*
 * Values from elsewhere (shard.c's merge): an evaluation whose blocks are
 * read by `source` instead of computed.  ctx needs only what the writers
 * read (names, results rows, path); its models may be absent.  Every
 * writer of tyche_evaluate then runs unchanged over the replayed values,
 * which is what makes a merge byte-identical to one process.
 */
typedef int (*ty_eval_source_fn)(void *arg, size_t tech, size_t scen, uint64_t first,
				 size_t n, double *const *out);
TY_HIDDEN int ty_eval_create_source(struct ty_eval **out, const tyche_context *ctx,
				    ty_eval_source_fn source, void *arg, tyche_error *err);
/* tyche_evaluate's writers over an evaluation made by either constructor
 * (opts->seed and opts->design are the caller's business). */
TY_HIDDEN int ty_eval_run(struct ty_eval *E, const tyche_eval_opts *opts,
			  tyche_diags *warnings, tyche_error *err);
/*
 * Samples lo .. hi-1 of every scenario (or of one: tech, scen; SIZE_MAX
 * for all), in (technology, scenario, block) order on `threads` threads,
 * blocks of `block` samples (0: a default); with nparts > 1 only the
 * blocks b (counted over all of them) with b % nparts == part.
 * sink(arg, tech, scen, first, n, vals, stride) gets row r of sample
 * first + i at vals[r * stride + i], on the calling thread, in order.
 * Shards and the streamed summary are computed this way.
 */
struct ty_eval_range {
	uint64_t lo, hi;
	size_t tech, scen;
	size_t block;
	unsigned part, nparts;
};
typedef int (*ty_eval_sink_fn)(void *arg, size_t tech, size_t scen, uint64_t first,
			       size_t n, const double *vals, size_t stride);
TY_HIDDEN int ty_eval_values(const struct ty_eval *E, const struct ty_eval_range *rg,
			     unsigned threads, ty_eval_sink_fn sink, void *arg,
			     tyche_error *err);

/* Number of cores to use for threads == 0. */
TY_HIDDEN unsigned ty_ncores(void);

#endif
