// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * KUnit tests of the checks a submitted job passes before anything is
 * looked up: flags, padding, counts and the core mask.  Included at the
 * end of npu_job.c to reach its static functions.
 */
#include <kunit/test.h>

static void npu_job_test_check(struct kunit *test)
{
	struct npu_device *ndev = kunit_kzalloc(test, sizeof(*ndev), GFP_KERNEL);
	struct drm_npu_job ok = { .task_count = 1 }, j;

	KUNIT_ASSERT_NOT_NULL(test, ndev);
	ndev->info.core_count = 3;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &ok), 0);

	j = ok;
	j.flags = 1;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
	j = ok;
	j.pad = 1;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
	j = ok;
	j.task_count = 0;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
	j.task_count = DRM_NPU_MAX_TASKS;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), 0);
	j.task_count = DRM_NPU_MAX_TASKS + 1;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
	j = ok;
	j.bo_count = NPU_JOB_MAX_BOS;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), 0);
	j.bo_count = NPU_JOB_MAX_BOS + 1;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
	j = ok;
	j.in_sync_count = NPU_JOB_MAX_SYNCS + 1;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
	j = ok;
	j.out_sync_count = U32_MAX;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
	/* cores 0-2 exist, core 3 does not */
	j = ok;
	j.core_mask = 0x7;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), 0);
	j.core_mask = 0x8;
	KUNIT_EXPECT_EQ(test, npu_job_check(ndev, &j), -EINVAL);
}

/* The UAPI structs keep their sizes: an older userspace must still fit. */
static void npu_job_test_uapi_sizes(struct kunit *test)
{
	/* 72 bytes in 1.0; the array strides came after, in 16 bytes. */
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_npu_job), 88);
	KUNIT_EXPECT_EQ(test, offsetof(struct drm_npu_job, task_stride), 72);
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_npu_task), 16);
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_npu_sync), 16);
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_npu_submit), 24);
	/* 56 bytes until DRM_NPU_WAIT_SUBMIT, which added 40. */
	KUNIT_EXPECT_EQ(test, offsetofend(struct drm_npu_job_wait, pad), 56);
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_npu_job_wait), 96);
	KUNIT_EXPECT_EQ(test, sizeof(struct drm_npu_vm_map), 40);
}

static struct kunit_case npu_job_cases[] = {
	KUNIT_CASE(npu_job_test_check),
	KUNIT_CASE(npu_job_test_uapi_sizes),
	{}
};

static struct kunit_suite npu_job_suite = {
	.name = "npu_job",
	.test_cases = npu_job_cases,
};

kunit_test_suite(npu_job_suite);
