/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * table.h - one sheet of a decision context as text cells, whatever the
 * container (CSV file or xlsx worksheet), with enough provenance to name
 * the exact cell in an error message.
 */
#ifndef TY_TABLE_H
#define TY_TABLE_H

#include "internal.h"

struct ty_table {
	char *source;     /* CSV path, or workbook path */
	char *sheet;      /* NULL for CSV; the worksheet name for xlsx */
	size_t ncols, nrows;
	char **header;    /* ncols header names (trimmed) */
	char **cells;     /* nrows * ncols, row-major; never NULL, "" if empty */
	unsigned *line;   /* per data row: 1-based row in the source (header = 1
	                     for xlsx; the physical line where the record starts
	                     for CSV) */
};

/* Cell (r, c) of the data rows (0-based). */
static inline const char *ty_table_cell(const struct ty_table *t, size_t r, size_t c)
{
	return t->cells[r * t->ncols + c];
}

/* Column index of `name` (exact match after trimming), or -1. */
TY_HIDDEN long ty_table_col(const struct ty_table *t, const char *name);

/* Where cell (r, c) lives, as a diagnostic location:
 * CSV:  where = path,                        line = source line, col = c + 1
 * xlsx: where = "book.xlsx:designs!E17",     line = 0,           col = 0
 * r == (size_t)-1 means the header row.  `where` must hold 512 bytes. */
TY_HIDDEN void ty_table_loc(const struct ty_table *t, size_t r, size_t c,
			    char *where, int *line, int *col);

TY_HIDDEN void ty_table_free(struct ty_table *t);

/*
 * Read an RFC 4180 CSV file: quoted fields with embedded commas, quotes
 * ("") and newlines; CRLF or LF; a UTF-8 BOM; blank trailing rows and
 * columns dropped.  Errors (unterminated quote, NUL byte, caps exceeded)
 * are located TYCHE_EDATA in *err.
 */
TY_HIDDEN int ty_csv_read(const char *path, struct ty_table **out, tyche_error *err);
/* Same from memory (`name` is used in messages). */
TY_HIDDEN int ty_csv_parse(const char *name, const char *data, size_t len,
			   struct ty_table **out, tyche_error *err);

/* A workbook: its worksheets by name. */
struct ty_book {
	size_t nsheets;
	struct ty_table **sheets;   /* each has ->sheet set */
};
/* Read every worksheet of a .xlsx workbook (lib/xlsx.c). */
TY_HIDDEN int ty_xlsx_read(const char *path, struct ty_book **out, tyche_error *err);
TY_HIDDEN void ty_book_free(struct ty_book *b);
/* The sheet named `name`, or NULL. */
TY_HIDDEN struct ty_table *ty_book_sheet(const struct ty_book *b, const char *name);
/* Same from memory (`name` is the workbook name used in messages). */
TY_HIDDEN int ty_xlsx_read_mem(const char *name, const void *data, size_t len,
				struct ty_book **out, tyche_error *err);

#endif
