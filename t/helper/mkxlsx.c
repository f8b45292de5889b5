/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mkxlsx - test helper: write a small .xlsx workbook (zip + XML, libarchive)
 * from a text description, or dump a workbook as lib/xlsx.c reads it.
 *
 *   mkxlsx OUT.xlsx [DESC]    build (DESC, or stdin)
 *   mkxlsx -d BOOK.xlsx       print every sheet: "== name (R rows, C cols)",
 *                             then "line: cell|cell|..." (header line 1)
 *
 * Description, one item a line ('#' comments):
 *   sheet NAME               start a worksheet
 *   REF KIND [VALUE]         a cell, e.g. "E17 n 1.5"; KIND is
 *                            s (shared string), str, inline, rich (runs
 *                            split at '|'), n, b (0/1), e (error), d (date
 *                            text), f (formula 1+1 with cached number VALUE),
 *                            none (<c r=".."/> with no value)
 *   part PATH                raw entry: the lines up to a line "." (replaces
 *                            a generated entry of the same path)
 *   omit PATH                leave out a generated entry
 *   filler PATH BYTES        an entry of BYTES blanks (zip bomb by ratio)
 *   extra N                  N more tiny entries
 *   store                    no compression
 * The generated parts deliberately do NOT follow Excel's naming: sheet k
 * of n lives in xl/worksheets/ws<n-k>.xml, rIds are shuffled, every other
 * target is absolute, and the zip holds the sheets before workbook.xml, so
 * a reader that guesses from file names or zip order gets it wrong.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define MAXS 64

struct cell {
	char ref[16], kind[16];
	char *value;
};

struct sheet {
	char *name;
	struct cell *cells;
	size_t n;
};

struct raw {
	char *path;
	struct ty_buf data;
	size_t filler;
	int is_filler;
};

static struct sheet sheets[MAXS];
static size_t nsheets;
static struct raw raws[256];
static size_t nraws;
static char *omits[64];
static size_t nomits;
static char **sst;
static size_t nsst;

static void die(const char *msg)
{
	fprintf(stderr, "mkxlsx: %s\n", msg);
	exit(2);
}

static void esc(struct ty_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': ty_buf_adds(b, "&amp;"); break;
		case '<': ty_buf_adds(b, "&lt;"); break;
		case '>': ty_buf_adds(b, "&gt;"); break;
		case '"': ty_buf_adds(b, "&quot;"); break;
		default: ty_buf_addc(b, *s);
		}
	}
}

static size_t sst_index(const char *s)
{
	for (size_t i = 0; i < nsst; i++)
		if (!strcmp(sst[i], s))
			return i;
	sst = realloc(sst, (nsst + 1) * sizeof(*sst));
	sst[nsst] = strdup(s);
	return nsst++;
}

static unsigned ref_row(const char *ref)
{
	while (*ref && (*ref < '0' || *ref > '9'))
		ref++;
	return (unsigned)strtoul(ref, NULL, 10);
}

static int omitted(const char *path)
{
	for (size_t i = 0; i < nomits; i++)
		if (!strcmp(omits[i], path))
			return 1;
	for (size_t i = 0; i < nraws; i++)
		if (!strcmp(raws[i].path, path))
			return 1;
	return 0;
}

static void put(struct archive *a, const char *path, const char *data, size_t len, int filler)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 315532800, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		die(archive_error_string(a));
	if (filler) {
		static char chunk[65536];

		memset(chunk, ' ', sizeof chunk);
		for (size_t k = 0; k < len; k += sizeof chunk)
			archive_write_data(a, chunk, len - k < sizeof chunk ? len - k : sizeof chunk);
	} else if (len) {
		archive_write_data(a, data, len);
	}
	archive_entry_free(e);
}

static void put_gen(struct archive *a, const char *path, struct ty_buf *b)
{
	if (!omitted(path))
		put(a, path, b->p ? b->p : "", b->len, 0);
	ty_buf_release(b);
}

#define MAIN_NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static void sheet_xml(const struct sheet *s, struct ty_buf *b)
{
	unsigned row = 0;

	ty_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		    "<worksheet xmlns=\"" MAIN_NS "\" xmlns:r=\"" REL_NS "\"><sheetData>");
	for (size_t i = 0; i < s->n; i++) {
		const struct cell *c = &s->cells[i];
		const char *v = c->value ? c->value : "";
		unsigned r = ref_row(c->ref);

		if (r != row) {
			if (row)
				ty_buf_adds(b, "</row>");
			ty_buf_addf(b, "<row r=\"%u\">", r);
			row = r;
		}
		ty_buf_addf(b, "<c r=\"%s\"", c->ref);
		if (!strcmp(c->kind, "s")) {
			ty_buf_addf(b, " t=\"s\"><v>%zu</v></c>", sst_index(v));
		} else if (!strcmp(c->kind, "inline") || !strcmp(c->kind, "rich")) {
			ty_buf_adds(b, " t=\"inlineStr\"><is>");
			if (!strcmp(c->kind, "inline")) {
				ty_buf_adds(b, "<t xml:space=\"preserve\">");
				esc(b, v);
				ty_buf_adds(b, "</t>");
			} else {
				char *copy = strdup(v), *p = copy, *bar;

				do {
					bar = strchr(p, '|');
					if (bar)
						*bar = '\0';
					ty_buf_adds(b, "<r><rPr><b/></rPr><t xml:space=\"preserve\">");
					esc(b, p);
					ty_buf_adds(b, "</t></r>");
					p = bar + 1;
				} while (bar);
				free(copy);
			}
			ty_buf_adds(b, "</is></c>");
		} else if (!strcmp(c->kind, "none")) {
			ty_buf_adds(b, "/>");
		} else if (!strcmp(c->kind, "f")) {
			ty_buf_adds(b, "><f>1+1</f><v>");
			esc(b, v);
			ty_buf_adds(b, "</v></c>");
		} else {
			if (strcmp(c->kind, "n"))
				ty_buf_addf(b, " t=\"%s\"", c->kind);
			ty_buf_adds(b, "><v>");
			esc(b, v);
			ty_buf_adds(b, "</v></c>");
		}
	}
	if (row)
		ty_buf_adds(b, "</row>");
	ty_buf_adds(b, "</sheetData></worksheet>");
}

static int build(const char *out, FILE *in, int deflate_default)
{
	char line[65536];
	struct sheet *cur = NULL;
	struct raw *raw = NULL;
	int deflate = deflate_default;
	unsigned long extra = 0;
	struct archive *a;

	while (fgets(line, sizeof line, in)) {
		size_t n = strlen(line);
		char w1[1024], w2[1024];

		if (raw) {
			if (!strcmp(line, ".\n") || !strcmp(line, ".")) {
				raw = NULL;
				continue;
			}
			ty_buf_add(&raw->data, line, n);
			continue;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (!strncmp(line, "sheet ", 6)) {
			if (nsheets == MAXS)
				die("too many sheets");
			cur = &sheets[nsheets++];
			cur->name = strdup(line + 6);
		} else if (!strncmp(line, "part ", 5) || !strncmp(line, "filler ", 7)) {
			if (nraws == TY_ARRAY_SIZE(raws))
				die("too many parts");
			raw = &raws[nraws++];
			if (line[0] == 'f') {
				unsigned long long sz = 0;

				if (sscanf(line + 7, "%1023s %llu", w1, &sz) != 2)
					die("filler PATH BYTES");
				raw->path = strdup(w1);
				raw->filler = (size_t)sz;
				raw->is_filler = 1;
				raw = NULL;
			} else {
				raw->path = strdup(line + 5);
			}
		} else if (!strncmp(line, "omit ", 5)) {
			if (nomits < TY_ARRAY_SIZE(omits))
				omits[nomits++] = strdup(line + 5);
		} else if (!strncmp(line, "extra ", 6)) {
			extra = strtoul(line + 6, NULL, 10);
		} else if (!strcmp(line, "store")) {
			deflate = 0;
		} else if (sscanf(line, "%15s %15s", w1, w2) == 2) {
			const char *v = line + strlen(w1);
			struct cell *c;

			if (!cur)
				die("cell before any 'sheet' line");
			while (*v == ' ')
				v++;
			v += strlen(w2);
			if (*v == ' ')
				v++;
			cur->cells = realloc(cur->cells, (cur->n + 1) * sizeof(*cur->cells));
			c = &cur->cells[cur->n++];
			snprintf(c->ref, sizeof c->ref, "%s", w1);
			snprintf(c->kind, sizeof c->kind, "%s", w2);
			c->value = strdup(v);
		} else {
			fprintf(stderr, "mkxlsx: cannot read line: %s\n", line);
			return 2;
		}
	}

	a = archive_write_new();
	archive_write_set_format_zip(a);
	archive_write_set_options(a, deflate ? "zip:compression=deflate" : "zip:compression=store");
	if (archive_write_open_filename(a, out) != ARCHIVE_OK)
		die(archive_error_string(a));
	{
		struct ty_buf b = TY_BUF_INIT;

		ty_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
			    "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>");
		put_gen(a, "[Content_Types].xml", &b);
	}
	/* sheets, last first, before the workbook */
	for (size_t k = nsheets; k-- > 0;) {
		struct ty_buf b = TY_BUF_INIT;
		char path[64];

		sheet_xml(&sheets[k], &b);
		snprintf(path, sizeof path, "xl/worksheets/ws%zu.xml", nsheets - k);
		put_gen(a, path, &b);
	}
	{
		struct ty_buf b = TY_BUF_INIT;

		ty_buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<sst xmlns=\"" MAIN_NS "\" count=\"%zu\" uniqueCount=\"%zu\">", nsst, nsst);
		for (size_t i = 0; i < nsst; i++) {
			ty_buf_adds(&b, "<si><t xml:space=\"preserve\">");
			esc(&b, sst[i]);
			ty_buf_adds(&b, "</t></si>");
		}
		ty_buf_adds(&b, "</sst>");
		put_gen(a, "xl/sharedStrings.xml", &b);
	}
	{
		struct ty_buf b = TY_BUF_INIT;

		ty_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
			    "<Relationship Id=\"rId1\" Type=\"" REL_NS "/sharedStrings\" Target=\"sharedStrings.xml\"/>");
		for (size_t k = nsheets; k-- > 0;)
			ty_buf_addf(&b, "<Relationship Id=\"rId%zu\" Type=\"" REL_NS "/worksheet\" "
				    "Target=\"%sworksheets/ws%zu.xml\"/>",
				    100 + nsheets - k, k % 2 ? "/xl/" : "", nsheets - k);
		ty_buf_adds(&b, "</Relationships>");
		put_gen(a, "xl/_rels/workbook.xml.rels", &b);
	}
	{
		struct ty_buf b = TY_BUF_INIT;

		ty_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			    "<workbook xmlns=\"" MAIN_NS "\" xmlns:r=\"" REL_NS "\"><sheets>");
		for (size_t k = 0; k < nsheets; k++) {
			ty_buf_adds(&b, "<sheet name=\"");
			esc(&b, sheets[k].name);
			ty_buf_addf(&b, "\" sheetId=\"%zu\" r:id=\"rId%zu\"/>", k + 1, 100 + nsheets - k);
		}
		ty_buf_adds(&b, "</sheets></workbook>");
		put_gen(a, "xl/workbook.xml", &b);
	}
	for (size_t i = 0; i < nraws; i++) {
		if (raws[i].is_filler)
			put(a, raws[i].path, NULL, raws[i].filler, 1);
		else
			put(a, raws[i].path, raws[i].data.p ? raws[i].data.p : "", raws[i].data.len, 0);
	}
	for (unsigned long i = 0; i < extra; i++) {
		char path[64];

		snprintf(path, sizeof path, "extra/%lu.txt", i);
		put(a, path, "x", 1, 0);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		die(archive_error_string(a));
	archive_write_free(a);
	return 0;
}

static int dump(const char *path)
{
	struct ty_book *b = NULL;
	tyche_error err = { 0 };
	char msg[1024];

	if (ty_xlsx_read(path, &b, &err)) {
		fprintf(stderr, "%s\n", tyche_error_format(&err, msg, sizeof msg));
		return 1;
	}
	for (size_t s = 0; s < b->nsheets; s++) {
		const struct ty_table *t = b->sheets[s];

		printf("== %s (%zu rows, %zu cols)\n", t->sheet, t->nrows, t->ncols);
		printf("1:");
		for (size_t c = 0; c < t->ncols; c++)
			printf("%s%s", c ? "|" : " ", t->header[c]);
		printf("\n");
		for (size_t r = 0; r < t->nrows; r++) {
			printf("%u:", t->line[r]);
			for (size_t c = 0; c < t->ncols; c++)
				printf("%s%s", c ? "|" : " ", ty_table_cell(t, r, c));
			printf("\n");
		}
	}
	ty_book_free(b);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *in = stdin;
	int rc;

	if (argc == 3 && !strcmp(argv[1], "-d"))
		return dump(argv[2]);
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mkxlsx OUT.xlsx [DESC] | mkxlsx -d BOOK.xlsx\n");
		return 2;
	}
	if (argc == 3 && !(in = fopen(argv[2], "r"))) {
		perror(argv[2]);
		return 2;
	}
	rc = build(argv[1], in, 1);
	if (in != stdin)
		fclose(in);
	for (size_t i = 0; i < nsheets; i++) {
		for (size_t k = 0; k < sheets[i].n; k++)
			free(sheets[i].cells[k].value);
		free(sheets[i].cells);
		free(sheets[i].name);
	}
	for (size_t i = 0; i < nraws; i++) {
		free(raws[i].path);
		ty_buf_release(&raws[i].data);
	}
	for (size_t i = 0; i < nomits; i++)
		free(omits[i]);
	for (size_t i = 0; i < nsst; i++)
		free(sst[i]);
	free(sst);
	return rc;
}
