// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * Virtual NPU: dies x cores that speak the RK3588 command interface.
 *
 * Each die is a platform device of its own, as on an EIC7702 where every
 * die is a DT node, and is bound to a NUMA node when the machine has one
 * per die.  The platform driver below is a backend like any hardware one:
 * it fills in &struct npu_device_info and hands the die to the core.
 *
 * It is a module of its own, npu_virtual.ko, beside npu.ko (as vkms is
 * beside the DRM core): npu.ko never creates a virtual die, loading this
 * module does.  It reaches the core only through the backend interface of
 * npu_device.h, exported in the DRM_ACCEL_NPU namespace.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <drm/npu_accel.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_job.h"
#include "npu_mmu.h"
#include "npu_regcmd.h"
#include "npu_sim_gemm.h"
#include "npu_vm.h"

#define NPU_SIM_NAME		"npu-virtual"
#define NPU_SIM_MAX_DIES	8u
/* The dies of the virtual package; hardware derives this from DT. */
#define NPU_SIM_PACKAGE_ID	0x5e1u

/*
 * Loading the module asks for the virtual NPU, so it is created by
 * default; -1 is for setups that load the module everywhere and want it
 * only where there is no NPU.
 */
static int sim_enable = 1;
module_param(sim_enable, int, 0444);
MODULE_PARM_DESC(sim_enable,
		 "Create the virtual dies: 1 always (default), -1 only when no NPU hardware is described, 0 never");

static unsigned int sim_dies = 2;
module_param(sim_dies, uint, 0444);
MODULE_PARM_DESC(sim_dies, "Virtual NPU dies, 1..8 (default 2)");

static unsigned int sim_cores = 3;
module_param(sim_cores, uint, 0444);
MODULE_PARM_DESC(sim_cores, "Virtual NPU cores per die, 1..16 (default 3)");

/**
 * struct npu_sim_pdata - what the module hands to each virtual die
 * @die_index: index of the die
 * @die_count: dies in the virtual package
 * @core_count: cores per die
 */
struct npu_sim_pdata {
	unsigned int die_index;
	unsigned int die_count;
	unsigned int core_count;
};

static struct platform_device *npu_sim_pdevs[NPU_SIM_MAX_DIES];

/*
 * Up to this many writes of a register file are logged; beyond them the
 * whole file is cleared.  A GEMM task writes about a hundred registers, a
 * null task one.
 */
#define NPU_SIM_DIRTY_MAX	512u

/**
 * struct npu_sim_dirty - which entries of a register-indexed array are set
 * @index: the entries written, in order, repeats included
 * @count: how many; above %NPU_SIM_DIRTY_MAX the log overflowed
 *
 * Clearing a 32 KiB array for every job and every task cost a null job
 * more than the rest of its run in the virtual NPU; clearing what was
 * written costs what the stream wrote.
 */
struct npu_sim_dirty {
	u16 index[NPU_SIM_DIRTY_MAX];
	u32 count;
};

/* A u16 names every word of the register space. */
static_assert(NPU_REG_SPACE / 4 <= U16_MAX + 1);

static void npu_sim_dirty_note(struct npu_sim_dirty *d, u32 index)
{
	if (d->count < NPU_SIM_DIRTY_MAX)
		d->index[d->count] = index;
	if (d->count <= NPU_SIM_DIRTY_MAX)
		d->count++;
}

/* Zero every entry of @file (@size bytes) that @d logged, then the log. */
static void npu_sim_dirty_clear(struct npu_sim_dirty *d, u32 *file,
				size_t size)
{
	u32 i;

	if (d->count > NPU_SIM_DIRTY_MAX)
		memset(file, 0, size);
	else
		for (i = 0; i < d->count; i++)
			file[d->index[i]] = 0;
	d->count = 0;
}

/**
 * struct npu_sim_core - state of one virtual core
 * @core: the core it backs
 * @work: runs the tasks a job left to the virtual NPU's own queue
 * @exec_lock: held while a task executes, inline or in @work; a reset
 *             takes it to wait for that task
 * @started: a task is started and not yet reported (release/acquire:
 *           it publishes @job, @seq, @task and @extra_us)
 * @fetched: the started task's regcmds are fetched and decoded; the
 *           operation they program is left to @work
 * @scratch: the GEMM model's working memory, kept from task to task
 * @job: job of the started task
 * @seq: the core's run sequence number of that job
 * @task: index of that task
 * @regs: the core's register file, as regcmds leave it
 * @reg_word: per register, 1 + the index of the word of the task being
 *            fetched that last wrote it, 0 when none did
 * @regs_dirty: the entries of @regs written since the job started
 * @word_dirty: the entries of @reg_word written since the fetch started
 * @has_output: the task being fetched programmed an output address, so
 *              its op_en runs a convolution; without one it is a null task
 * @hang_next: debugfs: the next job's first task never completes
 * @slow_next_us: debugfs: the next job's first task takes this long more,
 *                without progress (one shot)
 * @extra_us: time the started task takes on top of @task_delay_us
 * @fault_va: debugfs: the next access to this page faults (one shot)
 * @task_delay_us: debugfs: time each task takes
 */
struct npu_sim_core {
	struct npu_core *core;
	struct work_struct work;
	/* held while a task executes; a reset waits for it */
	struct mutex exec_lock;
	bool started;
	bool fetched;
	struct npu_sim_scratch scratch;
	struct npu_job *job;
	u64 seq;
	u32 task;
	u32 regs[NPU_REG_SPACE / 4];
	u32 reg_word[NPU_REG_SPACE / 4];
	struct npu_sim_dirty regs_dirty;
	struct npu_sim_dirty word_dirty;
	bool has_output;
	atomic_t hang_next;
	atomic_t slow_next_us;
	u32 extra_us;
	u64 fault_va;
	u32 task_delay_us;
};

/**
 * struct npu_sim - state of one virtual die
 * @wq: runs the cores' tasks, several at once
 * @cores: per-core state
 */
struct npu_sim {
	struct workqueue_struct *wq;
	struct npu_sim_core *cores;
};

static bool sim_coherent = true;
module_param(sim_coherent, bool, 0444);
MODULE_PARM_DESC(sim_coherent,
		 "Virtual NPU snoops the CPU caches (default); N models a device that does not");

/*
 * The non-coherent model.  The CPU works on the pages themselves (its
 * view, caches included); the device sees memory, a copy of each page
 * taken when the page was last handed to the device (DMA mapping,
 * CPU_FINI).  Device writes go to the copy and reach the CPU's view only
 * when the CPU takes the page back (CPU_PREP).  A sync the driver or the
 * user leaves out thus shows as stale data on one side or the other, as
 * it would on a board.  Memory is one for all dies (imports share it).
 */
static DEFINE_XARRAY(npu_sim_memory);

static void npu_sim_copy_page(struct page *to, struct page *from)
{
	void *d = kmap_local_page(to), *s = kmap_local_page(from);

	memcpy(d, s, PAGE_SIZE);
	kunmap_local(s);
	kunmap_local(d);
}

static void npu_sim_page_sync(unsigned long pfn, enum npu_bo_sync what)
{
	struct page *copy = xa_load(&npu_sim_memory, pfn);

	switch (what) {
	case NPU_BO_SYNC_FOR_DEVICE:
		if (!copy) {
			copy = alloc_page(GFP_KERNEL_ACCOUNT);
			/* No memory for the model: the device sees the CPU's view. */
			if (!copy)
				return;
			/* Two syncs of one page at once: one copy wins. */
			if (xa_insert(&npu_sim_memory, pfn, copy, GFP_KERNEL)) {
				__free_page(copy);
				copy = xa_load(&npu_sim_memory, pfn);
				if (!copy)
					return;
			}
		}
		npu_sim_copy_page(copy, pfn_to_page(pfn));
		break;
	case NPU_BO_SYNC_FOR_CPU:
		if (copy)
			npu_sim_copy_page(pfn_to_page(pfn), copy);
		break;
	case NPU_BO_SYNC_RELEASE:
		copy = xa_erase(&npu_sim_memory, pfn);
		if (copy)
			__free_page(copy);
		break;
	}
}

/* Every CPU page of @sgt; the virtual NPU's DMA addresses are physical. */
static void npu_sim_bo_sync(struct npu_device *ndev, struct sg_table *sgt,
			    enum npu_bo_sync what)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		unsigned long pfn = PHYS_PFN(sg_dma_address(sg));
		unsigned long end = PHYS_PFN(sg_dma_address(sg) +
					     sg_dma_len(sg) - 1);

		for (; pfn <= end; pfn++)
			npu_sim_page_sync(pfn, what);
	}
}

static unsigned int sim_task_us;
module_param(sim_task_us, uint, 0444);
MODULE_PARM_DESC(sim_task_us, "Time a virtual core takes per task, in us (default 0)");

/* Register window of each block target. */
static int npu_sim_target_base(u32 target)
{
	switch (target) {
	case NPU_TGT_PC:
		return NPU_REG_PC_BASE;
	case NPU_TGT_CNA:
		return NPU_REG_CNA_BASE;
	case NPU_TGT_CORE:
		return NPU_REG_CORE_BASE;
	case NPU_TGT_DPU:
		return NPU_REG_DPU_BASE;
	case NPU_TGT_DPU_RDMA:
		return NPU_REG_DPU_RDMA_BASE;
	case NPU_TGT_PPU:
		return NPU_REG_PPU_BASE;
	case NPU_TGT_PPU_RDMA:
		return NPU_REG_PPU_RDMA_BASE;
	default:
		return -EINVAL;
	}
}

/**
 * enum npu_sim_word - what a regcmd word did
 * @NPU_SIM_WORD_OK: stored or ignored, go on
 * @NPU_SIM_WORD_VERSION: the word that must precede op_en
 * @NPU_SIM_WORD_OP_EN: operation enable: the task runs
 * @NPU_SIM_WORD_BAD: the PC would not accept it
 */
enum npu_sim_word {
	NPU_SIM_WORD_OK,
	NPU_SIM_WORD_VERSION,
	NPU_SIM_WORD_OP_EN,
	NPU_SIM_WORD_BAD,
};

static void npu_sim_set_reg(struct npu_sim_core *sc, u32 reg, u32 value)
{
	sc->regs[reg / 4] = value;
	npu_sim_dirty_note(&sc->regs_dirty, reg / 4);
}

/* A job starts from a clean register file. */
static void npu_sim_clear_regs(struct npu_sim_core *sc)
{
	npu_sim_dirty_clear(&sc->regs_dirty, sc->regs, sizeof(sc->regs));
}

static enum npu_sim_word npu_sim_apply(struct npu_sim_core *sc, u64 w)
{
	u32 target = NPU_REGCMD_TARGET(w), reg = NPU_REGCMD_REG(w);
	u32 value = NPU_REGCMD_VALUE(w);
	int base;

	if (!w)
		return NPU_SIM_WORD_OK;		/* padding */
	if (target == NPU_TGT_VERSION)
		return reg || value ? NPU_SIM_WORD_BAD : NPU_SIM_WORD_VERSION;
	if (target == NPU_TGT_PC_OP) {
		if (reg != NPU_PC_OPERATION_ENABLE || !(value & NPU_PC_OP_EN))
			return NPU_SIM_WORD_BAD;
		/* Kept: which blocks it enables is checked when the task runs. */
		npu_sim_set_reg(sc, reg, value);
		return NPU_SIM_WORD_OP_EN;
	}

	base = npu_sim_target_base(target);
	if (base < 0 || reg < base || reg >= base + NPU_REG_WINDOW ||
	    !IS_ALIGNED(reg, 4))
		return NPU_SIM_WORD_BAD;
	npu_sim_set_reg(sc, reg, value);
	/* A task that sets the DPU destination computes something. */
	if (reg == NPU_DPU_DST_BASE_ADDR)
		sc->has_output = true;
	return NPU_SIM_WORD_OK;
}

/*
 * Fetch and apply a task's regcmd words through the VM's page tables, as
 * the PC block does.  A stream must end with the version word and an
 * operation enable; anything the PC would not take is rejected with the
 * address of the word.
 */
static enum npu_task_result npu_sim_fetch_task(struct npu_sim_core *sc,
					       struct npu_sim_mem *mem,
					       const struct drm_npu_task *t,
					       u64 *bad_va, u32 *reason)
{
	enum npu_sim_word prev = NPU_SIM_WORD_OK, cur;
	u32 i;

	*reason = DRM_NPU_REASON_BAD_WORD;
	sc->has_output = false;
	npu_sim_dirty_clear(&sc->word_dirty, sc->reg_word, sizeof(sc->reg_word));
	for (i = 0; i < t->regcmd_count; i++) {
		u64 va = t->regcmd_va + (u64)i * 8;
		__le64 w;

		*bad_va = va;
		if (npu_sim_mem_read(mem, va, &w, sizeof(w), bad_va))
			return NPU_TASK_MMU_FAULT;
		cur = npu_sim_apply(sc, le64_to_cpu(w));
		if (cur == NPU_SIM_WORD_BAD)
			return NPU_TASK_INVALID;
		/* Which word wrote a register: a rejection names that word. */
		if (w && cur != NPU_SIM_WORD_VERSION) {
			u32 r = NPU_REGCMD_REG(le64_to_cpu(w)) / 4;

			sc->reg_word[r] = i + 1;
			npu_sim_dirty_note(&sc->word_dirty, r);
		}
		/* op_en comes right after the version word, and only there. */
		if (prev == NPU_SIM_WORD_VERSION && cur != NPU_SIM_WORD_OP_EN)
			return NPU_TASK_INVALID;
		if (cur == NPU_SIM_WORD_OP_EN && prev != NPU_SIM_WORD_VERSION)
			return NPU_TASK_INVALID;
		if (cur == NPU_SIM_WORD_OP_EN)
			return i == t->regcmd_count - 1 ? NPU_TASK_OK :
							  NPU_TASK_INVALID;
		prev = cur;
	}
	*reason = DRM_NPU_REASON_NO_OP_EN;	/* nothing runs */
	return NPU_TASK_INVALID;
}

/*
 * Take @us of the core's time, by the clock busy time is measured with.
 * A jiffies-based sleep can end short of it in ktime when an emulated
 * machine catches up on lost ticks, so sleep again until it has passed.
 */
static void npu_sim_busy_for(u32 us)
{
	u64 end = ktime_get_ns() + (u64)us * NSEC_PER_USEC, now;

	fsleep(us);
	while ((now = ktime_get_ns()) < end)
		fsleep(DIV_ROUND_UP(end - now, NSEC_PER_USEC));
}

/*
 * How long the null tasks of a job may run in the scheduler's worker
 * before the rest of the job moves to the virtual NPU's own queue: long
 * enough for a batch of short jobs, short enough that a pause of the
 * scheduler (a closing file) waits little beyond it.  The scheduler's
 * worker never waits for a task the die's worker executes.
 */
#define NPU_SIM_INLINE_NS	(1 * NSEC_PER_MSEC)

/*
 * One step of a task as the core would take it, with the VM's mappings
 * held still: fetch and decode the regcmds (@operate false), or run the
 * operation they programmed (@operate true).  The operation may allocate
 * (the GEMM model's scratch grows for a larger task than any before), so
 * it runs only in the virtual NPU's own worker, outside the
 * fence-signalling section, which starts at the completion report.
 */
static enum npu_task_result npu_sim_step(struct npu_sim_core *sc,
					 bool operate, u64 *va, u32 *reason)
{
	const struct drm_npu_task *t = &sc->job->tasks[sc->task];
	struct npu_vm *vm = sc->job->vm;
	/* The operation names a rejected register by the word that set it. */
	struct npu_sim_mem mem = {
		.fault_va = &sc->fault_va,
		.memory = sim_coherent ? NULL : &npu_sim_memory,
		.regcmd_va = t->regcmd_va,
		.reg_word = sc->reg_word,
	};
	enum npu_task_result result;

	down_read(&vm->run_lock);
	mem.dir = npu_mmu_pt_dir_phys(vm->priv);
	if (operate)
		result = npu_sim_gemm_run(sc->core, sc->regs, &mem,
					  &sc->scratch, va, reason);
	else
		result = npu_sim_fetch_task(sc, &mem, t, va, reason);
	up_read(&vm->run_lock);
	return result;
}

/*
 * Execute the started task, if there is one, and report it.  @deadline,
 * when not 0, means the caller is the scheduler's worker, which must
 * neither allocate nor run long: a paced task (debugfs), a task found
 * after @deadline, and the operation of a fetched task (the GEMM model
 * takes long and may grow its scratch) go to the virtual NPU's queue.
 * Return: whether a task was executed and reported here.
 */
static bool npu_sim_run_started(struct npu_sim_core *sc, u64 deadline)
{
	struct npu_sim *sim = sc->core->ndev->backend;
	enum npu_task_result result = NPU_TASK_OK;
	u32 delay, reason = DRM_NPU_REASON_NONE;
	u64 seq, va = 0;

	if (!deadline) {
		mutex_lock(&sc->exec_lock);
	} else if (!mutex_trylock(&sc->exec_lock)) {
		/*
		 * The die's worker executes a task (a GEMM operation, a paced
		 * one), and may have looked for a started task just before
		 * this one was: it looks again rather than the scheduler's
		 * worker waiting behind it.
		 */
		queue_work(sim->wq, &sc->work);
		return false;
	}
	/* Pairs with the release in task_start(): the task's fields. */
	if (!smp_load_acquire(&sc->started)) {
		mutex_unlock(&sc->exec_lock);
		return false;
	}
	delay = READ_ONCE(sc->task_delay_us) + sc->extra_us;
	if (deadline && (delay || (deadline != U64_MAX &&
				   ktime_get_ns() > deadline)))
		goto hand_over;
	if (!sc->fetched)
		result = npu_sim_step(sc, false, &va, &reason);
	if (result == NPU_TASK_OK && sc->has_output) {
		if (deadline) {
			sc->fetched = true;
			goto hand_over;
		}
		result = npu_sim_step(sc, true, &va, &reason);
	}
	WRITE_ONCE(sc->started, false);
	sc->fetched = false;
	seq = sc->seq;
	if (result == NPU_TASK_OK) {
		va = 0;
		reason = DRM_NPU_REASON_NONE;
		if (delay)
			npu_sim_busy_for(delay);
	}
	mutex_unlock(&sc->exec_lock);
	/* May start the next task, which this loop's next turn finds. */
	npu_core_task_done(sc->core, seq, result, va, reason);
	return true;

hand_over:
	queue_work(sim->wq, &sc->work);
	mutex_unlock(&sc->exec_lock);
	return false;
}

static void npu_sim_work(struct work_struct *work)
{
	struct npu_sim_core *sc = container_of(work, struct npu_sim_core, work);

	while (npu_sim_run_started(sc, 0))
		cond_resched();
}

/*
 * Run a job's null tasks in the scheduler's worker that started it: that
 * worker is the one hop a real core's start costs, so a short job adds
 * no hop of the virtual NPU's own.  The first task is fetched here
 * however late the worker runs (unless the die's worker is busy on this
 * core); the next ones until NPU_SIM_INLINE_NS has passed since the first
 * ended.  It runs inside the die's drm_dev_enter() section, so remove()
 * (its drm_dev_unplug()) waits for it to leave.
 */
static void npu_sim_task_run(struct npu_core *core)
{
	u64 deadline;

	/* No clock read for a job of one task (a clock read is MMIO here). */
	if (!npu_sim_run_started(core->backend, U64_MAX))
		return;
	deadline = ktime_get_ns() + NPU_SIM_INLINE_NS;
	while (npu_sim_run_started(core->backend, deadline))
		;
}

static void npu_sim_task_start(struct npu_core *core, struct npu_job *job,
			       u32 task)
{
	struct npu_sim_core *sc = core->backend;

	/*
	 * A job starts from a clean register file: what another file's job
	 * left there (its addresses, its shape) is not this job's to see,
	 * nor to run on.
	 */
	if (!task)
		npu_sim_clear_regs(sc);
	/* An injected hang: the task never completes, the watchdog acts. */
	if (!task && atomic_xchg(&sc->hang_next, 0))
		return;
	sc->job = job;
	sc->seq = core->run_seq;
	sc->task = task;
	sc->extra_us = task ? 0 : atomic_xchg(&sc->slow_next_us, 0);
	/*
	 * Executed by whoever called the core: npu_core_run() hands over to
	 * npu_sim_task_run(), and the executor that reported the previous
	 * task finds this one on its next turn.
	 */
	smp_store_release(&sc->started, true);
}

static void npu_sim_core_reset(struct npu_core *core)
{
	struct npu_sim_core *sc = core->backend;

	/* Waits for a task executing; none starts for the old job after. */
	mutex_lock(&sc->exec_lock);
	WRITE_ONCE(sc->started, false);
	sc->fetched = false;
	sc->job = NULL;
	npu_sim_clear_regs(sc);
	mutex_unlock(&sc->exec_lock);
	cancel_work_sync(&sc->work);
}

static int npu_sim_vm_init(struct npu_vm *vm)
{
	struct npu_mmu_pt *pt;
	int ret;

	pt = kzalloc(sizeof(*pt), GFP_KERNEL_ACCOUNT);
	if (!pt)
		return -ENOMEM;
	ret = npu_mmu_pt_init(pt, vm->ndev->numa_node);
	if (ret) {
		kfree(pt);
		return ret;
	}
	vm->priv = pt;
	return 0;
}

static void npu_sim_vm_fini(struct npu_vm *vm)
{
	npu_mmu_pt_fini(vm->priv);
	kfree(vm->priv);
}

/*
 * The virtual NPU is a bus master with no IOMMU in front of it (a 40-bit
 * DMA mask, dma-direct): the DMA address of a page is the physical
 * address its MMU walk ends at.
 */
static int npu_sim_vm_map(struct npu_vm *vm, u64 va, struct sg_table *sgt,
			  u64 offset, u64 size, u32 prot)
{
	return npu_mmu_pt_map(vm->priv, va, sgt, offset,
			      size >> NPU_MMU_PAGE_SHIFT, prot & DRM_NPU_MAP_WRITE);
}

static void npu_sim_vm_unmap(struct npu_vm *vm, u64 va, unsigned long count)
{
	npu_mmu_pt_unmap(vm->priv, va, count);
}

static void npu_sim_destroy_wq(void *wq)
{
	destroy_workqueue(wq);
}

static void npu_sim_free_scratch(void *data)
{
	struct npu_device *ndev = data;
	struct npu_sim *sim = ndev->backend;
	unsigned int i;

	for (i = 0; i < ndev->info.core_count; i++) {
		npu_sim_scratch_free(&sim->cores[i].scratch);
		mutex_destroy(&sim->cores[i].exec_lock);
	}
}

static const struct npu_backend_ops npu_sim_ops = {
	.task_start = npu_sim_task_start,
	.task_run = npu_sim_task_run,
	.core_reset = npu_sim_core_reset,
	.vm_init = npu_sim_vm_init,
	.vm_fini = npu_sim_vm_fini,
	.vm_map = npu_sim_vm_map,
	.vm_unmap = npu_sim_vm_unmap,
	.bo_sync = npu_sim_bo_sync,
};

static struct npu_backend npu_sim_backend = {
	.name = "virtual",
	.owner = THIS_MODULE,
	.ops = &npu_sim_ops,
};

static int npu_sim_backend_init(struct npu_device *ndev)
{
	struct device *dev = ndev->drm.dev;
	struct npu_sim *sim;
	unsigned int i;
	int ret;

	sim = devm_kzalloc(dev, sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	sim->cores = devm_kcalloc(dev, ndev->info.core_count,
				  sizeof(*sim->cores), GFP_KERNEL);
	if (!sim->cores)
		return -ENOMEM;
	for (i = 0; i < ndev->info.core_count; i++) {
		struct npu_sim_core *sc = &sim->cores[i];

		sc->core = &ndev->cores[i];
		sc->task_delay_us = sim_task_us;
		INIT_WORK(&sc->work, npu_sim_work);
		mutex_init(&sc->exec_lock);
		ndev->cores[i].backend = sc;
	}
	ndev->backend = sim;
	/* Freed after the work queue below is gone (devm runs backwards). */
	ret = devm_add_action_or_reset(dev, npu_sim_free_scratch, ndev);
	if (ret)
		return ret;
	/* It completes fences: it must make progress under memory pressure. */
	sim->wq = alloc_workqueue("%s", WQ_UNBOUND | WQ_MEM_RECLAIM,
				  ndev->info.core_count, dev_name(dev));
	if (!sim->wq)
		return -ENOMEM;
	/*
	 * Destroyed after remove() has quiesced the cores, and on every
	 * probe failure, exactly once.
	 */
	return devm_add_action_or_reset(dev, npu_sim_destroy_wq, sim->wq);
}

/* Fault injection and pacing per core, in the die's debugfs folder. */
static void npu_sim_debugfs_init(struct npu_device *ndev)
{
	struct npu_sim *sim = ndev->backend;
	unsigned int i;

	for (i = 0; i < ndev->info.core_count; i++) {
		struct npu_sim_core *sc = &sim->cores[i];
		struct dentry *dir;
		char name[16];

		snprintf(name, sizeof(name), "core%u", i);
		dir = debugfs_create_dir(name, ndev->drm.debugfs_root);
		debugfs_create_atomic_t("hang_next", 0600, dir, &sc->hang_next);
		debugfs_create_atomic_t("slow_next_us", 0600, dir,
					&sc->slow_next_us);
		debugfs_create_x64("fault_va", 0600, dir, &sc->fault_va);
		debugfs_create_u32("task_delay_us", 0600, dir,
				   &sc->task_delay_us);
	}
}

static int npu_sim_probe(struct platform_device *pdev)
{
	const struct npu_sim_pdata *pdata = dev_get_platdata(&pdev->dev);
	struct npu_device_info info = {
		.model = DRM_NPU_MODEL_VIRTUAL,
		.package_id = NPU_SIM_PACKAGE_ID,
		.va_bits = 32,
		.caps = DRM_NPU_CAP_VIRTUAL | DRM_NPU_CAP_MMU,
	};
	struct npu_device *ndev;
	int ret;

	if (!pdata)
		return -EINVAL;
	if (sim_coherent)
		info.caps |= DRM_NPU_CAP_COHERENT;
	info.die_index = pdata->die_index;
	info.die_count = pdata->die_count;
	info.core_count = pdata->core_count;

	/*
	 * Its page tables hold 40-bit addresses: pages anywhere in memory,
	 * its own and those of dma-bufs it imports, need no bounce buffer.
	 */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(40));
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "no 40-bit DMA\n");

	ndev = npu_device_create(&pdev->dev, &info, &npu_sim_backend);
	if (IS_ERR(ndev))
		return dev_err_probe(&pdev->dev, PTR_ERR(ndev),
				     "cannot create virtual die\n");
	platform_set_drvdata(pdev, ndev);

	ret = npu_sim_backend_init(ndev);
	if (ret)
		return ret;
	ret = npu_device_register(ndev);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "cannot register\n");
	npu_sim_debugfs_init(ndev);

	dev_info(&pdev->dev, "virtual NPU die %u/%u, %u cores, node %d\n",
		 info.die_index, info.die_count, info.core_count,
		 ndev->numa_node);
	return 0;
}

static void npu_sim_remove(struct platform_device *pdev)
{
	npu_device_unregister(platform_get_drvdata(pdev));
}

static struct platform_driver npu_sim_driver = {
	.probe = npu_sim_probe,
	.remove = npu_sim_remove,
	.driver = {
		.name = NPU_SIM_NAME,
	},
};

/*
 * Die i gets the i-th online node when there is a node per die, so each
 * die has its own memory like on an EIC7702; otherwise no node at all.
 */
static int npu_sim_die_node(unsigned int die)
{
	unsigned int i = 0;
	int nid;

	if (num_online_nodes() < sim_dies)
		return NUMA_NO_NODE;
	for_each_online_node(nid)
		if (i++ == die)
			return nid;
	return NUMA_NO_NODE;
}

static bool npu_sim_wanted(void)
{
	struct device_node *np;

	if (sim_enable >= 0)
		return sim_enable;
	np = of_find_compatible_node(NULL, NULL, "rockchip,rk3588-rknn-core");
	of_node_put(np);
	return !np;
}

static void npu_sim_destroy_dies(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(npu_sim_pdevs); i++) {
		platform_device_unregister(npu_sim_pdevs[i]);
		npu_sim_pdevs[i] = NULL;
	}
}

static int npu_sim_create_die(unsigned int die)
{
	struct npu_sim_pdata pdata = {
		.die_index = die,
		.die_count = sim_dies,
		.core_count = sim_cores,
	};
	struct platform_device *pdev;
	int ret;

	pdev = platform_device_alloc(NPU_SIM_NAME, die);
	if (!pdev)
		return -ENOMEM;
	set_dev_node(&pdev->dev, npu_sim_die_node(die));
	ret = platform_device_add_data(pdev, &pdata, sizeof(pdata));
	if (!ret)
		ret = platform_device_add(pdev);
	if (ret) {
		platform_device_put(pdev);
		return ret;
	}
	npu_sim_pdevs[die] = pdev;
	return 0;
}

/* Copies of the non-coherent model that no BO release took back (imports). */
static void npu_sim_memory_free(void)
{
	unsigned long pfn;
	struct page *copy;

	xa_for_each(&npu_sim_memory, pfn, copy)
		__free_page(copy);
	xa_destroy(&npu_sim_memory);
}

static void npu_sim_exit(void)
{
	npu_sim_destroy_dies();
	platform_driver_unregister(&npu_sim_driver);
	/* Jobs of closed files were cancelled with their dies; BOs may stay. */
	npu_backend_unregister(&npu_sim_backend);
	npu_sim_memory_free();
}

static int __init npu_sim_init(void)
{
	unsigned int die;
	int ret;

	if (!sim_dies || sim_dies > NPU_SIM_MAX_DIES ||
	    !sim_cores || sim_cores > NPU_MAX_CORES) {
		pr_err("sim_dies must be 1..%u and sim_cores 1..%u\n",
		       NPU_SIM_MAX_DIES, NPU_MAX_CORES);
		return -EINVAL;
	}
	ret = npu_backend_register(&npu_sim_backend);
	if (ret)
		return ret;
	ret = platform_driver_register(&npu_sim_driver);
	if (ret)
		return ret;
	if (!npu_sim_wanted()) {
		pr_info("no virtual dies (sim_enable=%d)\n", sim_enable);
		return 0;
	}
	for (die = 0; die < sim_dies; die++) {
		ret = npu_sim_create_die(die);
		if (ret) {
			npu_sim_exit();
			return ret;
		}
	}
	return 0;
}

module_init(npu_sim_init);
module_exit(npu_sim_exit);

MODULE_DESCRIPTION("Virtual NPU for the open NPU driver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DRM_ACCEL_NPU);

#if IS_ENABLED(CONFIG_DRM_ACCEL_NPU_KUNIT_TEST)
#include "npu_sim_test.c"
#endif
