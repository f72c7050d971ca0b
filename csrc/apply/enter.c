// SPDX-License-Identifier: MIT
/*
 * enter.c - the one place a configuration is applied to the calling
 * process, in a fixed order (minijail_enter() is the model), and what must
 * be made from it first (sb_prepare). Each step is a small function; the
 * order, and why, is sb_enter()'s.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

_Static_assert(SB_ENTER_ALL == (SB_ENTER_LIMITS | SB_ENTER_CAPS | SB_ENTER_NO_NEW_PRIVS |
				SB_ENTER_LANDLOCK | SB_ENTER_SECCOMP),
	       "SB_ENTER_ALL must name every step of sb_enter()");

/* *ERR cleared, of KIND, saying WHAT; E its errno (0: none). */
static int enter_error(struct sb_error *err, int kind, const char *what, int e)
{
	sb_error_reset(err);
	err->kind = kind;
	err->sys_errno = e;
	snprintf(err->what, sizeof(err->what), "%s", what);
	return -e;
}

/* NOTE: the ruleset last: sb_prepare() fails with no fd left open. */
static int landlock_prepare(const struct sb_config *cfg, struct sb_prepared *prep,
			    struct sb_error *err)
{
	int r = cfg->layers & SB_LAYER_LANDLOCK ? sb_landlock_prepare(cfg, prep, err) : 0;

	prep->ready = r == 0;
	return r;
}

int sb_prepare(const struct sb_config *cfg, struct sb_prepared *prep, struct sb_error *err)
{
	int r, kind = SB_ERR_KERNEL; /* -ENOMEM: the system refused the work space */

	prep->len = 0;
	prep->ready = 0;
	prep->ruleset = -1;
	prep->abi = -1;
	prep->restrict_flags = 0;
	prep->dropped_fs = prep->dropped_net = prep->dropped_scope = 0;
	/* what this process cannot do is refused before anything is built */
	if ((r = sb_privs_prepare(cfg, err)) < 0)
		return r;
	if (!(cfg->layers & SB_LAYER_SECCOMP))
		return landlock_prepare(cfg, prep, err);
	r = sb_bpf_compile(&cfg->seccomp, prep->prog, prep->cap);
	if (r == -E2BIG)
		kind = SB_ERR_TOO_BIG;
	else if (r == -EINVAL)
		kind = SB_ERR_SYNTAX;
	if (r < 0)
		return enter_error(err, kind, "the policy does not fit in one seccomp filter", -r);
	prep->len = (unsigned int)r;
	return landlock_prepare(cfg, prep, err);
}

unsigned int sb_enter_steps(const struct sb_config *cfg)
{
	unsigned int steps = SB_ENTER_NO_NEW_PRIVS;

	if (cfg->layers & SB_LAYER_LIMITS)
		steps |= SB_ENTER_LIMITS;
	if (cfg->layers & SB_LAYER_CAPS)
		steps |= SB_ENTER_CAPS;
	if (cfg->layers & SB_LAYER_LANDLOCK)
		steps |= SB_ENTER_LANDLOCK;
	if (cfg->layers & SB_LAYER_SECCOMP)
		steps |= SB_ENTER_SECCOMP;
	return steps;
}

static int enter(const struct sb_config *cfg, struct sb_prepared *prep, unsigned int steps,
		 struct sb_error *err);

int sb_enter(const struct sb_config *cfg, struct sb_prepared *prep, unsigned int steps,
	     struct sb_error *err)
{
	int r = enter(cfg, prep, steps, err);

	if (prep) /* NOTE: the ruleset serves one enter: never left open in the program */
		sb_unprepare(prep);
	return r;
}

static int enter(const struct sb_config *cfg, struct sb_prepared *prep, unsigned int steps,
		 struct sb_error *err)
{
	int r;

	/* NOTE: ALL is what the layers need; a configuration without any is
	 * refused below (nothing would be in force). */
	if (steps == SB_ENTER_ALL && cfg && cfg->layers)
		steps = sb_enter_steps(cfg);

	/* NOTE: asked to install a filter there is none of, fail: never return
	 * 0 with nothing in force. */
	if ((steps & SB_ENTER_SECCOMP) &&
	    (!cfg || !(cfg->layers & SB_LAYER_SECCOMP) || !prep || !prep->prog || prep->len == 0))
		return enter_error(err, SB_ERR_SYNTAX,
				   "cannot install the seccomp filter: none was prepared", EINVAL);
	if ((steps & SB_ENTER_LANDLOCK) &&
	    (!cfg || !(cfg->layers & SB_LAYER_LANDLOCK) || !prep || !prep->ready))
		return enter_error(err, SB_ERR_SYNTAX,
				   "cannot restrict with Landlock: no ruleset was prepared",
				   EINVAL);
	if ((steps & SB_ENTER_LIMITS) && (!cfg || !(cfg->layers & SB_LAYER_LIMITS)))
		return enter_error(err, SB_ERR_SYNTAX,
				   "cannot set resource limits: none were given", EINVAL);
	if ((steps & SB_ENTER_CAPS) && (!cfg || !(cfg->layers & SB_LAYER_CAPS)))
		return enter_error(err, SB_ERR_SYNTAX,
				   "cannot drop capabilities: no capability set was given", EINVAL);
	/* NOTE: the capability step leaves the bounding set full without
	 * CAP_SETPCAP: only no_new_privs then keeps a set-id execve from
	 * gaining back what was dropped, so it always comes with it. */
	if (steps & SB_ENTER_CAPS)
		steps |= SB_ENTER_NO_NEW_PRIVS;

	/* NOTE: rlimits, then capabilities, in that order and before
	 * no_new_privs and the filter: raising a hard rlimit needs
	 * CAP_SYS_RESOURCE, so limits come before capabilities are dropped;
	 * shrinking the bounding set needs CAP_SETPCAP, so sb_privs_drop() takes
	 * it before capset(2) clears it; and all before the filter, which may
	 * forbid prlimit64, capset and prctl. */
	if ((steps & SB_ENTER_LIMITS) && (r = sb_privs_limit(cfg, err)) < 0)
		return r;
	if ((steps & SB_ENTER_CAPS) && (r = sb_privs_drop(cfg, err)) < 0)
		return r;

	/* NOTE: seccomp(2): without CAP_SYS_ADMIN a filter needs no_new_privs;
	 * set first, it also keeps a later execve from gaining privilege. */
	if ((steps & SB_ENTER_NO_NEW_PRIVS) && (r = sb_no_new_privs()) < 0)
		return enter_error(err, SB_ERR_KERNEL, "cannot install the seccomp filter", -r);

	/* NOTE: Landlock after no_new_privs: landlock_restrict_self(2) needs it
	 * (or CAP_SYS_ADMIN); before the filter, which may forbid its calls. */
	if ((steps & SB_ENTER_LANDLOCK) && (r = sb_landlock_restrict(cfg, prep, err)) < 0)
		return r;

	/* The seccomp filter last: it may forbid the calls of every step before
	 * it. The caller checks it is in force (libsandbox.so's read-back,
	 * preload.c): how depends on the filter the program has. */
	if ((steps & SB_ENTER_SECCOMP) && (r = sb_install_filter(prep->prog, prep->len)) < 0)
		return enter_error(err, SB_ERR_KERNEL, "cannot install the seccomp filter", -r);
	return 0;
}
