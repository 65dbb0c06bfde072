// SPDX-License-Identifier: MIT
/*
 * Data layouts of the RK3588 CNA/DPU (Documentation/npu/rk3588-regcmd.rst):
 *
 *  input   NC1HWC2: channel groups of 16 bytes (8 fp16, 16 int8); within
 *          an m-tile of mt rows, element (m, k) sits at
 *          ((k / c2) * mt + m) * c2 + k % c2;
 *  weights tiles of tile_n kernels x 32 channels: element (n, k) at
 *          (n / tile_n) * tile_n * kp + (k / 32) * 32 * tile_n
 *          + (n % tile_n) * 32 + k % 32;
 *  output  channel groups of 16 bytes (4 int32/fp32, 8 fp16): element
 *          (m, n) of a task at ((n / out_c2) * mt + m) * out_c2 + n % out_c2.
 *
 * Padding (k >= K, n >= N) is zero, so it adds nothing to a sum.
 */
#include <string.h>

#include "npu_gemm_priv.h"

size_t libnpu_dtype_size(uint32_t type)
{
	switch (type) {
	case NPU_DTYPE_INT8:
		return 1;
	case NPU_DTYPE_FP16:
		return 2;
	case NPU_DTYPE_INT32:
	case NPU_DTYPE_FP32:
		return 4;
	default:
		return 0;
	}
}

static void put_elem(void *dst, size_t i, const void *src, size_t j,
		     uint32_t size)
{
	memcpy((uint8_t *)dst + i * size, (const uint8_t *)src + j * size, size);
}

/**
 * libnpu_gemm_pack_input() - lay A out for every m-tile
 * @t: the tiling
 * @a: A, [m][k] row-major, of the input type
 * @dst: t->in_bytes bytes
 */
void libnpu_gemm_pack_input(const struct npu_gemm_tiling *t, const void *a,
			 void *dst)
{
	const struct npu_gemm_geom *g = &t->g;
	uint32_t m0, m, k;

	memset(dst, 0, t->in_bytes);
	for (m0 = 0; m0 < t->desc.m; m0 += t->mt) {
		uint32_t mt = t->desc.m - m0 < t->mt ? t->desc.m - m0 : t->mt;
		uint8_t *tile = (uint8_t *)dst + (size_t)m0 * g->kp * g->in_size;

		for (m = 0; m < mt; m++)
			for (k = 0; k < t->desc.k; k++)
				put_elem(tile, ((size_t)(k / g->c2) * mt + m) *
					 g->c2 + k % g->c2, a,
					 (size_t)(m0 + m) * t->desc.k + k,
					 g->in_size);
	}
}

/**
 * libnpu_gemm_pack_weights() - lay B out in weight tiles
 * @t: the tiling
 * @b: B, [n][k] row-major, of the input type
 * @dst: t->w_bytes bytes
 */
void libnpu_gemm_pack_weights(const struct npu_gemm_tiling *t, const void *b,
			   void *dst)
{
	const struct npu_gemm_geom *g = &t->g;
	uint32_t n, k;

	memset(dst, 0, t->w_bytes);
	for (n = 0; n < t->desc.n; n++)
		for (k = 0; k < t->desc.k; k++)
			put_elem(dst, (size_t)(n / g->tile_n) * g->tile_n * g->kp +
				 (size_t)(k / NPU_WEIGHT_TILE_C) *
				 NPU_WEIGHT_TILE_C * g->tile_n +
				 (n % g->tile_n) * NPU_WEIGHT_TILE_C +
				 k % NPU_WEIGHT_TILE_C,
				 b, (size_t)n * t->desc.k + k, g->in_size);
}

/**
 * libnpu_gemm_unpack_output() - gather C from the tasks' outputs
 * @t: the tiling
 * @core_out: per core, its output buffer (t->out_bytes[core] bytes); in
 *            the global layout all cores' entries may be one buffer
 * @c: C, [m][n] row-major, of the output type
 * @ldc: elements from one row of @c to the next, at least n (a die's
 *       columns inside the whole C)
 */
void libnpu_gemm_unpack_output(const struct npu_gemm_tiling *t,
			    void *const *core_out, void *c, size_t ldc)
{
	const struct npu_gemm_geom *g = &t->g;
	uint32_t i, m, n;

	for (i = 0; i < t->task_count; i++) {
		const struct npu_gemm_task *task = &t->tasks[i];
		const uint8_t *out = (const uint8_t *)core_out[task->core] +
				     task->out_off;
		uint32_t n_end = task->n0 + task->nt;

		if (n_end > t->desc.n)
			n_end = t->desc.n;
		for (m = 0; m < task->mt; m++)
			for (n = task->n0; n < n_end; n++) {
				uint32_t r = n - task->n0;

				put_elem(c, (size_t)(task->m0 + m) * ldc + n,
					 out, ((size_t)(r / g->out_c2) * task->out_stride + m) *
					 g->out_c2 + r % g->out_c2, g->out_size);
			}
	}
}
