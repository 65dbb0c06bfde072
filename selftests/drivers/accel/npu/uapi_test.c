// SPDX-License-Identifier: MIT
/*
 * Every ioctl of the npu UAPI with its happy path and its bad inputs:
 * BOs, CPU access, VMs and mappings, SUBMIT and JOB_WAIT.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

FIXTURE(uapi) {
	int fd;
};

FIXTURE_SETUP(uapi)
{
	self->fd = npu_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("no npu device: are npu.ko and npu_virtual.ko loaded?");
}

FIXTURE_TEARDOWN(uapi)
{
	close(self->fd);
}

/* Create, mmap, write, read back, through a second mapping too. */
TEST_F(uapi, bo_cpu_round_trip)
{
	struct drm_npu_bo_info info = { 0 };
	struct npu_bo bo;
	uint32_t *p, *q;
	size_t i;

	ASSERT_EQ(0, npu_bo_new(self->fd, 10000, &bo));
	EXPECT_EQ(12288, bo.size);	/* rounded up to pages */
	p = bo.cpu;
	for (i = 0; i < bo.size / 4; i++)
		ASSERT_EQ(0, p[i]) TH_LOG("BO not zeroed at %zu", i);
	for (i = 0; i < bo.size / 4; i++)
		p[i] = (uint32_t)(i * 2654435761u);
	info.handle = bo.handle;
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_INFO, &info));
	q = mmap(NULL, info.size, PROT_READ, MAP_SHARED, self->fd,
		 (off_t)info.mmap_offset);
	ASSERT_NE(MAP_FAILED, q);
	for (i = 0; i < bo.size / 4; i++)
		ASSERT_EQ((uint32_t)(i * 2654435761u), q[i]);
	munmap(q, info.size);
	npu_bo_free(self->fd, &bo);
}

TEST_F(uapi, bo_create_bad)
{
	struct drm_npu_bo_create c = { .size = 4096 };

	c.flags = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	c.flags = 0;
	c.pad = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	c.pad = 0;
	c.placement = 2;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	c.placement = 0;
	c.size = 0;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	c.size = (4ull << 30) + 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	c.size = ~0ull;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	c.size = 4096;
	c.placement = DRM_NPU_BO_PLACEMENT_ANY;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	EXPECT_EQ(-EFAULT, ioctl(self->fd, DRM_IOCTL_NPU_BO_CREATE, NULL) ? -errno : 0);
}

TEST_F(uapi, bo_info_and_cpu_prep_bad)
{
	struct drm_npu_bo_info i = { .handle = 12345 };
	struct drm_npu_bo_cpu_prep p = { 0 };
	struct drm_npu_bo_cpu_fini f = { 0 };
	struct drm_gem_close cl = { 0 };
	struct npu_bo bo;

	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_INFO, &i));
	ASSERT_EQ(0, npu_bo_new(self->fd, 4096, &bo));
	i.handle = bo.handle;
	i.flags = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_INFO, &i));

	p.handle = bo.handle;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	p.flags = 4;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	p.flags = DRM_NPU_CPU_READ;
	p.timeout_ns = -1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	p.timeout_ns = 0;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	p.flags = DRM_NPU_CPU_READ | DRM_NPU_CPU_WRITE;
	p.timeout_ns = npu_now_ns() + 1000000000;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	f.handle = bo.handle;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_FINI, &f));
	f.flags = DRM_NPU_CPU_WRITE;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_FINI, &f));

	/* A stale handle is an unknown one. */
	cl.handle = bo.handle;
	munmap(bo.cpu, bo.size);
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_GEM_CLOSE, &cl));
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_CPU_FINI, &f));
	i.flags = 0;
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_BO_INFO, &i));
}

TEST_F(uapi, vm_create_destroy)
{
	struct drm_npu_vm_create c = { 0 };
	struct drm_npu_vm_destroy d = { 0 };
	uint32_t ids[64];
	int i, n = 0;

	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_CREATE, &c));
	EXPECT_NE(DRM_NPU_VM_DEFAULT, c.vm_id);
	d.vm_id = c.vm_id;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_DESTROY, &d));
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_DESTROY, &d));
	d.vm_id = DRM_NPU_VM_DEFAULT;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_DESTROY, &d));
	d.vm_id = 999;
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_DESTROY, &d));
	d.pad = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_DESTROY, &d));
	c.flags = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_CREATE, &c));
	/* A file may hold a bounded number of VMs. */
	c.flags = 0;
	for (i = 0; i < 64; i++) {
		if (npu_ioc(self->fd, DRM_IOCTL_NPU_VM_CREATE, &c))
			break;
		ids[n++] = c.vm_id;
	}
	EXPECT_EQ(-ENOSPC, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_CREATE, &c));
	TH_LOG("%d VMs per file", n + 1);
	for (i = 0; i < n; i++) {
		d = (struct drm_npu_vm_destroy){ .vm_id = ids[i] };
		EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_DESTROY, &d));
	}
}

TEST_F(uapi, vm_map_and_unmap)
{
	struct drm_npu_vm_map m = { 0 };
	struct drm_npu_vm_unmap u = { 0 };
	struct npu_bo bo;

	ASSERT_EQ(0, npu_bo_new(self->fd, 16384, &bo));
	m.handle = bo.handle;
	m.size = 16384;
	m.flags = DRM_NPU_MAP_READ;
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));
	EXPECT_LE(4096, m.va);
	EXPECT_EQ(0, m.va % 4096);

	/* Fixed mapping, then one overlapping it. */
	m.flags = DRM_NPU_MAP_READ | DRM_NPU_MAP_WRITE | DRM_NPU_MAP_FIXED;
	m.va = 0x40000000;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));
	m.va = 0x40002000;
	EXPECT_EQ(-ENOSPC, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));
	m.va = 0x40004000;
	m.bo_offset = 8192;
	m.size = 8192;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));

	/* Unmap needs the exact range. */
	u.va = 0x40000000;
	u.size = 8192;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_UNMAP, &u));
	u.size = 16384;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_UNMAP, &u));
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_UNMAP, &u));
	u.pad = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_UNMAP, &u));
	u.pad = 0;
	u.va = 1ull << 32;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_UNMAP, &u));
	u.vm_id = 77;
	u.va = 0x40004000;
	u.size = 8192;
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_UNMAP, &u));
	npu_bo_free(self->fd, &bo);
}

TEST_F(uapi, vm_map_bad)
{
	struct npu_bo bo;
	struct drm_npu_vm_map m;

	ASSERT_EQ(0, npu_bo_new(self->fd, 8192, &bo));
#define MAP(field_init, err) do {					\
		m = (struct drm_npu_vm_map){ .handle = bo.handle,	\
			.size = 8192, .flags = DRM_NPU_MAP_READ };	\
		field_init;						\
		EXPECT_EQ(err, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m))	\
			TH_LOG("%s", #field_init);			\
	} while (0)
	MAP(m.flags = 0, -EINVAL);			/* no READ */
	MAP(m.flags = DRM_NPU_MAP_WRITE, -EINVAL);
	MAP(m.flags |= 0x100, -EINVAL);
	MAP(m.pad = 1, -EINVAL);
	MAP(m.size = 0, -EINVAL);
	MAP(m.size = 100, -EINVAL);			/* not page aligned */
	MAP(m.size = 12288, -EINVAL);			/* past the BO */
	MAP(m.bo_offset = 4096, -EINVAL);		/* offset + size past */
	MAP(m.bo_offset = 100, -EINVAL);
	MAP((m.bo_offset = ~0ull - 4095, m.size = 8192), -EINVAL); /* overflow */
	MAP(m.handle = 999, -ENOENT);
	MAP(m.vm_id = 55, -ENOENT);
	MAP((m.flags |= DRM_NPU_MAP_FIXED, m.va = 0), -EINVAL);  /* NULL page */
	MAP((m.flags |= DRM_NPU_MAP_FIXED, m.va = 0x1001), -EINVAL);
	MAP((m.flags |= DRM_NPU_MAP_FIXED, m.va = (1ull << 32) - 4096), -EINVAL);
	MAP((m.flags |= DRM_NPU_MAP_FIXED, m.va = ~0ull - 4095), -EINVAL);
#undef MAP
	EXPECT_EQ(-EFAULT, ioctl(self->fd, DRM_IOCTL_NPU_VM_MAP, (void *)8) ? -errno : 0);
	npu_bo_free(self->fd, &bo);
}

/*
 * Fill a VM: the last free space goes, then -ENOSPC.  A 1 GiB BO mapped
 * three times takes minutes under KASAN in the TCG guest: a long timeout.
 */
TEST_F_TIMEOUT(uapi, vm_full, 600)
{
	struct drm_npu_vm_create c = { 0 };
	struct drm_npu_vm_map m = { 0 };
	struct npu_bo bo;

	ASSERT_EQ(0, npu_bo_new(self->fd, 1ull << 30, &bo));
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_CREATE, &c));
	m.vm_id = c.vm_id;
	m.handle = bo.handle;
	m.size = bo.size;
	m.flags = DRM_NPU_MAP_READ;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));
	/* 3 GiB used of 4 GiB minus the NULL page: no 1 GiB left. */
	EXPECT_EQ(-ENOSPC, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_MAP, &m));
	npu_bo_free(self->fd, &bo);
}

static struct drm_npu_submit one_job(struct drm_npu_job *j, struct drm_npu_task *t)
{
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)j, .job_count = 1, .job_stride = sizeof(*j),
	};

	j->tasks = (uintptr_t)t;
	j->task_count = 1;
	return s;
}

TEST_F(uapi, submit_bad)
{
	struct drm_npu_task t = { .regcmd_count = 4 };
	struct drm_npu_task many[4096];
	struct drm_npu_job j, js[65];
	struct drm_npu_bo_ref refs[2];
	struct drm_npu_sync sync = { .handle = 4242 };
	struct drm_npu_submit s;
	struct npu_bo bo;
	unsigned char big[sizeof(struct drm_npu_job) + 16];

	ASSERT_EQ(0, npu_null_task(self->fd, 0, &bo));
	t.regcmd_va = bo.va;
#define SUB(setup, err) do {						\
		memset(&j, 0, sizeof(j));				\
		s = one_job(&j, &t);					\
		setup;							\
		EXPECT_EQ(err, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s))	\
			TH_LOG("%s", #setup);				\
	} while (0)
	SUB((void)0, 0);
	SUB(s.flags = DRM_NPU_SUBMIT_PARALLEL, 0);
	SUB(s.flags = 2, -EINVAL);
	SUB(s.flags = 0x80000000u, -EINVAL);
	SUB(s.job_count = 0, -EINVAL);
	SUB((s.jobs = (uintptr_t)js, s.job_count = 65), -EINVAL);
	SUB(s.job_stride = 72 - 8, -EINVAL);	/* below the 1.0 struct */
	SUB(s.job_stride = sizeof(j) + 4, -EINVAL);
	SUB(s.job_stride = 8192, -EINVAL);
	SUB(s.jobs = 0, -EFAULT);
	SUB(s.jobs = 8, -EFAULT);
	SUB(j.flags = 1, -EINVAL);
	SUB(j.pad = 1, -EINVAL);
	SUB(j.task_count = 0, -EINVAL);
	SUB(j.task_count = 4096, -EINVAL);
	SUB((j.tasks = (uintptr_t)many, j.task_count = 4095, memset(many, 0, sizeof(many))),
	    -EINVAL);			/* tasks with no words */
	SUB(j.tasks = 0, -EFAULT);
	SUB(j.core_mask = 1u << 5, -EINVAL);
	SUB(j.vm_id = 31, -ENOENT);
	SUB((j.bos = (uintptr_t)refs, j.bo_count = 1, refs[0].handle = 999,
	     refs[0].flags = 0), -ENOENT);
	SUB((j.bos = (uintptr_t)refs, j.bo_count = 1, refs[0].handle = bo.handle,
	     refs[0].flags = 4), -EINVAL);	/* the first unknown flag */
	SUB((j.bos = (uintptr_t)refs, j.bo_count = 2, refs[0].handle = bo.handle,
	     refs[0].flags = 0, refs[1] = refs[0]), -EINVAL);	/* twice */
	SUB((j.bos = (uintptr_t)refs, j.bo_count = 257), -EINVAL);
	SUB((j.bos = 8, j.bo_count = 1), -EFAULT);
	SUB((j.in_syncs = (uintptr_t)&sync, j.in_sync_count = 1), -ENOENT);
	SUB((j.out_syncs = (uintptr_t)&sync, j.out_sync_count = 1), -ENOENT);
	SUB((j.in_syncs = (uintptr_t)&sync, j.in_sync_count = 65), -EINVAL);
	SUB((j.out_syncs = 8, j.out_sync_count = 1), -EFAULT);
	SUB((t.flags = 1), -EINVAL);
	t.flags = 0;
	SUB((t.regcmd_count = 0), -EINVAL);
	SUB((t.regcmd_count = 65537), -EINVAL);
	t.regcmd_count = 4;
	SUB((t.regcmd_va = bo.va + 8), -EINVAL);		/* not 16-aligned */
	SUB((t.regcmd_va = 1ull << 32), -EINVAL);
	SUB((t.regcmd_va = (1ull << 32) - 16, t.regcmd_count = 3), -EINVAL);
	t.regcmd_va = bo.va;
	t.regcmd_count = 4;
	/* A longer struct from a newer binary: zeros accepted, else not. */
	memset(big, 0, sizeof(big));
	memset(&j, 0, sizeof(j));
	j.tasks = (uintptr_t)&t;
	j.task_count = 1;
	memcpy(big, &j, sizeof(j));
	s = (struct drm_npu_submit){ .jobs = (uintptr_t)big, .job_count = 1,
				     .job_stride = sizeof(big) };
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	big[sizeof(j) + 3] = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
#undef SUB
	npu_bo_free(self->fd, &bo);
}

/*
 * The bad inputs of a job whose task list (9) and BO list (5) are too
 * long to be kept in the job: each is refused with its errno, and the
 * valid job after them runs (the debug lane's KASAN and kmemleak see
 * the refused ones' memory go).
 */
TEST_F(uapi, submit_bad_long_lists)
{
	struct { struct drm_npu_task t; uint64_t more; } wt[9];
	struct drm_npu_task t[9], *tail;
	struct drm_npu_bo_ref refs[5];
	struct drm_npu_job_wait w;
	struct drm_npu_submit s;
	struct drm_npu_job j;
	struct npu_bo code, data[5];
	long page = sysconf(_SC_PAGESIZE);
	char *pages;
	int i;

	ASSERT_EQ(0, npu_null_task(self->fd, 0, &code));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, npu_bo_new(self->fd, 4096, &data[i]));
		refs[i] = (struct drm_npu_bo_ref){ .handle = data[i].handle };
	}
	for (i = 0; i < 9; i++) {
		t[i] = (struct drm_npu_task){ .regcmd_va = code.va,
					      .regcmd_count = 4 };
		wt[i].t = t[i];
		wt[i].more = 0;
	}
	/* Eight tasks at the end of a page, the ninth beyond it. */
	pages = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, mprotect(pages + page, page, PROT_NONE));
	tail = (struct drm_npu_task *)(pages + page) - 8;
	memcpy(tail, t, 8 * sizeof(*t));
#define SUB(setup, err) do {						\
		memset(&j, 0, sizeof(j));				\
		j.tasks = (uintptr_t)t;					\
		j.task_count = 9;					\
		j.bos = (uintptr_t)refs;				\
		j.bo_count = 5;						\
		s = (struct drm_npu_submit){ .jobs = (uintptr_t)&j,	\
					     .job_count = 1,		\
					     .job_stride = sizeof(j) };	\
		setup;							\
		EXPECT_EQ(err, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s))	\
			TH_LOG("%s", #setup);				\
	} while (0)
	SUB(refs[4].handle = 999, -ENOENT);
	refs[4].handle = data[4].handle;
	SUB(refs[4].handle = data[0].handle, -EINVAL);	/* twice */
	refs[4].handle = data[4].handle;
	SUB(refs[4].flags = 4, -EINVAL);
	refs[4].flags = 0;
	SUB(t[8].regcmd_count = 0, -EINVAL);
	t[8].regcmd_count = 4;
	SUB(j.tasks = (uintptr_t)tail, -EFAULT);
	SUB((j.tasks = (uintptr_t)wt, j.task_stride = sizeof(wt[0]),
	     wt[8].more = 1), -EINVAL);
	wt[8].more = 0;
	SUB((j.tasks = (uintptr_t)wt, j.task_stride = sizeof(wt[0])), 0);
	ASSERT_EQ(0, npu_wait(self->fd, j.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	SUB((void)0, 0);
	ASSERT_EQ(0, npu_wait(self->fd, j.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
#undef SUB
	munmap(pages, 2 * page);
	for (i = 0; i < 5; i++)
		npu_bo_free(self->fd, &data[i]);
	npu_bo_free(self->fd, &code);
}

/*
 * Array strides of a job: a task, BO or sync struct larger than this
 * kernel's (a newer binary) is taken when its tail is zero, refused when
 * not; strides below the struct, unaligned or huge are refused; a binary
 * of 1.0 that passes the 72-byte job struct gets the default strides.
 */
TEST_F(uapi, submit_array_strides)
{
	struct { struct drm_npu_task t; uint64_t more; } wt[2];
	struct { struct drm_npu_bo_ref r; uint64_t more; } wr;
	struct { struct drm_npu_sync s; uint64_t more; } ws;
	struct drm_syncobj_create sc = { 0 };
	struct drm_npu_job_wait w;
	struct drm_npu_submit s;
	struct drm_npu_job j;
	struct npu_bo bo;

	ASSERT_EQ(0, npu_null_task(self->fd, 0, &bo));
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc));
	memset(wt, 0, sizeof(wt));
	memset(&wr, 0, sizeof(wr));
	memset(&ws, 0, sizeof(ws));
	wt[0].t = (struct drm_npu_task){ .regcmd_va = bo.va, .regcmd_count = 4 };
	wt[1] = wt[0];
	wr.r.handle = bo.handle;
	ws.s.handle = sc.handle;
#define JOB() do {							\
		memset(&j, 0, sizeof(j));				\
		s = one_job(&j, &wt[0].t);				\
		j.task_count = 2;					\
		j.task_stride = sizeof(wt[0]);				\
		j.bos = (uintptr_t)&wr;					\
		j.bo_count = 1;						\
		j.bo_stride = sizeof(wr);				\
		j.out_syncs = (uintptr_t)&ws;				\
		j.out_sync_count = 1;					\
		j.sync_stride = sizeof(ws);				\
	} while (0)
	JOB();
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	ASSERT_EQ(0, npu_wait(self->fd, j.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	wt[1].more = 1;
	JOB();
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	wt[1].more = 0;
	wr.more = 1;
	JOB();
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	wr.more = 0;
	ws.more = 1;
	JOB();
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	ws.more = 0;
	JOB();
	j.task_stride = 8;		/* below the struct */
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	JOB();
	j.bo_stride = 12;		/* unaligned */
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	JOB();
	j.sync_stride = 4096;		/* beyond any struct */
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	JOB();
	j.pad2 = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));

	/* The 1.0 job struct, 72 bytes: strides default to the structs. */
	memset(&j, 0, sizeof(j));
	s = one_job(&j, &wt[0].t);
	s.job_stride = 72;
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	ASSERT_EQ(0, npu_wait(self->fd, j.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
#undef JOB
	npu_bo_free(self->fd, &bo);
}

/* Submits into a VM of another file or a destroyed VM fail. */
TEST_F(uapi, submit_foreign_or_destroyed_vm)
{
	struct drm_npu_vm_create c = { 0 };
	struct drm_npu_vm_destroy d = { 0 };
	int other = npu_open(0);
	struct npu_bo bo;
	uint64_t id = 0;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, npu_ioc(other, DRM_IOCTL_NPU_VM_CREATE, &c));
	ASSERT_EQ(0, npu_null_task(self->fd, 0, &bo));
	EXPECT_EQ(-ENOENT, npu_submit_one(self->fd, c.vm_id, bo.va, 4, 0, &id));
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_CREATE, &c));
	d.vm_id = c.vm_id;
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_VM_DESTROY, &d));
	EXPECT_EQ(-ENOENT, npu_submit_one(self->fd, c.vm_id, bo.va, 4, 0, &id));
	close(other);
	npu_bo_free(self->fd, &bo);
}

/* A failure in the middle of an array: nothing queued, all reported. */
TEST_F(uapi, submit_array_failure_reported)
{
	struct drm_npu_task t = { .regcmd_count = 4 };
	struct drm_npu_job js[3];
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)js, .job_count = 3, .job_stride = sizeof(js[0]),
	};
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	int i;

	ASSERT_EQ(0, npu_null_task(self->fd, 0, &bo));
	t.regcmd_va = bo.va;
	memset(js, 0, sizeof(js));
	for (i = 0; i < 3; i++) {
		js[i].tasks = (uintptr_t)&t;
		js[i].task_count = 1;
	}
	js[1].vm_id = 9;	/* no such VM */
	s.submitted = 77;
	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	EXPECT_EQ(0, s.submitted);
	js[1].vm_id = 0;
	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	EXPECT_EQ(3, s.submitted);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, npu_wait(self->fd, js[i].job_id, 5000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		if (i)
			EXPECT_GT(js[i].job_id, js[i - 1].job_id);
	}
	npu_bo_free(self->fd, &bo);
}

TEST_F(uapi, job_wait_bad)
{
	struct drm_npu_job_wait w = { .job_id = 1234567 };
	struct npu_bo bo;
	uint64_t id = 0;

	EXPECT_EQ(-ENOENT, npu_ioc(self->fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	ASSERT_EQ(0, npu_null_task(self->fd, 0, &bo));
	ASSERT_EQ(0, npu_submit_one(self->fd, 0, bo.va, 4, 0, &id));
	w.job_id = id;
	w.flags = 2;	/* 1 is DRM_NPU_WAIT_SUBMIT (wait_test) */
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	w.flags = 0;
	w.timeout_ns = -5;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	EXPECT_EQ(0, npu_wait(self->fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(0, w.error);
	EXPECT_EQ(0, w.fault_va);
	EXPECT_EQ(-EFAULT, ioctl(self->fd, DRM_IOCTL_NPU_JOB_WAIT, (void *)16) ? -errno : 0);
	npu_bo_free(self->fd, &bo);
}

/* A running job polled with timeout 0: -ETIME and PENDING. */
TEST_F(uapi, job_wait_pending)
{
	struct drm_npu_job_wait w;
	char knob[128];
	struct npu_bo bo;
	uint64_t id = 0;

	npu_dbg_path(knob, sizeof(knob), 0, "core2/task_delay_us");
	ASSERT_EQ(0, npu_write_file(knob, "300000"));
	ASSERT_EQ(0, npu_null_task(self->fd, 0, &bo));
	ASSERT_EQ(0, npu_submit_one(self->fd, 0, bo.va, 4, 1u << 2, &id));
	EXPECT_EQ(-ETIME, npu_wait(self->fd, id, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_PENDING, w.status);
	EXPECT_EQ(0, npu_wait(self->fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(2, w.core);
	EXPECT_LE(300000000ull, w.busy_ns);
	ASSERT_EQ(0, npu_write_file(knob, "0"));
	npu_bo_free(self->fd, &bo);
}

/* Streams the PC rejects, and reads of unmapped memory. */
TEST_F(uapi, bad_streams_and_faults)
{
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t *rc, id = 0;

	ASSERT_EQ(0, npu_bo_new(self->fd, 4096, &bo));
	ASSERT_EQ(0, npu_bo_map(self->fd, &bo, 0, 0));
	rc = bo.cpu;
	rc[0] = NPU_RC_CNA(1);
	rc[1] = (0x0201ull << 48) | 0x3000;	/* CORE register via CNA */
	rc[2] = NPU_RC_VERSION;
	rc[3] = NPU_RC_OP_EN;
	ASSERT_EQ(0, npu_submit_one(self->fd, 0, bo.va, 4, 0, &id));
	ASSERT_EQ(0, npu_wait(self->fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_EQ(DRM_NPU_REASON_BAD_WORD, w.reason);
	EXPECT_EQ(bo.va + 8, w.fault_va);

	rc[1] = 0;
	rc[3] = NPU_RC_CNA(2);			/* no op_en at the end */
	ASSERT_EQ(0, npu_submit_one(self->fd, 0, bo.va, 4, 0, &id));
	ASSERT_EQ(0, npu_wait(self->fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);

	/* The stream runs past its mapping: the fault names the address. */
	rc[3] = NPU_RC_OP_EN;
	rc[510] = NPU_RC_CNA(3);
	rc[511] = NPU_RC_CNA(4);
	ASSERT_EQ(0, npu_submit_one(self->fd, 0, bo.va + 4080, 4, 1, &id));
	ASSERT_EQ(0, npu_wait(self->fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_MMU_FAULT, w.status);
	EXPECT_EQ(bo.va + 4096, w.fault_va);
	EXPECT_EQ(-EFAULT, w.error);
	EXPECT_EQ(DRM_NPU_REASON_NONE, w.reason);	/* only INVALID has one */

	/* Injected: the next access to this page faults, once. */
	{
		char knob[128], va[32];

		npu_dbg_path(knob, sizeof(knob), 0, "core0/fault_va");
		ASSERT_EQ(0, npu_write_file(knob, "0x0"));
		snprintf(va, sizeof(va), "0x%llx", (unsigned long long)bo.va);
		ASSERT_EQ(0, npu_write_file(knob, va));
	}
	ASSERT_EQ(0, npu_submit_one(self->fd, 0, bo.va, 4, 1, &id));
	ASSERT_EQ(0, npu_wait(self->fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_MMU_FAULT, w.status);
	EXPECT_EQ(bo.va, w.fault_va);
	/* The next job on the same core is fine. */
	ASSERT_EQ(0, npu_submit_one(self->fd, 0, bo.va, 4, 1, &id));
	ASSERT_EQ(0, npu_wait(self->fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	npu_bo_free(self->fd, &bo);
}

/* A process cannot reach another process's BOs. */
TEST_F(uapi, isolation)
{
	struct drm_npu_vm_map m = { 0 };
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t id = 0;
	int other = npu_open(0);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, npu_null_task(self->fd, 0, &bo));
	/* Same handle number in the other file: not this BO. */
	m.handle = bo.handle;
	m.size = 4096;
	m.flags = DRM_NPU_MAP_READ;
	EXPECT_EQ(-ENOENT, npu_ioc(other, DRM_IOCTL_NPU_VM_MAP, &m));
	/* A job of the other file at the VA this file mapped: a fault. */
	ASSERT_EQ(0, npu_submit_one(other, 0, bo.va, 4, 0, &id));
	ASSERT_EQ(0, npu_wait(other, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_MMU_FAULT, w.status);
	EXPECT_EQ(bo.va, w.fault_va);
	/* And across a fork, the child's own file sees nothing either. */
	if (!fork()) {
		int fd = npu_open(0);
		struct drm_npu_job_wait cw;
		uint64_t cid = 0;

		if (fd < 0 || npu_submit_one(fd, 0, bo.va, 4, 0, &cid) ||
		    npu_wait(fd, cid, 5000, &cw))
			_exit(2);
		_exit(cw.status == DRM_NPU_JOB_MMU_FAULT ? 0 : 1);
	}
	{
		int status;

		wait(&status);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(other);
	npu_bo_free(self->fd, &bo);
}

TEST_HARNESS_MAIN
