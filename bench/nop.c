// SPDX-License-Identifier: MIT
/*
 * nop.c - the smallest dynamic program: the start-up benchmark's target.
 * Everything it costs is ld.so, libc start-up, and whatever a preload adds.
 */
int main(void)
{
	return 0;
}
