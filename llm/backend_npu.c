// SPDX-License-Identifier: MIT
/*
 * The NPU backend: every matmul of the model is a libnpu GEMM plan.
 *
 * prepare() turns each group into one libnpu weights object and one plan
 * of M = 1 on it.  The group's weights are stacked into one matrix of
 * g->rows rows (q, k and v fused; w1 and w3 fused), converted once
 * (quant.c) and packed into the weights' BOs:
 *
 *   fp16: each weight rounded to IEEE half (round to nearest even);
 *   int8: each row r scaled by s_r = max |w_r| / 127 and rounded, so that
 *         w[r][c] ~ s_r * q[r][c].
 *
 * A group of a peer package (g->packed) was converted by npu-llm-pack
 * with the same code; its slices go to the dies as they are.
 *
 * The classifier is one plan too: the planner cuts its 32000 rows into
 * tasks of at most what the CBUF holds and the 14-bit kernel count allows,
 * and spreads the tasks over the cores.
 *
 * matmul() converts x (fp16, or int8 with one scale s_x = max |x| / 127 for
 * the vector) straight into the backend's input BO, runs the plan on it
 * and its output BO (one SUBMIT, one job per core), and reads the result
 * from that BO into the group's outputs: fp32 as it comes, int32 times
 * s_x * s_r.  At M = 1 the device layouts of both are the plain vector
 * (npu_gemm.h, struct npu_gemm_layout), so each activation is copied
 * once each way, in the conversion, and never packed or unpacked.  The
 * two BOs serve every group: matmuls run one after the other.
 *
 * get_row() reads a row of a group's packed weights back from the
 * device: the token embedding of a model whose classifier is tied to it,
 * once the host copy is dropped (llm_model_drop_weights()).
 *
 * The weights and plans live on a device group: one die, or in peer mode
 * (dies > 1) the dies of one chip (libnpu's "package").  There the rows are cut into one
 * slice per die; each die holds its slice of the packed weights in its own
 * memory and computes those outputs; every output is computed as on one
 * die, so the text is the same.
 *
 * Nothing here falls back to the CPU: a shape the planner refuses fails
 * prepare(), a value fp16 cannot hold or a job that fails fails matmul(),
 * and the program stops with the reason.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "npu.h"
#include "npu_gemm.h"
#include "llm.h"

#define FP16_MAX	65504.0f

/* What a group keeps between prepare() and destroy(). */
struct npu_group_plan {
	struct npu_gemm_weights *w;
	struct npu_gemm_plan *plan;
	float *row_scale;	/* int8: s_r of each row of the group */
};

struct npu_backend {
	struct npu_device_group *group;	/* the dies used */
	struct npu_device *dev[LLM_MAX_DIES];	/* references */
	int dies;
	enum llm_dtype dtype;
	unsigned int cores;
	char node[LLM_MAX_DIES][64];
	struct npu_fdinfo at_open[LLM_MAX_DIES];	/* counts since the open */
	uint64_t weight_bytes[LLM_MAX_DIES];

	struct npu_group_plan **plans;	/* for destroy() and the stats */
	int n_plans;
	int cap_plans;

	/*
	 * Per die, the input BO (x converted: fp16 or int8, the layout of
	 * M = 1) and the output BO (fp32 or int32, the die's rows), mapped;
	 * the dies beyond the first share die 0's input BO through dma-buf
	 * where the kernel lets them.
	 */
	struct npu_bo *in_bo[LLM_MAX_DIES], *out_bo[LLM_MAX_DIES];
	void *in_map[LLM_MAX_DIES], *out_map[LLM_MAX_DIES];
	uint64_t in_bytes, out_bytes[LLM_MAX_DIES];	/* what they must hold */
	int in_shared;		/* in_bo[d > 0] is in_bo[0]'s memory */
	int coherent;		/* no CPU_PREP/CPU_FINI needed */
	void *row;		/* get_row(): a row as the device holds it */
	size_t row_len;

	uint64_t convert_ns;	/* x in, y out: the backend's own CPU work */
	uint64_t in_bytes_copied, out_bytes_copied;	/* the same, in bytes */
};

/*
 * A BO of at least @want bytes, mapped.  A larger one replaces a smaller:
 * only before the first run (prepare() sizes them), so no plan still
 * runs on the old one.
 */
static int grow_bo(struct npu_device *dev, struct npu_bo **bo, void **map,
		   uint64_t want)
{
	struct npu_bo *nbo;
	void *p;
	int ret;

	if (*bo && npu_bo_size(*bo) >= want)
		return 0;
	ret = npu_bo_new(dev, want, 0, &nbo);
	if (ret)
		return ret;
	ret = npu_bo_map(nbo, &p);
	if (ret) {
		npu_bo_unref(nbo);
		return ret;
	}
	npu_bo_unref(*bo);
	*bo = nbo;
	*map = p;
	return 0;
}

/* The other dies see die 0's input BO, or get their own. */
static int share_input(struct npu_backend *nb)
{
	int fd, ret;

	nb->in_shared = nb->dies > 1;
	for (int d = 1; d < nb->dies; d++) {
		npu_bo_unref(nb->in_bo[d]);
		nb->in_bo[d] = NULL;
		if (nb->in_shared && !npu_bo_export_dmabuf(nb->in_bo[0], &fd)) {
			ret = npu_bo_import_dmabuf(nb->dev[d], fd, &nb->in_bo[d]);
			close(fd);
			if (!ret)
				continue;
		}
		nb->in_shared = 0;
		ret = grow_bo(nb->dev[d], &nb->in_bo[d], &nb->in_map[d],
			      nb->in_bytes);
		if (ret)
			return ret;
	}
	return 0;
}

/* The BOs hold what a group's run of M = 1 needs; -EINVAL if not plain. */
static int size_bos(struct npu_backend *nb, const struct llm_group *g,
		    const struct npu_group_plan *gp)
{
	struct npu_gemm_layout lay;
	struct npu_gemm_weights_info info;
	size_t esize = nb->dtype == LLM_DTYPE_INT8 ? 1 : 2;
	int ret = npu_gemm_plan_layout(gp->plan, 1, &lay);

	if (!ret)
		ret = npu_gemm_weights_info(gp->w, &info);
	if (ret)
		return ret;
	if (lay.m_tile != 1 || lay.a_bytes < (uint64_t)g->cols * esize) {
		llm_err("npu: %s: the input layout of one row is not the vector",
			g->name);
		return -EINVAL;
	}
	if (lay.a_bytes > nb->in_bytes) {
		nb->in_bytes = lay.a_bytes;
		ret = grow_bo(nb->dev[0], &nb->in_bo[0], &nb->in_map[0],
			      nb->in_bytes);
		if (!ret)
			ret = share_input(nb);
		if (ret)
			return ret;
	}
	for (uint32_t d = 0; d < info.dies; d++) {
		if (lay.c_bytes[d] < (uint64_t)(info.n0[d + 1] - info.n0[d]) * 4) {
			llm_err("npu: %s: the output layout of one row is not the vector",
				g->name);
			return -EINVAL;
		}
		if (lay.c_bytes[d] <= nb->out_bytes[d])
			continue;
		nb->out_bytes[d] = lay.c_bytes[d];
		ret = grow_bo(nb->dev[d], &nb->out_bo[d], &nb->out_map[d],
			      nb->out_bytes[d]);
		if (ret)
			return ret;
	}
	return 0;
}

/* CPU access to a mapped BO, bracketed on a device that does not snoop */
static int cpu_begin(const struct npu_backend *nb, struct npu_bo *bo,
		     uint32_t op)
{
	return nb->coherent ? 0 : npu_bo_cpu_prep(bo, op, -1);
}

static void cpu_end(const struct npu_backend *nb, struct npu_bo *bo,
		    uint32_t op)
{
	if (!nb->coherent)
		npu_bo_cpu_fini(bo, op);
}

static void group_plan_free(struct npu_group_plan *gp)
{
	if (!gp)
		return;
	npu_gemm_plan_destroy(gp->plan);
	npu_gemm_weights_unref(gp->w);
	free(gp->row_scale);
	free(gp);
}

/*
 * The converted weights of one group, between the conversion and the
 * packing: mapped and unmapped whole, so that the memory goes back to
 * the system at once (the heap would keep the largest ones resident).
 */
static void *scratch_new(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void scratch_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

/*
 * A peer package's group: its slices go to the dies as they are, no
 * conversion, provided they were cut for this run's dies and type.
 */
static int set_packed_weights(struct npu_backend *nb,
			      const struct llm_group *g,
			      struct npu_group_plan *gp)
{
	const struct llm_packed *pk = g->packed;
	struct npu_gemm_weights_info info;
	int ret = 0;

	if (pk->dtype != nb->dtype) {
		llm_err("npu: %s: the peer package holds %s weights, not %s",
			g->name, llm_dtype_name(pk->dtype), llm_dtype_name(nb->dtype));
		return -EINVAL;
	}
	npu_gemm_weights_info(gp->w, &info);
	for (uint32_t d = 0; d <= info.dies; d++) {
		if ((int)info.dies != pk->dies ||
		    (uint32_t)pk->row0[d] != info.n0[d]) {
			llm_err("npu: %s: the peer package cuts its %d rows over %d dies, not as the NPU plan over %u dies does",
				g->name, g->rows, pk->dies, info.dies);
			return -EINVAL;
		}
	}
	for (int d = 0; !ret && d < pk->dies; d++) {
		ret = npu_gemm_weights_set_die(gp->w, (unsigned int)d,
					       pk->data[d]);
		if (gp->row_scale)
			memcpy(gp->row_scale + pk->row0[d], pk->scale[d],
			       (size_t)(pk->row0[d + 1] - pk->row0[d]) *
			       sizeof(float));
	}
	return ret;
}

static int npu_prepare(void *ctx, struct llm_group *g)
{
	struct npu_backend *nb = ctx;
	int int8 = nb->dtype == LLM_DTYPE_INT8;
	struct npu_gemm_desc desc = {
		.m = 1, .k = (uint32_t)g->cols, .n = (uint32_t)g->rows,
		.in_type = int8 ? NPU_DTYPE_INT8 : NPU_DTYPE_FP16,
		.out_type = int8 ? NPU_DTYPE_INT32 : NPU_DTYPE_FP32,
	};
	struct npu_gemm_weights_desc wdesc = {
		.k = desc.k, .n = desc.n, .in_type = desc.in_type,
		.dies = (uint32_t)nb->dies,
	};
	struct npu_gemm_plan_desc pdesc = {
		.m_max = 1, .out_type = desc.out_type, .cores = nb->cores,
	};
	size_t elems = (size_t)g->rows * (size_t)g->cols;
	struct npu_group_plan *gp;
	struct npu_gemm_weights_info winfo;
	void *b = NULL;
	size_t b_len = 0;
	int ret;

	ret = npu_gemm_supported(&desc);
	if (ret) {
		llm_err("npu: %s: a 1 x %d x %d %s GEMM is beyond the NPU: %s",
			g->name, g->cols, g->rows, llm_dtype_name(nb->dtype),
			strerror(-ret));
		return ret;
	}
	if (nb->n_plans == nb->cap_plans) {
		int cap = nb->cap_plans ? 2 * nb->cap_plans : 64;
		void *p = realloc(nb->plans, (size_t)cap * sizeof(*nb->plans));

		if (!p)
			return -ENOMEM;
		nb->plans = p;
		nb->cap_plans = cap;
	}
	if ((size_t)g->cols > nb->row_len) {
		void *p = realloc(nb->row, (size_t)g->cols * sizeof(uint16_t));

		if (!p)
			return -ENOMEM;
		nb->row = p;
		nb->row_len = (size_t)g->cols;
	}

	gp = calloc(1, sizeof(*gp));
	if (int8 && gp)
		gp->row_scale = malloc((size_t)g->rows * sizeof(float));
	if (!gp || (int8 && !gp->row_scale)) {
		ret = -ENOMEM;
		goto err;
	}
	ret = npu_gemm_weights_new(nb->group, &wdesc, &gp->w);
	if (!ret)
		ret = npu_gemm_plan_new(gp->w, &pdesc, &gp->plan);
	if (ret) {
		llm_err("npu: %s: cannot plan a 1 x %d x %d %s GEMM on %d die(s): %s",
			g->name, g->cols, g->rows, llm_dtype_name(nb->dtype),
			nb->dies, strerror(-ret));
		goto err;
	}
	if (g->packed) {
		ret = set_packed_weights(nb, g, gp);
		if (ret)
			goto err;
	} else {
		b_len = elems * (int8 ? 1 : sizeof(uint16_t));
		b = scratch_new(b_len);
		if (!b) {
			ret = -ENOMEM;
			goto err;
		}
		ret = int8 ? llm_quant_int8(g, 0, g->rows, b, gp->row_scale) :
			     llm_quant_fp16(g, 0, g->rows, b);
		if (!ret)
			ret = npu_gemm_weights_set(gp->w, b);
		if (ret)
			goto err;
		scratch_free(b, b_len);
		b = NULL;
	}
	ret = size_bos(nb, g, gp);
	if (ret) {
		llm_err("npu: %s: no input and output buffers: %s", g->name,
			strerror(-ret));
		goto err;
	}
	if (!npu_gemm_weights_info(gp->w, &winfo)) {
		for (uint32_t d = 0; d < winfo.dies && d < LLM_MAX_DIES; d++)
			nb->weight_bytes[d] += winfo.bytes[d];
	}
	nb->plans[nb->n_plans++] = gp;
	g->priv = gp;
	return 0;
err:
	scratch_free(b, b_len);
	group_plan_free(gp);
	return ret;
}

/* x to the plan's input type; 0, or -ERANGE for what fp16 cannot hold. */
static int convert_x(struct npu_backend *nb, const struct llm_group *g,
		     const float *x, void *dst, float *x_scale)
{
	if (nb->dtype == LLM_DTYPE_FP16) {
		uint16_t *h = dst;

		for (int c = 0; c < g->cols; c++) {
			if (!(fabsf(x[c]) <= FP16_MAX)) {
				llm_err("npu: %s: input [%d] = %g does not fit in fp16",
					g->name, c, (double)x[c]);
				return -ERANGE;
			}
			h[c] = npu_fp32_to_fp16(x[c]);
		}
		*x_scale = 1.0f;
	} else {
		int8_t *q = dst;
		float amax = 0.0f, s;

		for (int c = 0; c < g->cols; c++) {
			if (!isfinite(x[c])) {
				llm_err("npu: %s: input [%d] is not finite",
					g->name, c);
				return -ERANGE;
			}
			if (fabsf(x[c]) > amax)
				amax = fabsf(x[c]);
		}
		s = amax > 0.0f ? amax / 127.0f : 1.0f;
		for (int c = 0; c < g->cols; c++)
			q[c] = (int8_t)lrintf(x[c] / s);
		*x_scale = s;
	}
	return 0;
}

static void report_failure(const struct npu_group_plan *gp,
			   const struct llm_group *g, int err)
{
	struct npu_job_status st = { 0 };
	uint32_t die = 0;

	npu_gemm_plan_last_fault(gp->plan, &die, &st);
	llm_err("npu: %s: GEMM failed on die %u: %s (job %s, reason %u, VA 0x%llx)",
		g->name, die, strerror(-err), npu_job_state_name(st.state),
		st.reason, (unsigned long long)st.fault_va);
}

/* x into the input BO(s), in the vector layout of M = 1 (K padded with zeros) */
static int put_x(struct npu_backend *nb, const struct llm_group *g,
		 const float *x, float *x_scale)
{
	size_t esize = nb->dtype == LLM_DTYPE_INT8 ? 1 : 2;
	size_t used = (size_t)g->cols * esize;
	size_t kp = ((size_t)g->cols + 31) / 32 * 32 * esize;
	int n = nb->in_shared ? 1 : nb->dies, ret;

	ret = cpu_begin(nb, nb->in_bo[0], NPU_BO_CPU_WRITE);
	if (ret)
		return ret;
	ret = convert_x(nb, g, x, nb->in_map[0], x_scale);
	if (!ret && kp > used && kp <= nb->in_bytes)
		memset((char *)nb->in_map[0] + used, 0, kp - used);
	cpu_end(nb, nb->in_bo[0], NPU_BO_CPU_WRITE);
	nb->in_bytes_copied += (uint64_t)kp * (uint64_t)n;
	/* without a shared buffer: the converted vector, once per other die */
	for (int d = 1; !ret && d < n; d++) {
		ret = cpu_begin(nb, nb->in_bo[d], NPU_BO_CPU_WRITE);
		if (ret)
			break;
		memcpy(nb->in_map[d], nb->in_map[0], kp);
		cpu_end(nb, nb->in_bo[d], NPU_BO_CPU_WRITE);
	}
	return ret;
}

/*
 * Die d's rows n0[d] .. n0[d+1]-1 of the group, from its output BO into
 * the outputs of the weights they belong to.
 */
static void get_y(struct npu_backend *nb, const struct llm_group *g,
		  const struct npu_group_plan *gp, int lo, int hi,
		  const void *src, float x_scale, float *const out[])
{
	int r = 0;

	for (int i = 0; i < g->n; r += g->w[i]->rows, i++) {
		int a = lo > r ? lo : r;
		int b = hi < r + g->w[i]->rows ? hi : r + g->w[i]->rows;

		if (a >= b)
			continue;
		if (nb->dtype == LLM_DTYPE_FP16) {
			memcpy(out[i] + (a - r), (const float *)src + (a - lo),
			       (size_t)(b - a) * sizeof(float));
		} else {
			const int32_t *acc = (const int32_t *)src + (a - lo);
			const float *s = gp->row_scale + a;
			float *o = out[i] + (a - r);

			for (int j = 0; j < b - a; j++)
				o[j] = (float)acc[j] * (x_scale * s[j]);
		}
	}
	nb->out_bytes_copied += (uint64_t)(hi - lo) * 4;
}

static int npu_matmul(void *ctx, const struct llm_group *g, const float *x,
		      float *const out[])
{
	struct npu_backend *nb = ctx;
	struct npu_group_plan *gp = g->priv;
	struct npu_gemm_run run = { .m = 1 };
	struct npu_gemm_weights_info info;
	uint64_t t0 = llm_now_ns();
	float x_scale = 1.0f;
	int ret;

	if (!gp)
		return -EINVAL;	/* prepare() was not called for it */
	ret = npu_gemm_weights_info(gp->w, &info);
	if (!ret)
		ret = put_x(nb, g, x, &x_scale);
	if (ret)
		return ret;
	nb->convert_ns += llm_now_ns() - t0;

	for (uint32_t d = 0; d < info.dies; d++) {
		run.a_bo[d] = nb->in_bo[d] ? nb->in_bo[d] : nb->in_bo[0];
		run.c_bo[d] = nb->out_bo[d];
	}
	ret = npu_gemm_plan_submit(gp->plan, &run);
	if (!ret)
		ret = npu_gemm_plan_wait(gp->plan, -1);
	if (ret) {
		report_failure(gp, g, ret);
		return ret;
	}

	t0 = llm_now_ns();
	for (uint32_t d = 0; !ret && d < info.dies; d++) {
		ret = cpu_begin(nb, nb->out_bo[d], NPU_BO_CPU_READ);
		if (ret)
			break;
		get_y(nb, g, gp, (int)info.n0[d], (int)info.n0[d + 1],
		      nb->out_map[d], x_scale, out);
		cpu_end(nb, nb->out_bo[d], NPU_BO_CPU_READ);
	}
	nb->convert_ns += llm_now_ns() - t0;
	return ret;
}

static int npu_get_row(void *ctx, const struct llm_group *g, int row,
		       float *out)
{
	struct npu_backend *nb = ctx;
	struct npu_group_plan *gp = g->priv;
	int ret;

	if (!gp || row < 0 || row >= g->rows || (size_t)g->cols > nb->row_len)
		return -EINVAL;
	ret = npu_gemm_weights_get_row(gp->w, (uint32_t)row, nb->row);
	if (ret)
		return ret;
	if (nb->dtype == LLM_DTYPE_FP16) {
		const uint16_t *h = nb->row;

		for (int c = 0; c < g->cols; c++)
			out[c] = npu_fp16_to_fp32(h[c]);
	} else {
		const int8_t *q = nb->row;
		float s = gp->row_scale[row];

		for (int c = 0; c < g->cols; c++)
			out[c] = (float)q[c] * s;
	}
	return 0;
}

static void add_plan_stats(struct llm_backend_stats *st,
			   const struct npu_gemm_stats *ps)
{
	st->submits += ps->submits;
	st->jobs += ps->jobs;
	st->waits += ps->waits;
	st->pack_ns += ps->pack_ns;
	st->submit_ns += ps->submit_ns;
	st->wait_ns += ps->wait_ns;
	st->unpack_ns += ps->unpack_ns;
	st->device_ns += ps->device_ns;
	st->device_wall_ns += ps->device_wall_ns;
}

static void die_stats(struct npu_backend *nb, int d, struct llm_die_stats *ds)
{
	struct npu_fdinfo now;

	ds->node = nb->node[d];
	ds->weight_bytes = nb->weight_bytes[d];
	if (npu_device_fdinfo(nb->dev[d], &now))
		return;
	ds->cores = (int)(now.core_count < LLM_MAX_CORES ?
			  now.core_count : LLM_MAX_CORES);
	for (int c = 0; c < ds->cores; c++) {
		ds->core_busy_ns[c] = now.busy_ns[c] - nb->at_open[d].busy_ns[c];
		ds->busy_ns += ds->core_busy_ns[c];
	}
	ds->mem_total = now.total_memory;
	ds->mem_resident = now.resident_memory;
}

static void npu_get_stats(void *ctx, struct llm_backend_stats *st)
{
	struct npu_backend *nb = ctx;

	memset(st, 0, sizeof(*st));
	st->device = 1;
	st->dies = nb->dies;
	st->pack_ns = nb->convert_ns;
	st->act_in_bytes = nb->in_bytes_copied;
	st->act_out_bytes = nb->out_bytes_copied;
	for (int i = 0; i < nb->n_plans; i++) {
		const struct npu_group_plan *gp = nb->plans[i];
		struct npu_gemm_stats ps;

		for (int d = 0; d < npu_gemm_plan_dies(gp->plan); d++) {
			if (!npu_gemm_plan_get_stats(gp->plan, (unsigned int)d,
						     &ps))
				add_plan_stats(st, &ps);
		}
	}
	for (int d = 0; d < nb->dies; d++) {
		die_stats(nb, d, &st->die[d]);
		st->busy_ns += st->die[d].busy_ns;
		st->weight_bytes += st->die[d].weight_bytes;
	}
}

static void npu_destroy(void *ctx)
{
	struct npu_backend *nb = ctx;

	for (int i = 0; i < nb->n_plans; i++)
		group_plan_free(nb->plans[i]);
	free(nb->plans);
	free(nb->row);
	for (int d = 0; d < LLM_MAX_DIES; d++) {
		npu_bo_unref(nb->in_bo[d]);
		npu_bo_unref(nb->out_bo[d]);
	}
	for (int d = 0; d < LLM_MAX_DIES; d++)
		npu_device_unref(nb->dev[d]);
	npu_device_group_unref(nb->group);
	free(nb);
}

/* Why die @index cannot be opened, in words. */
static void explain_open_error(unsigned int index, int ret)
{
	int n = npu_device_count();

	if (n > 0 && ret == -ENODEV)
		llm_err("npu: no NPU die %u: this system has %d", index, n);
	else if (n == 0 || n == -ENODEV)
		llm_err("npu: no NPU found (no /dev/accel/accel* or render node of the npu driver): is npu.ko loaded (npu_virtual.ko for the virtual NPU)?");
	else
		llm_err("npu: cannot open NPU die %u: %s", index, strerror(-ret));
}

/* Open the dies: one, or the first @dies of the chip die @index is on. */
static int open_dies(struct npu_backend *nb, unsigned int index, int dies)
{
	int ret, have;

	if (dies == 1) {
		ret = npu_device_open(index, &nb->dev[0]);
		if (ret) {
			explain_open_error(index, ret);
			return ret;
		}
		return npu_device_group_new(nb->dev, 1, &nb->group);
	}
	ret = npu_device_group_open(index, &nb->group);
	if (ret) {
		if (ret == -ENODEV && npu_device_count() > 0 &&
		    (unsigned int)npu_device_count() > index)
			llm_err("npu: a die of the chip of die %u is missing",
				index);
		else
			explain_open_error(index, ret);
		return ret;
	}
	have = npu_device_group_count(nb->group);
	if (dies > have) {
		llm_err("npu: --dies %d: the chip of die %u has %d", dies,
			index, have);
		return -EINVAL;
	}
	for (int d = 0; d < dies; d++)
		nb->dev[d] = npu_device_ref(npu_device_group_device(nb->group,
								    (unsigned int)d));
	return 0;
}

int llm_backend_npu(struct llm_backend *b, unsigned int index,
		    enum llm_dtype dtype, int cores, int dies)
{
	struct npu_backend *nb;
	int ret;

	memset(b, 0, sizeof(*b));
	if (dtype != LLM_DTYPE_FP16 && dtype != LLM_DTYPE_INT8) {
		llm_err("npu: the NPU multiplies in fp16 or int8");
		return -EINVAL;
	}
	if (dies < 1 || dies > LLM_MAX_DIES) {
		llm_err("npu: --dies %d: 1 to %d", dies, LLM_MAX_DIES);
		return -EINVAL;
	}
	nb = calloc(1, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	nb->dtype = dtype;
	nb->dies = dies;

	ret = open_dies(nb, index, dies);
	for (int d = 0; !ret && d < dies; d++) {
		uint64_t n_cores = 0;

		npu_device_get_param(nb->dev[d], NPU_PARAM_CORE_COUNT, &n_cores);
		if (cores < 0 || (uint64_t)cores > n_cores) {
			llm_err("npu: --cores %d: die %d has %llu cores", cores,
				d, (unsigned long long)n_cores);
			ret = -EINVAL;
		}
		snprintf(nb->node[d], sizeof(nb->node[d]), "%s",
			 npu_device_path(nb->dev[d]) ?
			 npu_device_path(nb->dev[d]) : "?");
		npu_device_fdinfo(nb->dev[d], &nb->at_open[d]);
	}
	if (ret) {
		npu_destroy(nb);
		return ret;
	}
	nb->cores = (unsigned int)cores;	/* 0: every core */
	nb->coherent = 1;
	for (int d = 0; d < dies; d++) {
		uint64_t caps = 0;

		if (npu_device_get_param(nb->dev[d], NPU_PARAM_CAPS, &caps) ||
		    !(caps & NPU_CAP_COHERENT))
			nb->coherent = 0;
	}

	*b = (struct llm_backend){
		.name = "npu",
		.dtype = dtype,
		.ctx = nb,
		.prepare = npu_prepare,
		.matmul = npu_matmul,
		.get_stats = npu_get_stats,
		.destroy = npu_destroy,
		.get_row = npu_get_row,
	};
	return 0;
}
