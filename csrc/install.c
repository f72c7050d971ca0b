// SPDX-License-Identifier: MIT
/*
 * install.c - no_new_privs + seccomp(2). The only unit with side effects.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

_Static_assert(sizeof(struct sb_insn) == sizeof(struct sock_filter),
	       "struct sb_insn must match struct sock_filter");

int sb_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int sb_install(const struct sb_insn *prog, unsigned int len)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)len,
		.filter = (struct sock_filter *)(uintptr_t)prog,
	};
	long r;

	if (len == 0 || len > SB_PROG_MAX)
		return -EINVAL;
	/* NOTE: seccomp(2): without CAP_SYS_ADMIN a filter needs no_new_privs. */
	if ((r = sb_no_new_privs()) < 0)
		return (int)r;
	/* TSYNC: threads a library constructor may have started get it too. */
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
	if (r < 0)
		return -errno;
	if (r > 0)
		return -ESRCH; /* thread r could not be synchronised */
	return 0;
}
