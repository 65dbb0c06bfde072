// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * KUnit tests of the RK3588 backend's register programming: what a task
 * start and a reset leave in the PC, CNA and CORE windows, on memory that
 * stands in for the registers.  The expected values are the numbers of
 * Documentation/npu/board-bringup.rst, written out, so that a change of a
 * field definition in npu_regcmd.h shows here.  And the interrupt logic
 * that needs no hardware: what the hard handler claims on the shared
 * line, what the thread does with a claim, when a domain switch resets
 * the core, which run a failure report is about.  Included at the end
 * of npu_rk3588.c to reach its static functions.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/irq.h>

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
	char *name;

	KUNIT_ASSERT_NOT_NULL(test, rc);
	KUNIT_ASSERT_NOT_NULL(test, r);
	rc->pc = (void __iomem __force *)r->pc;
	rc->cna = (void __iomem __force *)r->cna;
	rc->cc = (void __iomem __force *)r->cc;
	rc->index = index;
	/* a device of the test's own, so that messages name a device */
	name = kunit_kzalloc(test, 32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, name);
	snprintf(name, 32, "npu-rk-test-core%u", index);
	rc->dev = kunit_device_register(test, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(rc->dev));
	spin_lock_init(&rc->run_lock);
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

/* Offsets and bits written out, as above. */
#define NPU_RK_TEST_OP_EN	(0x08 / 4)
#define NPU_RK_TEST_MASK	(0x20 / 4)
#define NPU_RK_TEST_CLEAR	(0x24 / 4)
#define NPU_RK_TEST_RAW		(0x2c / 4)
#define NPU_RK_TEST_DPU_0	0x100
#define NPU_RK_TEST_DPU_1	0x200
#define NPU_RK_TEST_DMA_READ	0x1000
#define NPU_RK_TEST_DMA_WRITE	0x2000

/* A started task: what npu_rk_task_start() leaves. */
static void npu_rk_test_start(struct npu_rk_core *rc, u64 seq)
{
	struct drm_npu_task t = { .regcmd_va = 0x3000, .regcmd_count = 2 };

	npu_rk_set_running(rc, seq);
	npu_rk_program(rc, &t);
}

/* Nothing armed: a raised raw bit is not what asserts the shared line. */
static void npu_rk_test_claim_needs_armed(struct kunit *test)
{
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 0, &r);

	r->pc[NPU_RK_TEST_RAW] = NPU_RK_TEST_DPU_0;
	r->pc[NPU_RK_TEST_MASK] = 0x5a;
	KUNIT_EXPECT_EQ(test, npu_rk_claim_irq(rc), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_MASK], 0x5a);
}

/* A completion is claimed once: the second look finds it masked. */
static void npu_rk_test_claim_once(struct kunit *test)
{
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 0, &r);

	npu_rk_test_start(rc, 7);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_MASK], 0x300);
	r->pc[NPU_RK_TEST_RAW] = NPU_RK_TEST_DPU_1 | 0x3f;
	KUNIT_EXPECT_EQ(test, npu_rk_claim_irq(rc), IRQ_WAKE_THREAD);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_MASK], 0);
	KUNIT_EXPECT_EQ(test, rc->irq_status, NPU_RK_TEST_DPU_1 | 0x3f);
	KUNIT_EXPECT_EQ(test, rc->irq_seq, 7);
	/* The IOMMU's interrupt on the same line, before the thread ran. */
	KUNIT_EXPECT_EQ(test, npu_rk_claim_irq(rc), IRQ_NONE);
}

/* Masked bits (the DMA errors, the blocks' own) are never claimed. */
static void npu_rk_test_claim_ignores_masked(struct kunit *test)
{
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 0, &r);

	npu_rk_test_start(rc, 1);
	r->pc[NPU_RK_TEST_RAW] = NPU_RK_TEST_DMA_READ | NPU_RK_TEST_DMA_WRITE |
				 0xff;
	KUNIT_EXPECT_EQ(test, npu_rk_claim_irq(rc), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_MASK], 0x300);
	KUNIT_EXPECT_TRUE(test, rc->irq_armed);
}

/* The thread stops the PC and reports the claimed run, idle after it. */
static void npu_rk_test_stop_task(struct kunit *test)
{
	enum npu_task_result result;
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 2, &r);
	u64 seq = 0;

	npu_rk_test_start(rc, 9);
	r->pc[NPU_RK_TEST_RAW] = NPU_RK_TEST_DPU_0;
	KUNIT_ASSERT_EQ(test, npu_rk_claim_irq(rc), IRQ_WAKE_THREAD);
	KUNIT_EXPECT_TRUE(test, npu_rk_stop_task(rc, &seq, &result));
	KUNIT_EXPECT_EQ(test, seq, 9);
	KUNIT_EXPECT_EQ(test, result, NPU_TASK_OK);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_OP_EN], 0);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_CLEAR], 0x1ffff);
	KUNIT_EXPECT_FALSE(test, rc->hw_busy);
}

/* A DMA error with the completion fails the task and resets the core. */
static void npu_rk_test_stop_task_dma_error(struct kunit *test)
{
	enum npu_task_result result;
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 0, &r);
	u64 seq = 0;

	npu_rk_test_start(rc, 3);
	r->pc[NPU_RK_TEST_RAW] = NPU_RK_TEST_DPU_0 | NPU_RK_TEST_DMA_WRITE;
	KUNIT_ASSERT_EQ(test, npu_rk_claim_irq(rc), IRQ_WAKE_THREAD);
	KUNIT_EXPECT_TRUE(test, npu_rk_stop_task(rc, &seq, &result));
	KUNIT_EXPECT_EQ(test, result, NPU_TASK_ERROR);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_MASK], 0);
	KUNIT_EXPECT_FALSE(test, rc->hw_busy);
}

/* A claim for a run ended and reset since leaves the next run alone. */
static void npu_rk_test_stop_task_stale(struct kunit *test)
{
	enum npu_task_result result;
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 1, &r);
	u64 seq = 0;

	npu_rk_test_start(rc, 4);
	r->pc[NPU_RK_TEST_RAW] = NPU_RK_TEST_DPU_0;
	KUNIT_ASSERT_EQ(test, npu_rk_claim_irq(rc), IRQ_WAKE_THREAD);
	/* The watchdog ended run 4 and reset; run 5 started. */
	npu_rk_set_idle(rc);
	KUNIT_ASSERT_TRUE(test, npu_rk_hw_reset(rc));
	npu_rk_test_start(rc, 5);
	r->pc[NPU_RK_TEST_CLEAR] = 0;
	KUNIT_EXPECT_FALSE(test, npu_rk_stop_task(rc, &seq, &result));
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_OP_EN], 1);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_CLEAR], 0);
	KUNIT_EXPECT_TRUE(test, rc->hw_busy);
	KUNIT_EXPECT_TRUE(test, rc->irq_armed);
}

/* A domain switch resets only a core not known to have stopped. */
static void npu_rk_test_make_idle(struct kunit *test)
{
	enum npu_task_result result;
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 0, &r);
	u64 seq;

	npu_rk_test_start(rc, 1);
	r->pc[NPU_RK_TEST_RAW] = NPU_RK_TEST_DPU_0;
	KUNIT_ASSERT_EQ(test, npu_rk_claim_irq(rc), IRQ_WAKE_THREAD);
	KUNIT_ASSERT_TRUE(test, npu_rk_stop_task(rc, &seq, &result));
	/* Completed: no reset, the registers stay as the thread left them. */
	r->pc[NPU_RK_TEST_CLEAR] = 0;
	KUNIT_EXPECT_EQ(test, npu_rk_make_idle(rc), 0);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_CLEAR], 0);

	/* Started and never completed (a timeout): reset. */
	npu_rk_test_start(rc, 2);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_OP_EN], 1);
	KUNIT_EXPECT_EQ(test, npu_rk_make_idle(rc), 0);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_OP_EN], 0);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_MASK], 0);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_CLEAR], 0x1ffff);
	KUNIT_EXPECT_FALSE(test, rc->hw_busy);
	KUNIT_EXPECT_FALSE(test, rc->irq_armed);
}

/* Stands in for the fail work: a report stays pending, as it was queued. */
static void npu_rk_test_fail_queued(struct work_struct *work)
{
}

/*
 * A pending failure is one run's: the same run failing again changes
 * nothing, a newer run's failure replaces it (its run has ended, a core
 * runs one job at a time).
 */
static void npu_rk_test_fail_seq(struct kunit *test)
{
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 0, &r);

	INIT_WORK(&rc->fail_work, npu_rk_test_fail_queued);
	npu_rk_fail(rc, 1, NPU_TASK_ERROR, 0);
	KUNIT_EXPECT_TRUE(test, rc->fail_pending);
	KUNIT_EXPECT_EQ(test, rc->fail_seq, 1);
	KUNIT_EXPECT_EQ(test, rc->fail_result, NPU_TASK_ERROR);

	npu_rk_fail(rc, 1, NPU_TASK_MMU_FAULT, 0x1000);
	KUNIT_EXPECT_EQ(test, rc->fail_seq, 1);
	KUNIT_EXPECT_EQ(test, rc->fail_result, NPU_TASK_ERROR);
	KUNIT_EXPECT_EQ(test, rc->fail_va, 0);

	npu_rk_fail(rc, 2, NPU_TASK_MMU_FAULT, 0x2000);
	KUNIT_EXPECT_TRUE(test, rc->fail_pending);
	KUNIT_EXPECT_EQ(test, rc->fail_seq, 2);
	KUNIT_EXPECT_EQ(test, rc->fail_result, NPU_TASK_MMU_FAULT);
	KUNIT_EXPECT_EQ(test, rc->fail_va, 0x2000);
	flush_work(&rc->fail_work);
}

static void npu_rk_test_free_irq_desc(void *data)
{
	irq_free_desc((unsigned long)data);
}

/*
 * An MMU fault of run 1 reported after run 1 ended and run 2 (another
 * file's job, say) started: the fail work neither resets the core nor
 * ends the job in flight.  The same report for run 2 stops and resets it.
 */
static void npu_rk_test_fail_stale(struct kunit *test)
{
	struct npu_core *core = kunit_kzalloc(test, sizeof(*core), GFP_KERNEL);
	struct npu_job *job = kunit_kzalloc(test, sizeof(*job), GFP_KERNEL);
	struct npu_rk_test_regs *r;
	struct npu_rk_core *rc = npu_rk_test_core(test, 1, &r);
	int irq;

	KUNIT_ASSERT_NOT_NULL(test, core);
	KUNIT_ASSERT_NOT_NULL(test, job);
	/* A descriptor of its own, for the disable_irq() of the fail work. */
	irq = irq_alloc_desc(NUMA_NO_NODE);
	KUNIT_ASSERT_GE(test, irq, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							npu_rk_test_free_irq_desc,
							(void *)(unsigned long)irq), 0);
	rc->irq = irq;
	mutex_init(&core->job_lock);
	core->backend = rc;
	rc->core = core;
	INIT_WORK(&rc->fail_work, npu_rk_fail_work);

	core->in_flight = job;
	core->run_seq = 2;
	npu_rk_test_start(rc, 2);
	r->pc[NPU_RK_TEST_CLEAR] = 0;
	scoped_guard(spinlock_irqsave, &rc->run_lock) {
		rc->fail_pending = true;
		rc->fail_seq = 1;
		rc->fail_result = NPU_TASK_MMU_FAULT;
		rc->fail_va = 0x4000;
	}
	npu_rk_fail_work(&rc->fail_work);
	KUNIT_EXPECT_FALSE(test, rc->fail_pending);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_OP_EN], 1);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_CLEAR], 0);
	KUNIT_EXPECT_TRUE(test, rc->hw_busy);
	KUNIT_EXPECT_TRUE(test, rc->running);
	KUNIT_EXPECT_PTR_EQ(test, core->in_flight, job);
	KUNIT_EXPECT_EQ(test, core->run_seq, 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&core->progress), 0);

	npu_rk_stop_run(rc, 2);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_OP_EN], 0);
	KUNIT_EXPECT_EQ(test, r->pc[NPU_RK_TEST_CLEAR], 0x1ffff);
	KUNIT_EXPECT_FALSE(test, rc->hw_busy);
	KUNIT_EXPECT_FALSE(test, rc->running);
}

static struct kunit_case npu_rk_cases[] = {
	KUNIT_CASE(npu_rk_test_job_start),
	KUNIT_CASE(npu_rk_test_register_amounts),
	KUNIT_CASE(npu_rk_test_reset_state),
	KUNIT_CASE(npu_rk_test_claim_needs_armed),
	KUNIT_CASE(npu_rk_test_claim_once),
	KUNIT_CASE(npu_rk_test_claim_ignores_masked),
	KUNIT_CASE(npu_rk_test_stop_task),
	KUNIT_CASE(npu_rk_test_stop_task_dma_error),
	KUNIT_CASE(npu_rk_test_stop_task_stale),
	KUNIT_CASE(npu_rk_test_make_idle),
	KUNIT_CASE(npu_rk_test_fail_seq),
	KUNIT_CASE(npu_rk_test_fail_stale),
	{ }
};

static struct kunit_suite npu_rk_suite = {
	.name = "npu_rk3588",
	.test_cases = npu_rk_cases,
};

kunit_test_suite(npu_rk_suite);
