/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-xlsxdump - test helper: print one worksheet of a workbook as
 * tab-separated text, read with the project's own reader (lib/xlsx.c),
 * so a workbook the library writes (lib/export-xlsx.c) is checked by the
 * library that reads contexts.
 *
 *   tyche-xlsxdump BOOK.xlsx SHEET
 *
 * Prints the header row, then each data row.  Exits 1 when the workbook
 * does not read or has no such sheet (the reader's message on stderr).
 */
#include <stdio.h>

#include "table.h"

int main(int argc, char **argv)
{
	struct ty_book *b = NULL;
	const struct ty_table *t;
	tyche_error err = { 0 };

	if (argc != 3) {
		fprintf(stderr, "usage: tyche-xlsxdump BOOK.xlsx SHEET\n");
		return 2;
	}
	if (ty_xlsx_read(argv[1], &b, &err)) {
		fprintf(stderr, "tyche-xlsxdump: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	t = ty_book_sheet(b, argv[2]);
	if (!t) {
		fprintf(stderr, "tyche-xlsxdump: %s: no sheet '%s'\n", argv[1], argv[2]);
		ty_book_free(b);
		return 1;
	}
	for (size_t c = 0; c < t->ncols; c++)
		printf("%s%s", c ? "\t" : "", t->header[c]);
	printf("\n");
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			printf("%s%s", ty_table_cell(t, r, c), c + 1 < t->ncols ? "\t" : "\n");
	ty_book_free(b);
	return 0;
}
