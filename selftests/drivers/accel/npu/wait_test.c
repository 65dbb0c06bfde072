// SPDX-License-Identifier: MIT
/*
 * JOB_WAIT with DRM_NPU_WAIT_SUBMIT: one wait for every job of a SUBMIT,
 * reporting the failed one among them (status, core, fault address,
 * reason), the jobs' busy time and span; its timeouts, bad arguments,
 * jobs of other SUBMITs, and the 56-byte struct of older binaries.
 */
#include "kselftest_harness.h"
#include "npu_helpers.h"

static int wait_submit(int fd, uint64_t job_id, int64_t ms,
		       struct drm_npu_job_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = job_id;
	w->flags = DRM_NPU_WAIT_SUBMIT;
	w->timeout_ns = ms ? npu_now_ns() + ms * 1000000 : 0;
	return npu_ioc(fd, DRM_IOCTL_NPU_JOB_WAIT, w);
}

/*
 * A regcmd BO: at word 0 a null stream, at word 8 a stream the PC
 * rejects at its second word (BAD_WORD), and at the last two words of
 * the page the start of a stream that runs past the mapping.
 */
struct streams {
	struct npu_bo bo;
	uint64_t ok_va, bad_va, past_va;
};

static int streams_new(int fd, struct streams *s)
{
	uint64_t *rc;
	int ret = npu_bo_new(fd, 4096, &s->bo);

	if (ret)
		return ret;
	rc = s->bo.cpu;
	rc[0] = NPU_RC_CNA(1);
	rc[1] = 0;
	rc[2] = NPU_RC_VERSION;
	rc[3] = NPU_RC_OP_EN;
	rc[8] = NPU_RC_CNA(1);
	rc[9] = (0x0201ull << 48) | 0x3000;	/* CORE register via CNA */
	rc[10] = NPU_RC_VERSION;
	rc[11] = NPU_RC_OP_EN;
	rc[510] = NPU_RC_CNA(3);
	rc[511] = NPU_RC_CNA(4);
	ret = npu_bo_map(fd, &s->bo, 0, 0);
	s->ok_va = s->bo.va;
	s->bad_va = s->bo.va + 64;
	s->past_va = s->bo.va + 4080;
	return ret;
}

/* Submit @n one-task jobs of 4 words at @va[i] on core mask @mask[i]. */
static int submit_n(int fd, unsigned int n, const uint64_t *va,
		    const uint32_t *mask, uint32_t flags, uint64_t *ids,
		    uint32_t *submitted)
{
	struct drm_npu_task t[8];
	struct drm_npu_job j[8];
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)j, .job_count = n, .job_stride = sizeof(j[0]),
		.flags = flags,
	};
	unsigned int i;
	int ret;

	memset(t, 0, sizeof(t));
	memset(j, 0, sizeof(j));
	for (i = 0; i < n; i++) {
		t[i].regcmd_va = va[i];
		t[i].regcmd_count = 4;
		j[i].tasks = (uintptr_t)&t[i];
		j[i].task_count = 1;
		j[i].core_mask = mask[i];
	}
	ret = npu_ioc(fd, DRM_IOCTL_NPU_SUBMIT, &s);
	for (i = 0; i < n; i++)
		ids[i] = j[i].job_id;
	if (submitted)
		*submitted = s.submitted;
	return ret;
}

FIXTURE(wait) {
	int fd;
	struct streams s;
};

FIXTURE_SETUP(wait)
{
	struct drm_npu_query_device q;

	self->fd = npu_open(0);
	ASSERT_LE(0, self->fd) TH_LOG("no npu device: are npu.ko and npu_virtual.ko loaded?");
	ASSERT_EQ(0, npu_query_device(self->fd, &q));
	ASSERT_TRUE(q.caps & DRM_NPU_CAP_WAIT_SUBMIT);
	ASSERT_LE(3, q.core_count);
	ASSERT_EQ(0, streams_new(self->fd, &self->s));
}

FIXTURE_TEARDOWN(wait)
{
	npu_set_task_delay(0, 2, "0");
	npu_bo_free(self->fd, &self->s.bo);
	close(self->fd);
}

/*
 * Three jobs on three cores, the last one slow: a wait naming the first
 * returns only once all three are done, with their summed busy time,
 * the longest, and their span, which agree with the per-job records.
 */
TEST_F(wait, all_done)
{
	uint64_t va[3] = { self->s.ok_va, self->s.ok_va, self->s.ok_va };
	uint32_t mask[3] = { 1, 2, 4 };
	struct drm_npu_job_wait w, one;
	uint64_t ids[3], sum = 0, longest = 0, lo = ~0ull, hi = 0;
	int64_t t0, t1;
	int i;

	npu_set_task_delay(0, 2, "200000");
	t0 = npu_now_ns();
	ASSERT_EQ(0, submit_n(self->fd, 3, va, mask, DRM_NPU_SUBMIT_PARALLEL,
			      ids, NULL));
	EXPECT_EQ(ids[0] + 1, ids[1]);
	EXPECT_EQ(ids[1] + 1, ids[2]);
	ASSERT_EQ(0, wait_submit(self->fd, ids[0], 10000, &w));
	t1 = npu_now_ns();
	/* The slow job is done: a poll of it finds it so. */
	ASSERT_EQ(0, npu_wait(self->fd, ids[2], 0, &one));
	EXPECT_EQ(DRM_NPU_JOB_DONE, one.status);
	EXPECT_LE(200000000ll, t1 - t0);
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(3, w.count);
	EXPECT_EQ(ids[0], w.status_id);
	EXPECT_EQ(0, w.error);
	EXPECT_EQ(0, w.fault_va);
	EXPECT_EQ(0, w.pad);
	EXPECT_EQ(0, w.pad2);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, npu_wait(self->fd, ids[i], 0, &one));
		EXPECT_EQ(1, one.count);
		EXPECT_EQ(ids[i], one.status_id);
		EXPECT_EQ(i, one.core);
		EXPECT_EQ(one.busy_ns, one.max_busy_ns);
		EXPECT_EQ(one.start_ns + one.busy_ns, one.end_ns);
		sum += one.busy_ns;
		if (one.busy_ns > longest)
			longest = one.busy_ns;
		if (one.start_ns < lo)
			lo = one.start_ns;
		if (one.end_ns > hi)
			hi = one.end_ns;
	}
	EXPECT_EQ(sum, w.busy_ns);
	EXPECT_EQ(longest, w.max_busy_ns);
	EXPECT_LE(200000000ull, w.max_busy_ns);
	EXPECT_EQ(lo, w.start_ns);
	EXPECT_EQ(hi, w.end_ns);
	/* On the caller's clock, between the submit and the wait's return. */
	EXPECT_LE((uint64_t)t0, w.start_ns);
	EXPECT_GE((uint64_t)t1, w.end_ns);
	EXPECT_LE(w.max_busy_ns, w.end_ns - w.start_ns);
	/* Any job of the SUBMIT names all of it; waiting again is fine. */
	ASSERT_EQ(0, wait_submit(self->fd, ids[2], 0, &w));
	EXPECT_EQ(3, w.count);
	EXPECT_EQ(ids[0], w.status_id);
	EXPECT_EQ(sum, w.busy_ns);
}

/*
 * One job of three rejected by its core: the wait reports that job, its
 * core, reason and address, after the other two are done; a second
 * failure later in the SUBMIT does not replace the first.
 */
TEST_F(wait, one_of_three_fails)
{
	uint64_t va[3] = { self->s.ok_va, self->s.bad_va, self->s.ok_va };
	uint32_t mask[3] = { 1, 2, 4 };
	struct drm_npu_job_wait w, one;
	uint64_t ids[3];

	ASSERT_EQ(0, submit_n(self->fd, 3, va, mask, DRM_NPU_SUBMIT_PARALLEL,
			      ids, NULL));
	ASSERT_EQ(0, wait_submit(self->fd, ids[2], 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_EQ(DRM_NPU_REASON_BAD_WORD, w.reason);
	EXPECT_EQ(self->s.bad_va + 8, w.fault_va);
	EXPECT_EQ(1, w.core);
	EXPECT_EQ(-EINVAL, w.error);
	EXPECT_EQ(ids[1], w.status_id);
	EXPECT_EQ(3, w.count);
	ASSERT_EQ(0, npu_wait(self->fd, ids[0], 0, &one));
	EXPECT_EQ(DRM_NPU_JOB_DONE, one.status);
	ASSERT_EQ(0, npu_wait(self->fd, ids[2], 0, &one));
	EXPECT_EQ(DRM_NPU_JOB_DONE, one.status);

	/* An MMU fault on core 2 after the rejection on core 1. */
	va[2] = self->s.past_va;
	ASSERT_EQ(0, submit_n(self->fd, 3, va, mask, DRM_NPU_SUBMIT_PARALLEL,
			      ids, NULL));
	ASSERT_EQ(0, wait_submit(self->fd, ids[0], 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_EQ(ids[1], w.status_id);
	EXPECT_EQ(self->s.bad_va + 8, w.fault_va);
	ASSERT_EQ(0, npu_wait(self->fd, ids[2], 0, &one));
	EXPECT_EQ(DRM_NPU_JOB_MMU_FAULT, one.status);
	EXPECT_EQ(self->s.bo.va + 4096, one.fault_va);

	/* The fault alone: it is the one reported, with its address. */
	va[1] = self->s.ok_va;
	ASSERT_EQ(0, submit_n(self->fd, 3, va, mask, 0, ids, NULL));
	ASSERT_EQ(0, wait_submit(self->fd, ids[1], 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_MMU_FAULT, w.status);
	EXPECT_EQ(-EFAULT, w.error);
	EXPECT_EQ(2, w.core);
	EXPECT_EQ(ids[2], w.status_id);
	EXPECT_EQ(self->s.bo.va + 4096, w.fault_va);
}

/* Polls and deadlines: -ETIME and nothing but PENDING until all are done. */
TEST_F(wait, timeout_and_poll)
{
	uint64_t va[3] = { self->s.ok_va, self->s.ok_va, self->s.ok_va };
	uint32_t mask[3] = { 1, 2, 4 };
	struct drm_npu_job_wait w;
	uint64_t ids[3];
	int64_t t0;

	npu_set_task_delay(0, 2, "300000");
	ASSERT_EQ(0, submit_n(self->fd, 3, va, mask, DRM_NPU_SUBMIT_PARALLEL,
			      ids, NULL));
	/* The fast jobs may be done: the slow one is not. */
	EXPECT_EQ(-ETIME, wait_submit(self->fd, ids[0], 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_PENDING, w.status);
	EXPECT_EQ(0, w.count);
	EXPECT_EQ(0, w.busy_ns);
	EXPECT_EQ(0, w.status_id);
	EXPECT_EQ(0, w.start_ns);
	t0 = npu_now_ns();
	EXPECT_EQ(-ETIME, wait_submit(self->fd, ids[0], 50, &w));
	EXPECT_LE(40000000ll, npu_now_ns() - t0);
	EXPECT_EQ(DRM_NPU_JOB_PENDING, w.status);
	EXPECT_EQ(0, w.count);
	ASSERT_EQ(0, wait_submit(self->fd, ids[0], 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(3, w.count);
	EXPECT_EQ(0, wait_submit(self->fd, ids[1], 0, &w));
	EXPECT_EQ(3, w.count);
}

TEST_F(wait, bad_arguments)
{
	uint64_t va[2] = { self->s.ok_va, self->s.ok_va };
	uint32_t mask[2] = { 1, 2 };
	struct drm_npu_job_wait w;
	uint64_t ids[2];

	ASSERT_EQ(0, submit_n(self->fd, 2, va, mask, 0, ids, NULL));
	EXPECT_EQ(-ENOENT, wait_submit(self->fd, ids[1] + 1000, 0, &w));
	EXPECT_EQ(-ENOENT, wait_submit(self->fd, 0, 0, &w));
	memset(&w, 0, sizeof(w));
	w.job_id = ids[0];
	w.flags = 0x2;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	w.flags = DRM_NPU_WAIT_SUBMIT | 0x80000000u;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	w.flags = DRM_NPU_WAIT_SUBMIT;
	w.timeout_ns = -1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	EXPECT_EQ(0, wait_submit(self->fd, ids[0], 10000, &w));
	EXPECT_EQ(2, w.count);
	/* Out fields are written, not read: garbage in them changes nothing. */
	memset(&w, 0xa5, sizeof(w));
	w.job_id = ids[1];
	w.timeout_ns = 0;
	w.flags = DRM_NPU_WAIT_SUBMIT;
	EXPECT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_NPU_JOB_WAIT, &w));
	EXPECT_EQ(2, w.count);
	EXPECT_EQ(0, w.pad);
	EXPECT_EQ(0, w.pad2);
	EXPECT_EQ(ids[0], w.status_id);
}

/*
 * Consecutive SUBMITs have consecutive ids, and a wait covers only the
 * SUBMIT of the job it names: not the one before, nor its failure.
 */
TEST_F(wait, other_submit)
{
	uint64_t va_a[2] = { self->s.ok_va, self->s.ok_va };
	uint64_t va_b[3] = { self->s.ok_va, self->s.bad_va, self->s.ok_va };
	uint32_t mask[3] = { 1, 2, 4 };
	struct drm_npu_job_wait w;
	uint64_t a[2], b[3], c[1];

	ASSERT_EQ(0, submit_n(self->fd, 2, va_a, mask, 0, a, NULL));
	ASSERT_EQ(0, submit_n(self->fd, 3, va_b, mask, DRM_NPU_SUBMIT_PARALLEL,
			      b, NULL));
	ASSERT_EQ(0, submit_n(self->fd, 1, va_a, mask, 0, c, NULL));
	EXPECT_EQ(a[1] + 1, b[0]);
	EXPECT_EQ(b[2] + 1, c[0]);
	ASSERT_EQ(0, wait_submit(self->fd, a[1], 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(2, w.count);
	EXPECT_EQ(a[0], w.status_id);
	ASSERT_EQ(0, wait_submit(self->fd, b[0], 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_EQ(3, w.count);
	EXPECT_EQ(b[1], w.status_id);
	ASSERT_EQ(0, wait_submit(self->fd, c[0], 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(1, w.count);
	EXPECT_EQ(c[0], w.status_id);
	/* Without the flag a job is one job, as before. */
	ASSERT_EQ(0, npu_wait(self->fd, b[0], 0, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(1, w.count);
}

/*
 * A SUBMIT that queued only some of its jobs (an in-sync with no fence
 * fails the last one): the wait covers those it queued.
 */
TEST_F(wait, partly_queued_submit)
{
	struct drm_syncobj_create sc = { 0 };
	struct drm_npu_task t = { .regcmd_va = self->s.ok_va, .regcmd_count = 4 };
	struct drm_npu_sync never = { 0 };
	struct drm_npu_job j[3];
	struct drm_npu_submit s = {
		.jobs = (uintptr_t)j, .job_count = 3, .job_stride = sizeof(j[0]),
	};
	struct drm_npu_job_wait w;
	int i;

	ASSERT_EQ(0, npu_ioc(self->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc));
	never.handle = sc.handle;
	memset(j, 0, sizeof(j));
	for (i = 0; i < 3; i++) {
		j[i].tasks = (uintptr_t)&t;
		j[i].task_count = 1;
		j[i].core_mask = 1u << i;
	}
	j[2].in_syncs = (uintptr_t)&never;
	j[2].in_sync_count = 1;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, DRM_IOCTL_NPU_SUBMIT, &s));
	if (!s.submitted)
		SKIP(return, "this kernel queues none of a failed SUBMIT");
	ASSERT_EQ(2, s.submitted);
	ASSERT_EQ(0, wait_submit(self->fd, j[1].job_id, 10000, &w));
	EXPECT_EQ(DRM_NPU_JOB_DONE, w.status);
	EXPECT_EQ(2, w.count);
	EXPECT_EQ(j[0].job_id, w.status_id);
	EXPECT_EQ(-ENOENT, wait_submit(self->fd, j[2].job_id, 0, &w));
}

/*
 * The 56-byte struct of a binary built before DRM_NPU_WAIT_SUBMIT: its
 * ioctl number works, and the kernel writes nothing past those bytes.
 */
struct old_job_wait {
	__u64 job_id;
	__s64 timeout_ns;
	__u32 flags, status;
	__u64 fault_va;
	__u32 core;
	__s32 error;
	__u64 busy_ns;
	__u32 reason, pad;
};

#define OLD_IOCTL_JOB_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NPU_JOB_WAIT, struct old_job_wait)

TEST_F(wait, old_struct_size)
{
	uint64_t va[1] = { self->s.bad_va };
	uint32_t mask[1] = { 2 };
	struct {
		struct old_job_wait w;
		unsigned char after[40];
	} buf;
	uint64_t id;
	size_t i;

	ASSERT_EQ(56, sizeof(struct old_job_wait));
	ASSERT_EQ(0, submit_n(self->fd, 1, va, mask, 0, &id, NULL));
	memset(&buf, 0x5a, sizeof(buf));
	memset(&buf.w, 0, sizeof(buf.w));
	buf.w.job_id = id;
	buf.w.timeout_ns = npu_now_ns() + 10000000000ll;
	ASSERT_EQ(0, npu_ioc(self->fd, OLD_IOCTL_JOB_WAIT, &buf.w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, buf.w.status);
	EXPECT_EQ(self->s.bad_va + 8, buf.w.fault_va);
	EXPECT_EQ(1, buf.w.core);
	for (i = 0; i < sizeof(buf.after); i++)
		ASSERT_EQ(0x5a, buf.after[i]) TH_LOG("byte %zu past the old struct written", 56 + i);
	/* The old size has no room for the flag's results: still checked. */
	buf.w.flags = 0x2;
	EXPECT_EQ(-EINVAL, npu_ioc(self->fd, OLD_IOCTL_JOB_WAIT, &buf.w));
}

FIXTURE(hang) {
	int fd;
	struct streams s;
};

FIXTURE_SETUP(hang)
{
	self->fd = npu_open(0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, streams_new(self->fd, &self->s));
}

FIXTURE_TEARDOWN(hang)
{
	npu_bo_free(self->fd, &self->s.bo);
	close(self->fd);
}

/*
 * A job of three hangs: the wait returns once the watchdog ended it,
 * and reports the hang, not the job cancelled behind it on its core.
 * A second SUBMIT, queued before the hang was found, whose first job is
 * cancelled (the file is banned) and whose second is rejected, reports
 * the rejection: the cancellation is the hang's consequence.
 */
TEST_F_TIMEOUT(hang, hang_reported, 60)
{
	uint64_t va[3] = { self->s.ok_va, self->s.ok_va, self->s.ok_va };
	uint64_t va2[2] = { self->s.ok_va, self->s.bad_va };
	uint32_t mask[3] = { 1, 1, 2 };
	uint32_t mask2[2] = { 1, 2 };
	struct drm_npu_job_wait w, one;
	char path[128];
	uint64_t ids[3], ids2[2];

	npu_dbg_path(path, sizeof(path), 0, "core0/hang_next");
	ASSERT_EQ(0, npu_write_file(path, "1"));
	/* hang on core 0; a job queued behind it there; one on core 1 */
	ASSERT_EQ(0, submit_n(self->fd, 3, va, mask, 0, ids, NULL));
	ASSERT_EQ(0, submit_n(self->fd, 2, va2, mask2, 0, ids2, NULL));
	ASSERT_EQ(0, wait_submit(self->fd, ids[2], 30000, &w));
	EXPECT_EQ(DRM_NPU_JOB_TIMEOUT, w.status);
	EXPECT_EQ(-ETIMEDOUT, w.error);
	EXPECT_EQ(ids[0], w.status_id);
	EXPECT_EQ(0, w.core);
	EXPECT_EQ(3, w.count);
	ASSERT_EQ(0, npu_wait(self->fd, ids[1], 0, &one));
	EXPECT_EQ(DRM_NPU_JOB_CANCELLED, one.status);
	ASSERT_EQ(0, npu_wait(self->fd, ids[2], 0, &one));
	EXPECT_EQ(DRM_NPU_JOB_DONE, one.status);

	ASSERT_EQ(0, wait_submit(self->fd, ids2[0], 30000, &w));
	EXPECT_EQ(DRM_NPU_JOB_INVALID, w.status);
	EXPECT_EQ(ids2[1], w.status_id);
	EXPECT_EQ(self->s.bad_va + 8, w.fault_va);
	EXPECT_EQ(2, w.count);
	ASSERT_EQ(0, npu_wait(self->fd, ids2[0], 0, &one));
	EXPECT_EQ(DRM_NPU_JOB_CANCELLED, one.status);
}

TEST_HARNESS_MAIN
