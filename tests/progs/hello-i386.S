/*
 * hello-i386: a static i386 program without a C library (binutils only:
 * as --32, ld -m elf_i386), for what sandboxify and learn do with a 32-bit
 * program on x86_64. write(1, "Hello, i386!\n"), then exit(0).
 */
	.globl _start
	.text
_start:
	movl	$4, %eax		/* i386 write */
	movl	$1, %ebx
	movl	$msg, %ecx
	movl	$len, %edx
	int	$0x80
	movl	$1, %eax		/* i386 exit */
	xorl	%ebx, %ebx
	int	$0x80

	.data
msg:	.ascii	"Hello, i386!\n"
	len = . - msg
