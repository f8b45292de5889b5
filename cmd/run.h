/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run.h - pieces shared by the tyche-run subcommands (cmd/ only). */
#ifndef TYCHE_CMD_RUN_H
#define TYCHE_CMD_RUN_H

#include <stdio.h>
#include "tyche.h"

enum {
	RUN_EX_OK = 0, RUN_EX_FAIL = 1, RUN_EX_USAGE = 64, RUN_EX_DATAERR = 65,
	RUN_EX_NOINPUT = 66, RUN_EX_SOFTWARE = 70, RUN_EX_CANTCREAT = 73,
	RUN_NO_SUCH_COMMAND = -1
};

void run_usage(FILE *f);
/* Load a context, print diagnostics to stderr; returns an exit code. */
int run_load_context(const char *path, const tyche_load_opts *lo,
		     tyche_context **out);
/* malloc settings for a run-to-completion tool (cmd/run-common.c). */
void run_tune_malloc(void);
/* Exit code for a TYCHE_E* code. */
int run_exit_code(int code);
/* tyche-mpi sets this before running evaluate: the work is split over
 * its ranks (NULL: one process). */
extern const tyche_dist *run_eval_dist;
/* Subcommands beyond check (cmd/run-*.c); RUN_NO_SUCH_COMMAND if unknown. */
int run_dispatch(const char *cmd, int argc, char **argv);
const char *run_more_commands_help(void);

/* The subcommands (cmd/run-*.c). */
int run_cmd_evaluate(int argc, char **argv);
int run_cmd_merge(int argc, char **argv);
int run_cmd_tranches(int argc, char **argv);
int run_cmd_investments(int argc, char **argv);
int run_cmd_explore(int argc, char **argv);
int run_cmd_corners(int argc, char **argv);
int run_cmd_convert(int argc, char **argv);
/* cmd/run-optim.c */
int run_cmd_optimize(int argc, char **argv);
int run_cmd_bounds(int argc, char **argv);
int run_cmd_pareto(int argc, char **argv);
int run_cmd_surface(int argc, char **argv);   /* cmd/run-surface.c */
int run_cmd_waterfall(int argc, char **argv);
int run_cmd_tornado(int argc, char **argv);
/* cmd/run-elicit.c */
int run_cmd_elicit(int argc, char **argv);
/* cmd/run-sens.c, cmd/run-voi.c: Sobol indices, value of information */
struct run_sens_opts {
	const char *context, *scenario, *metric, *output, *sense, *candidates;
	const char *amounts[256];
	size_t namounts, samples, bootstrap;
	uint64_t seed;
	unsigned threads, levels;
	int format;
	double level, budget;   /* budget NaN: none */
	tyche_load_opts load;
	unsigned shard_index, shard_count;   /* --shard I/N; count 0: none */
};
int run_sens_parse(int argc, char **argv, struct run_sens_opts *o, const char *tool,
		   const char *help);
int run_sens_write(const char *buf, size_t n, void *arg);
int run_sens_fail(const char *tool, const tyche_error *err);
int run_cmd_sensitivity(int argc, char **argv);
int run_cmd_voi(int argc, char **argv);
/* cmd/run-import.c: execs python3 on the model importer */
int run_cmd_import(int argc, char **argv);
int run_cmd_doctor(int argc, char **argv);   /* cmd/run-doctor.c */

/* Helpers of the analysis commands (cmd/run-analysis.c). */
struct run_common;
void run_analysis_opts(const struct run_common *o, tyche_analysis_opts *ao);
int run_load_surface(const struct run_common *o, tyche_context **ctx, tyche_surface **s);
/* --until-se: the context and the surface of enough samples (exit code). */
int run_until_se(const struct run_common *o, const tyche_stat *st, tyche_context **ctx,
		 tyche_surface **s);
int run_parse_stats(const char *list, tyche_stat *st, size_t max, size_t *n);
void run_warn_extrapolated(const tyche_surface *s, const int *outside);
int run_check_range(const struct run_common *o, const tyche_surface *s, const double *amounts,
		    const char *tool);
/* The optimisation problem from the options (cmd/run-problem.c); a NaN
 * default_budget means none.  Prints the problem with the option at
 * fault and returns an exit code; *out (tyche_opt_problem_free) on 0. */
int run_make_problem(const struct run_common *o, const tyche_surface *s, int need_metric,
		     double default_budget, const char *tool, tyche_opt_problem **out);
/* --save: record inputs/results (JSON object texts) in the store. */
int run_save_scenario(const struct run_common *o, const tyche_context *ctx,
		      const char *inputs_json, const char *results_json);

#endif
