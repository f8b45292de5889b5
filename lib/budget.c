/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * budget.c - the process's work budget: a wall-clock and a CPU deadline
 * that long loops (surface builds, evaluations, optimiser callbacks,
 * sweeps) check, so that a hostile study or request stops with
 * TYCHE_ETIMEOUT instead of holding a web server worker and the cache lock.
 *
 * Easy to get wrong: the deadlines are absolute times taken when the
 * budget is set, so a check is a clock read and a compare; CPU time is the
 * whole process's (every worker thread counts), read with
 * CLOCK_PROCESS_CPUTIME_ID.  The values are written once before work
 * starts and only read afterwards, so plain atomics (relaxed) suffice.
 * RLIMIT_CPU in the CGI is the last guard behind this one, not a
 * replacement: a signal cannot release a lock cleanly or answer 504.
 */
#include <math.h>
#include <stdatomic.h>
#include <time.h>

#include "internal.h"

/* 0 = unlimited; else the absolute clock value at which the budget ends. */
static _Atomic double wall_end, cpu_end;
static _Atomic double wall_total, cpu_total;

static double clock_s(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tyche_budget_set(double wall_seconds, double cpu_seconds)
{
	int wall_on = wall_seconds > 0 && isfinite(wall_seconds);
	int cpu_on = cpu_seconds > 0 && isfinite(cpu_seconds);

	atomic_store_explicit(&wall_total, wall_on ? wall_seconds : 0, memory_order_relaxed);
	atomic_store_explicit(&cpu_total, cpu_on ? cpu_seconds : 0, memory_order_relaxed);
	atomic_store_explicit(&wall_end,
			      wall_on ? clock_s(CLOCK_MONOTONIC) + wall_seconds : 0,
			      memory_order_relaxed);
	atomic_store_explicit(&cpu_end,
			      cpu_on ? clock_s(CLOCK_PROCESS_CPUTIME_ID) + cpu_seconds : 0,
			      memory_order_relaxed);
}

double tyche_budget_left(void)
{
	double w = atomic_load_explicit(&wall_end, memory_order_relaxed);

	return w > 0 ? w - clock_s(CLOCK_MONOTONIC) : INFINITY;
}

/* 1: wall clock spent; 2: CPU spent; 0: budget left. */
static int which_spent(void)
{
	double w = atomic_load_explicit(&wall_end, memory_order_relaxed);
	double c = atomic_load_explicit(&cpu_end, memory_order_relaxed);

	if (w > 0 && clock_s(CLOCK_MONOTONIC) >= w)
		return 1;
	if (c > 0 && clock_s(CLOCK_PROCESS_CPUTIME_ID) >= c)
		return 2;
	return 0;
}

int ty_budget_spent(void)
{
	return which_spent() != 0;
}

int ty_budget_check(tyche_error *err, const char *what)
{
	switch (which_spent()) {
	case 1:
		return ty_error_at(err, TYCHE_ETIMEOUT, "", 0, 0,
				   "stopped while %s: the time budget of %g s ran out "
				   "(ask for fewer samples or a smaller problem, or raise the limit)",
				   what, atomic_load_explicit(&wall_total, memory_order_relaxed));
	case 2:
		return ty_error_at(err, TYCHE_ETIMEOUT, "", 0, 0,
				   "stopped while %s: the CPU budget of %g s ran out "
				   "(ask for fewer samples or a smaller problem, or raise the limit)",
				   what, atomic_load_explicit(&cpu_total, memory_order_relaxed));
	}
	return 0;
}
