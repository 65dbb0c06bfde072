/* SPDX-License-Identifier: GPL-2.0-only */
/* Copyright 2026 The NPU stack authors */
/*
 * Two-level page tables in the rockchip-iommu v2 format, as the RK3588
 * NPU's IOMMU walks them: a 4 KiB directory of 1024 32-bit DTEs (VA bits
 * 31:22), each pointing to a 4 KiB table of 1024 32-bit PTEs (VA bits
 * 21:12); entries carry 40-bit physical addresses.  The virtual NPU uses
 * this as its device MMU; a hardware backend uses the kernel IOMMU API.
 */
#ifndef __NPU_MMU_H__
#define __NPU_MMU_H__

#include <linux/types.h>

struct page;
struct sg_table;

#define NPU_MMU_ENTRIES		1024
/*
 * The device's page: 4 KiB whatever the CPU's PAGE_SIZE (arm64 kernels
 * may run 16 or 64 KiB pages).  A CPU page holds several device pages;
 * every step, offset and count here is in device pages.
 */
#define NPU_MMU_PAGE_SHIFT	12
#define NPU_MMU_PAGE_SIZE	4096u

/**
 * struct npu_mmu_pt - page tables of one address space
 * @dir: the directory page
 * @tables: the page-table pages, NULL where no table exists yet
 * @nid: node the tables are allocated on
 */
struct npu_mmu_pt {
	struct page *dir;
	struct page *tables[NPU_MMU_ENTRIES];
	int nid;
};

int npu_mmu_pt_init(struct npu_mmu_pt *pt, int nid);
void npu_mmu_pt_fini(struct npu_mmu_pt *pt);
int npu_mmu_pt_map(struct npu_mmu_pt *pt, u32 va, struct sg_table *sgt,
		   u64 offset, unsigned long count, bool writable);
void npu_mmu_pt_unmap(struct npu_mmu_pt *pt, u32 va, unsigned long count);
phys_addr_t npu_mmu_pt_dir_phys(const struct npu_mmu_pt *pt);

int npu_mmu_walk(phys_addr_t dir, u64 va, bool write, phys_addr_t *pa);

u32 npu_mmu_mk_entry(phys_addr_t pa);
phys_addr_t npu_mmu_entry_addr(u32 entry);

#endif /* __NPU_MMU_H__ */
