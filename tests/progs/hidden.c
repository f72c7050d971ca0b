/*
 * hidden: calls pysandbox learn would not see without taking care.
 *   hidden seccomp   install a filter of its own (seccomp(2)) that answers
 *                    getppid with EPERM, then call getppid
 *   hidden prctl     the same through prctl(PR_SET_SECCOMP)
 *   hidden clone     a child made by clone(CLONE_UNTRACED) calls getppid
 *   hidden clone3    the same through clone3(2)
 * Prints "getppid = ok" or "getppid = <error>", and for a child how it ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct clone_args_v0 { /* struct clone_args up to CLONE_ARGS_SIZE_VER0 */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void call_getppid(void)
{
	long r = syscall(SYS_getppid);

	printf("getppid = %s\n", r > 0 ? "ok" : strerror(errno));
	fflush(stdout);
}

static int own_filter(int via_prctl)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(insns) / sizeof(insns[0]), insns };
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	r = via_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)
		      : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	if (r < 0)
		return 1;
	call_getppid();
	return 0;
}

static int untraced_child(int via_clone3)
{
	struct clone_args_v0 args = { .flags = CLONE_UNTRACED, .exit_signal = SIGCHLD };
	int status;
	long pid;

	pid = via_clone3 ? syscall(SYS_clone3, &args, sizeof(args))
			 : syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return 1;
	if (pid == 0) {
		call_getppid();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	if (WIFSIGNALED(status))
		printf("child: signal %d\n", WTERMSIG(status));
	else
		printf("child: exit %d\n", WEXITSTATUS(status));
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "seccomp") || !strcmp(what, "prctl"))
		return own_filter(what[0] == 'p');
	if (!strcmp(what, "clone") || !strcmp(what, "clone3"))
		return untraced_child(what[5] == '3');
	fprintf(stderr, "usage: hidden seccomp|prctl|clone|clone3\n");
	return 2;
}
