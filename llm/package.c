// SPDX-License-Identifier: MIT
/*
 * Peer packages: a model converted for the NPU once and cut over N dies,
 * written as one GGUF file per die, <prefix>-d0.gguf .. <prefix>-d<N-1>.gguf.
 *
 * Each file is an ordinary GGUF v3 file of architecture llama (so any
 * GGUF tool lists it): the llama.* hyperparameters, the tokenizer, the
 * tensors the CPU part needs whole (token_embd, the norms: F32, a copy in
 * every file) and the die's slice of every matmul group, "npu.<group>"
 * (F16, or I8 with "npu.<group>.scale", F32 per row), cut by rows as
 * libnpu's npu_gemm_cut() cuts it and converted as the NPU backend
 * converts at load (quant.c).  The npu.* metadata says which die, of how
 * many, the type, the cut of every group, and two 64-bit hashes: the
 * die's tensor data and the package (all dies), which ties the files of
 * one package together.  gguf.c reads them; the rules are in
 * Documentation/npu/peer-package.rst.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npu_gemm.h"
#include "llm.h"

/* GGUF value and tensor types, as in gguf.c */
enum { KV_U32 = 4, KV_F32 = 6, KV_BOOL = 7, KV_STRING = 8, KV_ARRAY = 9,
       KV_U64 = 10 };
enum { T_F32 = 0, T_F16 = 1, T_I8 = 24 };
#define ALIGN	32

/*
 * A 64-bit hash, fast enough to check every byte of a package at load
 * (four independent multiply-xorshift lanes over 32-byte blocks); not
 * cryptographic, it finds corruption and mix-ups, not tampering.
 */
uint64_t llm_hash64(const void *data, size_t n, uint64_t seed)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	const unsigned char *p = data;
	uint64_t h[4] = { seed ^ k, seed + k, ~seed, seed * k + 1 }, w;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		for (int l = 0; l < 4; l++) {
			memcpy(&w, p + i + 8 * l, 8);
			h[l] = (h[l] ^ w) * k;
			h[l] ^= h[l] >> 31;
		}
	}
	for (; i < n; i++)
		h[i % 4] = (h[i % 4] ^ p[i]) * k;
	w = (uint64_t)n;
	for (int l = 0; l < 4; l++) {
		w = (w ^ h[l]) * k;
		w ^= w >> 29;
	}
	return w;
}

int llm_package_check_cut(const struct llm_model *m, int dies)
{
	if (dies < 1 || dies > LLM_MAX_DIES) {
		llm_err("--dies %d: a package is cut for 1 to %d dies", dies,
			LLM_MAX_DIES);
		return -1;
	}
	for (int i = 0; i < m->n_groups; i++) {
		const struct llm_group *g = m->groups[i];
		uint32_t n0[LLM_MAX_DIES + 1];
		int used = npu_gemm_cut((uint32_t)g->rows, (uint32_t)dies, n0);

		if (used < dies) {
			int most = npu_gemm_cut((uint32_t)g->rows,
						LLM_MAX_DIES, n0);

			llm_err("--dies %d: %s has %d rows, %d whole 32-row tile(s): cut by tiles it leaves %d of the %d dies without rows; this model can be cut over at most %d dies",
				dies, g->name, g->rows, (g->rows + 31) / 32,
				dies - (used > 0 ? used : 0), dies,
				most > 0 ? most : 0);
			return -1;
		}
	}
	return 0;
}

/* Each slice must be a GEMM shape the NPU takes. */
static int check_slices_supported(const struct llm_model *m, int dies,
				  enum llm_dtype dtype)
{
	for (int i = 0; i < m->n_groups; i++) {
		const struct llm_group *g = m->groups[i];
		uint32_t n0[LLM_MAX_DIES + 1];

		npu_gemm_cut((uint32_t)g->rows, (uint32_t)dies, n0);
		for (int d = 0; d < dies; d++) {
			struct npu_gemm_desc desc = {
				.m = 1, .k = (uint32_t)g->cols, .n = n0[d + 1] - n0[d],
				.in_type = dtype == LLM_DTYPE_INT8 ?
					   NPU_DTYPE_INT8 : NPU_DTYPE_FP16,
				.out_type = dtype == LLM_DTYPE_INT8 ?
					    NPU_DTYPE_INT32 : NPU_DTYPE_FP32,
			};
			int ret = npu_gemm_supported(&desc);

			if (ret) {
				llm_err("%s: die %d's slice, a 1 x %d x %u %s GEMM, is beyond the NPU: %s",
					g->name, d, g->cols, desc.n,
					llm_dtype_name(dtype), strerror(-ret));
				return -1;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * A GGUF header in memory
 */

struct buf {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;
		unsigned char *q = realloc(b->p, cap);

		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(struct buf *b, uint64_t v) { put(b, &v, 8); }

static void put_str(struct buf *b, const char *s)
{
	put_u64(b, strlen(s));
	put(b, s, strlen(s));
}

static void kv_u32(struct buf *b, const char *key, uint32_t v)
{
	put_str(b, key);
	put_u32(b, KV_U32);
	put_u32(b, v);
}

static void kv_f32(struct buf *b, const char *key, float v)
{
	put_str(b, key);
	put_u32(b, KV_F32);
	put(b, &v, 4);
}

static void kv_str(struct buf *b, const char *key, const char *v)
{
	put_str(b, key);
	put_u32(b, KV_STRING);
	put_str(b, v);
}

/* A u64 value filled in later; the offset of its 8 bytes. */
static size_t kv_u64_slot(struct buf *b, const char *key)
{
	put_str(b, key);
	put_u32(b, KV_U64);
	put_u64(b, 0);
	return b->len - 8;
}

/* A token as SentencePiece stores it: spaces as U+2581. */
static void put_token(struct buf *b, const char *s)
{
	uint64_t len = 0;

	for (const char *c = s; *c; c++)
		len += *c == ' ' ? 3 : 1;
	put_u64(b, len);
	for (const char *c = s; *c; c++) {
		if (*c == ' ')
			put(b, "\xe2\x96\x81", 3);
		else
			put(b, c, 1);
	}
}

/* ------------------------------------------------------------------------
 * Writing
 */

struct die_file {
	char path[PATH_MAX];
	char tmp[PATH_MAX + 8];
	FILE *f;
	struct buf hdr;
	size_t id_at, hash_at;		/* the u64 slots in hdr */
	uint64_t hash;
};

static int write_all(FILE *f, const char *path, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, f) != n) {
		llm_err("%s: write error: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t tensor_bytes(const struct llm_package_tensor *t)
{
	return t->ne0 * t->ne1 * (t->type == T_I8 ? 1 : t->type == T_F16 ? 2 : 4);
}

struct llm_package_tensor *llm_package_tensors(struct llm_model *m, int dies,
					       int die, enum llm_dtype dtype,
					       const uint32_t *cut, int *n)
{
	const struct llm_config *c = &m->cfg;
	struct llm_package_tensor *t = calloc((size_t)(2 * c->n_layers + 2 +
						       2 * m->n_groups), sizeof(*t));
	int k = 0;

	if (!t) {
		llm_err("out of memory");
		return NULL;
	}
#define COPY(ptr, rows, ...) do { \
		snprintf(t[k].name, sizeof(t[k].name), __VA_ARGS__); \
		t[k].type = T_F32; t[k].ne0 = (uint64_t)c->dim; t[k].ne1 = (rows); \
		t[k].f32 = &(ptr); t[k].group = -1; k++; \
	} while (0)
	COPY(m->token_embd, (uint64_t)c->vocab_size, "token_embd.weight");
	COPY(m->output_norm, 1, "output_norm.weight");
	for (int l = 0; l < c->n_layers; l++) {
		COPY(m->layers[l].attn_norm, 1, "blk.%d.attn_norm.weight", l);
		COPY(m->layers[l].ffn_norm, 1, "blk.%d.ffn_norm.weight", l);
	}
#undef COPY
	for (int i = 0; i < m->n_groups; i++) {
		const uint32_t *row0 = cut + (size_t)i * (size_t)(dies + 1);
		uint64_t rows = row0[die + 1] - row0[die];

		snprintf(t[k].name, sizeof(t[k].name), "npu.%s", m->groups[i]->name);
		t[k].type = dtype == LLM_DTYPE_INT8 ? T_I8 : T_F16;
		t[k].ne0 = (uint64_t)m->groups[i]->cols;
		t[k].ne1 = rows;
		t[k].group = i;
		k++;
		if (dtype != LLM_DTYPE_INT8)
			continue;
		snprintf(t[k].name, sizeof(t[k].name), "npu.%s.scale",
			 m->groups[i]->name);
		t[k].type = T_F32;
		t[k].ne0 = rows;
		t[k].ne1 = 1;
		t[k].group = i;
		t[k].scale = 1;
		k++;
	}
	for (int i = 0; i < k; i++)
		t[i].bytes = tensor_bytes(&t[i]);
	*n = k;
	return t;
}

/* The header of die d's file, the tensors' offsets set. */
static int build_header(struct die_file *df, const struct llm_model *m,
			const struct llm_tokenizer *tok,
			const struct llm_pack_options *o, int d,
			const uint32_t *cut, struct llm_package_tensor *t, int n)
{
	const struct llm_config *c = &m->cfg;
	const char *src = o->source ? o->source : "?";
	struct buf *b = &df->hdr;
	uint64_t n_kv = 0, off = 0;
	char name[300];

	put(b, "GGUF", 4);
	put_u32(b, 3);
	put_u64(b, (uint64_t)n);
	put_u64(b, 0);			/* n_kv, below */
#define KV(call) do { call; n_kv++; } while (0)
	KV(kv_str(b, "general.architecture", "llama"));
	snprintf(name, sizeof(name), "npu-llm peer package, die %d of %d", d, o->dies);
	KV(kv_str(b, "general.name", name));
	KV(kv_u32(b, "llama.context_length", (uint32_t)c->seq_len));
	KV(kv_u32(b, "llama.embedding_length", (uint32_t)c->dim));
	KV(kv_u32(b, "llama.feed_forward_length", (uint32_t)c->hidden_dim));
	KV(kv_u32(b, "llama.block_count", (uint32_t)c->n_layers));
	KV(kv_u32(b, "llama.attention.head_count", (uint32_t)c->n_heads));
	KV(kv_u32(b, "llama.attention.head_count_kv", (uint32_t)c->n_kv_heads));
	KV(kv_u32(b, "llama.rope.dimension_count", (uint32_t)(c->dim / c->n_heads)));
	KV(kv_f32(b, "llama.attention.layer_norm_rms_epsilon", c->norm_eps));
	KV(kv_f32(b, "llama.rope.freq_base", c->rope_theta));
	KV(kv_str(b, "tokenizer.ggml.model", "llama"));
	put_str(b, "tokenizer.ggml.tokens");
	put_u32(b, KV_ARRAY);
	put_u32(b, KV_STRING);
	put_u64(b, (uint64_t)tok->vocab_size);
	for (int i = 0; i < tok->vocab_size; i++)
		put_token(b, tok->vocab[i]);
	n_kv++;
	put_str(b, "tokenizer.ggml.scores");
	put_u32(b, KV_ARRAY);
	put_u32(b, KV_F32);
	put_u64(b, (uint64_t)tok->vocab_size);
	put(b, tok->scores, (size_t)tok->vocab_size * sizeof(float));
	n_kv++;
	KV(kv_u32(b, "tokenizer.ggml.bos_token_id", (uint32_t)tok->bos_id));
	KV(kv_u32(b, "tokenizer.ggml.eos_token_id", (uint32_t)tok->eos_id));
	KV(kv_u32(b, "tokenizer.ggml.unknown_token_id", (uint32_t)tok->unk_id));
	KV(kv_u32(b, "npu.die", (uint32_t)d));
	KV(kv_u32(b, "npu.dies", (uint32_t)o->dies));
	KV(kv_str(b, "npu.dtype", llm_dtype_name(o->dtype)));
	put_str(b, "npu.cut");		/* row0 of every die and the end, per group */
	put_u32(b, KV_ARRAY);
	put_u32(b, KV_U32);
	put_u64(b, (uint64_t)m->n_groups * (uint64_t)(o->dies + 1));
	put(b, cut, (size_t)m->n_groups * (size_t)(o->dies + 1) * 4);
	n_kv++;
	put_str(b, "npu.classifier_tied");
	put_u32(b, KV_BOOL);
	put(b, &(uint8_t){ m->tied_output ? 1 : 0 }, 1);
	n_kv++;
	snprintf(name, sizeof(name), "%s %s", m->format,
		 strrchr(src, '/') ? strrchr(src, '/') + 1 : src);
	KV(kv_str(b, "npu.source", name));
	KV(df->id_at = kv_u64_slot(b, "npu.package_hash"));
	KV(df->hash_at = kv_u64_slot(b, "npu.data_hash"));
#undef KV
	if (!b->oom)
		memcpy(b->p + 16, &n_kv, 8);

	for (int k = 0; k < n; k++) {
		off = (off + ALIGN - 1) / ALIGN * ALIGN;
		t[k].offset = off;
		off += t[k].bytes;
		put_str(b, t[k].name);
		put_u32(b, t[k].ne1 > 1 ? 2 : 1);
		put_u64(b, t[k].ne0);
		if (t[k].ne1 > 1)
			put_u64(b, t[k].ne1);
		put_u32(b, t[k].type);
		put_u64(b, t[k].offset);
	}
	while (b->len % ALIGN && !b->oom)
		put(b, "", 1);
	if (b->oom) {
		llm_err("out of memory");
		return -1;
	}
	return 0;
}

static void progress(const struct llm_pack_options *o, double done,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void progress(const struct llm_pack_options *o, double done,
		     const char *fmt, ...)
{
	va_list ap;

	if (!o->progress || llm_messages_off)
		return;
	fprintf(stderr, "%s: [%5.1f%%] ", llm_program, 100.0 * done);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Copied as they are: a NaN or Inf would only show when run. */
static int check_finite(const struct llm_package_tensor *t, int n,
			const char *source)
{
	for (int k = 0; k < n; k++) {
		const float *v = t[k].f32 ? *t[k].f32 : NULL;

		for (uint64_t i = 0; v && i < t[k].ne0 * t[k].ne1; i++) {
			if (!isfinite(v[i])) {
				llm_err("%s: tensor %s: value %llu is %s: the model cannot run",
					source, t[k].name, (unsigned long long)i,
					isnan(v[i]) ? "NaN" : "infinite");
				return -1;
			}
		}
	}
	return 0;
}

/* Die d's data of tensor k: written after padding, hashed. */
static int write_tensor(struct die_file *df, const struct llm_package_tensor *t,
			const void *p)
{
	static const unsigned char zeros[ALIGN];
	long pos = ftell(df->f);

	if (pos < 0 || (uint64_t)pos > df->hdr.len + t->offset) {
		llm_err("%s: cannot tell the file position: %s", df->path,
			strerror(errno));
		return -1;
	}
	if (write_all(df->f, df->path, zeros,
		      (size_t)(df->hdr.len + t->offset - (uint64_t)pos)) ||
	    write_all(df->f, df->path, p, (size_t)t->bytes))
		return -1;
	df->hash = llm_hash64(p, (size_t)t->bytes, df->hash);
	return 0;
}

int llm_package_write(const struct llm_model *cm, const struct llm_tokenizer *tok,
		      const struct llm_pack_options *o)
{
	struct llm_model *m = (struct llm_model *)cm;	/* for llm_package_tensors() */
	struct llm_package_tensor *t[LLM_MAX_DIES] = { NULL };
	struct die_file df[LLM_MAX_DIES];
	uint64_t t0 = llm_now_ns(), total = 0, package_hash;
	uint32_t *cut = NULL;
	size_t max_bytes = 1;
	void *buf = NULL;
	float *scale = NULL;
	int n = 0, ret = -1, opened = 0, dies = o->dies;

	memset(df, 0, sizeof(df));
	if (o->dtype != LLM_DTYPE_FP16 && o->dtype != LLM_DTYPE_INT8) {
		llm_err("--dtype: a package holds fp16 or int8 weights");
		return -1;
	}
	if (llm_package_check_cut(m, dies) ||
	    check_slices_supported(m, dies, o->dtype))
		return -1;
	if (tok->vocab_size != m->cfg.vocab_size) {
		llm_err("the tokenizer has %d tokens, the model %d", tok->vocab_size,
			m->cfg.vocab_size);
		return -1;
	}
	if (!o->prefix[0] || o->prefix[strlen(o->prefix) - 1] == '/') {
		llm_err("-o %s: the output prefix needs a file name part, e.g. out/model",
			o->prefix);
		return -1;
	}
	if (!m->token_embd) {	/* a compact embedding: copied as fp32 */
		float *e = llm_model_alloc(m, (size_t)m->cfg.vocab_size * (size_t)m->cfg.dim);

		if (!e)
			return -1;
		for (int r = 0; r < m->cfg.vocab_size; r++)
			llm_weight_row(&m->embedding, r, e + (size_t)r * (size_t)m->cfg.dim);
		m->token_embd = e;
	}
	cut = calloc((size_t)m->n_groups * (size_t)(dies + 1), sizeof(*cut));
	if (!cut) {
		llm_err("out of memory");
		return -1;
	}
	for (int i = 0; i < m->n_groups; i++)
		npu_gemm_cut((uint32_t)m->groups[i]->rows, (uint32_t)dies,
			     cut + (size_t)i * (size_t)(dies + 1));

	for (int d = 0; d < dies; d++) {
		t[d] = llm_package_tensors(m, dies, d, o->dtype, cut, &n);
		if (!t[d] || (d == 0 && check_finite(t[0], n, o->source ? o->source : "the model")))
			goto out;
		if ((size_t)snprintf(df[d].path, sizeof(df[d].path), "%s-d%d.gguf",
				     o->prefix, d) >= sizeof(df[d].path) ||
		    (size_t)snprintf(df[d].tmp, sizeof(df[d].tmp), "%s.tmp",
				     df[d].path) >= sizeof(df[d].tmp)) {
			llm_err("-o %s: path too long", o->prefix);
			goto out;
		}
		if (build_header(&df[d], m, tok, o, d, cut, t[d], n))
			goto out;
		for (int k = 0; k < n; k++) {
			if (t[d][k].bytes > max_bytes)
				max_bytes = (size_t)t[d][k].bytes;
			total += t[d][k].bytes;
		}
		df[d].f = fopen(df[d].tmp, "wb");
		if (!df[d].f) {
			llm_err("cannot write %s: %s", df[d].path, strerror(errno));
			goto out;
		}
		opened = d + 1;
		setvbuf(df[d].f, NULL, _IOFBF, 1 << 20);
		if (write_all(df[d].f, df[d].path, df[d].hdr.p, df[d].hdr.len))
			goto out;
	}
	buf = malloc(max_bytes);
	scale = malloc(max_bytes);	/* a slice's row scales are one of its tensors */
	if (!buf || !scale) {
		llm_err("out of memory");
		goto out;
	}

	/* tensor by tensor, each die's part into its file */
	for (int k = 0; k < n; k++) {
		const struct llm_package_tensor *tk = &t[0][k];

		if (tk->scale)
			continue;	/* written with its slice */
		for (int d = 0; d < dies; d++) {
			const uint32_t *row0 = cut + (size_t)(tk->group >= 0 ? tk->group : 0) *
					       (size_t)(dies + 1);
			const struct llm_group *g = tk->group >= 0 ? m->groups[tk->group] : NULL;
			int err;

			if (!g)
				err = write_tensor(&df[d], &t[d][k], *tk->f32);
			else if (o->dtype == LLM_DTYPE_INT8)
				err = llm_quant_int8(g, (int)row0[d], (int)row0[d + 1], buf, scale) ||
				      write_tensor(&df[d], &t[d][k], buf) ||
				      write_tensor(&df[d], &t[d][k + 1], scale);
			else
				err = llm_quant_fp16(g, (int)row0[d], (int)row0[d + 1], buf) ||
				      write_tensor(&df[d], &t[d][k], buf);
			if (err)
				goto out;
		}
		if (tk->group < 0 && k == 0) {
			progress(o, (double)(k + 1) / n, "%s %llux%llu f32 and the norms: in every die's file",
				 tk->name, (unsigned long long)tk->ne1,
				 (unsigned long long)tk->ne0);
		} else if (tk->group >= 0) {
			const uint32_t *row0 = cut + (size_t)tk->group * (size_t)(dies + 1);
			char rows[160];
			size_t len = 0;

			for (int d = 0; d < dies && len < sizeof(rows); d++)
				len += (size_t)snprintf(rows + len, sizeof(rows) - len,
							"%s d%d rows %u-%u", d ? "," : "",
							d, row0[d], row0[d + 1] - 1);
			progress(o, (double)(k + 1) / n, "%s %dx%llu %s:%s", tk->name,
				 m->groups[tk->group]->rows,
				 (unsigned long long)tk->ne0, llm_dtype_name(o->dtype), rows);
		}
	}

	/* the hashes into the headers, then the files under their names */
	package_hash = llm_hash64(&m->cfg, sizeof(m->cfg), (uint64_t)dies);
	for (int d = 0; d < dies; d++)
		package_hash = llm_hash64(&df[d].hash, 8, package_hash);
	for (int d = 0; d < dies; d++) {
		FILE *f = df[d].f;

		df[d].f = NULL;
		if (fseek(f, (long)df[d].id_at, SEEK_SET) ||
		    write_all(f, df[d].path, &package_hash, 8) ||
		    fseek(f, (long)df[d].hash_at, SEEK_SET) ||
		    write_all(f, df[d].path, &df[d].hash, 8) ||
		    fflush(f) || ferror(f)) {
			llm_err("%s: write error: %s", df[d].path, strerror(errno));
			fclose(f);
			goto out;
		}
		if (fclose(f)) {
			llm_err("%s: write error: %s", df[d].path, strerror(errno));
			goto out;
		}
	}
	for (int d = 0; d < dies; d++) {
		if (rename(df[d].tmp, df[d].path)) {
			llm_err("cannot rename %s to %s: %s", df[d].tmp,
				df[d].path, strerror(errno));
			goto out;
		}
		df[d].tmp[0] = '\0';
	}
	progress(o, 1.0, "wrote %s%s: %d file(s), %.2f MiB of tensors, in %.2f s",
		 df[0].path, dies > 1 ? " .." : "", dies,
		 (double)total / (1 << 20), (double)(llm_now_ns() - t0) / 1e9);
	ret = 0;
out:
	for (int d = 0; d < dies; d++) {
		if (d < opened && df[d].f)
			fclose(df[d].f);
		if (d < opened && df[d].tmp[0])
			unlink(df[d].tmp);
		free(df[d].hdr.p);
		free(t[d]);
	}
	free(buf);
	free(scale);
	free(cut);
	return ret;
}
