/* SPDX-License-Identifier: MIT */
/*
 * What the llm test programs share: TAP result lines, a way to silence
 * the messages the code under test prints on purpose (llm.h first), and whole-file
 * reads and writes for the tests that damage files.
 */
#ifndef NPU_LLM_TESTUTIL_H
#define NPU_LLM_TESTUTIL_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int failures;
/*
 * The loader's messages off (on) or back (off): only llm_err()'s, so that
 * a sanitizer's report, which goes to stderr too, still shows.
 */
static void quiet(int on)
{
	llm_messages_off = on;
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

/*
 * Read a whole file into a new buffer, NUL-terminated past its @size
 * bytes.  0, or -1 with nothing allocated.
 */
static int slurp(const char *p, unsigned char **data, size_t *size)
{
	FILE *f = fopen(p, "rb");
	long n;

	*data = NULL;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		goto fail;
	*data = malloc((size_t)n + 1);
	if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	fclose(f);
	(*data)[n] = 0;
	*size = (size_t)n;
	return 0;
fail:
	fclose(f);
	free(*data);
	*data = NULL;
	return -1;
}

/* Write @size bytes as the whole file @p; 0 or -1. */
static int spill(const char *p, const unsigned char *data, size_t size)
{
	FILE *f = fopen(p, "wb");

	if (!f)
		return -1;
	if (fwrite(data, 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

#endif
