/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-catalog.c - unit tests of the context catalog (lib/catalog.c): the
 * depth-1 list the web server serves (folders with designs.csv, .xlsx
 * workbooks, hidden and badly named entries left out, a folder and a
 * workbook of one name listed once), the recursive walk of a release
 * (every depth, the root itself, symlinks not followed, every name kept),
 * resolve by name, the load status per entry, and the hash without
 * loading matching the loaded context's hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tyche.h"
#include "tap.h"

static char dir[256];

static void touch(const char *rel)
{
	char p[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (f) {
		fputs("x\n", f);
		fclose(f);
	}
}

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[2000];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/* "name:kind name:kind ..." of a catalog. */
static const char *names(const tyche_catalog *c)
{
	static char buf[2000];

	buf[0] = '\0';
	for (size_t i = 0; c && i < c->n; i++) {
		size_t n = strlen(buf);

		snprintf(buf + n, sizeof(buf) - n, "%s%s:%c", i ? " " : "", c->v[i].name,
			 c->v[i].kind == TYCHE_CONTEXT_FOLDER ? 'f' : 'w');
	}
	return buf;
}

static void test_names(void)
{
	char longname[120];

	memset(longname, 'a', 101);
	longname[101] = '\0';
	ok(tyche_context_name_ok("electrolysis") && tyche_context_name_ok("A-1_b.2"),
	   "plain names are valid");
	ok(!tyche_context_name_ok("") && !tyche_context_name_ok(".x") && !tyche_context_name_ok("-x") &&
	   !tyche_context_name_ok("a/b") && !tyche_context_name_ok("a b") &&
	   !tyche_context_name_ok(longname) && !tyche_context_name_ok(NULL),
	   "empty, hidden, option-like, slashes, spaces, too long: not valid");
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	const char *ex = "../examples/electrolysis";
	tyche_catalog *cat = NULL;
	tyche_error err = { 0 };
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_diags d = TYCHE_DIAGS_INIT;
	char *p = NULL, sub[400];
	int kind = 0;

	(void)argc;
	(void)argv;
	if (access(ex, R_OK))
		ex = "examples/electrolysis";
	snprintf(dir, sizeof(dir), "%s/u-catalog.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		tap_skip_all("cannot make a temp directory");
	test_names();

	/* good (a real context), same (folder and workbook), book.xlsx, a
	 * folder without designs.csv, hidden, a bad name, a nested context,
	 * a symlink to good */
	ok(sh("cp -R '%s' '%s/good'", ex, dir) == 0, "copy the example");
	snprintf(sub, sizeof(sub), "%s/same", dir);
	mkdir(sub, 0755);
	touch("same/designs.csv");
	touch("same.xlsx");
	touch("book.xlsx");
	snprintf(sub, sizeof(sub), "%s/empty", dir);
	mkdir(sub, 0755);
	touch("empty/parameters.csv");
	snprintf(sub, sizeof(sub), "%s/.hidden", dir);
	mkdir(sub, 0755);
	touch(".hidden/designs.csv");
	snprintf(sub, sizeof(sub), "%s/bad name", dir);
	mkdir(sub, 0755);
	touch("bad name/designs.csv");
	snprintf(sub, sizeof(sub), "%s/empty/deep", dir);
	mkdir(sub, 0755);
	touch("empty/deep/designs.csv");
	touch("empty/deep/inner.xlsx");
	ok(sh("ln -s good '%s/link'%s", dir, "") == 0, "a symlink to a context");

	ok(tyche_catalog_list(&cat, dir, 0, &err) == 0 && cat, "depth 1 lists");
	is_str(names(cat), "book:w good:f link:f same:f", "depth 1: folders with designs.csv, "
	       "workbooks, symlinks followed; hidden, bad names and nested left out; "
	       "same listed once, as the folder");
	ok(cat && cat->n == 4 && strstr(cat->v[1].path, "/good") && !cat->v[1].loaded,
	   "paths joined, nothing loaded yet");
	ok(tyche_catalog_find(cat, "same", TYCHE_CONTEXT_WORKBOOK) == NULL &&
	   tyche_catalog_find(cat, "same", 0) && !tyche_catalog_find(cat, "nope", 0), "find");
	ok(tyche_catalog_load(cat, NULL, &d) == 2, "2 of 4 (book, same) do not load");
	ok(cat && cat->v[1].ok && cat->v[1].nerrors == 0 && strlen(cat->v[1].hash) == 64 &&
	   cat->v[1].loaded, "good: loaded, ok, hashed");
	ok(cat && !cat->v[0].ok && cat->v[0].loaded && cat->v[0].nerrors > 0 && !cat->v[0].hash[0],
	   "book: not ok, its errors counted, no hash");
	ok(d.nerrors >= 2, "the problems went to the diagnostics list");
	tyche_diags_release(&d);
	{
		char h[65];
		tyche_catalog *again = NULL;

		snprintf(h, sizeof(h), "%s", cat ? cat->v[1].hash : "");
		tyche_catalog_list(&again, dir, 0, NULL);
		tyche_catalog_hash(again, &lo);
		is_str(again ? again->v[1].hash : "", h,
		       "the hash without loading is the loaded context's hash");
		ok(again && !again->v[0].hash[0], "a workbook that does not load has no hash");
		tyche_catalog_free(again);
	}
	tyche_catalog_free(cat);
	cat = NULL;

	ok(tyche_catalog_list(&cat, dir, TYCHE_CATALOG_RECURSIVE, &err) == 0, "recursive lists");
	is_str(names(cat), ".hidden:f bad name:f book:w empty/deep:f empty/deep/inner:w good:f "
	       "same:f same:w", "recursive: every depth and name, symlinks not followed, "
	       "folder and workbook of one name both");
	tyche_catalog_free(cat);
	cat = NULL;
	snprintf(sub, sizeof(sub), "%s/good", dir);
	ok(tyche_catalog_list(&cat, sub, TYCHE_CATALOG_RECURSIVE, &err) == 0 && cat &&
	   cat->n == 1 && !strcmp(cat->v[0].name, ".") && !strcmp(cat->v[0].path, sub),
	   "recursive: the directory itself is named '.'");
	tyche_catalog_free(cat);
	cat = NULL;

	ok(tyche_catalog_resolve(dir, "good", &p, &kind) == 0 && kind == TYCHE_CONTEXT_FOLDER &&
	   p && !strcmp(p + strlen(dir), "/good"), "resolve a folder");
	free(p);
	ok(tyche_catalog_resolve(dir, "same", &p, &kind) == 0 && kind == TYCHE_CONTEXT_FOLDER,
	   "resolve prefers the folder");
	free(p);
	ok(tyche_catalog_resolve(dir, "book", &p, &kind) == 0 && kind == TYCHE_CONTEXT_WORKBOOK &&
	   p && !strcmp(p + strlen(dir), "/book.xlsx"), "resolve a workbook");
	free(p);
	ok(tyche_catalog_resolve(dir, "empty", &p, NULL) == TYCHE_ENOENT && !p,
	   "a folder without designs.csv is no context");
	ok(tyche_catalog_resolve(dir, "../good", &p, NULL) == TYCHE_ENOENT &&
	   tyche_catalog_resolve(dir, ".hidden", &p, NULL) == TYCHE_ENOENT &&
	   tyche_catalog_resolve(dir, "nope", &p, NULL) == TYCHE_ENOENT, "bad and unknown names");

	memset(&err, 0, sizeof(err));
	snprintf(sub, sizeof(sub), "%s/missing", dir);
	ok(tyche_catalog_list(&cat, sub, 0, &err) == TYCHE_ENOENT && !cat &&
	   !strcmp(err.where, sub) && strstr(err.msg, "cannot list the contexts"),
	   "a missing directory: %s", err.msg);
	sh("rm -rf '%s'%s", dir, "");
	return tap_done();
}
