// SPDX-License-Identifier: MIT
/*
 * DRM_IOCTL_NPU_QUERY: the size-extensible device query, its answer on
 * every die, and every way to call it wrongly.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

FIXTURE(query) {
	int fd;
};

FIXTURE_SETUP(query)
{
	self->fd = npu_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("no npu device: is npu.ko loaded?");
}

FIXTURE_TEARDOWN(query)
{
	close(self->fd);
}

static int query(int fd, uint32_t type, uint32_t flags, uint64_t size,
		 void *ptr, uint64_t *size_out)
{
	struct drm_npu_query q = {
		.type = type, .flags = flags, .size = size,
		.pointer = (uintptr_t)ptr,
	};
	int ret = ioctl(fd, DRM_IOCTL_NPU_QUERY, &q) ? -errno : 0;

	if (size_out)
		*size_out = q.size;
	return ret;
}

TEST_F(query, size_probe)
{
	uint64_t size = 0;

	ASSERT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 0, NULL, &size));
	ASSERT_EQ(sizeof(struct drm_npu_query_device), size);
}

TEST_F(query, device_answer)
{
	struct drm_npu_query_device q;

	memset(&q, 0xaa, sizeof(q));
	ASSERT_EQ(0, npu_query_device(self->fd, &q));
	EXPECT_EQ(DRM_NPU_MODEL_VIRTUAL, q.model);
	EXPECT_TRUE(q.caps & DRM_NPU_CAP_VIRTUAL);
	EXPECT_TRUE(q.caps & DRM_NPU_CAP_MMU);
	EXPECT_LE(1, q.die_count);
	EXPECT_GT(q.die_count, q.die_index);
	EXPECT_LE(1, q.core_count);
	EXPECT_GE(16, q.core_count);
	EXPECT_EQ((1u << q.core_count) - 1, q.core_mask);
	EXPECT_EQ(32, q.va_bits);
	EXPECT_EQ(4096, q.va_start);
	EXPECT_EQ(1ull << 32, q.va_end);
	EXPECT_EQ(4096, q.page_size);
	EXPECT_EQ(0, q.pad);
	EXPECT_LT(0, q.mem_total);
	EXPECT_LE(-1, q.numa_node);
	TH_LOG("die %u/%u, %u cores, node %d, %llu MiB local", q.die_index,
	       q.die_count, q.core_count, q.numa_node,
	       (unsigned long long)q.mem_total >> 20);
}

static int online_nodes(void)
{
	char buf[64] = "";
	int a, b;
	FILE *f = fopen("/sys/devices/system/node/online", "r");

	if (!f)
		return 1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (sscanf(buf, "%d-%d", &a, &b) == 2)
		return b - a + 1;
	return 1;
}

TEST(all_dies_form_one_package)
{
	struct drm_npu_query_device q[NPU_MAX_DEVS];
	int n = npu_count(), i, j;

	ASSERT_LE(1, n);
	for (i = 0; i < n; i++) {
		int fd = npu_open(i);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, npu_query_device(fd, &q[i]));
		close(fd);
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(q[0].package_id, q[i].package_id);
		EXPECT_EQ((uint32_t)n, q[i].die_count);
		for (j = 0; j < i; j++) {
			EXPECT_NE(q[j].die_index, q[i].die_index);
			/* A NUMA node per die when the machine has enough. */
			if (online_nodes() >= n)
				EXPECT_NE(q[j].numa_node, q[i].numa_node);
		}
		if (online_nodes() >= n)
			EXPECT_LE(0, q[i].numa_node);
	}
	TH_LOG("%d dies, %d NUMA nodes online", n, online_nodes());
}

/* An older binary with a shorter struct gets only what it asked for. */
TEST_F(query, smaller_buffer)
{
	unsigned char buf[sizeof(struct drm_npu_query_device)];
	struct drm_npu_query_device full;
	uint64_t size;
	size_t i;

	ASSERT_EQ(0, npu_query_device(self->fd, &full));
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 8, buf, &size));
	EXPECT_EQ(sizeof(full), size);
	EXPECT_EQ(0, memcmp(buf, &full, 8));
	for (i = 8; i < sizeof(buf); i++)
		ASSERT_EQ(0xaa, buf[i]) TH_LOG("byte %zu written", i);
}

/* A newer binary with a longer struct sees zeros past what we know. */
TEST_F(query, larger_buffer)
{
	unsigned char buf[128];
	struct drm_npu_query_device full;
	uint64_t size;
	size_t i;

	ASSERT_EQ(0, npu_query_device(self->fd, &full));
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, sizeof(buf), buf,
			   &size));
	EXPECT_EQ(sizeof(full), size);
	EXPECT_EQ(0, memcmp(buf, &full, sizeof(full)));
	for (i = sizeof(full); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %zu not zeroed", i);
}

TEST_F(query, bad_arguments)
{
	unsigned char buf[8192];
	void *none, *ro;

	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 1, 72, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, 1, 0, 72, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, 0x7fffffff, 0, 72, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 0, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 4097, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, ~0ull, buf, NULL));
	EXPECT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 4096, buf, NULL));

	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 72, none, NULL));
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 72, ro, NULL));
	munmap(none, 4096);
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 72, none, NULL));
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 72,
				 (void *)8, NULL));
	munmap(ro, 4096);
}

/* An ioctl number the driver does not have. */
TEST_F(query, unknown_ioctl)
{
	unsigned char arg[24] = { 0 };
	int ret = ioctl(self->fd, DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
					   struct drm_npu_query), arg);

	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(errno == EINVAL || errno == ENOTTY) TH_LOG("errno %d", errno);
}

TEST_HARNESS_MAIN
