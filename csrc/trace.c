// SPDX-License-Identifier: MIT
/*
 * trace.c - what sandboxify needs from ptrace: thin request wrappers, and
 * making a stopped tracee run one syscall of our choosing (injection).
 *
 * Part of the cffi module only; libsandbox.so never traces anything.
 *
 * Injection: the tracee sits in a ptrace stop outside any syscall (sandboxify
 * uses the syscall-exit-stop of its launch execve, so the new image has not
 * run one instruction). We save its registers and the word at its pc, write a
 * syscall instruction there, point the registers at it, single-step it, read
 * the result, and finally put word and registers back.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static int req(enum __ptrace_request r, pid_t pid, void *addr, void *data)
{
	errno = 0;
	if (ptrace(r, pid, addr, data) == -1 && errno)
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

#if defined(__x86_64__)

typedef struct user_regs_struct regs_t;
static const unsigned char syscall_insn[] = { 0x0f, 0x05 }; /* syscall */

static uintptr_t regs_pc(const regs_t *r) { return r->rip; }
static uintptr_t regs_sp(const regs_t *r) { return r->rsp; }
static long regs_ret(const regs_t *r) { return (long)r->rax; }

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

static uintptr_t regs_pc(const regs_t *r) { return r->pc; }
static uintptr_t regs_sp(const regs_t *r) { return r->sp; }
static long regs_ret(const regs_t *r) { return (long)r->regs[0]; }

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

static int get_regs(pid_t pid, regs_t *r)
{
	struct iovec io = { r, sizeof(*r) };

	return req(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io);
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

/* Single-step the prepared syscall; its result in *ret. */
static int step(pid_t pid, regs_t *r, long *ret)
{
	int status, rc;

	if ((rc = set_regs(pid, r)) < 0 || (rc = req(PTRACE_SINGLESTEP, pid, NULL, NULL)) < 0)
		return rc;
	if (waitpid(pid, &status, __WALL) < 0)
		return -errno;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
		return -ECHILD; /* died, or a signal got in the way: give up */
	if ((rc = get_regs(pid, r)) < 0)
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

/* Run a syscall in the tracee with the code at its pc replaced, then put
 * everything back. Used for seccomp() and for exit_group(). */
static int with_syscall_insn(pid_t pid, const struct sb_insn *prog, unsigned int len, int code)
{
	regs_t saved;
	long word, patched, ret;
	int r, r2;

	if ((r = get_regs(pid, &saved)) < 0 || (r = peek(pid, regs_pc(&saved), &word)) < 0)
		return r;
	patched = word;
	memcpy(&patched, syscall_insn, sizeof(syscall_insn));
	if ((r = poke(pid, regs_pc(&saved), &patched, sizeof(patched))) < 0)
		return r;
	if (prog)
		r = run_filter_syscalls(pid, &saved, prog, len);
	else
		r = inject(pid, &saved, SYS_exit_group, code, 0, 0, &ret);
	r2 = poke(pid, regs_pc(&saved), &word, sizeof(word));
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

int sb_inject_exit(int pid, int code)
{
	return with_syscall_insn(pid, NULL, 0, code);
}
