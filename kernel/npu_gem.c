// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/cpuset.h>
#include <linux/cpumask.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/pagemap.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/drm_utils.h>
#include <drm/npu_accel.h>

#include "npu_device.h"
#include "npu_gem.h"

/* A BO must fit one VM; 4 GiB is the whole 32-bit address space. */
#define NPU_BO_MAX_SIZE		(4ULL << 30)

static unsigned int user_mem_limit_pct = 75;
module_param(user_mem_limit_pct, uint, 0644);
MODULE_PARM_DESC(user_mem_limit_pct,
		 "NPU memory one user may hold on all dies, in percent of RAM (default 75, 0 for no limit)");

/*
 * Pages of the BOs each user holds, uid -> value entry.  BO pages are
 * pinned and invisible to the OOM killer's view of a process: without a
 * limit one user could pin memory until the OOM killer takes somebody
 * else.  Imported BOs are the exporter's memory and not counted.
 */
static DEFINE_XARRAY(npu_user_pages);
static DEFINE_MUTEX(npu_user_lock);

static unsigned long npu_user_limit_pages(void)
{
	return mult_frac(totalram_pages(), READ_ONCE(user_mem_limit_pct), 100);
}

static int npu_gem_charge_user(struct npu_bo *bo)
{
	unsigned long pages = bo->base.base.size >> PAGE_SHIFT, held;
	unsigned long limit = npu_user_limit_pages();
	kuid_t uid = current_uid();
	int ret;

	guard(mutex)(&npu_user_lock);
	held = xa_to_value(xa_load(&npu_user_pages, __kuid_val(uid)) ?:
			   xa_mk_value(0));
	if (limit && held + pages > limit)
		return -ENOMEM;
	ret = xa_err(xa_store(&npu_user_pages, __kuid_val(uid),
			      xa_mk_value(held + pages), GFP_KERNEL));
	if (ret)
		return ret;
	bo->owner = uid;
	bo->charged = true;
	return 0;
}

static void npu_gem_uncharge_user(struct npu_bo *bo)
{
	unsigned long pages = bo->base.base.size >> PAGE_SHIFT, held;

	guard(mutex)(&npu_user_lock);
	held = xa_to_value(xa_load(&npu_user_pages, __kuid_val(bo->owner)) ?:
			   xa_mk_value(0));
	if (WARN_ON_ONCE(held < pages))
		pages = held;
	if (held == pages)
		xa_erase(&npu_user_pages, __kuid_val(bo->owner));
	else
		xa_store(&npu_user_pages, __kuid_val(bo->owner),
			 xa_mk_value(held - pages), GFP_KERNEL | __GFP_NOFAIL);
	bo->charged = false;
}

/*
 * Per-node accounting of a BO's pages, for debugfs and sysfs: added once
 * the pages are pinned, removed before they are unpinned.  The pages do
 * not move in between, so both walks see the same nodes.
 */
static int npu_gem_account(struct npu_bo *bo)
{
	struct npu_device *ndev = to_npu_device(bo->base.base.dev);
	size_t i, n = bo->base.base.size >> PAGE_SHIFT;
	int nid, best = 0;
	long *count;

	count = kcalloc(nr_node_ids, sizeof(*count), GFP_KERNEL);
	if (!count)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		count[page_to_nid(bo->base.pages[i])]++;
	for (nid = 0; nid < nr_node_ids; nid++) {
		atomic64_add(count[nid], &ndev->node_pages[nid]);
		if (count[nid] > count[best])
			best = nid;
	}
	kfree(count);
	bo->nid = best;
	bo->accounted = true;
	return 0;
}

static void npu_gem_unaccount(struct npu_bo *bo)
{
	struct npu_device *ndev = to_npu_device(bo->base.base.dev);
	size_t i, n = bo->base.base.size >> PAGE_SHIFT;
	int nid, run_nid = NUMA_NO_NODE;
	long run = 0;

	/* Runs of pages on one node: one atomic per run, no allocation. */
	for (i = 0; i <= n; i++) {
		nid = i < n ? page_to_nid(bo->base.pages[i]) : NUMA_NO_NODE;
		if (nid == run_nid) {
			run++;
			continue;
		}
		if (run)
			atomic64_sub(run, &ndev->node_pages[run_nid]);
		run_nid = nid;
		run = 1;
	}
	bo->accounted = false;
}

static void npu_gem_free(struct drm_gem_object *obj)
{
	struct npu_bo *bo = to_npu_bo(obj);
	struct npu_device *ndev = to_npu_device(obj->dev);

	if (bo->accounted)
		npu_gem_unaccount(bo);
	if (bo->pinned && bo->base.sgt && ndev->ops->bo_sync &&
	    !(ndev->info.caps & DRM_NPU_CAP_COHERENT))
		ndev->ops->bo_sync(ndev, bo->base.sgt, NPU_BO_SYNC_RELEASE);
	if (bo->pinned) {
		drm_gem_shmem_unpin(&bo->base);
		atomic_dec(&ndev->bo_count);
	}
	if (bo->imported)
		atomic_dec(&ndev->import_count);
	if (bo->charged)
		npu_gem_uncharge_user(bo);
	/* Unmaps the sg table; an import also detaches from its dma-buf. */
	drm_gem_shmem_free(&bo->base);
}

/* For fdinfo's drm-resident-memory: a BO's pages exist while it is pinned. */
static enum drm_gem_object_status npu_gem_status(struct drm_gem_object *obj)
{
	return to_npu_bo(obj)->pinned ? DRM_GEM_OBJECT_RESIDENT : 0;
}

static const struct drm_gem_object_funcs npu_gem_funcs = {
	.free = npu_gem_free,
	.status = npu_gem_status,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/**
 * npu_gem_create_object() - &drm_driver.gem_create_object hook
 * @drm: the die
 * @size: object size
 *
 * Return: the GEM object embedded in a new &struct npu_bo, or ERR_PTR().
 */
struct drm_gem_object *npu_gem_create_object(struct drm_device *drm,
					     size_t size)
{
	struct npu_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &npu_gem_funcs;
	bo->nid = NUMA_NO_NODE;
	return &bo->base.base;
}

/**
 * npu_gem_sgt() - the DMA-mapped pages of a BO a VM can map
 * @obj: any object found by handle
 *
 * BOs made by BO_CREATE and BOs imported from a dma-buf both have a table
 * mapped for the die's device, set before the object got a handle and
 * unchanged until it is freed; a mapping holds a reference to the object,
 * and so keeps the pages (or the dma-buf attachment) for as long as it
 * exists.
 *
 * Return: the table, or NULL for an object a VM cannot map.
 */
struct sg_table *npu_gem_sgt(struct drm_gem_object *obj)
{
	struct npu_bo *bo;

	if (obj->funcs != &npu_gem_funcs)
		return NULL;
	bo = to_npu_bo(obj);
	return bo->pinned || bo->imported ? bo->base.sgt : NULL;
}

/*
 * An imported table must map to whole device pages: every DMA segment
 * starts on a page and is whole pages long, and together they cover the
 * BO.  Exporters of system memory (shmem BOs, udmabuf, dma-heaps) give
 * page-sized or larger segments.
 */
static bool npu_gem_sgt_ok(const struct sg_table *sgt, size_t size)
{
	struct scatterlist *sg;
	u64 total = 0;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (!PAGE_ALIGNED(sg_dma_address(sg)) ||
		    !PAGE_ALIGNED(sg_dma_len(sg)))
			return false;
		total += sg_dma_len(sg);
	}
	return total >= size;
}

/*
 * A dma-buf another die of this driver exported carries that die's BO:
 * its pages' node is known.  Any other exporter's is not.
 */
static int npu_gem_peer_nid(const struct dma_buf *dmabuf)
{
	const struct drm_gem_object *peer = dmabuf->priv;

	if (dmabuf->owner != THIS_MODULE || peer->funcs != &npu_gem_funcs)
		return NUMA_NO_NODE;
	return to_npu_bo((struct drm_gem_object *)peer)->nid;
}

/**
 * npu_gem_prime_import_sg_table() - &drm_driver.gem_prime_import_sg_table
 * @drm: the importing die
 * @attach: the attachment of the die's device to the dma-buf
 * @sgt: the dma-buf's pages, DMA-mapped for the die's device
 *
 * Called for dma-bufs of other devices: another die, or any exporter of
 * memory.  A dma-buf of this die's own BO never gets here, the DRM core
 * hands back the BO itself.  The new object holds the attachment and the
 * mapping until it is freed; VM mappings hold the object.
 *
 * Return: the new object or an ERR_PTR().
 */
struct drm_gem_object *
npu_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct drm_gem_object *obj;
	size_t size = PAGE_ALIGN(attach->dmabuf->size);

	if (!size || size > NPU_BO_MAX_SIZE || !npu_gem_sgt_ok(sgt, size)) {
		drm_dbg(drm, "import: %zu byte dma-buf of %s not mappable\n",
			attach->dmabuf->size, attach->dmabuf->exp_name);
		return ERR_PTR(-EINVAL);
	}
	obj = drm_gem_shmem_prime_import_sg_table(drm, attach, sgt);
	if (IS_ERR(obj))
		return obj;
	to_npu_bo(obj)->imported = true;
	to_npu_bo(obj)->nid = npu_gem_peer_nid(attach->dmabuf);
	atomic_inc(&ndev->import_count);
	return obj;
}

struct npu_gem_pin {
	struct drm_gem_shmem_object *shmem;
	struct mem_cgroup *memcg;
};

static long npu_gem_pin_fn(void *arg)
{
	struct npu_gem_pin *pin = arg;
	struct address_space *mapping = pin->shmem->base.filp->f_mapping;
	gfp_t gfp = mapping_gfp_mask(mapping);
	struct mem_cgroup *old = set_active_memcg(pin->memcg);
	int ret;

	/*
	 * The die's node or nothing: the worker's own fallback nodes are
	 * not the caller's (its cpuset).  The BO is new, nobody else sees
	 * its mapping yet.
	 */
	mapping_set_gfp_mask(mapping, gfp | __GFP_THISNODE);
	ret = drm_gem_shmem_pin(pin->shmem);
	mapping_set_gfp_mask(mapping, gfp);
	set_active_memcg(old);
	return ret;
}

/*
 * shmem allocates pages under the calling task's memory policy, which by
 * default is "the local node".  Pinning from a CPU of the die's node
 * therefore places the pages there without a private allocator.  The
 * worker that does it charges the pages to the caller's memory cgroup,
 * as the caller's own allocation would be: a cgroup limit holds for die
 * placement too, and its OOM handling sees who holds the pages.  (An
 * explicit placement of "any" allocates in the caller's context, under
 * the caller's own memory policy.)  A node outside the caller's cpuset
 * is not forced on it: the pages are then allocated in the caller's
 * context, where the cpuset's memory nodes apply; so they are when the
 * die's node has no room (the worker allocates on that node only).  The caller's own
 * memory policy gives way to the die placement it asked for.
 */
static int npu_gem_pin_on_node(struct drm_gem_shmem_object *shmem, int nid)
{
	struct npu_gem_pin pin = { .shmem = shmem };
	unsigned int cpu = nr_cpu_ids;
	long ret;

	if (nid != NUMA_NO_NODE && node_isset(nid, cpuset_current_mems_allowed))
		cpu = cpumask_any_and(cpumask_of_node(nid), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		return drm_gem_shmem_pin(shmem);
	pin.memcg = get_mem_cgroup_from_mm(current->mm);
	ret = work_on_cpu(cpu, npu_gem_pin_fn, &pin);
	mem_cgroup_put(pin.memcg);
	/* The die's node is full: any node the caller may use. */
	if (ret == -ENOMEM)
		ret = drm_gem_shmem_pin(shmem);
	return ret;
}

static struct npu_bo *npu_gem_create(struct npu_device *ndev, u64 size,
				     u32 placement)
{
	struct drm_gem_shmem_object *shmem;
	struct sg_table *sgt;
	struct npu_bo *bo;
	int nid, ret;

	shmem = drm_gem_shmem_create(&ndev->drm, size);
	if (IS_ERR(shmem))
		return ERR_CAST(shmem);
	bo = container_of(shmem, struct npu_bo, base);
	ret = npu_gem_charge_user(bo);
	if (ret) {
		drm_dbg(&ndev->drm, "bo_create: the user's NPU memory limit (%u %% of RAM) is reached\n",
			READ_ONCE(user_mem_limit_pct));
		drm_gem_object_put(&shmem->base);
		return ERR_PTR(ret);
	}

	nid = placement == DRM_NPU_BO_PLACEMENT_DIE ? ndev->numa_node :
						      NUMA_NO_NODE;
	ret = npu_gem_pin_on_node(shmem, nid);
	if (ret) {
		drm_gem_object_put(&shmem->base);
		return ERR_PTR(ret);
	}
	bo->pinned = true;
	atomic_inc(&ndev->bo_count);
	ret = npu_gem_account(bo);
	if (ret)
		goto err_put;
	/* Mapped once for the die's device; VMs map its DMA addresses. */
	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_put;
	}
	/* The DMA mapping handed the zeroed pages to the device. */
	if (ndev->ops->bo_sync && !(ndev->info.caps & DRM_NPU_CAP_COHERENT))
		ndev->ops->bo_sync(ndev, sgt, NPU_BO_SYNC_FOR_DEVICE);
	return bo;

err_put:
	drm_gem_object_put(&shmem->base);
	return ERR_PTR(ret);
}

int npu_ioctl_bo_create(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct drm_npu_bo_create *args = data;
	struct npu_bo *bo;
	int ret;

	if (args->flags || args->pad) {
		drm_dbg(drm, "bo_create: flags %#x pad %#x\n", args->flags,
			args->pad);
		return -EINVAL;
	}
	if (args->placement > DRM_NPU_BO_PLACEMENT_ANY) {
		drm_dbg(drm, "bo_create: placement %u\n", args->placement);
		return -EINVAL;
	}
	if (!args->size || args->size > NPU_BO_MAX_SIZE) {
		drm_dbg(drm, "bo_create: size %llu\n", args->size);
		return -EINVAL;
	}

	bo = npu_gem_create(ndev, PAGE_ALIGN(args->size), args->placement);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	ret = drm_gem_handle_create(file, &bo->base.base, &args->handle);
	/* The handle holds the reference now, or creation failed. */
	drm_gem_object_put(&bo->base.base);
	return ret;
}

int npu_ioctl_bo_info(struct drm_device *drm, void *data,
		      struct drm_file *file)
{
	struct drm_npu_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags) {
		drm_dbg(drm, "bo_info: flags %#x\n", args->flags);
		return -EINVAL;
	}
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->size = obj->size;
		args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	}
	drm_gem_object_put(obj);
	return ret;
}

#define NPU_CPU_FLAGS	(DRM_NPU_CPU_READ | DRM_NPU_CPU_WRITE)

/*
 * Cache maintenance of CPU_PREP (for the CPU) and CPU_FINI (for the
 * device) on a die that is not coherent.  Our BOs sync their sg table,
 * mapped bidirectionally for the die's device; an imported BO is the
 * exporter's to keep coherent, through the dma-buf CPU access calls.  A
 * submit syncs nothing: whole-BO maintenance on every job would cost a
 * cache walk over the weights per matmul, and the CPU only writes a BO
 * between a CPU_PREP and a CPU_FINI.
 */
static int npu_gem_sync(struct drm_gem_object *obj, enum npu_bo_sync what,
			u32 flags)
{
	struct npu_device *ndev = to_npu_device(obj->dev);
	struct sg_table *sgt = npu_gem_sgt(obj);
	/* Reads need the device's writes only; the wait covered the rest. */
	enum dma_data_direction dir = flags & DRM_NPU_CPU_WRITE ?
				      DMA_BIDIRECTIONAL : DMA_FROM_DEVICE;
	struct device *dev = ndev->drm.dev;
	int idx, ret;

	if (ndev->info.caps & DRM_NPU_CAP_COHERENT)
		return 0;
	/*
	 * An import: the exporter's own CPU access calls (a heap syncs its
	 * attachments there; another npu die, like any DRM PRIME exporter,
	 * does nothing), then our own attachment's table like a BO's.
	 */
	if (obj->import_attach) {
		struct dma_buf *buf = obj->import_attach->dmabuf;

		ret = what == NPU_BO_SYNC_FOR_CPU ?
		      dma_buf_begin_cpu_access(buf, dir) :
		      dma_buf_end_cpu_access(buf, dir);
		if (ret)
			return ret;
	}
	if (!sgt)
		return 0;
	/* The device's DMA ops are gone once it is unbound. */
	if (!drm_dev_enter(&ndev->drm, &idx))
		return -ENODEV;
	if (what == NPU_BO_SYNC_FOR_CPU)
		dma_sync_sgtable_for_cpu(dev, sgt, DMA_BIDIRECTIONAL);
	else
		dma_sync_sgtable_for_device(dev, sgt, DMA_BIDIRECTIONAL);
	if (ndev->ops->bo_sync)
		ndev->ops->bo_sync(ndev, sgt, what);
	drm_dev_exit(idx);
	return 0;
}

int npu_ioctl_bo_cpu_prep(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct drm_npu_bo_cpu_prep *args = data;
	struct drm_gem_object *obj;
	enum dma_resv_usage usage;
	long ret;

	if (!args->flags || (args->flags & ~NPU_CPU_FLAGS)) {
		drm_dbg(drm, "cpu_prep: flags %#x\n", args->flags);
		return -EINVAL;
	}
	if (args->timeout_ns < 0)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	/* Reading waits for writers; writing waits for readers too. */
	usage = dma_resv_usage_rw(args->flags & DRM_NPU_CPU_WRITE);
	if (!args->timeout_ns) {
		ret = dma_resv_test_signaled(obj->resv, usage) ? 0 : -EBUSY;
	} else {
		ret = dma_resv_wait_timeout(obj->resv, usage, true,
					    drm_timeout_abs_to_jiffies(args->timeout_ns));
		if (!ret)
			ret = -ETIME;
		else if (ret > 0)
			ret = 0;
	}
	if (!ret)
		ret = npu_gem_sync(obj, NPU_BO_SYNC_FOR_CPU, args->flags);
	drm_gem_object_put(obj);
	return ret;
}

int npu_ioctl_bo_cpu_fini(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct drm_npu_bo_cpu_fini *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (!args->flags || (args->flags & ~NPU_CPU_FLAGS)) {
		drm_dbg(drm, "cpu_fini: flags %#x\n", args->flags);
		return -EINVAL;
	}
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = npu_gem_sync(obj, NPU_BO_SYNC_FOR_DEVICE, args->flags);
	drm_gem_object_put(obj);
	return ret;
}
