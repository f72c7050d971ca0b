// SPDX-License-Identifier: MIT
/*
 * policy.c - SECCOMP_* environment text -> struct sb_policy.
 *
 * Pure: no getenv, no I/O. The caller hands in the environment array and gets
 * back either a complete policy or one error record naming the bad input.
 */
#define _GNU_SOURCE /* strchrnul */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sandbox.h"

#define VAR_ALLOW "SECCOMP_SYSCALL_ALLOW"
#define VAR_DENY "SECCOMP_SYSCALL_DENY"
#define VAR_ACTION "SECCOMP_DEFAULT_ACTION"
#define VAR_VERBOSE "SECCOMP_VERBOSE"

#define NAME_MAX_LEN 63 /* longer items cannot be syscall names */
#define NR_MAX 0xffff /* numeric entries: 0..65535 */
#define ERRNO_MAX 4095 /* SECCOMP_RET_DATA for errno is capped by the kernel */

struct env {
	const char *allow, *deny, *action, *verbose;
};

static int fail(struct sb_error *err, const char *var, const char *what,
		const char *token, size_t len, int item)
{
	snprintf(err->var, sizeof(err->var), "%s", var);
	snprintf(err->what, sizeof(err->what), "%s", what);
	if (len >= sizeof(err->token))
		len = sizeof(err->token) - 1;
	memcpy(err->token, token, len);
	err->token[len] = '\0';
	err->item = item;
	return -EINVAL;
}

/* Strict unsigned parse: decimal or 0x-hex, whole string, no sign, <= max. */
static int parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		v = v * base + d;
		if (v > max)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_errno(const char *s, uint32_t *out)
{
	int e;

	if (s[0] >= '0' && s[0] <= '9')
		return parse_uint(s, ERRNO_MAX, out) == 0 && *out > 0 ? 0 : -EINVAL;
	e = sb_errno_lookup(s);
	if (e <= 0 || e > ERRNO_MAX)
		return -EINVAL;
	*out = (uint32_t)e;
	return 0;
}

int sb_action_parse(const char *text, uint32_t *action)
{
	static const struct {
		char word[16];
		uint32_t action;
	} words[] = {
		{ "kill", SB_ACT_KILL_PROCESS },   { "kill_process", SB_ACT_KILL_PROCESS },
		{ "kill_thread", SB_ACT_KILL_THREAD }, { "trap", SB_ACT_TRAP },
		{ "log", SB_ACT_LOG },		   { "allow", SB_ACT_ALLOW },
		{ "errno", SB_ACT_ERRNO | EPERM },
	};
	uint32_t e;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(text, words[i].word) == 0) {
			*action = words[i].action;
			return 0;
		}
	}
	if (strncmp(text, "errno:", 6) != 0 || parse_errno(text + 6, &e) < 0)
		return -EINVAL;
	*action = SB_ACT_ERRNO | e;
	return 0;
}

static int add_rule(struct sb_policy *p, uint32_t nr, uint32_t action)
{
	if (p->nrules >= SB_RULES_MAX)
		return -E2BIG;
	p->rules[p->nrules].nr = nr;
	p->rules[p->nrules].action = action;
	p->nrules++;
	return 0;
}

static int valid_name(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* One list item (NUL-terminated) -> a rule, nothing (a syscall of another
 * arch), or an error. */
static int parse_item(struct sb_policy *p, const char *var, const char *item,
		      int index, uint32_t action, struct sb_error *err)
{
	uint32_t nr;
	int r;

	if (item[0] >= '0' && item[0] <= '9') {
		r = parse_uint(item, NR_MAX, &nr);
		if (r == -ERANGE)
			return fail(err, var, "syscall number out of range", item, strlen(item), index);
		if (r < 0)
			return fail(err, var, "invalid syscall number", item, strlen(item), index);
	} else if (!valid_name(item)) {
		return fail(err, var, "invalid syscall name", item, strlen(item), index);
	} else {
		r = sb_syscall_nr(p->arch, item);
		if (r < 0 && sb_syscall_known(item))
			return 0; /* exists on other arches: cannot be called here */
		if (r < 0)
			return fail(err, var, "unknown syscall", item, strlen(item), index);
		nr = (uint32_t)r;
	}
	if (add_rule(p, nr, action) < 0)
		return fail(err, var, "too many rules at", item, strlen(item), index);
	return 0;
}

static int parse_list(struct sb_policy *p, const char *var, const char *list,
		      uint32_t action, struct sb_error *err)
{
	char item[NAME_MAX_LEN + 1];
	int index = 0;

	for (const char *s = list;; s++) {
		const char *end = strchrnul(s, ':');
		size_t len = (size_t)(end - s);
		int r;

		index++;
		if (len >= sizeof(item))
			return fail(err, var, "invalid syscall name", s, len, index);
		if (len > 0) {
			memcpy(item, s, len);
			item[len] = '\0';
			r = parse_item(p, var, item, index, action, err);
			if (r < 0)
				return r;
		}
		if (*end == '\0')
			return 0;
		s = end;
	}
}

static const char *const our_vars[] = { VAR_ALLOW, VAR_DENY, VAR_ACTION, VAR_VERBOSE };

int sb_env_is_ours(const char *name)
{
	for (size_t i = 0; i < sizeof(our_vars) / sizeof(our_vars[0]); i++)
		if (strcmp(name, our_vars[i]) == 0)
			return 1;
	return 0;
}

/* Pick our variables out of ENVP; any other SECCOMP_* name is an error, so a
 * misspelt variable never leaves a program unfiltered. */
static int scan_env(char *const *envp, struct env *env, struct sb_error *err)
{
	static const char prefix[] = "SECCOMP_";
	const char **slot[] = { &env->allow, &env->deny, &env->action, &env->verbose };

	memset(env, 0, sizeof(*env));
	for (; *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		size_t n;
		size_t i;

		if (!eq || strncmp(*envp, prefix, sizeof(prefix) - 1) != 0)
			continue;
		n = (size_t)(eq - *envp);
		for (i = 0; i < sizeof(our_vars) / sizeof(our_vars[0]); i++)
			if (strlen(our_vars[i]) == n && strncmp(*envp, our_vars[i], n) == 0)
				break;
		if (i == sizeof(our_vars) / sizeof(our_vars[0])) {
			snprintf(err->var, sizeof(err->var), "%.*s", (int)n, *envp);
			snprintf(err->what, sizeof(err->what), "unknown variable");
			return -EINVAL;
		}
		if (!*slot[i]) /* the first one wins, as with getenv() */
			*slot[i] = eq + 1;
	}
	return 0;
}

static int parse_verbose(const char *v, int *verbose, struct sb_error *err)
{
	if (!v || strcmp(v, "0") == 0 || v[0] == '\0') {
		*verbose = 0;
		return 0;
	}
	if (strcmp(v, "1") == 0) {
		*verbose = 1;
		return 0;
	}
	return fail(err, VAR_VERBOSE, "expected 0 or 1, not", v, strlen(v), 0);
}

int sb_policy_from_env(struct sb_policy *p, const struct sb_arch *arch,
		       char *const *envp, struct sb_error *err)
{
	uint32_t deny_action = SB_ACT_KILL_PROCESS;
	struct env env;
	int r;

	memset(p, 0, sizeof(*p));
	memset(err, 0, sizeof(*err));
	p->arch = arch;
	r = scan_env(envp, &env, err);
	if (r < 0)
		return r;
	if (!env.allow && !env.deny && !env.action)
		return 1;
	if (parse_verbose(env.verbose, &p->verbose, err) < 0)
		return -EINVAL;
	if (env.action && sb_action_parse(env.action, &deny_action) < 0)
		return fail(err, VAR_ACTION, "unknown action", env.action, strlen(env.action), 0);
	if (!env.allow && !env.deny)
		return fail(err, VAR_ACTION, "is set without " VAR_ALLOW " or " VAR_DENY, "", 0, 0);
	/* Everything the policy does not allow gets SECCOMP_DEFAULT_ACTION. */
	p->default_action = env.allow ? deny_action : SB_ACT_ALLOW;
	if (env.allow && (r = parse_list(p, VAR_ALLOW, env.allow, SB_ACT_ALLOW, err)) < 0)
		return r;
	if (env.deny && (r = parse_list(p, VAR_DENY, env.deny, deny_action, err)) < 0)
		return r;
	return 0;
}

int sb_error_format(const struct sb_error *err, char *buf, size_t size)
{
	if (err->item > 0)
		return snprintf(buf, size, "%s: %s '%s' (item %d)", err->var, err->what,
				err->token, err->item);
	if (err->token[0])
		return snprintf(buf, size, "%s: %s '%s'", err->var, err->what, err->token);
	return snprintf(buf, size, "%s: %s", err->var, err->what);
}
