/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run-dispatch.c - the table of tyche-run subcommands beyond check. */
#include <string.h>

#include "cli.h"
#include "run.h"

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct subcmd subcmds[] = {
	{ "evaluate", run_cmd_evaluate,
	  "  evaluate CONTEXT      Monte-Carlo evaluation of every scenario\n" },
	{ "merge", run_cmd_merge,
	  "  merge SHARD... -o OUT join the shard files of COMMAND --shard I/N\n" },
	{ "tranches", run_cmd_tranches,
	  "  tranches CONTEXT      amounts and metrics of every tranche\n" },
	{ "investments", run_cmd_investments,
	  "  investments CONTEXT   amounts and metrics of every investment\n" },
	{ "convert", run_cmd_convert,
	  "  convert BOOK.xlsx DIR write a workbook's tables as CSV files\n" },
	{ "explore", run_cmd_explore,
	  "  explore CONTEXT       statistics of a portfolio (--amount CAT=X ...)\n" },
	{ "corners", run_cmd_corners,
	  "  corners CONTEXT       every combination of tranche levels and its statistics\n" },
	{ "optimize", run_cmd_optimize,
	  "  optimize CONTEXT      best portfolio for one metric under a budget and limits\n" },
	{ "bounds", run_cmd_bounds,
	  "  bounds CONTEXT        each metric's smallest and largest value\n" },
	{ "pareto", run_cmd_pareto,
	  "  pareto CONTEXT        optimum against budget (--budgets) or a metric (--vs)\n" },
	{ "surface", run_cmd_surface,
	  "  surface STUDY         build the response surface's cache file (--shard I/N too)\n" },
	{ "waterfall", run_cmd_waterfall,
	  "  waterfall CONTEXT     contribution of each category, one step at a time\n" },
	{ "tornado", run_cmd_tornado,
	  "  tornado CONTEXT       rank uncertain inputs by their swing of a metric\n" },
	{ "sensitivity", run_cmd_sensitivity,
	  "  sensitivity STUDY     Sobol indices of each metric w.r.t. each uncertain input\n" },
	{ "voi", run_cmd_voi,
	  "  voi STUDY             value of information (EVPI, partial EVPI) of a decision\n" },
	{ "elicit", run_cmd_elicit,
	  "  elicit STUDY ELIC.csv -o NEW  experts' judgements into a new study\n" },
	{ "import-model", run_cmd_import,
	  "  import-model M.py     translate a reference Python model (-o M.yml)\n" },
	{ "store", tyche_cli_store,
	  "  store SUBCOMMAND      saved scenarios: list, show, share, unshare,\n"
	  "                        rename, delete, diff (see 'store --help')\n" },
	{ "study", tyche_cli_study,
	  "  study SUBCOMMAND      your own studies in the store: add, list, share,\n"
	  "                        unshare, rm, promote (see 'study --help')\n" },
	{ "doctor", run_cmd_doctor,
	  "  doctor                check a server's setup (config, folders, fetch) and say what to fix\n" },
	{ NULL, NULL, NULL }
};

int run_dispatch(const char *cmd, int argc, char **argv)
{
	for (size_t i = 0; subcmds[i].name; i++)
		if (!strcmp(subcmds[i].name, cmd))
			return subcmds[i].fn(argc, argv);
	return RUN_NO_SUCH_COMMAND;
}

const char *run_more_commands_help(void)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; subcmds[i].name; i++) {
		size_t m = strlen(subcmds[i].help);

		if (n + m + 1 < sizeof buf) {
			memcpy(buf + n, subcmds[i].help, m + 1);
			n += m;
		}
	}
	return buf;
}
