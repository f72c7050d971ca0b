/*
 * endpage: a static x86_64 program whose entry point is the last two bytes
 * of its only (and last mapped) page: a jump back to exit(42). Injecting
 * at its entry must touch no byte past that page.
 */
	.globl _start
	.text
	.fill 4096 - 14, 1, 0x90	/* nop */
body:
	mov $60, %eax			/* exit */
	mov $42, %edi
	syscall				/* 5 + 5 + 2 bytes */
_start:
	jmp body			/* 2 bytes, ending the page */
