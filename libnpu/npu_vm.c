// SPDX-License-Identifier: MIT
/*
 * VMs: device address spaces.
 *
 * The default VM of a device is embedded in it, so that it needs no
 * allocation and no reference cycle: its references are references to
 * the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "npu_priv.h"

_Static_assert(NPU_MAP_READ == DRM_NPU_MAP_READ, "map flag");
_Static_assert(NPU_MAP_WRITE == DRM_NPU_MAP_WRITE, "map flag");

#define NPU_MAP_FLAGS	(NPU_MAP_READ | NPU_MAP_WRITE)

NPU_PUBLIC int npu_vm_new(struct npu_device *dev, struct npu_vm **vm)
{
	struct drm_npu_vm_create args = { 0 };
	struct npu_vm *v;
	int ret;

	if (!vm)
		return -EINVAL;
	*vm = NULL;
	if (!dev)
		return -EINVAL;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_NPU_VM_CREATE, &args);
	if (ret) {
		libnpu_dbg("vm_new: DRM_NPU_VM_CREATE: %s", strerror(-ret));
		free(v);
		return ret;
	}
	atomic_init(&v->refcount, 1);
	v->dev = npu_device_ref(dev);
	v->id = args.vm_id;
	*vm = v;
	return 0;
}

NPU_PUBLIC int npu_vm_default(struct npu_device *dev, struct npu_vm **vm)
{
	if (!vm)
		return -EINVAL;
	*vm = NULL;
	if (!dev)
		return -EINVAL;
	npu_device_ref(dev);
	*vm = &dev->default_vm;
	return 0;
}

NPU_PUBLIC struct npu_vm *npu_vm_ref(struct npu_vm *vm)
{
	if (!vm)
		return NULL;
	if (vm->is_default)
		npu_device_ref(vm->dev);
	else
		atomic_fetch_add_explicit(&vm->refcount, 1,
					  memory_order_relaxed);
	return vm;
}

NPU_PUBLIC void npu_vm_unref(struct npu_vm *vm)
{
	struct drm_npu_vm_destroy args = { 0 };
	struct npu_device *dev;
	int ret;

	if (!vm)
		return;
	dev = vm->dev;
	if (vm->is_default) {
		npu_device_unref(dev);
		return;
	}
	if (atomic_fetch_sub_explicit(&vm->refcount, 1,
				      memory_order_release) != 1)
		return;
	atomic_thread_fence(memory_order_acquire);

	args.vm_id = vm->id;
	ret = libnpu_do_ioctl(dev->fd, DRM_IOCTL_NPU_VM_DESTROY, &args);
	if (ret)
		libnpu_dbg("vm %u: DRM_NPU_VM_DESTROY: %s", vm->id,
			strerror(-ret));
	free(vm);
	npu_device_unref(dev);
}

NPU_PUBLIC uint32_t npu_vm_id(const struct npu_vm *vm)
{
	return vm ? vm->id : 0;
}

static int npu_vm_do_map(struct npu_vm *vm, struct npu_bo *bo,
			 uint64_t bo_offset, uint64_t size, uint32_t flags,
			 bool fixed, uint64_t *va)
{
	struct drm_npu_vm_map args = { 0 };
	int ret;

	if (!vm || !bo)
		return -EINVAL;
	if (bo->dev != vm->dev) {
		libnpu_dbg("vm %u: bo %u is of another device", vm->id,
			bo->handle);
		return -EINVAL;
	}
	if (!(flags & NPU_MAP_READ) || (flags & ~NPU_MAP_FLAGS)) {
		libnpu_dbg("vm %u: map flags %#x", vm->id, flags);
		return -EINVAL;
	}

	args.vm_id = vm->id;
	args.handle = bo->handle;
	args.bo_offset = bo_offset;
	args.size = size;
	args.flags = flags | (fixed ? DRM_NPU_MAP_FIXED : 0);
	args.va = fixed ? *va : 0;
	ret = libnpu_do_ioctl(vm->dev->fd, DRM_IOCTL_NPU_VM_MAP, &args);
	if (ret) {
		libnpu_dbg("vm %u: DRM_NPU_VM_MAP bo %u +%#llx size %#llx%s: %s",
			vm->id, bo->handle, (unsigned long long)bo_offset,
			(unsigned long long)size, fixed ? " fixed" : "",
			strerror(-ret));
		return ret;
	}
	*va = args.va;
	return 0;
}

NPU_PUBLIC int npu_vm_map(struct npu_vm *vm, struct npu_bo *bo,
			  uint64_t bo_offset, uint64_t size, uint32_t flags,
			  uint64_t *va)
{
	if (!va)
		return -EINVAL;
	*va = 0;
	return npu_vm_do_map(vm, bo, bo_offset, size, flags, false, va);
}

NPU_PUBLIC int npu_vm_map_fixed(struct npu_vm *vm, struct npu_bo *bo,
				uint64_t bo_offset, uint64_t size,
				uint32_t flags, uint64_t va)
{
	return npu_vm_do_map(vm, bo, bo_offset, size, flags, true, &va);
}

NPU_PUBLIC int npu_vm_unmap(struct npu_vm *vm, uint64_t va, uint64_t size)
{
	struct drm_npu_vm_unmap args = { 0 };
	int ret;

	if (!vm)
		return -EINVAL;
	args.vm_id = vm->id;
	args.va = va;
	args.size = size;
	ret = libnpu_do_ioctl(vm->dev->fd, DRM_IOCTL_NPU_VM_UNMAP, &args);
	if (ret)
		libnpu_dbg("vm %u: DRM_NPU_VM_UNMAP %#llx size %#llx: %s", vm->id,
			(unsigned long long)va, (unsigned long long)size,
			strerror(-ret));
	return ret;
}
