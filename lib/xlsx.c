/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xlsx.c - read every worksheet of an Excel .xlsx workbook into text tables
 * (struct ty_table), the same tables ty_csv_read gives for its CSV export.
 *
 * A workbook is a zip (libarchive) of XML parts (expat):
 *   xl/workbook.xml            sheet names, in tab order, each with an r:id
 *   xl/_rels/workbook.xml.rels r:id -> part path (relative to xl/ or /abs)
 *   xl/sharedStrings.xml       the strings that cells of t="s" index
 *   xl/worksheets/sheetN.xml   <row><c r="E17" t="..."><v>..</v></c>
 * The sheet file names say nothing about sheet order or names: always go
 * through workbook.xml and the rels.  Numbers are written back as openpyxl
 * + Python print them (the reference CSVs were made so): "15" stays "15",
 * anything with a point or exponent is a float shown by repr(), e.g.
 * "7.0000000000000007E-2" -> "0.07000000000000001", "1.0E3" -> "1000.0".
 *
 * Untrusted input: every size that grows from the file is capped (entries,
 * bytes per part and in total, expansion ratio, XML depth, string length,
 * cells), a DOCTYPE or entity declaration is refused outright, and reading
 * stops at the first cap hit.  Errors are TYCHE_EDATA located as
 * "book.xlsx:designs!E17" (line = col = 0).
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define XLSX_MAX_ENTRIES 10000u
#define XLSX_MAX_PART (64u << 20)        /* uncompressed bytes of one part */
#define XLSX_MAX_TOTAL (256u << 20)      /* uncompressed bytes read in all */
#define XLSX_RATIO_FLOOR (8u << 20)      /* ratio checked past this many */
#define XLSX_MAX_RATIO 100u              /* uncompressed / file bytes */
#define XLSX_MAX_DEPTH 64
#define XLSX_MAX_SHEETS 1000u
#define XLSX_MAX_STRINGS 4000000u        /* shared strings */
#define XLSX_MAX_CELLS 2000000u          /* non-empty cells, whole book */
#define XLSX_MAX_DENSE 4000000u          /* rows x columns of one sheet */
#define XLSX_MAX_ROW 1048576u            /* Excel's own limits */
#define XLSX_MAX_COL 16384u

/* ------------------------------------------------------------------ */
/* numbers as Python prints them                                       */

/* Python repr() of a double: shortest round-trip digits; fixed notation
 * when the decimal exponent is in [-4, 16), with ".0" when integral;
 * else d.ddde+XX with at least two exponent digits. */
static void py_repr(double v, char *out, size_t outsz)
{
	char tmp[40], digits[24];
	int prec, exp10, nd = 0, neg;
	const char *p;

	if (isnan(v)) {
		snprintf(out, outsz, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, outsz, "%s", v > 0 ? "inf" : "-inf");
		return;
	}
	if (v == 0) {
		snprintf(out, outsz, "%s", signbit(v) ? "-0.0" : "0.0");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp = [-]d.ddddde[+-]XX */
	p = tmp;
	neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p) && nd < 20)
			digits[nd++] = *p;
	exp10 = (int)strtol(p + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';

	struct ty_buf b = TY_BUF_INIT;

	if (neg)
		ty_buf_addc(&b, '-');
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			ty_buf_adds(&b, "0.");
			for (int i = -1; i > exp10; i--)
				ty_buf_addc(&b, '0');
			ty_buf_adds(&b, digits);
		} else {
			for (int i = 0; i <= exp10; i++)
				ty_buf_addc(&b, i < nd ? digits[i] : '0');
			ty_buf_addc(&b, '.');
			if (nd > exp10 + 1)
				ty_buf_adds(&b, digits + exp10 + 1);
			else
				ty_buf_addc(&b, '0');
		}
	} else {
		ty_buf_addc(&b, digits[0]);
		if (nd > 1) {
			ty_buf_addc(&b, '.');
			ty_buf_adds(&b, digits + 1);
		}
		ty_buf_addf(&b, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	}
	snprintf(out, outsz, "%s", b.p && !b.oom ? b.p : "nan");
	ty_buf_release(&b);
}

/* The text openpyxl + str() give for a numeric cell's <v>: an integer
 * literal stays an integer (leading zeros and '+' dropped), anything else
 * is a float.  Returns a new string, or NULL when v is not a number (or
 * out of memory: *oom set). */
static char *number_text(const char *v, int *oom)
{
	const char *s = v, *e;
	double d;
	char buf[48];
	char *r;

	*oom = 0;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	{
		const char *q = s;
		int neg = 0;

		if (q < e && (*q == '+' || *q == '-'))
			neg = *q++ == '-';
		if (q < e) {
			const char *dstart = q;

			while (q < e && isdigit((unsigned char)*q))
				q++;
			if (q == e) {
				while (dstart < e - 1 && *dstart == '0')
					dstart++;
				if (e - dstart == 1 && *dstart == '0')
					neg = 0;
				r = ty_asprintf("%s%.*s", neg ? "-" : "", (int)(e - dstart), dstart);
				*oom = !r;
				return r;
			}
		}
	}
	{
		char *tmp = ty_strndup(s, (size_t)(e - s));
		int bad;

		if (!tmp) {
			*oom = 1;
			return NULL;
		}
		bad = ty_parse_number(tmp, &d);
		free(tmp);
		if (bad)
			return NULL;
	}
	py_repr(d, buf, sizeof buf);
	r = ty_strdup(buf);
	*oom = !r;
	return r;
}

/* ------------------------------------------------------------------ */
/* cell references                                                     */

static void col_name(unsigned col, char *buf)   /* 0-based col -> "E" */
{
	char tmp[8];
	int n = 0;

	col++;
	while (col > 0 && n < 7) {
		col--;
		tmp[n++] = (char)('A' + col % 26);
		col /= 26;
	}
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

/* "E17" -> col 4 (0-based), row 17.  Returns -1 if malformed or beyond
 * Excel's limits. */
static int parse_ref(const char *s, unsigned *col, unsigned *row)
{
	unsigned long c = 0, r = 0;
	int nl = 0, nd = 0;

	while (*s == '$')
		s++;
	while (isalpha((unsigned char)*s) && nl < 4) {
		c = c * 26 + (unsigned long)(toupper((unsigned char)*s) - 'A' + 1);
		s++;
		nl++;
	}
	while (*s == '$')
		s++;
	while (isdigit((unsigned char)*s) && nd < 8) {
		r = r * 10 + (unsigned long)(*s - '0');
		s++;
		nd++;
	}
	if (*s || !nl || !nd || c < 1 || c > XLSX_MAX_COL || r < 1 || r > XLSX_MAX_ROW)
		return -1;
	*col = (unsigned)(c - 1);
	*row = (unsigned)r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the zip container                                                   */

struct rd {
	const char *path;          /* workbook name in messages */
	const unsigned char *data;
	size_t len;
	size_t total;              /* uncompressed bytes read so far */
	tyche_error *err;
};

typedef int (*visit_fn)(struct rd *rd, struct archive *a, const char *name, void *ud);

/* Walk the entries of the archive, calling visit for each regular file. */
static int zip_walk(struct rd *rd, visit_fn visit, void *ud)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	unsigned n = 0;
	int r, rc = 0;

	if (!a)
		return ty_error_at(rd->err, TYCHE_ENOMEM, rd->path, 0, 0, "out of memory");
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, rd->data, rd->len) != ARCHIVE_OK) {
		rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
				 "not a zip archive (%s), expected an .xlsx workbook",
				 archive_error_string(a) ? archive_error_string(a) : "unrecognised format");
		goto out;
	}
	for (;;) {
		const char *name;

		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					 "%s zip archive (%s), expected an .xlsx workbook",
					 n ? "corrupt or truncated" : "not a",
					 archive_error_string(a) ? archive_error_string(a) : "bad header");
			goto out;
		}
		if (++n > XLSX_MAX_ENTRIES) {
			rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					 "more than %u entries in the zip archive", XLSX_MAX_ENTRIES);
			goto out;
		}
		name = archive_entry_pathname(ent);
		if (archive_entry_size_is_set(ent) && archive_entry_size(ent) > (la_int64_t)XLSX_MAX_PART) {
			rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					 "zip entry '%.200s' declares %lld bytes, more than the limit of %u",
					 name ? name : "?", (long long)archive_entry_size(ent), XLSX_MAX_PART);
			goto out;
		}
		if (!name || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		rc = visit(rd, a, name, ud);
		if (rc)
			goto out;
	}
out:
	archive_read_free(a);
	return rc;
}

/* ------------------------------------------------------------------ */
/* XML parsing                                                         */

enum tag {
	T_OTHER, T_WORKBOOK, T_SHEETS, T_SHEET, T_RELS, T_REL, T_SST, T_SI,
	T_R, T_RPH, T_T, T_WORKSHEET, T_SHEETDATA, T_ROW, T_C, T_V, T_F, T_IS
};

static const struct {
	const char *name;
	enum tag tag;
} tag_names[] = {
	{ "workbook", T_WORKBOOK }, { "sheets", T_SHEETS }, { "sheet", T_SHEET },
	{ "Relationships", T_RELS }, { "Relationship", T_REL }, { "sst", T_SST },
	{ "si", T_SI }, { "r", T_R }, { "rPh", T_RPH }, { "t", T_T },
	{ "worksheet", T_WORKSHEET }, { "sheetData", T_SHEETDATA },
	{ "row", T_ROW }, { "c", T_C }, { "v", T_V }, { "f", T_F }, { "is", T_IS },
};

static const char *local_name(const char *n)
{
	const char *p = strrchr(n, '|');

	return p ? p + 1 : n;
}

static enum tag tag_of(const char *n)
{
	n = local_name(n);
	for (size_t i = 0; i < TY_ARRAY_SIZE(tag_names); i++)
		if (!strcmp(n, tag_names[i].name))
			return tag_names[i].tag;
	return T_OTHER;
}

/* Attribute by local name; `ns` (may be NULL) must occur in its namespace
 * URI, or, when NULL, the attribute must have no namespace. */
static const char *attr(const char **atts, const char *local, const char *ns)
{
	for (int i = 0; atts[i]; i += 2) {
		const char *bar = strrchr(atts[i], '|');
		const char *ln = bar ? bar + 1 : atts[i];

		if (strcmp(ln, local))
			continue;
		if (!ns && !bar)
			return atts[i + 1];
		if (ns && bar) {
			size_t ul = (size_t)(bar - atts[i]);
			size_t nl = strlen(ns);

			for (size_t k = 0; k + nl <= ul; k++)
				if (!memcmp(atts[i] + k, ns, nl))
					return atts[i + 1];
		}
	}
	return NULL;
}

/* State shared by every part's parser. */
struct xp {
	XML_Parser p;
	struct rd *rd;
	const char *part;          /* zip entry being parsed */
	char where[512];           /* location for structural errors */
	enum tag stack[XLSX_MAX_DEPTH + 1];
	int depth;
	int rc;                    /* set when a handler stopped the parse */
	struct ty_buf *collect;    /* text goes here while set */
	int collect_depth;
	void (*start)(struct xp *x, enum tag t, const char **atts);
	void (*end)(struct xp *x, enum tag t);
};

static enum tag parent(const struct xp *x, int up)
{
	int i = x->depth - 1 - up;   /* stack[depth-1] is the current element */

	return i >= 0 ? x->stack[i] : T_OTHER;
}

static void xp_fail(struct xp *x, int code, const char *where, const char *fmt, ...) TY_PRINTF(4, 5);
static void xp_fail(struct xp *x, int code, const char *where, const char *fmt, ...)
{
	va_list ap;

	if (x->rc)
		return;
	va_start(ap, fmt);
	x->rc = ty_error_v(x->rd->err, code, where, 0, 0, fmt, ap);
	va_end(ap);
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xp *x = ud;
	enum tag t;

	if (x->rc)
		return;
	if (x->depth >= XLSX_MAX_DEPTH) {
		xp_fail(x, TYCHE_EDATA, x->where,
			"XML in %s nested deeper than %d elements", x->part, XLSX_MAX_DEPTH);
		return;
	}
	t = tag_of(name);
	x->stack[x->depth++] = t;
	if (x->start)
		x->start(x, t, atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xp *x = ud;
	enum tag t;

	(void)name;
	if (x->rc || x->depth <= 0)
		return;
	t = x->stack[x->depth - 1];
	if (x->end)
		x->end(x, t);
	if (x->collect && x->collect_depth == x->depth)
		x->collect = NULL;
	x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xp *x = ud;

	if (x->rc || !x->collect)
		return;
	if (x->collect->len + (size_t)len > TY_MAX_FIELD_BYTES) {
		xp_fail(x, TYCHE_EDATA, x->where, "text in %s longer than %u bytes",
			x->part, TY_MAX_FIELD_BYTES);
		return;
	}
	ty_buf_add(x->collect, s, (size_t)len);
	if (x->collect->oom)
		xp_fail(x, TYCHE_ENOMEM, x->where, "out of memory");
}

static void xp_collect(struct xp *x, struct ty_buf *b)
{
	x->collect = b;
	x->collect_depth = x->depth;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	struct xp *x = ud;

	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	xp_fail(x, TYCHE_EDATA, x->where,
		"%s has a DOCTYPE declaration, which workbooks never need (refused: entity expansion)",
		x->part);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_len, const XML_Char *base,
			      const XML_Char *sysid, const XML_Char *pubid,
			      const XML_Char *notation)
{
	struct xp *x = ud;

	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	xp_fail(x, TYCHE_EDATA, x->where, "%s declares an XML entity (refused)", x->part);
}

/* Decompress the current entry into the parser, block by block. */
static int xp_run(struct xp *x, struct archive *a)
{
	struct rd *rd = x->rd;
	char buf[65536];
	size_t part = 0;
	int rc = 0;

	x->p = XML_ParserCreateNS(NULL, '|');
	if (!x->p)
		return ty_error_at(rd->err, TYCHE_ENOMEM, rd->path, 0, 0, "out of memory");
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof buf);
		int last = n == 0;

		if (n < 0) {
			rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					 "corrupt or truncated zip entry %s (%s)", x->part,
					 archive_error_string(a) ? archive_error_string(a) : "read error");
			break;
		}
		part += (size_t)n;
		rd->total += (size_t)n;
		if (part > XLSX_MAX_PART) {
			rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					 "zip entry %s expands to more than %u bytes (zip bomb?)",
					 x->part, XLSX_MAX_PART);
			break;
		}
		if (rd->total > XLSX_MAX_TOTAL) {
			rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					 "workbook expands to more than %u bytes (zip bomb?)", XLSX_MAX_TOTAL);
			break;
		}
		if (rd->total > XLSX_RATIO_FLOOR && rd->total / XLSX_MAX_RATIO > rd->len) {
			rc = ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					 "zip entry %s expands more than %u times the workbook's size (zip bomb?)",
					 x->part, XLSX_MAX_RATIO);
			break;
		}
		if (XML_Parse(x->p, buf, (int)n, last) != XML_STATUS_OK) {
			if (x->rc) {
				rc = x->rc;
			} else {
				rc = ty_error_at(rd->err, TYCHE_EDATA, x->where, 0, 0,
						 "malformed XML in %s at line %lu, column %lu: %s",
						 x->part,
						 (unsigned long)XML_GetCurrentLineNumber(x->p),
						 (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1,
						 XML_ErrorString(XML_GetErrorCode(x->p)));
			}
			break;
		}
		if (x->rc) {
			rc = x->rc;
			break;
		}
		if (last)
			break;
	}
	XML_ParserFree(x->p);
	x->p = NULL;
	return rc;
}

static void xp_init(struct xp *x, struct rd *rd, const char *part, const char *where)
{
	memset(x, 0, sizeof(*x));
	x->rd = rd;
	x->part = part;
	snprintf(x->where, sizeof x->where, "%s", where);
}

/* ------------------------------------------------------------------ */
/* workbook.xml and its rels                                           */

struct sheetref {
	char *name, *rid, *part;
	int found;             /* its part was parsed */
	int skip;              /* not a worksheet (chart sheet ...) */
};

struct wb {
	struct xp x;
	struct sheetref *sheets;
	size_t n;
	int seen_workbook, seen_rels;
	/* rels: id -> target, type */
	char **rel_id, **rel_target, **rel_type;
	size_t nrel;
	char *sst_part;
};

static void wb_start(struct xp *x, enum tag t, const char **atts)
{
	struct wb *w = (struct wb *)x;

	if (t == T_SHEET && parent(x, 1) == T_SHEETS) {
		const char *name = attr(atts, "name", NULL);
		const char *rid = attr(atts, "id", "relationships");
		struct sheetref *s;

		if (!name || !rid) {
			xp_fail(x, TYCHE_EDATA, x->where,
				"xl/workbook.xml: <sheet> without %s, expected name and r:id",
				name ? "r:id" : "name");
			return;
		}
		for (size_t i = 0; i < w->n; i++)
			if (!strcmp(w->sheets[i].name, name)) {
				xp_fail(x, TYCHE_EDATA, x->where,
					"xl/workbook.xml: sheet name '%.100s' given twice", name);
				return;
			}
		if (w->n >= XLSX_MAX_SHEETS) {
			xp_fail(x, TYCHE_EDATA, x->where, "more than %u sheets", XLSX_MAX_SHEETS);
			return;
		}
		s = ty_realloc(w->sheets, (w->n + 1) * sizeof(*s));
		if (!s) {
			xp_fail(x, TYCHE_ENOMEM, x->where, "out of memory");
			return;
		}
		w->sheets = s;
		s += w->n;
		memset(s, 0, sizeof(*s));
		s->name = ty_strdup(name);
		s->rid = ty_strdup(rid);
		w->n++;
		if (!s->name || !s->rid)
			xp_fail(x, TYCHE_ENOMEM, x->where, "out of memory");
	} else if (t == T_REL && parent(x, 1) == T_RELS) {
		const char *id = attr(atts, "Id", NULL);
		const char *target = attr(atts, "Target", NULL);
		const char *type = attr(atts, "Type", NULL);
		const char *mode = attr(atts, "TargetMode", NULL);
		size_t k = w->nrel;

		if (!id || !target)
			return;
		if (mode && !strcmp(mode, "External"))
			return;
		if (k >= XLSX_MAX_ENTRIES) {
			xp_fail(x, TYCHE_EDATA, x->where, "more than %u relationships", XLSX_MAX_ENTRIES);
			return;
		}
		char **a = ty_realloc(w->rel_id, (k + 1) * sizeof(char *));
		if (a)
			w->rel_id = a;
		char **b = ty_realloc(w->rel_target, (k + 1) * sizeof(char *));
		if (b)
			w->rel_target = b;
		char **c = ty_realloc(w->rel_type, (k + 1) * sizeof(char *));
		if (c)
			w->rel_type = c;
		if (!a || !b || !c) {
			xp_fail(x, TYCHE_ENOMEM, x->where, "out of memory");
			return;
		}
		w->rel_id[k] = ty_strdup(id);
		w->rel_target[k] = ty_strdup(target);
		w->rel_type[k] = ty_strdup(type ? type : "");
		w->nrel++;
		if (!w->rel_id[k] || !w->rel_target[k] || !w->rel_type[k])
			xp_fail(x, TYCHE_ENOMEM, x->where, "out of memory");
	}
}

/* Resolve a rels Target against xl/: "worksheets/s.xml" -> "xl/worksheets/s.xml",
 * "/xl/worksheets/s.xml" -> "xl/worksheets/s.xml", "../x.xml" -> "x.xml". */
static char *resolve_target(const char *target)
{
	struct ty_buf in = TY_BUF_INIT, out = TY_BUF_INIT;
	char *res;
	size_t i = 0;

	if (target[0] == '/')
		ty_buf_adds(&in, target + 1);
	else {
		ty_buf_adds(&in, "xl/");
		ty_buf_adds(&in, target);
	}
	if (in.oom) {
		ty_buf_release(&in);
		return NULL;
	}
	while (i < in.len) {
		size_t j = i;

		while (j < in.len && in.p[j] != '/')
			j++;
		if (j - i == 0 || (j - i == 1 && in.p[i] == '.')) {
			/* skip */
		} else if (j - i == 2 && in.p[i] == '.' && in.p[i + 1] == '.') {
			while (out.len > 0 && out.p[out.len - 1] != '/')
				out.len--;
			if (out.len > 0)
				out.len--;
			if (out.p)
				out.p[out.len] = '\0';
		} else {
			if (out.len)
				ty_buf_addc(&out, '/');
			ty_buf_add(&out, in.p + i, j - i);
		}
		i = j + 1;
	}
	ty_buf_release(&in);
	if (out.oom) {
		ty_buf_release(&out);
		return NULL;
	}
	res = ty_buf_detach(&out);
	return res;
}

static int wb_visit(struct rd *rd, struct archive *a, const char *name, void *ud)
{
	struct wb *w = ud;
	int rc;

	if (!strcmp(name, "xl/workbook.xml")) {
		if (w->seen_workbook++)
			return 0;
	} else if (!strcmp(name, "xl/_rels/workbook.xml.rels")) {
		if (w->seen_rels++)
			return 0;
	} else {
		return 0;
	}
	xp_init(&w->x, rd, name, rd->path);
	w->x.start = wb_start;
	rc = xp_run(&w->x, a);
	return rc;
}

static void wb_release(struct wb *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->sheets[i].name);
		free(w->sheets[i].rid);
		free(w->sheets[i].part);
	}
	free(w->sheets);
	for (size_t i = 0; i < w->nrel; i++) {
		free(w->rel_id[i]);
		free(w->rel_target[i]);
		free(w->rel_type[i]);
	}
	free(w->rel_id);
	free(w->rel_target);
	free(w->rel_type);
	free(w->sst_part);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Map each sheet to its part, find the shared strings part. */
static int wb_link(struct wb *w, struct rd *rd)
{
	if (!w->seen_workbook)
		return ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
				   "no xl/workbook.xml in the zip archive, expected an .xlsx workbook");
	if (!w->seen_rels)
		return ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
				   "no xl/_rels/workbook.xml.rels in the zip archive, expected an .xlsx workbook");
	for (size_t k = 0; k < w->nrel; k++)
		if (ends_with(w->rel_type[k], "/sharedStrings") && !w->sst_part) {
			w->sst_part = resolve_target(w->rel_target[k]);
			if (!w->sst_part)
				return ty_error_at(rd->err, TYCHE_ENOMEM, rd->path, 0, 0, "out of memory");
		}
	for (size_t i = 0; i < w->n; i++) {
		struct sheetref *s = &w->sheets[i];
		size_t k;

		for (k = 0; k < w->nrel; k++)
			if (!strcmp(w->rel_id[k], s->rid))
				break;
		if (k == w->nrel)
			return ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
					   "sheet '%.100s' refers to relationship '%.40s', which xl/_rels/workbook.xml.rels does not define",
					   s->name, s->rid);
		if (w->rel_type[k][0] && !ends_with(w->rel_type[k], "/worksheet")) {
			s->skip = 1;   /* chart sheet, dialog sheet, macro sheet */
			continue;
		}
		s->part = resolve_target(w->rel_target[k]);
		if (!s->part)
			return ty_error_at(rd->err, TYCHE_ENOMEM, rd->path, 0, 0, "out of memory");
		/* Excel never lets two sheets share a part; refusing it keeps
		 * the worksheet pass a single walk */
		for (size_t j = 0; j < i; j++)
			if (w->sheets[j].part && !strcmp(w->sheets[j].part, s->part))
				return ty_error_at(rd->err, TYCHE_EDATA, rd->path, 0, 0,
						   "sheets '%.100s' and '%.100s' both point to %.200s, expected one part per sheet",
						   w->sheets[j].name, s->name, s->part);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* shared strings                                                      */

struct sst {
	struct xp x;
	char **s;
	size_t n, cap;
	struct ty_buf cur;
	int in_si;
	int seen;
};

static void sst_start(struct xp *x, enum tag t, const char **atts)
{
	struct sst *s = (struct sst *)x;

	(void)atts;
	if (t == T_SI && parent(x, 1) == T_SST) {
		s->in_si = 1;
		s->cur.len = 0;
		if (s->cur.p)
			s->cur.p[0] = '\0';
	} else if (t == T_T && s->in_si &&
		   (parent(x, 1) == T_SI || (parent(x, 1) == T_R && parent(x, 2) == T_SI))) {
		xp_collect(x, &s->cur);
	}
}

static void sst_end(struct xp *x, enum tag t)
{
	struct sst *s = (struct sst *)x;

	if (t != T_SI || !s->in_si)
		return;
	s->in_si = 0;
	if (s->n >= XLSX_MAX_STRINGS) {
		xp_fail(x, TYCHE_EDATA, x->where, "more than %u shared strings", XLSX_MAX_STRINGS);
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		char **v = ty_realloc(s->s, cap * sizeof(*v));

		if (!v) {
			xp_fail(x, TYCHE_ENOMEM, x->where, "out of memory");
			return;
		}
		s->s = v;
		s->cap = cap;
	}
	s->s[s->n] = ty_strndup(s->cur.p ? s->cur.p : "", s->cur.len);
	if (!s->s[s->n]) {
		xp_fail(x, TYCHE_ENOMEM, x->where, "out of memory");
		return;
	}
	s->n++;
}

struct sst_visit {
	struct sst *s;
	const char *part;
};

static int sst_visit(struct rd *rd, struct archive *a, const char *name, void *ud)
{
	struct sst_visit *v = ud;
	struct sst *s = v->s;

	if (strcmp(name, v->part) || s->seen++)
		return 0;
	xp_init(&s->x, rd, name, rd->path);
	s->x.start = sst_start;
	s->x.end = sst_end;
	return xp_run(&s->x, a);
}

static void sst_release(struct sst *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->s[i]);
	free(s->s);
	ty_buf_release(&s->cur);
}

/* ------------------------------------------------------------------ */
/* worksheets                                                          */

struct xcell {
	unsigned row, col;
	char *text;
};

struct book_st;

struct ws {
	struct xp x;
	struct book_st *bk;
	const char *sheet;
	unsigned row, col;         /* current row; last column seen (+1) */
	int in_cell;
	unsigned crow, ccol;
	char ctype[16];
	int has_v, has_is;
	struct ty_buf v, is;
	struct xcell *cells;
	size_t n, cap;
};

struct book_st {
	struct rd *rd;
	struct wb *w;
	struct sst *sst;
	size_t ncells;             /* in the whole book */
	struct ty_table **tables;  /* one per sheetref, NULL for skipped */
};

static void cell_where(struct ws *s, char *buf, size_t n)
{
	char letters[8];

	col_name(s->ccol, letters);
	snprintf(buf, n, "%s:%s!%s%u", s->x.rd->path, s->sheet, letters, s->crow);
}

static void ws_cell_fail(struct ws *s, int code, const char *fmt, ...) TY_PRINTF(3, 4);
static void ws_cell_fail(struct ws *s, int code, const char *fmt, ...)
{
	char where[512];
	va_list ap;

	if (s->x.rc)
		return;
	cell_where(s, where, sizeof where);
	va_start(ap, fmt);
	s->x.rc = ty_error_v(s->x.rd->err, code, where, 0, 0, fmt, ap);
	va_end(ap);
	XML_StopParser(s->x.p, XML_FALSE);
}

static void ws_start(struct xp *x, enum tag t, const char **atts)
{
	struct ws *s = (struct ws *)x;

	if (t == T_ROW && parent(x, 1) == T_SHEETDATA) {
		const char *r = attr(atts, "r", NULL);

		if (r) {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(r, &end, 10);
			if (errno || *end || end == r || v < 1 || v > XLSX_MAX_ROW) {
				xp_fail(x, TYCHE_EDATA, x->where,
					"%s: row number '%.20s' out of range, expected 1..%u",
					x->part, r, XLSX_MAX_ROW);
				return;
			}
			s->row = (unsigned)v;
		} else {
			s->row++;
			if (s->row > XLSX_MAX_ROW) {
				xp_fail(x, TYCHE_EDATA, x->where, "%s: more than %u rows",
					x->part, XLSX_MAX_ROW);
				return;
			}
		}
		s->col = 0;
	} else if (t == T_C && parent(x, 1) == T_ROW && parent(x, 2) == T_SHEETDATA) {
		const char *r = attr(atts, "r", NULL);
		const char *ty = attr(atts, "t", NULL);

		if (!s->row)
			s->row = 1;
		if (r) {
			if (parse_ref(r, &s->ccol, &s->crow)) {
				xp_fail(x, TYCHE_EDATA, x->where,
					"%s: cell reference '%.20s' is malformed, expected A1..XFD1048576",
					x->part, r);
				return;
			}
		} else {
			s->crow = s->row;
			s->ccol = s->col;
			if (s->ccol >= XLSX_MAX_COL) {
				s->ccol = XLSX_MAX_COL - 1;
				ws_cell_fail(s, TYCHE_EDATA, "more than %u columns", XLSX_MAX_COL);
				return;
			}
		}
		s->col = s->ccol + 1;
		s->in_cell = 1;
		snprintf(s->ctype, sizeof s->ctype, "%s", ty ? ty : "n");
		if (ty && strlen(ty) >= sizeof s->ctype)
			snprintf(s->ctype, sizeof s->ctype, "?");
		s->has_v = s->has_is = 0;
		s->v.len = s->is.len = 0;
		if (s->v.p)
			s->v.p[0] = '\0';
		if (s->is.p)
			s->is.p[0] = '\0';
	} else if (s->in_cell && t == T_V && parent(x, 1) == T_C) {
		s->has_v = 1;
		xp_collect(x, &s->v);
	} else if (s->in_cell && t == T_IS && parent(x, 1) == T_C) {
		s->has_is = 1;
	} else if (s->in_cell && t == T_T &&
		   (parent(x, 1) == T_IS || (parent(x, 1) == T_R && parent(x, 2) == T_IS))) {
		xp_collect(x, &s->is);
	}
}

static char *trim_copy(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return ty_strndup(p, n);
}

static void ws_end_cell(struct ws *s)
{
	const char *v = s->v.p ? s->v.p : "";
	char *text = NULL;
	int oom = 0;

	s->in_cell = 0;
	if (!strcmp(s->ctype, "s")) {
		char *end;
		unsigned long k;

		if (!s->has_v)
			return;
		errno = 0;
		k = strtoul(v, &end, 10);
		if (errno || end == v || *end || !isdigit((unsigned char)v[0])) {
			ws_cell_fail(s, TYCHE_EDATA,
				     "shared string index '%.40s' is not a number", v);
			return;
		}
		if (k >= s->bk->sst->n) {
			ws_cell_fail(s, TYCHE_EDATA,
				     "shared string index %lu out of range, the workbook has %zu",
				     k, s->bk->sst->n);
			return;
		}
		text = trim_copy(s->bk->sst->s[k], strlen(s->bk->sst->s[k]));
	} else if (!strcmp(s->ctype, "inlineStr")) {
		if (s->has_is)
			text = trim_copy(s->is.p ? s->is.p : "", s->is.len);
		else
			text = trim_copy(v, s->v.len);
	} else if (!strcmp(s->ctype, "str") || !strcmp(s->ctype, "e") ||
		   !strcmp(s->ctype, "d")) {
		text = trim_copy(v, s->v.len);
	} else if (!strcmp(s->ctype, "b")) {
		if (!s->has_v || !s->v.len)
			return;
		if (!strcmp(v, "1") || !strcmp(v, "true"))
			text = ty_strdup("TRUE");
		else if (!strcmp(v, "0") || !strcmp(v, "false"))
			text = ty_strdup("FALSE");
		else {
			ws_cell_fail(s, TYCHE_EDATA, "boolean cell holds '%.40s', expected 0 or 1", v);
			return;
		}
	} else if (!strcmp(s->ctype, "n")) {
		const char *q = v;

		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (!*q)
			return;
		text = number_text(v, &oom);
		if (!text && !oom) {
			ws_cell_fail(s, TYCHE_EDATA, "number cell holds '%.40s', expected a number", v);
			return;
		}
	} else {
		ws_cell_fail(s, TYCHE_EDATA,
			     "unknown cell type '%s', expected s, str, inlineStr, n, b, e or d",
			     s->ctype);
		return;
	}
	if (!text) {
		ws_cell_fail(s, TYCHE_ENOMEM, "out of memory");
		return;
	}
	if (!text[0]) {
		free(text);
		return;
	}
	if (s->bk->ncells >= XLSX_MAX_CELLS) {
		free(text);
		ws_cell_fail(s, TYCHE_EDATA, "more than %u non-empty cells in the workbook",
			     XLSX_MAX_CELLS);
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct xcell *c = ty_realloc(s->cells, cap * sizeof(*c));

		if (!c) {
			free(text);
			ws_cell_fail(s, TYCHE_ENOMEM, "out of memory");
			return;
		}
		s->cells = c;
		s->cap = cap;
	}
	s->cells[s->n].row = s->crow;
	s->cells[s->n].col = s->ccol;
	s->cells[s->n].text = text;
	s->n++;
	s->bk->ncells++;
}

static void ws_end(struct xp *x, enum tag t)
{
	struct ws *s = (struct ws *)x;

	if (t == T_C && s->in_cell && parent(x, 1) == T_ROW)
		ws_end_cell(s);
}

static int cell_cmp(const void *a, const void *b)
{
	const struct xcell *p = a, *q = b;

	if (p->row != q->row)
		return p->row < q->row ? -1 : 1;
	if (p->col != q->col)
		return p->col < q->col ? -1 : 1;
	return 0;
}

/* Cells (sorted) -> dense table: header = first non-blank row; blank rows
 * dropped; columns up to the last one holding anything. */
static int ws_table(struct ws *s, struct ty_table **out)
{
	struct rd *rd = s->x.rd;
	struct ty_table *t;
	size_t nrows = 0, ncols = 0, i;

	if (s->n)
		qsort(s->cells, s->n, sizeof(*s->cells), cell_cmp);
	for (i = 0; i < s->n; i++) {
		if (i && !cell_cmp(&s->cells[i - 1], &s->cells[i])) {
			s->crow = s->cells[i].row;
			s->ccol = s->cells[i].col;
			{
				char where[512];

				cell_where(s, where, sizeof where);
				return ty_error_at(rd->err, TYCHE_EDATA, where, 0, 0,
						   "cell given twice in %s", s->x.part);
			}
		}
		if (!i || s->cells[i - 1].row != s->cells[i].row)
			nrows++;
		if (s->cells[i].col + 1 > ncols)
			ncols = s->cells[i].col + 1;
	}
	if (ncols > TY_MAX_COLS) {
		char where[512];

		snprintf(where, sizeof where, "%s:%s", rd->path, s->sheet);
		return ty_error_at(rd->err, TYCHE_EDATA, where, 0, 0,
				   "more than %u columns", TY_MAX_COLS);
	}
	if (nrows && ncols > XLSX_MAX_DENSE / nrows) {
		char where[512];

		snprintf(where, sizeof where, "%s:%s", rd->path, s->sheet);
		return ty_error_at(rd->err, TYCHE_EDATA, where, 0, 0,
				   "%zu rows by %zu columns is more than %u cells",
				   nrows, ncols, XLSX_MAX_DENSE);
	}
	t = ty_calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->source = ty_strdup(rd->path);
	t->sheet = ty_strdup(s->sheet);
	t->ncols = ncols;
	t->nrows = nrows ? nrows - 1 : 0;
	t->header = ty_calloc(ncols, sizeof(char *));
	t->cells = ty_calloc(t->nrows * ncols, sizeof(char *));
	t->line = ty_calloc(t->nrows, sizeof(unsigned));
	if (!t->source || !t->sheet || !t->header || !t->cells || !t->line)
		goto oom;
	{
		size_t r = (size_t)-1;   /* -1: header */
		unsigned prev = 0;

		for (i = 0; i < s->n; i++) {
			struct xcell *c = &s->cells[i];

			if (!i || c->row != prev) {
				r = i ? r + 1 : (size_t)-1;
				prev = c->row;
				if (r != (size_t)-1)
					t->line[r] = c->row;
			}
			if (r == (size_t)-1)
				t->header[c->col] = c->text;
			else
				t->cells[r * ncols + c->col] = c->text;
			c->text = NULL;
		}
	}
	for (i = 0; i < ncols; i++)
		if (!t->header[i] && !(t->header[i] = ty_strdup("")))
			goto oom;
	for (i = 0; i < t->nrows * ncols; i++)
		if (!t->cells[i] && !(t->cells[i] = ty_strdup("")))
			goto oom;
	*out = t;
	return 0;
oom:
	ty_table_free(t);
	return ty_error_at(rd->err, TYCHE_ENOMEM, rd->path, 0, 0, "out of memory");
}

static void ws_release(struct ws *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->cells[i].text);
	free(s->cells);
	ty_buf_release(&s->v);
	ty_buf_release(&s->is);
}

static int ws_visit(struct rd *rd, struct archive *a, const char *name, void *ud)
{
	struct book_st *bk = ud;
	struct wb *w = bk->w;
	int rc = 0;

	for (size_t i = 0; i < w->n; i++) {
		struct sheetref *sr = &w->sheets[i];
		struct ws s;
		char where[512];

		if (sr->skip || !sr->part || sr->found || strcmp(sr->part, name))
			continue;
		sr->found = 1;
		memset(&s, 0, sizeof s);
		snprintf(where, sizeof where, "%s:%s", rd->path, sr->name);
		xp_init(&s.x, rd, name, where);
		s.x.start = ws_start;
		s.x.end = ws_end;
		s.bk = bk;
		s.sheet = sr->name;
		rc = xp_run(&s.x, a);
		if (!rc)
			rc = ws_table(&s, &bk->tables[i]);
		ws_release(&s);
		break;
	}
	return rc;
}

/* ------------------------------------------------------------------ */

void ty_book_free(struct ty_book *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nsheets; i++)
		ty_table_free(b->sheets[i]);
	free(b->sheets);
	free(b);
}

struct ty_table *ty_book_sheet(const struct ty_book *b, const char *name)
{
	if (!b || !name)
		return NULL;
	for (size_t i = 0; i < b->nsheets; i++)
		if (b->sheets[i]->sheet && !strcmp(b->sheets[i]->sheet, name))
			return b->sheets[i];
	return NULL;
}

int ty_xlsx_read_mem(const char *name, const void *data, size_t len,
		     struct ty_book **out, tyche_error *err)
{
	struct rd rd = { name, data, len, 0, err };
	struct wb w;
	struct sst sst;
	struct sst_visit sv;
	struct book_st bk;
	struct ty_book *book = NULL;
	int rc;

	*out = NULL;
	memset(&w, 0, sizeof w);
	memset(&sst, 0, sizeof sst);
	memset(&bk, 0, sizeof bk);
	if (len < 4 || memcmp(data, "PK\003\004", 4))
		return ty_error_at(err, TYCHE_EDATA, name, 0, 0,
				   "not a zip archive (no 'PK' signature), expected an .xlsx workbook");
	/* pass 1: workbook.xml + rels */
	rc = zip_walk(&rd, wb_visit, &w);
	if (!rc)
		rc = wb_link(&w, &rd);
	/* pass 2: shared strings */
	if (!rc && w.sst_part) {
		sv.s = &sst;
		sv.part = w.sst_part;
		rc = zip_walk(&rd, sst_visit, &sv);
		if (!rc && !sst.seen)
			rc = ty_error_at(err, TYCHE_EDATA, name, 0, 0,
					 "shared strings part %.200s is missing from the zip archive",
					 w.sst_part);
	}
	/* pass 3: the worksheets */
	if (!rc) {
		bk.rd = &rd;
		bk.w = &w;
		bk.sst = &sst;
		bk.tables = ty_calloc(w.n, sizeof(*bk.tables));
		if (!bk.tables)
			rc = ty_error_at(err, TYCHE_ENOMEM, name, 0, 0, "out of memory");
	}
	if (!rc)
		rc = zip_walk(&rd, ws_visit, &bk);
	if (!rc) {
		for (size_t i = 0; i < w.n; i++)
			if (!w.sheets[i].skip && !w.sheets[i].found) {
				char where[512];

				snprintf(where, sizeof where, "%s:%s", name, w.sheets[i].name);
				rc = ty_error_at(err, TYCHE_EDATA, where, 0, 0,
						 "worksheet part %.200s is missing from the zip archive",
						 w.sheets[i].part);
				break;
			}
	}
	if (!rc) {
		book = ty_calloc(1, sizeof(*book));
		if (book)
			book->sheets = ty_calloc(w.n, sizeof(*book->sheets));
		if (!book || !book->sheets) {
			rc = ty_error_at(err, TYCHE_ENOMEM, name, 0, 0, "out of memory");
		} else {
			for (size_t i = 0; i < w.n; i++)
				if (bk.tables[i]) {
					book->sheets[book->nsheets++] = bk.tables[i];
					bk.tables[i] = NULL;
				}
			*out = book;
			book = NULL;
		}
	}
	if (bk.tables)
		for (size_t i = 0; i < w.n; i++)
			ty_table_free(bk.tables[i]);
	free(bk.tables);
	ty_book_free(book);
	sst_release(&sst);
	wb_release(&w);
	return rc;
}

int ty_xlsx_read(const char *path, struct ty_book **out, tyche_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = ty_read_file(path, TY_MAX_FILE_BYTES, &data, &len, err);
	if (rc)
		return rc;
	rc = ty_xlsx_read_mem(path, data, len, out, err);
	free(data);
	return rc;
}
