// SPDX-License-Identifier: MIT
/*
 * privs.c - SANDBOX_CAPS -> struct sb_caps (the capabilities kept) and
 * SANDBOX_LIMITS -> struct sb_limits (setrlimit values), and their
 * SECCOMP_VERBOSE lines. Pure: what this process holds is asked at
 * sb_prepare() (apply/privs.c).
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "internal.h"

#define N(t) (sizeof(t) / sizeof(t[0]))

/* The limits SANDBOX_LIMITS sets, by their prlimit(1) names; SIZE: counted
 * in bytes. */
static const struct {
	char name[8];
	unsigned char resource;
	unsigned char size;
} limits[] = {
	{ "as", RLIMIT_AS, 1 },		{ "core", RLIMIT_CORE, 1 },
	{ "cpu", RLIMIT_CPU, 0 },	{ "data", RLIMIT_DATA, 1 },
	{ "fsize", RLIMIT_FSIZE, 1 },	{ "memlock", RLIMIT_MEMLOCK, 1 },
	{ "nofile", RLIMIT_NOFILE, 0 }, { "nproc", RLIMIT_NPROC, 0 },
	{ "stack", RLIMIT_STACK, 1 },
};

const char *sb_limit_name(int resource)
{
	for (size_t i = 0; i < N(limits); i++)
		if (limits[i].resource == resource)
			return limits[i].name;
	return NULL;
}

int sb_limit_is_size(int resource)
{
	for (size_t i = 0; i < N(limits); i++)
		if (limits[i].resource == resource)
			return limits[i].size;
	return 0;
}

/* *ERR: "VAR: WHAT 'TOKEN' (item ITEM)", TOKEN the LEN bytes at S. */
static int fail(struct sb_error *err, int var, int item, int kind, const char *what, const char *s,
		size_t len)
{
	return sb_error_item(err, kind, var, item, what, s, len);
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Capability S (LEN bytes: "CAP_NET_RAW", "net_raw", any case) -> its
 * number, or -ENOENT. */
static int cap_of(const char *s, size_t len)
{
	char name[32] = "CAP_";
	size_t at = 4;

	if (len >= 4 && upper(s[0]) == 'C' && upper(s[1]) == 'A' && upper(s[2]) == 'P' &&
	    s[3] == '_')
		s += 4, len -= 4;
	if (len == 0 || len > sizeof(name) - at - 1)
		return -ENOENT;
	for (size_t i = 0; i < len; i++)
		name[at++] = upper(s[i]);
	name[at] = '\0';
	return sb_cap_lookup(name);
}

static int parse_caps(struct sb_caps *caps, const char *value, struct sb_error *err)
{
	int item = 0, n;

	memset(caps, 0, sizeof(*caps));
	if (*value == '\0')
		return fail(err, SB_V_CAPS, 0, SB_ERR_SYNTAX,
			    "is empty: expected none or capability names", "", 0);
	if (strcmp(value, "none") == 0)
		return 0;
	for (const char *s = value;; s++) {
		size_t len = strcspn(s, ":,");

		item++;
		if (len == 0)
			return fail(err, SB_V_CAPS, item, SB_ERR_SYNTAX, "empty item", s, 0);
		if (len == 4 && strncmp(s, "none", 4) == 0)
			return fail(err, SB_V_CAPS, item, SB_ERR_CONFLICT,
				    "cannot be combined with other values", s, len);
		if ((n = cap_of(s, len)) < 0)
			return fail(err, SB_V_CAPS, item, SB_ERR_UNKNOWN, "unknown capability", s,
				    len);
		caps->keep |= 1ULL << n;
		if (!caps->item[n])
			caps->item[n] = (uint8_t)(item < 255 ? item : 255);
		s += len;
		if (*s == '\0')
			return 0;
	}
}

/* The number at S (LEN bytes) with an optional K, M, G or T (powers of 1024)
 * if SIZE, into *OUT; "unlimited" is SB_RLIM_INFINITY. 0 or -EINVAL, -ERANGE. */
static int limit_value(const char *s, size_t len, int size, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned int shift = 0;
	uint64_t v = 0;
	size_t i;

	if (len == 9 && strncmp(s, "unlimited", 9) == 0) {
		*out = SB_RLIM_INFINITY;
		return 0;
	}
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (SB_RLIM_INFINITY - 1 - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0)
		return -EINVAL;
	if (i + 1 == len && size && strchr(units, upper(s[i])))
		shift = 10 * (unsigned int)(strchr(units, upper(s[i])) - units + 1);
	else if (i != len)
		return -EINVAL;
	if (shift && v > (SB_RLIM_INFINITY - 1) >> shift)
		return -ERANGE;
	*out = v << shift; /* RLIM_INFINITY only as "unlimited" */
	return 0;
}

/* Item S (LEN bytes) "NAME=VALUE" or "NAME=SOFT/HARD" into *L. */
static int limit_item(struct sb_limit *l, const char *s, size_t len, int item, unsigned int seen,
		      struct sb_error *err)
{
	const char *eq = memchr(s, '=', len), *slash;
	size_t k, n = eq ? (size_t)(eq - s) : len, rest;
	int r;

	for (k = 0; k < N(limits); k++)
		if (strlen(limits[k].name) == n && strncmp(s, limits[k].name, n) == 0)
			break;
	if (!eq)
		return fail(err, SB_V_LIMITS, item, SB_ERR_SYNTAX, "expected NAME=VALUE, not", s,
			    len);
	if (k == N(limits))
		return fail(err, SB_V_LIMITS, item, SB_ERR_UNKNOWN, "unknown resource limit", s, n);
	if (seen & (1U << k))
		return fail(err, SB_V_LIMITS, item, SB_ERR_CONFLICT, "set twice", s, n);
	rest = len - n - 1;
	slash = memchr(eq + 1, '/', rest);
	r = limit_value(eq + 1, slash ? (size_t)(slash - eq - 1) : rest, limits[k].size, &l->soft);
	if (r == 0 && slash)
		r = limit_value(slash + 1, (size_t)(s + len - slash - 1), limits[k].size, &l->hard);
	else
		l->hard = l->soft;
	if (r == -ERANGE)
		return fail(err, SB_V_LIMITS, item, SB_ERR_RANGE, "value out of range", s, len);
	if (r < 0)
		return fail(err, SB_V_LIMITS, item, SB_ERR_SYNTAX,
			    limits[k].size ? "expected a number (K, M, G, T) or unlimited, not"
					   : "expected a number or unlimited, not",
			    s, len);
	if (l->soft > l->hard)
		return fail(err, SB_V_LIMITS, item, SB_ERR_RANGE, "soft limit above the hard one",
			    s, len);
	l->resource = limits[k].resource;
	l->item = (uint8_t)item;
	return (int)k;
}

static int parse_limits(struct sb_limits *out, const char *value, struct sb_error *err)
{
	unsigned int seen = 0;
	int item = 0, k;

	out->n = 0;
	if (*value == '\0')
		return fail(err, SB_V_LIMITS, 0, SB_ERR_SYNTAX,
			    "is empty: expected NAME=VALUE items", "", 0);
	for (const char *s = value;; s++) {
		size_t len = strcspn(s, ":,");

		item++;
		if (len == 0)
			return fail(err, SB_V_LIMITS, item, SB_ERR_SYNTAX, "empty item", s, 0);
		/* a resource at most once: the list never outgrows SB_LIMITS_MAX */
		if ((k = limit_item(&out->limit[out->n], s, len, item, seen, err)) < 0)
			return -1;
		seen |= 1U << k;
		out->n++;
		s += len;
		if (*s == '\0')
			return 0;
	}
}

_Static_assert(N(limits) <= SB_LIMITS_MAX, "SB_LIMITS_MAX: room for every limit once");
_Static_assert(CAP_LAST_CAP < 64, "struct sb_caps holds 64 capabilities");

int sb_privs_parse(struct sb_load *ld, const char *const *v, struct sb_error *err)
{
	struct sb_config *cfg = ld->cfg;

	if (v[SB_V_CAPS] && parse_caps(&cfg->caps, v[SB_V_CAPS], err) < 0)
		return -1;
	if (v[SB_V_CAPS])
		cfg->layers |= SB_LAYER_CAPS;
	if (v[SB_V_LIMITS] && parse_limits(&cfg->limits, v[SB_V_LIMITS], err) < 0)
		return -1;
	if (v[SB_V_LIMITS])
		cfg->layers |= SB_LAYER_LIMITS;
	return 0;
}

/* ---- SECCOMP_VERBOSE ---- */

static int put_value(char *buf, size_t size, uint64_t v)
{
	if (v == SB_RLIM_INFINITY)
		return snprintf(buf, size, "unlimited");
	return snprintf(buf, size, "%llu", (unsigned long long)v);
}

int sb_limit_format(const struct sb_limit *l, char *buf, size_t size)
{
	char soft[24], hard[24];

	put_value(soft, sizeof(soft), l->soft);
	put_value(hard, sizeof(hard), l->hard);
	if (l->soft == l->hard)
		return snprintf(buf, size, "%s=%s", sb_limit_name(l->resource), soft);
	return snprintf(buf, size, "%s=%s/%s", sb_limit_name(l->resource), soft, hard);
}

static int describe_caps(const struct sb_caps *caps, char *buf, size_t size)
{
	size_t n;

	if (!caps->keep)
		return snprintf(buf, size, "dropping every capability of the process");
	n = (size_t)snprintf(buf, size, "dropping every capability of the process but");
	for (int c = 0; c < 64 && n < size; c++)
		if (caps->keep >> c & 1)
			n += (size_t)snprintf(buf + n, size - n, " %s", sb_cap_name(c));
	return (int)n;
}

unsigned int sb_privs_lines(const struct sb_config *cfg)
{
	return (cfg->layers & SB_LAYER_LIMITS ? cfg->limits.n : 0) +
	       (cfg->layers & SB_LAYER_CAPS ? 1 : 0);
}

int sb_privs_describe(const struct sb_config *cfg, unsigned int i, char *buf, size_t size)
{
	const unsigned int nl = cfg->layers & SB_LAYER_LIMITS ? cfg->limits.n : 0;

	char item[64];

	if (i < nl) {
		sb_limit_format(&cfg->limits.limit[i], item, sizeof(item));
		return snprintf(buf, size, "setting the process's resource limit %s", item);
	}
	if (i == nl && (cfg->layers & SB_LAYER_CAPS))
		return describe_caps(&cfg->caps, buf, size);
	return -ERANGE;
}
