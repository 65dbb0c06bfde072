// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * KUnit tests of the virtual NPU's pure logic: the regcmd validator, the
 * device page tables, the soft-float of the compute model and the check
 * of the matmul a register file describes.  Built into
 * npu.ko when the kernel has KUnit; included at the end of npu_sim.c to
 * reach its static functions.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
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

/*
 * The matmul check (npu_sim_gemm_check()): a register file as libnpu's
 * emitter writes it for one task is accepted, and each change of one
 * register that the model does not implement, or that disagrees with the
 * others, is rejected with its reason, naming that register.
 */

/* @v in the field @mask, cut to the field: rows test values too wide. */
static u32 npu_t_field(u32 mask, u32 v)
{
	return (v << __ffs(mask)) & mask;
}

/**
 * struct npu_t_geom - the matmul a test register file describes
 * @h: input height (rows of the matmul)
 * @w: input width
 * @k: channels
 * @n: kernels
 * @fp16: fp16 in, fp32 out; else int8 in, int32 out
 */
struct npu_t_geom {
	u32 h, w, k, n;
	bool fp16;
};

/**
 * struct npu_t_regs - a register file and which word wrote each register
 * @regs: the register file
 * @reg_word: 1 + index of the writing word, 0 for none
 * @words: words written so far
 */
struct npu_t_regs {
	u32 regs[NPU_REG_SPACE / 4];
	u32 reg_word[NPU_REG_SPACE / 4];
	u32 words;
};

static void npu_t_set(struct npu_t_regs *r, u32 reg, u32 value)
{
	r->regs[reg / 4] = value;
	r->reg_word[reg / 4] = ++r->words;
}

/*
 * What libnpu_rk3588_emit_task() writes for @g, with 6 data and 6 weight
 * banks and the output channel groups packed (surface stride = pixels).
 */
static void npu_t_matmul(struct npu_t_regs *r, const struct npu_t_geom *g)
{
	u32 prec = g->fp16 ? NPU_PRECISION_FP16 : NPU_PRECISION_INT8;
	u32 out = g->fp16 ? NPU_PRECISION_FP32 : NPU_PRECISION_INT32;
	u32 size_e = g->fp16 ? 3 : 7, out_bytes = g->fp16 ? 4 : 8;
	u32 in_size = g->fp16 ? 2 : 1;
	u32 bypass = NPU_DPU_BX_CFG_RELU_BYPASS | NPU_DPU_BX_CFG_MUL_BYPASS |
		     NPU_DPU_BX_CFG_ALU_BYPASS | NPU_DPU_BX_CFG_BYPASS;
	u32 pixels = g->h * g->w;
	s32 surf = 4 * (s32)g->w * (s32)(g->h / 4) - 4 * (s32)g->w;

	memset(r, 0, sizeof(*r));
	npu_t_set(r, NPU_DPU_S_POINTER, NPU_DPU_S_POINTER_POINTER_PP_MODE |
		  NPU_DPU_S_POINTER_EXECUTER_PP_EN |
		  NPU_DPU_S_POINTER_POINTER_PP_EN);
	npu_t_set(r, NPU_CNA_CONV_CON1,
		  npu_t_field(NPU_CNA_CONV_CON1_PROC_PRECISION, prec) |
		  npu_t_field(NPU_CNA_CONV_CON1_IN_PRECISION, prec));
	npu_t_set(r, NPU_CNA_CONV_CON2,
		  npu_t_field(NPU_CNA_CONV_CON2_FEATURE_GRAINS, g->h + 1));
	npu_t_set(r, NPU_CNA_CONV_CON3,
		  npu_t_field(NPU_CNA_CONV_CON3_CONV_X_STRIDE, 1) |
		  npu_t_field(NPU_CNA_CONV_CON3_CONV_Y_STRIDE, 1));
	npu_t_set(r, NPU_CNA_DATA_SIZE0,
		  npu_t_field(NPU_CNA_DATA_SIZE0_DATAIN_WIDTH, g->w) |
		  npu_t_field(NPU_CNA_DATA_SIZE0_DATAIN_HEIGHT, g->h));
	npu_t_set(r, NPU_CNA_DATA_SIZE1,
		  npu_t_field(NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL, g->k - 1) |
		  npu_t_field(NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL, g->k));
	npu_t_set(r, NPU_CNA_DATA_SIZE2,
		  npu_t_field(NPU_CNA_DATA_SIZE2_DATAOUT_WIDTH, g->w));
	npu_t_set(r, NPU_CNA_DATA_SIZE3,
		  npu_t_field(NPU_CNA_DATA_SIZE3_DATAOUT_ATOMICS, pixels));
	npu_t_set(r, NPU_CNA_WEIGHT_SIZE0, g->k * in_size * g->n);
	npu_t_set(r, NPU_CNA_WEIGHT_SIZE1, g->k * in_size);
	npu_t_set(r, NPU_CNA_WEIGHT_SIZE2,
		  npu_t_field(NPU_CNA_WEIGHT_SIZE2_WEIGHT_WIDTH, 1) |
		  npu_t_field(NPU_CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT, 1) |
		  npu_t_field(NPU_CNA_WEIGHT_SIZE2_WEIGHT_KERNELS, g->n));
	npu_t_set(r, NPU_CNA_CBUF_CON0,
		  npu_t_field(NPU_CNA_CBUF_CON0_WEIGHT_BANK, 6) |
		  npu_t_field(NPU_CNA_CBUF_CON0_DATA_BANK, 6));
	npu_t_set(r, NPU_CNA_CBUF_CON1,
		  npu_t_field(NPU_CNA_CBUF_CON1_DATA_ENTRIES,
			      DIV_ROUND_UP(g->w * g->k * in_size,
					   NPU_CBUF_ENTRY_SIZE)));
	npu_t_set(r, NPU_CNA_CVT_CON0, NPU_CNA_CVT_CON0_DATA_SIGN |
		  NPU_CNA_CVT_CON0_CVT_TYPE | NPU_CNA_CVT_CON0_CVT_BYPASS);
	npu_t_set(r, NPU_CNA_FC_CON0, 0);
	npu_t_set(r, NPU_CNA_FC_CON1, 0);
	npu_t_set(r, NPU_CNA_PAD_CON0, 0);
	npu_t_set(r, NPU_CNA_FEATURE_DATA_ADDR, 0x100000);
	npu_t_set(r, NPU_CNA_FC_CON2, 0);
	npu_t_set(r, NPU_CNA_DMA_CON1,
		  npu_t_field(NPU_CNA_DMA_CON1_LINE_STRIDE, 4 * g->w));
	npu_t_set(r, NPU_CNA_DMA_CON2,
		  npu_t_field(NPU_CNA_DMA_CON2_SURF_STRIDE,
			      surf < 0 ? surf + 1 : surf));
	npu_t_set(r, NPU_CNA_FC_DATA_SIZE0,
		  npu_t_field(NPU_CNA_FC_DATA_SIZE0_DMA_WIDTH, g->w) |
		  npu_t_field(NPU_CNA_FC_DATA_SIZE0_DMA_HEIGHT, g->h));
	npu_t_set(r, NPU_CNA_FC_DATA_SIZE1,
		  npu_t_field(NPU_CNA_FC_DATA_SIZE1_DMA_CHANNEL, g->k));
	npu_t_set(r, NPU_CNA_DCOMP_CTRL, 0);
	npu_t_set(r, NPU_CNA_DCOMP_ADDR0, 0x200000);
	npu_t_set(r, NPU_CORE_MISC_CFG,
		  npu_t_field(NPU_CORE_MISC_CFG_PROC_PRECISION, prec) |
		  NPU_CORE_MISC_CFG_QD_EN);
	npu_t_set(r, NPU_CORE_DATAOUT_SIZE_0,
		  npu_t_field(NPU_CORE_DATAOUT_SIZE_0_DATAOUT_HEIGHT, g->h - 1) |
		  npu_t_field(NPU_CORE_DATAOUT_SIZE_0_DATAOUT_WIDTH, g->w - 1));
	npu_t_set(r, NPU_CORE_DATAOUT_SIZE_1,
		  npu_t_field(NPU_CORE_DATAOUT_SIZE_1_DATAOUT_CHANNEL, g->n - 1));
	npu_t_set(r, NPU_CORE_CLIP_TRUNCATE, 0);
	npu_t_set(r, NPU_DPU_FEATURE_MODE_CFG,
		  npu_t_field(NPU_DPU_FEATURE_MODE_CFG_BURST_LEN, 15) |
		  npu_t_field(NPU_DPU_FEATURE_MODE_CFG_OUTPUT_MODE, 2));
	npu_t_set(r, NPU_DPU_DATA_FORMAT,
		  npu_t_field(NPU_DPU_DATA_FORMAT_OUT_PRECISION, out) |
		  npu_t_field(NPU_DPU_DATA_FORMAT_IN_PRECISION, prec) |
		  npu_t_field(NPU_DPU_DATA_FORMAT_PROC_PRECISION, prec));
	npu_t_set(r, NPU_DPU_DST_BASE_ADDR, 0x300000);
	npu_t_set(r, NPU_DPU_DST_SURF_STRIDE,
		  npu_t_field(NPU_DPU_DST_SURF_STRIDE_DST_SURF_STRIDE, pixels));
	npu_t_set(r, NPU_DPU_DATA_CUBE_WIDTH,
		  npu_t_field(NPU_DPU_DATA_CUBE_WIDTH_WIDTH, g->w - 1));
	npu_t_set(r, NPU_DPU_DATA_CUBE_HEIGHT,
		  npu_t_field(NPU_DPU_DATA_CUBE_HEIGHT_HEIGHT, g->h - 1));
	npu_t_set(r, NPU_DPU_DATA_CUBE_CHANNEL,
		  npu_t_field(NPU_DPU_DATA_CUBE_CHANNEL_ORIG_CHANNEL, g->n - 1) |
		  npu_t_field(NPU_DPU_DATA_CUBE_CHANNEL_CHANNEL, g->n - 1));
	npu_t_set(r, NPU_DPU_BS_CFG, bypass);
	npu_t_set(r, NPU_DPU_BS_OW_CFG,
		  npu_t_field(NPU_DPU_BS_OW_CFG_SIZE_E_2, size_e) |
		  npu_t_field(NPU_DPU_BS_OW_CFG_SIZE_E_1, size_e) |
		  npu_t_field(NPU_DPU_BS_OW_CFG_SIZE_E_0, size_e) |
		  NPU_DPU_BS_OW_CFG_OD_BYPASS);
	npu_t_set(r, NPU_DPU_WDMA_SIZE_0,
		  npu_t_field(NPU_DPU_WDMA_SIZE_0_CHANNEL_WDMA, g->n - 1));
	npu_t_set(r, NPU_DPU_WDMA_SIZE_1,
		  npu_t_field(NPU_DPU_WDMA_SIZE_1_HEIGHT_WDMA, g->h - 1) |
		  npu_t_field(NPU_DPU_WDMA_SIZE_1_WIDTH_WDMA, g->w - 1));
	npu_t_set(r, NPU_DPU_BN_CFG, bypass);
	npu_t_set(r, NPU_DPU_EW_CFG, NPU_DPU_EW_CFG_EW_RELU_BYPASS |
		  NPU_DPU_EW_CFG_EW_OP_CVT_BYPASS | NPU_DPU_EW_CFG_EW_LUT_BYPASS |
		  NPU_DPU_EW_CFG_EW_OP_BYPASS | NPU_DPU_EW_CFG_EW_BYPASS);
	npu_t_set(r, NPU_DPU_OUT_CVT_OFFSET, 0);
	npu_t_set(r, NPU_DPU_OUT_CVT_SCALE,
		  npu_t_field(NPU_DPU_OUT_CVT_SCALE_OUT_CVT_SCALE, 1));
	npu_t_set(r, NPU_DPU_OUT_CVT_SHIFT, 0);
	npu_t_set(r, NPU_DPU_SURFACE_ADD,
		  npu_t_field(NPU_DPU_SURFACE_ADD_SURF_ADD, pixels * out_bytes));
	npu_t_set(r, NPU_PC_REGISTER_AMOUNTS, 0);
	npu_t_set(r, NPU_PC_OPERATION_ENABLE, NPU_PC_OPERATION_ENABLE_DPU |
		  NPU_PC_OPERATION_ENABLE_CNA | NPU_PC_OPERATION_ENABLE_OP_EN);
}

/* The geometries of the table: 4x64x32 int8, and those of single rows. */
enum {
	NPU_T_INT8,	/* the base of most rows */
	NPU_T_FP16,	/* the same matmul, fp16 in, fp32 out */
	NPU_T_ROWS,	/* 1000 rows of 64 bytes: 2 data banks of 32 KiB */
	NPU_T_TALL,	/* 1023 rows: 1024 feature grains, a 10-bit field */
	NPU_T_WIDE,	/* 8193 kernels: the DPU's 13-bit channel fields */
	NPU_T_LONG,	/* 64 x 16384 int8 a row: 16384 CBUF entries, 14 bits */
};

static const struct npu_t_geom npu_t_geoms[] = {
	[NPU_T_INT8] = { 4, 1, 64, 32, false },
	[NPU_T_FP16] = { 4, 1, 64, 32, true },
	[NPU_T_ROWS] = { 1000, 1, 64, 32, false },
	[NPU_T_TALL] = { 1023, 1, 64, 32, false },
	[NPU_T_WIDE] = { 4, 1, 64, 8193, false },
	[NPU_T_LONG] = { 4, 64, 16384, 32, false },
};

/**
 * struct npu_t_reject - one row: a change and the rejection it must bring
 * @what: the change, for the message
 * @geom: the matmul it starts from (an index of npu_t_geoms[])
 * @reg: the register written with @value; 0: the geometry is the change
 * @value: its new value
 * @reason: the expected &enum drm_npu_job_reason
 * @bad: the register the rejection must name; 0: @reg
 * @name: its name, as the check reports it
 */
struct npu_t_reject {
	const char *what;
	u8 geom;
	u16 reg;
	u32 value;
	u32 reason;
	u16 bad;
	const char *name;
};

#define NPU_T_UNSUP	DRM_NPU_REASON_UNSUPPORTED
#define NPU_T_INCONS	DRM_NPU_REASON_INCONSISTENT
#define NPU_T_LIMIT	DRM_NPU_REASON_LIMIT
#define NPU_T_CBUF	DRM_NPU_REASON_CBUF
/* A row whose rejection names the register it writes. */
#define NPU_T_ROW(what, geom, reg, value, reason) \
	{ what, geom, reg, value, reason, 0, &#reg[4] }
/* A row whose rejection names another register than the one it writes. */
#define NPU_T_ROW2(what, geom, reg, value, reason, bad) \
	{ what, geom, reg, value, reason, bad, &#bad[4] }
#define F(field, v)	FIELD_PREP_CONST(NPU_##field, v)

/*
 * One row or more per rejection site of npu_sim_gemm_check() and its
 * helpers (64 sites besides "not written"), in their order; a site that
 * tests several fields has a row per field.  The site "the weight banks
 * cannot hold one kernel" has none: the 14-bit DATAIN_CHANNEL_REAL caps a
 * kernel at 16384 channels, 32 KiB in fp16, so one bank always holds it
 * and no zero-bank split gets that far.
 */
static const struct npu_t_reject npu_t_rejects[] = {
	/* npu_gemm_check_task() */
	NPU_T_ROW("ping-pong without POINTER_PP_EN", NPU_T_INT8, NPU_DPU_S_POINTER,
		  NPU_DPU_S_POINTER_POINTER_PP_MODE |
		  NPU_DPU_S_POINTER_EXECUTER_PP_EN, NPU_T_UNSUP),
	NPU_T_ROW("a chained stream", NPU_T_INT8, NPU_PC_REGISTER_AMOUNTS, 1,
		  NPU_T_UNSUP),
	NPU_T_ROW("op_en without the DPU", NPU_T_INT8, NPU_PC_OPERATION_ENABLE,
		  NPU_PC_OPERATION_ENABLE_CNA | NPU_PC_OPERATION_ENABLE_OP_EN,
		  NPU_T_INCONS),
	NPU_T_ROW("op_en without the CNA", NPU_T_INT8, NPU_PC_OPERATION_ENABLE,
		  NPU_PC_OPERATION_ENABLE_DPU | NPU_PC_OPERATION_ENABLE_OP_EN,
		  NPU_T_INCONS),
	/* npu_gemm_check_conv() */
	NPU_T_ROW("CNA conv mode 1", NPU_T_INT8, NPU_CNA_CONV_CON1,
		  F(CNA_CONV_CON1_CONV_MODE, 1), NPU_T_UNSUP),
	NPU_T_ROW("DPU conv mode 1", NPU_T_INT8, NPU_DPU_FEATURE_MODE_CFG,
		  F(DPU_FEATURE_MODE_CFG_OUTPUT_MODE, 2) |
		  F(DPU_FEATURE_MODE_CFG_CONV_MODE, 1), NPU_T_UNSUP),
	NPU_T_ROW("DPU output mode 0", NPU_T_INT8, NPU_DPU_FEATURE_MODE_CFG,
		  F(DPU_FEATURE_MODE_CFG_BURST_LEN, 15), NPU_T_UNSUP),
	NPU_T_ROW("DPU flying mode", NPU_T_INT8, NPU_DPU_FEATURE_MODE_CFG,
		  F(DPU_FEATURE_MODE_CFG_OUTPUT_MODE, 2) |
		  NPU_DPU_FEATURE_MODE_CFG_FLYING_MODE, NPU_T_UNSUP),
	NPU_T_ROW("x stride 2", NPU_T_INT8, NPU_CNA_CONV_CON3,
		  F(CNA_CONV_CON3_CONV_X_STRIDE, 2) |
		  F(CNA_CONV_CON3_CONV_Y_STRIDE, 1), NPU_T_UNSUP),
	NPU_T_ROW("y stride 2", NPU_T_INT8, NPU_CNA_CONV_CON3,
		  F(CNA_CONV_CON3_CONV_X_STRIDE, 1) |
		  F(CNA_CONV_CON3_CONV_Y_STRIDE, 2), NPU_T_UNSUP),
	NPU_T_ROW("top padding", NPU_T_INT8, NPU_CNA_PAD_CON0,
		  F(CNA_PAD_CON0_PAD_TOP, 1), NPU_T_UNSUP),
	NPU_T_ROW("left padding", NPU_T_INT8, NPU_CNA_PAD_CON0,
		  F(CNA_PAD_CON0_PAD_LEFT, 1), NPU_T_UNSUP),
	NPU_T_ROW("3-high kernels", NPU_T_INT8, NPU_CNA_WEIGHT_SIZE2,
		  F(CNA_WEIGHT_SIZE2_WEIGHT_WIDTH, 1) |
		  F(CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT, 3) |
		  F(CNA_WEIGHT_SIZE2_WEIGHT_KERNELS, 32), NPU_T_UNSUP),
	NPU_T_ROW("3-wide kernels", NPU_T_INT8, NPU_CNA_WEIGHT_SIZE2,
		  F(CNA_WEIGHT_SIZE2_WEIGHT_WIDTH, 3) |
		  F(CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT, 1) |
		  F(CNA_WEIGHT_SIZE2_WEIGHT_KERNELS, 32), NPU_T_UNSUP),
	NPU_T_ROW("input converter on", NPU_T_INT8, NPU_CNA_CVT_CON0,
		  NPU_CNA_CVT_CON0_DATA_SIGN | NPU_CNA_CVT_CON0_CVT_TYPE,
		  NPU_T_UNSUP),
	NPU_T_ROW("FC_CON0 skipping", NPU_T_INT8, NPU_CNA_FC_CON0, 1, NPU_T_UNSUP),
	NPU_T_ROW("FC_CON1 offset", NPU_T_INT8, NPU_CNA_FC_CON1, 1, NPU_T_UNSUP),
	NPU_T_ROW("FC_CON2 offset", NPU_T_INT8, NPU_CNA_FC_CON2, 1, NPU_T_UNSUP),
	NPU_T_ROW("weight decompression", NPU_T_INT8, NPU_CNA_DCOMP_CTRL, 1,
		  NPU_T_UNSUP),
	/* npu_gemm_check_post() */
	NPU_T_ROW("MISC_CFG without QD_EN", NPU_T_INT8, NPU_CORE_MISC_CFG, 0,
		  NPU_T_UNSUP),
	NPU_T_ROW("MISC_CFG with DW_EN", NPU_T_INT8, NPU_CORE_MISC_CFG,
		  NPU_CORE_MISC_CFG_QD_EN | NPU_CORE_MISC_CFG_DW_EN, NPU_T_UNSUP),
	NPU_T_ROW("clip/truncate", NPU_T_INT8, NPU_CORE_CLIP_TRUNCATE, 1,
		  NPU_T_UNSUP),
	NPU_T_ROW("BS not bypassed", NPU_T_INT8, NPU_DPU_BS_CFG,
		  NPU_DPU_BX_CFG_ALU_BYPASS, NPU_T_UNSUP),
	NPU_T_ROW("BN not bypassed", NPU_T_INT8, NPU_DPU_BN_CFG,
		  NPU_DPU_BX_CFG_ALU_BYPASS, NPU_T_UNSUP),
	NPU_T_ROW("EW not bypassed", NPU_T_INT8, NPU_DPU_EW_CFG,
		  NPU_DPU_EW_CFG_EW_OP_BYPASS, NPU_T_UNSUP),
	NPU_T_ROW("BS_OW_CFG without OD_BYPASS", NPU_T_INT8, NPU_DPU_BS_OW_CFG,
		  F(DPU_BS_OW_CFG_SIZE_E_2, 7) | F(DPU_BS_OW_CFG_SIZE_E_1, 7) |
		  F(DPU_BS_OW_CFG_SIZE_E_0, 7), NPU_T_UNSUP),
	NPU_T_ROW("output scale 0", NPU_T_INT8, NPU_DPU_OUT_CVT_SCALE, 0,
		  NPU_T_UNSUP),
	NPU_T_ROW("output scale 2", NPU_T_INT8, NPU_DPU_OUT_CVT_SCALE,
		  F(DPU_OUT_CVT_SCALE_OUT_CVT_SCALE, 2), NPU_T_UNSUP),
	NPU_T_ROW("output offset", NPU_T_INT8, NPU_DPU_OUT_CVT_OFFSET, 1,
		  NPU_T_UNSUP),
	NPU_T_ROW("output shift", NPU_T_INT8, NPU_DPU_OUT_CVT_SHIFT, 1,
		  NPU_T_UNSUP),
	/* npu_gemm_check_precision() */
	NPU_T_ROW("fp32 input", NPU_T_INT8, NPU_CNA_CONV_CON1,
		  F(CNA_CONV_CON1_PROC_PRECISION, NPU_PRECISION_FP32) |
		  F(CNA_CONV_CON1_IN_PRECISION, NPU_PRECISION_FP32), NPU_T_UNSUP),
	NPU_T_ROW("CNA int8 in, fp16 processing", NPU_T_INT8, NPU_CNA_CONV_CON1,
		  F(CNA_CONV_CON1_PROC_PRECISION, NPU_PRECISION_FP16) |
		  F(CNA_CONV_CON1_IN_PRECISION, NPU_PRECISION_INT8), NPU_T_INCONS),
	NPU_T_ROW("CORE fp16 processing", NPU_T_INT8, NPU_CORE_MISC_CFG,
		  F(CORE_MISC_CFG_PROC_PRECISION, NPU_PRECISION_FP16) |
		  NPU_CORE_MISC_CFG_QD_EN, NPU_T_INCONS),
	NPU_T_ROW("DPU fp16 processing", NPU_T_INT8, NPU_DPU_DATA_FORMAT,
		  F(DPU_DATA_FORMAT_OUT_PRECISION, NPU_PRECISION_INT32) |
		  F(DPU_DATA_FORMAT_PROC_PRECISION, NPU_PRECISION_FP16),
		  NPU_T_INCONS),
	NPU_T_ROW("DPU fp16 input", NPU_T_INT8, NPU_DPU_DATA_FORMAT,
		  F(DPU_DATA_FORMAT_OUT_PRECISION, NPU_PRECISION_INT32) |
		  F(DPU_DATA_FORMAT_IN_PRECISION, NPU_PRECISION_FP16),
		  NPU_T_INCONS),
	NPU_T_ROW2("fp16 out without FP32TOFP16", NPU_T_FP16, NPU_DPU_DATA_FORMAT,
		   F(DPU_DATA_FORMAT_OUT_PRECISION, NPU_PRECISION_FP16) |
		   F(DPU_DATA_FORMAT_IN_PRECISION, NPU_PRECISION_FP16) |
		   F(DPU_DATA_FORMAT_PROC_PRECISION, NPU_PRECISION_FP16),
		   NPU_T_INCONS, NPU_DPU_OUT_CVT_SCALE),
	NPU_T_ROW2("fp32 out with FP32TOFP16", NPU_T_FP16, NPU_DPU_OUT_CVT_SCALE,
		   F(DPU_OUT_CVT_SCALE_OUT_CVT_SCALE, 1) |
		   NPU_DPU_OUT_CVT_SCALE_FP32TOFP16_EN, NPU_T_INCONS,
		   NPU_DPU_DATA_FORMAT),
	NPU_T_ROW("int8 in, fp32 out", NPU_T_INT8, NPU_DPU_DATA_FORMAT,
		  F(DPU_DATA_FORMAT_OUT_PRECISION, NPU_PRECISION_FP32),
		  NPU_T_UNSUP),
	NPU_T_ROW2("int8 in, int32 out through FP32TOFP16", NPU_T_INT8,
		   NPU_DPU_OUT_CVT_SCALE, F(DPU_OUT_CVT_SCALE_OUT_CVT_SCALE, 1) |
		   NPU_DPU_OUT_CVT_SCALE_FP32TOFP16_EN, NPU_T_UNSUP,
		   NPU_DPU_DATA_FORMAT),
	NPU_T_ROW("output element size 0 of fp32", NPU_T_INT8, NPU_DPU_BS_OW_CFG,
		  F(DPU_BS_OW_CFG_SIZE_E_2, 7) | F(DPU_BS_OW_CFG_SIZE_E_1, 7) |
		  F(DPU_BS_OW_CFG_SIZE_E_0, 3) | NPU_DPU_BS_OW_CFG_OD_BYPASS,
		  NPU_T_INCONS),
	NPU_T_ROW("output element size 1 of fp32", NPU_T_INT8, NPU_DPU_BS_OW_CFG,
		  F(DPU_BS_OW_CFG_SIZE_E_2, 7) | F(DPU_BS_OW_CFG_SIZE_E_1, 3) |
		  F(DPU_BS_OW_CFG_SIZE_E_0, 7) | NPU_DPU_BS_OW_CFG_OD_BYPASS,
		  NPU_T_INCONS),
	NPU_T_ROW("output element size 2 of fp16", NPU_T_FP16, NPU_DPU_BS_OW_CFG,
		  F(DPU_BS_OW_CFG_SIZE_E_2, 1) | F(DPU_BS_OW_CFG_SIZE_E_1, 3) |
		  F(DPU_BS_OW_CFG_SIZE_E_0, 3) | NPU_DPU_BS_OW_CFG_OD_BYPASS,
		  NPU_T_INCONS),
	/* npu_gemm_check_input() */
	NPU_T_ROW("height 0", NPU_T_INT8, NPU_CNA_DATA_SIZE0,
		  F(CNA_DATA_SIZE0_DATAIN_WIDTH, 1), NPU_T_INCONS),
	NPU_T_ROW("width 0", NPU_T_INT8, NPU_CNA_DATA_SIZE0,
		  F(CNA_DATA_SIZE0_DATAIN_HEIGHT, 4), NPU_T_INCONS),
	NPU_T_ROW("0 channels", NPU_T_INT8, NPU_CNA_DATA_SIZE1,
		  F(CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL, 63), NPU_T_INCONS),
	NPU_T_ROW("0 kernels", NPU_T_INT8, NPU_CNA_WEIGHT_SIZE2,
		  F(CNA_WEIGHT_SIZE2_WEIGHT_WIDTH, 1) |
		  F(CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT, 1), NPU_T_INCONS),
	NPU_T_ROW("48 channels, not whole weight tiles", NPU_T_INT8,
		  NPU_CNA_DATA_SIZE1, F(CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL, 47) |
		  F(CNA_DATA_SIZE1_DATAIN_CHANNEL, 48), NPU_T_UNSUP),
	NPU_T_ROW("fewer real channels", NPU_T_INT8, NPU_CNA_DATA_SIZE1,
		  F(CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL, 31) |
		  F(CNA_DATA_SIZE1_DATAIN_CHANNEL, 64), NPU_T_UNSUP),
	NPU_T_ROW("more real channels", NPU_T_INT8, NPU_CNA_DATA_SIZE1,
		  F(CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL, 64) |
		  F(CNA_DATA_SIZE1_DATAIN_CHANNEL, 64), NPU_T_INCONS),
	NPU_T_ROW("input DMA width", NPU_T_INT8, NPU_CNA_FC_DATA_SIZE0,
		  F(CNA_FC_DATA_SIZE0_DMA_WIDTH, 2) |
		  F(CNA_FC_DATA_SIZE0_DMA_HEIGHT, 4), NPU_T_INCONS),
	NPU_T_ROW("input DMA height", NPU_T_INT8, NPU_CNA_FC_DATA_SIZE0,
		  F(CNA_FC_DATA_SIZE0_DMA_WIDTH, 1) |
		  F(CNA_FC_DATA_SIZE0_DMA_HEIGHT, 5), NPU_T_INCONS),
	NPU_T_ROW("input DMA channels", NPU_T_INT8, NPU_CNA_FC_DATA_SIZE1,
		  F(CNA_FC_DATA_SIZE1_DMA_CHANNEL, 32), NPU_T_INCONS),
	NPU_T_ROW2("8193 kernels", NPU_T_WIDE, 0, 0, NPU_T_LIMIT,
		   NPU_CNA_WEIGHT_SIZE2),
	NPU_T_ROW("bytes per kernel", NPU_T_INT8, NPU_CNA_WEIGHT_SIZE1, 32,
		  NPU_T_INCONS),
	NPU_T_ROW("weight bytes", NPU_T_INT8, NPU_CNA_WEIGHT_SIZE0, 64 * 31,
		  NPU_T_INCONS),
	/* npu_gemm_check_fetch() */
	NPU_T_ROW2("1023 rows", NPU_T_TALL, 0, 0, NPU_T_LIMIT, NPU_CNA_CONV_CON2),
	NPU_T_ROW("feature grains", NPU_T_INT8, NPU_CNA_CONV_CON2,
		  F(CNA_CONV_CON2_FEATURE_GRAINS, 4), NPU_T_UNSUP),
	NPU_T_ROW("line stride", NPU_T_INT8, NPU_CNA_DMA_CON1,
		  F(CNA_DMA_CON1_LINE_STRIDE, 8), NPU_T_UNSUP),
	NPU_T_ROW("surface stride", NPU_T_INT8, NPU_CNA_DMA_CON2,
		  F(CNA_DMA_CON2_SURF_STRIDE, 4), NPU_T_UNSUP),
	NPU_T_ROW("output width", NPU_T_INT8, NPU_CNA_DATA_SIZE2,
		  F(CNA_DATA_SIZE2_DATAOUT_WIDTH, 2), NPU_T_INCONS),
	NPU_T_ROW("output atoms", NPU_T_INT8, NPU_CNA_DATA_SIZE3,
		  F(CNA_DATA_SIZE3_DATAOUT_ATOMICS, 5), NPU_T_INCONS),
	/* npu_gemm_check_cbuf() */
	NPU_T_ROW("data reuse", NPU_T_INT8, NPU_CNA_CBUF_CON0,
		  F(CNA_CBUF_CON0_WEIGHT_BANK, 6) | F(CNA_CBUF_CON0_DATA_BANK, 6) |
		  NPU_CNA_CBUF_CON0_DATA_REUSE, NPU_T_UNSUP),
	NPU_T_ROW("weight reuse", NPU_T_INT8, NPU_CNA_CBUF_CON0,
		  F(CNA_CBUF_CON0_WEIGHT_BANK, 6) | F(CNA_CBUF_CON0_DATA_BANK, 6) |
		  NPU_CNA_CBUF_CON0_WEIGHT_REUSE, NPU_T_UNSUP),
	NPU_T_ROW("no data bank", NPU_T_INT8, NPU_CNA_CBUF_CON0,
		  F(CNA_CBUF_CON0_WEIGHT_BANK, 6), NPU_T_CBUF),
	NPU_T_ROW("no weight bank", NPU_T_INT8, NPU_CNA_CBUF_CON0,
		  F(CNA_CBUF_CON0_DATA_BANK, 6), NPU_T_CBUF),
	NPU_T_ROW("13 banks", NPU_T_INT8, NPU_CNA_CBUF_CON0,
		  F(CNA_CBUF_CON0_WEIGHT_BANK, 7) | F(CNA_CBUF_CON0_DATA_BANK, 6),
		  NPU_T_CBUF),
	NPU_T_ROW2("16384 entries a row", NPU_T_LONG, 0, 0, NPU_T_LIMIT,
		   NPU_CNA_CBUF_CON1),
	NPU_T_ROW("data entries", NPU_T_INT8, NPU_CNA_CBUF_CON1,
		  F(CNA_CBUF_CON1_DATA_ENTRIES, 2), NPU_T_INCONS),
	NPU_T_ROW("1000 rows in 1 data bank", NPU_T_ROWS, NPU_CNA_CBUF_CON0,
		  F(CNA_CBUF_CON0_WEIGHT_BANK, 11) | F(CNA_CBUF_CON0_DATA_BANK, 1),
		  NPU_T_CBUF),
	/* npu_gemm_check_out_sizes() */
	NPU_T_ROW("CORE output width", NPU_T_INT8, NPU_CORE_DATAOUT_SIZE_0,
		  F(CORE_DATAOUT_SIZE_0_DATAOUT_HEIGHT, 3) |
		  F(CORE_DATAOUT_SIZE_0_DATAOUT_WIDTH, 1), NPU_T_INCONS),
	NPU_T_ROW("CORE output height", NPU_T_INT8, NPU_CORE_DATAOUT_SIZE_0,
		  F(CORE_DATAOUT_SIZE_0_DATAOUT_HEIGHT, 4), NPU_T_INCONS),
	NPU_T_ROW("CORE output channels", NPU_T_INT8, NPU_CORE_DATAOUT_SIZE_1,
		  F(CORE_DATAOUT_SIZE_1_DATAOUT_CHANNEL, 30), NPU_T_INCONS),
	NPU_T_ROW("DPU cube width", NPU_T_INT8, NPU_DPU_DATA_CUBE_WIDTH,
		  F(DPU_DATA_CUBE_WIDTH_WIDTH, 1), NPU_T_INCONS),
	NPU_T_ROW("DPU cube height", NPU_T_INT8, NPU_DPU_DATA_CUBE_HEIGHT,
		  F(DPU_DATA_CUBE_HEIGHT_HEIGHT, 2), NPU_T_INCONS),
	NPU_T_ROW("DPU cube channels", NPU_T_INT8, NPU_DPU_DATA_CUBE_CHANNEL,
		  F(DPU_DATA_CUBE_CHANNEL_ORIG_CHANNEL, 31) |
		  F(DPU_DATA_CUBE_CHANNEL_CHANNEL, 30), NPU_T_INCONS),
	NPU_T_ROW("DPU original channels", NPU_T_INT8, NPU_DPU_DATA_CUBE_CHANNEL,
		  F(DPU_DATA_CUBE_CHANNEL_ORIG_CHANNEL, 30) |
		  F(DPU_DATA_CUBE_CHANNEL_CHANNEL, 31), NPU_T_UNSUP),
	NPU_T_ROW("write DMA channels", NPU_T_INT8, NPU_DPU_WDMA_SIZE_0,
		  F(DPU_WDMA_SIZE_0_CHANNEL_WDMA, 30), NPU_T_INCONS),
	NPU_T_ROW("write DMA width", NPU_T_INT8, NPU_DPU_WDMA_SIZE_1,
		  F(DPU_WDMA_SIZE_1_HEIGHT_WDMA, 3) |
		  F(DPU_WDMA_SIZE_1_WIDTH_WDMA, 1), NPU_T_INCONS),
	NPU_T_ROW("write DMA height", NPU_T_INT8, NPU_DPU_WDMA_SIZE_1,
		  F(DPU_WDMA_SIZE_1_HEIGHT_WDMA, 2), NPU_T_INCONS),
	/* npu_gemm_check_out_layout() */
	NPU_T_ROW("output groups overlap", NPU_T_INT8, NPU_DPU_DST_SURF_STRIDE,
		  F(DPU_DST_SURF_STRIDE_DST_SURF_STRIDE, 3), NPU_T_INCONS),
	NPU_T_ROW2("surface add past 28 bits", NPU_T_INT8, NPU_DPU_DST_SURF_STRIDE,
		   F(DPU_DST_SURF_STRIDE_DST_SURF_STRIDE, 0x2000000),
		   NPU_T_LIMIT, NPU_DPU_SURFACE_ADD),
	NPU_T_ROW("surface add", NPU_T_INT8, NPU_DPU_SURFACE_ADD,
		  F(DPU_SURFACE_ADD_SURF_ADD, 16), NPU_T_INCONS),
};

#undef F

/*
 * Every register a task must write itself (npu_gemm_read_regs[] in
 * npu_sim_gemm.c, written out again so that dropping one there shows).
 */
#define R(reg)	{ reg, &#reg[4] }
static const struct {
	u16 reg;
	const char *name;
} npu_t_required[] = {
	R(NPU_DPU_S_POINTER),
	R(NPU_CNA_CONV_CON1), R(NPU_CNA_CONV_CON2), R(NPU_CNA_CONV_CON3),
	R(NPU_CNA_DATA_SIZE0), R(NPU_CNA_DATA_SIZE1), R(NPU_CNA_DATA_SIZE2),
	R(NPU_CNA_DATA_SIZE3), R(NPU_CNA_WEIGHT_SIZE0), R(NPU_CNA_WEIGHT_SIZE1),
	R(NPU_CNA_WEIGHT_SIZE2), R(NPU_CNA_CBUF_CON0), R(NPU_CNA_CBUF_CON1),
	R(NPU_CNA_CVT_CON0), R(NPU_CNA_FC_CON0), R(NPU_CNA_FC_CON1),
	R(NPU_CNA_PAD_CON0), R(NPU_CNA_FEATURE_DATA_ADDR), R(NPU_CNA_FC_CON2),
	R(NPU_CNA_DMA_CON1), R(NPU_CNA_DMA_CON2), R(NPU_CNA_FC_DATA_SIZE0),
	R(NPU_CNA_FC_DATA_SIZE1), R(NPU_CNA_DCOMP_CTRL), R(NPU_CNA_DCOMP_ADDR0),
	R(NPU_CORE_MISC_CFG), R(NPU_CORE_DATAOUT_SIZE_0),
	R(NPU_CORE_DATAOUT_SIZE_1), R(NPU_CORE_CLIP_TRUNCATE),
	R(NPU_DPU_FEATURE_MODE_CFG), R(NPU_DPU_DATA_FORMAT),
	R(NPU_DPU_DST_BASE_ADDR), R(NPU_DPU_DST_SURF_STRIDE),
	R(NPU_DPU_DATA_CUBE_WIDTH), R(NPU_DPU_DATA_CUBE_HEIGHT),
	R(NPU_DPU_DATA_CUBE_CHANNEL), R(NPU_DPU_BS_CFG), R(NPU_DPU_BS_OW_CFG),
	R(NPU_DPU_WDMA_SIZE_0), R(NPU_DPU_WDMA_SIZE_1), R(NPU_DPU_BN_CFG),
	R(NPU_DPU_EW_CFG), R(NPU_DPU_OUT_CVT_OFFSET), R(NPU_DPU_OUT_CVT_SCALE),
	R(NPU_DPU_OUT_CVT_SHIFT), R(NPU_DPU_SURFACE_ADD),
};

#undef R

static u32 npu_t_check(struct npu_t_regs *r, bool tracked, u32 *reg,
		       const char **name)
{
	struct npu_gemm g = { };

	*reg = 0;
	*name = "";
	return npu_sim_gemm_check(r->regs, tracked ? r->reg_word : NULL, &g,
				  reg, name);
}

static void npu_gemm_test_rejections(struct kunit *test)
{
	struct npu_t_regs *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i, rejected = 0;
	const char *name;
	u32 reg;

	KUNIT_ASSERT_NOT_NULL(test, r);
	/* Each base geometry a row changes one register of is accepted. */
	for (i = NPU_T_INT8; i <= NPU_T_ROWS; i++) {
		npu_t_matmul(r, &npu_t_geoms[i]);
		KUNIT_EXPECT_EQ_MSG(test, npu_t_check(r, true, &reg, &name),
				    DRM_NPU_REASON_NONE,
				    "geometry %u rejected at %s", i, name);
	}
	for (i = 0; i < ARRAY_SIZE(npu_t_rejects); i++) {
		const struct npu_t_reject *t = &npu_t_rejects[i];
		u32 bad = t->bad ?: t->reg;
		u32 reason;

		npu_t_matmul(r, &npu_t_geoms[t->geom]);
		if (t->reg)
			npu_t_set(r, t->reg, t->value);
		reason = npu_t_check(r, true, &reg, &name);
		KUNIT_EXPECT_EQ_MSG(test, reason, t->reason, "%s: at %s",
				    t->what, name);
		KUNIT_EXPECT_EQ_MSG(test, reg, bad, "%s: at %s", t->what, name);
		KUNIT_EXPECT_STREQ_MSG(test, name, t->name, "%s", t->what);
		if (reason == t->reason && reg == bad)
			rejected++;
	}
	kunit_info(test, "gemm check: %u of %zu changes rejected as expected\n",
		   rejected, ARRAY_SIZE(npu_t_rejects));
}

/*
 * A register the task did not write is rejected as unsupported, naming
 * it, whatever value the register file holds (that of an earlier task,
 * here the right one); untracked, the same file is accepted.  Registers
 * outside the list need not be written.
 */
static void npu_gemm_test_unwritten(struct kunit *test)
{
	static const u16 optional[] = {
		NPU_PC_REGISTER_AMOUNTS, NPU_PC_OPERATION_ENABLE,
	};
	struct npu_t_regs *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i, rejected = 0;
	const char *name;
	u32 reg;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < ARRAY_SIZE(npu_t_required); i++) {
		u32 reason;

		npu_t_matmul(r, &npu_t_geoms[NPU_T_INT8]);
		r->reg_word[npu_t_required[i].reg / 4] = 0;
		reason = npu_t_check(r, true, &reg, &name);
		KUNIT_EXPECT_EQ_MSG(test, reason, DRM_NPU_REASON_UNSUPPORTED,
				    "%s not written", npu_t_required[i].name);
		KUNIT_EXPECT_EQ_MSG(test, reg, npu_t_required[i].reg,
				    "%s not written: at %s",
				    npu_t_required[i].name, name);
		KUNIT_EXPECT_STREQ(test, name, npu_t_required[i].name);
		KUNIT_EXPECT_EQ(test, npu_t_check(r, false, &reg, &name),
				DRM_NPU_REASON_NONE);
		if (reason == DRM_NPU_REASON_UNSUPPORTED &&
		    reg == npu_t_required[i].reg)
			rejected++;
	}
	for (i = 0; i < ARRAY_SIZE(optional); i++) {
		npu_t_matmul(r, &npu_t_geoms[NPU_T_INT8]);
		r->reg_word[optional[i] / 4] = 0;
		KUNIT_EXPECT_EQ(test, npu_t_check(r, true, &reg, &name),
				DRM_NPU_REASON_NONE);
	}
	kunit_info(test, "gemm check: %u of %zu unwritten registers rejected\n",
		   rejected, ARRAY_SIZE(npu_t_required));
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

static struct kunit_case npu_gemm_check_cases[] = {
	KUNIT_CASE(npu_gemm_test_rejections),
	KUNIT_CASE(npu_gemm_test_unwritten),
	{}
};

static struct kunit_suite npu_gemm_check_suite = {
	.name = "npu_gemm_check",
	.test_cases = npu_gemm_check_cases,
};

kunit_test_suites(&npu_regcmd_suite, &npu_mmu_suite, &npu_softfloat_suite,
		  &npu_gemm_check_suite);
