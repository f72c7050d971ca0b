// SPDX-License-Identifier: MIT
/*
 * vows.c - SANDBOX_VOWS, pledge-style promises -> the seccomp layer (and
 * the Landlock paths tmppath and dns need).
 *
 * Pure. A promise is a set of rows; a row is entries of the policy language
 * (core/policy.c parses them, so a vow is exactly what an allowlist with
 * those entries would be) that apply when every promise it NEEDS is made
 * and none it is left out UNLESS. Everything no row allows gets the
 * default action: kill, or EPERM with the `error` promise. Several rows
 * for one syscall are alternatives, so the conditions of a row are the
 * conjunction a combination of promises allows (openat read-write needs
 * rpath and wpath: one row).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

enum vow {
	VOW_STDIO,
	VOW_RPATH,
	VOW_WPATH,
	VOW_CPATH,
	VOW_DPATH,
	VOW_TMPPATH,
	VOW_INET,
	VOW_UNIX,
	VOW_DNS,
	VOW_FATTR,
	VOW_CHOWN,
	VOW_FLOCK,
	VOW_PROC,
	VOW_THREAD,
	VOW_EXEC,
	VOW_PROT_EXEC,
	VOW_ID,
	VOW_TTY,
	VOW_IOCTL,
	VOW_SETTIME,
	VOW_ERROR,
	VOW_COUNT
};
_Static_assert(VOW_COUNT <= SB_VOWS_MAX, "a promise is a bit of a uint32_t");

static const char names[VOW_COUNT][12] = {
	[VOW_STDIO] = "stdio",	       [VOW_RPATH] = "rpath",	  [VOW_WPATH] = "wpath",
	[VOW_CPATH] = "cpath",	       [VOW_DPATH] = "dpath",	  [VOW_TMPPATH] = "tmppath",
	[VOW_INET] = "inet",	       [VOW_UNIX] = "unix",	  [VOW_DNS] = "dns",
	[VOW_FATTR] = "fattr",	       [VOW_CHOWN] = "chown",	  [VOW_FLOCK] = "flock",
	[VOW_PROC] = "proc",	       [VOW_THREAD] = "thread",	  [VOW_EXEC] = "exec",
	[VOW_PROT_EXEC] = "prot_exec", [VOW_ID] = "id",		  [VOW_TTY] = "tty",
	[VOW_IOCTL] = "ioctl",	       [VOW_SETTIME] = "settime", [VOW_ERROR] = "error",
};

#define B(v) (1U << VOW_##v)

/* The open flags of one access mode: O_CREAT needs cpath, O_TRUNC wpath,
 * O_TMPFILE (its own bit, 0x400000 on both targets) cpath and write access.
 * A row per combination of promises, the narrower left out UNLESS the
 * wider applies. */
#define OPEN_ROW(mode, mask)                            \
	"openat(arg2 & O_ACCMODE" mask " == " mode "):" \
	"open(arg1 & O_ACCMODE" mask " == " mode ")"
#define NO_CREATE "|O_CREAT|0x400000"

#define SOCKET_CALLS "connect:bind:listen:accept:accept4:getsockname:getpeername:setsockopt:sendto"
/* A socket of FAMILY of TYPE (its low four bits: SOCK_PACKET, 10, would
 * make an AF_PACKET one) with protocol PROTO: "" for any. */
#define SOCKET(family, type, proto) "socket(arg0 == " family ", arg1 & 0xf == " type proto ")"
#define INET_SOCKET(family) SOCKET(family, "SOCK_STREAM", "") ":" SOCKET(family, "SOCK_DGRAM", "")
/* UDP and TCP only: the protocol 0 (the family's default) or named
 * (IPPROTO_UDP 17, IPPROTO_TCP 6); not ICMP echo, UDP-Lite, SCTP, MPTCP. */
#define DNS_SOCKET(family)                                                              \
	SOCKET(family, "SOCK_DGRAM", ", arg2 == 0")                                     \
	":" SOCKET(family, "SOCK_DGRAM", ", arg2 == 17") ":" SOCKET(                    \
		family, "SOCK_STREAM", ", arg2 == 0") ":" SOCKET(family, "SOCK_STREAM", \
								 ", arg2 == 6")

static const struct row {
	uint32_t needs, unless;
	const char *text;
	const char *note;
} rows[] = {
	{ 0, 0, "exit:exit_group:restart_syscall:rt_sigreturn",
	  "always: ending, returning from a signal" },
	{ 0, 0,
	  "seccomp:prctl(arg0 == PR_SET_NO_NEW_PRIVS):prctl(arg0 == PR_GET_NO_NEW_PRIVS):"
	  "prctl(arg0 == PR_GET_SECCOMP):landlock_create_ruleset:landlock_add_rule:"
	  "landlock_restrict_self",
	  "always: narrowing further (one more filter, a Landlock domain: libsandbox.so in an exec'd program)" },
	{ 0, 0, "clone3=ENOSYS:openat2=ENOSYS",
	  "always: their flags lie in a struct no filter reads; ENOSYS makes the C library fall back to clone and openat" },
	{ B(STDIO), 0,
	  "read:write:readv:writev:pread64:pwrite64:preadv:pwritev:preadv2:pwritev2:lseek:close:"
	  "close_range:dup:dup2:dup3:fstat:fsync:fdatasync:ftruncate:fallocate:sendfile:splice:"
	  "tee:copy_file_range:fadvise64:readahead",
	  "I/O on open descriptors" },
	{ B(STDIO), 0,
	  "newfstatat(arg3 & AT_EMPTY_PATH == AT_EMPTY_PATH):statx(arg2 & AT_EMPTY_PATH == AT_EMPTY_PATH)",
	  "fstat as the C library makes it (AT_EMPTY_PATH)" },
	{ B(STDIO), B(FLOCK),
	  "fcntl(arg1 != 5, arg1 != 6, arg1 != 7, arg1 != 36, arg1 != 37, arg1 != 38)",
	  "fcntl but record locks (F_GETLK F_SETLK F_SETLKW, F_OFD_*: flock)" },
	{ B(STDIO), 0,
	  "brk:munmap:mremap:madvise:msync:mincore:mmap(arg2 & PROT_EXEC == 0):"
	  "mprotect(arg2 & PROT_EXEC == 0):pkey_mprotect(arg2 & PROT_EXEC == 0)",
	  "memory, never executable (prot_exec)" },
	{ B(STDIO), 0,
	  "getpid:gettid:getppid:getuid:geteuid:getgid:getegid:getgroups:getresuid:getresgid:"
	  "getpgid:getpgrp:getsid:getrlimit:getrusage:prlimit64(arg2 == 0):umask:uname:sysinfo:"
	  "getcpu:sched_getaffinity:sched_yield:sched_getparam:sched_getscheduler",
	  "asking about oneself (prlimit64 without a new limit)" },
	{ B(STDIO), 0,
	  "gettimeofday:clock_gettime:clock_getres:clock_nanosleep:nanosleep:time:times:"
	  "getitimer:setitimer:alarm:pause",
	  "time, sleep, timers" },
	{ B(STDIO), 0,
	  "pipe:pipe2:poll:ppoll:select:pselect6:epoll_create:epoll_create1:epoll_ctl:epoll_wait:"
	  "epoll_pwait:epoll_pwait2:eventfd:eventfd2:timerfd_create:timerfd_settime:"
	  "timerfd_gettime:signalfd:signalfd4",
	  "pipes, waiting on descriptors" },
	{ B(STDIO), 0,
	  "rt_sigaction:rt_sigprocmask:rt_sigsuspend:rt_sigpending:rt_sigtimedwait:sigaltstack:"
	  "tgkill:tkill",
	  "signals (tgkill: raise, abort, pthread_kill)" },
	{ B(STDIO), 0,
	  "getrandom:futex:futex_waitv:set_robust_list:get_robust_list:set_tid_address:rseq:"
	  "arch_prctl:membarrier:wait4:waitid:prctl(arg0 == PR_GET_NAME):prctl(arg0 == PR_SET_NAME)",
	  "the C library's own, waiting for children, the thread's name (busybox asks it)" },
	{ B(STDIO), 0,
	  "recvfrom:recvmsg:recvmmsg:sendmsg:sendmmsg:sendto(arg4 == 0):shutdown:getsockopt:"
	  "socketpair(arg0 == AF_UNIX)",
	  "I/O on sockets already open (sendto without an address)" },
	{ B(STDIO), B(IOCTL),
	  "ioctl(arg1 == 0x5401):ioctl(arg1 == 0x5413):ioctl(arg1 == 0x540f):ioctl(arg1 == 0x541b):"
	  "ioctl(arg1 == 0x5421):ioctl(arg1 == 0x5450):ioctl(arg1 == 0x5451):ioctl(arg1 == 0x40049409)",
	  "ioctl TCGETS (isatty) TIOCGWINSZ TIOCGPGRP FIONREAD FIONBIO FIONCLEX FIOCLEX FICLONE (cp)" },
	{ B(STDIO), B(RPATH), "readlink=EPERM:readlinkat=EPERM",
	  "fail rather than kill without rpath: a static glibc program reads /proc/self/exe at start" },
	{ B(RPATH), B(CPATH), OPEN_ROW("O_RDONLY", "|O_TRUNC" NO_CREATE), "open read-only" },
	{ B(RPATH) | B(CPATH), 0, OPEN_ROW("O_RDONLY", "|O_TRUNC|0x400000"),
	  "open read-only, O_CREAT too" },
	{ B(WPATH), B(CPATH), OPEN_ROW("O_WRONLY", NO_CREATE), "open write-only, O_TRUNC too" },
	{ B(WPATH) | B(CPATH), 0, OPEN_ROW("O_WRONLY", ""),
	  "open write-only, O_TRUNC, O_CREAT, O_TMPFILE too" },
	{ B(RPATH) | B(WPATH), B(CPATH), OPEN_ROW("O_RDWR", NO_CREATE),
	  "open read-write, O_TRUNC too" },
	{ B(RPATH) | B(WPATH) | B(CPATH), 0, OPEN_ROW("O_RDWR", ""),
	  "open read-write, O_TRUNC, O_CREAT, O_TMPFILE too" },
	{ B(WPATH) | B(CPATH), 0, "creat", "creat (O_WRONLY|O_CREAT|O_TRUNC)" },
	{ B(RPATH), 0,
	  "stat:lstat:newfstatat:statx:access:faccessat:faccessat2:readlink:readlinkat:getdents:"
	  "getdents64:getcwd:chdir:fchdir:statfs:fstatfs:getxattr:lgetxattr:fgetxattr:listxattr:"
	  "llistxattr:flistxattr",
	  "reading paths, directories, metadata" },
	{ B(WPATH), 0, "truncate", "truncating by path" },
	{ B(CPATH), 0,
	  "mkdir:mkdirat:rmdir:unlink:unlinkat:rename:renameat:renameat2:link:linkat:symlink:"
	  "symlinkat",
	  "making and removing names" },
	{ B(DPATH), 0, "mknod:mknodat", "special files (FIFOs; devices need CAP_MKNOD too)" },
	{ B(FATTR), 0,
	  "chmod:fchmod:fchmodat:fchmodat2:utime:utimes:futimesat:utimensat:setxattr:lsetxattr:"
	  "fsetxattr:removexattr:lremovexattr:fremovexattr",
	  "modes, times, extended attributes" },
	{ B(CHOWN), 0, "chown:fchown:lchown:fchownat", "owners" },
	{ B(FLOCK), 0, "flock:fcntl", "file locks (every fcntl)" },
	{ B(INET), 0, INET_SOCKET("AF_INET") ":" INET_SOCKET("AF_INET6"),
	  "IPv4 and IPv6 sockets: stream and datagram (not raw, SOCK_PACKET, SOCK_SEQPACKET)" },
	{ B(UNIX), 0, "socket(arg0 == AF_UNIX)", "AF_UNIX sockets" },
	{ B(DNS), B(INET), DNS_SOCKET("AF_INET") ":" DNS_SOCKET("AF_INET6"),
	  "UDP and TCP sockets (for the resolver)" },
	{ B(DNS), 0, "socket(arg0 == AF_NETLINK)=EACCES",
	  "the route table refused (it could be written too): getaddrinfo(AI_ADDRCONFIG) then assumes both families" },
	{ B(DNS), B(UNIX), "socket(arg0 == AF_UNIX)=EACCES",
	  "nscd's socket refused: the C library goes on without it" },
	{ B(INET), 0, SOCKET_CALLS, "using sockets" },
	{ B(UNIX), B(INET), SOCKET_CALLS, "using sockets" },
	{ B(DNS), B(INET) | B(UNIX), "connect:getsockname:getpeername:setsockopt:sendto",
	  "using the resolver's sockets" },
	{ B(PROC), 0,
	  "fork:vfork:clone(arg0 & CLONE_THREAD|0x7e020000 == 0):kill:pidfd_open:"
	  "pidfd_send_signal:setpgid:setsid:getpriority:setpriority:setrlimit:prlimit64:"
	  "sched_setaffinity:sched_setscheduler:sched_setparam",
	  "processes (clone without CLONE_THREAD or CLONE_NEW*, 0x7e020000), signals, priorities" },
	{ B(THREAD), 0, "clone(arg0 & CLONE_THREAD|0x7e020000 == CLONE_THREAD)",
	  "threads (clone with CLONE_THREAD, no CLONE_NEW*)" },
	{ B(EXEC), 0, "execve:execveat", "executing programs (they keep these vows)" },
	{ B(PROT_EXEC), 0, "mmap:mprotect:pkey_mprotect", "executable memory" },
	{ B(ID), 0,
	  "setuid:setgid:setreuid:setregid:setresuid:setresgid:setgroups:setfsuid:setfsgid:"
	  "capset:setrlimit:prlimit64:setpriority",
	  "identities, capabilities, limits" },
	{ B(TTY), B(IOCTL),
	  "ioctl(arg1 == 0x5402):ioctl(arg1 == 0x5403):ioctl(arg1 == 0x5404):ioctl(arg1 == 0x5410):"
	  "ioctl(arg1 == 0x5414):ioctl(arg1 == 0x540a):ioctl(arg1 == 0x540b)",
	  "ioctl TCSETS TCSETSW TCSETSF TIOCSPGRP TIOCSWINSZ TCXONC TCFLSH" },
	{ B(IOCTL), 0, "ioctl", "every ioctl" },
	{ B(SETTIME), 0, "settimeofday:clock_settime:clock_adjtime:adjtimex",
	  "setting clocks (CAP_SYS_TIME too)" },
};

/* Landlock's rights of the path promises, for the ones implied. */
#define RIGHTS_RPATH (SB_FS_READ_FILE | SB_FS_READ_DIR)
#define RIGHTS_WPATH (SB_FS_WRITE_FILE | SB_FS_TRUNCATE)
#define RIGHTS_CPATH                                                                               \
	(SB_FS_REMOVE_DIR | SB_FS_REMOVE_FILE | SB_FS_MAKE_DIR | SB_FS_MAKE_REG | SB_FS_MAKE_SYM | \
	 SB_FS_MAKE_SOCK | SB_FS_REFER)

/* tmppath and dns grant path rows (of rpath, wpath, cpath: IMPLIES) which
 * Landlock then confines to PATH: the rights of the implied promises that
 * were not made themselves are handled, and granted beneath PATH. */
static const struct vow_path {
	uint32_t promise, implies;
	const char *path;
	uint32_t access;
} paths[] = {
	{ B(TMPPATH), B(RPATH) | B(WPATH) | B(CPATH), "/tmp",
	  RIGHTS_RPATH | RIGHTS_WPATH | RIGHTS_CPATH },
	{ B(DNS), B(RPATH), "/etc/resolv.conf", SB_FS_READ_FILE },
	{ B(DNS), B(RPATH), "/etc/hosts", SB_FS_READ_FILE },
	{ B(DNS), B(RPATH), "/etc/nsswitch.conf", SB_FS_READ_FILE },
	{ B(DNS), B(RPATH), "/etc/host.conf", SB_FS_READ_FILE },
	{ B(DNS), B(RPATH), "/etc/gai.conf", SB_FS_READ_FILE },
	{ B(DNS), B(RPATH), "/etc/services", SB_FS_READ_FILE },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *sb_vow_name(unsigned int i)
{
	return i < VOW_COUNT ? names[i] : NULL;
}

int sb_vow_row(unsigned int i, uint32_t *needs, uint32_t *unless, const char **text,
	       const char **note)
{
	if (i >= COUNT(rows))
		return -ERANGE;
	*needs = rows[i].needs;
	*unless = rows[i].unless;
	*text = rows[i].text;
	*note = rows[i].note;
	return 0;
}

int sb_vow_path(unsigned int i, uint32_t *promise, uint32_t *implies, const char **path,
		uint32_t *access)
{
	if (i >= COUNT(paths))
		return -ERANGE;
	*promise = paths[i].promise;
	*implies = paths[i].implies;
	*path = paths[i].path;
	*access = paths[i].access;
	return 0;
}

int sb_vows_format(uint32_t promises, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s=", SB_VAR_VOWS);
	const char *sep = "";

	for (unsigned int i = 0; i < VOW_COUNT; i++) {
		if (!(promises >> i & 1))
			continue;
		n += (size_t)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%s%s",
				      sep, names[i]);
		sep = " ";
	}
	return (int)n;
}

/* The path promises PROMISES implies (tmppath: rpath wpath cpath). */
static uint32_t implied(uint32_t promises)
{
	uint32_t out = 0;

	for (size_t i = 0; i < COUNT(paths); i++)
		if (promises & paths[i].promise)
			out |= paths[i].implies;
	return out;
}

static uint32_t rights_of(uint32_t promises)
{
	return (promises & B(RPATH) ? RIGHTS_RPATH : 0) | (promises & B(WPATH) ? RIGHTS_WPATH : 0) |
	       (promises & B(CPATH) ? RIGHTS_CPATH : 0);
}

static int vow_fail(struct sb_error *err, int var, int kind, const char *what, const char *token,
		    size_t len, int item)
{
	return sb_error_item(err, kind, var, item, what, token, len);
}

static int is_separator(char c)
{
	return c == ' ' || c == '\t' || c == ':';
}

/* VAR's promises, separated by blanks or ':' (as pledge's, or as our lists). */
static int parse_promises(int var, const char *s, uint32_t *out, struct sb_error *err)
{
	int item = 0;

	*out = 0;
	while (*s) {
		size_t n = 0;
		unsigned int i;

		for (; is_separator(*s); s++)
			;
		for (; s[n] && !is_separator(s[n]); n++)
			;
		if (n == 0)
			break;
		item++;
		for (i = 0; i < VOW_COUNT; i++)
			if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
				break;
		if (i == VOW_COUNT)
			return vow_fail(err, var, SB_ERR_UNKNOWN, "unknown promise", s, n, item);
		*out |= 1U << i;
		s += n;
	}
	return 0;
}

/* SANDBOX_VOWS_EXEC: what an exec'd program is narrowed to, within the vows. */
static int parse_exec(struct sb_vows *vows, const char *text, struct sb_error *err)
{
	uint32_t more;

	if (parse_promises(SB_V_VOWS_EXEC, text, &vows->exec, err) < 0)
		return -1;
	if (!(vows->promises & B(EXEC)))
		return vow_fail(err, SB_V_VOWS_EXEC, SB_ERR_CONFLICT,
				"needs the exec promise in " SB_VAR_VOWS, "", 0, 0);
	more = vows->exec & ~vows->promises;
	if (more)
		return vow_fail(err, SB_V_VOWS_EXEC, SB_ERR_CONFLICT,
				"an exec'd program keeps " SB_VAR_VOWS "'s filter: cannot promise",
				names[__builtin_ctz(more)], strlen(names[__builtin_ctz(more)]), 0);
	vows->exec_given = 1;
	return 0;
}

int sb_vows_parse(struct sb_load *ld, const struct sb_arch *arch, const char *const *v,
		  struct sb_error *err)
{
	struct sb_config *cfg = ld->cfg;
	struct sb_seccomp *p = ld->p;
	uint32_t all;

	for (int i = 0; i < SB_V_SECCOMP_COUNT; i++)
		if (v[i] && i != SB_V_VERBOSE)
			return vow_fail(err, v[SB_V_VOWS] ? SB_V_VOWS : SB_V_VOWS_EXEC,
					SB_ERR_CONFLICT,
					"is the whole seccomp policy: cannot be combined with",
					sb_env_name(i), strlen(sb_env_name(i)), 0);
	if (!v[SB_V_VOWS])
		return vow_fail(err, SB_V_VOWS_EXEC, SB_ERR_CONFLICT, "needs " SB_VAR_VOWS, "", 0,
				0);
	memset(&cfg->vows, 0, sizeof(cfg->vows));
	if (parse_promises(SB_V_VOWS, v[SB_V_VOWS], &cfg->vows.promises, err) < 0)
		return -1;
	if (v[SB_V_VOWS_EXEC] && parse_exec(&cfg->vows, v[SB_V_VOWS_EXEC], err) < 0)
		return -1;
	memset(p, 0, offsetof(struct sb_seccomp, rules));
	p->arch = arch;
	p->abi_action = SB_ACT_KILL_PROCESS;
	p->default_action =
		cfg->vows.promises & B(ERROR) ? SB_ACT_ERRNO | EPERM : SB_ACT_KILL_PROCESS;
	all = cfg->vows.promises | implied(cfg->vows.promises);
	for (size_t i = 0; i < COUNT(rows); i++)
		if (!(rows[i].needs & ~all) && !(rows[i].unless & all) &&
		    sb_policy_add_entries(ld, SB_VAR_VOWS, rows[i].text, err) < 0)
			return -1;
	cfg->layers |= SB_LAYER_SECCOMP | SB_LAYER_VOWS;
	return 0;
}

/* NOTE: a Landlock domain keeps other processes out of reach: the kernel
 * lets a confined process reach another's memory (/proc/PID/mem, as ptrace
 * does) only when that one runs in the same domain or one nested in it
 * (security/landlock's ptrace hooks). A filter cannot see which file an open names,
 * so the vows always enter a domain. Where no promise needs one, ROOT's
 * rights make it: handled, and granted on `/`, they restrict nothing. One
 * right of ABI 1 (MAKE_BLOCK: a domain exists on every kernel with
 * Landlock), and REFER, which every domain handling a file right denies
 * unless granted (renames, links into another directory: cpath's); ABI 1
 * has no REFER, and its kernels refuse those in any domain (EXDEV). */
#define RIGHTS_ROOT (SB_FS_MAKE_BLOCK | SB_FS_REFER)

static void begin_layer(struct sb_load *ld)
{
	struct sb_landlock *ll = &ld->cfg->landlock;

	if (ld->ll_started)
		return;
	memset(ll, 0, offsetof(struct sb_landlock, paths));
	ll->var_net = ll->var_scope = -1;
	ld->ll_started = 1;
}

int sb_vows_landlock(struct sb_load *ld, struct sb_error *err)
{
	struct sb_config *cfg = ld->cfg;
	struct sb_landlock *ll = &cfg->landlock;
	const uint32_t promises = cfg->vows.promises;
	const uint32_t handled = rights_of(implied(promises) & ~promises);
	const uint32_t root = RIGHTS_ROOT & ~handled;

	/* SANDBOX_FS_* restrict files already: their domain, their paths */
	if ((cfg->layers & SB_LAYER_LANDLOCK) && ll->fs)
		return 0;
	cfg->vows.bare_domain = !handled && !(cfg->layers & SB_LAYER_LANDLOCK);
	begin_layer(ld);
	ll->fs = handled | root;
	ll->fs_optional = root & SB_FS_REFER;
	ll->var_fs = SB_V_VOWS;
	for (size_t i = 0; i < COUNT(paths); i++)
		if ((promises & paths[i].promise) && (paths[i].access & handled) &&
		    sb_landlock_add_var_path(cfg, paths[i].path, paths[i].access & handled,
					     SB_V_VOWS, SB_LL_OPTIONAL) < 0)
			return vow_fail(err, SB_V_VOWS, SB_ERR_TOO_BIG, "more paths than fit",
					paths[i].path, strlen(paths[i].path), 0);
	if (sb_landlock_add_var_path(cfg, "/", root, SB_V_VOWS, SB_LL_DIR) < 0)
		return vow_fail(err, SB_V_VOWS, SB_ERR_TOO_BIG, "more paths than fit", "/", 1, 0);
	cfg->layers |= SB_LAYER_LANDLOCK;
	return 0;
}
