// SPDX-License-Identifier: MIT
/*
 * libggml-npu: a ggml backend (GGML_BACKEND_DL module) that runs
 * llama.cpp's weight matmuls on the NPU through libnpu.
 *
 * One ggml device per NPU die ("NPU0", "NPU1", ...), of type IGPU (an
 * accelerator on host memory): llama.cpp offloads layers to it with -ngl
 * as to any GPU, and with several dies splits layers (or rows) over them.
 *
 * Buffers are host memory holding tensors in ggml's own layout.  A weight
 * (a 2-D leaf tensor of a type below) is also converted once, to fp16 or
 * to int8 with one scale per row, and packed into a libnpu weights object
 * on the die: when set_tensor uploads it into a weights buffer, or else
 * at its first matmul.  A plan of M = 1 (and one for batches, grown as
 * needed) runs on those weights; nothing of the weights is copied again.
 * Writing the tensor (set_tensor, memset, clear) drops the packed copy.
 *
 * The backend computes MUL_MAT of such a weight by F32 activations, for
 * any number of rows, and nothing else: supports_op() says no to every
 * other op, so llama.cpp's scheduler runs them on the CPU in plain sight.
 *
 * Environment:
 *   GGML_NPU_DTYPE=fp16|int8   how weights are held (fp16 by default)
 *   GGML_NPU_STATS=1           log what ran when a backend is freed
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ggml.h"
#include "ggml-backend-impl.h"
#include "ggml-impl.h"

#include "npu.h"
#include "npu_gemm.h"

#define NPU_GGML_MAX_DEVICES	16
#define NPU_GGML_ALIGN		64
/* Rows of A one run takes; more rows are run in slices of this many. */
#define NPU_GGML_M_MAX		512
#define FP16_MAX		65504.0f

/* What a die's backend counts, for GGML_NPU_STATS. */
struct npu_ggml_stats {
	atomic_ullong matmuls, rows, submits, graphs;
	atomic_ullong packed_bytes, packed_tensors;
	atomic_ullong host_ns;	/* convert, pack, submit, wait, unpack */
};

struct npu_ggml_device {
	struct ggml_backend_device gdev;
	struct ggml_backend_buffer_type buft;
	struct npu_device *dev;
	struct npu_device_group *group;	/* of this one die */
	unsigned int index;
	uint32_t in_type;		/* NPU_DTYPE_FP16 or _INT8 */
	char name[16];
	char description[96];
	struct npu_ggml_stats stats;
	struct npu_fdinfo at_open;
};

/*
 * A weight's NPU copy, on its buffer's list, found by the tensor's address
 * (not through tensor->extra, which a freed tensor's successor at the same
 * address would inherit): init_tensor drops what a new tensor at an old
 * address would find.
 */
struct npu_ggml_weight {
	struct npu_ggml_weight *next;	/* in its buffer */
	const struct ggml_tensor *tensor;
	const char *data;		/* the tensor's bytes, for overlaps */
	size_t nbytes;
	pthread_mutex_t lock;		/* one matmul on the plans at a time */
	struct npu_gemm_weights *w;
	struct npu_gemm_plan *plan1;	/* M = 1 */
	struct npu_gemm_plan *plan;	/* M up to plan_m */
	uint32_t plan_m;
	float *row_scale;		/* int8: per row of B */
};

/*
 * A buffer; @lock guards @weights (two llama contexts on one model compute
 * on the same weights buffers from their own threads).  Only a weights
 * buffer keeps packed copies: the CPU writes other host buffers without
 * set_tensor, so their matmuls pack B for the call.
 */
struct npu_ggml_buffer {
	struct npu_ggml_device *nd;
	void *base;
	pthread_mutex_t lock;
	struct npu_ggml_weight *weights;
};

struct npu_ggml_backend {
	struct npu_ggml_device *nd;
	void *a;	/* converted activations */
	void *c;	/* raw results */
	size_t a_len, c_len;
	float *a_scale;
	size_t a_scale_len;
};

static struct {
	struct ggml_backend_reg reg;
	struct npu_ggml_device devs[NPU_GGML_MAX_DEVICES];
	unsigned int count;
} npu_ggml;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Weights
 */

/* ggml types whose rows ggml can turn into fp32. */
static bool npu_ggml_weight_type(enum ggml_type t)
{
	switch (t) {
	case GGML_TYPE_F32:
	case GGML_TYPE_F16:
	case GGML_TYPE_BF16:
	case GGML_TYPE_Q8_0:
	case GGML_TYPE_Q4_0:
	case GGML_TYPE_Q4_1:
	case GGML_TYPE_Q5_0:
	case GGML_TYPE_Q5_1:
	case GGML_TYPE_Q4_K:
	case GGML_TYPE_Q5_K:
	case GGML_TYPE_Q6_K:
		return true;
	default:
		return false;
	}
}

/*
 * A 2-D tensor the NPU can hold as B: [ne1 = N rows][ne0 = K], in runs of
 * @m rows (at most NPU_GGML_M_MAX: more are run in slices).
 */
static bool npu_ggml_is_weight(const struct npu_ggml_device *nd,
			       const struct ggml_tensor *t, uint64_t m)
{
	struct npu_gemm_desc d = {
		.m = m < NPU_GGML_M_MAX ? (uint32_t)m : NPU_GGML_M_MAX,
		.k = (uint32_t)t->ne[0], .n = (uint32_t)t->ne[1],
		.in_type = nd->in_type,
		.out_type = nd->in_type == NPU_DTYPE_INT8 ? NPU_DTYPE_INT32 :
							    NPU_DTYPE_FP32,
	};

	return npu_ggml_weight_type(t->type) && t->ne[2] == 1 &&
	       t->ne[3] == 1 && ggml_is_contiguous(t) && !t->view_src &&
	       t->ne[0] <= UINT32_MAX && t->ne[1] <= UINT32_MAX &&
	       npu_gemm_supported(&d) == 0;
}

static void npu_ggml_weight_free(struct npu_ggml_weight *nw)
{
	pthread_mutex_destroy(&nw->lock);
	npu_gemm_plan_destroy(nw->plan1);
	npu_gemm_plan_destroy(nw->plan);
	npu_gemm_weights_unref(nw->w);
	free(nw->row_scale);
	free(nw);
}

/* B as fp16 or int8 rows, from the tensor's ggml data. */
static int npu_ggml_convert_b(const struct npu_ggml_device *nd,
			      const struct ggml_tensor *t, void *b,
			      float *row_scale)
{
	const struct ggml_type_traits *tr = ggml_get_type_traits(t->type);
	int64_t k = t->ne[0], n = t->ne[1], r, i;
	float *row = malloc((size_t)k * sizeof(float));
	int ret = 0;

	if (!row)
		return -ENOMEM;
	for (r = 0; !ret && r < n; r++) {
		const char *src = (const char *)t->data + r * t->nb[1];

		if (t->type == GGML_TYPE_F32)
			memcpy(row, src, (size_t)k * sizeof(float));
		else
			tr->to_float(src, row, k);
		if (nd->in_type == NPU_DTYPE_INT8) {
			ret = npu_gemm_quantize_rows(1, (uint32_t)k, row,
						     (int8_t *)b + r * k,
						     &row_scale[r]);
			continue;
		}
		for (i = 0; i < k; i++) {
			if (!(fabsf(row[i]) <= FP16_MAX)) {
				ret = -ERANGE;
				break;
			}
			((uint16_t *)b)[r * k + i] = npu_fp32_to_fp16(row[i]);
		}
	}
	free(row);
	return ret;
}

static int npu_ggml_plan(struct npu_ggml_device *nd, struct npu_ggml_weight *nw,
			 uint32_t m_max, struct npu_gemm_plan **plan)
{
	struct npu_gemm_plan_desc pd = {
		.m_max = m_max,
		.out_type = nd->in_type == NPU_DTYPE_INT8 ? NPU_DTYPE_INT32 :
							    NPU_DTYPE_FP32,
	};

	return npu_gemm_plan_new(nw->w, &pd, plan);
}

/* Convert and pack @t into a weights object of its die, on the list. */
static struct npu_ggml_weight *npu_ggml_pack(struct npu_ggml_buffer *nb,
					     struct ggml_tensor *t)
{
	struct npu_ggml_device *nd = nb->nd;
	struct npu_gemm_weights_desc wd = {
		.k = (uint32_t)t->ne[0], .n = (uint32_t)t->ne[1],
		.in_type = nd->in_type,
	};
	struct npu_gemm_weights_info info;
	size_t es = nd->in_type == NPU_DTYPE_INT8 ? 1 : 2;
	struct npu_ggml_weight *nw = calloc(1, sizeof(*nw));
	uint64_t t0 = now_ns();
	void *b = NULL;
	int ret = -ENOMEM;

	if (!nw)
		goto err;
	pthread_mutex_init(&nw->lock, NULL);
	b = malloc((size_t)wd.k * wd.n * es);
	if (nd->in_type == NPU_DTYPE_INT8)
		nw->row_scale = malloc((size_t)wd.n * sizeof(float));
	if (!b || (nd->in_type == NPU_DTYPE_INT8 && !nw->row_scale))
		goto err;
	ret = npu_ggml_convert_b(nd, t, b, nw->row_scale);
	if (ret == -ERANGE) {
		GGML_LOG_ERROR("%s: %s: %s\n", nd->name, t->name,
			       nd->in_type == NPU_DTYPE_INT8 ?
			       "a weight is not finite" :
			       "a weight does not fit in fp16 (GGML_NPU_DTYPE=int8 holds it)");
		goto err;
	}
	if (!ret)
		ret = npu_gemm_weights_new(nd->group, &wd, &nw->w);
	if (!ret)
		ret = npu_gemm_weights_set(nw->w, b);
	if (!ret)
		ret = npu_ggml_plan(nd, nw, 1, &nw->plan1);
	if (ret)
		goto err;
	free(b);
	if (!npu_gemm_weights_info(nw->w, &info))
		atomic_fetch_add(&nd->stats.packed_bytes, info.bytes[0]);
	atomic_fetch_add(&nd->stats.packed_tensors, 1);
	atomic_fetch_add(&nd->stats.host_ns, now_ns() - t0);
	nw->tensor = t;
	nw->data = t->data;
	nw->nbytes = ggml_nbytes(t);
	return nw;
err:
	if (ret != -ERANGE)
		GGML_LOG_ERROR("%s: %s: cannot pack a %u x %u weight: %s\n",
			       nd->name, t->name, wd.n, wd.k, strerror(-ret));
	free(b);
	if (nw)
		npu_ggml_weight_free(nw);
	return NULL;
}

static struct npu_ggml_weight **npu_ggml_find(struct npu_ggml_buffer *nb,
					      const struct ggml_tensor *t)
{
	struct npu_ggml_weight **p;

	for (p = &nb->weights; *p; p = &(*p)->next)
		if ((*p)->tensor == t)
			return p;
	return NULL;
}

/*
 * Drop the NPU copies of what a write of @size bytes at @data reaches (a
 * view's write reaches its base), and of @t itself (a new tensor at an old
 * address).
 */
static void npu_ggml_unpack(struct npu_ggml_buffer *nb,
			    const struct ggml_tensor *t, const char *data,
			    size_t size)
{
	struct npu_ggml_weight **p, *nw;

	pthread_mutex_lock(&nb->lock);
	for (p = &nb->weights; (nw = *p);) {
		/* nw->tensor may be freed: compare addresses only */
		if (nw->tensor == t ||
		    (data < nw->data + nw->nbytes && nw->data < data + size)) {
			*p = nw->next;
			npu_ggml_weight_free(nw);
		} else {
			p = &nw->next;
		}
	}
	pthread_mutex_unlock(&nb->lock);
}

/*
 * Buffers
 */

static struct npu_ggml_buffer *npu_buf(ggml_backend_buffer_t buffer)
{
	return buffer->context;
}

static void npu_ggml_buffer_reset(ggml_backend_buffer_t buffer)
{
	struct npu_ggml_buffer *nb = npu_buf(buffer);

	pthread_mutex_lock(&nb->lock);
	while (nb->weights) {
		struct npu_ggml_weight *nw = nb->weights;

		nb->weights = nw->next;
		npu_ggml_weight_free(nw);
	}
	pthread_mutex_unlock(&nb->lock);
}

static void npu_ggml_buffer_free(ggml_backend_buffer_t buffer)
{
	struct npu_ggml_buffer *nb = npu_buf(buffer);

	npu_ggml_buffer_reset(buffer);
	pthread_mutex_destroy(&nb->lock);
	free(nb->base);
	free(nb);
}

static void *npu_ggml_buffer_get_base(ggml_backend_buffer_t buffer)
{
	return npu_buf(buffer)->base;
}

static enum ggml_status npu_ggml_buffer_init_tensor(ggml_backend_buffer_t buffer,
						    struct ggml_tensor *tensor)
{
	npu_ggml_unpack(npu_buf(buffer), tensor, NULL, 0);
	return GGML_STATUS_SUCCESS;
}

static void npu_ggml_buffer_memset_tensor(ggml_backend_buffer_t buffer,
					  struct ggml_tensor *tensor,
					  uint8_t value, size_t offset,
					  size_t size)
{
	npu_ggml_unpack(npu_buf(buffer), tensor, (char *)tensor->data + offset,
			size);
	memset((char *)tensor->data + offset, value, size);
}

/* Weights are packed as llama.cpp uploads them, whole. */
static void npu_ggml_buffer_set_tensor(ggml_backend_buffer_t buffer,
				       struct ggml_tensor *tensor,
				       const void *data, size_t offset,
				       size_t size)
{
	struct npu_ggml_buffer *nb = npu_buf(buffer);

	struct npu_ggml_weight *nw;

	npu_ggml_unpack(nb, tensor, (char *)tensor->data + offset, size);
	memcpy((char *)tensor->data + offset, data, size);
	if (ggml_backend_buffer_get_usage(buffer) ==
	    GGML_BACKEND_BUFFER_USAGE_WEIGHTS && !offset &&
	    size == ggml_nbytes(tensor) && npu_ggml_is_weight(nb->nd, tensor, 1)) {
		nw = npu_ggml_pack(nb, tensor);
		if (nw) {
			pthread_mutex_lock(&nb->lock);
			nw->next = nb->weights;
			nb->weights = nw;
			pthread_mutex_unlock(&nb->lock);
		}
	}
}

static void npu_ggml_buffer_get_tensor(ggml_backend_buffer_t buffer,
				       const struct ggml_tensor *tensor,
				       void *data, size_t offset, size_t size)
{
	memcpy(data, (const char *)tensor->data + offset, size);
}

static void npu_ggml_buffer_clear(ggml_backend_buffer_t buffer, uint8_t value)
{
	npu_ggml_buffer_reset(buffer);
	memset(npu_buf(buffer)->base, value, buffer->size);
}

static const struct ggml_backend_buffer_i npu_ggml_buffer_i = {
	.free_buffer = npu_ggml_buffer_free,
	.get_base = npu_ggml_buffer_get_base,
	.init_tensor = npu_ggml_buffer_init_tensor,
	.memset_tensor = npu_ggml_buffer_memset_tensor,
	.set_tensor = npu_ggml_buffer_set_tensor,
	.get_tensor = npu_ggml_buffer_get_tensor,
	.clear = npu_ggml_buffer_clear,
	.reset = npu_ggml_buffer_reset,
};

static const char *npu_ggml_buft_get_name(ggml_backend_buffer_type_t buft)
{
	return ((struct npu_ggml_device *)buft->context)->name;
}

static ggml_backend_buffer_t
npu_ggml_buft_alloc_buffer(ggml_backend_buffer_type_t buft, size_t size)
{
	struct npu_ggml_buffer *nb = calloc(1, sizeof(*nb));
	size_t bytes = (size + NPU_GGML_ALIGN - 1) / NPU_GGML_ALIGN *
		       NPU_GGML_ALIGN;

	if (!nb)
		return NULL;
	nb->nd = buft->context;
	pthread_mutex_init(&nb->lock, NULL);
	nb->base = aligned_alloc(NPU_GGML_ALIGN, bytes ? bytes : NPU_GGML_ALIGN);
	if (!nb->base) {
		GGML_LOG_ERROR("%s: cannot allocate %zu bytes\n", nb->nd->name,
			       size);
		pthread_mutex_destroy(&nb->lock);
		free(nb);
		return NULL;
	}
	return ggml_backend_buffer_init(buft, npu_ggml_buffer_i, nb, size);
}

static size_t npu_ggml_buft_get_alignment(ggml_backend_buffer_type_t buft)
{
	return NPU_GGML_ALIGN;
}

/*
 * Host memory in ggml's layout: the CPU backend runs what the NPU does
 * not (attention, norms, the KV cache's updates) on these buffers
 * directly, with no copy.  llama.cpp then reads weights straight into
 * them instead of calling set_tensor, so a weight is packed at its first
 * matmul (once) when set_tensor did not pack it.
 */
static bool npu_ggml_buft_is_host(ggml_backend_buffer_type_t buft)
{
	return true;
}

static const struct ggml_backend_buffer_type_i npu_ggml_buft_i = {
	.get_name = npu_ggml_buft_get_name,
	.alloc_buffer = npu_ggml_buft_alloc_buffer,
	.get_alignment = npu_ggml_buft_get_alignment,
	.is_host = npu_ggml_buft_is_host,
};

/*
 * Matmul: dst[m][n] = sum_k src1[m][k] src0[n][k]
 */

static int grow(void **p, size_t *len, size_t want)
{
	void *q;

	if (*len >= want)
		return 0;
	q = realloc(*p, want);
	if (!q)
		return -ENOMEM;
	*p = q;
	*len = want;
	return 0;
}

/* The plan for @m rows: M = 1, or the batch plan grown to a power of 2. */
static int npu_ggml_plan_for(struct npu_ggml_device *nd,
			     struct npu_ggml_weight *nw, uint32_t m,
			     struct npu_gemm_plan **plan)
{
	uint32_t want = 64;
	int ret;

	if (m == 1) {
		*plan = nw->plan1;
		return 0;
	}
	if (nw->plan && m <= nw->plan_m) {
		*plan = nw->plan;
		return 0;
	}
	while (want < m)
		want *= 2;
	npu_gemm_plan_destroy(nw->plan);
	nw->plan = NULL;
	ret = npu_ggml_plan(nd, nw, want, &nw->plan);
	if (ret == -E2BIG && want > m) {
		/* the rounded-up M is beyond a job: exactly M is not */
		want = m;
		ret = npu_ggml_plan(nd, nw, want, &nw->plan);
	}
	nw->plan_m = ret ? 0 : want;
	*plan = nw->plan;
	return ret;
}

/* A (rows of src1) to the NPU's input type. */
static int npu_ggml_convert_a(struct npu_ggml_backend *be, const float *x,
			      uint32_t m, uint32_t k)
{
	size_t n = (size_t)m * k, i;

	if (be->nd->in_type == NPU_DTYPE_INT8) {
		if (grow((void **)&be->a_scale, &be->a_scale_len,
			 m * sizeof(float)))
			return -ENOMEM;
		return npu_gemm_quantize_rows(m, k, x, be->a, be->a_scale);
	}
	for (i = 0; i < n; i++) {
		if (!(fabsf(x[i]) <= FP16_MAX))
			return -ERANGE;
		((uint16_t *)be->a)[i] = npu_fp32_to_fp16(x[i]);
	}
	return 0;
}

static int npu_ggml_mul_mat_rows(struct npu_ggml_backend *be,
				 struct npu_ggml_weight *nw, const float *x,
				 float *y, uint32_t m, uint32_t k, uint32_t n)
{
	struct npu_ggml_device *nd = be->nd;
	size_t es = nd->in_type == NPU_DTYPE_INT8 ? 1 : 2;
	struct npu_gemm_plan *plan;
	bool int8 = nd->in_type == NPU_DTYPE_INT8;
	int ret;

	if (grow(&be->a, &be->a_len, (size_t)m * k * es) ||
	    (int8 && grow(&be->c, &be->c_len, (size_t)m * n * 4)))
		return -ENOMEM;
	ret = npu_ggml_convert_a(be, x, m, k);
	if (ret)
		return ret;
	ret = npu_ggml_plan_for(nd, nw, m, &plan);
	if (!ret)
		ret = npu_gemm_plan_run(plan, m, be->a, int8 ? be->c : y);
	if (ret) {
		struct npu_job_status st;
		uint32_t die;

		if (plan && !npu_gemm_plan_last_fault(plan, &die, &st) &&
		    st.state)
			GGML_LOG_ERROR("%s: job %s, reason %u, VA %#llx\n",
				       nd->name, npu_job_state_name(st.state),
				       st.reason,
				       (unsigned long long)st.fault_va);
		return ret;
	}
	if (int8)
		npu_gemm_dequantize(m, n, be->c, be->a_scale, nw->row_scale, y);
	atomic_fetch_add(&nd->stats.submits, 1);
	return 0;
}

static enum ggml_status npu_ggml_mul_mat(struct npu_ggml_backend *be,
					 struct ggml_tensor *dst)
{
	struct ggml_tensor *w = dst->src[0], *x = dst->src[1];
	struct npu_ggml_device *nd = be->nd;
	struct npu_ggml_buffer *nb = npu_buf(w->buffer);
	bool keep = ggml_backend_buffer_get_usage(w->buffer) ==
		    GGML_BACKEND_BUFFER_USAGE_WEIGHTS;
	uint32_t k = (uint32_t)w->ne[0], n = (uint32_t)w->ne[1];
	uint64_t rows = (uint64_t)x->ne[1] * x->ne[2] * x->ne[3], r;
	uint64_t t0 = now_ns();
	struct npu_ggml_weight **found, *nw;
	int ret = 0;

	/* a weights buffer's copy, packed once; otherwise one for this call */
	pthread_mutex_lock(&nb->lock);
	found = keep ? npu_ggml_find(nb, w) : NULL;
	nw = found ? *found : npu_ggml_pack(nb, w);
	if (nw && keep && !found) {
		nw->next = nb->weights;
		nb->weights = nw;
	}
	if (nw)
		pthread_mutex_lock(&nw->lock);
	pthread_mutex_unlock(&nb->lock);
	if (!nw)
		return GGML_STATUS_FAILED;
	/* rows of x and of dst are contiguous (supports_op) */
	for (r = 0; !ret && r < rows; r += NPU_GGML_M_MAX) {
		uint32_t m = rows - r < NPU_GGML_M_MAX ? (uint32_t)(rows - r) :
							  NPU_GGML_M_MAX;

		ret = npu_ggml_mul_mat_rows(be, nw, (const float *)x->data +
					    r * k, (float *)dst->data + r * n,
					    m, k, n);
	}
	pthread_mutex_unlock(&nw->lock);
	if (!keep)
		npu_ggml_weight_free(nw);
	atomic_fetch_add(&nd->stats.host_ns, now_ns() - t0);
	if (ret) {
		GGML_LOG_ERROR("%s: %s (%u x %u x %llu): %s\n", nd->name,
			       dst->name, n, k, (unsigned long long)rows,
			       ret != -ERANGE ? strerror(-ret) :
			       nd->in_type == NPU_DTYPE_INT8 ?
			       "an input is not finite" :
			       "an input does not fit in fp16");
		return GGML_STATUS_FAILED;
	}
	atomic_fetch_add(&nd->stats.matmuls, 1);
	atomic_fetch_add(&nd->stats.rows, rows);
	return GGML_STATUS_SUCCESS;
}

/*
 * Backend (stream)
 */

static const char *npu_ggml_backend_name(ggml_backend_t backend)
{
	return ((struct npu_ggml_backend *)backend->context)->nd->name;
}

static void npu_ggml_log_stats(struct npu_ggml_device *nd)
{
	struct npu_fdinfo now;
	unsigned long long graphs = atomic_load(&nd->stats.graphs);
	unsigned long long submits = atomic_load(&nd->stats.submits);
	char busy[256] = "";
	size_t len = 0;
	uint32_t c;

	GGML_LOG_INFO("%s: %llu matmuls (%llu rows) in %llu graphs, %llu submits (%.1f per graph), %llu weights packed (%.1f MiB), %.1f ms host time in the backend\n",
		      nd->name, (unsigned long long)atomic_load(&nd->stats.matmuls),
		      (unsigned long long)atomic_load(&nd->stats.rows), graphs,
		      submits, graphs ? (double)submits / (double)graphs : 0.0,
		      (unsigned long long)atomic_load(&nd->stats.packed_tensors),
		      (double)atomic_load(&nd->stats.packed_bytes) / 1048576.0,
		      (double)atomic_load(&nd->stats.host_ns) / 1e6);
	if (npu_device_fdinfo(nd->dev, &now))
		return;
	for (c = 0; c < now.core_count && len < sizeof(busy) - 32; c++)
		len += (size_t)snprintf(busy + len, sizeof(busy) - len,
					" core%u %.1f ms", c,
					(double)(now.busy_ns[c] -
						 nd->at_open.busy_ns[c]) / 1e6);
	GGML_LOG_INFO("%s: busy%s; memory %.1f MiB resident (fdinfo)\n",
		      nd->name, busy, (double)now.resident_memory / 1048576.0);
}

static bool npu_ggml_stats_wanted(void)
{
	const char *s = getenv("GGML_NPU_STATS");

	return s && *s && strcmp(s, "0");
}

static void npu_ggml_backend_free(ggml_backend_t backend)
{
	struct npu_ggml_backend *be = backend->context;

	if (npu_ggml_stats_wanted())
		npu_ggml_log_stats(be->nd);
	free(be->a);
	free(be->c);
	free(be->a_scale);
	free(be);
	free(backend);
}

static enum ggml_status npu_ggml_graph_compute(ggml_backend_t backend,
					       struct ggml_cgraph *cgraph)
{
	struct npu_ggml_backend *be = backend->context;
	int i;

	atomic_fetch_add(&be->nd->stats.graphs, 1);
	for (i = 0; i < ggml_graph_n_nodes(cgraph); i++) {
		struct ggml_tensor *node = ggml_graph_node(cgraph, i);
		enum ggml_status st;

		switch (node->op) {
		case GGML_OP_MUL_MAT:
			st = npu_ggml_mul_mat(be, node);
			if (st != GGML_STATUS_SUCCESS)
				return st;
			break;
		case GGML_OP_NONE:
		case GGML_OP_RESHAPE:
		case GGML_OP_VIEW:
		case GGML_OP_PERMUTE:
		case GGML_OP_TRANSPOSE:
			break;
		default:
			GGML_LOG_ERROR("%s: op %s is not supported\n",
				       be->nd->name, ggml_op_desc(node));
			return GGML_STATUS_FAILED;
		}
	}
	return GGML_STATUS_SUCCESS;
}

static const struct ggml_backend_i npu_ggml_backend_i = {
	.get_name = npu_ggml_backend_name,
	.free = npu_ggml_backend_free,
	.graph_compute = npu_ggml_graph_compute,
};

static ggml_guid_t npu_ggml_guid(void)
{
	static ggml_guid guid = {
		0x6e, 0x70, 0x75, 0x2d, 0x67, 0x67, 0x6d, 0x6c,
		0x2d, 0x62, 0x61, 0x63, 0x6b, 0x65, 0x6e, 0x64,
	};

	return &guid;
}

/*
 * Device
 */

static struct npu_ggml_device *npu_dev(ggml_backend_dev_t dev)
{
	return dev->context;
}

static const char *npu_ggml_dev_get_name(ggml_backend_dev_t dev)
{
	return npu_dev(dev)->name;
}

static const char *npu_ggml_dev_get_description(ggml_backend_dev_t dev)
{
	return npu_dev(dev)->description;
}

/* The die's local memory; free is what the system has free. */
static void npu_ggml_dev_get_memory(ggml_backend_dev_t dev, size_t *free_b,
				    size_t *total)
{
	uint64_t mem = 0;
	long pages = sysconf(_SC_AVPHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

	npu_device_get_param(npu_dev(dev)->dev, NPU_PARAM_MEM_TOTAL, &mem);
	*total = (size_t)mem;
	*free_b = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize : 0;
	if (*free_b > *total)
		*free_b = *total;
}

static enum ggml_backend_dev_type npu_ggml_dev_get_type(ggml_backend_dev_t dev)
{
	return GGML_BACKEND_DEVICE_TYPE_IGPU;
}

static void npu_ggml_dev_get_props(ggml_backend_dev_t dev,
				   struct ggml_backend_dev_props *props)
{
	memset(props, 0, sizeof(*props));
	props->name = npu_ggml_dev_get_name(dev);
	props->description = npu_ggml_dev_get_description(dev);
	props->type = npu_ggml_dev_get_type(dev);
	npu_ggml_dev_get_memory(dev, &props->memory_free, &props->memory_total);
}

static ggml_backend_t npu_ggml_dev_init_backend(ggml_backend_dev_t dev,
						const char *params)
{
	struct npu_ggml_backend *be = calloc(1, sizeof(*be));
	ggml_backend_t backend = calloc(1, sizeof(*backend));

	if (!be || !backend) {
		free(be);
		free(backend);
		return NULL;
	}
	be->nd = npu_dev(dev);
	backend->guid = npu_ggml_guid();
	backend->iface = npu_ggml_backend_i;
	backend->device = dev;
	backend->context = be;
	return backend;
}

static ggml_backend_buffer_type_t
npu_ggml_dev_get_buffer_type(ggml_backend_dev_t dev)
{
	return &npu_dev(dev)->buft;
}

/*
 * A leaf of the graph (not computed by it) in a buffer of this die, or not
 * allocated yet (test-backend-ops asks before it allocates): its data
 * changes only through set_tensor, which drops the packed copy.
 */
static bool npu_ggml_weight_of(const struct ggml_tensor *t,
			       const struct npu_ggml_device *nd)
{
	return t->op == GGML_OP_NONE &&
	       (!t->buffer || t->buffer->buft == &nd->buft);
}

static bool npu_ggml_dev_supports_op(ggml_backend_dev_t dev,
				     const struct ggml_tensor *op)
{
	struct npu_ggml_device *nd = npu_dev(dev);
	const struct ggml_tensor *w = op->src[0], *x = op->src[1];

	switch (op->op) {
	case GGML_OP_NONE:
	case GGML_OP_RESHAPE:
	case GGML_OP_VIEW:
	case GGML_OP_PERMUTE:
	case GGML_OP_TRANSPOSE:
		return true;
	case GGML_OP_MUL_MAT:
		/* a weight of this die times rows of F32 activations */
		return npu_ggml_weight_of(w, nd) &&
		       npu_ggml_is_weight(nd, w, (uint64_t)x->ne[1] * x->ne[2] *
					  x->ne[3]) &&
		       x->type == GGML_TYPE_F32 && op->type == GGML_TYPE_F32 &&
		       ggml_is_contiguous(x) && ggml_is_contiguous(op) &&
		       x->ne[0] == w->ne[0];
	default:
		return false;
	}
}

static bool npu_ggml_dev_supports_buft(ggml_backend_dev_t dev,
				       ggml_backend_buffer_type_t buft)
{
	return buft == &npu_dev(dev)->buft;
}

static const struct ggml_backend_device_i npu_ggml_device_i = {
	.get_name = npu_ggml_dev_get_name,
	.get_description = npu_ggml_dev_get_description,
	.get_memory = npu_ggml_dev_get_memory,
	.get_type = npu_ggml_dev_get_type,
	.get_props = npu_ggml_dev_get_props,
	.init_backend = npu_ggml_dev_init_backend,
	.get_buffer_type = npu_ggml_dev_get_buffer_type,
	.supports_op = npu_ggml_dev_supports_op,
	.supports_buft = npu_ggml_dev_supports_buft,
};

/*
 * Registry
 */

static const char *npu_ggml_reg_get_name(ggml_backend_reg_t reg)
{
	return "NPU";
}

static size_t npu_ggml_reg_get_device_count(ggml_backend_reg_t reg)
{
	return npu_ggml.count;
}

static ggml_backend_dev_t npu_ggml_reg_get_device(ggml_backend_reg_t reg,
						  size_t index)
{
	return index < npu_ggml.count ? &npu_ggml.devs[index].gdev : NULL;
}

static const struct ggml_backend_reg_i npu_ggml_reg_i = {
	.get_name = npu_ggml_reg_get_name,
	.get_device_count = npu_ggml_reg_get_device_count,
	.get_device = npu_ggml_reg_get_device,
};

static uint32_t npu_ggml_dtype(void)
{
	const char *s = getenv("GGML_NPU_DTYPE");

	if (!s || !*s || !strcmp(s, "fp16"))
		return NPU_DTYPE_FP16;
	if (!strcmp(s, "int8"))
		return NPU_DTYPE_INT8;
	GGML_LOG_ERROR("NPU: GGML_NPU_DTYPE=%s: fp16 or int8; using fp16\n", s);
	return NPU_DTYPE_FP16;
}

/* Open every die; one without an NPU registers no device. */
static void npu_ggml_open_dies(void)
{
	int n = npu_device_count();
	uint32_t in_type = npu_ggml_dtype();
	unsigned int i;

	for (i = 0; n > 0 && i < (unsigned int)n && npu_ggml.count < NPU_GGML_MAX_DEVICES; i++) {
		struct npu_ggml_device *nd = &npu_ggml.devs[npu_ggml.count];
		uint64_t cores = 0, model = 0, die = 0;
		int ret = npu_device_open(i, &nd->dev);

		if (!ret)
			ret = npu_device_group_new(&nd->dev, 1, &nd->group);
		if (ret) {
			GGML_LOG_WARN("NPU: cannot open die %u: %s\n", i,
				      strerror(-ret));
			npu_device_unref(nd->dev);
			memset(nd, 0, sizeof(*nd));
			continue;
		}
		npu_device_get_param(nd->dev, NPU_PARAM_CORE_COUNT, &cores);
		npu_device_get_param(nd->dev, NPU_PARAM_MODEL, &model);
		npu_device_get_param(nd->dev, NPU_PARAM_DIE_INDEX, &die);
		npu_device_fdinfo(nd->dev, &nd->at_open);
		nd->index = npu_ggml.count;
		nd->in_type = in_type;
		snprintf(nd->name, sizeof(nd->name), "NPU%u", nd->index);
		snprintf(nd->description, sizeof(nd->description),
			 "%s NPU die %llu, %llu cores, %s (%s)",
			 npu_model_name(model), (unsigned long long)die,
			 (unsigned long long)cores,
			 in_type == NPU_DTYPE_INT8 ? "int8" : "fp16",
			 npu_device_path(nd->dev) ? npu_device_path(nd->dev) : "?");
		nd->buft = (struct ggml_backend_buffer_type){
			.iface = npu_ggml_buft_i, .device = &nd->gdev,
			.context = nd,
		};
		nd->gdev = (struct ggml_backend_device){
			.iface = npu_ggml_device_i, .reg = &npu_ggml.reg,
			.context = nd,
		};
		npu_ggml.count++;
	}
}

static ggml_backend_reg_t npu_ggml_reg(void)
{
	static atomic_int done;

	if (!atomic_exchange(&done, 1)) {
		npu_ggml.reg = (struct ggml_backend_reg){
			.api_version = GGML_BACKEND_API_VERSION,
			.iface = npu_ggml_reg_i,
		};
		npu_ggml_open_dies();
	}
	return &npu_ggml.reg;
}

GGML_BACKEND_API ggml_backend_reg_t ggml_backend_init(void);
ggml_backend_reg_t ggml_backend_init(void)
{
	return npu_ggml_reg();
}

/* Loaded only where an NPU is: the score says whether one is. */
GGML_BACKEND_API int ggml_backend_score(void);
int ggml_backend_score(void)
{
	return npu_device_count() > 0 ? 100 : 0;
}
