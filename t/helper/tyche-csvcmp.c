/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-csvcmp - compare two long-form result tables (test helper).
 *
 *   tyche-csvcmp [--rel R] [--abs A] EXPECTED ACTUAL
 *
 * Rows are matched by every column except Value, in order; a row of
 * EXPECTED with an empty Scenario is skipped (the reference's never-
 * produced rows).  Values agree when equal, both NaN, or within R relative
 * / A absolute.  Exit 0 when they agree, 1 with the differences on stdout.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static int parse_val(const char *s, double *v)
{
	if (!strcmp(s, "NaN") || !strcmp(s, "nan") || !*s) {
		*v = NAN;
		return 0;
	}
	if (!strcmp(s, "inf")) {
		*v = INFINITY;
		return 0;
	}
	if (!strcmp(s, "-inf")) {
		*v = -INFINITY;
		return 0;
	}
	return ty_parse_number(s, v);
}

int main(int argc, char **argv)
{
	double rel = 1e-9, abs_ = 1e-12;
	struct ty_table *e = NULL, *a = NULL;
	tyche_error err = { 0 };
	long ve, va, se;
	size_t ia = 0, bad = 0, compared = 0;
	int i = 1;
	char buf[1024];

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--rel"))
			rel = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--abs"))
			abs_ = strtod(argv[i + 1], NULL);
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: tyche-csvcmp [--rel R] [--abs A] EXPECTED ACTUAL\n");
		return 2;
	}
	if (ty_csv_read(argv[i], &e, &err) || ty_csv_read(argv[i + 1], &a, &err)) {
		fprintf(stderr, "%s\n", tyche_error_format(&err, buf, sizeof buf));
		return 2;
	}
	ve = ty_table_col(e, "Value");
	va = ty_table_col(a, "Value");
	se = ty_table_col(e, "Scenario");
	if (ve < 0 || va < 0 || e->ncols != a->ncols) {
		fprintf(stderr, "tables have different columns\n");
		return 1;
	}
	for (size_t r = 0; r < e->nrows; r++) {
		double x, y;

		if (se >= 0 && !ty_table_cell(e, r, (size_t)se)[0])
			continue;
		if (ia >= a->nrows) {
			printf("missing row %zu of expected (line %u)\n", r + 1, e->line[r]);
			bad++;
			continue;
		}
		for (size_t c = 0; c < e->ncols; c++) {
			if ((long)c == ve)
				continue;
			if (strcmp(ty_table_cell(e, r, c), ty_table_cell(a, ia, c))) {
				printf("line %u: column %s: expected '%s', got '%s'\n", e->line[r],
				       e->header[c], ty_table_cell(e, r, c), ty_table_cell(a, ia, c));
				bad++;
			}
		}
		if (parse_val(ty_table_cell(e, r, (size_t)ve), &x) ||
		    parse_val(ty_table_cell(a, ia, (size_t)va), &y)) {
			printf("line %u: unparsable value\n", e->line[r]);
			bad++;
		} else if (!((isnan(x) && isnan(y)) || x == y ||
			     fabs(x - y) <= rel * fmax(fabs(x), fabs(y)) || fabs(x - y) <= abs_)) {
			printf("line %u: value: expected %.17g, got %.17g\n", e->line[r], x, y);
			bad++;
		}
		compared++;
		ia++;
	}
	if (ia < a->nrows) {
		printf("%zu extra rows in actual\n", a->nrows - ia);
		bad++;
	}
	printf("%zu rows compared, %zu differences\n", compared, bad);
	ty_table_free(e);
	ty_table_free(a);
	return bad ? 1 : 0;
}
