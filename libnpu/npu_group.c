// SPDX-License-Identifier: MIT
/*
 * Device groups: every die of one package, opened together.
 *
 * Dies of one chip answer the same NPU_PARAM_PACKAGE_ID and say how many
 * dies the package has; a group holds them in die-index order, so that
 * group device i is die i.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"

/**
 * struct npu_device_group - the dies of one package
 * @refcount: references
 * @count: dies
 * @dev: the dies, by die index, one reference each
 */
struct npu_device_group {
	atomic_uint refcount;
	unsigned int count;
	struct npu_device *dev[NPU_GROUP_MAX_DIES];
};

static void npu_group_free(struct npu_device_group *g)
{
	unsigned int i;

	for (i = 0; i < NPU_GROUP_MAX_DIES; i++)
		npu_device_unref(g->dev[i]);
	free(g);
}

/* Put @dev, a die of @g's package, in its slot; consumes the reference. */
static int npu_group_add(struct npu_device_group *g, struct npu_device *dev)
{
	uint32_t die = dev->info.die_index;

	if (die >= NPU_GROUP_MAX_DIES || g->dev[die]) {
		libnpu_dbg("group: die index %u of %s twice or out of range", die,
			dev->path ? dev->path : "?");
		npu_device_unref(dev);
		return -EIO;
	}
	g->dev[die] = dev;
	g->count++;
	return 0;
}

NPU_PUBLIC int npu_device_group_open(unsigned int index,
				     struct npu_device_group **group)
{
	struct npu_device_group *g;
	struct npu_device *first;
	unsigned int i, want;
	int n, ret;

	if (!group)
		return -EINVAL;
	*group = NULL;
	ret = npu_device_open(index, &first);
	if (ret)
		return ret;
	want = first->info.die_count ? first->info.die_count : 1;
	if (want > NPU_GROUP_MAX_DIES) {
		libnpu_dbg("group: %u dies, at most %d", want, NPU_GROUP_MAX_DIES);
		npu_device_unref(first);
		return -E2BIG;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		npu_device_unref(first);
		return -ENOMEM;
	}
	atomic_init(&g->refcount, 1);
	ret = npu_group_add(g, first);

	n = npu_device_count();
	for (i = 0; !ret && n > 0 && i < (unsigned int)n && g->count < want; i++) {
		struct npu_device *d;

		if (i == index || npu_device_open(i, &d))
			continue;
		if (d->info.package_id != first->info.package_id) {
			npu_device_unref(d);
			continue;
		}
		ret = npu_group_add(g, d);
	}
	for (i = 0; !ret && i < want; i++) {
		if (!g->dev[i]) {
			libnpu_dbg("group: package %llu has %u dies, die %u not found",
				(unsigned long long)first->info.package_id,
				want, i);
			ret = -ENODEV;
		}
	}
	if (ret) {
		npu_group_free(g);
		return ret;
	}
	*group = g;
	return 0;
}

NPU_PUBLIC int npu_device_group_new(struct npu_device *const *devs,
				    unsigned int count,
				    struct npu_device_group **group)
{
	struct npu_device_group *g;
	unsigned int i, j;

	if (!group)
		return -EINVAL;
	*group = NULL;
	if (!devs || !count || count > NPU_GROUP_MAX_DIES)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (!devs[i])
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (devs[j] == devs[i])
				return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	atomic_init(&g->refcount, 1);
	for (i = 0; i < count; i++)
		g->dev[i] = npu_device_ref(devs[i]);
	g->count = count;
	*group = g;
	return 0;
}

NPU_PUBLIC struct npu_device_group *
npu_device_group_ref(struct npu_device_group *group)
{
	if (group)
		atomic_fetch_add(&group->refcount, 1);
	return group;
}

NPU_PUBLIC void npu_device_group_unref(struct npu_device_group *group)
{
	if (group && atomic_fetch_sub(&group->refcount, 1) == 1)
		npu_group_free(group);
}

NPU_PUBLIC int npu_device_group_count(const struct npu_device_group *group)
{
	return group ? (int)group->count : -EINVAL;
}

NPU_PUBLIC struct npu_device *
npu_device_group_device(const struct npu_device_group *group, unsigned int die)
{
	if (!group || die >= group->count)
		return NULL;
	return group->dev[die];
}
