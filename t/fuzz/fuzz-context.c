/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-context.c - libFuzzer target for the context loader
 * (tyche_context_load with skip_models) fed through real CSV files.
 *
 * The base is the bundled example (examples/electrolysis, found next to
 * this file at build time or via $TYCHE_FUZZ_CONTEXT).  The first input
 * byte picks what the rest replaces:
 *   b % 8 in 0..6  that one table (designs, parameters, indices, functions,
 *                  results, tranches, investments) is the rest of the input;
 *   b % 8 == 7     the rest is split on the line "%%\n" into up to seven
 *                  tables in that order; an empty part keeps the example's.
 * Mutating one whole table keeps the other six valid, so the fuzzer gets
 * past "missing table" into the cross-table checks, which is where the
 * interesting code is.
 *
 * Files live in one scratch directory per process, under /dev/shm when it
 * exists; only tables that differ from the base are rewritten, and they are
 * restored on the next input.  A load that fails must leave error
 * diagnostics with a message; one that succeeds is summarised and freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static char *base[7];
static size_t base_len[7];
static int dirty[7];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct ty_buf b = TY_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		ty_buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return ty_buf_detach(&b);
}

static void put(int i, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.csv", dir, ty_table_names[i]);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
		abort();   /* the harness, not the loader, is broken */
}

static void cleanup(void)
{
	char path[512];

	for (int i = 0; i < 7; i++) {
		snprintf(path, sizeof path, "%s/%s.csv", dir, ty_table_names[i]);
		unlink(path);
		free(base[i]);
	}
	rmdir(dir);
}

static void setup(void)
{
	const char *src = getenv("TYCHE_FUZZ_CONTEXT");
	char from[1024], path[1200];

	if (!src) {
		/* __FILE__ is t/fuzz/fuzz-context.c as the compiler saw it */
		const char *slash = strrchr(__FILE__, '/');
		int n = slash ? (int)(slash - __FILE__) : 1;

		snprintf(from, sizeof from, "%.*s/../../examples/electrolysis", n,
			 slash ? __FILE__ : ".");
		src = from;
	}
	snprintf(dir, sizeof dir, "%s/tyche-fuzz-context.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	for (int i = 0; i < 7; i++) {
		snprintf(path, sizeof path, "%s/%s.csv", src, ty_table_names[i]);
		base[i] = slurp(path, &base_len[i]);
		if (!base[i]) {
			fprintf(stderr, "fuzz-context: cannot read %s (set TYCHE_FUZZ_CONTEXT)\n", path);
			abort();
		}
		put(i, base[i], base_len[i]);
	}
}

static void check_diags(const tyche_diags *d, int rc)
{
	if (rc == 0 && d->nerrors)
		abort();
	if (rc && rc != TYCHE_EDATA)
		abort();   /* the directory exists: only data errors are expected */
	if (rc && !d->nerrors)
		abort();   /* a failure says why */
	for (size_t i = 0; i < d->n; i++)
		if (!d->v[i].msg || !d->v[i].msg[0] || !d->v[i].where)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[7] = { 0 };
	size_t plen[7] = { 0 };
	int want[7] = { 0 };
	tyche_load_opts opts = TYCHE_LOAD_OPTS_INIT;
	tyche_diags diags = TYCHE_DIAGS_INIT;
	tyche_context *ctx = NULL;
	int rc;

	if (!dir[0])
		setup();
	if (size < 1 || size > (64u << 10))
		return 0;
	if (data[0] % 8 < 7) {
		int i = data[0] % 8;

		part[i] = data + 1;
		plen[i] = size - 1;
		want[i] = 1;
	} else {
		const uint8_t *p = data + 1, *end = data + size;

		for (int i = 0; i < 7 && p <= end; i++) {
			const uint8_t *m = NULL;

			for (const uint8_t *q = p; q + 3 <= end; q++)
				if ((q == p || q[-1] == '\n') && !memcmp(q, "%%\n", 3)) {
					m = q;
					break;
				}
			part[i] = p;
			plen[i] = (size_t)((m ? m : end) - p);
			want[i] = plen[i] > 0;
			if (!m)
				break;
			p = m + 3;
		}
	}
	for (int i = 0; i < 7; i++) {
		if (want[i]) {
			put(i, part[i], plen[i]);
			dirty[i] = 1;
		} else if (dirty[i]) {
			put(i, base[i], base_len[i]);
			dirty[i] = 0;
		}
	}
	opts.skip_models = 1;
	rc = tyche_context_load(&ctx, dir, &opts, &diags);
	check_diags(&diags, rc);
	if (rc == 0) {
		tyche_context_summary s;

		if (!ctx)
			abort();
		tyche_context_summarize(ctx, &s);
		if (!s.technologies || strlen(tyche_context_hash(ctx)) != 64)
			abort();
		tyche_context_free(ctx);
	} else if (ctx) {
		abort();   /* *out is set only on success */
	}
	tyche_diags_release(&diags);
	return 0;
}
