/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-config.c - unit tests of the one server config reader (lib/config.c):
 * every key read with its default, the need flags, every kind of bad
 * value located as file:line:col with the expected form, keys given twice
 * in each mapping, unknown keys listing the expected ones, and the host
 * matching of allowed_hosts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tyche.h"
#include "tap.h"

static char path[300];

static int load(const char *text, unsigned need, tyche_server_config **c, tyche_error *err)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	memset(err, 0, sizeof(*err));
	*c = NULL;
	return tyche_server_config_load(c, path, need, err);
}

/* The config text fails with a message holding want at line:col. */
static void bad(const char *text, unsigned need, int line, int col, const char *want)
{
	tyche_server_config *c;
	tyche_error err;
	int rc = load(text, need, &c, &err);

	ok(rc == TYCHE_EDATA && !c && err.line == line && err.col == col &&
	   strstr(err.msg, want) && !strcmp(err.where, path),
	   "refused at %d:%d: %s", line, col, want);
	if (rc != TYCHE_EDATA || err.line != line || err.col != col || !strstr(err.msg, want))
		tap_diag("got rc %d at %d:%d: %s", rc, err.line, err.col, err.msg);
	tyche_server_config_free(c);
}

#define KEY "jV9tG7eICGRkUBuVp0ontofSRM3URh4PfCnLWF24lHQ="

static void test_all_keys(void)
{
	tyche_server_config *c;
	tyche_error err;

	ok(load("contexts: /c\nstore: /s\ncache: /k\nmodels: /m\nsingle_user: true\n"
		"defaults: { samples: 200, seed: 18446744073709551615 }\n"
		"allowed_hosts: [a.example, \"[::1]:8443\"]\n"
		"request_limits: { wall_seconds: 2.5, cpu_seconds: 3 }\n"
		"proxy: http://proxy:3128\n"
		"sources:\n  - name: lake\n    url: https://x.example/r\n    keys: [\"" KEY "\"]\n"
		"    dest: /d\n    ca_file: /ca.pem\n    max_bytes: 10\n    timeout: 5\n    retries: 0\n",
		TYCHE_CONFIG_NEED_SERVE | TYCHE_CONFIG_NEED_SOURCES, &c, &err) == 0,
	   "every key reads (%s)", err.msg);
	if (!c)
		return;
	ok(!strcmp(c->contexts, "/c") && !strcmp(c->store, "/s") && !strcmp(c->cache, "/k") &&
	   !strcmp(c->models, "/m") && c->single_user == 1, "folders and single_user");
	ok(c->samples == 200 && c->seed == UINT64_MAX, "defaults");
	ok(c->nallowed_hosts == 2 && !strcmp(c->allowed_hosts[1], "[::1]:8443"),
	   "allowed_hosts replaces the default");
	ok(c->wall_seconds == 2.5 && c->cpu_seconds == 3, "request_limits");
	ok(c->nsources == 1 && c->has_sources && !strcmp(c->sources[0].url, "https://x.example/r/") &&
	   c->sources[0].nkeys == 1 && c->sources[0].max_bytes == 10 && c->sources[0].timeout == 5 &&
	   c->sources[0].retries == 0 && !strcmp(c->sources[0].ca_file, "/ca.pem"),
	   "a source, its url ending in '/'");
	ok(!strcmp(c->proxy, "http://proxy:3128"), "proxy");
	tyche_server_config_free(c);
}

static void test_defaults_and_need(void)
{
	tyche_server_config *c;
	tyche_error err;

	ok(load("contexts: /c\nstore: /s\ncache: /k\n", TYCHE_CONFIG_NEED_SERVE, &c, &err) == 0 && c,
	   "the CGI's three keys are enough for it");
	if (c) {
		ok(c->samples == 1000 && c->seed == 1 && c->wall_seconds == 30 &&
		   c->cpu_seconds == 30 && !c->single_user && !c->models && !c->proxy &&
		   !c->nsources && !c->has_sources, "defaults");
		ok(c->nallowed_hosts == 3 && !strcmp(c->allowed_hosts[0], "localhost") &&
		   !strcmp(c->allowed_hosts[1], "127.0.0.1") && !strcmp(c->allowed_hosts[2], "::1"),
		   "allowed hosts default to the loopback names");
		ok(tyche_server_config_host_allowed(c, "LOCALHOST.:8080") &&
		   tyche_server_config_host_allowed(c, "[::1]") &&
		   !tyche_server_config_host_allowed(c, "evil.example") &&
		   !tyche_server_config_host_allowed(c, "local host"), "host matching");
		tyche_server_config_free(c);
	}
	bad("contexts: /c\nstore: /s\ncache: /k\n", TYCHE_CONFIG_NEED_SOURCES, 1, 1,
	    "no 'sources' list");
	bad("sources: []\ncache: /k\n", TYCHE_CONFIG_NEED_SERVE, 1, 1, "missing key 'contexts'");
	bad("contexts: /c\nstore: /s\nsources: []\n", TYCHE_CONFIG_NEED_SERVE, 1, 1,
	    "missing key 'cache'");
	ok(load("sources: []\n", TYCHE_CONFIG_NEED_SOURCES, &c, &err) == 0 && c && c->has_sources,
	   "an empty sources list is a list");
	tyche_server_config_free(c);
	ok(load("sources: []\n", 0, &c, &err) == 0, "no need: any valid file");
	tyche_server_config_free(c);
	memset(&err, 0, sizeof(err));
	ok(tyche_server_config_load(&c, "/nonexistent/tyche.yml", 0, &err) == TYCHE_ENOENT &&
	   !c && strstr(err.msg, "cannot read the config: No such file"),
	   "a missing file: %s", err.msg);
}

static void test_errors(void)
{
	bad("contexts: /c\nstroe: /s\n", 0, 2, 1,
	    "unknown top-level key 'stroe' (expected contexts, store, cache, models, "
	    "single_user, defaults, allowed_hosts, request_limits, sources, proxy, admins, uploads)");
	bad("- a\n- b\n", 0, 1, 1, "expected a mapping of keys (contexts,");
	bad("contexts: [a\n", 0, 2, 1, "yaml: ");
	bad("contexts: /c\ncontexts: /d\n", 0, 2, 1, "'contexts' is given twice");
	bad("cache: /c\nstore: /s\ncache: /d\n", 0, 3, 1, "'cache' is given twice");
	bad("cache: { dir: /c }\n", 0, 1, 8, "'cache': expected a directory name");
	bad("store: \"\"\n", 0, 1, 8, "'store': expected a directory name");
	bad("single_user: yes\n", 0, 1, 14, "'single_user': expected true or false");
	bad("defaults:\n  samples: lots\n", 0, 2, 12,
	    "'defaults.samples': expected an integer from 1 to 1000000");
	bad("defaults: { samples: 0 }\n", 0, 1, 22, "from 1 to 1000000");
	bad("defaults: { seed: -1 }\n", 0, 1, 19, "'defaults.seed': expected an integer from 0 to");
	bad("defaults: { samples: 5, samples: 6 }\n", 0, 1, 25, "'samples' is given twice");
	bad("defaults: { sample: 5 }\n", 0, 1, 13,
	    "unknown key 'defaults.sample' (expected samples, seed)");
	bad("defaults: 5\n", 0, 1, 11, "'defaults': expected a mapping with samples and seed");
	bad("request_limits: { wall_seconds: 0 }\n", 0, 1, 33,
	    "'request_limits.wall_seconds': expected a number of seconds from 0.001 to 86400");
	bad("request_limits: { cpu_seconds: 1, cpu_seconds: 2 }\n", 0, 1, 35,
	    "'cpu_seconds' is given twice");
	bad("request_limits: { wall: 1 }\n", 0, 1, 19,
	    "unknown key 'request_limits.wall' (expected wall_seconds, cpu_seconds)");
	bad("allowed_hosts: []\n", 0, 1, 16, "'allowed_hosts': expected a list of host names");
	bad("allowed_hosts:\n  - ok.example\n  - \"evil host/\"\n", 0, 3, 5,
	    "'allowed_hosts': 'evil host/' is not a host name");
	bad("proxy: socks5://p\n", 0, 1, 8, "'proxy': expected an http:// or https:// URL");
	bad("sources: {}\n", 0, 1, 10, "'sources': expected a list of sources");
	bad("sources:\n  - name: a\n    url: https://x/\n    keys: [\"" KEY "\"]\n    dest: /d\n"
	    "    maxbytes: 5\n", 0, 6, 5,
	    "unknown source key 'maxbytes' (expected name, url, keys, dest, ca_file, max_bytes, "
	    "timeout, retries)");
	bad("sources:\n  - name: a\n    url: http://x/\n", 0, 3, 10,
	    "'url': 'http://x/' is not an https:// URL");
	bad("sources:\n  - name: A_1\n", 0, 2, 11, "'name': 'A_1' must match [a-z0-9-]+");
	bad("sources:\n  - name: a\n    dest: rel\n", 0, 3, 11, "'dest': 'rel' must be an absolute path");
	bad("sources:\n  - name: a\n    keys: [c2hvcnQ=]\n", 0, 3, 12,
	    "'keys': 'c2hvcnQ=' is not a base64 Ed25519 public key");
	bad("sources:\n  - name: a\n    timeout: -3\n", 0, 3, 14,
	    "'timeout': expected an integer from 1 to 86400, found '-3'");
	bad("sources:\n  - name: a\n    name: b\n", 0, 3, 5, "'name' is given twice");
	bad("sources:\n  - name: a\n", 0, 2, 5, "a source needs name, url, keys and dest");
	bad("sources:\n  - { name: a, url: https://x/, keys: [\"" KEY "\"], dest: /d }\n"
	    "  - { name: a, url: https://y/, keys: [\"" KEY "\"], dest: /e }\n", 0, 3, 5,
	    "source 'a' is defined twice");
	bad("sources: []\nsources: []\n", 0, 2, 1, "'sources' is given twice");
}

static void test_hosts(void)
{
	char n[256], p[8];

	ok(!tyche_host_split("Tyche.Example.org.:443", n, sizeof(n), p, sizeof(p)) &&
	   !strcmp(n, "tyche.example.org") && !strcmp(p, "443"), "name:port, case and dot");
	ok(!tyche_host_split("[::1]:80", n, sizeof(n), p, sizeof(p)) && !strcmp(n, "::1") &&
	   !strcmp(p, "80"), "[v6]:port");
	ok(!tyche_host_split("fe80::1", n, sizeof(n), p, sizeof(p)) && !strcmp(n, "fe80::1") && !*p,
	   "bare v6");
	ok(tyche_host_split("a b", n, sizeof(n), p, sizeof(p)) &&
	   tyche_host_split("a:123456", n, sizeof(n), p, sizeof(p)) &&
	   tyche_host_split("[::1", n, sizeof(n), p, sizeof(p)) &&
	   tyche_host_split("", n, sizeof(n), p, sizeof(p)), "refused forms");
}

/* issue 15: admins and upload limits, with safe defaults */
static void test_uploads(void)
{
	tyche_server_config *c;
	tyche_error err;

	ok(load("contexts: /c\n", 0, &c, &err) == 0 && c->uploads.max_bytes == 32ull << 20 &&
	   c->uploads.max_files == 64 && c->uploads.max_studies == 20 && c->nadmins == 0 &&
	   !tyche_server_config_is_admin(c, "alice"),
	   "upload limits default to the safe values, no admins");
	tyche_server_config_free(c);
	ok(load("admins: [alice]\nuploads: {max_bytes: 1000, max_files: 3, max_unpacked: 5000, "
		"max_studies: 2, max_user_bytes: 9000}\n", 0, &c, &err) == 0 &&
	   c->uploads.max_bytes == 1000 && c->uploads.max_files == 3 &&
	   c->uploads.max_unpacked == 5000 && c->uploads.max_studies == 2 &&
	   c->uploads.max_user_bytes == 9000 && tyche_server_config_is_admin(c, "alice") &&
	   !tyche_server_config_is_admin(c, "bob"),
	   "admins and every upload limit are read");
	tyche_server_config_free(c);
	bad("uploads: {max_byts: 1}\n", 0, 1, 11, "unknown key 'uploads.max_byts' (expected max_bytes,");
	bad("uploads: {max_files: -1}\n", 0, 1, 22, "'uploads.max_files': expected an integer");
	bad("admins: alice\n", 0, 1, 9, "'admins': expected a list of user names");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/u-config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		tap_skip_all("cannot make a temp directory");
	snprintf(path, sizeof(path), "%s/tyche.yml", dir);
	test_all_keys();
	test_defaults_and_need();
	test_errors();
	test_hosts();
	test_uploads();
	unlink(path);
	rmdir(dir);
	return tap_done();
}
