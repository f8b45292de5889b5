/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * export-xlsx.c - an explored portfolio as an Excel workbook (libxlsxwriter):
 * the same table as tyche_explore_write's CSV (Level, Category, Metric,
 * Statistic, Value, Units) on sheet "Statistics", the amounts on sheet
 * "Amounts" and what produced them (context, hash, samples, seed) on
 * sheet "About".  The browser page's "Download xlsx" is this file.
 *
 * Easy to get wrong: libxlsxwriter writes only to a named file, so the
 * workbook goes to a private temporary file (mkstemp in $TMPDIR or /tmp,
 * unlinked on every path) and is then streamed to the caller's writer.
 * Values are written as numbers, never as text, so a spreadsheet can sum
 * them; a non-finite value is an empty cell (Excel has no NaN).  Sheet
 * cells hold at most 32,767 characters, so names are cut there by the
 * library, never here.
 *
 * libxlsxwriter is opened with dlopen on the first export, not linked:
 * it brings minizip and libcrypto, whose loading cost every process
 * 2.3 ms of its start (tyche.cgi answers a request in about 1 ms without
 * them).  The header still gives every type and prototype; the calls go
 * through a table filled once (pthread_once, lib/dynlib.c), and a missing
 * library is a located error naming the Debian package, never a crash.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "internal.h"

/* ------------------------------------------------ the library, at run time */

#define XLSX_FNS(X) X(workbook_new_opt) X(workbook_add_worksheet) X(workbook_add_format) \
	X(workbook_close) X(format_set_bold) X(worksheet_write_string) \
	X(worksheet_write_number) X(worksheet_write_boolean) X(worksheet_write_blank) \
	X(worksheet_set_column) X(lxw_strerror)

static struct {
#define X(f) __typeof__(&f) f;
	XLSX_FNS(X)
#undef X
	int ok;
	char why[256];
} lxw;

static pthread_once_t lxw_once = PTHREAD_ONCE_INIT;

static void lxw_open(void)
{
	static const char *const names[] = { "libxlsxwriter.so.4", "libxlsxwriter.so" };
	static const struct ty_dynsym syms[] = {
#define X(f) TY_DYNSYM(lxw, f)
		XLSX_FNS(X)
#undef X
	};

	if (!ty_dynlib_open(names, 2, syms, sizeof syms / sizeof syms[0], lxw.why,
			    sizeof lxw.why))
		lxw.ok = 1;   /* the handle stays open for the process */
}

#define workbook_new_opt lxw.workbook_new_opt
#define workbook_add_worksheet lxw.workbook_add_worksheet
#define workbook_add_format lxw.workbook_add_format
#define workbook_close lxw.workbook_close
#define format_set_bold lxw.format_set_bold
#define worksheet_write_string lxw.worksheet_write_string
#define worksheet_write_number lxw.worksheet_write_number
#define worksheet_write_boolean lxw.worksheet_write_boolean
#define worksheet_write_blank lxw.worksheet_write_blank
#define worksheet_set_column lxw.worksheet_set_column
#define lxw_strerror lxw.lxw_strerror

static void num_or_blank(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double v,
			 lxw_format *f)
{
	if (isfinite(v))
		worksheet_write_number(ws, row, col, v, f);
	else
		worksheet_write_blank(ws, row, col, f);
}

static int fill_workbook(lxw_workbook *wb, const tyche_surface *s,
			 const tyche_explore_result *r, const char *context_name)
{
	lxw_worksheet *st = workbook_add_worksheet(wb, "Statistics");
	lxw_worksheet *am = workbook_add_worksheet(wb, "Amounts");
	lxw_worksheet *ab = workbook_add_worksheet(wb, "About");
	lxw_format *bold = workbook_add_format(wb);
	static const char *const head[] = { "Level", "Category", "Metric", "Statistic",
					    "Value", "Units" };
	lxw_row_t row = 1;

	if (!st || !am || !ab || !bold)
		return -1;
	format_set_bold(bold);
	for (lxw_col_t c = 0; c < 6; c++)
		worksheet_write_string(st, 0, c, head[c], bold);
	for (size_t level = 0; level < r->nlevels; level++)
		for (size_t m = 0; m < r->nmetrics; m++)
			for (size_t k = 0; k < r->nstats; k++, row++) {
				double v = r->value[(level * r->nmetrics + m) * r->nstats + k];

				worksheet_write_string(st, row, 0, level ? "category" : "portfolio",
						       NULL);
				if (level)
					worksheet_write_string(st, row, 1,
							       tyche_surface_category(s, level - 1),
							       NULL);
				worksheet_write_string(st, row, 2, tyche_surface_metric(s, m), NULL);
				worksheet_write_string(st, row, 3, r->stats[k].name, NULL);
				num_or_blank(st, row, 4, v, NULL);
				worksheet_write_string(st, row, 5, tyche_surface_metric_units(s, m),
						       NULL);
			}
	worksheet_set_column(st, 0, 3, 18, NULL);
	worksheet_write_string(am, 0, 0, "Category", bold);
	worksheet_write_string(am, 0, 1, "Amount", bold);
	worksheet_write_string(am, 0, 2, "Extrapolated", bold);
	for (size_t c = 0; c < r->ncategories; c++) {
		worksheet_write_string(am, (lxw_row_t)(c + 1), 0, tyche_surface_category(s, c), NULL);
		num_or_blank(am, (lxw_row_t)(c + 1), 1, r->amounts[c], NULL);
		worksheet_write_boolean(am, (lxw_row_t)(c + 1), 2, r->outside[c] != 0, NULL);
	}
	worksheet_set_column(am, 0, 0, 24, NULL);
	worksheet_write_string(ab, 0, 0, "Context", bold);
	worksheet_write_string(ab, 0, 1, context_name ? context_name : "", NULL);
	worksheet_write_string(ab, 1, 0, "Context hash", bold);
	worksheet_write_string(ab, 1, 1, tyche_surface_context_hash(s), NULL);
	worksheet_write_string(ab, 2, 0, "Samples", bold);
	worksheet_write_number(ab, 2, 1, (double)r->nsamples, NULL);
	worksheet_write_string(ab, 3, 0, "Seed", bold);
	worksheet_write_number(ab, 3, 1, (double)tyche_surface_seed(s), NULL);
	worksheet_write_string(ab, 4, 0, "Producer", bold);
	worksheet_write_string(ab, 4, 1, "tyche " TYCHE_VERSION_STR, NULL);
	return 0;
}

int tyche_explore_write_xlsx(const tyche_surface *s, const tyche_explore_result *r,
			     const char *context_name, tyche_write_fn w, void *arg,
			     tyche_error *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], chunk[1 << 14];
	lxw_workbook_options wo = { .constant_memory = LXW_FALSE, .tmpdir = NULL,
				    .use_zip64 = LXW_FALSE };
	lxw_workbook *wb;
	lxw_error le;
	FILE *f = NULL;
	size_t n;
	int fd, rc = 0;

	pthread_once(&lxw_once, lxw_open);
	if (!lxw.ok)
		return ty_error_at(err, TYCHE_ENOENT, "", 0, 0,
				   "the xlsx export needs libxlsxwriter (Debian: libxlsxwriter4): %s",
				   lxw.why);
	if (!dir || !*dir || strlen(dir) > sizeof(path) - 32)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/tyche-xlsx-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return ty_error_at(err, TYCHE_EIO, "", 0, 0,
				   "cannot create a temporary file for the workbook: %s",
				   strerror(errno));
	close(fd);
	wo.tmpdir = (char *)dir;
	wb = workbook_new_opt(path, &wo);
	if (!wb) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "cannot start the workbook");
		goto out;
	}
	if (fill_workbook(wb, s, r, context_name)) {
		workbook_close(wb);
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	le = workbook_close(wb);
	if (le != LXW_NO_ERROR) {
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot write the workbook: %s",
				 lxw_strerror(le));
		goto out;
	}
	f = fopen(path, "rb");
	if (!f) {
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot read the workbook back: %s",
				 strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (w(chunk, n, arg)) {
			rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot write the output");
			goto out;
		}
	if (ferror(f))
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot read the workbook back");
out:
	if (f)
		fclose(f);
	unlink(path);
	return rc;
}
