// SPDX-License-Identifier: MIT
/*
 * GEMM planning on the CPU: tiling of the shape matrix within the
 * hardware limits, exact coverage of C by the tasks, pack/unpack round
 * trips, the reference GEMM, and the emitted regcmd stream of one task
 * decoded and compared to a golden dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_gemm_priv.h"

static int failures, tests;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		return 1;						\
	}								\
} while (0)

static void result(int fail, const char *name)
{
	tests++;
	failures += fail;
	printf("%s %d %s\n", fail ? "not ok" : "ok", tests, name);
}

/*
 * Every task within the limits, its CBUF split the documented one; every
 * C element covered exactly once; every output atom written exactly once,
 * inside its buffer.
 */
static int check_tiling(const struct npu_gemm_desc *d, uint32_t cores,
			uint32_t flags)
{
	struct npu_gemm_tiling t;
	uint8_t *cover, *atoms[NPU_MAX_CORES] = { 0 };
	uint32_t i, m, n, g;
	uint64_t a;
	int ret = libnpu_gemm_tile(d, cores, flags, &t);

	CHECK(ret == 0, "%ux%ux%u: tile %d", d->m, d->k, d->n, ret);
	CHECK(t.out_global == !!(flags & NPU_TILE_OUT_GLOBAL), "out_global %d",
	      t.out_global);
	cover = calloc((size_t)d->m * t.g.np, 1);
	CHECK(cover, "oom");
	/* In the global layout all cores write one buffer. */
	for (i = 0; i < t.cores; i++) {
		CHECK(!t.out_global || t.out_bytes[i] == libnpu_gemm_out_bytes(&t),
		      "core %u: %llu output bytes in the global layout", i,
		      (unsigned long long)t.out_bytes[i]);
		if (t.out_global && i)
			atoms[i] = atoms[0];
		else
			atoms[i] = calloc(t.out_bytes[i] / 16 + 1, 1);
		CHECK(atoms[i], "oom");
	}
	for (i = 0; i < t.task_count; i++) {
		const struct npu_gemm_task *k = &t.tasks[i];
		uint64_t kbytes = (uint64_t)t.g.kp * t.g.in_size;
		uint64_t rbytes = libnpu_cbuf_row_bytes(t.g.kp, t.g.in_size);
		uint32_t groups = k->nt / t.g.out_c2;

		CHECK(k->mt >= 1 && k->mt <= NPU_MAX_HEIGHT, "mt %u", k->mt);
		CHECK(k->nt >= 1 && k->nt <= NPU_MAX_KERNELS &&
		      k->nt % t.g.tile_n == 0, "nt %u", k->nt);
		CHECK(k->data_banks + k->weight_banks <= NPU_CBUF_BANKS,
		      "banks %u+%u", k->data_banks, k->weight_banks);
		CHECK(rbytes >= kbytes && rbytes % NPU_CBUF_ENTRY_SIZE == 0 &&
		      rbytes * k->mt <= (uint64_t)k->data_banks * NPU_CBUF_BANK_SIZE,
		      "input rows do not fit the data banks");
		CHECK(kbytes <= (uint64_t)k->weight_banks * NPU_CBUF_BANK_SIZE,
		      "a kernel does not fit the weight banks");
		/* The data take the banks their rows need, the weights the rest. */
		CHECK(k->data_banks == (rbytes * k->mt + NPU_CBUF_BANK_SIZE - 1) /
				       NPU_CBUF_BANK_SIZE &&
		      k->weight_banks == NPU_CBUF_BANKS - k->data_banks,
		      "%ux%ux%u task %u: banks %u+%u for %u rows of %llu bytes",
		      d->m, d->k, d->n, i, k->data_banks, k->weight_banks,
		      k->mt, (unsigned long long)kbytes);
		CHECK(k->core < t.cores, "core %u", k->core);
		CHECK(k->out_stride == (t.out_global ? d->m : k->mt),
		      "output stride %u", k->out_stride);
		CHECK(k->out_off % 16 == 0 &&
		      k->out_off + ((uint64_t)(groups - 1) * k->out_stride +
				    k->mt) * 16 <= t.out_bytes[k->core],
		      "output past its buffer");
		for (g = 0; g < groups; g++)
			for (m = 0; m < k->mt; m++) {
				a = k->out_off / 16 + (uint64_t)g * k->out_stride + m;
				CHECK(!atoms[k->core][a]++,
				      "task %u: output atom %llu written twice",
				      i, (unsigned long long)a);
			}
		for (m = k->m0; m < k->m0 + k->mt; m++)
			for (n = k->n0; n < k->n0 + k->nt; n++)
				cover[(size_t)m * t.g.np + n]++;
	}
	for (i = 0; i < t.cores; i++) {
		CHECK(t.core_tasks[i] <= NPU_MAX_TASKS, "core %u: %u tasks", i,
		      t.core_tasks[i]);
		if (t.out_global && i)
			continue;
		for (a = 0; a < t.out_bytes[i] / 16; a++)
			CHECK(atoms[i][a] == 1, "core %u: output atom %llu unwritten",
			      i, (unsigned long long)a);
	}
	for (m = 0; m < d->m; m++)
		for (n = 0; n < t.g.np; n++)
			CHECK(cover[(size_t)m * t.g.np + n] == 1,
			      "%ux%ux%u: C[%u][%u] covered %u times", d->m, d->k,
			      d->n, m, n, cover[(size_t)m * t.g.np + n]);
	free(cover);
	for (i = 0; i < t.cores; i++)
		if (!t.out_global || !i)
			free(atoms[i]);
	libnpu_gemm_tiling_fini(&t);
	return 0;
}

static int test_shape_matrix(void)
{
	static const uint32_t ms[] = { 1, 4, 64, 384 };
	static const uint32_t ks[] = { 32, 64, 768, 2048, 4096 };
	static const uint32_t ns[] = { 16, 768, 2048, 16384, 32000 };
	static const uint32_t types[][2] = {
		{ NPU_DTYPE_INT8, NPU_DTYPE_INT32 },
		{ NPU_DTYPE_FP16, NPU_DTYPE_FP32 },
		{ NPU_DTYPE_FP16, NPU_DTYPE_FP16 },
	};
	size_t a, b, c, ty;
	uint32_t cores;

	for (ty = 0; ty < 3; ty++)
		for (a = 0; a < 4; a++)
			for (b = 0; b < 5; b++)
				for (c = 0; c < 5; c++)
					for (cores = 1; cores <= 3; cores += 2) {
						struct npu_gemm_desc d = {
							ms[a], ks[b], ns[c],
							types[ty][0], types[ty][1],
							{ 0 },
						};

						if (check_tiling(&d, cores, 0) ||
						    check_tiling(&d, cores,
								 NPU_TILE_OUT_GLOBAL))
							return 1;
					}
	return 0;
}

static int test_odd_shapes(void)
{
	static const struct npu_gemm_desc odd[] = {
		{ 3, 33, 17, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 7, 100, 1000, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 2049, 31, 5, NPU_DTYPE_FP16, NPU_DTYPE_FP16, { 0 } },
		{ 1, 1, 1, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 5, 172, 64, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
	};
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		if (check_tiling(&odd[i], 3, 0) ||
		    check_tiling(&odd[i], 3, NPU_TILE_OUT_GLOBAL))
			return 1;
	return 0;
}

static int test_unsupported(void)
{
	struct npu_gemm_desc d = { 4, 64, 32, NPU_DTYPE_INT8, NPU_DTYPE_FP32, { 0 } };

	CHECK(npu_gemm_supported(&d) == -EINVAL, "int8 -> fp32 accepted");
	d.in_type = NPU_DTYPE_FP16;
	d.out_type = NPU_DTYPE_INT32;
	CHECK(npu_gemm_supported(&d) == -EINVAL, "fp16 -> int32 accepted");
	d.out_type = NPU_DTYPE_FP32;
	d.m = 0;
	CHECK(npu_gemm_supported(&d) == -EINVAL, "m = 0 accepted");
	d.m = 4;
	d.k = 70000;
	CHECK(npu_gemm_supported(&d) == -EINVAL, "k = 70000 accepted");
	d.k = 64;
	CHECK(npu_gemm_supported(&d) == 0, "4x64x32 fp16 refused");
	d.reserved[2] = 1;
	CHECK(npu_gemm_supported(&d) == -EINVAL, "a reserved field accepted");
	d.reserved[2] = 0;
	CHECK(npu_gemm_supported(&d) == 0, "4x64x32 fp16 refused");
	CHECK(npu_gemm_supported(NULL) == -EINVAL, "NULL accepted");
	return 0;
}

/*
 * Pack A and B, then read them back through the documented layouts; and
 * each row of B back from its tiles.  M = 1 takes the one-run path of
 * the input.
 */
static int check_pack_round_trip(uint32_t rows)
{
	struct npu_gemm_desc d = { rows, 100, 50, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	struct npu_gemm_tiling t;
	uint16_t *a, *b, *pa, *pb, row[100];
	uint32_t m, k, n, m0;

	CHECK(libnpu_gemm_tile(&d, 2, 0, &t) == 0, "tile");
	a = malloc(d.m * d.k * 2);
	b = malloc(d.n * d.k * 2);
	pa = malloc(t.in_bytes);
	pb = malloc(t.w_bytes);
	CHECK(a && b && pa && pb, "oom");
	for (k = 0; k < d.m * d.k; k++)
		a[k] = (uint16_t)(k * 2654435761u >> 8);
	for (k = 0; k < d.n * d.k; k++)
		b[k] = (uint16_t)(k * 40503u + 7);
	libnpu_gemm_pack_input(&t, a, pa);
	libnpu_gemm_pack_weights(&t, b, pb);
	for (m0 = 0; m0 < d.m; m0 += t.mt) {
		uint32_t mt = d.m - m0 < t.mt ? d.m - m0 : t.mt;
		uint16_t *tile = pa + (size_t)m0 * t.g.kp;

		for (m = 0; m < mt; m++)
			for (k = 0; k < t.g.kp; k++) {
				uint16_t v = tile[(k / 8 * mt + m) * 8 + k % 8];

				CHECK(v == (k < d.k ? a[(m0 + m) * d.k + k] : 0),
				      "input (%u,%u)", m0 + m, k);
			}
	}
	for (n = 0; n < t.g.np; n++)
		for (k = 0; k < t.g.kp; k++) {
			uint16_t v = pb[(n / 16) * 16 * t.g.kp + (k / 32) * 32 * 16 +
					(n % 16) * 32 + k % 32];

			CHECK(v == (n < d.n && k < d.k ? b[n * d.k + k] : 0),
			      "weight (%u,%u)", n, k);
		}
	for (n = 0; n < d.n; n++) {
		memset(row, 0xff, sizeof(row));
		libnpu_gemm_unpack_weight_row(&t, pb, n, row);
		CHECK(!memcmp(row, b + (size_t)n * d.k, sizeof(row)),
		      "row %u of B read back", n);
	}
	free(a);
	free(b);
	free(pa);
	free(pb);
	libnpu_gemm_tiling_fini(&t);
	return 0;
}

static int test_pack_round_trip(void)
{
	return check_pack_round_trip(70) || check_pack_round_trip(1);
}

/*
 * Write outputs as the NPU lays them out, unpack, compare: each core's
 * own buffer, and the global layout of one buffer for all cores, whose
 * columns go into a wider C (a die's columns of the whole C, at a row
 * stride of ldc) without touching the others.
 */
static int check_unpack(uint32_t rows, uint32_t flags, size_t col0, size_t ldc)
{
	struct npu_gemm_desc d = { rows, 64, 70, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	struct npu_gemm_tiling t;
	void *out[NPU_MAX_CORES] = { 0 };
	int32_t *c;
	uint32_t i, m, n;
	size_t j;

	CHECK(libnpu_gemm_tile(&d, 3, flags, &t) == 0, "tile");
	CHECK(t.cores == 3, "%u cores", t.cores);
	for (i = 0; i < t.cores; i++) {
		out[i] = t.out_global && i ? out[0] : calloc(t.out_bytes[i], 1);
		CHECK(out[i], "oom");
	}
	c = malloc((size_t)d.m * ldc * 4);
	CHECK(c, "oom");
	for (j = 0; j < (size_t)d.m * ldc; j++)
		c[j] = -1;
	for (i = 0; i < t.task_count; i++) {
		const struct npu_gemm_task *k = &t.tasks[i];
		int32_t *o = (int32_t *)((uint8_t *)out[k->core] + k->out_off);

		for (m = 0; m < k->mt; m++)
			for (n = 0; n < k->nt; n++)
				o[(n / 4 * k->out_stride + m) * 4 + n % 4] =
					(int32_t)((k->m0 + m) * 1000 + k->n0 + n);
	}
	libnpu_gemm_unpack_output(&t, out, c + col0, ldc);
	for (m = 0; m < d.m; m++)
		for (j = 0; j < ldc; j++) {
			int32_t want = j >= col0 && j < col0 + d.n ?
				       (int32_t)(m * 1000 + j - col0) : -1;

			CHECK(c[m * ldc + j] == want, "C[%u][%zu] = %d, want %d",
			      m, j, c[m * ldc + j], want);
		}
	for (i = 0; i < t.cores; i++)
		if (!t.out_global || !i)
			free(out[i]);
	free(c);
	libnpu_gemm_tiling_fini(&t);
	return 0;
}

static int test_unpack(void)
{
	return check_unpack(9, 0, 0, 70) || check_unpack(9, 0, 30, 131) ||
	       check_unpack(9, NPU_TILE_OUT_GLOBAL, 0, 70) ||
	       check_unpack(9, NPU_TILE_OUT_GLOBAL, 64, 200) ||
	       check_unpack(1, 0, 0, 70) || check_unpack(1, 0, 30, 131) ||
	       check_unpack(1, NPU_TILE_OUT_GLOBAL, 64, 200);
}

static int test_reference(void)
{
	struct npu_gemm_desc d = { 2, 3, 2, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	const int8_t a[] = { 1, -2, 3, 127, -128, 0 };
	const int8_t b[] = { 4, 5, -6, -1, 1, 1 };
	int32_t c[4];
	struct npu_gemm_desc h = { 1, 2, 1, NPU_DTYPE_FP16, NPU_DTYPE_FP16, { 0 } };
	uint16_t ha[2], hb[2], hc;

	CHECK(npu_gemm_reference(&d, a, b, c) == 0, "int8 ref");
	CHECK(c[0] == 4 - 10 - 18 && c[1] == -1 - 2 + 3 &&
	      c[2] == 508 - 640 && c[3] == -127 - 128, "int8 values");
	ha[0] = npu_fp32_to_fp16(1.5f);
	ha[1] = npu_fp32_to_fp16(-0.25f);
	hb[0] = npu_fp32_to_fp16(2.0f);
	hb[1] = npu_fp32_to_fp16(4.0f);
	CHECK(npu_gemm_reference(&h, ha, hb, &hc) == 0, "fp16 ref");
	CHECK(npu_fp16_to_fp32(hc) == 2.0f, "fp16 value %f",
	      (double)npu_fp16_to_fp32(hc));
	return 0;
}

/* Find @handle in a BO list: its flags, or -1. */
static int bo_flags(const struct npu_bo_list *l, uint32_t handle)
{
	uint32_t i;

	for (i = 0; i < l->count; i++)
		if (l->refs[i].handle == handle)
			return (int)l->refs[i].flags;
	return -1;
}

/*
 * The emitter records the BOs each task uses; every core's job lists
 * the input, weights and streams as read and its own output as written,
 * each once, and nothing else.
 */
static int test_bo_lists(void)
{
	/* Two row tiles: two tasks per core. */
	struct npu_gemm_desc d = { 2000, 100, 90, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	struct npu_gemm_bufs bufs = {
		.in = { 1, 0x100000 }, .w = { 2, 0x200000 },
		.regcmd = { 3, 0x300000 },
	};
	struct npu_bo_list lists[NPU_MAX_CORES] = { { 0 } };
	struct npu_gemm_tiling t;
	struct drm_npu_task *tasks;
	uint64_t *words;
	uint32_t c, pass;

	CHECK(libnpu_gemm_tile(&d, 3, 0, &t) == 0, "tile");
	CHECK(t.cores == 3 && t.task_count == 6, "%u cores, %u tasks", t.cores,
	      t.task_count);
	for (c = 0; c < NPU_MAX_CORES; c++)
		bufs.out[c] = (struct npu_emit_bo){ 10 + c, 0x400000 + c * 0x100000 };
	words = calloc((size_t)t.task_count * NPU_TASK_WORDS, 8);
	tasks = calloc(t.task_count, sizeof(*tasks));
	CHECK(words && tasks, "oom");
	/* Twice: a second emission (a shared input) rebuilds the lists. */
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			bufs.in.handle = 7;
		CHECK(libnpu_gemm_emit(&t, &bufs, words, tasks, lists) == 0, "emit");
		for (c = 0; c < t.cores; c++) {
			CHECK(lists[c].count == 4, "core %u: %u BOs", c,
			      lists[c].count);
			CHECK(bo_flags(&lists[c], bufs.in.handle) == 0 &&
			      bo_flags(&lists[c], 2) == 0 &&
			      bo_flags(&lists[c], 3) == 0,
			      "core %u: input, weights, streams read", c);
			CHECK(bo_flags(&lists[c], 10 + c) == DRM_NPU_BO_REF_WRITE,
			      "core %u: its output written", c);
		}
	}
	for (c = 0; c < NPU_MAX_CORES; c++)
		libnpu_bo_list_fini(&lists[c]);
	free(words);
	free(tasks);
	libnpu_gemm_tiling_fini(&t);
	return 0;
}

/* Merging: one entry per BO, written if any use writes; limits. */
static int test_bo_list_merge(void)
{
	struct npu_emit_bo bo[NPU_EMIT_MAX_BOS + 1], none = { 0, 0x1000 };
	struct npu_bo_list l = { 0 };
	struct npu_emit e;
	uint64_t words[4];
	uint32_t i;

	libnpu_emit_init(&e, words);
	for (i = 0; i <= NPU_EMIT_MAX_BOS; i++)
		bo[i] = (struct npu_emit_bo){ 100 + i, 0x10000 * (i + 1) };
	CHECK(libnpu_emit_addr(&e, &bo[0], 0x10, 0) == 0x10010, "address");
	libnpu_emit_addr(&e, &bo[0], 0x20, DRM_NPU_BO_REF_WRITE);
	libnpu_emit_addr(&e, &bo[0], 0x30, 0);
	libnpu_emit_addr(&e, &none, 0, DRM_NPU_BO_REF_WRITE);
	CHECK(e.bo_count == 1 && e.bos[0].handle == 100 &&
	      e.bos[0].flags == DRM_NPU_BO_REF_WRITE,
	      "a BO read and written is one written entry; no handle, no entry");
	CHECK(libnpu_bo_list_add(&l, 200, 0) == 0 &&
	      libnpu_bo_list_merge(&l, &e) == 0 && libnpu_bo_list_merge(&l, &e) == 0 &&
	      l.count == 2 && bo_flags(&l, 100) == DRM_NPU_BO_REF_WRITE &&
	      bo_flags(&l, 200) == 0, "job list merges tasks");
	for (i = 1; i <= NPU_EMIT_MAX_BOS; i++)
		libnpu_emit_use(&e, &bo[i], 0);
	CHECK(e.overflow && libnpu_bo_list_merge(&l, &e) == -E2BIG,
	      "a task with too many BOs is refused, not truncated");
	libnpu_bo_list_fini(&l);
	for (i = 0; i < NPU_KERNEL_JOB_MAX_BOS; i++)
		CHECK(libnpu_bo_list_add(&l, 1000 + i, 0) == 0, "add %u", i);
	CHECK(libnpu_bo_list_add(&l, 999, 0) == -E2BIG &&
	      libnpu_bo_list_add(&l, 1000, DRM_NPU_BO_REF_WRITE) == 0,
	      "the kernel's limit");
	libnpu_bo_list_fini(&l);
	return 0;
}

/* The stream of one task, decoded, against the golden dump. */
static int test_golden_regcmd(const char *golden)
{
	struct npu_gemm_desc d = { 4, 64, 32, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	struct npu_gemm_tiling t;
	uint64_t words[NPU_TASK_WORDS];
	char line[128], want[128];
	FILE *f;
	size_t n, i;

	CHECK(libnpu_gemm_tile(&d, 1, 0, &t) == 0, "tile");
	n = libnpu_rk3588_emit_matmul(&t, &t.tasks[0], 0x10000, 0x20000, 0x30000,
				   words);
	CHECK(n == NPU_TASK_WORDS, "%zu words", n);
	f = fopen(golden, "r");
	CHECK(f, "cannot open %s", golden);
	for (i = 0; i < n; i++) {
		libnpu_regcmd_decode(words[i], line, sizeof(line));
		CHECK(fgets(want, sizeof(want), f), "golden ends at word %zu", i);
		want[strcspn(want, "\n")] = 0;
		CHECK(!strcmp(line, want), "word %zu: '%s', golden '%s'", i,
		      line, want);
	}
	CHECK(!fgets(want, sizeof(want), f), "golden has more words");
	fclose(f);
	libnpu_gemm_tiling_fini(&t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--dump-golden")) {
		/* Regenerate: test-gemm-plan --dump-golden FILE */
		struct npu_gemm_desc d = { 4, 64, 32, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
		struct npu_gemm_tiling t;
		uint64_t words[NPU_TASK_WORDS];
		char line[128];
		FILE *f = fopen(argv[2], "w");
		size_t i, n;

		if (!f || libnpu_gemm_tile(&d, 1, 0, &t))
			return 1;
		n = libnpu_rk3588_emit_matmul(&t, &t.tasks[0], 0x10000, 0x20000,
					   0x30000, words);
		for (i = 0; i < n; i++) {
			libnpu_regcmd_decode(words[i], line, sizeof(line));
			fprintf(f, "%s\n", line);
		}
		return fclose(f) != 0;
	}
	result(test_shape_matrix(), "tiling of the shape matrix within limits");
	result(test_odd_shapes(), "tiling of odd shapes (padding)");
	result(test_unsupported(), "unsupported shapes and types refused");
	result(test_pack_round_trip(), "input and weight packing layouts");
	result(test_unpack(), "output unpacking from task layouts, into a wider C");
	result(test_reference(), "reference GEMM values");
	result(test_bo_lists(), "each core's job lists the BOs its tasks use");
	result(test_bo_list_merge(), "BO lists merge uses and keep the limits");
	result(test_golden_regcmd(argc > 1 ? argv[1] : "matmul-4x64x32-fp16.txt"),
	       "regcmd of a 4x64x32 fp16 task matches the golden dump");
	printf("1..%d\n", tests);
	return failures != 0;
}
