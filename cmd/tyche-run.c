/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-run - the analyst's tool: validate a decision context, evaluate
 * it, analyse and optimise portfolios.  Only parses options, calls
 * libtyche and prints; every computation lives in lib/.
 *
 * Exit codes follow sysexits.h: 0 ok, 64 usage, 65 data error, 66 missing
 * input, 70 internal error; an optimisation that is infeasible or did not
 * converge exits 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tyche.h"
#include "run.h"

static const char usage_text[] =
	"usage: tyche-run COMMAND [OPTIONS] CONTEXT\n"
	"\n"
	"A decision context is a directory of Tyche's seven CSV tables\n"
	"(designs, parameters, indices, functions, results, tranches,\n"
	"investments) or a Tyche .xlsx workbook.\n"
	"\n"
	"commands:\n"
	"  check CONTEXT         validate the tables and compile the models;\n"
	"                        print a summary, or every problem found\n"
	"%s"
	"\n"
	"common options: --models DIR[:DIR...]  model search path\n"
	"                --help, --version\n"
	"Run 'tyche-run COMMAND --help' for the options of a command.\n";

void run_usage(FILE *f)
{
	fprintf(f, usage_text, run_more_commands_help());
}

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "models", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_context *ctx = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			lo.model_path = optarg;
			break;
		case 'h':
			printf("usage: tyche-run check [--models PATH] CONTEXT\n"
			       "Validate CONTEXT and compile its models.  Prints a summary and\n"
			       "exits 0, or prints every problem on stderr and exits 65.\n"
			       "Warns (stderr, exit 0) for each category with no tranche of\n"
			       "amount 0, where \"no investment\" is extrapolated.\n");
			return 0;
		default:
			return RUN_EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tyche-run check: expected one CONTEXT argument\n");
		return RUN_EX_USAGE;
	}
	rc = run_load_context(argv[optind], &lo, &ctx);
	if (rc)
		return rc;
	{
		tyche_context_summary s;

		tyche_context_summarize(ctx, &s);
		printf("context: %s\n", tyche_context_name(ctx));
		printf("hash: %s\n", tyche_context_hash(ctx));
		printf("technologies: %zu\n", s.technologies);
		printf("scenarios: %zu\n", s.scenarios);
		printf("categories: %zu\n", s.categories);
		printf("tranches: %zu\n", s.tranches);
		printf("investments: %zu\n", s.investments);
		printf("metrics: %zu\n", s.metrics);
		printf("uncertain cells: %zu\n", s.uncertain_cells);
	}
	{
		/* categories without a zero tranche: "no investment" extrapolates */
		tyche_diags d = TYCHE_DIAGS_INIT;

		tyche_context_check_tranches(ctx, &d);
		tyche_diags_print(&d, stderr);
		tyche_diags_release(&d);
	}
	tyche_context_free(ctx);
	return 0;
}

#ifndef TYCHE_IN_MPI
/*
 * Started by mpirun with several ranks: this program has no MPI, but the
 * tyche-mpi beside it (make MPI=1) is the same tool split over ranks, so
 * exec it; without it every rank would do the whole run and write the
 * same output, so refuse instead.
 */
static void mpi_handoff(char **argv)
{
	const char *size = getenv("OMPI_COMM_WORLD_SIZE");
	char self[4096], *slash;
	ssize_t n;

	if (!size)
		size = getenv("PMI_SIZE");
	if (!size || atoi(size) <= 1)
		return;
	n = readlink("/proc/self/exe", self, sizeof self - 16);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			snprintf(slash + 1, sizeof self - (size_t)(slash + 1 - self), "tyche-mpi");
			if (access(self, X_OK) == 0) {
				execv(self, argv);
				fprintf(stderr, "tyche-run: cannot start %s: %s\n", self, strerror(errno));
				exit(RUN_EX_SOFTWARE);
			}
		}
	}
	fprintf(stderr, "tyche-run: started by mpirun with %s ranks, but this build has no MPI "
		"(no tyche-mpi beside it): build with 'make MPI=1' (needs mpicc, Debian's "
		"libopenmpi-dev), or run one process\n", size);
	exit(RUN_EX_USAGE);
}
#endif

int main(int argc, char **argv)
{
	const char *cmd;

#ifndef TYCHE_IN_MPI
	mpi_handoff(argv);
#endif
	run_tune_malloc();
	if (argc < 2) {
		run_usage(stderr);
		return RUN_EX_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		run_usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("tyche-run %s\n", tyche_version());
		return 0;
	}
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	{
		int rc = run_dispatch(cmd, argc - 1, argv + 1);

		if (rc != RUN_NO_SUCH_COMMAND)
			return rc;
	}
	fprintf(stderr, "tyche-run: unknown command '%s'\n", cmd);
	run_usage(stderr);
	return RUN_EX_USAGE;
}
