/* SPDX-License-Identifier: MIT */
/*
 * libnpu - userspace library for the npu DRM accel driver.
 *
 * Conventions every function keeps:
 *
 * - a function returning int returns 0 (or a count) on success and a
 *   negative POSIX error code (-ENODEV, -EINVAL, ...) on failure;
 * - on failure, out-pointers are set to NULL (and out-values to 0)
 *   whenever the pointer itself is valid;
 * - objects are opaque and reference counted; references may be taken and
 *   dropped from any thread;
 * - the library never prints.  NPU_DEBUG in the environment is a
 *   comma-separated list of words: with "msgs" it explains its failures
 *   on stderr, with "dump_regcmd" it writes every command stream a GEMM
 *   plan emits there, decoded; each line is prefixed "libnpu: ".
 */
#ifndef LIBNPU_NPU_H
#define LIBNPU_NPU_H

#include <stdint.h>

#if defined(__cplusplus)
extern "C" {
#endif

/*
 * Version of this header.  The minor number grows with every addition to
 * the API, the major one with a change that breaks callers (the
 * soversion follows it).
 */
#define LIBNPU_VERSION_MAJOR	1
#define LIBNPU_VERSION_MINOR	0
#define LIBNPU_VERSION_MICRO	0
/** LIBNPU_VERSION - the version as one number, for comparisons */
#define LIBNPU_VERSION \
	(LIBNPU_VERSION_MAJOR * 10000 + LIBNPU_VERSION_MINOR * 100 + \
	 LIBNPU_VERSION_MICRO)

/**
 * npu_version() - the version of the library that runs
 * @major: out, optional
 * @minor: out, optional
 * @micro: out, optional
 *
 * Return: the version as LIBNPU_VERSION computes it: compare it with the
 * header's to learn whether the library is older than the program.
 */
int npu_version(unsigned int *major, unsigned int *minor,
		unsigned int *micro);

/**
 * struct npu_device - one NPU die, opened through its device node
 *
 * One accel device node is one die; dies of one chip share
 * NPU_PARAM_PACKAGE_ID.
 */
struct npu_device;

/**
 * enum npu_model - the hardware behind a device (NPU_PARAM_MODEL)
 */
enum npu_model {
	NPU_MODEL_UNKNOWN = 0,
	/** @NPU_MODEL_VIRTUAL: virtual NPU in the driver, RK3588 interface */
	NPU_MODEL_VIRTUAL = 1,
	NPU_MODEL_RK3588 = 2,
	NPU_MODEL_EIC7702 = 3,
};

/* Bits of NPU_PARAM_CAPS. */
/** NPU_CAP_VIRTUAL - the device is the virtual NPU, not hardware */
#define NPU_CAP_VIRTUAL		0x1ULL
/** NPU_CAP_MMU - jobs run in per-VM address spaces */
#define NPU_CAP_MMU		0x2ULL
/** NPU_CAP_COHERENT - device accesses are coherent with the CPU caches */
#define NPU_CAP_COHERENT	0x4ULL
/** NPU_CAP_IMPORT - dma-bufs of other dies and devices import and map */
#define NPU_CAP_IMPORT		0x8ULL
/** NPU_CAP_SUBMIT_PARALLEL - jobs of one submission share BOs unordered */
#define NPU_CAP_SUBMIT_PARALLEL	0x10ULL
/** NPU_CAP_WAIT_SUBMIT - one wait covers the jobs of one submission */
#define NPU_CAP_WAIT_SUBMIT	0x20ULL
/** NPU_CAP_NO_IMPLICIT - jobs can skip the implicit wait on a BO (NPU_JOB_BO_NO_IMPLICIT) */
#define NPU_CAP_NO_IMPLICIT	0x40ULL

/**
 * enum npu_param - properties of a die, for npu_device_get_param()
 *
 * Append-only: a value, once released, keeps its meaning.
 */
enum npu_param {
	/** @NPU_PARAM_MODEL: an &enum npu_model */
	NPU_PARAM_MODEL = 0,
	/** @NPU_PARAM_DIE_INDEX: index of the die in its package, 0-based */
	NPU_PARAM_DIE_INDEX = 1,
	/** @NPU_PARAM_DIE_COUNT: number of dies in the package */
	NPU_PARAM_DIE_COUNT = 2,
	/** @NPU_PARAM_PACKAGE_ID: identifier shared by the dies of one chip */
	NPU_PARAM_PACKAGE_ID = 3,
	/** @NPU_PARAM_CORE_COUNT: NPU cores on the die */
	NPU_PARAM_CORE_COUNT = 4,
	/** @NPU_PARAM_CORE_MASK: bit N set when core N is usable */
	NPU_PARAM_CORE_MASK = 5,
	/** @NPU_PARAM_VA_BITS: width of a device virtual address */
	NPU_PARAM_VA_BITS = 6,
	/**
	 * @NPU_PARAM_NUMA_NODE: NUMA node of the die's memory, as
	 * (uint64_t)(int64_t)node; (uint64_t)-1 when there is none
	 */
	NPU_PARAM_NUMA_NODE = 7,
	/** @NPU_PARAM_VA_START: first device virtual address a VM can map */
	NPU_PARAM_VA_START = 8,
	/** @NPU_PARAM_VA_END: one past the last mappable device address */
	NPU_PARAM_VA_END = 9,
	/** @NPU_PARAM_PAGE_SIZE: granule of device mappings, in bytes */
	NPU_PARAM_PAGE_SIZE = 10,
	/** @NPU_PARAM_MEM_TOTAL: bytes of memory local to the die */
	NPU_PARAM_MEM_TOTAL = 11,
	/** @NPU_PARAM_CAPS: NPU_CAP_* bits */
	NPU_PARAM_CAPS = 12,
};

/**
 * npu_device_count() - number of NPU dies on this system
 *
 * Counts the /dev/accel/accel* nodes whose driver is "npu" or, when there
 * are none, the /dev/dri/renderD* nodes of that driver.
 *
 * Return: the number of dies (0 when there is none), -EACCES when there is
 * none that could be opened but some node could not be opened, or another
 * negative error code.
 */
int npu_device_count(void);

/**
 * npu_device_open() - open an NPU die by index
 * @index: 0-based, in the order of the nodes' minor numbers
 * @dev: out: the device, with one reference
 *
 * Return: 0, -ENODEV when there is no die @index, -EACCES when there is
 * none but some node could not be opened, or another negative error code.
 */
int npu_device_open(unsigned int index, struct npu_device **dev);

/**
 * npu_device_open_fd() - wrap an already open device node
 * @fd: a file descriptor of an npu node; the device works on a dup() of
 *      it, the caller keeps @fd and closes it when it likes
 * @dev: out: the device, with one reference
 *
 * Return: 0, -EBADF for a bad @fd, -ENODEV when @fd is not an npu node,
 * or another negative error code.
 */
int npu_device_open_fd(int fd, struct npu_device **dev);

/**
 * npu_device_ref() - take a reference
 * @dev: the device, or NULL
 *
 * Return: @dev.
 */
struct npu_device *npu_device_ref(struct npu_device *dev);

/**
 * npu_device_unref() - drop a reference; the last one closes the device
 * @dev: the device, or NULL (then nothing happens)
 */
void npu_device_unref(struct npu_device *dev);

/**
 * npu_device_fd() - the device's file descriptor
 * @dev: the device
 *
 * The descriptor belongs to @dev: do not close it.
 *
 * Return: the file descriptor, or -EINVAL when @dev is NULL.
 */
int npu_device_fd(const struct npu_device *dev);

/**
 * npu_device_path() - the device node the device was opened through
 * @dev: the device
 *
 * Return: a path such as "/dev/accel/accel0", valid while @dev lives, or
 * NULL when @dev is NULL or the path is unknown.
 */
const char *npu_device_path(const struct npu_device *dev);

/**
 * npu_device_get_param() - read a property of the die
 * @dev: the device
 * @param: the property
 * @value: out: its value (0 on failure)
 *
 * Properties are read from the driver once, when the device is opened.
 *
 * Return: 0, or -EINVAL for a NULL argument or an unknown @param.
 */
int npu_device_get_param(struct npu_device *dev, enum npu_param param,
			 uint64_t *value);

/**
 * npu_model_name() - short name of a model
 * @model: an &enum npu_model value, e.g. from NPU_PARAM_MODEL
 *
 * Return: "virtual", "rk3588", "eic7702", or "unknown" for anything else.
 */
const char *npu_model_name(uint64_t model);

/**
 * NPU_FDINFO_MAX_CORES - cores whose busy time &struct npu_fdinfo holds
 */
#define NPU_FDINFO_MAX_CORES	16

/**
 * struct npu_fdinfo - what the kernel accounts to the device's file
 * @core_count: cores the kernel reported busy time for (the highest
 *              "drm-engine-core<N>" index plus one, at most
 *              NPU_FDINFO_MAX_CORES); 0 when it reported none
 * @pad: zero
 * @busy_ns: time jobs of this file spent on core N, in ns, since the file
 *           was opened
 * @total_memory: bytes of the BOs the file has handles to
 *                ("drm-total-memory")
 * @shared_memory: bytes of those shared with other files
 *                 ("drm-shared-memory")
 * @resident_memory: bytes of those with pages in memory
 *                   ("drm-resident-memory")
 * @reserved: zero; later versions of the library may fill it
 *
 * Fields the kernel does not report read as zero.
 */
struct npu_fdinfo {
	uint32_t core_count;
	uint32_t pad;
	uint64_t busy_ns[NPU_FDINFO_MAX_CORES];
	uint64_t total_memory;
	uint64_t shared_memory;
	uint64_t resident_memory;
	uint64_t reserved[8];
};

/**
 * npu_device_fdinfo() - read the kernel's accounting of the device's file
 * @dev: the device
 * @info: out: busy time per core and memory (zeroed on failure)
 *
 * Parses /proc/self/fdinfo/<fd>: "drm-engine-core<N>: <ns> ns" and the
 * "drm-*-memory" lines (plain bytes, KiB, MiB or GiB).  Each call reads
 * the file anew, so two calls around some work measure its NPU time.
 *
 * Return: 0, -EINVAL for a NULL argument, or the error of reading the file.
 */
int npu_device_fdinfo(struct npu_device *dev, struct npu_fdinfo *info);

/**
 * struct npu_device_group - every die of one package (one chip)
 *
 * Group device i is die i of the package.
 */
struct npu_device_group;

/** NPU_GROUP_MAX_DIES - dies a group can hold */
#define NPU_GROUP_MAX_DIES	8

/**
 * npu_device_group_open() - open every die of the package of a die
 * @index: any die of the package, as for npu_device_open()
 * @group: out: the group, with one reference
 *
 * Opens die @index, then every other node of the same
 * NPU_PARAM_PACKAGE_ID, until the NPU_PARAM_DIE_COUNT dies are open.
 *
 * Return: 0; -ENODEV when die @index or a die of its package is missing;
 * -E2BIG for a package of more than NPU_GROUP_MAX_DIES dies; or the error
 * of opening a node.
 */
int npu_device_group_open(unsigned int index, struct npu_device_group **group);

/**
 * npu_device_group_new() - a group of given dies
 * @devs: @count open devices, distinct; group device i is @devs[i]
 * @count: 1..NPU_GROUP_MAX_DIES
 * @group: out: the group, with one reference (and one on each device)
 *
 * A group of one die is how the single-die case uses the API families
 * that take a group (the GEMM helper).
 *
 * Return: 0; -EINVAL for a NULL argument, a bad @count or a device
 * given twice; -ENOMEM.
 */
int npu_device_group_new(struct npu_device *const *devs, unsigned int count,
			 struct npu_device_group **group);

/** npu_device_group_ref() - take a reference; returns @group (may be NULL) */
struct npu_device_group *npu_device_group_ref(struct npu_device_group *group);

/**
 * npu_device_group_unref() - drop a reference; the last closes the dies
 * @group: the group, or NULL
 */
void npu_device_group_unref(struct npu_device_group *group);

/**
 * npu_device_group_count() - dies of the group
 * @group: the group
 *
 * Return: the number of dies, or -EINVAL when @group is NULL.
 */
int npu_device_group_count(const struct npu_device_group *group);

/**
 * npu_device_group_device() - die @die of the group
 * @group: the group
 * @die: 0 .. npu_device_group_count() - 1
 *
 * Return: the device, borrowed from the group (npu_device_ref() it to keep
 * it longer), or NULL when @die is out of range.
 */
struct npu_device *npu_device_group_device(const struct npu_device_group *group,
					   unsigned int die);

/*
 * Buffer objects
 *
 * A BO is memory the NPU reaches through a VM mapping and the CPU through
 * npu_bo_map().  Its pages are zeroed at creation.  A device holds one
 * &struct npu_bo per GEM handle: importing a buffer the device already
 * has returns the same object with one more reference.
 */

/**
 * struct npu_bo - a buffer object of a device
 */
struct npu_bo;

/* Flags of npu_bo_new(). */
/**
 * NPU_BO_PLACEMENT_ANY - pages from wherever the kernel finds memory;
 * without it they come from the die's NUMA node
 */
#define NPU_BO_PLACEMENT_ANY	0x1

/**
 * npu_bo_new() - create a BO
 * @dev: the device; the BO holds a reference to it
 * @size: bytes, rounded up by the kernel to its page size; at most 4 GiB
 * @flags: 0 or NPU_BO_PLACEMENT_ANY
 * @bo: out: the BO, with one reference
 *
 * Return: 0, -EINVAL for a NULL argument, a zero size or unknown @flags,
 * -ENOMEM, or the kernel's error.
 */
int npu_bo_new(struct npu_device *dev, uint64_t size, uint32_t flags,
	       struct npu_bo **bo);

/**
 * npu_bo_ref() - take a reference
 * @bo: the BO, or NULL
 *
 * Return: @bo.
 */
struct npu_bo *npu_bo_ref(struct npu_bo *bo);

/**
 * npu_bo_unref() - drop a reference
 * @bo: the BO, or NULL (then nothing happens)
 *
 * The last reference unmaps the CPU mapping and closes the GEM handle.
 * VM mappings of the BO and jobs that use it keep its memory alive in
 * the kernel until they are gone.
 */
void npu_bo_unref(struct npu_bo *bo);

/**
 * npu_bo_handle() - the BO's GEM handle, for ioctls of the device's fd
 * @bo: the BO
 *
 * Return: the handle, or 0 when @bo is NULL.
 */
uint32_t npu_bo_handle(const struct npu_bo *bo);

/**
 * npu_bo_size() - the BO's size as the kernel allocated it
 * @bo: the BO
 *
 * Return: the size in bytes (a multiple of the page size), or 0 when @bo
 * is NULL.
 */
uint64_t npu_bo_size(const struct npu_bo *bo);

/**
 * npu_bo_map() - map the BO into the process
 * @bo: the BO
 * @ptr: out: address of its first byte (NULL on failure)
 *
 * The whole BO is mapped read-write, once: later calls, from any thread,
 * return the same address, valid until the last reference is dropped.
 * Bracket CPU accesses with npu_bo_cpu_prep() and npu_bo_cpu_fini().
 *
 * Return: 0, -EINVAL for a NULL argument, or the error of mmap().
 */
int npu_bo_map(struct npu_bo *bo, void **ptr);

/* Operations of npu_bo_cpu_prep() and npu_bo_cpu_fini(). */
/** NPU_BO_CPU_READ - the CPU is going to read the BO */
#define NPU_BO_CPU_READ		0x1
/** NPU_BO_CPU_WRITE - the CPU is going to write the BO */
#define NPU_BO_CPU_WRITE	0x2

/**
 * npu_bo_cpu_prep() - begin CPU access to a mapped BO
 * @bo: the BO
 * @op: NPU_BO_CPU_READ and/or NPU_BO_CPU_WRITE
 * @timeout_ns: how long to wait, relative; 0 polls, negative waits
 *              forever
 *
 * Waits until jobs that write the BO are done (for NPU_BO_CPU_WRITE, also
 * jobs that read it) and makes the device's writes visible to the CPU.
 * Pair each successful call with npu_bo_cpu_fini().
 *
 * Return: 0, -EBUSY when polling and the BO is busy, -ETIME when
 * @timeout_ns passes first, -EINVAL for a NULL @bo or a bad @op, or the
 * kernel's error.
 */
int npu_bo_cpu_prep(struct npu_bo *bo, uint32_t op, int64_t timeout_ns);

/**
 * npu_bo_cpu_fini() - end CPU access begun by npu_bo_cpu_prep()
 * @bo: the BO
 * @op: the @op given to npu_bo_cpu_prep()
 *
 * Return: 0, -EINVAL for a NULL @bo or a bad @op, or the kernel's error.
 */
int npu_bo_cpu_fini(struct npu_bo *bo, uint32_t op);

/**
 * npu_bo_export_dmabuf() - share the BO as a dma-buf
 * @bo: the BO
 * @fd: out: a new close-on-exec, read-write dma-buf file descriptor,
 *      owned by the caller (-1 on failure)
 *
 * Return: 0, -EINVAL for a NULL argument, or the kernel's error.
 */
int npu_bo_export_dmabuf(struct npu_bo *bo, int *fd);

/**
 * npu_bo_import_dmabuf() - get a BO from a dma-buf
 * @dev: the device
 * @fd: the dma-buf; the caller keeps it and may close it at once
 * @bo: out: the BO, with one reference (NULL on failure)
 *
 * A buffer the device already has (exported by one of its BOs, or
 * imported before) comes back as the same &struct npu_bo with one more
 * reference.  Buffers of other devices work only where the kernel can
 * import them; its error is returned otherwise.
 *
 * Return: 0, -EINVAL for a NULL argument, -EBADF for a negative @fd,
 * -ENOMEM, or the kernel's error.
 */
int npu_bo_import_dmabuf(struct npu_device *dev, int fd, struct npu_bo **bo);

/*
 * VMs: device address spaces
 *
 * Every device has a default VM, the address space of its file, which
 * lives as long as the device.  npu_vm_new() makes more, for instance to
 * hold more memory than one address space can.
 */

/**
 * struct npu_vm - a device address space
 */
struct npu_vm;

/**
 * npu_vm_new() - create an address space
 * @dev: the device; the VM holds a reference to it
 * @vm: out: the VM, with one reference
 *
 * Return: 0, -EINVAL for a NULL argument, -ENOMEM, or the kernel's error.
 */
int npu_vm_new(struct npu_device *dev, struct npu_vm **vm);

/**
 * npu_vm_default() - the device's default address space
 * @dev: the device
 * @vm: out: the VM, with one reference (which is one on @dev)
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
int npu_vm_default(struct npu_device *dev, struct npu_vm **vm);

/**
 * npu_vm_ref() - take a reference
 * @vm: the VM, or NULL
 *
 * Return: @vm.
 */
struct npu_vm *npu_vm_ref(struct npu_vm *vm);

/**
 * npu_vm_unref() - drop a reference
 * @vm: the VM, or NULL (then nothing happens)
 *
 * The last reference to a VM from npu_vm_new() destroys it; its mappings
 * go once the jobs that run in it are done.
 */
void npu_vm_unref(struct npu_vm *vm);

/**
 * npu_vm_id() - the kernel's id of the VM
 * @vm: the VM
 *
 * Return: the id (0 for the default VM), or 0 when @vm is NULL.
 */
uint32_t npu_vm_id(const struct npu_vm *vm);

/* Flags of npu_vm_map() and npu_vm_map_fixed(). */
/** NPU_MAP_READ - the device may read the mapping; required */
#define NPU_MAP_READ		0x1
/** NPU_MAP_WRITE - the device may write the mapping */
#define NPU_MAP_WRITE		0x2

/**
 * npu_vm_map() - map a range of a BO where the kernel picks
 * @vm: the VM
 * @bo: a BO of the VM's device
 * @bo_offset: first byte of @bo to map, a multiple of the page size
 * @size: bytes to map, a multiple of the page size
 * @flags: NPU_MAP_READ, optionally with NPU_MAP_WRITE
 * @va: out: the device address of the mapping (0 on failure)
 *
 * Return: 0, -EINVAL for a NULL argument, BO and VM of different devices
 * or bad @flags, -ENOSPC when no free range is large enough, or the
 * kernel's error.
 */
int npu_vm_map(struct npu_vm *vm, struct npu_bo *bo, uint64_t bo_offset,
	       uint64_t size, uint32_t flags, uint64_t *va);

/**
 * npu_vm_map_fixed() - map a range of a BO at a given device address
 * @vm: the VM
 * @bo: a BO of the VM's device
 * @bo_offset: first byte of @bo to map, a multiple of the page size
 * @size: bytes to map, a multiple of the page size
 * @flags: NPU_MAP_READ, optionally with NPU_MAP_WRITE
 * @va: the device address, a multiple of the page size
 *
 * Return: 0, -EINVAL as for npu_vm_map(), -ENOSPC when the range is
 * taken, or the kernel's error.
 */
int npu_vm_map_fixed(struct npu_vm *vm, struct npu_bo *bo,
		     uint64_t bo_offset, uint64_t size, uint32_t flags,
		     uint64_t va);

/**
 * npu_vm_unmap() - remove a mapping
 * @vm: the VM
 * @va: start of the mapping
 * @size: its size
 *
 * A job running in the VM finishes its current task first.
 *
 * Return: 0, -EINVAL for a NULL @vm, or the kernel's error.
 */
int npu_vm_unmap(struct npu_vm *vm, uint64_t va, uint64_t size);

/*
 * Jobs
 *
 * A &struct npu_job is a reusable description of work: tasks (regcmd
 * streams) run in order on one core, in one VM, after their in-syncs
 * have signalled and earlier jobs using their BOs are done.  Build it
 * once, submit it, wait for it, and submit it again, or reset it and
 * build another: a hot loop allocates nothing.  A job is used by one
 * thread at a time.
 */

/**
 * struct npu_job - a job being built, submitted or waited for
 */
struct npu_job;

/** NPU_JOB_MAX_TASKS - tasks in one job (the PC task counter has 12 bits) */
#define NPU_JOB_MAX_TASKS	4095
/** NPU_JOB_MAX_BOS - BOs one job may list */
#define NPU_JOB_MAX_BOS		256
/** NPU_JOB_MAX_SYNCS - in-syncs, and out-syncs, of one job */
#define NPU_JOB_MAX_SYNCS	64
/** NPU_JOB_MAX_TASK_WORDS - regcmd words of one task, tail included */
#define NPU_JOB_MAX_TASK_WORDS	65536
/** NPU_SUBMIT_MAX_JOBS - jobs one npu_job_submit() takes */
#define NPU_SUBMIT_MAX_JOBS	64

/** NPU_JOB_BO_WRITE - flag of npu_job_add_bo(): the job writes the BO */
#define NPU_JOB_BO_WRITE	0x1
/**
 * NPU_JOB_BO_NO_IMPLICIT - flag of npu_job_add_bo(): the caller orders the
 * job after the BO's other users itself; the job does not wait for them
 */
#define NPU_JOB_BO_NO_IMPLICIT	0x2

/**
 * enum npu_job_state - how a job ended (&struct npu_job_status.state)
 */
enum npu_job_state {
	/** @NPU_JOB_PENDING: not finished yet */
	NPU_JOB_PENDING = 0,
	/** @NPU_JOB_DONE: every task completed */
	NPU_JOB_DONE = 1,
	/** @NPU_JOB_INVALID: the core rejected a regcmd word, at fault_va */
	NPU_JOB_INVALID = 2,
	/** @NPU_JOB_MMU_FAULT: an access broke the VM, at fault_va */
	NPU_JOB_MMU_FAULT = 3,
	/** @NPU_JOB_TIMEOUT: the job made no progress; its core was reset */
	NPU_JOB_TIMEOUT = 4,
	/** @NPU_JOB_CANCELLED: never ran: banned file, or device gone */
	NPU_JOB_CANCELLED = 5,
	/** @NPU_JOB_ERROR: any other failure; see error */
	NPU_JOB_ERROR = 6,
	/** @NPU_JOB_OVERTIME: ran past the kernel's per-job time limit */
	NPU_JOB_OVERTIME = 7,
};

/**
 * enum npu_job_reason - why a core rejected a job (NPU_JOB_INVALID)
 */
enum npu_job_reason {
	/** @NPU_JOB_REASON_NONE: no rejection */
	NPU_JOB_REASON_NONE = 0,
	/** @NPU_JOB_REASON_BAD_WORD: a regcmd word the PC does not take */
	NPU_JOB_REASON_BAD_WORD = 1,
	/** @NPU_JOB_REASON_NO_OP_EN: the stream does not end with the tail */
	NPU_JOB_REASON_NO_OP_EN = 2,
	/** @NPU_JOB_REASON_UNSUPPORTED: a mode or precision the core lacks */
	NPU_JOB_REASON_UNSUPPORTED = 3,
	/** @NPU_JOB_REASON_LIMIT: a size beyond a hardware field or limit */
	NPU_JOB_REASON_LIMIT = 4,
	/** @NPU_JOB_REASON_CBUF: data or weights do not fit the CBUF banks */
	NPU_JOB_REASON_CBUF = 5,
	/** @NPU_JOB_REASON_INCONSISTENT: registers that must agree do not */
	NPU_JOB_REASON_INCONSISTENT = 6,
};

/**
 * struct npu_job_status - how a job ended, from npu_job_wait()
 * @state: an &enum npu_job_state
 * @reason: an &enum npu_job_reason, for NPU_JOB_INVALID
 * @core: the core the job ran on
 * @error: negative errno of a failed job, 0 otherwise
 * @fault_va: device address of the rejected word (NPU_JOB_INVALID) or of
 *            the faulting access (NPU_JOB_MMU_FAULT)
 * @busy_ns: time the job spent on its core; for npu_job_wait_all(), the
 *           sum over the jobs
 * @start_ns: CLOCK_MONOTONIC time in ns the job (the first of the jobs)
 *            started on its core; 0 when none ran or the kernel does not
 *            say (no NPU_CAP_WAIT_SUBMIT)
 * @end_ns: CLOCK_MONOTONIC time the job (the last of the jobs) ended; 0
 *          as @start_ns
 * @max_busy_ns: @busy_ns of the longest of the jobs
 * @index: for npu_job_wait_all(), the index in its array of the job that
 *         @state, @reason, @core, @error and @fault_va are about; else 0
 * @reserved: zero; later versions of the library may fill it
 */
struct npu_job_status {
	uint32_t state;
	uint32_t reason;
	uint32_t core;
	int32_t error;
	uint64_t fault_va;
	uint64_t busy_ns;
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t max_busy_ns;
	uint32_t index;
	uint32_t reserved;
};

/**
 * npu_job_new() - create an empty job
 * @dev: the device
 * @vm: the VM the job runs in, of @dev; NULL for the default VM.  The job
 *      holds a reference to it.
 * @job: out: the job
 *
 * Return: 0, -EINVAL for a NULL argument or a VM of another device, or
 * -ENOMEM.
 */
int npu_job_new(struct npu_device *dev, struct npu_vm *vm,
		struct npu_job **job);

/**
 * npu_job_destroy() - free a job
 * @job: the job, or NULL (then nothing happens)
 *
 * A submitted job runs to its end all the same.
 */
void npu_job_destroy(struct npu_job *job);

/**
 * npu_job_reset() - empty a job for reuse
 * @job: the job, or NULL (then nothing happens)
 *
 * Drops its tasks, BOs (and their references), in- and out-syncs and its
 * id; keeps its VM and core mask and the memory of its arrays.
 */
void npu_job_reset(struct npu_job *job);

/**
 * npu_job_add_task() - append a task
 * @job: the job
 * @regcmd_va: device address of the task's first regcmd word, 16-byte
 *             aligned, in the job's VM
 * @words: number of 64-bit regcmd words, tail included;
 *         1..NPU_JOB_MAX_TASK_WORDS
 *
 * Return: 0, -EINVAL for a NULL @job, a misaligned @regcmd_va or a bad
 * @words, -E2BIG beyond NPU_JOB_MAX_TASKS, or -ENOMEM.
 */
int npu_job_add_task(struct npu_job *job, uint64_t regcmd_va,
		     uint32_t words);

/**
 * npu_job_add_bo() - declare a BO the job uses, for implicit sync
 * @job: the job
 * @bo: a BO of the job's device; the job holds a reference to it until
 *      it is reset or destroyed
 * @flags: 0 when the job only reads @bo, NPU_JOB_BO_WRITE when it writes;
 *         with NPU_JOB_BO_NO_IMPLICIT
 *
 * The job waits for earlier jobs writing @bo (for NPU_JOB_BO_WRITE, also
 * reading it), and npu_bo_cpu_prep() waits for the job.  With
 * NPU_JOB_BO_NO_IMPLICIT the job does not wait for the BO's earlier users
 * (the caller orders them itself: in-syncs, waits), while those that come
 * after it still wait for the job; on a kernel without NPU_CAP_NO_IMPLICIT
 * the flag is dropped, and the job waits.  A BO added twice is listed
 * once, writing if either call writes, not waiting only if neither waits.
 *
 * Return: 0, -EINVAL for a NULL argument, a BO of another device or bad
 * @flags, -E2BIG beyond NPU_JOB_MAX_BOS, or -ENOMEM.
 */
int npu_job_add_bo(struct npu_job *job, struct npu_bo *bo, uint32_t flags);

/**
 * npu_job_add_in_sync() - make the job wait for a syncobj
 * @job: the job
 * @syncobj: a syncobj handle of the job's device
 * @point: timeline point, or 0 for a binary syncobj
 *
 * Return: 0, -EINVAL for a NULL @job or a zero @syncobj, -E2BIG beyond
 * NPU_JOB_MAX_SYNCS, or -ENOMEM.
 */
int npu_job_add_in_sync(struct npu_job *job, uint32_t syncobj,
			uint64_t point);

/**
 * npu_job_add_out_sync() - make the job signal a syncobj when it ends
 * @job: the job
 * @syncobj: a syncobj handle of the job's device
 * @point: timeline point to add, or 0 to replace a binary syncobj's fence
 *
 * Return: as npu_job_add_in_sync().
 */
int npu_job_add_out_sync(struct npu_job *job, uint32_t syncobj,
			 uint64_t point);

/**
 * npu_job_set_core_mask() - restrict the cores the job may run on
 * @job: the job
 * @mask: bit N allows core N (NPU_PARAM_CORE_MASK); 0 allows any core
 *
 * Return: 0, or -EINVAL for a NULL @job or a core the die does not have.
 */
int npu_job_set_core_mask(struct npu_job *job, uint32_t mask);

/**
 * npu_job_submit() - queue jobs, in order, with one ioctl
 * @jobs: @count jobs of one device, each with at least one task
 * @count: 1..NPU_SUBMIT_MAX_JOBS
 * @submitted: out, optional: how many of @jobs, from the first, were
 *             queued; they run whatever the return value says
 *
 * Each queued job gets a new id (npu_job_id()), replacing that of an
 * earlier submission of the same job.  Nothing is queued when an argument
 * is wrong.
 *
 * Return: 0 when all jobs were queued; otherwise the error of the first
 * job that was not: -EINVAL for bad arguments, -EBADFD when the device's
 * file is banned after a hang, or another kernel error.
 */
int npu_job_submit(struct npu_job *const *jobs, unsigned int count,
		   unsigned int *submitted);

/**
 * npu_job_id() - the kernel's id of the job's last submission
 * @job: the job
 *
 * Return: the id, or 0 when @job is NULL or not submitted since its
 * creation or last reset.
 */
uint64_t npu_job_id(const struct npu_job *job);

/**
 * npu_job_wait() - wait for the job's last submission to end
 * @job: a submitted job
 * @timeout_ns: how long to wait, relative; 0 polls, negative waits
 *              forever
 * @status: out, optional: how the job ended; state NPU_JOB_PENDING and
 *          all else zero unless the return value is 0
 *
 * Return: 0 once the job has ended (@status says how), -ETIME when
 * @timeout_ns passes first, -EINVAL for a NULL or unsubmitted @job,
 * -ENOENT when the kernel no longer has the job's record (it keeps the
 * last 4096 jobs of a file), or another kernel error.
 */
int npu_job_wait(struct npu_job *job, int64_t timeout_ns,
		 struct npu_job_status *status);

/**
 * npu_job_wait_all() - wait for the jobs one npu_job_submit() queued
 * @jobs: submitted jobs of one device, typically the array passed to
 *        npu_job_submit() (or the part of it that was queued)
 * @count: 1..NPU_SUBMIT_MAX_JOBS
 * @timeout_ns: how long to wait, relative; 0 polls, negative waits
 *              forever
 * @status: out, optional: NPU_JOB_DONE when every job is done, else the
 *          status of the first failed job in @jobs (a cancelled one only
 *          when none failed otherwise), with @index saying which;
 *          @busy_ns is the sum over the jobs and @max_busy_ns the
 *          longest, @start_ns and @end_ns their span.  State
 *          NPU_JOB_PENDING and all else zero unless the return value is 0.
 *
 * Where the kernel has NPU_CAP_WAIT_SUBMIT, jobs that one submission
 * ioctl queued (all of them, when npu_job_submit() needed one) are
 * waited for with one ioctl; otherwise, or for a part of a submission,
 * each job is waited for on its own.
 *
 * Return: 0 once every job has ended (@status says how), -ETIME when
 * @timeout_ns passes first, -EINVAL for a NULL, unsubmitted or foreign
 * job or a bad @count, -ENOENT when the kernel no longer has a job's
 * record, or another kernel error.
 */
int npu_job_wait_all(struct npu_job *const *jobs, unsigned int count,
		     int64_t timeout_ns, struct npu_job_status *status);

/**
 * npu_job_state_name() - short name of a job state
 * @state: an &enum npu_job_state value
 *
 * Return: "pending", "done", "invalid", "mmu-fault", "timeout",
 * "cancelled", "error", or "unknown" for anything else.
 */
const char *npu_job_state_name(uint32_t state);

/*
 * Syncobjs: DRM synchronisation objects of a device, by handle.  Jobs
 * wait for them and signal them; a sync file exported from one reaches
 * other devices and processes.
 */

/** NPU_SYNCOBJ_SIGNALED - flag of npu_syncobj_new(): create it signalled */
#define NPU_SYNCOBJ_SIGNALED	0x1

/**
 * npu_syncobj_new() - create a syncobj
 * @dev: the device
 * @flags: 0 or NPU_SYNCOBJ_SIGNALED
 * @handle: out: the syncobj's handle (0 on failure)
 *
 * The same syncobj serves as binary (point 0) or timeline.
 *
 * Return: 0, -EINVAL for a NULL argument or unknown @flags, or the
 * kernel's error.
 */
int npu_syncobj_new(struct npu_device *dev, uint32_t flags,
		    uint32_t *handle);

/**
 * npu_syncobj_destroy() - drop a syncobj handle
 * @dev: the device
 * @handle: the syncobj
 *
 * Return: 0, -EINVAL for a NULL @dev, or the kernel's error.
 */
int npu_syncobj_destroy(struct npu_device *dev, uint32_t handle);

/**
 * npu_syncobj_wait() - wait for a syncobj or a point of its timeline
 * @dev: the device
 * @handle: the syncobj
 * @point: timeline point, or 0 for the syncobj's current fence
 * @timeout_ns: how long to wait, relative; 0 polls, negative waits
 *              forever
 *
 * Also waits for a fence to be attached, so that it may be called before
 * the job that signals the syncobj is submitted.
 *
 * Return: 0 once signalled, -ETIME when @timeout_ns passes first, -EINVAL
 * for a NULL @dev, or the kernel's error.
 */
int npu_syncobj_wait(struct npu_device *dev, uint32_t handle, uint64_t point,
		     int64_t timeout_ns);

/**
 * npu_syncobj_export_sync_file() - the syncobj's fence as a sync file
 * @dev: the device
 * @handle: a syncobj with a fence (point 0)
 * @fd: out: a new close-on-exec sync file descriptor, owned by the
 *      caller (-1 on failure)
 *
 * Return: 0, -EINVAL for a NULL argument, or the kernel's error.
 */
int npu_syncobj_export_sync_file(struct npu_device *dev, uint32_t handle,
				 int *fd);

/**
 * npu_syncobj_import_sync_file() - replace the syncobj's fence
 * @dev: the device
 * @handle: the syncobj
 * @fd: a sync file; the caller keeps it
 *
 * Return: 0, -EINVAL for a NULL @dev, -EBADF for a negative @fd, or the
 * kernel's error.
 */
int npu_syncobj_import_sync_file(struct npu_device *dev, uint32_t handle,
				 int fd);

#if defined(__cplusplus)
}
#endif

#endif /* LIBNPU_NPU_H */
