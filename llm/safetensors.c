// SPDX-License-Identifier: MIT
/*
 * safetensors files, read in place.
 *
 * A file is a little-endian uint64 N, N bytes of JSON (an object; the
 * writer may pad it with spaces), then the byte buffer of the tensors.
 * Each key but "__metadata__" is a tensor:
 *
 *   "name": { "dtype": "BF16", "shape": [rows, cols],
 *             "data_offsets": [begin, end] }
 *
 * the offsets relative to the byte buffer.  The reader checks that the
 * header fits in the file and is valid JSON, that every dtype is known,
 * every shape sane and every tensor exactly as many bytes as its shape
 * needs, inside the buffer, and that tensors neither overlap nor leave
 * holes (the buffer is entirely indexed).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hf.h"

/* No header this large is a model's: it would be a few thousand tensors. */
#define ST_HEADER_MAX	(100u << 20)

static const struct {
	const char *name;
	enum llm_st_dtype dtype;
	size_t size;
} st_types[] = {
	{ "F32", LLM_ST_F32, 4 },
	{ "F16", LLM_ST_F16, 2 },
	{ "BF16", LLM_ST_BF16, 2 },
	{ "F8_E4M3", LLM_ST_F8_E4M3, 1 },
};

const char *llm_st_dtype_name(enum llm_st_dtype t)
{
	return st_types[t].name;
}

size_t llm_st_dtype_size(enum llm_st_dtype t)
{
	return st_types[t].size;
}

static int st_dtype(const char *s, enum llm_st_dtype *t)
{
	for (size_t i = 0; i < sizeof(st_types) / sizeof(st_types[0]); i++) {
		if (!strcmp(s, st_types[i].name)) {
			*t = st_types[i].dtype;
			return 0;
		}
	}
	return -1;
}

/* A JSON integer >= 0 (json-c holds it as int64). */
static int json_u64(struct json_object *o, uint64_t *v)
{
	int64_t x;

	if (!json_object_is_type(o, json_type_int))
		return -1;
	errno = 0;
	x = json_object_get_int64(o);
	if (x < 0 || errno)
		return -1;
	*v = (uint64_t)x;
	return 0;
}

/* One header entry: dtype, shape, offsets; the data not yet placed. */
static int st_entry(const char *path, const char *name, struct json_object *v,
		    struct llm_st_tensor *t, uint64_t *begin, uint64_t *end)
{
	struct json_object *dtype, *shape, *offs;
	uint64_t elems = 1, b, e, d;
	size_t n;

	if (strlen(name) >= sizeof(t->name)) {
		llm_err("%s: tensor name %.40s... longer than %zu bytes", path,
			name, sizeof(t->name) - 1);
		return -1;
	}
	memset(t, 0, sizeof(*t));
	strcpy(t->name, name);
	if (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "dtype", &dtype) ||
	    !json_object_object_get_ex(v, "shape", &shape) ||
	    !json_object_object_get_ex(v, "data_offsets", &offs) ||
	    json_object_object_length(v) != 3) {
		llm_err("%s: tensor %s: expected an object of dtype, shape and data_offsets",
			path, name);
		return -1;
	}
	if (!json_object_is_type(dtype, json_type_string) ||
	    st_dtype(json_object_get_string(dtype), &t->dtype)) {
		llm_err("%s: tensor %s: dtype %s: expected F32, F16, BF16 or F8_E4M3",
			path, name, json_object_to_json_string(dtype));
		return -1;
	}
	n = json_object_is_type(shape, json_type_array) ?
		json_object_array_length(shape) : SIZE_MAX;
	if (n > LLM_ST_MAX_DIMS) {
		llm_err("%s: tensor %s: shape %s: expected an array of at most %d sizes",
			path, name, json_object_to_json_string(shape),
			LLM_ST_MAX_DIMS);
		return -1;
	}
	t->ndim = (int)n;
	for (size_t i = 0; i < n; i++) {
		if (json_u64(json_object_array_get_idx(shape, i), &d) ||
		    d > (1u << 30) || (d && elems > (UINT64_C(1) << 40) / d)) {
			llm_err("%s: tensor %s: shape %s: not a size, or too large",
				path, name, json_object_to_json_string(shape));
			return -1;
		}
		t->shape[i] = (int64_t)d;
		elems *= d;
	}
	if (!json_object_is_type(offs, json_type_array) ||
	    json_object_array_length(offs) != 2 ||
	    json_u64(json_object_array_get_idx(offs, 0), &b) ||
	    json_u64(json_object_array_get_idx(offs, 1), &e) || b > e) {
		llm_err("%s: tensor %s: data_offsets %s: expected [begin, end], begin <= end",
			path, name, json_object_to_json_string(offs));
		return -1;
	}
	t->bytes = elems * llm_st_dtype_size(t->dtype);
	if (e - b != t->bytes) {
		llm_err("%s: tensor %s: data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64 " bytes, %s %s needs %" PRIu64,
			path, name, b, e, e - b, llm_st_dtype_name(t->dtype),
			json_object_to_json_string(shape), t->bytes);
		return -1;
	}
	*begin = b;
	*end = e;
	return 0;
}

struct st_span {
	uint64_t begin, end;
	int index;
};

static int compare_spans(const void *a, const void *b)
{
	const struct st_span *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Sorted by offset, the tensors must tile the buffer exactly. */
static int st_check_spans(const char *path, struct st_span *s, int n,
			  const struct llm_st_tensor *t, uint64_t buffer)
{
	uint64_t at = 0;

	qsort(s, (size_t)n, sizeof(*s), compare_spans);
	for (int i = 0; i < n; i++) {
		const char *name = t[s[i].index].name;

		if (s[i].end > buffer) {
			llm_err("%s: tensor %s: data_offsets [%" PRIu64 ", %" PRIu64 "] out of bounds: the byte buffer has %" PRIu64 " bytes",
				path, name, s[i].begin, s[i].end, buffer);
			return -1;
		}
		if (s[i].begin < at) {
			llm_err("%s: tensor %s: data_offsets [%" PRIu64 ", %" PRIu64 "] overlap tensor %s, which ends at %" PRIu64,
				path, name, s[i].begin, s[i].end,
				t[s[i - 1].index].name, at);
			return -1;
		}
		if (s[i].begin > at) {
			llm_err("%s: tensor %s: a hole of %" PRIu64 " bytes before it at offset %" PRIu64 " of the byte buffer",
				path, name, s[i].begin - at, at);
			return -1;
		}
		at = s[i].end;
	}
	/* the format's rule: the byte buffer is entirely indexed */
	if (at != buffer && n) {
		llm_err("%s: %" PRIu64 " bytes after the last tensor, %s, which ends at offset %" PRIu64 " of the byte buffer: trailing bytes are refused",
			path, buffer - at, t[s[n - 1].index].name, at);
		return -1;
	}
	if (at != buffer) {
		llm_err("%s: %" PRIu64 " bytes after a header of no tensors: trailing bytes are refused",
			path, buffer);
		return -1;
	}
	return 0;
}

/* The header as a JSON object; NULL with a message. */
static struct json_object *st_header(const char *path, const char *text,
				     uint64_t len)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t used;

	if (memchr(text, '\0', (size_t)len)) {
		llm_err("%s: header: a NUL byte at offset %zu: not valid JSON",
			path, (size_t)((const char *)memchr(text, '\0', len) - text) + 8);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		llm_err("out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		llm_err("%s: header: not valid JSON (%s, at byte %zu of %" PRIu64 ")",
			path, jerr == json_tokener_continue ? "it ends early" :
			json_tokener_error_desc(jerr), used, len);
		json_object_put(root);
		return NULL;
	}
	for (size_t i = used; i < len; i++) {
		if (text[i] != ' ' && text[i] != '\n' && text[i] != '\t' &&
		    text[i] != '\r') {
			llm_err("%s: header: bytes after the JSON object at offset %zu",
				path, i + 8);
			json_object_put(root);
			return NULL;
		}
	}
	if (!json_object_is_type(root, json_type_object)) {
		llm_err("%s: header: not a JSON object", path);
		json_object_put(root);
		return NULL;
	}
	return root;
}

int llm_st_parse(const void *map, size_t size, const char *path, int shard,
		 struct llm_st_tensor **t, int *n)
{
	const uint8_t *p = map;
	struct json_object *root;
	struct st_span *spans = NULL;
	struct llm_st_tensor *all;
	uint64_t len = 0, buffer;
	int first = *n, count = 0, ret = -1;

	if (size < 8) {
		llm_err("%s: truncated: %zu bytes, a safetensors file starts with an 8-byte header size",
			path, size);
		return -1;
	}
	for (int i = 7; i >= 0; i--)
		len = len << 8 | p[i];
	if (len < 2 || len > ST_HEADER_MAX || len > size - 8) {
		llm_err("%s: truncated or not safetensors: the header says %" PRIu64 " bytes of JSON, the file has %zu after the size",
			path, len, size - 8);
		return -1;
	}
	root = st_header(path, (const char *)p + 8, len);
	if (!root)
		return -1;
	buffer = size - 8 - len;

	all = realloc(*t, ((size_t)first + json_object_object_length(root)) *
		      sizeof(*all));
	spans = calloc((size_t)json_object_object_length(root) + 1, sizeof(*spans));
	if (!all || !spans) {
		free(spans);
		if (all)
			*t = all;
		llm_err("out of memory");
		goto out;
	}
	*t = all;
	json_object_object_foreach(root, key, val) {
		struct llm_st_tensor *x = &all[first + count];
		uint64_t b, e;

		if (!strcmp(key, "__metadata__")) {
			if (!json_object_is_type(val, json_type_object)) {
				llm_err("%s: __metadata__ is not an object", path);
				goto out;
			}
			continue;
		}
		if (st_entry(path, key, val, x, &b, &e))
			goto out;
		spans[count] = (struct st_span){ b, e, first + count };
		x->shard = shard;
		x->data = p + 8 + len + (b <= buffer ? b : 0);
		count++;
	}
	if (st_check_spans(path, spans, count, all, buffer))
		goto out;
	*n = first + count;
	ret = 0;
out:
	free(spans);
	json_object_put(root);
	return ret;
}

/* float8_e4m3fn: bias 7, no infinities, S.1111.111 is NaN */
static float fp8_e4m3_value(uint8_t b)
{
	int e = (b >> 3) & 0xf, f = b & 7;
	float v;

	if (e == 15 && f == 7)
		v = NAN;
	else if (e == 0)
		v = ldexpf((float)f, -9);
	else
		v = ldexpf((float)(f | 8), e - 10);
	return b & 0x80 ? -v : v;
}

float llm_st_get(const struct llm_st_tensor *t, size_t i)
{
	const uint8_t *p = t->data;
	uint16_t h;
	float f;

	switch (t->dtype) {
	case LLM_ST_F32:
		memcpy(&f, p + 4 * i, 4);
		return f;
	case LLM_ST_F16:
		memcpy(&h, p + 2 * i, 2);
		return llm_fp16_to_fp32(h);
	case LLM_ST_BF16:
		memcpy(&h, p + 2 * i, 2);
		return llm_bf16_to_fp32(h);
	case LLM_ST_F8_E4M3:
		return fp8_e4m3_value(p[i]);
	}
	return NAN;
}
