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

/*
 * Every layout keeps runs of consecutive elements of a row together (a
 * 16-byte channel group, a 32-channel weight tile row, or a whole row when
 * there is one row per tile): one memcpy() per run, not per element.
 */
static void put_run(void *dst, size_t i, const void *src, size_t j,
		    size_t count, uint32_t size)
{
	memcpy((uint8_t *)dst + i * size, (const uint8_t *)src + j * size,
	       count * size);
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

		/* one row per tile: (k / c2) * c2 + k % c2 = k, the row as it is */
		if (mt == 1) {
			put_run(tile, 0, a, (size_t)m0 * t->desc.k, t->desc.k,
				g->in_size);
			continue;
		}
		for (m = 0; m < mt; m++)
			for (k = 0; k < t->desc.k; k += g->c2)
				put_run(tile, ((size_t)(k / g->c2) * mt + m) * g->c2,
					a, (size_t)(m0 + m) * t->desc.k + k,
					t->desc.k - k < g->c2 ? t->desc.k - k : g->c2,
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
		for (k = 0; k < t->desc.k; k += NPU_WEIGHT_TILE_C)
			put_run(dst, (size_t)(n / g->tile_n) * g->tile_n * g->kp +
				(size_t)(k / NPU_WEIGHT_TILE_C) *
				NPU_WEIGHT_TILE_C * g->tile_n +
				(n % g->tile_n) * NPU_WEIGHT_TILE_C,
				b, (size_t)n * t->desc.k + k,
				t->desc.k - k < NPU_WEIGHT_TILE_C ?
				t->desc.k - k : NPU_WEIGHT_TILE_C, g->in_size);
}

/**
 * libnpu_gemm_unpack_weight_row() - row @n of B from its weight tiles
 * @t: the tiling
 * @src: t->w_bytes bytes as libnpu_gemm_pack_weights() wrote them
 * @n: the row, below t->desc.n
 * @row: out: t->desc.k elements of the input type
 */
void libnpu_gemm_unpack_weight_row(const struct npu_gemm_tiling *t,
				   const void *src, uint32_t n, void *row)
{
	const struct npu_gemm_geom *g = &t->g;
	uint32_t k;

	for (k = 0; k < t->desc.k; k += NPU_WEIGHT_TILE_C)
		put_run(row, k, src, (size_t)(n / g->tile_n) * g->tile_n * g->kp +
			(size_t)(k / NPU_WEIGHT_TILE_C) * NPU_WEIGHT_TILE_C *
			g->tile_n + (n % g->tile_n) * NPU_WEIGHT_TILE_C,
			t->desc.k - k < NPU_WEIGHT_TILE_C ?
			t->desc.k - k : NPU_WEIGHT_TILE_C, g->in_size);
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
		/* one row per channel group: the task's outputs are one run */
		if (task->out_stride == 1 && task->mt == 1) {
			if (n_end > task->n0)
				put_run(c, (size_t)task->m0 * ldc + task->n0, out,
					0, n_end - task->n0, g->out_size);
			continue;
		}
		for (m = 0; m < task->mt; m++)
			for (n = task->n0; n < n_end; n += g->out_c2) {
				uint32_t r = n - task->n0;

				put_run(c, (size_t)(task->m0 + m) * ldc + n,
					out, ((size_t)(r / g->out_c2) * task->out_stride + m) *
					g->out_c2, n_end - n < g->out_c2 ?
					n_end - n : g->out_c2, g->out_size);
			}
	}
}
