// SPDX-License-Identifier: MIT
/*
 * install.c - no_new_privs + seccomp(2), and the host facts a profile is
 * decided against. The only unit with side effects. Every syscall here is
 * made with the syscall instruction (rawsys.h): no libc function the host
 * program could replace is on this path.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include "rawsys.h"
#include "sandbox.h"

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
	/* NOTE: seccomp(2): without CAP_SYS_ADMIN a filter needs no_new_privs. */
	if ((r = sb_no_new_privs()) < 0)
		return (int)r;
	r = sb_raw3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, (long)&fprog);
	return (int)r;
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

/* The decimal number at *S (at least one digit), capped above 0xffff; *S
 * moves past it. */
static unsigned long parse_decimal(const char **s)
{
	unsigned long v = 0;

	for (; is_digit(**s); (*s)++)
		v = v > 0xffff ? v : v * 10 + (unsigned long)(**s - '0');
	return v;
}

/* "6.18.44-fc" -> 6, 18: the leading "N.N", as moby reads it. */
static int parse_release(const char *s, unsigned int *major, unsigned int *minor)
{
	unsigned long a, b;

	if (!is_digit(*s))
		return -EINVAL;
	a = parse_decimal(&s);
	if (*s != '.' || !is_digit(s[1]))
		return -EINVAL;
	s++;
	b = parse_decimal(&s);
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
	struct utsname u; /* NOTE: the same layout as the kernel's new_utsname */
	long r = sb_raw3(SYS_capget, (long)&hdr, (long)data, 0);

	if (r < 0)
		return (int)r;
	host->caps = (uint64_t)data[1].effective << 32 | data[0].effective;
	if ((r = sb_raw3(SYS_uname, (long)&u, 0, 0)) < 0)
		return (int)r;
	return parse_release(u.release, &host->kernel_major, &host->kernel_minor);
}
