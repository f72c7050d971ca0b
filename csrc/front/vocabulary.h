/* SPDX-License-Identifier: MIT */
/* Generated from pysandbox/vocabulary.py by `python -m pysandbox.vocabulary`:
 * do not edit. The settings as `pysandbox run` flags: flag, variable, kind
 * ('l'ist, 't'ext, 'b'ool), list separator. */
#define SB_FRONT_ISOLATE "SANDBOX_ISOLATE"
static const struct setting {
	const char *flag, *env;
	char kind, sep;
} settings[] = {
	{ "--allow", "SECCOMP_SYSCALL_ALLOW", 'l', ':' },
	{ "--deny", "SECCOMP_SYSCALL_DENY", 'l', ':' },
	{ "--default", "SECCOMP_DEFAULT_ACTION", 't', ' ' },
	{ "--profile", "SECCOMP_PROFILE", 't', ' ' },
	{ "--policy-file", "SECCOMP_POLICY_FILE", 't', ' ' },
	{ "--verbose", "SECCOMP_VERBOSE", 'b', ' ' },
	{ "--fs-read", "SANDBOX_FS_READ", 'l', ':' },
	{ "--fs-exec", "SANDBOX_FS_EXEC", 'l', ':' },
	{ "--fs-write", "SANDBOX_FS_WRITE", 'l', ':' },
	{ "--net", "SANDBOX_NET", 'l', ':' },
	{ "--net-connect", "SANDBOX_NET_CONNECT", 'l', ':' },
	{ "--net-bind", "SANDBOX_NET_BIND", 'l', ':' },
	{ "--scope", "SANDBOX_SCOPE", 'l', ':' },
	{ "--io-uring", "SANDBOX_IO_URING", 't', ' ' },
	{ "--best-effort", "SANDBOX_BEST_EFFORT", 'b', ' ' },
	{ "--exec-allow", "SANDBOX_EXEC_ALLOW", 'l', ':' },
	{ "--exec-deny", "SANDBOX_EXEC_DENY", 'l', ':' },
	{ "--vows", "SANDBOX_VOWS", 'l', ' ' },
	{ "--vows-exec", "SANDBOX_VOWS_EXEC", 'l', ' ' },
	{ "--caps", "SANDBOX_CAPS", 'l', ',' },
	{ "--limits", "SANDBOX_LIMITS", 'l', ':' },
	{ "--isolate", "SANDBOX_ISOLATE", 'l', ':' },
};
