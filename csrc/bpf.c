// SPDX-License-Identifier: MIT
/*
 * bpf.c - struct sb_policy -> classic BPF for seccomp.
 *
 * Shape of every program:
 *   arch check (kill on any other ABI, x32 included)
 *   a balanced binary search over the syscall number, whose leaves return a
 *   constant action.
 * Name-only rules never load arguments or the instruction pointer, so the
 * kernel's action cache (kernel/seccomp.c, seccomp_cache_prepare) resolves
 * them without running BPF at all.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

/* The syscall numbers are split into ranges; ranges[i] covers
 * [ranges[i].lo, ranges[i + 1].lo) and the last one runs to 2^32 - 1. */
struct range {
	uint32_t lo;
	uint32_t action;
};

#define RANGES_MAX (2 * SB_RULES_MAX + 1)
#define JUMP_MAX 255 /* jt/jf are 8 bits */

struct emitter {
	struct sb_insn *out;
	unsigned int cap;
	unsigned int n; /* may exceed cap: then the program does not fit */
};

static unsigned int emit(struct emitter *e, uint16_t code, uint32_t jt, uint32_t jf, uint32_t k)
{
	if (e->n < e->cap) {
		e->out[e->n].code = code;
		e->out[e->n].jt = (uint8_t)jt;
		e->out[e->n].jf = (uint8_t)jf;
		e->out[e->n].k = k;
	}
	e->n++;
	return 1;
}

static unsigned int emit_ret(struct emitter *e, uint32_t action)
{
	return emit(e, BPF_RET | BPF_K, 0, 0, action);
}

static unsigned int emit_load(struct emitter *e, uint32_t offset)
{
	return emit(e, BPF_LD | BPF_W | BPF_ABS, 0, 0, offset);
}

/* NOTE: seccomp(2) "Caveats": check the arch first, and on x86_64 reject the
 * x32 bit too, or a denylist can be sidestepped through another ABI. Number
 * -1 is let through to the search (it gets the default action): a tracer sets
 * it to skip a syscall, and the kernel answers it with ENOSYS. */
static unsigned int emit_prologue(struct emitter *e, const struct sb_arch *arch)
{
	unsigned int n = 0;
	uint32_t abi_bit = sb_arch_abi_bit(arch);

	n += emit_load(e, offsetof(struct seccomp_data, arch));
	n += emit(e, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, sb_arch_audit(arch));
	n += emit_ret(e, SB_ACT_KILL_PROCESS);
	n += emit_load(e, offsetof(struct seccomp_data, nr));
	if (abi_bit) {
		n += emit(e, BPF_JMP | BPF_JGE | BPF_K, 0, 2, abi_bit);
		n += emit(e, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, UINT32_MAX);
		n += emit_ret(e, SB_ACT_KILL_PROCESS);
	}
	return n;
}

/* Size of the search tree over ranges [i, j), as emit_tree() writes it. */
static unsigned int tree_size(const struct range *r, unsigned int i, unsigned int j)
{
	unsigned int m = i + (j - i) / 2, left, right;

	if (j - i == 1)
		return 1;
	left = tree_size(r, i, m);
	right = tree_size(r, m, j);
	return (left <= JUMP_MAX ? 1 : 2) + left + right;
}

/* if (nr >= ranges[m].lo) goto right; left subtree; right subtree. */
static unsigned int emit_tree(struct emitter *e, const struct range *r, unsigned int i,
			      unsigned int j)
{
	unsigned int m = i + (j - i) / 2, left, n = 0;

	if (j - i == 1)
		return emit_ret(e, r[i].action);
	left = tree_size(r, i, m);
	if (left <= JUMP_MAX) {
		n += emit(e, BPF_JMP | BPF_JGE | BPF_K, left, 0, r[m].lo);
	} else {
		n += emit(e, BPF_JMP | BPF_JGE | BPF_K, 0, 1, r[m].lo);
		n += emit(e, BPF_JMP | BPF_JA, 0, 0, left);
	}
	n += emit_tree(e, r, i, m);
	n += emit_tree(e, r, m, j);
	return n;
}

/* The kernel's precedence between actions: lower signed value wins. */
static uint32_t strictest(uint32_t a, uint32_t b)
{
	return (int32_t)(a & 0xffff0000U) <= (int32_t)(b & 0xffff0000U) ? a : b;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct sb_rule *x = a, *y = b;

	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static void push(struct range *r, unsigned int *n, uint32_t lo, uint32_t action)
{
	if (*n > 0 && r[*n - 1].action == action)
		return; /* extends the previous range */
	r[*n].lo = lo;
	r[*n].action = action;
	(*n)++;
}

/* Sorted rules -> ranges covering every 32-bit number; several rules for one
 * number resolve to the strictest action. */
static unsigned int make_ranges(const struct sb_policy *p, struct range *r)
{
	struct sb_rule sorted[SB_RULES_MAX];
	unsigned int n = 0, i = 0;
	uint64_t next = 0;

	memcpy(sorted, p->rules, p->nrules * sizeof(sorted[0]));
	qsort(sorted, p->nrules, sizeof(sorted[0]), cmp_rule);
	while (i < p->nrules) {
		uint32_t nr = sorted[i].nr, action = sorted[i].action;

		for (i++; i < p->nrules && sorted[i].nr == nr; i++)
			action = strictest(action, sorted[i].action);
		if (nr > next)
			push(r, &n, (uint32_t)next, p->default_action);
		push(r, &n, nr, action);
		next = (uint64_t)nr + 1;
	}
	if (next <= UINT32_MAX)
		push(r, &n, (uint32_t)next, p->default_action);
	return n;
}

int sb_bpf_compile(const struct sb_policy *p, struct sb_insn *out, unsigned int cap)
{
	struct emitter e = { out, cap, 0 };
	struct range ranges[RANGES_MAX];
	unsigned int n;

	if (!p->arch || !sb_arch_is_target(p->arch) || p->nrules > SB_RULES_MAX)
		return -EINVAL;
	n = make_ranges(p, ranges);
	emit_prologue(&e, p->arch);
	emit_tree(&e, ranges, 0, n);
	if (e.n > cap || e.n > SB_PROG_MAX)
		return -E2BIG;
	return (int)e.n;
}
