/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the npu kselftests: find the npu devices among
 * the accel (or, without an accel core, render) nodes, and wrap the
 * ioctls the tests use most.
 */
#ifndef NPU_SELFTEST_HELPERS_H
#define NPU_SELFTEST_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm/npu_accel.h>

#define NPU_MAX_DEVS	16

/* Whether @fd is a node of the npu driver. */
static inline int npu_is_npu_fd(int fd)
{
	char name[16] = { 0 };
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

	if (ioctl(fd, DRM_IOCTL_VERSION, &v))
		return 0;
	return !strcmp(name, "npu");
}

static inline int npu_cmp_minor(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Minors of the npu nodes in @dir with @prefix, sorted; returns count. */
static inline int npu_list(const char *dir, const char *prefix, int *minors)
{
	char path[300];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < NPU_MAX_DEVS) {
		int fd;

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (npu_is_npu_fd(fd))
			minors[n++] = atoi(de->d_name + strlen(prefix));
		close(fd);
	}
	closedir(d);
	qsort(minors, n, sizeof(*minors), npu_cmp_minor);
	return n;
}

/* Number of npu dies. */
static inline int npu_count(void)
{
	int minors[NPU_MAX_DEVS];
	int n = npu_list("/dev/accel", "accel", minors);

	return n ? n : npu_list("/dev/dri", "renderD", minors);
}

/* Open the @index-th npu die; -1 with errno set when there is none. */
static inline int npu_open(int index)
{
	int minors[NPU_MAX_DEVS], n;
	char path[64];

	n = npu_list("/dev/accel", "accel", minors);
	if (n) {
		if (index >= n)
			goto none;
		snprintf(path, sizeof(path), "/dev/accel/accel%d", minors[index]);
		return open(path, O_RDWR | O_CLOEXEC);
	}
	n = npu_list("/dev/dri", "renderD", minors);
	if (index < n) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minors[index]);
		return open(path, O_RDWR | O_CLOEXEC);
	}
none:
	errno = ENODEV;
	return -1;
}

/* The device query; returns 0 or -errno. */
static inline int npu_query_device(int fd, struct drm_npu_query_device *q)
{
	struct drm_npu_query args = {
		.type = DRM_NPU_QUERY_DEVICE,
		.size = sizeof(*q),
		.pointer = (uintptr_t)q,
	};

	return ioctl(fd, DRM_IOCTL_NPU_QUERY, &args) ? -errno : 0;
}

static inline int64_t npu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif /* NPU_SELFTEST_HELPERS_H */
