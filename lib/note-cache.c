/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * note-cache.c - a caller's text about one version of a context (a web
 * server's description of it, say), kept beside the surface cache file and
 * found again without loading the context: tyche_cache_note_put and
 * tyche_cache_note_get.
 *
 * What it is for: GET /contexts/NAME, answered as a CGI program, would
 * otherwise parse every table and the model on each request to say what
 * the surface file already implies.  With a note the request costs the
 * stamp's stat() calls and one small read.
 *
 * Where the file lives and what it is called is the cache module's
 * business (lib/surface-cache.c: keyed exactly as the surface file, and
 * removed with it on invalidation); this file owns only its content: a
 * first line with the context hash, samples, seed, design, a digest of the
 * metric bounds file beside it (lib/bounds-cache.c), the tag's length and
 * the text's; then the tag, then the text.  A note is returned only when
 * all of these match, so a note for other settings, another version of
 * the study, another caller's format (the tag), or one cut short or
 * grown is never served; the write is atomic (temp file, rename).  The
 * bounds digest ties a note to the bounds it was written with: a
 * description shows them, and a bounds file found broken is recomputed,
 * so the note made from the old one must not outlive it.
 *
 * Easy to get wrong: the key of a note is the context's content, not its
 * name, so two names with the same content share a file; a caller that
 * puts a name into its text must put it into the tag too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "surface.h"

#define NOTE_MAGIC "tyche-note/1"
#define NOTE_MAX_BYTES (16u << 20)
#define BOUNDS_MAX_BYTES (16u << 20)

/* The first 32 hex digits of SHA-256 of the file at path (as the cache's
 * names use it: no sodium_init() needed), or "none" when it cannot be
 * read. */
static void file_digest(const char *path, char out[33])
{
	unsigned char h[32];
	char *data = NULL;
	size_t len = 0;

	if (!path || ty_read_file(path, BOUNDS_MAX_BYTES, &data, &len, NULL)) {
		memcpy(out, "none", 5);
		return;
	}
	crypto_hash_sha256(h, (const unsigned char *)data, len);
	free(data);
	sodium_bin2hex(out, 33, h, 16);
}

int tyche_cache_note_get(char **text, const char *path, const tyche_load_opts *lo,
			 const tyche_analysis_opts *o, const char *tag)
{
	char hash[65], fhash[200], fdig[200], dig[33], *cpath, *bpath = NULL, *data = NULL;
	unsigned long long n, seed, taglen, textlen;
	size_t len = 0, tl = strlen(tag);
	int design, used = 0;

	*text = NULL;
	cpath = ty_cache_note_path_open(path, lo, o, hash, &bpath);
	if (!cpath)
		return TYCHE_ENOENT;
	if (ty_read_file(cpath, NOTE_MAX_BYTES, &data, &len, NULL)) {
		free(cpath);
		free(bpath);
		return TYCHE_ENOENT;
	}
	free(cpath);
	file_digest(bpath, dig);
	free(bpath);
	if (sscanf(data, NOTE_MAGIC " %199s %llu %llu %d %199s %llu %llu\n%n", fhash, &n, &seed,
		   &design, fdig, &taglen, &textlen, &used) != 7 || used <= 0 ||
	    strcmp(fhash, hash) || n != o->samples || seed != o->seed || design != o->design ||
	    strcmp(fdig, dig) || taglen != tl ||
	    len - (size_t)used < tl + 1 || memcmp(data + used, tag, tl) ||
	    data[(size_t)used + tl] != '\n' || len - (size_t)used - tl - 1 != textlen) {
		free(data);
		return TYCHE_ENOENT;
	}
	used += (int)tl + 1;
	memmove(data, data + used, len - (size_t)used + 1);   /* with its NUL */
	*text = data;
	return 0;
}

int tyche_cache_note_put(const tyche_context *ctx, const tyche_analysis_opts *o,
			 const char *tag, const char *text, tyche_error *err)
{
	char *cpath = ty_cache_note_path(ctx, o), *bpath, dig[33];
	struct ty_buf b = TY_BUF_INIT;
	int rc;

	if (!cpath)
		return 0;   /* no cache: nothing to keep */
	if (strchr(tag, '\n')) {
		free(cpath);
		return ty_error_at(err, TYCHE_EUSAGE, "", 0, 0, "a note's tag is one line");
	}
	bpath = ty_cache_bounds_path(ctx, o);
	file_digest(bpath, dig);
	free(bpath);
	ty_buf_addf(&b, NOTE_MAGIC " %s %zu %llu %d %s %zu %zu\n%s\n", tyche_context_hash(ctx),
		    o->samples, (unsigned long long)o->seed, o->design, dig, strlen(tag),
		    strlen(text), tag);
	ty_buf_adds(&b, text);
	rc = b.oom ? ty_error_at(err, TYCHE_ENOMEM, cpath, 0, 0, "out of memory")
		   : ty_write_atomic(cpath, b.p, b.len, 0644, 0, err);
	ty_buf_release(&b);
	free(cpath);
	return rc;
}
