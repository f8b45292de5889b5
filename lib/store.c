/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.c - the scenario store: saved scenarios as flat JSON files.
 *
 * Layout under the store directory DIR:
 *   DIR/scenarios/<id>.json   one file per scenario, the only source of truth
 *   DIR/index.tsv             a cache of the summaries, rebuilt by readers
 *   DIR/.lock                 flock'd by every read-modify-write operation
 *   .tmp.<pid>.<random>       temp files in the directory of their target
 *
 * What a newcomer would get wrong:
 *  - Atomicity comes from rename(2) within one directory, not from locks:
 *    a writer fills a uniquely named temp file, fsyncs it, renames it over
 *    <id>.json and fsyncs the directory.  Readers take no lock and always
 *    see a whole old or a whole new file.  The store lock only serialises
 *    writers, so that "check the owner, then replace" is not raced.
 *  - Locking the scenario file itself would not work: rename gives the path
 *    a new inode, so a lock on the old one protects nothing.
 *  - A temp file is stale when nobody holds its flock (a writer keeps one
 *    from creation to rename; the kernel drops it when the writer dies, even
 *    by SIGKILL).  A writer re-checks st_nlink after locking, because a
 *    cleaner may have unlinked the file between its open and its flock.
 *  - The index is only a cache: each entry carries the file's inode, size,
 *    mtime and ctime, and is used only while they still match the file.
 *    Readers rewrite it (temp + rename, no fsync) when it is out of date,
 *    so writers never touch it and a lost or damaged index costs only time.
 *  - A listing skips those per-file checks (a stat of every file, 40% of
 *    the time) when DIR/scenarios itself is as it was when the index was
 *    written: same inode, mtime and ctime.  Every change of a scenario is
 *    an entry change there (create, rename over, unlink), and those set
 *    the directory's mtime and ctime to "now".  "Now" is a coarse clock,
 *    so a stamp is trusted only if it was over SETTLE_SEC old when the
 *    index was written: a later change cannot then get the same stamp
 *    (unless the clock is set back).  The names are still read (readdir),
 *    and a name the index does not hold is stat'ed and read as before.
 *    Not noticed on this path: a file rewritten in place (not replaced),
 *    which the store never does; it is noticed after the next change.
 *  - Access is checked here, not by callers: another user's private
 *    scenario answers "not found", exactly like a missing one.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "internal.h"
#include "store.h"

#define SCHEMA "tyche-scenario/1"
#define INDEX_SCHEMA "tyche-store-index/3"
#define INDEX_DIR_TAG "#dir"                 /* the index's second line */
#define SETTLE_SEC 2
#define INDEX_NAME "index.tsv"
#define TMP_PREFIX ".tmp."
#define MAX_BODY_BYTES (1u << 20)          /* inputs or results text */
#define MAX_FILE_BYTES (4u << 20)          /* one scenario file */
#define MAX_INDEX_BYTES (256u << 20)
#define MAX_SAMPLES 1000000000000L

struct tyche_store {
	char *dir;       /* as given */
	char *scdir;     /* DIR/scenarios, for messages */
	int dfd, sfd;    /* DIR and DIR/scenarios */
	int lockfd;
	int sync;        /* fsync files and directories */
	int use_index;
	size_t nstat;    /* files stat'ed by the last listing (for tests) */
};

void (*ty_store_before_rename)(const char *tmp_path);

/* ------------------------------------------------------------ validation */

static int is_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= TYCHE_SCENARIO_ID_MAX ||
		    !(isalnum(c) || c == '_' || c == '-') || c > 127)
			return 0;
	}
	return n > 0;
}

static int is_user(const char *s)
{
	size_t n = 0;

	if (s[0] == '.' || s[0] == '-')
		return 0;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= TYCHE_SCENARIO_USER_MAX || c > 127 ||
		    !(isalnum(c) || c == '.' || c == '_' || c == '@' || c == '-'))
			return 0;
	}
	return n > 0;
}

/* Valid UTF-8 of minlen..maxlen bytes without C0/C1 controls or DEL, and
 * without ',' when nocomma.  Returns NULL when fine, else what is wrong. */
static const char *text_problem(const char *s, size_t minlen, size_t maxlen,
				int nocomma)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (len < minlen)
		return "is empty";
	if (len > maxlen)
		return "is too long";
	while (*p) {
		unsigned cp;
		int extra;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return "contains a control character";
			if (nocomma && *p == ',')
				return "contains ','";
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			cp = *p & 0x1f;
			extra = 1;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			cp = *p & 0x0f;
			extra = 2;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			cp = *p & 0x07;
			extra = 3;
		} else {
			return "is not valid UTF-8";
		}
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (*p & 0x3f);
		}
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not valid UTF-8";
		if (cp >= 0x80 && cp <= 0x9f)
			return "contains a control character";
	}
	return NULL;
}

static int check_id(const char *id, tyche_error *err)
{
	if (!id || !is_id(id))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "invalid scenario id, expected 1 to %d of "
				   "A-Z a-z 0-9 _ -", TYCHE_SCENARIO_ID_MAX);
	return 0;
}

static int check_user(const char *user, tyche_error *err)
{
	if (!user || !is_user(user))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "invalid user name, expected 1 to %d of "
				   "A-Z a-z 0-9 . _ @ - not starting with '.' or '-'",
				   TYCHE_SCENARIO_USER_MAX);
	return 0;
}

static int check_name(const char *name, tyche_error *err)
{
	const char *why = text_problem(name, 1, TYCHE_SCENARIO_NAME_MAX, 0);

	if (why)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "scenario name %s, expected 1 to %d bytes of "
				   "UTF-8 text", why, TYCHE_SCENARIO_NAME_MAX);
	return 0;
}

static int check_tag(const char *tag, tyche_error *err)
{
	const char *why = text_problem(tag, 1, TYCHE_SCENARIO_TAG_MAX, 1);

	if (why)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "tag %s, expected 1 to %d bytes of UTF-8 "
				   "text without ','", why, TYCHE_SCENARIO_TAG_MAX);
	return 0;
}

static int is_hash(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return 1;
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

static int is_version(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* Check the caller-set fields of a scenario about to be saved. */
static int check_scenario(const tyche_scenario *sc, tyche_error *err)
{
	const char *why;

	if (check_name(sc->name, err))
		return TYCHE_EUSAGE;
	if (sc->ntags > TYCHE_SCENARIO_TAGS_MAX)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "%zu tags, expected at most %d", sc->ntags,
				   TYCHE_SCENARIO_TAGS_MAX);
	for (size_t i = 0; i < sc->ntags; i++) {
		tyche_error e = { 0 };

		if (!sc->tags || !sc->tags[i] || check_tag(sc->tags[i], &e))
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "tag %zu: %s",
					   i + 1, e.msg[0] ? e.msg : "missing");
	}
	why = text_problem(sc->context, 0, TYCHE_SCENARIO_NAME_MAX, 0);
	if (why)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "context name %s", why);
	if (!is_hash(sc->context_hash))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "context hash is not 64 lowercase hex digits");
	if (sc->samples < 0 || sc->samples > MAX_SAMPLES)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "sample count %ld is out of range", sc->samples);
	return 0;
}

/* ----------------------------------------------------------------- times */

const char *tyche_time_format(int64_t t, char *buf)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 21, "%s", "1970-01-01T00:00:00Z");
	return buf;
}

/* Strict "YYYY-MM-DDTHH:MM:SSZ" (it must read back the same). */
static int parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	int n = 0;
	char back[32];
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 20)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	if (strcmp(tyche_time_format((int64_t)t, back), s) != 0)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* ------------------------------------------------------------- scenarios */

void tyche_scenario_release(tyche_scenario *s)
{
	tyche_scenario empty = TYCHE_SCENARIO_INIT;

	if (!s)
		return;
	for (size_t i = 0; i < s->ntags; i++)
		free(s->tags ? s->tags[i] : NULL);
	free(s->tags);
	free(s->inputs_json);
	free(s->results_json);
	*s = empty;
}

void tyche_scenario_list_free(tyche_scenario *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		tyche_scenario_release(&v[i]);
	free(v);
}

int tyche_scenario_add_tag(tyche_scenario *s, const char *tag, tyche_error *err)
{
	char **v;
	char *t;

	if (!tag || check_tag(tag, err))
		return TYCHE_EUSAGE;
	if (s->ntags >= TYCHE_SCENARIO_TAGS_MAX)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "too many tags, expected at most %d",
				   TYCHE_SCENARIO_TAGS_MAX);
	v = realloc(s->tags, (s->ntags + 1) * sizeof(*v));
	if (!v)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	s->tags = v;
	if (!(t = ty_strdup(tag)))
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	s->tags[s->ntags++] = t;
	return 0;
}

/* Build the file's JSON; with bodies, inputs and results (already parsed by
 * the caller, ownership taken) are added. */
static cJSON *scenario_to_json(const tyche_scenario *sc, cJSON *inputs,
			       cJSON *results, int bodies)
{
	cJSON *o = cJSON_CreateObject(), *tags;
	char t1[32], t2[32], seed[32];
	int ok = o != NULL;

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)sc->seed);
	ok = ok && cJSON_AddStringToObject(o, "schema", SCHEMA);
	ok = ok && cJSON_AddStringToObject(o, "id", sc->id);
	ok = ok && cJSON_AddStringToObject(o, "name", sc->name);
	ok = ok && cJSON_AddStringToObject(o, "owner", sc->owner);
	ok = ok && cJSON_AddStringToObject(o, "created", tyche_time_format(sc->created, t1));
	ok = ok && cJSON_AddStringToObject(o, "modified", tyche_time_format(sc->modified, t2));
	ok = ok && cJSON_AddStringToObject(o, "visibility", sc->shared ? "shared" : "private");
	ok = ok && (tags = cJSON_AddArrayToObject(o, "tags"));
	for (size_t i = 0; ok && i < sc->ntags; i++) {
		cJSON *t = cJSON_CreateString(sc->tags[i]);

		ok = t && cJSON_AddItemToArray(tags, t);
		if (!ok)
			cJSON_Delete(t);
	}
	ok = ok && cJSON_AddStringToObject(o, "context", sc->context);
	ok = ok && cJSON_AddStringToObject(o, "context_hash", sc->context_hash);
	ok = ok && cJSON_AddStringToObject(o, "version", sc->version);
	/* a string: JSON numbers are doubles and lose 64-bit seeds */
	ok = ok && cJSON_AddStringToObject(o, "seed", seed);
	ok = ok && cJSON_AddNumberToObject(o, "samples", (double)sc->samples);
	if (bodies) {
		ok = ok && cJSON_AddItemToObject(o, "inputs", inputs);
		if (!ok)
			cJSON_Delete(inputs);
		inputs = NULL;
		ok = ok && cJSON_AddItemToObject(o, "results", results);
		if (!ok)
			cJSON_Delete(results);
		results = NULL;
	}
	cJSON_Delete(inputs);
	cJSON_Delete(results);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int copy_field(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

/* Read and validate the JSON of a scenario file (or an index summary) into
 * *sc.  where names the file for messages.  TYCHE_EDATA when anything is
 * missing or malformed. */
static int scenario_from_json(const cJSON *o, tyche_scenario *sc, int bodies,
			      const char *where, tyche_error *err)
{
	const char *s, *why;
	const cJSON *v;

#define BAD(...) ty_error_at(err, TYCHE_EDATA, where, 0, 0, __VA_ARGS__)
	if (!cJSON_IsObject(o))
		return BAD("not a JSON object, expected a tyche scenario");
	s = get_str(o, "schema");
	if (!s || strcmp(s, SCHEMA) != 0)
		return BAD("schema is '%.40s', expected '%s'", s ? s : "(none)", SCHEMA);
	if (!(s = get_str(o, "id")) || !is_id(s))
		return BAD("missing or invalid \"id\"");
	copy_field(sc->id, sizeof(sc->id), s);
	if (!(s = get_str(o, "name")) || text_problem(s, 1, TYCHE_SCENARIO_NAME_MAX, 0))
		return BAD("missing or invalid \"name\"");
	copy_field(sc->name, sizeof(sc->name), s);
	if (!(s = get_str(o, "owner")) || !is_user(s))
		return BAD("missing or invalid \"owner\"");
	copy_field(sc->owner, sizeof(sc->owner), s);
	if (!(s = get_str(o, "created")) || parse_time(s, &sc->created))
		return BAD("missing or invalid \"created\", expected YYYY-MM-DDTHH:MM:SSZ");
	if (!(s = get_str(o, "modified")) || parse_time(s, &sc->modified))
		return BAD("missing or invalid \"modified\", expected YYYY-MM-DDTHH:MM:SSZ");
	s = get_str(o, "visibility");
	if (s && !strcmp(s, "shared"))
		sc->shared = 1;
	else if (s && !strcmp(s, "private"))
		sc->shared = 0;
	else
		return BAD("\"visibility\" is not \"private\" or \"shared\"");
	v = cJSON_GetObjectItemCaseSensitive(o, "tags");
	if (v && !cJSON_IsArray(v))
		return BAD("\"tags\" is not an array");
	if (v && cJSON_GetArraySize(v) > TYCHE_SCENARIO_TAGS_MAX)
		return BAD("more than %d tags", TYCHE_SCENARIO_TAGS_MAX);
	for (const cJSON *t = v ? v->child : NULL; t; t = t->next) {
		if (!cJSON_IsString(t) || text_problem(t->valuestring, 1, TYCHE_SCENARIO_TAG_MAX, 1))
			return BAD("invalid tag in \"tags\"");
		if (tyche_scenario_add_tag(sc, t->valuestring, err))
			return err ? err->code : TYCHE_ENOMEM;
	}
	s = get_str(o, "context");
	if (s && (why = text_problem(s, 0, TYCHE_SCENARIO_NAME_MAX, 0)))
		return BAD("\"context\" %s", why);
	copy_field(sc->context, sizeof(sc->context), s ? s : "");
	s = get_str(o, "context_hash");
	if (s && !is_hash(s))
		return BAD("\"context_hash\" is not 64 lowercase hex digits");
	copy_field(sc->context_hash, sizeof(sc->context_hash), s ? s : "");
	s = get_str(o, "version");
	if (s && !is_version(s))
		return BAD("invalid \"version\"");
	copy_field(sc->version, sizeof(sc->version), s ? s : "");
	v = cJSON_GetObjectItemCaseSensitive(o, "seed");
	if (cJSON_IsString(v)) {
		char *end;
		unsigned long long u;

		errno = 0;
		u = strtoull(v->valuestring, &end, 10);
		if (!isdigit((unsigned char)v->valuestring[0]) || *end || errno)
			return BAD("\"seed\" is not an unsigned 64-bit integer");
		sc->seed = (uint64_t)u;
	} else if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		   v->valuedouble <= 9007199254740992.0 &&
		   v->valuedouble == floor(v->valuedouble)) {
		sc->seed = (uint64_t)v->valuedouble;
	} else if (v) {
		return BAD("\"seed\" is not an unsigned 64-bit integer");
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "samples");
	if (v && !(cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		   v->valuedouble <= (double)MAX_SAMPLES &&
		   v->valuedouble == floor(v->valuedouble)))
		return BAD("\"samples\" is not a count");
	sc->samples = v ? (long)v->valuedouble : 0;
	if (!bodies)
		return 0;
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "results" : "inputs";
		char **dst = i ? &sc->results_json : &sc->inputs_json;

		v = cJSON_GetObjectItemCaseSensitive(o, key);
		if (v && !cJSON_IsObject(v))
			return BAD("\"%s\" is not an object", key);
		*dst = v ? cJSON_PrintUnformatted(v) : ty_strdup("{}");
		if (!*dst)
			return ty_error_at(err, TYCHE_ENOMEM, where, 0, 0, "out of memory");
	}
#undef BAD
	return 0;
}

/* --------------------------------------------------------------- files */

static int random_hex(char *buf, size_t nbytes)
{
	unsigned char r[32];
	size_t got = 0;

	if (nbytes > sizeof(r))
		return -1;
	while (got < nbytes) {
		ssize_t k = getrandom(r + got, nbytes - got, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)k;
	}
	for (size_t i = 0; i < nbytes; i++)
		snprintf(buf + 2 * i, 3, "%02x", r[i]);
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Replace dfd/name by data, atomically: a temp file beside it, flock'd
 * while it exists, then rename.  With sync, the data and the directory
 * entry are on disk when this returns 0.  dirpath is for messages.
 */
static int write_atomic(int dfd, const char *dirpath, const char *name,
			const char *data, size_t len, int sync, tyche_error *err)
{
	char tmp[96], rnd[33], path[4096];
	struct stat st;
	int fd = -1, e;

	for (int attempt = 0; fd < 0; attempt++) {
		if (attempt == 20 || random_hex(rnd, 12))
			return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
					   "cannot create a temp file");
		snprintf(tmp, sizeof(tmp), TMP_PREFIX "%ld.%s", (long)getpid(), rnd);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			    0660);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
					   "cannot create a temp file: %s", strerror(errno));
		}
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
		/* a cleaner took it for stale before we locked it: start over */
		if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
			close(fd);
			fd = -1;
		}
	}
	if (write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		e = errno;
		unlinkat(dfd, tmp, 0);
		close(fd);
		return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
				   "cannot write %s: %s", name, strerror(e));
	}
	if (ty_store_before_rename) {
		snprintf(path, sizeof(path), "%s/%s", dirpath, tmp);
		ty_store_before_rename(path);
	}
	if (renameat(dfd, tmp, dfd, name) < 0) {
		e = errno;
		unlinkat(dfd, tmp, 0);
		close(fd);
		return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
				   "cannot rename the temp file to %s: %s", name,
				   strerror(e));
	}
	close(fd);
	if (sync && fsync(dfd) < 0)
		return ty_error_at(err, TYCHE_EIO, dirpath, 0, 0,
				   "cannot sync the directory: %s", strerror(errno));
	return 0;
}

/* Remove temp files in dfd that no live writer holds. */
static void clean_stale(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat a, b;
		int tfd;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		tfd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (tfd < 0)
			continue;
		if (flock(tfd, LOCK_EX | LOCK_NB) == 0 && fstat(tfd, &a) == 0 &&
		    fstatat(dfd, de->d_name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			unlinkat(dfd, de->d_name, 0);
		close(tfd);
	}
	closedir(d);
}

/* Read dfd/name (a regular file, not a link) of at most max bytes. */
static int read_at(int dfd, const char *name, const char *path, size_t max,
		   char **out, size_t *outlen, tyche_error *err)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		if (errno == ENOENT)
			return ty_error_at(err, TYCHE_ENOENT, path, 0, 0, "no such file");
		if (errno == ELOOP)
			return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
					   "is a symbolic link, expected a file");
		return ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot open: %s",
				   strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				   "not a regular file");
	}
	if ((uintmax_t)st.st_size > max) {
		close(fd);
		return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				   "file is larger than the limit of %zu bytes", max);
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	}
	/* files are replaced, never rewritten in place: st_size is final */
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : 0;

			free(buf);
			close(fd);
			return ty_error_at(err, TYCHE_EIO, path, 0, 0, "read error: %s",
					   e ? strerror(e) : "file shrank");
		}
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (outlen)
		*outlen = n;
	return 0;
}

/* Parse the scenario file dfd/name (whose id must be id) into *sc. */
static int read_scenario(tyche_store *st, const char *id, tyche_scenario *sc,
			 int bodies, tyche_error *err)
{
	char name[TYCHE_SCENARIO_ID_MAX + 8], *path, *text = NULL;
	size_t len;
	cJSON *o = NULL;
	int rc;

	snprintf(name, sizeof(name), "%s.json", id);
	if (!(path = ty_asprintf("%s/%s", st->scdir, name)))
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	rc = read_at(st->sfd, name, path, MAX_FILE_BYTES, &text, &len, err);
	if (rc)
		goto out;
	o = cJSON_ParseWithLength(text, len);
	if (!o) {
		rc = ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				 "not valid JSON (truncated or damaged), expected a "
				 "tyche scenario");
		goto out;
	}
	rc = scenario_from_json(o, sc, bodies, path, err);
	if (!rc && strcmp(sc->id, id) != 0)
		rc = ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				 "holds scenario id '%s', expected '%s' as in its name",
				 sc->id, id);
	if (rc)
		tyche_scenario_release(sc);
out:
	cJSON_Delete(o);
	free(text);
	free(path);
	return rc;
}

static int not_found(const char *id, tyche_error *err)
{
	return ty_error_at(err, TYCHE_ENOENT, "", 0, 0, "scenario '%s' not found", id);
}

/* Load id for user, checking that user may read it. */
static int load_visible(tyche_store *st, const char *user, const char *id,
			tyche_scenario *sc, int bodies, tyche_error *err)
{
	int rc;

	if (check_user(user, err) || check_id(id, err))
		return TYCHE_EUSAGE;
	rc = read_scenario(st, id, sc, bodies, err);
	if (rc == TYCHE_ENOENT)
		return not_found(id, err);
	if (rc)
		return rc;
	if (!sc->shared && strcmp(sc->owner, user) != 0) {
		tyche_scenario_release(sc);
		return not_found(id, err);
	}
	return 0;
}

static int write_scenario(tyche_store *st, const tyche_scenario *sc,
			  cJSON *inputs, cJSON *results, tyche_error *err)
{
	char name[TYCHE_SCENARIO_ID_MAX + 8], *text;
	cJSON *o = scenario_to_json(sc, inputs, results, 1);
	int rc;

	if (!o || !(text = cJSON_Print(o))) {
		cJSON_Delete(o);
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	cJSON_Delete(o);
	snprintf(name, sizeof(name), "%s.json", sc->id);
	{
		/* end with a newline, as text files do */
		size_t len = strlen(text);
		char *t2 = realloc(text, len + 2);

		if (!t2) {
			free(text);
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		}
		text = t2;
		text[len] = '\n';
		text[len + 1] = '\0';
		rc = write_atomic(st->sfd, st->scdir, name, text, len + 1, st->sync, err);
	}
	free(text);
	return rc;
}

static int lock_store(tyche_store *st, tyche_error *err)
{
	while (flock(st->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return ty_error_at(err, TYCHE_EIO, st->dir, 0, 0,
					   "cannot lock the store: %s", strerror(errno));
	}
	return 0;
}

static void unlock_store(tyche_store *st)
{
	flock(st->lockfd, LOCK_UN);
}

/* ------------------------------------------------------------ the store */

static int mkdir_p(const char *dir)
{
	char *p = ty_strdup(dir);
	struct stat st;

	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0770) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(dir, 0770) < 0 && errno != EEXIST)
		return -1;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
}

void ty_store_set_fsync(tyche_store *st, int on)
{
	st->sync = on;
}

void ty_store_set_index(tyche_store *st, int on)
{
	st->use_index = on;
}

size_t ty_store_list_nstat(const tyche_store *st)
{
	return st->nstat;
}

int tyche_store_open(tyche_store **out, const char *dir, tyche_error *err)
{
	tyche_store *st;

	if (!dir || !dir[0])
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "no store directory given");
	if (mkdir_p(dir) < 0)
		return ty_error_at(err, TYCHE_EIO, dir, 0, 0,
				   "cannot create the store directory: %s", strerror(errno));
	if (!(st = calloc(1, sizeof(*st))))
		return ty_error_at(err, TYCHE_ENOMEM, dir, 0, 0, "out of memory");
	st->dfd = st->sfd = st->lockfd = -1;
	st->sync = 1;
	st->use_index = 1;
	st->dir = ty_strdup(dir);
	st->scdir = ty_asprintf("%s/scenarios", dir);
	if (!st->dir || !st->scdir) {
		tyche_store_free(st);
		return ty_error_at(err, TYCHE_ENOMEM, dir, 0, 0, "out of memory");
	}
	st->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dfd < 0)
		goto io;
	if (mkdirat(st->dfd, "scenarios", 0770) < 0 && errno != EEXIST)
		goto io;
	st->sfd = openat(st->dfd, "scenarios", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (st->sfd < 0)
		goto io;
	st->lockfd = openat(st->dfd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (st->lockfd < 0)
		st->lockfd = openat(st->dfd, ".lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (st->lockfd < 0)
		goto io;
	clean_stale(st->sfd);
	clean_stale(st->dfd);
	*out = st;
	return 0;
io:
	ty_error_at(err, TYCHE_EIO, dir, 0, 0, "cannot open the store: %s",
		    strerror(errno));
	tyche_store_free(st);
	return TYCHE_EIO;
}

void tyche_store_free(tyche_store *st)
{
	if (!st)
		return;
	if (st->dfd >= 0)
		close(st->dfd);
	if (st->sfd >= 0)
		close(st->sfd);
	if (st->lockfd >= 0)
		close(st->lockfd);
	free(st->dir);
	free(st->scdir);
	free(st);
}

const char *tyche_store_default_user(void)
{
	static char buf[256];
	struct passwd *pw = getpwuid(getuid());
	const char *u = pw && pw->pw_name ? pw->pw_name : getenv("USER");

	if (!u || !u[0])
		return NULL;
	snprintf(buf, sizeof(buf), "%s", u);
	return buf;
}

/* Parse a caller's JSON object text (NULL = {}). */
static int parse_body(const char *text, const char *what, cJSON **out,
		      tyche_error *err)
{
	cJSON *o;

	if (!text) {
		if (!(*out = cJSON_CreateObject()))
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		return 0;
	}
	if (strlen(text) > MAX_BODY_BYTES)
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "%s are larger than %u bytes", what, MAX_BODY_BYTES);
	o = cJSON_Parse(text);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "%s are not a JSON object", what);
	}
	*out = o;
	return 0;
}

int tyche_store_save(tyche_store *st, const char *user, tyche_scenario *sc,
		     tyche_error *err)
{
	tyche_scenario w, old = TYCHE_SCENARIO_INIT;
	cJSON *inputs = NULL, *results = NULL;
	int rc;

	if (check_user(user, err) || check_scenario(sc, err))
		return TYCHE_EUSAGE;
	if (sc->id[0] && check_id(sc->id, err))
		return TYCHE_EUSAGE;
	if ((rc = parse_body(sc->inputs_json, "inputs", &inputs, err)) ||
	    (rc = parse_body(sc->results_json, "results", &results, err))) {
		cJSON_Delete(inputs);
		return rc;
	}
	if ((rc = lock_store(st, err))) {
		cJSON_Delete(inputs);
		cJSON_Delete(results);
		return rc;
	}
	w = *sc;     /* shallow: tags and texts stay the caller's */
	w.modified = (int64_t)time(NULL);
	snprintf(w.version, sizeof(w.version), "%s", tyche_version());
	if (!w.id[0]) {
		char stamp[24], rnd[16], name[TYCHE_SCENARIO_ID_MAX + 8];
		struct stat sb;
		struct tm tm;
		time_t now = (time_t)w.modified;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		do {
			if (random_hex(rnd, 6)) {
				rc = ty_error_at(err, TYCHE_EIO, "", 0, 0,
						 "no random numbers for an id");
				goto out;
			}
			snprintf(w.id, sizeof(w.id), "%s-%s", stamp, rnd);
			snprintf(name, sizeof(name), "%s.json", w.id);
		} while (fstatat(st->sfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0);
		w.created = w.modified;
		snprintf(w.owner, sizeof(w.owner), "%s", user);
	} else {
		rc = load_visible(st, user, w.id, &old, 0, err);
		if (rc)
			goto out;
		if (strcmp(old.owner, user) != 0) {
			rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
					 "scenario '%s' belongs to another user; only "
					 "its owner can change it", w.id);
			goto out;
		}
		w.created = old.created;
		snprintf(w.owner, sizeof(w.owner), "%s", old.owner);
	}
	rc = write_scenario(st, &w, inputs, results, err);
	inputs = results = NULL;
	if (!rc) {
		memcpy(sc->id, w.id, sizeof(sc->id));
		memcpy(sc->owner, w.owner, sizeof(sc->owner));
		memcpy(sc->version, w.version, sizeof(sc->version));
		sc->created = w.created;
		sc->modified = w.modified;
	}
out:
	unlock_store(st);
	tyche_scenario_release(&old);
	cJSON_Delete(inputs);
	cJSON_Delete(results);
	return rc;
}

int tyche_store_load(tyche_store *st, const char *user, const char *id,
		     tyche_scenario *out, tyche_error *err)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	int rc = load_visible(st, user, id, &sc, 1, err);

	if (rc)
		return rc;
	tyche_scenario_release(out);
	*out = sc;
	return 0;
}

/* The read-modify-write operations: load id as its owner under the store
 * lock, apply, write back (or delete). */
enum change { CH_SHARE, CH_RENAME, CH_DELETE };

static int change(tyche_store *st, const char *user, const char *id,
		  enum change what, int shared, const char *name, tyche_error *err)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	cJSON *inputs = NULL, *results = NULL;
	int rc;

	if (check_user(user, err) || check_id(id, err))
		return TYCHE_EUSAGE;
	if (what == CH_RENAME && (!name || check_name(name, err)))
		return TYCHE_EUSAGE;
	if ((rc = lock_store(st, err)))
		return rc;
	rc = load_visible(st, user, id, &sc, 1, err);
	if (rc)
		goto out;
	if (strcmp(sc.owner, user) != 0) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "scenario '%s' belongs to another user; only its "
				 "owner can change it", id);
		goto out;
	}
	if (what == CH_DELETE) {
		char fname[TYCHE_SCENARIO_ID_MAX + 8];

		snprintf(fname, sizeof(fname), "%s.json", id);
		if (unlinkat(st->sfd, fname, 0) < 0) {
			rc = ty_error_at(err, TYCHE_EIO, st->scdir, 0, 0,
					 "cannot delete %s: %s", fname, strerror(errno));
		} else if (st->sync && fsync(st->sfd) < 0) {
			rc = ty_error_at(err, TYCHE_EIO, st->scdir, 0, 0,
					 "cannot sync the directory: %s", strerror(errno));
		}
		goto out;
	}
	if (what == CH_SHARE)
		sc.shared = shared ? 1 : 0;
	else
		snprintf(sc.name, sizeof(sc.name), "%s", name);
	sc.modified = (int64_t)time(NULL);
	inputs = cJSON_Parse(sc.inputs_json);
	results = cJSON_Parse(sc.results_json);
	if (!inputs || !results) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	/* version stays: it names the software that computed the results */
	rc = write_scenario(st, &sc, inputs, results, err);
	inputs = results = NULL;
out:
	unlock_store(st);
	cJSON_Delete(inputs);
	cJSON_Delete(results);
	tyche_scenario_release(&sc);
	return rc;
}

int tyche_store_set_shared(tyche_store *st, const char *user, const char *id,
			   int shared, tyche_error *err)
{
	return change(st, user, id, CH_SHARE, shared, NULL, err);
}

int tyche_store_rename(tyche_store *st, const char *user, const char *id,
		       const char *name, tyche_error *err)
{
	return change(st, user, id, CH_RENAME, 0, name, err);
}

int tyche_store_delete(tyche_store *st, const char *user, const char *id,
		       tyche_error *err)
{
	return change(st, user, id, CH_DELETE, 0, NULL, err);
}

/* ------------------------------------------------------------- listing */

/*
 * The index: a header line, a directory line
 *   #dir \t DIRSTAMP \t SETTLED
 * (the scenarios directory's device, inode, mtime and ctime when the
 * listing that wrote the index began, and 1 if they were then more than
 * SETTLE_SEC old), then one line per scenario file,
 *   ID \t STAMP \t OWNER \t SHARED \t CREATED \t MODIFIED \t SEED \t SAMPLES
 *      \t VERSION \t CONTEXT_HASH \t NAME \t CONTEXT \t TAG,TAG...
 * Tab-separated text, not JSON: no field can hold a tab, newline or (tags)
 * a comma, since names refuse control characters, and parsing 10 000 JSON
 * lines would use most of the time budget of a listing.  STAMP identifies
 * the file version (inode, size, mtime, ctime).  Every field is validated
 * when read, as a file would be; a line that fails is just not cached.
 */

struct rec {
	const char *id, *stamp, *rest;  /* NUL-terminated, in an index text or owned */
	char *owned;
	int used;
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

static struct rec *recs_add(struct recs *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		struct rec *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

static void recs_release(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].owned);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static int cmp_rec_id(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->id, ((const struct rec *)b)->id);
}

/* Decimal digits of v at p, at least `width` of them (zero-padded);
 * returns the end.  snprintf took a third of a listing's time here. */
static char *put_dec(char *p, uintmax_t v, int width)
{
	char tmp[24];
	int k = 0;

	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || k < width);
	while (k)
		*p++ = tmp[--k];
	return p;
}

static char *put_signed(char *p, intmax_t v)
{
	if (v < 0) {
		*p++ = '-';
		return put_dec(p, -(uintmax_t)v, 1);
	}
	return put_dec(p, (uintmax_t)v, 1);
}

/* "INO:SIZE:MTIME.NSEC:CTIME.NSEC" (as "%ju:%jd:%jd.%09ld:%jd.%09ld"),
 * identifying one version of a file. */
static void file_stamp(const struct stat *s, char *buf, size_t n)
{
	char tmp[128], *p = tmp;

	p = put_dec(p, (uintmax_t)s->st_ino, 1);
	*p++ = ':';
	p = put_signed(p, (intmax_t)s->st_size);
	*p++ = ':';
	p = put_signed(p, (intmax_t)s->st_mtim.tv_sec);
	*p++ = '.';
	p = put_dec(p, (uintmax_t)s->st_mtim.tv_nsec % 1000000000u, 9);
	*p++ = ':';
	p = put_signed(p, (intmax_t)s->st_ctim.tv_sec);
	*p++ = '.';
	p = put_dec(p, (uintmax_t)s->st_ctim.tv_nsec % 1000000000u, 9);
	*p = '\0';
	if (n) {
		size_t len = (size_t)(p - tmp) < n ? (size_t)(p - tmp) : n - 1;

		memcpy(buf, tmp, len);
		buf[len] = '\0';
	}
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s) && *s != '-')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* Fill *sc from id and the rest of an index line; -1 if anything is off. */
static int rec_parse(const char *id, const char *rest, tyche_scenario *sc)
{
	char buf[4096], *f[11], *p, *end;
	int64_t v;
	unsigned long long u;
	size_t len = strlen(rest);
	int nf = 0;

	if (len >= sizeof(buf) || !is_id(id))
		return -1;
	memcpy(buf, rest, len + 1);
	for (p = buf; nf < 11; nf++) {
		f[nf] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (nf != 10 || p)
		return -1;
	memcpy(sc->id, id, strlen(id) + 1);
	if (!is_user(f[0]) || copy_field(sc->owner, sizeof(sc->owner), f[0]))
		return -1;
	if (strcmp(f[1], "0") && strcmp(f[1], "1"))
		return -1;
	sc->shared = f[1][0] == '1';
	if (parse_i64(f[2], INT64_MIN / 2, INT64_MAX / 2, &sc->created) ||
	    parse_i64(f[3], INT64_MIN / 2, INT64_MAX / 2, &sc->modified))
		return -1;
	errno = 0;
	u = strtoull(f[4], &end, 10);
	if (!isdigit((unsigned char)f[4][0]) || *end || errno)
		return -1;
	sc->seed = (uint64_t)u;
	if (parse_i64(f[5], 0, MAX_SAMPLES, &v))
		return -1;
	sc->samples = (long)v;
	if ((f[6][0] && !is_version(f[6])) || copy_field(sc->version, sizeof(sc->version), f[6]))
		return -1;
	if (!is_hash(f[7]) || copy_field(sc->context_hash, sizeof(sc->context_hash), f[7]))
		return -1;
	if (text_problem(f[8], 1, TYCHE_SCENARIO_NAME_MAX, 0) ||
	    copy_field(sc->name, sizeof(sc->name), f[8]))
		return -1;
	if (text_problem(f[9], 0, TYCHE_SCENARIO_NAME_MAX, 0) ||
	    copy_field(sc->context, sizeof(sc->context), f[9]))
		return -1;
	for (p = f[10]; *p; ) {
		char *c = strchr(p, ',');

		if (c)
			*c = '\0';
		if (tyche_scenario_add_tag(sc, p, NULL))
			return -1;
		if (!c)
			break;
		p = c + 1;
	}
	return 0;
}

/* The index line of a parsed scenario, as an owned id\0stamp\0rest\0. */
static int rec_format(struct rec *r, const tyche_scenario *sc, const char *stamp)
{
	struct ty_buf b = TY_BUF_INIT;
	size_t idlen = strlen(sc->id), stlen = strlen(stamp);

	ty_buf_add(&b, sc->id, idlen + 1);
	ty_buf_add(&b, stamp, stlen + 1);
	ty_buf_addf(&b, "%s\t%d\t%lld\t%lld\t%llu\t%ld\t%s\t%s\t%s\t%s\t", sc->owner,
		    sc->shared, (long long)sc->created, (long long)sc->modified,
		    (unsigned long long)sc->seed, sc->samples, sc->version,
		    sc->context_hash, sc->name, sc->context);
	for (size_t i = 0; i < sc->ntags; i++) {
		if (i)
			ty_buf_addc(&b, ',');
		ty_buf_adds(&b, sc->tags[i]);
	}
	if (b.oom) {
		ty_buf_release(&b);
		return -1;
	}
	r->owned = ty_buf_detach(&b);
	r->id = r->owned;
	r->stamp = r->owned + idlen + 1;
	r->rest = r->stamp + stlen + 1;
	return 0;
}

/* The directory's identity and change times; "" when unknown. */
static void dir_stamp(const struct stat *s, char *buf, size_t n)
{
	snprintf(buf, n, "%ju:%ju:%jd.%09ld:%jd.%09ld", (uintmax_t)s->st_dev,
		 (uintmax_t)s->st_ino, (intmax_t)s->st_mtim.tv_sec,
		 (long)s->st_mtim.tv_nsec, (intmax_t)s->st_ctim.tv_sec,
		 (long)s->st_ctim.tv_nsec);
}

/* Whether the directory's stamp was older than SETTLE_SEC at *now. */
static int dir_settled(const struct stat *s, const struct timespec *now)
{
	struct timespec last = s->st_mtim;

	if (s->st_ctim.tv_sec > last.tv_sec ||
	    (s->st_ctim.tv_sec == last.tv_sec && s->st_ctim.tv_nsec > last.tv_nsec))
		last = s->st_ctim;
	return now->tv_sec - last.tv_sec > SETTLE_SEC ||
	       (now->tv_sec - last.tv_sec == SETTLE_SEC && now->tv_nsec > last.tv_nsec);
}

/* Read the index into idx (sorted by id), pointing into *text, which the
 * caller frees; *trusted is 1 when its directory line is settled and
 * equals dstamp.  Anything unreadable is just not cached. */
static void index_load(tyche_store *st, const char *dstamp, struct recs *idx,
		       char **text, int *trusted)
{
	char *p, *nl, *end, *t1, *t2;
	size_t len;

	*text = NULL;
	*trusted = 0;
	if (read_at(st->dfd, INDEX_NAME, INDEX_NAME, MAX_INDEX_BYTES, text, &len, NULL))
		return;
	end = *text + len;
	nl = memchr(*text, '\n', len);
	if (!nl || (size_t)(nl - *text) != strlen(INDEX_SCHEMA) ||
	    memcmp(*text, INDEX_SCHEMA, strlen(INDEX_SCHEMA)) != 0)
		return;
	p = nl + 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return;
	*nl = '\0';
	t1 = strchr(p, '\t');
	t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	if (!t2 || (size_t)(t1 - p) != strlen(INDEX_DIR_TAG) ||
	    memcmp(p, INDEX_DIR_TAG, strlen(INDEX_DIR_TAG)) != 0)
		return;
	*t2 = '\0';
	*trusted = !strcmp(t2 + 1, "1") && !strcmp(t1 + 1, dstamp);
	for (p = nl + 1; p < end; p = nl + 1) {
		struct rec *r;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;        /* a line without its newline is incomplete */
		*nl = '\0';
		t1 = strchr(p, '\t');
		t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2 || !(r = recs_add(idx)))
			continue;
		*t1 = *t2 = '\0';
		r->id = p;
		r->stamp = t1 + 1;
		r->rest = t2 + 1;
	}
	/* an index of an empty store has no records and idx->v is NULL:
	 * qsort(NULL, 0, ...) is undefined (UBSan stops there, and every
	 * later listing met the same empty index) */
	if (idx->n > 1)
		qsort(idx->v, idx->n, sizeof(idx->v[0]), cmp_rec_id);
}

static void index_write(tyche_store *st, const char *dstamp, int settled,
			const struct recs *all)
{
	struct ty_buf b = TY_BUF_INIT;

	ty_buf_addf(&b, "%s\n%s\t%s\t%d\n", INDEX_SCHEMA, INDEX_DIR_TAG, dstamp, settled);
	for (size_t i = 0; i < all->n; i++)
		ty_buf_addf(&b, "%s\t%s\t%s\n", all->v[i].id, all->v[i].stamp, all->v[i].rest);
	/* a cache: no fsync, and failure (a read-only store) is harmless */
	if (!b.oom)
		write_atomic(st->dfd, st->dir, INDEX_NAME, b.p, b.len, 0, NULL);
	ty_buf_release(&b);
}

static int has_tag(const tyche_scenario *sc, const char *tag)
{
	for (size_t i = 0; i < sc->ntags; i++)
		if (!strcmp(sc->tags[i], tag))
			return 1;
	return 0;
}

static int matches(const tyche_scenario *sc, const char *user,
		   const tyche_store_filter *f)
{
	if (!sc->shared && strcmp(sc->owner, user) != 0)
		return 0;
	if (!f)
		return 1;
	if (f->owner && strcmp(sc->owner, f->owner) != 0)
		return 0;
	if (f->context && strcmp(sc->context, f->context) != 0)
		return 0;
	if (f->tag && !has_tag(sc, f->tag))
		return 0;
	if (f->mine && strcmp(sc->owner, user) != 0)
		return 0;
	if (f->shared && !sc->shared)
		return 0;
	return 1;
}

static int cmp_newest(const void *pa, const void *pb)
{
	const tyche_scenario *a = pa, *b = pb;

	if (a->created != b->created)
		return a->created > b->created ? -1 : 1;
	return -strcmp(a->id, b->id);
}

int tyche_store_list(tyche_store *st, const char *user,
		     const tyche_store_filter *filter, tyche_scenario **out,
		     size_t *nout, tyche_diags *diags, tyche_error *err)
{
	struct recs idx = { NULL, 0, 0 }, all = { NULL, 0, 0 };
	tyche_scenario *res = NULL;
	size_t nres = 0, cap = 0, used = 0;
	char *itext = NULL, dstamp[160] = "";
	struct dirent *de;
	struct stat dsb;
	struct timespec now;
	DIR *d = NULL;
	int fd, rc = 0, dirty = 0, trusted = 0, settled = 0;

	if (check_user(user, err))
		return TYCHE_EUSAGE;
	st->nstat = 0;
	fd = openat(st->sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return ty_error_at(err, TYCHE_EIO, st->scdir, 0, 0,
				   "cannot read the store: %s", strerror(errno));
	}
	/* before reading the entries: a change from here on gives the
	 * directory a stamp other than the one the index will record */
	if (fstat(fd, &dsb) == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0) {
		dir_stamp(&dsb, dstamp, sizeof(dstamp));
		settled = dir_settled(&dsb, &now);
	}
	if (st->use_index)
		index_load(st, dstamp, &idx, &itext, &trusted);
	while ((errno = 0, de = readdir(d))) {
		const char *nm = de->d_name;
		size_t len = strlen(nm);
		char id[TYCHE_SCENARIO_ID_MAX + 1], stamp[128];
		tyche_scenario sc = TYCHE_SCENARIO_INIT;
		struct stat sb;
		struct rec key, *hit, *r;

		if (nm[0] == '.')
			continue;    /* ., .., temp files, editors' and NFS files */
		if (len < 6 || len - 5 > TYCHE_SCENARIO_ID_MAX ||
		    strcmp(nm + len - 5, ".json") != 0) {
			ty_diag_add(diags, TYCHE_SEV_WARNING, st->scdir, 0, 0,
				    "'%s' is not a scenario file (expected ID.json), skipped", nm);
			continue;
		}
		memcpy(id, nm, len - 5);
		id[len - 5] = '\0';
		if (!is_id(id)) {
			ty_diag_add(diags, TYCHE_SEV_WARNING, st->scdir, 0, 0,
				    "'%s' is not a scenario file (bad id), skipped", nm);
			continue;
		}
		key.id = id;
		hit = idx.n ? bsearch(&key, idx.v, idx.n, sizeof(idx.v[0]), cmp_rec_id) : NULL;
		if (hit && (hit->used || rec_parse(id, hit->rest, &sc))) {
			tyche_scenario_release(&sc);
			hit = NULL;
		}
		/* a trusted index vouches for the files it holds; any other
		 * name (new, or damaged in the index) has its file looked at */
		if (!(trusted && hit)) {
			st->nstat++;
			if (fstatat(st->sfd, nm, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
				tyche_scenario_release(&sc);
				continue;    /* deleted since readdir */
			}
			if (!S_ISREG(sb.st_mode)) {
				tyche_scenario_release(&sc);
				ty_diag_add(diags, TYCHE_SEV_WARNING, st->scdir, 0, 0,
					    "'%s' is not a regular file, skipped", nm);
				continue;
			}
			file_stamp(&sb, stamp, sizeof(stamp));
			if (hit && strcmp(hit->stamp, stamp)) {
				tyche_scenario_release(&sc);
				hit = NULL;
			}
		}
		if (!(r = recs_add(&all))) {
			tyche_scenario_release(&sc);
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		if (hit) {
			hit->used = 1;
			used++;
			r->id = hit->id;
			r->stamp = hit->stamp;
			r->rest = hit->rest;
		} else {
			tyche_error ferr = { 0 };

			read_scenario(st, id, &sc, 0, &ferr);
			if (ferr.code == TYCHE_ENOMEM || (!ferr.code && rec_format(r, &sc, stamp))) {
				all.n--;
				tyche_scenario_release(&sc);
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				goto out;
			}
			if (ferr.code) {
				all.n--;
				if (ferr.code != TYCHE_ENOENT)
					ty_diag_add(diags, TYCHE_SEV_WARNING, ferr.where, 0, 0,
						    "%s; skipped", ferr.msg);
				continue;
			}
			dirty = 1;
		}
		if (!matches(&sc, user, filter)) {
			tyche_scenario_release(&sc);
			continue;
		}
		if (nres == cap) {
			size_t ncap = cap ? 2 * cap : (idx.n ? idx.n : 64);
			tyche_scenario *nv = realloc(res, ncap * sizeof(*nv));

			if (!nv) {
				tyche_scenario_release(&sc);
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
				goto out;
			}
			res = nv;
			cap = ncap;
		}
		res[nres++] = sc;
	}
	if (errno) {
		rc = ty_error_at(err, TYCHE_EIO, st->scdir, 0, 0,
				 "cannot read the store: %s", strerror(errno));
		goto out;
	}
	if (used != idx.n)
		dirty = 1;       /* files were deleted, or the index was damaged */
	if (!trusted && settled)
		dirty = 1;       /* so that the next listing can trust it */
	if (st->use_index && dirty)
		index_write(st, dstamp, settled, &all);
	if (!res && !(res = calloc(1, sizeof(*res)))) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (nres > 1)
		qsort(res, nres, sizeof(*res), cmp_newest);
	*out = res;
	*nout = nres;
	res = NULL;
out:
	if (d)
		closedir(d);
	tyche_scenario_list_free(res, nres);
	recs_release(&idx);
	recs_release(&all);
	free(itext);
	return rc;
}

/* ---------------------------------------------------------------- diff */

/* Append "/" + key escaped as in RFC 6901 to path. */
static char *pointer_join(const char *path, const char *key)
{
	struct ty_buf b = TY_BUF_INIT;

	ty_buf_adds(&b, path);
	ty_buf_addc(&b, '/');
	for (const char *k = key; *k; k++) {
		if (*k == '~')
			ty_buf_adds(&b, "~0");
		else if (*k == '/')
			ty_buf_adds(&b, "~1");
		else
			ty_buf_addc(&b, *k);
	}
	if (b.oom) {
		ty_buf_release(&b);
		return NULL;
	}
	return ty_buf_detach(&b);
}

static cJSON *dup_or_null(const cJSON *v)
{
	return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

static int add_pair(cJSON *out, const char *key, const cJSON *a, const cJSON *b)
{
	cJSON *p = cJSON_CreateObject();

	if (!p || !cJSON_AddItemToObject(p, "a", dup_or_null(a)) ||
	    !cJSON_AddItemToObject(p, "b", dup_or_null(b)) ||
	    !cJSON_AddItemToObject(out, key, p)) {
		cJSON_Delete(p);
		return -1;
	}
	return 0;
}

/* Leaves of a and b (objects or NULL) that differ, keyed by pointer.
 * skip: a top-level key left out (NULL = none). */
static int diff_tree(const cJSON *a, const cJSON *b, const char *path,
		     const char *skip, cJSON *out, int depth)
{
	if (depth > 64)
		return add_pair(out, path[0] ? path : "/", a, b);
	if ((cJSON_IsObject(a) || !a) && (cJSON_IsObject(b) || !b) && (a || b)) {
		for (int side = 0; side < 2; side++) {
			const cJSON *from = side ? b : a, *other = side ? a : b;

			for (const cJSON *c = from ? from->child : NULL; c; c = c->next) {
				const cJSON *oc;
				char *p;
				int rc;

				if (skip && !strcmp(c->string, skip))
					continue;
				oc = other ? cJSON_GetObjectItemCaseSensitive(other, c->string) : NULL;
				if (side && oc)
					continue;      /* done from a's side */
				if (!(p = pointer_join(path, c->string)))
					return -1;
				rc = side ? diff_tree(NULL, c, p, NULL, out, depth + 1)
					  : diff_tree(c, oc, p, NULL, out, depth + 1);
				free(p);
				if (rc)
					return rc;
			}
		}
		return 0;
	}
	if (a && b && cJSON_Compare(a, b, 1))
		return 0;
	return add_pair(out, path[0] ? path : "/", a, b);
}

static int diff_metrics(const cJSON *ra, const cJSON *rb, cJSON *out)
{
	const cJSON *ma = cJSON_GetObjectItemCaseSensitive(ra, "metrics");
	const cJSON *mb = cJSON_GetObjectItemCaseSensitive(rb, "metrics");

	if (!cJSON_IsObject(ma))
		ma = NULL;
	if (!cJSON_IsObject(mb))
		mb = NULL;
	for (int side = 0; side < 2; side++) {
		const cJSON *from = side ? mb : ma, *other = side ? ma : mb;

		for (const cJSON *m = from ? from->child : NULL; m; m = m->next) {
			const cJSON *om = other ? cJSON_GetObjectItemCaseSensitive(other, m->string) : NULL;
			const cJSON *sa = side ? om : m, *sb = side ? m : om;
			cJSON *stats;

			if (side && om)
				continue;
			if (cJSON_GetObjectItemCaseSensitive(out, m->string))
				continue;      /* a duplicate key */
			if (!(stats = cJSON_AddObjectToObject(out, m->string)))
				return -1;
			for (int s2 = 0; s2 < 2; s2++) {
				const cJSON *sf = s2 ? sb : sa, *so = s2 ? sa : sb;

				if (!cJSON_IsObject(sf))
					continue;
				for (const cJSON *v = sf->child; v; v = v->next) {
					const cJSON *ov = cJSON_IsObject(so) ? cJSON_GetObjectItemCaseSensitive(so, v->string) : NULL;
					const cJSON *va = s2 ? ov : v, *vb = s2 ? v : ov;
					cJSON *p;

					if ((s2 && ov) || cJSON_GetObjectItemCaseSensitive(stats, v->string))
						continue;
					p = cJSON_CreateObject();
					if (!p || !cJSON_AddItemToObject(p, "a", dup_or_null(va)) ||
					    !cJSON_AddItemToObject(p, "b", dup_or_null(vb)) ||
					    !(cJSON_IsNumber(va) && cJSON_IsNumber(vb)
						      ? cJSON_AddNumberToObject(p, "diff", vb->valuedouble - va->valuedouble)
						      : cJSON_AddNullToObject(p, "diff")) ||
					    !cJSON_AddItemToObject(stats, v->string, p)) {
						cJSON_Delete(p);
						return -1;
					}
				}
			}
		}
	}
	return 0;
}

static int diff_settings(const tyche_scenario *a, const tyche_scenario *b,
			 cJSON *out)
{
	char sa[32], sb[32], ta[256], tb[256];
	struct { const char *key, *va, *vb; } f[] = {
		{ "name", a->name, b->name },
		{ "owner", a->owner, b->owner },
		{ "visibility", a->shared ? "shared" : "private", b->shared ? "shared" : "private" },
		{ "tags", ta, tb },
		{ "context", a->context, b->context },
		{ "context_hash", a->context_hash, b->context_hash },
		{ "version", a->version, b->version },
		{ "seed", sa, sb },
	};

	snprintf(sa, sizeof(sa), "%llu", (unsigned long long)a->seed);
	snprintf(sb, sizeof(sb), "%llu", (unsigned long long)b->seed);
	for (int k = 0; k < 2; k++) {
		const tyche_scenario *s = k ? b : a;
		char *t = k ? tb : ta;
		size_t n = 0;

		t[0] = '\0';
		for (size_t i = 0; i < s->ntags && n < 255; i++)
			n += (size_t)snprintf(t + n, 256 - n, "%s%s", i ? "," : "", s->tags[i]);
	}
	for (size_t i = 0; i < TY_ARRAY_SIZE(f); i++) {
		cJSON *p;

		if (!strcmp(f[i].va, f[i].vb))
			continue;
		p = cJSON_CreateObject();
		if (!p || !cJSON_AddStringToObject(p, "a", f[i].va) ||
		    !cJSON_AddStringToObject(p, "b", f[i].vb) ||
		    !cJSON_AddItemToObject(out, f[i].key, p)) {
			cJSON_Delete(p);
			return -1;
		}
	}
	if (a->samples != b->samples) {
		cJSON *p = cJSON_CreateObject();

		if (!p || !cJSON_AddNumberToObject(p, "a", (double)a->samples) ||
		    !cJSON_AddNumberToObject(p, "b", (double)b->samples) ||
		    !cJSON_AddItemToObject(out, "samples", p)) {
			cJSON_Delete(p);
			return -1;
		}
	}
	return 0;
}

int tyche_store_diff(tyche_store *st, const char *user, const char *id_a,
		     const char *id_b, char **json_out, tyche_error *err)
{
	tyche_scenario a = TYCHE_SCENARIO_INIT, b = TYCHE_SCENARIO_INIT;
	cJSON *ia = NULL, *ib = NULL, *ra = NULL, *rb = NULL, *o = NULL;
	cJSON *settings, *inputs, *results, *metrics;
	char *text;
	int rc;

	if ((rc = load_visible(st, user, id_a, &a, 1, err)) ||
	    (rc = load_visible(st, user, id_b, &b, 1, err)))
		goto out;
	ia = cJSON_Parse(a.inputs_json);
	ib = cJSON_Parse(b.inputs_json);
	ra = cJSON_Parse(a.results_json);
	rb = cJSON_Parse(b.results_json);
	o = cJSON_CreateObject();
	rc = TYCHE_ENOMEM;
	if (!ia || !ib || !ra || !rb || !o ||
	    !cJSON_AddStringToObject(o, "a", a.id) ||
	    !cJSON_AddStringToObject(o, "b", b.id) ||
	    !(settings = cJSON_AddObjectToObject(o, "settings")) ||
	    !(inputs = cJSON_AddObjectToObject(o, "inputs")) ||
	    !(results = cJSON_AddObjectToObject(o, "results")) ||
	    !(metrics = cJSON_AddObjectToObject(o, "metrics")) ||
	    diff_settings(&a, &b, settings) ||
	    diff_tree(ia, ib, "", NULL, inputs, 0) ||
	    diff_tree(ra, rb, "", "metrics", results, 0) ||
	    diff_metrics(ra, rb, metrics) ||
	    !(text = cJSON_Print(o))) {
		ty_error_at(err, rc, "", 0, 0, "out of memory");
		goto out;
	}
	*json_out = text;
	rc = 0;
out:
	cJSON_Delete(ia);
	cJSON_Delete(ib);
	cJSON_Delete(ra);
	cJSON_Delete(rb);
	cJSON_Delete(o);
	tyche_scenario_release(&a);
	tyche_scenario_release(&b);
	return rc;
}

/* ------------------------------------------------------------ rendering */

static cJSON *scenario_render(const tyche_scenario *sc)
{
	cJSON *in = NULL, *res = NULL, *o;
	int bodies = sc->inputs_json || sc->results_json;

	if (bodies) {
		in = sc->inputs_json ? cJSON_Parse(sc->inputs_json) : cJSON_CreateObject();
		res = sc->results_json ? cJSON_Parse(sc->results_json) : cJSON_CreateObject();
		if (!in || !res) {
			cJSON_Delete(in);
			cJSON_Delete(res);
			return NULL;
		}
	}
	o = scenario_to_json(sc, in, res, bodies);
	return o;
}

char *tyche_scenario_to_json(const tyche_scenario *sc, int pretty)
{
	cJSON *o = scenario_render(sc);
	char *text = NULL;

	if (o)
		text = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

char *tyche_scenario_list_to_json(const tyche_scenario *v, size_t n, int pretty)
{
	cJSON *a = cJSON_CreateArray();
	char *text = NULL;

	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = scenario_render(&v[i]);

		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
	}
	if (a)
		text = pretty ? cJSON_Print(a) : cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return text;
}
