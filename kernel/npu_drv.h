/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */

#ifndef __NPU_DRV_H__
#define __NPU_DRV_H__

#include <drm/drm_drv.h>

extern const struct drm_driver npu_drm_driver;

#if IS_ENABLED(CONFIG_DRM_ACCEL_NPU_VIRTUAL)
int npu_sim_init(void);
void npu_sim_exit(void);
#else
static inline int npu_sim_init(void) { return 0; }
static inline void npu_sim_exit(void) { }
#endif

#endif /* __NPU_DRV_H__ */
