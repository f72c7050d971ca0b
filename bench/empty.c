// SPDX-License-Identifier: MIT
/*
 * empty.c - a preload library that does nothing: the start-up cost any
 * LD_PRELOAD pays (find, map and relocate one more object), for comparison.
 */
void bench_empty(void);

void bench_empty(void)
{
}
