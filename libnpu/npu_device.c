// SPDX-License-Identifier: MIT
/*
 * Device discovery, opening and properties.
 *
 * The npu driver registers one DRM accel node (/dev/accel/accelN) per die,
 * or a render node (/dev/dri/renderDN) on kernels without DRM accel.  A
 * node belongs to us when DRM_IOCTL_VERSION names the driver "npu"; nodes
 * of other drivers are skipped.  Dies are numbered in the order of their
 * nodes' minor numbers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "npu_priv.h"

/* npu.h mirrors the UAPI values so that it needs no kernel header. */
_Static_assert((int)NPU_MODEL_VIRTUAL == (int)DRM_NPU_MODEL_VIRTUAL, "model");
_Static_assert((int)NPU_MODEL_RK3588 == (int)DRM_NPU_MODEL_RK3588, "model");
_Static_assert((int)NPU_MODEL_EIC7702 == (int)DRM_NPU_MODEL_EIC7702, "model");
_Static_assert(NPU_CAP_VIRTUAL == DRM_NPU_CAP_VIRTUAL, "cap");
_Static_assert(NPU_CAP_MMU == DRM_NPU_CAP_MMU, "cap");
_Static_assert(NPU_CAP_COHERENT == DRM_NPU_CAP_COHERENT, "cap");
_Static_assert(NPU_CAP_SUBMIT_PARALLEL == DRM_NPU_CAP_SUBMIT_PARALLEL, "cap");
_Static_assert(NPU_CAP_WAIT_SUBMIT == DRM_NPU_CAP_WAIT_SUBMIT, "cap");
_Static_assert(NPU_CAP_NO_IMPLICIT == DRM_NPU_CAP_NO_IMPLICIT, "cap");

#define NPU_DRIVER_NAME		"npu"
#define NPU_NODE_PATH_MAX	64

/* Where nodes are looked for; render nodes only when no accel node is ours. */
static const struct npu_node_dir {
	const char *dir;
	const char *prefix;
} npu_node_dirs[] = {
	{ "/dev/accel", "accel" },
	{ "/dev/dri", "renderD" },
};

struct npu_node {
	unsigned int minor;
	char path[NPU_NODE_PATH_MAX];
};

/*
 * State of one walk over the nodes: count them all, or stop at die
 * @want and keep it open in @fd.
 */
struct npu_scan {
	bool count_only;
	unsigned int want;
	unsigned int found;
	int fd;
	char path[NPU_NODE_PATH_MAX];
	bool denied;
};

/* "accel12" for prefix "accel": the prefix, then one or more digits. */
static bool npu_node_name_ok(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *p;

	if (strncmp(name, prefix, len) || !name[len])
		return false;
	for (p = name + len; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int npu_node_cmp(const void *a, const void *b)
{
	const struct npu_node *na = a, *nb = b;

	return (na->minor > nb->minor) - (na->minor < nb->minor);
}

/*
 * Character devices named prefix<N> in @dir, sorted by minor number.  A
 * missing or unreadable directory has no node.
 */
static int npu_list_nodes(const struct npu_node_dir *nd,
			  struct npu_node **nodes, size_t *count)
{
	struct npu_node *list = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *ent;
	DIR *dir;

	*nodes = NULL;
	*count = 0;

	dir = opendir(nd->dir);
	if (!dir) {
		libnpu_dbg("%s: %s", nd->dir, strerror(errno));
		return 0;
	}

	while ((ent = readdir(dir))) {
		struct npu_node node;
		struct stat st;
		int len;

		if (!npu_node_name_ok(ent->d_name, nd->prefix))
			continue;
		len = snprintf(node.path, sizeof(node.path), "%s/%s",
			       nd->dir, ent->d_name);
		if (len < 0 || (size_t)len >= sizeof(node.path))
			continue;
		if (stat(node.path, &st) || !S_ISCHR(st.st_mode))
			continue;
		node.minor = minor(st.st_rdev);

		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = grown;
		}
		list[n++] = node;
	}
	closedir(dir);

	if (n)
		qsort(list, n, sizeof(*list), npu_node_cmp);
	*nodes = list;
	*count = n;
	return 0;
}

/*
 * Whether @fd is a DRM node of the npu driver.
 *
 * Return: 0 when it is, -ENODEV when it is not a DRM node or one of
 * another driver, another negative error code when the ioctl fails.
 */
static int npu_fd_check_driver(int fd, const char *what)
{
	char name[sizeof(NPU_DRIVER_NAME) + 1] = "";
	struct drm_version version = {
		.name_len = sizeof(name),
		.name = name,
	};
	int ret;

	ret = libnpu_do_ioctl(fd, DRM_IOCTL_VERSION, &version);
	if (ret < 0) {
		libnpu_dbg("%s: DRM_IOCTL_VERSION: %s", what, strerror(-ret));
		return ret == -ENOTTY || ret == -EINVAL ? -ENODEV : ret;
	}
	if (version.name_len != strlen(NPU_DRIVER_NAME) ||
	    memcmp(name, NPU_DRIVER_NAME, version.name_len)) {
		libnpu_dbg("%s: driver \"%.*s\"%s is not \"%s\"", what,
			(int)(version.name_len < sizeof(name) ?
			      version.name_len : sizeof(name)), name,
			version.name_len > sizeof(name) ? "..." : "",
			NPU_DRIVER_NAME);
		return -ENODEV;
	}
	return 0;
}

/* Walk the nodes of one directory; stop early once die @want is open. */
static int npu_scan_dir(const struct npu_node_dir *nd, struct npu_scan *scan)
{
	struct npu_node *nodes;
	size_t count, i;
	int ret;

	ret = npu_list_nodes(nd, &nodes, &count);
	if (ret)
		return ret;

	for (i = 0; i < count; i++) {
		int fd = open(nodes[i].path, O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			libnpu_dbg("%s: %s", nodes[i].path, strerror(errno));
			if (errno == EACCES || errno == EPERM)
				scan->denied = true;
			continue;
		}
		if (npu_fd_check_driver(fd, nodes[i].path)) {
			close(fd);
			continue;
		}
		libnpu_dbg("%s: npu die %u", nodes[i].path, scan->found);
		if (!scan->count_only && scan->found == scan->want) {
			scan->fd = fd;
			memcpy(scan->path, nodes[i].path, sizeof(scan->path));
			scan->found++;
			break;
		}
		scan->found++;
		close(fd);
	}
	free(nodes);
	return 0;
}

static int npu_scan_nodes(struct npu_scan *scan)
{
	size_t i;
	int ret;

	scan->found = 0;
	scan->fd = -1;
	scan->denied = false;
	for (i = 0; i < sizeof(npu_node_dirs) / sizeof(npu_node_dirs[0]); i++) {
		ret = npu_scan_dir(&npu_node_dirs[i], scan);
		if (ret)
			return ret;
		if (scan->found)
			break;
	}
	return 0;
}

static int npu_query_device(int fd, struct drm_npu_query_device *info)
{
	struct drm_npu_query query = {
		.type = DRM_NPU_QUERY_DEVICE,
		.size = sizeof(*info),
		.pointer = (uintptr_t)info,
	};
	int ret;

	memset(info, 0, sizeof(*info));
	ret = libnpu_do_ioctl(fd, DRM_IOCTL_NPU_QUERY, &query);
	if (ret < 0) {
		libnpu_dbg("fd %d: DRM_NPU_QUERY_DEVICE: %s", fd, strerror(-ret));
		return ret;
	}
	/* An older kernel answers less; the fields it lacks read as 0. */
	if (query.size != sizeof(*info))
		libnpu_dbg("fd %d: DRM_NPU_QUERY_DEVICE: kernel size %llu, ours %zu",
			fd, (unsigned long long)query.size, sizeof(*info));
	return 0;
}

int libnpu_device_wrap(int fd, const char *path,
		    const struct drm_npu_query_device *info,
		    struct npu_device **dev)
{
	struct npu_device *d;
	int ret;

	if (!dev)
		return -EINVAL;
	*dev = NULL;
	if (fd < 0 || !info)
		return -EINVAL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (path) {
		d->path = strdup(path);
		if (!d->path) {
			free(d);
			return -ENOMEM;
		}
	}
	ret = pthread_mutex_init(&d->bo_lock, NULL);
	if (ret) {
		free(d->path);
		free(d);
		return -ret;
	}
	atomic_init(&d->refcount, 1);
	d->fd = fd;
	d->info = *info;
	/* Its references are the device's: it lives as long as the device. */
	atomic_init(&d->default_vm.refcount, 0);
	d->default_vm.dev = d;
	d->default_vm.id = DRM_NPU_VM_DEFAULT;
	d->default_vm.is_default = true;
	*dev = d;
	return 0;
}

/* Query the die behind @fd and build its device; @fd is consumed. */
static int npu_device_setup(int fd, const char *path, struct npu_device **dev)
{
	struct drm_npu_query_device info;
	int ret;

	ret = npu_query_device(fd, &info);
	if (!ret)
		ret = libnpu_device_wrap(fd, path, &info, dev);
	if (ret)
		close(fd);
	return ret;
}

NPU_PUBLIC int npu_device_count(void)
{
	struct npu_scan scan = { .count_only = true };
	int ret;

	ret = npu_scan_nodes(&scan);
	if (ret)
		return ret;
	if (!scan.found && scan.denied)
		return -EACCES;
	return scan.found;
}

NPU_PUBLIC int npu_device_open(unsigned int index, struct npu_device **dev)
{
	struct npu_scan scan = { .want = index };
	int ret;

	if (!dev)
		return -EINVAL;
	*dev = NULL;

	ret = npu_scan_nodes(&scan);
	if (ret)
		return ret;
	if (scan.fd < 0) {
		libnpu_dbg("no npu die %u (%u found%s)", index, scan.found,
			scan.denied ? ", some nodes not accessible" : "");
		return scan.denied ? -EACCES : -ENODEV;
	}
	return npu_device_setup(scan.fd, scan.path, dev);
}

NPU_PUBLIC int npu_device_open_fd(int fd, struct npu_device **dev)
{
	char link[32], path[256];
	const char *known_path = NULL;
	ssize_t len;
	int newfd, ret;

	if (!dev)
		return -EINVAL;
	*dev = NULL;
	if (fd < 0)
		return -EBADF;

	newfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (newfd < 0) {
		ret = -errno;
		libnpu_dbg("fd %d: dup: %s", fd, strerror(-ret));
		return ret;
	}
	snprintf(link, sizeof(link), "fd %d", fd);
	ret = npu_fd_check_driver(newfd, link);
	if (ret) {
		close(newfd);
		return ret;
	}

	snprintf(link, sizeof(link), "/proc/self/fd/%d", newfd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len > 0) {
		path[len] = '\0';
		known_path = path;
	}
	return npu_device_setup(newfd, known_path, dev);
}

NPU_PUBLIC struct npu_device *npu_device_ref(struct npu_device *dev)
{
	if (dev)
		atomic_fetch_add_explicit(&dev->refcount, 1,
					  memory_order_relaxed);
	return dev;
}

NPU_PUBLIC void npu_device_unref(struct npu_device *dev)
{
	if (!dev)
		return;
	if (atomic_fetch_sub_explicit(&dev->refcount, 1,
				      memory_order_release) != 1)
		return;
	/* Everything other threads did before their unref happens before. */
	atomic_thread_fence(memory_order_acquire);

	/* Every BO holds a reference: the handle table is empty. */
	pthread_mutex_destroy(&dev->bo_lock);
	close(dev->fd);
	free(dev->path);
	free(dev);
}

NPU_PUBLIC int npu_device_fd(const struct npu_device *dev)
{
	return dev ? dev->fd : -EINVAL;
}

NPU_PUBLIC const char *npu_device_path(const struct npu_device *dev)
{
	return dev ? dev->path : NULL;
}

NPU_PUBLIC int npu_device_get_param(struct npu_device *dev,
				    enum npu_param param, uint64_t *value)
{
	const struct drm_npu_query_device *info;

	if (!value)
		return -EINVAL;
	*value = 0;
	if (!dev)
		return -EINVAL;
	info = &dev->info;

	switch (param) {
	case NPU_PARAM_MODEL:
		*value = info->model;
		break;
	case NPU_PARAM_DIE_INDEX:
		*value = info->die_index;
		break;
	case NPU_PARAM_DIE_COUNT:
		*value = info->die_count;
		break;
	case NPU_PARAM_PACKAGE_ID:
		*value = info->package_id;
		break;
	case NPU_PARAM_CORE_COUNT:
		*value = info->core_count;
		break;
	case NPU_PARAM_CORE_MASK:
		*value = info->core_mask;
		break;
	case NPU_PARAM_VA_BITS:
		*value = info->va_bits;
		break;
	case NPU_PARAM_NUMA_NODE:
		*value = (uint64_t)(int64_t)info->numa_node;
		break;
	case NPU_PARAM_VA_START:
		*value = info->va_start;
		break;
	case NPU_PARAM_VA_END:
		*value = info->va_end;
		break;
	case NPU_PARAM_PAGE_SIZE:
		*value = info->page_size;
		break;
	case NPU_PARAM_MEM_TOTAL:
		*value = info->mem_total;
		break;
	case NPU_PARAM_CAPS:
		*value = info->caps;
		break;
	default:
		libnpu_dbg("get_param: unknown param %d", (int)param);
		return -EINVAL;
	}
	return 0;
}

/* Bytes of a "drm-*-memory" unit; 0 for a unit we do not know. */
static uint64_t npu_fdinfo_unit(const char *unit, size_t len)
{
	static const struct {
		const char *name;
		uint64_t scale;
	} units[] = {
		{ "", 1 }, { "B", 1 },
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len &&
		    !memcmp(units[i].name, unit, len))
			return units[i].scale;
	return 0;
}

/*
 * The value of a "key: <number> <unit>" line, in the unit's base unit
 * (bytes for memory; "ns" only for engines).
 */
static bool npu_fdinfo_value(const char *p, const char *end, bool engine,
			     uint64_t *value)
{
	unsigned long long v;
	uint64_t scale;
	char *num_end;
	size_t len;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p < '0' || *p > '9')
		return false;
	errno = 0;
	v = strtoull(p, &num_end, 10);
	if (errno || num_end > end)
		return false;
	p = num_end;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	len = (size_t)(end - p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
		       p[len - 1] == '\r'))
		len--;

	if (engine) {
		if (len != 2 || memcmp(p, "ns", 2))
			return false;
		*value = v;
		return true;
	}
	scale = npu_fdinfo_unit(p, len);
	if (!scale || v > UINT64_MAX / scale)
		return false;
	*value = v * scale;
	return true;
}

/* "drm-engine-core<N>" with N a decimal number: N, or -1. */
static long npu_fdinfo_core(const char *key, size_t len)
{
	static const char prefix[] = "drm-engine-core";
	size_t plen = sizeof(prefix) - 1, i;
	long n = 0;

	if (len <= plen || memcmp(key, prefix, plen) || len - plen > 6)
		return -1;
	for (i = plen; i < len; i++) {
		if (key[i] < '0' || key[i] > '9')
			return -1;
		n = n * 10 + (key[i] - '0');
	}
	return n;
}

int libnpu_fdinfo_parse(const char *text, struct npu_fdinfo *info)
{
	static const struct {
		const char *key;
		size_t offset;
	} mem_keys[] = {
		{ "drm-total-memory", offsetof(struct npu_fdinfo, total_memory) },
		{ "drm-shared-memory", offsetof(struct npu_fdinfo, shared_memory) },
		{ "drm-resident-memory", offsetof(struct npu_fdinfo, resident_memory) },
	};
	const char *line, *next;

	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (!text)
		return -EINVAL;

	for (line = text; *line; line = next) {
		const char *end = strchr(line, '\n');
		const char *colon;
		uint64_t value;
		size_t klen, i;
		long core;

		if (!end)
			end = line + strlen(line);
		next = *end ? end + 1 : end;
		colon = memchr(line, ':', (size_t)(end - line));
		if (!colon)
			continue;
		klen = (size_t)(colon - line);

		core = npu_fdinfo_core(line, klen);
		if (core >= 0) {
			if (core >= NPU_FDINFO_MAX_CORES ||
			    !npu_fdinfo_value(colon + 1, end, true, &value))
				continue;
			info->busy_ns[core] = value;
			if ((uint32_t)core + 1 > info->core_count)
				info->core_count = (uint32_t)core + 1;
			continue;
		}
		for (i = 0; i < sizeof(mem_keys) / sizeof(mem_keys[0]); i++) {
			if (strlen(mem_keys[i].key) != klen ||
			    memcmp(line, mem_keys[i].key, klen))
				continue;
			if (npu_fdinfo_value(colon + 1, end, false, &value))
				memcpy((char *)info + mem_keys[i].offset,
				       &value, sizeof(value));
			break;
		}
	}
	return 0;
}

#define NPU_FDINFO_MAX_SIZE	(1 << 20)

NPU_PUBLIC int npu_device_fdinfo(struct npu_device *dev,
				 struct npu_fdinfo *info)
{
	char path[64], *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	int fd, ret = 0;

	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (!dev)
		return -EINVAL;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dev->fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		libnpu_dbg("%s: %s", path, strerror(-ret));
		return ret;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 2) {
			if (cap >= NPU_FDINFO_MAX_SIZE) {
				ret = -EFBIG;
				break;
			}
			cap = cap ? 2 * cap : 4096;
			grown = realloc(buf, cap);
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			libnpu_dbg("%s: %s", path, strerror(-ret));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!ret) {
		buf[len] = '\0';
		ret = libnpu_fdinfo_parse(buf, info);
	}
	free(buf);
	return ret;
}
