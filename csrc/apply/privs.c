// SPDX-License-Identifier: MIT
/*
 * privs.c - the resource limits (prlimit64) and the capability sets
 * (PR_CAPBSET_DROP, capset, the ambient set) applied: sb_prepare()'s part
 * refuses what this process cannot do (keep a capability it does not hold,
 * raise a hard limit without CAP_SYS_RESOURCE) before anything changes;
 * sb_enter()'s part changes them. Raw syscalls only (rawsys.h): nothing the
 * host program exports. NOTE: capabilities(7) and prctl(2) are the rules.
 */
#define _GNU_SOURCE /* CLONE_THREAD */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "internal.h"
#include "rawsys.h"

/* This thread's sets: [0] effective, [1] permitted, [2] inheritable. */
static int caps_get(uint64_t sets[3])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	long r = sb_raw3(SYS_capget, (long)&hdr, (long)d, 0);

	if (r < 0)
		return (int)r;
	sets[0] = (uint64_t)d[1].effective << 32 | d[0].effective;
	sets[1] = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	sets[2] = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

static int caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(effective >> (32 * i));
		d[i].permitted = (uint32_t)(permitted >> (32 * i));
		d[i].inheritable = (uint32_t)(inheritable >> (32 * i));
	}
	return (int)sb_raw3(SYS_capset, (long)&hdr, (long)d, 0);
}

static long prctl2(long option, long arg)
{
	return sb_raw6(SYS_prctl, option, arg, 0, 0, 0, 0);
}

/* *ERR of KIND about item ITEM of VAR (TOKEN its text); E its errno or 0. */
static int privs_error(struct sb_error *err, int kind, int var, int item, const char *token,
		       const char *what, int e)
{
	sb_error_reset(err);
	err->kind = kind;
	err->sys_errno = e;
	err->item = item;
	snprintf(err->var, sizeof(err->var), "%s", sb_env_name(var));
	snprintf(err->what, sizeof(err->what), "%s", what);
	snprintf(err->token, sizeof(err->token), "%s", token);
	return e ? -e : -EOPNOTSUPP;
}

/* Every capability kept must be held: in the permitted set (capset(2) may
 * only lower it) and the bounding set (or it cannot be made inheritable,
 * which the ambient set needs). */
static int check_caps(const struct sb_caps *caps, struct sb_error *err)
{
	uint64_t sets[3];
	int r = caps_get(sets);

	if (r < 0)
		return privs_error(err, SB_ERR_HOST, SB_V_CAPS, 0, "",
				   "cannot read this process's capabilities", -r);
	for (int c = 0; c < 64; c++) {
		if (!(caps->keep >> c & 1))
			continue;
		if (!(sets[1] >> c & 1))
			return privs_error(err, SB_ERR_UNSUPPORTED, SB_V_CAPS, caps->item[c],
					   sb_cap_name(c), "not held by this process", 0);
		if (prctl2(PR_CAPBSET_READ, c) != 1)
			return privs_error(err, SB_ERR_UNSUPPORTED, SB_V_CAPS, caps->item[c],
					   sb_cap_name(c), "not in this process's bounding set", 0);
	}
	return 0;
}

/* NOTE: raising a hard limit needs CAP_SYS_RESOURCE (setrlimit(2)). */
static int check_limits(const struct sb_limits *lim, struct sb_error *err)
{
	char token[64], what[sizeof(err->what)];
	struct rlimit cur;
	uint64_t sets[3];
	int r = caps_get(sets);

	for (unsigned int i = 0; r == 0 && i < lim->n; i++) {
		const struct sb_limit *l = &lim->limit[i];

		if ((r = (int)sb_raw6(SYS_prlimit64, 0, l->resource, 0, (long)&cur, 0, 0)) < 0)
			break;
		if (l->hard <= cur.rlim_max || (sets[0] >> CAP_SYS_RESOURCE & 1))
			continue;
		snprintf(what, sizeof(what),
			 "above this process's hard limit %llu (raising it needs CAP_SYS_RESOURCE)",
			 (unsigned long long)cur.rlim_max);
		sb_limit_format(l, token, sizeof(token));
		return privs_error(err, SB_ERR_UNSUPPORTED, SB_V_LIMITS, l->item, token, what, 0);
	}
	if (r < 0)
		return privs_error(err, SB_ERR_HOST, SB_V_LIMITS, 0, "",
				   "cannot read this process's limits or capabilities", -r);
	return 0;
}

int sb_privs_prepare(const struct sb_config *cfg, struct sb_error *err)
{
	int r = 0;

	if (cfg->layers & SB_LAYER_LIMITS)
		r = check_limits(&cfg->limits, err);
	if (r == 0 && (cfg->layers & SB_LAYER_CAPS))
		r = check_caps(&cfg->caps, err);
	return r;
}

int sb_privs_limit(const struct sb_config *cfg, struct sb_error *err)
{
	char token[64], what[sizeof(err->what)];

	for (unsigned int i = 0; i < cfg->limits.n; i++) {
		const struct sb_limit *l = &cfg->limits.limit[i];
		const struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };
		long r = sb_raw6(SYS_prlimit64, 0, l->resource, (long)&rl, 0, 0, 0);

		if (r < 0) {
			sb_limit_format(l, token, sizeof(token));
			snprintf(what, sizeof(what), "cannot set %s (item %u)", token, l->item);
			return privs_error(err, SB_ERR_KERNEL, SB_V_LIMITS, 0, "", what, (int)-r);
		}
	}
	return 0;
}

/* NOTE: unshare(CLONE_THREAD) does nothing in a single-threaded process and
 * fails with EINVAL in any other (kernel/fork.c, check_unshare_flags): one
 * call, where the first look at /proc/self costs ~25 us (its entries are made
 * then). Under a seccomp filter, which might kill unshare(2), /proc/self/task's
 * links are counted instead (one per thread, and two); PR_GET_SECCOMP is asked
 * in the words an outer libsandbox.so's filter lets through. Used by the
 * capability step and the Landlock layer. */
long sb_threads(void)
{
	struct stat st;
	long r, mode = sb_raw6(SYS_prctl, PR_GET_SECCOMP, SB_READBACK_A, SB_READBACK_B, 0, 0, 0);

	if (mode == 0 && sb_raw3(SYS_unshare, CLONE_THREAD, 0, 0) == 0)
		return 1;
	r = sb_raw6(SYS_newfstatat, AT_FDCWD, (long)"/proc/self/task", (long)&st, 0, 0, 0);
	return r < 0 ? r : (long)st.st_nlink - 2;
}

/* Every capability but KEEP out of the bounding set; a number past the
 * kernel's last capability is EINVAL, where it stops. NOTE: each drop makes
 * and commits new credentials (~1 us), a read does not: only what is in the
 * set is dropped (a container's bounding set holds 14 of 41). */
static int drop_bounding(uint64_t keep)
{
	for (long c = 0; c < 64; c++) {
		long r = keep >> c & 1 ? 0 : prctl2(PR_CAPBSET_READ, c);

		if (r == 1)
			r = prctl2(PR_CAPBSET_DROP, c);
		if (r == -EINVAL)
			return 0;
		if (r < 0)
			return (int)r;
	}
	return 0;
}

/* NOTE: the order capabilities(7) asks: the bounding set first (dropping
 * needs CAP_SETPCAP, effective); the ambient set cleared; then capset(2)
 * lowers the permitted, effective and inheritable sets to KEEP; the kept
 * ones raised into the ambient set last (each must be permitted and
 * inheritable), so an execve of a program without file capabilities keeps
 * them (a non-root one would lose them otherwise). Without CAP_SETPCAP in
 * the permitted set the bounding set cannot change, and need not:
 * no_new_privs, set next, keeps any execve from adding to the permitted set. */
static int drop_caps(uint64_t keep, const char **what)
{
	uint64_t sets[3];
	int r = caps_get(sets);

	*what = "cannot read this process's capabilities";
	if (r == 0 && (sets[1] >> CAP_SETPCAP & 1)) {
		*what = "cannot drop capabilities from the bounding set";
		r = caps_set(sets[0] | 1ULL << CAP_SETPCAP, sets[1], sets[2]);
		if (r == 0)
			r = drop_bounding(keep);
	}
	if (r == 0) {
		*what = "cannot clear the ambient capability set";
		r = (int)sb_raw6(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0);
	}
	if (r == 0) {
		*what = "cannot lower the permitted, effective and inheritable sets";
		r = caps_set(keep, keep, keep);
	}
	for (long c = 0; r == 0 && c < 64; c++)
		if (keep >> c & 1) {
			*what = "cannot raise a kept capability into the ambient set";
			r = (int)sb_raw6(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0,
					 0);
		}
	if (r == 0 && (r = caps_get(sets)) == 0 &&
	    (sets[0] != keep || sets[1] != keep || sets[2] != keep)) {
		*what = "the capability sets are not the ones asked for after setting them";
		r = -EPERM;
	}
	return r;
}

int sb_privs_drop(const struct sb_config *cfg, struct sb_error *err)
{
	char what[sizeof(err->what)];
	const char *step;
	long n = sb_threads();
	int r;

	/* NOTE: capset(2) changes the calling thread only: a thread an earlier
	 * constructor started would keep its capabilities. Later ones inherit. */
	if (n < 0)
		return privs_error(err, SB_ERR_KERNEL, SB_V_CAPS, 0, "",
				   "cannot count this process's threads (/proc/self/task)",
				   (int)-n);
	if (n != 1) {
		snprintf(what, sizeof(what),
			 "cannot drop the capabilities of a process that already runs %ld threads "
			 "(capset(2) changes one)",
			 n);
		return privs_error(err, SB_ERR_UNSUPPORTED, SB_V_CAPS, 0, "", what, 0);
	}
	if ((r = drop_caps(cfg->caps.keep, &step)) < 0)
		return privs_error(err, SB_ERR_KERNEL, SB_V_CAPS, 0, "", step, -r);
	return 0;
}
