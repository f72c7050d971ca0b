/* SPDX-License-Identifier: MIT */
/*
 * front.h - what the C front door (front.c) asks of the kernel: raw system
 * calls, as everything it links (core/, apply/, preload/minilibc.c) does.
 *
 * The front door is a static executable without the C library: glibc's
 * start-up alone probes the CPU's features with cpuid, which traps to the
 * hypervisor in a VM (~0.1 ms a process), more than all the front door's
 * own work. start.c is its entry; each call returns what the syscall does
 * (a negative errno on failure).
 */
#ifndef SB_FRONT_H
#define SB_FRONT_H

#include <fcntl.h>
#include <sys/stat.h>

#include "rawsys.h"

extern char **sb_front_environ; /* start.c: the exec-time environment */

/* front.c: the front door's main(). */
int sb_front_main(int argc, char **argv);

/* The value of NAME in the environment (the first entry, as getenv), or NULL. */
const char *sb_front_getenv(const char *name);

static inline long fr_stat(const char *path, struct stat *st)
{
	return sb_raw6(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0, 0, 0);
}

static inline long fr_access(const char *path, int mode)
{
	return sb_raw6(SYS_faccessat, AT_FDCWD, (long)path, mode, 0, 0, 0);
}

static inline long fr_xattr_size(const char *path, const char *name)
{
	return sb_raw6(SYS_getxattr, (long)path, (long)name, 0, 0, 0, 0);
}

static inline long fr_open(const char *path)
{
	return sb_raw6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
}

static inline long fr_read(long fd, void *buf, unsigned long size)
{
	return sb_raw3(SYS_read, fd, (long)buf, (long)size);
}

static inline long fr_pread(long fd, void *buf, unsigned long size, unsigned long off)
{
	return sb_raw6(SYS_pread64, fd, (long)buf, (long)size, (long)off, 0, 0);
}

static inline void fr_close(long fd)
{
	sb_raw3(SYS_close, fd, 0, 0);
}

/* The target of the link PATH into BUF (SIZE bytes, NUL-terminated). */
static inline long fr_readlink(const char *path, char *buf, unsigned long size)
{
	long n = sb_raw6(SYS_readlinkat, AT_FDCWD, (long)path, (long)buf, (long)size - 1, 0, 0);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static inline long fr_getcwd(char *buf, unsigned long size)
{
	return sb_raw3(SYS_getcwd, (long)buf, (long)size, 0);
}

static inline long fr_uid(void)
{
	return sb_raw3(SYS_getuid, 0, 0, 0);
}

static inline long fr_euid(void)
{
	return sb_raw3(SYS_geteuid, 0, 0, 0);
}

static inline long fr_execve(const char *path, char *const *argv, char *const *envp)
{
	return sb_raw3(SYS_execve, (long)path, (long)argv, (long)envp);
}

#endif /* SB_FRONT_H */
