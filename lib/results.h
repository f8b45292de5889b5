/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * results.h - internal part of lib/results.c: the one routine that draws
 * a tranche's amounts (the surface, the tranche tables and the tornado
 * must all draw them the same way), and the lookup of a scenario by name.
 */
#ifndef TY_RESULTS_H
#define TY_RESULTS_H

#include "context.h"

/* Amounts of tranche tr at samples 0..N-1: its constant, its median when
 * `median` (the fixed-inputs runs of the tornado), else draws keyed by
 * (seed, "tranches", the cell key). */
TY_HIDDEN void ty_tranche_amounts(const struct ty_tranche *tr, uint64_t seed, size_t N,
				  int median, double *out);

/* Position of technology T's scenario `name`, or -1 (the one lookup of a
 * scenario by name in the analyses: lib/names.h). */
TY_HIDDEN long ty_scenario_find(const struct ty_tech *T, const char *name);

#endif
