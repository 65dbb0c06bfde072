/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the npu kselftests: find the npu devices among
 * the accel (or, without an accel core, render) nodes, and wrap the
 * ioctls the tests use most.
 */
#ifndef NPU_SELFTEST_HELPERS_H
#define NPU_SELFTEST_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm/npu_accel.h>

#define NPU_MAX_DEVS	16

/* Whether @fd is a node of the npu driver. */
static inline int npu_is_npu_fd(int fd)
{
	char name[16] = { 0 };
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

	if (ioctl(fd, DRM_IOCTL_VERSION, &v))
		return 0;
	return !strcmp(name, "npu");
}

static inline int npu_cmp_minor(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Minors of the npu nodes in @dir with @prefix, sorted; returns count. */
static inline int npu_list(const char *dir, const char *prefix, int *minors)
{
	char path[300];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < NPU_MAX_DEVS) {
		int fd;

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (npu_is_npu_fd(fd))
			minors[n++] = atoi(de->d_name + strlen(prefix));
		close(fd);
	}
	closedir(d);
	qsort(minors, n, sizeof(*minors), npu_cmp_minor);
	return n;
}

/*
 * debugfs folder prefix of the virtual dies ("...npu-virtual." + die):
 * under accel/ where the kernel has the DRM accel core, under dri/ where
 * the driver registered render nodes instead (Debian arm64).
 */
static inline const char *npu_dbg_root(void)
{
	return access("/sys/kernel/debug/accel/npu-virtual.0", F_OK) ?
	       "/sys/kernel/debug/dri/npu-virtual." :
	       "/sys/kernel/debug/accel/npu-virtual.";
}

/* debugfs file @file of virtual die @die. */
static inline void npu_dbg_path(char *buf, size_t len, unsigned int die,
				const char *file)
{
	snprintf(buf, len, "%s%u/%s", npu_dbg_root(), die, file);
}

/* Number of npu dies. */
static inline int npu_count(void)
{
	int minors[NPU_MAX_DEVS];
	int n = npu_list("/dev/accel", "accel", minors);

	return n ? n : npu_list("/dev/dri", "renderD", minors);
}

/* Open the @index-th npu die; -1 with errno set when there is none. */
static inline int npu_open(int index)
{
	int minors[NPU_MAX_DEVS], n;
	char path[64];

	n = npu_list("/dev/accel", "accel", minors);
	if (n) {
		if (index >= n)
			goto none;
		snprintf(path, sizeof(path), "/dev/accel/accel%d", minors[index]);
		return open(path, O_RDWR | O_CLOEXEC);
	}
	n = npu_list("/dev/dri", "renderD", minors);
	if (index < n) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minors[index]);
		return open(path, O_RDWR | O_CLOEXEC);
	}
none:
	errno = ENODEV;
	return -1;
}

/* The device query; returns 0 or -errno. */
static inline int npu_query_device(int fd, struct drm_npu_query_device *q)
{
	struct drm_npu_query args = {
		.type = DRM_NPU_QUERY_DEVICE,
		.size = sizeof(*q),
		.pointer = (uintptr_t)q,
	};

	return ioctl(fd, DRM_IOCTL_NPU_QUERY, &args) ? -errno : 0;
}

static inline int64_t npu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The two words every regcmd stream ends with: version, then op_en. */
#define NPU_RC_VERSION	0x0041000000000000ull
#define NPU_RC_OP_EN	((0x0081ull << 48) | (0x0dull << 16) | 0x0008)
/* A register write the PC accepts: CNA block, register 0x1040. */
#define NPU_RC_CNA(v)	((0x0201ull << 48) | ((uint64_t)(v) << 16) | 0x1040)

/**
 * struct npu_bo - a BO of a test, mapped for the CPU and maybe a VM
 */
struct npu_bo {
	uint32_t handle;
	uint64_t size;
	void *cpu;
	uint64_t va;
};

static inline int npu_bo_new(int fd, uint64_t size, struct npu_bo *bo)
{
	struct drm_npu_bo_create c = { .size = size };
	struct drm_npu_bo_info i = { 0 };

	memset(bo, 0, sizeof(*bo));
	if (ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c))
		return -errno;
	i.handle = c.handle;
	if (ioctl(fd, DRM_IOCTL_NPU_BO_INFO, &i))
		return -errno;
	bo->handle = c.handle;
	bo->size = i.size;
	bo->cpu = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)i.mmap_offset);
	if (bo->cpu == MAP_FAILED) {
		bo->cpu = NULL;
		return -errno;
	}
	return 0;
}

static inline int npu_bo_map(int fd, struct npu_bo *bo, uint32_t vm_id,
			     uint32_t flags)
{
	struct drm_npu_vm_map m = {
		.vm_id = vm_id, .handle = bo->handle, .size = bo->size,
		.flags = DRM_NPU_MAP_READ | flags,
	};

	if (ioctl(fd, DRM_IOCTL_NPU_VM_MAP, &m))
		return -errno;
	bo->va = m.va;
	return 0;
}

static inline void npu_bo_free(int fd, struct npu_bo *bo)
{
	struct drm_gem_close c = { .handle = bo->handle };

	if (bo->cpu)
		munmap(bo->cpu, bo->size);
	if (bo->handle)
		ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
	memset(bo, 0, sizeof(*bo));
}

/* A BO holding a null task (just the tail), mapped read-only in @vm_id. */
static inline int npu_null_task(int fd, uint32_t vm_id, struct npu_bo *bo)
{
	uint64_t *w;
	int ret = npu_bo_new(fd, 4096, bo);

	if (ret)
		return ret;
	w = bo->cpu;
	w[0] = NPU_RC_CNA(0x12);
	w[1] = 0;
	w[2] = NPU_RC_VERSION;
	w[3] = NPU_RC_OP_EN;
	return npu_bo_map(fd, bo, vm_id, 0);
}

/* Submit one job of one task; returns 0 or -errno, *job_id set. */
static inline int npu_submit_one(int fd, uint32_t vm_id, uint64_t va,
				 uint32_t words, uint32_t core_mask,
				 uint64_t *job_id)
{
	struct drm_npu_task t = { .regcmd_va = va, .regcmd_count = words };
	struct drm_npu_job j = {
		.tasks = (uintptr_t)&t, .task_count = 1, .vm_id = vm_id,
		.core_mask = core_mask,
	};
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)&j, .job_count = 1, .job_stride = sizeof(j),
	};

	if (ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s))
		return -errno;
	*job_id = j.job_id;
	return 0;
}

/* Wait up to @ms for a job; 0 or -errno, *w filled. */
static inline int npu_wait(int fd, uint64_t job_id, int64_t ms,
			   struct drm_npu_job_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = job_id;
	w->timeout_ns = ms ? npu_now_ns() + ms * 1000000 : 0;
	return ioctl(fd, DRM_IOCTL_NPU_JOB_WAIT, w) ? -errno : 0;
}

/* Write @value to a debugfs or sysfs file; 0 or -1. */
static inline int npu_write_file(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(value, f) < 0 ? -1 : 0;
	return fclose(f) ? -1 : ret;
}

/* An ioctl: 0 or -errno. */
static inline int npu_ioc(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* The virtual NPU's time per task on @core of @die, in us ("0": none). */
static inline int npu_set_task_delay(unsigned int die, unsigned int core,
				     const char *us)
{
	char path[128], file[32];

	snprintf(file, sizeof(file), "core%u/task_delay_us", core);
	npu_dbg_path(path, sizeof(path), die, file);
	return npu_write_file(path, us);
}

/* Read a number from a sysfs file; -1 on error. */
static inline long long npu_read_ll(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* fdinfo "drm-engine-core<N>" of @fd, in ns; -1 when absent. */
static inline long long npu_fdinfo_busy(int fd, unsigned int core)
{
	char path[64], line[128], key[32];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(key, sizeof(key), "drm-engine-core%u:", core);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atoll(line + strlen(key));
	fclose(f);
	return v;
}

/* Export a BO as a dma-buf (read-write, close-on-exec); fd or -errno. */
static inline int npu_export(int fd, uint32_t handle)
{
	struct drm_prime_handle p = {
		.handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1,
	};

	return ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) ? -errno : p.fd;
}

/* Import a dma-buf; 0 or -errno, *handle set. */
static inline int npu_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret = ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p) ? -errno : 0;

	*handle = p.handle;
	return ret;
}

/*
 * Attachments of the dma-buf behind @dmabuf to the device named @dev,
 * from the dma-buf core's list in debugfs; -1 when it is not listed.
 */
static inline int npu_dmabuf_attachments(int dmabuf, const char *dev)
{
	char line[256], name[64];
	int in_buf = 0, in_devs = 0, n = -1;
	unsigned long ino;
	struct stat st;
	FILE *f;

	if (fstat(dmabuf, &st))
		return -1;
	f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!in_buf) {
			/* size flags mode count exp_name ino name */
			if (sscanf(line, "%*u %*x %*x %*u %*s %lu", &ino) == 1 &&
			    ino == st.st_ino) {
				in_buf = 1;
				n = 0;
			}
			continue;
		}
		if (!strncmp(line, "Total ", 6))
			break;
		if (strstr(line, "Attached Devices:")) {
			in_devs = 1;
			continue;
		}
		if (in_devs && sscanf(line, " %63s", name) == 1 &&
		    !strcmp(name, dev))
			n++;
	}
	fclose(f);
	return n;
}

#endif /* NPU_SELFTEST_HELPERS_H */
