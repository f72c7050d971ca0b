/* SPDX-License-Identifier: MIT */
/*
 * rawsys.h - system calls made with the syscall instruction itself.
 *
 * The sandbox's own set-up (prctl, seccomp, the read-back) must not go
 * through libc's syscall() or prctl(): in a program that exports functions of
 * those names (built with -rdynamic), a call through the PLT binds to the
 * program's definition, which may do nothing and report success. These
 * helpers return the kernel's answer: a value >= 0, or -errno.
 */
#ifndef SB_RAWSYS_H
#define SB_RAWSYS_H

#include <sys/syscall.h>

#if defined(__x86_64__)
static inline long sb_raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
static inline long sb_raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#else
#error "rawsys.h: add this architecture's syscall instruction"
#endif

static inline long sb_raw3(long nr, long a, long b, long c)
{
	return sb_raw6(nr, a, b, c, 0, 0, 0);
}

#endif /* SB_RAWSYS_H */
