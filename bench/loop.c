// SPDX-License-Identifier: MIT
/*
 * loop.c - cost of one cheap syscall: syscall(SYS_getppid), N times.
 *
 *   loop [N]   (default 2000000) -> prints "MIN_NS MEDIAN_NS" per call
 *
 * The calls are timed in batches of BATCH; the minimum over batches is the
 * least disturbed figure (interrupts, the other tenant of the VM), the median
 * the typical one. Run under no filter and under each preload: an allowed
 * syscall whose verdict depends only on its number is answered from the
 * kernel's seccomp action cache, without running the BPF program. The six
 * argument registers are zero, so a policy may also test them
 * (getppid(arg0 == 0)): then the filter runs on every call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BATCH 10000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Not qsort(): glibc's asks sysinfo(2) first, which a small allowlist kills. */
static void sort(double *v, long n)
{
	for (long i = 1; i < n; i++) {
		double x = v[i];
		long j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000, batches = n / BATCH;
	double *ns;

	if (batches < 1) {
		fprintf(stderr, "usage: loop [N >= %d]\n", BATCH);
		return 2;
	}
	ns = calloc(batches, sizeof(*ns));
	if (!ns) {
		perror("loop: calloc");
		return 1;
	}
	for (long i = 0; i < BATCH; i++) /* warm up */
		syscall(SYS_getppid, 0L, 0L, 0L, 0L, 0L, 0L);
	for (long b = 0; b < batches; b++) {
		double t0 = now_ns();

		for (long i = 0; i < BATCH; i++)
			syscall(SYS_getppid, 0L, 0L, 0L, 0L, 0L, 0L);
		ns[b] = (now_ns() - t0) / BATCH;
	}
	sort(ns, batches);
	printf("%.1f %.1f\n", ns[0], (ns[(batches - 1) / 2] + ns[batches / 2]) / 2);
	return 0;
}
