// SPDX-License-Identifier: MIT
/*
 * llsteps.c - where a sandbox's set-up time goes, step by step:
 *
 *   llsteps RUNS VAR=value ...
 *
 * RUNS times, a fresh child loads the configuration of the VAR=value words
 * (sb_config_load), prepares it (sb_prepare: the filter compiled, the
 * Landlock ruleset built), then enters it: no_new_privs and Landlock, then
 * the seccomp filter. One line: the median microseconds of each step.
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

#include "sandbox.h"

#define STEPS 4

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

/* In the child: the four steps' times into OUT; exits 1 if one fails. */
static void measure(char **env, double *out)
{
	struct sb_prepared prep;
	struct sb_error err;
	double t[STEPS + 1];

	t[0] = now_us();
	if (load(env, &prep, &err) != 0)
		_exit(1);
	t[1] = now_us();
	if (sb_prepare(&cfg, &prep, &err) < 0)
		_exit(1);
	t[2] = now_us();
	if (sb_enter(&cfg, &prep, sb_enter_steps(&cfg) & ~SB_ENTER_SECCOMP, &err) < 0)
		_exit(1);
	t[3] = now_us();
	if ((cfg.layers & SB_LAYER_SECCOMP) && sb_enter(&cfg, &prep, SB_ENTER_SECCOMP, &err) < 0)
		_exit(1);
	t[4] = now_us();
	for (int k = 0; k < STEPS; k++)
		out[k] = t[k + 1] - t[k];
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 0;
	double *t[STEPS];

	if (runs < 1)
		return 2;
	for (int k = 0; k < STEPS; k++)
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
		for (int k = 0; k < STEPS; k++)
			t[k][i] = r[k];
	}
	for (int k = 0; k < STEPS; k++)
		qsort(t[k], (size_t)runs, sizeof(double), cmp);
	printf("load %.1f prepare %.1f no_new_privs+landlock %.1f seccomp %.1f\n", t[0][runs / 2],
	       t[1][runs / 2], t[2][runs / 2], t[3][runs / 2]);
	return 0;
}
#endif
