/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * context-hash.c - a decision context's identity: its printable name, its
 * content hash (SHA-256 of the seven tables or the workbook, then of each
 * model file it uses), and the quick hash that the surface cache computes
 * without loading the context.
 *
 * What a newcomer would get wrong:
 *  - The hash is of file bytes, each framed by its label and length (so
 *    moving bytes between files changes it), in a fixed order: tables in
 *    ty_table_names order, then model files by technology name.  Any change
 *    of that order, framing or labels changes every hash, and every cached
 *    surface and saved scenario's context_hash stops matching.
 *  - ty_context_quick_hash must give the same bytes to SHA-256 as
 *    ty_context_hash_compute does for a context that loads cleanly: the
 *    same table files, and the models found the same way
 *    (ty_context_model_file) in the same technology order.  It parses only
 *    the functions table and checks nothing else: a context that would not
 *    load has no cached surface, so a wrong quick hash only costs the slow
 *    path, never a wrong answer.
 *  - A file that cannot be read hashes as nothing (no label either); the
 *    load then fails on it anyway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "context.h"

static void hash_file(crypto_hash_sha256_state *st, const char *path, const char *label)
{
	char *data = NULL;
	size_t len = 0;
	uint64_t n;

	if (ty_read_file(path, TY_MAX_FILE_BYTES, &data, &len, NULL))
		return;
	n = strlen(label);
	crypto_hash_sha256_update(st, (const unsigned char *)&n, sizeof n);
	crypto_hash_sha256_update(st, (const unsigned char *)label, n);
	n = len;
	crypto_hash_sha256_update(st, (const unsigned char *)&n, sizeof n);
	crypto_hash_sha256_update(st, (const unsigned char *)data, len);
	free(data);
}

void ty_context_hash_compute(tyche_context *ctx)
{
	crypto_hash_sha256_state st;
	unsigned char h[32];
	struct stat sb;

	crypto_hash_sha256_init(&st);
	if (stat(ctx->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		for (int i = 0; i < 7; i++) {
			char *p = ty_asprintf("%s/%s.csv", ctx->path, ty_table_names[i]);

			hash_file(&st, p, ty_table_names[i]);
			free(p);
		}
		{	/* the optional eighth table; absent: hashes as nothing */
			char *p = ty_asprintf("%s/correlations.csv", ctx->path);

			hash_file(&st, p, "correlations");
			free(p);
		}
	} else {
		hash_file(&st, ctx->path, "workbook");
	}
	for (size_t ti = 0; ti < ctx->ntech; ti++)
		if (ctx->tech[ti].model_path)
			hash_file(&st, ctx->tech[ti].model_path, ctx->tech[ti].model);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(ctx->hash, sizeof ctx->hash, h, sizeof h);
}

struct tech_model {
	const char *tech, *model;
};

static int tech_model_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tech_model *)a)->tech,
		      ((const struct tech_model *)b)->tech);
}

/*
 * The hash tyche_context_load would compute, without parsing or checking
 * the tables: for a CSV directory, the seven files and the model files its
 * functions table names (in technology order).  Only valid contexts have a
 * cached surface under their hash, so a context that would not load can
 * never match one; any difference just means the slow path.  seen (may be
 * NULL) is told every file hashed (context-stamp.c records them).
 */
int ty_context_quick_hash(const char *path, const tyche_load_opts *opts, char hash[65],
			  void (*seen)(void *arg, const char *file), void *arg)
{
	crypto_hash_sha256_state st;
	struct ty_table *f = NULL;
	struct tech_model *v = NULL;
	unsigned char h[32];
	struct stat sb;
	char *p;
	long ct, cm;
	size_t n = 0;

	if (stat(path, &sb) || !S_ISDIR(sb.st_mode))
		return -1;
	crypto_hash_sha256_init(&st);
	for (int i = 0; i < 7; i++) {
		p = ty_asprintf("%s/%s.csv", path, ty_table_names[i]);
		hash_file(&st, p, ty_table_names[i]);
		if (seen && p)
			seen(arg, p);
		free(p);
	}
	p = ty_asprintf("%s/correlations.csv", path);   /* optional: absent is "-" */
	hash_file(&st, p, "correlations");
	if (seen && p)
		seen(arg, p);
	free(p);
	p = ty_asprintf("%s/functions.csv", path);
	if (!p || ty_csv_read(p, &f, NULL)) {
		free(p);
		return -1;
	}
	free(p);
	ct = ty_table_col(f, "Technology");
	cm = ty_table_col(f, "Model");
	if (ct < 0 || cm < 0 || !(v = ty_calloc(f->nrows, sizeof(*v)))) {
		ty_table_free(f);
		return -1;
	}
	for (size_t r = 0; r < f->nrows; r++) {
		v[n].tech = ty_table_cell(f, r, (size_t)ct);
		v[n].model = ty_table_cell(f, r, (size_t)cm);
		if (!ty_label_is_empty(v[n].model))
			n++;
	}
	qsort(v, n, sizeof(*v), tech_model_cmp);
	for (size_t k = 0; k < n; k++) {
		char *mp = ty_context_model_file(path, opts, v[k].model);

		if (mp) {
			hash_file(&st, mp, v[k].model);
			if (seen)
				seen(arg, mp);
		}
		free(mp);
	}
	free(v);
	ty_table_free(f);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hash, 65, h, sizeof h);
	return 0;
}

/* The printable name of a context path: its base name without .xlsx. */
char *ty_context_name_of(const char *path)
{
	size_t n = strlen(path);
	char *copy, *b, *name;

	while (n > 1 && path[n - 1] == '/')
		n--;
	copy = ty_strndup(path, n);
	if (!copy)
		return NULL;
	b = strrchr(copy, '/');
	name = ty_strdup(b ? b + 1 : copy);
	free(copy);
	n = name ? strlen(name) : 0;
	if (n >= 5 && !strcmp(name + n - 5, ".xlsx"))
		name[n - 5] = '\0';
	return name;
}
