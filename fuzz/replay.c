// SPDX-License-Identifier: MIT
/*
 * replay.c - run a fuzz target over files without libFuzzer (any compiler):
 * replay-<target> FILE|DIR... feeds every file (a directory's regular files,
 * in name order) to LLVMFuzzerTestOneInput once. A broken invariant or a
 * sanitizer report stops it, naming the input; status 0 means every input
 * passed.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX (2 * SB_FILE_MAX)

/* The sanitizers' hook; weak, so that replay also builds without them
 * (e.g. for a coverage report). */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const char *current; /* the input being replayed */

static void say(const char *s)
{
	ssize_t n = write(2, s, strlen(s)); /* async-signal-safe, unlike stdio */

	(void)n;
}

/* After a sanitizer's report, or from SIGABRT (a broken invariant). */
static void name_input(void)
{
	if (!current)
		return;
	say("replay: the input was ");
	say(current);
	say("\n");
}

static void on_abort(int sig)
{
	name_input();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	buf = malloc(INPUT_MAX);
	n = fread(buf, 1, INPUT_MAX, f);
	fclose(f);
	current = path;
	LLVMFuzzerTestOneInput(buf, n);
	current = NULL;
	free(buf);
	return 0;
}

static int pick(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int replay(const char *path, unsigned int *count)
{
	struct dirent **names;
	struct stat st;
	char sub[4096];
	int n, r = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		++*count;
		return replay_file(path);
	}
	n = scandir(path, &names, pick, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode) && replay(sub, count) < 0)
			r = -1;
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	int r = 0;

	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(name_input);
	signal(SIGABRT, on_abort);
	for (int i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			r = 1;
	printf("%s: %u inputs replayed%s\n", argv[0], count, r ? ", some unreadable" : "");
	return r;
}
