/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-dynlib.c - a library opened on first use (lib/dynlib.c): every symbol
 * is found or the open fails with the missing one named; a library that
 * is not installed is an error naming it, and a later name in the list is
 * tried; the tables NLopt and libxlsxwriter are called through hold the
 * same functions the linker would give (dlsym of the loaded library).
 * Also ty_read_file, which sizes its buffer from the file: exact reads at
 * sizes around its slack.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "tap.h"

static void test_dynlib(void)
{
	static const char *const nlopt[] = { "libnlopt.so.0", "libnlopt.so" };
	static const char *const missing_first[] = { "libtyche-no-such.so.9", "libnlopt.so.0" };
	static const char *const none[] = { "libtyche-no-such.so.9", "libtyche-no-such.so" };
	void *fns[3] = { NULL, NULL, NULL };
	const struct ty_dynsym syms[] = { { "nlopt_create", &fns[0] }, { "nlopt_destroy", &fns[1] },
					  { "nlopt_srand", &fns[2] } };
	const struct ty_dynsym bad[] = { { "nlopt_create", &fns[0] },
					 { "nlopt_no_such_function", &fns[1] } };
	char why[256] = "";
	void *h;

	ok(ty_dynlib_open(nlopt, 2, syms, 3, why, sizeof why) == 0 && fns[0] && fns[1] &&
	   fns[2], "NLopt opens and all three symbols are found (%s)", why);
	h = dlopen("libnlopt.so.0", RTLD_NOW | RTLD_NOLOAD);
	ok(h && dlsym(h, "nlopt_create") == fns[0], "the table holds the library's own function");
	if (h)
		dlclose(h);
	memset(fns, 0, sizeof fns);
	ok(ty_dynlib_open(missing_first, 2, syms, 3, why, sizeof why) == 0 && fns[2],
	   "a later name is tried when the first is not installed");
	ok(ty_dynlib_open(none, 2, syms, 3, why, sizeof why) == -1 &&
	   strstr(why, "libtyche-no-such.so.9"), "no library: the reason names it: %s", why);
	ok(ty_dynlib_open(nlopt, 2, bad, 2, why, sizeof why) == -1 &&
	   strstr(why, "libnlopt.so.0 has no nlopt_no_such_function"),
	   "a missing symbol is named: %s", why);
}

static void test_read_sizes(void)
{
	char path[] = "/tmp/u-dynlib-XXXXXX";
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 8193, 65535, 65536, 200000 };
	int fd = mkstemp(path), good = fd >= 0;

	for (size_t k = 0; good && k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t n = sizes[k], len = 1;
		char *want = malloc(n + 1), *got = NULL;

		for (size_t i = 0; want && i < n; i++)
			want[i] = (char)('a' + (i * 7 + k) % 26);
		good = want && ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 &&
		       write(fd, want, n) == (ssize_t)n &&
		       ty_read_file(path, 1u << 20, &got, &len, NULL) == 0 && len == n &&
		       !memcmp(got, want, n) && got[n] == '\0';
		ok(good, "ty_read_file reads all %zu bytes, NUL-terminated", n);
		free(want);
		free(got);
	}
	{
		char *got = NULL;
		tyche_error e = { 0 };

		ok(ty_read_file(path, 1000, &got, NULL, &e) == TYCHE_EDATA && !got &&
		   strstr(e.msg, "larger than the limit"), "over the limit: %s", e.msg);
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
}

int main(void)
{
	test_dynlib();
	test_read_sizes();
	return tap_done();
}
