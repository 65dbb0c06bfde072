// SPDX-License-Identifier: MIT
/*
 * test-loader: the loaders, in process.
 *
 *  1. The same weights as llama2.c checkpoint and as GGUF F32, F16 and
 *     Q8_0 give bit-identical logits, token for token (tied and untied
 *     classifier).
 *  2. Every truncation of a checkpoint, a GGUF file and a tokenizer is
 *     refused: each byte of the headers and metadata, then strided
 *     through the tensor data.
 *  3. Corrupted headers and metadata (random bytes overwritten) are
 *     refused or load into a model that runs: never a crash.
 *
 * usage: test-loader <work dir>
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../llm.h"
#include "testmodel.h"
#include "testutil.h"

static const char *dir;

static char *path(const char *name)
{
	static char buf[8][4096];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* ------------------------------------------------------------------------
 * 1. formats agree
 */

#define N_POS	24

struct trace {
	int tokens[N_POS];
	float *logits;		/* [N_POS][vocab] */
	int vocab;
};

/* Greedy decoding from a prompt, every position's logits kept. */
static int trace_model(const char *model_path, const char *tok_path,
		       struct trace *tr)
{
	struct llm_model m;
	struct llm_tokenizer own, *tok;
	struct llm_backend b;
	struct llm_run r;
	int prompt[64], n_prompt, token, ret = -1;

	if (llm_model_load(&m, model_path, LLM_FORMAT_AUTO, !tok_path))
		return -1;
	if (tok_path) {
		if (llm_tokenizer_load(&own, tok_path, m.cfg.vocab_size))
			goto out_model;
		tok = &own;
	} else {
		tok = m.tokenizer;
	}
	if (llm_encode(tok, "the cat and the hat", 1, 0, prompt, &n_prompt))
		goto out_tok;
	llm_backend_cpu(&b);
	if (llm_run_init(&r, &m, &b, N_POS, 0))
		goto out_tok;
	tr->vocab = m.cfg.vocab_size;
	tr->logits = malloc((size_t)N_POS * (size_t)tr->vocab * sizeof(float));
	if (!tr->logits)
		goto out_run;
	token = prompt[0];
	for (int pos = 0; pos < N_POS; pos++) {
		float *logits = llm_forward(&r, token, pos);
		int next = 0;

		if (!logits)
			goto out_run;
		memcpy(tr->logits + (size_t)pos * (size_t)tr->vocab, logits,
		       (size_t)tr->vocab * sizeof(float));
		for (int i = 1; i < tr->vocab; i++)
			if (logits[i] > logits[next])
				next = i;
		tr->tokens[pos] = token;
		token = pos + 1 < n_prompt ? prompt[pos + 1] : next;
	}
	ret = 0;
out_run:
	llm_run_free(&r);
	b.destroy(b.ctx);
out_tok:
	if (tok_path)
		llm_tokenizer_free(&own);
out_model:
	llm_model_free(&m);
	return ret;
}

static void same_logits(const char *name, const char *a_model, const char *a_tok,
			const char *b_model, const char *b_tok)
{
	struct trace a = { 0 }, b = { 0 };
	int ok;

	ok = !trace_model(a_model, a_tok, &a) && !trace_model(b_model, b_tok, &b) &&
	     a.vocab == b.vocab &&
	     !memcmp(a.tokens, b.tokens, sizeof(a.tokens)) &&
	     !memcmp(a.logits, b.logits, (size_t)N_POS * (size_t)a.vocab * sizeof(float));
	result(ok, "%s: identical tokens and logits over 24 positions", name);
	free(a.logits);
	free(b.logits);
}

/* ------------------------------------------------------------------------
 * 4. the backend hook
 *
 * A backend that stacks each group's weights into one matrix at prepare()
 * and runs a group as one matmul, the way an NPU backend fuses q/k/v and
 * gate/up.  Faults and wrong results must show.
 */

struct test_backend {
	struct llm_model *model;
	float *tmp;
	int prepared;
	long calls;
	long fail_at;		/* the matmul call that fails, or -1 */
	float noise;		/* added to every output */
};

static int fused_prepare(void *ctx, struct llm_group *g)
{
	struct test_backend *tb = ctx;
	size_t at = 0;
	float *s = malloc((size_t)g->rows * (size_t)g->cols * sizeof(float));

	if (!s)
		return -ENOMEM;
	free(g->priv);		/* prepared again by the next run */
	for (int i = 0; i < g->n; i++) {
		size_t n = (size_t)g->w[i]->rows * (size_t)g->w[i]->cols;

		if (g->w[i]->cols != g->cols)
			return -EINVAL;
		memcpy(s + at, g->w[i]->data, n * sizeof(float));
		at += n;
	}
	g->priv = s;
	tb->prepared++;
	return 0;
}

static int fused_matmul(void *ctx, const struct llm_group *g, const float *x,
			float *const out[])
{
	struct test_backend *tb = ctx;
	int row = 0;

	if (tb->calls++ == tb->fail_at)
		return -EIO;
	llm_matmul_ref(tb->tmp, x, g->priv, g->cols, g->rows);
	for (int i = 0; i < g->n; i++) {
		for (int r = 0; r < g->w[i]->rows; r++)
			out[i][r] = tb->tmp[row++] + tb->noise;
	}
	return 0;
}

static void fused_destroy(void *ctx)
{
	struct test_backend *tb = ctx;

	for (int i = 0; i < tb->model->n_groups; i++) {
		free(tb->model->groups[i]->priv);
		tb->model->groups[i]->priv = NULL;
	}
	free(tb->tmp);
}

/* Greedy-runs N_POS positions with backend b; logits into out (may be NULL). */
static int run_backend(struct llm_model *m, struct llm_backend *b, int verify,
		       float *out, struct llm_run_stats *stats)
{
	struct llm_run r;
	int token = 1, ret = 0;

	for (int i = 0; b->prepare && i < m->n_groups; i++) {
		if (b->prepare(b->ctx, m->groups[i]))
			return -1;
	}
	if (llm_run_init(&r, m, b, N_POS, verify))
		return -1;
	for (int pos = 0; pos < N_POS; pos++) {
		float *logits = llm_forward(&r, token, pos);
		int next = 0;

		if (!logits) {
			ret = -1;
			break;
		}
		if (out)
			memcpy(out + (size_t)pos * (size_t)m->cfg.vocab_size, logits,
			       (size_t)m->cfg.vocab_size * sizeof(float));
		for (int i = 1; i < m->cfg.vocab_size; i++)
			if (logits[i] > logits[next])
				next = i;
		token = next;
	}
	*stats = r.stats;
	llm_run_free(&r);
	return ret;
}

static void backend_hook(const char *model_path)
{
	struct llm_backend cpu, fused;
	struct test_backend tb = { .fail_at = -1 };
	struct llm_run_stats st;
	struct llm_model m;
	float *a = NULL, *b = NULL;
	size_t n;
	int ok;

	if (llm_model_load(&m, model_path, LLM_FORMAT_AUTO, 1)) {
		result(0, "backend hook: cannot load %s", model_path);
		return;
	}
	n = (size_t)N_POS * (size_t)m.cfg.vocab_size;
	a = malloc(n * sizeof(float));
	b = malloc(n * sizeof(float));
	tb.model = &m;
	tb.tmp = malloc((size_t)(m.cfg.vocab_size + 2 * m.cfg.hidden_dim +
				 2 * m.cfg.dim) * sizeof(float));
	llm_backend_cpu(&cpu);
	fused = (struct llm_backend){
		.name = "fused", .dtype = LLM_DTYPE_FP32, .ctx = &tb,
		.prepare = fused_prepare, .matmul = fused_matmul,
		.destroy = fused_destroy,
	};
	if (!a || !b || !tb.tmp) {
		result(0, "%s", "backend hook: out of memory");
		goto out;
	}

	ok = !run_backend(&m, &cpu, 0, a, &st);
	ok = ok && !run_backend(&m, &fused, 1, b, &st) && !memcmp(a, b, n * sizeof(float));
	result(ok && tb.prepared == m.n_groups && st.matmuls == (uint64_t)N_POS * (uint64_t)m.n_groups &&
	       st.weights == (uint64_t)N_POS * (uint64_t)(m.cfg.n_layers * 7 + 1),
	       "backend hook: fused groups (%d prepared, %llu calls) give the cpu's logits bit for bit",
	       tb.prepared, (unsigned long long)st.matmuls);
	result(ok && st.verified == st.weights && st.max_abs_err == 0.0,
	       "backend hook: --verify checked %llu matmuls, max error %g",
	       (unsigned long long)st.verified, st.max_abs_err);

	tb.noise = 1e-3f;
	tb.calls = 0;
	ok = !run_backend(&m, &fused, 1, NULL, &st);
	result(ok && st.max_abs_err > 0.5e-3 && st.max_rel_err > 0.0,
	       "backend hook: --verify sees a wrong backend (max abs err %g)",
	       st.max_abs_err);

	tb.noise = 0.0f;
	tb.calls = 0;
	tb.fail_at = 30;
	quiet(1);
	ok = run_backend(&m, &fused, 0, NULL, &st) == -1 && st.matmuls == 31;
	quiet(0);
	result(ok, "backend hook: a failing matmul stops the forward pass (after %llu calls)",
	       (unsigned long long)st.matmuls);
out:
	fused_destroy(&tb);
	if (cpu.destroy)
		cpu.destroy(cpu.ctx);
	free(a);
	free(b);
	llm_model_free(&m);
}

/* ------------------------------------------------------------------------
 * 2. truncation, 3. corruption
 */

enum kind { KIND_GGUF, KIND_BIN, KIND_TOKENIZER };

/* Loads the file as kind; on success runs a few tokens.  0: loaded. */
static int try_load(enum kind kind, const char *p)
{
	struct llm_tokenizer t;
	struct llm_backend b;
	struct llm_model m;
	struct llm_run r;
	int tokens[32], n, err;

	if (kind == KIND_TOKENIZER) {
		err = llm_tokenizer_load(&t, p, 300);
		if (!err) {
			llm_encode(&t, "hello world", 1, 1, tokens, &n);
			llm_tokenizer_free(&t);
		}
		return err;
	}
	err = kind == KIND_GGUF ? llm_model_load_gguf(&m, p, 1) :
				  llm_model_load_llama2c(&m, p);
	if (err)
		return err;
	if (!llm_backend_cpu(&b) && !llm_run_init(&r, &m, &b, 4, 0)) {
		for (int pos = 0; pos < 4; pos++) {
			int token = pos % m.cfg.vocab_size;

			if (!llm_forward(&r, token, pos))
				break;
		}
		llm_run_free(&r);
		b.destroy(b.ctx);
	}
	if (m.tokenizer) {
		llm_encode(m.tokenizer, "the hat \xc3\xa9", 1, 1, tokens, &n);
		for (int i = 0; i < m.tokenizer->vocab_size; i++)
			(void)llm_decode(m.tokenizer, i ? i - 1 : 0, i);
	}
	llm_model_free(&m);
	return 0;
}

/*
 * Every prefix of the first `dense` bytes, then every stride-th: all must
 * be refused.
 */
static void truncations(const char *name, enum kind kind, const char *src,
			size_t dense, size_t stride)
{
	const char *p = path("truncated");
	unsigned char *data;
	size_t size, tried = 0, accepted = 0;

	if (slurp(src, &data, &size)) {
		result(0, "%s: cannot read the model", name);
		return;
	}
	quiet(1);
	for (size_t len = 0; len < size; len += len < dense ? 1 : stride) {
		if (spill(p, data, len))
			break;
		tried++;
		if (!try_load(kind, p))
			accepted++;
	}
	quiet(0);
	result(!accepted && tried > 0,
	       "%s: %zu truncations of %zu bytes refused, %zu accepted",
	       name, tried - accepted, size, accepted);
	free(data);
}

static uint32_t rnd(uint64_t *s)
{
	return llm_random_u32(s);
}

/* Overwrites 1-4 random bytes in [0, span) per round; must never crash. */
static void corruptions(const char *name, enum kind kind, const char *src,
			size_t span, int rounds)
{
	const char *p = path("corrupt");
	uint64_t seed = 0x1234567887654321ull;
	size_t size, loaded = 0;
	unsigned char *data, *copy;

	if (slurp(src, &data, &size) || !(copy = malloc(size))) {
		result(0, "%s: cannot read the model", name);
		return;
	}
	if (span > size)
		span = size;
	quiet(1);
	for (int i = 0; i < rounds; i++) {
		int n = 1 + (int)(rnd(&seed) % 4);

		memcpy(copy, data, size);
		for (int j = 0; j < n; j++) {
			size_t at = rnd(&seed) % span;
			uint32_t how = rnd(&seed) % 4;

			/* random byte, or an extreme one: lengths and counts */
			copy[at] = how == 0 ? 0xff : how == 1 ? 0x00 :
				   (unsigned char)rnd(&seed);
		}
		if (spill(p, copy, size))
			break;
		if (!try_load(kind, p))
			loaded++;
	}
	quiet(0);
	result(1, "%s: %d corrupted files, no crash (%zu still loaded)",
	       name, rounds, loaded);
	free(copy);
	free(data);
}

/* The test GGUF's header, metadata and tensor infos fit in this. */
#define GGUF_META	12288

/* ------------------------------------------------------------------------
 * llama2.c's int8 export (version 2) against runq's algorithm, written
 * out here from the file format and the algorithm alone: every weight
 * w = q * s per group; every matmul quantizes its x in the same groups
 * (s = max |x| / 127, q = round(x / s)), sums int32 products per group
 * and adds ival * s_w * s_x; the rest is llama2.c's float forward pass.
 */

struct q8 {
	const int8_t *q;
	const float *s;
};

static struct q8 take_q8(const unsigned char **p, size_t n, int gs)
{
	struct q8 t = { (const int8_t *)*p, (const float *)(*p + n) };

	*p += n + n / (size_t)gs * sizeof(float);
	return t;
}

static void ref_matmul(float *out, const float *x, int n, struct q8 w, int d,
		       int gs, int8_t *xq, float *xs)
{
	for (int g = 0; g < n / gs; g++) {
		float m = 0.0f;

		for (int i = 0; i < gs; i++)
			m = fabsf(x[g * gs + i]) > m ? fabsf(x[g * gs + i]) : m;
		xs[g] = m / 127.0f;
		for (int i = 0; i < gs; i++)
			xq[g * gs + i] = (int8_t)round(x[g * gs + i] / xs[g]);
	}
	for (int r = 0; r < d; r++) {
		float val = 0.0f;

		for (int g = 0; g < n / gs; g++) {
			int32_t acc = 0;

			for (int i = 0; i < gs; i++)
				acc += (int32_t)xq[g * gs + i] * (int32_t)w.q[(size_t)r * n + g * gs + i];
			val += (float)acc * w.s[((size_t)r * n + (size_t)g * gs) / gs] * xs[g];
		}
		out[r] = val;
	}
}

static void ref_rmsnorm(float *o, const float *x, const float *w, int n)
{
	float ss = 0.0f;

	for (int i = 0; i < n; i++)
		ss += x[i] * x[i];
	ss = 1.0f / sqrtf(ss / (float)n + 1e-5f);
	for (int i = 0; i < n; i++)
		o[i] = w[i] * (ss * x[i]);
}

/* Logits of N_POS positions fed tokens[], straight from the v2 file. */
static int runq_reference(const char *file, const int *tokens, float *logits)
{
	enum { D = 64, H = 96, L = 2, NH = 4, NKV = 2, V = 300, HS = D / NH, KV = HS * NKV };
	static float kc[L][N_POS][KV], vc[L][N_POS][KV];
	float x[D], xb[D], xb2[D], q[D], hb[H], hb2[H], att[N_POS], xs[H];
	int8_t xq[H];
	const float *rms_att, *rms_ffn, *rms_final;
	struct q8 emb, wq[L], wk[L], wv[L], wo[L], w1[L], w2[L], w3[L], wcls;
	const unsigned char *p;
	unsigned char *data;
	size_t size;
	int32_t gs;

	if (slurp(file, &data, &size))
		return -1;
	memcpy(&gs, data + 37, 4);
	p = data + 256;
	rms_att = (const float *)p;	p += L * D * 4;
	rms_ffn = (const float *)p;	p += L * D * 4;
	rms_final = (const float *)p;	p += D * 4;
	emb = take_q8(&p, (size_t)V * D, gs);
	for (int l = 0; l < L; l++) wq[l] = take_q8(&p, D * D, gs);
	for (int l = 0; l < L; l++) wk[l] = take_q8(&p, KV * D, gs);
	for (int l = 0; l < L; l++) wv[l] = take_q8(&p, KV * D, gs);
	for (int l = 0; l < L; l++) wo[l] = take_q8(&p, D * D, gs);
	for (int l = 0; l < L; l++) w1[l] = take_q8(&p, H * D, gs);
	for (int l = 0; l < L; l++) w2[l] = take_q8(&p, D * H, gs);
	for (int l = 0; l < L; l++) w3[l] = take_q8(&p, H * D, gs);
	wcls = data[36] ? emb : take_q8(&p, (size_t)V * D, gs);

	for (int pos = 0; pos < N_POS; pos++) {
		for (int i = 0; i < D; i++)
			x[i] = (float)emb.q[(size_t)tokens[pos] * D + i] *
			       emb.s[((size_t)tokens[pos] * D + i) / (size_t)gs];
		for (int l = 0; l < L; l++) {
			ref_rmsnorm(xb, x, rms_att + l * D, D);
			ref_matmul(q, xb, D, wq[l], D, gs, xq, xs);
			ref_matmul(kc[l][pos], xb, D, wk[l], KV, gs, xq, xs);
			ref_matmul(vc[l][pos], xb, D, wv[l], KV, gs, xq, xs);
			for (int i = 0; i < D; i += 2) {
				float f = 1.0f / powf(10000.0f, (float)(i % HS) / (float)HS);
				float c = cosf((float)pos * f), sn = sinf((float)pos * f);
				float *vec[2] = { q, kc[l][pos] };

				for (int v = 0; v < (i < KV ? 2 : 1); v++) {
					float a = vec[v][i], b = vec[v][i + 1];

					vec[v][i] = a * c - b * sn;
					vec[v][i + 1] = a * sn + b * c;
				}
			}
			for (int h = 0; h < NH; h++) {
				const float *qh = q + h * HS;
				int kvh = h / (NH / NKV);
				float m = -INFINITY, sum = 0.0f;

				for (int t = 0; t <= pos; t++) {
					float sc = 0.0f;

					for (int i = 0; i < HS; i++)
						sc += qh[i] * kc[l][t][kvh * HS + i];
					att[t] = sc / sqrtf((float)HS);
					m = att[t] > m ? att[t] : m;
				}
				for (int t = 0; t <= pos; t++) {
					att[t] = expf(att[t] - m);
					sum += att[t];
				}
				for (int t = 0; t <= pos; t++)
					att[t] /= sum;
				memset(xb + h * HS, 0, HS * sizeof(float));
				for (int t = 0; t <= pos; t++)
					for (int i = 0; i < HS; i++)
						xb[h * HS + i] += att[t] * vc[l][t][kvh * HS + i];
			}
			ref_matmul(xb2, xb, D, wo[l], D, gs, xq, xs);
			for (int i = 0; i < D; i++)
				x[i] += xb2[i];
			ref_rmsnorm(xb, x, rms_ffn + l * D, D);
			ref_matmul(hb, xb, D, w1[l], H, gs, xq, xs);
			ref_matmul(hb2, xb, D, w3[l], H, gs, xq, xs);
			for (int i = 0; i < H; i++)
				hb[i] = hb[i] * (1.0f / (1.0f + expf(-hb[i]))) * hb2[i];
			ref_matmul(xb, hb, H, w2[l], D, gs, xq, xs);
			for (int i = 0; i < D; i++)
				x[i] += xb[i];
		}
		ref_rmsnorm(x, x, rms_final, D);
		ref_matmul(logits + (size_t)pos * V, x, D, wcls, V, gs, xq, xs);
	}
	free(data);
	return 0;
}

static void export_v2(const char *name, int group, int shared)
{
	struct trace tr = { 0 };
	float *ref = malloc((size_t)N_POS * 300 * sizeof(float));
	int ok;

	ok = ref && !tm_write_export(path(name), 2, group, shared) &&
	     !trace_model(path(name), path("t.tok"), &tr) &&
	     !runq_reference(path(name), tr.tokens, ref) &&
	     !memcmp(ref, tr.logits, (size_t)N_POS * 300 * sizeof(float));
	result(ok, "llama2.c version 2 (int8, group %d, %s classifier): the logits of %d positions are runq's algorithm's bit for bit",
	       group, shared ? "shared" : "separate", N_POS);
	free(ref);
	free(tr.logits);
}

/*
 * The sampler returns an index in 0..n-1 whatever the logits hold: NaN,
 * infinities, a temperature that overflows them, a vocabulary of one
 * (where top-p's cutoff is infinite and no token passes it).
 */
static void sampler_inputs(void)
{
	static const float temps[] = { 1.0f, 2e-38f, 0.0f };
	static const float topps[] = { 0.9f, 0.0f, 1.0f };
	float logits[8];
	int bad = 0, cases = 0;

	for (int n = 1; n <= 8; n += 7) {
		for (int kind = 0; kind < 4; kind++) {
			for (size_t t = 0; t < sizeof(temps) / sizeof(temps[0]); t++) {
				for (size_t p = 0; p < sizeof(topps) / sizeof(topps[0]); p++) {
					struct llm_sampler sm;
					int tok;

					if (llm_sampler_init(&sm, n, temps[t], topps[p], 42))
						return;
					for (int i = 0; i < n; i++)
						logits[i] = kind == 0 ? NAN :
							    kind == 1 ? (i == n / 2 ? INFINITY : 1.0f) :
							    kind == 2 ? -INFINITY :
							    (float)i * 1e3f;
					tok = llm_sample(&sm, logits);
					bad += tok < 0 || tok >= n;
					cases++;
					llm_sampler_free(&sm);
				}
			}
		}
	}
	result(!bad, "sampler: %d of %d NaN/Inf/overflowing/one-token inputs give an index out of range",
	       bad, cases);

	/* -t 2e-38: the logits overflow; the limit is the greedy choice */
	{
		struct llm_sampler sm;
		float v[5] = { 1.0f, 7.0f, 3.0f, 6.9f, -2.0f };
		int tok = -1;

		if (!llm_sampler_init(&sm, 5, 2e-38f, 0.9f, 42)) {
			tok = llm_sample(&sm, v);
			llm_sampler_free(&sm);
		}
		result(tok == 1, "sampler: temperature 2e-38 picks the largest logit (got %d)", tok);
	}
}

int main(int argc, char **argv)
{
	static const char *const variants[] = { "f32", "f16", "q8_0", "f32-untied" };
	char name[64];

	if (argc != 2) {
		fprintf(stderr, "usage: test-loader <work dir>\n");
		return 1;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		snprintf(name, sizeof(name), "t-%s.gguf", variants[i]);
		if (tm_write_gguf(path(name), variants[i]))
			return 1;
	}
	if (tm_write_bin(path("t.bin"), path("t.tok"), "shared") ||
	    tm_write_bin(path("t-untied.bin"), path("t-untied.tok"), "untied"))
		return 1;

	same_logits("llama2.c vs GGUF F32", path("t.bin"), path("t.tok"),
		    path("t-f32.gguf"), NULL);
	same_logits("GGUF F32 vs F16", path("t-f32.gguf"), NULL,
		    path("t-f16.gguf"), NULL);
	same_logits("GGUF F32 vs Q8_0", path("t-f32.gguf"), NULL,
		    path("t-q8_0.gguf"), NULL);
	same_logits("untied: llama2.c vs GGUF F32", path("t-untied.bin"),
		    path("t-untied.tok"), path("t-f32-untied.gguf"), NULL);

	sampler_inputs();
	export_v2("v2-g32.bin", 32, 1);
	export_v2("v2-g16-untied.bin", 16, 0);
	if (tm_write_export(path("v1.bin"), 1, 0, 1) ||
	    tm_write_export(path("v1-untied.bin"), 1, 0, 0))
		return 1;
	same_logits("llama2.c version 1 vs version 0", path("t.bin"), path("t.tok"),
		    path("v1.bin"), path("t.tok"));
	same_logits("untied: llama2.c version 1 vs version 0", path("t-untied.bin"),
		    path("t-untied.tok"), path("v1-untied.bin"), path("t.tok"));
	backend_hook(path("t-f32.gguf"));
	backend_hook(path("t-untied.bin"));

	truncations("llama2.c truncated", KIND_BIN, path("t.bin"), 28 + 256, 509);
	truncations("tokenizer truncated", KIND_TOKENIZER, path("t.tok"), 1u << 20, 1);
	truncations("GGUF F32 truncated", KIND_GGUF, path("t-f32.gguf"),
		    GGUF_META, 1021);
	truncations("GGUF Q8_0 truncated", KIND_GGUF, path("t-q8_0.gguf"),
		    GGUF_META, 997);

	corruptions("GGUF metadata corrupted", KIND_GGUF, path("t-f32.gguf"),
		    GGUF_META, 3000);
	corruptions("llama2.c header corrupted", KIND_BIN, path("t.bin"), 28, 500);
	corruptions("tokenizer corrupted", KIND_TOKENIZER, path("t.tok"), 4096, 500);

	printf("%s: %d failure%s\n", failures ? "FAIL" : "PASS", failures,
	       failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
