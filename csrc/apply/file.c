// SPDX-License-Identifier: MIT
/*
 * file.c - the loader's default reader (struct sb_load_io.read): a policy
 * file or profile into the caller's buffer, with raw syscalls (rawsys.h),
 * so that libsandbox.so calls nothing the host program exports and the cffi
 * module reads exactly as it does.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "internal.h"
#include "rawsys.h"

/* NOTE: O_NONBLOCK: opening a FIFO must not wait for a writer (open(2));
 * then only a regular file is read. */
long sb_file_read(void *ctx, const char *path, char *buf, size_t size)
{
	struct stat st;
	size_t len = 0;
	long n, fd = sb_raw6(SYS_openat, AT_FDCWD, (long)path,
			     O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0, 0, 0);

	(void)ctx;
	if (fd < 0)
		return fd;
	n = sb_raw3(SYS_fstat, fd, (long)&st, 0);
	if (n == 0 && !S_ISREG(st.st_mode))
		n = -SB_ENOTREG;
	while (n == 0 && (n = sb_raw3(SYS_read, fd, (long)(buf + len), (long)(size - len))) > 0) {
		len += (size_t)n;
		n = len < size ? 0 : -EFBIG; /* a file that fills BUF is too long */
	}
	sb_raw3(SYS_close, fd, 0, 0);
	return n < 0 ? n : (long)len;
}
