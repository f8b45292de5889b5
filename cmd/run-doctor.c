/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run-doctor.c - `tyche-run doctor`: checks a server's setup and says what
 * to fix.  It only reads (the config through lib/config.c, stat() of the
 * folders, the user and group databases, DNS, `systemctl is-enabled`) and
 * prints one line per check: "ok", "warning" (worth a look, not fatal) or
 * "problem" with the command that fixes it.  Exit 1 on any problem.
 *
 * Easy to get wrong:
 *  - "Can the web server write the cache" is decided from the web user's
 *    uid and groups (getgrouplist, which includes supplementary groups
 *    from /etc/group) against the folder's owner, group and mode, not from
 *    access(2), which answers for the caller (usually root, who may do
 *    anything).
 *  - Offline is normal on an intranet server: a source whose host does not
 *    resolve is a warning, never a problem (DNS may also be blocked on
 *    purpose; tyche-fetch then goes through proxy:).
 *  - The timer is checked only when systemd runs (/run/systemd/system);
 *    in a container or with cron, /etc/cron.d/tyche-fetch is looked for.
 */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "run.h"

extern char **environ;

struct doc {
	int problems, warnings, offline;
	uid_t web_uid;
	gid_t web_groups[256];
	int web_ngroups;         /* -1: no such user */
	const char *web_user, *group;
	gid_t gid;               /* of group, when it exists */
	int has_group;
};

static void ok(const char *what, const char *detail)
{
	printf("ok       %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

static void warn(struct doc *d, const char *what, const char *fix)
{
	d->warnings++;
	printf("warning  %s\n", what);
	if (fix)
		printf("         -> %s\n", fix);
}

static void problem(struct doc *d, const char *what, const char *fix)
{
	d->problems++;
	printf("problem  %s\n", what);
	if (fix)
		printf("         -> fix: %s\n", fix);
}

/* May the web user do 'bits' (4 r, 2 w, 1 x) on a file with st?  By the
 * mode bits alone, root too: a web server never runs as root. */
static int web_may(const struct doc *d, const struct stat *st, unsigned bits)
{
	unsigned mode = st->st_mode;

	if (d->web_ngroups < 0)
		return 0;
	if (st->st_uid == d->web_uid)
		return ((mode >> 6) & bits) == bits;
	for (int i = 0; i < d->web_ngroups; i++)
		if (d->web_groups[i] == st->st_gid)
			return ((mode >> 3) & bits) == bits;
	return (mode & bits) == bits;
}

static const char *owner_name(uid_t u, char *buf, size_t n)
{
	struct passwd *pw = getpwuid(u);

	if (pw)
		snprintf(buf, n, "%s", pw->pw_name);
	else
		snprintf(buf, n, "%lu", (unsigned long)u);
	return buf;
}

static const char *group_name(gid_t g, char *buf, size_t n)
{
	struct group *gr = getgrgid(g);

	if (gr)
		snprintf(buf, n, "%s", gr->gr_name);
	else
		snprintf(buf, n, "%lu", (unsigned long)g);
	return buf;
}

/* A folder: exists, is one, and the web user may 'bits' in it. */
static int check_dir(struct doc *d, const char *key, const char *dir, unsigned bits,
		     const char *fix, struct stat *st)
{
	char what[1200], o[64], g[64];

	if (!dir) {
		snprintf(what, sizeof what, "%s: not set in the config", key);
		problem(d, what, "add it to the config");
		return -1;
	}
	if (stat(dir, st)) {
		snprintf(what, sizeof what, "%s: %s: %s", key, dir, strerror(errno));
		problem(d, what, fix);
		return -1;
	}
	if (!S_ISDIR(st->st_mode)) {
		snprintf(what, sizeof what, "%s: %s is not a folder", key, dir);
		problem(d, what, fix);
		return -1;
	}
	snprintf(what, sizeof what, "%s %s (%s:%s %04o)", key, dir,
		 owner_name(st->st_uid, o, sizeof o), group_name(st->st_gid, g, sizeof g),
		 (unsigned)(st->st_mode & 07777));
	if (d->web_ngroups >= 0 && !web_may(d, st, bits)) {
		char w[1400];

		snprintf(w, sizeof w, "%s: the web server's user %s cannot %s it", what,
			 d->web_user, (bits & 2) ? "write" : "read");
		problem(d, w, fix);
		return -1;
	}
	ok(what, NULL);
	return 0;
}

static void check_store_dir(struct doc *d, const char *dir, const char *fix)
{
	struct stat st;
	char what[1200];

	if (check_dir(d, "store", dir, 7, fix, &st))
		return;
	if (d->has_group && (st.st_gid != d->gid || (st.st_mode & 02070) != 02070)) {
		snprintf(what, sizeof what,
			 "store %s: not shared by the group %s (setgid, group rwx: mode 2770)",
			 dir, d->group);
		problem(d, what, fix);
	}
	if (st.st_mode & 07) {
		snprintf(what, sizeof what, "store %s: open to other users (mode %04o)", dir,
			 (unsigned)(st.st_mode & 07777));
		warn(d, what, "chmod o-rwx on it (private scenarios are files in it)");
	}
}

static void check_store(struct doc *d, const char *store)
{
	char fix[1200], sub[1200];

	snprintf(fix, sizeof fix, "tyche-run store init %s --group %s", store ? store : "DIR",
		 d->group);
	check_store_dir(d, store, fix);
	if (!store)
		return;
	for (int i = 0; i < 2; i++) {
		struct stat st;

		snprintf(sub, sizeof sub, "%s/%s", store, i ? "studies" : "scenarios");
		if (stat(sub, &st) && errno == ENOENT)
			continue;   /* made on first use, with the store's mode */
		check_store_dir(d, sub, fix);
	}
}

static void check_contexts(struct doc *d, const char *dir)
{
	struct stat st;
	char fix[1200];
	DIR *dh;
	int n = 0;

	snprintf(fix, sizeof fix, "install -d -o tyche -g %s -m 2775 %s", d->group,
		 dir ? dir : "DIR");
	if (check_dir(d, "contexts", dir, 5, fix, &st))
		return;
	dh = opendir(dir);
	if (!dh)
		return;
	for (struct dirent *e; (e = readdir(dh));)
		if (e->d_name[0] != '.')
			n++;
	closedir(dh);
	if (!n)
		warn(d, "contexts: no decision context yet",
		     "configure sources: and run tyche-fetch, or copy a study folder "
		     "(e.g. /usr/share/tyche/examples/electrolysis) into it");
}

/* The host of an https:// URL or of a proxy URL (scheme://[user@]host[:port]/...). */
static int url_host(const char *url, char *host, size_t n)
{
	const char *p = strstr(url, "://"), *e, *at;
	size_t len;

	p = p ? p + 3 : url;
	e = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(e - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *r = memchr(p, ']', (size_t)(e - p));

		if (!r)
			return -1;
		p++;
		e = r;
	} else {
		const char *c = memchr(p, ':', (size_t)(e - p));

		if (c)
			e = c;
	}
	len = (size_t)(e - p);
	if (!len || len >= n)
		return -1;
	memcpy(host, p, len);
	host[len] = '\0';
	return 0;
}

static void check_dns(struct doc *d, const char *what, const char *url)
{
	char host[256], line[1400];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int rc;

	if (url_host(url, host, sizeof host)) {
		snprintf(line, sizeof line, "%s: cannot read a host name in %s", what, url);
		problem(d, line, "give an https:// URL with a host name");
		return;
	}
	if (d->offline) {
		snprintf(line, sizeof line, "%s: %s not looked up (--offline)", what, host);
		ok(line, NULL);
		return;
	}
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc) {
		snprintf(line, sizeof line, "%s: %s does not resolve (%s); offline, or DNS blocked?",
			 what, host, gai_strerror(rc));
		warn(d, line, "tyche-fetch needs the name resolved (or a proxy: in the config)");
		return;
	}
	freeaddrinfo(res);
	snprintf(line, sizeof line, "%s: %s resolves", what, host);
	ok(line, NULL);
}

static void check_sources(struct doc *d, const tyche_server_config *c)
{
	char line[1400];

	if (!c->nsources) {
		warn(d, "sources: none, so tyche-fetch has nothing to fetch",
		     "add sources: (url, keys, dest) to the config, or copy studies into contexts");
		return;
	}
	if (c->proxy)
		check_dns(d, "proxy", c->proxy);
	for (size_t i = 0; i < c->nsources; i++) {
		const tyche_server_source *s = &c->sources[i];
		struct stat st;

		snprintf(line, sizeof line, "source %s", s->name);
		if (!s->nkeys) {
			snprintf(line, sizeof line, "source %s: no public key", s->name);
			problem(d, line, "tyche-fetch trust-key --source NAME --key KEY");
		} else {
			snprintf(line, sizeof line, "source %s: %zu public key%s", s->name, s->nkeys,
				 s->nkeys == 1 ? "" : "s");
			ok(line, NULL);
		}
		if (s->ca_file && stat(s->ca_file, &st)) {
			snprintf(line, sizeof line, "source %s: ca_file %s: %s", s->name, s->ca_file,
				 strerror(errno));
			problem(d, line, "install the agency's CA file there, or fix ca_file");
		}
		snprintf(line, sizeof line, "source %s", s->name);
		if (!c->proxy)
			check_dns(d, line, s->url);
	}
}

/* 0 enabled, 1 not, -1 could not ask. */
static int unit_enabled(const char *unit)
{
	char *argv[] = { "systemctl", "is-enabled", "--quiet", (char *)unit, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "systemctl", NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) ? 1 : 0;
}

static void check_timer(struct doc *d, const tyche_server_config *c)
{
	struct stat st;

	if (!stat("/run/systemd/system", &st) && S_ISDIR(st.st_mode)) {
		int e = unit_enabled("tyche-fetch.timer");

		if (e == 0)
			ok("tyche-fetch.timer is enabled", NULL);
		else if (e < 0)
			warn(d, "cannot run systemctl to check tyche-fetch.timer", NULL);
		else if (c->nsources)
			problem(d, "tyche-fetch.timer is not enabled: updates are not fetched",
				"systemctl enable --now tyche-fetch.timer");
		else
			warn(d, "tyche-fetch.timer is not enabled (no sources yet)",
			     "systemctl enable --now tyche-fetch.timer once sources: are set");
		return;
	}
	if (!stat("/etc/cron.d/tyche-fetch", &st))
		ok("systemd does not run; /etc/cron.d/tyche-fetch runs tyche-fetch daily", NULL);
	else
		warn(d, "systemd does not run and there is no /etc/cron.d/tyche-fetch",
		     "run tyche-fetch daily from cron");
}

/* Is allowed_hosts the loopback default (or only loopback names)? */
static int only_loopback(const tyche_server_config *c)
{
	for (size_t i = 0; i < c->nallowed_hosts; i++) {
		const char *h = c->allowed_hosts[i];

		if (strncmp(h, "localhost", 9) && strncmp(h, "127.0.0.1", 9) && strncmp(h, "::1", 3) &&
		    strncmp(h, "[::1]", 5))
			return 0;
	}
	return 1;
}

static void check_auth(struct doc *d, const tyche_server_config *c, const char *cfgpath)
{
	char path[1200], line[1400];
	const char *slash = strrchr(cfgpath, '/');
	struct stat st;

	if (c->single_user) {
		warn(d, "single_user: true: no authentication, everyone is the user \"local\"",
		     "only on a machine one person uses");
		return;
	}
	snprintf(path, sizeof path, "%.*s/htpasswd", slash ? (int)(slash - cfgpath) : 1,
		 slash ? cfgpath : ".");
	if (stat(path, &st)) {
		snprintf(line, sizeof line, "no %s: the web server's basic auth has no users", path);
		warn(d, line, "htpasswd -cB FILE NAME (apache2-utils), or put the intranet's SSO in front");
	} else {
		snprintf(line, sizeof line, "users file %s", path);
		ok(line, NULL);
	}
	if (only_loopback(c))
		warn(d, "allowed_hosts: not set, so only localhost, 127.0.0.1 and ::1 are answered",
		     "allowed_hosts: [the names users type] in the config");
	else
		ok("allowed_hosts set", NULL);
}

static void doctor_usage(FILE *f)
{
	fputs("usage: tyche-run doctor [--config FILE] [--web-user USER] [--group GROUP] [--offline]\n"
	      "Checks a server's setup: the config (default $TYCHE_CONFIG, else\n"
	      "/etc/tyche/tyche.yml), the contexts, store and cache folders (owners,\n"
	      "modes, what the web user may do; default www-data, group tyche), the\n"
	      "fetch sources (keys, DNS), the daily fetch and the users file.\n"
	      "Exit 0 when nothing is wrong (warnings allowed), 1 on a problem.\n", f);
}

int run_cmd_doctor(int argc, char **argv)
{
	struct doc d = { .web_user = "www-data", .group = "tyche" };
	const char *cfg = getenv("TYCHE_CONFIG");
	tyche_server_config *c = NULL;
	tyche_error err = { 0 };
	struct passwd *pw;
	struct group *gr;
	struct stat st;
	char buf[1400];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--offline"))
			d.offline = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			doctor_usage(stdout);
			return RUN_EX_OK;
		} else if ((!strcmp(a, "--config") || !strcmp(a, "--web-user") ||
			    !strcmp(a, "--group")) && i + 1 < argc) {
			if (!strcmp(a, "--config"))
				cfg = argv[++i];
			else if (!strcmp(a, "--web-user"))
				d.web_user = argv[++i];
			else
				d.group = argv[++i];
		} else {
			fprintf(stderr, "tyche-run doctor: unknown or incomplete option '%s'\n", a);
			doctor_usage(stderr);
			return RUN_EX_USAGE;
		}
	}
	if (!cfg || !cfg[0])
		cfg = TYCHE_CONFIG_DEFAULT_PATH;

	if (tyche_server_config_load(&c, cfg, TYCHE_CONFIG_NEED_SERVE, &err)) {
		char msg[1200];

		snprintf(buf, sizeof buf, "config: %s", tyche_error_format(&err, msg, sizeof msg));
		problem(&d, buf, "edit the file (the message names line and column)");
		printf("doctor: 1 problem; the rest is checked once the config reads\n");
		return RUN_EX_FAIL;
	}
	ok("config reads", cfg);

	gr = getgrnam(d.group);
	if (gr) {
		d.has_group = 1;
		d.gid = gr->gr_gid;
		snprintf(buf, sizeof buf, "group %s", d.group);
		ok(buf, NULL);
	} else {
		snprintf(buf, sizeof buf, "no group %s (the users who share the store)", d.group);
		problem(&d, buf, "addgroup --system tyche && adduser www-data tyche");
	}
	pw = getpwnam(d.web_user);
	if (!pw) {
		d.web_ngroups = -1;
		snprintf(buf, sizeof buf, "no user %s: what the web server may do is not checked",
			 d.web_user);
		warn(&d, buf, "give the web server's user with --web-user USER");
	} else {
		int n = (int)(sizeof d.web_groups / sizeof d.web_groups[0]);

		d.web_uid = pw->pw_uid;
		if (getgrouplist(d.web_user, pw->pw_gid, d.web_groups, &n) < 0)
			n = (int)(sizeof d.web_groups / sizeof d.web_groups[0]);
		d.web_ngroups = n;
		if (d.has_group) {
			int in = 0;

			for (int i = 0; i < n; i++)
				in |= d.web_groups[i] == d.gid;
			if (!in) {
				snprintf(buf, sizeof buf, "the web server's user %s is not in the group %s",
					 d.web_user, d.group);
				problem(&d, buf, "adduser www-data tyche, then restart the web server");
			}
		}
	}

	check_contexts(&d, c->contexts);
	check_store(&d, c->store);
	{
		char fix[1200];

		snprintf(fix, sizeof fix, "install -d -o %s -g %s -m 2770 %s (or chown and chmod it)",
			 d.web_user, d.group, c->cache ? c->cache : "DIR");
		check_dir(&d, "cache", c->cache, 7, fix, &st);
	}
	check_sources(&d, c);
	check_timer(&d, c);
	check_auth(&d, c, cfg);
	tyche_server_config_free(c);

	printf("doctor: %d problem%s, %d warning%s\n", d.problems, d.problems == 1 ? "" : "s",
	       d.warnings, d.warnings == 1 ? "" : "s");
	return d.problems ? RUN_EX_FAIL : RUN_EX_OK;
}
