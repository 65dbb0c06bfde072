/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Copyright 2026 The NPU stack authors */
/*
 * RK3588 NPU register database: the subset a matmul task uses, shared by
 * the virtual NPU (kernel) and libnpu's emitter (userspace, through the
 * kernel include directory), so that both read the same offsets and
 * fields.
 *
 * Offsets and bit ranges are those of Mesa's rocket registers.xml (and of
 * the mainline rocket_registers.h generated from it); the block targets,
 * the precision codes, the operation-enable block bits and the CBUF size
 * are from mtx512/rk3588-npu (npu_hw.h).  Each field is a mask for
 * FIELD_PREP()/FIELD_GET() (npu_field_prep()/npu_field_get() in
 * userspace).  Documentation/npu/rk3588-regcmd.rst gives the meaning and
 * source of each.
 */
#ifndef __NPU_RK3588_REGS_H__
#define __NPU_RK3588_REGS_H__

#ifdef __KERNEL__
#include <linux/bits.h>
#else
#ifndef BIT
#define BIT(n)			(1u << (n))
#endif
#ifndef GENMASK
#define GENMASK(h, l)		((~0u >> (31 - (h))) & (~0u << (l)))
#endif

/* Userspace stand-ins for FIELD_PREP() and FIELD_GET() of 32-bit fields. */
static inline unsigned int npu_field_prep(unsigned int mask, unsigned int v)
{
	return (v << __builtin_ctz(mask)) & mask;
}

static inline unsigned int npu_field_get(unsigned int mask, unsigned int reg)
{
	return (reg & mask) >> __builtin_ctz(mask);
}
#endif

/*
 * A regcmd word: target 63:48, value 47:16, register 15:0.  The target
 * of a register write is its block's select plus NPU_TGT_WRITE.
 */
#define NPU_REGCMD_TARGET_SHIFT	48
#define NPU_REGCMD_VALUE_SHIFT	16
#define NPU_REGCMD_REG_MASK	0xffffu

#define NPU_TGT_WRITE		0x0001
#define NPU_TGT_VERSION		0x0041	/* word that must precede op_en */
#define NPU_TGT_PC_OP		0x0081	/* PC operation enable */
#define NPU_TGT_PC		0x0101	/* PC registers (task chaining) */
#define NPU_TGT_CNA		0x0201
#define NPU_TGT_CORE		0x0801
#define NPU_TGT_DPU		0x1001
#define NPU_TGT_DPU_RDMA	0x2001
#define NPU_TGT_PPU		0x4001
#define NPU_TGT_PPU_RDMA	0x8001

/* Register windows of the blocks, in the core's MMIO space. */
#define NPU_REG_PC_BASE		0x0000
#define NPU_REG_CNA_BASE	0x1000
#define NPU_REG_CORE_BASE	0x3000
#define NPU_REG_DPU_BASE	0x4000
#define NPU_REG_DPU_RDMA_BASE	0x5000
#define NPU_REG_PPU_BASE	0x6000
#define NPU_REG_PPU_RDMA_BASE	0x7000
#define NPU_REG_WINDOW		0x1000
#define NPU_REG_SPACE		0x8000

/* Precision codes of CNA, CORE and DPU. */
#define NPU_PRECISION_INT8	0
#define NPU_PRECISION_FP16	2
#define NPU_PRECISION_INT32	4
#define NPU_PRECISION_FP32	5

/* The convolution buffer: 12 banks of 32 KiB. */
#define NPU_CBUF_BANKS		12
#define NPU_CBUF_BANK_SIZE	(32 * 1024)
#define NPU_CBUF_ENTRY_SIZE	64	/* bytes per DATA_ENTRIES unit */
#define NPU_ATOM		16	/* bytes of one channel group */
#define NPU_WEIGHT_TILE_C	32	/* channels per weight tile */

/* PC */
#define NPU_PC_OPERATION_ENABLE			0x0008
#define   NPU_PC_OPERATION_ENABLE_OP_EN		BIT(0)
#define   NPU_PC_OPERATION_ENABLE_CNA		BIT(2)
#define   NPU_PC_OPERATION_ENABLE_DPU		BIT(3)
#define   NPU_PC_OPERATION_ENABLE_PPU		BIT(4)
#define NPU_PC_OP_EN				NPU_PC_OPERATION_ENABLE_OP_EN
#define NPU_PC_BASE_ADDRESS			0x0010
#define NPU_PC_REGISTER_AMOUNTS			0x0014
#define   NPU_PC_REGISTER_AMOUNTS_PC_DATA_AMOUNT	GENMASK(15, 0)
#define NPU_PC_INTERRUPT_MASK			0x0020
#define NPU_PC_INTERRUPT_CLEAR			0x0024
#define NPU_PC_INTERRUPT_STATUS			0x0028
#define NPU_PC_INTERRUPT_RAW_STATUS		0x002c
#define   NPU_PC_INTERRUPT_DPU_0		BIT(8)
#define   NPU_PC_INTERRUPT_DPU_1		BIT(9)
#define NPU_PC_TASK_CON				0x0030
#define   NPU_PC_TASK_CON_TASK_NUMBER		GENMASK(11, 0)
#define NPU_PC_TASK_DMA_BASE_ADDR		0x0034

/* CNA: convolution DMA, CBUF and sequencer */
#define NPU_CNA_CONV_CON1			0x100c
#define   NPU_CNA_CONV_CON1_CONV_MODE		GENMASK(3, 0)
#define   NPU_CNA_CONV_CON1_IN_PRECISION	GENMASK(6, 4)
#define   NPU_CNA_CONV_CON1_PROC_PRECISION	GENMASK(9, 7)
#define NPU_CNA_CONV_CON2			0x1010
#define   NPU_CNA_CONV_CON2_FEATURE_GRAINS	GENMASK(13, 4)
#define   NPU_CNA_CONV_CON2_KERNEL_GROUP	GENMASK(23, 16)
#define NPU_CNA_CONV_CON3			0x1014
#define   NPU_CNA_CONV_CON3_CONV_X_STRIDE	GENMASK(2, 0)
#define   NPU_CNA_CONV_CON3_CONV_Y_STRIDE	GENMASK(5, 3)
#define NPU_CNA_DATA_SIZE0			0x1020
#define   NPU_CNA_DATA_SIZE0_DATAIN_HEIGHT	GENMASK(10, 0)
#define   NPU_CNA_DATA_SIZE0_DATAIN_WIDTH	GENMASK(26, 16)
#define NPU_CNA_DATA_SIZE1			0x1024
#define   NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL	GENMASK(15, 0)
#define   NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL_REAL	GENMASK(29, 16)
#define NPU_CNA_DATA_SIZE2			0x1028
#define   NPU_CNA_DATA_SIZE2_DATAOUT_WIDTH	GENMASK(10, 0)
#define NPU_CNA_DATA_SIZE3			0x102c
#define   NPU_CNA_DATA_SIZE3_DATAOUT_ATOMICS	GENMASK(21, 0)
#define NPU_CNA_WEIGHT_SIZE0			0x1030	/* WEIGHT_BYTES, 31:0 */
#define NPU_CNA_WEIGHT_SIZE1			0x1034
#define   NPU_CNA_WEIGHT_SIZE1_WEIGHT_BYTES_PER_KERNEL	GENMASK(18, 0)
#define NPU_CNA_WEIGHT_SIZE2			0x1038
#define   NPU_CNA_WEIGHT_SIZE2_WEIGHT_KERNELS	GENMASK(13, 0)
#define   NPU_CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT	GENMASK(20, 16)
#define   NPU_CNA_WEIGHT_SIZE2_WEIGHT_WIDTH	GENMASK(28, 24)
#define NPU_CNA_CBUF_CON0			0x1040
#define   NPU_CNA_CBUF_CON0_DATA_BANK		GENMASK(3, 0)
#define   NPU_CNA_CBUF_CON0_WEIGHT_BANK		GENMASK(7, 4)
#define   NPU_CNA_CBUF_CON0_DATA_REUSE		BIT(12)
#define   NPU_CNA_CBUF_CON0_WEIGHT_REUSE	BIT(13)
#define NPU_CNA_CBUF_CON1			0x1044
#define   NPU_CNA_CBUF_CON1_DATA_ENTRIES	GENMASK(13, 0)
#define NPU_CNA_CVT_CON0			0x104c
#define   NPU_CNA_CVT_CON0_CVT_BYPASS		BIT(0)
#define   NPU_CNA_CVT_CON0_CVT_TYPE		BIT(1)
#define   NPU_CNA_CVT_CON0_DATA_SIGN		BIT(3)
#define NPU_CNA_CVT_CON1			0x1050	/* .. CVT_CON4, 0x105c */
#define   NPU_CNA_CVT_CON_CVT_OFFSET		GENMASK(15, 0)
#define   NPU_CNA_CVT_CON_CVT_SCALE		GENMASK(31, 16)
#define NPU_CNA_CVT_CON4			0x105c
#define NPU_CNA_FC_CON0				0x1060
#define NPU_CNA_FC_CON1				0x1064
#define NPU_CNA_PAD_CON0			0x1068
#define   NPU_CNA_PAD_CON0_PAD_TOP		GENMASK(3, 0)
#define   NPU_CNA_PAD_CON0_PAD_LEFT		GENMASK(7, 4)
#define NPU_CNA_FEATURE_DATA_ADDR		0x1070
#define NPU_CNA_FC_CON2				0x1074
#define NPU_CNA_DMA_CON0			0x1078
#define   NPU_CNA_DMA_CON0_DATA_BURST_LEN	GENMASK(3, 0)
#define   NPU_CNA_DMA_CON0_WEIGHT_BURST_LEN	GENMASK(19, 16)
#define NPU_CNA_DMA_CON1			0x107c
#define   NPU_CNA_DMA_CON1_LINE_STRIDE		GENMASK(27, 0)
#define NPU_CNA_DMA_CON2			0x1080
#define   NPU_CNA_DMA_CON2_SURF_STRIDE		GENMASK(27, 0)
#define NPU_CNA_FC_DATA_SIZE0			0x1084
#define   NPU_CNA_FC_DATA_SIZE0_DMA_HEIGHT	GENMASK(10, 0)
#define   NPU_CNA_FC_DATA_SIZE0_DMA_WIDTH	GENMASK(29, 16)
#define NPU_CNA_FC_DATA_SIZE1			0x1088
#define   NPU_CNA_FC_DATA_SIZE1_DMA_CHANNEL	GENMASK(15, 0)
#define NPU_CNA_DCOMP_CTRL			0x1100
#define NPU_CNA_DCOMP_REGNUM			0x1104
#define NPU_CNA_DCOMP_ADDR0			0x1110
#define NPU_CNA_DCOMP_AMOUNT0			0x1140	/* .. AMOUNT15, 0x117c */
#define NPU_CNA_DCOMP_AMOUNTS			16
#define NPU_CNA_CVT_CON5			0x1180
#define NPU_CNA_PAD_CON1			0x1184

/* CORE: the MAC array */
#define NPU_CORE_MISC_CFG			0x3010
#define   NPU_CORE_MISC_CFG_QD_EN		BIT(0)
#define   NPU_CORE_MISC_CFG_DW_EN		BIT(1)
#define   NPU_CORE_MISC_CFG_PROC_PRECISION	GENMASK(10, 8)
#define NPU_CORE_DATAOUT_SIZE_0			0x3014
#define   NPU_CORE_DATAOUT_SIZE_0_DATAOUT_WIDTH	GENMASK(15, 0)
#define   NPU_CORE_DATAOUT_SIZE_0_DATAOUT_HEIGHT	GENMASK(31, 16)
#define NPU_CORE_DATAOUT_SIZE_1			0x3018
#define   NPU_CORE_DATAOUT_SIZE_1_DATAOUT_CHANNEL	GENMASK(15, 0)
#define NPU_CORE_CLIP_TRUNCATE			0x301c
#define NPU_CORE_3030				0x3030	/* not in the TRM */

/* DPU: post-processing and the output write DMA */
#define NPU_DPU_S_POINTER			0x4004
#define   NPU_DPU_S_POINTER_POINTER_PP_EN	BIT(1)
#define   NPU_DPU_S_POINTER_EXECUTER_PP_EN	BIT(2)
#define   NPU_DPU_S_POINTER_POINTER_PP_MODE	BIT(3)
#define NPU_DPU_FEATURE_MODE_CFG		0x400c
#define   NPU_DPU_FEATURE_MODE_CFG_FLYING_MODE	BIT(0)
#define   NPU_DPU_FEATURE_MODE_CFG_OUTPUT_MODE	GENMASK(2, 1)
#define   NPU_DPU_FEATURE_MODE_CFG_CONV_MODE	GENMASK(4, 3)
#define   NPU_DPU_FEATURE_MODE_CFG_BURST_LEN	GENMASK(8, 5)
#define NPU_DPU_DATA_FORMAT			0x4010
#define   NPU_DPU_DATA_FORMAT_PROC_PRECISION	GENMASK(2, 0)
#define   NPU_DPU_DATA_FORMAT_IN_PRECISION	GENMASK(28, 26)
#define   NPU_DPU_DATA_FORMAT_OUT_PRECISION	GENMASK(31, 29)
#define NPU_DPU_OFFSET_PEND			0x4014
#define NPU_DPU_DST_BASE_ADDR			0x4020
#define NPU_DPU_DST_SURF_STRIDE			0x4024
#define   NPU_DPU_DST_SURF_STRIDE_DST_SURF_STRIDE	GENMASK(31, 4)
#define NPU_DPU_DATA_CUBE_WIDTH			0x4030
#define   NPU_DPU_DATA_CUBE_WIDTH_WIDTH		GENMASK(12, 0)
#define NPU_DPU_DATA_CUBE_HEIGHT		0x4034
#define   NPU_DPU_DATA_CUBE_HEIGHT_HEIGHT	GENMASK(12, 0)
#define NPU_DPU_DATA_CUBE_NOTCH_ADDR		0x4038
#define NPU_DPU_DATA_CUBE_CHANNEL		0x403c
#define   NPU_DPU_DATA_CUBE_CHANNEL_CHANNEL	GENMASK(12, 0)
#define   NPU_DPU_DATA_CUBE_CHANNEL_ORIG_CHANNEL	GENMASK(28, 16)
/* BS_CFG and BN_CFG share their layout. */
#define NPU_DPU_BS_CFG				0x4040
#define NPU_DPU_BN_CFG				0x4060
#define   NPU_DPU_BX_CFG_BYPASS			BIT(0)
#define   NPU_DPU_BX_CFG_ALU_BYPASS		BIT(1)
#define   NPU_DPU_BX_CFG_MUL_BYPASS		BIT(4)
#define   NPU_DPU_BX_CFG_RELU_BYPASS		BIT(6)
#define NPU_DPU_BS_ALU_CFG			0x4044
#define NPU_DPU_BS_MUL_CFG			0x4048
#define NPU_DPU_BS_RELUX_CMP_VALUE		0x404c
#define NPU_DPU_BS_OW_CFG			0x4050
#define   NPU_DPU_BS_OW_CFG_OD_BYPASS		BIT(1)
#define   NPU_DPU_BS_OW_CFG_SIZE_E_0		GENMASK(4, 2)
#define   NPU_DPU_BS_OW_CFG_SIZE_E_1		GENMASK(7, 5)
#define   NPU_DPU_BS_OW_CFG_SIZE_E_2		GENMASK(10, 8)
#define NPU_DPU_BS_OW_OP			0x4054
#define NPU_DPU_WDMA_SIZE_0			0x4058
#define   NPU_DPU_WDMA_SIZE_0_CHANNEL_WDMA	GENMASK(12, 0)
#define NPU_DPU_WDMA_SIZE_1			0x405c
#define   NPU_DPU_WDMA_SIZE_1_WIDTH_WDMA	GENMASK(12, 0)
#define   NPU_DPU_WDMA_SIZE_1_HEIGHT_WDMA	GENMASK(28, 16)
#define NPU_DPU_BN_ALU_CFG			0x4064
#define NPU_DPU_BN_MUL_CFG			0x4068
#define NPU_DPU_BN_RELUX_CMP_VALUE		0x406c
#define NPU_DPU_EW_CFG				0x4070
#define   NPU_DPU_EW_CFG_EW_BYPASS		BIT(0)
#define   NPU_DPU_EW_CFG_EW_OP_BYPASS		BIT(1)
#define   NPU_DPU_EW_CFG_EW_LUT_BYPASS		BIT(7)
#define   NPU_DPU_EW_CFG_EW_OP_CVT_BYPASS	BIT(8)
#define   NPU_DPU_EW_CFG_EW_RELU_BYPASS		BIT(9)
#define NPU_DPU_EW_CVT_OFFSET_VALUE		0x4074
#define NPU_DPU_EW_CVT_SCALE_VALUE		0x4078
#define   NPU_DPU_EW_CVT_SCALE_VALUE_EW_OP_CVT_SCALE	GENMASK(15, 0)
#define NPU_DPU_EW_RELUX_CMP_VALUE		0x407c
#define NPU_DPU_OUT_CVT_OFFSET			0x4080
#define NPU_DPU_OUT_CVT_SCALE			0x4084
#define   NPU_DPU_OUT_CVT_SCALE_OUT_CVT_SCALE	GENMASK(15, 0)
#define   NPU_DPU_OUT_CVT_SCALE_FP32TOFP16_EN	BIT(16)
#define NPU_DPU_OUT_CVT_SHIFT			0x4088
#define NPU_DPU_EW_OP_VALUE_0			0x4090	/* .. VALUE_7, 0x40ac */
#define NPU_DPU_EW_OP_VALUES			8
#define NPU_DPU_SURFACE_ADD			0x40c0
#define   NPU_DPU_SURFACE_ADD_SURF_ADD		GENMASK(31, 4)
#define NPU_DPU_40C4				0x40c4	/* not in the TRM */
#define NPU_DPU_LUT_ACCESS_CFG			0x4100	/* first LUT register */
#define NPU_DPU_LUT_ACCESS_DATA			0x4104
#define NPU_DPU_LUT_CFG				0x4108
#define NPU_DPU_LUT_INFO			0x410c
#define NPU_DPU_LUT_LE_START			0x4110
#define NPU_DPU_LUT_LE_END			0x4114
#define NPU_DPU_LUT_LO_START			0x4118
#define NPU_DPU_LUT_LO_END			0x411c
#define NPU_DPU_LUT_LE_SLOPE_SCALE		0x4120
#define NPU_DPU_LUT_LE_SLOPE_SHIFT		0x4124
#define NPU_DPU_LUT_LO_SLOPE_SCALE		0x4128
#define NPU_DPU_LUT_LO_SLOPE_SHIFT		0x412c	/* last LUT register */

#endif /* __NPU_RK3588_REGS_H__ */
