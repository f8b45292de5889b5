/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-xlsx.c - libFuzzer target for the .xlsx reader (ty_xlsx_read_mem).
 *
 * Two input forms, chosen by the first byte:
 *   'X' + parts separated by NUL bytes: sheet XML, sharedStrings, workbook,
 *       rels; the harness zips them (stored, libarchive) with defaults for
 *       empty or absent parts.  Mutating raw zip bytes almost never gets
 *       past the deflate layer, so this form is what reaches the XML code.
 *   anything else: the bytes are the zip itself (container, truncation and
 *       central-directory bugs).
 * The seed corpus (corpus-xlsx/) holds readable 'X' inputs only.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[4] = {
	"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
	"xl/_rels/workbook.xml.rels",
};
static const char *const defaults[4] = {
	"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
	"<sst><si><t>x</t></si></sst>",
	"<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	"<sheets><sheet name=\"s\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
	"<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>",
};

static void read_and_free(const void *zip, size_t len)
{
	struct ty_book *b = NULL;
	tyche_error err = { 0 };

	if (ty_xlsx_read_mem("f.xlsx", zip, len, &b, &err) == 0) {
		/* touch every cell so a bad table layout shows under ASan */
		size_t sum = 0;

		for (size_t s = 0; s < b->nsheets; s++) {
			const struct ty_table *t = b->sheets[s];

			for (size_t c = 0; c < t->ncols; c++)
				sum += strlen(t->header[c]);
			for (size_t i = 0; i < t->nrows * t->ncols; i++)
				sum += strlen(t->cells[i]);
			for (size_t r = 0; r < t->nrows; r++)
				sum += t->line[r];
		}
		if (sum == (size_t)-1)
			abort();
	} else if (!err.msg[0]) {
		abort();   /* every failure must say why */
	}
	ty_book_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[4] = { 0 };
	size_t plen[4] = { 0 }, cap, used = 0;
	unsigned char *zip;
	struct archive *a;

	if (size > (1u << 20))
		return 0;
	if (!size || data[0] != 'X') {
		read_and_free(data, size);
		return 0;
	}
	{
		size_t k = 0, start = 1;

		for (size_t i = 1; i <= size && k < 4; i++)
			if (i == size || data[i] == 0) {
				part[k] = data + start;
				plen[k] = i - start;
				k++;
				start = i + 1;
			}
	}
	cap = size + 8192;
	zip = malloc(cap);
	if (!zip)
		return 0;
	a = archive_write_new();
	archive_write_set_format_zip(a);
	archive_write_set_options(a, "zip:compression=store");
	archive_write_open_memory(a, zip, cap, &used);
	for (int i = 0; i < 4; i++) {
		struct archive_entry *e = archive_entry_new();
		const void *p = plen[i] ? (const void *)part[i] : defaults[i];
		size_t n = plen[i] ? plen[i] : strlen(defaults[i]);

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)n);
		archive_write_header(a, e);
		archive_write_data(a, p, n);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	read_and_free(zip, used);
	free(zip);
	return 0;
}
