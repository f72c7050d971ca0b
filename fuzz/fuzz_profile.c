// SPDX-License-Identifier: MIT
/*
 * fuzz_profile.c - libFuzzer target: a Docker/OCI profile (json.c, then
 * profile.c through the loader).
 *
 * The input is the profile's text. First json.c alone: the tape must be a
 * well-formed tree inside the text, within the documented LEN / 2 + 1
 * values, and each string and number must read back. Then the loader with
 * SECCOMP_PROFILE, for a host with every capability and a new kernel on
 * x86_64 and one with none and an old kernel on aarch64, and with a deny
 * list on top.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void check_value(const char *text, const struct sb_json *v)
{
	char *buf;
	uint64_t x;
	int r;

	if (v->type == SB_JSON_NUMBER) {
		r = sb_json_uint(text, v, UINT64_MAX, &x);
		FZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
		return;
	}
	if (v->type != SB_JSON_STRING)
		return;
	FZ_CHECK(v->end - v->start >= 2 && text[v->start] == '"' && text[v->end - 1] == '"');
	/* unescaped, a string is never longer than its JSON */
	buf = malloc(v->end - v->start);
	r = sb_json_string(text, v, buf, v->end - v->start);
	FZ_CHECK(r >= 0 || r == -EINVAL);
	FZ_CHECK(r < 0 || (buf[r] == '\0' && strlen(buf) <= (size_t)r));
	free(buf);
}

/* Parse TEXT into a tape of CAP values; the count or the error. */
static int parse(const char *text, size_t len, unsigned int cap, struct sb_json_error *err,
		 struct sb_json **tape)
{
	*tape = malloc(cap * sizeof(**tape));
	return sb_json_parse(text, len, *tape, cap, err);
}

static void check_error(const char *text, size_t len, int n, const struct sb_json_error *err)
{
	struct sb_json *tape;
	struct sb_json_error again;

	FZ_CHECK(n == -EINVAL || n == -E2BIG);
	FZ_CHECK(err->offset <= len && memchr(err->what, '\0', sizeof(err->what)) && err->what[0]);
	if (n == -EINVAL || strcmp(err->what, "nested too deeply") == 0)
		return;
	/* LEN / 2 + 1 values hold any document: what does not fit is no JSON
	 * (every value takes a byte: LEN + 1 hold the proof) */
	n = parse(text, len, (unsigned int)len + 1, &again, &tape);
	FZ_CHECK(n == -EINVAL || (n == -E2BIG && strcmp(again.what, "nested too deeply") == 0));
	free(tape);
}

static void check_json(const char *text, size_t len)
{
	struct sb_json *tape;
	struct sb_json_error err;
	int n = parse(text, len, (unsigned int)(len / 2 + 1), &err, &tape);

	if (n < 0) {
		free(tape);
		check_error(text, len, n, &err);
		return;
	}
	FZ_CHECK(n >= 1 && (unsigned int)n <= len / 2 + 1 && tape[0].next == (unsigned int)n);
	for (unsigned int i = 0; i < (unsigned int)n; i++) {
		const struct sb_json *v = &tape[i];

		FZ_CHECK(v->start < v->end && v->end <= len);
		FZ_CHECK(v->type >= SB_JSON_NULL && v->type <= SB_JSON_OBJECT);
		FZ_CHECK(v->next > i && v->next <= (unsigned int)n);
		/* a container's contents lie inside it, and so does the next value's start */
		FZ_CHECK(v->next == i + 1 ||
			 (v->type >= SB_JSON_ARRAY && tape[v->next - 1].end <= v->end &&
			  tape[i + 1].start > v->start));
		FZ_CHECK(v->next == (unsigned int)n || tape[v->next].start >= v->end);
		check_value(text, v);
	}
	free(tape);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *alone[] = { "SECCOMP_PROFILE=fuzz.json", NULL };
	static char *denied[] = { "SECCOMP_PROFILE=fuzz.json",
				  "SECCOMP_SYSCALL_DENY=ptrace=EPERM:socket(arg0 != AF_UNIX)",
				  NULL };
	char *text = malloc(size ? size : 1); /* exactly the file: no NUL after it */
	struct fz_files files = { fz_file, strlen(fz_file), text, size, &fz_host_all };

	memcpy(text, data, size);
	check_json(text, size);
	fz_load(sb_arch_lookup("x86_64"), alone, &files);
	files.host = &fz_host_none;
	fz_load(sb_arch_lookup("aarch64"), alone, &files);
	fz_load(sb_arch_lookup("x86_64"), denied, &files);
	free(text);
	return 0;
}
