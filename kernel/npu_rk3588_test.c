// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * KUnit tests of the RK3588 backend's register programming: what a task
 * start and a reset leave in the PC, CNA and CORE windows, on memory that
 * stands in for the registers.  The expected values are the numbers of
 * Documentation/npu/board-bringup.rst, written out, so that a change of a
 * field definition in npu_regcmd.h shows here.  Included at the end of
 * npu_rk3588.c to reach its static functions.
 */
#include <kunit/test.h>

/**
 * struct npu_rk_test_regs - stand-in register windows
 * @pc: PC window
 * @cna: CNA window
 * @cc: CORE window
 */
struct npu_rk_test_regs {
	u32 pc[NPU_REG_WINDOW / 4];
	u32 cna[NPU_REG_WINDOW / 4];
	u32 cc[NPU_REG_WINDOW / 4];
};

static struct npu_rk_core *npu_rk_test_core(struct kunit *test,
					    unsigned int index,
					    struct npu_rk_test_regs **regs)
{
	struct npu_rk_core *rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	struct npu_rk_test_regs *r = kunit_kzalloc(test, sizeof(*r),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rc);
	KUNIT_ASSERT_NOT_NULL(test, r);
	rc->pc = (void __iomem __force *)r->pc;
	rc->cna = (void __iomem __force *)r->cna;
	rc->cc = (void __iomem __force *)r->cc;
	rc->index = index;
	/* No reset controls: assert and deassert do nothing. */
	rc->resets[0].id = "srst_a";
	rc->resets[1].id = "srst_h";
	*regs = r;
	return rc;
}

static void npu_rk_test_job_start(struct kunit *test)
{
	struct drm_npu_task t = { .regcmd_va = 0xfff01230, .regcmd_count = 13 };
	unsigned int index;

	for (index = 0; index < 3; index++) {
		struct npu_rk_test_regs *r;
		struct npu_rk_core *rc = npu_rk_test_core(test, index, &r);

		npu_rk_program(rc, &t);
		KUNIT_EXPECT_EQ(test, r->pc[0x10 / 4], 0xfff01230);
		KUNIT_EXPECT_EQ(test, r->pc[0x14 / 4], 6);
		KUNIT_EXPECT_EQ(test, r->pc[0x20 / 4], 0x300);
		KUNIT_EXPECT_EQ(test, r->pc[0x24 / 4], 0x300);
		KUNIT_EXPECT_EQ(test, r->pc[0x30 / 4], 0x7001);
		KUNIT_EXPECT_EQ(test, r->pc[0x34 / 4], 0);
		KUNIT_EXPECT_EQ(test, r->pc[0x08 / 4], 1);
		KUNIT_EXPECT_EQ(test, r->cna[0x04 / 4], 0xe + 0x10000000 * index);
		KUNIT_EXPECT_EQ(test, r->cc[0x04 / 4], 0xe + 0x10000000 * index);
	}
}

/* The PC fetches 128-bit pairs: the amount rounds the word count up. */
static void npu_rk_test_register_amounts(struct kunit *test)
{
	static const struct {
		u32 words;
		u32 amount;
	} cases[] = {
		{ 1, 0 }, { 2, 0 }, { 3, 1 }, { 4, 1 }, { 13, 6 }, { 14, 6 },
		{ 65535, 32767 }, { 65536, 32767 },
	};
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 0, &r);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct drm_npu_task t = {
			.regcmd_va = 0x1000,
			.regcmd_count = cases[i].words,
		};

		npu_rk_program(rc, &t);
		KUNIT_EXPECT_EQ_MSG(test, r->pc[0x14 / 4], cases[i].amount,
				    "%u words", cases[i].words);
	}
}

static void npu_rk_test_reset_state(struct kunit *test)
{
	struct drm_npu_task t = { .regcmd_va = 0x2000, .regcmd_count = 4 };
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 1, &r);

	npu_rk_program(rc, &t);
	npu_rk_hw_reset(rc);
	KUNIT_EXPECT_EQ(test, r->pc[0x08 / 4], 0);
	KUNIT_EXPECT_EQ(test, r->pc[0x20 / 4], 0);
	KUNIT_EXPECT_EQ(test, r->pc[0x24 / 4], 0x1ffff);
}

static struct kunit_case npu_rk_cases[] = {
	KUNIT_CASE(npu_rk_test_job_start),
	KUNIT_CASE(npu_rk_test_register_amounts),
	KUNIT_CASE(npu_rk_test_reset_state),
	{ }
};

static struct kunit_suite npu_rk_suite = {
	.name = "npu_rk3588",
	.test_cases = npu_rk_cases,
};

kunit_test_suite(npu_rk_suite);
