// SPDX-License-Identifier: MIT
/*
 * probe.c - what this kernel offers, for `pysandbox features`.
 *
 * Part of the cffi module only. Every probe asks the kernel itself (a
 * syscall), never a version number. Every probe runs in a forked child: it
 * may change that process (no_new_privs, a filter, a namespace, a tracer) or
 * get it killed (another ABI's syscall, a seccomp filter the caller runs
 * under), and the caller is left as it was.
 * Each returns 0 (or a value >= 0) when the feature works, else -errno;
 * -ECHILD when the probing child died without answering.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define UNUSED __attribute__((unused)) /* a probe run by in_child() */

static int wait_for(pid_t pid, int *status)
{
	return sb_wait(pid, status, __WALL);
}

/* Run FN(ARG, OUT) in a forked child and return what it returned; the child
 * passes that and OUT's LEN bytes back through a pipe. -ECHILD if the child
 * died first (a seccomp filter of ours, a fault). The child only makes
 * syscalls and _exit()s: it never returns into the caller's (Python's) code. */
static int in_child(int (*fn)(long, void *), long arg, void *out, size_t len)
{
	struct {
		int r;
		unsigned char out[16];
	} msg = { -ECHILD, { 0 } };
	int fds[2], r = -ECHILD, status;
	ssize_t n = 0;
	pid_t pid;

	if (len > sizeof(msg.out))
		return -EINVAL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		msg.r = fn(arg, msg.out);
		_exit(write(fds[1], &msg, sizeof(msg)) == sizeof(msg) ? 0 : 1);
	}
	if (pid < 0)
		r = -errno;
	close(fds[1]);
	while (pid > 0 && (n = read(fds[0], &msg, sizeof(msg))) < 0 && errno == EINTR)
		;
	if (n == sizeof(msg)) {
		r = msg.r;
		memcpy(out, msg.out, len);
	}
	close(fds[0]);
	if (pid > 0)
		wait_for(pid, &status);
	return r;
}

/* In a freshly forked child: die with the parent PARENT, even if it is
 * already gone. Nothing may outlive a probe: it would hold in_child's pipe. */
static void die_with(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* it died before the prctl */
		_exit(ECHILD);
}

/* A child of the (probing) child that waits to be traced. */
static pid_t idle_child(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		die_with(parent);
		for (;;)
			pause();
	}
	return pid;
}

static int install_allow_all(unsigned int flags)
{
	const struct sb_insn allow = { BPF_RET | BPF_K, 0, 0, SB_ACT_ALLOW };
	int r = sb_no_new_privs(); /* NOTE: seccomp(2) needs it without CAP_SYS_ADMIN */

	if (r == 0)
		r = sb_install_flags(&allow, 1, flags);

	return r < 0 ? r : 0;
}

static int filter_child(long arg UNUSED, void *out UNUSED)
{
	return install_allow_all(0);
}

int sb_probe_seccomp_filter(void)
{
	return in_child(filter_child, 0, NULL, 0);
}

static int action_child(long arg, void *out UNUSED)
{
	uint32_t action = (uint32_t)arg;

	/* NOTE: seccomp(2): EOPNOTSUPP for an action the kernel does not know;
	 * kernels before 4.14 have no SECCOMP_GET_ACTION_AVAIL (EINVAL). */
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0 ? -errno : 0;
}

int sb_probe_seccomp_action(uint32_t action)
{
	return in_child(action_child, action, NULL, 0);
}

static int notif_sizes_child(long arg UNUSED, void *out)
{
	struct seccomp_notif_sizes s;
	uint16_t sizes[3];

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) < 0)
		return -errno;
	sizes[0] = s.seccomp_notif;
	sizes[1] = s.seccomp_notif_resp;
	sizes[2] = s.seccomp_data;
	memcpy(out, sizes, sizeof(sizes));
	return 0;
}

int sb_probe_notif_sizes(uint16_t *sizes)
{
	return in_child(notif_sizes_child, 0, sizes, 3 * sizeof(*sizes));
}

static int listener_child(long arg UNUSED, void *out UNUSED)
{
	return install_allow_all(SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

int sb_probe_notif_listener(void)
{
	return in_child(listener_child, 0, NULL, 0);
}

static int landlock_child(long arg UNUSED, void *out UNUSED)
{
#ifdef SYS_landlock_create_ruleset
	long r = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return r < 0 ? -errno : (int)r;
#else
	return -ENOSYS;
#endif
}

int sb_probe_landlock_abi(void)
{
	return in_child(landlock_child, 0, NULL, 0);
}

static int userns_child(long arg UNUSED, void *out UNUSED)
{
	return unshare(CLONE_NEWUSER) < 0 ? -errno : 0;
}

int sb_probe_userns(void)
{
	return in_child(userns_child, 0, NULL, 0);
}

#if defined(__x86_64__) && !defined(__ILP32__)

static int i386_child(long arg UNUSED, void *out UNUSED)
{
	long r, nr = sb_syscall_nr(sb_arch_lookup("i386"), "getpid");

	/* NOTE: int $0x80 from a 64-bit process is the i386 ABI; without
	 * IA32_EMULATION (or with ia32_emulation=0) the kernel kills us. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "r8", "r9", "r10", "r11", "memory");
	if (r < 0)
		return (int)r;
	return r == getpid() ? 0 : -EPROTO;
}

int sb_probe_i386(void)
{
	return in_child(i386_child, 0, NULL, 0);
}

static int x32_child(long arg UNUSED, void *out UNUSED)
{
	long r = syscall(sb_syscall_nr(sb_arch_lookup("x32"), "getpid"));

	if (r < 0)
		return -errno;
	return r == getpid() ? 0 : -EPROTO;
}

int sb_probe_x32(void)
{
	return in_child(x32_child, 0, NULL, 0);
}

#else

int sb_probe_i386(void)
{
	return -EOPNOTSUPP;
}

int sb_probe_x32(void)
{
	return -EOPNOTSUPP;
}

#endif

/* Seize an idle child of ours with OPTIONS; with INFO, also stop it and ask
 * PTRACE_GET_SYSCALL_INFO, and answer that request's result. */
static int seize_child(unsigned long options, int info)
{
	struct __ptrace_syscall_info si;
	int r = 0, status;
	pid_t pid = idle_child();

	if (pid < 0)
		return -errno;
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)options) < 0)
		r = -errno;
	else if (info && ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0)
		r = -errno;
	else if (info && (r = wait_for(pid, &status)) == 0 &&
		 ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(si), &si) < 0)
		r = -errno;
	kill(pid, SIGKILL);
	wait_for(pid, &status);
	return r;
}

static int ptrace_child(long arg UNUSED, void *out UNUSED)
{
	return seize_child(0, 0);
}

static int syscall_info_child(long arg UNUSED, void *out UNUSED)
{
	return seize_child(0, 1);
}

static int suspend_seccomp_child(long arg UNUSED, void *out UNUSED)
{
	return seize_child(PTRACE_O_SUSPEND_SECCOMP, 0);
}

int sb_probe_ptrace_child(void)
{
	return in_child(ptrace_child, 0, NULL, 0);
}

int sb_probe_syscall_info(void)
{
	return in_child(syscall_info_child, 0, NULL, 0);
}

int sb_probe_suspend_seccomp(void)
{
	return in_child(suspend_seccomp_child, 0, NULL, 0);
}

/* sandboxify's case: a helper seizes a process that is not its descendant
 * (here its parent), which declared it with PR_SET_PTRACER. */
static int ptrace_parent_child(long arg UNUSED, void *out UNUSED)
{
	int go[2], status, r;
	char c = 0;
	pid_t parent = getpid(), helper;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	helper = fork();
	if (helper == 0) {
		die_with(parent);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(ECHILD);
		/* Exiting detaches: the tracee never stops. */
		_exit(ptrace(PTRACE_SEIZE, getppid(), NULL, NULL) < 0 ? errno : 0);
	}
	close(go[0]);
	if (helper < 0) {
		r = -errno;
		close(go[1]);
		return r;
	}
	r = sb_set_ptracer(helper);
	if (write(go[1], &c, 1) != 1 && r == 0)
		r = -errno;
	close(go[1]);
	if (wait_for(helper, &status) == 0 && r == 0)
		r = WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
	return r;
}

int sb_probe_ptrace_parent(void)
{
	return in_child(ptrace_parent_child, 0, NULL, 0);
}
