/*
 * envedit: edits every SECCOMP_* variable out of the environment before
 * libsandbox.so's constructor runs - from the executable's .preinit_array
 * (built -DPREINIT) or from the constructor of a library of its own,
 * which runs before a preloaded one's (built -DLIBRARY -shared). The
 * program then calls getppid and getpid (tests deny getpid).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void edit(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv;
	if (!environ) /* NOTE: in .preinit_array, libc has not set it yet */
		environ = envp;
	for (char **e = environ; *e;) {
		if (strncmp(*e, "SECCOMP_", 8) == 0) {
			char name[128];

			snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
			unsetenv(name);
		} else {
			e++;
		}
	}
	clearenv();
	setenv("EDITED", "1", 1);
}

#if defined(PREINIT)
__attribute__((section(".preinit_array"), used)) static void (*pre)(int, char **, char **) = edit;
#elif defined(LIBRARY)
__attribute__((constructor)) static void ctor(int argc, char **argv, char **envp)
{
	edit(argc, argv, envp);
}
#endif

#ifndef LIBRARY
int main(void)
{
	int left = 0;

	for (char **e = environ; e && *e; e++)
		left += strncmp(*e, "SECCOMP_", 8) == 0;
	printf("SECCOMP_* left: %d\n", left);
	fflush(stdout);
	getppid();
	printf("getppid ok\n");
	fflush(stdout);
	getpid();
	printf("not filtered\n");
	return 0;
}
#endif
