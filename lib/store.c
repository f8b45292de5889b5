/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.c - the scenario store: saved scenarios as flat JSON files, and
 * who may do what with them (open, save, load, share, rename, delete).
 * Listing is store-index.c, comparing store-diff.c, the scenario's JSON
 * and field checks store-json.c (map in store.h).
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
 *    <id>.json and fsyncs the directory (ty_write_atomic_at, fsutil.c).
 *    Readers take no lock and always see a whole old or a whole new file.
 *    The store lock only serialises writers, so that "check the owner,
 *    then replace" is not raced.
 *  - Locking the scenario file itself would not work: rename gives the path
 *    a new inode, so a lock on the old one protects nothing.
 *  - A temp file is stale when nobody holds its flock (fsutil's writer
 *    keeps one from creation to rename; the kernel drops it when the writer
 *    dies, even by SIGKILL).  The writer re-checks st_nlink after locking,
 *    because clean_stale may have unlinked the file between its open and
 *    its flock.  clean_stale matches TY_TMP_PREFIX: the prefix fsutil uses.
 *  - Access is checked here, not by callers: another user's private
 *    scenario answers "not found" (TYCHE_ENOENT), exactly like a missing
 *    one; changing another user's shared scenario is TYCHE_EPERM (the
 *    CGI's 403, the CLI's exit 77), never told apart by message text.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "internal.h"
#include "store.h"

#define MAX_BODY_BYTES (1u << 20)          /* inputs or results text */
#define MAX_FILE_BYTES (4u << 20)          /* one scenario file */

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
	sodium_bin2hex(buf, 2 * nbytes + 1, r, nbytes);
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

		if (strncmp(de->d_name, TY_TMP_PREFIX, strlen(TY_TMP_PREFIX)) != 0)
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
int ty_store_read_at(int dfd, const char *name, const char *path, size_t max,
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
int ty_store_read_scenario(tyche_store *st, const char *id, tyche_scenario *sc,
			 int bodies, tyche_error *err)
{
	char name[TYCHE_SCENARIO_ID_MAX + 8], *path, *text = NULL;
	size_t len;
	cJSON *o = NULL;
	int rc;

	snprintf(name, sizeof(name), "%s.json", id);
	if (!(path = ty_asprintf("%s/%s", st->scdir, name)))
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	rc = ty_store_read_at(st->sfd, name, path, MAX_FILE_BYTES, &text, &len, err);
	if (rc)
		goto out;
	o = cJSON_ParseWithLength(text, len);
	if (!o) {
		rc = ty_error_at(err, TYCHE_EDATA, path, 0, 0,
				 "not valid JSON (truncated or damaged), expected a "
				 "tyche scenario");
		goto out;
	}
	rc = ty_scenario_from_cjson(o, sc, bodies, path, err);
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
int ty_store_load_visible(tyche_store *st, const char *user, const char *id,
			tyche_scenario *sc, int bodies, tyche_error *err)
{
	int rc;

	if (ty_scenario_check_user(user, err) || ty_scenario_check_id(id, err))
		return TYCHE_EUSAGE;
	rc = ty_store_read_scenario(st, id, sc, bodies, err);
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
	cJSON *o = ty_scenario_to_cjson(sc, inputs, results, 1);
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
		rc = ty_write_atomic_at(st->sfd, st->scdir, name, text, len + 1, 0660,
					st->sync, err);
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
	if (ty_mkdir_p(dir, 0770) < 0)
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

	if (ty_scenario_check_user(user, err) || ty_scenario_check(sc, err))
		return TYCHE_EUSAGE;
	if (sc->id[0] && ty_scenario_check_id(sc->id, err))
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
		rc = ty_store_load_visible(st, user, w.id, &old, 0, err);
		if (rc)
			goto out;
		if (strcmp(old.owner, user) != 0) {
			rc = ty_error_at(err, TYCHE_EPERM, "", 0, 0,
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

int tyche_store_load(tyche_scenario *out, tyche_store *st, const char *user,
		     const char *id, tyche_error *err)
{
	tyche_scenario sc = TYCHE_SCENARIO_INIT;
	int rc = ty_store_load_visible(st, user, id, &sc, 1, err);

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

	if (ty_scenario_check_user(user, err) || ty_scenario_check_id(id, err))
		return TYCHE_EUSAGE;
	if (what == CH_RENAME && (!name || ty_scenario_check_name(name, err)))
		return TYCHE_EUSAGE;
	if ((rc = lock_store(st, err)))
		return rc;
	rc = ty_store_load_visible(st, user, id, &sc, 1, err);
	if (rc)
		goto out;
	if (strcmp(sc.owner, user) != 0) {
		rc = ty_error_at(err, TYCHE_EPERM, "", 0, 0,
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

