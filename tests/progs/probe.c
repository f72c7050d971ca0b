/*
 * probe: make the syscalls the tests name, in order, and report each result.
 *   probe getpid            syscall(SYS_getpid) through the native ABI
 *   probe i386:getpid       the same through int $0x80 (i386 number 20)
 *   probe x32:getpid        the native number with the x32 bit set
 *   probe env:NAME          print NAME's value from getenv() and from envp
 *   probe exec:PATH         execve PATH
 *   probe status            print the Seccomp: lines of /proc/self/status
 * Each step prints "STEP = RESULT" on stdout (unbuffered).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char **envp_seen;

static long i386_getpid(void)
{
#if defined(__x86_64__)
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	return r;
#else
	return -ENOSYS;
#endif
}

static long x32_getpid(void)
{
#if defined(__x86_64__)
	return syscall(SYS_getpid | 0x40000000L);
#else
	return -ENOSYS;
#endif
}

static void env(const char *name)
{
	const char *v = getenv(name);
	size_t n = strlen(name);
	int in_envp = 0;

	for (char **e = envp_seen; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			in_envp = 1;
	printf("env:%s = %s envp=%d\n", name, v ? v : "(unset)", in_envp);
}

static void status(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0)
			printf("status = %s", line);
	if (f)
		fclose(f);
}

int main(int argc, char **argv, char **envp)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	envp_seen = envp;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long r;

		if (strcmp(a, "getpid") == 0) {
			r = syscall(SYS_getpid);
			printf("getpid = %s\n", r > 0 ? "ok" : strerror(errno));
		} else if (strcmp(a, "getppid") == 0) {
			r = syscall(SYS_getppid);
			printf("getppid = %s\n", r > 0 ? "ok" : strerror(errno));
		} else if (strcmp(a, "i386:getpid") == 0) {
			r = i386_getpid();
			printf("i386:getpid = %s\n", r > 0 ? "ok" : strerror((int)-r));
		} else if (strcmp(a, "x32:getpid") == 0) {
			r = x32_getpid();
			printf("x32:getpid = %s\n", r >= 0 ? "ok" : strerror(errno));
		} else if (strncmp(a, "env:", 4) == 0) {
			env(a + 4);
		} else if (strncmp(a, "exec:", 5) == 0) {
			char *args[] = { (char *)a + 5, NULL };

			execve(a + 5, args, envp);
			printf("%s = %s\n", a, strerror(errno));
		} else if (strcmp(a, "status") == 0) {
			status();
		} else {
			fprintf(stderr, "probe: unknown step '%s'\n", a);
			return 2;
		}
	}
	return 0;
}
