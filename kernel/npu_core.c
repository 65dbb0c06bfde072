// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * A core runs one job at a time: npu_core_run() starts it, the backend's
 * interrupt path reports each task through npu_core_task_done(), and the
 * core's hardware fence signals when the last task is done, when a task
 * fails, or when the watchdog gives up on a job that stopped making
 * progress.  Recovery resets only that core.
 */

#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/npu_accel.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_drv.h"
#include "npu_job.h"

static const char *npu_fence_get_driver_name(struct dma_fence *fence)
{
	return "npu";
}

static const char *npu_fence_get_timeline_name(struct dma_fence *fence)
{
	return "npu-core";
}

/*
 * Hardware fences outlive their jobs (the scheduler's fence of a job holds
 * its hardware fence until the last sync_file, syncobj or reservation
 * object lets go), and their ops and lock live in this module and its
 * cores: each one holds a reference on the module, so that rmmod npu
 * is refused (-EBUSY, lsmod shows the users) while a fence of ours is
 * held anywhere.  The reference is dropped in an RCU callback; the
 * module's exit waits for such callbacks with rcu_barrier(), so that the
 * last one has returned before the module's text goes.
 */
static void npu_fence_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct dma_fence, rcu));
	module_put(THIS_MODULE);
}

static void npu_fence_release(struct dma_fence *fence)
{
	call_rcu(&fence->rcu, npu_fence_free_rcu);
}

static const struct dma_fence_ops npu_fence_ops = {
	.get_driver_name = npu_fence_get_driver_name,
	.get_timeline_name = npu_fence_get_timeline_name,
	.release = npu_fence_release,
};

/**
 * npu_core_fences_drain() - wait for the last hardware fence's release
 *
 * For the module's exit: every fence held a module reference, so none
 * is left; the RCU callback that dropped the last reference may still
 * be running its final instructions.
 */
void npu_core_fences_drain(void)
{
	rcu_barrier();
}

/* The die's timeout; debugfs may change it, and it is never below 10 ms. */
static unsigned int npu_core_timeout_ms(const struct npu_core *core)
{
	return max(READ_ONCE(core->ndev->job_timeout_ms), 10u);
}

/* When the watchdog first looks at a new job: the sooner of both limits. */
static unsigned int npu_core_first_look_ms(const struct npu_core *core)
{
	unsigned int max = READ_ONCE(core->ndev->job_max_ms);

	return max ? min(max, npu_core_timeout_ms(core)) :
		     npu_core_timeout_ms(core);
}

/*
 * Have the watchdog look within @delay jiffies.  Job lock held, so that
 * @watchdog_due is the expiry of the last arm.
 */
static void npu_core_watchdog_arm(struct npu_core *core, unsigned long delay)
{
	lockdep_assert_held(&core->job_lock);
	core->watchdog_due = jiffies + delay;
	mod_delayed_work(system_wq, &core->watchdog, delay);
}

/*
 * A new job's first look.  A watchdog still armed from the job before
 * that fires no later is left as it is: it finds this job and re-arms for
 * the time left, as a late one does.  Not re-arming and not cancelling
 * for every job keeps the timer wheel off the path of short jobs.  The
 * wheel rounds a far expiry up (by up to an eighth), so a kept arm may
 * fire that much later than a fresh one would; it matters only once the
 * debugfs timeouts are lowered while a long arm is pending.
 */
static void npu_core_watchdog_start(struct npu_core *core)
{
	unsigned long delay = msecs_to_jiffies(npu_core_first_look_ms(core));

	if (!delayed_work_pending(&core->watchdog) ||
	    time_after(core->watchdog_due, jiffies + delay))
		npu_core_watchdog_arm(core, delay);
}

/*
 * End the job in flight: record its status, account its time, and
 * return its hardware fence for the caller to signal once the job lock
 * is dropped (the job, which the scheduler frees only after that signal,
 * holds the reference).  Called with the job lock held.
 */
static struct dma_fence *npu_core_end_job(struct npu_core *core, u32 status,
					  int error, u64 va, u32 reason)
{
	struct npu_job *job = core->in_flight;
	u64 busy = ktime_get_ns() - core->job_start_ns;
	struct dma_fence *fence = job->hw_fence;

	lockdep_assert_held(&core->job_lock);
	npu_job_finish(job, status, error, va, reason, busy);
	atomic64_add(busy, &core->busy_ns);
	atomic64_inc(&core->jobs_done);
	core->in_flight = NULL;
	if (error)
		dma_fence_set_error(fence, error);
	return fence;
}

/**
 * npu_core_run() - start a job on its core; &drm_sched_backend_ops.run_job
 * @core: the core, idle (the scheduler hands over one job at a time)
 * @job: the job, with the hardware fence npu_job_create() allocated
 *
 * On the fence signalling path: allocates nothing.  It is not marked
 * for lockdep as npu_core_task_done() is: the RK3588 backend's first task
 * of a job in another VM attaches its IOMMU domain in task_start (runtime
 * PM, iommu_attach_group(), whose group mutex is held elsewhere around
 * allocations), as panfrost's run_job resumes its device.
 *
 * Return: the fence that signals when the job ends.
 */
struct dma_fence *npu_core_run(struct npu_core *core, struct npu_job *job)
{
	struct dma_fence *fence = job->hw_fence;

	/* The job's file holds the module: this cannot be its last hour. */
	__module_get(THIS_MODULE);
	dma_fence_init(fence, &npu_fence_ops, &core->fence_lock,
		       core->fence_context, ++core->emit_seqno);
	/* One reference for the job, one for the scheduler. */
	dma_fence_get(fence);

	mutex_lock(&core->job_lock);
	core->in_flight = job;
	core->run_seq++;
	core->job_start_ns = ktime_get_ns();
	/*
	 * The file closed since run_job looked: npu_core_cancel_file() may
	 * have found the core idle, so the job ends here, unstarted.
	 */
	if (READ_ONCE(job->nfile->closing)) {
		npu_core_end_job(core, DRM_NPU_JOB_CANCELLED, -ECANCELED, 0,
				 DRM_NPU_REASON_NONE);
		mutex_unlock(&core->job_lock);
		dma_fence_signal(fence);
		return fence;
	}
	core->watchdog_ns = core->job_start_ns;
	core->watchdog_progress = atomic_read(&core->progress);
	job->next_task = 1;
	npu_core_watchdog_start(core);
	core->ndev->ops->task_start(core, job, 0);
	mutex_unlock(&core->job_lock);
	/*
	 * The scheduler's worker stands for the hop a real core's start
	 * costs; a software core runs what it can of the job here rather
	 * than adding a hop of its own.
	 */
	if (core->ndev->ops->task_run)
		core->ndev->ops->task_run(core);
	return fence;
}

static const struct {
	u32 status;
	int error;
} npu_task_results[] = {
	[NPU_TASK_OK] = { DRM_NPU_JOB_DONE, 0 },
	[NPU_TASK_INVALID] = { DRM_NPU_JOB_INVALID, -EINVAL },
	[NPU_TASK_MMU_FAULT] = { DRM_NPU_JOB_MMU_FAULT, -EFAULT },
	[NPU_TASK_ERROR] = { DRM_NPU_JOB_ERROR, -EIO },
};

/**
 * npu_core_task_done() - a task of the job in flight ended
 * @core: the core
 * @seq: &npu_core.run_seq when the backend started the task; a report
 *       for a run that already ended (a reset, the watchdog) is ignored
 * @result: how the task ended
 * @va: the faulting or rejected address, for the failures that have one
 * @reason: &enum drm_npu_job_reason for %NPU_TASK_INVALID
 *
 * Starts the next task, or ends the job.  Called from the backend's
 * interrupt thread or worker; may sleep.
 */
void npu_core_task_done(struct npu_core *core, u64 seq,
			enum npu_task_result result, u64 va, u32 reason)
{
	struct dma_fence *fence;
	struct npu_job *job;
	bool cookie;

	if (WARN_ON_ONCE(result >= ARRAY_SIZE(npu_task_results)))
		result = NPU_TASK_ERROR;

	cookie = dma_fence_begin_signalling();
	mutex_lock(&core->job_lock);
	job = core->in_flight;
	if (!job || core->run_seq != seq) {
		mutex_unlock(&core->job_lock);
		goto out;
	}
	atomic_inc(&core->progress);
	if (result == NPU_TASK_OK && job->next_task < job->task_count) {
		core->ndev->ops->task_start(core, job, job->next_task++);
		mutex_unlock(&core->job_lock);
		goto out;
	}
	/* Only a rejected job has a reason, whatever the backend left. */
	if (result != NPU_TASK_INVALID)
		reason = DRM_NPU_REASON_NONE;
	fence = npu_core_end_job(core, npu_task_results[result].status,
				 npu_task_results[result].error, va, reason);
	mutex_unlock(&core->job_lock);

	dma_fence_signal(fence);
out:
	dma_fence_end_signalling(cookie);
}
EXPORT_SYMBOL_NS_GPL(npu_core_task_done, DRM_ACCEL_NPU);

/**
 * npu_core_progress() - a long task is still moving
 * @core: the core
 *
 * Backends call this from within a task that takes long, so that the
 * watchdog does not mistake it for a hang.
 */
void npu_core_progress(struct npu_core *core)
{
	atomic_inc(&core->progress);
}
EXPORT_SYMBOL_NS_GPL(npu_core_progress, DRM_ACCEL_NPU);

/*
 * Reset the core after the job in flight was ended (its fence, if any,
 * still unsignalled), then signal.  The next job can only start once the
 * fence has signalled, so the reset cannot hit it; a backend worker that
 * reports the old run meanwhile finds the sequence number changed.
 */
static void npu_core_reset_signal(struct npu_core *core,
				  struct dma_fence *fence)
{
	core->ndev->ops->core_reset(core);
	if (fence)
		dma_fence_signal(fence);
}

/*
 * The watchdog's verdict on the job in flight: no progress for a whole
 * timeout (hung), or past the per-job limit however it progresses
 * (overtime), or neither, and then the watchdog is re-armed for the time
 * left.  Looks at the time of the progress snapshot: a watchdog that ran
 * late (it waited for the lock while a new job started, say) must not
 * compare a fresh snapshot.  Job lock held.
 */
static u32 npu_core_verdict(struct npu_core *core)
{
	u64 timeout_ns = (u64)npu_core_timeout_ms(core) * NSEC_PER_MSEC;
	u64 max_ns = (u64)READ_ONCE(core->ndev->job_max_ms) * NSEC_PER_MSEC;
	u32 progress = atomic_read(&core->progress);
	u64 now = ktime_get_ns(), left, ran = now - core->job_start_ns;

	if (max_ns && ran >= max_ns)
		return DRM_NPU_JOB_OVERTIME;
	if (progress != core->watchdog_progress) {
		/* Slow, not stuck: look again a timeout from now. */
		core->watchdog_progress = progress;
		core->watchdog_ns = now;
		left = timeout_ns;
	} else {
		if (now - core->watchdog_ns >= timeout_ns)
			return DRM_NPU_JOB_TIMEOUT;
		left = timeout_ns - (now - core->watchdog_ns);
	}
	if (max_ns)
		left = min(left, max_ns - ran);
	npu_core_watchdog_arm(core, nsecs_to_jiffies(left) + 1);
	return DRM_NPU_JOB_PENDING;
}

/*
 * The verdict and the end of the job are one critical section: the job
 * found hung is the job that ends, whatever completes or starts around.
 */
static void npu_core_watchdog(struct work_struct *work)
{
	struct npu_core *core = container_of(to_delayed_work(work),
					     struct npu_core, watchdog);
	struct dma_fence *fence;
	u32 delay, verdict = DRM_NPU_JOB_PENDING;
	bool cookie = dma_fence_begin_signalling();

	mutex_lock(&core->job_lock);
	if (core->in_flight)
		verdict = npu_core_verdict(core);
	if (verdict == DRM_NPU_JOB_PENDING) {
		mutex_unlock(&core->job_lock);
		dma_fence_end_signalling(cookie);
		return;
	}
	delay = READ_ONCE(core->ndev->watchdog_delay_us);
	if (delay)
		fsleep(delay);
	fence = npu_core_end_job(core, verdict, verdict == DRM_NPU_JOB_TIMEOUT ?
				 -ETIMEDOUT : -ETIME, 0, DRM_NPU_REASON_NONE);
	mutex_unlock(&core->job_lock);
	dma_fence_end_signalling(cookie);

	if (verdict == DRM_NPU_JOB_TIMEOUT)
		drm_err(&core->ndev->drm, "core %u: job made no progress for %u ms, resetting the core\n",
			core->index, npu_core_timeout_ms(core));
	else
		drm_info(&core->ndev->drm, "core %u: job ran past the %u ms limit, stopped\n",
			 core->index, READ_ONCE(core->ndev->job_max_ms));
	atomic_inc(&core->resets);
	/*
	 * The reset is outside the annotation: it waits for the task the
	 * backend is executing (the virtual NPU's, whose GEMM model may
	 * allocate in its own worker; the RK3588's fault work), and for
	 * lockdep that wait inside a signalling section closes a cycle
	 * through the worker's own.
	 */
	npu_core_reset_signal(core, fence);
}

/**
 * npu_core_cancel_file() - stop the job of a closing file on a core
 * @core: the core
 * @nfile: the file; the core's job is stopped only if it is the file's
 *
 * The job ends %DRM_NPU_JOB_CANCELLED with -ECANCELED and the core is
 * reset, so that a closed file holds no core beyond its grace period.
 */
void npu_core_cancel_file(struct npu_core *core, struct npu_file *nfile)
{
	struct dma_fence *fence = NULL;

	scoped_guard(mutex, &core->job_lock)
		if (core->in_flight && core->in_flight->nfile == nfile)
			fence = npu_core_end_job(core, DRM_NPU_JOB_CANCELLED,
						 -ECANCELED, 0,
						 DRM_NPU_REASON_NONE);
	if (fence)
		npu_core_reset_signal(core, fence);
}

/*
 * The scheduler outlives the unplug: files still open hold entities on
 * its run queues, and drm_sched_fini() frees those.  It goes when the
 * DRM device is released, after the last file is closed.
 */
static void npu_core_release(struct drm_device *drm, void *data)
{
	struct npu_core *core = data;

	drm_sched_fini(&core->sched);
	cancel_delayed_work_sync(&core->watchdog);
}

/**
 * npu_core_init() - set up a core and its scheduler
 * @core: the core, with @ndev and @index set
 *
 * Return: 0 or a negative errno.
 */
int npu_core_init(struct npu_core *core)
{
	struct npu_device *ndev = core->ndev;
	struct drm_sched_init_args args = {
		.ops = &npu_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		/* One job on the core at a time, like the PC block. */
		.credit_limit = 1,
		.timeout = MAX_SCHEDULE_TIMEOUT,
		.dev = ndev->drm.dev,
	};
	int ret;

	spin_lock_init(&core->fence_lock);
	mutex_init(&core->job_lock);
	mutex_init(&core->sched_pause_lock);
	INIT_DELAYED_WORK(&core->watchdog, npu_core_watchdog);
	core->fence_context = dma_fence_context_alloc(1);
	snprintf(core->name, sizeof(core->name), "%s-core%u",
		 dev_name(ndev->drm.dev), core->index);
	args.name = core->name;
	ret = drm_sched_init(&core->sched, &args);
	if (ret)
		return ret;
	return drmm_add_action_or_reset(&ndev->drm, npu_core_release, core);
}

static bool npu_core_sched_idle(struct npu_core *core)
{
	bool idle;

	spin_lock(&core->sched.job_list_lock);
	idle = list_empty(&core->sched.pending_list);
	spin_unlock(&core->sched.job_list_lock);
	return idle;
}

/**
 * npu_core_quiesce() - stop a core of a die that was unplugged
 * @core: the core
 *
 * The job in flight fails with -ENODEV.  Jobs the scheduler still hands
 * over fail at once (run_job sees the unplug), so every fence signals;
 * the scheduler itself stays until the DRM device is released.  Waits
 * (bounded) until no job is on the core, so the backend can go.
 */
void npu_core_quiesce(struct npu_core *core)
{
	struct dma_fence *fence = NULL;
	unsigned int tries = 250;

	cancel_delayed_work_sync(&core->watchdog);
	scoped_guard(mutex, &core->job_lock)
		if (core->in_flight)
			fence = npu_core_end_job(core, DRM_NPU_JOB_CANCELLED,
						 -ENODEV, 0,
						 DRM_NPU_REASON_NONE);
	npu_core_reset_signal(core, fence);
	while (!npu_core_sched_idle(core) && tries--)
		msleep(20);
}
