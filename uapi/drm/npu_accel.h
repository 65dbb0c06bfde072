/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Userspace interface of the npu DRM accel driver.
 *
 * Rules this file keeps, so that old binaries keep working on new kernels
 * and the other way round:
 *
 * - ioctl numbers in &enum drm_npu_ioctl_id are append-only;
 * - every struct may grow at its end; the kernel takes the size userspace
 *   passed and zero-fills or rejects what it does not know;
 * - sizes, offsets and user pointers are __u64;
 * - every pad, reserved and flags field is checked: a non-zero value the
 *   kernel does not understand fails with -EINVAL.
 */
#ifndef _UAPI_DRM_NPU_ACCEL_H_
#define _UAPI_DRM_NPU_ACCEL_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * enum drm_npu_ioctl_id - ioctl numbers, relative to DRM_COMMAND_BASE
 *
 * Append-only: a number, once released, keeps its meaning forever.
 */
enum drm_npu_ioctl_id {
	/** @DRM_NPU_QUERY: query device properties, see &struct drm_npu_query. */
	DRM_NPU_QUERY = 0,
	/** @DRM_NPU_BO_CREATE: create a buffer, &struct drm_npu_bo_create. */
	DRM_NPU_BO_CREATE = 1,
	/** @DRM_NPU_BO_INFO: size and mmap offset, &struct drm_npu_bo_info. */
	DRM_NPU_BO_INFO = 2,
	/** @DRM_NPU_BO_CPU_PREP: begin CPU access, &struct drm_npu_bo_cpu_prep. */
	DRM_NPU_BO_CPU_PREP = 3,
	/** @DRM_NPU_BO_CPU_FINI: end CPU access, &struct drm_npu_bo_cpu_fini. */
	DRM_NPU_BO_CPU_FINI = 4,
	/** @DRM_NPU_VM_CREATE: new address space, &struct drm_npu_vm_create. */
	DRM_NPU_VM_CREATE = 5,
	/** @DRM_NPU_VM_DESTROY: drop an address space, &struct drm_npu_vm_destroy. */
	DRM_NPU_VM_DESTROY = 6,
	/** @DRM_NPU_VM_MAP: map a BO range, &struct drm_npu_vm_map. */
	DRM_NPU_VM_MAP = 7,
	/** @DRM_NPU_VM_UNMAP: remove a mapping, &struct drm_npu_vm_unmap. */
	DRM_NPU_VM_UNMAP = 8,
	/** @DRM_NPU_SUBMIT: queue jobs, &struct drm_npu_submit. */
	DRM_NPU_SUBMIT = 9,
	/** @DRM_NPU_JOB_WAIT: wait for a job and read its status, &struct drm_npu_job_wait. */
	DRM_NPU_JOB_WAIT = 10,
};

/**
 * enum drm_npu_query_type - what &struct drm_npu_query asks for
 */
enum drm_npu_query_type {
	/**
	 * @DRM_NPU_QUERY_DEVICE: the die this file is open on, answered
	 * with &struct drm_npu_query_device.
	 */
	DRM_NPU_QUERY_DEVICE = 0,
};

/**
 * struct drm_npu_query - argument of DRM_IOCTL_NPU_QUERY
 *
 * With @pointer 0 the kernel only writes, into @size, the size of the
 * structure it knows for @type; nothing else happens.
 *
 * Otherwise @size is the size of the buffer at @pointer (1 byte to 4096
 * bytes).  The kernel writes min(@size, its size) bytes, zero-fills the
 * rest of a larger buffer and sets @size to its own size.  An older
 * binary thus gets the fields it knows and a newer one sees zeros in the
 * fields this kernel does not have.
 */
struct drm_npu_query {
	/** @type: one of &enum drm_npu_query_type. */
	__u32 type;
	/** @flags: must be zero. */
	__u32 flags;
	/** @size: in: bytes at @pointer; out: the kernel's size for @type. */
	__u64 size;
	/** @pointer: user address of the answer, or 0 to ask for the size. */
	__u64 pointer;
};

/**
 * enum drm_npu_model - the hardware behind a device
 */
enum drm_npu_model {
	/** @DRM_NPU_MODEL_UNKNOWN: never reported; zero is not a model. */
	DRM_NPU_MODEL_UNKNOWN = 0,
	/**
	 * @DRM_NPU_MODEL_VIRTUAL: the virtual NPU built into the driver; it
	 * speaks the RK3588 command interface.
	 */
	DRM_NPU_MODEL_VIRTUAL = 1,
	/** @DRM_NPU_MODEL_RK3588: Rockchip RK3588 NPU. */
	DRM_NPU_MODEL_RK3588 = 2,
	/** @DRM_NPU_MODEL_EIC7702: ESWIN EIC7702 NPU. */
	DRM_NPU_MODEL_EIC7702 = 3,
};

/**
 * define DRM_NPU_CAP_VIRTUAL - the device is the virtual NPU, not hardware
 */
#define DRM_NPU_CAP_VIRTUAL		0x1ULL
/**
 * define DRM_NPU_CAP_MMU - jobs run in per-VM address spaces (device MMU
 * or IOMMU), so BOs need no contiguous or low memory
 */
#define DRM_NPU_CAP_MMU			0x2ULL
/**
 * define DRM_NPU_CAP_COHERENT - device accesses are coherent with the CPU
 * caches; DRM_NPU_BO_CPU_PREP/FINI then only wait, they flush nothing
 */
#define DRM_NPU_CAP_COHERENT		0x4ULL
/**
 * define DRM_NPU_CAP_IMPORT - dma-bufs of other devices, the other dies of
 * the package included, import with DRM_IOCTL_PRIME_FD_TO_HANDLE and map
 * into VMs: the die's cores then use the exporter's pages, no copy
 */
#define DRM_NPU_CAP_IMPORT		0x8ULL
/**
 * define DRM_NPU_CAP_SUBMIT_PARALLEL - DRM_IOCTL_NPU_SUBMIT takes
 * DRM_NPU_SUBMIT_PARALLEL
 */
#define DRM_NPU_CAP_SUBMIT_PARALLEL	0x10ULL
/**
 * define DRM_NPU_CAP_WAIT_SUBMIT - DRM_IOCTL_NPU_JOB_WAIT takes
 * DRM_NPU_WAIT_SUBMIT and fills the fields of &struct drm_npu_job_wait
 * after @pad
 */
#define DRM_NPU_CAP_WAIT_SUBMIT		0x20ULL
/**
 * define DRM_NPU_CAP_NO_IMPLICIT - &struct drm_npu_bo_ref takes
 * DRM_NPU_BO_REF_NO_IMPLICIT
 */
#define DRM_NPU_CAP_NO_IMPLICIT		0x40ULL

/**
 * struct drm_npu_query_device - answer to DRM_NPU_QUERY_DEVICE
 *
 * One accel device is one die.  Dies of one chip share @package_id, so
 * userspace can group them.
 */
struct drm_npu_query_device {
	/** @model: one of &enum drm_npu_model. */
	__u32 model;
	/** @die_index: index of this die in its package, 0-based. */
	__u32 die_index;
	/** @die_count: number of dies in the package. */
	__u32 die_count;
	/** @package_id: identifier shared by all dies of one chip. */
	__u32 package_id;
	/** @core_count: number of NPU cores on this die. */
	__u32 core_count;
	/** @core_mask: bit N set when core N exists and is usable. */
	__u32 core_mask;
	/** @va_bits: width in bits of a device virtual address. */
	__u32 va_bits;
	/** @numa_node: NUMA node of the die's memory, -1 when none. */
	__s32 numa_node;
	/** @va_start: first device virtual address a VM can map. */
	__u64 va_start;
	/** @va_end: one past the last device virtual address a VM can map. */
	__u64 va_end;
	/** @page_size: granule of device mappings, in bytes. */
	__u32 page_size;
	/** @pad: zero. */
	__u32 pad;
	/** @mem_total: bytes of memory local to the die (its NUMA node). */
	__u64 mem_total;
	/** @caps: DRM_NPU_CAP_* bits. */
	__u64 caps;
};

/**
 * enum drm_npu_bo_placement - where the pages of a BO come from
 */
enum drm_npu_bo_placement {
	/** @DRM_NPU_BO_PLACEMENT_DIE: the die's NUMA node (default). */
	DRM_NPU_BO_PLACEMENT_DIE = 0,
	/** @DRM_NPU_BO_PLACEMENT_ANY: wherever the kernel finds memory. */
	DRM_NPU_BO_PLACEMENT_ANY = 1,
};

/**
 * struct drm_npu_bo_create - argument of DRM_IOCTL_NPU_BO_CREATE
 *
 * The BO is zeroed and its pages may sit anywhere in physical memory:
 * the device reaches them through a VM (DRM_NPU_CAP_MMU).
 */
struct drm_npu_bo_create {
	/** @size: in: bytes, rounded up to the page size; at most 4 GiB. */
	__u64 size;
	/** @flags: must be zero. */
	__u32 flags;
	/** @placement: one of &enum drm_npu_bo_placement. */
	__u32 placement;
	/** @handle: out: GEM handle of the new BO. */
	__u32 handle;
	/** @pad: must be zero. */
	__u32 pad;
};

/**
 * struct drm_npu_bo_info - argument of DRM_IOCTL_NPU_BO_INFO
 */
struct drm_npu_bo_info {
	/** @handle: in: the BO. */
	__u32 handle;
	/** @flags: must be zero. */
	__u32 flags;
	/** @size: out: size of the BO in bytes. */
	__u64 size;
	/** @mmap_offset: out: offset to pass to mmap() on the device fd. */
	__u64 mmap_offset;
};

/** define DRM_NPU_CPU_READ - the CPU is going to read the BO */
#define DRM_NPU_CPU_READ		0x1
/** define DRM_NPU_CPU_WRITE - the CPU is going to write the BO */
#define DRM_NPU_CPU_WRITE		0x2

/**
 * struct drm_npu_bo_cpu_prep - argument of DRM_IOCTL_NPU_BO_CPU_PREP
 *
 * Begins CPU access to a BO mapped with mmap(): waits until jobs that
 * write the BO are done (and, for DRM_NPU_CPU_WRITE, jobs that read it),
 * then makes the device's writes visible to the CPU.  With @timeout_ns 0
 * it only polls and returns -EBUSY while such jobs run; otherwise it
 * returns -ETIME when the deadline passes first.  Pair each call with
 * DRM_IOCTL_NPU_BO_CPU_FINI, which hands CPU writes back to the device.
 * On a coherent device (DRM_NPU_CAP_COHERENT) only the wait does work.
 */
struct drm_npu_bo_cpu_prep {
	/** @handle: in: the BO. */
	__u32 handle;
	/** @flags: DRM_NPU_CPU_READ and/or DRM_NPU_CPU_WRITE; nothing else. */
	__u32 flags;
	/** @timeout_ns: absolute CLOCK_MONOTONIC deadline in ns; 0 polls. */
	__s64 timeout_ns;
};

/**
 * struct drm_npu_bo_cpu_fini - argument of DRM_IOCTL_NPU_BO_CPU_FINI
 */
struct drm_npu_bo_cpu_fini {
	/** @handle: in: the BO. */
	__u32 handle;
	/** @flags: the flags given to the matching DRM_NPU_BO_CPU_PREP. */
	__u32 flags;
};

/**
 * define DRM_NPU_VM_DEFAULT - VM id of the address space every open file
 * has; it cannot be destroyed
 */
#define DRM_NPU_VM_DEFAULT		0

/**
 * struct drm_npu_vm_create - argument of DRM_IOCTL_NPU_VM_CREATE
 *
 * A VM is a device address space of &drm_npu_query_device.va_bits bits.
 * A process can create several, so that together they hold more memory
 * than one address space can.
 */
struct drm_npu_vm_create {
	/** @flags: must be zero. */
	__u32 flags;
	/** @vm_id: out: id of the new VM, never DRM_NPU_VM_DEFAULT. */
	__u32 vm_id;
};

/**
 * struct drm_npu_vm_destroy - argument of DRM_IOCTL_NPU_VM_DESTROY
 *
 * The id is gone at once; the mappings go when the last job that runs in
 * the VM is done.
 */
struct drm_npu_vm_destroy {
	/** @vm_id: in: a VM from DRM_IOCTL_NPU_VM_CREATE. */
	__u32 vm_id;
	/** @pad: must be zero. */
	__u32 pad;
};

/** define DRM_NPU_MAP_READ - the device may read the mapping */
#define DRM_NPU_MAP_READ		0x1
/** define DRM_NPU_MAP_WRITE - the device may write the mapping */
#define DRM_NPU_MAP_WRITE		0x2
/** define DRM_NPU_MAP_FIXED - map at &drm_npu_vm_map.va, not where the kernel picks */
#define DRM_NPU_MAP_FIXED		0x4

/**
 * struct drm_npu_vm_map - argument of DRM_IOCTL_NPU_VM_MAP
 *
 * Maps @size bytes of a BO from @bo_offset at a device address.  All of
 * @bo_offset, @size and a fixed @va are multiples of the page size.  The
 * BO may be one imported with DRM_IOCTL_PRIME_FD_TO_HANDLE, from another
 * die or another exporter: the device then uses the exporter's pages,
 * and the mapping keeps them until it is removed.
 * Errors: -ENOENT unknown VM or BO, -EINVAL bad flags or range,
 * -ENOSPC the fixed range is taken or no free range is large enough,
 * -ERANGE pages the device cannot address.
 */
struct drm_npu_vm_map {
	/** @vm_id: in: the VM. */
	__u32 vm_id;
	/** @handle: in: the BO. */
	__u32 handle;
	/** @bo_offset: in: first byte of the BO to map. */
	__u64 bo_offset;
	/** @size: in: bytes to map. */
	__u64 size;
	/** @va: in with DRM_NPU_MAP_FIXED, out otherwise: device address. */
	__u64 va;
	/** @flags: DRM_NPU_MAP_READ (required), _WRITE, _FIXED. */
	__u32 flags;
	/** @pad: must be zero. */
	__u32 pad;
};

/**
 * struct drm_npu_vm_unmap - argument of DRM_IOCTL_NPU_VM_UNMAP
 *
 * Removes the mapping that starts at @va and is @size bytes long.  What
 * a job running in the VM sees depends on the device: on the virtual NPU
 * the unmap waits until the job's current task has finished.  On RK3588
 * hardware it does not wait: the device mapping goes at once (the core
 * never reaches the pages once they are freed), and if the running task
 * touches the range afterwards, the core's IOMMU faults and the job ends
 * with %DRM_NPU_JOB_MMU_FAULT (fence error -EFAULT) and the faulting
 * address; what the task wrote before stays written.  Unmap only what no
 * unfinished job uses.
 */
struct drm_npu_vm_unmap {
	/** @vm_id: in: the VM. */
	__u32 vm_id;
	/** @pad: must be zero. */
	__u32 pad;
	/** @va: in: start of the mapping. */
	__u64 va;
	/** @size: in: size of the mapping. */
	__u64 size;
};

/**
 * struct drm_npu_task - one regcmd stream, run by a core's PC block
 */
struct drm_npu_task {
	/** @regcmd_va: device address of the first 64-bit regcmd word, 16-byte aligned. */
	__u64 regcmd_va;
	/** @regcmd_count: number of 64-bit words, tail included; 1..65536. */
	__u32 regcmd_count;
	/** @flags: must be zero. */
	__u32 flags;
};

/** define DRM_NPU_BO_REF_WRITE - the job writes the BO (else it only reads it) */
#define DRM_NPU_BO_REF_WRITE		0x1
/**
 * define DRM_NPU_BO_REF_NO_IMPLICIT - the job does not wait for the BO's
 * earlier users
 *
 * Explicit synchronisation, as Vulkan drivers do it: the caller orders
 * the job after whatever else uses the BO itself (in-syncs, waits), so
 * the job takes no implicit dependency on the fences in the BO's
 * reservation object, not even those of earlier jobs of the same SUBMIT.
 * The job's own fence still goes into the BO (for DRM_NPU_BO_REF_WRITE
 * as a writer), so CPU_PREP, jobs listing the BO without the flag and
 * other devices sharing it through dma-buf still wait for the job.
 * Only on a kernel with DRM_NPU_CAP_NO_IMPLICIT; older ones reject it.
 */
#define DRM_NPU_BO_REF_NO_IMPLICIT	0x2

/**
 * struct drm_npu_bo_ref - a BO a job uses, for implicit synchronisation
 */
struct drm_npu_bo_ref {
	/** @handle: the BO. */
	__u32 handle;
	/**
	 * @flags: DRM_NPU_BO_REF_WRITE, DRM_NPU_BO_REF_NO_IMPLICIT, both
	 * or 0; other bits fail the SUBMIT with -EINVAL.
	 */
	__u32 flags;
};

/**
 * struct drm_npu_sync - a syncobj to wait on or to signal
 */
struct drm_npu_sync {
	/** @handle: the syncobj. */
	__u32 handle;
	/** @flags: must be zero. */
	__u32 flags;
	/** @point: timeline point; 0 for a binary syncobj. */
	__u64 point;
};

/** define DRM_NPU_MAX_TASKS - tasks in one job: the PC task counter has 12 bits */
#define DRM_NPU_MAX_TASKS		4095

/**
 * struct drm_npu_job - one job of a &struct drm_npu_submit
 *
 * A job runs its tasks in order on one core, in one VM, once all its
 * in-syncs have signalled and earlier jobs writing (for a written BO:
 * using) its BOs are done, but for the BOs it lists with
 * DRM_NPU_BO_REF_NO_IMPLICIT.  In-syncs are resolved when the job is
 * queued, after the jobs before it in the same SUBMIT: a job may wait for
 * an out-sync of an earlier job of its array.  Every job of a SUBMIT is
 * prepared (BOs locked, dependencies taken, fences installed) before the
 * first is handed to a core, so the jobs of one SUBMIT start together.  An in-sync that names no
 * fence by then (a binary syncobj never signalled, a timeline point not
 * yet submitted) fails the job with -EINVAL.
 */
struct drm_npu_job {
	/** @tasks: user pointer to @task_count &struct drm_npu_task. */
	__u64 tasks;
	/** @bos: user pointer to @bo_count &struct drm_npu_bo_ref. */
	__u64 bos;
	/** @in_syncs: user pointer to @in_sync_count &struct drm_npu_sync. */
	__u64 in_syncs;
	/** @out_syncs: user pointer to @out_sync_count &struct drm_npu_sync. */
	__u64 out_syncs;
	/** @task_count: 1..DRM_NPU_MAX_TASKS. */
	__u32 task_count;
	/** @bo_count: 0..256. */
	__u32 bo_count;
	/** @in_sync_count: 0..64. */
	__u32 in_sync_count;
	/** @out_sync_count: 0..64. */
	__u32 out_sync_count;
	/** @vm_id: VM the job runs in; DRM_NPU_VM_DEFAULT for the file's own. */
	__u32 vm_id;
	/** @core_mask: cores the job may run on; 0 means any core. */
	__u32 core_mask;
	/** @flags: must be zero. */
	__u32 flags;
	/** @pad: must be zero. */
	__u32 pad;
	/** @job_id: out: id for DRM_IOCTL_NPU_JOB_WAIT, unique per file. */
	__u64 job_id;
	/*
	 * The fields below came after the first 72 bytes: a job_stride of
	 * 72 still gives every one of them its default, 0.
	 */
	/**
	 * @task_stride: bytes from one &struct drm_npu_task of @tasks to the
	 * next; 0 for sizeof(struct drm_npu_task).  A larger stride (a
	 * multiple of 8, at most 256) lets a newer struct carry fields this
	 * kernel does not know; they must be zero.
	 */
	__u32 task_stride;
	/** @bo_stride: the same for @bos and &struct drm_npu_bo_ref. */
	__u32 bo_stride;
	/**
	 * @sync_stride: the same for @in_syncs, @out_syncs and
	 * &struct drm_npu_sync.
	 */
	__u32 sync_stride;
	/** @pad2: must be zero. */
	__u32 pad2;
};

/**
 * define DRM_NPU_SUBMIT_PARALLEL - the jobs of one SUBMIT do not wait for
 * one another through the BOs they share
 *
 * Each job's implicit dependencies leave out the jobs queued before it by
 * the same SUBMIT: jobs that write one BO (one output, each core its part
 * of it) run at the same time.  Every earlier SUBMIT's jobs are still
 * waited for, later ones wait for all of these, and in-syncs are not
 * affected.  Userspace guarantees that the jobs' accesses do not overlap.
 * The jobs are queued all or none: on failure @submitted is 0.  A job's
 * in-syncs then cannot name the out-syncs of another job of the same
 * SUBMIT.
 */
#define DRM_NPU_SUBMIT_PARALLEL		0x1

/**
 * struct drm_npu_submit - argument of DRM_IOCTL_NPU_SUBMIT
 *
 * Queues @job_count jobs in order.  On success every job was queued and
 * its &drm_npu_job.job_id written back.  On failure the ioctl returns the
 * error of the first job that could not be queued and @submitted says how
 * many jobs before it were queued (and got their job_id): they run, and
 * nothing is dropped silently.  -EBADFD means the file is banned after a
 * job of it hung the NPU.
 */
struct drm_npu_submit {
	/** @jobs: user pointer to an array of &struct drm_npu_job. */
	__u64 jobs;
	/** @job_count: 1..64. */
	__u32 job_count;
	/**
	 * @job_stride: sizeof(struct drm_npu_job) as userspace knows it;
	 * fields beyond the kernel's must be zero.
	 */
	__u32 job_stride;
	/** @flags: 0 or DRM_NPU_SUBMIT_PARALLEL. */
	__u32 flags;
	/** @submitted: out: jobs queued. */
	__u32 submitted;
};

/**
 * enum drm_npu_job_status - how a job ended
 */
enum drm_npu_job_status {
	/** @DRM_NPU_JOB_PENDING: not finished yet. */
	DRM_NPU_JOB_PENDING = 0,
	/** @DRM_NPU_JOB_DONE: every task completed. */
	DRM_NPU_JOB_DONE = 1,
	/**
	 * @DRM_NPU_JOB_INVALID: the core rejected a regcmd word;
	 * &drm_npu_job_wait.fault_va is the word's address.
	 */
	DRM_NPU_JOB_INVALID = 2,
	/**
	 * @DRM_NPU_JOB_MMU_FAULT: an access hit an unmapped address or broke
	 * a mapping's permission; &drm_npu_job_wait.fault_va says where.
	 */
	DRM_NPU_JOB_MMU_FAULT = 3,
	/** @DRM_NPU_JOB_TIMEOUT: the job made no progress; its core was reset. */
	DRM_NPU_JOB_TIMEOUT = 4,
	/**
	 * @DRM_NPU_JOB_CANCELLED: never ran, or was stopped: banned file,
	 * file closed, or device gone.
	 */
	DRM_NPU_JOB_CANCELLED = 5,
	/** @DRM_NPU_JOB_ERROR: any other failure; see &drm_npu_job_wait.error. */
	DRM_NPU_JOB_ERROR = 6,
	/**
	 * @DRM_NPU_JOB_OVERTIME: the job ran longer than the per-job limit
	 * (module parameter job_max_ms), progress or not; its core was
	 * reset.  Its file is not banned.
	 */
	DRM_NPU_JOB_OVERTIME = 7,
};

/**
 * enum drm_npu_job_reason - why a core rejected a job (DRM_NPU_JOB_INVALID)
 */
enum drm_npu_job_reason {
	/** @DRM_NPU_REASON_NONE: no rejection. */
	DRM_NPU_REASON_NONE = 0,
	/** @DRM_NPU_REASON_BAD_WORD: a regcmd word the PC does not take. */
	DRM_NPU_REASON_BAD_WORD = 1,
	/** @DRM_NPU_REASON_NO_OP_EN: the stream does not end with the tail. */
	DRM_NPU_REASON_NO_OP_EN = 2,
	/** @DRM_NPU_REASON_UNSUPPORTED: a mode or precision the core lacks. */
	DRM_NPU_REASON_UNSUPPORTED = 3,
	/** @DRM_NPU_REASON_LIMIT: a size beyond a hardware field or limit. */
	DRM_NPU_REASON_LIMIT = 4,
	/** @DRM_NPU_REASON_CBUF: data or weights do not fit the CBUF banks. */
	DRM_NPU_REASON_CBUF = 5,
	/** @DRM_NPU_REASON_INCONSISTENT: registers that must agree do not. */
	DRM_NPU_REASON_INCONSISTENT = 6,
};

/**
 * define DRM_NPU_WAIT_SUBMIT - JOB_WAIT waits for every job of the SUBMIT
 * that queued &drm_npu_job_wait.job_id
 *
 * The jobs one DRM_IOCTL_NPU_SUBMIT queued have consecutive ids; any of
 * them names them all.  The wait returns once every one of them has
 * ended, and reports one status for the set: DRM_NPU_JOB_DONE when all
 * are done, else the status of the failed job of lowest id, a cancelled
 * one only when none failed otherwise (a hang bans the file and cancels
 * its other jobs: the hang is the news).  @busy_ns is then the sum over
 * the jobs, @max_busy_ns the longest, @start_ns and @end_ns the span of
 * the jobs that ran, and @count the number of jobs.  A wait that starts
 * while the SUBMIT is still queueing (another thread) covers the jobs
 * queued so far.
 */
#define DRM_NPU_WAIT_SUBMIT		0x1

/**
 * struct drm_npu_job_wait - argument of DRM_IOCTL_NPU_JOB_WAIT
 *
 * Waits for a job of this file (with DRM_NPU_WAIT_SUBMIT, for all jobs
 * of its SUBMIT) and reports how it ended.  Returns 0 once the job is
 * finished, -ETIME when @timeout_ns passes first (@status is then
 * DRM_NPU_JOB_PENDING and every other out field zero) and -ENOENT for an
 * id this file never had or whose record is gone (the last 4096 jobs are
 * kept; with DRM_NPU_WAIT_SUBMIT, also when the record of an earlier job
 * of the SUBMIT is gone).
 *
 * The struct ended at @pad until DRM_NPU_CAP_WAIT_SUBMIT: a binary of
 * that time passes 56 bytes and gets those fields only.
 */
struct drm_npu_job_wait {
	/** @job_id: in: from &drm_npu_job.job_id. */
	__u64 job_id;
	/** @timeout_ns: in: absolute CLOCK_MONOTONIC deadline in ns; 0 polls. */
	__s64 timeout_ns;
	/** @flags: in: 0 or DRM_NPU_WAIT_SUBMIT. */
	__u32 flags;
	/** @status: out: &enum drm_npu_job_status. */
	__u32 status;
	/** @fault_va: out: see &enum drm_npu_job_status. */
	__u64 fault_va;
	/** @core: out: the core the job ran on. */
	__u32 core;
	/** @error: out: negative errno of a failed job, 0 otherwise. */
	__s32 error;
	/** @busy_ns: out: time the job spent on its core (the jobs: summed). */
	__u64 busy_ns;
	/** @reason: out: &enum drm_npu_job_reason for DRM_NPU_JOB_INVALID. */
	__u32 reason;
	/** @pad: out: zero. */
	__u32 pad;
	/** @count: out: jobs waited for: 1, or the SUBMIT's with DRM_NPU_WAIT_SUBMIT. */
	__u32 count;
	/** @pad2: out: zero. */
	__u32 pad2;
	/**
	 * @status_id: out: the job @status, @fault_va, @core, @error and
	 * @reason are about: @job_id, or with DRM_NPU_WAIT_SUBMIT the one
	 * chosen as that flag says (the first when all are done).
	 */
	__u64 status_id;
	/**
	 * @start_ns: out: CLOCK_MONOTONIC time in ns the first of the jobs
	 * started on its core; 0 when none ran (all cancelled).
	 */
	__u64 start_ns;
	/** @end_ns: out: CLOCK_MONOTONIC time the last of those ended. */
	__u64 end_ns;
	/** @max_busy_ns: out: the longest time one of the jobs spent on its core. */
	__u64 max_busy_ns;
};

/**
 * DRM_IOCTL_NPU - build an npu ioctl number
 * @dir: _IOR, _IOW or _IOWR, as DRM_IO##dir
 * @name: the &enum drm_npu_ioctl_id name without its DRM_NPU_ prefix
 * @type: the argument struct without its drm_npu_ prefix
 */
#define DRM_IOCTL_NPU(dir, name, type) \
	DRM_IO##dir(DRM_COMMAND_BASE + DRM_NPU_##name, struct drm_npu_##type)

#define DRM_IOCTL_NPU_QUERY		DRM_IOCTL_NPU(WR, QUERY, query)
#define DRM_IOCTL_NPU_BO_CREATE		DRM_IOCTL_NPU(WR, BO_CREATE, bo_create)
#define DRM_IOCTL_NPU_BO_INFO		DRM_IOCTL_NPU(WR, BO_INFO, bo_info)
#define DRM_IOCTL_NPU_BO_CPU_PREP	DRM_IOCTL_NPU(W, BO_CPU_PREP, bo_cpu_prep)
#define DRM_IOCTL_NPU_BO_CPU_FINI	DRM_IOCTL_NPU(W, BO_CPU_FINI, bo_cpu_fini)
#define DRM_IOCTL_NPU_VM_CREATE		DRM_IOCTL_NPU(WR, VM_CREATE, vm_create)
#define DRM_IOCTL_NPU_VM_DESTROY	DRM_IOCTL_NPU(W, VM_DESTROY, vm_destroy)
#define DRM_IOCTL_NPU_VM_MAP		DRM_IOCTL_NPU(WR, VM_MAP, vm_map)
#define DRM_IOCTL_NPU_VM_UNMAP		DRM_IOCTL_NPU(W, VM_UNMAP, vm_unmap)
#define DRM_IOCTL_NPU_SUBMIT		DRM_IOCTL_NPU(WR, SUBMIT, submit)
#define DRM_IOCTL_NPU_JOB_WAIT		DRM_IOCTL_NPU(WR, JOB_WAIT, job_wait)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_NPU_ACCEL_H_ */
