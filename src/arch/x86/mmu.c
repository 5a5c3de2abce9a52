/* SPDX-License-Identifier: GPL-2.0-only */
#include "arch/x86/mmu.h"

#include <errno.h>

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define ADDR_MASK 0x000ffffffffff000ull

static int read_pte(const struct guest_mem *gm, uint64_t gpa, unsigned size, uint64_t *pte)
{
	uint32_t v32;

	if (size == 4) {
		if (gm_read(gm, gpa, &v32, 4) < 0)
			return -EFAULT;
		*pte = v32;
		return 0;
	}
	return gm_read(gm, gpa, pte, 8) < 0 ? -EFAULT : 0;
}

int x86_gva_to_gpa(const struct guest_mem *gm, const struct x86_paging *pg, uint64_t gva,
		   uint64_t *gpa)
{
	uint64_t table, pte;
	int levels, ret;

	if (!(pg->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffull;
		return 0;
	}
	if (!(pg->cr4 & CR4_PAE)) {
		/* 32-bit paging: 10 + 10 + 12, optional 4 MiB pages. */
		uint32_t va = (uint32_t)gva;
		table = pg->cr3 & 0xfffff000ull;
		if ((ret = read_pte(gm, table + ((va >> 22) & 0x3ff) * 4, 4, &pte)))
			return ret;
		if (!(pte & PTE_P))
			return -ENOENT;
		if ((pte & PTE_PS) && (pg->cr4 & CR4_PSE)) {
			*gpa = (pte & 0xffc00000ull) | ((pte >> 13) & 0xffull) << 32 | (va & 0x3fffff);
			return 0;
		}
		table = pte & 0xfffff000ull;
		if ((ret = read_pte(gm, table + ((va >> 12) & 0x3ff) * 4, 4, &pte)))
			return ret;
		if (!(pte & PTE_P))
			return -ENOENT;
		*gpa = (pte & 0xfffff000ull) | (va & 0xfff);
		return 0;
	}
	if (!(pg->efer & EFER_LMA)) {
		/* PAE: the PDPT has 4 entries, then 2 levels of 512. */
		uint32_t va = (uint32_t)gva;
		table = pg->cr3 & 0xffffffe0ull;
		if ((ret = read_pte(gm, table + ((va >> 30) & 3) * 8, 8, &pte)))
			return ret;
		if (!(pte & PTE_P))
			return -ENOENT;
		gva = va;
		levels = 2;
		table = pte & ADDR_MASK;
	} else {
		levels = (pg->cr4 & CR4_LA57) ? 5 : 4;
		table = pg->cr3 & ADDR_MASK;
	}
	for (int level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		if ((ret = read_pte(gm, table + ((gva >> shift) & 0x1ff) * 8, 8, &pte)))
			return ret;
		if (!(pte & PTE_P))
			return -ENOENT;
		if (level == 1 || ((pte & PTE_PS) && level <= 3)) {
			uint64_t page_mask = (1ull << shift) - 1;
			*gpa = (pte & ADDR_MASK & ~page_mask) | (gva & page_mask);
			return 0;
		}
		table = pte & ADDR_MASK;
	}
	return -ENOENT;
}

size_t x86_read_virt(const struct guest_mem *gm, const struct x86_paging *pg, uint64_t gva,
		     void *buf, size_t len)
{
	uint8_t *b = buf;
	size_t done = 0;

	while (done < len) {
		uint64_t gpa;
		size_t chunk = 4096 - ((gva + done) & 0xfff);

		if (chunk > len - done)
			chunk = len - done;
		if (x86_gva_to_gpa(gm, pg, gva + done, &gpa) < 0 || gm_read(gm, gpa, b + done, chunk) < 0)
			break;
		done += chunk;
	}
	return done;
}
