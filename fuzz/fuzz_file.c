// SPDX-License-Identifier: MIT
/*
 * fuzz_file.c - libFuzzer target: a policy file (sb_policy_add_file).
 *
 * The input is the file's text, read alone and beside a profile (where
 * only its deny lines are allowed).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *alone[] = { "SECCOMP_POLICY_FILE=fuzz.policy", NULL };
	static char *profiled[] = { "SECCOMP_POLICY_FILE=fuzz.policy", "SECCOMP_PROFILE=fuzz.json",
				    NULL };
	char *text = malloc(size ? size : 1); /* exactly the file: no NUL after it */
	const struct fz_files files = { text, size, fz_profile, strlen(fz_profile), &fz_host_all };

	memcpy(text, data, size);
	fz_load(sb_arch_lookup("x86_64"), alone, &files);
	fz_load(sb_arch_lookup("aarch64"), alone, &files);
	fz_load(sb_arch_lookup("x86_64"), profiled, &files);
	free(text);
	return 0;
}
