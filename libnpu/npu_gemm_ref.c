// SPDX-License-Identifier: MIT
/*
 * The CPU reference GEMM: the same arithmetic as the NPU model, so that
 * results can be compared bit for bit.  int8 sums exactly in int32; fp16
 * products are exact in fp32 and are summed in fp32 in k order with
 * round-to-nearest-even after each addition (integer soft-float, so no
 * compiler contraction into FMA can change a bit); fp16 output rounds the
 * fp32 sum to nearest even.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
#include "npu_softfloat.h"

/**
 * npu_gemm_reference() - compute a GEMM on the CPU as the NPU does
 * @desc: the shape
 * @a: A, [m][k] row-major
 * @b: B, [n][k] row-major
 * @c: out: C, [m][n] row-major
 *
 * Return: 0 or -EINVAL for an unsupported type combination.
 */
NPU_PUBLIC int npu_gemm_reference(const struct npu_gemm_desc *desc, const void *a,
		       const void *b, void *c)
{
	uint32_t m, n, k;

	if (!desc || !a || !b || !c)
		return -EINVAL;
	if (desc->in_type == NPU_DTYPE_INT8 && desc->out_type == NPU_DTYPE_INT32) {
		const int8_t *ai = a, *bi = b;
		int32_t *ci = c;

		for (m = 0; m < desc->m; m++)
			for (n = 0; n < desc->n; n++) {
				int32_t acc = 0;

				for (k = 0; k < desc->k; k++)
					acc += (int32_t)ai[(size_t)m * desc->k + k] *
					       bi[(size_t)n * desc->k + k];
				ci[(size_t)m * desc->n + n] = acc;
			}
		return 0;
	}
	if (desc->in_type == NPU_DTYPE_FP16 &&
	    (desc->out_type == NPU_DTYPE_FP32 || desc->out_type == NPU_DTYPE_FP16)) {
		const uint16_t *ah = a, *bh = b;

		for (m = 0; m < desc->m; m++)
			for (n = 0; n < desc->n; n++) {
				uint32_t acc = 0;

				for (k = 0; k < desc->k; k++)
					acc = npu_f32_add(acc,
						npu_f16_mul_f32(ah[(size_t)m * desc->k + k],
								bh[(size_t)n * desc->k + k]));
				if (desc->out_type == NPU_DTYPE_FP32)
					memcpy((uint32_t *)c + (size_t)m * desc->n + n,
					       &acc, 4);
				else
					((uint16_t *)c)[(size_t)m * desc->n + n] =
						npu_f32_to_f16(acc);
			}
		return 0;
	}
	return -EINVAL;
}

/**
 * npu_fp32_to_fp16() - convert, rounding to nearest even
 * @f: the value
 *
 * Return: the binary16 bit pattern.
 */
NPU_PUBLIC uint16_t npu_fp32_to_fp16(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return npu_f32_to_f16(u);
}

/**
 * npu_fp16_to_fp32() - convert exactly
 * @h: a binary16 bit pattern
 *
 * Return: the value.
 */
NPU_PUBLIC float npu_fp16_to_fp32(uint16_t h)
{
	uint32_t u = npu_f16_to_f32(h);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

NPU_PUBLIC int npu_gemm_quantize_rows(uint32_t rows, uint32_t cols,
				      const float *x, int8_t *q, float *scale)
{
	uint32_t r, c;

	if (!x || !q || !scale)
		return -EINVAL;
	for (r = 0; r < rows; r++) {
		const float *xr = x + (size_t)r * cols;
		float amax = 0.0f, s;

		for (c = 0; c < cols; c++) {
			if (!isfinite(xr[c]))
				return -ERANGE;
			if (fabsf(xr[c]) > amax)
				amax = fabsf(xr[c]);
		}
		s = amax > 0.0f ? amax / 127.0f : 1.0f;
		for (c = 0; c < cols; c++)
			q[(size_t)r * cols + c] = (int8_t)lrintf(xr[c] / s);
		scale[r] = s;
	}
	return 0;
}

NPU_PUBLIC int npu_gemm_dequantize(uint32_t m, uint32_t n, const int32_t *acc,
				   const float *a_scale, const float *b_scale,
				   float *c)
{
	uint32_t i, j;

	if (!acc || !a_scale || !b_scale || !c)
		return -EINVAL;
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			size_t e = (size_t)i * n + j;

			c[e] = (float)acc[e] * (a_scale[i] * b_scale[j]);
		}
	return 0;
}
