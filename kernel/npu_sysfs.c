// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * Counters in sysfs, readable without root, so that a board user can
 * watch the NPU work.  Per core:
 *   /sys/bus/platform/devices/<die>/npu/core<N>_busy_ns
 *   /sys/bus/platform/devices/<die>/npu/core<N>_jobs
 *   /sys/bus/platform/devices/<die>/npu/core<N>_resets
 * and per die (one die is one device):
 *   /sys/bus/platform/devices/<die>/npu/busy_ns      all cores together
 *   /sys/bus/platform/devices/<die>/npu/jobs
 *   /sys/bus/platform/devices/<die>/npu/bos          live BOs it allocated
 *   /sys/bus/platform/devices/<die>/npu/mem_bytes    their memory
 *   /sys/bus/platform/devices/<die>/npu/mem_node<N>_bytes  of it on node N
 */

#include <linux/device.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "npu_core.h"
#include "npu_device.h"

enum npu_sysfs_counter {
	/* per core */
	NPU_BUSY_NS, NPU_JOBS, NPU_RESETS, NPU_CORE_COUNTERS,
	/* per die */
	NPU_DIE_BUSY_NS = NPU_CORE_COUNTERS, NPU_DIE_JOBS, NPU_DIE_BOS,
	NPU_DIE_MEM, NPU_DIE_COUNTERS,
	/* per die and node */
	NPU_DIE_MEM_NODE = NPU_DIE_COUNTERS,
};

static const char *const npu_sysfs_names[NPU_DIE_COUNTERS] = {
	[NPU_BUSY_NS] = "busy_ns",
	[NPU_JOBS] = "jobs",
	[NPU_RESETS] = "resets",
	[NPU_DIE_BUSY_NS] = "busy_ns",
	[NPU_DIE_JOBS] = "jobs",
	[NPU_DIE_BOS] = "bos",
	[NPU_DIE_MEM] = "mem_bytes",
};

/**
 * struct npu_sysfs_attr - one counter of a core or of the die
 * @attr: the sysfs attribute
 * @ndev: the die
 * @core: the core, for per-core counters
 * @counter: which counter
 * @nid: the node, for %NPU_DIE_MEM_NODE
 */
struct npu_sysfs_attr {
	struct device_attribute attr;
	struct npu_device *ndev;
	struct npu_core *core;
	enum npu_sysfs_counter counter;
	int nid;
};

static u64 npu_sysfs_die_sum(struct npu_device *ndev, bool busy)
{
	unsigned int i;
	u64 v = 0;

	for (i = 0; i < ndev->info.core_count; i++)
		v += atomic64_read(busy ? &ndev->cores[i].busy_ns :
				   &ndev->cores[i].jobs_done);
	return v;
}

static ssize_t npu_sysfs_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	struct npu_sysfs_attr *na = container_of(a, struct npu_sysfs_attr,
						 attr);
	struct npu_device *ndev = na->ndev;
	struct npu_core *core = na->core;
	u64 v = 0;

	switch (na->counter) {
	case NPU_BUSY_NS:
		v = atomic64_read(&core->busy_ns);
		break;
	case NPU_JOBS:
		v = atomic64_read(&core->jobs_done);
		break;
	case NPU_RESETS:
		v = atomic_read(&core->resets);
		break;
	case NPU_DIE_BUSY_NS:
		v = npu_sysfs_die_sum(ndev, true);
		break;
	case NPU_DIE_JOBS:
		v = npu_sysfs_die_sum(ndev, false);
		break;
	case NPU_DIE_BOS:
		v = atomic_read(&ndev->bo_count);
		break;
	case NPU_DIE_MEM:
		v = npu_device_bo_bytes(ndev, NUMA_NO_NODE);
		break;
	case NPU_DIE_MEM_NODE:
		v = npu_device_bo_bytes(ndev, na->nid);
		break;
	}
	return sysfs_emit(buf, "%llu\n", v);
}

/* Attribute @i of the list: core counters, die counters, node counters. */
static int npu_sysfs_attr_init(struct npu_device *ndev,
			       struct npu_sysfs_attr *na, unsigned int i)
{
	struct device *dev = ndev->drm.dev;
	unsigned int n_core = ndev->info.core_count * NPU_CORE_COUNTERS;
	unsigned int n_die = NPU_DIE_COUNTERS - NPU_CORE_COUNTERS;
	const char *name;

	na->ndev = ndev;
	if (i < n_core) {
		na->core = &ndev->cores[i / NPU_CORE_COUNTERS];
		na->counter = i % NPU_CORE_COUNTERS;
		name = devm_kasprintf(dev, GFP_KERNEL, "core%u_%s",
				      na->core->index,
				      npu_sysfs_names[na->counter]);
	} else if (i < n_core + n_die) {
		na->counter = NPU_CORE_COUNTERS + i - n_core;
		name = npu_sysfs_names[na->counter];
	} else {
		na->counter = NPU_DIE_MEM_NODE;
		na->nid = i - n_core - n_die;
		name = devm_kasprintf(dev, GFP_KERNEL, "mem_node%d_bytes",
				      na->nid);
	}
	if (!name)
		return -ENOMEM;
	na->attr.attr.name = name;
	sysfs_attr_init(&na->attr.attr);
	na->attr.attr.mode = 0444;
	na->attr.show = npu_sysfs_show;
	return 0;
}

/**
 * npu_sysfs_init() - add the counter group to the die's device
 * @ndev: the die
 *
 * Return: 0 or a negative errno.  The group goes with the device.
 */
int npu_sysfs_init(struct npu_device *ndev)
{
	struct device *dev = ndev->drm.dev;
	unsigned int n = ndev->info.core_count * NPU_CORE_COUNTERS +
			 NPU_DIE_COUNTERS - NPU_CORE_COUNTERS + nr_node_ids;
	struct attribute_group *group;
	struct npu_sysfs_attr *attrs;
	struct attribute **list;
	unsigned int i;
	int ret;

	group = devm_kzalloc(dev, sizeof(*group), GFP_KERNEL);
	attrs = devm_kcalloc(dev, n, sizeof(*attrs), GFP_KERNEL);
	list = devm_kcalloc(dev, n + 1, sizeof(*list), GFP_KERNEL);
	if (!group || !attrs || !list)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		ret = npu_sysfs_attr_init(ndev, &attrs[i], i);
		if (ret)
			return ret;
		list[i] = &attrs[i].attr.attr;
	}
	group->name = "npu";
	group->attrs = list;
	return devm_device_add_group(dev, group);
}
