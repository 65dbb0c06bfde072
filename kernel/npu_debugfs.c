// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_vm.h"

static int npu_debugfs_die_show(struct seq_file *m, void *unused)
{
	struct npu_device *ndev = m->private;
	const struct npu_device_info *info = &ndev->info;
	int nid;

	seq_printf(m, "model: %u\n", info->model);
	seq_printf(m, "die: %u/%u\n", info->die_index, info->die_count);
	seq_printf(m, "package: %#x\n", info->package_id);
	seq_printf(m, "cores: %u\n", info->core_count);
	seq_printf(m, "numa_node: %d\n", ndev->numa_node);
	seq_printf(m, "vms: %d\n", atomic_read(&ndev->vm_count));
	seq_printf(m, "bos: %d\n", atomic_read(&ndev->bo_count));
	seq_printf(m, "imports: %d\n", atomic_read(&ndev->import_count));
	seq_printf(m, "bo_bytes: %llu\n",
		   npu_device_bo_bytes(ndev, NUMA_NO_NODE));
	for (nid = 0; nid < nr_node_ids; nid++) {
		s64 pages = atomic64_read(&ndev->node_pages[nid]);

		if (pages)
			seq_printf(m, "bo_pages_node%d: %lld\n", nid, pages);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(npu_debugfs_die);

static int npu_debugfs_cores_show(struct seq_file *m, void *unused)
{
	struct npu_device *ndev = m->private;
	unsigned int i;

	for (i = 0; i < ndev->info.core_count; i++) {
		struct npu_core *core = &ndev->cores[i];
		bool busy;

		scoped_guard(mutex, &core->job_lock)
			busy = core->in_flight;
		seq_printf(m, "core%u: %s queued %d jobs %lld busy_ns %lld resets %d\n",
			   i, busy ? "busy" : "idle", atomic_read(&core->queued),
			   (s64)atomic64_read(&core->jobs_done),
			   (s64)atomic64_read(&core->busy_ns),
			   atomic_read(&core->resets));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(npu_debugfs_cores);

static int npu_debugfs_vms_show(struct seq_file *m, void *unused)
{
	npu_vm_debugfs_show(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(npu_debugfs_vms);

/*
 * Writing to inject_warn raises a kernel WARN on purpose.  The test
 * harness uses it to prove that a splat in the guest log fails a run.
 */
static ssize_t npu_debugfs_inject_warn_write(struct file *file,
					     const char __user *buf,
					     size_t count, loff_t *ppos)
{
	struct npu_device *ndev = file->private_data;

	WARN(1, "npu: die %u: WARN injected through debugfs\n",
	     ndev->info.die_index);
	return count;
}

static const struct file_operations npu_debugfs_inject_warn_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = npu_debugfs_inject_warn_write,
	.llseek = noop_llseek,
};

/**
 * npu_debugfs_init() - per-die debugfs files
 * @ndev: the die, registered
 *
 * They sit in the DRM device's debugfs folder, named after the parent
 * device (accel/npu-virtual.0/ for the first virtual die) and are removed
 * with it.
 */
void npu_debugfs_init(struct npu_device *ndev)
{
	struct dentry *root = ndev->drm.debugfs_root;

	debugfs_create_file("die", 0444, root, ndev, &npu_debugfs_die_fops);
	debugfs_create_file("cores", 0444, root, ndev, &npu_debugfs_cores_fops);
	debugfs_create_file("vms", 0444, root, ndev, &npu_debugfs_vms_fops);
	/* Recovery tests: a short timeout, and the watchdog's verdict slowed. */
	debugfs_create_u32("job_timeout_ms", 0600, root, &ndev->job_timeout_ms);
	debugfs_create_u32("job_max_ms", 0600, root, &ndev->job_max_ms);
	debugfs_create_u32("watchdog_delay_us", 0600, root,
			   &ndev->watchdog_delay_us);
	debugfs_create_file("inject_warn", 0200, root, ndev,
			    &npu_debugfs_inject_warn_fops);
}
