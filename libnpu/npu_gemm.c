// SPDX-License-Identifier: MIT
/*
 * GEMM plans: the device half of the GEMM helper, built on the library's
 * own BOs, VMs, jobs and syncobjs.
 *
 * Per die a plan owns, in the VM of the die's weights:
 *  - a regcmd BO with room for the streams of m_max rows;
 *  - for the host-pointer path, a packed-input BO of m_max rows (die 0's,
 *    imported by the other dies through dma-buf where the kernel can) and
 *    one output BO per core;
 *  - one reusable job per core used, rebuilt only when the streams are
 *    emitted anew (a new M, or other BOs), which a decode loop of M = 1
 *    never does.
 *
 * A run queues every die's jobs (one SUBMIT per die, DRM_NPU_SUBMIT_PARALLEL:
 * the cores' jobs share BOs but never a byte they write) before it waits
 * for any, so that dies and cores work at the same time.  The jobs of one die
 * signal consecutive points of a timeline syncobj of the plan: a point is
 * signalled once its job and every earlier one are, so the last point of
 * a run is the run's out-fence, handed to the caller's syncobj with one
 * transfer.  Where the kernel has NPU_CAP_WAIT_SUBMIT, one JOB_WAIT per
 * die waits for all of the die's jobs and still says how each failed
 * one ended: a run is one SUBMIT and one wait per die.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

/**
 * struct npu_gemm_buf - a BO mapped in the plan's VM (and for the CPU)
 * @bo: the BO, a reference
 * @cpu: CPU mapping, NULL for a caller's BO
 * @va: device address, 0 when not mapped
 * @size: bytes mapped
 */
struct npu_gemm_buf {
	struct npu_bo *bo;
	void *cpu;
	uint64_t va;
	uint64_t size;
};

/**
 * struct npu_gemm_pdie - a plan's work on one die
 * @dev: the die
 * @vm: the VM of the die's weights, a reference
 * @w: the die's weights
 * @tmax: the tiling at m_max (buffer sizes)
 * @t: the tiling of the streams last emitted
 * @in: the host path's packed input, own or imported from die 0
 * @regcmd: the streams
 * @out: the host path's outputs, one per core
 * @ext_a: the caller's input BO, as last used
 * @ext_c: the caller's output BO, as last used
 * @emit_m: M of the streams in @regcmd, 0 when none
 * @emit_in: input BO they read (its address may come back for another BO)
 * @emit_out: output BO they write (the caller's), NULL for @out
 * @jobs: one per core of @t
 * @timeline: the die's timeline syncobj, 0 until an out-sync is asked
 * @point: its last point
 * @submitted: jobs of the run in flight queued on this die
 * @waited: of those, the ones waited for (all or none)
 * @run_start: CLOCK_MONOTONIC start of the first job of the last run
 *             waited for, 0 when the kernel did not say
 * @run_end: end of its last job
 * @run_longest: its longest job
 * @shared_input: @in is die 0's, imported
 * @tasks: scratch for libnpu_gemm_emit(), room for @tmax's tasks
 * @bos: scratch: per core, the BO list of its tasks
 * @stats: accumulated statistics
 */
struct npu_gemm_pdie {
	struct npu_device *dev;
	struct npu_vm *vm;
	const struct npu_gemm_wdie *w;
	struct npu_gemm_tiling tmax, t;
	struct npu_gemm_buf in, regcmd, out[NPU_MAX_CORES];
	struct npu_gemm_buf ext_a, ext_c;
	uint32_t emit_m;
	const struct npu_bo *emit_in, *emit_out;
	struct npu_job *jobs[NPU_MAX_CORES];
	uint32_t timeline;
	uint64_t point;
	uint32_t submitted, waited;
	uint64_t run_start, run_end, run_longest;
	bool shared_input;
	struct drm_npu_task *tasks;
	struct npu_bo_list bos[NPU_MAX_CORES];
	struct npu_gemm_stats stats;
};

/**
 * struct npu_gemm_plan - GEMMs on a weights object
 * @w: the weights, a reference
 * @desc: how it runs
 * @dies: dies it runs on (those of the weights)
 * @cores: cores asked per die (0: all)
 * @die: the work of each die
 * @in_flight: a run was submitted and not waited for
 * @run_m: M of the run in flight
 * @run_c: where it unpacks C, NULL for a caller's BO
 * @run_failed: a job of the run in flight failed
 * @fault_die: die of the first failed job of the last failed run
 * @fault: that job's status
 */
struct npu_gemm_plan {
	struct npu_gemm_weights *w;
	struct npu_gemm_plan_desc desc;
	uint32_t dies;
	struct npu_gemm_pdie die[NPU_GROUP_MAX_DIES];
	bool in_flight;
	uint32_t run_m;
	void *run_c;
	bool run_failed;
	uint32_t fault_die;
	struct npu_job_status fault;
};

static void npu_gemm_buf_put(struct npu_gemm_pdie *pd, struct npu_gemm_buf *b)
{
	if (b->va)
		npu_vm_unmap(pd->vm, b->va, b->size);
	npu_bo_unref(b->bo);
	memset(b, 0, sizeof(*b));
}

/* Map @bo (with a new reference) into the die's VM as @b. */
static int npu_gemm_buf_map(struct npu_gemm_pdie *pd, struct npu_gemm_buf *b,
			    struct npu_bo *bo, uint32_t flags)
{
	b->bo = npu_bo_ref(bo);
	b->size = npu_bo_size(bo);
	return npu_vm_map(pd->vm, bo, 0, b->size, NPU_MAP_READ | flags, &b->va);
}

/* A new BO of the die, mapped for the CPU and the device. */
static int npu_gemm_buf_new(struct npu_gemm_pdie *pd, struct npu_gemm_buf *b,
			    uint64_t size, uint32_t flags)
{
	struct npu_bo *bo;
	int ret;

	ret = npu_bo_new(pd->dev, size ? size : 1, 0, &bo);
	if (ret)
		return ret;
	ret = npu_bo_map(bo, &b->cpu);
	if (!ret)
		ret = npu_gemm_buf_map(pd, b, bo, flags);
	npu_bo_unref(bo);
	return ret;
}

/*
 * Read die 0's packed input instead of packing one's own: its BO,
 * exported as a dma-buf and imported into this die.  Both dies lay the
 * input out alike (same M, K and type).
 */
static int npu_gemm_share_input(struct npu_gemm_pdie *pd,
				const struct npu_gemm_pdie *src)
{
	struct npu_gemm_buf own = pd->in;
	struct npu_bo *bo;
	int fd, ret;

	ret = npu_bo_export_dmabuf(src->in.bo, &fd);
	if (ret)
		return ret;
	ret = npu_bo_import_dmabuf(pd->dev, fd, &bo);
	close(fd);
	if (ret)
		return ret;
	memset(&pd->in, 0, sizeof(pd->in));
	ret = npu_gemm_buf_map(pd, &pd->in, bo, 0);
	npu_bo_unref(bo);
	if (ret) {
		npu_gemm_buf_put(pd, &pd->in);
		pd->in = own;
		return ret;
	}
	npu_gemm_buf_put(pd, &own);
	pd->shared_input = true;
	return 0;
}

static void npu_gemm_pdie_fini(struct npu_gemm_pdie *pd)
{
	uint32_t c;

	for (c = 0; c < NPU_MAX_CORES; c++) {
		npu_job_destroy(pd->jobs[c]);
		npu_gemm_buf_put(pd, &pd->out[c]);
		libnpu_bo_list_fini(&pd->bos[c]);
	}
	npu_gemm_buf_put(pd, &pd->in);
	npu_gemm_buf_put(pd, &pd->regcmd);
	npu_gemm_buf_put(pd, &pd->ext_a);
	npu_gemm_buf_put(pd, &pd->ext_c);
	if (pd->timeline)
		npu_syncobj_destroy(pd->dev, pd->timeline);
	libnpu_gemm_tiling_fini(&pd->tmax);
	libnpu_gemm_tiling_fini(&pd->t);
	free(pd->tasks);
	npu_vm_unref(pd->vm);
	memset(pd, 0, sizeof(*pd));
}

static int npu_gemm_pdie_init(struct npu_gemm_plan *p, uint32_t d)
{
	struct npu_gemm_pdie *pd = &p->die[d];
	const struct npu_gemm_wdie *wd = &p->w->die[d];
	struct npu_gemm_desc shape = wd->t.desc;
	uint32_t cores = p->desc.cores, c;
	int ret;

	pd->dev = wd->dev;
	pd->w = wd;
	pd->vm = npu_vm_ref(wd->vm);
	if (!cores)
		cores = pd->dev->info.core_count;
	shape.m = p->desc.m_max;
	shape.out_type = p->desc.out_type;
	ret = libnpu_gemm_tile(&shape, cores, 0, &pd->tmax);
	if (ret)
		return ret;
	/* Room for the global output layout's tiling too (never more tasks). */
	pd->tasks = calloc((size_t)pd->tmax.task_count + pd->tmax.cores,
			   sizeof(*pd->tasks));
	if (!pd->tasks)
		return -ENOMEM;
	ret = npu_gemm_buf_new(pd, &pd->regcmd, ((uint64_t)pd->tmax.task_count +
				pd->tmax.cores) * NPU_TASK_WORDS * 8, 0);
	if (!ret)
		ret = npu_gemm_buf_new(pd, &pd->in, pd->tmax.in_bytes, 0);
	for (c = 0; !ret && c < pd->tmax.cores; c++)
		ret = npu_gemm_buf_new(pd, &pd->out[c], pd->tmax.out_bytes[c],
				       NPU_MAP_WRITE);
	for (c = 0; !ret && c < pd->tmax.cores; c++)
		ret = npu_job_new(pd->dev, pd->vm, &pd->jobs[c]);
	if (ret)
		return ret;
	if (d && npu_gemm_share_input(pd, &p->die[0]))
		libnpu_dbg("gemm: die %u packs its own input", d);
	return 0;
}

NPU_PUBLIC void npu_gemm_plan_destroy(struct npu_gemm_plan *p)
{
	uint32_t d;

	if (!p)
		return;
	if (p->in_flight)
		npu_gemm_plan_wait(p, -1);
	/* die 0 last: the others may have imported its input */
	for (d = NPU_GROUP_MAX_DIES; d--;)
		npu_gemm_pdie_fini(&p->die[d]);
	npu_gemm_weights_unref(p->w);
	free(p);
}

NPU_PUBLIC int npu_gemm_plan_new(struct npu_gemm_weights *w,
				 const struct npu_gemm_plan_desc *desc,
				 struct npu_gemm_plan **plan)
{
	struct npu_gemm_plan *p;
	bool int8;
	uint32_t d;
	int ret;

	if (!plan)
		return -EINVAL;
	*plan = NULL;
	if (!w || !desc || !desc->m_max ||
	    !libnpu_zeroed(desc->reserved, sizeof(desc->reserved)))
		return -EINVAL;
	int8 = w->desc.in_type == NPU_DTYPE_INT8;
	if (int8 ? desc->out_type != NPU_DTYPE_INT32 :
		   desc->out_type != NPU_DTYPE_FP32 &&
		   desc->out_type != NPU_DTYPE_FP16) {
		libnpu_dbg("gemm: output type %u for input type %u",
			desc->out_type, w->desc.in_type);
		return -EINVAL;
	}
	for (d = 0; d < w->dies; d++) {
		if (desc->cores > w->die[d].dev->info.core_count) {
			libnpu_dbg("gemm: %u cores, die %u has %u", desc->cores, d,
				w->die[d].dev->info.core_count);
			return -EINVAL;
		}
	}

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->w = npu_gemm_weights_ref(w);
	p->desc = *desc;
	p->dies = w->dies;
	for (d = 0; d < p->dies; d++) {
		ret = npu_gemm_pdie_init(p, d);
		if (ret) {
			libnpu_dbg("gemm: plan of %u rows on die %u: %s",
				desc->m_max, d, strerror(-ret));
			npu_gemm_plan_destroy(p);
			return ret;
		}
	}
	*plan = p;
	return 0;
}

/* The BO of a handle the emitter recorded: one of the die's buffers. */
static struct npu_bo *npu_gemm_bo_of(const struct npu_gemm_pdie *pd,
				     uint32_t handle)
{
	const struct npu_gemm_buf *bufs[] = {
		&pd->in, &pd->regcmd, &pd->ext_a, &pd->ext_c,
	};
	size_t i;

	if (npu_bo_handle(pd->w->bo) == handle)
		return pd->w->bo;
	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		if (bufs[i]->bo && npu_bo_handle(bufs[i]->bo) == handle)
			return bufs[i]->bo;
	for (i = 0; i < NPU_MAX_CORES; i++)
		if (pd->out[i].bo && npu_bo_handle(pd->out[i].bo) == handle)
			return pd->out[i].bo;
	return NULL;
}

/*
 * The plan orders the runs on its own BOs itself: a run is waited for
 * before the next is submitted (-EBUSY otherwise), the CPU packs the
 * input and unpacks the outputs between runs under CPU_PREP (which still
 * waits for the jobs: their fences go into every BO), and nothing on the
 * device writes the weights or the streams.  The jobs then need not wait
 * on those BOs (no implicit dependencies to gather).  A caller's BO may
 * have been written by anyone, another device included: implicit sync.
 */
static uint32_t npu_gemm_bo_wait_flag(const struct npu_gemm_pdie *pd,
				      const struct npu_bo *bo)
{
	uint32_t c;

	if (bo == pd->w->bo || bo == pd->regcmd.bo || bo == pd->in.bo)
		return NPU_JOB_BO_NO_IMPLICIT;
	for (c = 0; c < NPU_MAX_CORES; c++)
		if (bo == pd->out[c].bo)
			return NPU_JOB_BO_NO_IMPLICIT;
	return 0;
}

/*
 * Emit the streams of a run of @m rows reading @in and writing @out (the
 * caller's BO) or the die's own outputs (@out NULL), and rebuild the
 * core jobs from them.  Each job lists the BOs its tasks use, as the
 * emitter recorded them: the kernel orders it after earlier jobs of the
 * same BOs (implicit sync), but for the plan's own (npu_gemm_bo_wait_flag()).
 */
static int npu_gemm_emit_die(struct npu_gemm_plan *p, struct npu_gemm_pdie *pd,
			     uint32_t m, const struct npu_gemm_buf *in,
			     const struct npu_gemm_buf *out)
{
	struct npu_gemm_desc shape = pd->tmax.desc;
	struct npu_gemm_bufs bufs = {
		.in = { npu_bo_handle(in->bo), in->va },
		.w = { npu_bo_handle(pd->w->bo), pd->w->va },
		.regcmd = { npu_bo_handle(pd->regcmd.bo), pd->regcmd.va },
	};
	uint32_t c, i;
	int ret, r;

	pd->emit_m = 0;
	shape.m = m;
	libnpu_gemm_tiling_fini(&pd->t);
	ret = libnpu_gemm_tile(&shape, pd->tmax.cores, out ? NPU_TILE_OUT_GLOBAL : 0,
			    &pd->t);
	if (ret)
		return ret;
	if (pd->t.task_count > pd->tmax.task_count + pd->tmax.cores)
		return -E2BIG;	/* cannot happen: fewer rows, fewer tasks */
	for (c = 0; c < pd->t.cores; c++) {
		const struct npu_gemm_buf *o = out ? out : &pd->out[c];

		bufs.out[c] = (struct npu_emit_bo){ npu_bo_handle(o->bo), o->va };
	}
	ret = libnpu_bo_cpu_begin(pd->regcmd.bo, NPU_BO_CPU_WRITE);
	if (ret)
		return ret;
	ret = libnpu_gemm_emit(&pd->t, &bufs, pd->regcmd.cpu, pd->tasks, pd->bos);
	r = libnpu_bo_cpu_end(pd->regcmd.bo, NPU_BO_CPU_WRITE);
	if (!ret)
		ret = r;
	for (c = 0; !ret && c < pd->t.cores; c++) {
		struct npu_job *job = pd->jobs[c];
		const struct npu_bo_list *l = &pd->bos[c];

		npu_job_reset(job);
		ret = npu_job_set_core_mask(job, 1u << c);
		for (i = 0; !ret && i < pd->t.core_tasks[c]; i++) {
			const struct drm_npu_task *tk =
				&pd->tasks[pd->t.core_first[c] + i];

			ret = npu_job_add_task(job, tk->regcmd_va,
					       tk->regcmd_count);
		}
		for (i = 0; !ret && i < l->count; i++) {
			struct npu_bo *bo = npu_gemm_bo_of(pd, l->refs[i].handle);

			ret = bo ? npu_job_add_bo(job, bo, l->refs[i].flags |
						  npu_gemm_bo_wait_flag(pd, bo)) :
				   -EINVAL;
		}
	}
	if (ret)
		return ret;
	pd->emit_m = m;
	pd->emit_in = in->bo;
	pd->emit_out = out ? out->bo : NULL;
	pd->stats.emits++;
	return 0;
}

/* Make @slot hold @bo mapped (the BO a caller passed), reusing a mapping. */
static int npu_gemm_use_bo(struct npu_gemm_pdie *pd, struct npu_gemm_buf *slot,
			   struct npu_bo *bo, uint64_t need, uint32_t flags)
{
	if (bo->dev != pd->dev || npu_bo_size(bo) < need) {
		libnpu_dbg("gemm: BO %u: %s (%llu bytes, the run needs %llu)",
			npu_bo_handle(bo), bo->dev != pd->dev ?
			"of another device" : "too small",
			(unsigned long long)npu_bo_size(bo),
			(unsigned long long)need);
		return -EINVAL;
	}
	if (slot->bo == bo)
		return 0;
	pd->emit_m = 0;		/* the streams name the BO: emit anew */
	npu_gemm_buf_put(pd, slot);
	return npu_gemm_buf_map(pd, slot, bo, flags);
}

static bool npu_gemm_sync_ok(const struct npu_gemm_sync *s)
{
	return !s->pad && (s->handle || !s->point);
}

static int npu_gemm_check_run(const struct npu_gemm_plan *p,
			      const struct npu_gemm_run *r)
{
	uint32_t d;

	if (!r->m || r->m > p->desc.m_max || r->flags ||
	    !libnpu_zeroed(r->reserved, sizeof(r->reserved)) ||
	    !r->a == !r->a_bo[0] || !r->c == !r->c_bo[0])
		return -EINVAL;
	for (d = 0; d < NPU_GROUP_MAX_DIES; d++) {
		bool used = d < p->dies;

		if ((r->a_bo[d] && (!used || r->a)) || (!r->a && used && !r->a_bo[d]) ||
		    (r->c_bo[d] && (!used || r->c)) || (!r->c && used && !r->c_bo[d]) ||
		    !npu_gemm_sync_ok(&r->in_sync[d]) ||
		    !npu_gemm_sync_ok(&r->out_sync[d]) ||
		    (!used && (r->in_sync[d].handle || r->out_sync[d].handle)))
			return -EINVAL;
	}
	return 0;
}

/* Queue die @pd's jobs of a run, with the caller's syncobjs. */
static int npu_gemm_submit_die(struct npu_gemm_pdie *pd,
			       const struct npu_gemm_sync *in,
			       const struct npu_gemm_sync *out)
{
	unsigned int c, queued = 0;
	uint64_t t0 = libnpu_now_ns();
	int ret = 0;

	if (out->handle && !pd->timeline)
		ret = npu_syncobj_new(pd->dev, 0, &pd->timeline);
	for (c = 0; !ret && c < pd->t.cores; c++) {
		libnpu_job_clear_syncs(pd->jobs[c]);
		if (in->handle)
			ret = npu_job_add_in_sync(pd->jobs[c], in->handle,
						  in->point);
		if (!ret && out->handle)
			ret = npu_job_add_out_sync(pd->jobs[c], pd->timeline,
						   pd->point + c + 1);
	}
	/*
	 * The cores write disjoint parts of a caller's output BO: parallel
	 * where the kernel can (an older one orders them, correct but slower).
	 */
	if (!ret)
		ret = libnpu_job_submit_flags(pd->jobs, pd->t.cores,
					   pd->dev->info.caps &
					   DRM_NPU_CAP_SUBMIT_PARALLEL ?
					   DRM_NPU_SUBMIT_PARALLEL : 0, &queued);
	pd->submitted = queued;
	pd->waited = 0;
	if (out->handle) {
		pd->point += queued;
		if (!ret)
			ret = libnpu_syncobj_transfer(pd->dev, out->handle,
						   out->point, pd->timeline,
						   pd->point);
	}
	pd->stats.submits++;
	pd->stats.jobs += queued;
	pd->stats.submit_ns += libnpu_now_ns() - t0;
	return ret;
}

static int npu_gemm_prepare_die(struct npu_gemm_plan *p, uint32_t d,
				const struct npu_gemm_run *r)
{
	struct npu_gemm_pdie *pd = &p->die[d];
	const struct npu_gemm_buf *in = &pd->in, *out = NULL;
	struct npu_gemm_desc shape = pd->tmax.desc;
	struct npu_gemm_tiling lay;
	uint64_t t0 = libnpu_now_ns();
	int ret;

	if (r->a_bo[d] || r->c_bo[d]) {
		/* the sizes of the documented layouts at this M */
		shape.m = r->m;
		ret = libnpu_gemm_tile(&shape, 1, 0, &lay);
		if (!ret && r->a_bo[d])
			ret = npu_gemm_use_bo(pd, &pd->ext_a, r->a_bo[d],
					      lay.in_bytes, 0);
		if (!ret && r->c_bo[d])
			ret = npu_gemm_use_bo(pd, &pd->ext_c, r->c_bo[d],
					      libnpu_gemm_out_bytes(&lay),
					      NPU_MAP_WRITE);
		libnpu_gemm_tiling_fini(&lay);
		if (ret)
			return ret;
		if (r->a_bo[d])
			in = &pd->ext_a;
		if (r->c_bo[d])
			out = &pd->ext_c;
	}
	/* The jobs list the BOs: a new BO is new streams even at an old VA. */
	if (pd->emit_m != r->m || pd->emit_in != in->bo ||
	    pd->emit_out != (out ? out->bo : NULL)) {
		ret = npu_gemm_emit_die(p, pd, r->m, in, out);
		if (ret)
			return ret;
	}
	pd->stats.submit_ns += libnpu_now_ns() - t0;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_submit(struct npu_gemm_plan *p,
				    const struct npu_gemm_run *r)
{
	uint64_t t0;
	uint32_t d;
	int ret;

	if (!p || !r)
		return -EINVAL;
	if (p->in_flight)
		return -EBUSY;
	ret = npu_gemm_check_run(p, r);
	if (ret) {
		libnpu_dbg("gemm: bad run (M %u of at most %u)", r->m,
			p->desc.m_max);
		return ret;
	}
	for (d = 0; d < p->dies; d++) {
		ret = npu_gemm_prepare_die(p, d, r);
		if (ret)
			return ret;
	}
	for (d = 0; r->a && d < p->dies; d++) {
		if (p->die[d].shared_input)
			continue;
		t0 = libnpu_now_ns();
		ret = libnpu_bo_cpu_begin(p->die[d].in.bo, NPU_BO_CPU_WRITE);
		if (ret)
			return ret;
		libnpu_gemm_pack_input(&p->die[d].t, r->a, p->die[d].in.cpu);
		ret = libnpu_bo_cpu_end(p->die[d].in.bo, NPU_BO_CPU_WRITE);
		if (ret)
			return ret;
		p->die[d].stats.pack_ns += libnpu_now_ns() - t0;
	}
	p->in_flight = true;
	p->run_m = r->m;
	p->run_c = r->c;
	p->run_failed = false;
	for (d = 0; d < p->dies; d++) {
		p->die[d].submitted = p->die[d].waited = 0;
		p->die[d].run_start = p->die[d].run_end = 0;
		p->die[d].run_longest = 0;
	}
	for (d = 0; d < p->dies; d++) {
		ret = npu_gemm_submit_die(&p->die[d], &r->in_sync[d],
					  &r->out_sync[d]);
		if (ret)
			break;
	}
	if (ret) {
		libnpu_dbg("gemm: submit on die %u: %s", d, strerror(-ret));
		p->run_c = NULL;
		p->run_failed = true;	/* not a run: nothing to count */
		npu_gemm_plan_wait(p, -1);	/* what was queued */
	}
	return ret;
}

static int npu_gemm_job_error(const struct npu_job_status *s)
{
	switch (s->state) {
	case NPU_JOB_DONE:
		return 0;
	case NPU_JOB_MMU_FAULT:
		return -EFAULT;
	case NPU_JOB_TIMEOUT:
	case NPU_JOB_OVERTIME:
		return -ETIMEDOUT;
	case NPU_JOB_CANCELLED:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

/*
 * Wait for die @pd's jobs, with one ioctl where the kernel can; the first
 * failure goes to the plan's record.
 */
static int npu_gemm_wait_die(struct npu_gemm_plan *p, uint32_t d,
			     int64_t deadline)
{
	struct npu_gemm_pdie *pd = &p->die[d];
	uint64_t t0 = libnpu_now_ns();
	struct npu_job_status s;
	int64_t left;
	int ret;

	if (pd->waited >= pd->submitted)
		return 0;	/* done in an earlier call that timed out later */
	pd->run_start = pd->run_end = pd->run_longest = 0;
	left = deadline == INT64_MAX ? -1 : deadline - (int64_t)libnpu_now_ns();
	if (left < 0 && deadline != INT64_MAX)
		left = 0;
	ret = libnpu_job_wait_all(pd->jobs, pd->submitted, left, &s,
			       &pd->stats.waits);
	pd->stats.wait_ns += libnpu_now_ns() - t0;
	if (ret == -ETIME)
		return ret;
	pd->waited = pd->submitted;
	if (!ret) {
		ret = npu_gemm_job_error(&s);
		pd->stats.busy_ns += s.busy_ns;
		pd->stats.device_ns += s.max_busy_ns;
		pd->run_start = s.start_ns;
		pd->run_end = s.end_ns;
		pd->run_longest = s.max_busy_ns;
	}
	if (ret && !p->run_failed) {
		p->run_failed = true;
		p->fault_die = d;
		p->fault = s;
		libnpu_dbg("gemm: die %u core %u: %s (%s, reason %u, va %#llx)",
			d, s.core, npu_job_state_name(s.state), strerror(-ret),
			s.reason, (unsigned long long)s.fault_va);
	}
	return ret;
}

/* Length of the union of the intervals [lo[i], hi[i]), i < n. */
static uint64_t npu_gemm_union_ns(const uint64_t *lo, const uint64_t *hi,
				  uint32_t n)
{
	uint64_t a[NPU_GROUP_MAX_DIES], b[NPU_GROUP_MAX_DIES], len = 0, end = 0;
	uint32_t i, j, k = 0;

	/* by start, the empty ones left out */
	for (i = 0; i < n; i++) {
		if (hi[i] <= lo[i])
			continue;
		for (j = k; j && a[j - 1] > lo[i]; j--) {
			a[j] = a[j - 1];
			b[j] = b[j - 1];
		}
		a[j] = lo[i];
		b[j] = hi[i];
		k++;
	}
	for (i = 0; i < k; i++) {
		uint64_t from = a[i] > end ? a[i] : end;

		if (b[i] > from)
			len += b[i] - from;
		if (b[i] > end)
			end = b[i];
	}
	return len;
}

/*
 * Give each die of the run just waited for its share of the run's device
 * wall time: the union of its span and the lower dies' spans, less the
 * union of the lower dies' alone.  Without job times from some die, each
 * die's span is [0, its longest job): the dies are taken to have started
 * together.
 */
static void npu_gemm_account_wall(struct npu_gemm_plan *p)
{
	uint64_t lo[NPU_GROUP_MAX_DIES], hi[NPU_GROUP_MAX_DIES], prev = 0, u;
	bool times = true;
	uint32_t d;

	for (d = 0; d < p->dies; d++)
		if (!p->die[d].run_start && p->die[d].run_longest)
			times = false;
	for (d = 0; d < p->dies; d++) {
		const struct npu_gemm_pdie *pd = &p->die[d];

		lo[d] = times ? pd->run_start : 0;
		hi[d] = times ? pd->run_end : pd->run_longest;
		u = npu_gemm_union_ns(lo, hi, d + 1);
		p->die[d].stats.device_wall_ns += u - prev;
		prev = u;
	}
}

NPU_PUBLIC int npu_gemm_plan_wait(struct npu_gemm_plan *p, int64_t timeout_ns)
{
	int64_t deadline = libnpu_abs_timeout(timeout_ns);
	uint32_t d;
	int ret = 0, r;

	if (!p || !p->in_flight)
		return -EINVAL;
	for (d = 0; d < p->dies; d++) {
		r = npu_gemm_wait_die(p, d, deadline);
		if (r == -ETIME)
			return r;	/* still in flight */
		if (r && !ret)
			ret = r;
	}
	p->in_flight = false;
	if (ret || p->run_failed)
		return ret;
	npu_gemm_account_wall(p);
	for (d = 0; p->run_c && d < p->dies; d++) {
		struct npu_gemm_pdie *pd = &p->die[d];
		size_t es = libnpu_dtype_size(p->desc.out_type);
		uint64_t t0 = libnpu_now_ns();
		void *outs[NPU_MAX_CORES];
		uint32_t c;

		for (c = 0; c < pd->t.cores; c++) {
			outs[c] = pd->out[c].cpu;
			ret = libnpu_bo_cpu_begin(pd->out[c].bo, NPU_BO_CPU_READ);
			if (ret)
				return ret;
		}
		libnpu_gemm_unpack_output(&pd->t, outs, (char *)p->run_c +
				       (size_t)p->w->n0[d] * es, p->w->desc.n);
		for (c = 0; c < pd->t.cores; c++)
			libnpu_bo_cpu_end(pd->out[c].bo, NPU_BO_CPU_READ);
		pd->stats.unpack_ns += libnpu_now_ns() - t0;
	}
	for (d = 0; d < p->dies; d++)
		p->die[d].stats.runs++;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_run(struct npu_gemm_plan *p, uint32_t m,
				 const void *a, void *c)
{
	struct npu_gemm_run r = { .m = m, .a = a, .c = c };
	int ret;

	if (!a || !c)
		return -EINVAL;
	ret = npu_gemm_plan_submit(p, &r);
	return ret ? ret : npu_gemm_plan_wait(p, -1);
}

NPU_PUBLIC int npu_gemm_plan_layout(const struct npu_gemm_plan *p, uint32_t m,
				    struct npu_gemm_layout *l)
{
	uint32_t d;
	int ret = 0;

	if (!p || !l || !m || m > p->desc.m_max)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->m = m;
	for (d = 0; !ret && d < p->dies; d++) {
		struct npu_gemm_desc shape = p->die[d].tmax.desc;
		struct npu_gemm_tiling t;

		shape.m = m;
		ret = libnpu_gemm_tile(&shape, 1, 0, &t);
		if (!ret) {
			l->m_tile = t.mt;
			l->a_bytes = t.in_bytes;
			l->c_bytes[d] = libnpu_gemm_out_bytes(&t);
		}
		libnpu_gemm_tiling_fini(&t);
	}
	return ret;
}

NPU_PUBLIC int npu_gemm_pack_a(const struct npu_gemm_plan *p, uint32_t m,
			       const void *a, void *dst)
{
	struct npu_gemm_desc shape;
	struct npu_gemm_tiling t;
	int ret;

	if (!p || !a || !dst || !m || m > p->desc.m_max)
		return -EINVAL;
	shape = p->die[0].tmax.desc;
	shape.m = m;
	ret = libnpu_gemm_tile(&shape, 1, 0, &t);
	if (!ret)
		libnpu_gemm_pack_input(&t, a, dst);
	libnpu_gemm_tiling_fini(&t);
	return ret;
}

NPU_PUBLIC int npu_gemm_unpack_c(const struct npu_gemm_plan *p, uint32_t m,
				 unsigned int die, const void *src, void *c)
{
	struct npu_gemm_desc shape;
	struct npu_gemm_tiling t;
	void *outs[NPU_MAX_CORES];
	size_t es;
	uint32_t i;
	int ret;

	if (!p || !src || !c || !m || m > p->desc.m_max || die >= p->dies)
		return -EINVAL;
	shape = p->die[die].tmax.desc;
	shape.m = m;
	ret = libnpu_gemm_tile(&shape, 1, NPU_TILE_OUT_GLOBAL, &t);
	if (!ret) {
		for (i = 0; i < NPU_MAX_CORES; i++)
			outs[i] = (void *)src;
		es = libnpu_dtype_size(p->desc.out_type);
		libnpu_gemm_unpack_output(&t, outs, (char *)c +
				       (size_t)p->w->n0[die] * es,
				       p->w->desc.n);
	}
	libnpu_gemm_tiling_fini(&t);
	return ret;
}

NPU_PUBLIC int npu_gemm_plan_get_stats(const struct npu_gemm_plan *p,
				       unsigned int die,
				       struct npu_gemm_stats *stats)
{
	if (!p || !stats || die >= p->dies)
		return -EINVAL;
	*stats = p->die[die].stats;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_info(const struct npu_gemm_plan *p,
				  unsigned int die, struct npu_gemm_info *info)
{
	const struct npu_gemm_pdie *pd;

	if (!p || !info || die >= p->dies)
		return -EINVAL;
	pd = &p->die[die];
	memset(info, 0, sizeof(*info));
	info->cores = pd->tmax.cores;
	info->tasks = pd->tmax.task_count;
	info->m_tile = pd->tmax.mt;
	info->n_tile = pd->tmax.nt;
	info->weight_bytes = npu_bo_size(pd->w->bo);
	info->vm_id = npu_vm_id(pd->vm);
	info->shared_input = pd->shared_input;
	return 0;
}

NPU_PUBLIC int npu_gemm_plan_dies(const struct npu_gemm_plan *p)
{
	return p ? (int)p->dies : -EINVAL;
}

NPU_PUBLIC int npu_gemm_plan_last_fault(const struct npu_gemm_plan *p,
					uint32_t *die,
					struct npu_job_status *status)
{
	if (!p || !die || !status)
		return -EINVAL;
	*die = p->fault_die;
	*status = p->fault;
	return 0;
}
