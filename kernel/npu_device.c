// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait_bit.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_drv.h"

static unsigned int job_timeout_ms = 2000;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "A job that completes no task for this long is hung (default 2000)");

static unsigned int job_max_ms = 60000;
module_param(job_max_ms, uint, 0444);
MODULE_PARM_DESC(job_max_ms,
		 "A job running longer than this is stopped, progress or not; 0 for no limit (default 60000)");

/**
 * npu_backend_register() - make a backend driver known to the core
 * @be: the backend, with @be->owner and every mandatory callback set
 *
 * Call it before the backend creates its first die.  See &struct
 * npu_backend for what the core expects of a backend in another module.
 *
 * Return: 0 or -EINVAL for an incomplete backend.
 */
int npu_backend_register(struct npu_backend *be)
{
	const struct npu_backend_ops *ops = be->ops;

	if (!be->name || !ops || !ops->task_start || !ops->core_reset ||
	    !ops->vm_init || !ops->vm_fini || !ops->vm_map || !ops->vm_unmap)
		return -EINVAL;
	atomic_set(&be->live, 0);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(npu_backend_register, DRM_ACCEL_NPU);

/**
 * npu_backend_unregister() - wait until the core is done with a backend
 * @be: a registered backend whose dies have all been unregistered
 *
 * Sleeps until the DRM device of every die created for @be is released,
 * so that no callback of @be runs afterwards and its module may go.  The
 * dies' jobs were cancelled when they were unregistered; what can keep
 * this waiting is a BO of one of the dies that another process or device
 * still holds through a dma-buf.
 */
void npu_backend_unregister(struct npu_backend *be)
{
	while (!wait_var_event_timeout(&be->live, !atomic_read(&be->live),
				       10 * HZ))
		pr_warn("npu: %s backend: %d devices not released yet, dma-bufs of theirs still shared?\n",
			be->name, atomic_read(&be->live));
	/*
	 * The dies' jobs are freed; the fences nobody else holds are being
	 * freed in RCU callbacks, each with a reference on npu.ko: once they
	 * ran, npu.ko can go too (unless a fence is held elsewhere).
	 */
	rcu_barrier();
}
EXPORT_SYMBOL_NS_GPL(npu_backend_unregister, DRM_ACCEL_NPU);

/**
 * npu_backend_get() - pin the backend of a die for a new user
 * @ndev: the die
 *
 * Return: false when the backend's module is going away.
 */
bool npu_backend_get(struct npu_device *ndev)
{
	return try_module_get(ndev->be->owner);
}

/**
 * npu_backend_put() - drop a reference of npu_backend_get()
 * @ndev: the die
 */
void npu_backend_put(struct npu_device *ndev)
{
	module_put(ndev->be->owner);
}

/*
 * The cores of a die outlive it.  Each core's scheduler fences point at
 * the scheduler in the core (drm_sched_fence_get_timeline_name() reads its
 * name), and a sync_file or a syncobj of another device may hold such a
 * fence long after the die was unbound and its last file closed.  So
 * the cores of a released die wait on this list until npu.ko goes.
 */
struct npu_core_array {
	struct list_head link;
	unsigned int count;
	struct npu_core cores[] __counted_by(count);
};

static LIST_HEAD(npu_retired_cores);
static DEFINE_SPINLOCK(npu_retired_cores_lock);

static void npu_device_retire_cores(struct drm_device *drm, void *arg)
{
	struct npu_core_array *array = arg;

	spin_lock(&npu_retired_cores_lock);
	list_add_tail(&array->link, &npu_retired_cores);
	spin_unlock(&npu_retired_cores_lock);
}

/**
 * npu_device_free_cores() - free the cores of every released die
 *
 * Called by the module's exit once no fence of a core is left (see
 * npu_core_fences_drain()).
 */
void npu_device_free_cores(void)
{
	struct npu_core_array *array, *next;

	list_for_each_entry_safe(array, next, &npu_retired_cores, link)
		kfree(array);
	INIT_LIST_HEAD(&npu_retired_cores);
}

/* The last DRM-managed action of a die: the backend may go after it. */
static void npu_device_release_backend(struct drm_device *drm, void *arg)
{
	struct npu_backend *be = arg;

	if (atomic_dec_and_test(&be->live))
		wake_up_var(&be->live);
}

/**
 * npu_device_create() - allocate the DRM device of one die
 * @parent: the die's struct device; its NUMA node becomes the die's node
 * @info: topology reported by the backend
 * @be: the backend, registered with npu_backend_register()
 *
 * The device lives as long as @parent is bound and the last file on it
 * is open (DRM managed).  npu_backend_unregister() waits for its release.
 *
 * Return: the new device or an ERR_PTR().
 */
struct npu_device *npu_device_create(struct device *parent,
				     const struct npu_device_info *info,
				     struct npu_backend *be)
{
	struct npu_core_array *array;
	struct npu_device *ndev;
	unsigned int i;
	int ret;

	if (!info->core_count || info->core_count > NPU_MAX_CORES ||
	    !info->die_count || info->die_index >= info->die_count ||
	    !info->va_bits || info->va_bits > 32)
		return ERR_PTR(-EINVAL);

	ndev = devm_drm_dev_alloc(parent, &npu_drm_driver, struct npu_device,
				  drm);
	if (IS_ERR(ndev))
		return ndev;

	/*
	 * The first action the driver adds, so the last of them to run: the
	 * others (the schedulers' teardown) may still call the backend.
	 */
	atomic_inc(&be->live);
	ret = drmm_add_action_or_reset(&ndev->drm, npu_device_release_backend,
				       be);
	if (ret)
		return ERR_PTR(ret);

	ndev->info = *info;
	ndev->be = be;
	ndev->ops = be->ops;
	ndev->numa_node = dev_to_node(parent);
	ndev->job_timeout_ms = max(job_timeout_ms, 10u);
	ndev->job_max_ms = job_max_ms;
	INIT_LIST_HEAD(&ndev->vm_list);
	ret = drmm_mutex_init(&ndev->drm, &ndev->vm_list_lock);
	if (ret)
		return ERR_PTR(ret);
	ndev->node_pages = drmm_kcalloc(&ndev->drm, nr_node_ids,
					sizeof(*ndev->node_pages), GFP_KERNEL);
	if (!ndev->node_pages)
		return ERR_PTR(-ENOMEM);
	array = kzalloc(struct_size(array, cores, info->core_count),
			GFP_KERNEL);
	if (!array)
		return ERR_PTR(-ENOMEM);
	array->count = info->core_count;
	/* Added before the cores' own release actions: runs after them. */
	ret = drmm_add_action(&ndev->drm, npu_device_retire_cores, array);
	if (ret) {
		kfree(array);
		return ERR_PTR(ret);
	}
	ndev->cores = array->cores;
	for (i = 0; i < info->core_count; i++) {
		ndev->cores[i].ndev = ndev;
		ndev->cores[i].index = i;
	}
	return ndev;
}
EXPORT_SYMBOL_NS_GPL(npu_device_create, DRM_ACCEL_NPU);

/**
 * npu_device_register() - start the cores and show the die to userspace
 * @ndev: device from npu_device_create(), backend state set up
 *
 * Return: 0 or a negative errno; on failure nothing is left running.
 */
int npu_device_register(struct npu_device *ndev)
{
	unsigned int i;
	int ret;

	/* Schedulers are released with the DRM device, also on failure. */
	for (i = 0; i < ndev->info.core_count; i++) {
		ret = npu_core_init(&ndev->cores[i]);
		if (ret)
			return ret;
	}
	ret = drm_dev_register(&ndev->drm, 0);
	if (ret)
		return ret;
	ret = npu_sysfs_init(ndev);
	if (ret) {
		npu_device_unregister(ndev);
		return ret;
	}
	npu_debugfs_init(ndev);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(npu_device_register, DRM_ACCEL_NPU);

/**
 * npu_device_unregister() - take the die away from userspace
 * @ndev: registered device
 *
 * Open files stay valid; their ioctls fail with -ENODEV from here on,
 * the job on each core fails with -ENODEV and queued jobs are cancelled.
 */
void npu_device_unregister(struct npu_device *ndev)
{
	unsigned int i;

	drm_dev_unplug(&ndev->drm);
	for (i = 0; i < ndev->info.core_count; i++)
		npu_core_quiesce(&ndev->cores[i]);
}
EXPORT_SYMBOL_NS_GPL(npu_device_unregister, DRM_ACCEL_NPU);

/**
 * npu_device_mem_total() - memory local to the die
 * @ndev: the die
 *
 * Return: bytes present on the die's NUMA node, or all RAM when the die
 * has no node of its own.
 */
u64 npu_device_mem_total(const struct npu_device *ndev)
{
	if (ndev->numa_node != NUMA_NO_NODE)
		return (u64)node_present_pages(ndev->numa_node) << PAGE_SHIFT;
	return (u64)totalram_pages() << PAGE_SHIFT;
}

/**
 * npu_device_bo_bytes() - memory held by the BOs the die allocated
 * @ndev: the die
 * @nid: a NUMA node, or %NUMA_NO_NODE for all nodes
 *
 * Imported BOs are not counted: their memory belongs to the exporter.
 *
 * Return: bytes of live BOs whose pages sit on @nid.
 */
u64 npu_device_bo_bytes(struct npu_device *ndev, int nid)
{
	s64 pages = 0;
	int i;

	if (nid != NUMA_NO_NODE) {
		if (nid < 0 || nid >= nr_node_ids)
			return 0;
		return (u64)atomic64_read(&ndev->node_pages[nid]) << PAGE_SHIFT;
	}
	for (i = 0; i < nr_node_ids; i++)
		pages += atomic64_read(&ndev->node_pages[i]);
	return (u64)pages << PAGE_SHIFT;
}
