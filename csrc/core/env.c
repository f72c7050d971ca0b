// SPDX-License-Identifier: MIT
/*
 * env.c - our variables: their families (by prefix), which names are ours,
 * and picking their values out of an environment array. Pure: the caller
 * hands the array in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* NOTE: arrays, not pointers: a pointer table costs a relocation per entry
 * in every process that loads libsandbox.so, policy or not. */
static const char our_vars[SB_V_COUNT][32] = {
	[SB_V_ALLOW] = SB_VAR_ALLOW,
	[SB_V_DENY] = SB_VAR_DENY,
	[SB_V_ACTION] = SB_VAR_ACTION,
	[SB_V_VERBOSE] = SB_VAR_VERBOSE,
	[SB_V_FILE] = SB_VAR_FILE,
	[SB_V_PROFILE] = SB_VAR_PROFILE,
	[SB_V_LEARN] = SB_VAR_LEARN,
	[SB_V_FS_READ] = SB_VAR_FS_READ,
	[SB_V_FS_EXEC] = SB_VAR_FS_EXEC,
	[SB_V_FS_WRITE] = SB_VAR_FS_WRITE,
	[SB_V_NET_CONNECT] = SB_VAR_NET_CONNECT,
	[SB_V_NET_BIND] = SB_VAR_NET_BIND,
	[SB_V_NET] = SB_VAR_NET,
	[SB_V_SCOPE] = SB_VAR_SCOPE,
	[SB_V_IO_URING] = SB_VAR_IO_URING,
	[SB_V_BEST_EFFORT] = SB_VAR_BEST_EFFORT,
	[SB_V_CAPS] = SB_VAR_CAPS,
	[SB_V_LIMITS] = SB_VAR_LIMITS,
	[SB_V_VOWS] = SB_VAR_VOWS,
	[SB_V_VOWS_EXEC] = SB_VAR_VOWS_EXEC,
	[SB_V_EXEC_ALLOW] = SB_VAR_EXEC_ALLOW,
	[SB_V_EXEC_DENY] = SB_VAR_EXEC_DENY,
};

/* The families: every variable whose name starts with a prefix here is ours,
 * so a misspelt one is an error, never ignored. Other SANDBOX_* names (Gentoo's
 * sandbox has SANDBOX_ON, SANDBOX_WRITE, ...) are not ours. RESERVED: 1 the
 * family of a layer this version does not have yet, 2 one only `pysandbox run`
 * reads (namespaces, through bwrap): any name in either is refused here. */
static const struct {
	char prefix[20];
	unsigned int layer;
	int reserved;
} families[] = {
	{ "SECCOMP_", SB_LAYER_SECCOMP, 0 },
	{ "SANDBOX_FS", SB_LAYER_LANDLOCK, 0 }, /* SANDBOX_FSREAD too: a typo of ours */
	{ "SANDBOX_NET", SB_LAYER_LANDLOCK, 0 },
	{ "SANDBOX_ISOLATE", 64, 2 }, /* no layer here: pysandbox run's (bwrap) */
	{ "SANDBOX_SCOPE", SB_LAYER_LANDLOCK, 0 },
	{ "SANDBOX_IO_URING", SB_LAYER_LANDLOCK, 0 },
	{ "SANDBOX_BEST_EFFORT", SB_LAYER_LANDLOCK, 0 },
	{ "SANDBOX_EXEC", SB_LAYER_EXEC, 0 },
	{ "SANDBOX_VOWS", SB_LAYER_VOWS, 0 },
	{ "SANDBOX_CAP", SB_LAYER_CAPS, 0 }, /* SANDBOX_CAPABILITIES too: a typo of ours */
	{ "SANDBOX_LIMIT", SB_LAYER_LIMITS, 0 }, /* SANDBOX_LIMIT_NOFILE too: a typo of ours */
};

static int family_of(const char *entry)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strncmp(entry, families[i].prefix, strlen(families[i].prefix)) == 0)
			return (int)i;
	return -1;
}

unsigned int sb_env_family(const char *entry)
{
	int f;

	/* NOTE: every string of every environment comes here; every family
	 * starts with 'S', which rules most out without a call */
	if (entry[0] != 'S' || (f = family_of(entry)) < 0)
		return 0;
	return families[f].layer;
}

int sb_env_is_ours(const char *name)
{
	for (size_t i = 0; i < sizeof(our_vars) / sizeof(our_vars[0]); i++)
		if (strcmp(name, our_vars[i]) == 0)
			return 1;
	return 0;
}

const char *sb_env_name(int var)
{
	return var >= 0 && var < SB_V_COUNT ? our_vars[var] : NULL;
}

/* NOTE: any other name of our families is an error, so a misspelt variable
 * never leaves a program unfiltered. */
int sb_env_scan(char *const *envp, const char **values, struct sb_error *err)
{
	const size_t nvars = sizeof(our_vars) / sizeof(our_vars[0]);

	for (; *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		size_t n, i;

		if (!sb_env_family(*envp))
			continue;
		if (!eq) { /* no variable getenv() would show, yet a typo of one */
			sb_error_reset(err);
			snprintf(err->var, sizeof(err->var), "%s", *envp);
			snprintf(err->what, sizeof(err->what), "not NAME=value");
			err->kind = SB_ERR_SYNTAX;
			return -EINVAL;
		}
		n = (size_t)(eq - *envp);
		for (i = 0; i < nvars; i++)
			if (strlen(our_vars[i]) == n && strncmp(*envp, our_vars[i], n) == 0)
				break;
		if (i == nvars) {
			int reserved = families[family_of(*envp)].reserved;

			sb_error_reset(err);
			snprintf(err->var, sizeof(err->var), "%.*s", (int)n, *envp);
			snprintf(err->what, sizeof(err->what), "%s",
				 reserved == 2 ? "namespaces need `pysandbox run` (bubblewrap)"
				 : reserved    ? "not supported by this version of pysandbox"
					       : "unknown variable");
			err->kind = reserved ? SB_ERR_UNSUPPORTED : SB_ERR_UNKNOWN;
			return -EINVAL;
		}
		if (!values[i]) /* the first one wins, as with getenv() */
			values[i] = eq + 1;
	}
	return 0;
}
