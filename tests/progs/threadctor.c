/*
 * threadctor PATH: the program's constructor starts a thread (before main(),
 * as a library's might); main() hands it PATH; the thread opens PATH and
 * prints "thread: read = ok" or the error. A sandbox restricting the calling
 * thread only would leave that thread free.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int go[2];
static pthread_t worker;
static const char *path;

static void *work(void *unused)
{
	char c;
	int fd;

	(void)unused;
	if (read(go[0], &c, 1) != 1)
		return NULL;
	fd = open(path, O_RDONLY);
	printf("thread: read = %s\n", fd < 0 ? strerror(errno) : "ok");
	if (fd >= 0)
		close(fd);
	return NULL;
}

__attribute__((constructor)) static void early(void)
{
	if (pipe(go) == 0)
		pthread_create(&worker, NULL, work, NULL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		return 2;
	path = argv[1];
	if (write(go[1], "g", 1) != 1)
		return 1;
	pthread_join(worker, NULL);
	return 0;
}
