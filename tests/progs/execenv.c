/* execenv PROG [STRING ...]: run PROG with exactly these environment
 * strings - duplicates and strings without '=' included, which no Python
 * mapping can hold. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *args[] = { argv[1], NULL };

	if (argc < 2)
		return 2;
	execve(argv[1], args, argv + 2);
	perror(argv[1]);
	return 127;
}
