// SPDX-License-Identifier: MIT
/*
 * Buffer objects.
 *
 * A device keeps one &struct npu_bo per GEM handle in a table, so that
 * importing a buffer it already has (GEM answers with the same handle)
 * gives back the same object rather than a second owner of the handle.
 *
 * Lifetime: references are taken and dropped with atomics, except the
 * last one.  A reference count drops from 1 to 0 only with the device's
 * bo_lock held, and lookups take their reference under that lock, so a
 * BO found in the table is never one being freed; the handle is closed
 * under the lock too, so that an import cannot get a handle number that
 * is about to be closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "npu_priv.h"

_Static_assert(NPU_BO_CPU_READ == DRM_NPU_CPU_READ, "cpu op");
_Static_assert(NPU_BO_CPU_WRITE == DRM_NPU_CPU_WRITE, "cpu op");

#define NPU_BO_CPU_OPS	(NPU_BO_CPU_READ | NPU_BO_CPU_WRITE)

static unsigned int npu_bo_bucket(uint32_t handle)
{
	return handle % NPU_BO_BUCKETS;
}

struct npu_bo *libnpu_bo_lookup_locked(struct npu_device *dev, uint32_t handle)
{
	struct npu_bo *bo;

	for (bo = dev->bo_table[npu_bo_bucket(handle)]; bo; bo = bo->next) {
		if (bo->handle == handle) {
			atomic_fetch_add_explicit(&bo->refcount, 1,
						  memory_order_relaxed);
			return bo;
		}
	}
	return NULL;
}

int libnpu_bo_wrap_locked(struct npu_device *dev, uint32_t handle,
		       uint64_t size, uint64_t mmap_offset,
		       struct npu_bo **bo)
{
	struct npu_bo *b;
	unsigned int bucket;

	if (!bo)
		return -EINVAL;
	*bo = NULL;
	if (!dev || !handle)
		return -EINVAL;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	atomic_init(&b->refcount, 1);
	atomic_init(&b->map, NULL);
	b->dev = npu_device_ref(dev);
	b->handle = handle;
	b->size = size;
	b->mmap_offset = mmap_offset;

	bucket = npu_bo_bucket(handle);
	b->next = dev->bo_table[bucket];
	dev->bo_table[bucket] = b;
	*bo = b;
	return 0;
}

static void npu_bo_table_remove(struct npu_device *dev, struct npu_bo *bo)
{
	struct npu_bo **link = &dev->bo_table[npu_bo_bucket(bo->handle)];

	while (*link && *link != bo)
		link = &(*link)->next;
	if (*link)
		*link = bo->next;
}

static void npu_gem_close(struct npu_device *dev, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };
	int ret;

	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_GEM_CLOSE, &args);
	if (ret)
		libnpu_dbg("bo %u: DRM_IOCTL_GEM_CLOSE: %s", handle,
			strerror(-ret));
}

/*
 * Wrap a handle the caller owns and the table lacks; with bo_lock held.
 * On failure the handle is closed.
 */
static int npu_bo_from_new_handle(struct npu_device *dev, uint32_t handle,
				  struct npu_bo **bo)
{
	struct drm_npu_bo_info info = { .handle = handle };
	int ret;

	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_NPU_BO_INFO, &info);
	if (ret)
		libnpu_dbg("bo %u: DRM_NPU_BO_INFO: %s", handle, strerror(-ret));
	else
		ret = libnpu_bo_wrap_locked(dev, handle, info.size,
					 info.mmap_offset, bo);
	if (ret)
		npu_gem_close(dev, handle);
	return ret;
}

NPU_PUBLIC int npu_bo_new(struct npu_device *dev, uint64_t size,
			  uint32_t flags, struct npu_bo **bo)
{
	struct drm_npu_bo_create create = { .size = size };
	int ret;

	if (!bo)
		return -EINVAL;
	*bo = NULL;
	if (!dev || !size || (flags & ~NPU_BO_PLACEMENT_ANY)) {
		libnpu_dbg("bo_new: size %llu flags %#x",
			(unsigned long long)size, flags);
		return -EINVAL;
	}
	create.placement = (flags & NPU_BO_PLACEMENT_ANY) ?
			   DRM_NPU_BO_PLACEMENT_ANY : DRM_NPU_BO_PLACEMENT_DIE;

	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_NPU_BO_CREATE, &create);
	if (ret) {
		libnpu_dbg("bo_new: DRM_NPU_BO_CREATE of %llu bytes: %s",
			(unsigned long long)size, strerror(-ret));
		return ret;
	}

	pthread_mutex_lock(&dev->bo_lock);
	ret = npu_bo_from_new_handle(dev, create.handle, bo);
	pthread_mutex_unlock(&dev->bo_lock);
	return ret;
}

NPU_PUBLIC struct npu_bo *npu_bo_ref(struct npu_bo *bo)
{
	if (bo)
		atomic_fetch_add_explicit(&bo->refcount, 1,
					  memory_order_relaxed);
	return bo;
}

NPU_PUBLIC void npu_bo_unref(struct npu_bo *bo)
{
	struct npu_device *dev;
	unsigned int old;
	void *map;

	if (!bo)
		return;

	/* Not the last reference: no lock. */
	old = atomic_load_explicit(&bo->refcount, memory_order_relaxed);
	while (old > 1) {
		if (atomic_compare_exchange_weak_explicit(&bo->refcount, &old,
							  old - 1,
							  memory_order_release,
							  memory_order_relaxed))
			return;
	}

	/* Maybe the last one: a lookup may take a new one meanwhile. */
	dev = bo->dev;
	pthread_mutex_lock(&dev->bo_lock);
	if (atomic_fetch_sub_explicit(&bo->refcount, 1,
				      memory_order_acq_rel) != 1) {
		pthread_mutex_unlock(&dev->bo_lock);
		return;
	}
	npu_bo_table_remove(dev, bo);
	npu_gem_close(dev, bo->handle);
	pthread_mutex_unlock(&dev->bo_lock);

	map = atomic_load_explicit(&bo->map, memory_order_acquire);
	if (map)
		munmap(map, bo->size);
	free(bo);
	npu_device_unref(dev);
}

NPU_PUBLIC uint32_t npu_bo_handle(const struct npu_bo *bo)
{
	return bo ? bo->handle : 0;
}

NPU_PUBLIC uint64_t npu_bo_size(const struct npu_bo *bo)
{
	return bo ? bo->size : 0;
}

NPU_PUBLIC int npu_bo_map(struct npu_bo *bo, void **ptr)
{
	void *map, *expected = NULL;
	int ret;

	if (!ptr)
		return -EINVAL;
	*ptr = NULL;
	if (!bo)
		return -EINVAL;

	map = atomic_load_explicit(&bo->map, memory_order_acquire);
	if (map) {
		*ptr = map;
		return 0;
	}
	if (!bo->size || (uint64_t)(size_t)bo->size != bo->size)
		return -EINVAL;

	map = mmap(NULL, (size_t)bo->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   bo->dev->fd, (off_t)bo->mmap_offset);
	if (map == MAP_FAILED) {
		ret = -errno;
		libnpu_dbg("bo %u: mmap of %llu bytes: %s", bo->handle,
			(unsigned long long)bo->size, strerror(-ret));
		return ret;
	}
	/* Another thread may have mapped it meanwhile: keep its mapping. */
	if (!atomic_compare_exchange_strong_explicit(&bo->map, &expected, map,
						     memory_order_acq_rel,
						     memory_order_acquire)) {
		munmap(map, (size_t)bo->size);
		map = expected;
	}
	*ptr = map;
	return 0;
}

NPU_PUBLIC int npu_bo_cpu_prep(struct npu_bo *bo, uint32_t op,
			       int64_t timeout_ns)
{
	struct drm_npu_bo_cpu_prep args;
	int ret;

	if (!bo || !op || (op & ~NPU_BO_CPU_OPS))
		return -EINVAL;

	args.handle = bo->handle;
	args.flags = op;
	args.timeout_ns = libnpu_abs_timeout(timeout_ns);
	ret = libnpu_do_ioctl(bo->dev->fd, DRM_IOCTL_NPU_BO_CPU_PREP, &args);
	if (ret && ret != -EBUSY && ret != -ETIME)
		libnpu_dbg("bo %u: DRM_NPU_BO_CPU_PREP: %s", bo->handle,
			strerror(-ret));
	return ret;
}

NPU_PUBLIC int npu_bo_cpu_fini(struct npu_bo *bo, uint32_t op)
{
	struct drm_npu_bo_cpu_fini args;
	int ret;

	if (!bo || !op || (op & ~NPU_BO_CPU_OPS))
		return -EINVAL;

	args.handle = bo->handle;
	args.flags = op;
	ret = libnpu_do_ioctl(bo->dev->fd, DRM_IOCTL_NPU_BO_CPU_FINI, &args);
	if (ret)
		libnpu_dbg("bo %u: DRM_NPU_BO_CPU_FINI: %s", bo->handle,
			strerror(-ret));
	return ret;
}

/*
 * CPU access of the library to a BO it fills or reads itself: on a
 * device that does not snoop the CPU's caches (no NPU_CAP_COHERENT) the
 * access is bracketed by CPU_PREP and CPU_FINI, elsewhere it costs
 * nothing.  The library touches such a BO only while no job of its own
 * uses it, so the wait returns at once.
 */
int libnpu_bo_cpu_begin(struct npu_bo *bo, uint32_t op)
{
	if (bo->dev->info.caps & DRM_NPU_CAP_COHERENT)
		return 0;
	return npu_bo_cpu_prep(bo, op, -1);
}

int libnpu_bo_cpu_end(struct npu_bo *bo, uint32_t op)
{
	if (bo->dev->info.caps & DRM_NPU_CAP_COHERENT)
		return 0;
	return npu_bo_cpu_fini(bo, op);
}

NPU_PUBLIC int npu_bo_export_dmabuf(struct npu_bo *bo, int *fd)
{
	struct drm_prime_handle args = { 0 };
	int ret;

	if (!fd)
		return -EINVAL;
	*fd = -1;
	if (!bo)
		return -EINVAL;

	args.handle = bo->handle;
	args.flags = DRM_CLOEXEC | DRM_RDWR;
	ret = libnpu_do_ioctl(bo->dev->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args);
	if (ret) {
		libnpu_dbg("bo %u: DRM_IOCTL_PRIME_HANDLE_TO_FD: %s", bo->handle,
			strerror(-ret));
		return ret;
	}
	*fd = args.fd;
	return 0;
}

NPU_PUBLIC int npu_bo_import_dmabuf(struct npu_device *dev, int fd,
				    struct npu_bo **bo)
{
	struct drm_prime_handle args = { 0 };
	int ret;

	if (!bo)
		return -EINVAL;
	*bo = NULL;
	if (!dev)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;

	/*
	 * The lock covers the ioctl: the handle it returns cannot be closed
	 * by a concurrent last unref before we look it up.
	 */
	pthread_mutex_lock(&dev->bo_lock);
	args.fd = fd;
	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args);
	if (ret) {
		libnpu_dbg("fd %d: DRM_IOCTL_PRIME_FD_TO_HANDLE: %s", fd,
			strerror(-ret));
	} else {
		*bo = libnpu_bo_lookup_locked(dev, args.handle);
		if (!*bo)
			ret = npu_bo_from_new_handle(dev, args.handle, bo);
	}
	pthread_mutex_unlock(&dev->bo_lock);
	return ret;
}
