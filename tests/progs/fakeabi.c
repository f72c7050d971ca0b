/*
 * fakeabi ABI PROG [ARGS...]: run PROG (and what it starts) on a kernel that
 * claims Landlock ABI ABI. A seccomp filter sends each
 * landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) to this
 * process (user notification), which answers ABI; every other call, and the
 * real rulesets, go on to the kernel. Exits with PROG's status (128+N after
 * signal N), or 126 if this could not be set up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_LANDLOCK_CREATE_RULESET 444 /* every architecture */
#define CREATE_RULESET_VERSION 1

#if defined(__x86_64__)
#define NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE AUDIT_ARCH_AARCH64
#else
#error "fakeabi: x86_64 and aarch64 only"
#endif

/* Install the filter; -> its listener fd, or -1. */
static int install(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_LANDLOCK_CREATE_RULESET, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &prog);
}

static int send_fd(int sock, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 }, b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != 1 || !(c = CMSG_FIRSTHDR(&m)) || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Answer the VERSION queries with ABI, let the rest through, until every
 * filtered process is gone. */
static void serve(int listener, long abi)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct pollfd p = { .fd = listener, .events = POLLIN };

	while (poll(&p, 1, -1) > 0 && !(p.revents & (POLLHUP | POLLERR))) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			continue; /* the caller died meanwhile */
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		if (req.data.args[0] == 0 && req.data.args[1] == 0 &&
		    req.data.args[2] == CREATE_RULESET_VERSION)
			resp.val = abi;
		else
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

int main(int argc, char **argv)
{
	int sv[2], listener, st = 0;
	pid_t pid;

	if (argc < 3)
		return 126;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 126;
	pid = fork();
	if (pid == 0) {
		listener = install();
		if (listener < 0 || send_fd(sv[1], listener) < 0)
			_exit(126);
		close(listener);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	listener = recv_fd(sv[0]);
	if (listener < 0) {
		waitpid(pid, NULL, 0);
		return 126;
	}
	serve(listener, atol(argv[1]));
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
