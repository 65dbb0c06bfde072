// SPDX-License-Identifier: MIT
/*
 * npu-query: print what libnpu knows about every NPU die.
 *
 * usage: npu-query [-d INDEX]
 *
 * Exit status: 0 success, 1 no NPU or an error, 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <npu.h>

#define PROG	"npu-query"

static const struct {
	uint64_t bit;
	const char *name;
} cap_names[] = {
	{ NPU_CAP_VIRTUAL, "virtual" },
	{ NPU_CAP_MMU, "mmu" },
	{ NPU_CAP_COHERENT, "coherent" },
	{ NPU_CAP_IMPORT, "import" },
	{ NPU_CAP_SUBMIT_PARALLEL, "submit-parallel" },
	{ NPU_CAP_WAIT_SUBMIT, "wait-submit" },
	{ NPU_CAP_NO_IMPLICIT, "no-implicit" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [-d INDEX]\n"
		"Print the properties of every NPU die, or of die INDEX.\n"
		"  -d INDEX  only the die INDEX (0-based, see the npuN: lines)\n"
		"  -h        this help\n"
		"Set NPU_DEBUG=msgs to see why libnpu fails.\n");
}

static int no_npu(void)
{
	fprintf(stderr, PROG ": no NPU device found (is npu.ko loaded, and npu_virtual.ko for the virtual NPU?)\n");
	return 1;
}

static void print_caps(uint64_t caps)
{
	uint64_t rest = caps;
	size_t i;

	printf("  caps:       %#" PRIx64, caps);
	for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
		if (caps & cap_names[i].bit) {
			printf(" %s", cap_names[i].name);
			rest &= ~cap_names[i].bit;
		}
	}
	if (rest)
		printf(" unknown:%#" PRIx64, rest);
	printf("\n");
}

static int print_die(unsigned int index, struct npu_device *dev)
{
	static const enum npu_param params[] = {
		NPU_PARAM_MODEL, NPU_PARAM_DIE_INDEX, NPU_PARAM_DIE_COUNT,
		NPU_PARAM_PACKAGE_ID, NPU_PARAM_CORE_COUNT, NPU_PARAM_CORE_MASK,
		NPU_PARAM_VA_BITS, NPU_PARAM_NUMA_NODE, NPU_PARAM_VA_START,
		NPU_PARAM_VA_END, NPU_PARAM_PAGE_SIZE, NPU_PARAM_MEM_TOTAL,
		NPU_PARAM_CAPS,
	};
	uint64_t v[NPU_PARAM_CAPS + 1];
	const char *path;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		ret = npu_device_get_param(dev, params[i], &v[params[i]]);
		if (ret)
			return ret;
	}

	path = npu_device_path(dev);
	printf("npu%u: %s\n", index, path ? path : "(unknown node)");
	printf("  model:      %s\n", npu_model_name(v[NPU_PARAM_MODEL]));
	printf("  die:        %" PRIu64 "/%" PRIu64 "\n",
	       v[NPU_PARAM_DIE_INDEX], v[NPU_PARAM_DIE_COUNT]);
	printf("  package id: %" PRIu64 "\n", v[NPU_PARAM_PACKAGE_ID]);
	printf("  cores:      %" PRIu64 " (mask %#" PRIx64 ")\n",
	       v[NPU_PARAM_CORE_COUNT], v[NPU_PARAM_CORE_MASK]);
	printf("  va:         %" PRIu64 " bits, [%#" PRIx64 ", %#" PRIx64 ")\n",
	       v[NPU_PARAM_VA_BITS], v[NPU_PARAM_VA_START],
	       v[NPU_PARAM_VA_END]);
	printf("  page size:  %" PRIu64 " bytes\n", v[NPU_PARAM_PAGE_SIZE]);
	if ((int64_t)v[NPU_PARAM_NUMA_NODE] < 0)
		printf("  numa node:  none\n");
	else
		printf("  numa node:  %" PRId64 "\n",
		       (int64_t)v[NPU_PARAM_NUMA_NODE]);
	printf("  memory:     %" PRIu64 " MiB\n", v[NPU_PARAM_MEM_TOTAL] >> 20);
	print_caps(v[NPU_PARAM_CAPS]);
	return 0;
}

static int query_die(unsigned int index)
{
	struct npu_device *dev;
	int ret;

	ret = npu_device_open(index, &dev);
	if (ret)
		return ret;
	ret = print_die(index, dev);
	npu_device_unref(dev);
	return ret;
}

static int parse_index(const char *s, unsigned int *index)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > UINT_MAX)
		return -EINVAL;
	*index = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int index = 0, i;
	int only = 0, count, ret, opt;

	while ((opt = getopt(argc, argv, "d:h")) != -1) {
		switch (opt) {
		case 'd':
			if (parse_index(optarg, &index)) {
				fprintf(stderr, PROG ": bad die index '%s'\n",
					optarg);
				return 2;
			}
			only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	count = npu_device_count();
	if (count == 0 || count == -ENODEV)
		return no_npu();
	if (count < 0) {
		fprintf(stderr, PROG ": cannot list NPU devices: %s\n",
			strerror(-count));
		return 1;
	}

	if (only) {
		if (index >= (unsigned int)count) {
			fprintf(stderr, PROG ": no NPU die %u (%d found)\n",
				index, count);
			return 1;
		}
		ret = query_die(index);
		if (ret) {
			fprintf(stderr, PROG ": die %u: %s\n", index,
				strerror(-ret));
			return 1;
		}
		return 0;
	}

	for (i = 0; i < (unsigned int)count; i++) {
		if (i)
			printf("\n");
		ret = query_die(i);
		if (ret) {
			fflush(stdout);
			fprintf(stderr, PROG ": die %u: %s\n", i,
				strerror(-ret));
			return 1;
		}
	}
	return 0;
}
