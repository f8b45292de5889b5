/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-stamp.c - the cache's stamp of a context's files (context-stamp.c):
 * the hash through the stamp is the quick hash; once written, the stamp
 * answers without reading a table; a table edited in place (same size,
 * same inode), a model file added in a folder searched before the one
 * that was found, or a stamp of another context, all give the new quick
 * hash at once; a stamp is not written while a file is younger than the
 * settling time; tyche_surface_is_current follows the same rule, and the
 * options (samples, seed) too.  Sleeps a few seconds: a file's ctime
 * cannot be set back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "tap.h"

static char *slurp(const char *path)
{
	char *t = NULL;
	size_t n;

	return ty_read_file(path, 1 << 20, &t, &n, NULL) ? NULL : t;
}

/* A shell command from fmt and up to three strings (unused ones "") */
static int run(const char *fmt, const char *a, const char *b, const char *c)
{
	char cmd[13000];

	snprintf(cmd, sizeof cmd, fmt, a, b, c);
	return system(cmd);
}

int main(void)
{
	char dir[] = "/tmp/u-stamp-XXXXXX", ctxdir[4200], models[4200], stamp[4300], cache[4200];
	char quick[65], h[65], h2[65];
	const char *ex = "../examples/electrolysis";
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_analysis_opts o = TYCHE_ANALYSIS_OPTS_INIT;
	tyche_surface *s = NULL;
	tyche_error err = { 0 };
	char *text, *p;
	struct stat sb, before;

	if (access(ex, R_OK))
		ex = "examples/electrolysis";
	if (!mkdtemp(dir))
		return 1;
	snprintf(ctxdir, sizeof ctxdir, "%s/electrolysis", dir);
	snprintf(models, sizeof models, "%s/models", dir);
	snprintf(cache, sizeof cache, "%s/cache", dir);
	snprintf(stamp, sizeof stamp, "%s/electrolysis.tystamp", cache);
	ok(run("cp -R '%s' '%s'", ex, ctxdir, "") == 0 && mkdir(models, 0755) == 0 &&
	   mkdir(cache, 0755) == 0, "copy the example");
	/* the model lives on the model path, not beside the tables */
	ok(run("mv '%s/alkaline_electrolysis.yml' '%s/'", ctxdir, models, "") == 0, "move its model");
	lo.model_path = models;
	o.samples = 32;
	o.seed = 3;
	o.cache_dir = cache;

	ok(ty_context_quick_hash(ctxdir, &lo, quick, NULL, NULL) == 0, "the quick hash");
	ok(ty_context_stamp_hash(ctxdir, &lo, NULL, h) == 0 && !strcmp(h, quick),
	   "no stamp path: the quick hash");
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, quick),
	   "fresh files: the quick hash");
	ok(stat(stamp, &sb) != 0, "and no stamp while the files are younger than 2 s");

	sleep(3);
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, quick),
	   "settled files: the quick hash");
	text = slurp(stamp);
	ok(text && strstr(text, "tranches.csv\n") && strstr(text, "alkaline_electrolysis.yml\n") &&
	   strstr(text, models), "a stamp names the tables, the model and the model path");
	/* a planted hash proves the stamp answers without reading a table */
	if (text && (p = strstr(text, "\nhash ")))
		memset(p + 6, 'a', 64);
	ok(text && ty_write_atomic(stamp, text, strlen(text), 0644, 0, &err) == 0, "plant a hash");
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && h[0] == 'a' && h[63] == 'a',
	   "unchanged files: the stamp's hash, no table read");
	free(text);

	/* the same size and inode, other bytes */
	ok(run("sed 's/,4000000,/,4100000,/' '%s/tranches.csv' >'%s/new.csv'", ctxdir, dir, "") == 0,
	   "an edited table");
	snprintf(cache + strlen(cache), sizeof cache - strlen(cache), "/../electrolysis/tranches.csv");
	ok(stat(cache, &before) == 0 && run("cat '%s/new.csv' >'%s/tranches.csv'", dir, ctxdir, "") == 0 &&
	   stat(cache, &sb) == 0 && sb.st_ino == before.st_ino && sb.st_size == before.st_size,
	   "written in place: the same size and inode");
	cache[strlen(cache) - strlen("/../electrolysis/tranches.csv")] = '\0';
	ok(ty_context_quick_hash(ctxdir, &lo, quick, NULL, NULL) == 0, "the new quick hash");
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, quick),
	   "an edited table gives the new hash at once");

	/* a model file that now comes first in the search order */
	sleep(3);
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, quick), "settled again");
	ok(run("cp '%s/alkaline_electrolysis.yml' '%s/' && echo '# here' >>'%s/alkaline_electrolysis.yml'",
	       models, ctxdir, ctxdir) == 0, "put a model beside the tables");
	ok(ty_context_quick_hash(ctxdir, &lo, h2, NULL, NULL) == 0 && strcmp(h2, quick),
	   "which the quick hash reads instead");
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, h2),
	   "a model file added in a folder searched first gives the new hash");
	ok(run("rm '%s/alkaline_electrolysis.yml'", ctxdir, "", "") == 0, "remove it");

	/* a stamp of another context is never used */
	sleep(3);
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, quick), "settled again");
	ok(run("cp -R '%s' '%s/other'", ctxdir, dir, "") == 0, "copy the context");
	snprintf(ctxdir + strlen(dir), sizeof ctxdir - strlen(dir), "/other");
	ok(ty_context_quick_hash(ctxdir, &lo, h2, NULL, NULL) == 0, "its quick hash");
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, h2),
	   "another context's stamp is not used");
	snprintf(ctxdir + strlen(dir), sizeof ctxdir - strlen(dir), "/electrolysis");

	/* a garbled stamp is no error */
	ok(run("printf 'tyche-stamp 1\\ncontext %s\\nhash x\\n' >'%s'", ctxdir, stamp, "") == 0,
	   "garble the stamp");
	ok(ty_context_stamp_hash(ctxdir, &lo, stamp, h) == 0 && !strcmp(h, quick),
	   "a garbled stamp: the quick hash");

	/* tyche_surface_is_current */
	ok(tyche_surface_open(&s, ctxdir, &lo, &o, NULL, &err) == 0, "open the surface: %s", err.msg);
	ok(tyche_surface_is_current(s, ctxdir, &lo, &o) == 1, "it is current");
	o.samples = 33;
	ok(tyche_surface_is_current(s, ctxdir, &lo, &o) == 0, "not for other samples");
	o.samples = 32;
	o.seed = 4;
	ok(tyche_surface_is_current(s, ctxdir, &lo, &o) == 0, "nor another seed");
	o.seed = 3;
	ok(run("sed -i 's/,4100000,/,4200000,/' '%s/tranches.csv'", ctxdir, "", "") == 0,
	   "edit the table again");
	ok(tyche_surface_is_current(s, ctxdir, &lo, &o) == 0, "then it is not current");
	ok(tyche_surface_is_current(NULL, ctxdir, &lo, &o) == 0, "NULL is never current");
	tyche_surface_free(s);

	ok(tyche_cache_invalidate(cache, "electrolysis", &err) == 0 && stat(stamp, &sb) != 0,
	   "invalidating the context removes its stamp");
	run("rm -rf '%s'", dir, "", "");
	return tap_done();
}
