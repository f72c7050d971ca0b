// SPDX-License-Identifier: MIT
/*
 * error.c - struct sb_error: its kinds' names, the errno each kind goes with
 * (sandbox.h's table) and the one line it is reported as.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* NOTE: arrays of chars, not of pointers: a pointer table costs libsandbox.so
 * a relocation per entry at every start (and .rela.dyn its page). */
static const char kind_names[][12] = {
	[SB_ERR_NONE] = "",	      [SB_ERR_SYNTAX] = "syntax",
	[SB_ERR_UNKNOWN] = "unknown", [SB_ERR_RANGE] = "range",
	[SB_ERR_NEVER] = "never",     [SB_ERR_CONFLICT] = "conflict",
	[SB_ERR_TOO_BIG] = "too_big", [SB_ERR_UNSUPPORTED] = "unsupported",
	[SB_ERR_FILE] = "file",	      [SB_ERR_HOST] = "host",
	[SB_ERR_KERNEL] = "kernel",
};

const char *sb_error_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "";
	return kind_names[kind];
}

struct sb_error *sb_error_reset(struct sb_error *err)
{
	memset(err, 0, offsetof(struct sb_error, path));
	err->path[0] = '\0';
	return err;
}

int sb_error_item(struct sb_error *err, int kind, int var, int item, const char *what,
		  const char *token, size_t len)
{
	sb_error_reset(err);
	err->kind = kind;
	err->item = item;
	snprintf(err->var, sizeof(err->var), "%s", sb_env_name(var));
	snprintf(err->what, sizeof(err->what), "%s", what);
	snprintf(err->token, sizeof(err->token), "%.*s", (int)len, token);
	return -1;
}

int sb_error_errno(const struct sb_error *err)
{
	static const int codes[] = {
		[SB_ERR_SYNTAX] = EINVAL,	   [SB_ERR_UNKNOWN] = ENOENT,
		[SB_ERR_RANGE] = ERANGE,	   [SB_ERR_NEVER] = EDOM,
		[SB_ERR_CONFLICT] = EEXIST,	   [SB_ERR_TOO_BIG] = E2BIG,
		[SB_ERR_UNSUPPORTED] = EOPNOTSUPP,
	};

	if (err->sys_errno)
		return -err->sys_errno;
	if (err->kind > 0 && (size_t)err->kind < sizeof(codes) / sizeof(codes[0]))
		return -codes[err->kind];
	return -EINVAL;
}

/* Why a file could not be read, for the line of an SB_ERR_FILE error. */
static const char *file_reason(int e)
{
	return e == SB_ENOTREG ? "not a regular file" : strerror(e);
}

int sb_error_format(const struct sb_error *err, char *buf, size_t size)
{
	if (err->kind == SB_ERR_TOO_BIG && err->sys_errno == EFBIG)
		return snprintf(buf, size, "%s: larger than %d bytes: '%s'", err->var, SB_FILE_MAX,
				err->path);
	if (err->kind == SB_ERR_FILE && err->what[0] && err->item > 0) /* a Landlock path */
		return snprintf(buf, size, "%s: %s '%s': %s (item %d)", err->var, err->what,
				err->path, file_reason(err->sys_errno), err->item);
	if (err->kind == SB_ERR_FILE && err->what[0]) /* ... of a policy-file line */
		return snprintf(buf, size, "%s: %s '%s': %s", err->var, err->what, err->path,
				file_reason(err->sys_errno));
	if (err->kind == SB_ERR_FILE)
		return snprintf(buf, size, "%s: cannot read '%s': %s", err->var, err->path,
				file_reason(err->sys_errno));
	if (err->sys_errno && err->path[0])
		return snprintf(buf, size, "%s: %s '%s': %s", err->var, err->what, err->path,
				strerror(err->sys_errno));
	if (err->sys_errno && err->var[0])
		return snprintf(buf, size, "%s: %s: %s", err->var, err->what,
				strerror(err->sys_errno));
	if (err->sys_errno)
		return snprintf(buf, size, "%s: %s", err->what, strerror(err->sys_errno));
	if (err->item > 0)
		return snprintf(buf, size, "%s: %s '%s' (item %d)", err->var, err->what, err->token,
				err->item);
	if (err->token[0])
		return snprintf(buf, size, "%s: %s '%s'", err->var, err->what, err->token);
	return snprintf(buf, size, "%s: %s", err->var, err->what);
}
