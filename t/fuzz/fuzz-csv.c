/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-csv.c - libFuzzer target for the CSV reader (ty_csv_parse).
 *
 * The fuzzer's buffer is passed as is, NOT copied into a NUL-terminated
 * string: ty_csv_parse takes (data, len), and a read of data[len] is a bug
 * that ASan can only see if nothing follows the input.
 *
 * Crashes are not the only finding.  Each input is checked against an
 * oracle: a table that parsed is written back with every field quoted and
 * must parse to the same header and cells (so trimming, quote handling and
 * column dropping agree with themselves); row lines must increase; a
 * failure must be TYCHE_EDATA with a line and a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quote_into(struct ty_buf *b, const char *s)
{
	ty_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			ty_buf_addc(b, '"');
		ty_buf_addc(b, *s);
	}
	ty_buf_addc(b, '"');
}

static void write_back(const struct ty_table *t, struct ty_buf *b)
{
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			ty_buf_addc(b, ',');
		quote_into(b, t->header[c]);
	}
	ty_buf_add(b, "\r\n", 2);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				ty_buf_addc(b, ',');
			quote_into(b, ty_table_cell(t, r, c));
		}
		ty_buf_addc(b, '\n');
	}
}

static void check_table(const struct ty_table *t)
{
	char where[512];
	int line, col;

	if (t->ncols == 0 || t->ncols > TY_MAX_COLS || t->nrows > TY_MAX_ROWS)
		abort();
	for (size_t r = 0; r < t->nrows; r++) {
		int blank = 1;

		if (t->line[r] < 2 || (r && t->line[r] <= t->line[r - 1]))
			abort();   /* rows start after the header, in order */
		for (size_t c = 0; c < t->ncols; c++)
			if (ty_table_cell(t, r, c)[0])
				blank = 0;
		if (blank)
			abort();   /* blank rows are dropped */
	}
	for (size_t c = 0; c < t->ncols; c++) {
		size_t n = strlen(t->header[c]);
		long k = ty_table_col(t, t->header[c]);

		if (n && (t->header[c][0] == ' ' || t->header[c][n - 1] == ' ' ||
			  t->header[c][0] == '\t' || t->header[c][n - 1] == '\t'))
			abort();   /* header names are trimmed */
		if (k < 0 || k > (long)c)
			abort();   /* found, and no later than itself */
	}
	if (t->nrows) {
		ty_table_loc(t, t->nrows - 1, t->ncols - 1, where, &line, &col);
		if (strcmp(where, t->source) || line != (int)t->line[t->nrows - 1] ||
		    col != (int)t->ncols)
			abort();
	}
}

static void round_trip(const struct ty_table *t)
{
	struct ty_buf b = TY_BUF_INIT;
	struct ty_table *u = NULL;
	tyche_error err = { 0 };

	write_back(t, &b);
	if (b.oom)
		abort();
	if (ty_csv_parse("again.csv", b.p, b.len, &u, &err))
		abort();   /* what we read, written back, must read again */
	if (u->ncols != t->ncols || u->nrows != t->nrows)
		abort();
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(u->header[c], t->header[c]))
			abort();
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		if (strcmp(u->cells[i], t->cells[i]))
			abort();
	ty_table_free(u);
	ty_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ty_table *t = NULL;
	tyche_error err = { 0 };

	if (size > (4u << 20))
		return 0;
	if (ty_csv_parse("f.csv", (const char *)data, size, &t, &err) == 0) {
		check_table(t);
		round_trip(t);
		ty_table_free(t);
	} else if (err.code != TYCHE_EDATA || !err.msg[0] || err.line < 1 ||
		   strcmp(err.where, "f.csv") || t) {
		abort();   /* every failure is a located data error */
	}
	return 0;
}
