/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * study-cli.c - `tyche-run study ...`: the analyst's own studies at the
 * shell, the same ones the browser's "My studies" shows (lib/study.c).
 *
 *   tyche-run study [--store DIR] [--user U] add FILE [--name NAME]
 *                   [--models PATH] [--share]
 *   tyche-run study ... list | share NAME | unshare NAME | rm NAME
 *   tyche-run study ... promote OWNER~NAME --contexts DIR
 *
 * The store is --store, else $TYCHE_STORE; the user is --user, else the
 * login name (the browser's user is REMOTE_USER: the same rules).  The
 * upload limits are the library's defaults (TYCHE_STUDY_LIMITS_INIT),
 * the web server's are in its config.  Problems of a study are printed
 * as `tyche-run check` prints them, relative to the upload.
 *
 * Exit codes as `tyche-run store`: 0, 64 usage, 65 data, 66 not found,
 * 70 internal, 74 I/O, 77 not the owner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tyche.h"

#define PROG "tyche-run study"

static const char usage_text[] =
	"usage: " PROG " [--store DIR] [--user USER] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  add FILE [--name NAME] [--models PATH] [--share]\n"
	"                  check a workbook (.xlsx) or a .zip / .tar.gz of the seven\n"
	"                  tables and model files; a clean one becomes your study NAME\n"
	"                  (default: the file name), or its new version\n"
	"  list            your studies and the shared ones\n"
	"  share NAME | unshare NAME   let every user open your study, or not\n"
	"  rm NAME         delete your study (every version)\n"
	"  promote OWNER~NAME --contexts DIR   install a shared study for all\n"
	"\n"
	"The store is --store DIR, else $TYCHE_STORE; the user is --user, else\n"
	"your login name.\n";

static int usage(const char *fmt, const char *arg)
{
	if (fmt) {
		fprintf(stderr, PROG ": ");
		fprintf(stderr, fmt, arg ? arg : "");
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	return 64;
}

static int fail(const tyche_error *err)
{
	char buf[1100];

	fprintf(stderr, PROG ": %s\n", tyche_error_format(err, buf, sizeof(buf)));
	switch (err->code) {
	case TYCHE_EUSAGE: return 64;
	case TYCHE_EDATA: return 65;
	case TYCHE_ENOENT: return 66;
	case TYCHE_EIO: return 74;
	case TYCHE_EPERM: return 77;
	default: return 70;
	}
}

/* The default study name: the file's base name without its ending. */
static void default_name(const char *file, char *out, size_t n)
{
	const char *b = strrchr(file, '/');
	size_t len;
	static const char *const ends[] = { ".tar.gz", ".tgz", ".zip", ".xlsx" };

	b = b ? b + 1 : file;
	snprintf(out, n, "%s", b);
	len = strlen(out);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t k = strlen(ends[i]);

		if (len > k && !strcmp(out + len - k, ends[i])) {
			out[len - k] = '\0';
			break;
		}
	}
}

static int cmd_add(const char *dir, const char *user, int argc, char **argv)
{
	const char *file = NULL, *name = NULL, *models = NULL;
	tyche_load_opts lo = TYCHE_LOAD_OPTS_INIT;
	tyche_diags dg = TYCHE_DIAGS_INIT;
	tyche_error err = { 0 };
	tyche_study s;
	char nbuf[256];
	int share = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--models") && i + 1 < argc)
			models = argv[++i];
		else if (!strcmp(argv[i], "--share"))
			share = 1;
		else if (argv[i][0] == '-' || file)
			return usage("add: unexpected argument '%s'", argv[i]);
		else
			file = argv[i];
	}
	if (!file)
		return usage("add takes a file: add FILE [--name NAME]", NULL);
	if (!name) {
		default_name(file, nbuf, sizeof nbuf);
		name = nbuf;
	}
	lo.model_path = models;
	rc = tyche_study_add(&s, dir, user, name, file, NULL, NULL, &lo, &dg, &err);
	tyche_diags_print(&dg, stderr);
	tyche_diags_release(&dg);
	if (rc)
		return fail(&err);
	if (share && tyche_study_set_shared(dir, user, name, 1, &err)) {
		tyche_study_release(&s);
		return fail(&err);
	}
	printf("study %s~%s version %s (%s)\n", s.owner, s.name, s.version,
	       share || s.shared ? "shared" : "private");
	tyche_study_release(&s);
	return 0;
}

static int cmd_list(const char *dir, const char *user)
{
	tyche_study *v = NULL;
	tyche_error err = { 0 };
	size_t n = 0;

	if (tyche_study_list(&v, &n, dir, user, &err))
		return fail(&err);
	puts("study,owner,name,version,visibility");
	for (size_t i = 0; i < n; i++)
		printf("%s~%s,%s,%s,%s,%s\n", v[i].owner, v[i].name, v[i].owner, v[i].name,
		       v[i].version, v[i].shared ? "shared" : "private");
	tyche_study_list_free(v, n);
	return 0;
}

int tyche_cli_study(int argc, char **argv)
{
	const char *dir = NULL, *user = NULL, *cmd;
	tyche_error err = { 0 };
	int i, nargs, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
			user = argv[++i];
		} else {
			return usage("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return usage("no command given", NULL);
	cmd = argv[i];
	nargs = argc - i - 1;
	if (!dir || !dir[0])
		dir = getenv("TYCHE_STORE");
	if (!dir || !dir[0])
		return usage("no store: give --store DIR or set TYCHE_STORE", NULL);
	if (!user)
		user = tyche_store_default_user();
	if (!user)
		return usage("cannot tell who you are: give --user", NULL);
	tyche_cli_store_umask(dir);
	if (!strcmp(cmd, "add"))
		return cmd_add(dir, user, argc - i, argv + i);
	if (!strcmp(cmd, "list"))
		return nargs ? usage("list takes no argument", NULL) : cmd_list(dir, user);
	if (!strcmp(cmd, "share") || !strcmp(cmd, "unshare") || !strcmp(cmd, "rm")) {
		if (nargs != 1)
			return usage("%s takes the name of your study", cmd);
		if (!strcmp(cmd, "rm"))
			rc = tyche_study_delete(dir, user, argv[i + 1], &err);
		else
			rc = tyche_study_set_shared(dir, user, argv[i + 1], !strcmp(cmd, "share"), &err);
		return rc ? fail(&err) : 0;
	}
	if (!strcmp(cmd, "promote")) {
		char owner[65], name[TYCHE_CONTEXT_NAME_MAX + 1];

		if (nargs != 3 || strcmp(argv[i + 2], "--contexts"))
			return usage("promote takes OWNER~NAME --contexts DIR", NULL);
		if (tyche_study_ref_split(argv[i + 1], owner, name))
			return usage("'%s' is not OWNER~NAME", argv[i + 1]);
		if (tyche_study_promote(dir, owner, name, argv[i + 3], &err))
			return fail(&err);
		printf("installed %s as %s\n", argv[i + 1], name);
		return 0;
	}
	return usage("unknown command '%s'", cmd);
}
