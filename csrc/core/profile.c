// SPDX-License-Identifier: MIT
/*
 * profile.c - a Docker/OCI seccomp profile (JSON) -> rules of struct sb_seccomp.
 *
 * Pure: the caller reads the file and probes the host (struct sb_host); the
 * text is parsed by json.c into the caller's tape, then walked here. The
 * semantics are the ones a container gets from its runtime: includes and
 * excludes as moby (and Podman's containers/common) decide them, actions,
 * errnoRet and args as runc hands them to libseccomp, and several rules for
 * one syscall as libseccomp resolves them. README "Docker/OCI profiles" lists
 * every field and the deliberate differences.
 *
 * Every syscalls[] entry is checked, whether or not it applies to this host,
 * so a profile that loads on one machine loads on all. Members the format
 * does not define are ignored, as Go's JSON decoding in Docker and Podman
 * ignores them; members it defines must have the right type.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define TRACE_MAX 0xffff /* SECCOMP_RET_DATA */
#define ARGS_MAX 16 /* conditions in one syscalls[] entry (repeats split) */
#define DEPTH 3 /* location levels: syscalls[3].args[1].op */

struct walk {
	struct sb_seccomp *p;
	struct sb_load_stats *stats;
	const char *file, *text;
	const struct sb_json *tape;
	const struct sb_host *host;
	struct sb_error *err;
	uint32_t deflt; /* the profile's default action */
	const char *key[DEPTH]; /* where we are: a member name per level ... */
	int idx[DEPTH]; /* ... and an index in it, or -1 */
	int depth;
};

/* A member of an object the format defines; AT: tape index of its value, 0
 * if absent. */
struct member {
	const char *name;
	unsigned int at;
};

/* The members of each object, by name: index of the object's struct member
 * array. An entry and the top level both start with an action and its data
 * (M_*), which action() reads from there. */
enum { M_ACTION, M_ERRNO_RET, M_ERRNO };
enum { E_NAMES = M_ERRNO + 1, E_NAME, E_ARGS, E_INCLUDES, E_EXCLUDES, E_COUNT };
enum {
	T_ARCHITECTURES = M_ERRNO + 1,
	T_ARCH_MAP,
	T_FLAGS,
	T_LISTENER_PATH,
	T_LISTENER_METADATA,
	T_SYSCALLS,
	T_COUNT
};
enum { ARG_INDEX, ARG_VALUE, ARG_VALUE_TWO, ARG_OP, ARG_COUNT };
enum { F_CAPS, F_ARCHES, F_MIN_KERNEL, F_COUNT };
enum { AM_ARCHITECTURE, AM_SUB_ARCHITECTURES, AM_COUNT };

static void here(struct walk *w, int level, const char *key, int idx)
{
	w->key[level] = key;
	w->idx[level] = idx;
	w->depth = level + 1;
}

/* The value's text for an error message: a string's contents, else the
 * JSON itself, on one line and cut short. */
static void token(const struct walk *w, const struct sb_json *v, char *buf, size_t size)
{
	size_t start = v->start, len = v->end - v->start, n = 0;

	if (v->type == SB_JSON_STRING) {
		start++;
		len -= 2;
	}
	for (; n < len && n < size - 1; n++) {
		char c = w->text[start + n];

		buf[n] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c;
	}
	if (n < len && size > 4) {
		memcpy(buf + size - 4, "...", 3);
		n = size - 1;
	}
	buf[n] = '\0';
}

/* The structured location of an error: the profile's path and WHERE in it. */
static void locate(const struct walk *w, const char *where)
{
	size_t n = strlen(w->file);

	if (n >= sizeof(w->err->path))
		n = sizeof(w->err->path) - 1;
	memcpy(w->err->path, w->file, n);
	w->err->path[n] = '\0';
	snprintf(w->err->where, sizeof(w->err->where), "%s", where);
}

/* One error line: "SECCOMP_PROFILE: FILE: LOCATION: WHAT 'VALUE'". */
__attribute__((format(printf, 4, 5))) static int bad(struct walk *w, const struct sb_json *v,
						     int kind, const char *what, ...)
{
	struct sb_error *err = sb_error_reset(w->err);
	size_t n = (size_t)snprintf(err->var, sizeof(err->var), "SECCOMP_PROFILE: %s", w->file);
	size_t at = n + 2; /* where the JSON location starts, after ": " */
	va_list ap;

	for (int i = 0; i < w->depth && n < sizeof(err->var); i++) {
		n += (size_t)snprintf(err->var + n, sizeof(err->var) - n, "%s%s", i ? "." : ": ",
				      w->key[i]);
		if (w->idx[i] >= 0 && n < sizeof(err->var))
			n += (size_t)snprintf(err->var + n, sizeof(err->var) - n, "[%d]",
					      w->idx[i]);
	}
	locate(w, at < n && at < sizeof(err->var) ? err->var + at : "");
	va_start(ap, what);
	vsnprintf(err->what, sizeof(err->what), what, ap);
	va_end(ap);
	err->token[0] = '\0';
	if (v)
		token(w, v, err->token, sizeof(err->token));
	err->item = 0;
	err->kind = kind;
	return -EINVAL; /* sb_config_load() returns the kind's errno */
}

static const struct sb_json *val(const struct walk *w, unsigned int at)
{
	return &w->tape[at];
}

/* Present and not null (Go reads null as absent). */
static int present(const struct walk *w, const struct member *m)
{
	return m->at && val(w, m->at)->type != SB_JSON_NULL;
}

static const char *const type_names[] = {
	[SB_JSON_STRING] = "a string",
	[SB_JSON_NUMBER] = "a number",
	[SB_JSON_ARRAY] = "an array",
	[SB_JSON_OBJECT] = "an object",
};

static int want(struct walk *w, unsigned int at, uint32_t type)
{
	if (val(w, at)->type != type)
		return bad(w, val(w, at), SB_ERR_SYNTAX, "expected %s, not", type_names[type]);
	return 0;
}

/* Fill M (N names) from object AT; a member named twice is an error. */
static int members(struct walk *w, unsigned int obj, struct member *m, int n)
{
	const struct sb_json *t = w->tape;

	if (want(w, obj, SB_JSON_OBJECT) < 0)
		return -EINVAL;
	for (unsigned int k = obj + 1; k < t[obj].next; k = t[k + 1].next) {
		char name[32];

		if (sb_json_string(w->text, &t[k], name, sizeof(name)) < 0)
			continue; /* too long to be one of ours */
		for (int i = 0; i < n; i++) {
			if (strcmp(name, m[i].name) != 0)
				continue;
			if (m[i].at)
				return bad(w, &t[k], SB_ERR_CONFLICT, "member given twice:");
			m[i].at = k + 1;
		}
	}
	return 0;
}

static int string(struct walk *w, unsigned int at, char *buf, size_t size)
{
	int r;

	if (want(w, at, SB_JSON_STRING) < 0)
		return -EINVAL;
	r = sb_json_string(w->text, val(w, at), buf, size);
	if (r == -E2BIG)
		return bad(w, val(w, at), SB_ERR_TOO_BIG, "string too long:");
	if (r < 0)
		return bad(w, val(w, at), SB_ERR_SYNTAX, "NUL character in");
	return r;
}

static int uint_value(struct walk *w, unsigned int at, uint64_t max, uint64_t *out)
{
	const struct sb_json *v = val(w, at);
	int r = v->type == SB_JSON_NUMBER ? sb_json_uint(w->text, v, max, out) : -EINVAL;

	if (r == -ERANGE)
		return bad(w, v, SB_ERR_RANGE,
			   "out of range (at most %llu):", (unsigned long long)max);
	if (r < 0)
		return bad(w, v, SB_ERR_SYNTAX, "expected an unsigned integer, not");
	return 0;
}

/* The tape index of array AT's element after K (K = AT: the first), or 0. */
static unsigned int elem(const struct walk *w, unsigned int arr, unsigned int k)
{
	unsigned int next = k == arr ? arr + 1 : w->tape[k].next;

	return next < w->tape[arr].next ? next : 0;
}

/* ---- actions ---- */

static const struct {
	char name[24];
	uint32_t action;
} actions[] = {
	/* NOTE: libseccomp's SCMP_ACT_KILL is SECCOMP_RET_KILL_THREAD. */
	{ "SCMP_ACT_KILL", SB_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_THREAD", SB_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SB_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SB_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SB_ACT_ERRNO },
	{ "SCMP_ACT_TRACE", SB_ACT_TRACE },
	{ "SCMP_ACT_LOG", SB_ACT_LOG },
	{ "SCMP_ACT_ALLOW", SB_ACT_ALLOW },
};

/* Podman's "errno"/"defaultErrno": a name (EPERM) or a decimal number. */
static int errno_name(struct walk *w, unsigned int at, uint64_t *out)
{
	char name[32];
	uint32_t e;
	int r;

	if (string(w, at, name, sizeof(name)) < 0)
		return -EINVAL;
	r = sb_errno_parse(name, &e);
	if (r == -ERANGE)
		return bad(w, val(w, at), SB_ERR_RANGE, "out of range (at most %d):", SB_ERRNO_MAX);
	if (r < 0)
		return bad(w, val(w, at), SB_ERR_UNKNOWN, "unknown errno");
	*out = e;
	return 0;
}

/*
 * The action at m[M_ACTION] with its data: errnoRet at m[M_ERRNO_RET], or
 * Podman's errno name at m[M_ERRNO] (both: they must agree). As runc: ERRNO
 * and TRACE take it, default EPERM; other actions ignore it. LEVEL: where the
 * members sit.
 */
static int action(struct walk *w, int level, struct member *m, uint32_t *out)
{
	uint64_t ret = EPERM, named = 0;
	char name[32];
	size_t i;

	here(w, level, m[M_ACTION].name, -1);
	if (!present(w, &m[M_ACTION]))
		return bad(w, NULL, SB_ERR_SYNTAX, "missing");
	if (string(w, m[M_ACTION].at, name, sizeof(name)) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(name, actions[i].name) == 0)
			break;
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return bad(w, val(w, m[M_ACTION].at), SB_ERR_UNSUPPORTED,
			   "not supported (it needs a seccomp agent):");
	if (i == sizeof(actions) / sizeof(actions[0]))
		return bad(w, val(w, m[M_ACTION].at), SB_ERR_UNKNOWN, "unknown action");
	here(w, level, m[M_ERRNO_RET].name, -1);
	if (present(w, &m[M_ERRNO_RET]) &&
	    uint_value(w, m[M_ERRNO_RET].at,
		       actions[i].action == SB_ACT_TRACE ? TRACE_MAX : SB_ERRNO_MAX, &ret) < 0)
		return -EINVAL;
	here(w, level, m[M_ERRNO].name, -1);
	if (present(w, &m[M_ERRNO]) && errno_name(w, m[M_ERRNO].at, &named) < 0)
		return -EINVAL;
	if (present(w, &m[M_ERRNO_RET]) && present(w, &m[M_ERRNO]) && named != ret)
		return bad(w, val(w, m[M_ERRNO].at), SB_ERR_CONFLICT,
			   "disagrees with %s:", m[M_ERRNO_RET].name);
	if (present(w, &m[M_ERRNO]))
		ret = named;
	*out = actions[i].action;
	if (*out == SB_ACT_ERRNO || *out == SB_ACT_TRACE)
		*out |= (uint32_t)ret;
	return 0;
}

/* ---- args ---- */

static const char ops[][20] = {
	[SB_CMP_NE] = "SCMP_CMP_NE",
	[SB_CMP_LT] = "SCMP_CMP_LT",
	[SB_CMP_LE] = "SCMP_CMP_LE",
	[SB_CMP_EQ] = "SCMP_CMP_EQ",
	[SB_CMP_GE] = "SCMP_CMP_GE",
	[SB_CMP_GT] = "SCMP_CMP_GT",
	[SB_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static int op_value(struct walk *w, unsigned int at, uint8_t *op)
{
	char name[32];

	if (string(w, at, name, sizeof(name)) < 0)
		return -EINVAL;
	for (uint8_t i = SB_CMP_NE; i <= SB_CMP_MASKED_EQ; i++) {
		if (strcmp(name, ops[i]) == 0) {
			*op = i;
			return 0;
		}
	}
	return bad(w, val(w, at), SB_ERR_UNKNOWN, "unknown op");
}

/* args[J] at AT: { index, value, valueTwo, op }. MASKED_EQ: value is the
 * mask, valueTwo the datum, which libseccomp masks first. */
static int arg(struct walk *w, int j, unsigned int at, struct sb_cond *c)
{
	struct member m[ARG_COUNT] = { [ARG_INDEX] = { "index", 0 },
				       [ARG_VALUE] = { "value", 0 },
				       [ARG_VALUE_TWO] = { "valueTwo", 0 },
				       [ARG_OP] = { "op", 0 } };
	uint64_t index, value, two = 0;

	here(w, 1, "args", j);
	if (members(w, at, m, ARG_COUNT) < 0)
		return -EINVAL;
	for (int i = 0; i < ARG_COUNT; i++) {
		here(w, 2, m[i].name, -1);
		if (i != ARG_VALUE_TWO && !present(w, &m[i]))
			return bad(w, NULL, SB_ERR_SYNTAX, "missing");
	}
	memset(c, 0, sizeof(*c));
	c->width = 64;
	here(w, 2, "index", -1);
	if (uint_value(w, m[ARG_INDEX].at, 5, &index) < 0)
		return -EINVAL;
	here(w, 2, "value", -1);
	if (uint_value(w, m[ARG_VALUE].at, UINT64_MAX, &value) < 0)
		return -EINVAL;
	here(w, 2, "valueTwo", -1);
	if (present(w, &m[ARG_VALUE_TWO]) &&
	    uint_value(w, m[ARG_VALUE_TWO].at, UINT64_MAX, &two) < 0)
		return -EINVAL;
	here(w, 2, "op", -1);
	if (op_value(w, m[ARG_OP].at, &c->op) < 0)
		return -EINVAL;
	c->arg = (uint8_t)index;
	c->value = value;
	if (c->op == SB_CMP_MASKED_EQ) {
		c->mask = value;
		c->value = two & value;
	} else if (two) {
		here(w, 2, "valueTwo", -1);
		return bad(w, val(w, m[ARG_VALUE_TWO].at), SB_ERR_SYNTAX,
			   "is only read for SCMP_CMP_MASKED_EQ, not");
	}
	return 0;
}

/* The args array at AT into CONDS; returns the count. *split: an index
 * appears twice, so (as runc does) each condition becomes its own rule. */
static int args(struct walk *w, unsigned int arr, struct sb_cond *conds, int *split)
{
	unsigned int seen = 0;
	int n = 0;

	*split = 0;
	here(w, 1, "args", -1);
	if (want(w, arr, SB_JSON_ARRAY) < 0)
		return -EINVAL;
	for (unsigned int k = elem(w, arr, arr); k; k = elem(w, arr, k)) {
		if (n == ARGS_MAX) {
			here(w, 1, "args", -1);
			return bad(w, NULL, SB_ERR_TOO_BIG, "more than %d conditions", ARGS_MAX);
		}
		if (arg(w, n, k, &conds[n]) < 0)
			return -EINVAL;
		*split |= (seen >> conds[n].arg) & 1;
		seen |= 1U << conds[n].arg;
		n++;
	}
	return n;
}

/* What string_array hands each string NAME (at AT) to: 0, or < 0 to stop. */
typedef int each_string_fn(struct walk *w, unsigned int at, const char *name, void *ctx);

/* Each string of the array at ARR (LEVEL, KEY: where it is; at most SIZE
 * bytes with its NUL) to EACH, with CTX: their count, or -EINVAL. */
static int string_array(struct walk *w, int level, const char *key, unsigned int arr, size_t size,
			each_string_fn *each, void *ctx)
{
	char name[48];
	int n = 0;

	here(w, level, key, -1);
	if (want(w, arr, SB_JSON_ARRAY) < 0)
		return -EINVAL;
	for (unsigned int k = elem(w, arr, arr); k; k = elem(w, arr, k), n++) {
		here(w, level, key, n);
		if (string(w, k, name, size < sizeof(name) ? size : sizeof(name)) < 0 ||
		    each(w, k, name, ctx) < 0)
			return -EINVAL;
	}
	return n;
}

/* ---- includes / excludes ---- */

struct held {
	int *all, *any; /* the host has every capability listed, any of them */
};

static int cap_held(struct walk *w, unsigned int at, const char *name, void *ctx)
{
	struct held *h = ctx;
	int cap = sb_cap_lookup(name);

	if (cap < 0)
		return bad(w, val(w, at), SB_ERR_UNKNOWN, "unknown capability");
	if (w->host->caps >> cap & 1)
		*h->any = 1;
	else
		*h->all = 0;
	return 0;
}

static int caps(struct walk *w, unsigned int arr, int *all, int *any)
{
	struct held h = { all, any };

	return string_array(w, 2, "caps", arr, 32, cap_held, &h) < 0 ? -EINVAL : 0;
}

/* The native arch as moby and Podman name it (libseccomp's arch names). */
static const char *native_name(const struct walk *w)
{
	return sb_arch_oci_name(w->p->arch);
}

static int is_native(struct walk *w, unsigned int at, const char *name, void *match)
{
	(void)at;
	*(int *)match |= strcmp(name, native_name(w)) == 0;
	return 0;
}

/* *listed: the array is not empty; *match: it names the native arch. */
static int arches(struct walk *w, unsigned int arr, int *listed, int *match)
{
	int n = string_array(w, 2, "arches", arr, 32, is_native, match);

	if (n > 0)
		*listed = 1;
	return n < 0 ? -EINVAL : 0;
}

/* "0".."255" */
static int kernel_part(const char *s, size_t n, unsigned int *out)
{
	*out = 0;
	if (n == 0 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned int)(s[i] - '0');
	}
	return *out > 255 ? -1 : 0;
}

/* minKernel "K.M" (as moby: each 0-255, not 0.0; "" is absent): *ge is 1
 * if the host's kernel is at least that, 0 if not, -1 if absent. */
static int min_kernel(struct walk *w, unsigned int at, int *ge)
{
	char text[16];
	unsigned int k, m;
	int n;

	here(w, 2, "minKernel", -1);
	if ((n = string(w, at, text, sizeof(text))) <= 0)
		return n;
	const char *dot = strchr(text, '.');

	if (!dot || kernel_part(text, (size_t)(dot - text), &k) < 0 ||
	    kernel_part(dot + 1, strlen(dot + 1), &m) < 0 || (k == 0 && m == 0))
		return bad(w, val(w, at), SB_ERR_SYNTAX, "expected \"<kernel>.<major>\", not");
	*ge = w->host->kernel_major > k ||
	      (w->host->kernel_major == k && w->host->kernel_minor >= m);
	return 0;
}

/*
 * includes (INCLUDE 1) or excludes at AT, checked whole. Returns 1 if the
 * entry applies on this host, 0 if not. As moby: includes need every cap,
 * the native arch among arches, and kernel >= minKernel; excludes drop the
 * entry on any listed cap, on a listed native arch, or on kernel >= minKernel.
 */
static int filter(struct walk *w, const char *name, unsigned int at, int include)
{
	struct member m[F_COUNT] = { [F_CAPS] = { "caps", 0 },
				     [F_ARCHES] = { "arches", 0 },
				     [F_MIN_KERNEL] = { "minKernel", 0 } };
	int all = 1, any = 0, listed = 0, match = 0, ge = -1;

	here(w, 1, name, -1);
	if (!at || val(w, at)->type == SB_JSON_NULL)
		return 1;
	if (members(w, at, m, F_COUNT) < 0)
		return -EINVAL;
	if (present(w, &m[F_CAPS]) && caps(w, m[F_CAPS].at, &all, &any) < 0)
		return -EINVAL;
	if (present(w, &m[F_ARCHES]) && arches(w, m[F_ARCHES].at, &listed, &match) < 0)
		return -EINVAL;
	if (present(w, &m[F_MIN_KERNEL]) && min_kernel(w, m[F_MIN_KERNEL].at, &ge) < 0)
		return -EINVAL;
	if (include)
		return all && (!listed || match) && ge != 0;
	return !(any || match || ge == 1);
}

/* ---- syscalls[] ---- */

/*
 * A sign-extended negative value (0xffffffff80000000 and up) on a 32-bit
 * argument of NR is the int the kernel reads: compare the low half, as a
 * negative value in a SECCOMP_SYSCALL_* entry does. Only for ==, != and
 * masks, where the low half decides alone.
 */
static void narrow_ints(const struct walk *w, uint32_t nr, struct sb_cond *conds, int n)
{
	unsigned int ints = sb_syscall_int_args(w->p->arch, nr);

	for (int i = 0; i < n; i++) {
		struct sb_cond *c = &conds[i];

		if (!(ints >> c->arg & 1) || c->value >> 31 != 0x1ffffffffULL ||
		    (c->op != SB_CMP_EQ && c->op != SB_CMP_NE && c->op != SB_CMP_MASKED_EQ))
			continue;
		c->width = 32;
		c->value &= UINT32_MAX;
		c->mask &= UINT32_MAX;
	}
}

static int add_rule(struct walk *w, uint32_t nr, uint32_t action, const struct sb_cond *conds,
		    int n, int first, const char *name)
{
	int bad_cond, r = sb_policy_add_rule(w->p, nr, action, conds, n, &bad_cond);

	if (r == -ERANGE) {
		here(w, 1, "args", first + bad_cond);
		return bad(w, NULL, SB_ERR_RANGE, "value too wide for %u-bit arg%d of '%s'",
			   sb_syscall_arg_width(w->p->arch, nr, conds[bad_cond].arg),
			   conds[bad_cond].arg, name);
	}
	if (r < 0)
		return bad(w, NULL, SB_ERR_TOO_BIG, "too many rules (at most %d)", SB_RULES_MAX);
	return 0;
}

/* One name of entry I: its rules, if ADD. Names this arch does not have are
 * skipped, as libseccomp-based runtimes skip them. */
static int add_name(struct walk *w, unsigned int at, uint32_t action, struct sb_cond *conds, int n,
		    int split, int add)
{
	struct sb_cond c[ARGS_MAX];
	char name[64];
	int nr, r = 0;

	if (want(w, at, SB_JSON_STRING) < 0)
		return -EINVAL;
	r = sb_json_string(w->text, val(w, at), name, sizeof(name));
	if (r == 0)
		return bad(w, NULL, SB_ERR_SYNTAX, "empty syscall name");
	if (r == -EINVAL)
		return bad(w, val(w, at), SB_ERR_SYNTAX, "NUL character in");
	if (!add)
		return 0;
	if (r < 0 || (nr = sb_syscall_nr(w->p->arch, name)) < 0) {
		w->stats->profile_skipped++;
		return 0;
	}
	if (n) {
		memcpy(c, conds, (size_t)n * sizeof(c[0]));
		narrow_ints(w, (uint32_t)nr, c, n);
	}
	if (!split)
		return add_rule(w, (uint32_t)nr, action, c, n, 0, name);
	for (int i = 0; i < n && r >= 0; i++)
		r = add_rule(w, (uint32_t)nr, action, &c[i], 1, i, name);
	return r;
}

/* names (an array) or name (the older single string), never both. */
static int add_names(struct walk *w, struct member *names, struct member *name, uint32_t action,
		     struct sb_cond *conds, int n, int split, int add)
{
	unsigned int arr = names->at;

	here(w, 1, "name", -1);
	if (present(w, names) && present(w, name))
		return bad(w, NULL, SB_ERR_CONFLICT, "cannot be given with 'names'");
	if (present(w, name))
		return add_name(w, name->at, action, conds, n, split, add);
	here(w, 1, "names", -1);
	if (!present(w, names))
		return bad(w, NULL, SB_ERR_SYNTAX, "missing (or 'name')");
	if (want(w, arr, SB_JSON_ARRAY) < 0)
		return -EINVAL;
	if (!elem(w, arr, arr))
		return bad(w, NULL, SB_ERR_SYNTAX, "needs at least one name");
	for (unsigned int k = elem(w, arr, arr), i = 0; k; k = elem(w, arr, k), i++) {
		here(w, 1, "names", (int)i);
		if (add_name(w, k, action, conds, n, split, add) < 0)
			return -EINVAL;
	}
	return 0;
}

/*
 * syscalls[I] at AT. Its rules are added if includes/excludes let it apply
 * here and its action is not the default one (runc skips those: libseccomp
 * refuses them).
 */
static int add_entry(struct walk *w, int i, unsigned int at)
{
	struct member m[E_COUNT] = {
		[M_ACTION] = { "action", 0 },	  [M_ERRNO_RET] = { "errnoRet", 0 },
		[M_ERRNO] = { "errno", 0 },	  [E_NAMES] = { "names", 0 },
		[E_NAME] = { "name", 0 },	  [E_ARGS] = { "args", 0 },
		[E_INCLUDES] = { "includes", 0 }, [E_EXCLUDES] = { "excludes", 0 },
	};
	struct sb_cond conds[ARGS_MAX];
	int n = 0, split = 0, inc, exc;
	uint32_t act;

	here(w, 0, "syscalls", i);
	if (members(w, at, m, E_COUNT) < 0 || action(w, 1, m, &act) < 0)
		return -EINVAL;
	if (present(w, &m[E_ARGS]) && (n = args(w, m[E_ARGS].at, conds, &split)) < 0)
		return -EINVAL;
	if ((inc = filter(w, "includes", m[E_INCLUDES].at, 1)) < 0 ||
	    (exc = filter(w, "excludes", m[E_EXCLUDES].at, 0)) < 0)
		return -EINVAL;
	w->stats->profile_blocks++;
	w->stats->profile_applied += inc && exc;
	return add_names(w, &m[E_NAMES], &m[E_NAME], act, conds, n, split,
			 inc && exc && act != w->deflt);
}

/* ---- the top level ---- */

static const char *const arch_names[] = {
	"SCMP_ARCH_NATIVE",   "SCMP_ARCH_X86",	       "SCMP_ARCH_X86_64",	"SCMP_ARCH_X32",
	"SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
	"SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",	"SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",		"SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	       "SCMP_ARCH_S390X",	"SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_SH",		"SCMP_ARCH_SHEB",
};

/* One SCMP_ARCH_* name at AT: only checked, as the filter is for the
 * native arch whatever the profile lists. */
static int arch_known(struct walk *w, unsigned int at, const char *name, void *ctx)
{
	(void)ctx;
	for (size_t j = 0; j < sizeof(arch_names) / sizeof(arch_names[0]); j++)
		if (strcmp(name, arch_names[j]) == 0)
			return 0;
	return bad(w, val(w, at), SB_ERR_UNKNOWN, "unknown architecture");
}

static int arch_name(struct walk *w, unsigned int at)
{
	char name[32];

	if (string(w, at, name, sizeof(name)) < 0)
		return -EINVAL;
	return arch_known(w, at, name, NULL);
}

/* An array of SCMP_ARCH_* names at ARR (LEVEL, KEY: where); 1 if it is not
 * empty, else 0. */
static int arch_list(struct walk *w, int level, const char *key, unsigned int arr)
{
	int n = string_array(w, level, key, arr, 32, arch_known, NULL);

	return n < 0 ? -EINVAL : n > 0;
}

/* archMap: [{ architecture, subArchitectures }]; 1 if not empty, else 0. */
static int arch_map(struct walk *w, unsigned int arr)
{
	int listed = 0;

	here(w, 0, "archMap", -1);
	if (want(w, arr, SB_JSON_ARRAY) < 0)
		return -EINVAL;
	for (unsigned int k = elem(w, arr, arr), i = 0; k; k = elem(w, arr, k), i++) {
		struct member m[AM_COUNT] = { [AM_ARCHITECTURE] = { "architecture", 0 },
					      [AM_SUB_ARCHITECTURES] = { "subArchitectures", 0 } };

		here(w, 0, "archMap", (int)i);
		if (members(w, k, m, AM_COUNT) < 0)
			return -EINVAL;
		here(w, 1, "architecture", -1);
		if (!present(w, &m[AM_ARCHITECTURE]))
			return bad(w, NULL, SB_ERR_SYNTAX, "missing");
		if (arch_name(w, m[AM_ARCHITECTURE].at) < 0)
			return -EINVAL;
		if (present(w, &m[AM_SUB_ARCHITECTURES]) &&
		    arch_list(w, 1, "subArchitectures", m[AM_SUB_ARCHITECTURES].at) < 0)
			return -EINVAL;
		listed = 1;
	}
	return listed;
}

/* flags: SECCOMP_FILTER_FLAG_TSYNC is what libsandbox always does; the others
 * (LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV) it does not offer. */
static int flag_offered(struct walk *w, unsigned int at, const char *name, void *ctx)
{
	(void)ctx;
	if (strcmp(name, "SECCOMP_FILTER_FLAG_TSYNC") != 0)
		return bad(w, val(w, at), SB_ERR_UNSUPPORTED, "unsupported flag");
	return 0;
}

static int flags(struct walk *w, unsigned int arr)
{
	return string_array(w, 0, "flags", arr, 48, flag_offered, NULL) < 0 ? -EINVAL : 0;
}

/* listenerPath, listenerMetadata: only for SCMP_ACT_NOTIFY's agent. */
static int listener(struct walk *w, struct member *m)
{
	here(w, 0, m->name, -1);
	if (!present(w, m))
		return 0;
	if (want(w, m->at, SB_JSON_STRING) < 0)
		return -EINVAL;
	if (val(w, m->at)->end - val(w, m->at)->start == 2)
		return 0; /* "" */
	return bad(w, val(w, m->at), SB_ERR_UNSUPPORTED, "not supported (a seccomp agent's):");
}

/* Everything but syscalls[]: the default action, and the checks. */
static int top(struct walk *w, struct member *m)
{
	int a, b;

	if (action(w, 0, m, &w->deflt) < 0)
		return -EINVAL;
	a = present(w, &m[T_ARCHITECTURES])
		    ? arch_list(w, 0, "architectures", m[T_ARCHITECTURES].at)
		    : 0;
	b = present(w, &m[T_ARCH_MAP]) ? arch_map(w, m[T_ARCH_MAP].at) : 0;
	if (a < 0 || b < 0)
		return -EINVAL;
	if (a && b) {
		here(w, 0, "archMap", -1);
		return bad(w, NULL, SB_ERR_CONFLICT, "cannot be given with 'architectures'");
	}
	if (present(w, &m[T_FLAGS]) && flags(w, m[T_FLAGS].at) < 0)
		return -EINVAL;
	if (listener(w, &m[T_LISTENER_PATH]) < 0 || listener(w, &m[T_LISTENER_METADATA]) < 0)
		return -EINVAL;
	here(w, 0, "syscalls", -1);
	if (present(w, &m[T_SYSCALLS]) && want(w, m[T_SYSCALLS].at, SB_JSON_ARRAY) < 0)
		return -EINVAL;
	return 0;
}

/*
 * libseccomp keeps one unconditional rule per syscall, the first one added,
 * and drops the conditional rules of a syscall that has one (its db.c,
 * db_rule_add). Apply that to the profile's rules, FIRST onwards.
 */
static int keep_first_unconditional(struct sb_seccomp *p, unsigned int first)
{
	uint16_t uncond[SB_NR_SPACE];
	unsigned int n = first;

	memset(uncond, 0xff, sizeof(uncond));
	for (unsigned int i = first; i < p->nrules; i++) {
		if (p->rules[i].nr >= SB_NR_SPACE)
			return -ERANGE;
		if (!p->rules[i].nconds && uncond[p->rules[i].nr] == 0xffff)
			uncond[p->rules[i].nr] = (uint16_t)i;
	}
	for (unsigned int i = first; i < p->nrules; i++) {
		uint16_t u = uncond[p->rules[i].nr];

		if (u == 0xffff || u == i)
			p->rules[n++] = p->rules[i];
	}
	p->nrules = n;
	return 0;
}

static int json_error(struct walk *w, const struct sb_json_error *e, int code)
{
	unsigned int line = 1, col = 1;
	char where[64];

	sb_error_reset(w->err);
	for (size_t i = 0; i < e->offset; i++, col++) {
		if (w->text[i] == '\n') {
			line++;
			col = 0;
		}
	}
	snprintf(w->err->var, sizeof(w->err->var), "SECCOMP_PROFILE: %s: line %u, column %u",
		 w->file, line, col);
	snprintf(where, sizeof(where), "line %u, column %u", line, col);
	locate(w, where);
	snprintf(w->err->what, sizeof(w->err->what), "%s%s",
		 code == -EINVAL ? "invalid JSON: " : "", e->what);
	w->err->token[0] = '\0';
	w->err->item = 0;
	w->err->line = (int)line;
	w->err->kind = code == -E2BIG ? SB_ERR_TOO_BIG : SB_ERR_SYNTAX;
	return -EINVAL;
}

int sb_policy_add_profile(struct sb_load *ld, const char *path, const char *text, size_t len,
			  const struct sb_host *host, struct sb_json *tape, unsigned int cap,
			  struct sb_error *err)
{
	struct sb_seccomp *p = ld->p;
	struct member m[T_COUNT] = {
		[M_ACTION] = { "defaultAction", 0 },
		[M_ERRNO_RET] = { "defaultErrnoRet", 0 },
		[M_ERRNO] = { "defaultErrno", 0 },
		[T_ARCHITECTURES] = { "architectures", 0 },
		[T_ARCH_MAP] = { "archMap", 0 },
		[T_FLAGS] = { "flags", 0 },
		[T_LISTENER_PATH] = { "listenerPath", 0 },
		[T_LISTENER_METADATA] = { "listenerMetadata", 0 },
		[T_SYSCALLS] = { "syscalls", 0 },
	};
	struct sb_json_error jerr;
	struct walk w = { p, ld->stats, path, text, tape, host, err, 0, { 0 }, { 0 }, 0 };
	int r = sb_json_parse(text, len, tape, cap, &jerr);
	unsigned int arr = 0;

	if (r < 0)
		return json_error(&w, &jerr, r);
	if (members(&w, 0, m, T_COUNT) < 0 || top(&w, m) < 0)
		return -EINVAL;
	ld->stats->profile_first = p->nrules;
	if (present(&w, &m[T_SYSCALLS]))
		arr = m[T_SYSCALLS].at;
	for (unsigned int k = arr ? elem(&w, arr, arr) : 0, i = 0; k; k = elem(&w, arr, k), i++)
		if (add_entry(&w, (int)i, k) < 0)
			return -EINVAL;
	if (keep_first_unconditional(p, ld->stats->profile_first) < 0) {
		w.depth = 0;
		return bad(&w, NULL, SB_ERR_RANGE, "syscall number beyond the tables");
	}
	ld->profile_default = w.deflt;
	ld->profile_read = 1;
	return 0;
}
