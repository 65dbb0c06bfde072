// SPDX-License-Identifier: MIT
/*
 * npu-gemm-bench: GEMM throughput on the NPU next to the CPU reference
 * GEMM in the same machine, and the per-call overhead of a GEMM plan
 * split into pack, submit, wait and unpack; then the host time a run
 * costs outside the device on the host-pointer path against the zero-copy
 * path (caller BOs).  Figures, not assertions.
 *
 * usage: npu-gemm-bench [-d die] [-r runs] [-R runs] [-s all|gemm|host]
 *   -r runs   timed runs of each shape of the throughput section (3)
 *   -R runs   least timed runs of each case of the host-time section (3;
 *             cheap cases get more)
 *   -s        the sections to run: both (all, the default), the
 *             throughput one (gemm) or the host-time one (host)
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

/* CPU time of the calling thread (user and system), in ns. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

/*
 * SUBMIT and JOB_WAIT ioctls of all the plan's dies so far: what one run
 * costs in ioctls (one wait per die where the kernel has
 * NPU_CAP_WAIT_SUBMIT, one per core job otherwise).
 */
static uint64_t plan_ioctls(const struct npu_gemm_plan *plan, uint64_t *dies)
{
	struct npu_gemm_stats st;
	uint64_t n = 0;
	int d;

	*dies = 0;
	for (d = 0; d < npu_gemm_plan_dies(plan); d++) {
		if (npu_gemm_plan_get_stats(plan, (unsigned int)d, &st))
			continue;
		n += st.submits + st.waits;
		++*dies;
	}
	return n;
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
	uint64_t ioctls, dies;
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
		ioctls = plan_ioctls(plan, &dies);
		t0 = now_ms();
		for (i = 0; i < runs && !ret; i++)
			ret = npu_gemm_plan_run(plan, d->m, a, c);
		npu_ms = (now_ms() - t0) / runs;
		ioctls = plan_ioctls(plan, &dies) - ioctls;
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
	printf("      per call: pack %.1f us, submit %.1f us, wait %.1f us, unpack %.1f us; ioctls per run %.1f (SUBMIT + JOB_WAIT, %u dies)\n",
	       st.pack_ns / 1e3 / runs, st.submit_ns / 1e3 / runs,
	       st.wait_ns / 1e3 / runs, st.unpack_ns / 1e3 / runs,
	       (double)ioctls / runs, (unsigned int)dies);
out:
	npu_gemm_plan_destroy(plan);
	npu_gemm_weights_unref(w);
	free(a);
	free(b);
	free(c);
	return ret;
}

/* ------------------------------------------------------------------------
 * Host time outside the device: host-pointer path against zero copy
 */

/*
 * The figures of one timed run, from the stats of die 0 around it and the
 * thread's CPU time around its calls: device and wait in ms, the rest in
 * us.  A path's figures are the medians over its runs (TCG makes single
 * runs stray: an interrupt taken in the thread, a vCPU lent to the
 * virtual NPU), with the mean of the CPU time beside them.
 */
enum {
	F_DEVICE, F_WAIT, F_PACK, F_SUBMIT, F_WAIT_OVH, F_UNPACK, F_OUTSIDE,
	F_CPU, F_COUNT
};

struct host_cost {
	unsigned int runs;
	double med[F_COUNT];
	double cpu_min_us;
	uint64_t emits;		/* streams emitted in the timed runs: 0 */
};

struct host_runs {
	struct npu_gemm_plan *plan;
	unsigned int n, max;
	double (*v)[F_COUNT];
	struct npu_gemm_stats first, before;
	uint64_t cpu0;
};

static int host_runs_init(struct host_runs *hr, struct npu_gemm_plan *plan,
			  unsigned int runs)
{
	memset(hr, 0, sizeof(*hr));
	hr->plan = plan;
	hr->max = runs;
	hr->v = calloc(runs, sizeof(*hr->v));
	npu_gemm_plan_get_stats(plan, 0, &hr->first);
	return hr->v ? 0 : -ENOMEM;
}

static void host_run_begin(struct host_runs *hr)
{
	npu_gemm_plan_get_stats(hr->plan, 0, &hr->before);
	hr->cpu0 = thread_cpu_ns();
}

static void host_run_end(struct host_runs *hr)
{
	uint64_t cpu = thread_cpu_ns() - hr->cpu0;
	const struct npu_gemm_stats *b = &hr->before;
	struct npu_gemm_stats a;
	double *v = hr->v[hr->n++];

	npu_gemm_plan_get_stats(hr->plan, 0, &a);
	v[F_DEVICE] = (a.device_ns - b->device_ns) / 1e6;
	v[F_WAIT] = (a.wait_ns - b->wait_ns) / 1e6;
	v[F_PACK] = (a.pack_ns - b->pack_ns) / 1e3;
	v[F_SUBMIT] = (a.submit_ns - b->submit_ns) / 1e3;
	v[F_WAIT_OVH] = ((double)(a.wait_ns - b->wait_ns) -
			 (double)(a.device_ns - b->device_ns)) / 1e3;
	v[F_UNPACK] = (a.unpack_ns - b->unpack_ns) / 1e3;
	v[F_OUTSIDE] = v[F_PACK] + v[F_SUBMIT] + v[F_WAIT_OVH] + v[F_UNPACK];
	v[F_CPU] = cpu / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void host_runs_fini(struct host_runs *hr, struct host_cost *hc)
{
	double *col = calloc(hr->max ? hr->max : 1, sizeof(*col));
	struct npu_gemm_stats last;
	unsigned int f, i, n = col ? hr->n : 0;

	memset(hc, 0, sizeof(*hc));
	npu_gemm_plan_get_stats(hr->plan, 0, &last);
	hc->emits = last.emits - hr->first.emits;
	for (f = 0; n && f < F_COUNT; f++) {
		for (i = 0; i < n; i++)
			col[i] = hr->v[i][f];
		qsort(col, n, sizeof(col[0]), cmp_double);
		hc->med[f] = n % 2 ? col[n / 2] :
			     (col[n / 2 - 1] + col[n / 2]) / 2;
	}
	hc->runs = n;
	for (i = 0; i < n; i++)
		if (!i || hr->v[i][F_CPU] < hc->cpu_min_us)
			hc->cpu_min_us = hr->v[i][F_CPU];
	free(col);
	free(hr->v);
	hr->v = NULL;
}

static void host_row(uint32_t n, uint32_t m, const char *path,
		     const struct host_cost *hc)
{
	const double *v = hc->med;

	printf("%6u %3u  %-9s %4u %10.2f %10.2f %8.1f %9.1f %11.1f %9.1f %10.1f %9.1f %9.1f\n",
	       n, m, path, hc->runs, v[F_DEVICE], v[F_WAIT], v[F_PACK],
	       v[F_SUBMIT], v[F_WAIT_OVH], v[F_UNPACK], v[F_OUTSIDE], v[F_CPU],
	       hc->cpu_min_us);
}

/*
 * Host path: npu_gemm_plan_run() on host memory, warmed up first.  Cheap
 * GEMMs get more runs than *@runs: as many as fit in HOST_BUDGET_MS by the
 * warm-up run, up to HOST_MAX_RUNS; *@runs is set to the count, which the
 * zero-copy path uses too.
 */
enum { HOST_BUDGET_MS = 20000, HOST_MAX_RUNS = 25 };

static int host_path(struct npu_gemm_plan *plan, uint32_t m, const void *a,
		     void *c, unsigned int *runs_io, struct host_cost *hc)
{
	unsigned int i, runs = *runs_io;
	struct host_runs hr;
	double t0 = now_ms(), warm;
	int ret;

	ret = npu_gemm_plan_run(plan, m, a, c);		/* streams of this M */
	warm = now_ms() - t0;
	if (warm < 1)
		warm = 1;
	if (runs < HOST_MAX_RUNS && HOST_BUDGET_MS / warm > runs)
		runs = HOST_BUDGET_MS / warm < HOST_MAX_RUNS ?
		       (unsigned int)(HOST_BUDGET_MS / warm) : HOST_MAX_RUNS;
	*runs_io = runs;
	if (!ret)
		ret = host_runs_init(&hr, plan, runs);
	if (ret)
		return ret;
	for (i = 0; i < runs && !ret; i++) {
		host_run_begin(&hr);
		ret = npu_gemm_plan_run(plan, m, a, c);
		host_run_end(&hr);
	}
	host_runs_fini(&hr, hc);
	return ret;
}

/*
 * Zero-copy path: A packed into a BO of the die once, before the loop (as
 * a runtime producing A straight into the BO would), C left in a BO (as
 * for a consumer on the NPU); each run is npu_gemm_plan_submit() and
 * npu_gemm_plan_wait().  After the loop, C is read back once (not timed)
 * and compared with the host path's @c_host.
 */
static int zero_copy_path(struct npu_device *dev, struct npu_gemm_plan *plan,
			  uint32_t m, uint32_t n, const void *a,
			  const float *c_host, unsigned int runs,
			  struct host_cost *hc, double *pack_once_us,
			  int *same)
{
	struct npu_gemm_run r = { .m = m };
	struct host_runs hr;
	struct npu_gemm_layout lay;
	struct npu_bo *a_bo = NULL, *c_bo = NULL;
	void *a_map = NULL, *c_map = NULL;
	float *c = malloc((size_t)m * n * sizeof(float));
	uint64_t cpu0;
	unsigned int i;
	int ret;

	if (!c)
		return -ENOMEM;
	ret = npu_gemm_plan_layout(plan, m, &lay);
	if (!ret)
		ret = npu_bo_new(dev, lay.a_bytes, 0, &a_bo);
	if (!ret)
		ret = npu_bo_new(dev, lay.c_bytes[0], 0, &c_bo);
	if (!ret)
		ret = npu_bo_map(a_bo, &a_map);
	if (!ret)
		ret = npu_bo_map(c_bo, &c_map);
	if (!ret)
		ret = npu_bo_cpu_prep(a_bo, NPU_BO_CPU_WRITE, -1);
	if (!ret) {
		cpu0 = thread_cpu_ns();
		ret = npu_gemm_pack_a(plan, m, a, a_map);
		*pack_once_us = (thread_cpu_ns() - cpu0) / 1e3;
		npu_bo_cpu_fini(a_bo, NPU_BO_CPU_WRITE);
	}
	if (ret)
		goto out;
	r.a_bo[0] = a_bo;
	r.c_bo[0] = c_bo;
	/* warm-up: maps the BOs into the plan's VM, emits their streams */
	ret = npu_gemm_plan_submit(plan, &r);
	if (!ret)
		ret = npu_gemm_plan_wait(plan, -1);
	if (!ret)
		ret = host_runs_init(&hr, plan, runs);
	if (ret)
		goto out;
	for (i = 0; i < runs && !ret; i++) {
		host_run_begin(&hr);
		ret = npu_gemm_plan_submit(plan, &r);
		if (!ret)
			ret = npu_gemm_plan_wait(plan, -1);
		host_run_end(&hr);
	}
	host_runs_fini(&hr, hc);
	if (ret)
		goto out;
	/* not timed: the result, against the host path's */
	ret = npu_bo_cpu_prep(c_bo, NPU_BO_CPU_READ, -1);
	if (!ret) {
		ret = npu_gemm_unpack_c(plan, m, 0, c_map, c);
		npu_bo_cpu_fini(c_bo, NPU_BO_CPU_READ);
	}
	*same = !ret && !memcmp(c, c_host, (size_t)m * n * sizeof(float));
out:
	npu_bo_unref(a_bo);	/* the plan keeps its mappings until it goes */
	npu_bo_unref(c_bo);
	free(c);
	return ret;
}

static int host_section(struct npu_device_group *group, unsigned int die,
			unsigned int runs)
{
	static const uint32_t ns[] = { 768, 32000 }, ms[] = { 1, 64 };
	const uint32_t k = 768, m_max = 64;
	struct npu_device *dev = npu_device_group_device(group, 0);
	unsigned int i, j;
	int ret = 0;

	printf("\nHost time per run outside the device: fp16 -> fp32, K %u, die %u, one plan of m_max %u per weights;\n"
	       "per path a warm-up run, then the timed runs: at least %u, more (up to %u) while they fit in %u s by\n"
	       "the warm-up; the figures are medians over the runs\n",
	       k, die, m_max, runs, runs > HOST_MAX_RUNS ? runs : HOST_MAX_RUNS,
	       HOST_BUDGET_MS / 1000);
	printf("  host:      npu_gemm_plan_run() on host memory: the library packs A and unpacks C every run\n");
	printf("  zero-copy: npu_gemm_plan_submit() + npu_gemm_plan_wait() with run.a_bo/c_bo: A packed into its BO\n"
	       "             once before the timed runs (npu_gemm_pack_a()), C left in its BO (not unpacked)\n");
	printf("  device, wait: the stats' device_ns (the run's longest job on its core) and wait_ns, ms\n");
	printf("  pack, submit, wait-dev, unpack, outside: the stats' split (npu_gemm_plan_get_stats(), wall time of\n"
	       "             CLOCK_MONOTONIC), us; wait-dev = wait_ns - device_ns (below 0 when the jobs start during\n"
	       "             the SUBMIT ioctl); outside = pack + submit + wait-dev + unpack = run time - device time\n");
	printf("  cpu med, cpu min: CLOCK_THREAD_CPUTIME_ID (user + system) of the calling thread around the calls, us,\n"
	       "             median and least over the runs; the virtual NPU computes in a kernel workqueue, not in this\n"
	       "             thread, so this is host CPU only (under TCG it also takes in the vCPU's stalls: min is steadiest)\n");
	printf("  zero-copy/host: ratios of outside (stats split, medians) and of cpu (thread CPU time: medians, minima)\n");
	printf("%6s %3s  %-9s %4s %10s %10s %8s %9s %11s %9s %10s %9s %9s\n", "N",
	       "M", "path", "runs", "device ms", "wait ms", "pack us",
	       "submit us", "wait-dev us", "unpack us", "outside us", "cpu med",
	       "cpu min");
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]) && !ret; i++) {
		struct npu_gemm_weights_desc wd = {
			.k = k, .n = ns[i], .in_type = NPU_DTYPE_FP16,
		};
		struct npu_gemm_plan_desc pd = {
			.m_max = m_max, .out_type = NPU_DTYPE_FP32,
		};
		struct npu_gemm_weights *w = NULL;
		struct npu_gemm_plan *plan = NULL;
		uint16_t *a = malloc((size_t)m_max * k * 2);
		uint16_t *b = malloc((size_t)ns[i] * k * 2);
		float *c = malloc((size_t)m_max * ns[i] * sizeof(float));

		ret = !a || !b || !c ? -ENOMEM : 0;
		if (!ret) {
			fill(NPU_DTYPE_FP16, a, (size_t)m_max * k);
			fill(NPU_DTYPE_FP16, b, (size_t)ns[i] * k);
			ret = npu_gemm_weights_new(group, &wd, &w);
		}
		if (!ret)
			ret = npu_gemm_weights_set(w, b);
		if (!ret)
			ret = npu_gemm_plan_new(w, &pd, &plan);
		for (j = 0; j < sizeof(ms) / sizeof(ms[0]) && !ret; j++) {
			unsigned int case_runs = runs;
			struct host_cost h, z;
			double pack_once = 0;
			int same = 0;

			ret = host_path(plan, ms[j], a, c, &case_runs, &h);
			if (!ret)
				ret = zero_copy_path(dev, plan, ms[j], ns[i], a,
						     c, case_runs, &z,
						     &pack_once, &same);
			if (ret) {
				fprintf(stderr, "npu-gemm-bench: host time, %ux%ux%u: %s\n",
					ms[j], k, ns[i], strerror(-ret));
				break;
			}
			host_row(ns[i], ms[j], "host", &h);
			host_row(ns[i], ms[j], "zero-copy", &z);
			printf("%6s %3s  zero-copy/host: outside %.2fx, cpu med %.2fx, cpu min %.2fx; C in the BO %s the host path's;\n"
			       "%6s %3s  packing A into the BO once took %.1f us cpu\n",
			       "", "", z.med[F_OUTSIDE] / h.med[F_OUTSIDE],
			       z.med[F_CPU] / h.med[F_CPU],
			       z.cpu_min_us / h.cpu_min_us,
			       same ? "equals" : "DIFFERS from", "", "",
			       pack_once);
			if (h.emits || z.emits)
				printf("%6s %3s  note: streams emitted in the timed runs (host %llu, zero-copy %llu)\n",
				       "", "", (unsigned long long)h.emits,
				       (unsigned long long)z.emits);
		}
		npu_gemm_plan_destroy(plan);
		npu_gemm_weights_unref(w);
		free(a);
		free(b);
		free(c);
	}
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
	unsigned int die = 0, runs = 3, host_runs = 3, i;
	const char *section = "all";
	int opt, ret = 0;

	while ((opt = getopt(argc, argv, "d:r:R:s:")) != -1) {
		switch (opt) {
		case 'd':
			die = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			runs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'R':
			host_runs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			section = optarg;
			break;
		default:
			fprintf(stderr, "usage: npu-gemm-bench [-d die] [-r runs] [-R runs] [-s all|gemm|host]\n");
			return 2;
		}
	}
	if (!runs || !host_runs) {
		fprintf(stderr, "npu-gemm-bench: -r and -R must be at least 1\n");
		return 2;
	}
	if (strcmp(section, "all") && strcmp(section, "gemm") &&
	    strcmp(section, "host")) {
		fprintf(stderr, "npu-gemm-bench: -s takes all, gemm or host\n");
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
	if (strcmp(section, "host")) {
		printf("GEMM on die %u, %u runs each; cpu-ref is the bit-exact reference in this machine\n",
		       die, runs);
		for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
			ret = bench(group, &shapes[i], runs);
			if (ret)
				break;
		}
	}
	if (!ret && strcmp(section, "gemm"))
		ret = host_section(group, die, host_runs);
	npu_device_group_unref(group);
	return ret ? 1 : 0;
}
