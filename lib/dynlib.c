/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dynlib.c - a library opened at run time, on first use, instead of linked:
 * for libraries few requests need and every process would otherwise pay
 * to load (libxlsxwriter: 2.3 ms with minizip and libcrypto; NLopt: about
 * 0.1 ms, a tenth of a CGI request).  lib/export-xlsx.c and
 * lib/optim-nlopt.c keep their calls in a table filled once
 * (pthread_once) through ty_dynlib_open, one (name, slot) pair per
 * function (TY_DYNSYM).
 *
 * Easy to get wrong:
 *  - Open by the soname first ("libnlopt.so.0"): the unversioned name
 *    exists only with the -dev package.  The Debian package must then
 *    depend on the library by name (dpkg-shlibdeps cannot see a dlopen).
 *  - Every symbol is looked up at once, so a library of another ABI is
 *    refused at the first use with the missing symbol named, not by a
 *    crash later.
 *  - The handle stays open for the process (the table points into it).
 *  - dlerror() text is kept at once: the next dl call replaces it.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "internal.h"

int ty_dynlib_open(const char *const *names, size_t nnames, const struct ty_dynsym *syms,
		   size_t nsyms, char *why, size_t whyn)
{
	void *h = NULL;
	const char *e = NULL;

	for (size_t i = 0; !h && i < nnames; i++) {
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (!h && !i) {
			e = dlerror();
			snprintf(why, whyn, "%s", e ? e : "not found");
		}
	}
	if (!h)
		return -1;
	for (size_t i = 0; i < nsyms; i++)
		if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
			snprintf(why, whyn, "%s has no %s", names[0], syms[i].name);
			return -1;
		}
	return 0;
}
