/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dist.h - distributions of Value/Amount cells and the counter-based random
 * numbers that sample them.
 *
 * A cell is a plain number or scipy.stats syntax, e.g.
 *   st.triang(0.5, loc=1, scale=2)    triang(0.5, 1, 2)
 *   mixture([0.7, 0.3], [st.triang(0.1, 0.5, 0.1), st.norm(1, 2)])
 * parsed by a real parser (never evaluated as code).  Sampling is by
 * inverse CDF from uniforms that are a pure function of (key, sample
 * index), so a result never depends on threads, blocks or order.
 */
#ifndef TY_DIST_H
#define TY_DIST_H

#include "internal.h"

enum ty_dist_kind {
	TY_DIST_CONST,      /* a = the value */
	TY_DIST_TRIANG,     /* c = a; loc, scale */
	TY_DIST_UNIFORM,    /* loc, scale */
	TY_DIST_NORM,       /* loc, scale */
	TY_DIST_TRUNCNORM,  /* a, b (standard units); loc, scale */
	TY_DIST_BETA,       /* a, b; loc, scale */
	TY_DIST_LOGNORM,    /* s = a; loc, scale */
	TY_DIST_GAMMA,      /* a; loc, scale */
	TY_DIST_WEIBULL_MIN,/* c = a; loc, scale */
	TY_DIST_EXPON,      /* loc, scale */
	TY_DIST_MIXTURE     /* ncomp, w (normalised to sum 1), comp */
};

struct ty_dist {
	enum ty_dist_kind kind;
	double a, b;              /* shape parameters (meaning per kind) */
	double loc, scale;
	size_t ncomp;             /* mixture only */
	double *w;                /* mixture weights, normalised */
	struct ty_dist *comp;     /* mixture components (array of ncomp) */
};

/*
 * Parse `text`.  On failure returns TYCHE_EDATA, sets *errpos to the 0-based
 * byte offset in text where parsing stopped, and writes a message (what was
 * found, what was expected) to msg.  Parameter checks (scale > 0, 0 <= c <=
 * 1, a < b, shapes > 0, weights >= 0 with positive sum, ...) are errors too.
 */
TY_HIDDEN int ty_dist_parse(const char *text, struct ty_dist **out,
			    size_t *errpos, char *msg, size_t msgsz);
TY_HIDDEN void ty_dist_free(struct ty_dist *d);
TY_HIDDEN int ty_dist_is_const(const struct ty_dist *d);
/* Canonical text, e.g. "st.triang(0.5, loc=1, scale=2)" (for reports). */
TY_HIDDEN char *ty_dist_format(const struct ty_dist *d);

TY_HIDDEN double ty_dist_mean(const struct ty_dist *d);
TY_HIDDEN double ty_dist_var(const struct ty_dist *d);
TY_HIDDEN double ty_dist_cdf(const struct ty_dist *d, double x);
/* Quantile (inverse CDF) at p in [0, 1]; for a mixture the generalised
 * inverse inf{x : F(x) >= p} found by bisection on the weighted CDF. */
TY_HIDDEN double ty_dist_quantile(const struct ty_dist *d, double p);
TY_HIDDEN double ty_dist_median(const struct ty_dist *d);

/* Key of one random stream: derived from the seed and the cell's identity. */
struct ty_rng_key {
	unsigned char k[32];
};
/* key = H(seed, parts[0], ..., parts[n-1]) with an unambiguous encoding
 * (length-prefixed parts), H = BLAKE2b-256 (libsodium). */
TY_HIDDEN void ty_rng_key_derive(struct ty_rng_key *key, uint64_t seed,
				 const char *const *parts, size_t nparts);
/* out[i] = uniform in the open interval (0, 1) number `stream` of sample
 * first + i, i < n.  ChaCha20 (libsodium) in counter mode: sample j, stream s
 * is the 64-bit word j of the keystream with nonce s. */
TY_HIDDEN void ty_rng_uniform(const struct ty_rng_key *key, unsigned stream,
			      uint64_t first, size_t n, double *out);

/* out[i] = a draw of sample first + i.  Constants draw nothing.  A mixture
 * picks its component with stream 0 and draws from it with stream 1. */
TY_HIDDEN void ty_dist_sample(const struct ty_dist *d, const struct ty_rng_key *key,
			      uint64_t first, size_t n, double *out);

#endif
