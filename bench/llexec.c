// SPDX-License-Identifier: MIT
/*
 * llexec.c - a landrun-style launcher for the start-up benchmark: load the
 * SANDBOX_* Landlock layer from the environment with the one loader, build
 * the ruleset, restrict itself (no_new_privs, landlock_restrict_self), then
 * execve $LLEXEC_TARGET. The seccomp rules beside the layer are not
 * installed (landrun has none). Without a layer it only execs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sandbox.h"

extern char **environ;

int main(void)
{
	static struct sb_config cfg;
	static char text[SB_FILE_MAX + 1];
	static struct sb_json tape[SB_JSON_MAX];
	struct sb_load_io io = { .read = sb_file_read,
				 .probe = sb_host_probe,
				 .text = text,
				 .text_size = sizeof(text),
				 .tape = tape,
				 .tape_cap = SB_JSON_MAX };
	static struct sb_insn prog[SB_PROG_MAX];
	struct sb_prepared prep = { .prog = prog, .cap = SB_PROG_MAX };
	struct sb_error err;
	const char *target = getenv("LLEXEC_TARGET");
	char *argv[] = { (char *)target, NULL };
	int r = sb_config_load(&cfg, sb_arch_native(), environ, &io, NULL, &err);

	if (!target || r < 0)
		return 125;
	if (r == 0 && (cfg.layers & SB_LAYER_LANDLOCK) &&
	    (sb_prepare(&cfg, &prep, &err) < 0 ||
	     sb_enter(&cfg, &prep, SB_ENTER_NO_NEW_PRIVS | SB_ENTER_LANDLOCK, &err) < 0))
		return 125;
	execve(target, argv, environ);
	return 126;
}
