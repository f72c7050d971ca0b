/*
 * execctor: a program whose constructor (which runs after a preloaded
 * library's, before main()) forks a child that execs /usr/bin/echo ctor;
 * the parent reports how the child ended, then main says "main".
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((constructor)) static void early(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		execl("/usr/bin/echo", "echo", "ctor", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("child: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	fflush(stdout);
}

int main(void)
{
	puts("main");
	return 0;
}
