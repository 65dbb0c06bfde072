// SPDX-License-Identifier: MIT
/*
 * NPU_DEBUG=dump_regcmd on the CPU: emit the command streams of GEMM
 * tilings the way a plan does (libnpu_gemm_emit()), with stderr sent to a
 * file, and check what the library wrote there.
 *
 *   test-dump-regcmd dump     NPU_DEBUG has dump_regcmd: every task's
 *                             stream, decoded, with register names and
 *                             the tail
 *   test-dump-regcmd silent   it has not: nothing at all
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npu_gemm_priv.h"

static int failures, tests;

static void check(int ok, const char *what)
{
	tests++;
	failures += !ok;
	printf("%s %d %s\n", ok ? "ok" : "not ok", tests, what);
}

/* Per-core outputs (a plan's own), and the global layout (a caller's BO). */
static const struct {
	struct npu_gemm_desc desc;
	uint32_t cores;
	uint32_t flags;
} shapes[] = {
	{ { 4, 64, 32, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } }, 1, 0 },
	{ { 70, 100, 90, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } }, 3, 0 },
	{ { 3, 33, 17, NPU_DTYPE_FP16, NPU_DTYPE_FP16, { 0 } }, 2, 0 },
	{ { 70, 100, 90, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } }, 3,
	  NPU_TILE_OUT_GLOBAL },
};

#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* Emit every shape; return the number of tasks. */
static uint32_t emit_all(void)
{
	uint32_t total = 0;
	size_t s, c;

	for (s = 0; s < NSHAPES; s++) {
		struct npu_gemm_bufs bufs = {
			.in = { 1, 0x100000 }, .w = { 2, 0x200000 },
			.regcmd = { 3, 0x300000 },
		};
		struct npu_gemm_tiling t;
		struct drm_npu_task *tasks;
		uint64_t *words;

		if (libnpu_gemm_tile(&shapes[s].desc, shapes[s].cores,
				  shapes[s].flags, &t)) {
			printf("Bail out! tile\n");
			exit(1);
		}
		for (c = 0; c < NPU_MAX_CORES; c++)
			bufs.out[c] = (struct npu_emit_bo){ 4 + c,
							    0x400000 + c * 0x100000 };
		words = calloc((size_t)t.task_count * NPU_TASK_WORDS, 8);
		tasks = calloc(t.task_count, sizeof(*tasks));
		if (!words || !tasks) {
			printf("Bail out! oom\n");
			exit(1);
		}
		if (libnpu_gemm_emit(&t, &bufs, words, tasks, NULL)) {
			printf("Bail out! emit\n");
			exit(1);
		}
		total += t.task_count;
		free(words);
		free(tasks);
		libnpu_gemm_tiling_fini(&t);
	}
	return total;
}

static char *read_all(FILE *f, size_t *len)
{
	char *buf;
	long size;

	fflush(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size + 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		printf("Bail out! read back\n");
		exit(1);
	}
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

/* Every line of @text, with "libnpu: " and the word index cut off. */
static void check_dump(char *text, uint32_t tasks)
{
	static const char *const names[] = {
		"DPU_S_POINTER", "CNA_CONV_CON1", "CNA_DATA_SIZE0",
		"CNA_WEIGHT_SIZE2", "CNA_CBUF_CON0", "CNA_FEATURE_DATA_ADDR",
		"CNA_DCOMP_ADDR0", "CORE_MISC_CFG", "CORE_DATAOUT_SIZE_1",
		"DPU_DATA_FORMAT", "DPU_DST_BASE_ADDR", "DPU_OUT_CVT_SCALE",
	};
	uint32_t headers = 0, words = 0, tails = 0, prefixed = 1, bos = 0;
	uint32_t seen[sizeof(names) / sizeof(names[0])] = { 0 };
	char *line, *save = NULL;
	/* The tail: the last 4 words of each stream, in this order. */
	static const char *const tail[] = {
		"nop", "PC       0x0014 = 0x00000000  PC_REGISTER_AMOUNTS",
		"version", "op_en reg 0x0008 = 0x0000000d  PC_OPERATION_ENABLE",
	};
	const char *last[4] = { "", "", "", "" };
	size_t i;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int index;
		unsigned long long word;
		int off = 0;

		if (strncmp(line, "libnpu: ", 8)) {
			prefixed = 0;
			continue;
		}
		line += 8;
		if (!strncmp(line, "regcmd gemm ", 12)) {
			/* A new stream: the previous one ended with the tail. */
			if (headers && !strcmp(last[0], tail[0]) &&
			    !strcmp(last[1], tail[1]) &&
			    !strcmp(last[2], tail[2]) && !strcmp(last[3], tail[3]))
				tails++;
			headers++;
			continue;
		}
		/* Input, weights and stream read, the output written. */
		if (!strncmp(line, "  bos: ", 7)) {
			unsigned int r1, r2, r3, w;

			if (sscanf(line, "  bos: %u(r) %u(r) %u(r) %u(w)", &r1,
				   &r2, &r3, &w) == 4 && r1 == 3 && r2 == 1 &&
			    r3 == 2 && w >= 4)
				bos++;
			continue;
		}
		if (sscanf(line, "  %u %16llx  %n", &index, &word, &off) != 2 ||
		    !off)
			continue;
		words++;
		line += off;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			size_t n = strlen(line), k = strlen(names[i]);

			if (n > k && !strcmp(line + n - k, names[i]) &&
			    line[n - k - 1] == ' ')
				seen[i]++;
		}
		memmove(last, last + 1, sizeof(last) - sizeof(last[0]));
		last[3] = line;
	}
	if (!strcmp(last[0], tail[0]) && !strcmp(last[1], tail[1]) &&
	    !strcmp(last[2], tail[2]) && !strcmp(last[3], tail[3]))
		tails++;

	check(prefixed, "every line starts with \"libnpu: \"");
	check(headers == tasks, "one stream per task");
	check(words == tasks * NPU_TASK_WORDS, "every word of every stream");
	check(bos == tasks, "each stream lists the BOs it reads and writes");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (seen[i] != tasks) {
			printf("# %s seen %u times, %u tasks\n", names[i],
			       seen[i], tasks);
			break;
		}
	check(i == sizeof(names) / sizeof(names[0]),
	      "each stream names CNA, CORE and DPU registers");
	check(tails == tasks,
	      "each stream ends with nop, PC_REGISTER_AMOUNTS, version, op_en");
}

int main(int argc, char **argv)
{
	int dump = argc == 2 && !strcmp(argv[1], "dump");
	FILE *err = tmpfile();
	int saved = dup(STDERR_FILENO);
	uint32_t tasks;
	size_t len;
	char *text;

	if (argc != 2 || (!dump && strcmp(argv[1], "silent"))) {
		fprintf(stderr, "usage: %s dump|silent\n", argv[0]);
		return 2;
	}
	if (!err || saved < 0 || dup2(fileno(err), STDERR_FILENO) < 0) {
		printf("Bail out! redirect stderr\n");
		return 1;
	}
	tasks = emit_all();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	text = read_all(err, &len);

	if (dump) {
		check(len > 0, "NPU_DEBUG=dump_regcmd: streams on stderr");
		check_dump(text, tasks);
	} else {
		check(len == 0, "without dump_regcmd: nothing on stderr");
		if (len)
			printf("# %.200s\n", text);
	}
	free(text);
	fclose(err);
	printf("1..%d\n", tests);
	return failures != 0;
}
