/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what csrc/'s units share beyond the public API (sandbox.h):
 * the loader's steps and state, rule and errno helpers, the name hash.
 * Not for cffi, not for anything outside csrc/ (fuzz/ excepted: it checks
 * the steps).
 */
#ifndef SANDBOX_INTERNAL_H
#define SANDBOX_INTERNAL_H

#include "sandbox.h"

/* The SECCOMP_* variables (core/env.c); values are picked out in this order. */
#define SB_VAR_ALLOW "SECCOMP_SYSCALL_ALLOW"
#define SB_VAR_DENY "SECCOMP_SYSCALL_DENY"
#define SB_VAR_ACTION "SECCOMP_DEFAULT_ACTION"
#define SB_VAR_VERBOSE "SECCOMP_VERBOSE"
#define SB_VAR_FILE "SECCOMP_POLICY_FILE"
#define SB_VAR_PROFILE "SECCOMP_PROFILE"
#define SB_VAR_LEARN "SECCOMP_LEARN"
/* The Landlock layer's (core/landlock.c). */
#define SB_VAR_FS_READ "SANDBOX_FS_READ"
#define SB_VAR_FS_EXEC "SANDBOX_FS_EXEC"
#define SB_VAR_FS_WRITE "SANDBOX_FS_WRITE"
#define SB_VAR_NET_CONNECT "SANDBOX_NET_CONNECT"
#define SB_VAR_NET_BIND "SANDBOX_NET_BIND"
#define SB_VAR_NET "SANDBOX_NET"
#define SB_VAR_SCOPE "SANDBOX_SCOPE"
#define SB_VAR_IO_URING "SANDBOX_IO_URING"
#define SB_VAR_BEST_EFFORT "SANDBOX_BEST_EFFORT"
/* Capabilities and resource limits (core/privs.c). */
#define SB_VAR_CAPS "SANDBOX_CAPS"
#define SB_VAR_LIMITS "SANDBOX_LIMITS"
/* The vows' (core/vows.c). */
#define SB_VAR_VOWS "SANDBOX_VOWS"
#define SB_VAR_VOWS_EXEC "SANDBOX_VOWS_EXEC"
/* The exec layer's (core/exec.c). */
#define SB_VAR_EXEC_ALLOW "SANDBOX_EXEC_ALLOW"
#define SB_VAR_EXEC_DENY "SANDBOX_EXEC_DENY"
enum sb_var {
	SB_V_ALLOW,
	SB_V_DENY,
	SB_V_ACTION,
	SB_V_VERBOSE,
	SB_V_FILE,
	SB_V_PROFILE,
	SB_V_LEARN,
	SB_V_SECCOMP_COUNT, /* the SECCOMP_* ones are those before */
	SB_V_FS_READ = SB_V_SECCOMP_COUNT,
	SB_V_FS_EXEC,
	SB_V_FS_WRITE,
	SB_V_NET_CONNECT,
	SB_V_NET_BIND,
	SB_V_NET,
	SB_V_SCOPE,
	SB_V_IO_URING,
	SB_V_BEST_EFFORT,
	SB_V_CAPS,
	SB_V_LIMITS,
	SB_V_VOWS,
	SB_V_VOWS_EXEC,
	SB_V_EXEC_ALLOW,
	SB_V_EXEC_DENY,
	SB_V_COUNT
};

/* Pick our variables out of ENVP (NULL-terminated "NAME=value" strings) into
 * VALUES[SB_V_COUNT] (NULL if unset; the first of a name wins, as with
 * getenv()); any other name of our families (sb_env_family), or one without
 * '=', is an error. 0 or -EINVAL with *err filled. */
int sb_env_scan(char *const *envp, const char **values, struct sb_error *err);

/*
 * A load in progress (core/config.c): the configuration being filled and
 * what parsing needs to know on the way, which the configuration does not
 * keep. config.c scans the environment and decides whether it sets a policy;
 * the seccomp layer's steps, in order: sb_seccomp_parse() (the values of
 * the scan), sb_policy_add_file() if cfg->policy_file is set,
 * sb_policy_add_profile() if cfg->profile is, sb_policy_finish(). Each
 * returns 0, or a negative value with *err filled: its kind says which error
 * it is, and sb_config_load() returns the errno sandbox.h pairs with that
 * kind (sb_error_errno).
 */
struct sb_load {
	struct sb_config *cfg;
	struct sb_seccomp *p; /* &cfg->seccomp */
	struct sb_load_stats *stats; /* never NULL */
	int has_allow; /* an allowlist was given (variable or file) */
	int has_deny; /* a denylist was given (variable or file) */
	int has_deny_action; /* SECCOMP_DEFAULT_ACTION, or "default" in a file */
	uint32_t deny_action;
	int profile_read; /* sb_policy_add_profile() succeeded */
	uint32_t profile_default; /* the profile's defaultAction */
	int landlock_lines; /* the policy file has Landlock lines (fs-read, ...) */
	/* the Landlock layer's values so far (core/landlock.c) */
	int ll_started; /* cfg->landlock cleared: a variable or line of the layer seen */
	unsigned int ll_given; /* bit VAR - SB_V_FS_READ: a variable or file line gave it */
	unsigned int ll_sockets; /* SANDBOX_NET's SB_NET_* */
	unsigned int ll_scope; /* SANDBOX_SCOPE's SB_SCOPE_* */
	unsigned int ll_ports; /* ports so far, ranges counted out */
};

/* The seccomp layer from VALUES (sb_env_scan's) for ARCH; it clears
 * cfg->seccomp's head itself (the rule arrays are filled as used). */
int sb_seccomp_parse(struct sb_load *ld, const struct sb_arch *arch, const char *const *values,
		     struct sb_error *err);
/* Add the policy-file text TEXT (LEN bytes) read from PATH. */
int sb_policy_add_file(struct sb_load *ld, const char *path, const char *text, size_t len,
		       struct sb_error *err);
/*
 * Add the profile TEXT (LEN bytes) read from PATH, as the policy's base:
 * its defaultAction becomes the default action, its syscalls[] entries that
 * apply to HOST (includes/excludes) become rules, with libseccomp's and
 * runc's semantics (README, "Docker/OCI profiles"). TAPE (room for CAP
 * values, LEN / 2 + 2 is always enough) is work space. *err names the file
 * and the JSON location.
 */
int sb_policy_add_profile(struct sb_load *ld, const char *path, const char *text, size_t len,
			  const struct sb_host *host, struct sb_json *tape, unsigned int cap,
			  struct sb_error *err);
/* SECCOMP_VERBOSE's value V (NULL: unset) into *VERBOSE: 0, or -EINVAL
 * with *err filled for anything but 0 and 1 (core/policy.c). */
int sb_verbose_parse(const char *v, int *verbose, struct sb_error *err);
/* Resolve default actions and check the whole. */
int sb_policy_finish(struct sb_load *ld, struct sb_error *err);

/* The Landlock layer's steps (core/landlock.c), around the seccomp layer's:
 * sb_landlock_begin() clears cfg->landlock and takes the variables of VALUES
 * (sb_env_scan's); sb_landlock_line() a policy-file line (line LINE of FILE:
 * keyword WORD, the rest VALUE), or returns SB_NO_POLICY for a word that is
 * not one of the layer's; sb_landlock_finish() decides: 0, or SB_NO_POLICY
 * when nothing sets a layer (SANDBOX_SCOPE=none, SANDBOX_BEST_EFFORT alone).
 * Each returns a negative value with *err filled on error. */
int sb_landlock_begin(struct sb_load *ld, const char *const *values, struct sb_error *err);
int sb_landlock_line(struct sb_load *ld, const char *file, int line, const char *word,
		     const char *value, struct sb_error *err);
int sb_landlock_finish(struct sb_load *ld, struct sb_error *err);
/* The seccomp rules the Landlock layer needs (io_uring, socket kinds, TCP
 * fast open), added to cfg->seccomp for ARCH, which is made a default-allow
 * layer if the environment set none. */
int sb_landlock_seccomp(struct sb_load *ld, const struct sb_arch *arch, struct sb_error *err);

/* The capability and resource-limit layers from VALUES (sb_env_scan's)
 * (core/privs.c): 0, or -1 with *err filled. Their SECCOMP_VERBOSE lines:
 * how many, and line I into BUF (what snprintf returns, -ERANGE past the
 * last): each limit, then the capabilities. */
int sb_privs_parse(struct sb_load *ld, const char *const *values, struct sb_error *err);
unsigned int sb_privs_lines(const struct sb_config *cfg);
int sb_privs_describe(const struct sb_config *cfg, unsigned int i, char *buf, size_t size);
/* The vows (core/vows.c): sb_vows_parse() refuses the SECCOMP_* policy
 * variables beside SANDBOX_VOWS and compiles the promises into cfg->seccomp
 * for ARCH (the whole seccomp layer); after sb_landlock_finish(),
 * sb_vows_landlock() adds the Landlock paths a promise needs (tmppath, dns)
 * unless SANDBOX_FS_* already restrict files. */
int sb_vows_parse(struct sb_load *ld, const struct sb_arch *arch, const char *const *values,
		  struct sb_error *err);
int sb_vows_landlock(struct sb_load *ld, struct sb_error *err);
/* Policy-language entries LIST (':'-separated) allowed in LD's policy, errors
 * naming VAR (core/policy.c). */
int sb_policy_add_entries(struct sb_load *ld, const char *var, const char *list,
			  struct sb_error *err);
/* Path PATH (absolute) with ACCESS and SB_LL_* FLAGS into CFG's Landlock
 * layer, errors naming variable VAR (core/landlock.c); 0 or -E2BIG. */
int sb_landlock_add_var_path(struct sb_config *cfg, const char *path, unsigned int access, int var,
			     int flags);
/* The exec layer (core/exec.c): sb_exec_parse() clears cfg->exec and takes
 * SANDBOX_EXEC_ALLOW and _DENY of VALUES (sb_env_scan's); SB_NO_POLICY if
 * neither is set. sb_exec_seccomp(), after every other layer's seccomp
 * rules: execve and execveat traced (SECCOMP_RET_TRACE: the supervisor
 * decides; ENOSYS without it), ptrace and process_vm_writev refused. */
int sb_exec_parse(struct sb_load *ld, const char *const *values, struct sb_error *err);
int sb_exec_seccomp(struct sb_load *ld, const struct sb_arch *arch, struct sb_error *err);

/* An architecture's facts (core/arch.c: the one place) and its syscall
 * tables (core/syscalls.c). */
struct sb_systab;
struct sb_arch {
	char name[8]; /* ours: "x86_64" */
	const char *oci; /* the runtimes' name in a profile's includes.arches: "amd64" */
	const char *scmp; /* libseccomp's: "SCMP_ARCH_X86_64" */
	uint32_t audit_arch; /* AUDIT_ARCH_* in seccomp_data.arch */
	uint32_t compat_audit; /* its 32-bit compat ABI's AUDIT_ARCH_*, or 0 */
	const char *compat; /* that ABI's name ("i386", "arm"), or NULL */
	uint32_t nr_bias; /* x32: __X32_SYSCALL_BIT, part of every number */
	uint32_t abi_bit; /* x86_64: x32's bit, which filters must reject */
	int target; /* can filters be compiled for it */
	const struct sb_systab *sys;
};
extern const struct sb_systab sb_systab_x86_64, sb_systab_i386, sb_systab_x32, sb_systab_aarch64;

/* Append a rule for syscall NR. Conditions on a 32-bit or 16-bit argument of
 * NR (see sb_syscall_arg_width) compare those low bits only; a value wider
 * than that there is refused (-ERANGE), as is a condition that can never
 * match (-EDOM: a masked value with bits outside its mask, a value below 0
 * or above the largest the argument holds, ...). 0, -E2BIG (policy full),
 * -ERANGE or -EDOM with *BAD the index of the condition at fault. */
int sb_policy_add_rule(struct sb_seccomp *policy, uint32_t nr, uint32_t action,
		       const struct sb_cond *conds, int nconds, int *bad);

#define SB_ERRNO_MAX 4095 /* the kernel caps SECCOMP_RET_ERRNO's data at MAX_ERRNO */

/* An errno: a name ("EPERM") or a decimal/0x number, at most SB_ERRNO_MAX,
 * into *OUT (core/syscalls.c, beside the names). 0, -EINVAL (not an errno)
 * or -ERANGE (too big). */
int sb_errno_parse(const char *s, uint32_t *out);
/* Value of errno NAME ("EPERM"), or -ENOENT (core/syscalls.c). */
int sb_errno_lookup(const char *name);
/* Value of the symbolic constant NAME ("AF_UNIX") in *value; 0 or -ENOENT. */
int sb_const_lookup(const char *name, int64_t *value);
/* S (decimal or 0x-hex) as a number no larger than MAX into *OUT; 0 or
 * -EINVAL (core/policy.c). */
int sb_policy_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* *ERR cleared (every field but the tail of PATH), to be filled: each step
 * that reports an error does it first (core/error.c). */
struct sb_error *sb_error_reset(struct sb_error *err);
/* *ERR of KIND: "VAR: WHAT 'TOKEN' (item ITEM)", TOKEN the LEN bytes there
 * (VAR an SB_V_*); -1, for a parser's return (core/error.c). */
int sb_error_item(struct sb_error *err, int kind, int var, int item, const char *what,
		  const char *token, size_t len);
/* The errno sb_config_load() returns for *ERR (sandbox.h's table: the
 * system's errno if it has one, else its kind's) (core/error.c). */
int sb_error_errno(const struct sb_error *err);

/* Set no_new_privs on the calling thread (inherited by children and kept
 * across execve); 0 or -errno (apply/install.c). sb_enter() is the way to
 * apply a sandbox; this is for the tools' own children (probes, learn). */
int sb_no_new_privs(void);
/* seccomp(2) SECCOMP_SET_MODE_FILTER of PROG with FLAGS of the caller's
 * choice, no_new_privs already set (apply/install.c): what the kernel
 * returned (a listener fd with NEW_LISTENER), or -errno. */
int sb_install_flags(const struct sb_insn *prog, unsigned int len, unsigned int flags);
/* Load PROG as a seccomp filter on every thread (TSYNC), no_new_privs
 * already set (sb_enter() has). 0 or -errno. */
int sb_install_filter(const struct sb_insn *prog, unsigned int len);
/* The Landlock layer of CFG (apply/landlock.c): sb_prepare()'s part (ABI,
 * the ruleset) and sb_enter()'s (landlock_restrict_self, which closes it). */
int sb_landlock_prepare(const struct sb_config *cfg, struct sb_prepared *prep,
			struct sb_error *err);
int sb_landlock_restrict(const struct sb_config *cfg, struct sb_prepared *prep,
			 struct sb_error *err);
/* The capability and resource-limit layers of CFG (apply/privs.c):
 * sb_prepare()'s part refuses what this process cannot do (keep a
 * capability it does not hold, raise a hard limit without CAP_SYS_RESOURCE);
 * sb_enter()'s steps set the limits (sb_privs_limit) and drop the
 * capabilities (sb_privs_drop). 0, or a negative errno with *err filled. */
int sb_privs_prepare(const struct sb_config *cfg, struct sb_error *err);
int sb_privs_limit(const struct sb_config *cfg, struct sb_error *err);
int sb_privs_drop(const struct sb_config *cfg, struct sb_error *err);
/* Threads of the calling process (1: it runs alone), or -errno. */
long sb_threads(void);
/* Up to LEN bytes of process PID's memory at ADDR into BUF with
 * process_vm_readv(2), to each 4 KiB boundary at a time (a read crossing
 * into an unmapped page fails whole); with STRING, it stops after the chunk
 * holding a NUL. How many bytes were read (apply/supervise.c). */
size_t sb_peek(int pid, uintptr_t addr, void *buf, size_t len, int string);
/* waitpid(PID, STATUS, FLAGS) through EINTR; 0 or -errno (trace.c). */
int sb_wait(int pid, int *status, int flags);

/* libsandbox.so's read-back, prctl(PR_GET_SECCOMP, SB_READBACK_A,
 * SB_READBACK_B): the one call its filter lets through whatever the policy
 * (preload.c); asking the mode so, an outer libsandbox.so's filter lets it
 * through too (apply/landlock.c). */
#define SB_READBACK_A 0x73616e64U /* "sand" */
#define SB_READBACK_B 0x626f7821U /* "box!" */

/* FNV-1a, the hash of the targets' name index (tools/gen_tables.py): start
 * from SB_HASH_INIT, one step per character of the name. */
#define SB_HASH_INIT 2166136261U
static inline uint32_t sb_hash_step(uint32_t h, char c)
{
	return (h ^ (uint8_t)c) * 16777619U;
}

/* sb_syscall_nr() for NAME's first LEN characters, whose hash is H; -ENOENT
 * if ARCH has no such syscall, -EOPNOTSUPP if ARCH has no hash index. */
int sb_syscall_nr_hashed(const struct sb_arch *arch, const char *name, size_t len, uint32_t h);

#endif /* SANDBOX_INTERNAL_H */
