// SPDX-License-Identifier: MIT
/*
 * install.c - no_new_privs + seccomp(2), and the host facts a profile is
 * decided against. The only unit with side effects.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sandbox.h"

_Static_assert(sizeof(struct sb_insn) == sizeof(struct sock_filter),
	       "struct sb_insn must match struct sock_filter");

int sb_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
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
	/* NOTE: seccomp(2): without CAP_SYS_ADMIN a filter needs no_new_privs. */
	if ((r = sb_no_new_privs()) < 0)
		return (int)r;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
	return r < 0 ? -errno : (int)r;
}

int sb_install(const struct sb_insn *prog, unsigned int len)
{
	/* TSYNC: threads a library constructor may have started get it too. */
	int r = sb_install_flags(prog, len, SECCOMP_FILTER_FLAG_TSYNC);

	return r > 0 ? -ESRCH : r; /* r > 0: thread r could not be synchronised */
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "6.18.44-fc" -> 6, 18: the leading "N.N", as moby reads it. */
static int parse_release(const char *s, unsigned int *major, unsigned int *minor)
{
	unsigned long a, b;
	char *end;

	if (!is_digit(*s))
		return -EINVAL;
	a = strtoul(s, &end, 10);
	if (*end != '.' || !is_digit(end[1]))
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (a > 0xffff || b > 0xffff)
		return -EINVAL;
	*major = (unsigned int)a;
	*minor = (unsigned int)b;
	return 0;
}

int sb_host_probe(struct sb_host *host)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	struct utsname u;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	host->caps = (uint64_t)data[1].effective << 32 | data[0].effective;
	if (uname(&u) < 0)
		return -errno;
	return parse_release(u.release, &host->kernel_major, &host->kernel_minor);
}
