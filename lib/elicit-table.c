/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elicit-table.c - the bottom file of the elicitation readers: open an
 * elicitation or seed table (CSV, or one sheet of a .xlsx workbook) and
 * add located diagnostics at a cell.  It calls no other elicit*.c file.
 *
 * Easy to get wrong: a workbook's sheet is found by name ("elicitation",
 * "seeds"); a workbook with a single sheet is read whatever its name, so
 * a one-sheet export from a spreadsheet just works, but a workbook with
 * several sheets and none of that name is an error naming the sheet.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "elicit.h"

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcasecmp(s + n - m, suf);
}

int ty_elicit_read_table(const char *path, const char *sheet, struct ty_table **out,
			 tyche_error *err)
{
	struct ty_book *book = NULL;
	struct ty_table *t;
	int rc;

	if (!has_suffix(path, ".xlsx"))
		return ty_csv_read(path, out, err);
	if ((rc = ty_xlsx_read(path, &book, err)))
		return rc;
	t = ty_book_sheet(book, sheet);
	if (!t && book->nsheets == 1)
		t = book->sheets[0];
	if (!t) {
		ty_book_free(book);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				   "missing sheet: the workbook needs a sheet named '%s'", sheet);
	}
	/* keep the one sheet, free the rest */
	for (size_t i = 0; i < book->nsheets; i++)
		if (book->sheets[i] == t)
			book->sheets[i] = NULL;
	ty_book_free(book);
	*out = t;
	return 0;
}

int ty_elicit_cell_err(tyche_diags *d, const struct ty_table *t, size_t r, size_t c,
		       const char *fmt, ...)
{
	char where[512], msg[1024];
	int line, col;
	va_list ap;

	ty_table_loc(t, r, c, where, &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ty_diag_add(d, TYCHE_SEV_ERROR, where, line, col, "%s", msg);
}
