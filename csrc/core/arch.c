// SPDX-License-Identifier: MIT
/*
 * arch.c - every fact about an architecture, in one place: its names (ours,
 * the OCI runtimes', libseccomp's), the AUDIT_ARCH value the kernel reports,
 * the x32 bit, its 32-bit compat ABI, whether filters can be compiled for it,
 * and its syscall table (core/syscalls.c). Python reads them through _native.
 */
#include <linux/audit.h>
#include <string.h>

#include "internal.h"

#define X32_BIT 0x40000000U /* __X32_SYSCALL_BIT */

static const struct sb_arch arches[] = {
	{ "x86_64", "amd64", "SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0, X32_BIT, 1,
	  &sb_systab_x86_64 },
	{ "i386", "386", "SCMP_ARCH_X86", AUDIT_ARCH_I386, 0, 0, 0, 0, &sb_systab_i386 },
	{ "x32", "amd64", "SCMP_ARCH_X32", AUDIT_ARCH_X86_64, 0, X32_BIT, 0, 0, &sb_systab_x32 },
	{ "aarch64", "arm64", "SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0, 0, 1,
	  &sb_systab_aarch64 },
};

const struct sb_arch *sb_arch_native(void)
{
#if defined(__x86_64__) && !defined(__ILP32__)
	return &arches[0];
#elif defined(__aarch64__)
	return &arches[3];
#else
	return NULL;
#endif
}

const struct sb_arch *sb_arch_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(arches[i].name, name) == 0)
			return &arches[i];
	return NULL;
}

const char *sb_arch_name(const struct sb_arch *arch)
{
	return arch->name;
}

const char *sb_arch_oci_name(const struct sb_arch *arch)
{
	return arch->oci;
}

const char *sb_arch_scmp_name(const struct sb_arch *arch)
{
	return arch->scmp;
}

uint32_t sb_arch_audit(const struct sb_arch *arch)
{
	return arch->audit_arch;
}

uint32_t sb_arch_compat_audit(const struct sb_arch *arch)
{
	return arch->compat_audit;
}

uint32_t sb_arch_abi_bit(const struct sb_arch *arch)
{
	return arch->abi_bit;
}

int sb_arch_is_target(const struct sb_arch *arch)
{
	return arch->target;
}
