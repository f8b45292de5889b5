/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-mpi - tyche-run split over MPI ranks: `mpirun -np K tyche-mpi
 * evaluate ...` (or `mpirun -np K tyche-run evaluate ...`, which execs
 * this program when it finds itself started by mpirun).  libtyche splits
 * the work (tyche_dist in tyche/eval.h) and rank 0 writes the output
 * byte-identical to one process; this file only moves bytes between
 * ranks, with synchronous sends so no rank buffers more than one piece.
 *
 * Built only with mpicc (Makefile: MPI=1, or found automatically);
 * cmd/tyche-run.c is compiled in a second time with main renamed.
 * Easy to get wrong: only rank 0 may write the output file (the others
 * never open it); a failure on any rank must end the whole job
 * (MPI_Abort), never leave the others waiting in a send or receive;
 * MPI counts are ints, so a piece over INT_MAX bytes is refused.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "../run.h"

int run_plain_main(int argc, char **argv);

#define TAG_PIECE 20

struct transport {
	void *buf;
	size_t cap;
};

static int mpi_send(const void *p, size_t n, void *arg)
{
	(void)arg;
	if (n > INT_MAX)
		return -1;
	return MPI_Ssend(p, (int)n, MPI_BYTE, 0, TAG_PIECE, MPI_COMM_WORLD) != MPI_SUCCESS;
}

static int mpi_recv(unsigned from, const void **p, size_t *n, void *arg)
{
	struct transport *t = arg;
	MPI_Status st;
	int count;

	if (MPI_Probe((int)from, TAG_PIECE, MPI_COMM_WORLD, &st) != MPI_SUCCESS ||
	    MPI_Get_count(&st, MPI_BYTE, &count) != MPI_SUCCESS || count < 0)
		return -1;
	if ((size_t)count > t->cap) {
		void *q = realloc(t->buf, (size_t)count);

		if (!q)
			return -1;
		t->buf = q;
		t->cap = (size_t)count;
	}
	if (MPI_Recv(t->buf, count, MPI_BYTE, (int)from, TAG_PIECE, MPI_COMM_WORLD,
		     MPI_STATUS_IGNORE) != MPI_SUCCESS)
		return -1;
	*p = t->buf;
	*n = (size_t)count;
	return 0;
}

int main(int argc, char **argv)
{
	struct transport tr = { NULL, 0 };
	tyche_dist dist = { 0, 1, mpi_send, mpi_recv, &tr };
	int provided, rank = 0, size = 1, rc;

	if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
		fprintf(stderr, "tyche-mpi: MPI_Init failed\n");
		return RUN_EX_SOFTWARE;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (size > 1) {
		if (argc < 2 || strcmp(argv[1], "evaluate")) {
			if (rank == 0)
				fprintf(stderr, "tyche-mpi: only 'evaluate' is split over ranks so far; "
					"run '%s' with one process (tyche-run)\n",
					argc < 2 ? "" : argv[1]);
			MPI_Finalize();
			return RUN_EX_USAGE;
		}
		dist.rank = (unsigned)rank;
		dist.size = (unsigned)size;
		run_eval_dist = &dist;
	}
	rc = run_plain_main(argc, argv);
	free(tr.buf);
	if (rc && size > 1) {
		/* the others may be waiting on this rank: end them all */
		fprintf(stderr, "tyche-mpi: rank %d of %d failed (exit %d); ending the job\n",
			rank, size, rc);
		fflush(NULL);
		MPI_Abort(MPI_COMM_WORLD, rc);
	}
	MPI_Finalize();
	return rc;
}
