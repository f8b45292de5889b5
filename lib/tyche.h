/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche.h - the public API of libtyche: the one header a program includes
 * (with `pkg-config --cflags --libs tyche`).  It includes one header per
 * concept, in dependency order; doc/architecture.md maps them to lib/.
 *
 * Conventions (see doc/architecture.md):
 *  - functions return 0 on success or a TYCHE_E* code, and fill a
 *    tyche_error (or append to a tyche_diags list) on failure;
 *  - `T **out` (first parameter) hands ownership to the caller, who frees
 *    with tyche_T_free; options are structs with a _INIT macro;
 *  - the library never prints to stdout and never exits;
 *  - threads and process-wide state: see tyche/core.h (the work budget)
 *    and doc/architecture.md.
 */
#ifndef TYCHE_H
#define TYCHE_H

#include "tyche/core.h"
#include "tyche/context.h"
#include "tyche/eval.h"
#include "tyche/stats.h"
#include "tyche/surface.h"
#include "tyche/results.h"
#include "tyche/optim.h"
#include "tyche/analysis.h"
#include "tyche/config.h"
#include "tyche/catalog.h"
#include "tyche/fetch.h"
#include "tyche/store.h"
#include "tyche/plot.h"
#include "tyche/elicit.h"
#include "tyche/study.h"
#include "tyche/sensitivity.h"
#include "tyche/shard.h"

#endif
