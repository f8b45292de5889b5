/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context-stamp.c - a context's quick hash without reading its tables:
 * a stamp file in the cache (named by surface-cache.c) records the hash
 * and the identity of every file and folder it depends on; while all of
 * them are unchanged the recorded hash is the answer.  A web request then
 * pays a dozen stat() calls instead of reading and hashing seven tables
 * and the model files (CGI and FastCGI alike; tyche-fetch's install is
 * seen by the next request because it changes those identities).
 *
 * What a newcomer would get wrong:
 *  - Identity is device, inode, size, mtime and ctime to the nanosecond,
 *    and the type.  mtime alone is not enough: tar and tyche-fetch may set
 *    it from the archive, and size may not change; ctime cannot be set by
 *    a program, and an install by rename changes the inode.
 *  - The folders count too: the context's own and each one on the model
 *    path.  A model file added in front of the one that was found changes
 *    its folder's mtime, not the file that was hashed.
 *  - Racy stamps: a file written in the same clock tick as the stamp may
 *    change again with an identical stat.  A stamp is written only when
 *    every file recorded is at least TY_STAMP_SETTLE seconds old and
 *    nothing changed while it was hashed; until then every request hashes
 *    (correct, only slower).
 *  - A stamp that cannot be read, parsed or written is never an error:
 *    the quick hash is computed as before.  It only names a hash; the
 *    surface file found by that hash is still checked against its key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "context.h"

#define TY_STAMP_MAGIC "tyche-stamp 1"
#define TY_STAMP_MAX_FILES 256
#define TY_STAMP_MAX_BYTES (64u << 10)
#define TY_STAMP_SETTLE 2   /* seconds */

struct stamp_file {
	char *path;
	char id[160];   /* "-" when it does not exist */
};

struct stamp {
	struct stamp_file f[TY_STAMP_MAX_FILES];
	size_t n;
	int overflow;
	time_t newest;   /* latest mtime or ctime seen */
};

/* The identity of path as one line of text ("-" when absent). */
static void file_id(const char *path, char *buf, size_t n, time_t *newest)
{
	struct stat sb;

	if (stat(path, &sb)) {
		snprintf(buf, n, "-");
		return;
	}
	snprintf(buf, n, "%o %llu %llu %lld %lld.%09ld %lld.%09ld", (unsigned)(sb.st_mode & S_IFMT),
		 (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino,
		 (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
		 (long long)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec);
	if (newest) {
		if (sb.st_mtim.tv_sec > *newest)
			*newest = sb.st_mtim.tv_sec;
		if (sb.st_ctim.tv_sec > *newest)
			*newest = sb.st_ctim.tv_sec;
	}
}

static void stamp_add(void *arg, const char *path)
{
	struct stamp *st = arg;

	if (st->n == TY_STAMP_MAX_FILES || strchr(path, '\n') || !(st->f[st->n].path = ty_strdup(path))) {
		st->overflow = 1;
		return;
	}
	file_id(path, st->f[st->n].id, sizeof st->f[st->n].id, &st->newest);
	st->n++;
}

static void stamp_release(struct stamp *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->f[i].path);
	st->n = 0;
}

/* The folders the files are looked up in: the context's and the model path's. */
static void stamp_add_folders(struct stamp *st, const char *path, const tyche_load_opts *opts)
{
	char *search = ty_context_model_path(opts);

	stamp_add(st, path);
	for (char *s = search, *e; s && *s; s = e ? e + 1 : NULL) {
		e = strchr(s, ':');
		if (e)
			*e = '\0';
		if (*s)
			stamp_add(st, s);
	}
	free(search);
}

/* Is the stamp's text (NUL-terminated, edited in place) for this context,
 * with every file as it is now?  Then its hash goes to hash. */
static int stamp_valid(char *text, const char *path, char hash[65])
{
	char *save = NULL, *line, *sp;
	char now[160];
	size_t nfiles = 0;

	line = strtok_r(text, "\n", &save);
	if (!line || strcmp(line, TY_STAMP_MAGIC))
		return 0;
	line = strtok_r(NULL, "\n", &save);
	if (!line || strncmp(line, "context ", 8) || strcmp(line + 8, path))
		return 0;
	line = strtok_r(NULL, "\n", &save);
	if (!line || strncmp(line, "hash ", 5) || strlen(line + 5) != 64)
		return 0;
	memcpy(hash, line + 5, 65);
	while ((line = strtok_r(NULL, "\n", &save))) {
		/* "<id>\t<path>" */
		sp = strchr(line, '\t');
		if (!sp)
			return 0;
		*sp = '\0';
		file_id(sp + 1, now, sizeof now, NULL);
		if (strcmp(now, line))
			return 0;
		nfiles++;
	}
	return nfiles > 0;
}

static void stamp_write(const struct stamp *st, const char *path, const char *hash,
			const char *stamp_path)
{
	struct ty_buf b = TY_BUF_INIT;
	tyche_error err = { 0 };

	ty_buf_addf(&b, "%s\ncontext %s\nhash %s\n", TY_STAMP_MAGIC, path, hash);
	for (size_t i = 0; i < st->n; i++)
		ty_buf_addf(&b, "%s\t%s\n", st->f[i].id, st->f[i].path);
	if (b.p && !b.oom)
		ty_write_atomic(stamp_path, b.p, b.len, 0644, 0, &err);
	ty_buf_release(&b);
}

int ty_context_stamp_hash(const char *path, const tyche_load_opts *opts,
			  const char *stamp_path, char hash[65])
{
	struct stamp *st;
	char now[160];
	char *text = NULL;
	size_t len;
	int same;

	if (!stamp_path || strchr(path, '\n'))
		return ty_context_quick_hash(path, opts, hash, NULL, NULL);
	if (!ty_read_file(stamp_path, TY_STAMP_MAX_BYTES, &text, &len, NULL)) {
		int ok = stamp_valid(text, path, hash);

		free(text);
		if (ok)
			return 0;
	}
	st = ty_calloc(1, sizeof *st);
	if (!st)
		return ty_context_quick_hash(path, opts, hash, NULL, NULL);
	stamp_add_folders(st, path, opts);
	if (ty_context_quick_hash(path, opts, hash, stamp_add, st)) {
		stamp_release(st);
		free(st);
		return -1;
	}
	/* nothing changed while hashing, and everything has settled */
	same = !st->overflow && st->newest + TY_STAMP_SETTLE < time(NULL);
	for (size_t i = 0; same && i < st->n; i++) {
		file_id(st->f[i].path, now, sizeof now, NULL);
		same = !strcmp(now, st->f[i].id);
	}
	if (same)
		stamp_write(st, path, hash, stamp_path);
	stamp_release(st);
	free(st);
	return 0;
}
