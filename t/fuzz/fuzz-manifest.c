/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-manifest.c - libFuzzer target for what tyche-fetch reads from the
 * network and from its config: the signed manifest (signature line,
 * manifest.json) and the YAML sources config.
 *
 * The key is fixed (seeded from a constant), so the target can sign what
 * the fuzzer gives it: a random byte string never carries a valid Ed25519
 * signature, and without signing here the fuzzer would never get past
 * verify_sig into the manifest parser, which is where the interesting
 * code is (numbers as doubles, paths, sizes, duplicate files).
 *
 * The first input byte picks what the rest is:
 *   b % 4 in 0..1  manifest.json bytes, signed here, then verified and
 *                  parsed (ty_fetch_manifest_check, source "lake");
 *   b % 4 == 2     "<signature line>\n<manifest.json>", verified as is;
 *   b % 4 == 3     a tyche.yml, loaded with tyche_fetch_config_load.
 * Checked: no crash or sanitizer report; a failure has a message; an
 * accepted manifest has a version from 1 to 2^53-1.  Buffers are copied
 * to exact-size allocations so that ASan sees any read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char sk[crypto_sign_SECRETKEYBYTES];
static char kid[17];
static char cfg_path[256];

static void setup(void)
{
	unsigned char seed[crypto_sign_SEEDBYTES], md[crypto_hash_sha256_BYTES];
	const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_hash_sha256(md, pk, sizeof(pk));
	sodium_bin2hex(kid, sizeof(kid), md, 8);
	snprintf(cfg_path, sizeof(cfg_path), "%s/fuzz-manifest.%ld.yml", shm, (long)getpid());
}

static void check(const char *body, size_t len, const char *sig)
{
	tyche_error err = { 0 };
	long long v = 0;
	int cls = ty_fetch_manifest_check(pk, "lake", body, len, sig, 1ull << 30, &v, &err);

	if (cls && !err.msg[0])
		abort();           /* a refusal must say why */
	if (!cls && (v < 1 || (unsigned long long)v > TY_FETCH_MAX_VERSION))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *body, *sig;
	int mode;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1 || size > TY_FETCH_MAX_MANIFEST)
		return 0;
	mode = data[0] % 4;
	data++;
	size--;
	if (mode <= 1) {
		unsigned char raw[crypto_sign_BYTES];
		char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
						   sodium_base64_VARIANT_ORIGINAL)];
		char line[200];

		body = malloc(size ? size : 1);
		if (!body)
			return 0;
		memcpy(body, data, size);
		crypto_sign_detached(raw, NULL, (const unsigned char *)body, size, sk);
		sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
				  sodium_base64_VARIANT_ORIGINAL);
		snprintf(line, sizeof(line), "%s %s\n", kid, b64);
		check(body, size, line);
		free(body);
	} else if (mode == 2) {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t slen = nl ? (size_t)(nl - data) : size;

		sig = malloc(slen + 1);
		body = malloc(size - slen ? size - slen : 1);
		if (sig && body) {
			memcpy(sig, data, slen);
			sig[slen] = 0;
			if (size > slen)
				memcpy(body, nl + 1, size - slen - 1);
			check(body, size > slen ? size - slen - 1 : 0, sig);
		}
		free(sig);
		free(body);
	} else {
		FILE *f = fopen(cfg_path, "wb");
		tyche_fetch_config *c = NULL;
		tyche_error err = { 0 };

		if (!f)
			return 0;
		if (size)
			fwrite(data, 1, size, f);
		fclose(f);
		if (tyche_fetch_config_load(&c, cfg_path, &err)) {
			if (!err.msg[0] || c)
				abort();
		} else {
			for (size_t i = 0; i < tyche_fetch_config_count(c); i++)
				if (!tyche_fetch_config_name(c, i))
					abort();
			tyche_fetch_config_free(c);
		}
		unlink(cfg_path);
	}
	return 0;
}
