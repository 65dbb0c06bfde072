/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_SIM_GEMM_H__
#define __NPU_SIM_GEMM_H__

#include <linux/types.h>
#include <linux/xarray.h>

#include "npu_core.h"

struct npu_core;

/**
 * struct npu_sim_mem - the device-side view of memory for one task
 * @dir: physical address of the VM's page directory
 * @fault_va: injected fault address (0 for none), consumed when hit
 * @memory: non-coherent model: PFN -> the page's copy in memory, as the
 *          device sees it; NULL when the device is coherent
 */
struct npu_sim_mem {
	phys_addr_t dir;
	u64 *fault_va;
	struct xarray *memory;
};

enum npu_task_result npu_sim_gemm_run(struct npu_core *core,
				      const u32 *regs,
				      struct npu_sim_mem *mem,
				      u64 *bad_va, u32 *reason);

int npu_sim_mem_read(struct npu_sim_mem *mem, u64 va, void *buf,
		     size_t len, u64 *bad_va);

#endif /* __NPU_SIM_GEMM_H__ */
