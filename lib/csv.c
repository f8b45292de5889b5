/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csv.c - RFC 4180 reader producing struct ty_table, and table helpers.
 *
 * A record may span several physical lines (quoted newlines), so each row
 * remembers the line where it starts: that is the line an error names.
 * Trailing blank rows and blank trailing columns (a spreadsheet's habit)
 * are dropped; a blank row in the middle is dropped too (but counted for
 * line numbers).  NUL bytes and unterminated quotes are errors, not
 * truncation.  Text must be UTF-8: a byte that is not (a Latin-1 export,
 * binary junk, a cut-off BOM) is a located error rather than something
 * copied into every later message.  A lone CR ends a line like LF and
 * CRLF, inside quotes too, so line numbers agree with an editor's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void ty_table_free(struct ty_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		free(t->header[c]);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->header);
	free(t->cells);
	free(t->line);
	free(t->source);
	free(t->sheet);
	free(t);
}

long ty_table_col(const struct ty_table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (!strcmp(t->header[c], name))
			return (long)c;
	return -1;
}

static void col_letters(size_t c, char *buf)
{
	char tmp[16];
	int n = 0;

	c++;
	while (c > 0 && n < 15) {
		c--;
		tmp[n++] = (char)('A' + c % 26);
		c /= 26;
	}
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

void ty_table_loc(const struct ty_table *t, size_t r, size_t c, char *where,
		  int *line, int *col)
{
	unsigned row = r == (size_t)-1 ? 1 : t->line[r];

	if (t->sheet) {
		char letters[16];

		col_letters(c, letters);
		snprintf(where, 512, "%s:%s!%s%u", t->source, t->sheet, letters, row);
		*line = 0;
		*col = 0;
	} else {
		snprintf(where, 512, "%s", t->source);
		*line = (int)row;
		*col = (int)c + 1;
	}
}

/* One record as it is being read. */
struct rec {
	char **f;
	size_t n, cap;
};

static int rec_push(struct rec *r, char *s)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **f = realloc(r->f, cap * sizeof(*f));

		if (!f)
			return -1;
		r->f = f;
		r->cap = cap;
	}
	r->f[r->n++] = s;
	return 0;
}

static void rec_clear(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	r->n = 0;
}

static int rec_blank(const struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i][0])
			return 0;
	return 1;
}

/* Offset of the first byte of s[0..n) that is not well-formed UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included), or
 * n.  Tables are names and numbers; a stray Latin-1 or binary byte would
 * otherwise travel into messages and JSON answers. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3;
		else
			return i;
		if (c == 0xE0)
			lo = 0xA0;          /* overlong */
		else if (c == 0xED)
			hi = 0x9F;          /* UTF-16 surrogates */
		else if (c == 0xF0)
			lo = 0x90;          /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;          /* past U+10FFFF */
		for (size_t j = 1; j <= k; j++) {
			unsigned b = i + j < n ? s[i + j] : 0;

			if (j == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
				return i;
		}
		i += k + 1;
	}
	return n;
}

/* Empty once trimmed, as a header name is (a quoted " " included). */
static int blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

static char *trim_dup(const char *s)
{
	size_t n = strlen(s);

	while (*s == ' ' || *s == '\t') {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return ty_strndup(s, n);
}

int ty_csv_parse(const char *name, const char *data, size_t len,
		 struct ty_table **out, tyche_error *err)
{
	struct ty_table *t = NULL;
	struct rec rec = { 0 };
	struct ty_buf field = TY_BUF_INIT;
	char ***rows = NULL;       /* records read (each rec.n fields) */
	size_t *rowlen = NULL;
	unsigned *rowline = NULL;
	size_t nrec = 0, capr = 0, maxcols = 0;
	size_t i = 0;
	unsigned line = 1, recline = 1;
	int rc = 0;

	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < len) {
		/* start of a field */
		int quoted = 0;
		unsigned fline = line;
		size_t fcol_start = i;

		(void)fcol_start;
		field.len = 0;
		if (field.p)
			field.p[0] = '\0';
		if (data[i] == '"') {
			quoted = 1;
			i++;
			for (;;) {
				if (i >= len) {
					rc = ty_error_at(err, TYCHE_EDATA, name, (int)fline,
							 (int)rec.n + 1,
							 "unterminated quoted field (started here), expected a closing '\"'");
					goto out;
				}
				if (data[i] == '"') {
					if (i + 1 < len && data[i + 1] == '"') {
						ty_buf_addc(&field, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (data[i] == '\0') {
					rc = ty_error_at(err, TYCHE_EDATA, name, (int)line, (int)rec.n + 1,
							 "NUL byte in field, expected text");
					goto out;
				}
				if (data[i] == '\n' ||
				    (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n')))
					line++;
				ty_buf_addc(&field, data[i]);
				i++;
				if (field.len > TY_MAX_FIELD_BYTES) {
					rc = ty_error_at(err, TYCHE_EDATA, name, (int)fline, (int)rec.n + 1,
							 "field longer than %u bytes", TY_MAX_FIELD_BYTES);
					goto out;
				}
			}
			/* after the closing quote: only a separator may follow
			 * (blanks tolerated) */
			while (i < len && (data[i] == ' ' || data[i] == '\t'))
				i++;
			if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
				unsigned char b = (unsigned char)data[i];

				if (b >= 0x20 && b < 0x7F)
					rc = ty_error_at(err, TYCHE_EDATA, name, (int)line, (int)rec.n + 1,
							 "unexpected '%c' after closing quote, expected ',' or end of line",
							 b);
				else
					rc = ty_error_at(err, TYCHE_EDATA, name, (int)line, (int)rec.n + 1,
							 "unexpected byte 0x%02X after closing quote, expected ',' or end of line",
							 b);
				goto out;
			}
		} else {
			while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
				if (data[i] == '\0') {
					rc = ty_error_at(err, TYCHE_EDATA, name, (int)line, (int)rec.n + 1,
							 "NUL byte in field, expected text");
					goto out;
				}
				ty_buf_addc(&field, data[i]);
				i++;
				if (field.len > TY_MAX_FIELD_BYTES) {
					rc = ty_error_at(err, TYCHE_EDATA, name, (int)line, (int)rec.n + 1,
							 "field longer than %u bytes", TY_MAX_FIELD_BYTES);
					goto out;
				}
			}
		}
		if (field.oom) {
			rc = ty_error_at(err, TYCHE_ENOMEM, name, (int)line, 0, "out of memory");
			goto out;
		}
		{
			size_t bad = utf8_bad((const unsigned char *)field.p, field.len);

			if (bad < field.len) {
				unsigned bline = fline;

				for (size_t k = 0; k < bad; k++)
					if (field.p[k] == '\n' || (field.p[k] == '\r' &&
					    (k + 1 >= field.len || field.p[k + 1] != '\n')))
						bline++;
				rc = ty_error_at(err, TYCHE_EDATA, name, (int)bline, (int)rec.n + 1,
						 "invalid UTF-8 byte 0x%02X, expected UTF-8 text (save the file as CSV UTF-8)",
						 (unsigned char)field.p[bad]);
				goto out;
			}
		}
		{
			char *s = quoted ? ty_strdup(field.p ? field.p : "")
					 : trim_dup(field.p ? field.p : "");

			if (!s || rec_push(&rec, s)) {
				free(s);
				rc = ty_error_at(err, TYCHE_ENOMEM, name, (int)line, 0, "out of memory");
				goto out;
			}
		}
		if (rec.n > TY_MAX_COLS) {
			rc = ty_error_at(err, TYCHE_EDATA, name, (int)recline, (int)rec.n,
					 "more than %u columns", TY_MAX_COLS);
			goto out;
		}
		if (i < len && data[i] == ',') {
			i++;
			if (i >= len) {
				/* trailing separator at EOF: one more empty field */
				char *s = ty_strdup("");

				if (!s || rec_push(&rec, s)) {
					free(s);
					rc = ty_error_at(err, TYCHE_ENOMEM, name, (int)line, 0,
							 "out of memory");
					goto out;
				}
			} else {
				continue;
			}
		}
		/* end of record: \r\n, \n, \r or EOF */
		if (i < len && data[i] == '\r')
			i++;
		if (i < len && data[i] == '\n')
			i++;
		if (!rec_blank(&rec) || nrec == 0) {
			if (nrec == capr) {
				size_t cap = capr ? capr * 2 : 64;
				char ***nr = realloc(rows, cap * sizeof(*nr));
				size_t *nl = realloc(rowlen, cap * sizeof(*nl));
				unsigned *nli = realloc(rowline, cap * sizeof(*nli));

				if (nr)
					rows = nr;
				if (nl)
					rowlen = nl;
				if (nli)
					rowline = nli;
				if (!nr || !nl || !nli) {
					rc = ty_error_at(err, TYCHE_ENOMEM, name, (int)line, 0, "out of memory");
					goto out;
				}
				capr = cap;
			}
			if (nrec > TY_MAX_ROWS) {
				rc = ty_error_at(err, TYCHE_EDATA, name, (int)recline, 0,
						 "more than %u rows", TY_MAX_ROWS);
				goto out;
			}
			rows[nrec] = rec.f;
			rowlen[nrec] = rec.n;
			rowline[nrec] = recline;
			nrec++;
			rec.f = NULL;
			rec.n = rec.cap = 0;
		} else {
			rec_clear(&rec);
		}
		line++;
		recline = line;
	}
	if (nrec == 0) {
		rc = ty_error_at(err, TYCHE_EDATA, name, 1, 0,
				 "empty file, expected a header row");
		goto out;
	}
	/* columns: the header's, without blank trailing header cells */
	maxcols = rowlen[0];
	while (maxcols > 0 && blank(rows[0][maxcols - 1])) {
		/* keep a blank-named column only if some row has data there */
		int used = 0;

		for (size_t r = 1; r < nrec && !used; r++)
			if (rowlen[r] >= maxcols && rows[r][maxcols - 1][0])
				used = 1;
		if (used)
			break;
		maxcols--;
	}
	if (maxcols == 0) {
		rc = ty_error_at(err, TYCHE_EDATA, name, (int)rowline[0], 1,
				 "header row is empty, expected column names");
		goto out;
	}
	for (size_t r = 1; r < nrec; r++) {
		for (size_t c = maxcols; c < rowlen[r]; c++) {
			if (rows[r][c][0]) {
				rc = ty_error_at(err, TYCHE_EDATA, name, (int)rowline[r], (int)c + 1,
						 "value '%.40s' beyond the last column (the header has %zu columns)",
						 rows[r][c], maxcols);
				goto out;
			}
		}
	}
	t = ty_calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->source = ty_strdup(name);
	t->ncols = maxcols;
	t->nrows = nrec - 1;
	t->header = ty_calloc(maxcols, sizeof(char *));
	t->cells = ty_calloc(t->nrows * maxcols, sizeof(char *));
	t->line = ty_calloc(t->nrows, sizeof(unsigned));
	if (!t->source || !t->header || !t->cells || !t->line)
		goto oom;
	for (size_t c = 0; c < maxcols; c++) {
		t->header[c] = c < rowlen[0] ? trim_dup(rows[0][c]) : ty_strdup("");
		if (!t->header[c])
			goto oom;
	}
	for (size_t r = 1; r < nrec; r++) {
		t->line[r - 1] = rowline[r];
		for (size_t c = 0; c < maxcols; c++) {
			char *s;

			if (c < rowlen[r]) {
				s = rows[r][c];
				rows[r][c] = NULL;
			} else {
				s = ty_strdup("");
			}
			if (!s)
				goto oom;
			t->cells[(r - 1) * maxcols + c] = s;
		}
	}
	*out = t;
	t = NULL;
	goto out;
oom:
	rc = ty_error_at(err, TYCHE_ENOMEM, name, 0, 0, "out of memory");
out:
	ty_table_free(t);
	for (size_t r = 0; r < nrec; r++) {
		for (size_t c = 0; c < rowlen[r]; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
	free(rowlen);
	free(rowline);
	rec_clear(&rec);
	free(rec.f);
	ty_buf_release(&field);
	return rc;
}

int ty_csv_read(const char *path, struct ty_table **out, tyche_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc = ty_read_file(path, TY_MAX_FILE_BYTES, &data, &len, err);

	if (rc)
		return rc;
	rc = ty_csv_parse(path, data, len, out, err);
	free(data);
	return rc;
}
