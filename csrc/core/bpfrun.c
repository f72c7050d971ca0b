// SPDX-License-Identifier: MIT
/*
 * bpfrun.c - the one C interpreter of the classic BPF that bpf.c emits:
 * libsandbox.so's read-back check asks it what its own filter answers, and
 * fuzz/check.c runs every compiled program with it. Strict: an instruction
 * outside that subset, a load outside struct seccomp_data or falling off
 * the end is an error, never a verdict.
 */
#include <linux/filter.h>
#include <string.h>

#include "internal.h"

#define DATA_SIZE 64 /* struct seccomp_data */

int64_t sb_bpf_run(const struct sb_insn *prog, unsigned int len, const void *data)
{
	uint32_t a = 0;

	for (unsigned int pc = 0; pc < len; pc++) {
		const struct sb_insn *in = &prog[pc];
		int taken;

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k > DATA_SIZE - 4 || in->k % 4)
				return -1;
			memcpy(&a, (const char *)data + in->k, 4);
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= in->k;
			continue;
		case BPF_JMP | BPF_JA:
			if (in->k >= len - pc - 1)
				return -1;
			pc += in->k;
			continue;
		case BPF_JMP | BPF_JEQ | BPF_K:
			taken = a == in->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			taken = a > in->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			taken = a >= in->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			taken = (a & in->k) != 0;
			break;
		case BPF_RET | BPF_K:
			return in->k;
		default:
			return -1;
		}
		pc += taken ? in->jt : in->jf;
	}
	return -1; /* fell off the end */
}
