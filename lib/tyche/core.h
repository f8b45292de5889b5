/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche/core.h - what every part of the API shares: the export macro,
 * error codes and errors, diagnostics, the work budget, the version, and
 * the output writer callback.  Part of the public API; include "tyche.h".
 */
#ifndef TYCHE_CORE_H
#define TYCHE_CORE_H

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
	TYCHE_EINFEASIBLE = 7, /* an optimisation problem has no solution */
	TYCHE_EBUSY = 8,     /* the surface is being built by another process */
	TYCHE_ETIMEOUT = 9,  /* the process's work budget (tyche_budget_set) ran
	                        out: the work stopped, nothing was kept */
	TYCHE_EPERM = 10     /* not the owner: understood, but this user may
	                        not do it (another user's shared scenario) */
};

typedef struct tyche_error {
	int code;       /* TYCHE_E*; 0 = no error */
	char where[256]; /* data file, "file.xlsx:sheet", "<expr>", or "" */
	int line, col;  /* 1-based; 0 = unknown */
	char msg[768];
} tyche_error;

/*
 * A work budget for the whole process (lib/budget.c): wall-clock seconds
 * from now and CPU seconds of the process from now (either may be 0 =
 * unlimited).  Surface builds, evaluations, optimisations (NLopt stop
 * and max time, GLPK's time limit) and sweeps check it where they loop
 * and stop with TYCHE_ETIMEOUT, releasing what they hold (cache locks).
 * Process-wide state: set it once per request or command, before any
 * work starts; tyche_budget_set(0, 0) clears it.  Safe to read from any
 * thread; setting it while another thread works is not supported.
 */
TYCHE_API void tyche_budget_set(double wall_seconds, double cpu_seconds);
/* Seconds of wall-clock budget left (+inf when unlimited; <= 0 when spent). */
TYCHE_API double tyche_budget_left(void);

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
#define TYCHE_DIAGS_INIT { .n = 0, .cap = 0, .nerrors = 0, .nwarnings = 0, .v = NULL }

TYCHE_API void tyche_diags_release(tyche_diags *d);
/* Write every diagnostic as "where:line:col: error: msg\n" to f. */
TYCHE_API void tyche_diags_print(const tyche_diags *d, FILE *f);

TYCHE_API const char *tyche_version(void);

/* A name that may become a path component (context, model, scenario id,
 * user): 1 to max bytes of [A-Za-z0-9._-], not starting with '.' or '-'
 * (so never "..", hidden, a path or an option).  1 when it is one. */
TYCHE_API int tyche_safe_name(const char *s, size_t max);

/* ------------------------------------------------------------ output */

enum tyche_format { TYCHE_FMT_CSV = 0, TYCHE_FMT_JSON = 1 };

/* Receives output text in order; returns 0, or non-zero to stop. */
typedef int (*tyche_write_fn)(const char *buf, size_t n, void *arg);

#ifdef __cplusplus
}
#endif
#endif
