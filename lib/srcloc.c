/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srcloc.c - where in a model file a piece of an expression is: the
 * file:line:col of a byte offset inside a YAML scalar, and the located
 * error built from it.  The parser and the compiler report through these;
 * model.c fills the struct ty_src they read.  (Its own file so that the
 * parser does not call back into model.c: no call loop.)
 *
 * Easy to get wrong: libyaml's marks count characters and fold
 * multi-line scalars, so a token's position is NOT the scalar's start
 * mark plus the token's offset in the value; ty_src_loc walks the value
 * and the raw bytes together (quotes, escapes, folded whitespace).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelint.h"

/* ------------------------------------------------------------ locations */

static size_t line_of(const struct ty_model *m, size_t byte)
{
	size_t lo = 0, hi = m->nlines;

	/* last line whose start <= byte */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->line_start[mid] <= byte)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void ty_byte_loc(const struct ty_model *m, size_t byte, int *line, int *col)
{
	size_t l, c = 0;

	if (byte > m->len)
		byte = m->len;
	l = line_of(m, byte);
	for (size_t i = m->line_start[l]; i < byte; i++)
		if (((unsigned char)m->text[i] & 0xC0) != 0x80)
			c++;
	*line = (int)(l + 1);
	*col = (int)(c + 1);
}

/* Byte offset in m->text of a libyaml mark (line, column in characters). */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A double-quoted escape at raw[0] ('\\'): how many raw bytes it takes
 * and how many value bytes it yields. */
static void escape_len(const char *raw, size_t avail, size_t *rawlen, size_t *vallen)
{
	size_t hex = 0;
	unsigned long cp = 0;

	*rawlen = avail >= 2 ? 2 : avail;
	*vallen = 1;
	if (avail < 2)
		return;
	switch (raw[1]) {
	case 'x': hex = 2; break;
	case 'u': hex = 4; break;
	case 'U': hex = 8; break;
	case 'N': *vallen = 2; return;          /* U+0085 */
	case '_': *vallen = 2; return;          /* U+00A0 */
	case 'L': case 'P': *vallen = 3; return; /* U+2028, U+2029 */
	default: return;
	}
	for (size_t k = 0; k < hex && 2 + k < avail; k++) {
		char c = raw[2 + k];

		cp = cp * 16 + (unsigned long)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	*rawlen = 2 + hex <= avail ? 2 + hex : avail;
	*vallen = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

void ty_src_loc(const struct ty_src *s, size_t off, int *line, int *col)
{
	const struct ty_model *m = s->m;
	const char *raw = m->text;
	size_t j = s->raw_start, end = s->raw_end, i = 0;

	if (off > s->len)
		off = s->len;
	if (s->style == TY_SRC_EXACT) {
		ty_byte_loc(m, s->raw_start + off, line, col);
		return;
	}
	if (end > m->len)
		end = m->len;
	if (s->style == TY_SRC_SQUOTE || s->style == TY_SRC_DQUOTE)
		j++;
	else if (s->style == TY_SRC_BLOCK) {
		while (j < end && raw[j] != '\n')
			j++;
	}
	/* walk value and raw text together: whitespace may differ (line
	 * folding) and quoted scalars have escapes */
	for (;;) {
		while (j < end && i < s->len && raw[j] != s->text[i] && is_ws(raw[j]))
			j++;
		if (i >= off)
			break;
		if (j >= end)
			goto approx;
		if (s->style == TY_SRC_DQUOTE && raw[j] == '\\') {
			size_t rl, vl;

			escape_len(raw + j, end - j, &rl, &vl);
			j += rl;
			i += vl;
			continue;
		}
		if (raw[j] != s->text[i])
			goto approx;
		if (s->style == TY_SRC_SQUOTE && raw[j] == '\'' && j + 1 < end && raw[j + 1] == '\'')
			j++;
		j++;
		i++;
	}
	ty_byte_loc(m, j, line, col);
	return;
approx:
	j = s->raw_start + off + (s->style == TY_SRC_SQUOTE || s->style == TY_SRC_DQUOTE);
	ty_byte_loc(m, j, line, col);
}

int ty_src_error(tyche_error *err, const struct ty_src *s, size_t off, const char *fmt, ...)
{
	va_list ap;
	int line = 0, col = 0;

	if (s && s->m)
		ty_src_loc(s, off, &line, &col);
	va_start(ap, fmt);
	ty_error_v(err, TYCHE_EDATA, s && s->m ? s->m->name : "", line, col, fmt, ap);
	va_end(ap);
	return TYCHE_EDATA;
}

