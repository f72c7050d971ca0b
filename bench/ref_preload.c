// SPDX-License-Identifier: MIT
/*
 * ref_preload.c - the libseccomp reference: an LD_PRELOAD library with
 * libsandbox.so's environment interface, built the way libseccomp-based
 * preloads (cloudflare/sandbox) do it, so the benchmark compares like with like.
 *
 *   SECCOMP_SYSCALL_ALLOW=a:b:c   only these (ALLOW minus DENY) run
 *   SECCOMP_SYSCALL_DENY=a:b      these get the default action, the rest run
 *   SECCOMP_DEFAULT_ACTION=kill|log   action for what is not allowed (kill)
 *   SECCOMP_REF_RULES=FILE        instead: a Docker/OCI profile's rules, as
 *                                 runc would give them to libseccomp, one per
 *                                 line (bench/report.py writes the file):
 *                                   default ACTION
 *                                   ACTION NAME [ARG OP DATUM_A DATUM_B]...
 *                                 (ACTION: libseccomp's action value; OP:
 *                                 SCMP_CMP_*; names it cannot resolve are
 *                                 skipped, as runc skips them)
 *
 * Items are names (resolved by libseccomp) or numbers; an ALLOW item may carry
 * argument conditions, name(argN OP VALUE, ...) with OP one of == != < <= > >=
 * (all must hold), for the argument-filter row. The constructor builds
 * the libseccomp context (seccomp_init + seccomp_rule_add); a
 * __libc_start_main wrapper calls seccomp_load (BPF generation + no_new_privs
 * + seccomp(2), TSYNC) right before main(). The context is never released:
 * free() could need brk/munmap, which the filter may forbid.
 *
 * Built a second time with -DREF_TOOL, as a program that does not install
 * anything but exports or times the same filter:
 *   ref_tool [-t] export FILE   write the BPF (-t: binary-tree optimisation)
 *   ref_tool [-t] time N        build + generate N times -> "US_PER_BUILD"
 *   ref_tool unknown            the ALLOW/DENY names libseccomp cannot resolve
 *   ref_tool version            libseccomp's version
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VAR_ALLOW "SECCOMP_SYSCALL_ALLOW"
#define VAR_DENY "SECCOMP_SYSCALL_DENY"
#define VAR_ACTION "SECCOMP_DEFAULT_ACTION"
#define VAR_RULES "SECCOMP_REF_RULES"
#define ITEM_MAX 64
#define DENY_MAX 1024
#define EXIT_SETUP 125 /* libsandbox.so's status for setup failures */

static int optimize; /* libseccomp's default (linear) unless ref_tool -t */

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("ref_preload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(EXIT_SETUP);
}

/* "name" or "123" -> syscall number (maybe a libseccomp pseudo number < 0),
 * or __NR_SCMP_ERROR. */
static int resolve(const char *item)
{
	unsigned long v;
	char *end;

	if (item[0] < '0' || item[0] > '9')
		return seccomp_syscall_resolve_name(item);
	errno = 0;
	v = strtoul(item, &end, 0);
	return *end || errno || v > 0xffff ? __NR_SCMP_ERROR : (int)v;
}

/* Call FN for every non-empty item of LIST. */
static void each_item(const char *var, const char *list,
		      void (*fn)(const char *var, const char *item, void *arg), void *arg)
{
	char item[ITEM_MAX];

	for (const char *s = list;; s++) {
		const char *end = strchrnul(s, ':');
		size_t len = (size_t)(end - s);

		if (len >= sizeof(item))
			die("%s: item too long: '%.*s'", var, (int)len, s);
		if (len > 0) {
			memcpy(item, s, len);
			item[len] = '\0';
			fn(var, item, arg);
		}
		if (*end == '\0')
			return;
		s = end;
	}
}

struct rules {
	scmp_filter_ctx ctx;
	int ndeny;
	int deny[DENY_MAX];
};

static int resolve_or_die(const char *var, const char *item)
{
	int nr = resolve(item);

	if (nr == __NR_SCMP_ERROR)
		die("%s: unknown syscall '%s'", var, item);
	return nr;
}

static void add_deny(const char *var, const char *item, void *arg)
{
	struct rules *r = arg;

	if (r->ndeny == DENY_MAX)
		die("%s: more than %d items", var, DENY_MAX);
	r->deny[r->ndeny++] = resolve_or_die(var, item);
}

/* "argN OP VALUE, ..." into CMP; the count. */
static unsigned int parse_conds(const char *var, char *text, struct scmp_arg_cmp *cmp)
{
	static const struct {
		const char *op;
		enum scmp_compare cmp;
	} ops[] = { { "==", SCMP_CMP_EQ }, { "!=", SCMP_CMP_NE }, { "<=", SCMP_CMP_LE },
		    { ">=", SCMP_CMP_GE }, { "<", SCMP_CMP_LT },  { ">", SCMP_CMP_GT } };
	unsigned int n = 0;

	for (char *c = strtok(text, ","); c; c = strtok(NULL, ",")) {
		unsigned int arg;
		unsigned long long value;
		char op[3];
		size_t i;

		if (n == 6 || sscanf(c, " arg%u %2[=!<>] %lli", &arg, op, &value) != 3 || arg > 5)
			die("%s: bad condition '%s'", var, c);
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(op, ops[i].op); i++)
			;
		if (i == sizeof(ops) / sizeof(ops[0]))
			die("%s: bad operator '%s'", var, op);
		cmp[n++] = (struct scmp_arg_cmp){ arg, ops[i].cmp, value, 0 };
	}
	return n;
}

static void add_allow(const char *var, const char *item, void *arg)
{
	struct rules *r = arg;
	struct scmp_arg_cmp cmp[6];
	char name[ITEM_MAX], *paren;
	unsigned int ncmp = 0;
	int nr, rc;

	snprintf(name, sizeof(name), "%s", item);
	paren = strchr(name, '(');
	if (paren) {
		*paren = '\0';
		*strchrnul(paren + 1, ')') = '\0';
		ncmp = parse_conds(var, paren + 1, cmp);
	}
	nr = resolve_or_die(var, name);
	for (int i = 0; i < r->ndeny; i++)
		if (r->deny[i] == nr)
			return; /* ALLOW minus DENY */
	rc = seccomp_rule_add_array(r->ctx, SCMP_ACT_ALLOW, nr, ncmp, cmp);
	if (rc < 0)
		die("seccomp_rule_add(%s): %s", item, strerror(-rc));
}

/* One "ACTION NAME [ARG OP A B]..." line of a rules file into CTX. */
static void add_rules_line(scmp_filter_ctx c, char *line)
{
	struct scmp_arg_cmp conds[6];
	char *save, *name, *tok = strtok_r(line, " \n", &save);
	uint32_t action = (uint32_t)strtoul(tok, NULL, 0);
	unsigned int n = 0;
	int nr, rc;

	name = strtok_r(NULL, " \n", &save);
	while ((tok = strtok_r(NULL, " \n", &save)) && n < 6) {
		conds[n].arg = (unsigned int)strtoul(tok, NULL, 0);
		conds[n].op = (enum scmp_compare)strtoul(strtok_r(NULL, " ", &save), NULL, 0);
		conds[n].datum_a = strtoull(strtok_r(NULL, " ", &save), NULL, 0);
		conds[n].datum_b = strtoull(strtok_r(NULL, " \n", &save), NULL, 0);
		n++;
	}
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return;
	rc = seccomp_rule_add_array(c, action, nr, n, conds);
	if (rc < 0)
		die("seccomp_rule_add(%s): %s", name, strerror(-rc));
}

/* SECCOMP_REF_RULES: the file's rules as a libseccomp context. */
static scmp_filter_ctx build_rules(const char *path)
{
	static char line[4096];
	scmp_filter_ctx c = NULL;
	FILE *f = fopen(path, "re");

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "default ", 8) == 0) {
			c = seccomp_init((uint32_t)strtoul(line + 8, NULL, 0));
			if (!c || seccomp_attr_set(c, SCMP_FLTATR_CTL_TSYNC, 1) < 0 ||
			    (optimize && seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0))
				die("seccomp_init failed");
		} else if (c) {
			add_rules_line(c, line);
		}
	}
	fclose(f);
	if (!c)
		die("%s: no default line", path);
	return c;
}

/* The policy in the environment as a libseccomp context, or NULL if none. */
static scmp_filter_ctx build(void)
{
	const char *allow = getenv(VAR_ALLOW), *deny = getenv(VAR_DENY);
	const char *word = getenv(VAR_ACTION);
	uint32_t action = SCMP_ACT_KILL_PROCESS;
	static struct rules r;
	int rc;

	if (getenv(VAR_RULES))
		return build_rules(getenv(VAR_RULES));
	if (!allow && !deny) {
		if (word)
			die("%s is set without %s or %s", VAR_ACTION, VAR_ALLOW, VAR_DENY);
		return NULL;
	}
	if (word && strcmp(word, "log") == 0)
		action = SCMP_ACT_LOG;
	else if (word && strcmp(word, "kill") != 0)
		die("%s: unknown action '%s'", VAR_ACTION, word);
	r.ndeny = 0;
	r.ctx = seccomp_init(allow ? action : SCMP_ACT_ALLOW);
	if (!r.ctx)
		die("seccomp_init failed");
	if (seccomp_attr_set(r.ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0 ||
	    (optimize && seccomp_attr_set(r.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0))
		die("seccomp_attr_set failed");
	if (deny)
		each_item(VAR_DENY, deny, add_deny, &r);
	if (allow) {
		each_item(VAR_ALLOW, allow, add_allow, &r);
		return r.ctx;
	}
	for (int i = 0; i < r.ndeny; i++) {
		rc = seccomp_rule_add(r.ctx, action, r.deny[i], 0);
		if (rc < 0 && rc != -EEXIST)
			die("seccomp_rule_add(%d): %s", r.deny[i], strerror(-rc));
	}
	return r.ctx;
}

#ifndef REF_TOOL

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
			void *);

static scmp_filter_ctx ctx;
static main_fn real_main;

__attribute__((constructor)) static void ref_init(void)
{
	ctx = build();
}

static int filtered_main(int argc, char **argv, char **envp)
{
	int rc = seccomp_load(ctx);

	if (rc < 0)
		die("seccomp_load: %s", strerror(-rc));
	return real_main(argc, argv, envp);
}

__attribute__((visibility("default"))) int __libc_start_main(main_fn main, int argc, char **argv,
							     void (*init)(void), void (*fini)(void),
							     void (*rtld_fini)(void),
							     void *stack_end)
{
	start_fn next = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");

	if (!next)
		die("cannot find the C library's __libc_start_main");
	real_main = main;
	return next(ctx ? filtered_main : main, argc, argv, init, fini, rtld_fini, stack_end);
}

#else /* REF_TOOL */

static void print_unknown(const char *var, const char *item, void *arg)
{
	(void)var;
	(void)arg;
	if (resolve(item) == __NR_SCMP_ERROR)
		printf("%s\n", item);
}

static scmp_filter_ctx build_or_die(void)
{
	scmp_filter_ctx c = build();

	if (!c)
		die("no policy: set %s, %s or %s", VAR_ALLOW, VAR_DENY, VAR_RULES);
	return c;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Build the context and generate its BPF into FD, then free it. */
static void export(int fd)
{
	scmp_filter_ctx c = build_or_die();
	int rc = seccomp_export_bpf(c, fd);

	if (rc < 0)
		die("seccomp_export_bpf: %s", strerror(-rc));
	seccomp_release(c);
}

int main(int argc, char **argv)
{
	const struct scmp_version *v;
	double t0;
	int fd, n;

	if (argc > 1 && strcmp(argv[1], "-t") == 0) {
		optimize = 1;
		argv++;
		argc--;
	}
	if (argc == 2 && strcmp(argv[1], "version") == 0) {
		v = seccomp_version();
		printf("%u.%u.%u\n", v->major, v->minor, v->micro);
	} else if (argc == 2 && strcmp(argv[1], "unknown") == 0) {
		if (getenv(VAR_ALLOW))
			each_item(VAR_ALLOW, getenv(VAR_ALLOW), print_unknown, NULL);
		if (getenv(VAR_DENY))
			each_item(VAR_DENY, getenv(VAR_DENY), print_unknown, NULL);
	} else if (argc == 3 && strcmp(argv[1], "export") == 0) {
		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die("%s: %s", argv[2], strerror(errno));
		export(fd);
		close(fd);
	} else if (argc == 3 && strcmp(argv[1], "time") == 0 && (n = atoi(argv[2])) > 0) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			die("/dev/null: %s", strerror(errno));
		export(fd); /* warm up */
		t0 = now_us();
		for (int i = 0; i < n; i++)
			export(fd);
		printf("%.2f\n", (now_us() - t0) / n);
	} else {
		fprintf(stderr,
			"usage: ref_tool [-t] export FILE | [-t] time N | unknown | version\n");
		return 2;
	}
	return 0;
}

#endif /* REF_TOOL */
