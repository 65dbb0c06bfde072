// SPDX-License-Identifier: GPL-2.0-only
/* Copyright 2026 The NPU stack authors */

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>

#include "npu_mmu.h"

/*
 * Entry format (rockchip-iommu v2, drivers/iommu/rockchip-iommu.c):
 * bits 31:12 hold PA[31:12], bits 11:8 PA[35:32], bits 7:4 PA[39:36];
 * bit 0 is valid; in a PTE bit 1 is writable and bit 2 readable.
 */
#define NPU_MMU_VALID		BIT(0)
#define NPU_MMU_PTE_WRITABLE	BIT(1)
#define NPU_MMU_PTE_READABLE	BIT(2)
#define NPU_MMU_ADDR_LO		GENMASK(31, 12)
#define NPU_MMU_ADDR_HI1	GENMASK(11, 8)	/* PA[35:32] */
#define NPU_MMU_ADDR_HI2	GENMASK(7, 4)	/* PA[39:36] */
#define NPU_MMU_PA_BITS		40

#define NPU_MMU_DTE_INDEX(va)	(((va) >> 22) & 0x3ff)
#define NPU_MMU_PTE_INDEX(va)	(((va) >> 12) & 0x3ff)

/**
 * npu_mmu_mk_entry() - encode a 40-bit physical address, valid bit set
 * @pa: page-aligned physical address below 1 TiB
 *
 * Return: the 32-bit entry.
 */
u32 npu_mmu_mk_entry(phys_addr_t pa)
{
	u64 a = pa;

	return (a & NPU_MMU_ADDR_LO) |
	       (((a >> 32) & 0xf) << 8) |
	       (((a >> 36) & 0xf) << 4) |
	       NPU_MMU_VALID;
}

/**
 * npu_mmu_entry_addr() - decode the physical address of an entry
 * @entry: a DTE or PTE
 *
 * Return: the page-aligned physical address it points to.
 */
phys_addr_t npu_mmu_entry_addr(u32 entry)
{
	u64 pa = entry & NPU_MMU_ADDR_LO;

	pa |= (u64)((entry & NPU_MMU_ADDR_HI1) >> 8) << 32;
	pa |= (u64)((entry & NPU_MMU_ADDR_HI2) >> 4) << 36;
	return pa;
}

static bool npu_mmu_pa_ok(phys_addr_t pa)
{
	return (u64)pa < BIT_ULL(NPU_MMU_PA_BITS);
}

static u32 *npu_mmu_entries(struct page *page)
{
	/* Table pages come from lowmem (no __GFP_HIGHMEM). */
	return page_address(page);
}

/**
 * npu_mmu_pt_init() - allocate the directory of an address space
 * @pt: tables to set up
 * @nid: NUMA node for the tables, or %NUMA_NO_NODE
 *
 * Return: 0 or -ENOMEM.
 */
int npu_mmu_pt_init(struct npu_mmu_pt *pt, int nid)
{
	memset(pt, 0, sizeof(*pt));
	pt->nid = nid;
	pt->dir = alloc_pages_node(nid, GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!pt->dir)
		return -ENOMEM;
	if (!npu_mmu_pa_ok(page_to_phys(pt->dir))) {
		__free_page(pt->dir);
		pt->dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * npu_mmu_pt_fini() - free every table of an address space
 * @pt: tables from npu_mmu_pt_init()
 */
void npu_mmu_pt_fini(struct npu_mmu_pt *pt)
{
	unsigned int i;

	for (i = 0; i < NPU_MMU_ENTRIES; i++)
		if (pt->tables[i])
			__free_page(pt->tables[i]);
	if (pt->dir)
		__free_page(pt->dir);
	memset(pt->tables, 0, sizeof(pt->tables));
	pt->dir = NULL;
}

/**
 * npu_mmu_pt_dir_phys() - the address the device's DTE register holds
 * @pt: tables of the address space
 *
 * Return: physical address of the directory.
 */
phys_addr_t npu_mmu_pt_dir_phys(const struct npu_mmu_pt *pt)
{
	return page_to_phys(pt->dir);
}

static u32 *npu_mmu_table(struct npu_mmu_pt *pt, u32 va, bool alloc)
{
	unsigned int d = NPU_MMU_DTE_INDEX(va);
	struct page *page = pt->tables[d];
	u32 *dir = npu_mmu_entries(pt->dir);

	if (!page && alloc) {
		page = alloc_pages_node(pt->nid, GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					0);
		if (!page)
			return NULL;
		if (!npu_mmu_pa_ok(page_to_phys(page))) {
			__free_page(page);
			return NULL;
		}
		pt->tables[d] = page;
		/* The table is zeroed before the device can see the DTE. */
		smp_wmb();
		WRITE_ONCE(dir[d], npu_mmu_mk_entry(page_to_phys(page)));
	}
	return page ? npu_mmu_entries(page) : NULL;
}

/**
 * npu_mmu_pt_unmap() - clear the PTEs of a range
 * @pt: tables of the address space
 * @va: first address, device page aligned
 * @count: device pages (4 KiB)
 *
 * Tables stay allocated until npu_mmu_pt_fini().
 */
void npu_mmu_pt_unmap(struct npu_mmu_pt *pt, u32 va, unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++, va += NPU_MMU_PAGE_SIZE) {
		u32 *ptes = npu_mmu_table(pt, va, false);

		if (ptes)
			WRITE_ONCE(ptes[NPU_MMU_PTE_INDEX(va)], 0);
	}
}

/**
 * npu_mmu_pt_map() - write the PTEs of a range from a DMA-mapped table
 * @pt: tables of the address space
 * @va: first address, device page aligned; the range must be unmapped
 * @sgt: the buffer, DMA-mapped for the device; every DMA segment starts
 *       on a device page boundary and is a whole number of them long
 * @offset: first byte of the buffer to map, device page aligned
 * @count: number of device pages (4 KiB), not CPU pages
 * @writable: whether the device may write
 *
 * The entries hold the DMA addresses of the pages: what the device puts
 * on its bus.  Only DMA addresses are used, never the pages behind them,
 * so buffers imported from another device map the same way as our own.
 *
 * Return: 0, -ENOMEM (nothing stays mapped), -ERANGE for an address above
 * the 40-bit limit or -EINVAL when @sgt is shorter than the range or not
 * page aligned.
 */
int npu_mmu_pt_map(struct npu_mmu_pt *pt, u32 va, struct sg_table *sgt,
		   u64 offset, unsigned long count, bool writable)
{
	u32 flags = NPU_MMU_PTE_READABLE | (writable ? NPU_MMU_PTE_WRITABLE : 0);
	struct scatterlist *sg;
	unsigned long done = 0;
	unsigned int i;
	u32 addr = va;
	int ret = -EINVAL;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t dma = sg_dma_address(sg);
		u64 len = sg_dma_len(sg);

		if (!IS_ALIGNED(dma | len | offset, NPU_MMU_PAGE_SIZE))
			goto fail;
		if (offset >= len) {
			offset -= len;
			continue;
		}
		dma += offset;
		len -= offset;
		offset = 0;
		for (; len && done < count;
		     len -= NPU_MMU_PAGE_SIZE, dma += NPU_MMU_PAGE_SIZE) {
			u32 *ptes = npu_mmu_table(pt, addr, true);

			if (!ptes) {
				ret = -ENOMEM;
				goto fail;
			}
			if (!npu_mmu_pa_ok(dma + NPU_MMU_PAGE_SIZE - 1)) {
				ret = -ERANGE;
				goto fail;
			}
			WRITE_ONCE(ptes[NPU_MMU_PTE_INDEX(addr)],
				   npu_mmu_mk_entry(dma) | flags);
			addr += NPU_MMU_PAGE_SIZE;
			done++;
		}
		if (done == count)
			return 0;
	}
fail:
	npu_mmu_pt_unmap(pt, va, done);
	return ret;
}

/* A table is 4 KiB at a 4 KiB boundary: not always at its CPU page's start. */
static u32 npu_mmu_read_entry(phys_addr_t table, unsigned int index)
{
	struct page *page = pfn_to_page(PHYS_PFN(table));
	void *map;
	u32 entry;

	map = kmap_local_page(page);
	entry = READ_ONCE(((u32 *)(map + offset_in_page(table)))[index]);
	kunmap_local(map);
	return entry;
}

/**
 * npu_mmu_walk() - translate a device address as the IOMMU does
 * @dir: physical address of the directory (the DTE register)
 * @va: device address
 * @write: the access writes
 * @pa: out: physical address
 *
 * The walk reads the tables through their physical addresses, like the
 * device: it trusts nothing the driver keeps on the side.
 *
 * Return: 0, or -EFAULT for an address outside 32 bits, a missing
 * DTE or PTE, or an access the PTE does not allow.
 */
int npu_mmu_walk(phys_addr_t dir, u64 va, bool write, phys_addr_t *pa)
{
	phys_addr_t table, page;
	u32 dte, pte;

	if (va >> 32)
		return -EFAULT;
	dte = npu_mmu_read_entry(dir, NPU_MMU_DTE_INDEX(va));
	if (!(dte & NPU_MMU_VALID))
		return -EFAULT;
	table = npu_mmu_entry_addr(dte);
	if (!pfn_valid(PHYS_PFN(table)))
		return -EFAULT;
	pte = npu_mmu_read_entry(table, NPU_MMU_PTE_INDEX(va));
	if (!(pte & NPU_MMU_VALID) || !(pte & NPU_MMU_PTE_READABLE))
		return -EFAULT;
	if (write && !(pte & NPU_MMU_PTE_WRITABLE))
		return -EFAULT;
	page = npu_mmu_entry_addr(pte);
	if (!pfn_valid(PHYS_PFN(page)))
		return -EFAULT;
	*pa = page | (va & (NPU_MMU_PAGE_SIZE - 1));
	return 0;
}
