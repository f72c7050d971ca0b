/*
 * liar: exports (built with -rdynamic) the libc functions a preload library
 * might call, each doing nothing or lying. Under libsandbox.so it must still
 * be filtered. Then: prints its Seccomp: line, whether any SECCOMP_* is left
 * in environ, and calls getpid() (tests deny it).
 * Built -O0 -fno-builtin: its own code must not call its own memcpy.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

/* One line per liar. */
/* clang-format off */
int unsetenv(const char *name) { (void)name; return 0; }
int setenv(const char *n, const char *v, int o) { (void)n; (void)v; (void)o; return 0; }
char *getenv(const char *name) { (void)name; return NULL; }
int putenv(char *s) { (void)s; return 0; }
long syscall(long nr, ...) { (void)nr; return 0; }
int prctl(int op, ...) { return op == PR_GET_SECCOMP ? 2 : 0; }
int strcmp(const char *a, const char *b) { (void)a; (void)b; return 0; }
int strncmp(const char *a, const char *b, size_t n) { (void)a; (void)b; (void)n; return 1; }
void *memcpy(void *d, const void *s, size_t n) { (void)s; (void)n; return d; }
void *dlsym(void *h, const char *name) { (void)h; (void)name; return NULL; }
/* clang-format on */

static void say(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	if (write(1, s, n) < 0)
		_exit(3);
}

int main(void)
{
	static char buf[8192];
	ssize_t n = 0, r;
	int fd = open("/proc/self/status", 0);

	while (fd >= 0 && (r = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += r;
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (p[0] == 'S' && p[1] == 'e' && p[2] == 'c' && p[3] == 'c' && p[7] == ':' &&
		    p[8] == '\t') {
			char line[3] = { p[9], '\n', 0 };
			say("Seccomp: ");
			say(line);
			break;
		}
	for (char **e = environ; *e; e++)
		if ((*e)[0] == 'S' && (*e)[1] == 'E' && (*e)[2] == 'C' && (*e)[3] == 'C')
			say("left: "), say(*e), say("\n");
	say("getpid\n");
	getpid();
	say("not filtered\n");
	return 0;
}
