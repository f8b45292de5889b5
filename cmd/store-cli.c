/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store-cli.c - `tyche-run store ...`: the scenario store at the shell.
 *
 *   tyche-run store [--store DIR] [--user U] list [--owner U] [--context C]
 *                   [--tag T] [--mine] [--shared] [--format csv|json]
 *   tyche-run store ... show ID | share ID | unshare ID | rename ID NAME |
 *                       delete ID | diff ID1 ID2
 *   tyche-run store init DIR [--group GROUP]   a group-shared store
 *
 * The store is --store, else $TYCHE_STORE; the acting user is --user, else
 * the login name.  Access rules are the library's, not this file's: the
 * CLI only parses, calls and prints.  --user does not grant anything the
 * Unix permissions of the store directory do not: whoever can run this
 * with write access to DIR can edit its files anyway.
 *
 * Exit codes (sysexits.h): 0 ok, 64 usage, 65 data error, 66 not found,
 * 70 internal, 74 I/O, 77 not the owner (TYCHE_EPERM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tyche.h"

#define PROG "tyche-run store"

static const char usage_text[] =
	"usage: " PROG " [--store DIR] [--user USER] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  list [--owner U] [--context C] [--tag T] [--mine] [--shared]\n"
	"       [--format csv|json]   scenarios you may read, newest first\n"
	"  show ID                    the whole scenario as JSON\n"
	"  share ID | unshare ID      make your scenario readable by all, or not\n"
	"  rename ID NAME             give your scenario a new name\n"
	"  delete ID                  delete your scenario\n"
	"  diff ID1 ID2               differences of inputs and metrics, as JSON\n"
	"  init DIR [--group GROUP]   set up a store the members of GROUP share\n"
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

static int exit_code(int code)
{
	switch (code) {
	case 0: return 0;
	case TYCHE_EUSAGE: return 64;
	case TYCHE_EDATA: return 65;
	case TYCHE_ENOENT: return 66;
	case TYCHE_EIO: return 74;
	case TYCHE_EPERM: return 77;
	default: return 70;
	}
}

static int fail(const tyche_error *err)
{
	char buf[1100];

	fprintf(stderr, PROG ": %s\n", tyche_error_format(err, buf, sizeof(buf)));
	return exit_code(err->code);
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; returns the value (and
 * advances *i) or NULL when argv[*i] is not this option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name,
			     int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* One CSV field, quoted when it holds a separator, quote or line break. */
static void csv_field(const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

static void print_csv(const tyche_scenario *v, size_t n)
{
	puts("id,name,owner,created,modified,visibility,context,tags,samples,seed");
	for (size_t i = 0; i < n; i++) {
		char t1[32], t2[32], num[32], tags[TYCHE_SCENARIO_TAGS_MAX * (TYCHE_SCENARIO_TAG_MAX + 1) + 1];
		size_t k = 0;

		tags[0] = '\0';
		for (size_t j = 0; j < v[i].ntags; j++)
			k += (size_t)snprintf(tags + k, sizeof(tags) - k, "%s%s",
					      j ? "," : "", v[i].tags[j]);
		csv_field(v[i].id, 0);
		csv_field(v[i].name, 0);
		csv_field(v[i].owner, 0);
		csv_field(tyche_time_format(v[i].created, t1), 0);
		csv_field(tyche_time_format(v[i].modified, t2), 0);
		csv_field(v[i].shared ? "shared" : "private", 0);
		csv_field(v[i].context, 0);
		csv_field(tags, 0);
		snprintf(num, sizeof(num), "%ld", v[i].samples);
		csv_field(num, 0);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v[i].seed);
		csv_field(num, 1);
	}
}

static int cmd_list(tyche_store *st, const char *user, int argc, char **argv)
{
	tyche_store_filter f = TYCHE_STORE_FILTER_INIT;
	tyche_diags dg = TYCHE_DIAGS_INIT;
	tyche_error err = { 0 };
	tyche_scenario *v = NULL;
	const char *format = "csv", *val;
	size_t n = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		int missing = 0;

		if ((val = opt_value(argc, argv, &i, "--owner", &missing)))
			f.owner = val;
		else if ((val = opt_value(argc, argv, &i, "--context", &missing)))
			f.context = val;
		else if ((val = opt_value(argc, argv, &i, "--tag", &missing)))
			f.tag = val;
		else if ((val = opt_value(argc, argv, &i, "--format", &missing)))
			format = val;
		else if (!strcmp(argv[i], "--mine"))
			f.mine = 1;
		else if (!strcmp(argv[i], "--shared"))
			f.shared = 1;
		else
			return usage(missing ? "option %s needs a value" :
				     "list: unknown argument '%s'", argv[i]);
	}
	if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		return usage("unknown format '%s', expected csv or json", format);
	rc = tyche_store_list(&v, &n, st, user, &f, &dg, &err);
	tyche_diags_print(&dg, stderr);
	tyche_diags_release(&dg);
	if (rc)
		return fail(&err);
	if (!strcmp(format, "json")) {
		char *text = tyche_scenario_list_to_json(v, n, 1);

		if (!text) {
			tyche_scenario_list_free(v, n);
			fprintf(stderr, PROG ": out of memory\n");
			return 70;
		}
		puts(text);
		free(text);
	} else {
		print_csv(v, n);
	}
	tyche_scenario_list_free(v, n);
	return 0;
}

static int cmd_show(tyche_store *st, const char *user, const char *id)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	char *text;

	if (tyche_store_load(&sc, st, user, id, &err))
		return fail(&err);
	text = tyche_scenario_to_json(&sc, 1);
	tyche_scenario_release(&sc);
	if (!text) {
		fprintf(stderr, PROG ": out of memory\n");
		return 70;
	}
	puts(text);
	free(text);
	return 0;
}

static int cmd_diff(tyche_store *st, const char *user, const char *a, const char *b)
{
	tyche_error err = { 0 };
	char *text = NULL;

	if (tyche_store_diff(&text, st, user, a, b, &err))
		return fail(&err);
	puts(text);
	free(text);
	return 0;
}

/* init DIR [--group G]: a store the members of G share (setgid folders,
 * group-writable; see doc/deploy.md). */
static int cmd_init(int argc, char **argv)
{
	const char *dir = NULL, *group = NULL, *val;
	tyche_error err = { 0 };

	for (int i = 1; i < argc; i++) {
		int missing = 0;

		if ((val = opt_value(argc, argv, &i, "--group", &missing)))
			group = val;
		else if (missing || argv[i][0] == '-' || dir)
			return usage(missing ? "option %s needs a value" :
				     "init: unexpected argument '%s'", argv[i]);
		else
			dir = argv[i];
	}
	if (!dir)
		return usage("init takes the store folder: init DIR [--group GROUP]", NULL);
	if (tyche_store_init(dir, group, &err))
		return fail(&err);
	printf("store %s is ready%s%s: members of the group save and share there "
	       "(with umask 007)\n", dir, group ? " for group " : "", group ? group : "");
	return 0;
}

/* In a group-shared store (its folder is setgid) what we create must stay
 * writable by the group: umask 007, as doc/deploy.md sets for the server. */
void tyche_cli_store_umask(const char *dir)
{
	struct stat st;

	if (dir && stat(dir, &st) == 0 && (st.st_mode & S_ISGID))
		umask(007);
}

int tyche_cli_store(int argc, char **argv)
{
	const char *dir = NULL, *user = NULL, *cmd, *val;
	tyche_store *st = NULL;
	tyche_error err = { 0 };
	int i, nargs, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		int missing = 0;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if ((val = opt_value(argc, argv, &i, "--store", &missing))) {
			dir = val;
		} else if ((val = opt_value(argc, argv, &i, "--user", &missing))) {
			user = val;
		} else {
			return usage(missing ? "option %s needs a value" :
				     "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return usage("no command given", NULL);
	cmd = argv[i];
	nargs = argc - i - 1;
	if (!strcmp(cmd, "init"))
		return cmd_init(argc - i, argv + i);
	if (!dir || !dir[0])
		dir = getenv("TYCHE_STORE");
	if (!dir || !dir[0])
		return usage("no store: give --store DIR or set TYCHE_STORE", NULL);
	if (!user)
		user = tyche_store_default_user();
	if (!user)
		return usage("cannot tell who you are: give --user", NULL);

	if (!strcmp(cmd, "list")) {
		/* checked below, after the store is open */
	} else if (!strcmp(cmd, "show") || !strcmp(cmd, "share") ||
		   !strcmp(cmd, "unshare") || !strcmp(cmd, "delete")) {
		if (nargs != 1)
			return usage("%s takes one scenario id", cmd);
	} else if (!strcmp(cmd, "rename") || !strcmp(cmd, "diff")) {
		if (nargs != 2)
			return usage(!strcmp(cmd, "rename") ? "%s takes an id and a new name"
							   : "%s takes two scenario ids", cmd);
	} else {
		return usage("unknown command '%s'", cmd);
	}

	tyche_cli_store_umask(dir);
	if (tyche_store_open(&st, dir, &err))
		return fail(&err);
	if (!strcmp(cmd, "list")) {
		rc = cmd_list(st, user, argc - i, argv + i);
	} else if (!strcmp(cmd, "show")) {
		rc = cmd_show(st, user, argv[i + 1]);
	} else if (!strcmp(cmd, "diff")) {
		rc = cmd_diff(st, user, argv[i + 1], argv[i + 2]);
	} else {
		if (!strcmp(cmd, "share") || !strcmp(cmd, "unshare"))
			rc = tyche_store_set_shared(st, user, argv[i + 1],
						    !strcmp(cmd, "share"), &err);
		else if (!strcmp(cmd, "rename"))
			rc = tyche_store_rename(st, user, argv[i + 1], argv[i + 2], &err);
		else
			rc = tyche_store_delete(st, user, argv[i + 1], &err);
		rc = rc ? fail(&err) : 0;
	}
	tyche_store_free(st);
	if (fflush(stdout) != 0 && !rc) {
		fprintf(stderr, PROG ": cannot write the output\n");
		rc = 74;
	}
	return rc;
}
