// SPDX-License-Identifier: MIT
/*
 * GEMM tiling: which hardware tasks compute C = A x B^T, on which cores,
 * and where each task finds its input, weights and output.
 *
 * A task is a 1x1 direct convolution of mt rows (pixels) by kp channels
 * by nt kernels.  Its limits:
 *  - the input rows of a task sit in the CBUF data banks, each in whole
 *    64-byte entries, and one kernel (kp channels) in the weight banks,
 *    12 banks of 32 KiB in all;
 *  - mt + 1 fits the 10-bit FEATURE_GRAINS field, nt the 13-bit DPU
 *    channel fields;
 *  - channels come in weight tiles of 32, kernels in tiles of 16 (fp16)
 *    or 32 (int8): K and N are padded with zeros to those.
 * Kernels are split across cores (each core writes its own output
 * buffer), then rows and kernels into tasks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

static uint32_t div_up(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

static uint32_t round_up(uint32_t a, uint32_t b)
{
	return div_up(a, b) * b;
}

static int npu_gemm_geom(const struct npu_gemm_desc *d, struct npu_gemm_geom *g)
{
	memset(g, 0, sizeof(*g));
	if (!d->m || !d->k || !d->n)
		return -EINVAL;
	if (d->in_type == NPU_DTYPE_INT8 && d->out_type == NPU_DTYPE_INT32) {
		g->in_size = 1;
		g->tile_n = 32;
		g->out_size = 4;
	} else if (d->in_type == NPU_DTYPE_FP16 &&
		   (d->out_type == NPU_DTYPE_FP32 ||
		    d->out_type == NPU_DTYPE_FP16)) {
		g->in_size = 2;
		g->tile_n = 16;
		g->out_size = d->out_type == NPU_DTYPE_FP32 ? 4 : 2;
	} else {
		return -EINVAL;
	}
	g->c2 = NPU_ATOM / g->in_size;
	g->out_c2 = NPU_ATOM / g->out_size;
	if (d->k > NPU_MAX_CHANNELS - NPU_WEIGHT_TILE_C || d->n > (1u << 30) ||
	    d->m > (1u << 30))
		return -EINVAL;
	g->kp = round_up(d->k, NPU_WEIGHT_TILE_C);
	g->np = round_up(d->n, g->tile_n);
	return 0;
}

/**
 * libnpu_gemm_out_bytes() - bytes of the whole output in the global layout
 * @t: the tiling
 *
 * Return: (N padded to the weight tile) / out_c2 groups of M atoms.
 */
uint64_t libnpu_gemm_out_bytes(const struct npu_gemm_tiling *t)
{
	return (uint64_t)(t->g.np / t->g.out_c2) * t->desc.m * NPU_ATOM;
}

/*
 * The CBUF split of the proven generators (Mesa's rocket, the rk3588-npu
 * matmul library): a task's input rows take the banks they need,
 * ceil(rows x row bytes / 32 KiB), a row being K' x size rounded up to whole
 * 64-byte CBUF entries (CBUF_CON1.DATA_ENTRIES), and the weights the rest.
 * The rows of a task are as many as leave the weights room for one kernel.
 */
static int npu_gemm_rows_max(const struct npu_gemm_geom *g, uint32_t *mt_max)
{
	uint64_t kernel_bytes = (uint64_t)g->kp * g->in_size;
	uint32_t kernel_banks = div_up(kernel_bytes, NPU_CBUF_BANK_SIZE);
	uint64_t rows;

	if (kernel_banks >= NPU_CBUF_BANKS)
		return -EINVAL;
	rows = (uint64_t)(NPU_CBUF_BANKS - kernel_banks) * NPU_CBUF_BANK_SIZE /
	       libnpu_cbuf_row_bytes(g->kp, g->in_size);
	if (!rows)
		return -EINVAL;
	*mt_max = rows < NPU_MAX_HEIGHT ? (uint32_t)rows : NPU_MAX_HEIGHT;
	return 0;
}

/* The banks of a task of @mt rows: data first, the weights the rest. */
static void npu_gemm_task_banks(const struct npu_gemm_geom *g, uint32_t mt,
				uint32_t *data_banks, uint32_t *weight_banks)
{
	*data_banks = div_up(mt * libnpu_cbuf_row_bytes(g->kp, g->in_size),
			     NPU_CBUF_BANK_SIZE);
	*weight_banks = NPU_CBUF_BANKS - *data_banks;
}

/**
 * npu_gemm_supported() - whether the NPU can run a GEMM shape
 * @desc: the shape
 *
 * Return: 0 when npu_gemm_plan_new() can plan it, -EINVAL when a type
 * combination or a size is out of reach, -E2BIG when it would need more
 * tasks than a job can carry.
 */
NPU_PUBLIC int npu_gemm_supported(const struct npu_gemm_desc *desc)
{
	struct npu_gemm_tiling t;
	int ret;

	if (!desc || !libnpu_zeroed(desc->reserved, sizeof(desc->reserved)))
		return -EINVAL;
	ret = libnpu_gemm_tile(desc, 1, 0, &t);
	libnpu_gemm_tiling_fini(&t);
	return ret;
}

static void npu_gemm_add_task(struct npu_gemm_tiling *t, uint32_t core,
			      uint32_t m0, uint32_t n0, uint32_t n_end)
{
	struct npu_gemm_task *task = &t->tasks[t->task_count++];
	const struct npu_gemm_geom *g = &t->g;
	uint32_t mt = t->desc.m - m0 < t->mt ? t->desc.m - m0 : t->mt;

	task->m0 = m0;
	task->mt = mt;
	task->n0 = n0;
	task->nt = n_end - n0;
	task->core = core;
	npu_gemm_task_banks(g, mt, &task->data_banks, &task->weight_banks);
	/* m-tiles are packed one after the other, each NC1HWC2 of mt rows */
	task->in_off = (uint64_t)m0 * g->kp * g->in_size;
	task->w_off = (uint64_t)n0 * g->kp * g->in_size;
	if (t->out_global) {
		/* one output of all M rows: groups M atoms apart */
		task->out_stride = t->desc.m;
		task->out_off = ((uint64_t)(n0 / g->out_c2) * t->desc.m + m0) *
				NPU_ATOM;
		return;
	}
	/* each task's output after the last one of its core */
	task->out_stride = mt;
	task->out_off = t->out_bytes[core];
	t->out_bytes[core] += (uint64_t)(task->nt / g->out_c2) * mt * NPU_ATOM;
}

/**
 * libnpu_gemm_tile() - cut a shape into tasks over up to @cores cores
 * @desc: the shape
 * @cores: cores available, 1..NPU_MAX_CORES
 * @flags: NPU_TILE_OUT_GLOBAL: every task writes one output of the whole
 *         shape (the documented output layout), else each core its own
 *         output, task after task
 * @t: out: the tiling; free with libnpu_gemm_tiling_fini() in any case
 *
 * Return: 0, -EINVAL for an unsupported shape, -E2BIG for too many tasks
 * on one core, -ENOMEM.
 */
int libnpu_gemm_tile(const struct npu_gemm_desc *desc, uint32_t cores,
		  uint32_t flags, struct npu_gemm_tiling *t)
{
	uint32_t mt_max, m_tiles, n_tiles, per_core;
	uint32_t core, j, m0;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!desc || !cores || cores > NPU_MAX_CORES)
		return -EINVAL;
	t->desc = *desc;
	ret = npu_gemm_geom(desc, &t->g);
	if (ret)
		return ret;
	ret = npu_gemm_rows_max(&t->g, &mt_max);
	if (ret)
		return ret;
	t->out_global = flags & NPU_TILE_OUT_GLOBAL;

	/* Kernel tiles per core, then per task within the DPU limit. */
	n_tiles = t->g.np / t->g.tile_n;
	per_core = div_up(n_tiles, cores < n_tiles ? cores : n_tiles);
	t->cores = div_up(n_tiles, per_core);
	t->nt = per_core * t->g.tile_n;
	if (t->nt > NPU_MAX_KERNELS)
		t->nt = NPU_MAX_KERNELS;
	/* Balance the rows: as few m-tiles as fit, of even size. */
	m_tiles = div_up(desc->m, mt_max);
	t->mt = div_up(desc->m, m_tiles);

	t->in_bytes = (uint64_t)desc->m * t->g.kp * t->g.in_size;
	t->w_bytes = (uint64_t)t->g.np * t->g.kp * t->g.in_size;
	{
		/* Each core may end on a partial kernel tile. */
		uint64_t tasks = (uint64_t)m_tiles *
				 (div_up(t->g.np, t->nt) + t->cores);

		t->tasks = calloc(tasks, sizeof(*t->tasks));
		if (!t->tasks)
			return -ENOMEM;
	}

	for (core = 0; core < t->cores; core++) {
		uint32_t n_begin = core * per_core * t->g.tile_n;
		uint32_t n_stop = n_begin + per_core * t->g.tile_n;

		if (n_stop > t->g.np)
			n_stop = t->g.np;
		t->core_first[core] = t->task_count;
		for (j = n_begin; j < n_stop; j += t->nt) {
			uint32_t end = j + t->nt < n_stop ? j + t->nt : n_stop;

			for (m0 = 0; m0 < desc->m; m0 += t->mt)
				npu_gemm_add_task(t, core, m0, j, end);
		}
		t->core_tasks[core] = t->task_count - t->core_first[core];
		if (t->core_tasks[core] > NPU_MAX_TASKS)
			return -E2BIG;
	}
	if (t->out_global)
		for (core = 0; core < t->cores; core++)
			t->out_bytes[core] = libnpu_gemm_out_bytes(t);
	return 0;
}

/**
 * libnpu_gemm_tiling_fini() - free a tiling
 * @t: from libnpu_gemm_tile(), successful or not
 */
void libnpu_gemm_tiling_fini(struct npu_gemm_tiling *t)
{
	free(t->tasks);
	t->tasks = NULL;
	t->task_count = 0;
}
