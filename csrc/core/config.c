// SPDX-License-Identifier: MIT
/*
 * config.c - the one loader: environment -> struct sb_config.
 *
 * Pure: the files the environment names are read, and the host probed,
 * through the caller's struct sb_load_io (apply/file.c and apply/host.c
 * hold the defaults libsandbox.so and the cffi module both use). It scans
 * the environment once, decides whether it sets a policy, and hands each
 * layer's values to that layer's parser (the seccomp layer's steps and the
 * state between them are internal.h's struct sb_load).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* An error of KIND with errno E about the file PATH that VAR names. */
static int file_error(struct sb_error *err, int kind, const char *var, const char *path, int e)
{
	sb_error_reset(err);
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
			sb_error_reset(err);
			err->kind = SB_ERR_HOST;
			err->sys_errno = -r;
			snprintf(err->var, sizeof(err->var), "%s", SB_VAR_PROFILE);
			snprintf(err->what, sizeof(err->what),
				 "cannot read this process's capabilities or kernel version");
			return r;
		}
		host = &probed;
	}
	/* NOTE: decided for the capabilities the program will hold: under
	 * SANDBOX_CAPS those kept (sb_enter drops the rest before the filter),
	 * so a profile's CAP_SYS_ADMIN rules never open unshare/mount to a
	 * program that no longer has it. */
	if (ld->cfg->layers & SB_LAYER_CAPS) {
		probed = *host;
		probed.caps &= ld->cfg->caps.keep;
		host = &probed;
	}
	return sb_policy_add_profile(ld, path, io->text, (size_t)len, host, io->tape, io->tape_cap,
				     err);
}

/* NOTE: the configuration's head is cleared here, each layer's member by
 * its own parser (sb_seccomp_parse clears cfg->seccomp's, sb_landlock_parse
 * cfg->landlock's), the paths are written only when set (SB_INPUT_*). A
 * member added between them must be cleared by its layer's parser: update
 * these assertions when it is. */
_Static_assert(offsetof(struct sb_config, seccomp) + sizeof(struct sb_seccomp) ==
		       offsetof(struct sb_config, landlock),
	       "a struct sb_config member between the layers: who clears it?");
_Static_assert(offsetof(struct sb_config, landlock) + sizeof(struct sb_landlock) ==
		       offsetof(struct sb_config, vows),
	       "a struct sb_config member between the layers: who clears it?");
/* cfg->vows: written by sb_vows_parse, read only under SB_LAYER_VOWS */
_Static_assert(offsetof(struct sb_config, vows) + sizeof(struct sb_vows) ==
		       offsetof(struct sb_config, exec),
	       "a struct sb_config member between the layers: who clears it?");
/* cfg->exec: cleared by sb_exec_parse */
_Static_assert(offsetof(struct sb_config, exec) + sizeof(struct sb_exec) ==
		       offsetof(struct sb_config, policy_file),
	       "a struct sb_config member between the layers and the paths: who clears it?");

/* Does VALUES (sb_env_scan's) set a seccomp policy? SECCOMP_VERBOSE alone is none. */
static int sets_seccomp(const char *const *v)
{
	for (int i = 0; i < SB_V_SECCOMP_COUNT; i++)
		if (v[i] && i != SB_V_VERBOSE)
			return 1;
	return 0;
}

/* The seccomp layer: its values, its files, then the whole checked. */
static int load_seccomp(struct sb_load *ld, const struct sb_arch *arch, const char *const *v,
			const struct sb_load_io *io, struct sb_error *err)
{
	struct sb_config *cfg = ld->cfg;
	long len;
	int r = sb_seccomp_parse(ld, arch, v, err);

	if (r == 0 && (cfg->inputs & SB_INPUT_POLICY_FILE)) {
		len = read_text(io, SB_VAR_FILE, cfg->policy_file, err);
		r = len < 0 ? (int)len
			    : sb_policy_add_file(ld, cfg->policy_file, io->text, (size_t)len, err);
	}
	/* the file's text is no longer needed: the profile reuses the buffer */
	if (r == 0 && (cfg->inputs & SB_INPUT_PROFILE))
		r = add_profile(ld, io, err);
	if (r == 0)
		r = sb_policy_finish(ld, err);
	if (r == 0)
		cfg->layers |= SB_LAYER_SECCOMP;
	return r < 0 ? r : 0; /* SB_NO_POLICY: a file of Landlock lines only */
}

int sb_config_describe(const struct sb_config *cfg, unsigned int i, char *buf, size_t size)
{
	const unsigned int pv = sb_privs_lines(cfg),
			   ll = cfg->layers & SB_LAYER_LANDLOCK
					? cfg->landlock.npaths + cfg->landlock.nports
					: 0;

	const unsigned int sc = cfg->layers & SB_LAYER_SECCOMP ? cfg->seccomp.nrules : 0;

	if (i < pv) /* sb_enter()'s order: limits, capabilities, Landlock, seccomp */
		return sb_privs_describe(cfg, i, buf, size);
	i -= pv;
	if (i < ll)
		return sb_landlock_describe(&cfg->landlock, i, buf, size);
	if (i - ll < sc)
		return sb_rule_describe(&cfg->seccomp, i - ll, buf, size);
	if (!(cfg->layers & SB_LAYER_EXEC))
		return -ERANGE;
	return sb_exec_describe(&cfg->exec, i - ll - sc, buf, size);
}

int sb_config_load(struct sb_config *cfg, const struct sb_arch *arch, char *const *envp,
		   const struct sb_load_io *io, struct sb_load_stats *stats, struct sb_error *err)
{
	struct sb_load_stats own;
	struct sb_load ld = { .cfg = cfg, .p = &cfg->seccomp, .stats = stats ? stats : &own };
	const char *v[SB_V_COUNT] = { 0 };
	int r, seccomp;

	/* NOTE: *ERR is cleared by whichever step fills it (sb_error_reset), not
	 * here: on a start that fails nothing its page is never touched. */
	memset(ld.stats, 0, sizeof(*ld.stats));
	if (sb_env_scan(envp, v, err) < 0)
		return sb_error_errno(err);
	memset(cfg, 0, offsetof(struct sb_config, seccomp));
	if (sb_privs_parse(&ld, v, err) < 0)
		return sb_error_errno(err);
	seccomp = sets_seccomp(v);
	/* the Landlock layer around the seccomp one: a policy file may add to it */
	if (sb_landlock_begin(&ld, v, err) < 0)
		return sb_error_errno(err);
	/* the vows are the whole seccomp layer: sb_vows_parse refuses SECCOMP_* beside */
	if ((v[SB_V_VOWS] || v[SB_V_VOWS_EXEC]) && sb_vows_parse(&ld, arch, v, err) < 0)
		return sb_error_errno(err);
	if (seccomp && load_seccomp(&ld, arch, v, io, err) < 0)
		return sb_error_errno(err);
	/* without a seccomp policy, SECCOMP_VERBOSE describes the layer's rules */
	if (!seccomp && sb_verbose_parse(v[SB_V_VERBOSE], &cfg->verbose, err) < 0)
		return sb_error_errno(err);
	/* NOTE: the Landlock layer's seccomp rules after the seccomp layer: they
	 * join its policy (the stricter action wins), or make one that allows
	 * everything else. */
	if ((r = sb_landlock_finish(&ld, err)) < 0)
		return sb_error_errno(err);
	if ((r == 0 || (v[SB_V_IO_URING] && !cfg->landlock.io_uring)) &&
	    sb_landlock_seccomp(&ld, arch, err) < 0)
		return sb_error_errno(err);
	if ((cfg->layers & SB_LAYER_VOWS) && sb_vows_landlock(&ld, err) < 0)
		return sb_error_errno(err);
	/* the exec layer's rules last: they trace what every other rule allows */
	if ((r = sb_exec_parse(&ld, v, err)) < 0 || (r == 0 && sb_exec_seccomp(&ld, arch, err) < 0))
		return sb_error_errno(err);
	return cfg->layers ? 0 : SB_NO_POLICY;
}
