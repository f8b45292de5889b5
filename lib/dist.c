/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dist.c - parse scipy.stats distribution cells, and their moments, CDF,
 * quantile and inverse-CDF sampling.
 *
 * Grammar (whitespace allowed between any two tokens):
 *   cell    := number | dist
 *   dist    := ["st" "."] family "(" [arg {"," arg} [","]] ")"
 *            | "mixture" "(" "[" number {"," number} [","] "]" ","
 *                            "[" dist {"," dist} [","] "]" [","] ")"
 *   arg     := number | name "=" number
 *   number  := ["+" | "-"] decimal with optional point and exponent
 * It is a recursive-descent parser over that grammar and nothing else:
 * cells come from uploaded workbooks and are never evaluated.  Arguments
 * follow scipy (shapes first, then loc=0, scale=1, by position or keyword).
 *
 * Every family is a loc-scale transform of a standard one, computed as
 * scipy does: x = loc + scale * ppf_std(p).  The decision a newcomer would
 * get wrong: GSL's default error handler calls abort() (e.g. when the beta
 * inverse fails to converge for absurd shapes from a fuzzed cell); we turn
 * it off once, so a failure gives NaN, never a crash of the CGI.
 *
 * The second one: NaN is not the worst GSL can do.  gsl_cdf_beta_Pinv
 * starts with a bisection that loops for ever when gsl_cdf_beta_P returns
 * NaN, and that CDF's continued fraction gives up (NaN) after 512 steps,
 * which shapes near 1e6 need.  So every family whose quantile is iterative
 * (beta, gamma) has its shapes limited by the parser to a box where GSL is
 * known to return (shape_ranges below; the table in doc/contributing.md
 * says why), and a beta outside that box (only a hand-built struct can
 * have one) is inverted by our own bracketed Brent search with a hard
 * iteration cap instead, as is a beta for which GSL's Newton polish gives
 * up (NaN, e.g. beta(1e4, 2) at some p).  Inside the box the same GSL
 * calls run as always, so every result GSL gave stays bit-identical.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_roots.h>

#include "dist.h"

#define DIST_MAX_TEXT 65536   /* bytes of one cell */
#define DIST_MAX_DEPTH 8      /* mixtures inside mixtures */
#define DIST_MAX_COMP 1024    /* components of one mixture */
#define DIST_MAX_ARGS 4

struct family {
	const char *name;
	enum ty_dist_kind kind;
	int nparams;                        /* shapes, then loc, scale */
	const char *params[DIST_MAX_ARGS];
};

/* keep in TY_DIST order (dist.h) */
static const struct family families[] = {
	{ "triang", TY_DIST_TRIANG, 3, { "c", "loc", "scale" } },
	{ "uniform", TY_DIST_UNIFORM, 2, { "loc", "scale" } },
	{ "norm", TY_DIST_NORM, 2, { "loc", "scale" } },
	{ "truncnorm", TY_DIST_TRUNCNORM, 4, { "a", "b", "loc", "scale" } },
	{ "beta", TY_DIST_BETA, 4, { "a", "b", "loc", "scale" } },
	{ "lognorm", TY_DIST_LOGNORM, 3, { "s", "loc", "scale" } },
	{ "gamma", TY_DIST_GAMMA, 3, { "a", "loc", "scale" } },
	{ "weibull_min", TY_DIST_WEIBULL_MIN, 3, { "c", "loc", "scale" } },
	{ "expon", TY_DIST_EXPON, 2, { "loc", "scale" } },
};

/*
 * Shapes of the families with an iterative quantile (GSL 2.7):
 *  - beta: gsl_cdf_beta_Pinv bisects until it brackets the answer and
 *    never ends if gsl_cdf_beta_P is NaN, which its continued fraction
 *    (512 steps, about sqrt(max(a, b)) needed) gives from a, b ~ 1e6 on.
 *    At 1e4 that is about a tenth of the cap; 2e6 random (a, b, x) up to
 *    3e5 gave no NaN.  Below 1e-3 the quantile underflows to 0 or NaN for
 *    almost every p.  Its Newton polish stops after 65 steps.
 *  - gamma: gsl_cdf_gamma_Pinv's Newton stops after 33 steps and the
 *    incomplete gamma it calls has capped series; every loop ends (at most
 *    about 1 ms a call up to a = 1e12).  Below 1e-3 the quantile is NaN or
 *    0 for almost every p; above 1e7 the draws are loc + a*scale give or
 *    take a relative 3e-4, better written as a norm.
 * Keep doc/contributing.md's table in step.
 */
#define BETA_SHAPE_MIN 1e-3
#define BETA_SHAPE_MAX 1e4
#define GAMMA_SHAPE_MIN 1e-3
#define GAMMA_SHAPE_MAX 1e7
#define BRENT_MAX_ITER 200   /* bisection alone would need 64 on doubles */

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_quiet(void)
{
	gsl_set_error_handler_off();
}

static const struct family *family_of(enum ty_dist_kind k)
{
	for (size_t i = 0; i < TY_ARRAY_SIZE(families); i++)
		if (families[i].kind == k)
			return &families[i];
	return NULL;
}

/* ---------------------------------------------------------------- parser */

struct parser {
	const char *s;
	size_t pos;
	int failed;
	int oom;
	size_t errpos;
	char *msg;
	size_t msgsz;
};

static int is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static void skip_ws(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	       p->s[p->pos] == '\r' || p->s[p->pos] == '\f' || p->s[p->pos] == '\v')
		p->pos++;
}

/* What is at `pos`, for "found ..." in messages. */
static const char *describe(const struct parser *p, size_t pos, char *buf, size_t n)
{
	const unsigned char *s = (const unsigned char *)p->s + pos;
	size_t len = 0;

	if (!*s)
		return "end of text";
	if (isalnum(*s) || *s == '_' || *s == '.') {
		while (len < 40 && (isalnum(s[len]) || s[len] == '_' || s[len] == '.' ||
				    ((s[len] == '+' || s[len] == '-') && len > 0 &&
				     (s[len - 1] == 'e' || s[len - 1] == 'E'))))
			len++;
		snprintf(buf, n, "'%.*s'", (int)len, (const char *)s);
	} else if (isprint(*s)) {
		snprintf(buf, n, "'%c'", *s);
	} else {
		snprintf(buf, n, "byte 0x%02x", *s);
	}
	return buf;
}

static void fail(struct parser *p, size_t pos, const char *fmt, ...) TY_PRINTF(3, 4);
static void fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	p->errpos = pos;
	if (p->msg && p->msgsz) {
		va_start(ap, fmt);
		vsnprintf(p->msg, p->msgsz, fmt, ap);
		va_end(ap);
	}
}

static void fail_oom(struct parser *p)
{
	fail(p, p->pos, "out of memory");
	p->oom = 1;
}

/* number := [+-] ws* digits [. digits] [e [+-] digits]; the value is read by
 * ty_parse_number, which refuses overflow to infinity. */
static int parse_number(struct parser *p, double *v, const char *what)
{
	char tok[400], fb[64];
	size_t start = p->pos, t = 0, digits = 0;
	const char *s = p->s;

	if (s[p->pos] == '+' || s[p->pos] == '-') {
		tok[t++] = s[p->pos++];
		skip_ws(p);
	}
	if (!isdigit((unsigned char)s[p->pos]) && s[p->pos] != '.') {
		fail(p, p->pos, "expected a number for %s, found %s", what,
		     describe(p, p->pos, fb, sizeof(fb)));
		return -1;
	}
	size_t nstart = p->pos;

	while (isdigit((unsigned char)s[p->pos])) {
		p->pos++;
		digits++;
	}
	if (s[p->pos] == '.') {
		p->pos++;
		while (isdigit((unsigned char)s[p->pos])) {
			p->pos++;
			digits++;
		}
	}
	if (!digits) {
		fail(p, nstart, "expected a number for %s, found %s", what,
		     describe(p, nstart, fb, sizeof(fb)));
		return -1;
	}
	if (s[p->pos] == 'e' || s[p->pos] == 'E') {
		size_t q = p->pos + 1;

		if (s[q] == '+' || s[q] == '-')
			q++;
		if (!isdigit((unsigned char)s[q])) {
			fail(p, p->pos, "malformed exponent in number for %s, found %s",
			     what, describe(p, nstart, fb, sizeof(fb)));
			return -1;
		}
		while (isdigit((unsigned char)s[q]))
			q++;
		p->pos = q;
	}
	if (is_ident(s[p->pos]) || s[p->pos] == '.') {
		fail(p, p->pos, "unexpected %s after the number for %s",
		     describe(p, p->pos, fb, sizeof(fb)), what);
		return -1;
	}
	if (t + (p->pos - nstart) + 1 > sizeof(tok)) {
		fail(p, start, "number for %s is longer than %zu characters", what,
		     sizeof(tok) - 2);
		return -1;
	}
	memcpy(tok + t, s + nstart, p->pos - nstart);
	t += p->pos - nstart;
	tok[t] = '\0';
	if (ty_parse_number(tok, v) != 0 || !isfinite(*v)) {
		fail(p, start, "number '%.40s%s' for %s is out of range", tok,
		     strlen(tok) > 40 ? "..." : "", what);
		return -1;
	}
	return 0;
}

/* Read an identifier at pos into buf (truncated); returns its length. */
static size_t read_ident(struct parser *p, char *buf, size_t n)
{
	size_t start = p->pos;

	while (is_ident((unsigned char)p->s[p->pos]))
		p->pos++;
	snprintf(buf, n, "%.*s", (int)(p->pos - start), p->s + start);
	return p->pos - start;
}

static void dist_release(struct ty_dist *d)
{
	if (!d)
		return;
	if (d->kind == TY_DIST_MIXTURE) {
		for (size_t i = 0; i < d->ncomp && d->comp; i++)
			dist_release(&d->comp[i]);
		free(d->comp);
		free(d->w);
	}
	d->comp = NULL;
	d->w = NULL;
	d->ncomp = 0;
}

static int check_params(struct parser *p, struct ty_dist *d, const char *name,
			const struct family *f, const double *v, const size_t *at)
{
	char b1[32], b2[32];
	int np = f->nparams;
	size_t iscale = (size_t)np - 1;

	if (!(v[iscale] > 0)) {
		fail(p, at[iscale], "scale of %s must be > 0, found %s", name,
		     ty_fmt_double(v[iscale], b1));
		return -1;
	}
	switch (f->kind) {
	case TY_DIST_TRIANG:
		if (!(v[0] >= 0 && v[0] <= 1)) {
			fail(p, at[0], "c of triang must be in [0, 1], found %s",
			     ty_fmt_double(v[0], b1));
			return -1;
		}
		break;
	case TY_DIST_TRUNCNORM:
		if (!(v[0] < v[1])) {
			fail(p, at[1], "truncnorm needs a < b, found a = %s, b = %s",
			     ty_fmt_double(v[0], b1), ty_fmt_double(v[1], b2));
			return -1;
		}
		break;
	case TY_DIST_BETA:
		for (int i = 0; i < 2; i++)
			if (!(v[i] >= BETA_SHAPE_MIN && v[i] <= BETA_SHAPE_MAX)) {
				fail(p, at[i], "%s of beta must be in [%g, %g] (the range "
				     "where its quantile is known to converge), found %s",
				     f->params[i], BETA_SHAPE_MIN, BETA_SHAPE_MAX,
				     ty_fmt_double(v[i], b1));
				return -1;
			}
		break;
	case TY_DIST_GAMMA:
		if (!(v[0] >= GAMMA_SHAPE_MIN && v[0] <= GAMMA_SHAPE_MAX)) {
			fail(p, at[0], "a of gamma must be in [%g, %g] (the range where "
			     "its quantile is known to converge), found %s",
			     GAMMA_SHAPE_MIN, GAMMA_SHAPE_MAX, ty_fmt_double(v[0], b1));
			return -1;
		}
		break;
	case TY_DIST_LOGNORM:
	case TY_DIST_WEIBULL_MIN:
		if (!(v[0] > 0)) {
			fail(p, at[0], "%s of %s must be > 0, found %s", f->params[0],
			     name, ty_fmt_double(v[0], b1));
			return -1;
		}
		break;
	default:
		break;
	}
	d->kind = f->kind;
	d->a = np > 2 ? v[0] : 0;
	d->b = np > 3 ? v[1] : 0;
	d->loc = v[np - 2];
	d->scale = v[np - 1];
	return 0;
}

/* After "family(" : the arguments and ")". */
static int parse_args(struct parser *p, const struct family *f, const char *name,
		      struct ty_dist *d)
{
	double v[DIST_MAX_ARGS];
	size_t at[DIST_MAX_ARGS];
	int set[DIST_MAX_ARGS] = { 0 }, npos = 0, seen_kw = 0, argno = 0;
	char fb[64], what[96];

	for (int i = 0; i < f->nparams; i++)
		v[i] = 0;
	v[f->nparams - 1] = 1;   /* scale */
	skip_ws(p);
	while (p->s[p->pos] != ')') {
		size_t astart = p->pos, save;
		int idx = -1;

		argno++;
		if (is_ident_start((unsigned char)p->s[p->pos])) {
			char kw[48];

			save = p->pos;
			read_ident(p, kw, sizeof(kw));
			skip_ws(p);
			if (p->s[p->pos] == '=' && p->s[p->pos + 1] != '=') {
				for (int i = 0; i < f->nparams; i++)
					if (!strcmp(kw, f->params[i]))
						idx = i;
				if (idx < 0) {
					struct ty_buf list = TY_BUF_INIT;

					for (int i = 0; i < f->nparams; i++)
						ty_buf_addf(&list, "%s%s", i ? (i + 1 == f->nparams ?
							" or " : ", ") : "", f->params[i]);
					fail(p, save, "unknown keyword '%s' for %s, expected %s",
					     kw, name, list.p ? list.p : "");
					ty_buf_release(&list);
					return -1;
				}
				if (set[idx]) {
					fail(p, save, "argument '%s' of %s given twice", kw, name);
					return -1;
				}
				seen_kw = 1;
				p->pos++;
				skip_ws(p);
			} else {
				p->pos = save;
			}
		}
		if (idx < 0) {
			if (seen_kw) {
				fail(p, astart, "positional argument %d of %s follows a keyword argument",
				     argno, name);
				return -1;
			}
			if (npos >= f->nparams) {
				fail(p, astart, "too many arguments to %s (at most %d), found %s",
				     name, f->nparams, describe(p, astart, fb, sizeof(fb)));
				return -1;
			}
			idx = npos++;
		}
		snprintf(what, sizeof(what), "argument %d (%s) of %s", argno,
			 f->params[idx], name);
		at[idx] = p->pos;
		if (parse_number(p, &v[idx], what))
			return -1;
		set[idx] = 1;
		skip_ws(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			skip_ws(p);
		} else if (p->s[p->pos] != ')') {
			fail(p, p->pos, "expected ',' or ')' after argument %d of %s, found %s",
			     argno, name, describe(p, p->pos, fb, sizeof(fb)));
			return -1;
		}
	}
	for (int i = 0; i < f->nparams; i++) {
		if (set[i])
			continue;
		if (i < f->nparams - 2) {
			fail(p, p->pos, "missing argument '%s' of %s", f->params[i], name);
			return -1;
		}
		at[i] = p->pos;
	}
	p->pos++;   /* ')' */
	return check_params(p, d, name, f, v, at);
}

static int parse_dist(struct parser *p, struct ty_dist *d, int depth, int allow_const);

static int parse_mixture(struct parser *p, struct ty_dist *d, int depth, size_t at)
{
	double *w = NULL, sum = 0;
	size_t nw = 0, nd = 0, cap = 0, wlist, dlist;
	char fb[64], what[64], b1[32];

	if (depth >= DIST_MAX_DEPTH) {
		fail(p, at, "mixtures nested deeper than %d levels", DIST_MAX_DEPTH);
		return -1;
	}
	d->kind = TY_DIST_MIXTURE;
	d->ncomp = 0;
	d->w = NULL;
	d->comp = NULL;
	skip_ws(p);
	wlist = p->pos;
	if (p->s[p->pos] != '[') {
		fail(p, p->pos, "expected '[' starting the weights of mixture, found %s",
		     describe(p, p->pos, fb, sizeof(fb)));
		return -1;
	}
	p->pos++;
	skip_ws(p);
	while (p->s[p->pos] != ']') {
		double x;
		size_t xat = p->pos;

		if (nw >= DIST_MAX_COMP) {
			fail(p, p->pos, "mixture has more than %d weights", DIST_MAX_COMP);
			goto err;
		}
		snprintf(what, sizeof(what), "weight %zu of mixture", nw + 1);
		if (parse_number(p, &x, what))
			goto err;
		if (!(x >= 0)) {
			fail(p, xat, "weight %zu of mixture must be >= 0, found %s", nw + 1,
			     ty_fmt_double(x, b1));
			goto err;
		}
		if (nw == cap) {
			size_t ncap = cap ? 2 * cap : 4;
			double *nwp = ty_realloc(w, ncap * sizeof(*w));

			if (!nwp) {
				fail_oom(p);
				goto err;
			}
			w = nwp;
			cap = ncap;
		}
		w[nw++] = x;
		sum += x;
		skip_ws(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			skip_ws(p);
		} else if (p->s[p->pos] != ']') {
			fail(p, p->pos, "expected ',' or ']' after weight %zu of mixture, found %s",
			     nw, describe(p, p->pos, fb, sizeof(fb)));
			goto err;
		}
	}
	if (!nw) {
		fail(p, p->pos, "mixture needs at least one weight, found ']'");
		goto err;
	}
	p->pos++;
	skip_ws(p);
	if (p->s[p->pos] != ',') {
		fail(p, p->pos, "expected ',' after the weights of mixture, found %s",
		     describe(p, p->pos, fb, sizeof(fb)));
		goto err;
	}
	p->pos++;
	skip_ws(p);
	dlist = p->pos;
	if (p->s[p->pos] != '[') {
		fail(p, p->pos, "expected '[' starting the distributions of mixture, found %s",
		     describe(p, p->pos, fb, sizeof(fb)));
		goto err;
	}
	p->pos++;
	skip_ws(p);
	cap = 0;
	while (p->s[p->pos] != ']') {
		if (nd >= DIST_MAX_COMP) {
			fail(p, p->pos, "mixture has more than %d distributions", DIST_MAX_COMP);
			goto err;
		}
		if (nd == cap) {
			size_t ncap = cap ? 2 * cap : 4;
			struct ty_dist *nc = ty_realloc(d->comp, ncap * sizeof(*nc));

			if (!nc) {
				fail_oom(p);
				goto err;
			}
			d->comp = nc;
			cap = ncap;
		}
		d->ncomp = nd + 1;
		if (parse_dist(p, &d->comp[nd], depth + 1, 0))
			goto err;
		nd++;
		skip_ws(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			skip_ws(p);
		} else if (p->s[p->pos] != ']') {
			fail(p, p->pos,
			     "expected ',' or ']' after distribution %zu of mixture, found %s",
			     nd, describe(p, p->pos, fb, sizeof(fb)));
			goto err;
		}
	}
	if (nd != nw) {
		fail(p, dlist, "mixture has %zu weight%s but %zu distribution%s", nw,
		     nw == 1 ? "" : "s", nd, nd == 1 ? "" : "s");
		goto err;
	}
	p->pos++;
	skip_ws(p);
	if (p->s[p->pos] == ',') {
		p->pos++;
		skip_ws(p);
	}
	if (p->s[p->pos] != ')') {
		fail(p, p->pos, "expected ')' closing mixture, found %s",
		     describe(p, p->pos, fb, sizeof(fb)));
		goto err;
	}
	p->pos++;
	if (!(sum > 0) || !isfinite(sum)) {
		fail(p, wlist, "weights of mixture must have a positive finite sum, found %s",
		     ty_fmt_double(sum, b1));
		goto err;
	}
	for (size_t i = 0; i < nw; i++)
		w[i] /= sum;
	d->w = w;
	return 0;
err:
	free(w);
	return -1;
}

static int parse_dist(struct parser *p, struct ty_dist *d, int depth, int allow_const)
{
	char name[48], fb[64];
	size_t start, nlen;
	int prefixed = 0;

	memset(d, 0, sizeof(*d));
	skip_ws(p);
	start = p->pos;
	if (!is_ident_start((unsigned char)p->s[p->pos])) {
		if (allow_const && (isdigit((unsigned char)p->s[p->pos]) ||
				    p->s[p->pos] == '.' || p->s[p->pos] == '+' ||
				    p->s[p->pos] == '-')) {
			d->kind = TY_DIST_CONST;
			return parse_number(p, &d->a, "the value");
		}
		fail(p, p->pos, "expected %sa distribution such as st.triang(...), found %s",
		     allow_const ? "a number or " : "", describe(p, p->pos, fb, sizeof(fb)));
		return -1;
	}
	nlen = read_ident(p, name, sizeof(name));
	if (nlen == 2 && !strncmp(p->s + start, "st", 2)) {
		skip_ws(p);
		if (p->s[p->pos] != '.') {
			fail(p, p->pos, "expected '.' after 'st', found %s",
			     describe(p, p->pos, fb, sizeof(fb)));
			return -1;
		}
		p->pos++;
		skip_ws(p);
		start = p->pos;
		if (!is_ident_start((unsigned char)p->s[p->pos])) {
			fail(p, p->pos, "expected a distribution name after 'st.', found %s",
			     describe(p, p->pos, fb, sizeof(fb)));
			return -1;
		}
		nlen = read_ident(p, name, sizeof(name));
		prefixed = 1;
	}
	if (!prefixed && nlen == 7 && !strncmp(p->s + start, "mixture", 7)) {
		skip_ws(p);
		if (p->s[p->pos] != '(') {
			fail(p, p->pos, "expected '(' after mixture, found %s",
			     describe(p, p->pos, fb, sizeof(fb)));
			return -1;
		}
		p->pos++;
		return parse_mixture(p, d, depth, start);
	}
	for (size_t i = 0; i < TY_ARRAY_SIZE(families); i++) {
		if (strlen(families[i].name) != nlen ||
		    strncmp(p->s + start, families[i].name, nlen))
			continue;
		skip_ws(p);
		if (p->s[p->pos] != '(') {
			fail(p, p->pos, "expected '(' after %s, found %s", families[i].name,
			     describe(p, p->pos, fb, sizeof(fb)));
			return -1;
		}
		p->pos++;
		return parse_args(p, &families[i], families[i].name, d);
	}
	fail(p, start, "unknown distribution '%s%s', expected triang, uniform, norm, "
	     "truncnorm, beta, lognorm, gamma, weibull_min, expon or mixture",
	     prefixed ? "st." : "", name);
	return -1;
}

int ty_dist_parse(const char *text, struct ty_dist **out, size_t *errpos,
		  char *msg, size_t msgsz)
{
	struct parser p = { text, 0, 0, 0, 0, msg, msgsz };
	struct ty_dist *d;
	size_t len = strnlen(text, DIST_MAX_TEXT + 1);
	char fb[64];
	double v;

	pthread_once(&gsl_once, gsl_quiet);
	if (msg && msgsz)
		msg[0] = '\0';
	if (len > DIST_MAX_TEXT) {
		fail(&p, DIST_MAX_TEXT, "distribution text is longer than %d bytes",
		     DIST_MAX_TEXT);
		goto failed;
	}
	d = ty_calloc(1, sizeof(*d));
	if (!d) {
		fail_oom(&p);
		goto failed;
	}
	if (ty_parse_number(text, &v) == 0 && isfinite(v)) {
		d->kind = TY_DIST_CONST;
		d->a = v;
		*out = d;
		return 0;
	}
	if (parse_dist(&p, d, 0, 1) == 0) {
		skip_ws(&p);
		if (!p.s[p.pos]) {
			*out = d;
			return 0;
		}
		fail(&p, p.pos, "expected end of text after the %s, found %s",
		     d->kind == TY_DIST_CONST ? "number" : "distribution",
		     describe(&p, p.pos, fb, sizeof(fb)));
	}
	ty_dist_free(d);
failed:
	if (errpos)
		*errpos = p.errpos;
	return p.oom ? TYCHE_ENOMEM : TYCHE_EDATA;
}

void ty_dist_free(struct ty_dist *d)
{
	if (!d)
		return;
	dist_release(d);
	free(d);
}

int ty_dist_is_const(const struct ty_dist *d)
{
	return d->kind == TY_DIST_CONST;
}

static void format_into(struct ty_buf *b, const struct ty_dist *d)
{
	char nb[32];
	const struct family *f;

	if (d->kind == TY_DIST_CONST) {
		ty_buf_adds(b, ty_fmt_double(d->a, nb));
		return;
	}
	if (d->kind == TY_DIST_MIXTURE) {
		ty_buf_adds(b, "mixture([");
		for (size_t i = 0; i < d->ncomp; i++)
			ty_buf_addf(b, "%s%s", i ? ", " : "", ty_fmt_double(d->w[i], nb));
		ty_buf_adds(b, "], [");
		for (size_t i = 0; i < d->ncomp; i++) {
			if (i)
				ty_buf_adds(b, ", ");
			format_into(b, &d->comp[i]);
		}
		ty_buf_adds(b, "])");
		return;
	}
	f = family_of(d->kind);
	if (!f)
		return;
	ty_buf_addf(b, "st.%s(", f->name);
	if (f->nparams > 2)
		ty_buf_addf(b, "%s, ", ty_fmt_double(d->a, nb));
	if (f->nparams > 3)
		ty_buf_addf(b, "%s, ", ty_fmt_double(d->b, nb));
	ty_buf_addf(b, "loc=%s, ", ty_fmt_double(d->loc, nb));
	ty_buf_addf(b, "scale=%s)", ty_fmt_double(d->scale, nb));
}

char *ty_dist_format(const struct ty_dist *d)
{
	struct ty_buf b = TY_BUF_INIT;

	format_into(&b, d);
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	return ty_buf_detach(&b);
}

/* ----------------------------------------------------------- the numbers */

static double phi(double z)
{
	return exp(-0.5 * z * z) / sqrt(2 * M_PI);
}

/* Standard truncated normal on [a, b].  Work in the tail where the mass
 * is, so that e.g. a = 8 does not lose all digits to 1 - Phi(8). */
static double truncnorm_ppf(double a, double b, double p)
{
	double x;

	if (a > 0) {
		double qa = gsl_cdf_ugaussian_Q(a), qb = gsl_cdf_ugaussian_Q(b);

		if (qa - qb > 0)
			x = gsl_cdf_ugaussian_Qinv(qa - p * (qa - qb));
		else  /* both tails below DBL_MIN: exponential tail of rate a */
			x = a - log1p(-p * -expm1(-a * (b - a))) / a;
	} else if (b < 0) {
		return -truncnorm_ppf(-b, -a, 1 - p);
	} else {
		double pa = gsl_cdf_ugaussian_P(a), pb = gsl_cdf_ugaussian_P(b);

		x = gsl_cdf_ugaussian_Pinv(pa + p * (pb - pa));
	}
	if (x < a)
		x = a;
	if (x > b)
		x = b;
	return x;
}

static double truncnorm_cdf(double a, double b, double z)
{
	if (z <= a)
		return 0;
	if (z >= b)
		return 1;
	if (a > 0) {
		double qa = gsl_cdf_ugaussian_Q(a), qb = gsl_cdf_ugaussian_Q(b);

		if (qa - qb > 0)
			return (qa - gsl_cdf_ugaussian_Q(z)) / (qa - qb);
		return -expm1(-a * (z - a)) / -expm1(-a * (b - a));
	}
	if (b < 0)
		return 1 - truncnorm_cdf(-b, -a, -z);
	return (gsl_cdf_ugaussian_P(z) - gsl_cdf_ugaussian_P(a)) /
		(gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a));
}

/* Mean and variance of the standard truncated normal. */
static void truncnorm_moments(double a, double b, double *m, double *v)
{
	double z, fa = phi(a), fb = phi(b);

	if (a > 0) {
		z = gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(b);
	} else if (b < 0) {
		truncnorm_moments(-b, -a, m, v);
		*m = -*m;
		return;
	} else {
		z = gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a);
	}
	if (!(z > 0)) {
		/* far tail: exponential of rate a on [a, b] (b - a >> 1/a) */
		*m = a + 1 / a;
		*v = 1 / (a * a);
		return;
	}
	*m = (fa - fb) / z;
	*v = 1 + (a * fa - b * fb) / z - *m * *m;
}

static double beta_cdf_minus(double x, void *arg)
{
	const double *q = arg;   /* a, b, p */

	return gsl_cdf_beta_P(x, q[0], q[1]) - q[2];
}

/* Beta quantile by Brent's method on the CDF over [0, 1], at most
 * BRENT_MAX_ITER steps; NaN when it does not converge or the CDF is NaN. */
static double beta_ppf_capped(double p, double a, double b)
{
	double q[3] = { a, b, p }, x = NAN, flo, fhi;
	gsl_function f = { beta_cdf_minus, q };
	gsl_root_fsolver *s;

	if (p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	flo = beta_cdf_minus(0, q);
	fhi = beta_cdf_minus(1, q);
	if (!(flo <= 0 && fhi >= 0))
		return NAN;
	s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!s || gsl_root_fsolver_set(s, &f, 0, 1) != GSL_SUCCESS) {
		gsl_root_fsolver_free(s);
		return NAN;
	}
	for (int i = 0; i < BRENT_MAX_ITER; i++) {
		double lo, hi;

		if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
			break;
		lo = gsl_root_fsolver_x_lower(s);
		hi = gsl_root_fsolver_x_upper(s);
		if (gsl_root_test_interval(lo, hi, 1e-300, 4 * GSL_DBL_EPSILON) == GSL_SUCCESS) {
			x = gsl_root_fsolver_root(s);
			break;
		}
	}
	gsl_root_fsolver_free(s);
	return x;
}

static int beta_shapes_ok(double a, double b)
{
	return a >= BETA_SHAPE_MIN && a <= BETA_SHAPE_MAX &&
		b >= BETA_SHAPE_MIN && b <= BETA_SHAPE_MAX;
}

/* Standard (loc 0, scale 1) quantile of a non-mixture. */
static inline double std_ppf(const struct ty_dist *d, double p)
{
	switch (d->kind) {
	case TY_DIST_TRIANG: {
		double c = d->a;

		return p < c ? sqrt(c * p) : 1 - sqrt((1 - c) * (1 - p));
	}
	case TY_DIST_UNIFORM:
		return gsl_cdf_flat_Pinv(p, 0, 1);
	case TY_DIST_NORM:
		return gsl_cdf_ugaussian_Pinv(p);
	case TY_DIST_TRUNCNORM:
		return truncnorm_ppf(d->a, d->b, p);
	case TY_DIST_BETA:
	{
		double x;

		if (!beta_shapes_ok(d->a, d->b))
			return beta_ppf_capped(p, d->a, d->b);
		x = gsl_cdf_beta_Pinv(p, d->a, d->b);
		/* GSL's Newton polish gave up (e.g. beta(1e4, 2) at some p) */
		return isnan(x) ? beta_ppf_capped(p, d->a, d->b) : x;
	}
	case TY_DIST_LOGNORM:
		return gsl_cdf_lognormal_Pinv(p, 0, d->a);
	case TY_DIST_GAMMA:
		return gsl_cdf_gamma_Pinv(p, d->a, 1);
	case TY_DIST_WEIBULL_MIN:
		return gsl_cdf_weibull_Pinv(p, 1, d->a);
	case TY_DIST_EXPON:
		return gsl_cdf_exponential_Pinv(p, 1);
	default:
		return NAN;
	}
}

static double std_cdf(const struct ty_dist *d, double z)
{
	switch (d->kind) {
	case TY_DIST_TRIANG: {
		double c = d->a;

		if (z <= 0)
			return 0;
		if (z >= 1)
			return 1;
		if (z < c)
			return z * z / c;
		return 1 - (1 - z) * (1 - z) / (1 - c);
	}
	case TY_DIST_UNIFORM:
		return z <= 0 ? 0 : z >= 1 ? 1 : z;
	case TY_DIST_NORM:
		return gsl_cdf_ugaussian_P(z);
	case TY_DIST_TRUNCNORM:
		return truncnorm_cdf(d->a, d->b, z);
	case TY_DIST_BETA:
		return gsl_cdf_beta_P(z, d->a, d->b);
	case TY_DIST_LOGNORM:
		return z <= 0 ? 0 : gsl_cdf_lognormal_P(z, 0, d->a);
	case TY_DIST_GAMMA:
		return z <= 0 ? 0 : gsl_cdf_gamma_P(z, d->a, 1);
	case TY_DIST_WEIBULL_MIN:
		return z <= 0 ? 0 : gsl_cdf_weibull_P(z, 1, d->a);
	case TY_DIST_EXPON:
		return z <= 0 ? 0 : gsl_cdf_exponential_P(z, 1);
	default:
		return NAN;
	}
}

double ty_dist_mean(const struct ty_dist *d)
{
	double m, v, a = d->a, b = d->b;

	switch (d->kind) {
	case TY_DIST_CONST:
		return d->a;
	case TY_DIST_MIXTURE:
		m = 0;
		for (size_t i = 0; i < d->ncomp; i++)
			if (d->w[i] > 0)
				m += d->w[i] * ty_dist_mean(&d->comp[i]);
		return m;
	case TY_DIST_TRIANG:
		m = (1 + a) / 3;
		break;
	case TY_DIST_UNIFORM:
		m = 0.5;
		break;
	case TY_DIST_NORM:
		m = 0;
		break;
	case TY_DIST_TRUNCNORM:
		truncnorm_moments(a, b, &m, &v);
		break;
	case TY_DIST_BETA:
		m = a / (a + b);
		break;
	case TY_DIST_LOGNORM:
		m = exp(0.5 * a * a);
		break;
	case TY_DIST_GAMMA:
		m = a;
		break;
	case TY_DIST_WEIBULL_MIN:
		m = tgamma(1 + 1 / a);
		break;
	case TY_DIST_EXPON:
		m = 1;
		break;
	default:
		return NAN;
	}
	return d->loc + d->scale * m;
}

double ty_dist_var(const struct ty_dist *d)
{
	double m, v, a = d->a, b = d->b;

	switch (d->kind) {
	case TY_DIST_CONST:
		return 0;
	case TY_DIST_MIXTURE: {
		double mean = ty_dist_mean(d), s = 0;

		for (size_t i = 0; i < d->ncomp; i++) {
			double mi;

			if (!(d->w[i] > 0))
				continue;
			mi = ty_dist_mean(&d->comp[i]);

			s += d->w[i] * (ty_dist_var(&d->comp[i]) + (mi - mean) * (mi - mean));
		}
		return s;
	}
	case TY_DIST_TRIANG:
		v = (1 - a + a * a) / 18;
		break;
	case TY_DIST_UNIFORM:
		v = 1.0 / 12;
		break;
	case TY_DIST_NORM:
		v = 1;
		break;
	case TY_DIST_TRUNCNORM:
		truncnorm_moments(a, b, &m, &v);
		break;
	case TY_DIST_BETA:
		v = a * b / ((a + b) * (a + b) * (a + b + 1));
		break;
	case TY_DIST_LOGNORM:
		v = expm1(a * a) * exp(a * a);
		break;
	case TY_DIST_GAMMA:
		v = a;
		break;
	case TY_DIST_WEIBULL_MIN:
		m = tgamma(1 + 1 / a);
		v = tgamma(1 + 2 / a) - m * m;
		break;
	case TY_DIST_EXPON:
		v = 1;
		break;
	default:
		return NAN;
	}
	return d->scale * d->scale * v;
}

double ty_dist_cdf(const struct ty_dist *d, double x)
{
	if (isnan(x))
		return NAN;
	pthread_once(&gsl_once, gsl_quiet);
	if (d->kind == TY_DIST_CONST)
		return x >= d->a ? 1 : 0;
	if (d->kind == TY_DIST_MIXTURE) {
		double s = 0;

		for (size_t i = 0; i < d->ncomp; i++)
			if (d->w[i] > 0)
				s += d->w[i] * ty_dist_cdf(&d->comp[i], x);
		return s > 1 ? 1 : s;
	}
	return std_cdf(d, (x - d->loc) / d->scale);
}

/* Doubles mapped to unsigned integers in the same order, for bisection
 * that ends in at most 64 steps on adjacent doubles whatever the bracket
 * (unsigned, so the distance across zero cannot overflow). */
static uint64_t ord_of(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static double dbl_of(uint64_t u)
{
	double x;

	u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
	memcpy(&x, &u, sizeof(x));
	return x;
}

static double mixture_quantile(const struct ty_dist *d, double p)
{
	double lo = INFINITY, hi = -INFINITY;
	uint64_t ilo, ihi;

	for (size_t i = 0; i < d->ncomp; i++) {
		double q;

		if (d->w[i] == 0)   /* not part of the support */
			continue;
		q = ty_dist_quantile(&d->comp[i], p);

		if (isnan(q))
			return NAN;
		if (q < lo)
			lo = q;
		if (q > hi)
			hi = q;
	}
	/* below every component's quantile F < p, so the answer is in
	 * [lo, hi]; at p = 0 or 1 the bounds of the support are the answer */
	if (p <= 0)
		return lo;
	if (p >= 1 || lo == hi || ty_dist_cdf(d, lo) >= p)
		return p >= 1 ? hi : lo;
	if (isinf(lo) || isinf(hi))
		return NAN;
	ilo = ord_of(lo);   /* F(lo) < p */
	ihi = ord_of(hi);   /* F(hi) >= p */
	while (ihi - ilo > 1) {
		uint64_t mid = ilo + (ihi - ilo) / 2;

		if (ty_dist_cdf(d, dbl_of(mid)) >= p)
			ihi = mid;
		else
			ilo = mid;
	}
	return dbl_of(ihi);
}

double ty_dist_quantile(const struct ty_dist *d, double p)
{
	if (!(p >= 0 && p <= 1))
		return NAN;
	pthread_once(&gsl_once, gsl_quiet);
	if (d->kind == TY_DIST_CONST)
		return d->a;
	if (d->kind == TY_DIST_MIXTURE)
		return mixture_quantile(d, p);
	return d->loc + d->scale * std_ppf(d, p);
}

double ty_dist_median(const struct ty_dist *d)
{
	return ty_dist_quantile(d, 0.5);
}

/* ------------------------------------------------------------- sampling */

/* out[i] = loc + scale x the triangular quantile of out[i], as std_ppf:
 * sqrt(c p) below the mode, 1 - sqrt((1 - c)(1 - p)) above it.  The
 * argument of the one sqrt is selected first and the result after it,
 * so each draw takes one square root, not one per branch, and the same
 * operations as the branch taken (the same bits); selects, not branches
 * (p < c is a coin flip), so the loop vectorises (only with
 * -fno-trapping-math: otherwise GCC keeps the comparison behind a
 * branch); the argument of sqrt is >= 0.  The square roots bound the
 * loop, so a second copy uses AVX2's four lanes where the CPU has them
 * (chosen once, at load time): IEEE sqrt, multiply, add and compare
 * round the same in any register width, and "avx2" does not enable FMA,
 * so the bits are the same (t/perf/draws). */
__attribute__((target_clones("avx2", "default")))
static void triang_block(size_t n, double *restrict out, double c, double loc,
			 double scale)
{
	double c1 = 1 - c;

	for (size_t i = 0; i < n; i++) {
		double p = out[i], a = c * p, b = c1 * (1 - p), x, r;
		uint64_t m = -(uint64_t)(p < c), ia, ib, ix;

		/* the select in integer bits: a ?: on doubles here is threaded
		 * into two branches, and each gets its own sqrt back */
		memcpy(&ia, &a, 8);
		memcpy(&ib, &b, 8);
		ix = (ia & m) | (ib & ~m);
		memcpy(&x, &ix, 8);
		r = sqrt(x);
		out[i] = loc + scale * (m ? r : 1 - r);
	}
}

void ty_dist_sample(const struct ty_dist *d, const struct ty_rng_key *key,
		    uint64_t first, size_t n, double *out)
{
	if (d->kind == TY_DIST_CONST) {
		for (size_t i = 0; i < n; i++)
			out[i] = d->a;
		return;
	}
	pthread_once(&gsl_once, gsl_quiet);
	if (d->kind != TY_DIST_MIXTURE) {
		double loc = d->loc, scale = d->scale;

		ty_rng_uniform(key, 0, first, n, out);
		if (d->kind == TY_DIST_TRIANG) {
			triang_block(n, out, d->a, loc, scale);
			return;
		}
		if (d->kind == TY_DIST_TRUNCNORM && !(d->a > 0) && !(d->b < 0)) {
			/* the central case, with Phi(a) and Phi(b) computed once */
			double pa = gsl_cdf_ugaussian_P(d->a), pb = gsl_cdf_ugaussian_P(d->b);

			for (size_t i = 0; i < n; i++) {
				double x = gsl_cdf_ugaussian_Pinv(pa + out[i] * (pb - pa));

				x = x < d->a ? d->a : x > d->b ? d->b : x;
				out[i] = loc + scale * x;
			}
			return;
		}
		for (size_t i = 0; i < n; i++)
			out[i] = loc + scale * std_ppf(d, out[i]);
		return;
	}
	for (size_t done = 0; done < n;) {
		double u1[256];
		size_t m = n - done < 256 ? n - done : 256;

		ty_rng_uniform(key, 0, first + done, m, out + done);
		ty_rng_uniform(key, 1, first + done, m, u1);
		for (size_t i = 0; i < m; i++) {
			double u = out[done + i], cum = 0;
			size_t k = d->ncomp - 1;

			for (size_t j = 0; j + 1 < d->ncomp; j++) {
				cum += d->w[j];
				if (u < cum) {
					k = j;
					break;
				}
			}
			out[done + i] = ty_dist_quantile(&d->comp[k], u1[i]);
		}
		done += m;
	}
}
