/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_CORE_H__
#define __NPU_CORE_H__

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <drm/gpu_scheduler.h>

struct npu_device;
struct npu_file;
struct npu_job;

/**
 * enum npu_task_result - what a backend reports for a task
 * @NPU_TASK_OK: the task completed
 * @NPU_TASK_INVALID: a regcmd word was rejected; the address is reported
 * @NPU_TASK_MMU_FAULT: a device access faulted; the address is reported
 * @NPU_TASK_ERROR: any other failure
 */
enum npu_task_result {
	NPU_TASK_OK,
	NPU_TASK_INVALID,
	NPU_TASK_MMU_FAULT,
	NPU_TASK_ERROR,
};

/**
 * struct npu_core - one NPU core: a scheduler and the job it runs
 * @ndev: the die
 * @index: core number on the die
 * @name: the scheduler's name; fences read it through their timeline, so
 *        it lives as long as the scheduler (not as the bound device)
 * @sched: the core's scheduler; it hands over one job at a time
 * @fence_context: context of the core's hardware fences
 * @emit_seqno: last hardware fence seqno
 * @fence_lock: lock of the hardware fences
 * @job_lock: protects @in_flight, @run_seq, the job's @next_task and the
 *            watchdog's snapshot
 * @in_flight: the job the core runs, or NULL
 * @run_seq: sequence number of the run of @in_flight.  Backends keep it
 *           with a task they start and report the task by it, so that a
 *           late report of an ended job can never touch the next one, even
 *           when that job reuses the freed one's memory
 * @progress: bumped on every completed task and by backends within long
 *            tasks; the watchdog compares it
 * @watchdog_progress: @progress when the watchdog last looked
 * @watchdog_ns: when it last looked (or the job started)
 * @watchdog: looks at the job in flight at least every job timeout; it
 *            stays armed when a job ends, and finds the next one (or
 *            none) when it fires
 * @watchdog_due: when the armed @watchdog fires, in jiffies
 * @job_start_ns: when @in_flight started
 * @queued: jobs pushed to this core and not yet finished
 * @busy_ns: time spent running jobs
 * @jobs_done: finished jobs, whatever their status
 * @resets: resets after a hang
 * @backend: backend private state of the core
 */
struct npu_core {
	struct npu_device *ndev;
	unsigned int index;
	char name[32];
	struct drm_gpu_scheduler sched;
	u64 fence_context;
	u64 emit_seqno;
	spinlock_t fence_lock;		/* hardware fences */
	struct mutex job_lock;		/* @in_flight, @run_seq, watchdog */
	struct mutex sched_pause_lock;	/* one pause of @sched at a time */
	struct npu_job *in_flight;
	u64 run_seq;
	atomic_t progress;
	u32 watchdog_progress;
	u64 watchdog_ns;
	struct delayed_work watchdog;
	unsigned long watchdog_due;
	u64 job_start_ns;
	atomic_t queued;
	atomic64_t busy_ns;
	atomic64_t jobs_done;
	atomic_t resets;
	void *backend;
};

int npu_core_init(struct npu_core *core);
void npu_core_fences_drain(void);
void npu_core_quiesce(struct npu_core *core);
struct dma_fence *npu_core_run(struct npu_core *core, struct npu_job *job);
void npu_core_task_done(struct npu_core *core, u64 seq,
			enum npu_task_result result, u64 va, u32 reason);
void npu_core_progress(struct npu_core *core);
void npu_core_cancel_file(struct npu_core *core, struct npu_file *nfile);

#endif /* __NPU_CORE_H__ */
