// SPDX-License-Identifier: MIT
/*
 * GEMM plans: the device half of the GEMM helper.
 *
 * A plan owns its buffers: the packed input (read by every core), the
 * packed weights, one output buffer per core and the command streams of
 * every task, all mapped once into a VM of the plan's device.  A run packs
 * A, submits one job per core in a single SUBMIT, waits for each job and
 * unpacks C.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

/**
 * struct npu_gemm_buf - a BO mapped for the CPU and into the plan's VM
 * @handle: GEM handle
 * @size: bytes
 * @cpu: CPU mapping
 * @va: device address
 */
struct npu_gemm_buf {
	uint32_t handle;
	uint64_t size;
	void *cpu;
	uint64_t va;
};

/**
 * struct npu_gemm_plan - a planned GEMM
 */
struct npu_gemm_plan {
	struct npu_device *dev;
	struct npu_gemm_tiling t;
	uint32_t vm_id;
	bool own_vm;
	struct npu_gemm_buf in, w, regcmd;
	struct npu_gemm_buf out[NPU_MAX_CORES];
	void *out_cpu[NPU_MAX_CORES];
	struct drm_npu_task *tasks;
	struct drm_npu_job jobs[NPU_MAX_CORES];
	struct npu_bo_list bos[NPU_MAX_CORES];	/* of each job */
	bool weights_set;
	bool input_shared;	/* @in is another plan's, imported */
	struct npu_gemm_stats stats;
	struct drm_npu_job_wait last_fail;
};

static uint64_t npu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void npu_gemm_buf_free(struct npu_gemm_plan *p, struct npu_gemm_buf *b)
{
	struct drm_gem_close close_args = { .handle = b->handle };

	if (b->va) {
		struct drm_npu_vm_unmap u = {
			.vm_id = p->vm_id, .va = b->va, .size = b->size,
		};

		npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_VM_UNMAP, &u);
	}
	if (b->cpu)
		munmap(b->cpu, b->size);
	if (b->handle)
		npu_do_ioctl(p->dev->fd, DRM_IOCTL_GEM_CLOSE, &close_args);
	memset(b, 0, sizeof(*b));
}

static int npu_gemm_buf_new(struct npu_gemm_plan *p, struct npu_gemm_buf *b,
			    uint64_t size, uint32_t map_flags)
{
	struct drm_npu_bo_create create = { .size = size ? size : 1 };
	struct drm_npu_bo_info info = { 0 };
	struct drm_npu_vm_map map = { 0 };
	int ret;

	ret = npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_BO_CREATE, &create);
	if (ret)
		return ret;
	b->handle = create.handle;
	info.handle = b->handle;
	ret = npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_BO_INFO, &info);
	if (ret)
		return ret;
	b->size = info.size;
	b->cpu = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      p->dev->fd, (off_t)info.mmap_offset);
	if (b->cpu == MAP_FAILED) {
		b->cpu = NULL;
		return -errno;
	}
	map.vm_id = p->vm_id;
	map.handle = b->handle;
	map.size = b->size;
	map.flags = DRM_NPU_MAP_READ | map_flags;
	ret = npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_VM_MAP, &map);
	if (ret)
		return ret;
	b->va = map.va;
	return 0;
}

static void npu_gemm_bufs_free(struct npu_gemm_plan *p)
{
	uint32_t i;

	npu_gemm_buf_free(p, &p->in);
	npu_gemm_buf_free(p, &p->w);
	npu_gemm_buf_free(p, &p->regcmd);
	for (i = 0; i < NPU_MAX_CORES; i++)
		npu_gemm_buf_free(p, &p->out[i]);
}

static int npu_gemm_bufs_new(struct npu_gemm_plan *p)
{
	const struct npu_gemm_tiling *t = &p->t;
	uint32_t i;
	int ret;

	ret = npu_gemm_buf_new(p, &p->in, t->in_bytes, 0);
	if (!ret)
		ret = npu_gemm_buf_new(p, &p->w, t->w_bytes, 0);
	if (!ret)
		ret = npu_gemm_buf_new(p, &p->regcmd, (uint64_t)t->task_count *
				       NPU_TASK_WORDS * 8, 0);
	for (i = 0; !ret && i < t->cores; i++)
		ret = npu_gemm_buf_new(p, &p->out[i], t->out_bytes[i],
				       DRM_NPU_MAP_WRITE);
	return ret;
}

/* The plan's buffers go into the file's VM, or a VM of their own when
 * that one is full: so plans together can exceed one 4 GiB space. */
static int npu_gemm_map_all(struct npu_gemm_plan *p)
{
	struct drm_npu_vm_create vc = { 0 };
	int ret;

	p->vm_id = DRM_NPU_VM_DEFAULT;
	ret = npu_gemm_bufs_new(p);
	if (ret != -ENOSPC)
		return ret;
	npu_gemm_bufs_free(p);
	ret = npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_VM_CREATE, &vc);
	if (ret)
		return ret;
	p->vm_id = vc.vm_id;
	p->own_vm = true;
	npu_dbg("gemm: default VM full, plan uses VM %u", vc.vm_id);
	return npu_gemm_bufs_new(p);
}

/*
 * Emit every task's stream.  Each core's job lists the BOs its tasks
 * use, as the emitter recorded them: the input, the weights and the
 * streams are read, the core's output is written, and the kernel orders
 * the job after earlier jobs of the same BOs (implicit sync).
 */
static int npu_gemm_emit_all(struct npu_gemm_plan *p)
{
	const struct npu_gemm_tiling *t = &p->t;
	struct npu_gemm_bufs bufs = {
		.in = { p->in.handle, p->in.va },
		.w = { p->w.handle, p->w.va },
		.regcmd = { p->regcmd.handle, p->regcmd.va },
	};
	uint32_t c;
	int ret;

	for (c = 0; c < t->cores; c++)
		bufs.out[c] = (struct npu_emit_bo){ p->out[c].handle,
						    p->out[c].va };
	ret = npu_gemm_emit(t, &bufs, p->regcmd.cpu, p->tasks, p->bos);
	if (ret)
		return ret;
	for (c = 0; c < t->cores; c++) {
		p->jobs[c].tasks = (uintptr_t)&p->tasks[t->core_first[c]];
		p->jobs[c].task_count = t->core_tasks[c];
		p->jobs[c].bos = (uintptr_t)p->bos[c].refs;
		p->jobs[c].bo_count = p->bos[c].count;
		p->jobs[c].vm_id = p->vm_id;
		p->jobs[c].core_mask = 1u << c;
	}
	return 0;
}

/**
 * npu_gemm_plan_share_input() - read the input of another plan
 * @p: the plan, typically on another die
 * @src: the plan whose packed input @p reads
 *
 * @src's input BO is exported as a dma-buf and imported into @p's device,
 * mapped read-only in @p's VM in place of @p's own input, and @p's
 * command streams are emitted again for it.  From then on @p's submit
 * does not pack: @src's submit must pack the input first, and @src must
 * outlive @p.  Both plans must lay the input out alike (same M, K, type
 * and row tiling).
 *
 * Return: 0; -EINVAL when the layouts differ; or the error of the export,
 * import or mapping, and @p keeps its own input.
 */
int npu_gemm_plan_share_input(struct npu_gemm_plan *p,
			      const struct npu_gemm_plan *src)
{
	struct drm_prime_handle exp = {
		.handle = src->in.handle, .flags = DRM_CLOEXEC | DRM_RDWR,
	};
	struct drm_prime_handle imp = { 0 };
	struct drm_npu_vm_map map = { 0 };
	struct npu_gemm_buf own = p->in;
	int ret;

	if (p->t.mt != src->t.mt || p->t.g.kp != src->t.g.kp ||
	    p->t.in_bytes != src->t.in_bytes ||
	    p->t.desc.in_type != src->t.desc.in_type)
		return -EINVAL;
	ret = npu_do_ioctl(src->dev->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp);
	if (ret)
		return ret;
	imp.fd = exp.fd;
	ret = npu_do_ioctl(p->dev->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
	close(exp.fd);
	if (ret)
		return ret;
	map.vm_id = p->vm_id;
	map.handle = imp.handle;
	map.size = src->in.size;
	map.flags = DRM_NPU_MAP_READ;
	ret = npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_VM_MAP, &map);
	if (ret) {
		struct drm_gem_close gc = { .handle = imp.handle };

		npu_do_ioctl(p->dev->fd, DRM_IOCTL_GEM_CLOSE, &gc);
		return ret;
	}
	p->in = (struct npu_gemm_buf){
		.handle = imp.handle, .size = src->in.size, .va = map.va,
	};
	/* The jobs' BO lists have room: the same number of BOs as before. */
	ret = npu_gemm_emit_all(p);
	if (ret) {
		npu_gemm_buf_free(p, &p->in);
		p->in = own;
		npu_gemm_emit_all(p);
		return ret;
	}
	npu_gemm_buf_free(p, &own);
	p->input_shared = true;
	return 0;
}

NPU_PUBLIC void npu_gemm_plan_destroy(struct npu_gemm_plan *p)
{
	uint32_t c;

	if (!p)
		return;
	npu_gemm_bufs_free(p);
	if (p->own_vm) {
		struct drm_npu_vm_destroy vd = { .vm_id = p->vm_id };

		npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_VM_DESTROY, &vd);
	}
	npu_gemm_tiling_fini(&p->t);
	free(p->tasks);
	for (c = 0; c < NPU_MAX_CORES; c++)
		npu_bo_list_fini(&p->bos[c]);
	npu_device_unref(p->dev);
	free(p);
}

NPU_PUBLIC int npu_gemm_plan_new(struct npu_device *dev,
				 const struct npu_gemm_desc *desc,
				 uint32_t cores, struct npu_gemm_plan **plan)
{
	struct npu_gemm_plan *p;
	uint32_t c;
	int ret;

	if (plan)
		*plan = NULL;
	if (!dev || !desc || !plan)
		return -EINVAL;
	if (!cores || cores > dev->info.core_count)
		cores = dev->info.core_count;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dev = npu_device_ref(dev);
	ret = npu_gemm_tile(desc, cores, &p->t);
	if (ret)
		goto err;
	p->tasks = calloc(p->t.task_count, sizeof(*p->tasks));
	if (!p->tasks) {
		ret = -ENOMEM;
		goto err;
	}
	ret = npu_gemm_map_all(p);
	if (!ret)
		ret = npu_gemm_emit_all(p);
	if (ret)
		goto err;
	for (c = 0; c < p->t.cores; c++)
		p->out_cpu[c] = p->out[c].cpu;
	*plan = p;
	return 0;
err:
	npu_dbg("gemm: plan %ux%ux%u: %s", desc->m, desc->k, desc->n,
		strerror(-ret));
	npu_gemm_plan_destroy(p);
	return ret;
}

NPU_PUBLIC int npu_gemm_plan_set_weights(struct npu_gemm_plan *p,
					 const void *b)
{
	if (!p || !b)
		return -EINVAL;
	npu_gemm_pack_weights(&p->t, b, p->w.cpu);
	p->weights_set = true;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_submit(struct npu_gemm_plan *p, const void *a)
{
	struct drm_npu_submit submit = { 0 };
	uint64_t t0, t1;
	int ret;

	if (!p || !a || !p->weights_set)
		return -EINVAL;
	t0 = npu_now_ns();
	if (!p->input_shared)
		npu_gemm_pack_input(&p->t, a, p->in.cpu);
	t1 = npu_now_ns();
	submit.jobs = (uintptr_t)p->jobs;
	submit.job_count = p->t.cores;
	submit.job_stride = sizeof(p->jobs[0]);
	ret = npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_SUBMIT, &submit);
	p->stats.pack_ns += t1 - t0;
	p->stats.submit_ns += npu_now_ns() - t1;
	p->stats.submits++;
	p->stats.jobs += submit.submitted;
	if (ret)
		npu_dbg("gemm: submit: %s (%u of %u queued)", strerror(-ret),
			submit.submitted, p->t.cores);
	return ret;
}

static int npu_gemm_job_error(const struct drm_npu_job_wait *w)
{
	switch (w->status) {
	case DRM_NPU_JOB_DONE:
		return 0;
	case DRM_NPU_JOB_INVALID:
		return -EINVAL;
	case DRM_NPU_JOB_MMU_FAULT:
		return -EFAULT;
	case DRM_NPU_JOB_TIMEOUT:
		return -ETIMEDOUT;
	case DRM_NPU_JOB_CANCELLED:
		return -ECANCELED;
	default:
		return w->error ? w->error : -EIO;
	}
}

NPU_PUBLIC int npu_gemm_plan_wait(struct npu_gemm_plan *p, void *c)
{
	uint64_t t0, t1, longest = 0;
	uint32_t i;
	int ret = 0;

	if (!p || !c)
		return -EINVAL;
	t0 = npu_now_ns();
	for (i = 0; i < p->t.cores; i++) {
		struct drm_npu_job_wait w = {
			.job_id = p->jobs[i].job_id,
			.timeout_ns = (int64_t)(npu_now_ns() + 120000000000ull),
		};
		int r = npu_do_ioctl(p->dev->fd, DRM_IOCTL_NPU_JOB_WAIT, &w);

		if (!r) {
			r = npu_gemm_job_error(&w);
			p->stats.busy_ns += w.busy_ns;
			if (w.busy_ns > longest)
				longest = w.busy_ns;
		}
		if (r && !ret) {
			ret = r;
			p->last_fail = w;
			npu_dbg("gemm: job on core %u: status %u reason %u va 0x%llx",
				i, w.status, w.reason,
				(unsigned long long)w.fault_va);
		}
	}
	t1 = npu_now_ns();
	p->stats.wait_ns += t1 - t0;
	p->stats.device_ns += longest;
	if (ret)
		return ret;
	npu_gemm_unpack_output(&p->t, p->out_cpu, c);
	p->stats.unpack_ns += npu_now_ns() - t1;
	p->stats.runs++;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_run(struct npu_gemm_plan *p, const void *a,
				 void *c)
{
	int ret = npu_gemm_plan_submit(p, a);

	return ret ? ret : npu_gemm_plan_wait(p, c);
}

NPU_PUBLIC int npu_gemm_plan_get_stats(const struct npu_gemm_plan *p,
				       struct npu_gemm_stats *stats)
{
	if (!p || !stats)
		return -EINVAL;
	*stats = p->stats;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_last_fault(const struct npu_gemm_plan *p,
					uint32_t *status, uint32_t *reason,
					uint64_t *fault_va)
{
	if (!p || !status || !reason || !fault_va)
		return -EINVAL;
	*status = p->last_fail.status;
	*reason = p->last_fail.reason;
	*fault_va = p->last_fail.fault_va;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_info(const struct npu_gemm_plan *p,
				  struct npu_gemm_info *info)
{
	if (!p || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->cores = p->t.cores;
	info->tasks = p->t.task_count;
	info->m_tile = p->t.mt;
	info->n_tile = p->t.nt;
	info->weight_bytes = p->w.size;
	info->vm_id = p->vm_id;
	return 0;
}
