/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lex.c - tokens of the model language, each with its byte range in the
 * expression text (so errors point at the exact character).
 *
 * Numbers are decimal only ("2", "0.16", ".5", "1e6", "0.4490564e-3");
 * the lexer itself decides where a number ends and only then hands the
 * digits to strtod, so strtod's extras (hex, "inf", "nan") can never
 * sneak in.  A sign is never part of a number: "-3" is unary minus
 * applied to 3 (the compiler folds it, exactly).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modelint.h"

void ty_lex_init(struct ty_lexer *lx, const char *s, size_t len)
{
	lx->s = s;
	lx->len = len;
	lx->pos = 0;
}

const char *ty_tok_name(enum ty_tok_kind k)
{
	switch (k) {
	case TK_EOF: return "end of expression";
	case TK_NUM: return "a number";
	case TK_IDENT: return "a name";
	case TK_STR: return "a quoted name";
	case TK_PLUS: return "'+'";
	case TK_MINUS: return "'-'";
	case TK_STAR: return "'*'";
	case TK_SLASH: return "'/'";
	case TK_CARET: return "'^'";
	case TK_LPAREN: return "'('";
	case TK_RPAREN: return "')'";
	case TK_LBRACK: return "'['";
	case TK_RBRACK: return "']'";
	case TK_COMMA: return "','";
	case TK_LT: return "'<'";
	case TK_GT: return "'>'";
	case TK_LE: return "'<='";
	case TK_GE: return "'>='";
	case TK_EQ: return "'=='";
	case TK_NE: return "'!='";
	case TK_ERR: break;
	}
	return "an invalid character";
}

static int is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

static enum ty_tok_kind scan_number(struct ty_lexer *lx, struct ty_tok *t)
{
	const char *s = lx->s;
	size_t p = lx->pos, n = lx->len;
	char buf[128], *end;

	while (p < n && isdigit((unsigned char)s[p]))
		p++;
	if (p < n && s[p] == '.') {
		p++;
		while (p < n && isdigit((unsigned char)s[p]))
			p++;
	}
	if (p < n && (s[p] == 'e' || s[p] == 'E')) {
		size_t q = p + 1;

		if (q < n && (s[q] == '+' || s[q] == '-'))
			q++;
		if (q < n && isdigit((unsigned char)s[q])) {
			while (q < n && isdigit((unsigned char)s[q]))
				q++;
			p = q;
		} else {
			/* "1e" or "2e+": a malformed exponent */
			t->start = lx->pos;
			t->end = q;
			lx->pos = q;
			return t->kind = TK_ERR;
		}
	}
	/* "2x" or "1.5.3": a number glued to more text */
	if (p < n && (is_ident_char((unsigned char)s[p]) || s[p] == '.')) {
		size_t q = p;

		while (q < n && (is_ident_char((unsigned char)s[q]) || s[q] == '.'))
			q++;
		t->start = lx->pos;
		t->end = q;
		lx->pos = q;
		return t->kind = TK_ERR;
	}
	t->start = lx->pos;
	t->end = p;
	if (p - lx->pos >= sizeof(buf)) {
		lx->pos = p;
		return t->kind = TK_ERR;
	}
	memcpy(buf, s + lx->pos, p - lx->pos);
	buf[p - lx->pos] = 0;
	errno = 0;
	t->num = strtod(buf, &end);
	lx->pos = p;
	/* overflow to inf is a typo, not a value; underflow to 0 is fine */
	if (*end || (errno == ERANGE && (t->num > 1 || t->num < -1)))
		return t->kind = TK_ERR;
	return t->kind = TK_NUM;
}

enum ty_tok_kind ty_lex_next(struct ty_lexer *lx, struct ty_tok *t)
{
	const char *s = lx->s;
	size_t n = lx->len;
	int c;

	while (lx->pos < n && (s[lx->pos] == ' ' || s[lx->pos] == '\t' ||
			       s[lx->pos] == '\n' || s[lx->pos] == '\r'))
		lx->pos++;
	t->start = t->end = lx->pos;
	t->num = 0;
	if (lx->pos >= n)
		return t->kind = TK_EOF;
	c = (unsigned char)s[lx->pos];
	if (isdigit(c) || (c == '.' && lx->pos + 1 < n &&
			   isdigit((unsigned char)s[lx->pos + 1])))
		return scan_number(lx, t);
	if (is_ident_start(c)) {
		size_t p = lx->pos;

		while (p < n && is_ident_char((unsigned char)s[p]))
			p++;
		t->end = lx->pos = p;
		return t->kind = TK_IDENT;
	}
	if (c == '"' || c == '\'') {
		size_t p = lx->pos + 1;

		while (p < n && (unsigned char)s[p] != c && s[p] != '\n')
			p++;
		if (p >= n || s[p] != c) {
			t->end = p;
			return t->kind = TK_ERR;   /* unterminated */
		}
		t->end = lx->pos = p + 1;
		return t->kind = TK_STR;
	}
	lx->pos++;
	t->end = lx->pos;
	switch (c) {
	case '+': return t->kind = TK_PLUS;
	case '-': return t->kind = TK_MINUS;
	case '*': return t->kind = TK_STAR;
	case '/': return t->kind = TK_SLASH;
	case '^': return t->kind = TK_CARET;
	case '(': return t->kind = TK_LPAREN;
	case ')': return t->kind = TK_RPAREN;
	case '[': return t->kind = TK_LBRACK;
	case ']': return t->kind = TK_RBRACK;
	case ',': return t->kind = TK_COMMA;
	case '<':
	case '>':
	case '=':
	case '!':
		if (lx->pos < n && s[lx->pos] == '=') {
			lx->pos++;
			t->end = lx->pos;
			return t->kind = c == '<' ? TK_LE : c == '>' ? TK_GE :
				c == '=' ? TK_EQ : TK_NE;
		}
		if (c == '<')
			return t->kind = TK_LT;
		if (c == '>')
			return t->kind = TK_GT;
		break;
	default:
		break;
	}
	/* a UTF-8 sequence counts as one bad character */
	if (c >= 0x80)
		while (lx->pos < n && ((unsigned char)s[lx->pos] & 0xC0) == 0x80)
			lx->pos++;
	t->end = lx->pos;
	return t->kind = TK_ERR;
}

int ty_is_ident(const char *s)
{
	if (!s || !is_ident_start((unsigned char)*s))
		return 0;
	for (s++; *s; s++)
		if (!is_ident_char((unsigned char)*s))
			return 0;
	return 1;
}
