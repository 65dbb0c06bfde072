// SPDX-License-Identifier: MIT
/*
 * Cache maintenance on a die that does not snoop the CPU's caches: the
 * virtual NPU loaded with sim_coherent=0 sees memory only as it was when
 * a BO was last handed to it (creation, CPU_FINI), and the CPU sees the
 * device's writes only after CPU_PREP.  The tests show both directions
 * going stale without the calls and right with them, and libnpu's GEMM
 * path, which brackets its own accesses, giving the reference result.
 *
 * On a coherent die there is nothing to show: the tests skip, unless
 * NPU_EXPECT_NONCOHERENT=1 says this run is the non-coherent one, where
 * a coherent die fails them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "npu.h"
#include "npu_gemm.h"
#include "gemm_helpers.h"

#define SEC		1000000000ll
#define RC_VERSION	0x0041000000000000ull
#define RC_OP_EN	((0x0081ull << 48) | (0x0dull << 16) | 0x0008)
#define RC_CNA(v)	((0x0201ull << 48) | ((uint64_t)(v) << 16) | 0x1040)

FIXTURE(nc) {
	struct npu_device *dev;
	struct npu_device_group *one;
};

FIXTURE_SETUP(nc)
{
	uint64_t caps = 0;
	const char *expect = getenv("NPU_EXPECT_NONCOHERENT");

	ASSERT_EQ(0, npu_device_open(0, &self->dev));
	ASSERT_EQ(0, npu_device_get_param(self->dev, NPU_PARAM_CAPS, &caps));
	if (expect && !strcmp(expect, "1"))
		ASSERT_EQ(0, caps & NPU_CAP_COHERENT)
			TH_LOG("the die is coherent: sim_coherent=0 not in effect");
	if (caps & NPU_CAP_COHERENT) {
		npu_device_unref(self->dev);
		self->dev = NULL;
		SKIP(return, "a coherent die needs no cache maintenance");
	}
	ASSERT_EQ(0, npu_device_group_new(&self->dev, 1, &self->one));
}

FIXTURE_TEARDOWN(nc)
{
	if (self->dev) {
		npu_device_group_unref(self->one);
		npu_device_unref(self->dev);
	}
}

/* One null-task job on the default VM; its state, or a negative errno. */
static int run_stream(struct npu_device *dev, struct npu_vm *vm,
		      struct npu_bo *bo, uint64_t va)
{
	struct npu_job_status s;
	struct npu_job *job;
	int ret = npu_job_new(dev, vm, &job);

	if (ret)
		return ret;
	ret = npu_job_add_task(job, va, 4);
	if (!ret)
		ret = npu_job_add_bo(job, bo, 0);
	if (!ret)
		ret = npu_job_submit(&job, 1, NULL);
	if (!ret)
		ret = npu_job_wait(job, 10 * SEC, &s);
	npu_job_destroy(job);
	return ret ? ret : (int)s.state;
}

/* A null task: one CNA register, the version word, op_en. */
static void write_stream(uint64_t *w)
{
	w[0] = RC_CNA(0x12);
	w[1] = 0;
	w[2] = RC_VERSION;
	w[3] = RC_OP_EN;
}

/*
 * Device direction: a stream the CPU wrote is seen by the device only
 * after CPU_FINI; before that the device reads the zeroes the BO was
 * created with, a stream without its tail.  Writes belong between a
 * CPU_PREP and a CPU_FINI.
 */
TEST_F(nc, cpu_writes_reach_the_device_at_cpu_fini)
{
	struct npu_bo *bo;
	struct npu_vm *vm;
	uint64_t *w, va;

	ASSERT_EQ(0, npu_vm_default(self->dev, &vm));
	ASSERT_EQ(0, npu_bo_new(self->dev, 4096, 0, &bo));
	ASSERT_EQ(0, npu_bo_map(bo, (void **)&w));
	ASSERT_EQ(0, npu_vm_map(vm, bo, 0, 4096, NPU_MAP_READ, &va));
	write_stream(w);
	EXPECT_EQ(NPU_JOB_INVALID, run_stream(self->dev, vm, bo, va))
		TH_LOG("the device saw a CPU write that was never handed over");

	/*
	 * CPU_PREP drops what the CPU wrote outside a PREP/FINI pair, as an
	 * invalidation of its caches would: write again inside the pair.
	 */
	ASSERT_EQ(0, npu_bo_cpu_prep(bo, NPU_BO_CPU_WRITE, 10 * SEC));
	EXPECT_EQ(0, w[3]) TH_LOG("CPU_PREP kept a write made outside the pair");
	write_stream(w);
	ASSERT_EQ(0, npu_bo_cpu_fini(bo, NPU_BO_CPU_WRITE));
	EXPECT_EQ(NPU_JOB_DONE, run_stream(self->dev, vm, bo, va));
	npu_vm_unmap(vm, va, 4096);
	npu_vm_unref(vm);
	npu_bo_unref(bo);
}

/*
 * CPU direction: C written by the device into a caller's BO is seen by
 * the CPU only after CPU_PREP; before it the CPU reads its own pattern.
 * libnpu's host path (its own BOs) gives the reference throughout.
 */
TEST_F_TIMEOUT(nc, device_writes_reach_the_cpu_at_cpu_prep, 120)
{
	struct npu_gemm_desc d = { 16, 64, 96, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	struct npu_gemm_weights *wt = NULL;
	struct npu_gemm_plan *plan = NULL;
	struct npu_gemm_layout lay;
	struct npu_bo *cbo;
	size_t cbytes = (size_t)d.m * d.n * 4;
	uint16_t *a = malloc((size_t)d.m * d.k * 2);
	uint16_t *b = malloc((size_t)d.n * d.k * 2);
	float *ref = malloc(cbytes), *host = malloc(cbytes), *c = malloc(cbytes);
	void *cmap;

	ASSERT_TRUE(a && b && ref && host && c);
	gemm_fill(&d, a, (size_t)d.m * d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);
	npu_gemm_reference(&d, a, b, ref);
	ASSERT_EQ(0, gemm_weights_new(self->one, d.k, d.n, d.in_type, 0, b, &wt));
	ASSERT_EQ(0, gemm_plan_new(wt, d.m, d.out_type, 0, &plan));

	/* libnpu's own buffers: bracketed by the library. */
	memset(host, 0xa5, cbytes);
	ASSERT_EQ(0, npu_gemm_plan_run(plan, d.m, a, host));
	EXPECT_EQ(0, memcmp(host, ref, cbytes)) TH_LOG("host path");

	ASSERT_EQ(0, npu_gemm_plan_layout(plan, d.m, &lay));
	ASSERT_EQ(0, npu_bo_new(self->dev, lay.c_bytes[0], 0, &cbo));
	ASSERT_EQ(0, npu_bo_map(cbo, &cmap));
	{
		struct npu_gemm_run r = { .m = d.m, .a = a, .c_bo = { cbo } };

		ASSERT_EQ(0, npu_bo_cpu_prep(cbo, NPU_BO_CPU_WRITE, 10 * SEC));
		memset(cmap, 0x5a, lay.c_bytes[0]);
		ASSERT_EQ(0, npu_bo_cpu_fini(cbo, NPU_BO_CPU_WRITE));
		/* The CPU writes the pattern again, and keeps it. */
		memset(cmap, 0x5a, lay.c_bytes[0]);
		ASSERT_EQ(0, npu_gemm_plan_submit(plan, &r));
		ASSERT_EQ(0, npu_gemm_plan_wait(plan, 60 * SEC));

		/* No CPU_PREP: the CPU's view still has its pattern. */
		ASSERT_EQ(0, npu_gemm_unpack_c(plan, d.m, 0, cmap, c));
		EXPECT_NE(0, memcmp(c, ref, cbytes))
			TH_LOG("the CPU saw device writes without CPU_PREP");

		ASSERT_EQ(0, npu_bo_cpu_prep(cbo, NPU_BO_CPU_READ, 10 * SEC));
		ASSERT_EQ(0, npu_gemm_unpack_c(plan, d.m, 0, cmap, c));
		ASSERT_EQ(0, npu_bo_cpu_fini(cbo, NPU_BO_CPU_READ));
		EXPECT_EQ(0, memcmp(c, ref, cbytes)) TH_LOG("after CPU_PREP");
	}
	npu_bo_unref(cbo);
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(wt);
	free(a);
	free(b);
	free(ref);
	free(host);
	free(c);
}

TEST_HARNESS_MAIN
