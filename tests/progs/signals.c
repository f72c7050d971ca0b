/*
 * signals: install a SIGUSR1 handler, print "ready", sleep MS milliseconds
 * (nanosleep, resumed after each interruption), then print how many signals
 * the handler saw. Learned without a signal, its handler has never returned
 * (rt_sigreturn) when a later run first gets one.
 *   signals MS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile sig_atomic_t seen;

static void on_usr1(int sig)
{
	(void)sig;
	seen++;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	long ms = argc > 1 ? atol(argv[1]) : 100;
	struct timespec left = { ms / 1000, ms % 1000 * 1000000 };

	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
	printf("handled %d\n", (int)seen);
	return 0;
}
