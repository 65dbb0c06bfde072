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
 * (rocket_registers.h); see Documentation/npu/rk3588-regcmd.rst.  The
 * targets, registers and fields are in npu_rk3588_regs.h, which libnpu
 * shares.
 */
#ifndef __NPU_REGCMD_H__
#define __NPU_REGCMD_H__

#include <linux/types.h>

#include "npu_rk3588_regs.h"

#define NPU_REGCMD_TARGET(w)	((u32)((w) >> NPU_REGCMD_TARGET_SHIFT))
#define NPU_REGCMD_VALUE(w)	((u32)((w) >> NPU_REGCMD_VALUE_SHIFT))
#define NPU_REGCMD_REG(w)	((u32)((w) & NPU_REGCMD_REG_MASK))

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
