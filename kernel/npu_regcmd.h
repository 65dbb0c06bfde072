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

#endif /* __NPU_REGCMD_H__ */
