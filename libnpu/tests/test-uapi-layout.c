// SPDX-License-Identifier: MIT
/*
 * The UAPI is a binary contract: sizes and offsets must be the same for
 * every ABI (32- and 64-bit userspace on a 64-bit kernel included), so
 * every struct is made of naturally aligned fields and its size is a
 * multiple of 8.
 */
#include <stddef.h>
#include <stdio.h>

#include <drm/npu_accel.h>

static int failures;
static int checks;

static void check_eq(const char *what, unsigned long long got,
		     unsigned long long want)
{
	checks++;
	if (got == want) {
		printf("ok %d - %s == %llu\n", checks, what, want);
	} else {
		printf("not ok %d - %s is %llu, want %llu\n", checks, what,
		       got, want);
		failures++;
	}
}

#define CHECK_SIZE(type, want) \
	check_eq("sizeof(struct " #type ")", sizeof(struct type), want)
#define CHECK_OFFSET(type, field, want) \
	check_eq("offsetof(struct " #type ", " #field ")", \
		 offsetof(struct type, field), want)
#define CHECK_ALIGNED(type) \
	check_eq("sizeof(struct " #type ") % 8", sizeof(struct type) % 8, 0)

int main(void)
{
	CHECK_SIZE(drm_npu_query, 24);
	CHECK_OFFSET(drm_npu_query, type, 0);
	CHECK_OFFSET(drm_npu_query, flags, 4);
	CHECK_OFFSET(drm_npu_query, size, 8);
	CHECK_OFFSET(drm_npu_query, pointer, 16);

	CHECK_SIZE(drm_npu_query_device, 72);
	CHECK_OFFSET(drm_npu_query_device, model, 0);
	CHECK_OFFSET(drm_npu_query_device, die_index, 4);
	CHECK_OFFSET(drm_npu_query_device, die_count, 8);
	CHECK_OFFSET(drm_npu_query_device, package_id, 12);
	CHECK_OFFSET(drm_npu_query_device, core_count, 16);
	CHECK_OFFSET(drm_npu_query_device, core_mask, 20);
	CHECK_OFFSET(drm_npu_query_device, va_bits, 24);
	CHECK_OFFSET(drm_npu_query_device, numa_node, 28);
	CHECK_OFFSET(drm_npu_query_device, va_start, 32);
	CHECK_OFFSET(drm_npu_query_device, va_end, 40);
	CHECK_OFFSET(drm_npu_query_device, page_size, 48);
	CHECK_OFFSET(drm_npu_query_device, pad, 52);
	CHECK_OFFSET(drm_npu_query_device, mem_total, 56);
	CHECK_OFFSET(drm_npu_query_device, caps, 64);

	/* JOB_WAIT grew at its end: a 56-byte binary still finds its fields. */
	CHECK_OFFSET(drm_npu_job_wait, pad, 52);
	CHECK_OFFSET(drm_npu_job_wait, count, 56);
	CHECK_OFFSET(drm_npu_job_wait, max_busy_ns, 88);
	check_eq("sizeof(struct drm_npu_job_wait)",
		 sizeof(struct drm_npu_job_wait), 96);

	/* The ioctl number carries the argument size. */
	check_eq("_IOC_SIZE(DRM_IOCTL_NPU_QUERY)",
		 _IOC_SIZE(DRM_IOCTL_NPU_QUERY), 24);
	check_eq("_IOC_NR(DRM_IOCTL_NPU_QUERY)",
		 _IOC_NR(DRM_IOCTL_NPU_QUERY), DRM_COMMAND_BASE + 0);

	CHECK_ALIGNED(drm_npu_query);
	CHECK_ALIGNED(drm_npu_query_device);
	CHECK_ALIGNED(drm_npu_bo_create);
	CHECK_ALIGNED(drm_npu_bo_info);
	CHECK_ALIGNED(drm_npu_bo_cpu_prep);
	CHECK_ALIGNED(drm_npu_bo_cpu_fini);
	CHECK_ALIGNED(drm_npu_vm_create);
	CHECK_ALIGNED(drm_npu_vm_destroy);
	CHECK_ALIGNED(drm_npu_vm_map);
	CHECK_ALIGNED(drm_npu_vm_unmap);
	CHECK_ALIGNED(drm_npu_task);
	CHECK_ALIGNED(drm_npu_bo_ref);
	CHECK_ALIGNED(drm_npu_sync);
	CHECK_ALIGNED(drm_npu_job);
	CHECK_ALIGNED(drm_npu_submit);
	CHECK_ALIGNED(drm_npu_job_wait);

	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
