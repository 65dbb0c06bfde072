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
	self->fd = -1;
	if (!npu_count())
		SKIP(return, "no npu device: are npu.ko and npu_virtual.ko loaded?");
	self->fd = npu_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
}

FIXTURE_TEARDOWN(query)
{
	if (self->fd >= 0)
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

/* Pointer 0 asks for the size; the size passed in does not matter. */
TEST_F(query, size_probe)
{
	uint64_t size = 0;

	ASSERT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 0, NULL, &size));
	EXPECT_EQ(72, sizeof(struct drm_npu_query_device));
	EXPECT_EQ(sizeof(struct drm_npu_query_device), size);
	ASSERT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, ~0ull, NULL, &size));
	EXPECT_EQ(sizeof(struct drm_npu_query_device), size);
}

TEST_F(query, device_answer)
{
	struct drm_npu_query_device q;

	memset(&q, 0xaa, sizeof(q));
	ASSERT_EQ(0, npu_query_device(self->fd, &q));
	EXPECT_EQ(DRM_NPU_MODEL_VIRTUAL, q.model);
	EXPECT_TRUE(q.caps & DRM_NPU_CAP_VIRTUAL);
	EXPECT_TRUE(q.caps & DRM_NPU_CAP_MMU);
	EXPECT_TRUE(q.caps & DRM_NPU_CAP_IMPORT);
	EXPECT_TRUE(q.caps & DRM_NPU_CAP_SUBMIT_PARALLEL);
	EXPECT_TRUE(q.caps & DRM_NPU_CAP_WAIT_SUBMIT);
	EXPECT_LE(1, q.die_count);
	EXPECT_GT(q.die_count, q.die_index);
	/* Bounds first: core_count is a shift count below. */
	ASSERT_LE(1, q.core_count);
	ASSERT_GE(16, q.core_count);
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

/*
 * Number of online NUMA nodes: /sys/devices/system/node/online is a list
 * of ranges such as "0-1" or "0,2-3"; 1 without NUMA.
 */
static int online_nodes(void)
{
	char buf[256] = "", *p = buf;
	int n = 0;
	FILE *f = fopen("/sys/devices/system/node/online", "r");

	if (!f)
		return 1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	while (*p >= '0' && *p <= '9') {
		long a = strtol(p, &p, 10), b = a;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		n += b >= a ? (int)(b - a + 1) : 0;
		if (*p != ',')
			break;
		p++;
	}
	return n ? n : 1;
}

TEST(all_dies_form_one_package)
{
	struct drm_npu_query_device q[NPU_MAX_DEVS];
	int n = npu_count(), nodes = online_nodes(), i, j;

	if (!n)
		SKIP(return, "no npu device: are npu.ko and npu_virtual.ko loaded?");
	for (i = 0; i < n; i++) {
		int fd = npu_open(i);

		ASSERT_LE(0, fd) TH_LOG("die %d: %s", i, strerror(errno));
		memset(&q[i], 0xaa, sizeof(q[i]));
		ASSERT_EQ(0, npu_query_device(fd, &q[i]));
		close(fd);
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(q[0].package_id, q[i].package_id);
		EXPECT_EQ((uint32_t)n, q[i].die_count);
		for (j = 0; j < i; j++) {
			EXPECT_NE(q[j].die_index, q[i].die_index);
			/* A NUMA node per die when the machine has enough. */
			if (nodes >= n)
				EXPECT_NE(q[j].numa_node, q[i].numa_node);
		}
		if (nodes >= n)
			EXPECT_LE(0, q[i].numa_node);
	}
	TH_LOG("%d dies, %d NUMA nodes online", n, nodes);
}

/* Index of the first of @len bytes at @buf that is not @byte, or -1. */
static long first_other(const void *buf, size_t len, unsigned char byte)
{
	const unsigned char *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != byte)
			return (long)i;
	return -1;
}

/* An older binary with a shorter struct gets only what it asked for. */
TEST_F(query, smaller_buffer)
{
	unsigned char buf[sizeof(struct drm_npu_query_device)];
	struct drm_npu_query_device full;
	uint64_t size;
	long at;

	ASSERT_EQ(0, npu_query_device(self->fd, &full));
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 8, buf, &size));
	EXPECT_EQ(sizeof(full), size);
	EXPECT_EQ(0, memcmp(buf, &full, 8));
	at = first_other(buf + 8, sizeof(buf) - 8, 0xaa);
	EXPECT_EQ(-1, at) TH_LOG("byte %ld written", 8 + at);
}

/* A newer binary with a longer struct sees zeros past what we know. */
TEST_F(query, larger_buffer)
{
	unsigned char buf[128];
	struct drm_npu_query_device full;
	uint64_t size;
	long at;

	ASSERT_EQ(0, npu_query_device(self->fd, &full));
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, sizeof(buf), buf,
			   &size));
	EXPECT_EQ(sizeof(full), size);
	EXPECT_EQ(0, memcmp(buf, &full, sizeof(full)));
	at = first_other(buf + sizeof(full), sizeof(buf) - sizeof(full), 0);
	EXPECT_EQ(-1, at) TH_LOG("byte %ld not zeroed", (long)sizeof(full) + at);
}

/* Rejected calls fail with the documented errno and write nothing. */
TEST_F(query, bad_arguments)
{
	const size_t sz = sizeof(struct drm_npu_query_device);
	unsigned char buf[8192];

	memset(buf, 0xaa, sizeof(buf));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 1, sz, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0x80000000u,
				 sz, buf, NULL));
	/* Flags are checked even when only the size is asked for. */
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 1, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, 1, 0, sz, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, 0x7fffffff, 0, sz, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, 0xffffffffu, 0, sz, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, 1, 0, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 0, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 4097, buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 1ull << 32,
				 buf, NULL));
	EXPECT_EQ(-EINVAL, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, ~0ull, buf, NULL));
	EXPECT_EQ(-1, first_other(buf, sizeof(buf), 0xaa));

	/* The largest buffer allowed: answer, then 4096 - 72 zeros. */
	EXPECT_EQ(0, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 4096, buf, NULL));
	EXPECT_EQ(-1, first_other(buf + sz, 4096 - sz, 0));
	EXPECT_EQ(-1, first_other(buf + 4096, sizeof(buf) - 4096, 0xaa));
}

/* Buffers the kernel cannot write: -EFAULT. */
TEST_F(query, bad_pointers)
{
	const size_t sz = sizeof(struct drm_npu_query_device);
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *none, *ro, *gone;

	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	gone = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_EQ(0, munmap(gone, page));

	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, sz, none, NULL));
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, sz, ro, NULL));
	EXPECT_EQ(-1, first_other(ro, page, 0));
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, sz, gone, NULL));
	/* The first page, never mapped, and a kernel address. */
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, sz,
				 (void *)8, NULL));
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, sz,
				 (void *)(uintptr_t)-4096, NULL));
	munmap(none, page);
	munmap(ro, page);
}

/* A larger buffer whose zero-filled tail runs into a read-only page. */
TEST_F(query, bad_pointer_in_tail)
{
	const size_t sz = sizeof(struct drm_npu_query_device);
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *two;

	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + page, page, PROT_READ));
	EXPECT_EQ(-EFAULT, query(self->fd, DRM_NPU_QUERY_DEVICE, 0, 2 * sz,
				 two + page - sz, NULL));
	EXPECT_EQ(-1, first_other(two + page, page, 0));
	munmap(two, 2 * page);
}

/*
 * An ioctl number past the driver's table, with a 24-byte argument like
 * the query's.  drm_ioctl() answers -EINVAL for a driver number it has no
 * entry for (seen on 6.12); -ENOTTY is accepted too, as other DRM paths
 * use it for unknown commands.
 */
TEST_F(query, unknown_ioctl)
{
	unsigned char arg[24] = { 0 };
	int ret = ioctl(self->fd, DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
					   struct drm_npu_query), arg);
	int err = errno;

	ASSERT_EQ(sizeof(struct drm_npu_query), sizeof(arg));
	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(err == EINVAL || err == ENOTTY) TH_LOG("errno %d", err);
	TH_LOG("unknown ioctl: %s", strerror(err));
	EXPECT_EQ(-1, first_other(arg, sizeof(arg), 0));
}

TEST_HARNESS_MAIN
