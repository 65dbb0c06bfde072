// SPDX-License-Identifier: MIT
/*
 * test-package: peer packages, in process.
 *
 *  1. Round trip: a model written as a package for 1 and 2 dies, fp16
 *     and int8, reads back with the same config, tokenizer, duplicated
 *     tensors bit for bit, every group cut as npu_gemm_cut() cuts
 *     it and every slice exactly what the NPU backend converts at load.
 *  2. Same output: an emulated NPU (the packed weights expanded to fp32)
 *     gives the same logits from the package as from the source model
 *     converted at load.
 *  3. The cut is refused where a die would get no rows of some matrix.
 *  4. Every truncation of a die's file is refused; a flipped bit in the
 *     tensor data fails the data hash; one in the metadata is refused or
 *     loads a model that runs, never a crash.
 *
 * usage: test-package <work dir>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npu_gemm.h"
#include "../llm.h"
#include "testmodel.h"
#include "testutil.h"

static const char *dir;

static char *path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *path(const char *fmt, ...)
{
	static char buf[8][4096];
	static int i;
	char name[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* ------------------------------------------------------------------------
 * 1. round trip, 2. same output
 */

static const char *dtype_name(enum llm_dtype d)
{
	return d == LLM_DTYPE_INT8 ? "int8" : "fp16";
}

static int load_source(struct llm_model *m, struct llm_tokenizer *own,
		       struct llm_tokenizer **tok, const char *model,
		       const char *tok_path)
{
	if (llm_model_load(m, model, LLM_FORMAT_AUTO, !tok_path))
		return -1;
	if (tok_path) {
		if (llm_tokenizer_load(own, tok_path, m->cfg.vocab_size)) {
			llm_model_free(m);
			return -1;
		}
		*tok = own;
	} else {
		*tok = m->tokenizer;
	}
	return 0;
}

static int same_tokenizer(const struct llm_tokenizer *a,
			  const struct llm_tokenizer *b)
{
	if (a->vocab_size != b->vocab_size || a->bos_id != b->bos_id ||
	    a->eos_id != b->eos_id || a->unk_id != b->unk_id)
		return 0;
	for (int i = 0; i < a->vocab_size; i++) {
		if (strcmp(a->vocab[i], b->vocab[i]) ||
		    memcmp(&a->scores[i], &b->scores[i], sizeof(float)))
			return 0;
	}
	return 1;
}

/* The package's slices are what quant.c makes of the source's rows. */
static int same_packed(const struct llm_group *src, const struct llm_packed *pk,
		       int dies, enum llm_dtype dtype, char *why, size_t size)
{
	uint32_t n0[LLM_MAX_DIES + 1];
	size_t esize = dtype == LLM_DTYPE_INT8 ? 1 : 2;
	int ok = 1;

	if (!pk || pk->dies != dies || pk->dtype != dtype) {
		snprintf(why, size, "%s: not packed for %d dies %s", src->name,
			 dies, dtype_name(dtype));
		return 0;
	}
	if (npu_gemm_cut((uint32_t)src->rows, (uint32_t)dies, n0) != dies) {
		snprintf(why, size, "%s: cannot be cut", src->name);
		return 0;
	}
	for (int d = 0; ok && d < dies; d++) {
		int r0 = (int)n0[d], rows = (int)(n0[d + 1] - n0[d]);
		size_t bytes = (size_t)rows * (size_t)src->cols * esize;
		void *b = malloc(bytes);
		float *s = malloc((size_t)rows * sizeof(float));

		if (!b || !s) {
			ok = 0;
		} else if (pk->row0[d] != r0 || pk->row0[d + 1] != r0 + rows) {
			snprintf(why, size, "%s: die %d rows %d..%d, npu_gemm_cut says %d..%d",
				 src->name, d, pk->row0[d], pk->row0[d + 1] - 1,
				 r0, r0 + rows - 1);
			ok = 0;
		} else if (dtype == LLM_DTYPE_INT8) {
			ok = !llm_quant_int8(src, r0, r0 + rows, b, s) &&
			     !memcmp(b, pk->data[d], bytes) &&
			     !memcmp(s, pk->scale[d], (size_t)rows * sizeof(float));
		} else {
			ok = !llm_quant_fp16(src, r0, r0 + rows, b) &&
			     !memcmp(b, pk->data[d], bytes) && !pk->scale[d];
		}
		if (!ok && !why[0])
			snprintf(why, size, "%s: die %d's slice differs from the conversion at load",
				 src->name, d);
		free(b);
		free(s);
	}
	return ok;
}

/*
 * The emulated NPU: each group's weights as the NPU holds them (the
 * package's slices, or the source converted by quant.c), expanded back
 * to fp32 and multiplied on the CPU.
 */
struct emu {
	enum llm_dtype dtype;
	struct llm_model *model;
	float *tmp;
};

static int emu_prepare(void *ctx, struct llm_group *g)
{
	struct emu *e = ctx;
	size_t n = (size_t)g->rows * (size_t)g->cols;
	float *w = malloc(n * sizeof(float));
	float *scale = malloc((size_t)g->rows * sizeof(float));
	void *q = malloc(n * 2);
	int ret = -ENOMEM;

	if (!w || !scale || !q)
		goto out;
	if (g->packed) {
		const struct llm_packed *pk = g->packed;

		for (int d = 0; d < pk->dies; d++) {
			size_t r0 = (size_t)pk->row0[d];
			size_t rows = (size_t)(pk->row0[d + 1] - pk->row0[d]);

			memcpy((char *)q + r0 * (size_t)g->cols * (e->dtype == LLM_DTYPE_INT8 ? 1 : 2),
			       pk->data[d], rows * (size_t)g->cols *
			       (e->dtype == LLM_DTYPE_INT8 ? 1 : 2));
			if (pk->scale[d])
				memcpy(scale + r0, pk->scale[d], rows * sizeof(float));
		}
		ret = 0;
	} else {
		ret = e->dtype == LLM_DTYPE_INT8 ?
		      llm_quant_int8(g, 0, g->rows, q, scale) :
		      llm_quant_fp16(g, 0, g->rows, q);
	}
	if (ret)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (e->dtype == LLM_DTYPE_INT8)
			w[i] = (float)((int8_t *)q)[i] * scale[i / (size_t)g->cols];
		else
			w[i] = npu_fp16_to_fp32(((uint16_t *)q)[i]);
	}
	g->priv = w;
	w = NULL;
out:
	free(w);
	free(scale);
	free(q);
	return ret;
}

static int emu_matmul(void *ctx, const struct llm_group *g, const float *x,
		      float *const out[])
{
	struct emu *e = ctx;
	int row = 0;

	llm_matmul_ref(e->tmp, x, g->priv, g->cols, g->rows);
	for (int i = 0; i < g->n; i++) {
		memcpy(out[i], e->tmp + row, (size_t)g->w[i]->rows * sizeof(float));
		row += g->w[i]->rows;
	}
	return 0;
}

static void emu_destroy(void *ctx)
{
	struct emu *e = ctx;

	for (int i = 0; i < e->model->n_groups; i++) {
		free(e->model->groups[i]->priv);
		e->model->groups[i]->priv = NULL;
	}
	free(e->tmp);
}

#define N_POS	24

/* Greedy from "the cat and the hat" on the emulated NPU; logits kept. */
static int emu_run(struct llm_model *m, const struct llm_tokenizer *tok,
		   enum llm_dtype dtype, float *logits_out)
{
	struct emu e = { .dtype = dtype, .model = m };
	struct llm_backend b = {
		.name = "emu", .dtype = dtype, .ctx = &e, .prepare = emu_prepare,
		.matmul = emu_matmul, .destroy = emu_destroy,
	};
	int prompt[64], n_prompt, token, ret = -1;
	struct llm_run r;

	e.tmp = malloc((size_t)(m->cfg.vocab_size + 2 * m->cfg.hidden_dim +
				2 * m->cfg.dim) * sizeof(float));
	if (!e.tmp || llm_encode(tok, "the cat and the hat", 1, 0, prompt, &n_prompt))
		goto out;
	for (int i = 0; i < m->n_groups; i++) {
		if (b.prepare(b.ctx, m->groups[i]))
			goto out;
	}
	if (llm_run_init(&r, m, &b, N_POS, 0))
		goto out;
	token = prompt[0];
	for (int pos = 0; pos < N_POS; pos++) {
		float *logits = llm_forward(&r, token, pos);
		int next = 0;

		if (!logits)
			break;
		memcpy(logits_out + (size_t)pos * (size_t)m->cfg.vocab_size, logits,
		       (size_t)m->cfg.vocab_size * sizeof(float));
		for (int i = 1; i < m->cfg.vocab_size; i++)
			if (logits[i] > logits[next])
				next = i;
		token = pos + 1 < n_prompt ? prompt[pos + 1] : next;
		ret = pos + 1 == N_POS ? 0 : -1;
	}
	llm_run_free(&r);
out:
	emu_destroy(&e);
	return ret;
}

static void round_trip(const char *name, const char *model, const char *tok_path,
		       int dies, enum llm_dtype dtype)
{
	struct llm_pack_options o = {
		.prefix = path("pk-%s-%d-%s", name, dies, dtype_name(dtype)),
		.dies = dies, .dtype = dtype, .source = model,
	};
	struct llm_tokenizer own, *tok;
	struct llm_model src, pkg;
	char what[128], why[256] = "";
	float *a = NULL, *b = NULL;
	size_t n;
	int ok;

	snprintf(what, sizeof(what), "%s, %d die(s), %s", name, dies,
		 dtype_name(dtype));
	if (load_source(&src, &own, &tok, model, tok_path)) {
		result(0, "%s: cannot load the source model", what);
		return;
	}
	if (llm_package_write(&src, tok, &o)) {
		result(0, "%s: writing the package failed", what);
		goto out_src;
	}
	quiet(1);
	ok = !llm_model_load_gguf(&pkg, path("pk-%s-%d-%s-d0.gguf", name,
					     dies, dtype_name(dtype)), 1);
	quiet(0);
	if (!ok) {
		result(0, "%s: the package does not load", what);
		goto out_src;
	}

	ok = !memcmp(&src.cfg, &pkg.cfg, sizeof(src.cfg)) &&
	     src.tied_output == pkg.tied_output && pkg.packed_dies == dies &&
	     pkg.packed_dtype == dtype && !strcmp(pkg.format, "package");
	result(ok, "%s: config, classifier and cut read back", what);
	result(pkg.tokenizer && same_tokenizer(tok, pkg.tokenizer),
	       "%s: the tokenizer reads back token for token", what);

	n = (size_t)src.cfg.dim;
	ok = !memcmp(src.token_embd, pkg.token_embd,
		     (size_t)src.cfg.vocab_size * n * sizeof(float)) &&
	     !memcmp(src.output_norm, pkg.output_norm, n * sizeof(float));
	for (int l = 0; ok && l < src.cfg.n_layers; l++)
		ok = !memcmp(src.layers[l].attn_norm, pkg.layers[l].attn_norm, n * sizeof(float)) &&
		     !memcmp(src.layers[l].ffn_norm, pkg.layers[l].ffn_norm, n * sizeof(float));
	result(ok, "%s: the duplicated f32 tensors are bit for bit the source's", what);

	ok = pkg.n_groups == src.n_groups;
	for (int i = 0; ok && i < src.n_groups; i++)
		ok = same_packed(src.groups[i], pkg.groups[i]->packed, dies, dtype,
				 why, sizeof(why)) &&
		     !pkg.groups[i]->w[0]->data;
	result(ok, "%s: %d groups cut as npu_gemm_cut() and converted as at load%s%s",
	       what, src.n_groups, why[0] ? ": " : "", why);

	n = (size_t)N_POS * (size_t)src.cfg.vocab_size;
	a = malloc(n * sizeof(float));
	b = malloc(n * sizeof(float));
	ok = a && b && !emu_run(&src, tok, dtype, a) &&
	     !emu_run(&pkg, pkg.tokenizer, dtype, b) &&
	     !memcmp(a, b, n * sizeof(float));
	result(ok, "%s: the emulated NPU gives the same logits from the package as from the source, %d positions",
	       what, N_POS);
	free(a);
	free(b);
	llm_model_free(&pkg);
out_src:
	if (tok == &own)
		llm_tokenizer_free(&own);
	llm_model_free(&src);
}

/* ------------------------------------------------------------------------
 * 3. the cut
 */

static void cut_limits(const char *model, const char *tok_path)
{
	struct llm_tokenizer own, *tok;
	struct llm_model m;
	int ok;

	if (load_source(&m, &own, &tok, model, tok_path)) {
		result(0, "cut: cannot load %s", model);
		return;
	}
	/* dim 64: attn_out and ffn_out have 64 rows, two 32-row tiles */
	quiet(1);
	ok = !llm_package_check_cut(&m, 1) && !llm_package_check_cut(&m, 2) &&
	     llm_package_check_cut(&m, 3) && llm_package_check_cut(&m, 0) &&
	     llm_package_check_cut(&m, LLM_MAX_DIES + 1);
	quiet(0);
	result(ok, "cut: 1 and 2 dies accepted; 3 (a 64-row matrix has 2 tiles), 0 and %d refused",
	       LLM_MAX_DIES + 1);
	if (tok == &own)
		llm_tokenizer_free(&own);
	llm_model_free(&m);
}

/* ------------------------------------------------------------------------
 * 4. broken packages
 */

/* Loads the package; on success runs a few tokens.  0: loaded. */
static int try_package(const char *path0)
{
	struct llm_model m;
	int ret;

	quiet(1);
	ret = llm_model_load_gguf(&m, path0, 1);
	quiet(0);
	if (ret)
		return -1;
	if (m.tokenizer) {
		size_t n = (size_t)N_POS * (size_t)m.cfg.vocab_size;
		float *l = malloc(n * sizeof(float));

		if (l)
			emu_run(&m, m.tokenizer, m.packed_dtype, l);
		free(l);
	}
	llm_model_free(&m);
	return 0;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1Dull) >> 32);
}

/*
 * Each die's file: truncated at random lengths, and single bits flipped
 * in its matmul slices (where the NPU's weights come from) and anywhere
 * else (metadata, the copied tensors, padding).
 */
static void die_file_damage(const char *prefix, int dies)
{
	uint64_t seed = 0xf11b;
	int cut_refused = 0, cuts = 0, slice_refused = 0, slice_flips = 0;
	int other_refused = 0, other_flips = 0;
	char path0[4096];
	struct llm_model m;

	snprintf(path0, sizeof(path0), "%s-d0.gguf", prefix);
	if (llm_model_load_gguf(&m, path0, 1)) {
		result(0, "die file damage: %s does not load", path0);
		return;
	}
	for (int d = 0; d < dies; d++) {
		const unsigned char *base = d ? m.die_map[d] : m.map;
		char file[4096];
		unsigned char *data;
		size_t size;

		snprintf(file, sizeof(file), "%s-d%d.gguf", prefix, d);
		if (slurp(file, &data, &size)) {
			result(0, "die file damage: cannot read %s", file);
			break;
		}
		for (int i = 0; i < 40; i++) {
			spill(file, data, i == 0 ? 0 : rnd(&seed) % size);
			cuts++;
			cut_refused += try_package(path0) != 0;
		}
		for (int i = 0; i < 40; i++) {
			const struct llm_group *g = m.groups[rnd(&seed) % (uint32_t)m.n_groups];
			const struct llm_packed *pk = g->packed;
			size_t bytes = (size_t)(pk->row0[d + 1] - pk->row0[d]) * (size_t)g->cols *
				       (pk->dtype == LLM_DTYPE_INT8 ? 1 : 2);
			size_t at = i % 2 ? (size_t)((const unsigned char *)pk->data[d] - base) +
					    rnd(&seed) % bytes : rnd(&seed) % size;
			unsigned char bit = (unsigned char)(1u << (rnd(&seed) % 8));
			int refused;

			data[at] ^= bit;
			spill(file, data, size);
			refused = try_package(path0) != 0;
			if (i % 2) {
				slice_flips++;
				slice_refused += refused;
			} else {
				other_flips++;
				other_refused += refused;
			}
			data[at] ^= bit;
		}
		spill(file, data, size);	/* the original again */
		free(data);
	}
	llm_model_free(&m);
	result(cut_refused == cuts, "die files: %d of %d truncations refused", cut_refused, cuts);
	result(slice_refused == slice_flips, "die files: %d of %d bit flips in the matmul slices refused by the data hash",
	       slice_refused, slice_flips);
	result(1, "die files: %d bit flips anywhere, %d refused, the rest loaded and ran",
	       other_flips, other_refused);
	result(!try_package(path0), "die files: the undamaged package loads again");
}

int main(int argc, char **argv)
{
	static const enum llm_dtype dtypes[] = { LLM_DTYPE_FP16, LLM_DTYPE_INT8 };

	if (argc != 2) {
		fprintf(stderr, "usage: test-package <work dir>\n");
		return 1;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}

	if (tm_write_bin(path("t.bin"), path("t.tok"), "shared") ||
	    tm_write_bin(path("t-untied.bin"), path("t-untied.tok"), "untied") ||
	    tm_write_gguf(path("t-q8_0.gguf"), "q8_0") ||
	    tm_write_export(path("v2.bin"), 2, 32, 1))
		return 1;
	for (int dies = 1; dies <= 2; dies++) {
		for (int k = 0; k < 2; k++) {
			round_trip("bin", path("t.bin"), path("t.tok"), dies, dtypes[k]);
			round_trip("untied", path("t-untied.bin"), path("t-untied.tok"),
				   dies, dtypes[k]);
			round_trip("gguf-q8_0", path("t-q8_0.gguf"), NULL, dies,
				   dtypes[k]);
			round_trip("llama2.c-v2-int8", path("v2.bin"), path("t.tok"),
				   dies, dtypes[k]);
		}
	}
	cut_limits(path("t.bin"), path("t.tok"));

	die_file_damage(path("pk-bin-2-int8"), 2);
	die_file_damage(path("pk-untied-1-fp16"), 1);

	printf("%s: %d failure%s\n", failures ? "FAIL" : "PASS", failures,
	       failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
