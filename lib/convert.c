/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convert.c - write a workbook's seven tables as a CSV context directory.
 *
 * The CSV files hold exactly the cell text the workbook reader produced,
 * so loading the directory gives the same context as loading the
 * workbook.  Fields are quoted only when they must be (RFC 4180).  Each
 * file is written to a temporary name and renamed, so a failed run never
 * leaves half a table behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"

static int write_table(const struct ty_table *t, const char *path, tyche_error *err)
{
	struct ty_buf b = TY_BUF_INIT;
	int rc;

	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			ty_buf_addc(&b, ',');
		ty_buf_csv(&b, t->header[c]);
	}
	ty_buf_addc(&b, '\n');
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				ty_buf_addc(&b, ',');
			ty_buf_csv(&b, ty_table_cell(t, r, c));
		}
		ty_buf_addc(&b, '\n');
	}
	if (b.oom)
		rc = ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	else
		rc = ty_write_atomic(path, b.p ? b.p : "", b.len, 0644, 1, err);
	ty_buf_release(&b);
	return rc;
}

int tyche_workbook_convert(const char *workbook, const char *dir, tyche_error *err)
{
	struct ty_book *book = NULL;
	struct stat st;
	int rc;

	rc = ty_xlsx_read(workbook, &book, err);
	if (rc)
		return rc;
	for (int i = 0; i < 7; i++)
		if (!ty_book_sheet(book, ty_table_names[i])) {
			ty_book_free(book);
			return ty_error_at(err, TYCHE_EDATA, workbook, 0, 0,
					   "missing sheet: the workbook needs a sheet named '%s'",
					   ty_table_names[i]);
		}
	if (stat(dir, &st) && mkdir(dir, 0755)) {
		ty_book_free(book);
		return ty_error_at(err, TYCHE_EIO, dir, 0, 0, "cannot create directory: %s",
				   strerror(errno));
	}
	for (int i = 0; i < 7 && !rc; i++) {
		char *path = ty_asprintf("%s/%s.csv", dir, ty_table_names[i]);

		rc = write_table(ty_book_sheet(book, ty_table_names[i]), path, err);
		free(path);
	}
	ty_book_free(book);
	return rc;
}
