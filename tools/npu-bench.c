// SPDX-License-Identifier: MIT
/*
 * npu-bench: the cost of the submission path, from one run.
 *
 *  - a null job's submit-to-fence round trip next to a device-query
 *    ioctl (the cheapest round trip into the driver);
 *  - the per-job cost of 64 jobs submitted in one ioctl;
 *  - jobs per second with 1, 2 and 3 cores busy, for null jobs and for
 *    jobs whose task takes 2 ms on the (virtual) core.
 *
 * Figures only; nothing is asserted.  usage: npu-bench [-d die]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm/npu_accel.h>

#include "npu.h"

#define ITERS	300

static int fd;
static uint64_t task_va;
static unsigned int die;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double pct(int64_t *v, int n, int p)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	return v[(n - 1) * p / 100] / 1e3;
}

static int setup_null_task(void)
{
	struct drm_npu_bo_create c = { .size = 4096 };
	struct drm_npu_bo_info i = { 0 };
	struct drm_npu_vm_map m = { 0 };
	uint64_t *w;

	if (ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c))
		return -errno;
	i.handle = c.handle;
	if (ioctl(fd, DRM_IOCTL_NPU_BO_INFO, &i))
		return -errno;
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)i.mmap_offset);
	if (w == MAP_FAILED)
		return -errno;
	w[0] = 0x0041000000000000ull;				/* version */
	w[1] = (0x0081ull << 48) | (0x0dull << 16) | 0x0008;	/* op_en */
	munmap(w, 4096);
	m.handle = c.handle;
	m.size = 4096;
	m.flags = DRM_NPU_MAP_READ;
	if (ioctl(fd, DRM_IOCTL_NPU_VM_MAP, &m))
		return -errno;
	task_va = m.va;
	return 0;
}

static struct drm_npu_task null_task;

static int submit(struct drm_npu_job *jobs, unsigned int n)
{
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)jobs, .job_count = n,
		.job_stride = sizeof(*jobs),
	};

	return ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s) ? -errno : 0;
}

static int wait_job(uint64_t id)
{
	struct drm_npu_job_wait w = { .job_id = id, .timeout_ns = INT64_MAX };

	if (ioctl(fd, DRM_IOCTL_NPU_JOB_WAIT, &w))
		return -errno;
	return w.status == DRM_NPU_JOB_DONE ? 0 : -EIO;
}

static void job_init(struct drm_npu_job *j, uint32_t core_mask)
{
	memset(j, 0, sizeof(*j));
	j->tasks = (uintptr_t)&null_task;
	j->task_count = 1;
	j->core_mask = core_mask;
}

static int bench_round_trip(void)
{
	static int64_t rt[ITERS], q[ITERS];
	struct drm_npu_query_device info;
	struct drm_npu_query qa = {
		.type = DRM_NPU_QUERY_DEVICE, .size = sizeof(info),
		.pointer = (uintptr_t)&info,
	};
	struct drm_npu_job j;
	double rt_med, q_med;
	int i, ret;

	for (i = 0; i < ITERS; i++) {
		int64_t t0 = now_ns();

		if (ioctl(fd, DRM_IOCTL_NPU_QUERY, &qa))
			return -errno;
		q[i] = now_ns() - t0;
	}
	for (i = 0; i < ITERS; i++) {
		int64_t t0 = now_ns();

		job_init(&j, 1);
		ret = submit(&j, 1);
		if (!ret)
			ret = wait_job(j.job_id);
		if (ret)
			return ret;
		rt[i] = now_ns() - t0;
	}
	q_med = pct(q, ITERS, 50);
	rt_med = pct(rt, ITERS, 50);
	printf("null job submit-to-fence round trip: median %.1f us, p90 %.1f us\n",
	       rt_med, pct(rt, ITERS, 90));
	printf("device query ioctl:                  median %.2f us, p90 %.2f us\n",
	       q_med, pct(q, ITERS, 90));
	printf("  round trip / query ioctl:          %.1fx\n", rt_med / q_med);
	return 0;
}

static int bench_batch(void)
{
	static struct drm_npu_job jobs[64];
	int64_t single = 0, t0;
	int i, r, ret;

	for (r = 0; r < 10; r++) {
		t0 = now_ns();
		job_init(&jobs[0], 0);
		ret = submit(jobs, 1);
		if (!ret)
			ret = wait_job(jobs[0].job_id);
		if (ret)
			return ret;
		single += now_ns() - t0;
	}
	single /= 10;
	t0 = now_ns();
	for (r = 0; r < 10; r++) {
		for (i = 0; i < 64; i++)
			job_init(&jobs[i], 0);
		ret = submit(jobs, 64);
		for (i = 0; !ret && i < 64; i++)
			ret = wait_job(jobs[i].job_id);
		if (ret)
			return ret;
	}
	printf("64 null jobs in one SUBMIT:           %.1f us per job (one job per SUBMIT: %.1f us, %.1fx)\n",
	       (now_ns() - t0) / 10.0 / 64 / 1e3, single / 1e3,
	       (double)single / ((now_ns() - t0) / 10.0 / 64));
	return 0;
}

static void set_task_time(unsigned int cores, const char *us)
{
	char path[128];
	unsigned int c;

	for (c = 0; c < cores; c++) {
		FILE *f;

		snprintf(path, sizeof(path),
			 "/sys/kernel/debug/accel/npu-virtual.%u/core%u/task_delay_us",
			 die, c);
		f = fopen(path, "w");
		if (f) {
			fputs(us, f);
			fclose(f);
		}
	}
}

/* Keep @cores cores busy with batches of pinned jobs for about a second. */
static int jobs_per_second(unsigned int cores, double *rate)
{
	static struct drm_npu_job jobs[64];
	unsigned int n = 0, i, per = 60 / cores * cores;
	int64_t t0 = now_ns(), elapsed;
	int ret;

	do {
		for (i = 0; i < per; i++)
			job_init(&jobs[i], 1u << (i % cores));
		ret = submit(jobs, per);
		for (i = 0; !ret && i < per; i++)
			ret = wait_job(jobs[i].job_id);
		if (ret)
			return ret;
		n += per;
		elapsed = now_ns() - t0;
	} while (elapsed < 1000000000);
	*rate = n / (elapsed / 1e9);
	return 0;
}

static int bench_cores(unsigned int max_cores)
{
	static const char *const kinds[] = { "0", "2000" };
	unsigned int k, c;
	int ret;

	for (k = 0; k < 2; k++) {
		double base = 0, rate;

		set_task_time(max_cores, kinds[k]);
		printf("jobs/s, %s:\n", k ? "2 ms per task" : "null jobs");
		for (c = 1; c <= max_cores && c <= 3; c++) {
			ret = jobs_per_second(c, &rate);
			if (ret) {
				set_task_time(max_cores, "0");
				return ret;
			}
			if (c == 1)
				base = rate;
			printf("  %u core%s busy: %8.0f jobs/s (%.2fx one core)\n", c,
			       c > 1 ? "s" : " ", rate, rate / base);
		}
	}
	set_task_time(max_cores, "0");
	return 0;
}

int main(int argc, char **argv)
{
	struct npu_device *dev;
	uint64_t cores;
	int opt, ret;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd') {
			fprintf(stderr, "usage: npu-bench [-d die]\n");
			return 2;
		}
		die = (unsigned int)strtoul(optarg, NULL, 0);
	}
	ret = npu_device_open(die, &dev);
	if (ret) {
		fprintf(stderr, "npu-bench: no NPU die %u: %s\n", die,
			strerror(-ret));
		return 1;
	}
	fd = npu_device_fd(dev);
	npu_device_get_param(dev, NPU_PARAM_CORE_COUNT, &cores);
	ret = setup_null_task();
	null_task.regcmd_va = task_va;
	null_task.regcmd_count = 2;
	if (!ret)
		ret = bench_round_trip();
	if (!ret)
		ret = bench_batch();
	if (!ret)
		ret = bench_cores((unsigned int)cores);
	if (ret)
		fprintf(stderr, "npu-bench: %s\n", strerror(-ret));
	npu_device_unref(dev);
	return ret ? 1 : 0;
}
