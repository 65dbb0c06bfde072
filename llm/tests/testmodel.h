/* SPDX-License-Identifier: MIT */
/*
 * Small llama models for the tests, written in every format npu-llm
 * reads, with the same weights: every value is q * 2^-e with q an int8,
 * so F32, F16 and Q8_0 files hold exactly the same numbers and must give
 * exactly the same text.  Broken variants exercise the loaders' checks.
 *
 * Shape: dim 64, hidden 96, 2 layers, 4 heads, 2 kv heads, vocab 300,
 * seq 64.  Vocabulary: <unk> <s> </s>, the 256 byte tokens, U+2581 and
 * a-z, and a few merges ("▁the", "▁and", ...).
 */
#ifndef NPU_LLM_TESTMODEL_H
#define NPU_LLM_TESTMODEL_H

/*
 * variant: "f32", "f16", "q8_0", "f32-untied" (output.weight stored), or
 * a broken file: "missing-tensor", "bad-shape", "bad-type",
 * "duplicate-tensor", "extra-tensor", "extra-layer", "misaligned",
 * "offset-oob", "no-block-count", "block-count-string",
 * "tokens-mismatch", "not-llama", "bad-version", "no-scores".
 * "110m-f32", "110m-f16", "110m-q8_0": the same kind of weights in
 * stories110M's shape (dim 768, hidden 2048, 12 layers, 12 heads, 12 kv
 * heads, vocab 32000, seq 1024) for benchmarks; tokens past the test
 * vocabulary are distinct four-letter pieces.  The data is written one
 * tensor at a time.
 * 0 on success, -1 (message on stderr) on error.
 */
int tm_write_gguf(const char *path, const char *variant);

/*
 * variant: "shared", "untied", or broken: "bad-header" (4 heads -> 5),
 * "trailing" (4 bytes more).  Writes the llama2.c tokenizer to tok_path.
 */
int tm_write_bin(const char *path, const char *tok_path, const char *variant);

/*
 * The same weights as llama2.c's export.py --version 1 (fp32) or 2
 * (int8 in groups of @group values, with a scale each), the classifier
 * @shared with the embedding or stored; the tokenizer is tm_write_bin()'s.
 */
int tm_write_export(const char *path, int version, int group, int shared);

#endif
