// SPDX-License-Identifier: MIT
/*
 * test-hf: Hugging Face directories in process, on what gen-hf writes
 * from the reference stories260K.bin and tok512.bin.
 *
 *  1. tokenizer.json encodes a set of prompts (ASCII, non-ASCII text the
 *     vocabulary has no tokens for, control bytes: byte fallback) to the
 *     same ids as tok512.bin with llama2.c's encoder, and every token
 *     decodes to the same bytes.
 *  2. Every truncation of a shard (each byte of the header, then strided
 *     through the tensors) is refused.
 *  3. Random bytes in a shard's header, in the index, config.json and
 *     tokenizer.json: refused or loaded into a model that runs, never a
 *     crash (run it under -Db_sanitize=address,undefined too).
 *  4. config.json's rope_theta reaches the model, and
 *     tokenizer_config.json's add_bos_token false the tokenizer.
 *
 * usage: test-hf <gen-hf> <models dir> <work dir>
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../hf.h"
#include "../llm.h"
#include "testutil.h"

static const char *work;

/* work/a or work/a/b, in a new buffer the caller frees */
static char *path(const char *a, const char *b)
{
	size_t n = strlen(work) + strlen(a) + (b ? strlen(b) : 0) + 3;
	char *p = malloc(n);

	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	snprintf(p, n, "%s/%s%s%s", work, a, b ? "/" : "", b ? b : "");
	return p;
}

static int gen(const char *gen_hf, const char *models, const char *dir,
	       const char *opts)
{
	char cmd[8192], *d = path(dir, NULL);

	snprintf(cmd, sizeof(cmd), "'%s' '%s/stories260K.bin' '%s/tok512.bin' '%s' %s",
		 gen_hf, models, models, d, opts);
	free(d);
	return system(cmd) ? -1 : 0;
}

/* ------------------------------------------------------------------------
 * 1. tokenizer.json against tok512.bin
 */

static const char *const prompts[] = {
	"",
	"Once upon a time",
	"Lily's mom said, \"Lily, let's go to the park.\"",
	"  two leading spaces and a trailing one ",
	"na\xc3\xafve caf\xc3\xa9 \xe2\x80\x94 \xe2\x98\x83 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	"emoji \xf0\x9f\x98\x80!",
	"tabs\tand\nnew lines\x01\x7f",
	"The quick brown fox jumps over the lazy dog. 1234567890",
};

static int encode(const struct llm_tokenizer *t, const char *s, int *ids)
{
	int n = 0;

	return llm_encode(t, s, 1, 0, ids, &n) ? -1 : n;
}

static void tokenizers(const char *models, const char *dir)
{
	struct llm_tokenizer ref, hf;
	char tok_path[4096], *d = path(dir, NULL);
	int a[512], b[512], bytes = 0, same_decode = 1, err;

	snprintf(tok_path, sizeof(tok_path), "%s/tok512.bin", models);
	err = llm_tokenizer_load(&ref, tok_path, 512) ||
	      llm_tokenizer_load_json(&hf, d, 512);
	free(d);
	if (err) {
		result(0, "tokenizer: cannot load tok512.bin or %s/tokenizer.json", dir);
		return;
	}
	for (size_t i = 0; i < sizeof(prompts) / sizeof(prompts[0]); i++) {
		int na = encode(&ref, prompts[i], a), nb = encode(&hf, prompts[i], b);
		int same = na == nb && na >= 0 && !memcmp(a, b, (size_t)na * sizeof(*a));

		for (int k = 0; k < nb; k++)
			bytes += hf.byte_of[b[k]] >= 0;
		result(same, "tokenizer: prompt %zu: %d ids, tokenizer.json %d ids%s",
		       i, na, nb, same ? ", the same" : ", different");
	}
	result(bytes > 0, "tokenizer: %d byte-fallback tokens among the prompts' ids", bytes);
	/* the special tokens are spelt differently: tok512.bin's "\n<s>\n" */
	for (int id = 3; id < 512; id++)
		same_decode &= !strcmp(llm_decode(&ref, 1, id), llm_decode(&hf, 1, id)) &&
			       !strcmp(llm_decode(&ref, 5, id), llm_decode(&hf, 5, id));
	result(same_decode, "tokenizer: tokens 3..511 decode alike, after BOS and not");
	result(hf.bos_id == 1 && hf.eos_id == 2 && hf.unk_id == 0 && !hf.no_bos,
	       "tokenizer: bos %d, eos %d, unk %d, add_bos_token %s", hf.bos_id,
	       hf.eos_id, hf.unk_id, hf.no_bos ? "false" : "true");
	llm_tokenizer_free(&ref);
	llm_tokenizer_free(&hf);
}

/* ------------------------------------------------------------------------
 * 2., 3. damaged files
 */

/* Loads the directory; on success runs a few tokens.  0: loaded. */
static int try_load(const char *dir)
{
	struct llm_backend b;
	struct llm_model m;
	struct llm_run r;
	int ids[64], n;

	if (llm_model_load_hf(&m, dir, LLM_DTYPE_FP32, 1))
		return -1;
	if (!llm_backend_cpu(&b)) {
		if (!llm_run_init(&r, &m, &b, 4, 0)) {
			for (int pos = 0; pos < 4; pos++)
				if (!llm_forward(&r, pos, pos))
					break;
			llm_run_free(&r);
		}
		b.destroy(b.ctx);
	}
	llm_encode(m.tokenizer, "the hat \xc3\xa9", 1, 1, ids, &n);
	llm_model_free(&m);
	return 0;
}

static uint64_t header_end(const unsigned char *d, size_t size)
{
	uint64_t len = 0;

	for (int i = 7; i >= 0 && size >= 8; i--)
		len = len << 8 | d[i];
	return 8 + len;
}

static void truncations(const char *dir, const char *file, size_t stride,
			int json)
{
	char *p = path(dir, file), *d = path(dir, NULL);
	unsigned char *data;
	size_t size, full, dense, tried = 0, accepted = 0;

	if (slurp(p, &data, &size)) {
		result(0, "%s/%s: cannot read", dir, file);
		free(p);
		free(d);
		return;
	}
	full = size;
	dense = json ? size : (size_t)header_end(data, size);
	/* a JSON file without its final white space is still the file */
	while (json && size && strchr(" \n\t\r", data[size - 1]))
		size--;
	quiet(1);
	for (size_t len = 0; len < size; len += len < dense ? 1 : stride) {
		if (spill(p, data, len))
			break;
		tried++;
		if (!try_load(d))
			accepted++;
	}
	quiet(0);
	spill(p, data, full);
	result(!accepted && tried >= (dense < size ? dense : size),
	       "%s/%s truncated: %zu truncations of %zu bytes refused (header %zu bytes), %zu accepted",
	       dir, file, tried - accepted, size, dense, accepted);
	free(data);
	free(p);
	free(d);
}

/* 1-4 random bytes in [0, span) per round (span 0: the header). */
static void corruptions(const char *dir, const char *file, size_t span, int rounds)
{
	char *p = path(dir, file), *d = path(dir, NULL);
	uint64_t seed = 0x8badf00d12345678ull;
	unsigned char *data = NULL, *copy = NULL;
	size_t size, loaded = 0;

	if (slurp(p, &data, &size) || !(copy = malloc(size))) {
		result(0, "%s/%s: cannot read", dir, file);
		goto out;
	}
	if (!span)
		span = (size_t)header_end(data, size);
	if (span > size)
		span = size;
	quiet(1);
	for (int i = 0; i < rounds; i++) {
		int n = 1 + (int)(llm_random_u32(&seed) % 4);

		memcpy(copy, data, size);
		for (int j = 0; j < n; j++) {
			size_t at = llm_random_u32(&seed) % span;
			uint32_t how = llm_random_u32(&seed) % 6;

			/* JSON's structure: quotes, brackets, digits, bytes */
			copy[at] = how == 0 ? '"' : how == 1 ? '}' : how == 2 ? ']' :
				   how == 3 ? (unsigned char)('0' + llm_random_u32(&seed) % 10) :
				   how == 4 ? 0xff : (unsigned char)llm_random_u32(&seed);
		}
		if (spill(p, copy, size))
			break;
		if (!try_load(d))
			loaded++;
	}
	quiet(0);
	spill(p, data, size);
	result(1, "%s/%s corrupted: %d rounds, no crash (%zu still loaded)",
	       dir, file, rounds, loaded);
out:
	free(copy);
	free(data);
	free(p);
	free(d);
}

/* ------------------------------------------------------------------------
 * 4. what config.json and tokenizer_config.json say
 */

static void config_keys(void)
{
	struct llm_config c;
	struct llm_hf_info hi;
	struct llm_tokenizer t;
	char *d = path("rope", NULL), *nb = path("nobos", NULL);
	int ids[64], n = 0, err;

	err = llm_hf_config(d, &c, &hi);
	result(!err && c.rope_theta == 500000.0f,
	       "rope/config.json: rope_theta %g (500000 written)",
	       err ? -1.0 : (double)c.rope_theta);
	if (llm_tokenizer_load_json(&t, nb, 512)) {
		result(0, "nobos: tokenizer.json does not load");
	} else {
		result(t.no_bos, "nobos: add_bos_token false read");
		err = llm_encode(&t, "Once upon a time", !t.no_bos, 0, ids, &n);
		result(!err && n > 0 && ids[0] != t.bos_id,
		       "nobos: the prompt encodes to %d ids, the first %d (BOS is %d)",
		       n, n ? ids[0] : -1, t.bos_id);
		llm_tokenizer_free(&t);
	}
	free(d);
	free(nb);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: test-hf <gen-hf> <models dir> <work dir>\n");
		return 1;
	}
	work = argv[3];
	if (mkdir(work, 0755) && errno != EEXIST) {
		perror(work);
		return 1;
	}
	if (gen(argv[1], argv[2], "f32", "") ||
	    gen(argv[1], argv[2], "fp8", "--dtype fp8 --shards 2 --block 32") ||
	    gen(argv[1], argv[2], "rope", "--rope-theta 500000") ||
	    gen(argv[1], argv[2], "nobos", "--add-bos false")) {
		result(0, "gen-hf");
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		char *d = path(i ? "fp8" : "f32", NULL);

		result(!try_load(d), "%s loads", d);
		free(d);
	}

	tokenizers(argv[2], "f32");
	config_keys();

	truncations("f32", "model.safetensors", 4093, 0);
	truncations("fp8", "model-00002-of-00002.safetensors", 2039, 0);
	truncations("fp8", "model.safetensors.index.json", 1, 1);
	truncations("f32", "config.json", 1, 1);
	corruptions("f32", "model.safetensors", 0, 2000);
	corruptions("fp8", "model-00001-of-00002.safetensors", 0, 1000);
	corruptions("fp8", "model.safetensors.index.json", 4096, 300);
	corruptions("f32", "config.json", 4096, 300);
	corruptions("f32", "tokenizer.json", 4096, 300);

	printf("%s: %d failure%s\n", failures ? "FAIL" : "PASS", failures,
	       failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
