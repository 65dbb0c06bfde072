// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * KUnit tests of the virtual NPU's pure logic: the regcmd validator, the
 * device page tables and the soft-float of the compute model.  Built into
 * npu.ko when the kernel has KUnit; included at the end of npu_sim.c to
 * reach its static functions.
 */
#include <kunit/test.h>
#include <linux/scatterlist.h>

#include "npu_softfloat.h"

#define T_WORD(tgt, reg, val) \
	(((u64)(tgt) << 48) | ((u64)(u32)(val) << 16) | (u16)(reg))
#define T_VERSION	T_WORD(NPU_TGT_VERSION, 0, 0)
#define T_OP_EN		T_WORD(NPU_TGT_PC_OP, NPU_PC_OPERATION_ENABLE, NPU_PC_OP_EN)

static void npu_regcmd_test_words(struct kunit *test)
{
	struct npu_sim_core *sc = kunit_kzalloc(test, sizeof(*sc), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sc);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, 0), NPU_SIM_WORD_OK);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_VERSION), NPU_SIM_WORD_VERSION);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(NPU_TGT_VERSION, 0, 1)),
			NPU_SIM_WORD_BAD);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_OP_EN), NPU_SIM_WORD_OP_EN);
	/* op_en must write the enable bit of the enable register */
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(NPU_TGT_PC_OP,
						       NPU_PC_OPERATION_ENABLE, 0)),
			NPU_SIM_WORD_BAD);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(NPU_TGT_PC_OP, 0x10, 1)),
			NPU_SIM_WORD_BAD);

	/* a register of the target's own window is stored */
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(NPU_TGT_CNA, 0x1040, 0xabcd)),
			NPU_SIM_WORD_OK);
	KUNIT_EXPECT_EQ(test, sc->regs[0x1040 / 4], 0xabcd);
	/* another block's register, an unaligned one, an unknown target */
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(NPU_TGT_CNA, 0x3010, 1)),
			NPU_SIM_WORD_BAD);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(NPU_TGT_CORE, 0x3002, 1)),
			NPU_SIM_WORD_BAD);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(0x0401, 0x1000, 1)),
			NPU_SIM_WORD_BAD);
	KUNIT_EXPECT_EQ(test, npu_sim_apply(sc, T_WORD(NPU_TGT_DPU, 0x8000, 1)),
			NPU_SIM_WORD_BAD);

	/* only a written output address makes op_en run a convolution */
	KUNIT_EXPECT_FALSE(test, sc->has_output);
	npu_sim_apply(sc, T_WORD(NPU_TGT_DPU, NPU_DPU_DST_BASE_ADDR, 0x4000));
	KUNIT_EXPECT_TRUE(test, sc->has_output);
}

/* Page tables with one page of words mapped at @va, the way a VM maps. */
struct npu_test_space {
	struct npu_mmu_pt pt;
	struct page *page;
	struct sg_table sgt;
};

static void npu_test_space_fini(void *data)
{
	struct npu_test_space *s = data;

	npu_mmu_pt_fini(&s->pt);
	sg_free_table(&s->sgt);
	__free_page(s->page);
}

static struct npu_test_space *npu_test_space(struct kunit *test, u32 va,
					     bool writable)
{
	struct npu_test_space *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, s->page);
	KUNIT_ASSERT_EQ(test, npu_mmu_pt_init(&s->pt, NUMA_NO_NODE), 0);
	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&s->sgt, &s->page, 1, 0,
							PAGE_SIZE, GFP_KERNEL), 0);
	/* The virtual NPU addresses memory physically: DMA address = PA. */
	sg_dma_address(s->sgt.sgl) = page_to_phys(s->page);
	sg_dma_len(s->sgt.sgl) = PAGE_SIZE;
	s->sgt.nents = 1;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, npu_test_space_fini, s), 0);
	KUNIT_ASSERT_EQ(test, npu_mmu_pt_map(&s->pt, va, &s->sgt, 0, 1, writable), 0);
	return s;
}

/* Fetch a stream of @count words whose first @n are @words, zeros after. */
static enum npu_task_result npu_test_fetch(struct kunit *test,
					   struct npu_test_space *s,
					   const u64 *words, u32 n, u32 count,
					   u64 *bad_va, u32 *reason)
{
	struct npu_sim_core *sc = kunit_kzalloc(test, sizeof(*sc), GFP_KERNEL);
	struct npu_sim_mem mem = { .dir = npu_mmu_pt_dir_phys(&s->pt) };
	struct drm_npu_task t = { .regcmd_va = 0x10000, .regcmd_count = count };
	__le64 *page = page_address(s->page);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, sc);
	KUNIT_ASSERT_LE(test, n, PAGE_SIZE / 8);
	mem.fault_va = &sc->fault_va;
	memset(page, 0, PAGE_SIZE);
	for (i = 0; i < n; i++)
		page[i] = cpu_to_le64(words[i]);
	return npu_sim_fetch_task(sc, &mem, &t, bad_va, reason);
}

static void npu_regcmd_test_streams(struct kunit *test)
{
	struct npu_test_space *s = npu_test_space(test, 0x10000, false);
	const u64 ok[] = { T_WORD(NPU_TGT_CNA, 0x1040, 1), T_VERSION, T_OP_EN };
	const u64 no_op_en[] = { T_WORD(NPU_TGT_CNA, 0x1040, 1), 0 };
	const u64 lone_op_en[] = { T_WORD(NPU_TGT_CNA, 0x1040, 1), T_OP_EN };
	const u64 op_en_not_last[] = { T_VERSION, T_OP_EN, 0 };
	const u64 bad_word[] = { 0, T_WORD(0x0401, 0, 0), T_VERSION, T_OP_EN };
	u64 va = 0;
	u32 reason = 0;

	KUNIT_EXPECT_EQ(test, npu_test_fetch(test, s, ok, ARRAY_SIZE(ok), 3,
					     &va, &reason), NPU_TASK_OK);
	KUNIT_EXPECT_EQ(test, npu_test_fetch(test, s, no_op_en, ARRAY_SIZE(no_op_en), 2,
					     &va, &reason), NPU_TASK_INVALID);
	KUNIT_EXPECT_EQ(test, reason, DRM_NPU_REASON_NO_OP_EN);
	KUNIT_EXPECT_EQ(test, npu_test_fetch(test, s, lone_op_en, ARRAY_SIZE(lone_op_en), 2,
					     &va, &reason), NPU_TASK_INVALID);
	KUNIT_EXPECT_EQ(test, va, 0x10008);
	KUNIT_EXPECT_EQ(test, reason, DRM_NPU_REASON_BAD_WORD);
	KUNIT_EXPECT_EQ(test, npu_test_fetch(test, s, op_en_not_last, ARRAY_SIZE(op_en_not_last), 3,
					     &va, &reason), NPU_TASK_INVALID);
	KUNIT_EXPECT_EQ(test, npu_test_fetch(test, s, bad_word, ARRAY_SIZE(bad_word), 4,
					     &va, &reason), NPU_TASK_INVALID);
	KUNIT_EXPECT_EQ(test, va, 0x10008);
	/* a stream running off its page into nothing faults there */
	KUNIT_EXPECT_EQ(test, npu_test_fetch(test, s, no_op_en, ARRAY_SIZE(no_op_en), 513,
					     &va, &reason), NPU_TASK_MMU_FAULT);
	KUNIT_EXPECT_EQ(test, va, 0x11000);
}

static void npu_mmu_test_walk(struct kunit *test)
{
	struct npu_test_space *ro = npu_test_space(test, 0x7fff000, false);
	struct npu_test_space *rw = npu_test_space(test, 0xfffff000, true);
	phys_addr_t dir_ro = npu_mmu_pt_dir_phys(&ro->pt);
	phys_addr_t pa = 0;

	KUNIT_EXPECT_EQ(test, npu_mmu_walk(dir_ro, 0x7fff123, false, &pa), 0);
	KUNIT_EXPECT_EQ(test, pa, page_to_phys(ro->page) + 0x123);
	KUNIT_EXPECT_NE(test, npu_mmu_walk(dir_ro, 0x7fff123, true, &pa), 0);
	KUNIT_EXPECT_NE(test, npu_mmu_walk(dir_ro, 0x8000000, false, &pa), 0);
	KUNIT_EXPECT_NE(test, npu_mmu_walk(dir_ro, 0x100000000ull, false, &pa), 0);

	/* the last page of the 32-bit space, writable */
	KUNIT_EXPECT_EQ(test, npu_mmu_walk(npu_mmu_pt_dir_phys(&rw->pt),
					   0xffffffff, true, &pa), 0);
	KUNIT_EXPECT_EQ(test, pa, page_to_phys(rw->page) + 0xfff);

	npu_mmu_pt_unmap(&ro->pt, 0x7fff000, 1);
	KUNIT_EXPECT_NE(test, npu_mmu_walk(dir_ro, 0x7fff123, false, &pa), 0);
}

/*
 * Device pages are 4 KiB whatever PAGE_SIZE is: every 4 KiB piece of a
 * buffer of two CPU pages can be mapped on its own, and the walk and the
 * model's memory access stay inside that piece.  On a 4 KiB kernel each
 * piece is a CPU page; on 16 or 64 KiB kernels the pieces at offsets that
 * are not PAGE_SIZE aligned are the cases that went wrong.
 */
static void npu_mmu_test_device_pages(struct kunit *test)
{
	const unsigned int per_page = PAGE_SIZE / NPU_MMU_PAGE_SIZE;
	const unsigned int pieces = 2 * per_page;
	struct npu_test_space *s = npu_test_space(test, 0x10000, false);
	struct npu_sim_mem mem = { .dir = npu_mmu_pt_dir_phys(&s->pt) };
	struct page *pages[2];
	struct sg_table sgt;
	phys_addr_t pa = 0;
	u64 fault = 0, bad = 0;
	unsigned int i;
	u8 buf[8];

	mem.fault_va = &fault;
	pages[0] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	pages[1] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, pages[0]);
	KUNIT_ASSERT_NOT_NULL(test, pages[1]);
	KUNIT_ASSERT_EQ(test, sg_alloc_table(&sgt, 2, GFP_KERNEL), 0);
	for (i = 0; i < 2; i++) {
		struct scatterlist *sg = i ? sg_next(sgt.sgl) : sgt.sgl;

		sg_set_page(sg, pages[i], PAGE_SIZE, 0);
		sg_dma_address(sg) = page_to_phys(pages[i]);
		sg_dma_len(sg) = PAGE_SIZE;
	}
	/* Piece k at 0x100000 + 2 * k * 4 KiB: never next to its neighbour. */
	for (i = 0; i < pieces; i++) {
		u32 va = 0x100000 + 2 * i * NPU_MMU_PAGE_SIZE;
		phys_addr_t want = page_to_phys(pages[i / per_page]) +
				   (i % per_page) * NPU_MMU_PAGE_SIZE;

		KUNIT_ASSERT_EQ(test, npu_mmu_pt_map(&s->pt, va, &sgt,
						     (u64)i * NPU_MMU_PAGE_SIZE,
						     1, true), 0);
		KUNIT_EXPECT_EQ(test, npu_mmu_walk(mem.dir, va + 0xabc, false, &pa), 0);
		KUNIT_EXPECT_EQ(test, pa, want + 0xabc);
		/* The 4 KiB after the piece is not mapped, in any CPU page. */
		KUNIT_EXPECT_NE(test, npu_mmu_walk(mem.dir, va + NPU_MMU_PAGE_SIZE,
						   false, &pa), 0);
		((u8 *)page_address(pages[i / per_page]))
			[(i % per_page) * NPU_MMU_PAGE_SIZE + NPU_MMU_PAGE_SIZE - 1] = 0x40 + i;
		((u8 *)page_address(pages[i / per_page]))
			[(i % per_page) * NPU_MMU_PAGE_SIZE] = 0x80 + i;
	}
	/* A read that straddles two mapped pieces takes each from its own. */
	KUNIT_ASSERT_EQ(test, npu_mmu_pt_map(&s->pt, 0x200000, &sgt, 0, 1, true), 0);
	KUNIT_ASSERT_EQ(test, npu_mmu_pt_map(&s->pt, 0x201000, &sgt,
					     (u64)(pieces - 1) * NPU_MMU_PAGE_SIZE,
					     1, true), 0);
	KUNIT_EXPECT_EQ(test, npu_sim_mem_read(&mem, 0x200fff, buf, 2, &bad), 0);
	KUNIT_EXPECT_EQ(test, buf[0], 0x40);
	KUNIT_EXPECT_EQ(test, buf[1], 0x80 + pieces - 1);
	/* and a read running off a lone piece faults at the next 4 KiB */
	KUNIT_EXPECT_NE(test, npu_sim_mem_read(&mem, 0x100ffc, buf, 8, &bad), 0);
	KUNIT_EXPECT_EQ(test, bad, 0x101000);

	npu_mmu_pt_unmap(&s->pt, 0x100000, 2 * pieces);
	npu_mmu_pt_unmap(&s->pt, 0x200000, 2);
	sg_free_table(&sgt);
	__free_page(pages[0]);
	__free_page(pages[1]);
}

static void npu_mmu_test_entries(struct kunit *test)
{
	static const u64 pas[] = {
		0x1000, 0x7ffff000, 0x100000000ull, 0x1fc8b9000ull,
		0xfffffff000ull,	/* the last page of 40 bits */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pas); i++)
		KUNIT_EXPECT_EQ(test, npu_mmu_entry_addr(npu_mmu_mk_entry(pas[i])),
				(phys_addr_t)pas[i]);
}

static void npu_softfloat_test(struct kunit *test)
{
	/* binary16 to binary32: one, -2, the largest, a subnormal, inf */
	KUNIT_EXPECT_EQ(test, npu_f16_to_f32(0x3c00), 0x3f800000);
	KUNIT_EXPECT_EQ(test, npu_f16_to_f32(0xc000), 0xc0000000);
	KUNIT_EXPECT_EQ(test, npu_f16_to_f32(0x7bff), 0x477fe000);
	KUNIT_EXPECT_EQ(test, npu_f16_to_f32(0x0001), 0x33800000);
	KUNIT_EXPECT_EQ(test, npu_f16_to_f32(0x7c00), 0x7f800000);
	/* binary32 to binary16 rounds to nearest, ties to even */
	KUNIT_EXPECT_EQ(test, npu_f32_to_f16(0x3f800000), 0x3c00);
	KUNIT_EXPECT_EQ(test, npu_f32_to_f16(0x3f801000), 0x3c00);	/* tie: even */
	KUNIT_EXPECT_EQ(test, npu_f32_to_f16(0x3f803000), 0x3c02);	/* tie: even */
	KUNIT_EXPECT_EQ(test, npu_f32_to_f16(0x477ff000), 0x7c00);	/* overflow */
	KUNIT_EXPECT_EQ(test, npu_f32_to_f16(0x33800000), 0x0001);
	/* products exact in fp32, sums rounded once */
	KUNIT_EXPECT_EQ(test, npu_f16_mul_f32(0x3e00, 0x4000), 0x40400000);	/* 1.5*2 */
	KUNIT_EXPECT_EQ(test, npu_f32_add(0x3f800000, 0x33800000), 0x3f800000);
	KUNIT_EXPECT_EQ(test, npu_f32_add(0x3f800000, 0xbf800000), 0);
	KUNIT_EXPECT_EQ(test, npu_f32_add(0x40000000, 0x3f800000), 0x40400000);
}

static struct kunit_case npu_regcmd_cases[] = {
	KUNIT_CASE(npu_regcmd_test_words),
	KUNIT_CASE(npu_regcmd_test_streams),
	{}
};

static struct kunit_suite npu_regcmd_suite = {
	.name = "npu_regcmd",
	.test_cases = npu_regcmd_cases,
};

static struct kunit_case npu_mmu_cases[] = {
	KUNIT_CASE(npu_mmu_test_walk),
	KUNIT_CASE(npu_mmu_test_device_pages),
	KUNIT_CASE(npu_mmu_test_entries),
	{}
};

static struct kunit_suite npu_mmu_suite = {
	.name = "npu_mmu",
	.test_cases = npu_mmu_cases,
};

static struct kunit_case npu_softfloat_cases[] = {
	KUNIT_CASE(npu_softfloat_test),
	{}
};

static struct kunit_suite npu_softfloat_suite = {
	.name = "npu_softfloat",
	.test_cases = npu_softfloat_cases,
};

kunit_test_suites(&npu_regcmd_suite, &npu_mmu_suite, &npu_softfloat_suite);
