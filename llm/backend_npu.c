// SPDX-License-Identifier: MIT
/*
 * The NPU backend: every matmul of the model is a libnpu GEMM plan.
 *
 * prepare() turns each group into one plan.  The group's weights are
 * stacked into one matrix of g->rows rows (q, k and v fused; w1 and w3
 * fused), converted once and packed into the plan's weight BO:
 *
 *   fp16: each weight rounded to IEEE half (round to nearest even);
 *   int8: each row r scaled by s_r = max |w_r| / 127 and rounded, so that
 *         w[r][c] ~ s_r * q[r][c].
 *
 * The classifier is one plan too: the planner cuts its 32000 rows into
 * tasks of at most what the CBUF holds and the 14-bit kernel count allows,
 * and spreads the tasks over the cores.
 *
 * matmul() converts x (fp16, or int8 with one scale s_x = max |x| / 127 for
 * the vector), runs the plan (one SUBMIT, one job per core, into the
 * plan's persistent input and output BOs), and writes the result back to
 * the group's outputs: fp32 as it comes, int32 times s_x * s_r.
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

#include "npu.h"
#include "npu_gemm.h"
#include "llm.h"

#define FP16_MAX	65504.0f

/* What a group keeps between prepare() and destroy(). */
struct npu_group_plan {
	struct npu_gemm_plan *plan;
	float *row_scale;	/* int8: s_r of each row of the group */
};

struct npu_backend {
	struct npu_device *dev;
	enum llm_dtype dtype;
	unsigned int cores;
	char node[64];
	struct npu_fdinfo at_open;	/* fdinfo counts since the open */

	struct npu_group_plan **plans;	/* for destroy() and the stats */
	int n_plans;
	int cap_plans;

	void *x;		/* x converted: fp16 or int8 [cols] */
	void *y;		/* raw output: fp32 or int32 [rows] */
	size_t x_len, y_len;	/* elements */

	uint64_t convert_ns;	/* x in, y out: the backend's own CPU work */
	uint64_t weight_bytes;
};

static const char *dtype_str(enum llm_dtype d)
{
	return d == LLM_DTYPE_INT8 ? "int8" : "fp16";
}

static int grow(void **buf, size_t *len, size_t want, size_t elem)
{
	void *p;

	if (*len >= want)
		return 0;
	p = realloc(*buf, want * elem);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*len = want;
	return 0;
}

/* The group's weights, stacked: row r of the group is row r' of w[i]. */
static const float *group_row(const struct llm_group *g, int r)
{
	for (int i = 0; i < g->n; i++) {
		if (r < g->w[i]->rows)
			return g->w[i]->data + (size_t)r * (size_t)g->cols;
		r -= g->w[i]->rows;
	}
	return NULL;
}

static int pack_fp16(const struct llm_group *g, uint16_t *b)
{
	for (int r = 0; r < g->rows; r++) {
		const float *row = group_row(g, r);

		for (int c = 0; c < g->cols; c++) {
			if (!(fabsf(row[c]) <= FP16_MAX)) {
				llm_err("npu: %s: weight [%d][%d] = %g does not fit in fp16",
					g->name, r, c, (double)row[c]);
				return -ERANGE;
			}
			b[(size_t)r * (size_t)g->cols + (size_t)c] =
				npu_fp32_to_fp16(row[c]);
		}
	}
	return 0;
}

/* Symmetric per-row int8: q = round(w / s_r), s_r = max |w_r| / 127. */
static int pack_int8(const struct llm_group *g, int8_t *b, float *scale)
{
	for (int r = 0; r < g->rows; r++) {
		const float *row = group_row(g, r);
		int8_t *q = b + (size_t)r * (size_t)g->cols;
		float amax = 0.0f;

		for (int c = 0; c < g->cols; c++) {
			if (!isfinite(row[c])) {
				llm_err("npu: %s: weight [%d][%d] is not finite",
					g->name, r, c);
				return -ERANGE;
			}
			if (fabsf(row[c]) > amax)
				amax = fabsf(row[c]);
		}
		scale[r] = amax > 0.0f ? amax / 127.0f : 1.0f;
		for (int c = 0; c < g->cols; c++)
			q[c] = (int8_t)lrintf(row[c] / scale[r]);
	}
	return 0;
}

static void group_plan_free(struct npu_group_plan *gp)
{
	if (!gp)
		return;
	npu_gemm_plan_destroy(gp->plan);
	free(gp->row_scale);
	free(gp);
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
	size_t elems = (size_t)g->rows * (size_t)g->cols;
	struct npu_group_plan *gp;
	struct npu_gemm_info info;
	void *b = NULL;
	int ret;

	ret = npu_gemm_supported(&desc);
	if (ret) {
		llm_err("npu: %s: a 1 x %d x %d %s GEMM is beyond the NPU: %s",
			g->name, g->cols, g->rows, dtype_str(nb->dtype),
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
	if (grow(&nb->x, &nb->x_len, (size_t)g->cols, sizeof(uint16_t)) ||
	    grow(&nb->y, &nb->y_len, (size_t)g->rows, sizeof(float)))
		return -ENOMEM;

	gp = calloc(1, sizeof(*gp));
	b = malloc(elems * (int8 ? 1 : sizeof(uint16_t)));
	if (int8 && gp)
		gp->row_scale = malloc((size_t)g->rows * sizeof(float));
	if (!gp || !b || (int8 && !gp->row_scale)) {
		ret = -ENOMEM;
		goto err;
	}
	ret = int8 ? pack_int8(g, b, gp->row_scale) : pack_fp16(g, b);
	if (ret)
		goto err;
	ret = npu_gemm_plan_new(nb->dev, &desc, nb->cores, &gp->plan);
	if (ret) {
		llm_err("npu: %s: cannot plan a 1 x %d x %d %s GEMM: %s",
			g->name, g->cols, g->rows, dtype_str(nb->dtype),
			strerror(-ret));
		goto err;
	}
	ret = npu_gemm_plan_set_weights(gp->plan, b);
	if (ret)
		goto err;
	free(b);
	if (!npu_gemm_plan_info(gp->plan, &info))
		nb->weight_bytes += info.weight_bytes;
	nb->plans[nb->n_plans++] = gp;
	g->priv = gp;
	return 0;
err:
	free(b);
	group_plan_free(gp);
	return ret;
}

/* x to the plan's input type; 0, or -ERANGE for what fp16 cannot hold. */
static int convert_x(struct npu_backend *nb, const struct llm_group *g,
		     const float *x, float *x_scale)
{
	if (nb->dtype == LLM_DTYPE_FP16) {
		uint16_t *h = nb->x;

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
		int8_t *q = nb->x;
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
	uint32_t status = 0, reason = 0;
	uint64_t va = 0;

	npu_gemm_plan_last_fault(gp->plan, &status, &reason, &va);
	llm_err("npu: %s: GEMM failed: %s (job status %u, reason %u, VA 0x%llx)",
		g->name, strerror(-err), status, reason,
		(unsigned long long)va);
}

static int npu_matmul(void *ctx, const struct llm_group *g, const float *x,
		      float *const out[])
{
	struct npu_backend *nb = ctx;
	struct npu_group_plan *gp = g->priv;
	uint64_t t0 = llm_now_ns();
	float x_scale;
	int ret, r = 0;

	if (!gp)
		return -EINVAL;	/* prepare() was not called for it */
	ret = convert_x(nb, g, x, &x_scale);
	if (ret)
		return ret;
	nb->convert_ns += llm_now_ns() - t0;

	ret = npu_gemm_plan_run(gp->plan, nb->x, nb->y);
	if (ret) {
		report_failure(gp, g, ret);
		return ret;
	}

	t0 = llm_now_ns();
	for (int i = 0; i < g->n; i++) {
		int rows = g->w[i]->rows;

		if (nb->dtype == LLM_DTYPE_FP16) {
			memcpy(out[i], (float *)nb->y + r,
			       (size_t)rows * sizeof(float));
		} else {
			const int32_t *acc = (const int32_t *)nb->y + r;
			const float *s = gp->row_scale + r;

			for (int j = 0; j < rows; j++)
				out[i][j] = (float)acc[j] * (x_scale * s[j]);
		}
		r += rows;
	}
	nb->convert_ns += llm_now_ns() - t0;
	return 0;
}

static void npu_get_stats(void *ctx, struct llm_backend_stats *st)
{
	struct npu_backend *nb = ctx;
	struct npu_fdinfo now;

	memset(st, 0, sizeof(*st));
	st->device = 1;
	st->node = nb->node;
	st->weight_bytes = nb->weight_bytes;
	st->pack_ns = nb->convert_ns;
	for (int i = 0; i < nb->n_plans; i++) {
		struct npu_gemm_stats ps;

		if (npu_gemm_plan_get_stats(nb->plans[i]->plan, &ps))
			continue;
		st->submits += ps.submits;
		st->jobs += ps.jobs;
		st->pack_ns += ps.pack_ns;
		st->submit_ns += ps.submit_ns;
		st->wait_ns += ps.wait_ns;
		st->unpack_ns += ps.unpack_ns;
		st->device_ns += ps.device_ns;
	}
	if (npu_device_fdinfo(nb->dev, &now))
		return;
	st->cores = (int)(now.core_count < LLM_MAX_CORES ?
			  now.core_count : LLM_MAX_CORES);
	for (int c = 0; c < st->cores; c++) {
		st->core_busy_ns[c] = now.busy_ns[c] - nb->at_open.busy_ns[c];
		st->busy_ns += st->core_busy_ns[c];
	}
	st->mem_total = now.total_memory;
	st->mem_resident = now.resident_memory;
}

static void npu_destroy(void *ctx)
{
	struct npu_backend *nb = ctx;

	for (int i = 0; i < nb->n_plans; i++)
		group_plan_free(nb->plans[i]);
	free(nb->plans);
	free(nb->x);
	free(nb->y);
	npu_device_unref(nb->dev);
	free(nb);
}

int llm_backend_npu(struct llm_backend *b, unsigned int index,
		    enum llm_dtype dtype, int cores)
{
	struct npu_backend *nb;
	uint64_t n_cores = 0;
	int ret, n;

	memset(b, 0, sizeof(*b));
	if (dtype != LLM_DTYPE_FP16 && dtype != LLM_DTYPE_INT8) {
		llm_err("npu: the NPU multiplies in fp16 or int8");
		return -EINVAL;
	}
	nb = calloc(1, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	nb->dtype = dtype;

	ret = npu_device_open(index, &nb->dev);
	if (ret) {
		n = npu_device_count();
		if (n > 0)
			llm_err("npu: no NPU die %u: this system has %d", index, n);
		else if (n == 0 || n == -ENODEV)
			llm_err("npu: no NPU found (no /dev/accel/accel* or render node of the npu driver): is npu.ko loaded?");
		else
			llm_err("npu: cannot open NPU die %u: %s", index,
				strerror(-ret));
		free(nb);
		return ret;
	}
	npu_device_get_param(nb->dev, NPU_PARAM_CORE_COUNT, &n_cores);
	if (cores < 0 || (uint64_t)cores > n_cores) {
		llm_err("npu: --cores %d: die %u has %llu cores", cores, index,
			(unsigned long long)n_cores);
		npu_device_unref(nb->dev);
		free(nb);
		return -EINVAL;
	}
	nb->cores = cores ? (unsigned int)cores : (unsigned int)n_cores;
	snprintf(nb->node, sizeof(nb->node), "%s",
		 npu_device_path(nb->dev) ? npu_device_path(nb->dev) : "?");
	npu_device_fdinfo(nb->dev, &nb->at_open);

	*b = (struct llm_backend){
		.name = "npu",
		.dtype = dtype,
		.ctx = nb,
		.prepare = npu_prepare,
		.matmul = npu_matmul,
		.get_stats = npu_get_stats,
		.destroy = npu_destroy,
	};
	return 0;
}
