/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tap.h - a tiny TAP producer for the C unit tests (header only). */
#ifndef TAP_H
#define TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* |a - b| <= rel * max(|a|, |b|) or <= abs; NaN equals NaN. */
static inline int tap_close(double a, double b, double rel, double abs_)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (a == b)
		return 1;
	double d = fabs(a - b), m = fmax(fabs(a), fabs(b));
	return d <= rel * m || d <= abs_;
}
#define is_close(a, b, rel, abs_, ...) ok(tap_close((a), (b), (rel), (abs_)), __VA_ARGS__)
static inline int tap_str_report(int okv, const char *a, const char *b)
{
	if (!okv)
		printf("#   got:      '%s'\n#   expected: '%s'\n", a, b);
	return okv;
}
#define is_str(a, b, ...) tap_str_report(ok(strcmp((a), (b)) == 0, __VA_ARGS__), (a), (b))
static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
/* Path of ../shared/reference (from the repo top) or NULL when absent. */
static inline const char *tap_shared_reference(void)
{
	static char buf[4096];
	const char *env = getenv("TYCHE_SHARED");
	const char *cands[] = { env, "../shared/reference", "../../shared/reference",
		"../../../shared/reference", NULL };
	for (int i = 0; i < 5; i++) {
		if (i == 0 && !env)
			continue;
		if (!cands[i])
			break;
		snprintf(buf, sizeof buf, "%s/golden/README.md", cands[i]);
		FILE *f = fopen(buf, "r");
		if (f) {
			fclose(f);
			snprintf(buf, sizeof buf, "%s", cands[i]);
			return buf;
		}
	}
	return NULL;
}
#endif
