// SPDX-License-Identifier: MIT
/*
 * Tenants that hold memory and cores: NPU memory is charged to the
 * memory cgroup of the process that creates it, whatever its placement,
 * and closing a file with a deep queue ends its work in bounded time.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

/* Tests that take longer than the harness's default 30 s budget. */
FIXTURE(big) {
	int unused;
};

FIXTURE_SETUP(big)
{
}

FIXTURE_TEARDOWN(big)
{
}

#define CG	"/sys/fs/cgroup"
#define CG_T	CG "/npu-tenant"
#define MIB	(1024ll * 1024)

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long long read_ll(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoll(buf) : -1;
}

/* Whether cgroup v2 at CG offers controller @name. */
static int controller_available(const char *name)
{
	char buf[256] = "", *tok, *save;
	int fd = open(CG "/cgroup.controllers", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

/* BOs of @mib MiB with @placement until one fails; how many were made. */
static int fill_bos(int fd, unsigned int mib, unsigned int placement,
		    int max)
{
	int n;

	for (n = 0; n < max; n++) {
		struct drm_npu_bo_create c = {
			.size = (uint64_t)mib * MIB, .placement = placement,
		};

		if (ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c))
			break;
	}
	return n;
}

/*
 * In a 64 MiB memory cgroup, 32 BOs of 32 MiB cannot all exist: die
 * placement pins the pages from a worker on the die's node, and that
 * worker charges them to the caller's cgroup.  The cgroup's peak shows
 * the charge.  For each placement.
 */
TEST(bo_pages_charged_to_callers_memcg)
{
	unsigned int placement;

	if (access(CG "/cgroup.subtree_control", W_OK))
		SKIP(return, "no cgroup v2 at " CG);
	if (!controller_available("memory"))
		SKIP(return, "the kernel has no memory cgroups");
	ASSERT_EQ(0, write_str(CG "/cgroup.subtree_control", "+memory"));
	for (placement = DRM_NPU_BO_PLACEMENT_DIE;
	     placement <= DRM_NPU_BO_PLACEMENT_ANY; placement++) {
		int status, made;
		long long peak;
		pid_t child;

		rmdir(CG_T);
		ASSERT_EQ(0, mkdir(CG_T, 0755));
		ASSERT_EQ(0, write_str(CG_T "/memory.max", "67108864"));
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			char pid[32];
			int fd;

			snprintf(pid, sizeof(pid), "%d", getpid());
			if (write_str(CG_T "/cgroup.procs", pid))
				_exit(100);
			fd = npu_open(0);
			if (fd < 0)
				_exit(101);
			_exit(fill_bos(fd, 32, placement, 32));
		}
		ASSERT_EQ(child, waitpid(child, &status, 0));
		peak = read_ll(CG_T "/memory.peak");
		made = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		printf("# memcg: placement %u: %d of 32 BOs of 32 MiB in 64 MiB, peak %lld MiB\n",
		       placement, made, peak / MIB);
		EXPECT_TRUE(WIFEXITED(status) && made < 3)
			TH_LOG("placement %u: %d BOs of 32 MiB in a 64 MiB cgroup",
			       placement, made);
		EXPECT_LE(32 * MIB, peak) TH_LOG("the cgroup was not charged");
		ASSERT_EQ(0, rmdir(CG_T));
	}
}

/* Bytes of the die's BOs on node @nid (sysfs of the accel node of @fd). */
static long long die_node_bytes(int fd, int nid)
{
	struct stat st;
	char path[128];

	if (fstat(fd, &st))
		return -errno;
	/* An accel node, or a render node where the kernel has no accel. */
	snprintf(path, sizeof(path),
		 "/sys/dev/char/%u:%u/device/npu/mem_node%d_bytes",
		 major(st.st_rdev), minor(st.st_rdev), nid);
	return read_ll(path);
}

/*
 * Die placement puts a BO's pages on the die's node, but not outside the
 * caller's cpuset: a process whose cpuset allows only the other node
 * gets its pages there (the allocation falls back to its own context).
 */
TEST(die_placement_stays_in_callers_cpuset)
{
	struct drm_npu_query_device q;
	int fd, nid, status;
	pid_t child;

	if (access(CG "/cgroup.subtree_control", W_OK))
		SKIP(return, "no cgroup v2 at " CG);
	if (!controller_available("cpuset"))
		SKIP(return, "the kernel has no cpusets");
	fd = npu_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_query_device(fd, &q));
	nid = q.numa_node;
	if (nid < 0 || access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "needs a die on a node of a two-node guest");
	ASSERT_EQ(0, write_str(CG "/cgroup.subtree_control", "+cpuset"));
	rmdir(CG_T);
	ASSERT_EQ(0, mkdir(CG_T, 0755));
	ASSERT_EQ(0, write_str(CG_T "/cpuset.mems", nid ? "0" : "1"));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct drm_npu_bo_create c = {
			.size = 16 * MIB, .placement = DRM_NPU_BO_PLACEMENT_DIE,
		};
		long long die0, other0, die1, other1;
		char pid[32];

		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_str(CG_T "/cgroup.procs", pid))
			_exit(100);
		die0 = die_node_bytes(fd, nid);
		other0 = die_node_bytes(fd, !nid);
		if (ioctl(fd, DRM_IOCTL_NPU_BO_CREATE, &c))
			_exit(101);
		die1 = die_node_bytes(fd, nid);
		other1 = die_node_bytes(fd, !nid);
		printf("# cpuset mems %d, die on node %d: a 16 MiB BO put %lld MiB on node %d, %lld MiB on node %d\n",
		       !nid, nid, (die1 - die0) / MIB, nid,
		       (other1 - other0) / MIB, !nid);
		_exit(die0 < 0 || other0 < 0 ? 102 :
		      other1 - other0 == 16 * MIB && die1 == die0 ? 0 : 1);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %d: 1 = pages outside the cpuset, 100-102 = setup",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(fd);
	ASSERT_EQ(0, rmdir(CG_T));
	/*
	 * Cpusets off again for the cgroups of later tests: each first and
	 * last cpuset flips a static key in the page allocator, and under
	 * TCG a flip racing an allocation on the other vCPU has oopsed on
	 * the patching int3 (debug kernel, get_page_from_freelist).
	 */
	write_str(CG "/cgroup.subtree_control", "-cpuset");
}

static void knob(const char *file, const char *value)
{
	char path[128];

	npu_dbg_path(path, sizeof(path), 0, file);
	npu_write_file(path, value);
}

/* @count jobs of one task each on core 0; how many were queued. */
static int queue_jobs(int fd, uint64_t va, int count)
{
	uint64_t id;
	int n;

	for (n = 0; n < count; n++)
		if (npu_submit_one(fd, 0, va, 4, 1, &id))
			break;
	return n;
}

static int64_t ms_since(int64_t t0)
{
	return (npu_now_ns() - t0) / 1000000;
}

/* A job of another file on core 0 completes within @ms. */
static int victim_done_within(int64_t ms)
{
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t id = 0;
	int fd = npu_open(0), ret;

	if (fd < 0)
		return fd;
	ret = npu_null_task(fd, 0, &bo);
	if (!ret)
		ret = npu_submit_one(fd, 0, bo.va, 4, 1, &id);
	if (!ret)
		ret = npu_wait(fd, id, ms, &w);
	if (!ret && w.status != DRM_NPU_JOB_DONE)
		ret = -EIO;
	npu_bo_free(fd, &bo);
	close(fd);
	return ret;
}

/*
 * close() of a file with 150 jobs of 100 ms queued on one core returns
 * after the grace period (1 s), not after 15 s of work, and the core is
 * free for another file right after.
 */
TEST(close_with_a_deep_queue_is_bounded)
{
	struct npu_bo bo;
	int64_t t0, took;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	knob("core0/task_delay_us", "100000");
	ASSERT_EQ(150, queue_jobs(fd, bo.va, 150));
	t0 = npu_now_ns();
	npu_bo_free(fd, &bo);
	close(fd);
	took = ms_since(t0);
	knob("core0/task_delay_us", "0");
	printf("# close with 150 queued jobs of 100 ms: %lld ms\n", (long long)took);
	/* The 1 s grace and a stop; 15 s if the queue ran to its end. */
	EXPECT_GE(4000, took) TH_LOG("close() took %lld ms", (long long)took);
	EXPECT_EQ(0, victim_done_within(4000));
}

/* One job of @count tasks on core 0; 0 or -errno. */
static int submit_long_job(int fd, uint64_t va, unsigned int count)
{
	struct drm_npu_task t[32];
	struct drm_npu_job j = { .tasks = (uintptr_t)t, .task_count = count,
				 .core_mask = 1 };
	struct drm_npu_submit s = { .jobs = (uintptr_t)&j, .job_count = 1,
				    .job_stride = sizeof(j) };
	unsigned int i;

	for (i = 0; i < count && i < 32; i++)
		t[i] = (struct drm_npu_task){ .regcmd_va = va, .regcmd_count = 4 };
	return ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s) ? -errno : 0;
}

/*
 * A process killed while its job of 30 tasks of 500 ms runs (and more
 * such jobs wait) holds the core no longer than it takes to stop it:
 * another file's job submitted right after the kill is done within 5 s,
 * where finishing the running job alone would take 15 s.
 */
TEST(killed_process_releases_the_core)
{
	int status, ready[2];
	int64_t t0;
	pid_t child;
	char c;

	ASSERT_EQ(0, pipe(ready));
	knob("core0/task_delay_us", "500000");
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct npu_bo bo;
		int fd = npu_open(0);

		if (fd < 0 || npu_null_task(fd, 0, &bo) ||
		    submit_long_job(fd, bo.va, 30) ||
		    submit_long_job(fd, bo.va, 30))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	usleep(500000);
	t0 = npu_now_ns();
	ASSERT_EQ(0, kill(child, SIGKILL));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, victim_done_within(5000));
	printf("# killed tenant: core free for another file after %lld ms\n",
	       (long long)ms_since(t0));
	knob("core0/task_delay_us", "0");
	close(ready[0]);
	close(ready[1]);
}

/*
 * A job that keeps making progress but runs past the per-job limit is
 * stopped with its own status, and its file is not banned.
 */
TEST(job_past_its_time_limit_is_stopped)
{
	struct drm_npu_task t[20];
	struct drm_npu_job j = { .tasks = (uintptr_t)t, .task_count = 20,
				 .core_mask = 1 };
	struct drm_npu_submit s = { .jobs = (uintptr_t)&j, .job_count = 1,
				    .job_stride = sizeof(j) };
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	unsigned int i;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	for (i = 0; i < 20; i++)
		t[i] = (struct drm_npu_task){ .regcmd_va = bo.va, .regcmd_count = 4 };
	knob("job_max_ms", "300");
	knob("core0/task_delay_us", "100000");
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s));
	ASSERT_EQ(0, npu_wait(fd, j.job_id, 5000, &w));
	knob("core0/task_delay_us", "0");
	knob("job_max_ms", "60000");
	printf("# overtime: a job of 20 tasks of 100 ms, limit 300 ms: status %u, stopped after %.0f ms busy\n",
	       w.status, w.busy_ns / 1e6);
	EXPECT_EQ(DRM_NPU_JOB_OVERTIME, w.status);
	EXPECT_EQ(-ETIME, w.error);
	EXPECT_LE(300000000ull, w.busy_ns);
	/* Stopped well before its 20 tasks of 100 ms were through. */
	EXPECT_GT(1900000000ull, w.busy_ns);
	/* Not banned: the next job runs. */
	j.task_count = 1;
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s));
	ASSERT_EQ(0, npu_wait(fd, j.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	npu_bo_free(fd, &bo);
	close(fd);
}

/* Of the jobs @ids of @fd, how many have ended by now. */
static int jobs_ended(int fd, const uint64_t *ids, int count)
{
	struct drm_npu_job_wait w;
	int i, n = 0;

	for (i = 0; i < count; i++)
		if (!npu_wait(fd, ids[i], 0, &w) &&
		    w.status != DRM_NPU_JOB_PENDING)
			n++;
	return n;
}

/*
 * An attacker queues 30 jobs of 100 ms on core 0; a victim's single job
 * then goes next: it waits for the attacker's running job and for at
 * most one more, not for the 29 queued (counted by the attacker's jobs
 * that ended while the victim waited).
 */
TEST(files_take_turns_on_a_core)
{
	struct drm_npu_job_wait w;
	struct npu_bo abo, vbo;
	uint64_t id = 0, ids[30];
	int64_t t0, waited;
	int attacker = npu_open(0), victim = npu_open(0), i, before, behind;

	ASSERT_LE(0, attacker);
	ASSERT_LE(0, victim);
	ASSERT_EQ(0, npu_null_task(attacker, 0, &abo));
	ASSERT_EQ(0, npu_null_task(victim, 0, &vbo));
	knob("core0/task_delay_us", "100000");
	for (i = 0; i < 30; i++)
		ASSERT_EQ(0, npu_submit_one(attacker, 0, abo.va, 4, 1, &ids[i]));
	usleep(150000);
	before = jobs_ended(attacker, ids, 30);
	t0 = npu_now_ns();
	ASSERT_EQ(0, npu_submit_one(victim, 0, vbo.va, 4, 1, &id));
	ASSERT_EQ(0, npu_wait(victim, id, 10000, &w));
	waited = ms_since(t0);
	/* The attacker's jobs that ended while the victim's was queued. */
	behind = jobs_ended(attacker, ids, 30) - before;
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	printf("# fairness: victim's job of 100 ms done %lld ms after submit, behind %d of the attacker's 30 (the running one included)\n",
	       (long long)waited, behind);
	/* The running one, and one more at most. */
	EXPECT_GE(2, behind);
	EXPECT_LE(1, behind) TH_LOG("the attacker's running job was not counted");
	knob("core0/task_delay_us", "0");
	npu_bo_free(attacker, &abo);
	npu_bo_free(victim, &vbo);
	close(victim);
	close(attacker);
}

/*
 * Move the calling process into a fresh memory cgroup without a limit,
 * to see what it is charged: 0, or 1 when there are no memory cgroups.
 */
static int enter_memcg(void)
{
	char pid[32];

	if (access(CG "/cgroup.subtree_control", W_OK) ||
	    !controller_available("memory") ||
	    write_str(CG "/cgroup.subtree_control", "+memory"))
		return 1;
	rmdir(CG_T);
	if (mkdir(CG_T, 0755))
		return 1;
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(CG_T "/cgroup.procs", pid) ? 1 : 0;
}

static void leave_memcg(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_str(CG "/cgroup.procs", pid);
	rmdir(CG_T);
}

/*
 * One 4 KiB BO mapped again and again: the VM refuses the 65537th, and
 * the kernel memory of the mappings is charged to the caller's cgroup.
 */
TEST_F_TIMEOUT(big, mapping_flood_is_refused, 300)
{
	struct npu_bo bo;
	int fd = npu_open(0), n = 0;

	long long before, after;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_bo_new(fd, 4096, &bo));
	ASSERT_EQ(0, enter_memcg()) TH_LOG("no memory cgroup to count in");
	before = read_ll(CG_T "/memory.current");
	for (;;) {
		struct drm_npu_vm_map m = {
			.handle = bo.handle, .size = 4096, .flags = DRM_NPU_MAP_READ,
		};

		if (ioctl(fd, DRM_IOCTL_NPU_VM_MAP, &m))
			break;
		n++;
	}
	after = read_ll(CG_T "/memory.current");
	printf("# mapping flood: %d mappings, then errno %d; the cgroup was charged %lld KiB (%lld bytes a mapping)\n",
	       n, errno, (after - before) / 1024, n ? (after - before) / n : 0);
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(65536, n);
	/* A mapping's record and node, and the page tables: 64 bytes at least. */
	EXPECT_LE(64ll * n, after - before) TH_LOG("mappings not charged");
	npu_bo_free(fd, &bo);
	close(fd);
	leave_memcg();
}

/*
 * Jobs queued behind a slow one: the file is refused at 1024 unfinished,
 * and what the queued jobs hold is charged to the caller's cgroup.
 */
TEST_F_TIMEOUT(big, job_flood_is_refused, 120)
{
	long long before, after;
	struct npu_bo bo;
	uint64_t id;
	int fd = npu_open(0), n = 0, ret;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	/*
	 * Long enough that the first job is still running at the 1025th,
	 * also on a debug kernel, and the watchdog lets it.
	 */
	knob("job_timeout_ms", "60000");
	knob("core0/task_delay_us", "12000000");
	ASSERT_EQ(0, enter_memcg()) TH_LOG("no memory cgroup to count in");
	before = read_ll(CG_T "/memory.current");
	while (!(ret = npu_submit_one(fd, 0, bo.va, 4, 1, &id)))
		n++;
	after = read_ll(CG_T "/memory.current");
	knob("core0/task_delay_us", "0");
	knob("job_timeout_ms", "2000");
	printf("# job flood: %d jobs queued, then %d; the cgroup was charged %lld KiB (%lld bytes a job)\n",
	       n, ret, (after - before) / 1024, n ? (after - before) / n : 0);
	EXPECT_EQ(-EAGAIN, ret);
	EXPECT_EQ(1024, n);
	/* A job, its record and its fence: 256 bytes at least. */
	EXPECT_LE(256ll * n, after - before) TH_LOG("queued jobs not charged");
	npu_bo_free(fd, &bo);
	close(fd);	leave_memcg();
}

static long long mem_total(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/* Make the device nodes usable by any user; returns the old mode. */
static mode_t open_nodes(mode_t mode)
{
	const char *nodes[] = { "/dev/accel/accel0", "/dev/accel/accel1",
				"/dev/dri/renderD128", "/dev/dri/renderD129" };
	mode_t old = 0600;
	struct stat st;
	unsigned int i;

	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (stat(nodes[i], &st))
			continue;
		old = st.st_mode & 0777;
		chmod(nodes[i], mode);
	}
	return old;
}

/*
 * The OOM probe: an unprivileged user pins NPU memory on both dies until
 * refused.  The refusal (-ENOMEM at the per-user limit, set to 50 % of
 * RAM here) comes before the machine runs out, so a root bystander that
 * then takes 768 MiB of ordinary memory gets it and is not OOM-killed.
 */
#define LIMIT_PCT	"/sys/module/npu/parameters/user_mem_limit_pct"

TEST_F_TIMEOUT(big, pinning_user_is_refused_not_the_bystander, 300)
{
	long long total = mem_total(), held = 0;
	char *bystander;
	int pipefd[2], err = 0;
	mode_t old;
	pid_t child;

	ASSERT_LT(0, total);
	ASSERT_EQ(0, write_str(LIMIT_PCT, "50"));
	old = open_nodes(0666);
	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		long long mib = 0;
		int fds[2], e = 0, i;

		if (setgid(65534) || setuid(65534))
			_exit(1);
		fds[0] = npu_open(0);
		fds[1] = npu_count() > 1 ? npu_open(1) : fds[0];
		for (i = 0; fds[0] >= 0 && fds[1] >= 0; i++) {
			struct drm_npu_bo_create c = { .size = 64 * MIB };

			if (ioctl(fds[i & 1], DRM_IOCTL_NPU_BO_CREATE, &c)) {
				e = errno;
				break;
			}
			mib += 64;
		}
		if (fds[0] < 0 || fds[1] < 0)
			e = -1;
		if (write(pipefd[1], &mib, sizeof(mib)) != sizeof(mib) ||
		    write(pipefd[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(sizeof(held), read(pipefd[0], &held, sizeof(held)));
	ASSERT_EQ(sizeof(err), read(pipefd[0], &err, sizeof(err)));
	printf("# oom probe: nobody pinned %lld MiB of %lld MiB, then errno %d\n",
	       held, total / MIB, err);
	EXPECT_EQ(ENOMEM, err);
	EXPECT_LE(held * MIB, total / 2);
	EXPECT_LE(total / 2 - 128 * MIB, held * MIB);

	/* The bystander's memory is there. */
	bystander = malloc(768 * MIB);
	ASSERT_NE(NULL, bystander);
	memset(bystander, 1, 768 * MIB);
	free(bystander);
	printf("# oom probe: root bystander took 768 MiB, holder alive: %s\n",
	       kill(child, 0) ? "no" : "yes");

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	open_nodes(old);
	write_str(LIMIT_PCT, "75");
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
