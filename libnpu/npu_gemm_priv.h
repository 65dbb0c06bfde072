/* SPDX-License-Identifier: MIT */
/*
 * GEMM planning, packing and RK3588 command emission: the parts of the
 * GEMM helper that need no device, so that they can be tested on the CPU.
 */
#ifndef LIBNPU_NPU_GEMM_PRIV_H
#define LIBNPU_NPU_GEMM_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include <drm/npu_accel.h>

#include "npu.h"
#include "npu_gemm.h"
#include "npu_rk3588_regs.h"

/*
 * Hardware facts (Documentation/npu/rk3588-regcmd.rst); the CBUF, atom
 * and weight tile sizes are in the register database.
 */
/*
 * Rows of a task: CNA_DATA_SIZE0 height has 11 bits, but FEATURE_GRAINS
 * (10 bits) holds rows + 1.
 */
#define NPU_MAX_HEIGHT		1022
#define NPU_MAX_KERNELS		8192	/* DPU channel fields, 13 bits */
#define NPU_MAX_CHANNELS	65535	/* CNA_DATA_SIZE1 channel, 16 bits */
#define NPU_MAX_TASKS		4095	/* PC task counter, 12 bits */
#define NPU_MAX_CORES		16
#define NPU_TASK_WORDS		108	/* regcmd words of one matmul task */

/* Bytes one input row (K' channels) takes in the CBUF: whole entries. */
static inline uint64_t libnpu_cbuf_row_bytes(uint32_t kp, uint32_t in_size)
{
	uint64_t bytes = (uint64_t)kp * in_size;

	return (bytes + NPU_CBUF_ENTRY_SIZE - 1) / NPU_CBUF_ENTRY_SIZE *
	       NPU_CBUF_ENTRY_SIZE;
}

/**
 * struct npu_gemm_geom - element sizes and padded sizes of a shape
 */
struct npu_gemm_geom {
	uint32_t in_size;	/* bytes per input/weight element */
	uint32_t c2;		/* input elements per 16-byte group */
	uint32_t tile_n;	/* kernels per weight tile: 16 fp16, 32 int8 */
	uint32_t out_size;	/* bytes per output element */
	uint32_t out_c2;	/* output elements per 16-byte group */
	uint32_t kp;		/* K padded to the weight tile depth */
	uint32_t np;		/* N padded to the weight tile width */
};

/**
 * struct npu_gemm_task - one hardware task: rows m0..m0+mt of kernels
 * n0..n0+nt (nt padded to the tile width)
 */
struct npu_gemm_task {
	uint32_t m0, mt;
	uint32_t n0, nt;
	uint32_t core;
	uint32_t data_banks, weight_banks;
	uint64_t in_off;	/* the m-tile's packed input, in the input BO */
	uint64_t w_off;		/* first weight tile, in the weights BO */
	uint64_t out_off;	/* this task's output, in its core's output BO */
	uint32_t out_stride;	/* rows (atoms) between output channel groups */
};

/**
 * struct npu_gemm_tiling - how a shape is cut into tasks and cores
 */
struct npu_gemm_tiling {
	struct npu_gemm_desc desc;
	struct npu_gemm_geom g;
	uint32_t mt, nt;		/* tile sizes */
	uint32_t cores;			/* cores used */
	uint32_t task_count;
	bool out_global;		/* one output in the documented layout */
	struct npu_gemm_task *tasks;	/* grouped by core */
	uint32_t core_first[NPU_MAX_CORES], core_tasks[NPU_MAX_CORES];
	uint64_t in_bytes, w_bytes;
	uint64_t out_bytes[NPU_MAX_CORES];
};

/* Flag of libnpu_gemm_tile(). */
#define NPU_TILE_OUT_GLOBAL	0x1

int libnpu_gemm_tile(const struct npu_gemm_desc *desc, uint32_t cores,
		  uint32_t flags, struct npu_gemm_tiling *t);
void libnpu_gemm_tiling_fini(struct npu_gemm_tiling *t);
uint64_t libnpu_gemm_out_bytes(const struct npu_gemm_tiling *t);

void libnpu_gemm_pack_input(const struct npu_gemm_tiling *t, const void *a,
			 void *dst);
void libnpu_gemm_pack_weights(const struct npu_gemm_tiling *t, const void *b,
			   void *dst);
void libnpu_gemm_unpack_weight_row(const struct npu_gemm_tiling *t,
				   const void *src, uint32_t n, void *row);
void libnpu_gemm_unpack_output(const struct npu_gemm_tiling *t,
			    void *const *core_out, void *c, size_t ldc);

/*
 * Command emission.  An emitter writes a task's regcmd words through a
 * struct npu_emit, which also records every BO the task's registers
 * point into, read or written: the kernel's BO list of a job (implicit
 * synchronisation) is built from those records, never by hand.
 */

/**
 * struct npu_emit_bo - a buffer as the emitter sees it
 * @handle: GEM handle, 0 when there is none (CPU-only tests): not recorded
 * @va: device address in the job's VM
 */
struct npu_emit_bo {
	uint32_t handle;
	uint64_t va;
};

/* Distinct BOs one task may use. */
#define NPU_EMIT_MAX_BOS	8
/* BOs the kernel takes in one job (DRM_IOCTL_NPU_SUBMIT). */
#define NPU_KERNEL_JOB_MAX_BOS	256

/**
 * struct npu_emit - one task's command stream being built
 * @words: the stream; the emitter knows its size
 * @count: words written
 * @bos: the BOs the task uses, each once, DRM_NPU_BO_REF_WRITE when the
 *       task writes it
 * @bo_count: entries of @bos
 * @overflow: more than NPU_EMIT_MAX_BOS BOs were used
 */
struct npu_emit {
	uint64_t *words;
	size_t count;
	struct drm_npu_bo_ref bos[NPU_EMIT_MAX_BOS];
	uint32_t bo_count;
	bool overflow;
};

void libnpu_emit_init(struct npu_emit *e, uint64_t *words);
void libnpu_emit_use(struct npu_emit *e, const struct npu_emit_bo *bo,
		  uint32_t flags);
uint32_t libnpu_emit_addr(struct npu_emit *e, const struct npu_emit_bo *bo,
		       uint64_t offset, uint32_t flags);

/**
 * struct npu_bo_list - the BO list of a job, merged from its tasks
 * @refs: @count entries, room for @cap; each handle once
 * @count: entries
 * @cap: allocated entries
 */
struct npu_bo_list {
	struct drm_npu_bo_ref *refs;
	uint32_t count, cap;
};

int libnpu_bo_list_add(struct npu_bo_list *l, uint32_t handle, uint32_t flags);
int libnpu_bo_list_merge(struct npu_bo_list *l, const struct npu_emit *e);
void libnpu_bo_list_fini(struct npu_bo_list *l);

/**
 * struct npu_gemm_bufs - the buffers of a GEMM plan
 * @in: packed input, read
 * @w: packed weights, read
 * @regcmd: the command streams, read by the PC
 * @out: per core, the core's output, written
 */
struct npu_gemm_bufs {
	struct npu_emit_bo in, w, regcmd;
	struct npu_emit_bo out[NPU_MAX_CORES];
};

void libnpu_rk3588_emit_task(struct npu_emit *e, const struct npu_gemm_tiling *t,
			  const struct npu_gemm_task *task,
			  const struct npu_gemm_bufs *bufs);
size_t libnpu_rk3588_emit_matmul(const struct npu_gemm_tiling *t,
			      const struct npu_gemm_task *task,
			      uint64_t in_va, uint64_t w_va, uint64_t out_va,
			      uint64_t *words);

int libnpu_regcmd_decode(uint64_t word, char *buf, size_t len);
void libnpu_regcmd_dump(const char *title, const struct npu_emit *e);

int libnpu_gemm_emit(const struct npu_gemm_tiling *t,
		  const struct npu_gemm_bufs *bufs, uint64_t *words,
		  struct drm_npu_task *tasks, struct npu_bo_list *core_bos);


/**
 * libnpu_dtype_size() - bytes of one element
 * @type: an &enum npu_dtype
 *
 * Return: 1, 2 or 4 (0 for an unknown type).
 */
size_t libnpu_dtype_size(uint32_t type);

/**
 * struct npu_gemm_wdie - one die's slice of a weights object
 * @dev: the die (the group holds the reference)
 * @vm: the VM the slice is mapped in, a reference
 * @bo: the packed slice
 * @cpu: its CPU mapping
 * @va: its device address in @vm
 * @t: a tiling of the slice at M = 1, for its geometry and packing
 */
struct npu_gemm_wdie {
	struct npu_device *dev;
	struct npu_vm *vm;
	struct npu_bo *bo;
	void *cpu;
	uint64_t va;
	struct npu_gemm_tiling t;
};

/**
 * struct npu_gemm_weights - B packed on the dies of a group
 * @refcount: references (the caller's and every plan's)
 * @group: the dies, a reference
 * @desc: the shape
 * @dies: dies holding a slice
 * @n0: first row of each die's slice; @n0[@dies] = N
 * @die: the slices
 */
struct npu_gemm_weights {
	atomic_uint refcount;
	struct npu_device_group *group;
	struct npu_gemm_weights_desc desc;
	uint32_t dies;
	uint32_t n0[NPU_GROUP_MAX_DIES + 1];
	struct npu_gemm_wdie die[NPU_GROUP_MAX_DIES];
};

#endif /* LIBNPU_NPU_GEMM_PRIV_H */
