// SPDX-License-Identifier: MIT
/*
 * npu-bench: the cost of the submission path, through libnpu.
 *
 *  (a) a null job's submit-to-fence round trip, next to the cheapest
 *      round trip into the driver, a DRM_IOCTL_NPU_QUERY;
 *  (b) the per-job cost of 64 null jobs submitted in one ioctl;
 *  (c) jobs per second with 1, 2 and 3 cores busy, jobs pinned to their
 *      core and many in flight: null jobs, then (on the virtual NPU)
 *      jobs whose task takes a fixed time on the core;
 *  (d) a 3-job submit shaped like one matmul on three cores (each job
 *      pinned to its core, listing four BOs): the submit ioctl's time,
 *      median, mean and worst, which a submit that starts its first job
 *      before it has prepared the others stretches; then, where the
 *      kernel has NPU_CAP_NO_IMPLICIT, the same with every BO listed
 *      NPU_JOB_BO_NO_IMPLICIT, as a ratio.
 *
 * A null job is one task whose regcmd stream is only the tail: the
 * version word, then PC operation enable.
 *
 * Figures only; nothing is asserted.
 *
 * usage: npu-bench [-d die] [-t ms] [-w us]
 *   -d die  the die to use (default 0)
 *   -t ms   how long each jobs/s figure runs (default 1000)
 *   -w us   task time of the paced jobs/s run on the virtual NPU
 *           (default 2000; 0 skips it)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <drm/npu_accel.h>

#include "npu.h"

#define RT_ITERS	200	/* round trips measured */
#define RT_WARMUP	20
#define BATCH		64	/* jobs of one SUBMIT in (b) */
#define BATCH_REPS	20
#define MAX_CORES	3	/* (c) goes up to this many cores */
#define PER_CORE	8	/* jobs per core in each of (c)'s two groups */

/* The null task: version word, then PC operation enable. */
static const uint64_t null_stream[2] = {
	0x0041000000000000ULL,
	(0x0081ULL << 48) | (0x1dULL << 16) | 0x0008,
};

static struct npu_device *dev;
static uint64_t null_va;
static unsigned int core_count;

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

/* Percentile @p of @n sorted samples, in us. */
static double pct_us(const int64_t *v, int n, int p)
{
	return v[(n - 1) * p / 100] / 1e3;
}

static int fail(const char *what, int ret)
{
	fprintf(stderr, "npu-bench: %s: %s\n", what, strerror(-ret));
	return ret;
}

/* Wait for @job and insist that it ran. */
static int wait_done(struct npu_job *job, int *core)
{
	struct npu_job_status st;
	int ret;

	ret = npu_job_wait(job, -1, &st);
	if (ret)
		return fail("npu_job_wait", ret);
	if (st.state != NPU_JOB_DONE) {
		fprintf(stderr, "npu-bench: job %llu ended %s (error %d, va %#llx)\n",
			(unsigned long long)npu_job_id(job),
			npu_job_state_name(st.state), st.error,
			(unsigned long long)st.fault_va);
		return -EIO;
	}
	if (core)
		*core = (int)st.core;
	return 0;
}

/* The null task's regcmds, in a BO mapped read-only in the default VM. */
static int setup_null_task(struct npu_bo **bo)
{
	struct npu_vm *vm;
	void *ptr;
	int ret;

	ret = npu_bo_new(dev, 4096, 0, bo);
	if (ret)
		return fail("npu_bo_new", ret);
	ret = npu_bo_map(*bo, &ptr);
	if (ret)
		return fail("npu_bo_map", ret);
	ret = npu_bo_cpu_prep(*bo, NPU_BO_CPU_WRITE, -1);
	if (ret)
		return fail("npu_bo_cpu_prep", ret);
	memcpy(ptr, null_stream, sizeof(null_stream));
	ret = npu_bo_cpu_fini(*bo, NPU_BO_CPU_WRITE);
	if (ret)
		return fail("npu_bo_cpu_fini", ret);

	ret = npu_vm_default(dev, &vm);
	if (ret)
		return fail("npu_vm_default", ret);
	ret = npu_vm_map(vm, *bo, 0, npu_bo_size(*bo), NPU_MAP_READ, &null_va);
	npu_vm_unref(vm);
	if (ret)
		return fail("npu_vm_map", ret);
	return 0;
}

static int null_job_new(uint32_t core_mask, struct npu_job **job)
{
	int ret;

	ret = npu_job_new(dev, NULL, job);
	if (ret)
		return fail("npu_job_new", ret);
	ret = npu_job_add_task(*job, null_va, 2);
	if (!ret)
		ret = npu_job_set_core_mask(*job, core_mask);
	if (ret) {
		npu_job_destroy(*job);
		*job = NULL;
		return fail("building a null job", ret);
	}
	return 0;
}

/* (a) Round trip of one null job, against a query ioctl. */
static int bench_round_trip(double *rt_median)
{
	static int64_t rt[RT_ITERS], q[RT_ITERS];
	struct drm_npu_query_device info;
	struct drm_npu_query query = {
		.type = DRM_NPU_QUERY_DEVICE,
		.size = sizeof(info),
		.pointer = (uintptr_t)&info,
	};
	int fd = npu_device_fd(dev);
	struct npu_job *job;
	double q_med;
	int i, ret;

	for (i = -RT_WARMUP; i < RT_ITERS; i++) {
		int64_t t0 = now_ns();

		if (ioctl(fd, DRM_IOCTL_NPU_QUERY, &query))
			return fail("DRM_IOCTL_NPU_QUERY", -errno);
		if (i >= 0)
			q[i] = now_ns() - t0;
	}

	ret = null_job_new(0, &job);
	if (ret)
		return ret;
	for (i = -RT_WARMUP; i < RT_ITERS && !ret; i++) {
		int64_t t0 = now_ns();

		ret = npu_job_submit(&job, 1, NULL);
		if (ret) {
			fail("npu_job_submit", ret);
			break;
		}
		ret = wait_done(job, NULL);
		if (i >= 0)
			rt[i] = now_ns() - t0;
	}
	npu_job_destroy(job);
	if (ret)
		return ret;

	qsort(q, RT_ITERS, sizeof(q[0]), cmp_i64);
	qsort(rt, RT_ITERS, sizeof(rt[0]), cmp_i64);
	q_med = pct_us(q, RT_ITERS, 50);
	*rt_median = pct_us(rt, RT_ITERS, 50);
	printf("null job round trip: median %.1f us, p90 %.1f us; "
	       "query ioctl: median %.2f us, p90 %.2f us; ratio %.1fx  (%d runs)\n",
	       *rt_median, pct_us(rt, RT_ITERS, 90), q_med,
	       pct_us(q, RT_ITERS, 90), *rt_median / q_med, RT_ITERS);
	return 0;
}

/* (b) 64 null jobs per SUBMIT, then wait for them all. */
static int bench_batch(double rt_median)
{
	struct npu_job *jobs[BATCH] = { 0 };
	int64_t submit_ns = 0, total_ns = 0;
	unsigned int submitted;
	int i, r, ret = 0;

	for (i = 0; i < BATCH && !ret; i++)
		ret = null_job_new(0, &jobs[i]);

	for (r = -1; r < BATCH_REPS && !ret; r++) {
		int64_t t0 = now_ns(), t1;

		ret = npu_job_submit(jobs, BATCH, &submitted);
		t1 = now_ns();
		if (ret) {
			fprintf(stderr, "npu-bench: %u of %d jobs queued\n",
				submitted, BATCH);
			fail("npu_job_submit", ret);
		}
		/* The queued ones run all the same: wait for them. */
		for (i = 0; i < (int)submitted; i++) {
			int w = wait_done(jobs[i], NULL);

			if (!ret)
				ret = w;
		}
		if (r >= 0) {	/* the first round warms up */
			submit_ns += t1 - t0;
			total_ns += now_ns() - t0;
		}
	}
	for (i = 0; i < BATCH; i++)
		npu_job_destroy(jobs[i]);
	if (ret)
		return ret;

	printf("%d null jobs per submit: %.1f us per job (submit ioctl %.1f us per job), "
	       "%.1fx cheaper than one job per round trip  (%d runs)\n",
	       BATCH, total_ns / 1e3 / BATCH_REPS / BATCH,
	       submit_ns / 1e3 / BATCH_REPS / BATCH,
	       rt_median / (total_ns / 1e3 / BATCH_REPS / BATCH), BATCH_REPS);
	return 0;
}

/* (d) One matmul's worth of jobs, one per core, four BOs each. */
#define SPLIT_JOBS	3
#define SPLIT_BOS	3	/* per job, besides the shared regcmd BO */
#define SPLIT_ITERS	200

static int bench_split_submit(struct npu_bo *stream_bo, uint32_t bo_flags,
			      double *median)
{
	static int64_t t[SPLIT_ITERS];
	struct npu_job *jobs[SPLIT_JOBS] = { 0 };
	struct npu_bo *bos[SPLIT_JOBS][SPLIT_BOS] = { { 0 } };
	double mean = 0;
	int i, j, ret = 0;

	for (i = 0; i < SPLIT_JOBS && !ret; i++) {
		ret = null_job_new(1u << (i % core_count), &jobs[i]);
		if (!ret)
			ret = npu_job_add_bo(jobs[i], stream_bo, bo_flags);
		for (j = 0; j < SPLIT_BOS && !ret; j++) {
			ret = npu_bo_new(dev, 65536, 0, &bos[i][j]);
			if (!ret)
				ret = npu_job_add_bo(jobs[i], bos[i][j], bo_flags |
						     (j == SPLIT_BOS - 1 ?
						      NPU_JOB_BO_WRITE : 0));
		}
		if (ret)
			fail("building a split job", ret);
	}
	for (i = -RT_WARMUP; i < SPLIT_ITERS && !ret; i++) {
		int64_t t0 = now_ns(), t1;

		ret = npu_job_submit(jobs, SPLIT_JOBS, NULL);
		t1 = now_ns();
		if (ret) {
			fail("npu_job_submit", ret);
			break;
		}
		for (j = 0; j < SPLIT_JOBS && !ret; j++)
			ret = wait_done(jobs[j], NULL);
		if (i >= 0)
			t[i] = t1 - t0;
	}
	for (i = 0; i < SPLIT_JOBS; i++) {
		npu_job_destroy(jobs[i]);
		for (j = 0; j < SPLIT_BOS; j++)
			npu_bo_unref(bos[i][j]);
	}
	if (ret)
		return ret;
	for (i = 0; i < SPLIT_ITERS; i++)
		mean += t[i] / 1e3 / SPLIT_ITERS;
	qsort(t, SPLIT_ITERS, sizeof(t[0]), cmp_i64);
	*median = pct_us(t, SPLIT_ITERS, 50);
	printf("%d-job submit, a job per core, %d BOs each%s: submit ioctl median %.1f us, "
	       "mean %.1f us, p99 %.1f us, max %.1f us  (%d runs)\n",
	       SPLIT_JOBS, SPLIT_BOS + 1,
	       bo_flags & NPU_JOB_BO_NO_IMPLICIT ? ", no implicit sync" : "",
	       *median, mean, pct_us(t, SPLIT_ITERS, 99),
	       t[SPLIT_ITERS - 1] / 1e3, SPLIT_ITERS);
	return 0;
}

/*
 * Task time of the virtual cores, from debugfs: the die's folder is
 * named after the parent of its accel device.
 */
static int task_delay_path(unsigned int core, char *path, size_t size)
{
	char sys[PATH_MAX], target[PATH_MAX];
	const char *node = npu_device_path(dev);
	ssize_t len;

	if (!node)
		return -ENOENT;
	snprintf(sys, sizeof(sys), "/sys/class/%s/%s/device",
		 strstr(node, "/accel/") ? "accel" : "drm",
		 strrchr(node, '/') + 1);
	len = readlink(sys, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	snprintf(path, size, "/sys/kernel/debug/%s/%s/core%u/task_delay_us",
		 strstr(node, "/accel/") ? "accel" : "dri", basename(target),
		 core);
	return 0;
}

/* Set every core's task time; the old value of core 0 in *@old. */
static int set_task_delay(unsigned int us, unsigned int *old)
{
	char path[PATH_MAX];
	unsigned int c;
	int ret;

	for (c = 0; c < core_count; c++) {
		FILE *f;

		ret = task_delay_path(c, path, sizeof(path));
		if (ret)
			return ret;
		if (old && c == 0) {
			f = fopen(path, "r");
			if (!f || fscanf(f, "%u", old) != 1) {
				if (f)
					fclose(f);
				return -ENOENT;
			}
			fclose(f);
		}
		f = fopen(path, "w");
		if (!f)
			return -errno;
		fprintf(f, "%u\n", us);
		if (fclose(f))
			return -errno;
	}
	return 0;
}

/* Busy ns per core from fdinfo; zeros when unreadable. */
static void busy_snapshot(uint64_t *busy)
{
	struct npu_fdinfo fi;
	unsigned int c;

	npu_device_fdinfo(dev, &fi);
	for (c = 0; c < MAX_CORES; c++)
		busy[c] = fi.busy_ns[c];
}

/*
 * Keep @cores cores busy for @ms ms: two groups of PER_CORE jobs per
 * core, pinned round-robin; while one group runs the other is waited for
 * and submitted again, so the cores never run dry.
 */
static int jobs_per_second(unsigned int cores, unsigned int ms, double *rate,
			   double *busy_pct)
{
	unsigned int per_group = PER_CORE * cores, g, i, c;
	struct npu_job *groups[2][PER_CORE * MAX_CORES] = { { 0 } };
	uint64_t busy0[MAX_CORES], busy1[MAX_CORES];
	int64_t t0, elapsed, deadline;
	unsigned long long done = 0, misplaced = 0;
	unsigned int queued[2] = { 0, 0 };
	int ret = 0;

	for (g = 0; g < 2 && !ret; g++)
		for (i = 0; i < per_group && !ret; i++)
			ret = null_job_new(1u << (i % cores), &groups[g][i]);
	if (ret)
		goto out;

	busy_snapshot(busy0);
	t0 = now_ns();
	deadline = t0 + (int64_t)ms * 1000000;
	for (g = 0; g < 2 && !ret; g++) {
		ret = npu_job_submit(groups[g], per_group, &queued[g]);
		if (ret)
			fail("npu_job_submit", ret);
	}
	for (g = 0; ; g ^= 1) {
		for (i = 0; i < queued[g]; i++) {
			int core, w = wait_done(groups[g][i], &core);

			if (!ret)
				ret = w;
			if (!w && (unsigned int)core != i % cores)
				misplaced++;
		}
		done += queued[g];
		queued[g] = 0;
		if (ret || now_ns() >= deadline) {
			/* Drain the other group. */
			g ^= 1;
			for (i = 0; i < queued[g]; i++) {
				int w = wait_done(groups[g][i], NULL);

				if (!ret)
					ret = w;
			}
			done += queued[g];
			break;
		}
		ret = npu_job_submit(groups[g], per_group, &queued[g]);
		if (ret)
			fail("npu_job_submit", ret);
	}
	elapsed = now_ns() - t0;
	busy_snapshot(busy1);

	*rate = done / (elapsed / 1e9);
	for (c = 0; c < cores; c++)
		busy_pct[c] = 100.0 * (double)(busy1[c] - busy0[c]) / elapsed;
	if (misplaced)
		fprintf(stderr, "npu-bench: %llu jobs ran on another core than pinned\n",
			misplaced);
out:
	for (g = 0; g < 2; g++)
		for (i = 0; i < per_group; i++)
			npu_job_destroy(groups[g][i]);
	return ret;
}

static int bench_cores(const char *title, unsigned int ms)
{
	unsigned int max = core_count < MAX_CORES ? core_count : MAX_CORES;
	double base = 0, rate, busy[MAX_CORES];
	unsigned int n, c;
	int ret;

	printf("jobs/s, %s, %u ms each:\n", title, ms);
	for (n = 1; n <= max; n++) {
		ret = jobs_per_second(n, ms, &rate, busy);
		if (ret)
			return ret;
		if (n == 1)
			base = rate;
		printf("  %u core%s busy: %8.0f jobs/s, %.2fx one core; NPU busy",
		       n, n > 1 ? "s" : " ", rate, rate / base);
		for (c = 0; c < n; c++)
			printf(" %3.0f%%", busy[c]);
		printf("\n");
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: npu-bench [-d die] [-t ms] [-w us]\n");
	exit(2);
}

static unsigned int parse_uint(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > UINT_MAX)
		usage();
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	unsigned int die = 0, ms = 1000, task_us = 2000, old_delay;
	struct npu_bo *bo = NULL;
	uint64_t cores = 0, caps = 0;
	double rt_median = 0, split_median = 0, split_explicit = 0;
	int opt, ret;

	while ((opt = getopt(argc, argv, "d:t:w:h")) != -1) {
		switch (opt) {
		case 'd':
			die = parse_uint(optarg);
			break;
		case 't':
			ms = parse_uint(optarg);
			break;
		case 'w':
			task_us = parse_uint(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !ms)
		usage();

	ret = npu_device_open(die, &dev);
	if (ret) {
		fprintf(stderr, "npu-bench: no NPU die %u: %s\n", die,
			strerror(-ret));
		return 1;
	}
	npu_device_get_param(dev, NPU_PARAM_CORE_COUNT, &cores);
	npu_device_get_param(dev, NPU_PARAM_CAPS, &caps);
	core_count = (unsigned int)cores;
	printf("npu-bench: %s, die %u, %u cores\n", npu_device_path(dev), die,
	       core_count);

	ret = setup_null_task(&bo);
	if (!ret)
		ret = bench_round_trip(&rt_median);
	if (!ret)
		ret = bench_batch(rt_median);
	if (!ret)
		ret = bench_split_submit(bo, 0, &split_median);
	/* The same submit with the BOs' implicit waits skipped (d'). */
	if (!ret && (caps & NPU_CAP_NO_IMPLICIT)) {
		ret = bench_split_submit(bo, NPU_JOB_BO_NO_IMPLICIT,
					 &split_explicit);
		if (!ret)
			printf("  without implicit sync: %.2fx the submit time\n",
			       split_explicit / split_median);
	}
	if (!ret)
		ret = bench_cores("null jobs", ms);
	if (!ret && task_us && (caps & NPU_CAP_VIRTUAL)) {
		int r = set_task_delay(task_us, &old_delay);
		char title[64];

		if (r) {
			printf("jobs/s with %u us tasks: skipped, no debugfs knob (%s)\n",
			       task_us, strerror(-r));
		} else {
			snprintf(title, sizeof(title), "%.3g ms per task",
				 task_us / 1e3);
			ret = bench_cores(title, ms);
			set_task_delay(old_delay, NULL);
		}
	}

	npu_bo_unref(bo);
	npu_device_unref(dev);
	return ret ? 1 : 0;
}
