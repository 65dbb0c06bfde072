// SPDX-License-Identifier: MIT
/*
 * npu-bench: the cost of the submission path, through libnpu, next to
 * the floors it is measured against, all in the same boot:
 *
 *  (a) a null job's submit-to-fence round trip, next to
 *      - the cheapest round trip into the driver, a DRM_IOCTL_NPU_QUERY;
 *      - the two-wake floor: two threads pinned to two CPUs ping-ponging
 *        through a futex.  A null job through drm_sched needs at least
 *        the scheduler's worker woken on one side and the waiter woken
 *        on the other; the futex round trip is exactly two cross-CPU
 *        wake-ups with a syscall on each side, and nothing else (timed
 *        over the round trips in which both sides did sleep);
 *      - the same ping-pong with both threads on CPU 0, every round
 *        trip: what a round trip costs that wakes no other CPU (the
 *        woken side mostly runs before the waker sleeps, so it is
 *        mostly one wake-up and two context switches), the reference
 *        for a design that runs the scheduler's work on the submitter's
 *        CPU;
 *      - a fence cycle of Debian's vgem (attach a fence to a BO, signal
 *        it, poll the BO's dma-buf), when vgem is loaded: a DRM fence
 *        that never leaves the caller's thread;
 *      measured in interleaved repeats, the figures are medians of the
 *      repeats' medians; the null round trip's p10 is the figure least
 *      disturbed by a busy host;
 *  (b) the per-job cost of 64 null jobs submitted in one ioctl, waited
 *      for one by one, then with one wait for them all
 *      (npu_job_wait_all()), and of the submit ioctl alone;
 *  (c) the submit ioctl of three null jobs (one per core) that list the
 *      four BOs a matmul job lists: median, mean and max; then, where
 *      the kernel has NPU_CAP_NO_IMPLICIT, the same with every BO listed
 *      NPU_JOB_BO_NO_IMPLICIT, as a ratio;
 *  (d) the share of a one-job submit ioctl spent on its BO list: the
 *      same null job with the four BOs and with none, interleaved;
 *  (e) ioctls per matmul, counted in this process, and the time of its
 *      submit: one GEMM plan run on one die, then on every die of the
 *      package;
 *  (f) jobs per second with 1, 2 and 3 cores busy, jobs pinned to their
 *      core and many in flight: null jobs, then (on the virtual NPU)
 *      jobs whose task takes a fixed time on the core;
 *  (g) the null round trip cut into phases by the kernel's trace events
 *      (tracefs; root), run before (f).
 *
 * A null job is one task whose regcmd stream is only the tail: the
 * version word, then PC operation enable.
 *
 * Figures only; nothing is asserted.
 *
 * usage: npu-bench [-d die] [-t ms] [-w us] [-s sections]
 *   -d die       the die to use (default 0)
 *   -t ms        how long each jobs/s figure runs (default 1000)
 *   -w us        task time of the paced jobs/s run on the virtual NPU
 *                (default 2000; 0 skips it)
 *   -s sections  letters of the sections to run (default abcdefg)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <drm/npu_accel.h>

#include "npu.h"
#include "npu_gemm.h"

#define RT_ITERS	200	/* round trips measured per repeat */
#define RT_WARMUP	20
#define RT_REPEATS	3	/* interleaved repeats of (a) and (b) */
#define BATCH		64	/* jobs of one SUBMIT in (b) */
#define BATCH_REPS	20
#define MATMUL_JOBS	3	/* jobs of the matmul-like submit of (c) */
#define MATMUL_BOS	4	/* BOs a matmul job lists: regcmd, A, B, C */
#define SUBMIT_ITERS	200	/* submits timed in (c) and (d) */
#define GEMM_RUNS	50	/* plan runs counted and timed in (e) */
#define MAX_CORES	3	/* (f) goes up to this many cores */
#define PER_CORE	8	/* jobs per core in each of (f)'s two groups */

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

/* Wait for @count submitted jobs with one npu_job_wait_all(). */
static int wait_all_done(struct npu_job **jobs, unsigned int count)
{
	struct npu_job_status st;
	int ret;

	ret = npu_job_wait_all(jobs, count, -1, &st);
	if (ret)
		return fail("npu_job_wait_all", ret);
	if (st.state != NPU_JOB_DONE) {
		fprintf(stderr, "npu-bench: job %u of the batch ended %s (error %d)\n",
			st.index, npu_job_state_name(st.state), st.error);
		return -EIO;
	}
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

/*
 * ioctl() calls of this process, counted: the program is linked with
 * --wrap=ioctl, so every call libnpu makes lands here first.  Counting
 * in the caller needs neither a libnpu counter nor LD_PRELOAD (the
 * program is static).
 */
int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);

static atomic_ulong ioctls_all, ioctls_submit, ioctls_wait;

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	atomic_fetch_add(&ioctls_all, 1);
	if (request == DRM_IOCTL_NPU_SUBMIT)
		atomic_fetch_add(&ioctls_submit, 1);
	else if (request == DRM_IOCTL_NPU_JOB_WAIT)
		atomic_fetch_add(&ioctls_wait, 1);
	return __real_ioctl(fd, request, arg);
}

/* Median of @n unsorted doubles (sorts them). */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of @n int64 ns samples, in us (sorts them). */
static double median_us(int64_t *v, int n)
{
	qsort(v, n, sizeof(v[0]), cmp_i64);
	return pct_us(v, n, 50);
}

/* One repeat of the DEV_QUERY round trip: median us. */
static int time_query(double *med)
{
	static int64_t q[RT_ITERS];
	struct drm_npu_query_device info;
	struct drm_npu_query query = {
		.type = DRM_NPU_QUERY_DEVICE,
		.size = sizeof(info),
		.pointer = (uintptr_t)&info,
	};
	int fd = npu_device_fd(dev);
	int i;

	for (i = -RT_WARMUP; i < RT_ITERS; i++) {
		int64_t t0 = now_ns();

		if (ioctl(fd, DRM_IOCTL_NPU_QUERY, &query))
			return fail("DRM_IOCTL_NPU_QUERY", -errno);
		if (i >= 0)
			q[i] = now_ns() - t0;
	}
	*med = median_us(q, RT_ITERS);
	return 0;
}

/*
 * One repeat of the null job round trip: median, p10 and p90 us.  On a
 * busy host the spread is wide (a vCPU waits for a host CPU): p10 is the
 * round trip with the least of it.
 */
static int time_null_job(struct npu_job *job, double *med, double *p10,
			 double *p90)
{
	static int64_t rt[RT_ITERS];
	int i, ret = 0;

	for (i = -RT_WARMUP; i < RT_ITERS && !ret; i++) {
		int64_t t0 = now_ns();

		ret = npu_job_submit(&job, 1, NULL);
		if (ret)
			return fail("npu_job_submit", ret);
		ret = wait_done(job, NULL);
		if (i >= 0)
			rt[i] = now_ns() - t0;
	}
	if (ret)
		return ret;
	*med = median_us(rt, RT_ITERS);
	*p10 = pct_us(rt, RT_ITERS, 10);
	*p90 = pct_us(rt, RT_ITERS, 90);
	return 0;
}

/*
 * The two-wake floor.  The pinger, on CPU 0, sets the word to 1, wakes
 * the ponger and sleeps until the word is 0 again; the ponger, on CPU 1,
 * sleeps until the word is 1, sets it to 0 and wakes the pinger.  Both
 * sleep in the kernel between turns (no spinning), so each round trip
 * is two wake-ups of a sleeping task on the other CPU, each behind a
 * syscall, as a null job's submit (waking the scheduler's worker) and
 * completion (waking the waiter) are at least.
 */
struct pingpong {
	_Atomic int word;
	int cpu[2];		/* of the pinger, of the ponger */
	int iters;		/* round trips, warm-up included */
	int64_t *rt;		/* ns of each timed round trip */
	char *slept[2];		/* per timed round trip: ping, pong slept */
	int err;
};

static long futex(_Atomic int *word, int op, int val)
{
	return syscall(SYS_futex, (int *)word, op, val, NULL, NULL, 0);
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *ponger(void *arg)
{
	struct pingpong *pp = arg;
	int i;

	/* unpinned, it still takes its turns: the figure is dropped */
	if (pin_to(pp->cpu[1]))
		pp->err = -EINVAL;
	for (i = 0; i < pp->iters; i++) {
		int slept = 0;

		while (atomic_load(&pp->word) != 1)
			slept |= !futex(&pp->word, FUTEX_WAIT_PRIVATE, 0);
		if (i >= RT_WARMUP)
			pp->slept[1][i - RT_WARMUP] = slept;
		atomic_store(&pp->word, 0);
		futex(&pp->word, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

static void *pinger(void *arg)
{
	struct pingpong *pp = arg;
	int i;

	if (pin_to(pp->cpu[0]))
		pp->err = -EINVAL;
	for (i = 0; i < pp->iters; i++) {
		int64_t t0 = now_ns();
		int slept = 0;

		atomic_store(&pp->word, 1);
		futex(&pp->word, FUTEX_WAKE_PRIVATE, 1);
		while (atomic_load(&pp->word) != 0)
			slept |= !futex(&pp->word, FUTEX_WAIT_PRIVATE, 1);
		if (i >= RT_WARMUP) {
			pp->rt[i - RT_WARMUP] = now_ns() - t0;
			pp->slept[0][i - RT_WARMUP] = slept;
		}
	}
	return NULL;
}

/*
 * One repeat of the two-wake floor, the pinger on CPU 0 and the ponger
 * on @pong_cpu: the median us of the round trips in which both sides
 * slept (a side that finds its turn already come does not sleep, and
 * that round trip has one wake-up, or none), and their share; -ENODEV
 * on one CPU.  With @pong_cpu 0 too, the round trip that stays on one
 * CPU: there the woken side mostly runs before the waker sleeps (the
 * share in which both slept says how often not), so the figure is the
 * median of every round trip.  The pinger is this thread, pinned for
 * the while.
 */
static int time_two_wakes(int pong_cpu, double *med, double *slept_pct)
{
	static int64_t rt[RT_ITERS], both[RT_ITERS];
	static char ping[RT_ITERS], pong[RT_ITERS];
	struct pingpong pp = {
		.cpu = { 0, pong_cpu },
		.iters = RT_WARMUP + RT_ITERS, .rt = rt,
		.slept = { ping, pong },
	};
	cpu_set_t saved;
	pthread_t b;
	int i, n = 0;

	if ((pong_cpu && sysconf(_SC_NPROCESSORS_ONLN) < 2) ||
	    pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved))
		return -ENODEV;
	if (pthread_create(&b, NULL, ponger, &pp))
		return -ENOMEM;
	pinger(&pp);
	pthread_join(b, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	if (pp.err)
		return pp.err;
	for (i = 0; i < RT_ITERS; i++)
		if (ping[i] && pong[i])
			both[n++] = rt[i];
	*slept_pct = 100.0 * n / RT_ITERS;
	if (!pong_cpu) {
		*med = median_us(rt, RT_ITERS);
		return 0;
	}
	if (!n)
		return -EAGAIN;
	*med = median_us(both, n);
	return 0;
}

/*
 * Debian's vgem, for a DRM fence cycle: the UAPI of
 * include/uapi/drm/vgem_drm.h, which no userspace package ships.
 */
struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;		/* VGEM_FENCE_WRITE: an exclusive fence */
	uint32_t out_fence;
	uint32_t pad;
};

struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define VGEM_FENCE_WRITE	0x1
#define VGEM_IOCTL_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

struct vgem {
	int fd;			/* the vgem node */
	uint32_t handle;	/* a one-page BO */
	int dmabuf;		/* the BO, exported */
};

/* Open vgem's primary node and one BO of it; -ENODEV when not loaded. */
static int vgem_open(struct vgem *v)
{
	struct drm_mode_create_dumb dumb = {
		.width = 1024, .height = 1, .bpp = 32,
	};
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	char path[64], name[16];
	int i, ret;

	v->fd = -1;
	for (i = 0; i < 16 && v->fd < 0; i++) {
		struct drm_version ver = {
			.name = name, .name_len = sizeof(name) - 1,
		};
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &ver) && !strcmp(name, "vgem"))
			v->fd = fd;
		else
			close(fd);
	}
	if (v->fd < 0)
		return -ENODEV;
	if (ioctl(v->fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb)) {
		ret = fail("vgem: DRM_IOCTL_MODE_CREATE_DUMB", -errno);
		close(v->fd);
		return ret;
	}
	v->handle = dumb.handle;
	prime.handle = dumb.handle;
	if (ioctl(v->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime)) {
		ret = fail("vgem: DRM_IOCTL_PRIME_HANDLE_TO_FD", -errno);
		close(v->fd);
		return ret;
	}
	v->dmabuf = prime.fd;
	return 0;
}

static void vgem_close(struct vgem *v)
{
	close(v->dmabuf);
	close(v->fd);	/* frees the BO */
}

/*
 * One repeat of the vgem fence cycle: attach a write fence, signal it,
 * poll the dma-buf until its fences are signalled.  Median us.
 */
static int time_vgem(struct vgem *v, double *med)
{
	static int64_t rt[RT_ITERS];
	int i;

	for (i = -RT_WARMUP; i < RT_ITERS; i++) {
		struct vgem_fence_attach at = {
			.handle = v->handle, .flags = VGEM_FENCE_WRITE,
		};
		struct vgem_fence_signal sig = { 0 };
		struct pollfd pfd = { .fd = v->dmabuf, .events = POLLOUT };
		int64_t t0 = now_ns();

		if (ioctl(v->fd, VGEM_IOCTL_FENCE_ATTACH, &at))
			return fail("vgem: FENCE_ATTACH", -errno);
		sig.fence = at.out_fence;
		if (ioctl(v->fd, VGEM_IOCTL_FENCE_SIGNAL, &sig))
			return fail("vgem: FENCE_SIGNAL", -errno);
		if (poll(&pfd, 1, 1000) != 1 || !(pfd.revents & POLLOUT))
			return fail("vgem: poll on the dma-buf", -ETIME);
		if (i >= 0)
			rt[i] = now_ns() - t0;
	}
	*med = median_us(rt, RT_ITERS);
	return 0;
}

/*
 * One repeat of (b): 64 null jobs per SUBMIT, then wait for them all,
 * one by one or (@one_wait) with one npu_job_wait_all(); per job, us, of
 * the whole (median and p10) and of the submit ioctl alone (median) over
 * BATCH_REPS rounds: a round the host's other load stalls weighs no more
 * than one.
 */
static int time_batch(struct npu_job **jobs, int one_wait, double *per_job,
		      double *p10_per_job, double *submit_per_job)
{
	int64_t submit_ns[BATCH_REPS], total_ns[BATCH_REPS];
	unsigned int submitted;
	int i, r, ret = 0;

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
		if (one_wait && submitted) {
			int w = wait_all_done(jobs, submitted);

			if (!ret)
				ret = w;
		}
		for (i = 0; !one_wait && i < (int)submitted; i++) {
			int w = wait_done(jobs[i], NULL);

			if (!ret)
				ret = w;
		}
		if (r >= 0) {	/* the first round warms up */
			submit_ns[r] = t1 - t0;
			total_ns[r] = now_ns() - t0;
		}
	}
	if (ret)
		return ret;
	*per_job = median_us(total_ns, BATCH_REPS) / BATCH;
	*p10_per_job = pct_us(total_ns, BATCH_REPS, 10) / BATCH;
	*submit_per_job = median_us(submit_ns, BATCH_REPS) / BATCH;
	return 0;
}

static const char *floor_error(int err)
{
	return err == -ENODEV ? "fewer than two CPUs" :
	       err == -EAGAIN ? "no round trip in which both sides slept" :
	       err == -EINVAL ? "cannot pin the threads" : strerror(-err);
}

/* The repeats of one ping-pong figure that had one. */
struct pingpong_figure {
	int pong_cpu;
	int have;		/* repeats with a figure */
	int err;		/* of the last repeat without one */
	double us[RT_REPEATS], slept[RT_REPEATS];
};

/* One more repeat; a repeat without a figure leaves the others theirs. */
static void pingpong_repeat(struct pingpong_figure *f)
{
	int e;

	if (f->err == -ENODEV)
		return;
	e = time_two_wakes(f->pong_cpu, &f->us[f->have], &f->slept[f->have]);
	if (e)
		f->err = e;
	else
		f->have++;
}

/*
 * Print a ping-pong figure: the median of its repeats, with their share
 * in which both sides slept; n.a. without one.
 * Return: the median, or 0.
 */
static double pingpong_print(struct pingpong_figure *f, const char *name,
			     const char *how, const char *share)
{
	double m;

	if (!f->have) {
		printf("  %s: n.a. (%s)\n", name, floor_error(f->err));
		return 0;
	}
	m = median(f->us, f->have);
	printf("  %s (%s): %.1f us (%s %.0f %%", name, how, m, share,
	       median(f->slept, f->have));
	if (f->have < RT_REPEATS)
		printf("; %d of %d repeats", f->have, RT_REPEATS);
	printf(")\n");
	return m;
}

/*
 * (a) and (b), in RT_REPEATS interleaved repeats so that a slow phase of
 * the host weighs on every figure alike; each figure is the median of
 * its repeats' medians.
 */
static int bench_round_trips(void)
{
	double q[RT_REPEATS], nj[RT_REPEATS], p10[RT_REPEATS], p90[RT_REPEATS];
	double vg[RT_REPEATS], bj[RT_REPEATS], bs[RT_REPEATS], bp[RT_REPEATS];
	struct pingpong_figure ww = { .pong_cpu = 1 }, w1 = { .pong_cpu = 0 };
	double b1[RT_REPEATS], b1p[RT_REPEATS], b1s[RT_REPEATS];
	struct npu_job *job = NULL, *jobs[BATCH] = { 0 };
	double qm, njm, wwm, w1m, vgm = 0, bjm, bsm;
	int have_vg;
	struct vgem v = { .fd = -1, .dmabuf = -1 };
	int i, r, ret;

	have_vg = !vgem_open(&v);
	ret = null_job_new(0, &job);
	for (i = 0; i < BATCH && !ret; i++)
		ret = null_job_new(0, &jobs[i]);
	for (r = 0; r < RT_REPEATS && !ret; r++) {
		ret = time_query(&q[r]);
		if (!ret)
			ret = time_null_job(job, &nj[r], &p10[r], &p90[r]);
		if (!ret) {
			pingpong_repeat(&ww);
			pingpong_repeat(&w1);
		}
		if (!ret && have_vg)
			ret = time_vgem(&v, &vg[r]);
		if (!ret)
			ret = time_batch(jobs, 0, &bj[r], &bp[r], &bs[r]);
		if (!ret)
			ret = time_batch(jobs, 1, &b1[r], &b1p[r], &b1s[r]);
	}
	npu_job_destroy(job);
	for (i = 0; i < BATCH; i++)
		npu_job_destroy(jobs[i]);
	if (have_vg)
		vgem_close(&v);
	if (ret)
		return ret;

	qm = median(q, RT_REPEATS);
	njm = median(nj, RT_REPEATS);
	bjm = median(bj, RT_REPEATS);
	bsm = median(bs, RT_REPEATS);
	printf("round trips, medians of %d interleaved repeats of %d:\n",
	       RT_REPEATS, RT_ITERS);
	printf("  DEV_QUERY ioctl: %.2f us\n", qm);
	wwm = pingpong_print(&ww, "two-wake floor",
			     "futex ping-pong, CPU 0 <-> CPU 1",
			     "the round trips in which both sides slept:");
	w1m = pingpong_print(&w1, "one-CPU round trip",
			     "futex ping-pong, both on CPU 0",
			     "every round trip; both sides slept in");
	if (have_vg) {
		vgm = median(vg, RT_REPEATS);
		printf("  vgem fence cycle (attach, signal, poll the dma-buf): %.2f us\n",
		       vgm);
	} else {
		printf("  vgem fence cycle: n.a. (vgem not loaded)\n");
	}
	printf("  null job, submit then JOB_WAIT: %.1f us (p10 %.1f us, p90 %.1f us) = %.1fx DEV_QUERY",
	       njm, median(p10, RT_REPEATS), median(p90, RT_REPEATS),
	       njm / qm);
	if (ww.have)
		printf(", %.2fx the two-wake floor (goal 1.3x; at p10 %.2fx)",
		       njm / wwm, median(p10, RT_REPEATS) / wwm);
	if (w1.have)
		printf(", %.2fx the one-CPU round trip", njm / w1m);
	if (have_vg)
		printf(", %.1fx vgem", njm / vgm);
	printf("\n");
	printf("  %d null jobs in one submit, %d JOB_WAITs: %.1f us per job (p10 %.1f us) = %.2fx DEV_QUERY (goal 2x); "
	       "the submit ioctl alone %.2f us per job = %.2fx; %.1fx cheaper than one job per round trip\n",
	       BATCH, BATCH, bjm, median(bp, RT_REPEATS), bjm / qm, bsm,
	       bsm / qm, njm / bjm);
	printf("  %d null jobs in one submit, one wait for all: %.1f us per job (p10 %.1f us) = %.2fx DEV_QUERY (goal 2x); "
	       "the submit ioctl alone %.2f us per job\n",
	       BATCH, median(b1, RT_REPEATS), median(b1p, RT_REPEATS),
	       median(b1, RT_REPEATS) / qm, median(b1s, RT_REPEATS));
	return 0;
}

/* @count BOs of one device page each, zeroed by the kernel. */
static int new_bos(struct npu_bo **bos, int count)
{
	int i, ret;

	for (i = 0; i < count; i++) {
		ret = npu_bo_new(dev, 4096, 0, &bos[i]);
		if (ret)
			return fail("npu_bo_new", ret);
	}
	return 0;
}

/*
 * List a matmul job's four BOs on @job: the regcmd BO and A (shared by
 * the jobs of a run, read), the job's slice of B (read) and of C
 * (written).
 */
static int add_matmul_bos(struct npu_job *job, struct npu_bo *regcmd,
			  struct npu_bo *a, struct npu_bo *b, struct npu_bo *c,
			  uint32_t flags)
{
	int ret;

	ret = npu_job_add_bo(job, regcmd, flags);
	if (!ret)
		ret = npu_job_add_bo(job, a, flags);
	if (!ret)
		ret = npu_job_add_bo(job, b, flags);
	if (!ret)
		ret = npu_job_add_bo(job, c, flags | NPU_JOB_BO_WRITE);
	return ret ? fail("npu_job_add_bo", ret) : 0;
}

/*
 * (c) The submit ioctl of a matmul's shape of jobs: one null job per
 * core, each listing four BOs, waited for before the next submit.  Its
 * spread (mean and max against the median) shows whether the first job
 * starts, and takes the CPU, while the submit still handles the others.
 * With @bo_flags NPU_JOB_BO_NO_IMPLICIT the BOs' implicit waits are
 * skipped; @median gets the median.
 */
static int bench_matmul_submit(struct npu_bo *regcmd, uint32_t bo_flags,
			       double *median)
{
	static int64_t t[SUBMIT_ITERS];
	struct npu_bo *bos[1 + 2 * MATMUL_JOBS] = { 0 };
	struct npu_job *jobs[MATMUL_JOBS] = { 0 };
	unsigned int n = core_count < MATMUL_JOBS ? core_count : MATMUL_JOBS;
	int64_t sum = 0;
	int i, j, ret;

	ret = new_bos(bos, 1 + 2 * MATMUL_JOBS);
	for (j = 0; j < (int)n && !ret; j++) {
		ret = null_job_new(1u << j, &jobs[j]);
		if (!ret)
			ret = add_matmul_bos(jobs[j], regcmd, bos[0],
					     bos[1 + 2 * j], bos[2 + 2 * j],
					     bo_flags);
	}
	for (i = -RT_WARMUP; i < SUBMIT_ITERS && !ret; i++) {
		int64_t t0 = now_ns(), dt;

		ret = npu_job_submit(jobs, n, NULL);
		dt = now_ns() - t0;
		if (ret) {
			fail("npu_job_submit", ret);
			break;
		}
		for (j = 0; j < (int)n && !ret; j++)
			ret = wait_done(jobs[j], NULL);
		if (i >= 0) {
			t[i] = dt;
			sum += dt;
		}
	}
	for (j = 0; j < (int)n; j++)
		npu_job_destroy(jobs[j]);
	for (i = 0; i < 1 + 2 * MATMUL_JOBS; i++)
		npu_bo_unref(bos[i]);
	if (ret)
		return ret;
	qsort(t, SUBMIT_ITERS, sizeof(t[0]), cmp_i64);
	*median = pct_us(t, SUBMIT_ITERS, 50);
	printf("a %u-job submit (one null job per core, %d BOs each%s), the ioctl: median %.1f us, mean %.1f us, max %.1f us  (%d runs)\n",
	       n, MATMUL_BOS, bo_flags & NPU_JOB_BO_NO_IMPLICIT ?
	       ", no implicit sync" : "", pct_us(t, SUBMIT_ITERS, 50),
	       sum / 1e3 / SUBMIT_ITERS, t[SUBMIT_ITERS - 1] / 1e3,
	       SUBMIT_ITERS);
	return 0;
}

/*
 * (d) The BO list's share of a one-job submit: the submit ioctl of a
 * null job listing a matmul job's four BOs against the same job listing
 * none, interleaved; each submit is waited for.
 */
static int bench_bo_list(struct npu_bo *regcmd)
{
	static int64_t t[2][SUBMIT_ITERS];
	struct npu_bo *bos[3] = { 0 };
	struct npu_job *jobs[2] = { 0 };
	double bare, listed, p10_bare, p10_listed;
	int i, k, ret;

	ret = new_bos(bos, 3);
	for (k = 0; k < 2 && !ret; k++)
		ret = null_job_new(0, &jobs[k]);
	if (!ret)
		ret = add_matmul_bos(jobs[1], regcmd, bos[0], bos[1], bos[2], 0);
	for (i = -RT_WARMUP; i < SUBMIT_ITERS && !ret; i++) {
		for (k = 0; k < 2 && !ret; k++) {
			int64_t t0 = now_ns(), dt;

			ret = npu_job_submit(&jobs[k], 1, NULL);
			dt = now_ns() - t0;
			if (ret) {
				fail("npu_job_submit", ret);
				break;
			}
			ret = wait_done(jobs[k], NULL);
			if (i >= 0)
				t[k][i] = dt;
		}
	}
	for (k = 0; k < 2; k++)
		npu_job_destroy(jobs[k]);
	for (i = 0; i < 3; i++)
		npu_bo_unref(bos[i]);
	if (ret)
		return ret;
	bare = median_us(t[0], SUBMIT_ITERS);
	listed = median_us(t[1], SUBMIT_ITERS);
	/* p10s too: a busy host moves the medians by more than the list */
	p10_bare = pct_us(t[0], SUBMIT_ITERS, 10);
	p10_listed = pct_us(t[1], SUBMIT_ITERS, 10);
	printf("BO list handling: a 1-job submit ioctl with %d BOs %.1f us, with none %.1f us: %.0f %% of the submit (at p10: %.1f us, %.1f us, %.0f %%)  (%d each)\n",
	       MATMUL_BOS, listed, bare, 100 * (listed - bare) / listed,
	       p10_listed, p10_bare, 100 * (p10_listed - p10_bare) / p10_listed,
	       SUBMIT_ITERS);
	return 0;
}

/*
 * (e) ioctls per matmul: a GEMM plan of a stories110M projection
 * (M 1, K 768, N 2048, fp16), run GEMM_RUNS times after a warm-up, the
 * ioctls of this process counted around the runs.  @group's dies share
 * the columns.
 */
static int count_gemm_ioctls(struct npu_device_group *group, int dies)
{
	struct npu_gemm_weights_desc wd = {
		.k = 768, .n = 2048, .in_type = NPU_DTYPE_FP16, .dies = dies,
	};
	struct npu_gemm_plan_desc pd = {
		.m_max = 1, .out_type = NPU_DTYPE_FP32,
	};
	struct npu_gemm_weights *w = NULL;
	struct npu_gemm_plan *plan = NULL;
	int64_t sub_ns[GEMM_RUNS], sub_sum = 0;
	unsigned long all, sub, wt;
	uint16_t *a = NULL, *b = NULL;
	float *c = NULL;
	int i, ret;

	a = calloc(wd.k, sizeof(*a));
	b = calloc((size_t)wd.k * wd.n, sizeof(*b));
	c = calloc(wd.n, sizeof(*c));
	ret = a && b && c ? 0 : -ENOMEM;
	if (!ret)
		ret = npu_gemm_weights_new(group, &wd, &w);
	if (!ret)
		ret = npu_gemm_weights_set(w, b);
	if (!ret)
		ret = npu_gemm_plan_new(w, &pd, &plan);
	if (!ret)
		ret = npu_gemm_plan_run(plan, 1, a, c);	/* emits the streams */
	all = atomic_load(&ioctls_all);
	sub = atomic_load(&ioctls_submit);
	wt = atomic_load(&ioctls_wait);
	/*
	 * A run is its submit and its wait: the submit alone is timed too,
	 * the real matmul beside (c)'s null jobs.
	 */
	for (i = 0; i < GEMM_RUNS && !ret; i++) {
		struct npu_gemm_run run = { .m = 1, .a = a, .c = c };
		int64_t t0 = now_ns();

		ret = npu_gemm_plan_submit(plan, &run);
		sub_ns[i] = now_ns() - t0;
		sub_sum += sub_ns[i];
		if (!ret)
			ret = npu_gemm_plan_wait(plan, -1);
	}
	all = atomic_load(&ioctls_all) - all;
	sub = atomic_load(&ioctls_submit) - sub;
	wt = atomic_load(&ioctls_wait) - wt;
	if (ret) {
		fail("a GEMM plan run", ret);
	} else {
		struct npu_gemm_info info;
		unsigned int cores = 0;
		int d;

		for (d = 0; d < dies; d++)
			if (!npu_gemm_plan_info(plan, d, &info))
				cores += info.cores;
		printf("ioctls per matmul, 1x768x2048 fp16 on %d die%s (%u cores in all): %.2f (%.2f SUBMIT, %.2f JOB_WAIT, %.2f other) = %.2f per die  (%d runs)\n",
		       dies, dies > 1 ? "s" : "", cores,
		       (double)all / GEMM_RUNS, (double)sub / GEMM_RUNS,
		       (double)wt / GEMM_RUNS,
		       (double)(all - sub - wt) / GEMM_RUNS,
		       (double)all / GEMM_RUNS / dies, GEMM_RUNS);
		qsort(sub_ns, GEMM_RUNS, sizeof(sub_ns[0]), cmp_i64);
		printf("  its submit (npu_gemm_plan_submit: packing A, then one SUBMIT per die): median %.1f us, mean %.1f us, max %.1f us\n",
		       pct_us(sub_ns, GEMM_RUNS, 50), sub_sum / 1e3 / GEMM_RUNS,
		       sub_ns[GEMM_RUNS - 1] / 1e3);
	}
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	free(a);
	free(b);
	free(c);
	return ret;
}

static int bench_gemm_ioctls(unsigned int die)
{
	struct npu_device_group *group = NULL;
	int ret, dies;

	ret = npu_device_group_new(&dev, 1, &group);
	if (ret)
		return fail("npu_device_group_new", ret);
	ret = count_gemm_ioctls(group, 1);
	npu_device_group_unref(group);
	if (ret)
		return ret;

	ret = npu_device_group_open(die, &group);
	if (ret) {
		printf("ioctls per matmul on every die: n.a. (%s)\n",
		       strerror(-ret));
		return 0;
	}
	dies = npu_device_group_count(group);
	if (dies > 1)
		ret = count_gemm_ioctls(group, dies);
	else
		printf("ioctls per matmul on every die: n.a. (a package of one die)\n");
	npu_device_group_unref(group);
	return ret;
}

/*
 * (g) The null round trip, traced: tracefs events of the kernel (the
 * ioctl syscalls of this thread, drm_sched's job events, wake-ups and
 * work items) around TRACE_ITERS round trips, each opened by a marker;
 * the phases are the medians of the gaps between them, apart for the
 * round trips whose waiter slept and those whose job had ended before
 * JOB_WAIT looked.  Tracing costs time of its own, so the traced round
 * trip is longer than (a)'s.
 */
#define TRACE_ITERS	50

enum {
	TP_ENTER,	/* the SUBMIT syscall entered */
	TP_PUSH,	/* drm_sched_job: the job reached its entity */
	TP_RETURN,	/* the SUBMIT syscall returned */
	TP_RUN,		/* drm_run_job: the scheduler's worker runs it */
	TP_DONE,	/* drm_sched_process_job: the hardware fence signalled */
	TP_WAKE,	/* the waiter (this thread) woken */
	TP_EXIT,	/* the JOB_WAIT syscall returned */
	TP_COUNT
};

struct trace_iter {
	double t[TP_COUNT];	/* s, trace clock mono; 0 when not seen */
	int cpu_push;		/* where the job was pushed (drm_sched_job) */
	int cpu_run;		/* where drm_run_job was traced */
	int works_queue;	/* work items started between push and run */
	int works_device;	/* work items started between run and done */
};

static const char *tracefs(void)
{
	return access("/sys/kernel/tracing/trace", F_OK) ?
	       "/sys/kernel/debug/tracing" : "/sys/kernel/tracing";
}

static int trace_write(const char *file, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", tracefs(), file);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ret = fclose(f) ? -errno : 0;
	return ret;
}

static void trace_stop(void)
{
	trace_write("tracing_on", "0\n");
	trace_write("events/enable", "0\n");
	trace_write("events/raw_syscalls/filter", "0\n");
	trace_write("events/sched/sched_wakeup/filter", "0\n");
	trace_write("trace_clock", "local\n");
}

static int trace_start(pid_t tid)
{
	static const char *const events[] = {
		"raw_syscalls/sys_enter", "raw_syscalls/sys_exit",
		"gpu_scheduler/drm_sched_job", "gpu_scheduler/drm_run_job",
		"gpu_scheduler/drm_sched_process_job",
		"sched/sched_wakeup", "workqueue/workqueue_execute_start",
	};
	char file[128];
	unsigned int i;
	int ret;

	ret = trace_write("tracing_on", "0\n");
	/* one clock for both CPUs, so that gaps across them mean something */
	if (!ret)
		ret = trace_write("trace_clock", "mono\n");
	if (!ret)
		ret = trace_write("events/enable", "0\n");
	if (!ret)
		ret = trace_write("trace", "\n");
	if (!ret)
		ret = trace_write("events/raw_syscalls/filter",
				  "common_pid == %d && id == %d\n", (int)tid,
				  (int)SYS_ioctl);
	if (!ret)
		ret = trace_write("events/sched/sched_wakeup/filter",
				  "pid == %d\n", (int)tid);
	for (i = 0; i < sizeof(events) / sizeof(events[0]) && !ret; i++) {
		snprintf(file, sizeof(file), "events/%s/enable", events[i]);
		ret = trace_write(file, "1\n");
	}
	if (!ret)
		ret = trace_write("tracing_on", "1\n");
	if (ret)
		trace_stop();
	return ret;
}

/* Sort the trace's lines into @it[] by the markers; -EIO when none. */
static int trace_parse(struct trace_iter *it, int n)
{
	char path[PATH_MAX], line[512];
	struct trace_iter *cur = NULL;
	int seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", tracefs());
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[64], *p = strchr(line, ']'), *q;
		double ts;
		int k, cpu;

		if (line[0] == '#' || !p ||
		    sscanf(p + 1, " %*s %lf: %63[^:]:", &ts, name) != 2)
			continue;
		/* the CPU: "[001]" just before */
		for (q = p; q > line && *q != '['; q--)
			;
		cpu = *q == '[' ? atoi(q + 1) : -1;
		if (!strcmp(name, "tracing_mark_write")) {
			p = strstr(line, "npu-bench rt ");
			if (p && sscanf(p, "npu-bench rt %d", &k) == 1 &&
			    k >= 0 && k < n) {
				cur = &it[k];
				seen++;
			}
			continue;
		}
		if (!cur)
			continue;
		if (!strcmp(name, "sys_enter")) {
			if (!cur->t[TP_ENTER])
				cur->t[TP_ENTER] = ts;
		} else if (!strcmp(name, "sys_exit")) {
			if (!cur->t[TP_RETURN])
				cur->t[TP_RETURN] = ts;
			else
				cur->t[TP_EXIT] = ts;
		} else if (!strcmp(name, "drm_sched_job")) {
			cur->t[TP_PUSH] = ts;
			cur->cpu_push = cpu;
		} else if (!strcmp(name, "drm_run_job")) {
			cur->t[TP_RUN] = ts;
			cur->cpu_run = cpu;
		} else if (!strcmp(name, "drm_sched_process_job")) {
			cur->t[TP_DONE] = ts;
		} else if (!strcmp(name, "sched_wakeup")) {
			/* the wake-up that ends the wait, not an earlier one */
			if (cur->t[TP_DONE] && !cur->t[TP_WAKE])
				cur->t[TP_WAKE] = ts;
		} else if (!strcmp(name, "workqueue_execute_start")) {
			if (cur->t[TP_PUSH] && !cur->t[TP_RUN])
				cur->works_queue++;
			else if (cur->t[TP_RUN] && !cur->t[TP_DONE])
				cur->works_device++;
		}
	}
	fclose(f);
	return seen ? 0 : -EIO;
}

/* The traced round trips of one kind, and the gaps between their points. */
struct trace_group {
	int n;			/* round trips */
	int same_cpu;		/* of them, run_job on the CPU of the push */
	double gap[TP_COUNT][TRACE_ITERS], total[TRACE_ITERS];
	double wq[TRACE_ITERS], wd[TRACE_ITERS];
};

/*
 * Add a traced round trip to its group: @slept, the waiter slept and was
 * woken after the hardware fence; otherwise the job had ended before
 * JOB_WAIT looked.  The submit's return runs beside the worker, so its
 * gap is from the push.
 */
static void trace_group_add(struct trace_group *g, const struct trace_iter *it,
			    bool slept)
{
	const double *t = it->t;
	int n = g->n++;

	g->gap[TP_PUSH][n] = t[TP_PUSH] - t[TP_ENTER];
	g->gap[TP_RETURN][n] = t[TP_RETURN] - t[TP_PUSH];
	g->gap[TP_RUN][n] = t[TP_RUN] - t[TP_PUSH];
	g->gap[TP_DONE][n] = t[TP_DONE] - t[TP_RUN];
	g->gap[TP_WAKE][n] = slept ? t[TP_WAKE] - t[TP_DONE] : 0;
	g->gap[TP_EXIT][n] = t[TP_EXIT] - (slept ? t[TP_WAKE] : t[TP_DONE]);
	g->total[n] = t[TP_EXIT] - t[TP_ENTER];
	g->wq[n] = it->works_queue;
	g->wd[n] = it->works_device;
	g->same_cpu += it->cpu_run == it->cpu_push;
}

static void trace_group_print(struct trace_group *g, bool slept)
{
	static const char *const phase[TP_COUNT] = {
		[TP_PUSH] = "job creation (syscall entry to drm_sched_job)",
		[TP_RETURN] = "rest of the submit ioctl, its return",
		[TP_RUN] = "scheduler wake and worker start (push to run_job)",
		[TP_DONE] = "the virtual NPU (run_job to the hardware fence)",
		[TP_WAKE] = "fence chain to the waiter's wake-up",
		[TP_EXIT] = "waiter wake-up to JOB_WAIT's return",
	};
	int k;

	if (!g->n)
		return;
	printf("  %d %s: %.1f us\n", g->n,
	       slept ? "whose waiter slept" :
		       "whose job had ended before JOB_WAIT looked (no sleep)",
	       median(g->total, g->n) * 1e6);
	for (k = 1; k < TP_COUNT; k++) {
		if (!slept && k == TP_WAKE)
			continue;
		printf("    %-58s %7.1f us%s\n",
		       !slept && k == TP_EXIT ?
		       "hardware fence to JOB_WAIT's return" : phase[k],
		       median(g->gap[k], g->n) * 1e6,
		       k == TP_RETURN ? "  (beside the next one)" : "");
	}
	printf("    run_job on the CPU of the push in %d of %d; work items started: %.0f between push and run_job, %.0f between run_job and the hardware fence (medians)\n",
	       g->same_cpu, g->n, median(g->wq, g->n), median(g->wd, g->n));
}

static int bench_traced(void)
{
	static struct trace_iter it[TRACE_ITERS];
	static struct trace_group g[2];		/* no sleep, slept */
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct npu_job *job = NULL;
	int i, k, ret;

	ret = null_job_new(0, &job);
	if (ret)
		return ret;
	if (trace_start(tid)) {
		printf("traced null round trip: n.a. (no tracefs events)\n");
		npu_job_destroy(job);
		return 0;
	}
	memset(it, 0, sizeof(it));
	for (i = 0; i < TRACE_ITERS && !ret; i++) {
		trace_write("trace_marker", "npu-bench rt %d\n", i);
		ret = npu_job_submit(&job, 1, NULL);
		if (ret)
			fail("npu_job_submit", ret);
		else
			ret = wait_done(job, NULL);
	}
	trace_write("tracing_on", "0\n");
	npu_job_destroy(job);
	if (!ret)
		ret = trace_parse(it, TRACE_ITERS);
	trace_write("trace", "\n");
	trace_stop();
	if (ret) {
		printf("traced null round trip: n.a. (%s)\n", strerror(-ret));
		return 0;
	}

	/* the round trips in which every point was seen, after the entry */
	memset(g, 0, sizeof(g));
	for (i = 0; i < TRACE_ITERS; i++) {
		bool slept = it[i].t[TP_WAKE] != 0;
		int ok = it[i].t[TP_ENTER] != 0;

		for (k = 1; k < TP_COUNT && ok; k++)
			ok = (!slept && k == TP_WAKE) ||
			     (it[i].t[k] && it[i].t[k] >= it[i].t[TP_ENTER]);
		if (ok)
			trace_group_add(&g[slept], &it[i], slept);
	}
	if (!g[0].n && !g[1].n) {
		printf("traced null round trip: n.a. (no complete round trip in the trace)\n");
		return 0;
	}
	printf("traced null round trip (tracefs, clock mono), medians of %d of %d round trips:\n",
	       g[0].n + g[1].n, TRACE_ITERS);
	trace_group_print(&g[1], true);
	trace_group_print(&g[0], false);
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
	fprintf(stderr, "usage: npu-bench [-d die] [-t ms] [-w us] [-s sections]\n");
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
	const char *sections = "abcdefg";
	double split = 0, split_explicit = 0;
	int opt, ret;

	while ((opt = getopt(argc, argv, "d:t:w:s:h")) != -1) {
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
		case 's':
			sections = optarg;
			if (strspn(sections, "abcdefg") != strlen(sections))
				usage();
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
	/* (a) and (b) run together: their repeats interleave */
	if (!ret && strpbrk(sections, "ab"))
		ret = bench_round_trips();
	if (!ret && strchr(sections, 'c'))
		ret = bench_matmul_submit(bo, 0, &split);
	/* the same without the BOs' implicit waits, where the kernel can */
	if (!ret && strchr(sections, 'c') && (caps & NPU_CAP_NO_IMPLICIT)) {
		ret = bench_matmul_submit(bo, NPU_JOB_BO_NO_IMPLICIT,
					  &split_explicit);
		if (!ret && split > 0)
			printf("  without implicit sync: %.2fx the submit time\n",
			       split_explicit / split);
	}
	if (!ret && strchr(sections, 'd'))
		ret = bench_bo_list(bo);
	if (!ret && strchr(sections, 'e'))
		ret = bench_gemm_ioctls(die);
	if (!ret && strchr(sections, 'g'))
		ret = bench_traced();
	if (!ret && strchr(sections, 'f'))
		ret = bench_cores("null jobs", ms);
	if (!ret && strchr(sections, 'f') && task_us &&
	    (caps & NPU_CAP_VIRTUAL)) {
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
