/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_JOB_H__
#define __NPU_JOB_H__

#include <linux/kref.h>
#include <linux/workqueue.h>
#include <drm/gpu_scheduler.h>
#include <drm/npu_accel.h>

struct dma_fence_chain;
struct drm_syncobj;
struct npu_core;
struct npu_file;
struct npu_vm;

/**
 * struct npu_job_record - what JOB_WAIT reports, kept past the job
 * @ref: the file's record table and the job hold references
 * @finished: the job's scheduler "finished" fence
 * @submit_id: id of the first job of the SUBMIT that queued the job
 * @submit_count: jobs that SUBMIT queued, 0 until it has queued them
 * @status: &enum drm_npu_job_status once known
 * @error: negative errno of a failed job
 * @fault_va: faulting or rejected address
 * @core: core the job ran on
 * @busy_ns: time on the core
 * @start_ns: CLOCK_MONOTONIC time the job started on the core, 0 if never
 * @reason: &enum drm_npu_job_reason of a rejected job
 */
struct npu_job_record {
	struct kref ref;
	struct dma_fence *finished;
	u64 submit_id;
	u32 submit_count;
	u32 status;
	int error;
	u64 fault_va;
	u32 core;
	u64 busy_ns;
	u64 start_ns;
	u32 reason;
};

/**
 * struct npu_job_out_sync - a syncobj to signal when a job is done
 * @syncobj: the syncobj
 * @chain: preallocated chain node for a timeline point, else NULL
 * @point: timeline point, 0 for binary
 */
struct npu_job_out_sync {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
	u64 point;
};

/*
 * A job whose tasks and BO list fit in the job itself costs no allocation
 * for them: most jobs do (a null job has one task, a matmul job four BOs),
 * and the job, 480 bytes with them on x86-64 and arm64 without lock
 * debugging, stays in the 512-byte slab.  Tasks are copied from user
 * space into the job: a kmem_cache of jobs would have to allow that
 * (kmem_cache_create_usercopy()), as kmalloc's caches do.
 */
#define NPU_JOB_INLINE_TASKS	8
#define NPU_JOB_INLINE_BOS	4

/**
 * struct npu_job - one submitted job
 * @base: scheduler job
 * @refcount: the submit path and the scheduler hold references
 * @nfile: owning file state (referenced)
 * @vm: address space (referenced)
 * @core: the core the job is queued on
 * @tasks: regcmd streams, @inline_tasks when they fit there
 * @task_count: number of @tasks
 * @next_task: next task to start; under the core's job lock
 * @bos: BOs of the job, referenced; @inline_bos when they fit there, else
 *        one allocation that @bo_flags shares
 * @bo_flags: DRM_NPU_BO_REF_* per BO
 * @bo_count: number of @bos
 * @in_syncs: syncobjs to wait for, checked at create, resolved at push
 * @in_sync_count: number of @in_syncs
 * @out_syncs: syncobjs to signal
 * @out_sync_count: number of @out_syncs
 * @hw_fence: fence the core signals when the job ends; allocated with the
 *            job, initialised when it runs (no allocation on the
 *            fence signalling path)
 * @record: status record
 * @id: job id in the file
 * @held: in &npu_file.held while it waits for its turn on the core
 * @inline_tasks: room for the tasks of a small job
 * @inline_bos: room for the BO list of a small job (a matmul job lists 4)
 * @inline_bo_flags: their flags
 */
struct npu_job {
	struct drm_sched_job base;
	struct kref refcount;
	struct npu_file *nfile;
	struct npu_vm *vm;
	struct npu_core *core;
	struct drm_npu_task *tasks;
	u32 task_count;
	u32 next_task;
	struct drm_gem_object **bos;
	u32 *bo_flags;
	u32 bo_count;
	struct drm_npu_sync *in_syncs;
	u32 in_sync_count;
	struct npu_job_out_sync *out_syncs;
	u32 out_sync_count;
	struct dma_fence *hw_fence;
	struct npu_job_record *record;
	u64 id;
	struct list_head held;
	struct drm_npu_task inline_tasks[NPU_JOB_INLINE_TASKS];
	struct drm_gem_object *inline_bos[NPU_JOB_INLINE_BOS];
	u32 inline_bo_flags[NPU_JOB_INLINE_BOS];
};

static inline struct npu_job *to_npu_job(struct drm_sched_job *job)
{
	return container_of(job, struct npu_job, base);
}

extern const struct drm_sched_backend_ops npu_sched_ops;

int npu_job_file_open(struct npu_file *nfile);
void npu_job_file_close(struct npu_file *nfile);
void npu_job_finish(struct npu_job *job, u32 status, int error, u64 va,
		    u32 reason, u64 busy_ns);

int npu_ioctl_submit(struct drm_device *drm, void *data,
		     struct drm_file *file);
int npu_ioctl_job_wait(struct drm_device *drm, void *data,
		       struct drm_file *file);

#endif /* __NPU_JOB_H__ */
