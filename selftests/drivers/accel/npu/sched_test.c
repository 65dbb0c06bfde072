// SPDX-License-Identifier: MIT
/*
 * The npu scheduler and memory as a user sees them: memory above 4 GiB
 * reached through 32-bit VAs, more than 4 GiB across VMs, all cores busy
 * from one process, syncobj chains and timelines, implicit sync (and
 * explicit sync without it, DRM_NPU_BO_REF_NO_IMPLICIT), and a hang:
 * timeout, core reset, ban, and everybody else unaffected.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

#define SYS(die, file)	"/sys/bus/platform/devices/npu-virtual." #die "/npu/" file

/* Tests that take longer than the harness's default 30 s budget. */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

/* A debugfs knob of die 0. */
static void die_knob(const char *file, const char *value)
{
	char path[128];

	npu_dbg_path(path, sizeof(path), 0, file);
	npu_write_file(path, value);
}

/*
 * The watchdog tests slow core 0 and shorten the timeout; whether they
 * pass or fail an assertion, the tests after them run without that.
 */
FIXTURE_TEARDOWN(slow)
{
	die_knob("core0/slow_next_us", "0");
	npu_set_task_delay(0, 0, "0");
	die_knob("watchdog_delay_us", "0");
	die_knob("job_timeout_ms", "2000");
}

/*
 * A regcmd BO on die 1, whose memory is NUMA node 1 (entirely above
 * 4 GiB in the test VM), fetched through a 32-bit device address.
 */
TEST(regcmd_above_4g_through_32bit_va)
{
	unsigned long long va = 0, lo = 0, hi = 0;
	struct drm_npu_query_device q;
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	char line[256], path[128];
	uint64_t id = 0;
	FILE *f;
	int fd;

	if (npu_count() < 2)
		SKIP(return, "needs a second die");
	fd = npu_open(1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_query_device(fd, &q));
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	ASSERT_LT(bo.va, 1ull << 32);
	ASSERT_EQ(0, npu_submit_one(fd, 0, bo.va, 4, 0, &id));
	ASSERT_EQ(0, npu_wait(fd, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	npu_dbg_path(path, sizeof(path), 1, "vms");
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "  va %llx-%*x %*s phys %llx-%llx", &va, &lo, &hi) == 3 &&
		    va == bo.va)
			break;
	fclose(f);
	ASSERT_EQ(bo.va, va) TH_LOG("mapping not in debugfs");
	TH_LOG("die %u (node %d): regcmd at device VA 0x%llx, physical 0x%llx-0x%llx",
	       q.die_index, q.numa_node, va, lo, hi);
	EXPECT_GE(lo, 1ull << 32) TH_LOG("pages below 4 GiB: node 1 should be above");
	npu_bo_free(fd, &bo);
	close(fd);
}

/*
 * 3 VMs x 1.5 GiB in one process, a job in each.  Zeroing and mapping
 * 4.5 GiB takes many minutes under KASAN in the TCG guest.
 */
TEST_F_TIMEOUT(slow, more_than_4g_across_vms, 1200)
{
	struct npu_bo big[3], rc[3];
	struct drm_npu_job_wait w;
	uint64_t total = 0, id = 0;
	int fd = npu_open(0), i;

	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++) {
		struct drm_npu_vm_create c = { 0 };

		ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_VM_CREATE, &c));
		ASSERT_EQ(0, npu_bo_new(fd, 3ull << 29, &big[i]));
		ASSERT_EQ(0, npu_bo_map(fd, &big[i], c.vm_id, DRM_NPU_MAP_WRITE));
		total += big[i].size;
		ASSERT_EQ(0, npu_null_task(fd, c.vm_id, &rc[i]));
		ASSERT_EQ(0, npu_submit_one(fd, c.vm_id, rc[i].va, 4, 0, &id));
		ASSERT_EQ(0, npu_wait(fd, id, 10000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	}
	TH_LOG("%.2f GiB mapped across 3 VMs of one process",
	       total / (double)(1ull << 30));
	EXPECT_GT(total, 4ull << 30);
	for (i = 0; i < 3; i++) {
		npu_bo_free(fd, &big[i]);
		npu_bo_free(fd, &rc[i]);
	}
	close(fd);
}

/* All three cores at once from one process, seen in fdinfo. */
TEST(all_cores_busy_from_one_process)
{
	struct drm_npu_task t = { .regcmd_count = 4 };
	struct drm_npu_job js[3];
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)js, .job_count = 3, .job_stride = sizeof(js[0]),
	};
	struct drm_npu_job_wait w;
	long long before[3], after[3];
	int64_t t0, wall;
	struct npu_bo bo;
	int fd = npu_open(0), i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	t.regcmd_va = bo.va;
	memset(js, 0, sizeof(js));
	for (i = 0; i < 3; i++) {
		npu_set_task_delay(0, i, "300000");
		js[i].tasks = (uintptr_t)&t;
		js[i].task_count = 1;
		js[i].core_mask = 1u << i;
		before[i] = npu_fdinfo_busy(fd, i);
		ASSERT_LE(0, before[i]);
	}
	t0 = npu_now_ns();
	ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, npu_wait(fd, js[i].job_id, 5000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		EXPECT_EQ(i, w.core);
	}
	wall = npu_now_ns() - t0;
	for (i = 0; i < 3; i++) {
		npu_set_task_delay(0, i, "0");
		after[i] = npu_fdinfo_busy(fd, i);
		EXPECT_GE(after[i] - before[i], 300000000ll)
			TH_LOG("core %d busy only %lld ns", i, after[i] - before[i]);
		TH_LOG("drm-engine-core%d: +%lld ms", i,
		       (after[i] - before[i]) / 1000000);
	}
	/* Three 300 ms jobs in well under 900 ms: they overlapped. */
	TH_LOG("3 x 300 ms jobs took %lld ms wall", (long long)wall / 1000000);
	EXPECT_LT(wall, 750000000ll);
	npu_bo_free(fd, &bo);
	close(fd);
}

/*
 * One job of task @t on the cores of @mask, waiting on @in and signalling
 * @out (either may be NULL); 0 or -errno, the job's id in @j.
 */
static int submit_synced(int fd, struct drm_npu_job *j, struct drm_npu_task *t,
			 uint32_t mask, struct drm_npu_sync *in,
			 struct drm_npu_sync *out)
{
	struct drm_npu_submit s = { .jobs = (uintptr_t)j, .job_count = 1,
				    .job_stride = sizeof(*j) };

	memset(j, 0, sizeof(*j));
	j->tasks = (uintptr_t)t;
	j->task_count = 1;
	j->core_mask = mask;
	j->in_syncs = (uintptr_t)in;
	j->in_sync_count = in ? 1 : 0;
	j->out_syncs = (uintptr_t)out;
	j->out_sync_count = out ? 1 : 0;
	return npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s);
}

/* Job B waits for job A's binary out-syncobj; a timeline point too. */
TEST(syncobj_chains_and_timelines)
{
	struct drm_syncobj_create sc = { 0 }, tl = { 0 };
	struct drm_npu_task t = { .regcmd_count = 4 };
	struct drm_npu_sync out_a, in_b, out_tl;
	struct drm_npu_job ja, jb;
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t point;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc));
	ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_SYNCOBJ_CREATE, &tl));
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	t.regcmd_va = bo.va;
	npu_set_task_delay(0, 0, "300000");

	out_a = (struct drm_npu_sync){ .handle = sc.handle };
	ASSERT_EQ(0, submit_synced(fd, &ja, &t, 1, NULL, &out_a));
	in_b = (struct drm_npu_sync){ .handle = sc.handle };
	out_tl = (struct drm_npu_sync){ .handle = tl.handle, .point = 5 };
	ASSERT_EQ(0, submit_synced(fd, &jb, &t, 2, &in_b, &out_tl));

	ASSERT_EQ(0, npu_wait(fd, jb.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	/* B ran after A: A is done by now, without waiting. */
	EXPECT_EQ(0, npu_wait(fd, ja.job_id, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	/* The timeline reached point 5; point 6 never comes. */
	{
		struct drm_syncobj_timeline_wait tw = {
			.handles = (uintptr_t)&tl.handle,
			.points = (uintptr_t)&point,
			.count_handles = 1,
		};

		point = 5;
		tw.timeout_nsec = npu_now_ns() + 1000000000;
		EXPECT_EQ(0, npu_ioc(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &tw));
		point = 6;
		tw.timeout_nsec = npu_now_ns() + 50000000;
		tw.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
		EXPECT_EQ(-ETIME, npu_ioc(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &tw));
	}
	npu_set_task_delay(0, 0, "0");
	npu_bo_free(fd, &bo);
	close(fd);
}

/*
 * Timeline points are 64 bits: a job waiting on point 2^32 + 5 waits for
 * that point, not for point 5 (which is already signalled here).
 */
TEST(timeline_points_above_2_32)
{
	const uint64_t high = (1ull << 32) + 5;
	struct drm_syncobj_create tl = { 0 };
	struct drm_npu_task t = { .regcmd_count = 4 };
	struct drm_npu_sync out_a, in_b;
	struct drm_npu_job ja, jb;
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t point = 5;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_SYNCOBJ_CREATE, &tl));
	{
		struct drm_syncobj_timeline_array ta = {
			.handles = (uintptr_t)&tl.handle,
			.points = (uintptr_t)&point,
			.count_handles = 1,
		};

		ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta));
	}
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	t.regcmd_va = bo.va;
	npu_set_task_delay(0, 0, "400000");

	/* A, slow on core 0, signals point 2^32 + 5. */
	out_a = (struct drm_npu_sync){ .handle = tl.handle, .point = high };
	ASSERT_EQ(0, submit_synced(fd, &ja, &t, 1, NULL, &out_a));

	/* B, on idle core 1, waits for that point. */
	in_b = (struct drm_npu_sync){ .handle = tl.handle, .point = high };
	ASSERT_EQ(0, submit_synced(fd, &jb, &t, 2, &in_b, NULL));

	/* Truncated to 32 bits, B would have run at once. */
	EXPECT_EQ(-ETIME, npu_wait(fd, jb.job_id, 150, &w));
	EXPECT_EQ(DRM_NPU_JOB_PENDING, w.status);
	ASSERT_EQ(0, npu_wait(fd, jb.job_id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(0, npu_wait(fd, ja.job_id, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	npu_set_task_delay(0, 0, "0");
	npu_bo_free(fd, &bo);
	close(fd);
}

/*
 * The watchdog ends the job it found hung, and only that one.  Every task
 * on core 0 takes 20 ms.  Each round a fresh "guilty" file runs one task
 * that takes 680 ms more (700 ms without progress, past the 500 ms
 * timeout), and an innocent file's job of four tasks (progress every
 * 20 ms) waits behind it on the same core.  The watchdog is slowed by
 * 400 ms between its verdict and ending the job: the guilty task ends
 * inside that window (200 ms from either edge), and its late report must
 * not end the innocent job that starts after it.  The innocent job must
 * always complete and its file never be banned.  Its tasks are short
 * against the timeout because the emulated machine's clock runs on while
 * the host does not schedule the guest: a pause of the guest longer than
 * the gap between two tasks' progress and the timeout is a real
 * timeout to the watchdog (with 100 ms tasks against 300 ms, a 200 ms
 * pause was enough: the test failed now and then on a loaded host,
 * whichever context executed the virtual NPU's tasks).
 */
#define RACE_ROUNDS	100

static int submit_tasks(int fd, uint64_t va, uint32_t count, uint64_t *id)
{
	struct drm_npu_task t[4];
	struct drm_npu_job j = {
		.tasks = (uintptr_t)t, .task_count = count, .core_mask = 1,
	};
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)&j, .job_count = 1, .job_stride = sizeof(j),
	};
	uint32_t i;

	for (i = 0; i < count; i++)
		t[i] = (struct drm_npu_task){ .regcmd_va = va, .regcmd_count = 4 };
	if (ioctl(fd, DRM_IOCTL_NPU_SUBMIT, &s))
		return -errno;
	*id = j.job_id;
	return 0;
}

/*
 * The slow task is the next job's first, whichever job that is: the
 * innocent job is submitted only once the guilty one took it.  Two
 * files' jobs submitted back to back need not start in that order: in
 * 6.12 an entity whose queue ran empty keeps its old job's place in the
 * scheduler's FIFO tree, and its next push makes the job visible before
 * it moves the entity, so the worker the guilty push woke may take the
 * innocent entity first.  An innocent job that took the slow task timed
 * out for real (seen once in a few hundred rounds under the debug
 * kernel).
 */
static int guilty_started(const char *slow_next)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (npu_read_ll(slow_next) == 0)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

TEST_F_TIMEOUT(slow, watchdog_blames_only_the_hung_job, 600)
{
	int innocent = npu_open(0), hit = 0, done = 0, round;
	struct npu_bo ibo;
	char path[128];

	ASSERT_LE(0, innocent);
	ASSERT_EQ(0, npu_null_task(innocent, 0, &ibo));
	npu_dbg_path(path, sizeof(path), 0, "core0/slow_next_us");
	die_knob("job_timeout_ms", "500");
	die_knob("watchdog_delay_us", "400000");
	npu_set_task_delay(0, 0, "20000");

	for (round = 0; round < RACE_ROUNDS; round++) {
		struct drm_npu_job_wait w;
		uint64_t gid = 0, iid = 0;
		struct npu_bo gbo;
		int guilty = npu_open(0);

		ASSERT_LE(0, guilty);
		ASSERT_EQ(0, npu_null_task(guilty, 0, &gbo));
		ASSERT_EQ(0, npu_write_file(path, "680000"));
		ASSERT_EQ(0, submit_tasks(guilty, gbo.va, 1, &gid));
		ASSERT_EQ(0, guilty_started(path));
		ASSERT_EQ(0, submit_tasks(innocent, ibo.va, 4, &iid));

		ASSERT_EQ(0, npu_wait(guilty, gid, 10000, &w));
		if (w.status == DRM_NPU_JOB_TIMEOUT)
			hit++;
		else
			EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		ASSERT_EQ(0, npu_wait(innocent, iid, 10000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		if (w.status == DRM_NPU_JOB_DONE)
			done++;
		npu_bo_free(guilty, &gbo);
		close(guilty);
	}
	/* Still not banned. */
	{
		struct drm_npu_job_wait w;
		uint64_t iid = 0;

		EXPECT_EQ(0, submit_tasks(innocent, ibo.va, 4, &iid));
		EXPECT_EQ(0, npu_wait(innocent, iid, 5000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	}
	TH_LOG("%d rounds: guilty timed out in %d, innocent done in %d",
	       RACE_ROUNDS, hit, done);
	printf("# watchdog race: attempts %d hung %d innocent_done %d innocent_failed %d\n",
	       RACE_ROUNDS, hit, done, RACE_ROUNDS - done);
	EXPECT_EQ(RACE_ROUNDS, done);
	/* The race was run, not missed: most rounds hit the window. */
	EXPECT_GE(hit, RACE_ROUNDS / 2);
	npu_bo_free(innocent, &ibo);
	close(innocent);
}

/* A job writing a BO holds off a CPU reader until it is done. */
/*
 * Two files keep core 0 busy with jobs of one 4 ms task (the virtual
 * NPU's sleep may stretch it to 8 ms) against a 20 ms timeout, so that
 * the watchdog keeps looking at jobs that have just started.  A job may
 * be found hung only after a whole timeout without progress: no job may
 * end TIMEOUT with less than 20 ms of busy time (jobs that really ran
 * long on a loaded machine may, and their file is banned: the rest of
 * its jobs are then cancelled).
 */
#define EARLY_JOBS	150
#define EARLY_TIMEOUT_MS	20

TEST_F_TIMEOUT(slow, watchdog_never_fires_early, 300)
{
	int done = 0, hung = 0, early = 0, cancelled = 0, other = 0, f, i;
	uint64_t ids[2][EARLY_JOBS], min_hung = UINT64_MAX;
	struct npu_bo bo[2];
	int fd[2], n[2] = { 0, 0 };

	for (f = 0; f < 2; f++) {
		fd[f] = npu_open(0);
		ASSERT_LE(0, fd[f]);
		ASSERT_EQ(0, npu_null_task(fd[f], 0, &bo[f]));
	}
	die_knob("job_timeout_ms", "20");
	npu_set_task_delay(0, 0, "4000");
	/* A file banned for a job that really ran long submits no more. */
	for (i = 0; i < EARLY_JOBS; i++)
		for (f = 0; f < 2; f++) {
			ids[f][i] = 0;
			if (n[f] == i && !submit_tasks(fd[f], bo[f].va, 1, &ids[f][i]))
				n[f]++;
		}
	for (f = 0; f < 2; f++)
		for (i = 0; i < n[f]; i++) {
			struct drm_npu_job_wait w;

			ASSERT_EQ(0, npu_wait(fd[f], ids[f][i], 60000, &w));
			switch (w.status) {
			case DRM_NPU_JOB_DONE:
				done++;
				break;
			case DRM_NPU_JOB_TIMEOUT:
				hung++;
				if (w.busy_ns < min_hung)
					min_hung = w.busy_ns;
				if (w.busy_ns < EARLY_TIMEOUT_MS * 1000000ull)
					early++;
				break;
			case DRM_NPU_JOB_CANCELLED:
				cancelled++;
				break;
			default:
				other++;
			}
		}
	printf("# watchdog early: jobs %d done %d hung %d (least busy %.2f ms) early %d cancelled %d other %d\n",
	       2 * EARLY_JOBS, done, hung,
	       hung ? min_hung / 1e6 : 0.0, early, cancelled, other);
	EXPECT_EQ(0, early) TH_LOG("jobs found hung before their timeout");
	EXPECT_EQ(0, other);
	/* The race was run: jobs completed beside the watchdog. */
	EXPECT_LT(0, done);
	for (f = 0; f < 2; f++) {
		npu_bo_free(fd[f], &bo[f]);
		close(fd[f]);
	}
}

/*
 * A short job runs where the scheduler starts it: between run_job and
 * the hardware fence the virtual NPU queues no work of its own (the
 * scheduler's worker stands for the one hop a real core's start costs).
 * Counted with the workqueue_execute_start event, which names each work
 * function run; a job paced by debugfs still goes to the virtual NPU's
 * queue, so the count is seen to move.
 */
static const char *tracefs_dir(void)
{
	return access("/sys/kernel/tracing/trace", F_OK) ?
	       "/sys/kernel/debug/tracing" : "/sys/kernel/tracing";
}

static int trace_file(const char *file, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tracefs_dir(), file);
	return npu_write_file(path, value);
}

/* Lines of the trace that name @what. */
static int trace_count(const char *what)
{
	char path[128], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", tracefs_dir());
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && strstr(line, what))
			n++;
	fclose(f);
	return n;
}

static int run_null_jobs(int fd, uint64_t va, int count)
{
	struct drm_npu_job_wait w;
	uint64_t id = 0;
	int i, done = 0;

	for (i = 0; i < count; i++)
		if (!submit_tasks(fd, va, 1, &id) && !npu_wait(fd, id, 5000, &w) &&
		    w.status == DRM_NPU_JOB_DONE)
			done++;
	return done;
}

TEST(short_jobs_add_no_hop_of_the_virtual_npu)
{
	int fd = npu_open(0), inline_works, paced_works;
	struct npu_bo bo;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	if (trace_file("events/workqueue/workqueue_execute_start/enable", "1"))
		SKIP(close(fd), "no tracefs workqueue events in this kernel");
	ASSERT_EQ(0, trace_file("trace", ""));
	ASSERT_EQ(0, trace_file("tracing_on", "1"));
	ASSERT_EQ(50, run_null_jobs(fd, bo.va, 50));
	inline_works = trace_count("npu_sim_work");

	ASSERT_EQ(0, npu_set_task_delay(0, 0, "1"));
	ASSERT_EQ(0, trace_file("trace", ""));
	ASSERT_EQ(20, run_null_jobs(fd, bo.va, 20));
	paced_works = trace_count("npu_sim_work");
	npu_set_task_delay(0, 0, "0");
	trace_file("tracing_on", "0");
	trace_file("events/workqueue/workqueue_execute_start/enable", "0");
	trace_file("trace", "");

	printf("# virtual NPU work items: %d for 50 short jobs, %d for 20 paced ones\n",
	       inline_works, paced_works);
	EXPECT_EQ(0, inline_works);
	/*
	 * Not one per job: the work item that reports a paced job may find
	 * the next job's task already started and run it too.
	 */
	EXPECT_LT(0, paced_works);
	npu_bo_free(fd, &bo);
	close(fd);
}

TEST(implicit_sync_on_bo)
{
	struct drm_npu_task t = { .regcmd_count = 4 };
	struct drm_npu_bo_ref ref;
	struct drm_npu_job j;
	struct drm_npu_submit s;
	struct drm_npu_bo_cpu_prep p = { 0 };
	struct drm_npu_job_wait w;
	struct npu_bo bo, data;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	ASSERT_EQ(0, npu_bo_new(fd, 4096, &data));
	npu_set_task_delay(0, 1, "300000");
	t.regcmd_va = bo.va;
	memset(&j, 0, sizeof(j));
	j.tasks = (uintptr_t)&t;
	j.task_count = 1;
	j.core_mask = 2;
	ref = (struct drm_npu_bo_ref){ .handle = data.handle,
				       .flags = DRM_NPU_BO_REF_WRITE };
	j.bos = (uintptr_t)&ref;
	j.bo_count = 1;
	s = (struct drm_npu_submit){ .jobs = (uintptr_t)&j, .job_count = 1,
				     .job_stride = sizeof(j) };
	ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s));
	p.handle = data.handle;
	p.flags = DRM_NPU_CPU_READ;
	EXPECT_EQ(-EBUSY, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	p.timeout_ns = npu_now_ns() + 3000000000ll;
	EXPECT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	EXPECT_EQ(0, npu_wait(fd, j.job_id, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	npu_set_task_delay(0, 1, "0");
	npu_bo_free(fd, &data);
	npu_bo_free(fd, &bo);
	close(fd);
}

/*
 * Two jobs of one SUBMIT write one BO, the slow one first.  By default
 * the second waits for the first (implicit sync); with
 * DRM_NPU_SUBMIT_PARALLEL it runs at once, and a CPU reader of the BO
 * still waits for both.
 */
static void submit_two_writers(struct __test_metadata *_metadata, int fd,
			       uint64_t va, uint32_t data, uint32_t flags,
			       struct drm_npu_job *js)
{
	static struct drm_npu_task t = { .regcmd_count = 4 };
	static struct drm_npu_bo_ref ref;
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)js, .job_count = 2,
		.job_stride = sizeof(js[0]), .flags = flags,
	};
	int i;

	t.regcmd_va = va;
	ref = (struct drm_npu_bo_ref){ .handle = data,
				       .flags = DRM_NPU_BO_REF_WRITE };
	memset(js, 0, 2 * sizeof(js[0]));
	for (i = 0; i < 2; i++) {
		js[i].tasks = (uintptr_t)&t;
		js[i].task_count = 1;
		js[i].core_mask = 1u << i;
		js[i].bos = (uintptr_t)&ref;
		js[i].bo_count = 1;
	}
	ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s));
	EXPECT_EQ(2, s.submitted);
}

/* Tests that slow core 1 of die 0: its knobs are reset however they end. */
FIXTURE(core1) {
	int unused;
};

FIXTURE_SETUP(core1)
{
}

FIXTURE_TEARDOWN(core1)
{
	die_knob("core1/slow_next_us", "0");
	npu_set_task_delay(0, 1, "0");
}

#define LIST_BOS	40
#define LIST_TASKS	20

static void cpu_access_end(struct __test_metadata *_metadata, int fd,
			   uint32_t handle, uint32_t flags)
{
	struct drm_npu_bo_cpu_fini f = { .handle = handle, .flags = flags };

	EXPECT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_FINI, &f));
}

/*
 * BOs [0, @count) of @data are listed by unfinished jobs, the even ones
 * for writing, the odd ones for reading: a CPU reader waits for the
 * written ones only, a CPU writer for all; BO @count is no job's.
 */
static void check_bo_fences(struct __test_metadata *_metadata, int fd,
			    const struct npu_bo *data, unsigned int count)
{
	struct drm_npu_bo_cpu_prep p;
	unsigned int i;

	for (i = 0; i < count; i++) {
		p = (struct drm_npu_bo_cpu_prep){ .handle = data[i].handle,
						  .flags = DRM_NPU_CPU_READ };
		EXPECT_EQ(i % 2 ? 0 : -EBUSY,
			  npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p))
			TH_LOG("%u BOs: BO %u, CPU read", count, i);
		if (i % 2)
			cpu_access_end(_metadata, fd, p.handle, p.flags);
		p.flags = DRM_NPU_CPU_WRITE;
		EXPECT_EQ(-EBUSY, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p))
			TH_LOG("%u BOs: BO %u, CPU write", count, i);
	}
	if (count < LIST_BOS) {
		p = (struct drm_npu_bo_cpu_prep){ .handle = data[count].handle,
						  .flags = DRM_NPU_CPU_WRITE };
		EXPECT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p))
			TH_LOG("BO %u, listed by no job", count);
		cpu_access_end(_metadata, fd, p.handle, p.flags);
	}
}

/* A 500 ms job on core 1, in front of the file's next ones there. */
static void submit_blocker(struct __test_metadata *_metadata, int fd,
			   uint64_t code_va)
{
	uint64_t id;

	die_knob("core1/slow_next_us", "500000");
	ASSERT_EQ(0, npu_submit_one(fd, 0, code_va, 4, 2, &id));
}

/*
 * A job's task list and BO list are kept in the job itself when they are
 * short and in an allocation of their own when not: on both sides of
 * both limits (8 tasks, 4 BOs), alone and mixed, every task runs and
 * every BO listed, the last one too, carries the job's fence with the
 * access it was listed for; so do the BOs of two jobs of one SUBMIT
 * that share some.  Each job waits behind a 500 ms one of its file:
 * SUBMIT armed it, its fences are on its BOs, and it has not ended while
 * they are looked at, however slow the host.
 */
TEST_F(core1, long_and_short_lists_of_a_job)
{
	static const struct { unsigned int tasks, bos; } cases[] = {
		{ 1, 1 }, { 8, 4 }, { 9, 5 }, { 20, 40 }, { 1, 40 }, { 20, 1 },
	};
	struct drm_npu_task t[LIST_TASKS];
	struct drm_npu_bo_ref refs[LIST_BOS];
	struct npu_bo code, data[LIST_BOS];
	struct drm_npu_job_wait w;
	struct drm_npu_submit s;
	struct drm_npu_job j[2];
	unsigned int k, i;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &code));
	for (i = 0; i < LIST_BOS; i++) {
		ASSERT_EQ(0, npu_bo_new(fd, 4096, &data[i]));
		refs[i] = (struct drm_npu_bo_ref){
			.handle = data[i].handle,
			.flags = i % 2 ? 0 : DRM_NPU_BO_REF_WRITE,
		};
	}
	for (i = 0; i < LIST_TASKS; i++)
		t[i] = (struct drm_npu_task){ .regcmd_va = code.va,
					      .regcmd_count = 4 };
	/* 1 ms per task: the job's time on the core counts its tasks. */
	ASSERT_EQ(0, npu_set_task_delay(0, 1, "1000"));
	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		submit_blocker(_metadata, fd, code.va);
		j[0] = (struct drm_npu_job){
			.tasks = (uintptr_t)t, .task_count = cases[k].tasks,
			.bos = (uintptr_t)refs, .bo_count = cases[k].bos,
			.core_mask = 2,
		};
		s = (struct drm_npu_submit){ .jobs = (uintptr_t)j,
					     .job_count = 1,
					     .job_stride = sizeof(j[0]) };
		ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s));
		check_bo_fences(_metadata, fd, data, cases[k].bos);
		ASSERT_EQ(-ETIME, npu_wait(fd, j[0].job_id, 0, &w))
			TH_LOG("the job ended before its BOs were looked at");
		ASSERT_EQ(0, npu_wait(fd, j[0].job_id, 10000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		EXPECT_LE(cases[k].tasks * 1000000ull, (unsigned long long)w.busy_ns)
			TH_LOG("%u tasks: %llu ns on the core", cases[k].tasks,
			       (unsigned long long)w.busy_ns);
	}

	/* Two jobs, BOs 0-5 and 3-9: 3, 4 and 5 get two fences each. */
	submit_blocker(_metadata, fd, code.va);
	j[0] = (struct drm_npu_job){ .tasks = (uintptr_t)t, .task_count = 9,
				     .bos = (uintptr_t)refs, .bo_count = 6,
				     .core_mask = 2 };
	j[1] = j[0];
	j[1].bos = (uintptr_t)&refs[3];
	j[1].bo_count = 7;
	s = (struct drm_npu_submit){ .jobs = (uintptr_t)j, .job_count = 2,
				     .job_stride = sizeof(j[0]) };
	ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s));
	ASSERT_EQ(2, s.submitted);
	check_bo_fences(_metadata, fd, data, 10);
	ASSERT_EQ(-ETIME, npu_wait(fd, j[0].job_id, 0, &w))
		TH_LOG("the jobs ended before their BOs were looked at");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, npu_wait(fd, j[i].job_id, 10000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	}

	for (i = 0; i < LIST_BOS; i++)
		npu_bo_free(fd, &data[i]);
	npu_bo_free(fd, &code);
	close(fd);
}

TEST(parallel_submit_shares_a_bo)
{
	struct drm_npu_bo_cpu_prep p = { 0 };
	struct drm_npu_submit bad = { 0 };
	struct drm_npu_job js[2];
	struct drm_npu_job_wait w;
	struct npu_bo bo, data;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	ASSERT_EQ(0, npu_bo_new(fd, 4096, &data));
	npu_set_task_delay(0, 0, "1000000");

	/* ordered: when the second is done, so is the first */
	submit_two_writers(_metadata, fd, bo.va, data.handle, 0, js);
	ASSERT_EQ(0, npu_wait(fd, js[1].job_id, 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(0, npu_wait(fd, js[0].job_id, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	/* parallel: the second is done while the 1 s first still runs */
	submit_two_writers(_metadata, fd, bo.va, data.handle,
			   DRM_NPU_SUBMIT_PARALLEL, js);
	ASSERT_EQ(0, npu_wait(fd, js[1].job_id, 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(-ETIME, npu_wait(fd, js[0].job_id, 0, &w));
	/* ... and the BO's readers wait for both */
	p.handle = data.handle;
	p.flags = DRM_NPU_CPU_READ;
	p.timeout_ns = npu_now_ns() + 10000000000ll;
	EXPECT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	EXPECT_EQ(0, npu_wait(fd, js[0].job_id, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	npu_set_task_delay(0, 0, "0");

	/*
	 * An earlier reader on core 0 (1 s), then parallel writers on cores 0
	 * and 1: the core-0 writer's fence replaces the reader's in the BO,
	 * and the core-1 writer must still wait for the reader.
	 */
	{
		struct drm_npu_task rt = { .regcmd_count = 4, .regcmd_va = bo.va };
		struct drm_npu_bo_ref rref = { .handle = data.handle };
		struct drm_npu_job r = {
			.tasks = (uintptr_t)&rt, .task_count = 1, .core_mask = 1,
			.bos = (uintptr_t)&rref, .bo_count = 1,
		};
		struct drm_npu_submit rs = {
			.jobs = (uintptr_t)&r, .job_count = 1,
			.job_stride = sizeof(r),
		};

		npu_set_task_delay(0, 0, "1000000");
		ASSERT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &rs));
		submit_two_writers(_metadata, fd, bo.va, data.handle,
				   DRM_NPU_SUBMIT_PARALLEL, js);
		ASSERT_EQ(0, npu_wait(fd, js[1].job_id, 10000, &w));
		EXPECT_EQ(0, npu_wait(fd, r.job_id, 0, &w))
			TH_LOG("the core-1 writer ran before the earlier reader ended");
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		ASSERT_EQ(0, npu_wait(fd, js[0].job_id, 10000, &w));
		npu_set_task_delay(0, 0, "0");
	}

	/* an unknown flag is refused, nothing queued */
	bad.jobs = (uintptr_t)js;
	bad.job_count = 1;
	bad.job_stride = sizeof(js[0]);
	bad.flags = 0x2;
	EXPECT_EQ(-EINVAL, npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &bad));
	EXPECT_EQ(0, bad.submitted);
	npu_bo_free(fd, &data);
	npu_bo_free(fd, &bo);
	close(fd);
}

/*
 * A hang: the job times out, only its core resets, its file is banned,
 * and another file and another process go on.
 */
/* One null-task job on @core listing BO @handle with @flags; its id. */
static int submit_with_bo(int fd, uint64_t va, unsigned int core,
			  uint32_t handle, uint32_t flags, uint64_t *id)
{
	struct drm_npu_task t = { .regcmd_va = va, .regcmd_count = 4 };
	struct drm_npu_bo_ref ref = { .handle = handle, .flags = flags };
	struct drm_npu_job j = {
		.tasks = (uintptr_t)&t, .task_count = 1,
		.core_mask = 1u << core, .bos = (uintptr_t)&ref, .bo_count = 1,
	};
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)&j, .job_count = 1, .job_stride = sizeof(j),
	};
	int ret = npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s);

	*id = j.job_id;
	return ret;
}

/*
 * DRM_NPU_BO_REF_NO_IMPLICIT: a job writing a BO that a slow job of an
 * earlier SUBMIT writes does not wait for it, while the same job without
 * the flag does; and the flagged job's own fence is still in the BO, so
 * a CPU reader waits for it.
 */
TEST(no_implicit_skips_the_wait)
{
	struct drm_npu_bo_cpu_prep p = { 0 };
	struct drm_npu_query_device q;
	struct drm_npu_job_wait w;
	struct npu_bo bo, data;
	uint64_t slow, fast;
	int fd = npu_open(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, npu_query_device(fd, &q));
	ASSERT_TRUE(q.caps & DRM_NPU_CAP_NO_IMPLICIT);
	ASSERT_LE(2, q.core_count);
	ASSERT_EQ(0, npu_null_task(fd, 0, &bo));
	ASSERT_EQ(0, npu_bo_new(fd, 4096, &data));
	npu_set_task_delay(0, 0, "1000000");

	/* default: the second writer waits for the 1 s first */
	ASSERT_EQ(0, submit_with_bo(fd, bo.va, 0, data.handle,
				    DRM_NPU_BO_REF_WRITE, &slow));
	ASSERT_EQ(0, submit_with_bo(fd, bo.va, 1, data.handle,
				    DRM_NPU_BO_REF_WRITE, &fast));
	ASSERT_EQ(0, npu_wait(fd, fast, 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(0, npu_wait(fd, slow, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	/* the flag: it is done while the first still runs */
	ASSERT_EQ(0, submit_with_bo(fd, bo.va, 0, data.handle,
				    DRM_NPU_BO_REF_WRITE, &slow));
	ASSERT_EQ(0, submit_with_bo(fd, bo.va, 1, data.handle,
				    DRM_NPU_BO_REF_WRITE |
				    DRM_NPU_BO_REF_NO_IMPLICIT, &fast));
	ASSERT_EQ(0, npu_wait(fd, fast, 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(-ETIME, npu_wait(fd, slow, 0, &w));
	ASSERT_EQ(0, npu_wait(fd, slow, 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	npu_set_task_delay(0, 0, "0");

	/* a flagged slow writer still holds off a CPU reader */
	npu_set_task_delay(0, 1, "300000");
	ASSERT_EQ(0, submit_with_bo(fd, bo.va, 1, data.handle,
				    DRM_NPU_BO_REF_WRITE |
				    DRM_NPU_BO_REF_NO_IMPLICIT, &slow));
	p.handle = data.handle;
	p.flags = DRM_NPU_CPU_READ;
	EXPECT_EQ(-EBUSY, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	p.timeout_ns = npu_now_ns() + 3000000000ll;
	EXPECT_EQ(0, npu_ioc(fd, DRM_IOCTL_NPU_BO_CPU_PREP, &p));
	EXPECT_EQ(0, npu_wait(fd, slow, 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	npu_set_task_delay(0, 1, "0");
	npu_bo_free(fd, &data);
	npu_bo_free(fd, &bo);
	close(fd);
}

/*
 * A BO of die 0 shared with die 1 through a dma-buf: a die-1 job reading
 * the import waits for a slow die-0 job writing it, unless it carries
 * DRM_NPU_BO_REF_NO_IMPLICIT.  The default sync crosses devices.
 */
TEST(implicit_syncs_a_shared_bo)
{
	struct drm_npu_job_wait w;
	struct npu_bo bo0, bo1, data;
	uint32_t imported;
	uint64_t slow, reader;
	int fd0 = npu_open(0), fd1, dmabuf, round;

	ASSERT_LE(0, fd0);
	fd1 = npu_open(1);
	if (fd1 < 0)
		SKIP(return, "one die only (sim_dies=2 gives two)");
	ASSERT_EQ(0, npu_null_task(fd0, 0, &bo0));
	ASSERT_EQ(0, npu_null_task(fd1, 0, &bo1));
	ASSERT_EQ(0, npu_bo_new(fd0, 4096, &data));
	dmabuf = npu_export(fd0, data.handle);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, npu_import(fd1, dmabuf, &imported));
	npu_set_task_delay(0, 0, "1000000");

	for (round = 0; round < 2; round++) {
		uint32_t flags = round ? DRM_NPU_BO_REF_NO_IMPLICIT : 0;

		ASSERT_EQ(0, submit_with_bo(fd0, bo0.va, 0, data.handle,
					    DRM_NPU_BO_REF_WRITE, &slow));
		ASSERT_EQ(0, submit_with_bo(fd1, bo1.va, 0, imported, flags,
					    &reader));
		ASSERT_EQ(0, npu_wait(fd1, reader, 10000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
		/* without the flag the writer was done first; with it, not */
		EXPECT_EQ(round ? -ETIME : 0, npu_wait(fd0, slow, 0, &w));
		ASSERT_EQ(0, npu_wait(fd0, slow, 10000, &w));
		EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	}
	npu_set_task_delay(0, 0, "0");
	close(dmabuf);
	npu_bo_free(fd1, &bo1);
	npu_bo_free(fd0, &data);
	npu_bo_free(fd0, &bo0);
	close(fd1);
	close(fd0);
}

TEST_F_TIMEOUT(slow, hang_reset_ban, 60)
{
	char path[128];
	struct drm_npu_job_wait w;
	struct npu_bo bo, bo2, bo3;
	long long resets;
	uint64_t hung = 0, queued = 0, id = 0;
	int bad = npu_open(0), good = npu_open(0);
	pid_t child;
	int status;

	ASSERT_LE(0, bad);
	ASSERT_LE(0, good);
	ASSERT_EQ(0, npu_null_task(bad, 0, &bo));
	ASSERT_EQ(0, npu_null_task(good, 0, &bo2));
	resets = npu_read_ll(SYS(0, "core0_resets"));
	ASSERT_LE(0, resets);

	npu_dbg_path(path, sizeof(path), 0, "core0/hang_next");
	ASSERT_EQ(0, npu_write_file(path, "1"));
	ASSERT_EQ(0, npu_submit_one(bad, 0, bo.va, 4, 1, &hung));
	ASSERT_EQ(0, npu_submit_one(bad, 0, bo.va, 4, 1, &queued));
	/* Meanwhile other cores serve the other file. */
	ASSERT_EQ(0, npu_submit_one(good, 0, bo2.va, 4, 2, &id));
	ASSERT_EQ(0, npu_wait(good, id, 2000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);

	ASSERT_EQ(0, npu_wait(bad, hung, 15000, &w));
	EXPECT_EQ(DRM_NPU_JOB_TIMEOUT, w.status);
	EXPECT_EQ(-ETIMEDOUT, w.error);
	ASSERT_EQ(0, npu_wait(bad, queued, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_CANCELLED, w.status);
	EXPECT_EQ(resets + 1, npu_read_ll(SYS(0, "core0_resets")));
	EXPECT_EQ(-EBADFD, npu_submit_one(bad, 0, bo.va, 4, 1, &id));

	/* The reset core serves everybody else. */
	ASSERT_EQ(0, npu_submit_one(good, 0, bo2.va, 4, 1, &id));
	ASSERT_EQ(0, npu_wait(good, id, 5000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	child = fork();
	if (!child) {
		int fd = npu_open(0);
		uint64_t cid = 0;

		if (fd < 0 || npu_null_task(fd, 0, &bo3) ||
		    npu_submit_one(fd, 0, bo3.va, 4, 1, &cid) ||
		    npu_wait(fd, cid, 5000, &w))
			_exit(2);
		_exit(w.status == DRM_NPU_JOB_DONE ? 0 : 1);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	npu_bo_free(bad, &bo);
	npu_bo_free(good, &bo2);
	close(bad);
	close(good);
}

TEST_HARNESS_MAIN
