// SPDX-License-Identifier: MIT
/*
 * npu-llm-pack: turn a model into a peer package for npu-llm.
 *
 *   npu-llm-pack stories260K.bin -z tok512.bin --dies 2 -o out/stories260K
 *   npu-llm-pack model.gguf --dies 2 --dtype int8 -o model-int8
 *   npu-llm-pack --check out/stories260K-d0.gguf
 *
 * A package is one GGUF file per die, <prefix>-d0.gguf, <prefix>-d1.gguf,
 * ...: the weights converted for the NPU once (fp16, or int8 with a scale
 * per row), every matmul cut by rows over the dies, the embedding, the
 * norms and the tokenizer copied into every file.
 * npu-llm runs it with --device npu on as many dies.  The format is in
 * Documentation/npu/peer-package.rst.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage:   npu-llm-pack <model> -o <prefix> [options]\n"
		"         npu-llm-pack --check <prefix>-d0.gguf\n"
		"Example: npu-llm-pack stories260K.bin -z tok512.bin --dies 2 -o stories260K-peer\n"
		"Writes <prefix>-d0.gguf .. <prefix>-d<N-1>.gguf, one GGUF file per die.\n"
		"Options:\n"
		"  -o <prefix>            output: <prefix>-d<N>.gguf for die N\n"
		"  --dies <int>           dies to cut every matrix over, 1 to %d, default 1\n"
		"                         (1: a pre-packed model for one die)\n"
		"  --dtype fp16|int8      weight type on the NPU, default fp16\n"
		"  -z <string>            tokenizer.bin of a llama2.c checkpoint (default:\n"
		"                         tokenizer.bin; GGUF files carry their own)\n"
		"  --load-format auto|llama2c|gguf\n"
		"                         model file format, default auto (by magic)\n"
		"  -q                     no progress on stderr\n"
		"  --check <prefix>-d0.gguf  read a package as npu-llm does (every die's\n"
		"                         file: metadata, shapes, cut, data hashes) and\n"
		"                         report; no NPU needed\n",
		LLM_MAX_DIES);
}

#define usage_error(...) llm_usage_error(usage, __VA_ARGS__)

struct options {
	const char *model;
	const char *tokenizer;
	const char *check;
	struct llm_pack_options pack;
	enum llm_format format;
};

static void parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){
		.pack = { .dies = 1, .dtype = LLM_DTYPE_FP16, .progress = 1 },
		.format = LLM_FORMAT_AUTO,
	};
	for (int i = 1; i < argc; i++) {
		static const char *const with_value[] = {
			"-o", "-z", "--dies", "--dtype", "--load-format", "--check",
		};
		const char *a = argv[i], *val = NULL;
		char flag[32];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(EXIT_SUCCESS);
		}
		if (!strcmp(a, "-q")) {
			o->pack.progress = 0;
			continue;
		}
		if (a[0] != '-') {
			if (o->model)
				usage_error("%s: more than one model", a);
			o->model = a;
			continue;
		}
		switch (llm_option_value(argc, argv, &i, with_value,
					 sizeof(with_value) / sizeof(with_value[0]),
					 flag, sizeof(flag), &val)) {
		case -1:
			usage_error("%s: unknown option", a);
		case -2:
			usage_error("%s: missing value", a);
		default:
			break;
		}

		if (!strcmp(flag, "-o")) {
			o->pack.prefix = val;
		} else if (!strcmp(flag, "-z")) {
			o->tokenizer = val;
		} else if (!strcmp(flag, "--check")) {
			o->check = val;
		} else if (!strcmp(flag, "--dies")) {
			char *end;
			long v;

			errno = 0;
			v = strtol(val, &end, 10);
			if (!*val || *end || errno || v < 1 || v > LLM_MAX_DIES)
				usage_error("--dies %s: expected 1 to %d", val,
					    LLM_MAX_DIES);
			o->pack.dies = (int)v;
		} else if (!strcmp(flag, "--dtype")) {
			if (llm_parse_dtype(val, &o->pack.dtype))
				usage_error("--dtype %s: expected fp16 or int8", val);
		} else if (llm_parse_format(val, 0, &o->format)) {	/* --load-format */
			usage_error("--load-format %s: expected auto, llama2c or gguf", val);
		}
	}
	if (o->check) {
		if (o->model || o->pack.prefix)
			usage_error("--check reads a package; it takes no model and no -o");
		return;
	}
	if (!o->model)
		usage_error("no model given");
	if (!o->pack.prefix)
		usage_error("no output given: -o <prefix> writes <prefix>-d0.gguf ..");
	o->pack.source = o->model;
}

/* --check: what npu-llm does before it opens a device */
static int check(const char *path)
{
	struct llm_model m;

	if (llm_model_load_gguf(&m, path, 1))
		return EXIT_FAILURE;
	if (!m.packed_dies) {
		llm_err("%s is a GGUF model, not a peer package (no npu.* metadata)", path);
		llm_model_free(&m);
		return EXIT_FAILURE;
	}
	printf("%s: %s package for %d die(s): dim %d, hidden %d, layers %d, heads %d, kv heads %d, vocab %d, seq %d\n",
	       path, llm_dtype_name(m.packed_dtype),
	       m.packed_dies, m.cfg.dim, m.cfg.hidden_dim, m.cfg.n_layers,
	       m.cfg.n_heads, m.cfg.n_kv_heads, m.cfg.vocab_size, m.cfg.seq_len);
	for (int d = 0; d < m.packed_dies; d++) {
		uint64_t rows = 0;

		for (int i = 0; i < m.n_groups; i++) {
			const struct llm_packed *pk = m.groups[i]->packed;

			rows += (uint64_t)(pk->row0[d + 1] - pk->row0[d]);
		}
		printf("%s: die %d: %zu bytes, %llu matrix rows, data hash ok\n",
		       path, d, d ? m.die_map_size[d] : m.map_size,
		       (unsigned long long)rows);
	}
	llm_model_free(&m);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct llm_tokenizer own_tok, *tok;
	struct llm_model m;
	struct options o;
	int ret = EXIT_FAILURE;

	llm_program = "npu-llm-pack";
	parse_args(argc, argv, &o);
	if (o.check)
		return check(o.check);

	if (llm_model_load(&m, o.model, o.format, !o.tokenizer))
		return EXIT_FAILURE;
	if (m.packed_dies) {
		llm_err("%s is a peer package already: pack the model it was made from",
			o.model);
		goto out_model;
	}

	tok = llm_model_tokenizer(&m, o.tokenizer, &own_tok);
	if (!tok)
		goto out_model;

	if (o.pack.progress)
		fprintf(stderr, "%s: %s (%s): dim %d, hidden %d, layers %d, heads %d, kv heads %d, vocab %d: %s for %d die(s)\n",
			llm_program, o.model, m.format, m.cfg.dim,
			m.cfg.hidden_dim, m.cfg.n_layers, m.cfg.n_heads,
			m.cfg.n_kv_heads, m.cfg.vocab_size,
			llm_dtype_name(o.pack.dtype),
			o.pack.dies);
	if (!llm_package_write(&m, tok, &o.pack))
		ret = EXIT_SUCCESS;

	if (tok == &own_tok)
		llm_tokenizer_free(&own_tok);
out_model:
	llm_model_free(&m);
	return ret;
}
