// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/numa.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>

#include "npu_device.h"
#include "npu_drv.h"

/**
 * npu_device_create() - allocate the DRM device of one die
 * @parent: the die's struct device; its NUMA node becomes the die's node
 * @info: topology reported by the backend
 *
 * The device lives as long as @parent is bound (devres).
 *
 * Return: the new device or an ERR_PTR().
 */
struct npu_device *npu_device_create(struct device *parent,
				     const struct npu_device_info *info)
{
	struct npu_device *ndev;

	if (!info->core_count || info->core_count > NPU_MAX_CORES ||
	    !info->die_count || info->die_index >= info->die_count)
		return ERR_PTR(-EINVAL);

	ndev = devm_drm_dev_alloc(parent, &npu_drm_driver, struct npu_device,
				  drm);
	if (IS_ERR(ndev))
		return ndev;

	ndev->info = *info;
	ndev->numa_node = dev_to_node(parent);
	return ndev;
}

/**
 * npu_device_register() - make the die visible to userspace
 * @ndev: device from npu_device_create()
 *
 * Return: 0 or a negative errno.
 */
int npu_device_register(struct npu_device *ndev)
{
	int ret;

	ret = drm_dev_register(&ndev->drm, 0);
	if (ret)
		return ret;
	npu_debugfs_init(ndev);
	return 0;
}

/**
 * npu_device_unregister() - take the die away from userspace
 * @ndev: registered device
 *
 * Open files stay valid; their ioctls fail with -ENODEV from here on.
 */
void npu_device_unregister(struct npu_device *ndev)
{
	drm_dev_unplug(&ndev->drm);
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
