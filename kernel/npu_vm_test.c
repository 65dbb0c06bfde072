// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * KUnit tests of VA-range checking and allocation in a VM.  Included at
 * the end of npu_vm.c to reach its static functions.
 */
#include <kunit/test.h>

static struct npu_device *npu_vm_test_device(struct kunit *test)
{
	struct npu_device *ndev = kunit_kzalloc(test, sizeof(*ndev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ndev);
	ndev->info.va_bits = 32;
	return ndev;
}

static void npu_vm_test_check_map(struct kunit *test)
{
	struct npu_device *ndev = npu_vm_test_device(test);
	struct drm_gem_object obj = { .size = 16 * NPU_PAGE_SIZE };
	struct drm_npu_vm_map a = {
		.size = NPU_PAGE_SIZE, .flags = DRM_NPU_MAP_READ,
	};

	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), 0);
	a.size = 0;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
	a.size = 100;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
	a.size = NPU_PAGE_SIZE;
	a.bo_offset = 16 * NPU_PAGE_SIZE;	/* past the end */
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
	a.bo_offset = U64_MAX & ~(u64)(NPU_PAGE_SIZE - 1);	/* wraps */
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
	a.bo_offset = 15 * NPU_PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), 0);

	/* fixed addresses: page aligned, above page 0, below 4 GiB */
	a.bo_offset = 0;
	a.flags |= DRM_NPU_MAP_FIXED;
	a.va = 0x200000;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), 0);
	a.va = 0;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
	a.va = 0x200800;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
	a.va = 0x100000000ull - NPU_PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), 0);
	a.va = 0x100000000ull;
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
	a.va = U64_MAX & ~(u64)(NPU_PAGE_SIZE - 1);
	KUNIT_EXPECT_EQ(test, npu_vm_check_map(ndev, &a, &obj), -EINVAL);
}

static void npu_vm_test_mm_fini(void *mm)
{
	struct drm_mm_node *node, *next;

	drm_mm_for_each_node_safe(node, next, (struct drm_mm *)mm)
		drm_mm_remove_node(node);
	drm_mm_takedown(mm);
}

static void npu_vm_test_insert(struct kunit *test)
{
	struct npu_device *ndev = npu_vm_test_device(test);
	struct npu_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);
	struct npu_vm_mapping *m = kunit_kcalloc(test, 4, sizeof(*m), GFP_KERNEL);
	struct drm_npu_vm_map fixed = {
		.va = 0x10000, .size = 0x4000, .flags = DRM_NPU_MAP_FIXED,
	};
	struct drm_npu_vm_map any = { .size = 0x2000 };

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_NOT_NULL(test, m);
	drm_mm_init(&vm->mm, npu_vm_start(), npu_vm_end(ndev) - npu_vm_start());
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, npu_vm_test_mm_fini,
							&vm->mm), 0);

	KUNIT_EXPECT_EQ(test, npu_vm_insert(vm, &m[0], &fixed), 0);
	/* the same range, or one overlapping it, is taken */
	fixed.va = 0x12000;
	KUNIT_EXPECT_EQ(test, npu_vm_insert(vm, &m[1], &fixed), -ENOSPC);
	/* the kernel's choice: page aligned, never page 0, never overlapping */
	KUNIT_EXPECT_EQ(test, npu_vm_insert(vm, &m[2], &any), 0);
	KUNIT_EXPECT_GE(test, m[2].node.start, NPU_PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(m[2].node.start, NPU_PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, m[2].node.start + m[2].node.size <= 0x10000 ||
			  m[2].node.start >= 0x14000);
	/* nothing larger than the space fits */
	any.size = 0x100000000ull;
	KUNIT_EXPECT_EQ(test, npu_vm_insert(vm, &m[3], &any), -ENOSPC);
}

static struct kunit_case npu_vm_cases[] = {
	KUNIT_CASE(npu_vm_test_check_map),
	KUNIT_CASE(npu_vm_test_insert),
	{}
};

static struct kunit_suite npu_vm_suite = {
	.name = "npu_vm",
	.test_cases = npu_vm_cases,
};

kunit_test_suite(npu_vm_suite);
