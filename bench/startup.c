// SPDX-License-Identifier: MIT
/*
 * startup.c - time process start-up: fork + execve + waitpid, per configuration.
 *
 *   startup RUNS PROGRAM -- LABEL [VAR=value ...] [-- LABEL [VAR=value ...]] ...
 *
 * Each configuration runs PROGRAM (no arguments, stdio on /dev/null) with this
 * process's environment, minus LD_PRELOAD and SECCOMP_*, plus its VAR=value
 * words. Rounds are interleaved (one run of every configuration per round,
 * in a new random order each round) so that drift, and the deferred clean-up
 * a process leaves to the next one, hit all of them alike; the first WARMUP
 * rounds are dropped.
 * Every run must exit 0. One line per configuration on stdout:
 *
 *   LABEL RUNS MEAN_US MEDIAN_US P10_US P90_US CPU_US MINFLT
 *
 * CPU_US and MINFLT: the child's mean CPU time (user + system, from
 * wait4(2)) and minor page faults. Less disturbed by other load than the
 * wall time; the way to compare builds whose difference is a few µs. NOTE:
 * with the variables set here, not on a wrapper's command line: a dynamic
 * wrapper (perf, time, strace, setarch) preloads libsandbox.so itself,
 * installs the policy in itself and removes the variables, so the program
 * it starts runs with no policy.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 20
#define CONFIGS_MAX 16

struct config {
	const char *label;
	char **envp;
	double *us; /* one sample per run */
	double cpu_us, minflt; /* sums over the runs */
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int inherited(const char *var)
{
	return strncmp(var, "LD_PRELOAD=", 11) != 0 && strncmp(var, "SECCOMP_", 8) != 0;
}

/* environ (filtered) + EXTRA[0..n) -> a new NULL-terminated array */
static char **make_env(char **extra, int n)
{
	char **envp;
	int len = 0, i = 0;

	while (environ[len])
		len++;
	envp = calloc(len + n + 1, sizeof(*envp));
	if (!envp) {
		perror("startup: calloc");
		exit(1);
	}
	for (char **e = environ; *e; e++)
		if (inherited(*e))
			envp[i++] = *e;
	for (int j = 0; j < n; j++)
		envp[i++] = extra[j];
	return envp;
}

/* One run; returns microseconds from fork() to the child's reaping, and
 * adds the child's CPU time and minor faults to C's sums. */
static double run(const char *prog, struct config *c, int devnull)
{
	struct rusage ru;
	char *argv[] = { (char *)prog, NULL };
	double t0 = now_us(), t1;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		perror("startup: fork");
		exit(1);
	}
	if (pid == 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		execve(prog, argv, c->envp);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("startup: wait4");
		exit(1);
	}
	t1 = now_us();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "startup: %s: %s %d\n", prog,
			WIFEXITED(status) ? "exit status" : "killed by signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		exit(1);
	}
	c->cpu_us += ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 +
		     ru.ru_stime.tv_usec;
	c->minflt += (double)ru.ru_minflt;
	return t1 - t0;
}

/* A new random order of ORDER[0..n) (Fisher-Yates, xorshift: repeatable). */
static void shuffle(int *order, int n)
{
	static uint32_t x = 2463534242U;

	for (int i = n - 1; i > 0; i--) {
		int j, t;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		j = (int)(x % (uint32_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summary(const struct config *c, int runs)
{
	double sum = 0;

	qsort(c->us, runs, sizeof(double), cmp_double);
	for (int i = 0; i < runs; i++)
		sum += c->us[i];
	printf("%s %d %.1f %.1f %.1f %.1f %.1f %.2f\n", c->label, runs, sum / runs,
	       (c->us[(runs - 1) / 2] + c->us[runs / 2]) / 2, c->us[runs / 10],
	       c->us[runs * 9 / 10], c->cpu_us / runs, c->minflt / runs);
}

int main(int argc, char **argv)
{
	struct config cfg[CONFIGS_MAX];
	int order[CONFIGS_MAX], runs, n = 0, devnull;
	const char *prog;

	if (argc < 5 || strcmp(argv[3], "--") != 0 || (runs = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: startup RUNS PROGRAM -- LABEL [VAR=value ...] [-- ...]\n");
		return 2;
	}
	prog = argv[2];
	for (int i = 4; i < argc; n++) {
		int j = i + 1;

		if (n == CONFIGS_MAX) {
			fprintf(stderr, "startup: more than %d configurations\n", CONFIGS_MAX);
			return 2;
		}
		while (j < argc && strcmp(argv[j], "--") != 0)
			j++;
		cfg[n].label = argv[i];
		cfg[n].envp = make_env(argv + i + 1, j - i - 1);
		cfg[n].us = calloc(runs, sizeof(double));
		cfg[n].cpu_us = cfg[n].minflt = 0;
		if (!cfg[n].us) {
			perror("startup: calloc");
			return 1;
		}
		i = j + 1;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		perror("startup: /dev/null");
		return 1;
	}
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int r = -WARMUP; r < runs; r++) {
		shuffle(order, n);
		for (int i = 0; i < n; i++) {
			struct config *c = &cfg[order[i]];
			double us = run(prog, c, devnull);

			if (r >= 0)
				c->us[r] = us;
			else /* the warm-up rounds count for nothing */
				c->cpu_us = c->minflt = 0;
		}
	}
	for (int i = 0; i < n; i++)
		summary(&cfg[i], runs);
	return 0;
}
