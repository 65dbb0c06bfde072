/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_DRV_H__
#define __NPU_DRV_H__

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/gpu_scheduler.h>

#include "npu_device.h"

extern const struct drm_driver npu_drm_driver;

/**
 * struct npu_file - per open file state
 * @ref: jobs keep the file state alive after close
 * @ndev: the die
 * @entities: one scheduler entity per core, so one file can keep every
 *            core busy at once
 * @vms: VM id -> &struct npu_vm; id %DRM_NPU_VM_DEFAULT is the file's own
 * @records: job id -> &struct npu_job_record, the last few thousand
 * @submit_lock: serialises submits: job ids, record eviction, pushes
 * @next_job_id: id of the next job
 * @busy_ns: time this file's jobs ran, per core (fdinfo)
 * @held_lock: protects @held and @in_sched
 * @held: per core, jobs waiting for their turn (npu_job.c)
 * @in_sched: per core, jobs of the file in the core's scheduler (0 or 1)
 * @jobs: jobs of the file not yet freed
 * @banned: a job of this file hung a core; submits fail with -EBADFD
 * @closing: the file is closed: its jobs are cancelled, not run
 * @release_work: drops the device reference once the state is unused
 * @put_work: drops the last reference for npu_file_put_outside()
 */
struct npu_file {
	struct kref ref;
	struct npu_device *ndev;
	struct drm_sched_entity entities[NPU_MAX_CORES];
	struct xarray vms;
	struct xarray records;
	struct mutex submit_lock;	/* job ids, records, pushes */
	u64 next_job_id;
	atomic64_t busy_ns[NPU_MAX_CORES];
	spinlock_t held_lock;		/* @held, @in_sched */
	struct list_head held[NPU_MAX_CORES];
	u32 in_sched[NPU_MAX_CORES];
	atomic_t jobs;
	bool banned;
	bool closing;
	struct work_struct release_work;
	struct work_struct put_work;
};

static inline struct npu_file *to_npu_file(struct drm_file *file)
{
	return file->driver_priv;
}

void npu_file_put(struct npu_file *nfile);
void npu_file_put_outside(struct npu_file *nfile);

#if IS_ENABLED(CONFIG_DRM_ACCEL_NPU_RK3588)
int npu_rk3588_init(void);
void npu_rk3588_exit(void);
#else
static inline int npu_rk3588_init(void) { return 0; }
static inline void npu_rk3588_exit(void) { }
#endif

#endif /* __NPU_DRV_H__ */
