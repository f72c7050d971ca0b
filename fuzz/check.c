// SPDX-License-Identifier: MIT
/*
 * check.c - the loader's sequence and the invariants every fuzz target checks.
 *
 * A failed load must fill the error record. A loaded policy's program must be
 * one the kernel accepts (length, opcodes, loads inside struct seccomp_data,
 * forward jumps in range, a return at the end, valid actions) and load no
 * argument that no condition compares; compiling it again into a buffer of
 * exactly its length must give the same program, into one instruction less
 * -E2BIG; and running it must decide what the policy says: for sampled
 * syscall numbers and arguments, the strictest matching rule (the first
 * written among equals), else the default action; another ABI gets
 * abi_action.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

#define DATA_WORDS 16 /* struct seccomp_data: nr, arch, ip (2), args (6 x 2) */
#define NRS_CHECKED 32 /* rules whose number (and the next) is sampled */
#define ARG_ROUNDS 8 /* rounds of argument vectors per number with conditions */
#define DESCRIBED 64 /* rules whose SECCOMP_VERBOSE line is formatted */

const char fz_profile[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
	"[\"read\", \"write\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
const char fz_file[] = "deny ptrace = EPERM\n";
const struct sb_host fz_host_all = { ~0ULL, 7, 2 };
const struct sb_host fz_host_none = { 0, 3, 10 };

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

static int valid_action(uint32_t k)
{
	switch (k & 0xffff0000U) {
	case SB_ACT_ERRNO:
		return (k & 0xffffU) <= SB_ERRNO_MAX;
	case SB_ACT_KILL_PROCESS:
	case SB_ACT_KILL_THREAD:
	case SB_ACT_TRAP:
	case SB_ACT_USER_NOTIF:
	case SB_ACT_TRACE:
	case SB_ACT_LOG:
	case SB_ACT_ALLOW:
		return 1;
	}
	return 0;
}

/* Argument words some rule's conditions compare (bit N: args[N]). */
static unsigned int args_compared(const struct sb_seccomp *p)
{
	unsigned int used = 0;

	for (unsigned int i = 0; i < p->nrules; i++)
		for (unsigned int k = 0; k < p->rules[i].nconds; k++)
			used |= 1U << p->conds[p->rules[i].cond + k].arg;
	return used;
}

/* The instructions bpf.c emits, each as the kernel's checker wants it; loads
 * only of nr, arch and the arguments conditions compare (so name-only rules
 * keep a constant result per number, for the kernel's action cache). */
static void check_insn(const struct sb_insn *in, unsigned int pc, unsigned int len,
		       unsigned int args)
{
	switch (in->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		FZ_CHECK(in->k < 4 * DATA_WORDS && in->k % 4 == 0);
		FZ_CHECK(in->k < 8 || (in->k >= 16 && (args >> (in->k - 16) / 8 & 1)));
		return;
	case BPF_ALU | BPF_AND | BPF_K:
		return;
	case BPF_RET | BPF_K:
		FZ_CHECK(valid_action(in->k));
		return;
	case BPF_JMP | BPF_JA:
		FZ_CHECK(in->k < len - pc - 1);
		return;
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_K:
		FZ_CHECK(in->jt < len - pc - 1 && in->jf < len - pc - 1);
		return;
	}
	FZ_CHECK(!"an opcode bpf.c does not emit");
}

static void check_program(const struct sb_seccomp *p, const struct sb_insn *prog, unsigned int len)
{
	unsigned int args = args_compared(p);

	FZ_CHECK(len > 0 && len <= SB_PROG_MAX);
	for (unsigned int pc = 0; pc < len; pc++)
		check_insn(&prog[pc], pc, len, args);
	FZ_CHECK(prog[len - 1].code == (BPF_RET | BPF_K));
}

/* Run a checked program over DATA (struct seccomp_data as 32-bit words;
 * both targets are little-endian: the low half of each argument first). */
static uint32_t run(const struct sb_insn *prog, unsigned int len, const uint32_t *data)
{
	int64_t r = sb_bpf_run(prog, len, data);

	FZ_CHECK(r >= 0); /* check_program() let no bad instruction through */
	return (uint32_t)r;
}

static uint64_t arg_of(const uint32_t *data, unsigned int i)
{
	return data[4 + 2 * i] | (uint64_t)data[5 + 2 * i] << 32;
}

static int cond_holds(const struct sb_cond *c, uint64_t arg)
{
	uint64_t m = c->width >= 64 ? ~0ULL : (1ULL << c->width) - 1;
	uint64_t x = arg & m, v = c->value & m;

	switch (c->op) {
	case SB_CMP_NE:
		return x != v;
	case SB_CMP_LT:
		return x < v;
	case SB_CMP_LE:
		return x <= v;
	case SB_CMP_EQ:
		return x == v;
	case SB_CMP_GE:
		return x >= v;
	case SB_CMP_GT:
		return x > v;
	}
	return (x & c->mask) == v; /* MASKED_EQ */
}

static int rule_matches(const struct sb_seccomp *p, const struct sb_rule *r, const uint32_t *data)
{
	for (unsigned int k = 0; k < r->nconds; k++) {
		const struct sb_cond *c = &p->conds[r->cond + k];

		if (!cond_holds(c, arg_of(data, c->arg)))
			return 0;
	}
	return 1;
}

/* What the policy says for DATA, restated from struct sb_seccomp. */
static uint32_t decide(const struct sb_seccomp *p, const uint32_t *data)
{
	uint32_t abi_bit = sb_arch_abi_bit(p->arch);
	const struct sb_rule *best = NULL;

	if (data[1] != sb_arch_audit(p->arch))
		return p->abi_action;
	if (abi_bit && data[0] >= abi_bit && data[0] != UINT32_MAX)
		return p->abi_action;
	for (unsigned int i = 0; i < p->nrules; i++) {
		const struct sb_rule *r = &p->rules[i];

		if (r->nr != data[0] || !rule_matches(p, r, data))
			continue;
		/* the kernel's precedence: lower signed value wins */
		if (!best ||
		    (int32_t)(r->action & 0xffff0000U) < (int32_t)(best->action & 0xffff0000U))
			best = r;
	}
	return best ? best->action : p->default_action;
}

static void expect(const struct sb_seccomp *p, const struct sb_insn *prog, unsigned int len,
		   const uint32_t *data)
{
	uint32_t want = decide(p, data), got = run(prog, len, data);

	if (got != want) {
		fprintf(stderr, "nr %u arch %#x args %#llx %#llx %#llx: filter %#x, policy %#x\n",
			data[0], data[1], (unsigned long long)arg_of(data, 0),
			(unsigned long long)arg_of(data, 1), (unsigned long long)arg_of(data, 2),
			got, want);
		FZ_CHECK(!"the filter decides what the policy does not say");
	}
}

#define CONDS_SAMPLED 32 /* conditions of one number the samples come from */
#define VARIANTS 6 /* values tried around each */

/* Argument value S of a vector for ARG: around what the conditions CS
 * compare it with (equal, a neighbour, the other half flipped, ...), the
 * (S / VARIANTS)th of them in turn; plain values if none does. */
static uint64_t sample(const struct sb_cond *const *cs, unsigned int n, unsigned int arg,
		       unsigned int s)
{
	static const uint64_t plain[] = { 0, 1, ~0ULL, 0xffffffffULL, 0x100000000ULL };
	const struct sb_cond *mine[CONDS_SAMPLED];
	unsigned int k = 0;
	const struct sb_cond *c;
	uint64_t v;

	for (unsigned int i = 0; i < n; i++)
		if (cs[i]->arg == arg)
			mine[k++] = cs[i];
	if (!k)
		return plain[(s + arg) % 5];
	c = mine[s / VARIANTS % k];
	v = c->op == SB_CMP_MASKED_EQ ? c->value | (~c->mask & 0x5a5a) : c->value;
	switch ((s + arg) % VARIANTS) {
	case 0:
		return v;
	case 1:
		return v + 1;
	case 2:
		return v - 1;
	case 3:
		return v ^ 0xffffffff00000000ULL;
	case 4:
		return ~v;
	}
	return c->mask;
}

static void check_number(const struct sb_seccomp *p, const struct sb_insn *prog, unsigned int len,
			 uint32_t nr)
{
	uint32_t data[DATA_WORDS] = { nr, sb_arch_audit(p->arch) };
	const struct sb_cond *cs[CONDS_SAMPLED];
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->nrules; i++)
		for (unsigned int k = 0; p->rules[i].nr == nr && k < p->rules[i].nconds; k++)
			if (n < CONDS_SAMPLED)
				cs[n++] = &p->conds[p->rules[i].cond + k];
	expect(p, prog, len, data);
	for (unsigned int s = 0; s < VARIANTS * (n < ARG_ROUNDS ? n : ARG_ROUNDS); s++) {
		for (unsigned int a = 0; a < 6; a++) {
			uint64_t v = sample(cs, n, a, s);

			data[4 + 2 * a] = (uint32_t)v;
			data[5 + 2 * a] = (uint32_t)(v >> 32);
		}
		expect(p, prog, len, data);
	}
}

/* A call of another arch (AUDIT), which the policy's arch check decides. */
static void check_foreign(const struct sb_seccomp *p, const struct sb_insn *prog, unsigned int len,
			  uint32_t audit)
{
	uint32_t data[DATA_WORDS] = { p->nrules ? p->rules[0].nr : 0, audit };

	if (audit != sb_arch_audit(p->arch))
		expect(p, prog, len, data);
}

static void check_decisions(const struct sb_seccomp *p, const struct sb_insn *prog,
			    unsigned int len)
{
	const uint32_t abi_bit = sb_arch_abi_bit(p->arch);
	const uint32_t extra[] = { 0, 1, 0xffff, UINT32_MAX, abi_bit, abi_bit - 1, abi_bit + 1 };
	const struct sb_arch *other;
	unsigned int step = p->nrules > NRS_CHECKED ? p->nrules / NRS_CHECKED : 1;

	for (unsigned int i = 0; i < p->nrules; i += step) {
		check_number(p, prog, len, p->rules[i].nr);
		check_number(p, prog, len, p->rules[i].nr + 1);
	}
	for (unsigned int i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		check_number(p, prog, len, extra[i]);
	for (int i = 0; (other = sb_arch_at(i)); i++) {
		check_foreign(p, prog, len, sb_arch_audit(other));
		check_foreign(p, prog, len, sb_arch_compat_audit(other));
	}
	check_foreign(p, prog, len, sb_arch_audit(p->arch) ^ 1);
}

/* Compile, check the program, and again into exactly fitting buffers. */
static int check_compiled(const struct sb_seccomp *p)
{
	struct sb_insn *prog = malloc(SB_PROG_MAX * sizeof(*prog)), *again;
	int n = sb_bpf_compile(p, prog, SB_PROG_MAX);

	FZ_CHECK(n > 0 || n == -E2BIG);
	if (n < 0) {
		free(prog);
		return n;
	}
	check_program(p, prog, (unsigned int)n);
	again = malloc((size_t)n * sizeof(*again));
	FZ_CHECK(sb_bpf_compile(p, again, (unsigned int)n) == n);
	FZ_CHECK(memcmp(prog, again, (size_t)n * sizeof(*again)) == 0);
	FZ_CHECK(sb_bpf_compile(p, again, (unsigned int)n - 1) == -E2BIG);
	free(again);
	check_decisions(p, prog, (unsigned int)n);
	free(prog);
	return n;
}

static void check_error(int r, const struct sb_error *err)
{
	char line[1024];

	FZ_CHECK(r < 0 && err->kind != SB_ERR_NONE && err->kind <= SB_ERR_HOST);
	FZ_CHECK(memchr(err->var, '\0', sizeof(err->var)) && err->var[0]);
	FZ_CHECK(memchr(err->what, '\0', sizeof(err->what)) && err->what[0]);
	FZ_CHECK(memchr(err->token, '\0', sizeof(err->token)));
	FZ_CHECK(sb_error_format(err, line, sizeof(line)) > 0);
}

static void check_loaded(const struct sb_seccomp *p)
{
	char line[256];

	FZ_CHECK(p->nrules <= SB_RULES_MAX && p->nconds <= SB_CONDS_MAX);
	for (unsigned int i = 0; i < p->nrules && i < DESCRIBED; i++)
		FZ_CHECK(sb_rule_describe(p, i, line, sizeof(line)) > 0);
}

/* What the loader's reader hands out: FILES, for the paths of CFG. */
struct inputs {
	const struct fz_files *files;
	const struct sb_config *cfg;
};

/* The loader's reader: the file or the profile the target gave (the loader
 * reads the paths it keeps in the configuration). */
static long read_input(void *ctx, const char *path, char *buf, size_t size)
{
	const struct inputs *in = ctx;
	int is_profile = path == in->cfg->profile;
	const char *text = is_profile ? in->files->profile : in->files->file;
	size_t len = is_profile ? in->files->profile_len : in->files->file_len;

	FZ_CHECK(is_profile || path == in->cfg->policy_file);
	if (len >= size)
		return -EFBIG;
	memcpy(buf, text, len);
	return (long)len;
}

/* The Landlock layer is well formed: every path an absolute, NUL-terminated
 * string inside the arena, every port range ordered, the counts in bounds,
 * and nothing handled that no rule could name. */
static void check_landlock(const struct sb_landlock *ll)
{
	FZ_CHECK(ll->npaths <= SB_LL_PATHS_MAX && ll->nports <= SB_LL_PORTS_MAX);
	FZ_CHECK(ll->arena_len <= SB_LL_ARENA);
	FZ_CHECK((ll->fs & ~(uint64_t)SB_FS_ALL) == 0 && (ll->net & ~(uint64_t)SB_NET_ALL) == 0);
	FZ_CHECK((ll->scoped & ~(uint64_t)SB_SCOPE_ALL) == 0);
	FZ_CHECK(ll->fs || ll->net || ll->scoped);
	FZ_CHECK(!(ll->sockets & SB_NET_NONE) || ll->sockets == SB_NET_NONE);
	for (unsigned int i = 0; i < ll->npaths; i++) {
		const struct sb_ll_path *p = &ll->paths[i];

		FZ_CHECK(p->name < ll->arena_len && ll->arena[p->name] == '/');
		FZ_CHECK(memchr(ll->arena + p->name, '\0', ll->arena_len - p->name) != NULL);
		FZ_CHECK(p->access && (p->access & ~SB_FS_ALL) == 0 && ll->fs);
	}
	for (unsigned int i = 0; i < ll->nports; i++)
		FZ_CHECK(ll->ports[i].lo <= ll->ports[i].hi && ll->net &&
			 (ll->ports[i].access == SB_NET_BIND_TCP ||
			  ll->ports[i].access == SB_NET_CONNECT_TCP));
}

/* Capabilities named and kept agree; every limit is one SANDBOX_LIMITS names,
 * once, soft at most hard. */
static void check_privs(const struct sb_config *cfg)
{
	unsigned int seen = 0;

	for (int c = 0; (cfg->layers & SB_LAYER_CAPS) && c < 64; c++)
		FZ_CHECK(!(cfg->caps.keep >> c & 1) == !cfg->caps.item[c] &&
			 (!(cfg->caps.keep >> c & 1) || sb_cap_name(c)));
	for (unsigned int i = 0; (cfg->layers & SB_LAYER_LIMITS) && i < cfg->limits.n; i++) {
		const struct sb_limit *l = &cfg->limits.limit[i];

		FZ_CHECK(cfg->limits.n <= SB_LIMITS_MAX && sb_limit_name(l->resource));
		FZ_CHECK(l->soft <= l->hard && l->resource < 32 && !(seen & (1U << l->resource)));
		seen |= 1U << l->resource;
	}
}

int fz_load(const struct sb_arch *arch, char *const *envp, const struct fz_files *files)
{
	/* on the heap and dirty: a read past what the loader wrote shows */
	struct sb_config *cfg = malloc(sizeof(*cfg));
	size_t size =
		(files->file_len > files->profile_len ? files->file_len : files->profile_len) + 1;
	unsigned int cap = (unsigned int)(files->profile_len / 2 + 2);
	struct inputs in = { files, cfg };
	const struct sb_load_io io = { read_input,
				       &in,
				       files->host,
				       NULL,
				       malloc(size),
				       size,
				       malloc(cap * sizeof(struct sb_json)),
				       cap };
	struct sb_load_stats stats;
	struct sb_error err;
	int r;

	memset(cfg, 0xa5, sizeof(*cfg));
	r = sb_config_load(cfg, arch, envp, &io, &stats, &err);
	FZ_CHECK(r <= 1);
	if (r < 0)
		check_error(r, &err);
	if (r == 0) {
		/* a Landlock layer always comes with the seccomp rules beside it;
		 * capabilities and limits come alone or with either; the vows
		 * compile into the seccomp layer (and maybe Landlock) */
		FZ_CHECK(cfg->layers &&
			 !(cfg->layers & ~(SB_LAYER_SECCOMP | SB_LAYER_LANDLOCK | SB_LAYER_VOWS |
					   SB_LAYER_CAPS | SB_LAYER_LIMITS)));
		FZ_CHECK(!(cfg->layers & SB_LAYER_LANDLOCK) || (cfg->layers & SB_LAYER_SECCOMP));
		FZ_CHECK(!(cfg->layers & SB_LAYER_VOWS) || (cfg->layers & SB_LAYER_SECCOMP));
		FZ_CHECK(!(cfg->layers & SB_LAYER_VOWS) ||
			 cfg->seccomp.default_action == SB_ACT_KILL_PROCESS ||
			 cfg->seccomp.default_action == (SB_ACT_ERRNO | EPERM));
		if (cfg->layers & SB_LAYER_LANDLOCK)
			check_landlock(&cfg->landlock);
		check_privs(cfg);
		if (cfg->layers & SB_LAYER_SECCOMP) {
			check_loaded(&cfg->seccomp);
			r = check_compiled(&cfg->seccomp);
		}
	}
	free(io.text);
	free(io.tape);
	free(cfg);
	return r;
}
