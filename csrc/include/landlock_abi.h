/* SPDX-License-Identifier: MIT */
/*
 * landlock_abi.h - the kernel's Landlock interface, as far as pysandbox uses
 * it, written from Documentation/userspace-api/landlock.rst. The Debian
 * headers these machines build with (Linux 6.1) stop at ABI 2; the values
 * below are the kernel's and never change (they are ABI).
 */
#ifndef SB_LANDLOCK_ABI_H
#define SB_LANDLOCK_ABI_H

#include <stdint.h>

/* The same numbers on every architecture (the generic table). */
#define SB_NR_LANDLOCK_CREATE_RULESET 444
#define SB_NR_LANDLOCK_ADD_RULE 445
#define SB_NR_LANDLOCK_RESTRICT_SELF 446

/* landlock_create_ruleset() flags; both need attr NULL and size 0. */
#define SB_LL_CREATE_RULESET_VERSION (1U << 0) /* returns the ABI number */
#define SB_LL_CREATE_RULESET_ERRATA (1U << 1) /* returns the fixed errata (ABI 7) */

/* landlock_restrict_self() flags. */
#define SB_LL_RESTRICT_LOG_SAME_EXEC_OFF (1U << 0) /* ABI 7 */
#define SB_LL_RESTRICT_LOG_NEW_EXEC_ON (1U << 1) /* ABI 7 */
#define SB_LL_RESTRICT_LOG_SUBDOMAINS_OFF (1U << 2) /* ABI 7 */
#define SB_LL_RESTRICT_TSYNC (1U << 3) /* ABI 8: every thread of the process */

/* Rule types of landlock_add_rule(). */
#define SB_LL_RULE_PATH_BENEATH 1
#define SB_LL_RULE_NET_PORT 2 /* ABI 4 */

/* Extensible: the kernel reads the fields it knows and demands zeros past them. */
struct sb_ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped; /* ABI 6 */
};

struct sb_ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct sb_ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port; /* host byte order */
};

_Static_assert(sizeof(struct sb_ll_ruleset_attr) == 24, "landlock_ruleset_attr is 24 bytes");
_Static_assert(sizeof(struct sb_ll_path_beneath_attr) == 12, "path_beneath_attr is packed");
_Static_assert(sizeof(struct sb_ll_net_port_attr) == 16, "net_port_attr is 16 bytes");

#endif /* SB_LANDLOCK_ABI_H */
