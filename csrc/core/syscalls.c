// SPDX-License-Identifier: MIT
/*
 * syscalls.c - names <-> numbers: syscalls per architecture, errnos,
 * symbolic constants, syscall groups.
 *
 * The tables are data, generated into tables.h by tools/gen_tables.py
 * (`make tables`); this unit only searches them. Capability numbers come
 * from <linux/capability.h>.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sb_sysent {
	uint16_t name; /* offset into sb_pool */
	uint16_t nr; /* number without the arch's bias */
};

struct sb_const {
	uint16_t name;
	int64_t value;
};

struct sb_group {
	uint16_t name;
	uint16_t first; /* into sb_members */
	uint16_t count;
	uint8_t all; /* every syscall of the arch (@known) */
};

struct sb_intargs {
	uint16_t nr;
	uint8_t mask; /* bit N: argument N is narrower than 64 bits */
	uint8_t mask16; /* bit N: ... and 16 bits wide (umode_t) */
};

#include "tables.h"

/* One arch's tables (the facts about the arch itself are core/arch.c's). */
struct sb_systab {
	const struct sb_sysent *tab;
	int n;
	const struct sb_intargs *ints; /* targets only */
	int nints;
	const uint16_t *hash; /* targets only: sb_hash_<arch> */
};

#define N(t) (int)(sizeof(t) / sizeof(t[0]))

const struct sb_systab sb_systab_x86_64 = { sb_tab_x86_64, N(sb_tab_x86_64), sb_int_x86_64,
					    N(sb_int_x86_64), sb_hash_x86_64 };
const struct sb_systab sb_systab_i386 = { sb_tab_i386, N(sb_tab_i386), NULL, 0, NULL };
const struct sb_systab sb_systab_x32 = { sb_tab_x32, N(sb_tab_x32), NULL, 0, NULL };
const struct sb_systab sb_systab_aarch64 = { sb_tab_aarch64, N(sb_tab_aarch64), sb_int_aarch64,
					     N(sb_int_aarch64), sb_hash_aarch64 };

static int cmp_name(const void *key, const void *elem)
{
	const struct sb_sysent *e = elem;

	return strcmp(key, sb_pool + e->name);
}

/* NOTE: every sandboxed program's start looks up each name of its policy,
 * so the targets have a hash index (tools/gen_tables.py builds it with the
 * same FNV-1a and linear probing): one hash and, as a rule, one compare. */
int sb_syscall_nr_hashed(const struct sb_arch *arch, const char *name, size_t n, uint32_t h)
{
	if (!arch->sys->hash)
		return -EOPNOTSUPP;
	for (uint32_t i = h & (SB_HASH_SIZE - 1); arch->sys->hash[i];
	     i = (i + 1) & (SB_HASH_SIZE - 1)) {
		const struct sb_sysent *e = &arch->sys->tab[arch->sys->hash[i] - 1];
		const char *p = sb_pool + e->name;
		size_t k = 0;

		while (k < n && p[k] == name[k])
			k++;
		if (k == n && p[n] == '\0')
			return e->nr;
	}
	return -ENOENT;
}

int sb_syscall_nr(const struct sb_arch *arch, const char *name)
{
	const struct sb_sysent *e;

	if (arch->sys->hash) {
		uint32_t h = SB_HASH_INIT;
		size_t n = 0;

		for (; name[n]; n++)
			h = sb_hash_step(h, name[n]);
		return sb_syscall_nr_hashed(arch, name, n, h);
	}
	e = bsearch(name, arch->sys->tab, arch->sys->n, sizeof(*e), cmp_name);
	return e ? (int)(e->nr + arch->nr_bias) : -ENOENT;
}

const char *sb_syscall_name(const struct sb_arch *arch, uint32_t nr)
{
	for (int i = 0; i < arch->sys->n; i++)
		if (arch->sys->tab[i].nr + arch->nr_bias == nr)
			return sb_pool + arch->sys->tab[i].name;
	return NULL;
}

static int cmp_intargs(const void *key, const void *elem)
{
	uint32_t nr = *(const uint32_t *)key;
	const struct sb_intargs *e = elem;

	return nr < e->nr ? -1 : nr > e->nr;
}

static const struct sb_intargs *intargs(const struct sb_arch *arch, uint32_t nr)
{
	if (!arch->sys->ints)
		return NULL;
	return bsearch(&nr, arch->sys->ints, (size_t)arch->sys->nints, sizeof(struct sb_intargs),
		       cmp_intargs);
}

unsigned int sb_syscall_int_args(const struct sb_arch *arch, uint32_t nr)
{
	const struct sb_intargs *e = intargs(arch, nr);

	return e ? e->mask : 0;
}

unsigned int sb_syscall_arg_width(const struct sb_arch *arch, uint32_t nr, unsigned int arg)
{
	const struct sb_intargs *e = intargs(arch, nr);

	if (!e || arg > 5 || !(e->mask >> arg & 1))
		return 64;
	return e->mask16 >> arg & 1 ? 16 : 32;
}

static int cmp_known(const void *key, const void *elem)
{
	const uint16_t *off = elem;

	return strcmp(key, sb_pool + *off);
}

int sb_syscall_known(const char *name)
{
	size_t n = sizeof(sb_known) / sizeof(sb_known[0]);

	return bsearch(name, sb_known, n, sizeof(sb_known[0]), cmp_known) != NULL;
}

int sb_syscall_count(const struct sb_arch *arch)
{
	return arch->sys->n;
}

int sb_syscall_at(const struct sb_arch *arch, int i, const char **name, uint32_t *nr)
{
	if (i < 0 || i >= arch->sys->n)
		return -ERANGE;
	*name = sb_pool + arch->sys->tab[i].name;
	*nr = arch->sys->tab[i].nr + arch->nr_bias;
	return 0;
}

int sb_errno_lookup(const char *name)
{
	const struct sb_sysent *e;
	size_t n = sizeof(sb_errnos) / sizeof(sb_errnos[0]);

	e = bsearch(name, sb_errnos, n, sizeof(*e), cmp_name);
	return e ? e->nr : -ENOENT;
}

int sb_errno_parse(const char *s, uint32_t *out)
{
	uint64_t v;
	int e;

	if (s[0] >= '0' && s[0] <= '9') {
		e = sb_policy_parse_uint(s, SB_ERRNO_MAX, &v);
		if (e < 0)
			return e;
		*out = (uint32_t)v;
		return 0;
	}
	e = sb_errno_lookup(s);
	if (e < 0)
		return -EINVAL;
	if (e > SB_ERRNO_MAX)
		return -ERANGE;
	*out = (uint32_t)e;
	return 0;
}

static int cmp_const(const void *key, const void *elem)
{
	const struct sb_const *c = elem;

	return strcmp(key, sb_pool + c->name);
}

int sb_const_lookup(const char *name, int64_t *value)
{
	size_t n = sizeof(sb_consts) / sizeof(sb_consts[0]);
	const struct sb_const *c = bsearch(name, sb_consts, n, sizeof(*c), cmp_const);

	if (!c)
		return -ENOENT;
	*value = c->value;
	return 0;
}

static int cmp_group(const void *key, const void *elem)
{
	const struct sb_group *g = elem;

	return strcmp(key, sb_pool + g->name);
}

int sb_group_members(const struct sb_arch *arch, const char *name, uint32_t *nrs, unsigned int cap)
{
	size_t ngroups = sizeof(sb_groups) / sizeof(sb_groups[0]);
	const struct sb_group *g = bsearch(name, sb_groups, ngroups, sizeof(*g), cmp_group);
	unsigned int n = 0;

	if (!g)
		return -ENOENT;
	for (int i = 0; g->all && i < arch->sys->n && n < cap; i++)
		nrs[n++] = arch->sys->tab[i].nr + arch->nr_bias;
	for (int i = 0; !g->all && i < g->count && n < cap; i++) {
		int nr = sb_syscall_nr(arch, sb_pool + sb_members[g->first + i]);

		if (nr >= 0) /* members missing on this arch are skipped */
			nrs[n++] = (uint32_t)nr;
	}
	return (int)n;
}

const char *sb_group_at(int i)
{
	if (i < 0 || (size_t)i >= sizeof(sb_groups) / sizeof(sb_groups[0]))
		return NULL;
	return sb_pool + sb_groups[i].name;
}
