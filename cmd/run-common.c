/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-common.c - what every analysis command of tyche-run and tyche-report
 * does the same way: map library error codes to exit codes, load a context
 * (diagnostics on stderr), and load a context with its response surface
 * (one route, through the library's cache); and the process's malloc
 * settings (run_tune_malloc).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>       /* mallopt */
#endif

#include "run.h"
#include "runopt.h"

/* A tool runs to completion, allocating and freeing arrays of samples
 * (80 KB to 100 MB) many times.  glibc's defaults give each large one a
 * fresh mmap, whose pages the kernel zeroes on first touch, and hand
 * freed heap tops back: half of tyche-report's 41,000 page faults.
 * Keeping freed memory in the heap reuses it (peak RSS is unchanged,
 * results are the same bytes).  Not for a long-lived server process. */
void run_tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int run_exit_code(int code)
{
	switch (code) {
	case TYCHE_OK: return RUN_EX_OK;
	case TYCHE_EDATA: return RUN_EX_DATAERR;
	case TYCHE_EUSAGE: return RUN_EX_USAGE;
	case TYCHE_ENOENT: return RUN_EX_NOINPUT;
	case TYCHE_EIO: return RUN_EX_NOINPUT;
	case TYCHE_EINFEASIBLE: return RUN_EX_FAIL;
	case TYCHE_ETIMEOUT: return 75;   /* EX_TEMPFAIL: --time-limit ran out */
	case TYCHE_EPERM: return 77;      /* EX_NOPERM: not the owner */
	default: return RUN_EX_SOFTWARE;
	}
}

int run_load_context(const char *path, const tyche_load_opts *lo,
		     tyche_context **out)
{
	tyche_diags d = TYCHE_DIAGS_INIT;
	int rc = tyche_context_load(out, path, lo, &d);

	tyche_diags_print(&d, stderr);
	if (rc == TYCHE_EDATA)
		fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", path, d.nerrors,
			d.nerrors == 1 ? "" : "s", d.nwarnings, d.nwarnings == 1 ? "" : "s");
	tyche_diags_release(&d);
	return run_exit_code(rc);
}

void run_analysis_opts(const struct run_common *o, tyche_analysis_opts *ao)
{
	tyche_analysis_opts init = TYCHE_ANALYSIS_OPTS_INIT;

	*ao = init;
	ao->seed = o->seed;
	ao->samples = o->samples;
	ao->threads = o->threads;
	ao->cache_dir = o->no_cache ? "" : o->cache;
	ao->design = o->design;
}

/* --until-se's progress on stderr: a bar of the SE against the target. */
static void until_progress(size_t n, double se, void *arg)
{
	double target = *(const double *)arg, f = se > 0 ? target / se : 1;
	int w = (int)(30 * (f > 1 ? 1 : f)), tty = isatty(2);

	fprintf(stderr, "%s[%.*s%*s] N=%zu SE=%g target %g%s", tty ? "\r" : "", w,
		"##############################", 30 - w, "", n, se, target, tty ? "" : "\n");
	if (tty && f >= 1)
		fputc('\n', stderr);
}

int run_until_se(const struct run_common *o, const tyche_stat *st, tyche_context **ctx,
		 tyche_surface **s)
{
	tyche_analysis_opts ao;
	tyche_error err = { 0 };
	double se, target = o->until_se;
	int rc;

	if (!o->metric) {
		fprintf(stderr, "tyche-run: --until-se needs --metric (the target metric)\n");
		return RUN_EX_USAGE;
	}
	rc = run_load_context(o->context, &o->load, ctx);
	if (rc)
		return rc;
	run_analysis_opts(o, &ao);
	rc = tyche_until_se(s, *ctx, &ao, (const char *const *)o->amounts, o->namounts, o->metric,
			    st, target, o->max_samples ? o->max_samples : 1000000,
			    until_progress, &target, &se, &err);
	if (rc) {
		char buf[2048];

		tyche_context_free(*ctx);
		*ctx = NULL;
		fprintf(stderr, "tyche-run: %s\n", tyche_error_format(&err, buf, sizeof buf));
		return run_exit_code(rc);
	}
	return 0;
}

/* Load the context and its surface; prints problems.  Returns an exit code. */
int run_load_surface(const struct run_common *o, tyche_context **ctx, tyche_surface **s)
{
	tyche_analysis_opts ao;
	tyche_error err = { 0 };
	int rc;

	rc = run_load_context(o->context, &o->load, ctx);
	if (rc)
		return rc;
	run_analysis_opts(o, &ao);
	rc = tyche_surface_build(s, *ctx, &ao, NULL, &err);
	if (rc) {
		char buf[2048];

		tyche_context_free(*ctx);
		*ctx = NULL;
		fprintf(stderr, "tyche-run: %s\n", tyche_error_format(&err, buf, sizeof buf));
		return run_exit_code(rc);
	}
	return 0;
}
