/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval-int.h - what the evaluation's files share (internal to eval-*.c
 * and eval.c): the run and its scratch (eval-core.c), work units and the
 * ordered parallel pipeline (eval-pipe.c), used by the writers (eval.c)
 * and the streamed summary (eval-stream.c).
 */
#ifndef TY_EVAL_INT_H
#define TY_EVAL_INT_H

#include <pthread.h>

#include "eval.h"
#include "design.h"

/* Cells of a scenario in one fixed order. */
struct scen_cells {
	size_t n;
	const struct ty_cell **cell;
	struct ty_rng_key *key;
	size_t *qdim;             /* quasi-random dimension: the cell's rank
	                             among the scenario's uncertain cells */
};

struct ty_eval {
	const tyche_context *ctx;
	uint64_t seed;
	struct scen_cells **sc;   /* [tech][scen] */
	const struct ty_draw_plan *plan;  /* NULL: plain Monte Carlo */
	struct ty_draw_plan design;       /* ty_eval_set_design's plan */
	struct ty_cell_perm *perm;        /* its correlated orders (owned) */
	size_t nperm;
	size_t max_cells, max_cap, max_fixed, max_in, max_out, max_met, max_par,
		max_rows;
	ty_eval_source_fn source;        /* replay: blocks read, not computed */
	void *source_arg;
};

struct ty_eval_ws {
	struct ty_vm *vm;
	double *cellv;            /* max_cells * B */
	double *cap, *fix, *inp, *oraw, *out, *met, *cost;
	double *kt;               /* 4 * B: the unit cost's four terms */
	const double **pp;        /* pointer tables */
	const struct ty_cell_override *ov;
	size_t nov;
	int fixed_all;
};

#define B TY_VM_BLOCK

#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* ------------------------------------------------------------ units */

struct unit {
	size_t tech, scen;
	uint64_t first;
	size_t n;
};


/* Units of samples lo .. hi-1 of every scenario (or of one: tech, scen
 * not SIZE_MAX), in output order. */
TY_HIDDEN size_t ty_units_make(const tyche_context *ctx, size_t tech, size_t scen,
			       uint64_t lo, uint64_t hi, size_t block, struct unit **out);
/* The units rank `rank` of `size` computes (u % size == rank), and their
 * indices among all units. */
TY_HIDDEN size_t ty_units_own(const struct unit *all, size_t nall, unsigned rank,
			      unsigned size, struct unit **out, size_t **gidx);

/* ------------------------------------------------ ordered parallel pipeline */

struct slot {
	int state;          /* 0 free, 1 working, 2 done */
	size_t unit;
	int rc;
	struct ty_buf text;
	double *vals;       /* max_rows * block */
	size_t nonfinite_rows;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t nunits, next, nslots;
	struct slot *slots;
	int stop;
	const struct unit *units;
	const struct ty_eval *E;
	size_t block;
	/* what workers do with a finished unit */
	int (*work)(struct pipe *P, struct ty_eval_ws *ws, const struct unit *u,
		    struct slot *s);
	const tyche_eval_opts *opts;
	char ***prefix;      /* [tech][scen] CSV/JSON text of the key columns */
	char ***rowtext;     /* [tech][row] Variable,Index pieces */
	char ***rowunits;    /* [tech][row] units pieces */
};

/* Run the pipeline; consume(u, slot) is called in unit order on this
 * thread.  Returns the first error. */
TY_HIDDEN int ty_pipe_run(struct pipe *P, unsigned threads,
			  int (*consume)(struct pipe *P, size_t u, struct slot *s, void *arg),
			  void *arg);
/* A worker's job that only computes the unit's values into s->vals. */
TY_HIDDEN int ty_pipe_work_values(struct pipe *P, struct ty_eval_ws *ws,
				  const struct unit *u, struct slot *s);
/* TYCHE_ETIMEOUT from a worker: the budget's own message. */
TY_HIDDEN int ty_eval_timeout_error(tyche_error *err, const char *what);


/* --summary of one scenario without holding its rows (eval-stream.c):
 * exact, bit-identical to the in-memory statistics, in memory that does
 * not grow with N; 4 evaluations of the scenario.  stt: nresults rows of
 * the default five; bad: non-finite samples per row (added to).  Rank 0
 * fills them; other ranks only compute. */
TY_HIDDEN int ty_eval_summary_stream(const struct ty_eval *E, const tyche_eval_opts *o,
				     size_t tech, size_t scen, double (*stt)[5], size_t *bad,
				     tyche_error *err);
/* The passes ty_eval_summary_stream makes over a scenario of `rows`
 * rows and n samples. */
TY_HIDDEN unsigned ty_eval_stream_passes(size_t rows, size_t n);

#endif
