/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_DEVICE_H__
#define __NPU_DEVICE_H__

#include <linux/types.h>
#include <drm/drm_device.h>
#include <drm/npu_accel.h>

/* Device page size: both the RK3588 IOMMU and the virtual MMU use 4 KiB. */
#define NPU_PAGE_SIZE		4096u
/* Most cores one die may have: core masks are 32 bits in the UAPI. */
#define NPU_MAX_CORES		16u

/**
 * struct npu_device_info - what a backend tells the core about a die
 * @model: &enum drm_npu_model
 * @die_index: index of the die in its package
 * @die_count: dies in the package
 * @package_id: id shared by the dies of one chip
 * @core_count: cores on this die, at most %NPU_MAX_CORES
 * @va_bits: width of a device virtual address
 * @caps: DRM_NPU_CAP_* bits
 */
struct npu_device_info {
	u32 model;
	u32 die_index;
	u32 die_count;
	u32 package_id;
	u32 core_count;
	u32 va_bits;
	u64 caps;
};

/**
 * struct npu_device - one die, exposed as one DRM accel device
 * @drm: the DRM device, embedded
 * @info: topology and model, fixed at probe
 * @numa_node: node the die's memory comes from, or %NUMA_NO_NODE
 */
struct npu_device {
	struct drm_device drm;
	struct npu_device_info info;
	int numa_node;
};

static inline struct npu_device *to_npu_device(struct drm_device *drm)
{
	return container_of(drm, struct npu_device, drm);
}

struct npu_device *npu_device_create(struct device *parent,
				     const struct npu_device_info *info);
int npu_device_register(struct npu_device *ndev);
void npu_device_unregister(struct npu_device *ndev);
u64 npu_device_mem_total(const struct npu_device *ndev);

void npu_debugfs_init(struct npu_device *ndev);

#endif /* __NPU_DEVICE_H__ */
