// SPDX-License-Identifier: MIT
/*
 * libnpu on a device: BOs, VMs, jobs, syncobjs, dma-bufs and fdinfo
 * against the npu driver.  Skipped (exit 77) when there is no NPU, so
 * that `meson test` passes on a machine without one; run it in the VM:
 *
 *   tools/vm-run.sh --bin build/libnpu/test-device 'test-device'
 *
 * Linked statically, and against the static library so that it can look
 * at reference counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "npu_priv.h"

/* Bounded waits: a lost fence fails the test instead of hanging the VM. */
#define LONG_WAIT	(20 * 1000000000LL)

#include "tap.h"

static void bail(const char *what, int ret)
{
	printf("Bail out! %s: %s\n", what, strerror(-ret));
	exit(1);
}

static const uint64_t null_stream[2] = {
	0x0041000000000000ULL,				/* version */
	(0x0081ULL << 48) | (0x1dULL << 16) | 0x0008,	/* PC op_en */
};

static struct npu_device *dev;
static uint32_t core_count;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A BO holding @words, mapped read-only in @vm; its device address in *@va. */
static struct npu_bo *stream_bo(struct npu_device *d, struct npu_vm *vm,
				const uint64_t *words, size_t n, uint64_t *va)
{
	struct npu_bo *bo;
	void *ptr;
	int ret;

	ret = npu_bo_new(d, 4096, 0, &bo);
	if (ret)
		bail("npu_bo_new", ret);
	ret = npu_bo_map(bo, &ptr);
	if (ret)
		bail("npu_bo_map", ret);
	memcpy(ptr, words, n * sizeof(*words));
	ret = npu_vm_map(vm, bo, 0, npu_bo_size(bo), NPU_MAP_READ, va);
	if (ret)
		bail("npu_vm_map", ret);
	return bo;
}

static struct npu_job *job_with_task(struct npu_device *d, struct npu_vm *vm,
				     uint64_t va, uint32_t words)
{
	struct npu_job *job;
	int ret;

	ret = npu_job_new(d, vm, &job);
	if (!ret)
		ret = npu_job_add_task(job, va, words);
	if (ret)
		bail("building a job", ret);
	return job;
}

/* Submit one job and wait for it; the status in *@st. */
static int run(struct npu_job *job, struct npu_job_status *st)
{
	int ret = npu_job_submit(&job, 1, NULL);

	if (ret)
		return ret;
	return npu_job_wait(job, 10 * 1000000000LL, st);
}

static struct npu_bo *null_bo;
static uint64_t null_va;
static struct npu_vm *default_vm;

static void test_bo(void)
{
	struct npu_bo *bo;
	uint8_t *p;
	void *ptr, *again;
	size_t i;
	int ret, zero = 1;

	ret = npu_bo_new(dev, 1, 0, &bo);
	check(!ret && bo && npu_bo_handle(bo) && npu_bo_size(bo) >= 1 &&
	      npu_bo_size(bo) % 4096 == 0,
	      "npu_bo_new(1 byte): handle %u, %llu bytes", npu_bo_handle(bo),
	      (unsigned long long)npu_bo_size(bo));
	ret = npu_bo_map(bo, &ptr);
	check(!ret && ptr, "npu_bo_map is %d", ret);
	ret = npu_bo_map(bo, &again);
	check(!ret && again == ptr, "a second npu_bo_map gives the same address");
	p = ptr;
	for (i = 0; i < npu_bo_size(bo); i++)
		zero &= !p[i];
	check(zero, "a new BO reads zero");
	check(!npu_bo_cpu_prep(bo, NPU_BO_CPU_READ | NPU_BO_CPU_WRITE, 0) &&
	      !npu_bo_cpu_fini(bo, NPU_BO_CPU_READ | NPU_BO_CPU_WRITE),
	      "cpu_prep (poll) and cpu_fini of an idle BO");
	npu_bo_unref(bo);

	ret = npu_bo_new(dev, 3 * 4096 + 1, NPU_BO_PLACEMENT_ANY, &bo);
	check(!ret && npu_bo_size(bo) == 4 * 4096,
	      "NPU_BO_PLACEMENT_ANY BO of 4 pages: %d", ret);
	npu_bo_unref(bo);

	bo = (struct npu_bo *)1;
	ret = npu_bo_new(dev, 5ULL << 30, 0, &bo);
	check(ret == -EINVAL && !bo, "a 5 GiB BO is %d (-EINVAL), bo NULL", ret);
}

static void test_vm_map_errors(void)
{
	struct npu_bo *bo;
	uint64_t va;
	int ret;

	if (npu_bo_new(dev, 8192, 0, &bo))
		bail("npu_bo_new", -ENOMEM);
	ret = npu_vm_map(default_vm, bo, 0, 100, NPU_MAP_READ, &va);
	check(ret == -EINVAL && va == 0, "mapping 100 bytes is %d (-EINVAL)", ret);
	ret = npu_vm_map(default_vm, bo, 4096, 8192, NPU_MAP_READ, &va);
	check(ret == -EINVAL, "mapping beyond the BO is %d (-EINVAL)", ret);
	ret = npu_vm_unmap(default_vm, 0x7000000, 4096);
	check(ret < 0, "unmapping what is not mapped is %d", ret);
	npu_bo_unref(bo);
}

static void test_null_job(void)
{
	struct npu_job_status st;
	struct npu_job *job;
	uint64_t id;
	uint32_t c;
	int ret;

	job = job_with_task(dev, NULL, null_va, 2);
	check(npu_job_id(job) == 0, "a new job has no id");
	ret = run(job, &st);
	check(!ret && st.state == NPU_JOB_DONE && st.core < core_count &&
	      !st.error && !st.fault_va,
	      "null job: %d, %s on core %u", ret, npu_job_state_name(st.state),
	      st.core);
	id = npu_job_id(job);
	check(id != 0, "the submitted job has id %llu", (unsigned long long)id);
	ret = npu_job_wait(job, 0, &st);
	check(!ret && st.state == NPU_JOB_DONE,
	      "polling a finished job is 0, done");
	ret = run(job, &st);
	check(!ret && st.state == NPU_JOB_DONE && npu_job_id(job) > id,
	      "the same job submitted again gets id %llu",
	      (unsigned long long)npu_job_id(job));

	for (c = 0; c < core_count; c++) {
		npu_job_set_core_mask(job, 1u << c);
		ret = run(job, &st);
		check(!ret && st.state == NPU_JOB_DONE && st.core == c,
		      "pinned to core %u: ran on core %u", c, st.core);
	}
	npu_job_destroy(job);
}

static void test_bad_jobs(void)
{
	static const uint64_t bad_stream[2] = {
		0x0041000000000000ULL, 0x0000000000000000ULL,
	};
	struct npu_job_status st;
	struct npu_job *job;
	struct npu_bo *bo;
	uint64_t va;
	int ret;

	bo = stream_bo(dev, default_vm, bad_stream, 2, &va);
	job = job_with_task(dev, NULL, va, 2);
	ret = run(job, &st);
	check(!ret && st.state == NPU_JOB_INVALID && st.fault_va >= va &&
	      st.fault_va < va + 16 && st.reason != NPU_JOB_REASON_NONE,
	      "a stream without op_en: %s, reason %u, at %#llx (stream %#llx)",
	      npu_job_state_name(st.state), st.reason,
	      (unsigned long long)st.fault_va, (unsigned long long)va);
	npu_job_destroy(job);
	npu_bo_unref(bo);

	/* A syncobj handle the file does not have: nothing is queued. */
	{
		struct npu_job *jobs[2];
		unsigned int submitted = 99;

		jobs[0] = job_with_task(dev, NULL, null_va, 2);
		jobs[1] = job_with_task(dev, NULL, null_va, 2);
		npu_job_add_in_sync(jobs[1], 0x7fffffff, 0);
		ret = npu_job_submit(jobs, 2, &submitted);
		check(ret == -ENOENT && submitted == 0 && !npu_job_id(jobs[0]) &&
		      !npu_job_id(jobs[1]),
		      "a bad syncobj in job 2 of 2: %d, %u queued, no ids", ret,
		      submitted);
		npu_job_destroy(jobs[0]);
		npu_job_destroy(jobs[1]);
	}
}

static void test_vms(void)
{
	const uint64_t fixed = 0x200000;
	struct npu_job_status st;
	struct npu_job *job;
	struct npu_vm *vm, *vm2;
	struct npu_bo *bo;
	uint64_t va;
	void *ptr;
	int ret;

	ret = npu_vm_new(dev, &vm);
	check(!ret && vm && npu_vm_id(vm) != 0, "npu_vm_new: id %u",
	      npu_vm_id(vm));
	ret = npu_vm_new(dev, &vm2);
	check(!ret && npu_vm_id(vm2) != npu_vm_id(vm), "a second VM: id %u",
	      npu_vm_id(vm2));

	if (npu_bo_new(dev, 4096, 0, &bo) || npu_bo_map(bo, &ptr))
		bail("npu_bo_new", -ENOMEM);
	memcpy(ptr, null_stream, sizeof(null_stream));
	ret = npu_vm_map_fixed(vm, bo, 0, 4096, NPU_MAP_READ, fixed);
	check(!ret, "npu_vm_map_fixed at %#llx: %d", (unsigned long long)fixed,
	      ret);
	ret = npu_vm_map_fixed(vm, bo, 0, 4096, NPU_MAP_READ, fixed);
	check(ret == -ENOSPC, "the same fixed range again is %d (-ENOSPC)", ret);
	ret = npu_vm_map(vm, bo, 0, 4096, NPU_MAP_READ, &va);
	check(!ret && va != fixed, "a second mapping where the kernel picks: %#llx",
	      (unsigned long long)va);

	job = job_with_task(dev, vm, fixed, 2);
	ret = run(job, &st);
	check(!ret && st.state == NPU_JOB_DONE, "a job in the new VM: %s",
	      npu_job_state_name(st.state));
	npu_job_destroy(job);

	/* The same address means nothing in another VM. */
	job = job_with_task(dev, vm2, fixed, 2);
	ret = run(job, &st);
	check(!ret && st.state == NPU_JOB_MMU_FAULT &&
	      (st.fault_va & ~4095ULL) == fixed,
	      "the address in another VM: %s at %#llx",
	      npu_job_state_name(st.state), (unsigned long long)st.fault_va);
	npu_job_destroy(job);

	ret = npu_vm_unmap(vm, fixed, 4096);
	check(!ret, "npu_vm_unmap: %d", ret);
	job = job_with_task(dev, vm, fixed, 2);
	ret = run(job, &st);
	check(!ret && st.state == NPU_JOB_MMU_FAULT,
	      "after unmap the job faults: %s", npu_job_state_name(st.state));
	npu_job_destroy(job);

	ret = npu_vm_unmap(vm, va, 4096);
	check(!ret, "unmap the second mapping: %d", ret);
	npu_bo_unref(bo);
	npu_vm_unref(vm2);
	npu_vm_unref(vm);
}

static void test_syncobjs(void)
{
	struct npu_job_status st;
	struct npu_job *a, *b, *jobs[2];
	uint32_t s, s2, t;
	struct pollfd pfd;
	int64_t t0;
	int fd, ret;

	ret = npu_syncobj_new(dev, 0, &s);
	check(!ret && s, "npu_syncobj_new: handle %u", s);

	t0 = now_ns();
	ret = npu_syncobj_wait(dev, s, 0, 20 * 1000000);
	/* the kernel rounds the deadline to jiffies: allow one of 10 ms */
	check(ret == -ETIME && now_ns() - t0 >= 10 * 1000000,
	      "waiting 20 ms for a syncobj nothing signals is %d (-ETIME)", ret);

	a = job_with_task(dev, NULL, null_va, 2);
	b = job_with_task(dev, NULL, null_va, 2);
	npu_job_add_out_sync(a, s, 0);
	npu_job_add_in_sync(b, s, 0);
	npu_job_set_core_mask(a, 1);
	npu_job_set_core_mask(b, core_count > 1 ? 2 : 1);
	jobs[0] = a;
	jobs[1] = b;
	ret = npu_job_submit(jobs, 2, NULL);
	check(!ret, "job a signals s, job b waits for it: %d", ret);
	ret = npu_syncobj_wait(dev, s, 0, LONG_WAIT);
	check(!ret, "npu_syncobj_wait(s): %d", ret);
	check(!npu_job_wait(b, LONG_WAIT, &st) && st.state == NPU_JOB_DONE,
	      "job b done");

	ret = npu_syncobj_export_sync_file(dev, s, &fd);
	check(!ret && fd >= 0, "npu_syncobj_export_sync_file: fd %d", fd);
	pfd.fd = fd;
	pfd.events = POLLIN;
	check(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN),
	      "the sync file of a signalled fence polls readable");
	npu_syncobj_new(dev, 0, &s2);
	ret = npu_syncobj_import_sync_file(dev, s2, fd);
	check(!ret && !npu_syncobj_wait(dev, s2, 0, 0),
	      "imported into another syncobj, which is signalled: %d", ret);
	close(fd);

	/* Timeline points. */
	npu_syncobj_new(dev, 0, &t);
	npu_job_reset(a);
	npu_job_add_task(a, null_va, 2);
	npu_job_add_out_sync(a, t, 1);
	ret = npu_job_submit(&a, 1, NULL);
	check(!ret && !npu_syncobj_wait(dev, t, 1, LONG_WAIT),
	      "a job signals timeline point 1");
	ret = npu_syncobj_wait(dev, t, 2, 0);
	check(ret == -ETIME, "point 2 polls -ETIME: %d", ret);
	npu_job_reset(b);
	npu_job_add_task(b, null_va, 2);
	npu_job_add_in_sync(b, t, 1);
	npu_job_add_out_sync(b, t, 2);
	ret = npu_job_submit(&b, 1, NULL);
	check(!ret && !npu_syncobj_wait(dev, t, 2, LONG_WAIT) &&
	      !npu_job_wait(b, 0, &st) && st.state == NPU_JOB_DONE,
	      "a job waits for point 1 and signals point 2");

	ret = npu_syncobj_new(dev, NPU_SYNCOBJ_SIGNALED, &s2 /* leaks one */);
	check(!ret && !npu_syncobj_wait(dev, s2, 0, 0),
	      "NPU_SYNCOBJ_SIGNALED starts signalled");

	check(!npu_syncobj_destroy(dev, s) && !npu_syncobj_destroy(dev, t) &&
	      !npu_syncobj_destroy(dev, s2),
	      "npu_syncobj_destroy");
	check(npu_syncobj_destroy(dev, s) == -EINVAL,
	      "destroying twice is -EINVAL");
	npu_job_destroy(a);
	npu_job_destroy(b);
}

/* Debugfs task time of core 0 of the virtual NPU, or -1. */
static int task_delay_path(char *path, size_t size)
{
	char sys[PATH_MAX], target[PATH_MAX];
	const char *node = npu_device_path(dev);
	const char *class, *dbg;
	ssize_t len;

	/* An accel node, or a render node where the kernel has no accel. */
	if (node && strstr(node, "/accel/")) {
		class = "accel";
		dbg = "accel";
	} else if (node && strstr(node, "/dri/renderD")) {
		class = "drm";
		dbg = "dri";
	} else {
		return -1;
	}
	snprintf(sys, sizeof(sys), "/sys/class/%s/%s/device", class,
		 strrchr(node, '/') + 1);
	len = readlink(sys, target, sizeof(target) - 1);
	if (len < 0)
		return -1;
	target[len] = '\0';
	snprintf(path, size, "/sys/kernel/debug/%s/%s/core0/task_delay_us",
		 dbg, basename(target));
	return access(path, W_OK) ? -1 : 0;
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

/* A slow job that writes a BO: timeouts, polling and implicit sync. */
static void test_busy(void)
{
	char path[PATH_MAX];
	struct npu_job_status st;
	struct npu_job *job, *reader;
	struct npu_bo *bo;
	int64_t t0;
	int ret;

	if (task_delay_path(path, sizeof(path))) {
		printf("# no task_delay_us knob: busy-BO tests skipped\n");
		return;
	}
	if (npu_bo_new(dev, 4096, 0, &bo))
		bail("npu_bo_new", -ENOMEM);
	write_file(path, "200000");

	job = job_with_task(dev, NULL, null_va, 2);
	npu_job_set_core_mask(job, 1);
	npu_job_add_bo(job, bo, NPU_JOB_BO_WRITE);
	reader = job_with_task(dev, NULL, null_va, 2);
	npu_job_add_bo(reader, bo, 0);
	if (core_count > 1)
		npu_job_set_core_mask(reader, 2);
	t0 = now_ns();
	ret = npu_job_submit(&job, 1, NULL);
	if (!ret)
		ret = npu_job_submit(&reader, 1, NULL);
	check(!ret, "a 200 ms job writing a BO, then one reading it: %d", ret);

	memset(&st, 0xff, sizeof(st));
	ret = npu_job_wait(job, 0, &st);
	check(ret == -ETIME && st.state == NPU_JOB_PENDING && st.busy_ns == 0,
	      "polling the running job is %d (-ETIME), pending", ret);
	ret = npu_job_wait(job, 10 * 1000000, &st);
	check(ret == -ETIME, "waiting 10 ms for it is %d (-ETIME)", ret);
	ret = npu_bo_cpu_prep(bo, NPU_BO_CPU_READ, 0);
	check(ret == -EBUSY, "cpu_prep poll of the BO is %d (-EBUSY)", ret);
	ret = npu_bo_cpu_prep(bo, NPU_BO_CPU_READ, 5 * 1000000);
	check(ret == -ETIME, "cpu_prep for 5 ms is %d (-ETIME)", ret);
	ret = npu_bo_cpu_prep(bo, NPU_BO_CPU_READ, LONG_WAIT);
	check(!ret && now_ns() - t0 >= 150 * 1000000LL,
	      "cpu_prep without timeout returns after the job: %d, %.0f ms",
	      ret, (now_ns() - t0) / 1e6);
	npu_bo_cpu_fini(bo, NPU_BO_CPU_READ);
	/* Only now: the core reads the delay when it runs the task. */
	write_file(path, "0");
	ret = npu_job_wait(job, 0, &st);
	check(!ret && st.state == NPU_JOB_DONE && st.busy_ns >= 150 * 1000000ULL,
	      "the job is done, busy %.0f ms", st.busy_ns / 1e6);
	ret = npu_job_wait(reader, LONG_WAIT, &st);
	check(!ret && st.state == NPU_JOB_DONE,
	      "the reader ran after the writer (implicit sync): %s",
	      npu_job_state_name(st.state));
	npu_job_destroy(reader);
	npu_job_destroy(job);
	npu_bo_unref(bo);
}

static void test_batch(void)
{
	struct npu_job *jobs[NPU_SUBMIT_MAX_JOBS];
	struct npu_job_status st;
	unsigned int submitted = 0, done = 0, i;
	int ret;

	for (i = 0; i < NPU_SUBMIT_MAX_JOBS; i++) {
		jobs[i] = job_with_task(dev, NULL, null_va, 2);
		npu_job_set_core_mask(jobs[i], 1u << (i % core_count));
	}
	ret = npu_job_submit(jobs, NPU_SUBMIT_MAX_JOBS, &submitted);
	check(!ret && submitted == NPU_SUBMIT_MAX_JOBS,
	      "%u jobs in one submit: %d", submitted, ret);
	for (i = 0; i < submitted; i++)
		done += !npu_job_wait(jobs[i], LONG_WAIT, &st) &&
			st.state == NPU_JOB_DONE && st.core == i % core_count;
	check(done == NPU_SUBMIT_MAX_JOBS, "%u done on their cores", done);
	for (i = 0; i < NPU_SUBMIT_MAX_JOBS; i++)
		npu_job_destroy(jobs[i]);
}

static void test_dmabuf(void)
{
	struct npu_device *dev2, *other;
	struct npu_bo *bo, *same, *imported;
	struct npu_job_status st;
	struct npu_job *job;
	struct npu_vm *vm2;
	uint64_t va;
	void *ptr;
	int fd, ret, count;

	if (npu_bo_new(dev, 4096, 0, &bo) || npu_bo_map(bo, &ptr))
		bail("npu_bo_new", -ENOMEM);
	memcpy(ptr, null_stream, sizeof(null_stream));

	ret = npu_bo_export_dmabuf(bo, &fd);
	check(!ret && fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	      "npu_bo_export_dmabuf: fd %d, close-on-exec", fd);
	ret = npu_bo_import_dmabuf(dev, fd, &same);
	check(!ret && same == bo && atomic_load(&bo->refcount) == 2,
	      "importing it into the same device gives the same BO, 2 references");
	npu_bo_unref(same);

	/* Another file of the same die: another handle, the same memory. */
	ret = npu_device_open(0, &dev2);
	if (ret)
		bail("npu_device_open", ret);
	ret = npu_bo_import_dmabuf(dev2, fd, &imported);
	check(!ret && imported && imported != bo &&
	      npu_bo_size(imported) == npu_bo_size(bo),
	      "import into another file of the die: %d", ret);
	if (!ret) {
		void *ptr2;

		ret = npu_bo_map(imported, &ptr2);
		check(!ret && !memcmp(ptr2, null_stream, sizeof(null_stream)),
		      "its CPU mapping shows what the first file wrote");
		npu_vm_default(dev2, &vm2);
		ret = npu_vm_map(vm2, imported, 0, 4096, NPU_MAP_READ, &va);
		job = job_with_task(dev2, vm2, va, 2);
		ret = ret ? ret : run(job, &st);
		check(!ret && st.state == NPU_JOB_DONE,
		      "a job of the other file runs the shared stream: %s",
		      npu_job_state_name(st.state));
		npu_job_destroy(job);
		npu_vm_unref(vm2);
		npu_bo_unref(imported);
	}
	npu_device_unref(dev2);

	count = npu_device_count();
	if (count > 1 && !npu_device_open(1, &other)) {
		imported = (struct npu_bo *)1;
		ret = npu_bo_import_dmabuf(other, fd, &imported);
		check((!ret && imported) || (ret < 0 && !imported),
		      "import into die 1: %d (%s)", ret,
		      ret ? strerror(-ret) : "supported");
		npu_bo_unref(imported);
		npu_device_unref(other);
	}
	close(fd);
	npu_bo_unref(bo);
}

#define IMPORT_THREADS	4
#define IMPORT_LOOPS	300

static int shared_fd;

/*
 * Only the dma-buf keeps the buffer: each import makes or finds the BO,
 * each last unref closes the handle, while other threads import it.
 */
static void *import_worker(void *arg)
{
	long bad = 0;
	int i;

	for (i = 0; i < IMPORT_LOOPS; i++) {
		struct npu_bo *bo;

		if (npu_bo_import_dmabuf(dev, shared_fd, &bo)) {
			bad++;
			continue;
		}
		/* An ioctl on the handle: it must still be open. */
		if (npu_bo_cpu_prep(bo, NPU_BO_CPU_READ, 0) ||
		    npu_bo_cpu_fini(bo, NPU_BO_CPU_READ))
			bad++;
		npu_bo_unref(bo);
	}
	return (void *)bad;
}

static void test_import_threads(void)
{
	pthread_t threads[IMPORT_THREADS];
	struct npu_bo *bo;
	long bad = 0;
	void *res;
	int i, started = 0;

	if (npu_bo_new(dev, 4096, 0, &bo) ||
	    npu_bo_export_dmabuf(bo, &shared_fd))
		bail("exporting a BO", -EIO);
	npu_bo_unref(bo);
	for (i = 0; i < IMPORT_THREADS; i++) {
		if (pthread_create(&threads[i], NULL, import_worker, NULL))
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(threads[i], &res);
		bad += (long)res;
	}
	check(started == IMPORT_THREADS && !bad,
	      "%d threads x %d import/ioctl/unref of one dma-buf: %ld failures",
	      IMPORT_THREADS, IMPORT_LOOPS, bad);
	close(shared_fd);
	for (i = 0; i < NPU_BO_BUCKETS; i++)
		if (dev->bo_table[i] && dev->bo_table[i] != null_bo)
			break;
	check(i == NPU_BO_BUCKETS || dev->bo_table[i] == null_bo,
	      "afterwards only the null-stream BO is in the table");
}

static void test_fdinfo(const struct npu_fdinfo *before)
{
	struct npu_fdinfo after;
	uint64_t b = 0, a = 0;
	uint32_t c;
	int ret;

	ret = npu_device_fdinfo(dev, &after);
	for (c = 0; c < NPU_FDINFO_MAX_CORES; c++) {
		b += before->busy_ns[c];
		a += after.busy_ns[c];
	}
	check(!ret && after.core_count == core_count,
	      "fdinfo: %u cores (%d)", after.core_count, ret);
	check(a > b, "fdinfo: NPU busy time grew by %.2f ms over the tests",
	      (a - b) / 1e6);
	check(after.total_memory >= 4096 && after.resident_memory >= 4096,
	      "fdinfo: %llu bytes total, %llu resident",
	      (unsigned long long)after.total_memory,
	      (unsigned long long)after.resident_memory);
}

int main(void)
{
	struct npu_fdinfo before;
	uint64_t value;
	int count, ret;

	count = npu_device_count();
	if (count <= 0) {
		printf("1..0 # SKIP no NPU (%d)\n", count);
		return 77;
	}
	ret = npu_device_open(0, &dev);
	if (ret)
		bail("npu_device_open", ret);
	npu_device_get_param(dev, NPU_PARAM_CORE_COUNT, &value);
	core_count = (uint32_t)value;
	printf("# %s: %u cores, %d dies\n", npu_device_path(dev), core_count,
	       count);
	npu_device_fdinfo(dev, &before);

	npu_vm_default(dev, &default_vm);
	null_bo = stream_bo(dev, default_vm, null_stream, 2, &null_va);

	test_bo();
	test_vm_map_errors();
	test_null_job();
	test_bad_jobs();
	test_vms();
	test_syncobjs();
	test_busy();
	test_batch();
	test_dmabuf();
	test_import_threads();
	test_fdinfo(&before);

	npu_bo_unref(null_bo);
	npu_vm_unref(default_vm);
	check(atomic_load(&dev->refcount) == 1,
	      "every object released: one device reference left");
	npu_device_unref(dev);

	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
