// SPDX-License-Identifier: MIT
/*
 * Recovery under repetition, with bounded counts: a storm of hung jobs
 * beside innocent processes, and processes killed with SIGKILL in the
 * middle of submitting.  Each case prints its counts (attempts,
 * recovered, failures) as a TAP comment.  STRESS_HANGS and STRESS_KILLS
 * set the counts (defaults 100 and 1000; the debug-kernel lane, several
 * times slower, runs fewer); STRESS_HELD_KILLS the kills with jobs held
 * (default 1000).
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

static int count_from_env(const char *name, int def)
{
	const char *v = getenv(name);

	return v && atoi(v) > 0 ? atoi(v) : def;
}

static int die_knob(const char *file, const char *value)
{
	char path[128];

	npu_dbg_path(path, sizeof(path), 0, file);
	return npu_write_file(path, value);
}

/* Counts of an innocent process, in memory shared with the test. */
struct innocent {
	int submitted, done, failed, banned;
};

/*
 * Jobs on cores 1 and up (core 0 is where the hangs are injected, and
 * the next job to start there takes the hang) until @stop is closed.
 */
static void innocent_run(int stop, struct innocent *r)
{
	struct pollfd p = { .fd = stop, .events = POLLIN };
	struct drm_npu_query_device q;
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t id = 0;
	int fd = npu_open(0), ret;

	if (fd < 0 || npu_query_device(fd, &q) || npu_null_task(fd, 0, &bo))
		_exit(2);
	while (!poll(&p, 1, 0)) {
		ret = npu_submit_one(fd, 0, bo.va, 4,
				     ((1u << q.core_count) - 1) & ~1u, &id);
		if (ret == -EBADFD) {
			r->banned++;
			break;
		}
		if (ret) {
			r->failed++;
			continue;
		}
		r->submitted++;
		if (!npu_wait(fd, id, 10000, &w) &&
		    w.status == DRM_NPU_JOB_DONE)
			r->done++;
		else
			r->failed++;
	}
	_exit(0);
}

/*
 * Hangs, one after the other on core 0, each in a fresh file: each one
 * times out, its file is banned, its queued job is cancelled and every
 * fence signals.  Meanwhile two innocent processes run jobs on the other
 * cores, and an innocent file's job waits behind each hang on core 0:
 * all of them complete, and no innocent is ever banned.
 */
TEST_F_TIMEOUT(slow, hang_storm_with_innocents, 600)
{
	int hangs = count_from_env("STRESS_HANGS", 100);
	int timed_out = 0, banned = 0, signalled = 0, cancelled = 0;
	int behind_done = 0, i, stop[2], status;
	struct drm_npu_query_device q;
	struct innocent *inn;
	struct npu_bo ibo;
	char hang[128];
	pid_t kids[2];
	int innocent;
	int64_t t0;

	innocent = npu_open(0);
	ASSERT_LE(0, innocent);
	ASSERT_EQ(0, npu_query_device(innocent, &q));
	if (q.core_count < 2)
		SKIP(return, "needs two cores");
	ASSERT_EQ(0, npu_null_task(innocent, 0, &ibo));
	inn = mmap(NULL, 2 * sizeof(*inn), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, inn);
	memset(inn, 0, 2 * sizeof(*inn));
	ASSERT_EQ(0, pipe(stop));
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i]) {
			close(stop[1]);
			innocent_run(stop[0], &inn[i]);
		}
	}
	close(stop[0]);
	npu_dbg_path(hang, sizeof(hang), 0, "core0/hang_next");
	ASSERT_EQ(0, die_knob("job_timeout_ms", "100"));

	for (i = 0; i < hangs; i++) {
		struct drm_npu_job_wait w;
		uint64_t hid = 0, qid = 0, iid = 0, id = 0;
		struct npu_bo bo;
		int guilty = npu_open(0);

		ASSERT_LE(0, guilty);
		ASSERT_EQ(0, npu_null_task(guilty, 0, &bo));
		ASSERT_EQ(0, npu_write_file(hang, "1"));
		ASSERT_EQ(0, npu_submit_one(guilty, 0, bo.va, 4, 1, &hid));
		ASSERT_EQ(0, npu_submit_one(guilty, 0, bo.va, 4, 1, &qid));
		/*
		 * The innocent job goes behind the hang once it is on the
		 * core: whichever job starts first takes the hang.
		 */
		t0 = npu_now_ns();
		while (npu_read_ll(hang) != 0 &&
		       npu_now_ns() - t0 < 10000000000ll)
			usleep(1000);
		ASSERT_EQ(0, npu_read_ll(hang));
		ASSERT_EQ(0, npu_submit_one(innocent, 0, ibo.va, 4, 1, &iid));

		if (!npu_wait(guilty, hid, 20000, &w)) {
			signalled++;
			if (w.status == DRM_NPU_JOB_TIMEOUT)
				timed_out++;
			else
				TH_LOG("hang %d: status %u", i, w.status);
		}
		if (!npu_wait(guilty, qid, 20000, &w)) {
			signalled++;
			if (w.status == DRM_NPU_JOB_CANCELLED)
				cancelled++;
		}
		if (npu_submit_one(guilty, 0, bo.va, 4, 1, &id) == -EBADFD)
			banned++;
		if (!npu_wait(innocent, iid, 20000, &w)) {
			signalled++;
			if (w.status == DRM_NPU_JOB_DONE)
				behind_done++;
		}
		npu_bo_free(guilty, &bo);
		close(guilty);
	}
	close(stop[1]);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	ASSERT_EQ(0, die_knob("job_timeout_ms", "2000"));

	printf("# hang storm: attempts %d timed_out %d banned %d cancelled %d fences_signalled %d/%d behind_a_hang_done %d\n",
	       hangs, timed_out, banned, cancelled, signalled, 3 * hangs,
	       behind_done);
	for (i = 0; i < 2; i++)
		printf("# innocent %d: jobs %d done %d failures %d banned %d\n",
		       i, inn[i].submitted, inn[i].done, inn[i].failed,
		       inn[i].banned);
	EXPECT_EQ(hangs, timed_out);
	EXPECT_EQ(hangs, banned);
	EXPECT_EQ(hangs, cancelled);
	EXPECT_EQ(3 * hangs, signalled);
	EXPECT_EQ(hangs, behind_done);
	for (i = 0; i < 2; i++) {
		EXPECT_LT(0, inn[i].submitted);
		EXPECT_EQ(inn[i].submitted, inn[i].done);
		EXPECT_EQ(0, inn[i].failed);
		EXPECT_EQ(0, inn[i].banned);
	}
	npu_bo_free(innocent, &ibo);
	close(innocent);
	munmap(inn, 2 * sizeof(*inn));
}

/* Submit forever on every core, counting submits in @count. */
static void submitter_run(volatile int *count)
{
	struct drm_npu_job_wait w;
	uint64_t ids[8] = { 0 };
	struct npu_bo bo;
	int fd = npu_open(0), i;

	if (fd < 0 || npu_null_task(fd, 0, &bo))
		_exit(2);
	for (i = 0;; i++) {
		if (ids[i % 8])
			npu_wait(fd, ids[i % 8], 1000, &w);
		if (!npu_submit_one(fd, 0, bo.va, 4, 0, &ids[i % 8]))
			(*count)++;
	}
}

/* A die line of debugfs, "vms: 3" say; -1 when absent. */
static long long die_stat(const char *key)
{
	char path[128], line[128];
	long long v = -1;
	size_t len = strlen(key);
	FILE *f;

	npu_dbg_path(path, sizeof(path), 0, "die");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = atoll(line + len + 1);
	fclose(f);
	return v;
}

/* Jobs queued on the cores of die 0, from debugfs; -1 on error. */
static int queued_jobs(void)
{
	char path[128], line[256];
	int total = 0, q;
	FILE *f;

	npu_dbg_path(path, sizeof(path), 0, "cores");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *s = strstr(line, "queued ");

		if (s && sscanf(s, "queued %d", &q) == 1)
			total += q;
		if (strstr(line, ": busy"))
			total++;
	}
	fclose(f);
	return total;
}

/* What killed children left on die 0, once all of it is gone (30 s at most). */
struct leftovers {
	int jobs;
	long long vms, bos;
};

static struct leftovers wait_until_nothing_left(void)
{
	int64_t t0 = npu_now_ns();
	struct leftovers l;

	do {
		l.jobs = queued_jobs();
		l.vms = die_stat("vms");
		l.bos = die_stat("bos");
		if (!l.jobs && !l.vms && !l.bos)
			break;
		usleep(100000);
	} while (npu_now_ns() - t0 < 30000000000ll);
	return l;
}

/* A null job of a fresh file on die 0: its status, -1 if it did not run. */
static int die_runs_a_job(void)
{
	struct drm_npu_job_wait w;
	int fd = npu_open(0), status = -1;
	struct npu_bo bo;
	uint64_t id = 0;

	if (fd < 0)
		return -1;
	if (!npu_null_task(fd, 0, &bo)) {
		if (!npu_submit_one(fd, 0, bo.va, 4, 0, &id) &&
		    !npu_wait(fd, id, 10000, &w))
			status = w.status;
		npu_bo_free(fd, &bo);
	}
	close(fd);
	return status;
}

/*
 * A child submitting in a loop is killed at a random time, again and
 * again: before it opened the die, while it creates its BO, in the
 * middle of a SUBMIT or a wait.  Afterwards nothing of the children is
 * left (no job queued or running, no VM, no BO) and the die runs jobs.
 */
TEST_F_TIMEOUT(slow, kill9_mid_submit, 600)
{
	int kills = count_from_env("STRESS_KILLS", 1000);
	int killed = 0, mid = 0, failures = 0, i, status;
	struct leftovers left;
	volatile int *count;
	int64_t t0;

	count = mmap(NULL, sizeof(*count), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, count);
	srand(1);
	for (i = 0; i < kills; i++) {
		pid_t pid;

		*count = 0;
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			submitter_run(count);
		/*
		 * One kill in four at any time from the fork (opening the
		 * die, creating the BO), the others once the child submits.
		 */
		if (i % 4) {
			t0 = npu_now_ns();
			while (!*count && npu_now_ns() - t0 < 5000000000ll)
				usleep(200);
		}
		usleep(rand() % 3000);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
		else
			failures++;
		if (*count)
			mid++;
	}

	/* The killed files' jobs are cancelled and freed: nothing stays. */
	left = wait_until_nothing_left();
	status = die_runs_a_job();
	printf("# kill -9 storm: attempts %d killed %d mid_submit %d failures %d; then jobs %d vms %lld bos %lld, recovered %s\n",
	       kills, killed, mid, failures, left.jobs, left.vms, left.bos,
	       status == DRM_NPU_JOB_DONE ? "yes" : "no");
	EXPECT_EQ(DRM_NPU_JOB_DONE, status);
	EXPECT_EQ(kills, killed);
	EXPECT_EQ(0, failures);
	EXPECT_EQ(0, left.jobs);
	EXPECT_EQ(0, left.vms);
	EXPECT_EQ(0, left.bos);
	/* Most kills did land in the middle of submitting. */
	EXPECT_GE(mid, kills / 2);
	munmap((void *)count, sizeof(*count));
}

/* The virtual NPU's time per task, on every core of die 0. */
static void set_task_delay(const char *us)
{
	unsigned int c;

	for (c = 0; c < 8; c++)
		if (npu_set_task_delay(0, c, us))
			break;
}

/* Jobs on any core without waiting, then tell the test, then wait to die. */
static void holder_run(volatile int *count, int jobs)
{
	struct npu_bo bo;
	uint64_t id;
	int fd = npu_open(0), i;

	if (fd < 0 || npu_null_task(fd, 0, &bo))
		_exit(2);
	for (i = 0; i < jobs; i++)
		if (!npu_submit_one(fd, 0, bo.va, 4, 0, &id))
			(*count)++;
	for (;;)
		pause();
}

/*
 * A process killed with jobs held back on a core (a file has one job in
 * the core's scheduler at a time; the rest wait in the driver): the
 * close pushes them all into the scheduler and ends the entity at once,
 * while the scheduler takes the next of them as the one running is
 * stopped.  Done again and again, each time at a random point of the
 * first job; the scheduler's run queue must not keep the dead entity
 * (the driver WARNs if it does, and the next queue update would oops).
 */
TEST_F_TIMEOUT(slow, kill9_with_jobs_held, 600)
{
	int kills = count_from_env("STRESS_HELD_KILLS", 1000);
	int killed = 0, full = 0, i, status;
	struct leftovers left;
	volatile int *count;
	int64_t t0;

	count = mmap(NULL, sizeof(*count), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, count);
	/* each job takes a millisecond: the kill finds the file's queues */
	set_task_delay("1000");
	srand(2);
	for (i = 0; i < kills; i++) {
		pid_t pid;

		*count = 0;
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			holder_run(count, 16);
		t0 = npu_now_ns();
		while (*count < 16 && npu_now_ns() - t0 < 5000000000ll)
			usleep(100);
		if (*count == 16)
			full++;
		usleep(rand() % 1500);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
	}
	set_task_delay("0");

	left = wait_until_nothing_left();
	status = die_runs_a_job();
	printf("# kill -9 with 16 jobs held: attempts %d killed %d all submitted %d; then jobs %d vms %lld bos %lld, recovered %s\n",
	       kills, killed, full, left.jobs, left.vms, left.bos,
	       status == DRM_NPU_JOB_DONE ? "yes" : "no");
	EXPECT_EQ(DRM_NPU_JOB_DONE, status);
	EXPECT_EQ(kills, killed);
	EXPECT_EQ(kills, full);
	EXPECT_EQ(0, left.jobs);
	EXPECT_EQ(0, left.vms);
	EXPECT_EQ(0, left.bos);
	munmap((void *)count, sizeof(*count));
}

TEST_HARNESS_MAIN
