// SPDX-License-Identifier: MIT
/*
 * preload.c - libsandbox.so: read SECCOMP_* -> parse -> compile -> install,
 * or die. Loaded with LD_PRELOAD or as a DT_NEEDED entry (patchelf).
 *
 * When: the constructor parses and compiles (so a bad policy stops the
 * program before any of its own code runs). The filter is installed right
 * before main(), through the exported __libc_start_main interposer, so the C
 * runtime's start-up syscalls need no allowance. If that hook cannot be
 * reached (libsandbox.so is behind libc in the search order, or the program
 * does not start through __libc_start_main), the constructor installs the
 * filter itself: earlier, never later, never not at all.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "sandbox.h"

#if !(defined(__x86_64__) && !defined(__ILP32__)) && !defined(__aarch64__)
#error "libsandbox.so supports x86_64 and aarch64"
#endif

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
			void (*)(void), void *);

static struct sb_insn prog[SB_PROG_MAX];
static unsigned int prog_len;
static int pending; /* compiled; install just before main() */
static main_fn real_main;

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char line[1100];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* stdio is the host program's; write(2) directly. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

/* One line, one status; _exit: the host's atexit handlers are not ours. */
#define die(...)                                  \
	do {                                      \
		say("libsandbox: " __VA_ARGS__);  \
		_exit(SB_EXIT_FAILURE);           \
	} while (0)

/* Remove our variables so neither the program nor its children see them. */
static void scrub_env(void)
{
	char name[64];

	for (char **e = environ; e && *e; e++) {
		size_t n = strcspn(*e, "=");

		if (strncmp(*e, "SECCOMP_", 8) != 0 || n >= sizeof(name))
			continue;
		memcpy(name, *e, n);
		name[n] = '\0';
		if (sb_env_is_ours(name)) {
			unsetenv(name);
			e = environ - 1; /* the array shifted: rescan */
		}
	}
}

static void install_now(void)
{
	/* Let the C runtime finish its lazy one-time set-up first: glibc's
	 * malloc seeds its tcache with getrandom() on first use. (libseccomp-based
	 * preloads got this for free from their own allocations.) */
	void *warm = malloc(1);
	int r;

	__asm__ volatile("" : : "r"(warm) : "memory"); /* keep the pair */
	free(warm);
	r = sb_install(prog, prog_len);
	if (r < 0)
		die("cannot install the seccomp filter: %s", strerror(-r));
	pending = 0;
	scrub_env();
}

static int sandboxed_main(int argc, char **argv, char **envp)
{
	if (pending)
		install_now();
	return real_main(argc, argv, envp);
}

static int start_hook(main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	start_fn next = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");

	if (!next)
		die("cannot find the C library's __libc_start_main");
	real_main = main;
	return next(pending ? sandboxed_main : main, argc, argv, init, fini, rtld_fini,
		    stack_end);
}

extern __typeof(start_hook) __libc_start_main
	__attribute__((alias("start_hook"), visibility("default")));

static uintptr_t dyn_addr(uintptr_t ptr, uintptr_t base)
{
	/* ld.so relocates these in place on most arches; not on all. */
	return ptr < base ? base + ptr : ptr;
}

static int rela_names(const ElfW(Rela) *rela, size_t size, const ElfW(Sym) *symtab,
		      const char *strtab, const char *name)
{
	for (size_t i = 0; rela && i < size / sizeof(*rela); i++) {
		size_t sym = ELF64_R_SYM(rela[i].r_info) /* both targets are 64-bit */;

		if (sym && strcmp(strtab + symtab[sym].st_name, name) == 0)
			return 1;
	}
	return 0;
}

/* Does the main program have a relocation against NAME? */
static int exe_imports(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t base = info->dlpi_addr, symtab = 0, strtab = 0, rela = 0, jmprel = 0;
	size_t relasz = 0, pltsz = 0;
	const ElfW(Dyn) *d = NULL;
	int *found = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			d = (const ElfW(Dyn) *)(base + info->dlpi_phdr[i].p_vaddr);
	for (; d && d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: symtab = dyn_addr(d->d_un.d_ptr, base); break;
		case DT_STRTAB: strtab = dyn_addr(d->d_un.d_ptr, base); break;
		case DT_RELA: rela = dyn_addr(d->d_un.d_ptr, base); break;
		case DT_RELASZ: relasz = d->d_un.d_val; break;
		case DT_JMPREL: jmprel = dyn_addr(d->d_un.d_ptr, base); break;
		case DT_PLTRELSZ: pltsz = d->d_un.d_val; break;
		}
	}
	if (symtab && strtab)
		*found = rela_names((void *)rela, relasz, (void *)symtab, (void *)strtab,
				    "__libc_start_main") ||
			 rela_names((void *)jmprel, pltsz, (void *)symtab, (void *)strtab,
				    "__libc_start_main");
	return 1; /* the main program is always first: stop */
}

/* Will the program's start go through start_hook? */
static int hook_reachable(void)
{
	int imports = 0;

	if (dlsym(RTLD_DEFAULT, "__libc_start_main") != (void *)start_hook)
		return 0;
	dl_iterate_phdr(exe_imports, &imports);
	return imports;
}

static void report(const struct sb_policy *p)
{
	char line[128];

	for (unsigned int i = 0; i < p->nrules; i++) {
		sb_rule_describe(p, i, line, sizeof(line));
		say("%s", line);
	}
}

/* The text of file PATH (VAR names it) into BUF; the length, or dies. BUF
 * has room for SB_FILE_MAX + 1 bytes: a file that fills it is too long. */
static size_t read_file(const char *var, const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("%s: cannot read '%s': %s", var, path, strerror(errno));
	while ((n = read(fd, buf + len, size - len)) > 0 && len + (size_t)n < size)
		len += (size_t)n;
	if (n < 0)
		die("%s: cannot read '%s': %s", var, path, strerror(errno));
	if (n > 0)
		die("%s: larger than %d bytes: '%s'", var, SB_FILE_MAX, path);
	close(fd);
	return len;
}

/* Is a tracer attached (TracerPid in /proc/self/status)? */
static int traced(void)
{
	char buf[4096];
	const char *t;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	t = strstr(buf, "\nTracerPid:");
	return t && strtol(t + 11, NULL, 10) > 0;
}

/* SECCOMP_PROFILE: read it, decide its includes/excludes for this process. */
static int add_profile(struct sb_policy *policy, char *text, struct sb_error *err)
{
	static struct sb_json tape[SB_JSON_MAX];
	struct sb_host host;
	size_t len = read_file("SECCOMP_PROFILE", policy->profile, text, SB_FILE_MAX + 1);
	int r = sb_host_probe(&host);

	if (r < 0)
		die("SECCOMP_PROFILE: cannot read this process's capabilities or kernel version: %s",
		    strerror(-r));
	return sb_policy_add_profile(policy, policy->profile, text, len, &host, tape, SB_JSON_MAX,
				     err);
}

static void parse_policy(struct sb_policy *policy, const struct sb_arch *arch)
{
	static char text[SB_FILE_MAX + 1]; /* one more: a longer file fills it */
	struct sb_error err;
	char msg[1024];
	int r, secure = getauxval(AT_SECURE) != 0;

	/* A set-id program's environment is its caller's: refuse before parsing
	 * a byte of it with the program's privileges (SECCOMP_VERBOSE is no policy). */
	for (char **e = environ; secure && e && *e; e++)
		if (strncmp(*e, "SECCOMP_", 8) == 0 && strncmp(*e, "SECCOMP_VERBOSE=", 16) != 0)
			die("refusing a SECCOMP_* policy from the environment of a set-id or "
			    "file-capability program");
	r = sb_policy_from_env(policy, arch, environ, &err);
	if (r == 1)
		return;
	if (r == 0 && policy->file) {
		size_t len = read_file("SECCOMP_POLICY_FILE", policy->file, text, sizeof(text));

		r = sb_policy_add_file(policy, policy->file, text, len, &err);
	}
	if (r == 0 && policy->profile)
		r = add_profile(policy, text, &err); /* the file's text is no longer needed */
	if (r == 0)
		r = sb_policy_finish(policy, &err);
	/* SECCOMP_RET_TRACE with no tracer fails every syscall with ENOSYS. */
	if (r == 0 && policy->learn && !traced())
		die("SECCOMP_LEARN: no tracer: run the program through `pysandbox learn`");
	if (r < 0) {
		sb_error_format(&err, msg, sizeof(msg));
		die("%s", msg);
	}
	pending = 1;
}

__attribute__((constructor)) static void sandbox_init(void)
{
	static struct sb_policy policy;
	int r;

	parse_policy(&policy, sb_arch_native());
	if (!pending)
		return;
	r = sb_bpf_compile(&policy, prog, SB_PROG_MAX);
	if (r < 0)
		die("the policy does not fit in one seccomp filter (%s)", strerror(-r));
	prog_len = (unsigned int)r;
	if (policy.verbose)
		report(&policy);
	if (!hook_reachable()) {
		if (policy.verbose)
			say("libsandbox: main() cannot be reached; installing the filter now");
		install_now();
	}
}
