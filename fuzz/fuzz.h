/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the fuzz targets share (fuzz/check.c).
 *
 * Each target turns its input into what libsandbox.so's constructor sees
 * (an environment, a policy file, a profile), runs the loader
 * (sb_config_load, reading FILES) and sb_bpf_compile on both target arches, and aborts on
 * any broken invariant, so libFuzzer (or fuzz/replay.c) reports it as a crash.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox.h"

/* What the policy's SECCOMP_POLICY_FILE and SECCOMP_PROFILE contain. */
struct fz_files {
	const char *file;
	size_t file_len;
	const char *profile;
	size_t profile_len;
	const struct sb_host *host;
};

/* A small valid profile, for targets whose input is not the profile. */
extern const char fz_profile[];
/* A small valid policy file, for targets whose input is not the file. */
extern const char fz_file[];
/* Hosts a profile's includes/excludes are decided against. */
extern const struct sb_host fz_host_all, fz_host_none;

/* Abort with a message naming the broken invariant. */
#define FZ_CHECK(cond) ((cond) ? (void)0 : fz_fail(__FILE__, __LINE__, #cond))
void fz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* Load ENVP with FILES for ARCH as the preload does; on success compile the
 * policy and check the program. Returns the first negative result, or 0. */
int fz_load(const struct sb_arch *arch, char *const *envp, const struct fz_files *files);

/* libFuzzer's entry point, defined by each target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_H */
