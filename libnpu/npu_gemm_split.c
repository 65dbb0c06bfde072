// SPDX-License-Identifier: MIT
/*
 * GEMMs split over the dies of a group.
 *
 * C[m][n] = sum_k A[m][k] B[n][k] with N cut into one slice of columns per
 * die: die d holds rows n0[d] .. n0[d+1]-1 of B in its own memory (its
 * own plan, on its own device) and computes those columns of C.  Each
 * output element is the same dot product, in the same order, as on one
 * die, so the split changes where C is computed, never its value.
 *
 * A run submits every die's jobs before waiting for any, so the dies work
 * at the same time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "npu_gemm_priv.h"
#include "npu_priv.h"

/* Slices are whole multiples of the widest weight tile (int8: 32 kernels). */
#define NPU_SPLIT_ALIGN	32

_Static_assert(NPU_GROUP_MAX_DIES == 8,
	       "struct npu_gemm_split_info is sized for 8 dies");

struct npu_gemm_split {
	struct npu_device_group *group;
	struct npu_gemm_desc desc;
	uint32_t dies;
	uint32_t n0[NPU_GROUP_MAX_DIES + 1];
	struct npu_gemm_plan *plan[NPU_GROUP_MAX_DIES];
	void *c_part[NPU_GROUP_MAX_DIES];	/* [m][n_d]; NULL when m == 1 */
	uint32_t fault_die;
	bool shared_input;	/* dies 1.. read die 0's input BO */
};

static size_t npu_type_size(uint32_t type)
{
	switch (type) {
	case NPU_DTYPE_INT8:
		return 1;
	case NPU_DTYPE_FP16:
		return 2;
	default:
		return 4;
	}
}

NPU_PUBLIC void npu_gemm_split_destroy(struct npu_gemm_split *s)
{
	uint32_t d;

	if (!s)
		return;
	for (d = 0; d < NPU_GROUP_MAX_DIES; d++) {
		npu_gemm_plan_destroy(s->plan[d]);
		free(s->c_part[d]);
	}
	npu_device_group_unref(s->group);
	free(s);
}

NPU_PUBLIC int npu_gemm_split_cut(uint32_t n, uint32_t dies, uint32_t *n0)
{
	uint32_t units, used, d;

	if (!n0 || !n || !dies || dies > NPU_GROUP_MAX_DIES)
		return -EINVAL;
	/* Whole tiles of rows, spread as evenly as they go. */
	units = (n + NPU_SPLIT_ALIGN - 1) / NPU_SPLIT_ALIGN;
	used = dies < units ? dies : units;
	for (d = 0; d < used; d++)
		n0[d] = (uint32_t)((uint64_t)units * d / used) * NPU_SPLIT_ALIGN;
	n0[used] = n;
	return (int)used;
}

/*
 * One packed input for all dies: die 0's input BO, imported by the others
 * through dma-buf.  Where the kernel or the layouts do not allow it, each
 * die keeps packing its own copy.
 */
static void npu_split_share_input(struct npu_gemm_split *s)
{
	uint32_t d;
	int ret = 0;

	for (d = 1; !ret && d < s->dies; d++)
		ret = npu_gemm_plan_share_input(s->plan[d], s->plan[0]);
	s->shared_input = s->dies > 1 && !ret;
	if (ret)
		npu_dbg("gemm split: die %u packs its own input: %s", d - 1,
			strerror(-ret));
}

NPU_PUBLIC int npu_gemm_split_new(struct npu_device_group *group,
				  const struct npu_gemm_desc *desc,
				  uint32_t dies, uint32_t cores,
				  struct npu_gemm_split **split)
{
	struct npu_gemm_split *s;
	int count = npu_device_group_count(group);
	uint32_t d;
	int ret;

	if (split)
		*split = NULL;
	if (!group || !desc || !split || count <= 0)
		return -EINVAL;
	ret = npu_gemm_supported(desc);
	if (ret)
		return ret;
	if (!dies || dies > (uint32_t)count)
		dies = (uint32_t)count;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->group = npu_device_group_ref(group);
	s->desc = *desc;
	s->dies = (uint32_t)npu_gemm_split_cut(desc->n, dies, s->n0);
	for (d = 0; d < s->dies; d++) {
		struct npu_gemm_desc part = *desc;

		part.n = s->n0[d + 1] - s->n0[d];
		ret = npu_gemm_plan_new(npu_device_group_device(group, d), &part,
					cores, &s->plan[d]);
		if (ret) {
			npu_dbg("gemm split: die %u, %ux%ux%u: %s", d, part.m,
				part.k, part.n, strerror(-ret));
			goto err;
		}
		if (desc->m > 1) {
			s->c_part[d] = malloc((size_t)part.m * part.n *
					      npu_type_size(desc->out_type));
			if (!s->c_part[d]) {
				ret = -ENOMEM;
				goto err;
			}
		}
	}
	npu_split_share_input(s);
	*split = s;
	return 0;
err:
	npu_gemm_split_destroy(s);
	return ret;
}

NPU_PUBLIC int npu_gemm_split_set_weights(struct npu_gemm_split *s,
					  const void *b)
{
	size_t row = npu_type_size(s ? s->desc.in_type : 0);
	uint32_t d;
	int ret;

	if (!s || !b)
		return -EINVAL;
	row *= s->desc.k;
	for (d = 0; d < s->dies; d++) {
		ret = npu_gemm_plan_set_weights(s->plan[d], (const char *)b +
						(size_t)s->n0[d] * row);
		if (ret)
			return ret;
	}
	return 0;
}

NPU_PUBLIC int npu_gemm_split_set_die_weights(struct npu_gemm_split *s,
					      unsigned int die, const void *b)
{
	if (!s || !b || die >= s->dies)
		return -EINVAL;
	return npu_gemm_plan_set_weights(s->plan[die], b);
}

/* Die @d's columns of C, from its own [m][n_d] result. */
static void npu_split_gather(const struct npu_gemm_split *s, uint32_t d,
			     void *c)
{
	size_t es = npu_type_size(s->desc.out_type);
	size_t nd = s->n0[d + 1] - s->n0[d];
	uint32_t i;

	for (i = 0; i < s->desc.m; i++)
		memcpy((char *)c + ((size_t)i * s->desc.n + s->n0[d]) * es,
		       (const char *)s->c_part[d] + (size_t)i * nd * es,
		       nd * es);
}

NPU_PUBLIC int npu_gemm_split_run(struct npu_gemm_split *s, const void *a,
				  void *c)
{
	size_t es = npu_type_size(s ? s->desc.out_type : 0);
	uint32_t d, submitted;
	int ret = 0, r;

	if (!s || !a || !c)
		return -EINVAL;
	for (submitted = 0; submitted < s->dies; submitted++) {
		ret = npu_gemm_plan_submit(s->plan[submitted], a);
		if (ret) {
			s->fault_die = submitted;
			break;
		}
	}
	/* Wait for everything that was queued, even after a failure. */
	for (d = 0; d < submitted; d++) {
		void *out = s->c_part[d] ? s->c_part[d] :
			    (char *)c + (size_t)s->n0[d] * es;

		r = npu_gemm_plan_wait(s->plan[d], out);
		if (r && !ret) {
			ret = r;
			s->fault_die = d;
		}
		if (!r && s->c_part[d])
			npu_split_gather(s, d, c);
	}
	return ret;
}

NPU_PUBLIC int npu_gemm_split_get_stats(const struct npu_gemm_split *s,
					unsigned int die,
					struct npu_gemm_stats *stats)
{
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!s || !stats || die >= s->dies)
		return -EINVAL;
	return npu_gemm_plan_get_stats(s->plan[die], stats);
}

NPU_PUBLIC int npu_gemm_split_info(const struct npu_gemm_split *s,
				   struct npu_gemm_split_info *info)
{
	uint32_t d;

	if (!s || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->dies = s->dies;
	info->shared_input = s->shared_input;
	for (d = 0; d <= s->dies; d++)
		info->n0[d] = s->n0[d];
	for (d = 0; d < s->dies; d++)
		npu_gemm_plan_info(s->plan[d], &info->die[d]);
	return 0;
}

NPU_PUBLIC int npu_gemm_split_last_fault(const struct npu_gemm_split *s,
					 uint32_t *die, uint32_t *status,
					 uint32_t *reason, uint64_t *fault_va)
{
	if (!s || !die)
		return -EINVAL;
	*die = s->fault_die;
	return npu_gemm_plan_last_fault(s->plan[s->fault_die], status, reason,
					fault_va);
}
