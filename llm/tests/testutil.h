/* SPDX-License-Identifier: MIT */
/*
 * What the llm test programs share: TAP result lines and a way to silence
 * the messages the code under test prints on purpose.
 */
#ifndef NPU_LLM_TESTUTIL_H
#define NPU_LLM_TESTUTIL_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int failures;
static int saved_stderr = -1;

/* Send stderr to /dev/null (on) or back (off). */
static void quiet(int on)
{
	if (on) {
		int fd = open("/dev/null", O_WRONLY);

		fflush(stderr);
		saved_stderr = dup(2);
		dup2(fd, 2);
		close(fd);
	} else if (saved_stderr >= 0) {
		fflush(stderr);
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static void result(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One TAP line; a failure is counted in failures. */
static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

#endif
