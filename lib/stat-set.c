/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stat-set.c - the default statistic set and comma-separated statistic
 * lists, parsed once here for the CLI, the report, the CGI and Python.
 *
 * Easy to get wrong: the default set is part of the output format (the
 * columns of --summary, the CGI's cells); change TYCHE_STATS_DEFAULT and
 * every front end changes with it, which is the point.  Blank items
 * ("mean,,q10") are errors, not skipped, so a typo never drops a column.
 */
#include <string.h>

#include "internal.h"

int tyche_stat_parse_list(tyche_stat *out, size_t max, size_t *n, const char *list,
			  tyche_error *err)
{
	const char *p = list && *list ? list : TYCHE_STATS_DEFAULT;
	size_t k = 0;

	*n = 0;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char item[64], where[32];
		tyche_error e2 = { 0 };

		snprintf(where, sizeof where, "statistics[%zu]", k);
		if (k >= max)
			return ty_error_at(err, TYCHE_EUSAGE, where, 0, 0,
					   "too many statistics (at most %zu)", max);
		if (len == 0 || len >= sizeof item)
			return ty_error_at(err, TYCHE_EUSAGE, where, 0, 0,
					   len ? "statistic too long" : "empty statistic in the list");
		memcpy(item, p, len);
		item[len] = '\0';
		if (tyche_stat_parse(&out[k], item, &e2))
			return ty_error_at(err, TYCHE_EUSAGE, where, 0, 0, "%s", e2.msg);
		k++;
		if (!e)
			break;
		p = e + 1;
	}
	*n = k;
	return 0;
}

size_t tyche_stat_defaults(tyche_stat *out, size_t max)
{
	size_t n = 0;

	if (tyche_stat_parse_list(out, max, &n, NULL, NULL))
		return 0;
	return n;
}
