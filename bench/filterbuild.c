// SPDX-License-Identifier: MIT
/*
 * filterbuild.c - time pysandbox's policy compiler alone (csrc/core/: the
 * loader, policy text, JSON, profile, BPF), nothing
 * installed: parse this process's SECCOMP_* environment ITERATIONS times
 * (with SECCOMP_PROFILE: read once, then parsed each time for this process's
 * capabilities and kernel), then compile the policy to BPF ITERATIONS times.
 *
 *   filterbuild ITERATIONS -> prints "INSNS PARSE_US COMPILE_US" (per build)
 */
#define _GNU_SOURCE /* environ */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

#include "sandbox.h"

static struct sb_config config;
static struct sb_insn prog[SB_PROG_MAX];
static struct sb_json tape[SB_JSON_MAX];
static char text[SB_FILE_MAX + 1];
static char cache[SB_FILE_MAX + 1]; /* each file, read once */
static long cache_len = -1;
static struct sb_host host;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The loader's reader: the default one the first time, then from memory
 * (the environment names one file: a profile, or a policy file). */
static long read_cached(void *ctx, const char *path, char *buf, size_t size)
{
	(void)ctx;
	if (cache_len < 0 && (cache_len = sb_file_read(NULL, path, cache, sizeof(cache))) < 0)
		return cache_len;
	if ((size_t)cache_len >= size)
		return -EFBIG;
	memcpy(buf, cache, (size_t)cache_len);
	return cache_len;
}

static void parse(void)
{
	const struct sb_load_io io = { read_cached, NULL,	  &host, NULL,
				       text,	    sizeof(text), tape,	 SB_JSON_MAX };
	struct sb_error err;
	char msg[sizeof(err.var) + sizeof(err.path) + 256];
	int r = sb_config_load(&config, sb_arch_native(), environ, &io, NULL, &err);

	if (r == 0)
		return;
	sb_error_format(&err, msg, sizeof(msg));
	fprintf(stderr, "filterbuild: %s\n",
		r == SB_NO_POLICY ? "no policy in the environment" : msg);
	exit(1);
}

static int compile(void)
{
	int r = sb_bpf_compile(&config.seccomp, prog, SB_PROG_MAX);

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
	if (sb_host_probe(&host) < 0) {
		perror("filterbuild: capget or uname");
		return 1;
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
