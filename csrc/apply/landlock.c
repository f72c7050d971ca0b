// SPDX-License-Identifier: MIT
/*
 * landlock.c - the Landlock layer applied: ask the kernel's ABI, refuse what
 * it lacks (or, with SANDBOX_BEST_EFFORT=1, drop it and say so), build the
 * one ruleset (files, TCP ports and IPC scopes together: two stacked
 * rulesets would make REFER impossible), then restrict the process. Raw
 * syscalls only (rawsys.h): nothing the host program exports.
 */
#define _GNU_SOURCE /* O_PATH, AT_EMPTY_PATH */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "internal.h"
#include "landlock_abi.h"
#include "rawsys.h"

_Static_assert(SB_LL_LOG_NEW_EXEC_ON == SB_LL_RESTRICT_LOG_NEW_EXEC_ON, "the kernel's value");

/* The ABI that brought each right: bit N of kind K. */
static int abi_of(unsigned int kind, uint64_t bit)
{
	if (kind == 1)
		return 4;
	if (kind == 2)
		return 6;
	return bit == SB_FS_REFER ? 2 : bit == SB_FS_TRUNCATE ? 3 : bit == SB_FS_IOCTL_DEV ? 5 : 1;
}

static int ll_error(struct sb_error *err, int kind, int var, int e, const char *what)
{
	sb_error_reset(err);
	err->kind = kind;
	err->sys_errno = e;
	snprintf(err->var, sizeof(err->var), "%s", sb_env_name(var) ? sb_env_name(var) : "");
	snprintf(err->what, sizeof(err->what), "%s", what);
	return e ? -e : -EOPNOTSUPP;
}

/* An error about path rule P (whose variable, or policy-file line, is named). */
static int path_error(const struct sb_config *cfg, const struct sb_ll_path *p, int kind, int e,
		      const char *what, struct sb_error *err)
{
	ll_error(err, kind, p->var, e, what);
	if (p->var == SB_V_FILE) {
		snprintf(err->var, sizeof(err->var), "%.480s:%u", cfg->policy_file, p->item);
		err->line = p->item;
	} else {
		err->item = p->item;
	}
	snprintf(err->path, sizeof(err->path), "%s", cfg->landlock.arena + p->name);
	return -e;
}

/* The first variable of the layer that restricts something. */
static int first_var(const struct sb_landlock *ll)
{
	return ll->var_fs >= 0 ? ll->var_fs : ll->var_net >= 0 ? ll->var_net : ll->var_scope;
}

/* What LL asks that ABI lacks, kind by kind into MISSING[3]: 0, or (not best
 * effort) an error naming the first such right and the ABI it needs. */
static int check_abi(const struct sb_landlock *ll, int abi, uint64_t *missing, struct sb_error *err)
{
	const uint64_t asked[3] = { ll->fs, ll->net, ll->scoped };
	const int vars[3] = { ll->var_fs, ll->var_net, ll->var_scope };
	uint64_t have[3] = { 0, 0, 0 };
	char what[sizeof(err->what)];

	if (abi > 0)
		sb_landlock_abi_rights(abi, &have[0], &have[1], &have[2]);
	for (unsigned int k = 0; k < 3; k++) {
		uint64_t bit;

		missing[k] = asked[k] & ~have[k];
		bit = missing[k] & ~(k == 0 ? ll->fs_optional : 0);
		bit &= -bit; /* the lowest */

		if (!bit || ll->best_effort)
			continue;
		snprintf(what, sizeof(what),
			 "this kernel's Landlock ABI %d cannot restrict %s (needs ABI %d%s)", abi,
			 k == 0	  ? sb_landlock_right_name(k, bit)
			 : k == 1 ? "TCP ports"
				  : "signals and abstract UNIX sockets",
			 abi_of(k, bit),
			 k == 2 && vars[k] != SB_V_SCOPE ? "; SANDBOX_SCOPE=none runs without"
							 : "");
		return ll_error(err, SB_ERR_UNSUPPORTED, vars[k], 0, what);
	}
	return 0;
}

/* The path fds sb_landlock_prepare() holds, closed together: a run of
 * consecutive numbers [LO, HI], every one ours. NOTE: open(2) takes the
 * lowest free number and none of ours is closed before the run is, so each
 * fd is above the last: a gap is someone else's fd, and ends the run. */
struct fd_run {
	long lo, hi; /* hi < lo: empty */
};

/* One close_range(2) for the run (each fd alone should something refuse it). */
static void run_close(struct fd_run *run)
{
	if (run->hi >= run->lo && sb_raw3(SYS_close_range, run->lo, run->hi, 0) < 0)
		for (long fd = run->lo; fd <= run->hi; fd++)
			sb_raw3(SYS_close, fd, 0, 0);
	run->lo = 0;
	run->hi = -1;
}

static void run_add(struct fd_run *run, long fd)
{
	if (run->hi >= run->lo && fd != run->hi + 1)
		run_close(run);
	if (run->hi < run->lo)
		run->lo = fd;
	run->hi = fd;
}

/* PATH opened O_PATH with HOW; at EMFILE the run is closed and it is asked
 * once more (a low RLIMIT_NOFILE: the run may be long). */
static long open_path(const char *name, int how, struct fd_run *run)
{
	long fd = sb_raw6(SYS_openat, AT_FDCWD, (long)name, how, 0, 0, 0);

	if (fd == -EMFILE && run->hi >= run->lo) {
		run_close(run);
		fd = sb_raw6(SYS_openat, AT_FDCWD, (long)name, how, 0, 0, 0);
	}
	if (fd >= 0)
		run_add(run, fd);
	return fd;
}

/* A member that may be a symlink (SB_LL_UNLESS_LINK), looked at first: 0
 * when it is one or is absent (a merged /usr's /bin: covered where it
 * leads, or not meant; one stat instead of an open that fails), else 1,
 * with SB_LL_DIR or SB_LL_FILE added to *FLAGS from what it is. */
static int look(const char *name, int *flags)
{
	struct stat st;
	long r;

	r = sb_raw6(SYS_newfstatat, AT_FDCWD, (long)name, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0);
	if (r == -ENOENT || r == -ENOTDIR || (r == 0 && S_ISLNK(st.st_mode)))
		return 0;
	if (r == 0)
		*flags |= S_ISDIR(st.st_mode) ? SB_LL_DIR : SB_LL_FILE;
	return 1; /* another error: the open below says it */
}

/* One path rule: opened O_PATH (it must exist unless optional); a rule on
 * a file carries the rights a file may (SB_FS_FILE). NOTE: a group's member
 * says whether it is a directory or a file; a member that may be a link is
 * looked at first, then opened O_NOFOLLOW (should it have become a link
 * since, O_DIRECTORY fails with ENOTDIR: skipped). A user's path is not
 * asked what it is: the kernel refuses directory rights on a file with
 * EINVAL (landlock_append_fs_rule; the only EINVAL left once the rights are
 * the handled ones), and the rule is added again with a file's. */
static int add_path(int ruleset, const struct sb_config *cfg, const struct sb_ll_path *p,
		    uint64_t handled, struct fd_run *run, struct sb_error *err)
{
	const char *name = cfg->landlock.arena + p->name;
	struct sb_ll_path_beneath_attr attr = { .allowed_access = p->access & handled };
	int flags = p->flags, how = O_PATH | O_CLOEXEC;
	long fd, r = 0;

	if ((flags & SB_LL_UNLESS_LINK) && !look(name, &flags))
		return 0;
	if (flags & SB_LL_UNLESS_LINK)
		how |= O_NOFOLLOW;
	if (flags & SB_LL_DIR)
		how |= O_DIRECTORY;
	fd = open_path(name, how, run);
	if (fd < 0 && (flags & SB_LL_OPTIONAL) && (fd == -ENOENT || fd == -ENOTDIR))
		return 0;
	if (fd < 0)
		return path_error(cfg, p, SB_ERR_FILE, (int)-fd, "cannot open", err);
	if (flags & SB_LL_FILE)
		attr.allowed_access &= SB_FS_FILE;
	attr.parent_fd = (int32_t)fd;
	if (attr.allowed_access)
		r = sb_raw6(SB_NR_LANDLOCK_ADD_RULE, ruleset, SB_LL_RULE_PATH_BENEATH, (long)&attr,
			    0, 0, 0);
	if (r == -EINVAL && !(flags & (SB_LL_DIR | SB_LL_FILE)) &&
	    (attr.allowed_access & ~(uint64_t)SB_FS_FILE)) {
		attr.allowed_access &= SB_FS_FILE; /* not a directory */
		r = attr.allowed_access ? sb_raw6(SB_NR_LANDLOCK_ADD_RULE, ruleset,
						  SB_LL_RULE_PATH_BENEATH, (long)&attr, 0, 0, 0)
					: 0;
	}
	if (r < 0)
		return path_error(cfg, p, SB_ERR_KERNEL, (int)-r, "cannot add a Landlock rule for",
				  err);
	return 0;
}

static int add_ports(int ruleset, const struct sb_ll_ports *p, uint64_t handled,
		     struct sb_error *err)
{
	struct sb_ll_net_port_attr attr = { .allowed_access = p->access & handled };

	for (uint32_t port = p->lo; attr.allowed_access && port <= p->hi; port++) {
		long r;

		attr.port = port;
		r = sb_raw6(SB_NR_LANDLOCK_ADD_RULE, ruleset, SB_LL_RULE_NET_PORT, (long)&attr, 0,
			    0, 0);
		if (r < 0)
			return ll_error(err, SB_ERR_KERNEL,
					p->access == SB_NET_BIND_TCP ? SB_V_NET_BIND
								     : SB_V_NET_CONNECT,
					(int)-r, "cannot add a Landlock rule for a port");
	}
	return 0;
}

int sb_landlock_prepare(const struct sb_config *cfg, struct sb_prepared *prep, struct sb_error *err)
{
	const struct sb_landlock *ll = &cfg->landlock;
	uint64_t missing[3];
	struct sb_ll_ruleset_attr attr;
	struct fd_run run = { 0, -1 };
	long abi = sb_raw3(SB_NR_LANDLOCK_CREATE_RULESET, 0, 0, SB_LL_CREATE_RULESET_VERSION), fd;
	int r = 0;

	if (abi < 0 && !ll->best_effort)
		return ll_error(err, SB_ERR_KERNEL, first_var(ll), (int)-abi,
				"this kernel does not offer Landlock");
	prep->abi = abi < 0 ? 0 : (int)abi;
	if (check_abi(ll, prep->abi, missing, err) < 0)
		return -EOPNOTSUPP;
	prep->dropped_fs = missing[0] & ~ll->fs_optional; /* optional: left out unsaid */
	prep->dropped_net = missing[1];
	prep->dropped_scope = missing[2];
	attr.handled_access_fs = ll->fs & ~missing[0];
	attr.handled_access_net = ll->net & ~missing[1];
	attr.scoped = ll->scoped & ~missing[2];
	if (!attr.handled_access_fs && !attr.handled_access_net && !attr.scoped)
		return 0; /* best effort, and nothing of it on this kernel */
	fd = sb_raw3(SB_NR_LANDLOCK_CREATE_RULESET, (long)&attr, sizeof(attr), 0);
	if (fd < 0)
		return ll_error(err, SB_ERR_KERNEL, first_var(ll), (int)-fd,
				"cannot create a Landlock ruleset");
	for (unsigned int i = 0; r == 0 && i < ll->npaths; i++)
		r = add_path((int)fd, cfg, &ll->paths[i], attr.handled_access_fs, &run, err);
	run_close(&run); /* the rules hold the files now */
	for (unsigned int i = 0; r == 0 && i < ll->nports; i++)
		r = add_ports((int)fd, &ll->ports[i], attr.handled_access_net, err);
	if (r < 0) {
		sb_raw3(SYS_close, fd, 0, 0);
		return r;
	}
	prep->ruleset = (int)fd;
	return 0;
}

int sb_landlock_restrict(const struct sb_config *cfg, struct sb_prepared *prep,
			 struct sb_error *err)
{
	unsigned int flags = prep->abi >= 7 ? prep->restrict_flags : 0;
	char what[sizeof(err->what)];
	long n, r;

	if (prep->ruleset < 0)
		return 0; /* best effort: nothing this kernel enforces (prep->dropped_*) */
	/* NOTE: landlock_restrict_self() confines the calling thread only until
	 * ABI 8's TSYNC: a thread some earlier constructor started would run
	 * free. Threads started later inherit the domain. */
	if (prep->abi >= 8) {
		flags |= SB_LL_RESTRICT_TSYNC;
	} else if ((n = sb_threads()) != 1) {
		sb_unprepare(prep);
		if (n < 0)
			return ll_error(err, SB_ERR_KERNEL, first_var(&cfg->landlock), (int)-n,
					"cannot count this process's threads (/proc/self/task)");
		snprintf(what, sizeof(what),
			 "cannot confine a process that already runs %ld threads "
			 "(Landlock ABI %d confines one thread)",
			 n, prep->abi);
		return ll_error(err, SB_ERR_UNSUPPORTED, first_var(&cfg->landlock), 0, what);
	}
	r = sb_raw3(SB_NR_LANDLOCK_RESTRICT_SELF, prep->ruleset, flags, 0);
	sb_unprepare(prep);
	if (r < 0)
		return ll_error(err, SB_ERR_KERNEL, first_var(&cfg->landlock), (int)-r,
				"cannot restrict this process with Landlock");
	return 0;
}

/* NOTE: only what sb_prepare() made: a zeroed struct's ruleset 0 is stdin. */
void sb_unprepare(struct sb_prepared *prep)
{
	if (prep->ready && prep->ruleset >= 0)
		sb_raw3(SYS_close, prep->ruleset, 0, 0);
	if (prep->ready)
		prep->ruleset = -1;
}

int sb_prepared_dropped(const struct sb_prepared *prep, char *buf, size_t size)
{
	const uint64_t dropped[3] = { prep->dropped_fs, prep->dropped_net, prep->dropped_scope };
	size_t n = 0;

	buf[0] = '\0';
	if (prep->abi == 0 && (dropped[0] | dropped[1] | dropped[2]))
		return snprintf(buf, size,
				"every Landlock rule (this kernel does not offer Landlock)");
	for (unsigned int k = 0; k < 3; k++)
		for (uint64_t bit = 1; bit && bit <= dropped[k]; bit <<= 1)
			if ((dropped[k] & bit) && n < size)
				n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
						      sb_landlock_right_name(k, bit));
	return (int)n;
}
