// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/module.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <linux/uaccess.h>

#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_print.h>
#include <drm/npu_accel.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_drv.h"
#include "npu_gem.h"
#include "npu_job.h"
#include "npu_vm.h"

/* Largest answer buffer a query accepts; answers are far smaller. */
#define NPU_QUERY_MAX_SIZE	4096u

/*
 * Copy a kernel struct to a user buffer of another size: the common part
 * is copied, a larger user buffer has its tail zeroed.
 */
static int npu_copy_struct_to_user(u64 uptr, u64 usize,
				   const void *src, size_t ksize)
{
	void __user *dst = u64_to_user_ptr(uptr);
	size_t n = min_t(u64, usize, ksize);

	if (copy_to_user(dst, src, n))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static void npu_query_device_fill(struct npu_device *ndev,
				  struct drm_npu_query_device *q)
{
	const struct npu_device_info *info = &ndev->info;

	memset(q, 0, sizeof(*q));
	q->model = info->model;
	q->die_index = info->die_index;
	q->die_count = info->die_count;
	q->package_id = info->package_id;
	q->core_count = info->core_count;
	q->core_mask = GENMASK(info->core_count - 1, 0);
	q->va_bits = info->va_bits;
	q->numa_node = ndev->numa_node;
	/* The first page stays unmapped so that a NULL VA faults. */
	q->va_start = NPU_PAGE_SIZE;
	q->va_end = 1ULL << info->va_bits;
	q->page_size = NPU_PAGE_SIZE;
	q->mem_total = npu_device_mem_total(ndev);
	/* Every backend maps imported BOs like its own (npu_gem.c). */
	q->caps = info->caps | DRM_NPU_CAP_IMPORT | DRM_NPU_CAP_SUBMIT_PARALLEL |
		  DRM_NPU_CAP_WAIT_SUBMIT |
		  DRM_NPU_CAP_NO_IMPLICIT;
}

/*
 * File states that still exist, open or held by jobs.  The module waits
 * for none to be left before it goes: jobs the scheduler kills after the
 * file closed are freed later from its work items, which call back here.
 */
static atomic_t npu_files_alive = ATOMIC_INIT(0);
static struct workqueue_struct *npu_release_wq;

/*
 * The last reference to the file state may go in the scheduler's own
 * work (a job freed): the device reference it holds is dropped from a
 * work item of ours instead, since the device's release tears down that
 * scheduler and its work queue.
 */
static void npu_file_release_work(struct work_struct *work)
{
	struct npu_file *nfile = container_of(work, struct npu_file,
					      release_work);

	drm_dev_put(&nfile->ndev->drm);
	kfree(nfile);
	if (atomic_dec_and_test(&npu_files_alive))
		wake_up_var(&npu_files_alive);
}

static void npu_file_put_work(struct work_struct *work)
{
	npu_file_put(container_of(work, struct npu_file, put_work));
}

/**
 * npu_file_put_outside() - drop a file state reference in another's work
 * @nfile: the file state
 *
 * For the scheduler's work items (a job freed, also one the scheduler
 * killed on system_wq after close): a reference that is not the last goes
 * at once; the last one from the module's release queue, which module
 * exit drains, so that the module cannot go while this CPU still returns
 * through its code.
 */
void npu_file_put_outside(struct npu_file *nfile)
{
	if (refcount_dec_not_one(&nfile->ref.refcount))
		return;
	INIT_WORK(&nfile->put_work, npu_file_put_work);
	queue_work(npu_release_wq, &nfile->put_work);
}

static void npu_file_release(struct kref *ref)
{
	struct npu_file *nfile = container_of(ref, struct npu_file, ref);

	xa_destroy(&nfile->records);
	xa_destroy(&nfile->vms);
	mutex_destroy(&nfile->submit_lock);
	INIT_WORK(&nfile->release_work, npu_file_release_work);
	queue_work(npu_release_wq, &nfile->release_work);
}

/**
 * npu_file_put() - drop a reference to the per-file state
 * @nfile: the file state; jobs hold references past close()
 */
void npu_file_put(struct npu_file *nfile)
{
	kref_put(&nfile->ref, npu_file_release);
}

static int npu_open(struct drm_device *drm, struct drm_file *file)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct npu_file *nfile;
	int ret;

	/*
	 * An open file calls the backend (its VMs, its BOs): the backend's
	 * module stays until the file is closed.  See struct npu_backend.
	 */
	if (!npu_backend_get(ndev))
		return -ENODEV;
	nfile = kzalloc(sizeof(*nfile), GFP_KERNEL);
	if (!nfile) {
		npu_backend_put(ndev);
		return -ENOMEM;
	}
	kref_init(&nfile->ref);
	/* Jobs use the die until they are freed, after close() too. */
	drm_dev_get(drm);
	atomic_inc(&npu_files_alive);
	nfile->ndev = ndev;
	nfile->next_job_id = 1;
	mutex_init(&nfile->submit_lock);
	xa_init_flags(&nfile->vms, XA_FLAGS_ALLOC1);
	xa_init(&nfile->records);
	file->driver_priv = nfile;

	ret = npu_vm_file_open(nfile);
	if (ret)
		goto err_put;
	ret = npu_job_file_open(nfile);
	if (ret)
		goto err_vms;
	return 0;

err_vms:
	npu_vm_file_close(nfile);
err_put:
	file->driver_priv = NULL;
	npu_file_put(nfile);
	npu_backend_put(ndev);
	return ret;
}

static void npu_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct npu_file *nfile = to_npu_file(file);

	npu_job_file_close(nfile);
	npu_vm_file_close(nfile);
	npu_file_put(nfile);
	/*
	 * What the file leaves behind (jobs still queued, shared BOs) holds
	 * the DRM device, which npu_backend_unregister() waits for.
	 */
	npu_backend_put(to_npu_device(drm));
}

static void npu_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct npu_file *nfile = to_npu_file(file);
	unsigned int i;

	for (i = 0; i < nfile->ndev->info.core_count; i++)
		drm_printf(p, "drm-engine-core%u:\t%llu ns\n", i,
			   (u64)atomic64_read(&nfile->busy_ns[i]));
	drm_show_memory_stats(p, file);
}

static int npu_ioctl_query(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct npu_device *ndev = to_npu_device(drm);
	struct drm_npu_query *args = data;
	struct drm_npu_query_device dev_info;
	const void *answer;
	size_t ksize;
	int ret;

	if (args->flags) {
		drm_dbg(drm, "query: flags %#x\n", args->flags);
		return -EINVAL;
	}

	switch (args->type) {
	case DRM_NPU_QUERY_DEVICE:
		npu_query_device_fill(ndev, &dev_info);
		answer = &dev_info;
		ksize = sizeof(dev_info);
		break;
	default:
		drm_dbg(drm, "query: unknown type %u\n", args->type);
		return -EINVAL;
	}

	if (!args->pointer) {
		args->size = ksize;
		return 0;
	}
	if (!args->size || args->size > NPU_QUERY_MAX_SIZE) {
		drm_dbg(drm, "query: size %llu\n", args->size);
		return -EINVAL;
	}

	ret = npu_copy_struct_to_user(args->pointer, args->size, answer, ksize);
	if (ret)
		return ret;
	args->size = ksize;
	return 0;
}

/*
 * Every handler runs inside drm_dev_enter/exit so that an unplugged die
 * answers -ENODEV instead of touching freed hardware state.
 */
#define NPU_IOCTL(name, func, flags)					\
	DRM_IOCTL_DEF_DRV(NPU_##name, npu_ioctl_guarded_##func, flags)

#define NPU_GUARDED(func)						\
static int npu_ioctl_guarded_##func(struct drm_device *drm, void *data,\
				    struct drm_file *file)		\
{									\
	int idx, ret;							\
									\
	if (!drm_dev_enter(drm, &idx))					\
		return -ENODEV;						\
	ret = npu_ioctl_##func(drm, data, file);			\
	drm_dev_exit(idx);						\
	return ret;							\
}

NPU_GUARDED(query)
NPU_GUARDED(bo_create)
NPU_GUARDED(bo_info)
NPU_GUARDED(bo_cpu_fini)
NPU_GUARDED(vm_create)
NPU_GUARDED(vm_destroy)
NPU_GUARDED(vm_map)
NPU_GUARDED(vm_unmap)
NPU_GUARDED(submit)

/*
 * The two waits are not guarded: an unplug must not wait for a timeout
 * the user chose.  They touch no hardware; CPU_PREP enters the device
 * itself for its cache maintenance, after the wait.
 */
#define npu_ioctl_guarded_job_wait	npu_ioctl_job_wait
#define npu_ioctl_guarded_bo_cpu_prep	npu_ioctl_bo_cpu_prep

static const struct drm_ioctl_desc npu_ioctls[] = {
	NPU_IOCTL(QUERY, query, DRM_RENDER_ALLOW),
	NPU_IOCTL(BO_CREATE, bo_create, DRM_RENDER_ALLOW),
	NPU_IOCTL(BO_INFO, bo_info, DRM_RENDER_ALLOW),
	NPU_IOCTL(BO_CPU_PREP, bo_cpu_prep, DRM_RENDER_ALLOW),
	NPU_IOCTL(BO_CPU_FINI, bo_cpu_fini, DRM_RENDER_ALLOW),
	NPU_IOCTL(VM_CREATE, vm_create, DRM_RENDER_ALLOW),
	NPU_IOCTL(VM_DESTROY, vm_destroy, DRM_RENDER_ALLOW),
	NPU_IOCTL(VM_MAP, vm_map, DRM_RENDER_ALLOW),
	NPU_IOCTL(VM_UNMAP, vm_unmap, DRM_RENDER_ALLOW),
	NPU_IOCTL(SUBMIT, submit, DRM_RENDER_ALLOW),
	NPU_IOCTL(JOB_WAIT, job_wait, DRM_RENDER_ALLOW),
};

#define NPU_FEATURES	(DRIVER_GEM | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE)
#if IS_ENABLED(CONFIG_DRM_ACCEL)
static const struct file_operations npu_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

#define NPU_DRIVER_FEATURES	(NPU_FEATURES | DRIVER_COMPUTE_ACCEL)
#else
/*
 * No accel core (Debian arm64): a render node keeps the driver usable.
 * DEFINE_DRM_GEM_FOPS() of 6.12 has no show_fdinfo: spell it out, or
 * the render node's fdinfo lacks the engine and memory keys.
 */
static const struct file_operations npu_fops = {
	.owner = THIS_MODULE,
	DRM_GEM_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

#define NPU_DRIVER_FEATURES	(NPU_FEATURES | DRIVER_RENDER)
#endif

const struct drm_driver npu_drm_driver = {
	.driver_features	= NPU_DRIVER_FEATURES,
	.fops			= &npu_fops,
	.open			= npu_open,
	.postclose		= npu_postclose,
	.show_fdinfo		= npu_show_fdinfo,
	.gem_create_object	= npu_gem_create_object,
	.gem_prime_import_sg_table = npu_gem_prime_import_sg_table,
	.ioctls			= npu_ioctls,
	.num_ioctls		= ARRAY_SIZE(npu_ioctls),
	.name			= "npu",
	.desc			= "Open NPU driver",
	.major			= 1,
	.minor			= 0,
};

static int __init npu_init(void)
{
	int ret;

	npu_release_wq = alloc_workqueue("npu-release", 0, 0);
	if (!npu_release_wq)
		return -ENOMEM;
	/*
	 * Hardware backends only: the virtual NPU is a module of its own
	 * (npu_virtual.ko), so that loading the driver on a board creates
	 * nothing virtual.
	 */
	ret = npu_rk3588_init();
	if (ret)
		goto err_wq;
	return 0;

err_wq:
	destroy_workqueue(npu_release_wq);
	return ret;
}

static void __exit npu_exit(void)
{
	npu_rk3588_exit();
	/*
	 * No file is open (each holds the module), no other backend module
	 * is loaded (each depends on this one), but jobs of closed files
	 * may still wait in a scheduler to be killed and freed: the module
	 * stays until their file states are gone and the work queue that
	 * drops them has drained.
	 */
	wait_var_event(&npu_files_alive, !atomic_read(&npu_files_alive));
	destroy_workqueue(npu_release_wq);
	/*
	 * No fence of a job is left (each held the module), but the RCU
	 * callback that freed the last one may still run; then the cores
	 * the scheduler fences pointed at.
	 */
	npu_core_fences_drain();
	npu_device_free_cores();
}

module_init(npu_init);
module_exit(npu_exit);

MODULE_DESCRIPTION("Open NPU driver (RK3588, EIC7702)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
