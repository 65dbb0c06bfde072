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

/*
 * Run @d split over the group and on die 0 alone.  0 when both equal the
 * CPU reference bit for bit; fills in how N was cut.
 */
static int split_vs_single(struct npu_device_group *g,
			   const struct npu_gemm_desc *d,
			   struct npu_gemm_split_info *info)
{
	size_t cbytes = (size_t)d->m * d->n * gemm_out_size(d);
	struct npu_gemm_split *split = NULL;
	struct npu_gemm_plan *one = NULL;
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

	ret = npu_gemm_split_new(g, d, 0, 0, &split);
	if (!ret)
		ret = npu_gemm_split_set_weights(split, b);
	if (!ret)
		ret = npu_gemm_split_run(split, a, c2);
	if (!ret)
		ret = npu_gemm_split_info(split, info);
	if (!ret)
		ret = npu_gemm_plan_new(npu_device_group_device(g, 0), d, 0, &one);
	if (!ret)
		ret = npu_gemm_plan_set_weights(one, b);
	if (!ret)
		ret = npu_gemm_plan_run(one, a, c1);
	if (ret)
		goto out;
	npu_gemm_reference(d, a, b, ref);
	ret = memcmp(c2, c1, cbytes) ? 1 : memcmp(c2, ref, cbytes) ? 2 : 0;
out:
	npu_gemm_split_destroy(split);
	npu_gemm_plan_destroy(one);
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
		struct npu_gemm_split_info info;
		struct npu_gemm_desc d;
		int ret;

		if (!gemm_shape(i, in, out, max_macs, &d))
			continue;
		ret = split_vs_single(g, &d, &info);
		ASSERT_EQ(0, ret)
			TH_LOG("%ux%ux%u: %s", d.m, d.k, d.n,
			       ret == 1 ? "split differs from one die" :
			       ret == 2 ? "differs from the reference" :
			       strerror(-ret));
		/* N = 16 is too narrow for two slices of 32 */
		EXPECT_EQ(d.n >= 64 ? 2 : 1, info.dies)
			TH_LOG("%ux%ux%u on %u dies", d.m, d.k, d.n, info.dies);
		count++;
		two += info.dies == 2;
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
	struct npu_gemm_desc d = { 1, 768, 32000, NPU_DTYPE_INT8, NPU_DTYPE_INT32 };
	struct npu_fdinfo before[2], after[2];
	struct npu_gemm_split_info info;
	struct npu_gemm_split *split = NULL;
	int8_t *a, *b;
	int32_t *c;
	unsigned int i, core;

	a = malloc(d.k);
	b = malloc((size_t)d.n * d.k);
	c = malloc((size_t)d.n * 4);
	ASSERT_TRUE(a && b && c);
	gemm_fill(&d, a, d.k);
	gemm_fill(&d, b, (size_t)d.n * d.k);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, npu_device_fdinfo(npu_device_group_device(self->group, i),
					       &before[i]));
	ASSERT_EQ(0, npu_gemm_split_new(self->group, &d, 2, 0, &split));
	ASSERT_EQ(0, npu_gemm_split_set_weights(split, b));
	ASSERT_EQ(0, npu_gemm_split_run(split, a, c));
	ASSERT_EQ(0, npu_gemm_split_info(split, &info));
	ASSERT_EQ(2, info.dies);
	/* One packed input, die 0's, read by die 1 through dma-buf. */
	EXPECT_EQ(1, info.shared_input);
	for (i = 0; i < 2; i++) {
		uint64_t busy = 0;

		ASSERT_EQ(0, npu_device_fdinfo(npu_device_group_device(self->group, i),
					       &after[i]));
		for (core = 0; core < after[i].core_count; core++)
			busy += after[i].busy_ns[core] - before[i].busy_ns[core];
		EXPECT_GE(after[i].resident_memory - before[i].resident_memory,
			  info.die[i].weight_bytes);
		EXPECT_GT(busy, 0);
		TH_LOG("die %u: columns %u..%u, weights %.1f MiB, +%.1f MiB resident, busy %.1f ms over %u cores",
		       i, info.n0[i], info.n0[i + 1] - 1,
		       info.die[i].weight_bytes / 1048576.0,
		       (after[i].resident_memory - before[i].resident_memory) / 1048576.0,
		       busy / 1e6, info.die[i].cores);
	}
	/* Comparable halves: neither pool holds much more than the other. */
	EXPECT_LT(info.die[0].weight_bytes, 2 * info.die[1].weight_bytes);
	EXPECT_LT(info.die[1].weight_bytes, 2 * info.die[0].weight_bytes);
	npu_gemm_split_destroy(split);
	free(a);
	free(b);
	free(c);
}

/* Bad arguments: -EINVAL and a NULL plan, never a crash. */
TEST_F(split, bad_arguments)
{
	struct npu_gemm_desc d = { 1, 64, 64, NPU_DTYPE_INT8, NPU_DTYPE_INT32 };
	struct npu_gemm_desc bad = { 1, 64, 64, NPU_DTYPE_INT8, NPU_DTYPE_FP16 };
	struct npu_gemm_split *split = (void *)1;

	EXPECT_EQ(-EINVAL, npu_gemm_split_new(NULL, &d, 0, 0, &split));
	EXPECT_EQ(NULL, split);
	EXPECT_EQ(-EINVAL, npu_gemm_split_new(self->group, &bad, 0, 0, &split));
	EXPECT_EQ(NULL, split);
	EXPECT_EQ(-EINVAL, npu_gemm_split_new(self->group, NULL, 0, 0, &split));
	EXPECT_EQ(-EINVAL, npu_gemm_split_run(NULL, &d, &d));
	EXPECT_EQ(-EINVAL, npu_gemm_split_set_weights(NULL, &d));
}

TEST_HARNESS_MAIN
