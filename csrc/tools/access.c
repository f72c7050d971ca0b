// SPDX-License-Identifier: MIT
/*
 * access.c - for `pysandbox learn --landlock`: the paths, TCP ports, socket
 * kinds and signals a traced program's calls name, as the records of
 * struct sb_learn (sandbox.h) from which Python proposes SANDBOX_FS_* and
 * SANDBOX_NET* rules.
 *
 * trace.c calls in at every seccomp stop. Path strings and socket addresses
 * are read from the tracee's memory; a relative path is joined to what
 * /proc/PID/cwd or /proc/PID/fd/DIRFD links to. A call's path records wait
 * for its syscall-exit-stop and are kept only if it succeeded (a failed
 * open of a missing file needs no rule: Landlock never sees it); execve's
 * wait for its exec event. Network and signal records are kept at once:
 * under Landlock a refused connect would fail differently, not vanish.
 *
 * Each record is kept once (a hash set over the buffer's offsets); what
 * does not fit is counted in access_lost, never silently left out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/ptrace.h>

#include "access.h"
#include "internal.h"

#define PENDING_MAX 8 /* tasks inside a path call at once; more: kept unchecked */
#define RECORD_MAX (PATH_MAX + 2) /* kind byte, path, NUL */
#define PENDING_SIZE (3 * RECORD_MAX) /* open(O_RDWR|O_CREAT): read, write, make */

/* The records of one task's current call, until its result is known. */
struct pending {
	pid_t pid; /* 0: free */
	size_t len;
	char buf[PENDING_SIZE];
};

struct sb_access_log {
	struct sb_learn *out;
	uint32_t *slot; /* offsets + 1 of the records in out->access */
	size_t cap, n;
	sb_access_traced_fn traced;
	const void *ctx;
	struct pending pending[PENDING_MAX + 1]; /* the last: kept at once */
};

/* ---- the buffer: each record once ---- */

static uint32_t rec_hash(const char *rec)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *rec; rec++)
		h = (h ^ (unsigned char)*rec) * 16777619u;
	return h;
}

static size_t rec_home(const struct sb_access_log *log, const char *rec)
{
	return rec_hash(rec) & (log->cap - 1);
}

static int grow(struct sb_access_log *log)
{
	size_t cap = log->cap * 2;
	uint32_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t k = 0; k < log->cap; k++) {
		size_t i;

		if (!log->slot[k])
			continue;
		i = rec_hash(log->out->access + log->slot[k] - 1) & (cap - 1);
		while (slot[i])
			i = (i + 1) & (cap - 1);
		slot[i] = log->slot[k];
	}
	free(log->slot);
	log->slot = slot;
	log->cap = cap;
	return 0;
}

/* Keep record REC (kind byte, text, NUL) unless kept already. */
static void keep(struct sb_access_log *log, const char *rec)
{
	struct sb_learn *out = log->out;
	size_t len = strlen(rec) + 1, i;

	if (2 * (log->n + 1) > log->cap && grow(log) < 0) {
		out->access_lost++;
		return;
	}
	for (i = rec_home(log, rec); log->slot[i]; i = (i + 1) & (log->cap - 1))
		if (strcmp(out->access + log->slot[i] - 1, rec) == 0)
			return;
	if (len > out->access_size - out->access_len) {
		out->access_lost++;
		return;
	}
	memcpy(out->access + out->access_len, rec, len);
	log->slot[i] = out->access_len + 1;
	out->access_len += len;
	log->n++;
}

static void keep_all(struct sb_access_log *log, struct pending *p)
{
	for (size_t off = 0; off < p->len; off += strlen(p->buf + off) + 1)
		keep(log, p->buf + off);
}

struct sb_access_log *sb_access_new(struct sb_learn *out, sb_access_traced_fn traced,
				    const void *ctx)
{
	struct sb_access_log *log;

	if (!out->access)
		return NULL;
	log = calloc(1, sizeof(*log));
	if (log && !(log->slot = calloc(256, sizeof(*log->slot)))) {
		free(log);
		log = NULL;
	}
	if (!log) {
		out->access_lost++;
		return NULL;
	}
	log->out = out;
	log->cap = 256;
	log->traced = traced;
	log->ctx = ctx;
	return log;
}

void sb_access_free(struct sb_access_log *log)
{
	if (log)
		free(log->slot);
	free(log);
}

/* ---- a call's records, waiting for its result ---- */

static struct pending *pending_of(const struct sb_access_log *log, pid_t pid)
{
	for (int i = 0; log && i < PENDING_MAX; i++)
		if (log->pending[i].pid == pid)
			return (struct pending *)&log->pending[i];
	return NULL;
}

/* Where PID's new call's records go: its slot, a free one, or the overflow. */
static struct pending *take(struct sb_access_log *log, pid_t pid)
{
	struct pending *p = pending_of(log, pid);

	if (!p)
		p = pending_of(log, 0);
	if (!p)
		p = &log->pending[PENDING_MAX];
	p->len = 0;
	return p;
}

static void release(struct sb_access_log *log, struct pending *p, int ok)
{
	if (ok)
		keep_all(log, p);
	p->pid = 0;
	p->len = 0;
}

int sb_access_waiting(const struct sb_access_log *log, pid_t pid)
{
	return pid > 0 && pending_of(log, pid) != NULL;
}

void sb_access_result(struct sb_access_log *log, pid_t pid)
{
	struct pending *p = pid > 0 ? pending_of(log, pid) : NULL;
	struct ptrace_syscall_info info;

	if (!p)
		return;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_EXIT)
		return; /* not its exit yet */
	release(log, p, !info.exit.is_error);
}

void sb_access_exec(struct sb_access_log *log, pid_t pid, pid_t former)
{
	struct pending *p;

	/* NOTE: the exec of a thread (FORMER) ends every other, the leader (PID)
	 * too, whose blocked call never completed: only the exec counts */
	if (former > 0 && (p = pending_of(log, former)))
		release(log, p, 1);
	if (pid > 0 && (p = pending_of(log, pid)))
		release(log, p, pid == former || former <= 0);
}

void sb_access_drop(struct sb_access_log *log, pid_t pid)
{
	struct pending *p = pid > 0 ? pending_of(log, pid) : NULL;

	if (p)
		release(log, p, 0);
}

/* ---- reading what the call names ---- */

/* The string at ADDR in PID into BUF: its length, or -EFAULT, -ENAMETOOLONG
 * (no NUL fits). */
static int read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t got = sb_peek(pid, (uintptr_t)addr, buf, size, 1);
	char *nul = memchr(buf, 0, got);

	if (nul)
		return (int)(nul - buf);
	return got < size ? -EFAULT : -ENAMETOOLONG;
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec here = { buf, len }, there = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &here, 1, &there, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

/* The path PID's FD (AT_FDCWD: its cwd) stands for, into BUF: its length,
 * or -errno; -ENOENT when it is no path (a pipe, a socket, deleted). */
static int fd_path(pid_t pid, int fd, char *buf, size_t size)
{
	char link[48];
	ssize_t n;

	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	if ((n = readlink(link, buf, size)) < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = 0;
	if (buf[0] != '/' || strstr(buf, " (deleted)"))
		return -ENOENT;
	return (int)n;
}

/* Append to P a record of KIND: NAME (N bytes) as PID names it beside DFD;
 * "" names DFD itself when EMPTY (AT_EMPTY_PATH). 0 or -errno. */
static int put_name(struct pending *p, pid_t pid, int kind, int dfd, const char *name, size_t n,
		    int empty)
{
	char *rec = p->buf + p->len;
	size_t room = sizeof(p->buf) - p->len;
	int b;

	if (room < RECORD_MAX)
		return -ENOBUFS;
	rec[0] = (char)kind;
	if (name[0] == '/') {
		if (n + 2 > RECORD_MAX)
			return -ENAMETOOLONG;
		memcpy(rec + 1, name, n + 1);
		p->len += n + 2;
		return 0;
	}
	if (n == 0 && !empty)
		return -ENOENT;
	if ((b = fd_path(pid, dfd, rec + 1, RECORD_MAX - 1)) < 0)
		return b;
	if (n && (size_t)b + n + 3 > RECORD_MAX)
		return -ENAMETOOLONG;
	if (n) {
		rec[1 + b] = '/';
		memcpy(rec + 2 + b, name, n + 1);
		b += (int)n + 1;
	}
	p->len += (size_t)b + 2;
	return 0;
}

/* A record of each kind in KINDS (a bit per SB_LEARN_ACCESS_*) for the path
 * at ADDR beside DFD; the first resolves it, the others copy. */
static int put_path(struct sb_access_log *log, struct pending *p, pid_t pid, unsigned int kinds,
		    int dfd, uint64_t addr, int empty)
{
	char name[PATH_MAX];
	size_t first = p->len, len;
	int n, r = 0;

	if (!kinds)
		return 0;
	if ((n = read_string(pid, addr, name, sizeof(name))) < 0 ||
	    (r = put_name(p, pid, __builtin_ctz(kinds), dfd, name, (size_t)n, empty)) < 0) {
		if (n != -ENOENT && r != -ENOENT)
			log->out->access_lost++; /* unreadable or too long */
		return n < 0 ? n : r;
	}
	len = p->len - first;
	for (kinds &= kinds - 1; kinds; kinds &= kinds - 1) {
		if (p->len + len > sizeof(p->buf))
			return -ENOBUFS;
		memcpy(p->buf + p->len, p->buf + first, len);
		p->buf[p->len] = (char)__builtin_ctz(kinds);
		p->len += len;
	}
	return 0;
}

#define BIT(kind) (1u << (kind))

/* The kinds an open(2) with FLAGS needs. NOTE: an O_PATH open is never
 * checked by Landlock; O_TMPFILE writes an unnamed file in the directory. */
static unsigned int open_kinds(uint64_t flags)
{
	unsigned int acc = flags & O_ACCMODE, kinds = 0;

	if (flags & O_PATH)
		return 0;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return BIT(SB_LEARN_ACCESS_WRITE);
	if (acc != O_WRONLY)
		kinds |= BIT(SB_LEARN_ACCESS_READ);
	if (acc != O_RDONLY || (flags & O_TRUNC))
		kinds |= BIT(SB_LEARN_ACCESS_WRITE);
	if (flags & O_CREAT)
		kinds |= BIT(SB_LEARN_ACCESS_MAKE);
	return kinds;
}

/* open(2) with FLAGS of the path at ADDR beside DFD. NOTE: O_CREAT makes a
 * file only when there is none: of a file that exists (looked at now, at
 * the call's entry) no make is recorded, which would ask a right on the
 * whole directory. */
static void put_open(struct sb_access_log *log, struct pending *p, pid_t pid, uint64_t flags,
		     int dfd, uint64_t addr)
{
	size_t first = p->len, at;
	struct stat st;

	if (put_path(log, p, pid, open_kinds(flags), dfd, addr, 0) < 0 || p->len == first ||
	    !(open_kinds(flags) & BIT(SB_LEARN_ACCESS_MAKE)) || (flags & O_EXCL) ||
	    fstatat(AT_FDCWD, p->buf + first + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	for (at = first; at < p->len; at += strlen(p->buf + at + 1) + 2) {
		size_t n = strlen(p->buf + at + 1) + 2;

		if (p->buf[at] != SB_LEARN_ACCESS_MAKE)
			continue;
		memmove(p->buf + at, p->buf + at + n, p->len - at - n);
		p->len -= n;
		return;
	}
}

/* Append a record of KIND with the text FMT makes (kept at once). */
static void put_text(struct pending *p, int kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put_text(struct pending *p, int kind, const char *fmt, ...)
{
	size_t room = sizeof(p->buf) - p->len;
	va_list ap;
	int n;

	if (room < 2)
		return;
	p->buf[p->len] = (char)kind;
	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->len + 1, room - 1, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < room - 1)
		p->len += (size_t)n + 2;
}

static void put_hex(struct pending *p, int kind, const unsigned char *data, size_t n)
{
	char hex[2 * sizeof(((struct sockaddr_un *)0)->sun_path) + 1];

	/* NOTE: N is the tracee's to choose (an address length up to a
	 * sockaddr_storage): never more than a name the kernel reads */
	if (n > sizeof(((struct sockaddr_un *)0)->sun_path))
		n = sizeof(((struct sockaddr_un *)0)->sun_path);
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02X", data[i]);
	hex[2 * n] = 0;
	put_text(p, kind, "%s", hex);
}

/*
 * connect(2) or bind(2) (KIND CONNECT or BIND) to the address at ADDR (LEN
 * bytes): the AF_INET/6 port; an abstract UNIX name (ABSTRACT or LISTEN);
 * a UNIX socket file bind(2) makes (MAKE, waits for the result: 1).
 */
/* Is the tracee's socket FD (of task PID) a stream socket? 1, 0, or -1 when
 * it cannot be told (a kernel before pidfd_getfd, 5.6): a copy of the fd,
 * asked SO_TYPE. NOTE: a UDP connect or bind needs no TCP port rule. */
static int is_stream(pid_t pid, int fd)
{
	long pfd = syscall(SYS_pidfd_open, pid, 0), copy;
	int type = 0, r;
	socklen_t len = sizeof(type);

	if (pfd < 0) /* a thread, not its group's leader: PIDFD_THREAD (6.9) */
		pfd = syscall(SYS_pidfd_open, pid, O_EXCL);
	if (pfd < 0)
		return -1;
	copy = syscall(SYS_pidfd_getfd, pfd, fd, 0);
	close((int)pfd);
	if (copy < 0)
		return -1;
	r = getsockopt((int)copy, SOL_SOCKET, SO_TYPE, &type, &len);
	close((int)copy);
	return r < 0 ? -1 : type == SOCK_STREAM;
}

static int put_sockaddr(struct sb_access_log *log, struct pending *p, pid_t pid, int kind, int fd,
			uint64_t addr, uint64_t len)
{
	struct sockaddr_storage sa;
	struct sockaddr_un *un = (struct sockaddr_un *)&sa;
	size_t n = len < sizeof(sa) ? (size_t)len : sizeof(sa), path_len;

	memset(&sa, 0, sizeof(sa));
	if (n < sizeof(sa_family_t) || read_mem(pid, addr, &sa, n) < 0)
		return 0;
	if (sa.ss_family == AF_INET || sa.ss_family == AF_INET6) {
		/* sin_port and sin6_port share their place */
		if (fd < 0 || is_stream(pid, fd) != 0)
			put_text(p, kind, "%u", ntohs(((struct sockaddr_in *)&sa)->sin_port));
		return 0;
	}
	if (sa.ss_family != AF_UNIX || n <= offsetof(struct sockaddr_un, sun_path))
		return 0;
	if (n > sizeof(*un))
		n = sizeof(*un); /* the kernel reads no more of a UNIX address */
	path_len = n - offsetof(struct sockaddr_un, sun_path);
	if (un->sun_path[0] == 0) {
		int abstract = kind == SB_LEARN_ACCESS_BIND ? SB_LEARN_ACCESS_LISTEN
							    : SB_LEARN_ACCESS_ABSTRACT;

		put_hex(p, abstract, (unsigned char *)un->sun_path + 1, path_len - 1);
		return 0;
	}
	if (kind != SB_LEARN_ACCESS_BIND)
		return 0; /* NOTE: connecting to a socket file: Landlock ABI 9 (RESOLVE_UNIX) */
	path_len = strnlen(un->sun_path, path_len);
	un->sun_path[path_len < sizeof(un->sun_path) ? path_len : sizeof(un->sun_path) - 1] = 0;
	if (put_name(p, pid, SB_LEARN_ACCESS_MAKE, AT_FDCWD, un->sun_path, strlen(un->sun_path),
		     0) < 0)
		log->out->access_lost++;
	return 1;
}

/* socket(2): the kind of socket, in SANDBOX_NET's words. */
static void put_socket(struct pending *p, uint64_t family, uint64_t type, uint64_t proto)
{
	unsigned int t = type & 0xf; /* NOTE: SOCK_TYPE_MASK, linux/net.h */
	const char *kind = NULL;

	if ((family == AF_INET || family == AF_INET6) && t == SOCK_STREAM)
		kind = proto == 0 || proto == IPPROTO_TCP ? "tcp" : NULL; /* MPTCP: refused */
	else if ((family == AF_INET || family == AF_INET6) && t == SOCK_DGRAM)
		kind = "udp";
	else if ((family == AF_INET || family == AF_INET6) && t == SOCK_RAW)
		kind = "raw";
	else if (family == AF_UNIX)
		kind = "unix";
	else if (family == AF_NETLINK)
		kind = "netlink";
	else if (family == AF_PACKET)
		kind = "raw";
	if (kind)
		put_text(p, SB_LEARN_ACCESS_SOCKET, "%s", kind);
	else
		put_text(p, SB_LEARN_ACCESS_SOCKET, "family %u type %u protocol %u",
			 (unsigned int)family, t, (unsigned int)proto);
}

/* A signal to TARGET (a pid or tid, or <= 0 for a group): outside the run? */
static void put_signal(struct sb_access_log *log, struct pending *p, int64_t target)
{
	pid_t pid = (pid_t)target;

	if (pid > 0 && !log->traced(log->ctx, pid))
		put_text(p, SB_LEARN_ACCESS_SIGNAL, "%d", (int)pid);
}

#define R BIT(SB_LEARN_ACCESS_READ)
#define X BIT(SB_LEARN_ACCESS_EXEC)
#define W BIT(SB_LEARN_ACCESS_WRITE)
#define M BIT(SB_LEARN_ACCESS_MAKE)

/* The legacy calls of x86_64 (generic-table arches have only the *at ones).
 * 1 if NR is one: its records wait for the result. */
static int legacy_call(struct sb_access_log *log, struct pending *p, pid_t pid, uint64_t nr,
		       const uint64_t *a)
{
	switch (nr) {
#ifdef SYS_open
	case SYS_open:
		put_open(log, p, pid, a[1], AT_FDCWD, a[0]);
		return 1;
	case SYS_creat:
		put_open(log, p, pid, O_CREAT | O_WRONLY | O_TRUNC, AT_FDCWD, a[0]);
		return 1;
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_unlink:
	case SYS_mknod:
		put_path(log, p, pid, M, AT_FDCWD, a[0], 0);
		return 1;
	case SYS_rename:
	case SYS_link:
		put_path(log, p, pid, M, AT_FDCWD, a[0], 0);
		put_path(log, p, pid, M, AT_FDCWD, a[1], 0);
		return 1;
	case SYS_symlink:
		put_path(log, p, pid, M, AT_FDCWD, a[1], 0);
		return 1;
#endif
#ifdef SYS_renameat
	case SYS_renameat:
		put_path(log, p, pid, M, (int)a[0], a[1], 0);
		put_path(log, p, pid, M, (int)a[2], a[3], 0);
		return 1;
#endif
	}
	return 0;
}

/* The *at calls every arch has. 1 if NR is one: its records wait. */
static int path_call(struct sb_access_log *log, struct pending *p, pid_t pid, uint64_t nr,
		     const uint64_t *a)
{
	uint64_t how_flags;

	switch (nr) {
	case SYS_openat:
		put_open(log, p, pid, a[2], (int)a[0], a[1]);
		return 1;
	case SYS_openat2: /* struct open_how begins with its u64 flags */
		if (read_mem(pid, a[2], &how_flags, sizeof(how_flags)) == 0)
			put_open(log, p, pid, how_flags, (int)a[0], a[1]);
		return 1;
	case SYS_execve:
		put_path(log, p, pid, X, AT_FDCWD, a[0], 0);
		return 1;
	case SYS_execveat:
		put_path(log, p, pid, X, (int)a[0], a[1], (a[4] & AT_EMPTY_PATH) != 0);
		return 1;
	case SYS_mkdirat:
	case SYS_mknodat:
	case SYS_unlinkat:
		put_path(log, p, pid, M, (int)a[0], a[1], 0);
		return 1;
	case SYS_renameat2:
	case SYS_linkat: /* NOTE: a link from another directory needs REFER on both */
		put_path(log, p, pid, M, (int)a[0], a[1],
			 nr == SYS_linkat && (a[4] & AT_EMPTY_PATH));
		put_path(log, p, pid, M, (int)a[2], a[3], 0);
		return 1;
	case SYS_symlinkat:
		put_path(log, p, pid, M, (int)a[1], a[2], 0);
		return 1;
	case SYS_truncate:
		put_path(log, p, pid, W, AT_FDCWD, a[0], 0);
		return 1;
	}
	return legacy_call(log, p, pid, nr, a);
}

/* Calls whose records are kept at once; 1 when a bind waits after all. */
/* The address of a sendto(2)/sendmsg(2), if it is a UNIX one: as connect(2)'s
 * (an AF_INET/6 one is UDP's, which no TCP port rule is about). */
static int put_unix_peer(struct sb_access_log *log, struct pending *p, pid_t pid, uint64_t addr,
			 uint64_t len)
{
	sa_family_t family;

	if (!addr || len < sizeof(family) || read_mem(pid, addr, &family, sizeof(family)) < 0 ||
	    family != AF_UNIX)
		return 0;
	return put_sockaddr(log, p, pid, SB_LEARN_ACCESS_CONNECT, -1, addr, len);
}

static int other_call(struct sb_access_log *log, struct pending *p, pid_t pid, uint64_t nr,
		      const uint64_t *a)
{
	char path[PATH_MAX];

	switch (nr) {
	case SYS_mmap: /* NOTE: Landlock's EXECUTE is checked at execve(2) only (and
			* the interpreter it opens): mapping a file executable needs
			* only its READ, which its open asked */
		if ((a[2] & PROT_EXEC) && !(a[3] & MAP_ANONYMOUS) &&
		    fd_path(pid, (int)a[4], path, sizeof(path)) > 0)
			put_text(p, SB_LEARN_ACCESS_READ, "%s", path);
		return 0;
	case SYS_connect:
		return put_sockaddr(log, p, pid, SB_LEARN_ACCESS_CONNECT, (int)a[0], a[1], a[2]);
	case SYS_sendto: /* NOTE: a datagram to an abstract socket meets the scope too */
		return put_unix_peer(log, p, pid, a[4], a[5]);
	case SYS_sendmsg: {
		struct msghdr m;

		if (read_mem(pid, a[1], &m, sizeof(m)) < 0)
			return 0;
		return put_unix_peer(log, p, pid, (uint64_t)(uintptr_t)m.msg_name, m.msg_namelen);
	}
	case SYS_bind:
		return put_sockaddr(log, p, pid, SB_LEARN_ACCESS_BIND, (int)a[0], a[1], a[2]);
	case SYS_socket:
		put_socket(p, a[0], a[1], a[2]);
		return 0;
	case SYS_kill:
	case SYS_tkill:
	case SYS_tgkill:
	case SYS_rt_sigqueueinfo:
	case SYS_rt_tgsigqueueinfo:
		put_signal(log, p, (int64_t)(int32_t)a[0]);
		return 0;
	}
	return 0;
}

int sb_access_call(struct sb_access_log *log, pid_t pid, uint64_t nr, const uint64_t *a)
{
	struct pending *p;
	int wait;

	if (!log)
		return 0;
	p = take(log, pid);
	wait = path_call(log, p, pid, nr, a) || other_call(log, p, pid, nr, a);
	if (!p->len || !wait || p == &log->pending[PENDING_MAX]) {
		release(log, p, 1); /* nothing, kept at once, or no slot to wait in */
		return 0;
	}
	p->pid = pid;
	return 1;
}
