// SPDX-License-Identifier: MIT
/*
 * GEMM weights: B packed once, cut over the dies of a group.
 *
 * Die d holds rows n0[d] .. n0[d+1]-1 of B in one BO of its own memory,
 * in the weight-tile layout (npu_gemm_pack.c), mapped read-only in one VM
 * of the die.  The layout depends on K, the die's N and the type only,
 * never on M, so every plan on the weights, whatever its M, reads the
 * same bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

/* Slices are whole multiples of the widest weight tile (int8: 32 kernels). */
#define NPU_CUT_ALIGN	32

NPU_PUBLIC int npu_gemm_cut(uint32_t n, uint32_t dies, uint32_t *n0)
{
	uint32_t units, used, d;

	if (!n0 || !n || !dies || dies > NPU_GROUP_MAX_DIES)
		return -EINVAL;
	/* Whole tiles of rows, spread as evenly as they go. */
	units = (n + NPU_CUT_ALIGN - 1) / NPU_CUT_ALIGN;
	used = dies < units ? dies : units;
	for (d = 0; d < used; d++)
		n0[d] = (uint32_t)((uint64_t)units * d / used) * NPU_CUT_ALIGN;
	n0[used] = n;
	return (int)used;
}

static void npu_wdie_fini(struct npu_gemm_wdie *wd)
{
	if (wd->va)
		npu_vm_unmap(wd->vm, wd->va, npu_bo_size(wd->bo));
	npu_bo_unref(wd->bo);
	npu_vm_unref(wd->vm);
	libnpu_gemm_tiling_fini(&wd->t);
	memset(wd, 0, sizeof(*wd));
}

/*
 * Map @bo read-only in the device's default VM, or in a new VM when that
 * one is full: so that weights together can exceed one 4 GiB space.
 */
static int npu_wdie_map(struct npu_gemm_wdie *wd, struct npu_device *dev)
{
	uint64_t size = npu_bo_size(wd->bo);
	int ret;

	ret = npu_vm_default(dev, &wd->vm);
	if (!ret)
		ret = npu_vm_map(wd->vm, wd->bo, 0, size, NPU_MAP_READ, &wd->va);
	if (ret != -ENOSPC)
		return ret;
	npu_vm_unref(wd->vm);
	ret = npu_vm_new(dev, &wd->vm);
	if (ret)
		return ret;
	libnpu_dbg("gemm weights: default VM full, using VM %u", npu_vm_id(wd->vm));
	return npu_vm_map(wd->vm, wd->bo, 0, size, NPU_MAP_READ, &wd->va);
}

static int npu_wdie_init(struct npu_gemm_wdie *wd, struct npu_device *dev,
			 const struct npu_gemm_weights_desc *desc, uint32_t n)
{
	struct npu_gemm_desc shape = {
		.m = 1, .k = desc->k, .n = n, .in_type = desc->in_type,
		.out_type = desc->in_type == NPU_DTYPE_INT8 ? NPU_DTYPE_INT32 :
							      NPU_DTYPE_FP32,
	};
	int ret;

	wd->dev = dev;
	ret = libnpu_gemm_tile(&shape, 1, 0, &wd->t);
	if (!ret)
		ret = npu_bo_new(dev, wd->t.w_bytes, 0, &wd->bo);
	if (!ret)
		ret = npu_bo_map(wd->bo, &wd->cpu);
	if (!ret)
		ret = npu_wdie_map(wd, dev);
	return ret;
}

NPU_PUBLIC void npu_gemm_weights_unref(struct npu_gemm_weights *w)
{
	uint32_t d;

	if (!w || atomic_fetch_sub(&w->refcount, 1) != 1)
		return;
	for (d = 0; d < w->dies; d++)
		npu_wdie_fini(&w->die[d]);
	npu_device_group_unref(w->group);
	free(w);
}

NPU_PUBLIC struct npu_gemm_weights *
npu_gemm_weights_ref(struct npu_gemm_weights *w)
{
	if (w)
		atomic_fetch_add(&w->refcount, 1);
	return w;
}

NPU_PUBLIC int npu_gemm_weights_new(struct npu_device_group *group,
				    const struct npu_gemm_weights_desc *desc,
				    struct npu_gemm_weights **weights)
{
	int count = npu_device_group_count(group);
	struct npu_gemm_desc shape;
	struct npu_gemm_weights *w;
	uint32_t d, dies;
	int ret;

	if (!weights)
		return -EINVAL;
	*weights = NULL;
	if (!group || !desc || count <= 0 ||
	    !libnpu_zeroed(desc->reserved, sizeof(desc->reserved)))
		return -EINVAL;
	if (desc->dies > (uint32_t)count) {
		libnpu_dbg("gemm weights: %u dies, the group has %d", desc->dies,
			count);
		return -EINVAL;
	}
	shape = (struct npu_gemm_desc){
		.m = 1, .k = desc->k, .n = desc->n, .in_type = desc->in_type,
		.out_type = desc->in_type == NPU_DTYPE_INT8 ? NPU_DTYPE_INT32 :
							      NPU_DTYPE_FP32,
	};
	ret = npu_gemm_supported(&shape);
	if (ret)
		return ret;
	dies = desc->dies ? desc->dies : (uint32_t)count;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	atomic_init(&w->refcount, 1);
	w->group = npu_device_group_ref(group);
	w->desc = *desc;
	w->dies = (uint32_t)npu_gemm_cut(desc->n, dies, w->n0);
	for (d = 0; d < w->dies; d++) {
		ret = npu_wdie_init(&w->die[d], npu_device_group_device(group, d),
				    desc, w->n0[d + 1] - w->n0[d]);
		if (ret) {
			libnpu_dbg("gemm weights: die %u, %ux%u: %s", d, desc->k,
				w->n0[d + 1] - w->n0[d], strerror(-ret));
			w->dies = d + 1;	/* what to free */
			npu_gemm_weights_unref(w);
			return ret;
		}
	}
	*weights = w;
	return 0;
}

/* Pack die @die's rows of B, bracketed for a device that does not snoop. */
static int npu_wdie_pack(struct npu_gemm_weights *w, unsigned int die,
			 const void *b)
{
	struct npu_gemm_wdie *wd = &w->die[die];
	int ret = libnpu_bo_cpu_begin(wd->bo, NPU_BO_CPU_WRITE);

	if (ret)
		return ret;
	libnpu_gemm_pack_weights(&wd->t, b, wd->cpu);
	return libnpu_bo_cpu_end(wd->bo, NPU_BO_CPU_WRITE);
}

NPU_PUBLIC int npu_gemm_weights_set_die(struct npu_gemm_weights *w,
					unsigned int die, const void *b)
{
	if (!w || !b || die >= w->dies)
		return -EINVAL;
	return npu_wdie_pack(w, die, b);
}

NPU_PUBLIC int npu_gemm_weights_set(struct npu_gemm_weights *w, const void *b)
{
	size_t row;
	uint32_t d;
	int ret;

	if (!w || !b)
		return -EINVAL;
	row = (size_t)w->desc.k * libnpu_dtype_size(w->desc.in_type);
	for (d = 0; d < w->dies; d++) {
		ret = npu_wdie_pack(w, d, (const char *)b + (size_t)w->n0[d] * row);
		if (ret)
			return ret;
	}
	return 0;
}

NPU_PUBLIC int npu_gemm_weights_get_row(struct npu_gemm_weights *w, uint32_t n,
					void *row)
{
	struct npu_gemm_wdie *wd;
	uint32_t d = 0;
	int ret;

	if (!w || !row || n >= w->desc.n)
		return -EINVAL;
	while (n >= w->n0[d + 1])
		d++;
	wd = &w->die[d];
	ret = libnpu_bo_cpu_begin(wd->bo, NPU_BO_CPU_READ);
	if (ret)
		return ret;
	libnpu_gemm_unpack_weight_row(&wd->t, wd->cpu, n - w->n0[d], row);
	return libnpu_bo_cpu_end(wd->bo, NPU_BO_CPU_READ);
}

NPU_PUBLIC int npu_gemm_weights_info(const struct npu_gemm_weights *w,
				     struct npu_gemm_weights_info *info)
{
	uint32_t d;

	if (!w || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->dies = w->dies;
	for (d = 0; d <= w->dies; d++)
		info->n0[d] = w->n0[d];
	for (d = 0; d < w->dies; d++) {
		info->bytes[d] = npu_bo_size(w->die[d].bo);
		info->vm_id[d] = npu_vm_id(w->die[d].vm);
	}
	return 0;
}
