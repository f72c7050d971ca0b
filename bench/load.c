// SPDX-License-Identifier: MIT
/*
 * load.c - the kernel's cost of loading a seccomp filter: seccomp(2)
 * SECCOMP_SET_MODE_FILTER of a raw BPF file (struct sock_filter array, as
 * `pysandbox compile -o` and seccomp_export_bpf() write it), which checks the
 * program, JIT-compiles it and fills the per-syscall action cache by
 * emulating it for every syscall number.
 *
 *   load RUNS FILE... -> one line per file: "FILE INSNS MEDIAN_US P10_US P90_US"
 *
 * Each run loads the filter in a fresh child (filters stack, and a process
 * cannot drop one), timing the seccomp() call alone; files are interleaved.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FILES_MAX 8

struct filter {
	const char *path;
	struct sock_fprog prog;
	double *us;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void read_filter(struct filter *f)
{
	static struct sock_filter buf[FILES_MAX][BPF_MAXINSNS];
	static int used;
	int fd = open(f->path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		perror(f->path);
		exit(1);
	}
	n = read(fd, buf[used], sizeof(buf[used]));
	close(fd);
	if (n <= 0 || n % sizeof(struct sock_filter)) {
		fprintf(stderr, "load: %s: not a BPF program\n", f->path);
		exit(1);
	}
	f->prog.len = n / sizeof(struct sock_filter);
	f->prog.filter = buf[used++];
}

/* One load in a child; returns the microseconds seccomp() took. */
static double load_once(const struct sock_fprog *prog)
{
	int fds[2], status;
	double us = -1;
	pid_t pid;

	if (pipe(fds) < 0) {
		perror("load: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("load: fork");
		exit(1);
	}
	if (pid == 0) {
		double t0;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(1);
		t0 = now_us();
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
			_exit(1);
		us = now_us() - t0;
		_exit(write(fds[1], &us, sizeof(us)) == sizeof(us) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &us, sizeof(us)) != sizeof(us))
		us = -1;
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0 || status != 0 || us < 0) {
		fprintf(stderr, "load: seccomp() failed in the child\n");
		exit(1);
	}
	return us;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct filter f[FILES_MAX];
	int runs = argc > 2 ? atoi(argv[1]) : 0, n = argc - 2;

	if (runs < 1 || n > FILES_MAX) {
		fprintf(stderr, "usage: load RUNS FILE... (at most %d)\n", FILES_MAX);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		f[i].path = argv[i + 2];
		read_filter(&f[i]);
		f[i].us = calloc(runs, sizeof(double));
		if (!f[i].us) {
			perror("load: calloc");
			return 1;
		}
	}
	for (int r = 0; r < runs; r++)
		for (int i = 0; i < n; i++)
			f[i].us[r] = load_once(&f[i].prog);
	for (int i = 0; i < n; i++) {
		qsort(f[i].us, runs, sizeof(double), cmp_double);
		printf("%s %u %.1f %.1f %.1f\n", f[i].path, f[i].prog.len, f[i].us[runs / 2],
		       f[i].us[runs / 10], f[i].us[runs * 9 / 10]);
	}
	return 0;
}
