// SPDX-License-Identifier: MIT
/*
 * caps.c - capability names and numbers (<linux/capability.h>), for a
 * profile's includes.caps / excludes.caps and `pysandbox profile show`.
 */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>

#include "internal.h"

#define N(t) (int)(sizeof(t) / sizeof(t[0]))

#define CAP(name) [name] = #name
static const char *const caps[] = {
	CAP(CAP_CHOWN),
	CAP(CAP_DAC_OVERRIDE),
	CAP(CAP_DAC_READ_SEARCH),
	CAP(CAP_FOWNER),
	CAP(CAP_FSETID),
	CAP(CAP_KILL),
	CAP(CAP_SETGID),
	CAP(CAP_SETUID),
	CAP(CAP_SETPCAP),
	CAP(CAP_LINUX_IMMUTABLE),
	CAP(CAP_NET_BIND_SERVICE),
	CAP(CAP_NET_BROADCAST),
	CAP(CAP_NET_ADMIN),
	CAP(CAP_NET_RAW),
	CAP(CAP_IPC_LOCK),
	CAP(CAP_IPC_OWNER),
	CAP(CAP_SYS_MODULE),
	CAP(CAP_SYS_RAWIO),
	CAP(CAP_SYS_CHROOT),
	CAP(CAP_SYS_PTRACE),
	CAP(CAP_SYS_PACCT),
	CAP(CAP_SYS_ADMIN),
	CAP(CAP_SYS_BOOT),
	CAP(CAP_SYS_NICE),
	CAP(CAP_SYS_RESOURCE),
	CAP(CAP_SYS_TIME),
	CAP(CAP_SYS_TTY_CONFIG),
	CAP(CAP_MKNOD),
	CAP(CAP_LEASE),
	CAP(CAP_AUDIT_WRITE),
	CAP(CAP_AUDIT_CONTROL),
	CAP(CAP_SETFCAP),
	CAP(CAP_MAC_OVERRIDE),
	CAP(CAP_MAC_ADMIN),
	CAP(CAP_SYSLOG),
	CAP(CAP_WAKE_ALARM),
	CAP(CAP_BLOCK_SUSPEND),
	CAP(CAP_AUDIT_READ),
	CAP(CAP_PERFMON),
	CAP(CAP_BPF),
	CAP(CAP_CHECKPOINT_RESTORE),
};
#undef CAP

_Static_assert(sizeof(caps) / sizeof(caps[0]) == CAP_LAST_CAP + 1,
	       "a capability of <linux/capability.h> is missing from caps[]");

int sb_cap_lookup(const char *name)
{
	for (int i = 0; i < N(caps); i++)
		if (strcmp(caps[i], name) == 0)
			return i;
	return -ENOENT;
}

const char *sb_cap_name(int n)
{
	return n >= 0 && n < N(caps) ? caps[n] : NULL;
}
