/*
 * privs [PROG ARGS...]: print this process's capability sets and
 * no_new_privs (its /proc/self/status lines "CapEff:\t...") and its resource
 * limits ("limit nofile 64 64", "unlimited" for RLIM_INFINITY), then exec
 * PROG if given. Built static for sandboxify and dynamic for libsandbox.so.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const struct {
	const char *name;
	int resource;
} limits[] = {
	{ "as", RLIMIT_AS },	     { "core", RLIMIT_CORE },	{ "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },     { "fsize", RLIMIT_FSIZE }, { "memlock", RLIMIT_MEMLOCK },
	{ "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC }, { "stack", RLIMIT_STACK },
};

static void value(rlim_t v)
{
	if (v == RLIM_INFINITY)
		printf(" unlimited");
	else
		printf(" %llu", (unsigned long long)v);
}

int main(int argc, char **argv)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs:", 11) == 0)
			fputs(line, stdout);
	if (f)
		fclose(f);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl;

		if (getrlimit(limits[i].resource, &rl) != 0)
			return 1;
		printf("limit %s", limits[i].name);
		value(rl.rlim_cur);
		value(rl.rlim_max);
		printf("\n");
	}
	fflush(stdout);
	if (argc > 1) {
		execv(argv[1], argv + 1);
		perror("execv");
		return 127;
	}
	return 0;
}
