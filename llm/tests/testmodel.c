// SPDX-License-Identifier: MIT
/*
 * Test models in llama2.c and GGUF formats; see testmodel.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmodel.h"

enum { DIM = 64, HIDDEN = 96, LAYERS = 2, HEADS = 4, KV_HEADS = 2,
       VOCAB = 300, SEQ = 64, KV_DIM = DIM / HEADS * KV_HEADS };

enum { T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q8_0 = 8 };

/* The GGUF shapes: the test shape above, and stories110M's ("110m-"). */
struct shape {
	int dim, hidden, layers, heads, kv_heads, vocab, seq;
};

static const struct shape shape_test = {
	DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, VOCAB, SEQ,
};
static const struct shape shape_110m = {
	768, 2048, 12, 12, 12, 32000, 1024,
};

/* ------------------------------------------------------------------------
 * Weights: q * 2^-e, q in -127..127, from a generator seeded by the name
 */

static uint32_t next_u32(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1Dull) >> 32);
}

/* The exponent e of a tensor's values; 0: all ones (norms). */
static int tensor_exp(const char *name)
{
	if (strstr(name, "norm"))
		return 0;
	if (!strncmp(name, "token_embd", 10))
		return 7;
	return 10;
}

/* A broken model: element 1 of this tensor gets this value (NaN, Inf). */
static const char *poison_tensor;
static float poison_value;

static void set_poison(const char *v)
{
	poison_tensor = NULL;
	if (!strcmp(v, "nan-norm")) {
		poison_tensor = "blk.0.attn_norm.weight";
		poison_value = NAN;
	} else if (!strcmp(v, "inf-weight")) {
		poison_tensor = "blk.1.ffn_down.weight";
		poison_value = INFINITY;
	}
}

static float *make_tensor(const char *name, size_t n, size_t row_len)
{
	float *v = malloc(n * sizeof(float));
	uint64_t s = 1469598103934665603ull;
	int e = tensor_exp(name);

	if (!v)
		return NULL;
	for (const char *c = name; *c; c++)
		s = (s ^ (unsigned char)*c) * 1099511628211ull;
	s |= 1;
	for (size_t i = 0; i < n; i++) {
		int q = (int)(next_u32(&s) % 255) - 127;

		v[i] = e ? (float)q / (float)(1 << e) : 1.0f;
	}
	/*
	 * Zero embeddings for <unk> and </s>: tied to the classifier, their
	 * logits are 0, so greedy decoding never ends the text early.
	 */
	if (!strcmp(name, "token_embd.weight")) {
		memset(v, 0, row_len * sizeof(float));
		memset(v + 2 * row_len, 0, row_len * sizeof(float));
	}
	if (poison_tensor && !strcmp(name, poison_tensor) && n > 1)
		v[1] = poison_value;
	return v;
}

/* ------------------------------------------------------------------------
 * Vocabulary
 */

static const char *const merges[] = {
	"\xe2\x96\x81t", "he", "\xe2\x96\x81the", "in", "\xe2\x96\x81" "a",
	"er", "an", "\xe2\x96\x81s", "on", "at", "en", "\xe2\x96\x81w",
	"\xe2\x96\x81" "an", "\xe2\x96\x81" "and",
};

/*
 * Token i in SentencePiece spelling (U+2581 for space); score in *score.
 * Beyond the test vocabulary (a larger shape's), token VOCAB + j is four
 * letters spelling j in base 26, after U+2581 for even j: all distinct,
 * and from the merges too (at most three letters).
 */
static void token(int i, char *s, size_t size, float *score)
{
	*score = 0.0f;
	if (i >= VOCAB) {
		int j = i - VOCAB, w = j / 2;

		snprintf(s, size, "%s%c%c%c%c", j % 2 ? "" : "\xe2\x96\x81",
			 'a' + w / (26 * 26 * 26) % 26, 'a' + w / (26 * 26) % 26,
			 'a' + w / 26 % 26, 'a' + w % 26);
		*score = -1000.0f - (float)j;
	} else if (i < 3) {
		snprintf(s, size, "%s", i == 0 ? "<unk>" : i == 1 ? "<s>" : "</s>");
	} else if (i < 259) {
		snprintf(s, size, "<0x%02X>", i - 3);
	} else if (i == 259) {
		snprintf(s, size, "\xe2\x96\x81");
		*score = -100.0f;
	} else if (i < 286) {
		snprintf(s, size, "%c", 'a' + (i - 260));
		*score = -100.0f - (float)(i - 260);
	} else {
		snprintf(s, size, "%s", merges[i - 286]);
		*score = -1.0f - (float)(i - 286);
	}
}

/* SentencePiece spelling to plain text: U+2581 -> ' ' */
static size_t plain(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (!strncmp(s, "\xe2\x96\x81", 3)) {
			out[n++] = ' ';
			s += 3;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return n;
}

/* ------------------------------------------------------------------------
 * Output buffer
 */

struct buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		uint8_t *p = realloc(b->p, cap);

		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put_i32(struct buf *b, int32_t v) { put(b, &v, 4); }
static void put_u64(struct buf *b, uint64_t v) { put(b, &v, 8); }
static void put_f32(struct buf *b, float v) { put(b, &v, 4); }

static void put_str(struct buf *b, const char *s)
{
	put_u64(b, strlen(s));
	put(b, s, strlen(s));
}

static int write_file(const char *path, const struct buf *b)
{
	FILE *f;

	if (b->oom) {
		fprintf(stderr, "testmodel: out of memory\n");
		return -1;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f)) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * GGUF
 */

enum { G_U32 = 4, G_F32 = 6, G_STRING = 8, G_ARRAY = 9, G_I32 = 5 };

struct tensor {
	char name[64];
	uint64_t ne0, ne1;
	int n_dims;
	uint32_t type;
	float *data;
	uint64_t offset, nbytes;
};

static uint16_t fp16_exact(float f)
{
	uint32_t x, exp, mant;

	memcpy(&x, &f, 4);
	if (!(x & 0x7fffffff))
		return (uint16_t)(x >> 16);
	exp = (x >> 23) & 0xff;
	mant = x & 0x7fffff;
	/* test values are normal fp16 numbers with 10 mantissa bits */
	return (uint16_t)(((x >> 16) & 0x8000) | ((exp - 112) << 10) | (mant >> 13));
}

static uint64_t tensor_bytes(const struct tensor *t)
{
	uint64_t n = t->ne0 * t->ne1;

	switch (t->type) {
	case T_F16:
		return n * 2;
	case T_Q8_0:
		return n / 32 * 34;
	case T_Q4_0:
		return n / 32 * 18;
	}
	return n * 4;
}

static void put_tensor_data(struct buf *b, const struct tensor *t)
{
	uint64_t n = t->ne0 * t->ne1;

	switch (t->type) {
	case T_F32:
		put(b, t->data, n * 4);
		break;
	case T_F16:
		for (uint64_t i = 0; i < n; i++) {
			uint16_t h = fp16_exact(t->data[i]);

			put(b, &h, 2);
		}
		break;
	case T_Q8_0: {
		/* every value is q * 2^-e: scale 2^-e, quants q */
		int e = tensor_exp(t->name);
		uint16_t d = (uint16_t)((15 - e) << 10);

		for (uint64_t i = 0; i < n; i += 32) {
			int8_t qs[32];

			for (int j = 0; j < 32; j++)
				qs[j] = (int8_t)(t->data[i + (uint64_t)j] * (float)(1 << e));
			put(b, &d, 2);
			put(b, qs, 32);
		}
		break;
	}
	default: {
		uint8_t junk[18] = { 0 };

		for (uint64_t i = 0; i < n; i += 32)
			put(b, junk, sizeof(junk));
	}
	}
}

enum { MAX_TENSORS = 160 };

/* A tensor's data is made when it is written (see write_tensors()). */
static int add_tensor(struct tensor *ts, int *n, const char *name,
		      uint64_t ne0, uint64_t ne1, uint32_t type)
{
	struct tensor *t;

	if (*n >= MAX_TENSORS)
		return -1;
	t = &ts[(*n)++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ne0 = ne0;
	t->ne1 = ne1;
	t->n_dims = ne1 > 1 ? 2 : 1;
	t->type = strstr(name, "norm") ? T_F32 : type;
	return 0;
}

/*
 * The file: @hdr, then each tensor's data 32-byte aligned, made, written
 * and freed one tensor at a time (a stories110M shape is 440 MB of F32).
 */
static int write_gguf_file(const char *path, const struct buf *hdr,
			   struct tensor *ts, int n)
{
	static const uint8_t zero[32];
	uint64_t len = hdr->len;
	struct buf d = { 0 };
	FILE *f;
	int ret = 0;

	if (hdr->oom) {
		fprintf(stderr, "testmodel: out of memory\n");
		return -1;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(hdr->p, 1, hdr->len, f) != hdr->len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	for (int i = 0; i < n && !ret; i++) {
		size_t gap = (size_t)((32 - len % 32) % 32);

		ts[i].data = make_tensor(ts[i].name, ts[i].ne0 * ts[i].ne1,
					 ts[i].ne0);
		d.len = 0;
		if (ts[i].data)
			put_tensor_data(&d, &ts[i]);
		else
			d.oom = 1;
		free(ts[i].data);
		ts[i].data = NULL;
		if (d.oom) {
			fprintf(stderr, "testmodel: out of memory\n");
			ret = -1;
		} else if (fwrite(zero, 1, gap, f) != gap ||
			   fwrite(d.p, 1, d.len, f) != d.len) {
			perror(path);
			ret = -1;
		}
		len += gap + d.len;
	}
	free(d.p);
	if (fclose(f) && !ret) {
		perror(path);
		ret = -1;
	}
	return ret;
}

static void kv_key(struct buf *b, const char *key, uint32_t type)
{
	put_str(b, key);
	put_u32(b, type);
}

int tm_write_gguf(const char *path, const char *v)
{
	static const char *const layer_names[] = {
		"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
		"ffn_norm", "ffn_gate", "ffn_up", "ffn_down",
	};
	struct tensor *ts = calloc(MAX_TENSORS, sizeof(*ts));
	const struct shape *sh = &shape_test;
	struct buf b = { 0 };
	uint32_t type = T_F32;
	uint64_t off = 0, n_kv = 0;
	int n = 0, ret = -1, vocab, err = 0, kv_dim;
	struct buf kv = { 0 };

	if (!ts) {
		fprintf(stderr, "testmodel: out of memory\n");
		return -1;
	}
	if (!strncmp(v, "110m-", 5)) {
		sh = &shape_110m;
		v += 5;
		if (strcmp(v, "f32") && strcmp(v, "f16") && strcmp(v, "q8_0")) {
			fprintf(stderr, "testmodel: 110m-%s: 110m-f32, 110m-f16 or 110m-q8_0\n", v);
			free(ts);
			return -1;
		}
	}
	vocab = sh->vocab;
	kv_dim = sh->dim / sh->heads * sh->kv_heads;
	if (!strcmp(v, "f16"))
		type = T_F16;
	else if (!strcmp(v, "q8_0"))
		type = T_Q8_0;

	/* tensors */
	err |= add_tensor(ts, &n, "token_embd.weight", sh->dim, sh->vocab, type);
	err |= add_tensor(ts, &n, "output_norm.weight", sh->dim, 1, type);
	if (!strcmp(v, "f32-untied"))
		err |= add_tensor(ts, &n, "output.weight", sh->dim, sh->vocab, type);
	for (int l = 0; l < sh->layers; l++) {
		for (int s = 0; s < 9; s++) {
			const char *ln = layer_names[s];
			uint64_t ne0 = sh->dim, ne1 = sh->dim;
			char name[64];

			if (!strcmp(ln, "attn_norm") || !strcmp(ln, "ffn_norm"))
				ne1 = 1;
			else if (!strcmp(ln, "attn_k") || !strcmp(ln, "attn_v"))
				ne1 = kv_dim;
			else if (!strcmp(ln, "ffn_gate") || !strcmp(ln, "ffn_up"))
				ne1 = sh->hidden;
			else if (!strcmp(ln, "ffn_down"))
				ne0 = sh->hidden;
			if (l == 0 && !strcmp(ln, "attn_k") && !strcmp(v, "bad-shape"))
				ne1 = sh->dim;
			if (l == 1 && !strcmp(ln, "ffn_up") && !strcmp(v, "missing-tensor"))
				continue;
			snprintf(name, sizeof(name), "blk.%d.%s.weight", l, ln);
			err |= add_tensor(ts, &n, name, ne0, ne1, type);
			if (l == 0 && !strcmp(ln, "attn_q")) {
				if (!strcmp(v, "bad-type"))
					ts[n - 1].type = T_Q4_0;
				if (!strcmp(v, "duplicate-tensor"))
					err |= add_tensor(ts, &n, name, ne0, ne1, type);
			}
		}
	}
	if (!strcmp(v, "extra-tensor"))
		err |= add_tensor(ts, &n, "rope_freqs.weight", sh->dim / sh->heads / 2, 1, T_F32);
	if (!strcmp(v, "extra-layer"))
		err |= add_tensor(ts, &n, "blk.2.attn_norm.weight", sh->dim, 1, T_F32);
	if (err) {
		fprintf(stderr, "testmodel: too many tensors\n");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		ts[i].nbytes = tensor_bytes(&ts[i]);
		ts[i].offset = off;
		off = (off + ts[i].nbytes + 31) / 32 * 32;
	}
	if (!strcmp(v, "misaligned"))
		ts[3].offset += 4;
	if (!strcmp(v, "offset-oob"))
		ts[n - 1].offset = (uint64_t)1 << 40;
	if (!strcmp(v, "overlap"))	/* blk.0.attn_q shares blk.0.attn_norm's end */
		ts[3].offset = ts[2].offset + 32;
	if (!strcmp(v, "out-of-order")) {	/* blk.0.attn_q before blk.0.attn_norm */
		uint64_t o = ts[2].offset;

		ts[2].offset = ts[3].offset;
		ts[3].offset = o;
	}
	set_poison(v);

	/* metadata */
#define KV_U32(key, val) do { kv_key(&kv, key, G_U32); put_u32(&kv, val); n_kv++; } while (0)
#define KV_STR(key, val) do { kv_key(&kv, key, G_STRING); put_str(&kv, val); n_kv++; } while (0)
	KV_STR("general.architecture", !strcmp(v, "not-llama") ? "gpt2" : "llama");
	KV_STR("general.name", sh == &shape_test ? "npu-llm test model" :
	       "npu-llm test model, stories110M shape");
	KV_U32("llama.context_length", sh->seq);
	KV_U32("llama.embedding_length", sh->dim);
	KV_U32("llama.feed_forward_length", sh->hidden);
	if (!strcmp(v, "block-count-string"))
		KV_STR("llama.block_count", "2");
	else if (strcmp(v, "no-block-count"))
		KV_U32("llama.block_count", sh->layers);
	KV_U32("llama.attention.head_count", sh->heads);
	KV_U32("llama.attention.head_count_kv", sh->kv_heads);
	KV_U32("llama.rope.dimension_count", sh->dim / sh->heads);
	kv_key(&kv, "llama.attention.layer_norm_rms_epsilon", G_F32);
	put_f32(&kv, 1e-5f);
	n_kv++;
	KV_STR("tokenizer.ggml.model", "llama");
	KV_U32("tokenizer.ggml.bos_token_id", 1);
	KV_U32("tokenizer.ggml.eos_token_id", 2);
	KV_U32("tokenizer.ggml.unknown_token_id", 0);
#undef KV_U32
#undef KV_STR
	if (!strcmp(v, "tokens-mismatch"))
		vocab = sh->vocab - 1;
	kv_key(&kv, "tokenizer.ggml.tokens", G_ARRAY);
	put_u32(&kv, G_STRING);
	put_u64(&kv, (uint64_t)vocab);
	for (int i = 0; i < vocab; i++) {
		char s[32];
		float score;

		token(i, s, sizeof(s), &score);
		put_str(&kv, s);
	}
	n_kv++;
	if (strcmp(v, "no-scores")) {
		kv_key(&kv, "tokenizer.ggml.scores", G_ARRAY);
		put_u32(&kv, G_F32);
		put_u64(&kv, (uint64_t)vocab);
		for (int i = 0; i < vocab; i++) {
			char s[32];
			float score;

			token(i, s, sizeof(s), &score);
			put_f32(&kv, score);
		}
		n_kv++;
	}
	kv_key(&kv, "tokenizer.ggml.token_type", G_ARRAY);
	put_u32(&kv, G_I32);
	put_u64(&kv, (uint64_t)vocab);
	for (int i = 0; i < vocab; i++)
		put_i32(&kv, i < 3 ? 3 : i < 259 ? 6 : 1);
	n_kv++;

	/* the file */
	put(&b, "GGUF", 4);
	put_u32(&b, !strcmp(v, "bad-version") ? 2 : 3);
	put_u64(&b, (uint64_t)n);
	put_u64(&b, n_kv);
	if (!kv.oom)
		put(&b, kv.p, kv.len);
	for (int i = 0; i < n; i++) {
		put_str(&b, ts[i].name);
		put_u32(&b, (uint32_t)ts[i].n_dims);
		put_u64(&b, ts[i].ne0);
		if (ts[i].n_dims > 1)
			put_u64(&b, ts[i].ne1);
		put_u32(&b, ts[i].type);
		put_u64(&b, ts[i].offset);
	}
	b.oom |= kv.oom;
	ret = write_gguf_file(path, &b, ts, n);
out:
	free(ts);
	free(kv.p);
	free(b.p);
	return ret;
}

/* ------------------------------------------------------------------------
 * llama2.c
 */

/*
 * llama2.c's export.py --version 1 (fp32) and --version 2 (int8): the
 * 256-byte "ak42" header, the norms, then the matrices; version 2
 * quantizes each tensor in groups of @group values, s = max |w| / 127,
 * q = w / s rounded half to even (torch.round).
 */
static void put_export_tensor(struct buf *b, const char *name, size_t n,
			      int version, int group)
{
	float *v = make_tensor(name, n, DIM);

	if (!v) {
		b->oom = 1;
		return;
	}
	if (version == 1) {
		put(b, v, n * sizeof(float));
	} else {
		float *s = malloc(n / (size_t)group * sizeof(float));

		if (!s) {
			b->oom = 1;
			free(v);
			return;
		}
		for (size_t g = 0; g < n / (size_t)group; g++) {
			float wmax = 0.0f;

			for (int i = 0; i < group; i++)
				if (fabsf(v[g * (size_t)group + (size_t)i]) > wmax)
					wmax = fabsf(v[g * (size_t)group + (size_t)i]);
			s[g] = wmax / 127.0f;
			for (int i = 0; i < group; i++) {
				float q = s[g] > 0.0f ? nearbyintf(v[g * (size_t)group + (size_t)i] / s[g]) : 0.0f;
				int8_t c = (int8_t)q;

				put(b, &c, 1);
			}
		}
		put(b, s, n / (size_t)group * sizeof(float));
		free(s);
	}
	free(v);
}

int tm_write_export(const char *path, int version, int group, int shared)
{
	static const char *const mats[] = {
		"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate",
		"ffn_down", "ffn_up",
	};
	static const uint64_t rows[] = { DIM, KV_DIM, KV_DIM, DIM, HIDDEN, DIM, HIDDEN };
	static const uint64_t cols[] = { DIM, DIM, DIM, DIM, DIM, HIDDEN, DIM };
	int32_t hdr[9] = { 0x616b3432, version, DIM, HIDDEN, LAYERS, HEADS,
			   KV_HEADS, VOCAB, SEQ };
	struct buf b = { 0 };
	uint8_t pad[256] = { 0 };
	char name[64];
	int ret;

	put(&b, hdr, sizeof(hdr));
	pad[0] = (uint8_t)shared;
	if (version == 2) {
		put(&b, pad, 1);
		put_i32(&b, group);
		put(&b, pad + 1, 256 - 41);
	} else {
		put(&b, pad, 256 - 36);
	}
	for (int k = 0; k < 2; k++) {
		for (int l = 0; l < LAYERS; l++) {
			float *v;

			snprintf(name, sizeof(name), "blk.%d.%s.weight", l,
				 k ? "ffn_norm" : "attn_norm");
			v = make_tensor(name, DIM, DIM);
			if (v)
				put(&b, v, DIM * sizeof(float));
			free(v);
		}
	}
	{
		float *v = make_tensor("output_norm.weight", DIM, DIM);

		if (v)
			put(&b, v, DIM * sizeof(float));
		free(v);
	}
	if (version == 1) {	/* version 1: the embedding before the matrices, fp32 */
		put_export_tensor(&b, "token_embd.weight", (size_t)VOCAB * DIM, 1, group);
	} else {
		put_export_tensor(&b, "token_embd.weight", (size_t)VOCAB * DIM, 2, group);
	}
	for (int k = 0; k < 7; k++) {
		for (int l = 0; l < LAYERS; l++) {
			snprintf(name, sizeof(name), "blk.%d.%s.weight", l, mats[k]);
			put_export_tensor(&b, name, rows[k] * cols[k], version, group);
		}
	}
	if (!shared)
		put_export_tensor(&b, "output.weight", (size_t)VOCAB * DIM, version, group);
	ret = write_file(path, &b) ? -1 : 0;
	free(b.p);
	return ret;
}

int tm_write_bin(const char *path, const char *tok_path, const char *v)
{
	static const char *const per_layer[] = {
		"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
		"ffn_norm", "ffn_gate", "ffn_down", "ffn_up",
	};
	static const uint64_t rows[] = { 1, DIM, KV_DIM, KV_DIM, DIM, 1, HIDDEN, DIM, HIDDEN };
	static const uint64_t cols[] = { DIM, DIM, DIM, DIM, DIM, DIM, DIM, HIDDEN, DIM };
	int untied = !strcmp(v, "untied");
	int32_t hdr[7] = { DIM, HIDDEN, LAYERS, HEADS, KV_HEADS,
			   untied ? -VOCAB : VOCAB, SEQ };
	struct buf b = { 0 }, t = { 0 };
	float *data;
	int ret;

	if (!strcmp(v, "bad-header"))
		hdr[3] = 5;
	set_poison(v);
	put(&b, hdr, sizeof(hdr));

#define TENSOR(name, n) do { \
		data = make_tensor(name, n, DIM); \
		if (!data) \
			goto oom; \
		put(&b, data, (n) * sizeof(float)); \
		free(data); \
	} while (0)
	TENSOR("token_embd.weight", (size_t)VOCAB * DIM);
	/* llama2.c order: each tensor for all layers, norms first */
	for (int s = 0; s < 9; s++) {
		for (int l = 0; l < LAYERS; l++) {
			char name[64];

			snprintf(name, sizeof(name), "blk.%d.%s.weight", l,
				 per_layer[s]);
			TENSOR(name, rows[s] * cols[s]);
		}
	}
	TENSOR("output_norm.weight", (size_t)DIM);
	for (int i = 0; i < SEQ * DIM / HEADS; i++)
		put_f32(&b, 0.0f);		/* freq_cis_real, freq_cis_imag */
	if (untied)
		TENSOR("output.weight", (size_t)VOCAB * DIM);
#undef TENSOR
	if (!strcmp(v, "trailing"))
		put_u32(&b, 0);

	/* tokenizer.bin */
	put_i32(&t, 16);
	for (int i = 0; i < VOCAB; i++) {
		char s[32], p[32];
		float score;
		size_t len;

		token(i, s, sizeof(s), &score);
		len = plain(s, p);
		put_f32(&t, score);
		put_i32(&t, (int32_t)len);
		put(&t, p, len);
	}
	ret = write_file(path, &b) || write_file(tok_path, &t) ? -1 : 0;
	free(b.p);
	free(t.p);
	return ret;
oom:
	fprintf(stderr, "testmodel: out of memory\n");
	free(b.p);
	free(t.p);
	return -1;
}
