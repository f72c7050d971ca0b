// SPDX-License-Identifier: MIT
/*
 * execattack.c - execs the exec supervisor must judge right:
 *   execattack ns EVIL TARGET MODE  bind EVIL on TARGET in a private mount
 *       namespace (a user namespace too when not root), then exec TARGET as
 *       "sh -c 'echo ESCAPED'" by MODE: 0 chdir and ./name, 1 execveat from
 *       the directory, 2 execveat(fd, "", AT_EMPTY_PATH)
 *   execattack fd PROG              execveat(fd, "", AT_EMPTY_PATH |
 *       AT_SYMLINK_NOFOLLOW) of PROG with argv { PROG, "ran" }
 *   execattack noargv PROG          execve(PROG, { NULL }, { NULL })
 * Each prints why it failed and exits 1 if the exec fails.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

static int own_namespace(void)
{
	char map[64];
	unsigned int uid = getuid(), gid = getgid();

	if (geteuid() == 0)
		return unshare(CLONE_NEWNS);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -1;
	put("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", uid);
	put("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	put("/proc/self/gid_map", map);
	return 0;
}

static int ns(const char *evil, const char *target, int mode)
{
	char dir[4096], rel[4200];
	char *slash, *av[] = { NULL, "-c", "echo ESCAPED", NULL };
	int fd;

	if (own_namespace()) {
		perror("unshare");
		return 2;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(evil, target, NULL, MS_BIND, NULL)) {
		perror("mount");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", target);
	slash = strrchr(dir, '/');
	*slash = '\0';
	av[0] = slash + 1;
	snprintf(rel, sizeof(rel), "./%s", slash + 1);
	if (mode == 0) {
		if (chdir(dir) == 0)
			execv(rel, av);
	} else if (mode == 1) {
		fd = open(dir, O_PATH | O_DIRECTORY);
		syscall(SYS_execveat, fd, slash + 1, av, environ, 0);
	} else {
		fd = open(target, O_PATH);
		syscall(SYS_execveat, fd, "", av, environ, AT_EMPTY_PATH);
	}
	perror("exec");
	return 1;
}

int main(int argc, char **argv)
{
	char *av[] = { argv[argc - 1], "ran", NULL }, *none[] = { NULL };
	int fd;

	if (argc == 5 && strcmp(argv[1], "ns") == 0)
		return ns(argv[2], argv[3], atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "fd") == 0) {
		fd = open(argv[2], O_RDONLY);
		syscall(SYS_execveat, fd, "", av, environ, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	} else if (argc == 3 && strcmp(argv[1], "noargv") == 0) {
		execve(argv[2], none, none);
	} else {
		fprintf(stderr, "usage: execattack ns EVIL TARGET MODE | fd PROG | noargv PROG\n");
		return 2;
	}
	perror("exec");
	return 1;
}
