/* A preloaded library with its own __libc_start_main wrapper, as profilers
 * and sanitizer runtimes have: it says so, then continues to the next one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <unistd.h>

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
			void *);

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	start_fn next = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");

	if (write(1, "wrapper\n", 8) != 8 || !next)
		_exit(99);
	return next(main, argc, argv, init, fini, rtld_fini, stack_end);
}
