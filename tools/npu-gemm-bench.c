// SPDX-License-Identifier: MIT
/*
 * npu-gemm-bench: GEMM throughput on the NPU next to the CPU reference
 * GEMM in the same machine, and the per-call overhead of a GEMM plan
 * split into pack, submit, wait and unpack.  Figures, not assertions.
 *
 * usage: npu-gemm-bench [-d die] [-r runs]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "npu.h"
#include "npu_gemm.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void fill(uint32_t type, void *buf, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (type == NPU_DTYPE_INT8)
			((int8_t *)buf)[i] = (int8_t)(rand() % 255 - 127);
		else
			((uint16_t *)buf)[i] =
				npu_fp32_to_fp16((rand() % 2001 - 1000) / 1000.0f);
	}
}

static int bench(struct npu_device_group *group,
		 const struct npu_gemm_desc *d, unsigned int runs)
{
	struct npu_gemm_weights_desc wd = {
		.k = d->k, .n = d->n, .in_type = d->in_type,
	};
	struct npu_gemm_plan_desc pd = {
		.m_max = d->m, .out_type = d->out_type,
	};
	struct npu_gemm_weights *w = NULL;
	size_t es = d->in_type == NPU_DTYPE_INT8 ? 1 : 2;
	size_t os = d->out_type == NPU_DTYPE_FP16 ? 2 : 4;
	struct npu_gemm_plan *plan = NULL;
	struct npu_gemm_stats st;
	struct npu_gemm_info info;
	double t0, npu_ms, cpu_ms, gmac = (double)d->m * d->k * d->n / 1e9;
	void *a, *b, *c;
	unsigned int i;
	int ret;

	a = malloc((size_t)d->m * d->k * es);
	b = malloc((size_t)d->n * d->k * es);
	c = malloc((size_t)d->m * d->n * os);
	if (!a || !b || !c)
		return -ENOMEM;
	fill(d->in_type, a, (size_t)d->m * d->k);
	fill(d->in_type, b, (size_t)d->n * d->k);

	ret = npu_gemm_weights_new(group, &wd, &w);
	if (!ret)
		ret = npu_gemm_weights_set(w, b);
	if (!ret)
		ret = npu_gemm_plan_new(w, &pd, &plan);
	if (!ret)
		ret = npu_gemm_plan_run(plan, d->m, a, c);	/* warm-up */
	if (ret) {
		fprintf(stderr, "npu-gemm-bench: %ux%ux%u: %s\n", d->m, d->k,
			d->n, strerror(-ret));
		goto out;
	}
	{
		struct npu_gemm_stats before;

		npu_gemm_plan_get_stats(plan, 0, &before);
		t0 = now_ms();
		for (i = 0; i < runs && !ret; i++)
			ret = npu_gemm_plan_run(plan, d->m, a, c);
		npu_ms = (now_ms() - t0) / runs;
		npu_gemm_plan_get_stats(plan, 0, &st);
		st.pack_ns -= before.pack_ns;
		st.submit_ns -= before.submit_ns;
		st.wait_ns -= before.wait_ns;
		st.unpack_ns -= before.unpack_ns;
	}
	t0 = now_ms();
	npu_gemm_reference(d, a, b, c);
	cpu_ms = now_ms() - t0;
	npu_gemm_plan_info(plan, 0, &info);

	printf("%5ux%5ux%5u %s  npu %8.2f ms %7.3f GMAC/s (%u cores, %u tasks)  cpu-ref %8.2f ms %7.3f GMAC/s  npu/cpu %.2fx\n",
	       d->m, d->k, d->n, d->in_type == NPU_DTYPE_INT8 ? "int8" : "fp16",
	       npu_ms, gmac / (npu_ms / 1e3), info.cores, info.tasks, cpu_ms,
	       gmac / (cpu_ms / 1e3), cpu_ms / npu_ms);
	printf("      per call: pack %.1f us, submit %.1f us, wait %.1f us, unpack %.1f us\n",
	       st.pack_ns / 1e3 / runs, st.submit_ns / 1e3 / runs,
	       st.wait_ns / 1e3 / runs, st.unpack_ns / 1e3 / runs);
out:
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	free(a);
	free(b);
	free(c);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct npu_gemm_desc shapes[] = {
		{ 1, 64, 64, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 1, 768, 768, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 1, 2048, 768, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 1, 768, 32000, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 64, 768, 768, NPU_DTYPE_FP16, NPU_DTYPE_FP32, { 0 } },
		{ 1, 64, 64, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 1, 2048, 768, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 1, 768, 32000, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
		{ 64, 768, 768, NPU_DTYPE_INT8, NPU_DTYPE_INT32, { 0 } },
	};
	struct npu_device_group *group;
	struct npu_device *dev;
	unsigned int die = 0, runs = 3, i;
	int opt, ret;

	while ((opt = getopt(argc, argv, "d:r:")) != -1) {
		switch (opt) {
		case 'd':
			die = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			runs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: npu-gemm-bench [-d die] [-r runs]\n");
			return 2;
		}
	}
	if (!runs) {
		fprintf(stderr, "npu-gemm-bench: -r must be at least 1\n");
		return 2;
	}
	ret = npu_device_open(die, &dev);
	if (ret) {
		fprintf(stderr, "npu-gemm-bench: no NPU die %u: %s\n", die,
			strerror(-ret));
		return 1;
	}
	/* The weights live on this die alone: a group of one die. */
	ret = npu_device_group_new(&dev, 1, &group);
	npu_device_unref(dev);
	if (ret) {
		fprintf(stderr, "npu-gemm-bench: group of die %u: %s\n", die,
			strerror(-ret));
		return 1;
	}
	printf("GEMM on die %u, %u runs each; cpu-ref is the bit-exact reference in this machine\n",
	       die, runs);
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		ret = bench(group, &shapes[i], runs);
		if (ret)
			break;
	}
	npu_device_group_unref(group);
	return ret ? 1 : 0;
}
