/*
 * vowprobe: try what a promise allows, step by step, and report each result
 * as "STEP = ok" or "STEP = <strerror>" on stdout (unbuffered). Run under
 * SANDBOX_VOWS with `error`, a refused step reads "Operation not permitted";
 * each step is chosen so that the kernel itself never answers EPERM there.
 *   read:PATH  write:PATH (O_WRONLY|O_APPEND)  rdwr:PATH  create:PATH (O_CREAT|O_EXCL)
 *   trunc:PATH (O_WRONLY|O_TRUNC)  stat:PATH  list:DIR  mkdir:PATH  unlink:PATH
 *   mkfifo:PATH  chmod:PATH  chown:PATH (to its own owner)  flock:PATH (fcntl F_SETLK)
 *   mmap  mmap-exec  mprotect-exec     anonymous memory, PROT_EXEC
 *   socket:inet|inet6|unix|udp|netlink|packet (AF_INET SOCK_PACKET)|raw (ICMP)|ping
 *     (SOCK_DGRAM ICMP)|udplite|seqpacket (SCTP)  fork  thread  exec:PATH (fork, execve, wait)
 *   resolve:NAME  getaddrinfo(AI_ADDRCONFIG): EHOSTUNREACH when it fails
 *   move:DIR  mkdir DIR/sub, rename DIR/u to DIR/sub/u, link it back as DIR/l
 *   mem:PID:r|w  open /proc/PID/mem read-only or write-only
 *   selfmem  write code over a function of its own through /proc/self/mem, call it
 *   i386  x32  getpid through another ABI: int 0x80 (i386's 20), x32's 39 | 0x40000000
 *   setuid (to its own uid)  tty (TIOCSWINSZ on /dev/null: ENOTTY once allowed)
 *   ioctl (FS_IOC_GETFLAGS on /dev/null)  settime (CLOCK_MONOTONIC: EINVAL once allowed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/fs.h>

static int open_close(const char *path, int flags)
{
	int fd = open(path, flags, 0666);

	return fd < 0 ? -1 : close(fd);
}

static int map(int prot)
{
	void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? -1 : munmap(p, 4096);
}

static int protect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? -1 : mprotect(p, 4096, PROT_READ | PROT_EXEC);
}

static const struct {
	const char *kind;
	int family, type, protocol;
} sockets[] = {
	{ "inet", AF_INET, SOCK_STREAM, 0 },
	{ "inet6", AF_INET6, SOCK_STREAM, 0 },
	{ "udp", AF_INET, SOCK_DGRAM, 0 },
	{ "netlink", AF_NETLINK, SOCK_RAW, 0 },
	{ "packet", AF_INET, SOCK_PACKET, 0x300 /* htons(ETH_P_ALL) */ },
	{ "raw", AF_INET, SOCK_RAW, IPPROTO_ICMP },
	{ "ping", AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
	{ "udplite", AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE },
	{ "seqpacket", AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP },
};

static int make_socket(const char *kind)
{
	int fd = -2;

	for (size_t i = 0; i < sizeof(sockets) / sizeof(sockets[0]); i++)
		if (strcmp(kind, sockets[i].kind) == 0)
			fd = socket(sockets[i].family, sockets[i].type, sockets[i].protocol);
	if (fd == -2)
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
	return fd < 0 ? -1 : close(fd);
}

static int resolve(const char *name)
{
	struct addrinfo hints = { .ai_flags = AI_ADDRCONFIG, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;

	if (getaddrinfo(name, NULL, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

static int move(const char *dir)
{
	char sub[4096], from[4096], to[4096], back[4096];

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(from, sizeof(from), "%s/u", dir);
	snprintf(to, sizeof(to), "%s/sub/u", dir);
	snprintf(back, sizeof(back), "%s/l", dir);
	return mkdir(sub, 0755) < 0 || rename(from, to) < 0 || link(to, back) < 0 ? -1 : 0;
}

static int open_mem(const char *arg)
{
	char path[64];
	int pid = atoi(arg);

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	return open_close(path,
			  strchr(arg, ':') && strchr(arg, ':')[1] == 'w' ? O_WRONLY : O_RDONLY);
}

__attribute__((noipa)) static int patched(void)
{
	return 0;
}

/* mov eax, 0x1337; ret - over patched() (x86-64) */
static int self_mem(void)
{
	static const unsigned char code[] = { 0xb8, 0x37, 0x13, 0, 0, 0xc3 };
	int fd = open("/proc/self/mem", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pwrite(fd, code, sizeof(code), (off_t)(unsigned long)patched);
	close(fd);
	if (n != (ssize_t)sizeof(code))
		return -1;
	if (patched() != 0x1337) {
		errno = EFAULT;
		return -1;
	}
	return 0;
}

static int wait_child(int pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) < 125)
		return 0;
	errno = WIFEXITED(status) ? WEXITSTATUS(status) - 125 : ECHILD; /* the child's errno */
	return -1;
}

static int run(const char *path)
{
	int pid = fork();

	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(125 + errno); /* errno values the tests expect stay small */
	}
	return wait_child(pid);
}

static void *nothing(void *arg)
{
	return arg;
}

static int thread(void)
{
	pthread_t t;
	int r = pthread_create(&t, NULL, nothing, NULL);

	if (r) {
		errno = r;
		return -1;
	}
	return pthread_join(t, NULL) ? -1 : 0;
}

static int lock(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_RDWR), r;

	if (fd < 0)
		return -1;
	r = fcntl(fd, F_SETLK, &fl);
	close(fd);
	return r;
}

static int chown_self(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : chown(path, st.st_uid, st.st_gid);
}

static int on_null(unsigned long request)
{
	struct winsize ws = { 0 };
	int fd = open("/dev/null", O_RDONLY), r;

	if (fd < 0)
		return -1;
	r = ioctl(fd, request, &ws);
	close(fd);
	return r;
}

static int settime(void)
{
	struct timespec ts = { 0 };

	return clock_settime(CLOCK_MONOTONIC, &ts);
}

static int other_abi(int x32)
{
	long r = -ENOSYS;

#if defined(__x86_64__)
	if (x32)
		r = syscall(39 | 0x40000000L);
	else
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r < 0 && x32 ? -1 : 0;
#else
	(void)x32;
	errno = ENOSYS;
	return (int)r;
#endif
}

static int step(const char *a)
{
	const char *arg = strchr(a, ':') ? strchr(a, ':') + 1 : "";
	struct stat st;
	int pid;

#define IS(word) (strncmp(a, word, strlen(word)) == 0)
	if (IS("read:"))
		return open_close(arg, O_RDONLY);
	if (IS("write:"))
		return open_close(arg, O_WRONLY | O_APPEND);
	if (IS("rdwr:"))
		return open_close(arg, O_RDWR);
	if (IS("create:"))
		return open_close(arg, O_WRONLY | O_CREAT | O_EXCL);
	if (IS("trunc:"))
		return open_close(arg, O_WRONLY | O_TRUNC);
	if (IS("stat:"))
		return stat(arg, &st);
	if (IS("list:"))
		return open_close(arg, O_RDONLY | O_DIRECTORY);
	if (IS("mkdir:"))
		return mkdir(arg, 0755);
	if (IS("unlink:"))
		return unlink(arg);
	if (IS("mkfifo:"))
		return mkfifo(arg, 0644);
	if (IS("chmod:"))
		return chmod(arg, 0644);
	if (IS("chown:"))
		return chown_self(arg);
	if (IS("flock:"))
		return lock(arg);
	if (IS("socket:"))
		return make_socket(arg);
	if (IS("exec:"))
		return run(arg);
	if (IS("resolve:"))
		return resolve(arg);
	if (IS("move:"))
		return move(arg);
	if (IS("mem:"))
		return open_mem(arg);
	if (IS("selfmem"))
		return self_mem();
	if (IS("i386"))
		return other_abi(0);
	if (IS("x32"))
		return other_abi(1);
	if (IS("mmap-exec"))
		return map(PROT_READ | PROT_EXEC);
	if (IS("mprotect-exec"))
		return protect_exec();
	if (IS("mmap"))
		return map(PROT_READ | PROT_WRITE);
	if (IS("fork")) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		return wait_child(pid);
	}
	if (IS("thread"))
		return thread();
	if (IS("setuid"))
		return setuid(getuid());
	if (IS("tty"))
		return on_null(TIOCSWINSZ);
	if (IS("ioctl"))
		return on_null(FS_IOC_GETFLAGS);
	if (IS("settime"))
		return settime();
	errno = EINVAL;
	return -1;
}

/* VOWPROBE_CTOR=STEP: STEP from a constructor of the program too, which
 * runs before main() ("ctor STEP = ..."). */
__attribute__((constructor)) static void early(void)
{
	const char *a = getenv("VOWPROBE_CTOR");
	int r;

	if (!a)
		return;
	r = step(a);
	printf("ctor %s = %s\n", a, r < 0 ? strerror(errno) : "ok");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		int r = step(argv[i]);

		printf("%s = %s\n", argv[i], r < 0 ? strerror(errno) : "ok");
	}
	return 0;
}
