/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_GEM_H__
#define __NPU_GEM_H__

#include <drm/drm_gem_shmem_helper.h>

/**
 * struct npu_bo - a buffer: shmem pages, pinned for its whole life
 * @base: the shmem object
 * @nid: NUMA node most of the pages sit on, for statistics
 * @pinned: pages are pinned (BOs from npu_gem_create())
 */
struct npu_bo {
	struct drm_gem_shmem_object base;
	int nid;
	bool pinned;
};

static inline struct npu_bo *to_npu_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct npu_bo, base);
}

struct drm_gem_object *npu_gem_create_object(struct drm_device *drm,
					     size_t size);
bool npu_gem_is_npu_bo(struct drm_gem_object *obj);

int npu_ioctl_bo_create(struct drm_device *drm, void *data,
			struct drm_file *file);
int npu_ioctl_bo_info(struct drm_device *drm, void *data,
		      struct drm_file *file);
int npu_ioctl_bo_cpu_prep(struct drm_device *drm, void *data,
			  struct drm_file *file);
int npu_ioctl_bo_cpu_fini(struct drm_device *drm, void *data,
			  struct drm_file *file);

#endif /* __NPU_GEM_H__ */
