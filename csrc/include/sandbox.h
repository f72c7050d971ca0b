/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - the C API of pysandbox's policy compiler.
 *
 * Pipeline: environment strings -> struct sb_policy (policy.c, names resolved
 * for one arch) -> classic BPF in a caller-supplied buffer (bpf.c) ->
 * seccomp(2) (install.c). Only install.c touches the process.
 *
 * Everything between the CDEF markers is also read by cffi (pysandbox/_build.py):
 * keep it to plain declarations; #define values there are read back from C.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>
#include <stdint.h>

/* CDEF-BEGIN */

/* seccomp return actions (the kernel's SECCOMP_RET_* values) */
#define SB_ACT_KILL_PROCESS 0x80000000U
#define SB_ACT_KILL_THREAD 0x00000000U
#define SB_ACT_TRAP 0x00030000U
#define SB_ACT_ERRNO 0x00050000U /* | errno (1..4095) */
#define SB_ACT_USER_NOTIF 0x7fc00000U
#define SB_ACT_TRACE 0x7ff00000U
#define SB_ACT_LOG 0x7ffc0000U
#define SB_ACT_ALLOW 0x7fff0000U

#define SB_ACT_DEFAULT 0xffffffffU /* placeholder: the policy's default action */

#define SB_RULES_MAX 2048 /* resolved rules in one policy */
#define SB_CONDS_MAX 1024 /* argument conditions in one policy */
#define SB_RULE_CONDS_MAX 6 /* conditions on one rule (all must hold) */
#define SB_PROG_MAX 4096 /* BPF_MAXINSNS */
#define SB_EXIT_FAILURE 125 /* documented status of every setup failure */
#define SB_FILE_MAX 1048576 /* longest policy file or profile, in bytes */

/* Comparison operators; libseccomp's SCMP_CMP_* numbering. */
#define SB_CMP_NE 1
#define SB_CMP_LT 2
#define SB_CMP_LE 3
#define SB_CMP_EQ 4
#define SB_CMP_GE 5
#define SB_CMP_GT 6
#define SB_CMP_MASKED_EQ 7

/* One classic BPF instruction; same layout as struct sock_filter. */
struct sb_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/* An architecture the compiler knows (x86_64, i386, x32, aarch64). */
struct sb_arch;

/* argN OP value, or (argN & mask) == value. width 64 compares the whole
 * register; width 32 only its low half (a C int, however it was extended);
 * width 16 its low 16 bits (umode_t). */
struct sb_cond {
	uint64_t value;
	uint64_t mask;
	uint8_t arg;
	uint8_t op; /* SB_CMP_* */
	uint8_t width; /* 64, 32 or 16 */
};

struct sb_rule {
	uint32_t nr; /* syscall number as the filter sees it */
	uint32_t action; /* SB_ACT_* (SB_ACT_DEFAULT until sb_policy_finish) */
	uint16_t cond; /* first condition in policy->conds */
	uint16_t nconds; /* 0: unconditional */
};

struct sb_policy {
	const struct sb_arch *arch;
	uint32_t default_action; /* for every syscall no rule allows */
	uint32_t deny_action; /* SECCOMP_DEFAULT_ACTION, or "default" in a file */
	uint32_t abi_action; /* for calls through another ABI: kill (trace to learn) */
	int has_allow; /* an allowlist was given (variable or file) */
	int has_deny; /* a denylist was given (variable or file) */
	int has_deny_action;
	int verbose; /* SECCOMP_VERBOSE=1 */
	int learn; /* SECCOMP_LEARN=PID: trace every syscall, for tracer PID (pysandbox learn) */
	const char *file; /* SECCOMP_POLICY_FILE, for the caller to read */
	const char *profile; /* SECCOMP_PROFILE, for the caller to read */
	int has_profile; /* sb_policy_add_profile() succeeded */
	uint32_t profile_default; /* the profile's defaultAction */
	unsigned int profile_first; /* its first rule in rules[] */
	unsigned int profile_skipped; /* names not on this arch (skipped) */
	unsigned int profile_blocks; /* syscalls[] entries in the profile */
	unsigned int profile_applied; /* ... that apply on this host */
	unsigned int nrules;
	unsigned int nconds;
	struct sb_rule rules[SB_RULES_MAX]; /* in input order */
	struct sb_cond conds[SB_CONDS_MAX];
};

/* Where a policy went wrong; sb_error_format() turns it into one line. */
struct sb_error {
	char var[512]; /* variable, "file:line", or "SECCOMP_PROFILE: file: where" */
	char what[128]; /* e.g. "unknown syscall" */
	char token[64]; /* the offending input, truncated */
	int item; /* 1-based item number, 0 if none */
};

/* ---- syscalls.c: names and numbers, one generated table per arch ---- */

/* The arch this library was built for; NULL if the compiler does not support it. */
const struct sb_arch *sb_arch_native(void);
/* "x86_64", "i386", "x32", "aarch64"; NULL if unknown. */
const struct sb_arch *sb_arch_lookup(const char *name);
const char *sb_arch_name(const struct sb_arch *arch);
/* AUDIT_ARCH_* value the kernel reports in seccomp_data.arch. */
uint32_t sb_arch_audit(const struct sb_arch *arch);
/* Syscall-number bit of another ABI that shares this AUDIT_ARCH value (x32's
 * 0x40000000 on x86_64), or 0. Filters kill numbers at or above it. */
uint32_t sb_arch_abi_bit(const struct sb_arch *arch);
/* Can a filter be compiled for it (x86_64, aarch64)? i386/x32 are name tables only. */
int sb_arch_is_target(const struct sb_arch *arch);
/* Number of NAME on ARCH, or -1 if ARCH has no such syscall. */
int sb_syscall_nr(const struct sb_arch *arch, const char *name);
/* Name of syscall NR on ARCH, or NULL. */
const char *sb_syscall_name(const struct sb_arch *arch, uint32_t nr);
/* Bit N set: argument N of syscall NR on ARCH is a C type narrower than 64
 * bits (int, unsigned int, pid_t, ..., umode_t), which the kernel truncates. */
unsigned int sb_syscall_int_args(const struct sb_arch *arch, uint32_t nr);
/* Bits of argument ARG of syscall NR on ARCH that the kernel reads: 64, 32
 * (int, pid_t, ...) or 16 (umode_t). */
unsigned int sb_syscall_arg_width(const struct sb_arch *arch, uint32_t nr, unsigned int arg);
/* 1 if NAME is a Linux syscall on any architecture, else 0. */
int sb_syscall_known(const char *name);
/* Table access for listings: entry I (0-based, by name); -1 past the end. */
int sb_syscall_count(const struct sb_arch *arch);
int sb_syscall_at(const struct sb_arch *arch, int i, const char **name, uint32_t *nr);
/* Value of errno NAME ("EPERM"), or -1. */
int sb_errno_lookup(const char *name);
/* Value of the symbolic constant NAME ("AF_UNIX") in *value; 0 or -1. */
int sb_const_lookup(const char *name, int64_t *value);
/* Syscall group "@name": members on ARCH into NRS (room for CAP); returns
 * the count (names missing on ARCH skipped), or -1 for an unknown group. */
int sb_group_members(const struct sb_arch *arch, const char *name, uint32_t *nrs,
		     unsigned int cap);
/* Group listing: name of group I (0-based), or NULL past the end. */
const char *sb_group_at(int i);

/* ---- json.c: a strict JSON reader (RFC 8259); pure ---- */

#define SB_JSON_NULL 1
#define SB_JSON_FALSE 2
#define SB_JSON_TRUE 3
#define SB_JSON_NUMBER 4
#define SB_JSON_STRING 5
#define SB_JSON_ARRAY 6
#define SB_JSON_OBJECT 7
#define SB_JSON_DEPTH 32 /* deepest nesting of arrays and objects */
#define SB_JSON_MAX 65536 /* values in a profile (the tape libsandbox.so has) */

/* One value of a parsed document. The tape holds every value in document
 * order: a container is followed by its contents (an object's as key string,
 * value, key string, value, ...), and NEXT skips over them. */
struct sb_json {
	uint32_t start; /* offset of the value's first byte in the text */
	uint32_t end; /* offset just past its last byte */
	uint32_t next; /* tape index of whatever follows the value and its contents */
	uint32_t type; /* SB_JSON_* */
};

/* Where a document is not JSON: byte offset (the line and column are
 * counted from it) and what was expected there. */
struct sb_json_error {
	size_t offset;
	char what[64];
};

/* Parse TEXT (LEN bytes, UTF-8) into TAPE (room for CAP values); tape[0] is
 * the root. Returns the number of values, or -EINVAL (not JSON), -E2BIG (more
 * than CAP values, or nested deeper than SB_JSON_DEPTH) with *err filled. A
 * document of LEN bytes has at most LEN / 2 + 1 values. */
int sb_json_parse(const char *text, size_t len, struct sb_json *tape, unsigned int cap,
		  struct sb_json_error *err);
/* String value V of TEXT, unescaped, into BUF (SIZE bytes, NUL-terminated).
 * Its length, -E2BIG if it does not fit, -EINVAL if it holds a NUL. */
int sb_json_string(const char *text, const struct sb_json *v, char *buf, size_t size);
/* Number V as an unsigned integer no larger than MAX into *out: 0, -EINVAL
 * (negative, fraction or exponent), or -ERANGE. */
int sb_json_uint(const char *text, const struct sb_json *v, uint64_t max, uint64_t *out);

/* ---- the host a profile is compiled for (install.c probes it) ---- */

/* What a profile's includes/excludes are decided against. */
struct sb_host {
	uint64_t caps; /* bit N: capability N is in the effective set */
	unsigned int kernel_major, kernel_minor; /* 6.18 for "6.18.44-..." */
};

/* Capability "CAP_SYS_ADMIN" -> its number, or -1. */
int sb_cap_lookup(const char *name);
/* Name of capability N, or NULL past the last one the tables know. */
const char *sb_cap_name(int n);

/* ---- policy.c: text -> struct sb_policy; pure, no I/O ---- */

/* Parse an action word (kill, kill_process, kill_thread, trap, log, allow,
 * errno, errno:NAME, errno:NUMBER, errno(NAME), errno(NUMBER), ENAME) into
 * *action. 0 or -EINVAL. */
int sb_action_parse(const char *text, uint32_t *action);
/*
 * Start the policy that ENVP (a NULL-terminated "NAME=value" array) describes
 * for ARCH. Returns 0 when a policy was parsed, 1 when ENVP sets no policy
 * variable (nothing to do), or -EINVAL with *err filled. Then: if
 * policy->file is set, read it and call sb_policy_add_file(); last,
 * sb_policy_finish().
 */
int sb_policy_from_env(struct sb_policy *policy, const struct sb_arch *arch,
		       char *const *envp, struct sb_error *err);
/* Add the policy-file text TEXT (LEN bytes) read from PATH. 0 or -EINVAL. */
int sb_policy_add_file(struct sb_policy *policy, const char *path, const char *text,
		       size_t len, struct sb_error *err);

/* ---- profile.c: Docker/OCI seccomp profile (JSON) -> rules; pure ---- */

/*
 * Add the profile TEXT (LEN bytes) read from PATH, as the policy's base:
 * its defaultAction becomes the default action, its syscalls[] entries that
 * apply to HOST (includes/excludes) become rules, with libseccomp's and
 * runc's semantics (README, "Docker/OCI profiles"). TAPE (room for CAP
 * values, LEN / 2 + 2 is always enough) is work space. 0 or -EINVAL with
 * *err naming the file and the JSON location.
 */
int sb_policy_add_profile(struct sb_policy *policy, const char *path, const char *text,
			  size_t len, const struct sb_host *host, struct sb_json *tape,
			  unsigned int cap, struct sb_error *err);
/* Resolve default actions and check the whole. 0 or -EINVAL. */
int sb_policy_finish(struct sb_policy *policy, struct sb_error *err);
/* Is NAME (a "SECCOMP_..." variable name, no '=') one libsandbox reads? */
int sb_env_is_ours(const char *name);
/* The SECCOMP_VERBOSE=1 line for rule I ("adding write to the process
 * seccomp filter") into BUF; returns what snprintf returns. */
int sb_rule_describe(const struct sb_policy *policy, unsigned int i, char *buf, size_t size);
/* "VAR: what 'token' (item N)" into BUF; returns what snprintf returns. */
int sb_error_format(const struct sb_error *err, char *buf, size_t size);

/* ---- bpf.c: struct sb_policy -> classic BPF ---- */

/* Compile POLICY into OUT (room for CAP instructions). Returns the number of
 * instructions, -E2BIG if it does not fit, -EINVAL on a bad policy. */
int sb_bpf_compile(const struct sb_policy *policy, struct sb_insn *out, unsigned int cap);

/* ---- install.c: the only unit with side effects ---- */

/* Set no_new_privs on the calling thread (inherited by children and kept
 * across execve). 0 or -errno. */
int sb_no_new_privs(void);
/* Set no_new_privs and load PROG as a seccomp filter on every thread.
 * 0 or -errno. */
int sb_install(const struct sb_insn *prog, unsigned int len);
/* This process's effective capabilities (capget(2)) and the running
 * kernel's version (uname(2)) into *host. 0 or -errno. */
int sb_host_probe(struct sb_host *host);

/* ---- trace.c: ptrace for sandboxify (cffi module only) ---- */

/* Each returns 0 or -errno. seize sets TRACEEXEC, TRACESYSGOOD, EXITKILL:
 * should the tracer die, the tracee is killed, never left running free. */
int sb_trace_seize(int pid);
int sb_trace_cont(int pid, int sig);
int sb_trace_syscall(int pid, int sig);
int sb_trace_listen(int pid);
int sb_trace_detach(int pid, int sig);
/* Declare PID as our tracer for Yama (no-op without Yama). */
int sb_set_ptracer(int pid);
/* execve(2) with ENVP as given, entries without '=' and repeated names too
 * (sandboxify's launch exec; os.execve takes a mapping). -errno on failure. */
int sb_trace_execve(const char *path, char *const argv[], char *const envp[]);
/* With PID in a ptrace stop outside any syscall: make it install PROG on
 * itself with seccomp(2), then restore its registers and code. PID must
 * already have no_new_privs (sandboxify sets it before the launch exec). */
int sb_inject_filter(int pid, const struct sb_insn *prog, unsigned int len);
/* Make the stopped tracee call exit_group(CODE), an i386 one too; 0 once
 * it is gone. */
int sb_inject_exit(int pid, int code);

/* pysandbox learn: every syscall a traced program tree made, counted per
 * number. Calls of the native ABI in native[], x32 (x86_64) in x32[], the
 * 32-bit compat ABI (i386) in compat[]; anything else in other. */
#define SB_LEARN_NRS 1024
struct sb_learn {
	uint32_t native[SB_LEARN_NRS];
	uint32_t x32[SB_LEARN_NRS];
	uint32_t compat[SB_LEARN_NRS];
	uint64_t calls; /* every seccomp stop */
	uint64_t other; /* numbers beyond the arrays, unknown arches */
	int status; /* wait status of the program itself */
	int tasks; /* processes and threads traced */
	uint32_t handlers; /* rt_sigaction calls installing a signal handler, and
			    * tasks found catching signals at their first call */
	uint32_t restarts; /* calls the kernel resumes with restart_syscall */
	uint32_t untraced; /* clone flags CLONE_UNTRACED cleared (learn follows) */
	int blind; /* 0, or the SB_LEARN_OWN_FILTER or _FOREIGN_ABI that ended the run */
	int exec_error; /* errno of the program's failed launch execve, or 0 */
};
/* A call learn cannot see past: the program installs a seccomp filter of its
 * own (seccomp(2) or prctl(PR_SET_SECCOMP)), whose ERRNO, TRAP or KILL would
 * outrank SECCOMP_RET_TRACE. The run is killed there. */
#define SB_LEARN_OWN_FILTER 1
/* The launch exec loaded an image of another ABI (an i386 program behind a
 * script's #! line): killed before its first instruction. */
#define SB_LEARN_FOREIGN_ABI 2
/*
 * Start PATH (ARGV, ENVP) stopped in a child, trace it and every process and
 * thread it starts, count the syscalls a SECCOMP_RET_TRACE filter reports,
 * until the last of them is gone. The filter comes from the program
 * (libsandbox.so with SECCOMP_LEARN=<the caller's pid>) or, with PROG, is injected at the
 * launch exec (the child gets no_new_privs). A call that would hide later
 * ones (OUT->blind) kills every task; CLONE_UNTRACED is cleared so every
 * child is followed. 0, or -errno if the program could not be started; a
 * failed launch execve is OUT->exec_error.
 */
int sb_learn_run(const char *path, char *const argv[], char *const envp[],
		 const struct sb_insn *prog, unsigned int len, struct sb_learn *out);

/* ---- probe.c: what the kernel offers, for `pysandbox features` (cffi module only) ---- */

/* Each asks the kernel itself, never its version, from a forked child (the
 * probe may change or kill that process; the caller is left as it was).
 * Each returns 0 (or a value >= 0) when the feature works, else -errno;
 * -ECHILD if the probing child died (e.g. a seccomp filter killed it). */

/* A child installs a one-instruction allow-all filter (after no_new_privs). */
int sb_probe_seccomp_filter(void);
/* SECCOMP_GET_ACTION_AVAIL: does the kernel know ACTION (SB_ACT_*)? */
int sb_probe_seccomp_action(uint32_t action);
/* SECCOMP_GET_NOTIF_SIZES into SIZES[0..2]: struct seccomp_notif,
 * seccomp_notif_resp, seccomp_data. */
int sb_probe_notif_sizes(uint16_t *sizes);
/* A child installs a filter with SECCOMP_FILTER_FLAG_NEW_LISTENER (gets a
 * user-notification fd). */
int sb_probe_notif_listener(void);
/* landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the
 * highest Landlock ABI (>= 1). */
int sb_probe_landlock_abi(void);
/* A child calls unshare(CLONE_NEWUSER) as the caller's user. */
int sb_probe_userns(void);
/* getpid through the i386 ABI (int $0x80: without emulation the kernel
 * kills the child) or the x32 ABI; 0 if it answered the right pid. -EOPNOTSUPP off x86_64. */
int sb_probe_i386(void);
int sb_probe_x32(void);
/* A child PTRACE_SEIZEs a child of its own: plainly; then stopped, asking
 * PTRACE_GET_SYSCALL_INFO; then with PTRACE_O_SUSPEND_SECCOMP. */
int sb_probe_ptrace_child(void);
int sb_probe_syscall_info(void);
int sb_probe_suspend_seccomp(void);
/* sandboxify's case: a child is PTRACE_SEIZEd by its own child, which it
 * declared with PR_SET_PTRACER (Yama: a non-descendant tracer). */
int sb_probe_ptrace_parent(void);

/* CDEF-END */

/* ---- internal to csrc/ ---- */

/* Append a rule for syscall NR. Conditions on a 32-bit or 16-bit argument of
 * NR (see sb_syscall_arg_width) compare those low bits only; a value wider
 * than that there is refused (-ERANGE), as is a condition that can never
 * match (-EDOM: a masked value with bits outside its mask, a value below 0
 * or above the largest the argument holds, ...). 0, -E2BIG (policy full),
 * -ERANGE or -EDOM with *BAD the index of the condition at fault. */
int sb_policy_add_rule(struct sb_policy *policy, uint32_t nr, uint32_t action,
		       const struct sb_cond *conds, int nconds, int *bad);

#define SB_ERRNO_MAX 4095 /* the kernel caps SECCOMP_RET_ERRNO's data at MAX_ERRNO */

/* An errno: a name ("EPERM") or a decimal/0x number, at most SB_ERRNO_MAX,
 * into *OUT (policy.c). 0, -EINVAL (not an errno) or -ERANGE (too big). */
int sb_errno_parse(const char *s, uint32_t *out);

/* sb_install() with seccomp(2) FLAGS of the caller's choice (install.c):
 * what the kernel returned (a listener fd with NEW_LISTENER), or -errno. */
int sb_install_flags(const struct sb_insn *prog, unsigned int len, unsigned int flags);
/* waitpid(PID, STATUS, FLAGS) through EINTR; 0 or -errno (trace.c). */
int sb_wait(int pid, int *status, int flags);

/* FNV-1a, the hash of the targets' name index (tools/gen_tables.py): start
 * from SB_HASH_INIT, one step per character of the name. */
#define SB_HASH_INIT 2166136261U
static inline uint32_t sb_hash_step(uint32_t h, char c)
{
	return (h ^ (uint8_t)c) * 16777619U;
}

/* sb_syscall_nr() for NAME's first LEN characters, whose hash is H; -1 if
 * ARCH has no such syscall, -2 if ARCH has no hash index. */
int sb_syscall_nr_hashed(const struct sb_arch *arch, const char *name, size_t len,
			 uint32_t h);

#endif /* SANDBOX_H */
