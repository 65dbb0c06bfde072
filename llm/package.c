// SPDX-License-Identifier: MIT
/*
 * Peer packages: a model converted for the NPU once and cut over N dies.
 *
 *   <prefix>.manifest    text: what is where, and the shards' checksums
 *   <prefix>_d0.shard    die 0's file: the duplicated tensors, then its
 *   <prefix>_d1.shard    slice of every matmul group, ...
 *
 * Every matmul group (blk.N.qkv, blk.N.attn_out, blk.N.ffn_in,
 * blk.N.ffn_out, output) is cut by rows exactly as libnpu's
 * npu_gemm_cut() cuts it, and each slice is converted as the NPU
 * backend converts weights at load (quant.c), so a package runs the same
 * GEMMs as a direct load.  The token embedding, the RMSNorm weights and
 * the tokenizer are needed by the CPU part of every forward pass: each
 * shard holds a copy, at the same offset in every shard.
 *
 * A shard starts with a 64-byte text header ("npu-llm-shard 1 die D/N\n"
 * and NULs); every tensor starts at a multiple of the manifest's align.
 * The manifest grammar is in Documentation/npu/peer-package.rst; the
 * loader below checks every line of it, every offset and every checksum,
 * and names the line, the tensor or the file it refuses.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npu_gemm.h"
#include "llm.h"

#define PACKAGE_ALIGN	64
#define SHARD_HEADER	64
#define SHARD_MAGIC	"npu-llm-shard"
#define MANIFEST_MAX	(64u << 20)
#define MAX_WORDS	16

static const char *dtype_str(enum llm_dtype d)
{
	return d == LLM_DTYPE_INT8 ? "int8" : d == LLM_DTYPE_FP16 ? "fp16" : "f32";
}

static size_t dtype_size(enum llm_dtype d)
{
	return d == LLM_DTYPE_INT8 ? 1 : d == LLM_DTYPE_FP16 ? 2 : 4;
}

static void shard_header(char buf[SHARD_HEADER], int die, int dies)
{
	memset(buf, 0, SHARD_HEADER);
	snprintf(buf, SHARD_HEADER, "%s %d die %d/%d\n", SHARD_MAGIC,
		 LLM_PACKAGE_VERSION, die, dies);
}

/* "blk.0.attn_q:64,blk.0.attn_k:32,...": a group's weights and their rows */
static void weights_str(const struct llm_group *g, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < g->n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s:%d",
					i ? "," : "", g->w[i]->name,
					g->w[i]->rows);
}

/* The duplicated f32 tensors of a model, in file order. */
struct dup_tensor {
	char name[LLM_NAME_MAX];
	int rows, cols;		/* rows 1: a vector [cols] */
	const float **dst;	/* where the loader points it */
	const float *src;	/* what the writer writes */
};

static struct dup_tensor *dup_tensors(struct llm_model *m, int *n)
{
	const struct llm_config *c = &m->cfg;
	struct dup_tensor *t = calloc((size_t)c->n_layers * 2 + 2, sizeof(*t));
	int k = 0;

	if (!t) {
		llm_err("out of memory");
		return NULL;
	}
	t[k++] = (struct dup_tensor){ "token_embd", c->vocab_size, c->dim,
				      &m->token_embd, m->token_embd };
	for (int l = 0; l < c->n_layers; l++) {
		struct llm_layer *L = &m->layers[l];

		t[k] = (struct dup_tensor){ "", 1, c->dim, &L->attn_norm, L->attn_norm };
		snprintf(t[k++].name, LLM_NAME_MAX, "blk.%d.attn_norm", l);
		t[k] = (struct dup_tensor){ "", 1, c->dim, &L->ffn_norm, L->ffn_norm };
		snprintf(t[k++].name, LLM_NAME_MAX, "blk.%d.ffn_norm", l);
	}
	t[k++] = (struct dup_tensor){ "output_norm", 1, c->dim, &m->output_norm,
				      m->output_norm };
	*n = k;
	return t;
}

static void shape_str(int rows, int cols, char *buf, size_t size)
{
	if (rows == 1)
		snprintf(buf, size, "%d", cols);
	else
		snprintf(buf, size, "%dx%d", rows, cols);
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
					dtype_str(dtype), strerror(-ret));
				return -1;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Writing
 */

/* A growing text buffer: the manifest's body, written once the checksums are known. */
struct text {
	char *p;
	size_t len, cap;
	int oom;
};

static void text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL,
			      t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = 1;
			return;
		}
		if (t->p && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		p = realloc(t->p, (t->cap + (size_t)n + 1) * 2);
		if (!p) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->cap = (t->cap + (size_t)n + 1) * 2;
	}
}

struct shard_out {
	char path[PATH_MAX];	/* the final name */
	char tmp[PATH_MAX + 8];	/* written first, renamed at the end */
	FILE *f;
	struct llm_sha256 sha;
	uint64_t off;
	uint8_t digest[LLM_SHA256_SIZE];
};

struct writer {
	const struct llm_pack_options *o;
	struct shard_out s[LLM_MAX_DIES];
	int dies;
	struct text body;
	uint64_t total, done;	/* bytes of all shards, for the progress */
	uint64_t t0;
};

static int out_write(struct shard_out *s, const void *p, size_t len)
{
	if (len && fwrite(p, 1, len, s->f) != len) {
		llm_err("%s: write error: %s", s->path, strerror(errno));
		return -1;
	}
	llm_sha256_update(&s->sha, p, len);
	s->off += len;
	return 0;
}

static int out_align(struct shard_out *s)
{
	static const uint8_t zeros[PACKAGE_ALIGN];
	size_t pad = (size_t)((PACKAGE_ALIGN - s->off % PACKAGE_ALIGN) % PACKAGE_ALIGN);

	return out_write(s, zeros, pad);
}

static void progress(struct writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(struct writer *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->o->progress)
		return;
	fprintf(stderr, "%s: [%5.1f%%] ", llm_program,
		w->total ? 100.0 * (double)w->done / (double)w->total : 100.0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The same bytes at the same offset of every shard. */
static int write_dup(struct writer *w, const void *p, size_t len,
		     uint64_t *off)
{
	for (int d = 0; d < w->dies; d++) {
		if (out_align(&w->s[d]))
			return -1;
		if (d == 0)
			*off = w->s[0].off;
		if (out_write(&w->s[d], p, len))
			return -1;
	}
	w->done += len * (uint64_t)w->dies;
	return 0;
}

static int write_group(struct writer *w, const struct llm_group *g)
{
	int int8 = w->o->dtype == LLM_DTYPE_INT8;
	size_t esize = dtype_size(w->o->dtype);
	uint32_t n0[LLM_MAX_DIES + 1];
	char weights[4 * LLM_NAME_MAX + 64], cut[256];
	size_t cut_len = 0;

	npu_gemm_cut((uint32_t)g->rows, (uint32_t)w->dies, n0);
	weights_str(g, weights, sizeof(weights));
	text_add(&w->body, "group %s %s %dx%d split=rows weights=%s\n", g->name,
		 dtype_str(w->o->dtype), g->rows, g->cols, weights);
	for (int d = 0; d < w->dies; d++) {
		struct shard_out *s = &w->s[d];
		int r0 = (int)n0[d], rows = (int)(n0[d + 1] - n0[d]);
		size_t bytes = (size_t)rows * (size_t)g->cols * esize;
		void *b = malloc(bytes ? bytes : 1);
		float *scale = int8 ? malloc((size_t)rows * sizeof(float)) : NULL;
		uint64_t off, scale_off = 0;
		int err;

		if (!b || (int8 && !scale)) {
			llm_err("out of memory converting %s", g->name);
			free(b);
			free(scale);
			return -1;
		}
		err = int8 ? llm_quant_int8(g, r0, r0 + rows, b, scale) :
			     llm_quant_fp16(g, r0, r0 + rows, b);
		if (!err)
			err = out_align(s);
		off = s->off;
		if (!err)
			err = out_write(s, b, bytes);
		if (!err && int8) {
			err = out_align(s);
			scale_off = s->off;
			if (!err)
				err = out_write(s, scale, (size_t)rows * sizeof(float));
		}
		free(b);
		free(scale);
		if (err)
			return -1;
		if (int8)
			text_add(&w->body, "slice %s die=%d row0=%d rows=%d offset=%llu bytes=%zu scale_offset=%llu scale_bytes=%zu\n",
				 g->name, d, r0, rows, (unsigned long long)off,
				 bytes, (unsigned long long)scale_off,
				 (size_t)rows * sizeof(float));
		else
			text_add(&w->body, "slice %s die=%d row0=%d rows=%d offset=%llu bytes=%zu\n",
				 g->name, d, r0, rows, (unsigned long long)off,
				 bytes);
		w->done += bytes + (int8 ? (size_t)rows * sizeof(float) : 0);
		if (cut_len < sizeof(cut))
			cut_len += (size_t)snprintf(cut + cut_len, sizeof(cut) - cut_len,
						    "%s d%d rows %d-%d", d ? "," : "",
						    d, r0, r0 + rows - 1);
	}
	progress(w, "%s %dx%d %s:%s", g->name, g->rows, g->cols,
		 dtype_str(w->o->dtype), cut);
	return 0;
}

/* The file name of a path, for the manifest and messages. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Bytes of the shards, for the progress. */
static uint64_t planned_bytes(const struct llm_model *m, size_t tok_bytes,
			      int dies, enum llm_dtype dtype)
{
	const struct llm_config *c = &m->cfg;
	uint64_t dup = tok_bytes + 4 * ((uint64_t)c->vocab_size * (uint64_t)c->dim +
					(uint64_t)c->dim * (2 * (uint64_t)c->n_layers + 1));
	uint64_t total = dup * (uint64_t)dies;

	for (int i = 0; i < m->n_groups; i++) {
		const struct llm_group *g = m->groups[i];

		total += (uint64_t)g->rows * (uint64_t)g->cols * dtype_size(dtype);
		if (dtype == LLM_DTYPE_INT8)
			total += 4 * (uint64_t)g->rows;
	}
	return total;
}

/* Source names are one word of a manifest line: no blanks, no control characters. */
static void clean_name(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (unsigned char)src[i] <= 0x20 || src[i] == 0x7f ? '_' : src[i];
	dst[i] = '\0';
}

int llm_package_write(const struct llm_model *cm, const struct llm_tokenizer *tok,
		      const struct llm_pack_options *o)
{
	struct llm_model *m = (struct llm_model *)cm;	/* dup_tensors() takes pointers */
	struct writer w = { .o = o, .dies = o->dies, .t0 = llm_now_ns() };
	char manifest[PATH_MAX], manifest_tmp[PATH_MAX + 8], source[256];
	const struct llm_config *c = &m->cfg;
	struct dup_tensor *dt = NULL;
	void *tok_data = NULL;
	size_t tok_size = 0;
	uint64_t tok_off = 0, total = 0;
	FILE *mf = NULL;
	int n_dt = 0, ret = -1, created = 0;

	manifest_tmp[0] = '\0';
	if (o->dtype != LLM_DTYPE_FP16 && o->dtype != LLM_DTYPE_INT8) {
		llm_err("--dtype: a package holds fp16 or int8 weights");
		return -1;
	}
	if (llm_package_check_cut(m, o->dies) ||
	    check_slices_supported(m, o->dies, o->dtype))
		return -1;
	if (tok->vocab_size != c->vocab_size) {
		llm_err("the tokenizer has %d tokens, the model %d", tok->vocab_size,
			c->vocab_size);
		return -1;
	}
	if (!o->prefix[0] || o->prefix[strlen(o->prefix) - 1] == '/') {
		llm_err("-o %s: the output prefix needs a file name part, e.g. out/model",
			o->prefix);
		return -1;
	}
	if ((size_t)snprintf(manifest, sizeof(manifest), "%s.manifest", o->prefix) >=
	    sizeof(manifest)) {
		llm_err("-o %s: path too long", o->prefix);
		return -1;
	}
	snprintf(manifest_tmp, sizeof(manifest_tmp), "%s.tmp", manifest);
	if (llm_tokenizer_save(tok, &tok_data, &tok_size))
		return -1;
	dt = dup_tensors(m, &n_dt);
	if (!dt)
		goto out;
	/* copied as they are: a NaN or Inf would only show when run */
	for (int i = 0; i < n_dt; i++) {
		size_t n = (size_t)dt[i].rows * (size_t)dt[i].cols;

		for (size_t k = 0; k < n; k++) {
			if (!isfinite(dt[i].src[k])) {
				llm_err("%s: tensor %s: value %zu is %s: the model cannot run",
					o->source, dt[i].name, k,
					isnan(dt[i].src[k]) ? "NaN" : "infinite");
				goto out;
			}
		}
	}
	w.total = planned_bytes(m, tok_size, o->dies, o->dtype);

	for (int d = 0; d < o->dies; d++) {
		struct shard_out *s = &w.s[d];
		char hdr[SHARD_HEADER];

		snprintf(s->path, sizeof(s->path), "%s_d%d.shard", o->prefix, d);
		snprintf(s->tmp, sizeof(s->tmp), "%s.tmp", s->path);
		s->f = fopen(s->tmp, "wb");
		if (!s->f) {
			llm_err("cannot write %s: %s", s->path, strerror(errno));
			goto out;
		}
		created = d + 1;
		setvbuf(s->f, NULL, _IOFBF, 1 << 20);
		llm_sha256_init(&s->sha);
		shard_header(hdr, d, o->dies);
		if (out_write(s, hdr, SHARD_HEADER))
			goto out;
	}
	w.done = (uint64_t)SHARD_HEADER * (uint64_t)o->dies;

	/* what every die needs: the tokenizer, the embedding, the norms */
	if (write_dup(&w, tok_data, tok_size, &tok_off))
		goto out;
	text_add(&w.body, "tokenizer llama2c dup tokens=%d bos=%d eos=%d unk=%d offset=%llu bytes=%zu\n",
		 tok->vocab_size, tok->bos_id, tok->eos_id, tok->unk_id,
		 (unsigned long long)tok_off, tok_size);
	progress(&w, "tokenizer: %d tokens, every shard", tok->vocab_size);
	for (int i = 0; i < n_dt; i++) {
		char shape[32];
		uint64_t off;
		size_t bytes = (size_t)dt[i].rows * (size_t)dt[i].cols * sizeof(float);

		if (write_dup(&w, dt[i].src, bytes, &off))
			goto out;
		shape_str(dt[i].rows, dt[i].cols, shape, sizeof(shape));
		text_add(&w.body, "tensor %s f32 %s dup offset=%llu bytes=%zu\n",
			 dt[i].name, shape, (unsigned long long)off, bytes);
		if (dt[i].rows > 1 || i == n_dt - 1)
			progress(&w, "%s %s f32: every shard", dt[i].name, shape);
	}

	/* every matmul group, cut by rows */
	for (int i = 0; i < m->n_groups; i++) {
		if (write_group(&w, m->groups[i]))
			goto out;
	}
	text_add(&w.body, "end\n");
	if (w.body.oom) {
		llm_err("out of memory");
		goto out;
	}

	for (int d = 0; d < o->dies; d++) {
		struct shard_out *s = &w.s[d];
		FILE *f = s->f;

		s->f = NULL;
		if (fflush(f) || ferror(f)) {
			llm_err("%s: write error: %s", s->path, strerror(errno));
			fclose(f);
			goto out;
		}
		if (fclose(f)) {
			llm_err("%s: write error: %s", s->path, strerror(errno));
			goto out;
		}
		llm_sha256_final(&s->sha, s->digest);
	}

	/* the manifest: the header, the shards with their checksums, the body */
	mf = fopen(manifest_tmp, "w");
	if (!mf) {
		llm_err("cannot write %s: %s", manifest, strerror(errno));
		goto out;
	}
	clean_name(source, sizeof(source), o->source ? base_name(o->source) : "?");
	fprintf(mf, "%s %d\n", LLM_PACKAGE_MAGIC, LLM_PACKAGE_VERSION);
	fprintf(mf, "# A peer model package for npu-llm, written by npu-llm-pack: one shard\n"
		    "# per NPU die, every matmul cut by rows.  Format and rules:\n"
		    "# Documentation/npu/peer-package.rst.  Run: npu-llm %s --device npu\n",
		base_name(manifest));
	fprintf(mf, "source %s %s\n", m->format, source);
	fprintf(mf, "config dim=%d hidden_dim=%d n_layers=%d n_heads=%d n_kv_heads=%d vocab_size=%d seq_len=%d norm_eps=%.9g rope_theta=%.9g\n",
		c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads,
		c->vocab_size, c->seq_len, (double)c->norm_eps,
		(double)c->rope_theta);
	fprintf(mf, "classifier %s\n", m->tied_output ? "tied" : "separate");
	fprintf(mf, "dtype %s\n", dtype_str(o->dtype));
	fprintf(mf, "dies %d\n", o->dies);
	fprintf(mf, "align %d\n", PACKAGE_ALIGN);
	for (int d = 0; d < o->dies; d++) {
		char hex[2 * LLM_SHA256_SIZE + 1];

		llm_sha256_hex(w.s[d].digest, hex);
		fprintf(mf, "shard die=%d file=%s bytes=%llu sha256=%s\n", d,
			base_name(w.s[d].path), (unsigned long long)w.s[d].off, hex);
	}
	fwrite(w.body.p, 1, w.body.len, mf);
	if (fflush(mf) || ferror(mf)) {
		llm_err("%s: write error: %s", manifest, strerror(errno));
		goto out;
	}
	if (fclose(mf)) {
		mf = NULL;
		llm_err("%s: write error: %s", manifest, strerror(errno));
		goto out;
	}
	mf = NULL;

	/* the shards first: a manifest never names a file not yet there */
	for (int d = 0; d < o->dies; d++) {
		if (rename(w.s[d].tmp, w.s[d].path)) {
			llm_err("cannot rename %s to %s: %s", w.s[d].tmp,
				w.s[d].path, strerror(errno));
			goto out;
		}
	}
	if (rename(manifest_tmp, manifest)) {
		llm_err("cannot rename %s to %s: %s", manifest_tmp, manifest,
			strerror(errno));
		goto out;
	}
	created = 0;
	manifest_tmp[0] = '\0';
	for (int d = 0; d < o->dies; d++)
		total += w.s[d].off;
	progress(&w, "wrote %s and %d shard(s) of %.2f MiB in all, in %.2f s",
		 manifest, o->dies, (double)total / (1 << 20),
		 (double)(llm_now_ns() - w.t0) / 1e9);
	ret = 0;
out:
	if (mf)
		fclose(mf);
	for (int d = 0; d < created; d++) {
		if (w.s[d].f)
			fclose(w.s[d].f);
		unlink(w.s[d].tmp);
	}
	if (manifest_tmp[0])
		unlink(manifest_tmp);
	free(w.body.p);
	free(dt);
	free(tok_data);
	return ret;
}

/* ------------------------------------------------------------------------
 * Reading: the manifest
 */

/* A byte range of a shard the manifest describes, for the overlap check. */
struct range {
	int line;
	int die;		/* -1: the same range in every shard */
	uint64_t off, bytes;
	char what[LLM_NAME_MAX + 48];
};

struct mf_shard {
	int line;
	char file[256];
	char path[PATH_MAX];
	uint64_t bytes;
	char sha256[2 * LLM_SHA256_SIZE + 1];
};

struct mf_group {
	int line;
	int slice_line[LLM_MAX_DIES];
	uint64_t off[LLM_MAX_DIES], scale_off[LLM_MAX_DIES];
};

struct manifest {
	const char *path;
	char dir[PATH_MAX];
	int line;		/* being parsed */
	int header_only;	/* llm_package_peek(): stop at the body */
	int body;		/* a body line was seen: the layout exists */

	/* the header, and the line of each key (0: not given) */
	char source[256];
	int source_line, config_line, classifier_line, dtype_line;
	int dies_line, align_line, tok_line, end_line;
	struct llm_config cfg;
	int tied;
	enum llm_dtype dtype;
	int dies;
	uint64_t align;
	struct mf_shard shard[LLM_MAX_DIES];

	/* the tokenizer's blob */
	int tok_tokens, tok_bos, tok_eos, tok_unk;
	uint64_t tok_off, tok_bytes;

	/* the body, checked against the model's layout */
	struct llm_model *m;
	struct dup_tensor *dt;
	int n_dt;
	int *dt_line;
	uint64_t *dt_off;
	struct mf_group *groups;
	struct llm_packed *packed;
	struct range *ranges;
	int n_ranges, cap_ranges;
};

static void mf_err(const struct manifest *mf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mf_err(const struct manifest *mf, const char *fmt, ...)
{
	va_list ap;

	if (mf->line)
		fprintf(stderr, "%s: %s:%d: ", llm_program, mf->path, mf->line);
	else
		fprintf(stderr, "%s: %s: ", llm_program, mf->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A decimal number, nothing else. */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1]))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end || errno || *v > max ? -1 : 0;
}

/*
 * key=value attributes: each of @keys once, nothing else.  Optional keys
 * (marked with a leading '?') may be missing: their value is NULL.
 */
static int get_attrs(const struct manifest *mf, const char *what,
		     char **words, int n, const char *const *keys,
		     const char **vals, int n_keys)
{
	for (int k = 0; k < n_keys; k++)
		vals[k] = NULL;
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(words[i], '=');
		int k;

		if (!eq || eq == words[i]) {
			mf_err(mf, "%s: '%s' is not a key=value attribute", what,
			       words[i]);
			return -1;
		}
		for (k = 0; k < n_keys; k++) {
			const char *key = keys[k] + (keys[k][0] == '?');

			if (strlen(key) == (size_t)(eq - words[i]) &&
			    !strncmp(words[i], key, (size_t)(eq - words[i])))
				break;
		}
		if (k == n_keys) {
			mf_err(mf, "%s: unknown attribute '%.*s'", what,
			       (int)(eq - words[i]), words[i]);
			return -1;
		}
		if (vals[k]) {
			mf_err(mf, "%s: '%s' given twice", what,
			       keys[k] + (keys[k][0] == '?'));
			return -1;
		}
		vals[k] = eq + 1;
	}
	for (int k = 0; k < n_keys; k++) {
		if (!vals[k] && keys[k][0] != '?') {
			mf_err(mf, "%s: missing attribute '%s'", what, keys[k]);
			return -1;
		}
	}
	return 0;
}

static int attr_u64(const struct manifest *mf, const char *what,
		    const char *key, const char *val, uint64_t max, uint64_t *v)
{
	if (parse_u64(val, max, v)) {
		mf_err(mf, "%s: %s=%s: expected a decimal number 0..%llu", what,
		       key, val, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int attr_int(const struct manifest *mf, const char *what,
		    const char *key, const char *val, int *v)
{
	uint64_t u;

	if (attr_u64(mf, what, key, val, INT_MAX, &u))
		return -1;
	*v = (int)u;
	return 0;
}

static int once(const struct manifest *mf, const char *key, int *line)
{
	if (*line) {
		mf_err(mf, "second '%s' line (the first is line %d)", key, *line);
		return -1;
	}
	*line = mf->line;
	return 0;
}

static int add_range(struct manifest *mf, int die, uint64_t off,
		     uint64_t bytes, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int add_range(struct manifest *mf, int die, uint64_t off,
		     uint64_t bytes, const char *fmt, ...)
{
	struct range *r;
	va_list ap;

	if (off % mf->align) {
		char what[LLM_NAME_MAX + 48];

		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		mf_err(mf, "%s: offset %llu is not a multiple of the alignment %llu",
		       what, (unsigned long long)off,
		       (unsigned long long)mf->align);
		return -1;
	}
	if (mf->n_ranges == mf->cap_ranges) {
		int cap = mf->cap_ranges ? 2 * mf->cap_ranges : 256;
		void *p = realloc(mf->ranges, (size_t)cap * sizeof(*mf->ranges));

		if (!p) {
			llm_err("out of memory");
			return -1;
		}
		mf->ranges = p;
		mf->cap_ranges = cap;
	}
	r = &mf->ranges[mf->n_ranges++];
	r->line = mf->line;
	r->die = die;
	r->off = off;
	r->bytes = bytes;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	return 0;
}

static int parse_config(struct manifest *mf, char **w, int n)
{
	static const char *const keys[] = {
		"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads",
		"vocab_size", "seq_len", "norm_eps", "rope_theta",
	};
	int *ints[] = {
		&mf->cfg.dim, &mf->cfg.hidden_dim, &mf->cfg.n_layers,
		&mf->cfg.n_heads, &mf->cfg.n_kv_heads, &mf->cfg.vocab_size,
		&mf->cfg.seq_len,
	};
	float *floats[] = { &mf->cfg.norm_eps, &mf->cfg.rope_theta };
	const char *v[9];
	char what[PATH_MAX + 32];

	if (get_attrs(mf, "config", w, n, keys, v, 9))
		return -1;
	for (int k = 0; k < 7; k++) {
		if (attr_int(mf, "config", keys[k], v[k], ints[k]))
			return -1;
	}
	for (int k = 0; k < 2; k++) {
		char *end;

		errno = 0;
		*floats[k] = strtof(v[7 + k], &end);
		if (!*v[7 + k] || *end || errno || !isfinite(*floats[k])) {
			mf_err(mf, "config: %s=%s: not a number", keys[7 + k],
			       v[7 + k]);
			return -1;
		}
	}
	snprintf(what, sizeof(what), "%s:%d: config", mf->path, mf->line);
	return llm_config_check(&mf->cfg, what);
}

static int parse_shard(struct manifest *mf, char **w, int n)
{
	static const char *const keys[] = { "die", "file", "bytes", "sha256" };
	const char *v[4];
	struct mf_shard *s;
	size_t dir_len, file_len;
	uint64_t die;

	if (!mf->dies_line) {
		mf_err(mf, "'shard' before 'dies'");
		return -1;
	}
	if (get_attrs(mf, "shard", w, n, keys, v, 4))
		return -1;
	if (parse_u64(v[0], LLM_MAX_DIES, &die) || die >= (uint64_t)mf->dies) {
		mf_err(mf, "shard die=%s: the package has dies 0..%d", v[0],
		       mf->dies - 1);
		return -1;
	}
	s = &mf->shard[die];
	if (s->line) {
		mf_err(mf, "second shard for die %llu (the first is line %d)",
		       (unsigned long long)die, s->line);
		return -1;
	}
	s->line = mf->line;
	if (!v[1][0] || strchr(v[1], '/') || !strcmp(v[1], ".") ||
	    !strcmp(v[1], "..") || strlen(v[1]) >= sizeof(s->file)) {
		mf_err(mf, "shard die=%llu: file=%s: expected a file name next to the manifest (no '/')",
		       (unsigned long long)die, v[1]);
		return -1;
	}
	snprintf(s->file, sizeof(s->file), "%s", v[1]);
	dir_len = strlen(mf->dir);
	file_len = strlen(v[1]);
	if (dir_len + file_len >= sizeof(s->path)) {
		mf_err(mf, "shard die=%llu: path too long", (unsigned long long)die);
		return -1;
	}
	memcpy(s->path, mf->dir, dir_len);
	memcpy(s->path + dir_len, v[1], file_len + 1);
	if (attr_u64(mf, "shard", "bytes", v[2], UINT64_MAX >> 1, &s->bytes))
		return -1;
	if (strlen(v[3]) != 2 * LLM_SHA256_SIZE ||
	    strspn(v[3], "0123456789abcdef") != 2 * LLM_SHA256_SIZE) {
		mf_err(mf, "shard die=%llu: sha256=%s: expected 64 lowercase hex digits",
		       (unsigned long long)die, v[3]);
		return -1;
	}
	memcpy(s->sha256, v[3], sizeof(s->sha256));
	return 0;
}

/* The first body line: the header must be complete; lay the model out. */
static int begin_body(struct manifest *mf)
{
	static const char *const need[] = { "config", "classifier", "dtype", "dies", "align" };
	const int lines[] = { mf->config_line, mf->classifier_line, mf->dtype_line,
			      mf->dies_line, mf->align_line };
	struct llm_model *m = mf->m;

	for (int i = 0; i < 5; i++) {
		if (!lines[i]) {
			mf_err(mf, "no '%s' line before the tensors", need[i]);
			return -1;
		}
	}
	m->cfg = mf->cfg;
	m->tied_output = mf->tied;
	if (llm_model_layout(m))
		return -1;
	mf->dt = dup_tensors(m, &mf->n_dt);
	mf->dt_line = calloc((size_t)mf->n_dt, sizeof(*mf->dt_line));
	mf->dt_off = calloc((size_t)mf->n_dt, sizeof(*mf->dt_off));
	mf->groups = calloc((size_t)m->n_groups, sizeof(*mf->groups));
	mf->packed = (struct llm_packed *)llm_model_alloc(m,
		((size_t)m->n_groups * sizeof(struct llm_packed) + sizeof(float) - 1) /
		sizeof(float));
	if (!mf->dt || !mf->dt_line || !mf->dt_off || !mf->groups || !mf->packed) {
		llm_err("out of memory");
		return -1;
	}
	memset(mf->packed, 0, (size_t)m->n_groups * sizeof(struct llm_packed));
	mf->body = 1;
	return 0;
}

/* "64" or "512x64" */
static int parse_shape(const char *s, int *rows, int *cols)
{
	uint64_t a, b;
	const char *x = strchr(s, 'x');
	char first[32];

	if (!x) {
		*rows = 1;
		return parse_u64(s, INT_MAX, &a) ? -1 : (*cols = (int)a, 0);
	}
	if ((size_t)(x - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(x - s));
	first[x - s] = '\0';
	if (parse_u64(first, INT_MAX, &a) || parse_u64(x + 1, INT_MAX, &b))
		return -1;
	*rows = (int)a;
	*cols = (int)b;
	return 0;
}

static int parse_tokenizer(struct manifest *mf, char **w, int n)
{
	static const char *const keys[] = { "tokens", "bos", "eos", "unk", "offset", "bytes" };
	const char *v[6];
	int *ints[] = { &mf->tok_tokens, &mf->tok_bos, &mf->tok_eos, &mf->tok_unk };

	if (once(mf, "tokenizer", &mf->tok_line))
		return -1;
	if (n < 3 || strcmp(w[1], "llama2c") || strcmp(w[2], "dup")) {
		mf_err(mf, "tokenizer: expected 'tokenizer llama2c dup tokens=.. bos=.. eos=.. unk=.. offset=.. bytes=..'");
		return -1;
	}
	if (get_attrs(mf, "tokenizer", w + 3, n - 3, keys, v, 6))
		return -1;
	for (int k = 0; k < 4; k++) {
		if (attr_int(mf, "tokenizer", keys[k], v[k], ints[k]))
			return -1;
	}
	if (attr_u64(mf, "tokenizer", "offset", v[4], UINT64_MAX >> 1, &mf->tok_off) ||
	    attr_u64(mf, "tokenizer", "bytes", v[5], UINT64_MAX >> 1, &mf->tok_bytes))
		return -1;
	if (mf->tok_tokens != mf->cfg.vocab_size) {
		mf_err(mf, "tokenizer: tokens=%d, but the config's vocab_size is %d",
		       mf->tok_tokens, mf->cfg.vocab_size);
		return -1;
	}
	if (mf->tok_bos >= mf->tok_tokens || mf->tok_eos >= mf->tok_tokens ||
	    mf->tok_unk >= mf->tok_tokens) {
		mf_err(mf, "tokenizer: bos=%d eos=%d unk=%d: token ids of a vocabulary of %d",
		       mf->tok_bos, mf->tok_eos, mf->tok_unk, mf->tok_tokens);
		return -1;
	}
	return add_range(mf, -1, mf->tok_off, mf->tok_bytes, "tokenizer");
}

static int parse_tensor(struct manifest *mf, char **w, int n)
{
	static const char *const keys[] = { "offset", "bytes" };
	char what[LLM_NAME_MAX + 16];
	const char *v[2];
	uint64_t off, bytes;
	int rows, cols, i;

	if (n < 5) {
		mf_err(mf, "tensor: expected 'tensor <name> f32 <shape> dup offset=.. bytes=..'");
		return -1;
	}
	for (i = 0; i < mf->n_dt; i++) {
		if (!strcmp(mf->dt[i].name, w[1]))
			break;
	}
	if (i == mf->n_dt) {
		mf_err(mf, "unexpected tensor %s: the duplicated tensors of a model of %d layers are token_embd, blk.N.attn_norm, blk.N.ffn_norm and output_norm",
		       w[1], mf->cfg.n_layers);
		return -1;
	}
	if (mf->dt_line[i]) {
		mf_err(mf, "second tensor %s (the first is line %d)", w[1],
		       mf->dt_line[i]);
		return -1;
	}
	mf->dt_line[i] = mf->line;
	if (strcmp(w[2], "f32")) {
		mf_err(mf, "tensor %s: type %s, expected f32", w[1], w[2]);
		return -1;
	}
	if (parse_shape(w[3], &rows, &cols) || rows != mf->dt[i].rows ||
	    cols != mf->dt[i].cols) {
		char shape[32];

		shape_str(mf->dt[i].rows, mf->dt[i].cols, shape, sizeof(shape));
		mf_err(mf, "tensor %s: shape %s, but the config makes it %s",
		       w[1], w[3], shape);
		return -1;
	}
	if (strcmp(w[4], "dup")) {
		mf_err(mf, "tensor %s: '%s': the tensors every die needs are 'dup' (a copy in every shard)",
		       w[1], w[4]);
		return -1;
	}
	snprintf(what, sizeof(what), "tensor %s", w[1]);
	if (get_attrs(mf, what, w + 5, n - 5, keys, v, 2) ||
	    attr_u64(mf, what, "offset", v[0], UINT64_MAX >> 1, &off) ||
	    attr_u64(mf, what, "bytes", v[1], UINT64_MAX >> 1, &bytes))
		return -1;
	if (bytes != (uint64_t)rows * (uint64_t)cols * sizeof(float)) {
		mf_err(mf, "tensor %s: bytes=%llu, but %s f32 is %llu bytes", w[1],
		       (unsigned long long)bytes, w[3],
		       (unsigned long long)rows * (unsigned long long)cols * 4);
		return -1;
	}
	mf->dt_off[i] = off;
	return add_range(mf, -1, off, bytes, "tensor %s", w[1]);
}

static int find_group(const struct manifest *mf, const char *name)
{
	for (int i = 0; i < mf->m->n_groups; i++) {
		if (!strcmp(mf->m->groups[i]->name, name))
			return i;
	}
	return -1;
}

static int parse_group(struct manifest *mf, char **w, int n)
{
	static const char *const keys[] = { "split", "weights" };
	char expect[4 * LLM_NAME_MAX + 64], what[LLM_NAME_MAX + 16];
	uint32_t n0[LLM_MAX_DIES + 1];
	const struct llm_group *g;
	struct llm_packed *pk;
	const char *v[2];
	int i, rows, cols;

	if (n < 4) {
		mf_err(mf, "group: expected 'group <name> <dtype> <rows>x<cols> split=rows weights=..'");
		return -1;
	}
	i = find_group(mf, w[1]);
	if (i < 0) {
		mf_err(mf, "unexpected group %s: a model of %d layers has blk.0..%d.{qkv,attn_out,ffn_in,ffn_out} and output",
		       w[1], mf->cfg.n_layers, mf->cfg.n_layers - 1);
		return -1;
	}
	g = mf->m->groups[i];
	if (mf->groups[i].line) {
		mf_err(mf, "second group %s (the first is line %d)", w[1],
		       mf->groups[i].line);
		return -1;
	}
	mf->groups[i].line = mf->line;
	if (strcmp(w[2], dtype_str(mf->dtype))) {
		mf_err(mf, "group %s: type %s, but the package's dtype is %s",
		       w[1], w[2], dtype_str(mf->dtype));
		return -1;
	}
	if (parse_shape(w[3], &rows, &cols) || rows != g->rows || cols != g->cols) {
		mf_err(mf, "group %s: shape %s, but the config makes it %dx%d",
		       w[1], w[3], g->rows, g->cols);
		return -1;
	}
	snprintf(what, sizeof(what), "group %s", w[1]);
	if (get_attrs(mf, what, w + 4, n - 4, keys, v, 2))
		return -1;
	if (strcmp(v[0], "rows")) {
		mf_err(mf, "group %s: split=%s: matrices are split by rows", w[1],
		       v[0]);
		return -1;
	}
	weights_str(g, expect, sizeof(expect));
	if (strcmp(v[1], expect)) {
		mf_err(mf, "group %s: weights=%s, but the config makes it weights=%s",
		       w[1], v[1], expect);
		return -1;
	}
	pk = &mf->packed[i];
	pk->dtype = mf->dtype;
	pk->dies = mf->dies;
	if (npu_gemm_cut((uint32_t)g->rows, (uint32_t)mf->dies, n0) !=
	    mf->dies) {
		mf_err(mf, "group %s: %d rows cannot be cut over %d dies in whole 32-row tiles",
		       w[1], g->rows, mf->dies);
		return -1;
	}
	for (int d = 0; d <= mf->dies; d++)
		pk->row0[d] = (int)n0[d];
	return 0;
}

static int parse_slice(struct manifest *mf, char **w, int n)
{
	static const char *const keys[] = {
		"die", "row0", "rows", "offset", "bytes", "?scale_offset",
		"?scale_bytes",
	};
	int int8 = mf->dtype == LLM_DTYPE_INT8;
	const struct llm_group *g;
	struct llm_packed *pk;
	struct mf_group *mg;
	char what[LLM_NAME_MAX + 32];
	const char *v[7];
	uint64_t off, bytes, die, sc_off = 0, sc_bytes = 0;
	int i, row0, rows;

	if (n < 2) {
		mf_err(mf, "slice: expected 'slice <group> die=.. row0=.. rows=.. offset=.. bytes=..'");
		return -1;
	}
	i = find_group(mf, w[1]);
	if (i < 0 || !mf->groups[i].line) {
		mf_err(mf, "slice of %s: no 'group %s' line before it", w[1], w[1]);
		return -1;
	}
	g = mf->m->groups[i];
	mg = &mf->groups[i];
	pk = &mf->packed[i];
	snprintf(what, sizeof(what), "slice %s", w[1]);
	if (get_attrs(mf, what, w + 2, n - 2, keys, v, 7))
		return -1;
	if (parse_u64(v[0], LLM_MAX_DIES, &die) || die >= (uint64_t)mf->dies) {
		mf_err(mf, "slice %s die=%s: the package has dies 0..%d", w[1],
		       v[0], mf->dies - 1);
		return -1;
	}
	snprintf(what, sizeof(what), "slice %s die=%d", w[1], (int)die);
	if (mg->slice_line[die]) {
		mf_err(mf, "second %s (the first is line %d)", what,
		       mg->slice_line[die]);
		return -1;
	}
	mg->slice_line[die] = mf->line;
	if (attr_int(mf, what, "row0", v[1], &row0) ||
	    attr_int(mf, what, "rows", v[2], &rows) ||
	    attr_u64(mf, what, "offset", v[3], UINT64_MAX >> 1, &off) ||
	    attr_u64(mf, what, "bytes", v[4], UINT64_MAX >> 1, &bytes))
		return -1;
	if (row0 != pk->row0[die] || rows != pk->row0[die + 1] - pk->row0[die]) {
		mf_err(mf, "%s: rows %d..%d, but npu_gemm_cut() gives die %d rows %d..%d of %s's %d over %d dies",
		       what, row0, row0 + rows - 1, (int)die, pk->row0[die],
		       pk->row0[die + 1] - 1, w[1], g->rows, mf->dies);
		return -1;
	}
	if (bytes != (uint64_t)rows * (uint64_t)g->cols * dtype_size(mf->dtype)) {
		mf_err(mf, "%s: bytes=%llu, but %d x %d %s is %llu bytes", what,
		       (unsigned long long)bytes, rows, g->cols,
		       dtype_str(mf->dtype), (unsigned long long)rows *
		       (unsigned long long)g->cols * dtype_size(mf->dtype));
		return -1;
	}
	if (!int8 && (v[5] || v[6])) {
		mf_err(mf, "%s: scale_offset/scale_bytes are for int8, this package is fp16",
		       what);
		return -1;
	}
	if (int8) {
		if (!v[5] || !v[6]) {
			mf_err(mf, "%s: missing attribute '%s': int8 slices have row scales",
			       what, v[5] ? "scale_bytes" : "scale_offset");
			return -1;
		}
		if (attr_u64(mf, what, "scale_offset", v[5], UINT64_MAX >> 1, &sc_off) ||
		    attr_u64(mf, what, "scale_bytes", v[6], UINT64_MAX >> 1, &sc_bytes))
			return -1;
		if (sc_bytes != (uint64_t)rows * sizeof(float)) {
			mf_err(mf, "%s: scale_bytes=%llu, but %d rows have %llu bytes of f32 scales",
			       what, (unsigned long long)sc_bytes, rows,
			       (unsigned long long)rows * 4);
			return -1;
		}
		if (add_range(mf, (int)die, sc_off, sc_bytes, "%s scales", what))
			return -1;
	}
	mg->off[die] = off;
	mg->scale_off[die] = sc_off;
	return add_range(mf, (int)die, off, bytes, "%s", what);
}

/* Splits a line into words at spaces and tabs; -1 for too many. */
static int split_words(char *line, char **w)
{
	int n = 0;

	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

static int parse_line(struct manifest *mf, char *line)
{
	char *w[MAX_WORDS];
	int n = split_words(line, w);

	if (n < 0) {
		mf_err(mf, "more than %d fields", MAX_WORDS);
		return -1;
	}
	if (n == 0 || w[0][0] == '#')
		return 0;
	if (mf->end_line) {
		mf_err(mf, "'%s' after 'end' (line %d)", w[0], mf->end_line);
		return -1;
	}
	if (!strcmp(w[0], "source")) {
		char source[sizeof(mf->source)] = "";
		size_t len = 0;

		if (once(mf, "source", &mf->source_line))
			return -1;
		if (n < 3) {
			mf_err(mf, "source: expected 'source <format> <file>'");
			return -1;
		}
		for (int i = 1; i < n && len < sizeof(source); i++)
			len += (size_t)snprintf(source + len, sizeof(source) - len,
						"%s%s", i > 1 ? " " : "", w[i]);
		memcpy(mf->source, source, sizeof(source));
		return 0;
	}
	if (!strcmp(w[0], "config")) {
		if (once(mf, "config", &mf->config_line))
			return -1;
		return parse_config(mf, w + 1, n - 1);
	}
	if (!strcmp(w[0], "classifier")) {
		if (once(mf, "classifier", &mf->classifier_line))
			return -1;
		if (n != 2 || (strcmp(w[1], "tied") && strcmp(w[1], "separate"))) {
			mf_err(mf, "classifier: expected 'tied' or 'separate'");
			return -1;
		}
		mf->tied = !strcmp(w[1], "tied");
		return 0;
	}
	if (!strcmp(w[0], "dtype")) {
		if (once(mf, "dtype", &mf->dtype_line))
			return -1;
		if (n == 2 && !strcmp(w[1], "fp16")) {
			mf->dtype = LLM_DTYPE_FP16;
		} else if (n == 2 && !strcmp(w[1], "int8")) {
			mf->dtype = LLM_DTYPE_INT8;
		} else {
			mf_err(mf, "dtype %s: expected fp16 or int8", n > 1 ? w[1] : "");
			return -1;
		}
		return 0;
	}
	if (!strcmp(w[0], "dies")) {
		uint64_t v;

		if (once(mf, "dies", &mf->dies_line))
			return -1;
		if (n != 2 || parse_u64(w[1], LLM_MAX_DIES, &v) || v < 1) {
			mf_err(mf, "dies %s: expected 1..%d", n > 1 ? w[1] : "",
			       LLM_MAX_DIES);
			return -1;
		}
		mf->dies = (int)v;
		return 0;
	}
	if (!strcmp(w[0], "align")) {
		if (once(mf, "align", &mf->align_line))
			return -1;
		if (n != 2 || parse_u64(w[1], 1 << 16, &mf->align) ||
		    mf->align < sizeof(float) || (mf->align & (mf->align - 1))) {
			mf_err(mf, "align %s: expected a power of two, 4..65536",
			       n > 1 ? w[1] : "");
			return -1;
		}
		return 0;
	}
	if (!strcmp(w[0], "shard"))
		return parse_shard(mf, w + 1, n - 1);
	if (!strcmp(w[0], "end")) {
		if (n != 1) {
			mf_err(mf, "end: expected nothing after it");
			return -1;
		}
		mf->end_line = mf->line;
		return 0;
	}
	if (!strcmp(w[0], "tokenizer") || !strcmp(w[0], "tensor") ||
	    !strcmp(w[0], "group") || !strcmp(w[0], "slice")) {
		if (mf->header_only)
			return 1;	/* the header is complete */
		if (!mf->body && begin_body(mf))
			return -1;
		if (!strcmp(w[0], "tokenizer"))
			return parse_tokenizer(mf, w, n);
		if (!strcmp(w[0], "tensor"))
			return parse_tensor(mf, w, n);
		if (!strcmp(w[0], "group"))
			return parse_group(mf, w, n);
		return parse_slice(mf, w, n);
	}
	mf_err(mf, "unknown key '%s'", w[0]);
	return -1;
}

/* Everything the manifest must state, stated? */
static int check_complete(struct manifest *mf)
{
	const struct llm_model *m = mf->m;

	mf->line = 0;	/* the whole file */
	if (!mf->end_line) {
		mf_err(mf, "the manifest ends without an 'end' line: truncated?");
		return -1;
	}
	if (!mf->body) {
		mf_err(mf, "no tensors");
		return -1;
	}
	if (!mf->source_line) {
		mf_err(mf, "no 'source' line");
		return -1;
	}
	if (!mf->tok_line) {
		mf_err(mf, "no 'tokenizer' line: a package carries its tokenizer");
		return -1;
	}
	for (int d = 0; d < mf->dies; d++) {
		if (!mf->shard[d].line) {
			mf_err(mf, "no 'shard' line for die %d", d);
			return -1;
		}
	}
	for (int i = 0; i < mf->n_dt; i++) {
		if (!mf->dt_line[i]) {
			mf_err(mf, "missing tensor %s", mf->dt[i].name);
			return -1;
		}
	}
	for (int i = 0; i < m->n_groups; i++) {
		if (!mf->groups[i].line) {
			mf_err(mf, "missing group %s", m->groups[i]->name);
			return -1;
		}
		for (int d = 0; d < mf->dies; d++) {
			if (!mf->groups[i].slice_line[d]) {
				mf_err(mf, "group %s (line %d): no slice for die %d",
				       m->groups[i]->name, mf->groups[i].line, d);
				return -1;
			}
		}
	}
	return 0;
}

static int parse_manifest(struct manifest *mf)
{
	char *text = NULL, *line;
	struct stat st;
	size_t size = 0;
	FILE *f;
	int ret = -1;

	f = fopen(mf->path, "rb");
	if (!f) {
		llm_err("%s: %s", mf->path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		llm_err("%s: not a regular file", mf->path);
		goto out;
	}
	if (st.st_size > MANIFEST_MAX) {
		llm_err("%s: larger than %u MiB: not a manifest", mf->path,
			MANIFEST_MAX >> 20);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		llm_err("out of memory");
		goto out;
	}
	size = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f) || size != (size_t)st.st_size) {
		llm_err("%s: read error", mf->path);
		goto out;
	}
	text[size] = '\0';
	if (strncmp(text, LLM_PACKAGE_MAGIC " ", sizeof(LLM_PACKAGE_MAGIC))) {
		mf->line = 1;
		mf_err(mf, "not a peer package manifest: the first line must be '%s %d'",
		       LLM_PACKAGE_MAGIC, LLM_PACKAGE_VERSION);
		goto out;
	}
	if (memchr(text, '\0', size)) {
		llm_err("%s: a NUL byte at offset %zu: not a text manifest",
			mf->path, (size_t)((char *)memchr(text, '\0', size) - text));
		goto out;
	}

	line = text;
	for (mf->line = 1; *line; mf->line++) {
		char *nl = strchr(line, '\n');
		int r;

		if (nl)
			*nl = '\0';
		if (mf->line == 1) {
			char magic[64], version[64], want[16];
			int len = 0;

			snprintf(want, sizeof(want), "%d", LLM_PACKAGE_VERSION);
			if (sscanf(line, "%63s %63s%n", magic, version, &len) != 2 ||
			    strcmp(magic, LLM_PACKAGE_MAGIC) || line[len]) {
				mf_err(mf, "not a peer package manifest: the first line must be '%s %d'",
				       LLM_PACKAGE_MAGIC, LLM_PACKAGE_VERSION);
				goto out;
			}
			if (strcmp(version, want)) {
				mf_err(mf, "package format version %s is not supported (version %d is; repack the model with this npu-llm-pack)",
				       version, LLM_PACKAGE_VERSION);
				goto out;
			}
		} else {
			r = parse_line(mf, line);
			if (r < 0)
				goto out;
			if (r > 0)
				break;	/* header_only: the body starts */
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	ret = mf->header_only ? 0 : check_complete(mf);
out:
	free(text);
	fclose(f);
	return ret;
}

static void manifest_init(struct manifest *mf, const char *path,
			  struct llm_model *m, int header_only)
{
	const char *slash = strrchr(path, '/');

	memset(mf, 0, sizeof(*mf));
	mf->path = path;
	mf->m = m;
	mf->header_only = header_only;
	if (slash)
		snprintf(mf->dir, sizeof(mf->dir), "%.*s/", (int)(slash - path), path);
}

static void manifest_fini(struct manifest *mf)
{
	free(mf->dt);
	free(mf->dt_line);
	free(mf->dt_off);
	free(mf->groups);
	free(mf->ranges);
}

int llm_package_detect(const char *path)
{
	char buf[sizeof(LLM_PACKAGE_MAGIC)];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;	/* the model loader says why */
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == sizeof(buf) &&
	       !memcmp(buf, LLM_PACKAGE_MAGIC, sizeof(buf) - 1) &&
	       buf[sizeof(buf) - 1] == ' ';
}

int llm_package_peek(const char *path, struct llm_package_info *info)
{
	struct manifest mf;
	int ret;

	manifest_init(&mf, path, NULL, 1);
	ret = parse_manifest(&mf);
	if (!ret && (!mf.dies_line || !mf.dtype_line || !mf.source_line)) {
		llm_err("%s: no '%s' line in the manifest's header", path,
			!mf.dies_line ? "dies" : !mf.dtype_line ? "dtype" : "source");
		ret = -1;
	}
	if (!ret) {
		info->dies = mf.dies;
		info->dtype = mf.dtype;
		snprintf(info->source, sizeof(info->source), "%s", mf.source);
	}
	manifest_fini(&mf);
	return ret;
}

/* ------------------------------------------------------------------------
 * Reading: the shards
 */

static int compare_ranges(const void *a, const void *b)
{
	const struct range *x = *(const struct range *const *)a;
	const struct range *y = *(const struct range *const *)b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Every range of every shard within the file, after the header, no overlaps. */
static int check_ranges(struct manifest *mf)
{
	const struct range **r = malloc((size_t)mf->n_ranges * sizeof(*r) + 1);
	int ret = -1;

	if (!r) {
		llm_err("out of memory");
		return -1;
	}
	for (int d = 0; d < mf->dies; d++) {
		const struct mf_shard *s = &mf->shard[d];
		uint64_t end = SHARD_HEADER;
		int n = 0;

		for (int i = 0; i < mf->n_ranges; i++) {
			if (mf->ranges[i].die < 0 || mf->ranges[i].die == d)
				r[n++] = &mf->ranges[i];
		}
		qsort(r, (size_t)n, sizeof(*r), compare_ranges);
		for (int i = 0; i < n; i++) {
			mf->line = r[i]->line;
			if (r[i]->off < SHARD_HEADER) {
				mf_err(mf, "%s: offset %llu is inside the %d-byte shard header",
				       r[i]->what, (unsigned long long)r[i]->off,
				       SHARD_HEADER);
				goto out;
			}
			if (i && r[i]->off < r[i - 1]->off + r[i - 1]->bytes) {
				mf_err(mf, "%s: bytes %llu..%llu of shard %d overlap %s (line %d), which ends at %llu",
				       r[i]->what, (unsigned long long)r[i]->off,
				       (unsigned long long)(r[i]->off + r[i]->bytes),
				       d, r[i - 1]->what, r[i - 1]->line,
				       (unsigned long long)(r[i - 1]->off + r[i - 1]->bytes));
				goto out;
			}
			if (r[i]->off > s->bytes || r[i]->bytes > s->bytes - r[i]->off) {
				mf_err(mf, "%s: bytes %llu..%llu are beyond the end of shard %d (%s, %llu bytes, line %d)",
				       r[i]->what, (unsigned long long)r[i]->off,
				       (unsigned long long)(r[i]->off + r[i]->bytes),
				       d, s->file, (unsigned long long)s->bytes,
				       s->line);
				goto out;
			}
			end = r[i]->off + r[i]->bytes;
		}
		if (end != s->bytes) {
			mf->line = s->line;
			mf_err(mf, "shard %d (%s): bytes=%llu, but its last tensor ends at %llu",
			       d, s->file, (unsigned long long)s->bytes,
			       (unsigned long long)end);
			goto out;
		}
	}
	ret = 0;
out:
	free(r);
	return ret;
}

static int open_shards(struct manifest *mf, struct llm_model *m)
{
	for (int d = 0; d < mf->dies; d++) {
		const struct mf_shard *s = &mf->shard[d];
		char hdr[SHARD_HEADER], hex[2 * LLM_SHA256_SIZE + 1];
		uint8_t digest[LLM_SHA256_SIZE];
		struct llm_sha256 sha;
		struct stat st;

		mf->line = s->line;
		if (stat(s->path, &st)) {
			mf_err(mf, "shard %d: %s: %s", d, s->path, strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != s->bytes) {
			mf_err(mf, "shard %d: %s has %llu bytes, the manifest says %llu: truncated, or not this package's shard",
			       d, s->path, (unsigned long long)st.st_size,
			       (unsigned long long)s->bytes);
			return -1;
		}
		if (llm_map_file(s->path, &m->shard_map[d], &m->shard_size[d]))
			return -1;
		if (m->shard_size[d] != s->bytes) {
			mf_err(mf, "shard %d: %s changed size while being read", d,
			       s->path);
			return -1;
		}
		llm_sha256_init(&sha);
		llm_sha256_update(&sha, m->shard_map[d], m->shard_size[d]);
		llm_sha256_final(&sha, digest);
		llm_sha256_hex(digest, hex);
		if (strcmp(hex, s->sha256)) {
			mf_err(mf, "shard %d: %s: checksum mismatch: the manifest says sha256 %s, the file has %s: the shard is corrupt or belongs to another package",
			       d, s->path, s->sha256, hex);
			return -1;
		}
		shard_header(hdr, d, mf->dies);
		if (memcmp(m->shard_map[d], hdr, SHARD_HEADER)) {
			mf_err(mf, "shard %d: %s: its header is not '%.*s'", d,
			       s->path, (int)strcspn(hdr, "\n"), hdr);
			return -1;
		}
	}
	return 0;
}

/* Points the model into the shards; the copies must be equal. */
static int place(struct manifest *mf, struct llm_model *m)
{
	const char *base0 = m->shard_map[0];

	for (int d = 1; d < mf->dies; d++) {
		const char *based = m->shard_map[d];

		mf->line = mf->tok_line;
		if (memcmp(base0 + mf->tok_off, based + mf->tok_off, mf->tok_bytes)) {
			mf_err(mf, "tokenizer: the copies in shards 0 and %d differ", d);
			return -1;
		}
		for (int i = 0; i < mf->n_dt; i++) {
			mf->line = mf->dt_line[i];
			if (memcmp(base0 + mf->dt_off[i], based + mf->dt_off[i],
				   (size_t)mf->dt[i].rows * (size_t)mf->dt[i].cols *
				   sizeof(float))) {
				mf_err(mf, "tensor %s: the copies in shards 0 and %d differ",
				       mf->dt[i].name, d);
				return -1;
			}
		}
	}
	for (int i = 0; i < mf->n_dt; i++)
		*mf->dt[i].dst = (const float *)(base0 + mf->dt_off[i]);
	for (int i = 0; i < m->n_groups; i++) {
		struct llm_packed *pk = &mf->packed[i];

		for (int d = 0; d < mf->dies; d++) {
			const char *based = m->shard_map[d];

			pk->data[d] = based + mf->groups[i].off[d];
			if (pk->dtype != LLM_DTYPE_INT8)
				continue;
			pk->scale[d] = (const float *)(based + mf->groups[i].scale_off[d]);
			for (int r = 0; r < pk->row0[d + 1] - pk->row0[d]; r++) {
				float s = pk->scale[d][r];

				if (!(s > 0.0f && isfinite(s))) {
					mf->line = mf->groups[i].slice_line[d];
					mf_err(mf, "slice %s die=%d: row scale %d is %g, not a positive number",
					       m->groups[i]->name, d, r, (double)s);
					return -1;
				}
			}
		}
		m->groups[i]->packed = pk;
	}
	m->output.data = NULL;
	m->packed_dies = mf->dies;
	m->packed_dtype = mf->dtype;
	return 0;
}

int llm_model_load_package(struct llm_model *m, const char *path,
			   int want_tokenizer)
{
	struct manifest mf;
	char what[PATH_MAX + 32];

	memset(m, 0, sizeof(*m));
	m->format = "package";
	manifest_init(&mf, path, m, 0);
	if (parse_manifest(&mf) || check_ranges(&mf) || open_shards(&mf, m) ||
	    place(&mf, m))
		goto fail;
	if (want_tokenizer) {
		m->tokenizer = calloc(1, sizeof(*m->tokenizer));
		if (!m->tokenizer) {
			llm_err("out of memory");
			goto fail;
		}
		snprintf(what, sizeof(what), "%s: tokenizer at offset %llu",
			 mf.shard[0].path, (unsigned long long)mf.tok_off);
		if (llm_tokenizer_parse(m->tokenizer,
					(const char *)m->shard_map[0] + mf.tok_off,
					(size_t)mf.tok_bytes, what, mf.tok_tokens,
					mf.tok_bos, mf.tok_eos, mf.tok_unk)) {
			free(m->tokenizer);
			m->tokenizer = NULL;
			goto fail;
		}
	}
	if (llm_model_finish(m))
		goto fail;
	fprintf(stderr, "%s: %s: peer package of %s, %s, cut for %d die(s); %d shard checksum(s) verified\n",
		llm_program, path, mf.source, dtype_str(mf.dtype), mf.dies,
		mf.dies);
	manifest_fini(&mf);
	return 0;
fail:
	manifest_fini(&mf);
	llm_model_free(m);
	return -1;
}
