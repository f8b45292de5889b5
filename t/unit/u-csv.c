/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * u-csv.c - the RFC 4180 reader (lib/csv.c) and the table helpers.
 *
 * Every error case checks the exact location and message, not just a
 * non-zero code: a reader that fails for the wrong reason (or at the wrong
 * line) passes a "must fail" test and still misleads the modeller.  Line
 * numbers are those of the line where a record STARTS, which differs from
 * the current line as soon as a quoted field holds a newline.  Run under
 * SANITIZE=1 too: the failure paths are where leaks hide.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "table.h"

#define IS_STR(...) ((void)(is_str(__VA_ARGS__)))

static struct ty_table *parse_n(const char *data, size_t len, tyche_error *err)
{
	struct ty_table *t = NULL;

	memset(err, 0, sizeof *err);
	if (ty_csv_parse("t.csv", data, len, &t, err))
		return NULL;
	return t;
}

static struct ty_table *parse(const char *data, tyche_error *err)
{
	return parse_n(data, strlen(data), err);
}

/* "line:col: msg" of a failed parse, for exact comparison. */
static const char *fail(const char *data, size_t len)
{
	static char buf[1200];
	tyche_error e;
	struct ty_table *t = parse_n(data, len, &e);

	if (t) {
		ty_table_free(t);
		return "(parsed)";
	}
	snprintf(buf, sizeof buf, "%d %s:%d:%d: %s", e.code, e.where, e.line, e.col, e.msg);
	return buf;
}
#define FAIL(s) fail((s), sizeof(s) - 1)

static void test_quoted(void)
{
	tyche_error e;
	struct ty_table *t = parse("Name,Value,Note\n"
				   "\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
				   "c,2,\"x\n\ny\"\n"
				   "d,3,\n", &e);

	ok(t != NULL, "quoted fields parse");
	if (!t)
		return;
	ok(t->ncols == 3 && t->nrows == 3, "3 columns, 3 rows (got %zu, %zu)", t->ncols, t->nrows);
	IS_STR(ty_table_cell(t, 0, 0), "a, b", "embedded comma kept");
	IS_STR(ty_table_cell(t, 0, 1), "say \"hi\"", "doubled quote is one quote");
	IS_STR(ty_table_cell(t, 0, 2), "two\nlines", "embedded newline kept");
	IS_STR(ty_table_cell(t, 1, 2), "x\n\ny", "embedded blank line kept");
	ok(t->line[0] == 2 && t->line[1] == 4 && t->line[2] == 7,
	   "row lines are where records start: 2 4 7 (got %u %u %u)",
	   t->line[0], t->line[1], t->line[2]);
	ty_table_free(t);

	/* quoted blanks are data, unquoted ones are trimmed */
	t = parse("A,B\n  x  ,\"  y  \"\n", &e);
	ok(t && !strcmp(ty_table_cell(t, 0, 0), "x") && !strcmp(ty_table_cell(t, 0, 1), "  y  "),
	   "unquoted cells are trimmed, quoted ones are not");
	ty_table_free(t);
	t = parse("A,B\n\"x\"  ,y\n", &e);
	ok(t && !strcmp(ty_table_cell(t, 0, 0), "x"), "blanks after a closing quote are allowed");
	ty_table_free(t);
}

static void test_line_ends(void)
{
	tyche_error e;
	struct ty_table *t;

	t = parse("A,B\r\n1,2\r\n\"3\r\n4\",5\r\n6,7\r\n", &e);
	ok(t && t->nrows == 3, "CRLF file parses");
	if (t) {
		IS_STR(t->header[1], "B", "no CR left in the last header name");
		IS_STR(ty_table_cell(t, 0, 1), "2", "no CR left in the last cell");
		IS_STR(ty_table_cell(t, 1, 0), "3\r\n4", "quoted CRLF kept as is");
		ok(t->line[0] == 2 && t->line[1] == 3 && t->line[2] == 5,
		   "CRLF row lines 2 3 5 (got %u %u %u)", t->line[0], t->line[1], t->line[2]);
	}
	ty_table_free(t);

	/* classic Mac: CR only, also inside quotes */
	t = parse("A,B\r1,2\r\"x\ry\",3\r4,5", &e);
	ok(t && t->nrows == 3, "CR-only file parses");
	if (t)
		ok(t->line[0] == 2 && t->line[1] == 3 && t->line[2] == 5,
		   "CR-only row lines 2 3 5, a quoted CR counts (got %u %u %u)",
		   t->line[0], t->line[1], t->line[2]);
	ty_table_free(t);
	IS_STR(FAIL("A,B\r\"x\ry\",3\r4,5,6\r"),
	       "1 t.csv:4:3: value '6' beyond the last column (the header has 2 columns)",
	       "CR-only: an error after a quoted CR names the right line");

	t = parse("A,B\n1,2", &e);
	ok(t && t->nrows == 1 && !strcmp(ty_table_cell(t, 0, 1), "2"),
	   "no newline at end of file");
	ty_table_free(t);
}

static void test_bom(void)
{
	tyche_error e;
	struct ty_table *t = parse("\xEF\xBB\xBFTechnology,Value\nx,1\n", &e);

	ok(t && !strcmp(t->header[0], "Technology"), "a UTF-8 BOM is skipped");
	ok(t && ty_table_col(t, "Technology") == 0, "the first column is found by name after a BOM");
	ty_table_free(t);
	IS_STR(FAIL("\xEF\xBBTechnology,Value\nx,1\n"),
	       "1 t.csv:1:1: invalid UTF-8 byte 0xEF, expected UTF-8 text (save the file as CSV UTF-8)",
	       "a truncated BOM is an invalid UTF-8 error");
	IS_STR(FAIL("\xEF\xBB"),
	       "1 t.csv:1:1: invalid UTF-8 byte 0xEF, expected UTF-8 text (save the file as CSV UTF-8)",
	       "a file that is only a truncated BOM");
	t = parse("\xEF\xBB\xBF", &e);
	ok(!t && e.code == TYCHE_EDATA && !strcmp(e.msg, "empty file, expected a header row"),
	   "a file that is only a BOM is empty");
	ty_table_free(t);
}

static void test_utf8(void)
{
	tyche_error e;
	struct ty_table *t = parse("Name,Unit\n\xC3\xA9t\xC3\xA9,\xE2\x82\xAC/kWh\n\xF0\x9F\x94\x8B,\xCE\xBC" "g\n", &e);

	ok(t && t->nrows == 2 && !strcmp(ty_table_cell(t, 0, 1), "\xE2\x82\xAC/kWh"),
	   "2-, 3- and 4-byte UTF-8 sequences are accepted");
	ty_table_free(t);
	IS_STR(FAIL("Name,Unit\ncaf\xE9,x\n"),
	       "1 t.csv:2:1: invalid UTF-8 byte 0xE9, expected UTF-8 text (save the file as CSV UTF-8)",
	       "a Latin-1 byte is located");
	IS_STR(FAIL("Name,Unit\na,\"one\ntwo \xFF\"\n"),
	       "1 t.csv:3:2: invalid UTF-8 byte 0xFF, expected UTF-8 text (save the file as CSV UTF-8)",
	       "in a multi-line quoted field, the bad byte's own line");
	IS_STR(FAIL("A\n\xC0\xAF\n"),
	       "1 t.csv:2:1: invalid UTF-8 byte 0xC0, expected UTF-8 text (save the file as CSV UTF-8)",
	       "an overlong encoding is refused");
	IS_STR(FAIL("A\n\xED\xA0\x80\n"),
	       "1 t.csv:2:1: invalid UTF-8 byte 0xED, expected UTF-8 text (save the file as CSV UTF-8)",
	       "a UTF-16 surrogate is refused");
	IS_STR(FAIL("A\n\xF4\x90\x80\x80\n"),
	       "1 t.csv:2:1: invalid UTF-8 byte 0xF4, expected UTF-8 text (save the file as CSV UTF-8)",
	       "a code point past U+10FFFF is refused");
	IS_STR(FAIL("A\nx\xE2\x82"),
	       "1 t.csv:2:1: invalid UTF-8 byte 0xE2, expected UTF-8 text (save the file as CSV UTF-8)",
	       "a sequence cut by the end of file is refused");
}

static void test_blank_rows_cols(void)
{
	tyche_error e;
	struct ty_table *t = parse("A,B,,\n1,2,,\n\n ,  ,\n3,4\n,,,\n\n\n", &e);

	ok(t != NULL, "blank rows and columns parse");
	if (!t)
		return;
	ok(t->ncols == 2, "blank trailing header columns dropped (ncols %zu)", t->ncols);
	ok(t->nrows == 2, "blank rows dropped (nrows %zu)", t->nrows);
	ok(t->nrows == 2 && t->line[1] == 5, "a blank row still counts for line numbers (line %u)",
	   t->nrows == 2 ? t->line[1] : 0);
	ty_table_free(t);

	t = parse("A,B,C,Extra\n1,2\n", &e);
	ok(t && t->ncols == 4 && ty_table_col(t, "Extra") == 3, "unknown extra columns are kept");
	ok(t && !strcmp(ty_table_cell(t, 0, 3), ""), "a short row is padded with empty cells");
	ty_table_free(t);

	/* a blank-named column with data in it is kept */
	t = parse("A,\n1,2\n", &e);
	ok(t && t->ncols == 2 && !strcmp(ty_table_cell(t, 0, 1), "2"),
	   "a column without a name but with data is kept");
	ty_table_free(t);

	/* found by fuzz-csv: a quoted blank header name is blank too */
	IS_STR(FAIL("\" \"  "), "1 t.csv:1:1: header row is empty, expected column names",
	       "a header of one quoted blank is empty");
	t = parse("A,\" \",\"\t\"\n1\n", &e);
	ok(t && t->ncols == 1, "quoted blank trailing header names are dropped (ncols %zu)",
	   t ? t->ncols : 0);
	ty_table_free(t);

	t = parse("A,B\n1,2,", &e);
	ok(t && t->ncols == 2 && t->nrows == 1, "a trailing comma at end of file is an empty field");
	ty_table_free(t);
}

static void test_errors(void)
{
	IS_STR(FAIL("A,B\n1,2\n3,4,5\n"),
	       "1 t.csv:3:3: value '5' beyond the last column (the header has 2 columns)",
	       "a value beyond the header's last column");
	IS_STR(FAIL("A,B\n1,\"x\ny\",9\n"),
	       "1 t.csv:2:3: value '9' beyond the last column (the header has 2 columns)",
	       "beyond-the-header error names the line where the record starts");
	IS_STR(FAIL("A,B\n1,2\n3,\"abc\ndef\n"),
	       "1 t.csv:3:2: unterminated quoted field (started here), expected a closing '\"'",
	       "unterminated quote at EOF is located at the quote's line");
	IS_STR(FAIL("A,B\n\"x\"y,2\n"),
	       "1 t.csv:2:1: unexpected 'y' after closing quote, expected ',' or end of line",
	       "text after a closing quote");
	IS_STR(FAIL("A,B\n1,\"x\"\x01\n"),
	       "1 t.csv:2:2: unexpected byte 0x01 after closing quote, expected ',' or end of line",
	       "a control byte after a closing quote is shown as hex");
	IS_STR(FAIL("A,B\n1,x\0y\n"),
	       "1 t.csv:2:2: NUL byte in field, expected text",
	       "NUL byte in an unquoted field");
	IS_STR(FAIL("A,B\n1,\"a\nb\0\"\n"),
	       "1 t.csv:3:2: NUL byte in field, expected text",
	       "NUL byte in a quoted field: its own line");
	IS_STR(FAIL(""), "1 t.csv:1:0: empty file, expected a header row", "empty file");
	IS_STR(FAIL("\n\n"), "1 t.csv:1:1: header row is empty, expected column names",
	       "a file of blank lines");
}

static void test_header_only(void)
{
	tyche_error e;
	struct ty_table *t = parse("Technology,Value\n", &e);

	ok(t && t->ncols == 2 && t->nrows == 0, "a header-only file is a table with no rows");
	ty_table_free(t);
	t = parse("Technology,Value", &e);
	ok(t && t->ncols == 2 && t->nrows == 0, "a header-only file without a newline");
	ty_table_free(t);
}

static void test_caps(void)
{
	size_t n = TY_MAX_FIELD_BYTES + 64;
	char *big = malloc(n + 16);
	struct ty_buf b = TY_BUF_INIT;
	tyche_error e;
	struct ty_table *t;

	/* unquoted, then quoted, field one byte over the cap */
	memcpy(big, "A\n", 2);
	memset(big + 2, 'x', TY_MAX_FIELD_BYTES + 1);
	big[2 + TY_MAX_FIELD_BYTES + 1] = '\n';
	t = parse_n(big, TY_MAX_FIELD_BYTES + 4, &e);
	ok(!t && e.code == TYCHE_EDATA && e.line == 2 && e.col == 1 &&
	   !strcmp(e.msg, "field longer than 1048576 bytes"), "unquoted field over the cap: %s", e.msg);
	ty_table_free(t);
	memcpy(big, "A\n\"", 3);
	memset(big + 3, 'x', n - 3);
	big[2 + TY_MAX_FIELD_BYTES / 2] = '\n';
	big[n] = '"';
	t = parse_n(big, n + 1, &e);
	ok(!t && e.code == TYCHE_EDATA && e.line == 2 && e.col == 1 &&
	   !strcmp(e.msg, "field longer than 1048576 bytes"),
	   "quoted multi-line field over the cap, located at its start: %d %s", e.line, e.msg);
	ty_table_free(t);
	/* exactly at the cap is fine */
	memcpy(big, "A\n", 2);
	memset(big + 2, 'y', TY_MAX_FIELD_BYTES);
	t = parse_n(big, TY_MAX_FIELD_BYTES + 2, &e);
	ok(t && strlen(ty_table_cell(t, 0, 0)) == TY_MAX_FIELD_BYTES, "a field of exactly the cap is read");
	ty_table_free(t);
	free(big);

	for (unsigned c = 0; c < TY_MAX_COLS; c++)
		ty_buf_addf(&b, "%sc%u", c ? "," : "", c);
	ty_buf_adds(&b, "\n");
	t = parse_n(b.p, b.len, &e);
	ok(t && t->ncols == TY_MAX_COLS, "exactly %u columns are read", TY_MAX_COLS);
	ok(t && ty_table_col(t, "c4095") == 4095, "the last of them is found by name");
	ty_table_free(t);
	b.len--;
	ty_buf_adds(&b, ",one-too-many\n");
	t = parse_n(b.p, b.len, &e);
	ok(!t && e.code == TYCHE_EDATA && e.line == 1 && e.col == 4097 &&
	   !strcmp(e.msg, "more than 4096 columns"), "more than TY_MAX_COLS columns: %d:%d %s",
	   e.line, e.col, e.msg);
	ty_table_free(t);
	/* in a data row, located at the row */
	ty_buf_release(&b);
	ty_buf_adds(&b, "A\n1\n");
	for (unsigned c = 0; c <= TY_MAX_COLS; c++)
		ty_buf_adds(&b, ",");
	ty_buf_adds(&b, "\n");
	t = parse_n(b.p, b.len, &e);
	ok(!t && e.line == 3 && !strcmp(e.msg, "more than 4096 columns"),
	   "a row of 4097 empty fields is refused at its line (%d)", e.line);
	ty_table_free(t);
	ty_buf_release(&b);

	/* rows: the cap is exact and the message is located */
	for (unsigned r = 0; r <= TY_MAX_ROWS + 1; r++)
		ty_buf_adds(&b, "x\n");
	t = parse_n(b.p, 2 * (TY_MAX_ROWS + 1), &e);
	ok(t && t->nrows == TY_MAX_ROWS, "a header and %u rows are read", TY_MAX_ROWS);
	ty_table_free(t);
	t = parse_n(b.p, b.len, &e);
	ok(!t && e.code == TYCHE_EDATA && e.line == (int)TY_MAX_ROWS + 2 &&
	   !strcmp(e.msg, "more than 2000000 rows"), "one row more is refused: %d %s", e.line, e.msg);
	ty_table_free(t);
	ty_buf_release(&b);
}

static void test_loc_col(void)
{
	tyche_error e;
	struct ty_table *t = parse("Technology, Value ,Units\n\na,\"1\n2\",kg\nb,3,t\n", &e);
	char where[512];
	int line = -1, col = -1;

	ok(t != NULL, "table for ty_table_loc");
	if (!t)
		return;
	ok(ty_table_col(t, "Value") == 1, "ty_table_col: header names are trimmed");
	ok(ty_table_col(t, "Units") == 2, "ty_table_col: the last column");
	ok(ty_table_col(t, "value") == -1, "ty_table_col: the match is case-sensitive");
	ok(ty_table_col(t, "Notes") == -1, "ty_table_col: a missing column is -1");
	ty_table_loc(t, 1, 2, where, &line, &col);
	ok(!strcmp(where, "t.csv") && line == 5 && col == 3,
	   "CSV loc: path, source line, 1-based column (%s %d %d)", where, line, col);
	ty_table_loc(t, (size_t)-1, 0, where, &line, &col);
	ok(!strcmp(where, "t.csv") && line == 1 && col == 1, "CSV loc of the header row");

	/* the same table, named as a worksheet of a workbook */
	free(t->source);
	t->source = ty_strdup("book.xlsx");
	t->sheet = ty_strdup("designs");
	t->line[0] = 17;
	ty_table_loc(t, 0, 4, where, &line, &col);
	ok(!strcmp(where, "book.xlsx:designs!E17") && line == 0 && col == 0,
	   "xlsx loc: book.xlsx:designs!E17 (got %s %d %d)", where, line, col);
	ty_table_loc(t, (size_t)-1, 27, where, &line, &col);
	IS_STR(where, "book.xlsx:designs!AB1", "xlsx loc: header row, two-letter column");
	ty_table_loc(t, 0, 16383, where, &line, &col);
	IS_STR(where, "book.xlsx:designs!XFD17", "xlsx loc: the last Excel column");
	ty_table_free(t);
}

static void test_read_file(void)
{
	char dir[] = "/tmp/u-csv.XXXXXX";
	char path[600], link[600], fifo[600];
	struct ty_table *t = NULL;
	tyche_error e = { 0 };
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof path, "%s/designs.csv", dir);
	snprintf(link, sizeof link, "%s/dangling.csv", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo.csv", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("A,B\n1,2\n", f);
		fclose(f);
	}
	ok(ty_csv_read(path, &t, &e) == 0 && t && !strcmp(t->source, path) && t->nrows == 1,
	   "ty_csv_read reads a file and names it");
	ty_table_free(t);
	t = NULL;
	ok(ty_csv_read(dir, &t, &e) == TYCHE_EIO && !t &&
	   !strcmp(e.msg, "is a directory, expected a file"), "a directory: %s", e.msg);
	ok(symlink("/nonexistent/x.csv", link) == 0, "make a dangling symlink");
	ok(ty_csv_read(link, &t, &e) == TYCHE_ENOENT && !t && !strcmp(e.where, link),
	   "a dangling symlink is ENOENT: %s", e.msg);
	ok(mkfifo(fifo, 0600) == 0, "make a FIFO");
	/* before ty_read_file opened with O_NONBLOCK, this blocked forever */
	alarm(10);
	ok(ty_csv_read(fifo, &t, &e) == TYCHE_EIO && !t &&
	   !strcmp(e.msg, "is not a regular file (a FIFO, socket or device), expected a file"),
	   "a FIFO is refused without blocking: %s", e.msg);
	alarm(0);
	unlink(fifo);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_quoted();
	test_line_ends();
	test_bom();
	test_utf8();
	test_blank_rows_cols();
	test_errors();
	test_header_only();
	test_caps();
	test_loc_col();
	test_read_file();
	return tap_done();
}
