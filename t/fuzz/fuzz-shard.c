/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-shard.c - libFuzzer target for what `tyche-run merge` reads: shard
 * files (lib/shard.c, lib/shard-eval.c, lib/shard-merge.c).
 *
 * A shard ends with a BLAKE2b checksum of everything before it, which a
 * random byte string never carries, so the target appends the right one:
 * otherwise the fuzzer would never get past the checksum into the header
 * parser, the range and layout checks and the replay, where the
 * interesting code is.  The first input byte picks the shape:
 *   b % 2 == 0  the rest is the file before its checksum, as is;
 *   b % 2 == 1  the rest is "HEADER-JSON\0PAYLOAD": the target frames it
 *               (magic, length, padding), so most inputs reach the JSON.
 * The file is then merged alone and as two copies (a doubled shard).
 * Checked: no crash, hang or sanitizer report; a refusal has a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "tyche.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[256];

static int discard(const char *buf, size_t n, void *arg)
{
	(void)buf;
	(void)n;
	(void)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char sum[32];
	unsigned char *file;
	size_t len = 0;
	FILE *f;

	if (!path[0]) {
		const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

		if (sodium_init() < 0)
			abort();
		snprintf(path, sizeof path, "%s/fuzz-shard.%ld", shm, (long)getpid());
	}
	if (size < 1 || size > (1u << 20))
		return 0;
	file = malloc(size + 64);
	if (!file)
		return 0;
	if (data[0] % 2 == 0) {
		memcpy(file, data + 1, size - 1);
		len = size - 1;
	} else {
		const uint8_t *nul = memchr(data + 1, 0, size - 1);
		size_t hl = nul ? (size_t)(nul - (data + 1)) : size - 1;
		size_t pl = nul ? size - 1 - hl - 1 : 0;
		uint64_t h = hl;

		memcpy(file, "TYSHARD1", 8);
		memcpy(file + 8, &h, 8);
		memcpy(file + 16, data + 1, hl);
		len = 16 + hl;
		while (len % 8)
			file[len++] = 0;
		if (pl)
			memcpy(file + len, nul + 1, pl);
		len += pl;
	}
	crypto_generichash(sum, sizeof sum, file, len, NULL, 0);
	memcpy(file + len, sum, sizeof sum);
	len += sizeof sum;
	f = fopen(path, "wb");
	if (f) {
		const char *const one[1] = { path }, *const two[2] = { path, path };
		tyche_merge_opts mo = TYCHE_MERGE_OPTS_INIT;
		tyche_diags w = TYCHE_DIAGS_INIT;
		tyche_error err = { 0 };

		fwrite(file, 1, len, f);
		fclose(f);
		mo.write = discard;
		mo.threads = 1;
		if (tyche_shards_merge(one, 1, &mo, &w, &err) && !err.msg[0])
			abort();   /* a refusal must say why */
		tyche_diags_release(&w);
		memset(&err, 0, sizeof err);
		if (tyche_shards_merge(two, 2, &mo, &w, &err) == 0)
			abort();   /* one shard twice never tiles a run */
		tyche_diags_release(&w);
		unlink(path);
	}
	free(file);
	return 0;
}
