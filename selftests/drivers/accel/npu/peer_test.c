// SPDX-License-Identifier: MIT
/*
 * Peer mode across dies, as the kernel offers it: each die is its own
 * accel device with its own NUMA node.
 *
 *  - BO pages come from the die's node: the die's own counters (sysfs,
 *    debugfs) and the kernel's per-node shmem count agree;
 *  - a BO of die 0 exported as a dma-buf imports into die 1, maps into a
 *    die-1 VM, and die 1 runs a command stream and a matmul entirely in
 *    die 0's memory; die 0 sees what die 1 wrote;
 *  - the dma-buf attachment lives exactly as long as the import is held
 *    (handle or mapping), and nothing leaks;
 *  - self-import gives back the same object; dma-bufs of udmabuf and of
 *    a dma-heap import and run too;
 *  - a fence of a die-0 job gates a die-1 job through a shared syncobj,
 *    a sync_file, the dma-buf's implicit fences, and chains back.
 *
 * Every test needs two dies (the test VM has 2 dies on 2 NUMA nodes).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create */
#endif
#include <poll.h>
#include <pthread.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

/* accel/ or, with render nodes, dri/ */
#define DBG_ROOT	npu_dbg_root()
#define SYS_ROOT	"/sys/bus/platform/devices/npu-virtual."
#define MIB		(1ull << 20)
/* What else may come and go in a node's shmem count during a test. */
#define SHMEM_NOISE	(4ll << 20)

/* A die: its fd and its query answer. */
struct die {
	int fd;
	struct drm_npu_query_device q;
};

static int die_open(struct die *d, int index)
{
	d->fd = npu_open(index);
	if (d->fd < 0)
		return -errno;
	return npu_query_device(d->fd, &d->q);
}

static void die_path(char *buf, size_t len, const char *root,
		     const struct die *d, const char *file)
{
	snprintf(buf, len, "%s%u/%s", root, d->q.die_index, file);
}

/* A number after "key: " in a die's debugfs file; -1 when absent. */
static long long dbg_value(const struct die *d, const char *file,
			   const char *key)
{
	char path[128], line[256];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f;

	die_path(path, sizeof(path), DBG_ROOT, d, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atoll(line + n + 1);
	fclose(f);
	return v;
}

/* 1 when debugfs "cores" shows core @core of the die busy, 0 idle. */
static int core_busy(const struct die *d, unsigned int core)
{
	char path[128], line[256], key[16];
	int ret = -1;
	FILE *f;

	die_path(path, sizeof(path), DBG_ROOT, d, "cores");
	snprintf(key, sizeof(key), "core%u: ", core);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			ret = !strncmp(line + strlen(key), "busy", 4);
	fclose(f);
	return ret;
}

/* fdinfo "drm-<stat>-memory: N[ KiB| MiB]" of @fd in bytes; -1 absent. */
static long long fdinfo_mem(int fd, const char *stat)
{
	char path[64], line[128], key[48], unit[8];
	long long v = -1, n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(key, sizeof(key), "drm-%s-memory:", stat);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, strlen(key)))
			continue;
		unit[0] = 0;
		if (sscanf(line + strlen(key), "%lld %7s", &n, unit) < 1)
			continue;
		v = n << (!strcmp(unit, "KiB") ? 10 : !strcmp(unit, "MiB") ? 20 : 0);
	}
	fclose(f);
	return v;
}

static long long sys_value(const struct die *d, const char *file)
{
	char path[128];

	die_path(path, sizeof(path), SYS_ROOT, d, file);
	return npu_read_ll(path);
}

static long long sys_node_bytes(const struct die *d, int nid)
{
	char file[32];

	snprintf(file, sizeof(file), "npu/mem_node%d_bytes", nid);
	return sys_value(d, file);
}

static void set_delay(const struct die *d, unsigned int core, unsigned int us)
{
	char path[128], file[32], val[16];

	snprintf(file, sizeof(file), "core%u/task_delay_us", core);
	die_path(path, sizeof(path), DBG_ROOT, d, file);
	snprintf(val, sizeof(val), "%u", us);
	npu_write_file(path, val);
}

/* "Node N Shmem: X kB" of /sys/devices/system/node/nodeN/meminfo, bytes. */
static long long node_shmem(int nid)
{
	char path[80], line[160];
	long long kb = -1, v;
	int n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 nid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %d Shmem: %lld kB", &n, &v) == 2)
			kb = v;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/*
 * Physical span of a node: lowest and highest memory block it owns
 * (/sys/devices/system/node/nodeN/memoryM, blocks of block_size_bytes).
 */
/*
 * Without memory hotplug there are no memory blocks in sysfs: the zones of
 * /proc/zoneinfo give the node's span (start_pfn, spanned pages).
 */
static int node_span_zoneinfo(int nid, unsigned long long *lo,
			      unsigned long long *hi)
{
	unsigned long long start = 0, spanned = 0;
	char line[256];
	int cur = -1, n;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	*lo = ~0ull;
	*hi = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &n) == 1) {
			cur = n;
			spanned = 0;
		} else if (cur == nid && sscanf(line, " spanned %llu", &spanned) == 1) {
			continue;
		} else if (cur == nid && spanned &&
			   sscanf(line, " start_pfn: %llu", &start) == 1) {
			if (start * 4096 < *lo)
				*lo = start * 4096;
			if ((start + spanned) * 4096 - 1 > *hi)
				*hi = (start + spanned) * 4096 - 1;
		}
	}
	fclose(f);
	return *hi ? 0 : -1;
}

static int node_span(int nid, unsigned long long *lo, unsigned long long *hi)
{
	unsigned long long bs = 0, b;
	char path[80];
	struct dirent *de;
	FILE *f;
	DIR *dir;

	f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	if (!f)
		return node_span_zoneinfo(nid, lo, hi);
	if (fscanf(f, "%llx", &bs) != 1)
		bs = 0;
	fclose(f);
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", nid);
	dir = opendir(path);
	if (!dir || !bs) {
		if (dir)
			closedir(dir);
		return -1;
	}
	*lo = ~0ull;
	*hi = 0;
	while ((de = readdir(dir)))
		if (sscanf(de->d_name, "memory%llu", &b) == 1) {
			if (b * bs < *lo)
				*lo = b * bs;
			if ((b + 1) * bs - 1 > *hi)
				*hi = (b + 1) * bs - 1;
		}
	closedir(dir);
	return *hi ? 0 : -1;
}

/*
 * The physical range debugfs "vms" shows for the mapping at @va, whether
 * it is an import and the node of its pages.
 */
static int mapping_node(const struct die *d, uint64_t va,
			unsigned long long *lo, unsigned long long *hi,
			int *imported, int *node)
{
	unsigned long long mva;
	char path[128], line[256];
	int found = -1;
	FILE *f;

	die_path(path, sizeof(path), DBG_ROOT, d, "vms");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "  va %llx-%*x %*s phys %llx-%llx node %d",
			   &mva, lo, hi, node) == 4 && mva == va) {
			*imported = !!strstr(line, "imported");
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

/* The same without the node. */
static int mapping_phys(const struct die *d, uint64_t va,
			unsigned long long *lo, unsigned long long *hi,
			int *imported)
{
	int node;

	return mapping_node(d, va, lo, hi, imported, &node);
}


static int bo_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_npu_bo_create c = { .size = size };
	int ret = npu_ioc(fd, DRM_IOCTL_NPU_BO_CREATE, &c);

	*handle = c.handle;
	return ret;
}

static void *bo_mmap(int fd, uint32_t handle, uint64_t *size)
{
	struct drm_npu_bo_info i = { .handle = handle };
	void *p;

	if (npu_ioc(fd, DRM_IOCTL_NPU_BO_INFO, &i))
		return NULL;
	p = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)i.mmap_offset);
	if (p == MAP_FAILED)
		return NULL;
	*size = i.size;
	return p;
}

static int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return npu_ioc(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static int vm_map(int fd, uint32_t handle, uint64_t offset, uint64_t size,
		  uint32_t flags, uint64_t *va)
{
	struct drm_npu_vm_map m = {
		.handle = handle, .bo_offset = offset, .size = size,
		.flags = DRM_NPU_MAP_READ | flags,
	};
	int ret = npu_ioc(fd, DRM_IOCTL_NPU_VM_MAP, &m);

	*va = m.va;
	return ret;
}

static int vm_unmap(int fd, uint64_t va, uint64_t size)
{
	struct drm_npu_vm_unmap u = { .va = va, .size = size };

	return npu_ioc(fd, DRM_IOCTL_NPU_VM_UNMAP, &u);
}

/* The null stream: one register write, the version word and op_en. */
static void null_stream(void *p)
{
	uint64_t *w = p;

	w[0] = NPU_RC_CNA(0x12);
	w[1] = 0;
	w[2] = NPU_RC_VERSION;
	w[3] = NPU_RC_OP_EN;
}

/* A word the PC rejects: target 0x0003 is no block. */
#define NPU_RC_BAD	((0x0003ull << 48) | 0x1000)

/**
 * struct jobspec - one job of one task for submit()
 */
struct jobspec {
	uint64_t va;
	uint32_t words;
	uint32_t core_mask;
	uint32_t bo, bo_flags;		/* bo 0: none */
	uint32_t in_sync, out_sync;	/* 0: none */
	uint64_t job_id;
};

static int submit(int fd, struct jobspec *js)
{
	struct drm_npu_task t = { .regcmd_va = js->va,
				  .regcmd_count = js->words };
	struct drm_npu_bo_ref ref = { .handle = js->bo, .flags = js->bo_flags };
	struct drm_npu_sync in = { .handle = js->in_sync };
	struct drm_npu_sync out = { .handle = js->out_sync };
	struct drm_npu_job j = {
		.tasks = (uintptr_t)&t, .task_count = 1,
		.core_mask = js->core_mask,
	};
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)&j, .job_count = 1, .job_stride = sizeof(j),
	};
	int ret;

	if (js->bo) {
		j.bos = (uintptr_t)&ref;
		j.bo_count = 1;
	}
	if (js->in_sync) {
		j.in_syncs = (uintptr_t)&in;
		j.in_sync_count = 1;
	}
	if (js->out_sync) {
		j.out_syncs = (uintptr_t)&out;
		j.out_sync_count = 1;
	}
	ret = npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s);
	js->job_id = j.job_id;
	return ret;
}

/* Whether a job is finished, without waiting. */
static int job_done(int fd, uint64_t id)
{
	struct drm_npu_job_wait w;

	return !npu_wait(fd, id, 0, &w) && w.status != DRM_NPU_JOB_PENDING;
}

static uint32_t syncobj_new(int fd)
{
	struct drm_syncobj_create c = { 0 };

	return npu_ioc(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c) ? 0 : c.handle;
}

static int syncobj_export(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_syncobj_handle h = { .handle = handle, .flags = flags,
					.fd = -1 };
	int ret = npu_ioc(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);

	return ret ? ret : h.fd;
}

static int syncobj_import(int fd, int sfd, uint32_t flags, uint32_t *handle)
{
	struct drm_syncobj_handle h = { .fd = sfd, .flags = flags,
					.handle = *handle };
	int ret = npu_ioc(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h);

	*handle = h.handle;
	return ret;
}

static int ms_since(int64_t t0)
{
	return (int)((npu_now_ns() - t0) / 1000000);
}

/* ------------------------------------------------------------------ */

FIXTURE(peer) {
	struct die d0, d1;
};

FIXTURE_SETUP(peer)
{
	self->d0.fd = self->d1.fd = -1;
	if (npu_count() < 2)
		SKIP(return, "cross-die tests need two npu dies, found %d",
		     npu_count());
	ASSERT_EQ(0, die_open(&self->d0, 0));
	ASSERT_EQ(0, die_open(&self->d1, 1));
	ASSERT_EQ(self->d0.q.package_id, self->d1.q.package_id);
	ASSERT_NE(self->d0.q.die_index, self->d1.q.die_index);
	ASSERT_TRUE(self->d1.q.caps & DRM_NPU_CAP_IMPORT);
}

FIXTURE_TEARDOWN(peer)
{
	if (self->d0.fd >= 0) {
		set_delay(&self->d0, 0, 0);
		close(self->d0.fd);
	}
	if (self->d1.fd >= 0) {
		set_delay(&self->d1, 0, 0);
		close(self->d1.fd);
	}
}

/*
 * BO pages land on the die's node: the die's sysfs and debugfs counters
 * and, independently, the kernel's shmem count of each node.
 */
TEST_F(peer, bo_pages_on_the_die_node)
{
	const uint64_t size = 64 * MIB;
	struct die *dies[2] = { &self->d0, &self->d1 };
	int i, n;

	for (i = 0; i < 2; i++) {
		struct die *d = dies[i];
		int nid = d->q.numa_node, other = !nid;
		long long mine0, other0, shm0, shmo0, pages0;
		long long mine1, other1, shm1, shmo1, pages1, total1;
		unsigned long long lo, hi, nlo, nhi;
		uint64_t va, msize;
		char key[32];
		uint32_t h;
		void *p;
		int imp;

		ASSERT_LE(0, nid) TH_LOG("die %u has no NUMA node", d->q.die_index);
		ASSERT_GT(2, nid);
		snprintf(key, sizeof(key), "bo_pages_node%d", nid);
		mine0 = sys_node_bytes(d, nid);
		other0 = sys_node_bytes(d, other);
		ASSERT_LE(0, mine0) TH_LOG("no sysfs mem_node%d_bytes", nid);
		ASSERT_LE(0, other0);
		pages0 = dbg_value(d, "die", key);
		if (pages0 < 0)
			pages0 = 0;	/* listed only when non-zero */
		shm0 = node_shmem(nid);
		shmo0 = node_shmem(other);
		ASSERT_LE(0, shm0);

		ASSERT_EQ(0, bo_create(d->fd, size, &h));
		mine1 = sys_node_bytes(d, nid);
		other1 = sys_node_bytes(d, other);
		total1 = sys_value(d, "npu/mem_bytes");
		pages1 = dbg_value(d, "die", key);
		shm1 = node_shmem(nid);
		shmo1 = node_shmem(other);

		TH_LOG("die %u (node %d): 64 MiB BO: sysfs node%d +%lld MiB, node%d +%lld MiB; debugfs +%lld pages; node shmem +%lld / +%lld KiB",
		       d->q.die_index, nid, nid, (mine1 - mine0) >> 20, other,
		       (other1 - other0) >> 20, pages1 - pages0,
		       (shm1 - shm0) >> 10, (shmo1 - shmo0) >> 10);
		EXPECT_EQ((long long)size, mine1 - mine0);
		EXPECT_EQ(0, other1 - other0);
		EXPECT_LE((long long)size, total1);
		EXPECT_EQ((long long)(size / 4096), pages1 - pages0);
		/*
		 * The kernel's own count, shmem pages per node: it moves
		 * with the rest of the system too, hence the tolerance.
		 */
		EXPECT_GT(SHMEM_NOISE, llabs(shm1 - shm0 - (long long)size));
		EXPECT_GT(SHMEM_NOISE, llabs(shmo1 - shmo0))
			TH_LOG("pages on the other node");

		/* Where the device sees them: inside the node's span. */
		ASSERT_EQ(0, vm_map(d->fd, h, 0, size, 0, &va));
		ASSERT_EQ(0, mapping_phys(d, va, &lo, &hi, &imp));
		ASSERT_EQ(0, node_span(nid, &nlo, &nhi));
		TH_LOG("die %u: device VA 0x%llx -> phys 0x%llx-0x%llx; node %d spans 0x%llx-0x%llx",
		       d->q.die_index, (unsigned long long)va, lo, hi, nid,
		       nlo, nhi);
		EXPECT_LE(nlo, lo);
		EXPECT_GE(nhi, hi);
		EXPECT_EQ(0, imp);
		if (nid == 1)
			EXPECT_LE(1ull << 32, lo) TH_LOG("node 1 is above 4 GiB in the VM");

		/* The CPU sees the same zeroed pages. */
		p = bo_mmap(d->fd, h, &msize);
		ASSERT_NE(NULL, p);
		for (n = 0; n < (int)(size / 4096); n++)
			if (((volatile char *)p)[n * 4096])
				break;
		EXPECT_EQ((int)(size / 4096), n);
		munmap(p, msize);

		EXPECT_EQ(0, gem_close(d->fd, h));
		/* The mapping held the BO; the file's VM goes at close. */
		EXPECT_EQ(mine1, sys_node_bytes(d, nid));
		EXPECT_EQ(0, vm_unmap(d->fd, va, size));
		EXPECT_EQ(mine0, sys_node_bytes(d, nid));
		EXPECT_EQ(other0, sys_node_bytes(d, other));
	}
}

/* A dma-buf of a die's own BO comes back as the same object. */
TEST_F(peer, self_import_is_the_same_bo)
{
	long long imports, bos;
	uint32_t h, h2, h3;
	uint64_t size, size2;
	int dmabuf, fd2;
	char *p, *p2;

	ASSERT_EQ(0, bo_create(self->d0.fd, 8192, &h));
	dmabuf = npu_export(self->d0.fd, h);
	ASSERT_LE(0, dmabuf);
	imports = dbg_value(&self->d0, "die", "imports");
	bos = dbg_value(&self->d0, "die", "bos");
	ASSERT_LE(0, imports);

	/* Same file: the same handle. */
	ASSERT_EQ(0, npu_import(self->d0.fd, dmabuf, &h2));
	EXPECT_EQ(h, h2);

	/* Another file of the die: another handle, the same object. */
	fd2 = npu_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_import(fd2, dmabuf, &h3));
	EXPECT_EQ(imports, dbg_value(&self->d0, "die", "imports"));
	EXPECT_EQ(bos, dbg_value(&self->d0, "die", "bos"));
	EXPECT_EQ(0, npu_dmabuf_attachments(dmabuf, "npu-virtual.0"))
		TH_LOG("a self-import must not attach");
	p = bo_mmap(self->d0.fd, h, &size);
	p2 = bo_mmap(fd2, h3, &size2);
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, p2);
	EXPECT_EQ(size, size2);
	strcpy(p + 4096, "written through the first file");
	EXPECT_STREQ(p + 4096, p2 + 4096);
	munmap(p, size);
	munmap(p2, size2);
	close(fd2);
	close(dmabuf);
	EXPECT_EQ(0, gem_close(self->d0.fd, h));
	EXPECT_EQ(bos - 1, dbg_value(&self->d0, "die", "bos"));
}

/*
 * Die 1 imports a die-0 BO: the import holds a dma-buf attachment of die
 * 1's device for as long as a handle or a mapping of it exists, and die
 * 0's pages for as long as anything refers to the dma-buf.
 */
TEST_F(peer, import_lifetime_and_no_leaks)
{
	struct drm_npu_job_wait w;
	long long imports, bos0, mem0, mem1, shared, resident;
	uint32_t h, hi, hi2;
	struct jobspec js = { .words = 4 };
	uint64_t size, va, va2;
	int dmabuf, fd1b;
	void *p;

	imports = dbg_value(&self->d1, "die", "imports");
	bos0 = dbg_value(&self->d0, "die", "bos");
	mem0 = sys_value(&self->d0, "npu/mem_bytes");
	mem1 = sys_value(&self->d1, "npu/mem_bytes");
	ASSERT_LE(0, imports);
	ASSERT_LE(0, mem0);
	ASSERT_LE(0, mem1);

	ASSERT_EQ(0, bo_create(self->d0.fd, 4096, &h));
	p = bo_mmap(self->d0.fd, h, &size);
	ASSERT_NE(NULL, p);
	null_stream(p);
	munmap(p, size);
	dmabuf = npu_export(self->d0.fd, h);
	ASSERT_LE(0, dmabuf);
	EXPECT_EQ(0, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));

	shared = fdinfo_mem(self->d1.fd, "shared");
	/* Printed once the file has a BO: none yet is none resident. */
	resident = fdinfo_mem(self->d1.fd, "resident");
	if (resident < 0)
		resident = 0;
	ASSERT_LE(0, shared);
	ASSERT_EQ(0, npu_import(self->d1.fd, dmabuf, &hi));
	EXPECT_EQ(imports + 1, dbg_value(&self->d1, "die", "imports"));
	EXPECT_EQ(1, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	/* Die 1's fdinfo: shared memory, not resident on die 1. */
	EXPECT_EQ(shared + 4096, fdinfo_mem(self->d1.fd, "shared"));
	EXPECT_EQ(resident, fdinfo_mem(self->d1.fd, "resident"));
	/* Importing again into the same file gives the same handle. */
	ASSERT_EQ(0, npu_import(self->d1.fd, dmabuf, &hi2));
	EXPECT_EQ(hi, hi2);
	EXPECT_EQ(1, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	/* Die 1 does not count die 0's memory as its own. */
	EXPECT_EQ(mem1, sys_value(&self->d1, "npu/mem_bytes"));

	/* The mapping keeps the import after its handle is closed. */
	ASSERT_EQ(0, vm_map(self->d1.fd, hi, 0, 4096, 0, &va));
	ASSERT_EQ(0, gem_close(self->d1.fd, hi));
	EXPECT_EQ(1, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	js.va = va;
	ASSERT_EQ(0, submit(self->d1.fd, &js));
	ASSERT_EQ(0, npu_wait(self->d1.fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	ASSERT_EQ(0, vm_unmap(self->d1.fd, va, 4096));
	EXPECT_EQ(0, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	EXPECT_EQ(imports, dbg_value(&self->d1, "die", "imports"));

	/* A file closed with a handle and a mapping of an import. */
	fd1b = npu_open(1);
	ASSERT_LE(0, fd1b);
	ASSERT_EQ(0, npu_import(fd1b, dmabuf, &hi));
	ASSERT_EQ(0, vm_map(fd1b, hi, 0, 4096, 0, &va2));
	EXPECT_EQ(1, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	close(fd1b);
	EXPECT_EQ(0, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	EXPECT_EQ(imports, dbg_value(&self->d1, "die", "imports"));

	/*
	 * Die 0 lets go of its handle: the dma-buf keeps the BO and its
	 * pages, and die 1 still runs from them.
	 */
	ASSERT_EQ(0, gem_close(self->d0.fd, h));
	EXPECT_EQ(bos0 + 1, dbg_value(&self->d0, "die", "bos"));
	ASSERT_EQ(0, npu_import(self->d1.fd, dmabuf, &hi));
	ASSERT_EQ(0, vm_map(self->d1.fd, hi, 0, 4096, 0, &va));
	js.va = va;
	ASSERT_EQ(0, submit(self->d1.fd, &js));
	ASSERT_EQ(0, npu_wait(self->d1.fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	close(dmabuf);
	EXPECT_EQ(bos0 + 1, dbg_value(&self->d0, "die", "bos"));
	ASSERT_EQ(0, vm_unmap(self->d1.fd, va, 4096));
	ASSERT_EQ(0, gem_close(self->d1.fd, hi));
	/* Last reference gone: die 0's BO and its memory are freed. */
	EXPECT_EQ(bos0, dbg_value(&self->d0, "die", "bos"));
	EXPECT_EQ(mem0, sys_value(&self->d0, "npu/mem_bytes"));
	EXPECT_EQ(imports, dbg_value(&self->d1, "die", "imports"));
}

/*
 * Die 1 fetches its command stream from die 0's pages through its own
 * MMU: its page tables point at the pages die 0's do, and a word die 0's
 * CPU changes is the word die 1 rejects.
 */
TEST_F(peer, die1_runs_a_stream_in_die0_memory)
{
	unsigned long long lo0, hi0, lo1, hi1;
	struct drm_npu_job_wait w;
	struct jobspec js = { .words = 4 };
	uint64_t size, va0, va1;
	uint32_t h, hi;
	int dmabuf, imp, node;
	uint64_t *p;

	ASSERT_EQ(0, bo_create(self->d0.fd, 4096, &h));
	p = bo_mmap(self->d0.fd, h, &size);
	ASSERT_NE(NULL, p);
	null_stream(p);
	ASSERT_EQ(0, vm_map(self->d0.fd, h, 0, 4096, 0, &va0));
	dmabuf = npu_export(self->d0.fd, h);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, npu_import(self->d1.fd, dmabuf, &hi));
	ASSERT_EQ(0, vm_map(self->d1.fd, hi, 0, 4096, 0, &va1));

	ASSERT_EQ(0, mapping_phys(&self->d0, va0, &lo0, &hi0, &imp));
	EXPECT_EQ(0, imp);
	ASSERT_EQ(0, mapping_node(&self->d1, va1, &lo1, &hi1, &imp, &node));
	EXPECT_EQ(1, imp);
	EXPECT_EQ(self->d0.q.numa_node, node);
	TH_LOG("die 0 VA 0x%llx and die 1 VA 0x%llx -> phys 0x%llx (node %d)",
	       (unsigned long long)va0, (unsigned long long)va1, lo1,
	       self->d0.q.numa_node);
	EXPECT_EQ(lo0, lo1);
	EXPECT_EQ(hi0, hi1);

	js.va = va1;
	ASSERT_EQ(0, submit(self->d1.fd, &js));
	ASSERT_EQ(0, npu_wait(self->d1.fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	/* Die 0's CPU breaks word 1: die 1 rejects exactly that word. */
	p[1] = NPU_RC_BAD;
	ASSERT_EQ(0, submit(self->d1.fd, &js));
	ASSERT_EQ(0, npu_wait(self->d1.fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_EQ(DRM_NPU_REASON_BAD_WORD, w.reason);
	EXPECT_EQ(va1 + 8, w.fault_va);

	/* Beyond the imported page: a fault, as for any unmapped address. */
	p[1] = 0;
	js.va = va1 + 4096 - 16;
	ASSERT_EQ(0, submit(self->d1.fd, &js));
	ASSERT_EQ(0, npu_wait(self->d1.fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_MMU_FAULT, w.status);
	EXPECT_EQ(va1 + 4096, w.fault_va);

	munmap(p, size);
	close(dmabuf);
	gem_close(self->d1.fd, hi);
	gem_close(self->d0.fd, h);
}

/* ---- a hand-built int8 matmul: M x K input, N x K weights ---------- */

#define GM	64
#define GK	64
#define GN	32
#define RC(tgt, reg, val) \
	(((uint64_t)(tgt) << 48) | ((uint64_t)(uint32_t)(val) << 16) | (reg))
#define T_CNA	0x0201
#define T_CORE	0x0801
#define T_DPU	0x1001

/* Offsets in the one die-0 BO that holds everything. */
#define OFF_RC	0x0000
#define OFF_IN	0x1000
#define OFF_W	0x2000
#define OFF_OUT	0x3000
#define OUT_BYTES	(GN / 4 * GM * 16)
#define GEMM_BO	0x8000

/*
 * Every register the matmul depends on, as a board needs it (the values
 * of Documentation/npu/rk3588-regcmd.rst for 64 rows, 64 channels, 32
 * kernels).
 */
static int gemm_stream(uint64_t *w, uint32_t base)
{
	uint64_t s[] = {
		RC(T_DPU, 0x4004, 0xe),			/* ping-pong pointer */
		RC(T_CNA, 0x100c, 0),			/* direct conv, int8 */
		RC(T_CNA, 0x1010, (GM + 1) << 4),	/* feature grains */
		RC(T_CNA, 0x1014, 1 | 1 << 3),		/* stride 1 */
		RC(T_CNA, 0x1020, GM | 1 << 16),	/* H = M, W = 1 */
		RC(T_CNA, 0x1024, GK | (GK - 1) << 16),	/* channels, real - 1 */
		RC(T_CNA, 0x1028, 1),			/* output width */
		RC(T_CNA, 0x102c, GM),			/* output atoms */
		RC(T_CNA, 0x1030, GK * GN),
		RC(T_CNA, 0x1034, GK),
		RC(T_CNA, 0x1038, GN | 1 << 16 | 1 << 24),
		RC(T_CNA, 0x1040, 1 | 1 << 4),		/* 1 data, 1 weight bank */
		RC(T_CNA, 0x1044, GK / 64),		/* 64-byte entries a row */
		RC(T_CNA, 0x104c, 0xb),			/* converter bypassed */
		RC(T_CNA, 0x1060, 0),
		RC(T_CNA, 0x1064, 0),
		RC(T_CNA, 0x1068, 0),
		RC(T_CNA, 0x1070, base + OFF_IN),
		RC(T_CNA, 0x1074, 0),
		RC(T_CNA, 0x107c, 4),			/* line stride, W x 4 */
		RC(T_CNA, 0x1080, 4 * (GM / 4 - 1)),	/* surface stride */
		RC(T_CNA, 0x1084, GM | 1 << 16),
		RC(T_CNA, 0x1088, GK),
		RC(T_CNA, 0x1100, 0),			/* no decompression */
		RC(T_CNA, 0x1110, base + OFF_W),
		RC(T_CORE, 0x3010, 1),			/* QD_EN, int8 */
		RC(T_CORE, 0x3014, (GM - 1) << 16),
		RC(T_CORE, 0x3018, GN - 1),
		RC(T_CORE, 0x301c, 0),
		RC(T_DPU, 0x400c, 2 << 1),		/* output to memory */
		RC(T_DPU, 0x4010, 4u << 29),		/* int8 in, int32 out */
		RC(T_DPU, 0x4020, base + OFF_OUT),
		RC(T_DPU, 0x4024, GM << 4),
		RC(T_DPU, 0x4030, 0),
		RC(T_DPU, 0x4034, GM - 1),
		RC(T_DPU, 0x403c, (GN - 1) | (GN - 1) << 16),
		RC(T_DPU, 0x4040, 1),
		RC(T_DPU, 0x4050, 7 << 8 | 7 << 5 | 7 << 2 | 2),	/* int32 */
		RC(T_DPU, 0x4058, GN - 1),
		RC(T_DPU, 0x405c, (GM - 1) << 16),
		RC(T_DPU, 0x4060, 1),
		RC(T_DPU, 0x4070, 1),
		RC(T_DPU, 0x4080, 0),
		RC(T_DPU, 0x4084, 1),			/* output scale 1 */
		RC(T_DPU, 0x4088, 0),
		RC(T_DPU, 0x40c0, (GM * 8) << 4),	/* surface add, int32 */
		NPU_RC_VERSION,
		NPU_RC_OP_EN,
	};

	memcpy(w, s, sizeof(s));
	return sizeof(s) / sizeof(s[0]);
}

static void gemm_fill(char *bo, int8_t x[GM][GK], int8_t wt[GN][GK])
{
	uint32_t seed = 12345;
	int p, n, c;

	for (p = 0; p < GM; p++)
		for (c = 0; c < GK; c++) {
			seed = seed * 1103515245 + 12345;
			x[p][c] = (int8_t)(seed >> 16);
			/* NC1HWC2, 16 channels per group */
			bo[OFF_IN + ((c / 16) * GM + p) * 16 + c % 16] = x[p][c];
		}
	for (n = 0; n < GN; n++)
		for (c = 0; c < GK; c++) {
			seed = seed * 1103515245 + 12345;
			wt[n][c] = (int8_t)(seed >> 16);
			/* tiles of 32 kernels x 32 channels */
			bo[OFF_W + (c / 32) * 32 * 32 + (n % 32) * 32 + c % 32] =
				wt[n][c];
		}
}

static int gemm_check(const char *bo, int8_t x[GM][GK], int8_t wt[GN][GK])
{
	int p, n, c, bad = 0;

	for (p = 0; p < GM; p++)
		for (n = 0; n < GN; n++) {
			int32_t ref = 0, got;

			for (c = 0; c < GK; c++)
				ref += x[p][c] * wt[n][c];
			memcpy(&got, bo + OFF_OUT + ((n / 4) * GM + p) * 16 +
			       (n % 4) * 4, 4);
			bad += got != ref;
		}
	return bad;
}

/*
 * Die 1 runs a matmul whose stream, input, weights and output all live in
 * one die-0 BO; die 0's CPU waits for it through the shared reservation
 * and reads the result.  Only die 1 was busy.
 */
TEST_F(peer, die1_matmul_on_die0_buffers)
{
	static int8_t x[GM][GK], wt[GN][GK];
	struct drm_npu_bo_cpu_prep prep = { .flags = DRM_NPU_CPU_READ };
	struct drm_npu_bo_cpu_fini fini = { .flags = DRM_NPU_CPU_READ };
	long long busy0, busy1, jobs0, jobs1, fd_busy0, fd_busy1;
	struct drm_npu_job_wait w;
	struct jobspec js = { .core_mask = 1 };
	uint64_t size, va, va_ro;
	uint32_t h, hi;
	int dmabuf;
	char *bo;

	ASSERT_EQ(0, bo_create(self->d0.fd, GEMM_BO, &h));
	bo = bo_mmap(self->d0.fd, h, &size);
	ASSERT_NE(NULL, bo);
	gemm_fill(bo, x, wt);
	memset(bo + OFF_OUT, 0x5a, OUT_BYTES);
	ASSERT_NE(0, gemm_check(bo, x, wt));	/* the check can fail */

	dmabuf = npu_export(self->d0.fd, h);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, npu_import(self->d1.fd, dmabuf, &hi));
	ASSERT_EQ(0, vm_map(self->d1.fd, hi, 0, GEMM_BO, DRM_NPU_MAP_WRITE, &va));
	ASSERT_GT(1ull << 32, va);
	js.words = gemm_stream((uint64_t *)(bo + OFF_RC), (uint32_t)va);
	js.va = va + OFF_RC;
	js.bo = hi;
	js.bo_flags = DRM_NPU_BO_REF_WRITE;

	busy0 = sys_value(&self->d0, "npu/busy_ns");
	jobs0 = sys_value(&self->d0, "npu/jobs");
	busy1 = sys_value(&self->d1, "npu/busy_ns");
	jobs1 = sys_value(&self->d1, "npu/jobs");
	fd_busy0 = npu_fdinfo_busy(self->d0.fd, 0);
	fd_busy1 = npu_fdinfo_busy(self->d1.fd, 0);
	ASSERT_LE(0, busy0);
	ASSERT_LE(0, busy1);
	ASSERT_LE(0, fd_busy1);

	/* Slow enough that die 0's CPU must wait for die 1's fence. */
	set_delay(&self->d1, 0, 200000);
	ASSERT_EQ(0, submit(self->d1.fd, &js));
	prep.handle = h;
	EXPECT_EQ(-EBUSY, npu_ioc(self->d0.fd, DRM_IOCTL_NPU_BO_CPU_PREP, &prep))
		TH_LOG("die 0 does not see die 1's write fence");
	prep.timeout_ns = npu_now_ns() + 5000000000ll;
	ASSERT_EQ(0, npu_ioc(self->d0.fd, DRM_IOCTL_NPU_BO_CPU_PREP, &prep));
	EXPECT_TRUE(job_done(self->d1.fd, js.job_id));
	EXPECT_EQ(0, gemm_check(bo, x, wt));
	fini.handle = h;
	EXPECT_EQ(0, npu_ioc(self->d0.fd, DRM_IOCTL_NPU_BO_CPU_FINI, &fini));
	ASSERT_EQ(0, npu_wait(self->d1.fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(0, w.core);

	TH_LOG("%dx%dx%d int8 matmul by die %u in die %u's memory: job %llu us; die 0 busy +%lld ns jobs +%lld, die 1 busy +%lld ns jobs +%lld",
	       GM, GK, GN, self->d1.q.die_index, self->d0.q.die_index,
	       (unsigned long long)w.busy_ns / 1000,
	       sys_value(&self->d0, "npu/busy_ns") - busy0,
	       sys_value(&self->d0, "npu/jobs") - jobs0,
	       sys_value(&self->d1, "npu/busy_ns") - busy1,
	       sys_value(&self->d1, "npu/jobs") - jobs1);
	EXPECT_EQ(busy0, sys_value(&self->d0, "npu/busy_ns"));
	EXPECT_EQ(jobs0, sys_value(&self->d0, "npu/jobs"));
	EXPECT_EQ(jobs1 + 1, sys_value(&self->d1, "npu/jobs"));
	EXPECT_LE(busy1 + 200000000ll, sys_value(&self->d1, "npu/busy_ns"));
	EXPECT_EQ(fd_busy0, npu_fdinfo_busy(self->d0.fd, 0));
	EXPECT_LE(fd_busy1 + 200000000ll, npu_fdinfo_busy(self->d1.fd, 0));
	set_delay(&self->d1, 0, 0);

	/* A read-only mapping of the import: the write faults. */
	memset(bo + OFF_OUT, 0, OUT_BYTES);
	ASSERT_EQ(0, vm_map(self->d1.fd, hi, 0, GEMM_BO, 0, &va_ro));
	gemm_stream((uint64_t *)(bo + OFF_RC), (uint32_t)va_ro);
	js.va = va_ro + OFF_RC;
	ASSERT_EQ(0, submit(self->d1.fd, &js));
	ASSERT_EQ(0, npu_wait(self->d1.fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_MMU_FAULT, w.status);
	EXPECT_EQ(va_ro + OFF_OUT, w.fault_va);
	EXPECT_EQ(0, ((uint32_t *)(bo + OFF_OUT))[0]);

	munmap(bo, size);
	close(dmabuf);
	gem_close(self->d1.fd, hi);
	gem_close(self->d0.fd, h);
}

/*
 * Import a foreign dma-buf of @size bytes whose CPU view is @cpu, run the
 * null stream from it on die 1, then break a word through the CPU view
 * and see die 1 reject it.
 */
static void run_from_foreign(struct __test_metadata *_metadata,
			     struct die *d1, int dmabuf, uint64_t *cpu,
			     uint64_t size, const char *what)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	struct drm_npu_job_wait w;
	struct jobspec js = { .words = 4 };
	long long imports = dbg_value(d1, "die", "imports");
	unsigned long long lo, hi;
	uint32_t h;
	uint64_t va;
	int imp, node;

	ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
	null_stream(cpu);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);

	ASSERT_EQ(0, npu_import(d1->fd, dmabuf, &h));
	EXPECT_EQ(imports + 1, dbg_value(d1, "die", "imports"));
	EXPECT_EQ(1, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	ASSERT_EQ(0, vm_map(d1->fd, h, 0, size, 0, &va));
	ASSERT_EQ(0, mapping_node(d1, va, &lo, &hi, &imp, &node));
	TH_LOG("%s dma-buf of %llu KiB at phys 0x%llx-0x%llx, die 1 VA 0x%llx",
	       what, (unsigned long long)size >> 10, lo, hi,
	       (unsigned long long)va);
	EXPECT_EQ(1, imp);
	EXPECT_EQ(-1, node) TH_LOG("not a die's BO: no node");
	js.va = va;
	ASSERT_EQ(0, submit(d1->fd, &js));
	ASSERT_EQ(0, npu_wait(d1->fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	cpu[2] = NPU_RC_BAD;
	ASSERT_EQ(0, submit(d1->fd, &js));
	ASSERT_EQ(0, npu_wait(d1->fd, js.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_EQ(va + 16, w.fault_va);

	EXPECT_EQ(0, vm_unmap(d1->fd, va, size));
	EXPECT_EQ(0, gem_close(d1->fd, h));
	EXPECT_EQ(0, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	EXPECT_EQ(imports, dbg_value(d1, "die", "imports"));
}

/* A dma-buf of memfd pages (udmabuf), a foreign exporter. */
TEST_F(peer, import_udmabuf)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC };
	const uint64_t size = 64 * 1024;
	int dev, memfd, dmabuf;
	uint64_t *cpu;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		SKIP(return, "no /dev/udmabuf (CONFIG_UDMABUF): %s",
		     strerror(errno));
	memfd = memfd_create("npu-peer", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, size));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	cpu = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, cpu);
	c.memfd = memfd;
	c.size = size;
	dmabuf = ioctl(dev, UDMABUF_CREATE, &c);
	ASSERT_LE(0, dmabuf) TH_LOG("UDMABUF_CREATE: %s", strerror(errno));

	run_from_foreign(_metadata, &self->d1, dmabuf, cpu, size, "udmabuf");
	munmap(cpu, size);
	close(dmabuf);
	close(memfd);
	close(dev);
}

/* A dma-buf of the system dma-heap, a foreign exporter. */
TEST_F(peer, import_dma_heap)
{
	struct dma_heap_allocation_data a = {
		.len = 2 * MIB, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap;
	uint64_t *cpu;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		SKIP(return, "no /dev/dma_heap/system (CONFIG_DMABUF_HEAPS_SYSTEM): %s",
		     strerror(errno));
	ASSERT_EQ(0, npu_ioc(heap, DMA_HEAP_IOCTL_ALLOC, &a));
	cpu = mmap(NULL, a.len, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, 0);
	ASSERT_NE(MAP_FAILED, cpu);
	run_from_foreign(_metadata, &self->d1, a.fd, cpu, a.len, "dma-heap");
	munmap(cpu, a.len);
	close(a.fd);
	close(heap);
}

/* What is not a dma-buf does not import. */
TEST_F(peer, import_rejects_non_dmabufs)
{
	uint32_t h = 0;
	int memfd = memfd_create("npu-peer", MFD_CLOEXEC);

	ASSERT_LE(0, memfd);
	EXPECT_EQ(-EINVAL, npu_import(self->d1.fd, memfd, &h));
	EXPECT_EQ(-EBADF, npu_import(self->d1.fd, 1000000, &h));
	close(memfd);
}

/* Each thread: its own die-1 file importing, mapping, running, dropping. */
struct churn {
	int dmabuf, rounds, failures;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	struct drm_npu_job_wait w;
	int fd = npu_open(1), i;

	if (fd < 0) {
		c->failures = c->rounds;
		return NULL;
	}
	for (i = 0; i < c->rounds; i++) {
		struct jobspec js = { .words = 4 };
		uint32_t h;

		if (npu_import(fd, c->dmabuf, &h) ||
		    vm_map(fd, h, 0, 4096, 0, &js.va)) {
			c->failures++;
			continue;
		}
		if (submit(fd, &js) || npu_wait(fd, js.job_id, 5000, &w) ||
		    w.status != DRM_NPU_JOB_DONE)
			c->failures++;
		/* Half the rounds drop the handle first, half the mapping. */
		if (i & 1 ? gem_close(fd, h) || vm_unmap(fd, js.va, 4096) :
			    vm_unmap(fd, js.va, 4096) || gem_close(fd, h))
			c->failures++;
	}
	close(fd);
	return NULL;
}

/* Imports from several files at once: no failure, nothing left behind. */
TEST_F(peer, concurrent_imports_leave_nothing)
{
	struct churn c[4];
	pthread_t t[4];
	long long imports = dbg_value(&self->d1, "die", "imports");
	uint64_t size;
	uint32_t h;
	int dmabuf, i, failures = 0;
	void *p;

	ASSERT_LE(0, imports);
	ASSERT_EQ(0, bo_create(self->d0.fd, 4096, &h));
	p = bo_mmap(self->d0.fd, h, &size);
	ASSERT_NE(NULL, p);
	null_stream(p);
	munmap(p, size);
	dmabuf = npu_export(self->d0.fd, h);
	ASSERT_LE(0, dmabuf);
	for (i = 0; i < 4; i++) {
		c[i] = (struct churn){ .dmabuf = dmabuf, .rounds = 50 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_thread, &c[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		failures += c[i].failures;
	}
	TH_LOG("4 files x 50 import/map/run/unmap/close rounds: %d failures",
	       failures);
	EXPECT_EQ(0, failures);
	EXPECT_EQ(0, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	EXPECT_EQ(imports, dbg_value(&self->d1, "die", "imports"));
	close(dmabuf);
	gem_close(self->d0.fd, h);
}

/* ---- fences across dies -------------------------------------------- */

#define SLOW_US		400000	/* die 0's job */
#define AFTER_US	100000	/* die 1's job */

/*
 * Submit die 0's slow job A (out-syncobj @out0, writing BO @bo0 if set),
 * then let @gate make die 1's job B depend on it, and check B started
 * only after A: while A runs, die 1 stays idle; B ends at least
 * SLOW_US + AFTER_US after the submits, and A is done by then.
 */
struct gate_ctx {
	struct die *d0, *d1;
	uint32_t out0;		/* die-0 syncobj A signals */
	uint32_t bo0;		/* die-0 BO A writes, or 0 */
	struct jobspec a, b;
	int64_t t0;
};

static void gate_start(struct __test_metadata *_metadata,
		       struct gate_ctx *g, uint64_t va0)
{
	set_delay(g->d0, 0, SLOW_US);
	set_delay(g->d1, 0, AFTER_US);
	g->a = (struct jobspec){ .va = va0, .words = 4, .core_mask = 1,
				 .out_sync = g->out0 };
	if (g->bo0) {
		g->a.bo = g->bo0;
		g->a.bo_flags = DRM_NPU_BO_REF_WRITE;
	}
	g->t0 = npu_now_ns();
	ASSERT_EQ(0, submit(g->d0->fd, &g->a));
}

static void gate_check(struct __test_metadata *_metadata,
		       struct gate_ctx *g, const char *how)
{
	long long busy1 = sys_value(g->d1, "npu/busy_ns");
	struct drm_npu_job_wait w;
	int a_ms, b_ms, a_done;

	ASSERT_EQ(0, submit(g->d1->fd, &g->b));
	usleep(150000);
	/* A still runs: B waits, and no core of die 1 has worked. */
	EXPECT_FALSE(job_done(g->d0->fd, g->a.job_id));
	EXPECT_FALSE(job_done(g->d1->fd, g->b.job_id));
	EXPECT_EQ(busy1, sys_value(g->d1, "npu/busy_ns"));
	EXPECT_EQ(0, core_busy(g->d1, 0));

	ASSERT_EQ(0, npu_wait(g->d1->fd, g->b.job_id, 10000, &w));
	b_ms = ms_since(g->t0);
	a_done = job_done(g->d0->fd, g->a.job_id);
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_TRUE(a_done) TH_LOG("die 1's job ended before die 0's");
	ASSERT_EQ(0, npu_wait(g->d0->fd, g->a.job_id, 0, &w));
	a_ms = (int)(w.busy_ns / 1000000);
	TH_LOG("%s: die 0 job busy %d ms; die 1 job done %d ms after submit (>= %d expected), die 1 busy +%lld ms",
	       how, a_ms, b_ms, (SLOW_US + AFTER_US) / 1000,
	       (sys_value(g->d1, "npu/busy_ns") - busy1) / 1000000);
	EXPECT_LE((SLOW_US + AFTER_US) / 1000, b_ms);
	EXPECT_LE(AFTER_US / 1000, (sys_value(g->d1, "npu/busy_ns") - busy1) / 1000000);
}

/* A null stream BO mapped in @fd's default VM; returns its VA. */
static uint64_t stream_bo(struct __test_metadata *_metadata, int fd,
			  uint32_t *h)
{
	uint64_t size, va = 0;
	void *p;

	EXPECT_EQ(0, bo_create(fd, 4096, h));
	p = bo_mmap(fd, *h, &size);
	EXPECT_NE(NULL, p);
	if (!p)
		return 0;
	null_stream(p);
	munmap(p, size);
	EXPECT_EQ(0, vm_map(fd, *h, 0, 4096, 0, &va));
	return va;
}

/* Without a dependency the die-1 job does not wait: the control case. */
TEST_F(peer, control_no_dependency_no_wait)
{
	struct drm_npu_job_wait w;
	struct jobspec a, b;
	uint32_t h0, h1;
	uint64_t va0 = stream_bo(_metadata, self->d0.fd, &h0);
	uint64_t va1 = stream_bo(_metadata, self->d1.fd, &h1);
	int b_ms;
	int64_t t0;

	set_delay(&self->d0, 0, 600000);
	a = (struct jobspec){ .va = va0, .words = 4, .core_mask = 1 };
	b = (struct jobspec){ .va = va1, .words = 4, .core_mask = 1 };
	t0 = npu_now_ns();
	ASSERT_EQ(0, submit(self->d0.fd, &a));
	ASSERT_EQ(0, submit(self->d1.fd, &b));
	ASSERT_EQ(0, npu_wait(self->d1.fd, b.job_id, 5000, &w));
	b_ms = ms_since(t0);
	EXPECT_FALSE(job_done(self->d0.fd, a.job_id));
	TH_LOG("no dependency: die 1 job done %d ms after submit, die 0 job still running",
	       b_ms);
	ASSERT_EQ(0, npu_wait(self->d0.fd, a.job_id, 5000, &w));
}

/* One syncobj, shared by both dies' files through its fd. */
TEST_F(peer, fence_through_shared_syncobj)
{
	struct gate_ctx g = { .d0 = &self->d0, .d1 = &self->d1 };
	uint32_t h0, h1, s1 = 0;
	uint64_t va0 = stream_bo(_metadata, self->d0.fd, &h0);
	uint64_t va1 = stream_bo(_metadata, self->d1.fd, &h1);
	int sfd;

	g.out0 = syncobj_new(self->d0.fd);
	ASSERT_NE(0, g.out0);
	sfd = syncobj_export(self->d0.fd, g.out0, 0);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, syncobj_import(self->d1.fd, sfd, 0, &s1));
	close(sfd);

	gate_start(_metadata, &g, va0);
	g.b = (struct jobspec){ .va = va1, .words = 4, .core_mask = 1,
				.in_sync = s1 };
	gate_check(_metadata, &g, "shared syncobj");
}

/* Die 0's out-fence as a sync_file, imported into a die-1 syncobj. */
TEST_F(peer, fence_through_sync_file)
{
	struct gate_ctx g = { .d0 = &self->d0, .d1 = &self->d1 };
	uint32_t h0, h1, s1;
	uint64_t va0 = stream_bo(_metadata, self->d0.fd, &h0);
	uint64_t va1 = stream_bo(_metadata, self->d1.fd, &h1);
	struct pollfd pfd = { .events = POLLIN };

	g.out0 = syncobj_new(self->d0.fd);
	s1 = syncobj_new(self->d1.fd);
	ASSERT_NE(0, g.out0);
	ASSERT_NE(0, s1);
	gate_start(_metadata, &g, va0);
	pfd.fd = syncobj_export(self->d0.fd, g.out0,
				DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
	ASSERT_LE(0, pfd.fd);
	EXPECT_EQ(0, poll(&pfd, 1, 0)) TH_LOG("sync_file signalled early");
	ASSERT_EQ(0, syncobj_import(self->d1.fd, pfd.fd,
				    DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
				    &s1));
	g.b = (struct jobspec){ .va = va1, .words = 4, .core_mask = 1,
				.in_sync = s1 };
	gate_check(_metadata, &g, "sync_file");
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	close(pfd.fd);
}

/*
 * Implicit: die 0's job writes a BO; die 1's job that reads its import
 * waits for it, through the reservation the dma-buf shares.
 */
TEST_F(peer, fence_through_dmabuf_implicit_sync)
{
	struct gate_ctx g = { .d0 = &self->d0, .d1 = &self->d1 };
	uint32_t h0, h1, data, idata;
	uint64_t va0 = stream_bo(_metadata, self->d0.fd, &h0);
	uint64_t va1 = stream_bo(_metadata, self->d1.fd, &h1);
	int dmabuf;

	ASSERT_EQ(0, bo_create(self->d0.fd, 4096, &data));
	dmabuf = npu_export(self->d0.fd, data);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, npu_import(self->d1.fd, dmabuf, &idata));
	g.bo0 = data;
	gate_start(_metadata, &g, va0);
	g.b = (struct jobspec){ .va = va1, .words = 4, .core_mask = 1,
				.bo = idata };
	gate_check(_metadata, &g, "dma-buf implicit");
	close(dmabuf);
}

/* The dma-buf's fences exported as a sync_file, the explicit bridge. */
TEST_F(peer, fence_through_dmabuf_export_sync_file)
{
	struct gate_ctx g = { .d0 = &self->d0, .d1 = &self->d1 };
	struct dma_buf_export_sync_file e = { .flags = DMA_BUF_SYNC_READ };
	uint32_t h0, h1, data, s1;
	uint64_t va0 = stream_bo(_metadata, self->d0.fd, &h0);
	uint64_t va1 = stream_bo(_metadata, self->d1.fd, &h1);
	int dmabuf;

	ASSERT_EQ(0, bo_create(self->d0.fd, 4096, &data));
	dmabuf = npu_export(self->d0.fd, data);
	ASSERT_LE(0, dmabuf);
	s1 = syncobj_new(self->d1.fd);
	ASSERT_NE(0, s1);
	g.bo0 = data;
	gate_start(_metadata, &g, va0);
	ASSERT_EQ(0, npu_ioc(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e));
	ASSERT_EQ(0, syncobj_import(self->d1.fd, e.fd,
				    DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
				    &s1));
	close(e.fd);
	g.b = (struct jobspec){ .va = va1, .words = 4, .core_mask = 1,
				.in_sync = s1 };
	gate_check(_metadata, &g, "dma-buf sync_file");
	close(dmabuf);
}

/*
 * A chain die 0 -> die 1 -> die 0: A (die 0, slow) gates B (die 1),
 * whose out-fence gates C back on die 0, on another core.
 */
TEST_F(peer, fence_chain_there_and_back)
{
	uint32_t h0, h1, sa, sa1 = 0, sb, sb0 = 0;
	uint64_t va0 = stream_bo(_metadata, self->d0.fd, &h0);
	uint64_t va1 = stream_bo(_metadata, self->d1.fd, &h1);
	struct jobspec a, b, c;
	struct drm_npu_job_wait w;
	int fd, c_ms;
	int64_t t0;

	sa = syncobj_new(self->d0.fd);
	sb = syncobj_new(self->d1.fd);
	ASSERT_NE(0, sa);
	ASSERT_NE(0, sb);
	fd = syncobj_export(self->d0.fd, sa, 0);
	ASSERT_EQ(0, syncobj_import(self->d1.fd, fd, 0, &sa1));
	close(fd);
	fd = syncobj_export(self->d1.fd, sb, 0);
	ASSERT_EQ(0, syncobj_import(self->d0.fd, fd, 0, &sb0));
	close(fd);

	set_delay(&self->d0, 0, 300000);
	set_delay(&self->d1, 0, 200000);
	a = (struct jobspec){ .va = va0, .words = 4, .core_mask = 1,
			      .out_sync = sa };
	b = (struct jobspec){ .va = va1, .words = 4, .core_mask = 1,
			      .in_sync = sa1, .out_sync = sb };
	c = (struct jobspec){ .va = va0, .words = 4, .core_mask = 2,
			      .in_sync = sb0 };
	t0 = npu_now_ns();
	ASSERT_EQ(0, submit(self->d0.fd, &a));
	ASSERT_EQ(0, submit(self->d1.fd, &b));
	ASSERT_EQ(0, submit(self->d0.fd, &c));
	ASSERT_EQ(0, npu_wait(self->d0.fd, c.job_id, 10000, &w));
	c_ms = ms_since(t0);
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(1, w.core);
	EXPECT_TRUE(job_done(self->d0.fd, a.job_id));
	EXPECT_TRUE(job_done(self->d1.fd, b.job_id));
	TH_LOG("die 0 (300 ms) -> die 1 (200 ms) -> die 0: last job done after %d ms",
	       c_ms);
	EXPECT_LE(500, c_ms);
}

/*
 * A failed die-0 job still signals its fence (with its error): the die-1
 * job waiting for it runs, as within one die.
 */
TEST_F(peer, failed_job_still_releases_the_waiter)
{
	uint32_t h0, h1, sa, sa1 = 0;
	uint64_t size, va0, va1;
	struct jobspec a, b;
	struct drm_npu_job_wait w;
	uint64_t *p;
	int fd;

	va0 = stream_bo(_metadata, self->d0.fd, &h0);
	va1 = stream_bo(_metadata, self->d1.fd, &h1);
	p = bo_mmap(self->d0.fd, h0, &size);
	ASSERT_NE(NULL, p);
	p[0] = NPU_RC_BAD;
	sa = syncobj_new(self->d0.fd);
	fd = syncobj_export(self->d0.fd, sa, 0);
	ASSERT_EQ(0, syncobj_import(self->d1.fd, fd, 0, &sa1));
	close(fd);
	a = (struct jobspec){ .va = va0, .words = 4, .out_sync = sa };
	b = (struct jobspec){ .va = va1, .words = 4, .in_sync = sa1 };
	ASSERT_EQ(0, submit(self->d0.fd, &a));
	ASSERT_EQ(0, submit(self->d1.fd, &b));
	ASSERT_EQ(0, npu_wait(self->d1.fd, b.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	ASSERT_EQ(0, npu_wait(self->d0.fd, a.job_id, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	munmap(p, size);
}

TEST_HARNESS_MAIN
