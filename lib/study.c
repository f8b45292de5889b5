/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * study.c - the analyst's own studies in the store's tree (layout and
 * ownership rules in tyche/study.h): add (check, then install as a new
 * version), list, get, share, delete, promote, and `store init`.
 *
 * Easy to get wrong:
 *  - An upload is hostile input.  Archives are unpacked by tyche-fetch's
 *    unpacker (fetch-archive.c: no links, no '..', counted entries and
 *    bytes), workbooks read by xlsx.c's reader, model files compiled by
 *    the model language; there is no second reader here.  Everything is
 *    unpacked into a staging folder inside STORE/studies and removed on
 *    any refusal, so a refused upload leaves nothing behind (one left by
 *    a process that died is removed by a later upload after an hour).
 *  - Installing is a rename within STORE/studies (same file system), and
 *    study.json is written atomically last: a reader sees the old
 *    version or the new one, never half of one.  Writers serialise on
 *    STORE/studies/.lock (check the owner, count the limits, then write).
 *  - The store may be shared by a group (tyche_store_init): folders are
 *    made 2770 and files 0660 explicitly, whatever the umask of the
 *    process (the CGI's is often 022), or the next user of the group
 *    could not replace or delete what this one wrote.
 *  - Problems are reported relative to the upload ("designs.csv:3:2"),
 *    never with the server's staging path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "internal.h"
#include "fetch.h"

#define META "study.json"
#define META_MAX_BYTES (64u << 10)
#define DIR_MODE 02770
#define FILE_MODE 0660

/* ------------------------------------------------------------ helpers */

static int user_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	if (n == 0 || n > 64 || u[0] == '.' || u[0] == '-')
		return 0;
	for (const char *p = u; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-' || *p == '@'))
			return 0;
	return 1;
}

static int remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		char *c;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		c = ty_asprintf("%s/%s", path, e->d_name);
		if (!c || remove_tree(c))
			rc = -1;
		free(c);
	}
	closedir(d);
	return rmdir(path) || rc ? -1 : 0;
}

/* Group-shared modes on a tree we wrote (never following links), and its
 * size in bytes. */
static unsigned long long fix_modes(const char *path)
{
	struct stat st;
	unsigned long long total = 0;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st))
		return 0;
	if (S_ISREG(st.st_mode)) {
		chmod(path, FILE_MODE);
		return (unsigned long long)st.st_size;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	chmod(path, DIR_MODE);
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d))) {
		char *c;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((c = ty_asprintf("%s/%s", path, e->d_name)))
			total += fix_modes(c);
		free(c);
	}
	closedir(d);
	return total;
}

static unsigned long long tree_bytes(const char *path)
{
	struct stat st;
	unsigned long long total = 0;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st))
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d))) {
		char *c;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((c = ty_asprintf("%s/%s", path, e->d_name)))
			total += tree_bytes(c);
		free(c);
	}
	closedir(d);
	return total;
}

static int make_dir(const char *p)
{
	if (mkdir(p, 0770) && errno != EEXIST)
		return -1;
	chmod(p, DIR_MODE);
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* The studies folder (created) and its lock, held exclusively. */
static int lock_studies(const char *store_dir, int *fd, tyche_error *err)
{
	char *dir = ty_asprintf("%s/studies", store_dir), *lock = NULL;
	int rc = 0;

	*fd = -1;
	if (!dir)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	if (ty_mkdir_p(store_dir, 0770) || make_dir(dir)) {
		rc = ty_error_at(err, TYCHE_EIO, store_dir, 0, 0, "cannot open the store: %s",
				 strerror(errno));
		goto out;
	}
	lock = ty_asprintf("%s/.lock", dir);
	*fd = lock ? open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE) : -1;
	if (*fd < 0) {
		rc = ty_error_at(err, TYCHE_EIO, store_dir, 0, 0, "cannot open the store: %s",
				 strerror(errno));
		goto out;
	}
	fchmod(*fd, FILE_MODE);
	while (flock(*fd, LOCK_EX) < 0 && errno == EINTR)
		;
out:
	free(dir);
	free(lock);
	return rc;
}

/* Staging folders of uploads whose process died (a crash, SIGKILL) are
 * removed by the next writer once they are an hour old: no upload is
 * checked for that long (the work budget stops it first). */
static void clean_staging(const char *store_dir)
{
	char *dir = ty_asprintf("%s/studies", store_dir);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	time_t now = time(NULL);

	while (d && (e = readdir(d))) {
		struct stat st;
		char *p;

		if (strncmp(e->d_name, ".staging-", 9))
			continue;
		p = ty_asprintf("%s/%s", dir, e->d_name);
		if (p && lstat(p, &st) == 0 && now - st.st_mtime > 3600)
			remove_tree(p);
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
}

static void unlock_studies(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* ------------------------------------------------------------ metadata */

static int meta_read(tyche_study *s, const char *store_dir, const char *owner,
		     const char *name, tyche_error *err)
{
	char *path = ty_asprintf("%s/studies/%s/%s/" META, store_dir, owner, name);
	char *text = NULL;
	size_t len;
	cJSON *o = NULL;
	const cJSON *v;
	tyche_error e = { 0 };
	int rc;

	memset(s, 0, sizeof(*s));
	if (!path)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	rc = ty_read_file(path, META_MAX_BYTES, &text, &len, &e);
	if (rc) {
		rc = ty_error_at(err, TYCHE_ENOENT, "", 0, 0, "no study '%s' of %s", name, owner);
		goto out;
	}
	o = cJSON_Parse(text);
	if (!o || !cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(o, "version")) ||
	    strlen(v->valuestring) != TYCHE_STUDY_VERSION_HEX) {
		rc = ty_error_at(err, TYCHE_EDATA, "", 0, 0, "study '%s' of %s: corrupt " META,
				 name, owner);
		goto out;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->owner, sizeof(s->owner), "%s", owner);
	snprintf(s->version, sizeof(s->version), "%s", v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(o, "hash")))
		snprintf(s->hash, sizeof(s->hash), "%s", v->valuestring);
	s->shared = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "shared"));
	s->kind = cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(o, "kind")) &&
			  !strcmp(v->valuestring, "workbook")
		  ? TYCHE_CONTEXT_WORKBOOK : TYCHE_CONTEXT_FOLDER;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(o, "created")))
		s->created = (int64_t)v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(o, "modified")))
		s->modified = (int64_t)v->valuedouble;
	s->path = ty_asprintf("%s/studies/%s/%s/%s/%s%s", store_dir, owner, name, s->version,
			      name, s->kind == TYCHE_CONTEXT_WORKBOOK ? ".xlsx" : "");
	if (!s->path)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
out:
	cJSON_Delete(o);
	free(text);
	free(path);
	return rc;
}

static int meta_write(const tyche_study *s, const char *store_dir, tyche_error *err)
{
	char *path = ty_asprintf("%s/studies/%s/%s/" META, store_dir, s->owner, s->name);
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int rc;

	if (!path || !o)
		goto oom;
	cJSON_AddStringToObject(o, "schema", "tyche-study/1");
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "owner", s->owner);
	cJSON_AddBoolToObject(o, "shared", s->shared);
	cJSON_AddStringToObject(o, "version", s->version);
	cJSON_AddStringToObject(o, "hash", s->hash);
	cJSON_AddStringToObject(o, "kind", s->kind == TYCHE_CONTEXT_WORKBOOK ? "workbook" : "folder");
	cJSON_AddNumberToObject(o, "created", (double)s->created);
	cJSON_AddNumberToObject(o, "modified", (double)s->modified);
	if (!(text = cJSON_Print(o)))
		goto oom;
	rc = ty_write_atomic(path, text, strlen(text), FILE_MODE, 1, err);
	goto out;
oom:
	rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
out:
	free(text);
	cJSON_Delete(o);
	free(path);
	return rc;
}

void tyche_study_release(tyche_study *s)
{
	if (!s)
		return;
	free(s->path);
	memset(s, 0, sizeof(*s));
}

void tyche_study_list_free(tyche_study *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tyche_study_release(&v[i]);
	free(v);
}

int tyche_study_ref_split(const char *ref, char owner[65], char name[TYCHE_CONTEXT_NAME_MAX + 1])
{
	const char *t = ref ? strchr(ref, '~') : NULL;
	size_t n;

	if (!t || (n = (size_t)(t - ref)) == 0 || n > 64)
		return -1;
	memcpy(owner, ref, n);
	owner[n] = '\0';
	if (!user_ok(owner) || !tyche_context_name_ok(t + 1))
		return -1;
	snprintf(name, TYCHE_CONTEXT_NAME_MAX + 1, "%s", t + 1);
	return 0;
}

/* ------------------------------------------------------------ add */

/* Rewrite the diagnostics' where from the staging path to the upload's
 * own names. */
static void relativise(tyche_diags *d, size_t from, const char *prefix)
{
	size_t k = strlen(prefix);

	for (size_t i = from; d && i < d->n; i++) {
		char *w = d->v[i].where;

		if (w && !strncmp(w, prefix, k) && w[k] == '/')
			memmove(w, w + k + 1, strlen(w + k + 1) + 1);
		else if (w && !strncmp(w, prefix, k))
			memmove(w, w + k, strlen(w + k) + 1);
		/* the model-not-found message names the folder searched */
		if (d->v[i].msg) {
			char *m = d->v[i].msg, *p;

			while ((p = strstr(m, prefix))) {
				size_t rest = strlen(p + k);

				memmove(p + 1, p + k, rest + 1);
				p[0] = '.';
			}
		}
	}
}

/* Count user's studies (other than name) and the bytes of all of them. */
static void user_usage(const char *store_dir, const char *user, const char *name,
		       unsigned long long *count, unsigned long long *bytes)
{
	char *dir = ty_asprintf("%s/studies/%s", store_dir, user);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	*count = *bytes = 0;
	while (d && (e = readdir(d))) {
		char *c;

		if (e->d_name[0] == '.')
			continue;
		if (strcmp(e->d_name, name))
			(*count)++;
		if ((c = ty_asprintf("%s/%s", dir, e->d_name)))
			*bytes += tree_bytes(c);
		free(c);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* Find the one study in an unpacked archive: its path and kind. */
static int find_study(const char *root, char **path, int *kind, tyche_error *err)
{
	tyche_catalog *cat = NULL;
	int rc = tyche_catalog_list(&cat, root, TYCHE_CATALOG_RECURSIVE, err);

	if (rc)
		return rc;
	if (cat->n != 1) {
		rc = ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				 cat->n ? "the archive holds %zu studies; upload one at a time"
					: "the archive holds no study: expected designs.csv and the "
					  "other six tables (at its top or in one folder), or one .xlsx "
					  "workbook%.0zu", cat->n);
	} else {
		*path = ty_strdup(cat->v[0].path);
		*kind = cat->v[0].kind;
		if (!*path)
			rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	}
	tyche_catalog_free(cat);
	return rc;
}

/* Apply op(FROM/NAME.yml, TO/NAME.yml) to each model file beside a
 * workbook (rename when unpacking, a copy when promoting). */
static void each_model(const char *from, const char *to,
		       int (*op)(const char *, const char *))
{
	DIR *d = opendir(from);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *a, *b;

		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".yml"))
			continue;
		a = ty_asprintf("%s/%s", from, e->d_name);
		b = ty_asprintf("%s/%s", to, e->d_name);
		if (a && b)
			op(a, b);
		free(a);
		free(b);
	}
	if (d)
		closedir(d);
}

int tyche_study_add(tyche_study *out, const char *store_dir, const char *user,
		    const char *name, const char *file, const char *filename,
		    const tyche_study_limits *lim, const tyche_load_opts *lo,
		    tyche_diags *diags, tyche_error *err)
{
	tyche_study_limits dflt = TYCHE_STUDY_LIMITS_INIT;
	tyche_study s, old;
	struct stat st;
	char *staging = NULL, *unpacked = NULL, *found = NULL, *ctxpath = NULL;
	char *studydir = NULL, *verdir = NULL, *target = NULL, *ownerdir = NULL;
	tyche_context *ctx = NULL;
	unsigned long long count, bytes, size;
	unsigned char rnd[8];
	int rc = 0, lockfd = -1, kind = 0, have_old = 0;
	size_t d0 = diags ? diags->n : 0;

	memset(&s, 0, sizeof(s));
	memset(&old, 0, sizeof(old));
	if (!lim)
		lim = &dflt;
	if (!filename)
		filename = file;
	if (!user_ok(user))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "'%s' is not a user name of the store", user ? user : "");
	if (!tyche_context_name_ok(name))
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				   "study name '%.100s' is not valid: 1 to 100 of A-Z a-z 0-9 . _ - "
				   "(not starting with '.' or '-')", name ? name : "");
	if (!ends_with(filename, ".xlsx") && !ends_with(filename, ".zip") &&
	    !ends_with(filename, ".tar.gz") && !ends_with(filename, ".tgz"))
		return ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				   "'%.100s' is not a study upload: expected a Tyche workbook (.xlsx), "
				   "or a .zip or .tar.gz of the seven CSV tables and model files",
				   filename);
	if (stat(file, &st) || !S_ISREG(st.st_mode))
		return ty_error_at(err, TYCHE_ENOENT, file, 0, 0, "cannot read the upload: %s",
				   errno ? strerror(errno) : "not a file");
	size = (unsigned long long)st.st_size;
	if (size > lim->max_bytes)
		return ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				   "the upload of %llu bytes is over the limit of %llu bytes "
				   "(uploads.max_bytes)", size, lim->max_bytes);
	if ((rc = lock_studies(store_dir, &lockfd, err)))
		return rc;
	clean_staging(store_dir);
	/* the user's own study of that name is replaced; count the others */
	if (!meta_read(&old, store_dir, user, name, NULL))
		have_old = 1;
	user_usage(store_dir, user, name, &count, &bytes);
	if (!have_old && count + 1 > lim->max_studies) {
		rc = ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				 "you have %llu studies, the most allowed per user "
				 "(uploads.max_studies); delete one first", count);
		goto out;
	}
	/* staging inside STORE/studies: the install is a rename */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	staging = ty_asprintf("%s/studies/.staging-%ld-%02x%02x%02x%02x", store_dir, (long)getpid(),
			      rnd[0], rnd[1], rnd[2], rnd[3]);
	unpacked = staging ? ty_asprintf("%s/u", staging) : NULL;
	if (!unpacked) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (make_dir(staging) || make_dir(unpacked)) {
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot stage the upload: %s",
				 strerror(errno));
		goto out;
	}
	if (ends_with(filename, ".xlsx")) {
		char *text = NULL;
		size_t len;

		found = ty_asprintf("%s/%s.xlsx", unpacked, name);
		if (!found || (rc = ty_read_file(file, (size_t)lim->max_bytes, &text, &len, err)) ||
		    (rc = ty_write_atomic(found, text, len, FILE_MODE, 0, err))) {
			free(text);
			if (!rc)
				rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
			goto out;
		}
		free(text);
		kind = TYCHE_CONTEXT_WORKBOOK;
	} else {
		rc = ty_archive_unpack_upload(file, unpacked, (size_t)lim->max_files,
					      lim->max_unpacked, err);
		if (rc) {
			snprintf(err->where, sizeof(err->where), "%s", filename);
			goto out;
		}
		if ((rc = find_study(unpacked, &found, &kind, err)))
			goto out;
	}
	/* check it with tyche-run check's loader */
	rc = tyche_context_load(&ctx, found, lo, diags);
	relativise(diags, d0, unpacked);
	if (rc) {
		if (rc == TYCHE_EDATA)
			ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				    "the study has errors (%zu); nothing was saved",
				    diags ? diags->nerrors : (size_t)0);
		else
			ty_error_at(err, rc, "", 0, 0, "the study could not be checked");
		goto out;
	}
	size = tree_bytes(unpacked);
	if (bytes + size > lim->max_user_bytes) {
		rc = ty_error_at(err, TYCHE_EDATA, "", 0, 0,
				 "your studies would take %llu bytes, over the limit of %llu bytes "
				 "per user (uploads.max_user_bytes)", bytes + size,
				 lim->max_user_bytes);
		goto out;
	}
	/* install: STORE/studies/USER/NAME/VERSION/NAME[.xlsx] */
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.owner, sizeof(s.owner), "%s", user);
	snprintf(s.hash, sizeof(s.hash), "%s", tyche_context_hash(ctx));
	snprintf(s.version, sizeof(s.version), "%.*s", TYCHE_STUDY_VERSION_HEX, s.hash);
	s.kind = kind;
	s.shared = have_old ? old.shared : 0;
	s.created = have_old ? old.created : (int64_t)time(NULL);
	s.modified = (int64_t)time(NULL);
	ownerdir = ty_asprintf("%s/studies/%s", store_dir, user);
	studydir = ty_asprintf("%s/%s", ownerdir ? ownerdir : "", name);
	verdir = ty_asprintf("%s/%s", studydir ? studydir : "", s.version);
	if (!ownerdir || !studydir || !verdir) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (make_dir(ownerdir) || make_dir(studydir)) {
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot create the study: %s",
				 strerror(errno));
		goto out;
	}
	if (lstat(verdir, &st) == 0) {
		/* the same content again: keep the installed copy */
	} else {
		char *vstage = ty_asprintf("%s/v", staging);

		if (!vstage || make_dir(vstage)) {
			free(vstage);
			rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot stage the study");
			goto out;
		}
		target = ty_asprintf("%s/%s%s", vstage, name, kind == TYCHE_CONTEXT_WORKBOOK ? ".xlsx" : "");
		if (!target || rename(found, target)) {
			free(vstage);
			rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot stage the study: %s",
					 strerror(errno));
			goto out;
		}
		if (kind == TYCHE_CONTEXT_WORKBOOK) {
			char *fdir = ty_strdup(found), *slash = fdir ? strrchr(fdir, '/') : NULL;

			if (slash) {
				*slash = '\0';
				each_model(fdir, vstage, rename);
			}
			free(fdir);
		}
		fix_modes(vstage);
		if (rename(vstage, verdir)) {
			free(vstage);
			rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot install the study: %s",
					 strerror(errno));
			goto out;
		}
		free(vstage);
	}
	if ((rc = meta_write(&s, store_dir, err)))
		goto out;
	if (out) {
		s.path = ty_asprintf("%s/%s%s", verdir, name, kind == TYCHE_CONTEXT_WORKBOOK ? ".xlsx" : "");
		s.bytes = tree_bytes(studydir);
		*out = s;
		memset(&s, 0, sizeof(s));
	}
out:
	if (staging)
		remove_tree(staging);
	unlock_studies(lockfd);
	tyche_context_free(ctx);
	tyche_study_release(&s);
	tyche_study_release(&old);
	free(staging);
	free(unpacked);
	free(found);
	free(ctxpath);
	free(studydir);
	free(verdir);
	free(target);
	free(ownerdir);
	return rc;
}

/* ------------------------------------------------------------ read */

static int visible(const tyche_study *s, const char *user)
{
	return s->shared || (user && !strcmp(s->owner, user));
}

int tyche_study_get(tyche_study *out, const char *store_dir, const char *user,
		    const char *owner, const char *name, tyche_error *err)
{
	tyche_study s;
	int rc;

	if (!user_ok(owner) || !tyche_context_name_ok(name))
		return ty_error_at(err, TYCHE_ENOENT, "", 0, 0, "no such study");
	rc = meta_read(&s, store_dir, owner, name, err);
	if (rc)
		return rc;
	if (!visible(&s, user)) {
		tyche_study_release(&s);
		return ty_error_at(err, TYCHE_ENOENT, "", 0, 0, "no study '%s' of %s", name, owner);
	}
	*out = s;
	return 0;
}

static int cmp_study(const void *a, const void *b)
{
	const tyche_study *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);

	return c ? c : strcmp(x->name, y->name);
}

int tyche_study_list(tyche_study **out, size_t *n, const char *store_dir, const char *user,
		     tyche_error *err)
{
	char *root = ty_asprintf("%s/studies", store_dir);
	DIR *d = root ? opendir(root) : NULL;
	struct dirent *e;
	tyche_study *v = NULL;
	size_t cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!root)
		return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	while (d && (e = readdir(d))) {
		char *od;
		DIR *d2;
		struct dirent *f;

		if (e->d_name[0] == '.' || !user_ok(e->d_name))
			continue;
		od = ty_asprintf("%s/%s", root, e->d_name);
		d2 = od ? opendir(od) : NULL;
		while (d2 && (f = readdir(d2))) {
			tyche_study s;

			if (!tyche_context_name_ok(f->d_name) ||
			    meta_read(&s, store_dir, e->d_name, f->d_name, NULL))
				continue;
			if (!visible(&s, user)) {
				tyche_study_release(&s);
				continue;
			}
			if (cnt == cap) {
				tyche_study *nv = ty_realloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));

				if (!nv) {
					tyche_study_release(&s);
					break;
				}
				v = nv;
			}
			v[cnt++] = s;
		}
		if (d2)
			closedir(d2);
		free(od);
	}
	if (d)
		closedir(d);
	free(root);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_study);
	*out = v;
	*n = cnt;
	return 0;
}

/* ------------------------------------------------------------ change */

static int own_study(tyche_study *s, const char *store_dir, const char *user, const char *name,
		     tyche_error *err)
{
	if (!user_ok(user) || !tyche_context_name_ok(name))
		return ty_error_at(err, TYCHE_ENOENT, "", 0, 0, "no such study");
	return meta_read(s, store_dir, user, name, err);
}

int tyche_study_set_shared(const char *store_dir, const char *user, const char *name,
			   int shared, tyche_error *err)
{
	tyche_study s;
	int lockfd, rc = lock_studies(store_dir, &lockfd, err);

	if (rc)
		return rc;
	if (!(rc = own_study(&s, store_dir, user, name, err))) {
		s.shared = !!shared;
		s.modified = (int64_t)time(NULL);
		rc = meta_write(&s, store_dir, err);
		tyche_study_release(&s);
	}
	unlock_studies(lockfd);
	return rc;
}

int tyche_study_delete(const char *store_dir, const char *user, const char *name,
		       tyche_error *err)
{
	tyche_study s;
	int lockfd, rc = lock_studies(store_dir, &lockfd, err);

	if (rc)
		return rc;
	if (!(rc = own_study(&s, store_dir, user, name, err))) {
		char *dir = ty_asprintf("%s/studies/%s/%s", store_dir, user, name);
		char *meta = dir ? ty_asprintf("%s/" META, dir) : NULL;

		/* the metadata first: a half-removed study is no longer listed */
		if (!meta || unlink(meta) || remove_tree(dir))
			rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot delete study '%s': %s",
					 name, strerror(errno));
		free(meta);
		free(dir);
		tyche_study_release(&s);
	}
	unlock_studies(lockfd);
	return rc;
}

static int copy_tree(const char *from, const char *to)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(from, &st))
		return -1;
	if (S_ISREG(st.st_mode)) {
		char *text = NULL;
		size_t len;

		if (ty_read_file(from, (size_t)st.st_size + 1, &text, &len, NULL) ||
		    ty_write_atomic(to, text, len, 0644, 1, NULL))
			rc = -1;
		free(text);
		return rc;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(to, 0755) && errno != EEXIST)
		return -1;
	if (!(d = opendir(from)))
		return -1;
	while ((e = readdir(d))) {
		char *a, *b;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		a = ty_asprintf("%s/%s", from, e->d_name);
		b = ty_asprintf("%s/%s", to, e->d_name);
		if (!a || !b || copy_tree(a, b))
			rc = -1;
		free(a);
		free(b);
	}
	closedir(d);
	return rc;
}

int tyche_study_promote(const char *store_dir, const char *owner, const char *name,
			const char *contexts_dir, tyche_error *err)
{
	tyche_study s;
	char *have = NULL, *dst = NULL, *tmp = NULL;
	int rc = tyche_study_get(&s, store_dir, NULL, owner, name, err);

	if (rc)
		return rc;
	if (!tyche_catalog_resolve(contexts_dir, name, &have, NULL)) {
		rc = ty_error_at(err, TYCHE_EUSAGE, "", 0, 0,
				 "an installed study named '%s' exists already", name);
		goto out;
	}
	dst = ty_asprintf("%s/%s%s", contexts_dir, name, s.kind == TYCHE_CONTEXT_WORKBOOK ? ".xlsx" : "");
	tmp = ty_asprintf("%s/.promote-%ld-%s", contexts_dir, (long)getpid(), name);
	if (!dst || !tmp) {
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		goto out;
	}
	if (s.kind == TYCHE_CONTEXT_WORKBOOK) {
		/* a workbook's models go beside it: the installed model path is
		 * the place for them, so a workbook with its own models is
		 * promoted as a folder of tables */
		rc = tyche_workbook_convert(s.path, tmp, err);
		if (!rc) {
			char *vdir = ty_strdup(s.path), *sl = vdir ? strrchr(vdir, '/') : NULL;

			if (sl) {
				*sl = '\0';
				each_model(vdir, tmp, copy_tree);
			}
			free(vdir);
			free(dst);
			dst = ty_asprintf("%s/%s", contexts_dir, name);
		}
	} else if (copy_tree(s.path, tmp)) {
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot copy the study: %s", strerror(errno));
	}
	if (!rc && (!dst || rename(tmp, dst)))
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot install the study: %s",
				 strerror(errno));
	if (rc && tmp)
		remove_tree(tmp);
out:
	tyche_study_release(&s);
	free(have);
	free(dst);
	free(tmp);
	return rc;
}

/* ------------------------------------------------------------ store init */

int tyche_store_init(const char *dir, const char *group, tyche_error *err)
{
	static const char *const sub[] = { "", "/scenarios", "/studies" };
	gid_t gid = getegid();
	char *p = NULL;
	int fd;

	if (group && *group) {
		struct group *g = getgrnam(group);

		if (!g)
			return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "no group named '%s'", group);
		gid = g->gr_gid;
	}
	if (ty_mkdir_p(dir, 0770))
		return ty_error_at(err, TYCHE_EIO, dir, 0, 0, "cannot create the store: %s",
				   strerror(errno));
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		p = ty_asprintf("%s%s", dir, sub[i]);
		if (!p)
			return ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
		if ((mkdir(p, 0770) && errno != EEXIST) || chown(p, (uid_t)-1, gid) ||
		    chmod(p, DIR_MODE)) {
			int e = errno;

			ty_error_at(err, TYCHE_EIO, p, 0, 0, "cannot set up the store folder: %s",
				    strerror(e));
			free(p);
			return TYCHE_EIO;
		}
		free(p);
	}
	static const char *const files[] = { "/.lock", "/studies/.lock" };
	for (size_t i = 0; i < 2; i++) {
		p = ty_asprintf("%s%s", dir, files[i]);
		fd = p ? open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE) : -1;
		if (fd < 0 || fchown(fd, (uid_t)-1, gid) || fchmod(fd, FILE_MODE)) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			ty_error_at(err, TYCHE_EIO, p ? p : dir, 0, 0,
				    "cannot set up the store's lock file: %s", strerror(e));
			free(p);
			return TYCHE_EIO;
		}
		close(fd);
		free(p);
	}
	return 0;
}
