/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runopt.h - the options every tyche-run analysis command shares. */
#ifndef TYCHE_CMD_RUNOPT_H
#define TYCHE_CMD_RUNOPT_H

#include <stdint.h>
#include "tyche.h"

#define RUN_MAX_LIST 256

struct run_common {
	const char *context;
	tyche_load_opts load;
	uint64_t seed;
	size_t samples;
	unsigned threads;
	size_t block;
	int format;
	int summary;
	const char *output;
	/* analysis options (used by the commands that need them) */
	const char *amounts[RUN_MAX_LIST];  size_t namounts;
	const char *limits[RUN_MAX_LIST];   size_t nlimits;
	const char *uppers[RUN_MAX_LIST];   size_t nuppers;
	const char *statistic;
	const char *metric;
	const char *sense;
	const char *method;
	const char *budgets;
	const char *vs;
	const char *order;
	const char *scenario;
	const char *cache;
	const char *save;
	const char *store;
	const char *tags[RUN_MAX_LIST];     size_t ntags;
	double budget;
	int has_budget;
	int by_category;
	int share;
	int no_cache;
	int extrapolate;     /* --extrapolate: allow amounts above the max */
	const char *start;
	double max_time;
	long max_eval;
	/* a user study named OWNER~NAME (issue 15): the reference, saved as
	 * the scenario's context so the browser finds it; context is then its
	 * path in the store */
	const char *study_ref;
	int design;          /* --design mc|lhs|qmc (enum tyche_design) */
	int se;              /* --se: standard errors beside the values */
	double until_se;     /* --until-se X (0: not given) */
	size_t max_samples;  /* --max-samples N for --until-se */
	unsigned shard_index, shard_count;  /* --shard I/N (0/0: not given) */
	size_t summary_mem;  /* --summary-memory BYTES (0: the default) */
};

/* Parse argv (argv[0] = the command name).  Returns -1 to go on, or an exit
 * code (0 after --help, 64 on bad usage).  `help` is printed for --help. */
int run_parse_common(int argc, char **argv, struct run_common *o, const char *help);

#endif
