/* SPDX-License-Identifier: MIT */
/*
 * npu-llm: a small llama runner in the manner of llama2.c.
 *
 * The program is a handful of files, each one readable on its own:
 *
 *   model.c       the model in memory; llama2.c checkpoints (v0, v1, v2 int8),
 *                 dummy weights
 *   gguf.c        GGUF v3 llama files (F32, F16, Q8_0), their tokenizer, and
 *                 peer packages
 *   tokenizer.c   SentencePiece-style BPE: encode, decode, safe printing
 *   sampler.c     greedy, temperature, top-p; llama2.c's xorshift RNG
 *   forward.c     the transformer forward pass, the matmul hook, --verify
 *   backend_cpu.c the fp32 reference matmul
 *   backend_npu.c every matmul a libnpu GEMM plan
 *   quant.c       weights converted for the NPU (fp16, int8 + row scales)
 *   package.c     peer packages: one GGUF file per die, the writer
 *   util.c        messages, clock, file mapping, shared command-line parts
 *   npu-llm.c     command line, generate and chat loops, statistics
 *   npu-llm-pack.c  the converter: a model to a peer package
 *
 * The arithmetic is llama2.c's, operation for operation, so that the CPU
 * path reproduces its output bit for bit.
 *
 * Every matrix multiplication of the forward pass goes through one hook,
 * struct llm_backend, so an accelerator plugs in without touching the
 * model code.  See "Backends" below.
 */
#ifndef NPU_LLM_H
#define NPU_LLM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------------
 * Model
 */

/**
 * struct llm_config - hyperparameters of a llama model
 * @dim: width of the residual stream
 * @hidden_dim: width of the feed-forward layer
 * @n_layers: transformer blocks
 * @n_heads: query heads; head_size = dim / n_heads
 * @n_kv_heads: key/value heads (n_heads / n_kv_heads queries share one)
 * @vocab_size: tokens
 * @seq_len: context length the model was trained for
 * @norm_eps: RMSNorm epsilon (llama2.c: 1e-5)
 * @rope_theta: RoPE base (llama2.c: 10000)
 */
struct llm_config {
	int dim;
	int hidden_dim;
	int n_layers;
	int n_heads;
	int n_kv_heads;
	int vocab_size;
	int seq_len;
	float norm_eps;
	float rope_theta;
};

#define LLM_NAME_MAX	48

/* How a weight matrix is stored in memory (struct llm_weight). */
enum llm_weight_type {
	LLM_WEIGHT_F32,		/* @data */
	LLM_WEIGHT_F16,		/* @raw: IEEE half bit patterns */
	LLM_WEIGHT_Q8_0,	/* @raw: GGUF Q8_0 blocks, an F16 scale and 32 int8 */
	LLM_WEIGHT_Q8,		/* @raw: int8, @scale: one per @group values (llama2.c
				 * version 2); multiplied as llama2.c's runq does, x
				 * quantized to int8 in groups too */
	LLM_WEIGHT_BF16,	/* @raw: bfloat16 bit patterns (Hugging Face) */
};

/**
 * struct llm_weight - the matrix W of a linear layer out = W x
 * @name: GGUF-style name without ".weight", e.g. "blk.3.attn_q"
 * @rows: output features (length of out)
 * @cols: input features (length of x)
 * @type: how it is stored; the matrix is rows x cols, row-major (row i
 *        produces out[i]), whatever the type
 * @data: LLM_WEIGHT_F32: the values.  Owned by the model (or its file
 *        mapping), valid and unchanged until llm_model_free().
 * @raw: the other types: the values as stored (usually in the mapping)
 * @scale: LLM_WEIGHT_Q8: the scale of each group of @group values
 * @group: LLM_WEIGHT_Q8: values per scale (the export's group size)
 * @priv: free for the backend, e.g. the weights packed once at load
 *
 * llm_weight_row() gives any row as fp32, whatever the type.
 */
struct llm_weight {
	char name[LLM_NAME_MAX];
	int rows;
	int cols;
	enum llm_weight_type type;
	const float *data;
	const void *raw;
	const float *scale;
	int group;
	void *priv;
};

/* Row r of w as fp32 values (cols of them) */
void llm_weight_row(const struct llm_weight *w, int r, float *out);
/* The weight's storage is set (F32: data, else raw) */
int llm_weight_set(const struct llm_weight *w);
/* IEEE half to float */
float llm_fp16_to_fp32(uint16_t h);
/* bfloat16 (the upper half of a float's bits) to float */
float llm_bf16_to_fp32(uint16_t h);

#define LLM_GROUP_MAX	3
#define LLM_MAX_CORES	16
#define LLM_MAX_DIES	8

enum llm_dtype {
	LLM_DTYPE_FP32,		/* the CPU's */
	LLM_DTYPE_FP16,
	LLM_DTYPE_INT8,
};

/**
 * struct llm_packed - a group's weights as a peer package stores them:
 * converted for the NPU once, when the package was written, and cut by
 * rows over dies the way libnpu's npu_gemm_cut() cuts them
 * @dtype: LLM_DTYPE_FP16 (IEEE half bit patterns) or LLM_DTYPE_INT8
 * @dies: slices
 * @row0: first row of the group in each slice; @row0[@dies] = rows
 * @data: slice d: rows row0[d] .. row0[d+1]-1 of the stacked group,
 *        row-major, cols values each (uint16_t or int8_t)
 * @scale: int8: slice d's row scales s_r (w ~ s_r * q); NULL for fp16
 */
struct llm_packed {
	enum llm_dtype dtype;
	int dies;
	int row0[LLM_MAX_DIES + 1];
	const void *data[LLM_MAX_DIES];
	const float *scale[LLM_MAX_DIES];
};

/**
 * struct llm_group - weights applied to the same input vector
 * @name: e.g. "blk.3.qkv"
 * @n: weights in the group, 1 to LLM_GROUP_MAX
 * @cols: the common input size
 * @rows: the sum of the weights' rows (the height of a fused matrix)
 * @w: the weights, in order
 * @packed: the weights ready for the NPU, from a peer package; the
 *          weights' @data are NULL then (no fp32 copy exists)
 * @priv: free for the backend, e.g. one plan for all @rows
 *
 * Every matmul of the model is a group:
 *
 *   blk.N.qkv      attn_q, attn_k, attn_v   (x = attention rmsnorm output)
 *   blk.N.attn_out attn_output
 *   blk.N.ffn_in   ffn_gate (w1), ffn_up (w3)   (x = ffn rmsnorm output)
 *   blk.N.ffn_out  ffn_down (w2)
 *   output         the classifier (token_embd when tied)
 *
 * A backend may treat a group as one matrix of @rows rows (the weights
 * stacked in order) and run it with one submission.
 */
struct llm_group {
	char name[LLM_NAME_MAX];
	int n;
	int cols;
	int rows;
	struct llm_weight *w[LLM_GROUP_MAX];
	const struct llm_packed *packed;
	void *priv;
};

/**
 * struct llm_layer - one transformer block
 * @attn_norm, @ffn_norm: RMSNorm weights [dim]
 * @wq: [n_heads * head_size][dim], @wk, @wv: [n_kv_heads * head_size][dim],
 * @wo: [dim][dim], @w1 (gate), @w3 (up): [hidden][dim], @w2 (down): [dim][hidden]
 * @qkv, @attn_out, @ffn_in, @ffn_out: the groups the forward pass runs
 */
struct llm_layer {
	const float *attn_norm;
	const float *ffn_norm;
	struct llm_weight wq, wk, wv, wo;
	struct llm_weight w1, w2, w3;
	struct llm_group qkv, attn_out, ffn_in, ffn_out;
};

struct llm_tokenizer;

/* A file mapped read-only by llm_map_file() */
struct llm_mapping {
	void *addr;
	size_t size;
};

/**
 * struct llm_model - a model in memory
 * @cfg: hyperparameters
 * @format: "llama2.c", "gguf", "dummy", "package" or "hf", for messages
 * @token_embd: [vocab][dim] fp32, or NULL when @embedding is compact
 * @embedding: the token embedding as a weight [vocab][dim] (any type);
 *             llm_model_finish() makes it @token_embd when a loader set
 *             only that
 * @output_norm: [dim]
 * @output: the classifier [vocab][dim]
 * @tied_output: @output shares the embedding's storage
 * @classifier: the group of @output
 * @layers: [n_layers]
 * @groups: every group, in the order the forward pass runs them
 * @n_groups: length of @groups
 * @tokenizer: the tokenizer stored in the model file (GGUF), or NULL
 * @packed_dies: a peer package: the dies its matmul weights are cut for
 *               (every group has @packed); 0 for any other model
 * @packed_dtype: a peer package: the type they were converted to
 *
 * The rest is storage: the file mapping (a package: die 0's; the other
 * dies' files in @die_map; a Hugging Face directory: its safetensors
 * files in @shards) and the buffers of converted weights.
 */
struct llm_model {
	struct llm_config cfg;
	const char *format;
	const float *token_embd;
	struct llm_weight embedding;
	const float *output_norm;
	struct llm_weight output;
	int tied_output;
	struct llm_group classifier;
	struct llm_layer *layers;
	struct llm_group **groups;
	int n_groups;
	struct llm_tokenizer *tokenizer;
	int packed_dies;
	enum llm_dtype packed_dtype;

	void *map;
	size_t map_size;
	void *die_map[LLM_MAX_DIES];
	size_t die_map_size[LLM_MAX_DIES];
	struct llm_mapping *shards;
	int n_shards;
	void **owned;
	int n_owned;
};

enum llm_format {
	LLM_FORMAT_AUTO,	/* by the file's first bytes */
	LLM_FORMAT_LLAMA2C,
	LLM_FORMAT_GGUF,
	LLM_FORMAT_DUMMY,
};

/*
 * Loaders check everything and print what is wrong, naming the file,
 * the tensor or the offset, on stderr.  0 on success, -1 on error; on
 * error the model holds nothing.
 */
int llm_model_load(struct llm_model *m, const char *path, enum llm_format fmt,
		   int want_tokenizer);
int llm_model_load_llama2c(struct llm_model *m, const char *path);
int llm_model_load_gguf(struct llm_model *m, const char *path,
			int want_tokenizer);
int llm_model_dummy(struct llm_model *m, const struct llm_config *cfg,
		    int shared_classifier);
void llm_model_free(struct llm_model *m);

/*
 * After a device backend packed every group: the storage of the matmul
 * weights goes back to the system (pages of a file mapping or of the
 * model's buffers), and with @embedding the token embedding too (a tied
 * classifier's rows are then read from the backend, struct llm_backend
 * get_row).  The weights' pointers become NULL: nothing may read them
 * again, so not with the CPU reference (--verify, --compare on the same
 * model).  Returns the bytes given back.
 */
size_t llm_model_drop_weights(struct llm_model *m, int embedding);
/* The bytes of weights the CPU still holds: norms, embedding, unpacked */
size_t llm_model_cpu_weight_bytes(const struct llm_model *m);

/* Internal to the loaders (model.c, gguf.c). */
int llm_config_check(const struct llm_config *c, const char *what);
int llm_model_layout(struct llm_model *m);
int llm_model_finish(struct llm_model *m);
float *llm_model_alloc(struct llm_model *m, size_t n_floats);
int llm_map_file(const char *path, void **map, size_t *size);

/* ------------------------------------------------------------------------
 * Backends: the matmul hook
 *
 * The forward pass never multiplies a matrix itself; it calls
 * backend->matmul() with a group.  A backend:
 *
 *  1. is set up by its constructor (llm_backend_cpu(), later
 *     llm_backend_npu()), which fills in struct llm_backend;
 *  2. gets prepare() once per group of the model, after loading and
 *     before the first token: the place to convert and pack the weights
 *     (fp16, int8), plan the GEMMs and upload them, once;
 *  3. gets matmul() for every group, every token: for i in 0..g->n-1,
 *     out[i][r] = sum_c g->w[i]->data[r * cols + c] * x[c], r < w[i]->rows.
 *     x and out[] never overlap; out[i] are distinct.  Returns 0, or a
 *     negative errno: generation stops with an error (there is no
 *     silent fallback to the CPU);
 *  4. reports its counters in get_stats() (NULL: none, e.g. the CPU);
 *  5. is torn down by destroy(), which frees what prepare() made.
 *
 * The CPU backend computes llama2.c's matmul: one float accumulator per
 * row, columns in natural order.
 */

/**
 * struct llm_die_stats - one NPU die's share, from its fdinfo
 * @node: the device node, e.g. "/dev/accel/accel0"
 * @cores: cores of the die
 * @core_busy_ns: busy time of each core since the backend opened the die
 * @busy_ns: the sum of @core_busy_ns
 * @weight_bytes: device memory of the packed weights on this die
 * @mem_total: device memory the process holds on the die
 *             (drm-total-memory)
 * @mem_resident: of which resident (drm-resident-memory)
 */
struct llm_die_stats {
	const char *node;
	int cores;
	uint64_t core_busy_ns[LLM_MAX_CORES];
	uint64_t busy_ns;
	uint64_t weight_bytes;
	uint64_t mem_total;
	uint64_t mem_resident;
};

/**
 * struct llm_backend_stats - what a device backend counts, since prepare()
 * @device: 1 when the figures below mean something (0 on the CPU)
 * @dies: dies used, @die[0 .. dies - 1]
 * @die: per die
 * @submits: submissions (SUBMIT ioctls), all dies
 * @jobs: jobs queued, all dies
 * @waits: JOB_WAIT ioctls, all dies
 * @busy_ns: device busy time, all cores of all dies (the kernel's fdinfo)
 * @pack_ns: CPU time converting and packing inputs
 * @submit_ns: time in the submit ioctls
 * @wait_ns: time the CPU waited for the device
 * @unpack_ns: CPU time unpacking and scaling outputs
 * @device_ns: per GEMM and die, its longest job, summed over GEMMs and
 *             dies: what the cores needed, dies that ran at the same time
 *             counted each
 * @device_wall_ns: of @wait_ns and @submit_ns, the wall time during which
 *                  some core ran a job of the GEMM (dies that ran at the
 *                  same time counted once): the rest is driver overhead
 * @weight_bytes: device memory of the packed weights, all dies
 * @act_in_bytes: bytes of converted activations written for the device
 * @act_out_bytes: bytes of results read back from the device
 */
struct llm_backend_stats {
	int device;
	int dies;
	struct llm_die_stats die[LLM_MAX_DIES];
	uint64_t submits;
	uint64_t jobs;
	uint64_t waits;
	uint64_t busy_ns;
	uint64_t pack_ns;
	uint64_t submit_ns;
	uint64_t wait_ns;
	uint64_t unpack_ns;
	uint64_t device_ns;
	uint64_t device_wall_ns;
	uint64_t weight_bytes;
	uint64_t act_in_bytes;
	uint64_t act_out_bytes;
};

/**
 * struct llm_backend - the matmul hook
 * @name: "cpu", "npu"
 * @dtype: the precision it multiplies in
 * @ctx: the backend's own state, passed to every call
 * @prepare: once per group before the first matmul; may be NULL
 * @matmul: out[i] = g->w[i] x for every weight of the group
 * @get_stats: fill in the counters; may be NULL
 * @destroy: release everything; may be NULL
 * @get_row: row @row of the group's stacked weights as the backend holds
 *           them (converted: fp16, int8 times its row scale), in fp32
 *           [cols]; for a token embedding that is its tied classifier,
 *           so that the host keeps no copy.  0 or a negative errno; may
 *           be NULL
 */
struct llm_backend {
	const char *name;
	enum llm_dtype dtype;
	void *ctx;
	int (*prepare)(void *ctx, struct llm_group *g);
	int (*matmul)(void *ctx, const struct llm_group *g, const float *x,
		      float *const out[]);
	void (*get_stats)(void *ctx, struct llm_backend_stats *st);
	void (*destroy)(void *ctx);
	int (*get_row)(void *ctx, const struct llm_group *g, int row,
		       float *out);
};

int llm_backend_cpu(struct llm_backend *b);
/*
 * The NPU: die @index of libnpu, every matmul a GEMM plan in @dtype
 * (fp16 or int8) over @cores cores of each die (0: all).  With @dies > 1,
 * the first @dies dies of the chip die @index is on (libnpu's "package";
 * in npu-llm a package is a peer package), each matrix split by rows
 * over them (peer mode).  Prints why on failure.
 */
int llm_backend_npu(struct llm_backend *b, unsigned int index,
		    enum llm_dtype dtype, int cores, int dies);
/* the fp32 reference: out = W x, W [d][n] */
void llm_matmul_ref(float *out, const float *x, const float *w, int n, int d);
/* the same for a weight of any type, expanded a row at a time (row: [cols]) */
void llm_matmul_weight(float *out, const float *x, const struct llm_weight *w,
		       float *row);
/*
 * quant.c: rows r0 .. r1 - 1 of a group's stacked weights converted for
 * the NPU (fp16; int8 with one scale per row).  0, or -ERANGE with a
 * message for a value the type cannot hold.
 */
int llm_quant_fp16(const struct llm_group *g, int r0, int r1, uint16_t *b);
int llm_quant_int8(const struct llm_group *g, int r0, int r1, int8_t *b,
		   float *scale);

/* ------------------------------------------------------------------------
 * Forward pass
 */

/**
 * struct llm_run_stats - what the forward pass counts
 * @forwards: tokens run through the model
 * @matmuls: backend->matmul() calls
 * @weights: weights multiplied (a qkv group counts 3)
 * @flops: 2 * rows * cols summed over the weights
 * @matmul_ns: wall time inside backend->matmul()
 * @verified: matmuls compared against the CPU reference (--verify)
 * @max_abs_err: largest |out - ref|
 * @max_rel_err: largest |out - ref| / max |ref| of one output vector
 */
struct llm_run_stats {
	uint64_t forwards;
	uint64_t matmuls;
	uint64_t weights;
	uint64_t flops;
	uint64_t matmul_ns;
	uint64_t verified;
	double max_abs_err;
	double max_rel_err;
};

/**
 * struct llm_run - a model, a backend and the activations of one sequence
 * @n_ctx: positions the KV cache holds
 * @x, @xb, @xb2: [dim] activations; @hb, @hb2: [hidden_dim]; @q: [dim]
 * @key_cache, @value_cache: [n_layers][n_ctx][kv_dim]
 * @att: [n_heads][n_ctx] attention scores
 * @logits: [vocab_size]
 * @verify: compare every matmul with the CPU reference
 * @ref, @ref_row: scratch for --verify
 */
struct llm_run {
	const struct llm_model *model;
	struct llm_backend *backend;
	int n_ctx;
	float *x, *xb, *xb2, *hb, *hb2, *q;
	float *key_cache, *value_cache;
	float *att;
	float *logits;
	int verify;
	float *ref, *ref_row;
	struct llm_run_stats stats;
};

/* x = exp(x - max) / sum, in place; llama2.c's */
void llm_softmax(float *x, int n);
int llm_run_init(struct llm_run *r, const struct llm_model *m,
		 struct llm_backend *b, int n_ctx, int verify);
void llm_run_free(struct llm_run *r);
/* Runs token at pos (0 <= pos < n_ctx); the logits, or NULL on a backend error. */
float *llm_forward(struct llm_run *r, int token, int pos);

/* ------------------------------------------------------------------------
 * Tokenizer
 */

struct llm_token_index {
	const char *str;
	int id;
};

/**
 * struct llm_tokenizer - a SentencePiece-style BPE vocabulary
 * @vocab_size: tokens
 * @vocab: token strings, NUL-terminated, with ' ' for SentencePiece's U+2581
 * @scores: merge priority, higher merges first
 * @max_token_length: longest token string, bytes
 * @bos_id, @eos_id, @unk_id: special tokens
 * @byte_token: token of "<0xXX>" for each byte, -1 if the vocab has none
 * @byte_of: for each token, the byte of a "<0xXX>" token, else -1
 * @sorted: the vocab sorted by string, for lookups
 * @byte_pieces: the 256 one-byte strings a byte token decodes to
 * @no_bos: the text is encoded without BOS (tokenizer_config.json's
 *          add_bos_token false)
 */
struct llm_tokenizer {
	int vocab_size;
	char **vocab;
	float *scores;
	int max_token_length;
	int bos_id, eos_id, unk_id;
	int byte_token[256];
	int *byte_of;
	struct llm_token_index *sorted;
	char byte_pieces[512];
	int no_bos;
};

int llm_tokenizer_load(struct llm_tokenizer *t, const char *path, int vocab_size);
/* A tokenizer.bin image in memory; @what names it in messages. */
int llm_tokenizer_parse(struct llm_tokenizer *t, const void *data, size_t size,
			const char *what, int vocab_size, int bos_id,
			int eos_id, int unk_id);
int llm_tokenizer_bytes(struct llm_tokenizer *t, int vocab_size);
int llm_tokenizer_init(struct llm_tokenizer *t, char **vocab, float *scores,
		       int vocab_size, int bos_id, int eos_id, int unk_id);
void llm_tokenizer_free(struct llm_tokenizer *t);
/* tokens needs room for strlen(text) + 3 */
int llm_encode(const struct llm_tokenizer *t, const char *text, int bos,
	       int eos, int *tokens, int *n_tokens);
const char *llm_decode(const struct llm_tokenizer *t, int prev_token, int token);
void llm_safe_print(const char *piece);

/* ------------------------------------------------------------------------
 * Sampler
 */

struct llm_prob_index {
	float prob;
	int index;
};

struct llm_sampler {
	int vocab_size;
	float temperature;
	float topp;
	uint64_t rng_state;
	struct llm_prob_index *probindex;
};

int llm_sampler_init(struct llm_sampler *s, int vocab_size, float temperature,
		     float topp, uint64_t seed);
void llm_sampler_free(struct llm_sampler *s);
int llm_sample(struct llm_sampler *s, float *logits);
/* the first index of the largest of n values: greedy sampling */
int llm_argmax(const float *p, int n);
uint32_t llm_random_u32(uint64_t *state);
float llm_random_f32(uint64_t *state);

/* ------------------------------------------------------------------------
 * Peer packages
 *
 * A model converted for the NPU once and cut by rows over N dies: one
 * GGUF file per die, <prefix>-d0.gguf .. <prefix>-d<N-1>.gguf, with npu.*
 * metadata and the die's slices.  Documentation/npu/peer-package.rst has
 * the format; npu-llm-pack writes packages (package.c), gguf.c reads them
 * (llm_model_load_gguf(): the model's packed_dies is then set).
 */

/**
 * struct llm_pack_options - what npu-llm-pack writes
 * @prefix: <prefix>-d<N>.gguf
 * @dies: files, 1 to LLM_MAX_DIES
 * @dtype: LLM_DTYPE_FP16 or LLM_DTYPE_INT8
 * @source: the model file, named in the metadata
 * @progress: print a line per tensor on stderr
 */
struct llm_pack_options {
	const char *prefix;
	int dies;
	enum llm_dtype dtype;
	const char *source;
	int progress;
};

/**
 * struct llm_package_tensor - one tensor of a die's file
 * @name: its GGUF name
 * @type: GGML type: 0 F32, 1 F16, 24 I8
 * @ne0, @ne1: GGUF shape (columns, rows)
 * @bytes: its size
 * @offset: in the file's tensor data (the writer's)
 * @f32: a tensor every die holds whole: the model's pointer to it; or NULL
 * @group: else the index of the group whose slice it is
 * @scale: the slice's int8 row scales
 */
struct llm_package_tensor {
	char name[LLM_NAME_MAX + 16];
	uint32_t type;
	uint64_t ne0, ne1, bytes, offset;
	const float **f32;
	int group;
	int scale;
};

/* Whether every group of @m can be cut over @dies dies; -1 (message) if not */
int llm_package_check_cut(const struct llm_model *m, int dies);
/*
 * The tensors of die @die's file in file order, for a model laid out by
 * llm_model_layout(); @cut: row0 of every die and the end, (dies + 1)
 * per group, as npu_gemm_cut() gives them.  malloc()ed; NULL (message).
 */
struct llm_package_tensor *llm_package_tensors(struct llm_model *m, int dies,
					       int die, enum llm_dtype dtype,
					       const uint32_t *cut, int *n);
int llm_package_write(const struct llm_model *m, const struct llm_tokenizer *tok,
		      const struct llm_pack_options *o);
/* A fast 64-bit hash (not cryptographic): the packages' data hashes */
uint64_t llm_hash64(const void *data, size_t n, uint64_t seed);

/* ------------------------------------------------------------------------
 * Utilities
 */

/* The message, the program's usage on stderr, exit status 1 */
void llm_usage_error(void (*usage)(FILE *f), const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* "fp16", "int8" or "fp32" */
const char *llm_dtype_name(enum llm_dtype d);
/* --dtype fp16|int8; -1 for anything else */
int llm_parse_dtype(const char *s, enum llm_dtype *d);
/* --load-format auto|llama2c|gguf (|dummy if dummy_ok); -1 for anything else */
int llm_parse_format(const char *s, int dummy_ok, enum llm_format *f);
/*
 * The tokenizer a model runs with: -z @path, else the model file's own,
 * else llama2.c's default tokenizer.bin (loaded into @own).  NULL with a
 * message if it cannot be read.
 */
struct llm_tokenizer *llm_model_tokenizer(struct llm_model *m, const char *path,
					  struct llm_tokenizer *own);

/* the program named in front of every message, "npu-llm" by default */
extern const char *llm_program;
/*
 * Set: llm_err() and llm_verr() print nothing.  For the tests that
 * provoke messages by the thousand; unlike sending stderr elsewhere, a
 * sanitizer's report still reaches it.
 */
extern int llm_messages_off;
void llm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void llm_verr(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
uint64_t llm_now_ns(void);
/*
 * Command lines: argv[*i] is an option that takes a value, as "-x value",
 * "--flag value" or "--flag=value", if it is one of the n names in
 * with_value.  Then its name goes to flag (size bytes), *val points to
 * its value, *i moves past a separate value and the result is 0; -1 for
 * an option not in the list, -2 for a missing value.
 */
int llm_option_value(int argc, char **argv, int *i,
		     const char *const *with_value, size_t n, char *flag,
		     size_t size, const char **val);

#endif /* NPU_LLM_H */
