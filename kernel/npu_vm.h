/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_VM_H__
#define __NPU_VM_H__

#include <linux/kref.h>
#include <linux/rwsem.h>
#include <drm/drm_mm.h>

struct drm_device;
struct drm_file;
struct npu_device;
struct npu_file;
struct seq_file;

/**
 * struct npu_vm - a device address space
 * @ref: the file's id table and every job running in it hold a reference
 * @ndev: the die
 * @lock: protects @mm, @map_count and the device page tables' memory;
 *        VM_MAP allocates tables under it
 * @run_lock: a backend that walks the tables in software (the virtual
 *            NPU) holds it for read while a task runs; clearing entries
 *            takes it for write, so that an unmap never pulls pages from
 *            under a running task.  Taken on the fence-signalling path,
 *            so no ioctl allocates memory or waits for a fence under it
 *            (which is why it is not @lock); the virtual NPU's GEMM
 *            model still allocates its scratch under it
 * @mm: allocator of device addresses, one node per mapping
 * @map_count: mappings in @mm, at most %NPU_VM_MAX_MAPS; under @lock
 * @id: id in the owning file, for debugfs
 * @link: in &npu_device.vm_list
 * @priv: backend state (page tables, IOMMU domain)
 */
struct npu_vm {
	struct kref ref;
	struct npu_device *ndev;
	struct rw_semaphore lock;
	struct rw_semaphore run_lock;
	struct drm_mm mm;
	u32 map_count;
	u32 id;
	struct list_head link;
	void *priv;
};

/**
 * struct npu_vm_mapping - a BO range mapped in a VM
 * @node: the address range, in &npu_vm.mm
 * @obj: the BO; the mapping holds a reference
 * @bo_offset: first byte of the BO mapped
 * @prot: DRM_NPU_MAP_READ/WRITE
 */
struct npu_vm_mapping {
	struct drm_mm_node node;
	struct drm_gem_object *obj;
	u64 bo_offset;
	u32 prot;
};

struct npu_vm *npu_vm_lookup(struct npu_file *nfile, u32 id);
void npu_vm_put(struct npu_vm *vm);

void npu_vm_debugfs_show(struct seq_file *m, struct npu_device *ndev);

int npu_vm_file_open(struct npu_file *nfile);
void npu_vm_file_close(struct npu_file *nfile);

int npu_ioctl_vm_create(struct drm_device *drm, void *data,
			struct drm_file *file);
int npu_ioctl_vm_destroy(struct drm_device *drm, void *data,
			 struct drm_file *file);
int npu_ioctl_vm_map(struct drm_device *drm, void *data,
		     struct drm_file *file);
int npu_ioctl_vm_unmap(struct drm_device *drm, void *data,
		       struct drm_file *file);

#endif /* __NPU_VM_H__ */
