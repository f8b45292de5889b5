/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-mpi - tyche-run split over MPI ranks: `mpirun -np K tyche-mpi
 * evaluate ...` (or `mpirun -np K tyche-run evaluate ...`, which execs
 * this program when it finds itself started by mpirun).  For evaluate,
 * libtyche splits the work (tyche_dist in tyche/eval.h) and rank 0 writes
 * the output byte-identical to one process; this file only moves bytes
 * between ranks, with synchronous sends so no rank buffers more than one
 * piece.  The analyses that write shards (pareto, sensitivity, voi,
 * surface) run as shard r+1/K on rank r, and rank 0 merges the shards
 * (tyche-run merge) into the output asked for.
 *
 * Built only with mpicc (Makefile: MPI=1, or found automatically);
 * cmd/tyche-run.c is compiled in a second time with main renamed.
 * Easy to get wrong: only rank 0 may write the output file (the others
 * never open it); a failure on any rank must end the whole job
 * (MPI_Abort), never leave the others waiting in a send or receive;
 * MPI counts are ints, so a piece over INT_MAX bytes is refused.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mpi.h>

#include "../run.h"

int run_plain_main(int argc, char **argv);

#define TAG_PIECE 20
#define TAG_FILE 21
#define FILE_CHUNK ((size_t)4 << 20)

/* Commands that write shards: under K ranks, rank r computes shard
 * r+1/K into a file, rank 0 gathers the files and merges them. */
static const char *const shard_cmds[] = { "pareto", "sensitivity", "voi", "surface", NULL };

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

/* Rank != 0: the shard file to rank 0, in chunks (a size first). */
static int send_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(FILE_CHUNK);
	struct stat sb;
	uint64_t size = 0;
	size_t n;
	int rc = 0;

	if (!f || !buf || fstat(fileno(f), &sb)) {
		fprintf(stderr, "tyche-mpi: cannot read %s: %s\n", path, strerror(errno));
		size = UINT64_MAX;   /* tells rank 0 this rank failed */
		rc = 1;
	} else {
		size = (uint64_t)sb.st_size;
	}
	MPI_Ssend(&size, 1, MPI_UINT64_T, 0, TAG_FILE, MPI_COMM_WORLD);
	while (!rc && (n = fread(buf, 1, FILE_CHUNK, f)) > 0)
		if (MPI_Ssend(buf, (int)n, MPI_BYTE, 0, TAG_FILE, MPI_COMM_WORLD) != MPI_SUCCESS)
			rc = 1;
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

/* Rank 0: rank `from`'s shard file into `path`. */
static int recv_file(int from, const char *path)
{
	FILE *f = fopen(path, "wb");
	char *buf = malloc(FILE_CHUNK);
	uint64_t size = 0, got = 0;
	int rc = 0;

	if (MPI_Recv(&size, 1, MPI_UINT64_T, from, TAG_FILE, MPI_COMM_WORLD,
		     MPI_STATUS_IGNORE) != MPI_SUCCESS || size == UINT64_MAX) {
		fprintf(stderr, "tyche-mpi: rank %d could not send its shard\n", from);
		rc = 1;
	}
	if (!rc && (!f || !buf)) {
		fprintf(stderr, "tyche-mpi: cannot write %s: %s\n", path, strerror(errno));
		rc = 1;
	}
	while (!rc && got < size) {
		MPI_Status st;
		int n;

		if (MPI_Recv(buf, (int)FILE_CHUNK, MPI_BYTE, from, TAG_FILE, MPI_COMM_WORLD, &st)
		    != MPI_SUCCESS || MPI_Get_count(&st, MPI_BYTE, &n) != MPI_SUCCESS || n <= 0 ||
		    fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
			fprintf(stderr, "tyche-mpi: receiving rank %d's shard failed\n", from);
			rc = 1;
		}
		got += (uint64_t)(n > 0 ? n : 0);
	}
	if (f && fclose(f) && !rc)
		rc = 1;
	free(buf);
	return rc;
}

/*
 * An analysis split over ranks by its shards: rank r runs the command
 * with --shard r+1/K into a file of its own; rank 0 gathers the files and
 * merges them into the output the command asked for (its --output / -o,
 * or stdout).  Returns the exit code; any failure ends the job.
 */
static int run_by_shards(int argc, char **argv, int rank, int size)
{
	char **av = calloc((size_t)argc + 8, sizeof(char *));
	char shard[32], mine[4096], dir[3072];
	const char *tmp = getenv("TMPDIR"), *output = NULL;
	long job = (long)getpid();
	int n = 0, rc;

	MPI_Bcast(&job, 1, MPI_LONG, 0, MPI_COMM_WORLD);
	snprintf(dir, sizeof dir, "%s", tmp && *tmp ? tmp : "/tmp");
	if (!av)
		return RUN_EX_SOFTWARE;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--shard") || !strncmp(argv[i], "--shard=", 8)) {
			if (rank == 0)
				fprintf(stderr, "tyche-mpi: the ranks are the shards: drop --shard\n");
			free(av);
			return RUN_EX_USAGE;
		}
		if ((!strcmp(argv[i], "--output") || !strcmp(argv[i], "-o")) && i + 1 < argc) {
			output = argv[++i];
			continue;
		}
		if (!strncmp(argv[i], "--output=", 9)) {
			output = argv[i] + 9;
			continue;
		}
		av[n++] = argv[i];
	}
	if (!output && !strcmp(argv[1], "surface")) {
		/* one process writes the study's cache path; the merge here
		 * would write the binary file to stdout */
		if (rank == 0)
			fprintf(stderr, "tyche-mpi surface: over several ranks, name the file: "
				"--output FILE (tyche-run surface prints the cache path)\n");
		free(av);
		return RUN_EX_USAGE;
	}
	snprintf(shard, sizeof shard, "%d/%d", rank + 1, size);
	snprintf(mine, sizeof mine, "%s/tyche-mpi.%ld.%d.shard", dir, job, rank);
	av[n++] = "--shard";
	av[n++] = shard;
	av[n++] = "--output";
	av[n++] = mine;
	av[n] = NULL;
	rc = run_plain_main(n, av);
	free(av);
	if (rc)
		return rc;
	if (rank) {
		rc = send_file(mine);
		unlink(mine);
		return rc ? RUN_EX_SOFTWARE : 0;
	}
	{
		char **mv = calloc((size_t)size + 6, sizeof(char *));
		char (*names)[4096] = calloc((size_t)size, sizeof(*names));
		int m = 0;

		if (!mv || !names) {
			free(mv);
			free(names);
			return RUN_EX_SOFTWARE;
		}
		mv[m++] = "tyche-run";
		mv[m++] = "merge";
		for (int r = 0; r < size; r++) {
			if (r == 0)
				snprintf(names[r], sizeof names[r], "%s", mine);
			else
				snprintf(names[r], sizeof names[r], "%s/tyche-mpi.%ld.%d.recv.shard",
					 dir, job, r);
			if (r && !rc)
				rc = recv_file(r, names[r]);
			mv[m++] = names[r];
		}
		mv[m++] = "-o";
		mv[m++] = (char *)(output ? output : "-");
		mv[m] = NULL;
		if (!rc)
			rc = run_plain_main(m, mv);
		else
			rc = RUN_EX_SOFTWARE;
		if (!rc && !strcmp(argv[1], "surface"))
			printf("%s\n", output);   /* as tyche-run surface does */
		for (int r = 0; r < size; r++)
			unlink(names[r]);
		free(mv);
		free(names);
	}
	return rc;
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
	if (size > 1 && argc >= 2 && strcmp(argv[1], "evaluate")) {
		size_t k = 0;

		while (shard_cmds[k] && strcmp(shard_cmds[k], argv[1]))
			k++;
		if (!shard_cmds[k]) {
			if (rank == 0)
				fprintf(stderr, "tyche-mpi: '%s' is not split over ranks (evaluate, "
					"pareto, sensitivity, voi and surface are); run it with one "
					"process (tyche-run)\n", argv[1]);
			MPI_Finalize();
			return RUN_EX_USAGE;
		}
		rc = run_by_shards(argc, argv, rank, size);
	} else {
		if (size > 1) {
			dist.rank = (unsigned)rank;
			dist.size = (unsigned)size;
			run_eval_dist = &dist;
		}
		rc = run_plain_main(argc, argv);
	}
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
