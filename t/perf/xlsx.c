/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xlsx.c (perf) - load time of the largest reference workbook
 * (pv-residential-large.xlsx) against its 7 CSV tables, mean of N runs
 * (default 50, or argv[1]).  Both forms are read from the page cache, so
 * the figures compare parsing, not disk.  Prints nothing but a skip line
 * when ../shared/reference is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "table.h"
#include "../unit/tap.h"

static const char *const sheets[] = {
	"designs", "parameters", "indices", "functions", "results", "tranches", "investments",
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const char *ref = tap_shared_reference();
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 50;
	char path[8192];
	double t0, txlsx, tcsv;
	size_t cells = 0;

	if (!ref) {
		printf("xlsx: skipped (../shared/reference absent)\n");
		return 0;
	}
	if (runs < 1)
		runs = 1;
	snprintf(path, sizeof path, "%s/tyche-xlsx/pv-residential-large.xlsx", ref);
	t0 = now();
	for (int i = 0; i < runs; i++) {
		struct ty_book *b = NULL;
		tyche_error err = { 0 };

		if (ty_xlsx_read(path, &b, &err)) {
			fprintf(stderr, "%s: %s\n", err.where, err.msg);
			return 1;
		}
		if (i == 0)
			for (size_t s = 0; s < b->nsheets; s++)
				cells += (b->sheets[s]->nrows + 1) * b->sheets[s]->ncols;
		ty_book_free(b);
	}
	txlsx = (now() - t0) / runs;
	t0 = now();
	for (int i = 0; i < runs; i++) {
		for (size_t s = 0; s < TY_ARRAY_SIZE(sheets); s++) {
			struct ty_table *t = NULL;
			tyche_error err = { 0 };

			snprintf(path, sizeof path, "%s/tyche/pv-residential-large/%s.csv", ref, sheets[s]);
			if (ty_csv_read(path, &t, &err)) {
				fprintf(stderr, "%s: %s\n", err.where, err.msg);
				return 1;
			}
			ty_table_free(t);
		}
	}
	tcsv = (now() - t0) / runs;
	printf("xlsx: pv-residential-large.xlsx (7 sheets, %zu cells): %.3f ms per load (mean of %d)\n",
	       cells, txlsx * 1e3, runs);
	printf("xlsx: pv-residential-large/*.csv (7 tables via ty_csv_read): %.3f ms per load (mean of %d)\n",
	       tcsv * 1e3, runs);
	printf("xlsx: workbook / csv = %.2fx\n", txlsx / tcsv);
	return 0;
}
