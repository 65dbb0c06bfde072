// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/cleanup.h>
#include <linux/minmax.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/npu_accel.h>

#include "npu_device.h"
#include "npu_drv.h"
#include "npu_gem.h"
#include "npu_vm.h"

/* VMs one file may hold: enough for far more memory than any board has. */
#define NPU_VM_MAX_PER_FILE	64
/*
 * Mappings one VM may hold (each costs a kernel record): a 4 GiB VM of
 * 64 KiB pieces.  Beyond it VM_MAP fails with -ENOSPC.
 */
#define NPU_VM_MAX_MAPS		65536

static u64 npu_vm_start(void)
{
	/* The first page stays unmapped so that a NULL VA faults. */
	return NPU_PAGE_SIZE;
}

static u64 npu_vm_end(const struct npu_device *ndev)
{
	return 1ULL << ndev->info.va_bits;
}

static struct npu_vm *npu_vm_create(struct npu_device *ndev)
{
	struct npu_vm *vm;
	int ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	kref_init(&vm->ref);
	vm->ndev = ndev;
	init_rwsem(&vm->lock);
	init_rwsem(&vm->run_lock);
	drm_mm_init(&vm->mm, npu_vm_start(),
		    npu_vm_end(ndev) - npu_vm_start());

	ret = ndev->ops->vm_init(vm);
	if (ret) {
		drm_mm_takedown(&vm->mm);
		kfree(vm);
		return ERR_PTR(ret);
	}
	atomic_inc(&ndev->vm_count);
	scoped_guard(mutex, &ndev->vm_list_lock)
		list_add_tail(&vm->link, &ndev->vm_list);
	return vm;
}

/*
 * Once this returns, no task that could have used the entries just
 * cleared is still running: their pages may go.
 */
static void npu_vm_wait_tasks(struct npu_vm *vm)
{
	down_write(&vm->run_lock);
	up_write(&vm->run_lock);
}

static void npu_vm_mapping_clear(struct npu_vm *vm,
				 struct npu_vm_mapping *map)
{
	vm->ndev->ops->vm_unmap(vm, map->node.start,
				map->node.size >> NPU_PAGE_SHIFT);
}

/* The device side is cleared: drop the node and the BO reference. */
static void npu_vm_mapping_free(struct npu_vm *vm,
				struct npu_vm_mapping *map)
{
	drm_mm_remove_node(&map->node);
	vm->map_count--;
	drm_gem_object_put(map->obj);
	kfree(map);
}

static void npu_vm_mapping_remove(struct npu_vm *vm,
				  struct npu_vm_mapping *map)
{
	down_write(&vm->run_lock);
	npu_vm_mapping_clear(vm, map);
	up_write(&vm->run_lock);
	npu_vm_mapping_free(vm, map);
}

static void npu_vm_release(struct kref *ref)
{
	struct npu_vm *vm = container_of(ref, struct npu_vm, ref);
	struct npu_device *ndev = vm->ndev;
	struct drm_mm_node *node, *next;

	scoped_guard(mutex, &ndev->vm_list_lock)
		list_del(&vm->link);
	/*
	 * Jobs hold the VM, so no task runs in it any more; the run lock is
	 * taken once, not once for each of up to 65536 mappings.
	 */
	down_write(&vm->run_lock);
	drm_mm_for_each_node(node, &vm->mm)
		npu_vm_mapping_clear(vm, container_of(node,
						      struct npu_vm_mapping,
						      node));
	up_write(&vm->run_lock);
	drm_mm_for_each_node_safe(node, next, &vm->mm)
		npu_vm_mapping_free(vm, container_of(node,
						     struct npu_vm_mapping,
						     node));
	ndev->ops->vm_fini(vm);
	drm_mm_takedown(&vm->mm);
	atomic_dec(&ndev->vm_count);
	kfree(vm);
}

/**
 * npu_vm_put() - drop a VM reference
 * @vm: the VM, or NULL
 */
void npu_vm_put(struct npu_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, npu_vm_release);
}

/**
 * npu_vm_lookup() - find a VM of a file by id
 * @nfile: the file
 * @id: VM id; %DRM_NPU_VM_DEFAULT is the file's own
 *
 * Return: a new reference, or NULL when the file has no such VM.
 */
struct npu_vm *npu_vm_lookup(struct npu_file *nfile, u32 id)
{
	struct npu_vm *vm;

	xa_lock(&nfile->vms);
	vm = xa_load(&nfile->vms, id);
	if (vm)
		kref_get(&vm->ref);
	xa_unlock(&nfile->vms);
	return vm;
}

/**
 * npu_vm_file_open() - give a new file its default VM
 * @nfile: the file
 *
 * Return: 0 or a negative errno.
 */
int npu_vm_file_open(struct npu_file *nfile)
{
	struct npu_vm *vm;
	int ret;

	vm = npu_vm_create(nfile->ndev);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	vm->id = DRM_NPU_VM_DEFAULT;
	ret = xa_insert(&nfile->vms, DRM_NPU_VM_DEFAULT, vm, GFP_KERNEL);
	if (ret)
		npu_vm_put(vm);
	return ret;
}

/**
 * npu_vm_file_close() - drop every VM of a closing file
 * @nfile: the file
 *
 * Jobs still running keep their VM until they finish.
 */
void npu_vm_file_close(struct npu_file *nfile)
{
	struct npu_vm *vm;
	unsigned long id;

	xa_for_each(&nfile->vms, id, vm) {
		xa_erase(&nfile->vms, id);
		npu_vm_put(vm);
	}
}

int npu_ioctl_vm_create(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct npu_file *nfile = to_npu_file(file);
	struct drm_npu_vm_create *args = data;
	struct npu_vm *vm;
	u32 id;
	int ret;

	if (args->flags) {
		drm_dbg(drm, "vm_create: flags %#x\n", args->flags);
		return -EINVAL;
	}
	vm = npu_vm_create(nfile->ndev);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	/*
	 * Once in the table, the VM may be destroyed by another thread of
	 * the file: a reference of ours keeps it until its id is written.
	 */
	kref_get(&vm->ref);
	ret = xa_alloc(&nfile->vms, &id, vm,
		       XA_LIMIT(DRM_NPU_VM_DEFAULT + 1, NPU_VM_MAX_PER_FILE),
		       GFP_KERNEL);
	if (ret) {
		npu_vm_put(vm);
		npu_vm_put(vm);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	vm->id = id;
	npu_vm_put(vm);
	args->vm_id = id;
	return 0;
}

int npu_ioctl_vm_destroy(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct npu_file *nfile = to_npu_file(file);
	struct drm_npu_vm_destroy *args = data;
	struct npu_vm *vm;

	if (args->pad) {
		drm_dbg(drm, "vm_destroy: pad %#x\n", args->pad);
		return -EINVAL;
	}
	if (args->vm_id == DRM_NPU_VM_DEFAULT) {
		drm_dbg(drm, "vm_destroy: the default VM stays\n");
		return -EINVAL;
	}
	vm = xa_erase(&nfile->vms, args->vm_id);
	if (!vm)
		return -ENOENT;
	npu_vm_put(vm);
	return 0;
}

#define NPU_MAP_FLAGS	(DRM_NPU_MAP_READ | DRM_NPU_MAP_WRITE | DRM_NPU_MAP_FIXED)

static int npu_vm_check_map(struct npu_device *ndev,
			    const struct drm_npu_vm_map *args,
			    const struct drm_gem_object *obj)
{
	struct drm_device *drm = &ndev->drm;
	u64 end;

	if (!IS_ALIGNED(args->bo_offset | args->size, NPU_PAGE_SIZE) ||
	    !args->size || check_add_overflow(args->bo_offset, args->size, &end) ||
	    end > obj->size) {
		drm_dbg(drm, "vm_map: range %#llx+%#llx of a %zu byte BO\n",
			args->bo_offset, args->size, obj->size);
		return -EINVAL;
	}
	if (!(args->flags & DRM_NPU_MAP_FIXED))
		return 0;
	if (!IS_ALIGNED(args->va, NPU_PAGE_SIZE) || args->va < npu_vm_start() ||
	    check_add_overflow(args->va, args->size, &end) ||
	    end > npu_vm_end(ndev)) {
		drm_dbg(drm, "vm_map: fixed va %#llx+%#llx\n", args->va,
			args->size);
		return -EINVAL;
	}
	return 0;
}

static int npu_vm_insert(struct npu_vm *vm, struct npu_vm_mapping *map,
			 const struct drm_npu_vm_map *args)
{
	if (args->flags & DRM_NPU_MAP_FIXED) {
		map->node.start = args->va;
		map->node.size = args->size;
		return drm_mm_reserve_node(&vm->mm, &map->node);
	}
	return drm_mm_insert_node_generic(&vm->mm, &map->node, args->size,
					  NPU_PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
}

int npu_ioctl_vm_map(struct drm_device *drm, void *data,
		     struct drm_file *file)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct npu_file *nfile = to_npu_file(file);
	struct drm_npu_vm_map *args = data;
	struct npu_vm_mapping *map;
	struct drm_gem_object *obj;
	struct sg_table *sgt;
	struct npu_vm *vm;
	int ret;

	if ((args->flags & ~NPU_MAP_FLAGS) || !(args->flags & DRM_NPU_MAP_READ) ||
	    args->pad) {
		drm_dbg(drm, "vm_map: flags %#x pad %#x\n", args->flags,
			args->pad);
		return -EINVAL;
	}
	vm = npu_vm_lookup(nfile, args->vm_id);
	if (!vm)
		return -ENOENT;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		ret = -ENOENT;
		goto out_vm;
	}
	sgt = npu_gem_sgt(obj);
	if (!sgt) {
		drm_dbg(drm, "vm_map: not a mappable BO\n");
		ret = -EINVAL;
		goto out_obj;
	}
	ret = npu_vm_check_map(ndev, args, obj);
	if (ret)
		goto out_obj;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map) {
		ret = -ENOMEM;
		goto out_obj;
	}
	map->obj = obj;
	map->bo_offset = args->bo_offset;
	map->prot = args->flags & (DRM_NPU_MAP_READ | DRM_NPU_MAP_WRITE);

	down_write(&vm->lock);
	if (vm->map_count >= NPU_VM_MAX_MAPS) {
		drm_dbg(drm, "vm_map: VM %u holds %u mappings already\n",
			args->vm_id, vm->map_count);
		ret = -ENOSPC;
		goto out_unlock;
	}
	ret = npu_vm_insert(vm, map, args);
	if (ret) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	/*
	 * Without @run_lock: the tables may grow here (an allocation).  A
	 * task running meanwhile sees an entry either unset (a fault) or
	 * complete: tables are zeroed before their directory entry is
	 * published and never freed before the VM, entries are single
	 * words, and the pages stay pinned by the mapping.
	 */
	ret = ndev->ops->vm_map(vm, map->node.start, sgt, args->bo_offset,
				args->size, map->prot);
	if (ret) {
		/* A racing task may have seen entries the failure cleared. */
		npu_vm_wait_tasks(vm);
		drm_mm_remove_node(&map->node);
		goto out_unlock;
	}
	args->va = map->node.start;
	vm->map_count++;
	up_write(&vm->lock);
	npu_vm_put(vm);
	return 0;	/* the mapping keeps the BO reference */

out_unlock:
	up_write(&vm->lock);
	kfree(map);
out_obj:
	drm_gem_object_put(obj);
out_vm:
	npu_vm_put(vm);
	return ret;
}

int npu_ioctl_vm_unmap(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct npu_file *nfile = to_npu_file(file);
	struct drm_npu_vm_unmap *args = data;
	struct drm_mm_node *node;
	struct npu_vm *vm;
	int ret = -ENOENT;

	if (args->pad || !args->size ||
	    args->va >= npu_vm_end(to_npu_device(drm))) {
		drm_dbg(drm, "vm_unmap: pad %#x va %#llx size %#llx\n",
			args->pad, args->va, args->size);
		return -EINVAL;
	}
	vm = npu_vm_lookup(nfile, args->vm_id);
	if (!vm)
		return -ENOENT;

	down_write(&vm->lock);
	drm_mm_for_each_node_in_range(node, &vm->mm, args->va, args->va + 1) {
		if (node->start != args->va || node->size != args->size) {
			drm_dbg(drm, "vm_unmap: %#llx+%#llx is not a mapping\n",
				args->va, args->size);
			ret = -EINVAL;
			break;
		}
		npu_vm_mapping_remove(vm, container_of(node,
						       struct npu_vm_mapping,
						       node));
		ret = 0;
		break;
	}
	up_write(&vm->lock);
	npu_vm_put(vm);
	return ret;
}

/* Lowest and highest device (DMA) address behind a mapping. */
static void npu_vm_mapping_range(struct npu_vm_mapping *map, dma_addr_t *lo,
				 dma_addr_t *hi)
{
	struct sg_table *sgt = npu_gem_sgt(map->obj);
	u64 skip = map->bo_offset, left = map->node.size;
	struct scatterlist *sg;
	unsigned int i;

	*lo = ~(dma_addr_t)0;
	*hi = 0;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 len = sg_dma_len(sg), n;

		if (!left)
			break;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		n = min(len - skip, left);
		*lo = min(*lo, sg_dma_address(sg) + skip);
		*hi = max(*hi, sg_dma_address(sg) + skip + n - 1);
		left -= n;
		skip = 0;
	}
}

static void npu_vm_show_mapping(struct seq_file *m, struct npu_vm_mapping *map)
{
	struct npu_bo *bo = to_npu_bo(map->obj);
	dma_addr_t lo, hi;

	npu_vm_mapping_range(map, &lo, &hi);
	seq_printf(m, "  va %#010llx-%#010llx %c%c phys %pad-%pad node %d%s\n",
		   map->node.start, map->node.start + map->node.size - 1,
		   map->prot & DRM_NPU_MAP_READ ? 'r' : '-',
		   map->prot & DRM_NPU_MAP_WRITE ? 'w' : '-', &lo, &hi,
		   bo->nid, bo->imported ? " imported" : "");
}

/**
 * npu_vm_debugfs_show() - list every VM of a die with its mappings
 * @m: the debugfs file
 * @ndev: the die
 *
 * For each mapping: device range, permissions, and the lowest and highest
 * bus address behind it (the DMA addresses the device's page tables hold;
 * physical addresses on the virtual NPU, which has no IOMMU in front of
 * it), which shows where the pages really sit, and the BO's node.  An
 * imported BO is marked; its node is the exporting die's, or -1 when the
 * exporter is not a die.
 */
void npu_vm_debugfs_show(struct seq_file *m, struct npu_device *ndev)
{
	struct drm_mm_node *node;
	struct npu_vm *vm;

	guard(mutex)(&ndev->vm_list_lock);
	list_for_each_entry(vm, &ndev->vm_list, link) {
		seq_printf(m, "vm %u\n", vm->id);
		down_read(&vm->lock);
		drm_mm_for_each_node(node, &vm->mm)
			npu_vm_show_mapping(m, container_of(node,
							    struct npu_vm_mapping,
							    node));
		up_read(&vm->lock);
	}
}

#if IS_ENABLED(CONFIG_DRM_ACCEL_NPU_KUNIT_TEST)
#include "npu_vm_test.c"
#endif
