// SPDX-License-Identifier: MIT
/*
 * libnpu BO, VM, job and syncobj API contract, without an NPU: argument
 * checks, NULL out-pointers, the handle table (also under threads), job
 * building limits, timeouts, and the fdinfo parser on sample text.
 *
 * Linked against the static library: fake devices wrap /dev/null, whose
 * ioctls all fail, and fake BOs enter the handle table without one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "npu_priv.h"
#include "tap.h"

#define POISON(type)	((type *)(uintptr_t)0x5a5a5a5a)

static const struct drm_npu_query_device fake_info = {
	.model = DRM_NPU_MODEL_VIRTUAL,
	.die_count = 1,
	.core_count = 3,
	.core_mask = 0x7,
	.va_bits = 32,
	.numa_node = -1,
	.va_start = 0x1000,
	.va_end = 1ULL << 32,
	.page_size = 4096,
	.caps = DRM_NPU_CAP_VIRTUAL | DRM_NPU_CAP_MMU,
};

static struct npu_device *fake_device(void)
{
	struct npu_device *dev = NULL;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || libnpu_device_wrap(fd, NULL, &fake_info, &dev)) {
		printf("Bail out! cannot build a fake device\n");
		exit(1);
	}
	return dev;
}

static unsigned int refs(atomic_uint *count)
{
	return atomic_load(count);
}

/* A BO of a fake device, in its handle table, as if made by the kernel. */
static struct npu_bo *fake_bo(struct npu_device *dev, uint32_t handle)
{
	struct npu_bo *bo = NULL;
	int ret;

	pthread_mutex_lock(&dev->bo_lock);
	ret = libnpu_bo_wrap_locked(dev, handle, 4096, 0x100000, &bo);
	pthread_mutex_unlock(&dev->bo_lock);
	if (ret || !bo) {
		printf("Bail out! libnpu_bo_wrap_locked: %d\n", ret);
		exit(1);
	}
	return bo;
}

static void test_null_args(void)
{
	struct npu_device *dev = fake_device();
	struct npu_fdinfo fi;
	struct npu_job_status st;
	struct npu_bo *bo;
	struct npu_vm *vm;
	struct npu_job *job;
	uint32_t handle;
	uint64_t va;
	void *ptr;
	int fd;

	/* Devices */
	memset(&fi, 0xff, sizeof(fi));
	check(npu_device_fdinfo(NULL, &fi) == -EINVAL && fi.core_count == 0 &&
	      fi.busy_ns[0] == 0 && fi.total_memory == 0,
	      "npu_device_fdinfo(NULL) is -EINVAL, info zeroed");
	check(npu_device_fdinfo(dev, NULL) == -EINVAL,
	      "npu_device_fdinfo(info NULL) is -EINVAL");

	/* BOs */
	bo = POISON(struct npu_bo);
	check(npu_bo_new(NULL, 4096, 0, &bo) == -EINVAL && !bo,
	      "npu_bo_new(dev NULL) is -EINVAL, bo NULL");
	bo = POISON(struct npu_bo);
	check(npu_bo_new(dev, 0, 0, &bo) == -EINVAL && !bo,
	      "npu_bo_new(size 0) is -EINVAL, bo NULL");
	bo = POISON(struct npu_bo);
	check(npu_bo_new(dev, 4096, 0x2, &bo) == -EINVAL && !bo,
	      "npu_bo_new(unknown flag) is -EINVAL, bo NULL");
	check(npu_bo_new(dev, 4096, 0, NULL) == -EINVAL,
	      "npu_bo_new(bo NULL) is -EINVAL");
	check(npu_bo_ref(NULL) == NULL, "npu_bo_ref(NULL) is NULL");
	npu_bo_unref(NULL);
	check(npu_bo_handle(NULL) == 0, "npu_bo_handle(NULL) is 0");
	check(npu_bo_size(NULL) == 0, "npu_bo_size(NULL) is 0");
	ptr = POISON(void);
	check(npu_bo_map(NULL, &ptr) == -EINVAL && !ptr,
	      "npu_bo_map(NULL) is -EINVAL, ptr NULL");
	check(npu_bo_cpu_prep(NULL, NPU_BO_CPU_READ, 0) == -EINVAL,
	      "npu_bo_cpu_prep(NULL) is -EINVAL");
	check(npu_bo_cpu_fini(NULL, NPU_BO_CPU_READ) == -EINVAL,
	      "npu_bo_cpu_fini(NULL) is -EINVAL");
	fd = 42;
	check(npu_bo_export_dmabuf(NULL, &fd) == -EINVAL && fd == -1,
	      "npu_bo_export_dmabuf(NULL) is -EINVAL, fd -1");
	bo = POISON(struct npu_bo);
	check(npu_bo_import_dmabuf(NULL, 0, &bo) == -EINVAL && !bo,
	      "npu_bo_import_dmabuf(dev NULL) is -EINVAL, bo NULL");
	bo = POISON(struct npu_bo);
	check(npu_bo_import_dmabuf(dev, -1, &bo) == -EBADF && !bo,
	      "npu_bo_import_dmabuf(fd -1) is -EBADF, bo NULL");
	check(npu_bo_import_dmabuf(dev, 0, NULL) == -EINVAL,
	      "npu_bo_import_dmabuf(bo NULL) is -EINVAL");

	/* VMs */
	vm = POISON(struct npu_vm);
	check(npu_vm_new(NULL, &vm) == -EINVAL && !vm,
	      "npu_vm_new(NULL) is -EINVAL, vm NULL");
	check(npu_vm_new(dev, NULL) == -EINVAL, "npu_vm_new(vm NULL) is -EINVAL");
	vm = POISON(struct npu_vm);
	check(npu_vm_default(NULL, &vm) == -EINVAL && !vm,
	      "npu_vm_default(NULL) is -EINVAL, vm NULL");
	check(npu_vm_default(dev, NULL) == -EINVAL,
	      "npu_vm_default(vm NULL) is -EINVAL");
	check(npu_vm_ref(NULL) == NULL, "npu_vm_ref(NULL) is NULL");
	npu_vm_unref(NULL);
	check(npu_vm_id(NULL) == 0, "npu_vm_id(NULL) is 0");
	va = 1;
	check(npu_vm_map(NULL, NULL, 0, 4096, NPU_MAP_READ, &va) == -EINVAL &&
	      va == 0, "npu_vm_map(NULL) is -EINVAL, va 0");
	check(npu_vm_map(&dev->default_vm, NULL, 0, 4096, NPU_MAP_READ, NULL) ==
	      -EINVAL, "npu_vm_map(va NULL) is -EINVAL");
	check(npu_vm_map_fixed(NULL, NULL, 0, 4096, NPU_MAP_READ, 0x10000) ==
	      -EINVAL, "npu_vm_map_fixed(NULL) is -EINVAL");
	check(npu_vm_unmap(NULL, 0x10000, 4096) == -EINVAL,
	      "npu_vm_unmap(NULL) is -EINVAL");

	/* Jobs */
	job = POISON(struct npu_job);
	check(npu_job_new(NULL, NULL, &job) == -EINVAL && !job,
	      "npu_job_new(dev NULL) is -EINVAL, job NULL");
	check(npu_job_new(dev, NULL, NULL) == -EINVAL,
	      "npu_job_new(job NULL) is -EINVAL");
	npu_job_destroy(NULL);
	npu_job_reset(NULL);
	check(npu_job_add_task(NULL, 0x1000, 2) == -EINVAL,
	      "npu_job_add_task(NULL) is -EINVAL");
	check(npu_job_add_bo(NULL, NULL, 0) == -EINVAL,
	      "npu_job_add_bo(NULL) is -EINVAL");
	check(npu_job_add_in_sync(NULL, 1, 0) == -EINVAL,
	      "npu_job_add_in_sync(NULL) is -EINVAL");
	check(npu_job_add_out_sync(NULL, 1, 0) == -EINVAL,
	      "npu_job_add_out_sync(NULL) is -EINVAL");
	check(npu_job_set_core_mask(NULL, 1) == -EINVAL,
	      "npu_job_set_core_mask(NULL) is -EINVAL");
	check(npu_job_submit(NULL, 1, NULL) == -EINVAL,
	      "npu_job_submit(NULL) is -EINVAL");
	check(npu_job_id(NULL) == 0, "npu_job_id(NULL) is 0");
	memset(&st, 0xff, sizeof(st));
	check(npu_job_wait(NULL, 0, &st) == -EINVAL && st.state == 0 &&
	      st.busy_ns == 0 && st.fault_va == 0,
	      "npu_job_wait(NULL) is -EINVAL, status zeroed");
	memset(&st, 0xff, sizeof(st));
	check(npu_job_wait_all(NULL, 1, 0, &st) == -EINVAL && st.state == 0 &&
	      st.busy_ns == 0 && st.start_ns == 0 && st.index == 0,
	      "npu_job_wait_all(NULL) is -EINVAL, status zeroed");

	/* Syncobjs */
	handle = 7;
	check(npu_syncobj_new(NULL, 0, &handle) == -EINVAL && handle == 0,
	      "npu_syncobj_new(NULL) is -EINVAL, handle 0");
	handle = 7;
	check(npu_syncobj_new(dev, 0x2, &handle) == -EINVAL && handle == 0,
	      "npu_syncobj_new(unknown flag) is -EINVAL, handle 0");
	check(npu_syncobj_new(dev, 0, NULL) == -EINVAL,
	      "npu_syncobj_new(handle NULL) is -EINVAL");
	check(npu_syncobj_destroy(NULL, 1) == -EINVAL,
	      "npu_syncobj_destroy(NULL) is -EINVAL");
	check(npu_syncobj_wait(NULL, 1, 0, 0) == -EINVAL,
	      "npu_syncobj_wait(NULL) is -EINVAL");
	fd = 42;
	check(npu_syncobj_export_sync_file(NULL, 1, &fd) == -EINVAL && fd == -1,
	      "npu_syncobj_export_sync_file(NULL) is -EINVAL, fd -1");
	check(npu_syncobj_export_sync_file(dev, 1, NULL) == -EINVAL,
	      "npu_syncobj_export_sync_file(fd NULL) is -EINVAL");
	check(npu_syncobj_import_sync_file(NULL, 1, 0) == -EINVAL,
	      "npu_syncobj_import_sync_file(NULL) is -EINVAL");
	check(npu_syncobj_import_sync_file(dev, 1, -1) == -EBADF,
	      "npu_syncobj_import_sync_file(fd -1) is -EBADF");

	check(refs(&dev->refcount) == 1, "failed calls keep no reference");
	npu_device_unref(dev);
}

/* Calls that reach the kernel: /dev/null fails them, the library passes on. */
static void test_kernel_errors(void)
{
	struct npu_device *dev = fake_device();
	struct npu_bo *bo;
	struct npu_vm *vm;
	uint32_t handle;
	void *ptr;
	int fd, ret;

	bo = POISON(struct npu_bo);
	ret = npu_bo_new(dev, 4096, NPU_BO_PLACEMENT_ANY, &bo);
	check(ret == -ENOTTY && !bo, "npu_bo_new on /dev/null is %d (-ENOTTY), bo NULL",
	      ret);
	vm = POISON(struct npu_vm);
	ret = npu_vm_new(dev, &vm);
	check(ret == -ENOTTY && !vm, "npu_vm_new on /dev/null is %d, vm NULL", ret);
	handle = 7;
	ret = npu_syncobj_new(dev, NPU_SYNCOBJ_SIGNALED, &handle);
	check(ret == -ENOTTY && handle == 0,
	      "npu_syncobj_new on /dev/null is %d, handle 0", ret);
	ret = npu_syncobj_wait(dev, 1, 0, 0);
	check(ret == -ENOTTY, "npu_syncobj_wait on /dev/null is %d", ret);
	ret = npu_syncobj_wait(dev, 1, 5, 1000);
	check(ret == -ENOTTY, "npu_syncobj_wait(point 5) on /dev/null is %d",
	      ret);
	bo = POISON(struct npu_bo);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ret = npu_bo_import_dmabuf(dev, fd, &bo);
	check(ret == -ENOTTY && !bo,
	      "npu_bo_import_dmabuf(/dev/null) is %d, bo NULL", ret);
	close(fd);

	bo = fake_bo(dev, 3);
	check(npu_bo_handle(bo) == 3 && npu_bo_size(bo) == 4096,
	      "fake BO: handle 3, 4096 bytes");
	check(npu_bo_cpu_prep(bo, 0, 0) == -EINVAL &&
	      npu_bo_cpu_prep(bo, 0x4, 0) == -EINVAL &&
	      npu_bo_cpu_fini(bo, 0) == -EINVAL &&
	      npu_bo_cpu_fini(bo, 0x7) == -EINVAL,
	      "npu_bo_cpu_prep/fini with a bad op are -EINVAL");
	ret = npu_bo_cpu_prep(bo, NPU_BO_CPU_READ | NPU_BO_CPU_WRITE, -1);
	check(ret == -ENOTTY, "npu_bo_cpu_prep on /dev/null is %d", ret);
	ptr = POISON(void);
	ret = npu_bo_map(bo, &ptr);
	check(ret < 0 && !ptr, "npu_bo_map of a /dev/null BO is %d, ptr NULL",
	      ret);
	check(npu_bo_map(bo, NULL) == -EINVAL, "npu_bo_map(ptr NULL) is -EINVAL");
	fd = 42;
	ret = npu_bo_export_dmabuf(bo, &fd);
	check(ret == -ENOTTY && fd == -1,
	      "npu_bo_export_dmabuf on /dev/null is %d, fd -1", ret);
	check(npu_bo_export_dmabuf(bo, NULL) == -EINVAL,
	      "npu_bo_export_dmabuf(fd NULL) is -EINVAL");

	ret = npu_vm_default(dev, &vm);
	check(!ret && vm && npu_vm_id(vm) == 0,
	      "npu_vm_default is 0, VM id 0");
	ret = npu_vm_map(vm, bo, 0, 4096, NPU_MAP_WRITE, &(uint64_t){ 0 });
	check(ret == -EINVAL, "npu_vm_map without NPU_MAP_READ is -EINVAL");
	ret = npu_vm_map(vm, bo, 0, 4096, NPU_MAP_READ | 0x4, &(uint64_t){ 0 });
	check(ret == -EINVAL, "npu_vm_map with an unknown flag is -EINVAL");
	ret = npu_vm_map(vm, bo, 0, 4096, NPU_MAP_READ, &(uint64_t){ 0 });
	check(ret == -ENOTTY, "npu_vm_map on /dev/null is %d", ret);
	ret = npu_vm_unmap(vm, 0x10000, 4096);
	check(ret == -ENOTTY, "npu_vm_unmap on /dev/null is %d", ret);
	npu_vm_unref(vm);

	npu_bo_unref(bo);
	check(refs(&dev->refcount) == 1, "no reference left on the device");
	npu_device_unref(dev);
}

static void test_handle_table(void)
{
	struct npu_device *dev = fake_device(), *other = fake_device();
	struct npu_bo *a, *b, *found;
	struct npu_vm *vm;
	unsigned int i;

	a = fake_bo(dev, 5);
	b = fake_bo(dev, 5 + NPU_BO_BUCKETS);	/* same bucket */
	check(refs(&dev->refcount) == 3, "each BO holds a device reference");

	pthread_mutex_lock(&dev->bo_lock);
	found = libnpu_bo_lookup_locked(dev, 5);
	pthread_mutex_unlock(&dev->bo_lock);
	check(found == a && refs(&a->refcount) == 2,
	      "lookup of a known handle is the same BO, one more reference");
	npu_bo_unref(found);
	pthread_mutex_lock(&dev->bo_lock);
	found = libnpu_bo_lookup_locked(dev, 6);
	pthread_mutex_unlock(&dev->bo_lock);
	check(!found, "lookup of an unknown handle is NULL");
	pthread_mutex_lock(&other->bo_lock);
	found = libnpu_bo_lookup_locked(other, 5);
	pthread_mutex_unlock(&other->bo_lock);
	check(!found, "handle tables are per device");

	check(npu_bo_ref(a) == a && refs(&a->refcount) == 2,
	      "npu_bo_ref returns the BO");
	npu_bo_unref(a);
	npu_bo_unref(a);
	pthread_mutex_lock(&dev->bo_lock);
	found = libnpu_bo_lookup_locked(dev, 5);
	pthread_mutex_unlock(&dev->bo_lock);
	check(!found && refs(&dev->refcount) == 2,
	      "the last unref removes the BO and drops its device reference");
	pthread_mutex_lock(&dev->bo_lock);
	found = libnpu_bo_lookup_locked(dev, 5 + NPU_BO_BUCKETS);
	pthread_mutex_unlock(&dev->bo_lock);
	check(found == b, "the other BO of the bucket stays");
	npu_bo_unref(found);
	npu_bo_unref(b);

	/* Many BOs, then freed in another order. */
	{
		struct npu_bo *many[300];

		for (i = 0; i < 300; i++)
			many[i] = fake_bo(dev, i + 1);
		for (i = 0; i < 300; i += 2)
			npu_bo_unref(many[i]);
		for (i = 1; i < 300; i += 2) {
			pthread_mutex_lock(&dev->bo_lock);
			found = libnpu_bo_lookup_locked(dev, i + 1);
			pthread_mutex_unlock(&dev->bo_lock);
			if (found != many[i])
				break;
			npu_bo_unref(found);
		}
		check(i >= 300, "300 BOs: the 150 kept are found by handle");
		for (i = 1; i < 300; i += 2)
			npu_bo_unref(many[i]);
	}
	for (i = 0; i < NPU_BO_BUCKETS; i++)
		if (dev->bo_table[i])
			break;
	check(i == NPU_BO_BUCKETS && refs(&dev->refcount) == 1,
	      "all unreferenced: the table is empty, one device reference");

	/* The default VM's references are the device's. */
	npu_vm_default(dev, &vm);
	check(refs(&dev->refcount) == 2 && npu_vm_ref(vm) == vm &&
	      refs(&dev->refcount) == 3,
	      "default VM references are device references");
	npu_vm_unref(vm);
	npu_vm_unref(vm);
	check(refs(&dev->refcount) == 1, "and are dropped as such");

	npu_device_unref(other);
	npu_device_unref(dev);
}

#define TABLE_THREADS	8
#define TABLE_LOOPS	20000

static struct npu_device *table_dev;

/*
 * What an import does: find the handle's BO or make it, under the lock;
 * then drop the reference.  BOs are thus created and freed while other
 * threads look them up.
 */
static void *table_worker(void *arg)
{
	uint32_t handle = 1 + (uint32_t)(uintptr_t)arg % 2;
	int i;

	for (i = 0; i < TABLE_LOOPS; i++) {
		struct npu_bo *bo;

		pthread_mutex_lock(&table_dev->bo_lock);
		bo = libnpu_bo_lookup_locked(table_dev, handle);
		if (!bo && libnpu_bo_wrap_locked(table_dev, handle, 4096, 0, &bo))
			bo = NULL;
		pthread_mutex_unlock(&table_dev->bo_lock);
		if (!bo || bo->handle != handle)
			return (void *)1;
		npu_bo_unref(npu_bo_ref(bo));
		npu_bo_unref(bo);
	}
	return NULL;
}

static void test_table_threads(void)
{
	pthread_t threads[TABLE_THREADS];
	int i, started = 0, bad = 0;
	void *res;

	table_dev = fake_device();
	for (i = 0; i < TABLE_THREADS; i++) {
		if (pthread_create(&threads[i], NULL, table_worker,
				   (void *)(uintptr_t)i))
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(threads[i], &res);
		bad += res != NULL;
	}
	check(started == TABLE_THREADS && !bad,
	      "%d threads x %d lookup-or-create/unref on 2 handles",
	      TABLE_THREADS, TABLE_LOOPS);
	for (i = 0; i < NPU_BO_BUCKETS; i++)
		if (table_dev->bo_table[i])
			break;
	check(i == NPU_BO_BUCKETS && refs(&table_dev->refcount) == 1,
	      "afterwards the table is empty and the device has one reference");
	npu_device_unref(table_dev);
}

static void test_job_building(void)
{
	struct npu_device *dev = fake_device(), *other = fake_device();
	struct npu_job *job, *job2, *foreign, *jobs[NPU_SUBMIT_MAX_JOBS + 1];
	struct npu_bo *bo, *bo2, *obo;
	struct npu_job_status st;
	struct npu_vm *ovm;
	unsigned int submitted, i;
	int ret;

	npu_vm_default(other, &ovm);
	job = POISON(struct npu_job);
	ret = npu_job_new(dev, ovm, &job);
	check(ret == -EINVAL && !job, "npu_job_new with another device's VM is -EINVAL");
	npu_vm_unref(ovm);

	ret = npu_job_new(dev, NULL, &job);
	check(!ret && job && refs(&dev->refcount) == 2,
	      "npu_job_new(vm NULL) uses the default VM, holds the device");

	check(npu_job_add_task(job, 0x1008, 2) == -EINVAL,
	      "a task not 16-byte aligned is -EINVAL");
	check(npu_job_add_task(job, 0x1000, 0) == -EINVAL,
	      "a task of 0 words is -EINVAL");
	check(npu_job_add_task(job, 0x1000, NPU_JOB_MAX_TASK_WORDS + 1) == -EINVAL,
	      "a task of %d words is -EINVAL", NPU_JOB_MAX_TASK_WORDS + 1);
	for (i = 0; i < NPU_JOB_MAX_TASKS; i++)
		if (npu_job_add_task(job, 0x1000 + 16ULL * i, 2))
			break;
	check(i == NPU_JOB_MAX_TASKS && job->task_count == NPU_JOB_MAX_TASKS &&
	      job->tasks[100].regcmd_va == 0x1000 + 1600 &&
	      job->tasks[100].regcmd_count == 2,
	      "%u tasks added in order", i);
	check(npu_job_add_task(job, 0x1000, 2) == -E2BIG,
	      "task %d is -E2BIG", NPU_JOB_MAX_TASKS + 1);

	bo = fake_bo(dev, 10);
	bo2 = fake_bo(dev, 11);
	obo = fake_bo(other, 10);
	check(npu_job_add_bo(job, obo, 0) == -EINVAL,
	      "a BO of another device is -EINVAL");
	check(npu_job_add_bo(job, bo, 0x4) == -EINVAL,
	      "an unknown BO flag is -EINVAL");
	check(!npu_job_add_bo(job, bo, 0) && !npu_job_add_bo(job, bo2, 0) &&
	      !npu_job_add_bo(job, bo, NPU_JOB_BO_WRITE),
	      "BOs added, one twice");
	check(job->bo_count == 2 && job->bo_refs[0].handle == 10 &&
	      job->bo_refs[0].flags == DRM_NPU_BO_REF_WRITE &&
	      job->bo_refs[1].handle == 11 && job->bo_refs[1].flags == 0,
	      "a BO added twice is listed once with both calls' flags");
	check(refs(&bo->refcount) == 2 && refs(&bo2->refcount) == 2,
	      "the job holds one reference per listed BO");

	/* Skipped waits: only with the kernel's cap, only if every call asks. */
	npu_job_new(dev, NULL, &job2);
	check(!npu_job_add_bo(job2, bo, NPU_JOB_BO_NO_IMPLICIT) &&
	      job2->bo_refs[0].flags == 0,
	      "NPU_JOB_BO_NO_IMPLICIT is dropped without NPU_CAP_NO_IMPLICIT");
	dev->info.caps |= DRM_NPU_CAP_NO_IMPLICIT;
	check(!npu_job_add_bo(job2, bo2, NPU_JOB_BO_NO_IMPLICIT) &&
	      !npu_job_add_bo(job2, bo2, NPU_JOB_BO_NO_IMPLICIT | NPU_JOB_BO_WRITE) &&
	      job2->bo_refs[1].flags == (DRM_NPU_BO_REF_NO_IMPLICIT |
					 DRM_NPU_BO_REF_WRITE),
	      "NPU_JOB_BO_NO_IMPLICIT kept with the cap when both calls ask");
	check(!npu_job_add_bo(job2, bo2, 0) &&
	      job2->bo_refs[1].flags == DRM_NPU_BO_REF_WRITE,
	      "a call that waits makes the job wait on the BO");
	dev->info.caps &= ~DRM_NPU_CAP_NO_IMPLICIT;
	npu_job_destroy(job2);
	job2 = NULL;

	check(npu_job_add_in_sync(job, 0, 0) == -EINVAL &&
	      npu_job_add_out_sync(job, 0, 0) == -EINVAL,
	      "syncobj handle 0 is -EINVAL");
	for (i = 0; i < NPU_JOB_MAX_SYNCS; i++)
		if (npu_job_add_in_sync(job, i + 1, i) ||
		    npu_job_add_out_sync(job, i + 100, 0))
			break;
	check(i == NPU_JOB_MAX_SYNCS && job->in_syncs[3].handle == 4 &&
	      job->in_syncs[3].point == 3 && job->out_syncs[3].handle == 103,
	      "%u in- and out-syncs added in order", i);
	check(npu_job_add_in_sync(job, 1, 0) == -E2BIG &&
	      npu_job_add_out_sync(job, 1, 0) == -E2BIG,
	      "sync %d is -E2BIG", NPU_JOB_MAX_SYNCS + 1);

	check(npu_job_set_core_mask(job, 0x8) == -EINVAL,
	      "a core the die lacks is -EINVAL");
	check(!npu_job_set_core_mask(job, 0x4) && job->core_mask == 0x4,
	      "core mask 0x4 set");

	memset(&st, 0xff, sizeof(st));
	check(npu_job_wait(job, -1, &st) == -EINVAL && st.state == NPU_JOB_PENDING,
	      "npu_job_wait of an unsubmitted job is -EINVAL");
	jobs[0] = job;
	memset(&st, 0xff, sizeof(st));
	check(npu_job_wait_all(jobs, 1, -1, &st) == -EINVAL &&
	      st.state == NPU_JOB_PENDING && st.max_busy_ns == 0,
	      "npu_job_wait_all of an unsubmitted job is -EINVAL");
	check(npu_job_wait_all(jobs, 0, 0, NULL) == -EINVAL,
	      "npu_job_wait_all of 0 jobs is -EINVAL");
	check(npu_job_wait_all(jobs, NPU_SUBMIT_MAX_JOBS + 1, 0, NULL) == -EINVAL,
	      "npu_job_wait_all of %d jobs is -EINVAL", NPU_SUBMIT_MAX_JOBS + 1);
	/* As if submitted: still, jobs of two devices are refused. */
	job->id = 5;
	npu_job_new(other, NULL, &foreign);
	foreign->id = 6;
	jobs[1] = foreign;
	check(npu_job_wait_all(jobs, 2, 0, NULL) == -EINVAL,
	      "npu_job_wait_all of jobs of two devices is -EINVAL");
	npu_job_destroy(foreign);
	job->id = 0;

	/* Submission arguments, checked before the ioctl. */
	npu_job_new(dev, NULL, &job2);
	jobs[0] = job;
	jobs[1] = job2;
	submitted = 99;
	check(npu_job_submit(jobs, 2, &submitted) == -EINVAL && submitted == 0,
	      "submitting a job without a task is -EINVAL, none submitted");
	npu_job_add_task(job2, 0x2000, 2);
	npu_job_new(other, NULL, &foreign);
	npu_job_add_task(foreign, 0x2000, 2);
	jobs[1] = foreign;
	submitted = 99;
	check(npu_job_submit(jobs, 2, &submitted) == -EINVAL && submitted == 0,
	      "jobs of two devices in one submit are -EINVAL");
	check(npu_job_submit(jobs, 0, &submitted) == -EINVAL,
	      "submitting 0 jobs is -EINVAL");
	for (i = 0; i <= NPU_SUBMIT_MAX_JOBS; i++)
		jobs[i] = job2;
	check(npu_job_submit(jobs, NPU_SUBMIT_MAX_JOBS + 1, &submitted) == -EINVAL,
	      "submitting %d jobs is -EINVAL", NPU_SUBMIT_MAX_JOBS + 1);
	jobs[1] = NULL;
	check(npu_job_submit(jobs, 2, &submitted) == -EINVAL,
	      "a NULL job in the array is -EINVAL");
	jobs[0] = job;
	jobs[1] = job2;
	submitted = 99;
	ret = npu_job_submit(jobs, 2, &submitted);
	check(ret == -ENOTTY && submitted == 0 && npu_job_id(job) == 0 &&
	      npu_job_id(job2) == 0,
	      "a failed SUBMIT is %d, nothing submitted, no ids", ret);
	check(npu_job_submit(jobs, 2, NULL) == -ENOTTY,
	      "submitted may be NULL");

	/* Reset keeps the VM, the core mask and the arrays' memory. */
	{
		struct drm_npu_task *tasks = job->tasks;

		npu_job_reset(job);
		check(job->task_count == 0 && job->bo_count == 0 &&
		      job->in_sync_count == 0 && job->out_sync_count == 0 &&
		      job->core_mask == 0x4 && job->tasks == tasks,
		      "npu_job_reset empties the job, keeps core mask and memory");
		check(refs(&bo->refcount) == 1 && refs(&bo2->refcount) == 1,
		      "npu_job_reset drops the BO references");
		check(!npu_job_add_task(job, 0x3000, 2) &&
		      job->tasks == tasks && job->task_count == 1,
		      "a reset job is rebuilt without allocating");
	}
	npu_job_add_bo(job, bo, 0);
	npu_job_destroy(job);
	npu_job_destroy(job2);
	npu_job_destroy(foreign);
	check(refs(&bo->refcount) == 1, "npu_job_destroy drops BO references");
	npu_bo_unref(bo);
	npu_bo_unref(bo2);
	npu_bo_unref(obo);
	check(refs(&dev->refcount) == 1 && refs(&other->refcount) == 1,
	      "destroyed jobs hold no device reference");
	npu_device_unref(other);
	npu_device_unref(dev);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_timeouts(void)
{
	int64_t before, t, after;

	check(libnpu_abs_timeout(-1) == INT64_MAX &&
	      libnpu_abs_timeout(INT64_MIN) == INT64_MAX,
	      "a negative timeout is forever (INT64_MAX)");
	check(libnpu_abs_timeout(0) == 0, "timeout 0 polls (deadline 0)");
	check(libnpu_abs_timeout(INT64_MAX) == INT64_MAX &&
	      libnpu_abs_timeout(INT64_MAX - 5) == INT64_MAX,
	      "a huge timeout saturates");
	before = mono_ns();
	t = libnpu_abs_timeout(1000000000);
	after = mono_ns();
	check(t >= before + 1000000000 && t <= after + 1000000000,
	      "a 1 s timeout is 1 s from now on CLOCK_MONOTONIC");

	check(!strcmp(npu_job_state_name(NPU_JOB_DONE), "done") &&
	      !strcmp(npu_job_state_name(NPU_JOB_PENDING), "pending") &&
	      !strcmp(npu_job_state_name(NPU_JOB_MMU_FAULT), "mmu-fault") &&
	      !strcmp(npu_job_state_name(NPU_JOB_ERROR), "error") &&
	      !strcmp(npu_job_state_name(NPU_JOB_OVERTIME), "overtime") &&
	      !strcmp(npu_job_state_name(8), "unknown") &&
	      !strcmp(npu_job_state_name(UINT32_MAX), "unknown"),
	      "npu_job_state_name");
}

static void test_fdinfo_parse(void)
{
	static const char sample[] =
		"pos:\t0\n"
		"flags:\t02100002\n"
		"mnt_id:\t24\n"
		"ino:\t1053\n"
		"drm-driver:\tnpu\n"
		"drm-client-id:\t7\n"
		"drm-engine-core0:\t1500 ns\n"
		"drm-engine-core1:\t0 ns\n"
		"drm-engine-core2:\t18446744073709551615 ns\n"
		"drm-total-memory:\t12 KiB\n"
		"drm-shared-memory:\t0\n"
		"drm-active-memory:\t0\n"
		"drm-resident-memory:\t3 MiB\n"
		"drm-purgeable-memory:\t0\n";
	static const char odd[] =
		"drm-engine-core3: 42 ns\r\n"		/* a gap: cores 0-2 unseen */
		"drm-engine-core16:\t5 ns\n"		/* beyond the array */
		"drm-engine-core1:\t7 us\n"		/* not ns */
		"drm-engine-corex:\t9 ns\n"
		"drm-engine-core:\t9 ns\n"
		"drm-engine-core0\t9 ns\n"		/* no colon */
		"drm-total-memory:\t2 GiB\n"
		"drm-resident-memory:\t5 XB\n"		/* unknown unit */
		"drm-shared-memory:\t99999999999999999999 KiB\n"
		"drm-total-memory-x:\t1\n"
		"drm-engine-core2:\t 8 ns";		/* no final newline */
	struct npu_fdinfo fi;

	check(libnpu_fdinfo_parse(sample, &fi) == 0, "sample fdinfo parses");
	check(fi.core_count == 3 && fi.busy_ns[0] == 1500 &&
	      fi.busy_ns[1] == 0 && fi.busy_ns[2] == UINT64_MAX &&
	      fi.busy_ns[3] == 0,
	      "busy ns of cores 0-2: %llu %llu %llu, %u cores",
	      (unsigned long long)fi.busy_ns[0],
	      (unsigned long long)fi.busy_ns[1],
	      (unsigned long long)fi.busy_ns[2], fi.core_count);
	check(fi.total_memory == 12 * 1024 && fi.shared_memory == 0 &&
	      fi.resident_memory == 3 * 1024 * 1024,
	      "memory: total %llu, resident %llu bytes",
	      (unsigned long long)fi.total_memory,
	      (unsigned long long)fi.resident_memory);

	check(libnpu_fdinfo_parse(odd, &fi) == 0, "odd fdinfo parses");
	check(fi.core_count == 4 && fi.busy_ns[3] == 42 && fi.busy_ns[2] == 8 &&
	      fi.busy_ns[1] == 0 && fi.busy_ns[0] == 0,
	      "odd lines: cores 2 and 3 read, bad ones skipped (%u cores)",
	      fi.core_count);
	check(fi.total_memory == 2ULL << 30 && fi.resident_memory == 0 &&
	      fi.shared_memory == 0,
	      "odd lines: GiB read, unknown unit and overflow skipped");

	check(libnpu_fdinfo_parse("", &fi) == 0 && fi.core_count == 0 &&
	      fi.total_memory == 0, "empty text: nothing reported");
	memset(&fi, 0xff, sizeof(fi));
	check(libnpu_fdinfo_parse(NULL, &fi) == -EINVAL && fi.core_count == 0,
	      "NULL text is -EINVAL, info zeroed");
	check(libnpu_fdinfo_parse(sample, NULL) == -EINVAL, "NULL info is -EINVAL");
}

static void test_fdinfo_file(void)
{
	struct npu_device *dev = fake_device();
	struct npu_fdinfo fi;
	int ret;

	memset(&fi, 0xff, sizeof(fi));
	ret = npu_device_fdinfo(dev, &fi);
	check(!ret && fi.core_count == 0 && fi.total_memory == 0 &&
	      fi.reserved[0] == 0,
	      "fdinfo of /dev/null reads, reports nothing (%d)", ret);
	npu_device_unref(dev);
}

int main(void)
{
	test_null_args();
	test_kernel_errors();
	test_handle_table();
	test_table_threads();
	test_job_building();
	test_timeouts();
	test_fdinfo_parse();
	test_fdinfo_file();

	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
