/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_GEM_H__
#define __NPU_GEM_H__

#include <drm/drm_gem_shmem_helper.h>

struct dma_buf_attachment;
struct sg_table;

/**
 * struct npu_bo - a buffer: shmem pages pinned for its whole life, or
 * the pages of an imported dma-buf
 * @base: the shmem object; @base.sgt is the table mapped for the die
 * @nid: NUMA node most of the pages sit on, for statistics; for an
 *       imported BO the exporting die's, %NUMA_NO_NODE when the exporter
 *       is not a die of this driver
 * @pinned: pages are pinned (BOs from npu_gem_create())
 * @accounted: pages are counted in &npu_device.node_pages
 * @imported: the BO is another device's dma-buf
 * @owner: user whose NPU memory the BO's pages count as, if @charged
 * @charged: the pages count against @owner's limit
 */
struct npu_bo {
	struct drm_gem_shmem_object base;
	int nid;
	bool pinned;
	bool accounted;
	bool imported;
	kuid_t owner;
	bool charged;
};

static inline struct npu_bo *to_npu_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct npu_bo, base);
}

struct drm_gem_object *npu_gem_create_object(struct drm_device *drm,
					     size_t size);
struct drm_gem_object *
npu_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt);
struct sg_table *npu_gem_sgt(struct drm_gem_object *obj);

int npu_ioctl_bo_create(struct drm_device *drm, void *data,
			struct drm_file *file);
int npu_ioctl_bo_info(struct drm_device *drm, void *data,
		      struct drm_file *file);
int npu_ioctl_bo_cpu_prep(struct drm_device *drm, void *data,
			  struct drm_file *file);
int npu_ioctl_bo_cpu_fini(struct drm_device *drm, void *data,
			  struct drm_file *file);

#endif /* __NPU_GEM_H__ */
