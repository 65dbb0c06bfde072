// SPDX-License-Identifier: MIT
/*
 * The libnpu 1.0 GEMM API through the real UAPI on the virtual NPU: one
 * weights object shared by plans of any M, runs on caller BOs in the
 * documented layouts, asynchronous runs chained through syncobjs, runs
 * split over two dies, and plans used from two threads at once.
 *
 * Every result is compared with npu_gemm_reference() bit for bit: the
 * virtual NPU computes exactly as the reference does (int8 exactly, fp16
 * as exact products summed in fp32 in k order).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "npu.h"
#include "npu_gemm.h"
#include "npu_gemm_priv.h"	/* NPU_TASK_WORDS: the size of a plan's streams */
#include "gemm_helpers.h"

#define SEC	1000000000ll

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t page_up(uint64_t v, uint64_t page)
{
	return (v + page - 1) / page * page;
}


/* A BO of @dev of at least @size bytes, mapped for the CPU at *@cpu. */
static int bo_new(struct npu_device *dev, uint64_t size, struct npu_bo **bo,
		  void **cpu)
{
	int ret = npu_bo_new(dev, size, 0, bo);

	if (!ret && cpu)
		ret = npu_bo_map(*bo, cpu);
	return ret;
}

/* Pack the first @m rows of @a into @bo (mapped at @cpu) for @plan. */
static int bo_pack_a(const struct npu_gemm_plan *plan, uint32_t m,
		     const void *a, struct npu_bo *bo, void *cpu)
{
	int ret = npu_bo_cpu_prep(bo, NPU_BO_CPU_WRITE, 10 * SEC);

	if (ret)
		return ret;
	ret = npu_gemm_pack_a(plan, m, a, cpu);
	npu_bo_cpu_fini(bo, NPU_BO_CPU_WRITE);
	return ret;
}

/* Die @die's columns of C of @m rows from @bo (mapped at @cpu) into @c. */
static int bo_unpack_c(const struct npu_gemm_plan *plan, uint32_t m,
		       unsigned int die, struct npu_bo *bo, const void *cpu,
		       void *c)
{
	int ret = npu_bo_cpu_prep(bo, NPU_BO_CPU_READ, 10 * SEC);

	if (ret)
		return ret;
	ret = npu_gemm_unpack_c(plan, m, die, cpu, c);
	npu_bo_cpu_fini(bo, NPU_BO_CPU_READ);
	return ret;
}

/*
 * Every die of the package, and die 0 alone: the one-die group is the
 * same device object as the package group's die 0.
 */
FIXTURE(api) {
	struct npu_device_group *all;
	struct npu_device_group *one;
	struct npu_device *dev0;
	int dies;
};

FIXTURE_SETUP(api)
{
	ASSERT_EQ(0, npu_device_group_open(0, &self->all));
	self->dies = npu_device_group_count(self->all);
	ASSERT_LE(1, self->dies);
	self->dev0 = npu_device_group_device(self->all, 0);
	ASSERT_NE(NULL, self->dev0);
	ASSERT_EQ(0, npu_device_group_new(&self->dev0, 1, &self->one));
}

FIXTURE_TEARDOWN(api)
{
	npu_device_group_unref(self->one);
	npu_device_group_unref(self->all);
}

/*
 * 1. One weights object used by plans of m_max 1, 7, 64 and 512: each
 * plan's result equals the reference, the packed weights stay the same
 * bytes in the same VM, and the die's resident memory grows by the plans'
 * own buffers only (input, per-core outputs, streams), never by another
 * copy of the weights.
 */
static void shared_weights(struct __test_metadata *_metadata,
			   FIXTURE_DATA(api) *self, uint32_t in, uint32_t out)
{
	static const uint32_t ms[] = { 1, 7, 64, 512 };
	const unsigned int plans = sizeof(ms) / sizeof(ms[0]);
	struct npu_gemm_desc d = {
		.m = 512, .k = 256, .n = 320, .in_type = in, .out_type = out,
	};
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t cbytes = (size_t)d.m * d.n * gemm_out_size(&d);
	struct npu_gemm_plan *plan[4] = { NULL };
	struct npu_gemm_weights_info wi0, wi;
	struct npu_gemm_weights *w = NULL;
	struct npu_fdinfo f0, f1, f2;
	uint64_t own = 0, inexact = 0, growth;
	void *a, *b, *c, *ref;
	unsigned int i;

	a = malloc((size_t)d.m * d.k * gemm_in_size(&d));
	b = malloc((size_t)d.n * d.k * gemm_in_size(&d));
	c = malloc(cbytes);
	ref = malloc(cbytes);
	ASSERT_TRUE(a && b && c && ref);
	gemm_fill(&d, a, (size_t)d.m * d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);

	ASSERT_EQ(0, gemm_weights_new(self->one, d.k, d.n, in, 0, b, &w));
	ASSERT_EQ(0, npu_gemm_weights_info(w, &wi0));
	ASSERT_EQ(1, wi0.dies);
	ASSERT_LE((uint64_t)d.n * d.k * gemm_in_size(&d), wi0.bytes[0]);
	ASSERT_EQ(0, npu_device_fdinfo(self->dev0, &f0));

	for (i = 0; i < plans; i++) {
		struct npu_gemm_layout lay;
		struct npu_gemm_info pi;

		ASSERT_EQ(0, gemm_plan_new(w, ms[i], out, 0, &plan[i])) TH_LOG("m_max %u", ms[i]);
		ASSERT_EQ(0, npu_gemm_weights_info(w, &wi));
		EXPECT_EQ(wi0.bytes[0], wi.bytes[0]) TH_LOG("after the plan of %u", ms[i]);
		EXPECT_EQ(wi0.vm_id[0], wi.vm_id[0]);
		ASSERT_EQ(0, npu_gemm_plan_info(plan[i], 0, &pi));
		EXPECT_EQ(wi0.bytes[0], pi.weight_bytes) TH_LOG("plan of %u", ms[i]);
		EXPECT_EQ(wi0.vm_id[0], pi.vm_id) TH_LOG("plan of %u", ms[i]);
		ASSERT_EQ(0, npu_gemm_plan_layout(plan[i], ms[i], &lay));
		EXPECT_EQ((uint64_t)ms[i] * d.k * gemm_in_size(&d), lay.a_bytes);
		/*
		 * The plan's own BOs: the packed input of m_max rows, one
		 * output per core (together the output layout's bytes, each
		 * rounded up to a page) and the streams of m_max rows.
		 */
		own += page_up(lay.a_bytes, page) + lay.c_bytes[0] +
		       page_up(((uint64_t)pi.tasks + pi.cores) * NPU_TASK_WORDS * 8,
			       page);
		inexact += (uint64_t)pi.cores * page;
	}
	ASSERT_EQ(0, npu_device_fdinfo(self->dev0, &f1));
	growth = f1.resident_memory - f0.resident_memory;
	TH_LOG("weights %llu bytes; 4 plans: resident +%llu bytes, own buffers %llu..%llu",
	       (unsigned long long)wi0.bytes[0], (unsigned long long)growth,
	       (unsigned long long)own, (unsigned long long)(own + inexact));
	/* The bound must be able to see one more copy of the weights. */
	ASSERT_LT(inexact, wi0.bytes[0]);
	EXPECT_GE(growth, own - inexact);
	EXPECT_LE(growth, own + inexact)
		TH_LOG("plans hold %lld bytes more than their buffers (weights are %llu)",
		       (long long)(growth - own - inexact),
		       (unsigned long long)wi0.bytes[0]);

	for (i = 0; i < plans; i++) {
		struct npu_gemm_desc dm = d;

		dm.m = ms[i];
		memset(c, 0xa5, cbytes);
		ASSERT_EQ(0, npu_gemm_plan_run(plan[i], ms[i], a, c)) TH_LOG("M = %u", ms[i]);
		ASSERT_EQ(0, npu_gemm_reference(&dm, a, b, ref));
		EXPECT_EQ(0, memcmp(c, ref, (size_t)dm.m * d.n * gemm_out_size(&d)))
			TH_LOG("M = %u differs from the reference", ms[i]);
		ASSERT_EQ(0, npu_gemm_weights_info(w, &wi));
		EXPECT_EQ(wi0.bytes[0], wi.bytes[0]) TH_LOG("after the run of %u", ms[i]);
	}
	/* Runs on the host path allocate nothing on the device. */
	ASSERT_EQ(0, npu_device_fdinfo(self->dev0, &f2));
	EXPECT_EQ(f1.resident_memory, f2.resident_memory);

	/* The plans hold the weights: dropping the caller's reference first. */
	npu_gemm_weights_unref(w);
	for (i = 0; i < plans; i++)
		npu_gemm_plan_destroy(plan[i]);
	ASSERT_EQ(0, npu_device_fdinfo(self->dev0, &f2));
	EXPECT_EQ(f0.resident_memory - wi0.bytes[0], f2.resident_memory)
		TH_LOG("the last plan frees the weights");
	free(a);
	free(b);
	free(c);
	free(ref);
}

TEST_F_TIMEOUT(api, shared_weights_fp16_fp32, 300)
{
	shared_weights(_metadata, self, NPU_DTYPE_FP16, NPU_DTYPE_FP32);
}

TEST_F_TIMEOUT(api, shared_weights_fp16_fp16, 300)
{
	shared_weights(_metadata, self, NPU_DTYPE_FP16, NPU_DTYPE_FP16);
}

TEST_F_TIMEOUT(api, shared_weights_int8, 300)
{
	shared_weights(_metadata, self, NPU_DTYPE_INT8, NPU_DTYPE_INT32);
}

/*
 * 2. Zero copy: A packed by npu_gemm_pack_a() into a BO and C read back
 * from a BO with npu_gemm_unpack_c() give what the host-pointer run
 * gives, at m_max and at a smaller M on the same (larger) BOs, and with
 * either side alone on a BO.
 */
TEST_F_TIMEOUT(api, zero_copy_equals_host, 180)
{
	struct npu_gemm_desc d = { 64, 256, 320, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	static const uint32_t ms[] = { 64, 33 };
	size_t cbytes = (size_t)d.m * d.n * 4;
	struct npu_gemm_weights *w = NULL;
	struct npu_gemm_plan *plan = NULL;
	struct npu_bo *abo, *cbo;
	void *amap, *cmap;
	struct npu_gemm_layout lay;
	uint16_t *a, *other, *b;
	float *host, *zc, *ref;
	unsigned int i;

	a = malloc((size_t)d.m * d.k * 2);
	other = malloc((size_t)d.m * d.k * 2);
	b = malloc((size_t)d.n * d.k * 2);
	host = malloc(cbytes);
	zc = malloc(cbytes);
	ref = malloc(cbytes);
	ASSERT_TRUE(a && other && b && host && zc && ref);
	gemm_fill(&d, b, (size_t)d.n * d.k);
	ASSERT_EQ(0, gemm_weights_new(self->one, d.k, d.n, d.in_type, 0, b, &w));
	ASSERT_EQ(0, gemm_plan_new(w, d.m, d.out_type, 0, &plan));
	ASSERT_EQ(0, npu_gemm_plan_layout(plan, d.m, &lay));
	EXPECT_EQ(d.m, lay.m);
	EXPECT_EQ((uint64_t)d.m * d.k * 2, lay.a_bytes);
	EXPECT_EQ((uint64_t)d.m * d.n * 4, lay.c_bytes[0]);
	EXPECT_EQ(0, lay.c_bytes[1]);
	ASSERT_EQ(0, bo_new(self->dev0, lay.a_bytes, &abo, &amap));
	ASSERT_EQ(0, bo_new(self->dev0, lay.c_bytes[0], &cbo, &cmap));

	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct npu_gemm_desc dm = d;
		uint32_t m = ms[i];
		size_t n = (size_t)m * d.n * 4;
		struct npu_gemm_run both = {
			.m = m, .a_bo = { abo }, .c_bo = { cbo },
		};
		struct npu_gemm_run a_only = { .m = m, .a_bo = { abo }, .c = zc };
		struct npu_gemm_run c_only = { .m = m, .a = a, .c_bo = { cbo } };

		dm.m = m;
		gemm_fill(&d, a, (size_t)d.m * d.k);
		gemm_fill(&d, other, (size_t)d.m * d.k);
		npu_gemm_reference(&dm, a, b, ref);
		memset(host, 0xa5, cbytes);
		ASSERT_EQ(0, npu_gemm_plan_run(plan, m, a, host));
		EXPECT_EQ(0, memcmp(host, ref, n)) TH_LOG("host run, M = %u", m);
		ASSERT_EQ(0, bo_pack_a(plan, m, a, abo, amap));

		/*
		 * Before each run on a BO, a host run of another A: the
		 * plan's own input and outputs hold something else then.
		 */
		ASSERT_EQ(0, npu_gemm_plan_run(plan, m, other, zc));
		memset(cmap, 0x5a, lay.c_bytes[0]);
		ASSERT_EQ(0, npu_gemm_plan_submit(plan, &both)) TH_LOG("M = %u", m);
		ASSERT_EQ(0, npu_gemm_plan_wait(plan, 60 * SEC));
		memset(zc, 0xa5, cbytes);
		ASSERT_EQ(0, bo_unpack_c(plan, m, 0, cbo, cmap, zc));
		EXPECT_EQ(0, memcmp(zc, host, n)) TH_LOG("a_bo and c_bo, M = %u", m);

		ASSERT_EQ(0, npu_gemm_plan_run(plan, m, other, zc));
		memset(zc, 0xa5, cbytes);
		ASSERT_EQ(0, npu_gemm_plan_submit(plan, &a_only));
		ASSERT_EQ(0, npu_gemm_plan_wait(plan, 60 * SEC));
		EXPECT_EQ(0, memcmp(zc, host, n)) TH_LOG("a_bo and c, M = %u", m);

		memset(cmap, 0x5a, lay.c_bytes[0]);
		ASSERT_EQ(0, npu_gemm_plan_submit(plan, &c_only));
		ASSERT_EQ(0, npu_gemm_plan_wait(plan, 60 * SEC));
		memset(zc, 0xa5, cbytes);
		ASSERT_EQ(0, bo_unpack_c(plan, m, 0, cbo, cmap, zc));
		EXPECT_EQ(0, memcmp(zc, host, n)) TH_LOG("a and c_bo, M = %u", m);
	}
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	npu_bo_unref(abo);
	npu_bo_unref(cbo);
	free(a);
	free(other);
	free(b);
	free(host);
	free(zc);
	free(ref);
}

/*
 * 2b. Bad BOs are refused with -EINVAL before anything is queued, and the
 * plan stays usable: after each refusal a good run (alternately on BOs
 * and on host memory) equals the reference.
 */
TEST_F_TIMEOUT(api, zero_copy_bad_bos, 180)
{
	struct npu_gemm_desc d = { 64, 256, 320, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	size_t cbytes = (size_t)d.m * d.n * 4;
	struct npu_device *dev1 = npu_device_group_device(self->all, 1);
	struct npu_bo *abo, *cbo, *a_small, *c_small, *a_die1 = NULL, *c_die1 = NULL;
	struct npu_gemm_weights *w = NULL;
	struct npu_gemm_plan *plan = NULL;
	struct npu_gemm_layout lay;
	void *amap, *cmap;
	uint16_t *a, *b;
	float *c, *ref;
	struct {
		const char *what;
		struct npu_gemm_run run;
	} bad[8];
	unsigned int i, count = 0;

	a = malloc((size_t)d.m * d.k * 2);
	b = malloc((size_t)d.n * d.k * 2);
	c = malloc(cbytes);
	ref = malloc(cbytes);
	ASSERT_TRUE(a && b && c && ref);
	gemm_fill(&d, a, (size_t)d.m * d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);
	npu_gemm_reference(&d, a, b, ref);
	ASSERT_EQ(0, gemm_weights_new(self->one, d.k, d.n, d.in_type, 0, b, &w));
	ASSERT_EQ(0, gemm_plan_new(w, d.m, d.out_type, 0, &plan));
	ASSERT_EQ(0, npu_gemm_plan_layout(plan, d.m, &lay));
	ASSERT_EQ(0, bo_new(self->dev0, lay.a_bytes, &abo, &amap));
	ASSERT_EQ(0, bo_new(self->dev0, lay.c_bytes[0], &cbo, &cmap));
	/* Half the size, still whole pages: too small for M = 64. */
	ASSERT_LT(2 * (uint64_t)sysconf(_SC_PAGESIZE), lay.a_bytes);
	ASSERT_EQ(0, bo_new(self->dev0, lay.a_bytes / 2, &a_small, NULL));
	ASSERT_EQ(0, bo_new(self->dev0, lay.c_bytes[0] / 2, &c_small, NULL));
	ASSERT_GT(lay.a_bytes, npu_bo_size(a_small));
	ASSERT_GT(lay.c_bytes[0], npu_bo_size(c_small));
	ASSERT_EQ(0, bo_pack_a(plan, d.m, a, abo, amap));

	/* A first good run maps abo and cbo: the bad runs replace them. */
	{
		struct npu_gemm_run good = { .m = d.m, .a_bo = { abo }, .c_bo = { cbo } };

		ASSERT_EQ(0, npu_gemm_plan_submit(plan, &good));
		ASSERT_EQ(0, npu_gemm_plan_wait(plan, 60 * SEC));
		memset(c, 0xa5, cbytes);
		ASSERT_EQ(0, bo_unpack_c(plan, d.m, 0, cbo, cmap, c));
		EXPECT_EQ(0, memcmp(c, ref, cbytes));
	}

	bad[count].what = "a_bo too small";
	bad[count++].run = (struct npu_gemm_run){
		.m = d.m, .a_bo = { a_small }, .c_bo = { cbo } };
	bad[count].what = "c_bo too small (a_bo good)";
	bad[count++].run = (struct npu_gemm_run){
		.m = d.m, .a_bo = { abo }, .c_bo = { c_small } };
	bad[count].what = "c_bo too small, host A";
	bad[count++].run = (struct npu_gemm_run){
		.m = d.m, .a = a, .c_bo = { c_small } };
	bad[count].what = "both a and a_bo";
	bad[count++].run = (struct npu_gemm_run){
		.m = d.m, .a = a, .a_bo = { abo }, .c = c };
	bad[count].what = "both c and c_bo";
	bad[count++].run = (struct npu_gemm_run){
		.m = d.m, .a = a, .c = c, .c_bo = { cbo } };
	bad[count].what = "an a_bo for a die the plan does not run on";
	bad[count++].run = (struct npu_gemm_run){
		.m = d.m, .a_bo = { abo, abo }, .c_bo = { cbo } };
	if (self->dies >= 2) {
		ASSERT_NE(NULL, dev1);
		ASSERT_EQ(0, bo_new(dev1, lay.a_bytes, &a_die1, NULL));
		ASSERT_EQ(0, bo_new(dev1, lay.c_bytes[0], &c_die1, NULL));
		bad[count].what = "a_bo of die 1";
		bad[count++].run = (struct npu_gemm_run){
			.m = d.m, .a_bo = { a_die1 }, .c_bo = { cbo } };
		bad[count].what = "c_bo of die 1";
		bad[count++].run = (struct npu_gemm_run){
			.m = d.m, .a_bo = { abo }, .c_bo = { c_die1 } };
	} else {
		TH_LOG("one die: no BO of another die to try");
	}

	for (i = 0; i < count; i++) {
		struct npu_gemm_run good = { .m = d.m, .a_bo = { abo }, .c_bo = { cbo } };

		EXPECT_EQ(-EINVAL, npu_gemm_plan_submit(plan, &bad[i].run))
			TH_LOG("%s", bad[i].what);
		/* Nothing in flight after a refusal. */
		EXPECT_EQ(-EINVAL, npu_gemm_plan_wait(plan, 0)) TH_LOG("%s", bad[i].what);
		memset(c, 0xa5, cbytes);
		if (i % 2) {
			EXPECT_EQ(0, npu_gemm_plan_run(plan, d.m, a, c))
				TH_LOG("host run after %s", bad[i].what);
		} else {
			memset(cmap, 0x5a, lay.c_bytes[0]);
			ASSERT_EQ(0, npu_gemm_plan_submit(plan, &good))
				TH_LOG("BO run after %s", bad[i].what);
			ASSERT_EQ(0, npu_gemm_plan_wait(plan, 60 * SEC));
			ASSERT_EQ(0, bo_unpack_c(plan, d.m, 0, cbo, cmap, c));
		}
		EXPECT_EQ(0, memcmp(c, ref, cbytes))
			TH_LOG("%s run after %s differs", i % 2 ? "host" : "BO",
			       bad[i].what);
	}
	TH_LOG("%u bad runs refused, each followed by a good run", count);
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	npu_bo_unref(abo);
	npu_bo_unref(cbo);
	npu_bo_unref(a_small);
	npu_bo_unref(c_small);
	npu_bo_unref(a_die1);
	npu_bo_unref(c_die1);
	free(a);
	free(b);
	free(c);
	free(ref);
}

/*
 * 3. Two GEMMs chained on the device: plan1 (fp16 in and out, N1 a
 * multiple of 32, M in one input tile) writes its C into a BO that plan2
 * (K2 = N1) reads as its A, the layouts being the same.  plan2 waits for
 * a syncobj plan1 signals; both are submitted before either is waited
 * for.  A plan with a run in flight refuses another with -EBUSY.
 */
TEST_F_TIMEOUT(api, async_chain, 180)
{
	/* plan1 large enough to be still running when plan2 is queued */
	struct npu_gemm_desc d1 = { 16, 2048, 256, NPU_DTYPE_FP16, NPU_DTYPE_FP16, { 0 } };
	struct npu_gemm_desc d2 = { 16, 256, 96, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	struct npu_gemm_weights *w1 = NULL, *w2 = NULL;
	struct npu_gemm_plan *p1 = NULL, *p2 = NULL;
	struct npu_gemm_layout l1, l2;
	struct npu_bo *mid;
	void *mid_map;
	uint16_t *a, *b1, *b2, *h, *h_dev;
	float *c, *ref;
	uint32_t sync;
	int running;

	a = malloc((size_t)d1.m * d1.k * 2);
	b1 = malloc((size_t)d1.n * d1.k * 2);
	b2 = malloc((size_t)d2.n * d2.k * 2);
	h = malloc((size_t)d1.m * d1.n * 2);
	h_dev = malloc((size_t)d1.m * d1.n * 2);
	c = malloc((size_t)d2.m * d2.n * 4);
	ref = malloc((size_t)d2.m * d2.n * 4);
	ASSERT_TRUE(a && b1 && b2 && h && h_dev && c && ref);
	gemm_fill(&d1, a, (size_t)d1.m * d1.k);
	gemm_fill(&d1, b1, (size_t)d1.n * d1.k);
	gemm_fill(&d2, b2, (size_t)d2.n * d2.k);
	/* reference(reference(A, B1) in fp16, B2) */
	ASSERT_EQ(0, npu_gemm_reference(&d1, a, b1, h));
	ASSERT_EQ(0, npu_gemm_reference(&d2, h, b2, ref));

	ASSERT_EQ(0, gemm_weights_new(self->one, d1.k, d1.n, d1.in_type, 0, b1, &w1));
	ASSERT_EQ(0, gemm_weights_new(self->one, d2.k, d2.n, d2.in_type, 0, b2, &w2));
	ASSERT_EQ(0, gemm_plan_new(w1, d1.m, d1.out_type, 0, &p1));
	ASSERT_EQ(0, gemm_plan_new(w2, d2.m, d2.out_type, 0, &p2));
	ASSERT_EQ(0, npu_gemm_plan_layout(p1, d1.m, &l1));
	ASSERT_EQ(0, npu_gemm_plan_layout(p2, d2.m, &l2));
	ASSERT_EQ(d1.m, l1.m_tile) TH_LOG("plan1's M must be one input tile");
	ASSERT_EQ(d2.m, l2.m_tile) TH_LOG("plan2's M must be one input tile");
	/* The output layout of plan1 is the input layout of plan2. */
	ASSERT_EQ(l1.c_bytes[0], l2.a_bytes);
	ASSERT_EQ(0, bo_new(self->dev0, l1.c_bytes[0], &mid, &mid_map));
	memset(mid_map, 0x7c, l1.c_bytes[0]);	/* fp16 inf pairs if unwritten */
	ASSERT_EQ(0, npu_syncobj_new(self->dev0, 0, &sync));

	{
		struct npu_gemm_run r1 = {
			.m = d1.m, .a = a, .c_bo = { mid },
			.out_sync = { { .handle = sync } },
		};
		struct npu_gemm_run r2 = {
			.m = d2.m, .a_bo = { mid }, .c = c,
			.in_sync = { { .handle = sync } },
		};

		memset(c, 0xa5, (size_t)d2.m * d2.n * 4);
		ASSERT_EQ(0, npu_gemm_plan_submit(p1, &r1));
		ASSERT_EQ(0, npu_gemm_plan_submit(p2, &r2));
		running = npu_syncobj_wait(self->dev0, sync, 0, 0) == -ETIME;
		/* Both in flight (as far as the plans know): no second run. */
		EXPECT_EQ(-EBUSY, npu_gemm_plan_submit(p1, &r1));
		EXPECT_EQ(-EBUSY, npu_gemm_plan_submit(p2, &r2));
		ASSERT_EQ(0, npu_gemm_plan_wait(p2, 120 * SEC));
		ASSERT_EQ(0, npu_gemm_plan_wait(p1, 120 * SEC));
		EXPECT_EQ(0, npu_syncobj_wait(self->dev0, sync, 0, 0))
			TH_LOG("plan1's out-sync is signalled once it is done");
		EXPECT_EQ(-EINVAL, npu_gemm_plan_wait(p1, 0));
		TH_LOG("plan1 %s when plan2 was queued behind it",
		       running ? "was still running" : "had already finished");
	}
	EXPECT_EQ(0, memcmp(c, ref, (size_t)d2.m * d2.n * 4))
		TH_LOG("the chain differs from the reference");
	/* The intermediate C is plan1's reference result. */
	memset(h_dev, 0xa5, (size_t)d1.m * d1.n * 2);
	ASSERT_EQ(0, bo_unpack_c(p1, d1.m, 0, mid, mid_map, h_dev));
	EXPECT_EQ(0, memcmp(h_dev, h, (size_t)d1.m * d1.n * 2))
		TH_LOG("plan1's output BO differs from reference(A, B1)");

	/* After the waits, both plans take runs again. */
	{
		float *c2 = malloc((size_t)d2.m * d2.n * 4);

		ASSERT_NE(NULL, c2);
		ASSERT_EQ(0, npu_gemm_plan_run(p2, d2.m, h, c2));
		EXPECT_EQ(0, memcmp(c2, ref, (size_t)d2.m * d2.n * 4));
		free(c2);
	}
	npu_syncobj_destroy(self->dev0, sync);
	npu_gemm_plan_destroy(p1);
	npu_gemm_plan_destroy(p2);
	npu_gemm_weights_unref(w1);
	npu_gemm_weights_unref(w2);
	npu_bo_unref(mid);
	free(a);
	free(b1);
	free(b2);
	free(h);
	free(h_dev);
	free(c);
	free(ref);
}

/*
 * 3b. in_sync alone orders a run: a long run on die 1 signals a syncobj,
 * its fence is moved to a syncobj of die 0 (as a sync file), and a short
 * run on die 0 that shares no BO with it (so no implicit sync) waits for
 * it.  When the short run is done, the long one must be.
 */
TEST_F_TIMEOUT(api, in_sync_orders_without_shared_bos, 180)
{
	struct npu_gemm_desc dl = { 32, 2048, 1024, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	struct npu_gemm_desc ds = { 1, 64, 32, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	struct npu_device_group *g1 = NULL;
	struct npu_gemm_weights *wl = NULL, *ws = NULL;
	struct npu_gemm_plan *pl = NULL, *ps = NULL;
	struct npu_device *dev1;
	uint32_t s1, s0;
	int8_t *al, *bl, as[64], bs[32 * 64];
	int32_t *cl, cs[32], ref[32];
	int fd, ret;

	if (self->dies < 2)
		SKIP(return, "one die");
	dev1 = npu_device_group_device(self->all, 1);
	ASSERT_EQ(0, npu_device_group_new(&dev1, 1, &g1));
	al = malloc((size_t)dl.m * dl.k);
	bl = malloc((size_t)dl.n * dl.k);
	cl = malloc((size_t)dl.m * dl.n * 4);
	ASSERT_TRUE(al && bl && cl);
	gemm_fill(&dl, al, (size_t)dl.m * dl.k);
	gemm_fill(&dl, bl, (size_t)dl.n * dl.k);
	gemm_fill(&ds, as, sizeof(as));
	gemm_fill(&ds, bs, sizeof(bs));
	npu_gemm_reference(&ds, as, bs, ref);
	ASSERT_EQ(0, gemm_weights_new(g1, dl.k, dl.n, dl.in_type, 0, bl, &wl));
	ASSERT_EQ(0, gemm_plan_new(wl, dl.m, dl.out_type, 0, &pl));
	ASSERT_EQ(0, gemm_weights_new(self->one, ds.k, ds.n, ds.in_type, 0, bs, &ws));
	ASSERT_EQ(0, gemm_plan_new(ws, ds.m, ds.out_type, 0, &ps));
	ASSERT_EQ(0, npu_syncobj_new(dev1, 0, &s1));
	ASSERT_EQ(0, npu_syncobj_new(self->dev0, 0, &s0));
	/* Warm up the short plan: its streams are emitted at submit. */
	ASSERT_EQ(0, npu_gemm_plan_run(ps, ds.m, as, cs));
	{
		struct npu_gemm_run rl = {
			.m = dl.m, .a = al, .c = cl,
			.out_sync = { { .handle = s1 } },
		};
		struct npu_gemm_run rs = {
			.m = ds.m, .a = as, .c = cs,
			.in_sync = { { .handle = s0 } },
		};
		int64_t t0;

		ASSERT_EQ(0, npu_gemm_plan_submit(pl, &rl));
		ASSERT_EQ(0, npu_syncobj_export_sync_file(dev1, s1, &fd));
		ASSERT_EQ(0, npu_syncobj_import_sync_file(self->dev0, s0, fd));
		close(fd);
		memset(cs, 0xa5, sizeof(cs));
		t0 = now_ns();
		ASSERT_EQ(0, npu_gemm_plan_submit(ps, &rs));
		ASSERT_EQ(0, npu_gemm_plan_wait(ps, 120 * SEC));
		TH_LOG("the short run took %.1f ms behind the long one",
		       (now_ns() - t0) / 1e6);
		ret = npu_syncobj_wait(dev1, s1, 0, 0);
		EXPECT_EQ(0, ret) TH_LOG("the short run ended before the run it waits for");
		ret = npu_gemm_plan_wait(pl, 0);
		EXPECT_EQ(0, ret) TH_LOG("long run: %s", strerror(-ret));
		if (ret == -ETIME)
			ASSERT_EQ(0, npu_gemm_plan_wait(pl, -1));
	}
	EXPECT_EQ(0, memcmp(cs, ref, sizeof(cs)));
	npu_syncobj_destroy(dev1, s1);
	npu_syncobj_destroy(self->dev0, s0);
	npu_gemm_plan_destroy(pl);
	npu_gemm_plan_destroy(ps);
	npu_gemm_weights_unref(wl);
	npu_gemm_weights_unref(ws);
	npu_device_group_unref(g1);
	free(al);
	free(bl);
	free(cl);
}

/*
 * 4. Two dies: a run split over both, submitted with an out-sync on each
 * die; once both syncobjs are signalled, the plan's wait has nothing left
 * to wait for, and C equals the one-die result and the reference.
 */
TEST_F_TIMEOUT(api, two_dies_async_out_syncs, 180)
{
	struct npu_gemm_desc d = { 16, 256, 320, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	size_t cbytes = (size_t)d.m * d.n * 4;
	struct npu_gemm_weights *w2 = NULL, *w1 = NULL;
	struct npu_gemm_plan *split = NULL, *one = NULL;
	struct npu_gemm_weights_info wi;
	struct npu_device *dev[2];
	uint32_t sync[2];
	uint16_t *a, *b;
	float *c2, *c1, *ref;
	unsigned int i;
	int ret;

	if (self->dies < 2)
		SKIP(return, "one die");
	for (i = 0; i < 2; i++)
		dev[i] = npu_device_group_device(self->all, i);
	a = malloc((size_t)d.m * d.k * 2);
	b = malloc((size_t)d.n * d.k * 2);
	c2 = malloc(cbytes);
	c1 = malloc(cbytes);
	ref = malloc(cbytes);
	ASSERT_TRUE(a && b && c2 && c1 && ref);
	gemm_fill(&d, a, (size_t)d.m * d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);
	npu_gemm_reference(&d, a, b, ref);

	ASSERT_EQ(0, gemm_weights_new(self->all, d.k, d.n, d.in_type, 0, b, &w2));
	ASSERT_EQ(0, npu_gemm_weights_info(w2, &wi));
	ASSERT_EQ(2, wi.dies);
	ASSERT_EQ(2, self->dies);
	ASSERT_EQ(0, gemm_plan_new(w2, d.m, d.out_type, 0, &split));
	ASSERT_EQ(2, npu_gemm_plan_dies(split));
	ASSERT_EQ(0, gemm_weights_new(self->one, d.k, d.n, d.in_type, 0, b, &w1));
	ASSERT_EQ(0, gemm_plan_new(w1, d.m, d.out_type, 0, &one));
	memset(c1, 0x5a, cbytes);
	ASSERT_EQ(0, npu_gemm_plan_run(one, d.m, a, c1));
	EXPECT_EQ(0, memcmp(c1, ref, cbytes)) TH_LOG("one die differs from the reference");

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, npu_syncobj_new(dev[i], 0, &sync[i]));
	{
		struct npu_gemm_run r = {
			.m = d.m, .a = a, .c = c2,
			.out_sync = { { .handle = sync[0] }, { .handle = sync[1] } },
		};

		memset(c2, 0xa5, cbytes);
		ASSERT_EQ(0, npu_gemm_plan_submit(split, &r));
		for (i = 0; i < 2; i++)
			EXPECT_EQ(0, npu_syncobj_wait(dev[i], sync[i], 0, 30 * SEC))
				TH_LOG("die %u's out-sync", i);
		/* Every job is done: the wait need not wait. */
		ret = npu_gemm_plan_wait(split, 0);
		EXPECT_EQ(0, ret) TH_LOG("plan wait after both out-syncs: %s",
					 strerror(-ret));
		if (ret == -ETIME)
			ASSERT_EQ(0, npu_gemm_plan_wait(split, -1));
	}
	EXPECT_EQ(0, memcmp(c2, c1, cbytes)) TH_LOG("split differs from one die");
	EXPECT_EQ(0, memcmp(c2, ref, cbytes)) TH_LOG("split differs from the reference");
	for (i = 0; i < 2; i++) {
		struct npu_gemm_stats st;

		ASSERT_EQ(0, npu_gemm_plan_get_stats(split, i, &st));
		EXPECT_EQ(1, st.runs) TH_LOG("die %u", i);
		EXPECT_LE(1, st.jobs) TH_LOG("die %u ran no job", i);
		npu_syncobj_destroy(dev[i], sync[i]);
	}
	npu_gemm_plan_destroy(split);
	npu_gemm_plan_destroy(one);
	npu_gemm_weights_unref(w2);
	npu_gemm_weights_unref(w1);
	free(a);
	free(b);
	free(c2);
	free(c1);
	free(ref);
}

/*
 * 4b. Two dies on caller BOs: one packed A shared by both dies through
 * dma-buf, each die's C in a BO of its own, asynchronous with out-syncs;
 * the columns read back per die equal the host-pointer split run.
 */
TEST_F_TIMEOUT(api, two_dies_zero_copy, 180)
{
	struct npu_gemm_desc d = { 24, 192, 200, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	size_t cbytes = (size_t)d.m * d.n * 4;
	struct npu_gemm_weights *w = NULL;
	struct npu_gemm_plan *plan = NULL;
	struct npu_gemm_weights_info wi;
	struct npu_gemm_layout lay;
	struct npu_device *dev[2];
	struct npu_bo *abo[2] = { NULL }, *cbo[2] = { NULL };
	void *amap, *cmap[2];
	uint32_t sync[2];
	int8_t *a, *b;
	int32_t *host, *zc, *ref;
	uint64_t caps;
	unsigned int i;
	int fd;

	if (self->dies < 2)
		SKIP(return, "one die");
	for (i = 0; i < 2; i++)
		dev[i] = npu_device_group_device(self->all, i);
	ASSERT_EQ(0, npu_device_get_param(dev[1], NPU_PARAM_CAPS, &caps));
	if (!(caps & NPU_CAP_IMPORT))
		SKIP(return, "die 1 cannot import die 0's dma-bufs");
	a = malloc((size_t)d.m * d.k);
	b = malloc((size_t)d.n * d.k);
	host = malloc(cbytes);
	zc = malloc(cbytes);
	ref = malloc(cbytes);
	ASSERT_TRUE(a && b && host && zc && ref);
	gemm_fill(&d, a, (size_t)d.m * d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);
	npu_gemm_reference(&d, a, b, ref);

	ASSERT_EQ(0, gemm_weights_new(self->all, d.k, d.n, d.in_type, 0, b, &w));
	ASSERT_EQ(0, npu_gemm_weights_info(w, &wi));
	ASSERT_EQ(2, wi.dies);
	ASSERT_EQ(0, gemm_plan_new(w, d.m, d.out_type, 0, &plan));
	ASSERT_EQ(0, npu_gemm_plan_layout(plan, d.m, &lay));
	for (i = 0; i < 2; i++) {
		uint32_t nd = wi.n0[i + 1] - wi.n0[i];

		/* N_d padded to the int8 weight tile, 4 int32 per 16 bytes */
		EXPECT_EQ((uint64_t)(nd + 31) / 32 * 32 * d.m * 4, lay.c_bytes[i])
			TH_LOG("die %u: %u columns", i, nd);
		ASSERT_EQ(0, bo_new(dev[i], lay.c_bytes[i], &cbo[i], &cmap[i]));
		ASSERT_EQ(0, npu_syncobj_new(dev[i], 0, &sync[i]));
	}
	ASSERT_EQ(0, bo_new(dev[0], lay.a_bytes, &abo[0], &amap));
	ASSERT_EQ(0, bo_pack_a(plan, d.m, a, abo[0], amap));
	ASSERT_EQ(0, npu_bo_export_dmabuf(abo[0], &fd));
	ASSERT_EQ(0, npu_bo_import_dmabuf(dev[1], fd, &abo[1]));
	close(fd);

	memset(host, 0xa5, cbytes);
	ASSERT_EQ(0, npu_gemm_plan_run(plan, d.m, a, host));
	EXPECT_EQ(0, memcmp(host, ref, cbytes));
	{
		struct npu_gemm_run r = {
			.m = d.m, .a_bo = { abo[0], abo[1] },
			.c_bo = { cbo[0], cbo[1] },
			.out_sync = { { .handle = sync[0] }, { .handle = sync[1] } },
		};

		ASSERT_EQ(0, npu_gemm_plan_submit(plan, &r));
		for (i = 0; i < 2; i++)
			EXPECT_EQ(0, npu_syncobj_wait(dev[i], sync[i], 0, 30 * SEC))
				TH_LOG("die %u's out-sync", i);
		ASSERT_EQ(0, npu_gemm_plan_wait(plan, 120 * SEC));
	}
	memset(zc, 0xa5, cbytes);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, bo_unpack_c(plan, d.m, i, cbo[i], cmap[i], zc));
	EXPECT_EQ(0, memcmp(zc, host, cbytes)) TH_LOG("BO run differs from the host run");
	EXPECT_EQ(-EINVAL, npu_gemm_unpack_c(plan, d.m, 2, cmap[0], zc));
	{
		/* die 1's input BO of die 0 (the one not imported) is refused */
		struct npu_gemm_run r = {
			.m = d.m, .a_bo = { abo[0], abo[0] },
			.c_bo = { cbo[0], cbo[1] },
		};

		EXPECT_EQ(-EINVAL, npu_gemm_plan_submit(plan, &r));
	}
	for (i = 0; i < 2; i++) {
		npu_syncobj_destroy(dev[i], sync[i]);
		npu_bo_unref(abo[i]);
		npu_bo_unref(cbo[i]);
	}
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	free(a);
	free(b);
	free(host);
	free(zc);
	free(ref);
}

/*
 * 5. Two threads, each running its own plan on its own weights on the
 * same device, 50 runs each at varying M, every result checked.
 */
#define THREAD_RUNS	50

struct worker {
	struct npu_gemm_plan *plan;
	struct npu_gemm_desc d;	/* m = m_max */
	const void *b;
	pthread_barrier_t *start;
	uint64_t rng;
	unsigned int ok, wrong, failed;
	int first_err;
	uint32_t first_wrong_m;
};

static uint32_t worker_rnd(struct worker *wk)
{
	wk->rng ^= wk->rng << 13;
	wk->rng ^= wk->rng >> 7;
	wk->rng ^= wk->rng << 17;
	return (uint32_t)wk->rng;
}

static void *worker_fn(void *arg)
{
	struct worker *wk = arg;
	const struct npu_gemm_desc *d = &wk->d;
	size_t cbytes = (size_t)d->m * d->n * gemm_out_size(d);
	size_t acount = (size_t)d->m * d->k;
	void *a = malloc(acount * gemm_in_size(d));
	void *c = malloc(cbytes), *ref = malloc(cbytes);
	unsigned int i;
	size_t j;

	pthread_barrier_wait(wk->start);
	if (!a || !c || !ref) {
		wk->failed = THREAD_RUNS;
		wk->first_err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < THREAD_RUNS; i++) {
		struct npu_gemm_desc dm = *d;
		int ret;

		dm.m = 1 + i % d->m;
		for (j = 0; j < acount; j++) {
			if (d->in_type == NPU_DTYPE_INT8)
				((int8_t *)a)[j] = (int8_t)(worker_rnd(wk) % 255 - 127);
			else
				((uint16_t *)a)[j] = npu_fp32_to_fp16(
					((int)(worker_rnd(wk) % 4001) - 2000) / 1000.0f);
		}
		memset(c, 0xa5, cbytes);
		ret = npu_gemm_plan_run(wk->plan, dm.m, a, c);
		if (ret) {
			if (!wk->failed++)
				wk->first_err = ret;
			continue;
		}
		npu_gemm_reference(&dm, a, wk->b, ref);
		if (memcmp(c, ref, (size_t)dm.m * d->n * gemm_out_size(d))) {
			if (!wk->wrong++)
				wk->first_wrong_m = dm.m;
		} else {
			wk->ok++;
		}
	}
out:
	free(a);
	free(c);
	free(ref);
	return NULL;
}

TEST_F_TIMEOUT(api, two_threads_two_plans, 300)
{
	struct worker wk[2] = {
		{ .d = { 5, 192, 96, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		  .rng = 0x243f6a8885a308d3ull },
		{ .d = { 3, 128, 80, NPU_DTYPE_FP16, NPU_DTYPE_FP16, { 0 } },
		  .rng = 0x13198a2e03707344ull },
	};
	struct npu_gemm_weights *w[2] = { NULL };
	void *b[2];
	pthread_barrier_t start;
	pthread_t th[2];
	unsigned int i;

	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
	for (i = 0; i < 2; i++) {
		struct npu_gemm_desc *d = &wk[i].d;

		b[i] = malloc((size_t)d->n * d->k * gemm_in_size(d));
		ASSERT_NE(NULL, b[i]);
		gemm_fill(d, b[i], (size_t)d->n * d->k);
		ASSERT_EQ(0, gemm_weights_new(self->one, d->k, d->n, d->in_type, 0, b[i], &w[i]));
		ASSERT_EQ(0, gemm_plan_new(w[i], d->m, d->out_type, 0, &wk[i].plan));
		wk[i].b = b[i];
		wk[i].start = &start;
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker_fn, &wk[i]));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, wk[i].failed)
			TH_LOG("thread %u: %u runs failed, the first with %s", i,
			       wk[i].failed, strerror(-wk[i].first_err));
		EXPECT_EQ(0, wk[i].wrong)
			TH_LOG("thread %u: %u results wrong, the first at M = %u", i,
			       wk[i].wrong, wk[i].first_wrong_m);
		EXPECT_EQ(THREAD_RUNS, wk[i].ok);
		TH_LOG("thread %u (%s, %ux%u): %u/%u runs equal the reference", i,
		       wk[i].d.in_type == NPU_DTYPE_INT8 ? "int8" : "fp16",
		       wk[i].d.k, wk[i].d.n, wk[i].ok, THREAD_RUNS);
		npu_gemm_plan_destroy(wk[i].plan);
		npu_gemm_weights_unref(w[i]);
		free(b[i]);
	}
	pthread_barrier_destroy(&start);
}

TEST_HARNESS_MAIN
