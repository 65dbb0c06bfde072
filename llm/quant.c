// SPDX-License-Identifier: MIT
/*
 * Weights converted for the NPU: the one place that decides the bits, so
 * that a peer package written by npu-llm-pack holds exactly what the NPU
 * backend would have made from the fp32 model at load.
 *
 * A group's weights are stacked into one matrix of g->rows rows (q, k
 * and v; w1 and w3), and rows r0 .. r1 - 1 of it are converted:
 *
 *   fp16: each weight rounded to IEEE half, to nearest even
 *         (npu_fp32_to_fp16()); |w| > 65504 is refused;
 *   int8: each row r scaled by s_r = max |w_r| / 127 (1 for a row of
 *         zeros) and rounded, q = lrintf(w / s_r), so that
 *         w[r][c] ~ s_r * q[r][c]; a value that is not finite is refused.
 *
 * Every row is converted on its own, so a slice of rows converted alone
 * is bit for bit the same slice of the whole group converted at once.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "npu_gemm.h"
#include "llm.h"

#define FP16_MAX	65504.0f

/*
 * Row r of the stacked group as fp32, whatever the weight's type (into
 * buf, cols values): the weight it belongs to and its row there.
 */
static const float *group_row(const struct llm_group *g, int r,
			      const struct llm_weight **w, int *wr, float *buf)
{
	*w = g->w[0];
	*wr = r;
	for (int i = 0; i < g->n; i++) {
		if (r < g->w[i]->rows) {
			*w = g->w[i];
			*wr = r;
			if (g->w[i]->type == LLM_WEIGHT_F32)
				return g->w[i]->data + (size_t)r * (size_t)g->cols;
			llm_weight_row(g->w[i], r, buf);
			return buf;
		}
		r -= g->w[i]->rows;
	}
	return NULL;
}

int llm_quant_fp16(const struct llm_group *g, int r0, int r1, uint16_t *b)
{
	float *buf = malloc((size_t)g->cols * sizeof(*buf));

	if (!buf) {
		llm_err("out of memory converting %s", g->name);
		return -ENOMEM;
	}
	for (int r = r0; r < r1; r++) {
		const struct llm_weight *w;
		const float *row;
		int wr;

		row = group_row(g, r, &w, &wr, buf);
		for (int c = 0; c < g->cols; c++) {
			if (!(fabsf(row[c]) <= FP16_MAX)) {
				llm_err("%s: weight %s[%d][%d] = %g does not fit in fp16 (largest %g): use --dtype int8",
					g->name, w->name, wr, c, (double)row[c],
					(double)FP16_MAX);
				free(buf);
				return -ERANGE;
			}
			*b++ = npu_fp32_to_fp16(row[c]);
		}
	}
	free(buf);
	return 0;
}

int llm_quant_int8(const struct llm_group *g, int r0, int r1, int8_t *b,
		   float *scale)
{
	float *buf = malloc((size_t)g->cols * sizeof(*buf));

	if (!buf) {
		llm_err("out of memory converting %s", g->name);
		return -ENOMEM;
	}
	for (int r = r0; r < r1; r++, scale++, b += g->cols) {
		const struct llm_weight *w;
		const float *row;
		float amax = 0.0f;
		int wr;

		row = group_row(g, r, &w, &wr, buf);
		for (int c = 0; c < g->cols; c++) {
			if (!isfinite(row[c])) {
				llm_err("%s: weight %s[%d][%d] is not finite",
					g->name, w->name, wr, c);
				free(buf);
				return -ERANGE;
			}
			if (fabsf(row[c]) > amax)
				amax = fabsf(row[c]);
		}
		*scale = amax > 0.0f ? amax / 127.0f : 1.0f;
		for (int c = 0; c < g->cols; c++)
			b[c] = (int8_t)lrintf(row[c] / *scale);
	}
	free(buf);
	return 0;
}
