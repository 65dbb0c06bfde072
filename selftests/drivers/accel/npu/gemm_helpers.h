/* SPDX-License-Identifier: MIT */
/*
 * What the GEMM kselftests share: random operands, element sizes and the
 * shape matrix of the GEMM tests (M x K x N, within a work budget).
 */
#ifndef NPU_SELFTEST_GEMM_HELPERS_H
#define NPU_SELFTEST_GEMM_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "npu_gemm.h"

static uint64_t gemm_rng = 0x9e3779b97f4a7c15ull;

static inline uint32_t gemm_rnd(void)
{
	gemm_rng ^= gemm_rng << 13;
	gemm_rng ^= gemm_rng >> 7;
	gemm_rng ^= gemm_rng << 17;
	return (uint32_t)gemm_rng;
}

static inline size_t gemm_in_size(const struct npu_gemm_desc *d)
{
	return d->in_type == NPU_DTYPE_INT8 ? 1 : 2;
}

static inline size_t gemm_out_size(const struct npu_gemm_desc *d)
{
	return d->out_type == NPU_DTYPE_FP16 ? 2 : 4;
}

/* int8 in [-127, 127], or fp16 of k/1000 for k in [-2000, 2000] */
static inline void gemm_fill(const struct npu_gemm_desc *d, void *buf,
			     size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (d->in_type == NPU_DTYPE_INT8)
			((int8_t *)buf)[i] = (int8_t)(gemm_rnd() % 255 - 127);
		else
			((uint16_t *)buf)[i] =
				npu_fp32_to_fp16(((int)(gemm_rnd() % 4001) - 2000) / 1000.0f);
	}
}

/*
 * The shape matrix: M in {1, 4, 64, 384}, K in {32, 64, 768, 2048, 4096},
 * N in {16, 768, 2048, 16384, 32000}.  Shape @i (0 <= i < GEMM_SHAPES) of
 * types @in/@out; false when it is more than @max_macs multiply-adds.
 */
#define GEMM_SHAPES	(4 * 5 * 5)

static inline int gemm_shape(unsigned int i, uint32_t in, uint32_t out,
			     uint64_t max_macs, struct npu_gemm_desc *d)
{
	static const uint32_t ms[] = { 1, 4, 64, 384 };
	static const uint32_t ks[] = { 32, 64, 768, 2048, 4096 };
	static const uint32_t ns[] = { 16, 768, 2048, 16384, 32000 };

	*d = (struct npu_gemm_desc){
		.m = ms[i / 25], .k = ks[i / 5 % 5], .n = ns[i % 5],
		.in_type = in, .out_type = out,
	};
	return (uint64_t)d->m * d->k * d->n <= max_macs;
}

/*
 * B of @k x @n elements of @in on @dies dies of @g (0: all of them),
 * packed from @b (left unset when @b is NULL).  On failure *@w is NULL.
 */
static inline int gemm_weights_new(struct npu_device_group *g, uint32_t k,
				   uint32_t n, uint32_t in, uint32_t dies,
				   const void *b, struct npu_gemm_weights **w)
{
	struct npu_gemm_weights_desc wd = {
		.k = k, .n = n, .in_type = in, .dies = dies,
	};
	int ret = npu_gemm_weights_new(g, &wd, w);

	if (!ret && b)
		ret = npu_gemm_weights_set(*w, b);
	if (ret) {
		npu_gemm_weights_unref(*w);
		*w = NULL;
	}
	return ret;
}

/* A plan of up to @m_max rows of output type @out on @cores cores (0: all). */
static inline int gemm_plan_new(struct npu_gemm_weights *w, uint32_t m_max,
				uint32_t out, uint32_t cores,
				struct npu_gemm_plan **plan)
{
	struct npu_gemm_plan_desc pd = {
		.m_max = m_max, .out_type = out, .cores = cores,
	};

	return npu_gemm_plan_new(w, &pd, plan);
}

#endif
