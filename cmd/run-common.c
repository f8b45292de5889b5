/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-common.c - what every analysis command of tyche-run and tyche-report
 * does the same way: map library error codes to exit codes, load a context
 * (diagnostics on stderr), and load a context with its response surface
 * (one route, through the library's cache).
 */
#include <stdio.h>
#include <string.h>

#include "run.h"
#include "runopt.h"

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
