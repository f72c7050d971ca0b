/*
 * llprobe: try what a Landlock sandbox decides, step by step, and report
 * each result as "STEP = ok" or "STEP = <strerror>" on stdout (unbuffered).
 *   read:PATH        open O_RDONLY and read a byte (a directory: list it)
 *   write:PATH       open O_WRONLY|O_CREAT|O_APPEND and write a byte
 *   trunc:PATH       truncate(2) to 0 bytes
 *   mkdir:PATH  unlink:PATH
 *   rename:A>B  link:A>B      rename(2), link(2)
 *   run:PATH         fork, execve PATH, wait: "ok" or execve's error
 *   spawn:PATH       the same with the steps after it as PATH's arguments
 *                    (PATH, another llprobe, takes them): the last step here
 *   connect:PORT  connect6:PORT  bind:PORT     TCP on 127.0.0.1 (connect6: ::1)
 *   socket:KIND      tcp tcp6 udp udp6 ping mptcp unix netlink packet raw, and
 *                    udp-flags tcp-flags (with SOCK_CLOEXEC|SOCK_NONBLOCK)
 *   fastopen:PORT    sendto(MSG_FASTOPEN) on a new TCP socket to 127.0.0.1
 *   fastopen-msg:PORT    the same through sendmsg
 *   uring            io_uring_setup(1)
 *   kill:ppid        kill(getppid(), 0)
 *   abstract:NAME    connect to the abstract UNIX stream socket "\0NAME"
 *   mem:ppid         open /proc/PPID/mem O_RDWR
 *   sibling          fork a child that listens on an abstract socket; connect
 *                    to it and kill(child, 0): both inside one sandbox
 *   env:NAME         print NAME's value, or (unset)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

static int say(const char *step, int r)
{
	printf("%s = %s\n", step, r < 0 ? strerror(errno) : "ok");
	return r;
}

static int do_read(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) < 0 && errno == EISDIR) {
		char buf[4096];

		if (syscall(SYS_getdents64, fd, buf, sizeof(buf)) < 0) {
			close(fd);
			return -1;
		}
	}
	return close(fd);
}

static int do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, "x", 1) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* A>B split into two strings in BUF: -> B, or NULL. */
static const char *second(const char *arg, char *buf, size_t size)
{
	char *gt;

	snprintf(buf, size, "%s", arg);
	gt = strchr(buf, '>');
	if (!gt)
		return NULL;
	*gt = '\0';
	return gt + 1;
}

/* fork and execve PATH with ARGS (ARGS[0] replaced by PATH, in the child) */
static int do_run(const char *path, char **args)
{
	int err = 0, st = 0, fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		args[0] = (char *)path;
		execve(path, args, environ);
		err = errno;
		write(fds[1], &err, sizeof(err));
		_exit(127);
	}
	close(fds[1]);
	if (read(fds[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (!err && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		err = ECHILD;
	errno = err;
	return err ? -1 : 0;
}

static int tcp(int family, int port, int is_bind)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr *a = family == AF_INET ? (void *)&a4 : (void *)&a6;
	socklen_t len = family == AF_INET ? sizeof(a4) : sizeof(a6);
	int one = 1, r, fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = is_bind ? bind(fd, a, len) : connect(fd, a, len);
	if (r < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* TCP fast open: connect and send in one sendto (or sendmsg, WITH_MSG) */
static int fastopen(int port, int with_msg)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct iovec iov = { .iov_base = "hello", .iov_len = 5 };
	struct msghdr m = {
		.msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = &iov, .msg_iovlen = 1
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = with_msg ? sendmsg(fd, &m, MSG_FASTOPEN)
		     : sendto(fd, "hello", 5, MSG_FASTOPEN, (void *)&a, sizeof(a));
	if (r < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int new_socket(const char *kind)
{
	static const struct {
		const char *name;
		int family, type, proto;
	} kinds[] = {
		{ "tcp", AF_INET, SOCK_STREAM, 0 },
		{ "tcp6", AF_INET6, SOCK_STREAM, 0 },
		{ "udp", AF_INET, SOCK_DGRAM, 0 },
		{ "udp6", AF_INET6, SOCK_DGRAM, 0 },
		{ "udp-flags", AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0 },
		{ "tcp-flags", AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP },
		{ "ping", AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
		{ "mptcp", AF_INET, SOCK_STREAM, 262 },
		{ "unix", AF_UNIX, SOCK_STREAM, 0 },
		{ "netlink", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE },
		{ "packet", AF_PACKET, SOCK_DGRAM, 0 },
		{ "raw", AF_INET, SOCK_RAW, IPPROTO_ICMP },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].name) == 0) {
			int fd = socket(kinds[i].family, kinds[i].type, kinds[i].proto);

			return fd < 0 ? -1 : close(fd);
		}
	fprintf(stderr, "llprobe: unknown socket kind '%s'\n", kind);
	exit(2);
}

static int uring(void)
{
	struct io_uring_params p;
	long fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 1, &p);
	return fd < 0 ? -1 : close(fd);
}

static int abstract_addr(const char *name, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s", name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static int abstract(const char *name)
{
	struct sockaddr_un a;
	socklen_t len = abstract_addr(name, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (void *)&a, len) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int mem(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)getppid());
	fd = open(path, O_RDWR);
	return fd < 0 ? -1 : close(fd);
}

static int sibling(void)
{
	char name[64], c;
	struct sockaddr_un a;
	socklen_t len;
	int r, fds[2];
	pid_t pid;

	snprintf(name, sizeof(name), "pysandbox-llprobe-%d", (int)getpid());
	len = abstract_addr(name, &a);
	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		if (s < 0 || bind(s, (void *)&a, len) < 0 || listen(s, 1) < 0)
			_exit(1);
		write(fds[1], "r", 1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1) {
		errno = ECHILD;
		r = -1;
	} else {
		r = abstract(name);
		if (r == 0)
			r = kill(pid, 0);
	}
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return r;
}

static void env(const char *name)
{
	const char *v = getenv(name);

	printf("env:%s = %s\n", name, v ? v : "(unset)");
}

static void step(const char *a)
{
	const char *arg = strchr(a, ':') ? strchr(a, ':') + 1 : "";
	char buf[4096];
	char *run_args[] = { NULL, NULL };
	const char *b;

	if (strncmp(a, "read:", 5) == 0)
		say(a, do_read(arg));
	else if (strncmp(a, "write:", 6) == 0)
		say(a, do_write(arg));
	else if (strncmp(a, "trunc:", 6) == 0)
		say(a, truncate(arg, 0));
	else if (strncmp(a, "mkdir:", 6) == 0)
		say(a, mkdir(arg, 0755));
	else if (strncmp(a, "unlink:", 7) == 0)
		say(a, unlink(arg));
	else if (strncmp(a, "rename:", 7) == 0 && (b = second(arg, buf, sizeof(buf))))
		say(a, rename(buf, b));
	else if (strncmp(a, "link:", 5) == 0 && (b = second(arg, buf, sizeof(buf))))
		say(a, link(buf, b));
	else if (strncmp(a, "run:", 4) == 0)
		say(a, do_run(arg, run_args));
	else if (strncmp(a, "connect:", 8) == 0)
		say(a, tcp(AF_INET, atoi(arg), 0));
	else if (strncmp(a, "connect6:", 9) == 0)
		say(a, tcp(AF_INET6, atoi(arg), 0));
	else if (strncmp(a, "bind:", 5) == 0)
		say(a, tcp(AF_INET, atoi(arg), 1));
	else if (strncmp(a, "socket:", 7) == 0)
		say(a, new_socket(arg));
	else if (strncmp(a, "fastopen:", 9) == 0)
		say(a, fastopen(atoi(arg), 0));
	else if (strncmp(a, "fastopen-msg:", 13) == 0)
		say(a, fastopen(atoi(arg), 1));
	else if (strcmp(a, "uring") == 0)
		say(a, uring());
	else if (strcmp(a, "kill:ppid") == 0)
		say(a, kill(getppid(), 0));
	else if (strncmp(a, "abstract:", 9) == 0)
		say(a, abstract(arg));
	else if (strcmp(a, "mem:ppid") == 0)
		say(a, mem());
	else if (strcmp(a, "sibling") == 0)
		say(a, sibling());
	else if (strncmp(a, "env:", 4) == 0)
		env(arg);
	else {
		fprintf(stderr, "llprobe: unknown step '%s'\n", a);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "spawn:", 6) == 0) {
			char step_name[4096];

			snprintf(step_name, sizeof(step_name), "%s", argv[i]);
			say(step_name, do_run(argv[i] + 6, argv + i));
			return 0;
		}
		step(argv[i]);
	}
	return 0;
}
