/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */
/*
 * The RK3588 "regcmd" word the PC block fetches from memory:
 *
 *   63          48 47                          16 15        0
 *  +--------------+------------------------------+-----------+
 *  |    target    |            value             |    reg    |
 *  +--------------+------------------------------+-----------+
 *
 * target is a block select plus 1 (write).  Facts from Mesa's rocket
 * driver (rkt_regcmd.c, registers.xml) and the mainline rocket driver
 * (rocket_registers.h); see Documentation/npu/rk3588-regcmd.rst.
 */
#ifndef __NPU_REGCMD_H__
#define __NPU_REGCMD_H__

#include <linux/bits.h>
#include <linux/types.h>

#define NPU_REGCMD_TARGET(w)	((u32)((w) >> 48))
#define NPU_REGCMD_VALUE(w)	((u32)((w) >> 16))
#define NPU_REGCMD_REG(w)	((u32)((w) & 0xffff))

/* Targets: block select + 1. */
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

/* PC registers. */
#define NPU_PC_OPERATION_ENABLE	0x0008
#define   NPU_PC_OP_EN		BIT(0)
#define NPU_PC_BASE_ADDRESS	0x0010
#define NPU_PC_REGISTER_AMOUNTS	0x0014
#define NPU_PC_INTERRUPT_MASK	0x0020
#define NPU_PC_INTERRUPT_CLEAR	0x0024
#define NPU_PC_INTERRUPT_STATUS	0x0028
#define NPU_PC_INTERRUPT_RAW_STATUS 0x002c
#define NPU_PC_TASK_CON		0x0030
#define NPU_PC_TASK_DMA_BASE_ADDR 0x0034

/*
 * Fields the kernel programs when it starts a task on a hardware core
 * (npu_rk3588.c).  Offsets above are from the start of the PC window;
 * NPU_S_POINTER is at the same offset in the CNA and CORE windows.
 */
#define NPU_PC_VERSION		0x0000
#define NPU_PC_VERSION_NUM	0x0004
#define   NPU_PC_BASE_PC_SEL	BIT(0)
#define   NPU_PC_DATA_AMOUNT	GENMASK(15, 0)	/* 128-bit units, minus one */
#define   NPU_PC_IRQ_DPU_0	BIT(8)
#define   NPU_PC_IRQ_DPU_1	BIT(9)
#define   NPU_PC_IRQ_DMA_READ_ERROR	BIT(12)
#define   NPU_PC_IRQ_DMA_WRITE_ERROR	BIT(13)
#define   NPU_PC_IRQ_CLEAR_ALL	GENMASK(16, 0)
#define   NPU_PC_TASK_NUMBER	GENMASK(11, 0)
#define   NPU_PC_TASK_PP_EN	BIT(12)
#define   NPU_PC_TASK_COUNT_CLEAR	BIT(13)
#define   NPU_PC_TASK_CON_BIT14	BIT(14)	/* reserved in the TRM, set by rknpu */
#define NPU_S_POINTER		0x0004
#define   NPU_S_POINTER_PP_EN	BIT(1)
#define   NPU_S_POINTER_EXECUTER_PP_EN	BIT(2)
#define   NPU_S_POINTER_PP_MODE	BIT(3)
#define   NPU_S_POINTER_CORE	GENMASK(29, 28)	/* core index; reserved in the TRM */

#endif /* __NPU_REGCMD_H__ */
