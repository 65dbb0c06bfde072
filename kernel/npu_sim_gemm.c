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

#include <drm/npu_accel.h>

#include "npu_core.h"
#include "npu_mmu.h"
#include "npu_rk3588_regs.h"
#include "npu_sim_gemm.h"
#include "npu_softfloat.h"

/* The register file: one u32 per 4-byte register offset. */
static u32 npu_reg(const u32 *regs, u32 reg)
{
	return regs[reg / 4];
}

/**
 * struct npu_gemm - a decoded 1x1 convolution
 * @pixels: H x W, the M of a matmul
 * @channels: C, the K of a matmul
 * @kernels: N
 * @in_size: bytes per input and weight element (1 int8, 2 fp16)
 * @c2: input elements per 16-byte channel group
 * @tile_n: kernels per weight tile (32 int8, 16 fp16)
 * @out_prec: NPU_PRECISION_INT32, _FP32 or _FP16
 * @out_size: bytes per output element
 * @out_c2: output elements per 16-byte channel group
 * @surf_stride: output atoms between two output channel groups
 * @in_va: input (feature) address
 * @w_va: weights address
 * @out_va: output address
 */
struct npu_gemm {
	u32 pixels, channels, kernels;
	u32 in_size, c2, tile_n;
	u32 out_prec, out_size, out_c2;
	u64 surf_stride;
	u64 in_va, w_va, out_va;
};

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

/* Precisions, modes and bypasses: what the model (and a matmul) uses. */
static u32 npu_gemm_check_modes(const u32 *regs, struct npu_gemm *g)
{
	u32 con1 = npu_reg(regs, NPU_CNA_CONV_CON1);
	u32 con3 = npu_reg(regs, NPU_CNA_CONV_CON3);
	u32 wsize2 = npu_reg(regs, NPU_CNA_WEIGHT_SIZE2);
	u32 pad = npu_reg(regs, NPU_CNA_PAD_CON0);
	u32 format = npu_reg(regs, NPU_DPU_DATA_FORMAT);
	u32 in = FIELD_GET(NPU_CNA_CONV_CON1_IN_PRECISION, con1);
	u32 out = FIELD_GET(NPU_DPU_DATA_FORMAT_OUT_PRECISION, format);
	bool to_fp16 = FIELD_GET(NPU_DPU_OUT_CVT_SCALE_FP32TOFP16_EN,
				 npu_reg(regs, NPU_DPU_OUT_CVT_SCALE));

	if (FIELD_GET(NPU_CNA_CONV_CON1_CONV_MODE, con1) ||
	    FIELD_GET(NPU_DPU_FEATURE_MODE_CFG_CONV_MODE,
		      npu_reg(regs, NPU_DPU_FEATURE_MODE_CFG)))
		return DRM_NPU_REASON_UNSUPPORTED;	/* not direct conv */
	if (FIELD_GET(NPU_CNA_CONV_CON3_CONV_X_STRIDE, con3) > 1 ||
	    FIELD_GET(NPU_CNA_CONV_CON3_CONV_Y_STRIDE, con3) > 1 ||
	    FIELD_GET(NPU_CNA_PAD_CON0_PAD_TOP, pad) ||
	    FIELD_GET(NPU_CNA_PAD_CON0_PAD_LEFT, pad) ||
	    FIELD_GET(NPU_CNA_WEIGHT_SIZE2_WEIGHT_HEIGHT, wsize2) != 1 ||
	    FIELD_GET(NPU_CNA_WEIGHT_SIZE2_WEIGHT_WIDTH, wsize2) != 1)
		return DRM_NPU_REASON_UNSUPPORTED;	/* not 1x1, stride 1 */
	if (!(npu_reg(regs, NPU_DPU_BS_CFG) & NPU_DPU_BX_CFG_BYPASS) ||
	    !(npu_reg(regs, NPU_DPU_BN_CFG) & NPU_DPU_BX_CFG_BYPASS) ||
	    !(npu_reg(regs, NPU_DPU_EW_CFG) & NPU_DPU_EW_CFG_EW_BYPASS))
		return DRM_NPU_REASON_UNSUPPORTED;	/* post-ops not modelled */

	if (in != NPU_PRECISION_INT8 && in != NPU_PRECISION_FP16)
		return DRM_NPU_REASON_UNSUPPORTED;
	if (FIELD_GET(NPU_CNA_CONV_CON1_PROC_PRECISION, con1) != in ||
	    FIELD_GET(NPU_CORE_MISC_CFG_PROC_PRECISION,
		      npu_reg(regs, NPU_CORE_MISC_CFG)) != in ||
	    FIELD_GET(NPU_DPU_DATA_FORMAT_PROC_PRECISION, format) != in ||
	    FIELD_GET(NPU_DPU_DATA_FORMAT_IN_PRECISION, format) != in)
		return DRM_NPU_REASON_INCONSISTENT;

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
	} else {
		return in == NPU_PRECISION_FP16 &&
		       (out == NPU_PRECISION_FP16 || out == NPU_PRECISION_FP32) ?
		       DRM_NPU_REASON_INCONSISTENT : DRM_NPU_REASON_UNSUPPORTED;
	}
	g->out_prec = out;
	g->out_c2 = NPU_ATOM / g->out_size;
	return DRM_NPU_REASON_NONE;
}

/* Sizes, agreement between blocks, and the CBUF. */
static u32 npu_gemm_check_sizes(const u32 *regs, struct npu_gemm *g)
{
	u32 size0 = npu_reg(regs, NPU_CNA_DATA_SIZE0);
	u32 cbuf = npu_reg(regs, NPU_CNA_CBUF_CON0);
	u32 out0 = npu_reg(regs, NPU_CORE_DATAOUT_SIZE_0);
	u32 h = FIELD_GET(NPU_CNA_DATA_SIZE0_DATAIN_HEIGHT, size0);
	u32 w = FIELD_GET(NPU_CNA_DATA_SIZE0_DATAIN_WIDTH, size0);
	u32 data_banks = FIELD_GET(NPU_CNA_CBUF_CON0_DATA_BANK, cbuf);
	u32 weight_banks = FIELD_GET(NPU_CNA_CBUF_CON0_WEIGHT_BANK, cbuf);
	u64 kernel_bytes;

	g->channels = FIELD_GET(NPU_CNA_DATA_SIZE1_DATAIN_CHANNEL,
				npu_reg(regs, NPU_CNA_DATA_SIZE1));
	g->kernels = FIELD_GET(NPU_CNA_WEIGHT_SIZE2_WEIGHT_KERNELS,
			       npu_reg(regs, NPU_CNA_WEIGHT_SIZE2));
	g->pixels = h * w;
	if (!g->pixels || !g->channels || !g->kernels)
		return DRM_NPU_REASON_INCONSISTENT;
	/* Weight tiles are 32 channels deep; input groups are 16 bytes. */
	if (g->channels % NPU_WEIGHT_TILE_C)
		return DRM_NPU_REASON_UNSUPPORTED;
	/* The DPU channel fields are narrower than the CNA kernel count. */
	if (g->kernels - 1 > FIELD_MAX(NPU_DPU_DATA_CUBE_CHANNEL_CHANNEL))
		return DRM_NPU_REASON_LIMIT;

	if (FIELD_GET(NPU_CORE_DATAOUT_SIZE_0_DATAOUT_WIDTH, out0) + 1 != w ||
	    FIELD_GET(NPU_CORE_DATAOUT_SIZE_0_DATAOUT_HEIGHT, out0) + 1 != h ||
	    FIELD_GET(NPU_CORE_DATAOUT_SIZE_1_DATAOUT_CHANNEL,
		      npu_reg(regs, NPU_CORE_DATAOUT_SIZE_1)) + 1 != g->kernels ||
	    FIELD_GET(NPU_DPU_DATA_CUBE_CHANNEL_CHANNEL,
		      npu_reg(regs, NPU_DPU_DATA_CUBE_CHANNEL)) + 1 != g->kernels)
		return DRM_NPU_REASON_INCONSISTENT;

	kernel_bytes = (u64)g->channels * g->in_size;
	if (npu_reg(regs, NPU_CNA_WEIGHT_SIZE1) != kernel_bytes ||
	    npu_reg(regs, NPU_CNA_WEIGHT_SIZE0) != kernel_bytes * g->kernels)
		return DRM_NPU_REASON_INCONSISTENT;

	if (!data_banks || !weight_banks ||
	    data_banks + weight_banks > NPU_CBUF_BANKS ||
	    (u64)g->pixels * kernel_bytes >
	    (u64)data_banks * NPU_CBUF_BANK_SIZE ||
	    kernel_bytes > (u64)weight_banks * NPU_CBUF_BANK_SIZE)
		return DRM_NPU_REASON_CBUF;

	g->surf_stride = FIELD_GET(NPU_DPU_DST_SURF_STRIDE_DST_SURF_STRIDE,
				   npu_reg(regs, NPU_DPU_DST_SURF_STRIDE));
	if (g->surf_stride < g->pixels)
		return DRM_NPU_REASON_INCONSISTENT;	/* groups would overlap */

	g->in_va = npu_reg(regs, NPU_CNA_FEATURE_DATA_ADDR);
	g->w_va = npu_reg(regs, NPU_CNA_DCOMP_ADDR0);
	g->out_va = npu_reg(regs, NPU_DPU_DST_BASE_ADDR);
	return DRM_NPU_REASON_NONE;
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

/**
 * npu_sim_gemm_run() - execute the operation a task's registers describe
 * @core: the core, for progress reports
 * @regs: the core's register file after operation enable
 * @mem: the task's view of device memory
 * @bad_va: out: faulting address for %NPU_TASK_MMU_FAULT
 * @reason: out: &enum drm_npu_job_reason for %NPU_TASK_INVALID
 *
 * Return: how the task ended.
 */
enum npu_task_result npu_sim_gemm_run(struct npu_core *core,
				      const u32 *regs,
				      struct npu_sim_mem *mem,
				      u64 *bad_va, u32 *reason)
{
	struct npu_gemm g = { };
	struct npu_gemm_bufs b;
	size_t in_bytes, w_bytes;
	void *raw;
	u32 n0;
	int ret = 0;

	*reason = npu_gemm_check_modes(regs, &g);
	if (*reason == DRM_NPU_REASON_NONE)
		*reason = npu_gemm_check_sizes(regs, &g);
	if (*reason != DRM_NPU_REASON_NONE)
		return NPU_TASK_INVALID;

	in_bytes = (size_t)g.pixels * g.channels * g.in_size;
	w_bytes = (size_t)g.tile_n * g.channels * g.in_size;
	raw = kvmalloc(in_bytes, GFP_KERNEL);
	b.in = kvmalloc(in_bytes, GFP_KERNEL);
	b.tile = kvmalloc(w_bytes, GFP_KERNEL);
	b.w = kvmalloc(w_bytes, GFP_KERNEL);
	b.out = kvmalloc((size_t)g.pixels * NPU_ATOM, GFP_KERNEL);
	if (!raw || !b.in || !b.tile || !b.w || !b.out) {
		ret = -ENOMEM;
		goto out;
	}
	ret = npu_sim_mem_read(mem, g.in_va, raw, in_bytes, bad_va);
	if (!ret)
		npu_gemm_rows(&g, raw, b.in, g.pixels, false);
	for (n0 = 0; !ret && n0 < g.kernels; n0 += g.tile_n)
		ret = npu_gemm_group(core, mem, &g, &b, n0, bad_va);
out:
	kvfree(b.out);
	kvfree(b.w);
	kvfree(b.tile);
	kvfree(b.in);
	kvfree(raw);
	if (ret == -EFAULT)
		return NPU_TASK_MMU_FAULT;
	return ret ? NPU_TASK_ERROR : NPU_TASK_OK;
}
