// SPDX-License-Identifier: MIT
/*
 * filterbuild.c - time pysandbox's policy compiler alone (csrc/policy.c,
 * csrc/json.c, csrc/profile.c, csrc/bpf.c, csrc/syscalls.c), nothing
 * installed: parse this process's SECCOMP_* environment ITERATIONS times
 * (with SECCOMP_PROFILE: read once, then parsed each time for this process's
 * capabilities and kernel), then compile the policy to BPF ITERATIONS times.
 *
 *   filterbuild ITERATIONS -> prints "INSNS PARSE_US COMPILE_US" (per build)
 */
#define _GNU_SOURCE /* environ */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

static struct sb_policy policy;
static struct sb_insn prog[SB_PROG_MAX];
static struct sb_json tape[SB_JSON_MAX];
static char text[SB_FILE_MAX];
static ssize_t text_len = -1; /* the profile, read once */
static struct sb_host host;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void parse(void)
{
	struct sb_error err;
	char msg[1024];
	int r;

	r = sb_policy_from_env(&policy, sb_arch_native(), environ, &err);
	if (r == 0 && policy.profile) {
		if (text_len < 0) {
			int fd = open(policy.profile, O_RDONLY);

			if (fd < 0 || (text_len = read(fd, text, sizeof(text))) < 0 ||
			    sb_host_probe(&host) < 0) {
				perror(policy.profile);
				exit(1);
			}
			close(fd);
		}
		r = sb_policy_add_profile(&policy, policy.profile, text, (size_t)text_len, &host,
					  tape, SB_JSON_MAX, &err);
	}
	if (r == 0)
		r = sb_policy_finish(&policy, &err);
	if (r == 0)
		return;
	sb_error_format(&err, msg, sizeof(msg));
	fprintf(stderr, "filterbuild: %s\n", r == 1 ? "no policy in the environment" : msg);
	exit(1);
}

static int compile(void)
{
	int r = sb_bpf_compile(&policy, prog, SB_PROG_MAX);

	if (r < 0) {
		fprintf(stderr, "filterbuild: sb_bpf_compile: %d\n", r);
		exit(1);
	}
	return r;
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 0, insns;
	double t0, t1, t2;

	if (iters < 1) {
		fprintf(stderr, "usage: filterbuild ITERATIONS\n");
		return 2;
	}
	parse(); /* warm up */
	insns = compile();
	t0 = now_us();
	for (int i = 0; i < iters; i++)
		parse();
	t1 = now_us();
	for (int i = 0; i < iters; i++)
		compile();
	t2 = now_us();
	printf("%d %.2f %.2f\n", insns, (t1 - t0) / iters, (t2 - t1) / iters);
	return 0;
}
