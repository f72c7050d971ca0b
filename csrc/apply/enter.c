// SPDX-License-Identifier: MIT
/*
 * enter.c - the one place a configuration is applied to the calling
 * process, in a fixed order (minijail_enter() is the model). Each step is a
 * small function; the order, and why, is sb_enter()'s.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int kernel_error(struct sb_error *err, const char *what, int r)
{
	memset(err, 0, offsetof(struct sb_error, path));
	err->path[0] = '\0';
	err->kind = SB_ERR_KERNEL;
	err->sys_errno = -r;
	snprintf(err->what, sizeof(err->what), "%s", what);
	return r;
}

int sb_enter(const struct sb_config *cfg, const struct sb_insn *prog, unsigned int len,
	     unsigned int steps, struct sb_error *err)
{
	int r;

	/* issue 16: rlimits, then capabilities, here: both may need privilege
	 * that no_new_privs and the filter no longer leave. */

	/* NOTE: seccomp(2): without CAP_SYS_ADMIN a filter needs no_new_privs;
	 * set first, it also keeps a later execve from gaining privilege. */
	if ((steps & SB_ENTER_NO_NEW_PRIVS) && (r = sb_no_new_privs()) < 0)
		return kernel_error(err, "cannot install the seccomp filter", r);

	/* issue 13: Landlock here: landlock_restrict_self(2) needs no_new_privs
	 * (or CAP_SYS_ADMIN), and its calls must come before a filter that may
	 * forbid them. */

	/* The seccomp filter last: it may forbid the calls of every step before
	 * it. It reads nothing of CFG but the program compiled from it. The
	 * caller checks it is in force (libsandbox.so's read-back, preload.c):
	 * how depends on the filter the program has. */
	if ((steps & SB_ENTER_SECCOMP) && (cfg->layers & SB_LAYER_SECCOMP) &&
	    (r = sb_install_filter(prog, len)) < 0)
		return kernel_error(err, "cannot install the seccomp filter", r);
	return 0;
}
