// SPDX-License-Identifier: MIT
/*
 * fuzz_ioctl: every ioctl of the npu driver with random and
 * structured-random arguments, interleaved with valid work, from several
 * threads of two processes at once, for a fixed seed and budget.
 *
 * Arguments are drawn from what breaks drivers: sizes at and around the
 * limits, zero and all-ones, flags and pads with stray bits, handles that
 * exist, existed or never did, counts that overflow, pointers that are
 * NULL, unmapped, misaligned, kernel addresses or into read-only memory,
 * VA ranges across 4 GiB, syncobj points out of order.  Every call must
 * return 0 or a clean errno; the kernel log (checked by the harness) must
 * stay free of splats; at the end a valid job must still run, in the
 * file that took the storm (unless a hung job got it banned) and in a new
 * one.
 *
 * With -f, the worker threads mark themselves for fault injection
 * (/proc/thread-self/make-it-fail): with failslab and fail_page_alloc
 * armed in debugfs for marked tasks only, the driver's allocations fail
 * under the storm, and every ioctl must still answer cleanly (ENOMEM
 * included).  The final check runs unmarked.
 *
 * Prints the calls made and an errno histogram.  Exit status 1 when an
 * errno outside the documented ones came back, or the final job failed.
 *
 * usage: fuzz_ioctl [-s seed] [-t seconds] [-n calls] [-j threads] [-f]
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "npu_helpers.h"

#define MAX_ERRNO	600
#define POOL		16

static atomic_ulong calls;
static atomic_ulong errnos[MAX_ERRNO + 1];	/* [0]: success */
static atomic_ulong odd;			/* errno not expected */
static int64_t deadline;
static unsigned long max_calls;
static void *ro_page, *rw_page;
static int inject;

struct fuzzer {
	int fd;
	uint64_t rng;
	uint32_t bos[POOL];
	uint32_t vms[POOL];
	uint32_t syncobjs[POOL];
	__u64 jobs[POOL];
};

static uint64_t next(struct fuzzer *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static uint32_t pick(struct fuzzer *f, uint32_t n)
{
	return (uint32_t)(next(f) % n);
}

/* A value from where the edges are. */
static uint64_t interesting(struct fuzzer *f)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 255, 256, 4095, 4096, 4097,
		65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
		0xfffff000, 0x100001000ull, 1ull << 40, 1ull << 63, ~0ull,
		~0ull - 4095, 0x7ffffffffffff000ull,
	};

	switch (pick(f, 4)) {
	case 0:
		return next(f);
	case 1:
		return next(f) & 0xffff;
	default:
		return v[pick(f, sizeof(v) / sizeof(v[0]))];
	}
}

/* A user pointer: NULL, unmapped, misaligned, kernel, read-only or fine. */
static uint64_t pointer(struct fuzzer *f, void *good)
{
	switch (pick(f, 8)) {
	case 0:
		return 0;
	case 1:
		return 0x10;
	case 2:
		return (uintptr_t)good + 1;
	case 3:
		return 0xffff888000000000ull;
	case 4:
		return (uintptr_t)ro_page;
	case 5:
		return (uintptr_t)rw_page + 4096 - 8;	/* runs off the page */
	default:
		return (uintptr_t)good;
	}
}

static uint32_t handle(struct fuzzer *f, const uint32_t *pool)
{
	return pick(f, 4) ? pool[pick(f, POOL)] : (uint32_t)interesting(f);
}

/* Errnos the driver documents, and what the DRM core adds. */
static int expected(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOENT: case ENOSPC: case ENOMEM:
	case E2BIG: case ETIME: case ETIMEDOUT: case EBUSY: case EBADFD:
	case EBADF: case ENOTTY: case ERANGE: case EOVERFLOW: case EAGAIN:
	case EINTR: case ECANCELED: case EPERM: case EACCES: case ENODEV:
	case EMFILE: case ENOSYS: case EOPNOTSUPP:
		return 1;
	default:
		return 0;
	}
}

static int do_ioctl(struct fuzzer *f, unsigned long nr, void *arg)
{
	int ret = ioctl(f->fd, nr, arg), e = ret ? errno : 0;

	atomic_fetch_add(&calls, 1);
	atomic_fetch_add(&errnos[e > 0 && e <= MAX_ERRNO ? e : 0], 1);
	if (e && !expected(e)) {
		atomic_fetch_add(&odd, 1);
		fprintf(stderr, "fuzz: ioctl %#lx: unexpected errno %d (%s)\n",
			nr, e, strerror(e));
	}
	return ret;
}

/* The null task every valid job runs, one per process. */
static struct npu_bo null_bo;

/* Submit a null job in the default VM; 0 or -errno; its id in @id. */
static int null_job(int fd, __u64 *id)
{
	struct drm_npu_task t = { .regcmd_va = null_bo.va, .regcmd_count = 4 };
	struct drm_npu_job j = { .tasks = (uintptr_t)&t, .task_count = 1 };
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)&j, .job_count = 1, .job_stride = sizeof(j),
	};
	int ret = ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s) ? -errno : 0;

	atomic_fetch_add(&calls, 1);
	*id = j.job_id;
	return ret;
}

/* Valid work, so that the random calls meet live objects. */
static void valid_ops(struct fuzzer *f)
{
	struct drm_npu_bo_create c = { .size = 4096 << pick(f, 6) };
	struct drm_npu_vm_create vc = { 0 };
	struct drm_syncobj_create sc = { 0 };
	uint32_t slot = pick(f, POOL);

	switch (pick(f, 4)) {
	case 0:
		if (!do_ioctl(f, DRM_IOCTL_NPU_BO_CREATE, &c)) {
			struct drm_gem_close gc = { .handle = f->bos[slot] };

			if (gc.handle)
				do_ioctl(f, DRM_IOCTL_GEM_CLOSE, &gc);
			f->bos[slot] = c.handle;
		}
		break;
	case 1:
		if (!do_ioctl(f, DRM_IOCTL_NPU_VM_CREATE, &vc)) {
			struct drm_npu_vm_destroy vd = { .vm_id = f->vms[slot] };

			if (vd.vm_id)
				do_ioctl(f, DRM_IOCTL_NPU_VM_DESTROY, &vd);
			f->vms[slot] = vc.vm_id;
		}
		break;
	case 2:
		if (!do_ioctl(f, DRM_IOCTL_SYNCOBJ_CREATE, &sc)) {
			struct drm_syncobj_destroy sd = { .handle = f->syncobjs[slot] };

			if (sd.handle)
				do_ioctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
			f->syncobjs[slot] = sc.handle;
		}
		break;
	default:
		null_job(f->fd, &f->jobs[slot]);
	}
}

/* One of the driver's ioctls with structured-random arguments. */
static void random_op(struct fuzzer *f, uint8_t *scratch)
{
	union {
		struct drm_npu_query q;
		struct drm_npu_bo_create bc;
		struct drm_npu_bo_info bi;
		struct drm_npu_bo_cpu_prep cp;
		struct drm_npu_bo_cpu_fini cf;
		struct drm_npu_vm_create vc;
		struct drm_npu_vm_destroy vd;
		struct drm_npu_vm_map vm;
		struct drm_npu_vm_unmap vu;
		struct drm_npu_submit s;
		struct drm_npu_job_wait w;
		struct drm_gem_close gc;
		struct drm_prime_handle ph;
		uint8_t raw[256];
	} a;
	struct drm_npu_job *jobs = (void *)scratch;
	struct drm_npu_task *tasks = (void *)(scratch + 2048);
	unsigned int i;

	memset(&a, 0, sizeof(a));
	if (!pick(f, 8)) {
		for (i = 0; i < sizeof(a.raw); i++)
			a.raw[i] = (uint8_t)next(f);
	}
	switch (pick(f, 13)) {
	case 0:
		a.q.type = (uint32_t)interesting(f) & 3;
		a.q.flags = pick(f, 8) ? 0 : (uint32_t)interesting(f);
		a.q.size = interesting(f);
		a.q.pointer = pointer(f, scratch);
		do_ioctl(f, DRM_IOCTL_NPU_QUERY, &a.q);
		break;
	case 1:
		a.bc.size = pick(f, 2) ? interesting(f) : 4096;
		a.bc.flags = pick(f, 4) ? 0 : (uint32_t)interesting(f);
		a.bc.placement = pick(f, 4) ? 0 : (uint32_t)interesting(f);
		a.bc.pad = pick(f, 8) ? 0 : 1;
		if (a.bc.size > (64u << 20))	/* keep memory for the others */
			a.bc.size &= (64u << 20) - 1;
		if (!do_ioctl(f, DRM_IOCTL_NPU_BO_CREATE, &a.bc)) {
			struct drm_gem_close gc = { .handle = a.bc.handle };

			do_ioctl(f, DRM_IOCTL_GEM_CLOSE, &gc);
		}
		break;
	case 2:
		a.bi.handle = handle(f, f->bos);
		do_ioctl(f, DRM_IOCTL_NPU_BO_INFO, &a.bi);
		break;
	case 3:
		a.cp.handle = handle(f, f->bos);
		a.cp.flags = (uint32_t)interesting(f) & 0x7;
		a.cp.timeout_ns = pick(f, 2) ? 0 : npu_now_ns() + 1000000;
		do_ioctl(f, DRM_IOCTL_NPU_BO_CPU_PREP, &a.cp);
		break;
	case 4:
		a.cf.handle = handle(f, f->bos);
		a.cf.flags = (uint32_t)interesting(f) & 0x7;
		do_ioctl(f, DRM_IOCTL_NPU_BO_CPU_FINI, &a.cf);
		break;
	case 5:
		a.vc.flags = pick(f, 4) ? 0 : (uint32_t)interesting(f);
		if (!do_ioctl(f, DRM_IOCTL_NPU_VM_CREATE, &a.vc)) {
			struct drm_npu_vm_destroy vd = { .vm_id = a.vc.vm_id };

			if (pick(f, 2))
				do_ioctl(f, DRM_IOCTL_NPU_VM_DESTROY, &vd);
		}
		break;
	case 6:
		a.vd.vm_id = handle(f, f->vms);
		do_ioctl(f, DRM_IOCTL_NPU_VM_DESTROY, &a.vd);
		break;
	case 7:
		a.vm.vm_id = pick(f, 2) ? 0 : handle(f, f->vms);
		a.vm.handle = handle(f, f->bos);
		a.vm.bo_offset = pick(f, 2) ? 0 : interesting(f);
		a.vm.size = pick(f, 2) ? 4096 : interesting(f);
		a.vm.va = interesting(f);
		a.vm.flags = pick(f, 2) ? DRM_NPU_MAP_READ | (uint32_t)pick(f, 8) :
			     (uint32_t)interesting(f);
		if (!do_ioctl(f, DRM_IOCTL_NPU_VM_MAP, &a.vm) && pick(f, 2)) {
			struct drm_npu_vm_unmap u = {
				.vm_id = a.vm.vm_id, .va = a.vm.va, .size = a.vm.size,
			};

			do_ioctl(f, DRM_IOCTL_NPU_VM_UNMAP, &u);
		}
		break;
	case 8:
		a.vu.vm_id = pick(f, 2) ? 0 : handle(f, f->vms);
		a.vu.va = interesting(f);
		a.vu.size = interesting(f);
		do_ioctl(f, DRM_IOCTL_NPU_VM_UNMAP, &a.vu);
		break;
	case 9: {
		uint32_t n = pick(f, 4) ? 1 + pick(f, 4) : (uint32_t)interesting(f);

		for (i = 0; i < 4; i++) {
			jobs[i] = (struct drm_npu_job){
				.tasks = pointer(f, tasks),
				.task_count = pick(f, 2) ? 1 : (uint32_t)interesting(f),
				.bos = pointer(f, f->bos),
				.bo_count = pick(f, 2) ? 0 : (uint32_t)interesting(f) % 20,
				.in_syncs = pointer(f, scratch + 3072),
				.in_sync_count = pick(f, 2) ? 0 : pick(f, 3),
				.out_syncs = pointer(f, scratch + 3584),
				.out_sync_count = pick(f, 2) ? 0 : pick(f, 3),
				.vm_id = pick(f, 2) ? 0 : handle(f, f->vms),
				.core_mask = pick(f, 2) ? 0 : (uint32_t)interesting(f),
				.flags = pick(f, 8) ? 0 : 1,
			};
			tasks[i] = (struct drm_npu_task){
				.regcmd_va = interesting(f),
				.regcmd_count = (uint32_t)interesting(f) % 70000,
			};
		}
		for (i = 0; i < 64; i++)	/* syncobj refs */
			((uint32_t *)(scratch + 3072))[i] =
				i % 4 == 0 ? handle(f, f->syncobjs) : (uint32_t)pick(f, 4);
		a.s.jobs = pointer(f, jobs);
		a.s.job_count = n;
		a.s.job_stride = pick(f, 2) ? sizeof(*jobs) : (uint32_t)interesting(f);
		a.s.flags = pick(f, 8) ? 0 : 1;
		if (!do_ioctl(f, DRM_IOCTL_NPU_SUBMIT, &a.s) && a.s.job_count)
			f->jobs[pick(f, POOL)] = jobs[0].job_id;
		break;
	}
	case 10:
		a.w.job_id = pick(f, 2) ? f->jobs[pick(f, POOL)] : interesting(f);
		a.w.flags = pick(f, 8) ? 0 : pick(f, 2) ? DRM_NPU_WAIT_SUBMIT :
			    (uint32_t)interesting(f);
		/* bounded: an absolute deadline at most 50 ms away, or a poll */
		a.w.timeout_ns = pick(f, 2) ? 0 : npu_now_ns() + 50000000;
		do_ioctl(f, DRM_IOCTL_NPU_JOB_WAIT, &a.w);
		break;
	case 11:
		a.gc.handle = handle(f, f->bos);
		if (!pick(f, 4))
			do_ioctl(f, DRM_IOCTL_GEM_CLOSE, &a.gc);
		break;
	default:
		a.ph.handle = handle(f, f->bos);
		a.ph.flags = pick(f, 2) ? DRM_CLOEXEC | DRM_RDWR : (uint32_t)interesting(f);
		if (!do_ioctl(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, &a.ph)) {
			struct drm_prime_handle back = { .fd = a.ph.fd };

			do_ioctl(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &back);
			close(a.ph.fd);
		}
		break;
	}
}

static int budget_left(void)
{
	return npu_now_ns() < deadline &&
	       atomic_load(&calls) < max_calls;
}

/*
 * Mark or unmark the calling thread for fault injection.  A marked thread's
 * own open and write may fail by injection: unmarking tries again.
 */
static void make_it_fail(int on)
{
	int tries, fd, ok = 0;

	for (tries = 0; !ok && tries < 100; tries++) {
		fd = open("/proc/thread-self/make-it-fail", O_WRONLY);
		if (fd < 0)
			continue;
		ok = write(fd, on ? "1" : "0", 1) == 1;
		close(fd);
	}
	if (!ok)
		fprintf(stderr, "fuzz: cannot %s fault injection\n",
			on ? "enable" : "disable");
}

static void *worker(void *arg)
{
	struct fuzzer *f = arg;
	uint8_t *scratch = calloc(1, 8192);

	if (!scratch)
		return NULL;
	if (inject)
		make_it_fail(1);
	while (budget_left()) {
		if (!pick(f, 8))
			valid_ops(f);
		else
			random_op(f, scratch);
	}
	if (inject)
		make_it_fail(0);
	free(scratch);
	return NULL;
}

/*
 * A fresh null task, mapped now, runs to completion on @fd.  The storm's
 * own null task is no proof either way: random VM_UNMAP calls on the
 * default VM may have taken its mapping away.  Returns 0, or -errno of
 * the call that failed, or -EIO; @why says which.
 */
static int null_job_runs(int fd, char *why, size_t len)
{
	struct drm_npu_job_wait w = { 0 };
	struct npu_bo bo = { 0 };
	uint64_t id = 0;
	int ret = npu_null_task(fd, 0, &bo);

	if (ret) {
		snprintf(why, len, "null task: %s", strerror(-ret));
		goto out;
	}
	ret = npu_submit_one(fd, 0, bo.va, 4, 0, &id);
	if (ret) {
		snprintf(why, len, "submit: %s", strerror(-ret));
		goto out;
	}
	w.job_id = id;
	w.timeout_ns = npu_now_ns() + 10000000000ll;
	if (ioctl(fd, DRM_IOCTL_NPU_JOB_WAIT, &w)) {
		ret = -errno;
		snprintf(why, len, "wait: %s", strerror(-ret));
		goto out;
	}
	if (w.status != DRM_NPU_JOB_DONE) {
		ret = -EIO;
		snprintf(why, len, "status %u reason %u error %d va %#llx",
			 w.status, w.reason, w.error,
			 (unsigned long long)w.fault_va);
	}
out:
	npu_bo_free(fd, &bo);
	return ret;
}

/*
 * The device survived: a null job runs in the file that took the storm
 * (unless a job of the storm hung and the file was banned: -EBADFD, a
 * documented outcome, reported) and in a file opened afterwards.
 */
static int device_works(int fd, const char *who)
{
	char why[128];
	int ret = null_job_runs(fd, why, sizeof(why)), fresh;

	if (ret == -EBADFD)
		printf("# %s: the file was banned by the storm\n", who);
	else if (ret)
		printf("# %s: a null job after the storm FAILED: %s\n", who, why);
	fresh = npu_open(0);
	if (fresh < 0) {
		ret = -errno;
		printf("# %s: cannot open the device again: %s\n", who,
		       strerror(-ret));
		return ret;
	}
	if (null_job_runs(fresh, why, sizeof(why))) {
		printf("# %s: a null job in a new file FAILED: %s\n", who, why);
		ret = -EIO;
	}
	close(fresh);
	return ret == -EBADFD ? 0 : ret;
}

static int run(uint64_t seed, int threads, const char *who)
{
	struct fuzzer f[8];
	pthread_t tid[8];
	int fd, i, e, started;

	fd = npu_open(0);
	if (fd < 0 || npu_null_task(fd, 0, &null_bo)) {
		fprintf(stderr, "fuzz: %s: no npu device\n", who);
		return 1;
	}
	for (started = 0; started < threads; started++) {
		memset(&f[started], 0, sizeof(f[started]));
		f[started].fd = fd;
		f[started].rng = seed * 0x9e3779b97f4a7c15ull + (uint64_t)started + 1;
		if (pthread_create(&tid[started], NULL, worker, &f[started]))
			break;
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (!started) {
		fprintf(stderr, "fuzz: %s: no thread started\n", who);
		return 1;
	}
	e = device_works(fd, who);
	npu_bo_free(fd, &null_bo);
	close(fd);
	printf("# %s: %lu calls; after the storm null jobs %s\n", who,
	       atomic_load(&calls), e ? "FAILED" : "ran");
	for (i = 0; i <= MAX_ERRNO; i++) {
		unsigned long n = atomic_load(&errnos[i]);

		if (n)
			printf("#   %-10s %8lu\n", i ? strerrorname_np(i) : "ok", n);
	}
	printf("# %s: %lu unexpected errnos\n", who, atomic_load(&odd));
	return e || atomic_load(&odd) ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	int seconds = 60, threads = 4, opt, status = 0, ret;
	pid_t child;

	max_calls = ~0ul;
	while ((opt = getopt(argc, argv, "s:t:n:j:f")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'n':
			max_calls = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			threads = atoi(optarg);
			break;
		case 'f':
			inject = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-s seed] [-t seconds] [-n calls] [-j threads] [-f]\n",
				argv[0]);
			return 2;
		}
	}
	if (threads < 1 || threads > 8 || seconds < 1) {
		fprintf(stderr, "fuzz: 1 to 8 threads, at least 1 second\n");
		return 2;
	}
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rw_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED || rw_page == MAP_FAILED)
		return 1;
	deadline = npu_now_ns() + (int64_t)seconds * 1000000000;
	printf("1..1\n# fuzz_ioctl: seed %llu, %d s, %d threads in each of 2 processes%s\n",
	       (unsigned long long)seed, seconds, threads,
	       inject ? ", allocations failing" : "");
	fflush(stdout);

	child = fork();
	if (child < 0)
		return 1;
	ret = run(child ? seed : seed + 1000, threads,
		  child ? "parent" : "child");
	if (!child) {
		fflush(stdout);
		_exit(ret);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = 1;
	printf("%s fuzz_ioctl: two processes, seed %llu\n", ret ? "not ok 1 -" : "ok 1 -",
	       (unsigned long long)seed);
	return ret;
}
