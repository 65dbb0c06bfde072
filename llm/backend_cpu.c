// SPDX-License-Identifier: MIT
/*
 * The CPU backend: llama2.c's matmul in fp32, the reference every other
 * backend is measured against (--verify).  Weights stay as the file
 * stored them (F16, Q8_0) and are expanded a row at a time as they are
 * multiplied, with the same products and sums as an fp32 copy would
 * give.  llama2.c's version 2 int8 exports are multiplied as its runq
 * does: x quantized to int8 in the same groups, integer dot products per
 * group, scaled.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"

/*
 * W (d, n) @ x (n) -> out (d): one float accumulator per row, columns in
 * natural order.  This order is what makes the output bit-exact with
 * llama2.c; the build keeps the compiler from reassociating or fusing it.
 */
void llm_matmul_ref(float *out, const float *x, const float *w, int n, int d)
{
	for (int i = 0; i < d; i++) {
		const float *row = w + (size_t)i * (size_t)n;
		float val = 0.0f;

		for (int j = 0; j < n; j++)
			val += row[j] * x[j];
		out[i] = val;
	}
}

/* Q8_0 blocks: each weight d * q, then the product and the sum in order */
static void matmul_q8_0(float *out, const float *x, const struct llm_weight *w)
{
	const uint8_t *blk = w->raw;

	for (int i = 0; i < w->rows; i++) {
		float val = 0.0f;

		for (int c = 0; c < w->cols; c += 32, blk += 34) {
			uint16_t h;
			float d;

			memcpy(&h, blk, 2);
			d = llm_fp16_to_fp32(h);
			for (int k = 0; k < 32; k++)
				val += (d * (float)(int8_t)blk[2 + k]) * x[c + k];
		}
		out[i] = val;
	}
}

/* out = W x for any stored type, in fp32 as llm_matmul_ref(); row: [cols] */
void llm_matmul_weight(float *out, const float *x, const struct llm_weight *w,
		       float *row)
{
	if (w->type == LLM_WEIGHT_F32) {
		llm_matmul_ref(out, x, w->data, w->cols, w->rows);
		return;
	}
	if (w->type == LLM_WEIGHT_Q8_0 && !(w->cols % 32)) {
		matmul_q8_0(out, x, w);
		return;
	}
	for (int i = 0; i < w->rows; i++) {
		llm_weight_row(w, i, row);
		llm_matmul_ref(out + i, x, row, w->cols, 1);
	}
}

/* x quantized as runq quantizes it: groups of @group, s = max |x| / 127 */
static void quantize_x(const float *x, int n, int group, int8_t *q, float *s)
{
	for (int g = 0; g < n / group; g++) {
		const float *xg = x + (size_t)g * (size_t)group;
		float wmax = 0.0f, scale;

		for (int i = 0; i < group; i++) {
			if (fabsf(xg[i]) > wmax)
				wmax = fabsf(xg[i]);
		}
		scale = wmax / 127.0f;
		s[g] = scale;
		for (int i = 0; i < group; i++)
			q[g * group + i] = scale > 0.0f ? (int8_t)roundf(xg[i] / scale) : 0;
	}
}

/* runq's matmul: per group an int32 dot product, times both scales */
static void matmul_q8(float *out, const int8_t *xq, const float *xs,
		      const struct llm_weight *w)
{
	const int8_t *wq = w->raw;
	size_t n = (size_t)w->cols, gs = (size_t)w->group;

	for (int i = 0; i < w->rows; i++) {
		size_t in = (size_t)i * n;
		float val = 0.0f;

		for (size_t j = 0; j + gs <= n; j += gs) {
			int32_t ival = 0;

			for (size_t k = 0; k < gs; k++)
				ival += (int32_t)xq[j + k] * (int32_t)wq[in + j + k];
			val += (float)ival * w->scale[(in + j) / gs] * xs[j / gs];
		}
		out[i] = val;
	}
}

struct cpu {
	float *row;		/* a row of an expanded weight */
	int8_t *xq;		/* x quantized, for int8 weights */
	float *xs;
	int cols;		/* what they hold */
};

/* Scratch for rows of cols values. */
static int cpu_scratch(struct cpu *c, int cols)
{
	if (cols <= c->cols)
		return 0;
	free(c->row);
	free(c->xq);
	free(c->xs);
	c->row = malloc((size_t)cols * sizeof(*c->row));
	c->xq = malloc((size_t)cols);
	c->xs = malloc((size_t)cols * sizeof(*c->xs));
	c->cols = c->row && c->xq && c->xs ? cols : 0;
	return c->cols ? 0 : -ENOMEM;
}

static int cpu_matmul(void *ctx, const struct llm_group *g, const float *x,
		      float *const out[])
{
	struct cpu *c = ctx;
	int quantized = 0;

	if (cpu_scratch(c, g->cols))
		return -ENOMEM;
	for (int i = 0; i < g->n; i++) {
		const struct llm_weight *w = g->w[i];

		if (w->type != LLM_WEIGHT_Q8) {
			llm_matmul_weight(out[i], x, w, c->row);
			continue;
		}
		if (!quantized++)	/* one x for the whole group */
			quantize_x(x, w->cols, w->group, c->xq, c->xs);
		matmul_q8(out[i], c->xq, c->xs, w);
	}
	return 0;
}

static void cpu_destroy(void *ctx)
{
	struct cpu *c = ctx;

	free(c->row);
	free(c->xq);
	free(c->xs);
	free(c);
}

int llm_backend_cpu(struct llm_backend *b)
{
	struct cpu *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	*b = (struct llm_backend){
		.name = "cpu",
		.dtype = LLM_DTYPE_FP32,
		.ctx = c,
		.matmul = cpu_matmul,
		.destroy = cpu_destroy,
	};
	return 0;
}
