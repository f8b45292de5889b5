/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-surface.c - `tyche-run surface STUDY`: build the study's response
 * surface and write its cache file (by default where explore, optimize
 * and pareto look for it, so a cluster can prepare it once), or with
 * --shard I/N one shard of its samples for `tyche-run merge`.  The
 * building is libtyche's (tyche_surface_build, tyche_surface_shard);
 * this file parses, calls and prints the path written.
 * Easy to get wrong: --no-cache means "build afresh" here, and then an
 * --output is needed (there is no cache path to default to).
 */
#include <stdio.h>
#include <stdlib.h>

#include "run.h"
#include "runopt.h"

static int fail(const tyche_error *err)
{
	char buf[1200];

	fprintf(stderr, "tyche-run: %s\n", tyche_error_format(err, buf, sizeof buf));
	return run_exit_code(err->code);
}

int run_cmd_surface(int argc, char **argv)
{
	struct run_common o;
	tyche_analysis_opts ao;
	tyche_context *ctx = NULL;
	tyche_surface *s = NULL;
	tyche_error err = { 0 };
	char *path = NULL;
	int rc, from_cache = 0;

	rc = run_parse_common(argc, argv, &o,
		"usage: tyche-run surface [OPTIONS] STUDY\n"
		"Build the study's response surface and write its cache file, by\n"
		"default where explore, optimize and pareto look for it; print the path.\n"
		"  --samples N      Monte-Carlo samples (default 1000)\n"
		"  --seed S         random seed (default 1)\n"
		"  --design D       sampling design: mc (default), lhs or qmc\n"
		"  --threads T      worker threads (the file does not depend on it)\n"
		"  --cache DIR      the cache directory; --no-cache: build afresh\n"
		"  --output FILE    write the surface file there instead\n"
		"  --shard I/N      compute only shard I of N of the samples into the\n"
		"                   shard file --output FILE; join the shards with\n"
		"                   'tyche-run merge SHARDS... -o FILE'\n"
		"  --models PATH    model search path (DIR[:DIR...])\n");
	if (rc >= 0)
		return rc;
	rc = run_load_context(o.context, &o.load, &ctx);
	if (rc)
		return rc;
	run_analysis_opts(&o, &ao);
	if (o.shard_count) {
		rc = tyche_surface_shard(ctx, &ao, o.shard_index, o.shard_count, o.output, &err);
		tyche_context_free(ctx);
		return rc ? fail(&err) : 0;
	}
	path = o.output ? NULL : tyche_surface_cache_path(ctx, &ao);
	if (!o.output && !path) {
		fprintf(stderr, "tyche-run surface: no cache directory (--no-cache, or no HOME): "
			"give --output FILE\n");
		tyche_context_free(ctx);
		return RUN_EX_USAGE;
	}
	rc = tyche_surface_build(&s, ctx, &ao, &from_cache, &err);
	/* the build writes the cache quietly; write again to report failure */
	if (!rc && (o.output || !from_cache))
		rc = tyche_surface_write(s, o.output ? o.output : path, &err);
	if (!rc)
		printf("%s\n", o.output ? o.output : path);
	else
		rc = fail(&err);
	if (!rc && fflush(stdout))
		rc = RUN_EX_CANTCREAT;
	tyche_surface_free(s);
	tyche_context_free(ctx);
	free(path);
	return rc;
}
