// SPDX-License-Identifier: MIT
/*
 * host.c - the host facts a profile's includes/excludes are decided against:
 * this process's effective capabilities and the running kernel's version.
 * Raw syscalls (rawsys.h), as everything libsandbox.so does before main().
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/utsname.h>

#include "internal.h"
#include "rawsys.h"

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
