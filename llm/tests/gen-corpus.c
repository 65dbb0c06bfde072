// SPDX-License-Identifier: MIT
/*
 * gen-corpus: broken inputs for npu-llm, every one of which must be
 * refused with a message (check-corpus.sh runs them, under
 * AddressSanitizer and UBSan in the sanitizer build).
 *
 *   gen-corpus <dir>
 *
 * Writes the test models of testmodel.h into <dir>, then in <dir>/case
 * the broken copies: truncations, edited header fields (GGUF: version,
 * counts, key lengths, value types, array lengths, tensor dimensions,
 * types and offsets; llama2.c: each config field; tokenizer: lengths),
 * NaN or Inf written into a weight (F32, F16, a Q8_0 block's scale), and
 * the same for each die's file of a 2-die int8 peer package.
 * With --hf DIR (a two-shard directory of gen-hf's), instead: the
 * first shard's safetensors header broken (its size field, truncated
 * or invalid JSON, overlapping, out-of-bounds or malformed offsets,
 * shapes and dtypes, the file truncated), each case a directory.
 * Prints one line per case on stdout: "<name> <model> [<tokenizer>]".
 * Deterministic: the picks come from a fixed seed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../llm.h"
#include "testmodel.h"

static const char *dir;
/* the arguments of a case: before and after its file's path */
static char args_pre[512], args_post[512];
static uint64_t rng = 0x00c0ffee12345678ull;
static int n_cases;

/* snprintf; case names are cut at the buffer's size */
static void fmt(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 32) % n;
}

struct file {
	unsigned char *p;
	size_t size;
};

static int slurp(const char *path, struct file *f)
{
	FILE *fp = fopen(path, "rb");
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET)) {
		perror(path);
		if (fp)
			fclose(fp);
		return -1;
	}
	f->size = (size_t)n;
	f->p = malloc(f->size ? f->size : 1);
	if (!f->p || fread(f->p, 1, f->size, fp) != f->size) {
		perror(path);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/*
 * A peer package's cases: the broken file is die pkg_die's, the other
 * die's file (pkg_other) is copied beside it unchanged.
 */
static int pkg_die = -1;
static const struct file *pkg_other;

static int write_file(const char *path, const unsigned char *p, size_t size)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(p, 1, size, fp) != size || fclose(fp)) {
		perror(path);
		return -1;
	}
	return 0;
}

/* Writes case <name>.<ext> from p's first size bytes; prints its line. */
static int emit(const char *name, const char *ext, const unsigned char *p,
		size_t size)
{
	char path[1024], other[1024];

	if (pkg_die < 0) {
		fmt(path, sizeof(path), "%s/case/%03d-%s.%s", dir, n_cases, name, ext);
		if (write_file(path, p, size))
			return -1;
	} else {
		fmt(path, sizeof(path), "%s/case/%03d-%s-d%d.gguf", dir, n_cases,
		    name, pkg_die);
		fmt(other, sizeof(other), "%s/case/%03d-%s-d%d.gguf", dir, n_cases,
		    name, 1 - pkg_die);
		if (write_file(path, p, size) ||
		    write_file(other, pkg_other->p, pkg_other->size))
			return -1;
		fmt(path, sizeof(path), "%s/case/%03d-%s-d0.gguf", dir, n_cases, name);
	}
	printf("%03d-%s %s%s%s\n", n_cases++, name, args_pre, path, args_post);
	return 0;
}

/* A copy of f with size bytes at off replaced by the value v (little-endian). */
static int emit_edit(const char *name, const char *ext, const struct file *f,
		     size_t off, uint64_t v, int size)
{
	unsigned char *c = malloc(f->size);
	int ret;

	if (!c || off + (size_t)size > f->size) {
		fprintf(stderr, "gen-corpus: %s: edit at %zu out of the file\n", name, off);
		free(c);
		return -1;
	}
	memcpy(c, f->p, f->size);
	for (int i = 0; i < size; i++)
		c[off + (size_t)i] = (unsigned char)(v >> (8 * i));
	ret = emit(name, ext, c, f->size);
	free(c);
	return ret;
}

static uint64_t get(const struct file *f, size_t off, int size)
{
	uint64_t v = 0;

	for (int i = size - 1; i >= 0; i--)
		v = v << 8 | f->p[off + (size_t)i];
	return v;
}

/* Truncations: the first bytes, then n more at random offsets. */
static int truncations(const char *name, const char *ext, const struct file *f,
		       int n)
{
	static const size_t fixed[] = { 0, 1, 3, 4, 7, 8, 16, 23, 24, 27 };
	char nm[128];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		fmt(nm, sizeof(nm), "%s-trunc%zu", name, fixed[i]);
		if (emit(nm, ext, f->p, fixed[i]))
			return -1;
	}
	for (int i = 0; i < n; i++) {
		/* half in the first 4 KiB (headers, metadata), half anywhere */
		size_t at = rnd((uint32_t)(i % 2 && f->size > 4096 ? 4096 : f->size - 1));

		fmt(nm, sizeof(nm), "%s-trunc%zu", name, at);
		if (emit(nm, ext, f->p, at))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * GGUF: where the fields are
 */

#define MAX_KV	64
#define MAX_T	64

struct gguf_map {
	uint64_t n_kv, n_t;
	size_t kv_key[MAX_KV], kv_type[MAX_KV], kv_val[MAX_KV];
	uint32_t kv_t[MAX_KV];
	size_t t_ndims[MAX_T], t_ne[MAX_T], t_type[MAX_T], t_off[MAX_T];
	char t_name[MAX_T][64];
	size_t data_start;
};

static size_t scalar_size(uint32_t type)
{
	static const size_t sz[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };

	return type < 13 ? sz[type] : 0;
}

static int map_gguf(const struct file *f, struct gguf_map *g)
{
	size_t at = 24;

	g->n_t = get(f, 8, 8);
	g->n_kv = get(f, 16, 8);
	if (g->n_kv > MAX_KV || g->n_t > MAX_T)
		return -1;
	for (uint64_t i = 0; i < g->n_kv; i++) {
		uint32_t type;

		g->kv_key[i] = at;
		at += 8 + get(f, at, 8);
		g->kv_type[i] = at;
		type = g->kv_t[i] = (uint32_t)get(f, at, 4);
		at += 4;
		g->kv_val[i] = at;
		if (type == 8) {
			at += 8 + get(f, at, 8);
		} else if (type == 9) {
			uint32_t et = (uint32_t)get(f, at, 4);
			uint64_t n = get(f, at + 4, 8);

			at += 12;
			for (uint64_t k = 0; k < n; k++)
				at += et == 8 ? 8 + get(f, at, 8) : scalar_size(et);
		} else {
			at += scalar_size(type);
		}
	}
	for (uint64_t i = 0; i < g->n_t; i++) {
		uint64_t len = get(f, at, 8);
		uint32_t nd;

		fmt(g->t_name[i], sizeof(g->t_name[i]), "%.*s",
			 (int)len, (const char *)f->p + at + 8);
		at += 8 + len;
		g->t_ndims[i] = at;
		nd = (uint32_t)get(f, at, 4);
		at += 4;
		g->t_ne[i] = at;
		at += 8 * nd;
		g->t_type[i] = at;
		at += 4;
		g->t_off[i] = at;
		at += 8;
	}
	g->data_start = (at + 31) / 32 * 32;
	return at <= f->size ? 0 : -1;
}

static int gguf_cases(const char *name, const struct file *f)
{
	int light = pkg_die >= 0;	/* a package's files: fewer of each */
	struct gguf_map g;
	char nm[256];
	int err = 0;

	if (map_gguf(f, &g)) {
		fprintf(stderr, "gen-corpus: %s: cannot map the test GGUF\n", name);
		return -1;
	}
	err |= truncations(name, "gguf", f, light ? 4 : 12);

#define EDIT(what, off, v, size) do { \
		fmt(nm, sizeof(nm), "%s-%s", name, what); \
		err |= emit_edit(nm, "gguf", f, off, v, size); \
	} while (0)
	EDIT("version0", 4, 0, 4);
	EDIT("version1", 4, 1, 4);
	EDIT("version4", 4, 4, 4);
	EDIT("version-max", 4, 0xffffffffu, 4);
	EDIT("no-tensors", 8, 0, 8);
	EDIT("tensors-1", 8, g.n_t - 1, 8);
	EDIT("tensors+1", 8, g.n_t + 1, 8);
	EDIT("tensors-huge", 8, 1ull << 62, 8);
	EDIT("no-kv", 16, 0, 8);
	EDIT("kv-1", 16, g.n_kv - 1, 8);
	EDIT("kv+1", 16, g.n_kv + 1, 8);
	EDIT("kv-huge", 16, 1ull << 62, 8);
	for (int k = 0; k < (light ? 1 : 3); k++) {
		uint64_t i = rnd((uint32_t)g.n_kv);
		char w[64];

		fmt(w, sizeof(w), "kv%llu-keylen0", (unsigned long long)i);
		EDIT(w, g.kv_key[i], 0, 8);
		fmt(w, sizeof(w), "kv%llu-keylen-huge", (unsigned long long)i);
		EDIT(w, g.kv_key[i], 1ull << 40, 8);
		fmt(w, sizeof(w), "kv%llu-type13", (unsigned long long)i);
		EDIT(w, g.kv_type[i], 13, 4);
		fmt(w, sizeof(w), "kv%llu-type-max", (unsigned long long)i);
		EDIT(w, g.kv_type[i], 0xffffffffu, 4);
	}
	for (uint64_t i = 0; i < g.n_kv; i++) {
		uint64_t n;
		char w[64];

		if (g.kv_t[i] != 9)
			continue;
		n = get(f, g.kv_val[i] + 4, 8);
		fmt(w, sizeof(w), "kv%llu-array-1", (unsigned long long)i);
		EDIT(w, g.kv_val[i] + 4, n - 1, 8);
		fmt(w, sizeof(w), "kv%llu-array-huge", (unsigned long long)i);
		EDIT(w, g.kv_val[i] + 4, 1ull << 61, 8);
		fmt(w, sizeof(w), "kv%llu-array-type13", (unsigned long long)i);
		EDIT(w, g.kv_val[i], 13, 4);
	}
	for (int k = 0; k < (light ? 2 : 4); k++) {
		uint64_t i = 1 + rnd((uint32_t)g.n_t - 1);
		uint64_t ne0 = get(f, g.t_ne[i], 8), off = get(f, g.t_off[i], 8);
		uint64_t prev = get(f, g.t_off[i - 1], 8);
		char w[96];

#define TEDIT(what, at, v, size) do { \
		fmt(w, sizeof(w), "%s-%s", g.t_name[i], what); \
		EDIT(w, at, v, size); \
	} while (0)
		TEDIT("ndims0", g.t_ndims[i], 0, 4);
		TEDIT("ndims5", g.t_ndims[i], 5, 4);
		TEDIT("ne0-0", g.t_ne[i], 0, 8);
		TEDIT("ne0+32", g.t_ne[i], ne0 + 32, 8);
		TEDIT("ne0-huge", g.t_ne[i], 1ull << 62, 8);
		TEDIT("type-q4_0", g.t_type[i], 2, 4);
		TEDIT("type99", g.t_type[i], 99, 4);
		TEDIT("misaligned", g.t_off[i], off + 1, 8);
		TEDIT("overlap", g.t_off[i], prev, 8);
		TEDIT("offset-huge", g.t_off[i], 1ull << 50, 8);
#undef TEDIT
	}

	/* NaN or Inf in a weight: any tensor but the embedding */
	for (int k = 0; k < (light ? 2 : 8); k++) {
		uint64_t i = 1 + rnd((uint32_t)g.n_t - 1);
		uint32_t type = (uint32_t)get(f, g.t_type[i], 4);
		uint64_t ne = get(f, g.t_ne[i], 8);
		size_t at = g.data_start + get(f, g.t_off[i], 8);
		int inf = k % 2;
		char w[96];

		if (get(f, g.t_ndims[i], 4) > 1)
			ne *= get(f, g.t_ne[i] + 8, 8);
		fmt(w, sizeof(w), "%s-%s", g.t_name[i], inf ? "inf" : "nan");
		if (type == 0)		/* F32 */
			EDIT(w, at + 4 * rnd((uint32_t)ne), inf ? 0x7f800000u : 0x7fc00000u, 4);
		else if (type == 1)	/* F16 */
			EDIT(w, at + 2 * rnd((uint32_t)ne), inf ? 0x7c00 : 0x7e00, 2);
		else if (type == 8)	/* Q8_0: the F16 scale of a block of 32 */
			EDIT(w, at + 34 * rnd((uint32_t)(ne / 32)), inf ? 0x7c00 : 0x7e00, 2);
	}
#undef EDIT
	return err;
}

/* ------------------------------------------------------------------------
 * llama2.c checkpoints and tokenizers
 */

static int bin_cases(const struct file *f, const char *tok)
{
	static const char *const fields[] = {
		"dim", "hidden", "layers", "heads", "kv_heads", "vocab", "seq",
	};
	char nm[128];
	int err = 0;
	/* dim 64, vocab 300, seq 64, 4 heads: where the norms and matrices are */
	size_t w0 = 28 + 4 * (size_t)300 * 64, w1 = f->size - 4 * (size_t)64 * 64 / 4;

	fmt(args_pre, sizeof(args_pre), "%s", "");
	fmt(args_post, sizeof(args_post), " %s", tok);
	err |= truncations("bin", "bin", f, 30);
	for (int i = 0; i < 7; i++) {
		int32_t v = (int32_t)get(f, 4 * (size_t)i, 4);
		const int32_t edits[] = { 0, -1, v + 1, INT32_MAX, INT32_MIN };

		for (int k = 0; k < 5; k++) {
			fmt(nm, sizeof(nm), "bin-%s=%d", fields[i], edits[k]);
			err |= emit_edit(nm, "bin", f, 4 * (size_t)i,
					 (uint32_t)edits[k], 4);
		}
	}
	/* llama2.c's newer exports: "ak42" and a version */
	for (int v = 1; v <= 3; v++) {
		unsigned char *c = malloc(f->size + 8);

		if (!c)
			return -1;
		memcpy(c, "24ka", 4);
		c[4] = (unsigned char)v;
		c[5] = c[6] = c[7] = 0;
		memcpy(c + 8, f->p, f->size);
		fmt(nm, sizeof(nm), "bin-ak42-v%d", v);
		err |= emit(nm, "bin", c, f->size + 8);
		free(c);
	}
	for (int k = 0; k < 10; k++) {
		size_t at = w0 + 4 * rnd((uint32_t)((w1 - w0) / 4));

		fmt(nm, sizeof(nm), "bin-%s@%zu", k % 2 ? "inf" : "nan", at);
		err |= emit_edit(nm, "bin", f, at, k % 2 ? 0xff800000u : 0x7fc00000u,
				 4);
	}
	return err;
}

static int tok_cases(const struct file *f, const char *bin)
{
	char nm[128];
	int err = 0;

	fmt(args_pre, sizeof(args_pre), "%s ", bin);
	fmt(args_post, sizeof(args_post), "%s", "");
	err |= truncations("tok", "tok", f, 16);
	err |= emit_edit("tok-maxlen0", "tok", f, 0, 0, 4);
	err |= emit_edit("tok-maxlen-1", "tok", f, 0, 0xffffffffu, 4);
	err |= emit_edit("tok-maxlen-huge", "tok", f, 0, 1u << 17, 4);
	/* token lengths: the first token's and a few later ones' */
	for (int k = 0, at = 4; k < 40 && (size_t)at + 8 <= f->size; k++) {
		int32_t len = (int32_t)get(f, (size_t)at + 4, 4);

		if (k % 8 == 0) {
			fmt(nm, sizeof(nm), "tok%d-len-1", k);
			err |= emit_edit(nm, "tok", f, (size_t)at + 4, 0xffffffffu, 4);
			fmt(nm, sizeof(nm), "tok%d-len+1", k);
			err |= emit_edit(nm, "tok", f, (size_t)at + 4, (uint32_t)len + 1, 4);
			fmt(nm, sizeof(nm), "tok%d-len-huge", k);
			err |= emit_edit(nm, "tok", f, (size_t)at + 4, 1u << 30, 4);
		}
		at += 8 + len;
	}
	return err;
}

/*
 * A peer package of the llama2.c model, 2 dies, int8: each die's file
 * truncated and its GGUF fields edited, the other die's file intact.
 */
static int package_cases(const char *bin, const char *tok_path)
{
	struct llm_pack_options o = { .dies = 2, .dtype = LLM_DTYPE_INT8, .source = bin };
	struct llm_tokenizer tok;
	struct llm_model m;
	struct file f[2];
	char prefix[512], p[600];
	int err = 0;

	fmt(prefix, sizeof(prefix), "%s/pkg", dir);
	o.prefix = prefix;
	if (llm_model_load(&m, bin, LLM_FORMAT_LLAMA2C, 0))
		return -1;
	if (llm_tokenizer_load(&tok, tok_path, m.cfg.vocab_size)) {
		llm_model_free(&m);
		return -1;
	}
	err = llm_package_write(&m, &tok, &o);
	llm_tokenizer_free(&tok);
	llm_model_free(&m);
	for (int d = 0; d < 2 && !err; d++) {
		fmt(p, sizeof(p), "%s-d%d.gguf", prefix, d);
		err = slurp(p, &f[d]);
	}
	if (err)
		return -1;
	for (int d = 0; d < 2; d++) {
		char name[32];

		fmt(name, sizeof(name), "pkg-die%d", d);
		pkg_die = d;
		pkg_other = &f[1 - d];
		err |= gguf_cases(name, &f[d]);
	}
	pkg_die = -1;
	free(f[0].p);
	free(f[1].p);
	return err;
}

/* ------------------------------------------------------------------------
 * safetensors headers: the first of the two shards of a Hugging Face
 * directory (gen-hf's, from t.bin), broken; each case a directory with
 * the other files of that directory linked
 */

static char hf_base[4096];
static const char *const hf_files[] = {
	"config.json", "tokenizer.json", "tokenizer_config.json",
	"model.safetensors.index.json", "model-00002-of-00002.safetensors",
};

static int emit_st(const char *name, const unsigned char *p, size_t size)
{
	char d[1024], path[1200], target[4200];

	fmt(d, sizeof(d), "%s/case/%03d-st-%s", dir, n_cases, name);
	if (mkdir(d, 0755) && errno != EEXIST) {
		perror(d);
		return -1;
	}
	for (size_t i = 0; i < sizeof(hf_files) / sizeof(hf_files[0]); i++) {
		fmt(path, sizeof(path), "%s/%s", d, hf_files[i]);
		fmt(target, sizeof(target), "%s/%s", hf_base, hf_files[i]);
		unlink(path);
		if (symlink(target, path)) {
			perror(path);
			return -1;
		}
	}
	fmt(path, sizeof(path), "%s/model-00001-of-00002.safetensors", d);
	if (write_file(path, p, size))
		return -1;
	printf("%03d-st-%s %s\n", n_cases++, name, d);
	return 0;
}

/* The shard with header text h of hl bytes, saying len, and f's data. */
static int emit_st_header(const char *name, const char *h, size_t hl,
			  uint64_t len, const struct file *f, uint64_t old_len)
{
	size_t data = f->size - 8 - (size_t)old_len;
	unsigned char *c = malloc(8 + hl + data);
	int ret;

	if (!c) {
		fprintf(stderr, "gen-corpus: out of memory\n");
		return -1;
	}
	for (int i = 0; i < 8; i++)
		c[i] = (unsigned char)(len >> (8 * i));
	memcpy(c + 8, h, hl);
	memcpy(c + 8 + hl, f->p + 8 + old_len, data);
	ret = emit_st(name, c, 8 + hl + data);
	free(c);
	return ret;
}

/* The shard with the header JSON root, serialised, its length right. */
static int emit_st_json(const char *name, struct json_object *root,
			const struct file *f, uint64_t old_len)
{
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);

	return emit_st_header(name, s, strlen(s), strlen(s), f, old_len);
}

static struct json_object *offsets(int64_t b, int64_t e)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_int64(b));
	json_object_array_add(a, json_object_new_int64(e));
	return a;
}

static int64_t offset_of(struct json_object *entry, int i)
{
	struct json_object *o;

	json_object_object_get_ex(entry, "data_offsets", &o);
	return json_object_get_int64(json_object_array_get_idx(o, (size_t)i));
}

enum st_edit {
	ST_OVERLAP, ST_OOB, ST_REVERSED, ST_NEGATIVE, ST_HUGE_END, ST_HUGE_BOTH,
	ST_OFFS_ONE, ST_OFFS_THREE, ST_OFFS_STRING, ST_OFFS_FLOAT, ST_OFFS_OBJECT,
	ST_SHAPE_HUGE, ST_SHAPE_NEG, ST_SHAPE_5D, ST_SHAPE_STRING, ST_SHAPE_FLOAT,
	ST_SHAPE_SCALAR, ST_SHAPE_ZERO, ST_DTYPE_UNKNOWN, ST_DTYPE_NUMBER,
	ST_DTYPE_NULL, ST_DTYPE_MISSING, ST_ENTRY_ARRAY, ST_ENTRY_EXTRA,
	ST_NAME_LONG, ST_N_EDITS
};

static const char *const st_edit_names[] = {
	"overlap", "oob", "reversed", "negative", "huge-end", "huge-both",
	"offs-one", "offs-three", "offs-string", "offs-float", "offs-object",
	"shape-huge", "shape-neg", "shape-5d", "shape-string", "shape-float",
	"shape-scalar", "shape-zero", "dtype-unknown", "dtype-number",
	"dtype-null", "dtype-missing", "entry-array", "entry-extra",
	"name-long",
};

/* One edit of tensor key's entry in a copy of root. */
static int st_edit(struct json_object *root, const char *key, enum st_edit e,
		   const struct file *f, uint64_t len)
{
	struct json_object *r = NULL, *t, *a;
	char name[160], longname[400];
	int64_t b, end;
	int ret;

	if (json_object_deep_copy(root, &r, NULL) ||
	    !json_object_object_get_ex(r, key, &t)) {
		fprintf(stderr, "gen-corpus: %s: cannot copy the header\n", key);
		json_object_put(r);
		return -1;
	}
	b = offset_of(t, 0);
	end = offset_of(t, 1);
	switch (e) {
	case ST_OVERLAP:
		json_object_object_add(t, "data_offsets", offsets(b - 4, end - 4));
		break;
	case ST_OOB:
		json_object_object_add(t, "data_offsets", offsets(b + 8, end + 8));
		break;
	case ST_REVERSED:
		json_object_object_add(t, "data_offsets", offsets(end, b));
		break;
	case ST_NEGATIVE:
		json_object_object_add(t, "data_offsets", offsets(-8, end));
		break;
	case ST_HUGE_END:
		json_object_object_add(t, "data_offsets", offsets(b, INT64_MAX));
		break;
	case ST_HUGE_BOTH:
		json_object_object_add(t, "data_offsets",
				       offsets(INT64_C(1) << 62, (INT64_C(1) << 62) + end - b));
		break;
	case ST_OFFS_ONE:
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_int64(b));
		json_object_object_add(t, "data_offsets", a);
		break;
	case ST_OFFS_THREE:
		a = offsets(b, end);
		json_object_array_add(a, json_object_new_int64(end));
		json_object_object_add(t, "data_offsets", a);
		break;
	case ST_OFFS_STRING:
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("0"));
		json_object_array_add(a, json_object_new_int64(end));
		json_object_object_add(t, "data_offsets", a);
		break;
	case ST_OFFS_FLOAT:
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_double((double)b + 0.5));
		json_object_array_add(a, json_object_new_int64(end));
		json_object_object_add(t, "data_offsets", a);
		break;
	case ST_OFFS_OBJECT:
		json_object_object_add(t, "data_offsets", json_object_new_object());
		break;
	case ST_SHAPE_HUGE:
		json_object_object_add(t, "shape", offsets(INT64_C(1) << 31, INT64_C(1) << 31));
		break;
	case ST_SHAPE_NEG:
		json_object_object_add(t, "shape", offsets(-1, 64));
		break;
	case ST_SHAPE_5D:
		a = json_object_new_array();
		for (int i = 0; i < 5; i++)
			json_object_array_add(a, json_object_new_int64(1));
		json_object_object_add(t, "shape", a);
		break;
	case ST_SHAPE_STRING:
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("64"));
		json_object_object_add(t, "shape", a);
		break;
	case ST_SHAPE_FLOAT:
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_double(64.0));
		json_object_object_add(t, "shape", a);
		break;
	case ST_SHAPE_SCALAR:
		json_object_object_add(t, "shape", json_object_new_array());
		break;
	case ST_SHAPE_ZERO:
		json_object_object_add(t, "shape", offsets(0, 64));
		json_object_object_add(t, "data_offsets", offsets(b, b));
		break;
	case ST_DTYPE_UNKNOWN:
		json_object_object_add(t, "dtype", json_object_new_string("I64"));
		break;
	case ST_DTYPE_NUMBER:
		json_object_object_add(t, "dtype", json_object_new_int(7));
		break;
	case ST_DTYPE_NULL:
		json_object_object_add(t, "dtype", NULL);
		break;
	case ST_DTYPE_MISSING:
		json_object_object_del(t, "dtype");
		break;
	case ST_ENTRY_ARRAY:
		json_object_object_add(r, key, json_object_new_array());
		break;
	case ST_ENTRY_EXTRA:
		json_object_object_add(t, "offset", json_object_new_int(0));
		break;
	case ST_NAME_LONG:
		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		json_object_object_add(r, longname, json_object_get(t));
		json_object_object_del(r, key);
		break;
	case ST_N_EDITS:
		break;
	}
	fmt(name, sizeof(name), "%s-%s", st_edit_names[e], key);
	ret = emit_st_json(name, r, f, len);
	json_object_put(r);
	return ret;
}

static int st_cases(const char *base)
{
	static const uint64_t lens[] = { 0, 1, 2, 7, UINT64_MAX, UINT64_C(1) << 63,
					 UINT64_C(1) << 32, (100u << 20) + 1 };
	char p[4200], nm[160], *h = NULL;
	struct json_object *root = NULL;
	const char *keys[3], *all[1024];
	struct file f;
	uint64_t len;
	int err = 0, n = 0;

	if (!realpath(base, hf_base)) {
		perror(base);
		return -1;
	}
	fmt(p, sizeof(p), "%s/model-00001-of-00002.safetensors", hf_base);
	if (slurp(p, &f))
		return -1;
	len = get(&f, 0, 8);
	h = len < f.size ? malloc((size_t)len + 1) : NULL;
	if (h) {
		memcpy(h, f.p + 8, (size_t)len);
		h[len] = '\0';
		root = json_tokener_parse(h);
	}
	if (!root) {
		fprintf(stderr, "gen-corpus: %s: not a safetensors file\n", p);
		free(h);
		free(f.p);
		return -1;
	}
	/* the first tensor, one in the middle, the last */
	json_object_object_foreach(root, k, v) {
		(void)v;
		if (strcmp(k, "__metadata__") && n < 1024)
			all[n++] = k;
	}
	if (n < 3) {
		fprintf(stderr, "gen-corpus: %s: fewer than 3 tensors\n", p);
		json_object_put(root);
		free(h);
		free(f.p);
		return -1;
	}
	keys[0] = all[0];
	keys[1] = all[n / 2];
	keys[2] = all[n - 1];
	/* the header's size field */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fmt(nm, sizeof(nm), "len%llu", (unsigned long long)lens[i]);
		err |= emit_st_header(nm, h, (size_t)len, lens[i], &f, len);
	}
	err |= emit_st_header("len-1", h, (size_t)len, len - 1, &f, len);
	err |= emit_st_header("len+1", h, (size_t)len, len + 1, &f, len);
	err |= emit_st_header("len-file", h, (size_t)len, f.size - 8, &f, len);
	err |= emit_st_header("len-past-file", h, (size_t)len, f.size - 7, &f, len);
	/* truncated JSON, its length saying so */
	for (int i = 1; i <= 5; i++) {
		size_t cut = (size_t)len * (size_t)i / 6;

		fmt(nm, sizeof(nm), "json-cut%zu", cut);
		err |= emit_st_header(nm, h, cut, cut, &f, len);
	}
	/* bytes in the JSON text: NUL, not UTF-8, a quote, a brace */
	{
		static const struct { const char *name; char c; } bytes[] = {
			{ "nul", '\0' }, { "ff", (char)0xff }, { "quote", '"' },
			{ "brace", '}' }, { "bracket", ']' }, { "colon", ':' },
		};
		char *e = malloc((size_t)len);
		size_t at = (size_t)(strstr(h, "data_offsets") - h);

		for (size_t i = 0; e && i < sizeof(bytes) / sizeof(bytes[0]); i++) {
			memcpy(e, h, (size_t)len);
			e[at + 3] = bytes[i].c;
			fmt(nm, sizeof(nm), "json-%s", bytes[i].name);
			err |= emit_st_header(nm, e, (size_t)len, len, &f, len);
		}
		err |= !e;
		free(e);
	}
	/* whole headers */
	err |= emit_st_header("json-empty-object", "{}", 2, 2, &f, len);
	err |= emit_st_header("json-array", "[]      ", 8, 8, &f, len);
	err |= emit_st_header("json-metadata-array", "{\"__metadata__\":[]}", 19, 19, &f, len);
	err |= emit_st_header("json-string", "\"a\"     ", 8, 8, &f, len);
	/* edited entries */
	for (int i = 0; i < 3; i++)
		for (int e = 0; e < ST_N_EDITS; e++)
			if (i != 1 || e < ST_SHAPE_HUGE)
				err |= st_edit(root, keys[i], (enum st_edit)e, &f, len);
	/* the shard's file truncated */
	{
		size_t cuts[] = { 0, 1, 7, 8, 9, 8 + (size_t)len / 2, 8 + (size_t)len,
				  9 + (size_t)len, f.size / 2, f.size - 1 };

		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			fmt(nm, sizeof(nm), "trunc%zu", cuts[i]);
			err |= emit_st(nm, f.p, cuts[i]);
		}
	}
	json_object_put(root);
	free(h);
	free(f.p);
	return err ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const variants[] = { "f32", "f16", "q8_0" };
	char p[512], q[512];
	struct file f;
	int err = 0;

	if (argc != 2 && (argc != 4 || strcmp(argv[2], "--hf"))) {
		fprintf(stderr, "usage: gen-corpus <dir> [--hf <Hugging Face directory of two shards>]\n");
		return 1;
	}
	dir = argv[1];
	if (argc == 4) {
		n_cases = 600;	/* names apart from the first run's */
		return st_cases(argv[3]) ? 1 : 0;
	}
	fmt(p, sizeof(p), "%s/case", dir);
	if ((mkdir(dir, 0755) && errno != EEXIST) || (mkdir(p, 0755) && errno != EEXIST)) {
		perror(p);
		return 1;
	}
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		fmt(p, sizeof(p), "%s/t-%s.gguf", dir, variants[i]);
		fmt(q, sizeof(q), "gguf-%s", variants[i]);
		if (tm_write_gguf(p, variants[i]) || slurp(p, &f))
			return 1;
		err |= gguf_cases(q, &f);
		free(f.p);
	}
	fmt(p, sizeof(p), "%s/t.bin", dir);
	fmt(q, sizeof(q), "%s/t.tok", dir);
	if (tm_write_bin(p, q, "shared") || slurp(p, &f))
		return 1;
	err |= bin_cases(&f, q);
	free(f.p);
	fmt(p, sizeof(p), "%s/v2.bin", dir);	/* llama2.c's int8 export */
	if (tm_write_export(p, 2, 32, 1) || slurp(p, &f))
		return 1;
	err |= truncations("v2", "bin", &f, 12);
	free(f.p);
	if (slurp(q, &f))
		return 1;
	err |= tok_cases(&f, p);
	free(f.p);
	args_pre[0] = '\0';
	err |= package_cases(p, q);
	return err ? 1 : 0;
}
