// SPDX-License-Identifier: MIT
/*
 * start.c - the front door's process entry, without the C library (see
 * front.h): the kernel's initial stack is argc, argv[], NULL, envp[], NULL.
 */
#include <string.h>

#include "front.h"

char **sb_front_environ;

void sb_front_start(long *sp);

const char *sb_front_getenv(const char *name)
{
	size_t n = strlen(name);

	for (char **e = sb_front_environ; *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* Called by _start with the initial stack pointer; never returns. */
void sb_front_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	sb_front_environ = argv + argc + 1;
	for (;;)
		sb_raw3(SYS_exit_group, sb_front_main(argc, argv), 0, 0);
}

#if defined(__x86_64__)
/* NOTE: the ABI wants %rsp 16-byte aligned before a call; the kernel leaves
 * it so at the entry, and %rbp zero marks the outermost frame. */
__asm__(".text\n.global _start\n.type _start,@function\n_start:\n"
	"\txor %rbp, %rbp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall sb_front_start\n\thlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n.type _start,%function\n_start:\n"
	"\tmov x29, #0\n\tmov x30, #0\n\tmov x0, sp\n\tbl sb_front_start\n");
#else
#error "start.c: add this architecture's entry"
#endif
