/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard-merge.c - tyche_shards_merge: open and check a set of shard files
 * (shard.c), then hand them to their kind's merge (shard-eval.c, ...).
 * The top of the shard files: it calls them all, none calls it.
 */
#include <string.h>

#include "shard.h"

int tyche_shards_merge(const char *const *paths, size_t n, const tyche_merge_opts *mo,
		       tyche_diags *warnings, tyche_error *err)
{
	static const struct {
		const char *kind;
		int (*merge)(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo,
			     tyche_diags *warnings, tyche_error *err);
	} kinds[] = {
		{ "evaluate", ty_shard_merge_evaluate },
		{ "surface", ty_shard_merge_surface },
		{ "pareto", ty_shard_merge_pareto },
		{ "sensitivity", ty_shard_merge_sensitivity },
		{ "voi", ty_shard_merge_voi },
	};
	struct ty_shard_in *v = NULL;
	int rc;

	if (!mo->write)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no output writer given");
	rc = ty_shards_open(&v, paths, n, err);
	if (!rc) {
		size_t k = 0;

		while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].kind, v[0].kind))
			k++;
		rc = k < sizeof kinds / sizeof kinds[0]
			? kinds[k].merge(v, n, mo, warnings, err)
			: ty_error_at(err, TYCHE_EDATA, v[0].path, 0, 0,
				      "shards of '%s' cannot be merged by this version", v[0].kind);
	}
	ty_shards_close(v, n);
	return rc;
}
