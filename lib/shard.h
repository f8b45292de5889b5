/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shard.h - the shard file container (internal): what every kind of
 * shard (evaluate, and any analysis split over samples or points) shares.
 *
 * A shard file is
 *   "TYSHARD1"  u64 header length (little-endian)  header JSON  zero pad
 *   to 8 bytes  payload  BLAKE2b-256 of everything before it.
 * The header's common fields: "kind", "study" {name, path, hash}, "seed"
 * (a string: 64 bits do not fit a JSON number), "shard" [I, N], "range"
 * [lo, hi] of "total" units named by "unit" ("samples", "points"),
 * "byte_order", "settings" (an object: every key must be equal across
 * the shards of one run) and "output" (the output asked for at shard
 * time: a default of the merge, free to differ).  A kind adds whatever it
 * needs beside them.
 */
#ifndef TY_SHARD_H
#define TY_SHARD_H

#include <cjson/cJSON.h>

#include "context.h"

/* The common header; the caller adds to h["settings"], h["output"] and
 * its own keys before ty_shard_begin.  NULL when out of memory. */
TY_HIDDEN cJSON *ty_shard_header(const char *kind, const tyche_context *ctx, uint64_t seed,
				 unsigned index, unsigned count, uint64_t lo, uint64_t hi,
				 uint64_t total, const char *unit);

/* Writing: a temporary file beside `path` of the final size, filled by
 * ty_shard_put at payload offsets (any order, from one thread), then
 * checksummed, synced and renamed by ty_shard_commit.  ty_shard_abort
 * removes it.  ty_shard_begin takes the header (frees it). */
struct ty_shard_w;
TY_HIDDEN int ty_shard_begin(struct ty_shard_w **out, const char *path, cJSON *hdr,
			     uint64_t payload_bytes, tyche_error *err);
TY_HIDDEN int ty_shard_put(struct ty_shard_w *w, uint64_t off, const void *p, size_t n);
TY_HIDDEN int ty_shard_commit(struct ty_shard_w *w, tyche_error *err);
TY_HIDDEN void ty_shard_abort(struct ty_shard_w *w);

/* Reading: one shard, mapped read-only, checksum verified. */
struct ty_shard_in {
	const char *path;
	cJSON *hdr;
	const char *kind;
	uint64_t lo, hi, total;
	unsigned index, count;
	const void *payload;      /* 8-byte aligned */
	uint64_t payload_bytes;
	void *map;
	size_t map_len;
};

/* Open every path, check each is intact and that all are shards of one
 * run (kind, study hash, seed, total, settings) that tile 0 .. total
 * exactly.  *out is sorted by range; free with ty_shards_close even on
 * error.  Errors name the file and the problem. */
TY_HIDDEN int ty_shards_open(struct ty_shard_in **out, const char *const *paths, size_t n,
			     tyche_error *err);
TY_HIDDEN void ty_shards_close(struct ty_shard_in *v, size_t n);

/* Header helpers: a string (or "" if absent) at h[a] or h[a][b]. */
TY_HIDDEN const char *ty_shard_str(const cJSON *h, const char *a, const char *b);

/* The kinds' merges (shard-*.c), called by tyche_shards_merge with the
 * checked, sorted shards. */
TY_HIDDEN int ty_shard_merge_evaluate(struct ty_shard_in *v, size_t n,
				      const tyche_merge_opts *mo, tyche_diags *warnings,
				      tyche_error *err);
TY_HIDDEN int ty_shard_merge_pareto(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo, tyche_diags *warnings, tyche_error *err);
TY_HIDDEN int ty_shard_merge_surface(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo, tyche_diags *warnings, tyche_error *err);
TY_HIDDEN int ty_shard_merge_sensitivity(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo, tyche_diags *warnings, tyche_error *err);
TY_HIDDEN int ty_shard_merge_voi(struct ty_shard_in *v, size_t n, const tyche_merge_opts *mo, tyche_diags *warnings, tyche_error *err);

#endif
