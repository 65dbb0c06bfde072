// SPDX-License-Identifier: MIT
/*
 * What every file of npu-llm and both programs use: messages, the clock,
 * file mapping, half floats, and the command-line pieces npu-llm and
 * npu-llm-pack share (option values, --dtype, --load-format, the
 * tokenizer a model runs with).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "llm.h"

const char *llm_program = "npu-llm";
int llm_messages_off;

void llm_verr(const char *fmt, va_list ap)
{
	if (llm_messages_off)
		return;
	fprintf(stderr, "%s: ", llm_program);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void llm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	llm_verr(fmt, ap);
	va_end(ap);
}

int llm_option_value(int argc, char **argv, int *i,
		     const char *const *with_value, size_t n, char *flag,
		     size_t size, const char **val)
{
	const char *a = argv[*i];
	const char *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	int known = 0;

	for (size_t k = 0; k < n; k++)
		known |= strlen(with_value[k]) == len && !strncmp(a, with_value[k], len);
	if (!known || len >= size)
		return -1;
	memcpy(flag, a, len);
	flag[len] = '\0';
	if (eq)
		*val = eq + 1;
	else if (*i + 1 < argc)
		*val = argv[++*i];
	else
		return -2;
	return 0;
}

uint64_t llm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Maps a whole file read-only; an empty file gives map NULL, size 0. */
int llm_map_file(const char *path, void **map, size_t *size)
{
	struct stat st;
	void *p;
	int fd;

	*map = NULL;
	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		llm_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		llm_err("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		llm_err("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		llm_err("%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	*map = p;
	*size = (size_t)st.st_size;
	return 0;
}

float llm_fp16_to_fp32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31;
	uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
	float f;

	if (exp == 0x1f) {			/* inf, nan */
		bits = sign | 0x7f800000u | (mant << 13);
	} else if (exp) {			/* normal */
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	} else if (mant) {			/* subnormal: renormalise */
		exp = 113;
		while (!(mant & 0x400)) {
			mant <<= 1;
			exp--;
		}
		bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
	} else {				/* zero */
		bits = sign;
	}
	memcpy(&f, &bits, sizeof(f));
	return f;
}

float llm_bf16_to_fp32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

void llm_usage_error(void (*usage)(FILE *f), const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	llm_verr(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(EXIT_FAILURE);
}

const char *llm_dtype_name(enum llm_dtype d)
{
	return d == LLM_DTYPE_FP16 ? "fp16" : d == LLM_DTYPE_INT8 ? "int8" : "fp32";
}

int llm_parse_dtype(const char *s, enum llm_dtype *d)
{
	if (!strcmp(s, "fp16"))
		*d = LLM_DTYPE_FP16;
	else if (!strcmp(s, "int8"))
		*d = LLM_DTYPE_INT8;
	else
		return -1;
	return 0;
}

int llm_parse_format(const char *s, int dummy_ok, enum llm_format *f)
{
	static const struct { const char *name; enum llm_format f; } formats[] = {
		{ "auto", LLM_FORMAT_AUTO }, { "llama2c", LLM_FORMAT_LLAMA2C },
		{ "gguf", LLM_FORMAT_GGUF }, { "dummy", LLM_FORMAT_DUMMY },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!strcmp(s, formats[i].name) &&
		    (dummy_ok || formats[i].f != LLM_FORMAT_DUMMY)) {
			*f = formats[i].f;
			return 0;
		}
	}
	return -1;
}

struct llm_tokenizer *llm_model_tokenizer(struct llm_model *m, const char *path,
					  struct llm_tokenizer *own)
{
	if (!path && m->tokenizer)
		return m->tokenizer;
	if (llm_tokenizer_load(own, path ? path : "tokenizer.bin", m->cfg.vocab_size)) {
		if (!path)
			llm_err("a llama2.c checkpoint needs its tokenizer: give it with -z");
		return NULL;
	}
	return own;
}
