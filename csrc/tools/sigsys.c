// SPDX-License-Identifier: MIT
/*
 * sigsys.c - naming the syscall a seccomp filter stopped, for
 * Sandbox.call(): the child's kill actions become SECCOMP_RET_TRAP, and this
 * handler records what the kernel's siginfo says before the child dies, in a
 * page the parent mapped shared before the fork.
 *
 * Part of the cffi module only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

/* NOTE: si_code of a SIGSYS sent by a seccomp filter's SECCOMP_RET_TRAP
 * (seccomp(2)); older C libraries' headers lack the name. */
#define SECCOMP_TRAP_CODE 1

static struct sb_sigsys *record;

/* NOTE: no syscall before the record is written: the filter may forbid any.
 * Then tgkill(2) with SIGSYS at its default action (SA_RESETHAND; not
 * blocked: SA_NODEFER) ends the process as kill_process would; should the
 * filter refuse getpid, gettid or tgkill, the trap there is forced (the
 * kernel resets a blocked or ignored SIGSYS to its default), and if one fails
 * with an errno, the process ends by SIGILL, the record already written. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (record && si->si_code == SECCOMP_TRAP_CODE) {
		record->nr = si->si_syscall;
		record->arch = si->si_arch;
		__atomic_store_n(&record->caught, 1, __ATOMIC_SEQ_CST);
	}
	/* this thread, asked now: a grandchild (FN forked) is another process
	 * than the one that installed the handler, and a cached pid may be
	 * anyone's by then */
	syscall(SYS_tgkill, syscall(SYS_getpid), syscall(SYS_gettid), sig);
	__builtin_trap();
}

int sb_sigsys_catch(struct sb_sigsys *rec)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	record = rec;
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}

/* NOTE: one page per call, never reused: a grandchild keeps its mapping
 * and could otherwise write into a later call's record. Made here rather
 * than by Python's mmap object: Sandbox.call() makes one per call, and each
 * Python object the parent makes then is a page it writes (copied while the
 * child lives). */
struct sb_sigsys *sb_sigsys_map(void)
{
	void *p = mmap(NULL, sizeof(struct sb_sigsys), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void sb_sigsys_unmap(struct sb_sigsys *rec)
{
	munmap(rec, sizeof(*rec));
}
