/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-eval.c - `tyche-run evaluate`: every scenario and sample in long
 * form, or per-row summaries.  Output goes through a stdio writer; the
 * progress bar appears only when stderr is a terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "runopt.h"

/* Set by tyche-mpi's main: the ranks this run is split over. */
const tyche_dist *run_eval_dist;

static int write_file(const char *buf, size_t n, void *arg)
{
	return fwrite(buf, 1, n, (FILE *)arg) == n ? 0 : -1;
}

static void progress(double done, void *arg)
{
	int *last = arg;
	int pct = (int)(done * 100.0);

	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\r[%-50.*s] %3d%%", pct / 2,
		"##################################################", pct);
	if (pct >= 100)
		fputc('\n', stderr);
}

int run_cmd_evaluate(int argc, char **argv)
{
	struct run_common rc_opts;
	tyche_eval_opts eo = TYCHE_EVAL_OPTS_INIT;
	tyche_context *ctx = NULL;
	tyche_diags warn = TYCHE_DIAGS_INIT;
	tyche_error err = { 0 };
	FILE *out = stdout;
	int rc, last = -1;

	rc = run_parse_common(argc, argv, &rc_opts,
		"usage: tyche-run evaluate [OPTIONS] CONTEXT\n"
		"Evaluate every technology, scenario and sample; print long-form rows\n"
		"Technology,Scenario,Sample,Variable,Index,Value,Units.\n"
		"  --samples N      samples per scenario (default 1000)\n"
		"  --seed S         random seed (default 1)\n"
		"  --threads T      worker threads (default: all cores)\n"
		"  --block B        samples per work unit (output does not depend on it)\n"
		"  --summary        per row mean, std, q10, q50, q90 instead of samples\n"
		"  --summary-memory SIZE  memory for --summary's samples (default 1G; k, M,\n"
		"                   G suffixes); rows that do not fit are summarised in\n"
		"                   groups or streamed (exact; same output, more passes)\n"
		"  --format F       csv (default) or json\n"
		"  --output FILE    write there instead of stdout\n"
		"  --design D       sampling design: mc (default), lhs or qmc\n"
		"  --shard I/N      compute only shard I of N of the samples into the\n"
		"                   shard file --output FILE; join the shards with\n"
		"                   'tyche-run merge SHARDS... -o OUT'\n"
		"  --models PATH    model search path (DIR[:DIR...])\n");
	if (rc >= 0)
		return rc;
	if (rc_opts.shard_count && run_eval_dist) {
		fprintf(stderr, "tyche-run evaluate: --shard and MPI ranks do not mix: use one or the other\n");
		return RUN_EX_USAGE;
	}
	rc = run_load_context(rc_opts.context, &rc_opts.load, &ctx);
	if (rc)
		return rc;
	eo.seed = rc_opts.seed;
	eo.samples = rc_opts.samples;
	eo.threads = rc_opts.threads;
	eo.block = rc_opts.block;
	eo.format = rc_opts.format;
	eo.summary = rc_opts.summary;
	eo.design = rc_opts.design;
	eo.dist = run_eval_dist;
	eo.summary_mem = rc_opts.summary_mem;
	if (rc_opts.shard_count) {
		rc = tyche_evaluate_shard(ctx, &eo, rc_opts.shard_index, rc_opts.shard_count,
					  rc_opts.output, &err);
		if (rc) {
			char buf[1024];

			fprintf(stderr, "tyche-run: %s\n", tyche_error_format(&err, buf, sizeof buf));
		}
		tyche_context_free(ctx);
		return run_exit_code(rc);
	}
	/* a rank other than 0 computes and sends; it writes nothing */
	if (run_eval_dist && run_eval_dist->rank)
		out = NULL;
	else if (rc_opts.output && !(out = fopen(rc_opts.output, "w"))) {
		fprintf(stderr, "tyche-run: cannot write %s: %s\n", rc_opts.output, strerror(errno));
		tyche_context_free(ctx);
		return RUN_EX_CANTCREAT;
	}
	eo.write = out ? write_file : NULL;
	eo.write_arg = out;
	if (isatty(2) && rc_opts.samples * 10 >= 100000 && out) {
		eo.progress = progress;
		eo.progress_arg = &last;
	}
	rc = tyche_evaluate(ctx, &eo, &warn, &err);
	tyche_diags_print(&warn, stderr);
	tyche_diags_release(&warn);
	if (!out) {
		/* a rank that only computes */
	} else if (out != stdout) {
		if (fclose(out) && !rc) {
			fprintf(stderr, "tyche-run: cannot write %s\n", rc_opts.output);
			rc = TYCHE_EIO;
		}
	} else if (fflush(stdout) && !rc) {
		rc = TYCHE_EIO;
		snprintf(err.msg, sizeof err.msg, "cannot write the output");
	}
	if (rc) {
		char buf[1024];

		fprintf(stderr, "tyche-run: %s\n", tyche_error_format(&err, buf, sizeof buf));
	}
	tyche_context_free(ctx);
	return run_exit_code(rc);
}
