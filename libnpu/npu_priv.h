/* SPDX-License-Identifier: MIT */
/*
 * Internals of libnpu, shared by its source files and its unit tests.
 * Nothing here is exported from libnpu.so: the library is built with
 * hidden visibility and only NPU_PUBLIC definitions are exported.
 */
#ifndef LIBNPU_NPU_PRIV_H
#define LIBNPU_NPU_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <drm/npu_accel.h>

#include "npu.h"

/* Marks the definition of a function of the public API. */
#define NPU_PUBLIC	__attribute__((visibility("default")))

/* Buckets of a device's handle table; GEM handles are small and dense. */
#define NPU_BO_BUCKETS	64

/**
 * struct npu_vm - a device address space
 * @refcount: references; unused for the default VM, whose references are
 *            references to its device
 * @dev: the device; a reference unless @is_default
 * @id: the kernel's VM id
 * @is_default: the device's embedded default VM (id DRM_NPU_VM_DEFAULT)
 */
struct npu_vm {
	atomic_uint refcount;
	struct npu_device *dev;
	uint32_t id;
	bool is_default;
};

/**
 * struct npu_device - an open die
 * @refcount: references; the last npu_device_unref() frees the device
 * @fd: the device node, owned
 * @path: the node's path, or NULL when unknown
 * @info: answer of DRM_NPU_QUERY_DEVICE, read once at open
 * @bo_lock: protects @bo_table, and the last reference of every BO of the
 *           device (see npu_bo_unref())
 * @bo_table: the device's BOs by GEM handle, chained through
 *            &npu_bo.next
 * @default_vm: the file's own address space
 */
struct npu_device {
	atomic_uint refcount;
	int fd;
	char *path;
	struct drm_npu_query_device info;
	pthread_mutex_t bo_lock;
	struct npu_bo *bo_table[NPU_BO_BUCKETS];
	struct npu_vm default_vm;
};

/**
 * struct npu_bo - a GEM object behind one handle of a device
 * @refcount: references; it drops from 1 to 0 only under &npu_device.bo_lock
 * @dev: the device, a reference
 * @handle: the GEM handle, closed with the last reference
 * @size: bytes, from DRM_NPU_BO_INFO
 * @mmap_offset: offset for mmap() on the device fd
 * @map: the CPU mapping, set once by npu_bo_map()
 * @next: next BO of the same &npu_device.bo_table bucket
 */
struct npu_bo {
	atomic_uint refcount;
	struct npu_device *dev;
	uint32_t handle;
	uint64_t size;
	uint64_t mmap_offset;
	_Atomic(void *) map;
	struct npu_bo *next;
};

/**
 * struct npu_job - a job being built: what DRM_IOCTL_NPU_SUBMIT takes
 * @dev: the device (the job holds a reference through @vm)
 * @vm: the VM the job runs in, a reference
 * @core_mask: cores the job may run on, 0 for any
 * @id: kernel id of the last submission, 0 when none
 * @submit_id: id of the first job the same SUBMIT ioctl queued
 * @submit_count: jobs that ioctl queued
 * @tasks: @task_count tasks, room for @task_cap
 * @bo_refs: @bo_count BO handles and flags, room for @bo_cap
 * @bos: the BOs of @bo_refs, a reference each
 * @in_syncs: @in_sync_count syncobjs to wait for, room for @in_sync_cap
 * @out_syncs: @out_sync_count syncobjs to signal, room for @out_sync_cap
 */
struct npu_job {
	struct npu_device *dev;
	struct npu_vm *vm;
	uint32_t core_mask;
	uint64_t id;
	uint64_t submit_id;
	uint32_t submit_count;
	struct drm_npu_task *tasks;
	uint32_t task_count, task_cap;
	struct drm_npu_bo_ref *bo_refs;
	struct npu_bo **bos;
	uint32_t bo_count, bo_cap;
	struct drm_npu_sync *in_syncs;
	uint32_t in_sync_count, in_sync_cap;
	struct drm_npu_sync *out_syncs;
	uint32_t out_sync_count, out_sync_cap;
};

/**
 * libnpu_debug_msgs() - whether NPU_DEBUG asks for messages
 *
 * NPU_DEBUG is a comma-separated list of words, read once per process.
 *
 * Return: true when the NPU_DEBUG environment variable has the word "msgs".
 */
bool libnpu_debug_msgs(void);

/**
 * libnpu_debug_dump_regcmd() - whether NPU_DEBUG asks for regcmd dumps
 *
 * Return: true when NPU_DEBUG has the word "dump_regcmd": every command
 * stream a GEMM plan emits is then written to stderr, decoded.
 */
bool libnpu_debug_dump_regcmd(void);

/**
 * libnpu_dbg() - print a debug line to stderr when NPU_DEBUG has "msgs"
 * @fmt: printf format, without the trailing newline
 *
 * Keeps errno unchanged.
 */
void libnpu_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * libnpu_do_ioctl() - ioctl() that retries on EINTR and EAGAIN
 * @fd: file descriptor
 * @request: ioctl number
 * @arg: argument
 *
 * Return: the ioctl's non-negative result or a negative error code.
 */
int libnpu_do_ioctl(int fd, unsigned long request, void *arg);

/**
 * libnpu_device_wrap() - build a device around an fd and a query answer
 * @fd: the device node; on success the device owns it, on failure the
 *      caller still does
 * @path: the node's path, copied; NULL when unknown
 * @info: the die's DRM_NPU_QUERY_DEVICE answer, copied
 * @dev: out: the device, with one reference
 *
 * No ioctl is made: the unit tests build fake devices with it.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int libnpu_device_wrap(int fd, const char *path,
		    const struct drm_npu_query_device *info,
		    struct npu_device **dev);

/**
 * libnpu_abs_timeout() - turn a relative timeout of the API into a deadline
 * @timeout_ns: relative ns; 0 polls, negative waits forever
 *
 * Return: an absolute CLOCK_MONOTONIC deadline in ns as the ioctls take
 * it: 0 to poll, INT64_MAX for forever, otherwise now + @timeout_ns
 * (saturated).  A deadline survives the restart of an interrupted ioctl.
 */
int64_t libnpu_abs_timeout(int64_t timeout_ns);

/**
 * libnpu_fdinfo_parse() - parse the text of /proc/<pid>/fdinfo/<fd>
 * @text: NUL-terminated text
 * @info: out: what it says (zeroed first)
 *
 * Lines it does not know, or whose value or unit it cannot read, are
 * skipped.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
int libnpu_fdinfo_parse(const char *text, struct npu_fdinfo *info);

/**
 * libnpu_bo_lookup_locked() - the BO of a handle, with a new reference
 * @dev: the device, with &npu_device.bo_lock held
 * @handle: GEM handle
 *
 * Return: the BO, or NULL when the device has none for @handle.
 */
struct npu_bo *libnpu_bo_lookup_locked(struct npu_device *dev, uint32_t handle);

/**
 * libnpu_bo_wrap_locked() - make the BO of a handle the device does not have
 * @dev: the device, with &npu_device.bo_lock held
 * @handle: GEM handle, owned by the new BO on success
 * @size: the BO's size
 * @mmap_offset: its mmap offset
 * @bo: out: the BO with one reference, in the handle table
 *
 * No ioctl is made: the unit tests build fake BOs with it.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int libnpu_bo_wrap_locked(struct npu_device *dev, uint32_t handle,
		       uint64_t size, uint64_t mmap_offset,
		       struct npu_bo **bo);

/**
 * libnpu_bo_cpu_begin() - before the library writes or reads a BO itself
 * @bo: a mapped BO no job of the library is using
 * @op: NPU_BO_CPU_READ and/or NPU_BO_CPU_WRITE
 *
 * npu_bo_cpu_prep() on a device without NPU_CAP_COHERENT, nothing on a
 * coherent one.
 *
 * Return: 0 or a negative errno.
 */
int libnpu_bo_cpu_begin(struct npu_bo *bo, uint32_t op);

/**
 * libnpu_bo_cpu_end() - after that access; npu_bo_cpu_fini() or nothing
 * @bo: the BO
 * @op: the @op given to libnpu_bo_cpu_begin()
 *
 * Return: 0 or a negative errno.
 */
int libnpu_bo_cpu_end(struct npu_bo *bo, uint32_t op);

/**
 * libnpu_zeroed() - whether @len bytes at @p are all zero
 * @p: reserved fields of an argument
 * @len: their size
 *
 * Return: true when every byte is zero.
 */
bool libnpu_zeroed(const void *p, size_t len);

/**
 * libnpu_now_ns() - CLOCK_MONOTONIC in ns
 *
 * Return: the time.
 */
uint64_t libnpu_now_ns(void);

/**
 * libnpu_job_clear_syncs() - drop a job's in- and out-syncs, keep the rest
 * @job: the job
 *
 * For a job resubmitted with other syncobjs each time: its tasks and BOs
 * stay.
 */
void libnpu_job_clear_syncs(struct npu_job *job);

/**
 * libnpu_job_submit_flags() - npu_job_submit() with DRM_NPU_SUBMIT_* flags
 * @jobs: as npu_job_submit()
 * @count: as npu_job_submit()
 * @flags: DRM_NPU_SUBMIT_PARALLEL or 0
 * @submitted: as npu_job_submit()
 *
 * Return: as npu_job_submit().
 */
int libnpu_job_submit_flags(struct npu_job *const *jobs, unsigned int count,
			 uint32_t flags, unsigned int *submitted);

/**
 * libnpu_job_wait_all() - npu_job_wait_all() that counts its ioctls
 * @jobs: as npu_job_wait_all()
 * @count: as npu_job_wait_all()
 * @timeout_ns: as npu_job_wait_all()
 * @status: as npu_job_wait_all()
 * @ioctls: out, optional: JOB_WAIT ioctls issued, added to *@ioctls
 *
 * Return: as npu_job_wait_all().
 */
int libnpu_job_wait_all(struct npu_job *const *jobs, unsigned int count,
		     int64_t timeout_ns, struct npu_job_status *status,
		     uint64_t *ioctls);

/**
 * libnpu_syncobj_transfer() - give a syncobj point the fence of another
 * @dev: the device of both syncobjs
 * @dst: the syncobj to signal
 * @dst_point: its timeline point, 0 for binary
 * @src: the syncobj whose fence it takes
 * @src_point: the point of @src, 0 for its current fence
 *
 * Return: 0, or the kernel's error.
 */
int libnpu_syncobj_transfer(struct npu_device *dev, uint32_t dst,
			 uint64_t dst_point, uint32_t src, uint64_t src_point);

#endif /* LIBNPU_NPU_PRIV_H */
