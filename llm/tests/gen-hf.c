// SPDX-License-Identifier: MIT
/*
 * gen-hf: a llama2.c checkpoint and its tokenizer.bin as a Hugging Face
 * model directory, for the tests, optionally broken in one way.
 *
 *   gen-hf MODEL.bin TOKENIZER.bin DIR [--dtype f32|f16|bf16|fp8] [--shards N]
 *          [--block B] [--break CASE] [--rope-theta T] [--arch NAME]
 *          [--sliding-window N] [--add-bos true|false]
 *
 * DIR gets config.json, tokenizer.json, tokenizer_config.json and the
 * tensors: model.safetensors, or N shards model-0000K-of-0000N.safetensors
 * and model.safetensors.index.json.  The tensors go to the shards in
 * turn.  q_proj and k_proj are written in Hugging Face's rotate_half row
 * order (the inverse of what the loader undoes).
 *
 * fp8: the seven matrices of each layer F8_E4M3 with an F32
 * weight_scale_inv per block of B x B (config.json's
 * quantization_config.weight_block_size; B = 128 by default, and then
 * the key is left out), scale = max |w| of the block / 448; the
 * embedding and the norms BF16.
 *
 * tokenizer.json: the same vocabulary (a space as U+2581; ids 0, 1, 2
 * named <unk>, <s>, </s>), and merges derived from the scores: the
 * tokens by descending score, each one's every split into two tokens of
 * the vocabulary, in the order of the split point.  A BPE by merge rank
 * then merges what llama2.c's encoder merges by score.
 *
 * --break CASE writes one defect (see the cases below) for the strict
 * checks of the loader.  --rope-theta (default 10000), --arch (default
 * LlamaForCausalLM), --sliding-window (default: none written) and
 * --add-bos (tokenizer_config.json's add_bos_token, default true) only
 * change what config.json and tokenizer_config.json say: the tensors
 * stay those of the checkpoint.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum dtype { F32, BF16, F8, F16 };

static const char *const dtype_names[] = { "F32", "BF16", "F8_E4M3", "F16" };
static const size_t dtype_sizes[] = { 4, 2, 1, 2 };

struct tensor {
	char name[128];
	enum dtype dtype;
	int ndim;
	long shape[2];
	uint8_t *bytes;
	size_t size;
	int shard;
};

static struct tensor tensors[1024];
static int n_tensors;
static const char *broken = "";
static const char *rope_theta = "10000.0", *arch = "LlamaForCausalLM";
static const char *add_bos = "true";
static int sliding_window;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gen-hf: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static int is(const char *c)
{
	return !strcmp(broken, c);
}

/* ------------------------------------------------------------------------
 * Conversions
 */

static uint16_t to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	u += 0x7fff + ((u >> 16) & 1);	/* round to nearest even */
	return (uint16_t)(u >> 16);
}

/* The nearest IEEE half (ties to even); |f| < 65504 */
static uint16_t to_f16(float f)
{
	uint16_t sign = signbit(f) ? 0x8000 : 0;
	float a = fabsf(f), m;
	int e;

	if (a == 0.0f)
		return sign;
	frexpf(a, &e);
	e--;				/* a = 1.x * 2^e */
	if (e < -14)			/* subnormal: units of 2^-24 */
		return (uint16_t)(sign | (uint16_t)rintf(ldexpf(a, 24)));
	m = rintf(ldexpf(a, 10 - e));	/* 1024 .. 2048 */
	if (m == 2048.0f) {
		m = 1024.0f;
		e++;
	}
	return (uint16_t)(sign | (e + 15) << 10 | ((int)m - 1024));
}

static float e4m3_value(int b)
{
	int e = (b >> 3) & 0xf, m = b & 7;
	float v = e ? ldexpf((float)(m | 8), e - 10) : ldexpf((float)m, -9);

	return b & 0x80 ? -v : v;
}

/* The nearest float8_e4m3fn (ties to the even code); |v| <= 448. */
static uint8_t to_e4m3(float v)
{
	float a = fabsf(v), best = INFINITY;
	int code = 0;

	for (int b = 0; b < 0x7f; b++) {
		float d = fabsf(e4m3_value(b) - a);

		if (d < best || (d == best && !(b & 1))) {
			best = d;
			code = b;
		}
	}
	return (uint8_t)(code | (v < 0 ? 0x80 : 0));
}

static struct tensor *add(const char *name, enum dtype t, long rows, long cols)
{
	struct tensor *x = &tensors[n_tensors++];
	long elems = rows * (cols ? cols : 1);

	snprintf(x->name, sizeof(x->name), "%s", name);
	x->dtype = t;
	x->ndim = cols ? 2 : 1;
	x->shape[0] = rows;
	x->shape[1] = cols;
	x->size = (size_t)elems * dtype_sizes[t];
	x->bytes = xmalloc(x->size);
	return x;
}

static void store(struct tensor *x, const float *w)
{
	long elems = x->shape[0] * (x->ndim > 1 ? x->shape[1] : 1);

	for (long i = 0; i < elems; i++) {
		uint16_t h;

		if (x->dtype == F32) {
			memcpy(x->bytes + 4 * i, &w[i], 4);
		} else if (x->dtype == BF16 || x->dtype == F16) {
			h = x->dtype == BF16 ? to_bf16(w[i]) : to_f16(w[i]);
			memcpy(x->bytes + 2 * i, &h, 2);
		} else {
			x->bytes[i] = to_e4m3(w[i]);
		}
	}
}

/* An F8_E4M3 matrix and its F32 block scales. */
static void add_fp8(const char *name, const float *w, long rows, long cols,
		    int block)
{
	long br = (rows + block - 1) / block, bc = (cols + block - 1) / block;
	char sname[160];
	struct tensor *x = add(name, F8, rows, cols), *s;
	float *scale;

	snprintf(sname, sizeof(sname), "%s_scale_inv", name);
	s = add(sname, F32, br + is("scale-shape"), bc);
	scale = (float *)s->bytes;
	for (long i = 0; i < br; i++) {
		for (long j = 0; j < bc; j++) {
			float amax = 0.0f;

			for (long r = i * block; r < rows && r < (i + 1) * block; r++)
				for (long c = j * block; c < cols && c < (j + 1) * block; c++)
					amax = fmaxf(amax, fabsf(w[r * cols + c]));
			scale[i * bc + j] = amax > 0.0f ? amax / 448.0f : 1.0f;
		}
	}
	for (long r = 0; r < rows; r++)
		for (long c = 0; c < cols; c++)
			x->bytes[r * cols + c] = to_e4m3(w[r * cols + c] /
				scale[(r / block) * bc + c / block]);
}

/* ------------------------------------------------------------------------
 * The model
 */

struct config {
	int dim, hidden, layers, heads, kv_heads, vocab, seq;
	int shared;
};

static float *read_bin(const char *path, struct config *c, size_t *n)
{
	FILE *f = fopen(path, "rb");
	int32_t h[7];
	long size;
	float *w;

	if (!f || fread(h, 4, 7, f) != 7)
		die("%s: cannot read", path);
	*c = (struct config){ h[0], h[1], h[2], h[3], h[4], abs(h[5]), h[6], h[5] > 0 };
	fseek(f, 0, SEEK_END);
	size = ftell(f) - 28;
	fseek(f, 28, SEEK_SET);
	*n = (size_t)size / 4;
	w = xmalloc((size_t)size);
	if (fread(w, 4, *n, f) != *n)
		die("%s: short read", path);
	fclose(f);
	return w;
}

/* llama2.c's adjacent pairs to Hugging Face's halves, per head. */
static float *permute(const float *w, int rows, int cols, int heads)
{
	float *out = xmalloc((size_t)rows * (size_t)cols * 4);
	int hs = rows / heads;

	for (int r = 0; r < rows; r++) {
		int head = r / hs, i = (r % hs) / 2, j = r % 2;
		int dst = head * hs + j * (hs / 2) + i;

		memcpy(out + (size_t)dst * (size_t)cols, w + (size_t)r * (size_t)cols,
		       (size_t)cols * 4);
	}
	return out;
}

static void matrix(const char *name, const float *w, long rows, long cols,
		   enum dtype t, int block)
{
	if (t == F8)
		add_fp8(name, w, rows, cols, block);
	else
		store(add(name, t, rows, cols), w);
}

static void build(const float *p, const struct config *c, enum dtype t, int block)
{
	long dim = c->dim, hidden = c->hidden, kv = (long)c->dim / c->heads * c->kv_heads;
	long L = c->layers, V = c->vocab;
	enum dtype plain = t == F8 ? BF16 : t;
	const float *emb = p, *rms_att, *wq, *wk, *wv, *wo, *rms_ffn, *w1, *w2, *w3, *rms_f, *wcls;
	char n[128];

	rms_att = emb + V * dim;
	wq = rms_att + L * dim;
	wk = wq + L * dim * dim;
	wv = wk + L * kv * dim;
	wo = wv + L * kv * dim;
	rms_ffn = wo + L * dim * dim;
	w1 = rms_ffn + L * dim;
	w2 = w1 + L * hidden * dim;
	w3 = w2 + L * dim * hidden;
	rms_f = w3 + L * hidden * dim;
	wcls = rms_f + dim + (long)c->seq * (dim / c->heads);

	store(add("model.embed_tokens.weight", plain, V, dim), emb);
	for (long l = 0; l < L; l++) {
		float *q = permute(wq + l * dim * dim, (int)dim, (int)dim, c->heads);
		float *k = permute(wk + l * kv * dim, (int)kv, (int)dim, c->kv_heads);

#define N(s) (snprintf(n, sizeof(n), "model.layers.%ld." s, l), n)
		store(add(N("input_layernorm.weight"), is("norm-fp8") && !l ? F8 : plain, dim, 0),
		      rms_att + l * dim);
		matrix(N("self_attn.q_proj.weight"), q, dim, dim, t, block);
		if (!is("missing") || l != 1)
			matrix(N("self_attn.k_proj.weight"), k, kv, dim, t, block);
		matrix(N("self_attn.v_proj.weight"), wv + l * kv * dim, kv, dim, t, block);
		matrix(N("self_attn.o_proj.weight"), wo + l * dim * dim, dim, dim, t, block);
		store(add(N("post_attention_layernorm.weight"), plain, dim, 0), rms_ffn + l * dim);
		if (is("shape") && !l)
			matrix(N("mlp.gate_proj.weight"), w1, dim, hidden, t, block);
		else
			matrix(N("mlp.gate_proj.weight"), w1 + l * hidden * dim, hidden, dim, t, block);
		matrix(N("mlp.up_proj.weight"), w3 + l * hidden * dim, hidden, dim, t, block);
		matrix(N("mlp.down_proj.weight"), w2 + l * dim * hidden, dim, hidden, t, block);
#undef N
		free(q);
		free(k);
	}
	store(add("model.norm.weight", plain, dim, 0), rms_f);
	if (!c->shared)
		matrix("lm_head.weight", wcls, V, dim, plain, block);
}

/* The defects that change the tensor list. */
static void apply_break(void)
{
	if (is("extra"))
		store(add("model.layers.0.self_attn.extra.weight", F32, 4, 0),
		      (const float[4]){ 0 });
	if (is("scale-non-fp8"))
		store(add("model.layers.0.self_attn.q_proj.weight_scale_inv", F32, 1, 1),
		      (const float[1]){ 1.0f });
	for (int i = 0; i < n_tensors; i++) {
		struct tensor *x = &tensors[i];
		int drop = (is("orphan-scale") && !strcmp(x->name, "model.layers.0.mlp.up_proj.weight")) ||
			   (is("missing-scale") && !strcmp(x->name, "model.layers.1.mlp.down_proj.weight_scale_inv"));

		if (drop) {
			free(x->bytes);
			memmove(x, x + 1, (size_t)(n_tensors - i - 1) * sizeof(*x));
			n_tensors--;
			i--;
		}
	}
}

/* ------------------------------------------------------------------------
 * Files
 */

static FILE *create(const char *dir, const char *name)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "wb");
	if (!f)
		die("cannot create %s", p);
	return f;
}

static void shard_name(char *buf, size_t size, int k, int n)
{
	if (n == 1)
		snprintf(buf, size, "model.safetensors");
	else
		snprintf(buf, size, "model-%05d-of-%05d.safetensors", k + 1, n);
}

/* One shard: the header (padded to 8 bytes), then the tensors in order. */
static void write_shard(const char *dir, int k, int n)
{
	char name[64], *hdr = xmalloc(1 << 20);
	size_t len = 0, at = 0;
	uint64_t hlen;
	int first = 1, last = -1;
	FILE *f;

	for (int i = 0; i < n_tensors; i++)
		if (tensors[i].shard == k)
			last = i;
	len += (size_t)sprintf(hdr + len, "{\"__metadata__\":{\"format\":\"pt\"}");
	for (int i = 0; i < n_tensors; i++) {
		struct tensor *x = &tensors[i];
		size_t b = at, e = at + x->size;

		if (x->shard != k)
			continue;
		if (is("overlap") && !first)
			b -= 4, e -= 4;
		if (is("oob") && i == last)
			b += 8, e += 8;
		if (is("offsets-size") && first)
			e -= 2;
		len += (size_t)sprintf(hdr + len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%ld%s",
				       x->name, is("bad-dtype-name") && !first ? "I32" :
				       dtype_names[x->dtype], x->shape[0], x->ndim > 1 ? "," : "");
		if (x->ndim > 1)
			len += (size_t)sprintf(hdr + len, "%ld", x->shape[1]);
		len += (size_t)sprintf(hdr + len, "],\"data_offsets\":[%zu,%zu]}", b, e);
		at += x->size;
		if (is("hole") && first)
			at += 8;	/* 8 bytes no tensor holds after the first */
		first = 0;
	}
	hdr[len++] = is("json") ? ',' : '}';
	if (is("header-garbage"))
		len += (size_t)sprintf(hdr + len, " {}");
	if (is("header-nul"))
		hdr[len++] = '\0';
	while (len % 8)
		hdr[len++] = ' ';
	hlen = len + (is("header-size") ? at + 1 : 0);
	shard_name(name, sizeof(name), k, n);
	f = create(dir, name);
	fwrite(&hlen, 8, 1, f);
	fwrite(hdr, 1, len, f);
	first = 1;
	for (int i = 0; i < n_tensors; i++) {
		if (tensors[i].shard != k)
			continue;
		fwrite(tensors[i].bytes, 1, tensors[i].size -
		       (is("truncated") && i == last ? 1 : 0), f);
		if (is("hole") && first)
			fwrite((const uint8_t[8]){ 0 }, 1, 8, f);
		first = 0;
	}
	if (is("trailing"))
		fwrite((const uint8_t[8]){ 0 }, 1, 8, f);
	fclose(f);
	free(hdr);
}

static void write_index(const char *dir, int n)
{
	FILE *f = create(dir, "model.safetensors.index.json");
	char name[64];

	fprintf(f, "{\n  \"metadata\": {},\n  \"weight_map\": {");
	for (int i = 0; i < n_tensors; i++) {
		int k = tensors[i].shard;

		if (is("index-wrong") && !strcmp(tensors[i].name, "model.norm.weight"))
			k = (k + 1) % n;
		shard_name(name, sizeof(name), k, n);
		fprintf(f, "%s\n    \"%s\": \"%s\"", i ? "," : "",
			is("index-rename") && !strcmp(tensors[i].name, "model.norm.weight") ?
			"model.final_norm.weight" : tensors[i].name, name);
	}
	if (is("index-extra"))
		fprintf(f, ",\n    \"model.layers.0.self_attn.rotary_emb.inv_freq\": \"%s\"",
			name);
	if (is("absent-shard"))
		fprintf(f, ",\n    \"model.extra.weight\": \"model-00009-of-00009.safetensors\"");
	fprintf(f, "\n  }\n}\n");
	fclose(f);
}

static void write_config(const char *dir, const struct config *c, enum dtype t,
			 int block)
{
	FILE *f = create(dir, "config.json");

	fprintf(f, "{\n  \"architectures\": [\"%s\"],\n"
		"  \"model_type\": \"%s\",\n  \"hidden_act\": \"silu\",\n"
		"  \"hidden_size\": %d,\n  \"intermediate_size\": %d,\n"
		"  \"num_hidden_layers\": %d,\n  \"num_attention_heads\": %d,\n"
		"  \"num_key_value_heads\": %d,\n  \"vocab_size\": %d,\n"
		"  \"max_position_embeddings\": %d,\n  \"rms_norm_eps\": 1e-05,\n"
		"  \"rope_theta\": %s,\n  \"tie_word_embeddings\": %s,\n"
		"  \"torch_dtype\": \"%s\"",
		arch, strncmp(arch, "Mistral", 7) ? "llama" : "mistral", c->dim, c->hidden, c->layers, c->heads, c->kv_heads, c->vocab,
		c->seq, rope_theta, c->shared ? "true" : "false",
		t == F32 ? "float32" : t == F16 ? "float16" : "bfloat16");
	if (sliding_window)
		fprintf(f, ",\n  \"sliding_window\": %d", sliding_window);
	if (t == F8 && !is("fp8-no-config")) {
		fprintf(f, ",\n  \"quantization_config\": {\"quant_method\": \"fp8\", \"fmt\": \"e4m3\", \"activation_scheme\": \"dynamic\"");
		if (block != 128)
			fprintf(f, ", \"weight_block_size\": [%d, %d]", block, block);
		fprintf(f, "}");
	}
	fprintf(f, "\n}\n");
	fclose(f);
}

/* ------------------------------------------------------------------------
 * The tokenizer
 */

struct token {
	char *s;	/* SentencePiece spelling: U+2581 for a space */
	float score;
	int id;
};

static struct token *toks;
static int n_toks;

static char *spm(const char *s, int len)
{
	char *d = xmalloc((size_t)len * 3 + 1), *o = d;

	for (int i = 0; i < len; i++) {
		if (s[i] == ' ') {
			memcpy(o, "\xe2\x96\x81", 3);
			o += 3;
		} else {
			*o++ = s[i];
		}
	}
	return d;
}

static void read_tokenizer(const char *path, int vocab)
{
	FILE *f = fopen(path, "rb");
	static const char *const special[] = { "<unk>", "<s>", "</s>" };
	int32_t max_len, len;
	char buf[1024];

	if (!f || fread(&max_len, 4, 1, f) != 1)
		die("%s: cannot read", path);
	toks = xmalloc((size_t)vocab * sizeof(*toks));
	for (n_toks = 0; n_toks < vocab; n_toks++) {
		struct token *t = &toks[n_toks];

		if (fread(&t->score, 4, 1, f) != 1 || fread(&len, 4, 1, f) != 1 ||
		    len < 0 || len >= (int)sizeof(buf) ||
		    fread(buf, 1, (size_t)len, f) != (size_t)len)
			die("%s: truncated", path);
		t->id = n_toks;
		t->s = n_toks < 3 ? strdup(special[n_toks]) : spm(buf, len);
	}
	fclose(f);
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int find_token(const char *s, size_t len)
{
	for (int i = 3; i < n_toks; i++)
		if (strlen(toks[i].s) == len && !memcmp(toks[i].s, s, len))
			return i;
	return -1;
}

static int by_score(const void *a, const void *b)
{
	const struct token *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id - y->id;
}

/* Every split of every token into two tokens, by descending score. */
static void write_merges(FILE *f)
{
	struct token *order = xmalloc((size_t)n_toks * sizeof(*order));
	char pair[2048];
	int first = 1;

	memcpy(order, toks, (size_t)n_toks * sizeof(*order));
	qsort(order, (size_t)n_toks, sizeof(*order), by_score);
	for (int i = 0; i < n_toks; i++) {
		const char *s = order[i].s;
		size_t len = strlen(s);

		if (order[i].id < 3 || (len == 6 && !strncmp(s, "<0x", 3)))
			continue;
		for (size_t k = 1; k < len; k++) {
			if (((unsigned char)s[k] & 0xc0) == 0x80)
				continue;	/* inside a UTF-8 character */
			if (find_token(s, k) < 0 || find_token(s + k, len - k) < 0)
				continue;
			snprintf(pair, sizeof(pair), "%.*s %s", (int)k, s, s + k);
			fprintf(f, "%s\n      ", first ? "" : ",");
			json_string(f, pair);
			first = 0;
		}
	}
	free(order);
}

static void write_tokenizer(const char *dir)
{
	FILE *f = create(dir, "tokenizer.json");

	fprintf(f, "{\n  \"version\": \"1.0\",\n  \"added_tokens\": [");
	for (int i = 0; i < 3; i++)
		fprintf(f, "%s\n    {\"id\": %d, \"content\": \"%s\", \"special\": true}",
			i ? "," : "", i, toks[i].s);
	fprintf(f, "\n  ],\n  \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": ["
		"{\"type\": \"Prepend\", \"prepend\": \"\xe2\x96\x81\"}, "
		"{\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"\xe2\x96\x81\"}]},\n"
		"  \"pre_tokenizer\": null,\n"
		"  \"model\": {\n    \"type\": \"BPE\",\n    \"unk_token\": \"<unk>\",\n"
		"    \"fuse_unk\": true,\n    \"byte_fallback\": true,\n    \"vocab\": {");
	for (int i = 0; i < n_toks; i++) {
		fprintf(f, "%s\n      ", i ? "," : "");
		json_string(f, toks[i].s);
		fprintf(f, ": %d", i);
	}
	fprintf(f, "\n    },\n    \"merges\": [");
	write_merges(f);
	fprintf(f, "\n    ]\n  }\n}\n");
	fclose(f);

	f = create(dir, "tokenizer_config.json");
	fprintf(f, "{\n  \"add_bos_token\": %s,\n  \"add_eos_token\": false,\n"
		"  \"bos_token\": \"<s>\",\n  \"eos_token\": \"</s>\",\n"
		"  \"unk_token\": \"<unk>\",\n  \"tokenizer_class\": \"LlamaTokenizer\"\n}\n",
		add_bos);
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *dt = "f32";
	enum dtype t;
	struct config c;
	int shards = 1, block = 128;
	size_t n;
	float *w;

	if (argc < 4)
		die("usage: gen-hf MODEL.bin TOKENIZER.bin DIR [--dtype f32|f16|bf16|fp8] [--shards N] [--block B] [--break CASE] [--rope-theta T] [--arch NAME] [--sliding-window N] [--add-bos true|false]");
	for (int i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dtype"))
			dt = argv[i + 1];
		else if (!strcmp(argv[i], "--shards"))
			shards = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--block"))
			block = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--break"))
			broken = argv[i + 1];
		else if (!strcmp(argv[i], "--rope-theta"))
			rope_theta = argv[i + 1];
		else if (!strcmp(argv[i], "--arch"))
			arch = argv[i + 1];
		else if (!strcmp(argv[i], "--sliding-window"))
			sliding_window = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--add-bos"))
			add_bos = argv[i + 1];
		else
			die("%s: unknown option", argv[i]);
	}
	t = !strcmp(dt, "bf16") ? BF16 : !strcmp(dt, "f16") ? F16 :
	    !strcmp(dt, "fp8") ? F8 : F32;
	if (shards < 1 || shards > 8 || block < 1)
		die("--shards 1..8, --block >= 1");
	if (mkdir(argv[3], 0755) && errno != EEXIST)
		die("cannot create %s", argv[3]);
	w = read_bin(argv[1], &c, &n);
	read_tokenizer(argv[2], c.vocab);
	build(w, &c, t, block);
	apply_break();
	for (int i = 0; i < n_tensors; i++)
		tensors[i].shard = i % shards;
	if (is("duplicate")) {
		tensors[n_tensors] = tensors[n_tensors - 1];
		tensors[n_tensors].shard = (tensors[n_tensors - 1].shard + 1) % shards;
		n_tensors++;
	}
	for (int k = 0; k < shards; k++)
		write_shard(argv[3], k, shards);
	if (shards > 1)
		write_index(argv[3], shards);
	write_config(argv[3], &c, t, block);
	write_tokenizer(argv[3]);
	for (int i = 0; i < n_tensors - is("duplicate"); i++)
		free(tensors[i].bytes);
	for (int i = 0; i < n_toks; i++)
		free(toks[i].s);
	free(toks);
	free(w);
	return 0;
}
