// SPDX-License-Identifier: MIT
/*
 * arch.c - every fact about an architecture, in one place: its names (ours,
 * the OCI runtimes', libseccomp's), the AUDIT_ARCH value the kernel reports,
 * the x32 bit, its 32-bit compat ABI, whether filters can be compiled for it,
 * and its syscall table (core/syscalls.c). Python reads them through _native.
 */
#include <elf.h>
#include <linux/audit.h>
#include <string.h>

#include "internal.h"

#define X32_BIT 0x40000000U /* __X32_SYSCALL_BIT */

/* in the order listings show them: the targets first */
static const struct sb_arch arches[] = {
	{ "x86_64", "amd64", "SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, "i386", 0,
	  X32_BIT, 1, &sb_systab_x86_64 },
	{ "aarch64", "arm64", "SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, "arm", 0, 0,
	  1, &sb_systab_aarch64 },
	{ "i386", "386", "SCMP_ARCH_X86", AUDIT_ARCH_I386, 0, NULL, 0, 0, 0, &sb_systab_i386 },
	{ "x32", "amd64", "SCMP_ARCH_X32", AUDIT_ARCH_X86_64, 0, NULL, X32_BIT, 0, 0,
	  &sb_systab_x32 },
};

/* An ELF file's (EI_CLASS, e_machine) and the ABI it is for: arm, the compat
 * ABI of aarch64, has no syscall table here but is named. */
static const struct {
	unsigned char elf_class;
	uint16_t machine;
	char abi[8]; /* not a pointer: no relocation at start-up */
} elf_abis[] = {
	{ ELFCLASS64, EM_X86_64, "x86_64" }, { ELFCLASS32, EM_X86_64, "x32" },
	{ ELFCLASS32, EM_386, "i386" },	     { ELFCLASS64, EM_AARCH64, "aarch64" },
	{ ELFCLASS32, EM_ARM, "arm" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct sb_arch *sb_arch_native(void)
{
#if defined(__x86_64__) && !defined(__ILP32__)
	return &arches[0];
#elif defined(__aarch64__)
	return &arches[1];
#else
	return NULL;
#endif
}

const struct sb_arch *sb_arch_lookup(const char *name)
{
	for (size_t i = 0; i < COUNT(arches); i++)
		if (strcmp(arches[i].name, name) == 0)
			return &arches[i];
	return NULL;
}

const struct sb_arch *sb_arch_at(int i)
{
	return i >= 0 && (size_t)i < COUNT(arches) ? &arches[i] : NULL;
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

const char *sb_arch_compat_name(const struct sb_arch *arch)
{
	return arch->compat;
}

uint32_t sb_arch_nr_bias(const struct sb_arch *arch)
{
	return arch->nr_bias;
}

uint32_t sb_arch_abi_bit(const struct sb_arch *arch)
{
	return arch->abi_bit;
}

int sb_arch_is_target(const struct sb_arch *arch)
{
	return arch->target;
}

const char *sb_arch_elf_abi(unsigned int elf_class, unsigned int machine)
{
	for (size_t i = 0; i < COUNT(elf_abis); i++)
		if (elf_abis[i].elf_class == elf_class && elf_abis[i].machine == machine)
			return elf_abis[i].abi;
	return NULL;
}
