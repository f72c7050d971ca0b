// SPDX-License-Identifier: MIT
/*
 * execloop.c - what the exec policy costs a process that forks and execs:
 *
 *   execloop RUNS PROGRAM
 *
 * Times RUNS rounds of each (the median, microseconds, one line each):
 *   fork     fork, the child _exit(0)s, waitpid
 *   exec     fork, the child execs PROGRAM (argv { PROGRAM }), waitpid
 *   denied   fork, the child execs PROGRAM with argv { PROGRAM, "deny" } and
 *            _exit(0)s when that fails (the policy refuses it; bare, it runs)
 *   enoent   fork, the child execs a file that does not exist, _exit(0)
 * Run under libsandbox.so with SANDBOX_EXEC_DENY='PROGRAM deny', and bare.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const char *path, char *const argv[], int runs, double *t)
{
	for (int i = 0; i < runs; i++) {
		double t0 = now_us();
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			if (path)
				execv(path, argv);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0)
			exit(1);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	return t[runs / 2];
}

int main(int argc, char **argv)
{
	int runs = argc == 3 ? atoi(argv[1]) : 0;
	double *t = runs > 0 ? calloc((size_t)runs, sizeof(double)) : NULL;
	char *exec_argv[] = { argc == 3 ? argv[2] : NULL, NULL };
	char *deny_argv[] = { exec_argv[0], "deny", NULL };
	char *enoent_argv[] = { "/nonexistent/prog", NULL };

	if (!t)
		return 2;
	printf("fork %.1f\n", median(NULL, NULL, runs, t));
	printf("exec %.1f\n", median(argv[2], exec_argv, runs, t));
	printf("denied %.1f\n", median(argv[2], deny_argv, runs, t));
	printf("enoent %.1f\n", median(enoent_argv[0], enoent_argv, runs, t));
	return 0;
}
