// SPDX-License-Identifier: MIT
/*
 * RK3588 regcmd emission for a matmul task (1x1 direct convolution), and
 * a decoder that turns words back into readable text for dumps and tests.
 *
 * The register sequence and values follow the public programming of a
 * matmul on this NPU (Documentation/npu/rk3588-regcmd.rst lists each
 * register, field and source).  A word is target(63..48) | value(47..16)
 * | reg(15..0), the target being the register's block select + 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

/* Blocks: register window -> target of a write. */
static const struct {
	uint16_t base, target;
	const char *name;
} npu_blocks[] = {
	{ 0x0000, 0x0101, "PC" },
	{ 0x1000, 0x0201, "CNA" },
	{ 0x3000, 0x0801, "CORE" },
	{ 0x4000, 0x1001, "DPU" },
	{ 0x5000, 0x2001, "DPU_RDMA" },
	{ 0x6000, 0x4001, "PPU" },
	{ 0x7000, 0x8001, "PPU_RDMA" },
};

#define NPU_TGT_VERSION		0x0041
#define NPU_TGT_PC_OP		0x0081

/* Precision codes of CNA/CORE/DPU. */
#define PREC_INT8	0
#define PREC_FP16	2
#define PREC_INT32	4
#define PREC_FP32	5

/* Registers a matmul task writes, in emission order. */
enum {
	PC_OPERATION_ENABLE = 0x0008, PC_REGISTER_AMOUNTS = 0x0014,
	CNA_CONV_CON1 = 0x100c, CNA_CONV_CON2 = 0x1010, CNA_CONV_CON3 = 0x1014,
	CNA_DATA_SIZE0 = 0x1020, CNA_DATA_SIZE1 = 0x1024,
	CNA_DATA_SIZE2 = 0x1028, CNA_DATA_SIZE3 = 0x102c,
	CNA_WEIGHT_SIZE0 = 0x1030, CNA_WEIGHT_SIZE1 = 0x1034,
	CNA_WEIGHT_SIZE2 = 0x1038, CNA_CBUF_CON0 = 0x1040,
	CNA_CBUF_CON1 = 0x1044, CNA_CVT_CON0 = 0x104c, CNA_CVT_CON1 = 0x1050,
	CNA_CVT_CON2 = 0x1054, CNA_CVT_CON3 = 0x1058, CNA_CVT_CON4 = 0x105c,
	CNA_FC_CON0 = 0x1060, CNA_FC_CON1 = 0x1064, CNA_PAD_CON0 = 0x1068,
	CNA_FEATURE_DATA_ADDR = 0x1070, CNA_FC_CON2 = 0x1074,
	CNA_DMA_CON0 = 0x1078, CNA_DMA_CON1 = 0x107c, CNA_DMA_CON2 = 0x1080,
	CNA_FC_DATA_SIZE0 = 0x1084, CNA_FC_DATA_SIZE1 = 0x1088,
	CNA_DCOMP_CTRL = 0x1100, CNA_DCOMP_REGNUM = 0x1104,
	CNA_DCOMP_ADDR0 = 0x1110, CNA_DCOMP_AMOUNT0 = 0x1140,
	CNA_CVT_CON5 = 0x1180, CNA_PAD_CON1 = 0x1184,
	CORE_MISC_CFG = 0x3010, CORE_DATAOUT_SIZE_0 = 0x3014,
	CORE_DATAOUT_SIZE_1 = 0x3018, CORE_CLIP_TRUNCATE = 0x301c,
	CORE_3030 = 0x3030,
	DPU_S_POINTER = 0x4004, DPU_FEATURE_MODE_CFG = 0x400c,
	DPU_DATA_FORMAT = 0x4010, DPU_OFFSET_PEND = 0x4014,
	DPU_DST_BASE_ADDR = 0x4020, DPU_DST_SURF_STRIDE = 0x4024,
	DPU_DATA_CUBE_WIDTH = 0x4030, DPU_DATA_CUBE_HEIGHT = 0x4034,
	DPU_DATA_CUBE_NOTCH_ADDR = 0x4038, DPU_DATA_CUBE_CHANNEL = 0x403c,
	DPU_BS_CFG = 0x4040, DPU_BS_ALU_CFG = 0x4044, DPU_BS_MUL_CFG = 0x4048,
	DPU_BS_RELUX_CMP_VALUE = 0x404c, DPU_BS_OW_CFG = 0x4050,
	DPU_BS_OW_OP = 0x4054, DPU_WDMA_SIZE_0 = 0x4058,
	DPU_WDMA_SIZE_1 = 0x405c, DPU_BN_CFG = 0x4060,
	DPU_BN_ALU_CFG = 0x4064, DPU_BN_MUL_CFG = 0x4068,
	DPU_BN_RELUX_CMP_VALUE = 0x406c, DPU_EW_CFG = 0x4070,
	DPU_EW_CVT_OFFSET_VALUE = 0x4074, DPU_EW_CVT_SCALE_VALUE = 0x4078,
	DPU_EW_RELUX_CMP_VALUE = 0x407c, DPU_OUT_CVT_OFFSET = 0x4080,
	DPU_OUT_CVT_SCALE = 0x4084, DPU_OUT_CVT_SHIFT = 0x4088,
	DPU_EW_OP_VALUE_0 = 0x4090, DPU_SURFACE_ADD = 0x40c0,
	DPU_40C4 = 0x40c4, DPU_LUT_ACCESS_CFG = 0x4100,
	DPU_LUT_LO_SLOPE_SHIFT = 0x412c,
};

/* Names of the registers the decoder knows, by offset (increasing). */
static const struct {
	uint16_t reg;
	const char *name;
} npu_reg_names[] = {
	{ 0x0000, "PC_VERSION" },
	{ 0x0004, "PC_VERSION_NUM" },
	{ 0x0008, "PC_OPERATION_ENABLE" },
	{ 0x0010, "PC_BASE_ADDRESS" },
	{ 0x0014, "PC_REGISTER_AMOUNTS" },
	{ 0x0020, "PC_INTERRUPT_MASK" },
	{ 0x0024, "PC_INTERRUPT_CLEAR" },
	{ 0x0028, "PC_INTERRUPT_STATUS" },
	{ 0x002c, "PC_INTERRUPT_RAW_STATUS" },
	{ 0x0030, "PC_TASK_CON" },
	{ 0x0034, "PC_TASK_DMA_BASE_ADDR" },
	{ 0x003c, "PC_TASK_STATUS" },
	{ 0x1004, "CNA_S_POINTER" },
	{ 0x1008, "CNA_OPERATION_ENABLE" },
	{ 0x100c, "CNA_CONV_CON1" },
	{ 0x1010, "CNA_CONV_CON2" },
	{ 0x1014, "CNA_CONV_CON3" },
	{ 0x1020, "CNA_DATA_SIZE0" },
	{ 0x1024, "CNA_DATA_SIZE1" },
	{ 0x1028, "CNA_DATA_SIZE2" },
	{ 0x102c, "CNA_DATA_SIZE3" },
	{ 0x1030, "CNA_WEIGHT_SIZE0" },
	{ 0x1034, "CNA_WEIGHT_SIZE1" },
	{ 0x1038, "CNA_WEIGHT_SIZE2" },
	{ 0x1040, "CNA_CBUF_CON0" },
	{ 0x1044, "CNA_CBUF_CON1" },
	{ 0x104c, "CNA_CVT_CON0" },
	{ 0x1050, "CNA_CVT_CON1" },
	{ 0x1054, "CNA_CVT_CON2" },
	{ 0x1058, "CNA_CVT_CON3" },
	{ 0x105c, "CNA_CVT_CON4" },
	{ 0x1060, "CNA_FC_CON0" },
	{ 0x1064, "CNA_FC_CON1" },
	{ 0x1068, "CNA_PAD_CON0" },
	{ 0x1070, "CNA_FEATURE_DATA_ADDR" },
	{ 0x1074, "CNA_FC_CON2" },
	{ 0x1078, "CNA_DMA_CON0" },
	{ 0x107c, "CNA_DMA_CON1" },
	{ 0x1080, "CNA_DMA_CON2" },
	{ 0x1084, "CNA_FC_DATA_SIZE0" },
	{ 0x1088, "CNA_FC_DATA_SIZE1" },
	{ 0x1090, "CNA_CLK_GATE" },
	{ 0x1100, "CNA_DCOMP_CTRL" },
	{ 0x1104, "CNA_DCOMP_REGNUM" },
	{ 0x1110, "CNA_DCOMP_ADDR0" },
	{ 0x1140, "CNA_DCOMP_AMOUNT0" },
	{ 0x1144, "CNA_DCOMP_AMOUNT1" },
	{ 0x1148, "CNA_DCOMP_AMOUNT2" },
	{ 0x114c, "CNA_DCOMP_AMOUNT3" },
	{ 0x1150, "CNA_DCOMP_AMOUNT4" },
	{ 0x1154, "CNA_DCOMP_AMOUNT5" },
	{ 0x1158, "CNA_DCOMP_AMOUNT6" },
	{ 0x115c, "CNA_DCOMP_AMOUNT7" },
	{ 0x1160, "CNA_DCOMP_AMOUNT8" },
	{ 0x1164, "CNA_DCOMP_AMOUNT9" },
	{ 0x1168, "CNA_DCOMP_AMOUNT10" },
	{ 0x116c, "CNA_DCOMP_AMOUNT11" },
	{ 0x1170, "CNA_DCOMP_AMOUNT12" },
	{ 0x1174, "CNA_DCOMP_AMOUNT13" },
	{ 0x1178, "CNA_DCOMP_AMOUNT14" },
	{ 0x117c, "CNA_DCOMP_AMOUNT15" },
	{ 0x1180, "CNA_CVT_CON5" },
	{ 0x1184, "CNA_PAD_CON1" },
	{ 0x3004, "CORE_S_POINTER" },
	{ 0x3008, "CORE_OPERATION_ENABLE" },
	{ 0x300c, "CORE_MAC_GATING" },
	{ 0x3010, "CORE_MISC_CFG" },
	{ 0x3014, "CORE_DATAOUT_SIZE_0" },
	{ 0x3018, "CORE_DATAOUT_SIZE_1" },
	{ 0x301c, "CORE_CLIP_TRUNCATE" },
	{ 0x3030, "CORE_3030" },
	{ 0x4004, "DPU_S_POINTER" },
	{ 0x4008, "DPU_OPERATION_ENABLE" },
	{ 0x400c, "DPU_FEATURE_MODE_CFG" },
	{ 0x4010, "DPU_DATA_FORMAT" },
	{ 0x4014, "DPU_OFFSET_PEND" },
	{ 0x4020, "DPU_DST_BASE_ADDR" },
	{ 0x4024, "DPU_DST_SURF_STRIDE" },
	{ 0x4030, "DPU_DATA_CUBE_WIDTH" },
	{ 0x4034, "DPU_DATA_CUBE_HEIGHT" },
	{ 0x4038, "DPU_DATA_CUBE_NOTCH_ADDR" },
	{ 0x403c, "DPU_DATA_CUBE_CHANNEL" },
	{ 0x4040, "DPU_BS_CFG" },
	{ 0x4044, "DPU_BS_ALU_CFG" },
	{ 0x4048, "DPU_BS_MUL_CFG" },
	{ 0x404c, "DPU_BS_RELUX_CMP_VALUE" },
	{ 0x4050, "DPU_BS_OW_CFG" },
	{ 0x4054, "DPU_BS_OW_OP" },
	{ 0x4058, "DPU_WDMA_SIZE_0" },
	{ 0x405c, "DPU_WDMA_SIZE_1" },
	{ 0x4060, "DPU_BN_CFG" },
	{ 0x4064, "DPU_BN_ALU_CFG" },
	{ 0x4068, "DPU_BN_MUL_CFG" },
	{ 0x406c, "DPU_BN_RELUX_CMP_VALUE" },
	{ 0x4070, "DPU_EW_CFG" },
	{ 0x4074, "DPU_EW_CVT_OFFSET_VALUE" },
	{ 0x4078, "DPU_EW_CVT_SCALE_VALUE" },
	{ 0x407c, "DPU_EW_RELUX_CMP_VALUE" },
	{ 0x4080, "DPU_OUT_CVT_OFFSET" },
	{ 0x4084, "DPU_OUT_CVT_SCALE" },
	{ 0x4088, "DPU_OUT_CVT_SHIFT" },
	{ 0x4090, "DPU_EW_OP_VALUE_0" },
	{ 0x4094, "DPU_EW_OP_VALUE_1" },
	{ 0x4098, "DPU_EW_OP_VALUE_2" },
	{ 0x409c, "DPU_EW_OP_VALUE_3" },
	{ 0x40a0, "DPU_EW_OP_VALUE_4" },
	{ 0x40a4, "DPU_EW_OP_VALUE_5" },
	{ 0x40a8, "DPU_EW_OP_VALUE_6" },
	{ 0x40ac, "DPU_EW_OP_VALUE_7" },
	{ 0x40c0, "DPU_SURFACE_ADD" },
	{ 0x40c4, "DPU_40C4" },
	{ 0x4100, "DPU_LUT_ACCESS_CFG" },
	{ 0x4104, "DPU_LUT_ACCESS_DATA" },
	{ 0x4108, "DPU_LUT_CFG" },
	{ 0x410c, "DPU_LUT_INFO" },
	{ 0x4110, "DPU_LUT_LE_START" },
	{ 0x4114, "DPU_LUT_LE_END" },
	{ 0x4118, "DPU_LUT_LO_START" },
	{ 0x411c, "DPU_LUT_LO_END" },
	{ 0x4120, "DPU_LUT_LE_SLOPE_SCALE" },
	{ 0x4124, "DPU_LUT_LE_SLOPE_SHIFT" },
	{ 0x4128, "DPU_LUT_LO_SLOPE_SCALE" },
	{ 0x412c, "DPU_LUT_LO_SLOPE_SHIFT" },
};

/* Field helper: @v in @bits bits at @lo. */
static uint32_t fld(uint32_t v, unsigned int lo, unsigned int bits)
{
	return (v & (uint32_t)((1ull << bits) - 1)) << lo;
}

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
	return (uint64_t)target << 48 | (uint64_t)value << 16 | reg;
}

struct npu_emit {
	uint64_t *words;
	size_t count;
};

static void emit(struct npu_emit *e, uint16_t reg, uint32_t value)
{
	e->words[e->count++] = npu_word(npu_target(reg), value, reg);
}

static void emit_zeros(struct npu_emit *e, uint16_t first, uint16_t last)
{
	uint16_t reg;

	for (reg = first; reg <= last; reg += 4)
		emit(e, reg, 0);
}

static void emit_cna(struct npu_emit *e, const struct npu_gemm_tiling *t,
		     const struct npu_gemm_task *task, uint32_t prec,
		     uint64_t in_va, uint64_t w_va)
{
	const struct npu_gemm_geom *g = &t->g;
	uint32_t kernel_bytes = g->kp * g->in_size;
	int32_t surf = 4 * ((int32_t)(task->mt / 4) - 1);

	emit(e, CNA_CONV_CON1, fld(prec, 7, 3) | fld(prec, 4, 3));
	emit(e, CNA_CONV_CON2, fld(task->mt + 1, 4, 10));
	emit(e, CNA_CONV_CON3, fld(1, 3, 3) | fld(1, 0, 3));
	emit(e, CNA_DATA_SIZE0, fld(1, 16, 11) | fld(task->mt, 0, 11));
	emit(e, CNA_DATA_SIZE1, fld(g->kp - 1, 16, 16) | fld(g->kp, 0, 16));
	emit(e, CNA_DATA_SIZE2, fld(1, 0, 11));
	emit(e, CNA_DATA_SIZE3, fld(task->mt, 0, 18));
	emit(e, CNA_WEIGHT_SIZE0, kernel_bytes * task->nt);
	emit(e, CNA_WEIGHT_SIZE1, fld(kernel_bytes, 0, 19));
	emit(e, CNA_WEIGHT_SIZE2, fld(1, 24, 5) | fld(1, 16, 5) |
				  fld(task->nt, 0, 14));
	emit(e, CNA_CBUF_CON0, fld(task->weight_banks, 4, 4) |
			       fld(task->data_banks, 0, 4));
	/* CBUF entries of one row: 64 bytes each. */
	emit(e, CNA_CBUF_CON1, fld((kernel_bytes + 63) / 64, 0, 13));
	emit(e, CNA_CVT_CON0, fld(1, 3, 1) | fld(1, 1, 1) | fld(1, 0, 1));
	emit(e, CNA_CVT_CON1, fld(1, 16, 16));
	emit(e, CNA_CVT_CON2, fld(1, 16, 16));
	emit(e, CNA_CVT_CON3, fld(1, 16, 16));
	emit(e, CNA_CVT_CON4, fld(1, 16, 16));
	emit(e, CNA_FC_CON0, 0);
	emit(e, CNA_FC_CON1, 0);
	emit(e, CNA_PAD_CON0, 0);
	emit(e, CNA_FEATURE_DATA_ADDR, (uint32_t)(in_va + task->in_off));
	emit(e, CNA_FC_CON2, 0);
	emit(e, CNA_DMA_CON0, fld(15, 16, 4) | fld(15, 0, 4));
	emit(e, CNA_DMA_CON1, fld(4, 0, 28));
	emit(e, CNA_DMA_CON2, fld((uint32_t)(surf < 0 ? surf + 1 : surf), 0, 28));
	emit(e, CNA_FC_DATA_SIZE0, fld(1, 16, 11) | fld(task->mt, 0, 11));
	emit(e, CNA_FC_DATA_SIZE1, fld(g->kp, 0, 16));
	emit(e, CNA_DCOMP_CTRL, 0);
	emit(e, CNA_DCOMP_REGNUM, 0);
	emit(e, CNA_DCOMP_ADDR0, (uint32_t)(w_va + task->w_off));
	emit_zeros(e, CNA_DCOMP_AMOUNT0, CNA_DCOMP_AMOUNT0 + 15 * 4);
	emit(e, CNA_CVT_CON5, 0);
	emit(e, CNA_PAD_CON1, 0);
}

static void emit_core(struct npu_emit *e, const struct npu_gemm_task *task,
		      uint32_t prec)
{
	emit(e, CORE_MISC_CFG, fld(prec, 8, 3) | fld(prec == PREC_FP16, 0, 1));
	emit(e, CORE_DATAOUT_SIZE_0, fld(task->mt - 1, 16, 16) | fld(0, 0, 16));
	emit(e, CORE_DATAOUT_SIZE_1, fld(task->nt - 1, 0, 16));
	emit(e, CORE_CLIP_TRUNCATE, 0);
	emit(e, CORE_3030, 0);
}

static void emit_dpu(struct npu_emit *e, const struct npu_gemm_tiling *t,
		     const struct npu_gemm_task *task, uint32_t prec,
		     uint64_t out_va)
{
	uint32_t out = t->desc.out_type == NPU_DTYPE_INT32 ? PREC_INT32 :
		       t->desc.out_type == NPU_DTYPE_FP32 ? PREC_FP32 : PREC_FP16;
	uint32_t size_e = out == PREC_INT32 ? 7 : out == PREC_FP32 ? 3 : 1;
	uint32_t bypass = fld(1, 6, 1) | fld(1, 4, 1) | fld(1, 1, 1) | 1;

	emit(e, DPU_FEATURE_MODE_CFG, fld(15, 5, 4) | fld(2, 1, 2));
	emit(e, DPU_DATA_FORMAT, fld(out, 29, 3) | fld(prec, 26, 3) |
				 fld(prec, 0, 3));
	emit(e, DPU_OFFSET_PEND, 0);
	emit(e, DPU_DST_BASE_ADDR, (uint32_t)(out_va + task->out_off));
	emit(e, DPU_DST_SURF_STRIDE, fld(task->mt, 4, 28));
	emit(e, DPU_DATA_CUBE_WIDTH, 0);
	emit(e, DPU_DATA_CUBE_HEIGHT, fld(task->mt - 1, 0, 13));
	emit(e, DPU_DATA_CUBE_NOTCH_ADDR, 0);
	emit(e, DPU_DATA_CUBE_CHANNEL, fld(task->nt - 1, 16, 13) |
				       fld(task->nt - 1, 0, 13));
	emit(e, DPU_BS_CFG, bypass);
	emit(e, DPU_BS_ALU_CFG, 0);
	emit(e, DPU_BS_MUL_CFG, 0);
	emit(e, DPU_BS_RELUX_CMP_VALUE, 0);
	emit(e, DPU_BS_OW_CFG, fld(size_e, 8, 3) | fld(size_e, 5, 3) |
			       fld(size_e, 2, 3) | fld(1, 1, 1));
	emit(e, DPU_BS_OW_OP, 0);
	emit(e, DPU_WDMA_SIZE_0, fld(task->nt - 1, 0, 13));
	emit(e, DPU_WDMA_SIZE_1, fld(task->mt - 1, 16, 13) | fld(0, 0, 13));
	emit(e, DPU_BN_CFG, bypass);
	emit(e, DPU_BN_ALU_CFG, 0);
	emit(e, DPU_BN_MUL_CFG, 0);
	emit(e, DPU_BN_RELUX_CMP_VALUE, 0);
	emit(e, DPU_EW_CFG, fld(1, 9, 1) | fld(1, 8, 1) | fld(1, 7, 1) |
			    fld(1, 1, 1) | 1);
	emit(e, DPU_EW_CVT_OFFSET_VALUE, 0);
	emit(e, DPU_EW_CVT_SCALE_VALUE, 1);
	emit(e, DPU_EW_RELUX_CMP_VALUE, 0);
	emit(e, DPU_OUT_CVT_OFFSET, 0);
	emit(e, DPU_OUT_CVT_SCALE, fld(out == PREC_FP16, 16, 1) | 1);
	emit(e, DPU_OUT_CVT_SHIFT, 0);
	emit_zeros(e, DPU_EW_OP_VALUE_0, DPU_EW_OP_VALUE_0 + 7 * 4);
	emit(e, DPU_SURFACE_ADD,
	     fld(task->mt * (out == PREC_INT32 ? 8 : out == PREC_FP32 ? 4 : 2),
		 4, 28));
	emit(e, DPU_40C4, 0);
	emit_zeros(e, DPU_LUT_ACCESS_CFG, DPU_LUT_LO_SLOPE_SHIFT);
}

/**
 * npu_rk3588_emit_matmul() - the regcmd stream of one matmul task
 * @t: the tiling
 * @task: the task
 * @in_va: device address of the input BO
 * @w_va: device address of the weights BO
 * @out_va: device address of the task's core's output BO
 * @words: out: NPU_TASK_WORDS words
 *
 * Return: the number of words written (even, so the next stream stays
 * 16-byte aligned).
 */
size_t npu_rk3588_emit_matmul(const struct npu_gemm_tiling *t,
			      const struct npu_gemm_task *task,
			      uint64_t in_va, uint64_t w_va, uint64_t out_va,
			      uint64_t *words)
{
	uint32_t prec = t->g.in_size == 1 ? PREC_INT8 : PREC_FP16;
	struct npu_emit e = { .words = words };

	emit(&e, DPU_S_POINTER, 0xe);
	emit_cna(&e, t, task, prec, in_va, w_va);
	emit_core(&e, task, prec);
	emit_dpu(&e, t, task, prec, out_va);
	/* Tail: no chained task, no amounts, version word, op_en. */
	words[e.count++] = 0;
	emit(&e, PC_REGISTER_AMOUNTS, 0);
	words[e.count++] = npu_word(NPU_TGT_VERSION, 0, 0);
	/* Enable the PC with the CNA and DPU blocks. */
	words[e.count++] = npu_word(NPU_TGT_PC_OP, 0x0d, PC_OPERATION_ENABLE);
	return e.count;
}

static const char *npu_reg_name(uint16_t reg)
{
	size_t lo = 0, hi = sizeof(npu_reg_names) / sizeof(npu_reg_names[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (npu_reg_names[mid].reg == reg)
			return npu_reg_names[mid].name;
		if (npu_reg_names[mid].reg < reg)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/**
 * npu_regcmd_decode() - one regcmd word as text
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
int npu_regcmd_decode(uint64_t word, char *buf, size_t len)
{
	uint16_t target = word >> 48, reg = word & 0xffff;
	uint32_t value = (uint32_t)(word >> 16);
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
				reg, value, reg == PC_OPERATION_ENABLE ? "  " : "",
				reg == PC_OPERATION_ENABLE ? name : "");
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
 * npu_regcmd_dump() - write a task's stream to stderr, decoded
 * @title: first line, without "libnpu: "
 * @words: the stream
 * @count: its words
 *
 * Does nothing unless NPU_DEBUG has "dump_regcmd".  The lines of one
 * stream are not interleaved with other output of the process's threads.
 */
void npu_regcmd_dump(const char *title, const uint64_t *words, size_t count)
{
	char line[160];
	size_t i;

	if (!npu_debug_dump_regcmd())
		return;
	flockfile(stderr);
	fprintf(stderr, "libnpu: regcmd %s: %zu words\n", title, count);
	for (i = 0; i < count; i++) {
		npu_regcmd_decode(words[i], line, sizeof(line));
		fprintf(stderr, "libnpu:   %4zu %016" PRIx64 "  %s\n", i,
			words[i], line);
	}
	funlockfile(stderr);
}

/**
 * npu_gemm_emit() - the command streams of every task of a tiling
 * @t: the tiling
 * @bufs: the buffers the tasks use, with their device addresses
 * @words: out: NPU_TASK_WORDS words per task, at @bufs->regcmd.va on the
 *         device
 * @tasks: out: the kernel's view of each task
 *
 * With NPU_DEBUG=dump_regcmd, each stream is also written to stderr.
 */
void npu_gemm_emit(const struct npu_gemm_tiling *t,
		   const struct npu_gemm_bufs *bufs, uint64_t *words,
		   struct drm_npu_task *tasks)
{
	const struct npu_gemm_desc *d = &t->desc;
	uint32_t i;

	for (i = 0; i < t->task_count; i++) {
		const struct npu_gemm_task *task = &t->tasks[i];
		uint64_t *w = words + (size_t)i * NPU_TASK_WORDS;
		char title[160];

		tasks[i].regcmd_va = bufs->regcmd.va +
				     (uint64_t)i * NPU_TASK_WORDS * 8;
		tasks[i].regcmd_count =
			(uint32_t)npu_rk3588_emit_matmul(t, task, bufs->in.va,
							 bufs->w.va,
							 bufs->out[task->core].va,
							 w);
		if (!npu_debug_dump_regcmd())
			continue;
		snprintf(title, sizeof(title),
			 "gemm %ux%ux%u task %u of %u, core %u, rows %u+%u, "
			 "kernels %u+%u, at 0x%" PRIx64, d->m, d->k, d->n, i,
			 t->task_count, task->core, task->m0, task->mt,
			 task->n0, task->nt, (uint64_t)tasks[i].regcmd_va);
		npu_regcmd_dump(title, w, tasks[i].regcmd_count);
	}
}
