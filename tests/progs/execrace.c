/*
 * execrace.c - try to win the exec policy's race: execrace MODE N.
 *
 * N times, a child execs a path and argv held in memory that something else
 * rewrites in a tight loop between "/usr/bin/true" and "/usr/bin/echo", and
 * its argv[1] between "allowed" and "ESCAPED": in MODE "thread" a second
 * thread of the child; in MODE "process" a second process sharing the
 * memory (MAP_SHARED), started once. Under SANDBOX_EXEC_DENY='/usr/bin/echo
 * ESCAPED' a line "ESCAPED" on stdout is a denied exec that ran. On stderr:
 * "ran R refused E killed K other O" (exit 0, exit 126 after EACCES, killed
 * by SIGKILL, anything else).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct target {
	char path[32];
	char arg[32];
	volatile int stop;
};

static struct target *t;

static void *flip(void *unused)
{
	(void)unused;
	for (unsigned long i = 0; !t->stop; i++) {
		memcpy(t->path, i & 1 ? "/usr/bin/echo" : "/usr/bin/true", 14);
		memcpy(t->arg, i & 2 ? "ESCAPED" : "allowed", 8);
	}
	return NULL;
}

static void attempt(int threaded)
{
	char *argv[] = { "x", t->arg, NULL };
	pthread_t th;

	if (threaded && pthread_create(&th, NULL, flip, NULL) != 0)
		_exit(3);
	for (volatile int spin = 0; spin < 2000; spin++) /* let the flipping start */
		;
	execve(t->path, argv, environ);
	_exit(errno == EACCES ? 126 : 127);
}

int main(int argc, char **argv)
{
	int threaded, n, ran = 0, refused = 0, killed = 0, other = 0, status;
	pid_t flipper = -1;

	if (argc != 3)
		return 2;
	threaded = strcmp(argv[1], "thread") == 0;
	n = atoi(argv[2]);
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return 2;
	memcpy(t->path, "/usr/bin/true", 14);
	memcpy(t->arg, "allowed", 8);
	if (!threaded && (flipper = fork()) == 0) {
		flip(NULL);
		_exit(0);
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			attempt(threaded);
		if (pid < 0 || waitpid(pid, &status, 0) < 0)
			return 2;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ran++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
			refused++;
		else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
		else
			other++;
	}
	t->stop = 1;
	if (flipper > 0)
		waitpid(flipper, &status, 0);
	fflush(stdout);
	fprintf(stderr, "ran %d refused %d killed %d other %d\n", ran, refused, killed, other);
	return 0;
}
