/* SPDX-License-Identifier: MIT */
/*
 * libnpu GEMM helper: C[m][n] = sum_k A[m][k] * B[n][k].
 *
 * B is given row by row per output ([n][k], the layout of a linear
 * layer's weight matrix W in y = W x).  Two objects:
 *
 *  - &struct npu_gemm_weights holds B, packed once for the NPU, on the
 *    dies of a device group: N is cut into one slice per die and each die
 *    keeps its slice in its own memory.  A group of one die is the
 *    single-die case.
 *  - &struct npu_gemm_plan runs GEMMs on a weights object for any M up
 *    to the plan's maximum.  It cuts the work into hardware tasks within
 *    the CBUF and register limits, spreads them over each die's cores and
 *    emits the command streams; a run packs A (or takes it packed in a
 *    BO), submits one job per core used with one SUBMIT per die, and
 *    unpacks C.  Any number of plans share one weights object: the
 *    weights are never copied again.
 *
 * Every function returns 0 or a negative errno, and prints nothing
 * (NPU_DEBUG=msgs prints why a call failed).
 *
 * Threads: distinct objects may be used from distinct threads at the
 * same time, also on one device.  One plan is used by one thread at a
 * time; a weights object may be shared by plans used from several
 * threads once its weights are set.
 *
 * Structs passed in have reserved fields that must be zero (a designated
 * initializer does that): later versions give them meaning.
 */
#ifndef LIBNPU_NPU_GEMM_H
#define LIBNPU_NPU_GEMM_H

#include <stdint.h>

#include "npu.h"

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
 * struct npu_gemm_desc - a GEMM shape, for npu_gemm_supported() and the
 * CPU reference
 * @m: rows of A and C
 * @k: columns of A and B
 * @n: rows of B, columns of C
 * @in_type: NPU_DTYPE_INT8 or NPU_DTYPE_FP16, for A and B
 * @out_type: NPU_DTYPE_INT32 for int8 input; NPU_DTYPE_FP32 or
 *            NPU_DTYPE_FP16 for fp16 input
 * @reserved: zero
 */
struct npu_gemm_desc {
	uint32_t m, k, n;
	uint32_t in_type;
	uint32_t out_type;
	uint32_t reserved[3];
};

/**
 * npu_gemm_supported() - whether the NPU can run a GEMM shape
 * @desc: the shape
 *
 * Answers without a device: a runtime asks it to decide what it offloads.
 *
 * Return: 0 when a plan of @desc->m rows on weights of this shape can be
 * made; -EINVAL for a type combination or a size out of reach, or a
 * non-zero reserved field; -E2BIG when the work would need more tasks
 * than a job can carry.
 */
int npu_gemm_supported(const struct npu_gemm_desc *desc);

/*
 * Weights
 */

struct npu_gemm_weights;

/**
 * struct npu_gemm_weights_desc - what a weights object holds
 * @k: columns of B (the GEMM's K)
 * @n: rows of B (the GEMM's N)
 * @in_type: NPU_DTYPE_INT8 or NPU_DTYPE_FP16
 * @dies: dies of the group to spread N over, 0 for all of them; a narrow
 *        N may use fewer (npu_gemm_weights_info() says how many)
 * @reserved: zero
 */
struct npu_gemm_weights_desc {
	uint32_t k, n;
	uint32_t in_type;
	uint32_t dies;
	uint32_t reserved[4];
};

/**
 * struct npu_gemm_weights_info - how a weights object is laid out
 * @dies: dies holding a slice of B
 * @n0: first row of B (column of C) of each die; @n0[@dies] is N
 * @bytes: device memory of each die's packed slice
 * @vm_id: per die, the VM the slice is mapped in (plans map there too)
 * @reserved: zero
 */
struct npu_gemm_weights_info {
	uint32_t dies;
	uint32_t n0[NPU_GROUP_MAX_DIES + 1];
	uint64_t bytes[NPU_GROUP_MAX_DIES];
	uint32_t vm_id[NPU_GROUP_MAX_DIES];
	uint32_t reserved[7];
};

/**
 * npu_gemm_cut() - how N rows of B are cut over dies, without a device
 * @n: rows
 * @dies: 1..NPU_GROUP_MAX_DIES
 * @n0: out: @n0[d] is the first row of die d, @n0[used] = @n; room for
 *      NPU_GROUP_MAX_DIES + 1 entries
 *
 * Slices are whole 32-row tiles (the widest weight tile), spread as
 * evenly as they go, the last slice taking the remainder.  A weights
 * object cuts exactly so: a tool that stores weights already cut (a peer
 * package) uses this.
 *
 * Return: the number of dies used (a narrow N leaves trailing dies
 * without rows), or -EINVAL.
 */
int npu_gemm_cut(uint32_t n, uint32_t dies, uint32_t *n0);

/**
 * npu_gemm_weights_new() - device memory for B on the dies of a group
 * @group: the dies; the object holds a reference
 * @desc: the shape
 * @weights: out: the object, with one reference (NULL on failure)
 *
 * The memory is zero until npu_gemm_weights_set().  Each die's slice is
 * one BO of that die, mapped read-only in the die's default VM, or in a
 * VM of its own when that one is full.
 *
 * Return: 0; -EINVAL for NULL arguments, a shape npu_gemm_supported()
 * refuses with -EINVAL, @desc->dies beyond the group or a non-zero
 * reserved field; -E2BIG for a shape that needs more tasks than a job
 * carries; -ENOMEM; or the kernel's error.
 */
int npu_gemm_weights_new(struct npu_device_group *group,
			 const struct npu_gemm_weights_desc *desc,
			 struct npu_gemm_weights **weights);

/**
 * npu_gemm_weights_ref() - take a reference
 * @weights: the object, or NULL
 *
 * Return: @weights.
 */
struct npu_gemm_weights *npu_gemm_weights_ref(struct npu_gemm_weights *weights);

/**
 * npu_gemm_weights_unref() - drop a reference
 * @weights: the object, or NULL (then nothing happens)
 *
 * Plans hold references: the memory goes with the last plan.
 */
void npu_gemm_weights_unref(struct npu_gemm_weights *weights);

/**
 * npu_gemm_weights_set() - pack all of B
 * @weights: the object
 * @b: B, [n][k] row-major, of the object's input type
 *
 * Each die packs its rows.  Not while a plan on @weights runs.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
int npu_gemm_weights_set(struct npu_gemm_weights *weights, const void *b);

/**
 * npu_gemm_weights_set_die() - pack one die's slice of B
 * @weights: the object
 * @die: the die, below npu_gemm_weights_info()'s @dies
 * @b: rows n0[@die] .. n0[@die + 1] - 1 of B, [rows][k] row-major
 *
 * For weights stored already cut (npu_gemm_cut()).
 *
 * Return: 0, or -EINVAL for a NULL argument or a die out of range.
 */
int npu_gemm_weights_set_die(struct npu_gemm_weights *weights,
			     unsigned int die, const void *b);

/**
 * npu_gemm_weights_get_row() - read one row of B back from the device copy
 * @weights: the object
 * @n: the row, below N
 * @row: out: its K values, of the object's input type
 *
 * For a caller that needs a few rows of B after packing, e.g. a language
 * model whose token embedding is its classifier: it keeps no host copy
 * of B and reads the rows it needs from the weights themselves.  Not
 * while a plan on @weights runs.
 *
 * Return: 0, or -EINVAL for a NULL argument or a row out of range.
 */
int npu_gemm_weights_get_row(struct npu_gemm_weights *weights, uint32_t n,
			     void *row);

/**
 * npu_gemm_weights_info() - how the object is laid out
 * @weights: the object
 * @info: out
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
int npu_gemm_weights_info(const struct npu_gemm_weights *weights,
			  struct npu_gemm_weights_info *info);

/*
 * Plans
 */

struct npu_gemm_plan;

/**
 * struct npu_gemm_plan_desc - how a plan runs
 * @m_max: most rows of A a run may have, at least 1
 * @out_type: NPU_DTYPE_INT32 for int8 weights; NPU_DTYPE_FP32 or
 *            NPU_DTYPE_FP16 for fp16 weights
 * @cores: cores used per die, 0 for all of them
 * @reserved: zero
 */
struct npu_gemm_plan_desc {
	uint32_t m_max;
	uint32_t out_type;
	uint32_t cores;
	uint32_t reserved[5];
};

/**
 * npu_gemm_plan_new() - plan GEMMs on a weights object
 * @weights: the weights; the plan holds a reference
 * @desc: how it runs
 * @plan: out: the plan (NULL on failure)
 *
 * The plan owns the command streams of every M up to @desc->m_max (the
 * streams of the M last run are kept, so a run with the same M emits
 * nothing) and, for the host-pointer path, a packed-input and per-core
 * output BOs of @desc->m_max rows on each die.  Several plans on one
 * weights object are how a runtime runs GEMMs on the same weights
 * concurrently.
 *
 * Return: 0; -EINVAL for a NULL argument, a zero @desc->m_max, a type
 * the weights cannot give, more @desc->cores than a die has or a
 * non-zero reserved field; -E2BIG when @desc->m_max rows need more
 * tasks than a job carries; -ENOSPC when the weights' VM is full;
 * -ENOMEM; or the kernel's error.
 */
int npu_gemm_plan_new(struct npu_gemm_weights *weights,
		      const struct npu_gemm_plan_desc *desc,
		      struct npu_gemm_plan **plan);

/**
 * npu_gemm_plan_destroy() - free a plan
 * @plan: the plan, or NULL (then nothing happens)
 *
 * A run in flight is waited for first.
 */
void npu_gemm_plan_destroy(struct npu_gemm_plan *plan);

/**
 * struct npu_gemm_sync - a syncobj point of one die
 * @handle: syncobj handle of that die's device, 0 for none
 * @pad: zero
 * @point: timeline point, 0 for a binary syncobj
 */
struct npu_gemm_sync {
	uint32_t handle;
	uint32_t pad;
	uint64_t point;
};

/**
 * struct npu_gemm_run - one run of a plan
 * @m: rows of A, 1..m_max
 * @flags: zero
 * @a: A, [m][k] row-major of the input type, packed by the library; or
 *     NULL when @a_bo is given
 * @c: where npu_gemm_plan_wait() writes C, [m][n] row-major of the
 *     output type; or NULL when @c_bo is given
 * @a_bo: instead of @a, per die a BO of that die holding A already in
 *        the input layout (npu_gemm_pack_a()) from offset 0; it may be
 *        one buffer shared through dma-buf.  Read by the run's jobs.
 * @c_bo: instead of @c, per die a BO of that die that receives the die's
 *        columns of C in the output layout (npu_gemm_unpack_c()) from
 *        offset 0.  Written by the run's jobs.
 * @in_sync: per die, a syncobj the die's jobs wait for
 * @out_sync: per die, a syncobj signalled once all of the die's jobs of
 *            this run are done
 * @reserved: zero
 *
 * BOs passed here are mapped into the plan's VM on first use and kept
 * mapped (with a reference) until another BO takes their place or the
 * plan goes; the run's jobs list them, so the kernel orders them after
 * earlier jobs that write them (implicit sync) and npu_bo_cpu_prep()
 * waits for the run.
 */
struct npu_gemm_run {
	uint32_t m;
	uint32_t flags;
	const void *a;
	void *c;
	struct npu_bo *a_bo[NPU_GROUP_MAX_DIES];
	struct npu_bo *c_bo[NPU_GROUP_MAX_DIES];
	struct npu_gemm_sync in_sync[NPU_GROUP_MAX_DIES];
	struct npu_gemm_sync out_sync[NPU_GROUP_MAX_DIES];
	uint64_t reserved[4];
};

/**
 * npu_gemm_plan_submit() - start a run
 * @plan: the plan, with no run in flight
 * @run: the run
 *
 * Packs A (host path), then queues every die's jobs, one SUBMIT per die,
 * before returning: the dies and their cores work at the same time.
 * End the run with npu_gemm_plan_wait().
 *
 * Return: 0; -EBUSY when a run is in flight; -EINVAL for bad arguments
 * (M out of range, neither or both of @a and @a_bo, a BO of another
 * device or too small, a non-zero flag or reserved field); or the
 * kernel's error, after which the jobs already queued are waited for.
 */
int npu_gemm_plan_submit(struct npu_gemm_plan *plan,
			 const struct npu_gemm_run *run);

/**
 * npu_gemm_plan_wait() - end a run
 * @plan: the plan
 * @timeout_ns: how long to wait, relative; negative waits forever
 *
 * Waits for every job of the run, then unpacks C (host path).
 *
 * Return: 0; -ETIME when @timeout_ns passed first (the run stays in
 * flight: wait again); -EINVAL when no run is in flight; -EFAULT for an
 * MMU fault, -ETIMEDOUT for a job the kernel timed out, -ECANCELED for a
 * cancelled one, -EIO otherwise (npu_gemm_plan_last_fault() says more).
 */
int npu_gemm_plan_wait(struct npu_gemm_plan *plan, int64_t timeout_ns);

/**
 * npu_gemm_plan_run() - run on host memory, synchronously
 * @plan: the plan
 * @m: rows of A, 1..m_max
 * @a: A, [m][k] row-major of the input type
 * @c: C, [m][n] row-major of the output type
 *
 * Return: as npu_gemm_plan_submit(), then npu_gemm_plan_wait().
 */
int npu_gemm_plan_run(struct npu_gemm_plan *plan, uint32_t m, const void *a,
		      void *c);

/**
 * struct npu_gemm_layout - the device layouts of a run of M rows
 * @m: the M asked for
 * @m_tile: rows per input tile
 * @a_bytes: bytes of packed A (the same on every die)
 * @c_bytes: per die, bytes of that die's packed C
 * @reserved: zero
 *
 * Input: A is cut into tiles of @m_tile rows (the last one shorter),
 * one after the other; inside a tile of mt rows, K is padded with zeros
 * to a multiple of 32 and laid out in groups of 16 bytes (8 fp16 or 16
 * int8 channels): element (m, k) is at element index
 * ((k / c2) * mt + m) * c2 + k % c2 of its tile.
 *
 * Output: per die, its N_d columns padded to the weight tile (16 for
 * fp16, 32 for int8) in groups of 16 bytes (4 fp32/int32 or 8 fp16):
 * element (m, n) is at element index ((n / c2) * M + m) * c2 + n % c2.
 * With fp16 output and N_d a multiple of 32, this is the input layout of
 * a GEMM with K = N_d and M rows in one tile: a run's output BO can be
 * the next run's input BO.
 */
struct npu_gemm_layout {
	uint32_t m;
	uint32_t m_tile;
	uint64_t a_bytes;
	uint64_t c_bytes[NPU_GROUP_MAX_DIES];
	uint32_t reserved[4];
};

/**
 * npu_gemm_plan_layout() - the layouts of a run of @m rows
 * @plan: the plan
 * @m: 1..m_max
 * @layout: out
 *
 * Return: 0, or -EINVAL for a NULL argument or @m out of range.
 */
int npu_gemm_plan_layout(const struct npu_gemm_plan *plan, uint32_t m,
			 struct npu_gemm_layout *layout);

/**
 * npu_gemm_pack_a() - lay A out for a run of @m rows
 * @plan: the plan
 * @m: 1..m_max
 * @a: A, [m][k] row-major of the input type
 * @dst: @layout.a_bytes bytes, for instance a mapped BO
 *
 * Return: 0, or -EINVAL.
 */
int npu_gemm_pack_a(const struct npu_gemm_plan *plan, uint32_t m,
		    const void *a, void *dst);

/**
 * npu_gemm_unpack_c() - read one die's columns of C from the layout
 * @plan: the plan
 * @m: 1..m_max
 * @die: the die
 * @src: @layout.c_bytes[@die] bytes of that die's output
 * @c: C, [m][n] row-major of the output type: columns n0[die] ..
 *     n0[die + 1] - 1 are written
 *
 * Return: 0, or -EINVAL.
 */
int npu_gemm_unpack_c(const struct npu_gemm_plan *plan, uint32_t m,
		      unsigned int die, const void *src, void *c);

/**
 * struct npu_gemm_stats - accumulated time of a plan's runs on one die,
 * in ns
 *
 * The times are CPU-side except @busy_ns, @device_ns and
 * @device_wall_ns, which the kernel measures on the cores.  Over the dies
 * of a plan, @pack_ns, @submit_ns, @wait_ns and @unpack_ns add up: the
 * caller's thread spends them one after the other.  @busy_ns and
 * @device_ns do not: the dies of a run work at the same time, so their
 * sum over dies exceeds the wall time the device needed.  @device_wall_ns
 * is the one that adds up to wall time.  What a run spent in the driver
 * rather than on the device is thus, over all dies,
 * sum(@submit_ns + @wait_ns) - sum(@device_wall_ns).
 *
 * @pack_ns: packing A (CPU)
 * @submit_ns: the SUBMIT ioctl, and emitting streams for a new M
 * @wait_ns: waiting for the jobs
 * @unpack_ns: unpacking C (CPU)
 * @runs: completed runs
 * @submits: SUBMIT ioctls
 * @jobs: jobs queued (one per core used per run)
 * @busy_ns: time the jobs spent on their cores, summed over cores
 * @device_ns: per run, the time of its longest job on this die: the part
 *             of the run the die needs however fast the driver is
 * @emits: runs that emitted their streams anew (a new M or BO)
 * @waits: JOB_WAIT ioctls: one per run where the kernel has
 *         NPU_CAP_WAIT_SUBMIT, one per job otherwise
 * @device_wall_ns: per run, the wall time from the first of this die's
 *                  jobs starting on a core to the last ending, less what
 *                  the same span of a lower-numbered die already covered;
 *                  summed over the plan's dies, the time during which a
 *                  job of the run was on some core, overlapping dies
 *                  counted once.  Where the kernel does not give job
 *                  times (no NPU_CAP_WAIT_SUBMIT), the dies are taken to
 *                  start together and run @device_ns each.
 * @reserved: zero
 */
struct npu_gemm_stats {
	uint64_t pack_ns, submit_ns, wait_ns, unpack_ns;
	uint64_t runs, submits, jobs;
	uint64_t busy_ns, device_ns;
	uint64_t emits;
	uint64_t waits, device_wall_ns;
	uint64_t reserved[4];
};

/**
 * npu_gemm_plan_get_stats() - one die's accumulated statistics
 * @plan: the plan
 * @die: the die
 * @stats: out
 *
 * Return: 0, or -EINVAL for a NULL argument or a die out of range.
 */
int npu_gemm_plan_get_stats(const struct npu_gemm_plan *plan,
			    unsigned int die, struct npu_gemm_stats *stats);

/**
 * struct npu_gemm_info - how a plan cut its work on one die
 * @cores: cores it runs on
 * @tasks: hardware tasks per run of m_max rows
 * @m_tile: rows per task at m_max
 * @n_tile: kernels per task
 * @weight_bytes: device memory of the die's packed weights (shared with
 *                every plan on the same weights)
 * @vm_id: the VM its buffers are mapped in
 * @shared_input: 1 when this die reads die 0's input BO through dma-buf
 * @reserved: zero
 */
struct npu_gemm_info {
	uint32_t cores, tasks, m_tile, n_tile;
	uint64_t weight_bytes;
	uint32_t vm_id;
	uint32_t shared_input;
	uint32_t reserved[6];
};

/**
 * npu_gemm_plan_info() - how a plan cut its work on one die
 * @plan: the plan
 * @die: the die
 * @info: out
 *
 * Return: 0, or -EINVAL for a NULL argument or a die out of range.
 */
int npu_gemm_plan_info(const struct npu_gemm_plan *plan, unsigned int die,
		       struct npu_gemm_info *info);

/**
 * npu_gemm_plan_dies() - dies a plan runs on
 * @plan: the plan
 *
 * Return: 1..NPU_GROUP_MAX_DIES, or -EINVAL for a NULL @plan.
 */
int npu_gemm_plan_dies(const struct npu_gemm_plan *plan);

/**
 * npu_gemm_plan_last_fault() - why the last failed run failed
 * @plan: the plan
 * @die: out: the die whose job failed first
 * @status: out: the job's &struct npu_job_status
 *
 * Return: 0, or -EINVAL for a NULL argument.  All zero when no run
 * failed.
 */
int npu_gemm_plan_last_fault(const struct npu_gemm_plan *plan,
			     uint32_t *die, struct npu_job_status *status);

/*
 * CPU helpers
 */

/**
 * npu_gemm_reference() - the GEMM on the CPU, as the NPU computes it
 * @desc: the shape (fp16: exact products summed in fp32 in k order)
 * @a: A, [m][k]
 * @b: B, [n][k]
 * @c: out: C, [m][n]
 *
 * Return: 0, or -EINVAL for an unsupported type combination.
 */
int npu_gemm_reference(const struct npu_gemm_desc *desc, const void *a,
		       const void *b, void *c);

/**
 * npu_gemm_quantize_rows() - int8 rows with one scale each
 * @rows: rows
 * @cols: columns
 * @x: [rows][cols] fp32, finite
 * @q: out: [rows][cols] int8, q = round(x / s) with s = max |x_row| / 127
 *     (1 for an all-zero row)
 * @scale: out: [rows] the scales s
 *
 * For weights (per-row scales) and for activations (per-token scales)
 * alike.
 *
 * Return: 0, or -ERANGE for a value that is not finite.
 */
int npu_gemm_quantize_rows(uint32_t rows, uint32_t cols, const float *x,
			   int8_t *q, float *scale);

/**
 * npu_gemm_dequantize() - fp32 C from an int8 GEMM's int32 C
 * @m: rows of C
 * @n: columns of C
 * @acc: [m][n] int32 from the NPU
 * @a_scale: [m] per-token scales of A
 * @b_scale: [n] per-row scales of B
 * @c: out: [m][n], c = acc * a_scale[m] * b_scale[n]; may be @acc
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
int npu_gemm_dequantize(uint32_t m, uint32_t n, const int32_t *acc,
			const float *a_scale, const float *b_scale, float *c);

uint16_t npu_fp32_to_fp16(float f);
float npu_fp16_to_fp32(uint16_t h);

#if defined(__cplusplus)
}
#endif

#endif /* LIBNPU_NPU_GEMM_H */
