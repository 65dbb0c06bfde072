/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_SIM_GEMM_H__
#define __NPU_SIM_GEMM_H__

#include <linux/types.h>
#include <linux/xarray.h>

#include "npu_core.h"

struct npu_core;

/**
 * struct npu_sim_mem - what the device sees of one task: memory, stream
 * @dir: physical address of the VM's page directory
 * @fault_va: injected fault address (0 for none), consumed when hit
 * @memory: non-coherent model: PFN -> the page's copy in memory, as the
 *          device sees it; NULL when the device is coherent
 * @regcmd_va: address of the task's stream
 * @reg_word: per 4-byte register, 1 + the index of the stream's word that
 *            last wrote it, 0 when the stream did not; NULL: not tracked
 */
struct npu_sim_mem {
	phys_addr_t dir;
	u64 *fault_va;
	struct xarray *memory;
	u64 regcmd_va;
	const u32 *reg_word;
};

/**
 * struct npu_gemm - a decoded 1x1 convolution
 * @h: input height
 * @w: input width
 * @pixels: H x W, the M of a matmul
 * @channels: C, the K of a matmul
 * @kernels: N
 * @in_size: bytes per input and weight element (1 int8, 2 fp16)
 * @c2: input elements per 16-byte channel group
 * @tile_n: kernels per weight tile (32 int8, 16 fp16)
 * @out_prec: NPU_PRECISION_INT32, _FP32 or _FP16
 * @out_size: bytes per output element
 * @out_c2: output elements per 16-byte channel group
 * @surf_stride: output atoms between two output channel groups
 * @in_va: input (feature) address
 * @w_va: weights address
 * @out_va: output address
 */
struct npu_gemm {
	u32 h, w;
	u32 pixels, channels, kernels;
	u32 in_size, c2, tile_n;
	u32 out_prec, out_size, out_c2;
	u64 surf_stride;
	u64 in_va, w_va, out_va;
};

/**
 * struct npu_sim_scratch - a core's working memory for the GEMM model
 * @buf: one allocation, carved per task into the model's buffers
 * @size: its size in bytes
 *
 * Stands for the core's internal buffers: kept from task to task and
 * grown only when a task needs more than any before it on this core, so
 * that a stream of tasks of one shape allocates nothing.
 */
struct npu_sim_scratch {
	void *buf;
	size_t size;
};

void npu_sim_scratch_free(struct npu_sim_scratch *s);

u32 npu_sim_gemm_check(const u32 *regs, const u32 *reg_word,
		       struct npu_gemm *g, u32 *reg, const char **name);

enum npu_task_result npu_sim_gemm_run(struct npu_core *core,
				      const u32 *regs,
				      struct npu_sim_mem *mem,
				      struct npu_sim_scratch *scratch,
				      u64 *bad_va, u32 *reason);

int npu_sim_mem_read(struct npu_sim_mem *mem, u64 va, void *buf,
		     size_t len, u64 *bad_va);

#endif /* __NPU_SIM_GEMM_H__ */
