// SPDX-License-Identifier: MIT
/*
 * preload.c - libsandbox.so: read SECCOMP_* -> parse -> compile -> install,
 * verify, or die. Loaded with LD_PRELOAD or as a DT_NEEDED entry (patchelf).
 *
 * Nothing the host program exports is trusted on this path: the set-up
 * syscalls are made with the syscall instruction (rawsys.h), the string and
 * memory routines are libsandbox.so's own (minilibc.c), the policy is read
 * from the environment strings the kernel placed on the stack at exec (no
 * getenv; a program that edits environ before us does not hide it), and our
 * variables are removed by editing the arrays directly (no unsetenv).
 *
 * When: the constructor parses and compiles (a bad policy stops the program
 * before its own code runs) and installs the filter - unless the program's
 * entry point is the C runtime's standard _start, whose call into
 * __libc_start_main is proven to land in our interposer (start_hook). Then
 * the filter is installed there, right before main(), so the program's own
 * constructors need no allowance. Earlier, never later, never not at all.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "internal.h"
#include "rawsys.h"

#if !(defined(__x86_64__) && !defined(__ILP32__)) && !defined(__aarch64__)
#error "libsandbox.so supports x86_64 and aarch64"
#endif

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
			void *);

/* The read-back: prctl(PR_GET_SECCOMP, READBACK_A, READBACK_B) is the one
 * call our filter lets through whatever the policy (it only reads the mode);
 * any other prctl meets the policy (expected_mode). */
#define READBACK_A SB_READBACK_A
#define READBACK_B SB_READBACK_B
#define PREFIX_LEN 9

extern char **environ; /* the program's: what it and its children see */

/* NOTE: the small state lives in .data, whose one page ld.so has written
 * already; in .bss it would cost every sandboxed program a page fault more
 * (two, for a page read before it is written: the zero page, then a copy). */
#define IN_DATA __attribute__((section(".data")))

static struct sb_insn prog_buf[SB_PROG_MAX]; /* PREFIX_LEN spare in front */
static struct sb_prepared prepared IN_DATA = { .prog = prog_buf + PREFIX_LEN,
					       .cap = SB_PROG_MAX - PREFIX_LEN };
static long want_mode IN_DATA; /* what the read-back must return */
static int pending IN_DATA; /* compiled; install in start_hook, right before main() */
static start_fn next_start IN_DATA; /* the next one: libc's, or a wrapper */
static main_fn real_main IN_DATA;
static char **start_envp IN_DATA; /* the array the kernel built at exec */
static struct start {
	const char *env_lo, *env_hi; /* the environment strings */
	uintptr_t secure, entry, phdr, phnum;
} start IN_DATA; /* what else the kernel handed over at exec */

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
	sb_raw3(SYS_write, 2, (long)line, n);
}

/* One line, one status; exit_group: the host's atexit handlers are not ours. */
#define die(...)                                                \
	do {                                                    \
		say("libsandbox: " __VA_ARGS__);                \
		sb_raw3(SYS_exit_group, SB_EXIT_FAILURE, 0, 0); \
		__builtin_unreachable();                        \
	} while (0)

/* Is *E one of our variables (SECCOMP_NAME=...)? */
static int ours(const char *e)
{
	char name[64];
	size_t n = strcspn(e, "=");

	if (!sb_env_family(e) || n >= sizeof(name))
		return 0;
	memcpy(name, e, n);
	name[n] = '\0';
	return sb_env_is_ours(name);
}

/* Drop our variables from the NULL-terminated array ENV, in place: one pass,
 * whatever the program's setenv/unsetenv do. The number dropped. */
static size_t scrub(char **env)
{
	char **out = env;
	size_t dropped = 0;

	for (; env && *env; env++)
		if (!ours(*env))
			*out++ = *env;
		else
			dropped++;
	if (out)
		*out = NULL;
	return dropped;
}

/* SANDBOX_VOWS_EXEC's PROMISES: the program's environment hands
 * SANDBOX_VOWS=<them> on to what it execs (this library, preloaded there too, narrows it), in
 * a slot scrub() freed in ENV (SANDBOX_VOWS's own, at least). */
static void hand_on_vows(char **env, uint32_t promises)
{
	static char line[sizeof(SB_VAR_VOWS) + SB_VOWS_MAX * 12];

	sb_vows_format(promises, line, sizeof(line));
	while (*env)
		env++;
	env[0] = line;
	env[1] = NULL;
}

/* Then overwrite our exec-time strings with NULs (after every array is
 * scrubbed: a blanked string no longer reads as ours). Another copy of
 * libsandbox.so in this process (a second path in LD_PRELOAD, or one linked
 * in) reads these strings too and must find no policy left to install;
 * /proc/PID/environ shows none. (Without them, the arrays are all it reads.) */
static void scrub_strings(const struct start *s)
{
	for (char *p = (char *)s->env_lo; p && p < s->env_hi; p++) {
		size_t n = strlen(p);

		if (ours(p))
			memset(p, 0, n); /* then step past it, not through its NULs */
		p += n;
	}
}

/* ---- what the kernel handed over at exec ---- */

/* The auxiliary vector follows ENVP's terminating NULL. NOTE: an unsetenv()
 * before us shifts that array down in place, leaving more NULLs: skip them
 * (no auxv entry starts with AT_NULL). */
static int read_auxv(char **envp, struct start *s)
{
	const uintptr_t *a;
	enum { SECURE = 1, EXECFN = 2, ENTRY = 4, PHDR = 8, PHNUM = 16, ALL = 31 };
	int seen = 0;

	while (*envp)
		envp++;
	while (!*envp)
		envp++;
	for (a = (const uintptr_t *)envp; a[0] != AT_NULL; a += 2) {
		if (a[0] > 64)
			return -1; /* not an auxiliary vector */
		if (a[0] == AT_SECURE)
			s->secure = a[1], seen |= SECURE;
		else if (a[0] == AT_EXECFN)
			s->env_hi = (const char *)a[1], seen |= EXECFN;
		else if (a[0] == AT_ENTRY)
			s->entry = a[1], seen |= ENTRY;
		else if (a[0] == AT_PHDR)
			s->phdr = a[1], seen |= PHDR;
		else if (a[0] == AT_PHNUM)
			s->phnum = a[1], seen |= PHNUM;
	}
	return seen == ALL ? 0 : -1;
}

/* The kernel lays the argument strings, the environment strings and the
 * program's file name out one after the other: the environment is what lies
 * between the end of the last argument and AT_EXECFN. An empty range is the
 * truth only for an empty environment: `ld.so --argv0 NAME PROG` leaves
 * argv[0] on NAME and points AT_EXECFN at PROG, the next string. */
static int find_env(int argc, char **argv, char **envp, struct start *s)
{
	const char *p;

	if (argc < 1 || !argv || !argv[0])
		return -1;
	p = argv[0];
	for (int i = 0; i < argc; i++)
		p += strlen(p) + 1;
	if (p > s->env_hi || s->env_hi - p > 64L * 1024 * 1024 ||
	    (p < s->env_hi && s->env_hi[-1] != '\0') || (p == s->env_hi && envp[0]))
		return -1;
	s->env_lo = p;
	return 0;
}

/* Is the variable of string P among the K strings of OUT? (The first of a
 * name wins, as with getenv(); a hundred copies of one are one.) */
static int seen(char *const *out, size_t k, const char *p)
{
	size_t n = strcspn(p, "=");

	for (size_t i = 0; i < k; i++)
		if (strncmp(out[i], p, n) == 0 && (out[i][n] == '=' || out[i][n] == '\0'))
			return 1;
	return 0;
}

/* Collect the strings of our families (SECCOMP_*) into OUT (N slots, NULL-terminated): from
 * the exec-time strings if found, else from the array ENVP. */
static void our_strings(const struct start *s, char **envp, char **out, size_t n)
{
	size_t k = 0;
	const char *p = s->env_lo;

	for (;;) {
		if (s->env_lo && p >= s->env_hi)
			break;
		if (!s->env_lo && !(p = *envp++))
			break;
		if (sb_env_family(p) && !seen(out, k, p)) {
			if (k + 1 >= n)
				die("more than %zu SECCOMP_* and SANDBOX_* variables", n - 1);
			out[k++] = (char *)p;
		}
		if (s->env_lo)
			p += strlen(p) + 1;
	}
	out[k] = NULL;
}

/* ---- installing ---- */

/* The read-back prctl(PR_GET_SECCOMP, READBACK_A, READBACK_B) and what it
 * returns under the filter of PROG (LEN): 2 if allowed, -errno if answered
 * with an error. A policy that kills, traps, traces or logs it (the kernel
 * log and learn must not show our call) gets PREFIX ahead
 * of its filter, letting that one call through (the kernel's load time
 * grows with the length: no prefix when it is not needed). */
static long expected_mode(struct sb_insn *p, unsigned int *len)
{
	const uint32_t audit = sb_arch_audit(sb_arch_native());
	const struct sock_filter pre[PREFIX_LEN] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_SECCOMP, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, READBACK_A, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct seccomp_data d = { .nr = SYS_prctl,
				  .arch = audit,
				  .args = { PR_GET_SECCOMP, READBACK_A, READBACK_B } };
	int64_t act = sb_bpf_run(p + PREFIX_LEN, *len, &d);
	uint32_t action = (uint32_t)act & SECCOMP_RET_ACTION_FULL;

	if (act >= 0 && action == SECCOMP_RET_ALLOW)
		return SECCOMP_MODE_FILTER;
	if (act >= 0 && action == SECCOMP_RET_ERRNO && (act & SECCOMP_RET_DATA))
		return -(long)((uint32_t)act & SECCOMP_RET_DATA);
	memcpy(p, pre, sizeof(pre)); /* NOTE: both targets are little-endian */
	*len += PREFIX_LEN;
	return SECCOMP_MODE_FILTER;
}

static void *definition(const struct start *s, const char *name, const void *after, int *is_libc);

/* Let the C runtime finish its lazy one-time set-up first: glibc's malloc
 * seeds its tcache with getrandom() on first use. The program's malloc (its
 * own, if it exports one: the first definition in load order, as calls bind)
 * is warmed; it decides nothing. */
static void warm_malloc(void)
{
	int is_libc;
	void *(*m)(size_t) = (void *(*)(size_t))definition(&start, "malloc", NULL, &is_libc);
	void (*f)(void *) = (void (*)(void *))definition(&start, "free", NULL, &is_libc);

	if (m && f)
		f(m(1));
}

static struct sb_config config; /* what this process's sandbox is */
/* NOTE: the error record and its line are not on the stack: 5 KiB more of
 * it would move every deeper frame (the parser's, malloc's) onto pages
 * nothing has touched yet, a page fault each. */
static struct sb_error error;
static char error_line[sizeof(error.var) + sizeof(error.path) + 256];

static void install_now(void)
{
	size_t dropped;
	long mode;

	warm_malloc();
	if (sb_enter(&config, &prepared, SB_ENTER_ALL, &error) < 0) {
		sb_error_format(&error, error_line, sizeof(error_line));
		die("%s", error_line);
	}
	/* Verify, then trust: only a filter in force lets the variables go. */
	if (config.layers & SB_LAYER_SECCOMP) {
		mode = sb_raw6(SYS_prctl, PR_GET_SECCOMP, READBACK_A, READBACK_B, 0, 0, 0);
		if (mode != want_mode)
			die("the seccomp filter is not in force after installing it (%s)",
			    mode < 0 ? strerror((int)-mode) : "mode is not 2");
	}
	pending = 0;
	dropped = scrub(start_envp);
	if (environ != start_envp)
		dropped = scrub(environ);
	scrub_strings(&start);
	if ((config.layers & SB_LAYER_VOWS) && config.vows.exec_given && dropped)
		hand_on_vows(environ, config.vows.exec);
}

static start_fn next_start_main(const struct start *s, int *is_libc);

static int sandboxed_main(int argc, char **argv, char **envp)
{
	if (pending)
		install_now();
	return real_main(argc, argv, envp);
}

static int start_hook(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	int is_libc;

	if (!next_start) /* no filter waits for main(): chain to the next one */
		next_start = next_start_main(&start, &is_libc);
	if (!next_start)
		next_start = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
	if (!next_start || next_start == (start_fn)start_hook)
		die("cannot find the C library's __libc_start_main");
	real_main = main;
	return next_start(pending ? sandboxed_main : main, argc, argv, init, fini, rtld_fini,
			  stack_end);
}

extern __typeof(start_hook) __libc_start_main
	__attribute__((alias("start_hook"), visibility("default")));

/* Will the program's first instruction lead to start_hook? Proven only for
 * glibc's x86_64 _start (crt1.o): straight-line register set-up, then
 * `call *SLOT(%rip)` through a GOT slot that holds start_hook. Anything
 * else - a program's own _start, another C runtime, aarch64 - is not
 * proven, and the constructor installs the filter. */
static int start_is_ours(uintptr_t entry)
{
#if defined(__x86_64__)
	static const unsigned char head[] = { 0x31, 0xed, 0x49, 0x89, 0xd1, 0x5e, 0x48, 0x89,
					      0xe2, 0x48, 0x83, 0xe4, 0xf0, 0x50, 0x54 };
	static const unsigned char endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const unsigned char no_init[] = { 0x45, 0x31, 0xc0, 0x31, 0xc9 };
	const unsigned char *c = (const unsigned char *)entry;
	int32_t disp;
	void *slot;

	if (memcmp(c, endbr64, sizeof(endbr64)) == 0)
		c += sizeof(endbr64);
	if (memcmp(c, head, sizeof(head)) != 0)
		return 0;
	c += sizeof(head);
	if (memcmp(c, no_init, sizeof(no_init)) == 0) /* glibc >= 2.34 */
		c += sizeof(no_init);
	else if ((c[0] == 0x4c && c[1] == 0x8d && c[2] == 0x05 && c[7] == 0x48 && c[8] == 0x8d &&
		  c[9] == 0x0d) ||
		 (c[0] == 0x49 && c[1] == 0xc7 && c[2] == 0xc0 && c[7] == 0x48 && c[8] == 0xc7 &&
		  c[9] == 0xc1))
		c += 14; /* older: lea/mov of __libc_csu_fini, __libc_csu_init */
	else
		return 0;
	if (c[0] != 0x48 || !((c[1] == 0x8d && c[2] == 0x3d) || (c[1] == 0xc7 && c[2] == 0xc7)))
		return 0; /* main into %rdi */
	c += 7;
	if (c[0] != 0xff || c[1] != 0x15)
		return 0;
	memcpy(&disp, c + 2, sizeof(disp));
	memcpy(&slot, c + 6 + disp, sizeof(slot));
	return slot == (void *)start_hook;
#else
	(void)entry;
	return 0;
#endif
}

/* ld.so relocates the dynamic section's addresses in place on most
 * arches; not on all. */
static uintptr_t dyn_addr(uintptr_t ptr, uintptr_t base)
{
	return ptr < base ? base + ptr : ptr;
}

static uint32_t gnu_hash(const char *name)
{
	uint32_t h = 5381;

	for (; *name; name++)
		h = h * 33 + (unsigned char)*name;
	return h;
}

/* NAME's address in the object L, through its DT_GNU_HASH table. */
static void *object_sym(const struct link_map *l, const char *name)
{
	const ElfW(Sym) *symtab = NULL;
	const uint32_t *ht = NULL;
	const char *strtab = NULL;
	uint32_t h = gnu_hash(name), i, nbuckets, symoffset;
	const uint32_t *buckets, *chain;

	for (const ElfW(Dyn) *d = l->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			symtab = (const void *)dyn_addr(d->d_un.d_ptr, l->l_addr);
		else if (d->d_tag == DT_STRTAB)
			strtab = (const void *)dyn_addr(d->d_un.d_ptr, l->l_addr);
		else if (d->d_tag == DT_GNU_HASH)
			ht = (const void *)dyn_addr(d->d_un.d_ptr, l->l_addr);
	}
	if (!symtab || !strtab || !ht)
		return NULL;
	nbuckets = ht[0];
	symoffset = ht[1];
	buckets = ht + 4 + ht[2] * (sizeof(ElfW(Addr)) / 4); /* past the Bloom filter */
	chain = buckets + nbuckets;
	for (i = buckets[h % nbuckets]; i >= symoffset; i++) {
		const ElfW(Sym) *sym = &symtab[i];

		if ((chain[i - symoffset] | 1) == (h | 1) && sym->st_shndx != SHN_UNDEF &&
		    strcmp(strtab + sym->st_name, name) == 0)
			return (void *)(l->l_addr + sym->st_value);
		if (chain[i - symoffset] & 1)
			break;
	}
	return NULL;
}

/* The loaded objects in load order, found without dlsym (which the program
 * may export): the executable's DT_DEBUG entry, filled in by ld.so. */
static const struct link_map *objects(const struct start *s)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)s->phdr;
	const ElfW(Dyn) *d = NULL;
	uintptr_t bias = 0;

	for (uintptr_t i = 0; i < s->phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = s->phdr - ph[i].p_vaddr;
	for (uintptr_t i = 0; i < s->phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			d = (const ElfW(Dyn) *)(bias + ph[i].p_vaddr);
	for (; d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_DEBUG && d->d_un.d_ptr)
			return ((const struct r_debug *)d->d_un.d_ptr)->r_map;
	return NULL;
}

/* NAME's first definition in load order after the object defining AFTER
 * (from the start if AFTER is NULL): what RTLD_NEXT (RTLD_DEFAULT) gives.
 * *IS_LIBC: it is libc.so's. NULL if none. */
static void *definition(const struct start *s, const char *name, const void *after, int *is_libc)
{
	int past = after == NULL;

	for (const struct link_map *l = objects(s); l; l = l->l_next) {
		void *f = object_sym(l, name);
		const char *base = l->l_name;

		if (!past || !f) {
			past = past || (f && f == after);
			continue;
		}
		for (const char *p = l->l_name; p && *p; p++)
			if (*p == '/')
				base = p + 1;
		*is_libc = base && strncmp(base, "libc.so.", 8) == 0;
		return f;
	}
	return NULL;
}

/* The next __libc_start_main after ours - another preloaded wrapper, or
 * libc.so's own (*IS_LIBC). */
static start_fn next_start_main(const struct start *s, int *is_libc)
{
	return (start_fn)definition(s, "__libc_start_main", (const void *)start_hook, is_libc);
}

/* Can the filter wait for main()? Only when the program's first
 * instruction leads to start_hook, and start_hook continues into the C
 * library's __libc_start_main (which calls sandboxed_main). */
static int hook_proven(const struct start *s)
{
	int is_libc = 0;

	if (!start_is_ours(s->entry))
		return 0;
	next_start = next_start_main(s, &is_libc);
	return next_start && is_libc;
}

/* ---- reading the policy ---- */

static void report(const struct sb_config *cfg)
{
	char line[SB_PATH_MAX + 80];

	for (unsigned int i = 0; sb_config_describe(cfg, i, line, sizeof(line)) >= 0; i++)
		say("%s", line);
}

/* The tracer's pid (TracerPid in /proc/self/status), 0 if none. */
static long traced(void)
{
	char buf[4096];
	const char *t;
	long pid = 0, n,
	     fd = sb_raw6(SYS_openat, AT_FDCWD, (long)"/proc/self/status", O_RDONLY | O_CLOEXEC, 0,
			  0, 0);

	if (fd < 0)
		return 0;
	n = sb_raw3(SYS_read, fd, (long)buf, sizeof(buf) - 1);
	sb_raw3(SYS_close, fd, 0, 0);
	buf[n > 0 ? n : 0] = '\0';
	t = strstr(buf, "\nTracerPid:");
	if (!t)
		return 0;
	for (t += 11; *t == '\t' || *t == ' '; t++)
		;
	for (; *t >= '0' && *t <= '9' && pid < (1L << 22); t++)
		pid = pid * 10 + (*t - '0');
	return pid;
}

static void load(struct sb_config *cfg, const struct sb_arch *arch, char **env, int secure)
{
	static char text[SB_FILE_MAX + 1]; /* one more: a longer file fills it */
	static struct sb_json tape[SB_JSON_MAX];
	const struct sb_load_io io = {
		.read = sb_file_read,
		.probe = sb_host_probe,
		.text = text,
		.text_size = sizeof(text),
		.tape = tape,
		.tape_cap = SB_JSON_MAX,
	};
	int r;

	/* A set-id program's environment is its caller's: refuse before parsing
	 * a byte of it with the program's privileges (SECCOMP_VERBOSE is no policy). */
	for (char **e = env; secure && *e; e++)
		if (strncmp(*e, "SECCOMP_VERBOSE=", 16) != 0)
			die("refusing a SECCOMP_* or SANDBOX_* policy from the environment of a "
			    "set-id or file-capability program");
	r = sb_config_load(cfg, arch, env, &io, NULL, &error);
	if (r == SB_NO_POLICY)
		return;
	/* SECCOMP_RET_TRACE without learn's tracer fails every syscall with ENOSYS. */
	if (r == 0 && cfg->seccomp.learn && traced() != cfg->seccomp.learn)
		die("SECCOMP_LEARN: not traced by `pysandbox learn`: run the program through it");
	if (r < 0) {
		sb_error_format(&error, error_line, sizeof(error_line));
		die("%s", error_line);
	}
	pending = 1;
}

/* Under SANDBOX_FS_* rules, this library's own file stays readable and
 * executable: a child that execs with LD_PRELOAD still set would otherwise
 * not load it ("cannot be preloaded"). That file only; found by our own
 * dynamic section among the loaded objects. */
static void keep_own_file(const struct start *s)
{
	if (!(config.layers & SB_LAYER_LANDLOCK) || !(config.landlock.fs & SB_FS_RIGHTS_EXEC))
		return; /* neither read nor execute handled (the vows' domain): nothing to keep */
	for (const struct link_map *l = objects(s); l; l = l->l_next)
		if (l->l_ld == _DYNAMIC && l->l_name && l->l_name[0] == '/' &&
		    sb_landlock_add_path(&config, l->l_name, SB_FS_RIGHTS_EXEC) < 0)
			die("%s: more paths than fit", sb_env_name(config.landlock.var_fs));
}

/* The exec policy's supervisor, before any layer is entered (it stays
 * outside them all): it must be the program's one tracer. */
static void supervise(const struct sb_config *cfg)
{
	if (traced())
		die("%s: the program is traced already: the exec policy needs its own tracer",
		    cfg->exec.has_allow ? "SANDBOX_EXEC_ALLOW" : "SANDBOX_EXEC_DENY");
	if (sb_supervise_start(cfg, "libsandbox", &error) < 0) {
		sb_error_format(&error, error_line, sizeof(error_line));
		die("%s", error_line);
	}
}

/* NOTE: glibc passes every initialiser argc, argv and the environment
 * array as the kernel built it (before any DT_PREINIT_ARRAY entry ran). */
__attribute__((constructor)) static void sandbox_init(int argc, char **argv, char **envp)
{
	struct start *s = &start;
	char *env[64];
	size_t n = sizeof(env) / sizeof(env[0]);
	unsigned int compiled;

	if (!envp || read_auxv(envp, s) < 0) {
		our_strings(s, environ, env, n);
		if (env[0])
			die("cannot find the auxiliary vector the program was started with");
		return;
	}
	if (find_env(argc, argv, envp, s) < 0)
		s->env_lo = NULL; /* argv was edited: the array it is */
	start_envp = envp;
	our_strings(s, envp, env, n);
	if (!env[0])
		return; /* none of our variables: nothing to load (no page touched) */
	load(&config, sb_arch_native(), env, s->secure != 0);
	if (!pending)
		return;
	keep_own_file(s);
	if (sb_prepare(&config, &prepared, &error) < 0) {
		sb_error_format(&error, error_line, sizeof(error_line));
		die("%s", error_line);
	}
	/* NOTE: only then: ERROR_LINE's page is not touched on a start that fails nothing */
	if ((prepared.dropped_fs | prepared.dropped_net | prepared.dropped_scope) &&
	    sb_prepared_dropped(&prepared, error_line, sizeof(error_line)) > 0)
		say("libsandbox: " SB_BEST_EFFORT_LINE "%s", error_line);
	if (config.layers & SB_LAYER_SECCOMP) {
		compiled = prepared.len;
		want_mode = expected_mode(prog_buf, &prepared.len);
		if (prepared.len > compiled)
			prepared.prog = prog_buf;
	}
	if (config.verbose)
		report(&config);
	if (config.layers & SB_LAYER_EXEC)
		supervise(&config);
	if (!hook_proven(s))
		install_now();
}
