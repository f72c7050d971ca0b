// SPDX-License-Identifier: MIT
/*
 * config.c - the one loader: environment -> struct sb_config.
 *
 * Pure: the files the environment names are read, and the host probed,
 * through the caller's struct sb_load_io (apply/file.c and apply/host.c
 * hold the defaults libsandbox.so and the cffi module both use). The steps
 * and the state between them are internal.h's struct sb_load.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const kind_names[] = {
	[SB_ERR_NONE] = "",	      [SB_ERR_SYNTAX] = "syntax",
	[SB_ERR_UNKNOWN] = "unknown", [SB_ERR_RANGE] = "range",
	[SB_ERR_NEVER] = "never",     [SB_ERR_CONFLICT] = "conflict",
	[SB_ERR_TOO_BIG] = "too_big", [SB_ERR_UNSUPPORTED] = "unsupported",
	[SB_ERR_FILE] = "file",	      [SB_ERR_HOST] = "host",
	[SB_ERR_KERNEL] = "kernel",
};

/* The errno sb_config_load() returns for an error of KIND (sandbox.h's table);
 * the steps themselves return -EINVAL for every policy error. */
static int kind_errno(const struct sb_error *err)
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

const char *sb_error_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "";
	return kind_names[kind];
}

/* An error of KIND with errno E about the file PATH that VAR names. */
static int file_error(struct sb_error *err, int kind, const char *var, const char *path, int e)
{
	err->kind = kind;
	err->sys_errno = e;
	snprintf(err->var, sizeof(err->var), "%s", var);
	snprintf(err->path, sizeof(err->path), "%s", path);
	return -e;
}

/* The text of file PATH (VAR names it) into IO's buffer: its length, or a
 * negative errno with *ERR filled. */
static long read_text(const struct sb_load_io *io, const char *var, const char *path,
		      struct sb_error *err)
{
	long n;

	/* NOTE: the kernel refuses a path of PATH_MAX bytes or more (path_resolution(7));
	 * struct sb_config cuts a longer one there, so it is refused here alike. */
	if (strlen(path) >= SB_PATH_MAX - 1)
		return file_error(err, SB_ERR_FILE, var, path, ENAMETOOLONG);
	n = io->read(io->ctx, path, io->text, io->text_size);
	if (n == -EFBIG)
		return file_error(err, SB_ERR_TOO_BIG, var, path, EFBIG);
	if (n < 0)
		return file_error(err, SB_ERR_FILE, var, path, (int)-n);
	return n;
}

/* SECCOMP_PROFILE: read it, decide its includes/excludes for IO's host. */
static int add_profile(struct sb_load *ld, const struct sb_load_io *io, struct sb_error *err)
{
	const char *path = ld->cfg->profile;
	long len = read_text(io, SB_VAR_PROFILE, path, err);
	const struct sb_host *host = io->host;
	struct sb_host probed;
	int r;

	if (len < 0)
		return (int)len;
	if (!host) {
		if ((r = io->probe(&probed)) < 0) {
			err->kind = SB_ERR_HOST;
			err->sys_errno = -r;
			snprintf(err->var, sizeof(err->var), "%s", SB_VAR_PROFILE);
			snprintf(err->what, sizeof(err->what),
				 "cannot read this process's capabilities or kernel version");
			return r;
		}
		host = &probed;
	}
	return sb_policy_add_profile(ld, path, io->text, (size_t)len, host, io->tape, io->tape_cap,
				     err);
}

int sb_config_load(struct sb_config *cfg, const struct sb_arch *arch, char *const *envp,
		   const struct sb_load_io *io, struct sb_load_stats *stats, struct sb_error *err)
{
	struct sb_load_stats own;
	struct sb_load ld = { cfg, &cfg->seccomp, stats ? stats : &own, 0, 0, 0, 0, 0, 0 };
	long len;
	int r;

	memset(ld.stats, 0, sizeof(*ld.stats));
	r = sb_policy_from_env(&ld, arch, envp, err);
	if (r == 0 && (cfg->inputs & SB_INPUT_POLICY_FILE)) {
		len = read_text(io, SB_VAR_FILE, cfg->policy_file, err);
		r = len < 0 ? (int)len
			    : sb_policy_add_file(&ld, cfg->policy_file, io->text, (size_t)len, err);
	}
	/* the file's text is no longer needed: the profile reuses the buffer */
	if (r == 0 && (cfg->inputs & SB_INPUT_PROFILE))
		r = add_profile(&ld, io, err);
	if (r == 0)
		r = sb_policy_finish(&ld, err);
	if (r < 0)
		return kind_errno(err);
	if (r == 0)
		cfg->layers = SB_LAYER_SECCOMP;
	return r;
}
