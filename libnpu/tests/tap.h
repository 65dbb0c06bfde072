/* SPDX-License-Identifier: MIT */
/*
 * TAP output for libnpu's test programs: check() prints one "ok" or
 * "not ok" line per condition; main() prints the plan "1..checks" and
 * returns failures != 0.
 */
#ifndef LIBNPU_TESTS_TAP_H
#define LIBNPU_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int failures;
static int checks;

static void check(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	checks++;
	printf("%sok %d - ", cond ? "" : "not ", checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failures++;
}

#endif
