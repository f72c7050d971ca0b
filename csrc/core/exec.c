// SPDX-License-Identifier: MIT
/*
 * exec.c - the exec policy: SANDBOX_EXEC_ALLOW and SANDBOX_EXEC_DENY parsed
 * into struct sb_exec, the verdict on one exec, and the seccomp rules the
 * layer needs. Pure; the supervisor that reads each exec from the traced
 * program is apply/supervise.c.
 *
 * A value is RULE:RULE:...; a rule is words separated by blanks, its first
 * word the program (an absolute path, or a bare name), the rest the words
 * argv[1..] must start with. Quoting as in sh: '...' takes everything to
 * the next quote literally, "..." too but for \" and \\, and a backslash
 * outside single quotes takes the next character literally - a ':' or a
 * blank so quoted separates nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Where the parser is: the layer, the variable, the item (for errors). */
struct parse {
	struct sb_exec *x;
	int var; /* SB_V_EXEC_ALLOW or _DENY */
	int item;
};

static int exec_fail(struct sb_error *err, const struct parse *ps, int kind, const char *what,
		     const char *token, size_t len)
{
	return sb_error_item(err, kind, ps->var, ps->item, what, token, len);
}

/* The next word of the rule at *S (up to an unquoted ':' or the end),
 * unquoted, appended NUL-terminated to the arena; its length, -2 if the rule
 * has no more words, -1 with *ERR filled. *S is left past it. */
static int next_word(struct parse *ps, const char **s, struct sb_error *err)
{
	struct sb_exec *x = ps->x;
	const char *p = *s, *start;
	unsigned int at = x->arena_len;
	char quote = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == ':') {
		*s = p;
		return -2;
	}
	start = p;
	for (; *p && (quote || (*p != ':' && *p != ' ' && *p != '\t')); p++) {
		char c = *p;

		if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			continue;
		}
		if (quote && c == quote) {
			quote = 0;
			continue;
		}
		if (c == '\\' && quote != '\'' && p[1] && (!quote || p[1] == '"' || p[1] == '\\'))
			c = *++p;
		if (at + 2 > SB_EXEC_ARENA)
			return exec_fail(err, ps, SB_ERR_TOO_BIG, "more rule text than fits", start,
					 (size_t)(p - start));
		x->arena[at++] = c;
	}
	if (quote)
		return exec_fail(err, ps, SB_ERR_SYNTAX, "unterminated quote", start,
				 (size_t)(p - start));
	x->arena[at] = '\0';
	*s = p;
	at -= x->arena_len;
	x->arena_len += at + 1;
	return (int)at;
}

/* Is the program word P (LEN bytes) one a rule may name? */
static int check_program(const struct parse *ps, const char *p, int len, struct sb_error *err)
{
	if (len == 0)
		return exec_fail(err, ps, SB_ERR_SYNTAX, "an empty program name", p, 0);
	if (p[0] != '/' && strchr(p, '/'))
		return exec_fail(err, ps, SB_ERR_SYNTAX, "not an absolute path", p, (size_t)len);
	if (p[len - 1] == '/')
		return exec_fail(err, ps, SB_ERR_SYNTAX, "a directory, not a program", p,
				 (size_t)len);
	if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
		return exec_fail(err, ps, SB_ERR_SYNTAX, "not a program name", p, (size_t)len);
	if (len >= SB_PATH_MAX - 1 || (p[0] != '/' && len > SB_EXEC_WORD_MAX))
		return exec_fail(err, ps, SB_ERR_RANGE, "longer than a file name may be", p, 64);
	return 0;
}

/* One rule at *S into the next struct sb_exec_rule. */
static int parse_rule(struct parse *ps, const char **s, struct sb_error *err)
{
	struct sb_exec *x = ps->x;
	struct sb_exec_rule *r = &x->rules[x->nrules];
	const char *start = *s;
	int len;

	if (x->nrules == SB_EXEC_RULES_MAX)
		return exec_fail(err, ps, SB_ERR_TOO_BIG, "more rules than fit", start,
				 strcspn(start, ":"));
	r->text = (uint16_t)x->arena_len;
	r->nwords = 0;
	r->deny = ps->var == SB_V_EXEC_DENY;
	r->item = (uint16_t)ps->item;
	if ((len = next_word(ps, s, err)) == -1)
		return -1;
	if (len == -2)
		return exec_fail(err, ps, SB_ERR_SYNTAX, "empty rule", "", 0);
	if (check_program(ps, x->arena + r->text, len, err) < 0)
		return -1;
	r->absolute = x->arena[r->text] == '/';
	while ((len = next_word(ps, s, err)) >= 0) {
		const char *w = x->arena + x->arena_len - len - 1;

		if (r->nwords == SB_EXEC_WORDS_MAX)
			return exec_fail(err, ps, SB_ERR_TOO_BIG, "more argv words than fit", w,
					 (size_t)len);
		if (len > SB_EXEC_WORD_MAX)
			return exec_fail(err, ps, SB_ERR_RANGE,
					 "an argv word longer than 255 bytes", w, 64);
		r->nwords++;
	}
	if (len == -1)
		return -1;
	if (r->nwords > x->max_words)
		x->max_words = r->nwords;
	x->nrules++;
	return 0;
}

/* Every rule of variable VAR's value V. */
static int parse_var(struct sb_exec *x, int var, const char *v, struct sb_error *err)
{
	struct parse ps = { x, var, 1 };

	if (!v)
		return 0;
	if (var == SB_V_EXEC_ALLOW)
		x->has_allow = 1;
	if (!*v)
		return 0; /* an empty list: ALLOW then lets nothing run */
	for (;; ps.item++) {
		if (parse_rule(&ps, &v, err) < 0)
			return -1;
		if (!*v)
			return 0;
		v++; /* the ':' */
	}
}

/* Word I (0: the program) of rule R. */
static const char *word(const struct sb_exec *x, const struct sb_exec_rule *r, unsigned int i)
{
	const char *w = x->arena + r->text;

	while (i--)
		w += strlen(w) + 1;
	return w;
}

/* Do the words of A and B disagree at some position both name? */
static int words_conflict(const struct sb_exec *x, const struct sb_exec_rule *a,
			  const struct sb_exec_rule *b)
{
	for (unsigned int i = 1; i <= a->nwords && i <= b->nwords; i++)
		if (strcmp(word(x, a, i), word(x, b, i)) != 0)
			return 1;
	return 0;
}

/* Does deny rule D refuse every exec allow rule A matches? Its program is
 * A's (the same text: a bare name also matches more ways under DENY) and its
 * words a prefix of A's. */
static int covers(const struct sb_exec *x, const struct sb_exec_rule *d,
		  const struct sb_exec_rule *a)
{
	return strcmp(word(x, d, 0), word(x, a, 0)) == 0 && d->nwords <= a->nwords &&
	       !words_conflict(x, d, a);
}

static int never_fail(const struct sb_exec *x, const struct sb_exec_rule *r, const char *what,
		      struct sb_error *err)
{
	struct parse ps = { (struct sb_exec *)x, r->deny ? SB_V_EXEC_DENY : SB_V_EXEC_ALLOW,
			    r->item };
	char text[256];

	sb_exec_rule_text(x, (unsigned int)(r - x->rules), text, sizeof(text), NULL);
	return exec_fail(err, &ps, SB_ERR_NEVER, what, text, strlen(text));
}

/* NOTE: programs may always overlap (a link named git to ls is both), so a
 * rule can never match only by its words: a DENY rule whose words conflict
 * with every ALLOW rule's refuses nothing ALLOW lets run; an ALLOW rule a
 * DENY rule covers lets nothing run. */
static int check_never(const struct sb_exec *x, struct sb_error *err)
{
	for (unsigned int i = 0; i < x->nrules; i++) {
		const struct sb_exec_rule *r = &x->rules[i];
		unsigned int j, overlap = !x->has_allow;

		for (j = 0; j < x->nrules; j++) {
			const struct sb_exec_rule *o = &x->rules[j];

			if (o->deny == r->deny)
				continue;
			if (!r->deny && covers(x, o, r))
				return never_fail(x, r,
						  "can never match: SANDBOX_EXEC_DENY refuses "
						  "all of it",
						  err);
			overlap |= r->deny && !words_conflict(x, r, o);
		}
		if (r->deny && !overlap)
			return never_fail(x, r,
					  "can never match: SANDBOX_EXEC_ALLOW lets none "
					  "of it run",
					  err);
	}
	return 0;
}

int sb_exec_parse(struct sb_load *ld, const char *const *v, struct sb_error *err)
{
	struct sb_exec *x = &ld->cfg->exec;

	memset(x, 0, offsetof(struct sb_exec, rules));
	if (!v[SB_V_EXEC_ALLOW] && !v[SB_V_EXEC_DENY])
		return SB_NO_POLICY;
	if (parse_var(x, SB_V_EXEC_ALLOW, v[SB_V_EXEC_ALLOW], err) < 0 ||
	    parse_var(x, SB_V_EXEC_DENY, v[SB_V_EXEC_DENY], err) < 0 || check_never(x, err) < 0)
		return -1;
	ld->cfg->layers |= SB_LAYER_EXEC;
	return 0;
}

int sb_exec_rule_text(const struct sb_exec *x, unsigned int i, char *buf, size_t size,
		      const char **var)
{
	const struct sb_exec_rule *r = &x->rules[i];
	size_t n = 0;

	if (i >= x->nrules)
		return -ERANGE;
	if (var)
		*var = r->deny ? SB_VAR_EXEC_DENY : SB_VAR_EXEC_ALLOW;
	for (unsigned int w = 0; w <= r->nwords; w++) {
		int k = snprintf(buf + n, n < size ? size - n : 0, "%s%s", w ? " " : "",
				 word(x, r, w));

		n += (size_t)k;
	}
	return (int)n;
}

int sb_exec_describe(const struct sb_exec *x, unsigned int i, char *buf, size_t size)
{
	char rule[512];

	if (sb_exec_rule_text(x, i, rule, sizeof(rule), NULL) < 0)
		return -ERANGE;
	return snprintf(buf, size, "adding '%s' to the process exec policy (%s)", rule,
			x->rules[i].deny ? "deny" : "allow");
}

/* ---- the verdict ---- */

/* NOTE: a loop, not strrchr(): libsandbox.so's own minilibc has none, and
 * a call to the C library's could bind to one the program exports. */
static const char *last_component(const char *path)
{
	const char *last = path;

	for (; *path; path++)
		if (*path == '/')
			last = path + 1;
	return last;
}

static int program_matches(const struct sb_exec *x, const uint64_t *ids, unsigned int i,
			   const struct sb_exec_subject *s)
{
	const struct sb_exec_rule *r = &x->rules[i];
	const char *prog = x->arena + r->text;

	/* NOTE: by identity only: the path the kernel prints for the file the
	 * tracee opens is one in the tracee's mount namespace, where any file may
	 * be bound on /usr/bin/ls */
	if (r->absolute)
		return ids && s->ino && ids[2 * i + 1] == s->ino && ids[2 * i] == s->dev;
	if (!r->deny) /* the file's own name: not a link's, not argv[0] */
		return strcmp(last_component(s->resolved), prog) == 0;
	return strcmp(last_component(s->path), prog) == 0 ||
	       strcmp(last_component(s->resolved), prog) == 0 ||
	       (s->argc && strcmp(s->words, prog) == 0);
}

static int rule_matches(const struct sb_exec *x, const uint64_t *ids, unsigned int i,
			const struct sb_exec_subject *s)
{
	const struct sb_exec_rule *r = &x->rules[i];
	const char *w = s->words, *want;

	if (s->argc < 1U + r->nwords || !program_matches(x, ids, i, s))
		return 0;
	want = x->arena + r->text;
	for (unsigned int k = 1; k <= r->nwords; k++) {
		want += strlen(want) + 1;
		w += strlen(w) + 1;
		if (strcmp(w, want) != 0)
			return 0;
	}
	return 1;
}

int sb_exec_judge(const struct sb_exec *x, const uint64_t *ids, const struct sb_exec_subject *s)
{
	int listed = !x->has_allow;

	for (unsigned int i = 0; i < x->nrules; i++) {
		if (!rule_matches(x, ids, i, s))
			continue;
		if (x->rules[i].deny)
			return (int)i;
		listed = 1;
	}
	return listed ? SB_EXEC_ALLOWED : SB_EXEC_UNLISTED;
}

/* ---- the seccomp rules the layer needs ---- */

/* The kernel's precedence: the lower signed value of the action wins. */
static uint32_t stricter(uint32_t a, uint32_t b)
{
	return (int32_t)(a & 0xffff0000U) <= (int32_t)(b & 0xffff0000U) ? a : b;
}

/* Syscall NAME answered with ACTION, or with the strictest unconditional
 * answer the policy already gives it, if stricter (a policy that refuses
 * execve still refuses it). A name ARCH lacks is skipped. */
static int exec_rule(struct sb_seccomp *p, unsigned int user, const char *name, uint32_t action,
		     struct sb_error *err)
{
	int nr = sb_syscall_nr(p->arch, name), bad;
	uint32_t given = p->default_action;

	if (nr < 0)
		return 0;
	for (unsigned int i = 0; i < user; i++)
		if (p->rules[i].nr == (uint32_t)nr && !p->rules[i].nconds)
			given = p->rules[i].action;
	if (sb_policy_add_rule(p, (uint32_t)nr, stricter(action, given), NULL, 0, &bad) < 0) {
		sb_error_reset(err);
		err->kind = SB_ERR_TOO_BIG;
		snprintf(err->var, sizeof(err->var), "%s", SB_VAR_EXEC_ALLOW);
		snprintf(err->what, sizeof(err->what), "the seccomp policy is full");
		return -1;
	}
	return 0;
}

int sb_exec_seccomp(struct sb_load *ld, const struct sb_arch *arch, struct sb_error *err)
{
	struct sb_config *cfg = ld->cfg;
	struct sb_seccomp *p = &cfg->seccomp;
	unsigned int user;

	/* NOTE: SECCOMP_LEARN is refused with any other variable (policy.c): both
	 * would need the one tracer */
	if (!(cfg->layers & SB_LAYER_SECCOMP)) {
		memset(p, 0, offsetof(struct sb_seccomp, rules));
		p->arch = arch;
		p->default_action = SB_ACT_ALLOW;
		p->abi_action = SB_ACT_KILL_PROCESS;
	}
	user = p->nrules;
	/* NOTE: the supervisor is the one tracer; a tracee may not trace (its
	 * children are the supervisor's already) nor write another's memory,
	 * which could rewrite an argv the supervisor has judged. */
	if (exec_rule(p, user, "execve", SB_ACT_TRACE, err) < 0 ||
	    exec_rule(p, user, "execveat", SB_ACT_TRACE, err) < 0 ||
	    exec_rule(p, user, "ptrace", SB_ACT_ERRNO | EPERM, err) < 0 ||
	    exec_rule(p, user, "process_vm_writev", SB_ACT_ERRNO | EPERM, err) < 0)
		return -1;
	cfg->layers |= SB_LAYER_SECCOMP;
	return 0;
}
