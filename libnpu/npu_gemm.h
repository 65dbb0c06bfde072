/* SPDX-License-Identifier: MIT */
/*
 * libnpu GEMM helper: C[m][n] = sum_k A[m][k] * B[n][k].
 *
 * B is given row by row per output ([n][k], the layout of a linear
 * layer's weight matrix W in y = W x).  A plan is built once per shape:
 * it cuts the work into hardware tasks within the CBUF and register
 * limits, spreads it over the die's cores, packs B once and emits every
 * command stream once; each run then only packs A, submits and unpacks C.
 */
#ifndef LIBNPU_NPU_GEMM_H
#define LIBNPU_NPU_GEMM_H

#include <stdint.h>

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * enum npu_dtype - element types
 *
 * fp16 values are IEEE binary16 bit patterns in uint16_t.
 */
enum npu_dtype {
	NPU_DTYPE_INT8 = 1,
	NPU_DTYPE_FP16 = 2,
	NPU_DTYPE_INT32 = 3,
	NPU_DTYPE_FP32 = 4,
};

/**
 * struct npu_gemm_desc - a GEMM shape
 * @m: rows of A and C
 * @k: columns of A and B
 * @n: rows of B, columns of C
 * @in_type: NPU_DTYPE_INT8 or NPU_DTYPE_FP16, for A and B
 * @out_type: NPU_DTYPE_INT32 for int8 input; NPU_DTYPE_FP32 or
 *            NPU_DTYPE_FP16 for fp16 input
 */
struct npu_gemm_desc {
	uint32_t m, k, n;
	uint32_t in_type;
	uint32_t out_type;
};

/**
 * struct npu_gemm_stats - accumulated time of a plan's runs, in ns
 * @pack_ns: packing A (CPU)
 * @submit_ns: the SUBMIT ioctl
 * @wait_ns: waiting for the jobs
 * @unpack_ns: unpacking C (CPU)
 * @runs: completed runs
 * @submits: SUBMIT ioctls
 * @jobs: jobs queued (one per core used per run)
 * @busy_ns: time the jobs spent on their cores, summed over cores
 * @device_ns: per run, the time of its longest job: the part of the
 *             run the device needs however fast the driver is
 */
struct npu_gemm_stats {
	uint64_t pack_ns, submit_ns, wait_ns, unpack_ns;
	uint64_t runs, submits, jobs;
	uint64_t busy_ns, device_ns;
};

/**
 * struct npu_gemm_info - how a plan was cut
 * @cores: cores it runs on
 * @tasks: hardware tasks per run
 * @m_tile: rows per task
 * @n_tile: kernels per task
 * @weight_bytes: device memory of the packed weights
 * @vm_id: the VM its buffers are mapped in
 */
struct npu_gemm_info {
	uint32_t cores, tasks, m_tile, n_tile;
	uint64_t weight_bytes;
	uint32_t vm_id;
};

struct npu_device;
struct npu_gemm_plan;

int npu_gemm_supported(const struct npu_gemm_desc *desc);
int npu_gemm_plan_new(struct npu_device *dev, const struct npu_gemm_desc *desc,
		      uint32_t cores, struct npu_gemm_plan **plan);
void npu_gemm_plan_destroy(struct npu_gemm_plan *plan);
int npu_gemm_plan_set_weights(struct npu_gemm_plan *plan, const void *b);
int npu_gemm_plan_submit(struct npu_gemm_plan *plan, const void *a);
int npu_gemm_plan_wait(struct npu_gemm_plan *plan, void *c);
int npu_gemm_plan_run(struct npu_gemm_plan *plan, const void *a, void *c);
int npu_gemm_plan_get_stats(const struct npu_gemm_plan *plan,
			    struct npu_gemm_stats *stats);
int npu_gemm_plan_last_fault(const struct npu_gemm_plan *plan,
			     uint32_t *status, uint32_t *reason,
			     uint64_t *fault_va);
int npu_gemm_plan_info(const struct npu_gemm_plan *plan,
		       struct npu_gemm_info *info);
/*
 * GEMMs over the dies of a group: N is cut into one slice per die, and
 * each die holds its slice of B in its own memory and computes its
 * columns of C.  Every element of C is computed exactly as by a plan on
 * one die, so the results are identical.  Where the kernel supports it,
 * the packed input is one BO of die 0 shared with the other dies through
 * dma-buf; otherwise each die packs its own copy (npu_gemm_split_info()
 * says which).
 *
 * npu_gemm_split_cut() is the cut, without a device: N rows of B over
 * @dies dies, in slices of whole 32-row tiles (the widest weight tile)
 * spread as evenly as they go, the last slice taking the remainder;
 * n0[d] is the first row of die d and n0[used] = N.  It returns the number of dies used (a narrow N leaves
 * trailing dies without rows), or -EINVAL.  A split plan's dies hold
 * exactly these slices: npu_gemm_split_set_die_weights() takes die
 * @die's rows n0[die] .. n0[die + 1] - 1 of B, for weights already cut
 * (a peer package); npu_gemm_split_set_weights() takes all of B.
 */
struct npu_device_group;
struct npu_gemm_split;

/**
 * struct npu_gemm_split_info - how a split plan was cut
 * @dies: dies it runs on
 * @shared_input: 1 when the dies read one input BO through dma-buf
 * @n0: first column of C of each die; @n0[@dies] is N
 * @die: each die's plan, as npu_gemm_plan_info() reports it
 */
struct npu_gemm_split_info {
	uint32_t dies;
	uint32_t shared_input;
	uint32_t n0[8 + 1];
	struct npu_gemm_info die[8];
};

int npu_gemm_split_new(struct npu_device_group *group,
		       const struct npu_gemm_desc *desc, uint32_t dies,
		       uint32_t cores, struct npu_gemm_split **split);
void npu_gemm_split_destroy(struct npu_gemm_split *split);
int npu_gemm_split_set_weights(struct npu_gemm_split *split, const void *b);
int npu_gemm_split_set_die_weights(struct npu_gemm_split *split,
				   unsigned int die, const void *b);
int npu_gemm_split_cut(uint32_t n, uint32_t dies, uint32_t *n0);
int npu_gemm_split_run(struct npu_gemm_split *split, const void *a, void *c);
int npu_gemm_split_get_stats(const struct npu_gemm_split *split,
			     unsigned int die, struct npu_gemm_stats *stats);
int npu_gemm_split_info(const struct npu_gemm_split *split,
			struct npu_gemm_split_info *info);
int npu_gemm_split_last_fault(const struct npu_gemm_split *split,
			      uint32_t *die, uint32_t *status,
			      uint32_t *reason, uint64_t *fault_va);
int npu_gemm_reference(const struct npu_gemm_desc *desc, const void *a,
		       const void *b, void *c);
uint16_t npu_fp32_to_fp16(float f);
float npu_fp16_to_fp32(uint16_t h);

#if defined(__cplusplus)
}
#endif

#endif /* LIBNPU_NPU_GEMM_H */
