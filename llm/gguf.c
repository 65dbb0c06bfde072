// SPDX-License-Identifier: MIT
/*
 * GGUF v3 llama models: F32, F16 and Q8_0 tensors (the matrices left as
 * stored in the mapping, the vectors as fp32), and the SentencePiece
 * tokenizer stored in the file; and peer
 * packages, one GGUF file per die (package.c), with their npu.* metadata.
 *
 * A GGUF file is little-endian:
 *
 *   "GGUF"  u32 version  u64 n_tensors  u64 n_kv
 *   n_kv x      { string key, u32 type, value }
 *   n_tensors x { string name, u32 n_dims, u64 ne[n_dims], u32 type, u64 offset }
 *   padding to general.alignment (32)
 *   tensor data, each at data start + offset
 *
 * strings are u64 length + bytes (no NUL); an array value is u32 element
 * type, u64 count, elements.  ne[0] is the fastest-moving dimension: a
 * matrix W of out = W x has ne = [cols, rows].
 *
 * Every read is bounds-checked against the mapped file; anything wrong or
 * unsupported is reported with the tensor's name or the file offset.
 *
 * Q and K: llama.cpp's converters permute the rows of attn_q and attn_k
 * of Hugging Face checkpoints (whose RoPE rotates the two halves of a
 * head) into the layout where RoPE rotates adjacent pairs (llama.cpp's
 * "normal" RoPE), which is llama2.c's.  So GGUF llama tensors are used
 * as stored: no inverse permutation.  (stories260K.gguf's attn_q/attn_k
 * are bit-identical to the wq/wk of stories260K.bin.)
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_gemm.h"
#include "llm.h"

enum gguf_type {
	GGUF_U8, GGUF_I8, GGUF_U16, GGUF_I16, GGUF_U32, GGUF_I32, GGUF_F32,
	GGUF_BOOL, GGUF_STRING, GGUF_ARRAY, GGUF_U64, GGUF_I64, GGUF_F64,
	GGUF_N_TYPES
};

enum ggml_type {
	GGML_F32 = 0,
	GGML_F16 = 1,
	GGML_Q8_0 = 8,
	GGML_I8 = 24,		/* a peer package's int8 slices */
};

#define GGUF_VERSION		3
#define GGUF_ALIGNMENT		32
#define GGUF_MAX_DIMS		4
#define GGUF_MAX_DEPTH		2	/* arrays of arrays */
#define GGUF_MAX_KV		4096
#define GGUF_MAX_TENSORS	(1 << 16)
#define QK8_0			32	/* values per Q8_0 block */
#define Q8_0_BLOCK		34	/* fp16 scale + 32 int8 */

struct gguf_kv {
	const char *key;
	size_t key_len;
	uint32_t type;
	size_t off;		/* of the value (of the first element of an array) */
	uint32_t arr_type;
	uint64_t arr_n;
};

struct gguf_tensor {
	char name[128];
	uint32_t n_dims;
	uint64_t ne[GGUF_MAX_DIMS];
	uint32_t type;
	uint64_t offset;
	uint64_t nbytes;
	size_t info_off;	/* where its description starts, for messages */
};

struct gguf {
	const char *path;
	const uint8_t *base;
	size_t size;
	size_t off;		/* read cursor */
	char what[192];		/* what is being read, for messages */
	uint64_t n_kv, n_tensors;
	struct gguf_kv *kv;
	struct gguf_tensor *t;
	uint64_t alignment;
	size_t data_start;
};

static const char *ggml_type_name(uint32_t type)
{
	static const char *const names[] = {
		"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1",
		"Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K",
		"IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
		"IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
		"BF16",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* ------------------------------------------------------------------------
 * Reading with bounds checks
 */

static int take(struct gguf *g, uint64_t n, const void **p)
{
	if (n > g->size - g->off) {
		llm_err("%s: truncated at offset %zu reading %s (%llu bytes needed, the file has %zu)",
			g->path, g->off, g->what, (unsigned long long)n, g->size);
		return -1;
	}
	*p = g->base + g->off;
	g->off += (size_t)n;
	return 0;
}

static int rd_u32(struct gguf *g, uint32_t *v)
{
	const void *p;

	if (take(g, sizeof(*v), &p))
		return -1;
	memcpy(v, p, sizeof(*v));
	return 0;
}

static int rd_u64(struct gguf *g, uint64_t *v)
{
	const void *p;

	if (take(g, sizeof(*v), &p))
		return -1;
	memcpy(v, p, sizeof(*v));
	return 0;
}

static int rd_str(struct gguf *g, const char **s, uint64_t *len)
{
	const void *p;

	if (rd_u64(g, len) || take(g, *len, &p))
		return -1;
	*s = p;
	return 0;
}

static uint64_t type_size(uint32_t type)
{
	switch (type) {
	case GGUF_U8: case GGUF_I8: case GGUF_BOOL:
		return 1;
	case GGUF_U16: case GGUF_I16:
		return 2;
	case GGUF_U32: case GGUF_I32: case GGUF_F32:
		return 4;
	case GGUF_U64: case GGUF_I64: case GGUF_F64:
		return 8;
	}
	return 0;
}

/* Steps over one value of the given type. */
static int skip_value(struct gguf *g, uint32_t type, int depth)
{
	uint32_t elem;
	uint64_t n, len;
	const void *p;
	const char *s;

	if (type == GGUF_STRING)
		return rd_str(g, &s, &len);
	if (type == GGUF_ARRAY) {
		if (depth >= GGUF_MAX_DEPTH) {
			llm_err("%s: offset %zu: %s: arrays nested too deep",
				g->path, g->off, g->what);
			return -1;
		}
		if (rd_u32(g, &elem) || rd_u64(g, &n))
			return -1;
		if (elem == GGUF_STRING || elem == GGUF_ARRAY) {
			for (uint64_t i = 0; i < n; i++) {
				if (skip_value(g, elem, depth + 1))
					return -1;
			}
			return 0;
		}
		if (!type_size(elem)) {
			llm_err("%s: offset %zu: %s: unknown array element type %u",
				g->path, g->off - 12, g->what, elem);
			return -1;
		}
		if (n > (g->size - g->off) / type_size(elem)) {
			llm_err("%s: truncated at offset %zu reading %s: %llu elements of %llu bytes do not fit in the file",
				g->path, g->off, g->what, (unsigned long long)n,
				(unsigned long long)type_size(elem));
			return -1;
		}
		return take(g, n * type_size(elem), &p);
	}
	if (!type_size(type)) {
		llm_err("%s: offset %zu: %s: unknown value type %u", g->path,
			g->off - 4, g->what, type);
		return -1;
	}
	return take(g, type_size(type), &p);
}

static int parse_header(struct gguf *g)
{
	uint32_t magic, version;

	snprintf(g->what, sizeof(g->what), "the GGUF header");
	if (g->size < 4) {
		llm_err("%s: truncated: %zu bytes, not a GGUF file", g->path, g->size);
		return -1;
	}
	memcpy(&magic, g->base, 4);
	if (memcmp(g->base, "GGUF", 4)) {
		llm_err("%s: bad magic 0x%08x at offset 0: not a GGUF file (expected \"GGUF\")",
			g->path, magic);
		return -1;
	}
	g->off = 4;
	if (rd_u32(g, &version))
		return -1;
	if (version != GGUF_VERSION) {
		llm_err("%s: offset 4: GGUF version %u is not supported (version %d only%s)",
			g->path, version, GGUF_VERSION,
			version == 0x03000000 ? "; this looks like a big-endian file" : "");
		return -1;
	}
	if (rd_u64(g, &g->n_tensors) || rd_u64(g, &g->n_kv))
		return -1;
	/*
	 * The smallest entries: 12 bytes of metadata, 32 of tensor info.  A
	 * llama has about 30 metadata entries and 9 tensors per layer.
	 */
	if (g->n_kv > GGUF_MAX_KV || g->n_tensors > GGUF_MAX_TENSORS) {
		llm_err("%s: header: %llu metadata entries, %llu tensors: more than the %d and %d a llama model can have",
			g->path, (unsigned long long)g->n_kv,
			(unsigned long long)g->n_tensors, GGUF_MAX_KV,
			GGUF_MAX_TENSORS);
		return -1;
	}
	if (g->n_kv > (g->size - g->off) / 12 ||
	    g->n_tensors > (g->size - g->off) / 32) {
		llm_err("%s: header: %llu metadata entries and %llu tensors cannot fit in %zu bytes (truncated or corrupt)",
			g->path, (unsigned long long)g->n_kv,
			(unsigned long long)g->n_tensors, g->size);
		return -1;
	}
	return 0;
}

static const struct gguf_kv *find_kv(const struct gguf *g, const char *key)
{
	size_t len = strlen(key);

	for (uint64_t i = 0; i < g->n_kv; i++) {
		if (g->kv[i].key_len == len && !memcmp(g->kv[i].key, key, len))
			return &g->kv[i];
	}
	return NULL;
}

static int parse_metadata(struct gguf *g)
{
	g->kv = calloc(g->n_kv ? g->n_kv : 1, sizeof(*g->kv));
	if (!g->kv) {
		llm_err("out of memory");
		return -1;
	}
	for (uint64_t i = 0; i < g->n_kv; i++) {
		struct gguf_kv *kv = &g->kv[i];
		uint64_t len;

		snprintf(g->what, sizeof(g->what), "the key of metadata entry %llu",
			 (unsigned long long)i);
		if (rd_str(g, &kv->key, &len))
			return -1;
		kv->key_len = (size_t)len;
		snprintf(g->what, sizeof(g->what), "metadata '%.*s'",
			 (int)(len > 100 ? 100 : len), kv->key);
		if (memchr(kv->key, '\0', kv->key_len)) {
			llm_err("%s: offset %zu: %s: NUL in the key", g->path,
				g->off, g->what);
			return -1;
		}
		for (uint64_t j = 0; j < i; j++) {
			if (g->kv[j].key_len == kv->key_len &&
			    !memcmp(g->kv[j].key, kv->key, kv->key_len)) {
				llm_err("%s: offset %zu: duplicate %s", g->path,
					g->off, g->what);
				return -1;
			}
		}
		if (rd_u32(g, &kv->type))
			return -1;
		kv->off = g->off;
		if (skip_value(g, kv->type, 0))
			return -1;
		if (kv->type == GGUF_ARRAY) {
			/* element type and count: read, hence in the file */
			memcpy(&kv->arr_type, g->base + kv->off, 4);
			memcpy(&kv->arr_n, g->base + kv->off + 4, 8);
			kv->off += 12;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Typed metadata lookups
 */

static int kv_int(const struct gguf *g, const char *key, int required,
		  int64_t min, int64_t max, int64_t *out)
{
	const struct gguf_kv *kv = find_kv(g, key);
	const uint8_t *p;
	int64_t v;

	if (!kv) {
		if (required)
			llm_err("%s: missing metadata '%s'", g->path, key);
		return required ? -1 : 1;
	}
	p = g->base + kv->off;
	switch (kv->type) {
	case GGUF_U8: { uint8_t x; memcpy(&x, p, 1); v = x; break; }
	case GGUF_I8: { int8_t x; memcpy(&x, p, 1); v = x; break; }
	case GGUF_U16: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
	case GGUF_I16: { int16_t x; memcpy(&x, p, 2); v = x; break; }
	case GGUF_U32: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
	case GGUF_I32: { int32_t x; memcpy(&x, p, 4); v = x; break; }
	case GGUF_I64: { memcpy(&v, p, 8); break; }
	case GGUF_U64: {
		uint64_t x;

		memcpy(&x, p, 8);
		v = x > INT64_MAX ? INT64_MAX : (int64_t)x;
		break;
	}
	default:
		llm_err("%s: metadata '%s' (offset %zu) has type %u, expected an integer",
			g->path, key, kv->off, kv->type);
		return -1;
	}
	if (v < min || v > max) {
		llm_err("%s: metadata '%s' = %lld out of range %lld..%lld",
			g->path, key, (long long)v, (long long)min, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int kv_float(const struct gguf *g, const char *key, int required,
		    float *out)
{
	const struct gguf_kv *kv = find_kv(g, key);

	if (!kv) {
		if (required)
			llm_err("%s: missing metadata '%s'", g->path, key);
		return required ? -1 : 1;
	}
	if (kv->type == GGUF_F32) {
		memcpy(out, g->base + kv->off, 4);
	} else if (kv->type == GGUF_F64) {
		double d;

		memcpy(&d, g->base + kv->off, 8);
		*out = (float)d;
	} else {
		llm_err("%s: metadata '%s' (offset %zu) has type %u, expected a float",
			g->path, key, kv->off, kv->type);
		return -1;
	}
	return 0;
}

static int kv_string(const struct gguf *g, const char *key, const char **s,
		     size_t *len)
{
	const struct gguf_kv *kv = find_kv(g, key);
	uint64_t n;

	if (!kv)
		return 1;
	if (kv->type != GGUF_STRING) {
		llm_err("%s: metadata '%s' (offset %zu) has type %u, expected a string",
			g->path, key, kv->off, kv->type);
		return -1;
	}
	memcpy(&n, g->base + kv->off, 8);
	*s = (const char *)g->base + kv->off + 8;
	*len = (size_t)n;
	return 0;
}

static int kv_is(const struct gguf *g, const char *key, const char *want)
{
	const char *s;
	size_t len;
	int err = kv_string(g, key, &s, &len);

	if (err)
		return err;
	return len == strlen(want) && !memcmp(s, want, len) ? 0 : 2;
}

/* ------------------------------------------------------------------------
 * Tensor descriptions
 */

static int parse_tensor_infos(struct gguf *g)
{
	g->t = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*g->t));
	if (!g->t) {
		llm_err("out of memory");
		return -1;
	}
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		struct gguf_tensor *t = &g->t[i];
		const char *name;
		uint64_t len, n = 1;

		t->info_off = g->off;
		snprintf(g->what, sizeof(g->what), "the name of tensor %llu",
			 (unsigned long long)i);
		if (rd_str(g, &name, &len))
			return -1;
		if (len == 0 || len >= sizeof(t->name) || memchr(name, '\0', len)) {
			llm_err("%s: offset %zu: tensor %llu: bad name (%llu bytes)",
				g->path, t->info_off, (unsigned long long)i,
				(unsigned long long)len);
			return -1;
		}
		memcpy(t->name, name, len);
		t->name[len] = '\0';
		snprintf(g->what, sizeof(g->what), "the description of tensor '%s'",
			 t->name);
		if (rd_u32(g, &t->n_dims))
			return -1;
		if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS) {
			llm_err("%s: offset %zu: tensor '%s': %u dimensions (1..%d)",
				g->path, t->info_off, t->name, t->n_dims,
				GGUF_MAX_DIMS);
			return -1;
		}
		for (uint32_t d = 0; d < t->n_dims; d++) {
			if (rd_u64(g, &t->ne[d]))
				return -1;
			if (t->ne[d] < 1 || t->ne[d] > INT32_MAX ||
			    t->ne[d] > (UINT64_C(1) << 40) / n) {
				llm_err("%s: offset %zu: tensor '%s': dimension %u is %llu, out of range",
					g->path, t->info_off, t->name, d,
					(unsigned long long)t->ne[d]);
				return -1;
			}
			n *= t->ne[d];
		}
		for (uint32_t d = t->n_dims; d < GGUF_MAX_DIMS; d++)
			t->ne[d] = 1;
		if (rd_u32(g, &t->type) || rd_u64(g, &t->offset))
			return -1;
		switch (t->type) {
		case GGML_F32:
			t->nbytes = n * 4;
			break;
		case GGML_F16:
			t->nbytes = n * 2;
			break;
		case GGML_I8:
			t->nbytes = n;
			break;
		case GGML_Q8_0:
			if (t->ne[0] % QK8_0) {
				llm_err("%s: tensor '%s': Q8_0 rows of %llu values are not whole blocks of %d",
					g->path, t->name,
					(unsigned long long)t->ne[0], QK8_0);
				return -1;
			}
			t->nbytes = n / QK8_0 * Q8_0_BLOCK;
			break;
		default:
			llm_err("%s: tensor '%s': type %s (%u) is not supported (F32, F16 and Q8_0 are)",
				g->path, t->name, ggml_type_name(t->type), t->type);
			return -1;
		}
	}
	return 0;
}

/*
 * Tensor data in the order of the tensor infos, none overlapping the
 * one before (as llama.cpp requires): two tensors sharing bytes would
 * silently alias each other's weights.
 */
static int check_order(const struct gguf *g, const struct gguf_tensor *prev,
		       const struct gguf_tensor *t)
{
	unsigned long long a0 = g->data_start + prev->offset, a1 = a0 + prev->nbytes;
	unsigned long long b0 = g->data_start + t->offset, b1 = b0 + t->nbytes;

	if (t->offset < prev->offset) {
		llm_err("%s: tensor '%s' (offsets %llu..%llu) is stored before tensor '%s' (offsets %llu..%llu), which precedes it in the tensor list: the data must be in list order",
			g->path, t->name, b0, b1, prev->name, a0, a1);
		return -1;
	}
	if (t->offset < prev->offset + prev->nbytes) {
		llm_err("%s: tensor '%s' (offsets %llu..%llu) overlaps tensor '%s' (offsets %llu..%llu)",
			g->path, t->name, b0, b1, prev->name, a0, a1);
		return -1;
	}
	return 0;
}

static int place_tensors(struct gguf *g)
{
	int64_t align = GGUF_ALIGNMENT;
	int err;

	err = kv_int(g, "general.alignment", 0, 1, 1 << 16, &align);
	if (err < 0)
		return -1;
	if (align & (align - 1)) {
		llm_err("%s: general.alignment %lld is not a power of two",
			g->path, (long long)align);
		return -1;
	}
	g->alignment = (uint64_t)align;
	g->data_start = (g->off + (size_t)align - 1) / (size_t)align * (size_t)align;
	if (g->n_tensors && g->data_start > g->size) {
		llm_err("%s: truncated: the tensor data would start at offset %zu, the file has %zu bytes",
			g->path, g->data_start, g->size);
		return -1;
	}
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		const struct gguf_tensor *t = &g->t[i];
		uint64_t room = g->size - g->data_start;

		if (t->offset % g->alignment) {
			llm_err("%s: tensor '%s': data offset %llu is not a multiple of the alignment %llu",
				g->path, t->name, (unsigned long long)t->offset,
				(unsigned long long)g->alignment);
			return -1;
		}
		if (t->offset > room || t->nbytes > room - t->offset) {
			llm_err("%s: truncated: tensor '%s' (%s, %llu bytes) spans offsets %llu..%llu, the file ends at %zu",
				g->path, t->name, ggml_type_name(t->type),
				(unsigned long long)t->nbytes,
				(unsigned long long)(g->data_start + t->offset),
				(unsigned long long)(g->data_start + t->offset + t->nbytes),
				g->size);
			return -1;
		}
		if (i > 0 && check_order(g, &g->t[i - 1], t))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Dequantisation to fp32
 */

static const float *tensor_f32(struct llm_model *m, const struct gguf *g,
			       const struct gguf_tensor *t)
{
	const uint8_t *src = g->base + g->data_start + t->offset;
	size_t n = (size_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
	float *dst;

	if (t->type == GGML_F32 && !((uintptr_t)src % sizeof(float)))
		return (const float *)src;
	dst = llm_model_alloc(m, n);
	if (!dst)
		return NULL;
	switch (t->type) {
	case GGML_F32:
		memcpy(dst, src, n * sizeof(float));
		break;
	case GGML_F16:
		for (size_t i = 0; i < n; i++) {
			uint16_t h;

			memcpy(&h, src + 2 * i, 2);
			dst[i] = llm_fp16_to_fp32(h);
		}
		break;
	case GGML_Q8_0:
		for (size_t b = 0; b < n / QK8_0; b++) {
			const uint8_t *blk = src + b * Q8_0_BLOCK;
			uint16_t h;
			float d;

			memcpy(&h, blk, 2);
			d = llm_fp16_to_fp32(h);
			for (int j = 0; j < QK8_0; j++)
				dst[b * QK8_0 + j] = d * (float)(int8_t)blk[2 + j];
		}
		break;
	}
	return dst;
}

/* ------------------------------------------------------------------------
 * The llama tensors
 */

enum slot {
	SLOT_ATTN_NORM, SLOT_ATTN_Q, SLOT_ATTN_K, SLOT_ATTN_V, SLOT_ATTN_OUT,
	SLOT_FFN_NORM, SLOT_FFN_GATE, SLOT_FFN_UP, SLOT_FFN_DOWN,
	SLOTS_PER_LAYER,
	/* after the layers */
	SLOT_TOKEN_EMBD = 0, SLOT_OUTPUT_NORM, SLOT_OUTPUT, SLOTS_GLOBAL,
};

static const char *const layer_slot_names[SLOTS_PER_LAYER] = {
	"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
	"ffn_norm", "ffn_gate", "ffn_up", "ffn_down",
};

static const char *const global_slot_names[SLOTS_GLOBAL] = {
	"token_embd", "output_norm", "output",
};

/*
 * The slot of a tensor name: index into layers * SLOTS_PER_LAYER +
 * SLOTS_GLOBAL, or -1 (message printed).
 */
static int slot_of(const struct gguf *g, const char *name, int n_layers)
{
	const char *p, *dot;
	long layer = 0;
	int digits = 0;

	for (int s = 0; s < SLOTS_GLOBAL; s++) {
		size_t len = strlen(global_slot_names[s]);

		if (!strncmp(name, global_slot_names[s], len) &&
		    !strcmp(name + len, ".weight"))
			return n_layers * SLOTS_PER_LAYER + s;
	}
	if (strncmp(name, "blk.", 4))
		goto unknown;
	for (p = name + 4; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
		layer = layer * 10 + (*p - '0');
	if (!digits || *p != '.' || (digits > 1 && name[4] == '0'))
		goto unknown;
	p++;
	dot = strchr(p, '.');
	if (!dot || strcmp(dot, ".weight"))
		goto unknown;
	for (int s = 0; s < SLOTS_PER_LAYER; s++) {
		if (strlen(layer_slot_names[s]) == (size_t)(dot - p) &&
		    !strncmp(p, layer_slot_names[s], (size_t)(dot - p))) {
			if (layer >= n_layers) {
				llm_err("%s: unexpected tensor '%s': layer %ld, but llama.block_count is %d",
					g->path, name, layer, n_layers);
				return -1;
			}
			return (int)layer * SLOTS_PER_LAYER + s;
		}
	}
unknown:
	llm_err("%s: unexpected tensor '%s' (not part of a llama model)",
		g->path, name);
	return -1;
}

static const struct gguf_tensor *check_tensor(const struct gguf *g,
					      const struct gguf_tensor *const *slots,
					      int slot, const char *name, uint64_t ne0,
					      uint64_t ne1, const char *shape)
{
	const struct gguf_tensor *t = slots[slot];
	int n_dims;

	if (!t) {
		llm_err("%s: missing tensor '%s.weight'", g->path, name);
		return NULL;
	}
	if (t->type == GGML_I8) {
		llm_err("%s: tensor '%s': type I8 without scales (the npu.* tensors of a peer package have them)",
			g->path, t->name);
		return NULL;
	}
	/* Trailing dimensions of 1 are allowed. */
	n_dims = (int)t->n_dims;
	while (n_dims > 1 && t->ne[n_dims - 1] == 1)
		n_dims--;
	if (t->ne[0] != ne0 || t->ne[1] != ne1 || n_dims > (ne1 > 1 ? 2 : 1)) {
		char have[96];
		int len = 0;

		for (uint32_t d = 0; d < t->n_dims; d++)
			len += snprintf(have + len, sizeof(have) - (size_t)len,
					"%s%llu", d ? ", " : "",
					(unsigned long long)t->ne[d]);
		if (ne1 > 1)
			llm_err("%s: tensor '%s': shape [%s], expected [%llu, %llu] (%s)",
				g->path, t->name, have, (unsigned long long)ne0,
				(unsigned long long)ne1, shape);
		else
			llm_err("%s: tensor '%s': shape [%s], expected [%llu] (%s)",
				g->path, t->name, have, (unsigned long long)ne0,
				shape);
		return NULL;
	}
	return t;
}

/* A vector, as fp32 (copied unless F32 and aligned). */
static const float *get_tensor(struct llm_model *m, const struct gguf *g,
			       const struct gguf_tensor *const *slots,
			       int slot, const char *name, uint64_t ne0,
			       uint64_t ne1, const char *shape)
{
	const struct gguf_tensor *t = check_tensor(g, slots, slot, name, ne0,
						   ne1, shape);

	return t ? tensor_f32(m, g, t) : NULL;
}

/* A matrix, as stored: F16 and Q8_0 stay so in the mapping. */
static int get_weight(struct llm_model *m, const struct gguf *g,
		      const struct gguf_tensor *const *slots, int slot,
		      const char *name, uint64_t ne0, uint64_t ne1,
		      const char *shape, struct llm_weight *w)
{
	const struct gguf_tensor *t = check_tensor(g, slots, slot, name, ne0,
						   ne1, shape);

	if (!t)
		return -1;
	if (t->type == GGML_F16 || t->type == GGML_Q8_0) {
		w->type = t->type == GGML_F16 ? LLM_WEIGHT_F16 : LLM_WEIGHT_Q8_0;
		w->raw = g->base + g->data_start + t->offset;
		return 0;
	}
	w->type = LLM_WEIGHT_F32;
	w->data = tensor_f32(m, g, t);
	return w->data ? 0 : -1;
}

static int load_tensors(struct llm_model *m, const struct gguf *g)
{
	const struct llm_config *c = &m->cfg;
	uint64_t dim = (uint64_t)c->dim, hidden = (uint64_t)c->hidden_dim;
	uint64_t kv_dim = dim / (uint64_t)c->n_heads * (uint64_t)c->n_kv_heads;
	uint64_t vocab = (uint64_t)c->vocab_size;
	int n_slots = c->n_layers * SLOTS_PER_LAYER + SLOTS_GLOBAL;
	int global = c->n_layers * SLOTS_PER_LAYER;
	const struct gguf_tensor **slots;
	char name[LLM_NAME_MAX + 16];
	int ret = -1;

	slots = calloc((size_t)n_slots, sizeof(*slots));
	if (!slots) {
		llm_err("out of memory");
		return -1;
	}
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		int s = slot_of(g, g->t[i].name, c->n_layers);

		if (s < 0)
			goto out;
		if (slots[s]) {
			llm_err("%s: offset %zu: duplicate tensor '%s'", g->path,
				g->t[i].info_off, g->t[i].name);
			goto out;
		}
		slots[s] = &g->t[i];
	}

#define GET(dst, slot, nm, ne0, ne1, shape) do { \
		(dst) = get_tensor(m, g, slots, slot, nm, ne0, ne1, shape); \
		if (!(dst)) \
			goto out; \
	} while (0)
#define WGET(w, slot, nm, ne0, ne1, shape) do { \
		if (get_weight(m, g, slots, slot, nm, ne0, ne1, shape, w)) \
			goto out; \
	} while (0)
	WGET(&m->embedding, global + SLOT_TOKEN_EMBD, "token_embd", dim, vocab,
	     "dim x vocab");
	if (m->embedding.type == LLM_WEIGHT_F32)
		m->token_embd = m->embedding.data;
	GET(m->output_norm, global + SLOT_OUTPUT_NORM, "output_norm", dim, 1,
	    "dim");
	if (slots[global + SLOT_OUTPUT]) {
		WGET(&m->output, global + SLOT_OUTPUT, "output", dim, vocab,
		     "dim x vocab");
		m->tied_output = 0;
	} else {
		m->output.type = m->embedding.type;
		m->output.data = m->embedding.data;
		m->output.raw = m->embedding.raw;
		m->tied_output = 1;
	}
	for (int l = 0; l < c->n_layers; l++) {
		struct llm_layer *L = &m->layers[l];
		int base = l * SLOTS_PER_LAYER;

#define LNAME(slot) snprintf(name, sizeof(name), "blk.%d.%s", l, layer_slot_names[slot])
#define LGET(dst, slot, ne0, ne1, shape) do { \
		LNAME(slot); \
		GET(dst, base + (slot), name, ne0, ne1, shape); \
	} while (0)
#define LWGET(w, slot, ne0, ne1, shape) do { \
		LNAME(slot); \
		WGET(w, base + (slot), name, ne0, ne1, shape); \
	} while (0)
		LGET(L->attn_norm, SLOT_ATTN_NORM, dim, 1, "dim");
		LWGET(&L->wq, SLOT_ATTN_Q, dim, dim, "dim x dim");
		LWGET(&L->wk, SLOT_ATTN_K, dim, kv_dim, "dim x kv_dim");
		LWGET(&L->wv, SLOT_ATTN_V, dim, kv_dim, "dim x kv_dim");
		LWGET(&L->wo, SLOT_ATTN_OUT, dim, dim, "dim x dim");
		LGET(L->ffn_norm, SLOT_FFN_NORM, dim, 1, "dim");
		LWGET(&L->w1, SLOT_FFN_GATE, dim, hidden, "dim x hidden");
		LWGET(&L->w3, SLOT_FFN_UP, dim, hidden, "dim x hidden");
		LWGET(&L->w2, SLOT_FFN_DOWN, hidden, dim, "hidden x dim");
#undef LWGET
#undef LGET
#undef LNAME
	}
#undef WGET
#undef GET
	ret = 0;
out:
	free(slots);
	return ret;
}

/* ------------------------------------------------------------------------
 * The embedded tokenizer
 */

static int load_tokenizer(struct llm_model *m, const struct gguf *g,
			  const struct gguf_kv *tokens)
{
	const struct gguf_kv *scores_kv = find_kv(g, "tokenizer.ggml.scores");
	int n = (int)tokens->arr_n, err;
	int64_t bos = 1, eos = 2, unk = 0;
	size_t off = tokens->off;
	char **vocab = NULL;
	float *scores = NULL;
	int model_is_llama;

	model_is_llama = kv_is(g, "tokenizer.ggml.model", "llama");
	if (model_is_llama < 0)
		return -1;
	if (model_is_llama == 2) {
		llm_err("%s: tokenizer.ggml.model is not 'llama': only SentencePiece vocabularies are supported (give a llama2.c tokenizer with -z)",
			g->path);
		return -1;
	}
	if (!scores_kv || scores_kv->type != GGUF_ARRAY ||
	    scores_kv->arr_type != GGUF_F32 || scores_kv->arr_n != tokens->arr_n) {
		llm_err("%s: tokenizer.ggml.scores: %s", g->path,
			!scores_kv ? "missing" :
			"expected an array of F32, one per token");
		return -1;
	}
	if (kv_int(g, "tokenizer.ggml.bos_token_id", 0, 0, n - 1, &bos) < 0 ||
	    kv_int(g, "tokenizer.ggml.eos_token_id", 0, 0, n - 1, &eos) < 0 ||
	    kv_int(g, "tokenizer.ggml.unknown_token_id", 0, 0, n - 1, &unk) < 0)
		return -1;

	vocab = calloc((size_t)n, sizeof(*vocab));
	scores = malloc((size_t)n * sizeof(*scores));
	m->tokenizer = calloc(1, sizeof(*m->tokenizer));
	if (!vocab || !scores || !m->tokenizer) {
		llm_err("out of memory");
		goto fail;
	}
	memcpy(scores, g->base + scores_kv->off, (size_t)n * sizeof(*scores));
	for (int i = 0; i < n; i++) {
		const char *s;
		uint64_t len;
		size_t j = 0;
		char *d;

		/* Bounds were checked when the metadata was parsed. */
		memcpy(&len, g->base + off, 8);
		s = (const char *)g->base + off + 8;
		off += 8 + (size_t)len;
		d = vocab[i] = malloc((size_t)len + 1);
		if (!d) {
			llm_err("out of memory");
			goto fail;
		}
		/* SentencePiece writes spaces as U+2581, e2 96 81 in UTF-8. */
		while (j < len) {
			if (len - j >= 3 && !memcmp(s + j, "\xe2\x96\x81", 3)) {
				*d++ = ' ';
				j += 3;
			} else {
				*d++ = s[j++];
			}
		}
		*d = '\0';
	}
	err = llm_tokenizer_init(m->tokenizer, vocab, scores, n, (int)bos,
				 (int)eos, (int)unk);
	if (err) {
		free(m->tokenizer);
		m->tokenizer = NULL;
	}
	return err;	/* vocab and scores belong to the tokenizer now */
fail:
	for (int i = 0; vocab && i < n; i++)
		free(vocab[i]);
	free(vocab);
	free(scores);
	free(m->tokenizer);
	m->tokenizer = NULL;
	return -1;
}

/* ------------------------------------------------------------------------
 * The model
 */

static int read_config(struct gguf *g, struct llm_config *c,
		       const struct gguf_kv **tokens)
{
	const struct gguf_tensor *embd = NULL;
	int64_t v[7], head_size, rope_dim;
	static const char *const keys[] = {
		"llama.embedding_length", "llama.feed_forward_length",
		"llama.block_count", "llama.attention.head_count",
		"llama.attention.head_count_kv", NULL, "llama.context_length",
	};
	int err;

	err = kv_is(g, "general.architecture", "llama");
	if (err) {
		if (err == 2)
			llm_err("%s: general.architecture is not 'llama'", g->path);
		else if (err == 1)
			llm_err("%s: missing metadata 'general.architecture'", g->path);
		return -1;
	}
	for (int i = 0; i < 7; i++) {
		if (keys[i] && kv_int(g, keys[i], 1, 1, INT32_MAX, &v[i]))
			return -1;
	}
	/* The vocabulary is the tokens array; else the embedding's height. */
	*tokens = find_kv(g, "tokenizer.ggml.tokens");
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		if (!strcmp(g->t[i].name, "token_embd.weight"))
			embd = &g->t[i];
	}
	if (*tokens) {
		if ((*tokens)->type != GGUF_ARRAY || (*tokens)->arr_type != GGUF_STRING ||
		    (*tokens)->arr_n < 1 || (*tokens)->arr_n > INT32_MAX) {
			llm_err("%s: tokenizer.ggml.tokens (offset %zu) is not a non-empty array of strings",
				g->path, (*tokens)->off);
			return -1;
		}
		v[5] = (int64_t)(*tokens)->arr_n;
		if (embd && embd->n_dims >= 2 && embd->ne[1] != (*tokens)->arr_n) {
			llm_err("%s: tokenizer.ggml.tokens has %llu tokens but token_embd.weight has %llu rows",
				g->path, (unsigned long long)(*tokens)->arr_n,
				(unsigned long long)embd->ne[1]);
			return -1;
		}
	} else if (embd && embd->n_dims >= 2) {
		v[5] = (int64_t)embd->ne[1];
	} else {
		llm_err("%s: no tokenizer.ggml.tokens and no usable token_embd.weight: vocabulary size unknown",
			g->path);
		return -1;
	}
	*c = (struct llm_config){
		.dim = (int)v[0], .hidden_dim = (int)v[1], .n_layers = (int)v[2],
		.n_heads = (int)v[3], .n_kv_heads = (int)v[4],
		.vocab_size = (int)v[5], .seq_len = (int)v[6],
		.norm_eps = 1e-5f, .rope_theta = 10000.0f,
	};
	if (kv_float(g, "llama.attention.layer_norm_rms_epsilon", 1, &c->norm_eps) ||
	    kv_float(g, "llama.rope.freq_base", 0, &c->rope_theta) < 0)
		return -1;
	if (llm_config_check(c, g->path))
		return -1;
	head_size = c->dim / c->n_heads;
	err = kv_int(g, "llama.rope.dimension_count", 0, 1, INT32_MAX, &rope_dim);
	if (err < 0)
		return -1;
	if (!err && rope_dim != head_size) {
		llm_err("%s: llama.rope.dimension_count %lld: RoPE on part of a head (size %lld) is not supported",
			g->path, (long long)rope_dim, (long long)head_size);
		return -1;
	}
	if (kv_int(g, "llama.vocab_size", 0, c->vocab_size, c->vocab_size, &v[5]) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------
 * Peer packages: one GGUF file per die (package.c writes them)
 */

/* The metadata every die's file has; 0 or -1 (message). */
struct die_meta {
	int64_t die, dies;
	enum llm_dtype dtype;
	uint64_t package_hash, data_hash;
	uint32_t *cut;			/* a copy: the mapping's is unaligned */
	int tied;
};

static int kv_u64(const struct gguf *g, const char *key, uint64_t *v)
{
	const struct gguf_kv *kv = find_kv(g, key);

	if (!kv || kv->type != GGUF_U64) {
		llm_err("%s: metadata '%s': %s", g->path, key,
			kv ? "expected a U64" : "missing");
		return -1;
	}
	memcpy(v, g->base + kv->off, 8);
	return 0;
}

static int read_die_meta(const struct gguf *g, int n_groups, struct die_meta *dm)
{
	const struct gguf_kv *cut = find_kv(g, "npu.cut");
	const struct gguf_kv *tied = find_kv(g, "npu.classifier_tied");
	const char *s;
	size_t len;

	dm->cut = NULL;
	if (kv_int(g, "npu.dies", 1, 1, LLM_MAX_DIES, &dm->dies) ||
	    kv_int(g, "npu.die", 1, 0, dm->dies - 1, &dm->die) ||
	    kv_u64(g, "npu.package_hash", &dm->package_hash) ||
	    kv_u64(g, "npu.data_hash", &dm->data_hash))
		return -1;
	if (kv_string(g, "npu.dtype", &s, &len)) {
		llm_err("%s: metadata 'npu.dtype': missing", g->path);
		return -1;
	}
	if (len == 4 && !memcmp(s, "fp16", 4)) {
		dm->dtype = LLM_DTYPE_FP16;
	} else if (len == 4 && !memcmp(s, "int8", 4)) {
		dm->dtype = LLM_DTYPE_INT8;
	} else {
		llm_err("%s: npu.dtype '%.*s': expected fp16 or int8", g->path,
			(int)(len > 32 ? 32 : len), s);
		return -1;
	}
	if (!cut || cut->type != GGUF_ARRAY || cut->arr_type != GGUF_U32 ||
	    cut->arr_n != (uint64_t)n_groups * (uint64_t)(dm->dies + 1)) {
		llm_err("%s: metadata 'npu.cut': %s", g->path, !cut ? "missing" :
			"expected an array of U32, dies + 1 per matmul group");
		return -1;
	}
	dm->cut = malloc((size_t)cut->arr_n * sizeof(*dm->cut));
	if (!dm->cut) {
		llm_err("out of memory");
		return -1;
	}
	memcpy(dm->cut, g->base + cut->off, (size_t)cut->arr_n * sizeof(*dm->cut));
	if (!tied || tied->type != GGUF_BOOL) {
		llm_err("%s: metadata 'npu.classifier_tied': %s", g->path,
			tied ? "expected a BOOL" : "missing");
		return -1;
	}
	dm->tied = g->base[tied->off] != 0;
	return 0;
}

/* The file of die d: <prefix>-d<d>.gguf next to die 0's <prefix>-d0.gguf. */
static int die_path(const char *path0, int d, char *buf, size_t size)
{
	size_t len = strlen(path0);

	if (len < 8 || strcmp(path0 + len - 8, "-d0.gguf") || len + 8 > size)
		return -1;
	snprintf(buf, size, "%.*s-d%d.gguf", (int)(len - 8), path0, d);
	return 0;
}

static const struct gguf_tensor *find_tensor(const struct gguf *g, const char *name)
{
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		if (!strcmp(g->t[i].name, name))
			return &g->t[i];
	}
	return NULL;
}

/*
 * Die d's tensors: exactly those of llm_package_tensors(), of their type
 * and shape, and the data hash over all of them (about 5 GB/s: a quarter
 * of the package's load time, and what finds a corrupt file).
 */
static int place_die(struct llm_model *m, const struct gguf *g, int d,
		     const struct die_meta *dm, struct llm_packed *packed)
{
	static const char *const types[] = { "F32", "F16" };
	struct llm_package_tensor *pt;
	uint64_t hash = 0;
	int n, ret = -1;

	pt = llm_package_tensors(m, (int)dm->dies, d, dm->dtype, dm->cut, &n);
	if (!pt)
		return -1;
	if (g->n_tensors != (uint64_t)n) {
		llm_err("%s: %llu tensors, a %s package of %d layers for %lld dies has %d in each die's file",
			g->path, (unsigned long long)g->n_tensors,
			llm_dtype_name(dm->dtype),
			m->cfg.n_layers, (long long)dm->dies, n);
		goto out;
	}
	for (int k = 0; k < n; k++) {
		const struct gguf_tensor *t = find_tensor(g, pt[k].name);
		const void *data;

		if (!t) {
			llm_err("%s: missing tensor '%s'", g->path, pt[k].name);
			goto out;
		}
		if (t->type != pt[k].type || t->ne[0] != pt[k].ne0 ||
		    t->ne[1] != pt[k].ne1 || t->ne[2] != 1 || t->ne[3] != 1) {
			llm_err("%s: tensor '%s': %s [%llu, %llu], expected %s [%llu, %llu]%s",
				g->path, t->name, ggml_type_name(t->type),
				(unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
				pt[k].type == GGML_I8 ? "I8" : types[pt[k].type],
				(unsigned long long)pt[k].ne0, (unsigned long long)pt[k].ne1,
				pt[k].group >= 0 ? " (die's rows of the cut)" : "");
			goto out;
		}
		data = g->base + g->data_start + t->offset;
		hash = llm_hash64(data, (size_t)t->nbytes, hash);
		if (pt[k].f32) {
			if (d == 0)
				*pt[k].f32 = data;
			continue;
		}
		if (!pt[k].scale) {
			packed[pt[k].group].data[d] = data;
			continue;
		}
		packed[pt[k].group].scale[d] = data;
		for (uint64_t r = 0; r < pt[k].ne0; r++) {
			float sc = ((const float *)data)[r];

			if (!(sc > 0.0f && isfinite(sc))) {
				llm_err("%s: tensor '%s': row scale %llu is %g, not a positive number",
					g->path, t->name, (unsigned long long)r,
					(double)sc);
				goto out;
			}
		}
	}
	if (hash != dm->data_hash) {
		llm_err("%s: the tensor data hashes to %016llx, npu.data_hash says %016llx: the file is corrupt",
			g->path, (unsigned long long)hash,
			(unsigned long long)dm->data_hash);
		goto out;
	}
	ret = 0;
out:
	free(pt);
	return ret;
}

/* A die's file other than die 0's: mapped, parsed, its config checked. */
static int open_die(struct llm_model *m, struct gguf *g, const char *path,
		    int d)
{
	const struct gguf_kv *tokens;
	struct llm_config c;

	memset(g, 0, sizeof(*g));
	g->path = path;
	if (llm_map_file(path, &m->die_map[d], &m->die_map_size[d]))
		return -1;
	g->base = m->die_map[d];
	g->size = m->die_map_size[d];
	if (parse_header(g) || parse_metadata(g) || parse_tensor_infos(g) ||
	    place_tensors(g) || read_config(g, &c, &tokens))
		return -1;
	if (memcmp(&c, &m->cfg, sizeof(c))) {
		llm_err("%s: its llama.* hyperparameters differ from die 0's: a file of another package",
			path);
		return -1;
	}
	return 0;
}

/* Every die's file checked against die 0's; the model pointed into them. */
static int load_dies(struct llm_model *m, struct gguf *g0, struct die_meta *dm0p)
{
	struct die_meta dm0, dm;
	struct llm_packed *packed;
	char path[PATH_MAX];

	m->format = "package";
	if (read_die_meta(g0, m->n_groups, dm0p))
		return -1;
	dm0 = *dm0p;
	if (dm0.die != 0) {
		llm_err("%s is die %lld's file of a package for %lld dies: give die 0's (<prefix>-d0.gguf)",
			g0->path, (long long)dm0.die, (long long)dm0.dies);
		return -1;
	}
	if (dm0.dies > 1 && die_path(g0->path, 0, path, sizeof(path))) {
		llm_err("%s: a package for %lld dies, but the file is not named <prefix>-d0.gguf: the other dies' files cannot be found",
			g0->path, (long long)dm0.dies);
		return -1;
	}
	/* the cut must be libnpu's: the backend plans every slice by it */
	for (int i = 0; i < m->n_groups; i++) {
		uint32_t n0[LLM_MAX_DIES + 1];
		const uint32_t *have = dm0.cut + (size_t)i * (size_t)(dm0.dies + 1);

		if (npu_gemm_cut((uint32_t)m->groups[i]->rows, (uint32_t)dm0.dies, n0) !=
		    dm0.dies || memcmp(n0, have, (size_t)(dm0.dies + 1) * 4)) {
			char a[128], b[128];
			size_t la = 0, lb = 0;

			for (int d = 0; d <= dm0.dies; d++) {
				la += (size_t)snprintf(a + la, sizeof(a) - la, "%s%u", d ? " " : "", have[d]);
				lb += (size_t)snprintf(b + lb, sizeof(b) - lb, "%s%u", d ? " " : "", n0[d]);
			}
			llm_err("%s: npu.cut: %s (%d rows) starts the dies' rows at %s (and ends), but libnpu's npu_gemm_cut() at %s: repack the model",
				g0->path, m->groups[i]->name, m->groups[i]->rows, a, b);
			return -1;
		}
	}
	packed = (struct llm_packed *)llm_model_alloc(m,
		((size_t)m->n_groups * sizeof(*packed) + sizeof(float) - 1) / sizeof(float));
	if (!packed)
		return -1;
	memset(packed, 0, (size_t)m->n_groups * sizeof(*packed));
	for (int i = 0; i < m->n_groups; i++) {
		packed[i].dtype = dm0.dtype;
		packed[i].dies = (int)dm0.dies;
		for (int d = 0; d <= dm0.dies; d++)
			packed[i].row0[d] = (int)dm0.cut[(size_t)i * (size_t)(dm0.dies + 1) + (size_t)d];
	}
	if (place_die(m, g0, 0, &dm0, packed))
		return -1;

	for (int d = 1; d < dm0.dies; d++) {
		struct gguf g;
		int err;

		die_path(g0->path, d, path, sizeof(path));
		dm.cut = NULL;
		err = open_die(m, &g, path, d) || read_die_meta(&g, m->n_groups, &dm);
		if (!err && (dm.die != d || dm.dies != dm0.dies || dm.dtype != dm0.dtype)) {
			llm_err("%s: npu.die %lld of %lld dies, %s: expected die %d of die 0's %lld, %s",
				path, (long long)dm.die, (long long)dm.dies,
				llm_dtype_name(dm.dtype), d, (long long)dm0.dies,
				llm_dtype_name(dm0.dtype));
			err = 1;
		}
		if (!err && dm.package_hash != dm0.package_hash) {
			llm_err("%s: npu.package_hash %016llx, die 0's file says %016llx: a file of another package",
				path, (unsigned long long)dm.package_hash,
				(unsigned long long)dm0.package_hash);
			err = 1;
		}
		if (!err && memcmp(dm.cut, dm0.cut, (size_t)m->n_groups * (size_t)(dm0.dies + 1) * 4)) {
			llm_err("%s: npu.cut differs from die 0's", path);
			err = 1;
		}
		if (!err)
			err = place_die(m, &g, d, &dm, packed);
		free(dm.cut);
		free(g.kv);
		free(g.t);
		if (err)
			return -1;
	}
	for (int i = 0; i < m->n_groups; i++)
		m->groups[i]->packed = &packed[i];
	m->output.data = NULL;
	m->tied_output = dm0.tied;
	m->packed_dies = (int)dm0.dies;
	m->packed_dtype = dm0.dtype;
	return 0;
}

static int load_package(struct llm_model *m, struct gguf *g0)
{
	struct die_meta dm0 = { 0 };
	int ret = load_dies(m, g0, &dm0);

	free(dm0.cut);
	return ret;
}

int llm_model_load_gguf(struct llm_model *m, const char *path,
			int want_tokenizer)
{
	struct gguf g = { .path = path };
	const struct gguf_kv *tokens = NULL;
	void *map;
	size_t size;

	memset(m, 0, sizeof(*m));
	m->format = "gguf";
	if (llm_map_file(path, &map, &size))
		return -1;
	m->map = map;
	m->map_size = size;
	g.base = map;
	g.size = size;

	if (parse_header(&g) || parse_metadata(&g) || parse_tensor_infos(&g) ||
	    place_tensors(&g) || read_config(&g, &m->cfg, &tokens) ||
	    llm_model_layout(m))
		goto fail;
	if (find_kv(&g, "npu.dies") ? load_package(m, &g) :
				      load_tensors(m, &g))
		goto fail;
	if (want_tokenizer) {
		if (!tokens) {
			llm_err("%s: no embedded tokenizer (tokenizer.ggml.tokens); give one with -z",
				path);
			goto fail;
		}
		if (load_tokenizer(m, &g, tokens))
			goto fail;
	}
	if (llm_model_finish(m))
		goto fail;
	free(g.kv);
	free(g.t);
	return 0;
fail:
	free(g.kv);
	free(g.t);
	llm_model_free(m);
	return -1;
}
