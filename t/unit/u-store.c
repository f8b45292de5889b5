/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-store.c - unit tests of the scenario store (lib/store*.c): every
 * operation, the access rules between two users, hostile names, ids and
 * users, and damaged files in the store.
 *
 * Each run works in a fresh directory under $TMPDIR; the store's own files
 * are inspected directly to prove that nothing lands outside scenarios/.
 *
 * The listing's fast path (trust the index while scenarios/ is unchanged)
 * is taken only once the directory has been quiet for 2 s, so
 * test_fast_path sleeps twice; every change it makes is then checked to
 * be noticed, one change per store so that each meets a trusted index.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "tyche.h"
#include "store.h"
#include "tap.h"

static char root[256];

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static int file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)) &&
		    strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int json_equal(const char *a, const char *b)
{
	cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
	int eq = x && y && cJSON_Compare(x, y, 1);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return eq;
}

/* A new scenario as the caller fills it. */
static void make(tyche_scenario *sc, const char *name, const char *context,
		 const char *inputs, const char *results)
{
	tyche_scenario_release(sc);
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	snprintf(sc->context, sizeof(sc->context), "%s", context);
	sc->seed = 42;
	sc->samples = 1000;
	sc->inputs_json = inputs ? strdup(inputs) : NULL;
	sc->results_json = results ? strdup(results) : NULL;
}

static size_t list_n(tyche_store *st, const char *user,
		     const tyche_store_filter *f, tyche_diags *dg)
{
	tyche_scenario *v = NULL;
	size_t n = 0;
	tyche_error err = { 0 };

	if (tyche_store_list(&v, &n, st, user, f, dg, &err))
		return (size_t)-1;
	tyche_scenario_list_free(v, n);
	return n;
}

static void test_save_load(tyche_store *st)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT, back = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	char path[512], id[80];
	int64_t created;

	make(&sc, "Base case — €", "pv",
	     "{\"amounts\":{\"Module R&D\":3000000,\"Inverter R&D\":0},"
	     "\"optimise\":{\"metric\":\"LCOE\",\"sense\":\"min\"}}",
	     "{\"metrics\":{\"LCOE\":{\"mean\":0.05,\"p10\":0.04}},\"optimum\":1.5}");
	sc.seed = UINT64_MAX;
	snprintf(sc.context_hash, sizeof(sc.context_hash), "%s",
		 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ok(tyche_scenario_add_tag(&sc, "baseline", &err) == 0, "add a tag");
	ok(tyche_scenario_add_tag(&sc, "2024 review", &err) == 0, "add a tag with a blank");
	ok(tyche_store_save(st, "alice", &sc, &err) == 0, "save a new scenario: %s", err.msg);
	ok(strlen(sc.id) > 16 && strspn(sc.id, "0123456789TZabcdef-") == strlen(sc.id),
	   "save fills a time-and-random id (%s)", sc.id);
	(void)(is_str(sc.owner, "alice", "save sets the owner"));
	ok(sc.created > 1600000000 && sc.created == sc.modified, "save sets created = modified");
	(void)(is_str(sc.version, tyche_version(), "save records the software version"));
	snprintf(path, sizeof(path), "%s/scenarios/%s.json", root, sc.id);
	ok(file_exists(path), "one file per scenario: scenarios/ID.json");
	{
		char *text = slurp(path);

		ok(text && strstr(text, "\"schema\":\t\"tyche-scenario/1\""),
		   "the file names its schema");
		ok(text && strstr(text, "\"visibility\":\t\"private\""),
		   "a new scenario is private");
		ok(text && strstr(text, "\"seed\":\t\"18446744073709551615\""),
		   "a 64-bit seed is kept exactly (as a string)");
		free(text);
	}
	ok(tyche_store_load(&back, st, "alice", sc.id, &err) == 0, "load it back: %s", err.msg);
	(void)(is_str(back.name, "Base case — €", "name round-trips"));
	(void)(is_str(back.context, "pv", "context round-trips"));
	(void)(is_str(back.context_hash, sc.context_hash, "context hash round-trips"));
	ok(back.seed == UINT64_MAX && back.samples == 1000, "seed and samples round-trip");
	ok(back.ntags == 2 && !strcmp(back.tags[0], "baseline") &&
	   !strcmp(back.tags[1], "2024 review"), "tags round-trip in order");
	ok(back.created == sc.created && back.modified == sc.modified, "times round-trip");
	ok(json_equal(back.inputs_json, sc.inputs_json), "inputs round-trip");
	ok(json_equal(back.results_json, sc.results_json), "results round-trip");
	{
		char *j = tyche_scenario_to_json(&back, 0);
		cJSON *o = j ? cJSON_Parse(j) : NULL;
		char *l = tyche_scenario_list_to_json(&back, 1, 1);
		cJSON *a = l ? cJSON_Parse(l) : NULL;

		ok(o && !strcmp(cJSON_GetObjectItem(o, "id")->valuestring, sc.id) &&
		   cJSON_GetObjectItem(cJSON_GetObjectItem(o, "inputs"), "amounts") &&
		   !strcmp(cJSON_GetObjectItem(o, "seed")->valuestring, "18446744073709551615"),
		   "render a scenario as JSON");
		ok(cJSON_GetArraySize(a) == 1 &&
		   !strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "owner")->valuestring, "alice"),
		   "render a list as a JSON array");
		cJSON_Delete(o);
		cJSON_Delete(a);
		free(j);
		free(l);
	}

	/* overwrite by id */
	snprintf(id, sizeof(id), "%s", sc.id);
	created = sc.created;
	snprintf(sc.name, sizeof(sc.name), "Base case v2");
	free(sc.inputs_json);
	sc.inputs_json = strdup("{\"amounts\":{\"Module R&D\":1}}");
	sc.created = 0;   /* callers cannot rewrite history */
	ok(tyche_store_save(st, "alice", &sc, &err) == 0, "overwrite own scenario by id");
	(void)(is_str(sc.id, id, "the id is kept"));
	ok(sc.created == created, "the created time is kept");
	ok(tyche_store_load(&back, st, "alice", id, &err) == 0 &&
	   !strcmp(back.name, "Base case v2") &&
	   json_equal(back.inputs_json, "{\"amounts\":{\"Module R&D\":1}}"),
	   "load sees the new content");
	ok(count_entries(root, "") >= 0 && count_entries(path, "") < 0, "still a file");
	{
		char d[512];

		snprintf(d, sizeof(d), "%s/scenarios", root);
		ok(count_entries(d, ".tmp.") == 0, "no temp files are left");
	}

	/* unknown id */
	snprintf(sc.id, sizeof(sc.id), "20000101T000000Z-000000000000");
	ok(tyche_store_save(st, "alice", &sc, &err) == TYCHE_ENOENT,
	   "saving over an unknown id is 'not found'");
	ok(tyche_store_load(&back, st, "alice", "nope", &err) == TYCHE_ENOENT &&
	   strstr(err.msg, "scenario 'nope' not found"), "load of an unknown id: %s", err.msg);
	/* the saved one keeps its hook-free invariant: temp written, then rename */
	tyche_scenario_release(&sc);
	tyche_scenario_release(&back);
}

static char hook_seen[512];
static int hook_final_existed = -1;
static char hook_final[1024];

static void hook(const char *tmp)
{
	char *text = slurp(tmp);
	cJSON *o = text ? cJSON_Parse(text) : NULL;

	snprintf(hook_seen, sizeof(hook_seen), "%s", o ? tmp : "(incomplete)");
	hook_final_existed = hook_final[0] ? file_exists(hook_final) : -1;
	cJSON_Delete(o);
	free(text);
}

static void test_atomic(tyche_store *st)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	char tmp[1024], d[512];
	int fd;

	snprintf(d, sizeof(d), "%s/scenarios", root);
	ty_before_rename_hook = hook;
	hook_final[0] = '\0';
	make(&sc, "atomic", "", NULL, NULL);
	ok(tyche_store_save(st, "alice", &sc, &err) == 0, "save with the rename hook");
	ok(strstr(hook_seen, "/scenarios/.tmp.") != NULL,
	   "a whole temp file beside the target exists before the rename (%s)", hook_seen);
	snprintf(hook_final, sizeof(hook_final), "%s/%s.json", d, sc.id);
	snprintf(sc.name, sizeof(sc.name), "atomic 2");
	ok(tyche_store_save(st, "alice", &sc, &err) == 0 && hook_final_existed == 1,
	   "on overwrite, the old file is in place until the rename");
	ty_before_rename_hook = NULL;

	/* stale temp files: removed on open unless a live writer holds them */
	snprintf(tmp, sizeof(tmp), "%s/.tmp.99999.deadbeef", d);
	write_text(tmp, "{\"schema\": \"tyche-scen");
	snprintf(d, sizeof(d), "%s/scenarios/.tmp.1.held", root);
	write_text(d, "{");
	fd = open(d, O_RDONLY);
	ok(fd >= 0 && flock(fd, LOCK_EX) == 0, "hold a temp file like a live writer");
	{
		tyche_store *st2 = NULL;

		ok(tyche_store_open(&st2, root, &err) == 0, "reopen the store");
		ok(!file_exists(tmp), "a stale temp file is removed");
		ok(file_exists(d), "a temp file held by a live writer is kept");
		tyche_store_free(st2);
	}
	close(fd);
	unlink(d);
	tyche_scenario_release(&sc);
}

static void test_access(tyche_store *st)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT, back = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 }, e2 = { 0 };
	tyche_store_filter f = TYCHE_STORE_FILTER_INIT;
	char id[80];
	char *diff = NULL;

	make(&sc, "alice private", "pv", "{}", "{}");
	ok(tyche_store_save(st, "alice", &sc, &err) == 0, "alice saves a private scenario");
	snprintf(id, sizeof(id), "%s", sc.id);

	ok(tyche_store_load(&back, st, "bob", id, &err) == TYCHE_ENOENT,
	   "bob cannot load alice's private scenario");
	tyche_store_load(&back, st, "bob", "20000101T000000Z-000000000000", &e2);
	ok(strncmp(err.msg, "scenario '", 10) == 0 &&
	   !strcmp(strchr(strchr(err.msg, '\'') + 1, '\''), strchr(strchr(e2.msg, '\'') + 1, '\'')),
	   "and the answer is the same as for a missing id ('%s')", err.msg);
	ok(tyche_store_set_shared(st, "bob", id, 1, &err) == TYCHE_ENOENT,
	   "bob cannot share it (not found)");
	ok(tyche_store_rename(st, "bob", id, "mine now", &err) == TYCHE_ENOENT,
	   "bob cannot rename it (not found)");
	ok(tyche_store_delete(st, "bob", id, &err) == TYCHE_ENOENT,
	   "bob cannot delete it (not found)");
	ok(tyche_store_diff(&diff, st, "bob", id, id, &err) == TYCHE_ENOENT && !diff,
	   "bob cannot diff it (not found)");
	snprintf(sc.name, sizeof(sc.name), "hijack");
	ok(tyche_store_save(st, "bob", &sc, &err) == TYCHE_ENOENT,
	   "bob cannot overwrite it (not found)");
	f.mine = 0;
	{
		tyche_scenario *v = NULL;
		size_t n = 0, found = 0;

		ok(tyche_store_list(&v, &n, st, "bob", NULL, NULL, &err) == 0, "bob lists");
		for (size_t i = 0; i < n; i++)
			found += !strcmp(v[i].id, id);
		ok(found == 0, "bob's list does not show alice's private scenario");
		tyche_scenario_list_free(v, n);
	}

	ok(tyche_store_set_shared(st, "alice", id, 1, &err) == 0, "alice shares it");
	ok(tyche_store_load(&back, st, "bob", id, &err) == 0 && back.shared == 1 &&
	   !strcmp(back.name, "alice private"), "bob can load a shared scenario");
	/* not the owner is TYCHE_EPERM (the CGI's 403), whatever the message */
	ok(tyche_store_rename(st, "bob", id, "mine now", &err) == TYCHE_EPERM &&
	   err.code == TYCHE_EPERM && strstr(err.msg, "only its owner can change it"),
	   "bob cannot rename a shared scenario (TYCHE_EPERM): %s", err.msg);
	ok(tyche_store_set_shared(st, "bob", id, 0, &err) == TYCHE_EPERM,
	   "bob cannot unshare it (TYCHE_EPERM)");
	ok(tyche_store_set_shared(st, "bob", id, 1, &err) == TYCHE_EPERM,
	   "bob cannot share it again either (TYCHE_EPERM)");
	ok(tyche_store_delete(st, "bob", id, &err) == TYCHE_EPERM,
	   "bob cannot delete it (TYCHE_EPERM)");
	ok(tyche_store_save(st, "bob", &sc, &err) == TYCHE_EPERM && err.code == TYCHE_EPERM,
	   "bob cannot overwrite it (TYCHE_EPERM)");
	ok(tyche_store_rename(st, "bob", id, "", &err) == TYCHE_EUSAGE,
	   "a bad name is still a usage error before ownership is looked at");
	ok(tyche_store_load(&back, st, "alice", id, &err) == 0 &&
	   !strcmp(back.name, "alice private") && !strcmp(back.owner, "alice"),
	   "after bob's attempts it is unchanged");
	f.shared = 1;
	{
		tyche_scenario *v = NULL;
		size_t n = 0, found = 0;

		ok(tyche_store_list(&v, &n, st, "bob", &f, NULL, &err) == 0, "bob lists shared");
		for (size_t i = 0; i < n; i++) {
			found += !strcmp(v[i].id, id);
			ok(v[i].shared && !v[i].inputs_json && !v[i].results_json,
			   "listed %s is shared and a summary only", v[i].id);
		}
		ok(found == 1, "bob's shared list shows it");
		tyche_scenario_list_free(v, n);
	}
	ok(tyche_store_set_shared(st, "alice", id, 0, &err) == 0, "alice unshares it");
	ok(tyche_store_load(&back, st, "bob", id, &err) == TYCHE_ENOENT,
	   "bob no longer finds it");
	ok(tyche_store_load(&back, st, "alice", id, &err) == 0 && !back.shared,
	   "alice still loads it, private");
	tyche_scenario_release(&sc);
	tyche_scenario_release(&back);
}

static void test_rename_delete(tyche_store *st)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT, back = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	char path[512];

	make(&sc, "to rename", "", NULL, NULL);
	ok(tyche_store_save(st, "carol", &sc, &err) == 0, "carol saves");
	ok(tyche_store_rename(st, "carol", sc.id, "renamed", &err) == 0, "carol renames");
	ok(tyche_store_load(&back, st, "carol", sc.id, &err) == 0 &&
	   !strcmp(back.name, "renamed") && back.created == sc.created,
	   "the new name is stored, created unchanged");
	ok(tyche_store_rename(st, "carol", sc.id, "", &err) == TYCHE_EUSAGE,
	   "an empty name is refused");
	ok(tyche_store_rename(st, "carol", sc.id, "a\tb", &err) == TYCHE_EUSAGE &&
	   strstr(err.msg, "control character"), "a control character is refused: %s", err.msg);
	ok(tyche_store_delete(st, "carol", sc.id, &err) == 0, "carol deletes");
	snprintf(path, sizeof(path), "%s/scenarios/%s.json", root, sc.id);
	ok(!file_exists(path), "the file is gone");
	ok(tyche_store_load(&back, st, "carol", sc.id, &err) == TYCHE_ENOENT,
	   "a deleted scenario is not found");
	ok(tyche_store_delete(st, "carol", sc.id, &err) == TYCHE_ENOENT,
	   "deleting twice is not found");
	tyche_scenario_release(&sc);
	tyche_scenario_release(&back);
}

static void test_hostile(tyche_store *st)
{
	static const char *const bad_ids[] = {
		"", "../x", "a/b", "..", "a.b", "a\nb", "a b", "%2e%2e",
		"0123456789012345678901234567890123456789012345678901234567890123X",
	};
	static const char *const bad_users[] = {
		"", "../root", ".hidden", "-rf", "a/b", "a b", "a\nb", "é",
		"0123456789012345678901234567890123456789012345678901234567890123X",
	};
	static const char *const bad_names[] = {
		"", "a\x01", "a\x7f", "\xff", "\xc0\xaf", "\xc2\x85", "\xed\xa0\x80",
		"\xe2\x82",
	};
	tyche_scenario sc = TYCHE_SCENARIO_INIT, back = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	char long_name[260];
	int before = count_entries(root, ""), sbefore;
	char d[512];

	snprintf(d, sizeof(d), "%s/scenarios", root);
	sbefore = count_entries(d, "");
	for (size_t i = 0; i < TY_ARRAY_SIZE(bad_ids); i++) {
		ok(tyche_store_load(&back, st, "alice", bad_ids[i], &err) == TYCHE_EUSAGE &&
		   strstr(err.msg, "invalid scenario id"), "load refuses id #%zu", i);
		ok(tyche_store_delete(st, "alice", bad_ids[i], &err) == TYCHE_EUSAGE,
		   "delete refuses id #%zu", i);
	}
	make(&sc, "x", "", NULL, NULL);
	snprintf(sc.id, sizeof(sc.id), "../../etc/passwd");
	ok(tyche_store_save(st, "alice", &sc, &err) == TYCHE_EUSAGE, "save refuses a path as id");
	sc.id[0] = '\0';
	for (size_t i = 0; i < TY_ARRAY_SIZE(bad_users); i++) {
		ok(tyche_store_save(st, bad_users[i], &sc, &err) == TYCHE_EUSAGE &&
		   strstr(err.msg, "invalid user name"), "save refuses user #%zu", i);
		ok(list_n(st, bad_users[i], NULL, NULL) == (size_t)-1, "list refuses user #%zu", i);
	}
	for (size_t i = 0; i < TY_ARRAY_SIZE(bad_names); i++) {
		snprintf(sc.name, sizeof(sc.name), "%s", bad_names[i]);
		ok(tyche_store_save(st, "alice", &sc, &err) == TYCHE_EUSAGE,
		   "save refuses name #%zu: %s", i, err.msg);
	}
	memset(long_name, 'n', sizeof(long_name));
	long_name[201] = '\0';
	ok(tyche_store_rename(st, "alice", "x", long_name, &err) == TYCHE_EUSAGE &&
	   strstr(err.msg, "too long"), "a 201-byte name is refused");
	long_name[200] = '\0';
	memcpy(sc.name, long_name, 201);
	ok(tyche_store_save(st, "alice", &sc, &err) == 0, "a 200-byte name is fine");
	sc.id[0] = '\0';
	ok(tyche_scenario_add_tag(&sc, "a,b", &err) == TYCHE_EUSAGE, "a tag with ',' is refused");
	ok(tyche_scenario_add_tag(&sc, "", &err) == TYCHE_EUSAGE, "an empty tag is refused");
	for (int i = 0; i < TYCHE_SCENARIO_TAGS_MAX; i++)
		tyche_scenario_add_tag(&sc, "t", &err);
	ok(tyche_scenario_add_tag(&sc, "t", &err) == TYCHE_EUSAGE, "tag 33 is refused");
	snprintf(sc.context_hash, sizeof(sc.context_hash), "../x");
	ok(tyche_store_save(st, "alice", &sc, &err) == TYCHE_EUSAGE, "a bad context hash is refused");
	sc.context_hash[0] = '\0';
	free(sc.inputs_json);
	sc.inputs_json = strdup("[1, 2]");
	ok(tyche_store_save(st, "alice", &sc, &err) == TYCHE_EUSAGE &&
	   strstr(err.msg, "inputs are not a JSON object"), "inputs must be an object");
	free(sc.inputs_json);
	sc.inputs_json = strdup("{\"a\": ");
	ok(tyche_store_save(st, "alice", &sc, &err) == TYCHE_EUSAGE, "inputs must be valid JSON");
	free(sc.inputs_json);
	sc.inputs_json = NULL;
	sc.samples = -1;
	ok(tyche_store_save(st, "alice", &sc, &err) == TYCHE_EUSAGE, "negative samples refused");
	ok(count_entries(root, "") == before, "nothing was created beside scenarios/");
	ok(count_entries(d, "") == sbefore + 1, "only the one valid save added a file");
	tyche_scenario_release(&sc);
	tyche_scenario_release(&back);
}

static const char *scen_json(char *buf, size_t n, const char *id, const char *owner,
			     const char *created, const char *vis, const char *ctx,
			     const char *tags)
{
	snprintf(buf, n,
		 "{\"schema\": \"tyche-scenario/1\", \"id\": \"%s\", \"name\": \"n %s\","
		 " \"owner\": \"%s\", \"created\": \"%s\", \"modified\": \"%s\","
		 " \"visibility\": \"%s\", \"tags\": [%s], \"context\": \"%s\","
		 " \"context_hash\": \"\", \"version\": \"0.1\", \"seed\": \"7\","
		 " \"samples\": 10, \"inputs\": {}, \"results\": {}}\n",
		 id, id, owner, created, created, vis, tags, ctx);
	return buf;
}

static void test_list(void)
{
	char dir[512], path[600], buf[2048];
	tyche_store *st = NULL;
	tyche_error err = { 0 };
	tyche_scenario *v = NULL;
	tyche_store_filter f = TYCHE_STORE_FILTER_INIT;
	tyche_diags dg = TYCHE_DIAGS_INIT;
	size_t n = 0;

	snprintf(dir, sizeof(dir), "%s/list", root);
	ok(tyche_store_open(&st, dir, &err) == 0, "open a second store");
#define PUT(id, ...) (snprintf(path, sizeof(path), "%s/scenarios/%s.json", dir, id), \
		      write_text(path, scen_json(buf, sizeof(buf), id, __VA_ARGS__)))
	PUT("s1", "alice", "2024-01-01T00:00:00Z", "private", "pv", "\"a\"");
	PUT("s2", "alice", "2024-03-01T00:00:00Z", "shared", "pv", "\"a\",\"b\"");
	PUT("s3", "bob", "2024-02-01T00:00:00Z", "shared", "h2", "\"b\"");
	PUT("s4", "bob", "2024-04-01T00:00:00Z", "private", "h2", "");
	PUT("s5", "carol", "2023-12-31T23:59:59Z", "shared", "pv", "");

	ok(tyche_store_list(&v, &n, st, "alice", NULL, &dg, &err) == 0 && n == 4,
	   "alice sees her two and two shared ones (n=%zu)", n);
	ok(n == 4 && !strcmp(v[0].id, "s2") && !strcmp(v[1].id, "s3") &&
	   !strcmp(v[2].id, "s1") && !strcmp(v[3].id, "s5"), "newest created first");
	ok(dg.n == 0, "no warnings for a clean store");
	tyche_scenario_list_free(v, n);
	ok(file_exists((snprintf(path, sizeof(path), "%s/index.tsv", dir), path)),
	   "listing writes the index cache");
	ok(list_n(st, "bob", NULL, NULL) == 4, "bob sees s2 s3 s4 s5");
	f.owner = "bob";
	ok(list_n(st, "alice", &f, NULL) == 1, "filter by owner: only bob's shared one");
	f.owner = NULL;
	f.context = "pv";
	ok(list_n(st, "alice", &f, NULL) == 3, "filter by context");
	f.context = NULL;
	f.tag = "b";
	ok(list_n(st, "alice", &f, NULL) == 2, "filter by tag");
	f.tag = NULL;
	f.mine = 1;
	ok(list_n(st, "alice", &f, NULL) == 2, "filter mine");
	f.shared = 1;
	ok(list_n(st, "alice", &f, NULL) == 1, "filter mine and shared");
	f.mine = 0;
	ok(list_n(st, "dave", &f, NULL) == 3, "a new user sees the shared ones");

	/* damaged and foreign files */
	snprintf(path, sizeof(path), "%s/scenarios/t1.json", dir);
	scen_json(buf, sizeof(buf), "t1", "alice", "2024-01-01T00:00:00Z", "shared", "", "");
	buf[strlen(buf) / 2] = '\0';
	write_text(path, buf);                                  /* truncated */
	snprintf(path, sizeof(path), "%s/scenarios/f1.json", dir);
	write_text(path, "{\"hello\": \"world\"}");              /* foreign JSON */
	PUT("f2", "alice", "2024-01-01T00:00:00Z", "public", "", "");   /* bad field */
	snprintf(path, sizeof(path), "%s/scenarios/f3.json", dir);
	write_text(path, scen_json(buf, sizeof(buf), "s1", "alice",
				   "2024-01-01T00:00:00Z", "shared", "", ""));  /* id mismatch */
	snprintf(path, sizeof(path), "%s/scenarios/notes.txt", dir);
	write_text(path, "hello");                              /* not ID.json */
	snprintf(path, sizeof(path), "%s/scenarios/d1.json", dir);
	mkdir(path, 0700);                                      /* a directory */
	snprintf(path, sizeof(path), "%s/scenarios/l1.json", dir);
	snprintf(buf, sizeof(buf), "%s/scenarios/s2.json", dir);
	ok(symlink(buf, path) == 0, "plant a symlink");
	snprintf(path, sizeof(path), "%s/scenarios/e1.json", dir);
	write_text(path, "");                                   /* empty */
	snprintf(path, sizeof(path), "%s/scenarios/x1.json", dir);
	write_text(path, "[\"tyche-scenario/1\"]\n");           /* not an object */
	snprintf(path, sizeof(path), "%s/scenarios/v2.json", dir);
	write_text(path, "{\"schema\": \"tyche-scenario/2\"}");  /* future schema */

	v = NULL;
	n = 0;
	ok(tyche_store_list(&v, &n, st, "alice", NULL, &dg, &err) == 0 && n == 4,
	   "damaged files do not break a listing (n=%zu)", n);
	ok(dg.nwarnings == 10 && dg.nerrors == 0, "each one is a warning (%zu)", dg.nwarnings);
	for (size_t i = 0; i < dg.n; i++)
		tap_diag("%s: %s", dg.v[i].where, dg.v[i].msg);
	{
		int trunc = 0, foreign = 0, mism = 0, schema = 0;

		for (size_t i = 0; i < dg.n; i++) {
			trunc += strstr(dg.v[i].where, "t1.json") && strstr(dg.v[i].msg, "not valid JSON");
			foreign += strstr(dg.v[i].where, "f1.json") && strstr(dg.v[i].msg, "schema");
			mism += strstr(dg.v[i].where, "f3.json") && strstr(dg.v[i].msg, "expected 'f3'");
			schema += strstr(dg.v[i].where, "v2.json") &&
				  strstr(dg.v[i].msg, "'tyche-scenario/2', expected 'tyche-scenario/1'");
		}
		ok(trunc == 1 && foreign == 1 && mism == 1 && schema == 1,
		   "the warnings name the file and the problem");
	}
	tyche_scenario_list_free(v, n);
	tyche_diags_release(&dg);
	{
		tyche_scenario back = TYCHE_SCENARIO_INIT;

		ok(tyche_store_load(&back, st, "alice", "t1", &err) == TYCHE_EDATA &&
		   strstr(err.msg, "not valid JSON"), "loading a truncated file is a data error");
		ok(tyche_store_load(&back, st, "alice", "l1", &err) == TYCHE_EDATA &&
		   strstr(err.msg, "symbolic link"), "a symlink is not followed");
		tyche_scenario_release(&back);
	}

	/* the index is a cache: checked against the files (replaced by
	 * rename, as the store does: the fast path does not see a file
	 * rewritten in place) */
	ok(list_n(st, "alice", NULL, NULL) == 4, "list again from the index");
	snprintf(path, sizeof(path), "%s/scenarios/.new", dir);
	write_text(path, scen_json(buf, sizeof(buf), "s1", "alice", "2025-01-01T00:00:00Z",
				   "private", "pv", "\"a\""));
	snprintf(buf, sizeof(buf), "%s/scenarios/s1.json", dir);
	rename(path, buf);
	v = NULL;
	ok(tyche_store_list(&v, &n, st, "alice", NULL, NULL, &err) == 0 && n == 4 &&
	   !strcmp(v[0].id, "s1"), "a file changed behind the index is re-read");
	tyche_scenario_list_free(v, n);
	snprintf(path, sizeof(path), "%s/scenarios/s5.json", dir);
	unlink(path);
	ok(list_n(st, "alice", NULL, NULL) == 3, "a removed file drops out of the index");
	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	write_text(path, "tyche-store-index/3\n#dir\t-\t0\ns1\t1:2:3\talice\t1\tx\n"
		   "s2\tjunk\n\ts3\t\t\t\t\n\n\n\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\ns4\t");
	ok(list_n(st, "alice", NULL, NULL) == 3, "a damaged index is ignored");
	{
		char forged[1024];

		snprintf(forged, sizeof(forged), "tyche-store-index/3\n#dir\t-\t0\n"
			 "s4\t1:2:3.4:5.6\tbob\t1\t0\t0\t0\t0\t0.1\t\tforged\th2\t\n");
		write_text(path, forged);
		v = NULL;
		ok(tyche_store_list(&v, &n, st, "alice", NULL, NULL, &err) == 0 && n == 3,
		   "an index entry whose file stamp differs is not trusted (n=%zu)", n);
		tyche_scenario_list_free(v, n);
	}
	write_text(path, "garbage\n");
	ok(list_n(st, "alice", NULL, NULL) == 3, "a foreign index is ignored");
	ty_store_set_index(st, 0);
	ok(list_n(st, "alice", NULL, NULL) == 3, "same answer without the index");
	tyche_store_free(st);
#undef PUT
}

static void sleep_settle(void)
{
	struct timespec ts = { 2, 300000000 };   /* the store's 2 s, and some */

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* The index's directory line, e.g. "#dir\t...\t1", in buf. */
static const char *index_dir_line(const char *dir, char *buf, size_t n)
{
	char path[600], *text, *nl, *nl2;

	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	buf[0] = '\0';
	if (!(text = slurp(path)))
		return buf;
	nl = strchr(text, '\n');
	nl2 = nl ? strchr(nl + 1, '\n') : NULL;
	if (nl2)
		snprintf(buf, n, "%.*s", (int)(nl2 - nl - 1), nl + 1);
	free(text);
	return buf;
}

static int settled_line(const char *dir)
{
	char line[256];
	size_t len = strlen(index_dir_line(dir, line, sizeof(line)));

	return !strncmp(line, "#dir\t", 5) && len > 2 && !strcmp(line + len - 2, "\t1");
}

/* The listing of user, as "id:name:shared" joined by spaces. */
static const char *listing(tyche_store *st, const char *user, char *buf, size_t n)
{
	tyche_scenario *v = NULL;
	size_t nv = 0, len = 0;
	tyche_error err = { 0 };

	buf[0] = '\0';
	if (tyche_store_list(&v, &nv, st, user, NULL, NULL, &err)) {
		snprintf(buf, n, "error: %s", err.msg);
		return buf;
	}
	for (size_t i = 0; i < nv && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s:%s:%d", i ? " " : "",
					v[i].id, v[i].name, v[i].shared);
	tyche_scenario_list_free(v, nv);
	return buf;
}

enum fast_change {
	FC_NONE, FC_SAVE, FC_RESAVE, FC_RENAME, FC_SHARE, FC_DELETE, FC_REPLACE,
	FC_CREATE, FC_UNLINK, FC_N
};

static const char *const fc_name[] = {
	"nothing", "a new save", "a save over a1", "a rename", "a share", "a delete",
	"a file replaced by rename", "a file created by hand", "a file unlinked by hand"
};

/* Scenario a1 (private), a2 (shared) of alice, b1 (shared) of bob,
 * created a minute apart so the order is fixed. */
static void fast_fill(const char *dir)
{
	char path[4096], buf[1024];
	const char *ids[] = { "a1", "a2", "b1" }, *own[] = { "alice", "alice", "bob" };
	const char *vis[] = { "private", "shared", "shared" };
	const char *at[] = { "2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z",
			     "2024-01-01T00:03:00Z" };

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/scenarios/%s.json", dir, ids[i]);
		write_text(path, scen_json(buf, sizeof(buf), ids[i], own[i], at[i], vis[i],
					   "pv", ""));
	}
}

static void fast_change(tyche_store *st, const char *dir, enum fast_change c)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	char path[4096], path2[4096], buf[1024];
	int rc = 0;

	switch (c) {
	case FC_NONE:
		break;
	case FC_SAVE:
		make(&sc, "fresh", "pv", NULL, NULL);
		sc.shared = 1;
		rc = tyche_store_save(st, "alice", &sc, &err);
		break;
	case FC_RESAVE:
		make(&sc, "resaved", "pv", NULL, NULL);
		snprintf(sc.id, sizeof(sc.id), "a1");
		rc = tyche_store_save(st, "alice", &sc, &err);
		break;
	case FC_RENAME:
		rc = tyche_store_rename(st, "alice", "a1", "renamed", &err);
		break;
	case FC_SHARE:
		rc = tyche_store_set_shared(st, "alice", "a1", 1, &err);
		break;
	case FC_DELETE:
		rc = tyche_store_delete(st, "alice", "a2", &err);
		break;
	case FC_REPLACE:
		snprintf(path, sizeof(path), "%s/scenarios/.edit", dir);
		write_text(path, scen_json(buf, sizeof(buf), "a1", "alice",
					   "2024-01-01T00:01:00Z", "shared", "pv", ""));
		snprintf(path2, sizeof(path2), "%s/scenarios/a1.json", dir);
		rc = rename(path, path2);
		break;
	case FC_CREATE:
		snprintf(path, sizeof(path), "%s/scenarios/c1.json", dir);
		write_text(path, scen_json(buf, sizeof(buf), "c1", "alice",
					   "2024-01-01T00:04:00Z", "private", "pv", ""));
		break;
	case FC_UNLINK:
		snprintf(path, sizeof(path), "%s/scenarios/b1.json", dir);
		rc = unlink(path);
		break;
	default:
		break;
	}
	if (rc)
		tap_diag("%s failed: %s", fc_name[c], err.msg[0] ? err.msg : strerror(errno));
	tyche_scenario_release(&sc);
}

static void test_fast_path(void)
{
	tyche_store *st[FC_N];
	char dir[FC_N][400], got[1024], before[FC_N][1024], bob[1024];
	tyche_error err = { 0 };
	int opened = 1, fast = 1, settled = 1, rewritten = 1;

	for (int c = 0; c < FC_N; c++) {
		snprintf(dir[c], sizeof(dir[c]), "%s/fast%d", root, c);
		st[c] = NULL;
		opened &= tyche_store_open(&st[c], dir[c], &err) == 0;
		if (!st[c])
			return;
		ty_store_set_fsync(st[c], 0);
		fast_fill(dir[c]);
	}
	ok(opened, "open %d stores for the fast path", FC_N);

	/* a fresh directory is not trusted: every file is looked at (the one
	 * filled last, so that filling the others, slow under a sanitizer on
	 * a loaded machine, cannot have made it 2 s old already) */
	listing(st[FC_N - 1], "alice", got, sizeof(got));
	ok(ty_store_list_nstat(st[FC_N - 1]) == 3 && !settled_line(dir[FC_N - 1]),
	   "a directory changed < 2 s ago: files stat'ed (%zu), index not settled",
	   ty_store_list_nstat(st[FC_N - 1]));
	listing(st[FC_N - 1], "alice", got, sizeof(got));
	ok(ty_store_list_nstat(st[FC_N - 1]) == 3, "... and again on the next listing");

	sleep_settle();
	for (int c = 0; c < FC_N; c++) {
		listing(st[c], "alice", before[c], sizeof(before[c]));
		settled &= settled_line(dir[c]);
		listing(st[c], "alice", got, sizeof(got));
		fast &= ty_store_list_nstat(st[c]) == 0 && !strcmp(got, before[c]);
	}
	ok(settled, "once the directory is 2 s old, a listing rewrites the index as settled");
	ok(fast, "the next listing stats no file and gives the same answer");
	(void)(is_str(before[0], "b1:n b1:1 a2:n a2:1 a1:n a1:0",
		      "alice sees her two and bob's shared one, newest first"));
	(void)(is_str(listing(st[0], "bob", bob, sizeof(bob)), "b1:n b1:1 a2:n a2:1",
		      "bob sees his and alice's shared one (fast path)"));

	for (int c = 1; c < FC_N; c++) {
		const char *user = c == FC_SHARE ? "bob" : "alice";
		int seen;

		fast_change(st[c], dir[c], c);
		listing(st[c], user, got, sizeof(got));
		switch (c) {
		case FC_SAVE:
			seen = strstr(got, ":fresh:1") != NULL;
			break;
		case FC_RESAVE:
			seen = strstr(got, "a1:resaved:0") != NULL;
			break;
		case FC_RENAME:
			seen = strstr(got, "a1:renamed:0") != NULL;
			break;
		case FC_SHARE:
			seen = strstr(got, "a1:n a1:1") != NULL;
			break;
		case FC_DELETE:
			seen = !strcmp(got, "b1:n b1:1 a1:n a1:0");
			break;
		case FC_REPLACE:
			seen = !strcmp(got, "b1:n b1:1 a2:n a2:1 a1:n a1:1");
			break;
		case FC_CREATE:
			seen = !strcmp(got, "c1:n c1:0 b1:n b1:1 a2:n a2:1 a1:n a1:0");
			break;
		default:
			seen = !strcmp(got, "a2:n a2:1 a1:n a1:0") &&
			       !strcmp(listing(st[c], "bob", bob, sizeof(bob)), "a2:n a2:1");
			break;
		}
		ok(seen && ty_store_list_nstat(st[c]) > 0,
		   "after %s, a trusted index is not: the change is listed (%s)",
		   fc_name[c], got);
		rewritten &= !settled_line(dir[c]);
	}
	ok(rewritten, "each change leaves an index that is not settled");

	/* the index trusted, but an entry in it damaged: that file is read */
	{
		char path[600], *text, *p;
		FILE *f;

		snprintf(path, sizeof(path), "%s/index.tsv", dir[FC_NONE]);
		text = slurp(path);
		p = text ? strstr(text, "\na1\t") : NULL;
		if (p)
			p[3] = ' ';   /* "a1 STAMP..." : no longer a valid line */
		f = text ? fopen(path, "w") : NULL;
		if (f) {
			fputs(text, f);
			fclose(f);
		}
		free(text);
		listing(st[FC_NONE], "alice", got, sizeof(got));
		ok(p && !strcmp(got, before[FC_NONE]) && ty_store_list_nstat(st[FC_NONE]) == 1,
		   "a damaged line of a trusted index: only that file is stat'ed and read "
		   "(%zu)", ty_store_list_nstat(st[FC_NONE]));
		listing(st[FC_NONE], "alice", got, sizeof(got));
		ok(ty_store_list_nstat(st[FC_NONE]) == 0 && !strcmp(got, before[FC_NONE]),
		   "... and the rewritten index is trusted again");
	}
	/* an index of another directory is not trusted */
	{
		char from[600], to[600], *text;
		FILE *f;

		snprintf(from, sizeof(from), "%s/index.tsv", dir[FC_NONE]);
		snprintf(to, sizeof(to), "%s/index.tsv", dir[FC_DELETE]);
		text = slurp(from);
		f = text ? fopen(to, "w") : NULL;
		if (f) {
			fputs(text, f);
			fclose(f);
		}
		free(text);
		listing(st[FC_DELETE], "alice", got, sizeof(got));
		ok(f && ty_store_list_nstat(st[FC_DELETE]) > 0 && !strcmp(got, "b1:n b1:1 a1:n a1:0"),
		   "an index copied from another store is not trusted (%s)", got);
	}

	/* after a change, the next quiet period makes the index trusted again */
	sleep_settle();
	listing(st[FC_SAVE], "alice", before[FC_SAVE], sizeof(before[FC_SAVE]));
	ok(ty_store_list_nstat(st[FC_SAVE]) == 4 && settled_line(dir[FC_SAVE]),
	   "a listing 2 s after a change checks the files and settles the index");
	listing(st[FC_SAVE], "alice", got, sizeof(got));
	ok(ty_store_list_nstat(st[FC_SAVE]) == 0 && !strcmp(got, before[FC_SAVE]),
	   "then the fast path again, same answer");
	fast_change(st[FC_SAVE], dir[FC_SAVE], FC_UNLINK);
	listing(st[FC_SAVE], "bob", got, sizeof(got));
	ok(ty_store_list_nstat(st[FC_SAVE]) > 0 && !strstr(got, "b1:"),
	   "and a second change is noticed too (%s)", got);
	for (int c = 0; c < FC_N; c++)
		tyche_store_free(st[c]);
}

static void test_diff(tyche_store *st)
{
	tyche_scenario a = TYCHE_SCENARIO_INIT, b = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };
	char *text = NULL;
	cJSON *o, *m, *x;

	make(&a, "A", "pv",
	     "{\"amounts\":{\"Module R&D\":3000000,\"Inverter R&D\":0,\"a/b\":1},"
	     "\"optimise\":{\"metric\":\"LCOE\"}}",
	     "{\"metrics\":{\"LCOE\":{\"mean\":0.05,\"sd\":0.01},\"GHG\":{\"mean\":10}},"
	     "\"optimum\":1}");
	make(&b, "B", "pv",
	     "{\"amounts\":{\"Module R&D\":2000000,\"Inverter R&D\":0,\"BOS R&D\":5},"
	     "\"optimise\":{\"metric\":\"LCOE\"}}",
	     "{\"metrics\":{\"LCOE\":{\"mean\":0.04,\"sd\":0.01},\"Jobs\":{\"mean\":3}},"
	     "\"optimum\":2}");
	b.seed = 43;
	ok(tyche_store_save(st, "alice", &a, &err) == 0 &&
	   tyche_store_save(st, "alice", &b, &err) == 0, "save two scenarios to compare");
	ok(tyche_store_diff(&text, st, "alice", a.id, b.id, &err) == 0 && text, "diff them");
	o = cJSON_Parse(text);
	ok(o != NULL, "the diff is JSON");
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "inputs"), "/amounts/Module R&D");
	ok(m && cJSON_GetObjectItem(m, "a")->valuedouble == 3000000 &&
	   cJSON_GetObjectItem(m, "b")->valuedouble == 2000000, "a changed amount: a and b");
	ok(!cJSON_GetObjectItem(cJSON_GetObjectItem(o, "inputs"), "/amounts/Inverter R&D"),
	   "an equal amount is not listed");
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "inputs"), "/amounts/BOS R&D");
	ok(m && cJSON_IsNull(cJSON_GetObjectItem(m, "a")) &&
	   cJSON_GetObjectItem(m, "b")->valuedouble == 5, "a key only in b: a is null");
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "inputs"), "/amounts/a~1b");
	ok(m && cJSON_IsNull(cJSON_GetObjectItem(m, "b")), "keys are escaped JSON pointers");
	ok(cJSON_GetArraySize(cJSON_GetObjectItem(o, "inputs")) == 3, "exactly three inputs differ");
	x = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metrics"), "LCOE"), "mean");
	ok(x && tap_close(cJSON_GetObjectItem(x, "a")->valuedouble, 0.05, 0, 0) &&
	   tap_close(cJSON_GetObjectItem(x, "b")->valuedouble, 0.04, 0, 0) &&
	   tap_close(cJSON_GetObjectItem(x, "diff")->valuedouble, 0.04 - 0.05, 1e-15, 0),
	   "metric statistic: a, b, b - a");
	x = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metrics"), "LCOE"), "sd");
	ok(x && cJSON_GetObjectItem(x, "diff")->valuedouble == 0, "an equal statistic has diff 0");
	x = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metrics"), "GHG"), "mean");
	ok(x && cJSON_IsNull(cJSON_GetObjectItem(x, "b")) &&
	   cJSON_IsNull(cJSON_GetObjectItem(x, "diff")), "a metric only in a: b and diff null");
	x = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metrics"), "Jobs"), "mean");
	ok(x && cJSON_IsNull(cJSON_GetObjectItem(x, "a")), "a metric only in b");
	x = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "results"), "/optimum");
	ok(x && cJSON_GetObjectItem(x, "a")->valuedouble == 1 &&
	   !cJSON_GetObjectItem(cJSON_GetObjectItem(o, "results"), "/metrics/LCOE/mean"),
	   "other results are compared, metrics only under metrics");
	x = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "settings"), "seed");
	ok(x && !strcmp(cJSON_GetObjectItem(x, "a")->valuestring, "42") &&
	   !strcmp(cJSON_GetObjectItem(x, "b")->valuestring, "43"), "settings: seed differs");
	ok(!cJSON_GetObjectItem(cJSON_GetObjectItem(o, "settings"), "context"),
	   "settings: an equal context is not listed");
	cJSON_Delete(o);
	free(text);
	text = NULL;
	ok(tyche_store_diff(&text, st, "alice", a.id, a.id, &err) == 0 &&
	   (o = cJSON_Parse(text)) &&
	   cJSON_GetArraySize(cJSON_GetObjectItem(o, "inputs")) == 0 &&
	   cJSON_GetArraySize(cJSON_GetObjectItem(o, "settings")) == 0,
	   "a scenario does not differ from itself");
	cJSON_Delete(o);
	free(text);
	tyche_scenario_release(&a);
	tyche_scenario_release(&b);
}

/* Regression: an empty store's index has no records; loading it called
 * qsort(NULL, 0, ...) (UBSan: null pointer passed as argument 1), so under
 * SANITIZE=1 every listing after the first died until index.tsv was
 * deleted.  Listing must work with no index, an empty index and a damaged
 * empty index, and then pick up a new scenario. */
static void test_empty_index(void)
{
	char dir[400], path[600];
	tyche_store *st = NULL;
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	tyche_error err = { 0 };

	snprintf(dir, sizeof(dir), "%s/empty", root);
	if (!ok(tyche_store_open(&st, dir, &err) == 0, "open an empty store"))
		return;
	ok(list_n(st, "alice", NULL, NULL) == 0, "an empty store lists nothing");
	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	write_text(path, "tyche-store-index/3\n#dir\t-\t0\n");
	ok(list_n(st, "alice", NULL, NULL) == 0, "an index with no records: listing works");
	ok(list_n(st, "alice", NULL, NULL) == 0, "... and again (the index is not poisoned)");
	write_text(path, "tyche-store-index/3\n#dir\t-\t1\n");
	ok(list_n(st, "bob", NULL, NULL) == 0, "a settled index with no records: listing works");
	write_text(path, "tyche-store-index/3\n");
	ok(list_n(st, "bob", NULL, NULL) == 0, "an index cut after its schema line is ignored");
	make(&sc, "first", "pv", "{}", NULL);
	ok(tyche_store_save(st, "alice", &sc, &err) == 0, "save into the empty store: %s",
	   err.msg);
	ok(list_n(st, "alice", NULL, NULL) == 1, "the new scenario is listed");
	ok(list_n(st, "alice", NULL, NULL) == 1, "... also from the rewritten index");
	tyche_scenario_release(&sc);
	tyche_store_free(st);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	tyche_store *st = NULL;
	tyche_error err = { 0 };
	char sub[600];

	snprintf(root, sizeof(root), "%s/u-store.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(root))
		tap_skip_all("cannot make a temp directory");
	snprintf(sub, sizeof(sub), "%s/deep/store", root);
	ok(tyche_store_open(&st, sub, &err) == 0, "open creates missing parents");
	tyche_store_free(st);
	st = NULL;
	ok(tyche_store_open(&st, "", &err) == TYCHE_EUSAGE, "an empty store path is a usage error");
	write_text((snprintf(sub, sizeof(sub), "%s/file", root), sub), "x");
	ok(tyche_store_open(&st, sub, &err) == TYCHE_EIO, "a file is not a store: %s", err.msg);
	ok(tyche_store_open(&st, root, &err) == 0, "open the store");
	ok(file_exists((snprintf(sub, sizeof(sub), "%s/scenarios", root), sub)),
	   "open creates scenarios/");
	ok(tyche_store_default_user() != NULL, "there is a default user (%s)",
	   tyche_store_default_user());
	ok(list_n(st, "alice", NULL, NULL) == 0, "an empty store lists nothing");

	test_save_load(st);
	test_atomic(st);
	test_access(st);
	test_rename_delete(st);
	test_hostile(st);
	test_diff(st);
	tyche_store_free(st);
	test_list();
	test_empty_index();
	test_fast_path();

	if (!tap_failed) {
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", root);
	} else {
		tap_diag("store left in %s", root);
	}
	return tap_done();
}
