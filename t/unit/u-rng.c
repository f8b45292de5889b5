/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-rng.c - the counter-based generator: key encoding, the mapping of
 * (stream, sample) to ChaCha20 keystream words, independence from block
 * split and order, and the uniforms' range and distribution.
 *
 * The keystream is recomputed here straight from libsodium, so a change
 * of the documented mapping (which other implementations may reproduce)
 * fails this test instead of silently changing every result.
 */
#include <sodium.h>
#include <stdint.h>
#include "tap.h"    /* first: internal.h bans atoi, which stdlib.h defines */
#include "dist.h"

static void le64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* The documented key encoding, built byte by byte. */
static void expected_key(unsigned char out[32], uint64_t seed,
			 const char *const *parts, size_t n)
{
	unsigned char buf[512];
	size_t len = 0;

	memcpy(buf, "tyche-rng-v1", 12);
	len = 12;
	le64(buf + len, seed);
	len += 8;
	le64(buf + len, n);
	len += 8;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);

		le64(buf + len, l);
		len += 8;
		memcpy(buf + len, parts[i], l);
		len += l;
	}
	crypto_generichash(out, 32, buf, len, NULL, 0);
}

/* Uniform of sample j, stream s, computed the slow obvious way. */
static double expected_uniform(const struct ty_rng_key *k, unsigned s, uint64_t j)
{
	unsigned char nonce[8], block[64], zero[64] = { 0 };
	uint64_t x = 0;

	le64(nonce, s);
	crypto_stream_chacha20_xor_ic(block, zero, 64, nonce, j / 8, k->k);
	for (int i = 7; i >= 0; i--)
		x = (x << 8) | block[8 * (j % 8) + (size_t)i];
	return ((double)(x >> 12) + 0.5) / 4503599627370496.0;   /* 2^52 */
}

int main(void)
{
	struct ty_rng_key k1, k2, k3;
	const char *parts[] = { "Wind Turbine", "Reference", "designs", "17" };
	const char *ab_c[] = { "ab", "c" }, *a_bc[] = { "a", "bc" };
	const char *a1[] = { "a" }, *a2[] = { "a", "" };
	unsigned char want[32];
	static double all[1000], part[1000], one[1000];
	int same;

	if (sodium_init() < 0)
		return ok(0, "sodium_init"), tap_done();

	/* keys */
	ty_rng_key_derive(&k1, 42, parts, 4);
	ty_rng_key_derive(&k2, 42, parts, 4);
	ok(!memcmp(k1.k, k2.k, 32), "same seed and parts give the same key");
	expected_key(want, 42, parts, 4);
	ok(!memcmp(k1.k, want, 32), "key is BLAKE2b-256 of the documented encoding");
	ty_rng_key_derive(&k2, 43, parts, 4);
	ok(memcmp(k1.k, k2.k, 32) != 0, "a different seed gives a different key");
	ty_rng_key_derive(&k2, 42, ab_c, 2);
	ty_rng_key_derive(&k3, 42, a_bc, 2);
	ok(memcmp(k2.k, k3.k, 32) != 0, "(ab, c) and (a, bc) give different keys");
	ty_rng_key_derive(&k2, 42, a1, 1);
	ty_rng_key_derive(&k3, 42, a2, 2);
	ok(memcmp(k2.k, k3.k, 32) != 0, "(a) and (a, \"\") give different keys");
	ty_rng_key_derive(&k2, 42, NULL, 0);
	expected_key(want, 42, NULL, 0);
	ok(!memcmp(k2.k, want, 32), "no parts is fine");

	/* mapping to the keystream */
	ty_rng_uniform(&k1, 0, 0, 1000, all);
	same = 1;
	for (int j = 0; j < 1000; j++)
		if (all[j] != expected_uniform(&k1, 0, (uint64_t)j))
			same = 0;
	ok(same, "sample j of stream 0 is word j of the ChaCha20 keystream");
	ty_rng_uniform(&k1, 1, 0, 1000, part);
	same = 1;
	for (int j = 0; j < 1000; j++)
		if (part[j] != expected_uniform(&k1, 1, (uint64_t)j))
			same = 0;
	ok(same, "stream 1 uses nonce 1");
	same = 0;
	for (int j = 0; j < 1000; j++)
		same += all[j] == part[j];
	ok(same == 0, "streams 0 and 1 share no value in 1000 samples");

	/* block split and order */
	for (size_t at = 0, step = 1; at < 1000; at += step, step = step * 3 % 17 + 1)
		ty_rng_uniform(&k1, 0, at, at + step > 1000 ? 1000 - at : step, part + at);
	ok(!memcmp(all, part, sizeof(all)), "odd-sized chunks give identical bits");
	for (int j = 999; j >= 0; j--)
		ty_rng_uniform(&k1, 0, (uint64_t)j, 1, one + j);
	ok(!memcmp(all, one, sizeof(all)), "one at a time in reverse gives identical bits");
	part[0] = -1;
	ty_rng_uniform(&k1, 0, 0, 0, part);
	ok(part[0] == -1, "n = 0 writes nothing");

	/* far indices: block counter past 2^32 (where a 32-bit counter wraps) */
	{
		uint64_t base = (UINT64_C(1) << 35) - 13;
		double far[40], f1;
		int good = 1;

		ty_rng_uniform(&k1, 0, base, 40, far);
		for (int i = 0; i < 40; i++) {
			ty_rng_uniform(&k1, 0, base + (uint64_t)i, 1, &f1);
			if (f1 != far[i] || f1 != expected_uniform(&k1, 0, base + (uint64_t)i))
				good = 0;
		}
		ok(good, "samples around 2^35 match one by one and the keystream");
		ty_rng_uniform(&k1, 0, 0, 40, one);
		ok(memcmp(far, one, sizeof(far)) != 0, "block 2^32 is not block 0 again");
		ty_rng_uniform(&k1, 0, UINT64_MAX - 5, 6, far);
		ok(far[5] > 0 && far[5] < 1, "the last sample index works");
	}

	/* different seeds differ */
	ty_rng_key_derive(&k2, 43, parts, 4);
	ty_rng_uniform(&k2, 0, 0, 1000, part);
	same = 0;
	for (int j = 0; j < 1000; j++)
		same += all[j] == part[j];
	ok(same == 0, "seeds 42 and 43 share no value in 1000 samples");

	/* range and distribution */
	{
		size_t n = 1000000, bins[100] = { 0 };
		double *u = malloc(n * sizeof(*u)), mn = 1, mx = 0, sum = 0, chi = 0;

		ty_rng_uniform(&k1, 0, 12345, n, u);
		for (size_t i = 0; i < n; i++) {
			if (u[i] < mn)
				mn = u[i];
			if (u[i] > mx)
				mx = u[i];
			sum += u[i];
			bins[(size_t)(u[i] * 100)]++;
		}
		ok(mn > 0 && mx < 1, "1e6 uniforms are inside (0, 1): min %g, max 1-%g",
		   mn, 1 - mx);
		ok(fabs(sum / n - 0.5) < 4 * sqrt(1.0 / 12 / n),
		   "mean %.6f is 0.5 within 4 standard errors", sum / n);
		for (int b = 0; b < 100; b++)
			chi += ((double)bins[b] - n / 100.0) * ((double)bins[b] - n / 100.0) /
				(n / 100.0);
		/* chi-square with 99 degrees of freedom: mean 99, sd 14.07 */
		ok(chi < 99 + 4 * 14.07, "chi-square over 100 bins is %.1f (< 155)", chi);
		free(u);
	}
	return tap_done();
}
