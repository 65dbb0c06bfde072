// SPDX-License-Identifier: MIT
/*
 * Helpers of libnpu: debug messages, ioctls, names.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "npu_priv.h"

static pthread_once_t npu_debug_once = PTHREAD_ONCE_INIT;
static unsigned int npu_debug_flags;

#define NPU_DEBUG_MSGS		(1u << 0)
#define NPU_DEBUG_DUMP_REGCMD	(1u << 1)

/* NPU_DEBUG: comma-separated words; unknown words are ignored. */
static void npu_debug_init(void)
{
	static const struct {
		const char *name;
		unsigned int flag;
	} words[] = {
		{ "msgs", NPU_DEBUG_MSGS },
		{ "dump_regcmd", NPU_DEBUG_DUMP_REGCMD },
	};
	const char *env = secure_getenv("NPU_DEBUG");
	size_t i, len;

	while (env && *env) {
		len = strcspn(env, ",");
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (len == strlen(words[i].name) &&
			    !strncmp(env, words[i].name, len))
				npu_debug_flags |= words[i].flag;
		env += len;
		if (*env)
			env++;
	}
}

bool libnpu_debug_msgs(void)
{
	pthread_once(&npu_debug_once, npu_debug_init);
	return npu_debug_flags & NPU_DEBUG_MSGS;
}

bool libnpu_debug_dump_regcmd(void)
{
	pthread_once(&npu_debug_once, npu_debug_init);
	return npu_debug_flags & NPU_DEBUG_DUMP_REGCMD;
}

void libnpu_dbg(const char *fmt, ...)
{
	int saved_errno = errno;
	char line[512];
	va_list ap;

	if (!libnpu_debug_msgs())
		return;

	/* One write per line, so that lines of threads do not interleave. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "libnpu: %s\n", line);

	errno = saved_errno;
}

int libnpu_do_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));

	return ret == -1 ? -errno : ret;
}

bool libnpu_zeroed(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

uint64_t libnpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t libnpu_abs_timeout(int64_t timeout_ns)
{
	struct timespec ts;
	int64_t now;

	if (timeout_ns < 0)
		return INT64_MAX;
	if (timeout_ns == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (timeout_ns > INT64_MAX - now)
		return INT64_MAX;
	return now + timeout_ns;
}

NPU_PUBLIC int npu_version(unsigned int *major, unsigned int *minor,
			   unsigned int *micro)
{
	if (major)
		*major = LIBNPU_VERSION_MAJOR;
	if (minor)
		*minor = LIBNPU_VERSION_MINOR;
	if (micro)
		*micro = LIBNPU_VERSION_MICRO;
	return LIBNPU_VERSION;
}

NPU_PUBLIC const char *npu_model_name(uint64_t model)
{
	switch (model) {
	case NPU_MODEL_VIRTUAL:
		return "virtual";
	case NPU_MODEL_RK3588:
		return "rk3588";
	case NPU_MODEL_EIC7702:
		return "eic7702";
	default:
		return "unknown";
	}
}
