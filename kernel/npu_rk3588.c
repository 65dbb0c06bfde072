// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * Rockchip RK3588 NPU backend.
 *
 * The device tree has one node per core (binding
 * rockchip,rk3588-rknn-core): three register windows (pc, cna, core), an
 * interrupt, four clocks, two resets, a power domain, an IOMMU of its
 * own and two supplies.  Each core node binds the core driver below; the
 * cores of the SoC are gathered with the component framework into one
 * die, one DRM device, whose core count is the number of available core
 * nodes.  The aggregate device is a bare platform device with no IOMMU
 * in front of it (dma-direct), so a BO's DMA addresses for the die are
 * the physical addresses of its pages; each VM is an IOMMU domain that
 * maps them at the VM's addresses and is attached to a core's IOMMU
 * while a job of that VM runs on it.
 *
 * Everything else (GEM, VMs, scheduler, fences, recovery, fdinfo) is the
 * shared core code the virtual NPU runs in CI.  The register facts are
 * in npu_regcmd.h and Documentation/npu/board-bringup.rst.
 */

#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/clk.h>
#include <linux/component.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>
#include <linux/pm_runtime.h>
#include <linux/regulator/consumer.h>
#include <linux/reset.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <drm/drm_drv.h>
#include <drm/npu_accel.h>

#include "npu_core.h"
#include "npu_device.h"
#include "npu_drv.h"
#include "npu_job.h"
#include "npu_regcmd.h"
#include "npu_vm.h"

#define NPU_RK_COMPATIBLE	"rockchip,rk3588-rknn-core"
#define NPU_RK_NAME		"npu-rk3588"
#define NPU_RK_PACKAGE_ID	0x3588u
/* Idle time before a core's clocks and power domain go off. */
#define NPU_RK_AUTOSUSPEND_MS	100
/* Completion interrupts: the DPU write-back ends a task. */
#define NPU_RK_IRQ_DONE		(NPU_PC_IRQ_DPU_0 | NPU_PC_IRQ_DPU_1)
/*
 * The interrupts a task start unmasks, and so exactly those the hard
 * handler claims: on a shared line, a raised unmasked bit nobody claims
 * keeps the line asserted forever.  The DMA error bits stay masked (they
 * are read from the raw status with the completion), so they cannot
 * assert the line on their own.
 */
#define NPU_RK_IRQ_ENABLED	NPU_RK_IRQ_DONE
#define NPU_RK_IRQ_DMA_ERROR	(NPU_PC_IRQ_DMA_READ_ERROR | \
				 NPU_PC_IRQ_DMA_WRITE_ERROR)

struct npu_rk;
struct npu_rk_vm;

/**
 * struct npu_rk_core - one hardware core, one DT node
 * @dev: the core's platform device
 * @rk: the die, once bound
 * @core: the shared core state, once bound
 * @index: core number on the die
 * @pc: PC register window
 * @cna: CNA register window
 * @cc: CORE register window
 * @irq: the core's interrupt
 * @clks: aclk, hclk, npu, pclk
 * @num_clks: entries in @clks
 * @resets: srst_a, srst_h
 * @supplies: npu, sram; on while the core is bound
 * @group: the core's IOMMU group
 * @attached: VM whose domain the core's IOMMU uses; under the core's job
 *            lock.  A core holds a runtime PM reference while attached.
 * @run_lock: protects @running, @run_seq, @hw_busy, the @irq_* and the
 *            @fail_* fields; taken in the hard interrupt handler and in
 *            the IOMMU's fault handler (atomic context)
 * @running: the hardware runs a task of run @run_seq
 * @run_seq: &npu_core.run_seq of the task the hardware runs; completions
 *           and faults are reported by it, never by a job pointer
 * @hw_busy: the hardware may still be running: a task was started and
 *           neither its completion was handled nor a reset succeeded
 *           since.  The IOMMU switches domains only when it is clear
 * @irq_armed: the completion interrupt is unmasked and not yet claimed;
 *             the hard handler claims only then, so a completion it has
 *             already masked is never claimed twice
 * @irq_status: raw interrupt status the hard handler saw
 * @irq_seq: the run the claimed interrupt belongs to
 * @fail_pending: @fail_work has a failure to report
 * @fail_seq: the run that failed
 * @fail_result: how it failed
 * @fail_va: faulting address of an IOMMU fault
 * @fail_work: reports failures found where the job lock is held or in
 *             atomic context (task start, IOMMU fault)
 */
struct npu_rk_core {
	struct device *dev;
	struct npu_rk *rk;
	struct npu_core *core;
	unsigned int index;
	void __iomem *pc;
	void __iomem *cna;
	void __iomem *cc;
	int irq;
	struct clk_bulk_data *clks;
	int num_clks;
	struct reset_control_bulk_data resets[2];
	struct regulator_bulk_data supplies[2];
	struct iommu_group *group;
	struct npu_rk_vm *attached;
	spinlock_t run_lock;		/* @running, @run_seq, @irq_*, @fail_* */
	bool running;
	u64 run_seq;
	bool hw_busy;
	bool irq_armed;
	u32 irq_status;
	u64 irq_seq;
	bool fail_pending;
	u64 fail_seq;
	enum npu_task_result fail_result;
	u64 fail_va;
	struct work_struct fail_work;
};

/**
 * struct npu_rk - the die: every core of the SoC
 * @ndev: the DRM device, while bound
 * @core_count: available core nodes in the device tree
 * @bound: cores bound so far
 * @cores: the cores, in device tree order
 */
struct npu_rk {
	struct npu_device *ndev;
	unsigned int core_count;
	unsigned int bound;
	struct npu_rk_core *cores[NPU_MAX_CORES];
};

/**
 * struct npu_rk_vm - device side of a VM
 * @rk: the die
 * @domain: IOMMU domain holding the VM's mappings
 * @attached_cores: cores whose IOMMU uses @domain, one bit per core
 */
struct npu_rk_vm {
	struct npu_rk *rk;
	struct iommu_domain *domain;
	unsigned long attached_cores;
};

static struct platform_device *npu_rk_pdev;

static void npu_rk_pc_write(struct npu_rk_core *rc, u32 reg, u32 value)
{
	writel(value, rc->pc + reg);
}

/*
 * Start one task: the PC block fetches regcmd_count 64-bit words from
 * regcmd_va in the VM the core's IOMMU is attached to, and interrupts
 * when the DPU has written the result.  The sequence, the values and the
 * per-core pointer bits follow the mainline rocket driver
 * (rocket_job.c), which took them from Rockchip's rknpu driver.
 */
static void npu_rk_program(struct npu_rk_core *rc,
			   const struct drm_npu_task *t)
{
	u32 pointer = NPU_S_POINTER_PP_EN | NPU_S_POINTER_EXECUTER_PP_EN |
		      NPU_S_POINTER_PP_MODE |
		      FIELD_PREP(NPU_S_POINTER_CORE, rc->index);
	/* Words are fetched in pairs: 128-bit units, minus one. */
	u32 amount = DIV_ROUND_UP(t->regcmd_count, 2) - 1;

	npu_rk_pc_write(rc, NPU_PC_BASE_ADDRESS, NPU_PC_BASE_PC_SEL);
	writel(pointer, rc->cna + NPU_S_POINTER);
	writel(pointer, rc->cc + NPU_S_POINTER);
	npu_rk_pc_write(rc, NPU_PC_BASE_ADDRESS, lower_32_bits(t->regcmd_va));
	npu_rk_pc_write(rc, NPU_PC_REGISTER_AMOUNTS,
			FIELD_PREP(NPU_PC_DATA_AMOUNT, amount));
	/*
	 * Clear before unmasking: a stale completion bit must not be seen,
	 * unmasked, by a handler running for the IOMMU on the shared line.
	 */
	npu_rk_pc_write(rc, NPU_PC_INTERRUPT_CLEAR, NPU_RK_IRQ_ENABLED);
	npu_rk_pc_write(rc, NPU_PC_INTERRUPT_MASK, NPU_RK_IRQ_ENABLED);
	npu_rk_pc_write(rc, NPU_PC_TASK_CON,
			NPU_PC_TASK_CON_BIT14 | NPU_PC_TASK_COUNT_CLEAR |
			NPU_PC_TASK_PP_EN | FIELD_PREP(NPU_PC_TASK_NUMBER, 1));
	npu_rk_pc_write(rc, NPU_PC_TASK_DMA_BASE_ADDR, 0);
	npu_rk_pc_write(rc, NPU_PC_OPERATION_ENABLE, NPU_PC_OP_EN);
}

/*
 * Pulse both reset lines and leave the PC idle with interrupts masked.
 * Return: whether both lines switched, i.e. the core is known stopped.
 */
static bool npu_rk_hw_reset(struct npu_rk_core *rc)
{
	unsigned long flags;
	int ret, ret2;

	ret = reset_control_bulk_assert(ARRAY_SIZE(rc->resets), rc->resets);
	if (ret)
		dev_warn(rc->dev, "cannot assert resets: %d\n", ret);
	usleep_range(10, 20);
	ret2 = reset_control_bulk_deassert(ARRAY_SIZE(rc->resets), rc->resets);
	if (ret2)
		dev_warn(rc->dev, "cannot deassert resets: %d\n", ret2);

	npu_rk_pc_write(rc, NPU_PC_OPERATION_ENABLE, 0);
	npu_rk_pc_write(rc, NPU_PC_INTERRUPT_MASK, 0);
	npu_rk_pc_write(rc, NPU_PC_INTERRUPT_CLEAR, NPU_PC_IRQ_CLEAR_ALL);

	spin_lock_irqsave(&rc->run_lock, flags);
	/* Masked: nothing of ours can assert the line any more. */
	rc->irq_armed = false;
	if (!ret && !ret2)
		rc->hw_busy = false;
	spin_unlock_irqrestore(&rc->run_lock, flags);
	return !ret && !ret2;
}

/*
 * Make sure the core is stopped before its IOMMU changes domains.  The
 * Rockchip IOMMU driver (6.12) switches a master from one paging domain
 * to another, the blocking domain included, by turning paging off first
 * (its identity domain) and then on with the new tables: a core still
 * fetching meanwhile reaches physical memory, and one that goes on
 * afterwards runs the old VM's stream in the next VM.  After a completion
 * interrupt the thread has stopped the PC; after a timeout, a fault or a
 * failed reset nothing says the core has stopped.  No register is
 * documented to mean "idle": the rocket register header has PC
 * TASK_STATUS (0x3c) and the blocks' S_STATUS only as fields without
 * meaning, and the rocket driver reads none of them.  So reset: that
 * stops the core whatever it was doing, and costs 10-20 us only after a
 * run that did not end by its interrupt.  Job lock held, core powered.
 *
 * Return: 0, or -EIO if the core could not be reset.
 */
static int npu_rk_make_idle(struct npu_rk_core *rc)
{
	bool busy;

	scoped_guard(spinlock_irqsave, &rc->run_lock)
		busy = rc->hw_busy;
	if (!busy)
		return 0;
	dev_dbg(rc->dev, "resetting the core before its IOMMU switches\n");
	return npu_rk_hw_reset(rc) ? 0 : -EIO;
}

/*
 * Undo npu_rk_attach(), if attached.  The group is DMA-owned, so it goes
 * to its blocking domain, not to the default one (which is identity with
 * iommu.passthrough=1).  Job lock held.
 */
static void npu_rk_detach(struct npu_rk_core *rc)
{
	struct npu_rk_vm *rvm = rc->attached;

	if (!rvm)
		return;
	/*
	 * Detached anyway: the domain may be about to be freed, and an IOMMU
	 * left walking freed tables is worse than the switch.
	 */
	if (npu_rk_make_idle(rc))
		dev_err(rc->dev, "core not stopped, its IOMMU switches anyway\n");
	iommu_detach_group(rvm->domain, rc->group);
	clear_bit(rc->index, &rvm->attached_cores);
	rc->attached = NULL;
	pm_runtime_mark_last_busy(rc->dev);
	pm_runtime_put_autosuspend(rc->dev);
}

/*
 * Point the core's IOMMU at @rvm, with the core stopped (see
 * npu_rk_make_idle()), and keep the core powered.  A core that cannot be
 * stopped keeps its domain: the job fails instead.  Job lock held.
 */
static int npu_rk_attach(struct npu_rk_core *rc, struct npu_rk_vm *rvm)
{
	int ret;

	ret = pm_runtime_resume_and_get(rc->dev);
	if (ret)
		return ret;
	ret = npu_rk_make_idle(rc);
	if (!ret) {
		npu_rk_detach(rc);
		ret = iommu_attach_group(rvm->domain, rc->group);
	}
	if (ret) {
		pm_runtime_put_autosuspend(rc->dev);
		return ret;
	}
	set_bit(rc->index, &rvm->attached_cores);
	rc->attached = rvm;
	return 0;
}

/* The hardware runs run @seq from now on, its completion unmasked. */
static void npu_rk_set_running(struct npu_rk_core *rc, u64 seq)
{
	unsigned long flags;

	spin_lock_irqsave(&rc->run_lock, flags);
	rc->running = true;
	rc->run_seq = seq;
	rc->hw_busy = true;
	rc->irq_armed = true;
	spin_unlock_irqrestore(&rc->run_lock, flags);
}

/* The hardware runs nothing: a late interrupt reports nothing. */
static void npu_rk_set_idle(struct npu_rk_core *rc)
{
	unsigned long flags;

	spin_lock_irqsave(&rc->run_lock, flags);
	rc->running = false;
	spin_unlock_irqrestore(&rc->run_lock, flags);
}

/* The run the hardware runs, if any. */
static bool npu_rk_running(struct npu_rk_core *rc, u64 *seq)
{
	unsigned long flags;
	bool running;

	spin_lock_irqsave(&rc->run_lock, flags);
	*seq = rc->run_seq;
	running = rc->running;
	spin_unlock_irqrestore(&rc->run_lock, flags);
	return running;
}

/* After a report: once the core has no job, let it go idle. */
static void npu_rk_release_if_idle(struct npu_rk_core *rc)
{
	struct npu_core *core = rc->core;

	guard(mutex)(&core->job_lock);
	if (core->in_flight)
		return;
	npu_rk_set_idle(rc);
	npu_rk_detach(rc);
}

/*
 * Fail run @seq from process context; callable in atomic context.  A
 * newer run's failure replaces a pending one: a core runs one job at a
 * time, so the older run has ended by then.
 */
static void npu_rk_fail(struct npu_rk_core *rc, u64 seq,
			enum npu_task_result result, u64 va)
{
	unsigned long flags;

	spin_lock_irqsave(&rc->run_lock, flags);
	if (!rc->fail_pending || rc->fail_seq != seq) {
		rc->fail_pending = true;
		rc->fail_seq = seq;
		rc->fail_result = result;
		rc->fail_va = va;
		queue_work(system_wq, &rc->fail_work);
	}
	spin_unlock_irqrestore(&rc->run_lock, flags);
}

/*
 * Stop the core if it still runs run @seq: an MMU fault leaves the core
 * stuck, and nothing of the faulting run may follow.  Whether the run is
 * still the one in flight is decided under the job lock, so a reset can
 * never hit the next file's job.
 */
static void npu_rk_stop_run(struct npu_rk_core *rc, u64 seq)
{
	struct npu_core *core = rc->core;

	/* Before the job lock: the interrupt thread takes it. */
	disable_irq(rc->irq);
	scoped_guard(mutex, &core->job_lock) {
		if (core->in_flight && core->run_seq == seq) {
			npu_rk_set_idle(rc);
			npu_rk_hw_reset(rc);
		}
	}
	enable_irq(rc->irq);
}

static void npu_rk_fail_work(struct work_struct *work)
{
	struct npu_rk_core *rc = container_of(work, struct npu_rk_core,
					      fail_work);
	enum npu_task_result result;
	bool pending;
	u64 seq, va;

	scoped_guard(spinlock_irqsave, &rc->run_lock) {
		pending = rc->fail_pending;
		seq = rc->fail_seq;
		result = rc->fail_result;
		va = rc->fail_va;
		rc->fail_pending = false;
	}
	if (!pending)
		return;

	if (result == NPU_TASK_MMU_FAULT)
		npu_rk_stop_run(rc, seq);
	npu_core_task_done(rc->core, seq, result, va, DRM_NPU_REASON_NONE);
	npu_rk_release_if_idle(rc);
}

static void npu_rk_task_start(struct npu_core *core, struct npu_job *job,
			      u32 task)
{
	struct npu_rk_core *rc = core->backend;
	struct npu_rk_vm *rvm = job->vm->priv;
	int idx, ret;

	lockdep_assert_held(&core->job_lock);

	if (!drm_dev_enter(&core->ndev->drm, &idx)) {
		npu_rk_fail(rc, core->run_seq, NPU_TASK_ERROR, 0);
		return;
	}
	if (rc->attached != rvm) {
		ret = npu_rk_attach(rc, rvm);
		if (ret) {
			dev_err_ratelimited(rc->dev, "cannot attach the VM: %d\n",
					    ret);
			npu_rk_fail(rc, core->run_seq, NPU_TASK_ERROR, 0);
			goto out;
		}
	}
	npu_rk_set_running(rc, core->run_seq);
	npu_rk_program(rc, &job->tasks[task]);
out:
	drm_dev_exit(idx);
}

/*
 * Claim the interrupt if the core raised it: a bit it unmasked is up and
 * not yet claimed.  Masks the core until the thread has looked, since the
 * line is not oneshot.  Core powered.
 */
static irqreturn_t npu_rk_claim_irq(struct npu_rk_core *rc)
{
	irqreturn_t ret = IRQ_NONE;
	unsigned long flags;
	u32 raw;

	spin_lock_irqsave(&rc->run_lock, flags);
	/*
	 * Masked already (by an earlier claim or a reset): the raw bits may
	 * still be up until the thread clears them, but they are not what
	 * asserts the line now; claiming again would wake the thread a
	 * second time, and that one would stop the task the first one
	 * started.
	 */
	if (rc->irq_armed) {
		raw = readl(rc->pc + NPU_PC_INTERRUPT_RAW_STATUS);
		if (raw & NPU_RK_IRQ_ENABLED) {
			npu_rk_pc_write(rc, NPU_PC_INTERRUPT_MASK, 0);
			rc->irq_armed = false;
			rc->irq_status = raw;
			rc->irq_seq = rc->run_seq;
			ret = IRQ_WAKE_THREAD;
		}
	}
	spin_unlock_irqrestore(&rc->run_lock, flags);
	return ret;
}

/*
 * The line is shared with the core's IOMMU (whose driver requests it
 * first, shared and not oneshot), so this runs for the IOMMU's interrupts
 * too, also while the core is powered off: its registers are read only
 * while runtime PM says it is on, and the handler claims only what the
 * core raised.
 */
static irqreturn_t npu_rk_irq(int irq, void *data)
{
	struct npu_rk_core *rc = data;
	irqreturn_t ret;

	if (pm_runtime_get_if_active(rc->dev) <= 0)
		return IRQ_NONE;
	ret = npu_rk_claim_irq(rc);
	pm_runtime_put_noidle(rc->dev);
	return ret;
}

/*
 * The claimed interrupt ended the task the hardware runs: stop the PC and
 * say how the task ended.  A claim for a run that was ended and reset
 * since (the watchdog, a fault) touches nothing: the registers may
 * already hold the next run's task.  Only this thread starts another
 * task of the same run, and every other end of a run waits for this
 * thread (disable_irq()) before the next run can start, so the run
 * sequence number tells the two apart.  Job lock held.
 *
 * Return: whether the task is to be reported, with @seq and @result.
 */
static bool npu_rk_stop_task(struct npu_rk_core *rc, u64 *seq,
			     enum npu_task_result *result)
{
	u32 status;

	scoped_guard(spinlock_irqsave, &rc->run_lock) {
		if (!rc->running || rc->run_seq != rc->irq_seq)
			return false;
		status = rc->irq_status;
		*seq = rc->run_seq;
	}

	npu_rk_pc_write(rc, NPU_PC_OPERATION_ENABLE, 0);
	npu_rk_pc_write(rc, NPU_PC_INTERRUPT_CLEAR, NPU_PC_IRQ_CLEAR_ALL);
	if (status & NPU_RK_IRQ_DMA_ERROR) {
		dev_err_ratelimited(rc->dev, "DMA error, status %#x\n", status);
		*result = NPU_TASK_ERROR;
		npu_rk_hw_reset(rc);
		return true;
	}
	*result = NPU_TASK_OK;
	/* The completion was seen and the PC stopped: the core is idle. */
	scoped_guard(spinlock_irqsave, &rc->run_lock)
		rc->hw_busy = false;
	return true;
}

static irqreturn_t npu_rk_irq_thread(int irq, void *data)
{
	struct npu_rk_core *rc = data;
	struct npu_core *core = rc->core;
	enum npu_task_result result;
	bool report;
	u64 seq;

	scoped_guard(mutex, &core->job_lock)
		report = npu_rk_stop_task(rc, &seq, &result);
	pm_runtime_mark_last_busy(rc->dev);
	if (report)
		npu_core_task_done(core, seq, result, 0, DRM_NPU_REASON_NONE);
	npu_rk_release_if_idle(rc);
	return IRQ_HANDLED;
}

static void npu_rk_core_reset(struct npu_core *core)
{
	struct npu_rk_core *rc = core->backend;

	disable_irq(rc->irq);
	npu_rk_set_idle(rc);
	scoped_guard(spinlock_irqsave, &rc->run_lock)
		rc->fail_pending = false;
	cancel_work_sync(&rc->fail_work);
	/* A failed reset leaves @hw_busy: the next attach tries again. */
	if (!pm_runtime_resume_and_get(rc->dev)) {
		npu_rk_hw_reset(rc);
		pm_runtime_mark_last_busy(rc->dev);
		pm_runtime_put_autosuspend(rc->dev);
	}
	enable_irq(rc->irq);
	/* The IOMMU goes to the blocking domain; the next job attaches. */
	npu_rk_release_if_idle(rc);
}

/*
 * An access of a core to an address its VM does not map.  The IOMMU's
 * interrupt handler reports it for the IOMMU device: find the core behind
 * that IOMMU among those using the domain.
 */
static int npu_rk_iommu_fault(struct iommu_domain *domain,
			      struct device *iommu_dev, unsigned long iova,
			      int flags, void *token)
{
	struct npu_rk_vm *rvm = token;
	struct npu_rk *rk = rvm->rk;
	unsigned int i;

	for (i = 0; i < rk->bound; i++) {
		struct npu_rk_core *rc = rk->cores[i];
		struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(rc->dev);
		u64 seq;

		if (!test_bit(i, &rvm->attached_cores) ||
		    !npu_rk_running(rc, &seq))
			continue;
		if (fwspec && iommu_dev &&
		    fwspec->iommu_fwnode != dev_fwnode(iommu_dev))
			continue;
		dev_err_ratelimited(rc->dev, "IOMMU fault at %#lx (%s)\n", iova,
				    flags & IOMMU_FAULT_WRITE ? "write" : "read");
		npu_rk_fail(rc, seq, NPU_TASK_MMU_FAULT, iova);
		break;
	}
	return 0;
}

static int npu_rk_vm_init(struct npu_vm *vm)
{
	struct npu_rk *rk = vm->ndev->backend;
	struct npu_rk_vm *rvm;

	rvm = kzalloc(sizeof(*rvm), GFP_KERNEL);
	if (!rvm)
		return -ENOMEM;
	rvm->rk = rk;
	rvm->domain = iommu_paging_domain_alloc(rk->cores[0]->dev);
	if (IS_ERR(rvm->domain)) {
		int ret = PTR_ERR(rvm->domain);

		kfree(rvm);
		return ret;
	}
	iommu_set_fault_handler(rvm->domain, npu_rk_iommu_fault, rvm);
	vm->priv = rvm;
	return 0;
}

static void npu_rk_vm_fini(struct npu_vm *vm)
{
	struct npu_rk_vm *rvm = vm->priv;
	unsigned int i;

	/* Normally no core uses it any more: a job holds a VM reference. */
	for_each_set_bit(i, &rvm->attached_cores, NPU_MAX_CORES) {
		struct npu_rk_core *rc = rvm->rk->cores[i];

		/* A core unbound from the die detached in its unbind. */
		if (!rc || !rc->core)
			continue;
		guard(mutex)(&rc->core->job_lock);
		if (rc->attached == rvm)
			npu_rk_detach(rc);
	}
	iommu_domain_free(rvm->domain);
	kfree(rvm);
}

/*
 * @sgt is DMA-mapped for the aggregate device, which has no IOMMU and no
 * DMA offset: its DMA addresses are the CPU physical addresses the core
 * IOMMUs must point at.
 */
static int npu_rk_vm_map(struct npu_vm *vm, u64 va, struct sg_table *sgt,
			 u64 offset, u64 size, u32 prot)
{
	struct npu_rk_vm *rvm = vm->priv;
	int iprot = IOMMU_READ;
	struct scatterlist *sg;
	u64 mapped = 0;
	unsigned int i;
	int ret;

	if (prot & DRM_NPU_MAP_WRITE)
		iprot |= IOMMU_WRITE;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 addr = sg_dma_address(sg), len = sg_dma_len(sg);

		if (offset >= len) {
			offset -= len;
			continue;
		}
		addr += offset;
		len = min(len - offset, size - mapped);
		offset = 0;
		ret = iommu_map(rvm->domain, va + mapped, addr, len, iprot,
				GFP_KERNEL);
		if (ret)
			goto err_unmap;
		mapped += len;
		if (mapped == size)
			return 0;
	}
	ret = -EINVAL;		/* the table is shorter than the range */
err_unmap:
	if (mapped)
		iommu_unmap(rvm->domain, va, mapped);
	return ret;
}

static void npu_rk_vm_unmap(struct npu_vm *vm, u64 va, unsigned long count)
{
	struct npu_rk_vm *rvm = vm->priv;
	size_t size = (size_t)count << NPU_PAGE_SHIFT;

	if (iommu_unmap(rvm->domain, va, size) != size)
		dev_warn(vm->ndev->drm.dev, "unmap of %#llx + %zu incomplete\n",
			 va, size);
}

static const struct npu_backend_ops npu_rk_ops = {
	.task_start = npu_rk_task_start,
	.core_reset = npu_rk_core_reset,
	.vm_init = npu_rk_vm_init,
	.vm_fini = npu_rk_vm_fini,
	.vm_map = npu_rk_vm_map,
	.vm_unmap = npu_rk_vm_unmap,
};

static struct npu_backend npu_rk_backend = {
	.name = "rk3588",
	.owner = THIS_MODULE,
	.ops = &npu_rk_ops,
};

/* Core components: one per DT node, bound into the die in DT order. */

static int npu_rk_core_bind(struct device *dev, struct device *master,
			    void *data)
{
	struct npu_rk_core *rc = dev_get_drvdata(dev);
	struct npu_rk *rk = data;
	struct npu_core *core;
	int ret;

	if (rk->bound >= rk->core_count)
		return -EINVAL;
	core = &rk->ndev->cores[rk->bound];
	rc->rk = rk;
	rc->core = core;
	rc->index = rk->bound;
	core->backend = rc;
	rk->cores[rk->bound++] = rc;

	/*
	 * Released when the component is unbound (devres group).  Shared
	 * and not oneshot, as the IOMMU on the same line requested it: flags
	 * that differ make the request fail (-EBUSY).  The hard handler
	 * masks the core's interrupt before it wakes the thread.
	 */
	ret = devm_request_threaded_irq(dev, rc->irq, npu_rk_irq,
					npu_rk_irq_thread, IRQF_SHARED,
					dev_name(dev), rc);
	if (ret)
		return dev_err_probe(dev, ret, "cannot request interrupt\n");
	return 0;
}

static void npu_rk_core_unbind(struct device *dev, struct device *master,
			       void *data)
{
	struct npu_rk_core *rc = dev_get_drvdata(dev);
	struct npu_rk *rk = data;

	cancel_work_sync(&rc->fail_work);
	/* Normally detached by the quiesce; no VM may outlive its domain here. */
	scoped_guard(mutex, &rc->core->job_lock) {
		npu_rk_set_idle(rc);
		npu_rk_detach(rc);
	}
	rk->cores[rc->index] = NULL;
	rk->bound--;
	rc->core = NULL;
	rc->rk = NULL;
}

static const struct component_ops npu_rk_core_component_ops = {
	.bind = npu_rk_core_bind,
	.unbind = npu_rk_core_unbind,
};

static int npu_rk_runtime_suspend(struct device *dev)
{
	struct npu_rk_core *rc = dev_get_drvdata(dev);

	clk_bulk_disable_unprepare(rc->num_clks, rc->clks);
	return 0;
}

static int npu_rk_runtime_resume(struct device *dev)
{
	struct npu_rk_core *rc = dev_get_drvdata(dev);

	return clk_bulk_prepare_enable(rc->num_clks, rc->clks);
}

static const struct dev_pm_ops npu_rk_core_pm_ops = {
	RUNTIME_PM_OPS(npu_rk_runtime_suspend, npu_rk_runtime_resume, NULL)
	SYSTEM_SLEEP_PM_OPS(pm_runtime_force_suspend, pm_runtime_force_resume)
};

static void npu_rk_put_group(void *group)
{
	iommu_group_put(group);
}

static void npu_rk_release_dma_owner(void *dev)
{
	iommu_device_release_dma_owner(dev);
}

/*
 * Own the core's IOMMU group, with the core as the owner cookie: from now
 * on the group sits on its blocking domain whenever no VM is attached
 * (iommu_detach_group() goes to the blocking domain of an owned group),
 * instead of the default domain, which with iommu.passthrough=1 is
 * identity and would give a stray stream all of memory.  A group that
 * holds another device, or that someone else owns (VFIO), fails here
 * (-EPERM, -EBUSY): attach and detach assume the core is alone in it.
 * Needs &platform_driver.driver_managed_dma, else the driver core has
 * counted the device as a DMA API user of the default domain and the
 * claim fails with -EPERM.
 */
static int npu_rk_own_group(struct npu_rk_core *rc)
{
	int ret;

	rc->group = iommu_group_get(rc->dev);
	if (!rc->group)
		return dev_err_probe(rc->dev, -ENODEV, "no IOMMU for the core\n");
	ret = devm_add_action_or_reset(rc->dev, npu_rk_put_group, rc->group);
	if (ret)
		return ret;
	ret = iommu_device_claim_dma_owner(rc->dev, rc);
	if (ret)
		return dev_err_probe(rc->dev, ret,
				     "cannot own the core's IOMMU group\n");
	return devm_add_action_or_reset(rc->dev, npu_rk_release_dma_owner,
					rc->dev);
}

static void npu_rk_supplies_off(void *data)
{
	struct npu_rk_core *rc = data;

	regulator_bulk_disable(ARRAY_SIZE(rc->supplies), rc->supplies);
}

static int npu_rk_core_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct npu_rk_core *rc;
	u32 version;
	int ret;

	rc = devm_kzalloc(dev, sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return -ENOMEM;
	rc->dev = dev;
	/* Whatever the boot loader left running, until the reset below. */
	rc->hw_busy = true;
	spin_lock_init(&rc->run_lock);
	INIT_WORK(&rc->fail_work, npu_rk_fail_work);

	rc->pc = devm_platform_ioremap_resource_byname(pdev, "pc");
	if (IS_ERR(rc->pc))
		return PTR_ERR(rc->pc);
	rc->cna = devm_platform_ioremap_resource_byname(pdev, "cna");
	if (IS_ERR(rc->cna))
		return PTR_ERR(rc->cna);
	rc->cc = devm_platform_ioremap_resource_byname(pdev, "core");
	if (IS_ERR(rc->cc))
		return PTR_ERR(rc->cc);
	rc->irq = platform_get_irq(pdev, 0);
	if (rc->irq < 0)
		return rc->irq;

	rc->num_clks = devm_clk_bulk_get_all(dev, &rc->clks);
	if (rc->num_clks < 0)
		return dev_err_probe(dev, rc->num_clks, "cannot get clocks\n");
	rc->resets[0].id = "srst_a";
	rc->resets[1].id = "srst_h";
	ret = devm_reset_control_bulk_get_exclusive(dev, ARRAY_SIZE(rc->resets),
						    rc->resets);
	if (ret)
		return dev_err_probe(dev, ret, "cannot get resets\n");
	/*
	 * Claimed and switched on at probe, and kept on while bound: the
	 * power domain can only power up with them on, and on a kernel whose
	 * power domain driver does not handle its supply, genpd powers the
	 * domain before any runtime PM callback of ours could enable them.
	 * A module loaded after the regulator core switched unused supplies
	 * off turns them back on here.
	 */
	rc->supplies[0].supply = "npu";
	rc->supplies[1].supply = "sram";
	ret = devm_regulator_bulk_get(dev, ARRAY_SIZE(rc->supplies),
				      rc->supplies);
	if (ret)
		return dev_err_probe(dev, ret, "cannot get supplies\n");
	ret = regulator_bulk_enable(ARRAY_SIZE(rc->supplies), rc->supplies);
	if (ret)
		return dev_err_probe(dev, ret, "cannot enable supplies\n");
	ret = devm_add_action_or_reset(dev, npu_rk_supplies_off, rc);
	if (ret)
		return ret;

	/*
	 * No DMA mask here: nothing uses the DMA API on the core device.  BOs
	 * are mapped for the die's device (whose 40-bit mask matches what the
	 * IOMMU page tables hold), and the Rockchip IOMMU driver maps its
	 * tables for the IOMMU's own device.  With the group owned, the
	 * core's default domain is never attached, so the DMA API on it
	 * could not work anyway.
	 */
	ret = npu_rk_own_group(rc);
	if (ret)
		return ret;

	platform_set_drvdata(pdev, rc);
	pm_runtime_set_autosuspend_delay(dev, NPU_RK_AUTOSUSPEND_MS);
	pm_runtime_use_autosuspend(dev);
	ret = devm_pm_runtime_enable(dev);
	if (ret)
		return ret;

	ret = pm_runtime_resume_and_get(dev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot power the core\n");
	npu_rk_hw_reset(rc);
	version = readl(rc->pc + NPU_PC_VERSION) +
		  (readl(rc->pc + NPU_PC_VERSION_NUM) & 0xffff);
	pm_runtime_mark_last_busy(dev);
	pm_runtime_put_autosuspend(dev);
	dev_info(dev, "NPU core, version %#x\n", version);

	return component_add(dev, &npu_rk_core_component_ops);
}

static void npu_rk_core_remove(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;

	component_del(dev, &npu_rk_core_component_ops);
	/* Power down now, not after the autosuspend delay. */
	pm_runtime_get_noresume(dev);
	pm_runtime_put_sync_suspend(dev);
}

static const struct of_device_id npu_rk_core_of_match[] = {
	{ .compatible = NPU_RK_COMPATIBLE },
	{ }
};
MODULE_DEVICE_TABLE(of, npu_rk_core_of_match);

static struct platform_driver npu_rk_core_driver = {
	.probe = npu_rk_core_probe,
	.remove = npu_rk_core_remove,
	.driver = {
		.name = "npu-rk3588-core",
		.of_match_table = npu_rk_core_of_match,
		.pm = pm_ptr(&npu_rk_core_pm_ops),
	},
	/* The driver owns the IOMMU group: npu_rk_own_group(). */
	.driver_managed_dma = true,
};

/* The die: a bare platform device that aggregates the core nodes. */

/* Where a board user reads how to choose the driver of the cores. */
#define NPU_RK_DOC_CHOOSE \
	"Documentation/npu/board-bringup.rst, \"Choosing the driver of the cores\""

/*
 * Is the core of @np bound to another driver?  Linux 6.18 and later have
 * rocket for the same compatible; a core it holds never becomes our
 * component, so the die leaves it out rather than wait for it, and says
 * so.  Racy against a bind or unbind in progress, like any look at
 * &device.driver from outside: the bus notifier below catches a core
 * taken later.
 */
static bool npu_rk_core_taken(struct device *dev, struct device_node *np)
{
	struct platform_device *pdev = of_find_device_by_node(np);
	const struct device_driver *drv;
	bool taken = false;

	if (!pdev)
		return false;
	drv = READ_ONCE(pdev->dev.driver);
	if (drv && drv != &npu_rk_core_driver.driver) {
		dev_warn(dev, "NPU core %pOF is bound to driver %s, not to %s: left out; see %s\n",
			 np, drv->name, npu_rk_core_driver.driver.name,
			 NPU_RK_DOC_CHOOSE);
		taken = true;
	}
	put_device(&pdev->dev);
	return taken;
}

static int npu_rk_bind(struct device *dev)
{
	struct npu_rk *rk = dev_get_drvdata(dev);
	struct npu_device_info info = {
		.model = DRM_NPU_MODEL_RK3588,
		.die_index = 0,
		.die_count = 1,
		.package_id = NPU_RK_PACKAGE_ID,
		.core_count = rk->core_count,
		.va_bits = 32,
		.caps = DRM_NPU_CAP_MMU,
	};
	struct npu_device *ndev;
	int ret;

	ndev = npu_device_create(dev, &info, &npu_rk_backend);
	if (IS_ERR(ndev))
		return dev_err_probe(dev, PTR_ERR(ndev), "cannot create die\n");
	rk->ndev = ndev;
	rk->bound = 0;
	ndev->backend = rk;

	ret = component_bind_all(dev, rk);
	if (ret)
		return ret;
	ret = npu_device_register(ndev);
	if (ret) {
		component_unbind_all(dev, rk);
		return dev_err_probe(dev, ret, "cannot register\n");
	}
	dev_info(dev, "RK3588 NPU, %u cores\n", rk->core_count);
	return 0;
}

static void npu_rk_unbind(struct device *dev)
{
	struct npu_rk *rk = dev_get_drvdata(dev);

	npu_device_unregister(rk->ndev);
	component_unbind_all(dev, rk);
	rk->ndev = NULL;
}

static const struct component_master_ops npu_rk_master_ops = {
	.bind = npu_rk_bind,
	.unbind = npu_rk_unbind,
};

static int npu_rk_probe(struct platform_device *pdev)
{
	struct component_match *match = NULL;
	struct device *dev = &pdev->dev;
	unsigned int described = 0;
	struct device_node *np;
	struct npu_rk *rk;
	int ret;

	rk = devm_kzalloc(dev, sizeof(*rk), GFP_KERNEL);
	if (!rk)
		return -ENOMEM;
	for_each_compatible_node(np, NULL, NPU_RK_COMPATIBLE) {
		if (!of_device_is_available(np))
			continue;
		described++;
		if (npu_rk_core_taken(dev, np))
			continue;
		if (rk->core_count == NPU_MAX_CORES) {
			dev_warn(dev, "more than %u cores, using %u\n",
				 NPU_MAX_CORES, NPU_MAX_CORES);
			of_node_put(np);
			break;
		}
		component_match_add_release(dev, &match, component_release_of,
					    component_compare_of,
					    of_node_get(np));
		rk->core_count++;
	}
	if (!rk->core_count) {
		dev_warn(dev, "every NPU core is bound to another driver: no NPU device\n");
		return -ENODEV;
	}
	if (IS_ERR(match))
		return PTR_ERR(match);
	if (rk->core_count < described)
		dev_warn(dev, "using %u of %u NPU cores\n", rk->core_count,
			 described);

	/* BOs are mapped for this device: physical addresses, 40 bits. */
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(40));
	if (ret)
		return dev_err_probe(dev, ret, "no 40-bit DMA\n");
	platform_set_drvdata(pdev, rk);
	return component_master_add_with_match(dev, &npu_rk_master_ops, match);
}

static void npu_rk_remove(struct platform_device *pdev)
{
	component_master_del(&pdev->dev, &npu_rk_master_ops);
}

static struct platform_driver npu_rk_driver = {
	.probe = npu_rk_probe,
	.remove = npu_rk_remove,
	.driver = {
		.name = NPU_RK_NAME,
	},
};

/*
 * A core the die waits for, bound by another driver after the die was
 * probed (it was deferred, waiting for its IOMMU say, and rocket came
 * first): the die cannot bind until that core is ours.  Say so, instead
 * of leaving the device missing without a word.
 */
static int npu_rk_bus_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct device *dev = data;

	if (action != BUS_NOTIFY_BOUND_DRIVER || !dev->driver ||
	    dev->driver == &npu_rk_core_driver.driver ||
	    !of_device_is_compatible(dev->of_node, NPU_RK_COMPATIBLE))
		return NOTIFY_DONE;
	dev_warn(dev, "NPU core bound to driver %s, not to %s: the NPU device waits for it; see %s\n",
		 dev->driver->name, npu_rk_core_driver.driver.name,
		 NPU_RK_DOC_CHOOSE);
	return NOTIFY_OK;
}

static struct notifier_block npu_rk_bus_nb = {
	.notifier_call = npu_rk_bus_notify,
};

static bool npu_rk_described(void)
{
	struct device_node *np;

	for_each_compatible_node(np, NULL, NPU_RK_COMPATIBLE) {
		if (of_device_is_available(np)) {
			of_node_put(np);
			return true;
		}
	}
	return false;
}

/**
 * npu_rk3588_init() - register the RK3588 drivers and the die device
 *
 * The die device exists only when the device tree describes a core.
 *
 * Return: 0 or a negative errno; nothing is left registered on failure.
 */
int npu_rk3588_init(void)
{
	struct platform_device *pdev;
	int ret;

	ret = npu_backend_register(&npu_rk_backend);
	if (ret)
		return ret;
	ret = bus_register_notifier(&platform_bus_type, &npu_rk_bus_nb);
	if (ret)
		return ret;
	ret = platform_driver_register(&npu_rk_core_driver);
	if (ret)
		goto err_notifier;
	ret = platform_driver_register(&npu_rk_driver);
	if (ret)
		goto err_core;
	if (!npu_rk_described())
		return 0;
	pdev = platform_device_register_simple(NPU_RK_NAME, PLATFORM_DEVID_NONE,
					       NULL, 0);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		goto err_driver;
	}
	npu_rk_pdev = pdev;
	return 0;

err_driver:
	platform_driver_unregister(&npu_rk_driver);
err_core:
	platform_driver_unregister(&npu_rk_core_driver);
err_notifier:
	bus_unregister_notifier(&platform_bus_type, &npu_rk_bus_nb);
	return ret;
}

/**
 * npu_rk3588_exit() - remove the die device and the drivers
 */
void npu_rk3588_exit(void)
{
	platform_device_unregister(npu_rk_pdev);
	npu_rk_pdev = NULL;
	platform_driver_unregister(&npu_rk_driver);
	platform_driver_unregister(&npu_rk_core_driver);
	bus_unregister_notifier(&platform_bus_type, &npu_rk_bus_nb);
	npu_backend_unregister(&npu_rk_backend);
}

#if IS_ENABLED(CONFIG_DRM_ACCEL_NPU_KUNIT_TEST)
#include "npu_rk3588_test.c"
#endif
