// SPDX-License-Identifier: MIT
/*
 * Jobs and syncobjs.
 *
 * A &struct npu_job keeps the arrays DRM_IOCTL_NPU_SUBMIT reads, in the
 * kernel's own layout, so that submitting copies nothing but one
 * &struct drm_npu_job per job.  Arrays grow by doubling and are kept by
 * npu_job_reset(), so that a job rebuilt in a loop stops allocating.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "npu_priv.h"

_Static_assert(NPU_JOB_MAX_TASKS == DRM_NPU_MAX_TASKS, "max tasks");
_Static_assert(NPU_JOB_BO_WRITE == DRM_NPU_BO_REF_WRITE, "bo flag");
_Static_assert(NPU_JOB_BO_NO_IMPLICIT == DRM_NPU_BO_REF_NO_IMPLICIT, "bo flag");
_Static_assert((int)NPU_JOB_PENDING == (int)DRM_NPU_JOB_PENDING, "state");
_Static_assert((int)NPU_JOB_DONE == (int)DRM_NPU_JOB_DONE, "state");
_Static_assert((int)NPU_JOB_INVALID == (int)DRM_NPU_JOB_INVALID, "state");
_Static_assert((int)NPU_JOB_MMU_FAULT == (int)DRM_NPU_JOB_MMU_FAULT, "state");
_Static_assert((int)NPU_JOB_TIMEOUT == (int)DRM_NPU_JOB_TIMEOUT, "state");
_Static_assert((int)NPU_JOB_CANCELLED == (int)DRM_NPU_JOB_CANCELLED, "state");
_Static_assert((int)NPU_JOB_ERROR == (int)DRM_NPU_JOB_ERROR, "state");
_Static_assert((int)NPU_JOB_OVERTIME == (int)DRM_NPU_JOB_OVERTIME, "state");
_Static_assert((int)NPU_JOB_REASON_NONE == (int)DRM_NPU_REASON_NONE, "reason");
_Static_assert((int)NPU_JOB_REASON_BAD_WORD == (int)DRM_NPU_REASON_BAD_WORD,
	       "reason");
_Static_assert((int)NPU_JOB_REASON_NO_OP_EN == (int)DRM_NPU_REASON_NO_OP_EN,
	       "reason");
_Static_assert((int)NPU_JOB_REASON_UNSUPPORTED ==
	       (int)DRM_NPU_REASON_UNSUPPORTED, "reason");
_Static_assert((int)NPU_JOB_REASON_LIMIT == (int)DRM_NPU_REASON_LIMIT,
	       "reason");
_Static_assert((int)NPU_JOB_REASON_CBUF == (int)DRM_NPU_REASON_CBUF, "reason");
_Static_assert((int)NPU_JOB_REASON_INCONSISTENT ==
	       (int)DRM_NPU_REASON_INCONSISTENT, "reason");
_Static_assert(NPU_SYNCOBJ_SIGNALED == DRM_SYNCOBJ_CREATE_SIGNALED, "syncobj");

/*
 * Make room for one more element in *@array of @count used and *@cap
 * allocated elements of @size bytes (and as many in *@array2 when given).
 */
static int npu_grow(void **array, void **array2, size_t size, size_t size2,
		    uint32_t count, uint32_t *cap)
{
	uint32_t new_cap;
	void *p;

	if (count < *cap)
		return 0;
	new_cap = *cap ? 2 * *cap : 4;
	p = realloc(*array, (size_t)new_cap * size);
	if (!p)
		return -ENOMEM;
	*array = p;
	if (array2) {
		p = realloc(*array2, (size_t)new_cap * size2);
		if (!p)
			return -ENOMEM;	/* *array is larger, harmless */
		*array2 = p;
	}
	*cap = new_cap;
	return 0;
}

NPU_PUBLIC int npu_job_new(struct npu_device *dev, struct npu_vm *vm,
			   struct npu_job **job)
{
	struct npu_job *j;

	if (!job)
		return -EINVAL;
	*job = NULL;
	if (!dev)
		return -EINVAL;
	if (vm && vm->dev != dev) {
		libnpu_dbg("job_new: vm %u is of another device", vm->id);
		return -EINVAL;
	}

	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->dev = dev;
	j->vm = npu_vm_ref(vm ? vm : &dev->default_vm);
	*job = j;
	return 0;
}

NPU_PUBLIC void npu_job_reset(struct npu_job *job)
{
	uint32_t i;

	if (!job)
		return;
	for (i = 0; i < job->bo_count; i++)
		npu_bo_unref(job->bos[i]);
	job->task_count = 0;
	job->bo_count = 0;
	job->in_sync_count = 0;
	job->out_sync_count = 0;
	job->id = 0;
	job->submit_id = 0;
	job->submit_count = 0;
}

void libnpu_job_clear_syncs(struct npu_job *job)
{
	job->in_sync_count = 0;
	job->out_sync_count = 0;
}

NPU_PUBLIC void npu_job_destroy(struct npu_job *job)
{
	if (!job)
		return;
	npu_job_reset(job);
	free(job->tasks);
	free(job->bo_refs);
	free(job->bos);
	free(job->in_syncs);
	free(job->out_syncs);
	npu_vm_unref(job->vm);
	free(job);
}

NPU_PUBLIC int npu_job_add_task(struct npu_job *job, uint64_t regcmd_va,
				uint32_t words)
{
	struct drm_npu_task *t;
	int ret;

	if (!job)
		return -EINVAL;
	if ((regcmd_va & 15) || !words || words > NPU_JOB_MAX_TASK_WORDS) {
		libnpu_dbg("job: task at %#llx of %u words",
			(unsigned long long)regcmd_va, words);
		return -EINVAL;
	}
	if (job->task_count >= NPU_JOB_MAX_TASKS)
		return -E2BIG;
	ret = npu_grow((void **)&job->tasks, NULL, sizeof(*job->tasks), 0,
		       job->task_count, &job->task_cap);
	if (ret)
		return ret;

	t = &job->tasks[job->task_count++];
	t->regcmd_va = regcmd_va;
	t->regcmd_count = words;
	t->flags = 0;
	return 0;
}

NPU_PUBLIC int npu_job_add_bo(struct npu_job *job, struct npu_bo *bo,
			      uint32_t flags)
{
	struct drm_npu_bo_ref *ref;
	uint32_t i;
	int ret;

	if (!job || !bo || (flags & ~(NPU_JOB_BO_WRITE | NPU_JOB_BO_NO_IMPLICIT)))
		return -EINVAL;
	if (bo->dev != job->dev) {
		libnpu_dbg("job: bo %u is of another device", bo->handle);
		return -EINVAL;
	}
	/* Only a skipped wait: an older kernel waits, which is always right. */
	if (!(job->dev->info.caps & DRM_NPU_CAP_NO_IMPLICIT))
		flags &= ~NPU_JOB_BO_NO_IMPLICIT;
	/* The kernel takes each BO once; a wait asked once is kept. */
	for (i = 0; i < job->bo_count; i++) {
		if (job->bos[i] == bo) {
			uint32_t f = job->bo_refs[i].flags;

			job->bo_refs[i].flags = ((f | flags) & NPU_JOB_BO_WRITE) |
						(f & flags & NPU_JOB_BO_NO_IMPLICIT);
			return 0;
		}
	}
	if (job->bo_count >= NPU_JOB_MAX_BOS)
		return -E2BIG;
	ret = npu_grow((void **)&job->bo_refs, (void **)&job->bos,
		       sizeof(*job->bo_refs), sizeof(*job->bos),
		       job->bo_count, &job->bo_cap);
	if (ret)
		return ret;

	ref = &job->bo_refs[job->bo_count];
	ref->handle = bo->handle;
	ref->flags = flags;
	job->bos[job->bo_count++] = npu_bo_ref(bo);
	return 0;
}

static int npu_job_add_sync(struct npu_job *job, struct drm_npu_sync **syncs,
			    uint32_t *count, uint32_t *cap, uint32_t syncobj,
			    uint64_t point)
{
	struct drm_npu_sync *s;
	int ret;

	if (!job || !syncobj)
		return -EINVAL;
	if (*count >= NPU_JOB_MAX_SYNCS)
		return -E2BIG;
	ret = npu_grow((void **)syncs, NULL, sizeof(**syncs), 0, *count, cap);
	if (ret)
		return ret;

	s = &(*syncs)[(*count)++];
	s->handle = syncobj;
	s->flags = 0;
	s->point = point;
	return 0;
}

NPU_PUBLIC int npu_job_add_in_sync(struct npu_job *job, uint32_t syncobj,
				   uint64_t point)
{
	if (!job)
		return -EINVAL;
	return npu_job_add_sync(job, &job->in_syncs, &job->in_sync_count,
				&job->in_sync_cap, syncobj, point);
}

NPU_PUBLIC int npu_job_add_out_sync(struct npu_job *job, uint32_t syncobj,
				    uint64_t point)
{
	if (!job)
		return -EINVAL;
	return npu_job_add_sync(job, &job->out_syncs, &job->out_sync_count,
				&job->out_sync_cap, syncobj, point);
}

NPU_PUBLIC int npu_job_set_core_mask(struct npu_job *job, uint32_t mask)
{
	if (!job)
		return -EINVAL;
	if (mask & ~job->dev->info.core_mask) {
		libnpu_dbg("job: core mask %#x, the die has %#x", mask,
			job->dev->info.core_mask);
		return -EINVAL;
	}
	job->core_mask = mask;
	return 0;
}

static void npu_job_fill(const struct npu_job *job, struct drm_npu_job *args)
{
	memset(args, 0, sizeof(*args));
	args->tasks = (uintptr_t)job->tasks;
	args->bos = (uintptr_t)job->bo_refs;
	args->in_syncs = (uintptr_t)job->in_syncs;
	args->out_syncs = (uintptr_t)job->out_syncs;
	args->task_count = job->task_count;
	args->bo_count = job->bo_count;
	args->in_sync_count = job->in_sync_count;
	args->out_sync_count = job->out_sync_count;
	args->vm_id = job->vm->id;
	args->core_mask = job->core_mask;
}

NPU_PUBLIC int npu_job_submit(struct npu_job *const *jobs, unsigned int count,
			      unsigned int *submitted)
{
	return libnpu_job_submit_flags(jobs, count, 0, submitted);
}

int libnpu_job_submit_flags(struct npu_job *const *jobs, unsigned int count,
			 uint32_t flags, unsigned int *submitted)
{
	struct drm_npu_job args[NPU_SUBMIT_MAX_JOBS];
	struct npu_device *dev;
	unsigned int i, done = 0;
	int ret = 0;

	if (submitted)
		*submitted = 0;
	if (!jobs || !count || count > NPU_SUBMIT_MAX_JOBS || !jobs[0]) {
		libnpu_dbg("submit: %u jobs", count);
		return -EINVAL;
	}
	dev = jobs[0]->dev;
	for (i = 0; i < count; i++) {
		if (!jobs[i] || jobs[i]->dev != dev || !jobs[i]->task_count) {
			libnpu_dbg("submit: job %u: %s", i,
				!jobs[i] ? "NULL" : jobs[i]->dev != dev ?
				"of another device" : "no task");
			return -EINVAL;
		}
		npu_job_fill(jobs[i], &args[i]);
	}

	/*
	 * The kernel queues jobs in order and says how many it queued when
	 * it stops; after an interruption, submit only the rest.
	 */
	while (done < count) {
		struct drm_npu_submit submit = {
			.jobs = (uintptr_t)&args[done],
			.job_count = count - done,
			.job_stride = sizeof(args[0]),
			.flags = flags,
		};

		ret = ioctl(dev->fd, DRM_IOCTL_NPU_SUBMIT, &submit) ?
		      -errno : 0;
		if (!ret)
			submit.submitted = count - done;
		/* What one wait of the submission covers (npu_job_wait_all). */
		for (i = done; submit.submitted <= count - done &&
			       i < done + submit.submitted; i++) {
			jobs[i]->submit_id = args[done].job_id;
			jobs[i]->submit_count = submit.submitted;
		}
		if (!ret) {
			done = count;
			break;
		}
		if (submit.submitted <= count - done)
			done += submit.submitted;
		if (ret != -EINTR && ret != -EAGAIN)
			break;
		ret = 0;
	}

	for (i = 0; i < count; i++)
		jobs[i]->id = i < done ? args[i].job_id : 0;
	if (submitted)
		*submitted = done;
	if (ret)
		libnpu_dbg("submit: %u of %u jobs queued: %s", done, count,
			strerror(-ret));
	return ret;
}

NPU_PUBLIC uint64_t npu_job_id(const struct npu_job *job)
{
	return job ? job->id : 0;
}

static void npu_job_status_of(const struct drm_npu_job_wait *args,
			      struct npu_job_status *status)
{
	status->state = args->status;
	status->reason = args->reason;
	status->core = args->core;
	status->error = args->error;
	status->fault_va = args->fault_va;
	status->busy_ns = args->busy_ns;
	status->start_ns = args->start_ns;
	status->end_ns = args->end_ns;
	/* A kernel without the field waited for one job: its busy time. */
	status->max_busy_ns = args->count ? args->max_busy_ns : args->busy_ns;
}

/*
 * One JOB_WAIT; @flags 0 or DRM_NPU_WAIT_SUBMIT.  The struct is zeroed
 * first: a kernel of the 56-byte struct leaves the rest as it was.
 */
static int npu_job_wait_ioctl(struct npu_job *job, int64_t deadline,
			      uint32_t flags, struct drm_npu_job_wait *args)
{
	int ret;

	memset(args, 0, sizeof(*args));
	args->job_id = job->id;
	args->timeout_ns = deadline;
	args->flags = flags;
	ret = libnpu_do_ioctl(job->dev->fd, DRM_IOCTL_NPU_JOB_WAIT, args);
	if (ret && ret != -ETIME)
		libnpu_dbg("job %llu: DRM_NPU_JOB_WAIT%s: %s",
			(unsigned long long)job->id,
			flags ? " (submit)" : "", strerror(-ret));
	return ret;
}

NPU_PUBLIC int npu_job_wait(struct npu_job *job, int64_t timeout_ns,
			    struct npu_job_status *status)
{
	struct drm_npu_job_wait args;
	int ret;

	if (status)
		memset(status, 0, sizeof(*status));
	if (!job || !job->id)
		return -EINVAL;

	ret = npu_job_wait_ioctl(job, libnpu_abs_timeout(timeout_ns), 0, &args);
	if (!ret && status)
		npu_job_status_of(&args, status);
	return ret;
}

/* Whether a failure of state @state is news beside one of state @old. */
static bool npu_job_state_worse(uint32_t state, uint32_t old)
{
	if (old == NPU_JOB_DONE)
		return state != NPU_JOB_DONE;
	return old == NPU_JOB_CANCELLED && state != NPU_JOB_DONE &&
	       state != NPU_JOB_CANCELLED;
}

/* Add the status of jobs[@index..] to the set's, as the kernel does. */
static void npu_job_status_add(struct npu_job_status *all,
			       const struct npu_job_status *s, uint32_t index,
			       bool first)
{
	if (first || npu_job_state_worse(s->state, all->state)) {
		all->state = s->state;
		all->reason = s->reason;
		all->core = s->core;
		all->error = s->error;
		all->fault_va = s->fault_va;
		all->index = index;
	}
	all->busy_ns += s->busy_ns;
	if (s->max_busy_ns > all->max_busy_ns)
		all->max_busy_ns = s->max_busy_ns;
	if (s->start_ns) {
		if (!all->start_ns || s->start_ns < all->start_ns)
			all->start_ns = s->start_ns;
		if (s->end_ns > all->end_ns)
			all->end_ns = s->end_ns;
	}
}

/*
 * How many of @jobs, from the first, one DRM_NPU_WAIT_SUBMIT covers: all
 * the jobs its SUBMIT ioctl queued, in their order, or none.
 */
static unsigned int npu_job_whole_submit(struct npu_job *const *jobs,
					 unsigned int count)
{
	const struct npu_job *j = jobs[0];
	unsigned int i;

	if (!(j->dev->info.caps & DRM_NPU_CAP_WAIT_SUBMIT) ||
	    j->id != j->submit_id || j->submit_count < 2 ||
	    j->submit_count > count)
		return 0;
	for (i = 1; i < j->submit_count; i++)
		if (jobs[i]->dev != j->dev || jobs[i]->id != j->id + i ||
		    jobs[i]->submit_id != j->submit_id)
			return 0;
	return j->submit_count;
}

/*
 * After a SUBMIT-wide wait that failed: each of @n jobs on its own, so
 * that none is left running.  0, -ETIME, or the first error.
 */
static int npu_job_wait_each(struct npu_job *const *jobs, unsigned int n,
			     int64_t deadline, uint64_t *ioctls)
{
	struct drm_npu_job_wait args;
	unsigned int k;
	int ret = 0;

	for (k = 0; k < n; k++) {
		int r = npu_job_wait_ioctl(jobs[k], deadline, 0, &args);

		if (ioctls)
			++*ioctls;
		if (r == -ETIME)
			return r;
		if (r && !ret)
			ret = r;
	}
	return ret;
}

int libnpu_job_wait_all(struct npu_job *const *jobs, unsigned int count,
		     int64_t timeout_ns, struct npu_job_status *status,
		     uint64_t *ioctls)
{
	struct npu_job_status all = { 0 }, s = { 0 };
	struct drm_npu_job_wait args;
	int64_t deadline;
	unsigned int i, n;
	int ret = 0;

	if (status)
		memset(status, 0, sizeof(*status));
	if (!jobs || !count || count > NPU_SUBMIT_MAX_JOBS)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (!jobs[i] || !jobs[i]->id || jobs[i]->dev != jobs[0]->dev)
			return -EINVAL;

	/*
	 * Every job is waited for even after a failed wait (but a timeout):
	 * a caller told of an error may reuse the jobs' buffers at once.
	 */
	deadline = libnpu_abs_timeout(timeout_ns);
	for (i = 0; i < count; i += n) {
		int r;

		n = npu_job_whole_submit(jobs + i, count - i);
		r = npu_job_wait_ioctl(jobs[i], deadline,
				       n ? DRM_NPU_WAIT_SUBMIT : 0, &args);
		if (ioctls)
			++*ioctls;
		if (r == -ETIME)
			return r;	/* still running: the caller waits again */
		if (!r && n && args.count != n) {
			/* Not the SUBMIT we queued: a bug, say so. */
			libnpu_dbg("job %llu: the wait covered %u jobs, not %u",
				(unsigned long long)jobs[i]->id, args.count, n);
			r = -EIO;
		}
		if (r && n > 1 &&
		    npu_job_wait_each(jobs + i, n, deadline, ioctls) == -ETIME)
			return -ETIME;
		if (!n)
			n = 1;
		if (r) {
			if (!ret)
				ret = r;
			continue;
		}
		npu_job_status_of(&args, &s);
		npu_job_status_add(&all, &s, i + (n > 1 ? (uint32_t)(args.status_id -
						jobs[i]->id) : 0), !i);
	}
	if (!ret && status)
		*status = all;
	return ret;
}

NPU_PUBLIC int npu_job_wait_all(struct npu_job *const *jobs,
				unsigned int count, int64_t timeout_ns,
				struct npu_job_status *status)
{
	return libnpu_job_wait_all(jobs, count, timeout_ns, status, NULL);
}

NPU_PUBLIC const char *npu_job_state_name(uint32_t state)
{
	static const char *const names[] = {
		[NPU_JOB_PENDING] = "pending",
		[NPU_JOB_DONE] = "done",
		[NPU_JOB_INVALID] = "invalid",
		[NPU_JOB_MMU_FAULT] = "mmu-fault",
		[NPU_JOB_TIMEOUT] = "timeout",
		[NPU_JOB_CANCELLED] = "cancelled",
		[NPU_JOB_ERROR] = "error",
		[NPU_JOB_OVERTIME] = "overtime",
	};

	if (state >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[state];
}

NPU_PUBLIC int npu_syncobj_new(struct npu_device *dev, uint32_t flags,
			       uint32_t *handle)
{
	struct drm_syncobj_create args = { 0 };
	int ret;

	if (!handle)
		return -EINVAL;
	*handle = 0;
	if (!dev || (flags & ~NPU_SYNCOBJ_SIGNALED))
		return -EINVAL;

	args.flags = flags;
	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_CREATE, &args);
	if (ret) {
		libnpu_dbg("DRM_IOCTL_SYNCOBJ_CREATE: %s", strerror(-ret));
		return ret;
	}
	*handle = args.handle;
	return 0;
}

int libnpu_syncobj_transfer(struct npu_device *dev, uint32_t dst,
			 uint64_t dst_point, uint32_t src, uint64_t src_point)
{
	struct drm_syncobj_transfer args = {
		.src_handle = src, .dst_handle = dst,
		.src_point = src_point, .dst_point = dst_point,
	};
	int ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &args);

	if (ret)
		libnpu_dbg("syncobj %u:%llu -> %u:%llu: DRM_IOCTL_SYNCOBJ_TRANSFER: %s",
			src, (unsigned long long)src_point, dst,
			(unsigned long long)dst_point, strerror(-ret));
	return ret;
}

NPU_PUBLIC int npu_syncobj_destroy(struct npu_device *dev, uint32_t handle)
{
	struct drm_syncobj_destroy args = { .handle = handle };
	int ret;

	if (!dev)
		return -EINVAL;
	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &args);
	if (ret)
		libnpu_dbg("syncobj %u: DRM_IOCTL_SYNCOBJ_DESTROY: %s", handle,
			strerror(-ret));
	return ret;
}

NPU_PUBLIC int npu_syncobj_wait(struct npu_device *dev, uint32_t handle,
				uint64_t point, int64_t timeout_ns)
{
	int64_t deadline;
	int ret;

	if (!dev)
		return -EINVAL;
	deadline = libnpu_abs_timeout(timeout_ns);

	if (point) {
		struct drm_syncobj_timeline_wait args = {
			.handles = (uintptr_t)&handle,
			.points = (uintptr_t)&point,
			.timeout_nsec = deadline,
			.count_handles = 1,
			.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
		};

		ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
				   &args);
	} else {
		struct drm_syncobj_wait args = {
			.handles = (uintptr_t)&handle,
			.timeout_nsec = deadline,
			.count_handles = 1,
			.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
		};

		ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_WAIT, &args);
	}
	if (ret && ret != -ETIME)
		libnpu_dbg("syncobj %u point %llu: wait: %s", handle,
			(unsigned long long)point, strerror(-ret));
	return ret;
}

NPU_PUBLIC int npu_syncobj_export_sync_file(struct npu_device *dev,
					    uint32_t handle, int *fd)
{
	struct drm_syncobj_handle args = { 0 };
	int ret;

	if (!fd)
		return -EINVAL;
	*fd = -1;
	if (!dev)
		return -EINVAL;

	args.handle = handle;
	args.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
	args.fd = -1;
	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &args);
	if (ret) {
		libnpu_dbg("syncobj %u: export sync file: %s", handle,
			strerror(-ret));
		return ret;
	}
	*fd = args.fd;
	return 0;
}

NPU_PUBLIC int npu_syncobj_import_sync_file(struct npu_device *dev,
					    uint32_t handle, int fd)
{
	struct drm_syncobj_handle args = { 0 };
	int ret;

	if (!dev)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;

	args.handle = handle;
	args.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
	args.fd = fd;
	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &args);
	if (ret)
		libnpu_dbg("syncobj %u: import sync file %d: %s", handle, fd,
			strerror(-ret));
	return ret;
}
