/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run-common.c - loading contexts and mapping errors for tyche-run. */
#include <stdio.h>
#include <string.h>

#include "run.h"

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
