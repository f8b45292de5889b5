/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-merge.c - `tyche-run merge SHARDS... -o OUT`: join the shard files
 * of `COMMAND --shard I/N` into the output of one process.  The checks
 * and the output are libtyche's (tyche_shards_merge); this file parses,
 * and writes OUT through a temporary file renamed at the end, so a merge
 * that is refused or fails half way leaves no OUT behind.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"

static int write_file(const char *buf, size_t n, void *arg)
{
	return fwrite(buf, 1, n, (FILE *)arg) == n ? 0 : -1;
}

static const char merge_help[] =
	"usage: tyche-run merge SHARD... -o OUT [--format csv|json] [--summary]\n"
	"Join the shard files of 'tyche-run COMMAND ... --shard I/N --output FILE'\n"
	"(COMMAND: evaluate, pareto, surface, sensitivity or voi) into exactly\n"
	"what one process would have written.  The shards must be intact, of one\n"
	"run (study version, seed and settings) and cover every sample or point\n"
	"once; otherwise nothing is written.  Exit 1 when points of a Pareto\n"
	"sweep did not solve (the table is written, as tyche-run pareto does).\n"
	"  -o, --output OUT  the merged output ('-' for stdout)\n"
	"  --format F        csv or json (default: as the shards were asked)\n"
	"  --summary         per-row statistics (default: as the shards were asked)\n"
	"  --samples-out     every sample, even if the shards asked for --summary\n"
	"  --threads T       formatting threads (output never depends on it)\n";

int run_cmd_merge(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_SUMMARY, O_SAMPLES, O_THREADS, O_HELP };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "samples-out", no_argument, NULL, O_SAMPLES },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	tyche_merge_opts mo = TYCHE_MERGE_OPTS_INIT;
	tyche_diags warn = TYCHE_DIAGS_INIT;
	tyche_error err = { 0 };
	size_t unsolved = 0;
	const char *output = NULL;
	char *tmp = NULL;
	FILE *out = stdout;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case O_FORMAT:
			if (!strcmp(optarg, "csv"))
				mo.format = TYCHE_FMT_CSV;
			else if (!strcmp(optarg, "json"))
				mo.format = TYCHE_FMT_JSON;
			else {
				fprintf(stderr, "tyche-run merge: --format: '%s' is not csv or json\n", optarg);
				return RUN_EX_USAGE;
			}
			break;
		case O_SUMMARY: mo.summary = 1; break;
		case O_SAMPLES: mo.summary = 0; break;
		case O_THREADS: {
			char *end;
			long t = strtol(optarg, &end, 10);

			if (*end || end == optarg || t < 0 || t > 256) {
				fprintf(stderr, "tyche-run merge: --threads: '%s' is not a count from 0 to 256\n",
					optarg);
				return RUN_EX_USAGE;
			}
			mo.threads = (unsigned)t;
			break;
		}
		case O_HELP:
			fputs(merge_help, stdout);
			return 0;
		default:
			fputs(merge_help, stderr);
			return RUN_EX_USAGE;
		}
	}
	if (!output || optind >= argc) {
		fprintf(stderr, "tyche-run merge: expected SHARD... and -o OUT\n");
		fputs(merge_help, stderr);
		return RUN_EX_USAGE;
	}
	if (strcmp(output, "-")) {
		size_t n = strlen(output);
		int fd;

		tmp = malloc(n + 16);
		if (!tmp)
			return RUN_EX_SOFTWARE;
		memcpy(tmp, output, n);
		memcpy(tmp + n, ".tmp.XXXXXX", 12);
		mode_t um = umask(0);

		umask(um);
		if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0666 & ~um) || !(out = fdopen(fd, "w"))) {
			fprintf(stderr, "tyche-run merge: cannot write %s: %s\n", output, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			return RUN_EX_CANTCREAT;
		}
	}
	mo.write = write_file;
	mo.write_arg = out;
	mo.unsolved = &unsolved;
	rc = tyche_shards_merge((const char *const *)argv + optind, (size_t)(argc - optind),
				&mo, &warn, &err);
	tyche_diags_print(&warn, stderr);
	tyche_diags_release(&warn);
	if (tmp) {
		if (fclose(out) && !rc) {
			rc = TYCHE_EIO;
			snprintf(err.msg, sizeof err.msg, "cannot write %s", output);
		}
		if (!rc && rename(tmp, output)) {
			rc = TYCHE_EIO;
			snprintf(err.msg, sizeof err.msg, "cannot rename into %s: %s", output,
				 strerror(errno));
		}
		if (rc)
			unlink(tmp);
		free(tmp);
	} else if (fflush(stdout) && !rc) {
		rc = TYCHE_EIO;
		snprintf(err.msg, sizeof err.msg, "cannot write the output");
	}
	if (rc) {
		char buf[1024];

		fprintf(stderr, "tyche-run merge: %s\n", tyche_error_format(&err, buf, sizeof buf));
	}
	if (!rc && unsolved)
		return RUN_EX_FAIL;   /* written, as tyche-run pareto writes its table */
	return run_exit_code(rc);
}
