/* A constructor that calls setenv() (glibc then copies environ to a new
 * array); main prints every entry of environ, one per line, in brackets. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

__attribute__((constructor)) static void early(void)
{
	setenv("ADDED", "1", 1);
}

int main(void)
{
	for (char **e = environ; *e; e++)
		printf("[%s]\n", *e);
	return 0;
}
