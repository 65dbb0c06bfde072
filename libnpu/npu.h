/* SPDX-License-Identifier: MIT */
/*
 * libnpu - userspace library for the npu DRM accel driver.
 *
 * Conventions every function keeps:
 *
 * - a function returning int returns 0 (or a count) on success and a
 *   negative POSIX error code (-ENODEV, -EINVAL, ...) on failure;
 * - on failure, out-pointers are set to NULL (and out-values to 0)
 *   whenever the pointer itself is valid;
 * - objects are opaque and reference counted; references may be taken and
 *   dropped from any thread;
 * - the library never prints.  With NPU_DEBUG=msgs in the environment it
 *   explains its failures on stderr, each line prefixed "libnpu: ".
 */
#ifndef LIBNPU_NPU_H
#define LIBNPU_NPU_H

#include <stdint.h>

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * struct npu_device - one NPU die, opened through its device node
 *
 * One accel device node is one die; dies of one chip share
 * NPU_PARAM_PACKAGE_ID.
 */
struct npu_device;

/**
 * enum npu_model - the hardware behind a device (NPU_PARAM_MODEL)
 */
enum npu_model {
	NPU_MODEL_UNKNOWN = 0,
	/** @NPU_MODEL_VIRTUAL: virtual NPU in the driver, RK3588 interface */
	NPU_MODEL_VIRTUAL = 1,
	NPU_MODEL_RK3588 = 2,
	NPU_MODEL_EIC7702 = 3,
};

/* Bits of NPU_PARAM_CAPS. */
/** NPU_CAP_VIRTUAL - the device is the virtual NPU, not hardware */
#define NPU_CAP_VIRTUAL		0x1ULL
/** NPU_CAP_MMU - jobs run in per-VM address spaces */
#define NPU_CAP_MMU		0x2ULL
/** NPU_CAP_COHERENT - device accesses are coherent with the CPU caches */
#define NPU_CAP_COHERENT	0x4ULL

/**
 * enum npu_param - properties of a die, for npu_device_get_param()
 *
 * Append-only: a value, once released, keeps its meaning.
 */
enum npu_param {
	/** @NPU_PARAM_MODEL: an &enum npu_model */
	NPU_PARAM_MODEL = 0,
	/** @NPU_PARAM_DIE_INDEX: index of the die in its package, 0-based */
	NPU_PARAM_DIE_INDEX = 1,
	/** @NPU_PARAM_DIE_COUNT: number of dies in the package */
	NPU_PARAM_DIE_COUNT = 2,
	/** @NPU_PARAM_PACKAGE_ID: identifier shared by the dies of one chip */
	NPU_PARAM_PACKAGE_ID = 3,
	/** @NPU_PARAM_CORE_COUNT: NPU cores on the die */
	NPU_PARAM_CORE_COUNT = 4,
	/** @NPU_PARAM_CORE_MASK: bit N set when core N is usable */
	NPU_PARAM_CORE_MASK = 5,
	/** @NPU_PARAM_VA_BITS: width of a device virtual address */
	NPU_PARAM_VA_BITS = 6,
	/**
	 * @NPU_PARAM_NUMA_NODE: NUMA node of the die's memory, as
	 * (uint64_t)(int64_t)node; (uint64_t)-1 when there is none
	 */
	NPU_PARAM_NUMA_NODE = 7,
	/** @NPU_PARAM_VA_START: first device virtual address a VM can map */
	NPU_PARAM_VA_START = 8,
	/** @NPU_PARAM_VA_END: one past the last mappable device address */
	NPU_PARAM_VA_END = 9,
	/** @NPU_PARAM_PAGE_SIZE: granule of device mappings, in bytes */
	NPU_PARAM_PAGE_SIZE = 10,
	/** @NPU_PARAM_MEM_TOTAL: bytes of memory local to the die */
	NPU_PARAM_MEM_TOTAL = 11,
	/** @NPU_PARAM_CAPS: NPU_CAP_* bits */
	NPU_PARAM_CAPS = 12,
};

/**
 * npu_device_count() - number of NPU dies on this system
 *
 * Counts the /dev/accel/accel* nodes whose driver is "npu" or, when there
 * are none, the /dev/dri/renderD* nodes of that driver.
 *
 * Return: the number of dies (0 when there is none), -EACCES when there is
 * none that could be opened but some node could not be opened, or another
 * negative error code.
 */
int npu_device_count(void);

/**
 * npu_device_open() - open an NPU die by index
 * @index: 0-based, in the order of the nodes' minor numbers
 * @dev: out: the device, with one reference
 *
 * Return: 0, -ENODEV when there is no die @index, -EACCES when there is
 * none but some node could not be opened, or another negative error code.
 */
int npu_device_open(unsigned int index, struct npu_device **dev);

/**
 * npu_device_open_fd() - wrap an already open device node
 * @fd: a file descriptor of an npu node; the device works on a dup() of
 *      it, the caller keeps @fd and closes it when it likes
 * @dev: out: the device, with one reference
 *
 * Return: 0, -EBADF for a bad @fd, -ENODEV when @fd is not an npu node,
 * or another negative error code.
 */
int npu_device_open_fd(int fd, struct npu_device **dev);

/**
 * npu_device_ref() - take a reference
 * @dev: the device, or NULL
 *
 * Return: @dev.
 */
struct npu_device *npu_device_ref(struct npu_device *dev);

/**
 * npu_device_unref() - drop a reference; the last one closes the device
 * @dev: the device, or NULL (then nothing happens)
 */
void npu_device_unref(struct npu_device *dev);

/**
 * npu_device_fd() - the device's file descriptor
 * @dev: the device
 *
 * The descriptor belongs to @dev: do not close it.
 *
 * Return: the file descriptor, or -EINVAL when @dev is NULL.
 */
int npu_device_fd(const struct npu_device *dev);

/**
 * npu_device_path() - the device node the device was opened through
 * @dev: the device
 *
 * Return: a path such as "/dev/accel/accel0", valid while @dev lives, or
 * NULL when @dev is NULL or the path is unknown.
 */
const char *npu_device_path(const struct npu_device *dev);

/**
 * npu_device_get_param() - read a property of the die
 * @dev: the device
 * @param: the property
 * @value: out: its value (0 on failure)
 *
 * Properties are read from the driver once, when the device is opened.
 *
 * Return: 0, or -EINVAL for a NULL argument or an unknown @param.
 */
int npu_device_get_param(struct npu_device *dev, enum npu_param param,
			 uint64_t *value);

/**
 * npu_model_name() - short name of a model
 * @model: an &enum npu_model value, e.g. from NPU_PARAM_MODEL
 *
 * Return: "virtual", "rk3588", "eic7702", or "unknown" for anything else.
 */
const char *npu_model_name(uint64_t model);

#if defined(__cplusplus)
}
#endif

#endif /* LIBNPU_NPU_H */
