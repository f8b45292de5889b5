/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-elicit.c - `tyche-run elicit STUDY ELICITATION [--pool P]
 * [--weights equal|table|cooke SEEDS] [--family F] [--alpha A] -o NEWSTUDY`:
 * experts' judgements fitted, pooled and written into a new study
 * (lib/elicit*.c does all of it).  Prints one block per cell: the experts'
 * fits and the pooled distribution, and Cooke's scores when used.
 *
 * Easy to get wrong: --weights cooke takes the seed table as its next
 * argument (as the synopsis writes it), so "--weights cooke
 * seeds.csv" is one option; "--weights=cooke --seeds FILE" works too.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static const char elicit_usage[] =
	"usage: tyche-run elicit STUDY ELICITATION.csv [--pool linear|triangular-average]\n"
	"           [--weights equal|table|cooke SEEDS.csv] [--family F] [--alpha A]\n"
	"           -o NEWSTUDY\n"
	"Fit each expert's judgements, pool them per cell and write NEWSTUDY: STUDY's\n"
	"tables with the elicited cells replaced, the model files, and\n"
	"elicitation-trace.csv.  Nothing is written when there is any problem.\n"
	"  --pool P        linear (default: a mixture of the experts' fits) or\n"
	"                  triangular-average (weighted min, mode, max); a Pool\n"
	"                  column chooses per cell\n"
	"  --weights W     equal (default), table (the Weight column) or\n"
	"                  cooke SEEDS.csv (Cooke's classical model)\n"
	"  --family F      auto (default: best fit), triang, beta, truncnorm,\n"
	"                  lognorm, gamma or norm\n"
	"  --alpha A       Cooke's calibration cut-off (default: optimised)\n"
	"  -o, --output D  the new study's folder\n";

static void print_cells(const tyche_elicitation *e)
{
	char b1[32], b2[32], b3[32], b4[32];
	const tyche_cooke_scores *cs = tyche_elicitation_cooke(e);

	for (size_t i = 0; i < tyche_elicitation_ncells(e); i++) {
		const tyche_elicit_cell *c = tyche_elicitation_cell(e, i);

		printf("cell %zu: %s | %s | %s | %s | %s\n", i + 1, c->table, c->technology,
		       c->scenario, c->variable, c->index);
		for (size_t k = 0; k < c->nexperts; k++) {
			const tyche_elicit_expert *x = &c->experts[k];

			printf("  expert %s: weight %s, %s, fit error %s, median %s%s: %s\n",
			       x->expert, tyche_format_double(x->weight, b1),
			       tyche_elicit_family_name(x->family),
			       tyche_format_double(x->fit_error, b2),
			       tyche_format_double(x->median, b3),
			       x->outlier ? " (outlier)" : "", x->dist);
		}
		printf("  pooled (%s): %s\n", tyche_elicit_pool_name(c->pool), c->pooled);
		printf("  pooled q05 %s, q50 %s, q95 %s\n",
		       tyche_format_double(tyche_elicitation_quantile(e, i, TYCHE_ELICIT_POOLED, 0.05), b1),
		       tyche_format_double(tyche_elicitation_quantile(e, i, TYCHE_ELICIT_POOLED, 0.5), b2),
		       tyche_format_double(tyche_elicitation_quantile(e, i, TYCHE_ELICIT_POOLED, 0.95), b3));
	}
	if (!cs)
		return;
	printf("cooke: %zu questions, cut-off %s, decision maker calibration %s, "
	       "information %s\n", cs->nquestions, tyche_format_double(cs->alpha, b1),
	       tyche_format_double(cs->dm_calibration, b2),
	       tyche_format_double(cs->dm_information, b3));
	for (size_t k = 0; k < cs->nexperts; k++)
		printf("  expert %s: calibration %s, information %s, weight %s\n", cs->expert[k],
		       tyche_format_double(cs->calibration[k], b1),
		       tyche_format_double(cs->information[k], b2),
		       tyche_format_double(cs->weight[k], b4));
}

int run_cmd_elicit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pool", required_argument, NULL, 'p' },
		{ "weights", required_argument, NULL, 'w' },
		{ "seeds", required_argument, NULL, 's' },
		{ "family", required_argument, NULL, 'f' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	tyche_elicit_opts eo = TYCHE_ELICIT_OPTS_INIT;
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_elicitation *e = NULL;
	const char *out = NULL;
	char *end;
	int c, rc;

	/* "--weights cooke SEEDS": take SEEDS out before getopt permutes */
	for (int i = 1; i + 2 < argc; i++)
		if ((!strcmp(argv[i], "--weights") && !strcmp(argv[i + 1], "cooke")) ||
		    !strcmp(argv[i], "--weights=cooke")) {
			int at = argv[i][9] == '=' ? i + 1 : i + 2;

			if (at < argc && argv[at][0] != '-') {
				eo.seeds = argv[at];
				memmove(&argv[at], &argv[at + 1], (size_t)(argc - at) * sizeof(char *));
				argc--;
			}
			break;
		}
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((eo.pool = tyche_elicit_pool_parse(optarg)) < 0) {
				fprintf(stderr, "tyche-run elicit: --pool: '%s' is not linear or "
					"triangular-average\n", optarg);
				return RUN_EX_USAGE;
			}
			break;
		case 'w':
			if (!strcmp(optarg, "equal")) {
				eo.weights = TYCHE_WEIGHTS_EQUAL;
			} else if (!strcmp(optarg, "table")) {
				eo.weights = TYCHE_WEIGHTS_TABLE;
			} else if (!strcmp(optarg, "cooke")) {
				eo.weights = TYCHE_WEIGHTS_COOKE;
			} else {
				fprintf(stderr, "tyche-run elicit: --weights: '%s' is not equal, "
					"table or cooke\n", optarg);
				return RUN_EX_USAGE;
			}
			break;
		case 's':
			eo.seeds = optarg;
			break;
		case 'f':
			if ((eo.family = tyche_elicit_family_parse(optarg)) == -2) {
				fprintf(stderr, "tyche-run elicit: --family: '%s' is not auto, triang, "
					"beta, truncnorm, lognorm, gamma or norm\n", optarg);
				return RUN_EX_USAGE;
			}
			break;
		case 'a':
			eo.cooke_alpha = strtod(optarg, &end);
			if (end == optarg || *end || !(eo.cooke_alpha >= 0 && eo.cooke_alpha <= 1)) {
				fprintf(stderr, "tyche-run elicit: --alpha: '%s' is not a number in "
					"[0, 1]\n", optarg);
				return RUN_EX_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(elicit_usage, stdout);
			return 0;
		default:
			return RUN_EX_USAGE;
		}
	}
	if (optind != argc - 2 || !out) {
		fprintf(stderr, "tyche-run elicit: expected STUDY ELICITATION and -o NEWSTUDY\n");
		fputs(elicit_usage, stderr);
		return RUN_EX_USAGE;
	}
	if (eo.weights == TYCHE_WEIGHTS_COOKE && !eo.seeds) {
		fprintf(stderr, "tyche-run elicit: --weights cooke needs the seed table: "
			"--weights cooke SEEDS.csv\n");
		return RUN_EX_USAGE;
	}
	rc = tyche_elicitation_load(&e, argv[optind + 1], &eo, &d);
	if (!rc)
		rc = tyche_elicitation_apply(e, argv[optind], out, &d);
	tyche_diags_print(&d, stderr);
	if (rc == TYCHE_EDATA)
		fprintf(stderr, "tyche-run elicit: %zu error%s, nothing written\n", d.nerrors,
			d.nerrors == 1 ? "" : "s");
	else if (!rc) {
		print_cells(e);
		fprintf(stderr, "tyche-run elicit: wrote %s (%zu cell%s)\n", out,
			tyche_elicitation_ncells(e), tyche_elicitation_ncells(e) == 1 ? "" : "s");
	}
	tyche_diags_release(&d);
	tyche_elicitation_free(e);
	return run_exit_code(rc);
}
