/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.h - internal knobs of the scenario store (lib/store.c), for tests
 * and benchmarks only; cmd/ and cgi/ use tyche.h.
 *
 * These are hidden symbols: a program linked against libtyche.a (the test
 * helper, t/perf) can reach them, the shared library does not export them.
 */
#ifndef TY_STORE_H
#define TY_STORE_H

#include "internal.h"

/* Called, when not NULL, after a temp file is written and synced and before
 * it is renamed over the real file; tmp_path is the temp file.  The kill
 * test pauses here and delivers SIGKILL. */
TY_HIDDEN extern void (*ty_store_before_rename)(const char *tmp_path);

/* 0: skip fsync of files and directories (bulk setup in benchmarks only;
 * a crash may then lose or empty files).  Default 1. */
TY_HIDDEN void ty_store_set_fsync(tyche_store *st, int on);

/* 0: list without the summary index cache (parse every file), to measure
 * what the index saves.  Default 1. */
TY_HIDDEN void ty_store_set_index(tyche_store *st, int on);

/* How many scenario files the last tyche_store_list stat'ed: 0 when it
 * trusted the index for every file (the directory had not changed since
 * the index was written, and had been quiet for SETTLE_SEC before). */
TY_HIDDEN size_t ty_store_list_nstat(const tyche_store *st);

#endif
