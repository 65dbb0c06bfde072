/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_DEVICE_H__
#define __NPU_DEVICE_H__

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <drm/drm_device.h>
#include <drm/npu_accel.h>

#include "npu_core.h"

/* Device page size: both the RK3588 IOMMU and the virtual MMU use 4 KiB. */
#define NPU_PAGE_SIZE		4096u
#define NPU_PAGE_SHIFT		12
/* Most cores one die may have: core masks are 32 bits in the UAPI. */
#define NPU_MAX_CORES		16u

struct module;
struct npu_device;
struct npu_job;
struct npu_vm;
struct sg_table;

/**
 * enum npu_bo_sync - ownership changes of a BO's pages
 * @NPU_BO_SYNC_FOR_DEVICE: CPU writes are handed to the device (DMA
 *                          mapping, CPU_FINI)
 * @NPU_BO_SYNC_FOR_CPU: device writes are handed to the CPU (CPU_PREP)
 * @NPU_BO_SYNC_RELEASE: the pages go back to the system
 */
enum npu_bo_sync {
	NPU_BO_SYNC_FOR_DEVICE,
	NPU_BO_SYNC_FOR_CPU,
	NPU_BO_SYNC_RELEASE,
};

/**
 * struct npu_backend_ops - what differs between hardware targets
 *
 * The core code (GEM, VMs, scheduler, fences, recovery) is shared; a
 * backend only starts tasks, resets cores and maintains address spaces.
 */
struct npu_backend_ops {
	/**
	 * @task_start: start task @task of @job on @core.  Completion is
	 * reported later, from the backend's interrupt path, through
	 * npu_core_task_done().
	 */
	void (*task_start)(struct npu_core *core, struct npu_job *job,
			   u32 task);
	/**
	 * @task_run: optional, for a backend that executes tasks in
	 * software: execute what task_start() started, in the caller's
	 * context.  npu_core_run() calls it after a job's first task has
	 * started, without the job lock and inside the die's
	 * drm_dev_enter() section (unregister waits for it); the backend may
	 * leave the rest of the job to a context of its own.
	 */
	void (*task_run)(struct npu_core *core);
	/**
	 * @core_reset: stop whatever @core runs and bring it back to idle.
	 * Called without the core's job lock; may sleep.  Afterwards no
	 * task of the old job executes; a completion the backend was
	 * already reporting may still arrive, with the old run's sequence
	 * number, which npu_core_task_done() ignores.
	 */
	void (*core_reset)(struct npu_core *core);
	/** @vm_init: set up the device side of a new address space. */
	int (*vm_init)(struct npu_vm *vm);
	/** @vm_fini: tear it down; every range is unmapped by then. */
	void (*vm_fini)(struct npu_vm *vm);
	/**
	 * @vm_map: map @size bytes of @sgt, from byte @offset on, at @va
	 * with DRM_NPU_MAP_* @prot.  @sgt is DMA-mapped for the die's
	 * device, for our own BOs and imported ones alike: a backend maps
	 * its DMA addresses and never looks at the pages behind them.
	 */
	int (*vm_map)(struct npu_vm *vm, u64 va, struct sg_table *sgt,
		      u64 offset, u64 size, u32 prot);
	/** @vm_unmap: unmap @count device pages (4 KiB) at @va. */
	void (*vm_unmap)(struct npu_vm *vm, u64 va, unsigned long count);
	/**
	 * @bo_sync: optional, on a die without %DRM_NPU_CAP_COHERENT: the
	 * pages of one of the die's BOs change hands (after the DMA API's
	 * own maintenance).  Hardware needs nothing more; the virtual NPU
	 * models a non-coherent device with it.
	 */
	void (*bo_sync)(struct npu_device *ndev, struct sg_table *sgt,
			enum npu_bo_sync what);
};

/**
 * struct npu_backend - a driver of dies, as the core knows it
 * @name: for messages, e.g. "virtual"
 * @owner: module holding @ops and every function the backend hands to the
 *         core; THIS_MODULE
 * @ops: the callbacks
 * @live: private: DRM devices of the backend's dies not yet released
 *
 * The core calls @ops for as long as a die's DRM device exists, which can
 * be well after the die was unregistered: a file closed late unmaps its
 * VMs, a BO freed late syncs its pages.  A backend in a module of its own
 * must therefore stay loaded until then:
 *
 * - every open file of a die holds a reference on @owner, taken at open
 *   (which fails with -ENODEV once @owner is going away) and dropped at
 *   close, so the module cannot be removed while userspace holds a file
 *   (or a CPU mapping, which holds the file);
 * - what outlives the files (jobs still queued, BOs held through dma-bufs)
 *   is waited for by npu_backend_unregister(), which returns only once
 *   every DRM device created for the backend has been released.  A module
 *   exit therefore first unregisters its dies (which cancels their jobs),
 *   then calls npu_backend_unregister().
 *
 * The backend must not add DRM-managed (drmm) actions to a die: they would
 * run at the device's release, possibly after the module is gone.  Its
 * per-die state belongs to the die's parent device (devm), released when
 * the die is unbound.
 */
struct npu_backend {
	const char *name;
	struct module *owner;
	const struct npu_backend_ops *ops;
	/* private: */
	atomic_t live;
};

/**
 * struct npu_device_info - what a backend tells the core about a die
 * @model: &enum drm_npu_model
 * @die_index: index of the die in its package
 * @die_count: dies in the package
 * @package_id: id shared by the dies of one chip
 * @core_count: cores on this die, at most %NPU_MAX_CORES
 * @va_bits: width of a device virtual address
 * @caps: DRM_NPU_CAP_* bits
 */
struct npu_device_info {
	u32 model;
	u32 die_index;
	u32 die_count;
	u32 package_id;
	u32 core_count;
	u32 va_bits;
	u64 caps;
};

/**
 * struct npu_device - one die, exposed as one DRM accel device
 * @drm: the DRM device, embedded
 * @info: topology and model, fixed at probe
 * @be: the backend driver of the die
 * @ops: its callbacks, @be->ops
 * @backend: backend private data
 * @numa_node: node the die's memory comes from, or %NUMA_NO_NODE
 * @job_timeout_ms: a job that makes no progress for this long hangs;
 *                  debugfs may change it
 * @job_max_ms: a job running longer than this is stopped however it
 *              progresses (%DRM_NPU_JOB_OVERTIME); 0 for no limit;
 *              debugfs may change it
 * @watchdog_delay_us: debugfs: time the watchdog waits between finding a
 *                     job hung and ending it (with the job lock held), to
 *                     show that nothing can slip into that window
 * @cores: the cores, @info.core_count of them
 * @vm_count: live address spaces, for debugfs
 * @vm_list_lock: protects @vm_list
 * @vm_list: every live VM of the die, for debugfs
 * @bo_count: live BOs allocated by the die
 * @import_count: live BOs imported from other devices through dma-buf
 * @node_pages: pages of live BOs allocated by the die, per NUMA node;
 *              an array of nr_node_ids counters
 */
struct npu_device {
	struct drm_device drm;
	struct npu_device_info info;
	struct npu_backend *be;
	const struct npu_backend_ops *ops;
	void *backend;
	int numa_node;
	unsigned int job_timeout_ms;
	u32 job_max_ms;
	u32 watchdog_delay_us;
	struct npu_core *cores;
	atomic_t vm_count;
	struct mutex vm_list_lock;	/* @vm_list */
	struct list_head vm_list;
	atomic_t bo_count;
	atomic_t import_count;
	atomic64_t *node_pages;
};

static inline struct npu_device *to_npu_device(struct drm_device *drm)
{
	return container_of(drm, struct npu_device, drm);
}

int npu_backend_register(struct npu_backend *be);
void npu_backend_unregister(struct npu_backend *be);
bool npu_backend_get(struct npu_device *ndev);
void npu_backend_put(struct npu_device *ndev);

struct npu_device *npu_device_create(struct device *parent,
				     const struct npu_device_info *info,
				     struct npu_backend *be);
int npu_device_register(struct npu_device *ndev);
void npu_device_unregister(struct npu_device *ndev);
u64 npu_device_mem_total(const struct npu_device *ndev);
void npu_device_free_cores(void);
u64 npu_device_bo_bytes(struct npu_device *ndev, int nid);

void npu_debugfs_init(struct npu_device *ndev);
int npu_sysfs_init(struct npu_device *ndev);

#endif /* __NPU_DEVICE_H__ */
