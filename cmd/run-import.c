/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-import.c - `tyche-run import-model MODEL.py -o MODEL.yml`: runs the
 * Python importer (python/tyche_c/import_model.py, which translates a
 * reference-style numpy model into the model language with Python's ast
 * module).  The translation is Python's job because it parses Python; this
 * file only finds the script and execs python3 on it.
 *
 * The script is, in order: $TYCHE_IMPORTER; ../../python/tyche_c/ beside
 * this executable (the build tree, build/bin/tyche-run); the installed
 * PREFIX/share/tyche/import_model.py.  The interpreter is $TYCHE_PYTHON or
 * python3 on PATH.  Easy to get wrong: argv[0] of the script must stay the
 * script, and a missing python3 is an error naming what was tried (exit 69),
 * never a silent success.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

static int exists(const char *p)
{
	return access(p, R_OK) == 0;
}

static int find_script(char *out, size_t n)
{
	const char *env = getenv("TYCHE_IMPORTER");
	char exe[PATH_MAX];
	ssize_t k;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return exists(out);
	}
	k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k > 0) {
		char *slash;

		exe[k] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, n, "%s/../../python/tyche_c/import_model.py", exe);
			if (exists(out))
				return 1;
		}
	}
	snprintf(out, n, "%s", TYCHE_PREFIX "/share/tyche/import_model.py");
	return exists(out);
}

int run_cmd_import(int argc, char **argv)
{
	char script[PATH_MAX + 64];
	const char *py = getenv("TYCHE_PYTHON");
	char **args;

	if (!find_script(script, sizeof script)) {
		fprintf(stderr, "tyche-run import-model: the importer script is missing "
			"(looked for %s; set TYCHE_IMPORTER)\n", script);
		return RUN_EX_SOFTWARE;
	}
	if (!py || !*py)
		py = "python3";
	args = calloc((size_t)argc + 2, sizeof *args);
	if (!args)
		return RUN_EX_SOFTWARE;
	args[0] = (char *)py;
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	execvp(py, args);
	fprintf(stderr, "tyche-run import-model: cannot run %s: %s (set TYCHE_PYTHON)\n",
		py, strerror(errno));
	free(args);
	return 69;
}
