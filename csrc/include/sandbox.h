/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - the C API of pysandbox: what one sandbox is (struct sb_config),
 * how it is loaded (sb_config_load), compiled (sb_bpf_compile) and applied
 * (sb_enter). Documented once, here.
 *
 * Folders are roles: csrc/core/ is pure (no I/O, no getenv, no syscalls:
 * environment and policy text, JSON, profiles, the loader, BPF, names and
 * arch facts); csrc/apply/ has the side effects (reading the policy's files,
 * probing the host, no_new_privs, seccomp(2), the one ordered enter);
 * csrc/preload/ is libsandbox.so's entry; csrc/tools/ the cffi module's own
 * (ptrace, learn, kernel probes). internal.h is what units share beyond this.
 *
 * Errors: every function returns 0 (or a count) on success and a negative
 * errno from this one set on failure, with a struct sb_error filled where it
 * takes one:
 *   -EINVAL      bad input: syntax, not a value of its kind    SB_ERR_SYNTAX
 *   -ENOENT      an unknown name (syscall, group, action, ...) SB_ERR_UNKNOWN
 *   -ERANGE      a number or value out of its range            SB_ERR_RANGE
 *   -EDOM        a condition that can never hold               SB_ERR_NEVER
 *   -EEXIST      settings that conflict or repeat              SB_ERR_CONFLICT
 *   -E2BIG       more than fits (rules, filter, JSON values)   SB_ERR_TOO_BIG
 *   -EFBIG       a policy file or profile is too long          SB_ERR_TOO_BIG
 *   -EOPNOTSUPP  valid, but not something pysandbox does       SB_ERR_UNSUPPORTED
 *   -errno       a policy file or profile cannot be read       SB_ERR_FILE
 *                (-SB_ENOTREG: not a regular file)
 *   -errno       the host (capget, uname) cannot be read       SB_ERR_HOST
 *   -errno       the kernel refused a step of sb_enter()       SB_ERR_KERNEL
 *                (-EOPNOTSUPP: it lacks the feature)
 *   -ENOMEM      sb_bpf_compile() could not allocate its work space
 * Lookups that find nothing return -ENOENT.
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
#define SB_PATH_MAX 4097 /* a path of PATH_MAX bytes (which the kernel refuses) and its NUL */
#define SB_NO_POLICY 1 /* sb_config_load(): the environment sets no policy */
#define SB_ENOTREG 4096 /* -SB_ENOTREG: not a regular file (above every errno) */

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

/* The seccomp layer: rules resolved for one arch, what sb_bpf_compile() reads. */
struct sb_seccomp {
	const struct sb_arch *arch;
	int learn; /* SECCOMP_LEARN=PID: trace every syscall, for tracer PID */
	uint32_t default_action; /* for every syscall no rule decides */
	uint32_t abi_action; /* for calls through another ABI: kill (trace to learn) */
	unsigned int nrules;
	unsigned int nconds;
	struct sb_rule rules[SB_RULES_MAX]; /* in input order */
	struct sb_cond conds[SB_CONDS_MAX];
};

/* Inputs a configuration holds a copy of (struct sb_config.inputs). */
#define SB_INPUT_POLICY_FILE 1U
#define SB_INPUT_PROFILE 2U

/* Layers a configuration holds (struct sb_config.layers); each is also the
 * family of variables that sets it (sb_env_family). */
#define SB_LAYER_SECCOMP 1U
#define SB_LAYER_LANDLOCK 2U
#define SB_LAYER_EXEC 4U /* SANDBOX_EXEC_*: the exec policy (core/exec.c, apply/supervise.c) */
#define SB_LAYER_VOWS \
	8U /* SANDBOX_VOWS: compiled INTO the two layers above; the bit
			  * records that they were asked for (core/vows.c) */
#define SB_LAYER_CAPS 16U
#define SB_LAYER_LIMITS 32U

/* ---- the Landlock layer: files, TCP ports, IPC scopes ---- */

/* Landlock's access rights (the kernel's values; the ABI that brought each). */
#define SB_FS_EXECUTE 0x1U
#define SB_FS_WRITE_FILE 0x2U
#define SB_FS_READ_FILE 0x4U
#define SB_FS_READ_DIR 0x8U
#define SB_FS_REMOVE_DIR 0x10U
#define SB_FS_REMOVE_FILE 0x20U
#define SB_FS_MAKE_CHAR 0x40U
#define SB_FS_MAKE_DIR 0x80U
#define SB_FS_MAKE_REG 0x100U
#define SB_FS_MAKE_SOCK 0x200U
#define SB_FS_MAKE_FIFO 0x400U
#define SB_FS_MAKE_BLOCK 0x800U
#define SB_FS_MAKE_SYM 0x1000U
#define SB_FS_REFER 0x2000U /* ABI 2 */
#define SB_FS_TRUNCATE 0x4000U /* ABI 3 */
#define SB_FS_IOCTL_DEV 0x8000U /* ABI 5 */
#define SB_FS_ALL 0xffffU /* every right above: what SANDBOX_FS_* restricts */
#define SB_FS_FILE 0xc007U /* the rights a rule on a file (not a directory) may carry */
#define SB_NET_BIND_TCP 0x1U /* ABI 4 */
#define SB_NET_CONNECT_TCP 0x2U /* ABI 4 */
#define SB_NET_ALL 0x3U
#define SB_SCOPE_ABSTRACT_UNIX 0x1U /* ABI 6 */
#define SB_SCOPE_SIGNAL 0x2U /* ABI 6 */
#define SB_SCOPE_ALL 0x3U
#define SB_LL_ABI_KNOWN 7 /* the newest Landlock ABI this code knows */

/* What SANDBOX_FS_READ, _EXEC and _WRITE grant. */
#define SB_FS_RIGHTS_READ 0xcU /* READ_FILE | READ_DIR */
#define SB_FS_RIGHTS_EXEC 0xdU /* READ | EXECUTE */
#define SB_FS_RIGHTS_WRITE 0xfffeU /* everything but EXECUTE */

/* Socket kinds SANDBOX_NET allows besides TCP and AF_UNIX (struct sb_landlock.sockets). */
#define SB_NET_NONE 1U /* no AF_INET/AF_INET6 socket at all */
#define SB_NET_UDP 2U /* AF_INET/6 SOCK_DGRAM */
#define SB_NET_RAW 4U /* AF_INET/6 SOCK_RAW, AF_PACKET */
#define SB_NET_NETLINK 8U /* AF_NETLINK */

#define SB_LL_PATHS_MAX 256 /* path rules in one configuration */
#define SB_LL_PORTS_MAX 128 /* port items (a port or a range) */
#define SB_LL_PORT_RULES_MAX 4096 /* ports, ranges counted out */
#define SB_LL_ARENA 16384 /* bytes of path text */

/* struct sb_ll_path.flags. OPTIONAL: skipped when it does not exist
 * ("PATH?", a group's member); UNLESS_LINK: also when it is a symlink (a
 * group's /bin, /lib); DIR, FILE: what it is known to be (a group's member:
 * then it is not asked, a system call less each). */
#define SB_LL_OPTIONAL 1
#define SB_LL_UNLESS_LINK 2
#define SB_LL_DIR 4
#define SB_LL_FILE 8

/* One path: what is granted beneath it (SB_FS_*). */
struct sb_ll_path {
	uint32_t name; /* offset of its NUL-terminated text in sb_landlock.arena */
	uint32_t item; /* 1-based item in its variable, or its policy-file line */
	uint16_t access;
	uint8_t var; /* the variable it came from (for errors), SB_V_FILE for a file's line */
	uint8_t flags; /* SB_LL_* */
};

/* Ports LO..HI: what is granted (SB_NET_BIND_TCP or SB_NET_CONNECT_TCP). */
struct sb_ll_ports {
	uint32_t item; /* as sb_ll_path's */
	uint16_t lo, hi;
	uint16_t access;
};

/*
 * The Landlock layer. FS, NET and SCOPED are what the one ruleset handles
 * (denied unless a rule grants it); 0 when the layer does not restrict that
 * kind. Everything is in the struct (paths in ARENA, by offset).
 */
struct sb_landlock {
	uint64_t fs; /* SB_FS_ALL once any SANDBOX_FS_* is set */
	uint64_t net; /* SB_NET_ALL once any SANDBOX_NET* is set */
	uint64_t scoped; /* SB_SCOPE_* (SANDBOX_SCOPE; both by default) */
	uint64_t fs_optional; /* of FS, those left out where the ABI lacks them, unsaid */
	unsigned int sockets; /* SB_NET_NONE, _UDP, _RAW, _NETLINK */
	int best_effort; /* SANDBOX_BEST_EFFORT=1 */
	int io_uring; /* SANDBOX_IO_URING=allow */
	int var_fs, var_net, var_scope; /* the variable kernel errors name, per kind */
	unsigned int npaths, nports, arena_len;
	struct sb_ll_path paths[SB_LL_PATHS_MAX];
	struct sb_ll_ports ports[SB_LL_PORTS_MAX];
	char arena[SB_LL_ARENA];
};

/* ---- capabilities and resource limits (core/privs.c, apply/privs.c) ---- */

/* SANDBOX_CAPS: the capabilities kept (bit N: capability N); every other one
 * leaves the bounding, inheritable, ambient, permitted and effective sets. */
struct sb_caps {
	uint64_t keep;
	uint8_t item[64]; /* item[N]: the 1-based item that named capability N */
};

#define SB_LIMITS_MAX 16 /* limits in one SANDBOX_LIMITS */
#define SB_RLIM_INFINITY (~0ULL) /* "unlimited" (RLIM_INFINITY) */

/* One resource limit: RLIMIT_* RESOURCE to SOFT and HARD. */
struct sb_limit {
	uint64_t soft, hard; /* SB_RLIM_INFINITY: unlimited */
	uint8_t resource; /* RLIMIT_* */
	uint8_t item; /* 1-based item in SANDBOX_LIMITS */
};

/* SANDBOX_LIMITS, in the order given (a resource at most once). */
struct sb_limits {
	unsigned int n;
	struct sb_limit limit[SB_LIMITS_MAX];
};

/* Name of resource limit RESOURCE (RLIMIT_*) in SANDBOX_LIMITS ("nofile"), or
 * NULL for one SANDBOX_LIMITS does not set. */
const char *sb_limit_name(int resource);
/* Does a limit on RESOURCE count bytes (and take K, M, G, T suffixes)? */
int sb_limit_is_size(int resource);
/* Limit L as an item of SANDBOX_LIMITS ("nofile=64", "cpu=5/10", bytes
 * without a suffix) into BUF; what snprintf returns. */
int sb_limit_format(const struct sb_limit *l, char *buf, size_t size);
/* ---- the vows (pledge-style promises, core/vows.c) ---- */

#define SB_VOWS_MAX 32 /* promises the table may hold (a bit each) */

/* SANDBOX_VOWS and SANDBOX_VOWS_EXEC: bit I is promise sb_vow_name(I). */
struct sb_vows {
	uint32_t promises;
	uint32_t exec; /* what an exec'd program is narrowed to (EXEC_GIVEN) */
	int exec_given;
	int bare_domain; /* the Landlock layer is the vows' domain alone: it restricts no file */
};

/* Name of promise I ("stdio"), or NULL past the last. */
const char *sb_vow_name(unsigned int i);
/* Row I of the vows' table: it applies when every promise of *NEEDS is
 * made (bits as sb_vow_name's) and none of *UNLESS; its entries in the
 * policy language, allowed unless they say =ACTION; *NOTE what they are
 * for. 0, or -ERANGE past the last. */
int sb_vow_row(unsigned int i, uint32_t *needs, uint32_t *unless, const char **text,
	       const char **note);
/* Landlock path I of the vows: PROMISE grants ACCESS (SB_FS_*) beneath
 * *PATH where the promises it implies (*IMPLIES: rpath, wpath, cpath) are
 * not made themselves. 0, or -ERANGE past the last. */
int sb_vow_path(unsigned int i, uint32_t *promise, uint32_t *implies, const char **path,
		uint32_t *access);
/* "SANDBOX_VOWS=stdio rpath" for PROMISES into BUF: what an exec'd program
 * is handed (SANDBOX_VOWS_EXEC); what snprintf returns. */
int sb_vows_format(uint32_t promises, char *buf, size_t size);
/* ---- the exec policy: which programs, with which argv, may be executed ---- */

#define SB_EXEC_RULES_MAX 64 /* rules of both variables */
#define SB_EXEC_WORDS_MAX 8 /* argv words a rule names after its program */
#define SB_EXEC_WORD_MAX 255 /* bytes of one argv word or bare name (NAME_MAX) */
#define SB_EXEC_ARENA 8192 /* bytes of rule text */
/* One argv word as the supervisor keeps it: at most SB_EXEC_WORD_MAX + 1
 * bytes, so a longer one (cut there) equals no rule's word. */
#define SB_EXEC_KEEP 256

/* One rule: a program (absolute path or bare name), then NWORDS words the
 * argv must start with (after argv[0]), each NUL-terminated in the arena. */
struct sb_exec_rule {
	uint16_t text; /* offset of the program in sb_exec.arena; its words follow */
	uint8_t nwords;
	uint8_t deny; /* from SANDBOX_EXEC_DENY (else _ALLOW) */
	uint8_t absolute; /* the program is a path (judged by the file it names) */
	uint16_t item; /* 1-based item in its variable */
};

/* The exec layer (SB_LAYER_EXEC). */
struct sb_exec {
	int has_allow; /* SANDBOX_EXEC_ALLOW is set (even empty: nothing may run) */
	unsigned int nrules, arena_len;
	unsigned int max_words; /* most words of any rule */
	struct sb_exec_rule rules[SB_EXEC_RULES_MAX];
	char arena[SB_EXEC_ARENA];
};

/*
 * One exec as it is judged. PATH: the file name as the kernel got it (may be
 * relative; "" if unknown); RESOLVED: the absolute path of the file it
 * opened, links resolved ("" if unknown); DEV, INO: that file (0, 0 if
 * unknown); WORDS: ARGC words, each NUL-terminated, each cut at
 * SB_EXEC_KEEP bytes: argv[0]'s last path component, then argv[1], ...
 * (at most SB_EXEC_WORDS_MAX + 1 of them).
 */
struct sb_exec_subject {
	const char *path;
	const char *resolved;
	uint64_t dev, ino;
	const char *words;
	unsigned int argc;
};

#define SB_EXEC_ALLOWED (-1) /* sb_exec_judge(): no rule refuses it */
#define SB_EXEC_UNLISTED (-2) /* ... SANDBOX_EXEC_ALLOW does not list it */

/* core/exec.c. The verdict on S: SB_EXEC_ALLOWED, SB_EXEC_UNLISTED, or the
 * index of the first SANDBOX_EXEC_DENY rule that matches. IDS: the file each
 * absolute rule names, (dev, ino) at 2 * I (NULL: none matches). A rule
 * matches when its program does - an absolute one: the same file (by
 * identity only); a bare name: the last component of RESOLVED (for a DENY
 * rule also PATH's and argv[0]) - and argv[1..] starts with its words. */
int sb_exec_judge(const struct sb_exec *x, const uint64_t *ids, const struct sb_exec_subject *s);
/* Rule I as its variable would write it ("git push") into BUF, its variable
 * (SANDBOX_EXEC_ALLOW or _DENY) into *VAR; what snprintf returns, -ERANGE
 * past the last. */
int sb_exec_rule_text(const struct sb_exec *x, unsigned int i, char *buf, size_t size,
		      const char **var);

/* The SECCOMP_VERBOSE=1 line for rule I ("adding 'git push' to the process
 * exec policy (deny)"); what snprintf returns, -ERANGE past the last. */
int sb_exec_describe(const struct sb_exec *x, unsigned int i, char *buf, size_t size);

/*
 * Everything one sandbox is. It owns what it holds (the inputs are copies):
 * nothing in it points into the environment or a caller's buffer (the arch
 * pointer aside, which names a constant). Filled by sb_config_load(),
 * applied by sb_prepare() and sb_enter().
 *
 * Design notes for the layers to come. Each layer is one member with its
 * own parser in the loader (core/config.c), which clears that member
 * itself: config.c asserts the layout, so a member added without its
 * clearing does not compile. Variable-length data (issue 13's many paths)
 * goes into one string arena here, referred to by offsets, never pointers,
 * so a configuration stays a plain copyable block of bytes (the cffi module
 * snapshots it as such), rather than more fixed SB_PATH_MAX arrays.
 * Small layers (caps, limits: a few hundred bytes) sit in the head, which
 * the loader clears at once.
 */
struct sb_config {
	unsigned int layers; /* SB_LAYER_* */
	unsigned int inputs; /* SB_INPUT_*: which of the paths below are set */
	int verbose; /* SECCOMP_VERBOSE=1: describe each rule */
	struct sb_caps caps; /* SB_LAYER_CAPS */
	struct sb_limits limits; /* SB_LAYER_LIMITS */
	struct sb_seccomp seccomp; /* SB_LAYER_SECCOMP */
	struct sb_landlock landlock; /* SB_LAYER_LANDLOCK */
	struct sb_vows vows; /* SB_LAYER_VOWS (set only then) */
	struct sb_exec exec; /* SB_LAYER_EXEC */
	char policy_file[SB_PATH_MAX]; /* SECCOMP_POLICY_FILE (SB_INPUT_POLICY_FILE) */
	char profile[SB_PATH_MAX]; /* SECCOMP_PROFILE (SB_INPUT_PROFILE) */
};

/* core/landlock.c. */
/* Name of Landlock right BIT (one bit) of KIND (0 fs, 1 net, 2 scope), as the
 * kernel's audit records write it ("fs.read_file", "net.connect_tcp",
 * "scope.signal"), or NULL. In a static buffer, as sb_landlock_group_at's:
 * not reentrant. */
const char *sb_landlock_right_name(unsigned int kind, uint64_t bit);
/* The SECCOMP_VERBOSE=1 line for the layer's rule I (its paths, then its
 * port ranges) into BUF; what snprintf returns, -ERANGE past the last. */
int sb_landlock_describe(const struct sb_landlock *ll, unsigned int i, char *buf, size_t size);
/* Path-group listing: name of group I ("@base"), or NULL past the end. */
const char *sb_landlock_group_at(int i);
/* The rights Landlock ABI ABI handles, per kind; 0, or -ERANGE for ABI < 1. */
int sb_landlock_abi_rights(int abi, uint64_t *fs, uint64_t *net, uint64_t *scope);
/* Add file PATH (absolute) with ACCESS (SB_FS_*, those a file may have: a
 * directory there gets no more) to CFG's Landlock layer, as sandboxify does
 * for the program file; 0, -EINVAL, -E2BIG. */
int sb_landlock_add_path(struct sb_config *cfg, const char *path, unsigned int access);
/* Name of variable VAR (a struct sb_ll_path.var, sb_landlock.var_*), or NULL. */
const char *sb_env_name(int var);

/* What a load saw on the way, for `pysandbox profile show`. */
struct sb_load_stats {
	unsigned int profile_first; /* the profile's first rule in seccomp.rules[] */
	unsigned int profile_skipped; /* its names that are no syscall on this arch */
	unsigned int profile_blocks; /* its syscalls[] entries */
	unsigned int profile_applied; /* ... that apply on this host */
};

/* Kinds of error (struct sb_error.kind); the errno each goes with is in the
 * table at the top of this file. */
enum sb_err_kind {
	SB_ERR_NONE,
	SB_ERR_SYNTAX,
	SB_ERR_UNKNOWN,
	SB_ERR_RANGE,
	SB_ERR_NEVER,
	SB_ERR_CONFLICT,
	SB_ERR_TOO_BIG,
	SB_ERR_UNSUPPORTED,
	SB_ERR_FILE,
	SB_ERR_HOST,
	SB_ERR_KERNEL,
};

/* Where a policy went wrong; sb_error_format() turns it into one line. */
struct sb_error {
	int kind; /* enum sb_err_kind */
	int sys_errno; /* SB_ERR_FILE, _HOST, _KERNEL: the errno; else 0 */
	char var[512]; /* variable, "file:line", or "SECCOMP_PROFILE: file: where" */
	char what[128]; /* e.g. "unknown syscall" */
	char token[64]; /* the offending input, truncated */
	int item; /* 1-based item number, 0 if none */
	int line; /* 1-based policy-file or JSON line, 0 if none */
	char where[128]; /* in a profile: the JSON location ("syscalls[3].args[0].op") */
	char path[SB_PATH_MAX]; /* the file at fault (policy file, profile), or "" */
};

/* core/error.c. Name of KIND ("syntax", "unknown", ...), "" for SB_ERR_NONE. */
const char *sb_error_kind_name(int kind);
/* "VAR: what 'token' (item N)" into BUF; returns what snprintf returns. */
int sb_error_format(const struct sb_error *err, char *buf, size_t size);

/* ---- core/arch.c: every arch fact; core/syscalls.c: names and numbers ---- */

#define SB_NR_SPACE 1024 /* every syscall number the tables know is below (x32's bit aside) */

/* The arch this library was built for; NULL if the compiler does not support it. */
const struct sb_arch *sb_arch_native(void);
/* "x86_64", "i386", "x32", "aarch64"; NULL if unknown. */
const struct sb_arch *sb_arch_lookup(const char *name);
/* Listing: arch I (0-based; the targets first), or NULL past the end. */
const struct sb_arch *sb_arch_at(int i);
const char *sb_arch_name(const struct sb_arch *arch);
/* Its name in an OCI profile's includes.arches ("amd64", "arm64", "386"). */
const char *sb_arch_oci_name(const struct sb_arch *arch);
/* libseccomp's name for it ("SCMP_ARCH_X86_64"), as a profile's architectures[] says. */
const char *sb_arch_scmp_name(const struct sb_arch *arch);
/* AUDIT_ARCH_* value the kernel reports in seccomp_data.arch. */
uint32_t sb_arch_audit(const struct sb_arch *arch);
/* AUDIT_ARCH_* of its 32-bit compat ABI (i386 on x86_64, arm on aarch64), or 0. */
uint32_t sb_arch_compat_audit(const struct sb_arch *arch);
/* Name of that compat ABI ("i386", "arm"; arm has no syscall table), or NULL. */
const char *sb_arch_compat_name(const struct sb_arch *arch);
/* Bit every syscall number of ARCH carries (x32's 0x40000000), or 0. */
uint32_t sb_arch_nr_bias(const struct sb_arch *arch);
/* Syscall-number bit of another ABI that shares this AUDIT_ARCH value (x32's
 * 0x40000000 on x86_64), or 0. Filters kill numbers at or above it. */
uint32_t sb_arch_abi_bit(const struct sb_arch *arch);
/* Can a filter be compiled for it (x86_64, aarch64)? i386/x32 are name tables only. */
int sb_arch_is_target(const struct sb_arch *arch);
/* ABI of an ELF file of class ELF_CLASS (ELFCLASS32/64) and e_machine MACHINE
 * ("x86_64", "x32", "i386", "aarch64", "arm"), or NULL for another machine. */
const char *sb_arch_elf_abi(unsigned int elf_class, unsigned int machine);
/* Number of NAME on ARCH, or -ENOENT if ARCH has no such syscall. */
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
/* Table access for listings: entry I (0-based, by name); -ERANGE past the end. */
int sb_syscall_count(const struct sb_arch *arch);
int sb_syscall_at(const struct sb_arch *arch, int i, const char **name, uint32_t *nr);
/* Syscall group "@name": members on ARCH into NRS (room for CAP); returns
 * the count (names missing on ARCH skipped), or -ENOENT for an unknown group. */
int sb_group_members(const struct sb_arch *arch, const char *name, uint32_t *nrs, unsigned int cap);
/* Group listing: name of group I (0-based), or NULL past the end. */
const char *sb_group_at(int i);

/* ---- core/json.c: a strict JSON reader (RFC 8259); pure ---- */

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

/* ---- the host a profile is compiled for (apply/host.c probes it; core/caps.c) ---- */

/* What a profile's includes/excludes are decided against. */
struct sb_host {
	uint64_t caps; /* bit N: capability N is in the effective set */
	unsigned int kernel_major, kernel_minor; /* 6.18 for "6.18.44-..." */
};

/* Capability "CAP_SYS_ADMIN" -> its number, or -ENOENT. */
int sb_cap_lookup(const char *name);
/* Name of capability N, or NULL past the last one the tables know. */
const char *sb_cap_name(int n);

/* ---- core/config.c: the one loader; pure (I/O through struct sb_load_io) ---- */

/*
 * How the loader gets what the environment only names. READ: file PATH into
 * BUF (SIZE bytes); its length, or -errno, -EFBIG if it has SIZE bytes or
 * more, -SB_ENOTREG if it is no regular file (sb_file_read is the default).
 * HOST: the host a profile is decided against, or NULL to ask PROBE
 * (sb_host_probe is the default). TEXT (TEXT_SIZE bytes, SB_FILE_MAX + 1 for
 * the documented limit) and TAPE (TAPE_CAP values, SB_JSON_MAX) are work space.
 */
struct sb_load_io {
	long (*read)(void *ctx, const char *path, char *buf, size_t size);
	void *ctx; /* READ's first argument */
	const struct sb_host *host;
	int (*probe)(struct sb_host *host);
	char *text;
	size_t text_size;
	struct sb_json *tape;
	unsigned int tape_cap;
};

/*
 * Load the sandbox ENVP (a NULL-terminated "NAME=value" array) describes for
 * ARCH into *CFG: SANDBOX_CAPS and SANDBOX_LIMITS (core/privs.c), the
 * SECCOMP_* variables, then the policy file and the
 * profile they name (read through IO, the profile decided for IO's host),
 * then the Landlock layer's SANDBOX_* variables (and the seccomp rules it
 * needs, core/landlock.c). Returns 0, SB_NO_POLICY when ENVP sets none
 * (CFG->layers 0), or a negative
 * errno of the set above with *ERR filled. STATS (may be NULL): what the
 * load saw. CFG may be uninitialised memory; only what is set is written.
 */
int sb_config_load(struct sb_config *cfg, const struct sb_arch *arch, char *const *envp,
		   const struct sb_load_io *io, struct sb_load_stats *stats, struct sb_error *err);
/* The SECCOMP_VERBOSE=1 line I of CFG into BUF: the Landlock layer's paths
 * and ports, then each seccomp rule, then the exec policy's rules; what
 * snprintf returns, -ERANGE past the last. */
int sb_config_describe(const struct sb_config *cfg, unsigned int i, char *buf, size_t size);

/* ---- core/policy.c: the policy language; core/env.c: our variables ---- */

/* Parse an action word (kill, kill_process, kill_thread, trap, log, allow,
 * errno, errno:NAME, errno:NUMBER, errno(NAME), errno(NUMBER), ENAME) into
 * *action. 0 or -ENOENT (not an action). */
int sb_action_parse(const char *text, uint32_t *action);
/* The layer (SB_LAYER_*) whose family of variables ENTRY ("NAME=value" or
 * a name) belongs to by its prefix ("SECCOMP_"), or 0 (core/env.c). Every
 * variable of a family is ours: a name the loader does not know is an error. */
unsigned int sb_env_family(const char *entry);
/* Is NAME (a variable name, no '=') one libsandbox reads? (core/env.c) */
int sb_env_is_ours(const char *name);
/* The SECCOMP_VERBOSE=1 line for rule I ("adding write to the process
 * seccomp filter") into BUF; returns what snprintf returns. */
int sb_rule_describe(const struct sb_seccomp *policy, unsigned int i, char *buf, size_t size);

/* ---- core/bpf.c: struct sb_seccomp -> classic BPF ---- */

/* Compile POLICY into OUT (room for CAP instructions). Returns the number of
 * instructions, -E2BIG if it does not fit, -EINVAL on a bad policy, -ENOMEM. */
int sb_bpf_compile(const struct sb_seccomp *policy, struct sb_insn *out, unsigned int cap);

/* ---- core/bpfrun.c: the one BPF interpreter ---- */

/* What PROG (LEN instructions of the subset bpf.c emits) answers for DATA,
 * the 64 bytes of a struct seccomp_data; -1 for an instruction outside the
 * subset, a load outside DATA, a jump past the end or no return. */
int64_t sb_bpf_run(const struct sb_insn *prog, unsigned int len, const void *data);

/* ---- apply/: side effects (enter.c, install.c, host.c, file.c) ---- */

/* struct sb_prepared.restrict_flags: audit the program a launcher execs next
 * (LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON; without it only denials before
 * the next execve are logged). */
#define SB_LL_LOG_NEW_EXEC_ON 0x2U

/* Steps of sb_enter(), in the order it takes them. */
#define SB_ENTER_LIMITS 8U
#define SB_ENTER_CAPS 16U
#define SB_ENTER_NO_NEW_PRIVS 1U
#define SB_ENTER_LANDLOCK 4U
#define SB_ENTER_SECCOMP 2U
/* one line, as cffi and tests/unit/test_config.py read it: */
/* clang-format off */
#define SB_ENTER_ALL (SB_ENTER_LIMITS | SB_ENTER_CAPS | SB_ENTER_NO_NEW_PRIVS | SB_ENTER_LANDLOCK | SB_ENTER_SECCOMP)
/* clang-format on */
/* SB_ENTER_ALL asks sb_enter() for every step CFG's layers need
 * (sb_enter_steps); a step named alone whose layer CFG lacks is an error. */

/*
 * What sb_enter() applies that must be made from a configuration first:
 * the seccomp filter (compiled into the caller's PROG, room for CAP
 * instructions) and the Landlock ruleset. issue 14: the user-notification
 * listener fd sb_enter() hands back.
 */
struct sb_prepared {
	struct sb_insn *prog;
	unsigned int cap;
	unsigned int len; /* instructions in PROG; 0 without a seccomp layer */
	int ready; /* set by sb_prepare() */
	int ruleset; /* the Landlock ruleset fd (close-on-exec), or -1; sb_enter() closes it */
	int abi; /* the kernel's Landlock ABI, 0 if none, -1 if not asked */
	unsigned int restrict_flags; /* SB_LL_LOG_*: landlock_restrict_self()'s, ABI 7 */
	uint64_t dropped_fs, dropped_net, dropped_scope; /* SANDBOX_BEST_EFFORT: not enforced */
};

/*
 * Make what CFG's layers need before they are applied into *PREP (PROG and
 * CAP set by the caller): refuse a capability to keep that this process does
 * not hold, or a hard limit above its own without CAP_SYS_RESOURCE (nothing
 * is changed); compile the seccomp filter; ask the kernel's
 * Landlock ABI, refuse what it lacks (unless best effort: then drop it and
 * say so in PREP's dropped_*), build the ruleset (every path opened now: one
 * that does not exist is an error unless optional). 0, or a negative errno
 * with *ERR filled (the Landlock variable at fault named). On failure no fd
 * stays open; on success sb_enter() closes the ruleset (or sb_unprepare()).
 */
int sb_prepare(const struct sb_config *cfg, struct sb_prepared *prep, struct sb_error *err);
/*
 * Apply CFG to the calling process: the STEPS asked for, in the one order
 * enter.c documents, PREP's seccomp filter last; PREP's ruleset is closed
 * whatever happens (it serves one enter). 0; -EINVAL if a step is
 * asked whose layer CFG lacks or PREP does not hold; or -errno with *ERR
 * filled (SB_ERR_KERNEL) at the first step the kernel refuses; the steps
 * before it stay applied. PREP, and CFG while no step reads a layer (today:
 * no_new_privs alone), may be NULL.
 */
int sb_enter(const struct sb_config *cfg, struct sb_prepared *prep, unsigned int steps,
	     struct sb_error *err);
/* The steps CFG's layers need: no_new_privs, and one per layer. */
unsigned int sb_enter_steps(const struct sb_config *cfg);
/* Close what sb_prepare() opened and sb_enter() did not consume. */
void sb_unprepare(struct sb_prepared *prep);
/* "fs.truncate, scope.signal": the rights PREP dropped (best effort) into BUF. */
int sb_prepared_dropped(const struct sb_prepared *prep, char *buf, size_t size);
/* This process's effective capabilities (capget(2)) and the running
 * kernel's version (uname(2)) into *host. 0 or -errno. */
int sb_host_probe(struct sb_host *host);
/* struct sb_load_io's default READ: raw syscalls (nothing the host program
 * exports), O_NONBLOCK (a FIFO does not wait for a writer), regular files
 * only. CTX is unused. */
long sb_file_read(void *ctx, const char *path, char *buf, size_t size);

/* ---- apply/supervise.c: the exec policy's supervisor ---- */

/* Check the programs CFG's exec layer names by absolute path exist (their
 * files are what those rules judge by): 0, or -errno with *ERR filled. */
int sb_supervise_check(const struct sb_config *cfg, struct sb_error *err);
/* Start the supervisor of CFG's exec layer for the calling process (before
 * sb_enter: it stays outside every layer): double-forked, it seizes the
 * caller and then every task the caller starts, judges each execve and
 * execveat, and reports each refusal on the caller's stderr in one line
 * starting with PREFIX. 0 once the caller is traced; -errno with *ERR
 * filled (the caller is not traced then). */
int sb_supervise_start(const struct sb_config *cfg, const char *prefix, struct sb_error *err);
/* Be that supervisor in this process for PID, which this process has
 * seized and holds in a ptrace stop (sandboxify's helper, after the
 * launch exec): returns when the last tracee is gone (0), or -1 at once
 * if PID cannot be followed (still stopped: the caller must kill it). */
int sb_supervise_run(const struct sb_config *cfg, int pid, const char *prefix);

/* ---- tools/trace.c: ptrace for sandboxify (cffi module only) ---- */

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
#define SB_LEARN_NRS 1024 /* SB_NR_SPACE (cffi reads literals only) */
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
	/* What the run touched, for Landlock rules: the caller's buffer (NULL:
	 * nothing is recorded) and its size, kept by sb_learn_run. Records are
	 * a kind byte (SB_LEARN_ACCESS_*), a text and a NUL, each once. */
	char *access;
	uint32_t access_size;
	uint32_t access_len; /* bytes of records written */
	uint32_t access_lost; /* records left out: the buffer was full, a path too long */
};
/* The kinds of access recorded, and their texts. A path is absolute, as the
 * program named it (symlinks not resolved; relative ones joined to its cwd or
 * dirfd); only calls that succeeded (connect, bind, socket, kill: every try). */
#define SB_LEARN_ACCESS_READ 1 /* a file or directory opened for reading */
#define SB_LEARN_ACCESS_EXEC 2 /* a file executed (execve) or mapped executable */
#define SB_LEARN_ACCESS_WRITE 3 /* a file opened for writing or truncated */
#define SB_LEARN_ACCESS_MAKE 4 /* an entry made, removed, renamed or linked: its directory */
#define SB_LEARN_ACCESS_CONNECT 5 /* an AF_INET/6 connect(): the port, decimal */
#define SB_LEARN_ACCESS_BIND 6 /* an AF_INET/6 bind(): the port, decimal */
#define SB_LEARN_ACCESS_SOCKET 7 /* socket(): tcp udp raw netlink unix or "family N" */
#define SB_LEARN_ACCESS_SIGNAL 8 /* a signal to a process learn does not trace: its pid */
#define SB_LEARN_ACCESS_ABSTRACT 9 /* connect() to an abstract UNIX socket: the name, hex */
#define SB_LEARN_ACCESS_LISTEN 10 /* bind() of an abstract UNIX socket: the name, hex */
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
 * failed launch execve is OUT->exec_error. With OUT->access set, the paths,
 * ports and signals the calls named are recorded there too.
 */
int sb_learn_run(const char *path, char *const argv[], char *const envp[],
		 const struct sb_insn *prog, unsigned int len, struct sb_learn *out);

/* ---- tools/probe.c: what the kernel offers, for `pysandbox features` (cffi module only) ---- */

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

/* ---- tools/sigsys.c: Sandbox.call()'s child (cffi module only) ---- */

/* What the SIGSYS handler records of a seccomp trap (SYS_SECCOMP), in memory
 * the parent shares: NR and ARCH from the kernel's siginfo. */
struct sb_sigsys {
	uint32_t caught; /* 1 once recorded */
	int32_t nr;
	uint32_t arch; /* AUDIT_ARCH_* */
	uint32_t pad;
};
/* Install a one-shot SA_SIGINFO handler for SIGSYS that fills *REC and then
 * ends the process by SIGSYS at its default action. 0 or -errno. */
int sb_sigsys_catch(struct sb_sigsys *rec);
/* A zeroed record in a page of its own, shared with the children forked
 * after this (one per child); NULL and errno if it cannot be mapped. */
struct sb_sigsys *sb_sigsys_map(void);
void sb_sigsys_unmap(struct sb_sigsys *rec);

/* CDEF-END */

/* What libsandbox.so and sandboxify say before the rights best effort dropped. */
#define SB_BEST_EFFORT_LINE "SANDBOX_BEST_EFFORT: not enforced on this kernel: "

#endif /* SANDBOX_H */
