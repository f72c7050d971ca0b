/*
 * reap: print this process's PID, then reap children as they end, for up
 * to 5 seconds, until it has none: "pid P reaped N". Run as PID 1 (unshare
 * --pid --fork) under sandboxify, the helper is such a child.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec tick = { 0, 1000000 };
	int reaped = 0, status;

	for (int ms = 0; ms < 5000; ms++) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0)
			reaped++;
		else if (pid < 0 && errno == ECHILD)
			break;
		else
			nanosleep(&tick, NULL);
	}
	printf("pid %d reaped %d\n", (int)getpid(), reaped);
	return 0;
}
