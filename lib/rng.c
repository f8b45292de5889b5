/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rng.c - counter-based random numbers: a key per random quantity, and
 * uniforms that are a pure function of (key, stream, sample index).
 *
 * Key:  BLAKE2b-256 (libsodium crypto_generichash) over
 *         "tyche-rng-v1" || u64le(seed) || u64le(nparts) ||
 *         for each part: u64le(len) || bytes
 *       The length prefixes make ("ab", "c") and ("a", "bc") different keys.
 * Draw: sample j of stream s is the 64-bit little-endian word j of the
 *       original (64-bit nonce, 64-bit counter) ChaCha20 keystream with
 *       nonce u64le(s): block counter j / 8, word j % 8 of that block.
 *       Uniform u = ((x >> 12) + 0.5) * 2^-52.
 *
 * The decision a newcomer would get wrong: "((x >> 11) + 0.5) * 2^-53"
 * looks like it gives the 2^53 bin centres, but (2^53 - 1) + 0.5 is not a
 * double and rounds up to 2^53, so u would be exactly 1.0 and an inverse
 * CDF would return +inf.  With 52 bits every bin centre is exact and
 * 2^-53 <= u <= 1 - 2^-53.  The djb ChaCha20 variant (not IETF) is used
 * because its 64-bit block counter never wraps for any sample index.
 */
#include <pthread.h>
#include <string.h>
#include <sodium.h>

#include "dist.h"

#define RNG_CHUNK_BLOCKS 64  /* keystream generated per libsodium call */

static pthread_once_t rng_once = PTHREAD_ONCE_INIT;

/* sodium_init only selects the fastest ChaCha20 code (the output is the
 * same); it is idempotent, so other callers of it do not matter. */
static void rng_init(void)
{
	if (sodium_init() < 0)
		return;  /* the portable code is still correct, only slower */
}

static void put_u64le(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/*
 * out[i] = ((x_i >> 12) + 0.5) 2^-52 for the little-endian words x_i at
 * ks, computed as (1 + m 2^-52) - 1 + 2^-53 with m = x >> 12 put in the
 * mantissa of a double in [1, 2): the subtraction is exact (Sterbenz) and
 * so is the addition ((2m + 1) 2^-53 has 53 significant bits), so the two
 * forms are the same double; this one has no integer-to-double conversion
 * and vectorises.
 */
static void to_uniform(const unsigned char *ks, size_t n, double *restrict out)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t x, bits;
		double d;

		memcpy(&x, ks + 8 * i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		x = __builtin_bswap64(x);
#endif
		bits = UINT64_C(0x3ff0000000000000) | (x >> 12);
		memcpy(&d, &bits, 8);
		out[i] = (d - 1.0) + 0x1p-53;
	}
}

void ty_rng_key_derive(struct ty_rng_key *key, uint64_t seed,
		       const char *const *parts, size_t nparts)
{
	static const char domain[] = "tyche-rng-v1";
	crypto_generichash_state st;
	unsigned char n8[8];

	crypto_generichash_init(&st, NULL, 0, sizeof(key->k));
	crypto_generichash_update(&st, (const unsigned char *)domain,
				  sizeof(domain) - 1);
	put_u64le(n8, seed);
	crypto_generichash_update(&st, n8, 8);
	put_u64le(n8, (uint64_t)nparts);
	crypto_generichash_update(&st, n8, 8);
	for (size_t i = 0; i < nparts; i++) {
		const char *p = parts[i] ? parts[i] : "";
		size_t len = strlen(p);

		put_u64le(n8, (uint64_t)len);
		crypto_generichash_update(&st, n8, 8);
		crypto_generichash_update(&st, (const unsigned char *)p, len);
	}
	crypto_generichash_final(&st, key->k, sizeof(key->k));
}

void ty_rng_uniform(const struct ty_rng_key *key, unsigned stream,
		    uint64_t first, size_t n, double *out)
{
	static const unsigned char zeros[64 * RNG_CHUNK_BLOCKS];
	unsigned char ks[64 * RNG_CHUNK_BLOCKS];
	unsigned char nonce[crypto_stream_chacha20_NONCEBYTES];
	uint64_t j = first;
	size_t done = 0;

	pthread_once(&rng_once, rng_init);
	put_u64le(nonce, (uint64_t)stream);
	while (done < n) {
		uint64_t block = j / 8;
		size_t off = (size_t)(j % 8), want = n - done, words, nblocks;

		nblocks = (off + want + 7) / 8;
		if (nblocks > RNG_CHUNK_BLOCKS)
			nblocks = RNG_CHUNK_BLOCKS;
		words = nblocks * 8 - off;
		if (words > want)
			words = want;
		crypto_stream_chacha20_xor_ic(ks, zeros, nblocks * 64, nonce,
					      block, key->k);
		to_uniform(ks + 8 * off, words, out + done);
		done += words;
		j += words;
	}
}
