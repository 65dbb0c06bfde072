// SPDX-License-Identifier: MIT
/*
 * libnpu API contract, without an NPU: error codes, NULL out-pointers,
 * parameters of a fake device, reference counting across threads, and
 * silence unless NPU_DEBUG asks for messages.
 *
 * Linked against the static library, so that libnpu_device_wrap() can build
 * a fake device around /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "npu_gemm.h"
#include "npu_priv.h"
#include "tap.h"

/* A pointer no successful or failed call may leave behind. */
#define POISON	((struct npu_device *)(uintptr_t)0x5a5a5a5a)

static int open_dev_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("Bail out! /dev/null: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static const struct drm_npu_query_device fake_info = {
	.model = DRM_NPU_MODEL_VIRTUAL,
	.die_index = 1,
	.die_count = 2,
	.package_id = 7,
	.core_count = 3,
	.core_mask = 0x7,
	.va_bits = 32,
	.numa_node = -1,
	.va_start = 0x1000,
	.va_end = 1ULL << 32,
	.page_size = 4096,
	.mem_total = 4ULL << 30,
	.caps = DRM_NPU_CAP_VIRTUAL | DRM_NPU_CAP_MMU,
};

static struct npu_device *fake_device(const char *path)
{
	struct npu_device *dev = POISON;
	int ret;

	ret = libnpu_device_wrap(open_dev_null(), path, &fake_info, &dev);
	if (ret || !dev) {
		printf("Bail out! libnpu_device_wrap: %d\n", ret);
		exit(1);
	}
	return dev;
}

static void test_model_names(void)
{
	static const struct {
		uint64_t model;
		const char *name;
	} names[] = {
		{ NPU_MODEL_UNKNOWN, "unknown" },
		{ NPU_MODEL_VIRTUAL, "virtual" },
		{ NPU_MODEL_RK3588, "rk3588" },
		{ NPU_MODEL_EIC7702, "eic7702" },
		{ 4, "unknown" },
		{ 1ULL << 32 | NPU_MODEL_VIRTUAL, "unknown" },
		{ UINT64_MAX, "unknown" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *got = npu_model_name(names[i].model);

		check(got && !strcmp(got, names[i].name),
		      "npu_model_name(%#llx) is \"%s\" (want \"%s\")",
		      (unsigned long long)names[i].model, got ? got : "(null)",
		      names[i].name);
	}
}

static void test_null_objects(void)
{
	uint64_t value = 42;

	npu_device_unref(NULL);
	check(1, "npu_device_unref(NULL) returns");
	check(npu_device_ref(NULL) == NULL, "npu_device_ref(NULL) is NULL");
	check(npu_device_fd(NULL) == -EINVAL, "npu_device_fd(NULL) is -EINVAL");
	check(npu_device_path(NULL) == NULL, "npu_device_path(NULL) is NULL");
	check(npu_device_get_param(NULL, NPU_PARAM_MODEL, &value) == -EINVAL &&
	      value == 0, "npu_device_get_param(NULL, ...) is -EINVAL, value 0");
	check(npu_device_open(0, NULL) == -EINVAL,
	      "npu_device_open(0, NULL) is -EINVAL");
	check(npu_device_open_fd(0, NULL) == -EINVAL,
	      "npu_device_open_fd(0, NULL) is -EINVAL");
}

static void test_open(void)
{
	struct npu_device *dev;
	int count, ret;

	count = npu_device_count();
	check(count >= 0 || count == -EACCES,
	      "npu_device_count() is %d (>= 0 or -EACCES)", count);
	printf("# %d npu dies on this machine\n", count);

	if (count == 0) {
		dev = POISON;
		ret = npu_device_open(0, &dev);
		check(ret == -ENODEV && !dev,
		      "no NPU: npu_device_open(0) is %d (want %d), dev %p",
		      ret, -ENODEV, (void *)dev);
	}

	dev = POISON;
	ret = npu_device_open(count > 0 ? (unsigned int)count : 0, &dev);
	check((ret == -ENODEV || ret == -EACCES) && !dev,
	      "npu_device_open(count) is %d (-ENODEV), dev %p", ret,
	      (void *)dev);

	dev = POISON;
	ret = npu_device_open(UINT_MAX, &dev);
	check((ret == -ENODEV || ret == -EACCES) && !dev,
	      "npu_device_open(UINT_MAX) is %d (-ENODEV), dev %p", ret,
	      (void *)dev);

	if (count > 0) {
		dev = POISON;
		ret = npu_device_open(0, &dev);
		check(!ret && dev && dev != POISON &&
		      npu_device_fd(dev) >= 0,
		      "npu_device_open(0) of a present die is %d", ret);
		if (!ret)
			npu_device_unref(dev);
	}
}

static void test_open_fd(void)
{
	struct npu_device *dev;
	int fd, ret;

	fd = open_dev_null();
	dev = POISON;
	ret = npu_device_open_fd(fd, &dev);
	check(ret == -ENODEV && !dev,
	      "npu_device_open_fd(/dev/null) is %d (want %d), dev %p",
	      ret, -ENODEV, (void *)dev);
	check(fcntl(fd, F_GETFD) >= 0,
	      "the caller's fd stays open after a failed npu_device_open_fd");
	close(fd);

	dev = POISON;
	ret = npu_device_open_fd(-1, &dev);
	check(ret == -EBADF && !dev, "npu_device_open_fd(-1) is %d (want %d)",
	      ret, -EBADF);

	/* fd was just closed, so it is not open. */
	dev = POISON;
	ret = npu_device_open_fd(fd, &dev);
	check(ret == -EBADF && !dev,
	      "npu_device_open_fd(closed fd) is %d (want %d)", ret, -EBADF);
}

static void test_wrap(void)
{
	struct npu_device *dev = POISON;
	int ret;

	ret = libnpu_device_wrap(-1, NULL, &fake_info, &dev);
	check(ret == -EINVAL && !dev, "libnpu_device_wrap(fd -1) is -EINVAL");

	dev = POISON;
	ret = libnpu_device_wrap(0, NULL, NULL, &dev);
	check(ret == -EINVAL && !dev, "libnpu_device_wrap(info NULL) is -EINVAL");

	dev = fake_device(NULL);
	check(npu_device_path(dev) == NULL, "unknown path reads NULL");
	npu_device_unref(dev);
}

static void test_params(void)
{
	static const struct {
		enum npu_param param;
		const char *name;
		uint64_t want;
	} params[] = {
		{ NPU_PARAM_MODEL, "MODEL", NPU_MODEL_VIRTUAL },
		{ NPU_PARAM_DIE_INDEX, "DIE_INDEX", 1 },
		{ NPU_PARAM_DIE_COUNT, "DIE_COUNT", 2 },
		{ NPU_PARAM_PACKAGE_ID, "PACKAGE_ID", 7 },
		{ NPU_PARAM_CORE_COUNT, "CORE_COUNT", 3 },
		{ NPU_PARAM_CORE_MASK, "CORE_MASK", 0x7 },
		{ NPU_PARAM_VA_BITS, "VA_BITS", 32 },
		{ NPU_PARAM_NUMA_NODE, "NUMA_NODE", UINT64_MAX },
		{ NPU_PARAM_VA_START, "VA_START", 0x1000 },
		{ NPU_PARAM_VA_END, "VA_END", 1ULL << 32 },
		{ NPU_PARAM_PAGE_SIZE, "PAGE_SIZE", 4096 },
		{ NPU_PARAM_MEM_TOTAL, "MEM_TOTAL", 4ULL << 30 },
		{ NPU_PARAM_CAPS, "CAPS", NPU_CAP_VIRTUAL | NPU_CAP_MMU },
	};
	static const int unknown[] = { -1, NPU_PARAM_CAPS + 1, 1000, INT_MAX };
	struct npu_device *dev = fake_device("/dev/accel/fake0");
	const char *path;
	uint64_t value;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		value = 0xdeadbeef;
		ret = npu_device_get_param(dev, params[i].param, &value);
		check(!ret && value == params[i].want,
		      "NPU_PARAM_%s is %#llx (want %#llx), ret %d",
		      params[i].name, (unsigned long long)value,
		      (unsigned long long)params[i].want, ret);
	}

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		value = 0xdeadbeef;
		ret = npu_device_get_param(dev, (enum npu_param)unknown[i],
					   &value);
		check(ret == -EINVAL && value == 0,
		      "unknown param %d is %d (want %d), value %#llx",
		      unknown[i], ret, -EINVAL, (unsigned long long)value);
	}

	ret = npu_device_get_param(dev, NPU_PARAM_MODEL, NULL);
	check(ret == -EINVAL, "npu_device_get_param(value NULL) is %d", ret);

	check(npu_device_fd(dev) == dev->fd && dev->fd >= 0,
	      "npu_device_fd() is the device's fd");
	path = npu_device_path(dev);
	check(path && !strcmp(path, "/dev/accel/fake0"),
	      "npu_device_path() is \"%s\"", path ? path : "(null)");

	npu_device_unref(dev);
}

#define REF_THREADS	8
#define REF_LOOPS	100000

static void *ref_worker(void *arg)
{
	struct npu_device *dev = arg;
	int i;

	for (i = 0; i < REF_LOOPS; i++)
		npu_device_unref(npu_device_ref(dev));
	/* Drop the reference main() took for this thread. */
	npu_device_unref(dev);
	return NULL;
}

static void test_refcount_threads(void)
{
	struct npu_device *dev = fake_device(NULL);
	pthread_t threads[REF_THREADS];
	int fd = npu_device_fd(dev);
	int i, started = 0;

	for (i = 0; i < REF_THREADS; i++) {
		npu_device_ref(dev);
		if (pthread_create(&threads[i], NULL, ref_worker, dev)) {
			npu_device_unref(dev);
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	check(started == REF_THREADS, "%d threads started", started);

	check(atomic_load(&dev->refcount) == 1 && fcntl(fd, F_GETFD) >= 0,
	      "after %d threads x %d ref/unref: one reference, fd open",
	      REF_THREADS, REF_LOOPS);
	npu_device_unref(dev);
	check(fcntl(fd, F_GETFD) == -1 && errno == EBADF,
	      "the last unref closes the fd");
}

/*
 * Run failing calls in a child with NPU_DEBUG set to @env (unset when
 * NULL) and collect what it writes to stdout and stderr.
 */
static size_t child_output(const char *env, char *buf, size_t size)
{
	int pipefd[2], status;
	size_t len = 0;
	pid_t pid;

	if (pipe(pipefd)) {
		printf("Bail out! pipe: %s\n", strerror(errno));
		exit(1);
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		/*
		 * A fresh process: the library reads NPU_DEBUG once, and this
		 * one has read it already.
		 */
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		if (env)
			setenv("NPU_DEBUG", env, 1);
		else
			unsetenv("NPU_DEBUG");
		execl("/proc/self/exe", "test-api", "--failing-calls",
		      (char *)NULL);
		_exit(127);
	}

	close(pipefd[1]);
	for (;;) {
		ssize_t n = read(pipefd[0], buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == size - 1)
			break;
	}
	buf[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("Bail out! child for NPU_DEBUG=%s failed\n",
		       env ? env : "(unset)");
		exit(1);
	}
	return len;
}

static void test_debug_output(void)
{
	static const char *const silent[] = { NULL, "", "other", "msg" };
	char buf[8192];
	const char *line;
	size_t i, len;
	int prefixed = 1;

	for (i = 0; i < sizeof(silent) / sizeof(silent[0]); i++) {
		len = child_output(silent[i], buf, sizeof(buf));
		check(len == 0, "NPU_DEBUG=%s: failing calls print nothing (%zu bytes)",
		      silent[i] ? silent[i] : "(unset)", len);
	}

	len = child_output("foo,msgs", buf, sizeof(buf));
	for (line = buf; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, "libnpu: ", 8))
			prefixed = 0;
		if (!strchr(line, '\n'))
			break;
	}
	check(len > 0 && prefixed && buf[len - 1] == '\n',
	      "NPU_DEBUG=foo,msgs: %zu bytes of \"libnpu: \" lines", len);
	if (!prefixed)
		printf("# %s", buf);
}

/* Run in a child by child_output(). */
static int failing_calls(void)
{
	struct npu_device *dev;
	struct npu_job *job;
	struct npu_bo *bo;
	struct npu_vm *vm;
	uint32_t handle;
	uint64_t value;
	int fd;

	fd = open_dev_null();
	if (npu_device_open_fd(fd, &dev) != -ENODEV)
		return 1;
	if (npu_device_open(UINT_MAX, &dev) >= 0)
		return 1;
	npu_device_count();
	dev = fake_device(NULL);
	if (npu_device_get_param(dev, (enum npu_param)1000, &value) != -EINVAL)
		return 1;
	/* Failures of the object API, in the kernel and before it. */
	if (npu_bo_new(dev, 4096, 0, &bo) >= 0 ||
	    npu_bo_new(dev, 0, 0, &bo) >= 0 ||
	    npu_vm_new(dev, &vm) >= 0 ||
	    npu_syncobj_new(dev, 0, &handle) >= 0 ||
	    npu_syncobj_wait(dev, 1, 0, 0) >= 0)
		return 1;
	if (npu_job_new(dev, NULL, &job))
		return 1;
	if (npu_job_add_task(job, 0x1004, 2) >= 0 ||
	    npu_job_set_core_mask(job, 0x100) >= 0 ||
	    npu_job_submit(&job, 1, NULL) >= 0 ||
	    npu_job_add_task(job, 0x1000, 2) ||
	    npu_job_submit(&job, 1, NULL) >= 0)
		return 1;
	npu_job_destroy(job);
	npu_device_unref(dev);
	return 0;
}

/* The cut of N over dies that weights objects and peer packages share. */
static void test_cut(void)
{
	uint32_t n0[NPU_GROUP_MAX_DIES + 1];

	check(npu_gemm_cut(32000, 2, n0) == 2 && n0[0] == 0 &&
	      n0[1] == 16000 && n0[2] == 32000,
	      "32000 rows over 2 dies: 0, 16000, 32000");
	check(npu_gemm_cut(172, 2, n0) == 2 && n0[1] == 96 &&
	      n0[2] == 172, "172 rows over 2 dies: slices of 96 and 76");
	check(npu_gemm_cut(16, 2, n0) == 1 && n0[0] == 0 && n0[1] == 16,
	      "16 rows over 2 dies: one die used");
	check(npu_gemm_cut(100, 3, n0) == 3 && n0[1] == 32 &&
	      n0[2] == 64 && n0[3] == 100, "100 rows over 3 dies: 32, 32, 36");
	check(npu_gemm_cut(64, 8, n0) == 2 && n0[1] == 32 && n0[2] == 64,
	      "64 rows over 8 dies: two dies of 32");
	check(npu_gemm_cut(0, 2, n0) == -EINVAL &&
	      npu_gemm_cut(64, 0, n0) == -EINVAL &&
	      npu_gemm_cut(64, NPU_GROUP_MAX_DIES + 1, n0) == -EINVAL &&
	      npu_gemm_cut(64, 2, NULL) == -EINVAL,
	      "a bad cut is -EINVAL");
	check(npu_device_group_open(0, NULL) == -EINVAL &&
	      npu_device_group_count(NULL) == -EINVAL &&
	      !npu_device_group_device(NULL, 0) && !npu_device_group_ref(NULL),
	      "group calls with NULL");
	npu_device_group_unref(NULL);
}

/* A group of given dies: the single-die case of the group APIs. */
static void test_group_new(void)
{
	struct npu_device_group *poison = (struct npu_device_group *)POISON;
	struct npu_device *d0 = fake_device(NULL), *d1 = fake_device(NULL);
	struct npu_device *devs[NPU_GROUP_MAX_DIES + 1];
	struct npu_device_group *group;
	unsigned int i;
	int fd, ret;

	group = poison;
	ret = npu_device_group_new(&d0, 1, &group);
	check(!ret && group && group != poison &&
	      npu_device_group_count(group) == 1 &&
	      npu_device_group_device(group, 0) == d0 &&
	      !npu_device_group_device(group, 1),
	      "npu_device_group_new(1 die) is %d: one die, the one given", ret);
	check(atomic_load(&d0->refcount) == 2,
	      "the group holds a reference on its die");
	fd = npu_device_fd(d0);
	npu_device_unref(d0);
	check(fcntl(fd, F_GETFD) >= 0,
	      "the die stays open while the group holds it");
	npu_device_group_unref(group);
	check(fcntl(fd, F_GETFD) == -1 && errno == EBADF,
	      "the last group reference closes the die");

	d0 = fake_device(NULL);
	devs[0] = d1;
	devs[1] = d0;
	group = poison;
	ret = npu_device_group_new(devs, 2, &group);
	check(!ret && npu_device_group_count(group) == 2 &&
	      npu_device_group_device(group, 0) == d1 &&
	      npu_device_group_device(group, 1) == d0,
	      "npu_device_group_new(2 dies) is %d: device i is devs[i]", ret);
	npu_device_group_unref(group);

	devs[2] = d1;
	group = poison;
	ret = npu_device_group_new(devs, 3, &group);
	check(ret == -EINVAL && !group,
	      "a die given twice is %d (want %d), group NULL", ret, -EINVAL);
	/* Distinct dies, one more than a group holds. */
	for (i = 0; i <= NPU_GROUP_MAX_DIES; i++)
		devs[i] = fake_device(NULL);
	group = poison;
	ret = npu_device_group_new(devs, NPU_GROUP_MAX_DIES, &group);
	check(!ret && npu_device_group_count(group) == NPU_GROUP_MAX_DIES,
	      "%d dies is %d (want 0)", NPU_GROUP_MAX_DIES, ret);
	npu_device_group_unref(group);
	group = poison;
	ret = npu_device_group_new(devs, NPU_GROUP_MAX_DIES + 1, &group);
	check(ret == -EINVAL && !group, "%d dies is %d (want %d)",
	      NPU_GROUP_MAX_DIES + 1, ret, -EINVAL);
	for (i = 0; i <= NPU_GROUP_MAX_DIES; i++)
		npu_device_unref(devs[i]);
	devs[0] = d0;
	devs[1] = d1;
	group = poison;
	ret = npu_device_group_new(devs, 0, &group);
	check(ret == -EINVAL && !group, "zero dies is %d (want %d)", ret,
	      -EINVAL);
	group = poison;
	ret = npu_device_group_new(NULL, 1, &group);
	check(ret == -EINVAL && !group, "devs NULL is %d (want %d)", ret,
	      -EINVAL);
	devs[1] = NULL;
	group = poison;
	ret = npu_device_group_new(devs, 2, &group);
	check(ret == -EINVAL && !group, "a NULL die is %d (want %d)", ret,
	      -EINVAL);
	check(npu_device_group_new(devs, 1, NULL) == -EINVAL,
	      "group NULL is -EINVAL");
	check(atomic_load(&d0->refcount) == 1 && atomic_load(&d1->refcount) == 1,
	      "groups gone and failed calls leave one reference on each die");
	npu_device_unref(d0);
	npu_device_unref(d1);
}

/* GEMM objects refuse bad arguments before they touch a device. */
static void test_gemm_args(void)
{
	struct npu_gemm_weights_desc wd = {
		.k = 64, .n = 64, .in_type = NPU_DTYPE_INT8,
	};
	struct npu_gemm_plan_desc pd = {
		.m_max = 1, .out_type = NPU_DTYPE_INT32,
	};
	struct npu_gemm_weights *w;
	struct npu_gemm_plan *plan;
	struct npu_gemm_stats st;
	struct npu_gemm_info info;
	struct npu_job_status status;
	uint32_t die;

	w = (struct npu_gemm_weights *)POISON;
	check(npu_gemm_weights_new(NULL, &wd, &w) == -EINVAL && !w,
	      "npu_gemm_weights_new(group NULL) is -EINVAL, weights NULL");
	check(npu_gemm_weights_new(NULL, &wd, NULL) == -EINVAL,
	      "npu_gemm_weights_new(weights NULL) is -EINVAL");
	plan = (struct npu_gemm_plan *)POISON;
	check(npu_gemm_plan_new(NULL, &pd, &plan) == -EINVAL && !plan,
	      "npu_gemm_plan_new(weights NULL) is -EINVAL, plan NULL");
	check(npu_gemm_plan_new(NULL, &pd, NULL) == -EINVAL,
	      "npu_gemm_plan_new(plan NULL) is -EINVAL");
	check(npu_gemm_weights_set(NULL, &wd) == -EINVAL &&
	      npu_gemm_weights_set_die(NULL, 0, &wd) == -EINVAL &&
	      npu_gemm_weights_info(NULL, NULL) == -EINVAL &&
	      !npu_gemm_weights_ref(NULL),
	      "weights calls with NULL are -EINVAL");
	npu_gemm_weights_unref(NULL);
	check(npu_gemm_plan_run(NULL, 1, &wd, &pd) == -EINVAL &&
	      npu_gemm_plan_submit(NULL, NULL) == -EINVAL &&
	      npu_gemm_plan_wait(NULL, 0) == -EINVAL &&
	      npu_gemm_plan_get_stats(NULL, 0, &st) == -EINVAL &&
	      npu_gemm_plan_info(NULL, 0, &info) == -EINVAL &&
	      npu_gemm_plan_last_fault(NULL, &die, &status) == -EINVAL &&
	      npu_gemm_plan_dies(NULL) == -EINVAL,
	      "plan calls with NULL are -EINVAL");
	npu_gemm_plan_destroy(NULL);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--failing-calls"))
		return failing_calls();

	test_model_names();
	test_null_objects();
	test_open();
	test_open_fd();
	test_wrap();
	test_params();
	test_refcount_threads();
	test_debug_output();
	test_cut();
	test_group_new();
	test_gemm_args();

	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
