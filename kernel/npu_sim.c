// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */
/*
 * Virtual NPU: dies x cores that speak the RK3588 command interface.
 *
 * Each die is a platform device of its own, as on an EIC7702 where every
 * die is a DT node, and is bound to a NUMA node when the machine has one
 * per die.  The platform driver below is a backend like any hardware one:
 * it fills in &struct npu_device_info and hands the die to the core.
 */

#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/of.h>
#include <linux/platform_device.h>

#include <drm/npu_accel.h>

#include "npu_device.h"
#include "npu_drv.h"

#define NPU_SIM_NAME		"npu-virtual"
#define NPU_SIM_MAX_DIES	8u
/* The dies of the virtual package; hardware derives this from DT. */
#define NPU_SIM_PACKAGE_ID	0x5e1u

static int sim_enable = -1;
module_param(sim_enable, int, 0444);
MODULE_PARM_DESC(sim_enable,
		 "Create the virtual NPU: -1 when no NPU hardware is described (default), 0 never, 1 always");

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

static int npu_sim_probe(struct platform_device *pdev)
{
	const struct npu_sim_pdata *pdata = dev_get_platdata(&pdev->dev);
	struct npu_device_info info = {
		.model = DRM_NPU_MODEL_VIRTUAL,
		.package_id = NPU_SIM_PACKAGE_ID,
		.va_bits = 32,
		.caps = DRM_NPU_CAP_VIRTUAL,
	};
	struct npu_device *ndev;
	int ret;

	if (!pdata)
		return -EINVAL;
	info.die_index = pdata->die_index;
	info.die_count = pdata->die_count;
	info.core_count = pdata->core_count;

	ndev = npu_device_create(&pdev->dev, &info);
	if (IS_ERR(ndev))
		return dev_err_probe(&pdev->dev, PTR_ERR(ndev),
				     "cannot create virtual die\n");
	platform_set_drvdata(pdev, ndev);

	ret = npu_device_register(ndev);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "cannot register\n");

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

/**
 * npu_sim_init() - register the virtual backend and create its dies
 *
 * Return: 0 or a negative errno; nothing is left registered on failure.
 */
int npu_sim_init(void)
{
	unsigned int die;
	int ret;

	if (!npu_sim_wanted())
		return 0;
	if (!sim_dies || sim_dies > NPU_SIM_MAX_DIES ||
	    !sim_cores || sim_cores > NPU_MAX_CORES) {
		pr_err("npu: sim_dies must be 1..%u and sim_cores 1..%u\n",
		       NPU_SIM_MAX_DIES, NPU_MAX_CORES);
		return -EINVAL;
	}

	ret = platform_driver_register(&npu_sim_driver);
	if (ret)
		return ret;

	for (die = 0; die < sim_dies; die++) {
		ret = npu_sim_create_die(die);
		if (ret) {
			npu_sim_exit();
			return ret;
		}
	}
	return 0;
}

/**
 * npu_sim_exit() - remove the virtual dies and their driver
 */
void npu_sim_exit(void)
{
	npu_sim_destroy_dies();
	platform_driver_unregister(&npu_sim_driver);
}
