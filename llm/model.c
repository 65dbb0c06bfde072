// SPDX-License-Identifier: MIT
/*
 * The model in memory, llama2.c checkpoints and dummy weights.  (The
 * newer exports, versions 1 and 2, are described at load_export().)
 *
 * A llama2.c "v0" checkpoint is seven little-endian int32 (dim,
 * hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a
 * negative vocab_size means the classifier is stored, not shared with
 * the embedding) followed by fp32 tensors, each one for all layers:
 *
 *   token_embedding [vocab][dim]
 *   rms_att [layers][dim]
 *   wq [layers][dim][dim]    wk, wv [layers][kv_dim][dim]    wo [layers][dim][dim]
 *   rms_ffn [layers][dim]
 *   w1 [layers][hidden][dim]  w2 [layers][dim][hidden]  w3 [layers][hidden][dim]
 *   rms_final [dim]
 *   freq_cis_real, freq_cis_imag [seq_len][head_size / 2] (unused: RoPE is computed)
 *   wcls [vocab][dim]        (only if vocab_size < 0)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hf.h"
#include "llm.h"

/*
 * The shape rules every model must follow, whatever it came from.  The
 * limits keep every element count of a tensor, and of the KV cache, far
 * from overflowing; allocation failure is reported where it happens.
 */
int llm_config_check(const struct llm_config *c, const char *what)
{
	const struct { const char *name; int v; int max; } f[] = {
		{ "dim", c->dim, 1 << 16 },
		{ "hidden_dim", c->hidden_dim, 1 << 18 },
		{ "n_layers", c->n_layers, 1 << 10 },
		{ "n_heads", c->n_heads, 1 << 10 },
		{ "n_kv_heads", c->n_kv_heads, 1 << 10 },
		{ "vocab_size", c->vocab_size, 1 << 20 },
		{ "seq_len", c->seq_len, 1 << 20 },
	};
	int head_size;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].v <= 0 || f[i].v > f[i].max) {
			llm_err("%s: %s = %d, expected 1..%d", what, f[i].name,
				f[i].v, f[i].max);
			return -1;
		}
	}
	if (c->dim % c->n_heads) {
		llm_err("%s: n_heads %d does not divide dim %d", what,
			c->n_heads, c->dim);
		return -1;
	}
	head_size = c->dim / c->n_heads;
	if (head_size % 2) {
		llm_err("%s: head size %d (dim %d / n_heads %d) is odd; RoPE rotates pairs",
			what, head_size, c->dim, c->n_heads);
		return -1;
	}
	if (c->n_kv_heads > c->n_heads || c->n_heads % c->n_kv_heads) {
		llm_err("%s: n_kv_heads %d does not divide n_heads %d", what,
			c->n_kv_heads, c->n_heads);
		return -1;
	}
	if (!(c->norm_eps > 0.0f && c->norm_eps < 1.0f)) {
		llm_err("%s: RMSNorm epsilon %g out of range", what,
			(double)c->norm_eps);
		return -1;
	}
	if (!(c->rope_theta > 1.0f && isfinite(c->rope_theta))) {
		llm_err("%s: RoPE base %g out of range", what,
			(double)c->rope_theta);
		return -1;
	}
	return 0;
}

float *llm_model_alloc(struct llm_model *m, size_t n_floats)
{
	void **owned;
	float *p;

	if (n_floats > SIZE_MAX / sizeof(float)) {
		llm_err("cannot allocate %zu floats", n_floats);
		return NULL;
	}
	owned = realloc(m->owned, (size_t)(m->n_owned + 1) * sizeof(*owned));
	if (!owned) {
		llm_err("out of memory");
		return NULL;
	}
	m->owned = owned;
	p = malloc(n_floats ? n_floats * sizeof(float) : 1);
	if (!p) {
		llm_err("cannot allocate %zu bytes for weights",
			n_floats * sizeof(float));
		return NULL;
	}
	m->owned[m->n_owned++] = p;
	return p;
}

int llm_weight_set(const struct llm_weight *w)
{
	return w->type == LLM_WEIGHT_F32 ? w->data != NULL : w->raw != NULL;
}

void llm_weight_row(const struct llm_weight *w, int r, float *out)
{
	size_t n = (size_t)w->cols, at = (size_t)r * n;

	switch (w->type) {
	case LLM_WEIGHT_F32:
		memcpy(out, w->data + at, n * sizeof(float));
		break;
	case LLM_WEIGHT_F16: {
		static float table[1 << 16];	/* every half, once */
		const uint16_t *h = (const uint16_t *)w->raw + at;

		if (!table[0x3c00]) {		/* 1.0: not yet filled */
			for (uint32_t i = 0; i < 1 << 16; i++)
				table[i] = llm_fp16_to_fp32((uint16_t)i);
		}
		for (size_t c = 0; c < n; c++)
			out[c] = table[h[c]];
		break;
	}
	case LLM_WEIGHT_Q8_0:
		for (size_t c = 0; c < n; c += 32) {
			const uint8_t *blk = (const uint8_t *)w->raw + (at + c) / 32 * 34;
			uint16_t h;
			float d;

			memcpy(&h, blk, 2);
			d = llm_fp16_to_fp32(h);
			for (int k = 0; k < 32; k++)
				out[c + (size_t)k] = d * (float)(int8_t)blk[2 + k];
		}
		break;
	case LLM_WEIGHT_Q8:
		for (size_t c = 0; c < n; c++)
			out[c] = (float)((const int8_t *)w->raw)[at + c] *
				 w->scale[(at + c) / (size_t)w->group];
		break;
	case LLM_WEIGHT_BF16:
		for (size_t c = 0; c < n; c++)
			out[c] = llm_bf16_to_fp32(((const uint16_t *)w->raw)[at + c]);
		break;
	}
}

/* Bytes of a weight's storage as its type keeps it (values, then scales). */
static size_t weight_bytes(const struct llm_weight *w, size_t *scale_bytes)
{
	size_t n = (size_t)w->rows * (size_t)w->cols;

	*scale_bytes = 0;
	switch (w->type) {
	case LLM_WEIGHT_F32:
		return n * sizeof(float);
	case LLM_WEIGHT_F16:
	case LLM_WEIGHT_BF16:
		return n * sizeof(uint16_t);
	case LLM_WEIGHT_Q8_0:
		return n / 32 * 34;
	case LLM_WEIGHT_Q8:
		*scale_bytes = n / (size_t)w->group * sizeof(float);
		return n;
	}
	return 0;
}

/*
 * The whole pages inside [p, p + n) go back to the system.  The range is
 * ours alone (a tensor in a private file mapping or in an allocation of
 * the model), so whatever else shares its first and last page is left
 * alone; the pages are never read again: an anonymous page would come
 * back as zeros, a file page from the file.
 */
static size_t release_range(const void *p, size_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t b = ((uintptr_t)p + n) & ~(page - 1);

	if (!p || b <= a || madvise((void *)a, b - a, MADV_DONTNEED))
		return 0;
	return b - a;
}

static size_t release_weight(struct llm_weight *w)
{
	size_t scale_bytes, bytes = weight_bytes(w, &scale_bytes), done;

	done = release_range(w->type == LLM_WEIGHT_F32 ? (const void *)w->data :
			     w->raw, bytes);
	if (w->type == LLM_WEIGHT_Q8)
		done += release_range(w->scale, scale_bytes);
	w->data = NULL;
	w->raw = NULL;
	w->scale = NULL;
	return done;
}

size_t llm_model_drop_weights(struct llm_model *m, int embedding)
{
	size_t done = 0;

	for (int i = 0; i < m->n_groups; i++) {
		struct llm_group *g = m->groups[i];
		const struct llm_packed *pk = g->packed;

		for (int j = 0; j < g->n; j++) {
			/* a tied classifier is the embedding's storage */
			if (g->w[j] == &m->output && m->tied_output) {
				g->w[j]->data = NULL;
				g->w[j]->raw = NULL;
				g->w[j]->scale = NULL;
				continue;
			}
			if (llm_weight_set(g->w[j]))
				done += release_weight(g->w[j]);
		}
		for (int d = 0; pk && d < pk->dies; d++) {
			size_t rows = (size_t)(pk->row0[d + 1] - pk->row0[d]);

			done += release_range(pk->data[d], rows * (size_t)g->cols *
					      (pk->dtype == LLM_DTYPE_INT8 ? 1 : 2));
			if (pk->scale[d])
				done += release_range(pk->scale[d],
						      rows * sizeof(float));
		}
	}
	if (embedding && llm_weight_set(&m->embedding)) {
		done += release_weight(&m->embedding);
		m->token_embd = NULL;
	}
	return done;
}

size_t llm_model_cpu_weight_bytes(const struct llm_model *m)
{
	size_t n = (size_t)(2 * m->cfg.n_layers + 1) * (size_t)m->cfg.dim *
		   sizeof(float), scale_bytes;

	for (int i = 0; i < m->n_groups; i++) {
		const struct llm_group *g = m->groups[i];

		for (int j = 0; j < g->n; j++) {
			if (g->w[j] == &m->output && m->tied_output)
				continue;
			if (llm_weight_set(g->w[j]))
				n += weight_bytes(g->w[j], &scale_bytes) + scale_bytes;
		}
	}
	if (llm_weight_set(&m->embedding))
		n += weight_bytes(&m->embedding, &scale_bytes) + scale_bytes;
	return n;
}

static void set_weight(struct llm_weight *w, const char *name, int rows, int cols)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->rows = rows;
	w->cols = cols;
}

static void set_group(struct llm_group *g, const char *name,
		      struct llm_weight *a, struct llm_weight *b,
		      struct llm_weight *c)
{
	struct llm_weight *ws[LLM_GROUP_MAX] = { a, b, c };

	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	for (int i = 0; i < LLM_GROUP_MAX && ws[i]; i++) {
		g->w[g->n++] = ws[i];
		g->rows += ws[i]->rows;
	}
	g->cols = a->cols;
}

/*
 * Names and shapes of every weight and group, from m->cfg (already
 * checked); the loaders then fill in the data pointers.
 */
int llm_model_layout(struct llm_model *m)
{
	const struct llm_config *c = &m->cfg;
	int kv_dim = c->dim / c->n_heads * c->n_kv_heads;
	char name[LLM_NAME_MAX];
	int g = 0;

	m->layers = calloc((size_t)c->n_layers, sizeof(*m->layers));
	m->groups = calloc((size_t)c->n_layers * 4 + 1, sizeof(*m->groups));
	if (!m->layers || !m->groups) {
		llm_err("out of memory");
		return -1;
	}
	for (int l = 0; l < c->n_layers; l++) {
		struct llm_layer *L = &m->layers[l];

#define W(field, suffix, rows, cols) do { \
		snprintf(name, sizeof(name), "blk.%d." suffix, l); \
		set_weight(&L->field, name, rows, cols); \
	} while (0)
		W(wq, "attn_q", c->dim, c->dim);
		W(wk, "attn_k", kv_dim, c->dim);
		W(wv, "attn_v", kv_dim, c->dim);
		W(wo, "attn_output", c->dim, c->dim);
		W(w1, "ffn_gate", c->hidden_dim, c->dim);
		W(w2, "ffn_down", c->dim, c->hidden_dim);
		W(w3, "ffn_up", c->hidden_dim, c->dim);
#undef W
		snprintf(name, sizeof(name), "blk.%d.qkv", l);
		set_group(&L->qkv, name, &L->wq, &L->wk, &L->wv);
		snprintf(name, sizeof(name), "blk.%d.attn_out", l);
		set_group(&L->attn_out, name, &L->wo, NULL, NULL);
		snprintf(name, sizeof(name), "blk.%d.ffn_in", l);
		set_group(&L->ffn_in, name, &L->w1, &L->w3, NULL);
		snprintf(name, sizeof(name), "blk.%d.ffn_out", l);
		set_group(&L->ffn_out, name, &L->w2, NULL, NULL);
		m->groups[g++] = &L->qkv;
		m->groups[g++] = &L->attn_out;
		m->groups[g++] = &L->ffn_in;
		m->groups[g++] = &L->ffn_out;
	}
	set_weight(&m->output, "output", c->vocab_size, c->dim);
	set_weight(&m->embedding, "token_embd", c->vocab_size, c->dim);
	set_group(&m->classifier, "output", &m->output, NULL, NULL);
	m->groups[g++] = &m->classifier;
	m->n_groups = g;
	return 0;
}

/* Every pointer set?  A loader bug otherwise, not a file problem. */
int llm_model_finish(struct llm_model *m)
{
	int ok;

	if (!llm_weight_set(&m->embedding) && m->token_embd) {
		m->embedding.type = LLM_WEIGHT_F32;
		m->embedding.data = m->token_embd;
	}
	ok = llm_weight_set(&m->embedding) && m->output_norm &&
	     (llm_weight_set(&m->output) || m->classifier.packed);
	for (int l = 0; ok && l < m->cfg.n_layers; l++) {
		const struct llm_layer *L = &m->layers[l];

		ok = L->attn_norm && L->ffn_norm &&
		     ((llm_weight_set(&L->wq) && llm_weight_set(&L->wk) &&
		       llm_weight_set(&L->wv)) || L->qkv.packed) &&
		     (llm_weight_set(&L->wo) || L->attn_out.packed) &&
		     ((llm_weight_set(&L->w1) && llm_weight_set(&L->w3)) ||
		      L->ffn_in.packed) &&
		     (llm_weight_set(&L->w2) || L->ffn_out.packed);
	}
	if (!ok) {
		llm_err("internal error: %s loader left a tensor unset", m->format);
		return -1;
	}
	return 0;
}

void llm_model_free(struct llm_model *m)
{
	if (m->tokenizer) {
		llm_tokenizer_free(m->tokenizer);
		free(m->tokenizer);
	}
	for (int i = 0; i < m->n_owned; i++)
		free(m->owned[i]);
	free(m->owned);
	free(m->layers);
	free(m->groups);
	if (m->map)
		munmap(m->map, m->map_size);
	for (int d = 0; d < LLM_MAX_DIES; d++) {
		if (m->die_map[d])
			munmap(m->die_map[d], m->die_map_size[d]);
	}
	for (int i = 0; i < m->n_shards; i++) {
		if (m->shards[i].addr)
			munmap(m->shards[i].addr, m->shards[i].size);
	}
	free(m->shards);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------------
 * llama2.c checkpoints
 */

struct section {
	const char *name;
	uint64_t per_layer;	/* floats per layer, or 0 */
	uint64_t floats;	/* floats in total */
};

/* The most sections llama2c_sections() fills in (13 plus wcls). */
#define LLAMA2C_SECTIONS_MAX	14

/* The tensors of a v0 checkpoint, in file order. */
static int llama2c_sections(const struct llm_config *c, int shared,
			    struct section s[LLAMA2C_SECTIONS_MAX])
{
	uint64_t dim = (uint64_t)c->dim, hidden = (uint64_t)c->hidden_dim;
	uint64_t layers = (uint64_t)c->n_layers, vocab = (uint64_t)c->vocab_size;
	uint64_t head_size = dim / (uint64_t)c->n_heads;
	uint64_t kv_dim = head_size * (uint64_t)c->n_kv_heads;
	int n = 0;

#define S(nm, pl, total) s[n++] = (struct section){ nm, pl, total }
	S("token_embedding_table", 0, vocab * dim);
	S("rms_att_weight", dim, layers * dim);
	S("wq", dim * dim, layers * dim * dim);
	S("wk", kv_dim * dim, layers * kv_dim * dim);
	S("wv", kv_dim * dim, layers * kv_dim * dim);
	S("wo", dim * dim, layers * dim * dim);
	S("rms_ffn_weight", dim, layers * dim);
	S("w1", hidden * dim, layers * hidden * dim);
	S("w2", dim * hidden, layers * dim * hidden);
	S("w3", hidden * dim, layers * hidden * dim);
	S("rms_final_weight", 0, dim);
	S("freq_cis_real", 0, (uint64_t)c->seq_len * head_size / 2);
	S("freq_cis_imag", 0, (uint64_t)c->seq_len * head_size / 2);
	if (!shared)
		S("wcls", 0, vocab * dim);
#undef S
	return n;
}

/* The sections' indices, in llama2c_sections()'s order. */
enum { SEC_EMBD, SEC_RMS_ATT, SEC_WQ, SEC_WK, SEC_WV, SEC_WO, SEC_RMS_FFN,
       SEC_W1, SEC_W2, SEC_W3, SEC_RMS_FINAL, SEC_FREQ_REAL, SEC_FREQ_IMAG,
       SEC_WCLS };

/*
 * Points the model's tensors into a buffer in llama2.c order.
 * with_freq_cis: the buffer has the two (unused) RoPE tables.
 */
static void place_llama2c(struct llm_model *m, const float *p, int shared,
			  int with_freq_cis)
{
	struct section sec[LLAMA2C_SECTIONS_MAX];
	const float *at[LLAMA2C_SECTIONS_MAX];
	int n = llama2c_sections(&m->cfg, shared, sec);

	for (int i = 0; i < n; i++) {
		at[i] = p;
		if (with_freq_cis || (i != SEC_FREQ_REAL && i != SEC_FREQ_IMAG))
			p += sec[i].floats;
	}
	m->token_embd = at[SEC_EMBD];
	m->output_norm = at[SEC_RMS_FINAL];
	m->output.data = shared ? at[SEC_EMBD] : at[SEC_WCLS];
	m->tied_output = shared;
	for (int l = 0; l < m->cfg.n_layers; l++) {
		struct llm_layer *L = &m->layers[l];
#define AT(s) (at[s] + (size_t)l * sec[s].per_layer)
		L->attn_norm = AT(SEC_RMS_ATT);
		L->ffn_norm = AT(SEC_RMS_FFN);
		L->wq.data = AT(SEC_WQ);
		L->wk.data = AT(SEC_WK);
		L->wv.data = AT(SEC_WV);
		L->wo.data = AT(SEC_WO);
		L->w1.data = AT(SEC_W1);
		L->w2.data = AT(SEC_W2);
		L->w3.data = AT(SEC_W3);
#undef AT
	}
}

#define LLAMA2C_HEADER	28
/* "ak42" read as a little-endian uint32: llama2.c's newer exports */
#define LLAMA2C_MAGIC	0x616b3432

static void describe(char *buf, size_t size, const struct llm_config *c,
		     int shared)
{
	snprintf(buf, size,
		 "dim %d, hidden %d, layers %d, heads %d, kv heads %d, vocab %d%s, seq %d",
		 c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads,
		 c->vocab_size, shared ? "" : " (unshared classifier)",
		 c->seq_len);
}

/*
 * llama2.c's newer exports (export.py --version 1 and 2): a 256-byte
 * header, "ak42" as a little-endian uint32, int32 version, the seven
 * int32 of the config, uint8 shared_classifier and, version 2, int32
 * group_size; zeros to 256.  Then, version 1, fp32: rms_att [layers][dim],
 * rms_ffn [layers][dim], rms_final [dim], token_embedding [vocab][dim],
 * wq, wk, wv, wo, w1, w2, w3 (each [layers][rows][cols]), wcls [vocab][dim]
 * if not shared.  Version 2: the three norms in fp32, then the matrices
 * group-quantized, one tensor at a time (token_embedding, wq of every
 * layer, .., w3 of every layer, wcls if not shared): int8 values, then an
 * fp32 scale per group of group_size values (w ~ q * scale).
 */
#define EXPORT_HEADER	256

struct cursor {
	const char *path;
	const uint8_t *base;
	size_t size, at;
};

/* The next n bytes, of tensor what; NULL (message) past the end. */
static const void *take(struct cursor *c, uint64_t n, const char *what, int layer)
{
	const void *p = c->base + c->at;

	if (n > c->size - c->at) {
		if (layer >= 0)
			llm_err("%s: truncated at offset %zu, inside %s of layer %d (%llu bytes needed)",
				c->path, c->size, what, layer, (unsigned long long)n);
		else
			llm_err("%s: truncated at offset %zu, inside %s (%llu bytes needed)",
				c->path, c->size, what, (unsigned long long)n);
		return NULL;
	}
	c->at += n;
	return p;
}

/* An fp32 array, aligned in the mapping or copied. */
static const float *take_f32(struct llm_model *m, struct cursor *c, uint64_t n,
			     const char *what, int layer)
{
	const float *p = take(c, n * sizeof(float), what, layer);
	float *copy;

	if (!p || !((uintptr_t)p % sizeof(float)))
		return p;
	copy = llm_model_alloc(m, (size_t)n);
	if (copy)
		memcpy(copy, p, (size_t)n * sizeof(float));
	return copy;
}

/* A weight of the export: fp32 (version 1) or int8 and group scales (2). */
static int take_weight(struct llm_model *m, struct cursor *c, int version,
		       int group, struct llm_weight *w, const char *what,
		       int layer)
{
	uint64_t n = (uint64_t)w->rows * (uint64_t)w->cols;

	if (version == 1) {
		w->type = LLM_WEIGHT_F32;
		w->data = take_f32(m, c, n, what, layer);
		return w->data ? 0 : -1;
	}
	w->type = LLM_WEIGHT_Q8;
	w->group = group;
	w->raw = take(c, n, what, layer);
	w->scale = w->raw ? take_f32(m, c, n / (uint64_t)group, what, layer) : NULL;
	return w->scale ? 0 : -1;
}

static int load_export(struct llm_model *m, const char *path, int version)
{
	static const char *const names[] = { "wq", "wk", "wv", "wo", "w1", "w2", "w3" };
	const uint8_t *h = m->map;
	struct cursor c = { path, m->map, m->map_size, EXPORT_HEADER };
	const float *rms_att, *rms_ffn;
	int32_t cfg[7], group = 0;
	char what[512];
	size_t dim;

	if (version != 1 && version != 2) {
		llm_err("%s: a llama2.c export of version %d (magic \"ak42\"): versions 0 (no magic), 1 and 2 are supported",
			path, version);
		return -1;
	}
	if (m->map_size < EXPORT_HEADER) {
		llm_err("%s: truncated: %zu bytes, a llama2.c version %d header is %d",
			path, m->map_size, version, EXPORT_HEADER);
		return -1;
	}
	memcpy(cfg, h + 8, sizeof(cfg));
	if (version == 2)
		memcpy(&group, h + 37, 4);
	m->cfg = (struct llm_config){
		.dim = cfg[0], .hidden_dim = cfg[1], .n_layers = cfg[2],
		.n_heads = cfg[3], .n_kv_heads = cfg[4], .vocab_size = cfg[5],
		.seq_len = cfg[6], .norm_eps = 1e-5f, .rope_theta = 10000.0f,
	};
	snprintf(what, sizeof(what), "%s: llama2.c version %d header", path, version);
	if (llm_config_check(&m->cfg, what))
		return -1;
	if (h[36] > 1) {
		llm_err("%s: header: shared_classifier is %u, expected 0 or 1", path, h[36]);
		return -1;
	}
	if (version == 2 && (group <= 0 || m->cfg.dim % group ||
			     m->cfg.hidden_dim % group)) {
		llm_err("%s: header: group_size %d: must divide dim %d and hidden_dim %d",
			path, group, m->cfg.dim, m->cfg.hidden_dim);
		return -1;
	}
	if (llm_model_layout(m))
		return -1;
	dim = (size_t)m->cfg.dim;
	rms_att = take_f32(m, &c, (uint64_t)m->cfg.n_layers * dim, "rms_att_weight", -1);
	rms_ffn = rms_att ? take_f32(m, &c, (uint64_t)m->cfg.n_layers * dim, "rms_ffn_weight", -1) : NULL;
	m->output_norm = rms_ffn ? take_f32(m, &c, dim, "rms_final_weight", -1) : NULL;
	if (!m->output_norm ||
	    take_weight(m, &c, version, group, &m->embedding, "token_embedding_table", -1))
		return -1;
	for (int l = 0; l < m->cfg.n_layers; l++) {
		m->layers[l].attn_norm = rms_att + (size_t)l * dim;
		m->layers[l].ffn_norm = rms_ffn + (size_t)l * dim;
	}
	for (int k = 0; k < 7; k++) {
		for (int l = 0; l < m->cfg.n_layers; l++) {
			struct llm_layer *L = &m->layers[l];
			struct llm_weight *w[] = { &L->wq, &L->wk, &L->wv, &L->wo,
						   &L->w1, &L->w2, &L->w3 };

			if (take_weight(m, &c, version, group, w[k], names[k], l))
				return -1;
		}
	}
	m->tied_output = h[36];
	if (m->tied_output) {
		struct llm_weight *o = &m->output;

		o->type = m->embedding.type;
		o->data = m->embedding.data;
		o->raw = m->embedding.raw;
		o->scale = m->embedding.scale;
		o->group = m->embedding.group;
	} else if (take_weight(m, &c, version, group, &m->output, "wcls", -1)) {
		return -1;
	}
	if (c.at != c.size) {
		llm_err("%s: %zu unexpected bytes after the last tensor (offset %zu): the header does not describe this file",
			path, c.size - c.at, c.at);
		return -1;
	}
	m->format = version == 1 ? "llama2.c v1" : "llama2.c v2 int8";
	return llm_model_finish(m);
}

int llm_model_load_llama2c(struct llm_model *m, const char *path)
{
	struct section sec[LLAMA2C_SECTIONS_MAX] = { 0 };
	uint64_t need, at;
	int32_t hdr[7];
	char what[512], cfg[200];
	int shared, n;

	memset(m, 0, sizeof(*m));
	m->format = "llama2.c";
	if (llm_map_file(path, &m->map, &m->map_size))
		return -1;
	if (m->map_size < LLAMA2C_HEADER) {
		llm_err("%s: truncated: %zu bytes, a llama2.c checkpoint header is %d",
			path, m->map_size, LLAMA2C_HEADER);
		goto fail;
	}
	memcpy(hdr, m->map, sizeof(hdr));
	if (hdr[0] == LLAMA2C_MAGIC) {
		if (load_export(m, path, hdr[1]))
			goto fail;
		return 0;
	}
	if (hdr[5] == INT32_MIN) {
		llm_err("%s: header: vocab_size %d out of range", path, hdr[5]);
		goto fail;
	}
	shared = hdr[5] > 0;
	m->cfg = (struct llm_config){
		.dim = hdr[0], .hidden_dim = hdr[1], .n_layers = hdr[2],
		.n_heads = hdr[3], .n_kv_heads = hdr[4],
		.vocab_size = hdr[5] < 0 ? -hdr[5] : hdr[5], .seq_len = hdr[6],
		.norm_eps = 1e-5f, .rope_theta = 10000.0f,
	};
	snprintf(what, sizeof(what), "%s: llama2.c header", path);
	if (llm_config_check(&m->cfg, what))
		goto fail;
	describe(cfg, sizeof(cfg), &m->cfg, shared);

	/* The file must be exactly the header and the tensors it announces. */
	n = llama2c_sections(&m->cfg, shared, sec);
	need = LLAMA2C_HEADER;
	for (int i = 0; i < n; i++)
		need += sec[i].floats * sizeof(float);
	if (m->map_size < need) {
		at = LLAMA2C_HEADER;
		for (int i = 0; i < n; i++) {
			uint64_t bytes = sec[i].floats * sizeof(float);
			uint64_t per_layer = sec[i].per_layer * sizeof(float);

			if (m->map_size >= at + bytes) {
				at += bytes;
				continue;
			}
			if (per_layer)
				snprintf(what, sizeof(what), "%s (layer %llu)",
					 sec[i].name, (unsigned long long)
					 ((m->map_size - at) / per_layer));
			else
				snprintf(what, sizeof(what), "%s", sec[i].name);
			break;
		}
		llm_err("%s: truncated at offset %zu, inside tensor %s: the header (%s) needs %llu bytes",
			path, m->map_size, what, cfg, (unsigned long long)need);
		goto fail;
	}
	if (m->map_size > need) {
		llm_err("%s: %llu unexpected bytes after the last tensor (offset %llu): the header (%s) does not describe this file",
			path, (unsigned long long)(m->map_size - need),
			(unsigned long long)need, cfg);
		goto fail;
	}

	if (llm_model_layout(m))
		goto fail;
	place_llama2c(m, (const float *)((const char *)m->map + LLAMA2C_HEADER),
		      shared, 1);
	if (llm_model_finish(m))
		goto fail;
	return 0;
fail:
	llm_model_free(m);
	return -1;
}

/* ------------------------------------------------------------------------
 * Dummy weights: any shape, deterministic, meaningless
 */

int llm_model_dummy(struct llm_model *m, const struct llm_config *cfg,
		    int shared)
{
	struct section sec[LLAMA2C_SECTIONS_MAX] = { 0 };
	uint64_t rng = 0x5eed5eed5eed5eedull;
	uint64_t total = 0;
	size_t at = 0;
	float *buf;
	int n;

	memset(m, 0, sizeof(*m));
	m->format = "dummy";
	m->cfg = *cfg;
	if (llm_config_check(&m->cfg, "--config"))
		return -1;
	n = llama2c_sections(&m->cfg, shared, sec);
	for (int i = 0; i < n; i++) {
		if (strncmp(sec[i].name, "freq_cis", 8))
			total += sec[i].floats;
	}
	if (total > SIZE_MAX / sizeof(float)) {
		llm_err("--config: %llu weights do not fit in memory",
			(unsigned long long)total);
		return -1;
	}
	buf = llm_model_alloc(m, (size_t)total);
	if (!buf || llm_model_layout(m))
		goto fail;

	/*
	 * Uniform values in [-1, 1) scaled by 1/sqrt(fan-in) for matrices,
	 * ones for the RMSNorm weights: activations stay in a sane range.
	 */
	for (int i = 0; i < n; i++) {
		float scale;

		if (!strncmp(sec[i].name, "freq_cis", 8))
			continue;
		if (strstr(sec[i].name, "rms")) {
			for (uint64_t j = 0; j < sec[i].floats; j++)
				buf[at++] = 1.0f;
			continue;
		}
		if (!strcmp(sec[i].name, "w2"))
			scale = 1.0f / sqrtf((float)m->cfg.hidden_dim);
		else if (!strcmp(sec[i].name, "token_embedding_table"))
			scale = 1.0f;
		else
			scale = 1.0f / sqrtf((float)m->cfg.dim);
		for (uint64_t j = 0; j < sec[i].floats; j++)
			buf[at++] = (llm_random_f32(&rng) * 2.0f - 1.0f) * scale;
	}
	place_llama2c(m, buf, shared, 0);
	if (llm_model_finish(m))
		goto fail;
	return 0;
fail:
	llm_model_free(m);
	return -1;
}

/* ------------------------------------------------------------------------
 * By format
 */

int llm_model_load(struct llm_model *m, const char *path, enum llm_format fmt,
		   int want_tokenizer)
{
	size_t size;
	void *map;
	int gguf;

	if (fmt == LLM_FORMAT_GGUF)
		return llm_model_load_gguf(m, path, want_tokenizer);
	if (fmt == LLM_FORMAT_LLAMA2C)
		return llm_model_load_llama2c(m, path);
	if (llm_hf_detect(path))	/* a Hugging Face model directory */
		return llm_model_load_hf(m, path, LLM_DTYPE_FP32, want_tokenizer);

	/* auto: "GGUF" (a peer package is GGUF too), or else a llama2.c
	 * checkpoint, which has no magic */
	if (llm_map_file(path, &map, &size))
		return -1;
	gguf = size >= 4 && !memcmp(map, "GGUF", 4);
	if (map)
		munmap(map, size);
	if (size < 4) {
		llm_err("%s: truncated: %zu bytes, neither a GGUF file nor a llama2.c checkpoint",
			path, size);
		return -1;
	}
	if (gguf)
		return llm_model_load_gguf(m, path, want_tokenizer);
	if (llm_model_load_llama2c(m, path)) {
		llm_err("%s: (the file does not start with \"GGUF\", so it was read as a llama2.c checkpoint)",
			path);
		return -1;
	}
	return 0;
}
