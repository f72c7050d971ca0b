// SPDX-License-Identifier: MIT
/*
 * landlock.c - SANDBOX_FS_*, SANDBOX_NET*, SANDBOX_SCOPE, SANDBOX_IO_URING,
 * SANDBOX_BEST_EFFORT -> struct sb_landlock, and the seccomp rules the layer
 * needs beside it. Pure: paths are only checked for their form here; they
 * are opened when the ruleset is built (apply/landlock.c).
 *
 * A list variable is ITEM { ":" ITEM }:
 *   SANDBOX_FS_*     ITEM = /absolute/path | /absolute/path? (optional) | @group
 *   SANDBOX_NET_*    ITEM = PORT | LO-HI (0..65535)
 *   SANDBOX_NET      ITEM = none | udp | raw | netlink
 *   SANDBOX_SCOPE    ITEM = signal | abstract-unix | none
 * An empty value is an empty list (SANDBOX_FS_READ= grants nothing, and
 * restricts); an empty item is an error.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define ITEM_MAX 4096 /* longest item: a path of PATH_MAX bytes is refused later */

/* NOTE: char arrays, not pointers: a pointer table costs libsandbox.so a
 * relocation per entry at every start. */
static const char fs_names[16][12] = {
	"execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
	"make_char", "make_dir",   "make_reg",	"make_sock", "make_fifo",  "make_block",
	"make_sym",  "refer",	   "truncate",	"ioctl_dev",
};
static const char net_names[2][12] = { "bind_tcp", "connect_tcp" };
static const char scope_names[2][24] = { "abstract_unix_socket", "signal" };

const char *sb_landlock_right_name(unsigned int kind, uint64_t bit)
{
	static char name[32];
	unsigned int i = 0;

	if (!bit || (bit & (bit - 1)))
		return NULL;
	while (!(bit & 1)) {
		bit >>= 1;
		i++;
	}
	if (kind == 0 && i < 16)
		snprintf(name, sizeof(name), "fs.%s", fs_names[i]);
	else if (kind == 1 && i < 2)
		snprintf(name, sizeof(name), "net.%s", net_names[i]);
	else if (kind == 2 && i < 2)
		snprintf(name, sizeof(name), "scope.%s", scope_names[i]);
	else
		return NULL;
	return name;
}

int sb_landlock_abi_rights(int abi, uint64_t *fs, uint64_t *net, uint64_t *scope)
{
	if (abi < 1)
		return -ERANGE;
	*fs = abi >= 5 ? SB_FS_ALL : abi >= 3 ? 0x7fff : abi >= 2 ? 0x3fff : 0x1fff;
	*net = abi >= 4 ? SB_NET_ALL : 0;
	*scope = abi >= 6 ? SB_SCOPE_ALL : 0;
	return 0;
}

/* ---- groups ---- */

/* A group's members carry their own rights, whichever variable names it;
 * every member is optional (a system may lack it). FLAGS: SB_LL_DIR or
 * SB_LL_FILE, what it is; SB_LL_UNLESS_LINK: skipped when it is a symlink
 * (merged /usr: /bin is usr/bin, which /usr covers; a rule for it would be
 * one more path walk at every start). */
struct member {
	char path[24];
	uint16_t access;
	uint8_t flags;
};

#define R SB_FS_RIGHTS_READ
#define X SB_FS_RIGHTS_EXEC
#define W SB_FS_RIGHTS_WRITE
#define D SB_LL_DIR
#define F SB_LL_FILE
#define L SB_LL_UNLESS_LINK

/* @base: what a dynamically linked program needs to start and run: the
 * loader and libraries (and, on a system without merged /usr, the top-level
 * directories), the loader's cache, locale, time zone, user and group
 * names, certificates, and the harmless devices. Not /proc, not /tmp.
 * NOTE: Landlock checks where a symlink leads, not the link: the
 * /etc/alternatives links need no rule, /usr/share/locale/locale.alias
 * (a link to /etc/locale.alias) needs its target's. */
static const struct member base[] = {
	{ "/usr", X, D },
	{ "/bin", X, D | L },
	{ "/sbin", X, D | L },
	{ "/lib", X, D | L },
	{ "/lib32", X, D | L },
	{ "/lib64", X, D | L },
	{ "/libx32", X, D | L },
	{ "/etc/ld.so.cache", R, F },
	{ "/etc/ld.so.preload", R, F },
	{ "/etc/locale.alias", R, F },
	{ "/etc/localtime", R, L }, /* a link into /usr/share/zoneinfo, or a copy */
	{ "/etc/nsswitch.conf", R, F },
	{ "/etc/passwd", R, F },
	{ "/etc/group", R, F },
	{ "/etc/ssl", R, D },
	{ "/dev/zero", R, F },
	{ "/dev/urandom", R, F },
	{ "/dev/random", R, F },
	{ "/dev/null", W, F },
	{ "/dev/full", W, F },
};

/* @dns: name resolution's files (the queries need SANDBOX_NET=udp too). */
static const struct member dns[] = {
	{ "/etc/hosts", R, F },	    { "/etc/host.conf", R, F }, { "/etc/resolv.conf", R, F },
	{ "/etc/gai.conf", R, F },  { "/etc/services", R, F },	{ "/etc/nsswitch.conf", R, F },
	{ "/etc/protocols", R, F },
};

/* @tty: the terminal (reading, writing, termios ioctls). */
static const struct member tty[] = {
	{ "/dev/tty", W, F },
	{ "/dev/pts", W, D },
};

/* @tmp: the shared temporary directories, writable. */
static const struct member tmp[] = {
	{ "/tmp", W, D },
	{ "/var/tmp", W, D },
	{ "/dev/shm", W, D },
};

#undef R
#undef X
#undef W
#undef D
#undef F
#undef L

static const struct group {
	char name[8];
	const struct member *members;
	unsigned int count;
} groups[] = {
	{ "base", base, sizeof(base) / sizeof(base[0]) },
	{ "dns", dns, sizeof(dns) / sizeof(dns[0]) },
	{ "tty", tty, sizeof(tty) / sizeof(tty[0]) },
	{ "tmp", tmp, sizeof(tmp) / sizeof(tmp[0]) },
};

const char *sb_landlock_group_at(int i)
{
	static char name[sizeof(groups[0].name) + 1];

	if (i < 0 || (size_t)i >= sizeof(groups) / sizeof(groups[0]))
		return NULL;
	snprintf(name, sizeof(name), "@%s", groups[i].name);
	return name;
}

int sb_landlock_describe(const struct sb_landlock *ll, unsigned int i, char *buf, size_t size)
{
	const struct sb_ll_path *p;
	const struct sb_ll_ports *q;

	if (i < ll->npaths) {
		p = &ll->paths[i];
		return snprintf(buf, size, "adding %s to the process Landlock ruleset (%s%s)",
				ll->arena + p->name,
				p->access == SB_FS_RIGHTS_READ	  ? "read"
				: p->access == SB_FS_RIGHTS_EXEC  ? "read, execute"
				: p->access == SB_FS_RIGHTS_WRITE ? "read, write"
								  : "some rights",
				p->flags & SB_LL_OPTIONAL ? ", if it exists" : "");
	}
	if (i - ll->npaths >= ll->nports)
		return -ERANGE;
	q = &ll->ports[i - ll->npaths];
	if (q->hi > q->lo)
		return snprintf(buf, size,
				"adding TCP %s ports %u-%u to the process Landlock ruleset",
				q->access == SB_NET_BIND_TCP ? "bind" : "connect", q->lo, q->hi);
	return snprintf(buf, size, "adding TCP %s port %u to the process Landlock ruleset",
			q->access == SB_NET_BIND_TCP ? "bind" : "connect", q->lo);
}

/* ---- parsing ---- */

/* Where a value came from: variable VAR, or line LINE of policy file FILE
 * (then VAR is the variable the line's keyword stands for). */
struct at {
	int var;
	const char *file;
	int line;
};

/* *ERR: KIND, "VAR: WHAT 'TOKEN' (item ITEM)" or "FILE:LINE: ...". */
static int ll_fail(struct sb_error *err, const struct at *at, int item, int kind, const char *what,
		   const char *token, size_t len)
{
	sb_error_reset(err);
	err->kind = kind;
	err->item = item;
	if (at->file) {
		snprintf(err->var, sizeof(err->var), "%s:%d", at->file, at->line);
		snprintf(err->path, sizeof(err->path), "%s", at->file);
		err->line = at->line;
	} else {
		snprintf(err->var, sizeof(err->var), "%s", sb_env_name(at->var));
	}
	snprintf(err->what, sizeof(err->what), "%s", what);
	snprintf(err->token, sizeof(err->token), "%.*s", (int)len, token);
	return -1;
}

/* A path from AT: its variable and item, or (a file line) SB_V_FILE and the line. */
static int add_path(struct sb_landlock *ll, const char *path, size_t len, unsigned int access,
		    const struct at *at, int item, int flags)
{
	struct sb_ll_path *p;

	if (ll->npaths >= SB_LL_PATHS_MAX || ll->arena_len + len + 1 > SB_LL_ARENA)
		return -E2BIG;
	p = &ll->paths[ll->npaths++];
	p->name = ll->arena_len;
	p->access = (uint16_t)access;
	p->var = (uint8_t)(at->file ? SB_V_FILE : at->var);
	p->flags = (uint8_t)flags;
	p->item = (uint32_t)(at->file ? at->line : item);
	memcpy(ll->arena + ll->arena_len, path, len);
	ll->arena[ll->arena_len + len] = '\0';
	ll->arena_len += (unsigned int)len + 1;
	return 0;
}

int sb_landlock_add_path(struct sb_config *cfg, const char *path, unsigned int access)
{
	const struct at at = { SB_V_FS_EXEC, NULL, 0 };

	if (!(cfg->layers & SB_LAYER_LANDLOCK) || path[0] != '/' || (access & ~SB_FS_ALL))
		return -EINVAL;
	/* a file (the program's, libsandbox.so's): the rule needs no second try */
	return add_path(&cfg->landlock, path, strlen(path), access, &at, 0, SB_LL_FILE);
}

int sb_landlock_add_var_path(struct sb_config *cfg, const char *path, unsigned int access, int var,
			     int flags)
{
	return add_path(&cfg->landlock, path, strlen(path), access, &(struct at){ var, NULL, 0 }, 0,
			flags);
}

static int fs_item(struct sb_landlock *ll, const char *s, size_t len, unsigned int access,
		   const struct at *at, int item, struct sb_error *err)
{
	int optional = 0;

	if (len == 0)
		return ll_fail(err, at, item, SB_ERR_SYNTAX, "empty item", s, 0);
	if (s[0] == '@') {
		for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
			const struct group *gr = &groups[g];

			if (strlen(gr->name) != len - 1 || strncmp(gr->name, s + 1, len - 1) != 0)
				continue;
			for (unsigned int i = 0; i < gr->count; i++)
				if (add_path(ll, gr->members[i].path, strlen(gr->members[i].path),
					     gr->members[i].access, at, item,
					     SB_LL_OPTIONAL | gr->members[i].flags) < 0)
					return ll_fail(err, at, item, SB_ERR_TOO_BIG,
						       "more paths than fit", s, len);
			return 0;
		}
		return ll_fail(err, at, item, SB_ERR_UNKNOWN, "unknown group", s, len);
	}
	if (s[0] != '/')
		return ll_fail(err, at, item, SB_ERR_SYNTAX, "not an absolute path", s, len);
	if (s[len - 1] == '?') {
		optional = SB_LL_OPTIONAL;
		len--;
	}
	if (len >= ITEM_MAX)
		return ll_fail(err, at, item, SB_ERR_TOO_BIG, "path too long", s, len);
	if (add_path(ll, s, len, access, at, item, optional) < 0)
		return ll_fail(err, at, item, SB_ERR_TOO_BIG, "more paths than fit", s, len);
	return 0;
}

/* A decimal port 0..65535 of S's first LEN characters into *OUT: 0, -EINVAL
 * (not a number) or -ERANGE. */
static int port_of(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -ERANGE;
	*out = (uint16_t)v;
	return 0;
}

static int port_item(struct sb_load *ld, const char *s, size_t len, unsigned int access,
		     const struct at *at, int item, struct sb_error *err)
{
	struct sb_landlock *ll = &ld->cfg->landlock;
	const char *dash = memchr(s, '-', len);
	struct sb_ll_ports p = { .access = (uint16_t)access,
				 .item = (uint32_t)(at->file ? at->line : item) };
	int r;

	if (len == 0)
		return ll_fail(err, at, item, SB_ERR_SYNTAX, "empty item", s, 0);
	r = port_of(s, dash ? (size_t)(dash - s) : len, &p.lo);
	if (r == 0 && dash)
		r = port_of(dash + 1, len - (size_t)(dash + 1 - s), &p.hi);
	if (r < 0)
		return ll_fail(err, at, item, r == -ERANGE ? SB_ERR_RANGE : SB_ERR_SYNTAX,
			       r == -ERANGE ? "port out of range" : "not a port", s, len);
	if (!dash)
		p.hi = p.lo;
	if (p.hi < p.lo)
		return ll_fail(err, at, item, SB_ERR_RANGE, "empty range", s, len);
	ld->ll_ports += (unsigned int)(p.hi - p.lo) + 1;
	if (ll->nports >= SB_LL_PORTS_MAX || ld->ll_ports > SB_LL_PORT_RULES_MAX)
		return ll_fail(err, at, item, SB_ERR_TOO_BIG, "more ports than fit", s, len);
	ll->ports[ll->nports++] = p;
	return 0;
}

/* One word of a set: its bit in WORDS[N] (names NAMES), or -1. */
static int word_bit(const char *s, size_t len, const char (*names)[16], const unsigned int *bits,
		    unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			return (int)bits[i];
	return -1;
}

static const char net_words[][16] = { "none", "udp", "raw", "netlink", "loopback" };
static const unsigned int net_bits[] = { SB_NET_NONE, SB_NET_UDP, SB_NET_RAW, SB_NET_NETLINK, 0 };
static const char scope_words[][16] = { "none", "signal", "abstract-unix" };
static const unsigned int scope_bits[] = { 0, SB_SCOPE_SIGNAL, SB_SCOPE_ABSTRACT_UNIX };

/* An item of SANDBOX_NET or SANDBOX_SCOPE: its bit into *OUT; "none" alone. */
static int set_item(const char *s, size_t len, const struct at *at, int item, unsigned int *out,
		    struct sb_error *err)
{
	int b;

	if (len == 0)
		return ll_fail(err, at, item, SB_ERR_SYNTAX, "empty item", s, 0);
	b = at->var == SB_V_NET ? word_bit(s, len, net_words, net_bits, 5)
				: word_bit(s, len, scope_words, scope_bits, 3);
	if (b < 0)
		return ll_fail(err, at, item, SB_ERR_UNKNOWN, "unknown value", s, len);
	/* loopback: a network namespace, which pysandbox run makes (bwrap); no
	 * Landlock rule, so the core refuses it wherever it gets it */
	if (at->var == SB_V_NET && b == 0)
		return ll_fail(err, at, item, SB_ERR_UNSUPPORTED,
			       "needs a network namespace (pysandbox run --isolate=net)", s, len);
	if (len == 4 && strncmp(s, "none", 4) == 0) {
		if (item > 1 || s[len] != '\0' || *out)
			return ll_fail(err, at, item, SB_ERR_CONFLICT,
				       "cannot be combined with other values", s, len);
		*out = at->var == SB_V_NET ? SB_NET_NONE : 0;
		return 0;
	}
	if (*out & SB_NET_NONE && at->var == SB_V_NET)
		return ll_fail(err, at, item, SB_ERR_CONFLICT,
			       "cannot be combined with other values", s, len);
	*out |= (unsigned int)b;
	return 0;
}

/* Each item of the list VALUE, which AT gave. */
static int parse_list(struct sb_load *ld, const struct at *at, const char *value,
		      struct sb_error *err)
{
	static const unsigned int access[] = {
		[SB_V_FS_READ - SB_V_FS_READ] = SB_FS_RIGHTS_READ,
		[SB_V_FS_EXEC - SB_V_FS_READ] = SB_FS_RIGHTS_EXEC,
		[SB_V_FS_WRITE - SB_V_FS_READ] = SB_FS_RIGHTS_WRITE,
		[SB_V_NET_CONNECT - SB_V_FS_READ] = SB_NET_CONNECT_TCP,
		[SB_V_NET_BIND - SB_V_FS_READ] = SB_NET_BIND_TCP,
	};
	struct sb_landlock *ll = &ld->cfg->landlock;
	const int var = at->var;
	int item = 0, r;

	ld->ll_given |= 1U << (var - SB_V_FS_READ);
	if (var <= SB_V_FS_WRITE && ll->var_fs < 0)
		ll->var_fs = at->file ? SB_V_FILE : var;
	else if (var > SB_V_FS_WRITE && var <= SB_V_NET && ll->var_net < 0)
		ll->var_net = at->file ? SB_V_FILE : var;
	if (*value == '\0' && var == SB_V_SCOPE) /* would be weaker than unset */
		return ll_fail(err, at, 0, SB_ERR_SYNTAX,
			       "is empty: expected signal, abstract-unix or none", "", 0);
	if (*value == '\0')
		return 0; /* an empty list: grants nothing, restricts */
	for (const char *s = value;; s++) {
		size_t len = strcspn(s, ":");

		item++;
		if (var <= SB_V_FS_WRITE)
			r = fs_item(ll, s, len, access[var - SB_V_FS_READ], at, item, err);
		else if (var <= SB_V_NET_BIND)
			r = port_item(ld, s, len, access[var - SB_V_FS_READ], at, item, err);
		else
			r = set_item(s, len, at, item,
				     var == SB_V_NET ? &ld->ll_sockets : &ld->ll_scope, err);
		if (r < 0)
			return r;
		s += len;
		if (*s == '\0')
			return 0;
	}
}

/* A 0/1 or allow/deny switch. */
static int switch_of(const char *value, const struct at *at, const char *off, const char *on,
		     int *out, struct sb_error *err)
{
	if (strcmp(value, on) == 0)
		*out = 1;
	else if (strcmp(value, off) == 0)
		*out = 0;
	else if (!*value)
		return ll_fail(err, at, 0, SB_ERR_SYNTAX,
			       at->var == SB_V_BEST_EFFORT ? "is empty: expected 1 or 0"
							   : "is empty: expected allow or deny",
			       "", 0);
	else
		return ll_fail(err, at, 0, SB_ERR_SYNTAX,
			       at->var == SB_V_BEST_EFFORT ? "expected 1 or 0, not"
							   : "expected allow or deny, not",
			       value, strlen(value));
	return 0;
}

/* NOTE: cfg->landlock is cleared on first use only: it lies on pages of its
 * own, which a seccomp-only start then never touches (a page fault each). */
static void start(struct sb_load *ld)
{
	struct sb_landlock *ll = &ld->cfg->landlock;

	if (ld->ll_started)
		return;
	memset(ll, 0, offsetof(struct sb_landlock, paths));
	ll->var_fs = ll->var_net = ll->var_scope = -1;
	ld->ll_started = 1;
}

int sb_landlock_begin(struct sb_load *ld, const char *const *v, struct sb_error *err)
{
	struct sb_landlock *ll = &ld->cfg->landlock;
	struct at at = { 0, NULL, 0 };
	int var;

	ld->ll_started = 0;
	ld->ll_given = ld->ll_sockets = ld->ll_scope = ld->ll_ports = 0;
	for (var = SB_V_FS_READ; var <= SB_V_BEST_EFFORT && !v[var]; var++)
		;
	if (var > SB_V_BEST_EFFORT)
		return 0; /* none of the layer's variables */
	start(ld);
	for (at.var = SB_V_FS_READ; at.var <= SB_V_SCOPE; at.var++)
		if (v[at.var] && parse_list(ld, &at, v[at.var], err) < 0)
			return -1;
	at.var = SB_V_BEST_EFFORT;
	if (v[SB_V_BEST_EFFORT] &&
	    switch_of(v[SB_V_BEST_EFFORT], &at, "0", "1", &ll->best_effort, err) < 0)
		return -1;
	at.var = SB_V_IO_URING;
	if (v[SB_V_IO_URING] &&
	    switch_of(v[SB_V_IO_URING], &at, "deny", "allow", &ll->io_uring, err) < 0)
		return -1;
	return 0;
}

/* Policy-file keywords: the variables' names, as `pysandbox run` flags are. */
static const struct {
	char word[12];
	int var;
} keywords[] = {
	{ "fs-read", SB_V_FS_READ },   { "fs-exec", SB_V_FS_EXEC },
	{ "fs-write", SB_V_FS_WRITE }, { "net-connect", SB_V_NET_CONNECT },
	{ "net-bind", SB_V_NET_BIND }, { "net", SB_V_NET },
	{ "scope", SB_V_SCOPE },
};

int sb_landlock_line(struct sb_load *ld, const char *file, int line, const char *word,
		     const char *value, struct sb_error *err)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strcmp(word, keywords[i].word) != 0)
			continue;
		start(ld);
		return parse_list(ld, &(struct at){ keywords[i].var, file, line }, value, err) < 0
			       ? -EINVAL
			       : 0;
	}
	return SB_NO_POLICY; /* not one of ours */
}

int sb_landlock_finish(struct sb_load *ld, struct sb_error *err)
{
	struct sb_landlock *ll = &ld->cfg->landlock;
	const unsigned int given = ld->ll_given;
	const int scope_given = given & (1U << (SB_V_SCOPE - SB_V_FS_READ));

	if (!ld->ll_started)
		return SB_NO_POLICY;
	if ((ld->ll_sockets & SB_NET_NONE) && (given & (3U << (SB_V_NET_CONNECT - SB_V_FS_READ))))
		return ll_fail(err, &(struct at){ SB_V_NET, NULL, 0 }, 0, SB_ERR_CONFLICT,
			       given & (1U << (SB_V_NET_CONNECT - SB_V_FS_READ))
				       ? "'none' cannot be combined with " SB_VAR_NET_CONNECT
				       : "'none' cannot be combined with " SB_VAR_NET_BIND,
			       "", 0);
	ll->sockets = ld->ll_sockets;
	ll->fs = ll->var_fs >= 0 ? SB_FS_ALL : 0;
	ll->net = ll->var_net >= 0 ? SB_NET_ALL : 0;
	/* scoping comes with a layer (both scopes unless SANDBOX_SCOPE says), or
	 * alone when asked for */
	ll->scoped = scope_given ? ld->ll_scope : ll->fs || ll->net ? SB_SCOPE_ALL : 0;
	ll->var_scope = scope_given ? SB_V_SCOPE : ll->var_fs >= 0 ? ll->var_fs : ll->var_net;
	if (!ll->fs && !ll->net && !ll->scoped)
		return SB_NO_POLICY;
	ld->cfg->layers |= SB_LAYER_LANDLOCK;
	return 0;
}

/* ---- the seccomp rules beside the layer ---- */

/* NOTE: Landlock restricts TCP connect and bind only. What would go around
 * it is refused by the filter, with the errno Landlock gives (EACCES):
 * sockets of other families and kinds (UDP, raw, packet: the user allows
 * them by name), MPTCP (IPPROTO_MPTCP, 262: not TCP for Landlock since its
 * erratum 1), TCP fast open (sendto/sendmsg with MSG_FASTOPEN connects
 * without connect(2): landlock-lsm/linux#41), and io_uring, whose requests
 * are no syscalls a filter sees. */
#define AF_UNIX_ 1
#define AF_INET_ 2
#define AF_INET6_ 10
#define AF_NETLINK_ 16
#define AF_PACKET_ 17
#define SOCK_STREAM_ 1
#define SOCK_DGRAM_ 2
#define SOCK_RAW_ 3
#define IPPROTO_TCP_ 6
#define MSG_FASTOPEN_ 0x20000000U
#define EACCES_ACT (SB_ACT_ERRNO | EACCES)

static struct sb_cond cond(unsigned int arg, unsigned int op, uint64_t value, uint64_t mask)
{
	return (struct sb_cond){
		.value = value, .mask = mask, .arg = (uint8_t)arg, .op = (uint8_t)op, .width = 64
	};
}

/* The syscalls the layer's rules are for. */
enum { IO_URING_SETUP, SOCKET, SENDTO, SENDMMSG, SENDMSG, SETSOCKOPT, CALLS };
static const char call_names[CALLS][16] = {
	"io_uring_setup", "socket", "sendto", "sendmmsg", "sendmsg", "setsockopt",
};

/* Where the layer's rules go: the seccomp policy P, whose first USER rules
 * are the environment's; VAR is named should P be full. NR and FALLBACK:
 * each call's number on P's arch (-1: it has none), and what the
 * environment's policy gives it when none of its conditional rules holds. */
struct ctx {
	struct sb_seccomp *p;
	unsigned int user;
	const char *var;
	int nr[CALLS];
	uint32_t fallback[CALLS];
};

/* The kernel's precedence: the lower signed value of the action wins. */
static uint32_t stricter(uint32_t a, uint32_t b)
{
	return (int32_t)(a & 0xffff0000U) <= (int32_t)(b & 0xffff0000U) ? a : b;
}

/* Each call's number, and its fallback: the strictest of the environment's
 * unconditional rules for it, or the default. NOTE: one pass over the
 * environment's rules (a full allowlist has hundreds), which a bitmap of the
 * calls' numbers mostly answers at a glance. */
static void fallbacks(struct ctx *x)
{
	uint64_t want[8] = { 0 };
	unsigned int found = 0;

	for (unsigned int k = 0; k < CALLS; k++) {
		x->nr[k] = sb_syscall_nr(x->p->arch, call_names[k]);
		x->fallback[k] = x->p->default_action;
		if (x->nr[k] >= 0 && x->nr[k] < 512)
			want[x->nr[k] >> 6] |= 1ULL << (x->nr[k] & 63);
	}
	for (unsigned int i = 0; i < x->user; i++) {
		const struct sb_rule *r = &x->p->rules[i];

		if (r->nconds || (r->nr < 512 && !(want[r->nr >> 6] >> (r->nr & 63) & 1)))
			continue;
		for (unsigned int k = 0; k < CALLS; k++) {
			if ((int)r->nr != x->nr[k])
				continue;
			x->fallback[k] =
				found >> k & 1 ? stricter(x->fallback[k], r->action) : r->action;
			found |= 1U << k;
		}
	}
}

/* A rule for CALL (CONDS, N) refusing with ACTION - or with what the
 * environment's policy gives CALL, if that is stricter: a call both refuse
 * gets the stricter answer (as two stacked filters would give it), so a
 * policy that kills socket() still kills it. A call ARCH lacks is skipped. */
static int rule(struct ctx *x, unsigned int call, uint32_t action, const struct sb_cond *c, int n,
		struct sb_error *err)
{
	int bad;

	if (x->nr[call] < 0)
		return 0;
	action = stricter(action, x->fallback[call]);
	if (sb_policy_add_rule(x->p, (uint32_t)x->nr[call], action, c, n, &bad) < 0) {
		sb_error_reset(err);
		err->kind = SB_ERR_TOO_BIG;
		snprintf(err->var, sizeof(err->var), "%s", x->var);
		snprintf(err->what, sizeof(err->what), "the seccomp policy is full");
		return -1;
	}
	return 0;
}

/* The socket types of AF_INET/AF_INET6 outside ALLOWED (a bit per type),
 * refused: conditions are conjunctions, so each rule is one masked pattern
 * of the type's low 4 bits (SOCK_TYPE_MASK) that holds no allowed type, the
 * widest first (SOCK_STREAM alone: 2 rules). NOTE: only the types the
 * kernel creates for these families need covering - SOCK_DGRAM, _RAW, _RDM,
 * _SEQPACKET, _DCCP and _PACKET (which it turns into an AF_PACKET socket);
 * 0, 7, 8 and 9 have no protocol there, 11 to 15 are out of range. The
 * filter's length is what the kernel's install costs. */
#define INET_TYPES 0x047eU /* 1, 2, 3, 4, 5, 6, 10 */
static int refuse_types(struct ctx *x, unsigned int allowed, struct sb_error *err)
{
	unsigned int covered = allowed | (~INET_TYPES & 0xffffU);
	struct sb_cond c[2];

	/* (family & ~8) == 2: AF_INET (2) and AF_INET6 (10), nothing else */
	c[0] = cond(0, SB_CMP_MASKED_EQ, AF_INET_, ~(uint64_t)(AF_INET_ ^ AF_INET6_));
	for (unsigned int t = 0; t < 16; t++) {
		for (unsigned int bits = 1; !(covered >> t & 1) && bits <= 4; bits++) {
			for (unsigned int m = 1; m < 16; m++) {
				unsigned int cube = 0;

				if ((unsigned int)__builtin_popcount(m) != bits)
					continue;
				for (unsigned int v = 0; v < 16; v++)
					if ((v & m) == (t & m))
						cube |= 1U << v;
				if (cube & allowed)
					continue;
				c[1] = cond(1, SB_CMP_MASKED_EQ, t & m, m);
				if (rule(x, SOCKET, EACCES_ACT, c, 2, err) < 0)
					return -1;
				covered |= cube;
				break;
			}
		}
	}
	return 0;
}

/* AF_INET/AF_INET6 with TCP only (SANDBOX_NET names no other kind): every
 * type but SOCK_STREAM, whichever of its two flags it carries, and any
 * protocol but 0 and TCP. NOTE: the kernel refuses a type with any other
 * bit (EINVAL), so the four values are the stream sockets there are, and
 * two rules do what refuse_types() and the protocol rule need four for:
 * every instruction is the kernel's to translate at each install. */
#define SOCK_NONBLOCK_ 0x800U /* O_NONBLOCK: the same on every target */
#define SOCK_CLOEXEC_ 0x80000U /* O_CLOEXEC */
static int stream_rules(struct ctx *x, struct sb_error *err)
{
	struct sb_cond c[5];

	c[0] = cond(0, SB_CMP_MASKED_EQ, AF_INET_, ~(uint64_t)(AF_INET_ ^ AF_INET6_));
	c[1] = cond(1, SB_CMP_NE, SOCK_STREAM_, 0);
	c[2] = cond(1, SB_CMP_NE, SOCK_STREAM_ | SOCK_NONBLOCK_, 0);
	c[3] = cond(1, SB_CMP_NE, SOCK_STREAM_ | SOCK_CLOEXEC_, 0);
	c[4] = cond(1, SB_CMP_NE, SOCK_STREAM_ | SOCK_NONBLOCK_ | SOCK_CLOEXEC_, 0);
	if (rule(x, SOCKET, EACCES_ACT, c, 5, err) < 0)
		return -1;
	c[1] = cond(2, SB_CMP_NE, 0, 0);
	c[2] = cond(2, SB_CMP_NE, IPPROTO_TCP_, 0);
	return rule(x, SOCKET, EACCES_ACT, c, 3, err);
}

/* socket(): every family but the allowed ones; for AF_INET/6, every type
 * but the allowed ones, and SOCK_STREAM with a protocol other than 0 or TCP. */
static int socket_rules(struct ctx *x, unsigned int kinds, struct sb_error *err)
{
	struct sb_cond c[SB_RULE_CONDS_MAX];
	int n = 0;

	c[n++] = cond(0, SB_CMP_NE, AF_UNIX_, 0);
	if (!(kinds & SB_NET_NONE)) {
		c[n++] = cond(0, SB_CMP_NE, AF_INET_, 0);
		c[n++] = cond(0, SB_CMP_NE, AF_INET6_, 0);
	}
	if (kinds & SB_NET_NETLINK)
		c[n++] = cond(0, SB_CMP_NE, AF_NETLINK_, 0);
	if (kinds & SB_NET_RAW)
		c[n++] = cond(0, SB_CMP_NE, AF_PACKET_, 0);
	if (rule(x, SOCKET, EACCES_ACT, c, n, err) < 0)
		return -1;
	if (kinds & SB_NET_NONE)
		return 0;
	if (!(kinds & (SB_NET_UDP | SB_NET_RAW)))
		return stream_rules(x, err);
	if (refuse_types(x,
			 1U << SOCK_STREAM_ | (kinds & SB_NET_UDP ? 1U << SOCK_DGRAM_ : 0) |
				 (kinds & SB_NET_RAW ? 1U << SOCK_RAW_ : 0),
			 err) < 0)
		return -1;
	c[0] = cond(0, SB_CMP_MASKED_EQ, AF_INET_, ~(uint64_t)(AF_INET_ ^ AF_INET6_));
	c[1] = cond(1, SB_CMP_MASKED_EQ, SOCK_STREAM_, 0xf);
	c[2] = cond(2, SB_CMP_NE, 0, 0);
	c[3] = cond(2, SB_CMP_NE, IPPROTO_TCP_, 0);
	return rule(x, SOCKET, EACCES_ACT, c, 4, err);
}

/* TCP_ULP (SOL_TCP 6, option 31) turns a TCP socket into another protocol
 * (SMC), whose connect() Landlock does not check; kernel TLS ("tls") too. */
#define SOL_TCP_ 6
#define TCP_ULP_ 31

int sb_landlock_seccomp(struct sb_load *ld, const struct sb_arch *arch, struct sb_error *err)
{
	struct sb_config *cfg = ld->cfg;
	const struct sb_landlock *ll = &cfg->landlock;
	struct ctx x = { .p = &cfg->seccomp, .var = SB_VAR_IO_URING };
	struct sb_cond c[2];

	if (!(cfg->layers & SB_LAYER_SECCOMP)) {
		memset(x.p, 0, offsetof(struct sb_seccomp, rules));
		x.p->arch = arch;
		x.p->default_action = SB_ACT_ALLOW;
		x.p->abi_action = SB_ACT_KILL_PROCESS;
	}
	x.user = x.p->nrules;
	fallbacks(&x);
	if (!ll->io_uring && rule(&x, IO_URING_SETUP, SB_ACT_ERRNO | EPERM, NULL, 0, err) < 0)
		return -1;
	if (ll->net) {
		x.var = sb_env_name(ll->var_net) ? sb_env_name(ll->var_net) : SB_VAR_NET;
		if (socket_rules(&x, ll->sockets, err) < 0)
			return -1;
		c[0] = cond(3, SB_CMP_MASKED_EQ, MSG_FASTOPEN_, MSG_FASTOPEN_);
		if (rule(&x, SENDTO, EACCES_ACT, c, 1, err) < 0 ||
		    rule(&x, SENDMMSG, EACCES_ACT, c, 1, err) < 0)
			return -1;
		c[0].arg = 2;
		if (rule(&x, SENDMSG, EACCES_ACT, c, 1, err) < 0)
			return -1;
		c[0] = cond(1, SB_CMP_EQ, SOL_TCP_, 0);
		c[1] = cond(2, SB_CMP_EQ, TCP_ULP_, 0);
		if (rule(&x, SETSOCKOPT, EACCES_ACT, c, 2, err) < 0)
			return -1;
	}
	cfg->layers |= SB_LAYER_SECCOMP;
	return 0;
}
