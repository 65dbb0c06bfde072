// SPDX-License-Identifier: MIT
/*
 * RK3588 regcmd emission for a matmul task (1x1 direct convolution), and
 * a decoder that turns words back into readable text for dumps and tests.
 *
 * The register sequence and values follow the public programming of a
 * matmul on this NPU.  Offsets and fields come from the register database
 * the virtual NPU reads too (kernel/npu_rk3588_regs.h);
 * Documentation/npu/rk3588-regcmd.rst gives each register's meaning and
 * source.  A word is target(63..48) | value(47..16) | reg(15..0), the
 * target being the register's block select + 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

/* Blocks: register window -> target of a write. */
static const struct {
	uint16_t base, target;
	const char *name;
} npu_blocks[] = {
	{ NPU_REG_PC_BASE, NPU_TGT_PC, "PC" },
	{ NPU_REG_CNA_BASE, NPU_TGT_CNA, "CNA" },
	{ NPU_REG_CORE_BASE, NPU_TGT_CORE, "CORE" },
	{ NPU_REG_DPU_BASE, NPU_TGT_DPU, "DPU" },
	{ NPU_REG_DPU_RDMA_BASE, NPU_TGT_DPU_RDMA, "DPU_RDMA" },
	{ NPU_REG_PPU_BASE, NPU_TGT_PPU, "PPU" },
	{ NPU_REG_PPU_RDMA_BASE, NPU_TGT_PPU_RDMA, "PPU_RDMA" },
};

/* A register and its name without the "NPU_" of its macro. */
#define R(reg)		{ reg, &#reg[4] }
#define RN(reg, n, name) { (reg) + 4 * (n), name }

/* Names of the registers the decoder knows. */
static const struct {
	uint16_t reg;
	const char *name;
} npu_reg_names[] = {
	R(NPU_PC_OPERATION_ENABLE),
	R(NPU_PC_BASE_ADDRESS),
	R(NPU_PC_REGISTER_AMOUNTS),
	R(NPU_PC_INTERRUPT_MASK),
	R(NPU_PC_INTERRUPT_CLEAR),
	R(NPU_PC_INTERRUPT_STATUS),
	R(NPU_PC_INTERRUPT_RAW_STATUS),
	R(NPU_PC_TASK_CON),
	R(NPU_PC_TASK_DMA_BASE_ADDR),
	R(NPU_CNA_CONV_CON1),
	R(NPU_CNA_CONV_CON2),
	R(NPU_CNA_CONV_CON3),
	R(NPU_CNA_DATA_SIZE0),
	R(NPU_CNA_DATA_SIZE1),
	R(NPU_CNA_DATA_SIZE2),
	R(NPU_CNA_DATA_SIZE3),
	R(NPU_CNA_WEIGHT_SIZE0),
	R(NPU_CNA_WEIGHT_SIZE1),
	R(NPU_CNA_WEIGHT_SIZE2),
	R(NPU_CNA_CBUF_CON0),
	R(NPU_CNA_CBUF_CON1),
	R(NPU_CNA_CVT_CON0),
	RN(NPU_CNA_CVT_CON1, 0, "CNA_CVT_CON1"),
	RN(NPU_CNA_CVT_CON1, 1, "CNA_CVT_CON2"),
	RN(NPU_CNA_CVT_CON1, 2, "CNA_CVT_CON3"),
	RN(NPU_CNA_CVT_CON1, 3, "CNA_CVT_CON4"),
	R(NPU_CNA_FC_CON0),
	R(NPU_CNA_FC_CON1),
	R(NPU_CNA_PAD_CON0),
	R(NPU_CNA_FEATURE_DATA_ADDR),
	R(NPU_CNA_FC_CON2),
	R(NPU_CNA_DMA_CON0),
	R(NPU_CNA_DMA_CON1),
	R(NPU_CNA_DMA_CON2),
	R(NPU_CNA_FC_DATA_SIZE0),
	R(NPU_CNA_FC_DATA_SIZE1),
	R(NPU_CNA_DCOMP_CTRL),
	R(NPU_CNA_DCOMP_REGNUM),
	R(NPU_CNA_DCOMP_ADDR0),
	RN(NPU_CNA_DCOMP_AMOUNT0, 0, "CNA_DCOMP_AMOUNT0"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 1, "CNA_DCOMP_AMOUNT1"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 2, "CNA_DCOMP_AMOUNT2"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 3, "CNA_DCOMP_AMOUNT3"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 4, "CNA_DCOMP_AMOUNT4"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 5, "CNA_DCOMP_AMOUNT5"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 6, "CNA_DCOMP_AMOUNT6"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 7, "CNA_DCOMP_AMOUNT7"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 8, "CNA_DCOMP_AMOUNT8"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 9, "CNA_DCOMP_AMOUNT9"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 10, "CNA_DCOMP_AMOUNT10"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 11, "CNA_DCOMP_AMOUNT11"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 12, "CNA_DCOMP_AMOUNT12"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 13, "CNA_DCOMP_AMOUNT13"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 14, "CNA_DCOMP_AMOUNT14"),
	RN(NPU_CNA_DCOMP_AMOUNT0, 15, "CNA_DCOMP_AMOUNT15"),
	R(NPU_CNA_CVT_CON5),
	R(NPU_CNA_PAD_CON1),
	R(NPU_CORE_MISC_CFG),
	R(NPU_CORE_DATAOUT_SIZE_0),
	R(NPU_CORE_DATAOUT_SIZE_1),
	R(NPU_CORE_CLIP_TRUNCATE),
	R(NPU_CORE_3030),
	R(NPU_DPU_S_POINTER),
	R(NPU_DPU_FEATURE_MODE_CFG),
	R(NPU_DPU_DATA_FORMAT),
	R(NPU_DPU_OFFSET_PEND),
	R(NPU_DPU_DST_BASE_ADDR),
	R(NPU_DPU_DST_SURF_STRIDE),
	R(NPU_DPU_DATA_CUBE_WIDTH),
	R(NPU_DPU_DATA_CUBE_HEIGHT),
	R(NPU_DPU_DATA_CUBE_NOTCH_ADDR),
	R(NPU_DPU_DATA_CUBE_CHANNEL),
	R(NPU_DPU_BS_CFG),
	R(NPU_DPU_BS_ALU_CFG),
	R(NPU_DPU_BS_MUL_CFG),
	R(NPU_DPU_BS_RELUX_CMP_VALUE),
	R(NPU_DPU_BS_OW_CFG),
	R(NPU_DPU_BS_OW_OP),
	R(NPU_DPU_WDMA_SIZE_0),
	R(NPU_DPU_WDMA_SIZE_1),
	R(NPU_DPU_BN_CFG),
	R(NPU_DPU_BN_ALU_CFG),
	R(NPU_DPU_BN_MUL_CFG),
	R(NPU_DPU_BN_RELUX_CMP_VALUE),
	R(NPU_DPU_EW_CFG),
	R(NPU_DPU_EW_CVT_OFFSET_VALUE),
	R(NPU_DPU_EW_CVT_SCALE_VALUE),
	R(NPU_DPU_EW_RELUX_CMP_VALUE),
	R(NPU_DPU_OUT_CVT_OFFSET),
	R(NPU_DPU_OUT_CVT_SCALE),
	R(NPU_DPU_OUT_CVT_SHIFT),
	RN(NPU_DPU_EW_OP_VALUE_0, 0, "DPU_EW_OP_VALUE_0"),
	RN(NPU_DPU_EW_OP_VALUE_0, 1, "DPU_EW_OP_VALUE_1"),
	RN(NPU_DPU_EW_OP_VALUE_0, 2, "DPU_EW_OP_VALUE_2"),
	RN(NPU_DPU_EW_OP_VALUE_0, 3, "DPU_EW_OP_VALUE_3"),
	RN(NPU_DPU_EW_OP_VALUE_0, 4, "DPU_EW_OP_VALUE_4"),
	RN(NPU_DPU_EW_OP_VALUE_0, 5, "DPU_EW_OP_VALUE_5"),
	RN(NPU_DPU_EW_OP_VALUE_0, 6, "DPU_EW_OP_VALUE_6"),
	RN(NPU_DPU_EW_OP_VALUE_0, 7, "DPU_EW_OP_VALUE_7"),
	R(NPU_DPU_SURFACE_ADD),
	R(NPU_DPU_40C4),
	R(NPU_DPU_LUT_ACCESS_CFG),
	R(NPU_DPU_LUT_ACCESS_DATA),
	R(NPU_DPU_LUT_CFG),
	R(NPU_DPU_LUT_INFO),
	R(NPU_DPU_LUT_LE_START),
	R(NPU_DPU_LUT_LE_END),
	R(NPU_DPU_LUT_LO_START),
	R(NPU_DPU_LUT_LO_END),
	R(NPU_DPU_LUT_LE_SLOPE_SCALE),
	R(NPU_DPU_LUT_LE_SLOPE_SHIFT),
	R(NPU_DPU_LUT_LO_SLOPE_SCALE),
	R(NPU_DPU_LUT_LO_SLOPE_SHIFT),
};

#undef R
#undef RN

/* FIELD_PREP() of a field of the register database. */
#define F(field, v)	npu_field_prep(NPU_##field, (uint32_t)(v))

static uint16_t npu_target(uint16_t reg)
{
	size_t i;

	for (i = sizeof(npu_blocks) / sizeof(npu_blocks[0]); i--;)
		if (reg >= npu_blocks[i].base)
			return npu_blocks[i].target;
	return 0;
}

static uint64_t npu_word(uint16_t target, uint32_t value, uint16_t reg)
{
	return (uint64_t)target << NPU_REGCMD_TARGET_SHIFT |
	       (uint64_t)value << NPU_REGCMD_VALUE_SHIFT | reg;
}

/**
 * libnpu_emit_init() - start a task's stream
 * @e: the emitter
 * @words: where the words go
 */
void libnpu_emit_init(struct npu_emit *e, uint64_t *words)
{
	memset(e, 0, sizeof(*e));
	e->words = words;
}

/**
 * libnpu_emit_use() - record that the task uses a BO
 * @e: the emitter
 * @bo: the BO; one without a handle is not recorded
 * @flags: DRM_NPU_BO_REF_WRITE when the task writes it, else 0
 *
 * A BO used several times is recorded once, written if any use writes.
 */
void libnpu_emit_use(struct npu_emit *e, const struct npu_emit_bo *bo,
		  uint32_t flags)
{
	uint32_t i;

	if (!bo->handle)
		return;
	for (i = 0; i < e->bo_count; i++)
		if (e->bos[i].handle == bo->handle) {
			e->bos[i].flags |= flags;
			return;
		}
	if (e->bo_count == NPU_EMIT_MAX_BOS) {
		e->overflow = true;
		return;
	}
	e->bos[e->bo_count++] = (struct drm_npu_bo_ref){
		.handle = bo->handle, .flags = flags,
	};
}

/**
 * libnpu_emit_addr() - the device address of a place in a BO, for a register
 * @e: the emitter
 * @bo: the BO
 * @offset: bytes into it
 * @flags: DRM_NPU_BO_REF_WRITE when the task writes there, else 0
 *
 * Every address a task's registers hold goes through here, so the task's
 * BO list is complete by construction.
 *
 * Return: the low 32 bits of the address, what the address registers
 * hold (device address spaces are 4 GiB).
 */
uint32_t libnpu_emit_addr(struct npu_emit *e, const struct npu_emit_bo *bo,
		       uint64_t offset, uint32_t flags)
{
	libnpu_emit_use(e, bo, flags);
	return (uint32_t)(bo->va + offset);
}

static void emit(struct npu_emit *e, uint16_t reg, uint32_t value)
{
	e->words[e->count++] = npu_word(npu_target(reg), value, reg);
}

/* Zero @count registers from @first on. */
static void emit_zeros(struct npu_emit *e, uint16_t first, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		emit(e, first + 4 * i, 0);
}

/* Output precision code of a tiling's output type. */
static uint32_t npu_out_precision(const struct npu_gemm_tiling *t)
{
	switch (t->desc.out_type) {
	case NPU_DTYPE_INT32:
		return NPU_PRECISION_INT32;
	case NPU_DTYPE_FP32:
		return NPU_PRECISION_FP32;
	default:
		return NPU_PRECISION_FP16;
	}
}

static void emit_cna(struct npu_emit *e, const struct npu_gemm_tiling *t,
		     const struct npu_gemm_task *task, uint32_t prec,
		     const struct npu_gemm_bufs *bufs)
{
	const struct npu_gemm_geom *g = &t->g;
	uint32_t kernel_bytes = g->kp * g->in_size;
	/* Line stride 4 (width x 4) and its surface stride, as public
	 * matmul programming computes them. */
	int32_t surf = 4 * ((int32_t)(task->mt / 4) - 1);
	uint16_t reg;

	emit(e, NPU_CNA_CONV_CON1, F(CNA_CONV_CON1_PROC_PRECISION, prec) |
				   F(CNA_CONV_CON1_IN_PRECISION, prec));
	emit(e, NPU_CNA_CONV_CON2, F(CNA_CONV_CON2_FEATURE_GRAINS, task->mt + 1));
	emit(e, NPU_CNA_CONV_CON3, F(CNA_CONV_CON3_CONV_Y_STRIDE, 1) |
				   F(CNA_CONV_CON3_CONV_X_STRIDE, 1));
	emit(e, NPU_CNA_DATA_SIZE0, F(CNA_DATA_SIZE0_DATAIN_WIDTH, 1) |
				    F(CNA_DATA_SIZE0_DATAIN_HEIGHT, task->mt));
	emit(e, NPU_CNA_DATA_SIZE1,
	     F(CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL, g->kp - 1) |
	     F(CNA_DATA_SIZE1_DATAIN_CHANNEL, g->kp));
	emit(e, NPU_CNA_DATA_SIZE2, F(CNA_DATA_SIZE2_DATAOUT_WIDTH, 1));
	emit(e, NPU_CNA_DATA_SIZE3, F(CNA_DATA_SIZE3_DATAOUT_ATOMICS, task->mt));
	emit(e, NPU_CNA_WEIGHT_SIZE0, kernel_bytes * task->nt);
	emit(e, NPU_CNA_WEIGHT_SIZE1,
	     F(CNA_WEIGHT_SIZE1_WEIGHT_BYTES_PER_KERNEL, kernel_bytes));
	emit(e, NPU_CNA_WEIGHT_SIZE2, F(CNA_WEIGHT_SIZE2_WEIGHT_WIDTH, 1) |
				      F(CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT, 1) |
				      F(CNA_WEIGHT_SIZE2_WEIGHT_KERNELS, task->nt));
	emit(e, NPU_CNA_CBUF_CON0,
	     F(CNA_CBUF_CON0_WEIGHT_BANK, task->weight_banks) |
	     F(CNA_CBUF_CON0_DATA_BANK, task->data_banks));
	/* CBUF entries of one input row. */
	emit(e, NPU_CNA_CBUF_CON1,
	     F(CNA_CBUF_CON1_DATA_ENTRIES,
	       (kernel_bytes + NPU_CBUF_ENTRY_SIZE - 1) / NPU_CBUF_ENTRY_SIZE));
	/* Input converter bypassed, scales 1. */
	emit(e, NPU_CNA_CVT_CON0, NPU_CNA_CVT_CON0_DATA_SIGN |
				  NPU_CNA_CVT_CON0_CVT_TYPE |
				  NPU_CNA_CVT_CON0_CVT_BYPASS);
	for (reg = NPU_CNA_CVT_CON1; reg <= NPU_CNA_CVT_CON4; reg += 4)
		emit(e, reg, F(CNA_CVT_CON_CVT_SCALE, 1));
	emit(e, NPU_CNA_FC_CON0, 0);
	emit(e, NPU_CNA_FC_CON1, 0);
	emit(e, NPU_CNA_PAD_CON0, 0);
	emit(e, NPU_CNA_FEATURE_DATA_ADDR,
	     libnpu_emit_addr(e, &bufs->in, task->in_off, 0));
	emit(e, NPU_CNA_FC_CON2, 0);
	emit(e, NPU_CNA_DMA_CON0, F(CNA_DMA_CON0_WEIGHT_BURST_LEN, 15) |
				  F(CNA_DMA_CON0_DATA_BURST_LEN, 15));
	emit(e, NPU_CNA_DMA_CON1, F(CNA_DMA_CON1_LINE_STRIDE, 4));
	emit(e, NPU_CNA_DMA_CON2,
	     F(CNA_DMA_CON2_SURF_STRIDE, surf < 0 ? surf + 1 : surf));
	emit(e, NPU_CNA_FC_DATA_SIZE0, F(CNA_FC_DATA_SIZE0_DMA_WIDTH, 1) |
				       F(CNA_FC_DATA_SIZE0_DMA_HEIGHT, task->mt));
	emit(e, NPU_CNA_FC_DATA_SIZE1, F(CNA_FC_DATA_SIZE1_DMA_CHANNEL, g->kp));
	/* No weight decompression: DCOMP_ADDR0 is the weights. */
	emit(e, NPU_CNA_DCOMP_CTRL, 0);
	emit(e, NPU_CNA_DCOMP_REGNUM, 0);
	emit(e, NPU_CNA_DCOMP_ADDR0, libnpu_emit_addr(e, &bufs->w, task->w_off, 0));
	emit_zeros(e, NPU_CNA_DCOMP_AMOUNT0, NPU_CNA_DCOMP_AMOUNTS);
	emit(e, NPU_CNA_CVT_CON5, 0);
	emit(e, NPU_CNA_PAD_CON1, 0);
}

static void emit_core(struct npu_emit *e, const struct npu_gemm_task *task,
		      uint32_t prec)
{
	/* QD_EN for every precision, as the validated generators set it. */
	emit(e, NPU_CORE_MISC_CFG,
	     F(CORE_MISC_CFG_PROC_PRECISION, prec) | NPU_CORE_MISC_CFG_QD_EN);
	emit(e, NPU_CORE_DATAOUT_SIZE_0,
	     F(CORE_DATAOUT_SIZE_0_DATAOUT_HEIGHT, task->mt - 1) |
	     F(CORE_DATAOUT_SIZE_0_DATAOUT_WIDTH, 0));
	emit(e, NPU_CORE_DATAOUT_SIZE_1,
	     F(CORE_DATAOUT_SIZE_1_DATAOUT_CHANNEL, task->nt - 1));
	emit(e, NPU_CORE_CLIP_TRUNCATE, 0);
	emit(e, NPU_CORE_3030, 0);
}

static void emit_dpu(struct npu_emit *e, const struct npu_gemm_tiling *t,
		     const struct npu_gemm_task *task, uint32_t prec,
		     const struct npu_gemm_bufs *bufs)
{
	uint32_t out = npu_out_precision(t);
	/* Element size code of the BS output writer: int32 7, fp32 3, fp16 1. */
	uint32_t size_e = out == NPU_PRECISION_INT32 ? 7 :
			  out == NPU_PRECISION_FP32 ? 3 : 1;
	uint32_t bypass = NPU_DPU_BX_CFG_RELU_BYPASS | NPU_DPU_BX_CFG_MUL_BYPASS |
			  NPU_DPU_BX_CFG_ALU_BYPASS | NPU_DPU_BX_CFG_BYPASS;
	uint32_t out_bytes = out == NPU_PRECISION_INT32 ? 8 :
			     out == NPU_PRECISION_FP32 ? 4 : 2;

	emit(e, NPU_DPU_FEATURE_MODE_CFG,
	     F(DPU_FEATURE_MODE_CFG_BURST_LEN, 15) |
	     F(DPU_FEATURE_MODE_CFG_OUTPUT_MODE, 2));
	emit(e, NPU_DPU_DATA_FORMAT, F(DPU_DATA_FORMAT_OUT_PRECISION, out) |
				     F(DPU_DATA_FORMAT_IN_PRECISION, prec) |
				     F(DPU_DATA_FORMAT_PROC_PRECISION, prec));
	emit(e, NPU_DPU_OFFSET_PEND, 0);
	emit(e, NPU_DPU_DST_BASE_ADDR,
	     libnpu_emit_addr(e, &bufs->out[task->core], task->out_off,
			   DRM_NPU_BO_REF_WRITE));
	emit(e, NPU_DPU_DST_SURF_STRIDE,
	     F(DPU_DST_SURF_STRIDE_DST_SURF_STRIDE, task->out_stride));
	emit(e, NPU_DPU_DATA_CUBE_WIDTH, F(DPU_DATA_CUBE_WIDTH_WIDTH, 0));
	emit(e, NPU_DPU_DATA_CUBE_HEIGHT,
	     F(DPU_DATA_CUBE_HEIGHT_HEIGHT, task->mt - 1));
	emit(e, NPU_DPU_DATA_CUBE_NOTCH_ADDR, 0);
	emit(e, NPU_DPU_DATA_CUBE_CHANNEL,
	     F(DPU_DATA_CUBE_CHANNEL_ORIG_CHANNEL, task->nt - 1) |
	     F(DPU_DATA_CUBE_CHANNEL_CHANNEL, task->nt - 1));
	emit(e, NPU_DPU_BS_CFG, bypass);
	emit(e, NPU_DPU_BS_ALU_CFG, 0);
	emit(e, NPU_DPU_BS_MUL_CFG, 0);
	emit(e, NPU_DPU_BS_RELUX_CMP_VALUE, 0);
	emit(e, NPU_DPU_BS_OW_CFG, F(DPU_BS_OW_CFG_SIZE_E_2, size_e) |
				   F(DPU_BS_OW_CFG_SIZE_E_1, size_e) |
				   F(DPU_BS_OW_CFG_SIZE_E_0, size_e) |
				   NPU_DPU_BS_OW_CFG_OD_BYPASS);
	emit(e, NPU_DPU_BS_OW_OP, 0);
	emit(e, NPU_DPU_WDMA_SIZE_0, F(DPU_WDMA_SIZE_0_CHANNEL_WDMA, task->nt - 1));
	emit(e, NPU_DPU_WDMA_SIZE_1,
	     F(DPU_WDMA_SIZE_1_HEIGHT_WDMA, task->mt - 1) |
	     F(DPU_WDMA_SIZE_1_WIDTH_WDMA, 0));
	emit(e, NPU_DPU_BN_CFG, bypass);
	emit(e, NPU_DPU_BN_ALU_CFG, 0);
	emit(e, NPU_DPU_BN_MUL_CFG, 0);
	emit(e, NPU_DPU_BN_RELUX_CMP_VALUE, 0);
	emit(e, NPU_DPU_EW_CFG, NPU_DPU_EW_CFG_EW_RELU_BYPASS |
				NPU_DPU_EW_CFG_EW_OP_CVT_BYPASS |
				NPU_DPU_EW_CFG_EW_LUT_BYPASS |
				NPU_DPU_EW_CFG_EW_OP_BYPASS |
				NPU_DPU_EW_CFG_EW_BYPASS);
	emit(e, NPU_DPU_EW_CVT_OFFSET_VALUE, 0);
	emit(e, NPU_DPU_EW_CVT_SCALE_VALUE,
	     F(DPU_EW_CVT_SCALE_VALUE_EW_OP_CVT_SCALE, 1));
	emit(e, NPU_DPU_EW_RELUX_CMP_VALUE, 0);
	emit(e, NPU_DPU_OUT_CVT_OFFSET, 0);
	emit(e, NPU_DPU_OUT_CVT_SCALE,
	     F(DPU_OUT_CVT_SCALE_FP32TOFP16_EN, out == NPU_PRECISION_FP16) |
	     F(DPU_OUT_CVT_SCALE_OUT_CVT_SCALE, 1));
	emit(e, NPU_DPU_OUT_CVT_SHIFT, 0);
	emit_zeros(e, NPU_DPU_EW_OP_VALUE_0, NPU_DPU_EW_OP_VALUES);
	emit(e, NPU_DPU_SURFACE_ADD,
	     F(DPU_SURFACE_ADD_SURF_ADD, task->out_stride * out_bytes));
	emit(e, NPU_DPU_40C4, 0);
	emit_zeros(e, NPU_DPU_LUT_ACCESS_CFG,
		   (NPU_DPU_LUT_LO_SLOPE_SHIFT - NPU_DPU_LUT_ACCESS_CFG) / 4 + 1);
}

/**
 * libnpu_rk3588_emit_task() - the regcmd stream of one matmul task
 * @e: the emitter, started on NPU_TASK_WORDS words
 * @t: the tiling
 * @task: the task
 * @bufs: the plan's buffers; the task reads the input, the weights and
 *        its stream (in @bufs->regcmd) and writes its core's output
 *
 * Writes an even number of words, so the next stream stays 16-byte
 * aligned, and records the BOs the task uses.
 */
void libnpu_rk3588_emit_task(struct npu_emit *e, const struct npu_gemm_tiling *t,
			  const struct npu_gemm_task *task,
			  const struct npu_gemm_bufs *bufs)
{
	uint32_t prec = t->g.in_size == 1 ? NPU_PRECISION_INT8 :
					    NPU_PRECISION_FP16;

	/* The PC fetches the stream itself from the regcmd BO. */
	libnpu_emit_use(e, &bufs->regcmd, 0);
	emit(e, NPU_DPU_S_POINTER, NPU_DPU_S_POINTER_POINTER_PP_MODE |
				   NPU_DPU_S_POINTER_EXECUTER_PP_EN |
				   NPU_DPU_S_POINTER_POINTER_PP_EN);
	emit_cna(e, t, task, prec, bufs);
	emit_core(e, task, prec);
	emit_dpu(e, t, task, prec, bufs);
	/* Tail: no chained task, no amounts, version word, op_en. */
	e->words[e->count++] = 0;
	emit(e, NPU_PC_REGISTER_AMOUNTS, 0);
	e->words[e->count++] = npu_word(NPU_TGT_VERSION, 0, 0);
	/* Enable the PC with the CNA and DPU blocks. */
	e->words[e->count++] = npu_word(NPU_TGT_PC_OP,
					NPU_PC_OPERATION_ENABLE_DPU |
					NPU_PC_OPERATION_ENABLE_CNA |
					NPU_PC_OPERATION_ENABLE_OP_EN,
					NPU_PC_OPERATION_ENABLE);
}

/**
 * libnpu_rk3588_emit_matmul() - the regcmd stream of one matmul task
 * @t: the tiling
 * @task: the task
 * @in_va: device address of the input BO
 * @w_va: device address of the weights BO
 * @out_va: device address of the task's core's output BO
 * @words: out: NPU_TASK_WORDS words
 *
 * libnpu_rk3588_emit_task() for buffers known by address only.
 *
 * Return: the number of words written.
 */
size_t libnpu_rk3588_emit_matmul(const struct npu_gemm_tiling *t,
			      const struct npu_gemm_task *task,
			      uint64_t in_va, uint64_t w_va, uint64_t out_va,
			      uint64_t *words)
{
	struct npu_gemm_bufs bufs = {
		.in = { .va = in_va }, .w = { .va = w_va },
	};
	struct npu_emit e;

	bufs.out[task->core].va = out_va;
	libnpu_emit_init(&e, words);
	libnpu_rk3588_emit_task(&e, t, task, &bufs);
	return e.count;
}

static const char *npu_reg_name(uint16_t reg)
{
	size_t i;

	for (i = 0; i < sizeof(npu_reg_names) / sizeof(npu_reg_names[0]); i++)
		if (npu_reg_names[i].reg == reg)
			return npu_reg_names[i].name;
	return NULL;
}

/**
 * libnpu_regcmd_decode() - one regcmd word as text
 * @word: the word
 * @buf: output
 * @len: size of @buf
 *
 * A write is "BLOCK    0xREG = 0xVALUE  NAME", the name being left out for
 * a register the decoder does not know; a zero word is "nop"; the tail's
 * words are "version" and "op_en ...".
 *
 * Return: characters written (as snprintf), or -EINVAL.
 */
int libnpu_regcmd_decode(uint64_t word, char *buf, size_t len)
{
	uint16_t target = word >> NPU_REGCMD_TARGET_SHIFT;
	uint16_t reg = word & NPU_REGCMD_REG_MASK;
	uint32_t value = (uint32_t)(word >> NPU_REGCMD_VALUE_SHIFT);
	const char *name = npu_reg_name(reg);
	size_t i;

	if (!buf || !len)
		return -EINVAL;
	if (!word)
		return snprintf(buf, len, "nop");
	if (target == NPU_TGT_VERSION)
		return snprintf(buf, len, "version");
	if (target == NPU_TGT_PC_OP)
		return snprintf(buf, len, "op_en reg 0x%04x = 0x%08" PRIx32 "%s%s",
				reg, value, reg == NPU_PC_OPERATION_ENABLE ? "  " : "",
				reg == NPU_PC_OPERATION_ENABLE ? name : "");
	for (i = 0; i < sizeof(npu_blocks) / sizeof(npu_blocks[0]); i++)
		if (npu_blocks[i].target == target) {
			/* The name only where the register is in that block. */
			if (npu_target(reg) != target)
				name = NULL;
			return snprintf(buf, len, "%-8s 0x%04x = 0x%08" PRIx32
					"%s%s", npu_blocks[i].name, reg, value,
					name ? "  " : "", name ? name : "");
		}
	return snprintf(buf, len, "unknown target 0x%04x reg 0x%04x = 0x%08"
			PRIx32, target, reg, value);
}

/**
 * libnpu_bo_list_add() - add a BO to a job's list
 * @l: the list
 * @handle: the BO
 * @flags: DRM_NPU_BO_REF_WRITE or 0; a BO already listed keeps one entry,
 *         written if either use writes
 *
 * Return: 0, -E2BIG beyond what the kernel takes, or -ENOMEM.
 */
int libnpu_bo_list_add(struct npu_bo_list *l, uint32_t handle, uint32_t flags)
{
	uint32_t i;

	for (i = 0; i < l->count; i++)
		if (l->refs[i].handle == handle) {
			l->refs[i].flags |= flags;
			return 0;
		}
	if (l->count == NPU_KERNEL_JOB_MAX_BOS)
		return -E2BIG;
	if (l->count == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 4;
		struct drm_npu_bo_ref *refs = realloc(l->refs,
						      cap * sizeof(*refs));

		if (!refs)
			return -ENOMEM;
		l->refs = refs;
		l->cap = cap;
	}
	l->refs[l->count++] = (struct drm_npu_bo_ref){
		.handle = handle, .flags = flags,
	};
	return 0;
}

/**
 * libnpu_bo_list_merge() - add the BOs a task uses to its job's list
 * @l: the job's list
 * @e: the task's emitter
 *
 * Return: 0, -E2BIG when the task or the job uses too many BOs, or
 * -ENOMEM.
 */
int libnpu_bo_list_merge(struct npu_bo_list *l, const struct npu_emit *e)
{
	uint32_t i;
	int ret;

	if (e->overflow)
		return -E2BIG;
	for (i = 0; i < e->bo_count; i++) {
		ret = libnpu_bo_list_add(l, e->bos[i].handle, e->bos[i].flags);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * libnpu_bo_list_fini() - free a list
 * @l: the list, empty afterwards
 */
void libnpu_bo_list_fini(struct npu_bo_list *l)
{
	free(l->refs);
	memset(l, 0, sizeof(*l));
}

/**
 * libnpu_regcmd_dump() - write a task's stream to stderr, decoded
 * @title: first line, without "libnpu: "
 * @e: the task's emitter: its words and the BOs it uses
 *
 * Does nothing unless NPU_DEBUG has "dump_regcmd".  The lines of one
 * stream are not interleaved with other output of the process's threads.
 */
void libnpu_regcmd_dump(const char *title, const struct npu_emit *e)
{
	char line[160];
	size_t i;

	if (!libnpu_debug_dump_regcmd())
		return;
	flockfile(stderr);
	fprintf(stderr, "libnpu: regcmd %s: %zu words\n", title, e->count);
	fprintf(stderr, "libnpu:   bos:");
	for (i = 0; i < e->bo_count; i++)
		fprintf(stderr, " %u%s", e->bos[i].handle,
			e->bos[i].flags & DRM_NPU_BO_REF_WRITE ? "(w)" : "(r)");
	fprintf(stderr, "%s\n", e->bo_count ? "" : " none");
	for (i = 0; i < e->count; i++) {
		libnpu_regcmd_decode(e->words[i], line, sizeof(line));
		fprintf(stderr, "libnpu:   %4zu %016" PRIx64 "  %s\n", i,
			e->words[i], line);
	}
	funlockfile(stderr);
}

/**
 * libnpu_gemm_emit() - the command streams of every task of a tiling
 * @t: the tiling
 * @bufs: the buffers the tasks use, with their handles and addresses
 * @words: out: NPU_TASK_WORDS words per task, at @bufs->regcmd.va on the
 *         device
 * @tasks: out: the kernel's view of each task
 * @core_bos: out, may be NULL: per core of @t, the BO list of the core's
 *            job, built from what its tasks use (emptied first)
 *
 * With NPU_DEBUG=dump_regcmd, each stream is also written to stderr.
 *
 * Return: 0, or the error of libnpu_bo_list_merge().
 */
int libnpu_gemm_emit(const struct npu_gemm_tiling *t,
		  const struct npu_gemm_bufs *bufs, uint64_t *words,
		  struct drm_npu_task *tasks, struct npu_bo_list *core_bos)
{
	const struct npu_gemm_desc *d = &t->desc;
	uint32_t i;
	int ret;

	for (i = 0; core_bos && i < t->cores; i++)
		core_bos[i].count = 0;
	for (i = 0; i < t->task_count; i++) {
		const struct npu_gemm_task *task = &t->tasks[i];
		struct npu_emit e;
		char title[160];

		libnpu_emit_init(&e, words + (size_t)i * NPU_TASK_WORDS);
		libnpu_rk3588_emit_task(&e, t, task, bufs);
		tasks[i].regcmd_va = bufs->regcmd.va +
				     (uint64_t)i * NPU_TASK_WORDS * 8;
		tasks[i].regcmd_count = (uint32_t)e.count;
		if (core_bos) {
			ret = libnpu_bo_list_merge(&core_bos[task->core], &e);
			if (ret)
				return ret;
		}
		if (!libnpu_debug_dump_regcmd())
			continue;
		snprintf(title, sizeof(title),
			 "gemm %ux%ux%u task %u of %u, core %u, rows %u+%u, "
			 "kernels %u+%u, at 0x%" PRIx64, d->m, d->k, d->n, i,
			 t->task_count, task->core, task->m0, task->mt,
			 task->n0, task->nt, (uint64_t)tasks[i].regcmd_va);
		libnpu_regcmd_dump(title, &e);
	}
	return 0;
}
