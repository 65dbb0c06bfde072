// SPDX-License-Identifier: MIT
/*
 * GEMMs through libnpu and the kernel on the NPU, against the CPU
 * reference GEMM in the same VM.
 *
 * int8 results must match exactly.  fp16 results must match the
 * reference bit for bit too: both sum exact fp32 products in k order with
 * round-to-nearest-even (Documentation/npu/virtual-npu.rst); on top, each
 * fp32 result must lie within the bound of sequential fp32 summation of
 * the exact sum, |err| <= k * 2^-24 * sum |a*b|, which is what a board
 * that sums in another order would also meet.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/npu_accel.h>

#include "kselftest_harness.h"
#include "npu.h"
#include "npu_gemm.h"
#include "npu_gemm_priv.h"
#include "gemm_helpers.h"

/* debugfs of virtual die 0: accel/, or dri/ with render nodes. */
static const char *dbg_die0(void)
{
	return access("/sys/kernel/debug/accel/npu-virtual.0", F_OK) ?
	       "/sys/kernel/debug/dri/npu-virtual.0" :
	       "/sys/kernel/debug/accel/npu-virtual.0";
}

/*
 * Work per shape the TCG guest does in about a second (int8) or half a
 * second (fp16, soft-float on both sides): larger shapes of the matrix
 * are left out here and covered by named_and_odd_shapes.
 */
#define MAX_MACS_INT8	(40u * 1000 * 1000)
#define MAX_MACS_FP16	(4u * 1000 * 1000)

/* The fp32 error bound of sequential summation against a double sum. */
static int check_fp32_bound(const struct npu_gemm_desc *d, const uint16_t *a,
			    const uint16_t *b, const float *c, double *worst)
{
	uint32_t m, n, k;

	for (m = 0; m < d->m; m++)
		for (n = 0; n < d->n; n++) {
			double sum = 0, mag = 0, err;

			for (k = 0; k < d->k; k++) {
				double p = (double)npu_fp16_to_fp32(a[(size_t)m * d->k + k]) *
					   npu_fp16_to_fp32(b[(size_t)n * d->k + k]);

				sum += p;
				mag += fabs(p);
			}
			err = fabs(c[(size_t)m * d->n + n] - sum);
			if (mag > 0 && err / mag > *worst)
				*worst = err / mag;
			if (err > d->k * ldexp(1.0, -24) * mag)
				return -1;
		}
	return 0;
}

struct gemm_result {
	int ret;
	int exact;
	int bound_ok;
	double worst_rel;
	double npu_ms, cpu_ms;
	uint32_t cores, tasks;
};

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void run_gemm(struct npu_device_group *group,
		     const struct npu_gemm_desc *d, uint32_t cores,
		     struct gemm_result *r)
{
	size_t es = d->in_type == NPU_DTYPE_INT8 ? 1 : 2;
	struct npu_gemm_weights *w = NULL;
	struct npu_gemm_plan *plan = NULL;
	struct npu_gemm_info info;
	void *a, *b, *c, *ref;
	struct timespec t0;

	memset(r, 0, sizeof(*r));
	a = malloc((size_t)d->m * d->k * es);
	b = malloc((size_t)d->n * d->k * es);
	c = malloc((size_t)d->m * d->n * gemm_out_size(d));
	ref = malloc((size_t)d->m * d->n * gemm_out_size(d));
	if (!a || !b || !c || !ref) {
		r->ret = -ENOMEM;
		goto out;
	}
	gemm_fill(d, a, (size_t)d->m * d->k);
	gemm_fill(d, b, (size_t)d->n * d->k);

	r->ret = gemm_weights_new(group, d->k, d->n, d->in_type, 0, b, &w);
	if (!r->ret)
		r->ret = gemm_plan_new(w, d->m, d->out_type, cores, &plan);
	if (!r->ret)
		r->ret = npu_gemm_plan_info(plan, 0, &info);
	if (r->ret)
		goto out;
	r->cores = info.cores;
	r->tasks = info.tasks;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->ret = npu_gemm_plan_run(plan, d->m, a, c);
	r->npu_ms = ms_since(&t0);
	if (r->ret)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	npu_gemm_reference(d, a, b, ref);
	r->cpu_ms = ms_since(&t0);
	r->exact = !memcmp(c, ref, (size_t)d->m * d->n * gemm_out_size(d));
	r->bound_ok = 1;
	if (d->out_type == NPU_DTYPE_FP32)
		r->bound_ok = !check_fp32_bound(d, a, b, c, &r->worst_rel);
out:
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	free(a);
	free(b);
	free(c);
	free(ref);
}

/* Die 0, and a group of that die alone: the single-die GEMM case. */
FIXTURE(gemm) {
	struct npu_device *dev;
	struct npu_device_group *group;
};

FIXTURE_SETUP(gemm)
{
	ASSERT_EQ(0, npu_device_open(0, &self->dev));
	ASSERT_EQ(0, npu_device_group_new(&self->dev, 1, &self->group));
	ASSERT_EQ(1, npu_device_group_count(self->group));
	ASSERT_EQ(self->dev, npu_device_group_device(self->group, 0));
}

FIXTURE_TEARDOWN(gemm)
{
	npu_device_group_unref(self->group);
	npu_device_unref(self->dev);
}

static void shape_matrix(struct __test_metadata *_metadata,
			 struct npu_device_group *group, uint32_t in,
			 uint32_t out)
{
	uint32_t max_macs = in == NPU_DTYPE_INT8 ? MAX_MACS_INT8 : MAX_MACS_FP16;
	unsigned int i, count = 0;

	for (i = 0; i < GEMM_SHAPES; i++) {
		struct npu_gemm_desc d;
		struct gemm_result r;

		if (!gemm_shape(i, in, out, max_macs, &d))
			continue;
		run_gemm(group, &d, 0, &r);
		ASSERT_EQ(0, r.ret) TH_LOG("%ux%ux%u: %s", d.m, d.k, d.n,
					   strerror(-r.ret));
		EXPECT_TRUE(r.exact) TH_LOG("%ux%ux%u differs from the reference",
					    d.m, d.k, d.n);
		EXPECT_TRUE(r.bound_ok) TH_LOG("%ux%ux%u outside the fp32 bound",
					       d.m, d.k, d.n);
		count++;
	}
	TH_LOG("%u shapes within %u MACs each, all exact", count, max_macs);
}

TEST_F_TIMEOUT(gemm, int8_shape_matrix, 180)
{
	shape_matrix(_metadata, self->group, NPU_DTYPE_INT8, NPU_DTYPE_INT32);
}

TEST_F_TIMEOUT(gemm, fp16_fp32_shape_matrix, 180)
{
	shape_matrix(_metadata, self->group, NPU_DTYPE_FP16, NPU_DTYPE_FP32);
}

TEST_F_TIMEOUT(gemm, fp16_fp16_shape_matrix, 180)
{
	shape_matrix(_metadata, self->group, NPU_DTYPE_FP16, NPU_DTYPE_FP16);
}

/* The LLM shapes of the issue, and shapes that need padding. */
TEST_F_TIMEOUT(gemm, named_and_odd_shapes, 120)
{
	static const struct npu_gemm_desc shapes[] = {
		{ 1, 768, 32000, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 1, 2048, 768, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 1, 768, 32000, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 1, 2048, 768, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 3, 33, 17, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 7, 100, 1000, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 5, 172, 64, NPU_DTYPE_FP16, NPU_DTYPE_FP16, { 0 } },
		{ 2049, 31, 5, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
	};
	unsigned int i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct gemm_result r;

		run_gemm(self->group, &shapes[i], 0, &r);
		ASSERT_EQ(0, r.ret) TH_LOG("shape %u: %s", i, strerror(-r.ret));
		EXPECT_TRUE(r.exact) TH_LOG("%ux%ux%u differs", shapes[i].m,
					    shapes[i].k, shapes[i].n);
		EXPECT_TRUE(r.bound_ok);
		TH_LOG("%ux%ux%u %s: %u cores, %u tasks, npu %.1f ms, cpu %.1f ms, worst rel err %.2e",
		       shapes[i].m, shapes[i].k, shapes[i].n,
		       shapes[i].in_type == NPU_DTYPE_INT8 ? "int8" : "fp16",
		       r.cores, r.tasks, r.npu_ms, r.cpu_ms, r.worst_rel);
	}
}

static int read_busy(uint64_t *busy, unsigned int cores)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < cores; i++) {
		FILE *f;
		unsigned long long v;

		snprintf(path, sizeof(path),
			 "/sys/bus/platform/devices/npu-virtual.0/npu/core%u_busy_ns", i);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%llu", &v) != 1) {
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		busy[i] = v;
	}
	return 0;
}

/*
 * One GEMM over three cores equals the one-core result; all cores work.
 * Both plans run on one weights object.
 */
TEST_F(gemm, three_cores_equal_one)
{
	struct npu_gemm_desc d = { 16, 768, 2048, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	struct npu_gemm_plan *one = NULL, *three = NULL;
	struct npu_gemm_weights *w;
	struct npu_gemm_info info;
	uint64_t before[3], after[3];
	uint16_t *a, *b;
	float *c1, *c3;
	unsigned int i;
	int ret;

	a = malloc((size_t)d.m * d.k * 2);
	b = malloc((size_t)d.n * d.k * 2);
	c1 = malloc((size_t)d.m * d.n * 4);
	c3 = malloc((size_t)d.m * d.n * 4);
	ASSERT_TRUE(a && b && c1 && c3);
	gemm_fill(&d, a, (size_t)d.m * d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);

	ret = gemm_weights_new(self->group, d.k, d.n, d.in_type, 0, b, &w);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, gemm_plan_new(w, d.m, d.out_type, 1, &one));
	ASSERT_EQ(0, gemm_plan_new(w, d.m, d.out_type, 3, &three));
	ASSERT_EQ(0, npu_gemm_plan_info(one, 0, &info));
	ASSERT_EQ(1, info.cores);
	ASSERT_EQ(0, npu_gemm_plan_info(three, 0, &info));
	ASSERT_EQ(3, info.cores);
	ASSERT_EQ(0, npu_gemm_plan_run(one, d.m, a, c1));
	ASSERT_EQ(0, read_busy(before, 3));
	ASSERT_EQ(0, npu_gemm_plan_run(three, d.m, a, c3));
	ASSERT_EQ(0, read_busy(after, 3));
	EXPECT_EQ(0, memcmp(c1, c3, (size_t)d.m * d.n * 4));
	for (i = 0; i < 3; i++) {
		EXPECT_GT(after[i], before[i]) TH_LOG("core %u did not work", i);
		TH_LOG("core %u busy +%llu us", i,
		       (unsigned long long)(after[i] - before[i]) / 1000);
	}
	npu_gemm_plan_destroy(one);
	npu_gemm_plan_destroy(three);
	npu_gemm_weights_unref(w);
	free(a);
	free(b);
	free(c1);
	free(c3);
}

/*
 * One plan runs any M up to its maximum, each equal to the reference; the
 * streams of the M last run are kept (a run of the same M emits nothing).
 */
TEST_F(gemm, any_m_up_to_max)
{
	static const uint32_t ms[] = { 9, 9, 1, 5, 9, 1, 1 };
	struct npu_gemm_desc d = { 9, 100, 70, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	int8_t a[9 * 100], b[70 * 100];
	int32_t c[9 * 70], ref[9 * 70];
	struct npu_gemm_plan *plan = NULL;
	struct npu_gemm_weights *w;
	struct npu_gemm_stats st;
	unsigned int i, emits = 0;
	int ret;

	gemm_fill(&d, a, sizeof(a));
	gemm_fill(&d, b, sizeof(b));
	ret = gemm_weights_new(self->group, d.k, d.n, d.in_type, 0, b, &w);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, gemm_plan_new(w, d.m, d.out_type, 0, &plan));
	/* The plan holds its own reference on the weights. */
	npu_gemm_weights_unref(w);
	EXPECT_EQ(-EINVAL, npu_gemm_plan_run(plan, 0, a, c));
	EXPECT_EQ(-EINVAL, npu_gemm_plan_run(plan, d.m + 1, a, c));
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct npu_gemm_desc dm = d;

		dm.m = ms[i];
		memset(c, 0xa5, sizeof(c));
		ASSERT_EQ(0, npu_gemm_plan_run(plan, dm.m, a, c))
			TH_LOG("M = %u", dm.m);
		npu_gemm_reference(&dm, a, b, ref);
		EXPECT_EQ(0, memcmp(c, ref, (size_t)dm.m * d.n * 4))
			TH_LOG("M = %u differs from the reference", dm.m);
		/* Rows past M are not the run's: left alone. */
		memset(ref, 0xa5, sizeof(ref));
		EXPECT_EQ(0, memcmp(c + dm.m * d.n, ref,
				    (size_t)(d.m - dm.m) * d.n * 4))
			TH_LOG("M = %u wrote past its rows", dm.m);
		emits += !i || ms[i] != ms[i - 1];
	}
	ASSERT_EQ(0, npu_gemm_plan_get_stats(plan, 0, &st));
	EXPECT_EQ(sizeof(ms) / sizeof(ms[0]), st.runs);
	EXPECT_EQ(emits, st.emits);
	EXPECT_EQ(-EINVAL, npu_gemm_plan_get_stats(plan, 1, &st));
	npu_gemm_plan_destroy(plan);
}

/* An MMU fault inside a GEMM reports its address; the next run works. */
TEST_F(gemm, mmu_fault_reports_va)
{
	struct npu_gemm_desc d = { 4, 64, 32, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct npu_gemm_plan *plan = NULL;
	struct npu_gemm_weights *w;
	struct npu_job_status status;
	uint32_t die = 99;
	uint64_t va = 0;
	int8_t a[4 * 64], b[32 * 64];
	int32_t c[4 * 32], ref[4 * 32];
	char cmd[160];
	FILE *f;
	int ret;

	gemm_fill(&d, a, sizeof(a));
	gemm_fill(&d, b, sizeof(b));
	ret = gemm_weights_new(self->group, d.k, d.n, d.in_type, 0, b, &w);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, gemm_plan_new(w, d.m, d.out_type, 1, &plan));
	ASSERT_EQ(0, npu_gemm_plan_run(plan, d.m, a, c));
	ASSERT_EQ(0, npu_gemm_plan_last_fault(plan, &die, &status));
	EXPECT_EQ(0, status.state) TH_LOG("no run failed yet");
	/* Fault the page the first output lands on: read it from the plan. */
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/vms", dbg_die0());
		f = fopen(path, "r");
	}
	ASSERT_NE(NULL, f);
	{
		char line[256];
		unsigned long long lo = 0;

		/* The output BO is the only writable mapping of a new plan. */
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " rw phys "))
				sscanf(line, "  va %llx", &lo);
		fclose(f);
		ASSERT_NE(0, lo);
		snprintf(cmd, sizeof(cmd),
			 "echo 0x%llx > %s/core0/fault_va", lo, dbg_die0());
		va = lo;
	}
	ASSERT_EQ(0, system(cmd));
	EXPECT_EQ(-EFAULT, npu_gemm_plan_run(plan, d.m, a, c));
	ASSERT_EQ(0, npu_gemm_plan_last_fault(plan, &die, &status));
	EXPECT_EQ(0, die);
	EXPECT_EQ(NPU_JOB_MMU_FAULT, status.state);
	EXPECT_EQ(va / page, status.fault_va / page)
		TH_LOG("fault at 0x%llx, injected in the page of 0x%llx",
		       (unsigned long long)status.fault_va,
		       (unsigned long long)va);
	TH_LOG("fault reported at 0x%llx", (unsigned long long)status.fault_va);
	EXPECT_EQ(0, npu_gemm_plan_run(plan, d.m, a, c));
	npu_gemm_reference(&d, a, b, ref);
	EXPECT_EQ(0, memcmp(c, ref, sizeof(c)));
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
}

static void *map_bo(int fd, uint64_t size, uint32_t flags, uint64_t *va)
{
	struct drm_npu_bo_create bc = { .size = size };
	struct drm_npu_bo_info bi = { 0 };
	struct drm_npu_vm_map vm = { 0 };
	void *p;

	if (ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &bc))
		return NULL;
	bi.handle = bc.handle;
	if (ioctl(fd, DRM_IOCTL_NPU_BO_INFO, &bi))
		return NULL;
	p = mmap(NULL, bi.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)bi.mmap_offset);
	vm.handle = bc.handle;
	vm.size = bi.size;
	vm.flags = DRM_NPU_MAP_READ | flags;
	if (p == MAP_FAILED || ioctl(fd, DRM_IOCTL_NPU_VM_MAP, &vm))
		return NULL;
	*va = vm.va;
	return p;
}

/*
 * The BOs of one task of @d's tiling (@t, tiled here) mapped in @fd's
 * default VM: input, weights, output, and a page for the stream, whose
 * CPU mapping is returned (NULL on failure).
 */
static uint64_t *map_matmul(int fd, const struct npu_gemm_desc *d,
			    struct npu_gemm_tiling *t, uint64_t *in_va,
			    uint64_t *w_va, uint64_t *out_va, uint64_t *rc_va)
{
	if (libnpu_gemm_tile(d, 1, 0, t) ||
	    !map_bo(fd, t->in_bytes, 0, in_va) ||
	    !map_bo(fd, t->w_bytes, 0, w_va) ||
	    !map_bo(fd, t->out_bytes[0], DRM_NPU_MAP_WRITE, out_va))
		return NULL;
	return map_bo(fd, 4096, 0, rc_va);
}

/* Set register @reg of an emitted stream to @value: the word's index, or -1. */
static int patch(uint64_t *words, size_t n, uint16_t reg, uint32_t value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((words[i] & 0xffff) == reg && words[i] >> 48) {
			words[i] = (words[i] & 0xffff00000000ffffull) |
				   (uint64_t)value << 16;
			return (int)i;
		}
	return -1;
}

/*
 * A correct matmul stream runs; the same stream broken in ways the
 * hardware cannot run fails with a status and reason that say why.
 */
TEST(malformed_and_over_limit_streams)
{
	static const struct {
		const char *what;
		uint16_t reg;
		uint32_t value;
		uint32_t reason;
	} cases[] = {
		{ "13 CBUF banks", 0x1040, (7 << 4) | 6, DRM_NPU_REASON_CBUF },
		{ "kernels disagree with DPU", 0x1038,
		  (1 << 24) | (1 << 16) | 48, DRM_NPU_REASON_INCONSISTENT },
		{ "int8 in, fp16 processing", 0x100c, (2 << 7),
		  DRM_NPU_REASON_INCONSISTENT },
		{ "3x3 kernel", 0x1038, (3 << 24) | (3 << 16) | 32,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "BS stage enabled", 0x4040, 0, DRM_NPU_REASON_UNSUPPORTED },
		{ "unknown block target", 0, 0, DRM_NPU_REASON_BAD_WORD },
	};
	struct npu_gemm_desc d = { 4, 64, 32, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	struct npu_gemm_tiling t;
	uint64_t in_va, w_va, out_va, rc_va, *rc;
	unsigned int i;
	int fd;

	/*
	 * libnpu finds the die: the accel node, or the render node where the
	 * kernel has no accel core.
	 */
	{
		struct npu_device *dev;

		ASSERT_EQ(0, npu_device_open(0, &dev));
		fd = dup(npu_device_fd(dev));
		npu_device_unref(dev);
	}
	ASSERT_LE(0, fd);
	rc = map_matmul(fd, &d, &t, &in_va, &w_va, &out_va, &rc_va);
	ASSERT_NE(NULL, rc);

	for (i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
		struct drm_npu_task task = { .regcmd_va = rc_va };
		struct drm_npu_job job = { .tasks = (uintptr_t)&task, .task_count = 1 };
		struct drm_npu_submit sub = {
			.jobs = (uintptr_t)&job, .job_count = 1,
			.job_stride = sizeof(job),
		};
		struct drm_npu_job_wait w = { .timeout_ns = INT64_MAX };
		size_t n = libnpu_rk3588_emit_matmul(&t, &t.tasks[0], in_va, w_va,
						  out_va, rc);

		task.regcmd_count = (uint32_t)n;
		if (i > 0 && cases[i - 1].reg)
			ASSERT_LE(0, patch(rc, n, cases[i - 1].reg,
					   cases[i - 1].value));
		if (i > 0 && !cases[i - 1].reg)
			rc[5] = (0x0401ull << 48) | 0x1234;	/* no such block */
		ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &sub));
		w.job_id = job.job_id;
		ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
		if (!i) {
			EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
			continue;
		}
		EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status) TH_LOG("%s", cases[i - 1].what);
		EXPECT_EQ(cases[i - 1].reason, w.reason) TH_LOG("%s", cases[i - 1].what);
		EXPECT_EQ(-EINVAL, w.error);
		TH_LOG("%s: status %u reason %u", cases[i - 1].what, w.status, w.reason);
	}
	libnpu_gemm_tiling_fini(&t);
	close(fd);
}

/* The die's fd, the accel node or the render node, for raw UAPI use. */
static int die0_fd(void)
{
	struct npu_device *dev;
	int fd;

	if (npu_device_open(0, &dev))
		return -1;
	fd = dup(npu_device_fd(dev));
	npu_device_unref(dev);
	return fd;
}

/* One register of a valid stream changed, and what the NPU must say. */
struct reg_case {
	const char *what;
	uint16_t reg;		/* 0: remove the S_POINTER word instead */
	uint32_t value;
	uint32_t reason;
};

/*
 * Run the first task of @d's tiling, with one register changed by @c
 * (none when @c is NULL), and check how it ends: DONE for the valid
 * stream; INVALID with @c's reason and, as fault_va, the address of the
 * changed word (the operation enable when the register is missing).
 */
static void run_reg_case(struct __test_metadata *_metadata, int fd,
			 const struct npu_gemm_desc *d, const struct reg_case *c)
{
	struct npu_gemm_tiling t;
	uint64_t in_va, w_va, out_va, rc_va, *rc;
	struct drm_npu_task task = { 0 };
	struct drm_npu_job job = { .tasks = (uintptr_t)&task, .task_count = 1 };
	struct drm_npu_submit sub = {
		.jobs = (uintptr_t)&job, .job_count = 1, .job_stride = sizeof(job),
	};
	struct drm_npu_job_wait w = { .timeout_ns = INT64_MAX };
	size_t n;
	int at = -1;

	rc = map_matmul(fd, d, &t, &in_va, &w_va, &out_va, &rc_va);
	ASSERT_NE(NULL, rc);
	n = libnpu_rk3588_emit_matmul(&t, &t.tasks[0], in_va, w_va, out_va, rc);
	if (c && c->reg) {
		at = patch(rc, n, c->reg, c->value);
		ASSERT_LE(0, at) TH_LOG("%s: no word writes 0x%04x", c->what, c->reg);
	} else if (c) {
		ASSERT_EQ(0x4004, rc[0] & 0xffff);	/* S_POINTER comes first */
		rc[0] = 0;
		at = (int)n - 1;
	}
	task.regcmd_va = rc_va;
	task.regcmd_count = (uint32_t)n;
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &sub));
	w.job_id = job.job_id;
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	libnpu_gemm_tiling_fini(&t);
	if (!c) {
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		return;
	}
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status) TH_LOG("%s", c->what);
	EXPECT_EQ(c->reason, w.reason) TH_LOG("%s", c->what);
	EXPECT_EQ(rc_va + (uint64_t)at * 8, w.fault_va)
		TH_LOG("%s: fault at word %lld, changed word %d", c->what,
		       (long long)(w.fault_va - rc_va) / 8, at);
	TH_LOG("%s: reason %u at word %d", c->what, w.reason, at);
}

/*
 * Every register a matmul depends on is modelled or checked: a stream
 * that is valid except for one register is rejected with a reason, and
 * the fault address names the word that wrote it.  The task is int8
 * 4x64x32: 4 rows, 64 channels, 32 kernels, int32 output.
 */
TEST(every_matmul_register_is_checked)
{
	static const struct reg_case cases[] = {
		{ "DMA_CON1 line stride 8, dense is 4", 0x107c, 8,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "DMA_CON2 surface stride 4, dense is 0", 0x1080, 4,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "CBUF_CON1 DATA_ENTRIES 2 for a 64-byte row", 0x1044, 2,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "CONV_CON2 FEATURE_GRAINS 4 for 4 rows", 0x1010, 4 << 4,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "DATA_SIZE1 CHANNEL_REAL 32 of 64", 0x1024, (31 << 16) | 64,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "DATA_SIZE1 CHANNEL_REAL 65 of 64", 0x1024, (64 << 16) | 64,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "DATA_SIZE3 DATAOUT_ATOMICS 8 for 4 pixels", 0x102c, 8,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "FC_DATA_SIZE0 DMA height 8", 0x1084, (1 << 16) | 8,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "CVT_CON0 input converter on", 0x104c, 0xa,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "MISC_CFG without QD_EN", 0x3010, 0, DRM_NPU_REASON_UNSUPPORTED },
		{ "FEATURE_MODE_CFG output mode 0", 0x400c, 15 << 5,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "DATA_CUBE_HEIGHT 8 rows", 0x4034, 7,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "WDMA_SIZE_0 16 channels", 0x4058, 15,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "WDMA_SIZE_1 8 rows", 0x405c, 7 << 16,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "BS_OW_CFG fp32 sizes for an int32 output", 0x4050,
		  (3 << 8) | (3 << 5) | (3 << 2) | 2, DRM_NPU_REASON_INCONSISTENT },
		{ "SURFACE_ADD half the output stride", 0x40c0, 16 << 4,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "OUT_CVT_SCALE scale 0", 0x4084, 0, DRM_NPU_REASON_UNSUPPORTED },
		{ "no S_POINTER", 0, 0, DRM_NPU_REASON_UNSUPPORTED },
		{ "S_POINTER without ping-pong", 0x4004, 0,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "PC_REGISTER_AMOUNTS chains a next stream", 0x0014, 54,
		  DRM_NPU_REASON_UNSUPPORTED },
		{ "op_en without CNA and DPU", 0x0008, 1,
		  DRM_NPU_REASON_INCONSISTENT },
		{ "CBUF_CON0 no weight banks", 0x1040, 1, DRM_NPU_REASON_CBUF },
		{ "CBUF_CON0 data reuse", 0x1040, (1 << 12) | (11 << 4) | 1,
		  DRM_NPU_REASON_UNSUPPORTED },
	};
	struct npu_gemm_desc d = { 4, 64, 32, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	unsigned int i;
	int fd = die0_fd();

	ASSERT_LE(0, fd);
	run_reg_case(_metadata, fd, &d, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_reg_case(_metadata, fd, &d, &cases[i]);
	close(fd);
}

/*
 * The CBUF split: a task's rows must fit its data banks in whole 64-byte
 * entries, one kernel its weight banks.  1000 int8 rows of 64 channels
 * need 2 banks (libnpu gives the weights the other 10); 1000 rows of 32
 * channels still take 64 bytes a row, 2 banks, not the 1 their bytes
 * would fill; 8 fp16 rows of 16384 channels leave a kernel (32 KiB) one
 * bank.
 */
TEST(cbuf_split_must_hold_the_task)
{
	static const struct {
		struct npu_gemm_desc d;
		struct reg_case c;
	} cases[] = {
		{ { 1000, 64, 32, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		  { "1000 rows of 64 bytes in 1 data bank", 0x1040,
		    (11 << 4) | 1, DRM_NPU_REASON_CBUF } },
		{ { 1000, 32, 32, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		  { "1000 rows of 32 bytes in 1 data bank", 0x1040,
		    (11 << 4) | 1, DRM_NPU_REASON_CBUF } },
		{ { 8, 16384, 16, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		  { "a 32 KiB kernel in no weight bank", 0x1040, 8,
		    DRM_NPU_REASON_CBUF } },
		{ { 8, 16384, 16, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		  { "8 rows of 32 KiB in 7 data banks", 0x1040, (5 << 4) | 7,
		    DRM_NPU_REASON_CBUF } },
	};
	unsigned int i;
	int fd = die0_fd();

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_reg_case(_metadata, fd, &cases[i].d, NULL);
		run_reg_case(_metadata, fd, &cases[i].d, &cases[i].c);
	}
	close(fd);
}

/* One job on core 0 of the stream at @rc_va; its status in @w. */
static int run_on_core0(int fd, uint64_t rc_va, uint32_t words,
			struct drm_npu_job_wait *w)
{
	struct drm_npu_task task = { .regcmd_va = rc_va, .regcmd_count = words };
	struct drm_npu_job job = { .tasks = (uintptr_t)&task, .task_count = 1,
				   .core_mask = 1 };
	struct drm_npu_submit sub = {
		.jobs = (uintptr_t)&job, .job_count = 1, .job_stride = sizeof(job),
	};

	memset(w, 0, sizeof(*w));
	w->timeout_ns = INT64_MAX;
	if (ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &sub))
		return -errno;
	w->job_id = job.job_id;
	return ioctl(fd, DRM_IOCTL_NPU_JOB_WAIT, w) ? -errno : 0;
}

/*
 * Register state does not cross files.  File A runs a whole matmul on
 * core 0; file B then runs, on the same core, a stream that sets only its
 * output address.  B must not run on A's registers: it is rejected, and
 * the address it is told about is a word of its own stream, never one of
 * A's addresses (which B's VM does not even map).
 */
TEST(registers_do_not_cross_files)
{
	const struct npu_gemm_desc d = { 4, 64, 32, NPU_DTYPE_INT8,
					 NPU_DTYPE_INT32, { 0 } };
	uint64_t in_va, w_va, out_va, rc_va, b_out_va, b_rc_va, *rc, *b_rc;
	struct drm_npu_job_wait w;
	struct npu_gemm_tiling t;
	int a = die0_fd(), b = die0_fd();
	size_t n;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	rc = map_matmul(a, &d, &t, &in_va, &w_va, &out_va, &rc_va);
	ASSERT_NE(NULL, rc);
	n = libnpu_rk3588_emit_matmul(&t, &t.tasks[0], in_va, w_va, out_va, rc);
	ASSERT_EQ(0, run_on_core0(a, rc_va, (uint32_t)n, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	ASSERT_NE(NULL, map_bo(b, 1 << 20, DRM_NPU_MAP_WRITE, &b_out_va));
	b_rc = map_bo(b, 4096, 0, &b_rc_va);
	ASSERT_NE(NULL, b_rc);
	/* DPU destination, the version word, op_en with CNA and DPU. */
	b_rc[0] = (0x1001ull << 48) | ((b_out_va & 0xffffffffull) << 16) | 0x4020;
	b_rc[1] = 0x0041000000000000ull;
	b_rc[2] = (0x0081ull << 48) | (0x0dull << 16) | 0x0008;
	ASSERT_EQ(0, run_on_core0(b, b_rc_va, 3, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_LE(b_rc_va, w.fault_va);
	EXPECT_GT(b_rc_va + 24, w.fault_va)
		TH_LOG("B was told about %#llx; A's input %#llx, weights %#llx, output %#llx",
		       (unsigned long long)w.fault_va, (unsigned long long)in_va,
		       (unsigned long long)w_va, (unsigned long long)out_va);
	printf("# isolation: B's output-only stream after A's matmul: status %u reason %u at B's word %lld\n",
	       w.status, w.reason, (long long)(w.fault_va - b_rc_va) / 8);
	libnpu_gemm_tiling_fini(&t);
	close(b);
	close(a);
}

TEST_HARNESS_MAIN
