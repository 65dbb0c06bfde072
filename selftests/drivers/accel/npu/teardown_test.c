// SPDX-License-Identifier: MIT
/*
 * Taking the driver away under load: unbinding a die with files open
 * and jobs queued, and unloading the modules right after the last file
 * with jobs still running closed.  The virtual NPU's module stays while
 * anything of it is in use: an open file or a CPU mapping refuses its
 * removal, a shared BO delays it.  Nothing hangs, nothing leaks into the
 * kernel log, and the dies come back.  Run last: it reloads npu.ko and
 * npu_virtual.ko (from /npu, with the parameters of /npu/params and
 * /npu/vparams, as tools/vm-run.sh loaded them).
 */
#include <linux/sync_file.h>
#include <poll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

#define DRV	"/sys/bus/platform/drivers/npu-virtual/"
#define LOAD_NPU	"insmod /npu/npu.ko $(cat /npu/params 2>/dev/null)"
#define LOAD_VIRTUAL	"insmod /npu/npu_virtual.ko $(cat /npu/vparams 2>/dev/null)"

/* Queue @n slow jobs on core 0 of die @die; returns the fd. */
static int busy_fd(int die, int n, uint64_t *ids)
{
	char delay_file[128];
	struct npu_bo bo;
	int fd = npu_open(die), i;

	npu_dbg_path(delay_file, sizeof(delay_file), die,
		     "core0/task_delay_us");
	if (fd < 0 || npu_write_file(delay_file, "200000") ||
	    npu_null_task(fd, 0, &bo))
		return -1;
	for (i = 0; i < n; i++)
		if (npu_submit_one(fd, 0, bo.va, 4, 1, &ids[i]))
			return -1;
	/* A CPU mapping would keep the file (and the module) alive. */
	munmap(bo.cpu, bo.size);
	return fd;
}

TEST(unbind_with_jobs_queued)
{
	struct drm_npu_bo_create c = { .size = 4096 };
	struct drm_syncobj_create sc = { 0 };
	struct drm_npu_job_wait w;
	uint64_t ids[4];
	int64_t t0;
	int fd, fd2;

	fd = busy_fd(1, 4, ids);
	ASSERT_LE(0, fd);
	usleep(50000);
	t0 = npu_now_ns();
	ASSERT_EQ(0, npu_write_file(DRV "unbind", "npu-virtual.1"));
	TH_LOG("unbind with 4 jobs queued took %lld ms",
	       (long long)(npu_now_ns() - t0) / 1000000);
	/* The file is dead: every ioctl says so. */
	EXPECT_EQ(-ENODEV, npu_ioc(fd, DRM_IOCTL_NPU_BO_CREATE, &c));
	EXPECT_EQ(-ENODEV, npu_wait(fd, ids[3], 1000, &w));
	EXPECT_EQ(-ENODEV, npu_ioc(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc));
	close(fd);

	ASSERT_EQ(0, npu_write_file(DRV "bind", "npu-virtual.1"));
	fd2 = npu_open(1);
	ASSERT_LE(0, fd2);
	{
		struct npu_bo bo;
		uint64_t id = 0;

		ASSERT_EQ(0, npu_null_task(fd2, 0, &bo));
		ASSERT_EQ(0, npu_submit_one(fd2, 0, bo.va, 4, 0, &id));
		ASSERT_EQ(0, npu_wait(fd2, id, 5000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		npu_bo_free(fd2, &bo);
	}
	close(fd2);
}

/*
 * Submit one job of the null stream at @va on core 0 of @fd, signalling a
 * new syncobj; returns its fence as a sync_file fd, or -1.
 */
static int job_sync_file(int fd, uint64_t va, uint64_t *job_id)
{
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_handle h = {
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	struct drm_npu_task t = { .regcmd_va = va, .regcmd_count = 4 };
	struct drm_npu_sync out = { 0 };
	struct drm_npu_job j = {
		.tasks = (uintptr_t)&t, .task_count = 1, .core_mask = 1,
		.out_syncs = (uintptr_t)&out, .out_sync_count = 1,
	};
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)&j, .job_count = 1, .job_stride = sizeof(j),
	};

	if (ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc))
		return -1;
	out.handle = sc.handle;
	if (ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s))
		return -1;
	*job_id = j.job_id;
	h.handle = sc.handle;
	if (ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h))
		return -1;
	return h.fd;
}

/* The one fence of a sync_file: its timeline, driver and status. */
static int sync_file_fence(int sf, struct sync_fence_info *fi)
{
	struct sync_file_info info = {
		.num_fences = 1, .sync_fence_info = (uintptr_t)fi,
	};

	memset(fi, 0, sizeof(*fi));
	if (ioctl(sf, SYNC_IOC_FILE_INFO, &info))
		return -errno;
	return info.num_fences == 1 ? 0 : -EINVAL;
}

/*
 * A job's fence handed out as a sync_file outlives the die, its file and
 * its scheduler: asking the sync_file about it after the die was unbound
 * and its last file closed reads the scheduler's timeline name, which
 * must still be there (under KASAN, a use after free otherwise).  One
 * job ran, one was cancelled by the unbind before it ran.
 */
TEST(sync_file_after_unbind)
{
	struct sync_fence_info done0, done1, cancelled0, cancelled1;
	struct pollfd pfd = { .events = POLLIN };
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t ids[2];
	int fd, sf_done, sf_cancelled;

	fd = npu_open(1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	sf_done = job_sync_file(fd, bo.va, &ids[0]);
	ASSERT_LE(0, sf_done);
	ASSERT_EQ(0, npu_wait(fd, ids[0], 5000, &w));
	ASSERT_EQ(DRM_NPU_JOB_DONE, w.status);
	ASSERT_EQ(0, npu_set_task_delay(1, 0, "500000"));
	ASSERT_EQ(0, npu_submit_one(fd, 0, bo.va, 4, 1, &ids[1]));
	sf_cancelled = job_sync_file(fd, bo.va, &ids[1]);
	ASSERT_LE(0, sf_cancelled);
	ASSERT_EQ(0, sync_file_fence(sf_done, &done0));
	ASSERT_EQ(0, sync_file_fence(sf_cancelled, &cancelled0));
	EXPECT_EQ(1, done0.status);
	EXPECT_EQ(0, cancelled0.status) TH_LOG("queued behind a 500 ms task");
	npu_bo_free(fd, &bo);

	ASSERT_EQ(0, npu_write_file(DRV "unbind", "npu-virtual.1"));
	close(fd);	/* the last file: the die's DRM device is released */
	pfd.fd = sf_cancelled;
	EXPECT_EQ(1, poll(&pfd, 1, 5000)) TH_LOG("cancelled job never signalled");

	ASSERT_EQ(0, sync_file_fence(sf_done, &done1));
	ASSERT_EQ(0, sync_file_fence(sf_cancelled, &cancelled1));
	TH_LOG("timelines after unbind: \"%s\" (%s, %d), \"%s\" (%s, %d)",
	       done1.obj_name, done1.driver_name, done1.status,
	       cancelled1.obj_name, cancelled1.driver_name, cancelled1.status);
	EXPECT_STREQ(done0.obj_name, done1.obj_name);
	EXPECT_STREQ(cancelled0.obj_name, cancelled1.obj_name);
	EXPECT_EQ(1, done1.status);
	EXPECT_GT(0, cancelled1.status) TH_LOG("a cancelled job is an error");
	close(sf_done);
	close(sf_cancelled);
	ASSERT_EQ(0, npu_write_file(DRV "bind", "npu-virtual.1"));
}

/*
 * A process blocked in JOB_WAIT for a queued job when its die is unbound
 * comes back at once: the job was cancelled (or the file is dead), it
 * does not sit out its timeout.
 */
TEST(unbind_during_long_job_wait)
{
	uint64_t ids[4];
	int64_t t0, ms;
	int fd, status, code;
	pid_t pid;

	fd = busy_fd(1, 4, ids);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct drm_npu_job_wait w;
		int ret = npu_wait(fd, ids[3], 30000, &w);

		/* the errno, or 100 + the job's status */
		_exit(ret ? -ret : 100 + (int)w.status);
	}
	usleep(300000);
	t0 = npu_now_ns();
	ASSERT_EQ(0, npu_write_file(DRV "unbind", "npu-virtual.1"));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ms = (npu_now_ns() - t0) / 1000000;
	ASSERT_TRUE(WIFEXITED(status));
	code = WEXITSTATUS(status);
	TH_LOG("the waiter came back %lld ms after the unbind began: %s",
	       (long long)ms, code == ENODEV ? "-ENODEV" :
	       code == 100 + DRM_NPU_JOB_CANCELLED ? "CANCELLED" : "?");
	EXPECT_TRUE(code == ENODEV || code == 100 + DRM_NPU_JOB_CANCELLED)
		TH_LOG("JOB_WAIT: errno or 100 + status: %d", code);
	EXPECT_GT(10000, ms) TH_LOG("the waiter sat out its timeout");
	close(fd);
	ASSERT_EQ(0, npu_write_file(DRV "bind", "npu-virtual.1"));
}

/* A BO of @fd holding the null stream, exported: the dma-buf fd. */
static int shared_stream(int fd, uint32_t *handle)
{
	struct npu_bo bo;

	if (npu_bo_new(fd, 4096, &bo))
		return -1;
	((uint64_t *)bo.cpu)[0] = NPU_RC_CNA(0x12);
	((uint64_t *)bo.cpu)[1] = 0;
	((uint64_t *)bo.cpu)[2] = NPU_RC_VERSION;
	((uint64_t *)bo.cpu)[3] = NPU_RC_OP_EN;
	munmap(bo.cpu, bo.size);
	*handle = bo.handle;
	return npu_export(fd, bo.handle);
}

/*
 * Dies that share a BO go away one after the other: the exporter first
 * (the importer keeps running from its pages), then the importer with
 * the import still mapped (its attachment goes when its file closes).
 */
TEST(unbind_dies_sharing_a_buffer)
{
	struct drm_npu_vm_map m = { .size = 4096, .flags = DRM_NPU_MAP_READ };
	struct drm_npu_job_wait w;
	uint32_t h0, h1;
	uint64_t id = 0;
	int fd0, fd1, dmabuf;

	if (npu_count() < 2)
		SKIP(return, "needs two dies");
	fd0 = npu_open(0);
	fd1 = npu_open(1);
	ASSERT_LE(0, fd0);
	ASSERT_LE(0, fd1);
	dmabuf = shared_stream(fd0, &h0);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, npu_import(fd1, dmabuf, &h1));
	m.handle = h1;
	ASSERT_EQ(0, npu_ioc(fd1, DRM_IOCTL_NPU_VM_MAP, &m));
	EXPECT_EQ(1, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));

	/* The exporter goes; its BO stays for die 1, which runs from it. */
	ASSERT_EQ(0, npu_write_file(DRV "unbind", "npu-virtual.0"));
	EXPECT_EQ(-ENODEV, npu_export(fd0, h0));
	close(fd0);
	ASSERT_EQ(0, npu_submit_one(fd1, 0, m.va, 4, 0, &id));
	ASSERT_EQ(0, npu_wait(fd1, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	/* Then the importer, with the import mapped and a job done. */
	ASSERT_EQ(0, npu_write_file(DRV "unbind", "npu-virtual.1"));
	EXPECT_EQ(1, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	close(fd1);
	EXPECT_EQ(0, npu_dmabuf_attachments(dmabuf, "npu-virtual.1"));
	/* The last reference: die 0's BO is freed after its die left. */
	close(dmabuf);

	ASSERT_EQ(0, npu_write_file(DRV "bind", "npu-virtual.0"));
	ASSERT_EQ(0, npu_write_file(DRV "bind", "npu-virtual.1"));
	fd0 = npu_open(0);
	fd1 = npu_open(1);
	ASSERT_LE(0, fd0);
	ASSERT_LE(0, fd1);
	dmabuf = shared_stream(fd0, &h0);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, npu_import(fd1, dmabuf, &h1));
	m = (struct drm_npu_vm_map){ .handle = h1, .size = 4096,
				     .flags = DRM_NPU_MAP_READ };
	ASSERT_EQ(0, npu_ioc(fd1, DRM_IOCTL_NPU_VM_MAP, &m));
	ASSERT_EQ(0, npu_submit_one(fd1, 0, m.va, 4, 0, &id));
	ASSERT_EQ(0, npu_wait(fd1, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	close(dmabuf);
	close(fd1);
	close(fd0);
}

/* Whether a module is loaded. */
static int loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/*
 * An open file, then a CPU mapping that outlives its file, pin the
 * virtual NPU's module (the core would call into it at close); npu.ko is
 * pinned by npu_virtual.ko.  Without npu_virtual.ko, npu.ko alone shows
 * no die on a machine without NPU hardware.
 */
TEST(rmmod_refused_while_in_use)
{
	struct npu_bo bo;
	int fd;

	fd = npu_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_bo_new(fd, 4096, &bo));
	EXPECT_NE(0, system("rmmod npu_virtual 2>/dev/null"));
	EXPECT_NE(0, system("rmmod npu 2>/dev/null"));
	close(fd);
	EXPECT_NE(0, system("rmmod npu_virtual 2>/dev/null"))
		TH_LOG("removed while a CPU mapping holds a file");
	ASSERT_TRUE(loaded("npu_virtual"));
	((volatile uint64_t *)bo.cpu)[0] = 1;	/* still backed */
	munmap(bo.cpu, bo.size);

	ASSERT_EQ(0, system("rmmod npu_virtual"));
	EXPECT_TRUE(loaded("npu"));
	EXPECT_EQ(0, npu_count()) TH_LOG("npu.ko alone has dies");
	ASSERT_EQ(0, system(LOAD_VIRTUAL));
	EXPECT_LT(0, npu_count());
}

/*
 * A BO shared through a dma-buf outlives its file and die: removing the
 * module waits for it (its release still goes through the backend), and
 * completes once the dma-buf is closed.
 */
TEST(rmmod_waits_for_shared_bo)
{
	struct npu_bo bo;
	int fd, dmabuf, status;
	pid_t pid;

	fd = npu_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_bo_new(fd, 4096, &bo));
	munmap(bo.cpu, bo.size);
	dmabuf = npu_export(fd, bo.handle);
	ASSERT_LE(0, dmabuf);
	close(fd);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execlp("rmmod", "rmmod", "npu_virtual", (char *)NULL);
		_exit(127);
	}
	usleep(1000000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG))
		TH_LOG("rmmod did not wait for the shared BO");
	close(dmabuf);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_FALSE(loaded("npu_virtual"));
	ASSERT_EQ(0, system(LOAD_VIRTUAL));
	EXPECT_LT(0, npu_count());
}

/*
 * A sync_file of a job outlives the file and the die; npu.ko's fence ops
 * and its cores must stay while it is open: rmmod npu is refused then
 * (the virtual NPU's module may go), and succeeds once it is closed.
 */
TEST(rmmod_refused_while_a_fence_is_held)
{
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t id;
	int fd, sf, i, ret = -1;

	fd = npu_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	sf = job_sync_file(fd, bo.va, &id);
	ASSERT_LE(0, sf);
	ASSERT_EQ(0, npu_wait(fd, id, 5000, &w));
	npu_bo_free(fd, &bo);
	close(fd);

	ASSERT_EQ(0, system("rmmod npu_virtual"));
	EXPECT_NE(0, system("rmmod npu 2>/dev/null"))
		TH_LOG("npu.ko went with a fence of its own still held");
	close(sf);
	/* The fence is freed after an RCU grace period. */
	for (i = 0; i < 50 && ret; i++) {
		ret = system("rmmod npu 2>/dev/null");
		if (ret)
			usleep(100000);
	}
	EXPECT_EQ(0, ret) TH_LOG("rmmod npu refused after the sync_file closed");
	EXPECT_FALSE(loaded("npu"));
	ASSERT_EQ(0, system("test -d /sys/module/npu || " LOAD_NPU));
	ASSERT_EQ(0, system(LOAD_VIRTUAL));
	EXPECT_LT(0, npu_count());
}

TEST(rmmod_with_jobs_running)
{
	uint64_t ids[3];
	int fd, ret;

	fd = busy_fd(0, 3, ids);
	ASSERT_LE(0, fd);
	usleep(50000);
	close(fd);	/* the jobs are still queued or running */
	ret = system("rmmod npu_virtual && rmmod npu");
	ASSERT_EQ(0, ret) TH_LOG("rmmod with jobs in flight failed");
	ret = system(LOAD_NPU " && " LOAD_VIRTUAL);
	ASSERT_EQ(0, ret) TH_LOG("reloading npu.ko and npu_virtual.ko failed");
	fd = npu_open(0);
	ASSERT_LE(0, fd);
	{
		struct drm_npu_job_wait w;
		struct npu_bo bo;
		uint64_t id = 0;

		ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
		ASSERT_EQ(0, npu_submit_one(fd, 0, bo.va, 4, 0, &id));
		ASSERT_EQ(0, npu_wait(fd, id, 5000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		npu_bo_free(fd, &bo);
	}
	close(fd);
}

TEST_HARNESS_MAIN
