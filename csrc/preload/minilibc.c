// SPDX-License-Identifier: MIT
/*
 * minilibc.c - the string, memory, sorting, allocation and formatting
 * routines the policy parser and compiler call, and strerror() for the
 * failure messages, defined inside libsandbox.so
 * (and only there: the cffi module uses the C library's).
 *
 * Why: a call from a shared library to memcpy() or strcmp() goes through the
 * PLT and binds to the first definition in the global scope - the program's
 * own, if it exports one (bash exports several; any -rdynamic program may).
 * A host strcmp that lies would make the parser read another policy. These
 * definitions are local to libsandbox.so (-fvisibility=hidden and the
 * version script), so the static linker binds every call inside the library
 * to them and none leaves it. tests/test_interposition.py checks with
 * readelf which symbols still do, and why each may.
 *
 * Plain loops, correct for any input; only the format subset the library's
 * messages use (%s %d %u %c %x %% with l/ll/z and a precision).
 * NOTE: the build passes -fno-tree-loop-distribute-patterns, or GCC would
 * turn these loops back into calls to memset()/memcpy() - into themselves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawsys.h"

static uint64_t load8(const void *p)
{
	uint64_t w;

	__builtin_memcpy(&w, p, 8); /* a constant size: one move, no call */
	return w;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= 8; n -= 8, d += 8, s += 8) {
		uint64_t w = load8(s);

		__builtin_memcpy(d, &w, 8);
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t w = (unsigned char)c * 0x0101010101010101ULL;

	for (; n >= 8; n -= 8, d += 8)
		__builtin_memcpy(d, &w, 8);
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

int strcmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n && *a && *a == *b; n--, a++, b++)
		;
	return n ? (unsigned char)*a - (unsigned char)*b : 0;
}

char *strchrnul(const char *s, int c)
{
	for (; *s && *s != (char)c; s++)
		;
	return (char *)s;
}

/* A word at a time (the environment's SECCOMP_* strings run to kilobytes).
 * NOTE: an aligned 8-byte load never crosses a page, so reading past the
 * terminator within its word is safe. */
size_t strlen(const char *s)
{
	const char *p = s;

	for (; (uintptr_t)p % 8; p++)
		if (!*p)
			return (size_t)(p - s);
	for (;; p += 8) {
		uint64_t w = load8(p);

		if ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL)
			break;
	}
	while (*p)
		p++;
	return (size_t)(p - s);
}

char *strchr(const char *s, int c)
{
	char *p = strchrnul(s, c);

	return *p == (char)c ? p : NULL;
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

char *strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return (char *)hay;
	return n ? NULL : (char *)hay;
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const char *lo = base;

	while (n) {
		const char *mid = lo + (n / 2) * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}

/* The compiler's work space: a bump arena, emptied when all is freed. Its
 * pages are touched only as far as used. */
static unsigned char arena[256 * 1024] __attribute__((aligned(16)));
/* NOTE: in .data (see preload.c): malloc() reads them before writing */
static size_t arena_top __attribute__((section(".data")));
static unsigned int arena_live __attribute__((section(".data")));

void *malloc(size_t n)
{
	size_t at = arena_top;

	if (n > sizeof(arena) - at)
		return NULL;
	arena_top = at + ((n + 15) & ~(size_t)15);
	arena_live++;
	return arena + at;
}

void free(void *p)
{
	if (p && --arena_live == 0)
		arena_top = 0;
}

/* ---- formatting ---- */

struct out {
	char *buf;
	size_t size, len; /* len counts what would have been written */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_str(struct out *o, const char *s, int prec)
{
	for (; *s && prec != 0; s++, prec--)
		put(o, *s);
}

static void put_num(struct out *o, unsigned long long v, unsigned int base, int neg)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		put(o, '-');
	while (n)
		put(o, digits[--n]);
}

/* One conversion at *F (after '%'); F moves past it. */
static void convert(struct out *o, const char **f, va_list *ap)
{
	int prec = -1, lng = 0;
	long long sv;

	if (**f == '.') {
		(*f)++;
		if (**f == '*') {
			prec = va_arg(*ap, int);
			(*f)++;
		} else {
			for (prec = 0; **f >= '0' && **f <= '9'; (*f)++)
				prec = prec * 10 + (**f - '0');
		}
	}
	for (; **f == 'l' || **f == 'z'; (*f)++)
		lng += **f == 'z' ? 2 : 1;
	switch (*(*f)++) {
	case 's':
		put_str(o, va_arg(*ap, const char *), prec);
		break;
	case 'c':
		put(o, (char)va_arg(*ap, int));
		break;
	case '%':
		put(o, '%');
		break;
	case 'd':
	case 'i':
		sv = lng >= 2 ? va_arg(*ap, long long) : lng ? va_arg(*ap, long) : va_arg(*ap, int);
		put_num(o, sv < 0 ? 0ULL - (unsigned long long)sv : (unsigned long long)sv, 10,
			sv < 0);
		break;
	case 'u':
	case 'x':
		put_num(o,
			lng >= 2 ? va_arg(*ap, unsigned long long)
			: lng	 ? va_arg(*ap, unsigned long)
				 : va_arg(*ap, unsigned int),
			(*f)[-1] == 'x' ? 16 : 10, 0);
		break;
	default:
		put(o, '?');
		break; /* no other conversion is used */
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%')
			put(&o, *fmt++);
		else if (*++fmt)
			convert(&o, &fmt, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT32_MAX ? -1 : (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* The texts of the errors libsandbox.so can report (glibc's wording, which
 * the tests and the README show); any other is "Unknown error N", as glibc
 * says of numbers it has no text for. NOTE: arrays, not pointers: a pointer
 * each would cost every process that loads libsandbox.so a relocation. */
static const struct {
	int nr;
	char text[40];
} errors[] = {
	{ EPERM, "Operation not permitted" },
	{ ENOENT, "No such file or directory" },
	{ ESRCH, "No such process" },
	{ EINTR, "Interrupted system call" },
	{ EIO, "Input/output error" },
	{ ENXIO, "No such device or address" },
	{ E2BIG, "Argument list too long" },
	{ EBADF, "Bad file descriptor" },
	{ EAGAIN, "Resource temporarily unavailable" },
	{ ENOMEM, "Cannot allocate memory" },
	{ EACCES, "Permission denied" },
	{ EFAULT, "Bad address" },
	{ EBUSY, "Device or resource busy" },
	{ ENODEV, "No such device" },
	{ ENOTDIR, "Not a directory" },
	{ EISDIR, "Is a directory" },
	{ EINVAL, "Invalid argument" },
	{ ENFILE, "Too many open files in system" },
	{ EMFILE, "Too many open files" },
	{ EFBIG, "File too large" },
	{ ERANGE, "Numerical result out of range" },
	{ ENAMETOOLONG, "File name too long" },
	{ ENOSYS, "Function not implemented" },
	{ ELOOP, "Too many levels of symbolic links" },
	{ EOVERFLOW, "Value too large for defined data type" },
	{ EOPNOTSUPP, "Operation not supported" },
};

char *strerror(int nr)
{
	static char unknown[32];

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].nr == nr)
			return (char *)errors[i].text;
	snprintf(unknown, sizeof(unknown), "Unknown error %d", nr);
	return unknown;
}

/* -fstack-protector's report: the stack is corrupt, so no formatting. */
void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	static const char msg[] = "libsandbox: stack smashing detected\n";

	sb_raw3(SYS_write, 2, (long)msg, sizeof(msg) - 1);
	for (;;)
		sb_raw3(SYS_exit_group, 125, 0, 0);
}
