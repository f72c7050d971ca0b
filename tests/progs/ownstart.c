/*
 * ownstart: imports __libc_start_main (its address is taken) but starts
 * through its own _start, which never calls it. Built -nostartfiles.
 */
#include <sys/syscall.h>
#include <unistd.h>

extern int __libc_start_main(void);
int (*volatile keep)(void) = __libc_start_main;

void _start(void)
{
	if (write(1, "start\n", 6) < 0)
		_exit(3);
	getpid();
	if (write(1, "not filtered\n", 13) < 0)
		_exit(3);
	_exit(0);
}
