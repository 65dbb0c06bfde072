// SPDX-License-Identifier: MIT
/*
 * The CPU backend: llama2.c's matmul in fp32, the reference every other
 * backend is measured against (--verify).
 */
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

static int cpu_matmul(void *ctx, const struct llm_group *g, const float *x,
		      float *const out[])
{
	for (int i = 0; i < g->n; i++)
		llm_matmul_ref(out[i], x, g->w[i]->data, g->w[i]->cols,
			       g->w[i]->rows);
	return 0;
}

int llm_backend_cpu(struct llm_backend *b)
{
	*b = (struct llm_backend){
		.name = "cpu",
		.dtype = LLM_DTYPE_FP32,
		.matmul = cpu_matmul,
	};
	return 0;
}
