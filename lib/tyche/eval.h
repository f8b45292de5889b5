/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/eval.h - Monte-Carlo evaluation of every scenario, streamed as long-form text.
 * Part of the public API; include "tyche.h", which includes every
 * concept header in order.
 */
#ifndef TYCHE_EVAL_H
#define TYCHE_EVAL_H

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ evaluation */



/*
 * Work split over processes (MPI ranks; the bytes move by the caller's
 * functions, so libtyche has no MPI in it).  Rank r of `size` computes
 * the work units u with u % size == r; rank 0 writes everything, in
 * order, so the output is byte-identical to one process.  send (rank !=
 * 0) hands one finished piece to rank 0 and returns once rank 0 has it
 * (a synchronous send, which bounds memory); recv (rank 0) gives the next
 * piece from rank `from`, in a buffer valid until the next recv.  Either
 * returns non-zero on failure.
 */
typedef struct tyche_dist {
	unsigned rank, size;
	int (*send)(const void *p, size_t n, void *arg);
	int (*recv)(unsigned from, const void **p, size_t *n, void *arg);
	void *arg;
} tyche_dist;

typedef struct tyche_eval_opts {
	uint64_t seed;          /* every draw is a function of the seed and
	                           the cell's identity; recorded with results */
	size_t samples;         /* Monte-Carlo samples per scenario (>= 1) */
	unsigned threads;       /* 0 = all cores; output never depends on it */
	size_t block;           /* samples per work unit (0 = default) */
	int format;             /* enum tyche_format */
	int summary;            /* 1: per row mean, std, q10, q50, q90 */
	tyche_write_fn write;   /* where the text goes */
	void *write_arg;
	void (*progress)(double done, void *arg);  /* 0..1, may be NULL */
	void *progress_arg;
	size_t summary_mem;     /* summary: bytes of samples held at once (0 =
	                           TYCHE_SUMMARY_MEM); a scenario whose rows x
	                           samples do not fit is evaluated once per group
	                           of rows that does (same output) */
	int design;             /* enum tyche_design (tyche/sensitivity.h);
	                           0 = Monte Carlo */
	const tyche_dist *dist; /* NULL: this process does all the work */
} tyche_eval_opts;
#define TYCHE_SUMMARY_MEM ((size_t)1 << 30)
#define TYCHE_EVAL_OPTS_INIT { .seed = 1, .samples = 1000, .threads = 0, .block = 0, \
	.format = TYCHE_FMT_CSV, .summary = 0, .write = NULL, .write_arg = NULL, \
	.progress = NULL, .progress_arg = NULL, .summary_mem = 0, .design = 0, .dist = NULL }

/*
 * Evaluate every technology, scenario and sample: draw the designs and
 * parameters, run the model, compute the unit cost and metrics; write the
 * rows the results table lists, in long form
 *   Technology,Scenario,Sample,Variable,Index,Value,Units
 * sorted by Technology, Scenario, Sample, Variable, Index (as the
 * reference).  Values print so they read back to the same double; NaN and
 * inf as NaN, inf, -inf, each reported once per row as a warning in
 * *warnings (may be NULL).  Output is byte-identical for any thread count
 * and block size.
 */
TYCHE_API int tyche_evaluate(const tyche_context *ctx, const tyche_eval_opts *opts,
			     tyche_diags *warnings, tyche_error *err);

#ifdef __cplusplus
}
#endif
#endif
