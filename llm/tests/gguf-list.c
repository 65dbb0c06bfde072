// SPDX-License-Identifier: MIT
/*
 * gguf-list: a GGUF file as llama.cpp's own reader (gguf_init_from_file()
 * of libggml-base) sees it: its metadata and its tensors, one per line.
 * The tests check with it that a peer package's files are standard GGUF.
 *
 *   gguf-list <file.gguf>
 */
#include <inttypes.h>
#include <stdio.h>

#include "ggml.h"
#include "gguf.h"

int main(int argc, char **argv)
{
	struct gguf_init_params params = { .no_alloc = true, .ctx = NULL };
	struct gguf_context *ctx;

	if (argc != 2) {
		fprintf(stderr, "usage: gguf-list <file.gguf>\n");
		return 1;
	}
	ctx = gguf_init_from_file(argv[1], params);
	if (!ctx) {
		fprintf(stderr, "gguf-list: %s: llama.cpp's GGUF reader refuses it\n", argv[1]);
		return 1;
	}
	printf("version: %u\nalignment: %zu\nkv: %" PRId64 "\ntensors: %" PRId64 "\n",
	       gguf_get_version(ctx), gguf_get_alignment(ctx), gguf_get_n_kv(ctx),
	       gguf_get_n_tensors(ctx));
	for (int64_t i = 0; i < gguf_get_n_kv(ctx); i++) {
		const char *key = gguf_get_key(ctx, i);

		switch (gguf_get_kv_type(ctx, i)) {
		case GGUF_TYPE_UINT32:
			printf("%s = %u\n", key, gguf_get_val_u32(ctx, i));
			break;
		case GGUF_TYPE_UINT64:
			printf("%s = %" PRIu64 "\n", key, gguf_get_val_u64(ctx, i));
			break;
		case GGUF_TYPE_FLOAT32:
			printf("%s = %g\n", key, (double)gguf_get_val_f32(ctx, i));
			break;
		case GGUF_TYPE_BOOL:
			printf("%s = %s\n", key, gguf_get_val_bool(ctx, i) ? "true" : "false");
			break;
		case GGUF_TYPE_STRING:
			printf("%s = %s\n", key, gguf_get_val_str(ctx, i));
			break;
		case GGUF_TYPE_ARRAY:
			printf("%s = [%zu x %s]\n", key, gguf_get_arr_n(ctx, i),
			       gguf_type_name(gguf_get_arr_type(ctx, i)));
			break;
		default:
			printf("%s = (%s)\n", key, gguf_type_name(gguf_get_kv_type(ctx, i)));
			break;
		}
	}
	for (int64_t i = 0; i < gguf_get_n_tensors(ctx); i++) {
		const int64_t *ne = gguf_get_tensor_ne(ctx, i);

		printf("tensor %s %s [%" PRId64 ", %" PRId64 "] offset %zu size %zu\n",
		       gguf_get_tensor_name(ctx, i),
		       ggml_type_name(gguf_get_tensor_type(ctx, i)), ne[0], ne[1],
		       gguf_get_tensor_offset(ctx, i), gguf_get_tensor_size(ctx, i));
	}
	gguf_free(ctx);
	return 0;
}
