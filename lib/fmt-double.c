/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fmt-double.c - ty_fmt_double, the one number formatter of libtyche:
 * the shortest decimal that strtod reads back to the same double, laid
 * out as the earlier printf-based formatter did.
 *
 * Digits (a Schubfach-class method, after R. Giulietti, "The Schubfach
 * way to render doubles"): v = c 2^q.  Its rounding interval (the reals
 * strtod maps to v) is [v - 2^(q-1), v + 2^(q-1)], or [v - 2^(q-2), ...]
 * when c = 2^52 (the gap below a power of two is half as wide); both ends
 * belong to it when c is even (strtod breaks ties to the even mantissa),
 * neither when c is odd.  k = floor(log10 of the interval width) makes
 * the width 1..10 units of 10^k, so the interval holds at most one
 * multiple of 10 (the answer one digit shorter than s = floor(v / 10^k),
 * and every shorter answer is such a multiple) and at least one of s and
 * s + 1; of two candidates the closer to v is taken, ties to even.  v,
 * its two ends and s are scaled by 10^-k through a 126-bit g(k) >= 10^-k
 * 2^(125 - floor(log2 10^-k)) and one 64x128-bit product, rounded to odd
 * (floor, lowest bit set when the top 63 fraction bits are not all zero),
 * which keeps every comparison with a multiple of 4 exact.  Each g(k) is
 * computed on first use by exact big-integer arithmetic (nothing is
 * pasted in); the self-check compares every one with a one-sweep build.  What is easy to get wrong: the narrow lower gap at
 * c = 2^52 (but not for subnormals, whose gaps are all equal), excluding
 * the ends for odd c, and the sign of 0.0 (-0 prints "-0").
 *
 * Layout (byte-identical with the old snprintf("%.15g/%.16g/%.17g") +
 * strtod loop wherever that one already printed the shortest digits):
 *   - NaN (either sign) "NaN", infinities "inf" and "-inf";
 *   - a whole number of magnitude below 2^53, except -0, as its plain
 *     digits ("1000000000000000", never "1e+15"); -0 is "-0";
 *   - otherwise the n shortest digits d1..dn (no trailing zeros) with
 *     decimal exponent X (v ~ d1.d2..dn 10^X) laid out as printf's %.Pg
 *     with P = max(n, 15): exponent form "d1.d2..dne+XX" when X < -4 or
 *     X >= P, the exponent signed and of at least two digits ("e+16",
 *     "e-05", "e-324"), the point only when n > 1; else positional,
 *     "0.000ddd" for X < 0, "ddd00" (no point) or "dd.ddd" for X >= 0.
 * For normal doubles and n <= 15 the 15-digit %.15g value is the only
 * 15-digit decimal in the interval, so it is the shortest one padded;
 * for n = 16 and 17 both pick the closest; the only outputs that change
 * are shorter ones (subnormals: 5e-324 was 4.94065645841247e-324; and
 * powers of two whose closest 16-digit decimal lies in the narrow gap
 * below them while another 16-digit one reads back: 46 of the 2046 normal
 * ones, e.g. 2^-1017, 7.120236347223045e-307, was 7.1202363472230444e-307).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

typedef unsigned __int128 u128;

#define K_MIN (-324)   /* floor(log10(2^-1074)) */
#define K_MAX 292      /* floor(log10(2^971)) */
#define Q_MIN (-1074)
#define Q_MAX 971
#define C_MIN (1ull << 52)

/* g(k) = floor(10^-k 2^(125 - b(k))) + 1, b(k) = floor(log2 10^-k).
 * An entry is computed on first use (g_entry): building all 617 cost a
 * CGI process 1.9M instructions, 40 % of an explore request, for the
 * handful of exponents its numbers need.  Double-checked: ready[] is read
 * with acquire and set with release after the entry is written under
 * g_lock, so no thread reads a half-written entry and none writes one
 * another reads. */
#define G_N (K_MAX - K_MIN + 1)
struct g_ent {
	uint64_t hi, lo;
	int b;
};
static struct g_ent g_tab[G_N];
static atomic_uchar g_ready[G_N];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* --- exact big integers, only for building and checking the table ------ */

#define BN_WORDS 72    /* 2304 bits: 10^325 2^1076 in the self-check */

struct bn {
	uint32_t w[BN_WORDS];  /* little endian */
};

static void bn_set(struct bn *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->w[0] = v;
}

static void bn_mul_small(struct bn *a, uint32_t m)
{
	uint64_t carry = 0;

	for (int i = 0; i < BN_WORDS; i++) {
		uint64_t t = (uint64_t)a->w[i] * m + carry;

		a->w[i] = (uint32_t)t;
		carry = t >> 32;
	}
}

/* a = floor(a / d) */
static void bn_div_small(struct bn *a, uint32_t d)
{
	uint64_t rem = 0;

	for (int i = BN_WORDS - 1; i >= 0; i--) {
		uint64_t t = (rem << 32) | a->w[i];

		a->w[i] = (uint32_t)(t / d);
		rem = t % d;
	}
}

static int bn_bitlen(const struct bn *a)
{
	for (int i = BN_WORDS - 1; i >= 0; i--)
		if (a->w[i])
			return 32 * i + 32 - __builtin_clz(a->w[i]);
	return 0;
}

/* bits [lo, lo + 64) of a, as one word (floor(a / 2^lo) mod 2^64) */
static uint64_t bn_bits64(const struct bn *a, int lo)
{
	uint64_t r = 0;

	for (int j = 0; j < 64; j++) {
		int bit = lo + j;

		if (bit >= 0 && bit < 32 * BN_WORDS && (a->w[bit / 32] >> (bit % 32) & 1))
			r |= 1ull << j;
	}
	return r;
}

static void bn_shl(struct bn *a, int n)
{
	struct bn r;

	memset(&r, 0, sizeof(r));
	for (int i = BN_WORDS - 1; i >= 0; i--) {
		int d = i + n / 32;

		if (d < BN_WORDS)
			r.w[d] |= a->w[i] << (n % 32);
		if (n % 32 && d + 1 < BN_WORDS)
			r.w[d + 1] |= a->w[i] >> (32 - n % 32);
	}
	*a = r;
}

static int bn_cmp(const struct bn *a, const struct bn *b)
{
	for (int i = BN_WORDS - 1; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

/* g = floor(x / 2^sh) + 1 where x has its top bit at sh + 125 */
static void store_g(struct g_ent *t, int k, const struct bn *x, int sh)
{
	uint64_t lo = bn_bits64(x, sh), hi = bn_bits64(x, sh + 64);

	lo++;
	if (!lo)
		hi++;
	t[k - K_MIN].hi = hi;
	t[k - K_MIN].lo = lo;
}

/* The whole table in one sweep (10^e by successive products, 2^M / 10^k
 * by successive quotients): the self-check's reference for g_entry. */
static void build_table(struct g_ent *t)
{
	struct bn p, q;
	/* Q_d = floor(2^M / 10^d), kept exact by dividing by 10 each step */
	const int M = 1120;

	/* k <= 0: 10^-k = 10^e an integer, e = 0 .. -K_MIN */
	bn_set(&p, 1);
	for (int e = 0; e <= -K_MIN; e++) {
		int bl = bn_bitlen(&p);

		t[-e - K_MIN].b = bl - 1;
		if (bl - 1 <= 125) {
			struct bn x = p;

			bn_shl(&x, 125 - (bl - 1));
			store_g(t, -e, &x, 0);
		} else {
			store_g(t, -e, &p, bl - 1 - 125);
		}
		bn_mul_small(&p, 10);
	}
	/* k > 0: 10^-k = 1 / 10^k; b = -bitlen(10^k) (10^k is no power of 2) */
	bn_set(&p, 1);
	bn_set(&q, 1);
	bn_shl(&q, M);
	for (int k = 1; k <= K_MAX; k++) {
		bn_mul_small(&p, 10);
		bn_div_small(&q, 10);
		int bl = bn_bitlen(&p);

		t[k - K_MIN].b = -bl;
		/* floor(2^(125 + bl) / 10^k) = floor(Q_k / 2^(M - 125 - bl)) */
		store_g(t, k, &q, M - 125 - bl);
	}
}

/* a *= 10^e (products by 10^9, then by the rest) */
static void bn_mul_pow10(struct bn *a, int e)
{
	for (; e >= 9; e -= 9)
		bn_mul_small(a, 1000000000u);
	while (e-- > 0)
		bn_mul_small(a, 10);
}

/* a = floor(a / 10^e): nested floors of exact quotients are exact */
static void bn_div_pow10(struct bn *a, int e)
{
	for (; e >= 9; e -= 9)
		bn_div_small(a, 1000000000u);
	while (e-- > 0)
		bn_div_small(a, 10);
}

/* Entry k alone, by the same arithmetic as build_table. */
static void compute_entry(int k)
{
	struct bn p;
	const int M = 1120;

	bn_set(&p, 1);
	if (k <= 0) {
		bn_mul_pow10(&p, -k);
		int bl = bn_bitlen(&p);

		g_tab[k - K_MIN].b = bl - 1;
		if (bl - 1 <= 125) {
			bn_shl(&p, 125 - (bl - 1));
			store_g(g_tab, k, &p, 0);
		} else {
			store_g(g_tab, k, &p, bl - 1 - 125);
		}
	} else {
		struct bn q;

		bn_mul_pow10(&p, k);
		int bl = bn_bitlen(&p);

		g_tab[k - K_MIN].b = -bl;
		bn_set(&q, 1);
		bn_shl(&q, M);
		bn_div_pow10(&q, k);
		store_g(g_tab, k, &q, M - 125 - bl);
	}
}

/* the first use of entry i: computed under the lock (kept out of line,
 * so the ready test inlines into every call) */
static __attribute__((noinline)) void g_fill(int i)
{
	pthread_mutex_lock(&g_lock);
	if (!atomic_load_explicit(&g_ready[i], memory_order_relaxed)) {
		compute_entry(i + K_MIN);
		atomic_store_explicit(&g_ready[i], 1, memory_order_release);
	}
	pthread_mutex_unlock(&g_lock);
}

static inline const struct g_ent *g_entry(int k)
{
	int i = k - K_MIN;

	if (__builtin_expect(!atomic_load_explicit(&g_ready[i], memory_order_acquire), 0))
		g_fill(i);
	return &g_tab[i];
}

/* --- the digits ---------------------------------------------------------- */

/* floor(q log10 2) and floor(log10(3/4 2^q)) for |q| <= 1100 (checked
 * exactly by ty_fmt_double_selfcheck) */
static int flog10_pow2(int q)
{
	return (int)((int64_t)q * 661971961083LL >> 41);
}

static int flog10_three_quarters_pow2(int q)
{
	return (int)(((int64_t)q * 661971961083LL - 274743187321LL) >> 41);
}

/* floor(g cp / 2^127), lowest bit set when bits 64..126 of g cp are not
 * all zero (round to odd) */
static uint64_t scale_odd(uint64_t ghi, uint64_t glo, uint64_t cp)
{
	u128 a = (u128)glo * cp, b = (u128)ghi * cp;
	u128 mid = b + (a >> 64);               /* floor(g cp / 2^64) */
	uint64_t r = (uint64_t)(mid >> 63);

	return r | (((uint64_t)mid & 0x7fffffffffffffffull) != 0);
}

/* v = c 2^q > 0: shortest digits *f and exponent *e10 (v ~ f 10^e10) */
static void shortest(uint64_t c, int q, uint64_t *f, int *e10)
{
	int out = (int)(c & 1), k;
	uint64_t cb = c << 2, cbr = cb + 2, cbl;

	if (c != C_MIN || q == Q_MIN) {
		cbl = cb - 2;
		k = flog10_pow2(q);
	} else {
		cbl = cb - 1;
		k = flog10_three_quarters_pow2(q);
	}
	const struct g_ent *g = g_entry(k);
	int h = q + g->b + 2;
	uint64_t ghi = g->hi, glo = g->lo;
	uint64_t vb = scale_odd(ghi, glo, cb << h);
	uint64_t vbl = scale_odd(ghi, glo, cbl << h);
	uint64_t vbr = scale_odd(ghi, glo, cbr << h);
	uint64_t s = vb >> 2;

	if (s >= 10) {
		uint64_t sp = s / 10 * 10, tp = sp + 10;
		int u_in = vbl + out <= sp << 2;
		int w_in = (tp << 2) + out <= vbr;

		if (u_in != w_in) {
			*f = u_in ? sp : tp;
			*e10 = k;
			return;
		}
	}
	uint64_t t = s + 1;
	int u_in = vbl + out <= s << 2;
	int w_in = (t << 2) + out <= vbr;

	if (u_in != w_in) {
		*f = u_in ? s : t;
	} else {
		/* both: the closer; vb vs 4s + 2, the midpoint, ties to even */
		uint64_t mid = (s << 2) + 2;

		*f = vb < mid || (vb == mid && !(s & 1)) ? s : t;
	}
	*e10 = k;
}

/* --- layout -------------------------------------------------------------- */

static char *put_exp(char *p, int x)
{
	*p++ = 'e';
	*p++ = x < 0 ? '-' : '+';
	if (x < 0)
		x = -x;
	if (x >= 100) {
		*p++ = (char)('0' + x / 100);
		x %= 100;
	}
	*p++ = (char)('0' + x / 10);
	*p++ = (char)('0' + x % 10);
	return p;
}

static const char pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of f >= 1 (f < 10^19). */
static int ndigits(uint64_t f)
{
	static const uint64_t p10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
		1000000000000ull, 10000000000000ull, 100000000000000ull,
		1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
		1000000000000000000ull, 10000000000000000000ull
	};
	int t = (64 - __builtin_clzll(f)) * 1233 >> 12;   /* ~ log10 2^bits */

	return t + (f >= p10[t]);
}

/* The n digits of f < 10^9 ending at end, two at a time. */
static void put_u32(char *end, uint32_t f, int n)
{
	while (n >= 2) {
		uint32_t q = f / 100;

		end -= 2;
		memcpy(end, pairs + 2 * (f - 100 * q), 2);
		f = q;
		n -= 2;
	}
	if (n)
		end[-1] = (char)('0' + f);
}

/* Exactly eight digits of f < 10^8 at d (leading zeros kept): the four
 * pairs come from two levels of independent divisions, not a chain of
 * four. */
static void put8(char *d, uint32_t f)
{
	uint32_t hi = f / 10000, lo = f - hi * 10000;
	uint32_t a = hi / 100, b = hi - a * 100, c = lo / 100, e = lo - c * 100;

	memcpy(d, pairs + 2 * a, 2);
	memcpy(d + 2, pairs + 2 * b, 2);
	memcpy(d + 4, pairs + 2 * c, 2);
	memcpy(d + 6, pairs + 2 * e, 2);
}

/* The n = ndigits(f) digits of f at d: the low eight and the rest are
 * independent. */
static void put_digits(char *d, uint64_t f, int n)
{
	if (n > 8) {
		uint64_t hi = f / 100000000u;

		put8(d + n - 8, (uint32_t)(f - hi * 100000000u));
		if (n > 16) {
			uint64_t top = hi / 100000000u;

			put8(d + n - 16, (uint32_t)(hi - top * 100000000u));
			put_u32(d + n - 16, (uint32_t)top, n - 16);
		} else if (n == 16) {
			put8(d, (uint32_t)hi);
		} else {
			put_u32(d + n - 8, (uint32_t)hi, n - 8);
		}
	} else {
		put_u32(d + n, (uint32_t)f, n);
	}
}

size_t ty_fmt_double_len(double v, char *buf)
{
	char *p = buf;
	uint64_t bits;

	if (isnan(v)) {
		memcpy(buf, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		memcpy(buf, v > 0 ? "inf" : "-inf", v > 0 ? 4 : 5);
		return v > 0 ? 3 : 4;
	}
	memcpy(&bits, &v, sizeof(bits));
	if (bits >> 63)
		*p++ = '-';
	bits &= ~(1ull << 63);
	if (!bits) {
		*p++ = '0';
		*p = '\0';
		return (size_t)(p - buf);
	}

	/* whole numbers below 2^53 (common in model data): plain digits
	 * (below 2^53 the conversion truncates exactly, so equal means whole) */
	double a = fabs(v);

	if (a < 9007199254740992.0 && (double)(uint64_t)a == a) {
		uint64_t u = (uint64_t)a;
		int n = ndigits(u);

		put_digits(p, u, n);
		p += n;
		*p = '\0';
		return (size_t)(p - buf);
	}

	int be = (int)(bits >> 52);
	uint64_t c = bits & (C_MIN - 1), f;
	int q, e10;

	if (be) {
		c |= C_MIN;
		q = be - 1075;
	} else {
		q = Q_MIN;
	}
	shortest(c, q, &f, &e10);

	int n;

	/* trailing zeros (up to 16): most data has none (one test); else
	 * steps of 8, 4, 2, 1 rather than a chain of single digits */
	if (f % 10 == 0) {
		while (f % 100000000 == 0) {
			f /= 100000000;
			e10 += 8;
		}
		if (f % 10000 == 0) {
			f /= 10000;
			e10 += 4;
		}
		if (f % 100 == 0) {
			f /= 100;
			e10 += 2;
		}
		if (f % 10 == 0) {
			f /= 10;
			e10++;
		}
	}
	n = ndigits(f);      /* f >= 1: v > 0 */

	int x = e10 + n - 1, prec = n < 15 ? 15 : n;

	/* the digits go straight to their place (no copy through a buffer:
	 * a variable-length memcpy is a library call) */
	if (x < -4 || x >= prec) {
		put_digits(p + 1, f, n);   /* d1 moves in front of the point */
		p[0] = p[1];
		if (n > 1) {
			p[1] = '.';
			p += n + 1;
		} else {
			p += 1;
		}
		p = put_exp(p, x);
	} else if (x < 0) {
		*p++ = '0';
		*p++ = '.';
		for (int i = -1; i > x; i--)
			*p++ = '0';
		put_digits(p, f, n);
		p += n;
	} else if (n <= x + 1) {
		put_digits(p, f, n);
		p += n;
		for (int i = n; i <= x; i++)
			*p++ = '0';
	} else {
		/* dd.ddd: the integer digits move one place left of the rest */
		put_digits(p + 1, f, n);
		for (int i = 0; i <= x; i++)
			p[i] = p[i + 1];
		p[x + 1] = '.';
		p += n + 1;
	}
	*p = '\0';
	return (size_t)(p - buf);
}

const char *ty_fmt_double(double v, char *buf)
{
	ty_fmt_double_len(v, buf);
	return buf;
}

/* --- self-check ---------------------------------------------------------- */

/* sign of 10^a 2^b - r, exactly (r >= 1 small) */
static int cmp_pow(int a, int b, uint32_t r)
{
	struct bn l, rr;

	bn_set(&l, 1);
	bn_set(&rr, r);
	for (int i = 0; i < (a < 0 ? -a : a); i++)
		bn_mul_small(a < 0 ? &rr : &l, 10);
	if (b > 0)
		bn_shl(&l, b);
	else if (b < 0)
		bn_shl(&rr, -b);
	return bn_cmp(&l, &rr);
}

int ty_fmt_double_selfcheck(char *msg, size_t n)
{
	static struct g_ent ref[G_N];

	/* every entry computed alone equals the one-sweep table */
	build_table(ref);
	for (int k = K_MIN; k <= K_MAX; k++) {
		const struct g_ent *g = g_entry(k);

		if (g->hi != ref[k - K_MIN].hi || g->lo != ref[k - K_MIN].lo ||
		    g->b != ref[k - K_MIN].b) {
			snprintf(msg, n, "g(%d) computed alone differs from the table", k);
			return -1;
		}
	}
	for (int q = Q_MIN; q <= Q_MAX; q++) {
		int k = flog10_pow2(q);

		/* 10^k <= 2^q < 10^(k+1), i.e. 10^k 2^-q <= 1 < 10^(k+1) 2^-q */
		if (cmp_pow(k, -q, 1) > 0 || cmp_pow(k + 1, -q, 1) <= 0) {
			snprintf(msg, n, "flog10_pow2(%d) = %d is wrong", q, k);
			return -1;
		}
		k = flog10_three_quarters_pow2(q);
		/* 10^k <= 3 2^(q-2) < 10^(k+1) */
		if (cmp_pow(k, 2 - q, 3) > 0 || cmp_pow(k + 1, 2 - q, 3) <= 0) {
			snprintf(msg, n, "flog10_three_quarters_pow2(%d) = %d is wrong", q, k);
			return -1;
		}
		for (int pass = 0; pass < 2; pass++) {
			int kk = pass ? k : flog10_pow2(q);
			int h;

			if (kk < K_MIN || kk > K_MAX) {
				if (pass && q == Q_MIN)
					continue;   /* 3/4 form unused there */
				snprintf(msg, n, "k = %d out of the table for q = %d", kk, q);
				return -1;
			}
			h = q + g_entry(kk)->b + 2;
			/* cbr << h must fit 64 bits: cbr < 2^55 */
			if (h < 0 || h > 8) {
				snprintf(msg, n, "shift %d out of range for q = %d", h, q);
				return -1;
			}
		}
	}
	for (int k = K_MIN; k <= K_MAX; k++) {
		uint64_t hi = g_entry(k)->hi;

		/* g in (2^125, 2^126] */
		if (hi >> 62 > 1 || hi >> 61 == 0 || (hi >> 62 == 1 && g_entry(k)->lo)) {
			snprintf(msg, n, "g(%d) out of (2^125, 2^126]", k);
			return -1;
		}
		/* b(k) = floor(log2 10^-k): 2^b <= 10^-k < 2^(b+1) */
		int b = g_entry(k)->b;

		if (cmp_pow(-k, -b, 1) < 0 || cmp_pow(-k, -b - 1, 1) >= 0) {
			snprintf(msg, n, "b(%d) = %d is wrong", k, b);
			return -1;
		}
	}
	return 0;
}
