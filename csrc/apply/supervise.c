// SPDX-License-Identifier: MIT
/*
 * supervise.c - the exec policy's supervisor: a process outside the sandbox
 * that ptraces every task of it and judges each execve/execveat.
 *
 * Two lines. First, at the syscall: the filter answers execve and execveat
 * with SECCOMP_RET_TRACE, the supervisor reads the path and argv from the
 * stopped thread, follows `#!` lines as the kernel will, judges
 * (core/exec.c) and either fails the call with EACCES or lets it go,
 * keeping what it judged: the file (device, inode) the kernel will load and
 * the argv words it will pass. That read races with any other thread or
 * process sharing the memory, so it decides nothing alone. Second, at
 * PTRACE_EVENT_EXEC: the new image has not run one instruction, its memory
 * is new and no other task shares it; /proc/PID/exe and /proc/PID/cmdline
 * are the kernel's own record of what it loaded. Anything but what the
 * first line judged is killed there.
 *
 * Fail closed: without a tracer SECCOMP_RET_TRACE fails the call with
 * ENOSYS (an untraced task: CLONE_UNTRACED), and PTRACE_O_EXITKILL kills
 * every tracee should the supervisor die. NOTE: EXITKILL is needed: a
 * tracee waiting in its seccomp stop when the tracer goes would resume the
 * call, which the kernel then lets through (kernel/seccomp.c rechecks the
 * filter with a trace counted as allowed).
 *
 * Every system call is made with the syscall instruction (rawsys.h): the
 * supervisor runs in a process forked from the host program by
 * libsandbox.so, where nothing of the C library may be used.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ptrace.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "internal.h"
#include "rawsys.h"

#define OPTIONS                                                                                  \
	(PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | \
	 PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL)
#define PENDING_MAX 64 /* execs judged and not yet reached their exec event */
#define SCRIPT_DEPTH 5 /* #! levels the kernel follows (BINPRM_MAX_RECURSION + 1) */
#define WORDS_SIZE ((SB_EXEC_WORDS_MAX + 1) * (SB_EXEC_KEEP + 1))
#define ARG_STRLEN_MAX (32 * 4096) /* MAX_ARG_STRLEN: longer, the exec fails */

/* The argv words an exec is judged by (struct sb_exec_subject.words). */
struct words {
	unsigned int argc, len, max; /* MAX: words kept (SB_EXEC_WORDS_MAX + 1) */
	unsigned int cur; /* bytes of the word being fed */
	char buf[WORDS_SIZE];
};

/* What the first line judged of one thread's exec. */
struct pending {
	int tid; /* 0: free */
	uint64_t dev, ino;
	struct words w;
};

static struct supervisor {
	const struct sb_exec *x;
	const char *prefix;
	uint64_t ids[2 * SB_EXEC_RULES_MAX];
	struct pending pending[PENDING_MAX];
	char path[SB_PATH_MAX], resolved[SB_PATH_MAX], given[SB_PATH_MAX];
	char line[1024];
} sv;

static long pt(long req, long pid, long addr, long data)
{
	return sb_raw6(SYS_ptrace, req, pid, addr, data, 0, 0);
}

/* One line on stderr: "PREFIX: exec WHAT", WHAT's control bytes and
 * backslashes written \xNN (an argv word cannot forge a line of ours). */
static void sv_say(const char *what)
{
	static const char hex[] = "0123456789abcdef";
	int n = snprintf(sv.line, sizeof(sv.line), "%s: exec ", sv.prefix);
	size_t at = n > 0 && (size_t)n < sizeof(sv.line) ? (size_t)n : 0;

	for (; *what && at < sizeof(sv.line) - 5; what++) {
		unsigned char c = (unsigned char)*what;

		if (c >= 0x20 && c != 0x7f && c != '\\') {
			sv.line[at++] = (char)c;
			continue;
		}
		sv.line[at++] = '\\';
		sv.line[at++] = 'x';
		sv.line[at++] = hex[c >> 4];
		sv.line[at++] = hex[c & 15];
	}
	sv.line[at++] = '\n';
	sb_raw3(SYS_write, 2, (long)sv.line, (long)at);
}

/* ---- argv words ---- */

static void words_start(struct words *w, unsigned int max)
{
	w->argc = w->len = w->cur = 0;
	w->max = max;
}

/* Feed byte C of the argv; a NUL ends a word. Word 0 keeps only what
 * follows its last '/'; every word is cut at SB_EXEC_KEEP bytes. */
static void words_feed(struct words *w, char c)
{
	if (w->argc >= w->max)
		return;
	if (c == '\0') {
		w->buf[w->len + w->cur] = '\0';
		w->len += w->cur + 1;
		w->cur = 0;
		w->argc++;
	} else if (c == '/' && w->argc == 0) {
		w->cur = 0;
	} else if (w->cur < SB_EXEC_KEEP) {
		w->buf[w->len + w->cur++] = c;
	}
}

static void words_add(struct words *w, const char *s)
{
	do
		words_feed(w, *s);
	while (*s++);
}

static int words_equal(const struct words *a, const struct words *b)
{
	return a->argc == b->argc && a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

/* ---- the tracee's memory and files ---- */

size_t sb_peek(int pid, uintptr_t addr, void *buf, size_t len, int string)
{
	size_t done = 0;

	while (done < len) {
		size_t n = 4096 - ((addr + done) & 4095);
		struct iovec local, remote;
		long r;

		if (n > len - done)
			n = len - done;
		local = (struct iovec){ (char *)buf + done, n };
		remote = (struct iovec){ (void *)(addr + done), n };
		r = sb_raw6(SYS_process_vm_readv, pid, (long)&local, 1, (long)&remote, 1, 0);
		if (r <= 0)
			break;
		if (string && memchr((char *)buf + done, '\0', (size_t)r))
			return done + (size_t)r;
		done += (size_t)r;
		if ((size_t)r < n)
			break;
	}
	return done;
}

/* The NUL-terminated string at ADDR into BUF (SIZE bytes): 0, or -1 if it
 * cannot be read or does not fit. */
static int peek_string(int pid, uintptr_t addr, char *buf, size_t size)
{
	size_t n = sb_peek(pid, addr, buf, size, 1);

	return memchr(buf, '\0', n) ? 0 : -1;
}

/* Feed the string at ADDR to W, chunk by chunk; -1 if unreadable. */
static int peek_word(int pid, uintptr_t addr, struct words *w)
{
	char chunk[512];

	for (size_t off = 0; off < ARG_STRLEN_MAX; off += sizeof(chunk)) {
		size_t n = sb_peek(pid, addr + off, chunk, sizeof(chunk), 1);

		for (size_t i = 0; i < n; i++) {
			words_feed(w, chunk[i]);
			if (!chunk[i])
				return 0;
		}
		if (n < sizeof(chunk))
			return -1;
	}
	return -1;
}

static int proc_open(int pid, const char *what, int flags)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/%s", pid, what);
	return (int)sb_raw6(SYS_openat, AT_FDCWD, (long)p, flags | O_CLOEXEC, 0, 0, 0);
}

/* The file PATH names for the tracee, from directory DIRFD (ours) or, for
 * an absolute PATH, our root: its identity and absolute path into S
 * (RESOLVED: SIZE bytes), and up to 256 bytes of its head into HEAD (*HEAD_LEN,
 * 0 if it cannot be read). 0 or -errno. */
static int look(int dirfd, const char *path, int nofollow, struct sb_exec_subject *s,
		char *resolved, char *head, size_t *head_len)
{
	struct stat st;
	char self[48];
	int fd = (int)sb_raw6(SYS_openat, dirfd, (long)path,
			      O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0, 0, 0);
	long r, rd;

	*head_len = 0;
	if (fd < 0)
		return fd;
	if ((r = sb_raw6(SYS_newfstatat, fd, (long)"", (long)&st, AT_EMPTY_PATH, 0, 0)) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		r = sb_raw6(SYS_readlinkat, AT_FDCWD, (long)self, (long)resolved, SB_PATH_MAX - 1,
			    0, 0);
		resolved[r > 0 ? r : 0] = '\0';
		/* NOTE: regular files only: opening a FIFO would wait for a writer */
		rd = S_ISREG(st.st_mode) ? sb_raw6(SYS_openat, AT_FDCWD, (long)self,
						   O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0, 0, 0)
					 : -EACCES;
		if (rd >= 0) {
			r = sb_raw3(SYS_read, rd, (long)head, 256);
			*head_len = r > 0 ? (size_t)r : 0;
			sb_raw3(SYS_close, rd, 0, 0);
		}
		r = 0;
	}
	sb_raw3(SYS_close, fd, 0, 0);
	return (int)r;
}

/* A `#!` line in HEAD (LEN bytes): the interpreter into INTERP, its one
 * argument (or "") into ARG, as the kernel splits it (fs/binfmt_script.c).
 * 0, or -1 if HEAD is no script. */
static int shebang(char *head, size_t len, char **interp, char **arg)
{
	char *p, *end;

	if (len < 2 || head[0] != '#' || head[1] != '!')
		return -1;
	end = memchr(head, '\n', len);
	if (!end)
		end = head + len;
	*end = '\0';
	for (p = head + 2; *p == ' ' || *p == '\t'; p++)
		;
	*interp = p;
	for (; *p && *p != ' ' && *p != '\t'; p++)
		;
	if (*p)
		*p++ = '\0';
	for (; *p == ' ' || *p == '\t'; p++)
		;
	*arg = p;
	for (end = p + strlen(p); end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	*end = '\0';
	return **interp ? 0 : -1;
}

/* ---- the first line: at the syscall ---- */

/* An execve or execveat as its registers give it. */
struct call {
	int pid;
	long dirfd; /* AT_FDCWD for execve */
	uintptr_t path, argv;
	long flags;
};

/* "git push origin" of S's words (argv[0] left out) after PROG into LINE. */
static const char *shown_args(const struct sb_exec_subject *s, char *buf, size_t size)
{
	const char *w = s->words;
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 1; i < s->argc; i++) {
		w += strlen(w) + 1;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, " %s", w);
		if (n >= size)
			break;
	}
	return buf;
}

/* Judge S; report a denial (one line: program, argv, rule). 1 if denied. */
static int refused(const struct sb_exec_subject *s)
{
	int v = sb_exec_judge(sv.x, sv.ids, s);
	char rule[300], args[400], why[400], msg[900];
	const char *var;

	if (v == SB_EXEC_ALLOWED)
		return 0;
	if (v == SB_EXEC_UNLISTED) {
		snprintf(why, sizeof(why), "not in %s", SB_VAR_EXEC_ALLOW);
	} else {
		sb_exec_rule_text(sv.x, (unsigned int)v, rule, sizeof(rule), &var);
		snprintf(why, sizeof(why), "%s '%s' (item %d)", var, rule, sv.x->rules[v].item);
	}
	snprintf(msg, sizeof(msg), "denied by %s: %s%s", why, s->path[0] ? s->path : s->resolved,
		 shown_args(s, args, sizeof(args)));
	sv_say(msg);
	return 1;
}

/* The directory a relative PATH of C is resolved from (our fd), AT_FDCWD
 * for an absolute one; -errno. */
static int base_dir(const struct call *c, const char *path)
{
	char fd[32];

	if (path[0] == '/')
		return AT_FDCWD;
	if (c->dirfd == AT_FDCWD)
		return proc_open(c->pid, "cwd", O_PATH | O_DIRECTORY);
	snprintf(fd, sizeof(fd), "fd/%ld", c->dirfd);
	return proc_open(c->pid, fd, O_PATH);
}

/* The file name the kernel gives C's exec (bprm->filename): the path, or
 * /dev/fd/N[/path] for execveat from a descriptor. */
static void kernel_name(const struct call *c, const char *path, char *out, size_t size)
{
	if (path[0] == '/' || c->dirfd == AT_FDCWD)
		snprintf(out, size, "%s", path);
	else if (!path[0])
		snprintf(out, size, "/dev/fd/%ld", c->dirfd);
	else
		snprintf(out, size, "/dev/fd/%ld/%.4000s", c->dirfd,
			 path); /* longer: ENAMETOOLONG */
}

/* C's argv words into W; -1 if unreadable. */
static int call_words(const struct call *c, struct words *w)
{
	uint64_t ptr[SB_EXEC_WORDS_MAX + 1];
	size_t n;

	words_start(w, SB_EXEC_WORDS_MAX + 1);
	if (!c->argv) {
		words_add(w, ""); /* the kernel runs it with argv { "" } */
		return 0;
	}
	/* the pointers at once: the array may end before an unmapped page */
	n = sb_peek(c->pid, c->argv, ptr, sizeof(ptr), 0) / sizeof(ptr[0]);
	for (unsigned int i = 0; i < w->max; i++) {
		if (i == n)
			return -1;
		if (!ptr[i])
			break;
		if (peek_word(c->pid, (uintptr_t)ptr[i], w) < 0)
			return -1;
	}
	if (!w->argc)
		words_add(w, ""); /* argv { NULL }: the kernel's { "" } too */
	return 0;
}

/* The argv the kernel gives the interpreter of a script run as NAME with
 * words OLD: interpreter, its argument, NAME, then OLD's argv[1..]. */
static void script_words(const char *interp, const char *arg, const char *name,
			 const struct words *old, struct words *w)
{
	const char *o = old->buf;

	words_start(w, old->max);
	words_add(w, interp);
	if (*arg)
		words_add(w, arg);
	words_add(w, name);
	for (unsigned int i = 1; i < old->argc; i++) {
		o += strlen(o) + 1;
		words_add(w, o);
	}
}

/* The file absolute rule I of X names, as the supervisor sees it, into
 * IDS; 0 or -errno (IDS left as they were). */
static long rule_file(const struct sb_exec *x, unsigned int i, uint64_t *ids)
{
	struct stat st;
	long r = sb_raw6(SYS_newfstatat, AT_FDCWD, (long)(x->arena + x->rules[i].text), (long)&st,
			 0, 0, 0);

	if (r == 0 && !S_ISREG(st.st_mode))
		r = -EACCES;
	if (r < 0)
		return r;
	ids[2 * i] = st.st_dev;
	ids[2 * i + 1] = st.st_ino;
	return 0;
}

/* The absolute rules' files looked up again (a package upgrade replaces
 * them): one that is gone keeps the file it named. */
static void refresh(const struct sb_exec *x, uint64_t *ids)
{
	for (unsigned int i = 0; i < x->nrules; i++)
		if (x->rules[i].absolute)
			rule_file(x, i, ids);
}

/* Is task PID in another mount namespace or under another root than the
 * supervisor (or cannot that be told)? */
static int elsewhere(int pid)
{
	struct stat mine, its;
	char p[48];

	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", pid);
	if (sb_raw6(SYS_newfstatat, AT_FDCWD, (long)"/proc/self/ns/mnt", (long)&mine, 0, 0, 0) ||
	    sb_raw6(SYS_newfstatat, AT_FDCWD, (long)p, (long)&its, 0, 0, 0) ||
	    mine.st_ino != its.st_ino || mine.st_dev != its.st_dev)
		return 1;
	snprintf(p, sizeof(p), "/proc/%d/root", pid);
	return sb_raw6(SYS_newfstatat, AT_FDCWD, (long)"/", (long)&mine, 0, 0, 0) ||
	       sb_raw6(SYS_newfstatat, AT_FDCWD, (long)p, (long)&its, 0, 0, 0) ||
	       mine.st_ino != its.st_ino || mine.st_dev != its.st_dev;
}

/* Is RESOLVED the dynamic loader (ld-linux-x86-64.so.2, ld-musl-*.so.1)? */
static int is_loader(const char *resolved)
{
	const char *name = resolved;

	for (const char *p = resolved; *p; p++)
		if (*p == '/')
			name = p + 1;
	return (strncmp(name, "ld-", 3) == 0 || strncmp(name, "ld64.so", 7) == 0) &&
	       strstr(name, ".so");
}

static int one_of(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(word, *list) == 0)
			return 1;
	return 0;
}

/* NOTE: the dynamic loader run as a program loads the program its first
 * argument that is none of its options names (an unknown --word is that
 * program: glibc's rtld.c stops at it), without an exec. */
static const char *loaded_program(const struct words *w, unsigned int *at)
{
	static const char *const valued[] = {
		"--library-path",	 "--inhibit-rpath",	"--audit", "--preload", "--argv0",
		"--glibc-hwcaps-prefix", "--glibc-hwcaps-mask", NULL
	};
	static const char *const flags[] = { "--list", "--verify", "--inhibit-cache", NULL };
	const char *o = w->buf + strlen(w->buf) + 1;

	for (unsigned int i = 1; i < w->argc; i++, o += strlen(o) + 1) {
		if (one_of(o, valued) && i + 1 < w->argc) {
			i++;
			o += strlen(o) + 1;
		} else if (!one_of(o, flags)) {
			*at = i;
			return o;
		}
	}
	return NULL;
}

/* C execs the dynamic loader with words W: judge the program it would load
 * as an exec of it, with the words after it. 1 if refused. */
static int loader_refused(const struct call *c, const struct words *w)
{
	static struct words lw;
	static char head[257];
	struct sb_exec_subject s = { .resolved = sv.resolved };
	const char *prog, *o;
	unsigned int at = 0;
	size_t hl;
	int dir;

	prog = loaded_program(w, &at);
	if (!prog && w->argc < w->max)
		return 0; /* no program: the loader prints its usage */
	/* a word cut at SB_EXEC_KEEP, or words past the ones kept: not judged */
	if (!prog || strlen(prog) >= SB_EXEC_KEEP - 1 ||
	    (w->argc == w->max && w->argc - at < 1 + sv.x->max_words)) {
		sv_say("denied: the program the dynamic loader would load cannot be judged (too "
		       "many options or too long a path)");
		return 1;
	}
	words_start(&lw, w->max);
	words_add(&lw, prog);
	for (o = prog + strlen(prog) + 1; ++at < w->argc; o += strlen(o) + 1)
		words_add(&lw, o);
	s.path = prog;
	s.words = lw.buf;
	s.argc = lw.argc;
	dir = prog[0] == '/' ? AT_FDCWD : proc_open(c->pid, "cwd", O_PATH | O_DIRECTORY);
	if (dir == AT_FDCWD || dir >= 0) {
		if (look(dir, prog, 0, &s, sv.resolved, head, &hl) < 0)
			sv.resolved[0] = '\0';
		if (dir >= 0)
			sb_raw3(SYS_close, dir, 0, 0);
	}
	return refused(&s);
}

/* Judge C, its `#!` interpreters too, each as the kernel will run it; what
 * the last one loads into *P. -EACCES if refused or unreadable, 0 to let it
 * go (*P left unjudged, dev 0, if a file cannot be opened: the kernel
 * most likely fails the exec too - ENOENT while execvp searches PATH - and
 * should it not, the exec event kills it). */
static int first_line(const struct call *c, struct pending *p)
{
	static struct words alt;
	static char head[257];
	struct words *w = &p->w, *other = &alt, *t;
	struct sb_exec_subject s = { .path = sv.given, .resolved = sv.resolved };
	char *interp, *arg;
	size_t hl;
	int dir, r, nofollow;

	p->dev = p->ino = 0;
	/* NOTE: unreadable also when the program made itself not dumpable
	 * (PR_SET_DUMPABLE 0) and the supervisor lacks CAP_SYS_PTRACE */
	if (peek_string(c->pid, c->path, sv.path, sizeof(sv.path)) < 0 || call_words(c, w) < 0) {
		sv_say("denied: its path or argv cannot be read (a bad address, or a caller "
		       "that is not dumpable)");
		return -EACCES;
	}
	if (sv.x->has_allow && elsewhere(c->pid)) {
		sv_say("denied: the caller is in another mount namespace or root, where the "
		       "names of SANDBOX_EXEC_ALLOW mean nothing");
		return -EACCES;
	}
	kernel_name(c, sv.path, sv.given, sizeof(sv.given));
	/* NOTE: AT_SYMLINK_NOFOLLOW concerns the path; /proc/PID/fd/N is a link */
	nofollow = sv.path[0] && (c->flags & AT_SYMLINK_NOFOLLOW);
	if (!sv.path[0] && (c->flags & AT_EMPTY_PATH)) /* the descriptor itself */
		snprintf(sv.path, sizeof(sv.path), "/proc/%d/fd/%ld", c->pid, c->dirfd);
	if ((dir = base_dir(c, sv.path)) < 0 && dir != AT_FDCWD)
		return 0;
	refresh(sv.x, sv.ids);
	r = look(dir, sv.path, nofollow, &s, sv.resolved, head, &hl);
	for (int level = 0;; level++) {
		if (dir >= 0)
			sb_raw3(SYS_close, dir, 0, 0);
		if (r < 0)
			return 0;
		s.words = w->buf;
		s.argc = w->argc;
		if (refused(&s) || (is_loader(sv.resolved) && loader_refused(c, w)))
			return -EACCES;
		head[hl] = '\0';
		if (level == SCRIPT_DEPTH || shebang(head, hl, &interp, &arg) < 0)
			break;
		script_words(interp, arg, sv.given, w, other);
		t = w, w = other, other = t;
		snprintf(sv.given, sizeof(sv.given), "%s", interp);
		dir = interp[0] == '/' ? AT_FDCWD : proc_open(c->pid, "cwd", O_PATH | O_DIRECTORY);
		if (dir < 0 && dir != AT_FDCWD)
			return 0;
		r = look(dir, sv.given, 0, &s, sv.resolved, head, &hl);
	}
	if (w != &p->w)
		p->w = *w;
	p->dev = s.dev;
	p->ino = s.ino;
	return 0;
}

static struct pending *pending_of(int tid, int make)
{
	struct pending *free_slot = NULL;

	for (int i = 0; i < PENDING_MAX; i++) {
		if (sv.pending[i].tid == tid)
			return &sv.pending[i];
		if (!sv.pending[i].tid && !free_slot)
			free_slot = &sv.pending[i];
	}
	if (make && free_slot)
		free_slot->tid = tid;
	return make ? free_slot : NULL;
}

/* Fail the call PID is stopped in with -E, without making it. */
static int skip_call(int pid, int e)
{
#if defined(__x86_64__)
	struct user_regs_struct r;

	if (pt(PTRACE_GETREGS, pid, 0, (long)&r) < 0)
		return -1;
	r.orig_rax = (unsigned long long)-1;
	r.rax = (unsigned long long)-e;
	return pt(PTRACE_SETREGS, pid, 0, (long)&r) < 0 ? -1 : 0;
#elif defined(__aarch64__)
	struct user_pt_regs r;
	int nr = -1;
	struct iovec io = { &nr, sizeof(nr) };

	if (pt(PTRACE_SETREGSET, pid, NT_ARM_SYSTEM_CALL, (long)&io) < 0)
		return -1;
	io = (struct iovec){ &r, sizeof(r) };
	if (pt(PTRACE_GETREGSET, pid, NT_PRSTATUS, (long)&io) < 0)
		return -1;
	r.regs[0] = (unsigned long long)-e;
	return pt(PTRACE_SETREGSET, pid, NT_PRSTATUS, (long)&io) < 0 ? -1 : 0;
#else
#error "the exec supervisor supports x86_64 and aarch64"
#endif
}

/* PID in its seccomp stop: judge the exec, fail it with EACCES if refused. */
static void on_seccomp(int pid)
{
	struct ptrace_syscall_info info;
	struct call c = { .pid = pid, .dirfd = AT_FDCWD };
	struct pending *p;
	long nr;

	if (pt(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), (long)&info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_SECCOMP)
		return;
	nr = (long)info.seccomp.nr;
	if (nr == SYS_execve) {
		c.path = info.seccomp.args[0];
		c.argv = info.seccomp.args[1];
	} else if (nr == SYS_execveat) {
		c.dirfd = (int)info.seccomp.args[0];
		c.path = info.seccomp.args[1];
		c.argv = info.seccomp.args[2];
		c.flags = (long)info.seccomp.args[4];
	} else {
		return;
	}
	if (!(p = pending_of(pid, 1))) {
		sv_say("denied: more execs at once than the supervisor follows");
		skip_call(pid, EAGAIN);
		return;
	}
	if (first_line(&c, p) < 0)
		skip_call(pid, EACCES);
}

/* The words of PID's new image: /proc/PID/cmdline, the kernel's copy. */
static int image_words(int pid, struct words *w)
{
	char chunk[4096];
	int fd = proc_open(pid, "cmdline", O_RDONLY);
	long n;

	if (fd < 0)
		return -1;
	words_start(w, SB_EXEC_WORDS_MAX + 1);
	while (w->argc < w->max && (n = sb_raw3(SYS_read, fd, (long)chunk, sizeof(chunk))) > 0)
		for (long i = 0; i < n; i++)
			words_feed(w, chunk[i]);
	sb_raw3(SYS_close, fd, 0, 0);
	return 0;
}

/* PID at its exec event, before the new image's first instruction: what
 * the kernel loaded must be what the first line judged, or it is killed. */
static void on_exec(int pid)
{
	static struct words now;
	unsigned long former = 0;
	struct pending *p;
	struct stat st;
	char exe[32];
	int same;

	pt(PTRACE_GETEVENTMSG, pid, 0, (long)&former); /* the thread that called execve */
	p = pending_of((int)former, 0);
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	same = p && p->ino &&
	       sb_raw6(SYS_newfstatat, AT_FDCWD, (long)exe, (long)&st, 0, 0, 0) == 0 &&
	       st.st_dev == p->dev && st.st_ino == p->ino && image_words(pid, &now) == 0 &&
	       words_equal(&now, &p->w);
	if (p)
		p->tid = 0;
	if (same)
		return;
	sb_raw3(SYS_kill, pid, SIGKILL, 0);
	if (!p) /* the filter traps every exec: this one came before it was in force */
		sv_say("killed: an exec before the filter was in force (in a constructor, "
		       "before main()): nothing checked it");
	else
		sv_say("killed: what the kernel loaded is not what was checked (the path, the "
		       "file or the argv changed after the check)");
}

/* ---- the supervisor ---- */

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Follow every tracee until the last is gone. */
static void follow(void)
{
	for (;;) {
		int status = 0, sig, event, resume = 0;
		long pid = sb_raw6(SYS_wait4, -1, (long)&status, __WALL, 0, 0, 0);
		struct pending *p;

		if (pid == -EINTR)
			continue;
		if (pid < 0)
			return; /* ECHILD: every tracee is gone */
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if ((p = pending_of((int)pid, 0)))
				p->tid = 0;
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		sig = WSTOPSIG(status);
		event = status >> 16;
		if (event == PTRACE_EVENT_SECCOMP)
			on_seccomp((int)pid);
		else if (event == PTRACE_EVENT_EXEC)
			on_exec((int)pid);
		else if (event == PTRACE_EVENT_STOP && is_stop_signal(sig)) {
			pt(PTRACE_LISTEN, pid, 0, 0); /* a group-stop: stay stopped */
			continue;
		} else if (event == 0)
			resume = sig; /* a signal for the tracee: deliver it */
		pt(PTRACE_CONT, pid, 0, resume);
	}
}

/* The files the absolute rules of X name, into the supervisor's IDS. */
static int resolve(const struct sb_exec *x, uint64_t *ids, struct sb_error *err)
{
	for (unsigned int i = 0; i < x->nrules; i++) {
		const char *prog = x->arena + x->rules[i].text;
		long r;

		ids[2 * i] = ids[2 * i + 1] = 0;
		if (!x->rules[i].absolute)
			continue;
		if ((r = rule_file(x, i, ids)) < 0) {
			sb_error_reset(err);
			err->kind = SB_ERR_FILE;
			err->sys_errno = (int)-r;
			err->item = x->rules[i].item;
			snprintf(err->var, sizeof(err->var), "%s",
				 x->rules[i].deny ? SB_VAR_EXEC_DENY : SB_VAR_EXEC_ALLOW);
			snprintf(err->what, sizeof(err->what), "cannot use the program");
			snprintf(err->path, sizeof(err->path), "%s", prog);
			return (int)r;
		}
	}
	return 0;
}

int sb_supervise_check(const struct sb_config *cfg, struct sb_error *err)
{
	return resolve(&cfg->exec, sv.ids, err);
}

/* Out of the program's reach: no terminal signal (its own session), no
 * ptrace or /proc/PID/mem by the program's user (not dumpable), none of
 * its descriptors but stderr, where denials are reported. */
static void harden(void)
{
	static const int ignored[] = { SIGHUP,	SIGINT,	 SIGQUIT, SIGTERM, SIGPIPE,
				       SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2 };
	struct {
		unsigned long handler, flags, restorer, mask;
	} ign = { (unsigned long)SIG_IGN, 0, 0, 0 };

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		sb_raw6(SYS_rt_sigaction, ignored[i], (long)&ign, 0, 8, 0, 0);
	sb_raw3(SYS_setsid, 0, 0, 0);
	sb_raw6(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0);
	sb_raw3(SYS_close, 0, 0, 0);
	sb_raw3(SYS_close, 1, 0, 0);
	sb_raw3(SYS_close_range, 3, ~0U, 0);
}

int sb_supervise_run(const struct sb_config *cfg, int pid, const char *prefix)
{
	struct sb_error err;

	sv.x = &cfg->exec;
	sv.prefix = prefix;
	if (resolve(sv.x, sv.ids, &err) < 0 || pt(PTRACE_SETOPTIONS, pid, 0, OPTIONS) < 0)
		return -1;
	harden();
	if (pt(PTRACE_CONT, pid, 0, 0) < 0)
		return -1;
	follow();
	return 0;
}

static long fork_raw(void)
{
	return sb_raw6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
}

static int read_int(int fd, int *v)
{
	return sb_raw3(SYS_read, fd, (long)v, sizeof(*v)) == sizeof(*v) ? 0 : -1;
}

/* The supervisor's side of the start: tell TARGET our pid, wait for "go"
 * (TARGET has named us its tracer for Yama), seize it, say how that went
 * over UP, then follow it. Never returns. */
__attribute__((noreturn)) static void supervisor_main(int target, int up, int down)
{
	int me = (int)sb_raw3(SYS_getpid, 0, 0, 0), go = 0, r;

	if (sb_raw3(SYS_write, up, (long)&me, sizeof(me)) != sizeof(me) || read_int(down, &go) < 0)
		sb_raw3(SYS_exit_group, 1, 0, 0);
	r = (int)pt(PTRACE_SEIZE, target, 0, OPTIONS);
	sb_raw3(SYS_write, up, (long)&r, sizeof(r));
	if (r < 0)
		sb_raw3(SYS_exit_group, 1, 0, 0);
	harden();
	follow();
	sb_raw3(SYS_exit_group, 0, 0, 0);
	__builtin_unreachable();
}

static int start_error(struct sb_error *err, const struct sb_config *cfg, const char *what, int e)
{
	sb_error_reset(err);
	err->kind = SB_ERR_KERNEL;
	err->sys_errno = e;
	snprintf(err->var, sizeof(err->var), "%s",
		 cfg->exec.has_allow ? SB_VAR_EXEC_ALLOW : SB_VAR_EXEC_DENY);
	snprintf(err->what, sizeof(err->what), "%s", what);
	return -e;
}

/* NOTE: double-forked: the supervisor is no child of the program, which
 * cannot wait for it or get its SIGCHLD (a subreaper or PID 1 aside). */
int sb_supervise_start(const struct sb_config *cfg, const char *prefix, struct sb_error *err)
{
	int up[2], down[2], me = (int)sb_raw3(SYS_getpid, 0, 0, 0), pid = 0, r = -ESRCH;
	long middle, rc;

	sv.x = &cfg->exec;
	sv.prefix = prefix;
	if ((rc = resolve(sv.x, sv.ids, err)) < 0)
		return (int)rc;
	if ((rc = sb_raw3(SYS_pipe2, (long)up, O_CLOEXEC, 0)) < 0)
		return start_error(err, cfg, "cannot start the exec supervisor", (int)-rc);
	if ((rc = sb_raw3(SYS_pipe2, (long)down, O_CLOEXEC, 0)) < 0) {
		sb_raw3(SYS_close, up[0], 0, 0);
		sb_raw3(SYS_close, up[1], 0, 0);
		return start_error(err, cfg, "cannot start the exec supervisor", (int)-rc);
	}
	middle = fork_raw();
	if (middle == 0) {
		if (fork_raw() == 0)
			supervisor_main(me, up[1], down[0]);
		sb_raw3(SYS_exit_group, 0, 0, 0);
	}
	if (middle > 0)
		sb_raw6(SYS_wait4, middle, 0, __WALL, 0, 0, 0);
	sb_raw3(SYS_close, up[1], 0, 0);
	sb_raw3(SYS_close, down[0], 0, 0);
	if (middle > 0 && read_int(up[0], &pid) == 0) {
		/* Yama's ptrace_scope 1: only a declared tracer may attach (EINVAL: no Yama) */
		sb_raw6(SYS_prctl, PR_SET_PTRACER, pid, 0, 0, 0, 0);
		/* -ESRCH unless it answers: it died first */
		if (sb_raw3(SYS_write, down[1], (long)&pid, sizeof(pid)) == sizeof(pid) &&
		    read_int(up[0], &r) < 0)
			r = -ESRCH;
	}
	sb_raw3(SYS_close, up[0], 0, 0);
	sb_raw3(SYS_close, down[1], 0, 0);
	if (middle < 0)
		return start_error(err, cfg, "cannot start the exec supervisor", (int)-middle);
	if (r < 0)
		return start_error(err, cfg, "cannot start the exec supervisor (ptrace)", -r);
	return 0;
}
