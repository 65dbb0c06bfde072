// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/numa.h>

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
 * npu_device_create() - allocate the DRM device of one die
 * @parent: the die's struct device; its NUMA node becomes the die's node
 * @info: topology reported by the backend
 * @ops: the backend
 *
 * The device lives as long as @parent is bound and the last file on it
 * is open (DRM managed).
 *
 * Return: the new device or an ERR_PTR().
 */
struct npu_device *npu_device_create(struct device *parent,
				     const struct npu_device_info *info,
				     const struct npu_backend_ops *ops)
{
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

	ndev->info = *info;
	ndev->ops = ops;
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
	ndev->cores = drmm_kcalloc(&ndev->drm, info->core_count,
				   sizeof(*ndev->cores), GFP_KERNEL);
	if (!ndev->cores)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < info->core_count; i++) {
		ndev->cores[i].ndev = ndev;
		ndev->cores[i].index = i;
	}
	return ndev;
}

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
