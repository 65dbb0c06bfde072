// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * The virtual NPU's compute model: what an RK3588 core computes for a
 * 1x1 direct convolution (a matmul: H x W pixels = M rows, channels = K,
 * kernels = N), decoded from the register file a regcmd stream left.
 *
 * Facts (register fields, precision codes, layouts, CBUF limits) are in
 * Documentation/npu/rk3588-regcmd.rst with their sources; what is not
 * modelled is listed there too.  Every device access goes through the
 * VM's page tables; arithmetic is integer-only (npu_softfloat.h), so the
 * result is the same on every architecture:
 *
 *  - int8 x int8 accumulates exactly in int32;
 *  - fp16 x fp16 products are exact in fp32 and are summed in fp32 in
 *    channel order, rounding to nearest even after every addition; an
 *    fp16 output is the fp32 sum rounded to nearest even.
 */

#include <linux/bitfield.h>
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#include <drm/drm_print.h>
#include <drm/npu_accel.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_mmu.h"
#include "npu_rk3588_regs.h"
#include "npu_sim_gemm.h"
#include "npu_softfloat.h"

/* The register file: one u32 per 4-byte register offset. */
static u32 npu_reg(const u32 *regs, u32 reg)
{
	return regs[reg / 4];
}

static bool npu_sim_injected_fault(struct npu_sim_mem *mem, u64 va)
{
	u64 inject = READ_ONCE(*mem->fault_va);

	if (!inject || (va >> NPU_MMU_PAGE_SHIFT) != (inject >> NPU_MMU_PAGE_SHIFT))
		return false;
	WRITE_ONCE(*mem->fault_va, 0);	/* one shot */
	return true;
}

/*
 * The page the device sees at @pa.  A non-coherent virtual NPU sees
 * memory, not the CPU's caches: pages handed to the device have a copy
 * in @mem->memory, taken when they were handed over (npu_sim.c).
 */
static struct page *npu_sim_mem_page(struct npu_sim_mem *mem, phys_addr_t pa)
{
	struct page *page;

	if (mem->memory) {
		page = xa_load(mem->memory, PHYS_PFN(pa));
		if (page)
			return page;
	}
	return pfn_to_page(PHYS_PFN(pa));
}

static int npu_sim_mem_access(struct npu_sim_mem *mem, u64 va, void *buf,
			      size_t len, bool write, u64 *bad_va)
{
	while (len) {
		/* One device page at a time: the next may be anywhere. */
		size_t chunk = min_t(size_t, len, NPU_MMU_PAGE_SIZE -
				     (va & (NPU_MMU_PAGE_SIZE - 1)));
		phys_addr_t pa;
		void *p;

		if (npu_sim_injected_fault(mem, va) ||
		    npu_mmu_walk(mem->dir, va, write, &pa)) {
			*bad_va = va;
			return -EFAULT;
		}
		p = kmap_local_page(npu_sim_mem_page(mem, pa));
		if (write)
			memcpy(p + offset_in_page(pa), buf, chunk);
		else
			memcpy(buf, p + offset_in_page(pa), chunk);
		kunmap_local(p);
		va += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/**
 * npu_sim_mem_read() - read device memory through the MMU
 * @mem: the task's view of memory
 * @va: device address
 * @buf: destination
 * @len: bytes
 * @bad_va: out: the faulting address
 *
 * Return: 0 or -EFAULT.
 */
int npu_sim_mem_read(struct npu_sim_mem *mem, u64 va, void *buf,
		     size_t len, u64 *bad_va)
{
	return npu_sim_mem_access(mem, va, buf, len, false, bad_va);
}

static int npu_sim_mem_write(struct npu_sim_mem *mem, u64 va,
			     const void *buf, size_t len, u64 *bad_va)
{
	return npu_sim_mem_access(mem, va, (void *)buf, len, true, bad_va);
}

/**
 * struct npu_gemm_check - the register file under check, and what is wrong
 * @regs: the register file
 * @reg_word: per register, 1 + the index of the task's word that last
 *            wrote it, 0 when the task did not; NULL: not tracked
 * @reg: out: the register a rejection is about
 * @name: out: its name, for the debug message
 */
struct npu_gemm_check {
	const u32 *regs;
	const u32 *reg_word;
	u32 reg;
	const char *name;
};

static u32 npu_gemm_bad(struct npu_gemm_check *c, u32 reg, const char *name,
			u32 reason)
{
	c->reg = reg;
	c->name = name;
	return reason;
}

/* Reject because of @reg; its name is the macro's without "NPU_". */
#define NPU_GEMM_BAD(c, reg, reason)	npu_gemm_bad(c, reg, &#reg[4], reason)
#define NPU_GEMM_REG(c, reg)		npu_reg((c)->regs, reg)
#define NPU_GEMM_FIELD(c, reg, field)	FIELD_GET(field, NPU_GEMM_REG(c, reg))

/*
 * Every register the model reads.  Each task's stream must write them
 * all: with the ping-pong register groups that S_POINTER selects, a
 * board runs each task on the group its own stream filled, so a value
 * left by an earlier task is not one the model can rely on.
 */
#define R(reg)	{ reg, &#reg[4] }
static const struct {
	u16 reg;
	const char *name;
} npu_gemm_read_regs[] = {
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

/* The task itself: registers written, ping-pong pointer, tail, op_en. */
static u32 npu_gemm_check_task(struct npu_gemm_check *c)
{
	u32 s_ptr = NPU_DPU_S_POINTER_POINTER_PP_MODE |
		    NPU_DPU_S_POINTER_EXECUTER_PP_EN |
		    NPU_DPU_S_POINTER_POINTER_PP_EN;
	u32 blocks = NPU_PC_OPERATION_ENABLE_CNA | NPU_PC_OPERATION_ENABLE_DPU;
	unsigned int i;

	for (i = 0; c->reg_word && i < ARRAY_SIZE(npu_gemm_read_regs); i++)
		if (!c->reg_word[npu_gemm_read_regs[i].reg / 4])
			return npu_gemm_bad(c, npu_gemm_read_regs[i].reg,
					    npu_gemm_read_regs[i].name,
					    DRM_NPU_REASON_UNSUPPORTED);
	/* The ping-pong pointer as every known generator programs it. */
	if ((NPU_GEMM_REG(c, NPU_DPU_S_POINTER) & s_ptr) != s_ptr)
		return NPU_GEMM_BAD(c, NPU_DPU_S_POINTER,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* A non-zero amount chains a next stream: the model runs one. */
	if (NPU_GEMM_FIELD(c, NPU_PC_REGISTER_AMOUNTS,
			   NPU_PC_REGISTER_AMOUNTS_PC_DATA_AMOUNT))
		return NPU_GEMM_BAD(c, NPU_PC_REGISTER_AMOUNTS,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* Without the CNA and DPU enables no convolution would run. */
	if ((NPU_GEMM_REG(c, NPU_PC_OPERATION_ENABLE) & blocks) != blocks)
		return NPU_GEMM_BAD(c, NPU_PC_OPERATION_ENABLE,
				    DRM_NPU_REASON_INCONSISTENT);
	return DRM_NPU_REASON_NONE;
}

/* Convolution mode, strides, padding, and the stages a matmul bypasses. */
static u32 npu_gemm_check_conv(struct npu_gemm_check *c)
{
	u32 con3 = NPU_GEMM_REG(c, NPU_CNA_CONV_CON3);
	u32 pad = NPU_GEMM_REG(c, NPU_CNA_PAD_CON0);
	u32 wsize2 = NPU_GEMM_REG(c, NPU_CNA_WEIGHT_SIZE2);
	u32 cvt = NPU_CNA_CVT_CON0_DATA_SIGN | NPU_CNA_CVT_CON0_CVT_TYPE |
		  NPU_CNA_CVT_CON0_CVT_BYPASS;
	u32 mode = NPU_GEMM_REG(c, NPU_DPU_FEATURE_MODE_CFG);

	if (NPU_GEMM_FIELD(c, NPU_CNA_CONV_CON1, NPU_CNA_CONV_CON1_CONV_MODE))
		return NPU_GEMM_BAD(c, NPU_CNA_CONV_CON1,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (FIELD_GET(NPU_DPU_FEATURE_MODE_CFG_CONV_MODE, mode))
		return NPU_GEMM_BAD(c, NPU_DPU_FEATURE_MODE_CFG,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* Output to memory (mode 2), not flying to the PPU. */
	if (FIELD_GET(NPU_DPU_FEATURE_MODE_CFG_OUTPUT_MODE, mode) != 2 ||
	    (mode & NPU_DPU_FEATURE_MODE_CFG_FLYING_MODE))
		return NPU_GEMM_BAD(c, NPU_DPU_FEATURE_MODE_CFG,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (FIELD_GET(NPU_CNA_CONV_CON3_CONV_X_STRIDE, con3) > 1 ||
	    FIELD_GET(NPU_CNA_CONV_CON3_CONV_Y_STRIDE, con3) > 1)
		return NPU_GEMM_BAD(c, NPU_CNA_CONV_CON3,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (FIELD_GET(NPU_CNA_PAD_CON0_PAD_TOP, pad) ||
	    FIELD_GET(NPU_CNA_PAD_CON0_PAD_LEFT, pad))
		return NPU_GEMM_BAD(c, NPU_CNA_PAD_CON0,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (FIELD_GET(NPU_CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT, wsize2) != 1 ||
	    FIELD_GET(NPU_CNA_WEIGHT_SIZE2_WEIGHT_WIDTH, wsize2) != 1)
		return NPU_GEMM_BAD(c, NPU_CNA_WEIGHT_SIZE2,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* Input converter bypassed, signed data: the input as stored. */
	if (NPU_GEMM_REG(c, NPU_CNA_CVT_CON0) != cvt)
		return NPU_GEMM_BAD(c, NPU_CNA_CVT_CON0,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* No skipping, data or weight offsets, decompression. */
	if (NPU_GEMM_REG(c, NPU_CNA_FC_CON0))
		return NPU_GEMM_BAD(c, NPU_CNA_FC_CON0, DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_REG(c, NPU_CNA_FC_CON1))
		return NPU_GEMM_BAD(c, NPU_CNA_FC_CON1, DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_REG(c, NPU_CNA_FC_CON2))
		return NPU_GEMM_BAD(c, NPU_CNA_FC_CON2, DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_REG(c, NPU_CNA_DCOMP_CTRL))
		return NPU_GEMM_BAD(c, NPU_CNA_DCOMP_CTRL,
				    DRM_NPU_REASON_UNSUPPORTED);
	return DRM_NPU_REASON_NONE;
}

/* The MAC array and the DPU's post-processing and output converter. */
static u32 npu_gemm_check_post(struct npu_gemm_check *c)
{
	u32 misc = NPU_GEMM_REG(c, NPU_CORE_MISC_CFG);
	u32 ow = NPU_GEMM_REG(c, NPU_DPU_BS_OW_CFG);

	/* Every hardware-validated generator sets QD_EN, none DW_EN. */
	if (!(misc & NPU_CORE_MISC_CFG_QD_EN) || (misc & NPU_CORE_MISC_CFG_DW_EN))
		return NPU_GEMM_BAD(c, NPU_CORE_MISC_CFG,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_REG(c, NPU_CORE_CLIP_TRUNCATE))
		return NPU_GEMM_BAD(c, NPU_CORE_CLIP_TRUNCATE,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (!(NPU_GEMM_REG(c, NPU_DPU_BS_CFG) & NPU_DPU_BX_CFG_BYPASS))
		return NPU_GEMM_BAD(c, NPU_DPU_BS_CFG, DRM_NPU_REASON_UNSUPPORTED);
	if (!(NPU_GEMM_REG(c, NPU_DPU_BN_CFG) & NPU_DPU_BX_CFG_BYPASS))
		return NPU_GEMM_BAD(c, NPU_DPU_BN_CFG, DRM_NPU_REASON_UNSUPPORTED);
	if (!(NPU_GEMM_REG(c, NPU_DPU_EW_CFG) & NPU_DPU_EW_CFG_EW_BYPASS))
		return NPU_GEMM_BAD(c, NPU_DPU_EW_CFG, DRM_NPU_REASON_UNSUPPORTED);
	if (!(ow & NPU_DPU_BS_OW_CFG_OD_BYPASS))
		return NPU_GEMM_BAD(c, NPU_DPU_BS_OW_CFG,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* The output converter at identity: scale 1, no offset or shift. */
	if (NPU_GEMM_FIELD(c, NPU_DPU_OUT_CVT_SCALE,
			   NPU_DPU_OUT_CVT_SCALE_OUT_CVT_SCALE) != 1)
		return NPU_GEMM_BAD(c, NPU_DPU_OUT_CVT_SCALE,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_REG(c, NPU_DPU_OUT_CVT_OFFSET))
		return NPU_GEMM_BAD(c, NPU_DPU_OUT_CVT_OFFSET,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_REG(c, NPU_DPU_OUT_CVT_SHIFT))
		return NPU_GEMM_BAD(c, NPU_DPU_OUT_CVT_SHIFT,
				    DRM_NPU_REASON_UNSUPPORTED);
	return DRM_NPU_REASON_NONE;
}

/* BS_OW_CFG element size code of an output precision (int32 7, fp32 3, fp16 1). */
static u32 npu_gemm_size_e(u32 out_prec)
{
	return out_prec == NPU_PRECISION_INT32 ? 7 :
	       out_prec == NPU_PRECISION_FP32 ? 3 : 1;
}

/* Precisions: the pairs the model computes, the same in every block. */
static u32 npu_gemm_check_precision(struct npu_gemm_check *c,
				    struct npu_gemm *g)
{
	u32 con1 = NPU_GEMM_REG(c, NPU_CNA_CONV_CON1);
	u32 format = NPU_GEMM_REG(c, NPU_DPU_DATA_FORMAT);
	u32 in = FIELD_GET(NPU_CNA_CONV_CON1_IN_PRECISION, con1);
	u32 out = FIELD_GET(NPU_DPU_DATA_FORMAT_OUT_PRECISION, format);
	u32 ow = NPU_GEMM_REG(c, NPU_DPU_BS_OW_CFG);
	bool to_fp16 = NPU_GEMM_FIELD(c, NPU_DPU_OUT_CVT_SCALE,
				      NPU_DPU_OUT_CVT_SCALE_FP32TOFP16_EN);

	if (in != NPU_PRECISION_INT8 && in != NPU_PRECISION_FP16)
		return NPU_GEMM_BAD(c, NPU_CNA_CONV_CON1,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (FIELD_GET(NPU_CNA_CONV_CON1_PROC_PRECISION, con1) != in)
		return NPU_GEMM_BAD(c, NPU_CNA_CONV_CON1,
				    DRM_NPU_REASON_INCONSISTENT);
	if (NPU_GEMM_FIELD(c, NPU_CORE_MISC_CFG,
			   NPU_CORE_MISC_CFG_PROC_PRECISION) != in)
		return NPU_GEMM_BAD(c, NPU_CORE_MISC_CFG,
				    DRM_NPU_REASON_INCONSISTENT);
	if (FIELD_GET(NPU_DPU_DATA_FORMAT_PROC_PRECISION, format) != in ||
	    FIELD_GET(NPU_DPU_DATA_FORMAT_IN_PRECISION, format) != in)
		return NPU_GEMM_BAD(c, NPU_DPU_DATA_FORMAT,
				    DRM_NPU_REASON_INCONSISTENT);

	g->in_size = in == NPU_PRECISION_INT8 ? 1 : 2;
	g->c2 = NPU_ATOM / g->in_size;
	g->tile_n = in == NPU_PRECISION_INT8 ? 32 : 16;
	if (in == NPU_PRECISION_INT8 && out == NPU_PRECISION_INT32 && !to_fp16) {
		g->out_size = 4;
	} else if (in == NPU_PRECISION_FP16 && out == NPU_PRECISION_FP32 &&
		   !to_fp16) {
		g->out_size = 4;
	} else if (in == NPU_PRECISION_FP16 && out == NPU_PRECISION_FP16 &&
		   to_fp16) {
		g->out_size = 2;
	} else if (in == NPU_PRECISION_FP16 && out == NPU_PRECISION_FP16) {
		return NPU_GEMM_BAD(c, NPU_DPU_OUT_CVT_SCALE,
				    DRM_NPU_REASON_INCONSISTENT);
	} else {
		return NPU_GEMM_BAD(c, NPU_DPU_DATA_FORMAT,
				    in == NPU_PRECISION_FP16 &&
				    out == NPU_PRECISION_FP32 ?
				    DRM_NPU_REASON_INCONSISTENT :
				    DRM_NPU_REASON_UNSUPPORTED);
	}
	g->out_prec = out;
	g->out_c2 = NPU_ATOM / g->out_size;
	/* The output writer's element sizes follow the output precision. */
	if (FIELD_GET(NPU_DPU_BS_OW_CFG_SIZE_E_0, ow) != npu_gemm_size_e(out) ||
	    FIELD_GET(NPU_DPU_BS_OW_CFG_SIZE_E_1, ow) != npu_gemm_size_e(out) ||
	    FIELD_GET(NPU_DPU_BS_OW_CFG_SIZE_E_2, ow) != npu_gemm_size_e(out))
		return NPU_GEMM_BAD(c, NPU_DPU_BS_OW_CFG,
				    DRM_NPU_REASON_INCONSISTENT);
	return DRM_NPU_REASON_NONE;
}

/* Sizes of the CNA's input and weights, and the kernel limit. */
static u32 npu_gemm_check_input(struct npu_gemm_check *c, struct npu_gemm *g)
{
	u32 size0 = NPU_GEMM_REG(c, NPU_CNA_DATA_SIZE0);
	u32 size1 = NPU_GEMM_REG(c, NPU_CNA_DATA_SIZE1);
	u32 fc0 = NPU_GEMM_REG(c, NPU_CNA_FC_DATA_SIZE0);
	u64 kernel_bytes;

	g->h = FIELD_GET(NPU_CNA_DATA_SIZE0_DATAIN_HEIGHT, size0);
	g->w = FIELD_GET(NPU_CNA_DATA_SIZE0_DATAIN_WIDTH, size0);
	g->channels = FIELD_GET(NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL, size1);
	g->kernels = NPU_GEMM_FIELD(c, NPU_CNA_WEIGHT_SIZE2,
				    NPU_CNA_WEIGHT_SIZE2_WEIGHT_KERNELS);
	g->pixels = g->h * g->w;
	if (!g->pixels)
		return NPU_GEMM_BAD(c, NPU_CNA_DATA_SIZE0,
				    DRM_NPU_REASON_INCONSISTENT);
	if (!g->channels)
		return NPU_GEMM_BAD(c, NPU_CNA_DATA_SIZE1,
				    DRM_NPU_REASON_INCONSISTENT);
	if (!g->kernels)
		return NPU_GEMM_BAD(c, NPU_CNA_WEIGHT_SIZE2,
				    DRM_NPU_REASON_INCONSISTENT);
	/* Weight tiles are 32 channels deep; input groups are 16 bytes. */
	if (g->channels % NPU_WEIGHT_TILE_C)
		return NPU_GEMM_BAD(c, NPU_CNA_DATA_SIZE1,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* Fewer real channels than channels: not modelled; more: wrong. */
	if (FIELD_GET(NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL, size1) + 1 !=
	    g->channels)
		return NPU_GEMM_BAD(c, NPU_CNA_DATA_SIZE1,
				    FIELD_GET(NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL,
					      size1) + 1 > g->channels ?
				    DRM_NPU_REASON_INCONSISTENT :
				    DRM_NPU_REASON_UNSUPPORTED);
	/* The input DMA fetches the same cube. */
	if (FIELD_GET(NPU_CNA_FC_DATA_SIZE0_DMA_WIDTH, fc0) != g->w ||
	    FIELD_GET(NPU_CNA_FC_DATA_SIZE0_DMA_HEIGHT, fc0) != g->h)
		return NPU_GEMM_BAD(c, NPU_CNA_FC_DATA_SIZE0,
				    DRM_NPU_REASON_INCONSISTENT);
	if (NPU_GEMM_FIELD(c, NPU_CNA_FC_DATA_SIZE1,
			   NPU_CNA_FC_DATA_SIZE1_DMA_CHANNEL) != g->channels)
		return NPU_GEMM_BAD(c, NPU_CNA_FC_DATA_SIZE1,
				    DRM_NPU_REASON_INCONSISTENT);
	/* The DPU channel fields are narrower than the CNA kernel count. */
	if (g->kernels - 1 > FIELD_MAX(NPU_DPU_DATA_CUBE_CHANNEL_CHANNEL))
		return NPU_GEMM_BAD(c, NPU_CNA_WEIGHT_SIZE2,
				    DRM_NPU_REASON_LIMIT);
	kernel_bytes = (u64)g->channels * g->in_size;
	if (NPU_GEMM_REG(c, NPU_CNA_WEIGHT_SIZE1) != kernel_bytes)
		return NPU_GEMM_BAD(c, NPU_CNA_WEIGHT_SIZE1,
				    DRM_NPU_REASON_INCONSISTENT);
	if (NPU_GEMM_REG(c, NPU_CNA_WEIGHT_SIZE0) != kernel_bytes * g->kernels)
		return NPU_GEMM_BAD(c, NPU_CNA_WEIGHT_SIZE0,
				    DRM_NPU_REASON_INCONSISTENT);
	return DRM_NPU_REASON_NONE;
}

/*
 * The CNA's feature fetch.  FEATURE_GRAINS is the rows the CNA fetches
 * ahead: a matmul task holds all its rows, height + 1 in the validated
 * recipe, which the 10-bit field must hold.  The line stride of a dense
 * NC1HWC2 input is width x 4 in every generator; the surface stride is
 * line stride x (height / 4 - 1), computed in integers ([matmul], and so
 * libnpu: plus 1 when negative) or in real numbers (Mesa): the model
 * reads dense surfaces and accepts either, nothing else.
 */
static u32 npu_gemm_check_fetch(struct npu_gemm_check *c,
				const struct npu_gemm *g)
{
	u32 grains = NPU_GEMM_FIELD(c, NPU_CNA_CONV_CON2,
				    NPU_CNA_CONV_CON2_FEATURE_GRAINS);
	u32 surf = NPU_GEMM_FIELD(c, NPU_CNA_DMA_CON2,
				  NPU_CNA_DMA_CON2_SURF_STRIDE);
	s64 line = 4 * (s64)g->w;
	s64 whole = line * (g->h / 4) - line;
	s64 real = (s64)g->w * g->h - line;

	if (g->h + 1 > FIELD_MAX(NPU_CNA_CONV_CON2_FEATURE_GRAINS))
		return NPU_GEMM_BAD(c, NPU_CNA_CONV_CON2, DRM_NPU_REASON_LIMIT);
	if (grains != g->h + 1)
		return NPU_GEMM_BAD(c, NPU_CNA_CONV_CON2,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_FIELD(c, NPU_CNA_DMA_CON1,
			   NPU_CNA_DMA_CON1_LINE_STRIDE) != line)
		return NPU_GEMM_BAD(c, NPU_CNA_DMA_CON1,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (whole < 0)
		whole++;
	if (surf != ((u32)whole & NPU_CNA_DMA_CON2_SURF_STRIDE) &&
	    (real < 0 || surf != real))
		return NPU_GEMM_BAD(c, NPU_CNA_DMA_CON2,
				    DRM_NPU_REASON_UNSUPPORTED);
	/* Output width and atoms of the convolution: one per pixel. */
	if (NPU_GEMM_FIELD(c, NPU_CNA_DATA_SIZE2,
			   NPU_CNA_DATA_SIZE2_DATAOUT_WIDTH) != g->w)
		return NPU_GEMM_BAD(c, NPU_CNA_DATA_SIZE2,
				    DRM_NPU_REASON_INCONSISTENT);
	if (NPU_GEMM_FIELD(c, NPU_CNA_DATA_SIZE3,
			   NPU_CNA_DATA_SIZE3_DATAOUT_ATOMICS) != g->pixels)
		return NPU_GEMM_BAD(c, NPU_CNA_DATA_SIZE3,
				    DRM_NPU_REASON_INCONSISTENT);
	return DRM_NPU_REASON_NONE;
}

/*
 * The CBUF: 12 banks of 32 KiB split between input rows and weights.
 * An input row (width x channels) takes DATA_ENTRIES whole 64-byte
 * entries; the data banks must hold every row of the task, the weight
 * banks at least one kernel (the CNA streams the others through them).
 * Reuse of an earlier task's CBUF contents is not modelled.
 */
static u32 npu_gemm_check_cbuf(struct npu_gemm_check *c,
			       const struct npu_gemm *g)
{
	u32 cbuf = NPU_GEMM_REG(c, NPU_CNA_CBUF_CON0);
	u32 data_banks = FIELD_GET(NPU_CNA_CBUF_CON0_DATA_BANK, cbuf);
	u32 weight_banks = FIELD_GET(NPU_CNA_CBUF_CON0_WEIGHT_BANK, cbuf);
	u64 entries = DIV_ROUND_UP_ULL((u64)g->w * g->channels * g->in_size,
				       NPU_CBUF_ENTRY_SIZE);

	if (cbuf & (NPU_CNA_CBUF_CON0_DATA_REUSE |
		    NPU_CNA_CBUF_CON0_WEIGHT_REUSE))
		return NPU_GEMM_BAD(c, NPU_CNA_CBUF_CON0,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (!data_banks || !weight_banks ||
	    data_banks + weight_banks > NPU_CBUF_BANKS)
		return NPU_GEMM_BAD(c, NPU_CNA_CBUF_CON0, DRM_NPU_REASON_CBUF);
	if (entries > FIELD_MAX(NPU_CNA_CBUF_CON1_DATA_ENTRIES))
		return NPU_GEMM_BAD(c, NPU_CNA_CBUF_CON1, DRM_NPU_REASON_LIMIT);
	if (NPU_GEMM_FIELD(c, NPU_CNA_CBUF_CON1,
			   NPU_CNA_CBUF_CON1_DATA_ENTRIES) != entries)
		return NPU_GEMM_BAD(c, NPU_CNA_CBUF_CON1,
				    DRM_NPU_REASON_INCONSISTENT);
	if ((u64)g->h * entries * NPU_CBUF_ENTRY_SIZE >
	    (u64)data_banks * NPU_CBUF_BANK_SIZE)
		return NPU_GEMM_BAD(c, NPU_CNA_CBUF_CON0, DRM_NPU_REASON_CBUF);
	if ((u64)g->channels * g->in_size >
	    (u64)weight_banks * NPU_CBUF_BANK_SIZE)
		return NPU_GEMM_BAD(c, NPU_CNA_CBUF_CON0, DRM_NPU_REASON_CBUF);
	return DRM_NPU_REASON_NONE;
}

/* Output sizes as CORE, DPU and its write DMA see them. */
static u32 npu_gemm_check_out_sizes(struct npu_gemm_check *c,
				    const struct npu_gemm *g)
{
	u32 out0 = NPU_GEMM_REG(c, NPU_CORE_DATAOUT_SIZE_0);
	u32 cube = NPU_GEMM_REG(c, NPU_DPU_DATA_CUBE_CHANNEL);
	u32 wdma1 = NPU_GEMM_REG(c, NPU_DPU_WDMA_SIZE_1);

	if (FIELD_GET(NPU_CORE_DATAOUT_SIZE_0_DATAOUT_WIDTH, out0) + 1 != g->w ||
	    FIELD_GET(NPU_CORE_DATAOUT_SIZE_0_DATAOUT_HEIGHT, out0) + 1 != g->h)
		return NPU_GEMM_BAD(c, NPU_CORE_DATAOUT_SIZE_0,
				    DRM_NPU_REASON_INCONSISTENT);
	if (NPU_GEMM_FIELD(c, NPU_CORE_DATAOUT_SIZE_1,
			   NPU_CORE_DATAOUT_SIZE_1_DATAOUT_CHANNEL) + 1 !=
	    g->kernels)
		return NPU_GEMM_BAD(c, NPU_CORE_DATAOUT_SIZE_1,
				    DRM_NPU_REASON_INCONSISTENT);
	if (NPU_GEMM_FIELD(c, NPU_DPU_DATA_CUBE_WIDTH,
			   NPU_DPU_DATA_CUBE_WIDTH_WIDTH) + 1 != g->w)
		return NPU_GEMM_BAD(c, NPU_DPU_DATA_CUBE_WIDTH,
				    DRM_NPU_REASON_INCONSISTENT);
	if (NPU_GEMM_FIELD(c, NPU_DPU_DATA_CUBE_HEIGHT,
			   NPU_DPU_DATA_CUBE_HEIGHT_HEIGHT) + 1 != g->h)
		return NPU_GEMM_BAD(c, NPU_DPU_DATA_CUBE_HEIGHT,
				    DRM_NPU_REASON_INCONSISTENT);
	if (FIELD_GET(NPU_DPU_DATA_CUBE_CHANNEL_CHANNEL, cube) + 1 != g->kernels)
		return NPU_GEMM_BAD(c, NPU_DPU_DATA_CUBE_CHANNEL,
				    DRM_NPU_REASON_INCONSISTENT);
	/* Fewer original channels (a partial write) is not modelled. */
	if (FIELD_GET(NPU_DPU_DATA_CUBE_CHANNEL_ORIG_CHANNEL, cube) + 1 !=
	    g->kernels)
		return NPU_GEMM_BAD(c, NPU_DPU_DATA_CUBE_CHANNEL,
				    DRM_NPU_REASON_UNSUPPORTED);
	if (NPU_GEMM_FIELD(c, NPU_DPU_WDMA_SIZE_0,
			   NPU_DPU_WDMA_SIZE_0_CHANNEL_WDMA) + 1 != g->kernels)
		return NPU_GEMM_BAD(c, NPU_DPU_WDMA_SIZE_0,
				    DRM_NPU_REASON_INCONSISTENT);
	if (FIELD_GET(NPU_DPU_WDMA_SIZE_1_WIDTH_WDMA, wdma1) + 1 != g->w ||
	    FIELD_GET(NPU_DPU_WDMA_SIZE_1_HEIGHT_WDMA, wdma1) + 1 != g->h)
		return NPU_GEMM_BAD(c, NPU_DPU_WDMA_SIZE_1,
				    DRM_NPU_REASON_INCONSISTENT);
	return DRM_NPU_REASON_NONE;
}

/*
 * The output layout: channel groups DST_SURF_STRIDE atoms apart, and
 * SURFACE_ADD the same distance in the DPU's units (x 8 for int32, x 4
 * for fp32, x 2 for fp16, as the validated recipe writes it).
 */
static u32 npu_gemm_check_out_layout(struct npu_gemm_check *c,
				     struct npu_gemm *g)
{
	u64 add;

	g->surf_stride = NPU_GEMM_FIELD(c, NPU_DPU_DST_SURF_STRIDE,
					NPU_DPU_DST_SURF_STRIDE_DST_SURF_STRIDE);
	if (g->surf_stride < g->pixels)
		return NPU_GEMM_BAD(c, NPU_DPU_DST_SURF_STRIDE,
				    DRM_NPU_REASON_INCONSISTENT);
	add = g->surf_stride * (g->out_prec == NPU_PRECISION_INT32 ? 8 :
				g->out_prec == NPU_PRECISION_FP32 ? 4 : 2);
	if (add > FIELD_MAX(NPU_DPU_SURFACE_ADD_SURF_ADD))
		return NPU_GEMM_BAD(c, NPU_DPU_SURFACE_ADD, DRM_NPU_REASON_LIMIT);
	if (NPU_GEMM_FIELD(c, NPU_DPU_SURFACE_ADD,
			   NPU_DPU_SURFACE_ADD_SURF_ADD) != add)
		return NPU_GEMM_BAD(c, NPU_DPU_SURFACE_ADD,
				    DRM_NPU_REASON_INCONSISTENT);

	g->in_va = NPU_GEMM_REG(c, NPU_CNA_FEATURE_DATA_ADDR);
	g->w_va = NPU_GEMM_REG(c, NPU_CNA_DCOMP_ADDR0);
	g->out_va = NPU_GEMM_REG(c, NPU_DPU_DST_BASE_ADDR);
	return DRM_NPU_REASON_NONE;
}

/**
 * npu_sim_gemm_check() - decode and check the matmul a register file holds
 * @regs: the register file after operation enable
 * @reg_word: per register, 1 + the index of the task's word that wrote
 *            it, 0 for none; NULL when not tracked
 * @g: out: the decoded matmul
 * @reg: out: on rejection, the register it is about
 * @name: out: on rejection, that register's name
 *
 * Every register the model depends on is either modelled (read, and
 * checked against the others) or required to hold the one value the model
 * implements; Documentation/npu/rk3588-regcmd.rst lists them.
 *
 * Return: DRM_NPU_REASON_NONE, or the &enum drm_npu_job_reason to reject
 * the task with.
 */
u32 npu_sim_gemm_check(const u32 *regs, const u32 *reg_word,
		       struct npu_gemm *g, u32 *reg, const char **name)
{
	struct npu_gemm_check c = { .regs = regs, .reg_word = reg_word };
	u32 reason;

	reason = npu_gemm_check_task(&c);
	if (!reason)
		reason = npu_gemm_check_conv(&c);
	if (!reason)
		reason = npu_gemm_check_post(&c);
	if (!reason)
		reason = npu_gemm_check_precision(&c, g);
	if (!reason)
		reason = npu_gemm_check_input(&c, g);
	if (!reason)
		reason = npu_gemm_check_fetch(&c, g);
	if (!reason)
		reason = npu_gemm_check_cbuf(&c, g);
	if (!reason)
		reason = npu_gemm_check_out_sizes(&c, g);
	if (!reason)
		reason = npu_gemm_check_out_layout(&c, g);
	*reg = c.reg;
	*name = c.name;
	return reason;
}

/* Element (p, c) of the input: NC1HWC2, c2 channels per 16 bytes. */
static size_t npu_gemm_in_index(const struct npu_gemm *g, u32 p, u32 c)
{
	return ((size_t)(c / g->c2) * g->pixels + p) * g->c2 + c % g->c2;
}

/* Element (n, c) of a weight tile group of tile_n kernels x all channels. */
static size_t npu_gemm_w_index(const struct npu_gemm *g, u32 n, u32 c)
{
	return (size_t)(c / NPU_WEIGHT_TILE_C) * NPU_WEIGHT_TILE_C * g->tile_n +
	       (n % g->tile_n) * NPU_WEIGHT_TILE_C + c % NPU_WEIGHT_TILE_C;
}

/*
 * The hardware layouts interleave channels; the model first gathers each
 * pixel's and each kernel's channels into plain rows, so that a dot
 * product walks memory in order.  Element size 1 or 2.
 */
static void npu_gemm_rows(const struct npu_gemm *g, const u8 *src, u8 *dst,
			  u32 rows, bool weights)
{
	/* Channels stay contiguous in runs of 32 (weights) or c2 (input). */
	u32 run = weights ? NPU_WEIGHT_TILE_C : g->c2;
	size_t bytes = (size_t)run * g->in_size;
	u32 r, c;

	for (r = 0; r < rows; r++)
		for (c = 0; c < g->channels; c += run) {
			size_t i = weights ? npu_gemm_w_index(g, r, c) :
					     npu_gemm_in_index(g, r, c);

			memcpy(dst + ((size_t)r * g->channels + c) * g->in_size,
			       src + i * g->in_size, bytes);
		}
}

static void npu_gemm_dot_int8(const struct npu_gemm *g, const s8 *x,
			      const s8 *w, void *out)
{
	s32 acc = 0;
	u32 c;

	for (c = 0; c < g->channels; c++)
		acc += (s32)x[c] * w[c];
	put_unaligned_le32(acc, out);
}

static void npu_gemm_dot_fp16(const struct npu_gemm *g, const __le16 *x,
			      const __le16 *w, void *out)
{
	u32 acc = 0;	/* +0.0f */
	u32 c;

	for (c = 0; c < g->channels; c++)
		acc = npu_f32_add(acc, npu_f16_mul_f32(le16_to_cpu(x[c]),
						       le16_to_cpu(w[c])));
	if (g->out_prec == NPU_PRECISION_FP16)
		put_unaligned_le16(npu_f32_to_f16(acc), out);
	else
		put_unaligned_le32(acc, out);
}

/**
 * struct npu_gemm_bufs - the model's scratch memory for one task
 * @in: input rows, pixels x channels
 * @tile: one weight tile group as the device stores it
 * @w: that group as rows, tile_n x channels
 * @out: one output channel group, pixels atoms
 */
struct npu_gemm_bufs {
	u8 *in, *tile, *w, *out;
};

/*
 * One tile group of kernels: read its weights, compute every output of
 * those kernels, write the output channel groups they cover.
 */
static int npu_gemm_group(struct npu_core *core, struct npu_sim_mem *mem,
			  const struct npu_gemm *g, struct npu_gemm_bufs *b,
			  u32 n0, u64 *bad_va)
{
	size_t w_bytes = (size_t)g->tile_n * g->channels * g->in_size;
	size_t row = (size_t)g->channels * g->in_size;
	u32 n_end = min(n0 + g->tile_n, g->kernels);
	u32 n, p, grp;
	int ret;

	ret = npu_sim_mem_read(mem, g->w_va + (u64)(n0 / g->tile_n) * w_bytes,
			       b->tile, w_bytes, bad_va);
	if (ret)
		return ret;
	npu_gemm_rows(g, b->tile, b->w, g->tile_n, true);

	/* Output atoms of whole channel groups; lanes past N stay zero. */
	for (grp = n0 / g->out_c2; grp * g->out_c2 < n_end; grp++) {
		memset(b->out, 0, (size_t)g->pixels * NPU_ATOM);
		for (p = 0; p < g->pixels; p++) {
			for (n = grp * g->out_c2;
			     n < min((grp + 1) * g->out_c2, n_end); n++) {
				void *dst = b->out + (size_t)p * NPU_ATOM +
					    (n % g->out_c2) * g->out_size;
				const void *x = b->in + p * row;
				const void *w = b->w + (n % g->tile_n) * row;

				if (g->in_size == 1)
					npu_gemm_dot_int8(g, x, w, dst);
				else
					npu_gemm_dot_fp16(g, x, w, dst);
			}
		}
		ret = npu_sim_mem_write(mem, g->out_va +
					grp * g->surf_stride * NPU_ATOM,
					b->out, (size_t)g->pixels * NPU_ATOM, bad_va);
		if (ret)
			return ret;
		npu_core_progress(core);
		cond_resched();
	}
	return 0;
}

/*
 * A rejected task reports the address of the word that wrote the register
 * at fault, or of its operation enable when its stream never wrote it,
 * and says which register in the debug log.
 */
static void npu_gemm_reject(struct npu_core *core,
			    const struct npu_sim_mem *mem, const u32 *regs,
			    u32 reg, const char *name, u32 reason, u64 *bad_va)
{
	u32 word = 0;

	if (mem->reg_word) {
		word = mem->reg_word[reg / 4];
		if (!word)
			word = mem->reg_word[NPU_PC_OPERATION_ENABLE / 4];
	}
	if (word)
		*bad_va = mem->regcmd_va + (u64)(word - 1) * 8;
	drm_dbg_driver(&core->ndev->drm,
		       "core %u: task rejected, reason %u: %s (0x%04x) = 0x%08x%s\n",
		       core->index, reason, name, reg, npu_reg(regs, reg),
		       mem->reg_word && !mem->reg_word[reg / 4] ?
		       ", not written by the task" : "");
}

/**
 * npu_sim_scratch_free() - give back a core's scratch
 * @s: the scratch; empty afterwards
 */
void npu_sim_scratch_free(struct npu_sim_scratch *s)
{
	kvfree(s->buf);
	s->buf = NULL;
	s->size = 0;
}

/*
 * At least @size bytes of scratch: what the last tasks used when that is
 * enough.  The CBUF check bounds the input rows, so the growth is bounded
 * by the largest weight row group a task may give.
 */
static void *npu_sim_scratch_get(struct npu_sim_scratch *s, size_t size)
{
	void *buf;

	if (s->size >= size)
		return s->buf;
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf)
		return NULL;
	kvfree(s->buf);
	s->buf = buf;
	s->size = size;
	return buf;
}

/**
 * npu_sim_gemm_run() - execute the operation a task's registers describe
 * @core: the core, for progress reports
 * @regs: the core's register file after operation enable
 * @mem: the task's view of device memory
 * @scratch: the core's scratch, grown here when the task needs more
 * @bad_va: out: faulting address for %NPU_TASK_MMU_FAULT
 * @reason: out: &enum drm_npu_job_reason for %NPU_TASK_INVALID
 *
 * Return: how the task ended.
 */
enum npu_task_result npu_sim_gemm_run(struct npu_core *core,
				      const u32 *regs,
				      struct npu_sim_mem *mem,
				      struct npu_sim_scratch *scratch,
				      u64 *bad_va, u32 *reason)
{
	struct npu_gemm g = { };
	struct npu_gemm_bufs b;
	size_t in_bytes, w_bytes, out_bytes;
	const char *name;
	u32 reg;
	u8 *raw;
	u32 n0;
	int ret = 0;

	*reason = npu_sim_gemm_check(regs, mem->reg_word, &g, &reg, &name);
	if (*reason != DRM_NPU_REASON_NONE) {
		npu_gemm_reject(core, mem, regs, reg, name, *reason, bad_va);
		return NPU_TASK_INVALID;
	}

	/* Each part rounded up, so that every buffer starts aligned. */
	in_bytes = ALIGN((size_t)g.pixels * g.channels * g.in_size, 64);
	w_bytes = ALIGN((size_t)g.tile_n * g.channels * g.in_size, 64);
	out_bytes = (size_t)g.pixels * NPU_ATOM;
	raw = npu_sim_scratch_get(scratch, 2 * in_bytes + 2 * w_bytes +
					   out_bytes);
	if (!raw)
		return NPU_TASK_ERROR;
	b.in = raw + in_bytes;
	b.tile = b.in + in_bytes;
	b.w = b.tile + w_bytes;
	b.out = b.w + w_bytes;

	ret = npu_sim_mem_read(mem, g.in_va, raw,
			       (size_t)g.pixels * g.channels * g.in_size,
			       bad_va);
	if (!ret)
		npu_gemm_rows(&g, raw, b.in, g.pixels, false);
	for (n0 = 0; !ret && n0 < g.kernels; n0 += g.tile_n)
		ret = npu_gemm_group(core, mem, &g, &b, n0, bad_va);
	if (ret == -EFAULT)
		return NPU_TASK_MMU_FAULT;
	return ret ? NPU_TASK_ERROR : NPU_TASK_OK;
}
