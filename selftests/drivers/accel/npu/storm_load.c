// SPDX-License-Identifier: MIT
/*
 * Load for the teardown storms (tools/tests/teardown-storm.sh): keeps
 * jobs queued and running on every core of a die, and meanwhile maps and
 * unmaps BOs and creates VMs that it leaves full of mappings, so that
 * whatever kills it, unloads the driver or unbinds the die finds work in
 * flight and address spaces to tear down.  A second thread races it:
 * it maps, unmaps and destroys the same VMs, and maps a BO of the other
 * die imported through a dma-buf.  Runs until it is killed; once
 * its first jobs are queued it creates the file given as READY.  After
 * an error (the die went away: -ENODEV) it keeps its file open and waits
 * to be killed.
 *
 * usage: storm_load DIE [READY]
 *        storm_load -c DIE    one null job on every core; exit 0 when
 *                             all are done (the die still works)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "npu_helpers.h"

#define IN_FLIGHT	6	/* jobs per core the load keeps submitted */
#define EXTRA_VMS	4
#define CHURN_BOS	16

/* The file stays open: whoever tears the driver down finds it. */
static void die_quietly(const char *what, int err)
{
	fprintf(stderr, "storm_load: %s: %s; waiting to be killed\n", what,
		strerror(-err));
	for (;;)
		pause();
}

/* One null job on every core of @die; 0 when every one is done. */
static int check_die(int die)
{
	struct drm_npu_query_device q;
	struct drm_npu_job_wait w;
	struct npu_bo bo;
	uint64_t id = 0;
	int fd = npu_open(die), ret;
	uint32_t c;

	if (fd < 0 || npu_query_device(fd, &q) || npu_null_task(fd, 0, &bo)) {
		perror("storm_load: check");
		return 1;
	}
	for (c = 0; c < q.core_count; c++) {
		ret = npu_submit_one(fd, 0, bo.va, 4, 1u << c, &id);
		if (!ret)
			ret = npu_wait(fd, id, 10000, &w);
		if (ret || w.status != DRM_NPU_JOB_DONE) {
			fprintf(stderr, "storm_load: die %d core %u: %d status %u\n",
				die, c, ret, w.status);
			return 1;
		}
	}
	npu_bo_free(fd, &bo);
	close(fd);
	return 0;
}

/*
 * Mappings that come and go, and VMs left holding some: BOs of the
 * churn are mapped in the default VM and in an extra VM, unmapped every
 * other round, and the extra VMs are destroyed and created again with
 * their mappings in place.
 */
static int churn(int fd, unsigned int round, uint32_t *vms,
		 struct npu_bo *bos)
{
	unsigned int i = round % CHURN_BOS, v = round % EXTRA_VMS;
	struct drm_npu_vm_create vc = { 0 };
	struct drm_npu_vm_map m = { 0 };
	struct drm_npu_vm_unmap u = { 0 };
	int ret;

	if (!bos[i].handle) {
		ret = npu_bo_new(fd, 4096, &bos[i]);
		if (ret)
			return ret;
		munmap(bos[i].cpu, bos[i].size);	/* no CPU mapping */
		bos[i].cpu = NULL;
	}
	if (bos[i].va) {
		u.va = bos[i].va;
		u.size = bos[i].size;
		ret = npu_ioc(fd, DRM_IOCTL_NPU_VM_UNMAP, &u);
		if (ret)
			return ret;
		bos[i].va = 0;
	} else {
		ret = npu_bo_map(fd, &bos[i], 0, DRM_NPU_MAP_WRITE);
		if (ret)
			return ret;
	}

	if (vms[v] && round % 3 == 0) {
		struct drm_npu_vm_destroy d = { .vm_id = vms[v] };

		/* -ENOENT: the other thread destroyed it first. */
		ret = npu_ioc(fd, DRM_IOCTL_NPU_VM_DESTROY, &d);
		if (ret && ret != -ENOENT)
			return ret;
		vms[v] = 0;
	}
	if (!vms[v]) {
		ret = npu_ioc(fd, DRM_IOCTL_NPU_VM_CREATE, &vc);
		if (ret)
			return ret;
		vms[v] = vc.vm_id;
	}
	m.vm_id = vms[v];
	m.handle = bos[i].handle;
	m.size = bos[i].size;
	m.flags = DRM_NPU_MAP_READ;
	ret = npu_ioc(fd, DRM_IOCTL_NPU_VM_MAP, &m);
	if (ret == -ENOENT)	/* destroyed by the other thread meanwhile */
		vms[v] = 0;
	return ret == -ENOSPC || ret == -ENOENT ? 0 : ret;
}

struct racer {
	int fd, other;
	uint32_t *vms;
};

/*
 * VM_MAP, VM_UNMAP and VM_DESTROY on the VMs the main thread uses too,
 * and a BO of the other die (when there is one) imported and mapped.
 */
static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct npu_bo bo, peer;
	uint32_t imported = 0;
	unsigned int i;
	int ret, dmabuf;

	if (npu_bo_new(r->fd, 8192, &bo))
		return NULL;
	munmap(bo.cpu, bo.size);
	if (r->other >= 0 && !npu_bo_new(r->other, 4096, &peer)) {
		munmap(peer.cpu, peer.size);
		dmabuf = npu_export(r->other, peer.handle);
		if (dmabuf >= 0) {
			if (npu_import(r->fd, dmabuf, &imported))
				imported = 0;
			close(dmabuf);
		}
	}
	for (i = 0;; i++) {
		uint32_t vm = i % 4 ? r->vms[i % EXTRA_VMS] : 0;
		struct drm_npu_vm_map m = {
			.vm_id = vm, .handle = bo.handle, .size = bo.size,
			.flags = DRM_NPU_MAP_READ,
		};
		struct drm_npu_vm_unmap u = { .vm_id = vm };

		if (imported && i % 2) {
			m.handle = imported;
			m.size = 4096;
		}
		ret = npu_ioc(r->fd, DRM_IOCTL_NPU_VM_MAP, &m);
		if (ret == -ENODEV)
			break;
		if (!ret && i % 3) {
			u.va = m.va;
			u.size = m.size;
			npu_ioc(r->fd, DRM_IOCTL_NPU_VM_UNMAP, &u);
		}
		if (vm && i % 7 == 0) {
			struct drm_npu_vm_destroy d = { .vm_id = vm };

			npu_ioc(r->fd, DRM_IOCTL_NPU_VM_DESTROY, &d);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t ids[16][IN_FLIGHT] = { { 0 } };
	struct npu_bo bos[CHURN_BOS] = { { 0 } };
	uint32_t vms[EXTRA_VMS] = { 0 };
	struct drm_npu_query_device q;
	struct drm_npu_job_wait w;
	const char *ready = NULL;
	unsigned int round, c, slot;
	struct npu_bo task;
	int fd, die, ret;

	if (argc >= 3 && !strcmp(argv[1], "-c"))
		return check_die(atoi(argv[2]));
	if (argc < 2) {
		fprintf(stderr, "usage: storm_load DIE [READY] | -c DIE\n");
		return 64;
	}
	die = atoi(argv[1]);
	if (argc > 2)
		ready = argv[2];
	fd = npu_open(die);
	if (fd < 0) {
		perror("storm_load: open");
		return 1;
	}
	ret = npu_query_device(fd, &q);
	if (ret)
		die_quietly("query", ret);
	if (q.core_count > 16)
		q.core_count = 16;
	ret = npu_null_task(fd, 0, &task);
	if (ret)
		die_quietly("task BO", ret);
	munmap(task.cpu, task.size);	/* the file alone holds the module */
	task.cpu = NULL;
	{
		static struct racer r;
		pthread_t t;

		r.fd = fd;
		r.other = npu_count() > 1 ? npu_open(die ^ 1) : -1;
		r.vms = vms;
		if (pthread_create(&t, NULL, racer_run, &r))
			die_quietly("thread", -EAGAIN);
	}

	for (round = 0;; round++) {
		slot = round % IN_FLIGHT;
		for (c = 0; c < q.core_count; c++) {
			/* The oldest job of the slot first: a bounded queue. */
			if (ids[c][slot]) {
				ret = npu_wait(fd, ids[c][slot], 20000, &w);
				if (ret && ret != -ETIME)
					die_quietly("wait", ret);
			}
			ret = npu_submit_one(fd, 0, task.va, 4, 1u << c,
					     &ids[c][slot]);
			if (ret == -EAGAIN)
				continue;
			if (ret)
				die_quietly("submit", ret);
		}
		ret = churn(fd, round, vms, bos);
		if (ret)
			die_quietly("map", ret);
		if (ready && round == IN_FLIGHT - 1) {
			int r = open(ready, O_WRONLY | O_CREAT, 0644);

			if (r >= 0)
				close(r);
		}
	}
	return 0;
}
