// SPDX-License-Identifier: MIT
/*
 * fuzz_env.c - libFuzzer target: the environment (policy.c's variables and
 * policy language).
 *
 * The input is a list of "NAME=value" strings, one per line, or separated by
 * NUL bytes if it holds any (so a value may hold a newline). A policy file or
 * a profile the environment names reads as fz_file / fz_profile.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define VARS_MAX 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fz_files files = { fz_file, strlen(fz_file), fz_profile, strlen(fz_profile),
					&fz_host_all };
	char sep = memchr(data, '\0', size) ? '\0' : '\n';
	char *text = malloc(size + 1), *envp[VARS_MAX + 1];
	size_t n = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (char *s = text; n < VARS_MAX && s <= text + size; n++) {
		char *end = memchr(s, sep, (size_t)(text + size - s));

		envp[n] = s;
		if (!end)
			end = text + size;
		*end = '\0';
		s = end + 1;
	}
	envp[n] = NULL;
	fz_load(sb_arch_lookup("x86_64"), envp, &files);
	fz_load(sb_arch_lookup("aarch64"), envp, &files);
	free(text);
	return 0;
}
