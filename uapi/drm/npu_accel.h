/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Userspace interface of the npu DRM accel driver.
 *
 * Rules this file keeps, so that old binaries keep working on new kernels
 * and the other way round:
 *
 * - ioctl numbers in &enum drm_npu_ioctl_id are append-only;
 * - every struct may grow at its end; the kernel takes the size userspace
 *   passed and zero-fills or rejects what it does not know;
 * - sizes, offsets and user pointers are __u64;
 * - every pad, reserved and flags field is checked: a non-zero value the
 *   kernel does not understand fails with -EINVAL.
 */
#ifndef _UAPI_DRM_NPU_ACCEL_H_
#define _UAPI_DRM_NPU_ACCEL_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * enum drm_npu_ioctl_id - ioctl numbers, relative to DRM_COMMAND_BASE
 *
 * Append-only: a number, once released, keeps its meaning forever.
 */
enum drm_npu_ioctl_id {
	/** @DRM_NPU_QUERY: query device properties, see &struct drm_npu_query. */
	DRM_NPU_QUERY = 0,
};

/**
 * enum drm_npu_query_type - what &struct drm_npu_query asks for
 */
enum drm_npu_query_type {
	/**
	 * @DRM_NPU_QUERY_DEVICE: the die this file is open on, answered
	 * with &struct drm_npu_query_device.
	 */
	DRM_NPU_QUERY_DEVICE = 0,
};

/**
 * struct drm_npu_query - argument of DRM_IOCTL_NPU_QUERY
 *
 * With @pointer 0 the kernel only writes, into @size, the size of the
 * structure it knows for @type; nothing else happens.
 *
 * Otherwise @size is the size of the buffer at @pointer (1 byte to 4096
 * bytes).  The kernel writes min(@size, its size) bytes, zero-fills the
 * rest of a larger buffer and sets @size to its own size.  An older
 * binary thus gets the fields it knows and a newer one sees zeros in the
 * fields this kernel does not have.
 */
struct drm_npu_query {
	/** @type: one of &enum drm_npu_query_type. */
	__u32 type;
	/** @flags: must be zero. */
	__u32 flags;
	/** @size: in: bytes at @pointer; out: the kernel's size for @type. */
	__u64 size;
	/** @pointer: user address of the answer, or 0 to ask for the size. */
	__u64 pointer;
};

/**
 * enum drm_npu_model - the hardware behind a device
 */
enum drm_npu_model {
	/** @DRM_NPU_MODEL_UNKNOWN: never reported; zero is not a model. */
	DRM_NPU_MODEL_UNKNOWN = 0,
	/**
	 * @DRM_NPU_MODEL_VIRTUAL: the virtual NPU built into the driver; it
	 * speaks the RK3588 command interface.
	 */
	DRM_NPU_MODEL_VIRTUAL = 1,
	/** @DRM_NPU_MODEL_RK3588: Rockchip RK3588 NPU. */
	DRM_NPU_MODEL_RK3588 = 2,
	/** @DRM_NPU_MODEL_EIC7702: ESWIN EIC7702 NPU. */
	DRM_NPU_MODEL_EIC7702 = 3,
};

/**
 * define DRM_NPU_CAP_VIRTUAL - the device is the virtual NPU, not hardware
 */
#define DRM_NPU_CAP_VIRTUAL		(1ULL << 0)

/**
 * struct drm_npu_query_device - answer to DRM_NPU_QUERY_DEVICE
 *
 * One accel device is one die.  Dies of one chip share @package_id, so
 * userspace can group them.
 */
struct drm_npu_query_device {
	/** @model: one of &enum drm_npu_model. */
	__u32 model;
	/** @die_index: index of this die in its package, 0-based. */
	__u32 die_index;
	/** @die_count: number of dies in the package. */
	__u32 die_count;
	/** @package_id: identifier shared by all dies of one chip. */
	__u32 package_id;
	/** @core_count: number of NPU cores on this die. */
	__u32 core_count;
	/** @core_mask: bit N set when core N exists and is usable. */
	__u32 core_mask;
	/** @va_bits: width in bits of a device virtual address. */
	__u32 va_bits;
	/** @numa_node: NUMA node of the die's memory, -1 when none. */
	__s32 numa_node;
	/** @va_start: first device virtual address a VM can map. */
	__u64 va_start;
	/** @va_end: one past the last device virtual address a VM can map. */
	__u64 va_end;
	/** @page_size: granule of device mappings, in bytes. */
	__u32 page_size;
	/** @pad: zero. */
	__u32 pad;
	/** @mem_total: bytes of memory local to the die (its NUMA node). */
	__u64 mem_total;
	/** @caps: DRM_NPU_CAP_* bits. */
	__u64 caps;
};

/**
 * DRM_IOCTL_NPU - build an npu ioctl number
 * @dir: _IOR, _IOW or _IOWR, as DRM_IO##dir
 * @name: the &enum drm_npu_ioctl_id name without its DRM_NPU_ prefix
 * @type: the argument struct without its drm_npu_ prefix
 */
#define DRM_IOCTL_NPU(dir, name, type) \
	DRM_IO##dir(DRM_COMMAND_BASE + DRM_NPU_##name, struct drm_npu_##type)

#define DRM_IOCTL_NPU_QUERY		DRM_IOCTL_NPU(WR, QUERY, query)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_NPU_ACCEL_H_ */
