// SPDX-License-Identifier: MIT
/*
 * Tenants that hold memory and cores: NPU memory is charged to the
 * memory cgroup of the process that creates it, whatever its placement,
 * and closing a file with a deep queue ends its work in bounded time.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "npu_helpers.h"

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

TEST_HARNESS_MAIN
