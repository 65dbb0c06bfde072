// SPDX-License-Identifier: MIT
/*
 * The transformer forward pass, llama2.c's arithmetic step for step:
 *
 *   x = token_embd[token]
 *   for each layer:
 *       xb = rmsnorm(x) * attn_norm
 *       q, k, v = wq xb, wk xb, wv xb          (k, v into the KV cache)
 *       rotate q and k (RoPE), pairs (2i, 2i+1) within each head
 *       xb = softmax(q k^T / sqrt(head_size)) v, per head
 *       x += wo xb
 *       xb = rmsnorm(x) * ffn_norm
 *       x += w2 (silu(w1 xb) * (w3 xb))
 *   logits = output (rmsnorm(x) * output_norm)
 *
 * The matmuls go through the backend, group by group (llm.h).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"

static void rmsnorm(float *o, const float *x, const float *weight, int size,
		    float eps)
{
	float ss = 0.0f;

	for (int j = 0; j < size; j++)
		ss += x[j] * x[j];
	ss /= (float)size;
	ss += eps;
	ss = 1.0f / sqrtf(ss);
	for (int j = 0; j < size; j++)
		o[j] = weight[j] * (ss * x[j]);
}

void llm_softmax(float *x, int n)
{
	float max = x[0], sum = 0.0f;

	for (int i = 1; i < n; i++) {
		if (x[i] > max)
			max = x[i];
	}
	for (int i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (int i = 0; i < n; i++)
		x[i] /= sum;
}

/*
 * RoPE: rotate each pair (v[i], v[i+1]) by pos * theta^(-(i mod head_size)
 * / head_size).  q has dim entries, k kv_dim.
 */
static void rope(float *q, float *k, int pos, int dim, int kv_dim,
		 int head_size, float theta)
{
	for (int i = 0; i < dim; i += 2) {
		int head_dim = i % head_size;
		float freq = 1.0f / powf(theta, (float)head_dim / (float)head_size);
		float val = (float)pos * freq;
		float fcr = cosf(val), fci = sinf(val);
		float *vecs[2] = { q, k };
		int n_vecs = i < kv_dim ? 2 : 1;

		for (int v = 0; v < n_vecs; v++) {
			float *vec = vecs[v];
			float v0 = vec[i], v1 = vec[i + 1];

			vec[i] = v0 * fcr - v1 * fci;
			vec[i + 1] = v0 * fci + v1 * fcr;
		}
	}
}

/* ------------------------------------------------------------------------
 * The matmul hook
 */

static void verify(struct llm_run *r, const struct llm_group *g,
		   const float *x, float *const out[])
{
	for (int i = 0; i < g->n; i++) {
		const struct llm_weight *w = g->w[i];
		double max_err = 0.0, max_ref = 0.0, rel;

		llm_matmul_weight(r->ref, x, w, r->ref_row);
		for (int j = 0; j < w->rows; j++) {
			double err = fabs((double)out[i][j] - (double)r->ref[j]);

			if (isnan(err))
				err = INFINITY;
			if (err > max_err)
				max_err = err;
			if (fabs((double)r->ref[j]) > max_ref)
				max_ref = fabs((double)r->ref[j]);
		}
		rel = max_err ? max_err / (max_ref > 1e-30 ? max_ref : 1e-30) : 0.0;
		if (max_err > r->stats.max_abs_err)
			r->stats.max_abs_err = max_err;
		if (rel > r->stats.max_rel_err)
			r->stats.max_rel_err = rel;
		r->stats.verified++;
	}
}

static int matmul(struct llm_run *r, const struct llm_group *g, const float *x,
		  float *const out[])
{
	uint64_t t0 = llm_now_ns();
	int err;

	err = r->backend->matmul(r->backend->ctx, g, x, out);
	r->stats.matmul_ns += llm_now_ns() - t0;
	r->stats.matmuls++;
	r->stats.weights += (uint64_t)g->n;
	r->stats.flops += 2 * (uint64_t)g->rows * (uint64_t)g->cols;
	if (err) {
		llm_err("%s backend: matmul %s (%d x %d): %s", r->backend->name,
			g->name, g->rows, g->cols, strerror(err < 0 ? -err : err));
		return -1;
	}
	if (r->verify)
		verify(r, g, x, out);
	return 0;
}

/* ------------------------------------------------------------------------
 * Run state and forward pass
 */

int llm_run_init(struct llm_run *r, const struct llm_model *m,
		 struct llm_backend *b, int n_ctx, int verify_matmuls)
{
	const struct llm_config *p = &m->cfg;
	uint64_t kv_dim = (uint64_t)(p->dim / p->n_heads * p->n_kv_heads);
	uint64_t cache64 = (uint64_t)p->n_layers * (uint64_t)n_ctx * kv_dim;
	size_t cache = (size_t)cache64;
	int ref_len = p->dim > p->hidden_dim ? p->dim : p->hidden_dim;

	if (n_ctx < 1 || cache64 > SIZE_MAX / sizeof(float) / 2 ||
	    (uint64_t)p->n_heads * (uint64_t)n_ctx > SIZE_MAX / sizeof(float)) {
		llm_err("a KV cache of %d positions does not fit in memory", n_ctx);
		memset(r, 0, sizeof(*r));
		return -1;
	}

	if (p->vocab_size > ref_len)
		ref_len = p->vocab_size;
	memset(r, 0, sizeof(*r));
	r->model = m;
	r->backend = b;
	r->n_ctx = n_ctx;
	r->verify = verify_matmuls;
	r->x = calloc((size_t)p->dim, sizeof(float));
	r->xb = calloc((size_t)p->dim, sizeof(float));
	r->xb2 = calloc((size_t)p->dim, sizeof(float));
	r->hb = calloc((size_t)p->hidden_dim, sizeof(float));
	r->hb2 = calloc((size_t)p->hidden_dim, sizeof(float));
	r->q = calloc((size_t)p->dim, sizeof(float));
	r->key_cache = calloc(cache, sizeof(float));
	r->value_cache = calloc(cache, sizeof(float));
	r->att = calloc((size_t)p->n_heads * (size_t)n_ctx, sizeof(float));
	r->logits = calloc((size_t)p->vocab_size, sizeof(float));
	r->ref = verify_matmuls ? calloc((size_t)ref_len, sizeof(float)) : NULL;
	r->ref_row = verify_matmuls ? calloc((size_t)ref_len, sizeof(float)) : NULL;
	if (!r->x || !r->xb || !r->xb2 || !r->hb || !r->hb2 || !r->q ||
	    !r->key_cache || !r->value_cache || !r->att || !r->logits ||
	    (verify_matmuls && (!r->ref || !r->ref_row))) {
		llm_err("cannot allocate the activations and a KV cache of %d positions (%zu MiB)",
			n_ctx, 2 * cache * sizeof(float) >> 20);
		llm_run_free(r);
		return -1;
	}
	return 0;
}

void llm_run_free(struct llm_run *r)
{
	free(r->x);
	free(r->xb);
	free(r->xb2);
	free(r->hb);
	free(r->hb2);
	free(r->q);
	free(r->key_cache);
	free(r->value_cache);
	free(r->att);
	free(r->logits);
	free(r->ref);
	free(r->ref_row);
	r->ref_row = NULL;
	r->x = r->xb = r->xb2 = r->hb = r->hb2 = r->q = NULL;
	r->key_cache = r->value_cache = r->att = r->logits = r->ref = NULL;
}

/*
 * A NaN or an infinity anywhere in the model (a weight, an overflowing
 * activation, a device's bad result) reaches every logit: one pass over
 * them per token finds it, and the run stops there instead of sampling
 * noise.
 */
static int check_logits(const struct llm_run *r, int token, int pos)
{
	const float *v = r->logits;
	int n = r->model->cfg.vocab_size, bad = 0;

	for (int i = 0; i < n; i++)
		bad |= !(fabsf(v[i]) <= FLT_MAX);
	if (!bad)
		return 0;
	for (int i = 0; i < n; i++) {
		if (!isfinite(v[i])) {
			llm_err("step %d (position %d, input token %d): logit %d is %s: the model's weights hold NaN or Inf, or its activations overflow fp32 (%s backend)",
				pos + 1, pos, token, i, isnan(v[i]) ? "NaN" :
				v[i] > 0 ? "+Inf" : "-Inf", r->backend->name);
			break;
		}
	}
	return -1;
}

float *llm_forward(struct llm_run *r, int token, int pos)
{
	const struct llm_model *m = r->model;
	const struct llm_config *p = &m->cfg;
	int dim = p->dim, hidden_dim = p->hidden_dim;
	int head_size = dim / p->n_heads;
	int kv_dim = head_size * p->n_kv_heads;
	int kv_mul = p->n_heads / p->n_kv_heads;	/* queries per key/value head */
	float *x = r->x;

	r->stats.forwards++;
	if (llm_weight_set(&m->embedding)) {
		llm_weight_row(&m->embedding, token, x);
	} else {
		/* dropped after packing: the tied classifier's row, from the device */
		int err = r->backend->get_row ?
			  r->backend->get_row(r->backend->ctx, &m->classifier,
					      token, x) : -EINVAL;

		if (err) {
			llm_err("token %d: cannot read its embedding from the %s backend: %s",
				token, r->backend->name, strerror(-err));
			return NULL;
		}
	}

	for (int l = 0; l < p->n_layers; l++) {
		const struct llm_layer *L = &m->layers[l];
		size_t loff = (size_t)l * (size_t)r->n_ctx * (size_t)kv_dim;
		float *k = r->key_cache + loff + (size_t)pos * (size_t)kv_dim;
		float *v = r->value_cache + loff + (size_t)pos * (size_t)kv_dim;

		/* attention: q, k, v for this position; k, v straight into the cache */
		rmsnorm(r->xb, x, L->attn_norm, dim, p->norm_eps);
		if (matmul(r, &L->qkv, r->xb, (float *const []){ r->q, k, v }))
			return NULL;
		rope(r->q, k, pos, dim, kv_dim, head_size, p->rope_theta);

		for (int h = 0; h < p->n_heads; h++) {
			const float *q = r->q + h * head_size;
			float *att = r->att + (size_t)h * (size_t)r->n_ctx;
			float *xb = r->xb + h * head_size;
			size_t kv_off = loff + (size_t)(h / kv_mul) * (size_t)head_size;

			for (int t = 0; t <= pos; t++) {
				const float *kt = r->key_cache + kv_off + (size_t)t * (size_t)kv_dim;
				float score = 0.0f;

				for (int i = 0; i < head_size; i++)
					score += q[i] * kt[i];
				score /= sqrtf((float)head_size);
				att[t] = score;
			}
			llm_softmax(att, pos + 1);

			memset(xb, 0, (size_t)head_size * sizeof(*xb));
			for (int t = 0; t <= pos; t++) {
				const float *vt = r->value_cache + kv_off + (size_t)t * (size_t)kv_dim;
				float a = att[t];

				for (int i = 0; i < head_size; i++)
					xb[i] += a * vt[i];
			}
		}
		if (matmul(r, &L->attn_out, r->xb, (float *const []){ r->xb2 }))
			return NULL;
		for (int i = 0; i < dim; i++)
			x[i] += r->xb2[i];

		/* feed-forward: w2 (silu(w1 xb) * w3 xb) */
		rmsnorm(r->xb, x, L->ffn_norm, dim, p->norm_eps);
		if (matmul(r, &L->ffn_in, r->xb, (float *const []){ r->hb, r->hb2 }))
			return NULL;
		for (int i = 0; i < hidden_dim; i++) {
			float val = r->hb[i];

			val *= 1.0f / (1.0f + expf(-val));	/* silu */
			val *= r->hb2[i];
			r->hb[i] = val;
		}
		if (matmul(r, &L->ffn_out, r->hb, (float *const []){ r->xb }))
			return NULL;
		for (int i = 0; i < dim; i++)
			x[i] += r->xb[i];
	}

	rmsnorm(x, x, m->output_norm, dim, p->norm_eps);
	if (matmul(r, &m->classifier, x, (float *const []){ r->logits }))
		return NULL;
	if (check_logits(r, token, pos))
		return NULL;
	return r->logits;
}
