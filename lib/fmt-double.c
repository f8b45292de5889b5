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
 * pasted in); the self-check compares every one with a one-sweep build.
 * What is easy to get wrong: the narrow lower gap at
 * c = 2^52 (but not for subnormals, whose gaps are all equal), excluding
 * the ends for odd c, and the sign of 0.0 (-0 prints "-0").
 *
 * Speed (issue 17: in a streamed CSV of 12 numbers a sample the formatter
 * was 62% of the run):
 *   - each double takes one 64x128-bit product, not three: the two ends
 *     differ from v by 2^j units, and g 2^j is g shifted, so their
 *     floor(g x / 2^64) follow from v's with a carry (scale3; the
 *     self-check compares it with three products at every exponent);
 *   - the choice among s, s + 1 and the multiples of 10 is made without
 *     a branch (which of them wins depends on the data, so a branch was
 *     mispredicted about half the time);
 *   - the 17 digit places of f come from a table of the 10^4 four-digit
 *     groups (made by the preprocessor), two lookups a group of eight;
 *     trailing zeros are counted on the digit bytes, not divided out;
 *   - the significant digits sit in one 128-bit register (first digit in
 *     the low byte) and the point is merged in by masks, so each layout
 *     is a few fixed 16-byte stores with no loop: up to 25 bytes of buf
 *     are written (the contract is 32), the text ends at the NUL.
 *   Subnormals share the product and the choice; their digits, which can
 *   be fewer than 16, are counted and their trailing zeros divided out.
 *   Easy to get wrong: c = 2^52 at the smallest exponent (DBL_MIN) has the
 *   wide lower gap like a subnormal; a top digit in front of the register
 *   (17 digits); the point after the 16th digit.
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
 * all zero (round to odd): Schubfach's scaling, one product per value;
 * the formatter uses scale3, which the self-check compares with this */
static uint64_t scale_odd(uint64_t ghi, uint64_t glo, uint64_t cp)
{
	u128 a = (u128)glo * cp, b = (u128)ghi * cp;
	u128 mid = b + (a >> 64);               /* floor(g cp / 2^64) */
	uint64_t r = (uint64_t)(mid >> 63);

	return r | (((uint64_t)mid & 0x7fffffffffffffffull) != 0);
}

/* --- layout -------------------------------------------------------------- */

static const char pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static const uint64_t p10[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
	1000000000000ull, 10000000000000ull, 100000000000000ull,
	1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull, 10000000000000000000ull
};

/* Decimal digits of f >= 1 (f < 10^19). */
static inline int ndigits(uint64_t f)
{
	int t = (64 - __builtin_clzll(f)) * 1233 >> 12;   /* ~ log10 2^bits */

	return t + (f >= p10[t]);
}

/* The four digits of each i < 10^4 as four ASCII bytes, the first in the
 * low byte (the order of memory on a little-endian machine; store16 puts
 * it in memory order on any other).  Made by the preprocessor. */
#define FD4(a, b, c, d) ((uint32_t)('0' + (a)) | (uint32_t)('0' + (b)) << 8 | \
			 (uint32_t)('0' + (c)) << 16 | (uint32_t)('0' + (d)) << 24)
#define FD3(a, b, c) FD4(a, b, c, 0), FD4(a, b, c, 1), FD4(a, b, c, 2), FD4(a, b, c, 3), \
	FD4(a, b, c, 4), FD4(a, b, c, 5), FD4(a, b, c, 6), FD4(a, b, c, 7), FD4(a, b, c, 8), \
	FD4(a, b, c, 9)
#define FD2(a, b) FD3(a, b, 0), FD3(a, b, 1), FD3(a, b, 2), FD3(a, b, 3), FD3(a, b, 4), \
	FD3(a, b, 5), FD3(a, b, 6), FD3(a, b, 7), FD3(a, b, 8), FD3(a, b, 9)
#define FD1(a) FD2(a, 0), FD2(a, 1), FD2(a, 2), FD2(a, 3), FD2(a, 4), FD2(a, 5), \
	FD2(a, 6), FD2(a, 7), FD2(a, 8), FD2(a, 9)
static const uint32_t digits4[10000] = {
	FD1(0), FD1(1), FD1(2), FD1(3), FD1(4), FD1(5), FD1(6), FD1(7), FD1(8), FD1(9)
};
#undef FD1
#undef FD2
#undef FD3
#undef FD4

/* The eight digits of x < 10^8 (leading zeros kept), the first in the
 * low byte: two table entries, no chain of divisions. */
static inline uint64_t digits8(uint32_t x)
{
	uint32_t a = x / 10000, b = x - a * 10000;

	return digits4[a] | (uint64_t)digits4[b] << 32;
}

/* the sixteen low digits of f < 10^17 (leading zeros kept), first digit
 * in the low byte; *top: the seventeenth, the leading one */
static inline u128 digits16(uint64_t f, char *top)
{
	uint64_t hi = f / 100000000u;
	uint32_t t = (uint32_t)(hi / 100000000u);

	*top = (char)('0' + t);
	return digits8((uint32_t)(hi - (uint64_t)t * 100000000u)) |
	       (u128)digits8((uint32_t)(f - hi * 100000000u)) << 64;
}

/* 16 bytes at p, the register's low byte first */
static inline void store16(char *p, u128 v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap128(v);
#endif
	memcpy(p, &v, 16);
}

static char *put_exp(char *p, int x)
{
	int ax = x < 0 ? -x : x, big = ax >= 100, r = ax - 100 * (ax / 100);

	p[0] = 'e';
	p[1] = x < 0 ? '-' : '+';
	p[2] = (char)('0' + ax / 100);
	memcpy(p + 2 + big, pairs + 2 * r, 2);
	return p + 4 + big;
}

/*
 * scale_odd(g, cp), scale_odd(g, cp + 2^jr) and scale_odd(g, cp - 2^jl)
 * from one product.  scale_odd takes floor(g x / 2^64); for x = cp +- 2^j
 * that is floor(g cp / 2^64) +- floor(g 2^j / 2^64), plus (or minus) one
 * when the low words g cp mod 2^64 and g 2^j mod 2^64 carry (or borrow),
 * and g 2^j is g shifted (j <= 9 here).  The self-check compares this
 * with the three products for every exponent.
 */
static inline void scale3(uint64_t ghi, uint64_t glo, uint64_t cp, int jr, int jl,
			  uint64_t *vb, uint64_t *vbl, uint64_t *vbr)
{
	u128 a = (u128)glo * cp;
	u128 mid = (u128)ghi * cp + (a >> 64);        /* floor(g cp / 2^64) */
	uint64_t plo = (uint64_t)a, rlo = glo << jr, llo = glo << jl;
	/* floor(g 2^j / 2^64) in two words; glo >> (64 - j) in two steps,
	 * so that j = 0 never shifts by 64 */
	u128 qr = (u128)(ghi >> 1 >> (63 - jr)) << 64 | (ghi << jr | glo >> 1 >> (63 - jr));
	u128 ql = (u128)(ghi >> 1 >> (63 - jl)) << 64 | (ghi << jl | glo >> 1 >> (63 - jl));
	u128 mr = mid + qr + (plo + rlo < plo);
	u128 ml = mid - ql - (plo < llo);
	const uint64_t low63 = 0x7fffffffffffffffull;

	*vb = (uint64_t)(mid >> 63) | (((uint64_t)mid & low63) != 0);
	*vbl = (uint64_t)(ml >> 63) | (((uint64_t)ml & low63) != 0);
	*vbr = (uint64_t)(mr >> 63) | (((uint64_t)mr & low63) != 0);
}

static inline uint64_t pick(int c, uint64_t a, uint64_t b)
{
	return b ^ ((a ^ b) & (0 - (uint64_t)(c != 0)));
}

/* The number of trailing '0' digits of the 16 in d (16 when all are). */
static inline int trailing_zeros16(u128 d)
{
	const uint64_t z = 0x3030303030303030ull;
	uint64_t lo = (uint64_t)d ^ z, hi = (uint64_t)(d >> 64) ^ z;

	/* a digit byte XOR '0' is 0 for '0', 1..9 otherwise: whole zero
	 * bytes at the top of a word are trailing '0' digits */
	if (hi)
		return __builtin_clzll(hi) >> 3;
	return lo ? 8 + (__builtin_clzll(lo) >> 3) : 16;
}

/*
 * v = c 2^q > 0: the shortest digits f (trailing zeros still on) and *k,
 * v ~ f 10^k.  The scaled value and ends come from one product (scale3);
 * the choice is Schubfach's: the multiple of 10 when exactly one of sp,
 * tp is in the interval (and s >= 10), else whichever of s, s + 1 is in
 * it, and when both are, the closer to v (vb against 4s + 2, the
 * midpoint), ties to even; made without a branch.  c = 2^52 has the
 * narrow lower gap except at the smallest exponent (DBL_MIN), whose gap
 * below is a subnormal's, as wide as the one above.  For a normal double
 * s >= 2^52, so f has 16 or 17 digits; a subnormal's can have fewer.
 * f < 10^17 either way.
 */
static inline __attribute__((always_inline)) uint64_t shortest(uint64_t c, int q, int *k)
{
	int out = (int)(c & 1), jl;

	if (__builtin_expect(c != C_MIN || q == Q_MIN, 1)) {
		*k = flog10_pow2(q);
		jl = 1;                  /* lower end cb - 2 */
	} else {
		*k = flog10_three_quarters_pow2(q);
		jl = 0;                  /* lower end cb - 1: the narrow gap */
	}
	const struct g_ent *g = g_entry(*k);
	int h = q + g->b + 2, jr = h + 1;
	uint64_t vb, vbl, vbr;

	scale3(g->hi, g->lo, c << 2 << h, jr, h + jl, &vb, &vbl, &vbr);
	uint64_t s = vb >> 2, t = s + 1, sp = s / 10 * 10, tp = sp + 10;
	int up_in = vbl + out <= sp << 2, wp_in = (tp << 2) + out <= vbr;
	int u_in = vbl + out <= s << 2, w_in = (t << 2) + out <= vbr;
	uint64_t mp = (s << 2) + 2;
	int lower = (vb < mp) | ((vb == mp) & !(s & 1));
	uint64_t one = pick(u_in != w_in, pick(u_in, s, t), pick(lower, s, t));

	return pick((s >= 10) & (up_in != wp_in), pick(up_in, sp, tp), one);
}

size_t ty_fmt_double_len(double v, char *buf)
{
	char *p = buf, top;
	uint64_t bits, c;
	int be, n, x, lead;
	u128 d;

	memcpy(&bits, &v, sizeof(bits));
	be = (int)(bits >> 52 & 0x7ff);
	c = bits & (C_MIN - 1);
	if (__builtin_expect(be == 0x7ff, 0)) {
		if (c) {
			memcpy(buf, "NaN", 4);
			return 3;
		}
		memcpy(buf, bits >> 63 ? "-inf" : "inf", bits >> 63 ? 5 : 4);
		return bits >> 63 ? 4 : 3;
	}
	*p = '-';
	p += bits >> 63;
	if (!be && !c) {
		*p++ = '0';
		*p = '\0';
		return (size_t)(p - buf);
	}
	/* whole numbers below 2^53 (common in model data): plain digits;
	 * 1 <= |v| < 2^53 is 1023 <= be <= 1075, whole when the 1075 - be
	 * fraction bits are zero */
	if ((unsigned)(be - 1023) <= 52u) {
		uint64_t m = c | C_MIN;
		int fb = 1075 - be;

		if (!(m & ((1ull << fb) - 1))) {
			uint64_t u = m >> fb;

			n = ndigits(u);
			store16(p, digits16(u, &top) >> 8 * (16 - n));
			p += n;
			*p = '\0';
			return (size_t)(p - buf);
		}
	}
	if (__builtin_expect(be != 0, 1)) {
		int k, tz;

		d = digits16(shortest(c | C_MIN, be - 1075, &k), &top);
		lead = top != '0';
		tz = trailing_zeros16(d);
		/* 16 trailing zeros: only the top digit is left */
		n = 16 + lead - tz;
		x = k + 15 + lead;
	} else {
		/* subnormals: fewer digits possible, so the trailing zeros
		 * are divided out and the digits counted and aligned at the
		 * low byte */
		int e10;
		uint64_t f = shortest(c, Q_MIN, &e10);

		while (f % 10 == 0) {
			f /= 10;
			e10++;
		}
		n = ndigits(f);
		x = e10 + n - 1;
		d = digits16(f, &top);
		lead = n == 17;
		d = lead ? d : d >> 8 * (16 - n);
	}

	int prec = n < 15 ? 15 : n;

	/* the digits: top first when lead, then d from its low byte */
	if (x < -4 || x >= prec) {
		/* d1.d2..dn e+XX */
		p[0] = lead ? top : (char)d;
		p[1] = '.';
		store16(p + 2, lead ? d : d >> 8);
		p += n > 1 ? n + 1 : 1;
		p = put_exp(p, x);
	} else if (x < 0) {
		/* 0.000ddd (x >= -4: at most three zeros) */
		memcpy(p, "0.000000", 8);
		p += 1 - x;
		p[0] = top;
		store16(p + lead, d);
		p += n;
	} else if (n <= x + 1) {
		/* ddd00 (no point): only for whole numbers of 2^53 and more
		 * below 10^17 here */
		p[0] = top;
		store16(p + lead, d);
		p += n;
		for (int i = n; i <= x; i++)
			*p++ = '0';
	} else {
		/* dd.ddd: the point after the first x + 1 digits, i.e. after
		 * x + 1 - lead bytes of d (top first when lead) */
		int at = x + 1 - lead;
		u128 lo = ((u128)1 << 8 * at) - 1;

		p[0] = top;
		p += lead;
		store16(p, (d & lo) | (u128)'.' << 8 * at | (d & ~lo) << 8);
		p[16] = (char)(d >> 120);
		p += n + 1 - lead;
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
	/* scale3 against three scale_odd products, at every exponent (both
	 * lower ends) with the smallest, largest and some other significands,
	 * subnormal ones at be = 0 */
	for (int be = 0; be <= 2046; be++) {
		static const uint64_t cs[] = {
			C_MIN, C_MIN + 1, C_MIN + 2, 0x1fffffffffffffull, 0x1ffffffffffffeull,
			0x18000000000000ull, 0x1921fb54442d18ull, 0x15555555555555ull,
		}, sub[] = {
			1, 2, 3, 5, 12345, C_MIN - 1, C_MIN / 3, 0x921fb54442d18ull,
		};
		const uint64_t *cv = be ? cs : sub;
		int q = be ? be - 1075 : Q_MIN, k = flog10_pow2(q);

		for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
			for (int jl = q == Q_MIN; jl <= 1; jl++) {
				const struct g_ent *g = g_entry(jl ? k : flog10_three_quarters_pow2(q));
				int h = q + g->b + 2;
				uint64_t cp = cv[i] << 2 << h, a, b, cc;

				scale3(g->hi, g->lo, cp, h + 1, h + jl, &a, &b, &cc);
				if (a != scale_odd(g->hi, g->lo, cp) ||
				    b != scale_odd(g->hi, g->lo, cp - (1ull << (h + jl))) ||
				    cc != scale_odd(g->hi, g->lo, cp + (2ull << h))) {
					snprintf(msg, n, "scale3 differs from scale_odd at q = %d", q);
					return -1;
				}
			}
		}
	}
	/* the eight-digit groups: every x < 10^8 */
	for (uint32_t x = 0; x < 100000000u; x++) {
		uint64_t w = digits8(x), y = 0;

		for (int i = 0; i < 8; i++) {
			unsigned dg = (unsigned)(w >> 8 * i & 0xff) - '0';

			if (dg > 9)
				break;
			y = y * 10 + dg;
		}
		if (y != x) {
			snprintf(msg, n, "digits8(%u) gives %.8s", (unsigned)x, (const char *)&w);
			return -1;
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
