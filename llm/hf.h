/* SPDX-License-Identifier: MIT */
/*
 * Hugging Face model directories: config.json, safetensors shards (one
 * model.safetensors, or the shards a model.safetensors.index.json lists),
 * tokenizer.json and tokenizer_config.json.
 *
 *   safetensors.c   one shard: the JSON header checked, tensors mapped
 *   hf_model.c      config.json, the shards, names and shapes, F32, F16,
 *                   BF16 and F8_E4M3 with block scales to the model
 *   tokenizer_json.c  tokenizer.json's BPE (vocab, merges, byte fallback)
 */
#ifndef NPU_LLM_HF_H
#define NPU_LLM_HF_H

#include <stddef.h>
#include <stdint.h>

#include "llm.h"

struct json_object;

enum llm_st_dtype {
	LLM_ST_F32,
	LLM_ST_F16,
	LLM_ST_BF16,
	LLM_ST_F8_E4M3,
};

#define LLM_ST_MAX_DIMS	4
#define LLM_ST_NAME_MAX	128

/**
 * struct llm_st_tensor - one tensor of a safetensors file
 * @name: the key in the header
 * @dtype: its type
 * @ndim: dimensions, 0 (a scalar) to LLM_ST_MAX_DIMS
 * @shape: the dimensions, outermost first
 * @data: the first byte, inside the file's mapping
 * @bytes: its size
 * @shard: index of the file among the model's shards
 * @used: set by the loader once the tensor has a place in the model
 */
struct llm_st_tensor {
	char name[LLM_ST_NAME_MAX];
	enum llm_st_dtype dtype;
	int ndim;
	int64_t shape[LLM_ST_MAX_DIMS];
	const uint8_t *data;
	uint64_t bytes;
	int shard;
	int used;
};

const char *llm_st_dtype_name(enum llm_st_dtype t);
size_t llm_st_dtype_size(enum llm_st_dtype t);
/*
 * The header of a mapped safetensors file @map of @size bytes, named
 * @path in messages: every tensor appended to *@t (realloc()ed, *@n
 * entries).  0, or -1 with a message naming the file and the tensor.
 */
int llm_st_parse(const void *map, size_t size, const char *path, int shard,
		 struct llm_st_tensor **t, int *n);
/* Element i of a tensor as fp32 (F8_E4M3: the raw value, unscaled). */
float llm_st_get(const struct llm_st_tensor *t, size_t i);

/**
 * struct llm_hf_info - what config.json says beyond struct llm_config
 * @arch: "LlamaForCausalLM" or "MistralForCausalLM"
 * @tied: tie_word_embeddings
 * @fp8: quantization_config says fp8 (F8_E4M3 weights with scales)
 * @block: quantization_config.weight_block_size (rows, cols), 128 x 128
 */
struct llm_hf_info {
	char arch[64];
	int tied;
	int fp8;
	int block[2];
};

/* 1 if @path is a directory (a Hugging Face model), else 0 */
int llm_hf_detect(const char *path);
/* config.json of @dir; 0 or -1 (message) */
int llm_hf_config(const char *dir, struct llm_config *c, struct llm_hf_info *hi);
/*
 * The model of @dir.  @dtype: LLM_DTYPE_FP32 for the CPU reference: F16
 * and BF16 weights stay as stored, F32 and F8_E4M3 ones are fp32;
 * LLM_DTYPE_FP16 or LLM_DTYPE_INT8 converts the matmul weights group by
 * group for the NPU (one die), so no fp32 copy of them exists.
 * @want_tokenizer: tokenizer.json too.
 */
int llm_model_load_hf(struct llm_model *m, const char *dir,
		      enum llm_dtype dtype, int want_tokenizer);
/* A JSON file holding an object; NULL with a message (@optional: and
 * none if the file does not exist) */
struct json_object *llm_json_load(const char *path, int optional);

/*
 * Typed access to the members of a JSON object, so that a value of the
 * wrong kind (a null among them) is a message naming the file and the
 * key, never a NULL or a json-c assertion.
 */
enum llm_json_kind {
	LLM_JSON_STRING,
	LLM_JSON_INT,
	LLM_JSON_NUMBER,	/* an integer or a double */
	LLM_JSON_BOOL,
	LLM_JSON_ARRAY,
	LLM_JSON_OBJECT,
};
#define LLM_JSON_REQUIRED	1	/* absent: "no KEY" */
#define LLM_JSON_NULL_OK	2	/* null: as if absent (else of the wrong kind) */
/*
 * Member @key of @obj, of @kind, into *@v; absent (or null with
 * LLM_JSON_NULL_OK): *@v = NULL.  0, or -1 with "PATH: WHERE.KEY = VALUE:
 * expected ..." (@where: the object's own name in messages, e.g.
 * "quantization_config", or NULL at the top level).
 */
int llm_json_get(const char *path, const char *where, struct json_object *obj,
		 const char *key, enum llm_json_kind kind, int flags,
		 struct json_object **v);
/* The same for a string member: *@s its text, or NULL */
int llm_json_string(const char *path, const char *where, struct json_object *obj,
		    const char *key, int flags, const char **s);
/* 1 if @o (not NULL) is of @kind */
int llm_json_is(struct json_object *o, enum llm_json_kind kind);
/* "PATH: WHAT = VALUE: expected EXPECTED"; returns -1 */
int llm_json_wrong(const char *path, const char *what, struct json_object *o,
		   const char *expected);
/* "a string", "an integer", ... for messages */
const char *llm_json_kind_name(enum llm_json_kind kind);

/* tokenizer.json (and tokenizer_config.json) of @dir */
int llm_tokenizer_load_json(struct llm_tokenizer *t, const char *dir,
			    int vocab_size);

#endif /* NPU_LLM_HF_H */
