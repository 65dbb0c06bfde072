// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * Per-core counters in sysfs, readable without root, so that a board user
 * can watch the NPU work:
 *   /sys/bus/platform/devices/<die>/npu/core<N>_busy_ns
 *   /sys/bus/platform/devices/<die>/npu/core<N>_jobs
 *   /sys/bus/platform/devices/<die>/npu/core<N>_resets
 */

#include <linux/device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "npu_core.h"
#include "npu_device.h"

enum npu_sysfs_counter { NPU_BUSY_NS, NPU_JOBS, NPU_RESETS, NPU_COUNTERS };

static const char *const npu_sysfs_names[NPU_COUNTERS] = {
	[NPU_BUSY_NS] = "busy_ns",
	[NPU_JOBS] = "jobs",
	[NPU_RESETS] = "resets",
};

/**
 * struct npu_sysfs_attr - one counter of one core
 * @attr: the sysfs attribute
 * @core: the core
 * @counter: which counter
 */
struct npu_sysfs_attr {
	struct device_attribute attr;
	struct npu_core *core;
	enum npu_sysfs_counter counter;
};

static ssize_t npu_sysfs_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	struct npu_sysfs_attr *na = container_of(a, struct npu_sysfs_attr,
						 attr);
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
	case NPU_COUNTERS:
		break;
	}
	return sysfs_emit(buf, "%llu\n", v);
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
	unsigned int n = ndev->info.core_count * NPU_COUNTERS, i;
	struct attribute_group *group;
	struct npu_sysfs_attr *attrs;
	struct attribute **list;

	group = devm_kzalloc(dev, sizeof(*group), GFP_KERNEL);
	attrs = devm_kcalloc(dev, n, sizeof(*attrs), GFP_KERNEL);
	list = devm_kcalloc(dev, n + 1, sizeof(*list), GFP_KERNEL);
	if (!group || !attrs || !list)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		struct npu_sysfs_attr *na = &attrs[i];

		na->core = &ndev->cores[i / NPU_COUNTERS];
		na->counter = i % NPU_COUNTERS;
		na->attr.attr.name = devm_kasprintf(dev, GFP_KERNEL,
						    "core%u_%s",
						    na->core->index,
						    npu_sysfs_names[na->counter]);
		if (!na->attr.attr.name)
			return -ENOMEM;
		sysfs_attr_init(&na->attr.attr);
		na->attr.attr.mode = 0444;
		na->attr.show = npu_sysfs_show;
		list[i] = &na->attr.attr;
	}
	group->name = "npu";
	group->attrs = list;
	return devm_device_add_group(dev, group);
}
