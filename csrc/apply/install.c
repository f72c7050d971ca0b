// SPDX-License-Identifier: MIT
/*
 * install.c - no_new_privs + seccomp(2). Every syscall here is made with the
 * syscall instruction (rawsys.h): no libc function the host program could
 * replace is on this path.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>

#include "rawsys.h"
#include "internal.h"

_Static_assert(sizeof(struct sb_insn) == sizeof(struct sock_filter),
	       "struct sb_insn must match struct sock_filter");

int sb_no_new_privs(void)
{
	long r = sb_raw6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);

	return r < 0 ? (int)r : 0;
}

int sb_install_flags(const struct sb_insn *prog, unsigned int len, unsigned int flags)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)len,
		.filter = (struct sock_filter *)(uintptr_t)prog,
	};
	long r;

	if (len == 0 || len > SB_PROG_MAX)
		return -EINVAL;
	r = sb_raw3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, (long)&fprog);
	return (int)r;
}

int sb_install_filter(const struct sb_insn *prog, unsigned int len)
{
	/* TSYNC: threads a library constructor may have started get it too. */
	int r = sb_install_flags(prog, len, SECCOMP_FILTER_FLAG_TSYNC);

	return r > 0 ? -ESRCH : r; /* r > 0: thread r could not be synchronised */
}
