// SPDX-License-Identifier: MIT
/*
 * Hugging Face model directories of the llama family.
 *
 *   config.json                    architecture and shape
 *   model.safetensors              the tensors, or
 *   model.safetensors.index.json   "weight_map": tensor -> shard file,
 *   model-0000N-of-0000M.safetensors   the shards it names
 *   tokenizer.json, tokenizer_config.json   (tokenizer_json.c)
 *
 * Every shard is mapped, not read.  Tensor names and their places:
 *
 *   model.embed_tokens.weight                  token_embd [vocab][dim]
 *   model.layers.N.input_layernorm.weight      attn_norm
 *   model.layers.N.self_attn.{q,k,v,o}_proj.weight   wq wk wv wo
 *   model.layers.N.post_attention_layernorm.weight   ffn_norm
 *   model.layers.N.mlp.{gate,up,down}_proj.weight     w1 w3 w2
 *   model.norm.weight                          output_norm
 *   lm_head.weight                             output (absent when tied)
 *
 * Hugging Face's q_proj and k_proj rotate the two halves of each head
 * (rotate_half); llama2.c rotates adjacent pairs.  Row j * hs/2 + i of a
 * head (half j, pair i) is row 2i + j of llama2.c's, and is placed there.
 *
 * For the CPU, F16 and BF16 matrices and the embedding stay as stored,
 * in the mapping (q_proj and k_proj: a copy with the rows in llama2.c's
 * order), and are multiplied a row at a time; F32 is used in place when
 * aligned and not permuted; norms become fp32.  F8_E4M3 (float8_e4m3fn)
 * matrices come with "<name>_scale_inv" (e.g. q_proj.weight_scale_inv),
 * one factor per block of quantization_config.weight_block_size (rows x
 * cols, default 128 x 128): w[r][c] = fp8[r][c] * scale_inv[r / B0][c / B1].
 * For the CPU they become fp32; for the NPU each group (of any dtype) is
 * dequantised into a scratch buffer and converted to fp16 (or int8 with
 * per-row scales) at once, so the matmul weights never exist as fp32 all
 * together.
 *
 * Strict: a tensor missing, unexpected, duplicated across shards, of the
 * wrong shape or dtype, a scale without its weight or of the wrong shape,
 * an FP8 weight without its scale, an index entry whose shard is absent
 * or does not hold the tensor, a tensor the index does not list: each a
 * message naming tensor and shard.  A JSON value of the wrong kind is a
 * message naming the file and the key (llm_json_get()).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hf.h"

#define HF_SHARDS_MAX	256
#define HF_PATH_MAX	4096

int llm_hf_detect(const char *path)
{
	struct stat st;

	return path && !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * A JSON file, strictly: json-c's strict mode (no comments, trailing
 * commas, leading zeros or misspelt literals), UTF-8 validated, no NUL
 * byte, nothing but white space after the object.  (json-c still takes
 * NaN and Infinity, as Python's json module writes them; the values are
 * checked where they are used.)
 */
struct json_object *llm_json_load(const char *path, int optional)
{
	const char *text, *nul;
	struct json_tokener *tok;
	struct json_object *root;
	size_t size, end;
	void *map;

	if (optional && access(path, F_OK))
		return NULL;
	if (llm_map_file(path, &map, &size))
		return NULL;
	if (size > (1u << 30)) {
		llm_err("%s: %zu bytes: too large for a JSON file", path, size);
		munmap(map, size);
		return NULL;
	}
	text = map ? map : "";
	nul = memchr(text, '\0', size);
	if (nul) {
		llm_err("%s: a NUL byte at byte %zu: not a JSON file", path,
			(size_t)(nul - text));
		if (map)
			munmap(map, size);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		llm_err("out of memory");
		if (map)
			munmap(map, size);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)size);
	end = json_tokener_get_parse_end(tok);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		llm_err("%s: not a valid JSON object (%s, at byte %zu)", path,
			json_tokener_get_error(tok) == json_tokener_continue ?
			"it ends early" :
			json_tokener_error_desc(json_tokener_get_error(tok)), end);
		json_object_put(root);
		root = NULL;
	} else if (!json_object_is_type(root, json_type_object)) {
		/* json-c's object of a JSON null is NULL, of type null */
		llm_err("%s: not a JSON object but %s", path,
			json_type_to_name(json_object_get_type(root)));
		json_object_put(root);
		root = NULL;
	}
	while (root && end < size && strchr(" \t\r\n", text[end]))
		end++;
	if (root && end < size) {
		llm_err("%s: bytes after the JSON object at byte %zu", path, end);
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	if (map)
		munmap(map, size);
	return root;
}

/* ------------------------------------------------------------------------
 * Typed JSON members
 */

int llm_json_is(struct json_object *o, enum llm_json_kind kind)
{
	switch (kind) {
	case LLM_JSON_STRING:
		return json_object_is_type(o, json_type_string);
	case LLM_JSON_INT:
		return json_object_is_type(o, json_type_int);
	case LLM_JSON_NUMBER:
		return json_object_is_type(o, json_type_int) ||
		       json_object_is_type(o, json_type_double);
	case LLM_JSON_BOOL:
		return json_object_is_type(o, json_type_boolean);
	case LLM_JSON_ARRAY:
		return json_object_is_type(o, json_type_array);
	case LLM_JSON_OBJECT:
		return json_object_is_type(o, json_type_object);
	}
	return 0;
}

const char *llm_json_kind_name(enum llm_json_kind kind)
{
	static const char *const names[] = {
		[LLM_JSON_STRING] = "a string",
		[LLM_JSON_INT] = "an integer",
		[LLM_JSON_NUMBER] = "a number",
		[LLM_JSON_BOOL] = "true or false",
		[LLM_JSON_ARRAY] = "an array",
		[LLM_JSON_OBJECT] = "an object",
	};

	return names[kind];
}

int llm_json_wrong(const char *path, const char *what, struct json_object *o,
		   const char *expected)
{
	/* json-c writes NULL, the object of a JSON null, as "null" */
	llm_err("%s: %s = %.200s: expected %s", path, what,
		json_object_to_json_string(o), expected);
	return -1;
}

int llm_json_get(const char *path, const char *where, struct json_object *obj,
		 const char *key, enum llm_json_kind kind, int flags,
		 struct json_object **v)
{
	char what[256];
	struct json_object *o = NULL;
	int present;

	snprintf(what, sizeof(what), "%s%s%s", where ? where : "",
		 where ? "." : "", key);
	*v = NULL;
	/* a JSON null is present with the value NULL */
	present = json_object_is_type(obj, json_type_object) &&
		  json_object_object_get_ex(obj, key, &o);
	if (present && !o && (flags & LLM_JSON_NULL_OK))
		present = 0;
	if (!present) {
		if (flags & LLM_JSON_REQUIRED) {
			llm_err("%s: no %s", path, what);
			return -1;
		}
		return 0;
	}
	if (!o || !llm_json_is(o, kind))
		return llm_json_wrong(path, what, o, llm_json_kind_name(kind));
	*v = o;
	return 0;
}

int llm_json_string(const char *path, const char *where, struct json_object *obj,
		    const char *key, int flags, const char **s)
{
	struct json_object *o;

	*s = NULL;
	if (llm_json_get(path, where, obj, key, LLM_JSON_STRING, flags, &o))
		return -1;
	if (o)
		*s = json_object_get_string(o);
	return 0;
}

/* ------------------------------------------------------------------------
 * config.json
 */

/* An integer key; absent or null: *v = def (def < 0: required). */
static int cfg_int(const char *path, struct json_object *root, const char *key,
		   int def, int *v)
{
	struct json_object *o;
	int64_t x;

	if (llm_json_get(path, NULL, root, key, LLM_JSON_INT,
			 LLM_JSON_NULL_OK | (def < 0 ? LLM_JSON_REQUIRED : 0), &o))
		return -1;
	if (!o) {
		*v = def;
		return 0;
	}
	x = json_object_get_int64(o);
	if (x < 0 || x > (1 << 30))
		return llm_json_wrong(path, key, o, "an integer 0..2^30");
	*v = (int)x;
	return 0;
}

static int cfg_float(const char *path, struct json_object *root,
		     const char *key, float def, float *v)
{
	struct json_object *o;

	if (llm_json_get(path, NULL, root, key, LLM_JSON_NUMBER,
			 LLM_JSON_NULL_OK, &o))
		return -1;
	*v = o ? (float)json_object_get_double(o) : def;
	return 0;
}

/* true or false; absent or null: 0 */
static int cfg_bool(const char *path, struct json_object *root,
		    const char *key, int *v)
{
	struct json_object *o;

	if (llm_json_get(path, NULL, root, key, LLM_JSON_BOOL,
			 LLM_JSON_NULL_OK, &o))
		return -1;
	*v = o && json_object_get_boolean(o);
	return 0;
}

static int cfg_arch(const char *path, struct json_object *root,
		    struct llm_hf_info *hi)
{
	struct json_object *a, *o;
	const char *s;
	int bias;

	if (llm_json_get(path, NULL, root, "architectures", LLM_JSON_ARRAY,
			 LLM_JSON_REQUIRED, &a))
		return -1;
	if (json_object_array_length(a) != 1 ||
	    !llm_json_is(json_object_array_get_idx(a, 0), LLM_JSON_STRING)) {
		llm_err("%s: architectures: expected one name, e.g. [\"LlamaForCausalLM\"]",
			path);
		return -1;
	}
	s = json_object_get_string(json_object_array_get_idx(a, 0));
	if (strcmp(s, "LlamaForCausalLM") && strcmp(s, "MistralForCausalLM")) {
		llm_err("%s: architecture %s: supported are LlamaForCausalLM and MistralForCausalLM (Qwen2's q/k/v biases are not)",
			path, s);
		return -1;
	}
	snprintf(hi->arch, sizeof(hi->arch), "%s", s);
	if (llm_json_string(path, NULL, root, "hidden_act", 0, &s))
		return -1;
	if (s && strcmp(s, "silu")) {
		llm_err("%s: hidden_act %s: only silu (SwiGLU) is supported",
			path, s);
		return -1;
	}
	if (json_object_object_get_ex(root, "rope_scaling", &o) && o) {
		llm_err("%s: rope_scaling %s: only plain RoPE is supported",
			path, json_object_to_json_string(o));
		return -1;
	}
	if (cfg_bool(path, root, "attention_bias", &bias))
		return -1;
	if (bias) {
		llm_err("%s: attention_bias true: biases are not supported", path);
		return -1;
	}
	return 0;
}

/* quantization_config: none, or fp8 (e4m3) with a block size. */
static int cfg_quant(const char *path, struct json_object *root,
		     struct llm_hf_info *hi)
{
	static const char qc[] = "quantization_config";
	struct json_object *q, *o;
	const char *s;

	hi->block[0] = hi->block[1] = 128;
	if (llm_json_get(path, NULL, root, qc, LLM_JSON_OBJECT,
			 LLM_JSON_NULL_OK, &q))
		return -1;
	if (!q)
		return 0;
	if (llm_json_string(path, qc, q, "quant_method", LLM_JSON_REQUIRED, &s))
		return -1;
	if (strcmp(s, "fp8")) {
		llm_err("%s: quantization_config.quant_method %s: only fp8 is supported",
			path, s);
		return -1;
	}
	if (llm_json_string(path, qc, q, "fmt", 0, &s))
		return -1;
	if (s && strcmp(s, "e4m3")) {
		llm_err("%s: quantization_config.fmt %s: only e4m3 is supported",
			path, s);
		return -1;
	}
	hi->fp8 = 1;
	if (llm_json_get(path, qc, q, "weight_block_size", LLM_JSON_ARRAY,
			 LLM_JSON_NULL_OK, &o))
		return -1;
	if (!o)
		return 0;
	if (json_object_array_length(o) != 2)
		return llm_json_wrong(path, "quantization_config.weight_block_size",
				      o, "[rows, cols]");
	for (int i = 0; i < 2; i++) {
		struct json_object *b = json_object_array_get_idx(o, (size_t)i);
		int64_t v = json_object_get_int64(b);

		if (!llm_json_is(b, LLM_JSON_INT) || v < 1 || v > 65536)
			return llm_json_wrong(path, "quantization_config.weight_block_size",
					      o, "[rows, cols], each 1..65536");
		hi->block[i] = (int)v;
	}
	return 0;
}

int llm_hf_config(const char *dir, struct llm_config *c, struct llm_hf_info *hi)
{
	char path[HF_PATH_MAX];
	struct json_object *root;
	int head_dim = 0, window = 0, ret = -1;

	memset(c, 0, sizeof(*c));
	memset(hi, 0, sizeof(*hi));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (access(path, F_OK)) {
		llm_err("%s: a directory without config.json: not a Hugging Face model",
			dir);
		return -1;
	}
	root = llm_json_load(path, 0);
	if (!root)
		return -1;
	if (cfg_arch(path, root, hi) ||
	    cfg_int(path, root, "hidden_size", -1, &c->dim) ||
	    cfg_int(path, root, "intermediate_size", -1, &c->hidden_dim) ||
	    cfg_int(path, root, "num_hidden_layers", -1, &c->n_layers) ||
	    cfg_int(path, root, "num_attention_heads", -1, &c->n_heads) ||
	    cfg_int(path, root, "num_key_value_heads", c->n_heads, &c->n_kv_heads) ||
	    cfg_int(path, root, "vocab_size", -1, &c->vocab_size) ||
	    cfg_int(path, root, "max_position_embeddings", 2048, &c->seq_len) ||
	    cfg_int(path, root, "head_dim", 0, &head_dim) ||
	    cfg_float(path, root, "rms_norm_eps", 1e-6f, &c->norm_eps) ||
	    cfg_float(path, root, "rope_theta", 10000.0f, &c->rope_theta) ||
	    cfg_quant(path, root, hi))
		goto out;
	if (head_dim && c->n_heads && head_dim * c->n_heads != c->dim) {
		llm_err("%s: head_dim %d is not hidden_size %d / num_attention_heads %d",
			path, head_dim, c->dim, c->n_heads);
		goto out;
	}
	if (cfg_bool(path, root, "tie_word_embeddings", &hi->tied))
		goto out;
	/*
	 * Mistral's sliding window is not applied: attention sees every
	 * position, which equals the window up to its length, so that is
	 * the context length (more steps: npu-llm warns).
	 */
	if (cfg_int(path, root, "sliding_window", 0, &window))
		goto out;
	if (window && window < c->seq_len)
		c->seq_len = window;
	ret = llm_config_check(c, path);
out:
	json_object_put(root);
	return ret;
}

/* ------------------------------------------------------------------------
 * The shards
 */

struct hf_dir {
	const char *dir;
	struct llm_hf_info info;
	int n_shards;
	char *shard_name[HF_SHARDS_MAX];
	void *map[HF_SHARDS_MAX];
	size_t size[HF_SHARDS_MAX];
	struct llm_st_tensor *t;
	int n;
	struct json_object *weight_map;	/* the index's, or NULL */
};

static void hf_dir_free(struct hf_dir *h)
{
	for (int i = 0; i < h->n_shards; i++) {
		free(h->shard_name[i]);
		if (h->map[i])
			munmap(h->map[i], h->size[i]);
	}
	free(h->t);
	json_object_put(h->weight_map);
}

static int add_shard(struct hf_dir *h, const char *name)
{
	for (int i = 0; i < h->n_shards; i++) {
		if (!strcmp(h->shard_name[i], name))
			return 0;
	}
	if (h->n_shards == HF_SHARDS_MAX || strchr(name, '/')) {
		llm_err("%s/model.safetensors.index.json: shard %s: %s", h->dir,
			name, strchr(name, '/') ? "not a file name in the directory" :
			"too many shards");
		return -1;
	}
	h->shard_name[h->n_shards] = strdup(name);
	if (!h->shard_name[h->n_shards]) {
		llm_err("out of memory");
		return -1;
	}
	h->n_shards++;
	return 0;
}

/* The shards: the index's, or model.safetensors alone. */
static int hf_shards(struct hf_dir *h)
{
	char path[HF_PATH_MAX];
	struct json_object *index, *wm;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/model.safetensors.index.json", h->dir);
	if (access(path, F_OK)) {
		snprintf(path, sizeof(path), "%s/model.safetensors", h->dir);
		if (access(path, F_OK)) {
			llm_err("%s: no model.safetensors and no model.safetensors.index.json",
				h->dir);
			return -1;
		}
		return add_shard(h, "model.safetensors");
	}
	index = llm_json_load(path, 0);
	if (!index)
		return -1;
	if (llm_json_get(path, NULL, index, "weight_map", LLM_JSON_OBJECT,
			 LLM_JSON_REQUIRED, &wm))
		goto out;
	json_object_object_foreach(wm, key, val) {
		if (!llm_json_is(val, LLM_JSON_STRING)) {
			llm_err("%s: weight_map: tensor %s: the shard is not a file name",
				path, key);
			goto out;
		}
		if (add_shard(h, json_object_get_string(val)))
			goto out;
	}
	h->weight_map = json_object_get(wm);
	ret = 0;
out:
	json_object_put(index);
	return ret;
}

static int hf_map_shards(struct hf_dir *h)
{
	char path[HF_PATH_MAX];

	for (int i = 0; i < h->n_shards; i++) {
		snprintf(path, sizeof(path), "%s/%s", h->dir, h->shard_name[i]);
		if (access(path, F_OK)) {
			llm_err("%s: shard %s is named by model.safetensors.index.json but absent",
				h->dir, h->shard_name[i]);
			return -1;
		}
		if (llm_map_file(path, &h->map[i], &h->size[i]) ||
		    llm_st_parse(h->map[i], h->size[i], path, i, &h->t, &h->n))
			return -1;
	}
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	const struct llm_st_tensor *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static struct llm_st_tensor *hf_find(struct hf_dir *h, const char *name);

/* Sorted by name; no name twice; each where the index says, and back. */
static int hf_check_placement(struct hf_dir *h)
{
	qsort(h->t, (size_t)h->n, sizeof(*h->t), compare_names);
	for (int i = 1; i < h->n; i++) {
		const struct llm_st_tensor *t = &h->t[i];

		if (!strcmp(t->name, h->t[i - 1].name)) {
			llm_err("%s: tensor %s is in shard %s and again in shard %s",
				h->dir, t->name, h->shard_name[h->t[i - 1].shard],
				h->shard_name[t->shard]);
			return -1;
		}
	}
	for (int i = 0; i < h->n; i++) {
		const struct llm_st_tensor *t = &h->t[i];
		struct json_object *v;

		if (!h->weight_map)
			continue;
		if (!json_object_object_get_ex(h->weight_map, t->name, &v)) {
			llm_err("%s/%s: tensor %s is not in model.safetensors.index.json's weight_map",
				h->dir, h->shard_name[t->shard], t->name);
			return -1;
		}
		if (strcmp(json_object_get_string(v), h->shard_name[t->shard])) {
			llm_err("%s/%s: tensor %s: model.safetensors.index.json places it in shard %s",
				h->dir, h->shard_name[t->shard], t->name,
				json_object_get_string(v));
			return -1;
		}
	}
	/*
	 * And the other way: every name the index lists is held by the
	 * shard it names (a misspelt or remapped name in the index would
	 * otherwise pass whenever the model does not need that name).
	 * Shards hold no name twice and every tensor they hold is listed,
	 * so a name found is in the shard the index says.
	 */
	if (!h->weight_map)
		return 0;
	json_object_object_foreach(h->weight_map, key, val) {
		if (!hf_find(h, key)) {
			llm_err("%s/model.safetensors.index.json: tensor %s: placed in shard %s, which does not hold it",
				h->dir, key, json_object_get_string(val));
			return -1;
		}
	}
	return 0;
}

static struct llm_st_tensor *hf_find(struct hf_dir *h, const char *name)
{
	struct llm_st_tensor key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, h->t, (size_t)h->n, sizeof(*h->t), compare_names);
}

/* Where a missing tensor was expected, for its message. */
static const char *hf_expected_in(struct hf_dir *h, const char *name)
{
	struct json_object *v;

	if (h->weight_map && json_object_object_get_ex(h->weight_map, name, &v))
		return json_object_get_string(v);
	return h->n_shards == 1 ? h->shard_name[0] : "any shard";
}

static const char scale_suffix[] = "_scale_inv";

/* The weight a "<weight>_scale_inv" scales, into buf; 0 if not a scale. */
static int scaled_weight(const char *name, char *buf, size_t size)
{
	size_t len = strlen(name), sl = sizeof(scale_suffix) - 1;

	if (len <= sl || strcmp(name + len - sl, scale_suffix) || len - sl >= size)
		return 0;
	memcpy(buf, name, len - sl);
	buf[len - sl] = '\0';
	return 1;
}

/* Before anything else is looked at: no scale without its weight. */
static int hf_check_scales(struct hf_dir *h)
{
	char base[LLM_ST_NAME_MAX];

	for (int i = 0; i < h->n; i++) {
		if (scaled_weight(h->t[i].name, base, sizeof(base)) &&
		    !hf_find(h, base)) {
			llm_err("%s/%s: tensor %s: a scale without its weight %s",
				h->dir, h->shard_name[h->t[i].shard],
				h->t[i].name, base);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Tensors to the model
 */

/**
 * struct hf_mat - a matrix of the checkpoint, ready to be dequantised
 * @t: the weight
 * @scale: its weight_scale_inv (F8_E4M3), else NULL
 * @rows, @cols: its shape
 * @heads: q_proj/k_proj: heads whose halves become llama2.c's pairs; 0
 */
struct hf_mat {
	const struct llm_st_tensor *t;
	const struct llm_st_tensor *scale;
	int rows, cols;
	int heads;
};

static int hf_expect(struct hf_dir *h, const char *name, int rows, int cols,
		     int matrix, const struct llm_st_tensor **out)
{
	struct llm_st_tensor *t = hf_find(h, name);
	const char *shard;
	int ndim = cols ? 2 : 1;

	if (!t) {
		llm_err("%s: tensor %s is missing (expected in %s)", h->dir, name,
			hf_expected_in(h, name));
		return -1;
	}
	shard = h->shard_name[t->shard];
	if (t->ndim != ndim || t->shape[0] != rows || (cols && t->shape[1] != cols)) {
		char want[64];

		snprintf(want, sizeof(want), cols ? "[%d, %d]" : "[%d]", rows, cols);
		llm_err("%s/%s: tensor %s: shape [%lld%s%lld%s], expected %s (config.json)",
			h->dir, shard, name, (long long)t->shape[0],
			t->ndim > 1 ? ", " : "", t->ndim > 1 ? (long long)t->shape[1] : 0LL,
			t->ndim > 2 ? ", ..." : "", want);
		return -1;
	}
	if (t->dtype == LLM_ST_F8_E4M3 && (!matrix || !h->info.fp8)) {
		llm_err("%s/%s: tensor %s: dtype F8_E4M3 %s", h->dir, shard, name,
			matrix ? "but config.json has no fp8 quantization_config" :
			"for a tensor that is never FP8 (norms and embeddings are F32, F16 or BF16)");
		return -1;
	}
	t->used = 1;
	*out = t;
	return 0;
}

static int ceil_div(int a, int b)
{
	return (a + b - 1) / b;
}

/* The matrix @name and, for F8_E4M3, its scale. */
static int hf_matrix(struct hf_dir *h, const char *name, int rows, int cols,
		     int heads, struct hf_mat *w)
{
	char sname[LLM_ST_NAME_MAX + 16];
	struct llm_st_tensor *s;
	int br, bc;

	memset(w, 0, sizeof(*w));
	if (hf_expect(h, name, rows, cols, 1, &w->t))
		return -1;
	w->rows = rows;
	w->cols = cols;
	w->heads = heads;
	snprintf(sname, sizeof(sname), "%s%s", name, scale_suffix);
	s = hf_find(h, sname);
	if (w->t->dtype != LLM_ST_F8_E4M3) {
		if (s) {
			llm_err("%s/%s: tensor %s: a scale for %s, which is %s, not F8_E4M3",
				h->dir, h->shard_name[s->shard], sname, name,
				llm_st_dtype_name(w->t->dtype));
			return -1;
		}
		return 0;
	}
	if (!s) {
		llm_err("%s/%s: tensor %s is F8_E4M3 but its scale %s is missing",
			h->dir, h->shard_name[w->t->shard], name, sname);
		return -1;
	}
	br = ceil_div(rows, h->info.block[0]);
	bc = ceil_div(cols, h->info.block[1]);
	if (s->ndim != 2 || s->shape[0] != br || s->shape[1] != bc ||
	    (s->dtype != LLM_ST_F32 && s->dtype != LLM_ST_BF16)) {
		llm_err("%s/%s: tensor %s: %s %s%lld x %lld, expected F32 or BF16 [%d, %d]: %s [%d, %d] in blocks of %d x %d",
			h->dir, h->shard_name[s->shard], sname,
			llm_st_dtype_name(s->dtype), s->ndim == 2 ? "" : "(not 2-d) ",
			(long long)s->shape[0], s->ndim > 1 ? (long long)s->shape[1] : 0LL,
			br, bc, name, rows, cols, h->info.block[0], h->info.block[1]);
		return -1;
	}
	s->used = 1;
	w->scale = s;
	return 0;
}

/* The checkpoint's row of llama2.c's row r. */
static int hf_source_row(const struct hf_mat *w, int r)
{
	int hs, head, i, j;

	if (!w->heads)
		return r;
	hs = w->rows / w->heads;
	head = r / hs;
	i = (r % hs) / 2;
	j = r % 2;
	return head * hs + j * (hs / 2) + i;
}

/* Rows of @w dequantised to fp32, in llama2.c's order. */
static int hf_dequant(const struct hf_dir *h, const struct hf_mat *w, float *out)
{
	int bc = w->scale ? (int)w->scale->shape[1] : 0;

	for (int r = 0; r < w->rows; r++) {
		int src = hf_source_row(w, r);
		size_t base = (size_t)src * (size_t)w->cols;

		for (int c = 0; c < w->cols; c++) {
			float v = llm_st_get(w->t, base + (size_t)c);

			if (w->scale)
				v *= llm_st_get(w->scale, (size_t)(src / h->info.block[0]) *
						(size_t)bc + (size_t)(c / h->info.block[1]));
			if (!isfinite(v)) {
				llm_err("%s/%s: tensor %s[%d][%d] = %g: not a finite weight",
					h->dir, h->shard_name[w->t->shard], w->t->name,
					src, c, (double)v);
				return -1;
			}
			*out++ = v;
		}
	}
	return 0;
}

/*
 * A vector or matrix as fp32: in place if it can be (aligned F32; the
 * shards stay mapped), else converted.
 */
static const float *hf_fp32(struct llm_model *m, const struct hf_dir *h,
			    const struct hf_mat *w)
{
	float *p;

	if (w->t->dtype == LLM_ST_F32 && !w->heads &&
	    !((uintptr_t)w->t->data % sizeof(float)))
		return (const float *)w->t->data;
	p = llm_model_alloc(m, (size_t)w->rows * (size_t)w->cols);
	if (!p || hf_dequant(h, w, p))
		return NULL;
	return p;
}

/* A norm, as fp32. */
static const float *hf_norm(struct llm_model *m, struct hf_dir *h,
			    const char *name, int rows)
{
	struct hf_mat w = { .rows = rows, .cols = 1 };

	if (hf_expect(h, name, rows, 0, 0, &w.t))
		return NULL;
	return hf_fp32(m, h, &w);
}

/*
 * An F16 or BF16 matrix as stored, rows in llama2.c's order: in place
 * when not permuted and aligned, else a copy.
 */
static const void *hf_rows16(struct llm_model *m, const struct hf_mat *w)
{
	size_t row = (size_t)w->cols * 2;
	uint8_t *p;

	if (!w->heads && !((uintptr_t)w->t->data % 2))
		return w->t->data;
	p = (uint8_t *)llm_model_alloc(m, ((size_t)w->rows * row + 3) / 4);
	if (!p)
		return NULL;
	for (int r = 0; r < w->rows; r++)
		memcpy(p + (size_t)r * row,
		       w->t->data + (size_t)hf_source_row(w, r) * row, row);
	return p;
}

/* A weight for the CPU: F16 and BF16 as stored, F32 and F8_E4M3 as fp32. */
static int hf_weight(struct llm_model *m, const struct hf_dir *h,
		     const struct hf_mat *w, struct llm_weight *dst)
{
	if (w->t->dtype == LLM_ST_F16 || w->t->dtype == LLM_ST_BF16) {
		dst->type = w->t->dtype == LLM_ST_F16 ? LLM_WEIGHT_F16 :
							LLM_WEIGHT_BF16;
		dst->raw = hf_rows16(m, w);
		return dst->raw ? 0 : -1;
	}
	dst->type = LLM_WEIGHT_F32;
	dst->data = hf_fp32(m, h, w);
	return dst->data ? 0 : -1;
}

/* The token embedding, never FP8. */
static int hf_embedding(struct llm_model *m, struct hf_dir *h)
{
	const struct llm_config *c = &m->cfg;
	struct hf_mat w = { .rows = c->vocab_size, .cols = c->dim };

	if (hf_expect(h, "model.embed_tokens.weight", c->vocab_size, c->dim, 0,
		      &w.t) || hf_weight(m, h, &w, &m->embedding))
		return -1;
	if (m->embedding.type == LLM_WEIGHT_F32)
		m->token_embd = m->embedding.data;
	return 0;
}

/*
 * A group for the NPU: its weights dequantised into one scratch buffer,
 * converted to the NPU's type as the backend would, kept as a one-die
 * package group; the scratch is freed.
 */
static int hf_pack_group(struct llm_model *m, const struct hf_dir *h,
			 struct llm_group *g, const struct hf_mat *src,
			 enum llm_dtype dtype)
{
	size_t elems = (size_t)g->rows * (size_t)g->cols, at = 0;
	size_t esize = dtype == LLM_DTYPE_INT8 ? 1 : 2;
	struct llm_packed *pk;
	float *scratch = malloc(elems * sizeof(float));
	void *data;
	float *scale = NULL;
	int err = -1;

	pk = (struct llm_packed *)llm_model_alloc(m, (sizeof(*pk) + 3) / 4);
	data = llm_model_alloc(m, (elems * esize + 3) / 4);
	if (dtype == LLM_DTYPE_INT8)
		scale = llm_model_alloc(m, (size_t)g->rows);
	if (!scratch || !pk || !data || (dtype == LLM_DTYPE_INT8 && !scale)) {
		llm_err("out of memory");
		goto out;
	}
	for (int i = 0; i < g->n; i++) {
		if (hf_dequant(h, &src[i], scratch + at))
			goto out;
		g->w[i]->type = LLM_WEIGHT_F32;
		g->w[i]->data = scratch + at;
		at += (size_t)src[i].rows * (size_t)src[i].cols;
	}
	err = dtype == LLM_DTYPE_INT8 ? llm_quant_int8(g, 0, g->rows, data, scale) :
					llm_quant_fp16(g, 0, g->rows, data);
	memset(pk, 0, sizeof(*pk));
	pk->dtype = dtype;
	pk->dies = 1;
	pk->row0[1] = g->rows;
	pk->data[0] = data;
	pk->scale[0] = scale;
	g->packed = pk;
out:
	for (int i = 0; i < g->n; i++)
		g->w[i]->data = NULL;
	free(scratch);
	return err ? -1 : 0;
}

static int hf_set_group(struct llm_model *m, const struct hf_dir *h,
			struct llm_group *g, const struct hf_mat *src,
			enum llm_dtype dtype)
{
	if (dtype != LLM_DTYPE_FP32)
		return hf_pack_group(m, h, g, src, dtype);
	for (int i = 0; i < g->n; i++) {
		if (hf_weight(m, h, &src[i], g->w[i]))
			return -1;
	}
	return 0;
}

static int hf_layer(struct llm_model *m, struct hf_dir *h, int l,
		    enum llm_dtype dtype)
{
	const struct llm_config *c = &m->cfg;
	struct llm_layer *L = &m->layers[l];
	int kv_dim = c->dim / c->n_heads * c->n_kv_heads;
	struct hf_mat qkv[3], o[1], in[2], down[1];
	char n[LLM_ST_NAME_MAX];

#define NAME(suffix) (snprintf(n, sizeof(n), "model.layers.%d." suffix, l), n)
	if (!(L->attn_norm = hf_norm(m, h, NAME("input_layernorm.weight"), c->dim)) ||
	    !(L->ffn_norm = hf_norm(m, h, NAME("post_attention_layernorm.weight"), c->dim)) ||
	    hf_matrix(h, NAME("self_attn.q_proj.weight"), c->dim, c->dim, c->n_heads, &qkv[0]) ||
	    hf_matrix(h, NAME("self_attn.k_proj.weight"), kv_dim, c->dim, c->n_kv_heads, &qkv[1]) ||
	    hf_matrix(h, NAME("self_attn.v_proj.weight"), kv_dim, c->dim, 0, &qkv[2]) ||
	    hf_matrix(h, NAME("self_attn.o_proj.weight"), c->dim, c->dim, 0, &o[0]) ||
	    hf_matrix(h, NAME("mlp.gate_proj.weight"), c->hidden_dim, c->dim, 0, &in[0]) ||
	    hf_matrix(h, NAME("mlp.up_proj.weight"), c->hidden_dim, c->dim, 0, &in[1]) ||
	    hf_matrix(h, NAME("mlp.down_proj.weight"), c->dim, c->hidden_dim, 0, &down[0]))
		return -1;
#undef NAME
	return hf_set_group(m, h, &L->qkv, qkv, dtype) ||
	       hf_set_group(m, h, &L->attn_out, o, dtype) ||
	       hf_set_group(m, h, &L->ffn_in, in, dtype) ||
	       hf_set_group(m, h, &L->ffn_out, down, dtype) ? -1 : 0;
}

/* What no place in the model took: a stray tensor, or a stray scale. */
static int hf_check_unused(const struct hf_dir *h)
{
	static const char inv_freq[] = ".rotary_emb.inv_freq";

	for (int i = 0; i < h->n; i++) {
		const struct llm_st_tensor *t = &h->t[i];
		size_t len = strlen(t->name);

		if (t->used)
			continue;
		/* RoPE frequencies some exports carry: computed, not read */
		if (len > sizeof(inv_freq) - 1 &&
		    !strcmp(t->name + len - (sizeof(inv_freq) - 1), inv_freq))
			continue;
		llm_err("%s/%s: tensor %s is not part of a %s model",
			h->dir, h->shard_name[t->shard], t->name, h->info.arch);
		return -1;
	}
	return 0;
}

static int hf_classifier(struct llm_model *m, struct hf_dir *h,
			 enum llm_dtype dtype)
{
	const struct llm_config *c = &m->cfg;
	struct hf_mat w;

	m->tied_output = h->info.tied;
	if (h->info.tied) {	/* the embedding's storage, for the NPU too */
		m->output.type = m->embedding.type;
		m->output.data = m->embedding.data;
		m->output.raw = m->embedding.raw;
		return 0;
	}
	if (hf_matrix(h, "lm_head.weight", c->vocab_size, c->dim, 0, &w))
		return -1;
	return hf_set_group(m, h, &m->classifier, &w, dtype);
}

int llm_model_load_hf(struct llm_model *m, const char *dir,
		      enum llm_dtype dtype, int want_tokenizer)
{
	struct hf_dir h = { .dir = dir };

	memset(m, 0, sizeof(*m));
	m->format = "hf";
	if (llm_hf_config(dir, &m->cfg, &h.info) || hf_shards(&h) ||
	    hf_map_shards(&h) || hf_check_placement(&h) || hf_check_scales(&h) ||
	    llm_model_layout(m))
		goto fail;
	if (hf_embedding(m, &h))
		goto fail;
	m->output_norm = hf_norm(m, &h, "model.norm.weight", m->cfg.dim);
	if (!m->output_norm)
		goto fail;
	for (int l = 0; l < m->cfg.n_layers; l++) {
		if (hf_layer(m, &h, l, dtype))
			goto fail;
	}
	if (hf_classifier(m, &h, dtype) || hf_check_unused(&h))
		goto fail;
	if (want_tokenizer) {
		m->tokenizer = calloc(1, sizeof(*m->tokenizer));
		if (!m->tokenizer ||
		    llm_tokenizer_load_json(m->tokenizer, dir, m->cfg.vocab_size)) {
			free(m->tokenizer);
			m->tokenizer = NULL;
			goto fail;
		}
	}
	/* the shards stay mapped: their tensors are used in place */
	m->shards = calloc((size_t)h.n_shards, sizeof(*m->shards));
	if (!m->shards) {
		llm_err("out of memory");
		goto fail;
	}
	m->n_shards = h.n_shards;
	for (int i = 0; i < h.n_shards; i++) {
		m->shards[i] = (struct llm_mapping){ h.map[i], h.size[i] };
		h.map[i] = NULL;
	}
	hf_dir_free(&h);
	if (llm_model_finish(m)) {
		llm_model_free(m);
		return -1;
	}
	return 0;
fail:
	hf_dir_free(&h);
	llm_model_free(m);
	return -1;
}
