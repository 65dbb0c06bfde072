/* SPDX-License-Identifier: MIT */
/*
 * Internals of libnpu, shared by its source files and its unit tests.
 * Nothing here is exported from libnpu.so: the library is built with
 * hidden visibility and only NPU_PUBLIC definitions are exported.
 */
#ifndef LIBNPU_NPU_PRIV_H
#define LIBNPU_NPU_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <drm/npu_accel.h>

#include "npu.h"

/* Marks the definition of a function of the public API. */
#define NPU_PUBLIC	__attribute__((visibility("default")))

/**
 * struct npu_device - an open die
 * @refcount: references; the last npu_device_unref() frees the device
 * @fd: the device node, owned
 * @path: the node's path, or NULL when unknown
 * @info: answer of DRM_NPU_QUERY_DEVICE, read once at open
 */
struct npu_device {
	atomic_uint refcount;
	int fd;
	char *path;
	struct drm_npu_query_device info;
};

/**
 * npu_debug_msgs() - whether NPU_DEBUG asks for messages
 *
 * Return: true when the NPU_DEBUG environment variable contains "msgs".
 */
bool npu_debug_msgs(void);

/**
 * npu_dbg() - print a debug line to stderr when NPU_DEBUG contains "msgs"
 * @fmt: printf format, without the trailing newline
 *
 * Keeps errno unchanged.
 */
void npu_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * npu_do_ioctl() - ioctl() that retries on EINTR and EAGAIN
 * @fd: file descriptor
 * @request: ioctl number
 * @arg: argument
 *
 * Return: the ioctl's non-negative result or a negative error code.
 */
int npu_do_ioctl(int fd, unsigned long request, void *arg);

/**
 * npu_device_wrap() - build a device around an fd and a query answer
 * @fd: the device node; on success the device owns it, on failure the
 *      caller still does
 * @path: the node's path, copied; NULL when unknown
 * @info: the die's DRM_NPU_QUERY_DEVICE answer, copied
 * @dev: out: the device, with one reference
 *
 * No ioctl is made: the unit tests build fake devices with it.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int npu_device_wrap(int fd, const char *path,
		    const struct drm_npu_query_device *info,
		    struct npu_device **dev);

#endif /* LIBNPU_NPU_PRIV_H */
