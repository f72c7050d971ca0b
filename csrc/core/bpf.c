// SPDX-License-Identifier: MIT
/*
 * bpf.c - struct sb_seccomp -> classic BPF for seccomp.
 *
 * Shape of every program:
 *   arch check (policy->abi_action, kill, for any other ABI, x32 included)
 *   a balanced binary search over the syscall number, whose leaves return a
 *   constant action or, for a syscall with argument conditions, check them
 *   in order and fall back to one.
 * Name-only rules never load arguments or the instruction pointer, so the
 * kernel's action cache (kernel/seccomp.c, seccomp_cache_prepare) resolves
 * them without running BPF at all.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The syscall numbers are split into ranges; ranges[i] covers
 * [ranges[i].lo, ranges[i + 1].lo) and the last one runs to 2^32 - 1. A range
 * either returns a constant action, or (one syscall with argument
 * conditions) runs a leaf: its conditional rules, strictest first, then
 * the fallback action. */
struct range {
	uint32_t lo;
	uint32_t action; /* the constant, or the leaf's fallback */
	int leaf; /* -1, or index into plan.leaves */
};

struct leaf {
	unsigned int first, count; /* conditional rules in plan.order */
};

#define JUMP_MAX 255 /* jt/jf are 8 bits */

/* Work space, sized for the policy at hand. NOTE: the ranges get their
 * upper bound, 2 * nrules + 1, in one pass: malloc() is libsandbox.so's
 * arena (or the C library's), whose pages cost nothing until written. */
struct plan {
	const struct sb_seccomp *p;
	uint16_t *order, *tmp; /* rule indexes by number; tmp for the merge sort */
	struct range *ranges;
	struct leaf *leaves; /* one per number with conditional rules */
	unsigned int *len; /* each subtree's length, by node (emit_tree) */
	unsigned int *len_rule; /* each rule's length, in sorted order (emit_rule) */
	unsigned int nranges, nleaves;
};

static const struct sb_rule *sorted(const struct plan *pl, unsigned int k)
{
	return &pl->p->rules[pl->order[k]];
}

/* Where instructions go. One set of emitters both writes and sizes: with
 * OUT NULL (COUNTING) they only count, so a jump over code is always the
 * length that code is emitted with. */
struct emitter {
	struct sb_insn *out;
	unsigned int cap;
	unsigned int n; /* may exceed cap: then the program does not fit */
};

#define COUNTING { NULL, 0, 0 }

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
static unsigned int emit_prologue(struct emitter *e, const struct sb_seccomp *p)
{
	const struct sb_arch *arch = p->arch;
	unsigned int n = 0;
	uint32_t abi_bit = sb_arch_abi_bit(arch);

	n += emit_load(e, offsetof(struct seccomp_data, arch));
	n += emit(e, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, sb_arch_audit(arch));
	n += emit_ret(e, p->abi_action);
	n += emit_load(e, offsetof(struct seccomp_data, nr));
	if (abi_bit) {
		n += emit(e, BPF_JMP | BPF_JGE | BPF_K, 0, 2, abi_bit);
		n += emit(e, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, UINT32_MAX);
		n += emit_ret(e, p->abi_action);
	}
	return n;
}

/* Argument words: both targets are little-endian, so the low half of
 * args[i] comes first. */
static uint32_t arg_lo(const struct sb_cond *c)
{
	return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * c->arg);
}

static uint32_t arg_hi(const struct sb_cond *c)
{
	return arg_lo(c) + 4;
}

/* A 16-bit argument (umode_t) is masked to its low 16 bits first. */
static int narrow_and(const struct sb_cond *c)
{
	return c->op == SB_CMP_MASKED_EQ || c->width == 16;
}

/* One condition; falls through when it holds, else jumps FAIL instructions
 * past its own start. j: position of the jump within the condition. */
#define F(j) (fail - (j) - 1)

/* A 32-bit or 16-bit condition: the low word only. */
static unsigned int emit_cond32(struct emitter *e, const struct sb_cond *c, unsigned int fail)
{
	uint32_t v = (uint32_t)c->value;
	const uint16_t jeq = BPF_JMP | BPF_JEQ | BPF_K, jgt = BPF_JMP | BPF_JGT | BPF_K,
		       jge = BPF_JMP | BPF_JGE | BPF_K;
	unsigned int n = emit_load(e, arg_lo(c));

	if (narrow_and(c))
		n += emit(e, BPF_ALU | BPF_AND | BPF_K, 0, 0,
			  c->op == SB_CMP_MASKED_EQ ? (uint32_t)c->mask : 0xffffU);
	switch (c->op) {
	case SB_CMP_MASKED_EQ:
	case SB_CMP_EQ:
		return n + emit(e, jeq, 0, F(n), v);
	case SB_CMP_NE:
		return n + emit(e, jeq, F(n), 0, v);
	case SB_CMP_GT:
		return n + emit(e, jgt, 0, F(n), v);
	case SB_CMP_GE:
		return n + emit(e, jge, 0, F(n), v);
	case SB_CMP_LT:
		return n + emit(e, jge, F(n), 0, v);
	default: /* LE */
		return n + emit(e, jgt, F(n), 0, v);
	}
}

static unsigned int emit_cond64(struct emitter *e, const struct sb_cond *c, unsigned int fail)
{
	uint32_t hi = (uint32_t)(c->value >> 32), lo = (uint32_t)c->value;
	const uint16_t jeq = BPF_JMP | BPF_JEQ | BPF_K, jgt = BPF_JMP | BPF_JGT | BPF_K,
		       jge = BPF_JMP | BPF_JGE | BPF_K;

	emit_load(e, arg_hi(c));
	switch (c->op) {
	case SB_CMP_EQ:
		emit(e, jeq, 0, F(1), hi);
		emit_load(e, arg_lo(c));
		return 3 + emit(e, jeq, 0, F(3), lo);
	case SB_CMP_NE:
		emit(e, jeq, 0, 2, hi);
		emit_load(e, arg_lo(c));
		return 3 + emit(e, jeq, F(3), 0, lo);
	case SB_CMP_MASKED_EQ:
		emit(e, BPF_ALU | BPF_AND | BPF_K, 0, 0, (uint32_t)(c->mask >> 32));
		emit(e, jeq, 0, F(2), hi);
		emit_load(e, arg_lo(c));
		emit(e, BPF_ALU | BPF_AND | BPF_K, 0, 0, (uint32_t)c->mask);
		return 5 + emit(e, jeq, 0, F(5), lo);
	case SB_CMP_GT:
	case SB_CMP_GE: /* hi > HI, or hi == HI and lo >(=) LO */
		emit(e, jgt, 3, 0, hi);
		emit(e, jeq, 0, F(2), hi);
		emit_load(e, arg_lo(c));
		return 4 + emit(e, c->op == SB_CMP_GT ? jgt : jge, 0, F(4), lo);
	default: /* LT, LE: not (hi > HI), and hi < HI or lo <(=) LO */
		emit(e, jgt, F(1), 0, hi);
		emit(e, jeq, 0, 2, hi);
		emit_load(e, arg_lo(c));
		return 4 + emit(e, c->op == SB_CMP_LT ? jge : jgt, F(4), 0, lo);
	}
}

#undef F

/* All conditions, then return the rule's action; a failed one skips to
 * SIZE instructions past the rule's start: whatever follows it. */
static unsigned int emit_conds(struct emitter *e, const struct sb_seccomp *p,
			       const struct sb_rule *r, unsigned int size)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->nconds; i++) {
		const struct sb_cond *c = &p->conds[r->cond + i];

		n += c->width != 64 ? emit_cond32(e, c, size - n) : emit_cond64(e, c, size - n);
	}
	return n + emit_ret(e, r->action);
}

/* Rule K of the sorted order: a counting run records its length in
 * pl->len_rule[K] (its failed conditions' jumps do not change it), the
 * writing run aims those jumps with it. */
static unsigned int emit_rule(struct emitter *e, struct plan *pl, unsigned int k)
{
	if (!e->out)
		return pl->len_rule[k] = emit_conds(e, pl->p, sorted(pl, k), 0);
	return emit_conds(e, pl->p, sorted(pl, k), pl->len_rule[k]);
}

static unsigned int emit_leaf(struct emitter *e, struct plan *pl, const struct range *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; r->leaf >= 0 && i < pl->leaves[r->leaf].count; i++)
		n += emit_rule(e, pl, pl->leaves[r->leaf].first + i);
	return n + emit_ret(e, r->action);
}

static unsigned int emit_jump(struct emitter *e, uint32_t lo, unsigned int left)
{
	if (left <= JUMP_MAX)
		return emit(e, BPF_JMP | BPF_JGE | BPF_K, left, 0, lo);
	return emit(e, BPF_JMP | BPF_JGE | BPF_K, 0, 1, lo) + emit(e, BPF_JMP | BPF_JA, 0, 0, left);
}

/* if (nr >= ranges[m].lo) goto right; left subtree; right subtree. NODE
 * numbers the subtree (the root 1, its halves 2 NODE and 2 NODE + 1): a
 * counting run records each subtree's length in pl->len[NODE], and the
 * writing run takes its jumps from there, so each instruction is counted
 * once, by these same emitters. */
static unsigned int emit_tree(struct emitter *e, struct plan *pl, unsigned int i, unsigned int j,
			      unsigned int node)
{
	unsigned int m = i + (j - i) / 2, n;

	if (j - i == 1) {
		n = emit_leaf(e, pl, &pl->ranges[i]);
	} else if (!e->out) {
		n = emit_tree(e, pl, i, m, 2 * node);
		n += emit_jump(e, pl->ranges[m].lo, n) + emit_tree(e, pl, m, j, 2 * node + 1);
	} else {
		n = emit_jump(e, pl->ranges[m].lo, pl->len[2 * node]);
		n += emit_tree(e, pl, i, m, 2 * node) + emit_tree(e, pl, m, j, 2 * node + 1);
	}
	if (!e->out)
		pl->len[node] = n;
	return n;
}

/* The kernel's precedence between actions: lower signed value wins. */
static int precedence(uint32_t action)
{
	return (int32_t)(action & 0xffff0000U);
}

/* By number; within one number the strictest first, then input order. */
static int cmp_rule(const void *a, const void *b)
{
	const struct sb_rule *x = a, *y = b;

	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	if (precedence(x->action) != precedence(y->action))
		return precedence(x->action) < precedence(y->action) ? -1 : 1;
	return x->cond < y->cond ? -1 : x->cond > y->cond;
}

/* Append a range. */
static void push(struct plan *pl, uint32_t lo, uint32_t action, int leaf)
{
	const struct range *last = pl->nranges ? &pl->ranges[pl->nranges - 1] : NULL;

	if (last && last->leaf < 0 && leaf < 0 && last->action == action)
		return; /* extends the previous range */
	pl->ranges[pl->nranges++] = (struct range){ lo, action, leaf };
}

/*
 * The rules for one number, sorted[i..j) strictest first, then in input
 * order: the result is the first rule that matches (unconditional ones always
 * do) - the strictest action, the earliest written among equals - or the
 * default when none does. So the conditional rules before the first
 * unconditional one are checked, in order, and it is the fallback; the rules
 * after it can never decide, nor can trailing ones that return the fallback.
 */
static void add_number(struct plan *pl, unsigned int i, unsigned int j)
{
	uint32_t fallback = pl->p->default_action;
	unsigned int u = i;

	while (u < j && sorted(pl, u)->nconds)
		u++;
	if (u < j)
		fallback = sorted(pl, u)->action;
	while (u > i && sorted(pl, u - 1)->action == fallback)
		u--;
	if (u == i) {
		push(pl, sorted(pl, i)->nr, fallback, -1);
		return;
	}
	pl->leaves[pl->nleaves].first = i;
	pl->leaves[pl->nleaves].count = u - i;
	push(pl, sorted(pl, i)->nr, fallback, (int)pl->nleaves++);
}

/* Stable bottom-up merge sort of the rule indexes A (N) by cmp_rule; TMP as
 * big. (glibc's qsort() may call sysinfo(2) and malloc.) */
static void sort_rules(const struct sb_rule *rules, uint16_t *a, uint16_t *tmp, unsigned int n)
{
	for (unsigned int w = 1; w < n; w *= 2) {
		for (unsigned int lo = 0; lo < n; lo += 2 * w) {
			unsigned int mid = lo + w < n ? lo + w : n;
			unsigned int hi = lo + 2 * w < n ? lo + 2 * w : n;
			unsigned int i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				tmp[k++] =
					cmp_rule(&rules[a[j]], &rules[a[i]]) < 0 ? a[j++] : a[i++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
		}
		memcpy(a, tmp, n * sizeof(*a));
	}
}

#define COUNT_NRS SB_NR_SPACE /* every real syscall number of the targets is below */

/* The same order as sort_rules(), in linear time when every number is below
 * COUNT_NRS (the usual case): a counting sort by number keeps input order,
 * then each number's few rules are insertion-sorted by precedence. */
static void order_rules(const struct sb_rule *rules, uint16_t *a, uint16_t *tmp, unsigned int n)
{
	uint16_t start[COUNT_NRS + 1];
	uint64_t top = 0; /* the highest number, + 1 (0xffffffff + 1 too) */

	for (unsigned int i = 0; i < n; i++)
		top = rules[i].nr >= top ? (uint64_t)rules[i].nr + 1 : top;
	if (top >= COUNT_NRS) {
		for (unsigned int k = 0; k < n; k++)
			a[k] = (uint16_t)k;
		sort_rules(rules, a, tmp, n);
		return;
	}
	memset(start, 0, (top + 1) * sizeof(start[0]));
	for (unsigned int i = 0; i < n; i++)
		start[rules[i].nr + 1]++;
	for (unsigned int nr = 0; nr < (unsigned int)top; nr++)
		start[nr + 1] += start[nr];
	for (unsigned int i = 0; i < n; i++)
		a[start[rules[i].nr]++] = (uint16_t)i; /* start[nr]: now its end */
	for (unsigned int i = 1; i < n; i++) {
		uint16_t x = a[i];
		unsigned int j = i;

		for (; j > 0 && rules[a[j - 1]].nr == rules[x].nr &&
		       cmp_rule(&rules[x], &rules[a[j - 1]]) < 0;
		     j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* Sorted rules -> ranges covering every 32-bit number. */
static void make_ranges(struct plan *pl)
{
	const struct sb_seccomp *p = pl->p;
	unsigned int i = 0, j;
	uint64_t next = 0;

	pl->nranges = pl->nleaves = 0;
	for (; i < p->nrules; i = j) {
		uint32_t nr = sorted(pl, i)->nr;

		for (j = i + 1; j < p->nrules && sorted(pl, j)->nr == nr; j++)
			;
		if (nr > next)
			push(pl, (uint32_t)next, p->default_action, -1);
		add_number(pl, i, j);
		next = (uint64_t)nr + 1;
	}
	if (next <= UINT32_MAX)
		push(pl, (uint32_t)next, p->default_action, -1);
}

static int policy_valid(const struct sb_seccomp *p)
{
	if (!p->arch || !sb_arch_is_target(p->arch) || p->nrules > SB_RULES_MAX ||
	    p->nconds > SB_CONDS_MAX || p->default_action == SB_ACT_DEFAULT)
		return 0;
	/* another ABI never reaches the rules: killed, or traced to learn */
	if (p->abi_action != SB_ACT_TRACE && p->abi_action != SB_ACT_KILL_PROCESS)
		return 0;
	for (unsigned int i = 0; i < p->nrules; i++) {
		const struct sb_rule *r = &p->rules[i];

		if (r->action == SB_ACT_DEFAULT || r->nconds > SB_RULE_CONDS_MAX ||
		    r->cond + r->nconds > p->nconds)
			return 0;
		for (unsigned int k = 0; k < r->nconds; k++) {
			const struct sb_cond *c = &p->conds[r->cond + k];

			if (c->arg > 5 || c->op < SB_CMP_NE || c->op > SB_CMP_MASKED_EQ ||
			    (c->width != 16 && c->width != 32 && c->width != 64))
				return 0;
		}
	}
	return 1;
}

int sb_bpf_compile(const struct sb_seccomp *p, struct sb_insn *out, unsigned int cap)
{
	struct emitter e = { out, cap, 0 }, count = COUNTING;
	struct plan plan = { .p = p }, *pl = &plan;
	void *mem, *ranges;
	size_t n;

	if (!policy_valid(p))
		return -EINVAL;
	n = p->nrules;
	mem = malloc(2 * n * sizeof(uint16_t) + 1);
	if (!mem)
		return -ENOMEM;
	pl->order = mem;
	pl->tmp = pl->order + n;
	order_rules(p->rules, pl->order, pl->tmp, n);
	/* NOTE: halving, the tree of R ranges is at most ceil(log2 R) deep: its
	 * node numbers stay below 4 R. */
	ranges = malloc((2 * n + 1) * (sizeof(struct range) + 4 * sizeof(unsigned int)) +
			n * (sizeof(struct leaf) + sizeof(unsigned int)));
	if (!ranges) {
		free(mem);
		return -ENOMEM;
	}
	pl->ranges = ranges;
	pl->leaves = (struct leaf *)((unsigned int *)(pl->ranges + 2 * n + 1) + 4 * (2 * n + 1));
	pl->len_rule = (unsigned int *)(pl->leaves + n);
	make_ranges(pl);
	/* NOTE: the subtree lengths right after the ranges in use (4 R of the
	 * 4 (2 n + 1) reserved), not after all 2 n + 1: on the page the ranges
	 * are written on, not a page of their own (a page fault less when R is
	 * small, as for a full allowlist). */
	pl->len = (unsigned int *)(pl->ranges + pl->nranges);
	emit_tree(&count, pl, 0, pl->nranges, 1);
	emit_prologue(&e, p);
	emit_tree(&e, pl, 0, pl->nranges, 1);
	free(ranges);
	free(mem);
	if (e.n > cap || e.n > SB_PROG_MAX)
		return -E2BIG;
	return (int)e.n;
}
