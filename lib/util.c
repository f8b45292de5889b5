/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util.c - errors, diagnostics, buffers, files and number formatting shared
 * by every part of libtyche.
 *
 * Numbers in data cells are parsed by ty_parse_number, not strtod alone:
 * strtod accepts "inf", "nan", hex floats and leading blanks that a
 * modeller never means, and those must be reported, not read.
 * A diagnostics list keeps at most TY_MAX_DIAGS entries (then one "... and
 * N more" entry) but counts every problem: callers must not expect one
 * entry per ty_diag_add.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "internal.h"

const char *tyche_version(void)
{
	return TYCHE_VERSION_STR;
}

int ty_error_v(tyche_error *err, int code, const char *where, int line,
	       int col, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
	err->line = line;
	err->col = col;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int ty_error_at(tyche_error *err, int code, const char *where, int line,
		int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ty_error_v(err, code, where, line, col, fmt, ap);
	va_end(ap);
	return code;
}

const char *tyche_error_format(const tyche_error *e, char *buf, size_t n)
{
	if (e->where[0] && e->line > 0 && e->col > 0)
		snprintf(buf, n, "%s:%d:%d: %s", e->where, e->line, e->col, e->msg);
	else if (e->where[0] && e->line > 0)
		snprintf(buf, n, "%s:%d: %s", e->where, e->line, e->msg);
	else if (e->where[0])
		snprintf(buf, n, "%s: %s", e->where, e->msg);
	else
		snprintf(buf, n, "%s", e->msg);
	return buf;
}

/*
 * Past TY_MAX_DIAGS kept diagnostics (a 100,000-row broken table gives a
 * million), the rest are only counted: nerrors and nwarnings stay exact,
 * and one last entry, rewritten in place, says how many were not kept.
 */
#define DIAG_MORE_LEN 160

static int diag_overflow(tyche_diags *d, int severity)
{
	tyche_diag *g;

	if (d->n == TY_MAX_DIAGS) {
		char *msg = malloc(DIAG_MORE_LEN), *where = strdup("");

		if (d->n == d->cap) {
			tyche_diag *v = realloc(d->v, (d->cap + 1) * sizeof(*v));

			if (!v) {
				free(msg);
				free(where);
				return TYCHE_ENOMEM;
			}
			d->v = v;
			d->cap++;
		}
		if (!msg || !where) {
			free(msg);
			free(where);
			return TYCHE_ENOMEM;
		}
		d->v[d->n] = (tyche_diag){ .severity = severity, .where = where, .msg = msg };
		d->n++;
	}
	g = &d->v[d->n - 1];
	if (severity == TYCHE_SEV_ERROR) {
		d->nerrors++;
		g->severity = TYCHE_SEV_ERROR;
	} else {
		d->nwarnings++;
	}
	snprintf(g->msg, DIAG_MORE_LEN, "... and %zu more problems not shown (only the first "
		 "%u are kept; %zu errors and %zu warnings in all)",
		 d->nerrors + d->nwarnings - TY_MAX_DIAGS, TY_MAX_DIAGS, d->nerrors,
		 d->nwarnings);
	return severity == TYCHE_SEV_ERROR ? TYCHE_EDATA : 0;
}

int ty_diag_add(tyche_diags *d, int severity, const char *where, int line,
		int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int len;

	if (!d)
		return severity == TYCHE_SEV_ERROR ? TYCHE_EDATA : 0;
	if (d->n >= TY_MAX_DIAGS)
		return diag_overflow(d, severity);
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		tyche_diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return TYCHE_ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = malloc((size_t)len + 1);
	if (!msg)
		return TYCHE_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)len + 1, fmt, ap);
	va_end(ap);
	d->v[d->n].severity = severity;
	d->v[d->n].where = strdup(where ? where : "");
	d->v[d->n].line = line;
	d->v[d->n].col = col;
	d->v[d->n].msg = msg;
	d->n++;
	if (severity == TYCHE_SEV_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	return severity == TYCHE_SEV_ERROR ? TYCHE_EDATA : 0;
}

void ty_diag_from_error(tyche_diags *d, const tyche_error *e)
{
	ty_diag_add(d, TYCHE_SEV_ERROR, e->where, e->line, e->col, "%s", e->msg);
}

void tyche_diags_release(tyche_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].where);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = d->nerrors = d->nwarnings = 0;
}

/* Lines are gathered and written 64 KiB at a time: f is usually stderr,
 * which is unbuffered, and a hostile table can give a million messages
 * (one write(2) each took most of a minute). */
void tyche_diags_print(const tyche_diags *d, FILE *f)
{
	struct ty_buf b = TY_BUF_INIT;

	for (size_t i = 0; i < d->n; i++) {
		const tyche_diag *g = &d->v[i];
		const char *sev = g->severity == TYCHE_SEV_ERROR ? "error" : "warning";

		if (g->where && g->where[0] && g->line > 0 && g->col > 0)
			ty_buf_addf(&b, "%s:%d:%d: %s: %s\n", g->where, g->line, g->col, sev, g->msg);
		else if (g->where && g->where[0] && g->line > 0)
			ty_buf_addf(&b, "%s:%d: %s: %s\n", g->where, g->line, sev, g->msg);
		else if (g->where && g->where[0])
			ty_buf_addf(&b, "%s: %s: %s\n", g->where, sev, g->msg);
		else
			ty_buf_addf(&b, "%s: %s\n", sev, g->msg);
		if (b.oom) {
			/* no memory for a buffer: the rest line by line */
			for (; i < d->n; i++) {
				g = &d->v[i];
				fprintf(f, "%s:%d:%d: %s\n", g->where ? g->where : "", g->line,
					g->col, g->msg);
			}
			break;
		}
		if (b.len >= 65536 || i + 1 == d->n) {
			fwrite(b.p, 1, b.len, f);
			b.len = 0;
		}
	}
	ty_buf_release(&b);
}

void *ty_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *ty_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *ty_realloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
}

char *ty_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *ty_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ty_asprintf(const char *fmt, ...)
{
	va_list ap;
	int len;
	char *p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || !(p = malloc((size_t)len + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

int ty_read_file(const char *path, size_t max, char **out, size_t *len,
		 tyche_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	/* O_NONBLOCK: opening a FIFO without a writer must not hang (it is
	 * refused below); it changes nothing for regular files. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return ty_error_at(err, errno == ENOENT ? TYCHE_ENOENT : TYCHE_EIO,
				   path, 0, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st)) {
		int e = errno;

		close(fd);
		return ty_error_at(err, TYCHE_EIO, path, 0, 0, "cannot stat: %s", strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return ty_error_at(err, TYCHE_EIO, path, 0, 0,
				   "is a directory, expected a file");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ty_error_at(err, TYCHE_EIO, path, 0, 0,
				   "is not a regular file (a FIFO, socket or device), expected a file");
	}
	for (;;) {
		ssize_t r;

		if (n + 4096 + 1 > cap) {
			/* first the file's size and room for the read that sees
			 * EOF: one read, no copy on growth (a 200 KB surface file
			 * was three reads and two copies); a file that grows
			 * while read still doubles the buffer */
			size_t ncap = cap ? cap * 2
				      : (uintmax_t)st.st_size < max ? (size_t)st.st_size + 4096 + 2
								 : 65536;
			char *nb;

			if (ncap > max + 4096 + 1)
				ncap = max + 4096 + 1;
			if (ncap <= cap) {
				free(buf);
				close(fd);
				return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
						   "file is larger than the limit of %zu bytes", max);
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				close(fd);
				return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return ty_error_at(err, TYCHE_EIO, path, 0, 0, "read error: %s",
					   strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			close(fd);
			return ty_error_at(err, TYCHE_EDATA, path, 0, 0,
					   "file is larger than the limit of %zu bytes", max);
		}
	}
	close(fd);
	if (!buf && !(buf = malloc(1)))
		return ty_error_at(err, TYCHE_ENOMEM, path, 0, 0, "out of memory");
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

static void buf_grow(struct ty_buf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->oom || b->len + extra + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void ty_buf_add(struct ty_buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *ty_buf_room(struct ty_buf *b, size_t n)
{
	buf_grow(b, n);
	return b->oom ? NULL : b->p + b->len;
}

void ty_buf_adds(struct ty_buf *b, const char *s)
{
	ty_buf_add(b, s, strlen(s));
}

void ty_buf_addc(struct ty_buf *b, char c)
{
	ty_buf_add(b, &c, 1);
}

void ty_buf_addf(struct ty_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	buf_grow(b, (size_t)len);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)len;
}

void ty_buf_csv(struct ty_buf *b, const char *s)
{
	size_t n = strlen(s);

	/* quote what a reader would otherwise split or trim */
	if (strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' '))) {
		ty_buf_addc(b, '"');
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				ty_buf_addc(b, '"');
			ty_buf_addc(b, *p);
		}
		ty_buf_addc(b, '"');
	} else {
		ty_buf_add(b, s, n);
	}
}

void ty_buf_json_str(struct ty_buf *b, const char *s)
{
	ty_buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			ty_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			ty_buf_addf(b, "\\u%04x", *p);
		else
			ty_buf_addc(b, (char)*p);
	}
	ty_buf_addc(b, '"');
}

void ty_buf_release(struct ty_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

int ty_buf_deliver(struct ty_buf *b, tyche_write_fn w, void *arg, tyche_error *err)
{
	int rc = 0;

	if (b->oom)
		rc = ty_error_at(err, TYCHE_ENOMEM, "", 0, 0, "out of memory");
	else if (w(b->p ? b->p : "", b->len, arg))
		rc = ty_error_at(err, TYCHE_EIO, "", 0, 0, "cannot write the output");
	ty_buf_release(b);
	return rc;
}

char *ty_buf_detach(struct ty_buf *b)
{
	char *p = b->p;

	if (!p)
		p = ty_strdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

int ty_parse_number(const char *s, double *v)
{
	const char *p = s, *start;
	char *end;
	int digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	if (*p == '+' || *p == '-')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits++;
		}
	}
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;

		if (*q == '+' || *q == '-')
			q++;
		if (!isdigit((unsigned char)*q))
			return -1;
		while (isdigit((unsigned char)*q))
			q++;
		p = q;
	}
	{
		const char *tail = p;

		while (*tail == ' ' || *tail == '\t')
			tail++;
		if (*tail)
			return -1;
	}
	errno = 0;
	*v = strtod(start, &end);
	if (end != p)
		return -1;
	if (errno == ERANGE && isinf(*v))
		return -1;
	return 0;
}

int ty_label_is_empty(const char *s)
{
	static const char *const na[] = {
		"", "N/A", "n/a", "NA", "NaN", "nan", "-NaN", "-nan", "null", "NULL",
		"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN",
		"<NA>", NULL
	};

	if (!s)
		return 1;
	for (size_t i = 0; na[i]; i++)
		if (!strcmp(s, na[i]))
			return 1;
	return 0;
}

int ty_label_eq(const char *a, const char *b)
{
	int ea = ty_label_is_empty(a), eb = ty_label_is_empty(b);

	if (ea || eb)
		return ea && eb;
	return !strcmp(a, b);
}

void ty_buf_num(struct ty_buf *b, double v, int json)
{
	char tmp[32];
	const char *s = ty_fmt_double(v, tmp);

	if (json && !isfinite(v))
		ty_buf_json_str(b, s);
	else
		ty_buf_adds(b, s);
}

const char *tyche_format_double(double v, char *buf)
{
	const char *s = ty_fmt_double(v, buf);

	if (s != buf)          /* NaN and inf come back as constants */
		snprintf(buf, 32, "%s", s);
	return buf;
}

void *ty_json_num(double v)
{
	char buf[32];

	return isfinite(v) ? cJSON_CreateRaw(ty_fmt_double(v, buf)) : cJSON_CreateNull();
}
