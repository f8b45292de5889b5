/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-xlsx.c - the .xlsx reader: the reference workbooks load to exactly the
 * tables of their CSV export; small workbooks built here (zip written with
 * libarchive) cover each cell kind and each hostile case.
 *
 * Hostile cases must fail with TYCHE_EDATA and a message, never crash or
 * leak: run this under SANITIZE=1 too.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "table.h"

#define IS_STR(...) ((void)(is_str(__VA_ARGS__)))

/* ---- building workbooks in memory ---- */

struct part {
	const char *name;
	const char *data;     /* NULL: `len` bytes of filler */
	size_t len;
};

static unsigned char *zip_build(const struct part *parts, size_t n, int deflate,
				size_t *outlen)
{
	size_t cap = 1 << 20;
	unsigned char *buf;
	struct archive *a;
	size_t used = 0;

	for (size_t i = 0; i < n; i++)
		cap += (parts[i].data ? strlen(parts[i].data) : parts[i].len / 500) + 512;
	buf = malloc(cap);
	a = archive_write_new();
	archive_write_set_format_zip(a);
	archive_write_set_options(a, deflate ? "zip:compression=deflate" : "zip:compression=store");
	archive_write_open_memory(a, buf, cap, &used);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = parts[i].data ? strlen(parts[i].data) : parts[i].len;

		archive_entry_set_pathname(e, parts[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_write_header(a, e);
		if (parts[i].data) {
			archive_write_data(a, parts[i].data, len);
		} else {
			char chunk[65536];

			memset(chunk, ' ', sizeof chunk);
			for (size_t k = 0; k < len; k += sizeof chunk)
				archive_write_data(a, chunk, len - k < sizeof chunk ? len - k : sizeof chunk);
		}
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	*outlen = used;
	return buf;
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define WS_TYPE "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
#define SST_TYPE "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"

/* Two sheets, named and ordered only through workbook.xml and the rels:
 * "first" lives in ws9.xml (absolute target), "second" in ws1.xml. */
static const char *wb_xml =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<workbook " NS "><sheets>"
	"<sheet name=\"first\" sheetId=\"7\" r:id=\"rIdB\"/>"
	"<sheet name=\"second\" sheetId=\"3\" r:id=\"rIdA\"/>"
	"</sheets></workbook>";
static const char *rels_xml =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rIdA\" Type=\"" WS_TYPE "\" Target=\"worksheets/ws1.xml\"/>"
	"<Relationship Id=\"rIdS\" Type=\"" SST_TYPE "\" Target=\"sharedStrings.xml\"/>"
	"<Relationship Id=\"rIdB\" Type=\"" WS_TYPE "\" Target=\"/xl/worksheets/ws9.xml\"/>"
	"</Relationships>";
static const char *sst_xml =
	"<sst " NS " count=\"4\" uniqueCount=\"4\">"
	"<si><t>Name</t></si>"
	"<si><t>Value</t></si>"
	"<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space=\"preserve\">text</t></r>"
	"<rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si>"
	"<si><t xml:space=\"preserve\">  padded &amp; escaped &lt;x&gt;  </t></si>"
	"</sst>";
/* sheet "first": every cell kind; gaps in rows and columns */
static const char *ws9_xml =
	"<worksheet " NS "><sheetData>"
	"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
	"<c r=\"C1\" t=\"inlineStr\"><is><t>Kind</t></is></c></row>"
	"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>1500000</v></c>"
	"<c r=\"C2\" t=\"str\"><v>rich</v></c></row>"
	"<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c>"
	"<c r=\"B3\"><v>7.0000000000000007E-2</v></c></row>"
	"<row r=\"5\"><c r=\"A5\" t=\"b\"><v>1</v></c><c r=\"B5\" t=\"b\"><v>0</v></c></row>"
	"<row r=\"6\"><c r=\"A6\"><f>SUM(B2:B3)</f><v>1500000.07</v></c>"
	"<c r=\"B6\" t=\"str\"><f>\"a\"&amp;\"b\"</f><v>ab</v></c></row>"
	"<row r=\"7\"><c r=\"A7\" t=\"s\"><v>3</v></c><c r=\"C7\" t=\"str\"><v>0012</v></c></row>"
	"<row r=\"8\"><c r=\"A8\" s=\"3\"><v>44927</v></c><c r=\"B8\" t=\"e\"><v>#N/A</v></c>"
	"<c r=\"C8\"><v>1.0E3</v></c></row>"
	"<row r=\"9\"><c r=\"A9\"><v>1E-05</v></c><c r=\"B9\"><v>1.2345678901234567E+16</v></c>"
	"<c r=\"C9\"><v>-0</v></c></row>"
	"<row r=\"10\"><c r=\"A10\"/><c r=\"B10\" t=\"s\"/></row>"
	"<row><c t=\"inlineStr\"><is><t>no-ref</t></is></c><c><v>2.5</v></c></row>"
	"</sheetData></worksheet>";
static const char *ws1_xml =
	"<worksheet " NS "><sheetData>"
	"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t> X </t></is></c></row>"
	"<row r=\"2\"><c r=\"A2\"><v>3</v></c></row>"
	"</sheetData></worksheet>";

static unsigned char *book_with(const char *name, const char *xml, size_t *len)
{
	struct part p[5] = {
		{ "xl/workbook.xml", wb_xml, 0 },
		{ "xl/_rels/workbook.xml.rels", rels_xml, 0 },
		{ "xl/sharedStrings.xml", sst_xml, 0 },
		{ "xl/worksheets/ws9.xml", ws9_xml, 0 },
		{ "xl/worksheets/ws1.xml", ws1_xml, 0 },
	};
	size_t n = 5;

	for (size_t i = 0; i < n; i++)
		if (name && !strcmp(p[i].name, name)) {
			if (xml) {
				p[i].data = xml;
			} else {
				p[i] = p[n - 1];
				n--;
			}
		}
	return zip_build(p, n, 1, len);
}

static void test_cell_kinds(void)
{
	size_t len;
	unsigned char *z = book_with(NULL, NULL, &len);
	struct ty_book *b = NULL;
	tyche_error err = { 0 };
	int rc = ty_xlsx_read_mem("k.xlsx", z, len, &b, &err);
	struct ty_table *t;

	ok(rc == 0, "cell kinds: workbook loads (%s: %s)", err.where, err.msg);
	if (rc) {
		free(z);
		return;
	}
	ok(b->nsheets == 2, "two sheets");
	IS_STR(b->sheets[0]->sheet, "first", "sheet order from workbook.xml, not file names");
	IS_STR(b->sheets[1]->sheet, "second", "second sheet name");
	t = ty_book_sheet(b, "first");
	ok(t == b->sheets[0] && !ty_book_sheet(b, "third"), "ty_book_sheet finds by name");
	IS_STR(t->source, "k.xlsx", "source = workbook");
	ok(t->ncols == 3, "3 columns (got %zu)", t->ncols);
	ok(t->nrows == 8, "blank rows 4 and 10 dropped: 8 data rows (got %zu)", t->nrows);
	if (t->ncols == 3 && t->nrows == 8) {
		static const char *const want[8][3] = {
			{ "rich text", "1500000", "rich" },
			{ "inline", "0.07", "" },
			{ "TRUE", "FALSE", "" },
			{ "1500000.07", "ab", "" },
			{ "padded & escaped <x>", "", "0012" },
			{ "44927", "#N/A", "1000.0" },
			{ "1e-05", "1.2345678901234568e+16", "0" },
			{ "no-ref", "2.5", "" },
		};
		static const unsigned lines[8] = { 2, 3, 5, 6, 7, 8, 9, 11 };

		IS_STR(t->header[0], "Name", "header: shared string");
		IS_STR(t->header[2], "Kind", "header: inline string");
		for (size_t r = 0; r < 8; r++) {
			for (size_t c = 0; c < 3; c++)
				IS_STR(ty_table_cell(t, r, c), want[r][c], "cell row %zu col %zu", r, c);
			ok(t->line[r] == lines[r], "row %zu is Excel row %u (got %u)", r, lines[r], t->line[r]);
		}
	}
	t = ty_book_sheet(b, "second");
	ok(t && t->ncols == 1 && t->nrows == 1 && !strcmp(t->header[0], "X") &&
	   !strcmp(ty_table_cell(t, 0, 0), "3"), "second sheet through absolute-less target");
	ty_book_free(b);
	free(z);
}

/* Replace one part and expect a TYCHE_EDATA whose location and message
 * contain the given strings. */
static void expect_fail(const char *what, const unsigned char *z, size_t len,
			const char *where_has, const char *msg_has)
{
	struct ty_book *b = NULL;
	tyche_error err = { 0 };
	int rc = ty_xlsx_read_mem("h.xlsx", z, len, &b, &err);

	ok(rc == TYCHE_EDATA && !b, "%s: fails with TYCHE_EDATA (rc %d)", what, rc);
	ok(strstr(err.where, where_has) != NULL, "%s: where '%s' has '%s'", what, err.where, where_has);
	ok(strstr(err.msg, msg_has) != NULL, "%s: message '%s' has '%s'", what, err.msg, msg_has);
	ty_book_free(b);
}

static void fail_part(const char *what, const char *part, const char *xml,
		      const char *where_has, const char *msg_has)
{
	size_t len;
	unsigned char *z = book_with(part, xml, &len);

	expect_fail(what, z, len, where_has, msg_has);
	free(z);
}

static void test_hostile(void)
{
	size_t len;
	unsigned char *z;
	char deep[4096];
	size_t k = 0;

	expect_fail("not a zip", (const unsigned char *)"Name,Value\na,1\n", 15,
		    "h.xlsx", "not a zip");
	/* truncated archive: the first 60% of a real one */
	z = book_with(NULL, NULL, &len);
	expect_fail("truncated", z, len * 6 / 10, "h.xlsx", "zip");
	/* every byte of the central directory corrupted */
	free(z);

	fail_part("missing sheet XML", "xl/worksheets/ws9.xml", NULL, "h.xlsx:first",
		  "worksheet part xl/worksheets/ws9.xml is missing");
	fail_part("missing workbook.xml", "xl/workbook.xml", NULL, "h.xlsx", "no xl/workbook.xml");
	fail_part("doctype + entities", "xl/worksheets/ws9.xml",
		  "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		  "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
		  "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&lol2;</t></is></c></row>"
		  "</sheetData></worksheet>", "h.xlsx:first", "DOCTYPE");
	k += (size_t)snprintf(deep + k, sizeof deep - k, "<worksheet>");
	for (int i = 0; i < 100; i++)
		k += (size_t)snprintf(deep + k, sizeof deep - k, "<a>");
	fail_part("deep XML", "xl/worksheets/ws9.xml", deep, "h.xlsx:first", "nested deeper than 64");
	fail_part("malformed XML", "xl/worksheets/ws9.xml", "<worksheet><sheetData></row>",
		  "h.xlsx:first", "malformed XML in xl/worksheets/ws9.xml at line 1");
	fail_part("bad number", "xl/worksheets/ws9.xml",
		  "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"str\"><v>x</v></c></row>"
		  "<row r=\"17\"><c r=\"E17\"><v>12abc</v></c></row></sheetData></worksheet>",
		  "h.xlsx:first!E17", "number cell holds '12abc'");
	fail_part("shared index out of range", "xl/worksheets/ws9.xml",
		  "<worksheet><sheetData><row r=\"3\"><c r=\"B3\" t=\"s\"><v>99</v></c></row>"
		  "</sheetData></worksheet>", "h.xlsx:first!B3", "out of range");
	fail_part("bad boolean", "xl/worksheets/ws9.xml",
		  "<worksheet><sheetData><row r=\"2\"><c r=\"C2\" t=\"b\"><v>7</v></c></row>"
		  "</sheetData></worksheet>", "h.xlsx:first!C2", "expected 0 or 1");
	fail_part("bad reference", "xl/worksheets/ws9.xml",
		  "<worksheet><sheetData><row r=\"2\"><c r=\"XFE2\"><v>1</v></c></row>"
		  "</sheetData></worksheet>", "h.xlsx:first", "'XFE2' is malformed");
	fail_part("duplicate cell", "xl/worksheets/ws9.xml",
		  "<worksheet><sheetData><row r=\"2\"><c r=\"D2\"><v>1</v></c><c r=\"D2\"><v>2</v></c></row>"
		  "</sheetData></worksheet>", "h.xlsx:first!D2", "given twice");
	fail_part("unknown rel", "xl/_rels/workbook.xml.rels",
		  "<Relationships><Relationship Id=\"rIdA\" Target=\"worksheets/ws1.xml\"/></Relationships>",
		  "h.xlsx", "relationship 'rIdB'");
	fail_part("two sheets, one part", "xl/_rels/workbook.xml.rels",
		  "<Relationships><Relationship Id=\"rIdA\" Target=\"worksheets/ws1.xml\"/>"
		  "<Relationship Id=\"rIdB\" Target=\"/xl/worksheets/ws1.xml\"/></Relationships>",
		  "h.xlsx", "both point to xl/worksheets/ws1.xml");
	{
		/* a long string: over the 1 MiB cap */
		size_t n = (2u << 20) + 200;
		char *big = malloc(n);
		size_t off = (size_t)snprintf(big, n, "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>");

		memset(big + off, 'x', n - off - 100);
		snprintf(big + n - 100, 100, "</t></is></c></row></sheetData></worksheet>");
		fail_part("huge string", "xl/worksheets/ws9.xml", big, "h.xlsx:first", "longer than");
		free(big);
	}
	{
		/* zip bomb by ratio: 40 MiB of blanks deflate to ~40 KiB */
		struct part p[3] = {
			{ "xl/workbook.xml", wb_xml, 0 },
			{ "xl/_rels/workbook.xml.rels", rels_xml, 0 },
			{ "xl/sharedStrings.xml", NULL, 40u << 20 },
		};
		clock_t t0 = clock();

		z = zip_build(p, 3, 1, &len);
		ok(len < (1u << 20), "bomb is small (%zu bytes)", len);
		t0 = clock();
		expect_fail("bomb by ratio", z, len, "h.xlsx", "zip bomb");
		ok((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0, "bomb stopped quickly");
		free(z);
	}
	{
		/* huge declared size: patch the sizes in both headers */
		struct part p[3] = {
			{ "xl/workbook.xml", wb_xml, 0 },
			{ "xl/_rels/workbook.xml.rels", rels_xml, 0 },
			{ "xl/sharedStrings.xml", sst_xml, 0 },
		};
		int patched = 0;

		z = zip_build(p, 3, 0, &len);
		for (size_t i = 0; i + 46 < len; i++) {
			if (!memcmp(z + i, "PK\001\002", 4) && !memcmp(z + i + 46, "xl/sharedStrings.xml", 20)) {
				memcpy(z + i + 24, "\xf0\xff\xff\x7f", 4);
				patched++;
			}
			if (!memcmp(z + i, "PK\003\004", 4) && !memcmp(z + i + 30, "xl/sharedStrings.xml", 20)) {
				memcpy(z + i + 22, "\xf0\xff\xff\x7f", 4);
				patched++;
			}
		}
		ok(patched >= 1, "declared size patched (%d headers)", patched);
		expect_fail("huge declared size", z, len, "h.xlsx", "declares");
		free(z);
	}
	{
		/* too many entries */
		size_t n = 10010;
		struct part *p = calloc(n, sizeof(*p));
		char (*names)[32] = calloc(n, 32);

		for (size_t i = 0; i < n; i++) {
			snprintf(names[i], 32, "x/%zu", i);
			p[i].name = names[i];
			p[i].data = "";
		}
		p[0].name = "xl/workbook.xml";
		p[0].data = wb_xml;
		z = zip_build(p, n, 0, &len);
		expect_fail("too many entries", z, len, "h.xlsx", "more than 10000 entries");
		free(z);
		free(p);
		free(names);
	}
}

/* ---- the reference workbooks vs their CSV export ---- */

static const char *const contexts[] = {
	"pv-residential-large", "pv-residential-simple", "simple-electrolysis",
	"transport-model", "tutorial-basic", "tutorial-biorefinery", "utility-pv",
};
static const char *const sheets[] = {
	"designs", "parameters", "indices", "functions", "results", "tranches", "investments",
};

static int same_table(const struct ty_table *x, const struct ty_table *c, char *why, size_t n)
{
	if (x->ncols != c->ncols || x->nrows != c->nrows) {
		snprintf(why, n, "xlsx %zux%zu, csv %zux%zu", x->nrows, x->ncols, c->nrows, c->ncols);
		return 0;
	}
	for (size_t j = 0; j < x->ncols; j++)
		if (strcmp(x->header[j], c->header[j])) {
			snprintf(why, n, "header %zu: '%s' vs '%s'", j, x->header[j], c->header[j]);
			return 0;
		}
	for (size_t i = 0; i < x->nrows; i++)
		for (size_t j = 0; j < x->ncols; j++)
			if (strcmp(ty_table_cell(x, i, j), ty_table_cell(c, i, j))) {
				char where[512];
				int l, cc;

				ty_table_loc(x, i, j, where, &l, &cc);
				snprintf(why, n, "%s: '%.80s' vs csv '%.80s'", where,
					 ty_table_cell(x, i, j), ty_table_cell(c, i, j));
				return 0;
			}
	snprintf(why, n, "%zu rows", x->nrows);
	return 1;
}

static void test_reference(const char *ref)
{
	char path[4096], why[1024];

	for (size_t i = 0; i < TY_ARRAY_SIZE(contexts); i++) {
		struct ty_book *b = NULL;
		tyche_error err = { 0 };
		int rc;

		snprintf(path, sizeof path, "%s/tyche-xlsx/%s.xlsx", ref, contexts[i]);
		rc = ty_xlsx_read(path, &b, &err);
		ok(rc == 0, "%s.xlsx loads (%s: %s)", contexts[i], err.where, err.msg);
		if (rc)
			continue;
		ok(b->nsheets == 7, "%s: 7 sheets (got %zu)", contexts[i], b->nsheets);
		for (size_t s = 0; s < TY_ARRAY_SIZE(sheets); s++) {
			struct ty_table *x = ty_book_sheet(b, sheets[s]), *c = NULL;

			snprintf(path, sizeof path, "%s/tyche/%s/%s.csv", ref, contexts[i], sheets[s]);
			rc = ty_csv_read(path, &c, &err);
			if (!x || rc) {
				ok(0, "%s:%s present in both forms", contexts[i], sheets[s]);
			} else {
				ok(same_table(x, c, why, sizeof why), "%s:%s xlsx == csv (%s)",
				   contexts[i], sheets[s], why);
			}
			ty_table_free(c);
		}
		ty_book_free(b);
	}
}

static void test_number_forms(void)
{
	/* openpyxl: integer literal -> int; anything else -> float repr */
	static const char *const cases[][2] = {
		{ "0", "0" }, { "-12", "-12" }, { "+7", "7" }, { "007", "7" },
		{ "123456789012345678901234", "123456789012345678901234" },
		{ "0.1", "0.1" }, { "1.0", "1.0" }, { "2.5E-3", "0.0025" }, { "1E-4", "0.0001" },
		{ "4.4900000000000002E-4", "0.000449" }, { "1E16", "1e+16" },
		{ "9999999999999998.0", "9999999999999998.0" }, { "1.5E+300", "1.5e+300" },
		{ "-3.3300000000000003E-5", "-3.33e-05" }, { "18.079999999999998", "18.08" },
		{ "0.59299999999999997", "0.593" }, { "-0.0", "-0.0" },
		{ "123456789.123", "123456789.123" }, { "1e22", "1e+22" },
		{ "3.0000000000000004E-1", "0.30000000000000004" }, { "1.7976931348623157E308", "1.7976931348623157e+308" },
	};
	char xml[8192];
	size_t k = 0;

	k += (size_t)snprintf(xml + k, sizeof xml - k,
			      "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>N</t></is></c></row>");
	for (size_t i = 0; i < TY_ARRAY_SIZE(cases); i++)
		k += (size_t)snprintf(xml + k, sizeof xml - k, "<row><c><v>%s</v></c></row>", cases[i][0]);
	snprintf(xml + k, sizeof xml - k, "</sheetData></worksheet>");
	{
		size_t len;
		unsigned char *z = book_with("xl/worksheets/ws9.xml", xml, &len);
		struct ty_book *b = NULL;
		tyche_error err = { 0 };
		struct ty_table *t;

		ok(ty_xlsx_read_mem("n.xlsx", z, len, &b, &err) == 0, "numbers load (%s)", err.msg);
		t = ty_book_sheet(b, "first");
		if (t && t->nrows == TY_ARRAY_SIZE(cases))
			for (size_t i = 0; i < TY_ARRAY_SIZE(cases); i++)
				IS_STR(ty_table_cell(t, i, 0), cases[i][1], "number %s", cases[i][0]);
		else
			ok(0, "numbers sheet has %zu rows", TY_ARRAY_SIZE(cases));
		ty_book_free(b);
		free(z);
	}
}

int main(void)
{
	const char *ref = tap_shared_reference();

	test_cell_kinds();
	test_number_forms();
	test_hostile();
	if (ref)
		test_reference(ref);
	else
		ok(1, "# SKIP ../shared/reference absent: reference workbooks not compared");
	return tap_done();
}
