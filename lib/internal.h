/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * internal.h - macros and helpers shared by lib/ files; never installed.
 * Including it bans the string functions that overflow silently.
 */
#ifndef TY_INTERNAL_H
#define TY_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "tyche.h"

#define TY_HIDDEN __attribute__((visibility("hidden")))
#define TY_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TY_ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

/* Caps on what grows from input (the CGI reads untrusted files). */
#define TY_MAX_FILE_BYTES (64u << 20)  /* one CSV table or model file */
#define TY_MAX_FIELD_BYTES (1u << 20)  /* one CSV field */
#define TY_MAX_ROWS 2000000u
#define TY_MAX_COLS 4096u
#define TY_MAX_DIAGS 1000u             /* kept per tyche_diags; the rest counted */

/* Fill *err (if not NULL) and return code. */
TY_HIDDEN int ty_error_at(tyche_error *err, int code, const char *where,
			  int line, int col, const char *fmt, ...) TY_PRINTF(6, 7);
TY_HIDDEN int ty_error_v(tyche_error *err, int code, const char *where,
			 int line, int col, const char *fmt, va_list ap);
/* Append a diagnostic; returns TYCHE_EDATA for errors, 0 for warnings. */
TY_HIDDEN int ty_diag_add(tyche_diags *d, int severity, const char *where,
			  int line, int col, const char *fmt, ...) TY_PRINTF(6, 7);
/* Append an error struct as a diagnostic. */
TY_HIDDEN void ty_diag_from_error(tyche_diags *d, const tyche_error *e);

/* Allocation that never returns NULL silently: on failure returns NULL and
 * the callers report TYCHE_ENOMEM. */
TY_HIDDEN void *ty_malloc(size_t n);
TY_HIDDEN void *ty_calloc(size_t n, size_t size);
TY_HIDDEN void *ty_realloc(void *p, size_t n);
TY_HIDDEN char *ty_strdup(const char *s);
TY_HIDDEN char *ty_strndup(const char *s, size_t n);
TY_HIDDEN char *ty_asprintf(const char *fmt, ...) TY_PRINTF(1, 2);

/* The process's work budget (lib/budget.c, public part in tyche.h):
 * 0 while there is budget left, else TYCHE_ETIMEOUT with a message that
 * names `what` was being done ("building the surface") and the budget.
 * Costs a clock read or two: call it per block of work, not per sample. */
TY_HIDDEN int ty_budget_check(tyche_error *err, const char *what);
/* 1 when the budget is spent (no message; for solver stop callbacks). */
TY_HIDDEN int ty_budget_spent(void);

/* Files (lib/fsutil.c).  mkdir -p: 0, or -1 with errno (ENOTDIR when a
 * component is not a folder).  Atomic write: data replaces dir/name (or
 * path) through a temp file named TY_TMP_PREFIX... beside it, created
 * O_EXCL|O_NOFOLLOW with `mode` and flock'ed while it exists; with sync
 * the file and the folder are fsync'ed.  A located TYCHE_EIO on failure,
 * and nothing is left behind.  The hook (tests only) runs just before the
 * rename. */
#include <sys/types.h>
#define TY_TMP_PREFIX ".tmp."
TY_HIDDEN int ty_mkdir_p(const char *dir, mode_t mode);
TY_HIDDEN int ty_write_atomic_at(int dfd, const char *dirpath, const char *name,
				 const void *data, size_t len, mode_t mode, int sync,
				 tyche_error *err);
TY_HIDDEN int ty_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			      int sync, tyche_error *err);
TY_HIDDEN extern void (*ty_before_rename_hook)(const char *tmp_path);

/* Read a whole file (at most max bytes; more is a located TYCHE_EDATA).
 * *out is NUL-terminated; *len excludes the NUL. */
/* A symbol to look up and the function pointer it goes to, as
 * TY_DYNSYM(table, f) writes it for a table member named f. */
struct ty_dynsym {
	const char *name;
	void **slot;
};
#define TY_DYNSYM(table, f) { #f, (void **)&(table).f },
/* Open the first of names that dlopen finds and look up every one of syms
 * into its slot (lib/dynlib.c): 0, or -1 with the reason in why. */
TY_HIDDEN int ty_dynlib_open(const char *const *names, size_t nnames,
			     const struct ty_dynsym *syms, size_t nsyms, char *why,
			     size_t whyn);
TY_HIDDEN int ty_read_file(const char *path, size_t max, char **out,
			   size_t *len, tyche_error *err);

/* Growable byte buffer. */
struct ty_buf {
	char *p;
	size_t len, cap;
	int oom;     /* sticky: an allocation failed */
};
#define TY_BUF_INIT { NULL, 0, 0, 0 }
TY_HIDDEN void ty_buf_add(struct ty_buf *b, const void *s, size_t n);
/* Room for n more bytes and a NUL at b->p + b->len (NULL when out of
 * memory); the caller writes there, then adds what it wrote to b->len and
 * puts the NUL. */
TY_HIDDEN char *ty_buf_room(struct ty_buf *b, size_t n);
TY_HIDDEN void ty_buf_adds(struct ty_buf *b, const char *s);
TY_HIDDEN void ty_buf_addf(struct ty_buf *b, const char *fmt, ...) TY_PRINTF(2, 3);
TY_HIDDEN void ty_buf_addc(struct ty_buf *b, char c);
TY_HIDDEN void ty_buf_release(struct ty_buf *b);
/* The one end of every writer: hand the whole buffer to w and release it;
 * TYCHE_ENOMEM when building it ran out of memory, TYCHE_EIO ("cannot
 * write the output") when w failed, else 0. */
TY_HIDDEN int ty_buf_deliver(struct ty_buf *b, tyche_write_fn w, void *arg, tyche_error *err);
/* Append s as one RFC 4180 CSV field (quoted only when needed) / as a
 * JSON string literal. */
TY_HIDDEN void ty_buf_csv(struct ty_buf *b, const char *s);
TY_HIDDEN void ty_buf_json_str(struct ty_buf *b, const char *s);
/* Detach the NUL-terminated string (the buffer is emptied). */
TY_HIDDEN char *ty_buf_detach(struct ty_buf *b);

/* Format a double so it reads back to the same value (shortest round trip);
 * NaN/inf as "NaN", "inf", "-inf".  buf must hold 32 bytes.  In
 * lib/fmt-double.c, whose header note gives the layout rules. */
TY_HIDDEN const char *ty_fmt_double(double v, char *buf);
/* ty_fmt_double's text at buf (32 bytes), NUL-terminated; its length. */
TY_HIDDEN size_t ty_fmt_double_len(double v, char *buf);
/* Exact check of the constants ty_fmt_double relies on (its power-of-ten
 * table and integer logarithms); 0, or -1 with a message in msg. */
TY_HIDDEN int ty_fmt_double_selfcheck(char *msg, size_t n);

/* Append v as ty_fmt_double writes it; in JSON (json != 0) a non-finite
 * value becomes the string "NaN", "inf" or "-inf" (JSON has no such
 * numbers).  The one number writer of every CSV and JSON output. */
TY_HIDDEN void ty_buf_num(struct ty_buf *b, double v, int json);

/* A JSON number item (cJSON) holding v as ty_fmt_double writes it (cJSON's
 * own printing may take a digit more), or null when v is not finite.
 * Returns a cJSON * (void * here so this header needs no cJSON.h). */
TY_HIDDEN void *ty_json_num(double v);

/* Strict number parser for data cells: decimal with optional sign, point
 * and exponent; no inf/nan/hex, no trailing junk (surrounding blanks ok).
 * Returns 0 and sets *v, or -1. */
TY_HIDDEN int ty_parse_number(const char *s, double *v);

/* Case-sensitive label comparison that treats "", "N/A", "n/a", "NA",
 * "NaN", "nan", "null", "NULL", "#N/A", "None" as the same "no index". */
TY_HIDDEN int ty_label_is_empty(const char *s);
TY_HIDDEN int ty_label_eq(const char *a, const char *b);

/* Statistics st[0..nst-1] of each of nrows rows of n samples: out[r * nst
 * + k] = tyche_stat_eval(&st[k], rows[r], n, work), bit for bit, with the
 * rows' mean and std recurrences run up to six at a time (stats.c).
 * work: n doubles or NULL.  0 or TYCHE_ENOMEM. */
TY_HIDDEN int ty_stat_eval_rows(const struct tyche_stat *st, size_t nst,
				const double *const *rows, size_t nrows, size_t n,
				double *work, double *out);
/* The same results as ty_stat_eval_rows, in two parts that may run on
 * different threads: TY_STAT_PART_MOMENTS fills only the mean and std
 * entries of out (their recurrences several rows at a time: split a
 * scenario's rows into tasks of ty_stat_moment_group rows),
 * TY_STAT_PART_ORDER every other entry (at most 16 statistics).  Entries
 * of the other part are not touched. */
enum { TY_STAT_PART_MOMENTS, TY_STAT_PART_ORDER };
/* How many of the `left` rows still to do go into the next pass of the
 * mean and std recurrences (1 to TY_STAT_GROUP_MAX; 0 when left is 0):
 * the rows in as few passes as possible, none wider than it needs. */
#define TY_STAT_GROUP_MAX 6
TY_HIDDEN size_t ty_stat_moment_group(size_t left);
TY_HIDDEN int ty_stat_eval_rows_part(const struct tyche_stat *st, size_t nst,
				     const double *const *rows, size_t nrows, size_t n,
				     double *work, double *out, int part);
/* For statistics computed without the values in memory (eval.c's
 * streamed summary): the order statistics (0-based ranks, sorted,
 * distinct; at most 2 nst) that st[] needs of n values, and the
 * statistics from GSL's mean and sd and those order statistics' values,
 * by the same formulas as ty_stat_eval_rows.  Only mean, std, min, max
 * and quantiles: TYCHE_EUSAGE for any other. */
TY_HIDDEN int ty_stat_order_ranks(const struct tyche_stat *st, size_t nst, size_t n,
				  size_t *ks, size_t *nk);
TY_HIDDEN int ty_stat_from_orders(const struct tyche_stat *st, size_t nst, size_t n,
				  double mean, double sd, const size_t *ks, const double *kv,
				  size_t nk, double *out);

/* Banned: they overflow or are not reentrant. */
#undef strcpy
#define strcpy(a, b) sorry_strcpy_is_banned_use_snprintf
#undef strcat
#define strcat(a, b) sorry_strcat_is_banned_use_ty_buf
#undef sprintf
#define sprintf(...) sorry_sprintf_is_banned_use_snprintf
#undef strtok
#define strtok(a, b) sorry_strtok_is_banned
#undef atoi
#define atoi(a) sorry_atoi_is_banned_use_strtol

#endif
