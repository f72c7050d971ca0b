// SPDX-License-Identifier: MIT
/*
 * trace.c - what sandboxify needs from ptrace: thin request wrappers, and
 * making a stopped tracee run one syscall of our choosing (injection).
 *
 * Part of the cffi module only; libsandbox.so never traces anything.
 *
 * Injection: the tracee sits in a ptrace stop outside any syscall (sandboxify
 * uses the syscall-exit-stop of its launch execve, so the new image has not
 * run one instruction). We save its registers and the aligned word(s) at its
 * pc, write a syscall instruction there, point the registers at it,
 * single-step it, read the result, and finally put words and registers back.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "access.h"
#include "internal.h"

_Static_assert(SB_LEARN_NRS == SB_NR_SPACE, "learn counts every syscall number");

static int req(enum __ptrace_request r, pid_t pid, void *addr, void *data)
{
	errno = 0;
	if (ptrace(r, pid, addr, data) == -1 && errno)
		return -errno;
	return 0;
}

int sb_wait(int pid, int *status, int flags)
{
	while (waitpid(pid, status, flags) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int sb_trace_seize(int pid)
{
	long opts = PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;

	return req(PTRACE_SEIZE, pid, NULL, (void *)opts);
}

int sb_trace_cont(int pid, int sig)
{
	return req(PTRACE_CONT, pid, NULL, (void *)(long)sig);
}

int sb_trace_syscall(int pid, int sig)
{
	return req(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig);
}

int sb_trace_listen(int pid)
{
	return req(PTRACE_LISTEN, pid, NULL, NULL);
}

int sb_trace_detach(int pid, int sig)
{
	return req(PTRACE_DETACH, pid, NULL, (void *)(long)sig);
}

int sb_set_ptracer(int pid)
{
	/* NOTE: Yama (Documentation/admin-guide/LSM/Yama.rst): with
	 * ptrace_scope=1 only a declared tracer may attach to a non-descendant.
	 * EINVAL means Yama is not built in: nothing to declare. */
	if (prctl(PR_SET_PTRACER, (unsigned long)pid, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

int sb_trace_execve(const char *path, char *const argv[], char *const envp[])
{
	execve(path, argv, envp);
	return -errno;
}

#if defined(__x86_64__)

typedef struct user_regs_struct regs_t;
static const unsigned char syscall_insn[] = { 0x0f, 0x05 }; /* syscall */

static uintptr_t regs_pc(const regs_t *r)
{
	return r->rip;
}
static uintptr_t regs_sp(const regs_t *r)
{
	return r->rsp;
}
static long regs_ret(const regs_t *r)
{
	return (long)r->rax;
}

static void regs_set_arg0(regs_t *r, long a0)
{
	r->rdi = a0;
}

static void regs_call(regs_t *r, uintptr_t pc, long nr, long a0, long a1, long a2)
{
	r->rip = pc;
	r->rax = nr;
	r->orig_rax = -1; /* not inside a syscall: no restart logic */
	r->rdi = a0;
	r->rsi = a1;
	r->rdx = a2;
	r->r10 = r->r8 = r->r9 = 0;
}

#elif defined(__aarch64__)

typedef struct user_pt_regs regs_t;
static const unsigned char syscall_insn[] = { 0x01, 0x00, 0x00, 0xd4 }; /* svc #0 */

static uintptr_t regs_pc(const regs_t *r)
{
	return r->pc;
}
static uintptr_t regs_sp(const regs_t *r)
{
	return r->sp;
}
static long regs_ret(const regs_t *r)
{
	return (long)r->regs[0];
}

static void regs_set_arg0(regs_t *r, long a0)
{
	r->regs[0] = a0;
}

static void regs_call(regs_t *r, uintptr_t pc, long nr, long a0, long a1, long a2)
{
	r->pc = pc;
	r->regs[8] = nr;
	r->regs[0] = a0;
	r->regs[1] = a1;
	r->regs[2] = a2;
	r->regs[3] = r->regs[4] = r->regs[5] = 0;
}

#else
#error "sandboxify's injection supports x86_64 and aarch64"
#endif

/* NOTE: ptrace(2) PTRACE_GETREGSET shortens iov_len to the tracee's own
 * layout: a 32-bit (compat) tracee gets a smaller one. -ENOEXEC for those. */
static int get_regs(pid_t pid, regs_t *r)
{
	struct iovec io = { r, sizeof(*r) };
	int rc = req(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io);

	return rc < 0 ? rc : io.iov_len == sizeof(*r) ? 0 : -ENOEXEC;
}

static int set_regs(pid_t pid, regs_t *r)
{
	struct iovec io = { r, sizeof(*r) };

	return req(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &io);
}

static int peek(pid_t pid, uintptr_t addr, long *word)
{
	errno = 0;
	*word = ptrace(PTRACE_PEEKTEXT, pid, (void *)addr, NULL);
	return errno ? -errno : 0;
}

/* Copy LEN bytes to the tracee at ADDR, a word at a time. */
static int poke(pid_t pid, uintptr_t addr, const void *buf, size_t len)
{
	for (size_t off = 0; off < len; off += sizeof(long)) {
		long word = 0;
		size_t n = len - off < sizeof(long) ? len - off : sizeof(long);
		int r;

		if (n < sizeof(long) && (r = peek(pid, addr + off, &word)) < 0)
			return r;
		memcpy(&word, (const char *)buf + off, n);
		if ((r = req(PTRACE_POKEDATA, pid, (void *)(addr + off), (void *)word)) < 0)
			return r;
	}
	return 0;
}

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * Resume a single step after STATUS, a stop that is not its end: deliver a
 * signal, or sit out a job-control stop. 1 when STATUS ends the step.
 *
 * NOTE: signals reach the tracee while it steps (ptrace(2),
 * "Signal-delivery-stop"). They are delivered at once: the image has not run
 * an instruction, so execve(2) has reset every handler and only default
 * actions and SIG_IGN apply, as for the program without us; blocked ones
 * stay pending. A group-stop (PTRACE_EVENT_STOP of a seized tracee) lasts
 * until SIGCONT (PTRACE_LISTEN); an attached one (learn) does not stop it.
 */
static int step_on(pid_t pid, int status)
{
	int sig = WSTOPSIG(status), event = (unsigned int)status >> 16;
	siginfo_t si;

	if (event == PTRACE_EVENT_STOP && is_stop_signal(sig))
		return req(PTRACE_LISTEN, pid, NULL, NULL);
	if (event || ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) < 0)
		sig = 0; /* a group-stop: nothing to deliver */
	else if (sig == SIGTRAP && si.si_code > 0)
		return 1; /* the kernel's trap after the step, not a kill(2) */
	return req(PTRACE_SINGLESTEP, pid, NULL, (void *)(long)sig);
}

/* Single-step the tracee's next instruction, whatever stops come first.
 * -ESRCH when a signal ended the program meanwhile. */
static int step_one(pid_t pid)
{
	int status, rc;

	if ((rc = req(PTRACE_SINGLESTEP, pid, NULL, NULL)) < 0)
		return rc;
	do {
		if ((rc = sb_wait(pid, &status, __WALL)) < 0)
			return rc;
		if (!WIFSTOPPED(status))
			return -ESRCH;
	} while ((rc = step_on(pid, status)) == 0);
	return rc < 0 ? rc : 0;
}

/* Single-step the prepared syscall; its result in *ret. */
static int step(pid_t pid, regs_t *r, long *ret)
{
	int rc;

	if ((rc = set_regs(pid, r)) < 0 || (rc = step_one(pid)) < 0 || (rc = get_regs(pid, r)) < 0)
		return rc;
	*ret = regs_ret(r);
	return 0;
}

static int inject(pid_t pid, const regs_t *saved, long nr, long a0, long a1, long a2, long *ret)
{
	regs_t r = *saved;

	regs_call(&r, regs_pc(saved), nr, a0, a1, a2);
	return step(pid, &r, ret);
}

/* Where the filter goes: below the stack pointer and the x86_64 red zone,
 * inside the stack the kernel set up at exec (it reserves 128 KiB). */
static uintptr_t scratch(const regs_t *r, size_t len)
{
	return (regs_sp(r) - 256 - len) & ~(uintptr_t)15;
}

static int run_filter_syscalls(pid_t pid, const regs_t *saved, const struct sb_insn *prog,
			       unsigned int len)
{
	struct sock_fprog fprog = { .len = (unsigned short)len };
	size_t size = sizeof(fprog) + len * sizeof(*prog);
	uintptr_t at = scratch(saved, size);
	long ret;
	int r;

	fprog.filter = (struct sock_filter *)(at + sizeof(fprog));
	if ((r = poke(pid, at, &fprog, sizeof(fprog))) < 0 ||
	    (r = poke(pid, at + sizeof(fprog), prog, len * sizeof(*prog))) < 0)
		return r;
	if ((r = inject(pid, saved, SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)at, &ret)) < 0)
		return r;
	return ret < 0 ? (int)ret : 0;
}

/*
 * The code at a tracee's pc, replaced by an instruction and put back. PEEK
 * and POKE move aligned words, which never cross a page: an entry point in
 * the last bytes of the last mapped page must not make us touch the next.
 */
struct patch {
	uintptr_t at; /* the first aligned word the instruction touches */
	long word[2]; /* what was there */
	int n; /* words: 2 when the instruction straddles two */
};

static int patch_insn(pid_t pid, uintptr_t pc, const void *insn, size_t len, struct patch *p)
{
	long words[2];
	int r;

	p->word[1] = 0;
	p->at = pc & ~(uintptr_t)(sizeof(long) - 1);
	p->n = pc + len > p->at + sizeof(long) ? 2 : 1;
	for (int i = 0; i < p->n; i++)
		if ((r = peek(pid, p->at + i * sizeof(long), &p->word[i])) < 0)
			return r;
	memcpy(words, p->word, sizeof(words));
	memcpy((char *)words + (pc - p->at), insn, len);
	return poke(pid, p->at, words, p->n * sizeof(long));
}

static int unpatch(pid_t pid, const struct patch *p)
{
	return poke(pid, p->at, p->word, p->n * sizeof(long));
}

/* Run a syscall in the tracee with the code at its pc replaced, then put
 * everything back. Used for seccomp() and for exit_group(). */
static int with_syscall_insn(pid_t pid, const struct sb_insn *prog, unsigned int len, int code)
{
	struct patch patch;
	regs_t saved;
	long ret;
	int r, r2;

	if ((r = get_regs(pid, &saved)) < 0 ||
	    (r = patch_insn(pid, regs_pc(&saved), syscall_insn, sizeof(syscall_insn), &patch)) < 0)
		return r;
	if (prog)
		r = run_filter_syscalls(pid, &saved, prog, len);
	else
		r = inject(pid, &saved, SYS_exit_group, code, 0, 0, &ret);
	r2 = unpatch(pid, &patch);
	if (r2 == 0)
		r2 = set_regs(pid, &saved);
	return r < 0 ? r : r2;
}

int sb_inject_filter(int pid, const struct sb_insn *prog, unsigned int len)
{
	if (len == 0 || len > SB_PROG_MAX)
		return -EINVAL;
	return with_syscall_insn(pid, prog, len, 0);
}

#if defined(__x86_64__)
/* NOTE: a compat tracee's NT_PRSTATUS is struct user_regs_struct32
 * (arch/x86/include/asm/user32.h); i386 exit_group is 252, through int $0x80. */
struct regs_i386 {
	uint32_t ebx, ecx, edx, esi, edi, ebp, eax, ds, es, fs, gs, orig_eax, eip, cs, eflags, esp,
		ss;
};

static int exit_i386(pid_t pid, int code)
{
	static const unsigned char int80[] = { 0xcd, 0x80 };
	struct regs_i386 r;
	struct iovec io = { &r, sizeof(r) };
	struct patch patch;
	int rc;

	if ((rc = req(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io)) < 0)
		return rc;
	if (io.iov_len != sizeof(r))
		return -ENOEXEC;
	r.eax = 252;
	r.ebx = (uint32_t)code;
	r.orig_eax = (uint32_t)-1; /* not inside a syscall: no restart logic */
	if ((rc = patch_insn(pid, r.eip, int80, sizeof(int80), &patch)) < 0 ||
	    (rc = req(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &io)) < 0)
		return rc;
	return step_one(pid); /* the exit: -ESRCH is success */
}
#else
static int exit_i386(pid_t pid, int code)
{
	(void)pid;
	(void)code;
	return -ENOEXEC;
}
#endif

int sb_inject_exit(int pid, int code)
{
	int r = with_syscall_insn(pid, NULL, 0, code);

	if (r == -ENOEXEC)
		r = exit_i386(pid, code);
	return r == -ESRCH ? 0 : r; /* gone: it exited */
}

/* ---- pysandbox learn ---- */

/* Tasks seen, so a new one's first stop (an auto-attach SIGSTOP) is known
 * for what it is. Open addressing, linear probing, pids > 0. */
struct pidset {
	pid_t *slot;
	size_t cap, n;
};

static size_t pid_home(const struct pidset *s, pid_t pid)
{
	return ((size_t)pid * 2654435761U) & (s->cap - 1);
}

static int pidset_has(const struct pidset *s, pid_t pid)
{
	for (size_t i = pid_home(s, pid); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == pid)
			return 1;
	return 0;
}

static int pidset_add(struct pidset *s, pid_t pid)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct pidset bigger = { calloc(s->cap * 2, sizeof(pid_t)), s->cap * 2, 0 };

		if (!bigger.slot)
			return -ENOMEM;
		for (size_t k = 0; k < s->cap; k++)
			if (s->slot[k])
				pidset_add(&bigger, s->slot[k]);
		free(s->slot);
		*s = bigger;
	}
	for (i = pid_home(s, pid); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == pid)
			return 0;
	s->slot[i] = pid;
	s->n++;
	return 0;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void pidset_del(struct pidset *s, pid_t pid)
{
	size_t i = pid_home(s, pid), j;

	while (s->slot[i] && s->slot[i] != pid)
		i = (i + 1) & (s->cap - 1);
	if (!s->slot[i])
		return;
	s->slot[i] = 0;
	s->n--;
	for (j = (i + 1) & (s->cap - 1); s->slot[j]; j = (j + 1) & (s->cap - 1)) {
		pid_t p = s->slot[j];
		size_t h = pid_home(s, p);

		/* move P into the hole unless its home lies cyclically in (i, j] */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			s->slot[i] = p;
			s->slot[j] = 0;
			i = j;
		}
	}
}

/* SIGKILL every task in S and PID: a run that cannot be followed ends. */
static void kill_all(const struct pidset *s, pid_t pid)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			kill(s->slot[i], SIGKILL);
	kill(pid, SIGKILL);
}

/*
 * Calls that make the kernel need more than the program called (sb_learn's
 * handlers and restarts): a handler runs and returns through rt_sigreturn;
 * a sleep interrupted by a stop and SIGCONT is resumed by restart_syscall
 * (NOTE: restart_syscall(2): nanosleep, clock_nanosleep, poll, and futex
 * waits with a timeout keep a restart block).
 */
static void note_signals(struct sb_learn *out, pid_t pid, const uint64_t *a, uint64_t nr)
{
	long handler;

	switch (nr) {
	case SYS_rt_sigaction:
		/* sa_handler leads the kernel's struct sigaction on every arch */
		if (a[1] && (peek(pid, a[1], &handler) < 0 ||
			     (unsigned long)handler > (unsigned long)SIG_IGN))
			out->handlers++; /* unreadable (execute-only): perhaps one */
		break;
	case SYS_futex:
		if (a[3] && ((a[1] & FUTEX_CMD_MASK) == FUTEX_WAIT ||
			     (a[1] & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET))
			out->restarts++;
		break;
	case SYS_nanosleep:
	case SYS_clock_nanosleep:
#ifdef SYS_poll
	case SYS_poll:
#endif
		out->restarts++;
	}
}

/*
 * A call after which learn would miss calls: 0 to let it run, or
 * SB_LEARN_OWN_FILTER to end the run.
 *
 * NOTE: seccomp(2), "the action of highest precedence wins": a filter of the
 * program's own answering ERRNO, TRAP or KILL outranks our TRACE. A child
 * cloned with CLONE_UNTRACED is not attached (ptrace(2), PTRACE_O_TRACECLONE)
 * and its calls fail with ENOSYS unseen; without a tracer the flag does
 * nothing, so it is cleared and the child followed like any other.
 */
static int hides_calls(struct sb_learn *out, pid_t pid, const uint64_t *a, uint64_t nr)
{
	regs_t r;
	long flags;

	switch (nr) {
	case SYS_seccomp:
		return a[0] == SECCOMP_SET_MODE_FILTER ? SB_LEARN_OWN_FILTER : 0;
	case SYS_prctl:
		return a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER ? SB_LEARN_OWN_FILTER
									     : 0;
	case SYS_clone:
		if (!(a[0] & CLONE_UNTRACED) || get_regs(pid, &r) < 0)
			return 0;
		regs_set_arg0(&r, (long)(a[0] & ~(uint64_t)CLONE_UNTRACED));
		out->untraced += set_regs(pid, &r) == 0;
		return 0;
	case SYS_clone3: /* struct clone_args begins with its u64 flags */
		if (!a[0] || peek(pid, a[0], &flags) < 0 || !(flags & CLONE_UNTRACED))
			return 0;
		flags &= ~(long)CLONE_UNTRACED;
		out->untraced += poke(pid, a[0], &flags, sizeof(flags)) == 0;
		return 0;
	}
	return 0;
}

/* Count the call at PID's seccomp stop, and note what it names in LOG; 0,
 * or why the run must end. */
static int count_call(struct sb_learn *out, struct sb_access_log *log, pid_t pid)
{
	struct __ptrace_syscall_info info;
	const struct sb_arch *arch = sb_arch_native();
	uint32_t native = sb_arch_audit(arch), abi_bit = sb_arch_abi_bit(arch);
	uint32_t *table = NULL;
	uint64_t nr;
	int blind = 0;

	out->calls++;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		out->other++;
		return 0;
	}
	nr = info.seccomp.nr;
	if (info.arch == native && !(nr & abi_bit)) {
		note_signals(out, pid, info.seccomp.args, nr);
		blind = hides_calls(out, pid, info.seccomp.args, nr);
		sb_access_call(log, pid, nr, info.seccomp.args);
	}
	if (info.arch == native && abi_bit && (nr & abi_bit)) {
		table = out->x32;
		nr &= ~(uint64_t)abi_bit;
	} else if (info.arch == native) {
		table = out->native;
	} else if (info.arch == sb_arch_compat_audit(arch)) {
		table = out->compat;
	}
	if (table && nr < SB_LEARN_NRS)
		table[nr]++;
	else
		out->other++;
	return blind;
}

/*
 * Fork PATH's process, stopped before its exec. It gets the signal
 * dispositions and mask the caller had, as subprocess's restore_signals
 * does: Python ignores SIGPIPE and SIGXFSZ at start-up, and an ignored
 * signal stays ignored across execve(2) (`yes | head -1` must end by SIGPIPE).
 * A failed execve exits with its errno: before the exec event, that status
 * is ours, not the program's (sb_learn_run makes it OUT->exec_error).
 */
static pid_t start_stopped(const char *path, char *const argv[], char *const envp[], int nnp)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		signal(SIGXFSZ, SIG_DFL);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 || (nnp && sb_no_new_privs() < 0))
			_exit(126);
		raise(SIGSTOP);
		execve(path, argv, envp);
		_exit(errno & 0xff);
	}
	return pid;
}

/* Are any of PID's signals caught (SigCgt in /proc/PID/status, proc(5))?
 * Handlers installed before learn's filter (a constructor, a C++ static
 * initialiser) were never seen as rt_sigaction calls. Unreadable: yes. */
static int catches_signals(pid_t pid)
{
	char path[32], buf[4096], *at;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	if (!(at = strstr(buf, "\nSigCgt:")))
		return 1;
	return strtoull(at + 8, NULL, 16) != 0;
}

/* The launch exec of the main task, at its PTRACE_EVENT_EXEC stop: 0, or
 * SB_LEARN_FOREIGN_ABI for an image of another ABI (a script's #! line
 * names an i386 program), which neither filter can be for. */
static int launched(pid_t pid)
{
	regs_t r;

	return get_regs(pid, &r) == -ENOEXEC ? SB_LEARN_FOREIGN_ABI : 0;
}

/* A seccomp stop: count the call; the task's first one also looks for
 * handlers installed before the filter. 0, or why the run must end. */
static int seccomp_stop(struct sb_learn *out, struct sb_access_log *log, struct pidset *checked,
			pid_t pid)
{
	if (!out->handlers && !pidset_has(checked, pid) && pidset_add(checked, pid) == 0)
		out->handlers += catches_signals(pid);
	return count_call(out, log, pid);
}

static int traced(const void *seen, pid_t pid)
{
	return pidset_has(seen, pid);
}

/* One learning run: the tasks followed and what the caller asked. */
struct learn_run {
	struct sb_learn *out;
	const struct sb_insn *prog; /* to inject at the launch exec, or NULL */
	unsigned int len;
	struct pidset seen; /* every task being traced */
	struct pidset checked; /* tasks whose handlers were looked for */
	struct sb_access_log *log; /* what the calls name, or NULL */
	pid_t main_pid;
	int injecting, execd;
	int r; /* the run's result so far */
};

/* Start the program stopped, traced with our options: 0 or -errno. */
static int run_start(struct learn_run *run, const char *path, char *const argv[],
		     char *const envp[])
{
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD |
		    PTRACE_O_EXITKILL;
	int status, r;
	pid_t pid = start_stopped(path, argv, envp, run->prog != NULL);

	if (pid < 0)
		return -errno;
	run->main_pid = pid;
	/* the child's own SIGSTOP, before its exec */
	if (sb_wait(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
		kill(pid, SIGKILL);
		sb_wait(pid, &status, 0);
		run->out->status = status;
		return -ECHILD;
	}
	pidset_add(&run->seen, pid); /* room for 32: cannot fail */
	run->out->tasks = 1;
	if ((r = req(PTRACE_SETOPTIONS, pid, NULL, (void *)opts)) < 0 ||
	    (r = req(PTRACE_CONT, pid, NULL, NULL)) < 0) {
		kill(pid, SIGKILL);
		sb_wait(pid, &status, 0);
	}
	return r;
}

/* Task PID exited or was killed (STATUS): forget it. */
static void run_gone(struct learn_run *run, pid_t pid, int status)
{
	if (pid == run->main_pid)
		run->out->status = status;
	if (pid == run->main_pid && !run->execd && WIFEXITED(status))
		run->out->exec_error = WEXITSTATUS(status); /* start_stopped's */
	pidset_del(&run->seen, pid);
	pidset_del(&run->checked, pid);
	sb_access_drop(run->log, pid);
}

/* The first stop of a new task PID, with signal SIG: the one to handle. */
static int run_new_task(struct learn_run *run, pid_t pid, int sig)
{
	if (pidset_add(&run->seen, pid) < 0 && run->r == 0) {
		/* without room to remember it, a later SIGSTOP of it would be
		 * taken for this one: stop the whole run */
		run->r = -ENOMEM;
		kill_all(&run->seen, pid);
	}
	run->out->tasks++;
	return sig == SIGSTOP ? 0 : sig; /* the auto-attach SIGSTOP */
}

/* The main task at its launch exec (SIG SIGTRAP) or the syscall-exit-stop
 * after it: the filter goes in there. As run_stop. */
static int run_inject(struct learn_run *run, pid_t pid, int sig)
{
	if (sig == SIGTRAP) {
		/* to the exec's syscall-exit-stop: no instruction run yet */
		req(PTRACE_SYSCALL, pid, NULL, NULL);
		return -1;
	}
	run->injecting = 0;
	run->r = sb_inject_filter(pid, run->prog, run->len);
	if (run->r < 0) {
		kill(pid, SIGKILL);
		return -1; /* reap everything, then report */
	}
	return 0;
}

/* Task PID stopped with signal SIG, ptrace event EVENT: the signal to resume
 * it with, or -1 if it is resumed (or killed) already. */
static int run_stop(struct learn_run *run, pid_t pid, int sig, int event)
{
	struct sb_learn *out = run->out;
	int main_task = pid == run->main_pid;
	unsigned long former = 0;
	siginfo_t si;

	if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
		req(PTRACE_GETEVENTMSG, pid, NULL, &former); /* the thread that called execve */
		sb_access_exec(run->log, pid, (pid_t)former);
	}
	if (sig == (SIGTRAP | 0x80))
		sb_access_result(run->log, pid);
	if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC && main_task && !run->execd) {
		run->execd = 1;
		if ((out->blind = launched(pid))) {
			kill_all(&run->seen, pid); /* it has not run an instruction */
			return -1;
		}
	}
	if (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
		if (!out->blind && (out->blind = seccomp_stop(out, run->log, &run->checked, pid)))
			kill_all(&run->seen, pid); /* never a list the program dies of */
		return 0;
	}
	if (run->injecting && main_task &&
	    ((sig == SIGTRAP && event == PTRACE_EVENT_EXEC) || sig == (SIGTRAP | 0x80)))
		return run_inject(run, pid, sig);
	/* fork, vfork, clone, exec announce a new task; syscall stops: resume.
	 * A signal is the program's, unless this is a group-stop (no siginfo):
	 * those are not honoured while learning */
	if (event || !sig || sig == (SIGTRAP | 0x80))
		return 0;
	return ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0 ? sig : 0;
}

/* Follow every task until the last is gone: the run's result. */
static int run_follow(struct learn_run *run)
{
	int status, sig;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, __WALL);
		if (pid < 0 && errno == EINTR)
			continue; /* ^C: the program got it too; follow it to its end */
		if (pid < 0)
			return run->r; /* ECHILD: every task is gone */
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			run_gone(run, pid, status);
			continue;
		}
		sig = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
		if (!pidset_has(&run->seen, pid))
			sig = run_new_task(run, pid, sig);
		sig = run_stop(run, pid, sig, (unsigned int)status >> 16);
		/* a call whose records wait for its result: on to its exit */
		if (sig >= 0)
			req(sb_access_waiting(run->log, pid) ? PTRACE_SYSCALL : PTRACE_CONT, pid,
			    NULL, (void *)(long)sig);
	}
}

int sb_learn_run(const char *path, char *const argv[], char *const envp[],
		 const struct sb_insn *prog, unsigned int len, struct sb_learn *out)
{
	struct learn_run run = { .out = out, .prog = prog, .len = len, .injecting = prog != NULL };
	char *access = out->access;
	uint32_t access_size = out->access_size;
	int r;

	memset(out, 0, sizeof(*out));
	out->access = access;
	out->access_size = access_size;
	run.seen = (struct pidset){ calloc(64, sizeof(pid_t)), 64, 0 };
	run.checked = (struct pidset){ calloc(64, sizeof(pid_t)), 64, 0 };
	run.log = sb_access_new(out, traced, &run.seen);
	if (!run.seen.slot || !run.checked.slot)
		r = -ENOMEM;
	else if ((r = run_start(&run, path, argv, envp)) == 0)
		r = run_follow(&run);
	sb_access_free(run.log);
	free(run.seen.slot);
	free(run.checked.slot);
	return r;
}
