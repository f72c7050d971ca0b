/*
 * forkctor.so: a library whose constructor (which runs before a preloaded
 * library's) forks a child that calls getpid and exits inside the
 * constructor; the parent reports how the child ended, then goes on.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((constructor)) static void early(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		getpid();
		_exit(7);
	}
	waitpid(pid, &st, 0);
	printf("child: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	fflush(stdout);
}
