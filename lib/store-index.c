/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store-index.c - listing the scenario store, and its cache DIR/index.tsv
 * of the scenarios' summaries (so a listing need not parse every file).
 *
 * What a newcomer would get wrong:
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
 *  - The directory's stamp is taken BEFORE its entries are read: a change
 *    during the listing then gives a stamp other than the one recorded.
 *  - Every index field is validated as a file's would be (store-json.c):
 *    a line that fails is just not cached, never trusted.
 *  - Privacy holds here too: another user's private scenario is left out
 *    of a listing as if it did not exist.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "store.h"

#define INDEX_SCHEMA "tyche-store-index/3"
#define INDEX_DIR_TAG "#dir"                 /* the index's second line */
#define SETTLE_SEC 2
#define INDEX_NAME "index.tsv"
#define MAX_INDEX_BYTES (256u << 20)

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

	if (len >= sizeof(buf) || !ty_scenario_is_id(id))
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
	if (!ty_scenario_is_user(f[0]) || ty_scenario_copy_field(sc->owner, sizeof(sc->owner), f[0]))
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
	if (parse_i64(f[5], 0, TY_SCENARIO_MAX_SAMPLES, &v))
		return -1;
	sc->samples = (long)v;
	if ((f[6][0] && !ty_scenario_is_version(f[6])) || ty_scenario_copy_field(sc->version, sizeof(sc->version), f[6]))
		return -1;
	if (!ty_scenario_is_hash(f[7]) || ty_scenario_copy_field(sc->context_hash, sizeof(sc->context_hash), f[7]))
		return -1;
	if (ty_scenario_text_problem(f[8], 1, TYCHE_SCENARIO_NAME_MAX, 0) ||
	    ty_scenario_copy_field(sc->name, sizeof(sc->name), f[8]))
		return -1;
	if (ty_scenario_text_problem(f[9], 0, TYCHE_SCENARIO_NAME_MAX, 0) ||
	    ty_scenario_copy_field(sc->context, sizeof(sc->context), f[9]))
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
	if (ty_store_read_at(st->dfd, INDEX_NAME, INDEX_NAME, MAX_INDEX_BYTES, text, &len, NULL))
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
		ty_write_atomic_at(st->dfd, st->dir, INDEX_NAME, b.p, b.len, 0660, 0, NULL);
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

int tyche_store_list(tyche_scenario **out, size_t *nout,
		     tyche_store *st, const char *user,
		     const tyche_store_filter *filter, tyche_diags *diags, tyche_error *err)
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

	if (ty_scenario_check_user(user, err))
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
		if (!ty_scenario_is_id(id)) {
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

			ty_store_read_scenario(st, id, &sc, 0, &ferr);
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

