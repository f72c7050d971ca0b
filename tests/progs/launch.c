/*
 * launch: exec a program with a state a shell cannot always give it.
 *   launch [-b SIG] [-i SIG] [-c FD] [-s 1]... PROG [ARGS...] [@@ ENTRY...]
 * -b blocks signal SIG, -i ignores it, -c closes FD, -s 1 makes this process
 * (and so PROG) a child subreaper (prctl(2)). With @@, the entries
 * after it are PROG's whole environment, as execve(2) takes it: repeated
 * names and entries without '=' included.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

/* Start from every signal at its default action, whatever this process
 * inherited (the raw call: glibc refuses its own two, 32 and 33), so that
 * the signal state PROG is handed is exactly what the options say. */
static void defaults(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };

	for (long sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
}

int main(int argc, char **argv)
{
	char **envp = environ;
	sigset_t block;
	int i = 1;

	defaults();
	sigemptyset(&block);
	for (; i + 1 < argc && argv[i][0] == '-' && argv[i][2] == 0; i += 2) {
		int n = atoi(argv[i + 1]);

		if (argv[i][1] == 'b')
			sigaddset(&block, n);
		else if (argv[i][1] == 'i')
			signal(n, SIG_IGN);
		else if (argv[i][1] == 'c')
			close(n);
		else if (argv[i][1] == 's')
			prctl(PR_SET_CHILD_SUBREAPER, n, 0, 0, 0);
	}
	for (int k = i; k < argc; k++)
		if (strcmp(argv[k], "@@") == 0) {
			argv[k] = NULL;
			envp = argv + k + 1;
			break;
		}
	if (i >= argc)
		return 2;
	sigprocmask(SIG_SETMASK, &block, NULL); /* exactly these */
	execve(argv[i], argv + i, envp);
	perror("launch: execve");
	return 127;
}
