/*
 * ctorsig: a SIGUSR1 handler installed by a constructor, before main() (as a
 * C++ static initialiser would), so before libsandbox.so's filter. Prints
 * "ready", reads one byte from stdin (a signal interrupts it: no SA_RESTART),
 * then what read returned and how many signals the handler saw.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t seen;

static void on_usr1(int sig)
{
	(void)sig;
	seen++;
}

__attribute__((constructor(101))) static void install(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
}

int main(void)
{
	char c;
	ssize_t n;

	printf("ready\n");
	fflush(stdout);
	n = read(0, &c, 1);
	printf("read %zd, handled %d\n", n, (int)seen);
	return 0;
}
