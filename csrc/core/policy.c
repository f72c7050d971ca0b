// SPDX-License-Identifier: MIT
/*
 * policy.c - SECCOMP_* text -> struct sb_seccomp.
 *
 * Pure: no getenv, no I/O. The caller hands in the environment array (and
 * the text of SECCOMP_POLICY_FILE, which it reads itself) and gets back
 * either a complete policy or one error record naming the bad input.
 *
 * An entry, in a list variable or on a policy-file line:
 *   TARGET [ "(" COND { "," COND } ")" ] [ "=" ACTION ]
 *   TARGET  syscall name | number | @group
 *   COND    argN OP VALUE | argN & VALUE == VALUE      (OP: == != < <= > >=)
 *   VALUE   number | -number | CONSTANT { "|" CONSTANT-or-number }
 *           (number: decimal, 0x hex or, as in C, 0-prefixed octal)
 */
#define _GNU_SOURCE /* strchrnul */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define ENTRY_MAX 255 /* longest entry */
#define LINE_MAX_LEN 1023 /* longest policy-file line */
#define NR_MAX 0xffff /* numeric entries: 0..65535 */

/* Where the text being parsed came from, for error records. */
struct src {
	const char *var; /* variable name or file path */
	int line; /* policy-file line, or 0 */
	int item; /* list item, or 0 */
};

/* Character classes (strspn() with long sets is slow on glibc; this runs
 * for every entry of every sandboxed program's start). */
static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static int is_name_char(char c)
{
	return is_alnum(c) || c == '@' || c == '-';
}

static int is_value_char(char c)
{
	return is_alnum(c) || c == '|' || c == '-';
}

/* NOTE: a table: this runs for every character of every listed name */
static const unsigned char syscall_chars[256] = {
	['a' ... 'z'] = 1,
	['0' ... '9'] = 1,
	['_'] = 1,
};

static int is_syscall_char(char c)
{
	return syscall_chars[(unsigned char)c];
}

static size_t span(const char *s, int (*ok)(char))
{
	size_t n = 0;

	while (s[n] && ok(s[n]))
		n++;
	return n;
}

/* S into BUF (SIZE bytes), cut to fit; the length copied. */
static size_t copy_cut(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	for (; s[n] && n < size - 1; n++)
		buf[n] = s[n];
	buf[n] = '\0';
	return n;
}

static int fail(struct sb_error *err, const struct src *src, int kind, const char *what,
		const char *token, size_t len)
{
	size_t n = copy_cut(sb_error_reset(err)->var, sizeof(err->var), src->var);

	if (src->line)
		snprintf(err->var + n, sizeof(err->var) - n, ":%d", src->line);
	snprintf(err->what, sizeof(err->what), "%s", what);
	if (len >= sizeof(err->token))
		len = sizeof(err->token) - 1;
	memcpy(err->token, token, len);
	err->token[len] = '\0';
	err->item = src->item;
	err->line = src->line;
	if (src->line) /* in a policy file: SRC->VAR is its path */
		copy_cut(err->path, sizeof(err->path), src->var);
	err->kind = kind;
	return -EINVAL; /* sb_config_load() returns the kind's errno */
}

static int fails(struct sb_error *err, const struct src *src, int kind, const char *what,
		 const char *token)
{
	return fail(err, src, kind, what, token, strlen(token));
}

/* Strict unsigned parse: decimal or 0x-hex (and, with OCTAL, 0-prefixed
 * octal as in C: 0777), whole string, no sign, <= max. */
static int parse_base(const char *s, int octal, uint64_t max, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (octal && s[0] == '0' && s[1]) {
		base = 8;
		s++;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9' && *s - '0' < (int)base)
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (max - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Syscall numbers and errnos: decimal or 0x-hex. */
int sb_policy_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	return parse_base(s, 0, max, out);
}

/* An errno for an action: 1..SB_ERRNO_MAX (0 would report success). */
static int parse_errno(const char *s, uint32_t *out)
{
	return sb_errno_parse(s, out) < 0 || *out == 0 ? -EINVAL : 0;
}

int sb_action_parse(const char *text, uint32_t *action)
{
	static const struct {
		char word[16];
		uint32_t action;
	} words[] = {
		{ "kill", SB_ACT_KILL_PROCESS },
		{ "kill_process", SB_ACT_KILL_PROCESS },
		{ "kill_thread", SB_ACT_KILL_THREAD },
		{ "trap", SB_ACT_TRAP },
		{ "log", SB_ACT_LOG },
		{ "allow", SB_ACT_ALLOW },
		{ "errno", SB_ACT_ERRNO | EPERM },
	};
	char arg[32];
	size_t n = strlen(text);
	uint32_t e;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(text, words[i].word) == 0) {
			*action = words[i].action;
			return 0;
		}
	}
	if (strncmp(text, "errno:", 6) == 0 && n - 6 < sizeof(arg)) {
		memcpy(arg, text + 6, n - 5);
	} else if (strncmp(text, "errno(", 6) == 0 && text[n - 1] == ')' && n - 7 < sizeof(arg)) {
		memcpy(arg, text + 6, n - 7);
		arg[n - 7] = '\0';
	} else if (text[0] == 'E' && n < sizeof(arg)) {
		memcpy(arg, text, n + 1); /* a bare errno name: EPERM */
	} else {
		return -ENOENT;
	}
	if (parse_errno(arg, &e) < 0)
		return -ENOENT;
	*action = SB_ACT_ERRNO | e;
	return 0;
}

/* VALUE: a number, a negative number (a 32-bit int), or constants and
 * numbers joined by '|'. *negative tells the int case apart. */
static int parse_value(const char *s, uint64_t *out, int *negative)
{
	char term[64];
	uint64_t v = 0;

	*negative = 0;
	if (s[0] == '-') {
		if (parse_base(s + 1, 1, 0x80000000ULL, &v) < 0 || v == 0)
			return -EINVAL;
		*out = (uint64_t)-(int64_t)v;
		*negative = 1;
		return 0;
	}
	*out = 0;
	for (const char *t = s;; t++) {
		const char *end = strchrnul(t, '|');
		size_t n = (size_t)(end - t);
		int64_t c;

		if (n == 0 || n >= sizeof(term))
			return -EINVAL;
		memcpy(term, t, n);
		term[n] = '\0';
		if (sb_const_lookup(term, &c) == 0) {
			v = (uint64_t)c;
			if (c < 0 && t == s && *end == '\0')
				*negative = 1; /* AT_FDCWD alone */
			else if (c < 0)
				return -EINVAL;
		} else if (parse_base(term, 1, UINT64_MAX, &v) < 0) {
			return -EINVAL;
		}
		*out |= v;
		if (*end == '\0')
			return 0;
		t = end;
	}
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Copy the next VALUE word at *s into BUF; advance *s past it. */
static int next_word(const char **s, char *buf, size_t size)
{
	size_t n = span(*s, is_value_char);

	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(buf, *s, n);
	buf[n] = '\0';
	*s = skip_ws(*s + n);
	return 0;
}

static int parse_op(const char **s, uint8_t *op)
{
	static const struct {
		char text[3];
		uint8_t op;
	} ops[] = {
		{ "==", SB_CMP_EQ }, { "!=", SB_CMP_NE }, { "<=", SB_CMP_LE },
		{ ">=", SB_CMP_GE }, { "<", SB_CMP_LT },  { ">", SB_CMP_GT },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (strncmp(*s, ops[i].text, n) == 0) {
			*op = ops[i].op;
			*s = skip_ws(*s + n);
			return 0;
		}
	}
	return -EINVAL;
}

/* One condition, TEXT NUL-terminated. */
static int parse_cond(const struct src *src, const char *text, struct sb_cond *c,
		      struct sb_error *err)
{
	char word[64];
	const char *s = skip_ws(text);
	int neg_value, neg_mask = 0;

	memset(c, 0, sizeof(*c));
	c->width = 64;
	if (strncmp(s, "arg", 3) != 0 || s[3] < '0' || s[3] > '5')
		return fails(err, src, SB_ERR_SYNTAX, "invalid condition", text);
	c->arg = (uint8_t)(s[3] - '0');
	s = skip_ws(s + 4);
	if (*s == '&') {
		s = skip_ws(s + 1);
		if (next_word(&s, word, sizeof(word)) < 0 ||
		    parse_value(word, &c->mask, &neg_mask) < 0)
			return fails(err, src, SB_ERR_SYNTAX, "invalid mask in condition", text);
	}
	if (parse_op(&s, &c->op) < 0 || next_word(&s, word, sizeof(word)) < 0 || *s)
		return fails(err, src, SB_ERR_SYNTAX, "invalid condition", text);
	if (parse_value(word, &c->value, &neg_value) < 0)
		return fails(err, src, SB_ERR_SYNTAX, "invalid value in condition", text);
	if (*text && strchr(text, '&')) {
		if (c->op != SB_CMP_EQ)
			return fails(err, src, SB_ERR_SYNTAX, "a masked condition needs ==", text);
		c->op = SB_CMP_MASKED_EQ;
	}
	if (neg_value || neg_mask) {
		/* NOTE: a C int reaches seccomp sign- or zero-extended depending
		 * on the C library; the kernel reads its low 32 bits. So do we. */
		if (c->op != SB_CMP_EQ && c->op != SB_CMP_NE && c->op != SB_CMP_MASKED_EQ)
			return fails(err, src, SB_ERR_RANGE,
				     "ordering comparison with a negative value", text);
		c->width = 32;
		c->value &= 0xffffffffU;
		c->mask &= 0xffffffffU;
	}
	return 0;
}

/* "cond, cond, ..." (NUL-terminated, modified) into CONDS. */
static int parse_conds(const struct src *src, char *text, struct sb_cond *conds,
		       struct sb_error *err)
{
	int n = 0;

	for (char *s = text;; s++) {
		char *end = strchrnul(s, ',');
		int last = *end == '\0';

		*end = '\0';
		if (n == SB_RULE_CONDS_MAX)
			return fails(err, src, SB_ERR_TOO_BIG, "too many conditions at", s);
		if (parse_cond(src, s, &conds[n++], err) < 0)
			return -EINVAL;
		if (last)
			return n;
		s = end;
	}
}

/* The largest value a WIDTH-bit argument holds. */
static uint64_t width_max(unsigned int width)
{
	return width >= 64 ? UINT64_MAX : (1ULL << width) - 1;
}

/* The next rule, over the NCONDS conditions already at p->conds[p->nconds];
 * the caller has checked that both fit. */
static void append_rule(struct sb_seccomp *p, uint32_t nr, uint32_t action, int nconds)
{
	p->rules[p->nrules++] =
		(struct sb_rule){ nr, action, (uint16_t)p->nconds, (uint16_t)nconds };
	p->nconds += nconds;
}

int sb_policy_add_rule(struct sb_seccomp *p, uint32_t nr, uint32_t action,
		       const struct sb_cond *conds, int nconds, int *bad)
{
	struct sb_cond *c = &p->conds[p->nconds];

	if (p->nrules >= SB_RULES_MAX || p->nconds + nconds > SB_CONDS_MAX)
		return -E2BIG;
	if (nconds)
		memcpy(c, conds, nconds * sizeof(*conds));
	for (int i = 0; i < nconds; i++) {
		/* NOTE: the kernel truncates a parameter to its C type, so
		 * socket(0x100000002, ...) is socket(AF_INET, ...) and
		 * fchmodat(fd, path, 0x101ff) is fchmodat(fd, path, 0777)
		 * (umode_t is 16 bits): a wider comparison would let them past
		 * a deny rule. Compare what the kernel reads. */
		unsigned int width = sb_syscall_arg_width(p->arch, nr, c[i].arg);

		if (width >= c[i].width)
			continue;
		if (c[i].value > width_max(width)) {
			*bad = i;
			return -ERANGE;
		}
		c[i].width = (uint8_t)width;
		c[i].mask &= width_max(width);
	}
	append_rule(p, nr, action, nconds);
	return 0;
}

/* Do conditions I and J compare the same argument the same way? */
static int same_arg(const struct sb_cond *c, int i, int j)
{
	return c[i].arg == c[j].arg && c[i].width == c[j].width;
}

/* Shrink [*lo, *hi], the values of C's argument that may hold, by C. */
static void clip(const struct sb_cond *c, uint64_t *lo, uint64_t *hi)
{
	uint64_t v = c->value;

	if ((c->op == SB_CMP_EQ || c->op == SB_CMP_GE) && v > *lo)
		*lo = v;
	if ((c->op == SB_CMP_EQ || c->op == SB_CMP_LE) && v < *hi)
		*hi = v;
	if (c->op == SB_CMP_GT && v >= *lo)
		*lo = v + 1; /* v is below the largest value: checked first */
	if (c->op == SB_CMP_LT && v <= *hi)
		*hi = v - 1; /* v is above 0: checked first */
}

/*
 * Why the conditions C (N, narrowed to their arguments' widths) can never all
 * hold, or NULL; *BAD the first condition at fault. A rule with them would
 * silently never apply: unshare(arg0 & CLONE_NEWUSER == 1) denies nothing.
 */
static const char *never_matches(const struct sb_cond *c, int n, int *bad)
{
	for (int i = 0; i < n; i++) {
		uint64_t lo = 0, hi = width_max(c[i].width);

		*bad = i;
		if (c[i].op == SB_CMP_MASKED_EQ && (c[i].value & ~c[i].mask))
			return "value bits outside the mask";
		if (c[i].op == SB_CMP_LT && c[i].value == 0)
			return "nothing is below 0";
		if (c[i].op == SB_CMP_GT && c[i].value >= hi)
			return "nothing is above the argument's largest value";
		for (int j = 0; j <= i; j++)
			if (same_arg(c, i, j))
				clip(&c[j], &lo, &hi);
		if (lo > hi)
			return "contradicts another condition";
		for (int j = 0; j < i; j++) {
			if (!same_arg(c, i, j) || c[i].op != SB_CMP_MASKED_EQ ||
			    c[j].op != SB_CMP_MASKED_EQ)
				continue;
			if ((c[i].value ^ c[j].value) & c[i].mask & c[j].mask)
				return "contradicts another condition";
		}
		for (int j = 0; lo == hi && j < n; j++) { /* one value left: does it pass? */
			if (!same_arg(c, i, j))
				continue;
			if ((c[j].op == SB_CMP_NE && c[j].value == lo) ||
			    (c[j].op == SB_CMP_MASKED_EQ && (lo & c[j].mask) != c[j].value))
				return "contradicts another condition";
		}
	}
	return NULL;
}

/* A rule for NR; ENTRY (the whole entry) and TARGET name it in errors. */
static int add_rule(struct sb_seccomp *p, const struct src *src, uint32_t nr, uint32_t action,
		    const struct sb_cond *conds, int nconds, const char *target, const char *entry,
		    struct sb_error *err)
{
	char what[sizeof(err->what)];
	int bad, r = sb_policy_add_rule(p, nr, action, conds, nconds, &bad);
	const char *why;

	if (r == 0 && nconds &&
	    (why = never_matches(&p->conds[p->rules[p->nrules - 1].cond], nconds, &bad))) {
		snprintf(what, sizeof(what), "condition on arg%d never holds (%s) in",
			 conds[bad].arg, why);
		return fails(err, src, SB_ERR_NEVER, what, entry);
	}
	if (r == -ERANGE) {
		snprintf(what, sizeof(what), "value too wide for %u-bit arg%d of",
			 sb_syscall_arg_width(p->arch, nr, conds[bad].arg), conds[bad].arg);
		return fails(err, src, SB_ERR_RANGE, what, target);
	}
	if (r < 0)
		return fails(err, src, SB_ERR_TOO_BIG, "too many rules at", target);
	return 0;
}

static int add_group(struct sb_seccomp *p, const struct src *src, const char *name, uint32_t action,
		     int nconds, struct sb_error *err)
{
	uint32_t nrs[SB_NR_SPACE];
	int n = sb_group_members(p->arch, name, nrs, sizeof(nrs) / sizeof(nrs[0]));

	if (n < 0)
		return fails(err, src, SB_ERR_UNKNOWN, "unknown group", name);
	if (nconds)
		return fails(err, src, SB_ERR_SYNTAX, "argument conditions on a group", name);
	for (int i = 0; i < n; i++)
		if (add_rule(p, src, nrs[i], action, NULL, 0, name, name, err) < 0)
			return -EINVAL;
	return 0;
}

/* TARGET resolved to rules: a group, a number or a syscall name. ENTRY:
 * the whole entry, for errors. */
static int add_target(struct sb_seccomp *p, const struct src *src, const char *target,
		      uint32_t action, const struct sb_cond *conds, int nconds, const char *entry,
		      struct sb_error *err)
{
	uint64_t nr;
	int r;

	if (target[0] == '@')
		return add_group(p, src, target, action, nconds, err);
	if (target[0] >= '0' && target[0] <= '9') {
		r = sb_policy_parse_uint(target, NR_MAX, &nr);
		if (r == -ERANGE)
			return fails(err, src, SB_ERR_RANGE, "syscall number out of range", target);
		if (r < 0)
			return fails(err, src, SB_ERR_SYNTAX, "invalid syscall number", target);
	} else {
		if (target[span(target, is_syscall_char)] != '\0')
			return fails(err, src, SB_ERR_SYNTAX, "invalid syscall name", target);
		r = sb_syscall_nr(p->arch, target);
		if (r < 0 && sb_syscall_known(target))
			return 0; /* exists on other arches: cannot be called here */
		if (r < 0)
			return fails(err, src, SB_ERR_UNKNOWN, "unknown syscall", target);
		nr = (uint64_t)r;
	}
	return add_rule(p, src, (uint32_t)nr, action, conds, nconds, target, entry, err);
}

/* On top of a profile, deny entries may only take away. */
static int allows(uint32_t action)
{
	return action == SB_ACT_ALLOW || action == SB_ACT_LOG;
}

#define NOT_BARE 1 /* parse_bare_name: TEXT is more than a known syscall's name */

/* Most entries are a bare syscall name: one pass checks and hashes it.
 * NOT_BARE if TEXT is something else, else as parse_entry. */
static int parse_bare_name(struct sb_seccomp *p, const struct src *src, char *text, uint32_t action,
			   struct sb_error *err)
{
	uint32_t h = SB_HASH_INIT;
	size_t n = 0;
	int nr;

	for (; is_syscall_char(text[n]); n++)
		h = sb_hash_step(h, text[n]);
	if (text[n] != '\0' || n == 0 || (text[0] >= '0' && text[0] <= '9'))
		return NOT_BARE;
	nr = sb_syscall_nr_hashed(p->arch, text, n, h);
	if (nr >= 0)
		return add_rule(p, src, (uint32_t)nr, action, NULL, 0, text, text, err);
	if (nr == -ENOENT && sb_syscall_known(text))
		return 0; /* exists on other arches: cannot be called here */
	if (nr == -ENOENT)
		return fails(err, src, SB_ERR_UNKNOWN, "unknown syscall", text);
	return NOT_BARE;
}

/* The "(conditions)" at *REST, if any, into CONDS: their count, *REST moved
 * past them; or a negative errno. WHOLE is the entry, for errors. */
static int parse_entry_conds(const struct src *src, char **rest, const char *whole,
			     struct sb_cond *conds, struct sb_error *err)
{
	char *close;
	int nconds;

	if (**rest != '(')
		return 0;
	close = strchr(*rest, ')');
	if (!close)
		return fails(err, src, SB_ERR_SYNTAX, "missing ')' in", whole);
	*close = '\0';
	nconds = parse_conds(src, *rest + 1, conds, err);
	if (nconds < 0)
		return -EINVAL;
	*rest = (char *)skip_ws(close + 1);
	return nconds;
}

/* The "=action" at *REST into *ACTION, *REST moved past it: 0 or a negative
 * errno. DENY: the entry is a denylist's, where a profile allows nothing more. */
static int parse_entry_action(const struct sb_load *ld, const struct src *src, char **rest,
			      const char *whole, int deny, uint32_t *action, struct sb_error *err)
{
	char *word = (char *)skip_ws(*rest + 1);
	char *end = word + strcspn(word, " \t");

	*rest = (char *)skip_ws(end); /* what follows the action */
	*end = '\0';
	if (sb_action_parse(word, action) < 0)
		return fails(err, src, SB_ERR_UNKNOWN, "unknown action", word);
	if (deny && (ld->cfg->inputs & SB_INPUT_PROFILE) && allows(*action))
		return fails(err, src, SB_ERR_CONFLICT, "cannot allow on top of " SB_VAR_PROFILE,
			     whole);
	return 0;
}

/* One entry (NUL-terminated, modified). ACTION: the list's own action.
 * Blanks may stand around "(", ")" and "=". */
static int parse_entry(struct sb_load *ld, const struct src *src, char *text, uint32_t action,
		       struct sb_error *err)
{
	const int deny = action == SB_ACT_DEFAULT;
	struct sb_cond conds[SB_RULE_CONDS_MAX];
	char whole[ENTRY_MAX + 1];
	char *name_end, *rest;
	size_t len;
	int nconds, r;

	if ((r = parse_bare_name(ld->p, src, text, action, err)) != NOT_BARE)
		return r;
	name_end = text + span(text, is_name_char);
	if (*name_end == '\0' && name_end != text)
		return add_target(ld->p, src, text, action, NULL, 0, text, err);
	rest = (char *)skip_ws(name_end);
	len = strlen(text);
	memcpy(whole, text, len < sizeof(whole) ? len + 1 : sizeof(whole)); /* for errors */
	whole[sizeof(whole) - 1] = '\0';
	if ((nconds = parse_entry_conds(src, &rest, whole, conds, err)) < 0)
		return nconds;
	if (*rest == '=' && (r = parse_entry_action(ld, src, &rest, whole, deny, &action, err)) < 0)
		return r;
	if (*rest || name_end == text)
		return fails(err, src, SB_ERR_SYNTAX, "invalid entry", whole);
	*name_end = '\0';
	return add_target(ld->p, src, text, action, conds, nconds, whole, err);
}

/* A list item that is a bare syscall name of this arch - most are - becomes
 * its rule here, in place: S (LEN characters, hash H, no digit first).
 * 0 if done; 1 if it needs parse_entry() (which also words every error). */
static int add_bare_name(struct sb_seccomp *p, const char *s, size_t len, uint32_t h,
			 uint32_t action)
{
	int nr;

	if (len == 0 || len > ENTRY_MAX || (s[0] >= '0' && s[0] <= '9'))
		return 1;
	nr = sb_syscall_nr_hashed(p->arch, s, len, h);
	if (nr < 0 || p->nrules >= SB_RULES_MAX)
		return 1;
	append_rule(p, (uint32_t)nr, action, 0);
	return 0;
}

static int parse_list(struct sb_load *ld, const char *var, const char *list, uint32_t action,
		      struct sb_error *err)
{
	/* NOTE: in a local, not read through LD per item: append_rule's stores
	 * may alias *LD, so the compiler reloads and spills it each time
	 * (~3 instructions an item, a full allowlist's ~400 items) */
	struct sb_seccomp *p = ld->p;
	char item[ENTRY_MAX + 1];
	struct src src = { var, 0, 0 };

	for (const char *s = list;; s++) {
		uint32_t h = SB_HASH_INIT;
		size_t len = 0;

		src.item++;
		/* NOTE: one pass over the item checks and hashes a bare name */
		for (; is_syscall_char(s[len]); len++)
			h = sb_hash_step(h, s[len]);
		if ((s[len] != ':' && s[len] != '\0') || add_bare_name(p, s, len, h, action)) {
			len += (size_t)(strchrnul(s + len, ':') - (s + len));
			if (len >= sizeof(item))
				return fail(err, &src, SB_ERR_TOO_BIG, "entry too long", s, len);
			if (len > 0) {
				memcpy(item, s, len);
				item[len] = '\0';
				if (parse_entry(ld, &src, item, action, err) < 0)
					return -EINVAL;
			}
		}
		s += len;
		if (*s == '\0')
			return 0;
	}
}

int sb_policy_add_entries(struct sb_load *ld, const char *var, const char *list,
			  struct sb_error *err)
{
	return parse_list(ld, var, list, SB_ACT_ALLOW, err);
}

static int set_deny_action(struct sb_load *ld, const struct src *src, const char *text,
			   struct sb_error *err)
{
	if (ld->has_deny_action)
		return fails(err, src, SB_ERR_CONFLICT, "default action set twice", text);
	if (sb_action_parse(text, &ld->deny_action) < 0)
		return fails(err, src, SB_ERR_UNKNOWN, "unknown action", text);
	ld->has_deny_action = 1;
	return 0;
}

/* One policy-file line, comments and surrounding blanks removed. */
static int parse_line(struct sb_load *ld, const struct src *src, char *line, struct sb_error *err)
{
	char *arg = line + strcspn(line, " \t");
	int r;

	if (*arg)
		*arg++ = '\0';
	arg = (char *)skip_ws(arg);
	if ((ld->cfg->inputs & SB_INPUT_PROFILE) &&
	    (strcmp(line, "default") == 0 || strcmp(line, "allow") == 0)) {
		char what[sizeof(err->what)];

		snprintf(what, sizeof(what), "'%.8s' lines cannot be combined with " SB_VAR_PROFILE,
			 line);
		return fails(err, src, SB_ERR_CONFLICT, what, "");
	}
	if (strcmp(line, "default") == 0)
		return set_deny_action(ld, src, arg, err);
	if (strcmp(line, "allow") == 0) {
		ld->has_allow = 1;
		return parse_entry(ld, src, arg, SB_ACT_ALLOW, err);
	}
	if (strcmp(line, "deny") == 0) {
		ld->has_deny = 1;
		return parse_entry(ld, src, arg, SB_ACT_DEFAULT, err);
	}
	r = sb_landlock_line(ld, src->var, src->line, line, arg, err);
	if (r != SB_NO_POLICY) {
		ld->landlock_lines = 1;
		return r;
	}
	return fails(err, src, SB_ERR_SYNTAX,
		     "expected allow, deny, default or a Landlock keyword, not", line);
}

int sb_policy_add_file(struct sb_load *ld, const char *path, const char *text, size_t len,
		       struct sb_error *err)
{
	struct src src = { path, 0, 0 };
	char line[LINE_MAX_LEN + 1];

	for (size_t pos = 0; pos < len;) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		pos += n + 1;
		src.line++;
		if (n >= sizeof(line))
			return fail(err, &src, SB_ERR_TOO_BIG, "line too long", start, 32);
		memcpy(line, start, n);
		line[n] = '\0';
		if (memchr(line, '\0', n))
			return fail(err, &src, SB_ERR_SYNTAX, "NUL byte in", "line", 4);
		n = strcspn(line, "#"); /* then the blanks before the comment go too */
		line[n] = '\0';
		while (n > 0 && strchr(" \t\r", line[n - 1]))
			line[--n] = '\0';
		if (*skip_ws(line) && parse_line(ld, &src, (char *)skip_ws(line), err) < 0)
			return -EINVAL;
	}
	return 0;
}

int sb_verbose_parse(const char *v, int *verbose, struct sb_error *err)
{
	struct src src = { SB_VAR_VERBOSE, 0, 0 };

	*verbose = v && strcmp(v, "1") == 0;
	if (!v || !*v || strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
		return 0;
	return fails(err, &src, SB_ERR_SYNTAX, "expected 0 or 1, not", v);
}

/* SECCOMP_LEARN=PID (set by `pysandbox learn`, PID its own): trace every
 * syscall, alone; libsandbox.so checks that PID is the tracer. */
static int parse_learn(struct sb_seccomp *p, const char *const *v, struct sb_error *err)
{
	struct src src = { SB_VAR_LEARN, 0, 0 };
	long pid = 0;

	for (const char *c = v[SB_V_LEARN]; *c >= '0' && *c <= '9' && pid < (1L << 22); c++)
		pid = pid * 10 + (*c - '0');
	if (!*v[SB_V_LEARN] || v[SB_V_LEARN][0] == '0' || pid >= (1L << 22) ||
	    v[SB_V_LEARN][strspn(v[SB_V_LEARN], "0123456789")])
		return fails(err, &src, SB_ERR_SYNTAX, "expected the tracer's pid, not",
			     v[SB_V_LEARN]);
	for (int i = 0; i < SB_V_COUNT; i++)
		if (v[i] && i != SB_V_VERBOSE &&
		    i != SB_V_LEARN) /* SECCOMP_VERBOSE goes with anything */
			return fails(err, &src, SB_ERR_CONFLICT, "cannot be combined with",
				     sb_env_name(i));
	p->learn = (int)pid;
	return 0;
}

/* A profile is the base: it says what is allowed and the default action;
 * the deny list and a policy file's deny lines may only add to it. */
static int check_profile_combination(const char *const *v, struct sb_error *err)
{
	if (v[SB_V_PROFILE] && !*v[SB_V_PROFILE])
		return fails(err, &(struct src){ SB_VAR_PROFILE, 0, 0 }, SB_ERR_SYNTAX, "is empty",
			     "");
	if (v[SB_V_PROFILE] && v[SB_V_ALLOW])
		return fails(err, &(struct src){ SB_VAR_ALLOW, 0, 0 }, SB_ERR_CONFLICT,
			     "cannot be combined with " SB_VAR_PROFILE
			     " (the profile says what is allowed)",
			     "");
	if (v[SB_V_PROFILE] && v[SB_V_ACTION])
		return fails(err, &(struct src){ SB_VAR_ACTION, 0, 0 }, SB_ERR_CONFLICT,
			     "cannot be combined with " SB_VAR_PROFILE
			     " (the profile's defaultAction applies)",
			     "");
	return 0;
}

/* *VALUE into the configuration's own BUF (SB_PATH_MAX bytes). A longer
 * path is none the kernel would open: the read fails as it would. */
static void keep_path(char *buf, const char *value)
{
	size_t n = strlen(value);

	if (n >= SB_PATH_MAX)
		n = SB_PATH_MAX - 1; /* PATH_MAX bytes: refused as too long (config.c) */
	memcpy(buf, value, n);
	buf[n] = '\0';
}

int sb_seccomp_parse(struct sb_load *ld, const struct sb_arch *arch, const char *const *v,
		     struct sb_error *err)
{
	struct sb_config *cfg = ld->cfg;
	struct src action_src = { SB_VAR_ACTION, 0, 0 };

	/* The rule arrays are filled as used: clearing 50 KiB would cost every
	 * sandboxed program a dozen page faults. */
	memset(ld->p, 0, offsetof(struct sb_seccomp, rules));
	ld->p->arch = arch;
	if (sb_verbose_parse(v[SB_V_VERBOSE], &cfg->verbose, err) < 0)
		return -EINVAL;
	if (v[SB_V_LEARN])
		return parse_learn(ld->p, v, err);
	if (check_profile_combination(v, err) < 0)
		return -EINVAL;
	if (v[SB_V_ACTION] && set_deny_action(ld, &action_src, v[SB_V_ACTION], err) < 0)
		return -EINVAL;
	if (v[SB_V_FILE] && !*v[SB_V_FILE])
		return fails(err, &(struct src){ SB_VAR_FILE, 0, 0 }, SB_ERR_SYNTAX, "is empty",
			     "");
	/* NOTE: the paths are written only when set: each lies on a page of
	 * its own, which nothing else touches (a page fault less each). */
	if (v[SB_V_FILE]) {
		keep_path(cfg->policy_file, v[SB_V_FILE]);
		cfg->inputs |= SB_INPUT_POLICY_FILE;
	}
	if (v[SB_V_PROFILE]) {
		keep_path(cfg->profile, v[SB_V_PROFILE]);
		cfg->inputs |= SB_INPUT_PROFILE;
	}
	ld->has_allow = v[SB_V_ALLOW] != NULL;
	ld->has_deny = v[SB_V_DENY] != NULL;
	if (v[SB_V_ALLOW] && parse_list(ld, SB_VAR_ALLOW, v[SB_V_ALLOW], SB_ACT_ALLOW, err) < 0)
		return -EINVAL;
	if (v[SB_V_DENY] && parse_list(ld, SB_VAR_DENY, v[SB_V_DENY], SB_ACT_DEFAULT, err) < 0)
		return -EINVAL;
	return 0;
}

/* The profile's default action for whatever no rule decides; deny entries
 * without their own action are killed, as without SECCOMP_DEFAULT_ACTION. */
int sb_policy_finish(struct sb_load *ld, struct sb_error *err)
{
	const struct sb_config *cfg = ld->cfg;
	struct sb_seccomp *p = ld->p;

	p->abi_action = SB_ACT_KILL_PROCESS;
	if (p->learn) { /* every call of every ABI to the tracer */
		p->default_action = p->abi_action = SB_ACT_TRACE;
		return 0;
	}
	ld->deny_action = ld->has_deny_action ? ld->deny_action : SB_ACT_KILL_PROCESS;
	if (cfg->inputs & SB_INPUT_PROFILE) {
		if (!ld->profile_read)
			return fails(err, &(struct src){ SB_VAR_PROFILE, 0, 0 }, SB_ERR_SYNTAX,
				     "was not read", "");
		p->default_action = ld->profile_default;
	} else if (!ld->has_allow && !ld->has_deny) {
		if ((cfg->inputs & SB_INPUT_POLICY_FILE) && ld->landlock_lines &&
		    !ld->has_deny_action)
			return SB_NO_POLICY; /* the file is all Landlock: no seccomp layer */
		if (cfg->inputs & SB_INPUT_POLICY_FILE)
			return fails(err, &(struct src){ cfg->policy_file, 0, 0 }, SB_ERR_SYNTAX,
				     "has no allow or deny entry", "");
		return fails(err, &(struct src){ SB_VAR_ACTION, 0, 0 }, SB_ERR_SYNTAX,
			     "is set without " SB_VAR_ALLOW " or " SB_VAR_DENY, "");
	} else {
		/* Everything the policy does not allow gets the default action. */
		p->default_action = ld->has_allow ? ld->deny_action : SB_ACT_ALLOW;
	}
	for (unsigned int i = 0; i < p->nrules; i++)
		if (p->rules[i].action == SB_ACT_DEFAULT)
			p->rules[i].action = ld->deny_action;
	return 0;
}

int sb_rule_describe(const struct sb_seccomp *p, unsigned int i, char *buf, size_t size)
{
	const struct sb_rule *r = &p->rules[i];
	const char *name = sb_syscall_name(p->arch, r->nr);
	char num[24];

	snprintf(num, sizeof(num), "syscall %u", r->nr);
	if (r->nconds)
		return snprintf(buf, size,
				"adding %s to the process seccomp filter "
				"(%u argument conditions)",
				name ? name : num, r->nconds);
	return snprintf(buf, size, "adding %s to the process seccomp filter", name ? name : num);
}
