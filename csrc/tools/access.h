/* SPDX-License-Identifier: MIT */
/*
 * access.h - what learn's tracer (trace.c) asks of access.c: the paths,
 * ports and signals a traced call names, kept as records in the caller's
 * struct sb_learn buffer (SB_LEARN_ACCESS_*). Private to csrc/tools/.
 */
#ifndef SB_TOOLS_ACCESS_H
#define SB_TOOLS_ACCESS_H

#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

struct sb_access_log;

/* Is PID one of the run's tasks (CTX: the tracer's set)? */
typedef int (*sb_access_traced_fn)(const void *ctx, pid_t pid);

/* A log filling OUT->access, or NULL when OUT has no buffer (or on ENOMEM:
 * then OUT->access_lost is set); every function below takes NULL too. */
struct sb_access_log *sb_access_new(struct sb_learn *out, sb_access_traced_fn traced,
				    const void *ctx);
void sb_access_free(struct sb_access_log *log);
/* At PID's seccomp stop of native call NR(ARGS): record what it names. 1 when
 * the records wait for the call's result: resume PID with PTRACE_SYSCALL
 * until sb_access_result() at its syscall-exit-stop; else 0. */
int sb_access_call(struct sb_access_log *log, pid_t pid, uint64_t nr, const uint64_t *args);
/* Does PID have records waiting for its call's result? */
int sb_access_waiting(const struct sb_access_log *log, pid_t pid);
/* PID's syscall-exit-stop: keep its waiting records if the call succeeded. */
void sb_access_result(struct sb_access_log *log, pid_t pid);
/* PID's PTRACE_EVENT_EXEC (FORMER: the pid that called execve): it succeeded. */
void sb_access_exec(struct sb_access_log *log, pid_t pid, pid_t former);
/* PID is gone: its waiting records with it. */
void sb_access_drop(struct sb_access_log *log, pid_t pid);

#endif
