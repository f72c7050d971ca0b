// SPDX-License-Identifier: MIT
/*
 * llsteps.c - where a sandbox's set-up time goes, step by step:
 *
 *   llsteps RUNS VAR=value ...
 *
 * RUNS times, a fresh child loads the configuration of the VAR=value words
 * (sb_config_load), prepares it (sb_prepare: the filter compiled, the
 * Landlock ruleset built), then enters it (sb_enter's steps: no_new_privs,
 * landlock_restrict_self with the thread check and the ruleset's close, the
 * seccomp filter installed). One line: the median microseconds of each of
 * the six steps, and their sum. A child is forked from a parent that never
 * ran them: each page and each piece of code they touch is as fresh as in a
 * program's first start (page faults included).
 *
 * Built with -DLAUNCHER it is out/llexec instead, a landrun-style launcher
 * for the start-up benchmark: it loads the SANDBOX_* Landlock layer from its
 * environment, restricts itself (no_new_privs, landlock_restrict_self; the
 * seccomp rules beside the layer are not installed: landrun has none), then
 * execs $LLEXEC_TARGET. Without a layer it only execs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static struct sb_config cfg;

/* sb_config_load() of ENV into CFG, PREP given its filter buffer. */
static int load(char **env, struct sb_prepared *prep, struct sb_error *err)
{
	static char text[SB_FILE_MAX + 1];
	static struct sb_json tape[SB_JSON_MAX];
	static struct sb_insn prog[SB_PROG_MAX];
	struct sb_load_io io = { .read = sb_file_read,
				 .probe = sb_host_probe,
				 .text = text,
				 .text_size = sizeof(text),
				 .tape = tape,
				 .tape_cap = SB_JSON_MAX };

	prep->prog = prog;
	prep->cap = SB_PROG_MAX;
	return sb_config_load(&cfg, sb_arch_native(), env, &io, NULL, err);
}

#ifdef LAUNCHER
extern char **environ;

int main(void)
{
	struct sb_prepared prep;
	struct sb_error err;
	const char *target = getenv("LLEXEC_TARGET");
	char *argv[] = { (char *)target, NULL };
	int r = load(environ, &prep, &err);

	if (!target || r < 0)
		return 125;
	if (r == 0 && (cfg.layers & SB_LAYER_LANDLOCK) &&
	    (sb_prepare(&cfg, &prep, &err) < 0 ||
	     sb_enter(&cfg, &prep, SB_ENTER_NO_NEW_PRIVS | SB_ENTER_LANDLOCK, &err) < 0))
		return 125;
	execve(target, argv, environ);
	return 126;
}
#else
/* The steps, each timed in the child: the configuration loaded, the filter
 * compiled, the ruleset built (every path opened, its rule added), then
 * sb_enter()'s: no_new_privs, landlock_restrict_self (with the thread check
 * and the ruleset's close), the filter installed. */
static const char *const step_names[] = {
	"load", "compile", "ruleset", "nnp", "restrict", "install"
};
#define STEPS (sizeof(step_names) / sizeof(step_names[0]))

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* sb_prepare()'s two parts, timed apart: T[0] after the filter, T[1] after
 * the ruleset (sb_prepare() of the configuration without its filter). */
static int prepare(struct sb_prepared *prep, struct sb_error *err, double *t)
{
	const unsigned int layers = cfg.layers;
	int len = 0, r;

	if (layers & SB_LAYER_SECCOMP)
		len = sb_bpf_compile(&cfg.seccomp, prep->prog, prep->cap);
	t[0] = now_us();
	cfg.layers &= ~SB_LAYER_SECCOMP;
	r = sb_prepare(&cfg, prep, err);
	cfg.layers = layers;
	prep->len = len < 0 ? 0 : (unsigned int)len;
	t[1] = now_us();
	return len < 0 ? len : r;
}

/* In the child: the steps' times into OUT; exits 1 if one fails. */
static void measure(char **env, double *out)
{
	struct sb_prepared prep;
	struct sb_error err;
	double t[STEPS + 1];

	t[0] = now_us();
	if (load(env, &prep, &err) != 0)
		_exit(1);
	t[1] = now_us();
	if (prepare(&prep, &err, t + 2) < 0)
		_exit(1);
	/* sb_enter()'s steps one by one (it would close the ruleset after each) */
	if (sb_no_new_privs() < 0)
		_exit(1);
	t[4] = now_us();
	if ((cfg.layers & SB_LAYER_LANDLOCK) && sb_landlock_restrict(&cfg, &prep, &err) < 0)
		_exit(1);
	t[5] = now_us();
	if ((cfg.layers & SB_LAYER_SECCOMP) && sb_install_filter(prep.prog, prep.len) < 0)
		_exit(1);
	t[6] = now_us();
	for (unsigned int k = 0; k < STEPS; k++)
		out[k] = t[k + 1] - t[k];
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 0;
	double *t[STEPS], total = 0;

	if (runs < 1)
		return 2;
	for (unsigned int k = 0; k < STEPS; k++)
		t[k] = calloc((size_t)runs, sizeof(double));
	for (int i = 0; i < runs; i++) {
		double r[STEPS];
		int p[2], status;
		pid_t pid;

		if (pipe(p) < 0 || (pid = fork()) < 0)
			return 1;
		if (pid == 0) {
			measure(argv + 2, r);
			if (write(p[1], r, sizeof(r)) != (ssize_t)sizeof(r))
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], r, sizeof(r)) != (ssize_t)sizeof(r) || waitpid(pid, &status, 0) < 0)
			return 1;
		close(p[0]);
		for (unsigned int k = 0; k < STEPS; k++)
			t[k][i] = r[k];
	}
	for (unsigned int k = 0; k < STEPS; k++)
		qsort(t[k], (size_t)runs, sizeof(double), cmp);
	for (unsigned int k = 0; k < STEPS; k++) {
		printf("%s%s %.1f", k ? " " : "", step_names[k], t[k][runs / 2]);
		total += t[k][runs / 2];
	}
	printf(" (sum %.1f)\n", total);
	return 0;
}
#endif
