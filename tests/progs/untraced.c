/*
 * untraced.c - a child started with CLONE_UNTRACED (so no tracer follows it)
 * execs /usr/bin/true: prints "untraced exec: <strerror>" or, if it ran,
 * "untraced exec: ran".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *argv[] = { "true", NULL };
	int status;
	long pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);

	if (pid == 0) {
		execve("/usr/bin/true", argv, NULL);
		printf("untraced exec: %s\n", strerror(errno));
		fflush(stdout);
		_exit(1);
	}
	if (pid < 0 || waitpid((pid_t)pid, &status, 0) < 0)
		return 2;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		printf("untraced exec: ran\n");
	return 0;
}
