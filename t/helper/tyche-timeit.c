/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tyche-timeit - run a command, print its wall time, CPU time and peak RSS
 * (benchmark helper; stdout of the command goes where ours goes).
 *
 *   tyche-timeit [-o FILE] [-r REPEAT] -- COMMAND ARGS...
 * prints "wall_s=X user_s=Y sys_s=Z maxrss_kb=K" (best wall of REPEAT runs)
 * on stderr, or to FILE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *outf = NULL;
	int repeat = 1, i = 1;
	double best = 1e300, bu = 0, bs = 0;
	long rss = 0;
	FILE *f;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			outf = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: tyche-timeit [-o FILE] [-r N] -- COMMAND...\n");
		return 2;
	}
	for (int r = 0; r < (repeat > 0 ? repeat : 1); r++) {
		struct timespec t0, t1;
		struct rusage ru;
		int status;
		pid_t pid;
		double wall;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid = fork();
		if (pid == 0) {
			execvp(argv[i], argv + i);
			perror(argv[i]);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
			perror("tyche-timeit");
			return 2;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "tyche-timeit: command failed (status %d)\n", status);
			return 1;
		}
		wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
		if (wall < best) {
			best = wall;
			bu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
			bs = (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
		}
		if (ru.ru_maxrss > rss)
			rss = ru.ru_maxrss;
	}
	f = outf ? fopen(outf, "w") : stderr;
	if (!f)
		return 2;
	fprintf(f, "wall_s=%.6f user_s=%.3f sys_s=%.3f maxrss_kb=%ld\n", best, bu, bs, rss);
	if (outf)
		fclose(f);
	return 0;
}
