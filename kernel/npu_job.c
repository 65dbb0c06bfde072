// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * Job submission: the SUBMIT ioctl turns user jobs into scheduler jobs,
 * the scheduler hands them to a core (npu_core.c) once their fences have
 * signalled, and JOB_WAIT reports how they ended.
 */

#include <linux/dma-fence-chain.h>
#include <linux/dma-resv.h>
#include <linux/sort.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/ww_mutex.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>
#include <drm/gpu_scheduler.h>
#include <drm/npu_accel.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_drv.h"
#include "npu_job.h"
#include "npu_vm.h"

#define NPU_SUBMIT_MAX_JOBS	64
/* The job struct of UAPI 1.0 ended at job_id; later fields default to 0. */
#define NPU_JOB_SIZE_V1		offsetofend(struct drm_npu_job, job_id)
#define NPU_JOB_MAX_BOS		256
#define NPU_JOB_MAX_SYNCS	64
#define NPU_TASK_MAX_WORDS	65536
/* Records of finished jobs a file keeps for JOB_WAIT. */
#define NPU_JOB_RECORDS		4096
/*
 * Jobs one file may have queued or running, all cores together; each
 * costs kernel memory (its tasks up to 64 KiB).  Beyond it SUBMIT fails
 * with -EAGAIN until some finish.
 */
#define NPU_FILE_MAX_JOBS	1024

static unsigned int close_grace_ms = 1000;
module_param(close_grace_ms, uint, 0644);
MODULE_PARM_DESC(close_grace_ms,
		 "Time the jobs of a closed file get to finish before they are cancelled, in ms (default 1000; none for a killed process)");

static void npu_job_record_release(struct kref *ref)
{
	struct npu_job_record *rec = container_of(ref, struct npu_job_record,
						  ref);

	dma_fence_put(rec->finished);
	kfree(rec);
}

static void npu_job_record_put(struct npu_job_record *rec)
{
	if (rec)
		kref_put(&rec->ref, npu_job_record_release);
}

/* Free an array unless it is the @inline_buf it was put in. */
static void npu_array_free(void *array, const void *inline_buf)
{
	if (array != inline_buf)
		kvfree(array);
}

static void npu_job_release(struct kref *ref)
{
	struct npu_job *job = container_of(ref, struct npu_job, refcount);
	struct npu_file *nfile;
	u32 i;

	if (job->core)
		atomic_dec(&job->core->queued);
	/* The file state outlives the job: the reference goes last. */
	if (atomic_dec_and_test(&job->nfile->jobs))
		wake_up_var(&job->nfile->jobs);
	for (i = 0; i < job->bo_count; i++)
		drm_gem_object_put(job->bos[i]);
	npu_array_free(job->bos, job->inline_bos);	/* and bo_flags */
	for (i = 0; i < job->out_sync_count; i++) {
		if (job->out_syncs[i].syncobj)
			drm_syncobj_put(job->out_syncs[i].syncobj);
		dma_fence_chain_free(job->out_syncs[i].chain);
	}
	kfree(job->out_syncs);
	kvfree(job->in_syncs);
	npu_array_free(job->tasks, job->inline_tasks);
	/* A job that never ran has a fence that was never initialised. */
	if (job->hw_fence && job->hw_fence->ops)
		dma_fence_put(job->hw_fence);
	else
		kfree(job->hw_fence);
	npu_job_record_put(job->record);
	npu_vm_put(job->vm);
	nfile = job->nfile;
	kfree(job);
	/* Last: it may let the module go. */
	npu_file_put_outside(nfile);
}

static void npu_job_put(struct npu_job *job)
{
	kref_put(&job->refcount, npu_job_release);
}

/**
 * npu_job_finish() - record how a job ended; called by the core
 * @job: the job, still in flight on its core
 * @status: &enum drm_npu_job_status
 * @error: 0 or the negative errno its fence will carry
 * @va: faulting or rejected device address
 * @reason: &enum drm_npu_job_reason of a rejected job
 * @busy_ns: time on the core
 *
 * Runs before the job's hardware fence signals, so a waiter that sees
 * the fence signalled also sees the record.
 */
void npu_job_finish(struct npu_job *job, u32 status, int error, u64 va,
		    u32 reason, u64 busy_ns)
{
	struct npu_job_record *rec = job->record;

	rec->reason = reason;
	rec->status = status;
	rec->error = error;
	rec->fault_va = va;
	rec->core = job->core->index;
	rec->busy_ns = busy_ns;
	/* The core's start time: the job ended @busy_ns after it. */
	rec->start_ns = job->core->job_start_ns;
	atomic64_add(busy_ns, &job->nfile->busy_ns[job->core->index]);
	if (status == DRM_NPU_JOB_TIMEOUT)
		WRITE_ONCE(job->nfile->banned, true);
}

/* Largest element stride of a job's arrays: far beyond any struct here. */
#define NPU_ARRAY_MAX_STRIDE	256

/*
 * Copy @count elements of @size bytes each, @stride bytes apart in user
 * memory (0: @size), into @inline_buf if they fit in its @inline_count
 * elements, else into a new array (free either with npu_array_free()).
 * Bytes of a larger element beyond @size must be zero, as for
 * size-extensible structs.
 */
static void *npu_copy_array(u64 uptr, u32 count, size_t size, u32 stride,
			    void *inline_buf, u32 inline_count)
{
	void __user *src = u64_to_user_ptr(uptr);
	void *array;
	u32 i;
	int ret;

	if (!stride)
		stride = size;
	if (stride < size || stride > NPU_ARRAY_MAX_STRIDE ||
	    !IS_ALIGNED(stride, 8))
		return ERR_PTR(-EINVAL);
	array = inline_buf && count <= inline_count ? inline_buf :
		kvmalloc_array(count, size, GFP_KERNEL_ACCOUNT);
	if (!array)
		return ERR_PTR(-ENOMEM);
	if (stride == size) {
		ret = copy_from_user(array, src, (size_t)count * size) ?
		      -EFAULT : 0;
	} else {
		for (i = 0, ret = 0; !ret && i < count; i++)
			ret = copy_struct_from_user(array + (size_t)i * size,
						    size, src + (size_t)i * stride,
						    stride);
		if (ret == -E2BIG)
			ret = -EINVAL;
	}
	if (ret) {
		npu_array_free(array, inline_buf);
		return ERR_PTR(ret);
	}
	return array;
}

static int npu_job_check(struct npu_device *ndev,
			 const struct drm_npu_job *args)
{
	u32 cores = GENMASK(ndev->info.core_count - 1, 0);

	if (args->flags || args->pad || args->pad2) {
		drm_dbg(&ndev->drm, "submit: job flags %#x pad %#x %#x\n",
			args->flags, args->pad, args->pad2);
		return -EINVAL;
	}
	if (!args->task_count || args->task_count > DRM_NPU_MAX_TASKS ||
	    args->bo_count > NPU_JOB_MAX_BOS ||
	    args->in_sync_count > NPU_JOB_MAX_SYNCS ||
	    args->out_sync_count > NPU_JOB_MAX_SYNCS) {
		drm_dbg(&ndev->drm, "submit: counts %u/%u/%u/%u\n",
			args->task_count, args->bo_count, args->in_sync_count,
			args->out_sync_count);
		return -EINVAL;
	}
	if (args->core_mask & ~cores) {
		drm_dbg(&ndev->drm, "submit: core mask %#x\n", args->core_mask);
		return -EINVAL;
	}
	return 0;
}

static int npu_job_copy_tasks(struct npu_device *ndev, struct npu_job *job,
			      const struct drm_npu_job *args)
{
	u64 va_end = 1ULL << ndev->info.va_bits;
	u32 i;

	job->tasks = npu_copy_array(args->tasks, args->task_count,
				    sizeof(*job->tasks), args->task_stride,
				    job->inline_tasks, NPU_JOB_INLINE_TASKS);
	if (IS_ERR(job->tasks)) {
		int ret = PTR_ERR(job->tasks);

		job->tasks = NULL;
		return ret;
	}
	job->task_count = args->task_count;

	for (i = 0; i < job->task_count; i++) {
		const struct drm_npu_task *t = &job->tasks[i];

		if (t->flags || !t->regcmd_count ||
		    t->regcmd_count > NPU_TASK_MAX_WORDS ||
		    !IS_ALIGNED(t->regcmd_va, 16) || t->regcmd_va >= va_end ||
		    va_end - t->regcmd_va < (u64)t->regcmd_count * 8) {
			drm_dbg(&ndev->drm,
				"submit: task %u: va %#llx words %u flags %#x\n",
				i, t->regcmd_va, t->regcmd_count, t->flags);
			return -EINVAL;
		}
	}
	return 0;
}

static int npu_job_lookup_bos(struct drm_file *file, struct npu_job *job,
			      const struct drm_npu_job *args)
{
	struct drm_device *drm = file->minor->dev;
	struct drm_npu_bo_ref refs_buf[NPU_JOB_INLINE_BOS], *refs;
	u32 i, j;
	int ret = 0;

	if (!args->bo_count)
		return 0;
	refs = npu_copy_array(args->bos, args->bo_count, sizeof(*refs),
			      args->bo_stride, refs_buf, ARRAY_SIZE(refs_buf));
	if (IS_ERR(refs))
		return PTR_ERR(refs);

	if (args->bo_count <= NPU_JOB_INLINE_BOS) {
		job->bos = job->inline_bos;
		job->bo_flags = job->inline_bo_flags;
	} else {
		/* The flags follow the pointers in one allocation. */
		job->bos = kvmalloc_array(args->bo_count, sizeof(*job->bos) +
					  sizeof(*job->bo_flags),
					  GFP_KERNEL_ACCOUNT);
		if (!job->bos) {
			ret = -ENOMEM;
			goto out;
		}
		job->bo_flags = (u32 *)(job->bos + args->bo_count);
	}
	for (i = 0; i < args->bo_count; i++) {
		if (refs[i].flags & ~(DRM_NPU_BO_REF_WRITE |
				      DRM_NPU_BO_REF_NO_IMPLICIT)) {
			drm_dbg(drm, "submit: bo %u flags %#x\n", i,
				refs[i].flags);
			ret = -EINVAL;
			goto out;
		}
		/* Reservation locking takes each BO once. */
		for (j = 0; j < i; j++) {
			if (refs[j].handle == refs[i].handle) {
				drm_dbg(drm, "submit: bo handle %u twice\n",
					refs[i].handle);
				ret = -EINVAL;
				goto out;
			}
		}
		job->bos[i] = drm_gem_object_lookup(file, refs[i].handle);
		if (!job->bos[i]) {
			ret = -ENOENT;
			goto out;
		}
		job->bo_flags[i] = refs[i].flags;
		job->bo_count = i + 1;
	}
out:
	npu_array_free(refs, refs_buf);
	return ret;
}

/*
 * In-syncs are checked when the job is created but their fences are only
 * taken when it is pushed, after the earlier jobs of the same SUBMIT have
 * installed theirs: so a job may wait for an earlier job of its array
 * (not under DRM_NPU_SUBMIT_PARALLEL, where no job's fence is installed
 * before every job's dependencies are taken).
 */
static int npu_job_copy_in_syncs(struct drm_file *file, struct npu_job *job,
				 const struct drm_npu_job *args)
{
	struct drm_npu_sync *syncs;
	u32 i;

	if (!args->in_sync_count)
		return 0;
	syncs = npu_copy_array(args->in_syncs, args->in_sync_count,
			       sizeof(*syncs), args->sync_stride, NULL, 0);
	if (IS_ERR(syncs))
		return PTR_ERR(syncs);
	job->in_syncs = syncs;
	job->in_sync_count = args->in_sync_count;
	for (i = 0; i < args->in_sync_count; i++) {
		struct drm_syncobj *syncobj;

		if (syncs[i].flags)
			return -EINVAL;
		syncobj = drm_syncobj_find(file, syncs[i].handle);
		if (!syncobj)
			return -ENOENT;
		drm_syncobj_put(syncobj);
	}
	return 0;
}

/*
 * Timeline points are 64 bits all the way: 6.12's
 * drm_sched_job_add_syncobj_dependency() takes a u32 point, so a job
 * waiting on point 2^32 + 5 would wait on point 5.
 */
static int npu_job_add_in_syncs(struct drm_file *file, struct npu_job *job)
{
	struct dma_fence *fence;
	u32 i;
	int ret;

	for (i = 0; i < job->in_sync_count; i++) {
		ret = drm_syncobj_find_fence(file, job->in_syncs[i].handle,
					     job->in_syncs[i].point, 0, &fence);
		if (ret)
			return ret;
		/* Takes the reference, also on failure. */
		ret = drm_sched_job_add_dependency(&job->base, fence);
		if (ret)
			return ret;
	}
	return 0;
}

static int npu_job_get_out_syncs(struct drm_file *file, struct npu_job *job,
				 const struct drm_npu_job *args)
{
	struct drm_npu_sync *syncs;
	u32 i;
	int ret = 0;

	if (!args->out_sync_count)
		return 0;
	syncs = npu_copy_array(args->out_syncs, args->out_sync_count,
			       sizeof(*syncs), args->sync_stride, NULL, 0);
	if (IS_ERR(syncs))
		return PTR_ERR(syncs);
	job->out_syncs = kcalloc(args->out_sync_count,
				 sizeof(*job->out_syncs), GFP_KERNEL_ACCOUNT);
	if (!job->out_syncs) {
		ret = -ENOMEM;
		goto out;
	}
	job->out_sync_count = args->out_sync_count;
	for (i = 0; i < args->out_sync_count; i++) {
		struct npu_job_out_sync *os = &job->out_syncs[i];

		if (syncs[i].flags) {
			ret = -EINVAL;
			goto out;
		}
		os->syncobj = drm_syncobj_find(file, syncs[i].handle);
		if (!os->syncobj) {
			ret = -ENOENT;
			goto out;
		}
		os->point = syncs[i].point;
		if (os->point) {
			os->chain = dma_fence_chain_alloc();
			if (!os->chain) {
				ret = -ENOMEM;
				goto out;
			}
		}
	}
out:
	kvfree(syncs);
	return ret;
}

/* The core of @mask with the fewest jobs queued. */
static struct npu_core *npu_job_pick_core(struct npu_device *ndev, u32 mask)
{
	struct npu_core *best = NULL;
	unsigned int i;

	if (!mask)
		mask = GENMASK(ndev->info.core_count - 1, 0);
	for (i = 0; i < ndev->info.core_count; i++) {
		struct npu_core *core = &ndev->cores[i];

		if (!(mask & BIT(i)))
			continue;
		if (!best || atomic_read(&core->queued) <
			     atomic_read(&best->queued))
			best = core;
	}
	return best;
}

/*
 * Everything that can fail before a job becomes visible: copies, lookups,
 * dependencies, allocations.  Called with the file's submit lock held.
 */
static struct npu_job *npu_job_create(struct drm_file *file,
				      const struct drm_npu_job *args)
{
	struct npu_file *nfile = to_npu_file(file);
	struct npu_device *ndev = nfile->ndev;
	struct npu_job *job;
	int ret;

	ret = npu_job_check(ndev, args);
	if (ret)
		return ERR_PTR(ret);
	if (atomic_read(&nfile->jobs) >= NPU_FILE_MAX_JOBS) {
		drm_dbg(&ndev->drm, "submit: %u jobs of the file unfinished\n",
			NPU_FILE_MAX_JOBS);
		return ERR_PTR(-EAGAIN);
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return ERR_PTR(-ENOMEM);
	kref_init(&job->refcount);
	kref_get(&nfile->ref);
	job->nfile = nfile;
	atomic_inc(&nfile->jobs);

	job->record = kzalloc(sizeof(*job->record), GFP_KERNEL_ACCOUNT);
	if (!job->record) {
		ret = -ENOMEM;
		goto err_put;
	}
	/* Before the next failure: the job's release puts the record. */
	kref_init(&job->record->ref);
	job->hw_fence = kzalloc(sizeof(*job->hw_fence), GFP_KERNEL_ACCOUNT);
	if (!job->hw_fence) {
		ret = -ENOMEM;
		goto err_put;
	}

	ret = npu_job_copy_tasks(ndev, job, args);
	if (ret)
		goto err_put;
	job->vm = npu_vm_lookup(nfile, args->vm_id);
	if (!job->vm) {
		drm_dbg(&ndev->drm, "submit: no VM %u\n", args->vm_id);
		ret = -ENOENT;
		goto err_put;
	}
	ret = npu_job_lookup_bos(file, job, args);
	if (ret)
		goto err_put;
	ret = npu_job_copy_in_syncs(file, job, args);
	if (ret)
		goto err_put;
	ret = npu_job_get_out_syncs(file, job, args);
	if (ret)
		goto err_put;

	job->core = npu_job_pick_core(ndev, args->core_mask);
	atomic_inc(&job->core->queued);
	ret = drm_sched_job_init(&job->base,
				 &nfile->entities[job->core->index], 1, nfile,
				 file->client_id);
	if (ret)
		goto err_put;

	/* A record slot now, so that publishing it cannot fail later. */
	job->id = nfile->next_job_id;
	ret = xa_reserve(&nfile->records, job->id, GFP_KERNEL);
	if (ret)
		goto err_cleanup;
	nfile->next_job_id++;
	return job;

err_cleanup:
	drm_sched_job_cleanup(&job->base);
err_put:
	npu_job_put(job);
	return ERR_PTR(ret);
}

/* Drop a job that was created but never pushed. */
static void npu_job_discard(struct npu_job *job)
{
	xa_release(&job->nfile->records, job->id);
	drm_sched_job_cleanup(&job->base);
	npu_job_put(job);
}

static void npu_job_signal_out_syncs(struct npu_job *job,
				     struct dma_fence *fence)
{
	u32 i;

	for (i = 0; i < job->out_sync_count; i++) {
		struct npu_job_out_sync *os = &job->out_syncs[i];

		if (os->chain) {
			drm_syncobj_add_point(os->syncobj, os->chain, fence,
					      os->point);
			os->chain = NULL;
		} else {
			drm_syncobj_replace_fence(os->syncobj, fence);
		}
	}
}

static void npu_job_publish_record(struct npu_job *job)
{
	struct npu_file *nfile = job->nfile;
	struct npu_job_record *old;

	kref_get(&job->record->ref);
	xa_store(&nfile->records, job->id, job->record, GFP_NOWAIT);
	if (job->id > NPU_JOB_RECORDS) {
		old = xa_erase(&nfile->records, job->id - NPU_JOB_RECORDS);
		npu_job_record_put(old);
	}
}

/*
 * In-syncs, and implicit dependencies on the job's BOs (locked), but for
 * the BOs whose users order their accesses themselves.
 */
static int npu_job_add_deps(struct drm_file *file, struct npu_job *job)
{
	u32 i;
	int ret;

	ret = npu_job_add_in_syncs(file, job);
	for (i = 0; !ret && i < job->bo_count; i++) {
		if (job->bo_flags[i] & DRM_NPU_BO_REF_NO_IMPLICIT)
			continue;
		ret = drm_sched_job_add_implicit_dependencies(&job->base,
							      job->bos[i],
							      job->bo_flags[i] &
							      DRM_NPU_BO_REF_WRITE);
	}
	return ret;
}

/*
 * Fair turns on a core.  drm_sched serves a core's entities oldest job
 * first, so a file that queued many jobs would be served entirely before
 * another file's job submitted a moment later.  A file therefore has at
 * most one job in a core's scheduler at a time; its next jobs wait here,
 * in order, and each goes to the scheduler when the one before it is
 * freed.  Another file's job submitted meanwhile is older than that and
 * runs first: it waits behind one job of each other file at most.
 *
 * Every push into an entity happens under the file's held_lock (a push
 * only takes spinlocks and queues work): the entity has one producer at
 * a time, jobs enter in submission order, and none enters once the file
 * is closing (npu_job_file_close() then pushes what is held, before the
 * entity goes).
 */
static void npu_job_queue(struct npu_job **jobs, u32 count)
{
	struct npu_file *nfile = jobs[0]->nfile;
	u32 i;

	spin_lock(&nfile->held_lock);
	for (i = 0; i < count; i++) {
		unsigned int c = jobs[i]->core->index;

		if (nfile->in_sched[c]) {
			list_add_tail(&jobs[i]->held, &nfile->held[c]);
		} else {
			nfile->in_sched[c]++;
			drm_sched_entity_push_job(&jobs[i]->base);
		}
	}
	spin_unlock(&nfile->held_lock);
}

/* A job of the file left the core's scheduler: its next one goes in. */
static void npu_job_queue_next(struct npu_job *job)
{
	struct npu_file *nfile = job->nfile;
	unsigned int c = job->core->index;
	struct npu_job *next;

	spin_lock(&nfile->held_lock);
	next = nfile->closing ? NULL :
	       list_first_entry_or_null(&nfile->held[c], struct npu_job, held);
	if (next) {
		list_del(&next->held);
		drm_sched_entity_push_job(&next->base);
	} else if (!nfile->closing) {
		nfile->in_sched[c]--;
	}
	spin_unlock(&nfile->held_lock);
}

/*
 * The file is closing: no job enters a scheduler on its own from now on,
 * and the held ones go in at once, in order, to be cancelled there.
 */
static void npu_job_release_held(struct npu_file *nfile)
{
	struct npu_job *job, *tmp;
	unsigned int c;

	spin_lock(&nfile->held_lock);
	WRITE_ONCE(nfile->closing, true);
	for (c = 0; c < nfile->ndev->info.core_count; c++) {
		list_for_each_entry_safe(job, tmp, &nfile->held[c], held) {
			list_del(&job->held);
			drm_sched_entity_push_job(&job->base);
		}
	}
	spin_unlock(&nfile->held_lock);
}

/*
 * Arm a job whose dependencies are in, put its fence into its BOs (locked,
 * with a fence slot reserved each) and out-syncs.  It must be pushed.
 *
 * The fence goes into every BO, also those the job does not wait for
 * (DRM_NPU_BO_REF_NO_IMPLICIT): CPU_PREP, jobs without the flag and other
 * devices sharing the BO through dma-buf wait for it as ever.
 */
static void npu_job_arm(struct npu_job *job)
{
	struct dma_fence *finished;
	u32 i;

	drm_sched_job_arm(&job->base);
	finished = &job->base.s_fence->finished;
	job->record->finished = dma_fence_get(finished);
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, finished,
				   job->bo_flags[i] & DRM_NPU_BO_REF_WRITE ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	npu_job_signal_out_syncs(job, finished);
	npu_job_publish_record(job);
	kref_get(&job->refcount);	/* put by npu_job_free() */
}

static int npu_cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/**
 * struct npu_submit_bos - the BOs of a submit's jobs, each once
 * @objs: the BOs, sorted (an array of the only job's when there is one)
 * @slots: per BO, the fence slots it needs: one per job listing it
 * @count: number of @objs
 */
struct npu_submit_bos {
	struct drm_gem_object **objs;
	u32 *slots;
	u32 count;
};

static int npu_submit_bos_get(struct npu_submit_bos *sb, struct npu_job **jobs,
			      u32 count)
{
	u32 i, j, n = 0, total = 0, len;

	sb->slots = NULL;
	if (count == 1) {
		/* A job lists each BO once: no copy, one slot each. */
		sb->objs = jobs[0]->bos;
		sb->count = jobs[0]->bo_count;
		return 0;
	}
	for (i = 0; i < count; i++)
		total += jobs[i]->bo_count;
	/* The slots follow the BOs in one allocation. */
	len = max(total, 1U);
	sb->objs = kvmalloc_array(len, sizeof(*sb->objs) + sizeof(*sb->slots),
				  GFP_KERNEL);
	if (!sb->objs)
		return -ENOMEM;
	sb->slots = (u32 *)(sb->objs + len);
	for (i = 0; i < count; i++)
		for (j = 0; j < jobs[i]->bo_count; j++)
			sb->objs[n++] = jobs[i]->bos[j];
	sort(sb->objs, total, sizeof(*sb->objs), npu_cmp_ptr, NULL);
	for (i = 0, n = 0; i < total; i++) {
		if (n && sb->objs[n - 1] == sb->objs[i]) {
			sb->slots[n - 1]++;
			continue;
		}
		sb->objs[n] = sb->objs[i];
		sb->slots[n++] = 1;
	}
	sb->count = n;
	return 0;
}

static void npu_submit_bos_put(struct npu_submit_bos *sb)
{
	if (!sb->slots)
		return;		/* the only job's own array */
	kvfree(sb->objs);	/* and the slots */
}

/*
 * Make a submit's created jobs visible.  Every job is prepared before any
 * starts: the BOs of all of them locked at once, each with the fence
 * slots of every job listing it, the dependencies taken and each job
 * armed with its fences installed; then they are pushed together in one
 * tight loop, so that the first does not start (and take the CPU, under
 * emulation or on a small machine) while the submit still prepares the
 * next, and the jobs of one run start together.
 *
 * Without DRM_NPU_SUBMIT_PARALLEL each job takes its dependencies after
 * the jobs before it have installed their fences, so it may wait for
 * them; a job whose dependencies fail (an in-sync with no fence, say)
 * and those after it are not pushed: *@armed says how many before it are,
 * and the caller discards the rest.  With it, every job's dependencies
 * are taken before any job adds its fences (one job's fence may replace
 * an earlier one of the same context in a BO, and the jobs must not wait
 * for one another), and a failure pushes none.
 */
static int npu_submit_push(struct drm_file *file, struct npu_job **jobs,
			   u32 count, bool parallel, u32 *armed)
{
	struct npu_submit_bos sb;
	struct ww_acquire_ctx ctx;
	u32 i;
	int ret;

	*armed = 0;
	ret = npu_submit_bos_get(&sb, jobs, count);
	if (ret)
		return ret;
	ret = drm_gem_lock_reservations(sb.objs, sb.count, &ctx);
	if (ret)
		goto out_put;
	for (i = 0; !ret && i < sb.count; i++)
		ret = dma_resv_reserve_fences(sb.objs[i]->resv,
					      sb.slots ? sb.slots[i] : 1);
	for (i = 0; !ret && parallel && i < count; i++)
		ret = npu_job_add_deps(file, jobs[i]);
	for (i = 0; !ret && i < count; i++) {
		if (!parallel)
			ret = npu_job_add_deps(file, jobs[i]);
		if (ret)
			break;
		npu_job_arm(jobs[i]);
		*armed = i + 1;
	}
	drm_gem_unlock_reservations(sb.objs, sb.count, &ctx);
	if (*armed)
		npu_job_queue(jobs, *armed);
out_put:
	npu_submit_bos_put(&sb);
	return ret;
}

static int npu_submit_copy_jobs(struct drm_device *drm,
				const struct drm_npu_submit *args,
				struct drm_npu_job *jobs)
{
	u32 i;
	int ret;

	for (i = 0; i < args->job_count; i++) {
		void __user *src = u64_to_user_ptr(args->jobs) +
				   (u64)i * args->job_stride;

		/* A larger user struct must be zero beyond what we know. */
		ret = copy_struct_from_user(&jobs[i], sizeof(jobs[i]), src,
					    args->job_stride);
		if (ret) {
			drm_dbg(drm, "submit: job %u: copy %d\n", i, ret);
			return ret == -E2BIG ? -EINVAL : ret;
		}
	}
	return 0;
}

static int npu_submit_write_ids(const struct drm_npu_submit *args,
				struct npu_job **kjobs)
{
	u32 i;

	for (i = 0; i < args->job_count; i++) {
		u64 __user *dst = u64_to_user_ptr(args->jobs) +
				  (u64)i * args->job_stride +
				  offsetof(struct drm_npu_job, job_id);

		if (put_user(kjobs[i]->id, dst))
			return -EFAULT;
	}
	return 0;
}

/* npu_ioctl_submit() puts its job pointers after the user's jobs. */
static_assert(IS_ALIGNED(sizeof(struct drm_npu_job),
			 __alignof__(struct npu_job *)));

int npu_ioctl_submit(struct drm_device *drm, void *data,
		     struct drm_file *file)
{
	struct npu_file *nfile = to_npu_file(file);
	struct drm_npu_submit *args = data;
	struct drm_npu_job *jobs;
	struct npu_job **kjobs;
	u32 i, created = 0;
	int ret;

	args->submitted = 0;
	if (args->flags & ~DRM_NPU_SUBMIT_PARALLEL) {
		drm_dbg(drm, "submit: flags %#x\n", args->flags);
		return -EINVAL;
	}
	if (!args->job_count || args->job_count > NPU_SUBMIT_MAX_JOBS ||
	    args->job_stride < NPU_JOB_SIZE_V1 ||
	    args->job_stride > PAGE_SIZE || !IS_ALIGNED(args->job_stride, 8)) {
		drm_dbg(drm, "submit: %u jobs of %u bytes\n", args->job_count,
			args->job_stride);
		return -EINVAL;
	}
	if (READ_ONCE(nfile->banned))
		return -EBADFD;

	/* The kernel's jobs follow the user's in one allocation. */
	jobs = kvmalloc_array(args->job_count, sizeof(*jobs) + sizeof(*kjobs),
			      GFP_KERNEL);
	if (!jobs)
		return -ENOMEM;
	kjobs = (struct npu_job **)(jobs + args->job_count);
	ret = npu_submit_copy_jobs(drm, args, jobs);
	if (ret)
		goto out_free;

	mutex_lock(&nfile->submit_lock);
	for (created = 0; created < args->job_count; created++) {
		kjobs[created] = npu_job_create(file, &jobs[created]);
		if (IS_ERR(kjobs[created])) {
			ret = PTR_ERR(kjobs[created]);
			drm_dbg(drm, "submit: job %u: %d\n", created, ret);
			goto out_discard;
		}
	}
	ret = npu_submit_write_ids(args, kjobs);
	if (ret)
		goto out_discard;
	/* JOB_WAIT with DRM_NPU_WAIT_SUBMIT finds the SUBMIT's jobs by it. */
	for (i = 0; i < args->job_count; i++)
		kjobs[i]->record->submit_id = kjobs[0]->id;

	ret = npu_submit_push(file, kjobs, args->job_count,
			      args->flags & DRM_NPU_SUBMIT_PARALLEL, &i);
	if (ret)
		drm_dbg(drm, "submit: %u of %u jobs pushed: %d\n", i,
			args->job_count, ret);
	args->submitted = i;
	for (created = 0; created < i; created++) {
		WRITE_ONCE(kjobs[created]->record->submit_count, i);
		npu_job_put(kjobs[created]);
	}
	/* Jobs after a failed push never became visible. */
	for (; i < args->job_count; i++)
		npu_job_discard(kjobs[i]);
	mutex_unlock(&nfile->submit_lock);
	goto out_free;

out_discard:
	while (created--)
		npu_job_discard(kjobs[created]);
	mutex_unlock(&nfile->submit_lock);
out_free:
	kvfree(jobs);	/* and kjobs */
	return ret;
}

static u32 npu_job_status_from_error(int error)
{
	switch (error) {
	case 0:
		return DRM_NPU_JOB_DONE;
	case -ECANCELED:
	case -ESRCH:
	case -ENODEV:
		return DRM_NPU_JOB_CANCELLED;
	default:
		return DRM_NPU_JOB_ERROR;
	}
}

static struct npu_job_record *npu_job_record_get(struct npu_file *nfile,
						 u64 id)
{
	struct npu_job_record *rec;

	xa_lock(&nfile->records);
	rec = xa_load(&nfile->records, id);
	if (rec)
		kref_get(&rec->ref);
	xa_unlock(&nfile->records);
	return rec;
}

/* Wait for a job until @timeout_ns: 0, -ETIME or -ERESTARTSYS. */
static int npu_job_record_wait(struct npu_job_record *rec, s64 timeout_ns)
{
	/* Clamped below MAX_SCHEDULE_TIMEOUT: a long stays positive. */
	long timeout = drm_timeout_abs_to_jiffies(timeout_ns);

	if (timeout) {
		timeout = dma_fence_wait_timeout(rec->finished, true, timeout);
		if (timeout < 0)
			return timeout;
	}
	if (!dma_fence_is_signaled(rec->finished))
		return -ETIME;
	/* The record was written before the fence signalled: read it after. */
	smp_rmb();
	return 0;
}

/*
 * Add a finished job to what JOB_WAIT reports: its status replaces the
 * one reported so far if it is the first job, or the first failure
 * after only successes and cancellations (a cancellation follows from
 * another job's failure, a ban, more often than it is the news).
 */
static void npu_job_wait_add(struct drm_npu_job_wait *args,
			     const struct npu_job_record *rec, u64 id)
{
	int error = rec->finished->error;
	/* Jobs the core never ran have no record of their own. */
	u32 status = rec->status ? rec->status :
				   npu_job_status_from_error(error);

	if (!args->count ||
	    (status != DRM_NPU_JOB_DONE && status != DRM_NPU_JOB_CANCELLED &&
	     (args->status == DRM_NPU_JOB_DONE ||
	      args->status == DRM_NPU_JOB_CANCELLED)) ||
	    (status == DRM_NPU_JOB_CANCELLED &&
	     args->status == DRM_NPU_JOB_DONE)) {
		args->status = status;
		args->error = rec->status ? rec->error : error;
		args->fault_va = rec->fault_va;
		args->core = rec->core;
		args->reason = rec->reason;
		args->status_id = id;
	}
	args->count++;
	args->busy_ns += rec->busy_ns;
	args->max_busy_ns = max(args->max_busy_ns, rec->busy_ns);
	if (rec->start_ns) {
		if (!args->start_ns || rec->start_ns < args->start_ns)
			args->start_ns = rec->start_ns;
		args->end_ns = max(args->end_ns, rec->start_ns + rec->busy_ns);
	}
}

/* JOB_WAIT's out fields, as for a job that has not ended */
static void npu_job_wait_clear(struct drm_npu_job_wait *args)
{
	args->status = DRM_NPU_JOB_PENDING;
	args->error = 0;
	args->fault_va = 0;
	args->core = 0;
	args->busy_ns = 0;
	args->reason = DRM_NPU_REASON_NONE;
	args->pad = 0;
	args->count = 0;
	args->pad2 = 0;
	args->status_id = 0;
	args->start_ns = 0;
	args->end_ns = 0;
	args->max_busy_ns = 0;
}

int npu_ioctl_job_wait(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct npu_file *nfile = to_npu_file(file);
	struct drm_npu_job_wait *args = data;
	bool all = args->flags & DRM_NPU_WAIT_SUBMIT;
	struct npu_job_record *rec, *first;
	u64 id, start;
	u32 count;
	int ret = 0;

	if ((args->flags & ~DRM_NPU_WAIT_SUBMIT) || args->timeout_ns < 0) {
		drm_dbg(drm, "job_wait: flags %#x timeout %lld\n", args->flags,
			args->timeout_ns);
		return -EINVAL;
	}
	first = npu_job_record_get(nfile, args->job_id);
	if (!first)
		return -ENOENT;

	npu_job_wait_clear(args);

	/*
	 * The SUBMIT's jobs have the ids submit_id.., at most
	 * NPU_SUBMIT_MAX_JOBS of them; those it did not queue have no
	 * record, and the next SUBMIT's have another submit_id.  Records
	 * go oldest first: the job's own is here, so a missing earlier one
	 * is gone, and so is the status of the whole SUBMIT.  So is a later
	 * one within the jobs the SUBMIT queued, once it has said how many
	 * (other threads' SUBMITs may push records out meanwhile).
	 */
	start = all ? first->submit_id : args->job_id;
	count = all ? READ_ONCE(first->submit_count) : 1;
	for (id = start; id < start + (count ?: NPU_SUBMIT_MAX_JOBS); id++) {
		rec = id == args->job_id ? first : npu_job_record_get(nfile, id);
		if (!rec) {
			if (id < args->job_id || count)
				ret = -ENOENT;
			break;
		}
		if (rec->submit_id != first->submit_id) {
			if (rec != first)
				npu_job_record_put(rec);
			break;
		}
		ret = npu_job_record_wait(rec, args->timeout_ns);
		if (!ret)
			npu_job_wait_add(args, rec, id);
		if (rec != first)
			npu_job_record_put(rec);
		if (ret)
			break;
	}
	npu_job_record_put(first);
	if (ret)	/* a wait that did not end reports nothing */
		npu_job_wait_clear(args);
	return ret;
}

static struct dma_fence *npu_job_run(struct drm_sched_job *sched_job)
{
	struct npu_job *job = to_npu_job(sched_job);
	struct npu_device *ndev = job->nfile->ndev;
	struct dma_fence *fence;
	int error = job->base.s_fence->finished.error;
	int idx;

	if (!error && (READ_ONCE(job->nfile->banned) ||
		       READ_ONCE(job->nfile->closing)))
		error = -ECANCELED;
	if (!error && !drm_dev_enter(&ndev->drm, &idx))
		error = -ENODEV;
	if (error) {
		job->record->status = DRM_NPU_JOB_CANCELLED;
		job->record->error = error;
		job->record->core = job->core->index;
		return ERR_PTR(error);
	}
	fence = npu_core_run(job->core, job);
	drm_dev_exit(idx);
	return fence;
}

/*
 * The scheduler frees jobs from its own work items: the job goes here,
 * its file state's last reference (which may let the module go) from the
 * module's release queue (npu_file_put_outside()).
 */
static void npu_job_free(struct drm_sched_job *sched_job)
{
	struct npu_job *job = to_npu_job(sched_job);

	npu_job_queue_next(job);
	drm_sched_job_cleanup(&job->base);
	npu_job_put(job);
}

/*
 * No timedout_job: the scheduler's timeout is off and each core runs a
 * watchdog of its own (npu_core.c) that checks progress before it calls
 * a job hung, which the 6.12 scheduler cannot do without a stop/start
 * cycle of the whole core.
 */
const struct drm_sched_backend_ops npu_sched_ops = {
	.run_job = npu_job_run,
	.free_job = npu_job_free,
};

/**
 * npu_job_file_open() - one scheduler entity per core for a new file
 * @nfile: the file
 *
 * Return: 0 or a negative errno.
 */
int npu_job_file_open(struct npu_file *nfile)
{
	struct npu_device *ndev = nfile->ndev;
	unsigned int i;
	int ret;

	spin_lock_init(&nfile->held_lock);
	for (i = 0; i < ndev->info.core_count; i++)
		INIT_LIST_HEAD(&nfile->held[i]);
	for (i = 0; i < ndev->info.core_count; i++) {
		struct drm_gpu_scheduler *sched = &ndev->cores[i].sched;

		ret = drm_sched_entity_init(&nfile->entities[i],
					    DRM_SCHED_PRIORITY_NORMAL,
					    &sched, 1, NULL);
		if (ret) {
			while (i--)
				drm_sched_entity_destroy(&nfile->entities[i]);
			return ret;
		}
	}
	return 0;
}

/*
 * End a closing file's entity on a core while the core's scheduler is
 * paused.  In 6.12, drm_sched_entity_pop_job() puts the entity back into
 * its run queue's FIFO tree whenever it leaves a next job behind, also
 * when drm_sched_entity_kill() took the entity out meanwhile; the entity,
 * freed with the file, then stays in the tree and the next tree update
 * oopses (seen in rb_erase under kill -9 with jobs held).  A file has
 * more than one job in an entity only here, at close, so only here can
 * a pop leave one behind: with the scheduler's work items stopped, no
 * pop runs while the entity goes.  Pauses of one core are serialized, as
 * drm_sched_wqueue_start() would end another closer's pause early.
 */
static void npu_job_entity_kill(struct npu_core *core,
				struct drm_sched_entity *entity)
{
	/*
	 * Nothing enters the entity any more: with no job in it, no pop can
	 * find one behind its own, and the scheduler (maybe running another
	 * file's job) need not stop.  Not so with one: the pop counts its
	 * job out before it looks for the next, so one left may be the next
	 * of a pop in progress.
	 */
	if (!spsc_queue_count(&entity->job_queue)) {
		drm_sched_entity_fini(entity);
	} else {
		mutex_lock(&core->sched_pause_lock);
		drm_sched_wqueue_stop(&core->sched);
		drm_sched_entity_fini(entity);
		drm_sched_wqueue_start(&core->sched);
		mutex_unlock(&core->sched_pause_lock);
	}
	/* the entity must be in no tree of the scheduler's now */
	drm_WARN_ON_ONCE(&core->ndev->drm,
			 !RB_EMPTY_NODE(&entity->rb_tree_node));
}

/**
 * npu_job_file_close() - end a closing file's work and drop its records
 * @nfile: the file
 *
 * The file's jobs get close_grace_ms to finish (none when the process
 * was killed); then the queued ones are cancelled and the running ones
 * stopped, each core reset, so close() returns in bounded time and a
 * closed file holds no core.
 */
void npu_job_file_close(struct npu_file *nfile)
{
	unsigned long grace = msecs_to_jiffies(READ_ONCE(close_grace_ms));
	struct npu_device *ndev = nfile->ndev;
	struct npu_job_record *rec;
	unsigned long id;
	unsigned int i;

	if (fatal_signal_pending(current) ||
	    ((current->flags & PF_EXITING) && current->exit_code == SIGKILL))
		grace = 0;
	if (grace)
		wait_var_event_timeout(&nfile->jobs,
				       !atomic_read(&nfile->jobs), grace);
	npu_job_release_held(nfile);
	for (i = 0; i < ndev->info.core_count; i++)
		npu_core_cancel_file(&ndev->cores[i], nfile);
	/*
	 * Not drm_sched_entity_destroy(): its flush waits, killably but
	 * without a bound, until the queue drains, and a queued job leaves
	 * it only once its dependencies (maybe another file's fences) have
	 * signalled.  The entity's fini ends the queued jobs at once
	 * (-ESRCH, reported as cancelled), each after its dependencies in
	 * the background; a job the scheduler already took is cancelled by
	 * run_job or npu_core_run() (closing is set).
	 */
	for (i = 0; i < ndev->info.core_count; i++)
		npu_job_entity_kill(&ndev->cores[i], &nfile->entities[i]);
	xa_for_each(&nfile->records, id, rec) {
		xa_erase(&nfile->records, id);
		npu_job_record_put(rec);
	}
}

#if IS_ENABLED(CONFIG_DRM_ACCEL_NPU_KUNIT_TEST)
#include "npu_job_test.c"
#endif
