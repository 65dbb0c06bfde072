// SPDX-License-Identifier: MIT
/*
 * GEMMs split over the two dies of the virtual NPU's package, through
 * libnpu: each die holds its slice of B in its own memory (its own NUMA
 * node) and computes its columns of C.  The result must be identical, bit
 * for bit, to the same GEMM on one die and to the CPU reference.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "npu.h"
#include "npu_gemm.h"
#include "gemm_helpers.h"

/* Work per shape: the shapes of the GEMM shape matrix, within a budget. */
#define MAX_MACS_INT8	(20u * 1000 * 1000)
#define MAX_MACS_FP16	(2u * 1000 * 1000)

/* How a GEMM was cut over the dies: the weights' layout and each die's work. */
struct split_info {
	struct npu_gemm_weights_info w;
	struct npu_gemm_info die[NPU_GROUP_MAX_DIES];
};

/*
 * B of @d on the dies of @g (@dies of them, 0 for all) and a plan of
 * @d->m rows on it; with @b NULL the weights are left unset.
 */
static int split_new(struct npu_device_group *g, const struct npu_gemm_desc *d,
		     uint32_t dies, const void *b, struct npu_gemm_weights **w,
		     struct npu_gemm_plan **plan)
{
	int ret;

	*plan = NULL;
	ret = gemm_weights_new(g, d->k, d->n, d->in_type, dies, b, w);
	return ret ? ret : gemm_plan_new(*w, d->m, d->out_type, 0, plan);
}

/* Fill in @info; 0, or -EIO when the plan and the weights disagree. */
static int split_info(const struct npu_gemm_weights *w,
		      const struct npu_gemm_plan *plan, struct split_info *info)
{
	uint32_t d;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = npu_gemm_weights_info(w, &info->w);
	if (ret)
		return ret;
	if (npu_gemm_plan_dies(plan) != (int)info->w.dies)
		return -EIO;
	for (d = 0; d < info->w.dies; d++) {
		ret = npu_gemm_plan_info(plan, d, &info->die[d]);
		if (ret)
			return ret;
		if (info->die[d].weight_bytes != info->w.bytes[d])
			return -EIO;
	}
	return 0;
}

/*
 * Run @d split over the group and on die 0 alone (a group of that one
 * die).  0 when both equal the CPU reference bit for bit; fills in how N
 * was cut.
 */
static int split_vs_single(struct npu_device_group *g,
			   const struct npu_gemm_desc *d,
			   struct split_info *info)
{
	size_t cbytes = (size_t)d->m * d->n * gemm_out_size(d);
	struct npu_device *die0 = npu_device_group_device(g, 0);
	struct npu_gemm_weights *w2 = NULL, *w1 = NULL;
	struct npu_gemm_plan *split = NULL, *one = NULL;
	struct npu_device_group *g1 = NULL;
	void *a, *b, *c2, *c1, *ref;
	int ret;

	a = malloc((size_t)d->m * d->k * gemm_in_size(d));
	b = malloc((size_t)d->n * d->k * gemm_in_size(d));
	c2 = malloc(cbytes);
	c1 = malloc(cbytes);
	ref = malloc(cbytes);
	ret = -ENOMEM;
	if (!a || !b || !c2 || !c1 || !ref)
		goto out;
	gemm_fill(d, a, (size_t)d->m * d->k);
	gemm_fill(d, b, (size_t)d->n * d->k);
	memset(c2, 0xa5, cbytes);
	memset(c1, 0x5a, cbytes);

	ret = split_new(g, d, 0, b, &w2, &split);
	if (!ret)
		ret = npu_gemm_plan_run(split, d->m, a, c2);
	if (!ret)
		ret = split_info(w2, split, info);
	if (!ret)
		ret = npu_device_group_new(&die0, 1, &g1);
	if (!ret)
		ret = split_new(g1, d, 0, b, &w1, &one);
	if (!ret)
		ret = npu_gemm_plan_dies(one) == 1 ? 0 : -EIO;
	if (!ret)
		ret = npu_gemm_plan_run(one, d->m, a, c1);
	if (ret)
		goto out;
	npu_gemm_reference(d, a, b, ref);
	ret = memcmp(c2, c1, cbytes) ? 1 : memcmp(c2, ref, cbytes) ? 2 : 0;
out:
	npu_gemm_plan_destroy(split);
	npu_gemm_plan_destroy(one);
	npu_gemm_weights_unref(w2);
	npu_gemm_weights_unref(w1);
	npu_device_group_unref(g1);
	free(a);
	free(b);
	free(c2);
	free(c1);
	free(ref);
	return ret;
}

FIXTURE(split) {
	struct npu_device_group *group;
};

FIXTURE_SETUP(split)
{
	ASSERT_EQ(0, npu_device_group_open(0, &self->group));
	ASSERT_EQ(2, npu_device_group_count(self->group))
		TH_LOG("the test VM's virtual NPU has two dies");
}

FIXTURE_TEARDOWN(split)
{
	npu_device_group_unref(self->group);
}

/* Group device i is die i, and every die of the package is there. */
TEST_F(split, group_holds_every_die_in_order)
{
	struct npu_device_group *from1 = NULL;
	uint64_t v, pkg0, pkg1;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct npu_device *dev = npu_device_group_device(self->group, i);

		ASSERT_NE(NULL, dev);
		ASSERT_EQ(0, npu_device_get_param(dev, NPU_PARAM_DIE_INDEX, &v));
		EXPECT_EQ(i, v);
	}
	EXPECT_EQ(NULL, npu_device_group_device(self->group, 2));
	/* Opened from die 1, the same package in the same order. */
	ASSERT_EQ(0, npu_device_group_open(1, &from1));
	npu_device_get_param(npu_device_group_device(self->group, 0),
			     NPU_PARAM_PACKAGE_ID, &pkg0);
	npu_device_get_param(npu_device_group_device(from1, 0),
			     NPU_PARAM_PACKAGE_ID, &pkg1);
	EXPECT_EQ(pkg0, pkg1);
	npu_device_get_param(npu_device_group_device(from1, 1),
			     NPU_PARAM_DIE_INDEX, &v);
	EXPECT_EQ(1, v);
	npu_device_group_unref(from1);
	EXPECT_EQ(-ENODEV, npu_device_group_open(99, &from1));
	EXPECT_EQ(NULL, from1);
}

static void shape_matrix(struct __test_metadata *_metadata,
			 struct npu_device_group *g, uint32_t in, uint32_t out)
{
	uint32_t max_macs = in == NPU_DTYPE_INT8 ? MAX_MACS_INT8 : MAX_MACS_FP16;
	unsigned int i, count = 0, two = 0;

	for (i = 0; i < GEMM_SHAPES; i++) {
		struct split_info info;
		struct npu_gemm_desc d;
		int ret;

		if (!gemm_shape(i, in, out, max_macs, &d))
			continue;
		ret = split_vs_single(g, &d, &info);
		ASSERT_EQ(0, ret)
			TH_LOG("%ux%ux%u: %s", d.m, d.k, d.n,
			       ret == 1 ? "split differs from one die" :
			       ret == 2 ? "differs from the reference" :
			       ret == -EIO ? "plan and weights disagree" :
			       strerror(-ret));
		/* N = 16 is too narrow for two slices of 32 */
		EXPECT_EQ(d.n >= 64 ? 2 : 1, info.w.dies)
			TH_LOG("%ux%ux%u on %u dies", d.m, d.k, d.n, info.w.dies);
		count++;
		two += info.w.dies == 2;
	}
	TH_LOG("%u shapes (%u over both dies), identical to one die and to the reference",
	       count, two);
}

TEST_F_TIMEOUT(split, int8_shape_matrix, 300)
{
	shape_matrix(_metadata, self->group, NPU_DTYPE_INT8, NPU_DTYPE_INT32);
}

TEST_F_TIMEOUT(split, fp16_fp32_shape_matrix, 300)
{
	shape_matrix(_metadata, self->group, NPU_DTYPE_FP16, NPU_DTYPE_FP32);
}

TEST_F_TIMEOUT(split, fp16_fp16_shape_matrix, 300)
{
	shape_matrix(_metadata, self->group, NPU_DTYPE_FP16, NPU_DTYPE_FP16);
}

/*
 * The classifier of a 32000-token vocabulary: both dies hold half of B
 * (fdinfo of each die's file shows it) and both dies' cores work.
 */
TEST_F_TIMEOUT(split, both_dies_hold_and_work, 120)
{
	struct npu_gemm_desc d = { 1, 768, 32000, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } };
	struct npu_fdinfo before[2], after[2];
	struct npu_gemm_weights *w = NULL;
	struct npu_gemm_plan *plan = NULL;
	struct split_info info;
	int8_t *a, *b;
	int32_t *c, *ref;
	unsigned int i, core;

	a = malloc(d.k);
	b = malloc((size_t)d.n * d.k);
	c = malloc((size_t)d.n * 4);
	ref = malloc((size_t)d.n * 4);
	ASSERT_TRUE(a && b && c && ref);
	gemm_fill(&d, a, d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, npu_device_fdinfo(npu_device_group_device(self->group, i),
					       &before[i]));
	ASSERT_EQ(0, split_new(self->group, &d, 2, b, &w, &plan));
	ASSERT_EQ(0, npu_gemm_plan_run(plan, d.m, a, c));
	ASSERT_EQ(0, split_info(w, plan, &info));
	ASSERT_EQ(2, info.w.dies);
	EXPECT_EQ(0, info.w.n0[0]);
	EXPECT_EQ(16000, info.w.n0[1]);
	EXPECT_EQ(d.n, info.w.n0[2]);
	npu_gemm_reference(&d, a, b, ref);
	EXPECT_EQ(0, memcmp(c, ref, (size_t)d.n * 4));
	/* One packed input, die 0's, read by die 1 through dma-buf. */
	EXPECT_EQ(0, info.die[0].shared_input);
	EXPECT_EQ(1, info.die[1].shared_input);
	for (i = 0; i < 2; i++) {
		uint64_t busy = 0;

		ASSERT_EQ(0, npu_device_fdinfo(npu_device_group_device(self->group, i),
					       &after[i]));
		for (core = 0; core < after[i].core_count; core++)
			busy += after[i].busy_ns[core] - before[i].busy_ns[core];
		EXPECT_GE(after[i].resident_memory - before[i].resident_memory,
			  info.w.bytes[i]);
		EXPECT_GT(busy, 0);
		TH_LOG("die %u: columns %u..%u, weights %.1f MiB, +%.1f MiB resident, busy %.1f ms over %u cores",
		       i, info.w.n0[i], info.w.n0[i + 1] - 1,
		       info.w.bytes[i] / 1048576.0,
		       (after[i].resident_memory - before[i].resident_memory) / 1048576.0,
		       busy / 1e6, info.die[i].cores);
	}
	/* Comparable halves: neither pool holds much more than the other. */
	EXPECT_LT(info.w.bytes[0], 2 * info.w.bytes[1]);
	EXPECT_LT(info.w.bytes[1], 2 * info.w.bytes[0]);
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	free(a);
	free(b);
	free(c);
	free(ref);
}

/*
 * Weights stored already cut (a peer package): each die's slice given by
 * itself, at the rows npu_gemm_cut() gives, computes what all of B does.
 */
TEST_F(split, die_slices_equal_whole)
{
	struct npu_gemm_desc d = { 4, 64, 172, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } };
	struct npu_gemm_weights *whole = NULL, *cut = NULL;
	struct npu_gemm_plan *pw = NULL, *pc = NULL;
	uint32_t n0[NPU_GROUP_MAX_DIES + 1];
	struct split_info info;
	uint16_t a[4 * 64], b[172 * 64];
	float cw[4 * 172], cc[4 * 172];
	unsigned int i;

	gemm_fill(&d, a, 4 * 64);
	gemm_fill(&d, b, 172 * 64);
	memset(cw, 0xa5, sizeof(cw));
	memset(cc, 0x5a, sizeof(cc));
	ASSERT_EQ(2, npu_gemm_cut(d.n, 2, n0));
	ASSERT_EQ(0, split_new(self->group, &d, 0, b, &whole, &pw));
	ASSERT_EQ(0, split_new(self->group, &d, 0, NULL, &cut, &pc));
	ASSERT_EQ(0, split_info(cut, pc, &info));
	ASSERT_EQ(2, info.w.dies);
	for (i = 0; i <= 2; i++)
		EXPECT_EQ(n0[i], info.w.n0[i]) TH_LOG("n0[%u]", i);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, npu_gemm_weights_set_die(cut, i,
						      b + (size_t)n0[i] * d.k));
	EXPECT_EQ(-EINVAL, npu_gemm_weights_set_die(cut, 2, b));
	ASSERT_EQ(0, npu_gemm_plan_run(pw, d.m, a, cw));
	ASSERT_EQ(0, npu_gemm_plan_run(pc, d.m, a, cc));
	EXPECT_EQ(0, memcmp(cw, cc, sizeof(cw)));
	npu_gemm_plan_destroy(pw);
	npu_gemm_plan_destroy(pc);
	npu_gemm_weights_unref(whole);
	npu_gemm_weights_unref(cut);
}

/* Bad arguments: -EINVAL and a NULL object, never a crash. */
TEST_F(split, bad_arguments)
{
	struct npu_gemm_weights_desc wd = {
		.k = 64, .n = 64, .in_type = NPU_DTYPE_INT8,
	};
	struct npu_gemm_weights_desc bad = wd;
	struct npu_gemm_plan_desc pd = {
		.m_max = 1, .out_type = NPU_DTYPE_INT32,
	};
	struct npu_gemm_plan_desc bad_pd = pd;
	struct npu_gemm_weights *w = (void *)1;
	struct npu_gemm_plan *plan = (void *)1;
	struct npu_gemm_run run = { 0 };
	struct npu_gemm_stats st;
	struct npu_gemm_info info;
	int8_t a[64] = { 0 }, b[64 * 64] = { 0 };
	int32_t c[64];

	EXPECT_EQ(-EINVAL, npu_gemm_weights_new(NULL, &wd, &w));
	EXPECT_EQ(NULL, w);
	w = (void *)1;
	EXPECT_EQ(-EINVAL, npu_gemm_weights_new(self->group, NULL, &w));
	EXPECT_EQ(NULL, w);
	bad.in_type = NPU_DTYPE_INT32;
	w = (void *)1;
	EXPECT_EQ(-EINVAL, npu_gemm_weights_new(self->group, &bad, &w));
	EXPECT_EQ(NULL, w);
	bad = wd;
	bad.dies = 3;
	EXPECT_EQ(-EINVAL, npu_gemm_weights_new(self->group, &bad, &w))
		TH_LOG("3 dies of a group of 2");
	bad = wd;
	bad.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, npu_gemm_weights_new(self->group, &bad, &w));
	EXPECT_EQ(-EINVAL, npu_gemm_weights_set(NULL, b));

	ASSERT_EQ(0, npu_gemm_weights_new(self->group, &wd, &w));
	ASSERT_EQ(0, npu_gemm_weights_set(w, b));
	EXPECT_EQ(-EINVAL, npu_gemm_weights_set(w, NULL));
	/* int8 weights give int32 only */
	bad_pd.out_type = NPU_DTYPE_FP16;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_new(w, &bad_pd, &plan));
	EXPECT_EQ(NULL, plan);
	bad_pd = pd;
	bad_pd.m_max = 0;
	plan = (void *)1;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_new(w, &bad_pd, &plan));
	EXPECT_EQ(NULL, plan);
	bad_pd = pd;
	bad_pd.cores = 99;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_new(w, &bad_pd, &plan));
	bad_pd = pd;
	bad_pd.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_new(w, &bad_pd, &plan));
	EXPECT_EQ(-EINVAL, npu_gemm_plan_new(w, NULL, &plan));
	EXPECT_EQ(-EINVAL, npu_gemm_plan_new(NULL, &pd, &plan));
	EXPECT_EQ(-EINVAL, npu_gemm_plan_run(NULL, 1, a, c));

	ASSERT_EQ(0, npu_gemm_plan_new(w, &pd, &plan));
	EXPECT_EQ(2, npu_gemm_plan_dies(plan));
	EXPECT_EQ(-EINVAL, npu_gemm_plan_run(plan, 2, a, c)) TH_LOG("M past m_max");
	EXPECT_EQ(-EINVAL, npu_gemm_plan_run(plan, 1, NULL, c));
	EXPECT_EQ(-EINVAL, npu_gemm_plan_run(plan, 1, a, NULL));
	run.m = 1;
	run.c = c;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_submit(plan, &run)) TH_LOG("no A");
	run.a = a;
	run.flags = 1;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_submit(plan, &run)) TH_LOG("a flag");
	run.flags = 0;
	run.in_sync[2].handle = 1;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_submit(plan, &run))
		TH_LOG("a syncobj of a die the plan does not run on");
	run.in_sync[2].handle = 0;
	EXPECT_EQ(-EINVAL, npu_gemm_plan_wait(plan, 0)) TH_LOG("no run in flight");
	EXPECT_EQ(-EINVAL, npu_gemm_plan_get_stats(plan, 2, &st));
	EXPECT_EQ(-EINVAL, npu_gemm_plan_info(plan, 2, &info));
	/* The bad calls left the plan as it was. */
	EXPECT_EQ(0, npu_gemm_plan_submit(plan, &run));
	EXPECT_EQ(-EBUSY, npu_gemm_plan_submit(plan, &run));
	EXPECT_EQ(0, npu_gemm_plan_wait(plan, -1));
	EXPECT_EQ(0, c[0]);
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
}

TEST_HARNESS_MAIN
