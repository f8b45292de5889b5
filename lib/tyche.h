/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche.h - the public API of libtyche, the only installed header.
 *
 * Conventions (see doc/ and ../shared/docs/style.md):
 *  - functions return 0 on success or a TYCHE_E* code, and fill a
 *    tyche_error (or append to a tyche_diags list) on failure;
 *  - `T **out` hands ownership to the caller, who frees with tyche_T_free;
 *  - the library never prints to stdout and never exits.
 */
#ifndef TYCHE_H
#define TYCHE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TYCHE_API __attribute__((visibility("default")))
#else
#define TYCHE_API
#endif

/* ---------------------------------------------------------------- errors */

enum tyche_code {
	TYCHE_OK = 0,
	TYCHE_EDATA = 1,     /* bad input data: show where */
	TYCHE_EUSAGE = 2,    /* bad call or option */
	TYCHE_ENOMEM = 3,
	TYCHE_EIO = 4,       /* file system or network */
	TYCHE_ENOENT = 5,    /* a named input does not exist */
	TYCHE_EINTERNAL = 6,
	TYCHE_EINFEASIBLE = 7 /* an optimisation problem has no solution */
};

typedef struct tyche_error {
	int code;       /* TYCHE_E*; 0 = no error */
	char where[256]; /* data file, "file.xlsx:sheet", "<expr>", or "" */
	int line, col;  /* 1-based; 0 = unknown */
	char msg[768];
} tyche_error;

/* "where:line:col: msg" (parts that are unknown are left out). */
TYCHE_API const char *tyche_error_format(const tyche_error *e, char *buf, size_t n);

enum tyche_severity { TYCHE_SEV_ERROR = 0, TYCHE_SEV_WARNING = 1 };

typedef struct tyche_diag {
	int severity;   /* TYCHE_SEV_* */
	char *where;    /* file (may be "") */
	int line, col;  /* 1-based; 0 = unknown */
	char *msg;
} tyche_diag;

/* A list of problems, so that a run can report all of them at once. */
typedef struct tyche_diags {
	size_t n, cap;
	size_t nerrors, nwarnings;
	tyche_diag *v;
} tyche_diags;
#define TYCHE_DIAGS_INIT { 0, 0, 0, 0, NULL }

TYCHE_API void tyche_diags_release(tyche_diags *d);
/* Write every diagnostic as "where:line:col: error: msg\n" to f. */
TYCHE_API void tyche_diags_print(const tyche_diags *d, FILE *f);

TYCHE_API const char *tyche_version(void);

/* ------------------------------------------------------- decision contexts */

typedef struct tyche_context tyche_context;

typedef struct tyche_load_opts {
	const char *model_path;   /* "DIR:DIR..." searched after the context's own
	                             directory; NULL = $TYCHE_MODEL_PATH, then the
	                             installed PREFIX/share/tyche/models */
	int skip_models;          /* 1: do not look for or compile model files */
} tyche_load_opts;
#define TYCHE_LOAD_OPTS_INIT { NULL, 0 }

/*
 * Load and validate a decision context: a directory holding the seven CSV
 * tables, or a .xlsx workbook.  Every problem found goes to *diags (errors
 * and warnings); the function returns TYCHE_EDATA when there was at least
 * one error, TYCHE_ENOENT when the path does not exist, TYCHE_EIO when it
 * cannot be read.  *out is set only on success.
 */
TYCHE_API int tyche_context_load(tyche_context **out, const char *path,
				 const tyche_load_opts *opts, tyche_diags *diags);
TYCHE_API void tyche_context_free(tyche_context *ctx);

/* Summary counts of a loaded context. */
typedef struct tyche_context_summary {
	size_t technologies, scenarios, categories, tranches, investments,
		metrics, uncertain_cells;
} tyche_context_summary;
TYCHE_API void tyche_context_summarize(const tyche_context *ctx,
				       tyche_context_summary *s);
/* A printable name (the directory or workbook base name). */
TYCHE_API const char *tyche_context_name(const tyche_context *ctx);
/* SHA-256 (hex) of the context's tables and model files. */
TYCHE_API const char *tyche_context_hash(const tyche_context *ctx);

#ifdef __cplusplus
}
#endif
#endif
